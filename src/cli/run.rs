//! `framelab run`.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use crate::report::{HtmlReporter, HumanReporter, JsonReporter, JunitReporter, Reporter, RunEvent};
use crate::run::{self, RunOptions};
use crate::scenario::{self, Origin, Scenario, Source};

/// Report format on stdout.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// Text for people (`run`: one line per scenario, details for each mismatch).
    Human,
    /// One JSON object.
    Json,
}

/// Options of `framelab run`.
#[derive(Debug, Args)]
#[command(after_help = "Exit status: 0 when every verdict matches its expectation, 1 when one does not,
2 for a usage or scenario-file error, 130 when interrupted (Ctrl-C kills every
spawned target and client under test, with their process groups, first).

Examples:
  framelab run                                  ./scenarios/ if there is one, else the built-in suite
  framelab run scenarios/b01-naive-coalesced.toml --seed 7
  framelab run --filter B4 --format json
  framelab run --junit report.xml --shard 1/3
  framelab run --html report.html               then open report.html in a browser
  framelab run my-scenarios/ --target 127.0.0.1:9000
  framelab run --target localhost:9000          the built-in suite against your server
                                                (what its replies cannot judge is skipped)
  framelab run examples/scenarios/                spawned Python servers and clients")]
pub struct RunArgs {
    /// Scenario files or folders (default: ./scenarios/ if it exists, else the built-in suite).
    pub paths: Vec<PathBuf>,
    /// Report format on stdout.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Also write a JUnit XML report here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Also write an HTML report here: one self-contained file with a timeline of each scenario's writes and reads.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Seed for every scenario (replays a reported failure exactly).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Run only scenarios whose name, file or bug id contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    /// Point every scenario at this server (loopback: IP:PORT, [::1]:PORT or
    /// localhost:PORT) instead of its own. Scenarios that its replies
    /// cannot judge are listed as skipped, with the reason.
    #[arg(long, value_parser = crate::net::parse_target)]
    pub target: Option<SocketAddr>,
    /// Do not trace spawned targets' reads and writes ([target] command):
    /// judge them by their replies alone, as an address target.
    #[arg(long)]
    pub no_trace: bool,
    /// Run shard I of N: the files sorted by name, every Nth from the Ith (N shards split the suite evenly).
    #[arg(long, value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,
    /// Scenarios run at once (most of a scenario's time is spent waiting); of those that start programs, at most two per core.
    #[arg(long, default_value_t = 16)]
    pub jobs: usize,
}

fn parse_shard(s: &str) -> anyhow::Result<(usize, usize)> {
    let (i, n) = s.split_once('/').context("expected I/N, e.g. 1/3")?;
    let number = |x: &str| x.trim().parse::<usize>().with_context(|| format!("expected I/N, got {s:?}"));
    let (i, n) = (number(i)?, number(n)?);
    if n == 0 || i == 0 || i > n {
        anyhow::bail!("expected I/N with 1 <= I <= N, got {s:?}");
    }
    Ok((i, n))
}

impl RunArgs {
    /// Loads, filters and shards the scenarios; errors are file-located.
    /// Also says which suite a run without paths picked.
    pub fn scenarios(&self) -> Result<(Vec<Scenario>, Origin), Vec<String>> {
        let (mut files, origin) = scenario::resolve(&self.paths).map_err(|e| vec![e.to_string()])?;
        if let Some((i, n)) = self.shard {
            files = scenario::shard(files, Source::path, i, n);
        }
        let mut out = scenario::load_all(files)?;
        if let Some(t) = &self.filter {
            out.retain(|s| scenario::matches_filter(s, t));
        }
        Ok((out, origin))
    }

    /// Why nothing matched, in words.
    fn nothing_matched(&self, origin: Origin) -> String {
        let what = if origin == Origin::BuiltIn {
            "the built-in suite".to_owned()
        } else if self.paths.is_empty() {
            "./scenarios/".to_owned()
        } else {
            self.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        };
        match (&self.filter, self.shard) {
            (Some(f), _) => format!(
                "no scenario in {what} has {f:?} in its name, file or bug id; run `framelab list scenarios` to see them"
            ),
            (None, Some((i, n))) => format!("shard {i}/{n} of {what} is empty; use fewer shards"),
            (None, None) => format!("no scenario file (*.toml) in {what}"),
        }
    }

    /// The reporters the options ask for.
    fn reporters(&self) -> Vec<Box<dyn Reporter>> {
        let mut reporters: Vec<Box<dyn Reporter>> = Vec::new();
        match self.format {
            Format::Human => {
                let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
                reporters.push(Box::new(HumanReporter::new(std::io::stdout(), color)));
            }
            Format::Json => reporters.push(Box::new(JsonReporter::new(std::io::stdout()))),
        }
        if let Some(p) = &self.junit {
            reporters.push(Box::new(JunitReporter::new(p.clone())));
        }
        if let Some(p) = &self.html {
            reporters.push(Box::new(HtmlReporter::new(p.clone())));
        }
        reporters
    }

    /// Refuses a `--target` that is not on loopback or does not accept
    /// connections (a setup error, not a verdict of every scenario).
    fn target_usable(&self) -> bool {
        let Some(t) = self.target else { return true };
        if !crate::net::is_loopback(&t) {
            eprintln!(
                "error: --target {t} is not a loopback address; framelab only sends test traffic to 127.0.0.0/8 and ::1"
            );
            return false;
        }
        if let Err(e) = std::net::TcpStream::connect_timeout(&t, std::time::Duration::from_secs(2)) {
            eprintln!("error: cannot connect to {t}: {e}: is the server running on {t}?");
            return false;
        }
        true
    }

    /// Runs the scenarios and reports.
    pub fn run(self) -> anyhow::Result<i32> {
        if !self.target_usable() {
            return Ok(2);
        }
        let scenarios = match self.scenarios() {
            Ok((s, origin)) if s.is_empty() => {
                eprintln!("error: {}", self.nothing_matched(origin));
                return Ok(2);
            }
            Ok((s, origin)) => {
                if let Some(line) = origin.describe(s.len()) {
                    eprintln!("{line}");
                }
                s
            }
            Err(errors) => {
                for e in errors {
                    eprintln!("error: {e}");
                }
                return Ok(2);
            }
        };
        let mut reporters = self.reporters();
        let bar = progress_bar(scenarios.len());
        let opts = RunOptions { seed: self.seed, target: self.target, no_trace: self.no_trace, pool: None };
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        let mut io_error = None;
        // The runner emits the events; the reporters only listen.
        let suite = run::run_suite(scenarios, opts, self.jobs, |ev| {
            let mut report = || {
                for rep in reporters.iter_mut() {
                    if let Err(e) = rep.event(ev) {
                        io_error.get_or_insert(e);
                    }
                }
            };
            match (&bar, ev) {
                (Some(b), RunEvent::ScenarioFinished { .. }) => {
                    b.inc(1);
                    b.suspend(report);
                }
                (Some(b), RunEvent::RunFinished { .. }) => {
                    b.finish_and_clear();
                    report();
                }
                _ => report(),
            }
        });
        // Ctrl-C (or SIGTERM): kill every spawned target and client under
        // test, whole process groups, before exiting.
        let results = rt.block_on(async {
            tokio::select! {
                r = suite => Some(r),
                _ = crate::target::interrupted() => None,
            }
        });
        let Some(results) = results else {
            let killed = crate::target::kill_all();
            if let Some(b) = &bar {
                b.abandon();
            }
            eprintln!("interrupted: stopped {killed} spawned program(s)");
            return Ok(130);
        };
        if let Some(e) = io_error {
            return Err(e.into());
        }
        let summary = run::RunSummary::of(&results);
        if let Some(p) = &self.html {
            // On stderr under --format json, whose stdout is one JSON object.
            let line = format!("wrote {} ({} scenarios, {} failed)", p.display(), results.len(), summary.failed);
            match self.format {
                Format::Human => println!("{line}"),
                Format::Json => eprintln!("{line}"),
            }
        }
        Ok(summary.exit_code())
    }
}

/// A progress bar on stderr when it is a terminal.
fn progress_bar(count: usize) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let b = indicatif::ProgressBar::new(count as u64);
    b.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} scenarios {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(b)
}
