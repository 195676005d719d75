#!/usr/bin/env bash
# Benchmark (not a test): a full live audit of N local redis-servers
# (`audit --targets-file F --no-discover --no-history`, JSON and text), against
# `redis-cli INFO` run on each server in turn (issue 13's ratio) and the
# floor of the data it needs — redis-cli INFO + CONFIG GET * + ACL LIST run
# sequentially for the same servers — in the same run.
#   bench/live-audit.sh [N]        (default 100; issue 13 asks 1000)
# Starts N servers on free loopback ports in a temp dir (never 6379) and
# stops them by pid at the end. 1,000 servers take about 4 GB of memory
# and 2 descriptors each while audited: `ulimit -n` is raised to its hard
# limit. The load average is printed with the figures (a shared machine).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100}"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# RAMPART_BIN: another build (no cargo build then).
if [ -z "${RAMPART_BIN:-}" ]; then cargo build --release -q -p rampart; fi
BIN="${RAMPART_BIN:-${CARGO_TARGET_DIR:-target}/release/rampart}"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
ports=()
while [ "${#ports[@]}" -lt "$N" ]; do
  p=$(free_port)
  [ "$p" = 6379 ] && continue
  mkdir -p "$work/$p"
  redis-server --port "$p" --bind 127.0.0.1 --save '' --dir "$work/$p" --daemonize no --logfile "$work/$p/log" &
  pids+=("$!")
  ports+=("$p")
done
for p in "${ports[@]}"; do
  for _ in $(seq 100); do redis-cli -p "$p" PING >/dev/null 2>&1 && break; sleep 0.05; done
done
targets=(); for p in "${ports[@]}"; do targets+=("127.0.0.1:$p"); done
printf '%s\n' "${targets[@]}" > "$work/targets"

now() { date +%s.%N; }
calc() { python3 -c "print($1)"; }
# One server, repeated: per-instance wall time.
t0=$(now); for _ in $(seq 20); do "$BIN" audit "${targets[0]}" --no-discover --no-history --format json >/dev/null || true; done; t1=$(now)
one=$(calc "($t1 - $t0) / 20 * 1000")
# All N at once (the default concurrency), not recorded; then recorded in
# an SQLite history of its own (issue 13: every audit is kept). Wall time
# and peak memory from /usr/bin/time.
export RAMPART_HISTORY="$work/history.sqlite"
load=$(cut -d' ' -f1-3 /proc/loadavg)
/usr/bin/time -f '%e %M %U %S' -o "$work/t1" "$BIN" audit --targets-file "$work/targets" --no-discover --format json --no-history > "$work/report.json" || true
read -r all mem user sys < <(tail -n1 "$work/t1")
/usr/bin/time -f '%e %M %U %S' -o "$work/t4" "$BIN" audit --targets-file "$work/targets" --no-discover --format text --no-history > /dev/null || true
read -r txt txtmem txtuser txtsys < <(tail -n1 "$work/t4")
/usr/bin/time -f '%e %M' -o "$work/t2" "$BIN" audit "${targets[@]}" --no-discover --format json > /dev/null || true
read -r rec recmem < <(tail -n1 "$work/t2")
/usr/bin/time -f '%e %M' -o "$work/t3" "$BIN" audit "${targets[@]}" --no-discover --format html --no-history > "$work/report.html" || true
read -r html htmlmem < <(tail -n1 "$work/t3")
"$BIN" audit "${targets[@]}" --no-discover --no-history > "$work/report.txt" || true
# redis-cli INFO on each server in turn (issue 13's comparison).
t0=$(now)
for p in "${ports[@]}"; do redis-cli -p "$p" INFO >/dev/null; done
t1=$(now)
info=$(calc "$t1 - $t0")
# The floor: redis-cli, sequentially.
t0=$(now)
for p in "${ports[@]}"; do
  redis-cli -p "$p" INFO >/dev/null; redis-cli -p "$p" CONFIG GET '*' >/dev/null; redis-cli -p "$p" ACL LIST >/dev/null
done
t1=$(now)
floor=$(calc "$t1 - $t0")
servers=$(python3 -c "import json; print(len(json.load(open('$work/report.json'))['targets']))")
printf 'servers audited:            %d of %d\n' "$servers" "$N"
printf 'one server, full audit:     %.1f ms (includes process start; target < 50 ms)\n' "$one"
printf 'load average at the start: %s\n' "$load"
printf '%d servers, full audit:     %.2f s  (%.1f servers/s; target < 3 s), user %.2f s, sys %.2f s (-f json)\n' "$N" "$all" "$(calc "$N / $all")" "$user" "$sys"
printf '%d servers, -f text:        %.2f s, user %.2f s, sys %.2f s, %d MB\n' "$N" "$txt" "$txtuser" "$txtsys" "$((txtmem / 1024))"
printf 'redis-cli INFO, in turn:    %.2f s\n' "$info"
printf 'ratio rampart / INFO:       %.2f\n' "$(calc "$all / $info")"
printf 'redis-cli floor (3 cmds):   %.2f s\n' "$floor"
printf 'ratio rampart / floor:      %.2f\n' "$(calc "$all / $floor")"
printf 'peak memory:                %d MB (target < 150 MB)\n' "$((mem / 1024))"
printf 'audit + record (SQLite):    %.2f s, %d MB (recording: %.2f s; target < 1 s)\n' "$rec" "$((recmem / 1024))" "$(calc "$rec - $all")"
printf 'HTML report:                %.2f s, %d bytes (target < 5 MB)\n' "$html" "$(stat -c %s "$work/report.html")"
printf 'text report:                %d lines\n' "$(wc -l < "$work/report.txt")"
