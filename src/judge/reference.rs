//! The reference-server judge: the server's own record of what it
//! understood, connection by connection, against what was sent.

use bytes::Bytes;

use super::blackbox::judge_replies;
use super::{Judgement, classify, is_prefix};
use crate::client::ClientOutcome;
use crate::scenario::model::ResponseExpect;
use crate::scenario::{Prepared, Scenario, Verdict};
use crate::server::{CloseReason, ConnLog, Observation};

/// Judges every client connection by the server's record of it: the first
/// connection whose verdict is not `intact` gives the judgement (or the
/// last one). What was seen is the messages the server understood.
pub fn judge_reference(sc: &Scenario, prep: &Prepared, obs: &Observation, outcomes: &[ClientOutcome]) -> Judgement {
    let mut first_seen = Vec::new();
    for (i, out) in outcomes.iter().enumerate() {
        let conn = out.local.and_then(|l| obs.connections.iter().find(|c| c.peer == l));
        let j = judge_conn(sc, prep, conn, out);
        if i == 0 {
            first_seen = conn.map(|c| c.messages().cloned().collect()).unwrap_or_default();
        }
        if j.verdict != Verdict::Intact || i + 1 == outcomes.len() {
            let prefix = if outcomes.len() > 1 {
                format!("connection {} of {}: ", i + 1, outcomes.len())
            } else {
                String::new()
            };
            let seen = conn.map(|c| c.messages().cloned().collect()).unwrap_or(first_seen);
            return Judgement::new(j.verdict, format!("{prefix}{}", j.detail)).seeing(seen);
        }
    }
    Judgement::new(Verdict::Intact, "no connection").seeing(first_seen)
}

/// Judges one connection by the server's record of it (`None`: the server
/// never accepted it) and what its client saw.
pub fn judge_conn(sc: &Scenario, prep: &Prepared, conn: Option<&ConnLog>, out: &ClientOutcome) -> Judgement {
    let e = &prep.expected;
    if let Some(err) = &out.connect_error {
        return Judgement::new(Verdict::Closed, err.clone());
    }
    let Some(conn) = conn else {
        let why = if out.hung { "the client's reply never came and " } else { "" };
        return Judgement::new(Verdict::Hang, format!("{why}the server never accepted the connection in time"));
    };
    let o: Vec<Bytes> = conn.messages().cloned().collect();
    let v = classify(e, &o);
    let understood =
        format!("sent {} message(s) in {} write(s); the server understood {}", e.len(), prep.write_count(), o.len());
    let closed = conn.closed();
    let rejection = conn.errors().find(|(k, _)| k.is_rejection()).map(|(k, d)| format!("{k}: {d}"));
    let server_ended = matches!(
        closed,
        Some(
            CloseReason::Error
                | CloseReason::Reset
                | CloseReason::IdleTimeout
                | CloseReason::FrameTimeout
                | CloseReason::Refused
        )
    );
    if v != Verdict::Intact {
        return misread(v, &understood, server_ended && is_prefix(e, &o), rejection, conn);
    }
    if let Some(r) = rejection {
        return Judgement::new(Verdict::Rejected, format!("{understood}; it refused part of the input ({r})"));
    }
    if let Some(err) = out.reply_errors.first() {
        return Judgement::new(Verdict::Desync, format!("{understood}; a reply failed to decode: {err}"));
    }
    if out.hung {
        let missing = e.len() - e.iter().filter(|m| !m.is_empty()).count();
        let why =
            if missing > 0 { format!(" ({missing} empty message(s) put nothing on the wire)") } else { String::new() };
        return Judgement::new(
            Verdict::Hang,
            format!("{understood}; a reply never came within {:?}{why}", sc.client.reply_timeout),
        );
    }
    if let Some(r) = out.replies.iter().find(|r| r.starts_with(b"ERROR:")) {
        return Judgement::new(
            Verdict::Rejected,
            format!("{understood}; it refused the request: {}", String::from_utf8_lossy(r)),
        );
    }
    if sc.response.expect != ResponseExpect::None {
        let r = judge_replies(sc, prep, out, e);
        // The server's own record already told; replies that cannot tell
        // add nothing.
        if !matches!(r.verdict, Verdict::Intact | Verdict::Inconclusive) {
            return Judgement::new(r.verdict, format!("{understood}, but the replies disagree: {}", r.detail));
        }
    }
    if closed == Some(CloseReason::Reset) || out.reset_by_peer {
        return Judgement::new(Verdict::Closed, format!("{understood}; the connection was reset"));
    }
    if server_ended {
        return Judgement::new(
            Verdict::Closed,
            format!("{understood}; the server ended the connection ({})", closed.map_or("", |c| c.name())),
        );
    }
    Judgement::new(Verdict::Intact, understood)
}

/// The server understood something else than was sent (`v`): a clean
/// refusal or an end of the connection when what it understood is the
/// start of what was sent (`stopped_early`), else the misreading itself.
fn misread(v: Verdict, understood: &str, stopped_early: bool, rejection: Option<String>, conn: &ConnLog) -> Judgement {
    if stopped_early {
        if let Some(r) = rejection {
            return Judgement::new(Verdict::Rejected, format!("{understood}; it refused the input ({r})"));
        }
        let why = conn
            .errors()
            .map(|(k, d)| format!("{k}: {d}"))
            .next()
            .unwrap_or_else(|| conn.closed().map_or("", |c| c.name()).to_string());
        return Judgement::new(Verdict::Closed, format!("{understood}; the connection ended ({why})"));
    }
    let kind = match v {
        Verdict::Coalesced => "messages merged",
        Verdict::Split => "a message taken in pieces",
        Verdict::Lost => "whole messages missing",
        Verdict::Truncated => "messages cut short",
        _ => "bytes misread as framing",
    };
    Judgement::new(v, format!("{understood}: {kind}"))
}
