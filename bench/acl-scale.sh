#!/bin/sh
# Issue 11: "100k ACL users and 40k key patterns each load and review in
# under 1 s". Generates the two inputs, starts a real redis-server on each
# (the baseline: the server's own load of the same aclfile, and
# `redis-cli ACL LIST`), then times `rampart audit`, `rampart acl review`
# and `rampart acl can`, from the file and from the live server's ACL LIST.
# Prints wall time, peak RSS and the ratio to the server's load time.
# Asserts nothing (no timed assertions anywhere).
#
#   bench/acl-scale.sh [USERS] [PATTERNS]      (default 100000 40000)
# REDIS_SERVER / REDIS_CLI pick the server (default: redis-server on PATH);
# RAMPART_BIN another rampart binary (an older build, for a before/after).
# BASELINE_BIN a baseline rampart binary (a build of main): each rampart
# line is then run with it too, printed below as "(baseline)", with the
# ratio baseline/this of user and wall time and whether the two outputs
# are byte-identical (cmp).
set -eu
cd "$(dirname "$0")/.."
users=${1:-100000}
patterns=${2:-40000}
server=${REDIS_SERVER:-redis-server}
cli=${REDIS_CLI:-redis-cli}
if [ -z "${RAMPART_BIN:-}" ]; then cargo build --release -q -p rampart; fi
bin="${RAMPART_BIN:-${CARGO_TARGET_DIR:-target}/release/rampart}"
d=$(mktemp -d)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    rm -rf "$d"
}
trap cleanup EXIT
python3 - "$d" "$users" "$patterns" <<'PY'
import sys
d, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(f"{d}/users.acl", "w") as f:
    f.write("user default on nopass ~* &* +@all\n")
    for i in range(n):
        f.write(f"user u{i} on >pw{i} ~app:{i}:* &ch:{i} +@read -@dangerous\n")
with open(f"{d}/keys.acl", "w") as f:
    f.write("user default on nopass ~* &* +@all\n")
    f.write("user big on >pw " + " ".join(f"~k{i}:*" for i in range(k)) + " +@read\n")
PY
for c in users keys; do
    printf 'port 7000\naclfile %s/%s.acl\n' "$d" "$c" > "$d/$c.conf"
done

# Seconds (wall, user, system) and peak RSS (KB) of a command. On a
# loaded machine, wall time can be several times user + system time.
# The command's output goes to $out (default /dev/null).
measure() {
    /usr/bin/time -f "%e %U %S %M" -o "$d/time" "$@" > "${out:-/dev/null}" 2> "$d/err" || true
    read -r secs usr sys kb < "$d/time" || { secs=?; usr=?; sys=?; kb=?; }
}
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# The time from starting redis-server on the aclfile to its first PONG.
start_server() {
    port=$(free_port)
    t0=$(date +%s.%N)
    "$server" --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$d" --aclfile "$d/$1.acl" --daemonize no > "$d/server.log" 2>&1 &
    pid=$!
    until "$cli" -p "$port" ping 2>/dev/null | grep -q PONG; do
        kill -0 "$pid" 2>/dev/null || { cat "$d/server.log"; exit 1; }
        sleep 0.01
    done
    t1=$(date +%s.%N)
    base=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
}
row() {
    ratio=$(python3 -c "b=$base; s='$secs'; print(f'{float(s)/b:.1f}x' if s != '?' and b > 0 else '?')")
    printf '%-40s %6s s wall (%5s user %5s sys)  %8s KB  %7s of server load\n' "$1" "$secs" "$usr" "$sys" "$kb" "$ratio"
}

# A rampart line: `$bin ARGS`, and with BASELINE_BIN the same with it,
# the ratios (baseline / this: above 1 is faster) and an output cmp.
rrow() {
    label=$1
    shift
    out="$d/new.out" measure "$bin" "$@"
    row "$label"
    [ -n "${BASELINE_BIN:-}" ] || return 0
    nsecs=$secs nusr=$usr
    out="$d/base.out" measure "$BASELINE_BIN" "$@"
    row "  (baseline)"
    same=$(cmp -s "$d/base.out" "$d/new.out" && echo "output identical" || echo "OUTPUT DIFFERS")
    python3 -c "
def r(b, n):
    try:
        if float(b) < 0.01 and float(n) < 0.01:
            return 'n/a (both < 0.01 s)'
        return f'{float(b) / max(float(n), 0.005):.2f}x'
    except ValueError:
        return '?'
print(f'  {\"ratio baseline/this\":38} {r(\"$secs\", \"$nsecs\")} wall, {r(\"$usr\", \"$nusr\")} user; $same')
"
}

for c in users keys; do
    start_server "$c"
    echo "== $c.acl ($(wc -l < "$d/$c.acl") lines, $(wc -c < "$d/$c.acl") bytes): $server loads it in $base s"
    if [ "$c" = users ]; then who=u$((users - 1)); key=app:$((users - 1)):x; else who=big; key=k$((patterns - 1)):x; fi
    # The server's first ACL LIST after loading can be much slower than the next.
    measure "$cli" -p "$port" ACL LIST; row "redis-cli ACL LIST (first)"
    measure "$cli" -p "$port" ACL LIST; row "redis-cli ACL LIST (again)"
    rrow "rampart audit -c (files)" audit -c "$d/$c.conf" --no-proc --format json --fail-on never
    rrow "rampart audit -c (files, text)" audit -c "$d/$c.conf" --no-proc --fail-on never
    rrow "rampart acl review --aclfile" acl review --aclfile "$d/$c.acl"
    rrow "rampart acl review --aclfile -f json" acl review --aclfile "$d/$c.acl" -f json
    rrow "rampart acl can --aclfile" acl can --aclfile "$d/$c.acl" "$who" GET "$key"
    rrow "rampart acl review --target (ACL LIST)" acl review --target "redis://127.0.0.1:$port"
    rrow "rampart acl can --target (ACL LIST)" acl can --target "redis://127.0.0.1:$port" "$who" GET "$key"
    rrow "rampart audit --target (live)" audit "redis://127.0.0.1:$port" --no-proc --format json --fail-on never
    # Live and its files together (as for a local server whose config
    # rampart reads): ACL002 looks each live user's hash up in the files.
    rrow "rampart audit --target -c (live+files)" audit "redis://127.0.0.1:$port" -c "$d/$c.conf" --no-proc --format json --fail-on never
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
done
