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

/// Whether `addr` is a loopback address (127.0.0.0/8 or ::1): the only
/// targets framelab's load-generating runs send traffic to.
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}
