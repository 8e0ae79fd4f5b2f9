//! `framelab explore`.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::run::Format;
use crate::explore::{Exhaustive, Explored, Explorer, Progress};
use crate::run::RunOptions;
use crate::scenario;

/// Options of `framelab explore`.
#[derive(Debug, Args)]
#[command(after_help = "A plan is found only when it gives the same verdict in at least 9 of 10 replays;
one that differed once and did not replay is reported as flaky, with its count.
Against a shared --target (or [target] addr) plans run one at a time.

Exit status: 1 when a plan whose verdict differs from the expectation was found,
3 when only flaky plans were (none replays 9 of 10 times), 0 when none was (or
after --exhaustive), 2 for a usage or scenario-file error.

Examples:
  framelab explore scenarios/b01-length-prefix-intact.toml --runs 500
  framelab explore examples/explore/naive-tutorial.toml --seed 1 --out found.toml   then: framelab run found.toml
  framelab explore examples/explore/two-frames.toml --exhaustive --max-cuts 2
  framelab explore my.toml --target 127.0.0.1:9000 --format json
  framelab explore scenarios/b01-length-prefix-intact.toml --html found.html   timelines before and after shrinking")]
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
    /// Point the scenario at this server (loopback: IP:PORT, [::1]:PORT or
    /// localhost:PORT); plans then run one at a time.
    #[arg(long, value_parser = crate::net::parse_target)]
    pub target: Option<SocketAddr>,
    /// Do not trace spawned targets' reads and writes ([target] command):
    /// judge them by their replies alone, as an address target.
    #[arg(long)]
    pub no_trace: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Runs at once: in flight in any order, their verdicts taken in the cases' order (a spawned target is started once per job and kept between runs).
    #[arg(long, default_value_t = 4)]
    pub jobs: usize,
    /// Write an HTML report of the found case here: its timeline before and after shrinking.
    #[arg(long)]
    pub html: Option<PathBuf>,
}

impl ExploreArgs {
    /// Explores and reports.
    pub fn run(mut self) -> anyhow::Result<i32> {
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
        if std::env::var_os(super::bench::SMOKE_ENV).is_some() && !self.exhaustive && self.runs > 20 {
            // tests/it/doc_commands.rs: the command runs, shrinks and
            // replays as written, over fewer variations.
            self.runs = 20;
            eprintln!("{} is set: at most 20 runs", super::bench::SMOKE_ENV);
        }
        let explorer =
            Explorer::new(sc, RunOptions { seed: None, target: self.target, no_trace: self.no_trace, pool: None })
                .writing_to(self.out.clone());
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
            rt.block_on(explorer.stop_targets());
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            return match r {
                Ok(ex) => self.report_exhaustive(&explorer, &ex).map(|()| 0),
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(2)
                }
            };
        }
        let r = rt.block_on(explorer.explore(self.runs, self.seed, self.jobs, progress));
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
        rt.block_on(explorer.stop_targets());
        let explored = match r {
            Ok(v) => v,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(2);
            }
        };
        if let (Some(f), Some(out)) = (&explored.found, &self.out) {
            crate::files::write(out, &f.toml)?;
        }
        if let Some(path) = &self.html {
            self.write_html(&rt, &explorer, &explored, path)?;
        }
        self.report(&explorer, &explored)?;
        Ok(match (&explored.found, explored.flaky.is_empty()) {
            (Some(_), _) => 1,
            (None, false) => 3,
            (None, true) => 0,
        })
    }

    /// The HTML report: the found case before and after shrinking, each
    /// run once more to draw its timeline (or a page saying nothing was
    /// found).
    fn write_html(
        &self,
        rt: &tokio::runtime::Runtime,
        explorer: &Explorer,
        explored: &Explored,
        path: &std::path::Path,
    ) -> anyhow::Result<()> {
        let mut results = Vec::new();
        let mut replays = Vec::new();
        if let Some(f) = &explored.found {
            let search = format!("framelab explore {} --seed {} --runs {}", self.scenario.display(), self.seed, f.runs);
            let shrunk = match &self.out {
                Some(out) => format!("framelab run {}", out.display()),
                None => format!("{search} --out found.toml, then framelab run found.toml"),
            };
            for (label, case, replay) in
                [("as found, before shrinking", &f.original, search), ("after shrinking", &f.case, shrunk)]
            {
                let mut r = rt.block_on(explorer.case_result(case, self.seed))?;
                r.name = format!("{label}: {}", r.name);
                results.push(r);
                replays.push(replay);
            }
        }
        let title = match &explored.found {
            Some(f) => format!(
                "framelab explore {}: found {} (expected {}) after {} run(s) with seed {}",
                self.scenario.display(),
                f.verdict,
                explorer.expected(),
                f.runs,
                self.seed
            ),
            None => format!(
                "framelab explore {}: nothing found in {} run(s) with seed {}",
                self.scenario.display(),
                explored.runs,
                self.seed
            ),
        };
        let replay = |i: usize, _: &crate::run::ScenarioResult| replays.get(i).cloned().unwrap_or_default();
        Ok(crate::files::write(path, crate::report::render_html_with(&title, &results, replay))?)
    }

    fn report_exhaustive(&self, explorer: &Explorer, ex: &Exhaustive) -> anyhow::Result<()> {
        let schedule = |c| explorer.scenario_for(c).map(|s| s.client.schedule.to_string()).unwrap_or_default();
        match self.format {
            Format::Json => {
                let rows: Vec<_> = ex
                    .verdicts
                    .iter()
                    .map(|v| {
                        json!({"verdict": v.verdict.to_string(), "count": v.count, "example": v.example, "schedule": schedule(&v.example)})
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&json!({"cases": ex.runs, "verdicts": rows}))?);
            }
            Format::Human => {
                println!(
                    "{} case(s); {} distinct verdict(s) (expected {}):",
                    ex.runs,
                    ex.verdicts.len(),
                    explorer.expected()
                );
                for v in &ex.verdicts {
                    println!(
                        "  {:<10} {:>6} case(s)   e.g. schedule {}, messages {:?}",
                        v.verdict.to_string(),
                        v.count,
                        schedule(&v.example),
                        v.example.messages
                    );
                }
            }
        }
        Ok(())
    }

    fn report(&self, explorer: &Explorer, explored: &Explored) -> anyhow::Result<()> {
        match (self.format, &explored.found) {
            (Format::Json, None) => {
                let v = json!({"scenario": self.scenario, "seed": self.seed, "runs": explored.runs, "found": false, "flaky": flaky_json(explored), "targets": targets_json(explorer)});
                println!("{}", serde_json::to_string_pretty(&v)?);
            }
            (Format::Json, Some(f)) => {
                let v = json!({
                    "scenario": self.scenario,
                    "seed": self.seed,
                    "runs": f.runs,
                    "found": true,
                    "verdict": f.verdict.to_string(),
                    "expected": explorer.expected().to_string(),
                    "shrink_steps": f.shrink_steps,
                    "shrink_runs": f.shrink_runs,
                    "stable": format!("{}/10", f.stable),
                    "flaky": flaky_json(explored),
                    "case": f.case,
                    "out": self.out,
                    "toml": f.toml,
                    "targets": targets_json(explorer),
                });
                println!("{}", serde_json::to_string_pretty(&v)?);
            }
            (Format::Human, None) if explored.flaky.is_empty() => println!(
                "{} run(s) with seed {}: every verdict was {} as expected; nothing found",
                explored.runs,
                self.seed,
                explorer.expected()
            ),
            (Format::Human, None) => {
                println!(
                    "{} run(s) with seed {}: nothing found that replays (expected {}); flaky:",
                    explored.runs,
                    self.seed,
                    explorer.expected()
                );
                print_flaky(explored);
            }
            (Format::Human, Some(f)) => {
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
                if !f.case.messages.is_empty() && f.case.messages.iter().all(|m| m.is_empty()) {
                    println!(
                        "only empty messages give {}, as found (the shrinker empties messages only when the case found had \
                         no bytes to send): an empty message is a framing's edge case, a zero length or an empty \
                         line, that this server does not handle",
                        f.verdict
                    );
                }
                if !explored.flaky.is_empty() {
                    println!("before it, flaky (not findings):");
                    print_flaky(explored);
                }
                match &self.out {
                    Some(p) => println!("wrote {} (replay: framelab run {})", p.display(), p.display()),
                    None => print!("\n{}", f.toml),
                }
            }
        }
        if self.format == Format::Human
            && let Some(line) = targets_line(explorer)
        {
            println!("{line}");
        }
        Ok(())
    }
}

/// "the target was started 4 time(s) and reused for 196 run(s)", and why
/// it was started again, when a target was spawned.
fn targets_line(explorer: &Explorer) -> Option<String> {
    let t = explorer.targets();
    if t.started + t.reused + t.restarted == 0 {
        return None;
    }
    let mut line =
        format!("the target was started {} time(s) and reused for {} run(s)", t.started + t.restarted, t.reused);
    if t.restarted > 0 {
        line.push_str(&format!(
            "; started again {} time(s), because {}",
            t.restarted,
            explorer.restart_reasons().join("; ")
        ));
    }
    Some(line)
}

fn targets_json(explorer: &Explorer) -> serde_json::Value {
    let t = explorer.targets();
    json!({"started": t.started, "reused": t.reused, "restarted": t.restarted, "why": explorer.restart_reasons()})
}

fn flaky_json(explored: &Explored) -> serde_json::Value {
    explored
        .flaky
        .iter()
        .map(|f| json!({"verdict": f.verdict.to_string(), "replayed": format!("{}/{}", f.replayed, crate::explore::REPLAYS), "case": f.case}))
        .collect()
}

fn print_flaky(explored: &Explored) {
    for f in &explored.flaky {
        println!(
            "  {} in {}/{} replays: {} message(s), {} write(s)",
            f.verdict,
            f.replayed,
            crate::explore::REPLAYS,
            f.case.messages.len(),
            f.case.cuts.len() + 1
        );
    }
}
