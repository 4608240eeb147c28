#!/usr/bin/env bash
# Build the two bare Vert.x proxies, start them pinned to CPU 0 (one event loop each), warm them up,
# run the shared peer harness (NGINX / HAProxy / Caddy + these) and stop everything we started.
#
#   perf/bare-proxy/run.sh [--seconds N] [--runs N] [--warmup N] [--bench PATH]
#
# Contestants: vxproxy (vertx-http-proxy, defaults), vxtuned (vertx-http-proxy, setSupportWebSocket(false)),
# piped (hand-piped HttpServer -> HttpClient). Each harness run prints one table.
set -u
cd "$(dirname "$0")"
SECS=10; RUNS=2; WARM=10; BENCH=${BENCH:-}
while [ $# -gt 0 ]; do case $1 in
  --seconds) SECS=$2; shift 2;; --runs) RUNS=$2; shift 2;; --warmup) WARM=$2; shift 2;; --bench) BENCH=$2; shift 2;;
  *) echo "usage: run.sh [--seconds N] [--runs N] [--warmup N] [--bench PATH]" >&2; exit 2;; esac; done
if [ -z "$BENCH" ]; then for b in ../../../shared/bench/run.sh /work/shared/bench/run.sh; do [ -x "$b" ] && { BENCH=$b; break; }; done; fi
[ -x "${BENCH:-}" ] || { echo "bench harness run.sh not found (give --bench PATH)" >&2; exit 2; }

# tools: the harness installs what it misses too, but our own warm-up needs nginx and wrk first
need=(); for b in nginx wrk taskset; do command -v $b >/dev/null || need+=($b); done
if [ ${#need[@]} -gt 0 ]; then
  pk=(nginx haproxy caddy wrk nghttp2-client openssl)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pk[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${pk[@]}" >/dev/null; }
fi

# build (offline first, online if the offline repo lacks a plugin dependency)
mvn -o -q package >/dev/null 2>&1 || mvn -q package || { echo "build failed" >&2; exit 1; }
CP="target/bare-proxy-0.1.0-SNAPSHOT.jar:target/lib/*"
JVM=(java -Xms256m -Xmx256m -XX:+UseParallelGC -cp "$CP")

BE=18080
D=$(mktemp -d); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill $p 2>/dev/null; done; sleep 0.5; for p in "${PIDS[@]}"; do kill -9 $p 2>/dev/null; done; rm -rf "$D"; }
trap cleanup EXIT

taskset -c 0 "${JVM[@]}" io.gatehouse.perf.bare.VertxHttpProxyMain 18090 127.0.0.1 $BE >$D/vx.log 2>&1 & VX=$!; PIDS+=($VX)
taskset -c 0 "${JVM[@]}" -Dproxy.tuned=true io.gatehouse.perf.bare.VertxHttpProxyMain 18092 127.0.0.1 $BE >$D/vxt.log 2>&1 & VXT=$!; PIDS+=($VXT)
taskset -c 0 "${JVM[@]}" io.gatehouse.perf.bare.PipedProxyMain 18091 127.0.0.1 $BE >$D/pp.log 2>&1 & PP=$!; PIDS+=($PP)
sleep 3
for f in vx vxt pp; do cat $D/$f.log; done

# extra JIT warm-up against a temporary backend identical to the harness's (stopped before the harness starts its own)
mkdir -p $D/www; head -c 4096 /dev/zero | tr '\0' x > $D/www/4k
cat > $D/backend.conf <<C
worker_processes 1; daemon off; pid $D/be.pid; error_log $D/be.err; events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000;
  server { listen 127.0.0.1:$BE; root $D/www; location / { return 200 "hello, world\n"; } location = /4k { default_type text/plain; } } }
C
taskset -c 1 nginx -c $D/backend.conf & BEP=$!; sleep 1
if [ "$WARM" -gt 0 ]; then
  for port in 18090 18092 18091; do for path in / /4k; do
    taskset -c 1 wrk -t1 -c64 -d${WARM}s -H "Host: bench.test" http://127.0.0.1:$port$path | awk -v p=$port$path '/Requests\/sec/{print "warm-up " p ": " $2 " req/s"}'
  done; done
fi
kill $BEP; wait $BEP 2>/dev/null; sleep 1

for i in $(seq 1 $RUNS); do
  echo "=== harness run $i/$RUNS ($(date -u +%FT%TZ), --seconds $SECS) ==="
  "$BENCH" --seconds $SECS vxproxy@$VX=http://127.0.0.1:18090 vxtuned@$VXT=http://127.0.0.1:18092 piped@$PP=http://127.0.0.1:18091
done
