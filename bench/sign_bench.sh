#!/usr/bin/env bash
# Signing benchmark in one run: builds bench/sign_bench.cpp in Release, makes a
# throw-away test PKI (shared/check/test_pki.sh: only its .p12 and CA bundle are
# used, no servers), and prints
#   - B-B signing of a 10 MB PDF vs SHA-256 + one RSA-2048 signature (goal <= 1.5x),
#     in memory and file to file (IN.pdf -> OUT.pdf, as `sohoa sign`)
#   - a batch of 100 x 1 MB PDFs with a soft key, documents/s (goal >= 50)
#   - verification of those files, signatures/s (goal >= 200)
# Exit 0 when every goal is met, 2 when one is not.
#
# Usage: bench/sign_bench.sh [--build-dir DIR] [--docs N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$root/build/bench-release
docs=100
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --docs) docs=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 1 ;;
  esac
done
shared=${SOHOA_SHARED_DIR:-$root/../shared}

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSOHOA_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target sign_bench >/dev/null

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
bash "$shared/check/test_pki.sh" "$work/pki" init >/dev/null
echo "sign_bench ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
SOHOA_PIN=1234 "$build/signing/sign_bench" --p12 "$work/pki/p12/org.p12" \
  --trust "$work/pki/ca-bundle.pem" --work "$work/files" --docs "$docs"
