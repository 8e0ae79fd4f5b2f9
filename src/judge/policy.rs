//! Judging policy: which scenarios an address target's replies can
//! judge at all (the others are skipped, with the reason), and how the
//! judgements of a scenario's connections make its one verdict.

use crate::client::ClientOutcome;
use crate::framing::FramingSpec;
use crate::scenario::{Prepared, Scenario, Verdict};
use crate::trace::TraceLog;

use super::{Judgement, blackbox, traced};

/// Why `sc` cannot be judged against an address target (`--target`:
/// its replies are all that can be observed there): `None` when it can.
pub fn unjudgeable_by_replies(sc: &Scenario) -> Option<String> {
    let r = &sc.response;
    let strategy = &sc.server.strategy;
    let udp = matches!(strategy, FramingSpec::Udp(crate::framing::UdpFormat { .. }))
        || matches!(sc.client.framing, Some(FramingSpec::Udp(crate::framing::UdpFormat { .. })))
        || sc.target.as_ref().is_some_and(|t| t.udp);
    if sc.client_under_test.is_some() {
        return Some("it tests a client ([client-under-test]), not a server".into());
    }
    if udp {
        return Some("it speaks UDP; --target is a TCP server".into());
    }
    if matches!(strategy, FramingSpec::Handshake(crate::framing::HandshakeFormat { .. }))
        || matches!(sc.client.framing, Some(FramingSpec::Handshake(crate::framing::HandshakeFormat { .. })))
    {
        return Some("it speaks the handshake protocol (Ready|N, Start)".into());
    }
    if sc.server.handler == crate::server::Handler::Files || sc.server.root.is_some() {
        return Some("it needs the reference file handler and its root".into());
    }
    if sc.client.forge_header.is_some() {
        return Some(format!("it forges a {strategy} header, meaningful to that framing only"));
    }
    if r.expect == crate::scenario::model::ResponseExpect::None
        && r.replies.is_none()
        && r.pattern.is_none()
        && r.bytes.is_none()
        && r.answers.is_none()
    {
        return Some(
            "it is judged by the reference server's own record of its reads; its [response] names no reply to \
             check (expect, replies, match, answers or bytes)"
                .into(),
        );
    }
    None
}

/// The verdict of a target's connections (`outcomes`, one per client of
/// framelab's, the first one first): each judged by its replies, and by
/// the target's own calls on it when `trace` saw them. The first
/// connection's verdict, unless it is `intact` and another's is not: then
/// that one's, said to come from another connection.
pub fn judge_connections(
    sc: &Scenario,
    prep: &Prepared,
    outcomes: &[ClientOutcome],
    trace: Option<&TraceLog>,
) -> Judgement {
    let judge_one = |o: &ClientOutcome| {
        let replies = blackbox::judge_replies(sc, prep, o, &prep.expected);
        match trace {
            Some(log) => {
                let conn = o.local.and_then(|l| log.connection(l));
                traced::judge_traced(sc, prep, o, conn.as_ref(), replies)
            }
            None => replies.seeing(o.replies.clone()),
        }
    };
    let Some((head, rest)) = outcomes.split_first() else {
        return Judgement::new(Verdict::Inconclusive, "no connection was made");
    };
    let first = judge_one(head);
    let others = rest.iter().map(judge_one).find(|j| j.verdict != Verdict::Intact);
    match (first.verdict, others) {
        (Verdict::Intact, Some(o)) => {
            Judgement::new(o.verdict, format!("another connection: {}", o.detail)).seeing(first.seen)
        }
        _ => first,
    }
}
