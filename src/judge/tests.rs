//! Tests that pin what the judges' own tests left free: each one was
//! written against a mutant that survived `cargo mutants` (issue 19,
//! docs/mutants.md). They assert the verdict and the detail text.

use bytes::Bytes;

use super::client::judge_client;
use super::{classify, is_prefix};
use crate::scenario::Verdict;
use crate::scenario::model::ClientUnderTestSection;
use crate::target::CommandOutcome;

fn b(v: &[&str]) -> Vec<Bytes> {
    v.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect()
}

#[test]
fn a_prefix_is_the_first_messages_exactly() {
    let e = b(&["a", "b", "c"]);
    assert!(is_prefix(&e, &[]));
    assert!(is_prefix(&e, &b(&["a"])));
    assert!(is_prefix(&e, &b(&["a", "b"])));
    assert!(is_prefix(&e, &e));
    // Same count, other content; one message more; the right messages in
    // another place.
    assert!(!is_prefix(&e, &b(&["a", "x"])));
    assert!(!is_prefix(&e, &b(&["a", "b", "c", "d"])));
    assert!(!is_prefix(&b(&["a"]), &b(&["a", "a"])));
    assert!(!is_prefix(&e, &b(&["b"])));
    assert!(!is_prefix(&e, &b(&["ab"])));
}

#[test]
fn classify_tells_extra_and_missing_empty_messages_apart() {
    // Same bytes, one empty message more than sent: a misread header.
    assert_eq!(classify(&b(&["ab"]), &b(&["a", "", "b"])), Verdict::Desync);
    // As many empty messages as sent, elsewhere: still intact by content.
    assert_eq!(classify(&b(&["", "a"]), &b(&["a", ""])), Verdict::Intact);
    // The same bytes in more pieces, all matching up to where one is missing.
    assert_eq!(classify(&b(&["a", "b"]), &b(&["a", "b", ""])), Verdict::Desync);
    assert_eq!(classify(&b(&["ab", "c"]), &b(&["ab"])), Verdict::Lost);
    assert_eq!(classify(&b(&["ab", "c"]), &b(&["a", "c"])), Verdict::Truncated);
    // Truncated needs each message a non-empty prefix of the one sent.
    assert_eq!(classify(&b(&["ab", "c"]), &b(&["", "c"])), Verdict::Desync);
    assert_eq!(classify(&b(&["ab", ""]), &b(&["a", ""])), Verdict::Truncated);
    assert_eq!(classify(&b(&["ab"]), &b(&["ab", "c"])), Verdict::Desync);
    assert_eq!(classify(&b(&["a", "b", "c"]), &b(&["a", "b", "c", "c"])), Verdict::Desync);
    // The same bytes, the first messages right, then one more than sent.
    assert_eq!(classify(&b(&["a", "bc"]), &b(&["a", "b", "c"])), Verdict::Split);
    assert_eq!(classify(&b(&["a", "b", "c"]), &b(&["a", "b", "c"])), Verdict::Intact);
}

/// A finished client under test (shared with `client.rs`'s tests).
pub(super) fn outcome(code: Option<i32>, signal: Option<i32>, stdout: &str) -> CommandOutcome {
    CommandOutcome { command: "c".into(), code, signal, stdout: stdout.as_bytes().to_vec(), ..Default::default() }
}

/// A `[client_under_test]` section (shared with `client.rs`'s tests).
pub(super) fn cut(exit: i32, stdout: Option<&str>, pattern: Option<&str>) -> ClientUnderTestSection {
    ClientUnderTestSection {
        command: vec!["c".into()],
        expect_exit: exit,
        expect_stdout: stdout.map(String::from),
        stdout_match: pattern.map(String::from),
        timeout: std::time::Duration::from_secs(1),
    }
}

#[test]
fn client_judgements_say_why() {
    let c = cut(0, Some("hello\nworld\n"), None);
    let j = judge_client(&c, &outcome(Some(0), None, "hello\nworld\n"));
    assert_eq!(j.verdict, Verdict::Intact);
    assert_eq!(j.detail, "`c`: exit 0, 2 line(s) of stdout [\"hello\", \"world\"]: as a correct client");
    assert_eq!(j.seen, b(&["hello", "world"]));
    let j = judge_client(&c, &outcome(Some(0), None, "helloworld\n"));
    assert_eq!(j.verdict, Verdict::Coalesced);
    assert_eq!(
        j.detail,
        "`c`: exit 0, 1 line(s) of stdout [\"helloworld\"]: expected 2 line(s) of stdout, as the scenario says"
    );
    let j = judge_client(&c, &outcome(Some(1), None, "hello\n"));
    assert_eq!(j.verdict, Verdict::Desync);
    assert_eq!(j.detail, "`c`: exit 1, 1 line(s) of stdout [\"hello\"]: it stopped after 1 of 2 expected line(s)");
    // A prefix, but exiting as expected: judged by the lines (lost).
    let j = judge_client(&c, &outcome(Some(0), None, "hello\n"));
    assert_eq!(j.verdict, Verdict::Lost);
    // The right lines in the wrong number of empty ones: intact by
    // classify, desync here.
    let c2 = cut(0, Some("a\n\nb\n"), None);
    let j = judge_client(&c2, &outcome(Some(0), None, "a\nb\n"));
    assert_eq!(j.verdict, Verdict::Desync);
    // More than four lines are counted, not shown.
    let c3 = cut(0, None, None);
    let j = judge_client(&c3, &outcome(Some(0), None, "1\n2\n3\n4\n5\n6\n"));
    assert_eq!(
        j.detail,
        "`c`: exit 0, 6 line(s) of stdout [\"1\", \"2\", \"3\", \"4\" and 2 more]: as a correct client"
    );
    let j = judge_client(&c3, &outcome(Some(0), None, "1\n2\n3\n4\n"));
    assert_eq!(j.detail, "`c`: exit 0, 4 line(s) of stdout [\"1\", \"2\", \"3\", \"4\"]: as a correct client");
}

#[test]
fn a_client_killed_by_a_signal_is_closed() {
    let c = cut(0, None, None);
    let j = judge_client(&c, &outcome(None, Some(9), ""));
    assert_eq!(j.verdict, Verdict::Closed);
    assert_eq!(j.detail, "`c`: killed by signal 9, 0 line(s) of stdout []: the client died of a signal");
    // An unexpected exit code is a misreading, not a signal.
    let j = judge_client(&c, &outcome(Some(3), None, ""));
    assert_eq!(j.verdict, Verdict::Desync);
    assert_eq!(j.detail, "`c`: exit 3, 0 line(s) of stdout []: a correct client exits 0");
    // No exit code and no signal (a status the platform could not read):
    // not a death by signal.
    let j = judge_client(&c, &outcome(None, None, ""));
    assert_eq!(j.verdict, Verdict::Desync);
    assert_eq!(j.detail, "`c`: ended with an unknown status, 0 line(s) of stdout []: a correct client exits 0");
    // A signal when the expected exit is a refusal.
    let j = judge_client(&cut(1, None, None), &outcome(None, Some(15), ""));
    assert_eq!(j.verdict, Verdict::Closed);
}

#[test]
fn stdout_patterns_and_bad_patterns() {
    let j = judge_client(&cut(0, None, Some("^ok$")), &outcome(Some(0), None, "nope\n"));
    assert_eq!(j.verdict, Verdict::Desync);
    assert_eq!(j.detail, "`c`: exit 0, 1 line(s) of stdout [\"nope\"]: stdout does not match /^ok$/");
    let j = judge_client(&cut(0, None, Some("(unclosed")), &outcome(Some(0), None, "x\n"));
    assert_eq!(j.verdict, Verdict::Desync);
    assert!(
        j.detail.starts_with("`c`: exit 0, 1 line(s) of stdout [\"x\"]: bad stdout-match: regex parse error"),
        "{}",
        j.detail
    );
    let j = judge_client(&cut(2, None, Some("refused")), &outcome(Some(2), None, "refused: bad digest\n"));
    assert_eq!(j.verdict, Verdict::Rejected);
    assert_eq!(
        j.detail,
        "`c`: exit 2, 1 line(s) of stdout [\"refused: bad digest\"]: it refused the input, as a correct client does"
    );
}

#[test]
fn client_stdout_lines_drop_only_the_final_newline_and_carriage_returns() {
    let c = cut(0, None, None);
    let seen = |s: &str| judge_client(&c, &outcome(Some(0), None, s)).seen;
    assert_eq!(seen(""), b(&[]));
    assert_eq!(seen("\n"), b(&[]));
    assert_eq!(seen("a"), b(&["a"]));
    assert_eq!(seen("a\r\nb\r\n"), b(&["a", "b"]));
    assert_eq!(seen("a\n\n"), b(&["a", ""]));
}

#[test]
fn a_timed_out_client_hangs_and_its_stderr_is_shown() {
    let mut o = outcome(None, None, "");
    o.timed_out = true;
    o.stderr = "boom\n".into();
    let j = judge_client(&cut(0, Some("x\n"), None), &o);
    assert_eq!(j.verdict, Verdict::Hang);
    assert_eq!(
        j.detail,
        "`c`: still running after 1s, killed, 0 line(s) of stdout []: the client never finished; its stderr ended with:\n    boom"
    );
}

/// The stream of `msgs` with no framing (frames are the messages).
fn naive_wire(msgs: &[&str]) -> super::blackbox::SentStream {
    let m = b(msgs);
    super::blackbox::SentStream::new(&crate::framing::FramingSpec::default(), &m, &m).unwrap()
}

fn digest(s: &str) -> super::blackbox::Claim {
    super::blackbox::Claim::parse_digest(&crate::reply::digest_reply(s.as_bytes())).unwrap()
}

#[test]
fn located_replies_give_the_verdict_and_say_why() {
    use super::blackbox::map_claims;
    let j = |msgs: &[&str], claims: &[&str]| {
        let j = map_claims(&naive_wire(msgs), &claims.iter().map(|c| digest(c)).collect::<Vec<_>>());
        (j.verdict, j.detail)
    };
    let hw = ["hello", "world"];
    assert_eq!(j(&hw, &["hello", "world"]), (Verdict::Intact, "each reply is one of the 2 message(s)".into()));
    assert_eq!(
        j(&hw, &["helloworld"]),
        (Verdict::Coalesced, "1 repl(ies) for 2 message(s), a reply covers several messages: messages merged".into())
    );
    assert_eq!(
        j(&hw, &["hel", "low", "orld"]),
        (Verdict::Split, "3 repl(ies) for 2 message(s), a message answered in pieces: messages taken in pieces".into())
    );
    assert_eq!(j(&hw, &["world"]), (Verdict::Lost, "message(s) got no reply, later ones did".into()));
    assert_eq!(
        j(&hw, &["hellx"]),
        (Verdict::Desync, "reply 1 (a digest of 5 bytes) matches no message boundary of what was sent".into())
    );
    assert_eq!(
        j(&hw, &[""]),
        (Verdict::Desync, "reply 1 is for an empty message, and no empty message is left to answer".into())
    );
    // Merged and in pieces at once: fewer replies than messages is
    // coalesced, more is split, as many is a desync.
    assert_eq!(j(&["a", "b", "cd"], &["abc", "d"]).0, Verdict::Coalesced);
    assert_eq!(j(&["abcd", "e", "f"], &["a", "b", "c", "def"]).0, Verdict::Split);
    assert_eq!(
        j(&["abc", "d", "e"], &["a", "b", "cde"]),
        (Verdict::Desync, "replies cover messages merged and in pieces".into())
    );
    // Empty messages answered by empty replies count as messages.
    assert_eq!(j(&["a", "", "b"], &["a", "", "b"]), (Verdict::Intact, "each reply is one of the 2 message(s)".into()));
    assert_eq!(j(&["a", "", "b"], &["a", "b"]), (Verdict::Intact, "each reply is one of the 2 message(s)".into()));
    // A reply may go on where the previous one ended inside a message.
    assert_eq!(j(&["abc"], &["a", "bc"]).0, Verdict::Split);
    // A reply running past the end of the stream matches nothing.
    assert_eq!(j(&["ab"], &["abc"]).0, Verdict::Desync);
}

#[test]
fn content_upper_and_length_claims_match_their_bytes() {
    use super::blackbox::{Claim, map_claims};
    let w = naive_wire(&["ab", "cd"]);
    let c = |s: &str| Claim::Content(Bytes::copy_from_slice(s.as_bytes()));
    let u = |s: &str| Claim::Upper(Bytes::copy_from_slice(s.as_bytes()));
    assert_eq!(map_claims(&w, &[c("ab"), c("cd")]).verdict, Verdict::Intact);
    assert_eq!(map_claims(&w, &[c("ab"), c("cx")]).verdict, Verdict::Desync);
    assert_eq!(map_claims(&w, &[u("AB"), u("CD")]).verdict, Verdict::Intact);
    assert_eq!(map_claims(&w, &[u("AB"), u("Cd")]).verdict, Verdict::Desync);
    assert_eq!(map_claims(&w, &[u("ABC"), u("D")]).verdict, Verdict::Split);
    // A byte reader's read over a boundary, and nothing for the rest: no
    // server's (it answers every read).
    assert_eq!(map_claims(&w, &[u("ABC")]).verdict, Verdict::Desync);
    assert_eq!(map_claims(&w, &[Claim::Len(4)]).verdict, Verdict::Coalesced);
    assert_eq!(map_claims(&w, &[Claim::Len(1), Claim::Len(3)]).verdict, Verdict::Split);
    assert_eq!(map_claims(&w, &[Claim::Len(5)]).verdict, Verdict::Desync);
    assert_eq!(Claim::parse_digest(b"len=3"), None);
    assert_eq!(Claim::parse_digest(b"sha256=00"), None);
    assert_eq!(Claim::parse_digest(&[0xff]), None);
    let good = format!("len=2 sha256={}", "ab".repeat(32));
    assert_eq!(Claim::parse_digest(good.as_bytes()), Some(Claim::Digest { len: 2, sha256: [0xab; 32] }));
    // A digest of other bytes of the right length does not match.
    assert_eq!(map_claims(&w, &[Claim::parse_digest(good.as_bytes()).unwrap()]).verdict, Verdict::Desync);
}

// ---------------------------------------------------------------------------
// judge_replies: every way of reading replies, from a scenario against a
// target and a client outcome made up for it.

use super::blackbox::judge_replies;
use crate::client::{ClientOutcome, ReplyError};
use crate::framing::show;
use crate::scenario::{Prepared, Scenario};

/// A scenario against a target: `client` and `response` are the lines of
/// those sections (`messages` included).
fn target(client: &str, response: &str) -> (Scenario, Prepared) {
    let text = format!("[target]\naddr = \"127.0.0.1:9\"\n[client]\n{client}\n[response]\n{response}\n");
    let sc = crate::scenario::parse(&text, std::path::Path::new("t.toml")).unwrap_or_else(|e| panic!("{e}"));
    let prep = crate::scenario::prepare(&sc, 7, true).unwrap_or_else(|e| panic!("{e}"));
    (sc, prep)
}

/// Framed replies, nothing else seen.
fn framed(replies: &[&str]) -> ClientOutcome {
    ClientOutcome { replies: b(replies), ..Default::default() }
}

/// An unframed reply stream.
fn unframed(stream: &str) -> ClientOutcome {
    ClientOutcome { replies: b(&[stream]), unframed: true, ..Default::default() }
}

fn judged((sc, prep): &(Scenario, Prepared), out: &ClientOutcome) -> (Verdict, String) {
    let j = judge_replies(sc, prep, out, &prep.expected);
    (j.verdict, j.detail)
}

fn v(verdict: Verdict, detail: &str) -> (Verdict, String) {
    (verdict, detail.to_string())
}

fn digest_text(s: &str) -> String {
    String::from_utf8(crate::reply::digest_reply(s.as_bytes()).to_vec()).unwrap()
}

#[test]
fn framed_echo_upper_and_digest_replies_are_located_in_the_stream() {
    let echo = target("framing = \"delimiter\"\nmessages = [\"ab\", \"cd\"]", "expect = \"echo\"");
    let head = "sent 2 message(s); ";
    assert_eq!(
        judged(&echo, &framed(&["ab", "cd"])),
        v(Verdict::Intact, &format!("{head}2 repl(ies) came back: each reply is one of the 2 message(s)"))
    );
    // A server that keeps the first delimiter inside a merged message.
    assert_eq!(
        judged(&echo, &framed(&["ab\ncd"])),
        v(
            Verdict::Coalesced,
            &format!(
                "{head}1 repl(ies) came back: 1 repl(ies) for 2 message(s), a reply covers several messages: messages merged"
            )
        )
    );
    assert_eq!(
        judged(&echo, &framed(&["a", "b", "cd"])),
        v(
            Verdict::Split,
            &format!(
                "{head}3 repl(ies) came back: 3 repl(ies) for 2 message(s), a message answered in pieces: messages taken in pieces"
            )
        )
    );
    assert_eq!(
        judged(&echo, &framed(&["cd"])),
        v(Verdict::Lost, &format!("{head}1 repl(ies) came back: message(s) got no reply, later ones did"))
    );
    assert_eq!(
        judged(&echo, &framed(&[])),
        v(Verdict::Hang, &format!("{head}0 repl(ies) came back: 2 message(s) got no reply"))
    );
    assert_eq!(
        judged(&echo, &framed(&["zz"])),
        v(
            Verdict::Desync,
            &format!("{head}1 repl(ies) came back: reply 1 (\"zz\") matches no message boundary of what was sent")
        )
    );
    // A reply that starts with the previous message's delimiter: a
    // server reading bytes, each message whole in one read.
    assert_eq!(judged(&echo, &framed(&["ab", "\ncd"])).0, Verdict::Intact);
    // Never before where the last one ended.
    assert_eq!(judged(&echo, &framed(&["ab", "b\ncd"])).0, Verdict::Desync);
    let upper = target("framing = \"delimiter\"\nmessages = [\"ab\", \"cd\"]", "expect = \"upper\"");
    assert_eq!(
        judged(&upper, &framed(&["AB", "CD"])),
        v(Verdict::Intact, &format!("{head}2 repl(ies) came back: each reply is one of the 2 message(s)"))
    );
    let digest = target("framing = \"delimiter\"\nmessages = [\"ab\", \"cd\"]", "expect = \"digest\"");
    assert_eq!(
        judged(&digest, &framed(&[&digest_text("ab"), &digest_text("cd")])),
        v(Verdict::Intact, &format!("{head}2 repl(ies) came back: each reply is one of the 2 message(s)"))
    );
    // Only the messages expected count: after a reset, the first two of three.
    let three = target("framing = \"delimiter\"\nmessages = [\"ab\", \"cd\", \"ef\"]", "expect = \"echo\"");
    let j = judge_replies(&three.0, &three.1, &framed(&["ab", "cd"]), &b(&["ab", "cd"]));
    assert_eq!(j.verdict, Verdict::Intact, "{}", j.detail);
}

#[test]
fn replies_may_start_at_a_frame_and_never_before_the_last_one() {
    // A length-prefix server that echoes header and payload: each reply
    // starts where a frame starts.
    let lp = target("framing = \"length-prefix:u16be\"\nmessages = [\"ab\", \"ab\"]", "expect = \"echo\"");
    let frame = "\0\u{2}ab";
    assert_eq!(judged(&lp, &framed(&[frame, frame])).0, Verdict::Intact);
    assert_eq!(judged(&lp, &framed(&["ab", "ab"])).0, Verdict::Intact);
    // An empty reply alone: the empty message's, the others skipped.
    let empty = target("framing = \"length-prefix:u16be\"\nmessages = [\"a\", \"\", \"b\"]", "expect = \"digest\"");
    assert_eq!(
        judged(&empty, &framed(&[&digest_text("")])),
        v(Verdict::Lost, "sent 3 message(s); 1 repl(ies) came back: message(s) got no reply, later ones did")
    );
    // With no empty message, an empty reply is no message's.
    let none = target("framing = \"length-prefix:u16be\"\nmessages = [\"a\", \"b\"]", "expect = \"digest\"");
    assert_eq!(
        judged(&none, &framed(&[&digest_text("")])),
        v(
            Verdict::Desync,
            "sent 2 message(s); 1 repl(ies) came back: reply 1 is for an empty message, and no empty message is left to answer"
        )
    );
    assert_eq!(judged(&empty, &framed(&[&digest_text("a"), &digest_text(""), &digest_text("b")])).0, Verdict::Intact);
}

#[test]
fn acks_and_any_replies_are_counted() {
    let ack = target("messages = [\"a\", \"b\"]", "expect = \"ack\"");
    let a = "Receive your message!";
    let head = "sent 2 message(s); ";
    // As many acks as messages: every message whole, or one kept short,
    // or two merged and another cut. Fewer: merged or skipped (issue 34,
    // class 4). The count cannot tell.
    let (verdict, detail) = judged(&ack, &framed(&[a, a]));
    assert_eq!(verdict, Verdict::Inconclusive, "{detail}");
    assert!(detail.starts_with(&format!("{head}2 repl(ies) came back: intact, truncated or desync")), "{detail}");
    let (verdict, detail) = judged(&ack, &framed(&[a]));
    assert_eq!(verdict, Verdict::Inconclusive, "{detail}");
    assert!(detail.contains("coalesced or lost: 1 repl(ies) for 2 message(s)"), "{detail}");
    assert_eq!(judged(&ack, &framed(&[a, a, a])).0, Verdict::Split);
    assert_eq!(judged(&ack, &framed(&[])).0, Verdict::Hang);
    assert_eq!(judged(&ack, &framed(&[a, "nope"])).0, Verdict::Desync);
    let any = target("messages = [\"a\", \"b\"]", "expect = \"reply\"");
    assert_eq!(judged(&any, &framed(&["x", "y"])).0, Verdict::Inconclusive);
    assert_eq!(judged(&any, &framed(&["x"])).0, Verdict::Inconclusive);
    assert_eq!(judged(&any, &framed(&["x", "y", "z"])).0, Verdict::Split);
}

#[test]
fn listed_replies_and_patterns() {
    let head = "sent 2 message(s); ";
    // The same reply to every message tells only a count.
    let same = target("messages = [\"a\", \"b\"]", "replies = [\"ok\", \"ok\"]");
    assert_eq!(judged(&same, &framed(&["ok"])).0, Verdict::Inconclusive);
    let list = target("messages = [\"a\", \"b\"]", "replies = [\"one\", \"two\"]");
    assert_eq!(judged(&list, &framed(&["one", "two"])).0, Verdict::Intact);
    // A reply the list does not have: the server understood something
    // other than a message, which the list cannot say.
    assert_eq!(judged(&list, &framed(&["one", "xxx"])).0, Verdict::Inconclusive);
    // Fewer: merged (answered by the first) or skipped.
    assert_eq!(judged(&list, &framed(&["one"])).0, Verdict::Inconclusive);
    assert_eq!(judged(&list, &framed(&["two", "one"])).0, Verdict::Intact);
    assert_eq!(judged(&list, &framed(&["two", "two"])).0, Verdict::Inconclusive);
    assert_eq!(judged(&list, &framed(&[])).0, Verdict::Hang);
    // Every reply must match; with no `len` group they are counted.
    let ok = target("messages = [\"a\", \"b\"]", "match = \"^ok\"");
    assert_eq!(judged(&ok, &framed(&["ok", "ok!"])).0, Verdict::Inconclusive);
    assert_eq!(judged(&ok, &framed(&["ok", "ok!", "ok"])).0, Verdict::Split);
    assert_eq!(
        judged(&ok, &framed(&["ok", "xx"])),
        v(Verdict::Desync, &format!("{head}2 repl(ies) came back: reply 2 \"xx\" does not match /^ok/"))
    );
    assert_eq!(judged(&ok, &framed(&[])).0, Verdict::Hang);
    // A `len` group locates them like digests.
    let len = target("messages = [\"ab\", \"cd\"]", "match = 'got (?P<len>\\d+)'");
    assert_eq!(judged(&len, &framed(&["got 2", "got 2"])).0, Verdict::Intact);
    assert_eq!(judged(&len, &framed(&["got 4"])).0, Verdict::Coalesced);
}

#[test]
fn a_byte_count_is_checked_against_the_bytes_sent() {
    let echo = target("messages = [\"ab\", \"cd\"]", "expect = \"echo\"\nbytes = 4");
    // Every byte back as sent: a server echoing each read gives that
    // however it read (issue 34, class 1).
    let (verdict, detail) = judged(&echo, &framed(&["ab", "cd"]));
    assert_eq!(verdict, Verdict::Inconclusive, "{detail}");
    assert!(detail.starts_with("4 of 4 bytes came back, the bytes sent; but a server that echoes"), "{detail}");
    let any = target("messages = [\"ab\", \"cd\"]", "expect = \"none\"\nbytes = 4");
    assert_eq!(judged(&any, &framed(&["okok"])), v(Verdict::Intact, "4 of 4 bytes came back"));
    assert_eq!(
        judged(&echo, &framed(&["xx", "yy"])),
        v(Verdict::Desync, "4 of 4 bytes came back, and they are not the bytes sent")
    );
    assert_eq!(judged(&echo, &framed(&["abcde"])).0, Verdict::Desync);
    let three = target("messages = [\"ab\", \"cd\"]", "expect = \"echo\"\nbytes = 3");
    assert_eq!(
        judged(&three, &framed(&["ab", "cd"])),
        v(Verdict::Desync, "4 of 3 bytes came back: more than expected")
    );
    // The first bytes, then nothing: a hang, or a server that merged or
    // cut what it echoed before that.
    assert_eq!(judged(&echo, &framed(&["ab"])).0, Verdict::Inconclusive);
    for out in [
        ClientOutcome { reset_by_peer: true, ..framed(&["ab"]) },
        ClientOutcome { eof: true, ..framed(&["ab"]) },
        ClientOutcome { write_error: Some("broken pipe".into()), ..framed(&["ab"]) },
    ] {
        let (verdict, detail) = judged(&echo, &out);
        assert_eq!(verdict, Verdict::Inconclusive, "{detail}");
        assert!(detail.contains("then the peer closed: hang or closed"), "{detail}");
    }
    // Nothing at all, then the peer closed: closed.
    let out = ClientOutcome { eof: true, ..framed(&[]) };
    assert_eq!(judged(&echo, &out).0, Verdict::Closed);
    let upper = target("messages = [\"ab\", \"cd\"]", "expect = \"upper\"\nbytes = 4");
    assert_eq!(judged(&upper, &framed(&["ABCD"])).0, Verdict::Inconclusive);
    assert_eq!(judged(&upper, &framed(&["abcd"])).0, Verdict::Desync);
}

#[test]
fn digests_that_cannot_be_located_are_judged_by_their_lengths() {
    // What the server must understand is not the messages sent: the
    // digests cannot be located in the stream.
    let d = target("messages = [\"abc\", \"d\"]", "expect = \"digest\"\n[expect]\nmessages = [\"ab\", \"cd\"]");
    let r = |v: &[&str]| {
        framed(&v.iter().map(|s| digest_text(s)).collect::<Vec<_>>().iter().map(String::as_str).collect::<Vec<_>>())
    };
    assert_eq!(judged(&d, &r(&["ab", "cd"])).0, Verdict::Intact);
    assert_eq!(judged(&d, &r(&["abcd"])).0, Verdict::Coalesced);
    assert_eq!(judged(&d, &r(&["a", "bcd"])).0, Verdict::Split);
    assert_eq!(judged(&d, &r(&["a", "b", "c", "d"])).0, Verdict::Split);
    assert_eq!(judged(&d, &r(&["ab"])).0, Verdict::Lost);
    assert_eq!(judged(&d, &r(&["ab", "xyz"])).0, Verdict::Desync);
    assert_eq!(judged(&d, &r(&["ab", "cd", "x"])).0, Verdict::Desync);
    // A reply that is no digest: lost when fewer, else desync.
    assert_eq!(judged(&d, &framed(&["nope"])).0, Verdict::Lost);
    assert_eq!(judged(&d, &framed(&["nope", "nope"])).0, Verdict::Desync);
}

#[test]
fn unframed_streams_are_read_without_their_cuts() {
    // Fixed texts counted; stray bytes say the server misread something,
    // not what (a piece answered with an error is split, not desync).
    let ack = target("messages = [\"a\", \"b\"]", "expect = \"ack\"");
    let a = "Receive your message!";
    let (verdict, detail) = judged(&ack, &unframed(&format!("{a}{a}")));
    assert_eq!(verdict, Verdict::Inconclusive, "{detail}");
    assert!(
        detail.starts_with(
            "sent 2 message(s); 42 reply byte(s) came back: 2 x \"Receive your message!\" in the reply stream, 2 expected: intact, truncated or desync"
        ),
        "{detail}"
    );
    assert_eq!(judged(&ack, &unframed(&format!("{a}{a}{a}"))).0, Verdict::Split);
    let (verdict, detail) = judged(&ack, &unframed(&format!("{a}{a}xx")));
    assert_eq!(verdict, Verdict::Inconclusive, "{detail}");
    assert!(
        detail.starts_with(
            "sent 2 message(s); 44 reply byte(s) came back: split, coalesced or desync: 2 byte(s) of the reply stream are not \"Receive your message!\""
        ),
        "{detail}"
    );
    // The same listed reply: counted; different ones: the stream read as items.
    let same = target("messages = [\"a\", \"b\"]", "replies = [\"ok\", \"ok\"]");
    assert_eq!(judged(&same, &unframed("ok")).0, Verdict::Inconclusive);
    let list = target("messages = [\"a\", \"b\"]", "replies = [\"one\", \"two\"]");
    assert_eq!(
        judged(&list, &unframed("onetwo")),
        v(
            Verdict::Intact,
            "sent 2 message(s); 6 reply byte(s) came back: the reply stream read as items of the list: each listed reply, in order"
        )
    );
    assert_eq!(judged(&list, &unframed("twoone")).0, Verdict::Intact);
    assert_eq!(
        judged(&list, &unframed("onexx")),
        v(
            Verdict::Inconclusive,
            "sent 2 message(s); 5 reply byte(s) came back: desync, split or truncated: the reply stream is not made of the listed replies"
        )
    );
    assert_eq!(judged(&list, &unframed("")).0, Verdict::Hang);
    let bytes = target("messages = [\"a\", \"b\"]", "replies = [\"a\", \"b\"]");
    // Listed replies that are the messages: a server echoing each read
    // as it came gives the same stream (issue 34, class 1).
    let (verdict, detail) = judged(&bytes, &unframed("ab"));
    assert_eq!(verdict, Verdict::Inconclusive, "{detail}");
    assert!(detail.contains("intact, coalesced or split: the replies are the bytes sent"), "{detail}");
    // Patterns are searched anywhere in the stream.
    let p = target("messages = [\"a\", \"b\"]", "match = \"ok\"");
    assert_eq!(judged(&p, &unframed("ok ok")).0, Verdict::Inconclusive);
    assert_eq!(judged(&p, &unframed("ok ok ok")).0, Verdict::Split);
    // Matches that touch: "okok" may be one reply or two.
    let (verdict, detail) = judged(&p, &unframed("okokok"));
    assert_eq!(verdict, Verdict::Inconclusive, "{detail}");
    assert!(detail.contains("touch"), "{detail}");
    assert_eq!(
        judged(&p, &unframed("nothing")),
        v(Verdict::Desync, "sent 2 message(s); 7 reply byte(s) came back: the reply stream has no match of /ok/")
    );
    // Any reply: nothing to count by.
    let any = target("messages = [\"a\", \"b\"]", "expect = \"reply\"");
    assert_eq!(
        judged(&any, &unframed("")),
        v(Verdict::Hang, "sent 2 message(s); 0 reply byte(s) came back: no reply bytes")
    );
    assert_eq!(judged(&any, &unframed("xy")).0, Verdict::Inconclusive);
}

#[test]
fn unframed_echo_says_inconclusive_when_the_bytes_are_right() {
    let echo = target("framing = \"delimiter\"\nmessages = [\"ab\", \"cd\"]", "expect = \"echo\"");
    // The messages, or the frames sent, are both the bytes sent.
    for s in ["abcd", "ab\ncd\n"] {
        let (verdict, detail) = judged(&echo, &unframed(s));
        assert_eq!(verdict, Verdict::Inconclusive, "{s:?}: {detail}");
        assert!(detail.contains("the bytes sent; but with no reply framing"), "{detail}");
    }
    let (verdict, detail) = judged(&echo, &unframed("ab\n"));
    assert_eq!(verdict, Verdict::Inconclusive, "{detail}");
    assert!(detail.contains("3 of 4 bytes came back; the rest never came: hang or closed"), "{detail}");
    assert_eq!(judged(&echo, &unframed("abc")).0, Verdict::Inconclusive);
    assert_eq!(judged(&echo, &unframed("xy")).0, Verdict::Desync);
    let upper = target("framing = \"delimiter\"\nmessages = [\"ab\", \"cd\"]", "expect = \"upper\"");
    assert_eq!(judged(&upper, &unframed("ABCD")).0, Verdict::Inconclusive);
    assert_eq!(judged(&upper, &unframed("abcd")).0, Verdict::Desync);
}

#[test]
fn unframed_digest_lines_are_found_anywhere_and_located() {
    let d = target("framing = \"delimiter\"\nmessages = [\"ab\", \"cd\"]", "expect = \"digest\"");
    let (ab, cd) = (digest_text("ab"), digest_text("cd"));
    assert_eq!(judged(&d, &unframed(&format!("{ab}\n{cd}\n"))).0, Verdict::Intact);
    assert_eq!(
        judged(&d, &unframed(&format!("xx{ab}\n{cd}\n"))).1,
        format!(
            "sent 2 message(s); 158 reply byte(s) came back: line 1 of the reply stream, {}, is not a digest",
            show(format!("xx{ab}").as_bytes(), 48)
        )
    );
    assert_eq!(
        judged(&d, &unframed(&format!("{ab}\n{cd}\nxx"))).1,
        "sent 2 message(s); 158 reply byte(s) came back: line 3 of the reply stream, \"xx\", is not a digest"
    );
    assert_eq!(judged(&d, &unframed(&format!("{cd}\n"))).0, Verdict::Lost);
    assert_eq!(judged(&d, &unframed("")).0, Verdict::Hang);
}

#[test]
fn udp_replies_showing_part_of_a_datagram_are_truncated() {
    let udp = |expect: &str| target("framing = \"udp\"\nmessages = [\"abcdef\"]", &format!("expect = \"{expect}\""));
    let cut3 = v(
        Verdict::Truncated,
        "sent 1 message(s); 1 repl(ies) came back: datagram 1 of 6 bytes: the server read only its first 3 bytes",
    );
    let echo = udp("echo");
    assert_eq!(judged(&echo, &framed(&["abc"])), cut3);
    assert_eq!(judged(&echo, &framed(&["abcdef"])).0, Verdict::Intact);
    assert_eq!(judged(&echo, &framed(&["xyz"])).0, Verdict::Desync);
    let upper = udp("upper");
    assert_eq!(judged(&upper, &framed(&["ABC"])), cut3);
    assert_eq!(judged(&upper, &framed(&["ABCDEF"])).0, Verdict::Intact);
    let digest = udp("digest");
    assert_eq!(judged(&digest, &framed(&[&digest_text("abc")])), cut3);
    assert_eq!(judged(&digest, &framed(&[&digest_text("abcdef")])).0, Verdict::Intact);
    assert_eq!(judged(&digest, &framed(&[&digest_text("xyz")])).0, Verdict::Desync);
}

#[test]
fn what_the_connection_did_turns_verdicts_into_closed_or_hang() {
    let echo = target("messages = [\"ab\", \"cd\"]", "expect = \"echo\"");
    let head = "sent 2 message(s); ";
    let closed = |n: usize| {
        v(
            Verdict::Closed,
            &format!(
                "{head}{n} repl(ies) came back: each reply is one of the 2 message(s); the peer closed or reset the connection"
            ),
        )
    };
    // Intact replies on a connection that then failed.
    let ok = framed(&["ab", "cd"]);
    assert_eq!(judged(&echo, &ClientOutcome { reset_by_peer: true, ..ok.clone() }), closed(2));
    assert_eq!(judged(&echo, &ClientOutcome { peer_closed_early: true, ..ok.clone() }), closed(2));
    assert_eq!(judged(&echo, &ClientOutcome { write_error: Some("x".into()), ..ok.clone() }), closed(2));
    // The peer closing after its replies is no fault.
    assert_eq!(judged(&echo, &ClientOutcome { eof: true, ..ok.clone() }).0, Verdict::Intact);
    // A reply the plan waited for never came.
    assert_eq!(
        judged(&echo, &ClientOutcome { hung: true, ..ok.clone() }),
        v(
            Verdict::Hang,
            &format!(
                "{head}2 repl(ies) came back: each reply is one of the 2 message(s); a reply never came within 1s"
            )
        )
    );
    // Nothing came back and the peer closed: closed, not hang.
    assert_eq!(
        judged(&echo, &ClientOutcome { eof: true, ..framed(&[]) }),
        v(
            Verdict::Closed,
            &format!(
                "{head}0 repl(ies) came back: 2 message(s) got no reply; the peer closed the connection without replying"
            )
        )
    );
    assert_eq!(judged(&echo, &ClientOutcome { write_error: Some("x".into()), ..framed(&[]) }).0, Verdict::Closed);
    assert_eq!(judged(&echo, &ClientOutcome { eof: true, hung: true, ..framed(&[]) }).0, Verdict::Hang);
    // Merged replies stay merged whatever the connection did.
    assert_eq!(judged(&echo, &ClientOutcome { hung: true, ..framed(&["abcd"]) }).0, Verdict::Coalesced);
    // The first replies, then the peer went away: closed; without that, lost.
    assert_eq!(judged(&echo, &framed(&["ab"])).0, Verdict::Lost);
    assert_eq!(judged(&echo, &ClientOutcome { reset_by_peer: true, ..framed(&["ab"]) }).0, Verdict::Closed);
    // An unframed echo cut short, then the peer closed early: the first
    // bytes cannot tell what was merged or cut before the close.
    let s = ClientOutcome { peer_closed_early: true, ..unframed("a") };
    assert_eq!(judged(&echo, &s).0, Verdict::Inconclusive);
    // Every byte back as one unframed stream, then a reset: what came
    // back still cannot tell merged from separate.
    let one = target("messages = [\"ab\"]", "expect = \"echo\"");
    let s = ClientOutcome { reset_by_peer: true, ..unframed("ab") };
    assert_eq!(judged(&one, &s).0, Verdict::Inconclusive);
    // Reply decoding errors: desync, unless the transport failed.
    let bad = ReplyError::Decode { kind: crate::framing::ErrorKind::BadHeader, detail: "bad".into() };
    let out = ClientOutcome { reply_errors: vec![bad], ..ok.clone() };
    assert_eq!(
        judged(&echo, &out),
        v(
            Verdict::Inconclusive,
            &format!(
                "{head}2 repl(ies) came back; a reply failed to decode: bad-header: bad: the server's bytes are not framed as [response] framing says, and say nothing of what it read"
            )
        )
    );
    let read = ReplyError::Read("connection reset".into());
    assert_eq!(judged(&echo, &ClientOutcome { reply_errors: vec![read], ..ok.clone() }).0, Verdict::Intact);
    // A server's refusal.
    assert_eq!(judged(&echo, &framed(&["ERROR: no"])).0, Verdict::Rejected);
    assert_eq!(
        judged(&echo, &ClientOutcome { connect_error: Some("refused".into()), ..ok }),
        v(Verdict::Closed, "refused")
    );
}

// ---------------------------------------------------------------------------
// judge_reference: the server's record, connection by connection.

#[test]
fn each_connection_is_judged_by_its_own_record() {
    use crate::server::{CloseReason, ObservationLog};
    let sc = crate::scenario::parse(
        "[server]\nstrategy = \"delimiter\"\n[client]\nmessages = [\"a\", \"b\"]\n",
        std::path::Path::new("t.toml"),
    )
    .unwrap();
    let prep = crate::scenario::prepare(&sc, 7, false).unwrap();
    let (pa, pb) = ("127.0.0.1:5001".parse().unwrap(), "127.0.0.1:5002".parse().unwrap());
    let log = ObservationLog::new(true);
    let a = log.open(pa);
    let bb = log.open(pb);
    for m in ["a", "b"] {
        log.message(a, Bytes::from(m));
    }
    log.message(bb, Bytes::from("ab"));
    log.close(a, CloseReason::Eof);
    log.close(bb, CloseReason::Eof);
    let obs = log.snapshot();
    let conn = |peer| ClientOutcome { local: Some(peer), ..Default::default() };
    // The second connection's record merged the messages: its verdict, named.
    let j = super::reference::judge_reference(&sc, &prep, &obs, &[conn(pa), conn(pb)]);
    assert_eq!(j.verdict, Verdict::Coalesced);
    assert_eq!(
        j.detail,
        "connection 2 of 2: sent 2 message(s) in 2 write(s); the server understood 1: messages merged"
    );
    assert_eq!(j.seen, b(&["ab"]));
    // A connection the server never accepted shows what the first one understood.
    let j = super::reference::judge_reference(&sc, &prep, &obs, &[conn(pa), ClientOutcome::default()]);
    assert_eq!(j.verdict, Verdict::Hang);
    assert_eq!(j.detail, "connection 2 of 2: the server never accepted the connection in time");
    assert_eq!(j.seen, b(&["a", "b"]));
}

/// A reference scenario of `messages` (delimiter framing, replies checked
/// as `expect`), and a connection record of what the server understood and
/// how the connection ended.
fn reference(messages: &str, expect: &str) -> (Scenario, Prepared) {
    let text = format!(
        "[server]\nstrategy = \"delimiter\"\n[client]\nmessages = {messages}\n[response]\nexpect = \"{expect}\"\n"
    );
    let sc = crate::scenario::parse(&text, std::path::Path::new("t.toml")).unwrap_or_else(|e| panic!("{e}"));
    let prep = crate::scenario::prepare(&sc, 7, false).unwrap_or_else(|e| panic!("{e}"));
    (sc, prep)
}

fn record(
    understood: &[&str],
    closed: crate::server::CloseReason,
    error: Option<crate::framing::ErrorKind>,
) -> crate::server::ConnLog {
    let log = crate::server::ObservationLog::new(true);
    let id = log.open("127.0.0.1:5001".parse().unwrap());
    for m in understood {
        log.message(id, Bytes::copy_from_slice(m.as_bytes()));
    }
    if let Some(kind) = error {
        log.error(id, kind, "too long");
    }
    log.close(id, closed);
    log.snapshot().connections.remove(0)
}

#[test]
fn a_connection_record_gives_the_verdict_and_says_why() {
    use crate::server::CloseReason::{Eof, Error, Reset};
    let conn = |(sc, prep): &(Scenario, Prepared), rec: &crate::server::ConnLog, out: &ClientOutcome| {
        let j = super::reference::judge_conn(sc, prep, Some(rec), out);
        (j.verdict, j.detail)
    };
    let two = reference("[\"ab\", \"cd\"]", "none");
    let head = "sent 2 message(s) in 2 write(s); the server understood";
    let quiet = ClientOutcome::default();
    assert_eq!(conn(&two, &record(&["ab", "cd"], Eof, None), &quiet), v(Verdict::Intact, &format!("{head} 2")));
    // What it misread, named.
    for (understood, verdict, kind) in [
        (&["abcd"][..], Verdict::Coalesced, "messages merged"),
        (&["a", "b", "cd"], Verdict::Split, "a message taken in pieces"),
        (&["ab"], Verdict::Lost, "whole messages missing"),
        (&["a", "cd"], Verdict::Truncated, "messages cut short"),
        (&["zz"], Verdict::Desync, "bytes misread as framing"),
    ] {
        let n = understood.len();
        assert_eq!(conn(&two, &record(understood, Eof, None), &quiet), v(verdict, &format!("{head} {n}: {kind}")));
    }
    // Merged, and then the server ended the connection: still merged.
    assert_eq!(conn(&two, &record(&["abcd"], Error, None), &quiet).0, Verdict::Coalesced);
    // The start of what was sent, then the server ended it.
    assert_eq!(
        conn(&two, &record(&["ab"], Error, None), &quiet),
        v(Verdict::Closed, &format!("{head} 1; the connection ended (error)"))
    );
    // How the connection ended.
    assert_eq!(
        conn(&two, &record(&["ab", "cd"], Reset, None), &quiet),
        v(Verdict::Closed, &format!("{head} 2; the connection was reset"))
    );
    let reset = ClientOutcome { reset_by_peer: true, ..Default::default() };
    assert_eq!(
        conn(&two, &record(&["ab", "cd"], Eof, None), &reset),
        v(Verdict::Closed, &format!("{head} 2; the connection was reset"))
    );
    assert_eq!(
        conn(&two, &record(&["ab", "cd"], Error, None), &quiet),
        v(Verdict::Closed, &format!("{head} 2; the server ended the connection (error)"))
    );
    // A reply that never came; empty messages that put nothing on the wire.
    let hung = ClientOutcome { hung: true, ..Default::default() };
    assert_eq!(
        conn(&two, &record(&["ab", "cd"], Eof, None), &hung),
        v(Verdict::Hang, &format!("{head} 2; a reply never came within 1s"))
    );
    let empties = reference("[\"ab\", \"\", \"\"]", "none");
    assert_eq!(
        conn(&empties, &record(&["ab", "", ""], Eof, None), &hung),
        v(
            Verdict::Hang,
            "sent 3 message(s) in 3 write(s); the server understood 3; a reply never came within 1s \
             (2 empty message(s) put nothing on the wire)"
        )
    );
    // Replies are checked when the scenario says what they are.
    let echo = reference("[\"ab\", \"cd\"]", "echo");
    let replies = |r: &[&str]| ClientOutcome { replies: b(r), ..Default::default() };
    assert_eq!(conn(&echo, &record(&["ab", "cd"], Eof, None), &replies(&["ab", "cd"])).0, Verdict::Intact);
    let (verdict, detail) = conn(&echo, &record(&["ab", "cd"], Eof, None), &replies(&["abcd"]));
    assert_eq!(verdict, Verdict::Desync);
    assert!(detail.starts_with(&format!("{head} 2, but the replies disagree: ")), "{detail}");
}

#[test]
fn one_connection_has_no_prefix_and_intact_ones_report_the_last() {
    use crate::server::{CloseReason, ObservationLog};
    let (sc, prep) = reference("[\"ab\", \"cd\"]", "none");
    let (pa, pb) = ("127.0.0.1:5001".parse().unwrap(), "127.0.0.1:5002".parse().unwrap());
    let log = ObservationLog::new(true);
    for peer in [pa, pb] {
        let id = log.open(peer);
        log.message(id, Bytes::from("ab"));
        log.message(id, Bytes::from("cd"));
        log.close(id, CloseReason::Eof);
    }
    let obs = log.snapshot();
    let conn = |peer| ClientOutcome { local: Some(peer), ..Default::default() };
    let j = super::reference::judge_reference(&sc, &prep, &obs, &[conn(pa)]);
    assert_eq!(
        (j.verdict, j.detail.as_str()),
        (Verdict::Intact, "sent 2 message(s) in 2 write(s); the server understood 2")
    );
    let j = super::reference::judge_reference(&sc, &prep, &obs, &[conn(pa), conn(pb)]);
    assert_eq!(
        (j.verdict, j.detail.as_str()),
        (Verdict::Intact, "connection 2 of 2: sent 2 message(s) in 2 write(s); the server understood 2")
    );
}

// ---------------------------------------------------------------------------
// Issue 34: a verdict only when every server behaviour that gives the
// replies leads to it. One test per behaviour class; each failed before.

/// Class 1: echo replies framed like the requests are the bytes sent. A
/// server echoing each `recv()` verbatim writes `hello\nworld\n` whether
/// it read one message or two, and the reply codec cuts it into `hello`,
/// `world` either way.
#[test]
fn echo_replies_framed_like_the_requests_are_inconclusive() {
    for (framing, up) in [("delimiter", false), ("delimiter", true), ("length-prefix", false)] {
        let expect = if up { "upper" } else { "echo" };
        let sc = target(
            &format!("framing = \"{framing}\"\nmessages = [\"hello\", \"world\"]\nschedule = \"coalesce\""),
            &format!("framing = \"{framing}\"\nexpect = \"{expect}\""),
        );
        let r: &[&str] = if up { &["HELLO", "WORLD"] } else { &["hello", "world"] };
        let (verdict, detail) = judged(&sc, &framed(r));
        assert_eq!(verdict, Verdict::Inconclusive, "{framing} {expect}: {detail}");
        assert!(detail.contains("intact, coalesced or split"), "{detail}");
        // Replies that are not the bytes sent are still located.
        let merged: &[&str] = if up { &["HELLOWORLD"] } else { &["helloworld"] };
        let (verdict, detail) = judged(&sc, &framed(merged));
        assert_ne!(verdict, Verdict::Intact, "{framing} {expect}: {detail}");
    }
    // Replies framed unlike the requests can decide: lines for
    // length-prefixed requests are no echo of the bytes sent.
    let sc = target(
        "framing = \"length-prefix\"\nmessages = [\"hello\", \"world\"]",
        "framing = \"delimiter\"\nexpect = \"echo\"",
    );
    assert_eq!(judged(&sc, &framed(&["hello", "world"])).0, Verdict::Intact);
}

/// Class 3: `hello\n\n` in one `recv()` is one message to a naive line
/// server; an empty message with no reply was merged or skipped.
#[test]
fn an_empty_message_with_no_reply_is_not_intact() {
    let sc =
        target("framing = \"delimiter\"\nmessages = [\"hello\", \"\"]", "framing = \"delimiter\"\nexpect = \"digest\"");
    let (verdict, detail) = judged(&sc, &framed(&[&digest_text("hello")]));
    assert_eq!(verdict, Verdict::Inconclusive, "{detail}");
    assert!(detail.contains("coalesced or lost"), "{detail}");
    assert_eq!(judged(&sc, &framed(&[&digest_text("hello\n\n")])).0, Verdict::Coalesced);
    assert_eq!(judged(&sc, &framed(&[&digest_text("hello"), &digest_text("")])).0, Verdict::Intact);
}

/// Class 5: no window on where a reply may be; a length anywhere it fits;
/// a message's first bytes alone is `truncated`; whole messages in another
/// order are located.
#[test]
fn replies_are_located_anywhere_in_any_order_and_truncation_is_named() {
    let many: Vec<String> = (0..160).map(|i| format!("m{i:03}")).collect();
    let list = many.iter().map(|m| format!("\"{m}\"")).collect::<Vec<_>>().join(", ");
    let sc = target(
        &format!("framing = \"delimiter\"\nmessages = [{list}]"),
        "framing = \"delimiter\"\nexpect = \"digest\"",
    );
    // Only the last message answered, after 159 unanswered ones.
    let (verdict, detail) = judged(&sc, &framed(&[&digest_text("m159")]));
    assert_eq!(verdict, Verdict::Lost, "{detail}");
    // A length not at the first payload start: the first message skipped.
    let sc = target(
        "framing = \"delimiter\"\nmessages = [\"a\", \"bbb\"]",
        "framing = \"delimiter\"\nmatch = '^(?P<len>\\d+)$'",
    );
    assert_eq!(judged(&sc, &framed(&["3"])).0, Verdict::Lost);
    // Keeps the first 4 bytes of each message.
    let sc = target(
        "framing = \"delimiter\"\nmessages = [\"hello\", \"world\"]",
        "framing = \"delimiter\"\nexpect = \"digest\"",
    );
    let (verdict, detail) = judged(&sc, &framed(&[&digest_text("hell"), &digest_text("worl")]));
    assert_eq!(verdict, Verdict::Truncated, "{detail}");
    // Out of order, each digest found at exactly one message.
    let (verdict, detail) = judged(&sc, &framed(&[&digest_text("world"), &digest_text("hello")]));
    assert_eq!(verdict, Verdict::Intact, "{detail}");
    assert!(detail.contains("another order"), "{detail}");
}

/// Class 6: a message that starts with `ERROR:` echoed back is no refusal.
#[test]
fn an_echoed_error_message_is_not_a_refusal() {
    let sc = target(
        "framing = \"length-prefix\"\nmessages = [\"ERROR: disk full\"]",
        "framing = \"delimiter\"\nexpect = \"echo\"",
    );
    // The echo of the message, or a refusal that starts the same way:
    // never `rejected` from it, and not `intact` either.
    let (verdict, detail) = judged(&sc, &framed(&["ERROR: disk full"]));
    assert_eq!(verdict, Verdict::Inconclusive, "{detail}");
    assert!(detail.starts_with("rejected or intact"), "{detail}");
    let plain =
        target("framing = \"length-prefix\"\nmessages = [\"disk full\"]", "framing = \"delimiter\"\nexpect = \"echo\"");
    assert_eq!(judged(&plain, &framed(&["ERROR: bad frame"])).0, Verdict::Rejected);
    assert_eq!(judged(&plain, &framed(&["disk full"])).0, Verdict::Intact);
    let digest = target("messages = [\"x\"]", "framing = \"delimiter\"\nexpect = \"digest\"");
    assert_eq!(judged(&digest, &framed(&["ERROR: no"])).0, Verdict::Rejected);
}

/// Class 7: the peer closed before the last answer: `closed`, with digest
/// replies as with echo.
#[test]
fn a_close_before_the_last_digest_is_closed() {
    let sc =
        target("framing = \"delimiter\"\nmessages = [\"ab\", \"cd\"]", "framing = \"delimiter\"\nexpect = \"digest\"");
    for out in [
        ClientOutcome { reset_by_peer: true, ..framed(&[&digest_text("ab")]) },
        ClientOutcome { peer_closed_early: true, eof: true, ..framed(&[&digest_text("ab")]) },
    ] {
        let (verdict, detail) = judged(&sc, &out);
        assert_eq!(verdict, Verdict::Closed, "{detail}");
    }
    // A merge seen before the close is still a merge.
    let out = ClientOutcome { reset_by_peer: true, ..framed(&[&digest_text("ab\ncd")]) };
    assert_eq!(judged(&sc, &out).0, Verdict::Coalesced);
}

/// Class 8: one digest parser for framed and raw replies; Unicode upper;
/// replies with no separator between them.
#[test]
fn digest_lines_upper_case_and_touching_matches_read_the_same_both_ways() {
    let hex = |s: &str| hex::encode(sha2::Sha256::digest(s.as_bytes()));
    use sha2::Digest as _;
    let lines = |f: &dyn Fn(usize, String) -> String| -> Vec<String> {
        ["ab", "cd"].iter().map(|m| f(m.len(), hex(m))).collect()
    };
    let forms: [&dyn Fn(usize, String) -> String; 3] =
        [&|n, h| format!("len={n}  sha256={h}"), &|n, h| format!("sha256={h} len={n}"), &|n, h| {
            format!("ok len={n} sha256={h}")
        }];
    let sc =
        target("framing = \"delimiter\"\nmessages = [\"ab\", \"cd\"]", "framing = \"delimiter\"\nexpect = \"digest\"");
    let raw = target("framing = \"delimiter\"\nmessages = [\"ab\", \"cd\"]", "expect = \"digest\"");
    for f in forms {
        let l = lines(f);
        let framed_v = judged(&sc, &framed(&[&l[0], &l[1]])).0;
        let raw_v = judged(&raw, &unframed(&format!("{}\n{}\n", l[0], l[1]))).0;
        assert_eq!((framed_v, raw_v), (Verdict::Intact, Verdict::Intact), "{l:?}");
        // The client counts them too.
        assert_eq!(crate::reply::digest_line().find_iter(format!("{}\n{}\n", l[0], l[1]).as_bytes()).count(), 2);
    }
    // Python's str.upper().
    let up = target(
        "framing = \"length-prefix\"\nmessages = [\"café\", \"straße\"]",
        "framing = \"delimiter\"\nexpect = \"upper\"",
    );
    assert_eq!(judged(&up, &framed(&["CAFÉ", "STRASSE"])).0, Verdict::Intact);
    // bytes.upper() (ASCII letters only) is an upper-casing too.
    assert_eq!(judged(&up, &framed(&["CAFé", "STRAßE"])).0, Verdict::Intact);
    assert_eq!(judged(&up, &framed(&["CAFE", "STRASSE"])).0, Verdict::Desync);
    // "5" "5" with no separator: one match "55", or two replies.
    let p = target("messages = [\"hello\", \"world\"]", "match = '\\d+'");
    let (verdict, detail) = judged(&p, &unframed("55"));
    assert_ne!(verdict, Verdict::Coalesced, "{detail}");
    assert_eq!(verdict, Verdict::Inconclusive, "{detail}");
}

/// Class 9: the one-byte message `\0`, length-prefixed, answered by its
/// digest: a server that read the header's first byte as a message would
/// have answered the rest too. One reading is left: `intact`.
#[test]
fn a_zero_byte_message_answered_once_is_intact() {
    let sc =
        target("framing = \"length-prefix\"\nmessages = [\"\\u0000\"]", "framing = \"delimiter\"\nexpect = \"digest\"");
    let d = String::from_utf8(crate::reply::digest_reply(b"\0").to_vec()).unwrap();
    let (verdict, detail) = judged(&sc, &framed(&[d.trim_end()]));
    assert_eq!(verdict, Verdict::Intact, "{detail}");
}

/// A server that never replies cannot be judged `intact` from replies.
#[test]
fn no_replies_expected_is_inconclusive_and_says_what_would_decide() {
    let sc = target("messages = [\"a\"]", "expect = \"none\"");
    for out in [framed(&[]), unframed("")] {
        let (verdict, detail) = judged(&sc, &out);
        assert_eq!(verdict, Verdict::Inconclusive, "{detail}");
        assert!(detail.contains("traced"), "{detail}");
    }
}

#[test]
fn a_list_that_repeats_a_reply_is_placed_when_it_came_exactly() {
    // MQTT's PINGRESP twice, apart: the replies exactly as listed.
    let four = "messages = [\"c\", \"p\", \"u\", \"p\"]\nframing = \"delimiter\"";
    let list = target(four, "framing = \"delimiter\"\nreplies = [\"ca\", \"pr\", \"ua\", \"pr\"]");
    let (verdict, detail) = judged(&list, &framed(&["ca", "pr", "ua", "pr"]));
    assert_eq!(verdict, Verdict::Intact, "{detail}");
    // In another order, a repeat cannot be placed: a message in pieces
    // answered twice and one merged give the same.
    assert_eq!(judged(&list, &framed(&["ca", "pr", "pr", "ua"])).0, Verdict::Inconclusive);
    // Twice in a row is what a message in two pieces gives.
    let twice = target(four, "framing = \"delimiter\"\nreplies = [\"ca\", \"pr\", \"pr\", \"ua\"]");
    assert_eq!(judged(&twice, &framed(&["ca", "pr", "pr", "ua"])).0, Verdict::Inconclusive);
}

#[test]
fn replies_with_ids_are_matched_to_their_requests_in_any_order() {
    let client = "framing = \"length-prefix:u16be\"\nmessages = [{ hex = \"8a5c 01\" }, { hex = \"ff01 02\" }]";
    let sc = target(
        client,
        "framing = \"length-prefix:u16be\"\nid = { bytes = \"0..2\" }\nreplies = [{ hex = \"8a5c aa\" }, { hex = \"ff01 bb\" }]",
    );
    let out = ClientOutcome {
        replies: vec![Bytes::from_static(b"\xff\x01\xbb"), Bytes::from_static(b"\x8a\x5c\xaa")],
        ..Default::default()
    };
    let (verdict, detail) = judged(&sc, &out);
    assert_eq!(verdict, Verdict::Intact, "{detail}");
    assert!(detail.contains("in request order they came 2, 1"), "{detail}");
    let stray = ClientOutcome { replies: vec![Bytes::from_static(b"\x12\x34\x01")], ..Default::default() };
    assert_eq!(judged(&sc, &stray).0, Verdict::Desync);
    // Two messages with one ID cannot be told apart: refused on load.
    let text = "[target]\naddr = \"127.0.0.1:9\"\n[client]\nframing = \"length-prefix:u16be\"\n\
                messages = [{ hex = \"0001 aa\" }, { hex = \"0001 bb\" }]\n[response]\nid = { bytes = \"0..2\" }\n";
    let e = crate::scenario::parse(text, std::path::Path::new("t.toml")).unwrap_err().to_string();
    assert!(e.contains("messages 1 and 2 have the same ID at 0..2"), "{e}");
}
