#!/usr/bin/env bash
# The peers the benchmarks compare against (Debian packages): OCRmyPDF, the bare
# tesseract command line, GNU time for peak memory.
set -euo pipefail
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
need=()
for p in ocrmypdf img2pdf tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd time bc; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
[ ${#need[@]} -eq 0 ] && exit 0
"${sudo_cmd[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${need[@]}"
