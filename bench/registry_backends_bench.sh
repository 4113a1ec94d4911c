#!/usr/bin/env bash
# The dossier registry on SQLite and on PostgreSQL, measured in the same run on
# the same disk: dossiers received and filed per second from one connection and
# from two at once (two nodes), and search latency; prints PostgreSQL/SQLite
# ratios. PostgreSQL is a private throwaway server (tests/storage/pg_test_server).
# Usage: bench/registry_backends_bench.sh [BUILD_DIR] [DOSSIERS] [QUERIES]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build/release}
dossiers=${2:-300}
queries=${3:-300}
cmake --build "$build" --target storage_registry_backends_bench
"$build/tests/storage/storage_registry_backends_bench" "$dossiers" "$queries"
