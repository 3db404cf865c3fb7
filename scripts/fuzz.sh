#!/usr/bin/env bash
# Runs every fuzz target of the module for a budget of executions each
# (default 20000x, a few seconds): `scripts/fuzz.sh 10000000x` before a release.
# The budget is a count, not a duration: with Go 1.26 a duration budget can
# fail a target at its deadline with "context deadline exceeded" although
# nothing failed (go.dev/issue/75804).
set -euo pipefail
time=${1:-20000x}
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
