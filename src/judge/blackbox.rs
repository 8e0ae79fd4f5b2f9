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
use sha2::{Digest, Sha256};

use super::{Judgement, classify, is_prefix};
use crate::client::{ClientOutcome, ReplyError};
use crate::fault;
use crate::framing::{FramingSpec, show};
use crate::scenario::model::ResponseExpect;
use crate::scenario::{Prepared, Scenario, Verdict};
use crate::server::handler::{ACK, digest_reply};

/// What one reply says the server understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The message itself (echo).
    Content(Bytes),
    /// The message upper-cased (ASCII).
    Upper(Bytes),
    /// The message's length and sha256.
    Digest {
        /// Length.
        len: usize,
        /// SHA-256.
        sha256: [u8; 32],
    },
    /// Only the message's length.
    Len(usize),
}

impl Claim {
    fn len(&self) -> usize {
        match self {
            Claim::Content(b) | Claim::Upper(b) => b.len(),
            Claim::Digest { len, .. } | Claim::Len(len) => *len,
        }
    }

    fn matches(&self, bytes: &[u8]) -> bool {
        match self {
            Claim::Content(b) => &b[..] == bytes,
            Claim::Upper(b) => b.len() == bytes.len() && b.iter().zip(bytes).all(|(u, x)| *u == x.to_ascii_uppercase()),
            Claim::Digest { sha256, .. } => Sha256::digest(bytes).as_slice() == sha256,
            Claim::Len(_) => true,
        }
    }

    /// Parses a `len=N sha256=HEX` reply.
    pub fn parse_digest(reply: &[u8]) -> Option<Claim> {
        let text = std::str::from_utf8(reply).ok()?.trim();
        let mut len = None;
        let mut sha = None;
        for part in text.split_whitespace() {
            if let Some(v) = part.strip_prefix("len=") {
                len = v.parse::<usize>().ok();
            } else if let Some(v) = part.strip_prefix("sha256=") {
                sha = hex::decode(v).ok().and_then(|h| <[u8; 32]>::try_from(h).ok());
            }
        }
        Some(Claim::Digest { len: len?, sha256: sha? })
    }
}

/// The stream the client sent, with where each message lies in it.
#[derive(Debug, Clone)]
pub struct Wire {
    bytes: Vec<u8>,
    /// (frame start, payload start, payload end) per message.
    spans: Vec<(usize, usize, usize)>,
}

impl Wire {
    /// The stream of `frames`, one per message, framed with `framing`.
    /// `None` when frames and messages do not pair up (a forged header).
    pub fn new(framing: &FramingSpec, frames: &[Bytes], messages: &[Bytes]) -> Option<Wire> {
        if frames.len() != messages.len() {
            return None;
        }
        let mut bytes = Vec::with_capacity(frames.iter().map(Bytes::len).sum());
        let mut spans = Vec::with_capacity(frames.len());
        for (f, m) in frames.iter().zip(messages) {
            let offset = if f == m {
                0
            } else {
                match framing {
                    FramingSpec::Delimiter { .. } if f.starts_with(m) => 0,
                    FramingSpec::LengthPrefix(_) | FramingSpec::JsonHeader(_) if f.ends_with(m) => f.len() - m.len(),
                    _ => return None,
                }
            };
            let start = bytes.len();
            spans.push((start, start + offset, start + offset + m.len()));
            bytes.extend_from_slice(f);
        }
        Some(Wire { bytes, spans })
    }

    /// Keeps only the first `n` messages as expected (the rest were not
    /// meant to be understood, e.g. after a reset).
    pub fn truncate(&mut self, n: usize) {
        self.spans.truncate(n);
    }

    /// The empty message whose frame is `[start, end)`, or its payload
    /// start to its frame's end (a delimiter kept, a header counted).
    fn empty_frame(&self, start: usize, end: usize) -> Option<usize> {
        self.spans.iter().enumerate().find_map(|(k, (f, s, e))| {
            let frame_end = self.spans.get(k + 1).map_or(self.bytes.len(), |next| next.0);
            (s == e && (start == *f || start == *s) && end == frame_end && end > start).then_some(k)
        })
    }

    /// Where a claim (never empty here: an empty reply is matched before)
    /// may start at or after `cursor`: inside the message `cursor` is in
    /// (the rest of a message taken in pieces), then the payload start of
    /// every message with bytes and, unless only a length is known, every
    /// frame start. Frames first: in the order of the stream. Payloads
    /// first: every payload start, then every frame start. A claim of a
    /// length alone gets only the first of them.
    fn starts(&self, cursor: usize, len_only: bool, payload_first: bool) -> Vec<usize> {
        const MAX: usize = 128;
        let mut v: Vec<usize> = Vec::new();
        if self.spans.iter().any(|(_, s, e)| (*s..*e).contains(&cursor)) {
            v.push(cursor);
        }
        // An empty message's payload start is where the next frame starts,
        // never the start of a reply with bytes.
        let payloads = self.spans.iter().filter(|(_, s, e)| s != e && *s >= cursor).map(|(_, s, _)| *s);
        if len_only {
            v.extend(payloads.take(1));
            v.truncate(1);
            return v;
        }
        v.extend(payloads.take(MAX));
        v.extend(self.spans.iter().map(|(f, _, _)| *f).filter(|f| *f >= cursor).take(MAX));
        // Payloads first is read only where frames have headers: there no
        // frame start is a payload start, nor inside a payload, so nothing
        // comes twice and the order stays as built.
        if !payload_first {
            v.sort_unstable();
            v.dedup();
        }
        v.truncate(MAX);
        v
    }

    /// Whether any message has framing bytes before its payload (a
    /// header), where a reply may be located two ways. Where none has
    /// (naive, delimiter), a frame starts where its payload does, and both
    /// readings locate every reply at the same place: one is enough.
    fn has_headers(&self) -> bool {
        self.spans.iter().any(|(f, s, _)| f != s)
    }
}

/// How one located reply covers the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    /// One whole message.
    Exact,
    /// Several whole messages.
    Merged,
    /// Part of a message (or parts of two).
    Part,
}

fn show_claim(c: &Claim) -> String {
    match c {
        Claim::Content(b) | Claim::Upper(b) => show(b, 32),
        Claim::Digest { len, .. } => format!("a digest of {len} bytes"),
        Claim::Len(n) => format!("a length of {n}"),
    }
}

/// Locates every claim in the stream and gives the verdict, with a detail.
///
/// Each reply is located at the first place it matches. Where messages
/// have headers, a reply may match both at a frame's start (a server that
/// read header bytes as the message) and at its payload (one that
/// understood it): both readings are made, frames first and payloads
/// first. When they agree, or only one explains every reply, that is the
/// verdict; when both explain every reply and disagree, the replies cannot
/// tell which server this is: `inconclusive`, naming both.
pub fn map_claims(wire: &Wire, claims: &[Claim]) -> Judgement {
    let frames_first = locate(wire, claims, false);
    if !wire.has_headers() {
        return frames_first;
    }
    let payload_first = locate(wire, claims, true);
    match (frames_first.verdict, payload_first.verdict) {
        (a, b) if a == b => frames_first,
        (Verdict::Desync, _) => payload_first,
        (_, Verdict::Desync) => frames_first,
        (a, b) => Judgement::new(
            Verdict::Inconclusive,
            format!(
                "the replies read two ways: as framed bytes, {a} ({}); as payloads, {b} ({})",
                frames_first.detail, payload_first.detail
            ),
        ),
    }
}

/// [`map_claims`] in one reading: each claim located at the first start
/// that matches, frames first or payloads first.
fn locate(wire: &Wire, claims: &[Claim], payload_first: bool) -> Judgement {
    let mut cursor = 0usize;
    let mut covered = vec![false; wire.spans.len()];
    let mut pieces = Vec::with_capacity(claims.len());
    for (i, claim) in claims.iter().enumerate() {
        let len = claim.len();
        if len == 0 {
            // An empty reply stands for the next message if that one is empty.
            let next = wire.spans.iter().position(|(f, s, e)| if s == e { *f >= cursor } else { *e > cursor });
            match next {
                Some(k) if wire.spans[k].1 == wire.spans[k].2 => {
                    covered[k] = true;
                    cursor = wire.spans[k].2;
                    pieces.push(Piece::Exact);
                    continue;
                }
                _ => {
                    return Judgement::new(
                        Verdict::Desync,
                        format!("reply {} is for an empty message, and the next message sent is not empty", i + 1),
                    );
                }
            }
        }
        let len_only = matches!(claim, Claim::Len(_));
        let at = wire.starts(cursor, len_only, payload_first).into_iter().find(|o| {
            o.checked_add(len).is_some_and(|end| end <= wire.bytes.len()) && claim.matches(&wire.bytes[*o..*o + len])
        });
        let Some(o) = at else {
            return Judgement::new(
                Verdict::Desync,
                format!("reply {} ({}) matches no message boundary of what was sent", i + 1, show_claim(claim)),
            );
        };
        let end = o + len;
        // Whole messages the reply covers, and whether it covers part of one.
        let (mut full, mut part) = (0usize, false);
        for (k, (_, s, e)) in wire.spans.iter().enumerate() {
            if s == e {
                continue;
            }
            let overlap = end.min(*e).saturating_sub(o.max(*s));
            if overlap == e - s {
                full += 1;
                covered[k] = true;
            } else if overlap > 0 {
                part = true;
                covered[k] = true;
            }
        }
        // A reply that covers no byte of any message can still be a whole
        // message: an empty one, echoed with its framing (its delimiter,
        // or its header).
        if (full, part) == (0, false)
            && let Some(k) = wire.empty_frame(o, end)
        {
            covered[k] = true;
            full = 1;
        }
        pieces.push(match (full, part) {
            (1, false) => Piece::Exact,
            (f, _) if f >= 2 => Piece::Merged,
            _ => Piece::Part,
        });
        cursor = end;
    }
    let messages = wire.spans.iter().filter(|(_, s, e)| s != e).count()
        + wire.spans.iter().zip(&covered).filter(|((_, s, e), c)| s == e && **c).count();
    let missing = wire.spans.iter().zip(&covered).filter(|((_, s, e), c)| s != e && !**c).count();
    let merged = pieces.iter().filter(|p| **p == Piece::Merged).count();
    let parts = pieces.iter().filter(|p| **p == Piece::Part).count();
    let verdict = match (merged, parts, missing) {
        (0, 0, 0) => Verdict::Intact,
        (0, 0, _) => Verdict::Lost,
        (0, _, _) => Verdict::Split,
        // Merged replies (and perhaps parts): fewer replies than messages
        // is coalesced. With no parts there always are fewer: each merged
        // reply covers two messages or more, every other reply one.
        _ if claims.len() < messages => Verdict::Coalesced,
        _ if claims.len() > messages => Verdict::Split,
        _ => Verdict::Desync,
    };
    let what = match verdict {
        Verdict::Intact => format!("each reply is one of the {messages} message(s)"),
        Verdict::Lost => format!("{missing} message(s) got no reply"),
        Verdict::Coalesced => format!("{merged} repl(ies) cover several messages: messages merged"),
        Verdict::Split => format!("{parts} repl(ies) cover part of a message: messages taken in pieces"),
        _ => "replies cover messages merged and in pieces".to_string(),
    };
    Judgement::new(verdict, what)
}

/// The stream the client sent, located message by message, when the
/// scenario's messages are what the server must understand.
fn wire(prep: &Prepared, expected: &[Bytes]) -> Option<Wire> {
    if !is_prefix(&prep.messages, expected) {
        return None;
    }
    let mut w = Wire::new(&prep.client_framing, &prep.frames, &prep.messages)?;
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

/// Judges by the count of replies: fewer than messages is `coalesced`, more
/// is `split`, none is `hang` (the caller tells a peer that closed).
fn by_count(got: usize, want: usize) -> Verdict {
    match got.cmp(&want) {
        std::cmp::Ordering::Equal => Verdict::Intact,
        _ if got == 0 => Verdict::Hang,
        std::cmp::Ordering::Less => Verdict::Coalesced,
        std::cmp::Ordering::Greater => Verdict::Split,
    }
}

/// Judges the replies by a pattern: every reply must match; a `len` group
/// locates them in the stream like a digest, else they are counted.
fn by_pattern(pattern: &str, prep: &Prepared, r: &[Bytes], expected: &[Bytes]) -> Judgement {
    let re = match regex::bytes::Regex::new(pattern) {
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
            return map_claims(&w, &lens);
        }
    }
    Judgement::new(by_count(r.len(), expected.len()), "")
}

/// Judges raw replies by their total size (and, for `echo`/`upper`, their
/// bytes against what was sent).
fn by_bytes(sc: &Scenario, prep: &Prepared, out: &ClientOutcome, want: usize) -> Judgement {
    let got: Vec<u8> = out.replies.iter().flat_map(|r| r.iter().copied()).collect();
    let sent = fault::written(&prep.actions);
    let head = format!("{} of {want} bytes came back", got.len());
    let same = match sc.response.expect {
        ResponseExpect::Echo => got[..] == sent[..got.len().min(sent.len())],
        ResponseExpect::Upper => got[..] == sent[..got.len().min(sent.len())].to_ascii_uppercase()[..],
        _ => true,
    };
    if !same {
        return Judgement::new(Verdict::Desync, format!("{head}, and they are not the bytes sent"));
    }
    match got.len().cmp(&want) {
        std::cmp::Ordering::Equal => Judgement::new(Verdict::Intact, head),
        std::cmp::Ordering::Greater => Judgement::new(Verdict::Desync, format!("{head}: more than expected")),
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
        v.iter().map(|x| std::str::from_utf8(x).ok()?.strip_prefix("len=")?.split(' ').next()?.parse().ok()).collect()
    };
    match lens(r) {
        Some(got) if got.iter().sum::<usize>() == expected.iter().map(Bytes::len).sum::<usize>() => {
            if got.len() < expected.len() { Verdict::Coalesced } else { Verdict::Split }
        }
        _ if r.len() < expected.len() => Verdict::Lost,
        _ => Verdict::Desync,
    }
}

/// A `len=N sha256=HEX` digest line, anywhere in a stream.
pub fn digest_line() -> regex::bytes::Regex {
    regex::bytes::Regex::new(r"len=(\d+) sha256=([0-9a-fA-F]{64})").expect("a valid pattern")
}

/// What to say when unframed replies cannot tell merged from separate.
pub const UNDECIDABLE: &str = "with no reply framing, one merged reply and several replies are the same bytes: \
frame your replies ([response] framing) or reply with a digest (len=N sha256=HEX) to decide";

/// Counts a fixed reply text in the stream: every byte must belong to
/// one; fewer than `want` is `coalesced`, more is `split`.
fn by_text(s: &[u8], text: &[u8], want: usize) -> Judgement {
    let (n, stray) = crate::client::occurrences(s, text);
    if stray > 0 {
        return Judgement::new(
            Verdict::Desync,
            format!("{stray} byte(s) of the reply stream are not {}", show(text, 32)),
        );
    }
    Judgement::new(by_count(n, want), format!("{n} x {} in the reply stream, {want} expected", show(text, 32)))
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

/// Echo or upper replies with no reply framing: the bytes can say
/// "not what was sent" or "not all of it", never how it was cut.
fn echo_stream(sc: &Scenario, prep: &Prepared, s: &[u8], expected: &[Bytes]) -> Judgement {
    let upper = sc.response.expect == ResponseExpect::Upper;
    let shape = |b: &[u8]| if upper { b.to_ascii_uppercase() } else { b.to_vec() };
    let want = shape(&expected.concat());
    let wire = shape(&fault::written(&prep.actions));
    let head = format!("{} of {} bytes came back", s.len(), want.len());
    if s.is_empty() {
        return Judgement::new(Verdict::Hang, head);
    }
    if s == &want[..] || s == &wire[..] {
        return Judgement::new(Verdict::Inconclusive, format!("{head}, the bytes sent; but {UNDECIDABLE}"));
    }
    if want.starts_with(s) || wire.starts_with(s) {
        return Judgement::new(Verdict::Hang, format!("{head}; the rest never came"));
    }
    Judgement::new(Verdict::Desync, format!("{head}, and they are not the bytes sent"))
}

/// Digest lines found anywhere in the stream (self-delimiting): located in
/// what was sent, whatever the reads.
fn digests_in_stream(prep: &Prepared, s: &[u8], expected: &[Bytes]) -> Judgement {
    let re = digest_line();
    let mut claims = Vec::new();
    let mut lines = Vec::new();
    let mut end = 0;
    for c in re.captures_iter(s) {
        let m = c.get(0).expect("a match");
        if !s[end..m.start()].iter().all(u8::is_ascii_whitespace) {
            return Judgement::new(
                Verdict::Desync,
                format!("bytes before digest {} are not a digest", claims.len() + 1),
            );
        }
        end = m.end();
        lines.push(Bytes::copy_from_slice(m.as_bytes()));
        match Claim::parse_digest(m.as_bytes()) {
            Some(claim) => claims.push(claim),
            None => return Judgement::new(Verdict::Desync, "a digest line that does not parse"),
        }
    }
    if !s[end..].iter().all(u8::is_ascii_whitespace) {
        return Judgement::new(Verdict::Desync, "the reply stream ends with bytes that are not a digest");
    }
    if let Some(w) = wire(prep, expected) {
        let mut j = map_claims(&w, &claims);
        if j.verdict == Verdict::Lost && claims.is_empty() {
            j.verdict = Verdict::Hang;
        }
        return j;
    }
    let with_newline: Vec<Bytes> = lines.iter().map(|l| Bytes::from([&l[..], b"\n"].concat())).collect();
    Judgement::new(by_digests(&with_newline, expected), "")
}

/// The verdict of an unframed reply stream: fixed texts counted, digest
/// lines and patterns found by scanning, echo compared as bytes. Where
/// framelab's reads cut the stream plays no part.
fn by_stream(sc: &Scenario, prep: &Prepared, s: &[u8], expected: &[Bytes]) -> Judgement {
    if let Some(list) = &sc.response.replies {
        let want: Vec<Bytes> = list.iter().map(|m| Bytes::copy_from_slice(m.as_bytes())).collect();
        if let Some(w0) = want.first().filter(|w0| want.iter().all(|x| x == *w0)) {
            return by_text(s, w0, want.len());
        }
        if s.is_empty() {
            return Judgement::new(Verdict::Hang, "no reply bytes");
        }
        return match cut_into_items(s, &want) {
            Some(items) => Judgement::new(classify(&want, &items), "the reply stream read as items of the list"),
            None => Judgement::new(Verdict::Desync, "the reply stream is not made of the listed replies"),
        };
    }
    if let Some(p) = &sc.response.pattern {
        let re = match regex::bytes::Regex::new(p) {
            Ok(re) => re,
            Err(e) => return Judgement::new(Verdict::Desync, format!("bad match pattern: {e}")),
        };
        // Searched anywhere in the stream: `^` anchors at its start only.
        let found: Vec<Bytes> = re.find_iter(s).map(|m| Bytes::copy_from_slice(m.as_bytes())).collect();
        if found.is_empty() && !s.is_empty() {
            return Judgement::new(Verdict::Desync, format!("the reply stream has no match of /{p}/"));
        }
        return by_pattern(p, prep, &found, expected);
    }
    match sc.response.expect {
        ResponseExpect::Ack => by_text(s, ACK, expected.len()),
        ResponseExpect::Digest => digests_in_stream(prep, s, expected),
        ResponseExpect::Echo | ResponseExpect::Upper => echo_stream(sc, prep, s, expected),
        ResponseExpect::Reply if s.is_empty() => Judgement::new(Verdict::Hang, "no reply bytes"),
        ResponseExpect::Reply => Judgement::new(
            Verdict::Inconclusive,
            "replies of any content cannot be counted in an unframed stream: frame your replies ([response] framing)",
        ),
        ResponseExpect::None => Judgement::new(Verdict::Intact, ""),
    }
}

/// The verdict of the replies by what `[response]` says they are, with a
/// detail when the replies were located in the stream.
fn by_response(sc: &Scenario, prep: &Prepared, r: &[Bytes], expected: &[Bytes]) -> Judgement {
    if let Some(list) = &sc.response.replies {
        let want: Vec<Bytes> = list.iter().map(|m| Bytes::copy_from_slice(m.as_bytes())).collect();
        // The same reply to every message (an ack) tells only a count.
        let fixed = want.first().is_some_and(|w0| want.iter().chain(r.iter()).all(|x| x == w0));
        return Judgement::new(
            match classify(&want, r) {
                _ if fixed => by_count(r.len(), want.len()),
                Verdict::Lost if r.is_empty() => Verdict::Hang,
                v => v,
            },
            "",
        );
    }
    if let Some(p) = &sc.response.pattern {
        return by_pattern(p, prep, r, expected);
    }
    if let (Some(c), Some(w)) = (claims(sc, r), wire(prep, expected)) {
        let mut j = map_claims(&w, &c);
        if j.verdict == Verdict::Lost && r.is_empty() {
            j.verdict = Verdict::Hang;
        }
        return j;
    }
    let v = match sc.response.expect {
        ResponseExpect::Echo => classify(expected, r),
        ResponseExpect::Upper => {
            let up: Vec<Bytes> = expected.iter().map(|m| Bytes::from(m.to_ascii_uppercase())).collect();
            classify(&up, r)
        }
        ResponseExpect::Digest => by_digests(r, expected),
        ResponseExpect::Ack | ResponseExpect::Reply => {
            let content_ok = sc.response.expect == ResponseExpect::Reply || r.iter().all(|x| &x[..] == ACK);
            if !content_ok { Verdict::Desync } else { by_count(r.len(), expected.len()) }
        }
        ResponseExpect::None => Verdict::Intact,
    };
    Judgement::new(v, "")
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

/// Judges by replies alone (black-box targets, or `[response] expect`).
pub fn judge_replies(sc: &Scenario, prep: &Prepared, out: &ClientOutcome, expected: &[Bytes]) -> Judgement {
    if let Some(answers) = &sc.response.answers {
        return super::protocol::judge_answers(answers, prep, out);
    }
    if let Some(err) = &out.connect_error {
        return Judgement::new(Verdict::Closed, err.clone());
    }
    let r = &out.replies;
    let head = format!("sent {} message(s); {} repl(ies) came back", expected.len(), r.len());
    if let Some(err) = out.reply_errors.first().filter(|e| !ReplyError::is_transport(e)) {
        return Judgement::new(Verdict::Desync, format!("{head}; a reply failed to decode: {err}"));
    }
    if r.iter().any(|r| r.starts_with(b"ERROR:")) {
        return Judgement::new(Verdict::Rejected, format!("{head}; the server refused the input"));
    }
    if let Some(n) = sc.response.bytes {
        return by_bytes(sc, prep, out, n);
    }
    if matches!(prep.client_framing, FramingSpec::Udp { .. })
        && let Some(j) = udp_truncation(sc, r, expected)
    {
        return Judgement::new(j.verdict, format!("{head}: {}", j.detail));
    }
    let judged = if out.unframed {
        let stream = r.concat();
        let head = format!("sent {} message(s); {} reply byte(s) came back", expected.len(), stream.len());
        (by_stream(sc, prep, &stream, expected), head)
    } else {
        (by_response(sc, prep, r, expected), head)
    };
    let (Judgement { verdict: v, detail: why, .. }, head) = judged;
    let head = if why.is_empty() { head } else { format!("{head}: {why}") };
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
    if r.len() < expected.len() && (out.reset_by_peer || out.peer_closed_early) && is_prefix(expected, r) {
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

    fn wire(framing: &str, msgs: &[&str]) -> Wire {
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
        Wire::new(&spec, &frames, &messages).unwrap()
    }

    fn digest(s: &[u8]) -> Claim {
        Claim::parse_digest(&crate::server::handler::digest_reply(s)).unwrap()
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

    /// `empty_frame`: only the whole frame of an empty message (from its
    /// frame or payload start to the next frame), never part of it, nor a
    /// message with bytes.
    #[test]
    fn only_an_empty_messages_whole_frame_is_that_message() {
        // (0, 4, 5) (5, 9, 9) (9, 13, 14): a, "", b.
        let w = wire("length-prefix", &["a", "", "b"]);
        assert_eq!(w.empty_frame(5, 9), Some(1));
        assert_eq!(w.empty_frame(5, 7), None);
        assert_eq!(w.empty_frame(7, 9), None);
        assert_eq!(w.empty_frame(9, 9), None);
        assert_eq!(w.empty_frame(0, 5), None);
        assert_eq!(w.empty_frame(9, 14), None);
        // (0, 0, 1) (2, 2, 2) (3, 3, 4): a\n \n b\n.
        let w = wire("delimiter", &["a", "", "b"]);
        assert_eq!(w.empty_frame(2, 3), Some(1));
        assert_eq!(w.empty_frame(2, 2), None);
        assert_eq!(w.empty_frame(0, 2), None);
    }

    /// A reply that is both a message's payload and the start of its
    /// frame: a server that understood the message, or one that read a
    /// header byte as a message. The replies cannot tell them apart.
    /// Found by the `judge_claims` fuzz target (a message of one 0 byte).
    #[test]
    fn a_reply_that_is_a_payload_and_a_header_is_inconclusive() {
        let c = |s: &[u8]| Claim::Content(Bytes::copy_from_slice(s));
        let w = wire("length-prefix", &["\0"]);
        let got = map_claims(&w, &[c(b"\0")]);
        assert_eq!(got.verdict, Verdict::Inconclusive, "{}", got.detail);
        assert!(
            got.detail.contains("as framed bytes, split") && got.detail.contains("as payloads, intact"),
            "{}",
            got.detail
        );
        // The whole frame echoed can only be the frame.
        assert_eq!(map_claims(&w, &[c(b"\0\0\0\x01\0")]).verdict, Verdict::Intact);
        // Text payloads never match a binary header: no doubt.
        let w = wire("length-prefix", &["a", "b"]);
        assert_eq!(map_claims(&w, &[c(b"a"), c(b"b")]).verdict, Verdict::Intact);
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
            // A server that sends nothing for the empty message.
            let got = map_claims(&w, &[one.clone(), one.clone()]);
            assert_eq!(got.verdict, Verdict::Intact, "{framing}: {}", got.detail);
            assert_eq!(map_claims(&w, &[one.clone(), Claim::Len(3)]).verdict, Verdict::Desync, "{framing}");
        }
    }
}
