#!/usr/bin/env bash
# Installs every Debian 12 package sohoa needs to build, run, test and benchmark.
# Idempotent; run as root (or with passwordless sudo). Nothing is downloaded
# from anywhere but Debian's package archive.
set -euo pipefail

# One list per area in scripts/packages/*.txt (words; '#' starts a comment).
here=$(cd "$(dirname "$0")" && pwd)
packages=()
for list in "$here"/packages/*.txt; do
  read -r -a words <<< "$(sed 's/#.*//' "$list" | tr '\n' ' ')"
  packages+=("${words[@]}")
done

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
