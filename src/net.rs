//! Small socket helpers shared by clients, servers and tests.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;

/// Closes `stream` with a TCP reset (`SO_LINGER` 0) instead of a FIN: the
/// peer sees `ConnectionResetError`.
pub fn reset(stream: TcpStream) {
    // socket2 because tokio deprecated its own set_linger (it can block on
    // drop for a non-zero linger; zero never blocks).
    let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
    drop(stream);
}

/// A `--target` that is not a loopback `IP:PORT` or `localhost:PORT`.
#[derive(Debug, thiserror::Error)]
pub enum TargetAddrError {
    /// Not an address at all.
    #[error("expected IP:PORT, [::1]:PORT or localhost:PORT, got {0:?}")]
    Parse(String),
    /// An address off loopback.
    #[error("{0} is not a loopback address; framelab only sends test traffic to 127.0.0.0/8 and ::1")]
    NotLoopback(SocketAddr),
}

/// Parses a target address: `IP:PORT`, `[::1]:PORT` or `localhost:PORT`
/// (127.0.0.1); anything off loopback is refused.
pub fn parse_target(s: &str) -> Result<SocketAddr, TargetAddrError> {
    let addr = match s.strip_prefix("localhost:") {
        Some(port) => port
            .parse::<u16>()
            .map(|p| SocketAddr::from(([127, 0, 0, 1], p)))
            .map_err(|_| TargetAddrError::Parse(s.to_string()))?,
        None => s.parse::<SocketAddr>().map_err(|_| TargetAddrError::Parse(s.to_string()))?,
    };
    if is_loopback(&addr) { Ok(addr) } else { Err(TargetAddrError::NotLoopback(addr)) }
}

/// Whether `addr` is a loopback address (127.0.0.0/8 or ::1): the only
/// targets framelab's load-generating runs send traffic to.
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    /// The peer of a reset connection reads `ConnectionReset`, not an
    /// orderly end of stream (a FIN, which `drop` alone would send).
    #[tokio::test]
    async fn reset_closes_with_a_reset_not_a_fin() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = TcpStream::connect(addr).await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        reset(client);
        let mut buf = [0u8; 8];
        let got = tokio::time::timeout(Duration::from_secs(20), server.read(&mut buf)).await.expect("no answer");
        assert_eq!(got.map_err(|e| e.kind()), Err(std::io::ErrorKind::ConnectionReset));
    }

    #[test]
    fn targets_are_loopback_only() {
        assert_eq!(parse_target("127.0.0.1:80").unwrap(), SocketAddr::from(([127, 0, 0, 1], 80)));
        assert_eq!(parse_target("127.8.9.10:1").unwrap(), SocketAddr::from(([127, 8, 9, 10], 1)));
        assert_eq!(parse_target("localhost:7").unwrap(), SocketAddr::from(([127, 0, 0, 1], 7)));
        assert!(parse_target("[::1]:9").unwrap().ip().is_loopback());
        for off in ["10.0.0.1:80", "[::2]:80", "0.0.0.0:80", "192.168.1.1:22"] {
            assert!(matches!(parse_target(off), Err(TargetAddrError::NotLoopback(_))), "{off}");
        }
        for bad in ["localhost", "localhost:x", "example.com:80", "127.0.0.1", ""] {
            assert!(matches!(parse_target(bad), Err(TargetAddrError::Parse(_))), "{bad}");
        }
        assert!(is_loopback(&"127.0.0.1:1".parse().unwrap()));
        assert!(!is_loopback(&"8.8.8.8:53".parse().unwrap()));
    }
}
