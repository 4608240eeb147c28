#!/usr/bin/env bash
# Interleaved A/B of two gateway jars, in perf/bench.sh's set-up reduced to its part 1 (the CPU per
# request cases: http:small, http:4k, https:small through ../shared/bench/run.sh):
#
#   perf/edge-ab.sh JAR_A JAR_B [--rounds N] [--seconds N] [--warmup N] [--bench PATH]
#
# Each round starts both gateways as bench.sh starts its one (same config, JVM options, one event
# loop pinned to CPU 0; A on 18096/18446, B on 18097/18447), warms both up against bench.sh's
# backend, then runs the shared harness once with NGINX, HAProxy, Caddy, A and B as contestants:
# A and B are measured in the same run as NGINX, in alternating order (A first in odd rounds).
# Prints each round's table, then per case the gateways' CPU per request as a ratio to NGINX's in
# the same run (cpu_x_ng), and the median over rounds of B's ratio divided by A's. On a machine
# shared with other work only same-run ratios mean anything; read the spread before the median.
set -u
cd "$(dirname "$0")"
[ $# -ge 2 ] || { sed -n '2,13p' "$0" >&2; exit 2; }
JA=$(readlink -f "$1"); JB=$(readlink -f "$2"); shift 2
ROUNDS=3; SECS=5; WARM=10; BENCH=
while [ $# -gt 0 ]; do case $1 in
  --rounds) ROUNDS=$2; shift 2;; --seconds) SECS=$2; shift 2;; --warmup) WARM=$2; shift 2;; --bench) BENCH=$2; shift 2;;
  *) sed -n '2,13p' "$0" >&2; exit 2;; esac; done
if [ -z "$BENCH" ]; then for b in ../../shared/bench/run.sh /work/shared/bench/run.sh; do [ -x "$b" ] && { BENCH=$(readlink -f "$b"); break; }; done; fi
[ -x "${BENCH:-}" ] || { echo "shared harness run.sh not found (give --bench PATH)" >&2; exit 2; }

BE=18080; D=$(mktemp -d); chmod 755 $D; PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill $p 2>/dev/null; done; sleep 0.5; for p in "${PIDS[@]}"; do kill -9 $p 2>/dev/null; done; rm -rf "$D"; }
trap cleanup EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bench.test \
  -addext "subjectAltName=DNS:bench.test,DNS:*.bench.test" -keyout $D/key.pem -out $D/cert.pem >/dev/null 2>&1
mkdir -p $D/www; head -c 4096 /dev/zero | tr '\0' x > $D/www/4k
cat > $D/backend.conf <<C
worker_processes 1; daemon off; pid $D/be.pid; error_log $D/be.err; events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000;
  server { listen 127.0.0.1:$BE; root $D/www; location / { return 200 "hello, world\n"; } location = /4k { default_type text/plain; } } }
C
TRIM=-XX:TrimNativeHeapInterval=2000; java $TRIM -version >/dev/null 2>&1 || TRIM=
declare -A HTTP=([A]=18096 [B]=18097) HTTPS=([A]=18446 [B]=18447) ADMIN=([A]=18901 [B]=18902) JAR=([A]=$JA [B]=$JB) PID=()
start() { # side
  local s=$1; mkdir -p $D/$s
  cat > $D/$s/gatehouse.yaml <<Y
admin: { port: ${ADMIN[$s]}, address: 127.0.0.1 }
listeners:
  - { name: http, address: 127.0.0.1, port: ${HTTP[$s]}, protocol: HTTP }
  - name: https
    address: 127.0.0.1
    port: ${HTTPS[$s]}
    protocol: HTTPS
    tls:
      certificates:
        - { hosts: [bench.test, "*.bench.test"], cert: $D/cert.pem, key: $D/key.pem }
upstreams:
  - { name: backend, endpoints: ["127.0.0.1:$BE"] }
routes:
  - { name: all, backends: [{ upstream: backend, weight: 1 }] }
Y
  taskset -c 0 java -Xms64m -Xmx160m -Xmn16m -XX:+UseSerialGC $TRIM -jar "${JAR[$s]}" run --config $D/$s --event-loops 1 \
    --admin-port ${ADMIN[$s]} >/dev/null 2>$D/$s.err & PID[$s]=$!; PIDS+=(${PID[$s]})
  for _ in $(seq 1 120); do grep -q 'gatehouse ready' $D/$s.err 2>/dev/null && return 0; sleep 0.5; done
  echo "gateway $s did not start:"; tail -5 $D/$s.err; exit 1
}
median() { sort -g | awk '{a[NR]=$1} END{ if (NR==0) print "-"; else if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2 }'; }
echo "A: $JA"; echo "B: $JB"; echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 $ROUNDS); do
  start A; start B
  taskset -c 1 nginx -c $D/backend.conf & BEW=$!; sleep 1
  for s in A B; do for u in http://127.0.0.1:${HTTP[$s]}/ http://127.0.0.1:${HTTP[$s]}/4k https://127.0.0.1:${HTTPS[$s]}/; do
    taskset -c 1 wrk -t1 -c64 -d${WARM}s -H "Host: bench.test" $u >/dev/null 2>&1; done; done
  kill $BEW; wait $BEW 2>/dev/null; sleep 1
  if [ $((r % 2)) = 1 ]; then order="A B"; else order="B A"; fi
  args=(); for s in $order; do args+=("$s@${PID[$s]}=http://127.0.0.1:${HTTP[$s]}" "$s@${PID[$s]}=https://127.0.0.1:${HTTPS[$s]}"); done
  echo "== round $r ($order; load $(cut -d' ' -f1-3 /proc/loadavg))"
  "$BENCH" --seconds $SECS --warmup $WARM "${args[@]}" | tee $D/round-$r.txt
  for s in A B; do kill ${PID[$s]}; wait ${PID[$s]} 2>/dev/null; done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== cpu_us/req as a ratio to NGINX's in the same run (cpu_x_ng), and B/A"
for c in http:small http:4k https:small; do
  for r in $(seq 1 $ROUNDS); do awk -v c=$c -v r=$r '$2==c {cpu[$1]=$8} END{
    if (cpu["nginx"]>0 && cpu["A"]>0 && cpu["B"]>0) printf "%s round %d: A %.2f  B %.2f  B/A %.3f\n", c, r, cpu["A"]/cpu["nginx"], cpu["B"]/cpu["nginx"], cpu["B"]/cpu["A"] }' $D/round-$r.txt; done \
    | tee $D/ratios-$c.txt
  echo "$c median B/A: $(awk '{print $NF}' $D/ratios-$c.txt | median)"
done
