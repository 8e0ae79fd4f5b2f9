//! What one client connection did on the wire, with times: its writes,
//! its reads of replies, the replies' spans over the reply stream, and
//! what each sync of the plan saw. Reports draw it (`run --html`) and
//! print it (`run --format json`, `wire`). Bounded: past
//! [`MAX_TIMELINE_EVENTS`] per list, events are only counted.

use std::time::Instant;

/// Most events kept per list of a [`Timeline`].
pub const MAX_TIMELINE_EVENTS: usize = 10_000;

/// A run of bytes of a stream: a `write()`, a `read()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireChunk {
    /// Offset of its first byte in the stream.
    pub offset: u64,
    /// Bytes.
    pub len: u64,
    /// When it was made.
    pub at: Instant,
}

/// What a sync of the plan saw: the peer had read `read` of `sent` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncSeen {
    /// Bytes written when the sync waited.
    pub sent: u64,
    /// Bytes the peer had read when the wait ended (`None`: the source
    /// could not tell).
    pub read: Option<u64>,
    /// When the wait ended.
    pub at: Instant,
}

/// One connection's wire record.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    /// The client's writes, in order.
    pub writes: Vec<WireChunk>,
    /// Writes past the bound, counted.
    pub writes_dropped: u64,
    /// The client's reads of replies, in order.
    pub reads: Vec<WireChunk>,
    /// Reads past the bound, counted.
    pub reads_dropped: u64,
    /// Each reply decoded, as its span over the reply stream (framing
    /// included), with when it was decoded.
    pub replies: Vec<WireChunk>,
    /// What each sync of the plan saw.
    pub syncs: Vec<SyncSeen>,
}

impl Timeline {
    /// Records a chunk in `list`, or counts it in `dropped` past the bound.
    pub(crate) fn push(list: &mut Vec<WireChunk>, dropped: &mut u64, offset: usize, len: usize) {
        if list.len() < MAX_TIMELINE_EVENTS {
            list.push(WireChunk { offset: offset as u64, len: len as u64, at: Instant::now() });
        } else {
            *dropped += 1;
        }
    }
}

impl Timeline {
    /// Copies the reply side (reads, replies) recorded by the reading task.
    pub(crate) fn take_replies(&mut self, from: &Timeline) {
        self.reads = from.reads.clone();
        self.reads_dropped = from.reads_dropped;
        self.replies = from.replies.clone();
    }

    /// A reply decoded: it ends `consumed` bytes after `start` in the reply
    /// stream, and begins where the previous reply ended.
    pub(crate) fn replied(&mut self, start: usize, consumed: usize) {
        let end = (start + consumed) as u64;
        let from = self.replies.last().map_or(0, |r| r.offset + r.len).min(end);
        if self.replies.len() < MAX_TIMELINE_EVENTS {
            self.replies.push(WireChunk { offset: from, len: end - from, at: Instant::now() });
        }
    }

    /// A write of `len` bytes at `offset`, issued at `at`, completed.
    pub(crate) fn wrote(&mut self, offset: usize, len: usize, at: Instant) {
        if self.writes.len() < MAX_TIMELINE_EVENTS {
            self.writes.push(WireChunk { offset: offset as u64, len: len as u64, at });
        } else {
            self.writes_dropped += 1;
        }
    }

    /// A sync of the plan ended.
    pub(crate) fn synced(&mut self, sent: u64, outcome: crate::sync::SyncOutcome) {
        let read = match outcome {
            crate::sync::SyncOutcome::Reached => Some(sent),
            crate::sync::SyncOutcome::Stalled { read, .. } => Some(read),
            crate::sync::SyncOutcome::Unavailable => None,
        };
        if self.syncs.len() < MAX_TIMELINE_EVENTS {
            self.syncs.push(SyncSeen { sent, read, at: Instant::now() });
        }
    }
}
