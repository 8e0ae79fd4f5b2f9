#!/usr/bin/env bash
# Whether codec-mode rows hold still from whole run to whole run: `framelab
# bench --quick --mode codec` RUNS times (default 3), the same binary, one
# after another; per row and size, the largest bytes/s over the smallest.
# Prints the rows by that spread, worst first, and the worst spread last.
#
#   scripts/bench-hold.sh                        # the release build, 3 runs
#   RUNS=5 BIN=/path/to/framelab scripts/bench-hold.sh
#   EXTRA="--sizes 64KiB,1MiB" scripts/bench-hold.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-target/release/framelab}
[ -n "${BIN:-}" ] || cargo build --release --quiet
runs=${RUNS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in $(seq 1 "$runs"); do
    # shellcheck disable=SC2086
    "$bin" bench --quick --mode codec --format json ${EXTRA:-} > "$tmp/run$i.json" 2>/dev/null
done
python3 - "$tmp" "$runs" <<'PY'
import json, sys, os
d, runs = sys.argv[1], int(sys.argv[2])
rows = {}
for i in range(1, runs + 1):
    for r in json.load(open(os.path.join(d, f"run{i}.json")))["results"]:
        rows.setdefault((r["name"], r["size"]), []).append(r["bytes_per_sec"])
spread = sorted(((max(v) / min(v), k, v) for k, v in rows.items()), reverse=True)
for s, (name, size), v in spread:
    print(f"{s:6.2f}  {name:<34} {size:>8} B  " + "  ".join(f"{x / 1e9:7.2f}" for x in v) + "  GB/s")
print(f"worst max/min over {runs} runs: {spread[0][0]:.2f} ({spread[0][1][0]} at {spread[0][1][1]} B)")
PY
