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
fn naive_wire(msgs: &[&str]) -> super::blackbox::Wire {
    let m = b(msgs);
    super::blackbox::Wire::new(&crate::framing::FramingSpec::default(), &m, &m).unwrap()
}

fn digest(s: &str) -> super::blackbox::Claim {
    super::blackbox::Claim::parse_digest(&crate::server::handler::digest_reply(s.as_bytes())).unwrap()
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
        (Verdict::Coalesced, "1 repl(ies) cover several messages: messages merged".into())
    );
    assert_eq!(
        j(&hw, &["hel", "low", "orld"]),
        (Verdict::Split, "3 repl(ies) cover part of a message: messages taken in pieces".into())
    );
    assert_eq!(j(&hw, &["world"]), (Verdict::Lost, "1 message(s) got no reply".into()));
    assert_eq!(
        j(&hw, &["hellx"]),
        (Verdict::Desync, "reply 1 (a digest of 5 bytes) matches no message boundary of what was sent".into())
    );
    assert_eq!(
        j(&hw, &[""]),
        (Verdict::Desync, "reply 1 is for an empty message, and the next message sent is not empty".into())
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
    assert_eq!(j(&["a", "", "b"], &["a", "", "b"]), (Verdict::Intact, "each reply is one of the 3 message(s)".into()));
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
    assert_eq!(map_claims(&w, &[u("ABC")]).verdict, Verdict::Split);
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
