//! The traced judge: a verdict from the target's own `read()` and
//! `write()` calls on each connection ([`crate::trace`]), the same
//! observation a reference server makes of itself.
//!
//! - **Raw framing** (the messages go on the wire with no framing, so the
//!   server can only take each read as a message): its reads are the
//!   messages it understood. Two messages in one read is `coalesced`, one
//!   message over two reads `split`, with or without replies: a server
//!   that never answers is judged too. Except where `[response] bytes = N`
//!   says the protocol is a stream (no messages to keep): the bytes decide.
//! - **Framed messages**: reads do not show where the server thinks a
//!   message ends (a correct server may read two frames at once). Its
//!   writes are its replies, and the bytes it had read before each write
//!   bound what that reply can be about: an echo that ends inside a
//!   message the server had not finished reading is a reply to part of a
//!   message, `split`. Anything else is left to the replies
//!   ([`super::blackbox`]), which say `inconclusive` where they cannot
//!   tell.

use bytes::Bytes;

use super::{Judgement, classify};
use crate::client::ClientOutcome;
use crate::framing::{FramingSpec, show};
use crate::scenario::model::ResponseExpect;
use crate::scenario::{Prepared, Scenario, Verdict};
use crate::trace::{CallKind, TracedConn};

/// What the detail says a trace decided.
pub const FROM_READS: &str = "from the target's own reads";

/// The messages a raw-framing target understood: the bytes of each of its
/// reads, cut from the stream the client sent. `None` when the reads are
/// not of that stream (more bytes than were sent).
pub fn read_messages(conn: &TracedConn, sent: &[u8]) -> Option<Vec<Bytes>> {
    conn.reads()
        .map(|r| {
            let (start, end) = (usize::try_from(r.offset).ok()?, usize::try_from(r.offset + r.bytes()).ok()?);
            sent.get(start..end).map(Bytes::copy_from_slice)
        })
        .collect()
}

/// Sizes of the reads, for the detail: `[5, 5]`, or the first ones.
fn sizes(conn: &TracedConn) -> String {
    let v: Vec<String> = conn.reads().take(12).map(|r| r.bytes().to_string()).collect();
    let more = conn.reads().count().saturating_sub(12);
    if more > 0 { format!("[{}, ... {more} more]", v.join(", ")) } else { format!("[{}]", v.join(", ")) }
}

/// Judges one connection of a traced target. `conn`: what the tracer saw
/// on it (`None`: the target never touched it); `replies`: the reply
/// judge's verdict on the same connection.
pub fn judge_traced(
    sc: &Scenario,
    prep: &Prepared,
    out: &ClientOutcome,
    conn: Option<&TracedConn>,
    replies: Judgement,
) -> Judgement {
    if let Some(err) = &out.connect_error {
        return Judgement::new(Verdict::Closed, err.clone());
    }
    let Some(conn) = conn else {
        let seen = out.replies.clone();
        return Judgement::new(
            replies.verdict,
            format!(
                "the trace saw no read or write of the target on this connection (io_uring, or a process it does not \
                 follow?): judged by the replies: {}",
                replies.detail
            ),
        )
        .seeing(seen);
    };
    let sent_all = crate::fault::written(&prep.actions);
    let sent = &sent_all[..out.written.min(sent_all.len())];
    // `[response] bytes = N` declares a stream protocol: the bytes, not
    // the reads, are what the server must keep.
    if matches!(prep.client_framing, FramingSpec::Naive(crate::framing::NaiveFormat { .. }))
        && sc.response.bytes.is_none()
    {
        return judge_raw(sc, prep, out, conn, sent, replies);
    }
    let stream = matches!(prep.client_framing, FramingSpec::Naive(crate::framing::NaiveFormat { .. }))
        || sc.response.bytes.is_some();
    if !stream && let Some(j) = early_write(sc, prep, conn, &replies) {
        return j.seeing(out.replies.clone());
    }
    if replies.seen.is_empty() { replies.seeing(out.replies.clone()) } else { replies }
}

/// Raw framing: the reads are the messages.
fn judge_raw(
    sc: &Scenario,
    prep: &Prepared,
    out: &ClientOutcome,
    conn: &TracedConn,
    sent: &[u8],
    replies: Judgement,
) -> Judgement {
    let e = &prep.expected;
    let Some(o) = read_messages(conn, sent) else {
        return Judgement::new(
            Verdict::Inconclusive,
            format!(
                "the target read {} bytes where {} were sent on this connection: its reads are not of this stream",
                conn.bytes_read,
                sent.len()
            ),
        );
    };
    let head = format!(
        "{FROM_READS}: sent {} message(s) in {} write(s); the target read {} bytes in {} read(s) {}",
        e.len(),
        prep.write_count(),
        conn.bytes_read,
        o.len(),
        sizes(conn)
    );
    // Everything sent was read, or the target stopped early (or the rest
    // never reached it: a proxy or client that closed first). What it did
    // read is judged against the messages as far as they reached it.
    let all_read = conn.bytes_read as usize >= sent.len();
    let v = if all_read { classify(e, &o) } else { classify(&cut_to(e, conn.bytes_read as usize), &o) };
    let partial =
        if all_read { String::new() } else { format!(" (it read {} of {} bytes)", conn.bytes_read, sent.len()) };
    if v != Verdict::Intact {
        let kind = match v {
            Verdict::Coalesced => "messages merged: one read took more than one message",
            Verdict::Split => "a message taken in pieces: one read took part of a message",
            Verdict::Lost => "whole messages missing",
            Verdict::Truncated => "messages cut short",
            _ => "bytes misread",
        };
        return Judgement::new(v, format!("{head}: {kind}{partial}")).seeing(o);
    }
    if !all_read {
        // Each read so far was a message; the rest was not read. The end
        // of the stream reached it first: the rest is unknown (whether it
        // closed after is beside the point).
        if conn.saw_eof {
            return Judgement::new(
                Verdict::Inconclusive,
                format!(
                    "{head}; the connection ended before the rest reached the target{partial}: each read so far was one \
                     message, the rest is unknown"
                ),
            )
            .seeing(o);
        }
        // It ended the connection itself: a shutdown in the trace, or the
        // end (or a reset) the client saw. (close() is not traced: the
        // client's side tells it, and a forking parent's close of its
        // copy never misleads.)
        if conn.closed_by_target || out.eof || out.reset_by_peer || out.peer_closed_early {
            return Judgement::new(
                Verdict::Closed,
                format!("{head}; it closed the connection before the rest{partial}"),
            )
            .seeing(o);
        }
        return Judgement::new(Verdict::Hang, format!("{head}; it stopped reading{partial}")).seeing(o);
    }
    // Its reads were the messages; what the client saw can still say it
    // hung, closed or refused, where the replies tell that for sure.
    if sc.response.expect != ResponseExpect::None
        && matches!(replies.verdict, Verdict::Hang | Verdict::Closed | Verdict::Rejected | Verdict::Desync)
    {
        return Judgement::new(replies.verdict, format!("{head}, but the replies: {}", replies.detail)).seeing(o);
    }
    if out.reset_by_peer {
        return Judgement::new(Verdict::Closed, format!("{head}; the connection was reset")).seeing(o);
    }
    Judgement::new(Verdict::Intact, format!("{head}: each read was one message")).seeing(o)
}

/// The messages `e` as far as their first `n` bytes go (the last one cut).
fn cut_to(e: &[Bytes], n: usize) -> Vec<Bytes> {
    let mut left = n;
    let mut out = Vec::new();
    for m in e {
        if left == 0 {
            break;
        }
        let take = m.len().min(left);
        out.push(m.slice(..take));
        left -= take;
    }
    out
}

/// Framed messages with echo or upper replies: a message server answers
/// a message only once it has read all of it, so by the time it has read
/// `R` bytes, its echoes total at most the frames that end within `R`
/// (payloads are shorter still). A write that takes the reply stream past
/// that bound answered bytes of a message it had not finished reading:
/// part of a message taken as one, `split`. Only where the replies are
/// echoes at all (the reply judge located them: not `desync`).
fn early_write(sc: &Scenario, prep: &Prepared, conn: &TracedConn, replies: &Judgement) -> Option<Judgement> {
    if !matches!(sc.response.expect, ResponseExpect::Echo | ResponseExpect::Upper) || replies.verdict == Verdict::Desync
    {
        return None;
    }
    let frame_ends: Vec<u64> = prep
        .frames
        .iter()
        .scan(0u64, |at, f| {
            *at += f.len() as u64;
            Some(*at)
        })
        .collect();
    let mut read = 0u64;
    for c in &conn.calls {
        match c.kind {
            CallKind::Read => read += c.bytes(),
            CallKind::Write if c.result > 0 => {
                let end = c.offset + c.bytes();
                let whole = frame_ends.iter().take_while(|fe| **fe <= read).count();
                let bound = whole.checked_sub(1).map_or(0, |k| frame_ends[k]);
                if end > bound && whole < prep.messages.len() {
                    return Some(Judgement::new(
                        Verdict::Split,
                        format!(
                            "from the target's own writes: it had written {end} reply bytes after reading {read} bytes, \
                             which hold {whole} whole message(s) ({bound} bytes framed): it answered part of message \
                             {} ({})",
                            whole + 1,
                            show(&prep.messages[whole], 24)
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Call, TraceLog};

    fn sc(text: &str) -> (Scenario, Prepared) {
        let text = format!("[target]\ncommand = [\"x\", \"{{port}}\"]\n{text}");
        let sc = crate::scenario::parse(&text, std::path::Path::new("t.toml")).unwrap();
        let prep = crate::scenario::prepare(&sc, 1, true).unwrap();
        (sc, prep)
    }

    fn raw(schedule: &str, response: &str) -> (Scenario, Prepared) {
        sc(&format!(
            "[client]\nframing = \"raw\"\nmessages = [\"hello\", \"world\"]\nschedule = {schedule}\n{response}"
        ))
    }

    /// A connection on which the target made these calls: `r5` reads 5
    /// bytes, `w3` writes 3, `r0` reads the end, `s` shuts it down.
    fn conn(calls: &str) -> TracedConn {
        let log = TraceLog::default();
        let i = log.conn("127.0.0.1:9000".parse().unwrap(), "127.0.0.1:5000".parse().unwrap()).unwrap();
        for c in calls.split_whitespace() {
            let (kind, pid, n) = match c.split_at(1) {
                ("r", n) => (CallKind::Read, 1, n.parse().unwrap()),
                ("w", n) => (CallKind::Write, 1, n.parse().unwrap()),
                ("s", _) => (CallKind::Shutdown, 1, 0),
                _ => panic!("{c}"),
            };
            let call = Call {
                kind,
                sys: "x",
                tid: pid,
                pid,
                requested: 1024,
                limited_to: None,
                result: n,
                offset: 0,
                at: None,
            };
            log.record(i, call);
        }
        log.connection("127.0.0.1:5000".parse().unwrap()).unwrap()
    }

    fn out(written: usize) -> ClientOutcome {
        ClientOutcome { written, eof: true, ..Default::default() }
    }

    /// The client waited and the target neither answered nor closed.
    fn waited(written: usize) -> ClientOutcome {
        ClientOutcome { written, hung: true, ..Default::default() }
    }

    fn intact() -> Judgement {
        Judgement::new(Verdict::Intact, "replies")
    }

    fn judge(s: &(Scenario, Prepared), o: &ClientOutcome, c: &str, replies: Judgement) -> Judgement {
        judge_traced(&s.0, &s.1, o, Some(&conn(c)), replies)
    }

    #[test]
    fn a_raw_targets_reads_are_its_messages() {
        let s = raw("\"coalesce\"", "");
        let o = out(10);
        let j = judge(&s, &o, "r10 r0", intact());
        assert_eq!(j.verdict, Verdict::Coalesced, "{}", j.detail);
        assert!(j.detail.starts_with(FROM_READS) && j.detail.contains("[10]"), "{}", j.detail);
        assert_eq!(j.seen, [Bytes::from_static(b"helloworld")]);
        assert_eq!(judge(&s, &o, "r5 r5 r0", intact()).verdict, Verdict::Intact);
        assert_eq!(judge(&s, &o, "r3 r3 r3 r1 r0", intact()).verdict, Verdict::Split);
        assert_eq!(judge(&s, &o, "r5 r4 r1 r0", intact()).verdict, Verdict::Split);
        // More bytes read than were sent: not this stream.
        assert_eq!(judge(&s, &o, "r11", intact()).verdict, Verdict::Inconclusive);
    }

    #[test]
    fn a_raw_target_that_read_part_of_the_stream() {
        let s = raw("\"each\"", "");
        let o = out(10);
        let w = waited(10);
        // Stopped reading after one whole message: hang, not intact.
        let j = judge(&s, &w, "r5", intact());
        assert_eq!(j.verdict, Verdict::Hang, "{}", j.detail);
        assert!(j.detail.contains("it read 5 of 10 bytes"), "{}", j.detail);
        // Closed it itself first: the client saw the end, or the trace a
        // shutdown.
        assert_eq!(judge(&s, &o, "r5", intact()).verdict, Verdict::Closed);
        assert_eq!(judge(&s, &w, "r5 s", intact()).verdict, Verdict::Closed);
        // The stream ended before the rest reached it: cannot tell, even
        // when it closed after.
        assert_eq!(judge(&s, &o, "r5 r0", intact()).verdict, Verdict::Inconclusive);
        assert_eq!(judge(&s, &w, "r5 r0", intact()).verdict, Verdict::Inconclusive);
        // What it did read is judged against what reached it: pieces.
        assert_eq!(judge(&s, &o, "r3 r3 r3", intact()).verdict, Verdict::Split);
        assert_eq!(judge(&s, &o, "r7", intact()).verdict, Verdict::Coalesced);
    }

    #[test]
    fn replies_add_what_reads_cannot_say_and_never_override_merged_reads() {
        let s = raw("\"each\"", "[response]\nexpect = \"upper\"\n");
        let o = out(10);
        for v in [Verdict::Hang, Verdict::Closed, Verdict::Rejected, Verdict::Desync] {
            let j = judge(&s, &o, "r5 r5 r0", Judgement::new(v, "why"));
            assert_eq!(j.verdict, v);
            assert!(j.detail.contains("but the replies: why"), "{}", j.detail);
        }
        // Replies that cannot tell change nothing; merged reads stay merged.
        let unsure = Judgement::new(Verdict::Inconclusive, "?");
        assert_eq!(judge(&s, &o, "r5 r5 r0", unsure).verdict, Verdict::Intact);
        assert_eq!(judge(&s, &o, "r10 r0", Judgement::new(Verdict::Hang, "")).verdict, Verdict::Coalesced);
        // A sink (no [response]) is judged by its reads alone.
        let sink = raw("\"each\"", "");
        assert_eq!(judge(&sink, &o, "r5 r5 r0", Judgement::new(Verdict::Hang, "")).verdict, Verdict::Intact);
        // A reset seen by the client.
        let reset = ClientOutcome { reset_by_peer: true, ..out(10) };
        assert_eq!(judge(&sink, &reset, "r5 r5", intact()).verdict, Verdict::Closed);
    }

    #[test]
    fn a_stream_protocol_or_an_unseen_connection_leaves_it_to_the_replies() {
        let s = raw("\"coalesce\"", "[response]\nexpect = \"echo\"\nbytes = 10\n");
        let j = judge(&s, &out(10), "r10 w10 r0", intact());
        assert_eq!(j.verdict, Verdict::Intact, "a stream protocol: the bytes decide");
        let s = raw("\"coalesce\"", "");
        let j = judge_traced(&s.0, &s.1, &out(10), None, Judgement::new(Verdict::Inconclusive, "r"));
        assert_eq!(j.verdict, Verdict::Inconclusive);
        assert!(j.detail.contains("saw no read or write"), "{}", j.detail);
        let refused = ClientOutcome { connect_error: Some("refused".into()), ..out(0) };
        assert_eq!(judge(&s, &refused, "", intact()).verdict, Verdict::Closed);
    }

    #[test]
    fn an_echo_written_before_its_message_was_read_is_split() {
        // Frames "hello\n" "world\n": 6 and 12.
        let s = sc("[client]\nframing = \"delimiter\"\nmessages = [\"hello\", \"world\"]\n\
                    [response]\nframing = \"delimiter\"\nexpect = \"echo\"\n");
        let o = out(12);
        // A naive echo: reads 3, echoes 3, before the first line ended.
        let j = judge(&s, &o, "r3 w3 r3 w3 r6 w6 r0", intact());
        assert_eq!(j.verdict, Verdict::Split, "{}", j.detail);
        assert!(j.detail.contains("part of message 1 (\"hello\")"), "{}", j.detail);
        // A line server: answers each line once it has read it, or both at once.
        assert_eq!(judge(&s, &o, "r3 r3 w6 r6 w6 r0", intact()).verdict, Verdict::Intact);
        assert_eq!(judge(&s, &o, "r12 w12 r0", intact()).verdict, Verdict::Intact);
        // Writing exactly what a whole message allows is no proof.
        assert_eq!(judge(&s, &o, "r6 w6 r6 w6 r0", intact()).verdict, Verdict::Intact);
        // One byte too early is.
        assert_eq!(judge(&s, &o, "r7 w7", intact()).verdict, Verdict::Split);
        // Replies that are not echoes at all (desync): the bound says nothing.
        let d = Judgement::new(Verdict::Desync, "not echoes");
        assert_eq!(judge(&s, &o, "r3 w3", d).verdict, Verdict::Desync);
        // Digests: no bound from their length.
        let s = sc("[client]\nframing = \"delimiter\"\nmessages = [\"hello\", \"world\"]\n\
                    [response]\nframing = \"delimiter\"\nexpect = \"digest\"\n");
        assert_eq!(judge(&s, &o, "r3 w80", intact()).verdict, Verdict::Intact);
    }

    #[test]
    fn read_messages_cuts_the_sent_stream_at_each_read() {
        let c = conn("r3 w9 r4 r0");
        assert_eq!(read_messages(&c, b"abcdefg"), Some(vec![Bytes::from_static(b"abc"), Bytes::from_static(b"defg")]));
        assert_eq!(read_messages(&c, b"abcdef"), None);
        assert_eq!(sizes(&c), "[3, 4]");
        let many = conn(&"r1 ".repeat(14));
        assert_eq!(sizes(&many), "[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ... 2 more]");
    }
}
