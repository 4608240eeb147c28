#!/usr/bin/env bash
# Per-core peer benchmark: the gateway with ONE event loop against NGINX, HAProxy and Caddy (one
# worker each), all pinned to CPU 0 in front of the same NGINX backend, load generators on CPU 1.
#
#   perf/bench.sh [--seconds N] [--conns N] [--rate N] [--idle N] [--warmup N] [--no-build] [--no-write] [--bench PATH]
#
# Part 1 runs the shared harness (../shared/bench/run.sh: http:small, http:4k, https:small with wrk,
# 64 keep-alive connections) with the gateway as an extra contestant. Part 2 starts the same backend
# and the same three peers, configured exactly as the harness does, and adds the cases it lacks:
#   tls:full      a new TLS 1.2 connection with a full handshake per request: 4 x openssl s_time -new
#   tls:resume    the same with session resumption (abbreviated handshake): 4 x openssl s_time -reuse
#   h2:small      HTTP/2 over TLS (ALPN h2): h2load, 16 connections x 10 streams
#   http:rate     HTTP/1.1 keep-alive at a fixed moderate rate (--rate req/s, h2load --rps): p99 vs direct
#   idle:conns    RSS after --idle keep-alive connections (default 10000) made one request each and idle
# Before part 1 the gateway's JIT is warmed (--warmup seconds per protocol, default 20, then rounds
# until compiler threads use < 5 % of its CPU). One table (req/s, p50, p99, errors, RSS, CPU per
# request, ratios to NGINX) is printed and written to perf/RESULTS.md between the "bench:begin/end"
# markers, with the date, machine and load. Nothing it starts is left running.
set -u
cd "$(dirname "$0")"
PERF=$(pwd); ROOT=$(cd .. && pwd)
SECS=10; CONNS=64; RATE=2000; IDLE=10000; WARM=20; BUILD=1; WRITE=1; BENCH=${BENCH:-}
while [ $# -gt 0 ]; do case $1 in
  --seconds) SECS=$2; shift 2;; --conns) CONNS=$2; shift 2;; --rate) RATE=$2; shift 2;; --idle) IDLE=$2; shift 2;; --warmup) WARM=$2; shift 2;;
  --no-build) BUILD=0; shift;; --no-write) WRITE=0; shift;; --bench) BENCH=$2; shift 2;;
  *) sed -n '2,17p' "$0" >&2; exit 2;; esac; done
if [ -z "$BENCH" ]; then for b in ../../shared/bench/run.sh /work/shared/bench/run.sh; do [ -x "$b" ] && { BENCH=$(cd "$(dirname "$b")" && pwd)/run.sh; break; }; done; fi
[ -x "${BENCH:-}" ] || { echo "shared harness run.sh not found (give --bench PATH)" >&2; exit 2; }

need=(); for b in nginx haproxy caddy wrk h2load openssl taskset python3; do command -v $b >/dev/null || need+=($b); done
if [ ${#need[@]} -gt 0 ]; then
  pk=(nginx haproxy caddy wrk nghttp2-client openssl util-linux python3)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pk[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${pk[@]}" >/dev/null; }
fi

JAR=$ROOT/gateway/target/gatehouse.jar
if [ $BUILD = 1 ] || [ ! -f "$JAR" ]; then
  echo "building the gateway jar (mvn -B -q package -DskipTests)"
  (cd "$ROOT" && mvn -B -q package -DskipTests) || { echo "build failed" >&2; exit 1; }
fi

BE=18080; GW_HTTP=18096; GW_HTTPS=18446; GW_ADMIN=18901
D=$(mktemp -d); chmod 755 $D; PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill $p 2>/dev/null; done; sleep 0.5; for p in "${PIDS[@]}"; do kill -9 $p 2>/dev/null; done; rm -rf "$D"; }
trap cleanup EXIT
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the gateway: one event loop, pinned like the peers ----
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bench.test \
  -addext "subjectAltName=DNS:bench.test,DNS:*.bench.test" -keyout $D/key.pem -out $D/cert.pem >/dev/null 2>&1
mkdir -p $D/gw
cat > $D/gw/gatehouse.yaml <<Y
admin: { port: $GW_ADMIN, address: 127.0.0.1 }
listeners:
  - { name: http, address: 127.0.0.1, port: $GW_HTTP, protocol: HTTP }
  - name: https
    address: 127.0.0.1
    port: $GW_HTTPS
    protocol: HTTPS
    tls:
      certificates:
        - { hosts: [bench.test, "*.bench.test"], cert: $D/cert.pem, key: $D/key.pem }
upstreams:
  - { name: backend, endpoints: ["127.0.0.1:$BE"] }
routes:
  - { name: all, backends: [{ upstream: backend, weight: 1 }] }
Y
# One event loop on one core: the serial collector (what the JVM picks by itself for one CPU or a small
# container) keeps RSS lowest at the same CPU per request. 10 000 idle connections hold ~85 MB of heap, so
# old space needs room (-Xmx160m) while a small young space (-Xmn16m) keeps the pages the JVM touches few;
# trimming the C heap every 2 s hands back what the JIT and TLS set-up freed (~30 MiB of RSS).
TRIM=-XX:TrimNativeHeapInterval=2000; java $TRIM -version >/dev/null 2>&1 || TRIM=   # a JDK 17 update that has it
# shellcheck disable=SC2206
JOPTS=(${GATEHOUSE_JAVA_OPTS:--Xms64m -Xmx160m -Xmn16m -XX:+UseSerialGC $TRIM})
# Its stop-the-world pauses (collections and other safepoints) go to a log, summed up after the table.
taskset -c 0 java "${JOPTS[@]}" -Xlog:safepoint:file=$D/gw.sp.log -jar "$JAR" run --config $D/gw --event-loops 1 \
  --admin-port $GW_ADMIN >/dev/null 2>$D/gw.err & GW=$!; PIDS+=($GW)
# pauses SINCE_LINE UNTIL_LINE: "N pauses, M over 1 ms, longest X ms" between two line counts of the log
pauses() { sed -n "$(($1 + 1)),$2p" $D/gw.sp.log | awk -f "$PERF/tools/safepoints.awk" |
  awk '{printf "%d pauses, %d over 1 ms, longest %s ms", $1, $2, $3}'; }
splines() { wc -l < $D/gw.sp.log; }
for _ in $(seq 1 120); do grep -q 'gatehouse ready' $D/gw.err 2>/dev/null && break; kill -0 $GW 2>/dev/null || break; sleep 0.5; done
grep -q 'gatehouse ready' $D/gw.err || { echo "gateway did not start:"; tail -20 $D/gw.err; exit 1; }
grep -o '"message":"gatehouse ready[^"]*' $D/gw.err | sed 's/"message":"//'

# ---- backend, as the harness makes it (used for the gateway's warm-up, then again in part 2) ----
mkdir -p $D/www; head -c 4096 /dev/zero | tr '\0' x > $D/www/4k; cat $D/cert.pem $D/key.pem > $D/both.pem
cat > $D/backend.conf <<C
worker_processes 1; daemon off; pid $D/be.pid; error_log $D/be.err; events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000;
  server { listen 127.0.0.1:$BE; root $D/www; location / { return 200 "hello, world\n"; } location = /4k { default_type text/plain; } } }
C
if [ "$WARM" -gt 0 ]; then
  taskset -c 1 nginx -c $D/backend.conf & BEW=$!; sleep 1
  taskset -c 1 wrk -t1 -c$CONNS -d${WARM}s -H "Host: bench.test" http://127.0.0.1:$GW_HTTP/ | awk -v w=$WARM '/Requests\/sec/{print "warm-up http  " w "s: " $2 " req/s"}'
  taskset -c 1 wrk -t1 -c$CONNS -d${WARM}s -H "Host: bench.test" https://127.0.0.1:$GW_HTTPS/ | awk -v w=$WARM '/Requests\/sec/{print "warm-up https " w "s: " $2 " req/s"}'
  taskset -c 1 timeout $((WARM + 30)) h2load -c16 -m10 -t1 -D $WARM -H ':authority: bench.test' https://127.0.0.1:$GW_HTTPS/ | awk -v w=$WARM '/finished in/{print "warm-up h2    " w "s: " $0}'
  # then until the JIT is quiet: less than 5% of the gateway's CPU in compiler threads over 10 s (at most 12 rounds)
  jit() { local t c=0 a=0; for t in /proc/$GW/task/*; do x=$(awk '{print $14+$15}' $t/stat 2>/dev/null || echo 0)
    a=$((a + x)); case $(cat $t/comm 2>/dev/null) in C1*|C2*) c=$((c + x));; esac; done; echo $c $a; }
  for i in $(seq 1 12); do
    j0=($(jit)); for u in http://127.0.0.1:$GW_HTTP/ http://127.0.0.1:$GW_HTTP/4k https://127.0.0.1:$GW_HTTPS/; do
      taskset -c 1 wrk -t1 -c$CONNS -d3s -H "Host: bench.test" $u >/dev/null 2>&1; done
    taskset -c 1 timeout 30 h2load -c16 -m10 -t1 -D 1 -H ':authority: bench.test' https://127.0.0.1:$GW_HTTPS/ >/dev/null 2>&1; j1=($(jit))
    share=$(( 100 * (j1[0] - j0[0]) / (j1[1] - j0[1] + 1) )); echo "warm-up round $i: JIT compiler threads ${share}% of the gateway's CPU"
    [ $share -lt 5 ] && break
  done
  kill $BEW; wait $BEW 2>/dev/null; sleep 1
fi

# ---- part 1: the shared harness, the gateway as a contestant ----
echo "== part 1: $BENCH --seconds $SECS --conns $CONNS"
SP0=$(splines)
"$BENCH" --seconds $SECS --conns $CONNS gatehouse@$GW=http://127.0.0.1:$GW_HTTP gatehouse@$GW=https://127.0.0.1:$GW_HTTPS | tee $D/part1.txt
SP1=$(splines)

# ---- part 2: the same backend and peers (configured as the harness does), the cases it lacks ----
echo "== part 2: tls:full, tls:resume, h2:small, http:rate ($RATE req/s), idle:conns ($IDLE)"
cat > $D/nginx.conf <<C
worker_processes 1; daemon off; pid $D/ng.pid; error_log $D/ng.err; worker_rlimit_nofile 30000; events { worker_connections 16384; }
http { access_log off; keepalive_requests 10000000; upstream be { server 127.0.0.1:$BE; keepalive 256; }
  server { listen 127.0.0.1:18081; listen 127.0.0.1:18443 ssl http2; ssl_certificate $D/cert.pem; ssl_certificate_key $D/key.pem;
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
  bind 127.0.0.1:18444 ssl crt $D/both.pem alpn h2,http/1.1
  default_backend be
backend be
  http-reuse always
  server s1 127.0.0.1:$BE
C
cat > $D/Caddyfile <<C
{
  admin off
  auto_https off
  default_sni bench.test
  servers {
    protocols h1 h2
  }
}
http://127.0.0.1:18083 {
  reverse_proxy 127.0.0.1:$BE
}
https://:18445 {
  bind 127.0.0.1
  tls $D/cert.pem $D/key.pem
  reverse_proxy 127.0.0.1:$BE
}
C
# The only difference from the harness: nginx's worker_connections is raised so that the
# idle-connections case can open $IDLE connections (it does not change the other cases).
taskset -c 1 nginx -c $D/backend.conf & PIDS+=($!)
taskset -c 0 nginx -c $D/nginx.conf & NGP=$!; PIDS+=($NGP)
taskset -c 0 haproxy -f $D/haproxy.cfg -db >$D/haproxy.log 2>&1 & HAP=$!; PIDS+=($HAP)
GOMAXPROCS=1 taskset -c 0 caddy run --config $D/Caddyfile --adapter caddyfile >$D/caddy.log 2>&1 & CDP=$!; PIDS+=($CDP)
sleep 2
declare -A PIDOF=([nginx]=$NGP [haproxy]=$HAP [caddy]=$CDP [gatehouse]=$GW)
declare -A HTTP=([direct]=http://127.0.0.1:$BE [nginx]=http://127.0.0.1:18081 [haproxy]=http://127.0.0.1:18082
  [caddy]=http://127.0.0.1:18083 [gatehouse]=http://127.0.0.1:$GW_HTTP)
declare -A HTTPS=([nginx]=https://127.0.0.1:18443 [haproxy]=https://127.0.0.1:18444 [caddy]=https://127.0.0.1:18445
  [gatehouse]=https://127.0.0.1:$GW_HTTPS)
NAMES=(direct nginx haproxy caddy gatehouse)
HZ=$(getconf CLK_TCK)
ticks() { local p=${1:-} t=0 c; [ -z "$p" ] && { echo 0; return; }
  for c in $p $(pgrep -P $p); do t=$((t + $(awk '{print $14+$15}' /proc/$c/stat 2>/dev/null || echo 0))); done; echo $t; }
rss() { local p=${1:-}; [ -z "$p" ] && { echo -; return; }; ps -o rss= --ppid $p -p $p 2>/dev/null | awk '{s+=$1} END{printf "%d", s/1024}'; }
cpu_per_req() { awk -v a=$1 -v b=$2 -v hz=$HZ -v r=$3 -v s=$SECS 'BEGIN{ if (b>a && r>0) printf "%.1f", (b-a)/hz*1e6/(r*s); else print "-" }'; }
fmt_us() { awk -v u=$1 'BEGIN{ if (u=="") print "-"; else if (u>=1000) printf "%.2fms", u/1000; else printf "%.0fus", u }'; }
# p50 and p99 (us) of an h2load --log-file (start, status, duration_us per line)
pcts() { cut -f3 "$1" | sort -n | awk '{a[NR]=$1} END{ if (NR==0) { print "- -"; exit } i=int(NR*0.5)+1; j=int(NR*0.99)+1; if (j>NR) j=NR; print a[i], a[j] }'; }
# stime full|resume URL SECS: TLS 1.2 handshakes/s from 4 parallel "openssl s_time" clients, each connection
# fetching "/" (HTTP/1.0) and closing: "full" makes every handshake a full one (RSA signature, X25519),
# "resume" resumes the session (abbreviated handshake). wrk cannot do this: it resumes when it can, so its
# "Connection: close" runs mix the two differently per server.
stime() { local hp=${2#https://} ps=() k; for k in 1 2 3 4; do
    taskset -c 1 openssl s_time -connect $hp $([ $1 = full ] && echo -new || echo -reuse) -tls1_2 -time $3 -www / >$D/st.$k 2>/dev/null & ps+=($!); done
  wait "${ps[@]}"; cat $D/st.1 $D/st.2 $D/st.3 $D/st.4 | awk -v s=$3 '/connections in [0-9.]+s;/ {n+=$1} END {printf "%.1f", n/s}'; }
h2run() { # h2run LOG ARGS...: req/s and errored requests from h2load (bounded: a stalled stream must not hang the run)
  rm -f "$1"; taskset -c 1 timeout $((SECS + 30)) h2load "${@:2}" --log-file="$1" 2>/dev/null | awk '
    /finished in/ {for (i=1;i<=NF;i++) if ($i ~ /req\/s/) r=$(i-1)} /^requests:/ {e=$10+$12+$14}
    END {printf "%s %s", (r==""?0:r), (e==""?0:e)}'; }
ROWS=$D/part2.txt; : > $ROWS
row() { printf "%-10s %-12s %12s %9s %9s %8s %7s %11s\n" "$@" | tee -a $ROWS; }
row contestant case "req/s" p50 p99 errors rss_MB cpu_us/req

for c in full resume; do for n in "${NAMES[@]}"; do u=${HTTPS[$n]:-}; [ -z "$u" ] && continue   # tls:full, tls:resume
  stime $c $u 2 >/dev/null; t0=$(ticks ${PIDOF[$n]:-}); r=$(stime $c $u $SECS); t1=$(ticks ${PIDOF[$n]:-})
  row $n tls:$c $r - - - "$(rss ${PIDOF[$n]:-})" "$(cpu_per_req $t0 $t1 $r)"; done; done
for n in "${NAMES[@]}"; do u=${HTTPS[$n]:-}; [ -z "$u" ] && continue   # h2:small
  h2run $D/h2.log -c16 -m10 -t1 -D $SECS -H ':authority: bench.test' $u/ >/dev/null
  t0=$(ticks ${PIDOF[$n]:-}); set -- $(h2run $D/h2.log -c16 -m10 -t1 -D $SECS -H ':authority: bench.test' $u/) - -; t1=$(ticks ${PIDOF[$n]:-}); p=($(pcts $D/h2.log))
  row $n h2:small $1 $(fmt_us ${p[0]}) $(fmt_us ${p[1]}) $2 "$(rss ${PIDOF[$n]:-})" "$(cpu_per_req $t0 $t1 $1)"; done
PER=$(( (RATE + 15) / 16 ))
for n in "${NAMES[@]}"; do u=${HTTP[$n]}   # http:rate
  h2run $D/r.log --h1 -c16 -t1 --rps=$PER -D 3 $u/ >/dev/null
  [ $n = gatehouse ] && SP2=$(splines)
  t0=$(ticks ${PIDOF[$n]:-}); set -- $(h2run $D/r.log --h1 -c16 -t1 --rps=$PER -D $SECS $u/) - -; t1=$(ticks ${PIDOF[$n]:-}); p=($(pcts $D/r.log))
  [ $n = gatehouse ] && SP3=$(splines)
  row $n http:rate $1 $(fmt_us ${p[0]}) $(fmt_us ${p[1]}) $2 "$(rss ${PIDOF[$n]:-})" "$(cpu_per_req $t0 $t1 $1)"; done
# idle keep-alive connections: each sends one request, reads the answer, then idles; RSS measured while they are open
for n in nginx gatehouse; do
  out=$(taskset -c 1 python3 "$PERF/idle_conns.py" 127.0.0.1 ${HTTP[$n]##*:} $IDLE --hold-pid ${PIDOF[$n]} 2>&1 | tail -1)
  set -- $out - -; row $n idle:$IDLE - - - "$(awk -v ok=$2 -v n=$IDLE 'BEGIN{print (ok ~ /^[0-9]+$/) ? n - ok : "-"}')" "$1" -; done

# ---- one table ----
TABLE=$D/table.txt
{
  printf "%-10s %-12s %12s %9s %9s %8s %7s %11s %8s %9s\n" contestant case "req/s" p50 p99 errors rss_MB cpu_us/req x_nginx cpu_x_ng
  awk '$1 ~ /^(direct|nginx|haproxy|caddy|gatehouse)$/ && $2 ~ /:/ {
      if (NF == 8) print $1, $2, $3, $4, $5, $6, "-", $7; else print $1, $2, $3, $4, $5, $6, $7, $8 }' $D/part1.txt
  awk '$1 ~ /^(direct|nginx|haproxy|caddy|gatehouse)$/' $ROWS
} | awk 'NR==1 {print; next} { n++; line[n]=$0; split($0, f, " "); key[n]=f[2]; if (f[1]=="nginx") { rq[f[2]]=f[3]; cu[f[2]]=f[8] } }
  END { for (i=1;i<=n;i++) { split(line[i], f, " ");
      x = (rq[key[i]]+0 > 0 && f[3]+0 > 0) ? sprintf("%.2f", f[3]/rq[key[i]]) : "-"
      c = (cu[key[i]]+0 > 0 && f[8]+0 > 0) ? sprintf("%.2f", f[8]/cu[key[i]]) : "-"
      printf "%-10s %-12s %12s %9s %9s %8s %7s %11s %8s %9s\n", f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], x, c } }' > $TABLE
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
PAUSES="gateway's stop-the-world pauses (-Xlog:safepoint): during part 1 (its three cases, then idle while the others ran: $(pauses $SP0 $SP1)); at $RATE req/s in http:rate ($(pauses $SP2 $SP3))"
echo; echo "== results"; cat $TABLE
echo "load average before $LOAD_BEFORE, after $LOAD_AFTER"
echo "$PAUSES"

if [ $WRITE = 1 ]; then
  MACHINE="$(nproc) vCPU ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
  SOFT="$(java -version 2>&1 | head -1 | tr -d '"'); $(nginx -v 2>&1 | sed 's/.*: //'); HAProxy $(haproxy -v 2>/dev/null | awk 'NR==1{print $3}'); Caddy $(caddy version 2>/dev/null | awk '{print $1}'); wrk $(wrk -v 2>&1 | awk 'NR==1{print $2}'); $(h2load --version | head -1)"
  BLOCK=$D/block.md
  {
    echo "<!-- bench:begin (written by perf/bench.sh; edit outside these markers) -->"
    echo "Run: \`perf/bench.sh --seconds $SECS --conns $CONNS --rate $RATE --idle $IDLE\`, $(date -u +'%Y-%m-%d %H:%M UTC')."
    echo "Machine: $MACHINE. Software: $SOFT."
    echo "Gateway: \`java ${JOPTS[*]} -jar gatehouse.jar run --event-loops 1\`, access log on (to /dev/null)."
    echo "Load: 1/5/15-min load average $LOAD_BEFORE before, $LOAD_AFTER after (other work on the machine shares both cores)."
    echo "Pauses: the $PAUSES."
    echo
    echo '```'
    cat $TABLE
    echo '```'
    echo "<!-- bench:end -->"
  } > $BLOCK
  R=$PERF/RESULTS.md
  if [ -f $R ] && grep -q '<!-- bench:begin' $R; then
    awk -v blk=$BLOCK '/<!-- bench:begin/ {while ((getline l < blk) > 0) print l; skip=1; next} /<!-- bench:end/ {skip=0; next} !skip' $R > $D/r.md && cp $D/r.md $R
  else
    { echo "# Gatehouse performance results"; echo; cat $BLOCK; } >> $R
  fi
  echo "table written to $R"
fi
