//! Reporters: the runner emits [`RunEvent`]s and never formats output
//! itself; each reporter turns events into one format.

mod html;
mod human;
mod json;
mod junit;

use std::time::Duration;

pub use html::{
    HtmlReporter, clean as clean_html_text, render as render_html, render_with as render_html_with,
    timeline as html_timeline,
};
pub use human::HumanReporter;
pub use json::{JsonReport, JsonReporter};
pub use junit::JunitReporter;

use crate::run::ScenarioResult;

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
    /// Every scenario finished.
    RunFinished {
        /// Scenarios whose verdict matched.
        passed: usize,
        /// Scenarios whose verdict did not match, or that could not run.
        failed: usize,
        /// Scenarios skipped (what they check cannot be observed here).
        skipped: usize,
        /// Wall time of the run.
        elapsed: Duration,
    },
}

/// Consumes run events.
pub trait Reporter {
    /// Handles one event.
    fn event(&mut self, ev: &RunEvent<'_>) -> std::io::Result<()>;
}
