//! Reference servers: one file per strategy, each with a `correct` variant
//! and seed-style buggy variants that reproduce rows of `BUGS.md`.
//!
//! A [`Server`] starts in-process (on `127.0.0.1:0` by default), tells its
//! address, records what it understood ([`Observation`]), and stops.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use framelab::server::{Server, ServerConfig, Variant};
//! let cfg = ServerConfig::new("naive".parse().unwrap()).variant(Variant::Seed);
//! let server = Server::start(cfg).await?;
//! println!("listening on {}", server.addr());
//! // ... drive it with a client ...
//! let seen = server.observation();
//! server.stop().await;
//! # Ok(()) }
//! ```
//!
//! # Limits
//!
//! Every server bounds a frame by its framing's maximum, cuts a
//! connection that sends nothing for `idle_timeout` or takes longer than
//! `frame_timeout` to complete one frame (a slowloris drip), refuses
//! connections past `max_connections`, and never allocates what a peer
//! declares. A peer that resets, half-closes or sends garbage ends only its
//! own connection; the event is recorded and the server keeps serving.

mod conn;
mod delimiter;
pub mod handler;
mod handshake;
mod json_header;
mod length_prefix;
mod naive;
pub mod observe;
mod udp;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

pub use conn::PLACEHOLDER_DIGEST;
pub use handler::{HANDLERS, Handler, Reply};
pub use observe::{CloseReason, ConnLog, Observation, ObservationLog, ServerEvent};

use crate::framing::FramingSpec;

/// Which behaviour a reference server has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Variant {
    /// Frames correctly (the default).
    #[default]
    Correct,
    /// The seed-style bug of the strategy (see [`VARIANTS`]).
    Seed,
    /// naive only: per-read UTF-8 decode (B11).
    Utf8,
    /// length-prefix only: decimal length text without a boundary (B7).
    Decimal,
}

/// Every (strategy, variant, what it does).
pub const VARIANTS: &[(&str, &str, &str)] = &[
    ("naive", "seed", "each recv(read-size) is one message (B1 B2 B3 B10); same as correct: naive has no boundaries"),
    ("naive", "utf8", "recv(read-size) decoded as UTF-8 per read; a split character kills the connection (B11)"),
    ("delimiter", "seed", "gathers recv(1024)s until one ends with the delimiter (seed 001's end marker)"),
    (
        "length-prefix",
        "seed",
        "header with one read (zero-padded when short, B4), body with one read (B5); alias single-read",
    ),
    ("length-prefix", "decimal", "decimal length text with no boundary, parsed from one recv(1024) (B7)"),
    ("json-header", "seed", "no digest check; files sent with the placeholder digest 1231231231232132131232311 (B16)"),
    ("handshake", "seed", "request and Start each read with one recv(1024): data after Start is lost (B8)"),
    ("udp", "seed", "recvfrom(read-size): bigger datagrams are cut short (B15)"),
    ("any", "sequential", "the correct server with an accept loop that serves one client at a time (B14)"),
];

impl FromStr for Variant {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "correct" => Variant::Correct,
            "seed" | "single-read" | "buggy" => Variant::Seed,
            "utf8" => Variant::Utf8,
            "decimal" => Variant::Decimal,
            o => {
                return Err(format!(
                    "unknown variant {o:?}: expected correct, seed, single-read, utf8, decimal or sequential"
                ));
            }
        })
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Variant::Correct => "correct",
            Variant::Seed => "seed",
            Variant::Utf8 => "utf8",
            Variant::Decimal => "decimal",
        })
    }
}

/// Limits every server enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most connections served at once; more are accepted and closed.
    pub max_connections: usize,
    /// A connection that sends nothing for this long is closed.
    pub idle_timeout: Duration,
    /// A frame must complete within this long of its first byte.
    pub frame_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_connections: 512, idle_timeout: Duration::from_secs(10), frame_timeout: Duration::from_secs(30) }
    }
}

/// Everything a reference server needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Strategy and knobs.
    pub framing: FramingSpec,
    /// Correct or seed-style.
    pub variant: Variant,
    /// What to do with each message.
    pub handler: Handler,
    /// Delay before handling each message (a slow server: B2, B9).
    pub delay: Duration,
    /// Root directory of the files handler.
    pub root: Option<PathBuf>,
    /// Serve one client at a time (B14).
    pub sequential: bool,
    /// Limits.
    pub limits: Limits,
    /// Address to bind; port 0 picks a free port.
    pub addr: SocketAddr,
    /// Keep the history of what was understood ([`Server::observation`]);
    /// off for a long-running server, whose memory must not grow with its
    /// traffic (events are then only fed to [`ObservationLog::subscribe`]).
    pub record: bool,
}

impl ServerConfig {
    /// A correct server of `framing` with the `ack` handler on 127.0.0.1:0.
    pub fn new(framing: FramingSpec) -> Self {
        ServerConfig {
            framing,
            variant: Variant::Correct,
            handler: Handler::Ack,
            delay: Duration::ZERO,
            root: None,
            sequential: false,
            limits: Limits::default(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            record: true,
        }
    }

    /// Sets the variant.
    pub fn variant(mut self, v: Variant) -> Self {
        self.variant = v;
        self
    }

    /// Sets the handler.
    pub fn handler(mut self, h: Handler) -> Self {
        self.handler = h;
        self
    }

    /// Sets the per-message delay.
    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }

    /// Checks that the variant exists for the strategy and the handler
    /// has what it needs.
    pub fn validate(&self) -> Result<(), String> {
        let s = self.framing.strategy();
        let ok = match self.variant {
            Variant::Correct => true,
            Variant::Seed => true,
            Variant::Utf8 => s == "naive",
            Variant::Decimal => s == "length-prefix",
        };
        if !ok {
            let have: Vec<_> = VARIANTS.iter().filter(|v| v.0 == s || v.0 == "any").map(|v| v.1).collect();
            return Err(format!("strategy {s} has no variant {}; it has: correct, {}", self.variant, have.join(", ")));
        }
        if self.handler == Handler::Files && self.root.is_none() {
            return Err("the files handler needs a root directory (--root DIR)".into());
        }
        if self.limits.max_connections == 0 {
            return Err("max-connections must be at least 1".into());
        }
        Ok(())
    }

    /// Whether file replies carry the seed's placeholder digest.
    pub(crate) fn placeholder_digest(&self) -> bool {
        self.variant == Variant::Seed && self.framing.strategy() == "json-header"
    }
}

/// Framing knobs given apart from the spec (CLI flags, scenario keys);
/// each overrides the spec's value.
#[derive(Debug, Clone, Default)]
pub struct Knobs {
    /// Read size of naive and udp.
    pub read_size: Option<usize>,
    /// Largest frame (body, line, read).
    pub max_frame: Option<usize>,
    /// Delimiter text (escapes allowed).
    pub delimiter: Option<String>,
    /// Length-prefix preset (also json-header's header length).
    pub preset: Option<String>,
}

/// Applies `knobs` to `framing`; an error names the knob that does not
/// apply to the strategy.
pub fn apply_knobs(mut framing: FramingSpec, knobs: &Knobs) -> Result<FramingSpec, String> {
    use crate::framing::LengthPrefix;
    if let Some(rs) = knobs.read_size {
        match &mut framing {
            FramingSpec::Naive { read_size } | FramingSpec::Udp { read_size } if rs > 0 => *read_size = rs,
            _ => return Err("read-size applies to naive and udp, and must be at least 1".into()),
        }
    }
    if let Some(d) = &knobs.delimiter {
        let FramingSpec::Delimiter { delimiter, .. } = &mut framing else {
            return Err("delimiter applies to the delimiter strategy".into());
        };
        let bytes = crate::framing::unescape(d)?;
        if bytes.is_empty() {
            return Err("the delimiter must not be empty".into());
        }
        *delimiter = bytes.into();
    }
    if let Some(p) = &knobs.preset {
        let preset =
            LengthPrefix::preset(p).ok_or_else(|| format!("unknown preset {p:?} (see framelab list presets)"))?;
        match &mut framing {
            FramingSpec::LengthPrefix(lp) => {
                *lp = LengthPrefix { max_frame: lp.max_frame, includes_header: lp.includes_header, ..preset }
            }
            FramingSpec::JsonHeader(j) => j.prefix = LengthPrefix { max_frame: j.prefix.max_frame, ..preset },
            _ => return Err("preset applies to length-prefix and json-header".into()),
        }
    }
    if let Some(m) = knobs.max_frame {
        match &mut framing {
            FramingSpec::Naive { read_size } | FramingSpec::Udp { read_size } => *read_size = m.max(1),
            FramingSpec::Delimiter { max_length, .. } | FramingSpec::Handshake { max_length } => *max_length = m,
            FramingSpec::LengthPrefix(lp) => lp.max_frame = m,
            FramingSpec::JsonHeader(j) => j.body_max = m,
            FramingSpec::Resp(r) => r.max = m,
            FramingSpec::Http(h) => h.max = m,
        }
    }
    Ok(framing)
}

/// Parses a variant name; `sequential` is the correct variant with a
/// one-client-at-a-time accept loop.
pub fn parse_variant(name: &str) -> Result<(Variant, bool), String> {
    match name {
        "sequential" => Ok((Variant::Correct, true)),
        v => Ok((v.parse()?, false)),
    }
}

/// A running reference server.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    log: ObservationLog,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Binds and starts serving in the background.
    pub async fn start(cfg: ServerConfig) -> std::io::Result<Server> {
        cfg.validate().map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let log = ObservationLog::new(cfg.record);
        let (tx, rx) = watch::channel(false);
        let cfg = Arc::new(cfg);
        if matches!(cfg.framing, FramingSpec::Udp { .. }) {
            let sock = UdpSocket::bind(cfg.addr).await?;
            let addr = sock.local_addr()?;
            let task = tokio::spawn(udp::serve(sock, cfg, log.clone(), rx));
            return Ok(Server { addr, log, shutdown: tx, task });
        }
        let listener = TcpListener::bind(cfg.addr).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(accept_loop(listener, cfg, log.clone(), rx));
        Ok(Server { addr, log, shutdown: tx, task })
    }

    /// The bound address (the real port when 0 was asked).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What the server has understood so far.
    pub fn observation(&self) -> Observation {
        self.log.snapshot()
    }

    /// The live observation log (to wait on or subscribe to).
    pub fn log(&self) -> &ObservationLog {
        &self.log
    }

    /// Stops accepting, closes every connection, and waits for the tasks.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(5), self.task).await;
    }
}

async fn accept_loop(
    listener: TcpListener,
    cfg: Arc<ServerConfig>,
    log: ObservationLog,
    mut shutdown: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(cfg.limits.max_connections));
    let mut conns = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = shutdown.changed() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => continue,
        };
        let (stream, peer) = match accepted {
            Ok(v) => v,
            Err(e) => {
                // Out of file descriptors and the like: back off, keep serving.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let id = log.open(peer);
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            log.error(id, "too-many-connections", format!("more than {} connections", cfg.limits.max_connections));
            log.close(id, CloseReason::Refused);
            drop(stream);
            continue;
        };
        let c = conn::Conn::new(id, log.clone(), cfg.clone(), stream);
        let fut = async move {
            serve_conn(c).await;
            drop(permit);
        };
        if cfg.sequential {
            // B14: the next client waits until this one leaves.
            tokio::select! {
                _ = fut => {}
                _ = shutdown.changed() => { log.close(id, CloseReason::Shutdown); break; }
            }
        } else {
            conns.spawn(fut);
        }
    }
    let open: Vec<u64> = log.snapshot().connections.iter().filter(|c| c.closed().is_none()).map(|c| c.id).collect();
    conns.shutdown().await;
    for id in open {
        log.close(id, CloseReason::Shutdown);
    }
}

async fn serve_conn(c: conn::Conn) {
    match c.cfg.framing {
        FramingSpec::Naive { read_size } => naive::serve(c, read_size).await,
        FramingSpec::Delimiter { .. } => delimiter::serve(c).await,
        FramingSpec::LengthPrefix(_) => length_prefix::serve(c).await,
        FramingSpec::JsonHeader(_) => json_header::serve(c).await,
        FramingSpec::Handshake { .. } => handshake::serve(c).await,
        FramingSpec::Udp { .. } => unreachable!("udp is served by udp::serve"),
        // No protocol-aware reference server yet: decode whole values or
        // messages with the framing's own codec and answer with the handler.
        FramingSpec::Resp(_) | FramingSpec::Http(_) => {
            let codec = c.cfg.framing.codec();
            c.serve_framed(codec).await
        }
    }
}
