//! A re-chunking TCP proxy: it sits between a client and a server (both on
//! loopback) and re-cuts each direction's byte stream with a
//! [`Schedule`], so the same bytes reach the other side in other `read()`s.
//! Put it in front of anyone's server to make their replies arrive
//! coalesced or split at a client, or their requests at the server,
//! without changing either program.
//!
//! ```text
//!  client ──► [ up: chunk:3, pause 100ms ] ──► server
//!  client ◄── [ down: coalesce          ] ◄── server
//! ```
//!
//! The schedules are those of scenario files and `--up`/`--down`, read for
//! a stream (see [`rechunk`] for what each one means here). Every byte is
//! passed, in order, unless `reset_after` or `close_after` says otherwise;
//! bytes are counted each way. Each connection gets its own upstream
//! connection and its own seeded generator (`seed` and the connection's
//! number), so a run repeats with the same seed.
//!
//! ```no_run
//! # async fn demo() -> Result<(), framelab::proxy::ProxyError> {
//! use framelab::proxy::{Proxy, ProxyConfig};
//! let mut cfg = ProxyConfig::new("127.0.0.1:9000".parse().unwrap());
//! cfg.down.schedule = "coalesce".parse().unwrap();
//! let proxy = Proxy::start(cfg).await?;
//! println!("point the client at {}", proxy.addr());
//! // ...
//! let stats = proxy.stop().await;
//! println!("{} bytes up, {} down", stats.bytes_up, stats.bytes_down);
//! # Ok(()) }
//! ```
//!
//! # Limits
//!
//! Both addresses must be loopback. A `coalesce` write holds at most
//! [`COALESCE_MAX`] bytes. Connections past `max_connections` are reset at
//! once. A connection quiet both ways for `idle_timeout`, or whose
//! receiver reads nothing for that long, is closed; connecting upstream
//! has its own timeout.

mod conn;
mod pump;
pub mod rechunk;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};

pub use rechunk::{COALESCE_MAX, Rechunker};

use crate::fault::Schedule;

/// How one direction is re-chunked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectionConfig {
    /// How the stream is cut into writes.
    pub schedule: Schedule,
    /// Pause after each write.
    pub pause: Duration,
    /// Held bytes (`coalesce`, a short `chunk` rest) go out after the
    /// sender has been quiet this long.
    pub hold: Duration,
    /// Reset both connections once this many bytes have passed this way.
    pub reset_after: Option<u64>,
    /// Shut this direction down (FIN) once this many bytes have passed;
    /// the rest is not passed.
    pub close_after: Option<u64>,
    /// After each write, wait until the receiver has read it (the
    /// kernel's queues, [`crate::kernel_queue::wait_drained`]), so that
    /// each write reaches a separate `read()` of the receiver. Where the
    /// receiver's reads cannot be seen, only the pause keeps writes apart
    /// ([`ProxyStats::unsynced`] counts those writes).
    pub sync: bool,
}

/// Default `hold`.
pub const DEFAULT_HOLD: Duration = Duration::from_millis(50);

impl Default for DirectionConfig {
    fn default() -> Self {
        DirectionConfig {
            schedule: Schedule::Each,
            pause: Duration::ZERO,
            hold: DEFAULT_HOLD,
            reset_after: None,
            close_after: None,
            sync: false,
        }
    }
}

/// A proxy's settings.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// Where to listen (loopback; port 0 picks a free port).
    pub listen: SocketAddr,
    /// The server (loopback only).
    pub upstream: SocketAddr,
    /// Client to server.
    pub up: DirectionConfig,
    /// Server to client.
    pub down: DirectionConfig,
    /// Seed of the `random` schedules.
    pub seed: u64,
    /// Most connections at once; more are reset.
    pub max_connections: usize,
    /// A connection quiet both ways this long is closed.
    pub idle_timeout: Duration,
    /// Deadline of each upstream connect.
    pub connect_timeout: Duration,
    /// Where to send connection events, if anywhere.
    pub events: Option<mpsc::UnboundedSender<ProxyEvent>>,
}

impl ProxyConfig {
    /// A pass-through proxy to `upstream` on `127.0.0.1:0`.
    pub fn new(upstream: SocketAddr) -> Self {
        ProxyConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            upstream,
            up: DirectionConfig::default(),
            down: DirectionConfig::default(),
            seed: 0,
            max_connections: 512,
            idle_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(5),
            events: None,
        }
    }
}

/// Something that happened to a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyEvent {
    /// A client connected and the upstream connection is open.
    Accepted {
        /// Connection number, from 0.
        id: u64,
        /// The client's address.
        client: SocketAddr,
        /// The proxy's address on the upstream connection (what the server
        /// sees as its peer).
        upstream_local: Option<SocketAddr>,
    },
    /// A connection ended.
    Closed {
        /// Connection number.
        id: u64,
        /// Bytes passed client to server.
        up: u64,
        /// Bytes passed server to client.
        down: u64,
        /// How it ended.
        how: String,
    },
    /// A client was reset because `max_connections` were open.
    Refused {
        /// The client's address.
        client: SocketAddr,
    },
}

/// One connection, as the proxy records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnInfo {
    /// Connection number.
    pub id: u64,
    /// The client's address.
    pub client: SocketAddr,
    /// The proxy's address on the upstream connection.
    pub upstream_local: Option<SocketAddr>,
    /// Bytes passed client to server (set when it closes).
    pub up: u64,
    /// Bytes passed server to client (set when it closes).
    pub down: u64,
    /// Still open.
    pub open: bool,
}

/// Totals so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProxyStats {
    /// Connections accepted (refused ones included).
    pub connections: u64,
    /// Connections open now.
    pub active: u64,
    /// Connections reset because too many were open.
    pub refused: u64,
    /// Connections reset because the upstream refused them or did not
    /// answer in time.
    pub upstream_failed: u64,
    /// Bytes passed client to server.
    pub bytes_up: u64,
    /// Bytes passed server to client.
    pub bytes_down: u64,
    /// Writes of a `sync` direction whose reading could not be seen (the
    /// receiver is not visible to the kernel's view): only pauses kept
    /// those apart.
    pub unsynced: u64,
}

/// Connections remembered after they close.
const CONN_HISTORY: usize = 4096;

#[derive(Debug, Default)]
pub(crate) struct Counters {
    connections: AtomicU64,
    active: AtomicU64,
    refused: AtomicU64,
    pub(crate) upstream_failed: AtomicU64,
    up: Arc<AtomicU64>,
    down: Arc<AtomicU64>,
    unsynced: Arc<AtomicU64>,
    conns: Mutex<VecDeque<ConnInfo>>,
}

impl Counters {
    fn conns(&self) -> std::sync::MutexGuard<'_, VecDeque<ConnInfo>> {
        self.conns.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn record(&self, info: ConnInfo) {
        let mut c = self.conns();
        if c.len() >= CONN_HISTORY
            && let Some(i) = c.iter().position(|x| !x.open)
        {
            c.remove(i);
        }
        c.push_back(info);
    }

    fn close(&self, id: u64, up: u64, down: u64) {
        if let Some(c) = self.conns().iter_mut().find(|c| c.id == id) {
            c.up = up;
            c.down = down;
            c.open = false;
        }
    }
}

/// A proxy that could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// Upstream or listen address off loopback.
    #[error("{what} {addr} is not a loopback address; framelab only proxies traffic on 127.0.0.0/8 and ::1")]
    NotLoopback {
        /// "upstream" or "listen".
        what: &'static str,
        /// The address.
        addr: SocketAddr,
    },
    /// Binding the listen address failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// A running proxy. Dropping it stops it at once; [`Proxy::stop`] ends
/// connections first and returns the totals.
#[derive(Debug)]
pub struct Proxy {
    addr: SocketAddr,
    counters: Arc<Counters>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Binds the listen address and starts accepting.
    pub async fn start(cfg: ProxyConfig) -> Result<Proxy, ProxyError> {
        if !crate::net::is_loopback(&cfg.upstream) {
            return Err(ProxyError::NotLoopback { what: "upstream", addr: cfg.upstream });
        }
        if !crate::net::is_loopback(&cfg.listen) {
            return Err(ProxyError::NotLoopback { what: "listen address", addr: cfg.listen });
        }
        let listener =
            TcpListener::bind(cfg.listen).await.map_err(|source| ProxyError::Bind { addr: cfg.listen, source })?;
        let addr = listener.local_addr().map_err(|source| ProxyError::Bind { addr: cfg.listen, source })?;
        let counters = Arc::new(Counters::default());
        let (shutdown, rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, Arc::new(cfg), counters.clone(), rx));
        Ok(Proxy { addr, counters, shutdown, task: Some(task) })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Totals so far.
    pub fn stats(&self) -> ProxyStats {
        let c = &self.counters;
        ProxyStats {
            connections: c.connections.load(Ordering::Relaxed),
            active: c.active.load(Ordering::Relaxed),
            refused: c.refused.load(Ordering::Relaxed),
            upstream_failed: c.upstream_failed.load(Ordering::Relaxed),
            bytes_up: c.up.load(Ordering::Relaxed),
            bytes_down: c.down.load(Ordering::Relaxed),
            unsynced: c.unsynced.load(Ordering::Relaxed),
        }
    }

    /// The connections (the last few thousand), oldest first.
    pub fn connections(&self) -> Vec<ConnInfo> {
        self.counters.conns().iter().cloned().collect()
    }

    /// The proxy's address on the upstream connection of the client at
    /// `client`: the peer address the server saw for it.
    pub fn upstream_of(&self, client: SocketAddr) -> Option<SocketAddr> {
        self.counters.conns().iter().rev().find(|c| c.client == client).and_then(|c| c.upstream_local)
    }

    /// Stops accepting, ends every connection (within 2 s) and returns the
    /// totals.
    pub async fn stop(mut self) -> ProxyStats {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.task.take() {
            let abort = t.abort_handle();
            if tokio::time::timeout(Duration::from_secs(2), t).await.is_err() {
                abort.abort();
            }
        }
        self.stats()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every
        // connection task and closes their sockets.
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    cfg: Arc<ProxyConfig>,
    counters: Arc<Counters>,
    mut rx: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    let mut next_id = 0u64;
    loop {
        tokio::select! {
            _ = async { let _ = rx.wait_for(|s| *s).await; } => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else {
                    // Out of file descriptors and the like: back off briefly.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                counters.connections.fetch_add(1, Ordering::Relaxed);
                if counters.active.load(Ordering::Relaxed) as usize >= cfg.max_connections {
                    counters.refused.fetch_add(1, Ordering::Relaxed);
                    crate::net::reset(stream);
                    if let Some(tx) = &cfg.events {
                        let _ = tx.send(ProxyEvent::Refused { client: peer });
                    }
                    continue;
                }
                counters.active.fetch_add(1, Ordering::Relaxed);
                let id = next_id;
                next_id += 1;
                let (cfg, c, rx) = (cfg.clone(), counters.clone(), rx.clone());
                conns.spawn(async move {
                    conn::serve(id, stream, peer, cfg, c.clone(), rx).await;
                    c.active.fetch_sub(1, Ordering::Relaxed);
                });
            }
        }
    }
    drop(listener);
    // Connections see the shutdown and end; give them a moment.
    let _ =
        tokio::time::timeout(Duration::from_millis(1500), async { while conns.join_next().await.is_some() {} }).await;
    conns.abort_all();
}
