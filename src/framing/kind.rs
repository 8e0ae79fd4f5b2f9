//! [`ErrorKind`]: the short stable name of everything that can go wrong
//! with a frame or a connection, shared by the codecs ([`FramingError::kind`]),
//! the reference servers (which record it) and the judges (which tell a
//! clean refusal, [`ErrorKind::is_rejection`], from a failure).
//!
//! [`FramingError::kind`]: super::FramingError::kind

/// What went wrong, by a stable kebab-case name (`frame-too-large`, ...)
/// that reports and the JSON event feed show.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum ErrorKind {
    /// A declared length over the maximum (length-prefix, json-header body).
    FrameTooLarge,
    /// A signed length header holding a negative number.
    NegativeLength,
    /// A length that counts the header and is smaller than it.
    LengthBelowHeader,
    /// A length that does not fit the machine's sizes.
    Overflow,
    /// A message too long for the header's width (encoding).
    DoesNotFitHeader,
    /// No delimiter within the maximum line length.
    LineTooLong,
    /// The stream ended inside a line.
    Unterminated,
    /// A delimited message that is not well formed.
    BadMessage,
    /// A JSON header that does not parse or lacks a field.
    BadHeader,
    /// A length that is not a number, or over the maximum (decimal lengths).
    BadLength,
    /// A body whose digest is not the header's.
    DigestMismatch,
    /// A header without the digest the policy requires.
    MissingDigest,
    /// The handshake's `Start` was not what the protocol says.
    BadStart,
    /// A read that is not valid UTF-8 (a split character).
    BadUtf8,
    /// More connections than the server serves at once.
    TooManyConnections,
    /// An aggregate value nested deeper than the maximum depth.
    TooDeep,
    /// A type byte that is not one of the protocol's.
    BadType,
    /// A protocol line that is not well formed (a bare `\n`, a bad number).
    BadLine,
    /// A payload not followed by `\r\n`, or a bad verbatim string.
    BadPayload,
    /// The stream ended inside a frame.
    Truncated,
    /// A message head over its maximum size.
    HeadTooLarge,
    /// A message head that does not parse.
    BadHead,
    /// A `Content-Length` that is not a number or overflows.
    BadContentLength,
    /// Duplicate or conflicting body lengths (request smuggling).
    AmbiguousLength,
    /// A malformed or overflowing body chunk.
    BadChunk,
    /// A codec after an earlier error it cannot recover from.
    Failed,
    /// Writing a reply failed.
    Write,
    /// The handler could not produce a reply.
    Reply,
    /// Reading from the peer failed.
    Io,
}

impl ErrorKind {
    /// The name (`frame-too-large`, ...).
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Whether this is a clean refusal of bad input (a peer that broke the
    /// framing's rules or a limit), as opposed to a transport failure or a
    /// misread: a server that records one of these `rejected` the input.
    pub fn is_rejection(self) -> bool {
        matches!(
            self,
            ErrorKind::FrameTooLarge
                | ErrorKind::NegativeLength
                | ErrorKind::LengthBelowHeader
                | ErrorKind::Overflow
                | ErrorKind::LineTooLong
                | ErrorKind::BadHeader
                | ErrorKind::BadLength
                | ErrorKind::TooManyConnections
                | ErrorKind::TooDeep
                | ErrorKind::BadType
                | ErrorKind::BadLine
                | ErrorKind::BadPayload
                | ErrorKind::HeadTooLarge
                | ErrorKind::BadHead
                | ErrorKind::BadContentLength
                | ErrorKind::AmbiguousLength
                | ErrorKind::BadChunk
        )
    }
}

impl PartialEq<&str> for ErrorKind {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn names_round_trip_and_rejections_are_the_refusals() {
        for k in ErrorKind::VARIANTS {
            assert_eq!(k.name().parse::<ErrorKind>(), Ok(*k));
            assert_eq!(serde_json::to_string(k).unwrap(), format!("\"{}\"", k.name()));
        }
        assert_eq!(ErrorKind::FrameTooLarge.name(), "frame-too-large");
        assert!(ErrorKind::LineTooLong.is_rejection());
        assert!(!ErrorKind::Io.is_rejection());
        assert!(!ErrorKind::DigestMismatch.is_rejection());
    }
}
