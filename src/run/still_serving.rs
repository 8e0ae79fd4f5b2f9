//! After a hostile client is cleanly refused, the server must still serve
//! a good one: a refusal that leaves the server stuck is a `hang`.

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
        && !matches!(prep.server_framing, Some(FramingSpec::Udp { .. }))
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
        FramingSpec::Handshake { max_length } => {
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
            let spec = ClientSpec {
                actions: vec![Action::Write(frame), Action::Shutdown],
                nodelay: true,
                response: None,
                lockstep_after: Vec::new(),
                tally: Default::default(),
                lockstep_want: Vec::new(),
                reply_timeout: Duration::from_millis(300),
                read_plan: Default::default(),
                hold: Duration::ZERO,
                seed: 0,
                connect_timeout: Duration::from_secs(2),
                expected_replies: None,
                settle: Duration::ZERO,
            };
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
