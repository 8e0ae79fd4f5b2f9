//! Codec mode: every decoder fed the way `FramedRead` feeds it, beside
//! tokio-util's codecs and a `raw` ceiling, with no sockets involved.
//!
//! ```text
//!  wire (pre-encoded)   64 KiB reads            decode until None
//! +----------------+   +-------+              +-----+-----+-----+
//! | frame frame fr |-->| BytesMut (appended) |->| msg | msg | ... |
//! +----------------+   +-------+              +-----+-----+-----+
//! ```
//!
//! A [`Workload`] holds one subject's encoded stream of equal-sized
//! messages (about [`STREAM_BYTES`] of payload, at least two messages).
//! [`Workload::decode`] replays it as [`READ_SIZE`] reads appended to a
//! `BytesMut` that starts at `FramedRead`'s 8 KiB, calling `decode` until
//! it returns `None` after each read. The buffer is kept from one replay to
//! the next, as a connection keeps its `FramedRead`: what is measured is
//! the steady state, not the allocator growing a fresh buffer every time; [`Workload::decode_with`] takes any
//! read plan (the `fragmented` bench uses 1-byte, 7-byte and random reads).
//! The `raw` subject appends the same reads and consumes them with no
//! framing: the cost of appending alone, the ceiling every decoder is
//! measured against.
//!
//! Throughput counts message payload bytes, not wire bytes, so every row of
//! a size moves the same useful bytes and framing overhead shows up as cost.
//!
//! ```
//! use framelab::bench::codec::{Subject, Workload};
//!
//! let w = Workload::with_stream_bytes(Subject::LengthPrefix, 64, 4096);
//! let got = w.decode();
//! assert_eq!((got.items, got.bytes), (w.messages(), w.payload_bytes()));
//! ```

use std::cell::RefCell;
use std::convert::Infallible;
use std::hint::black_box;
use std::ops::ControlFlow;

use bytes::{BufMut, Bytes, BytesMut};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio_util::codec::{AnyDelimiterCodec, Decoder, Encoder, LengthDelimitedCodec, LinesCodec};

use crate::framing::feed::{self as driver, Event};
use crate::framing::{
    DelimiterCodec, FrameSlices, HttpCodec, JsonHeaderCodec, JsonMessage, LengthPrefixCodec, NaiveCodec, RespCodec,
    slices,
};

/// Message sizes compared by default: 16 B, 64 B, 1 KiB, 64 KiB, 1 MiB.
pub const SIZES: [usize; 5] = [16, 64, 1024, 64 * 1024, 1024 * 1024];

/// Bytes per read, as a busy socket delivers them to `FramedRead`.
pub const READ_SIZE: usize = 64 * 1024;

/// `FramedRead`'s initial buffer capacity.
pub const INITIAL_CAPACITY: usize = 8 * 1024;

/// Payload bytes in one stream (rounded to whole messages, at least two).
/// Small enough for the source to stay in a 1 MiB L2 cache at small sizes.
pub const STREAM_BYTES: usize = 512 * 1024;

/// Longest line the delimiter codecs accept in these benches: above every
/// size in [`SIZES`], so the limit is checked but never hit.
pub const MAX_MESSAGE: usize = 8 * 1024 * 1024;

/// The name of the `raw` row.
pub const RAW: &str = "raw";

/// One row of the comparison: a framelab strategy, a tokio-util codec, or
/// the raw ceiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    /// No framing: the reads appended and consumed whole.
    Raw,
    /// framelab's naive codec with `read_size` = the message size (what
    /// it returns is cut at read boundaries too: that is its bug).
    Naive,
    /// framelab's delimiter codec, `\n`.
    Delimiter,
    /// framelab's length-prefix codec, `u32be`.
    LengthPrefix,
    /// The same codec through [`FrameSlices`]: each frame a `&[u8]`, the
    /// buffer consumed once per read.
    LengthPrefixSlices,
    /// framelab's delimiter codec, `\n`, through [`FrameSlices`].
    DelimiterSlices,
    /// framelab's naive codec through [`FrameSlices`].
    NaiveSlices,
    /// framelab's json-header codec with its defaults (sha256, verified).
    JsonHeader,
    /// framelab's RESP codec: each message a one-word command, sent as an
    /// array of one bulk string (`*1\r\n$N\r\n...\r\n`).
    Resp,
    /// framelab's HTTP codec: each message the body of a
    /// `POST /m HTTP/1.1` request with a `Content-Length`.
    Http,
    /// tokio-util's `LengthDelimitedCodec` (u32 big-endian).
    TokioLengthDelimited,
    /// tokio-util's `LinesCodec` (validates UTF-8, returns `String`).
    TokioLines,
    /// tokio-util's `AnyDelimiterCodec` with `\n`.
    TokioAnyDelimiter,
}

/// What one decode of a workload's stream gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded {
    /// Items decoded (`raw` counts none; `naive` one per read piece).
    pub items: usize,
    /// Payload bytes decoded.
    pub bytes: usize,
}

impl Subject {
    /// Every subject, in table order: the ceiling, then each framelab
    /// strategy followed by its tokio-util counterpart.
    pub const ALL: [Subject; 13] = [
        Subject::Raw,
        Subject::LengthPrefix,
        Subject::LengthPrefixSlices,
        Subject::TokioLengthDelimited,
        Subject::Delimiter,
        Subject::DelimiterSlices,
        Subject::TokioLines,
        Subject::TokioAnyDelimiter,
        Subject::Naive,
        Subject::NaiveSlices,
        Subject::JsonHeader,
        Subject::Resp,
        Subject::Http,
    ];

    /// The row name used in reports and JSON (`length-prefix`,
    /// `tokio-util LinesCodec`, `raw`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Subject::Raw => RAW,
            Subject::Naive => "naive",
            Subject::Delimiter => "delimiter",
            Subject::LengthPrefix => "length-prefix",
            Subject::LengthPrefixSlices => "length-prefix slices",
            Subject::DelimiterSlices => "delimiter slices",
            Subject::NaiveSlices => "naive slices",
            Subject::JsonHeader => "json-header",
            Subject::Resp => "resp",
            Subject::Http => "http",
            Subject::TokioLengthDelimited => "tokio-util LengthDelimitedCodec",
            Subject::TokioLines => "tokio-util LinesCodec",
            Subject::TokioAnyDelimiter => "tokio-util AnyDelimiterCodec",
        }
    }

    /// The subject named `name`, if any.
    pub fn from_name(name: &str) -> Option<Subject> {
        Subject::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether this row is a baseline (tokio-util or raw) rather than a
    /// framelab strategy.
    pub fn is_baseline(self) -> bool {
        matches!(self, Subject::Raw | Subject::TokioLengthDelimited | Subject::TokioLines | Subject::TokioAnyDelimiter)
    }

    /// The rows this one is compared with: its tokio-util counterparts
    /// (json-header is a length-prefixed header, so `LengthDelimitedCodec`;
    /// a `slices` row has its `Decoder` row's;
    /// tokio-util has no RESP or HTTP codec), then `raw`. Empty for `raw`
    /// itself.
    pub fn baselines(self) -> &'static [Subject] {
        match self {
            Subject::Raw => &[],
            Subject::LengthPrefix | Subject::LengthPrefixSlices | Subject::JsonHeader => {
                &[Subject::TokioLengthDelimited, Subject::Raw]
            }
            Subject::Delimiter | Subject::DelimiterSlices => {
                &[Subject::TokioLines, Subject::TokioAnyDelimiter, Subject::Raw]
            }
            Subject::Naive
            | Subject::NaiveSlices
            | Subject::Resp
            | Subject::Http
            | Subject::TokioLengthDelimited
            | Subject::TokioLines
            | Subject::TokioAnyDelimiter => &[Subject::Raw],
        }
    }
}

/// One subject's encoded stream of equal-sized messages, ready to be
/// decoded (or its messages encoded) any number of times.
#[derive(Debug, Clone)]
pub struct Workload {
    /// Who decodes and encodes.
    subject: Subject,
    /// Payload bytes per message.
    size: usize,
    /// The messages' payloads.
    messages: Vec<Bytes>,
    /// The same payloads as text, for the tokio-util text codecs' encoders;
    /// for `http`, the whole requests.
    texts: Vec<String>,
    /// Framing bytes around each payload (`resp` and `http`, whose frames
    /// are whole values and messages).
    overhead: usize,
    /// The encoded stream.
    wire: Bytes,
    /// The read buffer, kept between replays like a connection's.
    buf: RefCell<BytesMut>,
}

impl Workload {
    /// A stream of about [`STREAM_BYTES`] of `size`-byte messages framed
    /// by `subject`.
    ///
    /// # Panics
    /// If `size` is 0.
    pub fn new(subject: Subject, size: usize) -> Workload {
        Workload::with_stream_bytes(subject, size, STREAM_BYTES)
    }

    /// A stream of about `stream_bytes` of payload (at least two messages).
    ///
    /// # Panics
    /// If `size` is 0.
    pub fn with_stream_bytes(subject: Subject, size: usize, stream_bytes: usize) -> Workload {
        assert!(size > 0, "message size must be at least 1");
        let count = (stream_bytes / size).max(2);
        // Printable ASCII, never `\n`: valid for every codec, UTF-8 included.
        let messages: Vec<Bytes> = (0..count).map(|i| Bytes::from(vec![b'a' + (i % 26) as u8; size])).collect();
        let texts = match subject {
            Subject::TokioLines | Subject::TokioAnyDelimiter => {
                messages.iter().map(|m| String::from_utf8(m.to_vec()).expect("ASCII")).collect()
            }
            Subject::Http => messages
                .iter()
                .map(|m| {
                    let body = std::str::from_utf8(m).expect("ASCII");
                    format!("POST /m HTTP/1.1\r\nHost: bench\r\nContent-Length: {size}\r\n\r\n{body}")
                })
                .collect(),
            _ => Vec::new(),
        };
        let buf = RefCell::new(BytesMut::with_capacity(INITIAL_CAPACITY));
        let mut w = Workload { subject, size, messages, texts, overhead: 0, wire: Bytes::new(), buf };
        let mut wire = BytesMut::new();
        w.encode(&mut wire);
        w.wire = wire.freeze();
        w.overhead = (w.wire.len() - w.payload_bytes()) / w.messages.len();
        w
    }

    /// The subject.
    pub fn subject(&self) -> Subject {
        self.subject
    }

    /// Payload bytes per message.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Messages in the stream.
    pub fn messages(&self) -> usize {
        self.messages.len()
    }

    /// Payload bytes in the stream (`messages() * size()`).
    pub fn payload_bytes(&self) -> usize {
        self.messages.len() * self.size
    }

    /// The encoded stream.
    pub fn wire(&self) -> &[u8] {
        &self.wire
    }

    /// Decodes the whole stream in [`READ_SIZE`] reads; returns the items
    /// and payload bytes decoded. `raw` returns no items; `naive` returns one
    /// per `read_size` bytes or per read, whichever is shorter.
    ///
    /// # Panics
    /// If a decoder fails or leaves bytes behind (the stream is valid).
    pub fn decode(&self) -> Decoded {
        self.decode_reads(std::iter::repeat(READ_SIZE))
    }

    /// Decodes the whole stream in reads of the sizes `plan` gives in turn
    /// (cycling; see [`read_plan_random`]).
    ///
    /// # Panics
    /// As [`Workload::decode`], and if `plan` is empty or holds a 0.
    pub fn decode_with(&self, plan: &[usize]) -> Decoded {
        assert!(!plan.is_empty() && !plan.contains(&0), "a read plan needs sizes of at least 1");
        self.decode_reads(plan.iter().copied().cycle())
    }

    fn decode_reads(&self, reads: impl Iterator<Item = usize>) -> Decoded {
        let wire = &self.wire[..];
        let buf = &mut *self.buf.borrow_mut();
        let got = match self.subject {
            Subject::Raw => raw(buf, wire, reads),
            Subject::Naive => feed(NaiveCodec::new(self.size), buf, wire, reads, |m| m.len()),
            Subject::Delimiter => feed(DelimiterCodec::lines(MAX_MESSAGE), buf, wire, reads, |m| m.len()),
            Subject::LengthPrefix => feed(LengthPrefixCodec::default(), buf, wire, reads, |m| m.len()),
            Subject::LengthPrefixSlices => feed_slices(LengthPrefixCodec::default(), buf, wire, reads),
            Subject::DelimiterSlices => feed_slices(DelimiterCodec::lines(MAX_MESSAGE), buf, wire, reads),
            Subject::NaiveSlices => feed_slices(NaiveCodec::new(self.size), buf, wire, reads),
            Subject::JsonHeader => feed(JsonHeaderCodec::default(), buf, wire, reads, |f| f.body.len()),
            Subject::Resp => feed(RespCodec::default(), buf, wire, reads, |m| m.len() - self.overhead),
            Subject::Http => feed(HttpCodec::default(), buf, wire, reads, |m| m.len() - self.overhead),
            Subject::TokioLengthDelimited => feed(LengthDelimitedCodec::new(), buf, wire, reads, |m| m.len()),
            Subject::TokioLines => feed(LinesCodec::new_with_max_length(MAX_MESSAGE), buf, wire, reads, |s| s.len()),
            Subject::TokioAnyDelimiter => feed(
                AnyDelimiterCodec::new_with_max_length(b"\n".to_vec(), b"\n".to_vec(), MAX_MESSAGE),
                buf,
                wire,
                reads,
                |b| b.len(),
            ),
        };
        // naive returns whatever one read brought (that is its bug), raw
        // counts no messages: only their bytes must add up.
        let exact = !matches!(self.subject, Subject::Raw | Subject::Naive | Subject::NaiveSlices);
        assert_eq!(got.1, self.payload_bytes(), "{} decoded the wrong stream", self.subject.name());
        assert!(!exact || got.0 == self.messages(), "{} decoded {} messages", self.subject.name(), got.0);
        Decoded { items: got.0, bytes: got.1 }
    }

    /// Encodes every message into `dst` (appending); returns the payload
    /// bytes encoded. `raw` appends the payloads as they are.
    ///
    /// # Panics
    /// If an encoder refuses a message (none should).
    pub fn encode(&self, dst: &mut BytesMut) -> usize {
        let ms = &self.messages;
        match self.subject {
            Subject::Raw => ms.iter().for_each(|m| dst.put_slice(m)),
            Subject::Naive | Subject::NaiveSlices => {
                encode_all(&mut NaiveCodec::new(self.size), ms.iter().map(|m| &m[..]), dst)
            }
            Subject::Delimiter | Subject::DelimiterSlices => {
                encode_all(&mut DelimiterCodec::lines(MAX_MESSAGE), ms.iter().map(|m| &m[..]), dst)
            }
            Subject::LengthPrefix | Subject::LengthPrefixSlices => {
                encode_all(&mut LengthPrefixCodec::default(), ms.iter().map(|m| &m[..]), dst)
            }
            Subject::JsonHeader => encode_all(
                &mut JsonHeaderCodec::default(),
                ms.iter().map(|m| JsonMessage::new("m.bin", m.clone())),
                dst,
            ),
            Subject::Resp => encode_all(&mut RespCodec::default(), ms.iter().map(|m| &m[..]), dst),
            Subject::Http => encode_all(&mut HttpCodec::default(), self.texts.iter().map(|t| t.as_bytes()), dst),
            Subject::TokioLengthDelimited => encode_all(&mut LengthDelimitedCodec::new(), ms.iter().cloned(), dst),
            Subject::TokioLines => {
                encode_all(&mut LinesCodec::new_with_max_length(MAX_MESSAGE), self.texts.iter(), dst)
            }
            Subject::TokioAnyDelimiter => encode_all(
                &mut AnyDelimiterCodec::new_with_max_length(b"\n".to_vec(), b"\n".to_vec(), MAX_MESSAGE),
                self.texts.iter(),
                dst,
            ),
        }
        self.payload_bytes()
    }
}

/// `wire` cut into reads of the sizes `plan` gives in turn, until it is
/// used up.
fn sized_reads(wire: &[u8], plan: impl Iterator<Item = usize>) -> impl Iterator<Item = &[u8]> {
    let mut rest = wire;
    plan.map_while(move |n| {
        if rest.is_empty() {
            return None;
        }
        let (read, tail) = rest.split_at(n.min(rest.len()));
        rest = tail;
        Some(read)
    })
}

/// Appends `wire` to `buf` (empty, as a `FramedRead` buffer between
/// frames) in reads from `reads`, decoding until `None` after each
/// ([`driver::feed`], no `decode_eof`: the stream is whole frames); returns
/// (items, payload bytes).
fn feed<D, F>(
    mut codec: D,
    buf: &mut BytesMut,
    wire: &[u8],
    reads: impl Iterator<Item = usize>,
    len: F,
) -> (usize, usize)
where
    D: Decoder,
    D::Error: std::fmt::Debug,
    F: Fn(&D::Item) -> usize,
{
    let (mut items, mut bytes) = (0, 0);
    let _ = driver::feed(&mut codec, buf, sized_reads(wire, reads), false, |ev| {
        match ev {
            Event::Frame(item, _) => {
                items += 1;
                bytes += len(&item);
                black_box(item);
            }
            Event::Error(e, _) => panic!("a valid stream decodes: {e:?}"),
            Event::Read(_) | Event::Drained(_) => {}
        }
        ControlFlow::<Infallible>::Continue(())
    });
    assert!(buf.is_empty(), "{} bytes left undecoded", buf.len());
    (items, bytes)
}

/// [`feed`] through [`FrameSlices`]: each read appended after
/// [`slices::reserve_read_for`], then every complete frame handed out as a
/// slice and the buffer advanced once.
fn feed_slices<D>(mut codec: D, buf: &mut BytesMut, wire: &[u8], reads: impl Iterator<Item = usize>) -> (usize, usize)
where
    D: FrameSlices,
    D::Error: std::fmt::Debug,
{
    let (mut items, mut bytes) = (0, 0);
    for mut read in sized_reads(wire, reads) {
        // One socket read of `n` bytes, or two where `reserve_read_for`
        // says to read only into the room left (the end of a frame larger
        // than a read): as a receive loop with `read_buf` would read them.
        while !read.is_empty() {
            let room = slices::reserve_read_for(buf, read.len(), codec.missing(buf));
            let (now, later) = read.split_at(room.min(read.len()));
            read = later;
            buf.extend_from_slice(now);
            codec
                .frames(buf, |m| {
                    items += 1;
                    bytes += m.len();
                    black_box(m);
                })
                .expect("a valid stream decodes");
        }
    }
    assert!(buf.is_empty(), "{} bytes left undecoded", buf.len());
    (items, bytes)
}

/// The ceiling: the same reads appended, then consumed with no framing
/// (the buffer is emptied in place), so all it costs is appending.
fn raw(buf: &mut BytesMut, wire: &[u8], reads: impl Iterator<Item = usize>) -> (usize, usize) {
    let mut bytes = 0;
    for read in sized_reads(wire, reads) {
        buf.extend_from_slice(read);
        bytes += buf.len();
        black_box(&buf[..]);
        buf.clear();
    }
    (0, bytes)
}

fn encode_all<E, I>(codec: &mut E, items: impl Iterator<Item = I>, dst: &mut BytesMut)
where
    E: Encoder<I>,
    E::Error: std::fmt::Debug,
{
    for item in items {
        codec.encode(item, dst).expect("every bench message encodes");
    }
}

/// A read plan of `n`-byte reads.
pub fn read_plan_fixed(n: usize) -> Vec<usize> {
    vec![n]
}

/// A seeded read plan of `count` reads of 1 to `max` bytes each
/// (ChaCha8, so the same seed gives the same plan everywhere).
pub fn read_plan_random(seed: u64, max: usize, count: usize) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..count).map(|_| rng.random_range(1..=max.max(1))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subject_decodes_its_own_stream_at_every_size_and_read_plan() {
        for subject in Subject::ALL {
            for size in [1, 16, 1000, 70_000] {
                let w = Workload::with_stream_bytes(subject, size, 20_000.max(3 * size));
                w.decode();
                w.decode_with(&read_plan_fixed(1));
                w.decode_with(&read_plan_fixed(7));
                w.decode_with(&read_plan_random(3, 5000, 100));
            }
        }
    }

    #[test]
    fn encode_reproduces_the_wire() {
        for subject in Subject::ALL {
            let w = Workload::with_stream_bytes(subject, 64, 4096);
            let mut dst = BytesMut::new();
            assert_eq!(w.encode(&mut dst), 64 * 64);
            assert_eq!(&dst[..], w.wire(), "{}", subject.name());
        }
    }

    #[test]
    fn subject_names_round_trip_and_baselines_are_baselines() {
        for s in Subject::ALL {
            assert_eq!(Subject::from_name(s.name()), Some(s));
            assert!(s.baselines().iter().all(|b| b.is_baseline()));
        }
    }
}
