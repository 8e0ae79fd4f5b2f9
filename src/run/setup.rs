//! `[setup]`: messages sent to a target before the scenario, on a
//! connection of their own, the replies read and dropped. Every wait is
//! bounded: the connect and the writes by [`IO_TIMEOUT`], the replies by
//! the section's quiet period and [`REPLIES_TIMEOUT`]; reply bytes are
//! counted, never kept.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout, timeout_at};
use tokio_util::codec::Encoder;

use crate::framing::{FramingError, FramingSpec};
use crate::scenario::SetupSection;

/// The bound on the connect and on writing the messages.
pub const IO_TIMEOUT: Duration = Duration::from_secs(2);

/// The bound on reading the replies, however often they come.
pub const REPLIES_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the setup failed (the scenario then has no verdict).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The connection could not be made.
    #[error("[setup]: connecting to {addr}: {error}")]
    Connect {
        /// The target.
        addr: SocketAddr,
        /// What went wrong.
        error: String,
    },
    /// A message the client's framing cannot frame.
    #[error("[setup]: message {index} cannot be framed: {source}")]
    Encode {
        /// Its place, from 1.
        index: usize,
        /// The codec's error.
        #[source]
        source: FramingError,
    },
    /// The messages could not be written.
    #[error("[setup]: writing the messages to {addr}: {error}")]
    Write {
        /// The target.
        addr: SocketAddr,
        /// What went wrong.
        error: String,
    },
}

/// What the setup did, for the scenario's detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetupDone {
    /// Messages sent.
    pub messages: usize,
    /// Reply bytes read (and dropped).
    pub reply_bytes: u64,
}

impl std::fmt::Display for SetupDone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "setup: {} message(s) sent, {} reply byte(s) read", self.messages, self.reply_bytes)
    }
}

/// Sends `setup`'s messages to `addr`, framed by `framing`, and reads the
/// replies until the target is quiet for `setup.quiet`, closes, or
/// [`REPLIES_TIMEOUT`] goes by.
pub async fn run(setup: &SetupSection, framing: &FramingSpec, addr: SocketAddr) -> Result<SetupDone, SetupError> {
    let mut codec = framing.codec();
    let mut wire = BytesMut::new();
    for (i, m) in setup.messages.iter().enumerate() {
        codec.encode(m.as_bytes(), &mut wire).map_err(|source| SetupError::Encode { index: i + 1, source })?;
    }
    let connect = timeout(IO_TIMEOUT, TcpStream::connect(addr)).await;
    let mut stream = match connect {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(SetupError::Connect { addr, error: e.to_string() }),
        Err(_) => return Err(SetupError::Connect { addr, error: format!("no answer within {IO_TIMEOUT:?}") }),
    };
    match timeout(IO_TIMEOUT, stream.write_all(&wire)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(SetupError::Write { addr, error: e.to_string() }),
        Err(_) => return Err(SetupError::Write { addr, error: format!("not written within {IO_TIMEOUT:?}") }),
    }
    let deadline = Instant::now() + REPLIES_TIMEOUT;
    let mut buf = vec![0u8; 16 * 1024];
    let mut reply_bytes = 0u64;
    loop {
        let quiet_until = (Instant::now() + setup.quiet).min(deadline);
        match timeout_at(quiet_until, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => reply_bytes += n as u64,
            // The end, a reset, the quiet period or the deadline: done.
            _ => break,
        }
    }
    let _ = timeout(IO_TIMEOUT, stream.shutdown()).await;
    Ok(SetupDone { messages: setup.messages.len(), reply_bytes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    fn section(messages: &[&str], quiet_ms: u64) -> SetupSection {
        SetupSection {
            messages: messages.iter().map(|m| crate::scenario::Message::from(*m)).collect(),
            quiet: Duration::from_millis(quiet_ms),
        }
    }

    #[tokio::test]
    async fn the_messages_go_framed_and_the_replies_are_counted_until_the_target_is_quiet() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut got = vec![0u8; 18];
            s.read_exact(&mut got).await.unwrap();
            s.write_all(b"+OK\r\n").await.unwrap();
            // Then silent, the connection open: the quiet period ends it.
            let mut rest = Vec::new();
            s.read_to_end(&mut rest).await.unwrap();
            (got, rest)
        });
        let framing: FramingSpec = "resp".parse().unwrap();
        let done = run(&section(&["FLUSHALL"], 100), &framing, addr).await.unwrap();
        assert_eq!(done, SetupDone { messages: 1, reply_bytes: 5 });
        assert_eq!(done.to_string(), "setup: 1 message(s) sent, 5 reply byte(s) read");
        let (got, rest) = server.await.unwrap();
        assert_eq!(got, b"*1\r\n$8\r\nFLUSHALL\r\n");
        assert!(rest.is_empty(), "{rest:?}");
    }

    #[tokio::test]
    async fn a_target_that_is_not_there_or_a_message_that_cannot_be_framed_is_an_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let framing: FramingSpec = "delimiter".parse().unwrap();
        let e = run(&section(&["a"], 50), &framing, addr).await.unwrap_err();
        assert!(matches!(e, SetupError::Connect { .. }) && e.to_string().starts_with("[setup]: connecting to"), "{e}");
        let e = run(&section(&["ok", "two\nlines"], 50), &framing, addr).await.unwrap_err();
        assert!(matches!(e, SetupError::Encode { index: 2, .. }), "{e}");
    }
}
