//! See inside any target: a spawned server's (or client's) own `read()` and
//! `write()` calls, seen with ptrace and a seccomp filter that stops only
//! those calls, in any language and for static binaries.
//!
//! A reference server counts its own reads; any other program does not
//! tell. Linux lets a parent watch its child's syscalls: the tracer starts
//! the target with `PTRACE_TRACEME` and a seccomp-bpf filter that returns
//! `SECCOMP_RET_TRACE` for the read family (read, readv, recvfrom, recvmsg,
//! recvmmsg), the write family (write, writev, sendto, sendmsg, sendmmsg,
//! sendfile) and shutdown. Nothing else stops: not even close, which a
//! target's start-up (a shell wrapper, the dynamic loader) makes hundreds
//! of times; a connection's end is seen by the client. It follows threads,
//! forks and vforks, and the target dies with framelab
//! (`PTRACE_O_EXITKILL`, and `PR_SET_PDEATHSIG` before the options are
//! set). Each call on a socket of the scenario's connections is recorded
//! with its requested size, result, order and time ([`TraceLog`]), and a
//! read's length may be lowered at its entry ([`ReadLimit`]): short reads
//! inside any process, with no pause, cut or sync.
//!
//! What it gives the rest of framelab:
//! - [`TraceLog`] is a [`PeerReads`](crate::sync::PeerReads) source ("the
//!   target has read N bytes"), exact and notified, no polling;
//! - the judge reads the target's reads and writes on each connection
//!   ([`crate::judge::traced`]);
//! - reports draw them as the target's timeline.
//!
//! Where ptrace or seccomp is refused (Yama `ptrace_scope` 3, a container's
//! seccomp profile), [`spawn`] says so with [`TraceError::Refused`] and the
//! caller falls back to an untraced target. io_uring reads do not pass
//! through these calls and are not seen.

pub mod arch;
mod limit;
mod log;
#[cfg(target_os = "linux")]
mod tracer;

use std::io;

pub use arch::CallKind;
pub use limit::{ReadLimit, ReadLimitError};
pub use log::{Call, MAX_CALLS, MAX_CONNS, ReadPlan, TraceLog, TraceStats, TracedConn};
#[cfg(target_os = "linux")]
pub use tracer::{TracedChild, spawn};

/// How a target is traced.
#[derive(Debug, Clone)]
pub struct TraceConfig {
    /// Connections with this port on either side are the scenario's:
    /// recorded, and their reads shortened.
    pub port: u16,
    /// How its reads on those connections are shortened.
    pub reads: ReadLimit,
    /// Seed of the `random` read sizes.
    pub seed: u64,
    /// Most processes and threads traced at once; past it the target is
    /// killed and the trace says why.
    pub max_tasks: usize,
}

/// Most processes and threads of one target traced at once, by default.
pub const MAX_TASKS: usize = 512;

/// What the kernel refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refuser {
    /// `PTRACE_TRACEME`.
    Ptrace,
    /// The seccomp filter.
    Seccomp,
}

impl Refuser {
    /// What to change for it to be allowed.
    fn setting(self) -> &'static str {
        match self {
            Refuser::Ptrace => {
                "ptrace was refused: tracing a child needs ptrace (Yama's kernel.yama.ptrace_scope must be below 3, \
                 and below 2 without CAP_SYS_PTRACE; a container's seccomp profile may forbid ptrace)"
            }
            Refuser::Seccomp => {
                "seccomp was refused: the target's filter needs seccomp-bpf (a container's seccomp profile or an \
                 old kernel may forbid it)"
            }
        }
    }
}

/// Why a target could not be started under the tracer.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The kernel refused to trace it.
    #[error("{} ({source})", what.setting())]
    Refused {
        /// What was refused.
        what: Refuser,
        /// The error the kernel gave.
        source: io::Error,
    },
    /// The program could not be started.
    #[error("{0}")]
    Spawn(io::Error),
    /// The filter could not be built (an architecture seccompiler lacks).
    #[error("the seccomp filter could not be built: {0}")]
    Filter(String),
    /// The tracer's thread could not be started.
    #[error("the tracer's thread could not start: {0}")]
    Thread(io::Error),
}

/// "the peer has read N bytes", from the trace where the target has
/// touched the connection, else from the kernel's queues.
#[derive(Debug, Clone)]
pub struct TraceReads {
    log: TraceLog,
}

impl TraceReads {
    /// Reads of the target traced in `log`.
    pub fn new(log: TraceLog) -> TraceReads {
        TraceReads { log }
    }
}

impl crate::sync::PeerReads for TraceReads {
    fn bytes_read(&self, conn: &crate::sync::ConnId, sent: u64) -> io::Result<Option<u64>> {
        match self.log.bytes_read_from(conn.local) {
            Some(n) => Ok(Some(n)),
            // Not touched yet: the kernel can still say "nothing read".
            None => crate::sync::KernelReads.bytes_read(conn, sent),
        }
    }

    fn changed(&self) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        // Created now, before the caller asks: a read recorded in between
        // still wakes it. Bounded: a connection the target has not touched
        // yet is polled through the kernel.
        let changed = self.log.changed();
        Box::pin(async move {
            let _ = tokio::time::timeout(crate::sync::POLL * 5, changed).await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::{ConnId, PeerReads, SyncOutcome, wait_read};

    #[test]
    fn a_refusal_names_what_was_refused_and_the_setting() {
        let e = |what| TraceError::Refused { what, source: io::Error::from_raw_os_error(libc::EPERM) }.to_string();
        let p = e(Refuser::Ptrace);
        assert!(
            p.starts_with("ptrace was refused") && p.contains("ptrace_scope") && p.contains("(Operation not permitted"),
            "{p}"
        );
        let s = e(Refuser::Seccomp);
        assert!(s.starts_with("seccomp was refused") && s.contains("seccomp-bpf"), "{s}");
    }

    #[tokio::test]
    async fn the_trace_says_what_the_target_read_and_wakes_a_wait_at_once() {
        let log = TraceLog::default();
        let (server, client) = ("127.0.0.1:9000".parse().unwrap(), "127.0.0.1:5000".parse().unwrap());
        let conn = ConnId { local: client, peer: server };
        let reads = TraceReads::new(log.clone());
        // Not touched yet: the kernel is asked, and has no such socket.
        assert_eq!(reads.bytes_read(&conn, 5).unwrap(), None);
        let i = log.conn(server, client).unwrap();
        let read = |n| Call {
            kind: CallKind::Read,
            sys: "read",
            tid: 1,
            pid: 1,
            requested: 64,
            limited_to: None,
            result: n,
            offset: 0,
            at: None,
        };
        log.record(i, read(3));
        assert_eq!(reads.bytes_read(&conn, 5).unwrap(), Some(3));
        // A wait for 5 bytes ends when the target's next read is recorded.
        let waiter = {
            let reads = reads.clone();
            tokio::spawn(async move { wait_read(&reads, &conn, 5, std::time::Duration::from_secs(30)).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        log.record(i, read(2));
        assert_eq!(waiter.await.unwrap(), SyncOutcome::Reached);
        // A stalled wait says how far the target got.
        let stalled = wait_read(&reads, &conn, 9, std::time::Duration::from_millis(30)).await;
        assert_eq!(stalled, SyncOutcome::Stalled { read: 5, sent: 9 });
    }
}
