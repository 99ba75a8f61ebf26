#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the browser tests (Playwright
# drives it through its executable path; nothing downloads a browser build).
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  echo "chromium: $(chromium --version 2>/dev/null | head -n1)"
  exit 0
fi
echo "chromium is missing; installing Debian's package"
if [ "$(id -u)" -ne 0 ]; then
  echo "install it with: sudo apt-get install chromium" >&2
  exit 1
fi
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
chromium --version
