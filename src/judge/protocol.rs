//! The protocol oracle: replies of a real protocol (RESP, HTTP/1.1),
//! cut by `[response] framing = "resp"` or `"http"`, matched in order to
//! the requests they answer (one RESP value per command, one HTTP response
//! per request), each against its own expected [`Answer`].
//!
//! ```toml
//! [client]
//! framing = "resp"
//! messages = ["SET k hello", "GET k", "GET nope"]
//!
//! [response]
//! framing = "resp"
//! answers = ["+OK", "$5 hello", "$-1"]
//! ```
//!
//! # Answers
//!
//! One string per request, checked when the scenario file is loaded:
//!
//! | answer | matches |
//! |---|---|
//! | `any` | any well-formed reply |
//! | `/REGEX/` | a reply whose bytes (the whole RESP value, or the whole HTTP response, head included) match REGEX |
//! | `+TEXT` | the RESP simple string TEXT |
//! | `-TEXT` | a RESP error (`-` or RESP3 `!`) whose message starts with TEXT (`-ERR`, `-WRONGTYPE`) |
//! | `:N` | the RESP integer N |
//! | `$N` | a RESP bulk string of N bytes, any content |
//! | `$N TEXT` | the RESP bulk string TEXT (N must be its length) |
//! | `$-1`, `*-1`, `_` | a RESP null (any of the three) |
//! | `*N` | a RESP array of N elements (elements not checked) |
//! | `status CODE` | an HTTP response with that status code |
//! | `status CODE length N` | ... and a body of N bytes (for an answer to `HEAD`: a `Content-Length` of N) |
//! | `status CODE body TEXT` | ... and exactly that body (after de-chunking); `length` may come first |
//!
//! Headers are never compared (a `Date` or `ETag` that changes does not
//! matter); a regex can check one when it must. HTTP `1xx` interim
//! responses (`100 Continue`) are not answers and are skipped.
//!
//! # Verdicts
//!
//! The replies are aligned with the requests in order; a reply that does
//! not match the answer of its request may be the answer of a later one
//! (the requests between got none).
//!
//! - each request answered by exactly one reply matching its answer:
//!   `intact`;
//! - a reply the framing cannot parse: `desync` (the server's output is out
//!   of step with the protocol);
//! - more replies than requests: `split` (a server that takes one read as
//!   one request answers each piece, typically with a protocol error);
//! - a reply that matches no answer from its request on, error replies
//!   included (`-ERR Protocol error`, HTTP `400` where `+OK` or `200` was
//!   expected): `desync`, the server read something other than what was
//!   sent (bytes misread as framing, a request cut or merged). A refusal
//!   the scenario expects is written as the answer (`-ERR`, `status 400`)
//!   and is then simply matched;
//! - fewer replies, every one matching in order: a request with no answer
//!   that went in the same `write()` as the request before it is taken as
//!   merged into it (`coalesced`: the server read both in one `recv()` and
//!   answered once); if every request with no answer went in a write of its
//!   own, `lost`; none at all is `hang`, and `closed` when the peer closed
//!   or reset the connection before answering everything.

use std::fmt;
use std::str::FromStr;

use bytes::Bytes;
use serde::{Deserialize, Deserializer};

use super::Judgement;
use crate::client::{ClientOutcome, ReplyError};
use crate::fault::Action;
use crate::framing::{AnyCodec, FramingSpec, show};
use crate::scenario::{Prepared, Verdict};

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
fn is_error_reply(reply: &[u8]) -> bool {
    match reply.first() {
        Some(b'-' | b'!') => true,
        _ => http_head(reply).is_some_and(|h| h.status >= 400),
    }
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

/// The codec that cuts the replies: for HTTP, told the method of every
/// request sent, so that it knows the answers to `HEAD` have no body.
pub fn reply_codec(spec: &FramingSpec, frames: &[Bytes]) -> AnyCodec {
    let mut codec = spec.codec();
    if let AnyCodec::Http(c) = &mut codec {
        for f in frames {
            if !f.starts_with(b"HTTP/")
                && let Some(m) = request_method(f)
            {
                c.expect_response_to(m);
            }
        }
    }
    codec
}

/// The method of an HTTP request (its first word).
fn request_method(frame: &[u8]) -> Option<&str> {
    let end = frame.iter().position(|b| *b == b' ')?;
    std::str::from_utf8(&frame[..end]).ok()
}

/// The write each request's first byte went in, and whether the request
/// began inside the same write as the end of the one before it.
fn shares_write_with_previous(prep: &Prepared) -> Vec<bool> {
    let mut ends = Vec::new();
    let mut at = 0usize;
    for a in &prep.actions {
        if let Action::Write(w) = a {
            at += w.len();
            ends.push(at);
        }
    }
    let mut out = Vec::with_capacity(prep.frames.len());
    let mut start = 0usize;
    for (i, f) in prep.frames.iter().enumerate() {
        out.push(i > 0 && !ends.contains(&start));
        start += f.len();
    }
    out
}

/// Judges replies against the answers, one per request (see the module
/// docs for the verdicts).
pub fn judge_answers(answers: &[Answer], prep: &Prepared, out: &ClientOutcome) -> Judgement {
    if let Some(err) = &out.connect_error {
        return Judgement::new(Verdict::Closed, err.clone());
    }
    let n = answers.len();
    let replies: Vec<&Bytes> = out.replies.iter().filter(|r| !is_interim(r)).collect();
    let r = replies.len();
    let head = format!("sent {n} request(s); {r} answer(s) came back");
    for e in &out.reply_errors {
        match e {
            ReplyError::Read(_) => {}
            ReplyError::Incomplete(len) => {
                return Judgement::new(
                    Verdict::Closed,
                    format!("{head}; the peer closed the connection {len} bytes into an answer"),
                );
            }
            e => return Judgement::new(Verdict::Desync, format!("{head}; answer {} does not parse: {e}", r + 1)),
        }
    }
    if r > n {
        return Judgement::new(
            Verdict::Split,
            format!(
                "{head}: more answers than requests, a request was taken in pieces (answer {} is {})",
                n + 1,
                show(replies[n], 48)
            ),
        );
    }
    let head_req: Vec<bool> = prep.frames.iter().map(|f| request_method(f) == Some("HEAD")).collect();
    let is_head = |k: usize| head_req.get(k).copied().unwrap_or(false);
    // Align each reply with the first request from the cursor whose answer
    // it matches; the requests skipped got no answer.
    let mut cursor = 0;
    let mut unanswered = Vec::new();
    for (j, reply) in replies.iter().enumerate() {
        let Some(k) = (cursor..n).find(|k| answers[*k].matches(reply, is_head(*k))) else {
            let want = &answers[cursor.min(n - 1)];
            let what = if is_error_reply(reply) { "an error" } else { "a reply" };
            return Judgement::new(
                Verdict::Desync,
                format!(
                    "{head}: answer {} is {what}, {}, where `{want}` was expected: the server read something other than the request",
                    j + 1,
                    show(reply, 64)
                ),
            );
        };
        unanswered.extend(cursor..k);
        cursor = k + 1;
    }
    unanswered.extend(cursor..n);
    if unanswered.is_empty() {
        if out.reset_by_peer || out.write_error.is_some() {
            return Judgement::new(Verdict::Closed, format!("{head}; then the peer reset the connection"));
        }
        return Judgement::new(Verdict::Intact, format!("{head}: each request got its answer"));
    }
    let list = unanswered.iter().map(|k| (k + 1).to_string()).collect::<Vec<_>>().join(", ");
    if r == 0 && !(out.eof || out.reset_by_peer || out.peer_closed_early) {
        return Judgement::new(Verdict::Hang, format!("{head}; none came within the reply timeout"));
    }
    if out.reset_by_peer || out.peer_closed_early || out.write_error.is_some() || (r == 0 && out.eof) {
        return Judgement::new(
            Verdict::Closed,
            format!("{head}; the peer closed or reset the connection before answering request(s) {list}"),
        );
    }
    let shared = shares_write_with_previous(prep);
    if unanswered.iter().any(|k| shared.get(*k).copied().unwrap_or(false)) {
        Judgement::new(
            Verdict::Coalesced,
            format!(
                "{head}: request(s) {list} got no answer, and went in the same write as the request before: requests merged"
            ),
        )
    } else {
        Judgement::new(
            Verdict::Lost,
            format!("{head}: request(s) {list} got no answer, each sent in a write of its own"),
        )
    }
}

/// An HTTP `1xx` interim response other than `101` (not an answer).
fn is_interim(reply: &[u8]) -> bool {
    reply.starts_with(b"HTTP/") && http_head(reply).is_some_and(|h| (100..200).contains(&h.status) && h.status != 101)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{self, Scenario};

    fn a(s: &str) -> Answer {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn answers_are_read_and_bad_ones_refused() {
        assert_eq!(a("+OK").protocol(), AnswerProtocol::Resp);
        assert_eq!(a("status 200 length 5 body hello").protocol(), AnswerProtocol::Http);
        assert_eq!(a("/^\\+OK/").protocol(), AnswerProtocol::Any);
        assert!(matches!("$5 hell".parse::<Answer>(), Err(AnswerError::Length { declared: 5, actual: 4, .. })));
        assert!(matches!(":x".parse::<Answer>(), Err(AnswerError::Number { .. })));
        assert!(matches!("status 99".parse::<Answer>(), Err(AnswerError::Status { .. })));
        assert!(matches!("status 200 bdy x".parse::<Answer>(), Err(AnswerError::Unknown(_))));
        assert!(matches!("/(/".parse::<Answer>(), Err(AnswerError::Regex { .. })));
        assert!(matches!("OK".parse::<Answer>(), Err(AnswerError::Unknown(_))));
    }

    #[test]
    fn resp_answers_match_whole_values() {
        assert!(a("+OK").matches(b"+OK\r\n", false));
        assert!(!a("+OK").matches(b"+OKAY\r\n", false));
        assert!(!a("+OK").matches(b"$2\r\nOK\r\n", false));
        assert!(a("-ERR").matches(b"-ERR Protocol error: invalid bulk length\r\n", false));
        assert!(a("-ERR").matches(b"!7\r\nERR bad\r\n", false));
        assert!(!a("-ERR").matches(b"-WRONGTYPE x\r\n", false));
        assert!(a(":42").matches(b":42\r\n", false));
        assert!(!a(":42").matches(b":420\r\n", false));
        // A bulk value with CRLF inside is one value.
        assert!(a("$4 a\r\nb").matches(b"$4\r\na\r\nb\r\n", false));
        assert!(a("$5").matches(b"$5\r\nhello\r\n", false));
        assert!(!a("$5").matches(b"$4\r\nhell\r\n", false));
        assert!(!a("$5 hello").matches(b"$5\r\nhullo\r\n", false));
        for null in [&b"$-1\r\n"[..], b"*-1\r\n", b"_\r\n"] {
            assert!(a("_").matches(null, false));
        }
        assert!(!a("$-1").matches(b"$0\r\n\r\n", false));
        assert!(a("*2").matches(b"*2\r\n:1\r\n:2\r\n", false));
        assert!(!a("*2").matches(b"*3\r\n:1\r\n:2\r\n:3\r\n", false));
    }

    #[test]
    fn http_answers_ignore_headers_and_read_chunked_bodies() {
        let r1 = b"HTTP/1.1 200 OK\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nContent-Length: 6\r\n\r\nhello\n";
        let r2 = b"HTTP/1.1 200 OK\r\nDate: Tue, 02 Jan 2024 11:11:11 GMT\r\nContent-Length: 6\r\n\r\nhello\n";
        for r in [&r1[..], &r2[..]] {
            assert!(a("status 200").matches(r, false));
            assert!(a("status 200 length 6").matches(r, false));
            assert!(a("status 200 body hello\n").matches(r, false));
            assert!(!a("status 404").matches(r, false));
            assert!(!a("status 200 length 5").matches(r, false));
        }
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n3;x=y\r\nlo\n\r\n0\r\n\r\n";
        assert!(a("status 200 body hello\n").matches(chunked, false));
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n";
        assert!(a("status 200 length 6").matches(head, true));
        assert!(!a("status 200 length 6").matches(head, false));
        assert!(is_interim(b"HTTP/1.1 100 Continue\r\n\r\n"));
        assert!(is_error_reply(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
    }

    fn scenario(text: &str) -> Scenario {
        scenario::parse(text, std::path::Path::new("t.toml")).unwrap_or_else(|e| panic!("{e}"))
    }

    fn prep(sc: &Scenario) -> Prepared {
        scenario::prepare(sc, 1, true).unwrap()
    }

    fn outcome(replies: &[&[u8]]) -> ClientOutcome {
        ClientOutcome { replies: replies.iter().map(|r| Bytes::copy_from_slice(r)).collect(), ..Default::default() }
    }

    const RESP: &str = r#"
[target]
addr = "127.0.0.1:6379"
[client]
framing = "resp"
messages = ["SET k v", "GET k", "GET k"]
schedule = "SCHED"
[response]
framing = "resp"
answers = ["+OK", "$1 v", "$1 v"]
"#;

    fn judge(sched: &str, replies: &[&[u8]]) -> Judgement {
        let sc = scenario(&RESP.replace("\"SCHED\"", sched));
        let answers = sc.response.answers.clone().unwrap();
        judge_answers(&answers, &prep(&sc), &outcome(replies))
    }

    #[test]
    fn verdicts_follow_the_answers() {
        let ok: &[&[u8]] = &[b"+OK\r\n", b"$1\r\nv\r\n", b"$1\r\nv\r\n"];
        assert_eq!(judge("\"each\"", ok).verdict, Verdict::Intact);
        // One answer for a pipeline sent in one write: merged.
        assert_eq!(judge("\"coalesce\"", &[b"+OK\r\n"]).verdict, Verdict::Coalesced);
        // The same with each request in its own write: lost.
        assert_eq!(judge("\"each\"", &[b"+OK\r\n"]).verdict, Verdict::Lost);
        // The first answer is missing, the rest in order: nothing came
        // before it to merge with.
        assert_eq!(judge("\"coalesce\"", &[b"$1\r\nv\r\n", b"$1\r\nv\r\n"]).verdict, Verdict::Lost);
        // A protocol error where +OK was expected.
        let j = judge("\"each\"", &[b"-ERR Protocol error: unbalanced quotes\r\n", b"$1\r\nv\r\n", b"$1\r\nv\r\n"]);
        assert_eq!(j.verdict, Verdict::Desync, "{}", j.detail);
        assert!(j.detail.contains("an error"), "{}", j.detail);
        // A wrong value.
        assert_eq!(judge("\"each\"", &[b"+OK\r\n", b"$1\r\nx\r\n", b"$1\r\nv\r\n"]).verdict, Verdict::Desync);
        // More answers than requests.
        let errs: &[&[u8]] = &[b"-ERR a\r\n", b"-ERR b\r\n", b"-ERR c\r\n", b"-ERR d\r\n"];
        assert_eq!(judge("\"drip\"", errs).verdict, Verdict::Split);
        // Nothing at all.
        assert_eq!(judge("\"each\"", &[]).verdict, Verdict::Hang);
        let mut closed = outcome(&[b"+OK\r\n"]);
        closed.peer_closed_early = true;
        closed.eof = true;
        let sc = scenario(&RESP.replace("\"SCHED\"", "\"each\""));
        let j = judge_answers(sc.response.answers.as_ref().unwrap(), &prep(&sc), &closed);
        assert_eq!(j.verdict, Verdict::Closed);
        // A reply that does not parse.
        let mut bad = outcome(&[b"+OK\r\n"]);
        bad.reply_errors.push(ReplyError::Decode { kind: crate::framing::ErrorKind::BadMessage, detail: "x".into() });
        let j = judge_answers(sc.response.answers.as_ref().unwrap(), &prep(&sc), &bad);
        assert_eq!(j.verdict, Verdict::Desync);
    }

    #[test]
    fn answers_to_head_requests_are_cut_without_a_body() {
        use tokio_util::codec::Decoder;
        let spec: FramingSpec = "http".parse().unwrap();
        let frames =
            [Bytes::from_static(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"), Bytes::from_static(b"GET / HTTP/1.1\r\n\r\n")];
        let mut c = reply_codec(&spec, &frames);
        let mut buf = bytes::BytesMut::from(
            &b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"[..],
        );
        assert_eq!(c.decode(&mut buf).unwrap().unwrap().len(), 38);
        assert_eq!(c.decode(&mut buf).unwrap().unwrap().len(), 40);
    }
}
