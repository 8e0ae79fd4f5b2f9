//! The kernel's source of "the peer has read N bytes", for any process on
//! this host ([`KernelReads`]): what we sent, less what is still in our
//! send queue, less what is still in the peer's receive queue
//! ([`crate::kernel_queue`]).
//!
//! ```text
//!  peer has read = sent - our unsent - peer's unread
//! ```
//!
//! Both queues are looked up by the connection's addresses (sock_diag
//! netlink, else `/proc/net/tcp{,6}`), our send queue first, so that a
//! byte in flight is counted twice rather than never: the count never
//! overstates what the peer read.
//!
//! # Limits
//!
//! Linux only, and the peer must be on this host in this network
//! namespace. Otherwise [`PeerReads::bytes_read`] says `None` and a wait
//! on it is [`SyncOutcome::Unavailable`](super::SyncOutcome): the caller
//! falls back to the scenario's pauses and says so. A peer that closed its
//! socket is not visible either.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::time::Duration;

use super::{ConnId, PeerReads};
use crate::kernel_queue::socket_queues;

/// How often the kernel's queues are looked at while waiting. A look is
/// one netlink round trip per queue: cheap, but not free.
const LOOK_EVERY: Duration = Duration::from_micros(500);

/// The kernel's view of any connection on this host.
#[derive(Debug, Clone, Copy, Default)]
pub struct KernelReads;

impl PeerReads for KernelReads {
    fn bytes_read(&self, conn: &ConnId, sent: u64) -> io::Result<Option<u64>> {
        // Our send queue first (see the module docs).
        let Some(ours) = socket_queues(conn.local, conn.peer)? else { return Ok(None) };
        let Some(theirs) = socket_queues(conn.peer, conn.local)? else { return Ok(None) };
        Ok(Some(sent.saturating_sub(ours.unsent.saturating_add(theirs.unread))))
    }

    fn changed(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async {
            // Let the peer run: on a loaded machine it may share our core.
            tokio::task::yield_now().await;
            tokio::time::sleep(LOOK_EVERY).await;
        })
    }
}

// Two attributes, not `cfg(all(test, ..))`: cargo-mutants knows a test
// module by a plain `#[cfg(test)]`, and would otherwise mutate its helpers.
#[cfg(test)]
#[cfg(target_os = "linux")]
mod tests {
    use super::*;
    use crate::sync::{SyncOutcome, wait_read};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn conn(s: &tokio::net::TcpStream) -> ConnId {
        ConnId { local: s.local_addr().unwrap(), peer: s.peer_addr().unwrap() }
    }

    #[tokio::test]
    async fn the_kernel_says_how_much_any_peer_has_read() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = tokio::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        let c = conn(&client);
        client.write_all(&[1u8; 1000]).await.unwrap();
        // Nobody read: the wait stalls and says how far the peer got.
        let stalled = wait_read(&KernelReads, &c, 1000, Duration::from_millis(50)).await;
        assert_eq!(stalled, SyncOutcome::Stalled { read: 0, sent: 1000 });
        let mut buf = [0u8; 400];
        server.read_exact(&mut buf).await.unwrap();
        let stalled = wait_read(&KernelReads, &c, 1000, Duration::from_millis(50)).await;
        assert_eq!(stalled, SyncOutcome::Stalled { read: 400, sent: 1000 });
        let mut rest = [0u8; 600];
        server.read_exact(&mut rest).await.unwrap();
        assert_eq!(wait_read(&KernelReads, &c, 1000, Duration::from_secs(20)).await, SyncOutcome::Reached);
        // An address pair nobody has: the kernel cannot tell.
        let nobody = ConnId { local: "127.0.0.1:1".parse().unwrap(), peer: "127.0.0.1:2".parse().unwrap() };
        assert_eq!(wait_read(&KernelReads, &nobody, 1, Duration::from_secs(1)).await, SyncOutcome::Unavailable);
    }
}
