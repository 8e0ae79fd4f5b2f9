#!/usr/bin/env bash
# How much one codec-mode row moves from process to process on this
# machine, with the same binary: `framelab bench --quick --mode codec
# --sizes 16` five times with address-space randomisation off (`setarch
# -R`) and five times with it on, alternately. Prints, per run, length-prefix
# slices and tokio-util LengthDelimitedCodec in millions of frames/s and
# their ratio. If the figures move as much with randomisation off, the
# layout of the process is not what moves them: the machine is.
#
#   scripts/bench-noise.sh                      # the release build
#   BIN=/path/to/framelab scripts/bench-noise.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-target/release/framelab}
[ -n "${BIN:-}" ] || cargo build --release --quiet
for i in 1 2 3 4 5; do
    for mode in norand rand; do
        pre=()
        [ "$mode" = norand ] && pre=(setarch -R)
        "${pre[@]}" "$bin" bench --quick --mode codec --sizes 16 --format json 2>/dev/null | python3 -c "
import json, sys
d = json.load(sys.stdin)
r = {x['name']: x['frames_per_sec'] for x in d['results']}
q = [x['ratio'] for x in d['ratios'] if x['name'] == 'length-prefix slices' and x['baseline'].endswith('LengthDelimitedCodec')]
print('$mode', round(r['length-prefix slices'] / 1e6, 1), round(r['tokio-util LengthDelimitedCodec'] / 1e6, 1), round(q[0], 2))"
    done
done
