//! Replays the committed fuzz inputs on stable, through exactly the bodies
//! the cargo-fuzz targets run (`framelab::fuzzing::targets()`):
//!
//! - `fuzz/seeds/<target>/`: the curated seed corpus, written by
//!   [`seed_files`] (in `corpus/seeds.rs`) (`FRAMELAB_WRITE_SEEDS=1 cargo test --lib
//!   fuzzing::corpus` rewrites it after a change there);
//! - `fuzz/regressions/<target>/`: every input a fuzzer ever failed on.
//!
//! cargo-fuzz's own `fuzz/corpus/` is the working corpus and is not
//! committed; `.ci/fuzz` starts it from a copy of `fuzz/seeds/`.
//!
//! These are unit tests of the library, not integration tests, because
//! structured targets decode their bytes with `arbitrary`, which the
//! library only has under the `fuzzing` feature or in its own tests (a
//! dev-dependency): so plain `cargo test` replays the corpus.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::fuzzing::{self, FUZZ_PRESETS, targets};

use self::seeds::seed_files;

mod seeds;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The panic message of a caught panic.
fn panic_text(e: Box<dyn std::any::Any + Send>) -> String {
    e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
}

#[test]
fn every_target_replays_its_seeds_and_regressions() {
    let mut failures = Vec::new();
    for (name, body) in targets() {
        let corpus = fuzzing::corpus_name(&name);
        let seeds = fuzz_dir().join("seeds").join(&*corpus);
        let regressions = fuzz_dir().join("regressions").join(&*corpus);
        let r = std::panic::catch_unwind(|| {
            let n = fuzzing::replay_dir(&seeds, &|d| body.run(d));
            assert!(n > 0, "no seed inputs in {}", seeds.display());
            assert!(regressions.is_dir(), "{} is missing", regressions.display());
            fuzzing::replay_dir(&regressions, &|d| body.run(d));
        });
        if let Err(e) = r {
            failures.push(format!("{name}: {}", panic_text(e)));
        }
    }
    assert!(failures.is_empty(), "{} target(s) failed:\n{}", failures.len(), failures.join("\n"));
}

/// The Strategy a target's subject names, as written in the target file
/// (`Strategy::LengthPrefix` for `length_prefix`).
fn strategy_name(subject: &str) -> Option<String> {
    fuzzing::Strategy::ALL.iter().find(|k| k.name().replace('-', "_") == subject).map(|k| format!("Strategy::{k:?}"))
}

#[test]
fn fuzz_targets_and_replay_bodies_name_the_same_targets() {
    let dir = fuzz_dir().join("fuzz_targets");
    let files: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".rs").map(str::to_owned))
        .collect();
    let bodies: BTreeSet<String> = targets().into_iter().map(|(n, _)| n).collect();
    assert_eq!(files, bodies, "fuzz/fuzz_targets/*.rs and framelab::fuzzing::targets() differ");
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for name in &files {
        assert!(manifest.contains(&format!("name = \"{name}\"")), "fuzz/Cargo.toml has no [[bin]] {name}");
        // Guard against a copy-pasted target that runs another body.
        let text = std::fs::read_to_string(dir.join(format!("{name}.rs"))).unwrap();
        assert!(text.contains("include!(\"../asan_options.rs\");"), "{name}.rs does not include asan_options.rs");
        let (verb, subject) = name.split_once('_').unwrap();
        match strategy_name(subject) {
            _ if verb == "diff" => assert!(text.contains(&format!("{name}(")), "{name}.rs does not call {name}"),
            Some(s) => {
                assert!(text.contains(&s) && text.contains(&format!("{verb}(")), "{name}.rs does not call {verb}({s}")
            }
            None => assert!(text.contains("framelab::fuzzing"), "{name}.rs does not call framelab::fuzzing"),
        }
    }
}

#[test]
fn length_prefix_and_json_header_seeds_cover_every_preset() {
    for (name, _) in targets().iter().filter(|(n, _)| n.ends_with("length_prefix") || n.ends_with("json_header")) {
        let mut presets = BTreeSet::new();
        for e in std::fs::read_dir(fuzz_dir().join("seeds").join(&*fuzzing::corpus_name(name))).unwrap() {
            let data = std::fs::read(e.unwrap().path()).unwrap();
            // The first byte is the config byte in every input layout.
            if let Some(c) = data.first() {
                presets.insert(*c as usize % FUZZ_PRESETS.len());
            }
        }
        assert_eq!(presets.len(), FUZZ_PRESETS.len(), "{name} seeds cover presets {presets:?} only");
    }
}

#[test]
fn committed_seeds_match_the_generator() {
    let write = std::env::var_os("FRAMELAB_WRITE_SEEDS").is_some();
    let mut stale = Vec::new();
    for (name, _) in targets() {
        let dir = fuzz_dir().join("seeds").join(&name);
        for (file, data) in seed_files(&name) {
            let path = dir.join(&file);
            if write {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &data).unwrap();
            } else if std::fs::read(&path).ok().as_deref() != Some(&data[..]) {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "seed files missing or different from the generator (rewrite them with \
         FRAMELAB_WRITE_SEEDS=1 cargo test --lib fuzzing::corpus):\n{}",
        stale.join("\n")
    );
}
