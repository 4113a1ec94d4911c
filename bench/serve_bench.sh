#!/usr/bin/env bash
# What the service adds to the batch pipeline: `sohoa batch` and `sohoa serve --once`
# on the same pages (release build, quiet machine), the overhead in % (goal: <= 5 %),
# and the sustained pages per minute the service keeps up with (goal: a 40 ppm
# counter scanner on the forms mix, on a 2-core machine).
# Usage: bench/serve_bench.sh [BATCH_DIR...]   (default: every corpus batch)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
corpus=${SOHOA_CORPUS:-$root/../shared/corpus/public}
sohoa=${SOHOA_EXE:-$root/build/release/app/sohoa}
if [[ ! -x $sohoa ]]; then
  cmake --preset release >/dev/null && cmake --build --preset release -j "$(nproc)" >/dev/null
fi
batches=("$@")
[[ ${#batches[@]} -gt 0 ]] || batches=("$corpus"/batches/*/)
export OMP_THREAD_LIMIT=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

pages=0
for batch in "${batches[@]}"; do
  pages=$((pages + $(find "$batch" -maxdepth 1 -type f ! -name '.*' | wc -l)))
done

now() { date +%s.%N; }

# 1. sohoa batch, one run per stack.
start=$(now)
for batch in "${batches[@]}"; do
  "$sohoa" batch "$batch" -o "$work/batch/$(basename "$batch")" -q
done
batch_seconds=$(echo "$(now) - $start" | bc -l)

# 2. the service: the same stacks dropped into the hot folder, processed, filed.
mkdir -p "$work/data/inbox"
for batch in "${batches[@]}"; do
  name=$(basename "$batch")
  cp -r "$batch" "$work/data/inbox/.$name"
  touch "$work/data/inbox/.$name/.sohoa-done"
done
cat > "$work/serve.json" <<JSON
{"data_dir": "$work/data", "http": false,
 "hot_folders": [{"path": "$work/data/inbox", "settle_ms": 200, "folder_quiet_ms": 500}]}
JSON
start=$(now)
for batch in "${batches[@]}"; do
  name=$(basename "$batch")
  mv "$work/data/inbox/.$name" "$work/data/inbox/$name"
done
"$sohoa" serve --config "$work/serve.json" --once 2> "$work/serve.log"
serve_seconds=$(echo "$(now) - $start" | bc -l)

overhead=$(echo "($serve_seconds - $batch_seconds) / $batch_seconds * 100" | bc -l)
ppm=$(echo "$pages / $serve_seconds * 60" | bc -l)
printf 'pages: %d in %d batches\n' "$pages" "${#batches[@]}"
printf 'sohoa batch:        %7.1f s\n' "$batch_seconds"
printf 'sohoa serve --once: %7.1f s   overhead %+.1f %% (goal <= 5 %%)\n' "$serve_seconds" "$overhead"
printf 'sustained: %.1f pages/minute (goal: 40 ppm counter scanner)\n' "$ppm"
