#!/usr/bin/env bash
# Make sure Debian's Chromium is installed, for the browser tests (tests/browser).
#
#   scripts/ensure-chromium.sh
#
# Does nothing when `chromium` is on the PATH. Otherwise installs the Debian package
# (CI runs as root on a fresh machine). Playwright drives this Chromium: never run
# `playwright install`. Without root (and without passwordless sudo) it only says
# what to run; the browser tests are then skipped, not failed.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo)
else
  echo "Chromium is not installed; the browser tests will be skipped." >&2
  echo "Install it with: apt-get update && apt-get install -y chromium" >&2
  exit 0
fi

echo "Installing Debian's chromium for the browser tests…"
"${as_root[@]}" apt-get update
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y chromium
command -v chromium >/dev/null 2>&1 || { echo "chromium is still missing after apt-get." >&2; exit 1; }
