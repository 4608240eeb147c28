#!/usr/bin/env bash
# Supplement to run.sh: the shared harness measures each contestant once per case, back to back, and on
# this 2-core loopback setup cpu_us/req drifts by +-30% between runs even for NGINX. This script starts
# the same backend and an NGINX proxy configured exactly like the harness's (plus the three Vert.x
# proxies, all pinned to CPU 0, wrk + backend on CPU 1), then measures them INTERLEAVED for several rounds
# and prints the median cpu_us/req and req/s of each, and the median ratio to NGINX.
#
#   perf/bare-proxy/interleave.sh [--rounds N] [--seconds N] [--warmup N]
set -u
cd "$(dirname "$0")"
ROUNDS=5; SECS=8; WARM=10; CONNS=64
while [ $# -gt 0 ]; do case $1 in
  --rounds) ROUNDS=$2; shift 2;; --seconds) SECS=$2; shift 2;; --warmup) WARM=$2; shift 2;;
  *) echo "usage: interleave.sh [--rounds N] [--seconds N] [--warmup N]" >&2; exit 2;; esac; done
need=(); for b in nginx haproxy wrk; do command -v $b >/dev/null || need+=($b); done
if [ ${#need[@]} -gt 0 ]; then
  pk=(nginx haproxy wrk)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pk[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${pk[@]}" >/dev/null; }
fi
mvn -o -q package >/dev/null 2>&1 || mvn -q package || { echo "build failed" >&2; exit 1; }
CP="target/bare-proxy-0.1.0-SNAPSHOT.jar:target/lib/*"
JVM=(java -Xms256m -Xmx256m -XX:+UseParallelGC -cp "$CP")
BE=18080
D=$(mktemp -d); chmod 755 $D; PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill $p 2>/dev/null; done; sleep 0.5; for p in "${PIDS[@]}"; do kill -9 $p 2>/dev/null; done; rm -rf "$D"; }
trap cleanup EXIT
mkdir -p $D/www; head -c 4096 /dev/zero | tr '\0' x > $D/www/4k
cat > $D/backend.conf <<C
worker_processes 1; daemon off; pid $D/be.pid; error_log $D/be.err; events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000;
  server { listen 127.0.0.1:$BE; root $D/www; location / { return 200 "hello, world\n"; } location = /4k { default_type text/plain; } } }
C
cat > $D/nginx.conf <<C
worker_processes 1; daemon off; pid $D/ng.pid; error_log $D/ng.err; events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000; upstream be { server 127.0.0.1:$BE; keepalive 256; }
  server { listen 127.0.0.1:18081;
    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
C
cat > $D/haproxy.cfg <<C
global
  nbthread 1
  maxconn 8000
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:18082
  default_backend be
backend be
  http-reuse always
  server s1 127.0.0.1:$BE
C
taskset -c 1 nginx -c $D/backend.conf & PIDS+=($!)
taskset -c 0 nginx -c $D/nginx.conf & NG=$!; PIDS+=($NG)
taskset -c 0 haproxy -f $D/haproxy.cfg -db >$D/haproxy.log 2>&1 & HA=$!; PIDS+=($HA)
taskset -c 0 "${JVM[@]}" io.gatehouse.perf.bare.VertxHttpProxyMain 18090 127.0.0.1 $BE >$D/vx.log 2>&1 & VX=$!; PIDS+=($VX)
taskset -c 0 "${JVM[@]}" -Dproxy.tuned=true io.gatehouse.perf.bare.VertxHttpProxyMain 18092 127.0.0.1 $BE >$D/vxt.log 2>&1 & VXT=$!; PIDS+=($VXT)
taskset -c 0 "${JVM[@]}" io.gatehouse.perf.bare.PipedProxyMain 18091 127.0.0.1 $BE >$D/pp.log 2>&1 & PP=$!; PIDS+=($PP)
sleep 3; cat $D/vx.log $D/vxt.log $D/pp.log
NAMES=(nginx haproxy vxproxy vxtuned piped)
declare -A PORT=([nginx]=18081 [haproxy]=18082 [vxproxy]=18090 [vxtuned]=18092 [piped]=18091)
declare -A PID=([nginx]=$NG [haproxy]=$HA [vxproxy]=$VX [vxtuned]=$VXT [piped]=$PP)
HZ=$(getconf CLK_TCK)
# "user_ticks sys_ticks" of a process and its children (nginx master + worker)
ticks() { local u=0 s=0 c x; for c in $1 $(pgrep -P $1); do x=($(awk '{print $14, $15}' /proc/$c/stat 2>/dev/null || echo 0 0)); u=$((u + x[0])); s=$((s + x[1])); done; echo $u $s; }
wrk1() { taskset -c 1 wrk -t1 -c$CONNS -d${1}s --latency -H "Host: bench.test" "$2" 2>/dev/null | awk '/Requests\/sec/{r=$2} /^ +99%/{p=$2} /Non-2xx/{e=$5} END{printf "%s %s %s", r, p, (e==""?0:e)}'; }
for n in "${NAMES[@]}"; do for path in / /4k; do wrk1 $WARM http://127.0.0.1:${PORT[$n]}$path >/dev/null; done; done
OUT=$D/rows; : > $OUT
echo "round path contestant req/s p99 non2xx cpu_us/req user_us/req sys_us/req"
for r in $(seq 1 $ROUNDS); do for path in / /4k; do
  # rotate the order each round so no contestant always follows the same one
  for k in $(seq 0 $((${#NAMES[@]}-1))); do n=${NAMES[$(( (k + r) % ${#NAMES[@]} ))]}
    a=($(ticks ${PID[$n]})); set -- $(wrk1 $SECS http://127.0.0.1:${PORT[$n]}$path); b=($(ticks ${PID[$n]}))
    c=$(awk -v u=$((b[0]-a[0])) -v y=$((b[1]-a[1])) -v hz=$HZ -v q=$1 -v s=$SECS 'BEGIN{k=1e6/hz/(q*s); printf "%.1f %.1f %.1f", (u+y)*k, u*k, y*k}')
    echo "$r $path $n $1 $2 $3 $c" | tee -a $OUT
  done; done; done
echo
echo "medians over $ROUNDS interleaved rounds of ${SECS}s ($(date -u +%F), $(nproc) cores):"
printf "%-8s %-10s %10s %11s %12s %12s %11s\n" path contestant "req/s" "cpu_us/req" "cpu_x_nginx" "user_us/req" "sys_us/req"
for path in / /4k; do
  ng=$(awk -v p=$path '$2==p && $3=="nginx"{print $7}' $OUT | sort -g | awk '{a[NR]=$1} END{print (NR%2? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
  for n in "${NAMES[@]}"; do
    med() { awk -v p=$path -v n=$n -v col=$1 '$2==p && $3==n{print $col}' $OUT | sort -g | awk '{a[NR]=$1} END{print (NR%2? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
    rq=$(med 4); cu=$(med 7)
    printf "%-8s %-10s %10.0f %11.1f %12.2f %12.1f %11.1f\n" $path $n $rq $cu $(awk -v a=$cu -v b=$ng 'BEGIN{print a/b}') $(med 8) $(med 9)
  done; done
