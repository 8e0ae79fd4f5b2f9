//! [`ScenarioResult`]: what one scenario gave, as reporters see it.

use serde::{Deserialize, Serialize};

use crate::scenario::{Scenario, Verdict};

/// What a scenario gave. Its JSON form is what `framelab run --format
/// json` prints for each scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioResult {
    /// Scenario name.
    pub name: String,
    /// Its file.
    pub file: String,
    /// The bug it reproduces, if any.
    pub bug: Option<String>,
    /// The verdict (`None`: the scenario could not run; see `detail`).
    #[serde(serialize_with = "ser_verdict", deserialize_with = "de_verdict")]
    pub verdict: Option<Verdict>,
    /// The verdict expected.
    pub expected: Verdict,
    /// Whether they agree.
    pub ok: bool,
    /// The seed used.
    pub seed: u64,
    /// What happened, in words.
    pub detail: String,
    /// Messages sent (first connection), shown escaped and quoted; the
    /// JSON form is the plain text (quotes and escapes removed).
    #[serde(serialize_with = "ser_plain")]
    pub sent: Vec<String>,
    /// Messages the server understood (or replies, for targets), shown
    /// like `sent`.
    #[serde(serialize_with = "ser_plain")]
    pub seen: Vec<String>,
    /// The plan's write sizes (first connection).
    pub writes: Vec<usize>,
    /// A fingerprint of the bytes and boundaries of the plan.
    pub plan: String,
    /// Wall time.
    pub duration_ms: u64,
    /// Why the scenario was not run (then it has no verdict and is
    /// neither passed nor failed); its JSON `verdict` is `"skipped"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// The `--target` it ran against, kept in the replay command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// What happened on the wire of the first connection (`null` when
    /// the scenario could not run or no client of framelab's ran).
    #[serde(default)]
    pub wire: Option<super::Wire>,
}

/// The text of a message shown by [`crate::framing::show`]
/// (`"a\nb"`, or `"abc"... (900 bytes)` when cut), unquoted and
/// unescaped, for JSON: `a` newline `b`, `abc... (900 bytes)`. Bytes that
/// are not UTF-8 become U+FFFD. Text that is not quoted is kept as is.
pub(crate) fn plain(shown: &str) -> String {
    let Some(body) = shown.strip_prefix('"') else { return shown.to_owned() };
    let mut escaped = false;
    let end = body.char_indices().find_map(|(i, c)| {
        let close = c == '"' && !escaped;
        escaped = c == '\\' && !escaped;
        close.then_some(i)
    });
    let Some(end) = end else { return shown.to_owned() };
    match crate::framing::unescape(&shown[..end + 2]) {
        Ok(bytes) => format!("{}{}", String::from_utf8_lossy(&bytes), &body[end + 1..]),
        Err(_) => shown.to_owned(),
    }
}

fn ser_plain<S: serde::Serializer>(v: &[String], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|m| plain(m)))
}

/// A missing verdict is written `"error"`.
fn ser_verdict<S: serde::Serializer>(v: &Option<Verdict>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => v.serialize(s),
        None => s.serialize_str("error"),
    }
}

fn de_verdict<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Verdict>, D::Error> {
    let s = String::deserialize(d)?;
    if s == "error" || s == "skipped" { Ok(None) } else { s.parse().map(Some).map_err(serde::de::Error::custom) }
}

impl ScenarioResult {
    /// A result for `sc` with no verdict yet (an error until one is set).
    pub fn new(sc: &Scenario, seed: u64, target: Option<std::net::SocketAddr>) -> ScenarioResult {
        ScenarioResult {
            name: sc.name.clone(),
            file: sc.file.display().to_string(),
            bug: sc.bug.clone(),
            verdict: None,
            expected: sc.expect.verdict,
            ok: false,
            seed,
            detail: String::new(),
            sent: Vec::new(),
            seen: Vec::new(),
            writes: Vec::new(),
            plan: String::new(),
            duration_ms: 0,
            skipped: None,
            target: target.map(|t| t.to_string()),
            wire: None,
        }
    }

    /// `sc` could not run, for the reason `detail`.
    pub fn error(sc: &Scenario, seed: u64, detail: String) -> ScenarioResult {
        ScenarioResult { detail, ..ScenarioResult::new(sc, seed, None) }
    }

    /// The verdict as text (`skipped`, or `error` when the scenario could
    /// not run).
    pub fn verdict_text(&self) -> String {
        if self.skipped.is_some() {
            return "skipped".to_string();
        }
        self.verdict.map_or_else(|| "error".to_string(), |v| v.to_string())
    }

    /// A command that replays this scenario exactly.
    pub fn replay_command(&self) -> String {
        match &self.target {
            Some(t) => format!("framelab run {} --seed {} --target {t}", self.file, self.seed),
            None => format!("framelab run {} --seed {}", self.file, self.seed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::plain;
    use crate::framing::show;

    #[test]
    fn json_messages_are_plain_text_not_quoted_escapes() {
        assert_eq!(plain(&show(b"hello world", 48)), "hello world");
        assert_eq!(plain(&show(b"a\n\"b\",c\\", 48)), "a\n\"b\",c\\");
        assert_eq!(plain(&show(&[b'x'; 60], 4)), "xxxx... (60 bytes)");
        assert_eq!(plain("... 3 more"), "... 3 more");
    }
}
