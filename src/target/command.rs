//! A client under test: a command run to completion (or to its timeout)
//! against a server, its exit status and output recorded.

use std::path::Path;
use std::time::Duration;

use tokio::time::Instant;

use super::TargetError;
use super::capture::{Capture, Keep};
use super::group::{Group, stderr_capture};

/// Most stdout kept from a client under test.
pub const STDOUT_LIMIT: usize = 1 << 20;

/// How a command ended.
#[derive(Debug, Clone, Default)]
pub struct CommandOutcome {
    /// The command line, for messages.
    pub command: String,
    /// Its pid (gone by the time this is returned).
    pub pid: Option<u32>,
    /// Exit code, when it exited on its own.
    pub code: Option<i32>,
    /// The signal that ended it, when one did (unix).
    pub signal: Option<i32>,
    /// It was still running at the timeout and was killed.
    pub timed_out: bool,
    /// Its stdout (the first [`STDOUT_LIMIT`] bytes).
    pub stdout: Vec<u8>,
    /// It wrote more than was kept.
    pub stdout_truncated: bool,
    /// The end of its stderr.
    pub stderr: String,
    /// Wall time.
    pub elapsed: Duration,
}

impl CommandOutcome {
    /// "exit 0", "killed by signal 9", "timed out after 5s".
    pub fn status_text(&self, timeout: Duration) -> String {
        if self.timed_out {
            return format!("still running after {timeout:?}, killed");
        }
        match (self.code, self.signal) {
            (Some(c), _) => format!("exit {c}"),
            (None, Some(s)) => format!("killed by signal {s}"),
            (None, None) => "ended with an unknown status".into(),
        }
    }
}

/// Runs `argv` in `cwd` in its own process group until it exits or
/// `timeout` passes; then kills the whole group (so nothing it started
/// outlives it) and returns what happened.
pub async fn run_command(argv: &[String], cwd: &Path, timeout: Duration) -> Result<CommandOutcome, TargetError> {
    let started = Instant::now();
    let mut group = Group::spawn(argv, cwd, Capture::new(STDOUT_LIMIT, Keep::Head), stderr_capture())?;
    let pid = group.pid();
    let waited = tokio::time::timeout(timeout, group.child.wait()).await;
    // Kill the group at once, whether the command exited or not: whatever
    // it left behind goes with it.
    group.kill();
    let (status, timed_out) = match waited {
        Ok(s) => (s, false),
        Err(_) => (tokio::time::timeout(Duration::from_secs(2), group.child.wait()).await.ok().flatten(), true),
    };
    group.finish_drains(Duration::from_secs(1)).await;
    #[cfg(unix)]
    let signal = status.and_then(|s| std::os::unix::process::ExitStatusExt::signal(&s));
    #[cfg(not(unix))]
    let signal = None;
    Ok(CommandOutcome {
        command: group.shown.clone(),
        pid,
        code: if timed_out { None } else { status.and_then(|s| s.code()) },
        signal: if timed_out { None } else { signal },
        timed_out,
        stdout: group.stdout.bytes(),
        stdout_truncated: group.stdout.truncated(),
        stderr: group.stderr.text(),
        elapsed: started.elapsed(),
    })
}
