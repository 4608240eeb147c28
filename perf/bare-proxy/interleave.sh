#!/usr/bin/env bash
# Supplement to run.sh: the shared harness measures each contestant once per case, back to back, and on
# this 2-core loopback setup cpu_us/req drifts by +-30% between runs even for NGINX. This script starts
# the same backend and an NGINX proxy configured exactly like the harness's (plus the bare proxies:
# three Vert.x ones, the Netty-direct one and the Vert.x-server-Netty-client hybrid, all pinned to CPU 0, wrk + backend on CPU 1), then
# measures them INTERLEAVED for several rounds and prints the median cpu_us/req and req/s of each, the
# median ratio to NGINX and, for the JVM proxies, the exact bytes allocated per request in the whole
# process (ThreadMXBean through ../tools/ThreadStats.java). Cases: / and /4k with wrk -c64, and "seq"
# (/ over one connection, one request at a time: every event-loop wake-up serves one request, so its
# bytes per request compare proxies whatever the machine's load).
#
#   perf/bare-proxy/interleave.sh [--rounds N] [--seconds N] [--warmup N] [--cases "/ /4k seq"]
#                                 [--contestants "nginx haproxy vxproxy vxtuned piped netty hybrid"]
#   (BARE_PORT_BASE, default 18080: the backend's port; the proxies listen just above it)
set -u
cd "$(dirname "$0")"
ROUNDS=5; SECS=8; WARM=10; CONNS=64; CASES="/ /4k"; ONLY="nginx haproxy vxproxy vxtuned piped netty hybrid"
while [ $# -gt 0 ]; do case $1 in
  --rounds) ROUNDS=$2; shift 2;; --seconds) SECS=$2; shift 2;; --warmup) WARM=$2; shift 2;;
  --cases) CASES=$2; shift 2;; --contestants) ONLY=$2; shift 2;;
  *) sed -n '2,15p' "$0" >&2; exit 2;; esac; done
need=(); for b in nginx haproxy wrk; do command -v $b >/dev/null || need+=($b); done
if [ ${#need[@]} -gt 0 ]; then
  pk=(nginx haproxy wrk)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pk[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${pk[@]}" >/dev/null; }
fi
mvn -o -q package >/dev/null 2>&1 || mvn -q package || { echo "build failed" >&2; exit 1; }
CP="target/bare-proxy-0.1.0-SNAPSHOT.jar:target/lib/*"
JVM=(java -Xms256m -Xmx256m -XX:+UseParallelGC -cp "$CP")
B=${BARE_PORT_BASE:-18080}; BE=$B
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
  server { listen 127.0.0.1:$((B + 1));
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
  bind 127.0.0.1:$((B + 2))
  default_backend be
backend be
  http-reuse always
  server s1 127.0.0.1:$BE
C
taskset -c 1 nginx -c $D/backend.conf & PIDS+=($!)
NAMES=(); declare -A PORT PID
start() { local n=$1 port=$2; shift 2; case " $ONLY " in *" $n "*) ;; *) return;; esac
  taskset -c 0 "$@" >$D/$n.log 2>&1 & PID[$n]=$!; PIDS+=($!); PORT[$n]=$port; NAMES+=($n); }
start nginx $((B + 1)) nginx -c $D/nginx.conf
start haproxy $((B + 2)) haproxy -f $D/haproxy.cfg -db
start vxproxy $((B + 10)) "${JVM[@]}" io.gatehouse.perf.bare.VertxHttpProxyMain $((B + 10)) 127.0.0.1 $BE
start vxtuned $((B + 12)) "${JVM[@]}" -Dproxy.tuned=true io.gatehouse.perf.bare.VertxHttpProxyMain $((B + 12)) 127.0.0.1 $BE
start piped $((B + 11)) "${JVM[@]}" io.gatehouse.perf.bare.PipedProxyMain $((B + 11)) 127.0.0.1 $BE
start netty $((B + 13)) "${JVM[@]}" io.gatehouse.perf.bare.NettyProxyMain $((B + 13)) 127.0.0.1 $BE
start hybrid $((B + 14)) "${JVM[@]}" io.gatehouse.perf.bare.HybridProxyMain $((B + 14)) 127.0.0.1 $BE
sleep 3; for n in vxproxy vxtuned piped netty hybrid; do [ -f $D/$n.log ] && cat $D/$n.log; done
# exact bytes allocated by each JVM proxy: one ThreadStats per JVM, a line in gives "... all_bytes all_cpu_ns"
declare -A SIN SOUT
for n in vxproxy vxtuned piped netty hybrid; do [ -n "${PID[$n]:-}" ] || continue
  mkfifo $D/$n.in $D/$n.out
  taskset -c 1 java ../tools/ThreadStats.java ${PID[$n]} <$D/$n.in >$D/$n.out 2>$D/$n.ts.err & PIDS+=($!)
  exec {fd}>$D/$n.in; SIN[$n]=$fd; exec {fd}<$D/$n.out; SOUT[$n]=$fd
done
allocated() { local l; [ -n "${SIN[$1]:-}" ] || { echo 0; return; }; echo >&${SIN[$1]}; read -r l <&${SOUT[$1]}; set -- $l; echo $5; }
HZ=$(getconf CLK_TCK)
# "user_ticks sys_ticks" of a process and its children (nginx master + worker)
ticks() { local u=0 s=0 c x; for c in $1 $(pgrep -P $1); do x=($(awk '{print $14, $15}' /proc/$c/stat 2>/dev/null || echo 0 0)); u=$((u + x[0])); s=$((s + x[1])); done; echo $u $s; }
wrk1() { taskset -c 1 wrk -t1 -c$CONNS -d${1}s --latency -H "Host: bench.test" "$2" 2>/dev/null | awk '/Requests\/sec/{r=$2} /^ +99%/{p=$2} /Non-2xx/{e=$5} /requests in/{q=$1} END{printf "%s %s %s %s", r, p, (e==""?0:e), q}'; }
url() { case $1 in seq) echo http://127.0.0.1:${PORT[$2]}/;; *) echo http://127.0.0.1:${PORT[$2]}$1;; esac; }
for n in "${NAMES[@]}"; do for c in $CASES; do wrk1 $WARM $(url $c $n) >/dev/null; done; done
OUT=$D/rows; : > $OUT
echo "round case contestant req/s p99 non2xx cpu_us/req user_us/req sys_us/req bytes/req   (load: $(cut -d' ' -f1-3 /proc/loadavg))"
for r in $(seq 1 $ROUNDS); do for c in $CASES; do
  # rotate the order each round so no contestant always follows the same one
  for k in $(seq 0 $((${#NAMES[@]}-1))); do n=${NAMES[$(( (k + r) % ${#NAMES[@]} ))]}
    a=($(ticks ${PID[$n]})); m0=$(allocated $n)
    if [ $c = seq ]; then set -- $(CONNS=1 wrk1 $SECS $(url $c $n)); else set -- $(wrk1 $SECS $(url $c $n)); fi
    b=($(ticks ${PID[$n]})); m1=$(allocated $n)
    x=$(awk -v u=$((b[0]-a[0])) -v y=$((b[1]-a[1])) -v hz=$HZ -v q=$4 -v m=$((m1 - m0)) -v n=$n 'BEGIN{k=1e6/hz/q;
      printf "%.1f %.1f %.1f %s", (u+y)*k, u*k, y*k, (n ~ /^(nginx|haproxy)$/ ? "-" : sprintf("%.0f", m/q)) }')
    echo "$r $c $n $1 $2 $3 $x" | tee -a $OUT
  done; done; done
echo
echo "medians over $ROUNDS interleaved rounds of ${SECS}s ($(date -u +%F), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg));"
echo "ratio: contestant / nginx per round, median (min..max)"
printf "%-6s %-10s %8s %11s %17s %12s %11s %10s\n" case contestant "req/s" "cpu_us/req" "cpu_x_nginx" "user_us/req" "sys_us/req" "bytes/req"
for c in $CASES; do for n in "${NAMES[@]}"; do
  awk -v c=$c -v n=$n '$2==c && $3=="nginx" {ng[$1]=$7} $2==c && $3==n {row[$1]=$0}
    function med(s,   a, k, i, j, t) { k=split(s, a, " "); for (i=1;i<=k;i++) for (j=i+1;j<=k;j++) if (a[j]+0 < a[i]+0) { t=a[i]; a[i]=a[j]; a[j]=t }
      return k==0 ? "-" : (k%2 ? a[(k+1)/2] : (a[k/2]+a[k/2+1])/2) }
    END { lo=""; hi=""; for (r in row) { split(row[r], f, " "); rq=rq" "f[4]; cu=cu" "f[7]; us=us" "f[8]; sy=sy" "f[9]; by=by" "f[10]
        if (ng[r] > 0) { x=f[7]/ng[r]; ra=ra" "x; if (lo=="" || x<lo) lo=x; if (hi=="" || x>hi) hi=x } }
      printf "%-6s %-10s %8.0f %11.1f %6.2f (%.2f..%.2f) %12.1f %11.1f %10s\n", c, n, med(rq), med(cu), med(ra), lo, hi, med(us), med(sy), (by ~ /-/ ? "-" : med(by)) }' $OUT
done; done
