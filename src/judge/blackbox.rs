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

    /// Where a claim may start at or after `cursor`: inside the message
    /// `cursor` is in (the rest of a message taken in pieces), then every
    /// message's payload start (and, unless only a length is known, frame
    /// start), in order.
    fn starts(&self, cursor: usize, len_only: bool) -> Vec<usize> {
        let mut v: Vec<usize> = Vec::new();
        if self.spans.iter().any(|(_, s, e)| *s < cursor && cursor < *e) {
            v.push(cursor);
        }
        for (f, s, _) in &self.spans {
            if *s >= cursor {
                v.push(*s);
            }
            if !len_only && *f >= cursor {
                v.push(*f);
            }
        }
        if len_only {
            v.truncate(1);
        }
        v.sort_unstable();
        v.dedup();
        v.truncate(128);
        v
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
pub fn map_claims(wire: &Wire, claims: &[Claim]) -> Judgement {
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
        let at = wire.starts(cursor, len_only).into_iter().find(|o| {
            o.checked_add(len).is_some_and(|end| end <= wire.bytes.len()) && claim.matches(&wire.bytes[*o..*o + len])
        });
        let Some(o) = at else {
            return Judgement::new(
                Verdict::Desync,
                format!("reply {} ({}) matches no message boundary of what was sent", i + 1, show_claim(claim)),
            );
        };
        let end = o + len;
        let (mut full, mut part) = (0, 0);
        for (k, (_, s, e)) in wire.spans.iter().enumerate() {
            if s == e {
                continue;
            }
            let overlap = end.min(*e).saturating_sub(o.max(*s));
            if overlap == e - s {
                full += 1;
                covered[k] = true;
            } else if overlap > 0 {
                part += 1;
                covered[k] = true;
            }
        }
        pieces.push(match (full, part) {
            (1, 0) => Piece::Exact,
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
        (_, 0, _) => Verdict::Coalesced,
        (0, _, _) => Verdict::Split,
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
    if got == want {
        Verdict::Intact
    } else if got == 0 {
        Verdict::Hang
    } else if got < want {
        Verdict::Coalesced
    } else {
        Verdict::Split
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
    let Judgement { verdict: v, detail: why, .. } = by_response(sc, prep, r, expected);
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
}
