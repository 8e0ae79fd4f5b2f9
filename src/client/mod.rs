//! The fault-injecting client: carries out a plan ([`crate::fault`]) over
//! TCP or UDP, reads replies with a read plan, and reports what happened.
//! Every wait has a timeout.

mod handshake;
mod tally;
mod timeline;
mod udp;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::codec::Decoder;

pub use handshake::run_handshake;
pub use tally::{Tally, occurrences};
pub use timeline::{MAX_TIMELINE_EVENTS, SyncSeen, Timeline, WireChunk};
pub use udp::run_udp;

use crate::fault::Action;
use crate::fault::read::ReadPlan;
use crate::framing::{AnyCodec, ErrorKind};
use crate::seed::{self, Purpose};
use crate::sync::{ConnId, PeerReads, SyncOutcome, wait_read};

/// How one client connection behaves.
#[derive(Debug, Clone)]
pub struct ClientSpec {
    /// The plan: writes, pauses, syncs, shutdown or reset.
    pub actions: Vec<Action>,
    /// TCP_NODELAY.
    pub nodelay: bool,
    /// Framing of replies; `None`: the replies are one unframed stream,
    /// whatever the reads (see [`Tally`]).
    pub response: Option<AnyCodec>,
    /// How replies are counted in an unframed stream (with `response`
    /// `None`); framed replies are counted one by one.
    pub tally: Tally,
    /// After these write indexes, wait for one more reply (lockstep).
    pub lockstep_after: Vec<usize>,
    /// With lockstep: the reply count to wait for after each of
    /// `lockstep_after` (empty: one more each time). An unframed stream
    /// counts in [`Tally`] units.
    pub lockstep_want: Vec<usize>,
    /// How long to wait for each reply, and for the connection to end.
    pub reply_timeout: Duration,
    /// How replies are read.
    pub read_plan: ReadPlan,
    /// Keep the connection open this long after the last write.
    pub hold: Duration,
    /// Seed of the connection (its read plan is drawn from it).
    pub seed: u64,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Replies expected in all (stop reading once they are in and the
    /// peer is quiet); `None` reads until the peer closes.
    pub expected_replies: Option<usize>,
    /// Once the expected replies are in, keep reading until the peer
    /// closes or has been quiet this long (zero: stop at once). Extra
    /// replies from a black-box server are how a split shows.
    pub settle: Duration,
}

/// A reply that could not be taken as one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// The reply framing refused the bytes.
    #[error("{kind}: {detail}")]
    Decode {
        /// What kind of framing error.
        kind: ErrorKind,
        /// The codec's message.
        detail: String,
    },
    /// The stream ended inside a reply.
    #[error("{0} bytes of an incomplete reply at end of stream")]
    Incomplete(usize),
    /// The peer sent more than [`MAX_REPLY_BYTES`].
    #[error("overflow: the peer sent more than {0} reply bytes; stopped reading")]
    Overflow(usize),
    /// Reading the TCP stream failed (reset by the peer, ...): the
    /// transport, not the replies' framing.
    #[error("read: {0}")]
    Read(String),
    /// Receiving a datagram failed.
    #[error("recv: {0}")]
    Recv(String),
    /// A handshake reply that breaks the protocol.
    #[error("{0}")]
    Handshake(String),
}

impl ReplyError {
    /// Whether the error is the transport's (the connection failed), not
    /// something the peer's replies said.
    pub fn is_transport(&self) -> bool {
        matches!(self, ReplyError::Read(_))
    }
}

/// What one client connection saw.
#[derive(Debug, Clone, Default)]
pub struct ClientOutcome {
    /// The client's local address (matches the server's record).
    pub local: Option<SocketAddr>,
    /// Connecting failed.
    pub connect_error: Option<String>,
    /// A write failed (reset by the peer, ...).
    pub write_error: Option<String>,
    /// Replies decoded, in order; with no reply framing, the whole stream
    /// as one item (see `unframed`).
    pub replies: Vec<Bytes>,
    /// The replies were read with no framing: `replies` holds the stream,
    /// and where the reads cut it is not kept (it means nothing).
    pub unframed: bool,
    /// Errors decoding replies (digest mismatch, bad framing).
    pub reply_errors: Vec<ReplyError>,
    /// A reply the plan waited for never came.
    pub hung: bool,
    /// The peer closed its side before the client was done.
    pub peer_closed_early: bool,
    /// The peer reset the connection.
    pub reset_by_peer: bool,
    /// The peer closed its side (end of stream seen).
    pub eof: bool,
    /// When the peer's close or reset came, relative to the client's own
    /// writes and half-close (`None`: the client stopped reading first).
    pub peer_end: Option<PeerEnd>,
    /// Bytes written.
    pub written: usize,
    /// When the client shut its writing side down (the plan's end).
    pub half_closed_at: Option<std::time::Instant>,
    /// What it spent waiting, by cause.
    pub waits: ClientWaits,
    /// A sync of the plan that the peer's reads never reached (the first).
    pub stalled: Option<SyncOutcome>,
    /// A sync of the plan could not see the peer's reads (no source, or
    /// the source cannot tell for this connection): the plan's pauses
    /// alone kept the writes apart.
    pub sync_unavailable: bool,
    /// Writes, reply reads and replies with their times (TCP clients).
    pub timeline: Timeline,
}

/// What a client connection spent waiting, by cause.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientWaits {
    /// Connecting.
    pub connect: Duration,
    /// The plan's pauses and hold.
    pub pauses: Duration,
    /// Syncs.
    pub syncs: Duration,
    /// After the last write, waiting for the expected replies.
    pub replies: Duration,
    /// The quiet after them.
    pub settle: Duration,
}

/// When the peer ended the connection, as the client saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PeerEnd {
    /// It reset the connection (else it closed its side).
    pub reset: bool,
    /// Replies decoded before it.
    pub after_replies: usize,
    /// Bytes the client had written by then.
    pub after_written: usize,
    /// It came before the client's half-close (the peer closed of its own
    /// accord, not in answer to the client's end of stream).
    pub before_half_close: bool,
}

impl std::fmt::Display for PeerEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the peer {} the connection after {} repl(ies), {} byte(s) into the client's writes, {}",
            if self.reset { "reset" } else { "closed" },
            self.after_replies,
            self.after_written,
            if self.before_half_close { "before the client's half-close" } else { "after the client's half-close" }
        )
    }
}

#[derive(Debug, Default)]
struct Shared {
    /// When the stream ended (EOF or reset), and the replies by then.
    ended_at: Option<(std::time::Instant, usize)>,
    replies: Vec<Bytes>,
    /// Unframed replies: the stream so far.
    stream: BytesMut,
    /// Replies counted so far (framed: decoded; unframed: the tally).
    counter: tally::Counter,
    errors: Vec<ReplyError>,
    eof: bool,
    reset: bool,
    /// Reply bytes read so far.
    read: usize,
    /// Where the last reply decoded ends in the reply stream: bytes read
    /// past it at the end of the stream are an incomplete reply, even
    /// when the codec has taken a header off the buffer already.
    decoded_to: usize,
    /// The peer sent more than [`MAX_REPLY_BYTES`]; reading stopped.
    overflowed: bool,
    /// Reply reads and replies, for the timeline.
    timeline: Timeline,
}

impl Shared {
    fn ended(&self) -> bool {
        self.eof || self.reset || self.overflowed
    }
}

/// Most reply bytes a client reads on one connection: a peer that answers
/// without end is stopped here, not followed into memory exhaustion.
pub const MAX_REPLY_BYTES: usize = 64 * 1024 * 1024;

/// The reading half of a connection, on its own task: replies as they come.
struct Replies {
    shared: Arc<Mutex<Shared>>,
    changed: Arc<Notify>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<OwnedReadHalf>,
}

/// How a wait for replies ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waited {
    /// The replies waited for are in.
    Got,
    /// The peer ended the stream first.
    Ended,
    /// The time passed first.
    TimedOut,
}

impl Replies {
    fn spawn(mut rd: OwnedReadHalf, spec: &ClientSpec) -> Replies {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let changed = Arc::new(Notify::new());
        let (stop, mut stop_rx) = oneshot::channel::<()>();
        let (sh, ch) = (shared.clone(), changed.clone());
        let mut codec = spec.response.clone();
        let unframed = codec.is_none();
        let tally = spec.tally.clone();
        let plan = spec.read_plan;
        let mut rng = crate::fault::rng(seed::derive(spec.seed, Purpose::ReadPlan));
        let task = tokio::spawn(async move {
            let mut buf = BytesMut::new();
            loop {
                if !plan.pause.is_zero() {
                    tokio::time::sleep(plan.pause).await;
                }
                let mut chunk = vec![0u8; plan.next_size(&mut rng)];
                let r = tokio::select! {
                    r = rd.read(&mut chunk) => r,
                    _ = &mut stop_rx => return rd,
                };
                let mut g = sh.lock().unwrap_or_else(|p| p.into_inner());
                match r {
                    Ok(0) => {
                        g.eof = true;
                        g.ended_at = Some((std::time::Instant::now(), g.replies.len()));
                        if g.read > g.decoded_to && codec.is_some() {
                            let left = g.read - g.decoded_to;
                            g.errors.push(ReplyError::Incomplete(left));
                        }
                    }
                    Ok(n) => {
                        let (at, t) = (g.read, &mut g.timeline);
                        Timeline::push(&mut t.reads, &mut t.reads_dropped, at, n);
                        g.read += n;
                        if unframed {
                            let g = &mut *g;
                            g.stream.extend_from_slice(&chunk[..n]);
                            g.counter.update(&tally, &g.stream);
                        } else {
                            buf.extend_from_slice(&chunk[..n]);
                            decode_replies(&mut codec, &mut buf, &mut g);
                            g.counter.count = g.replies.len();
                        }
                        if g.read > MAX_REPLY_BYTES {
                            g.overflowed = true;
                            g.errors.push(ReplyError::Overflow(MAX_REPLY_BYTES));
                        }
                    }
                    Err(e) => {
                        g.reset = true;
                        g.ended_at = Some((std::time::Instant::now(), g.replies.len()));
                        g.errors.push(ReplyError::Read(e.to_string()));
                    }
                }
                let done = g.ended();
                drop(g);
                ch.notify_waiters();
                if done {
                    return rd;
                }
            }
        });
        Replies { shared, changed, stop: Some(stop), task }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until `want` replies are in (`None`: until the stream ends),
    /// the stream ends, or no reply comes for `quiet` / before `deadline`.
    async fn wait(&self, want: Option<usize>, quiet: Duration, deadline: Option<Instant>) -> Waited {
        loop {
            let notified = self.changed.notified();
            let (n, ended) = {
                let g = self.lock();
                (g.counter.count, g.ended())
            };
            if want.is_some_and(|w| n >= w) {
                return Waited::Got;
            }
            if ended {
                return Waited::Ended;
            }
            let timed_out = match deadline {
                Some(d) => tokio::time::timeout_at(d.min(Instant::now() + quiet), notified).await.is_err(),
                None => tokio::time::timeout(quiet, notified).await.is_err(),
            };
            if timed_out {
                return Waited::TimedOut;
            }
        }
    }

    /// Stops reading and copies what came into `out`.
    fn finish(self, out: &mut ClientOutcome) {
        self.task.abort();
        let g = self.lock();
        out.replies = g.replies.clone();
        if out.unframed && !g.stream.is_empty() {
            out.replies = vec![Bytes::copy_from_slice(&g.stream)];
        }
        out.reply_errors = g.errors.clone();
        out.reset_by_peer = g.reset;
        out.eof = g.eof;
        out.timeline.take_replies(&g.timeline);
        out.peer_end = g.ended_at.map(|(at, after_replies)| PeerEnd {
            reset: g.reset,
            after_replies,
            after_written: out
                .timeline
                .writes
                .iter()
                .filter(|w| w.at <= at)
                .map(|w| (w.offset + w.len) as usize)
                .max()
                .unwrap_or(0),
            before_half_close: out.half_closed_at.is_none_or(|h| at < h),
        });
    }

    /// Stops reading, resets the connection, and copies the replies.
    async fn reset(mut self, wr: OwnedWriteHalf, out: &mut ClientOutcome) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Ok(rd) = (&mut self.task).await
            && let Ok(stream) = rd.reunite(wr)
        {
            crate::net::reset(stream);
        }
        let g = self.lock();
        out.replies = g.replies.clone();
        out.reply_errors = g.errors.clone();
        out.timeline.take_replies(&g.timeline);
        if out.unframed && !g.stream.is_empty() {
            out.replies = vec![Bytes::copy_from_slice(&g.stream)];
            // One stream, not one reply per read: its span is the whole.
            out.timeline.replies.clear();
            out.timeline.replied(0, g.stream.len());
        }
    }
}

/// A connection that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The connect failed (refused, unreachable).
    #[error("connect to {addr}: {source}")]
    Failed {
        /// Where to.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// No answer in time.
    #[error("connect to {addr}: no answer within {timeout:?}")]
    Timeout {
        /// Where to.
        addr: SocketAddr,
        /// How long it waited.
        timeout: Duration,
    },
}

/// Connects within `timeout`; the error, as text, is the outcome's
/// `connect_error`.
pub(crate) async fn connect(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, ConnectError> {
    match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(source)) => Err(ConnectError::Failed { addr, source }),
        Err(_) => Err(ConnectError::Timeout { addr, timeout }),
    }
}

/// How carrying out the plan ended.
enum Carried {
    /// Every action done (or stopped by a failure recorded in the outcome).
    Done,
    /// The plan reset the connection.
    Reset,
}

/// Connects to `addr` and carries out `spec`. [`Action::Sync`] waits on
/// `peer_reads` for the peer to have read everything written so far;
/// without a source, syncs are no-ops.
pub async fn run_tcp(addr: SocketAddr, spec: &ClientSpec, peer_reads: Option<&dyn PeerReads>) -> ClientOutcome {
    let mut out = ClientOutcome::default();
    let connecting = std::time::Instant::now();
    let connected = connect(addr, spec.connect_timeout).await;
    out.waits.connect = connecting.elapsed();
    let stream = match connected {
        Ok(s) => s,
        Err(e) => {
            out.connect_error = Some(e.to_string());
            return out;
        }
    };
    let _ = stream.set_nodelay(spec.nodelay);
    out.local = stream.local_addr().ok();
    out.unframed = spec.response.is_none();
    let conn = ConnId { local: out.local.expect("a connected socket has a local address"), peer: addr };
    let (rd, mut wr) = stream.into_split();
    let replies = Replies::spawn(rd, spec);
    if let Carried::Reset = carry_out(spec, &mut wr, &replies, peer_reads, &conn, &mut out).await {
        replies.reset(wr, &mut out).await;
        return out;
    }
    if !(out.hung || out.peer_closed_early || out.write_error.is_some()) {
        // Read replies until the peer closes, the expected replies are in
        // (and the peer stays quiet for `settle`), or the peer has been
        // quiet for the reply timeout.
        let waiting = std::time::Instant::now();
        let waited = replies.wait(spec.expected_replies, spec.reply_timeout, None).await;
        out.waits.replies += waiting.elapsed();
        match waited {
            // Extra replies may still come: read on until the peer is
            // quiet for `settle` or ends the stream.
            Waited::Got if !spec.settle.is_zero() => {
                let settling = std::time::Instant::now();
                replies.wait(None, spec.settle, None).await;
                out.waits.settle = settling.elapsed();
            }
            Waited::Got | Waited::Ended => {}
            Waited::TimedOut => out.hung = spec.expected_replies.is_some(),
        }
    }
    replies.finish(&mut out);
    out
}

/// Carries out the plan's actions on `wr`; a failure is recorded in `out`
/// and ends the plan.
async fn carry_out(
    spec: &ClientSpec,
    wr: &mut OwnedWriteHalf,
    replies: &Replies,
    peer_reads: Option<&dyn PeerReads>,
    conn: &ConnId,
    out: &mut ClientOutcome,
) -> Carried {
    let mut waited_for = 0usize;
    let mut step = 0usize;
    let mut write_index = 0usize;
    for action in &spec.actions {
        match action {
            Action::Write(b) => {
                if !write(wr, b, spec.reply_timeout, out).await {
                    break;
                }
                if spec.lockstep_after.contains(&write_index) {
                    waited_for = spec.lockstep_want.get(step).copied().unwrap_or(waited_for + 1);
                    step += 1;
                    let deadline = Instant::now() + spec.reply_timeout;
                    let waiting = std::time::Instant::now();
                    let waited = replies.wait(Some(waited_for), spec.reply_timeout, Some(deadline)).await;
                    out.waits.replies += waiting.elapsed();
                    match waited {
                        Waited::Got => {}
                        Waited::Ended => out.peer_closed_early = true,
                        Waited::TimedOut => out.hung = true,
                    }
                    if out.hung || out.peer_closed_early {
                        break;
                    }
                }
                write_index += 1;
            }
            Action::Sleep(d) => {
                tokio::time::sleep(*d).await;
                out.waits.pauses += *d;
            }
            Action::Sync => {
                let Some(src) = peer_reads else {
                    out.sync_unavailable = true;
                    continue;
                };
                let syncing = std::time::Instant::now();
                let r = wait_read(src, conn, out.written as u64, spec.reply_timeout).await;
                out.waits.syncs += syncing.elapsed();
                out.timeline.synced(out.written as u64, r);
                match r {
                    SyncOutcome::Reached => {}
                    SyncOutcome::Stalled { .. } => {
                        if out.stalled.is_none() {
                            out.stalled = Some(r);
                        }
                    }
                    SyncOutcome::Unavailable => out.sync_unavailable = true,
                }
            }
            Action::Shutdown => {
                if !spec.hold.is_zero() {
                    tokio::time::sleep(spec.hold).await;
                    out.waits.pauses += spec.hold;
                }
                let _ = wr.shutdown().await;
                out.half_closed_at = Some(std::time::Instant::now());
            }
            Action::Reset => return Carried::Reset,
        }
    }
    Carried::Done
}

/// Writes `b`, bounded in time: a peer that never reads fills the socket
/// buffers, and the write must not wait for it forever. False (and the
/// failure in `out`) when the write did not complete.
async fn write(wr: &mut OwnedWriteHalf, b: &[u8], reply_timeout: Duration, out: &mut ClientOutcome) -> bool {
    let limit = reply_timeout.max(Duration::from_secs(2));
    let issued = std::time::Instant::now();
    match tokio::time::timeout(limit, wr.write_all(b)).await {
        Ok(Ok(())) => {
            out.timeline.wrote(out.written, b.len(), issued);
            out.written += b.len();
            true
        }
        Ok(Err(e)) => {
            out.write_error = Some(format!("write: {e}"));
            false
        }
        Err(_) => {
            out.hung = true;
            out.write_error = Some(format!("write blocked for {limit:?}: the peer is not reading"));
            false
        }
    }
}

fn decode_replies(codec: &mut Option<AnyCodec>, buf: &mut BytesMut, g: &mut Shared) {
    // Where the buffer starts in the reply stream, for the replies' spans.
    let start = g.read - buf.len();
    let Some(c) = codec else {
        // A framing error ended the framing: the rest is not replies.
        buf.clear();
        return;
    };
    let before = buf.len();
    loop {
        match c.decode(buf) {
            Ok(Some(m)) => {
                g.timeline.replied(start, before - buf.len());
                g.decoded_to = start + (before - buf.len());
                g.replies.push(m.freeze())
            }
            Ok(None) => return,
            Err(e) => {
                g.errors.push(ReplyError::Decode { kind: e.kind(), detail: e.to_string() });
                if !e.is_recoverable() {
                    buf.clear();
                    *codec = None;
                    return;
                }
            }
        }
    }
}
