//! A hint for replies that are not of the kind the scenario expects: a
//! server that answers `got 5` where a digest line was expected fails
//! every scenario, and the verdict alone does not say why. The hint
//! shows the first bytes of the first such reply and what would parse.
//!
//! It is composed here, beside the judge's call, and only added to the
//! detail: it never changes a verdict.

use bytes::Bytes;

use crate::client::ClientOutcome;
use crate::framing::show;
use crate::scenario::Scenario;
use crate::scenario::model::ResponseExpect;

/// Whether a reply is of the expected kind.
type Parses = Box<dyn Fn(&[u8]) -> bool>;

/// Bytes of a reply shown in the hint.
const SHOWN: usize = 40;

/// The hint for `out`'s replies, when one does not parse as `sc`'s
/// `[response]` expects (`expect = "digest"`, `"ack"` or `match`).
pub fn reply_kind_hint(sc: &Scenario, out: &ClientOutcome) -> Option<String> {
    let r = &sc.response;
    if r.answers.is_some() || r.replies.is_some() || r.bytes.is_some() {
        return None;
    }
    let replies: Vec<Bytes> = if out.unframed { lines(&out.replies.concat()) } else { out.replies.clone() };
    let (kind, parses): (String, Parses) = match (&r.pattern, r.expect) {
        (Some(p), _) => {
            let re = regex::bytes::Regex::new(p).ok()?;
            (format!("a match of /{p}/"), Box::new(move |x| re.is_match(x)))
        }
        (None, ResponseExpect::Digest) => {
            let len = regex::bytes::Regex::new(r"\blen=\d+\b").ok()?;
            let sha = regex::bytes::Regex::new(r"\bsha256=[0-9a-fA-F]{64}\b").ok()?;
            ("a digest line (`len=N sha256=HEX`)".to_owned(), Box::new(move |x| len.is_match(x) && sha.is_match(x)))
        }
        (None, ResponseExpect::Ack) => (
            format!("the ack {:?}", String::from_utf8_lossy(crate::reply::ACK)),
            Box::new(|x| trim(x) == crate::reply::ACK),
        ),
        _ => return None,
    };
    // `ERROR: ...` is a refusal, which the judge reads as such (for
    // digest, ack and match replies): no hint about its kind.
    let (i, bad) = replies.iter().enumerate().find(|(_, x)| !parses(x) && !x.starts_with(b"ERROR:"))?;
    let pattern = suggest_pattern(trim(bad));
    let init = format!("framelab init --match {}", shell_quote(&pattern));
    Some(format!(
        "reply {} {} is not {kind}: if that is what your server answers, say so in [response]: \
         match = '{pattern}' (or {init}), or expect = \"echo\" (--reply echo) if it sends each message back",
        i + 1,
        show(bad, SHOWN),
    ))
}

/// A stream cut after each `\n` (an unframed reply stream, read as lines
/// only to show one of them).
fn lines(stream: &[u8]) -> Vec<Bytes> {
    stream.split_inclusive(|b| *b == b'\n').map(Bytes::copy_from_slice).collect()
}

/// `x` without its line ending.
fn trim(x: &[u8]) -> &[u8] {
    let x = x.strip_suffix(b"\n").unwrap_or(x);
    x.strip_suffix(b"\r").unwrap_or(x)
}

/// A pattern that matches `reply` with its first number as the `len`
/// group (the rest literal; other numbers as `\d+`), e.g. `got 5` gives
/// `got (?P<len>\d+)`. Without a number: the reply, literally.
pub fn suggest_pattern(reply: &[u8]) -> String {
    let text = String::from_utf8_lossy(&reply[..reply.len().min(80)]).into_owned();
    let mut out = String::from("^");
    let mut first = true;
    let mut rest = text.as_str();
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        let end = rest[start..].find(|c: char| !c.is_ascii_digit()).map_or(rest.len(), |e| start + e);
        out.push_str(&regex::escape(&rest[..start]));
        out.push_str(if first { r"(?P<len>\d+)" } else { r"\d+" });
        first = false;
        rest = &rest[end..];
    }
    out.push_str(&regex::escape(rest));
    out.push('$');
    out
}

/// `s` in single quotes for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_number_becomes_the_len_group() {
        assert_eq!(suggest_pattern(b"got 5"), r"^got (?P<len>\d+)$");
        assert_eq!(suggest_pattern(b"ok 12 of 3."), r"^ok (?P<len>\d+) of \d+\.$");
        assert_eq!(suggest_pattern(b"OK"), "^OK$");
        let re = regex::Regex::new(&suggest_pattern(b"[5] bytes")).unwrap();
        assert_eq!(&re.captures("[5] bytes").unwrap()["len"], "5");
    }

    #[test]
    fn a_got_n_reply_to_a_digest_scenario_gets_a_hint_and_a_digest_reply_none() {
        let text = "name = \"x\"\n[target]\naddr = \"127.0.0.1:9\"\n[client]\nframing = \"delimiter\"\nmessages = [\"hello\"]\n\
                    [response]\nframing = \"delimiter\"\nexpect = \"digest\"\n";
        let sc = crate::scenario::parse(text, std::path::Path::new("x.toml")).unwrap();
        let out = |reply: &str| ClientOutcome { replies: vec![Bytes::from(reply.to_owned())], ..Default::default() };
        let hint = reply_kind_hint(&sc, &out("got 5")).expect("a hint");
        assert!(hint.contains("\"got 5\" is not a digest line"), "{hint}");
        assert!(hint.contains(r"match = '^got (?P<len>\d+)$'"), "{hint}");
        assert!(hint.contains("--reply echo"), "{hint}");
        let digest = format!("len=5 sha256={}", "a".repeat(64));
        assert_eq!(reply_kind_hint(&sc, &out(&digest)), None);
        assert_eq!(reply_kind_hint(&sc, &out("ERROR: message too long")), None, "a refusal is no wrong kind");
    }
}
