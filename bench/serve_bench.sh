#!/usr/bin/env bash
# What the service adds to the batch pipeline, on the same stacks in the same run
# (release build; the corpus's 4 stacks, 76 pages, by default):
#
#  1. `sohoa batch` on each stack, one after the other;
#  2. `sohoa serve --once`: the same stacks dropped into its hot folder, processed
#     and filed; the overhead over (1) in % (goal: <= 5 %) and the sustained pages
#     per minute (goal: a 40 ppm counter scanner on the forms mix, 2 cores);
#  3. feed rate (unless --no-feed): `sohoa serve` running while the stacks arrive
#     page by page at --ppm (default 40) as a scan-to-folder scanner writes them;
#     the pages waiting (sohoa_pending_pages) are sampled as they come: bounded
#     (the service keeps up) or growing, and the lag from the last page to filed.
#
# Usage: bench/serve_bench.sh [--runs R] [--ppm N] [--no-feed | --feed-only] [BATCH_DIR...]
#   SOHOA_EXE    the sohoa to measure (default build/release/app/sohoa)
#   SOHOA_CORPUS the corpus (default ../shared/corpus/public)
# Shared machines are noisy: with --runs 2 (default) (1) and (2) alternate and
# the faster of each is kept; the CPU seconds (user+sys) are printed too.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
corpus=${SOHOA_CORPUS:-$root/../shared/corpus/public}
runs=2; ppm=40; feed=1; compare=1; batches=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --ppm) ppm=$2; shift 2 ;;
    --no-feed) feed=0; shift ;;
    --feed-only) compare=0; shift ;;
    -*) echo "unknown option $1" >&2; exit 1 ;;
    *) batches+=("${1%/}"); shift ;;
  esac
done
sohoa=${SOHOA_EXE:-$root/build/release/app/sohoa}
if [ ! -x "$sohoa" ]; then
  cmake --preset release -S "$root" >/dev/null && cmake --build --preset release --target sohoa >/dev/null
fi
[ ${#batches[@]} -gt 0 ] || for b in "$corpus"/batches/*/; do batches+=("${b%/}"); done
export OMP_THREAD_LIMIT=1
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

pages=0
for batch in "${batches[@]}"; do
  pages=$((pages + $(find "$batch" -maxdepth 1 -type f ! -name '.*' | wc -l)))
done
now() { date +%s.%N; }
# Wall and CPU seconds of a command: "wall cpu".
timed() {
  local start end
  start=$(now)
  /usr/bin/time -f '%U %S' -o "$work/time" "$@"
  end=$(now)
  echo "$(echo "$end - $start" | bc -l) $(awk '{print $1 + $2}' "$work/time")"
}

run_batch() {
  rm -rf "$work/batch"
  local b
  for b in "${batches[@]}"; do
    "$sohoa" batch "$b" -o "$work/batch/$(basename "$b")" -q
  done
}

serve_config() {  # data_dir http folder_quiet_ms
  cat > "$work/serve.json" <<JSON
{"data_dir": "$1", "http": $2, "listen": "127.0.0.1:0",
 "hot_folders": [{"path": "$1/inbox", "settle_ms": 200, "folder_quiet_ms": ${3:-500}}]}
JSON
}

run_serve_once() {
  rm -rf "$work/data"
  mkdir -p "$work/data/inbox"
  local b name
  for b in "${batches[@]}"; do
    name=$(basename "$b")
    cp -r "$b" "$work/data/inbox/.$name"
    touch "$work/data/inbox/.$name/.sohoa-done"
  done
  serve_config "$work/data" false
  # Drop every stack at once (one rename each), then serve until all are filed.
  for b in "${batches[@]}"; do
    name=$(basename "$b")
    mv "$work/data/inbox/.$name" "$work/data/inbox/$name"
  done
  "$sohoa" serve --config "$work/serve.json" --once 2> "$work/serve.log"
}

export -f run_batch run_serve_once serve_config now
export sohoa work
batch_wall=""; batch_cpu=""; serve_wall=""; serve_cpu=""
[ "$compare" -eq 1 ] || runs=0
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b) ? a : b }'; }
for ((r = 1; r <= runs; r++)); do
  read -r w c < <(timed bash -c "$(declare -p batches); run_batch")
  if [ -z "$batch_wall" ]; then batch_wall=$w; batch_cpu=$c; else batch_wall=$(min "$batch_wall" "$w"); batch_cpu=$(min "$batch_cpu" "$c"); fi
  read -r w c < <(timed bash -c "$(declare -p batches); run_serve_once")
  if [ -z "$serve_wall" ]; then serve_wall=$w; serve_cpu=$c; else serve_wall=$(min "$serve_wall" "$w"); serve_cpu=$(min "$serve_cpu" "$c"); fi
  filed=$(find "$work/data/filed" -name '*.pdf' | wc -l)
  made=$(find "$work/batch" -name '*.pdf' | wc -l)
  [ "$filed" -eq "$made" ] || { echo "serve filed $filed PDFs, batch wrote $made" >&2; exit 1; }
done

if [ "$compare" -eq 1 ]; then
overhead=$(echo "($serve_wall - $batch_wall) / $batch_wall * 100" | bc -l)
cpu_overhead=$(echo "($serve_cpu - $batch_cpu) / $batch_cpu * 100" | bc -l)
printf 'pages: %d in %d stacks; best of %d runs; load: %s\n' "$pages" "${#batches[@]}" "$runs" "$(uptime | sed 's/.*load/load/')"
printf 'sohoa batch:        %7.1f s wall %7.1f s cpu\n' "$batch_wall" "$batch_cpu"
printf 'sohoa serve --once: %7.1f s wall %7.1f s cpu   overhead %+.1f %% wall, %+.1f %% cpu (goal <= 5 %%)\n' \
  "$serve_wall" "$serve_cpu" "$overhead" "$cpu_overhead"
printf 'sustained: %.1f pages/minute (goal: keep up with a 40 ppm counter scanner)\n' \
  "$(echo "$pages / $serve_wall * 60" | bc -l)"
fi
[ "$feed" -eq 1 ] || exit 0

# 3. Feed rate: pages arrive one by one at $ppm, stack after stack.
rm -rf "$work/feed"
mkdir -p "$work/feed/inbox"
# A stack folder is complete by its marker (quiet time as the default, 10 s, longer
# than the gap between pages).
serve_config "$work/feed" true 10000
"$sohoa" serve --config "$work/serve.json" 2> "$work/feed.log" &
server=$!
for _ in $(seq 100); do [ -s "$work/feed/http.port" ] && break; sleep 0.1; done
port=$(cat "$work/feed/http.port")
pending() { curl -s "http://127.0.0.1:$port/metrics" | awk '/^sohoa_pending_pages /{print $2}'; }
interval=$(echo "60 / $ppm" | bc -l)
samples=()
start=$(now)
dropped=0
for b in "${batches[@]}"; do
  stack="$work/feed/inbox/$(basename "$b")"
  mkdir -p "$stack"
  for f in $(ls "$b" | sort); do
    # Written under a temp name, then renamed: what scan-to-folder does.
    cp "$b/$f" "$stack/.$f.part" && mv "$stack/.$f.part" "$stack/$f"
    dropped=$((dropped + 1))
    if [ $((dropped % 10)) -eq 0 ]; then samples+=("$(pending)"); fi
    target=$(echo "$start + $dropped * $interval" | bc -l)
    wait_for=$(echo "$target - $(now)" | bc -l)
    if [ "$(echo "$wait_for > 0" | bc -l)" -eq 1 ]; then sleep "$wait_for"; fi
  done
  touch "$stack/.sohoa-done"
done
fed=$(now)
stacks=${#batches[@]}
until [ "$(find "$work/feed/filed" -maxdepth 2 -name results.json 2>/dev/null | wc -l)" -ge "$stacks" ]; do
  sleep 0.5
  samples+=("$(pending)")
  if [ "$(echo "$(now) - $fed > 1800" | bc -l)" -eq 1 ]; then echo "not filed after 30 min" >&2; exit 1; fi
done
done_at=$(now)
kill -TERM "$server"; wait "$server" || true; server=""
feed_seconds=$(echo "$fed - $start" | bc -l)
lag=$(echo "$done_at - $fed" | bc -l)
max_pending=$(printf '%s\n' "${samples[@]}" | sort -n | tail -1)
printf 'feed at %s ppm: %d pages in %.0f s (%.1f ppm achieved); pages waiting every 10 pages: %s\n' \
  "$ppm" "$dropped" "$feed_seconds" "$(echo "$dropped / $feed_seconds * 60" | bc -l)" \
  "$(printf '%s ' "${samples[@]:0:$((dropped / 10))}")"
largest=0
for b in "${batches[@]}"; do n=$(ls "$b" | wc -l); [ "$n" -gt "$largest" ] && largest=$n; done
printf 'max waiting %s pages (largest stack %d); last page to all filed: %.1f s -> %s\n' \
  "$max_pending" "$largest" "$lag" \
  "$(if [ "${max_pending:-0}" -le $((2 * largest)) ]; then echo "keeps up (queue bounded)"; else echo "falls behind (queue grows)"; fi)"
