#!/usr/bin/env bash
# A/B of gateway builds (or JVM settings) against NGINX, interleaved in one run: each round measures
# every contestant in turn (order rotated per round) on the same NGINX backend. Everything under
# test is pinned to CPU 0 with one worker / event loop; wrk and the backend run on CPU 1.
#
#   perf/ab.sh [--rounds N] [--seconds N] [--warmup N] [--rate N] [--idle N] [--cert rsa|ecdsa]
#              [--cases "http:small http:4k https:small h2:small http:rate http:seq http:post tls:full tls:resume"] NAME=JAR ...
#
# Per contestant: JAVA_<NAME> (java binary), OPTS_<NAME> (JVM options, default bench.sh's),
# YAML_<NAME> (top-level YAML appended to its config, e.g. a telemetry block) and ROUTE_<NAME> (keys
# added to its one route, e.g. "retries: { attempts: 1, perTryTimeout: 5s }") may be set in the
# environment. Prints per round and case: req/s, p99, CPU us per request (process,
# from /proc) and, for the gateways, bytes allocated per request on the event-loop thread and in
# the whole process (exact, ThreadMXBean via tools/ThreadStats.java), then per case the medians
# and the spread of the per-round ratios to NGINX. http:rate is h2load at a fixed --rate (req/s, 16
# connections; p99 from its log). http:seq is one connection, one request at a time: every
# event-loop wake-up then serves one request whatever the machine's load, so its bytes per request
# compare builds even on a busy machine. http:post is the same with a 1 KiB POST body (a streamed
# request body, which http:seq's GETs never have). tls:full and tls:resume are TLS 1.2 handshakes
# per second (4 x openssl s_time, a new connection per request, full or resumed, as perf/bench.sh's):
# their "req/s" is handshakes/s and their CPU is per handshake; --cert ecdsa serves an ECDSA P-256
# certificate instead of RSA-2048, on NGINX and the gateways alike. Each gateway logs its safepoints: per row, the stop-the-world
# pauses in the measured window (count, how many over 1 ms, the longest). --idle N then opens N idle
# keep-alive connections to each contestant in turn (perf/idle_conns.py) and prints its RSS.
set -u
cd "$(dirname "$0")"; PERF=$(pwd)
ROUNDS=3; SECS=8; WARM=20; CONNS=64; CASES="http:small http:4k"; SPEC=(); IDLE=0; RATE=2000; CERT=rsa
while [ $# -gt 0 ]; do case $1 in
  --rounds) ROUNDS=$2; shift 2;; --seconds) SECS=$2; shift 2;; --warmup) WARM=$2; shift 2;; --cases) CASES=$2; shift 2;;
  --conns) CONNS=$2; shift 2;; --idle) IDLE=$2; shift 2;; --rate) RATE=$2; shift 2;; --cert) CERT=$2; shift 2;; *=*) SPEC+=("$1"); shift;; *) sed -n '2,14p' "$0" >&2; exit 2;; esac; done
[ ${#SPEC[@]} -gt 0 ] || { sed -n '2,14p' "$0" >&2; exit 2; }
BASEP=${AB_PORT_BASE:-28000}; BE=$((BASEP + 80)); NGH=$((BASEP + 81)); NGS=$((BASEP + 443))
D=$(mktemp -d); chmod 755 $D; PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill $p 2>/dev/null; done; sleep 0.5; for p in "${PIDS[@]}"; do kill -9 $p 2>/dev/null; done; rm -rf "$D"; }
trap cleanup EXIT
case $CERT in rsa) KEY=(-newkey rsa:2048);; ecdsa) KEY=(-newkey ec -pkeyopt ec_paramgen_curve:P-256);; *) echo "--cert rsa|ecdsa"; exit 2;; esac
openssl req -x509 "${KEY[@]}" -nodes -days 2 -subj /CN=bench.test \
  -addext "subjectAltName=DNS:bench.test,DNS:*.bench.test" -keyout $D/key.pem -out $D/cert.pem >/dev/null 2>&1
mkdir -p $D/www; head -c 4096 /dev/zero | tr '\0' x > $D/www/4k
cat > $D/backend.conf <<C
worker_processes 1; daemon off; pid $D/be.pid; error_log $D/be.err; events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000;
  server { listen 127.0.0.1:$BE; root $D/www; location / { return 200 "hello, world\n"; } location = /4k { default_type text/plain; } } }
C
cat > $D/nginx.conf <<C
worker_processes 1; daemon off; pid $D/ng.pid; error_log $D/ng.err; events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000; upstream be { server 127.0.0.1:$BE; keepalive 256; }
  server { listen 127.0.0.1:$NGH; listen 127.0.0.1:$NGS ssl http2; ssl_certificate $D/cert.pem; ssl_certificate_key $D/key.pem;
    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
C
taskset -c 1 nginx -c $D/backend.conf & PIDS+=($!)
taskset -c 0 nginx -c $D/nginx.conf & NG=$!; PIDS+=($NG)
TRIM=-XX:TrimNativeHeapInterval=2000; java $TRIM -version >/dev/null 2>&1 || TRIM=
NAMES=(nginx); declare -A PID=([nginx]=$NG) HTTP=([nginx]=$NGH) HTTPS=([nginx]=$NGS) STATS_IN STATS_OUT
i=0
for s in "${SPEC[@]}"; do
  n=${s%%=*}; jar=${s#*=}; i=$((i + 1)); hp=$((BASEP + 100 + i)); sp=$((BASEP + 500 + i)); ap=$((BASEP + 900 + i))
  mkdir -p $D/$n
  cat > $D/$n/gatehouse.yaml <<Y
admin: { port: $ap, address: 127.0.0.1 }
listeners:
  - { name: http, address: 127.0.0.1, port: $hp, protocol: HTTP }
  - name: https
    address: 127.0.0.1
    port: $sp
    protocol: HTTPS
    tls:
      certificates:
        - { hosts: [bench.test, "*.bench.test"], cert: $D/cert.pem, key: $D/key.pem }
upstreams:
  - { name: backend, endpoints: ["127.0.0.1:$BE"] }
routes:
  - { name: all, backends: [{ upstream: backend, weight: 1 }]$(rv=ROUTE_$n; [ -n "${!rv:-}" ] && echo ", ${!rv}") }
Y
  yv=YAML_$n; [ -n "${!yv:-}" ] && echo "${!yv}" >> $D/$n/gatehouse.yaml
  jv=JAVA_$n; ov=OPTS_$n
  # shellcheck disable=SC2206
  opts=(${!ov:--Xms64m -Xmx160m -Xmn16m -XX:+UseSerialGC $TRIM})
  # one at a time: several JVMs starting at once on one busy core miss the gateway's start-up timeout
  taskset -c 0 ${!jv:-java} "${opts[@]}" -Xlog:safepoint:file=$D/$n.sp.log -jar "$jar" run --config $D/$n --event-loops 1 \
    --admin-port $ap >/dev/null 2>$D/$n.err &
  PID[$n]=$!; PIDS+=($!); HTTP[$n]=$hp; HTTPS[$n]=$sp; NAMES+=($n)
  echo "$n: ${!jv:-java} ${opts[*]} -jar $jar (pid ${PID[$n]})"
  for _ in $(seq 1 240); do grep -q 'gatehouse ready' $D/$n.err 2>/dev/null && break; sleep 0.5; done
  grep -q 'gatehouse ready' $D/$n.err || { echo "$n did not start"; tail $D/$n.err; exit 1; }
done
for n in "${NAMES[@]:1}"; do
  mkfifo $D/$n.in $D/$n.out
  taskset -c 1 java "$PERF/tools/ThreadStats.java" ${PID[$n]} <$D/$n.in >$D/$n.out 2>$D/$n.ts.err & PIDS+=($!)
  exec {fd}>$D/$n.in; STATS_IN[$n]=$fd; exec {fd}<$D/$n.out; STATS_OUT[$n]=$fd
done
stats() { local n=$1 l; [ -z "${STATS_IN[$n]:-}" ] && { echo "0 0 0 0 0 0"; return; }; echo >&${STATS_IN[$n]}; read -r l <&${STATS_OUT[$n]}; echo $l; }
HZ=$(getconf CLK_TCK)
ticks() { local t=0 c; for c in $1 $(pgrep -P $1); do t=$((t + $(awk '{print $14+$15}' /proc/$c/stat 2>/dev/null || echo 0))); done; echo $t; }
url() { case $1 in http:small|http:rate|http:seq|http:post) echo http://127.0.0.1:${HTTP[$2]}/;; http:4k) echo http://127.0.0.1:${HTTP[$2]}/4k;; https:small|h2:small) echo https://127.0.0.1:${HTTPS[$2]}/;;
  tls:*) echo 127.0.0.1:${HTTPS[$2]};; esac; }
# stime full|resume HOST:PORT SECS: "handshakes/s - 0 handshakes" from 4 parallel openssl s_time clients
stime() { local ps=() k; for k in 1 2 3 4; do
    taskset -c 1 openssl s_time -connect $2 $([ $1 = full ] && echo -new || echo -reuse) -tls1_2 -time $3 -www / >$D/st.$k 2>/dev/null & ps+=($!); done
  wait "${ps[@]}"; cat $D/st.1 $D/st.2 $D/st.3 $D/st.4 | awk -v s=$3 '/connections in [0-9.]+s;/ {n+=$1} END {printf "%.1f - 0 %d", n/s, n}'; }
# h2 RATE URL: "req/s p99 errors requests" at a fixed rate over 16 HTTP/1.1 connections
rate1() { rm -f $D/r.log; taskset -c 1 timeout $((SECS + 30)) h2load --h1 -c16 -t1 --rps=$(( (RATE + 15) / 16 )) -D $SECS \
    --log-file=$D/r.log "$1" 2>/dev/null | awk '/finished in/ {for (i=1;i<=NF;i++) if ($i ~ /req\/s/) r=$(i-1)}
    /^requests:/ {e=$10+$12+$14; q=$8} END {printf "%s ", (r==""?0:r)}'
  cut -f3 $D/r.log | sort -n | awk '{a[NR]=$1} END {j=int(NR*0.99)+1; if (j>NR) j=NR; printf "%.0fus 0 %d", a[j], NR}'; }
# h2 URL: "req/s p99 errors requests" from h2load over TLS (ALPN h2), 16 connections x 10 streams, the
# certificate's name as :authority (a gateway answers 421 to a name its certificate does not cover)
h21() { rm -f $D/h.log; taskset -c 1 timeout $((SECS + 30)) h2load -c16 -m10 -t1 -D $SECS -H ':authority: bench.test' \
    --log-file=$D/h.log "$1" 2>/dev/null | awk '/finished in/ {for (i=1;i<=NF;i++) if ($i ~ /req\/s/) r=$(i-1)}
    END {printf "%s ", (r==""?0:r)}'
  local e; e=$(awk '$2 < 200 || $2 > 299 {e++} END {print e + 0}' $D/h.log)
  cut -f3 $D/h.log | sort -n | awk -v e=$e '{a[NR]=$1} END {j=int(NR*0.99)+1; if (j>NR) j=NR; printf "%.0fus %d %d", a[j], e, NR}'; }
# pauses in a safepoint log since line $2: "count over_1ms max_ms"
pauses() { [ -f "$1" ] || { echo "- - -"; return; }; tail -n +$(($2 + 1)) "$1" | awk -f "$PERF/tools/safepoints.awk"; }
printf 'wrk.method = "POST"\nwrk.body = string.rep("x", 1024)\nwrk.headers["Content-Type"] = "application/octet-stream"\n' > $D/post.lua
wrk1() { taskset -c 1 wrk -t1 -c$CONNS -d${1}s --latency ${WRK_ARGS:-} -H "Host: bench.test" "$2" 2>/dev/null | awk '
  /Requests\/sec/{r=$2} /^ +99%/{p=$2} /Non-2xx/{e=$5} /requests in/{q=$1} END{printf "%s %s %s %s", r, p, (e==""?0:e), q}'; }
echo "warm-up ${WARM}s per case and contestant"
for n in "${NAMES[@]}"; do for c in $CASES; do case $c in http:rate) ;; tls:*) stime ${c#tls:} $(url $c $n) $WARM >/dev/null;; h2:small) SECS=$WARM h21 $(url $c $n) >/dev/null;;
  http:post) WRK_ARGS="-s $D/post.lua" wrk1 $WARM $(url $c $n) >/dev/null;; *) wrk1 $WARM $(url $c $n) >/dev/null;; esac; done; done
OUT=$D/rows; : > $OUT
echo "round case contestant req/s p99 errors cpu_us/req loop_B/req all_B/req loop_cpu_us/req log_cpu_us/req pauses pauses>1ms max_pause_ms"
for r in $(seq 1 $ROUNDS); do for c in $CASES; do
  for k in $(seq 0 $((${#NAMES[@]} - 1))); do n=${NAMES[$(( (k + r) % ${#NAMES[@]} ))]}
    g0=$(cat $D/$n.sp.log 2>/dev/null | wc -l); s0=($(stats $n)); t0=$(ticks ${PID[$n]})
    if [ $c = http:rate ]; then set -- $(rate1 $(url $c $n)); elif [ ${c%%:*} = tls ]; then set -- $(stime ${c#tls:} $(url $c $n) $SECS); elif [ $c = h2:small ]; then set -- $(h21 $(url $c $n)); elif [ $c = http:seq ]; then set -- $(CONNS=1 wrk1 $SECS $(url $c $n))
    elif [ $c = http:post ]; then set -- $(CONNS=1 WRK_ARGS="-s $D/post.lua" wrk1 $SECS $(url $c $n))
    else set -- $(wrk1 $SECS $(url $c $n)); fi
    t1=$(ticks ${PID[$n]}); s1=($(stats $n)); gp=$(pauses $D/$n.sp.log $g0)
    line=$(awk -v t=$((t1 - t0)) -v hz=$HZ -v q=$4 -v lb=$((s1[0]-s0[0])) -v lc=$((s1[1]-s0[1])) -v gc=$((s1[3]-s0[3])) -v ab=$((s1[4]-s0[4])) -v n=$n 'BEGIN{
      if (n == "nginx") printf "%.1f - - - -", t/hz*1e6/q; else printf "%.1f %.0f %.0f %.1f %.2f", t/hz*1e6/q, lb/q, ab/q, lc/1e3/q, gc/1e3/q }')
    echo "$r $c $n $1 $2 $3 $line $gp" | tee -a $OUT
  done; done; done
echo; echo "== medians over $ROUNDS rounds (cpu ratio = contestant / nginx in the same round; spread = min..max of those ratios;"
echo "   p99 in us; pauses: stop-the-world pauses over 1 ms in all rounds, and the longest)"
awk 'function us(x) { if (x ~ /ms$/) return x * 1000; if (x ~ /us$/) return x + 0; if (x ~ /s$/) return x * 1e6; return x + 0 }
  { k=$2" "$3; cpu[k]=cpu[k]" "$7; rq[k]=rq[k]" "$4; p9[k]=p9[k]" "us($5); lb[k]=lb[k]" "$8; ab[k]=ab[k]" "$9; if ($3=="nginx") ng[$1" "$2]=$7; row[NR]=$0
    if ($13 ~ /^[0-9]+$/) { po[k]+=$13; if ($14+0 > pm[k]+0) pm[k]=$14 } }
  function med(s,   a, n, i, j, t) { n=split(s, a, " "); for (i=1;i<=n;i++) for (j=i+1;j<=n;j++) if (a[j]+0 < a[i]+0) { t=a[i]; a[i]=a[j]; a[j]=t }
    return n==0 ? "-" : (n%2 ? a[(n+1)/2] : (a[n/2]+a[n/2+1])/2) }
  END { for (i=1;i<=NR;i++) { split(row[i], f, " "); if (f[3]!="nginx") { k=f[2]" "f[3]; x=f[7]/ng[f[1]" "f[2]]; ra[k]=ra[k]" "x;
          if (!(k in mn) || x<mn[k]) mn[k]=x; if (!(k in mx) || x>mx[k]) mx[k]=x } }
    printf "%-12s %-12s %9s %8s %11s %9s %11s %10s %10s %s\n", "case", "contestant", "req/s", "p99_us", "cpu_us/req", "cpu_x_ng", "spread", "loop_B/req", "all_B/req", "pauses>1ms(max_ms)"
    for (k in cpu) { split(k, f, " "); printf "%-12s %-12s %9.0f %8.0f %11.1f %9s %11s %10s %10s %s\n", f[1], f[2], med(rq[k]), med(p9[k]), med(cpu[k]),
      (f[2]=="nginx" ? "1.00" : sprintf("%.2f", med(ra[k]))), (f[2]=="nginx" ? "-" : sprintf("%.2f..%.2f", mn[k], mx[k])), med(lb[k]), med(ab[k]),
      (f[2]=="nginx" ? "-" : po[k]+0 "(" pm[k]+0 ")") } }' $OUT | sort
if [ "$IDLE" -gt 0 ]; then for n in "${NAMES[@]}"; do
  out=$(taskset -c 1 python3 "$PERF/idle_conns.py" 127.0.0.1 ${HTTP[$n]} $IDLE --hold-pid ${PID[$n]} 2>&1 | tail -1)
  echo "idle:$IDLE $n rss_MB=${out%% *} answered=${out##* }"; done; fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
