//! Soak: many concurrent connections against a reference server running
//! as its own process (`framelab serve`), good clients mixed with hostile
//! ones, for a bounded time. Reports connections made, good messages
//! delivered intact, hostile connections and server errors by kind, the
//! server's peak memory (VmHWM) above idle, and its open descriptors after
//! the run. Linux only for the memory and descriptor figures (`/proc`).

mod hostile;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use serde::Serialize;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::Semaphore;
use tokio_util::codec::Encoder;

pub use hostile::{HOSTILE_KINDS, Hostile};

use crate::framing::FramingSpec;
use crate::seed::{self, Purpose};
use crate::server::FeedLine;

/// What to soak.
#[derive(Debug, Clone)]
pub struct SoakConfig {
    /// The server's framing spec (a TCP strategy).
    pub strategy: String,
    /// Its variant.
    pub variant: String,
    /// Hostile connections, cycling through every kind.
    pub hostile: usize,
    /// Good clients.
    pub good: usize,
    /// Messages per good client.
    pub messages: usize,
    /// Connections open at once.
    pub concurrency: usize,
    /// The server's idle timeout.
    pub idle_timeout: Duration,
    /// The server's frame timeout (cuts slowloris drips).
    pub frame_timeout: Duration,
    /// The `framelab` executable that runs the server.
    pub exe: PathBuf,
    /// Seed of the payloads.
    pub seed: u64,
}

impl SoakConfig {
    /// Defaults: 1,000 hostile connections and 100 good clients of 20
    /// messages each, 256 at once, 1 s idle and 2 s frame timeouts.
    pub fn new(strategy: &str, exe: PathBuf) -> Self {
        SoakConfig {
            strategy: strategy.to_owned(),
            variant: "correct".into(),
            hostile: 1000,
            good: 100,
            messages: 20,
            concurrency: 256,
            idle_timeout: Duration::from_secs(1),
            frame_timeout: Duration::from_secs(2),
            exe,
            seed: 1,
        }
    }
}

/// What a soak measured.
#[derive(Debug, Clone, Serialize, Default)]
pub struct SoakReport {
    /// The framing spec.
    pub strategy: String,
    /// Connections made (good and hostile).
    pub connections: usize,
    /// Good clients whose every reply came back intact.
    pub good_clients_ok: usize,
    /// Good clients.
    pub good_clients: usize,
    /// Good messages sent.
    pub good_messages: usize,
    /// Good messages whose echo came back intact.
    pub good_messages_intact: usize,
    /// What went wrong for good clients (first few).
    pub good_failures: Vec<String>,
    /// Hostile connections by kind.
    pub hostile_by_kind: BTreeMap<String, usize>,
    /// Errors the server recorded, by kind.
    pub server_errors: BTreeMap<String, usize>,
    /// How the server's connections ended, by reason.
    pub server_closes: BTreeMap<String, usize>,
    /// Server events not printed because its log fell behind.
    pub log_events_skipped: u64,
    /// Server RSS when idle, KiB.
    pub idle_rss_kib: u64,
    /// Server peak RSS (VmHWM), KiB.
    pub peak_rss_kib: u64,
    /// Open descriptors of the server before the load.
    pub fds_before: usize,
    /// Open descriptors of the server after the load, once idle.
    pub fds_after: usize,
    /// The server was still running at the end.
    pub server_alive: bool,
    /// The server printed a panic.
    pub server_panicked: bool,
    /// Wall time.
    pub elapsed_ms: u64,
}

impl SoakReport {
    /// Peak RSS above idle, KiB.
    pub fn rss_growth_kib(&self) -> u64 {
        self.peak_rss_kib.saturating_sub(self.idle_rss_kib)
    }

    /// Whether the soak passed: every good message intact, no panic, the
    /// server alive, memory growth under `rss_bound_kib`, no descriptor
    /// left open.
    pub fn problems(&self, rss_bound_kib: u64) -> Vec<String> {
        let mut p = Vec::new();
        if self.good_messages_intact != self.good_messages {
            p.push(format!(
                "{} of {} good messages intact: {:?}",
                self.good_messages_intact, self.good_messages, self.good_failures
            ));
        }
        if self.server_panicked {
            p.push("the server panicked".into());
        }
        if !self.server_alive {
            p.push("the server died".into());
        }
        if cfg!(target_os = "linux") && self.rss_growth_kib() > rss_bound_kib {
            p.push(format!(
                "peak RSS grew {} KiB above idle, over the bound of {rss_bound_kib} KiB",
                self.rss_growth_kib()
            ));
        }
        if self.fds_after > self.fds_before {
            p.push(format!("{} descriptors open after the run, {} before", self.fds_after, self.fds_before));
        }
        p
    }
}

fn proc_status_kib(pid: u32, key: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map(|d| d.count()).unwrap_or(0)
}

#[derive(Debug, Default)]
struct LogCounts {
    errors: BTreeMap<String, usize>,
    closes: BTreeMap<String, usize>,
    skipped: u64,
    open: usize,
}

/// Why a soak could not run.
#[derive(Debug, thiserror::Error)]
pub enum SoakError {
    /// The strategy does not parse.
    #[error(transparent)]
    Spec(#[from] crate::framing::SpecError),
    /// A UDP strategy.
    #[error("soak drives TCP servers; udp has no connections to exhaust")]
    Udp,
    /// The server process did not start.
    #[error("starting {exe}: {source}")]
    Start {
        /// The executable.
        exe: String,
        /// The error.
        source: std::io::Error,
    },
    /// The server process did not behave (no address, exited at once).
    #[error("{0}")]
    Server(String),
    /// A task of the soak failed.
    #[error("a soak task failed: {0}")]
    Task(String),
}

/// The server process of a soak, its event feed read on the side.
struct ServerProcess {
    child: tokio::process::Child,
    pid: u32,
    addr: SocketAddr,
    counts: Arc<Mutex<LogCounts>>,
    panicked: Arc<Mutex<bool>>,
    readers: [tokio::task::JoinHandle<()>; 2],
}

impl ServerProcess {
    /// Starts `cfg.exe serve ... --events json` and reads its address.
    async fn start(cfg: &SoakConfig) -> Result<ServerProcess, SoakError> {
        let mut child = tokio::process::Command::new(&cfg.exe)
            .args(["serve", &cfg.strategy, "--variant", &cfg.variant, "--handler", "echo", "--addr", "127.0.0.1:0"])
            .args(["--idle-timeout", &crate::units::format_duration(cfg.idle_timeout)])
            .args(["--frame-timeout", &crate::units::format_duration(cfg.frame_timeout)])
            .args(["--max-connections", &(cfg.concurrency * 2 + 16).to_string(), "--events", "json"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| SoakError::Start { exe: cfg.exe.display().to_string(), source })?;
        let bad = |why: &str| SoakError::Server(why.to_owned());
        let pid = child.id().ok_or_else(|| bad("the server exited at once"))?;
        let mut lines = BufReader::new(child.stdout.take().ok_or_else(|| bad("no stdout"))?).lines();
        let first = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .map_err(|_| bad("the server did not print its address within 10s"))?
            .map_err(|e| SoakError::Server(e.to_string()))?
            .ok_or_else(|| bad("the server exited before listening"))?;
        let addr = match serde_json::from_str(&first) {
            Ok(FeedLine::Listening { addr }) => addr,
            _ => return Err(SoakError::Server(format!("unexpected first line {first:?}"))),
        };
        let counts = Arc::new(Mutex::new(LogCounts::default()));
        let reader = {
            let counts = counts.clone();
            tokio::spawn(async move {
                while let Ok(Some(line)) = lines.next_line().await {
                    let mut c = counts.lock().unwrap_or_else(|p| p.into_inner());
                    match serde_json::from_str(&line) {
                        Ok(FeedLine::Error { kind, .. }) => *c.errors.entry(kind.name().to_owned()).or_default() += 1,
                        Ok(FeedLine::Closed { reason, .. }) => {
                            *c.closes.entry(reason.name().to_owned()).or_default() += 1;
                            c.open = c.open.saturating_sub(1);
                        }
                        Ok(FeedLine::Skipped { count }) => c.skipped += count,
                        _ => {}
                    }
                }
            })
        };
        let stderr = child.stderr.take();
        let panicked = Arc::new(Mutex::new(false));
        let err_reader = {
            let panicked = panicked.clone();
            tokio::spawn(async move {
                if let Some(e) = stderr {
                    let mut lines = BufReader::new(e).lines();
                    while let Ok(Some(l)) = lines.next_line().await {
                        if l.contains("panicked") {
                            *panicked.lock().unwrap_or_else(|p| p.into_inner()) = true;
                        }
                    }
                }
            })
        };
        Ok(ServerProcess { child, pid, addr, counts, panicked, readers: [reader, err_reader] })
    }

    /// Takes the last figures into `report` and kills the server.
    async fn finish(mut self, report: &mut SoakReport) {
        report.peak_rss_kib = proc_status_kib(self.pid, "VmHWM:");
        report.server_alive = matches!(self.child.try_wait(), Ok(None));
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
        for r in self.readers {
            let _ = tokio::time::timeout(Duration::from_secs(2), r).await;
        }
        let c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        report.server_errors = c.errors.clone();
        report.server_closes = c.closes.clone();
        report.log_events_skipped = c.skipped;
        report.server_panicked = *self.panicked.lock().unwrap_or_else(|p| p.into_inner());
    }
}

/// Runs a soak. The server is `cfg.exe serve ...` on 127.0.0.1:0, killed
/// at the end.
pub async fn soak(cfg: &SoakConfig) -> Result<SoakReport, SoakError> {
    let spec: FramingSpec = cfg.strategy.parse()?;
    if matches!(spec, FramingSpec::Udp(crate::framing::UdpFormat { .. })) {
        return Err(SoakError::Udp);
    }
    let started = Instant::now();
    let server = ServerProcess::start(cfg).await?;
    let pid = server.pid;
    // Let the server settle, then take the idle figures.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut report = SoakReport {
        strategy: cfg.strategy.clone(),
        idle_rss_kib: proc_status_kib(pid, "VmRSS:"),
        fds_before: open_fds(pid),
        ..SoakReport::default()
    };
    load(cfg, &spec, server.addr, &mut report).await?;
    // Wait for the server to close what the hostile clients left open.
    let settle = cfg.idle_timeout.max(cfg.frame_timeout) + Duration::from_millis(500);
    let deadline = Instant::now() + settle * 2;
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let fds = open_fds(pid);
        if fds <= report.fds_before || Instant::now() > deadline {
            report.fds_after = fds;
            break;
        }
    }
    server.finish(&mut report).await;
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// The load: good and hostile clients interleaved, `cfg.concurrency` at
/// once; what they saw goes into `report`.
async fn load(
    cfg: &SoakConfig,
    spec: &FramingSpec,
    addr: SocketAddr,
    report: &mut SoakReport,
) -> Result<(), SoakError> {
    let slots = Arc::new(Semaphore::new(cfg.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let total = cfg.hostile + cfg.good;
    // Interleave: one good client every hostile/good hostile ones.
    let every = total.checked_div(cfg.good).map_or(usize::MAX, |e| e.max(1));
    let (mut h, mut g) = (0usize, 0usize);
    for i in 0..total {
        let permit = slots.clone().acquire_owned().await.map_err(|e| SoakError::Task(e.to_string()))?;
        let spec = spec.clone();
        let good_turn = g < cfg.good && (i % every == 0 || h >= cfg.hostile);
        if good_turn {
            let seed = seed::derive(cfg.seed, Purpose::SoakGood(g as u64));
            let n = cfg.messages;
            g += 1;
            tasks.spawn(async move {
                let r = good_client(addr, &spec, n, seed).await;
                drop(permit);
                Outcome::Good(n, r)
            });
        } else {
            let kind = HOSTILE_KINDS[h % HOSTILE_KINDS.len()];
            h += 1;
            let seed = seed::derive(cfg.seed, Purpose::SoakHostile(h as u64));
            tasks.spawn(async move {
                hostile::run(addr, &spec, kind, seed).await;
                drop(permit);
                Outcome::Hostile(kind)
            });
        }
    }
    while let Some(r) = tasks.join_next().await {
        report.connections += 1;
        match r.map_err(|e| SoakError::Task(e.to_string()))? {
            Outcome::Good(n, res) => {
                report.good_clients += 1;
                report.good_messages += n;
                match res {
                    Ok(()) => {
                        report.good_clients_ok += 1;
                        report.good_messages_intact += n;
                    }
                    Err(f) => {
                        report.good_messages_intact += f.intact;
                        if report.good_failures.len() < 5 {
                            report.good_failures.push(f.why);
                        }
                    }
                }
            }
            Outcome::Hostile(kind) => *report.hostile_by_kind.entry(kind.name().to_owned()).or_default() += 1,
        }
    }
    Ok(())
}

/// A good client whose echoes did not all come back intact.
struct GoodFailure {
    /// Messages that did.
    intact: usize,
    /// What went wrong.
    why: String,
}

fn failed(intact: usize, why: String) -> GoodFailure {
    GoodFailure { intact, why }
}

enum Outcome {
    Good(usize, Result<(), GoodFailure>),
    Hostile(Hostile),
}

/// A good client: `n` text messages framed by `spec`, each echoed back
/// intact (the handshake strategy runs its protocol).
async fn good_client(addr: SocketAddr, spec: &FramingSpec, n: usize, seed: u64) -> Result<(), GoodFailure> {
    let mut rng = crate::fault::rng(seed);
    let size = crate::fault::payload::SizeRange { min: 1, max: 2000 };
    let msgs = crate::fault::payload::generate(crate::fault::payload::PayloadKind::Text, n, size, &mut rng);
    let t = Duration::from_secs(10);
    if let FramingSpec::Handshake(crate::framing::HandshakeFormat { max_length }) = spec {
        let out = crate::client::run_handshake(addr, &msgs, false, *max_length, t, t).await;
        let intact = out.replies.iter().zip(&msgs).filter(|(r, m)| r == m).count();
        return if intact == n {
            Ok(())
        } else {
            Err(failed(intact, format!("handshake: {intact}/{n} intact, {out:?}")))
        };
    }
    let mut codec = spec.codec();
    let mut wire = BytesMut::new();
    for m in &msgs {
        codec.encode(&m[..], &mut wire).map_err(|e| failed(0, e.to_string()))?;
    }
    let naive = matches!(spec, FramingSpec::Naive(crate::framing::NaiveFormat { .. }));
    // The scenario client: timed writes, bounded reply reading.
    let plan = crate::client::ClientSpec {
        actions: vec![crate::fault::Action::Write(wire.freeze()), crate::fault::Action::Shutdown],
        nodelay: true,
        // A naive echo has no boundaries: read it raw, until the server closes.
        response: (!naive).then(|| spec.codec()),
        lockstep_after: Vec::new(),
        tally: Default::default(),
        lockstep_want: Vec::new(),
        reply_timeout: t,
        read_plan: Default::default(),
        hold: Duration::ZERO,
        seed,
        connect_timeout: t,
        expected_replies: (!naive).then_some(n),
        settle: Duration::ZERO,
    };
    let out = crate::client::run_tcp(addr, &plan, None).await;
    if let Some(e) = out.connect_error.or(out.write_error) {
        return Err(failed(0, e));
    }
    let got = out.replies;
    if naive {
        // No boundaries to check on a naive stream: every byte must come back.
        let sent: Vec<u8> = msgs.iter().flat_map(|m| m.iter().copied()).collect();
        let back: Vec<u8> = got.iter().flat_map(|m| m.iter().copied()).collect();
        return if sent == back {
            Ok(())
        } else {
            Err(failed(0, format!("{} of {} bytes echoed", back.len(), sent.len())))
        };
    }
    let intact = got.iter().zip(&msgs).filter(|(a, b)| a == b).count();
    if intact == n && got.len() == n {
        Ok(())
    } else {
        Err(failed(intact, format!("{intact}/{n} echoes intact, {} replies", got.len())))
    }
}
