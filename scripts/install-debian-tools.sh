#!/bin/sh
# Installs the Debian programs the test suite drives, those that are missing, with one apt-get
# update. Idempotent; run as root. Usage: install-debian-tools.sh [chromium] [coturn] [ffmpeg]
# (no argument: all three).
#   chromium  /usr/bin/chromium  browser tests (playwright-core; `npx playwright install` cannot
#             download browsers on these machines)
#   coturn    /usr/bin/turnserver  TURN tests start their own turnserver on a free loopback port
#   ffmpeg    /usr/bin/ffprobe   checks uploaded recordings (codec, tracks, duration): it reads
#             Chromium's MediaRecorder WebM, which npm parsers cannot (infra/s3proxy/README.md);
#             installed without recommends (161 MB instead of 278 MB)
set -eu

[ "$#" -gt 0 ] || set -- chromium coturn ffmpeg
missing=""
for tool in "$@"; do
  case "$tool" in
    chromium) bin=/usr/bin/chromium ;;
    coturn) bin=/usr/bin/turnserver ;;
    ffmpeg) bin=/usr/bin/ffprobe ;;
    *) echo "install-debian-tools: unknown tool $tool (chromium, coturn, ffmpeg)" >&2; exit 2 ;;
  esac
  if [ -x "$bin" ]; then
    echo "install-debian-tools: $bin is already installed"
  else
    missing="$missing $tool"
  fi
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-debian-tools: missing:$missing; run this script as root to install them (apt-get)." >&2
  exit 1
fi
echo "install-debian-tools: apt-get update, then installing:$missing"
apt-get update
# shellcheck disable=SC2086 # one package per word
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
echo "install-debian-tools: installed:$missing"
