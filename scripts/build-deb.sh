#!/usr/bin/env bash
# Builds target/debian/rampart_<version>_<arch>.deb with cargo-deb: the
# release binary, its bash/zsh/fish completions and manual pages (generated
# by that binary, so they match it), the README and the check catalogue.
# Installs cargo-deb (pinned) into target/tools when it is not on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-$PWD/target}"
if [ "$target" != "$PWD/target" ]; then
  # cargo-deb's asset paths are relative to the repository's target/.
  echo "build-deb.sh: CARGO_TARGET_DIR must be unset or ./target" >&2
  exit 2
fi
cargo_deb_version=3.8.0
deb_bin="$(command -v cargo-deb || true)"
if [ -z "$deb_bin" ]; then
  deb_bin="$target/tools/cargo-deb/bin/cargo-deb"
  if [ ! -x "$deb_bin" ]; then
    cargo install --quiet --locked --root "$target/tools/cargo-deb" "cargo-deb@$cargo_deb_version"
  fi
fi

cargo build --release --locked -p rampart
bin="$target/release/rampart"
rm -rf "$target/assets"
mkdir -p "$target/assets/completions" "$target/assets/man"
"$bin" completions bash > "$target/assets/completions/rampart.bash"
"$bin" completions zsh > "$target/assets/completions/_rampart"
"$bin" completions fish > "$target/assets/completions/rampart.fish"
"$bin" man "$target/assets/man" 2>/dev/null
"$deb_bin" deb --no-build -p rampart --output "$target/debian/"
ls "$target"/debian/*.deb
