#!/bin/sh
# Installs Chromium from Debian for the browser tests (playwright-core drives /usr/bin/chromium;
# `npx playwright install` cannot download browsers on these machines). Idempotent; run as root.
set -eu

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  echo "install-chromium: $CHROMIUM is already installed: $("$CHROMIUM" --version 2>/dev/null || echo 'version unknown')"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-chromium: $CHROMIUM is missing and this script must run as root to install it (apt-get)." >&2
  exit 1
fi

echo "install-chromium: running apt-get update"
apt-get update
echo "install-chromium: running apt-get install -y chromium"
DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
echo "install-chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
