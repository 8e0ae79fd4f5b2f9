//! The pure pieces of the `Ready|N` / `Start` handshake (the Ready|N tutorial).
//!
//! ```text
//! client                         server
//!   | request\n                    |
//!   |----------------------------->|
//!   |                 Ready|N\n    |
//!   |<-----------------------------|
//!   | Start                        |
//!   |----------------------------->|
//!   |                 N bytes      |
//!   |<-----------------------------|
//! ```
//!
//! The seed reads each of these with one `recv(1024)`; a `Start` that
//! arrives together with the next request makes that request vanish (B8),
//! and every reply pays a round trip. framelab's correct handshake frames
//! requests with `\n`, reads exactly the five bytes of `Start`, and bounds
//! the announced size.
//!
//! ```
//! use framelab::framing::handshake::{parse_ready, ready_line};
//! assert_eq!(parse_ready(&ready_line(42), 1 << 20).unwrap(), 42);
//! assert!(parse_ready(b"Ready|-1", 1 << 20).is_err());
//! ```
//!
//! # Limits
//!
//! A `Ready|N` line is at most [`MAX_READY_LINE`] bytes; N above the
//! caller's maximum is an error before anything is allocated.

use std::fmt;

use bytes::Bytes;

use super::delimiter::DEFAULT_MAX_LENGTH;
use super::registry::{Strategy, StrategyInfo};
use super::spec::{Item, SpecProblem, size_value, unexpected};
use super::{AnyCodec, DelimiterCodec, KnobError, Knobs};
use crate::units::Size;

/// The token the client sends to start the transfer.
pub const START: &[u8] = b"Start";

/// Longest `Ready|N` line accepted, newline excluded.
pub const MAX_READY_LINE: usize = 32;

/// What can go wrong in the handshake.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HandshakeError {
    /// The line is not `Ready|N`.
    #[error("expected `Ready|N`, got {0:?}")]
    NotReady(String),
    /// N is larger than allowed.
    #[error("announced size {size} exceeds the maximum of {max} bytes")]
    TooLarge {
        /// The announced size.
        size: u64,
        /// The caller's maximum.
        max: usize,
    },
    /// The client sent something else than `Start`.
    #[error("expected `Start`, got {0:?}")]
    NotStart(String),
}

/// The `Ready|N\n` line announcing an `n`-byte reply.
pub fn ready_line(n: usize) -> Bytes {
    Bytes::from(format!("Ready|{n}\n"))
}

/// Parses a `Ready|N` line (with or without its trailing `\n`, surrounding
/// whitespace ignored) and checks N against `max`.
pub fn parse_ready(line: &[u8], max: usize) -> Result<usize, HandshakeError> {
    let shown = || String::from_utf8_lossy(&line[..line.len().min(MAX_READY_LINE)]).into_owned();
    if line.len() > MAX_READY_LINE + 1 {
        return Err(HandshakeError::NotReady(shown()));
    }
    let text = std::str::from_utf8(line).map_err(|_| HandshakeError::NotReady(shown()))?.trim();
    let n = text
        .strip_prefix("Ready|")
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(|| HandshakeError::NotReady(shown()))?;
    if n > max as u64 {
        return Err(HandshakeError::TooLarge { size: n, max });
    }
    Ok(n as usize)
}

/// Checks that `token` is exactly `Start`.
pub fn check_start(token: &[u8]) -> Result<(), HandshakeError> {
    if token == START {
        Ok(())
    } else {
        Err(HandshakeError::NotStart(String::from_utf8_lossy(&token[..token.len().min(32)]).into_owned()))
    }
}

/// The handshake strategy's knobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeFormat {
    /// Largest request line and reply.
    pub max_length: usize,
}

impl Default for HandshakeFormat {
    fn default() -> Self {
        HandshakeFormat { max_length: DEFAULT_MAX_LENGTH }
    }
}

/// The `handshake` strategy: its requests are `\n`-delimited.
#[derive(Debug)]
pub struct Handshake;

impl Strategy for Handshake {
    const INFO: StrategyInfo = StrategyInfo {
        name: "handshake",
        aliases: &[],
        wire: "request\\n; reply Ready|N\\n; client sends Start; N reply bytes follow (the Ready|N tutorial)",
        knobs: &[("max", "64KiB", "longest request line and largest reply")],
    };
    type Format = HandshakeFormat;
    const SPEC_SEEDS: &'static [&'static str] = &["handshake:max=1KiB"];

    fn apply_item(f: &mut HandshakeFormat, item: Item<'_>) -> Result<(), SpecProblem> {
        match item.key {
            "max" => f.max_length = size_value("max", item.value)?,
            _ => return Err(unexpected("max=SIZE", item.text)),
        }
        Ok(())
    }

    fn write(f: &HandshakeFormat, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(out, "handshake:max={}", Size(f.max_length))
    }

    fn max_message(f: &HandshakeFormat) -> usize {
        f.max_length
    }

    fn codec(f: &HandshakeFormat) -> AnyCodec {
        DelimiterCodec::lines(f.max_length).into()
    }

    fn apply_knobs(f: &mut HandshakeFormat, knobs: &Knobs) -> Result<(), KnobError> {
        knobs.refuse(Default::default())?;
        if let Some(m) = knobs.max_frame {
            f.max_length = m;
        }
        Ok(())
    }

    fn restating_knobs(f: &HandshakeFormat) -> Knobs {
        Knobs { max_frame: Some(f.max_length), ..Knobs::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_line_rejects_garbage_negative_and_oversized() {
        assert_eq!(parse_ready(b"Ready|0\n", 10), Ok(0));
        assert!(matches!(parse_ready(b"Ready|11", 10), Err(HandshakeError::TooLarge { size: 11, max: 10 })));
        let not_ready = |s: &str| Err(HandshakeError::NotReady(s.into()));
        assert_eq!(parse_ready(b"Ready|", 10), not_ready("Ready|"));
        assert_eq!(parse_ready(b"Ready|99999999999999999999999", 10), not_ready("Ready|99999999999999999999999"));
        assert_eq!(parse_ready(b"Steady|1", 10), not_ready("Steady|1"));
        assert_eq!(parse_ready(&[b'9'; 100], 10), not_ready(&"9".repeat(32)));
        assert_eq!(parse_ready(&[b'9'; 34], 10), not_ready(&"9".repeat(32)));
        assert_eq!(parse_ready(b"Ready|-1", 10), not_ready("Ready|-1"));
        assert_eq!(parse_ready(b"Ready|\xff", 10), not_ready("Ready|\u{fffd}"));
        assert_eq!(parse_ready(b" Ready|10 \n", 10), Ok(10));
        // 32 bytes and a newline is the longest line.
        assert_eq!(parse_ready(format!("Ready|{}\n", "0".repeat(26)).as_bytes(), 10), Ok(0));
        assert_eq!(
            parse_ready(b"Ready|11", 10).unwrap_err().to_string(),
            "announced size 11 exceeds the maximum of 10 bytes"
        );
        assert_eq!(check_start(b"Start"), Ok(()));
        assert_eq!(check_start(b"Startnext"), Err(HandshakeError::NotStart("Startnext".into())));
        assert_eq!(check_start(&[b'x'; 40]), Err(HandshakeError::NotStart("x".repeat(32))));
        assert_eq!(check_start(b"Star").unwrap_err().to_string(), "expected `Start`, got \"Star\"");
        assert_eq!(ready_line(42), bytes::Bytes::from_static(b"Ready|42\n"));
    }
}
