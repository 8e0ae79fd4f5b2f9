//! The JSON report: one object, as DESIGN.md fixes it:
//! `{"scenarios": [{"name", "file", "verdict", "expected", "ok", "seed",
//! "detail"}], "passed": N, "failed": N, "skipped": N}` (plus a few extra
//! fields per scenario: bug, plan, writes, sent, seen, duration_ms, and
//! `skipped` with the reason when it was skipped, `replay`, the command
//! that replays it exactly, and `wire`, the first
//! connection's writes, reads and messages with offsets and times;
//! docs/report.md lists them): each scenario is a
//! serialized [`ScenarioResult`]. `verdict` is a verdict (`inconclusive`
//! included), `"skipped"`, or `"error"` when the scenario could not run.

use std::io::Write;

use serde::{Deserialize, Serialize};

use super::{Reporter, RunEvent};
use crate::run::ScenarioResult;

/// The JSON report.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct JsonReport {
    /// Every scenario.
    pub scenarios: Vec<ScenarioResult>,
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Skipped (`"verdict": "skipped"`, with the reason in `"skipped"`).
    #[serde(default)]
    pub skipped: usize,
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
            RunEvent::ScenarioFinished { result: r } => self.report.scenarios.push((*r).clone()),
            RunEvent::RunFinished { summary, .. } => {
                self.report.passed = summary.passed;
                self.report.failed = summary.failed;
                self.report.skipped = summary.skipped;
                let v = serde_json::to_value(&self.report)?;
                serde_json::to_writer_pretty(&mut self.out, &v)?;
                writeln!(self.out)?;
                self.out.flush()?;
            }
        }
        Ok(())
    }
}
