//! The JSON report: one object, as DESIGN.md fixes it:
//! `{"scenarios": [{"name", "file", "verdict", "expected", "ok", "seed",
//! "detail"}], "passed": N, "failed": N}` (plus a few extra fields per
//! scenario: bug, plan, writes, sent, seen, duration_ms).

use std::io::Write;

use serde::{Deserialize, Serialize};

use super::{Reporter, RunEvent};

/// One scenario in the JSON report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JsonScenario {
    /// Name.
    pub name: String,
    /// File.
    pub file: String,
    /// Verdict (`error` when it could not run).
    pub verdict: String,
    /// Expected verdict.
    pub expected: String,
    /// Whether they agree.
    pub ok: bool,
    /// Seed.
    pub seed: u64,
    /// What happened.
    pub detail: String,
    /// Bug id.
    pub bug: Option<String>,
    /// Plan fingerprint.
    pub plan: String,
    /// Write sizes.
    pub writes: Vec<usize>,
    /// Messages sent (escaped).
    pub sent: Vec<String>,
    /// Messages seen (escaped).
    pub seen: Vec<String>,
    /// Wall time.
    pub duration_ms: u64,
}

/// The JSON report.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct JsonReport {
    /// Every scenario.
    pub scenarios: Vec<JsonScenario>,
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
}

/// Writes the JSON report at the end of the run.
pub struct JsonReporter<W: Write> {
    out: W,
    report: JsonReport,
}

impl<W: Write> JsonReporter<W> {
    /// A reporter writing to `out`.
    pub fn new(out: W) -> Self {
        JsonReporter { out, report: JsonReport::default() }
    }
}

impl<W: Write> Reporter for JsonReporter<W> {
    fn event(&mut self, ev: &RunEvent<'_>) -> std::io::Result<()> {
        match ev {
            RunEvent::RunStarted { .. } => {}
            RunEvent::ScenarioFinished { result: r } => self.report.scenarios.push(JsonScenario {
                name: r.name.clone(),
                file: r.file.clone(),
                verdict: r.verdict_text(),
                expected: r.expected.to_string(),
                ok: r.ok,
                seed: r.seed,
                detail: r.detail.clone(),
                bug: r.bug.clone(),
                plan: r.plan.clone(),
                writes: r.writes.clone(),
                sent: r.sent.clone(),
                seen: r.seen.clone(),
                duration_ms: r.duration_ms,
            }),
            RunEvent::RunFinished { passed, failed, .. } => {
                self.report.passed = *passed;
                self.report.failed = *failed;
                serde_json::to_writer_pretty(&mut self.out, &self.report)?;
                writeln!(self.out)?;
                self.out.flush()?;
            }
        }
        Ok(())
    }
}
