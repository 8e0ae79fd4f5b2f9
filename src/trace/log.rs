//! What the tracer saw: per connection of the target, its read, write and
//! shutdown calls in order, with their sizes, results and times.
//! Shared between the tracer's thread (which writes) and the runner (which
//! reads, and waits on [`TraceLog::changed`]).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;
use tokio::sync::Notify;

use super::arch::CallKind;
use super::limit::ReadLimit;

/// Most calls recorded per connection; the rest are counted in
/// [`TracedConn::dropped`] (and still counted in the byte totals).
pub const MAX_CALLS: usize = 20_000;
/// Most connections recorded per target.
pub const MAX_CONNS: usize = 1_024;
/// Most calls recorded per target, over all its connections (about 100
/// bytes each); past it calls are counted, not kept.
pub const MAX_TOTAL_CALLS: usize = 500_000;

/// One call of the target on a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Call {
    /// What it does.
    pub kind: CallKind,
    /// The syscall's name (`recvfrom`, `write`, ...).
    pub sys: &'static str,
    /// The thread that made it.
    pub tid: u32,
    /// Its process (thread group).
    pub pid: u32,
    /// Bytes asked for (reads, writes), or `how` for shutdown.
    pub requested: u64,
    /// What a shortened read was lowered to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limited_to: Option<u64>,
    /// The result: bytes moved, or -errno.
    pub result: i64,
    /// Where in the connection's stream it starts (bytes read or written
    /// before it, in its direction).
    pub offset: u64,
    /// When it returned.
    #[serde(skip)]
    pub at: Option<Instant>,
}

impl Call {
    /// Bytes it moved (0 for an error or an end of stream).
    pub fn bytes(&self) -> u64 {
        u64::try_from(self.result).unwrap_or(0)
    }
}

/// One TCP connection of the target, as the target sees it.
#[derive(Debug, Clone, Serialize)]
pub struct TracedConn {
    /// The target's own address (where it listens, for a server).
    pub local: SocketAddr,
    /// The other end (framelab's client, or the proxy's upstream socket).
    pub remote: SocketAddr,
    /// Its calls, in the order they returned.
    pub calls: Vec<Call>,
    /// Calls past [`MAX_CALLS`], not recorded.
    pub dropped: u64,
    /// Bytes the target has read.
    pub bytes_read: u64,
    /// Bytes the target has written.
    pub bytes_written: u64,
    /// A read returned 0: the target saw the end of the stream.
    pub saw_eof: bool,
    /// The target shut it down (`close` is not traced: the client sees
    /// that end).
    pub closed_by_target: bool,
}

impl TracedConn {
    /// Its successful reads with bytes, in order.
    pub fn reads(&self) -> impl Iterator<Item = &Call> {
        self.calls.iter().filter(|c| c.kind == CallKind::Read && c.result > 0)
    }

    /// Its successful writes with bytes, in order.
    pub fn writes(&self) -> impl Iterator<Item = &Call> {
        self.calls.iter().filter(|c| c.kind == CallKind::Write && c.result > 0)
    }
}

#[derive(Debug, Default)]
struct Inner {
    conns: Vec<TracedConn>,
    /// Traced processes and threads now, and at most.
    live: usize,
    peak: usize,
    /// Calls stopped in all (including those on files and pipes).
    stops: u64,
    /// Reads lowered.
    limited: u64,
    /// Calls kept, over every connection.
    kept: usize,
    /// Why tracing ended early, if it did.
    failure: Option<String>,
    /// The tracer's loop has ended (every traced process is gone).
    done: bool,
    /// Connections of earlier runs, forgotten: `conns[0]` has the index
    /// `retired` (indices stay valid for the tracer across runs).
    retired: usize,
    /// How the current run's reads are shortened.
    plan: ReadPlan,
}

/// How a run shortens the target's reads: from a connection on, with a
/// seed of its own (one target serves many runs, each with its plan).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadPlan {
    /// How reads are shortened.
    pub reads: ReadLimit,
    /// Seed of `random` sizes.
    pub seed: u64,
    /// Connections from this index on are the run's (earlier ones are left
    /// whole).
    pub first: usize,
    /// Changes with each run, for the tracer to start its sizes again.
    pub generation: u64,
}

/// The tracer's record, shared.
#[derive(Debug, Clone, Default)]
pub struct TraceLog {
    inner: Arc<Mutex<Inner>>,
    changed: Arc<Notify>,
}

/// A summary of a trace, for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct TraceStats {
    /// Calls stopped in all.
    pub stops: u64,
    /// Reads lowered by `reads`.
    pub limited: u64,
    /// Most processes and threads traced at once.
    pub peak_tasks: usize,
    /// Connections recorded.
    pub connections: usize,
}

impl TraceLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The index of the connection `local` ↔ `remote`, opened if new;
    /// `None` past [`MAX_CONNS`].
    pub(crate) fn conn(&self, local: SocketAddr, remote: SocketAddr) -> Option<usize> {
        let mut g = self.lock();
        let base = g.retired;
        if let Some(i) = g.conns.iter().rposition(|c| c.local == local && c.remote == remote) {
            return Some(base + i);
        }
        if g.conns.len() >= MAX_CONNS {
            return None;
        }
        g.conns.push(TracedConn {
            local,
            remote,
            calls: Vec::new(),
            dropped: 0,
            bytes_read: 0,
            bytes_written: 0,
            saw_eof: false,
            closed_by_target: false,
        });
        Some(base + g.conns.len() - 1)
    }

    /// Records a call that returned on connection `i`.
    pub(crate) fn record(&self, i: usize, mut call: Call) {
        let mut g = self.lock();
        if call.limited_to.is_some() {
            g.limited += 1;
        }
        // A connection of an earlier run: forgotten.
        let Some(i) = i.checked_sub(g.retired) else { return };
        let Some(c) = g.conns.get_mut(i) else { return };
        let n = call.bytes();
        match call.kind {
            CallKind::Read => {
                call.offset = c.bytes_read;
                c.bytes_read += n;
                c.saw_eof |= call.result == 0 && call.requested > 0;
            }
            CallKind::Write => {
                call.offset = c.bytes_written;
                c.bytes_written += n;
            }
            CallKind::Shutdown => c.closed_by_target = true,
        }
        let room = c.calls.len() < MAX_CALLS && g.kept < MAX_TOTAL_CALLS;
        let c = &mut g.conns[i];
        if room {
            c.calls.push(call);
        } else {
            c.dropped += 1;
        }
        g.kept += usize::from(room);
        drop(g);
        self.changed.notify_waiters();
    }

    /// Starts a run on a target that served earlier ones: the connections
    /// recorded so far are forgotten (what they do from now on is not
    /// recorded), and the run's connections get `reads`, with sizes from
    /// `seed` as on a fresh target.
    pub fn begin_run(&self, reads: ReadLimit, seed: u64) {
        let mut g = self.lock();
        g.retired += g.conns.len();
        g.conns.clear();
        g.kept = 0;
        g.limited = 0;
        let generation = g.plan.generation + 1;
        g.plan = ReadPlan { reads, seed, first: g.retired, generation };
    }

    /// The current run's read plan.
    pub fn read_plan(&self) -> ReadPlan {
        self.lock().plan
    }

    pub(crate) fn stopped(&self) {
        self.lock().stops += 1;
    }

    pub(crate) fn tasks(&self, live: usize) {
        let mut g = self.lock();
        g.live = live;
        g.peak = g.peak.max(live);
    }

    pub(crate) fn fail(&self, why: String) {
        let mut g = self.lock();
        g.failure.get_or_insert(why);
    }

    /// Wakes whoever waits on [`TraceLog::changed`] (the target exited).
    pub(crate) fn poke(&self) {
        self.changed.notify_waiters();
    }

    pub(crate) fn finish(&self) {
        self.lock().done = true;
        self.changed.notify_waiters();
    }

    /// Whether the tracer's loop has ended.
    pub fn done(&self) -> bool {
        self.lock().done
    }

    /// Why tracing stopped early (too many processes, a ptrace error).
    pub fn failure(&self) -> Option<String> {
        self.lock().failure.clone()
    }

    /// The connection whose other end is `remote` (a client's own
    /// address), as recorded so far.
    pub fn connection(&self, remote: SocketAddr) -> Option<TracedConn> {
        let remote = canonical(remote);
        self.lock().conns.iter().rev().find(|c| canonical(c.remote) == remote).cloned()
    }

    /// Bytes the target has read from the connection whose other end is
    /// `remote`; `None` when the target has not touched it yet.
    pub fn bytes_read_from(&self, remote: SocketAddr) -> Option<u64> {
        let remote = canonical(remote);
        self.lock().conns.iter().rev().find(|c| canonical(c.remote) == remote).map(|c| c.bytes_read)
    }

    /// Every connection recorded so far.
    pub fn connections(&self) -> Vec<TracedConn> {
        self.lock().conns.clone()
    }

    /// A summary.
    pub fn stats(&self) -> TraceStats {
        let g = self.lock();
        TraceStats { stops: g.stops, limited: g.limited, peak_tasks: g.peak, connections: g.conns.len() }
    }

    /// Completes when something new was recorded; create it before
    /// looking, so that nothing is missed in between.
    pub fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.changed.notified()
    }
}

fn canonical(a: SocketAddr) -> SocketAddr {
    SocketAddr::new(a.ip().to_canonical(), a.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(kind: CallKind, result: i64) -> Call {
        Call { kind, sys: "x", tid: 1, pid: 1, requested: 1024, limited_to: None, result, offset: 0, at: None }
    }

    #[test]
    fn reads_and_writes_get_their_offsets_and_totals() {
        let log = TraceLog::default();
        let (l, r) = ("127.0.0.1:9000".parse().unwrap(), "127.0.0.1:5000".parse().unwrap());
        let i = log.conn(l, r).unwrap();
        assert_eq!(log.conn(l, r), Some(i), "the same connection again");
        log.record(i, call(CallKind::Read, 5));
        log.record(i, call(CallKind::Read, -11));
        log.record(i, call(CallKind::Write, 3));
        log.record(i, call(CallKind::Read, 4));
        log.record(i, call(CallKind::Read, 0));
        let c = log.connection("[::ffff:127.0.0.1]:5000".parse().unwrap()).unwrap();
        assert_eq!((c.bytes_read, c.bytes_written, c.saw_eof, c.closed_by_target), (9, 3, true, false));
        let offsets: Vec<(u64, u64)> = c.reads().map(|c| (c.offset, c.bytes())).collect();
        assert_eq!(offsets, [(0, 5), (5, 4)]);
        assert_eq!(log.bytes_read_from(r), Some(9));
        assert_eq!(log.bytes_read_from("127.0.0.1:5001".parse().unwrap()), None);
        log.record(i, call(CallKind::Shutdown, 0));
        assert!(log.connection(r).unwrap().closed_by_target);
    }

    #[test]
    fn a_new_run_forgets_the_earlier_connections_and_brings_its_read_plan() {
        let log = TraceLog::default();
        let l: SocketAddr = "127.0.0.1:9000".parse().unwrap();
        let (old, new) = ("127.0.0.1:5000".parse().unwrap(), "127.0.0.1:5001".parse().unwrap());
        let i = log.conn(l, old).unwrap();
        log.record(i, call(CallKind::Read, 5));
        let first = log.read_plan();
        log.begin_run(ReadLimit::Max(2), 7);
        let plan = log.read_plan();
        assert_eq!((plan.reads, plan.seed, plan.first), (ReadLimit::Max(2), 7, i + 1));
        assert_ne!(plan.generation, first.generation, "the tracer starts its sizes again");
        // The old connection is forgotten, and what it does now is not kept.
        assert!(log.connection(old).is_none());
        log.record(i, call(CallKind::Read, 3));
        assert!(log.connection(old).is_none() && log.stats().connections == 0);
        // The run's connection gets an index past every earlier one.
        let j = log.conn(l, new).unwrap();
        assert_eq!(j, plan.first);
        log.record(j, call(CallKind::Read, 4));
        assert_eq!(log.connection(new).unwrap().bytes_read, 4);
        assert_eq!(log.conn(l, new), Some(j));
    }

    #[test]
    fn calls_and_connections_are_bounded() {
        let log = TraceLog::default();
        let l: SocketAddr = "127.0.0.1:9000".parse().unwrap();
        let i = log.conn(l, "127.0.0.1:1".parse().unwrap()).unwrap();
        for _ in 0..MAX_CALLS + 5 {
            log.record(i, call(CallKind::Read, 1));
        }
        let c = log.connection("127.0.0.1:1".parse().unwrap()).unwrap();
        assert_eq!((c.calls.len(), c.dropped, c.bytes_read), (MAX_CALLS, 5, MAX_CALLS as u64 + 5));
        for p in 2..=MAX_CONNS as u16 {
            assert!(log.conn(l, SocketAddr::from(([127, 0, 0, 1], p))).is_some());
        }
        assert_eq!(log.conn(l, "127.0.0.1:60000".parse().unwrap()), None);
    }
}
