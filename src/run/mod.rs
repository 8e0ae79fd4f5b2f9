//! The runner: orchestration only. It makes a scenario's plan concrete
//! (pure, from the seed), starts the reference server, a spawned target or
//! a proxy, carries the plan out with the clients, collects what was
//! observed, and hands it to [`crate::judge`] for the verdict. Every wait
//! has a timeout and the whole scenario has a deadline.

mod clients;
mod event;
mod hint;
mod result;
pub mod setup;
mod stage;
mod still_serving;
mod summary;
pub mod timing;
mod wire;

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;

use crate::client::ClientOutcome;
use crate::framing::{FramingSpec, show};
use crate::judge::{self, Judgement};
use crate::proxy::ProxyError;
use crate::scenario::model::ClientUnderTestSection;
use crate::scenario::plan::{PlanError, fingerprint, prepare};
use crate::scenario::{Prepared, Scenario, Verdict};
use crate::seed;
use crate::server::{ConfigError, Observation, Server, StartError};
use crate::target::TargetError;

pub use event::RunEvent;
pub use result::{Outcome, ScenarioResult};
use stage::{Stage, scenario_dir};
use still_serving::{check_still_serving, check_target_still_serving};
pub use summary::RunSummary;
pub use timing::Timing;
pub use wire::{Chunk, KeptBytes, Span, SyncPoint, WireRecord};

/// Options of one run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Overrides every scenario's seed.
    pub seed: Option<u64>,
    /// Points every scenario at this server instead of its own.
    pub target: Option<SocketAddr>,
    /// Never trace spawned targets (`--no-trace`): judge them by their
    /// replies alone.
    pub no_trace: bool,
    /// Spawned targets kept between runs (explore's runs, a suite's
    /// scenarios): `None` starts one for every run.
    pub pool: Option<std::sync::Arc<crate::target::TargetPool>>,
}

/// Why a scenario could not run (it then has no verdict).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The plan could not be made.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The reference server's configuration is not servable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The reference server did not start.
    #[error("starting the reference server: {0}")]
    Server(#[from] StartError),
    /// The target command did not start.
    #[error("starting the target: {0}")]
    Target(#[source] TargetError),
    /// The proxy did not start.
    #[error("starting the proxy: {0}")]
    Proxy(#[from] ProxyError),
    /// A UDP scenario with a (TCP) proxy.
    #[error("[proxy] is a TCP proxy; this scenario speaks UDP")]
    UdpProxy,
    /// Nothing to talk to.
    #[error("no server and no target address")]
    NoAddress,
    /// The client under test did not start.
    #[error("starting the client under test: {0}")]
    ClientUnderTest(#[source] TargetError),
    /// `[setup]` failed.
    #[error(transparent)]
    Setup(#[from] setup::SetupError),
    /// No client could connect to a server framelab did not start: a
    /// setup problem, not the server's verdict.
    #[error("{error}: is the server running on {addr}?")]
    Unreachable {
        /// The address given (`[target] addr` or `--target`).
        addr: SocketAddr,
        /// The connect error.
        error: String,
    },
}

/// The seed a scenario runs with: `--seed`, else the file's `seed`, else a
/// hash of its name (stable across runs and machines).
pub fn seed_for(sc: &Scenario, opts: &RunOptions) -> u64 {
    opts.seed.or(sc.seed).unwrap_or_else(|| seed::of_text(&sc.name))
}

/// Whether the scenario runs against a target rather than its own server.
pub fn uses_target(sc: &Scenario, opts: &RunOptions) -> bool {
    opts.target.is_some() || sc.target.is_some()
}

fn show_all(ms: &[Bytes]) -> Vec<String> {
    let mut v: Vec<String> = ms.iter().take(8).map(|m| show(m, 48)).collect();
    if ms.len() > 8 {
        v.push(format!("... {} more", ms.len() - 8));
    }
    v
}

/// Runs `scenarios` with up to `jobs` at once (each on its own port) and
/// emits the run's events to `on_event` (the reporters listen): the start,
/// each scenario's result in the given order as soon as it and every
/// scenario before it have finished, then the summary.
pub async fn run_suite(
    scenarios: Vec<Scenario>,
    opts: RunOptions,
    jobs: usize,
    mut on_event: impl FnMut(&RunEvent<'_>),
) -> Vec<ScenarioResult> {
    use futures::StreamExt;
    let started = std::time::Instant::now();
    on_event(&RunEvent::RunStarted { count: scenarios.len() });
    // Scenarios share started targets only through a pool the caller
    // gives (explore does): kept between the scenarios of a suite, a
    // target's replies were seen to reach the client late (see the note of
    // issue 32), so a suite starts one for each scenario.
    let opts = std::sync::Arc::new(opts);
    // Scenarios that start programs (a target, a client under test) spend
    // CPU starting and tracing them, not only waiting: at most two per
    // core run at once, however many `jobs`, or a loaded machine starves
    // their clients' timeouts.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let starters = std::sync::Arc::new(tokio::sync::Semaphore::new((2 * cores).max(2)));
    // Up to `jobs` scenarios run at once, whatever their order: a long one
    // does not hold the slots of those after it. Results are told in the
    // given order (a finished one waits for those before it).
    let mut stream = futures::stream::iter(scenarios.into_iter().enumerate().map(|(i, sc)| {
        let opts = opts.clone();
        let starters = starters.clone();
        // Each scenario on its own task, so a slow one cannot starve the
        // timers of the others.
        async move {
            let sc = std::sync::Arc::new(sc);
            let opts_for_error = opts.clone();
            let starts_programs = sc.client_under_test.is_some()
                || (opts.target.is_none() && sc.target.as_ref().is_some_and(|t| t.command.is_some()));
            let task = tokio::spawn({
                let sc = sc.clone();
                async move {
                    let _permit = match starts_programs {
                        true => starters.acquire_owned().await.ok(),
                        false => None,
                    };
                    run_scenario(&sc, &opts).await
                }
            });
            let r = match task.await {
                Ok(r) => r,
                // A panic in one scenario is that scenario's error: the
                // suite goes on.
                Err(e) => ScenarioResult::error(&sc, seed_for(&sc, &opts_for_error), panic_text(e)),
            };
            (i, r)
        }
    }))
    .buffer_unordered(jobs.max(1));
    let mut out = Vec::new();
    let mut waiting = std::collections::BTreeMap::new();
    while let Some((i, r)) = stream.next().await {
        waiting.insert(i, r);
        while let Some(r) = waiting.remove(&out.len()) {
            on_event(&RunEvent::ScenarioFinished { result: &r });
            out.push(r);
        }
    }
    on_event(&RunEvent::RunFinished { summary: RunSummary::of(&out), elapsed: started.elapsed() });
    out
}

/// Why a scenario is not run against `opts.target`, when its judging
/// needs what an address target cannot show ([`judge::policy`]).
pub fn skip_reason(sc: &Scenario, opts: &RunOptions) -> Option<String> {
    opts.target?;
    judge::policy::unjudgeable_by_replies(sc)
}

/// What a scenario task's end says, when it did not give a result.
fn panic_text(e: tokio::task::JoinError) -> String {
    if !e.is_panic() {
        return format!("the scenario's task was cancelled: {e}");
    }
    let p = e.into_panic();
    let what = p
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into());
    format!("framelab panicked running this scenario (a bug in framelab; please report it): {what}")
}

/// Runs one scenario to its verdict.
pub async fn run_scenario(sc: &Scenario, opts: &RunOptions) -> ScenarioResult {
    let r = run_once(sc, opts).await;
    // A kept target that hung or would not connect may have been left so
    // by an earlier run, not by this one's plan: that verdict is not this
    // scenario's to give. Run it again on a target started for it.
    let suspect = matches!(r.verdict(), Some(Verdict::Hang | Verdict::Closed) | None);
    if suspect && matches!(r.target_start, Some(crate::target::TargetStart::Reused { .. })) {
        let mut fresh = sc.clone();
        if let Some(t) = &mut fresh.target {
            t.fresh = true;
        }
        let mut again = run_once(&fresh, opts).await;
        again.detail.push_str(&format!(
            "; run on a target started for it, since on a kept one it gave {} ({})",
            r.verdict_text(),
            r.detail
        ));
        return again;
    }
    r
}

/// [`run_scenario`], once.
async fn run_once(sc: &Scenario, opts: &RunOptions) -> ScenarioResult {
    let started = Instant::now();
    let seed = seed_for(sc, opts);
    let target = uses_target(sc, opts);
    let mut result = ScenarioResult::new(sc, seed, opts.target);
    if let Some(why) = skip_reason(sc, opts) {
        result.set_skipped(why);
        return result;
    }
    // Generating and framing megabytes of payload is CPU work: keep it off
    // the async workers, whose timers the other scenarios' pauses and
    // delays depend on.
    let owned = sc.clone();
    let prepared = tokio::task::spawn_blocking(move || prepare(&owned, seed, target))
        .await
        .unwrap_or_else(|e| Err(PlanError::Task(e.to_string())));
    let prep = match prepared {
        Ok(p) => p,
        Err(e) => {
            result.set_error(format!("scenario error: {e}"));
            tracing::warn!(scenario = ?sc.name, seed, "{}", result.detail);
            return result;
        }
    };
    result.sent = show_all(&prep.messages);
    result.plan = fingerprint(&prep.actions);
    result.writes = prep.write_sizes();
    tracing::info!(scenario = ?sc.name, file = %sc.file.display(), seed, plan = %result.plan, "scenario started");
    // The reference server's tasks run in this span: their events name the scenario.
    let span = tracing::info_span!("scenario", name = ?sc.name);
    let run = tokio::time::timeout(sc.timeout, execute(sc, opts, &prep, seed, started.into_std()));
    match tracing::Instrument::instrument(run, span).await {
        Ok(Ok((j, wire, timing, target_start))) => {
            tracing::info!(scenario = ?sc.name, "where the time went: {timing}");
            if let Some(t) = &target_start {
                tracing::info!(scenario = ?sc.name, "the target was {t}");
            }
            result.timing = Some(timing);
            result.target_start = target_start;
            result.wire = wire;
            result.set_verdict(j.verdict, j.detail);
            result.seen = show_all(&j.seen);
        }
        Ok(Err(e)) => result.set_error(format!("scenario error: {e}")),
        Err(_) => result
            .set_verdict(Verdict::Hang, format!("the scenario did not finish within its deadline of {:?}", sc.timeout)),
    }
    result.duration_ms = started.elapsed().as_millis() as u64;
    tracing::info!(
        scenario = ?sc.name, verdict = %result.verdict_text(), expected = %result.expected, ok = result.ok(),
        ms = result.duration_ms, "scenario finished"
    );
    tracing::debug!(scenario = ?sc.name, detail = %result.detail, "verdict detail");
    result
}

/// Runs the scenario; the judgement, and the first connection's wire
/// record when clients of framelab's own ran (`origin`: the scenario's
/// start).
async fn execute(
    sc: &Scenario,
    opts: &RunOptions,
    prep: &Prepared,
    seed: u64,
    origin: std::time::Instant,
) -> Result<(Judgement, Option<WireRecord>, Timing, Option<crate::target::TargetStart>), RunError> {
    let mut timing = Timing::default();
    let t = Instant::now();
    let stage = Stage::start(sc, opts, prep, seed).await?;
    timing.start_ms = timing::since(t.into_std());
    // A target's state reset: never the reference server's, which starts
    // afresh for every scenario.
    let t = Instant::now();
    let setup = match &sc.setup {
        Some(s) if stage.server.is_none() => match setup::run(s, &prep.client_framing, stage.client_addr).await {
            Ok(done) => Some(done),
            Err(e) => {
                stage.stop(&mut String::new()).await;
                return Err(e.into());
            }
        },
        _ => None,
    };
    timing.setup_ms = timing::since(t.into_std());
    let (mut j, wire) = if let Some(cut) = &sc.client_under_test {
        let t = Instant::now();
        let j = run_client_under_test(sc, opts, cut, stage.client_addr).await?;
        timing.clients_ms = timing::since(t.into_std());
        (j, None)
    } else {
        let (mut j, wire) = run_and_judge(sc, prep, &stage, seed, origin, &mut timing).await?;
        let t = Instant::now();
        match &stage.server {
            Some(s) => check_still_serving(sc, prep, s, &mut j).await,
            None => {
                if let Some(why) = check_target_still_serving(sc, prep, stage.client_addr, &mut j).await {
                    stage.unfit(format!("after the previous run {why}"));
                }
            }
        }
        timing.still_serving_ms = timing::since(t.into_std());
        if j.verdict == Verdict::Hang {
            stage.unfit("it gave no answer within the previous run's bounds (hang)");
        }
        (j, Some(wire))
    };
    let target_start = stage.target_start().cloned();
    let t = Instant::now();
    stage.stop(&mut j.detail).await;
    timing.stop_ms = timing::since(t.into_std());
    if let Some(done) = setup {
        j.detail.push_str(&format!("; {done}"));
    }
    Ok((j, wire, timing, target_start))
}

/// Runs the scenario's clients against the stage and judges what happened.
async fn run_and_judge(
    sc: &Scenario,
    prep: &Prepared,
    stage: &Stage,
    seed: u64,
    origin: std::time::Instant,
    timing: &mut Timing,
) -> Result<(Judgement, WireRecord), RunError> {
    let server = stage.server.as_ref();
    // Through a proxy the server's reads follow the proxy's schedule, and
    // a sync on the client's writes would mean nothing.
    // Any other server on this host: the kernel's queues tell.
    let kernel = crate::sync::KernelReads;
    let traced = stage.trace.clone().map(crate::trace::TraceReads::new);
    let peer_reads: Option<&dyn crate::sync::PeerReads> = match (stage.proxy.is_some(), server, &traced) {
        (true, _, _) => None,
        (false, Some(s), _) => Some(s.log()),
        (false, None, Some(t)) => Some(t),
        (false, None, None) => Some(&kernel),
    };
    let t = Instant::now();
    let mut outcomes = clients::run(sc, prep, stage.client_addr, peer_reads, server.is_some(), seed).await;
    timing.clients_ms = timing::since(t.into_std());
    if let Some(first) = outcomes.first() {
        *timing = timing.with_client(&first.waits);
    }
    let judging = Instant::now();
    if stage.address_only()
        && outcomes.iter().all(|o| o.connect_error.is_some())
        && let Some(error) = outcomes.first().and_then(|o| o.connect_error.clone())
    {
        return Err(RunError::Unreachable { addr: stage.client_addr, error });
    }
    if let Some(p) = &stage.proxy {
        // The server saw the proxy's upstream sockets, not the clients. A
        // client that expects no reply may be done before the proxy has
        // even connected upstream: wait for it (bounded).
        let deadline = Instant::now() + Duration::from_secs(2);
        while outcomes.iter().any(|o| o.local.is_some_and(|l| p.upstream_of(l).is_none())) && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        for o in &mut outcomes {
            if let Some(l) = o.local {
                o.local = p.upstream_of(l).or(Some(l));
            }
        }
    }
    let mut obs = None;
    let mut j = match server {
        Some(s) => {
            let o = observe(prep, s, &outcomes).await;
            let j = judge::reference::judge_reference(sc, prep, &o, &outcomes);
            obs = Some(o);
            j
        }
        None => {
            if let Some(log) = &stage.trace
                && !settle_trace(log, &outcomes).await
            {
                stage.unfit("the previous run's connections had not ended 1 s after it (the trace saw no end of them)");
            }
            if let Some(e) = outcomes.iter().find_map(|o| o.connect_error.as_deref()) {
                stage.unfit(format!("it did not accept a connection of the previous run: {e}"));
            }
            if let Some(log) = &stage.trace {
                obs = Some(traced_observation(prep, log, &outcomes));
            }
            let mut j = judge::policy::judge_connections(sc, prep, &outcomes, stage.trace.as_ref());
            // Replies of another kind than expected: say so, and what would parse.
            if j.verdict != Verdict::Intact
                && let Some(h) = outcomes.iter().find_map(|o| hint::reply_kind_hint(sc, o))
            {
                j.detail = format!("{}; {h}", j.detail);
            }
            j
        }
    };
    note_sync(sc, stage, &outcomes, &mut j);
    timing.judge_ms = timing::since(judging.into_std());
    // Through a proxy the server read the proxy's stream: its reads are
    // still those of the same bytes, in order.
    let mut wire = WireRecord::build(prep, &outcomes, obs.as_ref(), origin);
    if let Some(log) = &stage.trace {
        wire.traced = true;
        if let Some(c) = outcomes[0].local.and_then(|l| log.connection(l)) {
            let micros =
                |at: Option<std::time::Instant>| at.map(|a| a.saturating_duration_since(origin).as_micros() as u64);
            wire.target_writes = c
                .writes()
                .take(crate::client::MAX_TIMELINE_EVENTS)
                .map(|w| Chunk { offset: w.offset, len: w.bytes(), t_us: micros(w.at) })
                .collect();
        }
    }
    Ok((j, wire))
}

/// Waits (at most 1 s) until the traced target has seen the end of every
/// client connection (a read of 0 bytes), closed it, or exited: its last
/// reads are in the trace before the judge reads it. Whether it did.
async fn settle_trace(log: &crate::trace::TraceLog, outcomes: &[ClientOutcome]) -> bool {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let changed = log.changed();
        let over = |l: &SocketAddr| log.connection(*l).is_some_and(|c| c.saw_eof || c.closed_by_target);
        // The client saw it end the connection (close() is not traced).
        let ended = |o: &ClientOutcome| o.eof || o.reset_by_peer || o.peer_closed_early;
        if log.done()
            || outcomes.iter().filter(|o| o.local.is_some()).all(|o| ended(o) || o.local.is_some_and(|l| over(&l)))
        {
            return true;
        }
        if tokio::time::timeout_at(deadline, changed).await.is_err() {
            return false;
        }
    }
}

/// The traced target's reads as a reference server's record, for the
/// report's lanes: its reads, and (raw framing) each read as a message.
fn traced_observation(prep: &Prepared, log: &crate::trace::TraceLog, outcomes: &[ClientOutcome]) -> Observation {
    use crate::server::observe::ReadEvent;
    use crate::server::{ConnLog, ServerEvent};
    let sent = crate::fault::written(&prep.actions);
    let raw = matches!(prep.client_framing, FramingSpec::Naive(crate::framing::NaiveFormat { .. }));
    let connections = outcomes
        .iter()
        .enumerate()
        .filter_map(|(i, o)| {
            let peer = o.local?;
            let c = log.connection(peer)?;
            let reads: Vec<ReadEvent> =
                c.reads().map(|r| ReadEvent { offset: r.offset, len: r.bytes(), at: r.at }).collect();
            let messages = if raw { judge::traced::read_messages(&c, &sent).unwrap_or_default() } else { Vec::new() };
            let message_ends = if raw { reads.iter().map(|r| r.offset + r.len).collect() } else { Vec::new() };
            let events =
                messages.into_iter().map(|data| ServerEvent::Message { len: data.len(), data, cut: false }).collect();
            Some(ConnLog {
                id: i as u64,
                peer,
                bytes_read: c.bytes_read,
                events,
                reads,
                reads_dropped: c.dropped,
                message_ends,
            })
        })
        .collect();
    Observation { connections }
}

/// Says in the detail when a sync of the plan did not hold: the server
/// stopped reading (first, it explains the rest), or its reads could not
/// be seen and the scenario's pauses alone kept the writes apart.
fn note_sync(sc: &Scenario, stage: &Stage, outcomes: &[ClientOutcome], j: &mut Judgement) {
    let who = if stage.server.is_some() { "the server" } else { "target" };
    if let Some(crate::sync::SyncOutcome::Stalled { read, sent }) = outcomes.iter().find_map(|o| o.stalled) {
        j.detail = format!("{who} stopped reading after {read} of {sent} bytes; {}", j.detail);
    }
    if outcomes.iter().any(|o| o.sync_unavailable) {
        let why = if stage.proxy.is_some() {
            "through a proxy the client's writes are not the server's reads"
        } else {
            "its reads cannot be seen from here (not on this host, or no kernel view on this platform)"
        };
        j.detail.push_str(&format!(
            "; sync = true was not applied ({why}): write boundaries relied on the scenario's pause of {:?}",
            sc.client.pause
        ));
    }
}

/// Waits (bounded) for the server to record the end of every client's
/// connection, and returns what it observed.
async fn observe(prep: &Prepared, server: &Server, outcomes: &[ClientOutcome]) -> Observation {
    let locals: Vec<SocketAddr> = outcomes.iter().filter_map(|o| o.local).collect();
    if matches!(prep.server_framing, Some(FramingSpec::Udp(crate::framing::UdpFormat { .. }))) {
        let want = prep.expected.len();
        let done = |o: &Observation| o.messages().len() >= want * outcomes.len();
        return server.log().wait_until(Duration::from_millis(500), done).await.0;
    }
    let done =
        |o: &Observation| locals.iter().all(|l| o.connections.iter().any(|c| c.peer == *l && c.closed().is_some()));
    server.log().wait_until(Duration::from_secs(2), done).await.0
}

/// Runs the client under test against `addr` and judges it.
async fn run_client_under_test(
    sc: &Scenario,
    opts: &RunOptions,
    cut: &ClientUnderTestSection,
    addr: SocketAddr,
) -> Result<Judgement, RunError> {
    let argv = crate::target::substitute(&cut.command, addr);
    // Traced like a spawned server: its connections to `addr` are recorded.
    let trace = (!opts.no_trace).then(|| crate::trace::TraceConfig {
        port: addr.port(),
        reads: crate::trace::ReadLimit::Full,
        seed: 0,
        max_tasks: crate::trace::MAX_TASKS,
    });
    let out = crate::target::run_command_traced(&argv, &scenario_dir(sc), cut.timeout, trace)
        .await
        .map_err(RunError::ClientUnderTest)?;
    let mut j = judge::client::judge_client(cut, &out);
    if let Some(log) = &out.trace {
        j.detail.push_str(&client_reads(log));
    }
    Ok(j)
}

/// "; its own reads: [5, 5] bytes" for each connection a traced client
/// made (the first ones), or that the trace saw none.
fn client_reads(log: &crate::trace::TraceLog) -> String {
    let conns = log.connections();
    if conns.is_empty() {
        return "; the trace saw no read of the client on its connection".into();
    }
    let each: Vec<String> = conns
        .iter()
        .take(4)
        .map(|c| {
            let sizes: Vec<String> = c.reads().take(12).map(|r| r.bytes().to_string()).collect();
            let more = c.reads().count().saturating_sub(12);
            let more = if more > 0 { format!(", ... {more} more") } else { String::new() };
            format!("[{}{more}]", sizes.join(", "))
        })
        .collect();
    format!("; its own reads (bytes, per connection): {}", each.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_scenario_is_that_scenarios_error_and_the_suite_goes_on() {
        let e = tokio::spawn(async { panic!("boom in a judge") }).await.unwrap_err();
        let text = panic_text(e);
        assert!(text.contains("boom in a judge") && text.contains("please report it"), "{text}");
        let sc =
            crate::scenario::parse("name = \"p\"\n[expect]\nverdict = \"intact\"\n", std::path::Path::new("p.toml"))
                .unwrap();
        let r = ScenarioResult::error(&sc, 1, text.clone());
        assert!(r.is_error() && !r.ok() && r.verdict().is_none());
        assert_eq!(r.detail, text);
        assert_eq!(RunSummary::of(&[r]).exit_code(), 2);
    }
}
