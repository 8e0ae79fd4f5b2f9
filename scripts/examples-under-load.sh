#!/bin/sh
# Every example scenario N times (default 10), then the split and
# header-cut scenarios against the Python examples M times (default 100),
# all while two busy loops load both cores. Prints "k/N ok" per file with
# the verdicts seen. The busy loops are killed by a trap on exit.
#
#   scripts/examples-under-load.sh [N] [M]
set -eu
cd "$(dirname "$0")/.."
n=${1:-10}
m=${2:-100}
cargo build -q
bin=target/debug/framelab

pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
sh -c 'while :; do :; done' & pids="$pids $!"
sh -c 'while :; do :; done' & pids="$pids $!"
echo "load: busy loops$pids on $(nproc) cores"

# runs FILE COUNT: prints "k/COUNT ok  FILE  (verdict xC, ...)"
runs() {
    ok=0
    verdicts=""
    i=0
    while [ "$i" -lt "$2" ]; do
        i=$((i + 1))
        v=$("$bin" run "$1" --format json 2>/dev/null |
            python3 -c 'import json,sys; s=json.load(sys.stdin)["scenarios"][0]; print(s["verdict"], s["ok"])' ||
            echo "error False")
        verdicts="$verdicts ${v% *}"
        [ "${v#* }" = "True" ] && ok=$((ok + 1))
    done
    summary=$(printf '%s\n' $verdicts | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')
    echo "$ok/$2 ok  $1  ($summary)"
}

echo "== every example scenario, $n runs each"
for f in examples/scenarios/*.toml; do
    runs "$f" "$n"
done
echo "== split and header-cut with sync = true and no pause, $m runs each"
for f in examples/scenarios/server-naive-split.toml examples/scenarios/server-line-naive-split.toml \
    examples/scenarios/server-lp-naive-chunked-desync.toml; do
    runs "$f" "$m"
done
