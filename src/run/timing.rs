//! Where a scenario's time goes, wait by wait: starting what it runs
//! against, the setup, the clients (and, of the first connection's time,
//! its connect, the plan's own pauses, its syncs, the wait for replies and
//! the quiet waited after them), observing and judging, the still-serving
//! check, and stopping. `framelab run -v` prints it; `--format json` has
//! it as `timing` (milliseconds).

use std::fmt;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::client::ClientWaits;

/// One scenario's time, phase by phase, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Starting the reference server, a spawned target (until it
    /// listens) and the proxy.
    pub start_ms: f64,
    /// The `[setup]` messages and the quiet after them.
    pub setup_ms: f64,
    /// Every client connection, start to end (they run together).
    pub clients_ms: f64,
    /// Of the first connection: connecting.
    pub connect_ms: f64,
    /// Of the first connection: the plan's own pauses and hold
    /// (deliberate).
    pub pauses_ms: f64,
    /// Of the first connection: waiting for the server to read each write
    /// (`sync`).
    pub syncs_ms: f64,
    /// Of the first connection: after its last write, waiting for the
    /// replies expected (or the peer's close, or the reply timeout).
    pub replies_ms: f64,
    /// Of the first connection: the quiet waited after the expected
    /// replies, for extra ones (`[response] settle`).
    pub settle_ms: f64,
    /// Collecting what the server or the trace recorded, and judging.
    pub judge_ms: f64,
    /// Checking that the server still serves a new connection.
    pub still_serving_ms: f64,
    /// Stopping the server, proxy and target.
    pub stop_ms: f64,
}

/// Milliseconds, to 0.01.
pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 100_000.0).round() / 100.0
}

/// Milliseconds since `t`.
pub fn since(t: Instant) -> f64 {
    ms(t.elapsed())
}

impl fmt::Display for Timing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "start {:.1}ms, setup {:.1}ms, clients {:.1}ms (first connection: connect {:.1}ms, pauses {:.1}ms, syncs \
             {:.1}ms, replies {:.1}ms, settle {:.1}ms), judge {:.1}ms, still serving {:.1}ms, stop {:.1}ms",
            self.start_ms,
            self.setup_ms,
            self.clients_ms,
            self.connect_ms,
            self.pauses_ms,
            self.syncs_ms,
            self.replies_ms,
            self.settle_ms,
            self.judge_ms,
            self.still_serving_ms,
            self.stop_ms
        )
    }
}

impl Timing {
    /// Copies the first connection's waits in.
    pub fn with_client(mut self, w: &ClientWaits) -> Timing {
        self.connect_ms = ms(w.connect);
        self.pauses_ms = ms(w.pauses);
        self.syncs_ms = ms(w.syncs);
        self.replies_ms = ms(w.replies);
        self.settle_ms = ms(w.settle);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_are_rounded_and_every_phase_is_named() {
        assert_eq!(ms(Duration::from_micros(1234)), 1.23);
        let t = Timing { start_ms: 2.0, settle_ms: 1000.0, ..Timing::default() };
        let text = t.to_string();
        for phase in [
            "start",
            "setup",
            "clients",
            "connect",
            "pauses",
            "syncs",
            "replies",
            "settle",
            "judge",
            "still serving",
            "stop",
        ] {
            assert!(text.contains(phase), "{phase}: {text}");
        }
        assert!(text.contains("settle 1000.0ms"), "{text}");
        let json = serde_json::to_value(t).unwrap();
        assert_eq!(json["settle_ms"], 1000.0);
    }
}
