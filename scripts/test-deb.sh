#!/usr/bin/env bash
# Checks the .deb build-deb.sh made: dpkg installs it into a clean
# directory (dpkg --root would need a whole dpkg database; extracting with
# dpkg -x and reading its control data with dpkg-deb is what dpkg itself
# unpacks), the binary it carries runs `rampart audit` on Debian's packaged
# redis.conf, and the completions and manual pages are where the shells and
# man look for them.
set -euo pipefail
cd "$(dirname "$0")/.."

deb="$(ls -t target/debian/rampart_*.deb | head -n 1)"
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
dpkg-deb --info "$deb" | grep -E "Package: rampart|Depends:"
dpkg -x "$deb" "$root"
for f in usr/bin/rampart \
         usr/share/bash-completion/completions/rampart \
         usr/share/zsh/vendor-completions/_rampart \
         usr/share/fish/vendor_completions.d/rampart.fish \
         usr/share/man/man1/rampart.1.gz \
         usr/share/man/man1/rampart-audit.1.gz \
         usr/share/doc/rampart/copyright; do
  [ -s "$root/$f" ] || { echo "test-deb.sh: $f missing from $deb" >&2; exit 1; }
done
"$root/usr/bin/rampart" --version
# Debian's packaged config has findings: exit 1 is the expected verdict.
set +e
"$root/usr/bin/rampart" audit -c /etc/redis/redis.conf --no-proc --format json > "$root/report.json"
rc=$?
set -e
[ "$rc" -eq 1 ] || { echo "test-deb.sh: audit exited $rc, expected 1 (findings)" >&2; exit 1; }
grep -q '"NET001"' "$root/report.json"
bash -n "$root/usr/share/bash-completion/completions/rampart"
man -l "$root/usr/share/man/man1/rampart-audit.1.gz" 2>/dev/null | grep -q "rampart-audit" || \
  zcat -f "$root/usr/share/man/man1/rampart-audit.1.gz" | grep -q "rampart\\\\-audit"
echo "test-deb.sh: $deb installs and runs"
