#!/usr/bin/env bash
# Make sure Debian's Chromium (and a Chinese font, so screenshots show text and
# not empty boxes) is installed for the browser tests. Playwright drives it
# through its executable path; nothing downloads a browser build.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)

if [ ${#missing[@]} -eq 0 ]; then
  echo "chromium: $(chromium --version 2>/dev/null | head -n1); Chinese fonts: present"
  exit 0
fi
echo "installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
chromium --version
