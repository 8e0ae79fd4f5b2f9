//! After a hostile client is cleanly refused, the server must still serve
//! a good one: a refusal that leaves the server stuck is a `hang`.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;

use crate::client::{self, ClientSpec};
use crate::fault::Action;
use crate::framing::FramingSpec;
use crate::judge::Judgement;
use crate::scenario::model::Overflow;
use crate::scenario::plan::{PlanError, encode_frame};
use crate::scenario::{Prepared, Scenario, Verdict};
use crate::server::Server;

/// After a clean refusal, the server must still serve a good client; one
/// that is not served turns the verdict into `hang`.
pub(super) async fn check_still_serving(sc: &Scenario, prep: &Prepared, s: &Server, j: &mut Judgement) {
    if matches!(sc.expect.verdict, Verdict::Rejected | Verdict::Closed)
        && matches!(j.verdict, Verdict::Rejected | Verdict::Closed)
        && !matches!(prep.server_framing, Some(FramingSpec::Udp(crate::framing::UdpFormat { .. })))
    {
        match good_client_served(s, prep).await {
            Err(e) => {
                j.verdict = Verdict::Hang;
                j.detail = format!("{}; then {e}", j.detail);
            }
            Ok(()) => j.detail.push_str("; a good client was served afterwards"),
        }
    }
}

/// Why a good client was not served after a hostile one.
#[derive(Debug, thiserror::Error)]
enum Unserved {
    #[error("a good client could not connect: {0}")]
    Connect(String),
    #[error("a good client was not served")]
    NotServed,
    #[error(transparent)]
    Plan(#[from] PlanError),
}

/// After a hostile client: is a good client still served?
async fn good_client_served(s: &Server, prep: &Prepared) -> Result<(), Unserved> {
    let framing = prep.server_framing.clone().unwrap_or_default();
    let ping = Bytes::from_static(b"ping");
    let before = s.observation().connections.len();
    let out = match &framing {
        FramingSpec::Handshake(crate::framing::HandshakeFormat { max_length }) => {
            client::run_handshake(
                s.addr(),
                std::slice::from_ref(&ping),
                false,
                *max_length,
                Duration::from_secs(2),
                Duration::from_secs(2),
            )
            .await
        }
        f => {
            let mut codec = f.codec();
            let frame = encode_frame(&mut codec, &ping, Overflow::Error)?;
            let spec = ping_spec(vec![Action::Write(frame), Action::Shutdown], Duration::from_millis(300));
            client::run_tcp(s.addr(), &spec, None).await
        }
    };
    if let Some(e) = out.connect_error {
        return Err(Unserved::Connect(e));
    }
    let (_, ok) = s
        .log()
        .wait_until(Duration::from_secs(2), |o| {
            o.connections.iter().skip(before).any(|c| c.messages().any(|m| m == &ping))
        })
        .await;
    if ok { Ok(()) } else { Err(Unserved::NotServed) }
}

/// A client that carries out `actions` and reads whatever comes back,
/// until the peer closes or is quiet for `reply_timeout`.
fn ping_spec(actions: Vec<Action>, reply_timeout: Duration) -> ClientSpec {
    ClientSpec {
        actions,
        nodelay: true,
        response: None,
        lockstep_after: Vec::new(),
        tally: Default::default(),
        lockstep_want: Vec::new(),
        reply_timeout,
        read_plan: Default::default(),
        hold: Duration::ZERO,
        seed: 0,
        connect_timeout: Duration::from_secs(2),
        expected_replies: None,
        settle: Duration::ZERO,
    }
}

/// A target's refusal, judged from its replies, holds only if the target
/// still serves a good client afterwards (as a reference server must):
/// one that cannot connect makes the verdict `closed`, one that gets no
/// reply within the reply timeout `hang` (issue 34, class 6).
/// Gives why the target was not still serving, when it was not.
pub(super) async fn check_target_still_serving(
    sc: &Scenario,
    prep: &Prepared,
    addr: SocketAddr,
    j: &mut Judgement,
) -> Option<String> {
    if j.verdict != Verdict::Rejected
        || matches!(
            prep.client_framing,
            FramingSpec::Udp(crate::framing::UdpFormat { .. })
                | FramingSpec::Handshake(crate::framing::HandshakeFormat { .. })
        )
    {
        return None;
    }
    let mut codec = prep.client_framing.codec();
    let Ok(frame) = encode_frame(&mut codec, b"ping", Overflow::Error) else {
        return None;
    };
    let out = client::run_tcp(addr, &ping_spec(vec![Action::Write(frame)], sc.client.reply_timeout), None).await;
    match still_served(&out) {
        Ok(()) => {
            j.detail.push_str("; a good client was served afterwards");
            None
        }
        Err((v, why)) => {
            j.verdict = v;
            j.detail = format!("{}; then {why}", j.detail);
            Some(why)
        }
    }
}

/// Whether a good client's connection shows a server still serving: the
/// verdict and why when it does not.
fn still_served(out: &client::ClientOutcome) -> Result<(), (Verdict, String)> {
    if let Some(e) = &out.connect_error {
        return Err((Verdict::Closed, format!("a good client could not connect: {e}")));
    }
    if out.replies.iter().any(|r| !r.is_empty()) {
        return Ok(());
    }
    if out.eof || out.reset_by_peer || out.write_error.is_some() {
        return Err((Verdict::Closed, "a good client's connection was closed with no reply".into()));
    }
    Err((Verdict::Hang, "a good client got no reply within the reply timeout".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refusal holds only when a good client is served afterwards.
    #[test]
    fn a_target_that_refused_must_still_serve() {
        let served = client::ClientOutcome { replies: vec![Bytes::from_static(b"x")], ..Default::default() };
        assert!(still_served(&served).is_ok());
        let gone = client::ClientOutcome { connect_error: Some("refused".into()), ..Default::default() };
        assert_eq!(still_served(&gone).unwrap_err().0, Verdict::Closed);
        let closed = client::ClientOutcome { eof: true, ..Default::default() };
        assert_eq!(still_served(&closed).unwrap_err().0, Verdict::Closed);
        let stuck = client::ClientOutcome { hung: false, ..Default::default() };
        assert_eq!(still_served(&stuck).unwrap_err().0, Verdict::Hang);
    }
}
