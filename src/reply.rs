//! The reply conventions of the reference servers, in one place: what
//! the servers send (the ack text, a digest line) and what the judges and
//! clients read back (the digest line's parser and its pattern in a
//! stream). Servers and judges both import this module, never each other.

use bytes::Bytes;
use sha2::{Digest, Sha256};

/// The tutorials' acknowledgement text (the `ack` handler's reply).
pub const ACK: &[u8] = b"Receive your message!";

/// The `len=N sha256=HEX` text the digest handler replies for `msg`.
pub fn digest_reply(msg: &[u8]) -> Bytes {
    Bytes::from(format!("len={} sha256={}", msg.len(), hex::encode(Sha256::digest(msg))))
}

/// Parses a digest reply: `len=N` and `sha256=HEX` in any order,
/// separated by any white space, other words ignored (`ok len=5
/// sha256=...`): `(len, sha256)`. The one parser of digest lines, framed
/// or found in a stream.
pub fn parse_digest(reply: &[u8]) -> Option<(usize, [u8; 32])> {
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
    Some((len?, sha?))
}

/// A digest line (`len=N` and `sha256=HEX`, in either order, other words
/// allowed), anywhere in a stream: what the client counts replies by. The
/// lines themselves are read with [`parse_digest`].
pub fn digest_line() -> regex::bytes::Regex {
    static LINE: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(
            r"(?m)^[^\n]*(?:\blen=\d+\b[^\n]*\bsha256=[0-9a-fA-F]{64}\b|\bsha256=[0-9a-fA-F]{64}\b[^\n]*\blen=\d+\b)[^\n]*$",
        )
        .expect("a valid pattern")
    });
    LINE.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_reply_parses_back_and_is_found_in_a_stream() {
        let r = digest_reply(b"hello");
        let (len, sha) = parse_digest(&r).unwrap();
        assert_eq!(len, 5);
        assert_eq!(hex::encode(sha), hex::encode(Sha256::digest(b"hello")));
        assert_eq!(parse_digest(b"len=3"), None);
        let stream = [&r[..], b"\n", &digest_reply(b"")[..], b"\n"].concat();
        assert_eq!(digest_line().find_iter(&stream).count(), 2);
    }
}
