//! Delimiter framing: each message is followed by a delimiter byte string.
//!
//! ```text
//! +---------------------+-----+---------------------+-----+
//! |      message 1      | \n  |      message 2      | \n  |
//! +---------------------+-----+---------------------+-----+
//! ```
//!
//! The delimiter is any non-empty byte string: `\n` (the default), `\r\n`,
//! or a multi-byte marker like the sleep-fix tutorial's end marker. Single-byte
//! delimiters are found with `memchr`, longer ones with `memchr::memmem`.
//! The decoder remembers how far it has scanned, so each byte is examined
//! once (plus at most `delimiter.len() - 1` bytes of overlap per call, where
//! a delimiter could straddle two reads).
//!
//! ```
//! use bytes::BytesMut;
//! use framelab::framing::DelimiterCodec;
//! use tokio_util::codec::{Decoder, Encoder};
//!
//! let mut codec = DelimiterCodec::new(&b"\r\n"[..], 1024);
//! let mut buf = BytesMut::from(&b"one\r\ntwo\r"[..]);
//! assert_eq!(&codec.decode(&mut buf).unwrap().unwrap()[..], b"one");
//! assert!(codec.decode(&mut buf).unwrap().is_none()); // "two\r" is not a line yet
//! buf.extend_from_slice(b"\n");
//! assert_eq!(&codec.decode(&mut buf).unwrap().unwrap()[..], b"two");
//! // The encoder refuses a message that contains the delimiter.
//! assert!(codec.encode(&b"a\r\nb"[..], &mut buf).is_err());
//! ```
//!
//! # Limits
//!
//! `max_length` bounds a message, delimiter excluded (64 KiB by default).
//! When `max_length + delimiter.len()` bytes have arrived without a
//! delimiter, the decoder returns [`DelimiterError::MaxLengthExceeded`]
//! once, then discards the rest of that over-long line up to and including
//! the next delimiter, and resumes with the line after it (as tokio-util's
//! `LinesCodec` does). While discarding it keeps at most
//! `delimiter.len() - 1` bytes, so a delimiter-free stream of any length
//! is streamed through in bounded memory. At end of stream, bytes without a
//! final delimiter are an [`DelimiterError::Unterminated`] error rather
//! than a silently accepted message.

use std::io;

use std::fmt;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use memchr::memmem;
use tokio_util::codec::{Decoder, Encoder};

use super::knobs::Accepts;
use super::registry::{Codec, CodecError, FuzzBody, Strategy, StrategyInfo};
use super::spec::{Item, SpecProblem, escape, size_value, unescape, unexpected};
use super::{AnyCodec, ErrorKind, KnobError, Knobs};
use crate::units::Size;

/// Default maximum message length: 64 KiB.
pub const DEFAULT_MAX_LENGTH: usize = 64 * 1024;

/// What can go wrong decoding or encoding delimited messages.
#[derive(Debug, thiserror::Error)]
pub enum DelimiterError {
    /// More than `max` bytes arrived without a delimiter; the rest of the
    /// line is discarded.
    #[error("no delimiter within the maximum message length of {max} bytes; discarding up to the next delimiter")]
    MaxLengthExceeded {
        /// The codec's maximum message length.
        max: usize,
    },
    /// The encoder was given a message containing the delimiter.
    #[error("message contains the delimiter at byte {at}; it would be read as two messages")]
    ContainsDelimiter {
        /// Offset of the first delimiter in the message.
        at: usize,
    },
    /// The encoder was given a message longer than the maximum.
    #[error("message of {len} bytes exceeds the maximum of {max}")]
    MessageTooLong {
        /// The message length.
        len: usize,
        /// The codec's maximum message length.
        max: usize,
    },
    /// The stream ended in the middle of a message.
    #[error("stream ended with {len} bytes and no final delimiter")]
    Unterminated {
        /// How many bytes were left.
        len: usize,
    },
    /// An I/O error from the transport (only produced by `Framed`).
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Decoder and encoder for delimiter-terminated messages.
///
/// Decoded messages are split off the input buffer without the delimiter
/// (no copy).
#[derive(Debug, Clone)]
pub struct DelimiterCodec {
    /// The delimiter bytes (never empty).
    delimiter: Bytes,
    /// Searcher for multi-byte delimiters.
    finder: memmem::Finder<'static>,
    /// Largest message, delimiter excluded.
    max_length: usize,
    /// Offset in the buffer where the next search starts: bytes before it
    /// are known not to begin a delimiter.
    next_index: usize,
    /// True after `MaxLengthExceeded`, until the next delimiter.
    discarding: bool,
    /// Total bytes examined by searches (a work counter, for tests and
    /// benches: it must stay linear in the input).
    scanned: u64,
}

impl DelimiterCodec {
    /// A codec for `delimiter` with a maximum message length.
    ///
    /// # Panics
    /// If `delimiter` is empty.
    pub fn new(delimiter: impl Into<Bytes>, max_length: usize) -> Self {
        let delimiter: Bytes = delimiter.into();
        assert!(!delimiter.is_empty(), "the delimiter must not be empty");
        let finder = memmem::Finder::new(&delimiter[..]).into_owned();
        DelimiterCodec { delimiter, finder, max_length, next_index: 0, discarding: false, scanned: 0 }
    }

    /// Newline-delimited messages of at most `max_length` bytes.
    pub fn lines(max_length: usize) -> Self {
        DelimiterCodec::new(&b"\n"[..], max_length)
    }

    /// The delimiter.
    pub fn delimiter(&self) -> &[u8] {
        &self.delimiter
    }

    /// The maximum message length.
    pub fn max_length(&self) -> usize {
        self.max_length
    }

    /// Total bytes examined by delimiter searches since creation.
    pub fn scanned_bytes(&self) -> u64 {
        self.scanned
    }

    #[inline]
    fn find(&self, hay: &[u8]) -> Option<usize> {
        // A few bytes (what a slow peer's reads add between two calls) are
        // cheaper to look at inline than through memchr's dispatch.
        const SHORT: usize = 16;
        match (self.delimiter.len(), hay.len() <= SHORT) {
            (1, true) => hay.iter().position(|&b| b == self.delimiter[0]),
            (1, false) => memchr::memchr(self.delimiter[0], hay),
            (_, true) => hay.windows(self.delimiter.len()).position(|w| w == &self.delimiter[..]),
            (_, false) => self.finder.find(hay),
        }
    }
}

impl DelimiterCodec {
    /// While discarding the rest of an over-long line: drops bytes up to
    /// and including the next delimiter and returns true (decoding resumes
    /// after it), or, with no delimiter yet, keeps only a possible start of
    /// one and returns false. Kept out of `decode` so that the common path
    /// stays small.
    #[cold]
    fn discard(&mut self, src: &mut BytesMut) -> bool {
        let dlen = self.delimiter.len();
        // The search starts at the buffer's start: the bytes `too_long` or
        // the previous call kept (at most dlen - 1) may begin a delimiter.
        self.scanned += src.len() as u64;
        self.next_index = 0;
        match self.find(src) {
            Some(pos) => {
                src.advance(pos + dlen);
                self.discarding = false;
                true
            }
            None => {
                let keep = (dlen - 1).min(src.len());
                src.advance(src.len() - keep);
                false
            }
        }
    }

    /// `end` bytes (max + delimiter length) hold no delimiter: drops them
    /// but a possible start of the delimiter, and starts discarding.
    #[cold]
    fn too_long(&mut self, src: &mut BytesMut, end: usize) -> DelimiterError {
        src.advance(end - (self.delimiter.len() - 1));
        self.next_index = 0;
        self.discarding = true;
        DelimiterError::MaxLengthExceeded { max: self.max_length }
    }
}

impl Default for DelimiterCodec {
    fn default() -> Self {
        DelimiterCodec::lines(DEFAULT_MAX_LENGTH)
    }
}

impl Decoder for DelimiterCodec {
    type Item = BytesMut;
    type Error = DelimiterError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, DelimiterError> {
        if self.discarding && !self.discard(src) {
            return Ok(None);
        }
        let dlen = self.delimiter.len();
        let limit = self.max_length.saturating_add(dlen);
        let end = src.len().min(limit);
        let start = self.next_index.min(end);
        self.scanned += (end - start) as u64;
        match self.find(&src[start..end]) {
            Some(pos) => {
                let at = start + pos;
                self.next_index = 0;
                // One split takes the line with its delimiter, which is then
                // cut off the line's end: cheaper than splitting the line and
                // advancing the buffer past the delimiter.
                let mut line = src.split_to(at + dlen);
                line.truncate(at);
                Ok(Some(line))
            }
            // No delimiter within max + dlen bytes: the line is too long.
            None if end == limit => Err(self.too_long(src, end)),
            None => {
                self.next_index = end.saturating_sub(dlen - 1).max(start);
                Ok(None)
            }
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, DelimiterError> {
        if let Some(line) = self.decode(src)? {
            return Ok(Some(line));
        }
        let len = src.len();
        src.clear();
        self.next_index = 0;
        if std::mem::take(&mut self.discarding) || len == 0 {
            return Ok(None);
        }
        Err(DelimiterError::Unterminated { len })
    }
}

impl super::FrameSlices for DelimiterCodec {
    type Error = DelimiterError;

    /// `decode`'s steps on offsets into `buf`: the same searches, the same
    /// `next_index` and discarding state, so the same lines and errors.
    fn frames<F: FnMut(&[u8])>(&mut self, buf: &mut BytesMut, mut frame: F) -> Result<usize, DelimiterError> {
        let data = &buf[..];
        let dlen = self.delimiter.len();
        let limit = self.max_length.saturating_add(dlen);
        // Bytes consumed so far; `buf` is advanced past them at the end.
        let mut pos = 0;
        let mut count = 0;
        let got = loop {
            if self.discarding {
                // As `discard`: the search starts at the rest's start
                // (`next_index` is 0 while discarding).
                let rest = &data[pos..];
                self.scanned += rest.len() as u64;
                self.next_index = 0;
                match self.find(rest) {
                    Some(at) => {
                        pos += at + dlen;
                        self.discarding = false;
                    }
                    None => {
                        pos = data.len() - (dlen - 1).min(rest.len());
                        break Ok(());
                    }
                }
            }
            let rest = &data[pos..];
            let end = rest.len().min(limit);
            let start = self.next_index.min(end);
            self.scanned += (end - start) as u64;
            match self.find(&rest[start..end]) {
                Some(p) => {
                    let at = start + p;
                    self.next_index = 0;
                    frame(&rest[..at]);
                    count += 1;
                    let before = pos;
                    pos += at + dlen;
                    // A line consumes at least its delimiter: otherwise this
                    // loop would hand out the same line forever.
                    debug_assert!(pos > before, "frames made no progress");
                }
                None if end == limit => {
                    pos += end - (dlen - 1);
                    self.next_index = 0;
                    self.discarding = true;
                    break Err(DelimiterError::MaxLengthExceeded { max: self.max_length });
                }
                None => {
                    self.next_index = end.saturating_sub(dlen - 1).max(start);
                    break Ok(());
                }
            }
        };
        buf.advance(pos);
        got.map(|()| count)
    }
}

impl Encoder<&[u8]> for DelimiterCodec {
    type Error = DelimiterError;

    fn encode(&mut self, item: &[u8], dst: &mut BytesMut) -> Result<(), DelimiterError> {
        if item.len() > self.max_length {
            return Err(DelimiterError::MessageTooLong { len: item.len(), max: self.max_length });
        }
        if let Some(at) = self.find(item) {
            return Err(DelimiterError::ContainsDelimiter { at });
        }
        dst.reserve(item.len() + self.delimiter.len());
        dst.put_slice(item);
        dst.put_slice(&self.delimiter);
        Ok(())
    }
}

impl Encoder<Bytes> for DelimiterCodec {
    type Error = DelimiterError;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), DelimiterError> {
        self.encode(&item[..], dst)
    }
}

/// The delimiter strategy's knobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelimiterFormat {
    /// The delimiter bytes (non-empty).
    pub delimiter: Bytes,
    /// Largest message, delimiter excluded.
    pub max_length: usize,
}

impl Default for DelimiterFormat {
    fn default() -> Self {
        DelimiterFormat { delimiter: Bytes::from_static(b"\n"), max_length: DEFAULT_MAX_LENGTH }
    }
}

/// The `delimiter` strategy.
#[derive(Debug)]
pub struct Delimiter;

impl Strategy for Delimiter {
    const INFO: StrategyInfo = StrategyInfo {
        name: "delimiter",
        aliases: &[],
        wire: "message, then a delimiter byte string",
        knobs: &[
            (
                "delimiter",
                "\"\\n\"",
                "any non-empty bytes, escapes \\r \\n \\t \\xNN; positional: delimiter:\"\\r\\n\"",
            ),
            ("max", "64KiB", "longest message; past it: an error, then the rest of the line is discarded"),
        ],
    };
    type Format = DelimiterFormat;
    const SPEC_SEEDS: &'static [&'static str] = &[
        "delimiter",
        r#"delimiter:"\r\n",max=4KiB"#,
        r#"delimiter:"<END>""#,
        r#"delimiter:delimiter="\x00\xff\\\"",max=0"#,
        "delimiter:\"a,b\"",
        "delimiter:\"\"",
        "delimiter:\"unterminated",
        "delimiter:\\x4",
    ];

    fn apply_item(f: &mut DelimiterFormat, item: Item<'_>) -> Result<(), SpecProblem> {
        match item.key {
            _ if item.positional_first() || item.key == "delimiter" => {
                let d = unescape(item.value_str())?;
                if d.is_empty() {
                    return Err(SpecProblem::EmptyDelimiter);
                }
                f.delimiter = Bytes::from(d);
            }
            "max" => f.max_length = size_value("max", item.value)?,
            _ => return Err(unexpected("a delimiter or max=SIZE", item.text)),
        }
        Ok(())
    }

    fn write(f: &DelimiterFormat, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(out, "delimiter:{},max={}", escape(&f.delimiter), Size(f.max_length))
    }

    fn max_message(f: &DelimiterFormat) -> usize {
        f.max_length
    }

    fn codec(f: &DelimiterFormat) -> AnyCodec {
        DelimiterCodec::new(f.delimiter.clone(), f.max_length).into()
    }

    fn apply_knobs(f: &mut DelimiterFormat, knobs: &Knobs) -> Result<(), KnobError> {
        knobs.refuse(Accepts { delimiter: true, ..Accepts::default() })?;
        if let Some(d) = knobs.delimiter_bytes()? {
            f.delimiter = d;
        }
        if let Some(m) = knobs.max_frame {
            f.max_length = m;
        }
        Ok(())
    }

    fn restating_knobs(f: &DelimiterFormat) -> Knobs {
        Knobs { delimiter: Some(escape(&f.delimiter)), max_frame: Some(f.max_length), ..Knobs::default() }
    }
}

impl CodecError for DelimiterError {
    fn kind(&self) -> ErrorKind {
        match self {
            DelimiterError::MaxLengthExceeded { .. } => ErrorKind::LineTooLong,
            DelimiterError::Unterminated { .. } => ErrorKind::Unterminated,
            _ => ErrorKind::BadMessage,
        }
    }

    fn is_recoverable(&self) -> bool {
        matches!(self, DelimiterError::MaxLengthExceeded { .. })
    }
}

impl Codec for DelimiterCodec {
    const STRATEGY: &'static str = <Delimiter as Strategy>::INFO.name;
    const FUZZ: &'static [FuzzBody] = &[FuzzBody::Decode, FuzzBody::Bare, FuzzBody::Roundtrip, FuzzBody::Chunking];

    fn max_message(&self) -> usize {
        self.max_length()
    }

    fn max_overhead(&self) -> usize {
        self.delimiter().len()
    }

    fn for_fuzzing(config: u8, max: usize) -> Self {
        let delim: &'static [u8] = match config % 3 {
            0 => b"\n",
            1 => b"\r\n",
            _ => b"<END>",
        };
        DelimiterCodec::new(delim, max)
    }

    const SLICES_ROW: bool = true;

    /// `\n`-terminated lines.
    fn for_bench(_size: usize, max: usize) -> Self {
        DelimiterCodec::lines(max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(c: &mut DelimiterCodec, buf: &mut BytesMut) -> Vec<Result<Vec<u8>, DelimiterError>> {
        // Fails with a message instead of hanging on a decoder that never
        // returns Ok(None).
        crate::framing::tests::drain(c, buf, 1000)
    }

    /// The frames decoded, failing on an error.
    fn frames(got: Vec<Result<Vec<u8>, DelimiterError>>) -> Vec<Vec<u8>> {
        got.into_iter().map(|r| r.unwrap_or_else(|e| panic!("{e}"))).collect()
    }

    #[test]
    fn multi_byte_delimiter_split_across_reads_is_found() {
        let mut c = DelimiterCodec::new(&b"<END>"[..], 100);
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for b in b"hello<EN" {
            buf.put_u8(*b);
            got.extend(decode_all(&mut c, &mut buf));
        }
        assert!(got.is_empty());
        buf.put_slice(b"D>world<END>");
        got.extend(decode_all(&mut c, &mut buf));
        assert_eq!(frames(got), vec![b"hello".to_vec(), b"world".to_vec()]);
    }

    #[test]
    fn empty_message_between_delimiters_is_a_real_frame() {
        let mut c = DelimiterCodec::lines(10);
        let mut buf = BytesMut::from(&b"\n\nx\n"[..]);
        let got = decode_all(&mut c, &mut buf);
        assert_eq!(frames(got), vec![vec![], vec![], b"x".to_vec()]);
    }

    #[test]
    fn line_exactly_at_maximum_passes_and_one_over_is_discarded() {
        let mut c = DelimiterCodec::new(&b"\r\n"[..], 4);
        let mut buf = BytesMut::from(&b"abcd\r\nabcde\r\nok\r\n"[..]);
        let got = decode_all(&mut c, &mut buf);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0].as_deref().ok(), Some(&b"abcd"[..]));
        assert!(matches!(got[1], Err(DelimiterError::MaxLengthExceeded { max: 4 })), "{got:?}");
        assert_eq!(got[2].as_deref().ok(), Some(&b"ok"[..]));
    }

    #[test]
    fn delimiter_free_stream_is_held_in_bounded_memory() {
        let mut c = DelimiterCodec::new(&b"\r\n"[..], 64);
        let mut buf = BytesMut::new();
        let mut errors = 0;
        for _ in 0..10_000 {
            buf.put_slice(&[b'x'; 97]);
            for r in decode_all(&mut c, &mut buf) {
                assert!(matches!(r, Err(DelimiterError::MaxLengthExceeded { max: 64 })), "{r:?}");
                errors += 1;
            }
            assert!(buf.len() <= 64 + 2, "holding {}", buf.len());
        }
        assert_eq!(errors, 1, "one error per over-long line");
        buf.put_slice(b"\r\nnext\r\n");
        assert_eq!(frames(decode_all(&mut c, &mut buf)), vec![b"next".to_vec()]);
    }

    #[test]
    fn one_mebibyte_fed_one_byte_at_a_time_is_scanned_linearly() {
        for delim in [&b"\n"[..], b"\r\n", b"--boundary--"] {
            let mut c = DelimiterCodec::new(delim, 2 << 20);
            let mut buf = BytesMut::new();
            let n = 1 << 20;
            for _ in 0..n {
                buf.put_u8(b'a');
                assert!(c.decode(&mut buf).unwrap().is_none());
            }
            buf.put_slice(delim);
            assert_eq!(c.decode(&mut buf).unwrap().unwrap().len(), n);
            let bound = (n + delim.len()) as u64 * delim.len() as u64;
            assert!(c.scanned_bytes() <= bound, "{} scanned {} > {}", delim.len(), c.scanned_bytes(), bound);
            if delim.len() == 1 {
                assert_eq!(c.scanned_bytes(), n as u64 + 1);
            }
        }
    }

    #[test]
    fn encoder_refuses_messages_containing_the_delimiter_or_too_long() {
        let mut c = DelimiterCodec::new(&b"\r\n"[..], 5);
        let mut buf = BytesMut::new();
        assert!(matches!(c.encode(&b"a\r\nb"[..], &mut buf), Err(DelimiterError::ContainsDelimiter { at: 1 })));
        assert!(matches!(c.encode(&b"abcdef"[..], &mut buf), Err(DelimiterError::MessageTooLong { .. })));
        c.encode(&b"a\rb\n"[..], &mut buf).unwrap();
        assert_eq!(&buf[..], b"a\rb\n\r\n");
    }

    #[test]
    fn unterminated_tail_at_eof_is_an_error() {
        let mut c = DelimiterCodec::lines(10);
        let mut buf = BytesMut::from(&b"a\nbc"[..]);
        assert_eq!(&c.decode_eof(&mut buf).unwrap().unwrap()[..], b"a");
        assert!(matches!(c.decode_eof(&mut buf), Err(DelimiterError::Unterminated { len: 2 })));
        assert!(c.decode_eof(&mut buf).unwrap().is_none());
    }
}
