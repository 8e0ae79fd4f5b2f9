#!/usr/bin/env bash
# Mutation testing of the codecs, judges and fault schedules (issue 19):
# cargo-mutants file by file, one mutant at a time, at low priority, with
# the settings of .cargo/mutants.toml. See docs/mutants.md.
#
#   scripts/mutants.sh                     every file the config examines
#   scripts/mutants.sh src/framing/delimiter.rs src/judge/classify.rs
#   scripts/mutants.sh --list              the mutants, without testing them
#
# Each file's results go to target/mutants/<file>/mutants.out/ and its
# summary line to target/mutants/summary.txt, next to the command that
# produced it. Extra cargo-mutants options: MUTANTS_ARGS="--timeout 300".
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo mutants --version >/dev/null 2>&1; then
  echo "cargo-mutants is not installed: cargo install cargo-mutants --locked" >&2
  exit 1
fi

if [ "${1:-}" = "--list" ]; then
  exec cargo mutants --list
fi

if [ "$#" -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(cargo mutants --list-files | sort)
fi

mkdir -p target/mutants
summary=target/mutants/summary.txt
# One target directory for every file's run: cargo-mutants copies the tree
# to a scratch directory per run, and would otherwise rebuild every
# dependency each time.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/mutants-build}"
status=0
for f in "${files[@]}"; do
  out="target/mutants/$(echo "$f" | tr / _)"
  mkdir -p "$out"
  # shellcheck disable=SC2086
  # --re, not --file: a --file glob adds to the config's examine_globs
  # instead of narrowing them.
  cmd=(nice -n 10 cargo mutants --re "^${f//./\\.}:" --jobs 1 --output "$out" ${MUTANTS_ARGS:-})
  echo "== $f: ${cmd[*]}"
  set +e
  "${cmd[@]}" | tee "$out/console.txt"
  rc=${PIPESTATUS[0]}
  set -e
  line="$(grep -E '^[0-9]+ mutants tested' "$out/console.txt" | tail -1 || true)"
  printf '%s\n    %s\n    %s (exit %s)\n' "$f" "${cmd[*]}" "${line:-no summary line}" "$rc" | tee -a "$summary"
  [ "$rc" -eq 0 ] || status=1
done
exit "$status"
