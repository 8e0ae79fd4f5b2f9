//! The tracer itself (Linux): a target started under ptrace with a seccomp
//! filter, and the loop that handles its stops on a thread of its own.
//!
//! # Start
//!
//! The tracer's thread spawns the target, so that it is the target's parent
//! (and, with `__WNOTHREAD`, waits on its own children and tracees only,
//! never on another scenario's). In the child, before `exec`:
//! `PR_SET_PDEATHSIG` (the child dies if the tracer's thread does),
//! `PTRACE_TRACEME`, then the seccomp filter. Nothing the filter stops runs
//! between the filter and `exec`, and `exec` stops the child with `SIGTRAP`
//! before its first instruction: the tracer sets its options there
//! (`PTRACE_O_TRACESECCOMP`, `EXITKILL`, `TRACECLONE/FORK/VFORK`,
//! `TRACEEXEC`, `TRACESYSGOOD`) and lets it run. A program that does not
//! exist is refused before the fork, since a failed `exec` could not report
//! its error through a filtered `write`.
//!
//! # Stops
//!
//! The filter returns `SECCOMP_RET_TRACE` for the calls of
//! [`arch::TRACED`] only. At that stop the tracer reads the registers,
//! maps the file descriptor to a connection (`/proc/PID/fd/N` →
//! `socket:[inode]` → `/proc/net/tcp{,6}`); a call on anything else (a
//! file, a pipe, another socket) is let go at once. A read or write on a
//! connection of the scenario is resumed with `PTRACE_SYSCALL` to see its
//! result at the exit stop; a read's length may be lowered at the entry
//! stop (`[target] reads`) and is restored at the exit. Signals are passed
//! on as they came; new threads and processes are followed, up to a bound.

use std::collections::{HashMap, HashSet};
use std::io;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{ChildStderr, ChildStdout, Command, ExitStatus};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use nix::sys::ptrace;
use nix::unistd::Pid;
use rand_chacha::ChaCha8Rng;

use super::arch::{self, CallKind, Sys};
use super::limit::ReadLimit;
use super::log::{Call, TraceLog};
use super::{Refuser, TraceConfig, TraceError};

/// A target running under the tracer.
#[derive(Debug)]
pub struct TracedChild {
    pid: u32,
    log: TraceLog,
    exit: Arc<Mutex<Option<ExitStatus>>>,
    tasks: Arc<Mutex<HashSet<i32>>>,
    /// Its stdout, to be drained.
    pub stdout: Option<ChildStdout>,
    /// Its stderr, to be drained.
    pub stderr: Option<ChildStderr>,
}

impl TracedChild {
    /// Its pid (also its process group's id when started in one).
    pub fn id(&self) -> u32 {
        self.pid
    }

    /// What the tracer has recorded.
    pub fn log(&self) -> &TraceLog {
        &self.log
    }

    /// Its exit status, once it has exited.
    pub fn try_wait(&self) -> Option<ExitStatus> {
        *self.exit.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Kills every process and thread being traced (those that left the
    /// process group too).
    pub fn kill_all(&self) {
        let tasks: Vec<i32> = self.tasks.lock().unwrap_or_else(|p| p.into_inner()).iter().copied().collect();
        for t in tasks {
            // SAFETY: kill(2) with a pid the tracer saw alive; a pid that
            // has exited since is still this target's zombie or unused.
            unsafe { libc::kill(t, libc::SIGKILL) };
        }
    }

    /// Waits until the target itself has exited (not what it started).
    pub async fn exited(&self) -> ExitStatus {
        loop {
            let changed = self.log.changed();
            if let Some(s) = self.try_wait() {
                return s;
            }
            let _ = tokio::time::timeout(Duration::from_millis(50), changed).await;
        }
    }

    /// Waits until the tracer has seen every traced process exit (the
    /// target and everything it started), at most `within`; the target's
    /// exit status, if it exited.
    pub async fn wait(&self, within: Duration) -> Option<ExitStatus> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let changed = self.log.changed();
            if self.log.done() {
                return self.try_wait();
            }
            let tick = tokio::time::sleep(Duration::from_millis(50));
            tokio::select! {
                _ = changed => {}
                _ = tick => {}
                _ = tokio::time::sleep_until(deadline) => return self.try_wait(),
            }
        }
    }
}

impl Drop for TracedChild {
    fn drop(&mut self) {
        if !self.log.done() {
            self.kill_all();
        }
    }
}

/// The seccomp filter: `SECCOMP_RET_TRACE` for the calls of
/// [`arch::TRACED`], allow everything else.
fn filter() -> Result<seccompiler::BpfProgram, TraceError> {
    use seccompiler::{SeccompAction, SeccompFilter};
    let rules = arch::TRACED.iter().map(|s| (s.nr, Vec::new())).collect();
    let f = SeccompFilter::new(rules, SeccompAction::Allow, SeccompAction::Trace(0), arch::SECCOMP_ARCH)
        .map_err(|e| TraceError::Filter(e.to_string()))?;
    f.try_into().map_err(|e: seccompiler::BackendError| TraceError::Filter(e.to_string()))
}

/// Whether `program` can be run: a path to a file, or a name found in
/// `PATH`. A traced child cannot report a failed `exec`.
fn runnable(program: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let ok = |p: &Path| p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    if program.components().count() > 1 || program.is_absolute() {
        return ok(program);
    }
    std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|d| ok(&d.join(program))))
}

/// Starts `cmd` under the tracer. The command's stdin, stdout, stderr,
/// folder and process group are as the caller set them.
pub fn spawn(mut cmd: Command, cfg: TraceConfig) -> Result<TracedChild, TraceError> {
    let program = Path::new(cmd.get_program()).to_path_buf();
    let program = match cmd.get_current_dir() {
        Some(dir) if program.components().count() > 1 && program.is_relative() => dir.join(program),
        _ => program,
    };
    if !runnable(&program) {
        return Err(TraceError::Spawn(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{} is not an executable file (nor found in PATH)", program.display()),
        )));
    }
    let prog = filter()?;
    // SAFETY: the closure runs in the child between fork and exec and
    // makes only async-signal-safe calls (prctl, ptrace, seccomp) on
    // memory prepared before the fork; it allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) != 0 {
                return Err(io::Error::last_os_error());
            }
            if libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            // EOPNOTSUPP marks the filter's refusal apart from ptrace's.
            seccompiler::apply_filter(&prog).map_err(|_| io::Error::from_raw_os_error(libc::EOPNOTSUPP))
        });
    }
    let log = TraceLog::default();
    log.begin_run(cfg.reads, cfg.seed);
    let exit = Arc::new(Mutex::new(None));
    let tasks = Arc::new(Mutex::new(HashSet::new()));
    let (tx, rx) = mpsc::channel();
    let (l, e, t) = (log.clone(), exit.clone(), tasks.clone());
    std::thread::Builder::new()
        .name("framelab-tracer".into())
        .spawn(move || {
            let mut child = match cmd.spawn() {
                Ok(c) => c,
                Err(err) => {
                    l.finish();
                    let _ = tx.send(Err(err));
                    return;
                }
            };
            let pid = child.id() as i32;
            t.lock().unwrap_or_else(|p| p.into_inner()).insert(pid);
            let _ = tx.send(Ok((child.id(), child.stdout.take(), child.stderr.take())));
            // `child` is never waited on through std: this thread reaps it.
            Tracer::new(pid, cfg, l.clone(), e, t).run();
            l.finish();
        })
        .map_err(TraceError::Thread)?;
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(Ok((pid, stdout, stderr))) => Ok(TracedChild { pid, log, exit, tasks, stdout, stderr }),
        Ok(Err(err)) => Err(match err.raw_os_error() {
            Some(libc::EPERM | libc::EACCES) => TraceError::Refused { what: Refuser::Ptrace, source: err },
            Some(libc::EOPNOTSUPP | libc::EINVAL | libc::ENOSYS) => {
                TraceError::Refused { what: Refuser::Seccomp, source: err }
            }
            _ => TraceError::Spawn(err),
        }),
        Err(_) => Err(TraceError::Spawn(io::Error::new(io::ErrorKind::TimedOut, "the traced child did not start"))),
    }
}

/// A call between its entry and exit stops.
#[derive(Debug, Clone, Copy)]
struct Pending {
    conn: usize,
    sys: &'static Sys,
    requested: u64,
    limited_to: Option<u64>,
}

/// One traced thread or process.
#[derive(Debug, Default)]
struct Task {
    pending: Option<Pending>,
    /// Auto-attached and not yet past its first stop (`SIGSTOP`).
    fresh: bool,
}

/// Misses before a socket that is not a connected TCP socket of the
/// scenario is no longer looked up.
const MISSES: u8 = 3;
/// Most inodes remembered.
const MAX_INODES: usize = 65_536;

struct Tracer {
    main: i32,
    cfg: TraceConfig,
    log: TraceLog,
    exit: Arc<Mutex<Option<ExitStatus>>>,
    tasks: Arc<Mutex<HashSet<i32>>>,
    state: HashMap<i32, Task>,
    /// The target's first stop (after exec) has set the options.
    started: bool,
    /// Socket inode → connection index (`Ok`), or misses so far (`Err`).
    inodes: HashMap<u64, Result<usize, u8>>,
    rng: ChaCha8Rng,
    /// The run whose read plan `rng` follows.
    generation: u64,
    over: bool,
    /// Thread → process (thread group), as `/proc` says.
    tgids: HashMap<i32, i32>,
}

/// `PTRACE_EVENT_*` and the stop signals, as `waitpid` reports them.
const EVENT_FORK: i32 = libc::PTRACE_EVENT_FORK;
const EVENT_VFORK: i32 = libc::PTRACE_EVENT_VFORK;
const EVENT_CLONE: i32 = libc::PTRACE_EVENT_CLONE;
const EVENT_SECCOMP: i32 = libc::PTRACE_EVENT_SECCOMP;
const SYSCALL_STOP: i32 = libc::SIGTRAP | 0x80;

/// `-ERESTARTSYS` .. `-ERESTART_RESTARTBLOCK`: an interrupted call the
/// kernel restarts (and the filter stops again).
fn restarted(ret: i64) -> bool {
    (-516..=-512).contains(&ret)
}

/// Resumes a stopped task with `request` (`PTRACE_CONT`, `PTRACE_SYSCALL`),
/// delivering `sig` (0: none). Raw, since real-time signals have no
/// `nix::Signal`. A task that died meanwhile reports its exit next.
fn resume(pid: i32, request: libc::c_uint, sig: i32) {
    // SAFETY: ptrace on a tracee of this thread; errors (ESRCH) are harmless.
    unsafe { libc::ptrace(request, pid, 0, sig as libc::c_long) };
}

impl Tracer {
    fn new(
        main: i32,
        cfg: TraceConfig,
        log: TraceLog,
        exit: Arc<Mutex<Option<ExitStatus>>>,
        tasks: Arc<Mutex<HashSet<i32>>>,
    ) -> Tracer {
        let plan = log.read_plan();
        let rng = ReadLimit::rng(plan.seed);
        let mut state = HashMap::new();
        state.insert(main, Task::default());
        Tracer {
            main,
            cfg,
            log,
            exit,
            tasks,
            state,
            started: false,
            inodes: HashMap::new(),
            rng,
            generation: plan.generation,
            over: false,
            tgids: HashMap::new(),
        }
    }

    fn run(&mut self) {
        loop {
            let mut status: libc::c_int = 0;
            // SAFETY: waitpid with a valid pointer. __WNOTHREAD: only this
            // thread's children and tracees, never another scenario's.
            let pid = unsafe { libc::waitpid(-1, &mut status, libc::__WALL | libc::__WNOTHREAD) };
            if pid < 0 {
                if io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                    continue;
                }
                // ECHILD: every traced process is gone.
                return;
            }
            self.handle(pid, status);
        }
    }

    fn set_tasks(&self) {
        let mut t = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        t.clear();
        t.extend(self.state.keys().copied());
        self.log.tasks(t.len());
    }

    fn handle(&mut self, pid: i32, status: i32) {
        if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
            self.state.remove(&pid);
            self.tgids.remove(&pid);
            self.set_tasks();
            if pid == self.main {
                *self.exit.lock().unwrap_or_else(|p| p.into_inner()) = Some(ExitStatus::from_raw(status));
                self.log.poke();
            }
            return;
        }
        if !libc::WIFSTOPPED(status) {
            return;
        }
        if let std::collections::hash_map::Entry::Vacant(e) = self.state.entry(pid) {
            // A new thread or process whose first stop came before its
            // parent's fork event.
            e.insert(Task { pending: None, fresh: true });
            self.set_tasks();
            self.bound();
        }
        let sig = libc::WSTOPSIG(status);
        let event = (status >> 16) & 0xff;
        match (sig, event) {
            (libc::SIGTRAP, EVENT_SECCOMP) => self.entry(pid),
            (SYSCALL_STOP, _) => self.exit_stop(pid),
            (libc::SIGTRAP, EVENT_FORK | EVENT_VFORK | EVENT_CLONE) => {
                if let Ok(new) = ptrace::getevent(Pid::from_raw(pid)) {
                    self.state.entry(new as i32).or_insert(Task { pending: None, fresh: true });
                    self.set_tasks();
                    self.bound();
                }
                resume(pid, libc::PTRACE_CONT, 0);
            }
            (libc::SIGTRAP, 0) if pid == self.main && !self.started => {
                self.started = true;
                let opts = ptrace::Options::PTRACE_O_TRACESECCOMP
                    | ptrace::Options::PTRACE_O_EXITKILL
                    | ptrace::Options::PTRACE_O_TRACECLONE
                    | ptrace::Options::PTRACE_O_TRACEFORK
                    | ptrace::Options::PTRACE_O_TRACEVFORK
                    | ptrace::Options::PTRACE_O_TRACEEXEC
                    | ptrace::Options::PTRACE_O_TRACESYSGOOD;
                if let Err(e) = ptrace::setoptions(Pid::from_raw(pid), opts) {
                    self.log.fail(format!("ptrace options refused: {e}"));
                    // SAFETY: kill(2) on our own child.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
                resume(pid, libc::PTRACE_CONT, 0);
            }
            (libc::SIGTRAP, e) if e != 0 => resume(pid, libc::PTRACE_CONT, 0),
            (libc::SIGSTOP, _) if self.state.get(&pid).is_some_and(|t| t.fresh) => {
                if let Some(t) = self.state.get_mut(&pid) {
                    t.fresh = false;
                }
                resume(pid, libc::PTRACE_CONT, 0);
            }
            // A signal for the target: passed on.
            (s, _) => resume(pid, libc::PTRACE_CONT, s),
        }
    }

    /// Past the bound of traced tasks: the target is killed, and the trace
    /// says why.
    fn bound(&mut self) {
        if self.state.len() > self.cfg.max_tasks && !self.over {
            self.over = true;
            self.log.fail(format!(
                "the target started more than {} processes and threads; it was killed",
                self.cfg.max_tasks
            ));
            for t in self.state.keys() {
                // SAFETY: kill(2) on our own tracees.
                unsafe { libc::kill(*t, libc::SIGKILL) };
            }
        }
    }

    /// The scenario's connection behind `fd` of task `pid`, if it is one.
    fn conn_of(&mut self, pid: i32, fd: u64) -> Option<usize> {
        let fd = i32::try_from(fd).ok().filter(|f| *f >= 0)?;
        let link = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).ok()?;
        let inode: u64 = link.to_str()?.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()?;
        match self.inodes.get(&inode) {
            Some(Ok(i)) => return Some(*i),
            Some(Err(m)) if *m >= MISSES => return None,
            _ => {}
        }
        if self.inodes.len() >= MAX_INODES {
            self.inodes.clear();
        }
        let port = self.cfg.port;
        let found = crate::kernel_queue::tcp_by_inode(inode).ok().flatten();
        let conn = match found {
            Some((l, r)) if l.port() == port || r.port() == port => self.log.conn(l, r),
            // Another TCP connection (the target's own client of something else).
            Some(_) => None,
            None => {
                let m = self.inodes.entry(inode).or_insert(Err(0));
                if let Err(n) = m {
                    *n += 1;
                }
                return None;
            }
        };
        self.inodes.insert(inode, conn.ok_or(MISSES));
        conn
    }

    fn entry(&mut self, pid: i32) {
        let p = Pid::from_raw(pid);
        let Ok(mut regs) = ptrace::getregs(p) else { return resume(pid, libc::PTRACE_CONT, 0) };
        let Some(sys) = arch::lookup(arch::nr(&regs)) else { return resume(pid, libc::PTRACE_CONT, 0) };
        self.log.stopped();
        let Some(conn) = self.conn_of(pid, arch::arg(&regs, 0)) else { return resume(pid, libc::PTRACE_CONT, 0) };
        match sys.kind {
            CallKind::Shutdown => {
                let requested = arch::arg(&regs, 1);
                let call = self.call(pid, sys, requested, None, 0);
                self.log.record(conn, call);
                resume(pid, libc::PTRACE_CONT, 0);
            }
            CallKind::Read | CallKind::Write => {
                let requested = if sys.len_arg { arch::arg(&regs, 2) } else { 0 };
                let mut limited_to = None;
                let plan = self.log.read_plan();
                if plan.generation != self.generation {
                    self.generation = plan.generation;
                    self.rng = ReadLimit::rng(plan.seed);
                }
                if sys.shortens() && conn >= plan.first && !plan.reads.is_full() {
                    let n = plan.reads.apply(requested, &mut self.rng);
                    if n < requested {
                        arch::set_arg2(&mut regs, n);
                        if ptrace::setregs(p, regs).is_ok() {
                            limited_to = Some(n);
                        }
                    }
                }
                if let Some(t) = self.state.get_mut(&pid) {
                    t.pending = Some(Pending { conn, sys, requested, limited_to });
                }
                resume(pid, libc::PTRACE_SYSCALL, 0);
            }
        }
    }

    fn exit_stop(&mut self, pid: i32) {
        let Some(pend) = self.state.get_mut(&pid).and_then(|t| t.pending.take()) else {
            return resume(pid, libc::PTRACE_CONT, 0);
        };
        let p = Pid::from_raw(pid);
        let Ok(mut regs) = ptrace::getregs(p) else { return resume(pid, libc::PTRACE_CONT, 0) };
        let ret = arch::ret(&regs);
        if pend.limited_to.is_some() {
            // The length the target asked for, as it left it.
            arch::set_arg2(&mut regs, pend.requested);
            let _ = ptrace::setregs(p, regs);
        }
        if !restarted(ret) {
            // recvmmsg and sendmmsg count messages, not bytes.
            let result = if pend.sys.counts_bytes { ret } else { 0 };
            let call = self.call(pid, pend.sys, pend.requested, pend.limited_to, result);
            self.log.record(pend.conn, call);
        }
        resume(pid, libc::PTRACE_CONT, 0);
    }

    /// The process (thread group) of thread `tid`.
    fn tgid(&mut self, tid: i32) -> i32 {
        if let Some(p) = self.tgids.get(&tid) {
            return *p;
        }
        let p = std::fs::read_to_string(format!("/proc/{tid}/status"))
            .ok()
            .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Tgid:")?.trim().parse().ok()))
            .unwrap_or(tid);
        self.tgids.insert(tid, p);
        p
    }

    fn call(&mut self, tid: i32, sys: &'static Sys, requested: u64, limited_to: Option<u64>, result: i64) -> Call {
        Call {
            kind: sys.kind,
            sys: sys.name,
            tid: tid as u32,
            pid: self.tgid(tid) as u32,
            requested,
            limited_to,
            result,
            offset: 0,
            at: Some(Instant::now()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpStream;

    /// A Python server that forks a child per connection; the child echoes
    /// each recv(1024) and reports the sizes it asked for and got.
    const FORKING_ECHO: &str = r#"import os, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen()
c, _ = s.accept()
if os.fork() == 0:
    while True:
        d = c.recv(1024)
        if not d: break
        c.sendall(d)
    c.close(); os._exit(0)
c.close(); os.wait()
"#;

    /// The interpreter itself, not a shim (pyenv's `python3` is a chain of
    /// shell scripts: six times the traced calls at startup).
    fn python() -> String {
        let out = Command::new("python3").args(["-c", "import sys; print(sys.executable)"]).output().unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    fn start(reads: ReadLimit) -> (TracedChild, TcpStream) {
        let port = crate::target::free_port("127.0.0.1".parse().unwrap(), false).unwrap();
        let mut cmd = Command::new(python());
        cmd.args(["-c", FORKING_ECHO, &port.to_string()]).stdin(std::process::Stdio::null());
        let child = spawn(cmd, TraceConfig { port, reads, seed: 3, max_tasks: crate::trace::MAX_TASKS }).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let s = loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(s) => break s,
                Err(e) => {
                    assert!(Instant::now() < deadline && child.try_wait().is_none(), "never listened: {e}");
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        };
        (child, s)
    }

    fn finish(child: &TracedChild, s: TcpStream) -> crate::trace::TracedConn {
        let local = s.local_addr().unwrap();
        drop(s);
        let deadline = Instant::now() + Duration::from_secs(20);
        while !child.log().done() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(child.log().done(), "the target and its fork exited");
        child.log().connection(local).expect("the connection was traced")
    }

    #[test]
    fn a_forked_handlers_reads_are_seen_and_shortened_then_restored() {
        let (child, mut s) = start(ReadLimit::Max(2));
        s.write_all(b"hello").unwrap();
        let mut got = [0u8; 5];
        s.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"hello", "the echo is whole: the target's reads came back short, not wrong");
        let c = finish(&child, s);
        let reads: Vec<(u64, Option<u64>, i64)> = c
            .calls
            .iter()
            .filter(|x| x.kind == CallKind::Read)
            .map(|x| (x.requested, x.limited_to, x.result))
            .collect();
        assert_eq!(reads, [(1024, Some(2), 2), (1024, Some(2), 2), (1024, Some(2), 1), (1024, Some(2), 0)]);
        assert!(c.saw_eof);
        assert_eq!(c.bytes_written, 5);
        let child_pid = c.calls.iter().find(|x| x.kind == CallKind::Read).unwrap().pid;
        assert_ne!(child_pid, child.id(), "the reads were the forked child's");
        assert!(c.calls.iter().all(|x| x.pid != child.id()), "the parent made no call on it");
        let stats = child.log().stats();
        assert_eq!(stats.limited, 4);
        assert!(stats.peak_tasks >= 2, "{stats:?}");
        assert_eq!(child.try_wait().and_then(|s| s.code()), Some(0));
    }

    #[test]
    fn full_reads_are_left_alone() {
        let (child, mut s) = start(ReadLimit::Full);
        s.write_all(b"hello").unwrap();
        let mut got = [0u8; 5];
        s.read_exact(&mut got).unwrap();
        let c = finish(&child, s);
        let reads: Vec<(Option<u64>, i64)> =
            c.calls.iter().filter(|x| x.kind == CallKind::Read).map(|x| (x.limited_to, x.result)).collect();
        assert_eq!(reads, [(None, 5), (None, 0)]);
        assert_eq!(child.log().stats().limited, 0);
    }

    #[test]
    fn a_program_that_cannot_run_is_refused_before_the_fork() {
        let cfg = TraceConfig { port: 1, reads: ReadLimit::Full, seed: 0, max_tasks: 4 };
        let e = spawn(Command::new("/nonexistent/prog"), cfg.clone()).unwrap_err();
        assert!(matches!(e, TraceError::Spawn(_)), "{e}");
        assert!(e.to_string().contains("/nonexistent/prog"), "{e}");
        assert!(runnable(Path::new("sh")), "found in PATH");
        assert!(!runnable(Path::new("/etc/passwd")), "not executable");
        assert!(restarted(-512) && restarted(-516) && !restarted(-511) && !restarted(-517) && !restarted(0));
    }
}
