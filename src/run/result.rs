//! [`ScenarioResult`]: what one scenario gave, as reporters see it.

use serde::{Deserialize, Serialize};

use crate::scenario::{Scenario, Verdict};

/// How a scenario came out: one of three, never a mix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It ran and was judged (the result's `expected` is what it should
    /// have been).
    Judged {
        /// The verdict.
        verdict: Verdict,
    },
    /// It was not run: what it checks cannot be observed here (a
    /// `--target` whose replies cannot judge it). Neither passed nor failed.
    Skipped {
        /// Why, in words.
        reason: String,
    },
    /// It could not run (a plan, a server or a target that did not start;
    /// a panic in framelab): a failure with no verdict.
    Error {
        /// What went wrong.
        error: String,
    },
}

/// What a scenario gave. Its JSON form is what `framelab run --format
/// json` prints for each scenario: `verdict` is the verdict, `"skipped"`
/// or `"error"`, with `ok`, and `skipped` (the reason) when skipped.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(into = "Json", from = "Json")]
pub struct ScenarioResult {
    /// Scenario name.
    pub name: String,
    /// Its file.
    pub file: String,
    /// The bug it reproduces, if any.
    pub bug: Option<String>,
    /// The verdict the scenario expects (known whatever the outcome).
    pub expected: Verdict,
    /// How it came out.
    pub outcome: Outcome,
    /// The seed used.
    pub seed: u64,
    /// What happened, in words (the error, or the skip's reason, when it
    /// was not judged).
    pub detail: String,
    /// Messages sent (first connection), shown escaped and quoted; the
    /// JSON form is the plain text (quotes and escapes removed).
    pub sent: Vec<String>,
    /// Messages the server understood (or replies, for targets), shown
    /// like `sent`.
    pub seen: Vec<String>,
    /// The plan's write sizes (first connection).
    pub writes: Vec<usize>,
    /// A fingerprint of the bytes and boundaries of the plan.
    pub plan: String,
    /// Wall time.
    pub duration_ms: u64,
    /// The `--target` it ran against, kept in the replay command.
    pub target: Option<String>,
    /// What happened on the wire of the first connection (`null` when
    /// the scenario could not run or no client of framelab's ran).
    pub wire: Option<super::WireRecord>,
    /// Where the time went, phase by phase (`None` when it did not run).
    pub timing: Option<super::Timing>,
    /// How its spawned target was got: started, reused from an earlier
    /// run, or restarted and why (`None`: no target was spawned).
    pub target_start: Option<crate::target::TargetStart>,
}

/// [`ScenarioResult`]'s JSON shape (DESIGN.md's contract, flat).
#[derive(Serialize, Deserialize)]
struct Json {
    name: String,
    file: String,
    bug: Option<String>,
    verdict: String,
    expected: Verdict,
    ok: bool,
    seed: u64,
    detail: String,
    #[serde(serialize_with = "ser_plain")]
    sent: Vec<String>,
    #[serde(serialize_with = "ser_plain")]
    seen: Vec<String>,
    writes: Vec<usize>,
    plan: String,
    duration_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    skipped: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target: Option<String>,
    /// The command that replays the scenario (written, not read).
    #[serde(default, skip_deserializing)]
    replay: String,
    #[serde(default)]
    wire: Option<super::WireRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timing: Option<super::Timing>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target_start: Option<crate::target::TargetStart>,
}

impl From<ScenarioResult> for Json {
    fn from(r: ScenarioResult) -> Json {
        let (verdict, ok, skipped) = match &r.outcome {
            Outcome::Judged { verdict } => (verdict.to_string(), r.ok(), None),
            Outcome::Skipped { reason } => ("skipped".into(), false, Some(reason.clone())),
            Outcome::Error { .. } => ("error".into(), false, None),
        };
        let replay = r.replay_command();
        Json {
            verdict,
            ok,
            skipped,
            replay,
            name: r.name,
            file: r.file,
            bug: r.bug,
            expected: r.expected,
            seed: r.seed,
            detail: r.detail,
            sent: r.sent,
            seen: r.seen,
            writes: r.writes,
            plan: r.plan,
            duration_ms: r.duration_ms,
            target: r.target,
            wire: r.wire,
            timing: r.timing,
            target_start: r.target_start,
        }
    }
}

impl From<Json> for ScenarioResult {
    fn from(j: Json) -> ScenarioResult {
        let outcome = match (j.verdict.as_str(), j.skipped) {
            (_, Some(reason)) => Outcome::Skipped { reason },
            ("skipped", None) => Outcome::Skipped { reason: j.detail.clone() },
            (v, None) => match v.parse() {
                Ok(verdict) => Outcome::Judged { verdict },
                Err(_) => Outcome::Error { error: j.detail.clone() },
            },
        };
        ScenarioResult {
            name: j.name,
            file: j.file,
            bug: j.bug,
            expected: j.expected,
            outcome,
            seed: j.seed,
            detail: j.detail,
            sent: j.sent,
            seen: j.seen,
            writes: j.writes,
            plan: j.plan,
            duration_ms: j.duration_ms,
            target: j.target,
            wire: j.wire,
            timing: j.timing,
            target_start: j.target_start,
        }
    }
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

impl ScenarioResult {
    /// A result for `sc` with no verdict yet (an error until one is set).
    pub fn new(sc: &Scenario, seed: u64, target: Option<std::net::SocketAddr>) -> ScenarioResult {
        ScenarioResult {
            name: sc.name.clone(),
            file: sc.file.display().to_string(),
            bug: sc.bug.clone(),
            expected: sc.expect.verdict,
            outcome: Outcome::Error { error: "not run".into() },
            seed,
            detail: String::new(),
            sent: Vec::new(),
            seen: Vec::new(),
            writes: Vec::new(),
            plan: String::new(),
            duration_ms: 0,
            target: target.map(|t| t.to_string()),
            wire: None,
            timing: None,
            target_start: None,
        }
    }

    /// `sc` could not run, for the reason `error`.
    pub fn error(sc: &Scenario, seed: u64, error: String) -> ScenarioResult {
        let mut r = ScenarioResult::new(sc, seed, None);
        r.set_error(error);
        r
    }

    /// Sets the outcome: judged `verdict`, with `detail`.
    pub fn set_verdict(&mut self, verdict: Verdict, detail: String) {
        self.outcome = Outcome::Judged { verdict };
        self.detail = detail;
    }

    /// Sets the outcome: not run, for `reason`.
    pub fn set_skipped(&mut self, reason: String) {
        self.detail = reason.clone();
        self.outcome = Outcome::Skipped { reason };
    }

    /// Sets the outcome: could not run, for `error`.
    pub fn set_error(&mut self, error: String) {
        self.detail = error.clone();
        self.outcome = Outcome::Error { error };
    }

    /// The verdict, when it was judged.
    pub fn verdict(&self) -> Option<Verdict> {
        match self.outcome {
            Outcome::Judged { verdict } => Some(verdict),
            _ => None,
        }
    }

    /// Whether it was judged with the verdict expected.
    pub fn ok(&self) -> bool {
        self.verdict() == Some(self.expected)
    }

    /// Why it was not run, when it was skipped.
    pub fn skipped(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Skipped { reason } => Some(reason),
            _ => None,
        }
    }

    /// Whether it could not run.
    pub fn is_error(&self) -> bool {
        matches!(self.outcome, Outcome::Error { .. })
    }

    /// The verdict as text (`skipped`, or `error` when the scenario could
    /// not run).
    pub fn verdict_text(&self) -> String {
        match &self.outcome {
            Outcome::Judged { verdict } => verdict.to_string(),
            Outcome::Skipped { .. } => "skipped".into(),
            Outcome::Error { .. } => "error".into(),
        }
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
