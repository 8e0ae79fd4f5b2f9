//! The protocol oracle: replies of a request/answer protocol, cut by a
//! `[response] framing` that has answers (an [`AnswerSyntax`]), matched in
//! order to the requests they answer (one reply per request), each against
//! its own expected [`Answer`] (each protocol's forms and an example
//! scenario are in its strategy's home, `src/framing/<strategy>/answer.rs`).
//!
//! # Answers
//!
//! One string per request, checked when the scenario file is loaded
//! ([`crate::scenario::answer`]):
//!
//! | answer | matches |
//! |---|---|
//! | `any` | any well-formed reply |
//! | `/REGEX/` | a reply whose bytes (the whole reply as the framing cut it: a whole value, or a whole response, head included) match REGEX |
//! | the protocol's forms | see its strategy's [`AnswerSyntax`] (`framelab list strategies`) |
//!
//! Interim replies (that the protocol says are not answers) are skipped.
//!
//! # Verdicts
//!
//! The replies are aligned with the requests in order; a reply that does
//! not match the answer of its request may be the answer of a later one
//! (the requests between got none). A verdict is given only when every
//! server that could have sent these replies leads to it (issue 34, the
//! `judge_sound` model): a server that reads a request whole answers it; a
//! server that merges whole requests in one read answers the first (or
//! errs); a request read in pieces is answered, if at all, by a protocol
//! error (the protocol's bad request reply).
//!
//! - each request answered by exactly one reply matching its answer, none
//!   a protocol error: `intact` (`closed` if the peer then reset);
//! - a reply the framing cannot parse: `desync` (the server's output is out
//!   of step with the protocol);
//! - more replies than requests: `split` (only a request answered in
//!   pieces adds a reply);
//! - a reply that matches no answer from its request on (an error where
//!   a success was expected, a wrong value): the server misread, in pieces,
//!   merged or both, and an answer out of place cannot say which:
//!   `inconclusive`, naming split, coalesced, truncated and desync;
//! - a protocol error matched by an answer that allows it (`any`, a
//!   regex, an expected error): it may be a piece's, `inconclusive`;
//! - fewer replies, every one matching in order: a request with no answer
//!   was merged into a neighbour (the server read both in one `recv()` and
//!   answered once) or skipped, and the answers cannot tell which:
//!   `inconclusive`, naming both, unless a sync that held kept it in a
//!   read apart from both neighbours (`lost`); none at all is `hang`, and
//!   `closed` when the peer closed or reset the connection before
//!   answering anything, or (synced) before answering the rest; unsynced,
//!   the rest may have been read with one it answered: `inconclusive`.

use bytes::Bytes;

use super::Judgement;
use crate::client::{ClientOutcome, ReplyError};
use crate::fault::Action;
use crate::framing::{AnswerSyntax, AnyCodec, FramingSpec, answer_syntaxes, show};
pub use crate::scenario::answer::{Answer, AnswerError};
use crate::scenario::{Prepared, Scenario, Verdict};

/// The codec that cuts the replies, prepared by the protocol for the
/// requests sent (told the method of each, where answers depend on it).
pub fn reply_codec(spec: &FramingSpec, frames: &[Bytes]) -> AnyCodec {
    let mut codec = spec.codec();
    if let Some(syntax) = spec.answer_syntax() {
        syntax.prepare_reply_codec(&mut codec, frames);
    }
    codec
}

/// Whether any protocol with answers says `yes` of a reply or request:
/// the replies were cut by one of them, and a reply in one protocol's
/// form is in no other's.
fn any_syntax(yes: impl Fn(&dyn AnswerSyntax) -> bool) -> bool {
    answer_syntaxes().iter().any(|s| yes(*s))
}

/// Whether a reply is an error of its protocol.
fn is_error_reply(reply: &[u8]) -> bool {
    any_syntax(|s| s.is_error_reply(reply))
}

/// Whether a request asks for an answer without a body.
fn is_head_request(frame: &[u8]) -> bool {
    any_syntax(|s| s.is_head_request(frame))
}

/// The write each request's first byte went in, and whether the request
/// began inside the same write as the end of the one before it.
fn shares_write_with_previous(prep: &Prepared) -> Vec<bool> {
    let mut ends = Vec::new();
    let mut at = 0usize;
    for a in &prep.actions {
        if let Action::Write(w) = a {
            at += w.len();
            ends.push(at);
        }
    }
    let mut out = Vec::with_capacity(prep.frames.len());
    let mut start = 0usize;
    for (i, f) in prep.frames.iter().enumerate() {
        out.push(i > 0 && !ends.contains(&start));
        start += f.len();
    }
    out
}

/// Judges replies against the answers, one per request (see the module
/// docs for the verdicts).
pub fn judge_answers(sc: &Scenario, prep: &Prepared, out: &ClientOutcome) -> Judgement {
    let answers: &[Answer] = sc.response.answers.as_deref().unwrap_or_default();
    if let Some(err) = &out.connect_error {
        return Judgement::new(Verdict::Closed, err.clone());
    }
    let n = answers.len();
    let replies: Vec<&Bytes> = out.replies.iter().filter(|r| !is_interim(r)).collect();
    let r = replies.len();
    let head = format!("sent {n} request(s); {r} answer(s) came back");
    if let Some(j) = unreadable(&head, out, &replies, n) {
        return j;
    }
    let head_req: Vec<bool> = prep.frames.iter().map(|f| is_head_request(f)).collect();
    let is_head = |k: usize| head_req.get(k).copied().unwrap_or(false);
    let unanswered = match align(answers, &replies, is_head, &head) {
        Ok(unanswered) => unanswered,
        Err(j) => return j,
    };
    // A request read in pieces is answered, if at all, by a protocol error
    // (the protocol's bad request reply): where such an error matched an
    // answer (`any`, a regex, an expected refusal), it may be a piece's.
    let piece_like = replies.iter().position(|r| protocol_error(r));
    if unanswered.is_empty() {
        return all_answered(&head, piece_like, out);
    }
    let exact = |i: usize| answers[i].matches(replies[i], is_head(i)) && !protocol_error(replies[i]);
    if let Some(j) = super::closes::on_purpose(sc, prep, out, &replies, n, exact) {
        return j;
    }
    some_unanswered(&head, &unanswered, r, piece_like, prep, out)
}

/// A reply error that decides the verdict (an answer cut short by the
/// close, one that does not parse), or more answers than requests.
fn unreadable(head: &str, out: &ClientOutcome, replies: &[&Bytes], n: usize) -> Option<Judgement> {
    let r = replies.len();
    for e in &out.reply_errors {
        match e {
            ReplyError::Read(_) => {}
            ReplyError::Incomplete(len) => {
                return Some(Judgement::new(
                    Verdict::Closed,
                    format!("{head}; the peer closed the connection {len} bytes into an answer"),
                ));
            }
            e => return Some(Judgement::new(Verdict::Desync, format!("{head}; answer {} does not parse: {e}", r + 1))),
        }
    }
    (r > n).then(|| {
        Judgement::new(
            Verdict::Split,
            format!(
                "{head}: more answers than requests, a request was taken in pieces (answer {} is {})",
                n + 1,
                show(replies[n], 48)
            ),
        )
    })
}

/// Aligns each reply with the first request from the cursor whose answer
/// it matches; the requests skipped got no answer. Returns those, or the
/// verdict on a reply that matches no answer left.
fn align(
    answers: &[Answer],
    replies: &[&Bytes],
    is_head: impl Fn(usize) -> bool,
    head: &str,
) -> Result<Vec<usize>, Judgement> {
    let n = answers.len();
    let mut cursor = 0;
    let mut unanswered = Vec::new();
    for (j, reply) in replies.iter().enumerate() {
        let Some(k) = (cursor..n).find(|k| answers[*k].matches(reply, is_head(*k))) else {
            // The server read something other than the requests: pieces
            // (split), requests merged with part of the next (coalesced),
            // a request cut short (truncated), or several at once (desync):
            // an answer out of place cannot say which.
            let want = &answers[cursor.min(n - 1)];
            let what = if is_error_reply(reply) { "an error" } else { "a reply" };
            return Err(Judgement::new(
                Verdict::Inconclusive,
                format!(
                    "split, coalesced, truncated or desync: {head}: answer {} is {what}, {}, where `{want}` was expected: \
                     the server read something other than the request, and an answer out of place cannot say how",
                    j + 1,
                    show(reply, 64)
                ),
            ));
        };
        unanswered.extend(cursor..k);
        cursor = k + 1;
    }
    unanswered.extend(cursor..n);
    Ok(unanswered)
}

/// Every request answered: `intact`, unless an answer may be a piece's
/// protocol error or the peer reset the connection afterwards.
fn all_answered(head: &str, piece_like: Option<usize>, out: &ClientOutcome) -> Judgement {
    if let Some(j) = piece_like {
        return Judgement::new(
            Verdict::Inconclusive,
            format!(
                "intact, split or desync: {head}, each matching its request's answer, but answer {} is a protocol \
                 error, as a piece of a request would get: requests in pieces and others merged give the same \
                 count",
                j + 1
            ),
        );
    }
    if out.reset_by_peer || out.write_error.is_some() {
        return Judgement::new(Verdict::Closed, format!("{head}; then the peer reset the connection"));
    }
    Judgement::new(Verdict::Intact, format!("{head}: each request got its answer"))
}

/// Requests with no answer (`unanswered`, `r` answers in all): `hang`,
/// `closed`, `lost`, or `inconclusive` where a merge or a piece would
/// give the same answers.
fn some_unanswered(
    head: &str,
    unanswered: &[usize],
    r: usize,
    piece_like: Option<usize>,
    prep: &Prepared,
    out: &ClientOutcome,
) -> Judgement {
    let list = unanswered.iter().map(|k| (k + 1).to_string()).collect::<Vec<_>>().join(", ");
    if r == 0 && !(out.eof || out.reset_by_peer || out.peer_closed_early) {
        return Judgement::new(Verdict::Hang, format!("{head}; none came within the reply timeout"));
    }
    let early_end = out.reset_by_peer || out.peer_closed_early || out.write_error.is_some();
    let gone = format!("the peer closed or reset the connection before answering request(s) {list}");
    if r == 0 {
        return Judgement::new(Verdict::Closed, format!("{head}; {gone}"));
    }
    if let Some(j) = piece_like {
        return Judgement::new(
            Verdict::Inconclusive,
            format!(
                "coalesced, lost, split or closed: {head}: request(s) {list} got no answer, and answer {} is a protocol \
                 error, as a piece of a request would get",
                j + 1
            ),
        );
    }
    let apart = kept_apart(prep, out);
    let could_merge = |k: usize| !apart.get(k).copied().unwrap_or(false) || !apart.get(k + 1).copied().unwrap_or(true);
    let mergeable = unanswered.iter().any(|k| could_merge(*k));
    if early_end {
        // The requests it did not answer may have been read with one it
        // did (answered once), then the connection ended.
        return if mergeable {
            Judgement::new(
                Verdict::Inconclusive,
                format!(
                    "closed or coalesced: {head}; {gone}, which it may have read together with one it answered (sync = \
                     true keeps each write in a read of its own)"
                ),
            )
        } else {
            Judgement::new(Verdict::Closed, format!("{head}; {gone}"))
        };
    }
    if mergeable {
        let shared = shares_write_with_previous(prep);
        let how = if unanswered.iter().any(|k| shared.get(*k).copied().unwrap_or(false)) {
            "went in the same write as the request before"
        } else {
            "went in writes of their own, which the server may still have read together"
        };
        Judgement::new(
            Verdict::Inconclusive,
            format!(
                "coalesced or lost: {head}: request(s) {list} got no answer and {how}; a server that answers a merged read once \
                 and one that skips a request give the same answers (sync = true keeps each write in a read of its own)"
            ),
        )
    } else {
        Judgement::new(
            Verdict::Lost,
            format!("{head}: request(s) {list} got no answer, each read apart from its neighbours (synced)"),
        )
    }
}

/// Per request, whether the server had read everything before it when
/// its first byte was written (a sync that held between the two writes):
/// then it cannot have read it together with the request before.
fn kept_apart(prep: &Prepared, out: &ClientOutcome) -> Vec<bool> {
    let synced = !out.sync_unavailable && out.stalled.is_none();
    let mut at = 0usize;
    let mut synced_at = Vec::new();
    for a in &prep.actions {
        match a {
            Action::Write(w) => at += w.len(),
            Action::Sync if synced => synced_at.push(at),
            _ => {}
        }
    }
    let mut start = 0usize;
    prep.frames
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let apart = i > 0 && synced_at.contains(&start);
            start += f.len();
            apart
        })
        .collect()
}

/// A protocol error: what a server answers to a piece of a request (its
/// protocol's bad request reply), if anything.
fn protocol_error(reply: &[u8]) -> bool {
    any_syntax(|s| s.is_bad_request_reply(reply))
}

/// An interim reply of its protocol (not an answer).
fn is_interim(reply: &[u8]) -> bool {
    any_syntax(|s| s.is_interim(reply))
}

#[cfg(test)]
mod tests;
