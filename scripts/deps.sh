#!/usr/bin/env bash
# Installs the system packages golign's build and tests use: a C compiler
# for cgo; OpenBLAS and LAPACKE, which the fast linear-algebra backend opens
# at run time (the build needs no library of theirs; libopenblas0 brings
# Debian's pthread OpenBLAS, whose LAPACK LAPACKE is bound to); Jupyter (client, Notebook,
# console, nbconvert, the kernel conformance suite, ipykernel as the peer in
# benchmarks), NumPy for side-by-side numerics, and Chromium for the browser
# checks. Packages already installed are left alone.
set -euo pipefail

packages=(
	gcc libc6-dev
	libopenblas0 liblapacke
	jupyter-client jupyter-notebook jupyter-console
	python3-jupyter-client python3-jupyter-kernel-test python3-nbclient
	python3-nbconvert python3-ipykernel python3-numpy
	chromium
)
# Node and npm run the Notebook-in-the-browser test (test/notebook-ui); a
# Node already on PATH, from whichever source, is used as it is.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
