#!/usr/bin/env bash
# Make sure Debian's Chromium (and a Chinese font, so screenshots show text and
# not empty boxes) is installed for the browser tests. Playwright drives it
# through its executable path; nothing downloads a browser build.
set -euo pipefail
"$(dirname "$0")/debian.sh" chromium fonts-noto-cjk
echo "chromium: $(chromium --version 2>/dev/null | head -n1); Chinese fonts: present"
