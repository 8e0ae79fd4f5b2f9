//! Length-prefix framing: a length field (a fixed-width integer or a
//! varint), then the body; optionally some bytes before the field.
//!
//! ```text
//! +-------------+--------------------------------+
//! | len: u32 BE |          frame payload         |
//! +-------------+--------------------------------+
//!  width bytes    len bytes (or len - width when the
//!                 length counts the header too)
//! ```
//!
//! The header is 1, 2, 4 or 8 bytes wide, big or little endian, signed or
//! unsigned, and counts either the body alone or header plus body; or it is
//! an unsigned LEB128 varint (`varint`: 1 to 10 bytes, as protobuf's
//! length-delimited streams and MQTT's remaining length). As tokio-util's
//! `LengthDelimitedCodec`'s `length_field_offset` and `length_adjustment`,
//! `offset=N` puts the first N bytes of each message before the field (a
//! type byte: MQTT is `varint,offset=1`) and `adjust=N` says the field
//! counts N fewer bytes than follow it (PostgreSQL's counts itself:
//! `i32be,offset=1,adjust=-4`). A decoded message is the bytes before the
//! field and the body, without the field.
//! [`LengthPrefix`] describes one such format; named presets cover the
//! common ones (`u32be`, the default; `i32le`, Python's `struct.pack('i')`
//! on x86 as in the basics and length-as-text tutorials; `i64le`,
//! `struct.pack('q')` as in the JSON-header tutorial;
//! `u16be`, ...).
//!
//! ```
//! use bytes::BytesMut;
//! use framelab::framing::{LengthPrefix, LengthPrefixCodec};
//! use tokio_util::codec::{Decoder, Encoder};
//!
//! let mut codec = LengthPrefixCodec::new(LengthPrefix::preset("i32le").unwrap());
//! let mut wire = BytesMut::new();
//! codec.encode(&b"hello"[..], &mut wire).unwrap();
//! assert_eq!(&wire[..], b"\x05\x00\x00\x00hello");
//! // A header cut in two is simply "not yet".
//! let mut part = wire.split_to(2);
//! assert!(codec.decode(&mut part).unwrap().is_none());
//! part.unsplit(wire);
//! assert_eq!(&codec.decode(&mut part).unwrap().unwrap()[..], b"hello");
//! ```
//!
//! # Limits
//!
//! Every codec has a maximum body length (`max_frame`, 8 MiB by default).
//! A header that declares more, a negative length (signed formats), a
//! length smaller than the header itself (header-inclusive formats) or a
//! length whose header+body sum overflows is an error, returned as soon as
//! the header is complete, before any body byte is awaited. Memory is never
//! reserved from a declared length: the decoder reserves at most the bytes
//! still missing from a frame it has already accepted as within the
//! maximum. After an error the stream is out of step (the decoder cannot
//! know where the next header starts): the codec stays failed and returns
//! [`LengthPrefixError::Failed`] from then on, so callers must drop the
//! connection.

use std::fmt;
use std::io;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::units::Size;

#[cfg(test)]
mod seeds;
mod spec;

pub use spec::{FUZZ_PRESETS, LengthPrefixStrategy};
pub(crate) use spec::{one_byte_has_no_byte_order, parse_prefix_item};

/// Byte order of a length header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endian {
    /// Most significant byte first (network order).
    Big,
    /// Least significant byte first (x86 native order).
    Little,
}

/// A length-prefix wire format: the header's shape and the frame maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LengthPrefix {
    /// Header width in bytes: 1, 2, 4 or 8 (unused when `varint`).
    pub width: u8,
    /// The length field is an unsigned LEB128 varint of 1 to
    /// [`MAX_VARINT`] bytes, not a fixed-width integer.
    pub varint: bool,
    /// Bytes of each message that stand before the length field (counted
    /// by no length; at most [`MAX_OFFSET`]).
    pub offset: usize,
    /// What to add to the field's value to get the bytes that follow the
    /// field (`-4` for a length that counts its own 4 bytes).
    pub adjust: i64,
    /// Byte order of the header.
    pub endian: Endian,
    /// Whether the header is a two's-complement signed integer.
    pub signed: bool,
    /// Whether the length counts the header bytes as well as the body.
    pub includes_header: bool,
    /// Largest body accepted or produced, in bytes.
    pub max_frame: usize,
}

/// The longest varint: 10 bytes carry 64 bits.
pub const MAX_VARINT: usize = 10;

/// The most bytes a message may put before its length field.
pub const MAX_OFFSET: usize = 64;

/// The largest `adjust`, either way.
pub const MAX_ADJUST: i64 = 1 << 20;

/// Default maximum body length: 8 MiB.
pub const DEFAULT_MAX_FRAME: usize = 8 * 1024 * 1024;

/// Named presets accepted by [`LengthPrefix::preset`].
pub const PRESETS: &[(&str, &str)] = &[
    ("u32be", "4-byte unsigned big-endian (network order); the default"),
    ("u32le", "4-byte unsigned little-endian"),
    ("i32le", "4-byte signed little-endian: Python struct.pack('i') on x86 (the Basics and Length-as-text tutorials)"),
    ("i32be", "4-byte signed big-endian: struct.pack('!i')"),
    ("u16be", "2-byte unsigned big-endian"),
    ("u16le", "2-byte unsigned little-endian"),
    ("u8", "1-byte unsigned"),
    ("u64be", "8-byte unsigned big-endian"),
    ("u64le", "8-byte unsigned little-endian"),
    ("i64le", "8-byte signed little-endian: Python struct.pack('q') on x86 (the JSON-header tutorial)"),
    ("i64be", "8-byte signed big-endian"),
    ("varint", "unsigned LEB128, 1 to 10 bytes: protobuf length-delimited, MQTT remaining length (with offset=1)"),
];

impl Default for LengthPrefix {
    fn default() -> Self {
        LengthPrefix {
            width: 4,
            endian: Endian::Big,
            signed: false,
            includes_header: false,
            max_frame: DEFAULT_MAX_FRAME,
            varint: false,
            offset: 0,
            adjust: 0,
        }
    }
}

impl LengthPrefix {
    /// Looks up a named preset (`u32be`, `i32le`, `i64le`, `u16be`, ...).
    ///
    /// Names follow the pattern `[ui](8|16|32|64)(be|le)`; `u8`/`i8` need no
    /// byte order. Returns `None` for anything else.
    pub fn preset(name: &str) -> Option<LengthPrefix> {
        let name = name.trim().to_ascii_lowercase();
        if name == "varint" {
            return Some(LengthPrefix { varint: true, width: 1, ..LengthPrefix::default() });
        }
        let (signed, rest) = match name.as_bytes().first()? {
            b'u' => (false, &name[1..]),
            b'i' => (true, &name[1..]),
            _ => return None,
        };
        let (bits, endian) = if let Some(b) = rest.strip_suffix("be") {
            (b, Endian::Big)
        } else if let Some(b) = rest.strip_suffix("le") {
            (b, Endian::Little)
        } else if rest == "8" {
            ("8", Endian::Big)
        } else {
            return None;
        };
        let width = match bits {
            "8" => 1,
            "16" => 2,
            "32" => 4,
            "64" => 8,
            _ => return None,
        };
        Some(LengthPrefix { width, endian, signed, ..LengthPrefix::default() })
    }

    /// Checks that the width is one of 1, 2, 4, 8 (any, for a varint).
    pub fn validate(&self) -> Result<(), BadWidth> {
        if !self.varint && !matches!(self.width, 1 | 2 | 4 | 8) {
            return Err(BadWidth(self.width));
        }
        Ok(())
    }

    /// The spec text of this header (`u32be,includes-header,max=1MiB`),
    /// with its maximum written under the key `max_key` (json-header calls
    /// it `header-max`).
    pub fn spec_text(&self, max_key: &'static str) -> impl fmt::Display + '_ {
        SpecText { prefix: self, max_key }
    }

    /// The length field's width in bytes: the most, for a varint.
    pub fn header_len(&self) -> usize {
        if self.varint { MAX_VARINT } else { self.width as usize }
    }

    /// The most framing bytes a frame adds to a message: the field.
    pub fn max_overhead(&self) -> usize {
        self.header_len()
    }

    /// The largest message: the bytes before the field and the largest
    /// body.
    pub fn max_message(&self) -> usize {
        self.max_body().saturating_add(self.offset)
    }

    /// The largest body this format carries: `max_frame`, or less when the
    /// header is too narrow to declare it (a `u8` header declares at most
    /// 255 bytes of body, 254 when the length counts the header too).
    pub fn max_body(&self) -> usize {
        let header = if self.includes_header { self.width as i128 } else { 0 };
        let room = (self.width_max() as i128 - header + self.adjust as i128).max(0);
        self.max_frame.min(usize::try_from(room).unwrap_or(usize::MAX))
    }

    /// The short preset name of this header shape (`u32be`, `i64le`, ...).
    pub fn shape_name(&self) -> String {
        if self.varint {
            return "varint".into();
        }
        let bits = self.width as u32 * 8;
        let sign = if self.signed { 'i' } else { 'u' };
        if self.width == 1 {
            format!("{sign}8")
        } else {
            let e = match self.endian {
                Endian::Big => "be",
                Endian::Little => "le",
            };
            format!("{sign}{bits}{e}")
        }
    }

    /// The largest length value the header can carry.
    pub fn width_max(&self) -> u64 {
        if self.varint {
            return u64::MAX;
        }
        let bits = self.width as u32 * 8;
        let unsigned_max = if bits == 64 { u64::MAX } else { (1u64 << bits) - 1 };
        if self.signed { unsigned_max >> 1 } else { unsigned_max }
    }

    /// Reads the header at the start of `buf` (which holds at least
    /// `width` bytes) as a signed 128-bit value, so that every width and
    /// sign fits without overflow.
    #[inline]
    pub fn read_raw(&self, buf: &[u8]) -> i128 {
        let mut head = &buf[..self.header_len()];
        let w = head.len();
        // bytes' fixed-width getters for the widths `validate` allows: every
        // decoded frame goes through here, and `get_uint(w)` with a width
        // known only at run time costs about 4 ns more per header (a
        // variable-length copy), a quarter of the decode time of 16 B frames.
        let v = match (w, self.endian) {
            (1, _) => head.get_u8().into(),
            (2, Endian::Big) => head.get_u16().into(),
            (2, Endian::Little) => head.get_u16_le().into(),
            (4, Endian::Big) => head.get_u32().into(),
            (4, Endian::Little) => head.get_u32_le().into(),
            (8, Endian::Big) => head.get_u64(),
            (8, Endian::Little) => head.get_u64_le(),
            (_, Endian::Big) => head.get_uint(w),
            (_, Endian::Little) => head.get_uint_le(w),
        };
        if self.signed {
            let shift = 64 - w as u32 * 8;
            (((v << shift) as i64) >> shift) as i128
        } else {
            v as i128
        }
    }

    /// Writes `value` as a header, truncated to the width (two's
    /// complement for negative values; a varint of its low 64 bits). Used
    /// to forge malformed headers.
    pub fn write_raw(&self, value: i128, dst: &mut impl BufMut) {
        if self.varint {
            return put_varint(value as u64, dst);
        }
        let w = self.header_len();
        match self.endian {
            Endian::Big => dst.put_uint(value as u64, w),
            Endian::Little => dst.put_uint_le(value as u64, w),
        }
    }

    /// Turns a header value into a body length, enforcing every limit.
    #[inline]
    pub fn body_len(&self, raw: i128) -> Result<usize, LengthPrefixError> {
        if raw < 0 {
            return Err(LengthPrefixError::NegativeLength { declared: raw as i64 });
        }
        let body = if self.includes_header {
            let h = self.header_len() as i128;
            if raw < h {
                return Err(LengthPrefixError::LengthBelowHeader { declared: raw as u64, header: self.width });
            }
            raw - h
        } else {
            raw
        };
        let body = body + self.adjust as i128;
        if body < 0 {
            return Err(LengthPrefixError::LengthBelowAdjustment { declared: raw as u64, adjust: self.adjust });
        }
        if body > self.max_frame as i128 {
            return Err(LengthPrefixError::FrameTooLarge { declared: raw as u64, max: self.max_frame });
        }
        // offset + header + body must fit in usize for the buffer arithmetic.
        (body as usize)
            .checked_add(self.header_len() + self.offset)
            .ok_or(LengthPrefixError::Overflow { declared: raw as u64 })?;
        Ok(body as usize)
    }

    /// The frame head at the start of `buf`, past the bytes before the
    /// field: the field's width and the body length, `None` while the
    /// field is incomplete.
    #[inline]
    pub fn read_head(&self, buf: &[u8]) -> Result<Option<(usize, usize)>, LengthPrefixError> {
        let Some(field) = buf.get(self.offset..) else { return Ok(None) };
        if self.varint {
            return match read_varint(field)? {
                Some((value, n)) => Ok(Some((n, self.body_len(value as i128)?))),
                None => Ok(None),
            };
        }
        let w = self.width as usize;
        if field.len() < w {
            return Ok(None);
        }
        Ok(Some((w, self.body_len(self.read_raw(field))?)))
    }

    /// The header value that announces a body of `len` bytes.
    pub fn header_value(&self, len: usize) -> Result<u64, LengthPrefixError> {
        if len > self.max_frame {
            return Err(LengthPrefixError::FrameTooLarge { declared: len as u64, max: self.max_frame });
        }
        let header = if self.includes_header { self.width as i128 } else { 0 };
        let value = len as i128 + header - self.adjust as i128;
        if value < 0 || value > self.width_max() as i128 {
            return Err(LengthPrefixError::DoesNotFitHeader { len, width_max: self.width_max() });
        }
        Ok(value as u64)
    }

    /// Writes the field that announces `value`.
    #[inline]
    fn put_field(&self, value: u64, dst: &mut impl BufMut) {
        if self.varint { put_varint(value, dst) } else { self.write_raw(value as i128, dst) }
    }
}

/// Reads an unsigned LEB128 varint at the start of `buf`: its value and
/// width, `None` while no byte ends it and fewer than [`MAX_VARINT`] bytes
/// are there. An overlong encoding (a last byte of 0 after the first) or
/// one past 64 bits is an error.
#[inline]
pub fn read_varint(buf: &[u8]) -> Result<Option<(u64, usize)>, LengthPrefixError> {
    let mut value: u64 = 0;
    for (i, &b) in buf.iter().take(MAX_VARINT).enumerate() {
        let bits = u64::from(b & 0x7f);
        if i == MAX_VARINT - 1 && b > 1 {
            return Err(LengthPrefixError::BadVarint { reason: "more than 64 bits" });
        }
        value |= bits << (7 * i);
        if b & 0x80 == 0 {
            if i > 0 && b == 0 {
                return Err(LengthPrefixError::BadVarint { reason: "overlong (a last byte of 0)" });
            }
            return Ok(Some((value, i + 1)));
        }
    }
    if buf.len() >= MAX_VARINT {
        return Err(LengthPrefixError::BadVarint { reason: "more than 64 bits" });
    }
    Ok(None)
}

/// Writes `value` as an unsigned LEB128 varint (the shortest).
pub fn put_varint(mut value: u64, dst: &mut impl BufMut) {
    while value >= 0x80 {
        dst.put_u8(value as u8 | 0x80);
        value >>= 7;
    }
    dst.put_u8(value as u8);
}

/// A header width other than 1, 2, 4 or 8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("header width must be 1, 2, 4 or 8 bytes, not {0}")]
pub struct BadWidth(pub u8);

/// See [`LengthPrefix::spec_text`].
struct SpecText<'a> {
    prefix: &'a LengthPrefix,
    max_key: &'static str,
}

impl fmt::Display for SpecText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.prefix;
        write!(f, "{}", p.shape_name())?;
        if p.includes_header {
            write!(f, ",includes-header")?;
        }
        if p.offset != 0 {
            write!(f, ",offset={}", p.offset)?;
        }
        if p.adjust != 0 {
            write!(f, ",adjust={}", p.adjust)?;
        }
        write!(f, ",{}={}", self.max_key, Size(p.max_frame))
    }
}

/// The spec text after `length-prefix:` (`u32be,max=8MiB`).
impl fmt::Display for LengthPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.spec_text("max").fmt(f)
    }
}

/// What can go wrong decoding or encoding length-prefixed frames.
#[derive(Debug, thiserror::Error)]
pub enum LengthPrefixError {
    /// A signed header carried a negative value.
    #[error("negative length {declared} in header")]
    NegativeLength {
        /// The value the header declared.
        declared: i64,
    },
    /// The declared body is larger than the codec's maximum.
    #[error("declared length {declared} exceeds the maximum frame of {max} bytes")]
    FrameTooLarge {
        /// The value the header declared (or the message length, encoding).
        declared: u64,
        /// The codec's maximum body length.
        max: usize,
    },
    /// A header-inclusive length smaller than the header itself.
    #[error("declared length {declared} is smaller than the {header}-byte header it includes")]
    LengthBelowHeader {
        /// The value the header declared.
        declared: u64,
        /// Header width.
        header: u8,
    },
    /// header + body does not fit the arithmetic.
    #[error("header plus body length overflows (declared {declared})")]
    Overflow {
        /// The value the header declared.
        declared: u64,
    },
    /// The encoder was given a message whose length the header cannot hold.
    #[error("a {len}-byte message does not fit a header whose largest value is {width_max}")]
    DoesNotFitHeader {
        /// The message length.
        len: usize,
        /// The header's largest value.
        width_max: u64,
    },
    /// A length that is below 0 once adjusted.
    #[error("declared length {declared} is below 0 once adjusted by {adjust}")]
    LengthBelowAdjustment {
        /// The value the header declared.
        declared: u64,
        /// The adjustment.
        adjust: i64,
    },
    /// A varint length field that is not one.
    #[error("bad varint length: {reason}")]
    BadVarint {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The encoder was given a message shorter than the bytes that go
    /// before the length field.
    #[error("a {len}-byte message is shorter than the {offset} bytes before the length field")]
    ShorterThanOffset {
        /// The message length.
        len: usize,
        /// The offset.
        offset: usize,
    },
    /// An earlier error left the stream out of step.
    #[error("stream is out of step after an earlier framing error")]
    Failed,
    /// An I/O error from the transport (only produced by `Framed`).
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Private decoder state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DecodeState {
    /// Waiting for a complete header.
    Head,
    /// Header consumed; waiting for this many body bytes.
    Data(usize),
    /// An error was returned; the stream is out of step.
    Failed,
}

/// Decoder and encoder for one [`LengthPrefix`] format.
///
/// Decoded frames are split off the input buffer (no copy).
#[derive(Debug, Clone)]
pub struct LengthPrefixCodec {
    format: LengthPrefix,
    state: DecodeState,
}

impl LengthPrefixCodec {
    /// A codec for `format`.
    ///
    /// # Panics
    /// If the width is not 1, 2, 4 or 8 (see [`LengthPrefix::validate`]).
    pub fn new(format: LengthPrefix) -> Self {
        if let Err(e) = format.validate() {
            panic!("{e}");
        }
        LengthPrefixCodec { format, state: DecodeState::Head }
    }

    /// The wire format.
    pub fn format(&self) -> &LengthPrefix {
        &self.format
    }

    fn fail(&mut self, e: LengthPrefixError) -> Result<Option<BytesMut>, LengthPrefixError> {
        self.state = DecodeState::Failed;
        Err(e)
    }
}

impl Default for LengthPrefixCodec {
    fn default() -> Self {
        LengthPrefixCodec::new(LengthPrefix::default())
    }
}

impl Decoder for LengthPrefixCodec {
    type Item = BytesMut;
    type Error = LengthPrefixError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, LengthPrefixError> {
        let body = match self.state {
            DecodeState::Head => {
                let (h, n) = match self.format.read_head(src) {
                    Ok(Some(head)) => head,
                    Ok(None) => return Ok(None),
                    Err(e) => return self.fail(e),
                };
                let off = self.format.offset;
                if off > 0 {
                    // The message is the bytes before the field and the
                    // body: move the first up against the body, over the
                    // field (no allocation, no copy of the body).
                    src.copy_within(0..off, h);
                }
                src.advance(h);
                let n = off + n;
                if src.len() < n {
                    self.state = DecodeState::Data(n);
                    // Reserve, once per frame, only what is missing of a
                    // frame already checked against the maximum.
                    src.reserve(n - src.len());
                    return Ok(None);
                }
                // A whole frame (the usual case with many frames per read)
                // goes from header to split without touching the state.
                n
            }
            DecodeState::Data(n) => {
                if src.len() < n {
                    return Ok(None);
                }
                self.state = DecodeState::Head;
                n
            }
            DecodeState::Failed => return Err(LengthPrefixError::Failed),
        };
        Ok(Some(src.split_to(body)))
    }
}

impl super::FrameSlices for LengthPrefixCodec {
    type Error = LengthPrefixError;

    fn frames<F: FnMut(&[u8])>(&mut self, buf: &mut BytesMut, mut frame: F) -> Result<usize, LengthPrefixError> {
        if self.format.offset > 0 {
            // Bytes before the field: a message is not one slice of the
            // stream, the decoder moves them up to the body.
            return super::slices::via_decoder(self, buf, frame, |m| &m[..]);
        }
        let data = &buf[..];
        // Bytes of `data` already handed out (or, in `Data`, whose header
        // was read): `buf` is advanced past them once, at the end.
        let mut pos = 0;
        let mut count = 0;
        let got = loop {
            let from = pos;
            let body = match self.state {
                DecodeState::Head => match self.format.read_head(&data[pos..]) {
                    Ok(Some((h, n))) => {
                        pos += h;
                        n
                    }
                    Ok(None) => break Ok(()),
                    Err(e) => {
                        self.state = DecodeState::Failed;
                        break Err(e);
                    }
                },
                DecodeState::Data(n) => n,
                DecodeState::Failed => break Err(LengthPrefixError::Failed),
            };
            match data.get(pos..pos + body) {
                Some(f) => {
                    frame(f);
                    count += 1;
                    pos += body;
                    self.state = DecodeState::Head;
                    // A frame consumes its header, or the rest of a body
                    // (never empty): otherwise this loop would hand out the
                    // same frame forever.
                    debug_assert!(pos > from, "frames made no progress");
                }
                None => {
                    self.state = DecodeState::Data(body);
                    break Ok(());
                }
            }
        };
        buf.advance(pos);
        if let DecodeState::Data(n) = self.state {
            // As `decode`: room only for what is missing of a frame already
            // checked against the maximum.
            buf.reserve(n.saturating_sub(buf.len()));
        }
        got.map(|()| count)
    }

    /// In the middle of a body: what is missing of it (the header is read
    /// and the body so far is all of `buf`, in `decode` and `frames` alike).
    fn missing(&self, buf: &BytesMut) -> Option<usize> {
        match self.state {
            DecodeState::Data(n) => Some(n.saturating_sub(buf.len())),
            DecodeState::Head | DecodeState::Failed => None,
        }
    }
}

impl Encoder<&[u8]> for LengthPrefixCodec {
    type Error = LengthPrefixError;

    fn encode(&mut self, item: &[u8], dst: &mut BytesMut) -> Result<(), LengthPrefixError> {
        let off = self.format.offset;
        let Some(rest) = item.get(off..) else {
            return Err(LengthPrefixError::ShorterThanOffset { len: item.len(), offset: off });
        };
        let value = self.format.header_value(rest.len())?;
        dst.reserve(self.format.header_len() + item.len());
        dst.put_slice(&item[..off]);
        self.format.put_field(value, dst);
        dst.put_slice(rest);
        Ok(())
    }
}

impl Encoder<Bytes> for LengthPrefixCodec {
    type Error = LengthPrefixError;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), LengthPrefixError> {
        self.encode(&item[..], dst)
    }
}

#[cfg(test)]
mod fields_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(name: &str, max: usize) -> LengthPrefix {
        LengthPrefix { max_frame: max, ..LengthPrefix::preset(name).unwrap() }
    }

    #[test]
    fn presets_parse_to_the_documented_shapes() {
        let p = LengthPrefix::preset("i32le").unwrap();
        assert_eq!((p.width, p.endian, p.signed), (4, Endian::Little, true));
        let p = LengthPrefix::preset("i64le").unwrap();
        assert_eq!((p.width, p.endian, p.signed), (8, Endian::Little, true));
        let p = LengthPrefix::preset("u16be").unwrap();
        assert_eq!((p.width, p.endian, p.signed), (2, Endian::Big, false));
        assert_eq!(LengthPrefix::preset("u32be").unwrap(), LengthPrefix::default());
        assert!(LengthPrefix::preset("u24be").is_none());
        assert!(LengthPrefix::preset("x32be").is_none());
        for (name, _) in PRESETS {
            assert_eq!(LengthPrefix::preset(name).unwrap().shape_name(), *name);
        }
    }

    #[test]
    fn header_split_across_reads_is_reassembled() {
        let mut c = LengthPrefixCodec::default();
        let mut buf = BytesMut::new();
        for b in b"\x00\x00\x00\x03abc" {
            assert!(c.decode(&mut buf).unwrap().is_none());
            buf.put_u8(*b);
        }
        assert_eq!(&c.decode(&mut buf).unwrap().unwrap()[..], b"abc");
        assert!(buf.is_empty());
    }

    #[test]
    fn many_frames_in_one_buffer_decode_in_order() {
        let mut c = LengthPrefixCodec::new(fmt("u16le", 100));
        let mut buf = BytesMut::new();
        for m in [&b"a"[..], b"", b"hello"] {
            c.encode(m, &mut buf).unwrap();
        }
        assert_eq!(&c.decode(&mut buf).unwrap().unwrap()[..], b"a");
        assert_eq!(&c.decode(&mut buf).unwrap().unwrap()[..], b"");
        assert_eq!(&c.decode(&mut buf).unwrap().unwrap()[..], b"hello");
        assert!(c.decode(&mut buf).unwrap().is_none());
    }

    #[test]
    fn zero_length_message_is_a_real_frame() {
        let mut c = LengthPrefixCodec::default();
        let mut buf = BytesMut::from(&b"\x00\x00\x00\x00"[..]);
        assert_eq!(c.decode(&mut buf).unwrap().unwrap().len(), 0);
    }

    #[test]
    fn frame_exactly_at_maximum_passes_and_one_over_fails() {
        let mut c = LengthPrefixCodec::new(fmt("u32be", 10));
        let mut buf = BytesMut::new();
        c.encode(&[7u8; 10][..], &mut buf).unwrap();
        assert_eq!(c.decode(&mut buf).unwrap().unwrap().len(), 10);
        assert!(matches!(c.encode(&[7u8; 11][..], &mut buf), Err(LengthPrefixError::FrameTooLarge { .. })));
        let mut buf = BytesMut::from(&b"\x00\x00\x00\x0b"[..]);
        assert!(matches!(c.decode(&mut buf), Err(LengthPrefixError::FrameTooLarge { declared: 11, max: 10 })));
        // The codec stays failed: the stream is out of step.
        assert!(matches!(c.decode(&mut buf), Err(LengthPrefixError::Failed)));
    }

    #[test]
    fn negative_i32_length_is_an_error_not_an_allocation() {
        let mut c = LengthPrefixCodec::new(fmt("i32le", 1 << 20));
        let mut buf = BytesMut::from(&(-1i32).to_le_bytes()[..]);
        let cap = buf.capacity();
        assert!(matches!(c.decode(&mut buf), Err(LengthPrefixError::NegativeLength { declared: -1 })));
        assert_eq!(buf.capacity(), cap);
    }

    #[test]
    fn width_maximum_values_are_rejected_without_reserving() {
        for (name, bytes) in [
            ("u32be", vec![0xff; 4]),
            ("u64be", vec![0xff; 8]),
            ("u64be", (1u64 << 63).to_be_bytes().to_vec()),
            ("i64le", i64::MAX.to_le_bytes().to_vec()),
            ("u16be", vec![0xff; 2]),
            ("u8", vec![0xff]),
        ] {
            let mut c = LengthPrefixCodec::new(fmt(name, 100));
            let mut buf = BytesMut::from(&bytes[..]);
            let err = c.decode(&mut buf).unwrap_err();
            assert!(matches!(err, LengthPrefixError::FrameTooLarge { .. }), "{name}: {err}");
            assert!(buf.capacity() < 1024, "{name} reserved {}", buf.capacity());
        }
    }

    #[test]
    fn u64_length_of_2_pow_63_is_too_large_even_with_a_huge_maximum() {
        let mut c = LengthPrefixCodec::new(fmt("u64be", usize::MAX));
        let mut buf = BytesMut::from(&u64::MAX.to_be_bytes()[..]);
        // usize::MAX body + 8 header bytes overflows.
        assert!(matches!(c.decode(&mut buf), Err(LengthPrefixError::Overflow { .. })));
    }

    #[test]
    fn big_endian_peer_against_i32le_reader_reads_a_huge_length() {
        // B6: u32be length 5 read as i32le is 0x05000000 = 83886080.
        let mut c = LengthPrefixCodec::new(fmt("i32le", 1 << 20));
        let mut buf = BytesMut::from(&b"\x00\x00\x00\x05hello"[..]);
        assert!(matches!(c.decode(&mut buf), Err(LengthPrefixError::FrameTooLarge { declared: 83886080, .. })));
    }

    #[test]
    fn header_inclusive_lengths_count_the_header() {
        let f = LengthPrefix { includes_header: true, ..fmt("u16be", 100) };
        let mut c = LengthPrefixCodec::new(f);
        let mut buf = BytesMut::new();
        c.encode(&b"abc"[..], &mut buf).unwrap();
        assert_eq!(&buf[..2], &[0, 5]);
        assert_eq!(&c.decode(&mut buf).unwrap().unwrap()[..], b"abc");
        let mut buf = BytesMut::from(&b"\x00\x01"[..]);
        assert!(matches!(c.decode(&mut buf), Err(LengthPrefixError::LengthBelowHeader { declared: 1, header: 2 })));
    }

    #[test]
    fn encoder_refuses_a_message_wider_than_the_header() {
        let mut c = LengthPrefixCodec::new(fmt("u8", 1000));
        let mut buf = BytesMut::new();
        assert!(matches!(c.encode(&[0u8; 256][..], &mut buf), Err(LengthPrefixError::DoesNotFitHeader { .. })));
        c.encode(&[0u8; 255][..], &mut buf).unwrap();
        assert_eq!(buf[0], 255);
        let mut c = LengthPrefixCodec::new(LengthPrefix { includes_header: true, ..fmt("u8", 1000) });
        assert!(matches!(c.encode(&[0u8; 255][..], &mut buf), Err(LengthPrefixError::DoesNotFitHeader { .. })));
    }

    #[test]
    fn missing_counts_the_rest_of_a_body_whose_header_was_read() {
        use crate::framing::FrameSlices;

        for by_slices in [false, true] {
            let mut c = LengthPrefixCodec::default();
            let mut buf = BytesMut::from(&b"\0\0"[..]);
            let step = |c: &mut LengthPrefixCodec, buf: &mut BytesMut| {
                if by_slices {
                    c.frames(buf, |_| {}).unwrap();
                } else {
                    c.decode(buf).unwrap();
                }
            };
            step(&mut c, &mut buf);
            assert_eq!(c.missing(&buf), None, "half a header");
            buf.extend_from_slice(b"\0\x0aabc");
            step(&mut c, &mut buf);
            assert_eq!(c.missing(&buf), Some(7), "3 of 10 body bytes");
            buf.extend_from_slice(b"defghij");
            step(&mut c, &mut buf);
            assert_eq!(c.missing(&buf), None, "the frame is out");
            buf.extend_from_slice(b"\xff\xff\xff\xff");
            assert!(c.decode(&mut buf).is_err());
            assert_eq!(c.missing(&buf), None, "failed");
        }
    }

    #[test]
    fn body_split_reserves_only_what_is_missing() {
        let mut c = LengthPrefixCodec::new(fmt("u32be", 1 << 20));
        let mut buf = BytesMut::with_capacity(8);
        buf.put_slice(&1000u32.to_be_bytes());
        buf.put_slice(b"xy");
        assert!(c.decode(&mut buf).unwrap().is_none());
        assert!(buf.capacity() >= 1000 && buf.capacity() < 4096);
    }

    #[test]
    fn max_body_is_what_the_header_can_declare() {
        // Found by roundtrip_length_prefix: a u8 codec with max_frame 256
        // claimed 256-byte messages and refused a 255-byte one.
        for (f, want) in [
            (fmt("u8", 256), 255),
            (LengthPrefix { includes_header: true, ..fmt("u8", 256) }, 254),
            (fmt("i8", 1000), 127),
            (LengthPrefix { includes_header: true, ..fmt("u16be", 1 << 20) }, 65533),
            (fmt("u32be", 256), 256),
            (LengthPrefix { includes_header: true, ..fmt("u64le", usize::MAX) }, usize::MAX - 8),
        ] {
            assert_eq!(f.max_body(), want, "{f}");
            let mut c = LengthPrefixCodec::new(f);
            if want < 1 << 20 {
                let mut buf = BytesMut::new();
                c.encode(&vec![0u8; want][..], &mut buf).unwrap();
                assert_eq!(c.decode(&mut buf).unwrap().unwrap().len(), want);
                // One byte more: too large for the maximum, or for the header.
                let e = c.encode(&vec![0u8; want + 1][..], &mut buf).unwrap_err();
                if want < f.max_frame {
                    assert!(
                        matches!(e, LengthPrefixError::DoesNotFitHeader { len, .. } if len == want + 1),
                        "{f}: {e}"
                    );
                } else {
                    assert!(matches!(e, LengthPrefixError::FrameTooLarge { max: 256, .. }), "{f}: {e}");
                }
            }
        }
    }

    #[test]
    fn raw_header_round_trips_negative_values() {
        let f = fmt("i16le", 10);
        let mut b = BytesMut::new();
        f.write_raw(-2, &mut b);
        assert_eq!(f.read_raw(&b), -2);
        let f = fmt("u16le", 10);
        assert_eq!(f.read_raw(&b), 0xfffe);
    }
}
