//! Compiled `[response] match` patterns, kept: a scenario's pattern is
//! checked when it loads and used again by every judgement of every run
//! (explore judges thousands), and compiling one costs far more than
//! matching it (regex's NFA and one-pass DFA builders were 78 % of the
//! `judge_sound` fuzz body's instructions, callgrind).

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use regex::bytes::Regex;

/// Most patterns kept; past it the cache starts again (a suite has a few).
const KEPT: usize = 64;

static CACHE: LazyLock<Mutex<HashMap<String, Regex>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// `pattern` compiled (once per process while it is among the last
/// `KEPT` distinct ones).
pub fn compiled(pattern: &str) -> Result<Regex, regex::Error> {
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(re) = cache.get(pattern) {
        return Ok(re.clone());
    }
    let re = Regex::new(pattern)?;
    if cache.len() >= KEPT {
        cache.clear();
    }
    cache.insert(pattern.to_owned(), re.clone());
    Ok(re)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_pattern_matches_the_same_and_a_bad_one_is_an_error_each_time() {
        let a = compiled(r"len (?P<len>\d+)").unwrap();
        let b = compiled(r"len (?P<len>\d+)").unwrap();
        assert_eq!(a.as_str(), b.as_str());
        assert!(b.is_match(b"len 5") && !b.is_match(b"len x"));
        assert!(compiled("(").is_err());
        assert!(compiled("(").is_err(), "an error is not kept as a pattern");
        for i in 0..(KEPT + 3) {
            let re = compiled(&format!("^x{i}$")).unwrap();
            assert!(re.is_match(format!("x{i}").as_bytes()));
        }
        assert!(
            compiled(r"len (?P<len>\d+)").unwrap().is_match(b"len 7"),
            "compiled again after the cache started over"
        );
    }
}
