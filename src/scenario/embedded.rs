//! The built-in suite: every file under `scenarios/`, embedded in the
//! binary at build time (see `build.rs`), so that `framelab run` works
//! from any folder, also after `cargo install`.
//!
//! Embedded scenarios are shown under their repository path
//! (`scenarios/b01-naive-coalesced.toml`), and `framelab run
//! scenarios/b01-naive-coalesced.toml --seed N` finds them again when no
//! such file exists on disk, so replay lines work from any folder.
//!
//! # Files on disk
//!
//! A scenario whose `[server] root` is relative (the `files` handler's
//! folder) needs real files: those are written once to a folder under the
//! system temporary directory named by a hash of their content
//! ([`support_dir`]), and the root is pointed there.

use std::path::{Path, PathBuf};

use super::load::{LoadError, parse};
use super::model::Scenario;

mod table {
    include!(concat!(env!("OUT_DIR"), "/embedded_scenarios.rs"));
}

/// The folder name embedded paths are shown under.
pub const PREFIX: &str = "scenarios";

/// Every embedded file: (path relative to `scenarios/`, text).
pub fn files() -> &'static [(&'static str, &'static str)] {
    table::FILES
}

/// The embedded scenario files, sorted: (shown path, text).
pub fn scenario_files() -> Vec<(PathBuf, &'static str)> {
    files()
        .iter()
        .filter(|(rel, _)| rel.ends_with(".toml"))
        .map(|(rel, text)| (Path::new(PREFIX).join(rel), *text))
        .collect()
}

/// The embedded scenario files that `path` names when it is not on disk:
/// `scenarios`, `scenarios/`, a sub-folder, or one file (shown path, text).
/// `None` when `path` names nothing embedded.
pub fn lookup(path: &Path) -> Option<Vec<(PathBuf, &'static str)>> {
    let rel = path.strip_prefix(".").unwrap_or(path).strip_prefix(PREFIX).ok()?;
    let found: Vec<_> = scenario_files()
        .into_iter()
        .filter(|(shown, _)| shown.strip_prefix(PREFIX).is_ok_and(|r| r.starts_with(rel)))
        .collect();
    (!found.is_empty()).then_some(found)
}

/// Parses one embedded scenario; a relative `[server] root` is pointed at
/// the support files written by [`support_dir`].
pub fn load(shown: &Path, text: &str) -> Result<Scenario, LoadError> {
    let mut s = parse(text, shown)?;
    if let Some(root) = s.server.root.as_ref().filter(|r| r.is_relative()) {
        let dir = support_dir().map_err(|e| LoadError {
            file: shown.display().to_string(),
            line: 0,
            column: 0,
            message: format!(
                "cannot write the built-in suite's files to the temporary folder: {e}; run from a copy of the repository's scenarios/ instead"
            ),
        })?;
        let rel_dir = shown.parent().and_then(|p| p.strip_prefix(PREFIX).ok()).unwrap_or(Path::new(""));
        s.server.root = Some(dir.join(rel_dir).join(root));
    }
    Ok(s)
}

/// A folder holding a copy of every embedded file that is not a scenario
/// (the `files` handler's roots), written on first use and named by a
/// hash of the content, so that every run of one build shares it.
pub fn support_dir() -> std::io::Result<PathBuf> {
    let mut all = String::new();
    for (rel, text) in files() {
        all.push_str(rel);
        all.push('\0');
        all.push_str(text);
        all.push('\0');
    }
    let dir = std::env::temp_dir().join(format!(
        "framelab-{}-suite-{:016x}",
        env!("CARGO_PKG_VERSION"),
        crate::seed::of_text(&all)
    ));
    for (rel, text) in files().iter().filter(|(rel, _)| !rel.ends_with(".toml") && !rel.ends_with(".md")) {
        let path = dir.join(rel);
        // Another user's or a stale copy must not be served: rewrite what
        // differs, and check what is there afterwards.
        if std::fs::read(&path).ok().as_deref() != Some(text.as_bytes()) {
            crate::files::write(&path, text)?;
            if std::fs::read(&path).map_err(|e| crate::files::named(&path, "cannot read", e))? != text.as_bytes() {
                return Err(std::io::Error::other(format!("{} changed while being written", path.display())));
            }
        }
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_scenario_loads_and_the_suite_is_not_empty() {
        let all = scenario_files();
        assert!(all.len() >= 10, "the built-in suite has {} scenarios", all.len());
        for (shown, text) in all {
            let s = load(&shown, text).unwrap_or_else(|e| panic!("{e}"));
            if let Some(root) = &s.server.root {
                assert!(root.is_dir(), "{}: root {} is not a folder", shown.display(), root.display());
            }
        }
    }

    #[test]
    fn lookup_finds_files_and_folders_by_their_repository_path() {
        let one = lookup(Path::new("scenarios/b01-naive-coalesced.toml")).expect("b01 is embedded");
        assert_eq!(one.len(), 1);
        assert_eq!(lookup(Path::new("scenarios")).map(|v| v.len()), Some(scenario_files().len()));
        assert!(lookup(Path::new("scenarios/nope.toml")).is_none());
        assert!(lookup(Path::new("elsewhere/b01-naive-coalesced.toml")).is_none());
    }
}
