#!/usr/bin/env bash
# First command of the README: installs what sohoa needs, builds it, and runs the
# main job on the sample dossiers of ../shared/corpus/public: every scanner batch
# becomes one searchable PDF/A, with a per-page results file scored against the
# corpus truth.
# Usage: bash scripts/quickstart.sh [OUT_DIR]   (default: ./out)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=${1:-$root/out}
corpus=${SOHOA_CORPUS:-$root/../shared/corpus/public}

bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release -j "$(nproc)"
sohoa=$root/build/release/app/sohoa

mkdir -p "$out"
for batch in "$corpus"/batches/*/; do
  name=$(basename "$batch")
  # Run from the corpus root so result sources match truth.json paths.
  (cd "$corpus" && "$sohoa" ocr batches/"$name"/* -o "$out/$name.pdf" --pdfa 2b \
      --results "$out/$name.results.json" --sidecar "$out/$name.txt")
done
python3 - "$out" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
pages = []
for f in sorted(glob.glob(os.path.join(out, "b*.results.json"))):
    pages += json.load(open(f, encoding="utf-8"))["pages"]
json.dump({"pages": pages}, open(os.path.join(out, "results.json"), "w", encoding="utf-8"),
          ensure_ascii=False)
PY
echo "== score against the corpus truth =="
/usr/bin/python3 "$corpus/../score.py" "$corpus" "$out/results.json" | tail -1
echo "PDF/A files in $out"
