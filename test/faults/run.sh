#!/usr/bin/env bash
# Runs golign's reliability and security tests against a real Jupyter client
# (Debian's jupyter_client under /usr/bin/python3): bad, missing and replayed
# signatures, the key kept out of logs, listening addresses, install
# confinement, killed clients, two clients, a thousand executes, huge output
# and allocations, goroutine panics, interrupt storms, restarts and a killed
# notebook run; then the Go tests of the alignment library's bad-input
# handling. The kernelspec goes into a temporary prefix, so the user's own
# Jupyter set-up is neither used nor touched.
#
# GOLIGN names the golign binary to test; without it one is built.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=../jupyter-sandbox.sh
source "$here/../jupyter-sandbox.sh"
jupyter_sandbox "$tmp"

cd "$here"
/usr/bin/python3 -Xfrozen_modules=off -m unittest -v test_security test_faults
cd "$root"
go test -tags "${TAGS:-openblas}" -count=1 ./test/faults/
