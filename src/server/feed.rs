//! The event feed of `framelab serve --events json`: one JSON object per
//! line, for programs that drive a server process (soak). The first line
//! is always [`FeedLine::Listening`].

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::observe::{CloseReason, ServerEvent};
use crate::framing::ErrorKind;

/// One line of the feed: `{"event": "listening", "addr": "127.0.0.1:9000"}`,
/// `{"event": "error", "conn": 3, "kind": "frame-too-large", "detail": ...}`, ...
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum FeedLine {
    /// The server listens here (the real port when 0 was asked).
    Listening {
        /// The bound address.
        addr: SocketAddr,
    },
    /// A message as the server understood it.
    Message {
        /// Connection number.
        conn: u64,
        /// Its length.
        len: usize,
    },
    /// A framing, protocol or handler error.
    Error {
        /// Connection number.
        conn: u64,
        /// What kind.
        kind: ErrorKind,
        /// The error text.
        detail: String,
    },
    /// A reply was sent.
    Reply {
        /// Connection number.
        conn: u64,
        /// Its length.
        len: usize,
    },
    /// A connection ended.
    Closed {
        /// Connection number.
        conn: u64,
        /// Why.
        reason: CloseReason,
    },
    /// Events the feed dropped because its reader fell behind.
    Skipped {
        /// How many.
        count: u64,
    },
}

impl FeedLine {
    /// The line of event `ev` of connection `conn`.
    pub fn of(conn: u64, ev: &ServerEvent) -> FeedLine {
        match ev {
            ServerEvent::Message { len, .. } => FeedLine::Message { conn, len: *len },
            ServerEvent::Error { kind, detail } => FeedLine::Error { conn, kind: *kind, detail: detail.clone() },
            ServerEvent::Reply { len } => FeedLine::Reply { conn, len: *len },
            ServerEvent::Closed { reason } => FeedLine::Closed { conn, reason: *reason },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_through_json() {
        let lines = [
            FeedLine::Listening { addr: "127.0.0.1:9".parse().unwrap() },
            FeedLine::Error { conn: 2, kind: ErrorKind::FrameTooLarge, detail: "big".into() },
            FeedLine::Closed { conn: 2, reason: CloseReason::EofMidFrame },
            FeedLine::Skipped { count: 3 },
        ];
        for l in lines {
            let text = serde_json::to_string(&l).unwrap();
            assert_eq!(serde_json::from_str::<FeedLine>(&text).unwrap(), l, "{text}");
        }
        let text =
            serde_json::to_string(&FeedLine::Error { conn: 1, kind: ErrorKind::LineTooLong, detail: "x".into() });
        assert_eq!(text.unwrap(), r#"{"event":"error","conn":1,"kind":"line-too-long","detail":"x"}"#);
    }
}
