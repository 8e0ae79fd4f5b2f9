#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: every cargo-fuzz target of fuzz/, its
# seed corpus (fuzz/seeds/<target> plus fuzz/regressions/<target>) as
# <target>_seed_corpus.zip, and libFuzzer options matching .ci/fuzz, into $OUT.
#
# The base image provides nightly Rust, cargo fuzz and the sanitizer flags.
# To try it without Docker, from the repository root:
#   SRC=$(mktemp -d); ln -s "$PWD" "$SRC/framelab"
#   SRC=$SRC OUT=$(mktemp -d) RUSTUP_TOOLCHAIN=nightly bash .clusterfuzzlite/build.sh
cd "$SRC/framelab"

cargo fuzz build -O

bin_dir="fuzz/target/x86_64-unknown-linux-gnu/release"
n=0
for f in fuzz/fuzz_targets/*.rs; do
  t="$(basename "$f" .rs)"
  cp "$bin_dir/$t" "$OUT/"
  rm -f "$OUT/${t}_seed_corpus.zip"
  inputs=()
  for d in "fuzz/seeds/$t" "fuzz/regressions/$t"; do
    [ -d "$d" ] || continue
    while IFS= read -r -d '' file; do inputs+=("$file"); done < <(find "$d" -type f ! -name '.*' ! -name '*.md' -print0)
  done
  if [ "${#inputs[@]}" -gt 0 ]; then
    zip -q -j "$OUT/${t}_seed_corpus.zip" "${inputs[@]}"
  fi
  printf '[libfuzzer]\nmalloc_limit_mb = 512\ntimeout = 10\n' >"$OUT/$t.options"
  n=$((n + 1))
done
echo "built $n fuzz targets into $OUT"
