//! Servers that close on purpose: an HTTP/1.0 server closes after each
//! response, any HTTP server after one that says `Connection: close`, and
//! a one-shot server after its first answer. Such a close leaves the
//! requests after it unanswered, and neither merged nor lost.
//!
//! The verdict is `closed` (with the reason) when fewer answers than
//! requests came, each that came is exactly its request's, and:
//! - the close was announced: `[expect] closes-after = N` says the server
//!   closes after N answers, or the last answer says so itself (the
//!   reply protocol's [`AnswerSyntax::announced_close`](crate::framing::AnswerSyntax::announced_close)),
//!   and it came after exactly that many answers; or
//! - the peer closed or reset the connection before the client's
//!   half-close, of its own accord (not in answer to the client's end of
//!   stream, when a server that merged requests and answered once would
//!   close too), and before the client had written more than the `k`
//!   answered requests: a server that was sent request `k + 1` may have
//!   read it merged with request `k`, answered once and closed, which is
//!   `coalesced`, not a close on purpose.
//!
//! Otherwise the other rules of the judge hold (`lost`, `coalesced`,
//! `inconclusive`).

use bytes::Bytes;

use super::Judgement;
use crate::client::ClientOutcome;
use crate::scenario::{Prepared, Scenario, Verdict};

/// Where the server announced its close: after which answer, and why.
fn announced(sc: &Scenario, prep: &Prepared, replies: &[&Bytes]) -> Option<(usize, String)> {
    if let Some(n) = sc.expect.closes_after {
        return Some((n, format!("as [expect] closes-after = {n} says it does")));
    }
    // A server that answers in the requests' own framing (no `[response]`)
    // announces its closes in it too.
    let framing = super::reply_framing(sc, prep).unwrap_or(&prep.client_framing);
    let syntax = framing.answer_syntax()?;
    replies.iter().enumerate().find_map(|(i, r)| syntax.announced_close(r).map(|why| (i + 1, why.to_owned())))
}

/// `closed` when the server closed on purpose before answering every
/// request (see the module docs); `exact(i)`: answer `i` is exactly
/// request `i`'s.
pub fn on_purpose(
    sc: &Scenario,
    prep: &Prepared,
    out: &ClientOutcome,
    replies: &[&Bytes],
    requests: usize,
    exact: impl Fn(usize) -> bool,
) -> Option<Judgement> {
    let end = out.peer_end?;
    let k = replies.len();
    if k >= requests || out.connect_error.is_some() || !(0..k).all(&exact) {
        return None;
    }
    let head = format!("sent {requests} message(s); {k} answer(s) came back, each exactly its message's");
    if let Some((after, why)) = announced(sc, prep, replies) {
        return (after == k).then(|| {
            Judgement::new(
                Verdict::Closed,
                format!("{head}; the server closed after its answer {k}, on purpose: {why} ({end})"),
            )
        });
    }
    // What the client had written of the requests after the k answered:
    // nothing, or the server may have merged one into request k.
    // And some request after them had bytes still to write: empty ones
    // put nothing on the wire, and go unanswered for that alone (B10).
    let answered_bytes: usize = prep.frames.iter().take(k).map(|f| f.len()).sum();
    let total: usize = prep.frames.iter().map(|f| f.len()).sum();
    (end.before_half_close && k > 0 && end.after_written <= answered_bytes && answered_bytes < total).then(|| {
        Judgement::new(
            Verdict::Closed,
            format!(
                "{head}; then the server closed of its own accord, before the client was done ({end}): the \
                 messages after answer {k} went unanswered because of the close"
            ),
        )
    })
}
