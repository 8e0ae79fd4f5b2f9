use super::*;
use crate::scenario::{self, Scenario};

fn a(s: &str) -> Answer {
    s.parse().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn answers_are_read_and_bad_ones_refused() {
    assert_eq!(a("+OK").protocol(), Some("resp"));
    assert_eq!(a("status 200 length 5 body hello").protocol(), Some("http"));
    assert_eq!(a("/^\\+OK/").protocol(), None);
    assert!(matches!("$5 hell".parse::<Answer>(), Err(AnswerError::Length { declared: 5, actual: 4, .. })));
    assert!(matches!(":x".parse::<Answer>(), Err(AnswerError::Number { .. })));
    assert!(matches!("status 99".parse::<Answer>(), Err(AnswerError::Range { what: "a status code", .. })));
    assert!(matches!("status 200 bdy x".parse::<Answer>(), Err(AnswerError::Unknown(_))));
    assert!(matches!("/(/".parse::<Answer>(), Err(AnswerError::Regex { .. })));
    assert!(matches!("OK".parse::<Answer>(), Err(AnswerError::Unknown(_))));
}

#[test]
fn error_texts_list_every_protocols_forms() {
    assert_eq!(
        "OK".parse::<Answer>().unwrap_err().to_string(),
        "\"OK\" is not an answer: write `any`, `/REGEX/`, a RESP value (`+OK`, `-ERR`, `:1`, `$5 hello`, `$5`, \
         `$-1`, `*2`, `_`) or an HTTP status (`status 200`, `status 200 length 6`, `status 200 body hello`)"
    );
    assert_eq!("status 99".parse::<Answer>().unwrap_err().to_string(), "\"status 99\": a status code is 100 to 599");
    let load = |framing: &str, answers: &str| {
        let text = format!(
            "[target]\naddr = \"127.0.0.1:6379\"\n[client]\nframing = \"resp\"\nmessages = [\"PING\"]\n\
             [response]\n{framing}answers = {answers}\n"
        );
        scenario::parse(&text, std::path::Path::new("t.toml")).unwrap_err().to_string()
    };
    let e = load("", "[\"+PONG\"]");
    assert!(
        e.contains("answers are per request of a protocol: set `[response] framing = \"resp\"` or `\"http\"`"),
        "{e}"
    );
    let e = load("framing = \"resp\"\n", "[\"status 200\"]");
    assert!(e.contains("answer 1 `status 200` is not a RESP answer (the replies are cut as resp)"), "{e}");
    let e = load("framing = \"http\"\n", "[\"+PONG\"]");
    assert!(e.contains("answer 1 `+PONG` is not a HTTP answer (the replies are cut as http)"), "{e}");
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
    judge_answers(&sc, &prep(&sc), &outcome(replies))
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
    let j = judge_answers(&sc, &p, &outcome(&[b"+OK\r\n"]));
    assert_eq!(j.verdict, Verdict::Lost, "{}", j.detail);
    let unsynced = ClientOutcome { sync_unavailable: true, ..outcome(&[b"+OK\r\n"]) };
    let j = judge_answers(&sc, &p, &unsynced);
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
    let j = judge_answers(&any, &p, &errs);
    assert_eq!(j.verdict, Verdict::Inconclusive, "{}", j.detail);
    let fine = outcome(&[b"+OK\r\n", b"+OK\r\n", b"+OK\r\n"]);
    assert_eq!(judge_answers(&any, &p, &fine).verdict, Verdict::Intact);
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
    let j = judge_answers(&synced, &prep(&synced), &closed);
    assert_eq!(j.verdict, Verdict::Closed, "{}", j.detail);
    // Unsynced, the rest may have been read with the first.
    let sc = scenario(&RESP.replace("\"SCHED\"", "\"each\""));
    let j = judge_answers(&sc, &prep(&sc), &closed);
    assert_eq!(j.verdict, Verdict::Inconclusive, "{}", j.detail);
    // A reply that does not parse.
    let mut bad = outcome(&[b"+OK\r\n"]);
    bad.reply_errors.push(ReplyError::Decode { kind: crate::framing::ErrorKind::BadMessage, detail: "x".into() });
    let j = judge_answers(&sc, &prep(&sc), &bad);
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
    let p = prep(&sc);
    let with = |replies: &[&[u8]], set: &dyn Fn(&mut ClientOutcome)| {
        let mut o = outcome(replies);
        set(&mut o);
        let j = judge_answers(&sc, &p, &o);
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
    let j = judge_answers(&sc, &prep(&sc), &outcome(replies));
    assert_eq!(j.verdict, Verdict::Intact, "{}", j.detail);
}

/// One answer, then the peer's close: before or after the client's
/// half-close.
fn closed_after_one(reply: &[u8], before_half_close: bool) -> ClientOutcome {
    closed_after_one_written(reply, before_half_close, 30)
}

/// One answer, then the peer's close, with `after_written` bytes written
/// by then.
fn closed_after_one_written(reply: &[u8], before_half_close: bool, after_written: usize) -> ClientOutcome {
    let end = crate::client::PeerEnd { reset: false, after_replies: 1, after_written, before_half_close };
    ClientOutcome { eof: true, peer_end: Some(end), ..outcome(&[reply]) }
}

#[test]
fn a_close_that_the_answer_announces_is_closed_on_purpose() {
    let sc = scenario(
        "[target]\naddr = \"127.0.0.1:80\"\n[client]\nframing = \"http\"\nmessages = [\"GET /\", \"GET /\"]\n\
         schedule = \"coalesce\"\n[response]\nframing = \"http\"\nanswers = [\"status 200\", \"status 200\"]\n",
    );
    let p = prep(&sc);
    let http10 = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    let j = judge_answers(&sc, &p, &closed_after_one(http10, false));
    assert_eq!(j.verdict, Verdict::Closed, "{}", j.detail);
    assert!(j.detail.contains("after its answer 1") && j.detail.contains("HTTP/1.0"), "{}", j.detail);
    let close = b"HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
    let sc404 = scenario(&sc_text_404());
    let j = judge_answers(&sc404, &prep(&sc404), &closed_after_one(close, false));
    assert_eq!(j.verdict, Verdict::Closed, "{}", j.detail);
    assert!(j.detail.contains("Connection: close"), "{}", j.detail);
    // HTTP/1.0 kept alive announces nothing: two requests in one write and
    // one answer may be a merge.
    let kept = b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi";
    let j = judge_answers(&sc, &p, &closed_after_one(kept, false));
    assert_eq!(j.verdict, Verdict::Inconclusive, "{}", j.detail);
    // An answer that is not the request's is no close on purpose.
    let wrong = b"HTTP/1.0 500 Oops\r\nContent-Length: 0\r\n\r\n";
    assert_ne!(judge_answers(&sc, &p, &closed_after_one(wrong, false)).verdict, Verdict::Closed);
}

fn sc_text_404() -> String {
    "[target]\naddr = \"127.0.0.1:80\"\n[client]\nframing = \"http\"\nmessages = [\"GET /none\", \"GET /\"]\n\
     [response]\nframing = \"http\"\nanswers = [\"status 404\", \"status 200\"]\n"
        .to_owned()
}

#[test]
fn closes_after_and_a_close_before_the_half_close_are_closed() {
    let text = RESP.replace("\"SCHED\"", "\"coalesce\"");
    let sc = scenario(&text);
    let p = prep(&sc);
    // After the client's half-close, one answer and a close is what a
    // server that merged the requests and answered once gives too.
    let j = judge_answers(&sc, &p, &closed_after_one(b"+OK\r\n", false));
    assert_eq!(j.verdict, Verdict::Inconclusive, "{}", j.detail);
    // Before it, but with the second request written: a one-shot server
    // that read both at once, answered once and closed gives that too.
    let j = judge_answers(&sc, &p, &closed_after_one(b"+OK\r\n", true));
    assert_eq!(j.verdict, Verdict::Inconclusive, "{}", j.detail);
    // Before it, and before the second request was written: the server
    // closed of its own accord after the one request it had.
    let first = p.frames[0].len();
    let j = judge_answers(&sc, &p, &closed_after_one_written(b"+OK\r\n", true, first));
    assert_eq!(j.verdict, Verdict::Closed, "{}", j.detail);
    assert!(j.detail.contains("before the client's half-close"), "{}", j.detail);
    let j = judge_answers(&sc, &p, &closed_after_one_written(b"+OK\r\n", true, first + 1));
    assert_eq!(j.verdict, Verdict::Inconclusive, "{}", j.detail);
    // `closes-after` says where, by design.
    let by_design = scenario(&format!("{text}[expect]\nverdict = \"closed\"\ncloses-after = 1\n"));
    let j = judge_answers(&by_design, &prep(&by_design), &closed_after_one(b"+OK\r\n", false));
    assert_eq!(j.verdict, Verdict::Closed, "{}", j.detail);
    assert!(j.detail.contains("closes-after = 1"), "{}", j.detail);
    // A close after another count is not the one announced.
    let two = scenario(&format!("{text}[expect]\ncloses-after = 2\n"));
    assert_eq!(judge_answers(&two, &prep(&two), &closed_after_one(b"+OK\r\n", false)).verdict, Verdict::Inconclusive);
}
