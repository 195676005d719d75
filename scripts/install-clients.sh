#!/usr/bin/env bash
# Client libraries of known versions for VER002's real-client tests
# (crates/rampart/tests/version_currency.rs): an old and a current redis-py
# from PyPI, an old node-redis (5.0.0, which sends no CLIENT SETINFO) and a
# current one from npm, each in its own
# directory under target/clients (or $RAMPART_CLIENTS_DIR). Pinned; a
# client that is already there is not installed again. Tests print SKIP
# for a client that is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${RAMPART_CLIENTS_DIR:-$PWD/target/clients}"
mkdir -p "$dir"

py() { # name version
  local d="$dir/redis-py-$1"
  [ -f "$d/.installed" ] && return 0
  command -v python3 >/dev/null || { echo "install-clients: no python3; redis-py $1 skipped"; return 0; }
  rm -rf "$d"
  python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$d" "redis==$1" \
    && touch "$d/.installed" || echo "install-clients: redis-py $1 not installed"
}
node() { # version
  local d="$dir/node-redis-$1"
  [ -f "$d/.installed" ] && return 0
  command -v npm >/dev/null || { echo "install-clients: no npm; node-redis $1 skipped"; return 0; }
  rm -rf "$d"; mkdir -p "$d"
  npm install --silent --no-audit --no-fund --prefix "$d" "redis@$1" >/dev/null \
    && touch "$d/.installed" || echo "install-clients: node-redis $1 not installed"
}
py 5.0.1
py 8.1.0
node 5.0.0
node 6.3.1
echo "install-clients: clients in $dir"
