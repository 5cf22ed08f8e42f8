#!/bin/sh
# Installs coturn from Debian for the TURN browser test (test/browser/turn-relay.test.ts starts
# its own `turnserver` on a free loopback port and stops it afterwards; the system service is not
# used). Idempotent; run as root.
set -eu

TURNSERVER=/usr/bin/turnserver

if [ -x "$TURNSERVER" ]; then
  echo "install-coturn: $TURNSERVER is already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-coturn: $TURNSERVER is missing and this script must run as root to install it (apt-get)." >&2
  exit 1
fi

echo "install-coturn: running apt-get update"
apt-get update
echo "install-coturn: running apt-get install -y coturn"
DEBIAN_FRONTEND=noninteractive apt-get install -y coturn
echo "install-coturn: installed $TURNSERVER"
