#!/usr/bin/env bash
# Minimises a campaign's corpora (`cargo fuzz cmin`) and adds what they
# hold beyond the committed seeds to fuzz/seeds/<t>/ as campaign-<sha1>
# files (the generated seeds of tests/fuzz_corpus.rs stay as they are).
#
#   CAMPAIGN_DIR=fuzz/campaign bash scripts/fuzz-cmin.sh
#   FUZZ_TARGETS="diff_lines" bash scripts/fuzz-cmin.sh
#
#   MAX_FILES  add at most this many files to one target (300): when cmin
#              leaves more, the smallest ones are added (the rest of the
#              campaign corpus stays in CAMPAIGN_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."

dir="${CAMPAIGN_DIR:-fuzz/campaign}"
max="${MAX_FILES:-300}"
read -r -a targets <<<"${FUZZ_TARGETS:-decode_naive decode_delimiter decode_length_prefix decode_json_header decode_resp decode_http diff_length_prefix diff_lines}"

# target_dir and the toolchain, as .ci/fuzz: nightly where installed, else
# (or when RUSTC_BOOTSTRAP=1 is set) stable with RUSTC_BOOTSTRAP=1.
# shellcheck source=.ci/fuzz-toolchain
source .ci/fuzz-toolchain

for t in "${targets[@]}"; do
  [ -d "$dir/$t" ] || { echo "$t: no corpus in $dir/$t" >&2; continue; }
  before=$(find "$dir/$t" -type f | wc -l)
  "${fuzz[@]}" cmin --target-dir "$target_dir" "$t" "$dir/$t" >"$dir/$t.cmin.log" 2>&1 \
    || { tail -n 20 "$dir/$t.cmin.log" >&2; exit 1; }
  after=$(find "$dir/$t" -type f | wc -l)
  mkdir -p "fuzz/seeds/$t"
  known=$(find "fuzz/seeds/$t" -type f -exec sha1sum {} + | cut -d' ' -f1 | sort -u)
  new=()
  for f in "$dir/$t"/*; do
    sha=$(sha1sum "$f" | cut -d' ' -f1)
    grep -qx "$sha" <<<"$known" || new+=("$f:$sha")
  done
  note=""
  if [ "${#new[@]}" -gt "$max" ]; then
    note=" (the $max smallest of ${#new[@]})"
    mapfile -t new < <(for n in "${new[@]}"; do echo "$(wc -c <"${n%%:*}") $n"; done | sort -n | head -n "$max" | cut -d' ' -f2)
  fi
  for n in "${new[@]}"; do
    cp "${n%%:*}" "fuzz/seeds/$t/campaign-${n##*:}"
  done
  printf '%-22s %6s inputs, %5s after cmin, %4s added to fuzz/seeds/%s%s\n' "$t" "$before" "$after" "${#new[@]}" "$t" "$note"
done
