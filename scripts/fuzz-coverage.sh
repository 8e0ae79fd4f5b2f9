#!/usr/bin/env bash
# Line coverage of src/framing/ reached by the fuzz targets' committed
# inputs (fuzz/seeds/<t> and fuzz/regressions/<t>), plus a campaign corpus
# if one is given: builds every target with -Cinstrument-coverage
# (`cargo fuzz coverage`), runs each on its inputs, merges the profiles and
# prints llvm-cov's report for src/framing/.
#
#   bash scripts/fuzz-coverage.sh                      # committed seeds only
#   FUZZ_CORPUS=fuzz/corpus bash scripts/fuzz-coverage.sh   # plus fuzz/corpus/<t>/
#   FUZZ_TARGETS="decode_http chunking_http" bash scripts/fuzz-coverage.sh
#   SHOW=src/framing/http.rs bash scripts/fuzz-coverage.sh  # also the lines not reached
#
#   FUZZ_COVERAGE_DIR  where the instrumented build goes
#                      (default ~/.cache/framelab/fuzz-coverage)
#
# Needs a nightly toolchain with llvm-tools:
#   rustup component add llvm-tools-preview --toolchain nightly
set -euo pipefail
cd "$(dirname "$0")/.."

cov_dir="${FUZZ_COVERAGE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/framelab/fuzz-coverage}"
mkdir -p "$cov_dir"
sysroot="$(rustc +nightly --print sysroot)"
llvm_bin="$(dirname "$(find "$sysroot/lib/rustlib" -name llvm-cov -type f | head -n1)")"
[ -x "$llvm_bin/llvm-cov" ] || {
  echo "llvm-cov not found: rustup component add llvm-tools-preview --toolchain nightly" >&2
  exit 1
}

if [ -n "${FUZZ_TARGETS:-}" ]; then
  read -r -a targets <<<"$FUZZ_TARGETS"
else
  # bare_* replay decode_* inputs through the same codecs: nothing to add.
  mapfile -t targets < <(cargo +nightly fuzz list | grep -v '^bare_')
fi

triple="$(rustc -vV | sed -n 's/^host: //p')"
profiles=()
objects=()
for t in "${targets[@]}"; do
  dirs=()
  for d in "fuzz/seeds/$t" "fuzz/regressions/$t" ${FUZZ_CORPUS:+"$FUZZ_CORPUS/$t"}; do
    [ -d "$d" ] && [ -n "$(ls -A "$d")" ] && dirs+=("$d")
  done
  echo "-- $t: $(find "${dirs[@]}" -type f | wc -l) inputs" >&2
  cargo +nightly fuzz coverage --target-dir "$cov_dir" "$t" "${dirs[@]}" >"$cov_dir/$t.log" 2>&1 || {
    tail -n 30 "$cov_dir/$t.log" >&2
    exit 1
  }
  profiles+=("fuzz/coverage/$t/coverage.profdata")
  objects+=(-object "$cov_dir/$triple/release/$t")
done

merged="$cov_dir/merged.profdata"
"$llvm_bin/llvm-profdata" merge -sparse "${profiles[@]}" -o "$merged"
files=(src/framing/*.rs)
echo
echo "Line coverage of src/framing/ by ${#targets[@]} targets on the committed seeds and regressions${FUZZ_CORPUS:+ and $FUZZ_CORPUS}:"
# The first -object is the positional binary llvm-cov wants.
"$llvm_bin/llvm-cov" report "${objects[1]}" "${objects[@]:2}" -instr-profile="$merged" \
  -show-region-summary=false -show-branch-summary=false "${files[@]/#/$PWD/}"
if [ -n "${SHOW:-}" ]; then
  "$llvm_bin/llvm-cov" show "${objects[1]}" "${objects[@]:2}" -instr-profile="$merged" \
    -show-line-counts-or-regions "$PWD/$SHOW" | grep -E '^ +[0-9]+\| +0\|' || true
fi
