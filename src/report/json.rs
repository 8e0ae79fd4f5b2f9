//! The JSON report: one object, as DESIGN.md fixes it:
//! `{"scenarios": [{"name", "file", "verdict", "expected", "ok", "seed",
//! "detail"}], "passed": N, "failed": N}` (plus a few extra fields per
//! scenario: bug, plan, writes, sent, seen, duration_ms, and `wire`, the
//! first connection's writes, reads and messages with offsets and times;
//! docs/report.md lists them): each scenario is a serialized
//! [`ScenarioResult`].

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
