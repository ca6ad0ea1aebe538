#!/usr/bin/env bash
# What the staff page's end-to-end tests need: Debian's chromium at /usr/bin/chromium
# (driven by playwright-core; no browser download) and a Chinese font so screenshots are
# legible. Idempotent: installs only what is missing.
set -euo pipefail
want=()
[ -x /usr/bin/chromium ] || want+=(chromium)
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then want+=(fonts-wqy-microhei); fi
if [ ${#want[@]} -eq 0 ]; then
  echo "== e2e: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) and a Chinese font are present"
  exit 0
fi
echo "== e2e: installing ${want[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${want[@]}"
/usr/bin/chromium --version
