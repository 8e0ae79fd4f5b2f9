//! Loading scenario files: one file, or every `*.toml` under a folder.
//! Errors name the file, the line and column, and the key.

use std::path::{Path, PathBuf};

use super::model::Scenario;

/// A scenario file that could not be used.
/// Shown as `FILE:LINE:COLUMN: MESSAGE`, or `FILE: MESSAGE` when the
/// error is about the whole file (line 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file.
    pub file: String,
    /// 1-based line (0 when the file could not be read).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong, naming the key when there is one.
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
        }
    }
}

impl std::error::Error for LoadError {}

/// Line and column (1-based) of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The key assigned on the line containing `offset`, and its table.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let table = text[..line_start]
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix('[').and_then(|t| t.strip_suffix(']')).map(str::to_owned));
    let t = line.trim();
    if let Some(t) = t.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return Some(format!("[{t}]"));
    }
    let key = t.split('=').next()?.trim();
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.') {
        return None;
    }
    Some(match table {
        Some(tb) => format!("{tb}.{key}"),
        None => key.to_owned(),
    })
}

/// Line and column of `key` (`table.key`), when it is written in the file.
fn key_line(text: &str, key: &str) -> Option<(usize, usize)> {
    let (table, name) = key.rsplit_once('.').unwrap_or(("", key));
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(tb) = t.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            current = tb.trim_matches(|c| c == '[' || c == ']').trim().to_owned();
            continue;
        }
        let Some((k, _)) = t.split_once('=') else { continue };
        if current == table && k.trim() == name {
            return Some((i + 1, line.len() - line.trim_start().len() + 1));
        }
    }
    None
}

/// Parses scenario text; `file` is only used in errors and defaults.
pub fn parse(text: &str, file: &Path) -> Result<Scenario, LoadError> {
    let shown = file.display().to_string();
    match toml::from_str::<Scenario>(text) {
        Ok(mut s) => {
            s.file = file.to_path_buf();
            if s.name.is_empty() {
                s.name = file.file_stem().map_or_else(|| "scenario".into(), |f| f.to_string_lossy().into_owned());
            }
            validate(&s).map_err(|e| {
                let (line, column) = key_line(text, e.key).unwrap_or((1, 1));
                LoadError { file: shown, line, column, message: e.to_string() }
            })?;
            Ok(s)
        }
        Err(e) => {
            let offset = e.span().map_or(0, |r| r.start);
            let (line, column) = line_col(text, offset);
            let mut message = e.message().trim().to_owned();
            if let Some(key) = key_at(text, offset)
                && !message.contains(&format!("`{key}`"))
            {
                message = format!("key `{key}`: {message}");
            }
            Err(LoadError { file: shown, line, column, message })
        }
    }
}

/// A value serde read but [`validate`] refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key `{key}`: {reason}")]
struct InvalidKey {
    /// The key, as `table.key` (its line is looked up for the error).
    key: &'static str,
    /// What is wrong with it.
    reason: String,
}

impl InvalidKey {
    fn new(key: &'static str, reason: impl Into<String>) -> Self {
        InvalidKey { key, reason: reason.into() }
    }
}

/// Checks what serde cannot: sizes, combinations.
fn validate(s: &Scenario) -> Result<(), InvalidKey> {
    if s.client.connections == 0 {
        return Err(InvalidKey::new("client.connections", "must be at least 1"));
    }
    if s.client.connections > 1000 {
        return Err(InvalidKey::new("client.connections", "at most 1000"));
    }
    if let Some(g) = &s.client.generate {
        if g.count > 100_000 {
            return Err(InvalidKey::new("client.generate.count", "at most 100000 messages"));
        }
        if g.size.max > 64 << 20 {
            return Err(InvalidKey::new("client.generate.size", "at most 64MiB per message"));
        }
        if g.count.saturating_mul(g.size.max) > 1 << 30 {
            return Err(InvalidKey::new("client.generate", "count times the largest size is over 1GiB"));
        }
    }
    if let Some(t) = &s.target {
        match (t.addr, &t.command) {
            (Some(a), _) if !crate::net::is_loopback(&a) => {
                return Err(InvalidKey::new(
                    "target.addr",
                    format!("{a} is not a loopback address; framelab only sends test traffic to 127.0.0.0/8 and ::1"),
                ));
            }
            (None, None) => {
                return Err(InvalidKey::new(
                    "target.addr",
                    "a target needs an address, e.g. addr = \"127.0.0.1:9000\", or a command, e.g. command = [\"python3\", \"server.py\", \"{port}\"]",
                ));
            }
            (_, Some(c)) if c.is_empty() || c[0].trim().is_empty() => {
                return Err(InvalidKey::new(
                    "target.command",
                    "give a program and its arguments, e.g. [\"python3\", \"server.py\", \"{port}\"]",
                ));
            }
            _ => {}
        }
        if t.startup_timeout.is_zero() {
            return Err(InvalidKey::new("target.startup-timeout", "must be more than 0"));
        }
        if !t.reads.is_full() && t.command.is_none() {
            return Err(InvalidKey::new(
                "target.reads",
                "only a target framelab starts (command = [...]) can have its reads shortened: add a command",
            ));
        }
        if t.fresh && t.command.is_none() {
            return Err(InvalidKey::new(
                "target.fresh",
                "only a target framelab starts (command = [...]) is started afresh: add a command",
            ));
        }
        if !t.reads.is_full() && !t.trace {
            return Err(InvalidKey::new("target.reads", "shortening reads needs the trace: remove trace = false"));
        }
    }
    validate_response(s)?;
    validate_client_under_test(s)?;
    if let Some(setup) = &s.setup {
        if setup.messages.is_empty() {
            return Err(InvalidKey::new("setup.messages", "give at least one message, e.g. [\"FLUSHALL\"]"));
        }
        if setup.messages.iter().map(|m| m.len()).sum::<usize>() > 1 << 20 {
            return Err(InvalidKey::new("setup.messages", "at most 1MiB in all"));
        }
        if setup.quiet.is_zero() || setup.quiet > std::time::Duration::from_secs(5) {
            return Err(InvalidKey::new("setup.quiet", "more than 0 and at most 5s"));
        }
        if s.target.as_ref().is_some_and(|t| t.udp)
            || matches!(s.client.framing, Some(crate::framing::FramingSpec::Udp(_)))
        {
            return Err(InvalidKey::new("[setup]", "the setup connection is TCP, and this client speaks UDP"));
        }
    }
    if s.proxy.is_some()
        && matches!(s.client.framing, Some(crate::framing::FramingSpec::Udp(crate::framing::UdpFormat { .. })))
    {
        return Err(InvalidKey::new("[proxy]", "the proxy is TCP only, and this client speaks UDP"));
    }
    if s.timeout.is_zero() {
        return Err(InvalidKey::new("timeout", "must be more than 0"));
    }
    Ok(())
}

fn validate_response(s: &Scenario) -> Result<(), InvalidKey> {
    use super::model::ResponseExpect;
    let r = &s.response;
    if let Some(p) = &r.pattern {
        crate::pattern::compiled(p)
            .map_err(|e| InvalidKey::new("response.match", format!("not a regular expression: {e}")))?;
    }
    let content = !matches!(r.expect, ResponseExpect::None | ResponseExpect::Reply);
    let given = [r.replies.is_some(), r.pattern.is_some(), content && r.bytes.is_none()];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(InvalidKey::new(
            "response",
            "give one of `replies`, `match`, or `expect = echo|upper|ack|digest`, not several",
        ));
    }
    if let Some(a) = &r.answers {
        validate_answers(s, a)?;
    }
    if let Some(id) = &r.id {
        validate_id(s, id.bytes)?;
    }
    if r.bytes.is_some() {
        if r.replies.is_some() || r.pattern.is_some() {
            return Err(InvalidKey::new(
                "response.bytes",
                "raw replies are judged by size; drop `replies` and `match`",
            ));
        }
        if matches!(r.expect, ResponseExpect::Ack | ResponseExpect::Digest) {
            return Err(InvalidKey::new("response.bytes", "goes with expect = \"none\", \"echo\" or \"upper\""));
        }
        if r.framing
            .as_ref()
            .is_some_and(|f| !matches!(f, crate::framing::FramingSpec::Naive(crate::framing::NaiveFormat { .. })))
        {
            return Err(InvalidKey::new("response.bytes", "needs raw replies (framing = \"raw\" or none)"));
        }
    }
    Ok(())
}

fn validate_id(s: &Scenario, span: super::model::ByteSpan) -> Result<(), InvalidKey> {
    use crate::framing::{FramingSpec, NaiveFormat};
    let raw = |f: &FramingSpec| matches!(f, FramingSpec::Naive(NaiveFormat { .. }));
    if s.response.bytes.is_some() || s.response.framing.as_ref().is_some_and(raw) {
        return Err(InvalidKey::new(
            "response.id",
            "IDs are read from each reply: the replies must be framed (set [response] framing)",
        ));
    }
    let mut seen = std::collections::HashMap::new();
    for (i, m) in s.client.messages.iter().enumerate() {
        let Some(id) = span.of(m) else {
            return Err(InvalidKey::new(
                "response.id",
                format!("message {} is {} byte(s), too short to hold an ID at {span}", i + 1, m.len()),
            ));
        };
        if let Some(first) = seen.insert(id, i) {
            return Err(InvalidKey::new(
                "response.id",
                format!("messages {} and {} have the same ID at {span}: give each its own", first + 1, i + 1),
            ));
        }
    }
    Ok(())
}

fn validate_answers(s: &Scenario, answers: &[super::answer::Answer]) -> Result<(), InvalidKey> {
    use super::model::ResponseExpect;
    let r = &s.response;
    if r.replies.is_some() || r.pattern.is_some() || r.bytes.is_some() || r.expect != ResponseExpect::None {
        return Err(InvalidKey::new(
            "response.answers",
            "give `answers` alone, without `replies`, `match`, `bytes` or `expect`",
        ));
    }
    let framing = r.framing.as_ref().or(if s.target.is_none() { Some(&s.server.strategy) } else { None });
    let Some(syntax) = framing.and_then(|f| f.answer_syntax()) else {
        return Err(InvalidKey::new(
            "response.answers",
            format!("answers are per request of a protocol: set {}", answer_framings()),
        ));
    };
    if let Some((i, a)) = answers.iter().enumerate().find(|(_, a)| a.protocol().is_some_and(|p| p != syntax.strategy()))
    {
        return Err(InvalidKey::new(
            "response.answers",
            format!(
                "answer {} `{a}` is not a {} answer (the replies are cut as {})",
                i + 1,
                syntax.display_name(),
                syntax.strategy(),
            ),
        ));
    }
    let requests = s.client.messages.len() + s.client.generate.as_ref().map_or(0, |g| g.count);
    if answers.len() != requests {
        return Err(InvalidKey::new(
            "response.answers",
            format!("{} answer(s) for {requests} request(s) in `[client]`: give one per request", answers.len()),
        ));
    }
    Ok(())
}

/// The `[response] framing` settings that allow answers, one per
/// request/answer protocol: `` `[response] framing = "a"` or `"b"` ``.
fn answer_framings() -> String {
    let names: Vec<String> =
        crate::framing::answer_syntaxes().iter().map(|s| format!("\"{}\"", s.strategy())).collect();
    match names.split_last() {
        None => "`[response] framing`".to_owned(),
        Some((last, [])) => format!("`[response] framing = {last}`"),
        Some((last, [first, rest @ ..])) => {
            let mut text = format!("`[response] framing = {first}`");
            for n in rest {
                text.push_str(&format!(", `{n}`"));
            }
            text.push_str(&format!(" or `{last}`"));
            text
        }
    }
}

fn validate_client_under_test(s: &Scenario) -> Result<(), InvalidKey> {
    let Some(c) = &s.client_under_test else { return Ok(()) };
    if c.command.is_empty() || c.command[0].trim().is_empty() {
        return Err(InvalidKey::new(
            "client-under-test.command",
            "give a program and its arguments, e.g. [\"python3\", \"client.py\", \"{addr}\"]",
        ));
    }
    if let Some(p) = &c.stdout_match {
        regex::Regex::new(p)
            .map_err(|e| InvalidKey::new("client-under-test.stdout-match", format!("not a regular expression: {e}")))?;
    }
    if c.timeout.is_zero() {
        return Err(InvalidKey::new("client-under-test.timeout", "must be more than 0"));
    }
    if !s.client.messages.is_empty() || s.client.generate.is_some() {
        return Err(InvalidKey::new(
            "client.messages",
            "a scenario with [client-under-test] runs that program instead of framelab's client; drop the [client] messages",
        ));
    }
    Ok(())
}

/// Loads one scenario file.
pub fn load_file(path: &Path) -> Result<Scenario, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| LoadError {
        file: path.display().to_string(),
        line: 0,
        column: 0,
        message: format!("cannot read: {e}"),
    })?;
    parse(&text, path)
}

/// Every `*.toml` file under `paths` (files as given, folders searched
/// recursively), sorted within each folder.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out).map_err(|e| LoadError {
                file: p.display().to_string(),
                line: 0,
                column: 0,
                message: format!("cannot read folder: {e}"),
            })?;
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(LoadError {
                file: p.display().to_string(),
                line: 0,
                column: 0,
                message: "no such file or folder".into(),
            });
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "toml") {
            out.push(p);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> LoadError {
        parse(text, Path::new("scenarios/x.toml")).unwrap_err()
    }

    #[test]
    fn unknown_key_error_names_file_line_and_key() {
        let e = err("name = \"a\"\n[client]\nmessages = [\"a\"]\nschedul = \"each\"\n");
        assert_eq!((e.file.as_str(), e.line), ("scenarios/x.toml", 4), "{e}");
        assert!(e.message.contains("schedul"), "{e}");
    }

    #[test]
    fn wrong_type_bad_duration_and_unknown_strategy_are_located() {
        let e = err("[client]\nconnections = \"two\"\n");
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("client.connections"), "{e}");
        let e = err("[client]\npause = \"soon\"\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("client.pause") && e.message.contains("duration"), "{e}");
        let e = err("\n\n[server]\nstrategy = \"pigeon\"\n");
        assert_eq!(e.line, 4);
        assert!(e.message.contains("server.strategy") && e.message.contains("expected a strategy"), "{e}");
        let e = err("[expect]\nverdict = \"sticky\"\n");
        assert!(e.message.contains("expect.verdict"), "{e}");
        let e = err("[target]\naddr = \"10.0.0.1:80\"\n");
        assert!(e.message.contains("loopback"), "{e}");
    }

    #[test]
    fn unknown_variant_is_a_load_error_naming_file_and_line() {
        let e = err("name = \"a\"\n[server]\nstrategy = \"naive\"\nvariant = \"sloppy\"\n");
        assert_eq!((e.file.as_str(), e.line), ("scenarios/x.toml", 4), "{e}");
        assert!(e.message.contains("sloppy") && e.message.contains("server.variant"), "{e}");
        // `sequential` is a setting of its own now, and the error says so.
        let e = err("[server]\nvariant = \"sequential\"\n");
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("sequential = true"), "{e}");
        // The old name of the tutorial variant still loads.
        let s = parse("[server]\nvariant = \"seed\"\n", Path::new("old.toml")).unwrap();
        assert_eq!(s.server.variant, crate::server::Variant::Tutorial);
        assert_eq!(s.server.variant.to_string(), "tutorial");
    }

    #[test]
    fn every_key_has_a_default() {
        let s = parse("", Path::new("empty.toml")).unwrap();
        assert_eq!(s.name, "empty");
        assert_eq!(s.client.connections, 1);
        assert!(s.client.nodelay);
    }
}
