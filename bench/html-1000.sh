#!/bin/sh
# Issue 13, item 5: "the HTML of a 1,000-target run stays under 5 MB and
# opens in Chromium in under 2 s". Generates N config files (default 1000:
# a fleet of variations, each with a few of the common mistakes of
# examples/insecure, with `worst` every one a copy of examples/insecure),
# runs `rampart audit --format html` over them, and prints the page's size,
# the render time, and Chromium's load time: the wall time of headless
# `--dump-dom` and of `--screenshot` on the report, minus the same on an
# empty page (Chromium's own start-up), median of 3. Asserts nothing.
# `live` starts N local redis-servers instead (free loopback ports, never
# 6379, stopped by pid at the end) and audits them over the network: a live
# target carries more evidence than a file (what bench/live-audit.sh's
# HTML figure measures, without its other runs).
#
#   bench/html-1000.sh [N] [mix|worst|live]   (default 1000 mix)
# RAMPART_BIN another rampart binary (else a release build);
# CHROMIUM another browser binary (default /usr/bin/chromium).
set -eu
cd "$(dirname "$0")/.."
n=${1:-1000}
kind=${2:-mix}
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ -z "${RAMPART_BIN:-}" ]; then cargo build --release -q -p rampart; fi
bin="${RAMPART_BIN:-${CARGO_TARGET_DIR:-target}/release/rampart}"
d=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    [ -n "${KEEP:-}" ] && cp "$d/report.html" "$KEEP"
    rm -rf "$d"
}
trap cleanup EXIT
if [ "$kind" = live ]; then
    # Ports picked by the kernel, never 6379; one server per port.
    ports=$(python3 -c '
import socket, sys
socks, ports = [], []
while len(ports) < int(sys.argv[1]):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]
    if p != 6379: ports.append(p)
    socks.append(s)
print(" ".join(map(str, ports)))' "$n")
    targets=""
    for p in $ports; do
        mkdir -p "$d/srv/$p"
        redis-server --port "$p" --bind 127.0.0.1 --save '' --dir "$d/srv/$p" \
            --daemonize no --logfile "$d/srv/$p/log" &
        pids="$pids $!"
        targets="$targets 127.0.0.1:$p"
    done
    for p in $ports; do
        for _ in $(seq 100); do redis-cli -p "$p" PING >/dev/null 2>&1 && break; sleep 0.05; done
    done
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    "$bin" audit --no-discover --format html --history "$d/history.sqlite" \
        --output "$d/report.html" $targets || [ $? -eq 1 ]
    end=$(date +%s.%N)
else
python3 - "$d" "$n" "$kind" examples/insecure/redis.conf <<'PY'
import os, random, sys
d, n, kind, insecure = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
os.makedirs(f"{d}/fleet")
worst = open(insecure).read()
rnd = random.Random(13)
for i in range(n):
    if kind == "worst":
        body = worst
    else:
        lines = [f"port {rnd.choice([6379, 16379, 6380])}",
                 f"bind {rnd.choice(['127.0.0.1 -::1', '10.0.%d.%d' % (i // 250, i % 250), '0.0.0.0'])}",
                 f"protected-mode {rnd.choice(['yes', 'yes', 'no'])}",
                 "logfile " + rnd.choice(["/var/log/redis/redis.log", '""']),
                 f"appendonly {rnd.choice(['yes', 'no'])}"]
        if rnd.random() < 0.3:
            lines += ["user default on nopass ~* &* +@all"]
        else:
            lines += ["user default off",
                      f"user app{i} on #{'%064x' % rnd.getrandbits(256)} ~app:* +@read +@write -@dangerous"]
        if rnd.random() < 0.2:
            lines += ["enable-debug-command yes"]
        if rnd.random() < 0.5:
            lines += ["replicaof 10.0.0.5 6379", "masterauth " + "%032x" % rnd.getrandbits(128)]
        body = "\n".join(lines) + "\n"
    with open(f"{d}/fleet/redis-{i:04d}.conf", "w") as f:
        f.write(body)
PY
start=$(date +%s.%N)
# A history of its own: this machine's may belong to another rampart.
"$bin" audit --no-proc --no-host-checks --server-version redis-7.2 --format html \
    --history "$d/history.sqlite" --output "$d/report.html" "$d"/fleet/*.conf || [ $? -eq 1 ]
end=$(date +%s.%N)
fi
printf '<!DOCTYPE html><title>empty</title>\n' > "$d/empty.html"

# Median wall time of 3 headless runs of `$1` (a chromium mode) on file $2.
load() {
    for k in 1 2 3; do
        rm -rf "$d/profile"
        s=$(date +%s.%N)
        timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
            --disable-background-networking --disable-component-update --disable-sync \
            --disable-quic --user-data-dir="$d/profile" --window-size=1280,2000 \
            "$1" "file://$2" >/dev/null 2>&1
        e=$(date +%s.%N)
        echo "$e - $s" | bc
    done | sort -n | sed -n 2p
}
size=$(stat -c %s "$d/report.html")
dom_page=$(load --dump-dom "$d/report.html")
dom_empty=$(load --dump-dom "$d/empty.html")
shot_page=$(load "--screenshot=$d/shot.png" "$d/report.html")
shot_empty=$(load "--screenshot=$d/shot.png" "$d/empty.html")
dom=$(echo "$dom_page - $dom_empty" | bc)
shot=$(echo "$shot_page - $shot_empty" | bc)
echo "targets:            $n ($kind)"
echo "findings per target: $("$bin" checks --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null || echo '?')"
printf 'html size:          %d bytes (%.2f MB; target 5 MB: ratio %.2f)\n' "$size" "$(echo "$size / 1000000" | bc -l)" "$(echo "$size / 5000000" | bc -l)"
printf 'rampart audit+render: %.2f s\n' "$(echo "$end - $start" | bc)"
printf 'chromium --dump-dom:   %.2f s (page %.2f s - empty page %.2f s; target 2 s: ratio %.2f)\n' "$dom" "$dom_page" "$dom_empty" "$(echo "$dom / 2" | bc -l)"
printf 'chromium --screenshot: %.2f s (page %.2f s - empty page %.2f s; target 2 s: ratio %.2f)\n' "$shot" "$shot_page" "$shot_empty" "$(echo "$shot / 2" | bc -l)"
