//! Black-box oracles: a verdict from what comes back from a server we
//! cannot look into (its replies), and from what a client under test does
//! (its exit status and output).
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

use super::model::{ClientUnderTestSection, Verdict};
use super::oracle::{classify, is_prefix};
use crate::framing::FramingSpec;
use crate::target::CommandOutcome;

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
        Claim::Content(b) | Claim::Upper(b) => super::runner::show(b, 32),
        Claim::Digest { len, .. } => format!("a digest of {len} bytes"),
        Claim::Len(n) => format!("a length of {n}"),
    }
}

/// Locates every claim in the stream and gives the verdict, with a detail.
pub fn map_claims(wire: &Wire, claims: &[Claim]) -> (Verdict, String) {
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
                    return (
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
            return (
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
    (verdict, what)
}

/// The lines of a text, without the empty line after a final newline.
fn lines(text: &str) -> Vec<Bytes> {
    let t = text.strip_suffix('\n').unwrap_or(text);
    if t.is_empty() && text.len() <= 1 {
        return Vec::new();
    }
    t.split('\n').map(|l| Bytes::copy_from_slice(l.strip_suffix('\r').unwrap_or(l).as_bytes())).collect()
}

/// A client under test, judged by its exit status and output against what
/// a correct client does (see scenarios/README.md for the table):
///
/// - still running at its timeout: `hang`;
/// - stdout lines differ from `expect-stdout`: `coalesced`, `split`,
///   `lost`, `truncated` as the lines compare, or `desync` (also when it
///   exited wrongly after printing only the first lines expected);
/// - stdout does not match `stdout-match`, or the exit code differs:
///   `desync` (it misread what it got); killed by a signal: `closed`;
/// - everything as expected: `intact` (expected exit 0) or `rejected`
///   (a non-zero exit expected: it refused bad input cleanly).
///
/// Returns the verdict, a detail, and the stdout lines.
pub fn judge_client(cut: &ClientUnderTestSection, out: &CommandOutcome) -> (Verdict, String, Vec<Bytes>) {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let got = lines(&stdout);
    let status = out.status_text(cut.timeout);
    let shown: Vec<String> = got.iter().take(4).map(|l| super::runner::show(l, 60)).collect();
    let more = if got.len() > 4 { format!(" and {} more", got.len() - 4) } else { String::new() };
    let head = format!("`{}`: {status}, {} line(s) of stdout [{}{more}]", out.command, got.len(), shown.join(", "));
    let stderr = if out.stderr.trim().is_empty() { String::new() } else { crate::target::stderr_note(&out.stderr) };
    let verdict = |v: Verdict, why: &str| (v, format!("{head}: {why}{stderr}"), got.clone());
    if out.timed_out {
        return verdict(Verdict::Hang, "the client never finished");
    }
    let exit_ok = out.code == Some(cut.expect_exit);
    if let Some(want) = &cut.expect_stdout {
        let want = lines(want);
        if want != got {
            if !exit_ok && is_prefix(&want, &got) {
                return verdict(
                    Verdict::Desync,
                    &format!("it stopped after {} of {} expected line(s)", got.len(), want.len()),
                );
            }
            let v = match classify(&want, &got) {
                Verdict::Intact => Verdict::Desync,
                v => v,
            };
            return verdict(v, &format!("expected {} line(s) of stdout, as the scenario says", want.len()));
        }
    }
    if let Some(p) = &cut.stdout_match {
        match regex::Regex::new(p) {
            Ok(re) if re.is_match(&stdout) => {}
            Ok(_) => return verdict(Verdict::Desync, &format!("stdout does not match /{p}/")),
            Err(e) => return verdict(Verdict::Desync, &format!("bad stdout-match: {e}")),
        }
    }
    if !exit_ok {
        if out.code.is_none() && out.signal.is_some() {
            return verdict(Verdict::Closed, "the client died of a signal");
        }
        return verdict(Verdict::Desync, &format!("a correct client exits {}", cut.expect_exit));
    }
    if cut.expect_exit == 0 {
        verdict(Verdict::Intact, "as a correct client")
    } else {
        verdict(Verdict::Rejected, "it refused the input, as a correct client does")
    }
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
        assert_eq!(map_claims(&w, &[digest(b"hello"), digest(b"world")]).0, Verdict::Intact);
        assert_eq!(map_claims(&w, &[digest(b"helloworld")]).0, Verdict::Coalesced);
        assert_eq!(map_claims(&w, &[digest(b"hel"), digest(b"low"), digest(b"orld")]).0, Verdict::Split);
        assert_eq!(map_claims(&w, &[digest(b"world")]).0, Verdict::Lost);
        assert_eq!(map_claims(&w, &[digest(b"hellx")]).0, Verdict::Desync);
        // A delimiter server that keeps the first delimiter inside a merged message.
        let w = wire("delimiter", &["hello", "world"]);
        assert_eq!(map_claims(&w, &[digest(b"hello\nworld")]).0, Verdict::Coalesced);
        assert_eq!(map_claims(&w, &[digest(b"hel"), digest(b"lo"), digest(b"wor"), digest(b"ld")]).0, Verdict::Split);
        // A length-prefix server whose header was cut: an empty message nobody sent.
        let w = wire("length-prefix", &["hello", "world"]);
        assert_eq!(map_claims(&w, &[digest(b"")]).0, Verdict::Desync);
        assert_eq!(map_claims(&w, &[digest(b"hello"), digest(b"world")]).0, Verdict::Intact);
        assert_eq!(map_claims(&w, &[Claim::Upper(b("HELLO")), Claim::Upper(b("WORLD"))]).0, Verdict::Intact);
        assert_eq!(map_claims(&w, &[Claim::Len(5), Claim::Len(5)]).0, Verdict::Intact);
    }

    #[test]
    fn empty_messages_are_matched_by_empty_replies() {
        let w = wire("length-prefix", &["a", "", "b"]);
        assert_eq!(map_claims(&w, &[digest(b"a"), digest(b""), digest(b"b")]).0, Verdict::Intact);
    }

    fn outcome(code: Option<i32>, stdout: &str) -> CommandOutcome {
        CommandOutcome { command: "c".into(), code, stdout: stdout.as_bytes().to_vec(), ..Default::default() }
    }

    fn cut(exit: i32, stdout: Option<&str>, pattern: Option<&str>) -> ClientUnderTestSection {
        ClientUnderTestSection {
            command: vec!["c".into()],
            expect_exit: exit,
            expect_stdout: stdout.map(String::from),
            stdout_match: pattern.map(String::from),
            timeout: std::time::Duration::from_secs(1),
        }
    }

    #[test]
    fn clients_are_judged_by_exit_status_and_output() {
        let c = cut(0, Some("hello\nworld\n"), None);
        assert_eq!(judge_client(&c, &outcome(Some(0), "hello\nworld\n")).0, Verdict::Intact);
        assert_eq!(judge_client(&c, &outcome(Some(0), "helloworld\n")).0, Verdict::Coalesced);
        assert_eq!(judge_client(&c, &outcome(Some(0), "hel\nlo\nworld\n")).0, Verdict::Split);
        assert_eq!(judge_client(&c, &outcome(Some(1), "")).0, Verdict::Desync);
        assert_eq!(judge_client(&c, &outcome(Some(1), "hello\nworld\n")).0, Verdict::Desync);
        let mut timed_out = outcome(None, "");
        timed_out.timed_out = true;
        assert_eq!(judge_client(&c, &timed_out).0, Verdict::Hang);
        let c = cut(1, None, Some("digest mismatch"));
        assert_eq!(judge_client(&c, &outcome(Some(1), "digest mismatch for a.txt\n")).0, Verdict::Rejected);
        assert_eq!(judge_client(&c, &outcome(Some(0), "contents\n")).0, Verdict::Desync);
    }
}
