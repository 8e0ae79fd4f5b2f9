//! Where scenarios come from: files on disk, or the suite embedded in the
//! binary ([`super::embedded`]). `framelab run` and `framelab list` both
//! resolve their paths here, so they agree on which suite they mean.

use std::path::{Path, PathBuf};

use super::embedded;
use super::load::{LoadError, collect, load_file};
use super::model::Scenario;

/// One scenario file, on disk or embedded.
#[derive(Debug, Clone)]
pub enum Source {
    /// A file on disk.
    Disk(PathBuf),
    /// An embedded file: its shown path (`scenarios/...`) and text.
    Embedded(PathBuf, &'static str),
}

impl Source {
    /// The path shown in reports (and usable in `framelab run PATH`).
    pub fn path(&self) -> &Path {
        match self {
            Source::Disk(p) | Source::Embedded(p, _) => p,
        }
    }

    /// Loads and checks the scenario.
    pub fn load(&self) -> Result<Scenario, LoadError> {
        match self {
            Source::Disk(p) => load_file(p),
            Source::Embedded(p, text) => embedded::load(p, text),
        }
    }
}

/// Which suite a run without paths picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The paths given on the command line.
    Given,
    /// `scenarios/` in the current folder (it wins over the built-in suite).
    LocalFolder,
    /// The suite embedded in the binary.
    BuiltIn,
}

impl Origin {
    /// One line saying which suite ran, for stderr or a report header.
    pub fn describe(self, count: usize) -> Option<String> {
        match self {
            Origin::Given => None,
            Origin::LocalFolder => Some(format!(
                "framelab: {count} scenarios from ./scenarios/ (a scenarios/ folder here wins over the built-in suite)"
            )),
            Origin::BuiltIn => Some(format!(
                "framelab: {count} scenarios from the built-in suite (embedded in framelab {}; no scenarios/ folder here)",
                env!("CARGO_PKG_VERSION")
            )),
        }
    }
}

/// The scenario files `paths` name, sorted within each folder. No paths:
/// `scenarios/` in the current folder if there is one, else the built-in
/// suite. A path that does not exist on disk but names an embedded file or
/// folder (`scenarios/b01-naive-coalesced.toml`) is taken from the
/// built-in suite, so replay lines work from any folder.
pub fn resolve(paths: &[PathBuf]) -> Result<(Vec<Source>, Origin), LoadError> {
    if paths.is_empty() {
        let local = Path::new(embedded::PREFIX);
        if local.is_dir() {
            let files = collect(&[local.to_path_buf()])?;
            return Ok((files.into_iter().map(Source::Disk).collect(), Origin::LocalFolder));
        }
        let all = embedded::scenario_files().into_iter().map(|(p, t)| Source::Embedded(p, t)).collect();
        return Ok((all, Origin::BuiltIn));
    }
    let mut out = Vec::new();
    for p in paths {
        if !p.exists() {
            if let Some(found) = embedded::lookup(p) {
                out.extend(found.into_iter().map(|(p, t)| Source::Embedded(p, t)));
                continue;
            }
            return Err(LoadError {
                file: p.display().to_string(),
                line: 0,
                column: 0,
                message: "no such file or folder (run `framelab list scenarios` to see the built-in scenarios, or give a .toml file or a folder of them)".into(),
            });
        }
        out.extend(collect(std::slice::from_ref(p))?.into_iter().map(Source::Disk));
    }
    Ok((out, Origin::Given))
}

/// Shard `index` (1-based) of `count`: the items sorted by file name (then
/// path), every `count`-th from position `index - 1`. Shards are disjoint,
/// cover everything, and differ in size by at most one; the split depends
/// only on the set of file names, so every CI machine agrees on it.
pub fn shard<T>(mut items: Vec<T>, path: impl Fn(&T) -> &Path, index: usize, count: usize) -> Vec<T> {
    let key = |t: &T| {
        let p = path(t);
        (p.file_name().map(|n| n.to_os_string()), p.to_path_buf())
    };
    items.sort_by_key(|t| key(t));
    items.into_iter().enumerate().filter(|(k, _)| k % count == index - 1).map(|(_, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_disjoint_complete_and_within_one_of_each_other() {
        let items: Vec<PathBuf> = (0..41).map(|k| PathBuf::from(format!("d{}/f{k:02}.toml", k % 3))).collect();
        for n in 1..=5 {
            let mut seen: Vec<PathBuf> = Vec::new();
            let mut sizes = Vec::new();
            for i in 1..=n {
                let s = shard(items.clone(), |p| p, i, n);
                sizes.push(s.len());
                seen.extend(s);
            }
            seen.sort();
            let mut all = items.clone();
            all.sort();
            assert_eq!(seen, all, "{n} shards cover every file once");
            assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1, "{n}: {sizes:?}");
        }
    }

    #[test]
    fn a_missing_path_says_what_to_do_without_line_numbers() {
        let e = resolve(&[PathBuf::from("no-such-dir/x.toml")]).unwrap_err().to_string();
        assert!(e.starts_with("no-such-dir/x.toml: no such file or folder"), "{e}");
        assert!(e.contains("framelab list scenarios") && !e.contains(":0:0"), "{e}");
    }
}

/// Loads every source: the scenarios, or every file's located error.
pub fn load_all(files: Vec<Source>) -> Result<Vec<Scenario>, Vec<String>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for f in files {
        match f.load() {
            Ok(s) => out.push(s),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// Whether `sc` is picked by the filter `text` (`--filter`): its bug id
/// is `text`, or its name or file holds `text` as a whole word (so `B1`
/// picks B1 and not B10..B18).
pub fn matches_filter(sc: &Scenario, text: &str) -> bool {
    sc.bug.as_deref().is_some_and(|b| b.eq_ignore_ascii_case(text))
        || contains_word(&sc.name, text)
        || contains_word(&sc.file.to_string_lossy(), text)
}

/// Whether `text` contains `word` not glued to a letter or digit on
/// either side.
fn contains_word(text: &str, word: &str) -> bool {
    if word.is_empty() {
        return true;
    }
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[cfg(test)]
mod filter_tests {
    use super::contains_word;

    #[test]
    fn filter_matches_whole_words_so_b1_is_not_b10() {
        assert!(contains_word("B1 naive server merges", "B1"));
        assert!(!contains_word("B10 an empty message", "B1"));
        assert!(contains_word("scenarios/b04-single-read-header-split-desync.toml", "single-read"));
        assert!(contains_word("scenarios/b04-single-read.toml", "b04"));
        assert!(!contains_word("naively", "naive"));
    }
}
