#!/usr/bin/env bash
# The done-when ratios of issue 17, measured as it asks: `framelab bench
# --quick --format json` run RUNS times (3 by default) back to back on the
# release build; for each ratio, every run's figure with its spread (± half
# the interquartile range of its per-round ratios, from the JSON "ratios"),
# the median of the runs, how far apart the runs are, and whether the goal
# and the 10% back-to-back agreement hold. The load average is printed
# before each run: figures taken under load are not final.
#
#   scripts/bench-ratios.sh            # 3 runs, a few minutes on 2 cores
#   RUNS=5 scripts/bench-ratios.sh
#   KEEP=dir scripts/bench-ratios.sh   # also keep each run's JSON in dir
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
cargo build --release --quiet
out=${KEEP:-$(mktemp -d)}
mkdir -p "$out"
for i in $(seq 1 "$runs"); do
    echo "run $i/$runs at $(date -u +%H:%M:%S) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    target/release/framelab bench --quick --format json >"$out/run$i.json"
done
echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src benches || echo ' (+ uncommitted changes)')"
python3 - "$out"/run*.json <<'PY'
import json, statistics, sys

runs = [json.load(open(p)) for p in sorted(sys.argv[1:])]

# (mode, row, baseline, size in bytes, goal or None)
WANT = [
    ("loopback", "length-prefix", "raw", 65536, 0.8),
    ("loopback", "length-prefix", "raw", 1048576, 0.8),
    ("codec", "length-prefix slices", "tokio-util LengthDelimitedCodec", 16, 2.0),
    ("codec", "length-prefix slices", "tokio-util LengthDelimitedCodec", 64, 2.0),
    ("codec", "length-prefix slices", "raw", 65536, 0.6),
    ("codec", "delimiter slices", "tokio-util LinesCodec", 16, 1.5),
    ("codec", "delimiter slices", "tokio-util LinesCodec", 64, 1.5),
    # The Decoder rows, against the issue's table (must not get slower).
    ("loopback", "length-prefix", "raw", 1024, None),
    ("codec", "length-prefix", "tokio-util LengthDelimitedCodec", 16, None),
    ("codec", "length-prefix", "tokio-util LengthDelimitedCodec", 64, None),
    ("codec", "length-prefix", "raw", 65536, None),
    ("codec", "delimiter", "tokio-util LinesCodec", 16, None),
    ("codec", "delimiter", "tokio-util LinesCodec", 64, None),
    # What holding whole 1 MiB messages costs with no framing, and the
    # framing's own cost beside it (the row added after the issue).
    ("loopback", "raw held", "raw", 1048576, None),
    ("loopback", "length-prefix", "raw held", 1048576, None),
    # Two-thread wall-clock throughput, for information.
    ("loopback-2threads", "length-prefix", "raw", 65536, None),
    ("loopback-2threads", "length-prefix", "raw", 1048576, None),
]

def size(n):
    return f"{n // 1048576} MiB" if n >= 1048576 else f"{n // 1024} KiB" if n >= 1024 else f"{n} B"

def find(run, mode, name, base, sz):
    for r in run.get("ratios", []):
        if (r["mode"], r["name"], r["baseline"], r["size"]) == (mode, name, base, sz):
            return r
    return None

print(f"{'ratio':<62} {'goal':>5}  " + "  ".join(f"{'run ' + str(i + 1):>14}" for i in range(len(runs)))
      + f"  {'median':>6} {'runs apart':>10} {'b2b':>5}  verdict")
failed = 0
for mode, name, base, sz, goal in WANT:
    got = [find(r, mode, name, base, sz) for r in runs]
    label = f"{mode} {name} / {base.replace('tokio-util ', '')} @ {size(sz)}"
    if any(g is None for g in got):
        print(f"{label:<62} missing in a run")
        failed += 1
        continue
    vals = [g["ratio"] for g in got]
    med = statistics.median(vals)
    apart = (max(vals) - min(vals)) / med if med else 0.0
    b2b = max((abs(a / b - 1) for a, b in zip(vals, vals[1:])), default=0.0)
    cells = "  ".join(f"{g['ratio']:>6.2f} ±{100 * (g['high'] - g['low']) / 2 / g['ratio']:>3.0f}%{'' if g['stable'] else '?'}".rjust(14) for g in got)
    verdict = []
    if goal is not None:
        verdict.append("met" if med >= goal else "NOT MET")
        if med < goal:
            failed += 1
    verdict.append("runs agree" if b2b < 0.10 else "runs DISAGREE > 10%")
    if goal is not None and b2b >= 0.10:
        failed += 1
    goal_text = f"{goal:.1f}" if goal is not None else "-"
    print(f"{label:<62} {goal_text:>5}  {cells}  {med:>6.2f} {100 * apart:>9.0f}% {100 * b2b:>4.0f}%  {', '.join(verdict)}")
print()
print("±: half the interquartile range of that run's per-round ratios; ?: that run's median had not settled;")
print("runs apart: (max - min) / median over the runs; b2b: largest change between two back-to-back runs.")
sys.exit(1 if failed else 0)
PY
