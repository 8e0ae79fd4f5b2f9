//! Reference servers: one file per strategy, each with a `correct` variant
//! and tutorial-style buggy variants that reproduce bugs of `docs/bugs.md`.
//!
//! A [`Server`] starts in-process (on `127.0.0.1:0` by default), tells its
//! address, records what it understood ([`Observation`]), and stops.
//!
//! ```no_run
//! # async fn demo() -> Result<(), framelab::server::StartError> {
//! use framelab::server::{Server, ServerConfig, Variant};
//! let cfg = ServerConfig::new("naive".parse().unwrap()).variant(Variant::Tutorial);
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
mod feed;
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
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tracing::Instrument;

pub use conn::PLACEHOLDER_DIGEST;
pub use feed::FeedLine;
pub use handler::{HANDLERS, Handler, Reply};
pub use observe::{CloseReason, ConnLog, Observation, ObservationLog, ServerEvent};

use crate::framing::{ErrorKind, FramingSpec};

/// Which behaviour a reference server has. Names (strum): `correct`,
/// `tutorial` (aliases `seed`, `single-read`, `buggy`), `utf8`, `decimal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, strum::Display, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case", parse_err_fn = variant_error, parse_err_ty = VariantError)]
pub enum Variant {
    /// Frames correctly (the default).
    #[default]
    Correct,
    /// The tutorial-style bug of the strategy (see [`VARIANTS`]), as the
    /// seed tutorials wrote it.
    #[strum(to_string = "tutorial", serialize = "seed", serialize = "single-read", serialize = "buggy")]
    Tutorial,
    /// naive only: per-read UTF-8 decode (B11).
    Utf8,
    /// length-prefix only: decimal length text without a boundary (B7).
    Decimal,
}

#[allow(non_upper_case_globals)]
impl Variant {
    /// The old name of [`Variant::Tutorial`].
    pub const Seed: Variant = Variant::Tutorial;
}

/// A variant name that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct VariantError(pub String);

impl fmt::Display for VariantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown variant {:?}: expected correct, tutorial (aliases seed, single-read), utf8 or decimal",
            self.0
        )?;
        if self.0 == "sequential" {
            f.write_str("; one client at a time is a setting of its own: `sequential = true` in [server], `--sequential` for serve")?;
        }
        Ok(())
    }
}

fn variant_error(s: &str) -> VariantError {
    VariantError(s.to_string())
}

/// Every (strategy, variant, what it does).
pub const VARIANTS: &[(&str, &str, &str)] = &[
    (
        "naive",
        "tutorial",
        "each recv(read-size) is one message (B1 B2 B3 B10); same as correct: naive has no boundaries",
    ),
    ("naive", "utf8", "recv(read-size) decoded as UTF-8 per read; a split character kills the connection (B11)"),
    (
        "delimiter",
        "tutorial",
        "gathers recv(1024)s until one ends with the delimiter (the Sleep fix tutorial's end marker)",
    ),
    (
        "length-prefix",
        "tutorial",
        "header with one read (zero-padded when short, B4), body with one read (B5); aliases seed, single-read",
    ),
    ("length-prefix", "decimal", "decimal length text with no boundary, parsed from one recv(1024) (B7)"),
    (
        "json-header",
        "tutorial",
        "no digest check; files sent with the placeholder digest 1231231231232132131232311 (B16)",
    ),
    ("handshake", "tutorial", "request and Start each read with one recv(1024): data after Start is lost (B8)"),
    ("udp", "tutorial", "recvfrom(read-size): bigger datagrams are cut short (B15)"),
];

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
    /// Correct or tutorial-style.
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
    pub fn validate(&self) -> Result<(), ConfigError> {
        let s = self.framing.strategy();
        let ok = match self.variant {
            Variant::Correct => true,
            Variant::Tutorial => true,
            Variant::Utf8 => s == "naive",
            Variant::Decimal => s == "length-prefix",
        };
        if !ok {
            let have: Vec<_> = VARIANTS.iter().filter(|v| v.0 == s).map(|v| v.1).collect();
            return Err(ConfigError::NoSuchVariant { strategy: s, variant: self.variant, have: have.join(", ") });
        }
        if self.handler == Handler::Files && self.root.is_none() {
            return Err(ConfigError::FilesNeedRoot);
        }
        if self.limits.max_connections == 0 {
            return Err(ConfigError::NoConnections);
        }
        Ok(())
    }

    /// Whether file replies carry the JSON-header tutorial's placeholder digest.
    pub(crate) fn placeholder_digest(&self) -> bool {
        self.variant == Variant::Tutorial && self.framing.strategy() == "json-header"
    }
}

/// A server configuration that cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The variant does not exist for the strategy.
    #[error("strategy {strategy} has no variant {variant}; it has: correct, {have}")]
    NoSuchVariant {
        /// The strategy.
        strategy: &'static str,
        /// The variant asked for.
        variant: Variant,
        /// The variants it has besides `correct`.
        have: String,
    },
    /// The files handler without a root.
    #[error("the files handler needs a root directory (--root DIR)")]
    FilesNeedRoot,
    /// `max-connections = 0`.
    #[error("max-connections must be at least 1")]
    NoConnections,
}

/// Why a server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is not servable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Binding the address failed.
    #[error("binding {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The error.
        source: std::io::Error,
    },
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
    pub async fn start(cfg: ServerConfig) -> Result<Server, StartError> {
        cfg.validate()?;
        let bind = |source| StartError::Bind { addr: cfg.addr, source };
        let log = ObservationLog::new(cfg.record);
        let (tx, rx) = watch::channel(false);
        if matches!(cfg.framing, FramingSpec::Udp(crate::framing::UdpFormat { .. })) {
            let sock = UdpSocket::bind(cfg.addr).await.map_err(bind)?;
            let addr = sock.local_addr().map_err(bind)?;
            let task = tokio::spawn(udp::serve(sock, Arc::new(cfg), log.clone(), rx).in_current_span());
            return Ok(Server { addr, log, shutdown: tx, task });
        }
        let listener = TcpListener::bind(cfg.addr).await.map_err(bind)?;
        let addr = listener.local_addr().map_err(bind)?;
        // In the caller's span (a scenario's, say), so that its events say whose server this is.
        let task = tokio::spawn(accept_loop(listener, Arc::new(cfg), log.clone(), rx).in_current_span());
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
            log.error(
                id,
                ErrorKind::TooManyConnections,
                format!("more than {} connections", cfg.limits.max_connections),
            );
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
            conns.spawn(fut.in_current_span());
        }
    }
    let open: Vec<u64> = log.snapshot().connections.iter().filter(|c| c.closed().is_none()).map(|c| c.id).collect();
    conns.shutdown().await;
    for id in open {
        log.close(id, CloseReason::Shutdown);
    }
}

/// Serves one TCP connection with the server of its framing, handed the
/// framing's knobs already matched.
async fn serve_conn(c: conn::Conn) {
    match c.cfg.framing.clone() {
        FramingSpec::Naive(crate::framing::NaiveFormat { read_size }) => naive::serve(c, read_size).await,
        FramingSpec::Delimiter(crate::framing::DelimiterFormat { delimiter, max_length }) => {
            delimiter::serve(c, delimiter, max_length).await
        }
        FramingSpec::LengthPrefix(format) => length_prefix::serve(c, format).await,
        FramingSpec::JsonHeader(format) => json_header::serve(c, format).await,
        FramingSpec::Handshake(crate::framing::HandshakeFormat { max_length }) => handshake::serve(c, max_length).await,
        // UDP is served by `udp::serve` and never reaches a TCP accept
        // loop; were it to, the connection is closed, not a panic.
        FramingSpec::Udp(crate::framing::UdpFormat { .. }) => {
            c.log.error(c.id, crate::framing::ErrorKind::BadMessage, "a UDP framing on a TCP connection");
            c.finish(CloseReason::Error, None)
        }
        // A strategy with no reference server of its own (the
        // request/answer protocols): its codec decodes whole values or
        // messages, the handler answers each.
        _ => {
            let codec = c.cfg.framing.codec();
            c.serve_framed(codec).await
        }
    }
}
