#!/usr/bin/env bash
# Runs golign's Jupyter tests with Debian's Jupyter (/usr/bin/python3): the
# official conformance suite jupyter_kernel_test, process-level tests of the
# kernel (wrong key, interrupts, stdin, ipc, shutdown) and a notebook with a
# plot executed by nbconvert. The kernelspec is installed into a temporary
# prefix, so the user's own Jupyter set-up is neither used nor touched.
#
# GOLIGN names the golign binary to test; without it one is built.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=../jupyter-sandbox.sh
source "$here/../jupyter-sandbox.sh"
jupyter_sandbox "$tmp"
export GOLIGN_TEST_TMP="$tmp"

cd "$here"
/usr/bin/python3 -Xfrozen_modules=off -m unittest -v test_conformance test_kernel_process test_interactive test_notebook
