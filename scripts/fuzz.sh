#!/usr/bin/env bash
# Runs every fuzz target of the module for a short time each (default 5s):
# `scripts/fuzz.sh 10m` before a release.
set -euo pipefail
time=${1:-5s}
tags=${TAGS:-openblas}
status=0
while IFS= read -r line; do
	file=${line%%:*}
	name=$(sed -E 's/^.*func (Fuzz[A-Za-z0-9_]*).*/\1/' <<<"$line")
	pkg=./$(dirname "$file")
	echo "fuzz $pkg $name ($time)"
	go test -tags "$tags" -run '^$' -fuzz "^${name}\$" -fuzztime "$time" "$pkg" >/tmp/fuzz.$$.log 2>&1 || {
		cat /tmp/fuzz.$$.log
		status=1
	}
done < <(git ls-files '*_test.go' | xargs grep -H '^func Fuzz' || true)
rm -f /tmp/fuzz.$$.log
exit $status
