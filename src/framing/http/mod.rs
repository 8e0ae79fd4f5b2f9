//! HTTP/1.1 framing: requests and responses, the head parsed by
//! [httparse](https://docs.rs/httparse) (hyper's parser), the body framed by
//! `Content-Length` or `Transfer-Encoding: chunked`.
//!
//! ```text
//! +--------------------------------+-------------------------------------+
//! | head: start line, header lines |  body: Content-Length bytes, or     |
//! | ... \r\n\r\n                    |  chunks: SIZE[;ext]\r\n DATA \r\n    |
//! |                                |  ... 0\r\n [trailers] \r\n          |
//! +--------------------------------+-------------------------------------+
//!   head-max bytes at most            max bytes at most (as on the wire)
//! ```
//!
//! One decoded frame is one whole message, head and body, split off the
//! buffer as it came (chunk sizes and trailers included, nothing
//! re-encoded). The body is framed as RFC 9112 section 6 says:
//!
//! - a request has a chunked body (`chunked` is its last transfer coding),
//!   a `Content-Length` body, or none;
//! - a response to `HEAD`, a `1xx`, `204` or `304` has no body; a `1xx` is
//!   a frame of its own before the final response; after `101 Switching
//!   Protocols` or a `2xx` answer to `CONNECT` the rest of the stream is not
//!   HTTP and becomes one last frame at the end of the stream;
//! - other responses are chunked, `Content-Length`, or read to the end of
//!   the stream ([`Decoder::decode_eof`] returns them).
//!
//! A response decoder must know which requests it answers. The encoder
//! records the method of every request it encodes, and the decoder takes
//! them in order, one per final response: one codec that encodes requests
//! and decodes their responses (a client's `Framed`) needs nothing more.
//! Responses to requests sent some other way answer
//! [`HttpFormat::method`] (GET by default; `method=HEAD` for a stream of
//! answers to `HEAD`), or what [`HttpCodec::expect_response_to`] queued.
//!
//! Decoding expects requests, responses, or, in `auto` mode (the default),
//! tells them apart per message: a message that starts with `HTTP/` is a
//! response. The encoder takes a whole request or response as written and
//! checks that it is exactly one message; a one-line shorthand `METHOD
//! TARGET` (no line break) becomes `METHOD TARGET HTTP/1.1\r\nHost:
//! localhost\r\n\r\n`.
//!
//! ```
//! use bytes::BytesMut;
//! use framelab::framing::{HttpCodec, HttpFormat};
//! use tokio_util::codec::{Decoder, Encoder};
//!
//! let mut codec = HttpCodec::new(HttpFormat::default());
//! let mut wire = BytesMut::new();
//! codec.encode(&b"HEAD /"[..], &mut wire).unwrap();
//! assert_eq!(&wire[..], b"HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n");
//! // The answer to HEAD announces a length but carries no body: the next
//! // response starts right after its head.
//! let mut replies = BytesMut::from(&b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"[..]);
//! assert_eq!(codec.decode(&mut replies).unwrap().unwrap().len(), 38);
//! assert_eq!(&codec.decode(&mut replies).unwrap().unwrap()[..], b"HTTP/1.1 204 No Content\r\n\r\n");
//! ```
//!
//! # Limits
//!
//! - `head-max` (default 64 KiB) bounds a head, its blank line included;
//!   at most 100 header fields. A head with no end within `head-max` is
//!   [`HttpError::HeadTooLarge`] once `head-max` bytes are in, whatever
//!   follows.
//! - `max` (default 64 MiB) bounds a body as it is on the wire (chunk-size
//!   lines, chunk data and trailers count). A `Content-Length` or chunk
//!   size past it is an error before any byte of it is awaited; memory is
//!   reserved only for the missing part of a body already known to fit. A
//!   chunk-size line is at most 4 KiB, extensions included.
//! - Refused, each with its own error: two `Content-Length` fields (equal
//!   or not; RFC 9110 lets a recipient merge equal ones, framelab does
//!   not), a `Content-Length` that is not digits or overflows `u64`,
//!   `Transfer-Encoding` together with `Content-Length` (request smuggling),
//!   a request transfer coding that does not end in `chunked`, a chunk size
//!   that overflows `u64`, chunk data not followed by `\r\n`.
//! - After an error the stream is out of step: the codec stays failed and
//!   returns [`HttpError::Failed`] from then on.

use std::collections::VecDeque;
use std::io;

use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::error_text;

pub mod answer;
#[cfg(test)]
mod seeds;
mod spec;

pub use spec::Http;

/// Default largest head: 64 KiB.
pub const DEFAULT_HEAD_MAX: usize = 64 * 1024;

/// Default largest body (as on the wire): 64 MiB.
pub const DEFAULT_MAX: usize = 64 * 1024 * 1024;

/// Most header fields in a head (or trailer fields after a chunked body).
pub const MAX_HEADERS: usize = 100;

/// Longest chunk-size line, extensions and `\r\n` included.
pub const CHUNK_LINE_MAX: usize = 4096;

/// Which messages the decoder expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HttpMode {
    /// Each message is a response if it starts with `HTTP/`, else a request.
    #[default]
    Auto,
    /// Requests only.
    Request,
    /// Responses only.
    Response,
}

/// The request methods that change how a response is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RequestMethod {
    /// Any method whose response is framed by its own headers.
    #[default]
    Get,
    /// `HEAD`: the response has no body.
    Head,
    /// `CONNECT`: a 2xx response turns the stream into a tunnel.
    Connect,
}

impl RequestMethod {
    /// The kind of `method` (a method token, case-sensitive as in HTTP).
    pub fn of(method: &str) -> RequestMethod {
        match method {
            "HEAD" => RequestMethod::Head,
            "CONNECT" => RequestMethod::Connect,
            _ => RequestMethod::Get,
        }
    }
}

/// The knobs of the HTTP framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HttpFormat {
    /// Requests, responses, or either.
    pub mode: HttpMode,
    /// Largest head, in bytes.
    pub head_max: usize,
    /// Largest body as on the wire, in bytes.
    pub max: usize,
    /// The method a response answers when no request was recorded for it.
    pub method: RequestMethod,
}

impl Default for HttpFormat {
    fn default() -> Self {
        HttpFormat { mode: HttpMode::Auto, head_max: DEFAULT_HEAD_MAX, max: DEFAULT_MAX, method: RequestMethod::Get }
    }
}

/// What can go wrong decoding or encoding HTTP/1.1 messages. Offsets count
/// from the start of the message.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// No end of head within the maximum.
    #[error("no end of head within {max} bytes")]
    HeadTooLarge {
        /// The codec's head maximum.
        max: usize,
    },
    /// httparse refused the head.
    #[error("bad {kind} head: {reason}")]
    BadHead {
        /// `request` or `response`.
        kind: &'static str,
        /// What httparse said.
        reason: String,
    },
    /// More header fields than [`MAX_HEADERS`].
    #[error("more than {max} header fields")]
    TooManyHeaders {
        /// The limit.
        max: usize,
    },
    /// A request where a response was expected, or the other way round.
    #[error("expected a {expected}, got a message that is not one")]
    UnexpectedKind {
        /// `request` or `response`.
        expected: &'static str,
    },
    /// A `Content-Length` that is not a decimal number.
    #[error("bad Content-Length {value:?}")]
    BadContentLength {
        /// The value (lossy, cut at 40 bytes).
        value: String,
    },
    /// A `Content-Length` past `u64`.
    #[error("Content-Length {value:?} overflows a 64-bit length")]
    ContentLengthOverflow {
        /// The value (lossy, cut at 40 bytes).
        value: String,
    },
    /// `Content-Length` given twice with the same value.
    #[error("Content-Length given twice ({value}); one message has one length")]
    DuplicateContentLength {
        /// The value both gave.
        value: u64,
    },
    /// `Content-Length` given twice with different values.
    #[error("conflicting Content-Length values {first} and {second} (request smuggling)")]
    ConflictingContentLength {
        /// The first value.
        first: u64,
        /// The other.
        second: u64,
    },
    /// Both `Transfer-Encoding` and `Content-Length`.
    #[error("both Transfer-Encoding and Content-Length (request smuggling)")]
    TransferEncodingWithContentLength,
    /// A request transfer coding that does not end in `chunked`.
    #[error("request Transfer-Encoding {value:?} does not end in chunked: its length is unknown")]
    UnsupportedTransferEncoding {
        /// The codings (lossy).
        value: String,
    },
    /// A body past the maximum.
    #[error("the body needs at least {needed} bytes, more than the maximum of {max}")]
    BodyTooLarge {
        /// Fewest body bytes it would take (`max + 1` for a body read to
        /// the end of the stream; saturates at `u64::MAX`).
        needed: u64,
        /// The codec's body maximum.
        max: usize,
    },
    /// A chunk-size line that is not `HEX[;ext]\r\n`.
    #[error("bad chunk-size line at offset {offset}: {line:?}")]
    BadChunkSize {
        /// Where the line starts.
        offset: usize,
        /// The line (lossy, cut at 40 bytes).
        line: String,
    },
    /// A chunk size past `u64`.
    #[error("chunk size at offset {offset} overflows a 64-bit length")]
    ChunkSizeOverflow {
        /// Where the line starts.
        offset: usize,
    },
    /// A chunk-size line longer than [`CHUNK_LINE_MAX`].
    #[error("chunk-size line at offset {offset} is longer than {max} bytes")]
    ChunkLineTooLong {
        /// Where the line starts.
        offset: usize,
        /// The limit.
        max: usize,
    },
    /// Chunk data not followed by `\r\n`.
    #[error("chunk data ending at offset {offset} is not followed by \\r\\n")]
    BadChunkEnd {
        /// Where `\r\n` should have been.
        offset: usize,
    },
    /// Trailer fields httparse refused.
    #[error("bad trailer section at offset {offset}: {reason}")]
    BadTrailers {
        /// Where the trailer section starts.
        offset: usize,
        /// What was wrong.
        reason: String,
    },
    /// The stream ended inside a message.
    #[error("stream ended {len} bytes into a message, in its {part}")]
    Truncated {
        /// How many bytes of it were there.
        len: usize,
        /// `head` or `body`.
        part: &'static str,
    },
    /// The encoder was given less than one whole message.
    #[error("message is an incomplete HTTP message ({len} bytes)")]
    IncompleteMessage {
        /// The message length.
        len: usize,
    },
    /// The encoder was given more than one message.
    #[error("message holds more than one HTTP message: the first ends at byte {at}")]
    TrailingBytes {
        /// Where the first message ends.
        at: usize,
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
enum Phase {
    /// Looking for the end of the head; scanned up to `pos`.
    Head,
    /// A body of known length: the message ends at `end`.
    Fixed {
        /// Offset just past the body.
        end: usize,
    },
    /// Expecting a chunk-size line starting at `start`; scanned up to `pos`.
    ChunkLine {
        /// Where the line starts.
        start: usize,
    },
    /// Inside chunk data.
    ChunkData {
        /// Offset just past the data's `\r\n`.
        end: usize,
    },
    /// After the last chunk: trailer lines until an empty one.
    Trailers {
        /// Where the trailer section starts.
        section: usize,
        /// Where the current line starts.
        line: usize,
    },
    /// A response body that ends with the stream.
    ToEof,
    /// After `101` or a `CONNECT` tunnel: the rest of the stream.
    Tunnel,
    /// An error was returned; the stream is out of step.
    Failed,
}

/// What the head said about the body.
enum Body {
    None,
    Length(u64),
    Chunked,
    ToEof,
    Tunnel,
}

/// Decoder and encoder of HTTP/1.1 messages; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct HttpCodec {
    format: HttpFormat,
    phase: Phase,
    /// Bytes of the current message (at the front of the buffer) scanned.
    pos: usize,
    /// Length of the current message's head, once known.
    head_len: usize,
    /// Methods of requests encoded (or announced) whose final responses
    /// have not been decoded yet, oldest first.
    pending: VecDeque<RequestMethod>,
    /// The method of the last request head decoded.
    last_request: Option<RequestMethod>,
    /// Total bytes examined (a work counter: linear in the input).
    scanned: u64,
}

impl HttpCodec {
    /// A codec with these knobs.
    pub fn new(format: HttpFormat) -> Self {
        HttpCodec {
            format,
            phase: Phase::Head,
            pos: 0,
            head_len: 0,
            pending: VecDeque::new(),
            last_request: None,
            scanned: 0,
        }
    }

    /// The knobs.
    pub fn format(&self) -> &HttpFormat {
        &self.format
    }

    /// Total bytes examined by the decoder since creation.
    pub fn scanned_bytes(&self) -> u64 {
        self.scanned
    }

    /// Records that the next final response not yet matched answers a
    /// request with `method` (sent other than through this encoder).
    pub fn expect_response_to(&mut self, method: &str) {
        self.pending.push_back(RequestMethod::of(method));
    }

    fn fail(&mut self, e: HttpError) -> Result<Option<BytesMut>, HttpError> {
        self.phase = Phase::Failed;
        Err(e)
    }

    /// Offset past which the current message's body may not go.
    fn body_limit(&self) -> usize {
        self.head_len.saturating_add(self.format.max)
    }

    /// The error for a body that runs past the maximum with no end in sight.
    fn body_past_max(&self) -> HttpError {
        HttpError::BodyTooLarge { needed: self.format.max as u64 + 1, max: self.format.max }
    }

    /// The next line break in `src[pos..limit]`, counting the bytes
    /// examined: `pos` moves past it, or to `limit` when there is none (a
    /// later call goes on from there, so each byte is examined once).
    fn next_line_break(&mut self, src: &[u8], limit: usize) -> Option<usize> {
        let from = self.pos.min(limit);
        let Some(i) = memchr::memchr(b'\n', &src[from..limit]) else {
            self.scanned += (limit - from) as u64;
            self.pos = limit;
            return None;
        };
        self.scanned += i as u64 + 1;
        self.pos = from + i + 1;
        // Every caller loops until the message ends: a scan that does not
        // move on would find the same line break forever.
        debug_assert!(self.pos > from, "line scan stuck at {from}");
        Some(from + i)
    }

    /// Looks for the end of the head from `pos`; its length once found.
    fn find_head_end(&mut self, src: &[u8]) -> Result<Option<usize>, HttpError> {
        let max = self.format.head_max;
        loop {
            let from = self.pos;
            let Some(nl) = self.next_line_break(src, src.len().min(max)) else {
                if src.len() >= max {
                    return Err(HttpError::HeadTooLarge { max });
                }
                return Ok(None);
            };
            // A line break followed by an empty line ends the head.
            let end = match (src.get(nl + 1), src.get(nl + 2)) {
                (Some(b'\n'), _) => nl + 2,
                (Some(b'\r'), Some(b'\n')) => nl + 3,
                (None, _) | (Some(b'\r'), None) => {
                    // Not yet known; look at this line break again later.
                    self.pos = nl;
                    if src.len() >= max {
                        return Err(HttpError::HeadTooLarge { max });
                    }
                    return Ok(None);
                }
                _ => {
                    // Not the end: the next turn must start further on.
                    debug_assert!(self.pos > from, "head scan stuck at {from}");
                    continue;
                }
            };
            if end > max {
                return Err(HttpError::HeadTooLarge { max });
            }
            return Ok(Some(end));
        }
    }

    /// Parses a complete head of `len` bytes and decides how its body is framed.
    fn parse_head(&mut self, head: &[u8]) -> Result<Body, HttpError> {
        let response = match self.format.mode {
            HttpMode::Auto => head.starts_with(b"HTTP/"),
            HttpMode::Request if head.starts_with(b"HTTP/") => {
                return Err(HttpError::UnexpectedKind { expected: "request" });
            }
            HttpMode::Request => false,
            HttpMode::Response if !head.starts_with(b"HTTP/") => {
                return Err(HttpError::UnexpectedKind { expected: "response" });
            }
            HttpMode::Response => true,
        };
        let kind = if response { "response" } else { "request" };
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let parsed = if response {
            let mut r = httparse::Response::new(&mut headers);
            r.parse(head).map(|s| (s, None, r.code, r.headers.len()))
        } else {
            let mut r = httparse::Request::new(&mut headers);
            r.parse(head).map(|s| (s, r.method.map(RequestMethod::of), None, r.headers.len()))
        };
        let (status, method, code, n) = match parsed {
            Err(httparse::Error::TooManyHeaders) => return Err(HttpError::TooManyHeaders { max: MAX_HEADERS }),
            Err(e) => return Err(HttpError::BadHead { kind, reason: e.to_string() }),
            Ok(p) => p,
        };
        if status != httparse::Status::Complete(head.len()) {
            // Only empty lines before the start line get here.
            return Err(HttpError::BadHead { kind, reason: "empty lines before the start line".into() });
        }
        let (length, coding) = body_headers(&headers[..n])?;
        if !response {
            self.last_request = method;
            return match (coding, length) {
                (Some((true, _)), _) => Ok(Body::Chunked),
                (Some((false, value)), _) => Err(HttpError::UnsupportedTransferEncoding { value }),
                (None, Some(n)) => Ok(Body::Length(n)),
                (None, None) => Ok(Body::None),
            };
        }
        let code = code.unwrap_or(0);
        if (100..200).contains(&code) {
            // Interim: the final response still answers the same request.
            return Ok(if code == 101 { Body::Tunnel } else { Body::None });
        }
        let method = self.pending.pop_front().unwrap_or(self.format.method);
        Ok(match (method, code, coding, length) {
            (RequestMethod::Head, ..) | (_, 204 | 304, ..) => Body::None,
            (RequestMethod::Connect, 200..=299, ..) => Body::Tunnel,
            (_, _, Some((true, _)), _) => Body::Chunked,
            (_, _, Some((false, _)), _) => Body::ToEof,
            (_, _, None, Some(n)) => Body::Length(n),
            (_, _, None, None) => Body::ToEof,
        })
    }

    /// Parses a chunk-size line (without its `\r\n`) at `offset`.
    fn chunk_size(line: &[u8], offset: usize) -> Result<u64, HttpError> {
        let bad = || HttpError::BadChunkSize { offset, line: error_text(line) };
        let hex = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        if hex == 0 {
            return Err(bad());
        }
        // Only hex digits: the one error left is overflow.
        let digits = std::str::from_utf8(&line[..hex]).expect("hex digits are ASCII");
        let size = u64::from_str_radix(digits, 16).map_err(|_| HttpError::ChunkSizeOverflow { offset })?;
        // Then optional whitespace and `;` extensions; no control bytes.
        let rest = &line[hex..];
        let ext = rest.trim_ascii_start();
        let clean = rest.iter().all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f));
        if !clean || !(ext.is_empty() || ext[0] == b';') {
            return Err(bad());
        }
        Ok(size)
    }
}

impl Default for HttpCodec {
    fn default() -> Self {
        HttpCodec::new(HttpFormat::default())
    }
}

/// The `Content-Length`, and the transfer coding as (ends in chunked, the
/// codings), refusing duplicates, conflicts and both together.
type BodyHeaders = (Option<u64>, Option<(bool, String)>);

fn body_headers(headers: &[httparse::Header<'_>]) -> Result<BodyHeaders, HttpError> {
    let mut length: Option<u64> = None;
    let mut codings: Option<Vec<&[u8]>> = None;
    for h in headers {
        if h.name.eq_ignore_ascii_case("content-length") {
            // A list (`5, 5`) is as many fields.
            for v in h.value.split(|b| *b == b',') {
                let v = v.trim_ascii();
                if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
                    return Err(HttpError::BadContentLength { value: error_text(h.value) });
                }
                let n = v.iter().try_fold(0u64, |n, d| n.checked_mul(10)?.checked_add(u64::from(d - b'0')));
                let n = n.ok_or_else(|| HttpError::ContentLengthOverflow { value: error_text(v) })?;
                match length {
                    None => length = Some(n),
                    Some(first) if first == n => return Err(HttpError::DuplicateContentLength { value: n }),
                    Some(first) => return Err(HttpError::ConflictingContentLength { first, second: n }),
                }
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            let list = codings.get_or_insert_with(Vec::new);
            list.extend(h.value.split(|b| *b == b',').map(<[u8]>::trim_ascii).filter(|c| !c.is_empty()));
        }
    }
    let coding = match codings {
        None => None,
        Some(_) if length.is_some() => return Err(HttpError::TransferEncodingWithContentLength),
        Some(list) => {
            let chunked = |c: &[u8]| c.eq_ignore_ascii_case(b"chunked");
            // `chunked` must be last, and only there.
            let last = list.last().is_some_and(|c| chunked(c)) && list.iter().filter(|c| chunked(c)).count() == 1;
            Some((last, error_text(&list.join(&b", "[..]))))
        }
    };
    Ok((length, coding))
}

/// What one step of [`HttpCodec::decode`] found.
enum Step {
    /// A whole message ends at this offset.
    End(usize),
    /// The phase moved on; go on with the bytes there are.
    Next,
    /// Wait for more bytes.
    More,
    /// A tunnel opened (`CONNECT`, `101`): hand over the head alone.
    TunnelHead(usize),
}

impl HttpCodec {
    /// The message ends at `end`, once that many bytes are in: reserves
    /// only what is missing of a body known to fit.
    fn wait_for(src: &mut BytesMut, end: usize) -> Step {
        if src.len() < end {
            src.reserve(end - src.len());
            return Step::More;
        }
        Step::End(end)
    }

    /// Finds and parses the head, then picks how the body is read.
    fn head_step(&mut self, src: &BytesMut) -> Result<Step, HttpError> {
        let Some(head_len) = self.find_head_end(src)? else { return Ok(Step::More) };
        self.head_len = head_len;
        self.pos = head_len;
        match self.parse_head(&src[..head_len])? {
            Body::None => return Ok(Step::End(head_len)),
            Body::Tunnel => {
                self.phase = Phase::Tunnel;
                self.pos = 0;
                return Ok(Step::TunnelHead(head_len));
            }
            Body::ToEof => self.phase = Phase::ToEof,
            Body::Chunked => self.phase = Phase::ChunkLine { start: head_len },
            Body::Length(n) => {
                if n > self.format.max as u64 {
                    return Err(HttpError::BodyTooLarge { needed: n, max: self.format.max });
                }
                self.phase = Phase::Fixed { end: head_len + n as usize };
            }
        }
        Ok(Step::Next)
    }

    /// Reads one chunk-size line starting at `start`.
    fn chunk_line_step(&mut self, src: &BytesMut, start: usize) -> Result<Step, HttpError> {
        let window = self.body_limit().min(start + CHUNK_LINE_MAX);
        let Some(nl) = self.next_line_break(src, src.len().min(window)) else {
            if src.len() < window {
                return Ok(Step::More);
            }
            return Err(if window == self.body_limit() {
                self.body_past_max()
            } else {
                HttpError::ChunkLineTooLong { offset: start, max: CHUNK_LINE_MAX }
            });
        };
        if nl == start || src[nl - 1] != b'\r' {
            return Err(HttpError::BadChunkSize { offset: start, line: error_text(&src[start..nl]) });
        }
        let size = Self::chunk_size(&src[start..nl - 1], start)?;
        if size == 0 {
            self.phase = Phase::Trailers { section: self.pos, line: self.pos };
            return Ok(Step::Next);
        }
        let needed = ((self.pos - self.head_len) as u64).saturating_add(size).saturating_add(2);
        if needed > self.format.max as u64 {
            return Err(HttpError::BodyTooLarge { needed, max: self.format.max });
        }
        self.phase = Phase::ChunkData { end: self.head_len + needed as usize };
        Ok(Step::Next)
    }

    /// Waits for a chunk's data and checks the CRLF after it.
    fn chunk_data_step(&mut self, src: &mut BytesMut, end: usize) -> Result<Step, HttpError> {
        if let Step::More = Self::wait_for(src, end) {
            return Ok(Step::More);
        }
        self.scanned += 2;
        if &src[end - 2..end] != b"\r\n" {
            return Err(HttpError::BadChunkEnd { offset: end - 2 });
        }
        self.pos = end;
        self.phase = Phase::ChunkLine { start: end };
        Ok(Step::Next)
    }

    /// Reads trailer lines up to the empty one that ends the message.
    fn trailers_step(&mut self, src: &BytesMut, section: usize, line: usize) -> Result<Step, HttpError> {
        let window = self.body_limit();
        let Some(nl) = self.next_line_break(src, src.len().min(window)) else {
            if src.len() < window {
                return Ok(Step::More);
            }
            return Err(self.body_past_max());
        };
        if !(nl == line + 1 && src[line] == b'\r') {
            self.phase = Phase::Trailers { section, line: nl + 1 };
            return Ok(Step::Next);
        }
        // The empty line: the message ends here, once the trailer fields
        // before it (none is an empty list) parse as exactly that section.
        let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let ok = match httparse::parse_headers(&src[section..nl + 1], &mut fields) {
            Ok(httparse::Status::Complete((n, _))) if n == nl + 1 - section => Ok(()),
            Ok(_) => Err("not a list of fields".to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(reason) = ok {
            return Err(HttpError::BadTrailers { offset: section, reason });
        }
        Ok(Step::End(nl + 1))
    }
}

/// Through `decode` (the frame is the whole value or message): the same results as the
/// `Decoder`, no speed-up.
impl super::FrameSlices for HttpCodec {
    type Error = HttpError;

    fn frames<F: FnMut(&[u8])>(&mut self, buf: &mut BytesMut, frame: F) -> Result<usize, HttpError> {
        super::slices::via_decoder(self, buf, frame, |m| &m[..])
    }
}

impl Decoder for HttpCodec {
    type Item = BytesMut;
    type Error = HttpError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, HttpError> {
        let end = loop {
            let before = (self.phase, self.pos);
            let step = match self.phase {
                Phase::Failed => return Err(HttpError::Failed),
                Phase::Head => self.head_step(src),
                Phase::Fixed { end } => Ok(Self::wait_for(src, end)),
                Phase::ChunkLine { start } => self.chunk_line_step(src, start),
                Phase::ChunkData { end } => self.chunk_data_step(src, end),
                Phase::Trailers { section, line } => self.trailers_step(src, section, line),
                Phase::ToEof | Phase::Tunnel => {
                    let limit = if self.phase == Phase::Tunnel { self.format.max } else { self.body_limit() };
                    if src.len() > limit { Err(self.body_past_max()) } else { Ok(Step::More) }
                }
            };
            match step {
                Ok(Step::End(end)) => break end,
                // Every step that goes on moves the phase or the scan.
                Ok(Step::Next) => debug_assert!((self.phase, self.pos) != before, "decode stuck at {before:?}"),
                Ok(Step::More) => return Ok(None),
                Ok(Step::TunnelHead(n)) => return Ok(Some(src.split_to(n))),
                Err(e) => return self.fail(e),
            }
        };
        self.phase = Phase::Head;
        self.pos = 0;
        self.head_len = 0;
        Ok(Some(src.split_to(end)))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, HttpError> {
        if let Some(frame) = self.decode(src)? {
            return Ok(Some(frame));
        }
        match self.phase {
            _ if src.is_empty() && matches!(self.phase, Phase::Head | Phase::Tunnel) => Ok(None),
            Phase::ToEof | Phase::Tunnel => {
                self.phase = Phase::Head;
                self.pos = 0;
                self.head_len = 0;
                Ok(Some(src.split_to(src.len())))
            }
            _ => {
                let len = src.len();
                let part = if self.phase == Phase::Head { "head" } else { "body" };
                src.clear();
                self.fail(HttpError::Truncated { len, part })
            }
        }
    }
}

/// `METHOD TARGET` (one line, two words) as a whole request.
fn shorthand(item: &[u8]) -> Option<Vec<u8>> {
    // A status line (`HTTP/1.1 200`) is no shorthand: `/` is not in a method.
    if item.contains(&b'\n') {
        return None;
    }
    let mut words = item.split(u8::is_ascii_whitespace).filter(|w| !w.is_empty());
    let (method, target) = (words.next()?, words.next()?);
    if words.next().is_some() || !method.iter().all(|b| b.is_ascii_alphabetic() || *b == b'-') {
        return None;
    }
    Some([method, b" ", target, b" HTTP/1.1\r\nHost: localhost\r\n\r\n"].concat())
}

impl Encoder<&[u8]> for HttpCodec {
    type Error = HttpError;

    fn encode(&mut self, item: &[u8], dst: &mut BytesMut) -> Result<(), HttpError> {
        let expanded = shorthand(item);
        let msg = expanded.as_deref().unwrap_or(item);
        // Exactly one whole message, by this codec's own limits.
        let mut check = HttpCodec::new(HttpFormat { mode: HttpMode::Auto, ..self.format });
        let mut buf = BytesMut::from(msg);
        let frame = match check.decode(&mut buf)? {
            Some(f) => f,
            None => match check.decode_eof(&mut buf) {
                Ok(Some(f)) => f,
                Ok(None) | Err(HttpError::Truncated { .. }) => {
                    return Err(HttpError::IncompleteMessage { len: msg.len() });
                }
                Err(e) => return Err(e),
            },
        };
        if !buf.is_empty() {
            return Err(HttpError::TrailingBytes { at: frame.len() });
        }
        if let Some(method) = check.last_request {
            self.pending.push_back(method);
        }
        dst.extend_from_slice(msg);
        Ok(())
    }
}

impl Encoder<Bytes> for HttpCodec {
    type Error = HttpError;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), HttpError> {
        self.encode(&item[..], dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BufMut;

    fn codec(mode: HttpMode, head_max: usize, max: usize) -> HttpCodec {
        HttpCodec::new(HttpFormat { mode, head_max, max, method: RequestMethod::Get })
    }

    fn frames(c: &mut HttpCodec, stream: &[u8]) -> Result<Vec<Vec<u8>>, HttpError> {
        crate::check::decode_whole(c, stream)
    }

    fn error(c: &mut HttpCodec, stream: &[u8]) -> HttpError {
        frames(c, stream).expect_err("expected an error")
    }

    const REQUESTS: &[&[u8]] = &[
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        b"POST /submit HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
        b"PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;name=v\r\nhello\r\n0\r\n\r\n",
        b"POST /t HTTP/1.1\r\ntransfer-encoding: gzip, chunked\r\n\r\n3\r\n\r\n\n\r\n000\r\nExpires: never\r\nX: y\r\n\r\n",
        b"GET /lf HTTP/1.1\nHost: a\n\n",
        b"DELETE /z HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
    ];

    const RESPONSES: &[&[u8]] = &[
        b"HTTP/1.1 100 Continue\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nDate: Mon\r\n\r\nok",
        b"HTTP/1.1 204 No Content\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n",
        b"HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n",
        b"HTTP/1.0 200 OK\r\n\r\nread to the end of the stream\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
    ];

    #[test]
    fn requests_and_responses_decode_to_their_own_bytes() {
        for (mode, msgs) in [(HttpMode::Request, REQUESTS), (HttpMode::Response, RESPONSES)] {
            for m in [HttpMode::Auto, mode] {
                let got = frames(&mut codec(m, 1024, 1024), &msgs.concat()).unwrap();
                assert_eq!(got, msgs.iter().map(|m| m.to_vec()).collect::<Vec<_>>(), "{m:?}");
            }
        }
    }

    #[test]
    fn stream_cut_at_every_offset_gives_the_same_frames() {
        for msgs in [REQUESTS, RESPONSES] {
            let stream = msgs.concat();
            let want = frames(&mut HttpCodec::default(), &stream).unwrap();
            for cut in 0..=stream.len() {
                let mut c = HttpCodec::default();
                let mut buf = BytesMut::from(&stream[..cut]);
                let mut got = Vec::new();
                while let Some(f) = c.decode(&mut buf).unwrap() {
                    got.push(f.to_vec());
                }
                buf.extend_from_slice(&stream[cut..]);
                while let Some(f) = c.decode(&mut buf).unwrap() {
                    got.push(f.to_vec());
                }
                while let Some(f) = c.decode_eof(&mut buf).unwrap() {
                    got.push(f.to_vec());
                }
                assert_eq!(got, want, "cut at {cut}");
            }
        }
    }

    #[test]
    fn responses_to_head_have_no_body_and_follow_the_encoded_requests() {
        let mut c = HttpCodec::default();
        let mut wire = BytesMut::new();
        c.encode(&b"HEAD /a"[..], &mut wire).unwrap();
        c.encode(&b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n"[..], &mut wire).unwrap();
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n";
        let stream = [&head[..], head, b"abc"].concat();
        assert_eq!(frames(&mut c, &stream).unwrap(), vec![head.to_vec(), [&head[..], b"abc"].concat()]);
        // Without the requests, a codec told that responses answer HEAD.
        let mut c = HttpCodec::new(HttpFormat { method: RequestMethod::Head, ..HttpFormat::default() });
        assert_eq!(frames(&mut c, &[&head[..], head].concat()).unwrap().len(), 2);
        let mut c = HttpCodec::default();
        c.expect_response_to("HEAD");
        assert_eq!(frames(&mut c, &stream).unwrap().len(), 2);
    }

    #[test]
    fn switching_protocols_makes_the_rest_one_frame() {
        let stream = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello";
        let got = frames(&mut HttpCodec::default(), stream).unwrap();
        assert_eq!(got, vec![stream[..56].to_vec(), b"\x81\x05hello".to_vec()]);
    }

    #[test]
    fn a_chunk_size_that_overflows_u64_is_refused() {
        for size in ["10000000000000000", "FFFFFFFFFFFFFFFFF", "00000000000000000000000000001"] {
            let stream = format!("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{size}\r\nx");
            let e = error(&mut HttpCodec::default(), stream.as_bytes());
            if size.starts_with("0000") {
                assert!(matches!(e, HttpError::Truncated { part: "body", .. }), "{e}");
            } else {
                assert!(matches!(e, HttpError::ChunkSizeOverflow { offset: 47 }), "{e}");
            }
        }
        let stream = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\n";
        let mut buf = BytesMut::from(&stream[..]);
        let e = HttpCodec::default().decode(&mut buf).unwrap_err();
        assert!(matches!(e, HttpError::BodyTooLarge { needed: u64::MAX, max: DEFAULT_MAX }), "{e}");
        assert!(buf.capacity() < 1024);
    }

    #[test]
    fn two_content_lengths_are_refused_equal_or_not() {
        let e =
            error(&mut HttpCodec::default(), b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello");
        assert!(matches!(e, HttpError::DuplicateContentLength { value: 5 }), "{e}");
        let e = error(&mut HttpCodec::default(), b"POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\nhello");
        assert!(matches!(e, HttpError::DuplicateContentLength { value: 5 }), "{e}");
        let e = error(&mut HttpCodec::default(), b"POST / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 50\r\n\r\n");
        assert!(matches!(e, HttpError::ConflictingContentLength { first: 5, second: 50 }), "{e}");
        let e = error(&mut HttpCodec::default(), b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
        assert!(matches!(e, HttpError::ConflictingContentLength { first: 1, second: 2 }), "{e}");
    }

    #[test]
    fn content_length_with_transfer_encoding_is_refused() {
        let stream = b"POST / HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
        let e = error(&mut HttpCodec::default(), stream);
        assert!(matches!(e, HttpError::TransferEncodingWithContentLength), "{e}");
        let stream = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n";
        let e = error(&mut HttpCodec::default(), stream);
        assert!(matches!(e, HttpError::UnsupportedTransferEncoding { .. }), "{e}");
        let stream = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n";
        let e = error(&mut HttpCodec::default(), stream);
        assert!(matches!(e, HttpError::UnsupportedTransferEncoding { .. }), "{e}");
    }

    #[test]
    fn bad_content_lengths_are_typed_errors() {
        for (value, overflow) in
            [("-1", false), ("+5", false), ("0x10", false), ("", false), ("18446744073709551616", true)]
        {
            let stream = format!("POST / HTTP/1.1\r\nContent-Length: {value}\r\n\r\n");
            let e = error(&mut HttpCodec::default(), stream.as_bytes());
            if overflow {
                assert!(matches!(e, HttpError::ContentLengthOverflow { .. }), "{value}: {e}");
            } else {
                assert!(matches!(e, HttpError::BadContentLength { .. }), "{value}: {e}");
            }
        }
        let stream = b"POST / HTTP/1.1\r\nContent-Length: 9223372036854775808\r\n\r\n";
        let mut buf = BytesMut::from(&stream[..]);
        let e = HttpCodec::default().decode(&mut buf).unwrap_err();
        assert!(matches!(e, HttpError::BodyTooLarge { needed: 9223372036854775808, max: DEFAULT_MAX }), "{e}");
        assert!(buf.capacity() < 1024, "reserved {}", buf.capacity());
    }

    #[test]
    fn a_mebibyte_head_with_no_end_fails_at_head_max_in_bounded_memory() {
        let mut c = HttpCodec::default();
        let mut buf = BytesMut::new();
        buf.extend_from_slice(b"GET / HTTP/1.1\r\n");
        let line = b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
        let mut fed = buf.len();
        let mut calls = 0;
        let mut err = None;
        while fed < 1 << 20 {
            buf.extend_from_slice(line);
            fed += line.len();
            calls += 1;
            match c.decode(&mut buf) {
                Ok(None) => {}
                Ok(Some(f)) => panic!("a frame of {} bytes", f.len()),
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        assert!(matches!(err, Some(HttpError::HeadTooLarge { max: DEFAULT_HEAD_MAX })), "{err:?}");
        // The error came as soon as head-max bytes were in, not after 1 MiB.
        assert!(fed < DEFAULT_HEAD_MAX + line.len(), "read {fed} bytes before the error");
        // Each byte is examined once, plus a line break looked at again per call.
        assert!(c.scanned_bytes() <= (fed + calls) as u64, "scanned {} of {fed} bytes", c.scanned_bytes());
        assert!(matches!(c.decode(&mut buf), Err(HttpError::Failed)));
    }

    #[test]
    fn head_exactly_at_head_max_passes_and_one_more_byte_fails() {
        let head = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        assert_eq!(frames(&mut codec(HttpMode::Auto, head.len(), 0), head).unwrap().len(), 1);
        let e = error(&mut codec(HttpMode::Auto, head.len() - 1, 0), head);
        assert!(matches!(e, HttpError::HeadTooLarge { .. }), "{e}");
    }

    #[test]
    fn bodies_past_max_are_refused_before_they_arrive() {
        let e = error(&mut codec(HttpMode::Auto, 1024, 4), b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n");
        assert!(matches!(e, HttpError::BodyTooLarge { needed: 5, max: 4 }), "{e}");
        let chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n";
        assert_eq!(frames(&mut codec(HttpMode::Auto, 1024, 12), chunked).unwrap().len(), 1);
        let e = error(&mut codec(HttpMode::Auto, 1024, 11), chunked);
        assert!(matches!(e, HttpError::BodyTooLarge { needed: 12, max: 11 }), "{e}");
        let e = error(&mut codec(HttpMode::Auto, 1024, 4), b"HTTP/1.1 200 OK\r\n\r\nabcde");
        assert!(matches!(e, HttpError::BodyTooLarge { needed: 5, max: 4 }), "{e}");
    }

    #[test]
    fn bad_chunks_and_trailers_are_typed_errors() {
        let te = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (body, check) in [
            ("g\r\n", "size"),
            ("5 x\r\nhello\r\n0\r\n\r\n", "size"),
            ("5\nhello\r\n0\r\n\r\n", "size"),
            ("5\r\nhelloXX0\r\n\r\n", "end"),
            ("0\r\nno colon\r\n\r\n", "trailers"),
        ] {
            let e = error(&mut HttpCodec::default(), format!("{te}{body}").as_bytes());
            let ok = match check {
                "size" => matches!(e, HttpError::BadChunkSize { offset: 47, .. }),
                "end" => matches!(e, HttpError::BadChunkEnd { offset: 55 }),
                _ => matches!(e, HttpError::BadTrailers { offset: 50, .. }),
            };
            assert!(ok, "{body:?}: {e}");
        }
        let long = format!("{te}1;{}\r\n", "x".repeat(CHUNK_LINE_MAX));
        let e = error(&mut HttpCodec::default(), long.as_bytes());
        assert!(matches!(e, HttpError::ChunkLineTooLong { offset: 47, max: CHUNK_LINE_MAX }), "{e}");
    }

    #[test]
    fn heads_httparse_refuses_and_wrong_kinds_are_typed_errors() {
        let e = error(&mut HttpCodec::default(), b"GET / HTTP/1.1\r\nBad Header\r\n\r\n");
        assert!(matches!(e, HttpError::BadHead { kind: "request", .. }), "{e}");
        let e = error(&mut codec(HttpMode::Request, 1024, 1024), b"HTTP/1.1 200 OK\r\n\r\n");
        assert!(matches!(e, HttpError::UnexpectedKind { expected: "request" }), "{e}");
        let e = error(&mut codec(HttpMode::Response, 1024, 1024), b"GET / HTTP/1.1\r\n\r\n");
        assert!(matches!(e, HttpError::UnexpectedKind { expected: "response" }), "{e}");
        let many: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: v\r\n")).collect();
        let e = error(&mut codec(HttpMode::Auto, 1 << 20, 0), format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes());
        assert!(matches!(e, HttpError::TooManyHeaders { max: MAX_HEADERS }), "{e}");
        let e = error(&mut HttpCodec::default(), b"GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel");
        assert!(matches!(e, HttpError::Truncated { len: 40, part: "body" }), "{e}");
        let e = error(&mut HttpCodec::default(), b"GET / HTTP/1.1\r\n");
        assert!(matches!(e, HttpError::Truncated { len: 16, part: "head" }), "{e}");
    }

    #[test]
    fn encoder_checks_for_exactly_one_message() {
        let mut c = HttpCodec::default();
        let mut wire = BytesMut::new();
        c.encode(REQUESTS[2], &mut wire).unwrap();
        c.encode(RESPONSES[1], &mut wire).unwrap();
        assert_eq!(&wire[..], &[REQUESTS[2], RESPONSES[1]].concat()[..]);
        let e = c.encode(&b"GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhi"[..], &mut wire).unwrap_err();
        assert!(matches!(e, HttpError::IncompleteMessage { len: 39 }), "{e}");
        let e = c.encode(&[REQUESTS[0], REQUESTS[0]].concat()[..], &mut wire).unwrap_err();
        assert!(matches!(e, HttpError::TrailingBytes { at: 27 }), "{e}");
        let e = c.encode(&b"GET /a b"[..], &mut wire).unwrap_err();
        assert!(matches!(e, HttpError::IncompleteMessage { .. }), "{e}");
        let e = c.encode(&b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"[..], &mut wire);
        assert!(matches!(e, Err(HttpError::DuplicateContentLength { value: 1 })));
    }

    #[test]
    fn body_split_reserves_only_what_is_missing() {
        let mut c = HttpCodec::default();
        let mut buf = BytesMut::with_capacity(64);
        buf.put_slice(b"POST / HTTP/1.1\r\nContent-Length: 1000\r\n\r\nab");
        assert!(c.decode(&mut buf).unwrap().is_none());
        // What is missing of the 1040 bytes, not more: capacity 1040.
        assert!(buf.capacity() >= 1040 && buf.capacity() < 1040 + buf.len(), "{}", buf.capacity());
    }

    /// Decodes `stream` fed in two reads cut at `cut` and returns the
    /// frame and the bytes scanned for it.
    fn scanned_for(stream: &[u8], cut: usize) -> (Vec<u8>, u64) {
        let mut c = HttpCodec::default();
        let mut buf = BytesMut::from(&stream[..cut]);
        assert!(c.decode(&mut buf).unwrap().is_none(), "a frame from the first {cut} bytes");
        buf.extend_from_slice(&stream[cut..]);
        let frame = c.decode(&mut buf).unwrap().expect("a whole message");
        (frame.to_vec(), c.scanned_bytes())
    }

    #[test]
    fn a_chunked_message_is_scanned_once_whole_or_cut_inside_a_line() {
        // Every byte is examined once, but the head's blank line (the search
        // stops where it starts) and the chunk data (skipped by its size).
        for (stream, data) in [(REQUESTS[2], 5), (REQUESTS[3], 3)] {
            let mut c = HttpCodec::default();
            assert_eq!(frames(&mut c, stream).unwrap(), vec![stream.to_vec()]);
            let whole = (stream.len() - 2 - data) as u64;
            assert_eq!(c.scanned_bytes(), whole);
        }
        // Cut inside a head line, the chunk-size line `5;name=v`, the data:
        // the second read goes on where the first stopped.
        let stream = REQUESTS[2];
        let head = b"PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".len();
        let whole = (stream.len() - 2 - 5) as u64;
        for cut in [5, head + 4, head + 12] {
            assert_eq!(scanned_for(stream, cut), (stream.to_vec(), whole), "cut at {cut}");
        }
    }

    #[test]
    fn chunk_size_lines_take_tabs_and_extensions_and_refuse_control_bytes() {
        let te = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        let ok = format!("{te}5\t;a=b\r\nhello\r\n0\r\n\r\n");
        assert_eq!(frames(&mut HttpCodec::default(), ok.as_bytes()).unwrap(), vec![ok.as_bytes().to_vec()]);
        for line in ["5;\x01", "5;\x7f", "5\x00"] {
            let e = error(&mut HttpCodec::default(), format!("{te}{line}\r\nhello\r\n0\r\n\r\n").as_bytes());
            assert!(matches!(&e, HttpError::BadChunkSize { offset: 47, line: l } if l == line), "{line:?}: {e}");
        }
    }

    #[test]
    fn bad_chunk_size_errors_show_the_line_cut_at_40_bytes() {
        let te = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        let forty = "g".repeat(40);
        let long = "g".repeat(41);
        for (line, shown) in [
            // Without its `\r` a line is shown whole.
            ("5\n", "5".to_string()),
            ("55\n", "55".to_string()),
            (&*format!("{forty}\r\n"), forty.clone()),
            (&*format!("{long}\r\n"), format!("{forty}...")),
        ] {
            let e = error(&mut HttpCodec::default(), format!("{te}{line}hello\r\n0\r\n\r\n").as_bytes());
            assert!(matches!(&e, HttpError::BadChunkSize { offset: 47, line: l } if *l == shown), "{line:?}: {e}");
        }
    }

    #[test]
    fn bodies_of_exactly_max_pass() {
        // A Content-Length of max.
        let msg = b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd";
        assert_eq!(frames(&mut codec(HttpMode::Auto, 1024, 4), msg).unwrap(), vec![msg.to_vec()]);
        // A chunk that reaches max exactly (3 + 2 + 2 bytes): the last chunk
        // after it is one byte past.
        let chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n";
        let e = error(&mut codec(HttpMode::Auto, 1024, 7), chunked);
        assert!(matches!(e, HttpError::BodyTooLarge { needed: 8, max: 7 }), "{e}");
        // A body read to the end of the stream, and a tunnel after 101.
        let to_eof = b"HTTP/1.0 200 OK\r\n\r\nabcde";
        assert_eq!(frames(&mut codec(HttpMode::Auto, 1024, 5), to_eof).unwrap(), vec![to_eof.to_vec()]);
        let e = error(&mut codec(HttpMode::Auto, 1024, 4), to_eof);
        assert!(matches!(e, HttpError::BodyTooLarge { needed: 5, max: 4 }), "{e}");
        let head = b"HTTP/1.1 101 Switching Protocols\r\n\r\n";
        let tunnel = [&head[..], b"abcde"].concat();
        assert_eq!(
            frames(&mut codec(HttpMode::Auto, 1024, 5), &tunnel).unwrap(),
            vec![head.to_vec(), b"abcde".to_vec()]
        );
        let e = error(&mut codec(HttpMode::Auto, 1024, 4), &tunnel);
        assert!(matches!(e, HttpError::BodyTooLarge { needed: 5, max: 4 }), "{e}");
    }

    #[test]
    fn lines_that_reach_their_limit_fail_at_once() {
        let te = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        // A chunk-size line of exactly CHUNK_LINE_MAX bytes with no end yet.
        let mut buf = BytesMut::from(format!("{te}1;{}", "x".repeat(CHUNK_LINE_MAX - 2)).as_bytes());
        let e = HttpCodec::default().decode(&mut buf).unwrap_err();
        assert!(matches!(e, HttpError::ChunkLineTooLong { offset: 47, max: CHUNK_LINE_MAX }), "{e}");
        // The same one byte short waits for more.
        let mut buf = BytesMut::from(format!("{te}1;{}", "x".repeat(CHUNK_LINE_MAX - 3)).as_bytes());
        assert!(HttpCodec::default().decode(&mut buf).unwrap().is_none());
        // A chunk-size line, then a trailer line, that reach max.
        for (max, body) in [(5, "12345"), (6, "0\r\nX:y")] {
            let mut buf = BytesMut::from(format!("{te}{body}").as_bytes());
            let e = codec(HttpMode::Auto, 1024, max).decode(&mut buf).unwrap_err();
            assert!(
                matches!(e, HttpError::BodyTooLarge { needed, max: m } if needed == max as u64 + 1 && m == max),
                "{e}"
            );
            let mut buf = BytesMut::from(format!("{te}{body}").as_bytes());
            assert!(codec(HttpMode::Auto, 1024, max + 1).decode(&mut buf).unwrap().is_none(), "{body:?}");
        }
    }

    #[test]
    fn trailers_end_only_at_an_empty_crlf_line_and_must_parse_whole() {
        let te = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
        // A one-byte line is not the empty line: wait for it.
        let mut c = HttpCodec::default();
        let mut buf = BytesMut::from(format!("{te}X\n").as_bytes());
        assert!(c.decode(&mut buf).unwrap().is_none());
        buf.extend_from_slice(b"\r\n");
        assert!(matches!(c.decode(&mut buf), Err(HttpError::BadTrailers { offset: 50, .. })));
        // httparse ends the fields at the bare `\n` line, before the section does.
        let e = error(&mut HttpCodec::default(), format!("{te}X: y\r\n\n\r\n").as_bytes());
        assert!(matches!(&e, HttpError::BadTrailers { offset: 50, reason } if reason == "not a list of fields"), "{e}");
    }

    #[test]
    fn the_encoder_shorthand_is_one_line_of_a_method_and_a_target() {
        let mut c = HttpCodec::default();
        let mut wire = BytesMut::new();
        c.encode(&b"M-SEARCH *"[..], &mut wire).unwrap();
        assert_eq!(&wire[..], b"M-SEARCH * HTTP/1.1\r\nHost: localhost\r\n\r\n");
        // Not a method, or not one line: taken as written, and incomplete.
        for item in [&b"GET1 /"[..], b"GET /\n", b"HTTP/1.1 200"] {
            let e = c.encode(item, &mut wire).unwrap_err();
            assert!(matches!(e, HttpError::IncompleteMessage { len } if len == item.len()), "{item:?}: {e}");
        }
    }
}
