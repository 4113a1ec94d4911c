#!/usr/bin/env bash
# Installs every Debian 12 package sohoa needs to build, run, test and benchmark.
# Idempotent; run as root (or with passwordless sudo). Nothing is downloaded
# from anywhere but Debian's package archive.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git clang libclang-rt-14-dev clang-format clang-tidy
  # libraries
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
  libtesseract-dev libleptonica-dev tesseract-ocr-vie tesseract-ocr-eng tesseract-ocr-osd
  libpodofo-dev libssl-dev libxml2-dev libsqlite3-dev libpq-dev libzxing-dev
  libcpp-httplib-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libsane-dev
  libjpeg62-turbo-dev libpng-dev libtiff-dev zlib1g-dev
  libgtest-dev libgmock-dev
  # signing: PKCS#11 header (p11-kit), SoftHSM2 test token and pkcs11-tool
  libp11-kit-dev softhsm2 opensc
  # data used at run time
  icc-profiles-free
  # independent checkers and scorers used by the tests
  qpdf poppler-utils libpdfbox2-java default-jre-headless python3 python3-levenshtein python3-pikepdf
  python3-pil python3-numpy python3-qrcode python3-fonttools
  fonts-liberation2 fonts-noto-core fonts-dejavu-core
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${#missing[@]} packages"
"${sudo_cmd[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
