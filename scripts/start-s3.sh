#!/usr/bin/env bash
# A real S3-protocol server for tests, CI and local work on the recordings S3 adapter: S3Proxy
# (Java, jars from Maven Central through infra/s3proxy/pom.xml), on a free loopback port, in the
# background, with SigV2/SigV4 authorization on and a bucket created. See infra/s3proxy/README.md.
#
#   scripts/start-s3.sh [start]          start one instance; prints S3PROXY_RUN_DIR=… then the six
#                                        S3_* settings as the last lines (KEY=value, one a line)
#   scripts/start-s3.sh stop [RUN_DIR]   stop it (RUN_DIR or $S3PROXY_RUN_DIR) and delete its data
#   scripts/start-s3.sh fetch            only download the jars into the cache
#
# Settings (all optional): S3PROXY_VERSION, S3PROXY_CACHE_DIR (jars, outside the repository),
# S3PROXY_RUN_DIR (config, pid, log, data; default a new temp dir), S3_BUCKET, JAVA_HOME (a JDK
# 17 or newer), S3PROXY_PROVIDER (filesystem or transient), S3PROXY_START_TIMEOUT (seconds).
# Progress goes to stderr, so `eval "$(scripts/start-s3.sh)"` or `export $(scripts/start-s3.sh)` work.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${S3PROXY_VERSION:-4.1.0}"
cache="${S3PROXY_CACHE_DIR:-$HOME/.cache/conversation-service/s3proxy-$version}"
say() { echo "start-s3: $*" >&2; }
die() { say "$*"; exit 1; }

fetch() {
  [ -f "$cache/lib/s3proxy-$version.jar" ] && return 0
  command -v mvn >/dev/null || die "mvn is missing (apt-get install -y maven)"
  say "fetching S3Proxy $version and its runtime jars with Maven into $cache"
  # Into a temp folder first, renamed at the end: a half-done download is never taken for a cache.
  local tmp="$cache.part.$$" t0=$SECONDS
  rm -rf "$tmp"; mkdir -p "$tmp"
  if ! mvn -q -B -f "$here/infra/s3proxy/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -Ds3proxy.version="$version" -DoutputDirectory="$tmp/lib" >"$tmp/mvn.log" 2>&1; then
    tail -n 30 "$tmp/mvn.log" >&2; rm -rf "$tmp"; die "Maven could not fetch org.gaul:s3proxy:$version"
  fi
  mkdir -p "$(dirname "$cache")"
  mv -T "$tmp" "$cache" 2>/dev/null || rm -rf "$tmp" # another start fetched it meanwhile
  say "fetched in $((SECONDS - t0)) s ($(du -sh "$cache/lib" | cut -f1))"
}

# S3Proxy 2.x+ is built for Java 17: use JAVA_HOME's java, else the PATH's, else a JDK >= 17 from /usr/lib/jvm.
find_java() {
  local c v
  for c in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
    [ -x "$c" ] || continue
    v=$("$c" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    [ "${v%%.*}" -ge 17 ] 2>/dev/null && { echo "$c"; return 0; }
  done
  die "no Java 17 or newer found (set JAVA_HOME)"
}

start() {
  fetch
  local java port run id secret endpoint bucket deadline code
  java=$(find_java)
  run="${S3PROXY_RUN_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/s3proxy.XXXXXX")}"
  if [ -f "$run/s3proxy.pid" ] && kill -0 "$(cat "$run/s3proxy.pid")" 2>/dev/null; then
    die "$run already has a running S3Proxy (stop it first)"
  fi
  mkdir -p "$run/data"
  # The kernel hands out a free port; S3Proxy binds it a moment later (a clash shows in the log).
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  id="test-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  secret=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')
  endpoint="http://127.0.0.1:$port"
  bucket="${S3_BUCKET:-recordings-test}"
  # filesystem: objects are real files under $run/data (metadata in extended attributes), so large
  # multipart tests do not fill the JVM heap, and what was stored can be inspected with ls.
  # cors-allow-all: a page served by the service may PUT to a presigned URL on this other origin.
  umask 077
  cat >"$run/s3proxy.conf" <<EOF
s3proxy.endpoint=$endpoint
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$id
s3proxy.credential=$secret
s3proxy.cors-allow-all=true
jclouds.provider=${S3PROXY_PROVIDER:-filesystem}
jclouds.filesystem.basedir=$run/data
EOF
  # Serial GC and C1 only: a quicker start and fewer threads on a shared 2-core machine.
  # shellcheck disable=SC2086
  nohup "$java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx256m ${S3PROXY_JAVA_OPTS:-} \
    -Dlogback.configurationFile="$here/infra/s3proxy/logback.xml" \
    -cp "$cache/lib/*" org.gaul.s3proxy.Main --properties "$run/s3proxy.conf" \
    </dev/null >"$run/s3proxy.log" 2>&1 &
  echo $! >"$run/s3proxy.pid"
  say "started S3Proxy $version (pid $!, $java) on $endpoint; log $run/s3proxy.log"

  # Ready when it answers HTTP at all (403 to an anonymous GET): then create the bucket, signed,
  # which also proves the generated credentials work.
  deadline=$((SECONDS + ${S3PROXY_START_TIMEOUT:-60}))
  until code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$endpoint/") && [ "$code" != 000 ]; do
    kill -0 "$(cat "$run/s3proxy.pid")" 2>/dev/null || { tail -n 30 "$run/s3proxy.log" >&2; die "S3Proxy exited"; }
    [ "$SECONDS" -lt "$deadline" ] || { tail -n 30 "$run/s3proxy.log" >&2; stop "$run"; die "S3Proxy did not answer in time"; }
    sleep 0.2
  done
  # curl 7.88 signs SigV4 but does not add x-amz-content-sha256, which S3 requires: give the empty body's hash.
  code=$(curl -s -o "$run/create-bucket.xml" -w '%{http_code}' -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" \
    --user "$id:$secret" -H "x-amz-content-sha256: $(printf '' | sha256sum | cut -d' ' -f1)" "$endpoint/$bucket")
  [ "$code" = 200 ] || { cat "$run/create-bucket.xml" >&2; stop "$run"; die "creating bucket $bucket answered $code"; }
  say "ready; bucket $bucket created; RSS $(ps -o rss= -p "$(cat "$run/s3proxy.pid")" | awk '{printf "%d MiB", $1/1024}')"

  echo "S3PROXY_RUN_DIR=$run"
  echo "S3_ENDPOINT=$endpoint"
  echo "S3_REGION=auto" # S3Proxy takes the region from the signature's scope: any works; R2 uses auto
  echo "S3_BUCKET=$bucket"
  echo "S3_ACCESS_KEY_ID=$id"
  echo "S3_SECRET_ACCESS_KEY=$secret"
  echo "S3_FORCE_PATH_STYLE=true"
}

stop() {
  local run="${1:-${S3PROXY_RUN_DIR:-}}" pid
  [ -n "$run" ] || die "stop: which one? give the S3PROXY_RUN_DIR that start printed"
  [ -f "$run/s3proxy.conf" ] || die "stop: $run is not an S3Proxy run folder"
  pid=$(cat "$run/s3proxy.pid" 2>/dev/null || true)
  # Only that process, and only if it still is our S3Proxy (not a recycled pid).
  if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$run/s3proxy.conf"; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    say "stopped pid $pid"
  fi
  rm -rf "$run"
}

case "${1:-start}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  fetch) fetch ;;
  *) die "usage: $0 [start | stop [RUN_DIR] | fetch]" ;;
esac
