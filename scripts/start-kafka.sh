#!/usr/bin/env bash
# A real single-node Apache Kafka 4.x (KRaft, broker+controller in one JVM) for tests, CI and local
# development, run from Kafka's own jars fetched once with Maven (infra/kafka/pom.xml): no Docker,
# no tarball download (only Maven Central is reachable from our machines).
#
#   eval "$(scripts/start-kafka.sh)"   # starts it in the background (or finds the running one),
#                                      # prints KAFKA_BROKERS=127.0.0.1:<port> as its last line
#   scripts/start-kafka.sh stop        # stops it and removes its temporary folder
#
# Environment (all optional): KAFKA_VERSION (4.4.0), KAFKA_CACHE_DIR (jars, outside the repo),
# KAFKA_STATE_DIR (pid, log, data of the running broker), KAFKA_PORT / KAFKA_CONTROLLER_PORT
# (default: free loopback ports), KAFKA_HEAP (128m: its live heap is ~35 MB), KAFKA_START_TIMEOUT (seconds, 90).
# Progress goes to stderr so that stdout carries only the KAFKA_BROKERS line.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
version="${KAFKA_VERSION:-4.4.0}"
cache="${KAFKA_CACHE_DIR:-${HOME:-/tmp}/.cache/conversation-service/kafka-$version}"
state="${KAFKA_STATE_DIR:-${TMPDIR:-/tmp}/conversation-service-kafka}"
heap="${KAFKA_HEAP:-128m}"
timeout="${KAFKA_START_TIMEOUT:-90}"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
log() { echo "start-kafka: $*" >&2; }
for tool in "$java" mvn node flock; do
  command -v "$tool" >/dev/null || { log "needs $tool on PATH (Java 17+, Maven 3, Node)"; exit 1; }
done

running() { [[ -f "$state/broker.pid" && -f "$state/brokers" ]] && kill -0 "$(cat "$state/broker.pid")" 2>/dev/null; }

stop() {
  if [[ -f "$state/broker.pid" ]]; then
    local pid; pid=$(cat "$state/broker.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      # a single-node controlled shutdown takes a second or two; don't wait forever
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && { log "broker $pid did not stop in 10 s, killing it"; kill -9 "$pid"; }
    fi
  fi
  rm -rf "$state"
}

# One start or stop at a time per state folder (two test runners starting together).
mkdir -p "$(dirname "$state")"
exec 9>"$state.lock"
flock 9

if [[ "${1:-start}" == stop ]]; then stop; log "stopped"; exit 0; fi

if running; then
  log "already running (pid $(cat "$state/broker.pid"), state in $state)"
  echo "KAFKA_BROKERS=$(cat "$state/brokers")"
  exit 0
fi
stop # a stale folder from a broker that died or a machine that rebooted

# 1. Kafka's jars, fetched once. The marker is written last, so an interrupted fetch is redone.
if [[ ! -f "$cache/libs/.complete" ]]; then
  log "fetching Apache Kafka $version jars with Maven into $cache/libs"
  rm -rf "$cache/libs"; mkdir -p "$cache"
  mvn -q -B -f "$here/infra/kafka/pom.xml" -Dkafka.version="$version" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$cache/libs" >&2
  touch "$cache/libs/.complete"
fi
cp="$cache/libs/*"

# 2. Free loopback ports (the OS picks them; a tiny race with other programs is accepted).
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
port="${KAFKA_PORT:-$(free_port)}"
cport="${KAFKA_CONTROLLER_PORT:-$(free_port)}"
[[ "$cport" != "$port" ]] || cport=$(free_port)

# 3. Format a fresh KRaft log folder. Replication factors 1 (one node); a single partition for
# the internal topics so the first consumer group or transaction does not create 50 of them.
mkdir -p "$state/data"
cat >"$state/server.properties" <<EOF
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
controller.quorum.bootstrap.servers=127.0.0.1:$cport
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$state/data
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=1
group.initial.rebalance.delay.ms=0
# the log cleaner (compacts __consumer_offsets) allocates its dedupe buffer on the heap at start:
# 128 MB by default, more than everything else of a test broker together
log.cleaner.dedupe.buffer.size=4194304
EOF
# Small, quick-starting JVMs: the serial collector and the C1 compiler only (a test broker moves
# little data; this saves start-up time and CPU on our 2 shared cores).
jvm=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
  -Dlog4j2.configurationFile="$here/infra/kafka/log4j2.properties")
tool=(-Xmx128m -Dkafka.test.loglevel=WARN "${jvm[@]}") # short-lived tool JVMs: warnings only
# The cluster id is what `StorageTool random-uuid` prints (16 random bytes, base64url, not starting
# with '-'), made without starting a JVM for it.
cluster_id=$(node -e 'let u;do u=require("crypto").randomBytes(16).toString("base64url");while(u[0]==="-");console.log(u)')
"$java" "${tool[@]}" -cp "$cp" kafka.tools.StorageTool format --standalone \
  -t "$cluster_id" -c "$state/server.properties" >"$state/format.log" 2>&1 \
  || { cat "$state/format.log" >&2; exit 1; }

# 4. Start it in the background, detached from this shell's stdout (so "$(start-kafka.sh)" returns)
# and without the lock's descriptor 9 (or the lock would be held as long as the broker runs).
started=$(date +%s%N)
setsid "$java" -Xms64m -Xmx"$heap" "${jvm[@]}" -cp "$cp" kafka.Kafka "$state/server.properties" \
  >"$state/kafka.log" 2>&1 </dev/null 9>&- &
echo $! >"$state/broker.pid"

# 5. Wait until it answers a metadata request (the admin client's listTopics), not a sleep.
fail() {
  log "$1; last lines of $state/kafka.log:"
  tail -n 40 "$state/kafka.log" >&2 || true
  kill "$(cat "$state/broker.pid")" 2>/dev/null || true
  exit 1
}
printf 'request.timeout.ms=3000\ndefault.api.timeout.ms=5000\n' >"$state/admin.properties"
deadline=$(($(date +%s) + timeout))
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do # cheap check before starting a JVM
  kill -0 "$(cat "$state/broker.pid")" 2>/dev/null || fail "the broker exited"
  (($(date +%s) < deadline)) || fail "no listener on 127.0.0.1:$port after ${timeout}s"
  sleep 0.2
done
until "$java" "${tool[@]}" -cp "$cp" org.apache.kafka.tools.TopicCommand \
  --bootstrap-server "127.0.0.1:$port" --command-config "$state/admin.properties" --list \
  >"$state/check.log" 2>&1; do
  kill -0 "$(cat "$state/broker.pid")" 2>/dev/null || fail "the broker exited"
  (($(date +%s) < deadline)) || { cat "$state/check.log" >&2; fail "no metadata answer after ${timeout}s"; }
  sleep 0.5
done
echo "127.0.0.1:$port" >"$state/brokers"
log "Kafka $version up in $((($(date +%s%N) - started) / 1000000)) ms (pid $(cat "$state/broker.pid"), log $state/kafka.log)"
echo "KAFKA_BROKERS=127.0.0.1:$port"
