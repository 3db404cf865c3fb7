# Sourced by the test scripts that drive a real Jupyter. jupyter_sandbox DIR
# builds golign into DIR unless GOLIGN names a binary, installs its
# kernelspec into DIR/prefix and points every Jupyter and IPython directory
# into DIR, so that the user's own Jupyter set-up is neither used nor
# touched. TAGS are the build tags (default openblas).
jupyter_sandbox() {
	local dir="$1" root
	root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
	if [[ -z "${GOLIGN:-}" ]]; then
		(cd "$root" && go build -tags "${TAGS:-openblas}" -o "$dir/golign" ./cmd/golign)
		GOLIGN="$dir/golign"
	fi
	export GOLIGN
	"$GOLIGN" install --prefix "$dir/prefix" >/dev/null

	export JUPYTER_PATH="$dir/prefix/share/jupyter"
	export JUPYTER_RUNTIME_DIR="$dir/runtime"
	export JUPYTER_DATA_DIR="$dir/data"
	export JUPYTER_CONFIG_DIR="$dir/config"
	export IPYTHONDIR="$dir/ipython"
	export PYDEVD_DISABLE_FILE_VALIDATION=1
}
