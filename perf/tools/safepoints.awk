# Stop-the-world pauses in lines of a -Xlog:safepoint log: prints "COUNT OVER_1MS LONGEST_MS".
# Used by perf/ab.sh (per measured window) and perf/bench.sh (per part of its run).
match($0, /Total: [0-9]+ ns/) {
  t = substr($0, RSTART + 7, RLENGTH - 10) / 1e6
  n++
  if (t > 1) o++
  if (t > m) m = t
}
END { printf "%d %d %.2f\n", n, o, m }
