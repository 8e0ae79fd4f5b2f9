//! One direction of a proxied connection: read from one socket, re-chunk
//! with the direction's schedule, write to the other, with pauses between
//! writes. Every read and write has a timeout.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::watch;
use tokio::time::Instant;

use super::DirectionConfig;
use super::rechunk::Rechunker;

/// Bytes asked of one read.
const READ_SIZE: usize = 256 * 1024;

/// How a direction ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PumpEnd {
    /// The sender closed; everything was passed on and the write side shut
    /// down.
    Eof,
    /// `reset-after` bytes were passed: reset both connections.
    ResetAfter,
    /// `close-after` bytes were passed: the write side was shut down.
    CloseAfter,
    /// Reading failed (the sender reset the connection).
    ReadError(String),
    /// Writing failed (the receiver reset the connection or stopped
    /// reading for the idle timeout).
    WriteError(String),
    /// Neither direction moved for the idle timeout.
    Idle,
    /// The other direction failed, or the proxy is stopping.
    Stopped,
}

impl PumpEnd {
    /// Whether the other direction must stop too.
    pub fn ends_connection(&self) -> bool {
        !matches!(self, PumpEnd::Eof | PumpEnd::CloseAfter | PumpEnd::Stopped)
    }

    /// Whether both sockets should be reset rather than closed.
    pub fn resets(&self) -> bool {
        matches!(self, PumpEnd::ResetAfter | PumpEnd::ReadError(_) | PumpEnd::WriteError(_))
    }

    /// A few words for logs.
    pub fn describe(&self) -> String {
        match self {
            PumpEnd::Eof => "closed".into(),
            PumpEnd::ResetAfter => "reset after the byte limit".into(),
            PumpEnd::CloseAfter => "closed after the byte limit".into(),
            PumpEnd::ReadError(e) => format!("read error: {e}"),
            PumpEnd::WriteError(e) => format!("write error: {e}"),
            PumpEnd::Idle => "idle timeout".into(),
            PumpEnd::Stopped => "stopped".into(),
        }
    }
}

/// The last time either direction of a connection moved a byte.
#[derive(Debug)]
pub(crate) struct Activity {
    base: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    pub fn new() -> Self {
        Activity { base: Instant::now(), last_ms: AtomicU64::new(0) }
    }

    fn touch(&self) {
        self.last_ms.store(self.base.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    fn quiet_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.base.elapsed().saturating_sub(last)
    }
}

/// What a pump needs besides its sockets.
pub(crate) struct PumpCtx {
    pub dir: DirectionConfig,
    pub seed: u64,
    pub idle: Duration,
    /// The proxy's byte counter for this direction.
    pub counter: Arc<AtomicU64>,
    /// The proxy's count of sync writes whose reading could not be seen.
    pub unsynced: Arc<AtomicU64>,
    /// Shared by both directions of the connection.
    pub activity: Arc<Activity>,
}

/// Runs one direction until it ends or `stop` turns true. Returns how it
/// ended, the sockets, and the bytes it passed.
pub(crate) async fn pump(
    mut src: OwnedReadHalf,
    mut dst: OwnedWriteHalf,
    ctx: PumpCtx,
    mut stop: watch::Receiver<bool>,
) -> (PumpEnd, OwnedReadHalf, OwnedWriteHalf, u64) {
    let mut passed = 0u64;
    let end = {
        let body = run(&mut src, &mut dst, &ctx, &mut passed);
        tokio::select! {
            e = body => e,
            _ = async { let _ = stop.wait_for(|s| *s).await; } => PumpEnd::Stopped,
        }
    };
    (end, src, dst, passed)
}

/// Waits until the receiver has read every byte written so far; a
/// receiver that stops reading ends the direction with a clear error.
async fn drained(dst: &OwnedWriteHalf, ctx: &PumpCtx, passed: u64) -> Result<(), PumpEnd> {
    use crate::kernel_queue::{Drained, wait_drained};
    match wait_drained(dst.as_ref(), ctx.idle).await {
        Drained::Empty => Ok(()),
        Drained::Stalled { unread, unsent } => {
            let read = passed.saturating_sub(unread + unsent);
            Err(PumpEnd::WriteError(format!("the receiver stopped reading after {read} of {passed} bytes")))
        }
        Drained::Unavailable(_) => {
            ctx.unsynced.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
    }
}

async fn run(src: &mut OwnedReadHalf, dst: &mut OwnedWriteHalf, ctx: &PumpCtx, passed: &mut u64) -> PumpEnd {
    let dir = &ctx.dir;
    let mut chunker = Rechunker::new(dir.schedule.clone(), ctx.seed);
    let mut pending = BytesMut::with_capacity(READ_SIZE);
    let mut eof = false;
    let mut quiet = false;
    let limit = match (dir.reset_after, dir.close_after) {
        (Some(r), Some(c)) if c < r => Some((c, PumpEnd::CloseAfter)),
        (Some(r), _) => Some((r, PumpEnd::ResetAfter)),
        (None, Some(c)) => Some((c, PumpEnd::CloseAfter)),
        (None, None) => None,
    };
    loop {
        if let Some((max, end)) = &limit
            && *passed >= *max
        {
            if *end == PumpEnd::CloseAfter {
                let _ = tokio::time::timeout(ctx.idle, dst.shutdown()).await;
            }
            return end.clone();
        }
        while let Some(mut n) = chunker.next_write(pending.len(), eof || quiet) {
            if let Some((max, _)) = &limit {
                n = n.min(usize::try_from(max - *passed).unwrap_or(usize::MAX));
            }
            match tokio::time::timeout(ctx.idle, dst.write_all(&pending[..n])).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return PumpEnd::WriteError(e.to_string()),
                Err(_) => return PumpEnd::WriteError(format!("the receiver read nothing for {:?}", ctx.idle)),
            }
            pending.advance(n);
            *passed += n as u64;
            ctx.counter.fetch_add(n as u64, Ordering::Relaxed);
            ctx.activity.touch();
            if limit.as_ref().is_some_and(|(max, _)| *passed >= *max) {
                break;
            }
            if dir.sync
                && let Err(e) = drained(dst, ctx, *passed).await
            {
                return e;
            }
            if !(dir.pause.is_zero() || eof && pending.is_empty()) {
                tokio::time::sleep(dir.pause).await;
            }
        }
        if limit.as_ref().is_some_and(|(max, _)| *passed >= *max) {
            continue;
        }
        quiet = false;
        if eof {
            let _ = tokio::time::timeout(ctx.idle, dst.shutdown()).await;
            return PumpEnd::Eof;
        }
        if pending.capacity() - pending.len() < READ_SIZE / 4 {
            pending.reserve(READ_SIZE);
        }
        let holding = !pending.is_empty() && chunker.holds();
        let wait = if holding { dir.hold } else { ctx.idle };
        match tokio::time::timeout(wait, src.read_buf(&mut pending)).await {
            Ok(Ok(0)) => eof = true,
            Ok(Ok(_)) => {
                chunker.on_read();
                ctx.activity.touch();
            }
            Ok(Err(e)) => return PumpEnd::ReadError(e.to_string()),
            Err(_) if holding => quiet = true,
            // The other direction may be busy (a long download): only a
            // connection quiet both ways for the idle timeout ends.
            Err(_) if ctx.activity.quiet_for() < ctx.idle => {}
            Err(_) => return PumpEnd::Idle,
        }
    }
}
