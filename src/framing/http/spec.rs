//! The `http` strategy: its knobs' text syntax, its place in the registry,
//! its errors' kinds.

use std::fmt;

use bytes::BytesMut;
use tokio_util::codec::Encoder;

use super::{HttpCodec, HttpError, HttpFormat, HttpMode, RequestMethod};
use crate::framing::registry::{Codec, CodecError, FuzzBody, Strategy, StrategyInfo};
use crate::framing::spec::{Item, SpecProblem, size_value, unexpected};
use crate::framing::{AnyCodec, ErrorKind, KnobError, Knobs};
use crate::units::Size;

/// The `http` strategy.
#[derive(Debug)]
pub struct Http;

impl Strategy for Http {
    const INFO: StrategyInfo = StrategyInfo {
        name: "http",
        aliases: &[],
        wire: "HTTP/1.1 head (httparse), then a Content-Length or chunked body; HEAD/1xx/204/304 answers have none",
        knobs: &[
            ("mode", "auto", "auto (HTTP/ starts a response), request or response (positional)"),
            ("head-max", "64KiB", "largest head"),
            ("max", "64MiB", "largest body as on the wire (chunk lines and trailers count)"),
            ("method", "GET", "what a response answers when no request went through the codec: GET, HEAD or CONNECT"),
        ],
    };
    type Format = HttpFormat;
    const SPEC_SEEDS: &'static [&'static str] =
        &["http", "http:response,max=1KiB,method=HEAD", "http:request,head-max=8KiB", "http:method=POST"];

    fn apply_item(f: &mut HttpFormat, item: Item<'_>) -> Result<(), SpecProblem> {
        let value = item.value;
        match (item.key, item.value_str()) {
            ("" | "mode", "auto") => f.mode = HttpMode::Auto,
            ("" | "mode", "request") => f.mode = HttpMode::Request,
            ("" | "mode", "response") => f.mode = HttpMode::Response,
            ("head-max", _) => f.head_max = size_value("head-max", value)?,
            ("max", _) => f.max = size_value("max", value)?,
            ("body-max", _) => f.max = size_value("body-max", value)?,
            ("method", "GET") => f.method = RequestMethod::Get,
            ("method", "HEAD") => f.method = RequestMethod::Head,
            ("method", "CONNECT") => f.method = RequestMethod::Connect,
            ("method", o) => return Err(unexpected("method=GET, HEAD or CONNECT", o)),
            _ => return Err(unexpected("auto, request, response, head-max=SIZE, max=SIZE or method=", item.text)),
        }
        Ok(())
    }

    fn write(h: &HttpFormat, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = match h.mode {
            HttpMode::Auto => "auto",
            HttpMode::Request => "request",
            HttpMode::Response => "response",
        };
        write!(f, "http:{mode},head-max={},max={}", Size(h.head_max), Size(h.max))?;
        match h.method {
            RequestMethod::Get => Ok(()),
            RequestMethod::Head => write!(f, ",method=HEAD"),
            RequestMethod::Connect => write!(f, ",method=CONNECT"),
        }
    }

    fn max_message(f: &HttpFormat) -> usize {
        f.head_max.saturating_add(f.max)
    }

    fn codec(f: &HttpFormat) -> AnyCodec {
        HttpCodec::new(*f).into()
    }

    const ANSWERS: Option<&'static dyn crate::framing::AnswerSyntax> = Some(&super::answer::HttpAnswers);

    fn apply_knobs(f: &mut HttpFormat, knobs: &Knobs) -> Result<(), KnobError> {
        knobs.refuse(Default::default())?;
        if let Some(m) = knobs.max_frame {
            f.max = m;
        }
        Ok(())
    }

    fn restating_knobs(f: &HttpFormat) -> Knobs {
        Knobs { max_frame: Some(f.max), ..Knobs::default() }
    }
}

impl CodecError for HttpError {
    fn kind(&self) -> ErrorKind {
        use ErrorKind as K;
        match self {
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
        }
    }
}

impl Codec for HttpCodec {
    const ITEM_IS_FRAME: bool = true;

    #[cfg(test)]
    fn fuzz_seeds(body: FuzzBody, seeds: &mut dyn crate::framing::registry::SeedSink) {
        match body {
            FuzzBody::Decode => super::seeds::decode(seeds),
            FuzzBody::Chunking => super::seeds::chunking(seeds),
            FuzzBody::Bare | FuzzBody::Roundtrip => {}
        }
    }

    /// The defaults.
    fn for_bench(_size: usize, _max: usize) -> Self {
        HttpCodec::default()
    }

    /// Each message the body of a `POST /m HTTP/1.1` request with a
    /// `Content-Length`.
    fn bench_encode(&mut self, message: &[u8], dst: &mut BytesMut) -> Result<(), HttpError> {
        let head = format!("POST /m HTTP/1.1\r\nHost: bench\r\nContent-Length: {}\r\n\r\n", message.len());
        let mut request = head.into_bytes();
        request.extend_from_slice(message);
        self.encode(&request[..], dst)
    }

    const STRATEGY: &'static str = <Http as Strategy>::INFO.name;
    // A message is framed as a request around it, so roundtrip would
    // compare the request with the message: `chunking` cuts whole ones.
    const FUZZ: &'static [FuzzBody] = &[FuzzBody::Decode, FuzzBody::Bare, FuzzBody::Chunking];

    fn max_message(&self) -> usize {
        self.format().head_max.saturating_add(self.format().max)
    }

    /// The item is the whole message, head included.
    fn max_overhead(&self) -> usize {
        0
    }

    /// Mode picked by `config`; a response answers `HEAD` when its top
    /// bit is set.
    fn for_fuzzing(config: u8, max: usize) -> Self {
        let mode = [HttpMode::Auto, HttpMode::Request, HttpMode::Response][config as usize % 3];
        let method = if config & 0x80 != 0 { RequestMethod::Head } else { RequestMethod::Get };
        HttpCodec::new(HttpFormat { mode, head_max: max, max, method })
    }
}
