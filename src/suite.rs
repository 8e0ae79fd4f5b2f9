//! Scenario files run from your own tests: [`Suite`] loads them, points
//! them at your server, runs them and asserts their verdicts.
//!
//! ```no_run
//! # async fn f(addr: std::net::SocketAddr) -> Result<(), framelab::SuiteError> {
//! framelab::Suite::load("scenarios")?.target(addr).run().await.assert_passed();
//! # Ok(())
//! # }
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::report::{HumanReporter, Reporter, RunEvent};
use crate::run::{self, RunOptions, RunSummary, ScenarioResult};
use crate::scenario::{self, Scenario, Source};

/// Why scenario files could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// A file could not be read or parsed: each error is located
    /// (`file:line:column: what`).
    #[error("{}", .0.join("\n"))]
    Load(Vec<String>),
    /// No scenario file (`*.toml`) where one was asked for.
    #[error("no scenario file (*.toml) in {0}")]
    Empty(String),
}

/// Scenario files to run, and where to run them.
#[derive(Debug, Clone)]
pub struct Suite {
    scenarios: Vec<Scenario>,
    target: Option<SocketAddr>,
    seed: Option<u64>,
    no_trace: bool,
    jobs: usize,
}

impl Suite {
    /// Every scenario file (`*.toml`) in a folder (searched recursively,
    /// sorted), or one file.
    pub fn load(path: impl AsRef<Path>) -> Result<Suite, SuiteError> {
        let path = path.as_ref();
        let (files, _) = scenario::resolve(&[path.to_path_buf()]).map_err(|e| SuiteError::Load(vec![e.to_string()]))?;
        Suite::from_sources(files, path.display().to_string())
    }

    /// The built-in suite embedded in framelab (the bugs B1..B18 against
    /// the reference servers, beside the correct strategies).
    pub fn built_in() -> Result<Suite, SuiteError> {
        let files = scenario::embedded::scenario_files().into_iter().map(|(p, t)| Source::Embedded(p, t)).collect();
        Suite::from_sources(files, "the built-in suite".into())
    }

    fn from_sources(files: Vec<Source>, what: String) -> Result<Suite, SuiteError> {
        let scenarios = scenario::load_all(files).map_err(SuiteError::Load)?;
        if scenarios.is_empty() {
            return Err(SuiteError::Empty(what));
        }
        Ok(Suite { scenarios, target: None, seed: None, no_trace: false, jobs: 16 })
    }

    /// Points every scenario at the server at `addr` instead of its own
    /// (as `framelab run --target`). Only loopback addresses are served:
    /// another one makes every scenario an error.
    pub fn target(mut self, addr: SocketAddr) -> Suite {
        self.target = Some(addr);
        self
    }

    /// One seed for every scenario (replays a reported failure).
    pub fn seed(mut self, seed: u64) -> Suite {
        self.seed = Some(seed);
        self
    }

    /// Judges spawned targets by their replies alone (`--no-trace`).
    pub fn no_trace(mut self) -> Suite {
        self.no_trace = true;
        self
    }

    /// Scenarios run at once (default 16).
    pub fn jobs(mut self, jobs: usize) -> Suite {
        self.jobs = jobs.max(1);
        self
    }

    /// Keeps the scenarios `framelab run --filter text` runs: bug id
    /// `text`, or `text` as a whole word in the name or file.
    pub fn filter(mut self, text: &str) -> Suite {
        self.scenarios.retain(|s| scenario::matches_filter(s, text));
        self
    }

    /// The scenario files, in the order they run.
    pub fn files(&self) -> Vec<PathBuf> {
        self.scenarios.iter().map(|s| s.file.clone()).collect()
    }

    /// Runs every scenario (each with its own deadline) and gives their
    /// results. Spawned targets and clients under test are stopped with
    /// their process groups when each scenario ends.
    pub async fn run(self) -> SuiteReport {
        let started = Instant::now();
        if let Some(t) = self.target.filter(|t| !crate::net::is_loopback(t)) {
            let results = self
                .scenarios
                .iter()
                .map(|s| {
                    ScenarioResult::error(
                        s,
                        run::seed_for(s, &RunOptions { seed: self.seed, ..RunOptions::default() }),
                        format!("target {}", crate::net::TargetAddrError::NotLoopback(t)),
                    )
                })
                .collect();
            return SuiteReport { results, elapsed: started.elapsed() };
        }
        let opts = RunOptions { seed: self.seed, target: self.target, no_trace: self.no_trace, pool: None };
        let results = run::run_suite(self.scenarios, opts, self.jobs, |_| {}).await;
        SuiteReport { results, elapsed: started.elapsed() }
    }
}

/// What a [`Suite`] run gave.
#[derive(Debug, Clone)]
pub struct SuiteReport {
    results: Vec<ScenarioResult>,
    elapsed: Duration,
}

impl SuiteReport {
    /// Each scenario's result, in file order.
    pub fn results(&self) -> &[ScenarioResult] {
        &self.results
    }

    /// The counts, and `framelab run`'s exit status.
    pub fn summary(&self) -> RunSummary {
        RunSummary::of(&self.results)
    }

    /// Whether every verdict was the one expected (skipped ones aside).
    pub fn passed(&self) -> bool {
        self.summary().exit_code() == 0
    }

    /// The report `framelab run` prints, without colours: a line per
    /// scenario, then each failure's verdict, expectation, seed and
    /// replay command.
    pub fn human(&self) -> String {
        let mut out = Vec::new();
        let mut r = HumanReporter::new(&mut out, false);
        let events = std::iter::once(RunEvent::RunStarted { count: self.results.len() })
            .chain(self.results.iter().map(|result| RunEvent::ScenarioFinished { result }))
            .chain(std::iter::once(RunEvent::RunFinished { summary: self.summary(), elapsed: self.elapsed }));
        for ev in events {
            // Writing to a Vec cannot fail.
            let _ = r.event(&ev);
        }
        drop(r);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Panics, with [`human`](Self::human) as the message, unless every
    /// verdict was the one expected.
    #[track_caller]
    pub fn assert_passed(&self) -> &SuiteReport {
        if !self.passed() {
            panic!("framelab: {}\n\n{}", self.summary().line(), self.human());
        }
        self
    }
}
