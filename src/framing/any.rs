//! [`AnyCodec`]: one message codec for whichever strategy a spec names, so
//! servers, clients and the fuzz harness handle every strategy alike.

use std::io;

use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::delimiter::{DelimiterCodec, DelimiterError};
use super::http::{HttpCodec, HttpError};
use super::json_header::{JsonHeaderCodec, JsonHeaderError};
use super::kind::ErrorKind;
use super::length_prefix::{LengthPrefixCodec, LengthPrefixError};
use super::naive::NaiveCodec;
use super::resp::{RespCodec, RespError};

/// A codec of any strategy; items are message payloads.
// One codec per connection, never in a hot collection: boxing the larger
// variants would only add an indirection to every decode call.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum AnyCodec {
    /// No framing.
    Naive(NaiveCodec),
    /// Delimiter-terminated.
    Delimiter(DelimiterCodec),
    /// Length-prefixed.
    LengthPrefix(LengthPrefixCodec),
    /// JSON header then body (the item is the body).
    JsonHeader(JsonHeaderCodec),
    /// Redis RESP values (the item is a whole top-level value).
    Resp(RespCodec),
    /// HTTP/1.1 messages (the item is a whole message, head and body).
    Http(HttpCodec),
}

/// An error from any codec.
#[derive(Debug, thiserror::Error)]
pub enum FramingError {
    /// From the delimiter codec.
    #[error(transparent)]
    Delimiter(#[from] DelimiterError),
    /// From the length-prefix codec.
    #[error(transparent)]
    LengthPrefix(#[from] LengthPrefixError),
    /// From the json-header codec.
    #[error(transparent)]
    JsonHeader(#[from] JsonHeaderError),
    /// From the RESP codec.
    #[error(transparent)]
    Resp(#[from] RespError),
    /// From the HTTP codec.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// From the transport.
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl FramingError {
    /// Whether decoding can go on after this error (the codec knows where
    /// the next frame starts), as opposed to a stream now out of step.
    pub fn is_recoverable(&self) -> bool {
        matches!(
            self,
            FramingError::Delimiter(DelimiterError::MaxLengthExceeded { .. })
                | FramingError::JsonHeader(JsonHeaderError::DigestMismatch { .. })
                | FramingError::JsonHeader(JsonHeaderError::MissingDigest { .. })
        )
    }

    /// The kind of error, by a short stable name (`frame-too-large`, ...).
    pub fn kind(&self) -> ErrorKind {
        use ErrorKind as K;
        match self {
            FramingError::Delimiter(DelimiterError::MaxLengthExceeded { .. }) => K::LineTooLong,
            FramingError::Delimiter(DelimiterError::Unterminated { .. }) => K::Unterminated,
            FramingError::Delimiter(_) => K::BadMessage,
            FramingError::LengthPrefix(e) | FramingError::JsonHeader(JsonHeaderError::Prefix(e)) => match e {
                LengthPrefixError::NegativeLength { .. } => K::NegativeLength,
                LengthPrefixError::FrameTooLarge { .. } => K::FrameTooLarge,
                LengthPrefixError::LengthBelowHeader { .. } => K::LengthBelowHeader,
                LengthPrefixError::Overflow { .. } => K::Overflow,
                LengthPrefixError::DoesNotFitHeader { .. } => K::DoesNotFitHeader,
                LengthPrefixError::Failed => K::Failed,
                LengthPrefixError::Io(_) => K::Io,
            },
            FramingError::JsonHeader(JsonHeaderError::BadHeader(_)) => K::BadHeader,
            FramingError::JsonHeader(JsonHeaderError::BodyTooLarge { .. }) => K::FrameTooLarge,
            FramingError::JsonHeader(JsonHeaderError::DigestMismatch { .. }) => K::DigestMismatch,
            FramingError::JsonHeader(JsonHeaderError::MissingDigest { .. }) => K::MissingDigest,
            FramingError::JsonHeader(JsonHeaderError::Failed) => K::Failed,
            FramingError::JsonHeader(JsonHeaderError::Io(_)) | FramingError::Io(_) => K::Io,
            FramingError::Resp(e) => match e {
                RespError::BadType { .. } => K::BadType,
                RespError::BareLineFeed { .. } | RespError::BadLine { .. } => K::BadLine,
                RespError::Overflow { .. } => K::Overflow,
                RespError::NegativeLength { .. } => K::NegativeLength,
                RespError::FrameTooLarge { .. } => K::FrameTooLarge,
                RespError::TooDeep { .. } => K::TooDeep,
                RespError::BadPayloadEnd { .. } | RespError::BadVerbatim { .. } => K::BadPayload,
                RespError::Truncated { .. } => K::Truncated,
                RespError::EmptyCommand | RespError::IncompleteMessage { .. } | RespError::TrailingBytes { .. } => {
                    K::BadMessage
                }
                RespError::Failed => K::Failed,
                RespError::Io(_) => K::Io,
            },
            FramingError::Http(e) => match e {
                HttpError::HeadTooLarge { .. } => K::HeadTooLarge,
                HttpError::BadHead { .. } | HttpError::TooManyHeaders { .. } | HttpError::UnexpectedKind { .. } => {
                    K::BadHead
                }
                HttpError::BadContentLength { .. } | HttpError::ContentLengthOverflow { .. } => K::BadContentLength,
                HttpError::DuplicateContentLength { .. }
                | HttpError::ConflictingContentLength { .. }
                | HttpError::TransferEncodingWithContentLength
                | HttpError::UnsupportedTransferEncoding { .. } => K::AmbiguousLength,
                HttpError::BodyTooLarge { .. } => K::FrameTooLarge,
                HttpError::BadChunkSize { .. }
                | HttpError::ChunkSizeOverflow { .. }
                | HttpError::ChunkLineTooLong { .. }
                | HttpError::BadChunkEnd { .. }
                | HttpError::BadTrailers { .. } => K::BadChunk,
                HttpError::Truncated { .. } => K::Truncated,
                HttpError::IncompleteMessage { .. } | HttpError::TrailingBytes { .. } => K::BadMessage,
                HttpError::Failed => K::Failed,
                HttpError::Io(_) => K::Io,
            },
        }
    }
}

impl AnyCodec {
    /// The largest message this codec decodes or encodes.
    pub fn max_message(&self) -> usize {
        match self {
            AnyCodec::Naive(c) => c.read_size(),
            AnyCodec::Delimiter(c) => c.max_length(),
            AnyCodec::LengthPrefix(c) => c.format().max_body(),
            AnyCodec::JsonHeader(c) => c.format().body_max,
            AnyCodec::Resp(c) => c.format().max,
            AnyCodec::Http(c) => c.format().head_max.saturating_add(c.format().max),
        }
    }

    /// The most framing bytes a frame adds to a message, where bounded
    /// (the JSON header is bounded by its own maximum).
    pub fn max_overhead(&self) -> usize {
        match self {
            AnyCodec::Naive(_) => 0,
            AnyCodec::Delimiter(c) => c.delimiter().len(),
            AnyCodec::LengthPrefix(c) => c.format().header_len(),
            AnyCodec::JsonHeader(c) => c.format().prefix.header_len() + c.format().prefix.max_frame,
            // The item is the whole frame, framing included.
            AnyCodec::Resp(_) | AnyCodec::Http(_) => 0,
        }
    }
}

impl Decoder for AnyCodec {
    type Item = BytesMut;
    type Error = FramingError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, FramingError> {
        Ok(match self {
            AnyCodec::Naive(c) => c.decode(src)?,
            AnyCodec::Delimiter(c) => c.decode(src)?,
            AnyCodec::LengthPrefix(c) => c.decode(src)?,
            AnyCodec::JsonHeader(c) => c.decode(src)?.map(|f| f.body),
            AnyCodec::Resp(c) => c.decode(src)?,
            AnyCodec::Http(c) => c.decode(src)?,
        })
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, FramingError> {
        Ok(match self {
            AnyCodec::Naive(c) => c.decode_eof(src)?,
            AnyCodec::Delimiter(c) => c.decode_eof(src)?,
            AnyCodec::LengthPrefix(c) => c.decode_eof(src)?,
            AnyCodec::JsonHeader(c) => c.decode_eof(src)?.map(|f| f.body),
            AnyCodec::Resp(c) => c.decode_eof(src)?,
            AnyCodec::Http(c) => c.decode_eof(src)?,
        })
    }
}

impl super::FrameSlices for AnyCodec {
    type Error = FramingError;

    /// length-prefix, delimiter and naive scan in place; json-header (the
    /// body), RESP and HTTP go through their `Decoder`.
    fn frames<F: FnMut(&[u8])>(&mut self, buf: &mut BytesMut, frame: F) -> Result<usize, FramingError> {
        Ok(match self {
            AnyCodec::Naive(c) => c.frames(buf, frame)?,
            AnyCodec::Delimiter(c) => c.frames(buf, frame)?,
            AnyCodec::LengthPrefix(c) => c.frames(buf, frame)?,
            AnyCodec::JsonHeader(c) => c.frames(buf, frame)?,
            AnyCodec::Resp(c) => c.frames(buf, frame)?,
            AnyCodec::Http(c) => c.frames(buf, frame)?,
        })
    }

    /// The wrapped codec's: length-prefix knows the rest of a frame, the
    /// others say `None`.
    fn missing(&self, buf: &BytesMut) -> Option<usize> {
        match self {
            AnyCodec::LengthPrefix(c) => c.missing(buf),
            _ => None,
        }
    }
}

impl Encoder<&[u8]> for AnyCodec {
    type Error = FramingError;

    fn encode(&mut self, item: &[u8], dst: &mut BytesMut) -> Result<(), FramingError> {
        match self {
            AnyCodec::Naive(c) => c.encode(item, dst)?,
            AnyCodec::Delimiter(c) => c.encode(item, dst)?,
            AnyCodec::LengthPrefix(c) => c.encode(item, dst)?,
            AnyCodec::JsonHeader(c) => c.encode(item, dst)?,
            AnyCodec::Resp(c) => c.encode(item, dst)?,
            AnyCodec::Http(c) => c.encode(item, dst)?,
        }
        Ok(())
    }
}

impl Encoder<Bytes> for AnyCodec {
    type Error = FramingError;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), FramingError> {
        self.encode(&item[..], dst)
    }
}
