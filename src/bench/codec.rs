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
//! The framelab rows come from the framing registry: one per codec
//! ([`CodecKind::ALL`]), run with the settings of its
//! [`Codec::for_bench`], plus a `slices` row for the codecs whose
//! [`Codec::SLICES_ROW`] is set.
//!
//! ```
//! use framelab::bench::codec::{Subject, Workload};
//! use framelab::framing::CodecKind;
//!
//! let w = Workload::with_stream_bytes(Subject::Codec(CodecKind::LengthPrefix), 64, 4096);
//! let got = w.decode();
//! assert_eq!((got.items, got.bytes), (w.messages(), w.payload_bytes()));
//! ```

use std::cell::RefCell;
use std::convert::Infallible;
use std::hint::black_box;
use std::ops::ControlFlow;
use std::sync::LazyLock;

use bytes::{BufMut, Bytes, BytesMut};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio_util::codec::{AnyDelimiterCodec, Decoder, Encoder, LengthDelimitedCodec, LinesCodec};

use crate::framing::feed::{self as driver, Event};
use crate::framing::{Codec, CodecKind, CodecVisitor, FrameSlices, slices};

/// Message sizes compared by default: 16 B, 64 B, 1 KiB, 64 KiB, 1 MiB.
pub const SIZES: [usize; 5] = [16, 64, 1024, 64 * 1024, 1024 * 1024];

/// Bytes per read, as a busy socket delivers them to `FramedRead`.
pub const READ_SIZE: usize = 64 * 1024;

/// `FramedRead`'s initial buffer capacity.
pub const INITIAL_CAPACITY: usize = 8 * 1024;

/// Payload bytes in one stream (rounded to whole messages, at least two).
/// Small enough for the source to stay in a 1 MiB L2 cache at small sizes.
pub const STREAM_BYTES: usize = 512 * 1024;

/// Every maximum the bench codecs' knobs have ([`CodecKind::for_bench`]),
/// and the longest line tokio-util's text codecs accept: above every size
/// in [`SIZES`], so the limits are checked but never hit.
pub const MAX_MESSAGE: usize = 8 * 1024 * 1024;

/// The name of the `raw` row.
pub const RAW: &str = "raw";

/// One row of the comparison: a framelab codec of the registry, a
/// tokio-util codec, or the raw ceiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    /// No framing: the reads appended and consumed whole.
    Raw,
    /// A framelab codec through its `Decoder`, as its [`Codec::for_bench`]
    /// makes it for the message size (naive's `read_size` is that size, so
    /// what it returns is cut at read boundaries too: that is its bug),
    /// each message framed by its [`Codec::bench_encode`].
    Codec(CodecKind),
    /// The same codec through [`FrameSlices`]: each frame a `&[u8]`, the
    /// buffer consumed once per read.
    Slices(CodecKind),
    /// A codec with one of its bench knob settings
    /// ([`Codec::BENCH_VARIANTS`](crate::framing::Codec::BENCH_VARIANTS)):
    /// `length-prefix varint`.
    Variant(CodecKind, u8),
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

/// Every subject, in table order ([`Subject::all`]).
static ALL: LazyLock<Vec<Subject>> = LazyLock::new(|| {
    let mut all = vec![Subject::Raw];
    for &kind in CodecKind::ALL {
        all.push(Subject::Codec(kind));
        if kind.slices_row() {
            all.push(Subject::Slices(kind));
        }
        for i in 0..kind.bench_variants().len() {
            all.push(Subject::Variant(kind, u8::try_from(i).expect("a few variants")));
        }
        all.extend_from_slice(counterparts(kind));
    }
    all
});

/// The `slices` row names (`length-prefix slices`), in [`CodecKind::ALL`]
/// order.
static SLICES_NAMES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| CodecKind::ALL.iter().map(|k| &*format!("{} slices", k.name()).leak()).collect());

/// The variant row names (`length-prefix varint`), per kind in
/// [`CodecKind::ALL`] order.
static VARIANT_NAMES: LazyLock<Vec<Vec<&'static str>>> = LazyLock::new(|| {
    CodecKind::ALL
        .iter()
        .map(|k| k.bench_variants().iter().map(|v| &*format!("{} {v}", k.name()).leak()).collect())
        .collect()
});

/// The tokio-util codecs that do what `kind` does, placed right after its
/// rows in the table.
fn counterparts(kind: CodecKind) -> &'static [Subject] {
    match kind {
        CodecKind::LengthPrefix => &[Subject::TokioLengthDelimited],
        CodecKind::Delimiter => &[Subject::TokioLines, Subject::TokioAnyDelimiter],
        _ => &[],
    }
}

impl Subject {
    /// Every subject, in table order: the ceiling, then each codec of the
    /// registry ([`CodecKind::ALL`] order), its `slices` row where it has
    /// one, and its tokio-util counterparts where it has some.
    pub fn all() -> &'static [Subject] {
        &ALL
    }

    /// The row name used in reports and JSON (`length-prefix`,
    /// `length-prefix slices`, `tokio-util LinesCodec`, `raw`, ...): a
    /// codec row is named after its strategy ([`CodecKind::name`]).
    pub fn name(self) -> &'static str {
        match self {
            Subject::Raw => RAW,
            Subject::Codec(kind) => kind.name(),
            Subject::Slices(kind) => {
                let at = CodecKind::ALL.iter().position(|k| *k == kind).expect("every kind is in CodecKind::ALL");
                SLICES_NAMES[at]
            }
            Subject::Variant(kind, i) => {
                let at = CodecKind::ALL.iter().position(|k| *k == kind).expect("every kind is in CodecKind::ALL");
                VARIANT_NAMES[at][usize::from(i)]
            }
            Subject::TokioLengthDelimited => "tokio-util LengthDelimitedCodec",
            Subject::TokioLines => "tokio-util LinesCodec",
            Subject::TokioAnyDelimiter => "tokio-util AnyDelimiterCodec",
        }
    }

    /// The subject named `name`, if any.
    pub fn from_name(name: &str) -> Option<Subject> {
        Subject::all().iter().copied().find(|s| s.name() == name)
    }

    /// Whether this row is a baseline (tokio-util or raw) rather than a
    /// framelab codec.
    pub fn is_baseline(self) -> bool {
        matches!(self, Subject::Raw | Subject::TokioLengthDelimited | Subject::TokioLines | Subject::TokioAnyDelimiter)
    }

    /// The rows this one is compared with: its tokio-util counterparts
    /// (json-header is a length-prefixed header, so `LengthDelimitedCodec`;
    /// a `slices` row has its `Decoder` row's; codecs tokio-util has no
    /// counterpart of, none), then `raw`. Empty for `raw` itself.
    pub fn baselines(self) -> &'static [Subject] {
        match self {
            Subject::Raw => &[],
            Subject::Codec(kind) | Subject::Slices(kind) | Subject::Variant(kind, _) => match kind {
                CodecKind::LengthPrefix | CodecKind::JsonHeader => &[Subject::TokioLengthDelimited, Subject::Raw],
                CodecKind::Delimiter => &[Subject::TokioLines, Subject::TokioAnyDelimiter, Subject::Raw],
                _ => &[Subject::Raw],
            },
            Subject::TokioLengthDelimited | Subject::TokioLines | Subject::TokioAnyDelimiter => &[Subject::Raw],
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
    /// The same payloads as text, for the tokio-util text codecs' encoders.
    texts: Vec<String>,
    /// Framing bytes around each payload: what a codec whose item is the
    /// whole frame ([`Codec::ITEM_IS_FRAME`]) returns beyond the message.
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
        let overhead = self.overhead;
        let got =
            match self.subject {
                Subject::Raw => raw(buf, wire, reads),
                Subject::Codec(kind) => {
                    kind.for_bench(self.size, MAX_MESSAGE).visit(Feed { buf, wire, reads, overhead, slices: false })
                }
                Subject::Slices(kind) => {
                    kind.for_bench(self.size, MAX_MESSAGE).visit(Feed { buf, wire, reads, overhead, slices: true })
                }
                Subject::Variant(kind, i) => kind
                    .for_bench_variant(usize::from(i), self.size, MAX_MESSAGE)
                    .visit(Feed { buf, wire, reads, overhead, slices: false }),
                Subject::TokioLengthDelimited => feed(LengthDelimitedCodec::new(), buf, wire, reads, |m| m.len()),
                Subject::TokioLines => {
                    feed(LinesCodec::new_with_max_length(MAX_MESSAGE), buf, wire, reads, |s| s.len())
                }
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
        let exact = !matches!(
            self.subject,
            Subject::Raw | Subject::Codec(CodecKind::Naive) | Subject::Slices(CodecKind::Naive)
        );
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
            Subject::Codec(kind) | Subject::Slices(kind) => {
                kind.for_bench(self.size, MAX_MESSAGE).visit(EncodeAll { messages: ms, dst })
            }
            Subject::Variant(kind, i) => {
                kind.for_bench_variant(usize::from(i), self.size, MAX_MESSAGE).visit(EncodeAll { messages: ms, dst })
            }
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

/// A framelab row's decoding, on its concrete codec: [`feed`] with the
/// codec's [`Codec::message_len`] (less the framing, where the item is the
/// whole frame), or [`feed_slices`].
struct Feed<'a, R> {
    buf: &'a mut BytesMut,
    wire: &'a [u8],
    reads: R,
    /// Framing bytes around each message.
    overhead: usize,
    /// Through [`FrameSlices`] rather than the `Decoder`.
    slices: bool,
}

impl<R: Iterator<Item = usize>> CodecVisitor for Feed<'_, R> {
    type Output = (usize, usize);

    fn visit<C: Codec>(self, codec: C) -> (usize, usize) {
        let Feed { buf, wire, reads, overhead, slices } = self;
        let overhead = if C::ITEM_IS_FRAME { overhead } else { 0 };
        if slices {
            let (items, bytes) = feed_slices(codec, buf, wire, reads);
            (items, bytes - items * overhead)
        } else {
            feed(codec, buf, wire, reads, |item| C::message_len(item) - overhead)
        }
    }
}

/// A framelab row's encoding: every message framed by the concrete
/// codec's [`Codec::bench_encode`].
struct EncodeAll<'a> {
    messages: &'a [Bytes],
    dst: &'a mut BytesMut,
}

impl CodecVisitor for EncodeAll<'_> {
    type Output = ();

    fn visit<C: Codec>(self, mut codec: C) {
        for m in self.messages {
            codec.bench_encode(m, self.dst).expect("every bench message encodes");
        }
    }
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
        for &subject in Subject::all() {
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
        for &subject in Subject::all() {
            let w = Workload::with_stream_bytes(subject, 64, 4096);
            let mut dst = BytesMut::new();
            assert_eq!(w.encode(&mut dst), 64 * 64);
            assert_eq!(&dst[..], w.wire(), "{}", subject.name());
        }
    }

    #[test]
    fn every_codec_has_a_row_and_its_slices_row_where_it_asks_for_one() {
        for &kind in CodecKind::ALL {
            assert!(Subject::all().contains(&Subject::Codec(kind)), "{}", kind.name());
            assert_eq!(Subject::all().contains(&Subject::Slices(kind)), kind.slices_row(), "{}", kind.name());
            assert_eq!(Subject::Slices(kind).name(), format!("{} slices", kind.name()));
            for (i, v) in kind.bench_variants().iter().enumerate() {
                let row = Subject::Variant(kind, i as u8);
                assert!(Subject::all().contains(&row));
                assert_eq!(row.name(), format!("{} {v}", kind.name()));
            }
        }
        // The varint length's row, with its LEB128 header on the wire:
        // 200 is c8 01.
        let varint = Subject::from_name("length-prefix varint").expect("a varint row");
        let w = Workload::with_stream_bytes(varint, 200, 400);
        assert_eq!(&w.wire()[..3], [0xc8, 0x01, b'a']);
    }

    #[test]
    fn subject_names_round_trip_and_baselines_are_baselines() {
        for &s in Subject::all() {
            assert_eq!(Subject::from_name(s.name()), Some(s));
            assert!(s.baselines().iter().all(|b| b.is_baseline()));
        }
    }
}
