#!/usr/bin/env bash
# Speed of each decode_<strategy> fuzz target against its bare_<strategy>
# yardstick (the same codec, input layout and chunking, the same feed driver with
# only the two bounds asserted),
# in the same ASan build: RUNS runs of SECONDS each, interleaved, every run
# from a fresh copy of the committed seeds (fuzz/seeds/decode_<strategy>),
# then the median exec/s of each and their ratio.
#
#   bash scripts/fuzz-speed.sh                       # naive delimiter length_prefix json_header
#   STRATEGIES="resp http" SECONDS_EACH=10 RUNS=3 bash scripts/fuzz-speed.sh
#
# With OLD_BIN_DIR, it compares targets instead with the same targets built
# earlier (binaries copied to OLD_BIN_DIR), e.g. before an oracle change:
#
#   OLD_BIN_DIR=/tmp/old TARGETS="chunking_length_prefix roundtrip_delimiter" bash scripts/fuzz-speed.sh
#
# With OLD_ASAN_OPTIONS, it compares each of TARGETS with the same binary
# run under those ASAN_OPTIONS ("old"), e.g. the ASan defaults before
# fuzz/asan_options.rs:
#
#   OLD_ASAN_OPTIONS=detect_stack_use_after_return=1 TARGETS="chunking_naive" bash scripts/fuzz-speed.sh
#
#   SECONDS_EACH     seconds per run (30)
#   RUNS             runs per target (3)
#   STRATEGIES       subjects to measure
#   FUZZ_TARGET_DIR  the ASan build (.ci/fuzz's default)
#
# The machine's load (uptime) is printed before each run: exec/s on a
# shared machine is noisy, so compare a target with its yardstick, measured
# interleaved, rather than with figures from another day.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${SECONDS_EACH:-30}"
runs="${RUNS:-3}"
read -r -a strategies <<<"${STRATEGIES:-naive delimiter length_prefix json_header}"

# target_dir and the toolchain, as .ci/fuzz: nightly where installed, else
# (or when RUSTC_BOOTSTRAP=1 is set) stable with RUSTC_BOOTSTRAP=1.
# shellcheck source=.ci/fuzz-toolchain
source .ci/fuzz-toolchain
compare=
[ -n "${OLD_BIN_DIR:-}${OLD_ASAN_OPTIONS:-}" ] && compare=1
if [ -n "$compare" ]; then
  read -r -a strategies <<<"${TARGETS:?TARGETS lists the targets to compare}"
fi
for s in "${strategies[@]}"; do
  if [ -n "$compare" ]; then
    "${fuzz[@]}" build --target-dir "$target_dir" "$s" >/dev/null 2>&1 || "${fuzz[@]}" build --target-dir "$target_dir" "$s"
    continue
  fi
  "${fuzz[@]}" build --target-dir "$target_dir" "decode_$s" >/dev/null 2>&1 || "${fuzz[@]}" build --target-dir "$target_dir" "decode_$s"
  "${fuzz[@]}" build --target-dir "$target_dir" "bare_$s" >/dev/null 2>&1 || "${fuzz[@]}" build --target-dir "$target_dir" "bare_$s"
done
triple="$(rustc -vV | sed -n 's/^host: //p')"
bin_dir="$target_dir/$triple/release"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# One run of binary $1 from the seeds of target $2 (ASAN_OPTIONS $3):
# prints exec/s, and on stderr the share of one core the run got (user +
# sys over wall time): on a loaded machine exec/s falls with it.
run() {
  local bin="$1" seeds="$2" corpus="$work/corpus"
  rm -rf "$corpus" && mkdir -p "$corpus"
  cp "fuzz/seeds/$seeds"/* "$corpus"/
  ASAN_OPTIONS="${3:-${ASAN_OPTIONS:-}}" /usr/bin/time -f 'cpu %U %S %e' -o "$work/time" \
    "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 \
    -print_final_stats=1 "$corpus" 2>"$work/log" >/dev/null || { tail -n 30 "$work/log" >&2; exit 1; }
  awk '/^cpu/ { printf "   (%s: %.0f%% of a core)\n", b, 100 * ($2 + $3) / $4 }' b="$(basename "$bin")" "$work/time" >&2
  sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -n1
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

rows=()
if [ -n "$compare" ]; then first=new second=old label=target; else first=decode second=bare label=strategy; fi
for s in "${strategies[@]}"; do
  d=() b=()
  for i in $(seq "$runs"); do
    echo "[$s run $i] $(uptime | sed 's/.*load/load/')" >&2
    if [ -n "$compare" ]; then
      d+=("$(run "$bin_dir/$s" "$s")")
      if [ -n "${OLD_BIN_DIR:-}" ]; then
        b+=("$(run "$OLD_BIN_DIR/$s" "$s")")
      else
        b+=("$(run "$bin_dir/$s" "$s" "$OLD_ASAN_OPTIONS")")
      fi
      echo "   new ${d[-1]} exec/s, old ${b[-1]} exec/s" >&2
      continue
    fi
    d+=("$(run "$bin_dir/decode_$s" "decode_$s")")
    b+=("$(run "$bin_dir/bare_$s" "decode_$s")")
    echo "   decode_$s ${d[-1]} exec/s, bare_$s ${b[-1]} exec/s" >&2
  done
  md=$(median "${d[@]}") mb=$(median "${b[@]}")
  rows+=("$(printf '%-24s %10s %10s %6s   %s %s | %s %s' "$s" "$md" "$mb" \
    "$(awk -v a="$md" -v b="$mb" 'BEGIN { printf "%.2f", a / b }')" "$first" "${d[*]}" "$second" "${b[*]}")")
done
printf '\n%s x %ss runs each, from the committed seeds; medians in exec/s\n' "$runs" "$seconds"
printf '%-24s %10s %10s %6s   %s\n' "$label" "$first" "$second" ratio "all runs"
printf '%s\n' "${rows[@]}"
