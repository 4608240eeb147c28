#!/usr/bin/env bash
# What tracing costs per request: CPU time of the gateway per proxied request with tracing off, on
# at 1 % sampling and on at 100 %, measured in the same run, interleaved.
#
#   perf/trace-bench.sh [--rounds N] [--seconds N] [--conns N] [--warmup N] [--no-build] [--one-jvm]   (GATEHOUSE_JAR: another jar)
#
# --one-jvm: ONE gateway process serves all three settings in turn, switched by rewriting its config
# file (a hot reload) before each measurement, so that the differences between separate JVMs (JIT
# decisions, heap layout), which exceed tracing's cost on a 2-core machine, drop out of the ratios.
#
# Three gateways run side by side, each with ONE event loop pinned to CPU 0 (the JVM options of
# perf/bench.sh) in front of the same NGINX backend on CPU 1: "off" has no telemetry.tracing, "1%"
# and "100%" export over OTLP/gRPC to a collector address where nothing listens (every export fails
# fast and is counted, as with a collector that is gone). wrk (CPU 1, HTTP/1.1 keep-alive, no trace
# headers: every request starts a new trace, so the sampling ratio decides) loads one gateway at a
# time. Each round runs the three in a rotated order; a figure is the gateway process's user+system
# CPU time (/proc/PID/stat) over the requests wrk completed. Per round the ratios to "off" are taken
# within the round; the medians and the spread (min..max) of those ratios are printed. Nothing it
# starts is left running.
set -u
cd "$(dirname "$0")"
ROOT=$(cd .. && pwd)
ROUNDS=7; SECS=10; CONNS=32; WARM=20; BUILD=1; ONE=0
while [ $# -gt 0 ]; do case $1 in
  --rounds) ROUNDS=$2; shift 2;; --seconds) SECS=$2; shift 2;; --conns) CONNS=$2; shift 2;; --warmup) WARM=$2; shift 2;;
  --no-build) BUILD=0; shift;; --one-jvm) ONE=1; shift;;
  *) sed -n '2,21p' "$0" >&2; exit 2;; esac; done

need=(); for b in nginx wrk taskset; do command -v $b >/dev/null || need+=($b); done
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx wrk util-linux >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq nginx wrk util-linux >/dev/null; }
fi
JAR=${GATEHOUSE_JAR:-$ROOT/gateway/target/gatehouse.jar}
if [ $BUILD = 1 ] || [ ! -f "$JAR" ]; then
  echo "building the gateway jar"
  (cd "$ROOT" && mvn -B -q -pl gateway -am package -DskipTests) || { echo "build failed" >&2; exit 1; }
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
D=$(mktemp -d); chmod 755 "$D"; PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; sleep 0.5; for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$D"; }
trap cleanup EXIT
BE=$(free_port); DEAD=$(free_port)   # DEAD: a port nothing listens on (the collector that is gone)

cat > "$D/backend.conf" <<C
worker_processes 1; daemon off; pid $D/be.pid; error_log $D/be.err; events { worker_connections 4096; }
http { access_log off; keepalive_requests 10000000;
  server { listen 127.0.0.1:$BE; location / { return 200 "hello, world\n"; } } }
C
taskset -c 1 nginx -c "$D/backend.conf" & PIDS+=($!)

TRIM=-XX:TrimNativeHeapInterval=2000; java $TRIM -version >/dev/null 2>&1 || TRIM=
# shellcheck disable=SC2206
JOPTS=(${GATEHOUSE_JAVA_OPTS:--Xms64m -Xmx160m -Xmn16m -XX:+UseSerialGC $TRIM})
NAMES=(off 1% 100%)
declare -A PORT PID ADMIN
# write_config DIR SETTING: the gateway's config with tracing off, or at SETTING (1%, 100%)
write_config() { local dir=$1 n=$2 tracing=""
  [ "$n" != off ] && tracing="telemetry: { tracing: { endpoint: \"http://127.0.0.1:$DEAD\", sampling: ${n%\%} } }"
  cat > "$dir/gatehouse.yaml.new" <<Y
admin: { port: ${ADMIN[$n]}, address: 127.0.0.1 }
listeners: [{ name: http, address: 127.0.0.1, port: ${PORT[$n]}, protocol: HTTP }]
upstreams: [{ name: backend, endpoints: ["127.0.0.1:$BE"] }]
routes: [{ name: all, backends: [{ upstream: backend }] }]
$tracing
Y
  mv "$dir/gatehouse.yaml.new" "$dir/gatehouse.yaml"
}
STARTED=("${NAMES[@]}")
if [ $ONE = 1 ]; then
  STARTED=(off); port=$(free_port); admin=$(free_port)
  for n in "${NAMES[@]}"; do PORT[$n]=$port; ADMIN[$n]=$admin; done
fi
for n in "${STARTED[@]}"; do
  dir=$D/gw-${n%\%}; mkdir -p "$dir"
  [ $ONE = 1 ] || { PORT[$n]=$(free_port); ADMIN[$n]=$(free_port); }
  write_config "$dir" "$n"
  taskset -c 0 java "${JOPTS[@]}" -jar "$JAR" run --config "$dir" --event-loops 1 --admin-port "${ADMIN[$n]}" \
    >/dev/null 2>"$dir.err" & PID[$n]=$!; PIDS+=(${PID[$n]})
done
for n in "${STARTED[@]}"; do
  for _ in $(seq 1 120); do grep -q 'gatehouse ready' "$D/gw-${n%\%}.err" 2>/dev/null && break; sleep 0.5; done
  grep -q 'gatehouse ready' "$D/gw-${n%\%}.err" || { echo "gateway $n did not start:"; tail -20 "$D/gw-${n%\%}.err"; exit 1; }
done
if [ $ONE = 1 ]; then
  for n in 1% 100%; do PID[$n]=${PID[off]}; done
  CURRENT=off
  # use NAME: reload the one gateway's config to NAME's setting and wait until that version serves
  use() { local v0
    [ "$1" = "$CURRENT" ] && return
    v0=$(curl -s "http://127.0.0.1:${ADMIN[off]}/config" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
    write_config "$D/gw-off" "$1"
    for _ in $(seq 1 100); do
      v=$(curl -s "http://127.0.0.1:${ADMIN[off]}/config" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
      [ "$v" != "$v0" ] && break; sleep 0.1
    done
    [ "$v" != "$v0" ] || { echo "the gateway did not reload to $1"; exit 1; }
    CURRENT=$1; sleep 1
  }
else
  use() { :; }
fi

ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
# run NAME SECONDS -> "requests cpu_us_per_request"
run() { local n=$1 t0 t1 r
  t0=$(ticks "${PID[$n]}")
  r=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"$2"s "http://127.0.0.1:${PORT[$n]}/" | awk '/^ *[0-9]+ requests in/ {print $1}')
  t1=$(ticks "${PID[$n]}")
  awk -v r="${r:-0}" -v a="$t0" -v b="$t1" -v hz="$HZ" 'BEGIN { if (r > 0) printf "%d %.2f", r, (b - a) / hz * 1e6 / r; else print "0 -" }'
}
echo "warm-up: ${WARM}s per gateway"
for n in "${NAMES[@]}"; do use "$n"; run "$n" "$WARM" >/dev/null; done

echo "round  order            off_us  1%_us  100%_us   1%/off  100%/off   (CPU us per request; load: $(cut -d' ' -f1-3 /proc/loadavg))"
: > "$D/rows"
for i in $(seq 1 "$ROUNDS"); do
  order=("${NAMES[@]:$((i % 3))}" "${NAMES[@]:0:$((i % 3))}")
  declare -A US=()
  for n in "${order[@]}"; do use "$n"; set -- $(run "$n" "$SECS"); US[$n]=$2; done
  line=$(awk -v a="${US[off]}" -v b="${US[1%]}" -v c="${US[100%]}" 'BEGIN { printf "%.2f %.2f %.2f %.4f %.4f", a, b, c, b / a, c / a }')
  echo "$line" >> "$D/rows"
  set -- $line
  printf "%5d  %-15s %7s %6s %8s %8s %9s\n" "$i" "${order[*]}" "$1" "$2" "$3" "$4" "$5"
done
med() { sort -n | awk '{a[NR]=$1} END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
range() { sort -n | awk 'NR==1 {lo=$1} {hi=$1} END { print lo ".." hi }'; }
printf "median %-15s %7s %6s %8s %8s %9s\n" "" "$(cut -d' ' -f1 "$D/rows" | med)" "$(cut -d' ' -f2 "$D/rows" | med)" \
  "$(cut -d' ' -f3 "$D/rows" | med)" "$(cut -d' ' -f4 "$D/rows" | med)" "$(cut -d' ' -f5 "$D/rows" | med)"
echo "spread of 1%/off: $(cut -d' ' -f4 "$D/rows" | range); of 100%/off: $(cut -d' ' -f5 "$D/rows" | range)"
[ $ONE = 1 ] && echo "(one gateway: the span counts are its totals over both traced settings)"
for n in 1% 100%; do
  echo "spans of $n: $(curl -s "http://127.0.0.1:${ADMIN[$n]}/metrics" | grep '^gatehouse_tracing_spans_total' | tr '\n' ' ')"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
