#!/usr/bin/env bash
# Starts a coturn TURN server on loopback for local development, in the foreground, with the TURN
# REST scheme the service issues credentials for (`use-auth-secret`). Then start the service with
# the two variables printed below. Usage: scripts/start-coturn.sh [port] [secret]
set -euo pipefail
port="${1:-3478}"
secret="${2:-dev-turn-secret-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
command -v turnserver >/dev/null 2>&1 || sh "$(dirname "$0")/install-debian-tools.sh" coturn
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "TURN_URLS=turn:127.0.0.1:$port?transport=udp,turn:127.0.0.1:$port?transport=tcp"
echo "TURN_SECRET=$secret"
turnserver -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port="$port" \
  --use-auth-secret --static-auth-secret="$secret" --realm=conversation-dev \
  --no-tls --no-dtls --allow-loopback-peers --no-cli --log-file=stdout --simple-log \
  --pidfile="$dir/turnserver.pid" --userdb="$dir/turndb"
