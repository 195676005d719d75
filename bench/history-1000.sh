#!/bin/sh
# The record's figures (issue 13): recording a 1,000-target run in SQLite
# (goal: under 1 s) and diffing two 1,000-target runs (goal: under 200 ms),
# on synthetic runs of ~50 findings and 150 settings per target.
# Usage: bench/history-1000.sh [TARGETS] [FINDINGS] [KEEP-FILE]  (BENCH_REPEAT=N: reads repeated, median)
set -eu
cd "$(dirname "$0")/.."
cargo build --release -q -p rampart-history --example bench
exec "${CARGO_TARGET_DIR:-target}/release/examples/bench" "${1:-1000}" "${2:-50}" ${3:+"$3"}
