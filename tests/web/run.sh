#!/usr/bin/env bash
# The browser test (CTest `web_e2e`): installs playwright-core from npm into the
# build folder (npm ci against the committed package-lock.json; skipped when it is
# already there for this lock file), then drives Debian's chromium through the
# page with e2e.mjs. Screenshots go to $SOHOA_WEB_ARTIFACTS.
# Usage: tests/web/run.sh BUILD_TEST_DIR   (env: SOHOA_EXE, SOHOA_SHARED_DIR)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:?usage: run.sh BUILD_TEST_DIR}"
mkdir -p "$work"
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" || [ ! -d "$work/node_modules/playwright-core" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$work/"
  # No browser download: the test uses /usr/bin/chromium from Debian.
  (cd "$work" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
export SOHOA_WEB_NODE_DIR="$work"
export SOHOA_WEB_ARTIFACTS="${SOHOA_WEB_ARTIFACTS:-$work/artifacts}"
exec node "$here/e2e.mjs"
