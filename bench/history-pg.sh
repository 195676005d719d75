#!/bin/sh
# Issue 13: "recording a 1,000-target run under 1 s in PostgreSQL".
# Starts a real PostgreSQL (initdb in a temp dir on a loopback port, as
# the tests do; as root it runs as the `postgres` user), records one
# synthetic run of TARGETS targets x FINDINGS findings (40 settings per
# target) in it and in an SQLite file, reads each back, and prints the
# times and the PostgreSQL/SQLite ratio. Asserts nothing.
#
#   bench/history-pg.sh [TARGETS] [FINDINGS] [--url postgres://...]   (default 1000 50)
set -eu
cd "$(dirname "$0")/.."
exec cargo run --release -q -p rampart-history --example record_bench -- "$@"
