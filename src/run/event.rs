//! [`RunEvent`]: what the runner tells reporters, in order.

use std::time::Duration;

use super::{RunSummary, ScenarioResult};

/// What the runner tells reporters.
#[derive(Debug, Clone, Copy)]
pub enum RunEvent<'a> {
    /// The run begins with this many scenarios.
    RunStarted {
        /// Number of scenarios.
        count: usize,
    },
    /// A scenario finished (events come in file order).
    ScenarioFinished {
        /// Its result.
        result: &'a ScenarioResult,
    },
    /// Every scenario finished (not sent when the run was interrupted).
    RunFinished {
        /// The counts and the exit status.
        summary: RunSummary,
        /// Wall time of the run.
        elapsed: Duration,
    },
}
