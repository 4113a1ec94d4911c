#!/usr/bin/env bash
# Builds sohoa and runs every test (CTest: GoogleTest suites, fuzz-seed replays,
# end-to-end checks with the independent PDF/A and PAdES checkers).
# Usage: bash scripts/test.sh [ctest arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake --preset ci
cmake --build --preset ci -j "$(nproc)"
ctest --preset ci -j "${SOHOA_TEST_JOBS:-2}" "$@"
