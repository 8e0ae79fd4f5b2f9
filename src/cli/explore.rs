//! `framelab explore`.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::run::Format;
use crate::explore::{Explorer, Progress};
use crate::scenario::{self, RunOptions};

/// Options of `framelab explore`.
#[derive(Debug, Args)]
#[command(after_help = "Exit status: 1 when a plan whose verdict differs from the expectation was found,
0 when none was (or after --exhaustive), 2 for a usage or scenario-file error.

Examples:
  framelab explore scenarios/b01-length-prefix-intact.toml --runs 500
  framelab explore my.toml --seed 7 --out found.toml      then: framelab run found.toml
  framelab explore my.toml --exhaustive --max-cuts 2
  framelab explore my.toml --target 127.0.0.1:9000 --format json")]
pub struct ExploreArgs {
    /// The scenario to vary (its server or target, messages and expected verdict).
    pub scenario: PathBuf,
    /// Variations to try.
    #[arg(long, default_value_t = 200)]
    pub runs: usize,
    /// Seed of the search: the same seed tries the same plans in the same order.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write the minimal reproducer here (default: print it).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Try every grouping of frames into writes and every set of up to --max-cuts cut points.
    #[arg(long)]
    pub exhaustive: bool,
    /// Exhaustive mode: most cut points per case.
    #[arg(long, default_value_t = 1)]
    pub max_cuts: usize,
    /// Exhaustive mode: most cases.
    #[arg(long, default_value_t = 5000)]
    pub limit: usize,
    /// Point the scenario at this server (loopback only).
    #[arg(long)]
    pub target: Option<SocketAddr>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Runs at once.
    #[arg(long, default_value_t = 4)]
    pub jobs: usize,
}

impl ExploreArgs {
    /// Explores and reports.
    pub fn run(self) -> anyhow::Result<i32> {
        if let Some(t) = self.target
            && !crate::net::is_loopback(&t)
        {
            eprintln!("error: --target {t} is not a loopback address");
            return Ok(2);
        }
        let sc = match scenario::load_file(&self.scenario) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(2);
            }
        };
        let explorer = Explorer::new(sc, RunOptions { seed: None, target: self.target });
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = indicatif::ProgressBar::new(if self.exhaustive { 0 } else { self.runs as u64 });
            b.set_style(
                indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} runs {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b
        });
        let progress = |p: Progress| {
            if let Some(b) = &bar {
                match p {
                    Progress::Run { done, failures } => {
                        b.set_position(done as u64);
                        b.set_message(format!("{failures} failure(s)"));
                    }
                    Progress::Shrink { accepted, tried } => {
                        b.set_message(format!("shrinking: step {accepted}, {tried} candidates tried"));
                    }
                }
            }
        };
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        if self.exhaustive {
            let r = rt.block_on(explorer.exhaustive(self.max_cuts, self.limit, self.seed, self.jobs, progress));
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            let (verdicts, cases) = match r {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(2);
                }
            };
            match self.format {
                Format::Json => {
                    let rows: Vec<_> = verdicts
                        .iter()
                        .map(|(v, n, c)| {
                            let cuts =
                                explorer.scenario_for(c).map(|s| s.client.schedule.to_string()).unwrap_or_default();
                            json!({"verdict": v.to_string(), "count": n, "example": c, "schedule": cuts})
                        })
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&json!({"cases": cases, "verdicts": rows}))?);
                }
                Format::Human => {
                    println!(
                        "{cases} case(s); {} distinct verdict(s) (expected {}):",
                        verdicts.len(),
                        explorer.expected()
                    );
                    for (v, n, c) in &verdicts {
                        let sched = explorer.scenario_for(c).map(|s| s.client.schedule.to_string()).unwrap_or_default();
                        println!(
                            "  {:<10} {n:>6} case(s)   e.g. schedule {sched}, messages {:?}",
                            v.to_string(),
                            c.messages
                        );
                    }
                }
            }
            return Ok(0);
        }
        let r = rt.block_on(explorer.explore(self.runs, self.seed, self.jobs, progress));
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
        let (found, runs) = match r {
            Ok(v) => v,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(2);
            }
        };
        if let (Some(f), Some(out)) = (&found, &self.out) {
            std::fs::write(out, &f.toml)?;
        }
        match self.format {
            Format::Json => {
                let v = match &found {
                    None => json!({"scenario": self.scenario, "seed": self.seed, "runs": runs, "found": false}),
                    Some(f) => json!({
                        "scenario": self.scenario,
                        "seed": self.seed,
                        "runs": f.runs,
                        "found": true,
                        "verdict": f.verdict.to_string(),
                        "expected": explorer.expected().to_string(),
                        "shrink_steps": f.shrink_steps,
                        "shrink_runs": f.shrink_runs,
                        "stable": format!("{}/10", f.stable),
                        "case": f.case,
                        "out": self.out,
                        "toml": f.toml,
                    }),
                };
                println!("{}", serde_json::to_string_pretty(&v)?);
            }
            Format::Human => match &found {
                None => println!(
                    "{runs} run(s) with seed {}: every verdict was {} as expected; nothing found",
                    self.seed,
                    explorer.expected()
                ),
                Some(f) => {
                    println!(
                        "found {} (expected {}) after {} run(s) with seed {}",
                        f.verdict,
                        explorer.expected(),
                        f.runs,
                        self.seed
                    );
                    println!(
                        "shrunk in {} step(s) ({} runs) to {} message(s) in {} write(s); the written scenario gave {} {}/10 times",
                        f.shrink_steps,
                        f.shrink_runs,
                        f.case.messages.len(),
                        f.case.cuts.len() + 1,
                        f.verdict,
                        f.stable
                    );
                    match &self.out {
                        Some(p) => println!("wrote {} (replay: framelab run {})", p.display(), p.display()),
                        None => print!("\n{}", f.toml),
                    }
                }
            },
        }
        Ok(if found.is_some() { 1 } else { 0 })
    }
}
