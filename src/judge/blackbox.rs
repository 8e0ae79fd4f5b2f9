//! The black-box judge: a verdict from what comes back from a server we
//! cannot look into (its replies).
//!
//! # Replies mapped onto the stream
//!
//! A reply that reveals the message the server understood (`echo`,
//! `upper`, `digest`, or a `match` pattern with a `len` group) is located
//! in the byte stream the client sent: it must start where a message (or
//! its frame) starts, or where the previous reply ended inside a message,
//! and its bytes (or length and sha256) must be those of the stream there.
//! Each located reply covers some messages fully and some in part:
//!
//! - every reply covers exactly one message, none missing: `intact`;
//! - replies cover several messages each (fewer replies): `coalesced`;
//! - replies cover parts of messages (more replies): `split`;
//! - whole messages covered by no reply, the rest exact: `lost`;
//! - a reply that cannot be located (no message boundary matches it, or it
//!   is not a digest when one was expected): `desync`.
//!
//! This reads the verdict of servers that keep the delimiter, skip a
//! header, or count framing bytes as message bytes, without knowing how
//! they do it.

use bytes::Bytes;

pub use super::claim::{Claim, SentStream, upper};
use super::claim::{echoes_prefix, upper_prefix};
use super::reading::{self, Tail};
use super::{Judgement, classify, is_prefix};
use crate::client::{ClientOutcome, ReplyError};
use crate::fault;
use crate::framing::{FramingSpec, show};
use crate::reply::{ACK, digest_reply};
use crate::scenario::model::{Overflow, ResponseExpect};
use crate::scenario::plan::encode_frame;
use crate::scenario::{Prepared, Scenario, Verdict};

fn show_claim(c: &Claim) -> String {
    match c {
        Claim::Content(b) | Claim::Upper(b) => show(b, 32),
        Claim::Digest { len, .. } => format!("a digest of {len} bytes"),
        Claim::Len(n) => format!("a length of {n}"),
    }
}

/// Locates every claim in the stream and gives the verdict, with a detail,
/// as if the peer had answered everything it was going to (see
/// [`map_claims_ending`]).
pub fn map_claims(wire: &SentStream, claims: &[Claim]) -> Judgement {
    map_claims_ending(wire, claims, Tail::Answered)
}

/// Locates every claim in the stream in every way it can be
/// ([`reading`](super::reading)): the verdict when all readings agree,
/// `inconclusive` naming them when they do not; replies that fit no
/// reading in order may still be whole messages in another order (each
/// found at exactly one message); else `desync`. `tail` says how to read
/// the stream after the last reply.
pub fn map_claims_ending(wire: &SentStream, claims: &[Claim], tail: Tail) -> Judgement {
    map_claims_rejoined(wire, claims, tail, None)
}

/// [`map_claims_ending`], where the reply delimiter `rejoin` (echo or
/// upper replies cut by a delimiter that the bytes sent hold) may have cut
/// one reply into several: consecutive replies are also read as one.
pub fn map_claims_rejoined(wire: &SentStream, claims: &[Claim], tail: Tail, rejoin: Option<&[u8]>) -> Judgement {
    let in_order = reading::judge(wire, claims, tail, rejoin);
    let other = out_of_order(wire, claims, tail);
    // Whole messages in another order whose replies were cut by their own
    // delimiter (a whole frame echoed: its reply, then an empty one): read
    // with each reply and the empty one after it joined.
    let other = match (other, rejoin.and_then(|d| joined(claims, d))) {
        (Some(o), Some(j)) => match out_of_order(wire, &j, tail) {
            Some(x) if o.detail.starts_with(PIECES) => Some(x),
            Some(x) if x.verdict != o.verdict && x.verdict != Verdict::Inconclusive => Some(Judgement::new(
                Verdict::Inconclusive,
                format!(
                    "{} or {}: replies in another order, {}; or cut by their own delimiter, {}",
                    o.verdict, x.verdict, o.detail, x.detail
                ),
            )),
            _ => Some(o),
        },
        (None, Some(j)) => out_of_order(wire, &j, tail),
        (o, _) => o,
    };
    match (in_order, other) {
        // Whole messages answered in another order are a reading too: when
        // it gives another verdict, both stay.
        (Some(j), Some(o))
            if j.verdict != Verdict::Inconclusive
                && o.verdict != j.verdict
                && (o.verdict != Verdict::Inconclusive || !o.detail.starts_with(PIECES)) =>
        {
            return Judgement::new(
                Verdict::Inconclusive,
                format!(
                    "{} or {}: read in order, {}; read as whole messages answered in another order, {}",
                    j.verdict, o.verdict, j.detail, o.detail
                ),
            );
        }
        (Some(j), _) => return j,
        // Whole messages in another order, where a reply may also have
        // been cut by its own delimiter: not the only reading.
        (None, Some(o)) if rejoin.is_some() && o.verdict != Verdict::Inconclusive => {
            return Judgement::new(
                Verdict::Inconclusive,
                format!(
                    "{} in another order, or replies cut by their own delimiter, which cannot be placed: {}",
                    o.verdict, o.detail
                ),
            );
        }
        (None, Some(o)) => return o,
        (None, None) => {}
    }
    // Replies cut by their own delimiter, in another order: each found in
    // what was sent, but they cannot be placed.
    if rejoin.is_some() && claims.iter().all(|c| c.len() == 0 || !places(wire, c).is_empty()) {
        return Judgement::new(
            Verdict::Inconclusive,
            "the replies fit no reading in the order they came, and a reply may have been cut by its own delimiter: \
             they cannot be placed",
        );
    }
    let (_, stuck) = reading::verdicts(wire, claims, tail, rejoin);
    let i = stuck.unwrap_or(0).min(claims.len().saturating_sub(1));
    match claims.get(i) {
        Some(c) if c.len() == 0 => Judgement::new(
            Verdict::Desync,
            format!("reply {} is for an empty message, and no empty message is left to answer", i + 1),
        ),
        Some(c) => Judgement::new(
            Verdict::Desync,
            format!("reply {} ({}) matches no message boundary of what was sent", i + 1, show_claim(c)),
        ),
        None => Judgement::new(Verdict::Desync, "no reading of the replies"),
    }
}

/// `claims` with each echo or upper reply and an empty reply right after
/// it read as one reply ending with `delimiter`; `None` when no pair. An
/// empty reply and the empty one after it are an empty message's frame
/// (its delimiter alone) echoed with the delimiter added: joined too.
/// Taken greedily from the first reply, the pairs are those of a server
/// that answers every message so, whenever the replies are all pairs.
fn joined(claims: &[Claim], delimiter: &[u8]) -> Option<Vec<Claim>> {
    let mut out: Vec<Claim> = Vec::with_capacity(claims.len());
    let mut any = false;
    let mut i = 0;
    while i < claims.len() {
        let next_empty =
            claims.get(i + 1).is_some_and(|c| matches!(c, Claim::Content(b) | Claim::Upper(b) if b.is_empty()));
        let ended = |b: &Bytes| Bytes::from([&b[..], delimiter].concat());
        match &claims[i] {
            Claim::Content(b) | Claim::Upper(b) if next_empty => {
                out.push(if matches!(claims[i], Claim::Content(_)) {
                    Claim::Content(ended(b))
                } else {
                    Claim::Upper(ended(b))
                });
                any = true;
                i += 2;
            }
            c => {
                out.push(c.clone());
                i += 1;
            }
        }
    }
    any.then_some(out)
}

/// Replies found in what was sent, in no order a reading fits.
const PIECES: &str = "the replies fit no reading in the order they came, and each is found in what was sent: \
pieces answered out of order, which cannot be placed";

/// Whole messages answered in another order, an empty one not at all.
const EMPTY_LEFT: &str = "coalesced or lost: the replies came in another order, and an empty message got none";

/// Every place `(start, end)` of the stream a claim matches at.
fn places(wire: &SentStream, c: &Claim) -> Vec<(usize, usize)> {
    (0..wire.bytes.len()).flat_map(|o| c.ends(&wire.bytes, o).map(move |e| (o, e))).collect()
}

/// Finds claim `i` a message among `exact_for[i]`, moving other claims to
/// other messages if need be (a matching by augmenting paths).
fn assign(i: usize, exact_for: &[Vec<usize>], owner: &mut [Option<usize>], seen: &mut [bool]) -> bool {
    for &k in &exact_for[i] {
        if seen[k] {
            continue;
        }
        seen[k] = true;
        if owner[k].is_none_or(|j| assign(j, exact_for, owner, seen)) {
            owner[k] = Some(i);
            return true;
        }
    }
    false
}

/// Whether one place per claim can be picked, none overlapping another
/// (a server's readings do not share bytes). Gives up (`true`) after
/// `budget` steps.
fn apart(places: &[Vec<(usize, usize)>], picked: &mut Vec<(usize, usize)>, budget: &mut usize) -> bool {
    let Some((first, rest)) = places.split_first() else { return true };
    for p in first {
        if *budget == 0 {
            return true;
        }
        *budget -= 1;
        if picked.iter().all(|q| p.1 <= q.0 || q.1 <= p.0) {
            picked.push(*p);
            let ok = apart(rest, picked, budget);
            picked.pop();
            if ok {
                return true;
            }
        }
    }
    false
}

/// Replies that fit no reading in order. Whole messages in another order
/// (each claim, a content, an upper-cased content or a digest, never a
/// bare length, matches the stream only at one message's payload or
/// frame, and no message is claimed twice): every message answered is
/// `intact`, some not `lost` (or, on a connection that then closed or
/// went quiet, `inconclusive`). Replies that each match somewhere, in
/// another order, may be pieces answered out of order: `inconclusive`.
/// `None` when some reply matches nowhere.
fn out_of_order(wire: &SentStream, claims: &[Claim], tail: Tail) -> Option<Judgement> {
    if claims.len() < 2 {
        return None;
    }
    let mut whole = true;
    let mut all = Vec::with_capacity(claims.len());
    // Per claim, the messages it is exactly (payload or frame).
    let mut exact_for: Vec<Vec<usize>> = Vec::with_capacity(claims.len());
    for c in claims {
        let at = places(wire, c);
        if at.is_empty() {
            return None;
        }
        if c.len() == 0 {
            // An empty reply: an empty message's, any of them.
            let empty: Vec<usize> = (0..wire.spans.len()).filter(|k| wire.spans[*k].1 == wire.spans[*k].2).collect();
            if empty.is_empty() {
                return None;
            }
            exact_for.push(empty);
            all.push(at);
            continue;
        }
        // Its payload, or its whole frame: an empty message's frame (its
        // delimiter alone, or its header) too.
        let exact: Vec<usize> = (0..wire.spans.len())
            .filter(|k| {
                let (f, s, e) = wire.spans[*k];
                let fe = wire.spans.get(k + 1).map_or(wire.bytes.len(), |n| n.0);
                at.iter().any(|p| (s != e && *p == (s, e)) || (f < fe && *p == (f, fe)))
            })
            .collect();
        // (A claim that also matches elsewhere may still be that whole
        // message: the matching below decides whether a reading of whole
        // messages in another order exists at all.)
        if exact.is_empty() || matches!(c, Claim::Len(_)) {
            whole = false;
        }
        exact_for.push(exact);
        all.push(at);
    }
    // Each claim matched to a message of its own (equal messages, or empty
    // ones, are interchangeable).
    let mut owner: Vec<Option<usize>> = vec![None; wire.spans.len()];
    if whole {
        for i in 0..claims.len() {
            if !assign(i, &exact_for, &mut owner, &mut vec![false; wire.spans.len()]) {
                whole = false;
                break;
            }
        }
    }
    let taken: Vec<bool> = owner.iter().map(Option::is_some).collect();
    if !whole && !apart(&all, &mut Vec::new(), &mut 10_000) {
        return None;
    }
    if !whole {
        return Some(Judgement::new(Verdict::Inconclusive, PIECES));
    }
    let missing = (0..wire.spans.len()).filter(|k| wire.spans[*k].1 != wire.spans[*k].2 && !taken[*k]).count();
    // An empty message with no reply: skipped, or merged with a
    // neighbour and its delimiter taken off.
    let empty_left = (0..wire.spans.len()).any(|k| {
        let (f, s, e) = wire.spans[k];
        s == e && !taken[k] && f < wire.spans.get(k + 1).map_or(wire.bytes.len(), |n| n.0)
    });
    if empty_left {
        return Some(Judgement::new(Verdict::Inconclusive, EMPTY_LEFT));
    }
    Some(if missing == 0 {
        Judgement::new(Verdict::Intact, "each reply is one of the messages, in another order than sent")
    } else if tail != Tail::Answered {
        Judgement::new(
            Verdict::Inconclusive,
            format!(
                "lost or {}: {missing} message(s) got no reply, the others came in another order, and then the connection \
                 {}",
                if tail == Tail::Hung { "hang" } else { "closed" },
                if tail == Tail::Hung { "was quiet past the reply timeout" } else { "was closed or reset" }
            ),
        )
    } else {
        Judgement::new(Verdict::Lost, format!("{missing} message(s) got no reply; the others came in another order"))
    })
}

/// The stream the client sent, located message by message, when the
/// scenario's messages are what the server must understand.
fn wire(prep: &Prepared, expected: &[Bytes]) -> Option<SentStream> {
    if !is_prefix(&prep.messages, expected) {
        return None;
    }
    let mut w = SentStream::new(&prep.client_framing, &prep.frames, &prep.messages)?;
    w.truncate(expected.len());
    Some(w)
}

/// Replies that reveal the messages the server understood, as claims.
fn claims(sc: &Scenario, replies: &[Bytes]) -> Option<Vec<Claim>> {
    match sc.response.expect {
        ResponseExpect::Echo => Some(replies.iter().map(|r| Claim::Content(r.clone())).collect()),
        ResponseExpect::Upper => Some(replies.iter().map(|r| Claim::Upper(r.clone())).collect()),
        ResponseExpect::Digest => replies.iter().map(|r| Claim::parse_digest(r)).collect(),
        _ => None,
    }
}

/// How the stream after the last reply is read, from what the connection
/// did.
pub fn tail_of(out: &ClientOutcome) -> Tail {
    if out.reset_by_peer || out.peer_closed_early || out.write_error.is_some() {
        Tail::Closed
    } else if out.hung {
        Tail::Hung
    } else {
        Tail::Answered
    }
}

/// What to say when a count of replies cannot decide.
const COUNT_CANNOT_TELL: &str = "a count of replies that say nothing of what was read cannot tell; \
reply with a digest (len=N sha256=HEX) or echo under another framing to decide";

/// Judges by the count of replies that say nothing of what they answer
/// (acks, one fixed text, a pattern with no `len`): more than messages is
/// `split` (some reply answers a piece); none is `hang` (the caller tells
/// a peer that closed); fewer is merged messages or messages with no
/// reply, and as many is every message whole, or one kept short, or
/// merged and cut at once: both `inconclusive`, naming the candidates.
fn by_count(got: usize, want: usize) -> Judgement {
    match got.cmp(&want) {
        std::cmp::Ordering::Greater => {
            Judgement::new(Verdict::Split, format!("{got} replies for {want} message(s): a message answered in pieces"))
        }
        _ if got == 0 && want > 0 => Judgement::new(Verdict::Hang, ""),
        std::cmp::Ordering::Less => Judgement::new(
            Verdict::Inconclusive,
            format!("coalesced or lost: {got} repl(ies) for {want} message(s); {COUNT_CANNOT_TELL}"),
        ),
        std::cmp::Ordering::Equal => Judgement::new(
            Verdict::Inconclusive,
            format!(
                "intact, truncated or desync: {got} repl(ies) for {want} message(s), as a server that read each whole would give, \
                 or one that kept a message short, or merged two and cut another; {COUNT_CANNOT_TELL}"
            ),
        ),
    }
}

/// Judges the replies by a pattern: every reply must match; a `len` group
/// locates them in the stream like a digest, else they are counted.
fn by_pattern(pattern: &str, prep: &Prepared, r: &[Bytes], expected: &[Bytes], tail: Tail) -> Judgement {
    let re = match crate::pattern::compiled(pattern) {
        Ok(re) => re,
        Err(e) => return Judgement::new(Verdict::Desync, format!("bad match pattern: {e}")),
    };
    if let Some(i) = r.iter().position(|x| !re.is_match(x)) {
        return Judgement::new(
            Verdict::Desync,
            format!("reply {} {} does not match /{pattern}/", i + 1, show(&r[i], 48)),
        );
    }
    if re.capture_names().any(|n| n == Some("len")) {
        let lens: Option<Vec<Claim>> = r
            .iter()
            .map(|x| {
                let c = re.captures(x)?;
                let t = std::str::from_utf8(c.name("len")?.as_bytes()).ok()?;
                t.trim().parse().ok().map(Claim::Len)
            })
            .collect();
        if let (Some(lens), Some(w)) = (lens, wire(prep, expected)) {
            if lens.is_empty() {
                return Judgement::new(Verdict::Hang, "");
            }
            return map_claims_ending(&w, &lens, tail);
        }
    }
    by_count(r.len(), expected.len())
}

/// Judges replies by their total size (and, for `echo`/`upper`, their
/// bytes against what was sent). Every byte sent coming back as sent
/// cannot tell how the server read them: `inconclusive`.
fn by_bytes(sc: &Scenario, prep: &Prepared, out: &ClientOutcome, want: usize) -> Judgement {
    let got: Vec<u8> = out.replies.iter().flat_map(|r| r.iter().copied()).collect();
    let sent = fault::written(&prep.actions);
    let head = format!("{} of {want} bytes came back", got.len());
    let echo = matches!(sc.response.expect, ResponseExpect::Echo | ResponseExpect::Upper);
    let up = sc.response.expect == ResponseExpect::Upper;
    if echo && !got.is_empty() && !echoes_prefix(&got, &sent, up) {
        return Judgement::new(Verdict::Desync, format!("{head}, and they are not the bytes sent"));
    }
    match got.len().cmp(&want) {
        std::cmp::Ordering::Equal if echo && sent.len() > 1 => {
            Judgement::new(Verdict::Inconclusive, format!("{head}, the bytes sent; but {RAW_ECHO}"))
        }
        std::cmp::Ordering::Equal if out.reset_by_peer || out.peer_closed_early || out.write_error.is_some() => {
            Judgement::new(Verdict::Closed, format!("{head}; then the peer closed or reset the connection"))
        }
        std::cmp::Ordering::Equal => Judgement::new(Verdict::Intact, head),
        std::cmp::Ordering::Greater => Judgement::new(Verdict::Desync, format!("{head}: more than expected")),
        // The first bytes sent, echoed: how they were read, nothing tells.
        std::cmp::Ordering::Less if echo && !got.is_empty() => Judgement::new(
            Verdict::Inconclusive,
            format!(
                "{head}, the first bytes sent, then {}: hang or closed, or messages merged or split before it; {RAW_ECHO}",
                if out.reset_by_peer || out.eof || out.write_error.is_some() { "the peer closed" } else { "nothing" }
            ),
        ),
        std::cmp::Ordering::Less if out.reset_by_peer || out.eof || out.write_error.is_some() => {
            Judgement::new(Verdict::Closed, format!("{head}; the peer closed or reset the connection first"))
        }
        std::cmp::Ordering::Less => {
            Judgement::new(Verdict::Hang, format!("{head}; the rest never came within {:?}", sc.client.reply_timeout))
        }
    }
}

/// Judges digest replies (`len=N sha256=HEX`) that could not be located
/// in the stream: by their lengths.
fn by_digests(r: &[Bytes], expected: &[Bytes]) -> Verdict {
    let want: Vec<Bytes> = expected.iter().map(|m| digest_reply(m)).collect();
    if *r == want {
        return Verdict::Intact;
    }
    let lens = |v: &[Bytes]| -> Option<Vec<usize>> {
        v.iter()
            .map(|x| match Claim::parse_digest(x)? {
                Claim::Digest { len, .. } => Some(len),
                _ => None,
            })
            .collect()
    };
    match lens(r) {
        Some(got) if got.iter().sum::<usize>() == expected.iter().map(Bytes::len).sum::<usize>() => {
            if got.len() < expected.len() { Verdict::Coalesced } else { Verdict::Split }
        }
        _ if r.len() < expected.len() => Verdict::Lost,
        _ => Verdict::Desync,
    }
}

/// What to say when unframed replies cannot tell merged from separate.
pub const UNDECIDABLE: &str = "with no reply framing, one merged reply and several replies are the same bytes: \
frame your replies ([response] framing) or reply with a digest (len=N sha256=HEX) to decide";

/// What to say when the replies are the bytes sent, framing included.
pub const RAW_ECHO: &str = "a server that echoes each recv() as it came writes these same bytes however it read \
them, and the reply framing then cuts them where the requests' framing was: reply with a digest \
(len=N sha256=HEX), or frame the replies unlike the requests, to decide";

/// Counts a fixed reply text in the stream: every byte must belong to
/// one; then judged by the count ([`by_count`]).
fn by_text(s: &[u8], text: &[u8], want: usize) -> Judgement {
    let (n, stray) = crate::client::occurrences(s, text);
    if stray > 0 {
        // A reply that is not the fixed text says the server took some
        // input for something else, not what: a piece answered on its own
        // (split), a merge, or a misread length (desync) all give it.
        return Judgement::new(
            Verdict::Inconclusive,
            format!(
                "split, coalesced or desync: {stray} byte(s) of the reply stream are not {}, so the server took some \
                 input for something else; which, the replies cannot tell",
                show(text, 32)
            ),
        );
    }
    let j = by_count(n, want);
    let what = format!("{n} x {} in the reply stream, {want} expected", show(text, 32));
    Judgement::new(j.verdict, if j.detail.is_empty() { what } else { format!("{what}: {}", j.detail) })
}

/// Cuts the stream into the items of `want`, trying them in order at each
/// place; `None` when some bytes are none of them.
fn cut_into_items(s: &[u8], want: &[Bytes]) -> Option<Vec<Bytes>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < s.len() {
        let start = out.len().min(want.len().saturating_sub(1));
        let order = (start..want.len()).chain(0..start);
        let item = order.map(|k| &want[k]).find(|w| !w.is_empty() && s[at..].starts_with(w))?;
        out.push(item.clone());
        at += item.len();
        if out.len() > s.len() {
            return None;
        }
    }
    Some(out)
}

/// Replies from a list of different texts, one per message: in order and
/// all there is `intact`; in order with some missing is merged or lost
/// (a server answering a merged read by its first request gives the
/// same); a reply the list does not have is some misreading, which one
/// the list cannot say.
fn by_list(want: &[Bytes], got: &[Bytes]) -> Judgement {
    if got.is_empty() {
        return Judgement::new(Verdict::Hang, "");
    }
    if let Some(i) = got.iter().position(|g| !want.contains(g)) {
        return Judgement::new(
            Verdict::Inconclusive,
            format!(
                "desync, split or truncated: reply {} {} is none of the listed replies, so the server understood something \
                 other than a message, and a list cannot say what",
                i + 1,
                show(&got[i], 32)
            ),
        );
    }
    // A message read in pieces and each piece answered with its own reply
    // gives that reply twice in a row; merged reads give fewer replies.
    // The list exactly, with no reply twice in a row, is neither.
    let exactly = got == want && !want.windows(2).any(|w| w[0] == w[1]);
    let mut seen = Vec::with_capacity(got.len());
    for g in got.iter().filter(|_| !exactly) {
        if seen.contains(&g) {
            return Judgement::new(
                Verdict::Inconclusive,
                format!(
                    "split or desync: the listed reply {} came twice, as for pieces of one message, which a list cannot place",
                    show(g, 32)
                ),
            );
        }
        seen.push(g);
    }
    let order = if want.iter().filter(|w| got.contains(w)).eq(got.iter()) { "in order" } else { "in another order" };
    match got.len().cmp(&want.len()) {
        std::cmp::Ordering::Equal => Judgement::new(Verdict::Intact, format!("each listed reply, {order}")),
        _ => Judgement::new(
            Verdict::Inconclusive,
            format!(
                "coalesced or lost: {} of the {} listed replies, {order}; a server that answers a merged read by its first \
                 request gives the same",
                got.len(),
                want.len()
            ),
        ),
    }
}

/// Echo or upper replies with no reply framing: the bytes can say
/// "not what was sent" or "not all of it", never how it was cut.
fn echo_stream(sc: &Scenario, prep: &Prepared, s: &[u8], expected: &[Bytes]) -> Judgement {
    let up = sc.response.expect == ResponseExpect::Upper;
    let want = expected.concat();
    let wire = fault::written(&prep.actions);
    let head = format!("{} of {} bytes came back", s.len(), want.len());
    if s.is_empty() && expected.iter().any(|m| m.is_empty()) {
        return Judgement::new(
            Verdict::Inconclusive,
            format!("{head}: empty messages echoed are no bytes, and no echo is no bytes either; {UNDECIDABLE}"),
        );
    }
    if s.is_empty() {
        return Judgement::new(Verdict::Hang, head);
    }
    let whole = |sent: &[u8]| Claim::Upper(Bytes::copy_from_slice(s)).ends(sent, 0).any(|e| e == sent.len());
    if (!up && (s == &want[..] || s == &wire[..])) || (up && (whole(&want) || whole(&wire))) {
        return Judgement::new(Verdict::Inconclusive, format!("{head}, the bytes sent; but {UNDECIDABLE}"));
    }
    if echoes_prefix(s, &want, up) || echoes_prefix(s, &wire, up) {
        // The rest never came; what did come cannot tell whether messages
        // were merged or cut before that.
        return Judgement::new(
            Verdict::Inconclusive,
            format!(
                "{head}; the rest never came: hang or closed, or messages merged or split before it; {UNDECIDABLE}"
            ),
        );
    }
    // More than was sent (an echo of pieces never exceeds it; Unicode
    // upper-casing at most triples it): bytes from elsewhere.
    let most = if up { 3 * wire.len() } else { wire.len() };
    if s.len() > most {
        return Judgement::new(Verdict::Desync, format!("{head}: more than was sent"));
    }
    // Messages skipped or cut short, or read with their framing, leave
    // pieces of what was sent; only bytes that are in none of it tell.
    let mut known = [false; 256];
    let (unicode, ascii) = (upper(&wire), wire.to_ascii_uppercase());
    let sources: [&[u8]; 2] = if up { [&unicode, &ascii] } else { [&wire, &wire] };
    for b in sources.iter().flat_map(|s| s.iter()) {
        known[*b as usize] = true;
    }
    if s.iter().all(|b| known[*b as usize]) {
        return Judgement::new(
            Verdict::Inconclusive,
            format!(
                "{head}, pieces of the bytes sent but not all of them in order: messages skipped, cut short or misread; {UNDECIDABLE}"
            ),
        );
    }
    Judgement::new(Verdict::Desync, format!("{head}, and they are not the bytes sent"))
}

/// Digest lines in an unframed stream: cut into lines, each read by the
/// one digest parser ([`Claim::parse_digest`]) as framed replies are, and
/// located in what was sent, whatever the reads.
fn digests_in_stream(prep: &Prepared, s: &[u8], expected: &[Bytes], tail: Tail) -> Judgement {
    let mut claims = Vec::new();
    let mut lines = Vec::new();
    for line in s.split(|b| *b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match Claim::parse_digest(line) {
            Some(claim) => claims.push(claim),
            None => {
                return Judgement::new(
                    Verdict::Desync,
                    format!("line {} of the reply stream, {}, is not a digest", lines.len() + 1, show(line, 48)),
                );
            }
        }
        lines.push(Bytes::copy_from_slice(line));
    }
    if claims.is_empty() {
        return Judgement::new(Verdict::Hang, "no digest came back");
    }
    if let Some(w) = wire(prep, expected) {
        return map_claims_ending(&w, &claims, tail);
    }
    let with_newline: Vec<Bytes> = lines.iter().map(|l| Bytes::from([&l[..], b"\n"].concat())).collect();
    Judgement::new(by_digests(&with_newline, expected), "")
}

/// When no server behaviour tells these replies from a server that echoes
/// each read as it came (the replies, framing included, are the first
/// bytes sent, or the payloads sent back to back): `inconclusive`, unless
/// a single byte was sent (one way to read it). `None` when they are not
/// such an echo, or when they stop short of it on a connection that had
/// all the time to echo the rest.
fn raw_echo(reply_bytes: &[u8], sent: &[&[u8]], up: bool, tail: Tail, messages: usize) -> Option<Judgement> {
    if reply_bytes.is_empty() {
        return None;
    }
    let sent = sent.iter().find(|s| s.len() > 1 && echoes_prefix(reply_bytes, s, up))?;
    let whole = reply_bytes == *sent || (up && upper_prefix(reply_bytes, sent) == Some(sent.len()));
    let names = if messages > 1 { "intact, coalesced or split" } else { "intact or split" };
    match (whole, tail) {
        (true, _) => {
            Some(Judgement::new(Verdict::Inconclusive, format!("{names}: the replies are the bytes sent; {RAW_ECHO}")))
        }
        (false, Tail::Answered) => None,
        (false, _) => Some(Judgement::new(
            Verdict::Inconclusive,
            format!("the replies are the first bytes sent, and the rest never came; {RAW_ECHO}"),
        )),
    }
}

/// The replies as the bytes that came back: each framed again by the
/// reply framing (what the reply codec took off).
fn reply_bytes(sc: &Scenario, prep: &Prepared, r: &[Bytes]) -> Option<Vec<u8>> {
    let spec = super::reply_framing(sc, prep)?.clone();
    let mut codec = spec.codec();
    let mut out = Vec::new();
    for x in r {
        out.extend_from_slice(&encode_frame(&mut codec, x, Overflow::Error).ok()?);
    }
    Some(out)
}

/// The verdict of an unframed reply stream: fixed texts counted, digest
/// lines and patterns found by scanning, echo compared as bytes. Where
/// framelab's reads cut the stream plays no part.
fn by_stream(sc: &Scenario, prep: &Prepared, s: &[u8], expected: &[Bytes], tail: Tail) -> Judgement {
    if let Some(list) = &sc.response.replies {
        let want: Vec<Bytes> = list.iter().map(|m| m.bytes().clone()).collect();
        if let Some(w0) = want.first().filter(|w0| want.iter().all(|x| x == *w0)) {
            return by_text(s, w0, want.len());
        }
        if s.is_empty() {
            return Judgement::new(Verdict::Hang, "no reply bytes");
        }
        let (written, payloads) = (fault::written(&prep.actions), expected.concat());
        if let Some(j) = raw_echo(s, &[&written, &payloads], false, tail, expected.len()) {
            return j;
        }
        return match cut_into_items(s, &want) {
            Some(items) => {
                let j = by_list(&want, &items);
                Judgement::new(j.verdict, format!("the reply stream read as items of the list: {}", j.detail))
            }
            None => Judgement::new(
                Verdict::Inconclusive,
                "desync, split or truncated: the reply stream is not made of the listed replies",
            ),
        };
    }
    if let Some(p) = &sc.response.pattern {
        let re = match crate::pattern::compiled(p) {
            Ok(re) => re,
            Err(e) => return Judgement::new(Verdict::Desync, format!("bad match pattern: {e}")),
        };
        // Searched anywhere in the stream: `^` anchors at its start only.
        let matches: Vec<regex::bytes::Match> = re.find_iter(s).collect();
        if matches.is_empty() && !s.is_empty() {
            return Judgement::new(Verdict::Desync, format!("the reply stream has no match of /{p}/"));
        }
        // Replies with nothing between them: "5" "5" may be two matches,
        // or one "55".
        if matches.windows(2).any(|m| m[0].end() == m[1].start()) {
            return Judgement::new(
                Verdict::Inconclusive,
                format!(
                    "matches of /{p}/ touch in the reply stream: one reply or several, the bytes cannot tell; end each reply with a separator the pattern does not match, or frame the replies"
                ),
            );
        }
        let found: Vec<Bytes> = matches.iter().map(|m| Bytes::copy_from_slice(m.as_bytes())).collect();
        return by_pattern(p, prep, &found, expected, tail);
    }
    match sc.response.expect {
        ResponseExpect::Ack => by_text(s, ACK, expected.len()),
        ResponseExpect::Digest => digests_in_stream(prep, s, expected, tail),
        ResponseExpect::Echo | ResponseExpect::Upper => echo_stream(sc, prep, s, expected),
        ResponseExpect::Reply if s.is_empty() => Judgement::new(Verdict::Hang, "no reply bytes"),
        ResponseExpect::Reply => Judgement::new(
            Verdict::Inconclusive,
            "replies of any content cannot be counted in an unframed stream: frame your replies ([response] framing)",
        ),
        ResponseExpect::None => Judgement::new(Verdict::Inconclusive, NO_REPLIES),
    }
}

/// What to say when no reply is expected.
pub const NO_REPLIES: &str = "no replies are expected (expect = \"none\"), and a server that never replies \
cannot be judged intact from its replies: have it reply (digest, echo, ack), or spawn it as a [target] command \
whose reads are traced";

/// The verdict of the replies by what `[response]` says they are, with a
/// detail when the replies were located in the stream.
fn by_response(sc: &Scenario, prep: &Prepared, r: &[Bytes], expected: &[Bytes], tail: Tail) -> Judgement {
    if let Some(list) = &sc.response.replies {
        let want: Vec<Bytes> = list.iter().map(|m| m.bytes().clone()).collect();
        // The same reply to every message (an ack) tells only a count.
        let fixed = want.first().is_some_and(|w0| want.iter().chain(r.iter()).all(|x| x == w0));
        if fixed {
            return by_count(r.len(), want.len());
        }
        if let Some(j) = reply_bytes(sc, prep, r).and_then(|b| {
            let (written, payloads) = (fault::written(&prep.actions), expected.concat());
            raw_echo(&b, &[&written, &payloads], false, tail, expected.len())
        }) {
            return j;
        }
        return by_list(&want, r);
    }
    if let Some(p) = &sc.response.pattern {
        return by_pattern(p, prep, r, expected, tail);
    }
    let echo = matches!(sc.response.expect, ResponseExpect::Echo | ResponseExpect::Upper);
    if echo
        && let Some(j) = reply_bytes(sc, prep, r).and_then(|b| {
            let written = fault::written(&prep.actions);
            raw_echo(&b, &[&written], sc.response.expect == ResponseExpect::Upper, tail, expected.len())
        })
    {
        return j;
    }
    if let (Some(c), Some(w)) = (claims(sc, r), wire(prep, expected)) {
        if r.is_empty() {
            return Judgement::new(Verdict::Hang, format!("{} message(s) got no reply", expected.len()));
        }
        // Echo or upper replies cut by a delimiter that the bytes sent
        // hold: one reply may have been cut into several.
        let rejoin = match super::reply_framing(sc, prep) {
            Some(FramingSpec::Delimiter(crate::framing::DelimiterFormat { delimiter, .. }))
                if echo && memchr::memmem::find(&w.bytes, delimiter).is_some() =>
            {
                Some(delimiter)
            }
            _ => None,
        };
        return map_claims_rejoined(&w, &c, tail, rejoin.map(|d| &d[..]));
    }
    let v = match sc.response.expect {
        ResponseExpect::Echo => classify(expected, r),
        ResponseExpect::Upper => {
            let up: Vec<Bytes> = expected.iter().map(|m| Bytes::from(upper(m))).collect();
            classify(&up, r)
        }
        ResponseExpect::Digest => by_digests(r, expected),
        ResponseExpect::Ack | ResponseExpect::Reply => {
            let content_ok = sc.response.expect == ResponseExpect::Reply || r.iter().all(|x| &x[..] == ACK);
            if !content_ok {
                Verdict::Desync
            } else {
                return by_count(r.len(), expected.len());
            }
        }
        ResponseExpect::None => return Judgement::new(Verdict::Inconclusive, NO_REPLIES),
    };
    Judgement::new(v, "")
}

/// `closed` where the server closed on purpose after exact answers
/// ([`super::closes`]): replies given exactly, echoes and upper-cased
/// echoes tell an exact answer.
fn closed_on_purpose(sc: &Scenario, prep: &Prepared, out: &ClientOutcome, expected: &[Bytes]) -> Option<Judgement> {
    let r: Vec<&Bytes> = out.replies.iter().collect();
    let exact = |i: usize| -> bool {
        let Some(got) = r.get(i) else { return false };
        match (&sc.response.replies, sc.response.expect) {
            (Some(list), _) => list.get(i).is_some_and(|w| w.as_bytes() == &got[..]),
            (None, ResponseExpect::Echo) if sc.response.pattern.is_none() => expected.get(i) == Some(*got),
            (None, ResponseExpect::Upper) if sc.response.pattern.is_none() => {
                expected.get(i).is_some_and(|m| upper(m) == got[..])
            }
            _ => false,
        }
    };
    super::closes::on_purpose(sc, prep, out, &r, expected.len(), exact)
}

/// UDP: a reply that shows only the start of its datagram (an echo, an
/// upper-cased echo or a digest of fewer bytes than were sent) means the
/// server read less than the datagram: `truncated`, whatever else the
/// replies say. Replies are datagrams, matched to messages in order.
fn udp_truncation(sc: &Scenario, r: &[Bytes], expected: &[Bytes]) -> Option<Judgement> {
    for (i, (reply, msg)) in r.iter().zip(expected).enumerate() {
        let seen = match sc.response.expect {
            // Echo or upper: the start of the datagram, as sent or
            // upper-cased (which one the oracle expects does not matter
            // for the size).
            ResponseExpect::Echo | ResponseExpect::Upper
                if reply.len() < msg.len()
                    && (msg.starts_with(reply) || msg[..reply.len()].to_ascii_uppercase() == reply[..]) =>
            {
                reply.len()
            }
            ResponseExpect::Digest => match Claim::parse_digest(reply) {
                Some(c @ Claim::Digest { len, .. }) if len < msg.len() && c.matches(&msg[..len]) => len,
                _ => continue,
            },
            _ => continue,
        };
        return Some(Judgement::new(
            Verdict::Truncated,
            format!("datagram {} of {} bytes: the server read only its first {seen} bytes", i + 1, msg.len()),
        ));
    }
    None
}

/// Whether `reply` is the server's refusal: it starts with `ERROR:` and
/// is not the echo (or upper-cased echo) of bytes that were sent, such as
/// a message "ERROR: disk full".
fn is_refusal(sc: &Scenario, prep: &Prepared, reply: &[u8]) -> bool {
    if !reply.starts_with(b"ERROR:") {
        return false;
    }
    if !matches!(sc.response.expect, ResponseExpect::Echo | ResponseExpect::Upper) {
        return true;
    }
    // `ERROR:` found in what was sent: perhaps an
    // echo (which of the two, nothing tells).
    let up = sc.response.expect == ResponseExpect::Upper;
    let sent = fault::written(&prep.actions);
    let line = reply.split(|b| *b == b'\n').next().unwrap_or_default();
    let head = &line[..line.len().min(6)];
    !(0..sent.len()).any(|o| echoes_prefix(head, &sent[o..], up))
}

/// `judge_replies_as_sent`, then: where a reply that starts with
/// `ERROR:` may be the echo of a message that starts with it, or the
/// server's refusal, a verdict that takes it as an echo is one candidate
/// and `rejected` the other.
pub fn judge_replies(sc: &Scenario, prep: &Prepared, out: &ClientOutcome, expected: &[Bytes]) -> Judgement {
    if let Some(id) = &sc.response.id
        && !out.unframed
    {
        return match super::ids::in_request_order(id.bytes, &prep.messages, out) {
            Ok((sorted, note)) => {
                let j = judge_replies_by_content(sc, prep, &sorted, expected);
                match note {
                    Some(n) => Judgement::new(j.verdict, format!("{}; {n}", j.detail)).seeing(j.seen),
                    None => j,
                }
            }
            Err(j) => j,
        };
    }
    judge_replies_by_content(sc, prep, out, expected)
}

/// [`judge_replies`] of replies in their requests' order.
fn judge_replies_by_content(sc: &Scenario, prep: &Prepared, out: &ClientOutcome, expected: &[Bytes]) -> Judgement {
    let j = judge_replies_as_sent(sc, prep, out, expected);
    let either = out.replies.iter().any(|r| r.starts_with(b"ERROR:") && !is_refusal(sc, prep, r));
    if either && !matches!(j.verdict, Verdict::Inconclusive | Verdict::Rejected) {
        return Judgement::new(
            Verdict::Inconclusive,
            format!(
                "rejected or {}: a reply starts with ERROR:, as the echo of a message that starts with it or a refusal would ({})",
                j.verdict, j.detail
            ),
        );
    }
    j
}

/// Judges by replies alone (black-box targets, or `[response] expect`).
/// A verdict is given only when every server behaviour that gives these
/// replies leads to it; otherwise `inconclusive`, naming the candidates
/// (docs/own-server.md).
fn judge_replies_as_sent(sc: &Scenario, prep: &Prepared, out: &ClientOutcome, expected: &[Bytes]) -> Judgement {
    if sc.response.answers.is_some() {
        return super::protocol::judge_answers(sc, prep, out);
    }
    if let Some(err) = &out.connect_error {
        return Judgement::new(Verdict::Closed, err.clone());
    }
    let r = &out.replies;
    let head = format!("sent {} message(s); {} repl(ies) came back", expected.len(), r.len());
    // A stream that ended inside a reply: one cut off by a close, or
    // bytes the reply framing does not cut (a server writing back what it
    // read as it came): what they were, nothing tells.
    if let Some(ReplyError::Incomplete(n)) = out.reply_errors.iter().find(|e| matches!(e, ReplyError::Incomplete(_))) {
        return Judgement::new(
            Verdict::Inconclusive,
            format!(
                "{head}; then the stream ended {n} bytes into a reply: a reply cut off by a close, or bytes not framed as \
                 [response] framing says (a server writing back each read as it came), which the replies cannot tell"
            ),
        );
    }
    // Bytes the reply framing refuses are no replies of that framing (a
    // server writing back each read as it came, whatever the framing): what
    // the server read, they cannot tell.
    if let Some(err) = out.reply_errors.iter().find(|e| matches!(e, ReplyError::Overflow(_))) {
        // Far more than any reply to what was sent.
        return Judgement::new(Verdict::Desync, format!("{head}; {err}"));
    }
    if let Some(err) = out.reply_errors.iter().find(|e| !ReplyError::is_transport(e)) {
        return Judgement::new(
            Verdict::Inconclusive,
            format!(
                "{head}; a reply failed to decode: {err}: the server's bytes are not framed as [response] framing says, \
                 and say nothing of what it read"
            ),
        );
    }
    if r.iter().any(|x| is_refusal(sc, prep, x)) {
        return Judgement::new(Verdict::Rejected, format!("{head}; the server refused the input"));
    }
    if let Some(n) = sc.response.bytes {
        return by_bytes(sc, prep, out, n);
    }
    if matches!(prep.client_framing, FramingSpec::Udp(crate::framing::UdpFormat { .. }))
        && let Some(j) = udp_truncation(sc, r, expected)
    {
        return Judgement::new(j.verdict, format!("{head}: {}", j.detail));
    }
    if !out.unframed
        && let Some(j) = closed_on_purpose(sc, prep, out, expected)
    {
        return j;
    }
    let tail = tail_of(out);
    let judged = if out.unframed {
        let stream = r.concat();
        let head = format!("sent {} message(s); {} reply byte(s) came back", expected.len(), stream.len());
        (by_stream(sc, prep, &stream, expected, tail), head)
    } else {
        (by_response(sc, prep, r, expected, tail), head)
    };
    let (Judgement { verdict: v, detail: why, .. }, head) = judged;
    let head = if why.is_empty() { head } else { format!("{head}: {why}") };
    // (A write that blocked because the peer does not read is a hang.)
    if v == Verdict::Hang && (out.reset_by_peer || out.peer_closed_early || (out.write_error.is_some() && !out.hung)) {
        return Judgement::new(Verdict::Closed, format!("{head}; the peer closed or reset the connection"));
    }
    if v == Verdict::Hang && out.eof && !out.hung {
        return Judgement::new(Verdict::Closed, format!("{head}; the peer closed the connection without replying"));
    }
    if v == Verdict::Intact || (v == Verdict::Hang && !out.peer_closed_early && !out.reset_by_peer) {
        if out.hung {
            return Judgement::new(
                Verdict::Hang,
                format!("{head}; a reply never came within {:?}", sc.client.reply_timeout),
            );
        }
        if out.reset_by_peer || out.peer_closed_early || out.write_error.is_some() {
            return Judgement::new(Verdict::Closed, format!("{head}; the peer closed or reset the connection"));
        }
        return Judgement::new(v, head);
    }
    if v != Verdict::Inconclusive
        && !out.unframed
        && r.len() < expected.len()
        && (out.reset_by_peer || out.peer_closed_early)
        && is_prefix(expected, r)
    {
        return Judgement::new(Verdict::Closed, format!("{head}; the peer closed or reset the connection"));
    }
    Judgement::new(v, head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    #[test]
    fn a_reply_and_the_empty_one_after_it_are_joined_by_the_delimiter() {
        let c = |s: &str| Claim::Content(b(s));
        let u = |s: &str| Claim::Upper(b(s));
        let got = joined(&[c("ab"), c(""), u("CD"), u(""), c(""), c("e")], b"\n").unwrap();
        assert_eq!(got, [c("ab\n"), u("CD\n"), c(""), c("e")]);
        assert_eq!(joined(&[c("ab"), c("cd")], b"\n"), None, "no empty reply: nothing to join");
        assert_eq!(
            joined(&[c(""), c(""), c("b"), c("")], b"\n").unwrap(),
            [c("\n"), c("b\n")],
            "an empty message's frame echoed with the delimiter added"
        );
        assert_eq!(joined(&[Claim::Len(2), c("")], b"\n"), None, "a length names no bytes");
    }

    fn wire(framing: &str, msgs: &[&str]) -> SentStream {
        use tokio_util::codec::Encoder;
        let spec: FramingSpec = framing.parse().unwrap();
        let mut codec = spec.codec();
        let messages: Vec<Bytes> = msgs.iter().map(|m| b(m)).collect();
        let frames: Vec<Bytes> = messages
            .iter()
            .map(|m| {
                let mut out = bytes::BytesMut::new();
                codec.encode(&m[..], &mut out).unwrap();
                out.freeze()
            })
            .collect();
        SentStream::new(&spec, &frames, &messages).unwrap()
    }

    fn digest(s: &[u8]) -> Claim {
        Claim::parse_digest(&crate::reply::digest_reply(s)).unwrap()
    }

    #[test]
    fn digests_of_what_a_server_understood_give_the_verdict() {
        let w = wire("naive", &["hello", "world"]);
        assert_eq!(map_claims(&w, &[digest(b"hello"), digest(b"world")]).verdict, Verdict::Intact);
        assert_eq!(map_claims(&w, &[digest(b"helloworld")]).verdict, Verdict::Coalesced);
        assert_eq!(map_claims(&w, &[digest(b"hel"), digest(b"low"), digest(b"orld")]).verdict, Verdict::Split);
        assert_eq!(map_claims(&w, &[digest(b"world")]).verdict, Verdict::Lost);
        assert_eq!(map_claims(&w, &[digest(b"hellx")]).verdict, Verdict::Desync);
        // A delimiter server that keeps the first delimiter inside a merged message.
        let w = wire("delimiter", &["hello", "world"]);
        assert_eq!(map_claims(&w, &[digest(b"hello\nworld")]).verdict, Verdict::Coalesced);
        assert_eq!(
            map_claims(&w, &[digest(b"hel"), digest(b"lo"), digest(b"wor"), digest(b"ld")]).verdict,
            Verdict::Split
        );
        // A length-prefix server whose header was cut: an empty message nobody sent.
        let w = wire("length-prefix", &["hello", "world"]);
        assert_eq!(map_claims(&w, &[digest(b"")]).verdict, Verdict::Desync);
        assert_eq!(map_claims(&w, &[digest(b"hello"), digest(b"world")]).verdict, Verdict::Intact);
        assert_eq!(map_claims(&w, &[Claim::Upper(b("HELLO")), Claim::Upper(b("WORLD"))]).verdict, Verdict::Intact);
        assert_eq!(map_claims(&w, &[Claim::Len(5), Claim::Len(5)]).verdict, Verdict::Intact);
    }

    #[test]
    fn empty_messages_are_matched_by_empty_replies() {
        let w = wire("length-prefix", &["a", "", "b"]);
        assert_eq!(map_claims(&w, &[digest(b"a"), digest(b""), digest(b"b")]).verdict, Verdict::Intact);
    }

    /// An empty message echoed with its framing (a delimiter kept, a
    /// header counted) is that message, not a piece of another. Found by
    /// the `judge_claims` fuzz target's oracle.
    #[test]
    fn an_empty_message_echoed_with_its_framing_is_that_message() {
        let c = |s: &[u8]| Claim::Content(Bytes::copy_from_slice(s));
        let w = wire("delimiter", &["a", "", "b"]);
        let got = map_claims(&w, &[c(b"a\n"), c(b"\n"), c(b"b\n")]);
        assert_eq!(got.verdict, Verdict::Intact, "{}", got.detail);
        let w = wire("length-prefix", &["a", "", "b"]);
        let got = map_claims(&w, &[c(b"\0\0\0\x01a"), c(b"\0\0\0\0"), c(b"\0\0\0\x01b")]);
        assert_eq!(got.verdict, Verdict::Intact, "{}", got.detail);
        // Part of a header is not a message.
        let got = map_claims(&w, &[c(b"\0\0\0\x01a"), c(b"\0\0"), c(b"\0\0\0\0\x01b")]);
        assert_ne!(got.verdict, Verdict::Intact, "{}", got.detail);
        // Nor is the header of a message with bytes.
        let got = map_claims(&w, &[c(b"\0\0\0\x01"), c(b"a")]);
        assert_ne!(got.verdict, Verdict::Intact, "{}", got.detail);
    }

    /// A reply that is both a message's payload and the start of its
    /// frame: a server that understood the message, or one that read a
    /// header byte as a message. The second would have read the rest as
    /// well and answered it (a server reading bytes answers every read),
    /// so only the first reading is left: `intact` (issue 34, class 9;
    /// once `inconclusive`, found by the `judge_claims` fuzz target).
    #[test]
    fn a_reply_that_is_a_payload_and_a_header_byte_is_the_payload_when_nothing_else_is_answered() {
        let c = |s: &[u8]| Claim::Content(Bytes::copy_from_slice(s));
        let w = wire("length-prefix", &["\0"]);
        let got = map_claims(&w, &[c(b"\0")]);
        assert_eq!(got.verdict, Verdict::Intact, "{}", got.detail);
        let d = Claim::Digest { len: 1, sha256: <sha2::Sha256 as sha2::Digest>::digest(b"\0").into() };
        assert_eq!(map_claims(&w, &[d]).verdict, Verdict::Intact);
        // A byte reader's replies for every read: the header byte, then
        // the rest. Split, not intact.
        let got = map_claims(&w, &[c(b"\0"), c(b"\0\0\x01\0")]);
        assert_eq!(got.verdict, Verdict::Split, "{}", got.detail);
        // The whole frame echoed can only be the frame.
        assert_eq!(map_claims(&w, &[c(b"\0\0\0\x01\0")]).verdict, Verdict::Intact);
        // Text payloads never match a binary header: no doubt.
        let w = wire("length-prefix", &["a", "b"]);
        assert_eq!(map_claims(&w, &[c(b"a"), c(b"b")]).verdict, Verdict::Intact);
        // On a connection closed before the rest was answered, both
        // readings are left: the header byte's reader was cut off.
        let w = wire("length-prefix", &["\0"]);
        let got = map_claims_ending(&w, &[c(b"\0")], Tail::Closed);
        assert_eq!(got.verdict, Verdict::Inconclusive, "{}", got.detail);
    }

    /// A length that is not 0 is the length of a message that is not
    /// empty: after an empty message, it is located at the next message
    /// with a payload, not at the empty one's (which would put it over the
    /// next frame's header or delimiter). Found by the `judge_claims`
    /// fuzz target's oracle.
    #[test]
    fn a_length_after_an_empty_message_belongs_to_the_next_message_with_bytes() {
        for framing in ["delimiter", "length-prefix"] {
            let w = wire(framing, &["a", "", "b"]);
            let (one, zero) = (Claim::Len(1), Claim::Len(0));
            let got = map_claims(&w, &[one.clone(), zero, one.clone()]);
            assert_eq!(got.verdict, Verdict::Intact, "{framing}: {}", got.detail);
            // A server that sends nothing for the empty message: it
            // skipped it, or read it with "a" and took its delimiter off
            // (issue 34, class 3).
            let got = map_claims(&w, &[one.clone(), one.clone()]);
            assert_eq!(got.verdict, Verdict::Inconclusive, "{framing}: {}", got.detail);
            assert!(got.detail.starts_with("coalesced or lost"), "{framing}: {}", got.detail);
            assert_ne!(map_claims(&w, &[one.clone(), Claim::Len(3)]).verdict, Verdict::Intact, "{framing}");
        }
    }
}
