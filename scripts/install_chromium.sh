#!/usr/bin/env bash
# Install Debian's headless Chromium and its WebDriver for the browser test, if missing.
# Needs root (as on the project's machines and CI); does nothing when both are present.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium/chromedriver missing and not root: install Debian's 'chromium chromium-driver'" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium chromium-driver >/dev/null
echo "installed $(chromium --version)"
