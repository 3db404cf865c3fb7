#!/usr/bin/env bash
# Runs Jupyter Notebook (Debian's classic Notebook 6) on the golign kernel and
# drives it in headless Chromium through playwright-core (notebook.mjs): the
# plot cell of plot.ipynb must show a non-blank PNG, and Tab after
# `strings.ToU` must complete to strings.ToUpper. The kernelspec and every
# Jupyter directory live in a temporary directory, so the user's own Jupyter
# set-up is neither used nor touched. The screenshot is kept in
# out/notebook-ui/notebook.png and the server's log in out/notebook-ui/server.log.
#
# GOLIGN names the golign binary to test; without it one is built.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
artifacts="$root/out/notebook-ui"
mkdir -p "$artifacts"
tmp="$(mktemp -d)"
server_pid=""

stop_server() {
	[[ -n "$server_pid" ]] || return 0
	# SIGTERM lets the server shut its kernels down; the server runs in a
	# session of its own, so whatever is left of it is killed as a group.
	kill -TERM "$server_pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=""
}
trap 'stop_server; rm -rf "$tmp"' EXIT
fail() {
	echo "notebook-ui: FAIL: $*" >&2
	exit 1
}

[[ -z "${GOLIGN:-}" || -x "$GOLIGN" ]] || fail "GOLIGN=$GOLIGN is not an executable"
# shellcheck source=../jupyter-sandbox.sh
source "$here/../jupyter-sandbox.sh"
jupyter_sandbox "$tmp"

# playwright-core from the committed lock file; it never downloads a browser.
# The stamp records which lock file node_modules was installed from.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
stamp="$here/node_modules/.installed-from-package-lock.json"
if ! cmp -s "$here/package-lock.json" "$stamp"; then
	echo "notebook-ui: npm ci"
	(cd "$here" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci could not install playwright-core"
	cp "$here/package-lock.json" "$stamp"
fi

mkdir -p "$tmp/notebooks" "$JUPYTER_RUNTIME_DIR"
cp "$here/plot.ipynb" "$tmp/notebooks/plot.ipynb"

token="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
# A free port is chosen here; should another process take it first, the
# server moves on to the next one, so the address it serves on is read back
# from the file it writes in the runtime directory once it listens.
allow_root=()
[[ "$(id -u)" -ne 0 ]] || allow_root=(--allow-root)
port="$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
setsid /usr/bin/python3 -m notebook \
	--no-browser --ip=127.0.0.1 --port="$port" \
	--notebook-dir="$tmp/notebooks" \
	--NotebookApp.token="$token" --NotebookApp.password='' \
	--NotebookApp.open_browser=False "${allow_root[@]}" \
	>"$artifacts/server.log" 2>&1 &
server_pid=$!

base_url=""
for _ in $(seq 600); do
	kill -0 "$server_pid" 2>/dev/null || fail "the Notebook server exited; see $artifacts/server.log"
	server_info="$JUPYTER_RUNTIME_DIR/nbserver-$server_pid.json"
	# The file may exist before it is completely written; it counts once it parses.
	[[ -s "$server_info" ]] && base_url="$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["url"])' "$server_info" 2>/dev/null || true)"
	[[ -n "$base_url" ]] && break
	sleep 0.1
done
[[ -n "$base_url" ]] || fail "the Notebook server did not start within 60 s; see $artifacts/server.log"
echo "notebook-ui: Notebook server at $base_url"

NOTEBOOK_URL="${base_url%/}/notebooks/plot.ipynb" NOTEBOOK_TOKEN="$token" \
	SCREENSHOT="$artifacts/notebook.png" \
	node "$here/notebook.mjs" || fail "the browser checks failed (screenshot: $artifacts/notebook.png, server log: $artifacts/server.log)"
echo "notebook-ui: passed in $SECONDS s; screenshot: out/notebook-ui/notebook.png"
