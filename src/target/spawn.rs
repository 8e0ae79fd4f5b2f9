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
    /// Trace its reads and writes (Linux; where the kernel refuses, it
    /// runs untraced and [`SpawnedTarget::untraced_because`] says why).
    pub trace: Option<TraceSpec>,
}

/// How a spawned target is traced.
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceSpec {
    /// Shortened reads on the scenario's connections.
    pub reads: crate::trace::ReadLimit,
    /// Seed of random read sizes.
    pub seed: u64,
}

/// Whether the refusal to trace has been told on stderr already (once a
/// run, not once a scenario).
static REFUSAL_TOLD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A running target. Dropping it kills its whole process group.
#[derive(Debug)]
pub struct SpawnedTarget {
    group: Group,
    addr: SocketAddr,
    untraced_because: Option<String>,
}

/// The inodes of the sockets listening on `port` (TCP) or bound to it
/// (UDP), read from `/proc/net` without connecting. `None` where
/// `/proc/net` cannot be read (not Linux).
fn bound_in_proc(port: u16, udp: bool) -> Option<Vec<u64>> {
    let files: &[&str] = if udp { &["/proc/net/udp", "/proc/net/udp6"] } else { &["/proc/net/tcp", "/proc/net/tcp6"] };
    let mut read_any = false;
    let mut inodes = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(f) else { continue };
        read_any = true;
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state), Some(inode)) = (cols.get(1), cols.get(3), cols.get(9)) else { continue };
            let Some((_, p)) = local.rsplit_once(':') else { continue };
            // 0A: TCP_LISTEN.
            if u16::from_str_radix(p, 16) == Ok(port) && (udp || *state == "0A") {
                inodes.push(inode.parse().unwrap_or(0));
            }
        }
    }
    read_any.then_some(inodes)
}

/// Whether a process of group `pgid` holds one of the sockets `inodes`.
/// `None` when no process of the group could be inspected.
fn group_holds(pgid: u32, inodes: &[u64]) -> Option<bool> {
    let mut inspected = false;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // "pid (comm) state ppid pgrp ...": comm may hold spaces and parens.
        let pgrp = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(2)?.parse::<u32>().ok());
        if pgrp != Some(pgid) {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { continue };
        inspected = true;
        for fd in fds.flatten() {
            let Ok(link) = std::fs::read_link(fd.path()) else { continue };
            let link = link.to_string_lossy();
            let inode = link.strip_prefix("socket:[").and_then(|l| l.strip_suffix(']')).and_then(|n| n.parse().ok());
            if inode.is_some_and(|i: u64| inodes.contains(&i)) {
                return Some(true);
            }
        }
    }
    inspected.then_some(false)
}

/// Whether the target is ready: one of its processes listens on the port
/// (seen in `/proc` where there is one, so the target never sees a probe
/// connection, and another program on the same port is not mistaken for
/// it), else a connection that succeeds (and is closed at once).
async fn ready(addr: SocketAddr, udp: bool, pgid: Option<u32>) -> bool {
    match bound_in_proc(addr.port(), udp) {
        Some(inodes) if inodes.is_empty() => false,
        Some(inodes) => pgid.and_then(|g| group_holds(g, &inodes)).unwrap_or(true),
        None if udp => true,
        None => matches!(
            tokio::time::timeout(Duration::from_millis(200), tokio::net::TcpStream::connect(addr)).await,
            Ok(Ok(_))
        ),
    }
}

/// Starts the group, traced when asked and allowed; the reason it is not
/// traced when a trace was asked for.
fn spawn_group(spec: &TargetCommand, argv: &[String], port: u16) -> Result<(Group, Option<String>), TargetError> {
    let out = || Capture::new(16 * 1024, Keep::Tail);
    let Some(t) = spec.trace else { return Ok((Group::spawn(argv, &spec.cwd, out(), stderr_capture())?, None)) };
    #[cfg(target_os = "linux")]
    {
        let cfg = crate::trace::TraceConfig { port, reads: t.reads, seed: t.seed, max_tasks: crate::trace::MAX_TASKS };
        match Group::spawn_traced(argv, &spec.cwd, out(), stderr_capture(), cfg) {
            Ok(g) => Ok((g, None)),
            Err(Ok(e)) => Err(e),
            Err(Err(refused)) => {
                let why = refused.to_string();
                if !REFUSAL_TOLD.swap(true, std::sync::atomic::Ordering::Relaxed) {
                    eprintln!(
                        "framelab: cannot trace spawned targets here: {why}; they run untraced, judged by their \
                         replies alone (--no-trace silences this)"
                    );
                }
                Ok((Group::spawn(argv, &spec.cwd, out(), stderr_capture())?, Some(why)))
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (t, port, &REFUSAL_TOLD);
        Ok((Group::spawn(argv, &spec.cwd, out(), stderr_capture())?, Some("tracing needs Linux".into())))
    }
}

/// A bare program name that is not on `PATH` but in `/usr/sbin` or
/// `/sbin`, where daemons (mosquitto, dnsmasq, nginx) are installed and a
/// user's `PATH` often does not look: its full path.
fn in_sbin(program: &str) -> Option<String> {
    if program.is_empty() || program.contains('/') {
        return None;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    if std::env::split_paths(&path).any(|d| d.join(program).is_file()) {
        return None;
    }
    ["/usr/sbin", "/sbin"]
        .iter()
        .map(|d| std::path::Path::new(d).join(program))
        .find(|p| p.is_file())
        .map(|p| p.to_string_lossy().into_owned())
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
            if bound_in_proc(spec.addr.port(), spec.udp).is_some_and(|i| !i.is_empty()) {
                return Err(TargetError::PortInUse { addr: spec.addr });
            }
            spec.addr.port()
        };
        let addr = SocketAddr::new(spec.addr.ip(), port);
        let mut argv = substitute(&spec.argv, addr);
        if let Some(found) = argv.first().and_then(|p| in_sbin(p)) {
            argv[0] = found;
        }
        let (mut group, untraced_because) = spawn_group(spec, &argv, port)?;
        let deadline = Instant::now() + spec.startup_timeout;
        loop {
            if let Some(status) = group.child.try_wait() {
                group.stop(Duration::from_millis(500)).await;
                return Err(TargetError::Exited {
                    command: group.shown.clone(),
                    status: status.to_string(),
                    addr,
                    stderr: group.stderr.text(),
                });
            }
            if ready(addr, spec.udp, group.pid()).await {
                return Ok(SpawnedTarget { group, addr, untraced_because });
            }
            if Instant::now() >= deadline {
                group.stop(Duration::from_millis(500)).await;
                return Err(TargetError::NotListening {
                    command: group.shown.clone(),
                    addr,
                    timeout: spec.startup_timeout,
                    traced_stops: group.child.trace().map(|t| t.stats().stops),
                    stderr: group.stderr.text(),
                });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// What the tracer records of it, when traced.
    pub fn trace(&self) -> Option<crate::trace::TraceLog> {
        #[cfg(target_os = "linux")]
        return self.group.child.trace().cloned();
        #[cfg(not(target_os = "linux"))]
        None
    }

    /// Why it runs untraced though a trace was asked for (the kernel
    /// refused, or not Linux).
    pub fn untraced_because(&self) -> Option<&str> {
        self.untraced_because.as_deref()
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
        self.group.child.try_wait()
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

#[cfg(test)]
mod tests {
    use super::in_sbin;

    #[test]
    fn a_daemon_off_path_is_found_in_sbin_and_nothing_else_is_rewritten() {
        // A path, a program on PATH (sh), or one that is nowhere: as given.
        assert_eq!(in_sbin("./server.py"), None);
        assert_eq!(in_sbin("/usr/bin/env"), None);
        assert_eq!(in_sbin("sh"), None);
        assert_eq!(in_sbin("framelab-no-such-program"), None);
        assert_eq!(in_sbin(""), None);
        // A program that is only in /usr/sbin or /sbin, where the machine
        // has one off PATH.
        let path = std::env::var_os("PATH").unwrap_or_default();
        let on_path = |p: &std::path::Path| std::env::split_paths(&path).any(|d| d.join(p).is_file());
        let off_path = ["/usr/sbin", "/sbin"]
            .iter()
            .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().flatten())
            .map(|e| e.file_name())
            .find(|n| !on_path(std::path::Path::new(n)));
        if let Some(name) = off_path {
            let name = name.to_string_lossy();
            let found = in_sbin(&name).expect("found in sbin");
            assert!(found.ends_with(&format!("/{name}")) && found.contains("sbin"), "{found}");
        }
    }
}
