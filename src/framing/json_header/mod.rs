//! JSON-header framing ("version 2" of the JSON-header tutorial): a length-prefixed JSON
//! header object, then the body it describes.
//!
//! ```text
//! +-------------+----------------------------------------+--------------+
//! | len: u32 BE | {"total_size": N, "filename": "a.txt", |  N body      |
//! |             |  "sha256": "9f86d0..."}                |  bytes       |
//! +-------------+----------------------------------------+--------------+
//!   header len    len bytes of JSON                        total_size
//! ```
//!
//! The header length uses any [`LengthPrefix`] (default `u32be`; the seed
//! uses `i32le`). The header names the body's size and a digest, `sha256`
//! or `md5` (hex). The decoder checks the digest: a wrong one, or none
//! when [`DigestPolicy::Require`] is set (the default), is an error the
//! caller sees, [`JsonHeaderError::DigestMismatch`] or
//! [`JsonHeaderError::MissingDigest`]; the body has been consumed by then,
//! so the stream stays in step and the next frame decodes normally.
//!
//! ```
//! use bytes::{Bytes, BytesMut};
//! use framelab::framing::{JsonHeaderCodec, JsonMessage};
//! use tokio_util::codec::{Decoder, Encoder};
//!
//! let mut codec = JsonHeaderCodec::default();
//! let mut wire = BytesMut::new();
//! codec.encode(JsonMessage::new("a.txt", Bytes::from_static(b"hi")), &mut wire).unwrap();
//! let frame = codec.decode(&mut wire).unwrap().unwrap();
//! assert_eq!(frame.header.filename, "a.txt");
//! assert_eq!(&frame.body[..], b"hi");
//! ```
//!
//! # Limits
//!
//! The JSON header is at most `header_max` bytes (64 KiB by default, the
//! length prefix's `max_frame`), the body at most `body_max` (64 MiB by
//! default); a declared size past either is an error before anything is
//! reserved. serde_json's recursion limit (128 levels) stays on, so a
//! header of 10,000 nested `[` is a parse error, not a stack overflow.
//! Errors in the length prefix or the header leave the stream out of step:
//! the codec then returns [`JsonHeaderError::Failed`] until dropped.

use std::io;

use bytes::{Buf, Bytes, BytesMut};
use md5::Md5;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio_util::codec::{Decoder, Encoder};

use super::length_prefix::{LengthPrefix, LengthPrefixError};

mod spec;

pub use spec::JsonHeaderStrategy;

/// Default maximum JSON header: 64 KiB.
pub const DEFAULT_HEADER_MAX: usize = 64 * 1024;
/// Default maximum body: 64 MiB.
pub const DEFAULT_BODY_MAX: usize = 64 * 1024 * 1024;

/// The JSON header object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct JsonHeader {
    /// Body length in bytes.
    pub total_size: u64,
    /// File name (may be empty).
    #[serde(default)]
    pub filename: String,
    /// Hex SHA-256 of the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Hex MD5 of the body (as in the JSON-header tutorial).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
}

/// Which digest the encoder writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DigestKind {
    /// SHA-256 (the default).
    #[default]
    Sha256,
    /// MD5, as the JSON-header tutorial's version 2 uses.
    Md5,
}

/// What the decoder does with digests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DigestPolicy {
    /// A digest must be present and match (the default).
    #[default]
    Require,
    /// A digest that is present must match; a missing one is accepted.
    IfPresent,
    /// Digests are not checked: the JSON-header tutorial's behaviour (B16).
    Ignore,
}

/// A json-header wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JsonHeaderFormat {
    /// Length prefix of the JSON header; its `max_frame` is the header max.
    pub prefix: LengthPrefix,
    /// Largest body accepted or produced.
    pub body_max: usize,
    /// Digest the encoder writes.
    pub digest: DigestKind,
    /// How the decoder checks digests.
    pub verify: DigestPolicy,
}

impl Default for JsonHeaderFormat {
    fn default() -> Self {
        JsonHeaderFormat {
            prefix: LengthPrefix { max_frame: DEFAULT_HEADER_MAX, ..LengthPrefix::default() },
            body_max: DEFAULT_BODY_MAX,
            digest: DigestKind::Sha256,
            verify: DigestPolicy::Require,
        }
    }
}

/// A message to encode: a file name and a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonMessage {
    /// File name for the header.
    pub filename: String,
    /// The body.
    pub body: Bytes,
}

impl JsonMessage {
    /// A message named `filename`.
    pub fn new(filename: impl Into<String>, body: Bytes) -> Self {
        JsonMessage { filename: filename.into(), body }
    }
}

/// A decoded frame: the header and the body (split off the input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonFrame {
    /// The parsed header.
    pub header: JsonHeader,
    /// The body, `header.total_size` bytes.
    pub body: BytesMut,
}

/// The body: what the frame carries (so `check` can bound it).
impl From<JsonFrame> for BytesMut {
    /// The body.
    fn from(f: JsonFrame) -> BytesMut {
        f.body
    }
}

impl AsRef<[u8]> for JsonFrame {
    fn as_ref(&self) -> &[u8] {
        &self.body
    }
}

/// What can go wrong decoding or encoding json-header frames.
#[derive(Debug, thiserror::Error)]
pub enum JsonHeaderError {
    /// The header's length prefix is invalid (negative, too large, ...).
    #[error("header length: {0}")]
    Prefix(#[from] LengthPrefixError),
    /// The header is not a valid JSON header object.
    #[error("invalid JSON header: {0}")]
    BadHeader(String),
    /// The header declares a body larger than the maximum.
    #[error("declared body of {declared} bytes exceeds the maximum of {max}")]
    BodyTooLarge {
        /// `total_size` from the header (or the message length, encoding).
        declared: u64,
        /// The codec's body maximum.
        max: usize,
    },
    /// The body's digest differs from the header's.
    #[error("{algorithm} mismatch for {filename:?}: header says {expected}, body is {actual}")]
    DigestMismatch {
        /// The file name from the header.
        filename: String,
        /// `sha256` or `md5`.
        algorithm: &'static str,
        /// The digest in the header.
        expected: String,
        /// The digest of the body received.
        actual: String,
    },
    /// The header carries no digest and the policy requires one.
    #[error("header for {filename:?} carries no sha256 or md5 digest")]
    MissingDigest {
        /// The file name from the header.
        filename: String,
    },
    /// An earlier error left the stream out of step.
    #[error("stream is out of step after an earlier framing error")]
    Failed,
    /// An I/O error from the transport (only produced by `Framed`).
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Private decoder state.
#[derive(Debug, Clone)]
enum DecodeState {
    /// Waiting for the header's length prefix.
    Prefix,
    /// Waiting for this many bytes of JSON.
    Header(usize),
    /// Header parsed; waiting for its body.
    Body(JsonHeader),
    /// An error left the stream out of step.
    Failed,
}

/// Decoder and encoder for json-header frames.
#[derive(Debug, Clone)]
pub struct JsonHeaderCodec {
    format: JsonHeaderFormat,
    state: DecodeState,
}

impl Default for JsonHeaderCodec {
    fn default() -> Self {
        JsonHeaderCodec::new(JsonHeaderFormat::default())
    }
}

/// Hex digest of `body` with `kind`.
pub fn digest_hex(kind: DigestKind, body: &[u8]) -> String {
    // `hex::encode_to_slice`, not `hex::encode`: the latter collects a
    // `char` iterator, which was a third of `roundtrip_json_header`'s time
    // under the fuzzer's instrumentation (docs/fuzzing.md).
    fn to_hex(digest: &[u8]) -> String {
        let mut out = [0u8; 64];
        let out = &mut out[..2 * digest.len()];
        hex::encode_to_slice(digest, out).expect("twice the digest's length");
        String::from_utf8(out.to_vec()).expect("hex digits are ASCII")
    }
    match kind {
        DigestKind::Sha256 => to_hex(&Sha256::digest(body)),
        DigestKind::Md5 => to_hex(&Md5::digest(body)),
    }
}

impl JsonHeaderCodec {
    /// A codec for `format`.
    ///
    /// # Panics
    /// If the prefix width is not 1, 2, 4 or 8.
    pub fn new(format: JsonHeaderFormat) -> Self {
        if let Err(e) = format.prefix.validate() {
            panic!("{e}");
        }
        JsonHeaderCodec { format, state: DecodeState::Prefix }
    }

    /// The wire format.
    pub fn format(&self) -> &JsonHeaderFormat {
        &self.format
    }

    /// Encodes `header` and `body` as they are, without computing or
    /// checking anything but the limits: for forging frames (a placeholder
    /// digest, a lying `total_size`).
    pub fn encode_raw(&self, header: &JsonHeader, body: &[u8], dst: &mut BytesMut) -> Result<(), JsonHeaderError> {
        let json = serde_json::to_vec(header).map_err(|e| JsonHeaderError::BadHeader(e.to_string()))?;
        let value = self.format.prefix.header_value(json.len())?;
        dst.reserve(self.format.prefix.header_len() + json.len() + body.len());
        self.format.prefix.write_raw(value as i128, dst);
        dst.extend_from_slice(&json);
        dst.extend_from_slice(body);
        Ok(())
    }

    fn verify(&self, frame: &JsonFrame) -> Result<(), JsonHeaderError> {
        if self.format.verify == DigestPolicy::Ignore {
            return Ok(());
        }
        let h = &frame.header;
        let (algorithm, kind, expected) = match (&h.sha256, &h.md5) {
            (Some(d), _) => ("sha256", DigestKind::Sha256, d),
            (None, Some(d)) => ("md5", DigestKind::Md5, d),
            (None, None) if self.format.verify == DigestPolicy::IfPresent => return Ok(()),
            (None, None) => return Err(JsonHeaderError::MissingDigest { filename: h.filename.clone() }),
        };
        let actual = digest_hex(kind, &frame.body);
        if !actual.eq_ignore_ascii_case(expected.trim()) {
            return Err(JsonHeaderError::DigestMismatch {
                filename: h.filename.clone(),
                algorithm,
                expected: expected.chars().take(128).collect(),
                actual,
            });
        }
        Ok(())
    }

    fn fail(&mut self, e: JsonHeaderError) -> Result<Option<JsonFrame>, JsonHeaderError> {
        self.state = DecodeState::Failed;
        Err(e)
    }
}

/// Through `decode` (the frame is the body): the same results as the
/// `Decoder`, no speed-up.
impl super::FrameSlices for JsonHeaderCodec {
    type Error = JsonHeaderError;

    fn frames<F: FnMut(&[u8])>(&mut self, buf: &mut BytesMut, frame: F) -> Result<usize, JsonHeaderError> {
        super::slices::via_decoder(self, buf, frame, |f| &f.body[..])
    }
}

impl Decoder for JsonHeaderCodec {
    type Item = JsonFrame;
    type Error = JsonHeaderError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<JsonFrame>, JsonHeaderError> {
        loop {
            match std::mem::replace(&mut self.state, DecodeState::Failed) {
                DecodeState::Failed => return Err(JsonHeaderError::Failed),
                DecodeState::Prefix => {
                    let p = self.format.prefix;
                    if src.len() < p.header_len() {
                        self.state = DecodeState::Prefix;
                        return Ok(None);
                    }
                    match p.body_len(p.read_raw(&src[..p.header_len()])) {
                        Ok(n) => {
                            src.advance(p.header_len());
                            self.state = DecodeState::Header(n);
                        }
                        Err(e) => return self.fail(e.into()),
                    }
                }
                DecodeState::Header(n) => {
                    if src.len() < n {
                        src.reserve(n - src.len());
                        self.state = DecodeState::Header(n);
                        return Ok(None);
                    }
                    let json = src.split_to(n);
                    let header: JsonHeader = match serde_json::from_slice(&json) {
                        Ok(h) => h,
                        Err(e) => return self.fail(JsonHeaderError::BadHeader(e.to_string())),
                    };
                    if header.total_size > self.format.body_max as u64 {
                        let e =
                            JsonHeaderError::BodyTooLarge { declared: header.total_size, max: self.format.body_max };
                        return self.fail(e);
                    }
                    self.state = DecodeState::Body(header);
                }
                DecodeState::Body(header) => {
                    let n = header.total_size as usize;
                    if src.len() < n {
                        src.reserve(n - src.len());
                        self.state = DecodeState::Body(header);
                        return Ok(None);
                    }
                    self.state = DecodeState::Prefix;
                    let frame = JsonFrame { header, body: src.split_to(n) };
                    self.verify(&frame)?;
                    return Ok(Some(frame));
                }
            }
        }
    }
}

impl Encoder<JsonMessage> for JsonHeaderCodec {
    type Error = JsonHeaderError;

    fn encode(&mut self, item: JsonMessage, dst: &mut BytesMut) -> Result<(), JsonHeaderError> {
        self.encode_named(&item.filename, &item.body, dst)
    }
}

impl JsonHeaderCodec {
    /// Encodes `body` under `filename`, with a digest of the configured kind.
    pub fn encode_named(&self, filename: &str, body: &[u8], dst: &mut BytesMut) -> Result<(), JsonHeaderError> {
        if body.len() > self.format.body_max {
            return Err(JsonHeaderError::BodyTooLarge { declared: body.len() as u64, max: self.format.body_max });
        }
        let digest = digest_hex(self.format.digest, body);
        let mut header =
            JsonHeader { total_size: body.len() as u64, filename: filename.to_owned(), ..Default::default() };
        match self.format.digest {
            DigestKind::Sha256 => header.sha256 = Some(digest),
            DigestKind::Md5 => header.md5 = Some(digest),
        }
        self.encode_raw(&header, body, dst)
    }
}

impl Encoder<&[u8]> for JsonHeaderCodec {
    type Error = JsonHeaderError;

    fn encode(&mut self, item: &[u8], dst: &mut BytesMut) -> Result<(), JsonHeaderError> {
        self.encode_named("", item, dst)
    }
}

impl Encoder<Bytes> for JsonHeaderCodec {
    type Error = JsonHeaderError;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), JsonHeaderError> {
        self.encode_named("", &item, dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_hex_is_the_lowercase_hex_of_the_digest() {
        assert_eq!(
            digest_hex(DigestKind::Sha256, b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(digest_hex(DigestKind::Md5, b"abc"), "900150983cd24fb0d6963f7d28e17f72");
    }

    fn small() -> JsonHeaderFormat {
        JsonHeaderFormat {
            prefix: LengthPrefix { max_frame: 256, ..LengthPrefix::default() },
            body_max: 100,
            ..JsonHeaderFormat::default()
        }
    }

    #[test]
    fn frame_split_byte_by_byte_is_reassembled() {
        let mut c = JsonHeaderCodec::new(small());
        let mut wire = BytesMut::new();
        c.encode_named("f.bin", b"payload", &mut wire).unwrap();
        c.encode_named("g", b"", &mut wire).unwrap();
        let mut buf = BytesMut::new();
        let mut frames = Vec::new();
        for b in wire.iter() {
            buf.extend_from_slice(&[*b]);
            while let Some(f) = c.decode(&mut buf).unwrap() {
                frames.push(f);
            }
        }
        assert_eq!(frames.len(), 2);
        assert_eq!((frames[0].header.filename.as_str(), &frames[0].body[..]), ("f.bin", &b"payload"[..]));
        assert_eq!(frames[1].body.len(), 0);
    }

    #[test]
    fn placeholder_digest_is_an_error_and_the_stream_stays_in_step() {
        let mut c = JsonHeaderCodec::new(small());
        let mut wire = BytesMut::new();
        let forged = JsonHeader {
            total_size: 3,
            filename: "a".into(),
            md5: Some("1231231231232132131232311".into()),
            ..Default::default()
        };
        c.encode_raw(&forged, b"abc", &mut wire).unwrap();
        c.encode_named("b", b"ok", &mut wire).unwrap();
        assert!(matches!(c.decode(&mut wire), Err(JsonHeaderError::DigestMismatch { algorithm: "md5", .. })));
        assert_eq!(&c.decode(&mut wire).unwrap().unwrap().body[..], b"ok");
    }

    #[test]
    fn missing_digest_is_an_error_unless_the_policy_allows_it() {
        let forged = JsonHeader { total_size: 1, ..Default::default() };
        let mut wire = BytesMut::new();
        let mut c = JsonHeaderCodec::new(small());
        c.encode_raw(&forged, b"x", &mut wire).unwrap();
        let mut w2 = wire.clone();
        assert!(matches!(c.decode(&mut wire), Err(JsonHeaderError::MissingDigest { .. })));
        let mut lax = JsonHeaderCodec::new(JsonHeaderFormat { verify: DigestPolicy::IfPresent, ..small() });
        assert_eq!(&lax.decode(&mut w2).unwrap().unwrap().body[..], b"x");
    }

    #[test]
    fn md5_digests_verify_like_the_seed() {
        let mut c = JsonHeaderCodec::new(JsonHeaderFormat { digest: DigestKind::Md5, ..small() });
        let mut wire = BytesMut::new();
        c.encode_named("x", b"hello", &mut wire).unwrap();
        let f = c.decode(&mut wire).unwrap().unwrap();
        assert_eq!(f.header.md5.as_deref(), Some("5d41402abc4b2a76b9719d911017c592"));
    }

    #[test]
    fn body_at_maximum_passes_and_one_over_is_rejected_before_buffering() {
        let mut c = JsonHeaderCodec::new(small());
        let mut wire = BytesMut::new();
        c.encode_named("m", &[1; 100], &mut wire).unwrap();
        assert_eq!(c.decode(&mut wire).unwrap().unwrap().body.len(), 100);
        assert!(matches!(c.encode_named("m", &[1; 101], &mut wire), Err(JsonHeaderError::BodyTooLarge { .. })));
        let forged = JsonHeader { total_size: u64::MAX, sha256: Some("00".into()), ..Default::default() };
        c.encode_raw(&forged, b"", &mut wire).unwrap();
        let cap = wire.capacity();
        assert!(matches!(c.decode(&mut wire), Err(JsonHeaderError::BodyTooLarge { .. })));
        assert!(wire.capacity() <= cap);
        assert!(matches!(c.decode(&mut wire), Err(JsonHeaderError::Failed)));
    }

    #[test]
    fn deeply_nested_header_is_a_parse_error_not_a_stack_overflow() {
        let fmt =
            JsonHeaderFormat { prefix: LengthPrefix { max_frame: 64 * 1024, ..LengthPrefix::default() }, ..small() };
        let mut c = JsonHeaderCodec::new(fmt);
        let json = vec![b'['; 10_000];
        let mut wire = BytesMut::new();
        wire.extend_from_slice(&(json.len() as u32).to_be_bytes());
        wire.extend_from_slice(&json);
        assert!(matches!(c.decode(&mut wire), Err(JsonHeaderError::BadHeader(_))));
    }

    #[test]
    fn header_over_its_maximum_is_rejected() {
        let mut c = JsonHeaderCodec::new(small());
        let mut wire = BytesMut::from(&257u32.to_be_bytes()[..]);
        assert!(matches!(c.decode(&mut wire), Err(JsonHeaderError::Prefix(LengthPrefixError::FrameTooLarge { .. }))));
    }

    #[test]
    fn default_maxima_and_the_frame_as_bytes_are_exact() {
        assert_eq!(DEFAULT_HEADER_MAX, 65_536);
        assert_eq!(DEFAULT_BODY_MAX, 67_108_864);
        let mut c = JsonHeaderCodec::new(small());
        let mut wire = BytesMut::new();
        // Through the `Encoder<JsonMessage>`: a frame of that name and body.
        c.encode(JsonMessage::new("n.txt", Bytes::from_static(b"hi")), &mut wire).unwrap();
        let f = c.decode(&mut wire).unwrap().unwrap();
        assert_eq!(f.header.filename, "n.txt");
        // What `check` and the slices API see of a frame: its body.
        assert_eq!(f.as_ref(), b"hi");
    }

    #[test]
    fn reservations_are_the_frame_and_only_what_is_missing() {
        let c = JsonHeaderCodec::new(small());
        // encode_raw reserves exactly the frame: prefix, header, body.
        let mut wire = BytesMut::new();
        let header = JsonHeader { total_size: 3, filename: "r".into(), ..Default::default() };
        c.encode_raw(&header, b"abc", &mut wire).unwrap();
        assert_eq!(wire.capacity(), wire.len());
        // A header, then a body, that are partly in: room for the rest, not more.
        let mut c = JsonHeaderCodec::new(JsonHeaderFormat {
            prefix: LengthPrefix { max_frame: 4096, ..LengthPrefix::default() },
            body_max: 4096,
            ..JsonHeaderFormat::default()
        });
        let mut full = BytesMut::new();
        c.encode_named("big", &[7; 2000], &mut full).unwrap();
        let header_len = u32::from_be_bytes(full[..4].try_into().unwrap()) as usize;
        let padded = JsonHeader { filename: "x".repeat(1000), ..Default::default() };
        let mut long = BytesMut::new();
        c.encode_raw(&padded, b"", &mut long).unwrap();
        let long_len = long.len() - 4;
        let mut buf = BytesMut::with_capacity(64);
        buf.extend_from_slice(&long[..14]);
        assert!(c.decode(&mut buf).unwrap().is_none());
        assert!(buf.capacity() >= long_len && buf.capacity() < long_len + buf.len(), "header: {}", buf.capacity());
        let mut c = JsonHeaderCodec::new(*c.format());
        let mut buf = BytesMut::with_capacity(64);
        buf.extend_from_slice(&full[..4 + header_len + 10]);
        assert!(c.decode(&mut buf).unwrap().is_none());
        assert_eq!(buf.len(), 10);
        assert!(buf.capacity() >= 2000 && buf.capacity() < 2000 + buf.len(), "body: {}", buf.capacity());
    }
}
