//! A server started from a command line for the length of a scenario.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

use tokio::time::Instant;

use super::capture::{Capture, Keep};
use super::group::{Group, stderr_capture};
use super::{TargetError, free_port, substitute};

/// How to start a target.
#[derive(Debug, Clone)]
pub struct TargetCommand {
    /// Program and arguments; `{port}`, `{host}` and `{addr}` are replaced.
    pub argv: Vec<String>,
    /// Working directory (the scenario file's folder).
    pub cwd: PathBuf,
    /// Where the target must listen: a loopback address; port 0 picks a
    /// free port.
    pub addr: SocketAddr,
    /// The target speaks UDP (waited for by its bound socket).
    pub udp: bool,
    /// How long it may take to listen.
    pub startup_timeout: Duration,
}

/// A running target. Dropping it kills its whole process group.
#[derive(Debug)]
pub struct SpawnedTarget {
    group: Group,
    addr: SocketAddr,
}

/// Whether something listens on `port` (TCP) or is bound to it (UDP),
/// read from `/proc/net` without connecting. `None` where `/proc/net`
/// cannot be read (not Linux).
fn bound_in_proc(port: u16, udp: bool) -> Option<bool> {
    let files: &[&str] = if udp { &["/proc/net/udp", "/proc/net/udp6"] } else { &["/proc/net/tcp", "/proc/net/tcp6"] };
    let mut read_any = false;
    for f in files {
        let Ok(text) = std::fs::read_to_string(f) else { continue };
        read_any = true;
        for line in text.lines().skip(1) {
            let mut cols = line.split_whitespace();
            let (Some(_), Some(local), Some(_), Some(state)) = (cols.next(), cols.next(), cols.next(), cols.next())
            else {
                continue;
            };
            let Some((_, p)) = local.rsplit_once(':') else { continue };
            // 0A: TCP_LISTEN.
            if u16::from_str_radix(p, 16) == Ok(port) && (udp || state == "0A") {
                return Some(true);
            }
        }
    }
    read_any.then_some(false)
}

/// Whether the target is ready: listening (seen in `/proc/net` where there
/// is one, so the target never sees a probe connection), else a connection
/// that succeeds (and is closed at once).
async fn ready(addr: SocketAddr, udp: bool) -> bool {
    match bound_in_proc(addr.port(), udp) {
        Some(b) => b,
        None if udp => true,
        None => matches!(
            tokio::time::timeout(Duration::from_millis(200), tokio::net::TcpStream::connect(addr)).await,
            Ok(Ok(_))
        ),
    }
}

impl SpawnedTarget {
    /// Starts the command and waits until it listens, at most
    /// `startup_timeout`. On failure the process group is killed and the
    /// error shows the end of its stderr.
    pub async fn start(spec: &TargetCommand) -> Result<SpawnedTarget, TargetError> {
        if !crate::net::is_loopback(&spec.addr) {
            return Err(TargetError::NotLoopback { addr: spec.addr });
        }
        let port = if spec.addr.port() == 0 {
            free_port(spec.addr.ip(), spec.udp)?
        } else {
            if bound_in_proc(spec.addr.port(), spec.udp) == Some(true) {
                return Err(TargetError::PortInUse { addr: spec.addr });
            }
            spec.addr.port()
        };
        let addr = SocketAddr::new(spec.addr.ip(), port);
        let argv = substitute(&spec.argv, addr);
        let mut group = Group::spawn(&argv, &spec.cwd, Capture::new(16 * 1024, Keep::Tail), stderr_capture())?;
        let deadline = Instant::now() + spec.startup_timeout;
        loop {
            if let Ok(Some(status)) = group.child.try_wait() {
                group.stop(Duration::from_millis(500)).await;
                return Err(TargetError::Exited {
                    command: group.shown.clone(),
                    status: status.to_string(),
                    addr,
                    stderr: group.stderr.text(),
                });
            }
            if ready(addr, spec.udp).await {
                return Ok(SpawnedTarget { group, addr });
            }
            if Instant::now() >= deadline {
                group.stop(Duration::from_millis(500)).await;
                return Err(TargetError::NotListening {
                    command: group.shown.clone(),
                    addr,
                    timeout: spec.startup_timeout,
                    stderr: group.stderr.text(),
                });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its pid (also its process group id), until stopped.
    pub fn pid(&self) -> Option<u32> {
        self.group.pid()
    }

    /// The command line it was started with.
    pub fn command(&self) -> &str {
        &self.group.shown
    }

    /// Its exit status, if it has exited on its own.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.group.child.try_wait().ok().flatten()
    }

    /// The end of its stderr so far.
    pub fn stderr_tail(&self) -> String {
        self.group.stderr.text()
    }

    /// Kills the whole process group and reaps the target (within 2 s).
    /// Returns the end of its stderr.
    pub async fn stop(mut self) -> String {
        self.group.stop(Duration::from_secs(2)).await;
        self.group.stderr.text()
    }
}
