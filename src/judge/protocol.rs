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
//! One string per request, checked when the scenario file is loaded
//! ([`crate::scenario::answer`]):
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
//! (the requests between got none). A verdict is given only when every
//! server that could have sent these replies leads to it (issue 34, the
//! `judge_sound` model): a server that reads a request whole answers it; a
//! server that merges whole requests in one read answers the first (or
//! errs); a request read in pieces is answered, if at all, by a protocol
//! error (RESP `-ERR`, HTTP `400`).
//!
//! - each request answered by exactly one reply matching its answer, none
//!   a protocol error: `intact` (`closed` if the peer then reset);
//! - a reply the framing cannot parse: `desync` (the server's output is out
//!   of step with the protocol);
//! - more replies than requests: `split` (only a request answered in
//!   pieces adds a reply);
//! - a reply that matches no answer from its request on (an error where
//!   `+OK` was expected, a wrong value): the server misread, in pieces,
//!   merged or both, and an answer out of place cannot say which:
//!   `inconclusive`, naming split, coalesced, truncated and desync;
//! - a protocol error matched by an answer that allows it (`any`, a
//!   regex, an expected `-ERR`): it may be a piece's, `inconclusive`;
//! - fewer replies, every one matching in order: a request with no answer
//!   was merged into a neighbour (the server read both in one `recv()` and
//!   answered once) or skipped, and the answers cannot tell which:
//!   `inconclusive`, naming both, unless a sync that held kept it in a
//!   read apart from both neighbours (`lost`); none at all is `hang`, and
//!   `closed` when the peer closed or reset the connection before
//!   answering anything, or (synced) before answering the rest; unsynced,
//!   the rest may have been read with one it answered: `inconclusive`.

use bytes::Bytes;

use super::Judgement;
use crate::client::{ClientOutcome, ReplyError};
use crate::fault::Action;
use crate::framing::{AnyCodec, FramingSpec, show};
pub use crate::scenario::answer::{Answer, AnswerError, AnswerProtocol};
use crate::scenario::answer::{http_status, is_error_reply};
use crate::scenario::{Prepared, Verdict};

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
    if let Some(j) = unreadable(&head, out, &replies, n) {
        return j;
    }
    let head_req: Vec<bool> = prep.frames.iter().map(|f| request_method(f) == Some("HEAD")).collect();
    let is_head = |k: usize| head_req.get(k).copied().unwrap_or(false);
    let unanswered = match align(answers, &replies, is_head, &head) {
        Ok(unanswered) => unanswered,
        Err(j) => return j,
    };
    // A request read in pieces is answered, if at all, by a protocol error
    // (RESP `-ERR`, HTTP `400`): where such an error matched an answer
    // (`any`, a regex, an expected refusal), it may be a piece's.
    let piece_like = replies.iter().position(|r| protocol_error(r));
    if unanswered.is_empty() {
        return all_answered(&head, piece_like, out);
    }
    some_unanswered(&head, &unanswered, r, piece_like, prep, out)
}

/// A reply error that decides the verdict (an answer cut short by the
/// close, one that does not parse), or more answers than requests.
fn unreadable(head: &str, out: &ClientOutcome, replies: &[&Bytes], n: usize) -> Option<Judgement> {
    let r = replies.len();
    for e in &out.reply_errors {
        match e {
            ReplyError::Read(_) => {}
            ReplyError::Incomplete(len) => {
                return Some(Judgement::new(
                    Verdict::Closed,
                    format!("{head}; the peer closed the connection {len} bytes into an answer"),
                ));
            }
            e => return Some(Judgement::new(Verdict::Desync, format!("{head}; answer {} does not parse: {e}", r + 1))),
        }
    }
    (r > n).then(|| {
        Judgement::new(
            Verdict::Split,
            format!(
                "{head}: more answers than requests, a request was taken in pieces (answer {} is {})",
                n + 1,
                show(replies[n], 48)
            ),
        )
    })
}

/// Aligns each reply with the first request from the cursor whose answer
/// it matches; the requests skipped got no answer. Returns those, or the
/// verdict on a reply that matches no answer left.
fn align(
    answers: &[Answer],
    replies: &[&Bytes],
    is_head: impl Fn(usize) -> bool,
    head: &str,
) -> Result<Vec<usize>, Judgement> {
    let n = answers.len();
    let mut cursor = 0;
    let mut unanswered = Vec::new();
    for (j, reply) in replies.iter().enumerate() {
        let Some(k) = (cursor..n).find(|k| answers[*k].matches(reply, is_head(*k))) else {
            // The server read something other than the requests: pieces
            // (split), requests merged with part of the next (coalesced),
            // a request cut short (truncated), or several at once (desync):
            // an answer out of place cannot say which.
            let want = &answers[cursor.min(n - 1)];
            let what = if is_error_reply(reply) { "an error" } else { "a reply" };
            return Err(Judgement::new(
                Verdict::Inconclusive,
                format!(
                    "split, coalesced, truncated or desync: {head}: answer {} is {what}, {}, where `{want}` was expected: \
                     the server read something other than the request, and an answer out of place cannot say how",
                    j + 1,
                    show(reply, 64)
                ),
            ));
        };
        unanswered.extend(cursor..k);
        cursor = k + 1;
    }
    unanswered.extend(cursor..n);
    Ok(unanswered)
}

/// Every request answered: `intact`, unless an answer may be a piece's
/// protocol error or the peer reset the connection afterwards.
fn all_answered(head: &str, piece_like: Option<usize>, out: &ClientOutcome) -> Judgement {
    if let Some(j) = piece_like {
        return Judgement::new(
            Verdict::Inconclusive,
            format!(
                "intact, split or desync: {head}, each matching its request's answer, but answer {} is a protocol \
                 error, as a piece of a request would get: requests in pieces and others merged give the same \
                 count",
                j + 1
            ),
        );
    }
    if out.reset_by_peer || out.write_error.is_some() {
        return Judgement::new(Verdict::Closed, format!("{head}; then the peer reset the connection"));
    }
    Judgement::new(Verdict::Intact, format!("{head}: each request got its answer"))
}

/// Requests with no answer (`unanswered`, `r` answers in all): `hang`,
/// `closed`, `lost`, or `inconclusive` where a merge or a piece would
/// give the same answers.
fn some_unanswered(
    head: &str,
    unanswered: &[usize],
    r: usize,
    piece_like: Option<usize>,
    prep: &Prepared,
    out: &ClientOutcome,
) -> Judgement {
    let list = unanswered.iter().map(|k| (k + 1).to_string()).collect::<Vec<_>>().join(", ");
    if r == 0 && !(out.eof || out.reset_by_peer || out.peer_closed_early) {
        return Judgement::new(Verdict::Hang, format!("{head}; none came within the reply timeout"));
    }
    let early_end = out.reset_by_peer || out.peer_closed_early || out.write_error.is_some();
    let gone = format!("the peer closed or reset the connection before answering request(s) {list}");
    if r == 0 {
        return Judgement::new(Verdict::Closed, format!("{head}; {gone}"));
    }
    if let Some(j) = piece_like {
        return Judgement::new(
            Verdict::Inconclusive,
            format!(
                "coalesced, lost, split or closed: {head}: request(s) {list} got no answer, and answer {} is a protocol \
                 error, as a piece of a request would get",
                j + 1
            ),
        );
    }
    let apart = kept_apart(prep, out);
    let could_merge = |k: usize| !apart.get(k).copied().unwrap_or(false) || !apart.get(k + 1).copied().unwrap_or(true);
    let mergeable = unanswered.iter().any(|k| could_merge(*k));
    if early_end {
        // The requests it did not answer may have been read with one it
        // did (answered once), then the connection ended.
        return if mergeable {
            Judgement::new(
                Verdict::Inconclusive,
                format!(
                    "closed or coalesced: {head}; {gone}, which it may have read together with one it answered (sync = \
                     true keeps each write in a read of its own)"
                ),
            )
        } else {
            Judgement::new(Verdict::Closed, format!("{head}; {gone}"))
        };
    }
    if mergeable {
        let shared = shares_write_with_previous(prep);
        let how = if unanswered.iter().any(|k| shared.get(*k).copied().unwrap_or(false)) {
            "went in the same write as the request before"
        } else {
            "went in writes of their own, which the server may still have read together"
        };
        Judgement::new(
            Verdict::Inconclusive,
            format!(
                "coalesced or lost: {head}: request(s) {list} got no answer and {how}; a server that answers a merged read once \
                 and one that skips a request give the same answers (sync = true keeps each write in a read of its own)"
            ),
        )
    } else {
        Judgement::new(
            Verdict::Lost,
            format!("{head}: request(s) {list} got no answer, each read apart from its neighbours (synced)"),
        )
    }
}

/// Per request, whether the server had read everything before it when
/// its first byte was written (a sync that held between the two writes):
/// then it cannot have read it together with the request before.
fn kept_apart(prep: &Prepared, out: &ClientOutcome) -> Vec<bool> {
    let synced = !out.sync_unavailable && out.stalled.is_none();
    let mut at = 0usize;
    let mut synced_at = Vec::new();
    for a in &prep.actions {
        match a {
            Action::Write(w) => at += w.len(),
            Action::Sync if synced => synced_at.push(at),
            _ => {}
        }
    }
    let mut start = 0usize;
    prep.frames
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let apart = i > 0 && synced_at.contains(&start);
            start += f.len();
            apart
        })
        .collect()
}

/// A protocol error: what a server answers to a piece of a request (a
/// RESP error, an HTTP `400 Bad Request`), if anything.
fn protocol_error(reply: &[u8]) -> bool {
    matches!(reply.first(), Some(b'-' | b'!')) || http_status(reply) == Some(400)
}

/// An HTTP `1xx` interim response other than `101` (not an answer).
fn is_interim(reply: &[u8]) -> bool {
    // (Only a response head has a status: a RESP reply has none.)
    http_status(reply).is_some_and(|s| (100..200).contains(&s) && s != 101)
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
        assert!(is_interim(b"HTTP/1.1 103 Early Hints\r\n\r\n"));
        assert!(!is_interim(b"HTTP/1.1 101 Switching Protocols\r\n\r\n"));
        assert!(!is_interim(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
        assert!(!is_interim(b"+OK\r\n"));
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
        // One answer for a pipeline: merged, or two requests skipped; in
        // one write or in writes of their own (which a slow server still
        // reads together), the answers cannot tell (issue 34, class 4).
        for sched in ["\"coalesce\"", "\"each\""] {
            let j = judge(sched, &[b"+OK\r\n"]);
            assert_eq!(j.verdict, Verdict::Inconclusive, "{sched}: {}", j.detail);
            assert!(j.detail.starts_with("coalesced or lost: "), "{}", j.detail);
        }
        assert_eq!(judge("\"coalesce\"", &[b"$1\r\nv\r\n", b"$1\r\nv\r\n"]).verdict, Verdict::Inconclusive);
        // A sync that held between every write: each request was read
        // apart, so one with no answer was skipped.
        let sc = scenario(&RESP.replace("\"SCHED\"", "\"each\"\nsync = true"));
        let p = prep(&sc);
        assert!(p.actions.iter().any(|a| matches!(a, Action::Sync)));
        let j = judge_answers(sc.response.answers.as_ref().unwrap(), &p, &outcome(&[b"+OK\r\n"]));
        assert_eq!(j.verdict, Verdict::Lost, "{}", j.detail);
        let unsynced = ClientOutcome { sync_unavailable: true, ..outcome(&[b"+OK\r\n"]) };
        let j = judge_answers(sc.response.answers.as_ref().unwrap(), &p, &unsynced);
        assert_eq!(j.verdict, Verdict::Inconclusive, "{}", j.detail);
        // A protocol error where +OK was expected: the server misread, in
        // pieces, merged or both; the answers cannot say which.
        let j = judge("\"each\"", &[b"-ERR Protocol error: unbalanced quotes\r\n", b"$1\r\nv\r\n", b"$1\r\nv\r\n"]);
        assert_eq!(j.verdict, Verdict::Inconclusive, "{}", j.detail);
        assert!(
            j.detail.starts_with("split, coalesced, truncated or desync") && j.detail.contains("an error"),
            "{}",
            j.detail
        );
        // A wrong value.
        assert_eq!(judge("\"each\"", &[b"+OK\r\n", b"$1\r\nx\r\n", b"$1\r\nv\r\n"]).verdict, Verdict::Inconclusive);
        // Every request answered, one by a protocol error that an answer
        // (`any`) matches: it may be a piece's.
        let any = scenario(
            &RESP.replace("\"SCHED\"", "\"each\"").replace("answers = [", "answers = [\"any\", \"any\", \"any\"]\n# ["),
        );
        let p = prep(&any);
        let errs = outcome(&[b"-ERR x\r\n", b"+OK\r\n", b"+OK\r\n"]);
        let j = judge_answers(any.response.answers.as_ref().unwrap(), &p, &errs);
        assert_eq!(j.verdict, Verdict::Inconclusive, "{}", j.detail);
        let fine = outcome(&[b"+OK\r\n", b"+OK\r\n", b"+OK\r\n"]);
        assert_eq!(judge_answers(any.response.answers.as_ref().unwrap(), &p, &fine).verdict, Verdict::Intact);
        // More answers than requests.
        let errs: &[&[u8]] = &[b"-ERR a\r\n", b"-ERR b\r\n", b"-ERR c\r\n", b"-ERR d\r\n"];
        assert_eq!(judge("\"drip\"", errs).verdict, Verdict::Split);
        // Nothing at all.
        assert_eq!(judge("\"each\"", &[]).verdict, Verdict::Hang);
        let mut closed = outcome(&[b"+OK\r\n"]);
        closed.peer_closed_early = true;
        closed.eof = true;
        // Each request read apart (synced): the rest was cut off.
        let synced = scenario(&RESP.replace("\"SCHED\"", "\"each\"\nsync = true"));
        let j = judge_answers(synced.response.answers.as_ref().unwrap(), &prep(&synced), &closed);
        assert_eq!(j.verdict, Verdict::Closed, "{}", j.detail);
        // Unsynced, the rest may have been read with the first.
        let sc = scenario(&RESP.replace("\"SCHED\"", "\"each\""));
        let j = judge_answers(sc.response.answers.as_ref().unwrap(), &prep(&sc), &closed);
        assert_eq!(j.verdict, Verdict::Inconclusive, "{}", j.detail);
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

    #[test]
    fn details_name_the_requests_and_what_the_connection_did() {
        let sc = scenario(&RESP.replace("\"SCHED\"", "\"each\""));
        let answers = sc.response.answers.clone().unwrap();
        let p = prep(&sc);
        let with = |replies: &[&[u8]], set: &dyn Fn(&mut ClientOutcome)| {
            let mut o = outcome(replies);
            set(&mut o);
            let j = judge_answers(&answers, &p, &o);
            (j.verdict, j.detail)
        };
        let v = |verdict, detail: &str| (verdict, detail.to_string());
        let ok: &[&[u8]] = &[b"+OK\r\n", b"$1\r\nv\r\n", b"$1\r\nv\r\n"];
        assert_eq!(
            with(ok, &|_| {}),
            v(Verdict::Intact, "sent 3 request(s); 3 answer(s) came back: each request got its answer")
        );
        let reset = v(Verdict::Closed, "sent 3 request(s); 3 answer(s) came back; then the peer reset the connection");
        assert_eq!(with(ok, &|o| o.reset_by_peer = true), reset);
        assert_eq!(with(ok, &|o| o.write_error = Some("x".into())), reset);
        // Nothing came back: hang, or closed if the peer went away.
        assert_eq!(
            with(&[], &|_| {}),
            v(Verdict::Hang, "sent 3 request(s); 0 answer(s) came back; none came within the reply timeout")
        );
        let gone = "sent 3 request(s); 0 answer(s) came back; the peer closed or reset the connection before answering request(s) 1, 2, 3";
        assert_eq!(with(&[], &|o| o.eof = true), v(Verdict::Closed, gone));
        assert_eq!(with(&[], &|o| o.reset_by_peer = true), v(Verdict::Closed, gone));
        assert_eq!(with(&[], &|o| o.peer_closed_early = true), v(Verdict::Closed, gone));
        // Some came back, then the connection ended: the rest may have
        // been read with the one answered.
        assert_eq!(
            with(&[b"+OK\r\n"], &|o| o.write_error = Some("x".into())),
            v(
                Verdict::Inconclusive,
                "closed or coalesced: sent 3 request(s); 1 answer(s) came back; the peer closed or reset the connection \
                 before answering request(s) 2, 3, which it may have read together with one it answered (sync = true keeps \
                 each write in a read of its own)"
            )
        );
        assert_eq!(
            with(&[b"+OK\r\n"], &|o| o.eof = true),
            v(
                Verdict::Inconclusive,
                "coalesced or lost: sent 3 request(s); 1 answer(s) came back: request(s) 2, 3 got no answer and went in writes of their own, which the server may still have read together; a server that answers a merged read once and one that skips a request give the same answers (sync = true keeps each write in a read of its own)"
            )
        );
        // The last request answered, then one more reply: what was expected
        // is the last request's answer.
        let (verdict, detail) = with(&[b"$1\r\nv\r\n", b"$1\r\nv\r\n", b"+OK\r\n"], &|_| {});
        assert_eq!(verdict, Verdict::Inconclusive);
        assert!(detail.contains("answer 3 is a reply, \"+OK\\r\\n\", where `$1 v` was expected"), "{detail}");
    }

    #[test]
    fn an_answer_to_head_is_matched_by_its_content_length() {
        let sc = scenario(
            "[target]\naddr = \"127.0.0.1:80\"\n[client]\nframing = \"http\"\nmessages = [\"HEAD /\", \"GET /\"]\n\
             [response]\nframing = \"http\"\nanswers = [\"status 200 length 5\", \"status 200 length 5\"]\n",
        );
        let replies: &[&[u8]] =
            &[b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"];
        let j = judge_answers(sc.response.answers.as_ref().unwrap(), &prep(&sc), &outcome(replies));
        assert_eq!(j.verdict, Verdict::Intact, "{}", j.detail);
    }
}
