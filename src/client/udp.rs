//! The UDP client: one datagram per message, replies collected until the
//! reply timeout.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use tokio::net::UdpSocket;

use super::ClientOutcome;
use crate::framing::udp::MAX_DATAGRAM;

/// Sends each message as a datagram to `addr` (with `pause` between), then
/// collects up to `expected_replies` replies.
pub async fn run_udp(
    addr: SocketAddr,
    messages: &[Bytes],
    pause: Duration,
    expected_replies: usize,
    reply_timeout: Duration,
) -> ClientOutcome {
    let mut out = ClientOutcome::default();
    let bind: SocketAddr = if addr.is_ipv6() { "[::1]:0".parse().unwrap() } else { "127.0.0.1:0".parse().unwrap() };
    let sock = match UdpSocket::bind(bind).await {
        Ok(s) => s,
        Err(e) => {
            out.connect_error = Some(format!("bind: {e}"));
            return out;
        }
    };
    out.local = sock.local_addr().ok();
    for (i, m) in messages.iter().enumerate() {
        if let Err(e) = sock.send_to(&m[..m.len().min(MAX_DATAGRAM)], addr).await {
            out.write_error = Some(format!("send: {e}"));
            return out;
        }
        out.written += m.len();
        if i + 1 < messages.len() && !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
    }
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    while out.replies.len() < expected_replies {
        match tokio::time::timeout(reply_timeout, sock.recv_from(&mut buf)).await {
            Ok(Ok((n, from))) if from == addr => out.replies.push(Bytes::copy_from_slice(&buf[..n])),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                out.reply_errors.push(super::ReplyError::Recv(e.to_string()));
                break;
            }
            Err(_) => {
                out.hung = true;
                break;
            }
        }
    }
    out
}
