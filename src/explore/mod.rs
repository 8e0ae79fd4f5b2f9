//! `explore`: seeded search for a client plan whose verdict differs from a
//! scenario's expectation, shrinking of the failing plan to a minimal
//! reproducer, and exhaustive enumeration of small cases.
//!
//! A [`Case`] is a concrete client plan in a shape that shrinks well: the
//! messages, and the write boundaries as (frame, offset in frame) pairs, so
//! that removing a message or shortening one keeps the other boundaries
//! where they were. Every case is run as an ordinary scenario (the base
//! scenario with its `[client]` replaced), so what explore finds is what
//! `framelab run` reproduces.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use futures::StreamExt;
use itertools::Itertools;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::fault::{Action, Schedule};
use crate::run::{self, RunOptions};
use crate::scenario::{self, LoadError, Message, PlanError, Scenario, Verdict};
use crate::trace::ReadLimit;

/// A concrete client plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Case {
    /// The messages.
    pub messages: Vec<Message>,
    /// Write boundaries: (frame index, byte offset into that frame's wire
    /// bytes). Offset 0 is the frame's first byte.
    pub cuts: Vec<(usize, usize)>,
    /// Pause between writes.
    #[serde(serialize_with = "humantime_serde::serialize")]
    pub pause: Duration,
    /// Wait for the reference server to read each write.
    pub sync: bool,
    /// Reply read sizes.
    pub read: Option<(usize, usize)>,
    /// A traced target's own read sizes (`[target] reads`).
    #[serde(serialize_with = "display")]
    pub target_reads: ReadLimit,
}

fn display<S: serde::Serializer>(r: &ReadLimit, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&r.to_string())
}

impl Case {
    fn normalize(&mut self) {
        self.cuts.retain(|c| *c != (0, 0));
        self.cuts.sort_unstable();
        self.cuts.dedup();
    }
}

/// What a search found.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    /// The (shrunk) case.
    pub case: Case,
    /// The case as found, before shrinking.
    pub original: Case,
    /// Its verdict.
    pub verdict: Verdict,
    /// Runs of the search before the first failure.
    pub runs: usize,
    /// Shrink steps accepted.
    pub shrink_steps: usize,
    /// Runs spent shrinking.
    pub shrink_runs: usize,
    /// How many of 10 replays of the written scenario gave the verdict.
    pub stable: usize,
    /// The scenario file text that reproduces it.
    pub toml: String,
}

/// Progress of a search, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// A search run finished.
    Run {
        /// Runs done.
        done: usize,
        /// Failures found so far.
        failures: usize,
    },
    /// A shrink step was tried.
    Shrink {
        /// Steps accepted so far.
        accepted: usize,
        /// Candidates tried so far.
        tried: usize,
    },
}

/// Explores variations of one scenario.
#[derive(Debug, Clone)]
pub struct Explorer {
    base: Scenario,
    opts: RunOptions,
    reference: bool,
    vary_messages: bool,
    /// Writes can wait for the server's reads (a reference server, or a
    /// target on this host with no proxy in between).
    can_sync: bool,
    /// Datagrams: no write boundaries, no read plans.
    udp: bool,
    /// Cases run one at a time (a shared `addr` target: parallel plans
    /// would mix on one server).
    serial: bool,
    /// The target is spawned and traced: its own reads can be shortened.
    can_limit_reads: bool,
    /// Where the reproducer will be written: its paths are made relative
    /// to this file's folder.
    out: Option<std::path::PathBuf>,
}

/// How many replays of a case, and how many must agree, for a find.
pub const REPLAYS: usize = 10;
/// Replays that must give the verdict for a case to be "found".
pub const FOUND_AT: usize = 9;

/// A case whose verdict did not hold on replay.
#[derive(Debug, Clone, Serialize)]
pub struct Flaky {
    /// The case.
    pub case: Case,
    /// The verdict it gave once.
    pub verdict: Verdict,
    /// Replays that gave it again, of [`REPLAYS`].
    pub replayed: usize,
}

/// Why exploring could not go on.
#[derive(Debug, thiserror::Error)]
pub enum ExploreError {
    /// The scenario's plan could not be made.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Exhaustive mode over too many frames.
    #[error("{0} frames: exhaustive mode takes at most 16 (2^(k-1) groupings)")]
    TooManyFrames(usize),
    /// Exhaustive mode over too many cases.
    #[error(
        "{count} cases exceed the limit of {limit}: raise --limit or lower --max-cuts ({bytes} bytes, {frames} frames)"
    )]
    TooManyCases {
        /// Cases there would be.
        count: usize,
        /// The limit.
        limit: usize,
        /// Framed bytes.
        bytes: usize,
        /// Frames.
        frames: usize,
    },
    /// The base scenario file could not be read as a TOML table.
    #[error("the base scenario file: {0}")]
    BaseFile(String),
    /// The found scenario could not be written as TOML.
    #[error("writing the scenario: {0}")]
    Write(String),
    /// The written scenario does not load.
    #[error("the written scenario does not load: {0}")]
    Reload(#[source] LoadError),
}

/// What [`Explorer::search`] found.
#[derive(Debug, Clone)]
pub struct Search {
    /// The first case whose verdict differs from the expectation.
    pub hit: Option<Hit>,
    /// Runs made.
    pub runs: usize,
    /// Cases that differed once and did not replay.
    pub flaky: Vec<Flaky>,
}

/// A case and the verdict it gave.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The case.
    pub case: Case,
    /// Its verdict.
    pub verdict: Verdict,
}

/// What [`Explorer::explore`] gives.
#[derive(Debug, Clone)]
pub struct Explored {
    /// The shrunk reproducer, if a differing verdict was found.
    pub found: Option<Found>,
    /// Runs made searching.
    pub runs: usize,
    /// Cases that differed once but did not replay (at least
    /// [`FOUND_AT`] of [`REPLAYS`]): not findings.
    pub flaky: Vec<Flaky>,
}

/// What [`Explorer::exhaustive`] gives.
#[derive(Debug, Clone)]
pub struct Exhaustive {
    /// Each distinct verdict, in the order first seen.
    pub verdicts: Vec<VerdictCount>,
    /// Cases run.
    pub runs: usize,
}

/// One verdict of an exhaustive run.
#[derive(Debug, Clone)]
pub struct VerdictCount {
    /// The verdict.
    pub verdict: Verdict,
    /// How many cases gave it.
    pub count: usize,
    /// One of them.
    pub example: Case,
}

/// Runs a candidate this many times; it is believed only if every run
/// gives the verdict (flaky steps are not taken).
const CONFIRM_RUNS: usize = 3;
/// Most runs spent shrinking.
const MAX_SHRINK_RUNS: usize = 400;
/// Most time one varied case spends in pauses between its writes.
const MAX_CASE_PAUSES: Duration = Duration::from_millis(40);

impl Explorer {
    /// An explorer of `base`; `opts.target` points it at another server.
    pub fn new(base: Scenario, mut opts: RunOptions) -> Self {
        // Every run on fresh connections to a target started once (again
        // only when a run leaves it unfit, or `[target] fresh = true`).
        opts.pool.get_or_insert_with(Default::default);
        let reference = !run::uses_target(&base, &opts);
        let r = &base.response;
        // Vary the messages only when the expectation follows from them: a
        // fixed list of replies, a pattern counted, or a byte count stays
        // true only for the messages it was written for.
        let counted_pattern = r.pattern.as_deref().is_some_and(|p| !p.contains("?P<len>"));
        // Answers are per request: the messages they answer stay as written.
        let fixed_replies = r.replies.is_some() || counted_pattern || r.bytes.is_some() || r.answers.is_some();
        let vary_messages = base.expect.messages.is_none() && base.client.forge_header.is_none() && !fixed_replies;
        let udp = base.target.as_ref().is_some_and(|t| t.udp)
            || matches!(base.client.framing, Some(crate::framing::FramingSpec::Udp(crate::framing::UdpFormat { .. })))
            || (base.client.framing.is_none()
                && matches!(base.server.strategy, crate::framing::FramingSpec::Udp(crate::framing::UdpFormat { .. })));
        let can_sync = !udp && base.proxy.is_none();
        // A spawned target or a reference server is started for each run;
        // an address is one server that every run shares.
        let spawned = opts.target.is_none() && base.target.as_ref().is_some_and(|t| t.command.is_some());
        let serial = !reference && !spawned;
        // A spawned, traced TCP target can have its own reads shortened.
        let can_limit_reads = spawned && !udp && !opts.no_trace && base.target.as_ref().is_some_and(|t| t.trace);
        Explorer { base, opts, reference, vary_messages, can_sync, udp, serial, can_limit_reads, out: None }
    }

    /// The reproducer will be written to `out`: relative paths in it are
    /// made relative to its folder.
    pub fn writing_to(mut self, out: Option<std::path::PathBuf>) -> Self {
        self.out = out;
        self
    }

    /// How the runs got their spawned targets: started, reused, restarted.
    pub fn targets(&self) -> crate::target::PoolStats {
        self.opts.pool.as_ref().map(|p| p.stats()).unwrap_or_default()
    }

    /// Why targets were started again (the first few reasons).
    pub fn restart_reasons(&self) -> Vec<String> {
        self.opts.pool.as_ref().map(|p| p.reasons()).unwrap_or_default()
    }

    /// Stops the targets kept between runs.
    pub async fn stop_targets(&self) {
        if let Some(p) = &self.opts.pool {
            p.stop_all().await;
        }
    }

    /// Whether the messages are varied (the expectation follows from them).
    pub fn varies_messages(&self) -> bool {
        self.vary_messages
    }

    /// Runs at once: 1 against a shared address, else `jobs`.
    pub fn jobs(&self, jobs: usize) -> usize {
        if self.serial { 1 } else { jobs.max(1) }
    }

    /// Replays `case` [`REPLAYS`] times: how many gave `verdict`.
    pub async fn replays(&self, case: &Case, verdict: Verdict, seed: u64) -> usize {
        let mut n = 0;
        for _ in 0..REPLAYS {
            if self.run_case(case, seed).await == Some(verdict) {
                n += 1;
            }
        }
        n
    }

    /// The expected verdict.
    pub fn expected(&self) -> Verdict {
        self.base.expect.verdict
    }

    /// Wire length of each frame for `messages`.
    fn frame_lens(&self, messages: &[Message]) -> Result<Vec<usize>, ExploreError> {
        let mut sc = self.base.clone();
        sc.client.messages = messages.to_vec();
        sc.client.generate = None;
        sc.client.schedule = Schedule::Each;
        let prep = scenario::prepare(&sc, 0, !self.reference)?;
        Ok(prep.frames.iter().map(|f| f.len()).collect())
    }

    /// Absolute stream offsets of a case's cuts.
    fn absolute_cuts(case: &Case, lens: &[usize]) -> Vec<usize> {
        let mut starts = Vec::with_capacity(lens.len());
        let mut at = 0;
        for l in lens {
            starts.push(at);
            at += l;
        }
        let mut cuts: Vec<usize> = case
            .cuts
            .iter()
            .filter(|(f, off)| *f < lens.len() && *off < lens[*f].max(1))
            .map(|(f, off)| starts[*f] + off)
            .filter(|c| *c > 0 && *c < at)
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        cuts
    }

    /// The scenario that runs `case`.
    pub fn scenario_for(&self, case: &Case) -> Result<Scenario, ExploreError> {
        let lens = self.frame_lens(&case.messages)?;
        let mut sc = self.base.clone();
        sc.client.messages = case.messages.clone();
        sc.client.generate = None;
        sc.client.schedule = Schedule::Cuts(Self::absolute_cuts(case, &lens));
        sc.client.pause = case.pause;
        sc.client.sync = case.sync;
        sc.client.read.sizes = case.read;
        if let Some(t) = &mut sc.target {
            t.reads = case.target_reads;
        }
        Ok(sc)
    }

    /// Runs `case` once; `None` when it cannot run (for example a message
    /// the framing refuses).
    pub async fn run_case(&self, case: &Case, seed: u64) -> Option<Verdict> {
        self.case_result(case, seed).await.ok()?.verdict()
    }

    /// Runs `case` once with `seed` and gives the whole result (with its
    /// wire record, for `explore --html`).
    pub async fn case_result(&self, case: &Case, seed: u64) -> Result<run::ScenarioResult, ExploreError> {
        let sc = self.scenario_for(case)?;
        let opts = RunOptions { seed: Some(seed), ..self.opts.clone() };
        Ok(run::run_scenario(&sc, &opts).await)
    }

    /// The base scenario's own plan as a case.
    pub fn initial_case(&self, seed: u64) -> Result<Case, ExploreError> {
        let prep = scenario::prepare(&self.base, seed, !self.reference)?;
        let messages: Vec<Message> = prep.messages.iter().cloned().map(Message::from).collect();
        let lens = self.frame_lens(&messages)?;
        let mut abs = Vec::new();
        let mut at = 0;
        for a in &prep.actions {
            if let Action::Write(w) = a {
                at += w.len();
                abs.push(at);
            }
        }
        let cuts = abs.into_iter().filter_map(|c| to_frame_offset(c, &lens)).collect();
        let mut case = Case {
            messages,
            cuts,
            pause: self.base.client.pause,
            sync: self.base.client.sync,
            read: self.base.client.read.sizes,
            target_reads: self.base.target.as_ref().map(|t| t.reads).unwrap_or_default(),
        };
        case.normalize();
        Ok(case)
    }

    /// A seeded variation of `base`: other messages (sizes, count), other
    /// write boundaries, pauses, sync and read sizes.
    pub fn variation(&self, base: &Case, rng: &mut ChaCha8Rng) -> Case {
        let mut messages = base.messages.clone();
        if self.vary_messages && !messages.is_empty() && rng.random_bool(0.5) {
            let n = rng.random_range(1..=messages.len().max(2) + 1);
            messages = (0..n)
                .map(|i| {
                    let m = &base.messages[i % base.messages.len()];
                    if rng.random_bool(0.35) {
                        let len = rng.random_range(0..=2 * m.units().max(1) + 8);
                        m.cycled(len)
                    } else {
                        m.clone()
                    }
                })
                .collect();
        }
        let lens = self.frame_lens(&messages).unwrap_or_default();
        let total: usize = lens.iter().sum();
        let mut abs: Vec<usize> = match rng.random_range(0..6) {
            // each
            0 => lens
                .iter()
                .scan(0, |s, l| {
                    *s += l;
                    Some(*s)
                })
                .collect(),
            // coalesce all
            1 => Vec::new(),
            // coalesce n
            2 => {
                let n = rng.random_range(1..=lens.len().max(1));
                let mut at = 0;
                lens.iter()
                    .enumerate()
                    .filter_map(|(i, l)| {
                        at += l;
                        ((i + 1) % n == 0).then_some(at)
                    })
                    .collect()
            }
            // chunk n
            3 => {
                let n = rng.random_range(1..=(total / 2).max(1));
                (n..total).step_by(n).collect()
            }
            // drip (small streams only)
            4 if total <= 256 => (1..total).collect(),
            // a few random cuts
            _ => (0..rng.random_range(1..=4)).map(|_| rng.random_range(0..=total)).collect(),
        };
        abs.retain(|c| *c > 0 && *c < total);
        let writes = u32::try_from(abs.len() + 1).unwrap_or(u32::MAX);
        let cuts = abs.into_iter().filter_map(|c| to_frame_offset(c, &lens)).collect();
        // Where the server's reads can be seen, a sync makes each write its
        // own read exactly, and no pause is added to it (it would only wait
        // on a clock). Without a sync a pause is the only way to keep writes
        // apart, and the pauses of one case add up to at most 40 ms.
        let sync = self.can_sync && rng.random_bool(0.5);
        let pause = if sync {
            Duration::ZERO
        } else {
            let p = [0, 0, 1, 5, 20].map(Duration::from_millis)[rng.random_range(0..5)];
            p.min(MAX_CASE_PAUSES / writes)
        };
        let read = rng.random_bool(0.25).then(|| (1, rng.random_range(1..=16)));
        // Datagrams keep their semantics: one per message, read whole.
        let (cuts, read) = if self.udp { (Vec::new(), None) } else { (cuts, read) };
        // Short reads inside the target, as often as not where it is traced.
        let target_reads = if self.can_limit_reads && rng.random_bool(0.5) {
            match rng.random_range(0..4) {
                0 => ReadLimit::Max(1),
                1 => ReadLimit::Max(rng.random_range(2..=8)),
                _ => ReadLimit::Random { lo: 1, hi: rng.random_range(2..=16) },
            }
        } else {
            base.target_reads
        };
        let mut case = Case { messages, cuts, pause, sync, read, target_reads };
        case.normalize();
        case
    }

    /// Tries up to `runs` seeded variations (in batches of `jobs`, in a
    /// fixed order) and returns the first whose verdict differs from the
    /// expectation, with the number of runs made.
    pub async fn search(
        &self,
        runs: usize,
        seed: u64,
        jobs: usize,
        mut progress: impl FnMut(Progress),
    ) -> Result<Search, ExploreError> {
        let base = self.initial_case(seed)?;
        let mut rng = crate::fault::rng(seed);
        let cases: Vec<Case> = (0..runs).map(|_| self.variation(&base, &mut rng)).collect();
        let mut done = 0;
        let mut flaky = Vec::new();
        let jobs = self.jobs(jobs);
        // Up to `jobs` cases in flight, whatever their order, their verdicts
        // taken in the cases' order: a slow case does not hold the others'
        // slots, and the first differing case is the same whatever the
        // timing.
        'cases: while done < cases.len() {
            let mut verdicts = in_order(&cases[done..], jobs, |c| self.run_case(c, seed));
            while let Some(v) = verdicts.next().await {
                let c = &cases[done];
                done += 1;
                if let Some(v) = v
                    && v != self.expected()
                {
                    // The cases in flight behind it are dropped (their
                    // servers and targets stopped); they run again if this
                    // one does not replay.
                    drop(verdicts);
                    // Believed only if it replays.
                    let replayed = self.replays(c, v, seed).await;
                    if replayed >= FOUND_AT {
                        progress(Progress::Run { done, failures: 1 });
                        return Ok(Search { hit: Some(Hit { case: c.clone(), verdict: v }), runs: done, flaky });
                    }
                    flaky.push(Flaky { case: c.clone(), verdict: v, replayed });
                    progress(Progress::Run { done, failures: 0 });
                    continue 'cases;
                }
                progress(Progress::Run { done, failures: 0 });
            }
        }
        Ok(Search { hit: None, runs: done, flaky })
    }

    async fn confirms(&self, case: &Case, verdict: Verdict, seed: u64, runs: &mut usize) -> bool {
        for _ in 0..CONFIRM_RUNS {
            *runs += 1;
            if self.run_case(case, seed).await != Some(verdict) {
                return false;
            }
        }
        true
    }

    fn candidates(&self, case: &Case) -> Vec<Case> {
        let mut out = Vec::new();
        let with = |f: &dyn Fn(&mut Case)| {
            let mut c = case.clone();
            f(&mut c);
            c.normalize();
            c
        };
        if self.can_sync && !case.sync {
            out.push(with(&|c| c.sync = true));
        }
        if self.vary_messages && case.messages.len() > 1 {
            for i in 0..case.messages.len() {
                out.push(with(&|c| {
                    c.messages.remove(i);
                    c.cuts = c
                        .cuts
                        .iter()
                        .filter(|(f, _)| *f != i)
                        .map(|(f, o)| if *f > i { (f - 1, *o) } else { (*f, *o) })
                        .collect();
                }));
            }
        }
        if self.vary_messages {
            for i in 0..case.messages.len() {
                let n = case.messages[i].units();
                // n/2, 3n/4, 7n/8, ... n-1: the first that keeps the verdict
                // is taken, so a size threshold (the smallest truncating
                // datagram) is reached in few steps.
                let mut keeps = vec![n / 2];
                let mut gap = n / 4;
                while gap > 0 {
                    keeps.push(n - gap);
                    gap /= 2;
                }
                keeps.push(n.saturating_sub(1));
                keeps.dedup();
                for keep in keeps {
                    if keep < n {
                        out.push(with(&|c| c.messages[i] = c.messages[i].keep(keep)));
                    }
                }
            }
        }
        for j in 0..case.cuts.len() {
            out.push(with(&|c| {
                c.cuts.remove(j);
            }));
        }
        if !case.pause.is_zero() {
            out.push(with(&|c| c.pause = Duration::ZERO));
            if case.pause > Duration::from_millis(1) {
                out.push(with(&|c| c.pause /= 2));
            }
        }
        if case.read.is_some() {
            out.push(with(&|c| c.read = None));
        }
        // Untouched reads first, then a fixed size for a random one.
        match case.target_reads {
            ReadLimit::Full => {}
            ReadLimit::Max(_) => out.push(with(&|c| c.target_reads = ReadLimit::Full)),
            ReadLimit::Random { lo, hi } => {
                out.push(with(&|c| c.target_reads = ReadLimit::Full));
                out.push(with(&|c| c.target_reads = ReadLimit::Max(hi)));
                out.push(with(&|c| c.target_reads = ReadLimit::Max(lo)));
            }
        }
        // A reproducer whose every message is empty is true but teaches
        // little (issue 31): while the case has bytes to send, keep some.
        let empty = |c: &Case| c.messages.iter().all(|m| m.is_empty());
        out.retain(|c| c != case && (empty(case) || !empty(c)));
        out
    }

    /// Shrinks `case` while its verdict stays `verdict`: fewer and shorter
    /// messages, fewer writes, shorter pauses, a simpler read plan. Each
    /// step is believed only when 3 runs all agree.
    /// Returns the smallest case, the steps accepted and the runs made.
    pub async fn shrink(
        &self,
        mut case: Case,
        verdict: Verdict,
        seed: u64,
        mut progress: impl FnMut(Progress),
    ) -> (Case, usize, usize) {
        let (mut accepted, mut tried, mut runs) = (0, 0, 0);
        'outer: while runs < MAX_SHRINK_RUNS {
            for cand in self.candidates(&case) {
                tried += 1;
                let ok = self.confirms(&cand, verdict, seed, &mut runs).await;
                progress(Progress::Shrink { accepted, tried });
                if ok {
                    case = cand;
                    accepted += 1;
                    continue 'outer;
                }
                if runs >= MAX_SHRINK_RUNS {
                    break 'outer;
                }
            }
            break;
        }
        (case, accepted, runs)
    }

    /// The scenario file text that reproduces `case` with `verdict`:
    /// the base file with its `[client]` plan replaced.
    pub fn to_toml(&self, case: &Case, verdict: Verdict, seed: u64, explore_seed: u64) -> Result<String, ExploreError> {
        let text = std::fs::read_to_string(&self.base.file).unwrap_or_default();
        let mut doc: toml::Table = text.parse().map_err(|e| ExploreError::BaseFile(format!("{e}")))?;
        let sc = self.scenario_for(case)?;
        let Schedule::Cuts(cuts) = &sc.client.schedule else { unreachable!() };
        doc.insert("name".into(), format!("{} (explored: {verdict})", self.base.name).into());
        doc.insert(
            "description".into(),
            format!("Found and shrunk by `framelab explore {} --seed {explore_seed}`.", self.base.file.display())
                .into(),
        );
        doc.insert("seed".into(), toml::Value::Integer(seed as i64));
        let dir = self.base.file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let out_dir = self.out.as_deref().and_then(Path::parent).filter(|p| !p.as_os_str().is_empty());
        let moved = |rel: &str| -> String {
            let abs = dir.join(rel).canonicalize().unwrap_or_else(|_| dir.join(rel));
            match out_dir.and_then(|o| o.canonicalize().ok()) {
                Some(o) => relative(&abs, &o).display().to_string(),
                None => abs.display().to_string(),
            }
        };
        if let Some(toml::Value::Table(server)) = doc.get_mut("server")
            && let Some(root) = &self.base.server.root
        {
            server.insert("root".into(), moved(&root.display().to_string()).into());
        }
        if let Some(addr) = self.opts.target {
            // Explored with --target: the reproducer keeps it.
            doc.remove("server");
            let mut t = toml::Table::new();
            t.insert("addr".into(), addr.to_string().into());
            doc.insert("target".into(), t.into());
        } else if let Some(toml::Value::Table(target)) = doc.get_mut("target") {
            // Command arguments that name files next to the base scenario
            // name them from where the reproducer is written.
            match case.target_reads {
                ReadLimit::Full => target.remove("reads"),
                r => target
                    .insert("reads".into(), toml::Value::try_from(r).map_err(|e| ExploreError::Write(e.to_string()))?),
            };
            if let Some(toml::Value::Array(argv)) = target.get_mut("command") {
                for a in argv.iter_mut() {
                    if let toml::Value::String(s) = a {
                        let p = Path::new(s.as_str());
                        if p.is_relative() && !s.starts_with('-') && !s.contains('{') && dir.join(p).exists() {
                            *s = moved(s);
                        }
                    }
                }
            }
        }
        let client = doc.entry("client").or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let toml::Value::Table(client) = client else {
            return Err(ExploreError::BaseFile("[client] is not a table".into()));
        };
        for k in ["messages", "generate", "schedule", "pause", "sync", "read"] {
            client.remove(k);
        }
        client.insert("messages".into(), case.messages.iter().map(Message::to_toml).collect::<Vec<_>>().into());
        if cuts.is_empty() {
            client.insert("schedule".into(), "coalesce".into());
        } else {
            let mut sched = toml::Table::new();
            sched
                .insert("cuts".into(), cuts.iter().map(|c| toml::Value::Integer(*c as i64)).collect::<Vec<_>>().into());
            client.insert("schedule".into(), sched.into());
        }
        if !case.pause.is_zero() {
            client.insert("pause".into(), crate::units::format_duration(case.pause).into());
        }
        if case.sync {
            client.insert("sync".into(), true.into());
        }
        if let Some((a, b)) = case.read {
            let mut read = toml::Table::new();
            read.insert("sizes".into(), vec![toml::Value::Integer(a as i64), toml::Value::Integer(b as i64)].into());
            client.insert("read".into(), read.into());
        }
        let mut expect = toml::Table::new();
        expect.insert("verdict".into(), verdict.to_string().into());
        if let Some(toml::Value::Table(old)) = doc.get("expect")
            && let Some(m) = old.get("messages")
        {
            expect.insert("messages".into(), m.clone());
        }
        doc.insert("expect".into(), expect.into());
        toml::to_string(&doc).map_err(|e| ExploreError::Write(e.to_string()))
    }

    /// Search, shrink, write and replay: the whole of `framelab explore`.
    pub async fn explore(
        &self,
        runs: usize,
        seed: u64,
        jobs: usize,
        mut progress: impl FnMut(Progress),
    ) -> Result<Explored, ExploreError> {
        let Search { hit, runs: done, mut flaky } = self.search(runs, seed, jobs, &mut progress).await?;
        let Some(Hit { case, verdict }) = hit else { return Ok(Explored { found: None, runs: done, flaky }) };
        let original = case.clone();
        let (case, steps, shrink_runs) = self.shrink(case, verdict, seed, &mut progress).await;
        let toml = self.to_toml(&case, verdict, seed, seed)?;
        // Replay the written scenario itself, ten times, where it will be
        // written (its paths are relative to that folder).
        let file = match &self.out {
            Some(o) => o.clone(),
            None => self.base.file.with_file_name("explored.toml"),
        };
        let sc = scenario::parse(&toml, &file).map_err(ExploreError::Reload)?;
        let mut stable = 0;
        for _ in 0..REPLAYS {
            // The written file carries its target: no --target needed.
            let r = run::run_scenario(&sc, &RunOptions { pool: self.opts.pool.clone(), ..RunOptions::default() }).await;
            if r.verdict() == Some(verdict) {
                stable += 1;
            }
        }
        if stable < FOUND_AT {
            flaky.push(Flaky { case, verdict, replayed: stable });
            return Ok(Explored { found: None, runs: done, flaky });
        }
        let found = Found { case, original, verdict, runs: done, shrink_steps: steps, shrink_runs, stable, toml };
        Ok(Explored { found: Some(found), runs: done, flaky })
    }

    /// Every grouping of the frames into consecutive writes, and every
    /// set of up to `max_cuts` cut points in the framed bytes (with sync
    /// against reference servers), at most `limit` cases. Returns each
    /// distinct verdict with its count and one example, and the number of
    /// cases run.
    pub async fn exhaustive(
        &self,
        max_cuts: usize,
        limit: usize,
        seed: u64,
        jobs: usize,
        mut progress: impl FnMut(Progress),
    ) -> Result<Exhaustive, ExploreError> {
        let base = self.initial_case(seed)?;
        let lens = self.frame_lens(&base.messages)?;
        let total: usize = lens.iter().sum();
        let k = lens.len();
        if k > 16 {
            return Err(ExploreError::TooManyFrames(k));
        }
        let mut abs_sets: Vec<Vec<usize>> = Vec::new();
        // Groupings: each subset of the k-1 frame boundaries.
        let mut ends = Vec::new();
        let mut at = 0;
        for l in &lens[..k.saturating_sub(1)] {
            at += l;
            ends.push(at);
        }
        for mask in 0u32..(1 << ends.len()) {
            abs_sets.push(ends.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, e)| *e).collect());
        }
        // Cut points: every combination of up to max_cuts offsets.
        let points: Vec<usize> = (1..total).collect();
        let count = (1..=max_cuts).map(|c| binomial(points.len(), c)).sum::<usize>() + abs_sets.len();
        if count > limit {
            return Err(ExploreError::TooManyCases { count, limit, bytes: total, frames: k });
        }
        for c in 1..=max_cuts.min(points.len()) {
            abs_sets.extend(points.iter().copied().combinations(c));
        }
        let mut seen: BTreeMap<String, VerdictCount> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        let cases: Vec<Case> = abs_sets
            .into_iter()
            .map(|abs| {
                let mut c = Case {
                    messages: base.messages.clone(),
                    cuts: abs.into_iter().filter_map(|a| to_frame_offset(a, &lens)).collect(),
                    pause: if self.can_sync { Duration::ZERO } else { Duration::from_millis(100) },
                    sync: self.can_sync,
                    read: None,
                    target_reads: base.target_reads,
                };
                c.normalize();
                c
            })
            .collect();
        let mut done = 0;
        let mut found = 0;
        let mut verdicts = in_order(&cases, self.jobs(jobs), |c| self.run_case(c, seed));
        {
            while let Some(v) = verdicts.next().await {
                let c = &cases[done];
                done += 1;
                if let Some(v) = v {
                    let key = v.to_string();
                    match seen.get_mut(&key) {
                        Some(e) => e.count += 1,
                        None => {
                            order.push(key.clone());
                            seen.insert(key, VerdictCount { verdict: v, count: 1, example: c.clone() });
                        }
                    }
                    if v != self.expected() {
                        found += 1;
                    }
                }
                progress(Progress::Run { done, failures: found });
            }
        }
        Ok(Exhaustive { verdicts: order.into_iter().filter_map(|k| seen.remove(&k)).collect(), runs: done })
    }
}

/// `run` of each item, up to `jobs` at once in any order, given in the
/// items' order: a result that finishes early waits (in a map of at most
/// the items' count, each small) for those before it.
fn in_order<'a, T, R, F>(
    items: &'a [T],
    jobs: usize,
    run: impl Fn(&'a T) -> F + 'a,
) -> std::pin::Pin<Box<dyn futures::Stream<Item = R> + 'a>>
where
    F: std::future::Future<Output = R> + 'a,
    R: 'a,
{
    let run = std::sync::Arc::new(run);
    let unordered = futures::stream::iter(items.iter().enumerate().map(move |(i, item)| {
        let run = run.clone();
        async move { (i, run(item).await) }
    }))
    .buffer_unordered(jobs.max(1));
    Box::pin(futures::stream::unfold(
        (Box::pin(unordered), BTreeMap::new(), 0usize),
        |(mut unordered, mut waiting, next)| async move {
            loop {
                if let Some(r) = waiting.remove(&next) {
                    return Some((r, (unordered, waiting, next + 1)));
                }
                let (i, r) = unordered.next().await?;
                waiting.insert(i, r);
            }
        },
    ))
}

/// `path` from `base` (both absolute): `../x/y`.
fn relative(path: &Path, base: &Path) -> std::path::PathBuf {
    use std::path::Component;
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = std::path::PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() { std::path::PathBuf::from(".") } else { out }
}

fn to_frame_offset(abs: usize, lens: &[usize]) -> Option<(usize, usize)> {
    let mut start = 0;
    for (i, l) in lens.iter().enumerate() {
        if abs < start + l {
            return Some((i, abs - start));
        }
        start += l;
    }
    None
}

fn binomial(n: usize, k: usize) -> usize {
    if k > n {
        return 0;
    }
    let mut r: u128 = 1;
    for i in 0..k {
        r = r * (n - i) as u128 / (i + 1) as u128;
        if r > usize::MAX as u128 {
            return usize::MAX;
        }
    }
    r as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn results_come_in_the_items_order_while_the_runs_overlap() {
        // The first item is the slowest: run in order it would hold the
        // others back; here they all run at once and still come in order.
        let items: Vec<u64> = vec![60, 1, 30, 5, 0, 20];
        let started = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let peak = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (s, p) = (started.clone(), peak.clone());
        let got: Vec<u64> = in_order(&items, 3, move |ms| {
            let (s, p) = (s.clone(), p.clone());
            async move {
                let now = s.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                p.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(*ms)).await;
                s.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                *ms
            }
        })
        .collect()
        .await;
        assert_eq!(got, items);
        assert_eq!(peak.load(std::sync::atomic::Ordering::SeqCst), 3, "three at once, never more");
    }

    fn explorer(trace: bool, no_trace: bool) -> Explorer {
        let text = format!(
            "[target]\ncommand = [\"python3\", \"server.py\", \"{{port}}\"]\ntrace = {trace}\n\
             [client]\nframing = \"length-prefix\"\nmessages = [\"hello\", \"world\"]\n\
             [response]\nframing = \"delimiter\"\nexpect = \"digest\"\n"
        );
        let dir =
            std::env::temp_dir().join(format!("framelab-explore-reads-{}-{trace}-{no_trace}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("x.toml");
        std::fs::write(&file, &text).unwrap();
        let sc = scenario::parse(&text, &file).unwrap();
        Explorer::new(sc, RunOptions { no_trace, ..RunOptions::default() })
    }

    #[test]
    fn a_traced_targets_reads_are_varied_and_shrunk_back_to_full() {
        let ex = explorer(true, false);
        let base = ex.initial_case(1).unwrap();
        assert_eq!(base.target_reads, ReadLimit::Full);
        let mut rng = crate::fault::rng(7);
        let varied: Vec<ReadLimit> = (0..200).map(|_| ex.variation(&base, &mut rng).target_reads).collect();
        assert!(varied.contains(&ReadLimit::Max(1)), "drip is tried");
        assert!(varied.iter().any(|r| matches!(r, ReadLimit::Random { .. })), "random sizes are tried");
        assert!(varied.contains(&ReadLimit::Full), "and untouched reads");
        // Shrinking: untouched first, then a fixed size for a random one.
        let case = Case { target_reads: ReadLimit::Random { lo: 1, hi: 9 }, ..base.clone() };
        let shrunk: Vec<ReadLimit> = ex.candidates(&case).iter().map(|c| c.target_reads).collect();
        let tried: Vec<ReadLimit> = shrunk.into_iter().filter(|r| *r != case.target_reads).collect();
        assert_eq!(tried, [ReadLimit::Full, ReadLimit::Max(9), ReadLimit::Max(1)]);
        let sc = ex.scenario_for(&Case { target_reads: ReadLimit::Max(2), ..base.clone() }).unwrap();
        assert_eq!(sc.target.unwrap().reads, ReadLimit::Max(2));
        let text = ex.to_toml(&Case { target_reads: ReadLimit::Max(2), ..base }, Verdict::Desync, 1, 1).unwrap();
        assert!(text.contains("reads = \"max:2\""), "{text}");
    }

    #[test]
    fn shrinking_keeps_a_byte_to_send_rather_than_only_empty_messages() {
        let ex = explorer(false, false);
        assert!(ex.varies_messages());
        let base = ex.initial_case(1).unwrap();
        for messages in
            [vec![Message::from("h")], vec![Message::from(""), Message::from("ab")], vec![Message::from("hello")]]
        {
            let case = Case { messages: messages.clone(), cuts: Vec::new(), ..base.clone() };
            let cands = ex.candidates(&case);
            assert!(!cands.is_empty() || messages == ["h"], "{messages:?}");
            assert!(
                cands.iter().all(|c| c.messages.iter().any(|m| !m.is_empty())),
                "{messages:?}: {:?}",
                cands.iter().map(|c| &c.messages).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn untraced_targets_keep_their_reads() {
        for ex in [explorer(false, false), explorer(true, true)] {
            let base = ex.initial_case(1).unwrap();
            let mut rng = crate::fault::rng(7);
            assert!((0..100).all(|_| ex.variation(&base, &mut rng).target_reads == ReadLimit::Full));
        }
    }
}
