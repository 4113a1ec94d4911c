#!/usr/bin/env bash
# Load: a release `sohoa serve` on 127.0.0.1 with a registry seeded over its API
# (--dossiers, default 3000, one searchable document each) and 20 accounts made
# with `sohoa account add`; then --clients (default 50) clients on their own
# connections mix logins, searches, dossier reads, new dossiers, document uploads
# and scan uploads (which the service OCRs meanwhile, on every core) for
# --seconds (default 60). Prints counts, errors (goal: 0) and p50/p95/p99 per call
# kind (goal: p99 <= 1 s for every call; none of them waits for OCR).
#
# Each client logs in once (clients start spread over --ramp-seconds, default 10,
# as staff arrive); --relogin-every N adds a fresh login after every N calls.
#
# Usage: bench/load_bench.sh [--seconds S] [--clients C] [--dossiers N] [--no-processing]
#                            [--relogin-every N] [--ramp-seconds S]
#   SOHOA_BUILD_DIR the release build (default build/release)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
corpus=${SOHOA_CORPUS:-$root/../shared/corpus/public}
build=${SOHOA_BUILD_DIR:-$root/build/release}
seconds=60; clients=50; dossiers=3000; processing=true; relogin=0; ramp=10
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --dossiers) dossiers=$2; shift 2 ;;
    --no-processing) processing=false; shift ;;
    --relogin-every) relogin=$2; shift 2 ;;
    --ramp-seconds) ramp=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 1 ;;
  esac
done
if [ ! -x "$build/app/sohoa" ] || [ ! -x "$build/service/load_bench" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" --target sohoa load_bench >/dev/null
fi
sohoa=$build/app/sohoa
export OMP_THREAD_LIMIT=1
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

agency=000.00.00.H49
accounts=10
head -c 18 /dev/urandom | base64 > "$work/password"
export SOHOA_ACCOUNT_PASSWORD
SOHOA_ACCOUNT_PASSWORD=$(cat "$work/password")
for i in $(seq "$accounts"); do
  "$sohoa" account add --data-dir "$work/data" --login "load-counter-$i" --agency "$agency" \
    --role counter --name "Quầy $i" >/dev/null
  "$sohoa" account add --data-dir "$work/data" --login "load-records-$i" --agency "$agency" \
    --role records --name "Văn thư $i" >/dev/null
done
# Uploads are never refused as busy here: the bench measures the API, not back-pressure.
cat > "$work/serve.json" <<JSON
{"data_dir": "$work/data", "listen": "127.0.0.1:0", "processing": $processing,
 "max_pending_pages": 1000000, "hot_folders": [{"path": "$work/data/inbox"}]}
JSON
"$sohoa" serve --config "$work/serve.json" 2> "$work/serve.log" &
server=$!
for _ in $(seq 300); do [ -s "$work/data/http.port" ] && break; sleep 0.1; done
port=$(cat "$work/data/http.port")
common=(--port "$port" --counter load-counter --records load-records --accounts "$accounts"
        --password-file "$work/password" --codes "$work/codes.txt")
"$build/service/load_bench" seed "${common[@]}" --dossiers "$dossiers"
echo "load before the run: $(uptime | sed 's/.*load/load/')"
status=0
"$build/service/load_bench" run "${common[@]}" --seconds "$seconds" --clients "$clients" \
  --relogin-every "$relogin" --ramp-seconds "$ramp" \
  --page "$corpus/batches/b01/0001.jpg" || status=$?
echo "load after the run:  $(uptime | sed 's/.*load/load/'); processing: $processing"
grep -c '"level":"error"' "$work/serve.log" | sed 's/^/errors in the service log: /' || true
exit "$status"
