#!/usr/bin/env bash
# Renders the tour's HTML report in headless Chromium and checks that the
# page and its plot are shown; the screenshot is kept in out/browser/.
# GOLIGN, when set, is the golign binary that makes the report.
set -euo pipefail
cd "$(dirname "$0")/../.."
GOLIGN_BROWSER_TEST=1 go test -tags "${TAGS:-openblas}" -count=1 -v ./test/browser
echo "screenshot: out/browser/tour.png"
