//! The synchronisation seam: "the peer has read N bytes of what this
//! connection sent". A plan's [`Sync`](crate::fault::Action::Sync) waits on
//! it, so that the next write cannot reach the peer's socket before the
//! peer has taken the previous ones out (two writes the peer reads apart).
//!
//! A source of that fact implements [`PeerReads`]. The reference server's
//! own read counter is one
//! ([`ObservationLog`](crate::server::ObservationLog)); the kernel's
//! queues of the connection (any process on this host) are another
//! ([`KernelReads`]). The client waits with [`wait_read`] and knows no server type.
//!
//! A wait that does not reach its count is not a silent pause: it gives
//! [`SyncOutcome::Stalled`] with how far the peer got, which reports show
//! as "the peer stopped reading after N of M bytes".

mod kernel;

pub use kernel::KernelReads;

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use tokio::time::Instant;

/// One TCP connection, as its client side sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConnId {
    /// The client's own address.
    pub local: SocketAddr,
    /// The address it connected to.
    pub peer: SocketAddr,
}

/// How often a source without change notifications is asked again.
pub const POLL: Duration = Duration::from_millis(2);

/// A source of "how many bytes of this connection has the peer read".
pub trait PeerReads: Send + Sync {
    /// How many of the `sent` bytes the peer of `conn` has read so far;
    /// `None` when this source cannot tell for this connection.
    fn bytes_read(&self, conn: &ConnId, sent: u64) -> io::Result<Option<u64>>;

    /// Completes when the count may have changed. It is created before
    /// [`bytes_read`](Self::bytes_read) is asked, so a change in between
    /// is not missed. The default polls every [`POLL`].
    fn changed(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(POLL))
    }
}

/// How a wait for the peer's reads ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncOutcome {
    /// The peer has read at least the bytes waited for.
    Reached,
    /// The timeout passed first: the peer read `read` of `sent` bytes.
    Stalled {
        /// Bytes the peer had read when the wait gave up.
        read: u64,
        /// Bytes sent (and waited for).
        sent: u64,
    },
    /// The source cannot tell for this connection (or failed to ask).
    Unavailable,
}

impl fmt::Display for SyncOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncOutcome::Reached => f.write_str("the peer read everything sent"),
            SyncOutcome::Stalled { read, sent } => write!(f, "the peer stopped reading after {read} of {sent} bytes"),
            SyncOutcome::Unavailable => f.write_str("what the peer read cannot be observed"),
        }
    }
}

/// Waits until the peer of `conn` has read `n` bytes, or `timeout` passes.
pub async fn wait_read(src: &dyn PeerReads, conn: &ConnId, n: u64, timeout: Duration) -> SyncOutcome {
    let deadline = Instant::now() + timeout;
    loop {
        let changed = src.changed();
        let read = match src.bytes_read(conn, n) {
            Ok(Some(r)) => r,
            Ok(None) | Err(_) => return SyncOutcome::Unavailable,
        };
        if read >= n {
            return SyncOutcome::Reached;
        }
        if tokio::time::timeout_at(deadline, changed).await.is_err() {
            return match src.bytes_read(conn, n) {
                Ok(Some(r)) if r >= n => SyncOutcome::Reached,
                Ok(Some(r)) => SyncOutcome::Stalled { read: r, sent: n },
                _ => SyncOutcome::Unavailable,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    struct Counter(AtomicU64);

    impl PeerReads for Counter {
        fn bytes_read(&self, _: &ConnId, _: u64) -> io::Result<Option<u64>> {
            Ok(Some(self.0.fetch_add(1, Ordering::SeqCst).min(3)))
        }
    }

    struct Blind;

    impl PeerReads for Blind {
        fn bytes_read(&self, _: &ConnId, _: u64) -> io::Result<Option<u64>> {
            Ok(None)
        }
    }

    /// Nothing read at the first ask, everything at any later one; never
    /// says it changed, so a wait on it asks once more at its deadline.
    struct Late(AtomicU64);

    impl PeerReads for Late {
        fn bytes_read(&self, _: &ConnId, sent: u64) -> io::Result<Option<u64>> {
            Ok(Some(if self.0.fetch_add(1, Ordering::SeqCst) == 0 { 0 } else { sent }))
        }

        fn changed(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
            Box::pin(std::future::pending())
        }
    }

    fn conn() -> ConnId {
        ConnId { local: "127.0.0.1:1".parse().unwrap(), peer: "127.0.0.1:2".parse().unwrap() }
    }

    #[tokio::test]
    async fn a_wait_reaches_stalls_or_cannot_tell() {
        let c = Counter(AtomicU64::new(0));
        assert_eq!(wait_read(&c, &conn(), 3, Duration::from_secs(5)).await, SyncOutcome::Reached);
        let stalled = wait_read(&c, &conn(), 10, Duration::from_millis(20)).await;
        assert_eq!(stalled, SyncOutcome::Stalled { read: 3, sent: 10 });
        assert_eq!(stalled.to_string(), "the peer stopped reading after 3 of 10 bytes");
        assert_eq!(wait_read(&Blind, &conn(), 1, Duration::from_secs(5)).await, SyncOutcome::Unavailable);
    }

    #[tokio::test]
    async fn a_count_reached_by_the_last_ask_at_the_deadline_is_reached() {
        let late = Late(AtomicU64::new(0));
        assert_eq!(wait_read(&late, &conn(), 5, Duration::from_millis(10)).await, SyncOutcome::Reached);
        assert_eq!(late.0.load(Ordering::SeqCst), 2, "asked once, then once more at the deadline");
    }
}
