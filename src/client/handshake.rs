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

use super::ClientOutcome;
use crate::framing::handshake::{MAX_READY_LINE, START, parse_ready};

/// Reads until `buf` holds `n` bytes; false on EOF, error or deadline.
async fn read_at_least(s: &mut TcpStream, buf: &mut BytesMut, n: usize, deadline: Instant) -> Result<(), String> {
    while buf.len() < n {
        buf.reserve(n - buf.len());
        match tokio::time::timeout_at(deadline, s.read_buf(buf)).await {
            Err(_) => return Err("timeout".into()),
            Ok(Ok(0)) => return Err("eof".into()),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(format!("read: {e}")),
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
    let mut s = match tokio::time::timeout(connect_timeout, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            out.connect_error = Some(format!("connect to {addr}: {e}"));
            return out;
        }
        Err(_) => {
            out.connect_error = Some(format!("connect to {addr}: no answer within {connect_timeout:?}"));
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
                out.reply_errors.push("a Ready line longer than 32 bytes".into());
                return out;
            }
            let want = buf.len() + 1;
            if let Err(e) = read_at_least(&mut s, &mut buf, want, deadline).await {
                match e.as_str() {
                    "timeout" => out.hung = true,
                    "eof" => out.peer_closed_early = true,
                    _ => out.reset_by_peer = true,
                }
                return out;
            }
        };
        let n = match parse_ready(&line, max_reply) {
            Ok(n) => n,
            Err(e) => {
                out.reply_errors.push(e.to_string());
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
            match e.as_str() {
                "timeout" => out.hung = true,
                "eof" => out.peer_closed_early = true,
                _ => out.reset_by_peer = true,
            }
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
