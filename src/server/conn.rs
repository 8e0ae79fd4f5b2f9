//! Per-connection I/O shared by every TCP server: bounded, timed reads,
//! timed writes, replies framed by the server's framing, and the framed
//! read loop that every correct variant uses.

use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_util::codec::Decoder;

use super::ServerConfig;
use super::handler::Reply;
use super::observe::{CloseReason, ObservationLog};
use crate::framing::{AnyCodec, ErrorKind, FrameSlices, FramingError, JsonHeader, JsonHeaderCodec};

/// The placeholder digest of the JSON-header tutorial (B16).
pub const PLACEHOLDER_DIGEST: &str = "1231231231232132131232311";

/// Largest single read a server asks the kernel for.
pub const READ_CHUNK: usize = 64 * 1024;

/// The outcome of one read.
#[derive(Debug)]
pub(crate) enum Fill {
    /// Some bytes arrived.
    Data,
    /// The peer closed its write side.
    Eof,
    /// A timeout or I/O error ended the connection.
    Closed(CloseReason, Option<std::io::Error>),
}

/// Why a connection ended, with the I/O error if there was one.
#[derive(Debug)]
pub(crate) struct Ended(pub CloseReason, pub Option<std::io::Error>);

impl Ended {
    /// The same end, where an EOF cuts a frame in two.
    pub fn mid_frame(self) -> Ended {
        match self.0 {
            CloseReason::Eof => Ended(CloseReason::EofMidFrame, self.1),
            _ => self,
        }
    }
}

/// One connection: its stream, its buffer, its record and its limits.
pub(crate) struct Conn {
    pub id: u64,
    pub log: ObservationLog,
    pub cfg: Arc<ServerConfig>,
    pub stream: TcpStream,
    pub buf: BytesMut,
    /// When the frame now in progress began (first byte after the last
    /// complete message); bounds slow drips.
    pub frame_start: Option<Instant>,
}

impl Conn {
    pub fn new(id: u64, log: ObservationLog, cfg: Arc<ServerConfig>, stream: TcpStream) -> Self {
        Conn { id, log, cfg, stream, buf: BytesMut::new(), frame_start: None }
    }

    fn read_deadline(&self) -> (Instant, CloseReason) {
        let idle = Instant::now() + self.cfg.limits.idle_timeout;
        match self.frame_start {
            Some(t) if t + self.cfg.limits.frame_timeout < idle => {
                (t + self.cfg.limits.frame_timeout, CloseReason::FrameTimeout)
            }
            _ => (idle, CloseReason::IdleTimeout),
        }
    }

    /// One `read()` of at most `max` bytes appended to the buffer, within
    /// the idle and frame timeouts.
    pub async fn fill(&mut self, max: usize) -> Fill {
        self.fill_for(max, None).await
    }

    /// [`Conn::fill`] for a frame in progress of which `missing` bytes are
    /// still to come ([`FrameSlices::missing`](crate::framing::FrameSlices::missing)):
    /// a frame longer than a read completes in the room reserved for it
    /// instead of being moved to make room for a whole read.
    pub async fn fill_for(&mut self, max: usize, missing: Option<usize>) -> Fill {
        let (deadline, why) = self.read_deadline();
        // A few reads of room at once (bounded by the read size, never by
        // a declared length), so that a partial frame is not moved to the
        // front of the buffer on every read; for a frame longer than a read
        // whose rest fits the room left, that room alone, which then bounds
        // the read (a read fills at most the spare capacity): see
        // docs/receive-path.md.
        crate::framing::slices::reserve_read_for(&mut self.buf, max.min(READ_CHUNK), missing);
        let mut limited = (&mut self.buf).limit(max);
        let r = tokio::time::timeout_at(deadline, self.stream.read_buf(&mut limited)).await;
        match r {
            Err(_) => Fill::Closed(why, None),
            Ok(Ok(0)) => Fill::Eof,
            Ok(Ok(n)) => {
                self.log.read(self.id, n);
                if self.frame_start.is_none() {
                    self.frame_start = Some(Instant::now());
                }
                Fill::Data
            }
            Ok(Err(e)) => Fill::Closed(CloseReason::Reset, Some(e)),
        }
    }

    /// One `recv(max)`: a single read, returned as is (the tutorials' model).
    pub async fn recv(&mut self, max: usize) -> Result<Bytes, Ended> {
        self.buf.clear();
        match self.fill(max).await {
            Fill::Data => Ok(self.buf.split().freeze()),
            Fill::Eof => Err(Ended(CloseReason::Eof, None)),
            Fill::Closed(r, e) => Err(Ended(r, e)),
        }
    }

    /// Records the end of the connection.
    pub fn end(&self, e: Ended) {
        self.finish(e.0, e.1)
    }

    /// A message was understood: record it and restart the frame clock.
    pub fn understood(&mut self, msg: Bytes) {
        self.log.message_before(self.id, msg, self.buf.len());
        self.frame_start = if self.buf.is_empty() { None } else { Some(Instant::now()) };
    }

    /// Writes `bytes` within the idle timeout.
    pub async fn send(&mut self, bytes: &[u8]) -> Result<(), CloseReason> {
        match tokio::time::timeout(self.cfg.limits.idle_timeout, self.stream.write_all(bytes)).await {
            Ok(Ok(())) => {
                self.log.push(self.id, super::observe::ServerEvent::Reply { len: bytes.len() });
                Ok(())
            }
            Ok(Err(e)) => {
                self.log.error(self.id, ErrorKind::Write, e);
                Err(CloseReason::Reset)
            }
            Err(_) => {
                self.log.error(self.id, ErrorKind::Write, "peer did not read the reply within the idle timeout");
                Err(CloseReason::IdleTimeout)
            }
        }
    }

    /// Applies the handler delay, computes the reply to `msg`, frames it
    /// with `codec` and sends it.
    pub async fn respond(&mut self, msg: &[u8], codec: &mut AnyCodec) -> Result<(), CloseReason> {
        if !self.cfg.delay.is_zero() {
            tokio::time::sleep(self.cfg.delay).await;
        }
        let reply = self.cfg.handler.reply(msg, self.cfg.root.as_deref(), self.cfg.framing.max_message());
        let mut out = BytesMut::new();
        if let Err(e) = frame_reply(codec, reply, self.cfg.placeholder_digest(), &mut out) {
            self.log.error(self.id, ErrorKind::Reply, e);
            return Ok(());
        }
        if out.is_empty() && matches!(codec, AnyCodec::Naive(_)) {
            return Ok(());
        }
        self.send(&out).await
    }

    /// Logs an I/O error that is about to end the connection.
    pub fn finish_error(&self, err: Option<std::io::Error>) {
        if let Some(e) = err {
            self.log.error(self.id, ErrorKind::Io, e);
        }
    }

    /// Records a connection end; logs the I/O error if any.
    pub fn finish(&self, reason: CloseReason, err: Option<std::io::Error>) {
        if let Some(e) = err {
            self.log.error(self.id, ErrorKind::Io, e);
        }
        self.log.close(self.id, reason);
    }

    /// The framed read loop of every correct variant: decode with `codec`,
    /// answer every message, end on EOF, timeout or unrecoverable error.
    pub async fn serve_framed(mut self, mut codec: AnyCodec) {
        let mut replier = codec.clone();
        loop {
            loop {
                match codec.decode(&mut self.buf) {
                    Ok(Some(m)) => {
                        let m = m.freeze();
                        self.understood(m.clone());
                        if let Err(r) = self.respond(&m, &mut replier).await {
                            return self.finish(r, None);
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        self.log.error(self.id, e.kind(), &e);
                        if !e.is_recoverable() {
                            return self.finish(CloseReason::Error, None);
                        }
                        self.frame_start = if self.buf.is_empty() { None } else { Some(Instant::now()) };
                    }
                }
            }
            let missing = codec.missing(&self.buf);
            match self.fill_for(READ_CHUNK, missing).await {
                Fill::Data => {}
                Fill::Eof => {
                    let mid_frame = self.frame_start.is_some();
                    let reason = match codec.decode_eof(&mut self.buf) {
                        Ok(Some(m)) => {
                            let m = m.freeze();
                            self.understood(m.clone());
                            let _ = self.respond(&m, &mut replier).await;
                            CloseReason::Eof
                        }
                        Ok(None) if mid_frame => CloseReason::EofMidFrame,
                        Ok(None) => CloseReason::Eof,
                        Err(e) => {
                            self.log.error(self.id, e.kind(), &e);
                            CloseReason::EofMidFrame
                        }
                    };
                    return self.finish(reason, None);
                }
                Fill::Closed(r, e) => return self.finish(r, e),
            }
        }
    }
}

/// Frames a reply with the server's own codec. Refusals are sent as a
/// message `ERROR: why`; files over json-header carry their name and a
/// digest (or, for the tutorial variant, the JSON-header tutorial's placeholder digest).
pub(crate) fn frame_reply(
    codec: &mut AnyCodec,
    reply: Reply,
    placeholder: bool,
    out: &mut BytesMut,
) -> Result<(), FramingError> {
    use tokio_util::codec::Encoder;
    match reply {
        Reply::None => Ok(()),
        Reply::Message(b) => codec.encode(&b[..], out),
        Reply::Refused(why) => codec.encode(format!("ERROR: {why}").as_bytes(), out),
        Reply::File { name, body } => match codec {
            AnyCodec::JsonHeader(c) if placeholder => {
                let h = JsonHeader {
                    total_size: body.len() as u64,
                    filename: name,
                    md5: Some(PLACEHOLDER_DIGEST.into()),
                    ..Default::default()
                };
                Ok(JsonHeaderCodec::encode_raw(c, &h, &body, out)?)
            }
            AnyCodec::JsonHeader(c) => Ok(c.encode_named(&name, &body, out)?),
            other => other.encode(&body[..], out),
        },
    }
}

/// Default recv size of seed variants that have no read-size knob.
pub(crate) const SEED_RECV: usize = 1024;
