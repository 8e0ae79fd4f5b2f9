//! `framelab list`.

use clap::Args;

use crate::framing::STRATEGIES;
use crate::framing::length_prefix::PRESETS;
use crate::scenario::VERDICTS;
use crate::server::{HANDLERS, VARIANTS};

/// `writeln!` into a String (cannot fail).
macro_rules! outln {
    ($buf:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($buf, $($arg)*);
    }};
}

const SECTIONS: &[&str] = &["strategies", "presets", "variants", "handlers", "schedules", "verdicts", "scenarios"];

/// Options of `framelab list`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  framelab list\n  framelab list strategies\n  framelab list variants\n  framelab list scenarios --scenarios my-scenarios/"
)]
pub struct ListArgs {
    /// Show only this section: strategies, presets, variants, handlers, schedules, verdicts, scenarios.
    pub section: Option<String>,
    /// Folder of scenarios to list (default: ./scenarios/ if it exists, else the built-in suite).
    #[arg(long)]
    pub scenarios: Option<std::path::PathBuf>,
}

impl ListArgs {
    /// Prints the listing.
    pub fn run(self) -> anyhow::Result<i32> {
        let mut buf = String::new();
        self.render(&mut buf)?;
        write_stdout(&buf)
    }

    fn render(&self, buf: &mut String) -> anyhow::Result<()> {
        let want = |s: &str| self.section.as_deref().is_none_or(|w| w == s);
        if let Some(s) = &self.section
            && !SECTIONS.contains(&s.as_str())
        {
            anyhow::bail!("unknown section {s:?}: expected one of {}", SECTIONS.join(", "));
        }
        if want("strategies") {
            outln!(buf, "strategies (framing spec: STRATEGY[:ITEM,KEY=VALUE...]):");
            for s in STRATEGIES {
                outln!(buf, "  {:<14} {}", s.name, s.wire);
                for (k, d, m) in s.knobs {
                    outln!(buf, "      {k:<16} default {d:<8} {m}");
                }
            }
            outln!(buf, "  raw            accepted alias of naive (no framing, reads of 1024 bytes)");
        }
        if want("presets") {
            outln!(buf, "length-prefix presets:");
            for (name, what) in PRESETS {
                outln!(buf, "  {name:<8} {what}");
            }
        }
        if want("variants") {
            outln!(buf, "variants (correct is the default everywhere):");
            for (strategy, name, what) in VARIANTS {
                outln!(buf, "  {strategy:<14} {name:<11} {what}");
            }
            outln!(buf, "  (`seed` is an accepted alias of `tutorial`; one client at a time is its own setting:");
            outln!(buf, "   `sequential = true` in [server], `framelab serve --sequential`, B14)");
        }
        if want("handlers") {
            outln!(buf, "handlers:");
            for (name, what) in HANDLERS {
                outln!(buf, "  {name:<8} {what}");
            }
        }
        if want("schedules") {
            outln!(buf, "schedules (scenario TOML / command-line text):");
            for (toml, text, what) in [
                ("\"each\"", "each", "one write per frame"),
                ("\"coalesce\" / { coalesce = N }", "coalesce[:N]", "all frames, or N frames, per write"),
                ("{ chunk = N }", "chunk:N", "N bytes per write"),
                ("\"drip\"", "drip", "one byte per write"),
                ("{ random = [MIN, MAX] }", "random:MIN-MAX", "sizes drawn with the seed"),
                ("{ cuts = [A, B] }", "cuts:A,B", "cut at these stream offsets"),
            ] {
                outln!(buf, "  {toml:<32} {text:<15} {what}");
            }
        }
        if want("verdicts") {
            let names: Vec<String> = VERDICTS.iter().map(|v| v.to_string()).collect();
            outln!(buf, "verdicts: {}", names.join(", "));
        }
        if want("scenarios") {
            let paths: Vec<_> = self.scenarios.iter().cloned().collect();
            match crate::scenario::resolve(&paths) {
                Ok((files, origin)) => {
                    let from = match (origin, &self.scenarios) {
                        (_, Some(p)) => p.display().to_string(),
                        (crate::scenario::Origin::BuiltIn, None) => "the built-in suite".into(),
                        _ => "./scenarios/".into(),
                    };
                    outln!(buf, "scenarios in {from} (bug, expected verdict, name, file):");
                    for f in files {
                        match f.load() {
                            Ok(s) => outln!(
                                buf,
                                "  {:<4} {:<10} {}  ({})",
                                s.bug.as_deref().unwrap_or("-"),
                                s.expect.verdict.to_string(),
                                s.name,
                                f.path().display()
                            ),
                            Err(e) => outln!(buf, "  error: {e}"),
                        }
                    }
                }
                Err(e) => outln!(buf, "scenarios: {e}"),
            }
        }
        Ok(())
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub(crate) fn write_stdout(text: &str) -> anyhow::Result<i32> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(e.into()),
        Ok(()) => Ok(0),
    }
}
