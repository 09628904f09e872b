#!/usr/bin/env bash
# Installs the Debian packages microcred needs beyond Python wheels, only when missing:
#   libharfbuzz-subset0  WeasyPrint's fast font-subsetting path (about 5x faster PDFs)
#   fonts-noto-core      fonts for the certificate template across scripts (Latin, Arabic, Hebrew...)
#   fonts-noto-color-emoji  emoji in user-supplied names
#   poppler-utils        pdftoppm: the console's certificate preview (PNG of page 1), and tests that render certificates to images
#   chromium             headless browser for the browser tests (Playwright drives /usr/bin/chromium)
#   redis-server         the outage tests start, kill and stop private Redis servers (tests only)
# Extra packages can be asked for on the command line (make bench adds wrk).
set -euo pipefail
wanted=(libharfbuzz-subset0 fonts-noto-core fonts-noto-color-emoji poppler-utils chromium redis-server "$@")
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "system-deps: missing ${missing[*]}; install them with apt-get as root" >&2; exit 1
  fi
else SUDO=""; fi
echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
