#!/usr/bin/env bash
# Where the tail of the latency at a fixed rate comes from: the gateway, NGINX (one worker) and the
# backend directly, each at --rate req/s over 16 HTTP/1.1 keep-alive connections (h2load), rounds
# interleaved. The proxies run on CPU 0, h2load and the NGINX backend on CPU 1, as perf/ab.sh does.
#
#   perf/tail.sh [--rounds N] [--seconds N] [--warmup N] [--rate N] JAR [JVM option ...]
#
# Per round and contestant: p50, p99 and p99.9 of h2load's per-request log; for the proxies, how
# long their serving thread (the gateway's event loop, NGINX's worker) waited, runnable, for the CPU
# (/proc/.../schedstat: run-queue delay per second and per wake-up, and involuntary context switches
# per second), and the CPU the gateway's other threads took meanwhile (GC, JIT, access log, ...);
# for the gateway, its stop-the-world pauses (-Xlog:safepoint) and the share of the requests slower
# than the round's p99 whose time overlapped one of them; and CPU 0's steal time (/proc/stat), the
# time the hypervisor gave CPU 0 to someone else. At the end, the CPU each gateway thread took over
# all rounds (by thread name). JVM options after the jar replace the
# benchmark's (-Xms64m -Xmx160m -Xmn16m -XX:+UseSerialGC).
set -u
ROUNDS=3; SECS=10; WARM=60; RATE=2000
while [ $# -gt 0 ]; do case $1 in
  --rounds) ROUNDS=$2; shift 2;; --seconds) SECS=$2; shift 2;; --warmup) WARM=$2; shift 2;; --rate) RATE=$2; shift 2;;
  *) break;; esac; done
[ $# -ge 1 ] || { sed -n '2,16p' "$0" >&2; exit 2; }
JAR=$(readlink -f "$1"); shift
OPTS=("$@"); [ ${#OPTS[@]} -gt 0 ] || OPTS=(-Xms64m -Xmx160m -Xmn16m -XX:+UseSerialGC)
BASEP=${TAIL_PORT_BASE:-29000}; BE=$((BASEP + 80)); NGH=$((BASEP + 81)); GWH=$((BASEP + 101)); GWA=$((BASEP + 901))
D=$(mktemp -d); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill $p 2>/dev/null; done; sleep 0.5; for p in "${PIDS[@]}"; do kill -9 $p 2>/dev/null; done; rm -rf "$D"; }
trap cleanup EXIT
cat > $D/backend.conf <<C
worker_processes 1; daemon off; pid $D/be.pid; error_log $D/be.err; events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000;
  server { listen 127.0.0.1:$BE; location / { return 200 "hello, world\n"; } } }
C
cat > $D/nginx.conf <<C
worker_processes 1; daemon off; pid $D/ng.pid; error_log $D/ng.err; events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000; upstream be { server 127.0.0.1:$BE; keepalive 256; }
  server { listen 127.0.0.1:$NGH; location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
C
mkdir -p $D/gw
cat > $D/gw/gatehouse.yaml <<Y
admin: { port: $GWA, address: 127.0.0.1 }
listeners:
  - { name: http, address: 127.0.0.1, port: $GWH, protocol: HTTP }
upstreams:
  - { name: backend, endpoints: ["127.0.0.1:$BE"] }
routes:
  - { name: all, backends: [{ upstream: backend }] }
Y
taskset -c 1 nginx -c $D/backend.conf & PIDS+=($!)
taskset -c 0 nginx -c $D/nginx.conf & PIDS+=($!)
taskset -c 0 java "${OPTS[@]}" -Xlog:safepoint:file=$D/gw.sp.log:timemillis -jar "$JAR" run --config $D/gw --event-loops 1 \
  --admin-port $GWA >/dev/null 2>$D/gw.err & GW=$!; PIDS+=($GW)
for _ in $(seq 1 240); do grep -q 'gatehouse ready' $D/gw.err 2>/dev/null && break; sleep 0.5; done
grep -q 'gatehouse ready' $D/gw.err || { echo "the gateway did not start"; tail $D/gw.err; exit 1; }
sleep 1
NGW=$(pgrep -P "$(cat $D/ng.pid)" | head -1)
LOOP=$(grep -l '^vert.x-eventloo' /proc/$GW/task/*/comm | head -1 | cut -d/ -f5)
echo "gateway: java ${OPTS[*]} (pid $GW, event loop tid $LOOP); nginx worker pid $NGW; rate $RATE req/s, ${SECS}s per round"
declare -A URL=([direct]=http://127.0.0.1:$BE/ [nginx]=http://127.0.0.1:$NGH/ [gateway]=http://127.0.0.1:$GWH/)
# run-queue wait (ns), wake-ups (timeslices) and involuntary switches of one thread or process
sched() { read -r _ wait slices < "$1/schedstat"; echo "$wait $slices $(awk '/nonvoluntary/ {print $2}' "$1/status")"; }
# CPU 0's steal time (ticks): time the hypervisor ran something else while CPU 0 had work
steal() { awk '$1 == "cpu0" {print $9}' /proc/stat; }
# every gateway thread's CPU ticks, one "tid name ticks" line each
threads() { local f; for f in /proc/$GW/task/*; do echo "${f##*/} $(tr ' ' _ < $f/comm) $(awk '{print $14+$15}' $f/stat 2>/dev/null || echo 0)"; done; }
# CPU ticks of every gateway thread but the event loop
others() { threads | awk -v loop=$LOOP '$1 != loop {t += $3} END {print t + 0}'; }
load() { rm -f $D/r.log; taskset -c 1 timeout $(($1 + 30)) h2load --h1 -c16 -t1 --rps=$(( (RATE + 15) / 16 )) -D "$1" --log-file=$D/r.log "$2" >/dev/null 2>&1; }
echo "warm-up ${WARM}s each"
for n in direct nginx gateway; do load $WARM ${URL[$n]}; done
HZ=$(getconf CLK_TCK)
threads > $D/threads.0
echo "round contestant p50_us p99_us p99.9_us rq_wait_us/s rq_wait_us/wakeup invol_switches/s others_cpu_ms/s pauses(>1ms,max_ms) slow_in_pause cpu0_steal_ms/s"
for r in $(seq 1 $ROUNDS); do
  for n in direct nginx gateway; do
    case $n in gateway) T=/proc/$GW/task/$LOOP;; nginx) T=/proc/$NGW;; *) T=;; esac
    s0=(); s1=(); [ -n "$T" ] && s0=($(sched $T)); o0=$(others); t0=$(steal); g0=$(wc -l < $D/gw.sp.log)
    load $SECS ${URL[$n]}
    [ -n "$T" ] && s1=($(sched $T)); o1=$(others); t1=$(steal)
    tail -n +$((g0 + 1)) $D/gw.sp.log | grep -o '\[[0-9]*ms\].*Total: [0-9]* ns' | sed -E 's/^\[([0-9]+)ms\].*Total: ([0-9]+) ns/\1 \2/' > $D/pauses
    [ $n = gateway ] || : > $D/pauses
    python3 - "$D/r.log" "$D/pauses" "$r" "$n" "$SECS" "${s0[*]:-}" "${s1[*]:-}" $(( (o1 - o0) * 1000 / HZ )) $(( (t1 - t0) * 1000 / HZ )) <<'P'
import sys
log, pauses, r, n, secs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
s0, s1, others_ms, steal_ms = sys.argv[6].split(), sys.argv[7].split(), int(sys.argv[8]), int(sys.argv[9])
rows = [l.split('\t') for l in open(log) if l.strip()]
reqs = [(int(a), int(c)) for a, b, c, *_ in rows if b.strip() != '-1']
d = sorted(c for _, c in reqs)
q = lambda p: d[min(len(d) - 1, int(len(d) * p))]
ps = [(int(l.split()[0]) * 1000 - int(l.split()[1]) // 1000, int(l.split()[0]) * 1000) for l in open(pauses) if l.strip()]
p99 = q(0.99)
slow = [(s, s + c) for s, c in reqs if c > p99]
# a pause's end is logged to the millisecond: count overlaps within a millisecond either side
hit = sum(1 for s, e in slow if any(a - 1000 <= e and s <= b + 1000 for a, b in ps)) if ps else 0
over = [b - a for a, b in ps if b - a > 1000]
sched = '- - -'
if s0 and s1:
    w, k, v = (int(s1[i]) - int(s0[i]) for i in range(3))
    sched = '%.0f %.1f %.1f' % (w / 1e3 / secs, w / 1e3 / max(k, 1), v / secs)
pz = '%d(%d,%.2f)' % (len(ps), len(over), max([b - a for a, b in ps], default=0) / 1e3) if n == 'gateway' else '-'
sl = ('%d/%d' % (hit, len(slow))) if n == 'gateway' else '-'
oc = ('%.0f' % (others_ms / secs)) if n == 'gateway' else '-'
print(r, n, q(0.5), p99, q(0.999), sched, oc, pz, sl, '%.0f' % (steal_ms / secs))
P
  done
done
threads > $D/threads.1
echo "the gateway's threads over all rounds (CPU ms; the event loop's included):"
awk 'NR == FNR {t[$1] = $3; next} {d = $3 - t[$1]; if (d > 0) c[$2] += d} END {for (n in c) printf "  %-22s %d\n", n, c[n] * 1000 / '$HZ'}' \
  $D/threads.0 $D/threads.1 | sort -k2 -n -r | head -8
