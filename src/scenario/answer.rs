//! `[response] answers`: one expected reply per request of a real
//! protocol (RESP, HTTP/1.1), read and checked when the scenario file
//! loads, and whether a reply is its answer. The answer forms and the
//! verdicts built on them are described in `judge::protocol`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

/// One expected reply, as written in `[response] answers`.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The text as written (shown in verdict details).
    text: String,
    /// What it matches.
    kind: AnswerKind,
}

#[derive(Debug, Clone)]
enum AnswerKind {
    Any,
    Match(regex::bytes::Regex),
    Resp(RespAnswer),
    Http(HttpAnswer),
}

/// A RESP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RespAnswer {
    Simple(String),
    Error(String),
    Integer(i64),
    Bulk { len: usize, text: Option<String> },
    Null,
    Array(usize),
}

/// An HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HttpAnswer {
    status: u16,
    length: Option<usize>,
    body: Option<String>,
}

/// Which protocol an answer is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerProtocol {
    /// `any` or a regex: any protocol.
    Any,
    /// A RESP value pattern.
    Resp,
    /// An HTTP `status` pattern.
    Http,
}

/// An answer that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    /// Not one of the forms.
    #[error(
        "{0:?} is not an answer: write `any`, `/REGEX/`, a RESP value (`+OK`, `-ERR`, `:1`, `$5 hello`, `$5`, `$-1`, `*2`, `_`) or an HTTP status (`status 200`, `status 200 length 6`, `status 200 body hello`)"
    )]
    Unknown(String),
    /// A regex that does not compile.
    #[error("{text:?}: not a regular expression: {reason}")]
    Regex {
        /// The answer.
        text: String,
        /// The regex crate's message.
        reason: String,
    },
    /// A number that is not one.
    #[error("{text:?}: {what} must be a number")]
    Number {
        /// The answer.
        text: String,
        /// Which number.
        what: &'static str,
    },
    /// `$N TEXT` where TEXT is not N bytes long.
    #[error("{text:?}: declares {declared} bytes, and the text has {actual}")]
    Length {
        /// The answer.
        text: String,
        /// N.
        declared: usize,
        /// The text's length.
        actual: usize,
    },
    /// A status code outside 100..=599.
    #[error("{text:?}: a status code is 100 to 599")]
    Status {
        /// The answer.
        text: String,
    },
}

impl FromStr for Answer {
    type Err = AnswerError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.to_owned();
        let kind = if s == "any" {
            AnswerKind::Any
        } else if s.len() >= 2 && s.starts_with('/') && s.ends_with('/') {
            let re = regex::bytes::Regex::new(&s[1..s.len() - 1])
                .map_err(|e| AnswerError::Regex { text: text.clone(), reason: e.to_string() })?;
            AnswerKind::Match(re)
        } else if let Some(rest) = s.strip_prefix("status ") {
            AnswerKind::Http(parse_http(&text, rest)?)
        } else if let Some(rest) = s.strip_prefix('+') {
            AnswerKind::Resp(RespAnswer::Simple(rest.to_owned()))
        } else if let Some(rest) = s.strip_prefix('-') {
            AnswerKind::Resp(RespAnswer::Error(rest.to_owned()))
        } else if let Some(rest) = s.strip_prefix(':') {
            AnswerKind::Resp(RespAnswer::Integer(number(&text, rest, "an integer")?))
        } else if s == "_" || s == "$-1" || s == "*-1" {
            AnswerKind::Resp(RespAnswer::Null)
        } else if let Some(rest) = s.strip_prefix('$') {
            let (n, body) = match rest.split_once(' ') {
                Some((n, b)) => (n, Some(b.to_owned())),
                None => (rest, None),
            };
            let len: usize = number(&text, n, "a bulk length")?;
            if let Some(b) = &body
                && b.len() != len
            {
                return Err(AnswerError::Length { text, declared: len, actual: b.len() });
            }
            AnswerKind::Resp(RespAnswer::Bulk { len, text: body })
        } else if let Some(rest) = s.strip_prefix('*') {
            AnswerKind::Resp(RespAnswer::Array(number(&text, rest, "an array count")?))
        } else {
            return Err(AnswerError::Unknown(text));
        };
        Ok(Answer { text, kind })
    }
}

fn number<T: FromStr>(text: &str, v: &str, what: &'static str) -> Result<T, AnswerError> {
    v.parse().map_err(|_| AnswerError::Number { text: text.to_owned(), what })
}

fn parse_http(text: &str, rest: &str) -> Result<HttpAnswer, AnswerError> {
    let num = |v: &str, what| number(text, v, what);
    let (code, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let status: u16 = num(code, "a status code")?;
    if !(100..=599).contains(&status) {
        return Err(AnswerError::Status { text: text.to_owned() });
    }
    let mut length = None;
    if let Some(r) = rest.strip_prefix("length ") {
        let (n, r) = r.split_once(' ').unwrap_or((r, ""));
        length = Some(number::<usize>(text, n, "a body length")?);
        rest = r;
    }
    let body = if rest == "body" {
        Some(String::new())
    } else if let Some(b) = rest.strip_prefix("body ") {
        Some(b.to_owned())
    } else if rest.is_empty() {
        None
    } else {
        return Err(AnswerError::Unknown(text.to_owned()));
    };
    if let (Some(n), Some(b)) = (length, &body)
        && b.len() != n
    {
        return Err(AnswerError::Length { text: text.to_owned(), declared: n, actual: b.len() });
    }
    Ok(HttpAnswer { status, length, body })
}

impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Answer {
    /// The protocol the answer is written for.
    pub fn protocol(&self) -> AnswerProtocol {
        match self.kind {
            AnswerKind::Any | AnswerKind::Match(_) => AnswerProtocol::Any,
            AnswerKind::Resp(_) => AnswerProtocol::Resp,
            AnswerKind::Http(_) => AnswerProtocol::Http,
        }
    }

    /// Whether `reply` (one whole value or response, as the framing cut
    /// it) is this answer; `head_request`: the request was a `HEAD`.
    pub fn matches(&self, reply: &[u8], head_request: bool) -> bool {
        match &self.kind {
            AnswerKind::Any => true,
            AnswerKind::Match(re) => re.is_match(reply),
            AnswerKind::Resp(a) => resp_matches(a, reply),
            AnswerKind::Http(a) => http_matches(a, reply, head_request),
        }
    }
}

/// A RESP value's type byte, first line and (for bulk types) payload.
type RespParts<'a> = (u8, &'a [u8], Option<&'a [u8]>);

/// Splits a RESP value (already checked by the framing) into its parts.
fn resp_parts(v: &[u8]) -> Option<RespParts<'_>> {
    let (&ty, rest) = v.split_first()?;
    let end = memchr::memmem::find(rest, b"\r\n")?;
    let line = &rest[..end];
    let payload = match ty {
        b'$' | b'!' | b'=' => {
            let len = std::str::from_utf8(line).ok().and_then(|l| l.parse::<usize>().ok());
            len.and_then(|len| rest.get(end + 2..end.checked_add(2)?.checked_add(len)?))
        }
        _ => None,
    };
    Some((ty, line, payload))
}

fn resp_matches(a: &RespAnswer, reply: &[u8]) -> bool {
    let Some((ty, line, payload)) = resp_parts(reply) else { return false };
    match a {
        RespAnswer::Simple(t) => ty == b'+' && line == t.as_bytes(),
        RespAnswer::Error(p) => {
            (ty == b'-' && line.starts_with(p.as_bytes()))
                || (ty == b'!' && payload.is_some_and(|x| x.starts_with(p.as_bytes())))
        }
        RespAnswer::Integer(n) => ty == b':' && line == n.to_string().as_bytes(),
        RespAnswer::Bulk { len, text } => {
            ty == b'$' && payload.is_some_and(|x| x.len() == *len && text.as_ref().is_none_or(|t| x == t.as_bytes()))
        }
        RespAnswer::Null => ty == b'_' || (matches!(ty, b'$' | b'*') && line == b"-1"),
        RespAnswer::Array(n) => ty == b'*' && line == n.to_string().as_bytes(),
    }
}

/// Whether a reply is an error: a RESP error, or an HTTP status of 400 and up.
pub(crate) fn is_error_reply(reply: &[u8]) -> bool {
    match reply.first() {
        Some(b'-' | b'!') => true,
        _ => http_head(reply).is_some_and(|h| h.status >= 400),
    }
}

/// The status code of an HTTP response head, if `reply` starts with one.
pub(crate) fn http_status(reply: &[u8]) -> Option<u16> {
    http_head(reply).map(|h| h.status)
}

/// What the oracle needs from an HTTP response head.
struct Head {
    status: u16,
    len: usize,
    chunked: bool,
    content_length: Option<usize>,
}

fn http_head(reply: &[u8]) -> Option<Head> {
    let mut headers = [httparse::EMPTY_HEADER; crate::framing::http::MAX_HEADERS];
    let mut r = httparse::Response::new(&mut headers);
    let httparse::Status::Complete(len) = r.parse(reply).ok()? else { return None };
    let mut chunked = false;
    let mut content_length = None;
    for h in r.headers.iter() {
        if h.name.eq_ignore_ascii_case("transfer-encoding") {
            chunked =
                h.value.rsplit(|b| *b == b',').next().is_some_and(|c| c.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        } else if h.name.eq_ignore_ascii_case("content-length") {
            content_length = std::str::from_utf8(h.value).ok().and_then(|v| v.trim().parse().ok());
        }
    }
    Some(Head { status: r.code?, len, chunked, content_length })
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

fn http_matches(a: &HttpAnswer, reply: &[u8], head_request: bool) -> bool {
    let Some(h) = http_head(reply) else { return false };
    if h.status != a.status {
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
    a.length.is_none_or(|n| n == len) && a.body.as_ref().is_none_or(|t| body == t.as_bytes())
}
