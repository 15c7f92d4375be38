#!/usr/bin/env bash
# The browser tests drive Debian's chromium through Playwright (never a downloaded browser build).
set -euo pipefail
[ -x /usr/bin/chromium ] || bash "$(dirname "$0")/apt-install.sh" chromium fonts-noto-cjk
