//! What a reply claims the server understood ([`Claim`]), and the stream
//! the client sent, located message by message ([`SentStream`]), on which
//! the black-box judge and its readings place the claims.

use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::framing::FramingSpec;

/// What one reply says the server understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The message itself (echo).
    Content(Bytes),
    /// The message upper-cased: as Python's `str.upper()` where the
    /// message is UTF-8 ("café" -> "CAFÉ", "ß" -> "SS"), or its ASCII
    /// letters alone (`bytes.upper()`).
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
    /// The length of the reply's claim: the message's length, or for
    /// `Upper` the upper-cased bytes' (the message may differ in length).
    pub(super) fn len(&self) -> usize {
        match self {
            Claim::Content(b) | Claim::Upper(b) => b.len(),
            Claim::Digest { len, .. } | Claim::Len(len) => *len,
        }
    }

    /// Where a message this claim is about may end when it starts at `o`
    /// of `bytes` (none, one, or for `Upper` both an ASCII and a Unicode
    /// reading).
    pub(super) fn ends(&self, bytes: &[u8], o: usize) -> impl Iterator<Item = usize> + use<> {
        let fixed = |len: usize, ok: &dyn Fn(&[u8]) -> bool| {
            o.checked_add(len).filter(|end| *end <= bytes.len() && ok(&bytes[o..*end]))
        };
        let (a, b) = match self {
            Claim::Content(c) => (fixed(c.len(), &|x| x == &c[..]), None),
            Claim::Digest { len, sha256 } => (fixed(*len, &|x| Sha256::digest(x).as_slice() == sha256), None),
            Claim::Len(len) => (fixed(*len, &|_| true), None),
            Claim::Upper(u) => {
                let ascii = fixed(u.len(), &|x| x.iter().zip(u.iter()).all(|(x, u)| x.to_ascii_uppercase() == *u));
                let unicode = bytes.get(o..).and_then(|src| unicode_upper_end(u, src)).map(|n| o + n);
                (ascii, unicode.filter(|e| Some(*e) != ascii))
            }
        };
        a.into_iter().chain(b)
    }

    /// Whether `bytes` are the message this claim is about.
    pub(super) fn matches(&self, bytes: &[u8]) -> bool {
        self.ends(bytes, 0).any(|e| e == bytes.len())
    }

    /// A digest reply's claim ([`crate::reply::parse_digest`]).
    pub fn parse_digest(reply: &[u8]) -> Option<Claim> {
        crate::reply::parse_digest(reply).map(|(len, sha256)| Claim::Digest { len, sha256 })
    }
}

/// How many bytes of `src` (UTF-8, char by char) upper-case into exactly
/// `upper` (Unicode, as `str.upper()`).
fn unicode_upper_end(upper: &[u8], src: &[u8]) -> Option<usize> {
    let (mut i, mut j) = (0usize, 0usize);
    let mut buf = [0u8; 4];
    while j < upper.len() {
        let ch = first_char(&src[i..])?;
        for u in ch.to_uppercase() {
            let s = u.encode_utf8(&mut buf).as_bytes();
            if !upper[j..].starts_with(s) {
                return None;
            }
            j += s.len();
        }
        i += ch.len_utf8();
    }
    Some(i)
}

/// The first UTF-8 character of `b`, if it starts with a whole one.
fn first_char(b: &[u8]) -> Option<char> {
    let n = match *b.first()? {
        x if x < 0x80 => 1,
        x if x >> 5 == 0b110 => 2,
        x if x >> 4 == 0b1110 => 3,
        x if x >> 3 == 0b11110 => 4,
        _ => return None,
    };
    std::str::from_utf8(b.get(..n)?).ok()?.chars().next()
}

/// `b` upper-cased as `str.upper()` does where it is UTF-8, else its ASCII
/// letters.
pub fn upper(b: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_uppercase().into_bytes(),
        Err(_) => b.to_ascii_uppercase(),
    }
}

/// Whether `reply` is a prefix of `sent` echoed or upper-cased (either
/// way: ASCII letters, or Unicode).
pub(super) fn echoes_prefix(reply: &[u8], sent: &[u8], up: bool) -> bool {
    if !up {
        return sent.starts_with(reply);
    }
    upper_prefix(reply, sent).is_some()
}

/// Whether `reply` is the first bytes of `sent` upper-cased piece by
/// piece, each character as `str.upper()` does or each byte as
/// `bytes.upper()` does (a server upper-casing each read, where a read may
/// cut a character), trying the Unicode way first.
/// `Some(bytes of sent consumed)` when it is.
pub(super) fn upper_prefix(reply: &[u8], sent: &[u8]) -> Option<usize> {
    let (mut i, mut j) = (0usize, 0usize);
    let mut buf = [0u8; 4];
    while i < reply.len() {
        let &b = sent.get(j)?;
        if let Some(ch) = first_char(&sent[j..]).filter(|c| !c.is_ascii()) {
            let mut up = Vec::with_capacity(4);
            for u in ch.to_uppercase() {
                up.extend_from_slice(u.encode_utf8(&mut buf).as_bytes());
            }
            // The whole upper-cased character, or the start of it (the
            // reply may end inside it).
            let n = up.len().min(reply.len() - i);
            if reply[i..i + n] == up[..n] {
                i += n;
                j += ch.len_utf8();
                continue;
            }
        }
        if reply[i] != b.to_ascii_uppercase() {
            return None;
        }
        i += 1;
        j += 1;
    }
    Some(j)
}

/// The stream the client sent, with where each message lies in it.
#[derive(Debug, Clone)]
pub struct SentStream {
    pub(super) bytes: Vec<u8>,
    /// (frame start, payload start, payload end) per message.
    pub(super) spans: Vec<(usize, usize, usize)>,
}

impl SentStream {
    /// The stream of `frames`, one per message, framed with `framing`.
    /// `None` when frames and messages do not pair up (a forged header).
    pub fn new(framing: &FramingSpec, frames: &[Bytes], messages: &[Bytes]) -> Option<SentStream> {
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
                    FramingSpec::Delimiter(crate::framing::DelimiterFormat { .. }) if f.starts_with(m) => 0,
                    FramingSpec::LengthPrefix(_) | FramingSpec::JsonHeader(_) if f.ends_with(m) => f.len() - m.len(),
                    _ => return None,
                }
            };
            let start = bytes.len();
            spans.push((start, start + offset, start + offset + m.len()));
            bytes.extend_from_slice(f);
        }
        Some(SentStream { bytes, spans })
    }

    /// The stream's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// (frame start, payload start, payload end) per message.
    pub fn spans(&self) -> &[(usize, usize, usize)] {
        &self.spans
    }

    /// Keeps only the first `n` messages as expected (the rest were not
    /// meant to be understood, e.g. after a reset).
    pub fn truncate(&mut self, n: usize) {
        if n < self.spans.len() {
            let end = self.spans[n].0;
            self.bytes.truncate(end);
        }
        self.spans.truncate(n);
    }
}
