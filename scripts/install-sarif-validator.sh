#!/usr/bin/env bash
# Installs Microsoft's SARIF validator (npm @microsoft/sarif-multitool,
# pinned) into <target dir>/tools/sarif, for the test that checks rampart's
# SARIF against GitHub code scanning's own rules (`validate --rule-kind
# Sarif;Gh`). Idempotent. The test fails under CI when it is missing and
# says SKIP elsewhere.
set -uo pipefail
cd "$(dirname "$0")/.."

version=5.7.0
dest="${CARGO_TARGET_DIR:-$PWD/target}/tools/sarif"
bin="$dest/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if [ -x "$bin" ] && "$bin" --version 2>&1 | grep -q "$version"; then
  echo "install-sarif-validator.sh: $("$bin" --version 2>&1 | head -n 1)"
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "install-sarif-validator.sh: warning: npm not found; the SARIF validator test will skip" >&2
  exit 0
fi
mkdir -p "$dest"
if ! npm install --silent --no-audit --no-fund --prefix "$dest" "@microsoft/sarif-multitool@$version" >&2; then
  echo "install-sarif-validator.sh: warning: npm could not install the SARIF validator" >&2
  exit 0
fi
# npm does not run the package's own postinstall (chmod u+x) for us.
chmod u+x "$bin" 2>/dev/null || true
echo "install-sarif-validator.sh: $("$bin" --version 2>&1 | head -n 1)"
