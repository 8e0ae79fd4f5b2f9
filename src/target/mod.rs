//! Other people's programs under test: servers started from a command line
//! for a scenario ([`SpawnedTarget`]) and clients under test run to
//! completion ([`run_command`]).
//!
//! Nothing runs through a shell: a command is a list of arguments, with
//! `{port}`, `{host}` and `{addr}` replaced. Each command runs in its own
//! process group with stdin closed, its output drained into bounded
//! captures, and the whole group is killed when the scenario ends, fails,
//! passes its deadline, or the run is interrupted ([`kill_all`], called by
//! `framelab run` on Ctrl-C). A spawned server is waited for until it
//! listens, with a deadline; if it exits or never listens, the error shows
//! the end of its stderr.
//!
//! ```no_run
//! # async fn demo() -> Result<(), framelab::target::TargetError> {
//! use std::time::Duration;
//! use framelab::target::{SpawnedTarget, TargetCommand};
//! let spec = TargetCommand {
//!     argv: vec!["python3".into(), "server.py".into(), "{port}".into()],
//!     cwd: "examples/servers".into(),
//!     addr: "127.0.0.1:0".parse().unwrap(),
//!     udp: false,
//!     startup_timeout: Duration::from_secs(5),
//!     trace: None,
//! };
//! let target = SpawnedTarget::start(&spec).await?;
//! println!("the server listens on {}", target.addr());
//! target.stop().await; // kills its process group
//! # Ok(()) }
//! ```

mod capture;
mod command;
mod group;
mod pool;
mod registry;
mod spawn;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

pub use capture::{Capture, Keep};
pub use command::{CommandOutcome, STDOUT_LIMIT, run_command, run_command_traced};
pub use pool::{Lent, PoolStats, TargetPool, TargetStart};
pub use registry::{kill_all, live};
pub use spawn::{SpawnedTarget, TargetCommand, TraceSpec};

/// A command that could not be started or never became ready.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// `command = []`.
    #[error("the command is empty: give a program and its arguments, e.g. [\"python3\", \"server.py\", \"{{port}}\"]")]
    EmptyCommand,
    /// Targets must be on loopback.
    #[error("{addr} is not a loopback address; framelab only sends test traffic to 127.0.0.0/8 and ::1")]
    NotLoopback {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// No free port could be found.
    #[error("no free port on {ip}: {source}")]
    NoPort {
        /// Where a port was looked for.
        ip: IpAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The fixed port asked for is taken already.
    #[error("{addr} is already in use by another program")]
    PortInUse {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// The program could not be started.
    #[error("cannot start `{command}` (in {cwd}): {source}")]
    Spawn {
        /// The command line.
        command: String,
        /// Its working directory.
        cwd: String,
        /// Why.
        source: std::io::Error,
    },
    /// It exited before it listened.
    #[error("`{command}` exited ({status}) before it listened on {addr}{}", stderr_note(stderr))]
    Exited {
        /// The command line.
        command: String,
        /// Its exit status.
        status: String,
        /// Where it should have listened.
        addr: SocketAddr,
        /// The end of its stderr.
        stderr: String,
    },
    /// It did not listen in time.
    #[error(
        "`{command}` did not listen on {addr} within {timeout:?} (startup-timeout); it was killed{}{}",
        traced_note(*traced_stops),
        stderr_note(stderr)
    )]
    NotListening {
        /// The command line.
        command: String,
        /// Where it should have listened.
        addr: SocketAddr,
        /// The deadline.
        timeout: Duration,
        /// The tracer's stops so far, when traced.
        traced_stops: Option<u64>,
        /// The end of its stderr.
        stderr: String,
    },
}

/// What tracing cost a start that did not listen in time.
fn traced_note(stops: Option<u64>) -> String {
    match stops {
        Some(n) if n > 0 => format!(
            "; it was traced, and stopped {n} times at a read, write or shutdown (a shell wrapper such as a pyenv \
             shim makes many: name the program itself, raise startup-timeout, or run with --no-trace)"
        ),
        _ => String::new(),
    }
}

/// "; its stderr ended with: ..." (the last 20 lines), or "; it wrote
/// nothing to stderr".
pub fn stderr_note(stderr: &str) -> String {
    let text = stderr.trim_end();
    if text.is_empty() {
        return "; it wrote nothing to stderr".into();
    }
    let lines: Vec<&str> = text.lines().collect();
    let tail = &lines[lines.len().saturating_sub(20)..];
    let mut out = String::from("; its stderr ended with:");
    for l in tail {
        out.push_str("\n    ");
        out.push_str(&l.chars().take(300).collect::<String>());
    }
    out
}

/// Resolves when the process is asked to stop: Ctrl-C (SIGINT) or, on
/// unix, SIGTERM. Never resolves if no handler could be installed.
pub async fn interrupted() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            },
            Err(_) => ctrl_c.await,
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}

/// A free port on `ip` (TCP or UDP), for a target that binds it itself.
///
/// Picked below the kernel's ephemeral range where the kernel says what it
/// is (Linux: `ip_local_port_range`): a port from `bind(0)` is an
/// ephemeral one, which the kernel may hand to any outgoing connection
/// (another client on the machine) between the moment it is released here
/// and the moment the target binds it, and the target then dies with
/// "Address already in use". Ports below the range are never handed out
/// that way. Starts at a place that differs from call to call, and checks
/// each candidate by binding it (TCP: without `SO_REUSEADDR`, as a server
/// that does not set it binds); falls back to `bind(0)`.
pub fn free_port(ip: IpAddr, udp: bool) -> Result<u16, TargetError> {
    let bind = |port: u16| -> std::io::Result<u16> {
        if udp {
            std::net::UdpSocket::bind((ip, port)).and_then(|s| s.local_addr()).map(|a| a.port())
        } else {
            // Without SO_REUSEADDR (which std's TcpListener sets): a port
            // that an earlier target's connections hold in TIME_WAIT binds
            // with it, and a server that does not set it (Python's
            // socketserver) then dies with "Address already in use".
            let s = if ip.is_ipv4() { tokio::net::TcpSocket::new_v4() } else { tokio::net::TcpSocket::new_v6() }?;
            s.set_reuseaddr(false)?;
            s.bind(SocketAddr::new(ip, port))?;
            s.local_addr().map(|a| a.port())
        }
    };
    if let Some(low) = ephemeral_low().filter(|low| *low > PORT_FLOOR + 1000) {
        let span = u32::from(low - PORT_FLOOR);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let start = (nanos ^ (std::process::id() << 12)) % span;
        for i in 0..64u32 {
            // A prime stride, so that two callers that start close
            // together do not try the same ports in the same order.
            let port = PORT_FLOOR + ((start + i * 7919) % span) as u16;
            if let Ok(port) = bind(port) {
                return Ok(port);
            }
        }
    }
    bind(0).map_err(|source| TargetError::NoPort { ip, source })
}

/// Lowest port [`free_port`] picks below the ephemeral range.
const PORT_FLOOR: u16 = 10_000;

/// The first port of the kernel's ephemeral range, where the kernel says.
fn ephemeral_low() -> Option<u16> {
    let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Replaces `{port}`, `{host}` and `{addr}` in every argument.
pub fn substitute(argv: &[String], addr: SocketAddr) -> Vec<String> {
    let host = addr.ip().to_string();
    argv.iter()
        .map(|a| {
            a.replace("{port}", &addr.port().to_string()).replace("{host}", &host).replace("{addr}", &addr.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_in_every_argument() {
        let argv: Vec<String> = ["srv", "{port}", "--bind={host}", "{addr}"].map(String::from).into();
        let got = substitute(&argv, "127.0.0.1:9000".parse().unwrap());
        assert_eq!(got, ["srv", "9000", "--bind=127.0.0.1", "127.0.0.1:9000"]);
    }

    #[test]
    fn free_ports_are_below_the_ephemeral_range_and_free() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        for udp in [false, true] {
            let port = free_port(ip, udp).unwrap();
            if let Some(low) = ephemeral_low().filter(|low| *low > PORT_FLOOR + 1000) {
                assert!((PORT_FLOOR..low).contains(&port), "{port} is not in {PORT_FLOOR}..{low}");
            }
            // Free: it binds again.
            if udp {
                std::net::UdpSocket::bind((ip, port)).unwrap();
            } else {
                std::net::TcpListener::bind((ip, port)).unwrap();
            }
        }
    }

    #[test]
    fn stderr_note_keeps_the_last_lines() {
        let text: String = (0..30).map(|i| format!("line {i}\n")).collect();
        let note = stderr_note(&text);
        assert!(note.contains("line 29") && !note.contains("line 9\n"), "{note}");
        assert_eq!(stderr_note(""), "; it wrote nothing to stderr");
    }
}
