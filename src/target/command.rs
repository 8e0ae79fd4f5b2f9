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
    /// Its own reads and writes, when it ran traced.
    pub trace: Option<crate::trace::TraceLog>,
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
    run_command_traced(argv, cwd, timeout, None).await
}

/// [`run_command`], traced when `trace` is given (the port of the server
/// it talks to: its connections there are recorded) and the kernel allows
/// it; untraced otherwise.
pub async fn run_command_traced(
    argv: &[String],
    cwd: &Path,
    timeout: Duration,
    trace: Option<crate::trace::TraceConfig>,
) -> Result<CommandOutcome, TargetError> {
    let started = Instant::now();
    let out = || Capture::new(STDOUT_LIMIT, Keep::Head);
    let mut group = match trace {
        #[cfg(target_os = "linux")]
        Some(cfg) => match Group::spawn_traced(argv, cwd, out(), stderr_capture(), cfg) {
            Ok(g) => g,
            Err(Ok(e)) => return Err(e),
            // Refused: the client runs untraced (its output still judges it).
            Err(Err(_)) => Group::spawn(argv, cwd, out(), stderr_capture())?,
        },
        _ => Group::spawn(argv, cwd, out(), stderr_capture())?,
    };
    #[cfg(target_os = "linux")]
    let trace = group.child.trace().cloned();
    #[cfg(not(target_os = "linux"))]
    let trace = None;
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
        trace,
    })
}
