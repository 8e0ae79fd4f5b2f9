#!/bin/sh
# "write A; wait_drained; write B" against a Python server, N times (default
# 100), while two busy loops load both cores: prints "k/N separate reads",
# beside a control run that does not wait. The check itself is the test
# a_write_after_wait_drained_reaches_a_separate_python_read in
# tests/it/kernel_queue.rs (it fails unless all N runs saw two reads of 5).
#
#   scripts/sync-under-load.sh [N]
#   scripts/sync-under-load.sh --cost   # median cost of one peer_unread call
#                                       # (criterion, no load; ~3 min cold)
set -eu
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--cost" ]; then
    cargo bench --bench kernel_queue >/dev/null 2>&1
    for f in target/criterion/kernel_queue/*/*/new/estimates.json target/criterion/kernel_queue/own_unsent/new/estimates.json; do
        [ -f "$f" ] || continue
        name=${f#target/criterion/kernel_queue/}
        name=${name%/new/estimates.json}
        python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["median"]["point_estimate"]; print("%-28s median %10.2f us" % (sys.argv[2], m/1000))' "$f" "$name"
    done
    exit 0
fi

runs=${1:-100}
cargo test --test it --no-run >/dev/null 2>&1

pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
sh -c 'while :; do :; done' & pids="$pids $!"
sh -c 'while :; do :; done' & pids="$pids $!"
echo "load: busy loops $pids on $(nproc) cores"

FRAMELAB_SYNC_RUNS=$runs FRAMELAB_SYNC_CONTROL=1 \
    cargo test -q --test it kernel_queue::a_write_after_wait_drained_reaches_a_separate_python_read -- --nocapture 2>&1 |
    grep -E 'separate reads|run [0-9]+:|panicked|test result'
