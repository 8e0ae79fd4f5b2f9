//! The fault-injecting client: carries out a plan ([`crate::fault`]) over
//! TCP or UDP, reads replies with a read plan, and reports what happened.
//! Every wait has a timeout.

mod handshake;
mod udp;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::codec::Decoder;

pub use handshake::run_handshake;
pub use udp::run_udp;

use crate::fault::Action;
use crate::fault::read::ReadPlan;
use crate::framing::AnyCodec;
use crate::server::ObservationLog;

/// How one client connection behaves.
#[derive(Debug, Clone)]
pub struct ClientSpec {
    /// The plan: writes, pauses, syncs, shutdown or reset.
    pub actions: Vec<Action>,
    /// TCP_NODELAY.
    pub nodelay: bool,
    /// Framing of replies; `None` reads replies as raw bytes.
    pub response: Option<AnyCodec>,
    /// After these write indexes, wait for one more reply (lockstep).
    pub lockstep_after: Vec<usize>,
    /// How long to wait for each reply, and for the connection to end.
    pub reply_timeout: Duration,
    /// How replies are read.
    pub read_plan: ReadPlan,
    /// Keep the connection open this long after the last write.
    pub hold: Duration,
    /// Seed of the read plan.
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

/// What one client connection saw.
#[derive(Debug, Clone, Default)]
pub struct ClientOutcome {
    /// The client's local address (matches the server's record).
    pub local: Option<SocketAddr>,
    /// Connecting failed.
    pub connect_error: Option<String>,
    /// A write failed (reset by the peer, ...).
    pub write_error: Option<String>,
    /// Replies decoded, in order.
    pub replies: Vec<Bytes>,
    /// Errors decoding replies (digest mismatch, bad framing).
    pub reply_errors: Vec<String>,
    /// A reply the plan waited for never came.
    pub hung: bool,
    /// The peer closed its side before the client was done.
    pub peer_closed_early: bool,
    /// The peer reset the connection.
    pub reset_by_peer: bool,
    /// The peer closed its side (end of stream seen).
    pub eof: bool,
    /// Bytes written.
    pub written: usize,
}

#[derive(Debug, Default)]
struct Shared {
    replies: Vec<Bytes>,
    errors: Vec<String>,
    eof: bool,
    reset: bool,
    /// Reply bytes read so far.
    read: usize,
    /// The peer sent more than [`MAX_REPLY_BYTES`]; reading stopped.
    overflowed: bool,
}

/// Most reply bytes a client reads on one connection: a peer that answers
/// without end is stopped here, not followed into memory exhaustion.
pub const MAX_REPLY_BYTES: usize = 64 * 1024 * 1024;

/// Waits until the reference server has read `n` bytes from `local`.
async fn sync(log: &ObservationLog, local: SocketAddr, n: usize, timeout: Duration) -> bool {
    log.wait_until(timeout, |o| o.connections.iter().any(|c| c.peer == local && c.bytes_read >= n as u64)).await.1
}

/// Connects to `addr` and carries out `spec`. `log` is the reference
/// server's observation, used by [`Action::Sync`]; without one, syncs are
/// no-ops.
pub async fn run_tcp(addr: SocketAddr, spec: &ClientSpec, log: Option<&ObservationLog>) -> ClientOutcome {
    let mut out = ClientOutcome::default();
    let stream = match tokio::time::timeout(spec.connect_timeout, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            out.connect_error = Some(format!("connect to {addr}: {e}"));
            return out;
        }
        Err(_) => {
            out.connect_error = Some(format!("connect to {addr}: no answer within {:?}", spec.connect_timeout));
            return out;
        }
    };
    let _ = stream.set_nodelay(spec.nodelay);
    out.local = stream.local_addr().ok();
    let local = out.local.expect("a connected socket has a local address");
    let (mut rd, mut wr) = stream.into_split();

    let shared = Arc::new(Mutex::new(Shared::default()));
    let changed = Arc::new(Notify::new());
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let reader = {
        let shared = shared.clone();
        let changed = changed.clone();
        let mut codec = spec.response.clone();
        let plan = spec.read_plan;
        let mut rng = crate::fault::rng(spec.seed ^ 0x5245_4144);
        tokio::spawn(async move {
            let mut buf = BytesMut::new();
            loop {
                if !plan.pause.is_zero() {
                    tokio::time::sleep(plan.pause).await;
                }
                let n = plan.next_size(&mut rng);
                let mut chunk = vec![0u8; n];
                let r = tokio::select! {
                    r = rd.read(&mut chunk) => r,
                    _ = &mut stop_rx => return rd,
                };
                let mut g = shared.lock().unwrap_or_else(|p| p.into_inner());
                match r {
                    Ok(0) => {
                        g.eof = true;
                        if !buf.is_empty() && codec.is_some() {
                            g.errors.push(format!("{} bytes of an incomplete reply at end of stream", buf.len()));
                        }
                    }
                    Ok(n) => {
                        g.read += n;
                        buf.extend_from_slice(&chunk[..n]);
                        decode_replies(&mut codec, &mut buf, &mut g);
                        if g.read > MAX_REPLY_BYTES {
                            g.overflowed = true;
                            g.errors.push(format!(
                                "overflow: the peer sent more than {MAX_REPLY_BYTES} reply bytes; stopped reading"
                            ));
                        }
                    }
                    Err(e) => {
                        g.reset = true;
                        g.errors.push(format!("read: {e}"));
                    }
                }
                let done = g.eof || g.reset || g.overflowed;
                drop(g);
                changed.notify_waiters();
                if done {
                    return rd;
                }
            }
        })
    };

    let replies_now = |s: &Arc<Mutex<Shared>>| {
        let g = s.lock().unwrap_or_else(|p| p.into_inner());
        (g.replies.len(), g.eof || g.reset || g.overflowed)
    };
    let mut waited_for = 0usize;
    let mut write_index = 0usize;
    for action in &spec.actions {
        match action {
            Action::Write(b) => {
                // A peer that never reads fills the socket buffers; the
                // write must not wait for it forever.
                let limit = spec.reply_timeout.max(Duration::from_secs(2));
                match tokio::time::timeout(limit, wr.write_all(b)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        out.write_error = Some(format!("write: {e}"));
                        break;
                    }
                    Err(_) => {
                        out.hung = true;
                        out.write_error = Some(format!("write blocked for {limit:?}: the peer is not reading"));
                        break;
                    }
                }
                out.written += b.len();
                if spec.lockstep_after.contains(&write_index) {
                    waited_for += 1;
                    let deadline = Instant::now() + spec.reply_timeout;
                    loop {
                        let notified = changed.notified();
                        let (n, ended) = replies_now(&shared);
                        if n >= waited_for {
                            break;
                        }
                        if ended {
                            out.peer_closed_early = true;
                            break;
                        }
                        if tokio::time::timeout_at(deadline, notified).await.is_err() {
                            out.hung = true;
                            break;
                        }
                    }
                    if out.hung || out.peer_closed_early {
                        break;
                    }
                }
                write_index += 1;
            }
            Action::Sleep(d) => tokio::time::sleep(*d).await,
            Action::Sync => {
                if let Some(log) = log {
                    let _ = sync(log, local, out.written, spec.reply_timeout).await;
                }
            }
            Action::Shutdown => {
                if !spec.hold.is_zero() {
                    tokio::time::sleep(spec.hold).await;
                }
                let _ = wr.shutdown().await;
            }
            Action::Reset => {
                let _ = stop_tx.send(());
                if let Ok(rd) = reader.await
                    && let Ok(stream) = rd.reunite(wr)
                {
                    crate::net::reset(stream);
                }
                let g = shared.lock().unwrap_or_else(|p| p.into_inner());
                out.replies = g.replies.clone();
                out.reply_errors = g.errors.clone();
                return out;
            }
        }
    }
    if out.hung || out.peer_closed_early || out.write_error.is_some() {
        // Give the server a moment to record its side, then stop.
        reader.abort();
    } else {
        // Read replies until the peer closes, the expected replies are in,
        // or the peer has been quiet for the reply timeout.
        loop {
            let notified = changed.notified();
            let (n, ended) = replies_now(&shared);
            if ended {
                break;
            }
            if spec.expected_replies.is_some_and(|e| n >= e) {
                if spec.settle.is_zero() || tokio::time::timeout(spec.settle, notified).await.is_err() {
                    break;
                }
                continue;
            }
            if tokio::time::timeout(spec.reply_timeout, notified).await.is_err() {
                if spec.expected_replies.is_some_and(|e| n < e) {
                    out.hung = true;
                }
                break;
            }
        }
        reader.abort();
    }
    let g = shared.lock().unwrap_or_else(|p| p.into_inner());
    out.replies = g.replies.clone();
    out.reply_errors = g.errors.clone();
    out.reset_by_peer = g.reset;
    out.eof = g.eof;
    out
}

fn decode_replies(codec: &mut Option<AnyCodec>, buf: &mut BytesMut, g: &mut Shared) {
    let Some(c) = codec else {
        g.replies.push(buf.split().freeze());
        return;
    };
    loop {
        match c.decode(buf) {
            Ok(Some(m)) => g.replies.push(m.freeze()),
            Ok(None) => return,
            Err(e) => {
                g.errors.push(format!("{}: {e}", e.kind()));
                if !e.is_recoverable() {
                    buf.clear();
                    *codec = None;
                    return;
                }
            }
        }
    }
}
