//! [`classify`]: what should have been understood against what was, by
//! content and boundaries, as a [`Verdict`]; every judge uses it.

use bytes::Bytes;

use crate::scenario::Verdict;

/// Compares the messages a receiver should have understood with what it
/// understood, by content and boundaries:
///
/// - the same messages: `intact`;
/// - the same bytes with other boundaries: `coalesced` when the first
///   message that differs is longer than sent (merged with the next),
///   `split` when it is shorter;
/// - whole non-empty messages missing, the rest in order: `lost`;
/// - as many messages, each a prefix of the one sent, some shorter:
///   `truncated`;
/// - anything else (bytes misread as framing): `desync`.
///
/// Missing empty messages alone (nothing went on the wire) count as
/// `intact` here; the caller decides from the client side (a `hang`).
pub fn classify(expected: &[Bytes], observed: &[Bytes]) -> Verdict {
    if expected == observed {
        return Verdict::Intact;
    }
    let non_empty: Vec<&Bytes> = expected.iter().filter(|m| !m.is_empty()).collect();
    let observed_non_empty: Vec<&Bytes> = observed.iter().filter(|m| !m.is_empty()).collect();
    let extra_empty = observed.len() - observed_non_empty.len() > expected.len() - non_empty.len();
    if non_empty == observed_non_empty && !extra_empty {
        return Verdict::Intact;
    }
    let sent: Vec<u8> = expected.iter().flat_map(|m| m.iter().copied()).collect();
    let seen: Vec<u8> = observed.iter().flat_map(|m| m.iter().copied()).collect();
    if sent == seen && extra_empty {
        return Verdict::Desync;
    }
    if sent == seen {
        // The same bytes with other boundaries: the first message that
        // differs says what went wrong first.
        let first = non_empty.iter().zip(&observed_non_empty).find(|(e, o)| e != o);
        return match first {
            Some((e, o)) if o.len() < e.len() => Verdict::Split,
            // Longer than sent. (`None` cannot happen: non-empty messages
            // that agree as far as both go, with the same bytes in all,
            // are the same list, intact above.)
            _ => Verdict::Coalesced,
        };
    }
    let all_expected: Vec<&Bytes> = expected.iter().collect();
    let all_observed: Vec<&Bytes> = observed.iter().collect();
    if is_subsequence(&all_observed, &all_expected) {
        return Verdict::Lost;
    }
    if expected.len() == observed.len()
        && expected.iter().zip(observed).all(|(e, o)| e.starts_with(o) && (!o.is_empty() || e.is_empty()))
    {
        return Verdict::Truncated;
    }
    Verdict::Desync
}

fn is_subsequence(small: &[&Bytes], big: &[&Bytes]) -> bool {
    let mut it = big.iter();
    small.iter().all(|s| it.any(|b| b == s))
}

/// Whether the observed messages are the first messages expected (the
/// receiver stopped early but misread nothing).
pub fn is_prefix(expected: &[Bytes], observed: &[Bytes]) -> bool {
    observed.len() <= expected.len() && expected.iter().zip(observed).all(|(e, o)| e == o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(v: &[&str]) -> Vec<Bytes> {
        v.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect()
    }

    #[test]
    fn verdicts_follow_content_and_boundaries() {
        let e = b(&["hello", "world"]);
        assert_eq!(classify(&e, &b(&["hello", "world"])), Verdict::Intact);
        assert_eq!(classify(&e, &b(&["helloworld"])), Verdict::Coalesced);
        assert_eq!(classify(&e, &b(&["hel", "lo", "world"])), Verdict::Split);
        assert_eq!(classify(&e, &b(&["hello"])), Verdict::Lost);
        assert_eq!(classify(&e, &b(&["world"])), Verdict::Lost);
        assert_eq!(classify(&e, &b(&["hel", "world"])), Verdict::Truncated);
        assert_eq!(classify(&e, &b(&["5world"])), Verdict::Desync);
        assert_eq!(classify(&e, &b(&["hell", "owor", "ld"])), Verdict::Split);
        assert_eq!(classify(&e, &b(&["hel", "loworld"])), Verdict::Split);
        assert_eq!(classify(&e, &b(&["hellow", "orld"])), Verdict::Coalesced);
        assert_eq!(classify(&b(&["a", "b", "c"]), &b(&["a", "bc"])), Verdict::Coalesced);
        assert_eq!(classify(&b(&["a", "", "b"]), &b(&["a", "b"])), Verdict::Intact);
        assert_eq!(classify(&e, &[]), Verdict::Lost);
        // An empty message understood where none was sent is a misread header.
        assert_eq!(classify(&b(&["w"]), &b(&[""])), Verdict::Desync);
        assert_eq!(classify(&b(&["w"]), &b(&["w", ""])), Verdict::Desync);
    }
}
