#!/usr/bin/env bash
# Registry search latency at scale: builds a synthetic index (default 1,000,000
# pages; building it takes several minutes and ~1.5 GB in DIR) and prints
# p50/p95/p99 per query kind. Goal: p95 <= 50 ms at 1M pages.
#   bench/search_bench.sh [--pages N] [--queries Q] [--dir DIR] [--reuse] [--kind TEXT]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${SOHOA_BUILD_DIR:-$here/../build/release}
if [ ! -x "$build/storage/search_bench" ]; then
  cmake --preset release -S "$here/.." >/dev/null
  cmake --build "$build" --target search_bench
fi
echo "load before: $(cut -d" " -f1-3 /proc/loadavg) on $(nproc) cores"
"$build/storage/search_bench" "$@"
echo "load after: $(cut -d" " -f1-3 /proc/loadavg)"
