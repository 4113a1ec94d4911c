#!/usr/bin/env bash
# Page-pipeline benchmark on the shared corpus, against its peers in the same run:
#   sohoa ocr      (--jobs 2, PDF/A-2b)
#   OCRmyPDF       (-l vie --rotate-pages --deskew --output-type pdfa-2 --jobs 2)
#   bare tesseract (2 processes at a time, one thread each, plain text out: the floor)
# Prints pages/s and the ratios, output bytes/page, peak RSS, and the quality of
# each (score.py) on the same pages.
#
# Usage: bench/ocr_bench.sh [--pages N] [--rss-scaling] [--update-reference] [--skip-ocrmypdf]
#   --pages N            first N pages of the corpus (default: all)
#   --rss-scaling        also run sohoa on 10, 100 and 500 pages (corpus pages
#                        repeated, with --results and --sidecar) and print the peak
#                        RSS figures and the growth per page (memory must stay flat)
#   --update-reference   store OCRmyPDF's quality figures in bench/reference.json
#                        (the bar the corpus test holds sohoa to)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
corpus=${SOHOA_CORPUS:-$root/../shared/corpus/public}
score=$corpus/../score.py
pages=0; rss_scaling=0; update_reference=0; skip_ocrmypdf=0
while [ $# -gt 0 ]; do
  case "$1" in
    --pages) pages=$2; shift 2 ;;
    --rss-scaling) rss_scaling=1; shift ;;
    --update-reference) update_reference=1; shift ;;
    --skip-ocrmypdf) skip_ocrmypdf=1; shift ;;
    *) echo "unknown option $1" >&2; exit 1 ;;
  esac
done

bash "$here/install-bench-deps.sh"
sohoa=${SOHOA_EXE:-$root/build/release/app/sohoa}
if [ ! -x "$sohoa" ]; then
  cmake --preset release -S "$root" >/dev/null && cmake --build --preset release -j "$(nproc)" >/dev/null
fi

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$corpus"
/usr/bin/python3 - "$pages" > "$work/pages.txt" <<'PY'
import json, sys
n = int(sys.argv[1])
files = [p["file"] for p in json.load(open("truth.json"))["pages"]]
print("\n".join(files[:n] if n > 0 else files))
PY
count=$(wc -l < "$work/pages.txt")
echo "corpus: $count pages from $corpus ($(nproc) cores)"

# Runs a command under GNU time; prints "seconds peak_kb".
measure() {
  local log=$1; shift
  /usr/bin/time -f "%e %M" -o "$log.time" "$@" > "$log" 2>&1 || { cat "$log" >&2; return 1; }
  cat "$log.time"
}

# --- sohoa ------------------------------------------------------------------
read -r s_sec s_kb < <(measure "$work/sohoa.log" "$sohoa" ocr $(cat "$work/pages.txt") \
  -o "$work/sohoa.pdf" --pdfa 2b --jobs 2 --results "$work/sohoa.json" -q)
s_bytes=$(stat -c %s "$work/sohoa.pdf")
s_written=$(/usr/bin/python3 -c "import json;print(json.load(open('$work/sohoa.json'))['pages_written'])")

# --- bare tesseract (the floor) ----------------------------------------------
start=$(date +%s.%N)
awk '{printf "%s %s/t%05d\n", $0, w, NR}' w="$work" "$work/pages.txt" |
  OMP_THREAD_LIMIT=1 xargs -L 1 -P 2 sh -c 'tesseract "$0" "$1" -l vie >/dev/null 2>&1'
t_sec=$(echo "$(date +%s.%N) - $start" | bc)

# --- OCRmyPDF -------------------------------------------------------------------
o_sec=0; o_bytes=0; o_kb=0
if [ "$skip_ocrmypdf" = 0 ]; then
  img2pdf $(cat "$work/pages.txt") -o "$work/input.pdf" 2>/dev/null
  read -r o_sec o_kb < <(measure "$work/ocrmypdf.log" ocrmypdf -l vie --rotate-pages --deskew \
    --output-type pdfa-2 --jobs 2 --sidecar "$work/ocrmypdf.txt" "$work/input.pdf" "$work/ocrmypdf.pdf")
  o_bytes=$(stat -c %s "$work/ocrmypdf.pdf")
  /usr/bin/python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
files = open(f"{work}/pages.txt").read().split("\n")[:-1]
texts = open(f"{work}/ocrmypdf.txt", encoding="utf-8").read().split("\f")
json.dump({"pages": [{"source": f, "text": t} for f, t in zip(files, texts)]},
          open(f"{work}/ocrmypdf.json", "w", encoding="utf-8"), ensure_ascii=False)
PY
fi

# --- report --------------------------------------------------------------------
s_fig=$(/usr/bin/python3 "$score" "$corpus" "$work/sohoa.json" --json)
echo "sohoa quality:    $s_fig"
if [ "$skip_ocrmypdf" = 0 ]; then
  o_fig=$(/usr/bin/python3 "$score" "$corpus" "$work/ocrmypdf.json" --json)
  echo "OCRmyPDF quality: $o_fig"
fi
/usr/bin/python3 - "$count" "$s_sec" "$t_sec" "$o_sec" "$s_bytes" "$s_written" "$o_bytes" "$s_kb" "$o_kb" <<'PY'
import sys
n, s, t, o = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
sb, sw, ob, skb, okb = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8]), int(sys.argv[9])
print(f"{'':16}{'seconds':>10}{'pages/s':>10}")
print(f"{'sohoa ocr':16}{s:10.1f}{n/s:10.3f}")
print(f"{'bare tesseract':16}{t:10.1f}{n/t:10.3f}")
if o > 0:
    print(f"{'OCRmyPDF':16}{o:10.1f}{n/o:10.3f}")
    print(f"speed: sohoa/OCRmyPDF = {o/s:.2f}x (goal >= 3x)")
print(f"speed: sohoa/bare tesseract = {t/s:.2f}x (goal >= 0.9x)")
print(f"output: sohoa {sb/max(sw,1)/1024:.0f} KiB/page ({sw} pages written)", end="")
if ob > 0:
    print(f", OCRmyPDF {ob/n/1024:.0f} KiB/page (all {n} pages kept); ratio {(sb/max(sw,1))/(ob/n):.2f}")
else:
    print()
print(f"peak RSS: sohoa {skb/1024:.0f} MB" + (f", OCRmyPDF {okb/1024:.0f} MB (main process)" if okb else ""))
PY

if [ "$update_reference" = 1 ] && [ "$skip_ocrmypdf" = 0 ]; then
  /usr/bin/python3 - "$o_fig" "$root/bench/reference.json" <<'PY'
import json, sys
fig = json.loads(sys.argv[1])
ref = {"ocrmypdf": {"mean_cer": fig["mean_cer"], "word_f1": fig["word_f1"],
                    "command": "ocrmypdf -l vie --rotate-pages --deskew --output-type pdfa-2 --jobs 2",
                    "corpus": "shared/corpus/public"}}
json.dump(ref, open(sys.argv[2], "w"), indent=1)
print("updated", sys.argv[2])
PY
fi

if [ "$rss_scaling" = 1 ]; then
  # Peak RSS at 10, 100 and 500 pages (corpus pages repeated) and the growth per
  # page between 100 and 500, where both runs hold every kind of corpus page
  # (10 pages hold only the first batch's, so its peak is not comparable).
  : > "$work/rss.txt"
  for n in 10 100 500; do
    /usr/bin/python3 -c "
import itertools
files=[l for l in open('$work/pages.txt').read().split('\\n') if l]
print('\\n'.join(itertools.islice(itertools.cycle(files), $n)))" > "$work/pages-$n.txt"
    read -r sec kb < <(measure "$work/rss-$n.log" "$sohoa" ocr $(cat "$work/pages-$n.txt") \
      -o "$work/rss-$n.pdf" --jobs 2 --results "$work/rss-$n.json" --sidecar "$work/rss-$n.txt" -q)
    echo "$n $kb" >> "$work/rss.txt"
    echo "peak RSS with $n pages: $((kb / 1024)) MB (${sec} s)"
    rm -f "$work/rss-$n.pdf"
  done
  /usr/bin/python3 - "$work/rss.txt" <<'PY'
import sys
kb = {int(n): int(k) for n, k in (line.split() for line in open(sys.argv[1]))}
per_page = (kb[500] - kb[100]) / 400
print(f"RSS growth 100 -> 500 pages: {per_page:+.1f} KB/page "
      f"({(kb[500] - kb[100]) / 1024:+.0f} MB); 10 -> 500: {(kb[500] - kb[10]) / 1024:+.0f} MB "
      f"(goal: <= 600 MB, flat)")
PY
fi
