//! Reporters: the runner ([`crate::run::run_suite`]) emits
//! [`RunEvent`]s and never formats output itself; each reporter only
//! listens, and turns events into one format.

mod html;
mod human;
mod json;
mod junit;

pub use html::{
    HtmlReporter, clean as clean_html_text, render as render_html, render_with as render_html_with,
    timeline as html_timeline,
};
pub use human::HumanReporter;
pub use json::{JsonReport, JsonReporter};
pub use junit::JunitReporter;

pub use crate::run::RunEvent;

/// Consumes run events.
pub trait Reporter {
    /// Handles one event.
    fn event(&mut self, ev: &RunEvent<'_>) -> std::io::Result<()>;
}
