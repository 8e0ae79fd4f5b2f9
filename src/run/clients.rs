//! The scenario's clients: one per `[client] connections`, side by side,
//! each carrying out the prepared plan over TCP, UDP or the handshake.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;

use crate::client::{self, ClientOutcome, ClientSpec, Tally};
use crate::fault;
use crate::framing::FramingSpec;
use crate::reply::ACK;
use crate::scenario::model::ResponseExpect;
use crate::scenario::{Prepared, Scenario};
use crate::seed::{self, Purpose};
use crate::server::Handler;
use crate::sync::PeerReads;

/// How many replies the client waits for: `None` reads until the peer
/// closes (or is quiet for the reply timeout).
fn expected_replies(sc: &Scenario, prep: &Prepared, reference: bool) -> Option<usize> {
    let r = &sc.response;
    if r.bytes.is_some() {
        return None;
    }
    if let Some(a) = &r.answers {
        return Some(a.len());
    }
    if let Some(list) = &r.replies {
        return Some(list.len());
    }
    match r.expect {
        _ if r.pattern.is_some() => Some(prep.expected.len()),
        ResponseExpect::None if reference => None,
        ResponseExpect::None => Some(0),
        _ => Some(prep.expected.len()),
    }
}

/// The framing replies are cut by; `None`: they are one unframed stream
/// (no framing, `raw`/`naive`, or judged by size).
pub(crate) fn reply_framing(sc: &Scenario, prep: &Prepared) -> Option<FramingSpec> {
    if sc.response.bytes.is_some() {
        return None;
    }
    match sc.response.framing.clone().or_else(|| prep.server_framing.clone()) {
        Some(FramingSpec::Naive(crate::framing::NaiveFormat { .. })) | None => None,
        f => f,
    }
}

/// How an unframed reply stream is counted, and how many units each
/// message stands for (`None`: replies of any content cannot be counted).
fn tally(sc: &Scenario, prep: &Prepared) -> (Tally, Option<Vec<usize>>) {
    let r = &sc.response;
    let ones = Some(vec![1; prep.expected.len()]);
    let lens = |ms: &mut dyn Iterator<Item = usize>| Some(ms.collect::<Vec<_>>());
    if r.bytes.is_some() {
        return (Tally::Bytes, None);
    }
    if let Some(list) = &r.replies {
        let same = list.first().is_some_and(|x| list.iter().all(|y| y == x));
        return match list.first() {
            Some(x) if same => (Tally::Text(x.bytes().clone()), Some(vec![1; list.len()])),
            _ => (Tally::Bytes, lens(&mut list.iter().map(|m| m.len()))),
        };
    }
    if let Some(p) = &r.pattern {
        return match regex::bytes::Regex::new(p) {
            Ok(re) => (Tally::Pattern(re), ones),
            Err(_) => (Tally::Nothing, None),
        };
    }
    match r.expect {
        ResponseExpect::Ack => (Tally::Text(Bytes::from_static(ACK)), ones),
        ResponseExpect::Digest => (Tally::Pattern(crate::reply::digest_line()), ones),
        ResponseExpect::Echo | ResponseExpect::Upper => (Tally::Bytes, lens(&mut prep.expected.iter().map(Bytes::len))),
        ResponseExpect::Reply | ResponseExpect::None => (Tally::Nothing, None),
    }
}

/// The TCP client spec of connection `i`.
fn tcp_spec(sc: &Scenario, prep: &Prepared, reference: bool, seed: u64, i: usize) -> ClientSpec {
    let c = &sc.client;
    let response = reply_framing(sc, prep);
    let lockstep_after: Vec<usize> = if c.lockstep { (0..prep.frames.len()).collect() } else { Vec::new() };
    let mut expected_replies = expected_replies(sc, prep, reference);
    let (tally, units) = if response.is_none() { tally(sc, prep) } else { (Tally::Nothing, None) };
    let mut lockstep_want = Vec::new();
    if response.is_none() {
        // Counted in the stream's units: bytes for echo, occurrences for acks.
        match &units {
            Some(u) => {
                expected_replies = expected_replies.map(|_| u.iter().sum());
                lockstep_want = u
                    .iter()
                    .scan(0, |acc, n| {
                        Some({
                            *acc += n;
                            *acc
                        })
                    })
                    .collect();
            }
            // Replies of any content cannot be counted in a stream: read
            // until the peer closes or is quiet.
            None if sc.response.bytes.is_none() && expected_replies.is_some_and(|n| n > 0) => expected_replies = None,
            None => {}
        }
    }
    let settle = settle(sc, reference, expected_replies);
    ClientSpec {
        actions: prep.actions.clone(),
        nodelay: c.nodelay,
        response: response.map(|r| crate::judge::protocol::reply_codec(&r, &prep.frames)),
        lockstep_after,
        tally,
        lockstep_want,
        // A reference server's handler delay is deliberate: the reply
        // timeout counts from when it is over.
        reply_timeout: c.reply_timeout + if reference { sc.server.delay.unwrap_or_default() } else { Duration::ZERO },
        read_plan: fault::read::ReadPlan { sizes: c.read.sizes, pause: c.read.pause },
        hold: c.hold,
        seed: seed::derive(seed, Purpose::Connection(i as u64)),
        connect_timeout: connect_timeout(sc),
        expected_replies,
        settle,
    }
}

/// How long the peer must stay quiet after the expected replies: a
/// black-box server shows a split by extra replies, and a late one must
/// be seen. `[response] settle`, by default the reply timeout (a reply
/// later than that is a hang); none for a reference server (its record
/// tells) or when no reply is expected.
fn settle(sc: &Scenario, reference: bool, expected_replies: Option<usize>) -> Duration {
    if reference || expected_replies == Some(0) {
        return Duration::ZERO;
    }
    sc.response.settle.unwrap_or(sc.client.reply_timeout)
}

fn connect_timeout(sc: &Scenario) -> Duration {
    sc.client.reply_timeout.max(Duration::from_secs(2))
}

/// Runs every client connection of the scenario against `addr`, side by
/// side. `peer_reads` tells the plans' syncs what the server has read;
/// `reference`: `addr` is a reference server.
pub(super) async fn run(
    sc: &Scenario,
    prep: &Prepared,
    addr: SocketAddr,
    peer_reads: Option<&dyn PeerReads>,
    reference: bool,
    seed: u64,
) -> Vec<ClientOutcome> {
    let c = &sc.client;
    let futs = (0..c.connections).map(|i| async move {
        match &prep.client_framing {
            FramingSpec::Udp(crate::framing::UdpFormat { .. }) => {
                let want = if sc.server.handler == Handler::Silent { 0 } else { prep.messages.len() };
                client::run_udp(addr, &prep.frames, c.pause, want, c.reply_timeout).await
            }
            FramingSpec::Handshake(crate::framing::HandshakeFormat { max_length }) => {
                let (msgs, coalesce) = (&prep.messages, c.coalesce_start);
                client::run_handshake(addr, msgs, coalesce, *max_length, c.reply_timeout, connect_timeout(sc)).await
            }
            _ => client::run_tcp(addr, &tcp_spec(sc, prep, reference, seed, i), peer_reads).await,
        }
    });
    futures::future::join_all(futs).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(response: &str) -> Scenario {
        let text = format!(
            "[target]\naddr = \"127.0.0.1:9\"\n[client]\nmessages = [\"a\"]\nreply-timeout = \"2s\"\n[response]\n{response}\n"
        );
        crate::scenario::parse(&text, std::path::Path::new("t.toml")).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Issue 34, class 2: a late reply (a server taking 0.5 s per
    /// `recv()`) must be waited for: the settle time is the scenario's,
    /// by default its reply timeout, never a fixed 300 ms.
    #[test]
    fn settle_follows_the_scenario_not_a_fixed_cap() {
        let sc = scenario("expect = \"digest\"");
        assert_eq!(settle(&sc, false, Some(2)), Duration::from_secs(2));
        let sc = scenario("expect = \"digest\"\nsettle = \"750ms\"");
        assert_eq!(settle(&sc, false, Some(2)), Duration::from_millis(750));
        assert_eq!(settle(&sc, true, Some(2)), Duration::ZERO);
        assert_eq!(settle(&sc, false, Some(0)), Duration::ZERO);
    }
}
