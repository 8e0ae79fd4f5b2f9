//! The handshake client of the Ready|N tutorial: for each request, send `request\n`,
//! read `Ready|N`, send `Start`, read N bytes. With `coalesce_start`, the
//! `Start` and the next request go in one write: the case that loses a
//! request on the seed's server (B8).

use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::{ClientOutcome, ReplyError};
use crate::framing::handshake::{MAX_READY_LINE, START, parse_ready};

/// Why a read of the handshake stopped short.
enum Short {
    /// The deadline passed.
    Timeout,
    /// The peer closed.
    Eof,
    /// The read failed (reset).
    Failed,
}

impl Short {
    /// Records the stop in `out`.
    fn record(self, out: &mut ClientOutcome) {
        match self {
            Short::Timeout => out.hung = true,
            Short::Eof => out.peer_closed_early = true,
            Short::Failed => out.reset_by_peer = true,
        }
    }
}

/// Reads until `buf` holds `n` bytes.
async fn read_at_least(s: &mut TcpStream, buf: &mut BytesMut, n: usize, deadline: Instant) -> Result<(), Short> {
    while buf.len() < n {
        buf.reserve(n - buf.len());
        match tokio::time::timeout_at(deadline, s.read_buf(buf)).await {
            Err(_) => return Err(Short::Timeout),
            Ok(Ok(0)) => return Err(Short::Eof),
            Ok(Ok(_)) => {}
            Ok(Err(_)) => return Err(Short::Failed),
        }
    }
    Ok(())
}

/// Runs the handshake protocol for `requests` against `addr`.
pub async fn run_handshake(
    addr: SocketAddr,
    requests: &[Bytes],
    coalesce_start: bool,
    max_reply: usize,
    reply_timeout: Duration,
    connect_timeout: Duration,
) -> ClientOutcome {
    let mut out = ClientOutcome::default();
    let mut s = match super::connect(addr, connect_timeout).await {
        Ok(s) => s,
        Err(e) => {
            out.connect_error = Some(e.to_string());
            return out;
        }
    };
    let _ = s.set_nodelay(true);
    out.local = s.local_addr().ok();
    let mut buf = BytesMut::new();
    let mut sent_next = false;
    for (i, req) in requests.iter().enumerate() {
        if !sent_next {
            let mut w = req.to_vec();
            w.push(b'\n');
            if let Err(e) = s.write_all(&w).await {
                out.write_error = Some(format!("write: {e}"));
                return out;
            }
            out.written += w.len();
        }
        sent_next = false;
        let deadline = Instant::now() + reply_timeout;
        // Read the `Ready|N\n` line, bounded.
        let line = loop {
            if let Some(pos) = buf.iter().position(|b| *b == b'\n') {
                break buf.split_to(pos + 1);
            }
            if buf.len() > MAX_READY_LINE {
                out.reply_errors.push(ReplyError::Handshake("a Ready line longer than 32 bytes".into()));
                return out;
            }
            let want = buf.len() + 1;
            if let Err(e) = read_at_least(&mut s, &mut buf, want, deadline).await {
                e.record(&mut out);
                return out;
            }
        };
        let n = match parse_ready(&line, max_reply) {
            Ok(n) => n,
            Err(e) => {
                out.reply_errors.push(ReplyError::Handshake(e.to_string()));
                return out;
            }
        };
        let mut w = START.to_vec();
        if coalesce_start && i + 1 < requests.len() {
            w.extend_from_slice(&requests[i + 1]);
            w.push(b'\n');
            sent_next = true;
        }
        if let Err(e) = s.write_all(&w).await {
            out.write_error = Some(format!("write: {e}"));
            return out;
        }
        out.written += w.len();
        if let Err(e) = read_at_least(&mut s, &mut buf, n, deadline).await {
            e.record(&mut out);
            return out;
        }
        out.replies.push(buf.split_to(n).freeze());
    }
    let _ = s.shutdown().await;
    // Wait briefly for the server to close.
    let mut rest = [0u8; 256];
    let _ = tokio::time::timeout(reply_timeout, s.read(&mut rest)).await;
    out
}
