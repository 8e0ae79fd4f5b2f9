//! Readings: every way a server could have read the stream that explains
//! the replies, and the verdict each gives.
//!
//! A *reading* places each claim (what one reply says the server
//! understood, [`Claim`]) on the stream the client sent: at the place the
//! previous reply ended (a server reading on from there), or at a later
//! frame or payload start (the server skipped what lies between). The
//! placements that match the reply's bytes, length or digest are all
//! tried, with no window and in every combination: a search over
//! `(reply, place, state of the message in progress)` with what each
//! reading shows kept as a few bits ([`flag`]).
//!
//! Two kinds of server are told apart by their readings:
//!
//! - a server that reads *frames* (it knows where a message starts) may
//!   skip whole messages (no reply for a comment line), keep only the
//!   first bytes of one (`truncated`), merge or cut them;
//! - a server that reads *bytes* (`recv()` is a message) answers every
//!   read: its replies tile the stream from its first byte, with no gap,
//!   up to where the connection closed or the client stopped waiting. A
//!   reply that starts or ends inside framing bytes (a header, a
//!   delimiter) can only come from such a server ([`flag::RAW`]), so a
//!   reading with one and a gap ([`flag::GAP`]) is no server's.
//!
//! The verdict is given when every reading left gives the same one;
//! otherwise the replies cannot tell, and the judgement is `inconclusive`,
//! naming the candidates.

use std::collections::{BTreeSet, HashMap};

use super::Judgement;
use super::blackbox::{Claim, Wire};
use crate::scenario::Verdict;

/// What a reading shows, one bit each.
pub mod flag {
    /// A reply covers two or more whole messages.
    pub const MERGED: u8 = 1;
    /// A message answered in pieces, or a reply over framing bytes alone.
    pub const PART: u8 = 2;
    /// A message answered by its first bytes alone, the rest never.
    pub const TRUNC: u8 = 4;
    /// A whole message never answered, a later one answered.
    pub const MISSING: u8 = 8;
    /// A reply starts or ends inside framing bytes: the server reads bytes.
    pub const RAW: u8 = 16;
    /// Message bytes left unanswered before a later reply or the end.
    pub const GAP: u8 = 32;
    /// Message bytes after the last reply, on a connection that was
    /// closed, reset, or quiet past the reply timeout.
    pub const TAIL: u8 = 64;
}

/// How the stream after the last reply is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tail {
    /// The peer had all the time it needed (the replies expected came and
    /// it stayed quiet, or it ended the stream normally): what has no
    /// reply got none.
    Answered,
    /// The peer closed or reset the connection early: what has no reply
    /// may have been cut off.
    Closed,
    /// The client stopped waiting (reply timeout): what has no reply was
    /// skipped, or its reply is late.
    Hung,
}

/// The search over readings of one list of claims.
struct Search<'a> {
    wire: &'a Wire,
    claims: &'a [Claim],
    tail: Tail,
    /// (claim, cursor, state of the message in progress) -> the set of
    /// flag combinations the rest of the claims can give, one bit each.
    memo: HashMap<(usize, usize, u8), u128>,
    /// The furthest claim no placement was found for.
    stuck: Option<usize>,
}

/// The message in progress (the cursor is inside its payload) was
/// answered so far by one reply from its start (a truncation, if nothing
/// more comes).
const PREFIX: u8 = 1;
/// ... by pieces (already a `PART`).
const PIECES: u8 = 2;

/// One placement's effect: the flags it adds and the new state.
struct Step {
    /// What the stream skipped before the reply shows (a mask of
    /// combinations).
    before: u128,
    /// What the reply itself shows.
    flags: u8,
    cur: u8,
}

impl Wire {
    /// Where the frame of message `k` ends (the next frame's start).
    fn frame_end(&self, k: usize) -> usize {
        self.spans.get(k + 1).map_or(self.bytes.len(), |n| n.0)
    }

    /// Whether message `k` has bytes on the wire (a payload, or a frame
    /// of its own: an empty line, an empty length-prefixed frame).
    fn on_wire(&self, k: usize) -> bool {
        let (f, s, e) = self.spans[k];
        s != e || f < self.frame_end(k)
    }

    /// The message whose payload `p` is strictly inside.
    fn inside(&self, p: usize) -> Option<usize> {
        self.spans.iter().position(|(_, s, e)| *s < p && p < *e)
    }

    /// A reply of a server that reads frames may start here: a frame
    /// start, a payload start, or inside a payload (a piece).
    fn clean_start(&self, p: usize) -> bool {
        self.spans.iter().any(|(f, s, e)| *f == p || *s == p || (*s < p && p < *e))
    }

    /// ... and end here: a payload end, a frame end, or inside a payload.
    fn clean_end(&self, p: usize) -> bool {
        self.spans.iter().enumerate().any(|(k, (_, s, e))| *e == p || self.frame_end(k) == p || (*s < p && p < *e))
    }

    /// Messages on the wire.
    pub(super) fn messages_on_wire(&self) -> usize {
        (0..self.spans.len()).filter(|k| self.on_wire(*k)).count()
    }

    /// Whether message `k`'s bytes (payload, or an empty one's frame) lie
    /// within `[from, to)`.
    fn within(&self, k: usize, from: usize, to: usize) -> bool {
        let (f, s, e) = self.spans[k];
        if s == e { from <= f && self.frame_end(k) <= to && f < self.frame_end(k) } else { from <= s && e <= to }
    }

    /// Whether any message byte (payload, or an empty one's frame) lies in
    /// `[from, to)`.
    fn message_bytes_in(&self, from: usize, to: usize) -> bool {
        (0..self.spans.len()).any(|k| {
            let (f, s, e) = self.spans[k];
            let (a, b) = if s == e { (f, self.frame_end(k)) } else { (s, e) };
            a.max(from) < b.min(to)
        })
    }
}

impl Search<'_> {
    /// Flag combinations for the stream `[from, to)` left unanswered,
    /// leaving the message in progress in state `cur`, as a mask. Empty
    /// messages alone in the gap (`hello\n\n`) were skipped (`MISSING`),
    /// or read with a neighbour and their delimiter taken off with its
    /// (`MERGED`): both.
    fn leave(&self, from: usize, cur: u8, to: usize) -> u128 {
        let w = self.wire;
        let mut g = 0;
        if cur == PREFIX && w.inside(from).is_some() {
            g |= flag::TRUNC;
        }
        let payload = w.spans.iter().any(|(_, s, e)| (*s).max(from) < (*e).min(to));
        if w.message_bytes_in(from, to) {
            g |= flag::GAP;
        }
        if (0..w.spans.len()).any(|k| w.within(k, from, to)) {
            g |= flag::MISSING;
            if !payload {
                return (1 << g) | (1 << ((g & !flag::MISSING & !flag::GAP) | flag::MERGED));
            }
        }
        1 << g
    }

    /// A reply placed at `[o, end)` with the cursor at `c` in state `cur`.
    fn step(&self, c: usize, cur: u8, o: usize, end: usize) -> Step {
        let w = self.wire;
        let continuing = o == c && w.inside(c).is_some();
        let before = if continuing { 1 << flag::PART } else { self.leave(c, cur, o) };
        let mut g = 0;
        // A reply from a header on that stops short of its message's end
        // counts framing bytes with part of a message: a byte reader's.
        let header_piece = w.spans.iter().any(|(f, s, e)| *f == o && f != s && end < *e);
        if !w.clean_start(o) || !w.clean_end(end) || header_piece {
            g |= flag::RAW;
        }
        if o == end {
            // An empty reply for an empty message placed at it.
            return Step { before, flags: g, cur: 0 };
        }
        let full = (0..w.spans.len()).filter(|k| w.within(*k, o, end)).count();
        let partial: Vec<usize> = (0..w.spans.len())
            .filter(|k| {
                let (_, s, e) = w.spans[*k];
                s != e && s.max(o) < e.min(end) && !(o <= s && e <= end)
            })
            .collect();
        // A reply over a message boundary that takes part of a message is
        // a byte reader's: a server reading frames merges whole messages.
        if partial.len() >= 2 || (full >= 1 && !partial.is_empty()) {
            g |= flag::RAW;
        }
        g |= match (full, partial.len()) {
            (f, _) if f >= 2 => flag::MERGED,
            (1, 0) => 0,
            // One message's first bytes (a truncation or a first piece:
            // what follows decides).
            (0, 1) => 0,
            _ => flag::PART,
        };
        let prefix = full == 0 && partial.len() == 1 && !continuing && o <= w.spans[partial[0]].1;
        let cur = match w.inside(end) {
            None => 0,
            Some(_) if prefix => PREFIX,
            Some(_) => PIECES,
        };
        Step { before, flags: g, cur }
    }

    /// Where claim `i` may be placed with the cursor at `c`: `(start, end)`.
    fn placements(&self, i: usize, c: usize) -> Vec<(usize, usize)> {
        let w = self.wire;
        let claim = &self.claims[i];
        if claim.len() == 0 {
            // An empty reply stands for an empty message, at its frame.
            return (0..w.spans.len())
                .filter(|k| w.spans[*k].1 == w.spans[*k].2 && w.spans[*k].0 >= c)
                .map(|k| (w.spans[k].0, w.frame_end(k)))
                .collect();
        }
        let mut starts: Vec<usize> = vec![c];
        for (f, s, e) in &w.spans {
            if *f >= c {
                starts.push(*f);
            }
            // An empty message's payload start is where the next frame
            // starts, never the start of a reply with bytes.
            if s != e && *s >= c {
                starts.push(*s);
            }
        }
        starts.sort_unstable();
        starts.dedup();
        starts
            .into_iter()
            .filter(|o| *o < w.bytes.len())
            .flat_map(|o| claim.ends(&w.bytes, o).map(move |e| (o, e)))
            .collect()
    }

    /// The flag combinations of every reading of claims `i..` from cursor
    /// `c` in state `cur`.
    fn go(&mut self, i: usize, c: usize, cur: u8) -> u128 {
        if i == self.claims.len() {
            return self.ends(c, cur);
        }
        if let Some(m) = self.memo.get(&(i, c, cur)) {
            return *m;
        }
        let mut mask = 0u128;
        let places = self.placements(i, c);
        if places.is_empty() {
            self.stuck = Some(self.stuck.map_or(i, |s| s.max(i)));
        }
        for (o, end) in places {
            let st = self.step(c, cur, o, end);
            let rest = with(self.go(i + 1, end, st.cur), st.flags);
            mask |= join(rest, st.before);
        }
        self.memo.insert((i, c, cur), mask);
        mask
    }

    /// The flag combinations of the stream after the last reply.
    fn ends(&self, c: usize, cur: u8) -> u128 {
        let len = self.wire.bytes.len();
        let answered = self.leave(c, cur, len);
        let open = self.wire.message_bytes_in(c, len) || (cur == PREFIX && self.wire.inside(c).is_some());
        match self.tail {
            Tail::Answered => answered,
            Tail::Closed if open => 1 << flag::TAIL,
            // Skipped, or late: both.
            Tail::Hung if open => (1 << flag::TAIL) | answered,
            _ => answered,
        }
    }
}

/// `mask` (a set of flag combinations) with `g` added to each.
fn with(mask: u128, g: u8) -> u128 {
    let mut out = 0u128;
    let mut m = mask;
    while m != 0 {
        let x = m.trailing_zeros() as u8;
        m &= m - 1;
        out |= 1 << (x | g);
    }
    out
}

/// Every combination of one from `a` and one from `b`.
fn join(a: u128, b: u128) -> u128 {
    let mut out = 0u128;
    let mut m = b;
    while m != 0 {
        let x = m.trailing_zeros() as u8;
        m &= m - 1;
        out |= with(a, x);
    }
    out
}

/// Whether a combination is some server's: a server that reads bytes
/// (`RAW`) leaves no message bytes unanswered (`GAP`).
fn possible(x: u8) -> bool {
    x & flag::RAW == 0 || x & flag::GAP == 0
}

/// The verdict of a reading's flags, with `claims` replies for `messages`
/// messages on the wire.
pub fn verdict_of(x: u8, claims: usize, messages: usize, tail: Tail) -> Verdict {
    use flag::*;
    match x & (MERGED | PART | TRUNC) {
        0 if x & TAIL != 0 => match tail {
            Tail::Hung => Verdict::Hang,
            _ => Verdict::Closed,
        },
        0 if x & MISSING != 0 => Verdict::Lost,
        0 => Verdict::Intact,
        MERGED => Verdict::Coalesced,
        PART => Verdict::Split,
        TRUNC => Verdict::Truncated,
        p if p & TRUNC == 0 => match claims.cmp(&messages) {
            std::cmp::Ordering::Less => Verdict::Coalesced,
            std::cmp::Ordering::Greater => Verdict::Split,
            std::cmp::Ordering::Equal => Verdict::Desync,
        },
        _ => Verdict::Desync,
    }
}

/// Every verdict the readings of `claims` on `wire` give, with the flags
/// of one reading for each (for its detail); empty when no reading
/// explains them, with the first reply no place was found for.
pub(super) fn verdicts(wire: &Wire, claims: &[Claim], tail: Tail) -> (Vec<(Verdict, u8)>, Option<usize>) {
    let mut s = Search { wire, claims, tail, memo: HashMap::new(), stuck: None };
    let mask = s.go(0, 0, 0);
    let messages = wire.messages_on_wire();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for x in 0..128u8 {
        if mask & (1 << x) != 0 && possible(x) {
            let v = verdict_of(x, claims.len(), messages, tail);
            if seen.insert(v as u8) {
                out.push((v, x));
            }
        }
    }
    (out, s.stuck)
}

/// The detail of a verdict given by every reading.
pub(super) fn describe(v: Verdict, x: u8, wire: &Wire, claims: &[Claim]) -> String {
    let messages = wire.messages_on_wire();
    match v {
        Verdict::Intact => format!("each reply is one of the {messages} message(s)"),
        Verdict::Lost => "message(s) got no reply, later ones did".to_string(),
        Verdict::Coalesced if x & flag::PART == 0 => {
            format!(
                "{} repl(ies) for {messages} message(s), a reply covers several messages: messages merged",
                claims.len()
            )
        }
        Verdict::Split if x & flag::MERGED == 0 => format!(
            "{} repl(ies) for {messages} message(s), a message answered in pieces: messages taken in pieces",
            claims.len()
        ),
        Verdict::Truncated => "a message answered by its first bytes only, the rest never: messages cut short".into(),
        Verdict::Closed => "message(s) got no reply before the peer closed or reset the connection".into(),
        Verdict::Hang => "message(s) got no reply within the reply timeout".into(),
        _ => "replies cover messages merged and in pieces".to_string(),
    }
}

/// The judgement of replies that every reading agrees on, or
/// `inconclusive` naming what the readings give.
pub(super) fn judge(wire: &Wire, claims: &[Claim], tail: Tail) -> Option<Judgement> {
    let (found, _) = verdicts(wire, claims, tail);
    match found.as_slice() {
        [] => None,
        [(v, x)] => Some(Judgement::new(*v, describe(*v, *x, wire, claims))),
        many => {
            let names: Vec<String> = many.iter().map(|(v, _)| v.to_string()).collect();
            Some(Judgement::new(
                Verdict::Inconclusive,
                format!(
                    "{}: servers that read the stream in different ways give these same replies ({})",
                    names.join(" or "),
                    many.iter()
                        .map(|(v, x)| format!("{v}: {}", describe(*v, *x, wire, claims)))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            ))
        }
    }
}
