//! Docs that cannot go stale: every `$ framelab ...` block of README.md and
//! docs/*.md, and every `--help` (tests/cmd/*.toml), is run and its output
//! checked (trycmd, as clap and cargo do; the help text against
//! tests/cmd/help-*.stdout). `[..]` matches the rest of a
//! line (timings, seeds, ports), `...` any lines.
//!
//! After an intended change of output:
//! `TRYCMD=overwrite cargo test --test it cli_docs`, then review the diff.

#[test]
fn cli_docs() {
    trycmd::TestCases::new().case("tests/cmd/*.toml").case("README.md").case("docs/*.md").case("tests/cmd/*.md");
}
