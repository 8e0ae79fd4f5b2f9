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
