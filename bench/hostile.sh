#!/bin/sh
# Figures for the hostile sizes of issue 11 (item 12): 100k ACL users, 40k
# key patterns on one user, an include glob of 32 links to one 16 MiB file,
# for the libraries (hostile_bench) and for `rampart audit` end to end.
# Prints times and peak memory; asserts nothing.
set -eu
cd "$(dirname "$0")/.."
cargo build --release -q -p rampart
cargo run --release -q -p redis-acl --example hostile_bench -- "${1:-100000}" "${2:-40000}" "${3:-32}"
bin="${CARGO_TARGET_DIR:-target}/release/rampart"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
python3 - "$d" "${1:-100000}" "${2:-40000}" <<'PY'
import sys
d, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(f"{d}/users.acl", "w") as f:
    f.write("user default on nopass ~* +@all\n")
    for i in range(n):
        f.write(f"user u{i} on >pw{i} ~app:{i}:* &ch:{i} +@read -@dangerous\n")
open(f"{d}/users.conf", "w").write(f"port 7000\naclfile {d}/users.acl\n")
with open(f"{d}/keys.acl", "w") as f:
    f.write("user default off\nuser big on >pw " + " ".join(f"~k{i}:*" for i in range(k)) + " +@read\n")
open(f"{d}/keys.conf", "w").write(f"port 7000\naclfile {d}/keys.acl\n")
PY
head -c $((16 * 1024 * 1024 - 64)) /dev/zero | tr '\0' '#' > "$d/big.conf"
mkdir "$d/links"
i=0
while [ $i -lt "${3:-32}" ]; do ln -s "$d/big.conf" "$d/links/$i.conf"; i=$((i + 1)); done
printf 'include %s/links/*.conf\nbind 127.0.0.1\n' "$d" > "$d/glob.conf"
for c in users keys glob; do
    /usr/bin/time -f "rampart audit ($c): %e s, peak %M KB" \
        "$bin" audit -c "$d/$c.conf" --no-proc --format json --fail-on never > /dev/null
done
