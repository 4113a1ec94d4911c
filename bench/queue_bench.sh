#!/usr/bin/env bash
# Durable job queue throughput (claim + complete per second, WAL + synchronous=FULL)
# on the disk that holds the data directory. Usage:
#   bench/queue_bench.sh [BUILD_DIR] [JOBS] [WORKERS] [DATA_DIR]
# A counter scanner at 40 pages/min needs ~6 stage steps per page: 240 steps/min,
# which the queue must sustain with a wide margin next to OCR.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build/release}
jobs=${2:-2000}
workers=${3:-2}
data=${4:-$(mktemp -d)}
if [ ! -x "$build/tests/storage/storage_queue_bench" ]; then
  cmake --build "$build" --target storage_queue_bench
fi
"$build/tests/storage/storage_queue_bench" "$data/queue-bench.sqlite" "$jobs" "$workers"
rm -f "$data/queue-bench.sqlite" "$data/queue-bench.sqlite-wal" "$data/queue-bench.sqlite-shm"
