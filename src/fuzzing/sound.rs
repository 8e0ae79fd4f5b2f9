//! `judge_sound`: the reply-only judge ([`judge_replies`]) against a model
//! of servers, each of which knows what it understood (issue 34). The
//! invariant: the judge's verdict is the model's truth, or `inconclusive`.
//!
//! # The model
//!
//! The client sends 1 to 5 messages (bytes from `a`, `b`, a space, `\0`,
//! `é`, `ß`, or starting with `ERROR:`; empty ones too) framed `raw`,
//! `delimiter` or `length-prefix`. The server is one of:
//!
//! - a **byte reader**: its reads cut the stream anywhere; each read is a
//!   message to it, answered once, perhaps with its trailing delimiter
//!   bytes taken off; echo replies are written back framed, or verbatim
//!   (the read as it came, where replies are framed like the requests or
//!   not at all);
//! - a **frame reader**: per message, it keeps it whole (its payload or
//!   its whole frame), skips it, keeps its first bytes only, takes it in
//!   two pieces, or merges it with the next.
//!
//! Its replies, one per message it understood, are what the oracle says
//! (echo, upper-case in Unicode or ASCII, a digest line in one of three
//! spellings, `len N` for `match` with a `len` group, an ack, a listed
//! text (for a merged read, the first message's or a stray one), `ok` for
//! `match` with no `len`, or the echo judged by `bytes = N`), framed by
//! the reply framing (`delimiter`, `length-prefix`) or written back to back
//! as one stream (none); in order, or two of them swapped (by a frame
//! reader that answered every message it read whole, or none: one that
//! answers out of order and also cuts, truncates or merges is not
//! modelled, and the judge reads such replies in order). The connection
//! then ends: normally after every answer; reset after `k` answers; or
//! quiet after `k` (the rest later than the reply timeout); or the server
//! refuses the first message (`ERROR: no`) and closes. The client decodes
//! the bytes with its reply codec, fed in two pieces cut anywhere.
//!
//! # The truth
//!
//! What the server understood, as spans of the stream, gives flags as the
//! judge's readings do ([`flag`]): a reply over two or more whole messages
//! `MERGED`; a message answered in pieces, or a reply over part of one and
//! more `PART`; a message answered by its first bytes only `TRUNC`; one
//! with no reply `MISSING`, or `TAIL` when the close or the quiet came
//! before its reply. The verdict is [`verdict_of`] of them, as the judge's
//! readings. A server that answers nothing is `closed` (it ended the
//! connection) or `hang`; a reset after all the answers is `closed`; a
//! refusal is `rejected` (that it serves afterwards is the runner's check).
//!
//! `answers` is modelled for [`ANSWERS_FRAMING`] (requests `PING`, `GET a`, ...; answers
//! distinct integers, all `+OK`, all `any`, or with an expected `-ERR`):
//! a request read whole gets its answer, whole requests merged in a read
//! the first one's (or a protocol error), anything else a protocol error.
//! The other request/answer protocols share the judge
//! ([`crate::judge::protocol`]), not the model.
//!
//! Not modelled: `bytes` with anything but an echo of a byte reader;
//! servers that answer out of order and also cut, truncate or merge.

use sha2::{Digest, Sha256};

use crate::judge::blackbox::{SentStream, judge_replies, upper};
use crate::judge::reading::{Tail, flag, verdict_of};
use crate::reply::ACK;
use crate::scenario::Verdict;

mod case;

use self::case::case;

/// Bytes of the fuzzer's input, read one at a time; zeros past the end.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    /// A number below `n` (which is not 0).
    fn below(&mut self, n: usize) -> usize {
        self.byte() as usize % n
    }
}

/// The reply oracles of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Oracle {
    Echo,
    Upper,
    Digest,
    Len,
    Ack,
    List,
    Count,
    Bytes,
    /// `answers = [...]`: requests and replies framed by
    /// [`ANSWERS_FRAMING`], each reply matched against its request's answer.
    Answers,
}

/// The request/answer protocol the `answers` oracle models: redis's.
pub const ANSWERS_FRAMING: &str = <crate::framing::resp::Resp as crate::framing::Strategy>::INFO.name;

const ORACLES: [Oracle; 9] = [
    Oracle::Echo,
    Oracle::Upper,
    Oracle::Digest,
    Oracle::Len,
    Oracle::Ack,
    Oracle::List,
    Oracle::Count,
    Oracle::Bytes,
    Oracle::Answers,
];

/// The answers a scenario expects, one per request, in one of four
/// styles: distinct integers, all `+OK`, all `any`, or distinct with the
/// first an expected refusal (`-ERR`).
fn answers(style: u8, n: usize) -> Vec<String> {
    (0..n)
        .map(|k| match style % 4 {
            0 => format!(":{k}"),
            1 => "+OK".to_string(),
            2 => "any".to_string(),
            _ if k == 0 => "-ERR".to_string(),
            _ => format!(":{k}"),
        })
        .collect()
}

/// The reply a server writes for a request it read whole, given its answer.
fn answer_reply(answer: &str) -> Vec<u8> {
    match answer {
        "any" | "+OK" => b"+OK\r\n".to_vec(),
        "-ERR" => b"-ERR nope\r\n".to_vec(),
        a => format!("{a}\r\n").into_bytes(),
    }
}

/// An [`ANSWERS_FRAMING`] server's reply to what it read as one request: the request's
/// answer when it read one whole; for a read of whole requests merged, the
/// first one's (a naive server parses the first command and drops the
/// rest) or a protocol error; for anything else (a piece, a request and
/// part of the next), a protocol error. (The model's assumption: a request
/// read in pieces is answered, if at all, by a protocol error.)
fn resp_reply(it: &Item, wire: &SentStream, answers: &[String], merged_first: bool) -> Vec<u8> {
    const PROTOCOL_ERROR: &[u8] = b"-ERR Protocol error: unbalanced quotes\r\n";
    if let Some(k) = exact(wire, it.span) {
        return answer_reply(&answers[k]);
    }
    let spans = wire.spans();
    let w = wire.bytes().len();
    let fe = |k: usize| spans.get(k + 1).map_or(w, |n| n.0);
    let whole: Vec<usize> = (0..spans.len()).filter(|k| it.span.0 <= spans[*k].0 && fe(*k) <= it.span.1).collect();
    match whole.first() {
        Some(&k) if merged_first && whole.len() >= 2 && it.span.0 == spans[k].0 => answer_reply(&answers[k]),
        _ => PROTOCOL_ERROR.to_vec(),
    }
}

/// One message of the model, from the input.
fn message(i: &mut Input, delimited: bool) -> String {
    const PIECES: [&str; 6] = ["a", "b", " ", "\0", "é", "ß"];
    let mut m = String::new();
    if i.below(6) == 0 {
        m.push_str("ERROR:");
    }
    let n = i.below(6);
    for _ in 0..n {
        let p = PIECES[i.below(PIECES.len())];
        // A delimiter-framed message cannot hold a delimiter; none does.
        let _ = delimited;
        m.push_str(p);
    }
    m
}

/// How the connection ended, in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Answered,
    Reset(usize),
    Quiet(usize),
    Refused,
}

/// What the server understood: a span of the stream, and the bytes its
/// reply is about (the span, or the span with trailing delimiter bytes
/// taken off).
#[derive(Debug, Clone)]
struct Item {
    span: (usize, usize),
    about: Vec<u8>,
}

/// The model server's understanding of `wire`.
fn understand(i: &mut Input, wire: &SentStream, delimiter: bool) -> Vec<Item> {
    let w = wire.bytes();
    let item = |a: usize, b: usize| Item { span: (a, b), about: w[a..b].to_vec() };
    if i.below(2) == 0 {
        // A byte reader: reads cut anywhere, each answered.
        let mut cuts: Vec<usize> = (0..i.below(6)).map(|_| i.below(w.len().max(1))).filter(|c| *c > 0).collect();
        cuts.push(w.len());
        cuts.sort_unstable();
        cuts.dedup();
        let strip = delimiter && i.below(2) == 0;
        let mut at = 0;
        let mut out = Vec::new();
        for c in cuts.into_iter().filter(|c| *c > 0) {
            let mut it = item(at, c);
            if strip {
                while it.about.last() == Some(&b'\n') {
                    it.about.pop();
                }
            }
            out.push(it);
            at = c;
        }
        return out;
    }
    // A frame reader: one decision per message.
    let spans = wire.spans();
    let frame_end = |k: usize| spans.get(k + 1).map_or(w.len(), |n| n.0);
    let mut out = Vec::new();
    let mut k = 0;
    while k < spans.len() {
        let (f, s, e) = spans[k];
        let len = e - s;
        if s == e && f == frame_end(k) {
            // Nothing on the wire (an empty raw message): nothing to read.
            k += 1;
            continue;
        }
        match i.below(6) {
            0 if s == e => out.push(Item { span: (f, frame_end(k)), about: Vec::new() }),
            0 => out.push(item(s, e)),
            1 => out.push(item(f, frame_end(k))),
            2 => {}
            3 if len >= 2 => out.push(item(s, s + 1 + i.below(len - 1))),
            4 if len >= 2 => {
                let c = s + 1 + i.below(len - 1);
                out.push(item(s, c));
                out.push(item(c, e));
            }
            5 if k + 1 < spans.len() && spans[k + 1].1 < spans[k + 1].2 => {
                out.push(item(s, spans[k + 1].2));
                k += 1;
            }
            _ => out.push(if s == e { Item { span: (f, frame_end(k)), about: Vec::new() } } else { item(s, e) }),
        }
        k += 1;
    }
    out
}

/// Which message `span` is exactly (its payload, or its whole frame).
fn exact(wire: &SentStream, span: (usize, usize)) -> Option<usize> {
    let spans = wire.spans();
    let w = wire.bytes().len();
    (0..spans.len()).find(|k| {
        let (f, s, e) = spans[*k];
        let fe = spans.get(k + 1).map_or(w, |n| n.0);
        (span == (s, e) && s != e) || (span == (f, fe) && f < fe)
    })
}

/// The reply to one item, before framing.
fn reply(o: Oracle, it: &Item, wire: &SentStream, style: u8, merged_first: bool, answers: &[String]) -> Vec<u8> {
    match o {
        Oracle::Echo | Oracle::Bytes => it.about.clone(),
        Oracle::Answers => resp_reply(it, wire, answers, merged_first),
        Oracle::Upper if style.is_multiple_of(2) => upper(&it.about),
        Oracle::Upper => it.about.to_ascii_uppercase(),
        Oracle::Digest => {
            let (n, h) = (it.about.len(), hex::encode(Sha256::digest(&it.about)));
            match style % 4 {
                0 => format!("len={n} sha256={h}"),
                1 => format!("len={n}  sha256={h}"),
                2 => format!("sha256={h} len={n}"),
                _ => format!("ok len={n} sha256={h}"),
            }
            .into_bytes()
        }
        Oracle::Len => format!("len {}", it.about.len()).into_bytes(),
        Oracle::Ack => ACK.to_vec(),
        Oracle::Count => b"ok".to_vec(),
        // A list of one reply is an ack: every read gets it.
        // (`answers` holds the list's replies.)
        Oracle::List if wire.spans().len() == 1 => answers[0].clone().into_bytes(),
        Oracle::List => match exact(wire, it.span) {
            Some(k) => answers[k].clone().into_bytes(),
            // A merged read answered as its first request (a naive protocol
            // server); pieces and cut messages get a stray reply.
            None if merged_first => {
                let inside: Vec<usize> = (0..wire.spans().len())
                    .filter(|k| {
                        let (_, s, e) = wire.spans()[*k];
                        s < e && it.span.0 <= s && e <= it.span.1
                    })
                    .collect();
                match inside.first() {
                    Some(k) if inside.len() >= 2 && it.span.0 == wire.spans()[*k].1 => answers[*k].clone().into_bytes(),
                    _ => b"?".to_vec(),
                }
            }
            None => b"?".to_vec(),
        },
    }
}

/// The truth: the verdict of what the server understood, for the items
/// answered (the first `answered`).
fn truth(wire: &SentStream, items: &[Item], answered: usize, end: End) -> Verdict {
    if end == End::Refused {
        return Verdict::Rejected;
    }
    let spans = wire.spans();
    let w = wire.bytes().len();
    let fe = |k: usize| spans.get(k + 1).map_or(w, |n| n.0);
    // Message k's bytes: its payload, or an empty one's frame.
    let bytes_of = |k: usize| if spans[k].1 == spans[k].2 { (spans[k].0, fe(k)) } else { (spans[k].1, spans[k].2) };
    let on_wire: Vec<usize> = (0..spans.len()).filter(|k| bytes_of(*k).0 < bytes_of(*k).1).collect();
    let within = |k: usize, (a, b): (usize, usize)| a <= bytes_of(k).0 && bytes_of(k).1 <= b;
    let touches = |k: usize, (a, b): (usize, usize)| a.max(bytes_of(k).0) < b.min(bytes_of(k).1);
    if answered == 0 {
        return if matches!(end, End::Quiet(_)) { Verdict::Hang } else { Verdict::Closed };
    }
    let (said, unsaid) = items.split_at(answered.min(items.len()));
    let mut g = 0u8;
    for it in said {
        let full = on_wire.iter().filter(|k| within(**k, it.span)).count();
        let part = on_wire.iter().filter(|k| touches(**k, it.span) && !within(**k, it.span)).count();
        if full >= 2 {
            g |= flag::MERGED;
        }
        // Part of an empty message's frame is that frame cut.
        let empty_cut =
            on_wire.iter().any(|k| spans[*k].1 == spans[*k].2 && touches(*k, it.span) && !within(*k, it.span));
        if (full >= 1 && part >= 1) || part >= 2 || (full == 0 && part == 0 && it.span.0 < it.span.1) || empty_cut {
            g |= flag::PART;
        }
    }
    // After a reset or a quiet end, what lies after the last answer is
    // the close's (or the timeout's), whatever the server meant for it.
    let open = !matches!(end, End::Answered);
    let last = said.iter().map(|it| it.span.1).max().unwrap_or(0);
    let _ = unsaid;
    for &k in &on_wire {
        let by: Vec<&Item> = said.iter().filter(|it| touches(k, it.span)).collect();
        let later = bytes_of(k).1 > last;
        match by.as_slice() {
            [] if open && later => g |= flag::TAIL,
            [] => g |= flag::MISSING,
            [it] if !within(k, it.span) => {
                let prefix = it.span.0 <= bytes_of(k).0 && it.span.1 < bytes_of(k).1;
                if prefix && open && later {
                    g |= flag::TAIL;
                } else if prefix && !said.iter().any(|o| o.span.0 >= it.span.1 && touches(k, o.span)) {
                    g |= flag::TRUNC;
                }
            }
            [_] => {}
            _ => g |= flag::PART,
        }
    }
    let tail = match end {
        End::Reset(_) => Tail::Closed,
        End::Quiet(_) => Tail::Hung,
        _ => Tail::Answered,
    };
    match verdict_of(g, said.len(), on_wire.len(), tail) {
        Verdict::Intact if matches!(end, End::Reset(_)) => Verdict::Closed,
        // A reply still owed past the reply timeout: hung, by definition.
        Verdict::Intact if matches!(end, End::Quiet(_)) => Verdict::Hang,
        v => v,
    }
}

/// The judge's verdict and the model's truth for one input, or `None`.
pub fn judged_and_true(data: &[u8]) -> Option<(Verdict, Verdict, String)> {
    let (sc, prep, out, t) = case(data)?;
    let j = judge_replies(&sc, &prep, &out, &prep.expected);
    Some((j.verdict, t, j.detail))
}

/// The fuzz body: the judge's verdict is the truth or `inconclusive`.
pub fn judge_sound(data: &[u8]) {
    if let Some((got, truth, detail)) = judged_and_true(data) {
        assert!(
            got == truth || got == Verdict::Inconclusive,
            "judged {got}, the server's truth is {truth}: {detail}\ncase: {:?}\ninput: {data:?}",
            case(data).map(|(sc, p, o, _)| (p.messages, sc.response, o.replies, o.eof, o.reset_by_peer, o.hung))
        );
    }
}

/// `n` inputs of the model, made from `seed` (xorshift): the grid of client
/// framing, oracle and reply framing first, the rest of each input random.
pub fn inputs(seed: u64, n: usize) -> impl Iterator<Item = Vec<u8>> {
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n).map(move |k| {
        let grid = (k % 81) as u8;
        let mut d = vec![grid % 3, (grid / 3) % 9, (grid / 27) % 3];
        let len = 8 + (next() % 40) as usize;
        d.extend((0..len).map(|_| next() as u8));
        d
    })
}

/// Over `n` inputs from `seed`: (cases, inconclusive, decided) verdicts.
pub fn inconclusive_rate(seed: u64, n: usize) -> (usize, usize, usize) {
    let (mut cases, mut inconclusive) = (0, 0);
    for d in inputs(seed, n) {
        if let Some((got, _, _)) = judged_and_true(&d) {
            cases += 1;
            if got == Verdict::Inconclusive {
                inconclusive += 1;
            }
        }
    }
    (cases, inconclusive, cases - inconclusive)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The model on a few thousand inputs of every oracle and framing:
    /// never a verdict other than the truth or `inconclusive`.
    #[test]
    fn the_judge_is_never_wrong_about_the_model() {
        for d in inputs(0x5eed, 20_000) {
            judge_sound(&d);
        }
    }

    /// The model makes cases of every oracle, and the judge decides some
    /// of them: a judge that says `inconclusive` to everything is sound
    /// and useless.
    #[test]
    fn the_judge_decides_some_cases_of_the_model() {
        let (cases, _, decided) = inconclusive_rate(7, 5_000);
        assert!(cases > 1_000, "{cases}");
        assert!(decided > cases / 5, "{decided} of {cases}");
    }

    /// The model reaches the close rules: servers that close of their own
    /// accord before the client's half-close, judged `closed` from that
    /// alone, and the truth agrees (the test above: never otherwise).
    #[test]
    fn the_model_reaches_closes_of_the_servers_own_accord() {
        let own_accord = inputs(0x5eed, 20_000)
            .filter_map(|d| judged_and_true(&d))
            .filter(|(got, truth, detail)| {
                *got == Verdict::Closed && *truth == Verdict::Closed && detail.contains("of its own accord")
            })
            .count();
        assert!(own_accord > 0, "no case judged closed by the close before the half-close");
    }
}
