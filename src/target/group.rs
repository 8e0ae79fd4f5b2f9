//! A spawned command in its own process group: stdin closed, stdout and
//! stderr drained into bounded captures, registered so that Ctrl-C can kill
//! it, and killed (the whole group) when dropped.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

use super::TargetError;
use super::capture::{Capture, Keep};
use super::registry;

/// The process of a [`Group`]: started by tokio, or by the tracer (whose
/// thread alone may wait on it: a `waitpid` from anywhere else would take
/// its ptrace stops).
#[derive(Debug)]
pub(crate) enum Proc {
    /// An ordinary child.
    Plain(Child),
    /// A child under the tracer.
    #[cfg(target_os = "linux")]
    Traced(crate::trace::TracedChild),
}

impl Proc {
    /// Its exit status, if it has exited.
    pub fn try_wait(&mut self) -> Option<std::process::ExitStatus> {
        match self {
            Proc::Plain(c) => c.try_wait().ok().flatten(),
            #[cfg(target_os = "linux")]
            Proc::Traced(t) => t.try_wait(),
        }
    }

    /// Waits for it to exit (callers bound the wait).
    pub async fn wait(&mut self) -> Option<std::process::ExitStatus> {
        match self {
            Proc::Plain(c) => c.wait().await.ok(),
            #[cfg(target_os = "linux")]
            Proc::Traced(t) => Some(t.exited().await),
        }
    }

    /// The trace, when traced.
    #[cfg(target_os = "linux")]
    pub fn trace(&self) -> Option<&crate::trace::TraceLog> {
        match self {
            Proc::Plain(_) => None,
            Proc::Traced(t) => Some(t.log()),
        }
    }
}

/// A running command and its captured output.
#[derive(Debug)]
pub(crate) struct Group {
    pub child: Proc,
    /// The process group id (the child's pid); `None` once killed.
    pgid: Option<u32>,
    pub stdout: Capture,
    pub stderr: Capture,
    drains: Vec<JoinHandle<()>>,
    /// The command line, for messages.
    pub shown: String,
}

/// The command line as a user would type it (for messages only: nothing
/// ever runs through a shell).
pub(crate) fn show_argv(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@{}".contains(c)) {
                a.clone()
            } else {
                format!("{a:?}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The program to run: a relative path with a folder in it (`./server`,
/// `bin/server`) is taken relative to `cwd`, like the arguments; a bare
/// name (`python3`) is looked up in `PATH`.
fn program_path(program: &str, cwd: &Path) -> PathBuf {
    let p = Path::new(program);
    if p.is_relative() && p.components().count() > 1 { cwd.join(p) } else { p.to_path_buf() }
}

impl Group {
    /// Starts `argv` in `cwd` under the tracer, in a new process group,
    /// output captured. `Err(Ok(e))`: it could not start at all;
    /// `Err(Err(refused))`: the kernel refused to trace it (the caller may
    /// start it untraced).
    #[cfg(target_os = "linux")]
    pub fn spawn_traced(
        argv: &[String],
        cwd: &Path,
        stdout: Capture,
        stderr: Capture,
        cfg: crate::trace::TraceConfig,
    ) -> Result<Group, Result<TargetError, crate::trace::TraceError>> {
        use std::os::unix::process::CommandExt;
        let (program, args) = argv.split_first().ok_or(Ok(TargetError::EmptyCommand))?;
        let mut cmd = std::process::Command::new(program_path(program, cwd));
        cmd.args(args).current_dir(cwd).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.process_group(0);
        let shown = show_argv(argv);
        let mut child = match crate::trace::spawn(cmd, cfg) {
            Ok(c) => c,
            Err(e @ crate::trace::TraceError::Refused { .. }) => return Err(Err(e)),
            Err(crate::trace::TraceError::Spawn(source)) => {
                return Err(Ok(TargetError::Spawn { command: shown, cwd: cwd.display().to_string(), source }));
            }
            Err(e) => return Err(Err(e)),
        };
        let pgid = Some(child.id());
        registry::register(child.id());
        let mut drains = Vec::new();
        if let Some(o) = child.stdout.take().and_then(|o| tokio::process::ChildStdout::from_std(o).ok()) {
            drains.push(stdout.drain(o));
        }
        if let Some(e) = child.stderr.take().and_then(|e| tokio::process::ChildStderr::from_std(e).ok()) {
            drains.push(stderr.drain(e));
        }
        Ok(Group { child: Proc::Traced(child), pgid, stdout, stderr, drains, shown })
    }

    /// Starts `argv` in `cwd`, in a new process group, output captured.
    pub fn spawn(argv: &[String], cwd: &Path, stdout: Capture, stderr: Capture) -> Result<Group, TargetError> {
        let (program, args) = argv.split_first().ok_or(TargetError::EmptyCommand)?;
        let mut cmd = Command::new(program_path(program, cwd));
        cmd.args(args)
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        #[cfg(unix)]
        cmd.process_group(0);
        let shown = show_argv(argv);
        let mut child = cmd.spawn().map_err(|source| TargetError::Spawn {
            command: shown.clone(),
            cwd: cwd.display().to_string(),
            source,
        })?;
        let pgid = child.id();
        if let Some(p) = pgid {
            registry::register(p);
        }
        let mut drains = Vec::new();
        if let Some(o) = child.stdout.take() {
            drains.push(stdout.drain(o));
        }
        if let Some(e) = child.stderr.take() {
            drains.push(stderr.drain(e));
        }
        Ok(Group { child: Proc::Plain(child), pgid, stdout, stderr, drains, shown })
    }

    /// The child's pid (= its process group id) while it has not been
    /// killed.
    pub fn pid(&self) -> Option<u32> {
        self.pgid
    }

    /// Kills the whole process group (SIGKILL) and forgets it.
    pub fn kill(&mut self) {
        if let Some(p) = self.pgid.take() {
            registry::kill_group(p);
            registry::unregister(p);
            match &mut self.child {
                #[cfg(not(unix))]
                Proc::Plain(c) => {
                    let _ = c.start_kill();
                }
                #[cfg(unix)]
                Proc::Plain(_) => {}
                // What left the process group goes too.
                #[cfg(target_os = "linux")]
                Proc::Traced(t) => t.kill_all(),
            }
        }
    }

    /// Kills the group, reaps the child and lets the output pipes drain,
    /// each within `wait`.
    pub async fn stop(&mut self, wait: Duration) -> Option<std::process::ExitStatus> {
        self.kill();
        let status = tokio::time::timeout(wait, self.child.wait()).await.ok().flatten();
        self.finish_drains(wait).await;
        status
    }

    /// Waits (at most `wait`) until the output pipes are drained: they
    /// close when every process holding them has exited.
    pub async fn finish_drains(&mut self, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        for h in self.drains.drain(..) {
            let abort = h.abort_handle();
            if tokio::time::timeout_at(deadline, h).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.kill();
        for h in &self.drains {
            h.abort();
        }
    }
}

/// The stderr tail attached to error messages: at most 16 KiB kept.
pub(crate) fn stderr_capture() -> Capture {
    Capture::new(16 * 1024, Keep::Tail)
}
