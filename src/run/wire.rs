//! [`WireRecord`]: what happened on the wire of a scenario's first connection,
//! with times and byte offsets, for reports that draw it (`run --html`)
//! and for other tools (`run --format json`, field `wire`).
//!
//! Two streams: the **sent** stream (every byte the client wrote, in
//! order; the server reads the same stream) and the **reply** stream
//! (every byte the client read back). Offsets count from 0 in their
//! stream; times are microseconds since the scenario started.
//!
//! # Limits
//!
//! Each list keeps at most [`crate::client::MAX_TIMELINE_EVENTS`] (or
//! [`crate::server::observe::MAX_RECORDED_READS`]) entries; the rest are
//! counted in the `*_dropped` fields. The stream's bytes are kept as a head
//! of [`HEAD_BYTES`] and a tail of [`TAIL_BYTES`]; message texts are cut
//! at [`TEXT_BYTES`].

use std::time::Instant;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::result::plain;
use crate::client::{ClientOutcome, WireChunk};
use crate::fault::Action;
use crate::framing::show;
use crate::scenario::Prepared;
use crate::server::Observation;

/// Bytes of the start of the sent stream kept for drawing.
pub const HEAD_BYTES: usize = 256;
/// Bytes of the end of the sent stream kept for drawing.
pub const TAIL_BYTES: usize = 64;
/// Bytes of a message's text kept.
pub const TEXT_BYTES: usize = 32;

/// A `write()` or a `read()`: a run of bytes of a stream, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    /// Offset of its first byte in its stream.
    pub offset: u64,
    /// Bytes.
    pub len: u64,
    /// Microseconds since the scenario started (`null` when unknown).
    pub t_us: Option<u64>,
}

/// A message over a stream: where it lies, and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Offset of its first byte (framing included) in its stream.
    pub offset: u64,
    /// Bytes it covers, framing included.
    pub len: u64,
    /// The message's own bytes as text, like `sent` (bytes that are not
    /// UTF-8 become U+FFFD; cut at `TEXT_BYTES` (32) with its length:
    /// `abc... (900 bytes)`).
    pub text: String,
}

/// What a sync of the plan saw: the peer had read `read` of `sent` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncPoint {
    /// Bytes written when the sync waited.
    pub sent: u64,
    /// Bytes the peer had read then (`null`: the source could not tell).
    pub read: Option<u64>,
    /// Microseconds since the scenario started.
    pub t_us: u64,
}

/// The first connection's wire record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireRecord {
    /// Client connections of the scenario (only the first is drawn).
    pub connections: usize,
    /// Bytes the plan writes on this connection.
    pub plan_bytes: u64,
    /// Bytes the client wrote (completed writes).
    pub bytes_written: u64,
    /// Bytes the reference server read from this connection, by its own
    /// counter (`null` for other targets).
    pub bytes_read: Option<u64>,
    /// The client's writes over the sent stream.
    pub writes: Vec<Chunk>,
    /// Writes past the bound, counted.
    pub writes_dropped: u64,
    /// The reference server's reads over the sent stream (empty for
    /// other targets).
    pub reads: Vec<Chunk>,
    /// Server reads past the bound, counted.
    pub reads_dropped: u64,
    /// The messages as sent: frames over the sent stream.
    pub sent: Vec<Span>,
    /// The messages as the reference server understood them, over the
    /// stream it read (empty for other targets).
    pub understood: Vec<Span>,
    /// The client's reads of replies over the reply stream.
    pub reply_reads: Vec<Chunk>,
    /// Reply reads past the bound, counted.
    pub reply_reads_dropped: u64,
    /// The replies as decoded, over the reply stream.
    pub replies: Vec<Span>,
    /// What each sync of the plan saw (the sync view).
    pub syncs: Vec<SyncPoint>,
    /// The first `HEAD_BYTES` (256) of the sent stream, hex.
    pub head: String,
    /// The last `TAIL_BYTES` (64) of the sent stream after the head, hex.
    pub tail: String,
    /// The reads above are a spawned target's own, seen by the tracer.
    #[serde(default)]
    pub traced: bool,
    /// A traced target's writes over the reply stream (its replies as it
    /// wrote them).
    #[serde(default)]
    pub target_writes: Vec<Chunk>,
    /// When the peer closed or reset the connection, relative to the
    /// client's replies, writes and half-close (`null`: the client stopped
    /// reading first).
    #[serde(default)]
    pub peer_end: Option<crate::client::PeerEnd>,
}

fn micros(at: Instant, origin: Instant) -> u64 {
    at.saturating_duration_since(origin).as_micros() as u64
}

fn chunks(list: &[WireChunk], origin: Instant) -> Vec<Chunk> {
    list.iter().map(|c| Chunk { offset: c.offset, len: c.len, t_us: Some(micros(c.at, origin)) }).collect()
}

/// Spans of `msgs` laid end to end, each covering `ends[i] - ends[i-1]`
/// bytes.
fn spans(msgs: impl Iterator<Item = Bytes>, ends: impl Iterator<Item = u64>) -> Vec<Span> {
    let mut from = 0u64;
    msgs.zip(ends)
        .map(|(m, end)| {
            let end = end.max(from);
            let s = Span { offset: from, len: end - from, text: plain(&show(&m, TEXT_BYTES)) };
            from = end;
            s
        })
        .collect()
}

impl WireRecord {
    /// The wire record of the first connection: the plan's frames as
    /// sent, `outcomes[0]`'s timeline, and what the reference server (if
    /// `obs`) read and understood on that connection. `origin` is when
    /// the scenario started.
    pub fn build(
        prep: &Prepared,
        outcomes: &[ClientOutcome],
        obs: Option<&Observation>,
        origin: Instant,
    ) -> WireRecord {
        let Some(first) = outcomes.first() else { return WireRecord::default() };
        let t = &first.timeline;
        let mut w = WireRecord {
            connections: outcomes.len(),
            bytes_written: first.written as u64,
            writes: chunks(&t.writes, origin),
            writes_dropped: t.writes_dropped,
            reply_reads: chunks(&t.reads, origin),
            reply_reads_dropped: t.reads_dropped,
            peer_end: first.peer_end,
            syncs: t
                .syncs
                .iter()
                .map(|s| SyncPoint { sent: s.sent, read: s.read, t_us: micros(s.at, origin) })
                .collect(),
            ..WireRecord::default()
        };
        let mut frame_end = 0u64;
        w.sent = spans(
            prep.messages.iter().cloned(),
            prep.frames.iter().map(|f| {
                frame_end += f.len() as u64;
                frame_end
            }),
        );
        w.replies = first
            .replies
            .iter()
            .zip(&t.replies)
            .map(|(m, c)| Span { offset: c.offset, len: c.len, text: plain(&show(m, TEXT_BYTES)) })
            .collect();
        let conn = obs.and_then(|o| first.local.and_then(|l| o.connections.iter().find(|c| c.peer == l)));
        if let Some(c) = conn {
            w.bytes_read = Some(c.bytes_read);
            w.reads = c
                .reads
                .iter()
                .map(|r| Chunk { offset: r.offset, len: r.len, t_us: r.at.map(|a| micros(a, origin)) })
                .collect();
            w.reads_dropped = c.reads_dropped;
            w.understood = spans(c.messages().cloned(), c.message_ends.iter().copied());
        }
        let writes = || prep.actions.iter().filter_map(|a| if let Action::Write(b) = a { Some(&b[..]) } else { None });
        w.plan_bytes = writes().map(|b| b.len() as u64).sum();
        let (mut head, mut tail) = (Vec::new(), Vec::new());
        let tail_from = w.plan_bytes.saturating_sub(TAIL_BYTES as u64).max(HEAD_BYTES as u64);
        let mut at = 0u64;
        for b in writes() {
            let end = at + b.len() as u64;
            if head.len() < HEAD_BYTES {
                head.extend_from_slice(&b[..b.len().min(HEAD_BYTES - head.len())]);
            }
            if end > tail_from {
                tail.extend_from_slice(&b[(tail_from.saturating_sub(at)) as usize..]);
            }
            at = end;
        }
        w.head = hex::encode(&head);
        w.tail = hex::encode(&tail);
        w
    }

    /// The sent stream's kept bytes: head, how many are left out, tail.
    pub fn kept_bytes(&self) -> KeptBytes {
        let head = hex::decode(&self.head).unwrap_or_default();
        let tail = hex::decode(&self.tail).unwrap_or_default();
        let total = self.plan_bytes;
        let left_out = total.saturating_sub((head.len() + tail.len()) as u64);
        KeptBytes { head, left_out, tail }
    }
}

/// The bytes of the sent stream a [`WireRecord`] keeps ([`WireRecord::kept_bytes`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptBytes {
    /// The first bytes.
    pub head: Vec<u8>,
    /// How many bytes between head and tail are left out.
    pub left_out: u64,
    /// The last bytes.
    pub tail: Vec<u8>,
}
