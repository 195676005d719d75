#!/usr/bin/env bash
# What choosing and loading a version's dialect costs per run (target:
# under 5 ms), against a warm parse of the same file in the same process.
# Usage: bench/dialect-load.sh [CONFIG] (default examples/insecure/redis.conf)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p redis-conf --example dialect_bench
for _ in 1 2 3 4 5; do
  target/release/examples/dialect_bench "${1:-examples/insecure/redis.conf}"
done
