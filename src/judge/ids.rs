//! `[response] id = { bytes = "A..B" }`: a reply carries its request's
//! bytes A..B at A..B, so replies are matched to requests by them, in any
//! order (DNS over TCP may answer out of order, RFC 7766 6.2.1.1). The
//! replies are put in their requests' order, and judged as usual from
//! there; a reply whose ID no request had is `desync`.

use bytes::Bytes;

use super::Judgement;
use crate::client::ClientOutcome;
use crate::scenario::Verdict;
use crate::scenario::message::spaced_hex;
use crate::scenario::model::ByteSpan;

/// The outcome with its replies in their requests' order (a second reply
/// with one request's ID after that request's first), and the order they
/// came in when it differs; or `desync` for a reply that carries no
/// request's ID.
pub fn in_request_order(
    span: ByteSpan,
    messages: &[Bytes],
    out: &ClientOutcome,
) -> Result<(ClientOutcome, Option<String>), Judgement> {
    let head = || format!("sent {} message(s); {} repl(ies) came back", messages.len(), out.replies.len());
    let mut taken = vec![false; messages.len()];
    let mut keyed = Vec::with_capacity(out.replies.len());
    for (j, reply) in out.replies.iter().enumerate() {
        let Some(id) = span.of(reply) else {
            return Err(Judgement::new(
                Verdict::Desync,
                format!(
                    "{}; reply {} is {} byte(s), too short to carry an ID at {span}: the server answered something \
                     other than the requests",
                    head(),
                    j + 1,
                    reply.len()
                ),
            ));
        };
        let same = |i: &usize| span.of(&messages[*i]) == Some(id);
        let key = match (0..messages.len()).find(|i| same(i) && !taken[*i]) {
            Some(i) => {
                taken[i] = true;
                2 * i
            }
            // Another reply to an answered request: after its first.
            None => match (0..messages.len()).rfind(same) {
                Some(i) => 2 * i + 1,
                None => {
                    return Err(Judgement::new(
                        Verdict::Desync,
                        format!(
                            "{}; reply {} carries the ID {} at {span}, which no request had: the server answered \
                             bytes it was not sent as a request (pieces, or requests run together)",
                            head(),
                            j + 1,
                            spaced_hex(id)
                        ),
                    ));
                }
            },
        };
        keyed.push((key, j));
    }
    keyed.sort_by_key(|(key, _)| *key);
    let order: Vec<usize> = keyed.iter().map(|(_, j)| *j).collect();
    let moved = order.iter().enumerate().any(|(i, j)| i != *j);
    let mut sorted = out.clone();
    sorted.replies = order.iter().map(|j| out.replies[*j].clone()).collect();
    let note = moved.then(|| {
        let came: Vec<String> = order.iter().map(|j| (j + 1).to_string()).collect();
        format!("replies matched to requests by their ID at {span}; in request order they came {}", came.join(", "))
    });
    Ok((sorted, note))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(replies: &[&[u8]]) -> ClientOutcome {
        ClientOutcome { replies: replies.iter().map(|r| Bytes::copy_from_slice(r)).collect(), ..Default::default() }
    }

    const SPAN: ByteSpan = ByteSpan { start: 0, end: 2 };

    fn msgs(ids: &[[u8; 2]]) -> Vec<Bytes> {
        ids.iter().map(|id| Bytes::from([&id[..], b"query"].concat())).collect()
    }

    #[test]
    fn replies_out_of_order_are_put_in_request_order() {
        let m = msgs(&[[0x8a, 0x5c], [0xff, 0x01], [0x90, 0x00]]);
        let (o, note) = in_request_order(SPAN, &m, &out(&[b"\x90\x00c", b"\x8a\x5ca", b"\xff\x01b"])).unwrap();
        assert_eq!(
            o.replies,
            vec![Bytes::from_static(b"\x8a\x5ca"), Bytes::from_static(b"\xff\x01b"), Bytes::from_static(b"\x90\x00c")]
        );
        assert!(note.unwrap().contains("came 2, 3, 1"));
        let (_, none) = in_request_order(SPAN, &m, &out(&[b"\x8a\x5ca", b"\xff\x01b"])).unwrap();
        assert!(none.is_none(), "in order: nothing to say");
    }

    #[test]
    fn an_id_no_request_had_is_desync() {
        let m = msgs(&[[1, 2], [3, 4]]);
        let j = in_request_order(SPAN, &m, &out(&[b"\x01\x02a", b"\x03\x05b"])).unwrap_err();
        assert_eq!(j.verdict, Verdict::Desync);
        assert!(j.detail.contains("0305"), "{}", j.detail);
        let short = in_request_order(SPAN, &m, &out(&[b"\x01"])).unwrap_err();
        assert_eq!(short.verdict, Verdict::Desync);
    }

    #[test]
    fn a_second_reply_to_one_request_follows_its_first() {
        let m = msgs(&[[1, 2], [3, 4]]);
        let (o, _) = in_request_order(SPAN, &m, &out(&[b"\x03\x04b", b"\x01\x02a", b"\x01\x02x"])).unwrap();
        let firsts: Vec<&[u8]> = o.replies.iter().map(|r| &r[2..]).collect();
        assert_eq!(firsts, [&b"a"[..], b"x", b"b"]);
    }
}
