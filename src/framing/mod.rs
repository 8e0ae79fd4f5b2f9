//! Framing codecs: pure, no I/O, each a `tokio_util::codec::{Decoder, Encoder}`.
//!
//! One home per strategy (`<name>.rs`, or `<name>/` where it is large):
//! its codec, its knobs and their text syntax, its frames as slices, its
//! fuzz knobs and bench frames. Each home registers once, in the list
//! below ([`registry`] says what a strategy and a codec must provide);
//! [`FramingSpec`] (the text syntax that names a strategy and its knobs),
//! [`AnyCodec`] (messages of whichever strategy a spec names),
//! [`FramingError`], [`CodecKind`] and [`STRATEGIES`] are generated from
//! it. Every codec also hands out complete frames as `&[u8]` through
//! [`FrameSlices`] (see [`slices`]): no per-frame split, the same limits
//! and errors as its `Decoder`.

pub mod answer;
pub mod delimiter;
pub(crate) mod feed;
pub mod handshake;
pub mod http;
pub mod json_header;
mod kind;
mod knobs;
pub mod length_prefix;
pub mod naive;
pub mod registry;
pub mod resp;
pub mod slices;
mod spec;
pub mod udp;

#[cfg(test)]
mod tests;

pub use answer::{AnswerFormError, AnswerSyntax, ProtocolAnswer};
pub use delimiter::{DelimiterCodec, DelimiterError, DelimiterFormat};
pub use handshake::HandshakeFormat;
pub use http::{HttpCodec, HttpError, HttpFormat, HttpMode, RequestMethod};
pub use json_header::{
    DigestKind, DigestPolicy, JsonFrame, JsonHeader, JsonHeaderCodec, JsonHeaderError, JsonHeaderFormat, JsonMessage,
};
pub use kind::ErrorKind;
pub use knobs::{KnobError, Knobs};
pub use length_prefix::{BadWidth, Endian, LengthPrefix, LengthPrefixCodec, LengthPrefixError};
pub use naive::{NaiveCodec, NaiveFormat};
pub use registry::{Codec, CodecError, CodecVisitor, FuzzBody, Registered, Strategy, StrategyInfo};
pub use resp::{RespCodec, RespError, RespFormat};
pub use slices::FrameSlices;
pub use spec::{EscapeError, Item, SpecError, SpecProblem, escape, show, spaced_hex, unescape};
pub use udp::UdpFormat;

registry::registry! {
    strategies {
        /// No framing: each read of up to `read_size` bytes is a message.
        Naive(naive::Naive),
        /// Messages terminated by a delimiter.
        Delimiter(delimiter::Delimiter),
        /// A length header (fixed width or varint), then the body.
        LengthPrefix(length_prefix::LengthPrefixStrategy),
        /// A length-prefixed JSON header, then the body it describes.
        JsonHeader(json_header::JsonHeaderStrategy),
        /// `\n`-terminated requests answered by `Ready|N`, `Start`, N bytes.
        Handshake(handshake::Handshake),
        /// One datagram per message.
        Udp(udp::Udp),
        /// Redis RESP2/RESP3 values.
        Resp(resp::Resp),
        /// HTTP/1.1 requests and responses.
        Http(http::Http),
    }
    codecs {
        /// No framing.
        Naive(NaiveCodec),
        /// Delimiter-terminated.
        Delimiter(DelimiterCodec, /** From the delimiter codec. */ DelimiterError),
        /// Length-prefixed.
        LengthPrefix(LengthPrefixCodec, /** From the length-prefix codec. */ LengthPrefixError),
        /// JSON header then body (the item is the body).
        JsonHeader(JsonHeaderCodec, /** From the json-header codec. */ JsonHeaderError),
        /// Redis RESP values (the item is a whole top-level value).
        Resp(RespCodec, /** From the RESP codec. */ RespError),
        /// HTTP/1.1 messages (the item is a whole message, head and body).
        Http(HttpCodec, /** From the HTTP codec. */ HttpError),
    }
}

impl Default for FramingSpec {
    fn default() -> Self {
        FramingSpec::Naive(NaiveFormat::default())
    }
}

/// Bytes of a peer's line as text for an error message: lossy UTF-8, cut
/// at 40 bytes and then marked `...` (the request/answer codecs' errors).
pub(crate) fn error_text(bytes: &[u8]) -> String {
    let cut = &bytes[..bytes.len().min(40)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if bytes.len() > cut.len() {
        s.push_str("...");
    }
    s
}
