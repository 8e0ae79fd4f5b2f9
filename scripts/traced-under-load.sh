#!/bin/sh
# The traced tests (tests/it/traced.rs: the tutorials' servers in Python
# and static C, single, threaded and forking, each under coalesce, drip,
# random, 3000 B messages and the proxy, 10 seeds each; short reads forced
# inside targets) while two busy loops load both cores. Each test fails on
# the first run that does not give the verdict its server's reads deserve,
# so "ok" means 10/10 for every case. The busy loops are killed on exit.
#
#   scripts/traced-under-load.sh
set -eu
cd "$(dirname "$0")/.."
cargo test -q --test it --no-run
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
sh -c 'while :; do :; done' & pids="$pids $!"
sh -c 'while :; do :; done' & pids="$pids $!"
echo "load: busy loops$pids on $(nproc) cores"
cargo test --test it traced:: -- --test-threads 1
