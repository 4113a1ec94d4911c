#!/usr/bin/env bash
# Cost of dossier understanding on top of the page pipeline: `sohoa ocr` and
# `sohoa batch` on the same corpus pages (release build, --jobs 2), each run
# twice alternately (the faster of two is kept: shared machines are noisy).
# Prints both wall and CPU (user+sys) times, the overhead in % (goal: <= 10%;
# CPU time is the steadier figure on a shared machine), the understanding
# stage's own CPU seconds as the batch reports them, and the batch's scores.
#
# Usage: bench/batch_bench.sh [--pages N] [--runs R]
#   SOHOA_EXE    the sohoa to measure (default build/release/app/sohoa)
#   SOHOA_CORPUS the corpus (default ../shared/corpus/public)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
corpus=${SOHOA_CORPUS:-$root/../shared/corpus/public}
score=$root/../shared/corpus/score.py
pages=0; runs=2
while [ $# -gt 0 ]; do
  case "$1" in
    --pages) pages=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 1 ;;
  esac
done
sohoa=${SOHOA_EXE:-$root/build/release/app/sohoa}
if [ ! -x "$sohoa" ]; then
  cmake --preset release -S "$root" >/dev/null && cmake --build --preset release >/dev/null
fi

sohoa=$(cd "$(dirname "$sohoa")" && pwd)/$(basename "$sohoa")

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$corpus"
# Feed order: the truth's page order (batches, then sequence).
/usr/bin/python3 - "$pages" > "$work/pages.txt" <<'PY'
import json, sys
n = int(sys.argv[1])
files = [p["file"] for p in json.load(open("truth.json"))["pages"]]
print("\n".join(files[:n] if n > 0 else files))
PY
count=$(wc -l < "$work/pages.txt")
echo "corpus: $count pages from $corpus ($(nproc) cores), $runs runs each"

# Prints "wall cpu" seconds of a command.
seconds() {
  /usr/bin/time -f "%e %U %S" -o "$work/t" "$@" > "$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
  awk '{print $1, $2 + $3}' "$work/t"
}
: > "$work/ocr.times"; : > "$work/batch.times"
for ((i = 0; i < runs; i++)); do
  rm -rf "$work/out"
  seconds "$sohoa" ocr $(cat "$work/pages.txt") -o "$work/ocr.pdf" --jobs 2 -q >> "$work/ocr.times"
  seconds "$sohoa" batch $(cat "$work/pages.txt") -o "$work/out" --jobs 2 -q \
      --results "$work/batch.json" --source-root "$corpus" >> "$work/batch.times"
done
/usr/bin/python3 - "$work/ocr.times" "$work/batch.times" "$work/batch.json" <<'PY'
import json, sys
def best(path):
    rows = [list(map(float, l.split())) for l in open(path) if l.strip()]
    return min(r[0] for r in rows), min(r[1] for r in rows)
(ow, oc), (bw, bc) = best(sys.argv[1]), best(sys.argv[2])
r = json.load(open(sys.argv[3]))
print(f"sohoa ocr:   {ow:7.1f} s wall {oc:7.1f} s CPU")
print(f"sohoa batch: {bw:7.1f} s wall {bc:7.1f} s CPU")
print(f"overhead:    {100 * (bw - ow) / ow:+6.1f} % wall {100 * (bc - oc) / oc:+6.1f} % CPU   (goal <= 10 %)")
print(f"understanding stage: {r['understanding_seconds']:.1f} CPU s over {len(r['pages'])} pages "
      f"({1000 * r['understanding_seconds'] / max(1, len(r['pages'])):.0f} ms/page)")
PY
if [ "$pages" -eq 0 ]; then /usr/bin/python3 "$score" "$corpus" "$work/batch.json" | tail -1; fi
