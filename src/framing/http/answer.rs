//! HTTP answers: what a response cut by `framing = "http"` must be, one
//! HTTP response per request, as written in `[response] answers` (besides
//! the forms every protocol has, `any` and `/REGEX/`, where the regex sees
//! the whole HTTP response, head included):
//!
//! | answer | matches |
//! |---|---|
//! | `status CODE` | an HTTP response with that status code |
//! | `status CODE length N` | ... and a body of N bytes (for an answer to `HEAD`: a `Content-Length` of N) |
//! | `status CODE body TEXT` | ... and exactly that body (after de-chunking); `length` may come first |
//!
//! Headers are never compared (a `Date` or `ETag` that changes does not
//! matter); a regex can check one when it must. HTTP `1xx` interim
//! responses (`100 Continue`) are not answers and are skipped (`101
//! Switching Protocols` is one). A status of 400 and up is an error; a
//! `400 Bad Request` is what a server answers to a piece of a request.
//!
//! The codec that cuts the responses is told the method of each request
//! ([`HttpCodec::expect_response_to`](super::HttpCodec::expect_response_to)),
//! so that the answers to `HEAD` have no body.

use std::sync::Arc;

use bytes::Bytes;

use super::MAX_HEADERS;
use crate::framing::AnyCodec;
use crate::framing::answer::{AnswerFormError, AnswerSyntax, ProtocolAnswer};

/// The HTTP answer forms.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HttpAnswers;

/// An HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HttpAnswer {
    status: u16,
    length: Option<usize>,
    body: Option<String>,
}

fn number<T: std::str::FromStr>(v: &str, what: &'static str) -> Result<T, AnswerFormError> {
    v.parse().map_err(|_| AnswerFormError::Number { what })
}

/// `status CODE [length N] [body TEXT]`, `status ` taken off.
fn parse_http(rest: &str) -> Result<HttpAnswer, AnswerFormError> {
    let (code, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let status: u16 = number(code, "a status code")?;
    if !(100..=599).contains(&status) {
        return Err(AnswerFormError::Range { what: "a status code", range: "100 to 599" });
    }
    let mut length = None;
    if let Some(r) = rest.strip_prefix("length ") {
        let (n, r) = r.split_once(' ').unwrap_or((r, ""));
        length = Some(number::<usize>(n, "a body length")?);
        rest = r;
    }
    let body = if rest == "body" {
        Some(String::new())
    } else if let Some(b) = rest.strip_prefix("body ") {
        Some(b.to_owned())
    } else if rest.is_empty() {
        None
    } else {
        return Err(AnswerFormError::Unknown);
    };
    if let (Some(n), Some(b)) = (length, &body)
        && b.len() != n
    {
        return Err(AnswerFormError::Length { declared: n, actual: b.len() });
    }
    Ok(HttpAnswer { status, length, body })
}

/// The status code of an HTTP response head, if `reply` starts with one.
fn http_status(reply: &[u8]) -> Option<u16> {
    http_head(reply).map(|h| h.status)
}

/// The method of an HTTP request (its first word).
fn request_method(frame: &[u8]) -> Option<&str> {
    let end = frame.iter().position(|b| *b == b' ')?;
    std::str::from_utf8(&frame[..end]).ok()
}

impl AnswerSyntax for HttpAnswers {
    fn strategy(&self) -> &'static str {
        <super::Http as crate::framing::Strategy>::INFO.name
    }

    fn display_name(&self) -> &'static str {
        "HTTP"
    }

    fn forms(&self) -> &'static str {
        "an HTTP status (`status 200`, `status 200 length 6`, `status 200 body hello`)"
    }

    fn parse(&self, text: &str) -> Option<Result<Arc<dyn ProtocolAnswer>, AnswerFormError>> {
        let rest = text.strip_prefix("status ")?;
        Some(parse_http(rest).map(|a| Arc::new(a) as Arc<dyn ProtocolAnswer>))
    }

    fn is_error_reply(&self, reply: &[u8]) -> bool {
        http_status(reply).is_some_and(|s| s >= 400)
    }

    fn is_bad_request_reply(&self, reply: &[u8]) -> bool {
        http_status(reply) == Some(400)
    }

    fn is_interim(&self, reply: &[u8]) -> bool {
        // (Only a response head has a status: another protocol's reply has none.)
        http_status(reply).is_some_and(|s| (100..200).contains(&s) && s != 101)
    }

    fn is_head_request(&self, frame: &[u8]) -> bool {
        request_method(frame) == Some("HEAD")
    }

    fn announced_close(&self, reply: &[u8]) -> Option<&'static str> {
        http_head(reply)?.closes
    }

    fn prepare_reply_codec(&self, codec: &mut AnyCodec, requests: &[Bytes]) {
        if let AnyCodec::Http(c) = codec {
            for f in requests {
                if !f.starts_with(b"HTTP/")
                    && let Some(m) = request_method(f)
                {
                    c.expect_response_to(m);
                }
            }
        }
    }
}

/// What the oracle needs from an HTTP response head.
struct Head {
    status: u16,
    len: usize,
    chunked: bool,
    content_length: Option<usize>,
    /// The connection ends after this response: why, when it says so.
    closes: Option<&'static str>,
}

fn http_head(reply: &[u8]) -> Option<Head> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut r = httparse::Response::new(&mut headers);
    let httparse::Status::Complete(len) = r.parse(reply).ok()? else { return None };
    let mut chunked = false;
    let mut content_length = None;
    let (mut close, mut keep_alive) = (false, false);
    for h in r.headers.iter() {
        if h.name.eq_ignore_ascii_case("connection") {
            for token in h.value.split(|b| *b == b',').map(<[u8]>::trim_ascii) {
                close |= token.eq_ignore_ascii_case(b"close");
                keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
            }
        }
        if h.name.eq_ignore_ascii_case("transfer-encoding") {
            chunked =
                h.value.rsplit(|b| *b == b',').next().is_some_and(|c| c.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        } else if h.name.eq_ignore_ascii_case("content-length") {
            content_length = std::str::from_utf8(h.value).ok().and_then(|v| v.trim().parse().ok());
        }
    }
    // RFC 9112 9.3: `close` ends any connection; HTTP/1.0 closes unless
    // the response keeps it alive.
    let closes = if close {
        Some("its answer says Connection: close")
    } else if r.version == Some(0) && !keep_alive {
        Some("its answer is HTTP/1.0, which closes after each response")
    } else {
        None
    };
    Some(Head { status: r.code?, len, chunked, content_length, closes })
}

/// The data of a chunked body (already checked by the framing); `None`
/// when it is not well-formed after all.
fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let nl = memchr::memmem::find(b, b"\r\n")?;
        let size_text = b[..nl].split(|c| *c == b';').next()?;
        let size = usize::from_str_radix(std::str::from_utf8(size_text).ok()?.trim(), 16).ok()?;
        b = &b[nl + 2..];
        if size == 0 {
            return Some(out);
        }
        if b.len() < size.checked_add(2)? {
            return None;
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
}

impl ProtocolAnswer for HttpAnswer {
    fn syntax(&self) -> &'static dyn AnswerSyntax {
        &HttpAnswers
    }

    fn matches(&self, reply: &[u8], head_request: bool) -> bool {
        let Some(h) = http_head(reply) else { return false };
        if h.status != self.status {
            return false;
        }
        let raw = &reply[h.len..];
        let body = if h.chunked {
            match dechunk(raw) {
                Some(b) => b,
                None => return false,
            }
        } else {
            raw.to_vec()
        };
        let len = if head_request && body.is_empty() { h.content_length.unwrap_or(0) } else { body.len() };
        self.length.is_none_or(|n| n == len) && self.body.as_ref().is_none_or(|t| body == t.as_bytes())
    }
}
