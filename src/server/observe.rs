//! What a reference server understood: per connection, the messages it
//! decoded, the errors it hit, and how the connection ended.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::Serialize;
use tokio::sync::{Notify, broadcast};

use crate::framing::ErrorKind;

/// Most message bytes a server keeps in its observation; past this, only
/// lengths are kept (`Message::data` is cut and `cut` is set).
pub const MAX_RECORDED_BYTES: usize = 64 * 1024 * 1024;

/// Bytes of a message carried by the live event feed (for printing).
pub const FEED_PREVIEW: usize = 256;

/// One thing that happened on a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum ServerEvent {
    /// A message as the server understood it.
    Message {
        /// Its length.
        len: usize,
        /// Its bytes (cut short once the recording budget is spent).
        #[serde(serialize_with = "ser_bytes")]
        data: Bytes,
        /// Whether `data` was cut short by the recording budget.
        cut: bool,
    },
    /// A framing, protocol or handler error.
    Error {
        /// What kind of error (`frame-too-large`, `bad-utf8`, ...).
        kind: ErrorKind,
        /// The error text.
        detail: String,
    },
    /// A reply was sent.
    Reply {
        /// Its length (framing included).
        len: usize,
    },
    /// The connection ended.
    Closed {
        /// Why.
        reason: CloseReason,
    },
}

fn ser_bytes<S: serde::Serializer>(b: &Bytes, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(b))
}

/// Most `read()`s recorded per connection ([`ConnLog::reads`]); past
/// this only [`ConnLog::reads_dropped`] counts them, so a long connection
/// costs bounded memory.
pub const MAX_RECORDED_READS: usize = 10_000;

/// One `read()` the server made: where in the stream it landed, how many
/// bytes it took, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReadEvent {
    /// Offset of its first byte in the bytes read from this peer.
    pub offset: u64,
    /// Bytes read.
    pub len: u64,
    /// When it returned.
    #[serde(skip)]
    pub at: Option<Instant>,
}

/// Why a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum CloseReason {
    /// The peer closed its write side at a frame boundary.
    Eof,
    /// The peer closed in the middle of a frame.
    EofMidFrame,
    /// The peer reset the connection, or another I/O error.
    Reset,
    /// Nothing arrived within the idle timeout.
    IdleTimeout,
    /// A frame took longer than the frame timeout (slowloris).
    FrameTimeout,
    /// The server closed it after an error it cannot recover from.
    Error,
    /// The server refused it: too many connections.
    Refused,
    /// The server was stopped.
    Shutdown,
}

impl CloseReason {
    /// Kebab-case name.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// One connection's record.
#[derive(Debug, Clone, Serialize)]
pub struct ConnLog {
    /// Connection number, from 0 in accept order.
    pub id: u64,
    /// The peer.
    pub peer: SocketAddr,
    /// Bytes read from the peer so far.
    pub bytes_read: u64,
    /// What happened, in order.
    pub events: Vec<ServerEvent>,
    /// The first [`MAX_RECORDED_READS`] reads, in order.
    pub reads: Vec<ReadEvent>,
    /// Reads made past [`MAX_RECORDED_READS`] (counted, not recorded).
    pub reads_dropped: u64,
    /// For each message understood, in order: the offset in the bytes read
    /// where it ended (bytes read then, less those still buffered). The
    /// message's span over the stream runs from the previous end.
    pub message_ends: Vec<u64>,
}

impl ConnLog {
    /// The messages the server understood.
    pub fn messages(&self) -> impl Iterator<Item = &Bytes> {
        self.events.iter().filter_map(|e| match e {
            ServerEvent::Message { data, .. } => Some(data),
            _ => None,
        })
    }

    /// How the connection ended, if it has.
    pub fn closed(&self) -> Option<CloseReason> {
        self.events.iter().find_map(|e| match e {
            ServerEvent::Closed { reason } => Some(*reason),
            _ => None,
        })
    }

    /// Errors seen, as (kind, detail).
    pub fn errors(&self) -> impl Iterator<Item = (ErrorKind, &str)> {
        self.events.iter().filter_map(|e| match e {
            ServerEvent::Error { kind, detail } => Some((*kind, detail.as_str())),
            _ => None,
        })
    }
}

/// A snapshot of everything a server observed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Observation {
    /// Connections in accept order.
    pub connections: Vec<ConnLog>,
}

impl Observation {
    /// All messages of all connections, in connection order.
    pub fn messages(&self) -> Vec<Bytes> {
        self.connections.iter().flat_map(|c| c.messages().cloned()).collect()
    }
}

#[derive(Debug, Default)]
struct Inner {
    obs: Observation,
    recorded: usize,
    /// Connections opened (ids), kept or not.
    opened: u64,
    /// Whether the history is kept (scenarios) or only fed live (serve).
    keep: bool,
}

/// The shared, growing observation of a running server.
#[derive(Debug, Clone)]
pub struct ObservationLog {
    inner: Arc<Mutex<Inner>>,
    changed: Arc<Notify>,
    events: broadcast::Sender<(u64, ServerEvent)>,
}

impl Default for ObservationLog {
    /// A log that keeps the whole history (within [`MAX_RECORDED_BYTES`]).
    fn default() -> Self {
        ObservationLog::new(true)
    }
}

impl ObservationLog {
    /// A log that keeps the history (`keep`, for scenarios and tests) or
    /// only feeds events live to subscribers (a long-running server, whose
    /// memory must not grow with its traffic).
    pub fn new(keep: bool) -> Self {
        let inner = Inner { keep, ..Inner::default() };
        ObservationLog {
            inner: Arc::new(Mutex::new(inner)),
            changed: Arc::default(),
            events: broadcast::channel(4096).0,
        }
    }

    /// Starts a connection record and returns its id.
    pub fn open(&self, peer: SocketAddr) -> u64 {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let id = g.opened;
        g.opened += 1;
        if g.keep {
            g.obs.connections.push(ConnLog {
                id,
                peer,
                bytes_read: 0,
                events: Vec::new(),
                reads: Vec::new(),
                reads_dropped: 0,
                message_ends: Vec::new(),
            });
        }
        drop(g);
        self.changed.notify_waiters();
        tracing::info!(conn = id, %peer, "connection accepted");
        id
    }

    /// Records an event on connection `id`.
    pub fn push(&self, id: u64, event: ServerEvent) {
        match &event {
            ServerEvent::Message { len, .. } => tracing::trace!(conn = id, len, "message"),
            ServerEvent::Reply { len } => tracing::trace!(conn = id, len, "reply"),
            ServerEvent::Error { kind, detail } => tracing::info!(conn = id, %kind, %detail, "rejected"),
            ServerEvent::Closed { reason } => tracing::info!(conn = id, ?reason, "connection closed"),
        }
        if self.events.receiver_count() > 0 {
            let preview = match &event {
                ServerEvent::Message { len, data, cut } => ServerEvent::Message {
                    len: *len,
                    // A copy: a slice would keep a large frame's buffer alive in the channel.
                    data: Bytes::copy_from_slice(&data[..data.len().min(FEED_PREVIEW)]),
                    cut: *cut || data.len() > FEED_PREVIEW,
                },
                other => other.clone(),
            };
            let _ = self.events.send((id, preview));
        }
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = g.obs.connections.get_mut(id as usize) {
            c.events.push(event);
        }
        drop(g);
        self.changed.notify_waiters();
    }

    /// Counts bytes read from the peer of connection `id`.
    pub fn read(&self, id: u64, n: usize) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = g.obs.connections.get_mut(id as usize) {
            if c.reads.len() < MAX_RECORDED_READS {
                c.reads.push(ReadEvent { offset: c.bytes_read, len: n as u64, at: Some(Instant::now()) });
            } else {
                c.reads_dropped += 1;
            }
            c.bytes_read += n as u64;
        }
        drop(g);
        self.changed.notify_waiters();
    }

    /// Records a message, within the recording budget; it ends where the
    /// bytes read so far end.
    pub fn message(&self, id: u64, data: Bytes) {
        self.message_before(id, data, 0)
    }

    /// Records a message that ends `buffered` bytes before the end of what
    /// was read so far (bytes read past it and still in the buffer).
    pub fn message_before(&self, id: u64, data: Bytes, buffered: usize) {
        let len = data.len();
        let keep = {
            let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(c) = g.obs.connections.get_mut(id as usize) {
                let end = c.bytes_read.saturating_sub(buffered as u64);
                c.message_ends.push(end);
            }
            if !g.keep {
                len
            } else {
                let keep = len.min(MAX_RECORDED_BYTES.saturating_sub(g.recorded));
                g.recorded += keep;
                keep
            }
        };
        self.push(id, ServerEvent::Message { len, data: data.slice(..keep), cut: keep < len });
    }

    /// Records an error.
    pub fn error(&self, id: u64, kind: ErrorKind, detail: impl ToString) {
        self.push(id, ServerEvent::Error { kind, detail: detail.to_string() });
    }

    /// Records the end of a connection.
    pub fn close(&self, id: u64, reason: CloseReason) {
        self.push(id, ServerEvent::Closed { reason });
    }

    /// A snapshot.
    pub fn snapshot(&self) -> Observation {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).obs.clone()
    }

    /// A live feed of events (lossy if the reader falls behind).
    pub fn subscribe(&self) -> broadcast::Receiver<(u64, ServerEvent)> {
        self.events.subscribe()
    }

    /// Waits until `pred` holds for the observation, or `timeout` passes;
    /// returns the last snapshot and whether `pred` held.
    pub async fn wait_until(&self, timeout: Duration, pred: impl Fn(&Observation) -> bool) -> (Observation, bool) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.changed.notified();
            let snap = self.snapshot();
            if pred(&snap) {
                return (snap, true);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let snap = self.snapshot();
                let ok = pred(&snap);
                return (snap, ok);
            }
        }
    }
}

/// The reference server's own count of the bytes it read from each peer:
/// the connection is found by the client's address, which is the server's
/// peer. A connection not yet accepted has had nothing read.
impl crate::sync::PeerReads for ObservationLog {
    fn bytes_read(&self, conn: &crate::sync::ConnId, _sent: u64) -> std::io::Result<Option<u64>> {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let read = g.obs.connections.iter().filter(|c| c.peer == conn.local).map(|c| c.bytes_read).max();
        Ok(Some(read.unwrap_or(0)))
    }

    fn changed(&self) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(self.changed.notified())
    }
}
