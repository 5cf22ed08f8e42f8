#!/bin/sh
# Installs ffprobe (Debian's ffmpeg package) for checking uploaded recordings: codec (Opus), track
# types (audio only) and duration. ffprobe is used rather than an npm parser because it reads
# Chromium's MediaRecorder WebM (unknown-size segment and clusters, no Duration), which
# music-metadata cannot; see infra/s3proxy/README.md. Without recommends: 161 MB instead of 278 MB.
# Idempotent; run as root.
set -eu

FFPROBE=/usr/bin/ffprobe

if [ -x "$FFPROBE" ]; then
  echo "install-ffmpeg: $FFPROBE is already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-ffmpeg: $FFPROBE is missing and this script must run as root to install it (apt-get)." >&2
  exit 1
fi

echo "install-ffmpeg: running apt-get update"
apt-get update
echo "install-ffmpeg: running apt-get install -y --no-install-recommends ffmpeg"
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg
echo "install-ffmpeg: installed $FFPROBE"
