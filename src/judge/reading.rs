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
use super::claim::{Claim, SentStream};
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
    wire: &'a SentStream,
    claims: &'a [Claim],
    tail: Tail,
    /// The reply delimiter, when it may have cut one reply into several
    /// (echo or upper replies of bytes that hold it): consecutive claims
    /// may be one reply, joined by it.
    rejoin: Option<&'a [u8]>,
    /// (claim, cursor, state of the message in progress) -> the set of
    /// flag combinations the rest of the claims can give, one bit each.
    memo: HashMap<(usize, usize, u8), u128>,
    /// The stream, indexed.
    ix: Index,
    /// The furthest claim no placement was found for.
    stuck: Option<usize>,
}

/// What the search asks of the stream at every step, computed once:
/// per byte position, and message ranges in order for binary search.
struct Index {
    /// Per position `p` (0..=len): the message whose payload `p` is
    /// strictly inside.
    inside: Vec<Option<usize>>,
    /// Per position: a reply of a frame reader may start / end here.
    clean_start: Vec<bool>,
    clean_end: Vec<bool>,
    /// Per position: `Some(payload end)` when a frame with a header
    /// starts here.
    header_at: Vec<Option<usize>>,
    /// Message bytes (payloads, empty messages' frames) and payload bytes
    /// before each position.
    message_bytes: Vec<usize>,
    payload_bytes: Vec<usize>,
    /// `(message, first byte, end)` of each message on the wire, in order.
    ranges: Vec<(usize, usize, usize)>,
    /// Frame starts and non-empty payload starts, sorted.
    starts: Vec<usize>,
    /// Per byte: framing after a payload with no header before it (a
    /// delimiter, or an empty line), which a byte reader may take off.
    trailing: Vec<bool>,
}

impl Index {
    fn new(w: &SentStream) -> Index {
        let len = w.bytes.len();
        let mut ix = Index {
            inside: vec![None; len + 1],
            clean_start: vec![false; len + 1],
            clean_end: vec![false; len + 1],
            header_at: vec![None; len + 1],
            message_bytes: vec![0; len + 1],
            payload_bytes: vec![0; len + 1],
            ranges: Vec::new(),
            starts: Vec::new(),
            trailing: vec![false; len],
        };
        let (mut is_message, mut is_payload) = (vec![false; len], vec![false; len]);
        for (k, (f, s, e)) in w.spans.iter().copied().enumerate() {
            let fe = w.frame_end(k);
            for p in s + 1..e {
                ix.inside[p] = Some(k);
                ix.clean_start[p] = true;
                ix.clean_end[p] = true;
            }
            ix.clean_start[f] = true;
            ix.clean_start[s] = true;
            ix.clean_end[e] = true;
            ix.clean_end[fe] = true;
            if f != s {
                ix.header_at[f] = Some(e);
            } else {
                ix.trailing[e..fe].iter_mut().for_each(|x| *x = true);
            }
            let (a, b) = w.message_bytes(k);
            if a < b {
                ix.ranges.push((k, a, b));
                is_message[a..b].iter_mut().for_each(|x| *x = true);
            }
            is_payload[s..e].iter_mut().for_each(|x| *x = true);
            ix.starts.push(f);
            if s != e {
                ix.starts.push(s);
            }
        }
        for p in 0..len {
            ix.message_bytes[p + 1] = ix.message_bytes[p] + usize::from(is_message[p]);
            ix.payload_bytes[p + 1] = ix.payload_bytes[p] + usize::from(is_payload[p]);
        }
        ix.starts.sort_unstable();
        ix.starts.dedup();
        ix
    }

    /// Whether `[from, to)` holds message bytes.
    fn message_bytes_in(&self, from: usize, to: usize) -> bool {
        to > from && self.message_bytes[to] > self.message_bytes[from]
    }

    /// Whether `[from, to)` holds payload bytes.
    fn payload_in(&self, from: usize, to: usize) -> bool {
        to > from && self.payload_bytes[to] > self.payload_bytes[from]
    }

    /// Messages on the wire that `[from, to)` touches: (within it, only
    /// partly).
    fn touched(&self, from: usize, to: usize) -> (usize, Vec<usize>) {
        let lo = self.ranges.partition_point(|r| r.2 <= from);
        let hi = self.ranges.partition_point(|r| r.1 < to);
        let mut full = 0;
        let mut partial = Vec::new();
        for &(k, a, b) in &self.ranges[lo..hi.max(lo)] {
            if from <= a && b <= to {
                full += 1;
            } else {
                partial.push(k);
            }
        }
        (full, partial)
    }
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

impl SentStream {
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

    /// Messages on the wire.
    pub(super) fn messages_on_wire(&self) -> usize {
        (0..self.spans.len()).filter(|k| self.on_wire(*k)).count()
    }

    /// Message `k`'s bytes: its payload, or an empty one's frame.
    fn message_bytes(&self, k: usize) -> (usize, usize) {
        let (f, s, e) = self.spans[k];
        if s == e { (f, self.frame_end(k)) } else { (s, e) }
    }
}

impl Search<'_> {
    /// Flag combinations for the stream `[from, to)` left unanswered,
    /// leaving the message in progress in state `cur`, as a mask. Empty
    /// messages alone in the gap (`hello\n\n`) were skipped (`MISSING`),
    /// or read with a neighbour and their delimiter taken off with its
    /// (`MERGED`): both.
    fn leave(&self, from: usize, cur: u8, to: usize) -> u128 {
        let ix = &self.ix;
        let mut g = 0;
        if cur == PREFIX && ix.inside[from].is_some() {
            g |= flag::TRUNC;
        }
        if ix.message_bytes_in(from, to) {
            g |= flag::GAP;
        }
        if ix.touched(from, to).0 > 0 {
            g |= flag::MISSING;
            if !ix.payload_in(from, to) {
                return (1 << g) | (1 << ((g & !flag::MISSING) | flag::MERGED));
            }
        }
        1 << g
    }

    /// A reply placed at `[o, end)` with the cursor at `c` in state `cur`.
    fn step(&self, c: usize, cur: u8, o: usize, end: usize) -> Step {
        let (w, ix) = (self.wire, &self.ix);
        let continuing = o == c && ix.inside[c].is_some();
        let before = if continuing { 1 << flag::PART } else { self.leave(c, cur, o) };
        let mut g = 0;
        // A reply from a header on that stops short of its message's end
        // counts framing bytes with part of a message: a byte reader's.
        let header_piece = ix.header_at[o].is_some_and(|e| end < e);
        if !ix.clean_start[o] || !ix.clean_end[end] || header_piece {
            g |= flag::RAW;
        }
        if o == end {
            // An empty reply for an empty message placed at it.
            return Step { before, flags: g, cur: 0 };
        }
        // Messages the reply takes all of, and those it takes part of: a
        // payload, or an empty message's frame (its header or delimiter
        // cut).
        let (full, partial) = ix.touched(o, end);
        // Part of a message and the framing bytes after it: a byte
        // reader's read (a server reading frames answers a piece alone).
        if partial.iter().any(|k| w.spans[*k].1 < w.spans[*k].2 && end > w.spans[*k].2) {
            g |= flag::RAW;
        }
        // Part of an empty message's frame: its header or delimiter cut,
        // no truncation of a message with no bytes.
        if partial.iter().any(|k| w.spans[*k].1 == w.spans[*k].2) {
            g |= flag::PART;
        }
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
        let cur = match ix.inside[end] {
            None => 0,
            Some(_) if prefix => PREFIX,
            Some(_) => PIECES,
        };
        Step { before, flags: g, cur }
    }

    /// Where claim `i` may be placed with the cursor at `c`: `(start, end)`.
    fn placements(&self, i: usize, c: usize) -> Vec<(usize, usize)> {
        self.places(&self.claims[i], c)
    }

    /// Claims `i..j` as one reply that the reply delimiter cut: its
    /// pieces joined by it (echo and upper claims only).
    fn joined(&self, i: usize, j: usize) -> Option<Claim> {
        let d = self.rejoin?;
        let mut bytes = Vec::new();
        let mut up = false;
        for (n, c) in self.claims[i..j].iter().enumerate() {
            if n > 0 {
                bytes.extend_from_slice(d);
            }
            match c {
                Claim::Content(b) => bytes.extend_from_slice(b),
                Claim::Upper(b) => {
                    up = true;
                    bytes.extend_from_slice(b);
                }
                _ => return None,
            }
        }
        let bytes = bytes::Bytes::from(bytes);
        Some(if up { Claim::Upper(bytes) } else { Claim::Content(bytes) })
    }

    /// Where `claim` may be placed with the cursor at `c`.
    fn places(&self, claim: &Claim, c: usize) -> Vec<(usize, usize)> {
        let (w, ix) = (self.wire, &self.ix);
        if claim.len() == 0 {
            // An empty reply stands for an empty message, at its frame; or
            // for a byte reader's read of framing bytes alone (a lone
            // delimiter, taken off): from the cursor, up to payload bytes.
            let mut v: Vec<(usize, usize)> = (0..w.spans.len())
                .filter(|k| w.spans[*k].1 == w.spans[*k].2 && w.spans[*k].0 >= c)
                .map(|k| (w.spans[k].0, w.frame_end(k)))
                .collect();
            let mut e = c + 1;
            while e <= w.bytes.len() && !ix.payload_in(c, e) {
                v.push((c, e));
                e += 1;
            }
            return v;
        }
        // The cursor, and every frame or payload start from it (an empty
        // message's payload start is where the next frame starts, never
        // the start of a reply with bytes).
        let from = ix.starts.partition_point(|x| *x < c);
        let at: Vec<(usize, usize)> = std::iter::once(c)
            .chain(ix.starts[from..].iter().copied().filter(|o| *o != c))
            .filter(|o| *o < w.bytes.len())
            .flat_map(|o| claim.ends(&w.bytes, o).map(move |e| (o, e)))
            .collect();
        // A byte reader takes trailing delimiter bytes off a read before
        // it answers: the read may run on over framing bytes (and empty
        // messages' frames) up to the next payload byte.
        let mut v = Vec::with_capacity(at.len());
        for (o, e) in at {
            v.push((o, e));
            let mut e2 = e + 1;
            while e2 <= w.bytes.len() && ix.trailing[e2 - 1] {
                v.push((o, e2));
                e2 += 1;
            }
        }
        v
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
        for j in i + 2..=self.claims.len() {
            let Some(claim) = self.joined(i, j) else { break };
            for (o, end) in self.places(&claim, c) {
                let st = self.step(c, cur, o, end);
                let rest = with(self.go(j, end, st.cur), st.flags);
                mask |= join(rest, st.before);
            }
        }
        self.memo.insert((i, c, cur), mask);
        mask
    }

    /// The flag combinations of the stream after the last reply.
    fn ends(&self, c: usize, cur: u8) -> u128 {
        let len = self.wire.bytes.len();
        let answered = self.leave(c, cur, len);
        let open = self.ix.message_bytes_in(c, len) || (cur == PREFIX && self.ix.inside[c].is_some());
        // Empty messages alone left may have been read with the last
        // reply, their delimiters taken off: that reading stays.
        let mut merged = 0u128;
        for x in 0..128u8 {
            if answered & (1 << x) != 0 && x & flag::MERGED != 0 {
                merged |= 1 << x;
            }
        }
        match self.tail {
            Tail::Answered => answered,
            Tail::Closed if open => (1 << flag::TAIL) | merged,
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
        // Several at once: more replies than messages, some in pieces, is
        // split; fewer, some merged, coalesced; else bytes misread.
        p if p & PART != 0 && claims > messages => Verdict::Split,
        p if p & MERGED != 0 && claims < messages => Verdict::Coalesced,
        _ => Verdict::Desync,
    }
}

/// Every verdict the readings of `claims` on `wire` give, with the flags
/// of one reading for each (for its detail); empty when no reading
/// explains them, with the first reply no place was found for.
pub(super) fn verdicts(
    wire: &SentStream,
    claims: &[Claim],
    tail: Tail,
    rejoin: Option<&[u8]>,
) -> (Vec<(Verdict, u8)>, Option<usize>) {
    let mut s = Search { wire, claims, tail, rejoin, memo: HashMap::new(), stuck: None, ix: Index::new(wire) };
    let mask = s.go(0, 0, 0);
    let messages = wire.messages_on_wire();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let primary = |x: u8| (x & (flag::MERGED | flag::PART | flag::TRUNC)).count_ones();
    for x in 0..128u8 {
        if mask & (1 << x) != 0 && possible(x) {
            // Replies joined, the count of replies is the reading's: where
            // it decides (several faults at once), every outcome stays.
            let vs = if rejoin.is_some() && primary(x) >= 2 {
                vec![Verdict::Coalesced, Verdict::Split, Verdict::Desync]
            } else {
                vec![verdict_of(x, claims.len(), messages, tail)]
            };
            for v in vs {
                if seen.insert(v as u8) {
                    out.push((v, x));
                }
            }
        }
    }
    (out, s.stuck)
}

/// The detail of a verdict given by every reading.
pub(super) fn describe(v: Verdict, x: u8, wire: &SentStream, claims: &[Claim]) -> String {
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
pub(super) fn judge(wire: &SentStream, claims: &[Claim], tail: Tail, rejoin: Option<&[u8]>) -> Option<Judgement> {
    let (found, _) = verdicts(wire, claims, tail, rejoin);
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
