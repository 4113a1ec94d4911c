#!/usr/bin/env bash
# First command of the README: installs what sohoa needs, builds it, and runs the
# service once on the embedded default (config/embedded-default.json: SQLite
# queue and folders under DATA_DIR): every sample scanner batch of
# ../shared/corpus/public is dropped into the hot folder as a finished folder,
# `sohoa serve --once` files each into dossiers (one PDF/A per dossier), and the
# per-page results are scored against the corpus truth.
# Usage: bash scripts/quickstart.sh [DATA_DIR]   (default: ./data)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
data=${1:-$root/data}
corpus=${SOHOA_CORPUS:-$root/../shared/corpus/public}

bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release -j "$(nproc)" --target sohoa
sohoa=$root/build/release/app/sohoa

# Scanner-style drop: copy each batch folder in under a hidden name, mark it
# done, then rename it into the hot folder (the service claims whole folders).
mkdir -p "$data/inbox"
for batch in "$corpus"/batches/*/; do
  name=$(basename "$batch")
  rm -rf "$data/inbox/.$name"
  cp -r "$batch" "$data/inbox/.$name"
  touch "$data/inbox/.$name/.sohoa-done"
  mv "$data/inbox/.$name" "$data/inbox/$name"
done
"$sohoa" serve --config config/embedded-default.json --data-dir "$data" --once --no-http \
  2> "$data/serve.log"

# Results of every batch, with sources as the corpus truth names them.
python3 - "$data" <<'PY'
import glob, json, os, sys
data = sys.argv[1]
pages = []
for f in sorted(glob.glob(os.path.join(data, "filed", "*", "results.json"))):
    for page in json.load(open(f, encoding="utf-8"))["pages"]:
        # filed/<id>/ came from spool/ready/<id>/<file>; the id ends in the batch name.
        batch = os.path.basename(os.path.dirname(f)).split("-", 1)[1].rsplit("-", 1)[0]
        page["source"] = "batches/%s/%s" % (batch, os.path.basename(page["source"]))
        pages.append(page)
json.dump({"pages": pages}, open(os.path.join(data, "results.json"), "w", encoding="utf-8"),
          ensure_ascii=False)
PY
echo "== score against the corpus truth =="
/usr/bin/python3 "$corpus/../score.py" "$corpus" "$data/results.json" | tail -1 || true
echo "Filed dossiers (PDF/A) in $data/filed/<batch>/; log: $data/serve.log"
