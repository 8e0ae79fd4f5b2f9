//! The human report: one line per scenario, details for every mismatch.

use std::io::Write;

use super::{Reporter, RunEvent};

/// Writes the human-readable report.
pub struct HumanReporter<W: Write> {
    out: W,
    color: bool,
    failures: Vec<crate::run::ScenarioResult>,
}

impl<W: Write> HumanReporter<W> {
    /// A reporter writing to `out`, with ANSI colours if `color`.
    pub fn new(out: W, color: bool) -> Self {
        HumanReporter { out, color, failures: Vec::new() }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }
}

impl<W: Write> Reporter for HumanReporter<W> {
    fn event(&mut self, ev: &RunEvent<'_>) -> std::io::Result<()> {
        match ev {
            RunEvent::RunStarted { count } => {
                writeln!(self.out, "running {count} scenario(s)")?;
            }
            RunEvent::ScenarioFinished { result: r } => {
                let bug = r.bug.as_deref().unwrap_or("-");
                if let Some(why) = r.skipped() {
                    writeln!(
                        self.out,
                        "{} {bug:<4} {:<10} {:>6}ms  {}: {why}",
                        self.paint("33", "SKIP"),
                        "-",
                        0,
                        r.name
                    )?;
                    return self.out.flush();
                }
                let status = if r.ok() { self.paint("32", "PASS") } else { self.paint("31;1", "FAIL") };
                let verdict = r.verdict_text();
                let shown =
                    if r.ok() { format!("{verdict:<10}") } else { format!("{verdict} (expected {})", r.expected) };
                writeln!(self.out, "{status} {bug:<4} {shown} {:>6}ms  {}", r.duration_ms, r.name)?;
                if !r.ok() {
                    self.failures.push((*r).clone());
                }
            }
            RunEvent::RunFinished { summary, elapsed } => {
                for r in std::mem::take(&mut self.failures) {
                    writeln!(self.out)?;
                    writeln!(self.out, "{} {} ({})", self.paint("31;1", "--- FAIL:"), r.name, r.file)?;
                    writeln!(self.out, "    verdict:  {} (expected {})", r.verdict_text(), r.expected)?;
                    writeln!(self.out, "    what:     {}", r.detail)?;
                    writeln!(self.out, "    sent:     [{}]", r.sent.join(", "))?;
                    writeln!(self.out, "    writes:   {:?}", &r.writes[..r.writes.len().min(16)])?;
                    if let Some(w) = r.wire.as_ref().filter(|w| w.traced) {
                        let sizes =
                            |c: &[crate::run::Chunk]| -> Vec<u64> { c.iter().take(16).map(|c| c.len).collect() };
                        writeln!(
                            self.out,
                            "    target:   read {:?}, wrote {:?}",
                            sizes(&w.reads),
                            sizes(&w.target_writes)
                        )?;
                    }
                    writeln!(self.out, "    seen:     [{}]", r.seen.join(", "))?;
                    writeln!(self.out, "    seed:     {}", r.seed)?;
                    writeln!(self.out, "    replay:   {}", r.replay_command())?;
                }
                writeln!(self.out)?;
                let failed = summary.failed;
                let summary = summary.line();
                let summary = if failed == 0 { self.paint("32;1", &summary) } else { self.paint("31;1", &summary) };
                writeln!(self.out, "{summary} in {:.2}s", elapsed.as_secs_f64())?;
            }
        }
        self.out.flush()
    }
}
