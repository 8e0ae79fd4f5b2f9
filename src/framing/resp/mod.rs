//! RESP framing: Redis serialization protocol values, RESP2 and RESP3.
//!
//! ```text
//! +---+-------+----+   +---+-----+----+-------------+----+
//! | * | count | \r\n|  | $ | len | \r\n| len bytes   | \r\n|  ... count values
//! +---+-------+----+   +---+-----+----+-------------+----+
//!  type  decimal        type decimal    payload
//!
//! *2\r\n$3\r\nGET\r\n$1\r\nk\r\n        one frame: the array and everything in it
//! ```
//!
//! Every value starts with a type byte. Line types end at `\r\n`: simple
//! string `+`, error `-`, integer `:`, and the RESP3 null `_`, boolean `#`
//! (`t`/`f`), double `,` and big number `(`. Length types give a decimal
//! length line, then that many bytes and `\r\n`: bulk string `$` (`$-1` is
//! the RESP2 null), RESP3 bulk error `!` and verbatim string `=` (`txt:...`).
//! Aggregates give a count, then that many values: array `*` (`*-1` is the
//! RESP2 null), set `~`, push `>`, map `%` (count pairs) and attribute `|`
//! (count pairs, then the value they annotate, which belongs to the same
//! frame).
//!
//! One decoded frame is one complete top-level value, split off the buffer
//! as it came (no copy, nothing re-encoded). The decoder keeps an explicit
//! stack of the values each open aggregate still owes and the offset it
//! has scanned to, so a value fed one byte at a time is scanned once, and
//! nesting costs a counter per level, never a recursive call.
//!
//! The encoder takes a message that already starts with a type byte as a
//! value written by hand: it is checked to be exactly one complete value
//! and sent as is. Any other message is an inline command: its
//! whitespace-separated words become an array of bulk strings, as
//! `redis-cli` sends them (`SET k v` is `*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n`).
//! Inline words have no quoting: write the RESP value yourself to send a
//! word with spaces or one that starts with a type byte.
//!
//! ```
//! use bytes::BytesMut;
//! use framelab::framing::{RespCodec, RespFormat};
//! use tokio_util::codec::{Decoder, Encoder};
//!
//! let mut codec = RespCodec::new(RespFormat::default());
//! let mut wire = BytesMut::new();
//! codec.encode(&b"SET k hello"[..], &mut wire).unwrap();
//! assert_eq!(&wire[..], b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n");
//! // A reply cut inside its declared length is "not yet" ...
//! let mut part = BytesMut::from(&b"$5\r\nhel"[..]);
//! assert!(codec.decode(&mut part).unwrap().is_none());
//! part.extend_from_slice(b"lo\r\n+OK\r\n");
//! // ... and whole values come out as their own bytes, one per frame.
//! assert_eq!(&codec.decode(&mut part).unwrap().unwrap()[..], b"$5\r\nhello\r\n");
//! assert_eq!(&codec.decode(&mut part).unwrap().unwrap()[..], b"+OK\r\n");
//! ```
//!
//! # Limits
//!
//! - `max` (default 64 MiB, smaller than redis' 512 MB `proto-max-bulk-len`
//!   so that a test tool does not hold half a gigabyte per connection)
//!   bounds a whole frame, framing bytes included. A declared length or
//!   count whose frame cannot fit (each aggregate member takes at least 3
//!   bytes) is an error as soon as its line is complete, before any byte of
//!   it is awaited; memory is reserved only for the missing part of a frame
//!   already known to fit. A line with no `\r\n` within `max` is an error.
//! - `depth` (default 128) bounds aggregate nesting; deeper is
//!   [`RespError::TooDeep`], whatever the input (10,000 nested arrays cost
//!   nothing but the 128 counters before the error).
//! - Lengths and integers must fit an `i64`; negative lengths other than
//!   the RESP2 nulls `$-1` and `*-1` are errors.
//! - Not supported: RESP3 streamed strings and aggregates (`$?`, `*?`),
//!   which are errors, and inline commands on the decoding side (a reply
//!   never is one; a request that is one gets [`RespError::BadType`]).
//!
//! After an error the stream is out of step: the codec stays failed and
//! returns [`RespError::Failed`] from then on.

use std::fmt::Write as _;
use std::io;

use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::error_text;

pub mod answer;
pub mod roundtrip;
#[cfg(test)]
mod seeds;
mod spec;

pub use spec::{Resp, fuzz_format};

/// Default largest frame: 64 MiB.
pub const DEFAULT_MAX: usize = 64 * 1024 * 1024;

/// Default deepest aggregate nesting.
pub const DEFAULT_DEPTH: usize = 128;

/// Every RESP2 and RESP3 type byte.
pub const TYPE_BYTES: &[u8] = b"+-:$*_#,(!=%~|>";

/// The knobs of the RESP framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RespFormat {
    /// Largest frame, in bytes, framing included.
    pub max: usize,
    /// Deepest aggregate nesting (a top-level array is depth 1).
    pub depth: usize,
}

impl Default for RespFormat {
    fn default() -> Self {
        RespFormat { max: DEFAULT_MAX, depth: DEFAULT_DEPTH }
    }
}

/// What can go wrong decoding or encoding RESP values. Offsets count from
/// the start of the frame.
#[derive(Debug, thiserror::Error)]
pub enum RespError {
    /// A value started with a byte that is no RESP type.
    #[error(
        "byte {byte:#04x} at offset {offset} is not a RESP type byte (expected one of + - : $ * _ # , ( ! = % ~ | >)"
    )]
    BadType {
        /// The byte found.
        byte: u8,
        /// Where it was.
        offset: usize,
    },
    /// A line ended with `\n` alone.
    #[error("line ending at offset {offset} has a bare \\n (RESP lines end with \\r\\n)")]
    BareLineFeed {
        /// Offset of the `\n`.
        offset: usize,
    },
    /// A line's text is not what its type allows.
    #[error("bad {what} at offset {offset}: {text:?}")]
    BadLine {
        /// What the line should hold (`length`, `integer`, `boolean`, ...).
        what: &'static str,
        /// Offset of the line's type byte.
        offset: usize,
        /// The line's text (lossy UTF-8, cut at 40 bytes).
        text: String,
    },
    /// A length, count or integer does not fit an `i64`.
    #[error("{what} at offset {offset} does not fit a signed 64-bit integer")]
    Overflow {
        /// `length`, `count` or `integer`.
        what: &'static str,
        /// Offset of the line's type byte.
        offset: usize,
    },
    /// A negative length or count other than a RESP2 null.
    #[error("negative length {declared} at offset {offset} (only $-1 and *-1, the RESP2 nulls, may be negative)")]
    NegativeLength {
        /// The value declared.
        declared: i64,
        /// Offset of the line's type byte.
        offset: usize,
    },
    /// The frame cannot fit the maximum.
    #[error("the value needs at least {needed} bytes, more than the maximum frame of {max}")]
    FrameTooLarge {
        /// The fewest bytes the frame would take (`max + 1` for a line
        /// with no end in sight; saturates at `u64::MAX`).
        needed: u64,
        /// The codec's maximum.
        max: usize,
    },
    /// Aggregates nested deeper than the codec allows.
    #[error("aggregates nested deeper than {max} levels")]
    TooDeep {
        /// The codec's depth limit.
        max: usize,
    },
    /// A length-typed payload was not followed by `\r\n`.
    #[error("payload ending at offset {offset} is not followed by \\r\\n (the declared length is wrong)")]
    BadPayloadEnd {
        /// Where `\r\n` should have been.
        offset: usize,
    },
    /// A verbatim string without its `xxx:` format prefix.
    #[error("verbatim string at offset {offset} does not start with a 3-byte format and ':'")]
    BadVerbatim {
        /// Offset of the `=`.
        offset: usize,
    },
    /// The stream ended inside a value.
    #[error("stream ended {len} bytes into an incomplete value")]
    Truncated {
        /// How many bytes of it were there.
        len: usize,
    },
    /// The encoder was given an inline command with no words.
    #[error("an empty command (no words, and no type byte to send it as a RESP value)")]
    EmptyCommand,
    /// The encoder was given a RESP value cut short.
    #[error("message is an incomplete RESP value ({len} bytes)")]
    IncompleteMessage {
        /// The message length.
        len: usize,
    },
    /// The encoder was given more than one RESP value.
    #[error("message holds more than one RESP value: the first ends at byte {at}")]
    TrailingBytes {
        /// Where the first value ends.
        at: usize,
    },
    /// An earlier error left the stream out of step.
    #[error("stream is out of step after an earlier framing error")]
    Failed,
    /// An I/O error from the transport (only produced by `Framed`).
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Private decoder state: where in the current frame the scan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Expecting the type byte of the next value at `pos`.
    Type,
    /// Inside a line, scanned up to `pos`.
    Line {
        /// The type byte that opened it.
        kind: u8,
        /// Offset of that type byte.
        at: usize,
    },
    /// Inside the payload of a length type.
    Payload {
        /// `$`, `!` or `=`.
        kind: u8,
        /// Offset of the type byte.
        at: usize,
        /// Offset just past the payload's `\r\n`.
        end: usize,
    },
    /// An error was returned; the stream is out of step.
    Failed,
}

/// Decoder and encoder of RESP values; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct RespCodec {
    format: RespFormat,
    phase: Phase,
    /// Bytes of the current frame (at the front of the buffer) scanned.
    pos: usize,
    /// Values each open aggregate still owes, outermost first; never
    /// longer than `format.depth`.
    open: Vec<u64>,
    /// Total bytes examined (a work counter: it must stay linear in the
    /// input however it is cut).
    scanned: u64,
}

impl RespCodec {
    /// A codec with these knobs.
    pub fn new(format: RespFormat) -> Self {
        RespCodec { format, phase: Phase::Type, pos: 0, open: Vec::new(), scanned: 0 }
    }

    /// The knobs.
    pub fn format(&self) -> &RespFormat {
        &self.format
    }

    /// Total bytes examined by the decoder since creation.
    pub fn scanned_bytes(&self) -> u64 {
        self.scanned
    }

    fn fail(&mut self, e: RespError) -> Result<Option<BytesMut>, RespError> {
        self.phase = Phase::Failed;
        self.open.clear();
        Err(e)
    }

    fn too_large(&self, needed: u64) -> RespError {
        RespError::FrameTooLarge { needed, max: self.format.max }
    }

    /// One value ended at `pos`: counts it against the open aggregates.
    /// True when that completes the top-level value.
    fn value_done(&mut self) -> bool {
        self.phase = Phase::Type;
        while let Some(owed) = self.open.last_mut() {
            *owed -= 1;
            if *owed > 0 {
                return false;
            }
            self.open.pop();
        }
        true
    }

    /// A complete line of type `kind` at `at`, text `line`. Returns whether
    /// the top-level value is now complete.
    fn line_done(&mut self, kind: u8, at: usize, line: &[u8]) -> Result<bool, RespError> {
        let bad = |what| RespError::BadLine { what, offset: at, text: error_text(line) };
        match kind {
            b'+' | b'-' => {}
            b':' => {
                parse_i64(line).map_err(|e| e.into_error("integer", at, line))?;
            }
            b'_' if line.is_empty() => {}
            b'_' => return Err(bad("null (RESP3 nulls are _\\r\\n)")),
            b'#' if line == b"t" || line == b"f" => {}
            b'#' => return Err(bad("boolean (t or f)")),
            b',' => {
                let ok = std::str::from_utf8(line).is_ok_and(|s| s.parse::<f64>().is_ok());
                if !ok {
                    return Err(bad("double"));
                }
            }
            b'(' => {
                let digits = line.strip_prefix(b"-").or_else(|| line.strip_prefix(b"+")).unwrap_or(line);
                if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                    return Err(bad("big number"));
                }
            }
            b'$' | b'!' | b'=' => {
                let n = parse_len(line).map_err(|e| e.into_error("length", at, line))?;
                if n == -1 && kind == b'$' {
                    return Ok(self.value_done());
                }
                if n < 0 {
                    return Err(RespError::NegativeLength { declared: n, offset: at });
                }
                // pos is past the length line; the payload and its \r\n follow.
                let end = (self.pos as u64).saturating_add(n as u64).saturating_add(2);
                if end > self.format.max as u64 {
                    return Err(self.too_large(end));
                }
                self.phase = Phase::Payload { kind, at, end: end as usize };
                return Ok(false);
            }
            _ => {
                // Aggregates: * ~ > % |
                let n = parse_len(line).map_err(|e| e.into_error("count", at, line))?;
                if n == -1 && kind == b'*' {
                    return Ok(self.value_done());
                }
                if n < 0 {
                    return Err(RespError::NegativeLength { declared: n, offset: at });
                }
                let n = n as u64;
                let members = match kind {
                    b'%' => n.saturating_mul(2),
                    // An attribute's pairs, then the value it annotates.
                    b'|' => n.saturating_mul(2).saturating_add(1),
                    _ => n,
                };
                if members == 0 {
                    return Ok(self.value_done());
                }
                // Every member takes at least 3 bytes (`_\r\n`).
                let needed = (self.pos as u64).saturating_add(members.saturating_mul(3));
                if needed > self.format.max as u64 {
                    return Err(self.too_large(needed));
                }
                if self.open.len() >= self.format.depth {
                    return Err(RespError::TooDeep { max: self.format.depth });
                }
                self.open.push(members);
                self.phase = Phase::Type;
                return Ok(false);
            }
        }
        Ok(self.value_done())
    }

    /// Checks that `item` is exactly one complete value this codec accepts.
    fn check_value(&self, item: &[u8]) -> Result<(), RespError> {
        let mut c = RespCodec::new(self.format);
        let mut buf = BytesMut::from(item);
        match c.decode(&mut buf)? {
            Some(_) if buf.is_empty() => Ok(()),
            Some(v) => Err(RespError::TrailingBytes { at: v.len() }),
            None => Err(RespError::IncompleteMessage { len: item.len() }),
        }
    }
}

impl Default for RespCodec {
    fn default() -> Self {
        RespCodec::new(RespFormat::default())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IntError {
    Bad,
    Overflow,
}

impl IntError {
    fn into_error(self, what: &'static str, offset: usize, line: &[u8]) -> RespError {
        match self {
            IntError::Bad => RespError::BadLine { what, offset, text: error_text(line) },
            IntError::Overflow => RespError::Overflow { what, offset },
        }
    }
}

/// A decimal `i64`: an optional sign, then at least one digit, nothing else.
fn parse_i64(line: &[u8]) -> Result<i64, IntError> {
    let (neg, digits) = match line {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, line),
    };
    if digits.is_empty() {
        return Err(IntError::Bad);
    }
    let mut v: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return Err(IntError::Bad);
        }
        let d = i64::from(d - b'0');
        // Accumulate on the negative side so that i64::MIN parses.
        v = v.checked_mul(10).and_then(|v| v.checked_sub(d)).ok_or(IntError::Overflow)?;
    }
    if neg { Ok(v) } else { v.checked_neg().ok_or(IntError::Overflow) }
}

/// A length or count: like [`parse_i64`] but without a `+` sign.
fn parse_len(line: &[u8]) -> Result<i64, IntError> {
    if line.first() == Some(&b'+') {
        return Err(IntError::Bad);
    }
    parse_i64(line)
}

/// Through `decode` (the frame is the whole value or message): the same results as the
/// `Decoder`, no speed-up.
impl super::FrameSlices for RespCodec {
    type Error = RespError;

    fn frames<F: FnMut(&[u8])>(&mut self, buf: &mut BytesMut, frame: F) -> Result<usize, RespError> {
        super::slices::via_decoder(self, buf, frame, |m| &m[..])
    }
}

impl Decoder for RespCodec {
    type Item = BytesMut;
    type Error = RespError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, RespError> {
        loop {
            let before = (self.phase, self.pos);
            match self.phase {
                Phase::Failed => return Err(RespError::Failed),
                Phase::Type => {
                    let Some(&t) = src.get(self.pos) else { return Ok(None) };
                    self.scanned += 1;
                    if !TYPE_BYTES.contains(&t) {
                        return self.fail(RespError::BadType { byte: t, offset: self.pos });
                    }
                    if self.pos >= self.format.max {
                        return self.fail(self.too_large(self.pos as u64 + 1));
                    }
                    self.phase = Phase::Line { kind: t, at: self.pos };
                    self.pos += 1;
                }
                Phase::Line { kind, at } => {
                    // The frame may not pass `max` bytes: look for the end
                    // of the line only that far.
                    let limit = src.len().min(self.format.max);
                    let from = self.pos.min(limit);
                    let found = memchr::memchr(b'\n', &src[from..limit]);
                    self.scanned += (found.map_or(limit, |i| from + i + 1) - from) as u64;
                    let Some(i) = found else {
                        if src.len() >= self.format.max {
                            return self.fail(self.too_large(self.format.max as u64 + 1));
                        }
                        self.pos = limit;
                        return Ok(None);
                    };
                    let nl = from + i;
                    // (A line break right after the type byte has the
                    // type byte before it, which is never `\r`.)
                    if src[nl - 1] != b'\r' {
                        return self.fail(RespError::BareLineFeed { offset: nl });
                    }
                    self.pos = nl + 1;
                    match self.line_done(kind, at, &src[at + 1..nl - 1]) {
                        Ok(true) => break,
                        Ok(false) => {}
                        Err(e) => return self.fail(e),
                    }
                }
                Phase::Payload { kind, at, end } => {
                    if src.len() < end {
                        // Only what is missing of a frame known to fit.
                        src.reserve(end - src.len());
                        return Ok(None);
                    }
                    self.scanned += 2;
                    if &src[end - 2..end] != b"\r\n" {
                        return self.fail(RespError::BadPayloadEnd { offset: end - 2 });
                    }
                    if kind == b'=' {
                        let payload = &src[self.pos..end - 2];
                        if payload.len() < 4 || payload[3] != b':' {
                            return self.fail(RespError::BadVerbatim { offset: at });
                        }
                    }
                    self.pos = end;
                    if self.value_done() {
                        break;
                    }
                }
            }
            // Each turn reads a type byte, a line or a payload: the next
            // starts further on (a turn that does not would spin forever).
            debug_assert!((self.phase, self.pos) != before, "decode stuck at {before:?}");
        }
        let frame = src.split_to(self.pos);
        self.pos = 0;
        Ok(Some(frame))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, RespError> {
        if let Some(frame) = self.decode(src)? {
            return Ok(Some(frame));
        }
        if src.is_empty() {
            return Ok(None);
        }
        let len = src.len();
        src.clear();
        self.fail(RespError::Truncated { len })
    }
}

/// Encodes the whitespace-separated words of `item` as an array of bulk
/// strings, refusing a frame over `max`.
fn encode_command(item: &[u8], max: usize, dst: &mut BytesMut) -> Result<(), RespError> {
    let words = || item.split(u8::is_ascii_whitespace).filter(|w| !w.is_empty());
    let digits = |n: usize| n.checked_ilog10().unwrap_or(0) as u64 + 1;
    let count = words().count();
    if count == 0 {
        return Err(RespError::EmptyCommand);
    }
    let size = words().fold(3 + digits(count), |acc, w| acc + 5 + digits(w.len()) + w.len() as u64);
    if size > max as u64 {
        return Err(RespError::FrameTooLarge { needed: size, max });
    }
    dst.reserve(size as usize);
    // Writing to a BytesMut cannot fail.
    let _ = write!(dst, "*{count}\r\n");
    for w in words() {
        let _ = write!(dst, "${}\r\n", w.len());
        dst.extend_from_slice(w);
        dst.extend_from_slice(b"\r\n");
    }
    Ok(())
}

impl Encoder<&[u8]> for RespCodec {
    type Error = RespError;

    fn encode(&mut self, item: &[u8], dst: &mut BytesMut) -> Result<(), RespError> {
        match item.first() {
            Some(b) if TYPE_BYTES.contains(b) => {
                self.check_value(item)?;
                dst.extend_from_slice(item);
                Ok(())
            }
            _ => encode_command(item, self.format.max, dst),
        }
    }
}

impl Encoder<Bytes> for RespCodec {
    type Error = RespError;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), RespError> {
        self.encode(&item[..], dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BufMut;

    fn codec(max: usize, depth: usize) -> RespCodec {
        RespCodec::new(RespFormat { max, depth })
    }

    /// Every frame of `stream`, fed in one piece, then `decode_eof`.
    fn frames(c: &mut RespCodec, stream: &[u8]) -> Result<Vec<Vec<u8>>, RespError> {
        crate::check::decode_whole(c, stream)
    }

    /// The first error decoding `stream` in one piece.
    fn error(c: &mut RespCodec, stream: &[u8]) -> RespError {
        frames(c, stream).expect_err("expected an error")
    }

    const VALUES: &[&[u8]] = &[
        b"+OK\r\n",
        b"-ERR unknown command 'FOO'\r\n",
        b":0\r\n",
        b":-9223372036854775808\r\n",
        b"$5\r\nhello\r\n",
        b"$0\r\n\r\n",
        b"$-1\r\n",
        b"$4\r\na\r\nb\r\n",
        b"*-1\r\n",
        b"*0\r\n",
        b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
        b"*3\r\n:1\r\n*2\r\n+a\r\n*0\r\n$-1\r\n",
        b"_\r\n",
        b"#t\r\n",
        b",3.14\r\n",
        b",-inf\r\n",
        b"(3492890328409238509324850943850943825024385\r\n",
        b"!21\r\nSYNTAX invalid syntax\r\n",
        b"=15\r\ntxt:Some string\r\n",
        b"=4\r\ntxt:\r\n",
        b"%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n",
        b"~2\r\n+a\r\n+b\r\n",
        b"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:2\r\n",
        b">2\r\n+pubsub\r\n+message\r\n",
        b"%0\r\n",
    ];

    #[test]
    fn every_resp2_and_resp3_type_decodes_to_its_own_bytes() {
        let stream = VALUES.concat();
        let got = frames(&mut RespCodec::default(), &stream).unwrap();
        let want: Vec<Vec<u8>> = VALUES.iter().map(|v| v.to_vec()).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn stream_cut_at_every_offset_gives_the_same_frames() {
        let stream = VALUES.concat();
        let want = frames(&mut RespCodec::default(), &stream).unwrap();
        for cut in 0..=stream.len() {
            let mut c = RespCodec::default();
            let mut buf = BytesMut::from(&stream[..cut]);
            let mut got = Vec::new();
            while let Some(f) = c.decode(&mut buf).unwrap() {
                got.push(f.to_vec());
            }
            buf.extend_from_slice(&stream[cut..]);
            while let Some(f) = c.decode(&mut buf).unwrap() {
                got.push(f.to_vec());
            }
            assert!(c.decode_eof(&mut buf).unwrap().is_none());
            assert_eq!(got, want, "cut at {cut}");
        }
    }

    #[test]
    fn value_fed_one_byte_at_a_time_is_scanned_once() {
        let mut c = RespCodec::default();
        let mut line = b"+".to_vec();
        line.extend(std::iter::repeat_n(b'x', 100_000));
        line.extend_from_slice(b"\r\n");
        let mut buf = BytesMut::new();
        let mut got = None;
        for b in &line {
            buf.put_u8(*b);
            if let Some(f) = c.decode(&mut buf).unwrap() {
                got = Some(f);
            }
        }
        assert_eq!(got.unwrap().len(), line.len());
        assert!(c.scanned_bytes() <= line.len() as u64 + 2, "scanned {} bytes", c.scanned_bytes());
    }

    #[test]
    fn every_byte_but_payloads_is_scanned_once_and_the_default_max_is_exact() {
        assert_eq!(DEFAULT_MAX, 67_108_864);
        // Type bytes and lines are scanned; a payload is skipped by its
        // length, its `\r\n` checked.
        for (v, payload) in [(&b"+OK\r\n"[..], 0), (b"$5\r\nhello\r\n", 5), (b"*2\r\n$3\r\nGET\r\n:1\r\n", 3)] {
            let mut c = RespCodec::default();
            assert_eq!(frames(&mut c, v).unwrap(), vec![v.to_vec()]);
            assert_eq!(c.scanned_bytes(), (v.len() - payload) as u64, "{:?}", std::str::from_utf8(v));
            // Cut anywhere, the second read goes on where the first stopped.
            for cut in 1..v.len() {
                let mut c = RespCodec::default();
                let mut buf = BytesMut::from(&v[..cut]);
                assert!(c.decode(&mut buf).unwrap().is_none());
                buf.extend_from_slice(&v[cut..]);
                assert_eq!(c.decode(&mut buf).unwrap().as_deref(), Some(v));
                assert_eq!(c.scanned_bytes(), (v.len() - payload) as u64, "cut at {cut}");
            }
        }
    }

    #[test]
    fn least_sizes_at_max_pass_and_payloads_reserve_only_what_is_missing() {
        // `*1\r\n` then at least 3 bytes: 7 bytes at the least.
        let v = b"*1\r\n_\r\n";
        assert_eq!(frames(&mut codec(7, 4), v).unwrap(), vec![v.to_vec()]);
        let e = error(&mut codec(6, 4), v);
        assert!(matches!(e, RespError::FrameTooLarge { needed: 7, max: 6 }), "{e}");
        // A payload partly in: room for the rest of it, not more.
        let mut buf = BytesMut::with_capacity(64);
        buf.extend_from_slice(b"$1000\r\n0123456789");
        assert!(RespCodec::default().decode(&mut buf).unwrap().is_none());
        let end = 7 + 1000 + 2;
        assert!(buf.capacity() >= end && buf.capacity() < end + buf.len(), "reserved {}", buf.capacity());
        // A member's type byte where max is reached.
        let e = error(&mut codec(10, 4), b"*2\r\n+aaa\r\n+b\r\n");
        assert!(matches!(e, RespError::FrameTooLarge { needed: 11, max: 10 }), "{e}");
    }

    #[test]
    fn declared_lengths_past_i64_overflow_without_reserving() {
        for (stream, what) in [
            (&b"$9223372036854775808\r\n"[..], "length"),
            (b"$18446744073709551615\r\n", "length"),
            (b"$99999999999999999999999999\r\n", "length"),
            (b"*9223372036854775808\r\n", "count"),
            (b":9223372036854775808\r\n", "integer"),
        ] {
            let mut buf = BytesMut::from(stream);
            let cap = buf.capacity();
            let e = RespCodec::default().decode(&mut buf).unwrap_err();
            assert!(matches!(e, RespError::Overflow { what: w, offset: 0 } if w == what), "{e}");
            assert_eq!(buf.capacity(), cap);
        }
    }

    #[test]
    fn declared_length_of_2_pow_63_minus_1_is_too_large_before_any_reservation() {
        for stream in [
            &b"$9223372036854775807\r\n"[..],
            b"!9223372036854775807\r\n",
            b"*9223372036854775807\r\n",
            b"%9223372036854775807\r\n",
            b"|9223372036854775807\r\n",
            b"*1\r\n$67108860\r\n",
        ] {
            let mut buf = BytesMut::from(stream);
            let e = RespCodec::default().decode(&mut buf).unwrap_err();
            assert!(matches!(e, RespError::FrameTooLarge { max: DEFAULT_MAX, needed } if needed > DEFAULT_MAX as u64));
            assert!(buf.capacity() < 1024, "reserved {}", buf.capacity());
        }
    }

    #[test]
    fn ten_thousand_nested_arrays_are_refused_at_the_depth_limit() {
        let mut stream = b"*1\r\n".repeat(10_000);
        stream.extend_from_slice(b":1\r\n");
        let e = error(&mut RespCodec::default(), &stream);
        assert!(matches!(e, RespError::TooDeep { max: DEFAULT_DEPTH }), "{e}");
        // With a depth that allows them they decode, without recursion.
        let mut c = codec(DEFAULT_MAX, 20_000);
        assert_eq!(frames(&mut c, &stream).unwrap(), vec![stream.clone()]);
    }

    #[test]
    fn depth_counts_nesting_not_members() {
        let mut c = codec(1024, 2);
        assert_eq!(frames(&mut c, b"*2\r\n*1\r\n:1\r\n*1\r\n:2\r\n").unwrap().len(), 1);
        let e = error(&mut codec(1024, 2), b"*1\r\n*1\r\n*1\r\n:1\r\n");
        assert!(matches!(e, RespError::TooDeep { max: 2 }));
    }

    #[test]
    fn bad_type_bytes_and_bad_lines_are_typed_errors() {
        let e = error(&mut RespCodec::default(), b"+OK\r\nGET k\r\n");
        assert!(matches!(e, RespError::BadType { byte: b'G', offset: 0 }), "{e}");
        for (stream, what) in [
            (&b":12a\r\n"[..], "integer"),
            (b":\r\n", "integer"),
            (b"$+5\r\nhello\r\n", "length"),
            (b"$?\r\n", "length"),
            (b"*x\r\n", "count"),
            (b"#x\r\n", "boolean (t or f)"),
            (b",pi\r\n", "double"),
            (b"(12.5\r\n", "big number"),
        ] {
            let e = error(&mut RespCodec::default(), stream);
            assert!(matches!(&e, RespError::BadLine { what: w, offset: 0, .. } if *w == what), "{e}");
        }
        let e = error(&mut RespCodec::default(), b"_x\r\n");
        assert!(matches!(e, RespError::BadLine { what: "null (RESP3 nulls are _\\r\\n)", offset: 0, .. }), "{e}");
        // The line as text: cut at 40 bytes.
        let long = format!("#{}\r\n", "y".repeat(41));
        let e = error(&mut RespCodec::default(), long.as_bytes());
        assert!(matches!(&e, RespError::BadLine { text, .. } if *text == format!("{}...", "y".repeat(40))), "{e}");
        let e = error(&mut RespCodec::default(), b"+OK\n");
        assert!(matches!(e, RespError::BareLineFeed { offset: 3 }));
        let e = error(&mut RespCodec::default(), b"$-2\r\n");
        assert!(matches!(e, RespError::NegativeLength { declared: -2, offset: 0 }));
        let e = error(&mut RespCodec::default(), b"%-1\r\n");
        assert!(matches!(e, RespError::NegativeLength { declared: -1, .. }));
        let e = error(&mut RespCodec::default(), b"$3\r\nhello\r\n");
        assert!(matches!(e, RespError::BadPayloadEnd { offset: 7 }));
        let e = error(&mut RespCodec::default(), b"=3\r\ntxt\r\n");
        assert!(matches!(e, RespError::BadVerbatim { offset: 0 }));
        let e = error(&mut RespCodec::default(), b"*2\r\n:1\r\n");
        assert!(matches!(e, RespError::Truncated { len: 8 }));
    }

    #[test]
    fn codec_stays_failed_after_an_error() {
        let mut c = RespCodec::default();
        let mut buf = BytesMut::from(&b"?\r\n+OK\r\n"[..]);
        assert!(matches!(c.decode(&mut buf), Err(RespError::BadType { .. })));
        assert!(matches!(c.decode(&mut buf), Err(RespError::Failed)));
    }

    #[test]
    fn a_line_with_no_end_within_max_is_refused_with_bounded_buffering() {
        let mut c = codec(64, 8);
        let mut buf = BytesMut::new();
        let mut err = None;
        for _ in 0..1000 {
            buf.extend_from_slice(b"+xxxxxxx");
            match c.decode(&mut buf) {
                Ok(None) => assert!(buf.len() < 64 + 8),
                Ok(Some(f)) => panic!("frame {f:?}"),
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        assert!(matches!(err, Some(RespError::FrameTooLarge { needed: 65, max: 64 })), "{err:?}");
    }

    #[test]
    fn frame_exactly_at_max_passes_and_one_more_byte_fails() {
        let v = b"$3\r\nabc\r\n";
        assert_eq!(frames(&mut codec(v.len(), 1), v).unwrap(), vec![v.to_vec()]);
        let e = error(&mut codec(v.len() - 1, 1), v);
        assert!(matches!(e, RespError::FrameTooLarge { needed: 9, max: 8 }), "{e}");
        let v = b"+abc\r\n";
        assert_eq!(frames(&mut codec(v.len(), 1), v).unwrap(), vec![v.to_vec()]);
        let e = error(&mut codec(v.len() - 1, 1), v);
        assert!(matches!(e, RespError::FrameTooLarge { needed: 6, max: 5 }), "{e}");
    }

    #[test]
    fn encoder_turns_words_into_an_array_and_sends_values_as_is() {
        let mut c = RespCodec::default();
        let mut wire = BytesMut::new();
        c.encode(&b"  GET\tkey \r\n"[..], &mut wire).unwrap();
        assert_eq!(&wire[..], b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n");
        wire.clear();
        c.encode(&b"$2\r\n\r\n\r\n"[..], &mut wire).unwrap();
        assert_eq!(&wire[..], b"$2\r\n\r\n\r\n");
        let mut w = vec![b'x'; 1000];
        w.extend_from_slice(b" y");
        wire.clear();
        c.encode(&w[..], &mut wire).unwrap();
        assert_eq!(frames(&mut RespCodec::default(), &wire).unwrap(), vec![wire.to_vec()]);
        assert!(wire.starts_with(b"*2\r\n$1000\r\nxxx"));
    }

    #[test]
    fn encoder_refuses_what_it_cannot_send_as_one_value() {
        let mut c = codec(32, 2);
        let mut wire = BytesMut::new();
        assert!(matches!(c.encode(&b" \r\n"[..], &mut wire), Err(RespError::EmptyCommand)));
        assert!(matches!(c.encode(&b"$5\r\nhel"[..], &mut wire), Err(RespError::IncompleteMessage { len: 7 })));
        assert!(matches!(c.encode(&b"+a\r\n+b\r\n"[..], &mut wire), Err(RespError::TrailingBytes { at: 4 })));
        assert!(matches!(c.encode(&b"*1\r\n*1\r\n*1\r\n:1\r\n"[..], &mut wire), Err(RespError::TooDeep { max: 2 })));
        assert!(matches!(c.encode(&[b'x'; 40][..], &mut wire), Err(RespError::FrameTooLarge { needed: 51, max: 32 })));
        assert!(wire.is_empty());
    }

    #[test]
    fn a_command_of_exactly_the_maximum_is_sent_and_bytes_encode_as_slices() {
        // `*1\r\n$40\r\n` + 40 bytes + `\r\n`: 51 bytes, the maximum itself.
        let mut c = codec(51, 2);
        let mut wire = BytesMut::new();
        Encoder::<Bytes>::encode(&mut c, Bytes::from(vec![b'x'; 40]), &mut wire).unwrap();
        assert_eq!(wire.len(), 51);
        assert_eq!(&wire[..9], b"*1\r\n$40\r\n");
        assert_eq!(&wire[49..], b"\r\n");
        // A value goes out as is through the `Bytes` encoder too, and is checked.
        wire.clear();
        Encoder::<Bytes>::encode(&mut c, Bytes::from_static(b":-7\r\n"), &mut wire).unwrap();
        assert_eq!(&wire[..], b":-7\r\n");
        let e = Encoder::<Bytes>::encode(&mut c, Bytes::from_static(b"+a\r\n+b\r\n"), &mut wire).unwrap_err();
        assert!(matches!(e, RespError::TrailingBytes { at: 4 }), "{e}");
        assert_eq!(&wire[..], b":-7\r\n");
    }

    #[test]
    fn integers_parse_strictly() {
        assert_eq!(parse_i64(b"-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775807"), Ok(i64::MAX));
        assert_eq!(parse_i64(b"+7"), Ok(7));
        assert_eq!(parse_i64(b"9223372036854775808"), Err(IntError::Overflow));
        assert_eq!(parse_i64(b"-9223372036854775809"), Err(IntError::Overflow));
        assert_eq!(parse_i64(b"-"), Err(IntError::Bad));
        assert_eq!(parse_i64(b" 1"), Err(IntError::Bad));
        assert_eq!(parse_len(b"+1"), Err(IntError::Bad));
    }
}
