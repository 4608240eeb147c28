#!/usr/bin/env bash
# Syscalls per request on the gateway's event-loop thread: the gateway from JAR on CPU 0 with one event
# loop, an NGINX backend and the load generator on CPU 1; WARM seconds of load, then `strace -c` on the
# event-loop thread for 10 s of the same load. Prints the load's summary and strace's table; divide the
# calls by the requests. The figures of RESULTS.md's "HTTP/2: one flush per connection" come from it.
#
#   perf/syscalls.sh [--warmup N] CASE JAR
#
# CASE: h2        h2load over TLS (ALPN h2), 16 connections x 10 streams, GET, HTTP/1.1 upstream
#       h2up      the same with 512-byte POST bodies, to an h2c upstream (protocol: HTTP2)
#       http      wrk, 64 connections, HTTP/1.1 keep-alive, a Content-Length response
#       chunked   the same, the upstream answering gzip-chunked (Accept-Encoding: gzip)
#       https     wrk over TLS, 64 connections, HTTP/1.1 keep-alive
set -u
WARM=40
[ "${1:-}" = --warmup ] && { WARM=$2; shift 2; }
CASE=${1:?case: h2 h2up http chunked https}; JAR=${2:?gateway jar}
for b in nginx wrk h2load strace openssl taskset; do command -v $b >/dev/null || { echo "needs $b" >&2; exit 2; }; done
D=$(mktemp -d); chmod 755 $D; PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill $p 2>/dev/null; done; sleep 0.5; for p in "${PIDS[@]}"; do kill -9 $p 2>/dev/null; done; rm -rf "$D"; }
trap cleanup EXIT
BE=${SYSCALLS_PORT_BASE:-29000}; HTTP=$((BE + 1)); HTTPS=$((BE + 2)); ADMIN=$((BE + 3))
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $D/key.pem -out $D/cert.pem -days 2 \
  -subj /CN=bench.test -addext subjectAltName=DNS:bench.test >/dev/null 2>&1
head -c 512 /dev/urandom > $D/body
H2=""; PROTO=""; [ $CASE = h2up ] && { H2=" http2"; PROTO=", protocol: HTTP2"; }
cat > $D/backend.conf <<C
worker_processes 1; daemon off; pid $D/be.pid; error_log $D/be.err; events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000;
  server { listen 127.0.0.1:$BE$H2; location / { return 200 "hello, world\n"; }
    location = /chunked { gzip on; gzip_types text/plain; gzip_min_length 1; default_type text/plain; return 200 "hello, chunked world\n"; } } }
C
mkdir -p $D/gw; cat > $D/gw/gateway.yaml <<Y
admin: { port: $ADMIN, address: 127.0.0.1 }
listeners:
  - { name: http, address: 127.0.0.1, port: $HTTP, protocol: HTTP }
  - { name: https, address: 127.0.0.1, port: $HTTPS, protocol: HTTPS, tls: { certificates: [{ cert: "$D/cert.pem", key: "$D/key.pem" }] } }
upstreams:
  - { name: backend, endpoints: ["127.0.0.1:$BE"]$PROTO }
routes:
  - { name: all, backends: [{ upstream: backend }] }
Y
taskset -c 1 nginx -c $D/backend.conf & PIDS+=($!)
taskset -c 0 java -Xms64m -Xmx160m -Xmn16m -XX:+UseSerialGC -jar "$JAR" run --config $D/gw --event-loops 1 --admin-port $ADMIN >/dev/null 2>$D/gw.err & G=$!; PIDS+=($G)
for _ in $(seq 1 120); do grep -q 'gatehouse ready' $D/gw.err && break; sleep 0.5; done
grep -q 'gatehouse ready' $D/gw.err || { cat $D/gw.err >&2; exit 1; }
load() { # load SECONDS: the case's load for that long, its summary lines
  case $CASE in
    h2) taskset -c 1 h2load -c16 -m10 -t1 -H :authority:bench.test -D $1 https://127.0.0.1:$HTTPS/ | grep -E "finished in|^requests:|status codes";;
    h2up) taskset -c 1 h2load -c16 -m10 -t1 -d $D/body -H :authority:bench.test -D $1 https://127.0.0.1:$HTTPS/ | grep -E "finished in|^requests:|status codes";;
    http) taskset -c 1 wrk -t1 -c64 -d${1}s -H "Host: bench.test" http://127.0.0.1:$HTTP/ | grep -E "requests in|Non-2xx";;
    chunked) taskset -c 1 wrk -t1 -c64 -d${1}s -H "Host: bench.test" -H "Accept-Encoding: gzip" http://127.0.0.1:$HTTP/chunked | grep -E "requests in|Non-2xx";;
    https) taskset -c 1 wrk -t1 -c64 -d${1}s -H "Host: bench.test" https://127.0.0.1:$HTTPS/ | grep -E "requests in|Non-2xx";;
    *) echo "unknown case $CASE" >&2; exit 2;;
  esac; }
echo "warm-up ${WARM}s:"; load $WARM
LOOP=$(for t in /proc/$G/task/*; do grep -q eventloo $t/comm && basename $t; done | head -1)
timeout 10 strace -c -p $LOOP -o $D/strace.txt 2>/dev/null & S=$!
echo "under strace (10 s):"; load 10
wait $S; sed -n '1,12p' $D/strace.txt
