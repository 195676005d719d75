#!/usr/bin/env bash
# Benchmark (not a test), issue 11's performance item: a fleet of TOTAL
# targets where SILENT never answer must finish within one deadline plus a
# small constant (not deadline x SILENT / concurrency).
#   bench/fleet-silent.sh [TOTAL] [SILENT] [TIMEOUT] [CONCURRENCY...]
#   (defaults 1500 200 2; CONCURRENCY: the values to compare, default
#   "16 default": the old default and the current one)
# A few real redis-servers (bound to 0.0.0.0 with a password and protected
# mode, on free ports, never 6379) are reached through many distinct
# loopback addresses (127.0.x.y:port, each its own target); SILENT targets
# are sockets on 127.1.0.x that accept and never answer (a small python3
# listener). Everything is stopped by pid at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
TOTAL="${1:-1500}"
SILENT="${2:-200}"
TIMEOUT="${3:-2}"
shift $(( $# < 3 ? $# : 3 ))
RUNS=("$@"); [ "${#RUNS[@]}" -gt 0 ] || RUNS=(16 default)
SERVERS=4
PASS=fleet-bench-password
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cargo build --release -q -p rampart
BIN=${CARGO_TARGET_DIR:-target}/release/rampart
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
ports=()
while [ "${#ports[@]}" -lt "$SERVERS" ]; do
  p=$(free_port)
  [ "$p" = 6379 ] && continue
  mkdir -p "$work/$p"
  redis-server --port "$p" --bind 0.0.0.0 --protected-mode yes --requirepass "$PASS" \
    --save '' --dir "$work/$p" --daemonize no --logfile "$work/$p/log" --maxclients 4000 &
  pids+=("$!")
  ports+=("$p")
done
for p in "${ports[@]}"; do
  for _ in $(seq 100); do REDISCLI_AUTH=$PASS redis-cli -p "$p" PING >/dev/null 2>&1 && break; sleep 0.05; done
done
sport=$(free_port)
cat > "$work/silent.py" <<'PY'
# Accept on N loopback addresses and never answer.
import resource, selectors, socket, sys
n, port = int(sys.argv[1]), int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
sel = selectors.DefaultSelector()
for i in range(n):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.1.%d.%d" % (i // 250, i % 250 + 1), port))
    s.listen(64)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
print("ready", flush=True)
held = []
while True:
    for key, _ in sel.select():
        try:
            c, _ = key.fileobj.accept()
            held.append(c)  # never read, never answer, never close
        except OSError:
            pass
PY
python3 "$work/silent.py" "$SILENT" "$sport" > "$work/silent.out" &
pids+=("$!")
for _ in $(seq 100); do grep -q ready "$work/silent.out" 2>/dev/null && break; sleep 0.05; done

targets=()
real=$((TOTAL - SILENT))
for i in $(seq 0 $((real - 1))); do
  targets+=("127.0.$((i / 250)).$((i % 250 + 1)):${ports[$((i % SERVERS))]}")
done
for i in $(seq 0 $((SILENT - 1))); do
  targets+=("127.1.$((i / 250)).$((i % 250 + 1)):$sport")
done
printf '%s\n' "${targets[@]}" > "$work/targets"

now() { date +%s.%N; }
calc() { python3 -c "print($1)"; }
printf 'fleet: %d targets (%d on %d real servers, %d silent), --timeout %s, %d cores\n' \
  "$TOTAL" "$real" "$SERVERS" "$SILENT" "$TIMEOUT" "$(nproc)"
for c in "${RUNS[@]}"; do
  extra=(); label="default"
  if [ "$c" != default ]; then extra=(--concurrency "$c"); label="$c"; fi
  t0=$(now)
  REDISCLI_AUTH=$PASS "$BIN" audit --targets-file "$work/targets" --no-discover --no-tls-scan \
    --format json --timeout "$TIMEOUT" "${extra[@]}" > "$work/report.json" 2>"$work/err" || true
  t1=$(now)
  wall=$(calc "$t1 - $t0")
  audited=$(python3 -c "
import json
r = json.load(open('$work/report.json'))
print(len(r['targets']))")
  printf 'concurrency %-8s wall %6.2f s  targets reported %d  wall / deadline %.2f\n' \
    "$label" "$wall" "$audited" "$(calc "$wall / $TIMEOUT")"
done
