//! The tracer against real processes: a Python server, and its reads and
//! writes seen from outside.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use framelab::trace::{self, CallKind, ReadLimit, TraceConfig};

fn free_port() -> u16 {
    framelab::target::free_port("127.0.0.1".parse().unwrap(), false).unwrap()
}

fn connect(port: u16) -> TcpStream {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => return s,
            Err(e) if Instant::now() > deadline => panic!("the server never listened: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn upper_server(port: u16, reads: ReadLimit) -> trace::TracedChild {
    let mut cmd = Command::new(crate::python());
    cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/servers/upper_server_naive.py"))
        .arg(port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    trace::spawn(cmd, TraceConfig { port, reads, seed: 1, max_tasks: trace::MAX_TASKS }).unwrap()
}

#[test]
fn a_python_servers_reads_and_writes_are_seen_per_connection() {
    let port = free_port();
    let child = upper_server(port, ReadLimit::Full);
    let mut s = connect(port);
    s.write_all(b"helloworld").unwrap();
    let mut buf = [0u8; 10];
    s.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"HELLOWORLD");
    let local = s.local_addr().unwrap();
    drop(s);
    let deadline = Instant::now() + Duration::from_secs(10);
    let conn = loop {
        let c = child.log().connection(local);
        if c.as_ref().is_some_and(|c| c.saw_eof) || Instant::now() > deadline {
            break c.expect("the connection was traced");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let reads: Vec<u64> = conn.reads().map(|c| c.bytes()).collect();
    let writes: Vec<u64> = conn.writes().map(|c| c.bytes()).collect();
    assert_eq!(reads, [10], "{:?}", conn.calls);
    assert_eq!(writes, [10], "{:?}", conn.calls);
    assert!(conn.saw_eof);
    assert!(conn.calls.iter().any(|c| c.kind == CallKind::Read && c.sys == "recvfrom"), "{:?}", conn.calls);
    child.kill_all();
}

fn python(script: &str, port: u16, max_tasks: usize) -> trace::TracedChild {
    let mut cmd = Command::new(crate::python());
    cmd.args(["-c", script, &port.to_string()]).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    trace::spawn(cmd, TraceConfig { port, reads: ReadLimit::Full, seed: 1, max_tasks }).unwrap()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn alive(pid: u32) -> bool {
    // A zombie is not alive: its state is Z.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')))
}

const LISTEN: &str = "import socket, sys, os, threading, time\n\
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen()\n";

/// A thread blocked in a traced recv() when another thread ends the
/// process: the exit is seen, the status kept, and the tracer's loop ends.
#[test]
fn a_target_that_exits_in_the_middle_of_a_call_is_reaped_with_its_status() {
    let port = free_port();
    let script = format!(
        "{LISTEN}c, _ = s.accept()\nthreading.Thread(target=lambda: c.recv(1024), daemon=True).start()\n\
         time.sleep(0.3)\nos._exit(3)\n"
    );
    let child = python(&script, port, trace::MAX_TASKS);
    let _s = connect(port);
    let status = rt().block_on(child.wait(Duration::from_secs(10)));
    assert_eq!(status.and_then(|s| s.code()), Some(3));
    assert!(child.log().done(), "the tracer's loop ended");
    assert!(!alive(child.id()));
}

/// Killed by a signal from outside: seen as such, and nothing stays stopped.
#[test]
fn a_target_killed_by_a_signal_is_reaped_and_the_trace_ends() {
    use std::os::unix::process::ExitStatusExt;
    let port = free_port();
    let child = python(&format!("{LISTEN}time.sleep(60)\n"), port, trace::MAX_TASKS);
    let _s = connect(port);
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = rt().block_on(child.wait(Duration::from_secs(10)));
    assert_eq!(status.and_then(|s| s.signal()), Some(libc::SIGTERM));
    assert!(child.log().done());
}

/// A signal the target handles itself is passed on to it, not eaten by
/// the tracer.
#[test]
fn signals_reach_the_target() {
    let port = free_port();
    let script = format!(
        "{LISTEN}import signal\nsignal.signal(signal.SIGUSR1, lambda *a: os._exit(7))\n\
         os.kill(os.getpid(), signal.SIGUSR1)\ntime.sleep(30)\n"
    );
    let child = python(&script, port, trace::MAX_TASKS);
    let status = rt().block_on(child.wait(Duration::from_secs(10)));
    assert_eq!(status.and_then(|s| s.code()), Some(7), "the handler ran");
}

/// Past the bound of traced processes the target is killed and the trace
/// says why; nothing it forked survives.
#[test]
fn a_target_that_forks_past_the_bound_is_killed_and_says_why() {
    let port = free_port();
    let script = format!(
        "{LISTEN}kids = []\nfor i in range(12):\n    p = os.fork()\n    if p == 0:\n        time.sleep(60)\n        os._exit(0)\n    kids.append(p)\n\
         open('/dev/null','w').write(' '.join(map(str, kids)))\ntime.sleep(60)\n"
    );
    let child = python(&script, port, 6);
    rt().block_on(child.wait(Duration::from_secs(15)));
    let failure = child.log().failure().expect("the trace says why it stopped");
    assert!(failure.contains("more than 6 processes"), "{failure}");
    assert!(child.log().done(), "every traced process is gone");
    assert!(child.try_wait().is_some());
}

/// Files and pipes the target reads (Python reading its own modules) are
/// let go at once: only the scenario's connection is recorded.
#[test]
fn only_the_scenarios_connections_are_recorded() {
    let port = free_port();
    let child = upper_server(port, ReadLimit::Full);
    let mut s = connect(port);
    s.write_all(b"x").unwrap();
    let mut b = [0u8; 1];
    s.read_exact(&mut b).unwrap();
    let stats = child.log().stats();
    assert_eq!(stats.connections, 1, "{stats:?}");
    assert!(stats.stops > 2, "the interpreter's own reads stopped too: {stats:?}");
    child.kill_all();
}

/// framelab killed with SIGKILL (no cleanup of its own runs): the traced
/// target dies with it (PTRACE_O_EXITKILL).
#[test]
fn framelab_killed_with_sigkill_leaves_no_target_behind() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let script = format!(
        "import os, socket, sys, time\nopen({:?}, 'w').write(str(os.getpid()))\n\
         s = socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen()\n\
         c, _ = s.accept()\ntime.sleep(60)\n",
        pidfile.display().to_string()
    );
    std::fs::write(
        dir.path().join("hold.toml"),
        format!(
            "name = \"hold\"\ntimeout = \"60s\"\n[target]\ncommand = [{:?}, \"-c\", {script:?}, \"{{port}}\"]\n\
             [client]\nmessages = [\"a\"]\nreply-timeout = \"60s\"\n[response]\nexpect = \"echo\"\n[expect]\nverdict = \"intact\"\n",
            crate::python()
        ),
    )
    .unwrap();
    let mut fl = Command::new(env!("CARGO_BIN_EXE_framelab"))
        .arg("run")
        .arg(dir.path().join("hold.toml"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let pid: u32 = loop {
        if let Some(p) = std::fs::read_to_string(&pidfile).ok().and_then(|t| t.trim().parse().ok()) {
            break p;
        }
        assert!(Instant::now() < deadline, "the target never started");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(alive(pid));
    fl.kill().unwrap();
    fl.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(pid), "the target {pid} outlived framelab");
}

/// Where the kernel refuses ptrace (here: a seccomp filter on framelab
/// itself, as a container's profile would be), framelab says so once,
/// names the setting, runs the target untraced, and no verdict rests on
/// reads it could not see: a sink is never `intact` or `coalesced`.
#[test]
fn a_refused_trace_is_said_once_and_falls_back_to_replies() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    for name in ["a", "b"] {
        std::fs::write(
            dir.path().join(format!("{name}.toml")),
            format!(
                "name = \"sink {name}\"\n[target]\ncommand = [{:?}, {:?}, \"{{port}}\"]\n\
                 [client]\nframing = \"raw\"\nmessages = [\"hello\", \"world\"]\nschedule = \"coalesce\"\n\
                 [expect]\nverdict = \"coalesced\"\n",
                crate::python(),
                concat!(env!("CARGO_MANIFEST_DIR"), "/examples/servers/sink_server_naive.py"),
            ),
        )
        .unwrap();
    }
    let rules = [(libc::SYS_ptrace, Vec::new())].into_iter().collect();
    let filter = seccompiler::SeccompFilter::new(
        rules,
        seccompiler::SeccompAction::Allow,
        seccompiler::SeccompAction::Errno(libc::EPERM as u32),
        std::env::consts::ARCH.try_into().unwrap(),
    )
    .unwrap();
    let prog: seccompiler::BpfProgram = filter.try_into().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_framelab"));
    cmd.args(["run", "--format", "json"]).arg(dir.path());
    // SAFETY: only prctl and seccomp between fork and exec, on memory
    // prepared before.
    unsafe {
        cmd.pre_exec(move || seccompiler::apply_filter(&prog).map_err(|_| std::io::Error::other("seccomp")));
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("cannot trace spawned targets here").count(), 1, "said once: {stderr}");
    assert!(stderr.contains("ptrace") && stderr.contains("ptrace_scope"), "names the setting: {stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for s in v["scenarios"].as_array().unwrap() {
        assert!(s["detail"].as_str().unwrap().contains("ran untraced"), "{s}");
        assert_ne!(s["verdict"], "coalesced", "{s}");
        assert_ne!(s["verdict"], "intact", "{s}");
    }
}
