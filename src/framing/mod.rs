//! Framing codecs: pure, no I/O, each a `tokio_util::codec::{Decoder, Encoder}`.
//!
//! One file per strategy; [`FramingSpec`] is the text syntax that names a
//! strategy and its knobs, and [`AnyCodec`] decodes messages of whichever
//! strategy a spec names. Every codec also hands out complete frames as
//! `&[u8]` through [`FrameSlices`] (see [`slices`]): no per-frame split,
//! the same limits and errors as its `Decoder`.

pub mod answer;
mod any;
pub mod delimiter;
pub(crate) mod feed;
pub mod handshake;
pub mod http;
pub mod http_answer;
pub mod json_header;
mod kind;
mod knobs;
pub mod length_prefix;
pub mod naive;
pub mod resp;
pub mod resp_answer;
pub mod slices;
mod spec;
pub mod udp;

#[cfg(test)]
mod tests;

pub use answer::{AnswerFormError, AnswerSyntax, ProtocolAnswer, answer_syntaxes};
pub use any::{AnyCodec, FramingError};
pub use delimiter::{DelimiterCodec, DelimiterError};
pub use http::{HttpCodec, HttpError, HttpFormat, HttpMode, RequestMethod};
pub use json_header::{
    DigestKind, DigestPolicy, JsonFrame, JsonHeader, JsonHeaderCodec, JsonHeaderError, JsonHeaderFormat, JsonMessage,
};
pub use kind::ErrorKind;
pub use knobs::{KnobError, Knobs};
pub use length_prefix::{BadWidth, Endian, LengthPrefix, LengthPrefixCodec, LengthPrefixError};
pub use naive::NaiveCodec;
pub use resp::{RespCodec, RespError, RespFormat};
pub use slices::FrameSlices;
pub use spec::{EscapeError, FramingSpec, STRATEGIES, SpecError, SpecProblem, StrategyInfo, escape, show, unescape};

/// Bytes of a peer's line as text for an error message: lossy UTF-8, cut
/// at 40 bytes and then marked `...` (the HTTP and RESP codecs' errors).
pub(crate) fn error_text(bytes: &[u8]) -> String {
    let cut = &bytes[..bytes.len().min(40)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if bytes.len() > cut.len() {
        s.push_str("...");
    }
    s
}
