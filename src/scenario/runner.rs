//! The runner: prepares a scenario's plan (pure, from the seed), starts the
//! reference server (or points at a target), carries the plan out with the
//! client, collects what the server understood and what came back, and
//! asks the oracle for a verdict. Every wait has a timeout and the whole
//! scenario has a deadline.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use serde::Serialize;
use tokio::time::Instant;
use tokio_util::codec::Encoder;

use super::blackbox::{self, Claim, Wire};
use super::model::{ClientUnderTestSection, Overflow, ProxySection, ResponseExpect, Scenario, Verdict};
use super::oracle::{REJECTION_KINDS, classify, is_prefix};
use crate::client::{self, ClientOutcome, ClientSpec};
use crate::fault::payload::forge_header;
use crate::fault::{self, Action, PlanSpec, payload};
use crate::framing::{AnyCodec, FramingError, FramingSpec, LengthPrefixError};
use crate::proxy::{DirectionConfig, Proxy, ProxyConfig};
use crate::server::{self, CloseReason, ConnLog, Knobs, ObservationLog, Server, ServerConfig};
use crate::target::{SpawnedTarget, TargetCommand};

/// Options of one run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Overrides every scenario's seed.
    pub seed: Option<u64>,
    /// Points every scenario at this server instead of its own.
    pub target: Option<SocketAddr>,
}

/// What a scenario gave.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    /// Scenario name.
    pub name: String,
    /// Its file.
    pub file: String,
    /// The bug it reproduces, if any.
    pub bug: Option<String>,
    /// The verdict (`None`: the scenario could not run; see `detail`).
    pub verdict: Option<Verdict>,
    /// The verdict expected.
    pub expected: Verdict,
    /// Whether they agree.
    pub ok: bool,
    /// The seed used.
    pub seed: u64,
    /// What happened, in words.
    pub detail: String,
    /// Messages sent (first connection), shown escaped.
    pub sent: Vec<String>,
    /// Messages the server understood (or replies, for targets), escaped.
    pub seen: Vec<String>,
    /// The plan's write sizes (first connection).
    pub writes: Vec<usize>,
    /// A fingerprint of the bytes and boundaries of the plan.
    pub plan: String,
    /// Wall time.
    pub duration_ms: u64,
}

impl ScenarioResult {
    /// The verdict as text (`error` when the scenario could not run).
    pub fn verdict_text(&self) -> String {
        self.verdict.map_or_else(|| "error".to_string(), |v| v.to_string())
    }

    /// A command that replays this scenario exactly.
    pub fn replay_command(&self) -> String {
        format!("framelab run {} --seed {}", self.file, self.seed)
    }
}

/// The seed a scenario runs with: `--seed`, else the file's `seed`, else a
/// hash of its name (stable across runs and machines).
pub fn seed_for(sc: &Scenario, opts: &RunOptions) -> u64 {
    opts.seed.or(sc.seed).unwrap_or_else(|| {
        // FNV-1a: stable, unlike std's hasher.
        fnv1a(FNV_OFFSET, sc.name.as_bytes())
    })
}

/// A scenario made concrete from its seed: pure data, no sockets.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Server framing (reference server), after knobs.
    pub server_framing: Option<FramingSpec>,
    /// Client framing.
    pub client_framing: FramingSpec,
    /// Messages sent.
    pub messages: Vec<Bytes>,
    /// What the server must understand.
    pub expected: Vec<Bytes>,
    /// Frames on the wire.
    pub frames: Vec<Bytes>,
    /// The write plan.
    pub actions: Vec<Action>,
}

fn knobs(sc: &Scenario) -> Knobs {
    Knobs {
        read_size: sc.server.read_size,
        max_frame: sc.server.max_frame,
        delimiter: sc.server.delimiter.clone(),
        preset: sc.server.preset.clone(),
    }
}

/// Whether the scenario runs against a target rather than its own server.
pub fn uses_target(sc: &Scenario, opts: &RunOptions) -> bool {
    opts.target.is_some() || sc.target.is_some()
}

fn encode_frame(codec: &mut AnyCodec, msg: &[u8], overflow: Overflow) -> Result<Bytes, String> {
    let mut out = BytesMut::new();
    match codec.encode(msg, &mut out) {
        Ok(()) => Ok(out.freeze()),
        Err(FramingError::LengthPrefix(LengthPrefixError::DoesNotFitHeader { .. })) if overflow == Overflow::Wrap => {
            let AnyCodec::LengthPrefix(c) = codec else { unreachable!() };
            let f = c.format();
            // The seed-style encoder: the length wraps modulo the width.
            out.clear();
            f.write_raw(msg.len() as i128, &mut out);
            out.put_slice(msg);
            Ok(out.freeze())
        }
        Err(e) => Err(format!("the client's encoder refused a {}-byte message: {e}", msg.len())),
    }
}

/// Makes a scenario concrete: messages, frames and the write plan.
pub fn prepare(sc: &Scenario, seed: u64, target: bool) -> Result<Prepared, String> {
    let mut rng = fault::rng(seed);
    let server_framing = if target { None } else { Some(server::apply_knobs(sc.server.strategy.clone(), &knobs(sc))?) };
    let client_framing = sc.client.framing.clone().or_else(|| server_framing.clone()).unwrap_or_default();
    let mut messages: Vec<Bytes> = sc.client.messages.iter().map(|m| Bytes::copy_from_slice(m.as_bytes())).collect();
    if let Some(g) = &sc.client.generate {
        messages.extend(payload::generate(g.kind, g.count, g.size, &mut rng));
    }
    let mut codec = client_framing.codec();
    let mut frames = Vec::with_capacity(messages.len() + 1);
    let mut expected_default = messages.clone();
    match (&sc.client.forge_header, &client_framing) {
        (Some(v), FramingSpec::LengthPrefix(p)) => {
            frames.push(forge_header(p, *v));
            frames.extend(messages.iter().cloned());
            expected_default.clear();
        }
        (Some(v), FramingSpec::JsonHeader(j)) => {
            frames.push(forge_header(&j.prefix, *v));
            frames.extend(messages.iter().cloned());
            expected_default.clear();
        }
        (Some(_), other) => {
            return Err(format!("forge-header needs a length-prefix or json-header client framing, not {other}"));
        }
        (None, FramingSpec::Udp { .. } | FramingSpec::Handshake { .. }) => frames.extend(messages.iter().cloned()),
        (None, _) => {
            for m in &messages {
                frames.push(encode_frame(&mut codec, m, sc.client.overflow)?);
            }
        }
    }
    if let Some(limit) = sc.client.reset_after {
        // Only the frames wholly sent before the reset can be understood.
        let mut end = 0;
        let whole = frames.iter().take_while(|f| {
            end += f.len();
            end <= limit
        });
        let n = whole.count();
        expected_default.truncate(n);
    }
    let expected = match &sc.expect.messages {
        Some(m) => m.iter().map(|m| Bytes::copy_from_slice(m.as_bytes())).collect(),
        None => expected_default,
    };
    let spec = PlanSpec {
        schedule: sc.client.schedule.clone(),
        pause: sc.client.pause,
        sync: sc.client.sync,
        reset_after: sc.client.reset_after,
    };
    let actions = fault::plan(&frames, &spec, &mut rng);
    Ok(Prepared { server_framing, client_framing, messages, expected, frames, actions })
}

/// FNV-1a's starting value.
pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over `bytes`, continuing from `h`: a hash that is stable across
/// runs, machines and Rust versions (std's hasher is none of these), for
/// seeds, shards and plan fingerprints.
pub(crate) fn fnv1a(h: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(h, |h, b| (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// A fingerprint of a plan: its bytes and its write boundaries.
pub fn fingerprint(actions: &[Action]) -> String {
    let mut h = FNV_OFFSET;
    for a in actions {
        h = match a {
            Action::Write(w) => fnv1a(fnv1a(fnv1a(h, b"W"), &w.len().to_le_bytes()), w),
            Action::Sleep(d) => fnv1a(h, &d.as_nanos().to_le_bytes()),
            Action::Sync => fnv1a(h, b"S"),
            Action::Shutdown => fnv1a(h, b"F"),
            Action::Reset => fnv1a(h, b"R"),
        };
    }
    format!("{h:016x}")
}

fn server_config(sc: &Scenario, framing: FramingSpec) -> Result<ServerConfig, String> {
    let (variant, sequential) = server::parse_variant(&sc.server.variant)?;
    let mut cfg = ServerConfig::new(framing).variant(variant).handler(sc.server.handler);
    cfg.sequential = sequential;
    cfg.delay = sc.server.delay.unwrap_or_default();
    cfg.root = sc.server.root.as_ref().map(|r| sc.file.parent().unwrap_or(Path::new(".")).join(r));
    cfg.limits.idle_timeout = sc.server.idle_timeout.unwrap_or(Duration::from_secs(5));
    cfg.limits.frame_timeout = sc.server.frame_timeout.unwrap_or(Duration::from_secs(10));
    if let Some(m) = sc.server.max_connections {
        cfg.limits.max_connections = m;
    }
    cfg.validate()?;
    Ok(cfg)
}

/// Escapes a message for a report, cut to `max` characters.
pub fn show(m: &[u8], max: usize) -> String {
    let s = crate::framing::escape(&m[..m.len().min(max)]);
    if m.len() > max { format!("{s}... ({} bytes)", m.len()) } else { s }
}

fn show_all(ms: &[Bytes]) -> Vec<String> {
    let mut v: Vec<String> = ms.iter().take(8).map(|m| show(m, 48)).collect();
    if ms.len() > 8 {
        v.push(format!("... {} more", ms.len() - 8));
    }
    v
}

/// Runs one scenario to its verdict.
pub async fn run_scenario(sc: &Scenario, opts: &RunOptions) -> ScenarioResult {
    let started = Instant::now();
    let seed = seed_for(sc, opts);
    let target = uses_target(sc, opts);
    let mut result = ScenarioResult {
        name: sc.name.clone(),
        file: sc.file.display().to_string(),
        bug: sc.bug.clone(),
        verdict: None,
        expected: sc.expect.verdict,
        ok: false,
        seed,
        detail: String::new(),
        sent: Vec::new(),
        seen: Vec::new(),
        writes: Vec::new(),
        plan: String::new(),
        duration_ms: 0,
    };
    // Generating and framing megabytes of payload is CPU work: keep it off
    // the async workers, whose timers the other scenarios' pauses and
    // delays depend on.
    let owned = sc.clone();
    let prepared = tokio::task::spawn_blocking(move || prepare(&owned, seed, target))
        .await
        .unwrap_or_else(|e| Err(format!("preparing the plan failed: {e}")));
    let prep = match prepared {
        Ok(p) => p,
        Err(e) => {
            result.detail = format!("scenario error: {e}");
            tracing::warn!(scenario = ?sc.name, seed, "{}", result.detail);
            return result;
        }
    };
    result.sent = show_all(&prep.messages);
    result.plan = fingerprint(&prep.actions);
    result.writes =
        prep.actions.iter().filter_map(|a| if let Action::Write(w) = a { Some(w.len()) } else { None }).collect();
    tracing::info!(scenario = ?sc.name, file = %sc.file.display(), seed, plan = %result.plan, "scenario started");
    // The reference server's tasks run in this span: their events name the scenario.
    let span = tracing::info_span!("scenario", name = ?sc.name);
    let run = tokio::time::timeout(sc.timeout, execute(sc, opts, &prep, seed));
    let outcome = tracing::Instrument::instrument(run, span).await;
    match outcome {
        Ok(Ok((verdict, detail, seen))) => {
            result.verdict = Some(verdict);
            result.detail = detail;
            result.seen = show_all(&seen);
        }
        Ok(Err(e)) => result.detail = format!("scenario error: {e}"),
        Err(_) => {
            result.verdict = Some(Verdict::Hang);
            result.detail = format!("the scenario did not finish within its deadline of {:?}", sc.timeout);
        }
    }
    result.ok = result.verdict == Some(result.expected);
    result.duration_ms = started.elapsed().as_millis() as u64;
    tracing::info!(
        scenario = ?sc.name, verdict = %result.verdict_text(), expected = %result.expected, ok = result.ok,
        ms = result.duration_ms, "scenario finished"
    );
    tracing::debug!(scenario = ?sc.name, detail = %result.detail, "verdict detail");
    result
}

/// The folder of the scenario file: commands run there.
fn scenario_dir(sc: &Scenario) -> std::path::PathBuf {
    match sc.file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    }
}

fn proxy_config(sc: &Scenario, p: &ProxySection, upstream: SocketAddr, seed: u64) -> ProxyConfig {
    let mut cfg = ProxyConfig::new(upstream);
    cfg.seed = seed ^ 0x5052_4F58_5900_0000;
    cfg.idle_timeout = sc.timeout;
    cfg.up = DirectionConfig {
        schedule: p.up.clone(),
        pause: p.up_pause,
        hold: p.hold,
        reset_after: p.up_reset_after,
        close_after: p.up_close_after,
    };
    cfg.down = DirectionConfig {
        schedule: p.down.clone(),
        pause: p.down_pause,
        hold: p.hold,
        reset_after: p.down_reset_after,
        close_after: p.down_close_after,
    };
    cfg
}

async fn execute(
    sc: &Scenario,
    opts: &RunOptions,
    prep: &Prepared,
    seed: u64,
) -> Result<(Verdict, String, Vec<Bytes>), String> {
    let server = match (&prep.server_framing, uses_target(sc, opts)) {
        (Some(f), false) => {
            let cfg = server_config(sc, f.clone())?;
            Some(Server::start(cfg).await.map_err(|e| format!("starting the reference server: {e}"))?)
        }
        _ => None,
    };
    // A spawned target lives in this variable: when the scenario ends, fails
    // or is cancelled at its deadline, dropping it kills its process group.
    let mut spawned: Option<SpawnedTarget> = None;
    let addr = match (&server, opts.target, sc.target.as_ref()) {
        (Some(s), _, _) => s.addr(),
        (None, Some(a), _) => a,
        (None, None, Some(t)) if t.command.is_some() => {
            let spec = TargetCommand {
                argv: t.command.clone().unwrap_or_default(),
                cwd: scenario_dir(sc),
                addr: t.addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0))),
                udp: t.udp,
                startup_timeout: t.startup_timeout,
            };
            let target = SpawnedTarget::start(&spec).await.map_err(|e| format!("starting the target: {e}"))?;
            let a = target.addr();
            spawned = Some(target);
            a
        }
        (None, None, Some(t)) if t.addr.is_some() => t.addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0))),
        _ => return Err("no server and no target address".into()),
    };
    let udp = matches!(prep.client_framing, FramingSpec::Udp { .. }) || sc.target.as_ref().is_some_and(|t| t.udp);
    let proxy = match &sc.proxy {
        Some(_) if udp => return Err("[proxy] is a TCP proxy; this scenario speaks UDP".into()),
        Some(p) => {
            Some(Proxy::start(proxy_config(sc, p, addr, seed)).await.map_err(|e| format!("starting the proxy: {e}"))?)
        }
        None => None,
    };
    let client_addr = proxy.as_ref().map_or(addr, Proxy::addr);

    let (mut verdict, mut detail, seen) = if let Some(cut) = &sc.client_under_test {
        run_client_under_test(sc, cut, client_addr).await?
    } else {
        let log = server.as_ref().map(|s| s.log().clone());
        // Through a proxy the server's reads follow the proxy's schedule, and
        // a sync on the client's writes would mean nothing.
        let sync_log = if proxy.is_some() { None } else { log.as_ref() };
        let mut outcomes = run_clients(sc, prep, client_addr, sync_log, server.is_some(), seed).await;
        if let Some(p) = &proxy {
            // The server saw the proxy's upstream sockets, not the clients.
            for o in &mut outcomes {
                if let Some(l) = o.local {
                    o.local = p.upstream_of(l).or(Some(l));
                }
            }
        }
        match &server {
            Some(s) => judge_reference(sc, prep, s, &outcomes).await,
            None => {
                let (v, d) = judge_replies(sc, prep, &outcomes[0], &prep.expected);
                let all_replies = outcomes[0].replies.clone();
                let others = outcomes[1..]
                    .iter()
                    .map(|o| judge_replies(sc, prep, o, &prep.expected))
                    .find(|(v, _)| *v != Verdict::Intact);
                match (v, others) {
                    (Verdict::Intact, Some((v2, d2))) => (v2, format!("another connection: {d2}"), all_replies),
                    _ => (v, d, all_replies),
                }
            }
        }
    };
    if let Some(s) = server.as_ref().filter(|_| sc.client_under_test.is_none())
        && matches!(sc.expect.verdict, Verdict::Rejected | Verdict::Closed)
        && matches!(verdict, Verdict::Rejected | Verdict::Closed)
        && !matches!(prep.server_framing, Some(FramingSpec::Udp { .. }))
    {
        if let Err(e) = good_client_served(s, prep).await {
            verdict = Verdict::Hang;
            detail = format!("{detail}; then {e}");
        } else {
            detail.push_str("; a good client was served afterwards");
        }
    }
    if let Some(p) = proxy {
        let stats = p.stop().await;
        detail.push_str(&format!("; the proxy passed {} bytes up and {} bytes down", stats.bytes_up, stats.bytes_down));
    }
    if let Some(mut t) = spawned {
        if let Some(status) = t.exited() {
            detail.push_str(&format!(
                "; the target `{}` exited during the scenario ({status}){}",
                t.command(),
                crate::target::stderr_note(&t.stderr_tail())
            ));
        }
        t.stop().await;
    }
    if let Some(s) = server {
        s.stop().await;
    }
    Ok((verdict, detail, seen))
}

/// Runs the client under test against `addr` and judges it.
async fn run_client_under_test(
    sc: &Scenario,
    cut: &ClientUnderTestSection,
    addr: SocketAddr,
) -> Result<(Verdict, String, Vec<Bytes>), String> {
    let argv = crate::target::substitute(&cut.command, addr);
    let out = crate::target::run_command(&argv, &scenario_dir(sc), cut.timeout)
        .await
        .map_err(|e| format!("starting the client under test: {e}"))?;
    Ok(blackbox::judge_client(cut, &out))
}

/// How many replies the client waits for: `None` reads until the peer
/// closes (or is quiet for the reply timeout).
fn expected_replies(sc: &Scenario, prep: &Prepared, reference: bool) -> Option<usize> {
    let r = &sc.response;
    if r.bytes.is_some() {
        return None;
    }
    if let Some(list) = &r.replies {
        return Some(list.len());
    }
    match r.expect {
        _ if r.pattern.is_some() => Some(prep.expected.len()),
        ResponseExpect::None if reference => None,
        ResponseExpect::None => Some(0),
        _ => Some(prep.expected.len()),
    }
}

async fn run_clients(
    sc: &Scenario,
    prep: &Prepared,
    addr: SocketAddr,
    log: Option<&ObservationLog>,
    reference: bool,
    seed: u64,
) -> Vec<ClientOutcome> {
    let c = &sc.client;
    let connect_timeout = c.reply_timeout.max(Duration::from_secs(2));
    let mut futs = Vec::new();
    for i in 0..c.connections {
        let fut = async move {
            match &prep.client_framing {
                FramingSpec::Udp { .. } => {
                    let want = if sc.server.handler == server::Handler::Silent { 0 } else { prep.messages.len() };
                    client::run_udp(addr, &prep.frames, c.pause, want, c.reply_timeout).await
                }
                FramingSpec::Handshake { max_length } => {
                    client::run_handshake(
                        addr,
                        &prep.messages,
                        c.coalesce_start,
                        *max_length,
                        c.reply_timeout,
                        connect_timeout,
                    )
                    .await
                }
                _ => {
                    let response = if sc.response.bytes.is_some() {
                        // Judged by size: every byte as it comes.
                        sc.response.framing.clone()
                    } else {
                        sc.response.framing.clone().or_else(|| prep.server_framing.clone())
                    };
                    let lockstep_after = if c.lockstep { (0..prep.frames.len()).collect() } else { Vec::new() };
                    let expected_replies = expected_replies(sc, prep, reference);
                    // A black-box server shows a split by extra replies: wait
                    // for them a little once the expected ones are in.
                    let settle = if reference || expected_replies == Some(0) {
                        Duration::ZERO
                    } else {
                        c.reply_timeout.min(Duration::from_millis(300))
                    };
                    let spec = ClientSpec {
                        actions: prep.actions.clone(),
                        nodelay: c.nodelay,
                        response: response.map(|r| r.codec()),
                        lockstep_after,
                        // A reference server's handler delay is deliberate:
                        // the reply timeout counts from when it is over.
                        reply_timeout: c.reply_timeout
                            + if reference { sc.server.delay.unwrap_or_default() } else { Duration::ZERO },
                        read_plan: fault::read::ReadPlan { sizes: c.read.sizes, pause: c.read.pause },
                        hold: c.hold,
                        seed: seed.wrapping_add(i as u64),
                        connect_timeout,
                        expected_replies,
                        settle,
                    };
                    client::run_tcp(addr, &spec, log).await
                }
            }
        };
        futs.push(fut);
    }
    futures::future::join_all(futs).await
}

/// Judges a reference-server run: the server's own record is the oracle.
async fn judge_reference(
    sc: &Scenario,
    prep: &Prepared,
    server: &Server,
    outcomes: &[ClientOutcome],
) -> (Verdict, String, Vec<Bytes>) {
    let locals: Vec<SocketAddr> = outcomes.iter().filter_map(|o| o.local).collect();
    let udp = matches!(prep.server_framing, Some(FramingSpec::Udp { .. }));
    let wait = Duration::from_secs(2);
    let (obs, _) = if udp {
        let want = prep.expected.len();
        server.log().wait_until(Duration::from_millis(500), |o| o.messages().len() >= want * outcomes.len()).await
    } else {
        server
            .log()
            .wait_until(wait, |o| {
                locals.iter().all(|l| o.connections.iter().any(|c| c.peer == *l && c.closed().is_some()))
            })
            .await
    };
    let mut first_seen = Vec::new();
    for (i, out) in outcomes.iter().enumerate() {
        let conn = out.local.and_then(|l| obs.connections.iter().find(|c| c.peer == l));
        let (v, d) = judge_conn(sc, prep, conn, out);
        if i == 0 {
            first_seen = conn.map(|c| c.messages().cloned().collect()).unwrap_or_default();
        }
        if v != Verdict::Intact || i + 1 == outcomes.len() {
            let prefix = if outcomes.len() > 1 {
                format!("connection {} of {}: ", i + 1, outcomes.len())
            } else {
                String::new()
            };
            let seen = conn.map(|c| c.messages().cloned().collect()).unwrap_or(first_seen);
            return (v, format!("{prefix}{d}"), seen);
        }
    }
    (Verdict::Intact, "no connection".into(), first_seen)
}

fn judge_conn(sc: &Scenario, prep: &Prepared, conn: Option<&ConnLog>, out: &ClientOutcome) -> (Verdict, String) {
    let e = &prep.expected;
    if let Some(err) = &out.connect_error {
        return (Verdict::Closed, err.clone());
    }
    let Some(conn) = conn else {
        let why = if out.hung { "the client's reply never came and " } else { "" };
        return (Verdict::Hang, format!("{why}the server never accepted the connection in time"));
    };
    let o: Vec<Bytes> = conn.messages().cloned().collect();
    let v = classify(e, &o);
    let understood =
        format!("sent {} message(s) in {} write(s); the server understood {}", e.len(), write_count(prep), o.len());
    let closed = conn.closed();
    let rejection = conn.errors().find(|(k, _)| REJECTION_KINDS.contains(k)).map(|(k, d)| format!("{k}: {d}"));
    let server_ended = matches!(
        closed,
        Some(
            CloseReason::Error
                | CloseReason::Reset
                | CloseReason::IdleTimeout
                | CloseReason::FrameTimeout
                | CloseReason::Refused
        )
    );
    if v != Verdict::Intact {
        if server_ended && is_prefix(e, &o) {
            if let Some(r) = rejection {
                return (Verdict::Rejected, format!("{understood}; it refused the input ({r})"));
            }
            let why = conn
                .errors()
                .map(|(k, d)| format!("{k}: {d}"))
                .next()
                .unwrap_or_else(|| closed.map_or("", |c| c.name()).to_string());
            return (Verdict::Closed, format!("{understood}; the connection ended ({why})"));
        }
        let kind = match v {
            Verdict::Coalesced => "messages merged",
            Verdict::Split => "a message taken in pieces",
            Verdict::Lost => "whole messages missing",
            Verdict::Truncated => "messages cut short",
            _ => "bytes misread as framing",
        };
        return (v, format!("{understood}: {kind}"));
    }
    if let Some(r) = rejection {
        return (Verdict::Rejected, format!("{understood}; it refused part of the input ({r})"));
    }
    if let Some(err) = out.reply_errors.first() {
        return (Verdict::Desync, format!("{understood}; a reply failed to decode: {err}"));
    }
    if out.hung {
        let missing = e.len() - e.iter().filter(|m| !m.is_empty()).count();
        let why =
            if missing > 0 { format!(" ({missing} empty message(s) put nothing on the wire)") } else { String::new() };
        return (Verdict::Hang, format!("{understood}; a reply never came within {:?}{why}", sc.client.reply_timeout));
    }
    if out.replies.iter().any(|r| r.starts_with(b"ERROR:")) {
        let r = out.replies.iter().find(|r| r.starts_with(b"ERROR:")).unwrap();
        return (Verdict::Rejected, format!("{understood}; it refused the request: {}", String::from_utf8_lossy(r)));
    }
    if sc.response.expect != ResponseExpect::None {
        let (rv, rd) = judge_replies(sc, prep, out, e);
        if rv != Verdict::Intact {
            return (rv, format!("{understood}, but the replies disagree: {rd}"));
        }
    }
    if closed == Some(CloseReason::Reset) || out.reset_by_peer {
        return (Verdict::Closed, format!("{understood}; the connection was reset"));
    }
    if server_ended && closed != Some(CloseReason::Reset) {
        return (
            Verdict::Closed,
            format!("{understood}; the server ended the connection ({})", closed.map_or("", |c| c.name())),
        );
    }
    (Verdict::Intact, understood)
}

fn write_count(prep: &Prepared) -> usize {
    prep.actions.iter().filter(|a| matches!(a, Action::Write(_))).count()
}

/// The stream the client sent, located message by message, when the
/// scenario's messages are what the server must understand.
fn wire(prep: &Prepared, expected: &[Bytes]) -> Option<Wire> {
    if !is_prefix(&prep.messages, expected) {
        return None;
    }
    let mut w = Wire::new(&prep.client_framing, &prep.frames, &prep.messages)?;
    w.truncate(expected.len());
    Some(w)
}

/// Replies that reveal the messages the server understood, as claims.
fn claims(sc: &Scenario, replies: &[Bytes]) -> Option<Vec<Claim>> {
    match sc.response.expect {
        ResponseExpect::Echo => Some(replies.iter().map(|r| Claim::Content(r.clone())).collect()),
        ResponseExpect::Upper => Some(replies.iter().map(|r| Claim::Upper(r.clone())).collect()),
        ResponseExpect::Digest => replies.iter().map(|r| Claim::parse_digest(r)).collect(),
        _ => None,
    }
}

/// Judges by the count of replies: fewer than messages is `coalesced`, more
/// is `split`, none is `hang` (the caller tells a peer that closed).
fn by_count(got: usize, want: usize) -> Verdict {
    if got == want {
        Verdict::Intact
    } else if got == 0 {
        Verdict::Hang
    } else if got < want {
        Verdict::Coalesced
    } else {
        Verdict::Split
    }
}

/// Judges the replies by a pattern: every reply must match; a `len` group
/// locates them in the stream like a digest, else they are counted.
fn by_pattern(pattern: &str, prep: &Prepared, r: &[Bytes], expected: &[Bytes]) -> (Verdict, String) {
    let re = match regex::bytes::Regex::new(pattern) {
        Ok(re) => re,
        Err(e) => return (Verdict::Desync, format!("bad match pattern: {e}")),
    };
    if let Some(i) = r.iter().position(|x| !re.is_match(x)) {
        return (Verdict::Desync, format!("reply {} {} does not match /{pattern}/", i + 1, show(&r[i], 48)));
    }
    if re.capture_names().any(|n| n == Some("len")) {
        let lens: Option<Vec<Claim>> = r
            .iter()
            .map(|x| {
                let c = re.captures(x)?;
                let t = std::str::from_utf8(c.name("len")?.as_bytes()).ok()?;
                t.trim().parse().ok().map(Claim::Len)
            })
            .collect();
        if let (Some(lens), Some(w)) = (lens, wire(prep, expected)) {
            return blackbox::map_claims(&w, &lens);
        }
    }
    (by_count(r.len(), expected.len()), String::new())
}

/// Judges raw replies by their total size (and, for `echo`/`upper`, their
/// bytes against what was sent).
fn by_bytes(sc: &Scenario, prep: &Prepared, out: &ClientOutcome, want: usize) -> (Verdict, String) {
    let got: Vec<u8> = out.replies.iter().flat_map(|r| r.iter().copied()).collect();
    let sent = fault::written(&prep.actions);
    let head = format!("{} of {want} bytes came back", got.len());
    let same = match sc.response.expect {
        ResponseExpect::Echo => got[..] == sent[..got.len().min(sent.len())],
        ResponseExpect::Upper => got[..] == sent[..got.len().min(sent.len())].to_ascii_uppercase()[..],
        _ => true,
    };
    if !same {
        return (Verdict::Desync, format!("{head}, and they are not the bytes sent"));
    }
    match got.len().cmp(&want) {
        std::cmp::Ordering::Equal => (Verdict::Intact, head),
        std::cmp::Ordering::Greater => (Verdict::Desync, format!("{head}: more than expected")),
        std::cmp::Ordering::Less if out.reset_by_peer || out.eof || out.write_error.is_some() => {
            (Verdict::Closed, format!("{head}; the peer closed or reset the connection first"))
        }
        std::cmp::Ordering::Less => {
            (Verdict::Hang, format!("{head}; the rest never came within {:?}", sc.client.reply_timeout))
        }
    }
}

/// Judges by replies alone (black-box targets, or `[response] expect`).
pub fn judge_replies(sc: &Scenario, prep: &Prepared, out: &ClientOutcome, expected: &[Bytes]) -> (Verdict, String) {
    if let Some(err) = &out.connect_error {
        return (Verdict::Closed, err.clone());
    }
    let r = &out.replies;
    let head = format!("sent {} message(s); {} repl(ies) came back", expected.len(), r.len());
    if let Some(err) = out.reply_errors.first()
        && !err.starts_with("read:")
    {
        return (Verdict::Desync, format!("{head}; a reply failed to decode: {err}"));
    }
    if r.iter().any(|r| r.starts_with(b"ERROR:")) {
        return (Verdict::Rejected, format!("{head}; the server refused the input"));
    }
    if let Some(n) = sc.response.bytes {
        return by_bytes(sc, prep, out, n);
    }
    let mut why = String::new();
    let v = if let Some(list) = &sc.response.replies {
        let want: Vec<Bytes> = list.iter().map(|m| Bytes::copy_from_slice(m.as_bytes())).collect();
        // The same reply to every message (an ack) tells only a count.
        let fixed = want.first().is_some_and(|w0| want.iter().chain(r.iter()).all(|x| x == w0));
        match classify(&want, r) {
            _ if fixed => by_count(r.len(), want.len()),
            Verdict::Lost if r.is_empty() => Verdict::Hang,
            v => v,
        }
    } else if let Some(p) = &sc.response.pattern {
        let (v, d) = by_pattern(p, prep, r, expected);
        why = d;
        v
    } else if let (Some(c), Some(w)) = (claims(sc, r), wire(prep, expected)) {
        let (v, d) = blackbox::map_claims(&w, &c);
        why = d;
        match v {
            Verdict::Lost if r.is_empty() => Verdict::Hang,
            v => v,
        }
    } else {
        match sc.response.expect {
            ResponseExpect::Echo => classify(expected, r),
            ResponseExpect::Upper => {
                let up: Vec<Bytes> = expected.iter().map(|m| Bytes::from(m.to_ascii_uppercase())).collect();
                classify(&up, r)
            }
            ResponseExpect::Digest => {
                let want: Vec<Bytes> = expected.iter().map(|m| server::handler::digest_reply(m)).collect();
                if *r == want {
                    Verdict::Intact
                } else {
                    let lens = |v: &[Bytes]| -> Option<Vec<usize>> {
                        v.iter()
                            .map(|x| std::str::from_utf8(x).ok()?.strip_prefix("len=")?.split(' ').next()?.parse().ok())
                            .collect()
                    };
                    match lens(r) {
                        Some(got) if got.iter().sum::<usize>() == expected.iter().map(Bytes::len).sum::<usize>() => {
                            if got.len() < expected.len() {
                                Verdict::Coalesced
                            } else {
                                Verdict::Split
                            }
                        }
                        _ if r.len() < expected.len() => Verdict::Lost,
                        _ => Verdict::Desync,
                    }
                }
            }
            ResponseExpect::Ack | ResponseExpect::Reply => {
                let content_ok =
                    sc.response.expect == ResponseExpect::Reply || r.iter().all(|x| &x[..] == server::handler::ACK);
                if !content_ok { Verdict::Desync } else { by_count(r.len(), expected.len()) }
            }
            ResponseExpect::None => Verdict::Intact,
        }
    };
    let head = if why.is_empty() { head } else { format!("{head}: {why}") };
    if v == Verdict::Hang && out.eof && !out.hung {
        return (Verdict::Closed, format!("{head}; the peer closed the connection without replying"));
    }
    if v == Verdict::Intact || (v == Verdict::Hang && !out.peer_closed_early && !out.reset_by_peer) {
        if out.hung {
            return (Verdict::Hang, format!("{head}; a reply never came within {:?}", sc.client.reply_timeout));
        }
        if out.reset_by_peer || out.peer_closed_early || out.write_error.is_some() {
            return (Verdict::Closed, format!("{head}; the peer closed or reset the connection"));
        }
        return (v, head);
    }
    if r.len() < expected.len() && (out.reset_by_peer || out.peer_closed_early) && is_prefix(expected, r) {
        return (Verdict::Closed, format!("{head}; the peer closed or reset the connection"));
    }
    (v, head)
}

/// After a hostile client: is a good client still served?
async fn good_client_served(s: &Server, prep: &Prepared) -> Result<(), String> {
    let framing = prep.server_framing.clone().unwrap_or_default();
    let ping = Bytes::from_static(b"ping");
    let before = s.observation().connections.len();
    let out = match &framing {
        FramingSpec::Handshake { max_length } => {
            client::run_handshake(
                s.addr(),
                std::slice::from_ref(&ping),
                false,
                *max_length,
                Duration::from_secs(2),
                Duration::from_secs(2),
            )
            .await
        }
        f => {
            let mut codec = f.codec();
            let frame = encode_frame(&mut codec, &ping, Overflow::Error)?;
            let spec = ClientSpec {
                actions: vec![Action::Write(frame), Action::Shutdown],
                nodelay: true,
                response: None,
                lockstep_after: Vec::new(),
                reply_timeout: Duration::from_millis(300),
                read_plan: Default::default(),
                hold: Duration::ZERO,
                seed: 0,
                connect_timeout: Duration::from_secs(2),
                expected_replies: None,
                settle: Duration::ZERO,
            };
            client::run_tcp(s.addr(), &spec, None).await
        }
    };
    if let Some(e) = out.connect_error {
        return Err(format!("a good client could not connect: {e}"));
    }
    let (_, ok) = s
        .log()
        .wait_until(Duration::from_secs(2), |o| {
            o.connections.iter().skip(before).any(|c| c.messages().any(|m| m == &ping))
        })
        .await;
    if ok { Ok(()) } else { Err("a good client was not served".into()) }
}
