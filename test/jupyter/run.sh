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
root="$(cd "$here/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if [[ -z "${GOLIGN:-}" ]]; then
	(cd "$root" && go build -o "$tmp/golign" ./cmd/golign)
	GOLIGN="$tmp/golign"
fi
export GOLIGN
"$GOLIGN" install --prefix "$tmp/prefix" >/dev/null

export JUPYTER_PATH="$tmp/prefix/share/jupyter"
export JUPYTER_RUNTIME_DIR="$tmp/runtime"
export JUPYTER_DATA_DIR="$tmp/data"
export JUPYTER_CONFIG_DIR="$tmp/config"
export IPYTHONDIR="$tmp/ipython"
export PYDEVD_DISABLE_FILE_VALIDATION=1
export GOLIGN_TEST_TMP="$tmp"

cd "$here"
/usr/bin/python3 -Xfrozen_modules=off -m unittest -v test_conformance test_kernel_process test_interactive test_notebook
