#!/usr/bin/env bash
# A recorded fuzzing campaign: each target runs up to RUNS executions or
# SECONDS_EACH seconds (whichever comes first), JOBS targets at a time, from
# its committed seeds and regressions with its dictionary; the working
# corpus stays in CAMPAIGN_DIR/<t>/ and findings in CAMPAIGN_DIR/artifacts/<t>/.
# Prints, per target: executions, exec/s, coverage (libFuzzer's cov: edges)
# and findings. Minimise afterwards with scripts/fuzz-cmin.sh.
#
#   RUNS=10000000 SECONDS_EACH=600 JOBS=2 bash scripts/fuzz-campaign.sh
#   FUZZ_TARGETS="diff_lines" RUNS=1000000 bash scripts/fuzz-campaign.sh
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${RUNS:-10000000}"
seconds="${SECONDS_EACH:-600}"
jobs="${JOBS:-2}"
dir="${CAMPAIGN_DIR:-fuzz/campaign}"
read -r -a targets <<<"${FUZZ_TARGETS:-decode_naive decode_delimiter decode_length_prefix decode_json_header decode_resp decode_http diff_length_prefix diff_lines}"

# target_dir and the toolchain, as .ci/fuzz: nightly where installed, else
# (or when RUSTC_BOOTSTRAP=1 is set) stable with RUSTC_BOOTSTRAP=1.
# shellcheck source=.ci/fuzz-toolchain
source .ci/fuzz-toolchain
for t in "${targets[@]}"; do
  "${fuzz[@]}" build --target-dir "$target_dir" "$t" >/dev/null 2>&1 || "${fuzz[@]}" build --target-dir "$target_dir" "$t"
done
triple="$(rustc -vV | sed -n 's/^host: //p')"
bin_dir="$target_dir/$triple/release"

one() {
  local t="$1" log
  mkdir -p "$dir/$t" "$dir/artifacts/$t"
  cp -n "fuzz/seeds/$t"/* "$dir/$t"/ 2>/dev/null || true
  local extra=()
  [ -f "fuzz/dicts/${t#*_}.dict" ] && extra+=(-dict="fuzz/dicts/${t#*_}.dict")
  [ -d "fuzz/regressions/$t" ] && extra+=("fuzz/regressions/$t")
  log="$dir/artifacts/$t/campaign.log"
  local status=0
  "$bin_dir/$t" -runs="$runs" -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$dir/artifacts/$t/" "$dir/$t" "${extra[@]}" >"$log" 2>&1 || status=$?
  local execs rate cov findings
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
  cov=$( (grep -o 'cov: [0-9]*' "$log" || true) | tail -n1 | cut -d' ' -f2)
  findings=$(find "$dir/artifacts/$t" -name 'crash-*' -o -name 'leak-*' -o -name 'oom-*' -o -name 'timeout-*' | wc -l)
  printf '%-22s %12s %8s %6s %3s  exit %s  (%s)\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$findings" "$status" "$(uptime | sed 's/.*load/load/')"
}

printf '%-22s %12s %8s %6s %3s\n' target executions exec/s cov finds
running=0
for t in "${targets[@]}"; do
  one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait
