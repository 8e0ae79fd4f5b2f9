//! Other people's programs under test: the Python examples in examples/
//! (spawned servers judged by their replies, clients judged by their exit
//! status and output, through the proxy), and the life cycle of spawned
//! programs: never outliving a scenario that passes, fails, passes its
//! deadline, never listens, or a run that is interrupted.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use framelab::run::{self, RunOptions, ScenarioResult};
use framelab::scenario::{self, Scenario, Verdict};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scenarios")
}

fn load(name: &str) -> Scenario {
    crate::load(&examples().join(name))
}

fn run(scenarios: Vec<Scenario>) -> Vec<ScenarioResult> {
    rt().block_on(run::run_suite(scenarios, RunOptions::default(), 4, |_| {}))
}

fn verdicts(results: &[ScenarioResult]) -> Vec<(String, Option<Verdict>)> {
    results
        .iter()
        .map(|r| (Path::new(&r.file).file_name().unwrap().to_string_lossy().into_owned(), r.verdict()))
        .collect()
}

fn details(results: &[ScenarioResult]) -> String {
    results.iter().map(|r| format!("{}: {} ({})", r.file, r.verdict_text(), r.detail)).collect::<Vec<_>>().join("\n")
}

#[test]
fn every_example_scenario_gives_its_expected_verdict() {
    let files = scenario::collect(&[examples()]).unwrap();
    let all: Vec<Scenario> = files.iter().map(|f| crate::load(f)).collect();
    assert!(all.len() >= 20);
    // A file's name ends with the verdict it expects: a reader picking
    // `...-coalesced.toml` gets `coalesced`.
    let misnamed: Vec<String> = files
        .iter()
        .zip(&all)
        .filter(|(f, s)| !f.file_stem().unwrap().to_string_lossy().ends_with(&format!("-{}", s.expect.verdict)))
        .map(|(f, s)| format!("{} expects {}", f.display(), s.expect.verdict))
        .collect();
    assert!(misnamed.is_empty(), "{misnamed:#?}");
    let results = run(all);
    let failed: Vec<&ScenarioResult> = results.iter().filter(|r| !r.ok()).collect();
    assert!(
        failed.is_empty(),
        "{}",
        failed
            .iter()
            .map(|r| format!("{}: {} (expected {}): {}", r.file, r.verdict_text(), r.expected, r.detail))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn a_spawned_naive_python_server_is_coalesced_then_split_and_the_correct_ones_intact() {
    let files = [
        ("server-naive-coalesced.toml", Verdict::Coalesced),
        ("server-naive-split.toml", Verdict::Split),
        ("server-line-coalesce-intact.toml", Verdict::Intact),
        ("server-line-chunked-intact.toml", Verdict::Intact),
        ("server-lp-coalesce-intact.toml", Verdict::Intact),
        ("server-lp-chunked-intact.toml", Verdict::Intact),
        ("server-stream-coalesce-inconclusive.toml", Verdict::Inconclusive),
        ("server-stream-chunked-inconclusive.toml", Verdict::Inconclusive),
    ];
    // The naive and the correct servers meet the same two schedules.
    let naive = load("server-naive-split.toml");
    let correct = load("server-line-chunked-intact.toml");
    assert_eq!((naive.client.schedule.clone(), naive.client.pause), (correct.client.schedule, correct.client.pause));
    assert!(naive.target.as_ref().and_then(|t| t.command.as_ref()).is_some_and(|c| c[0] == crate::python()));
    let results = run(files.iter().map(|(f, _)| load(f)).collect());
    let want: Vec<(String, Option<Verdict>)> = files.iter().map(|(f, v)| (f.to_string(), Some(*v))).collect();
    assert_eq!(verdicts(&results), want, "{}", details(&results));
}

#[test]
fn a_naive_client_fails_through_a_coalescing_proxy_and_a_correct_client_passes() {
    let files = [
        ("client-b07-decimal-length-desync.toml", Verdict::Desync),
        ("client-b07-fixed-width-header-intact.toml", Verdict::Intact),
        ("client-naive-coalesced.toml", Verdict::Coalesced),
        ("client-line-intact.toml", Verdict::Intact),
        ("client-b16-unchecked-digest-desync.toml", Verdict::Desync),
        ("client-b16-checked-digest-rejected.toml", Verdict::Rejected),
        ("client-b16-real-digest-intact.toml", Verdict::Intact),
    ];
    let b7 = load("client-b07-decimal-length-desync.toml");
    assert_eq!(b7.proxy.as_ref().map(|p| p.down.to_string()), Some("coalesce".into()));
    let results = run(files.iter().map(|(f, _)| load(f)).collect());
    let want: Vec<(String, Option<Verdict>)> = files.iter().map(|(f, v)| (f.to_string(), Some(*v))).collect();
    assert_eq!(verdicts(&results), want, "{}", details(&results));
    assert!(results[0].detail.contains("ValueError"), "the client's stderr is in the report: {}", results[0].detail);
}

/// A server for the life-cycle tests: starts a child process in its own
/// process group (the group framelab made), writes both pids to a file,
/// then echoes.
const FIXTURE: &str = r#"
import os, socket, subprocess, sys, threading, time
port, pidfile = int(sys.argv[1]), sys.argv[2]
mode = sys.argv[3] if len(sys.argv) > 3 else "serve"
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
with open(pidfile + ".tmp", "w") as f:
    f.write(f"{os.getpid()} {child.pid}\n")
os.rename(pidfile + ".tmp", pidfile)
sys.stderr.write("fixture: started, mode " + mode + "\n")
sys.stderr.flush()
if mode == "mute":
    time.sleep(120)
srv = socket.create_server(("127.0.0.1", port))
def echo(conn):
    while True:
        data = conn.recv(65536)
        if not data:
            conn.close()
            return
        conn.sendall(data)
while True:
    conn, _ = srv.accept()
    threading.Thread(target=echo, args=(conn,), daemon=True).start()
"#;

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("fixture.py"), FIXTURE).unwrap();
        Fixture { dir }
    }

    fn pidfile(&self) -> PathBuf {
        self.dir.path().join("pids.txt")
    }

    /// A scenario file in the fixture's folder, `extra` appended.
    fn scenario(&self, name: &str, mode: &str, extra: &str) -> Scenario {
        let text = format!(
            "name = \"{name}\"\n{extra}\n[target]\ncommand = [\"python3\", \"fixture.py\", \"{{port}}\", \"pids.txt\", \"{mode}\"]\nstartup-timeout = \"3s\"\n"
        );
        let path = self.dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, crate::with_python(&text)).unwrap();
        scenario::load_file(&path).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The pids the fixture wrote (its own and its child's).
    fn pids(&self) -> Vec<u32> {
        let text = std::fs::read_to_string(self.pidfile()).expect("the fixture wrote its pids");
        text.split_whitespace().map(|p| p.parse().unwrap()).collect()
    }
}

/// Whether `pid` is a live process (a zombie waiting to be reaped is not).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next());
            !matches!(state, Some("Z" | "X"))
        }
        // No /proc: ask the kernel.
        Err(_) if !Path::new("/proc/self").exists() => {
            // SAFETY: signal 0 only checks that the process exists.
            unsafe { libc::kill(pid as i32, 0) == 0 }
        }
        Err(_) => false,
    }
}

/// Waits up to 3 s for every pid to be gone.
fn assert_gone(pids: &[u32], when: &str) {
    let deadline = Instant::now() + Duration::from_secs(3);
    while pids.iter().any(|p| alive(*p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let left: Vec<u32> = pids.iter().copied().filter(|p| alive(*p)).collect();
    assert!(left.is_empty(), "{when}: processes {left:?} outlived the scenario");
}

const ECHO: &str = "[client]\nmessages = [\"hi\"]\n[response]\nframing = \"raw\"\nexpect = \"echo\"\nbytes = 2\n";

#[cfg(unix)]
#[test]
fn spawned_targets_and_their_children_die_when_a_scenario_passes_or_fails() {
    let f = Fixture::new();
    // Every byte echoed cannot prove intact (issue 34): the passing verdict
    // is inconclusive.
    let sc = f.scenario("passes", "serve", &format!("{ECHO}[expect]\nverdict = \"inconclusive\"\n"));
    let r = rt().block_on(run::run_scenario(&sc, &RunOptions::default()));
    assert!(r.ok(), "{}", r.detail);
    let pids = f.pids();
    assert_eq!(pids.len(), 2);
    assert_gone(&pids, "after a passing scenario");

    std::fs::remove_file(f.pidfile()).unwrap();
    let sc = f.scenario("fails", "serve", &format!("{ECHO}[expect]\nverdict = \"coalesced\"\n"));
    let r = rt().block_on(run::run_scenario(&sc, &RunOptions::default()));
    assert!(!r.ok() && r.verdict() == Some(Verdict::Inconclusive), "{}", r.detail);
    assert_gone(&f.pids(), "after a failing scenario");
}

#[cfg(unix)]
#[test]
fn a_spawned_target_dies_when_the_scenario_passes_its_deadline() {
    let f = Fixture::new();
    // The client holds its connection open far past the scenario's deadline.
    // The deadline (4s) counts from before the target starts, so it is
    // longer than the fixture's startup-timeout (3s): it can only pass once
    // the target is up (and has written its pids), whatever the load.
    let extra = "timeout = \"4s\"\n[client]\nmessages = [\"hi\"]\nhold = \"60s\"\n[expect]\nverdict = \"hang\"\n";
    let sc = f.scenario("deadline", "serve", extra);
    let r = rt().block_on(run::run_scenario(&sc, &RunOptions::default()));
    // The verdict came from the scenario's deadline, not from the end of
    // the client's 60s hold.
    assert_eq!(r.verdict(), Some(Verdict::Hang), "{}", r.detail);
    assert!(r.detail.contains("did not finish within its deadline of 4s"), "{}", r.detail);
    assert_gone(&f.pids(), "after the deadline");
}

#[cfg(unix)]
#[test]
fn a_target_that_never_listens_is_killed_and_its_stderr_shown() {
    let f = Fixture::new();
    let sc = f.scenario("mute", "mute", "timeout = \"10s\"\n");
    let r = rt().block_on(run::run_scenario(&sc, &RunOptions::default()));
    assert_eq!(r.verdict(), None, "a target that never starts is a scenario error: {}", r.detail);
    // The error came from the 3s startup-timeout, not the scenario's 10s
    // deadline.
    assert!(r.detail.contains("did not listen") && r.detail.contains("within 3s"), "{}", r.detail);
    assert!(!r.detail.contains("deadline"), "{}", r.detail);
    assert!(r.detail.contains("fixture: started, mode mute"), "the error shows its stderr: {}", r.detail);
    assert_gone(&f.pids(), "after a target that never listened");

    // One that exits at once: its stderr explains why.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exits.toml");
    std::fs::write(
        &path,
        crate::with_python(
            "[target]\ncommand = [\"python3\", \"-c\", \"import sys; sys.exit('boom: no config file')\", \"{port}\"]\n",
        ),
    )
    .unwrap();
    let sc = scenario::load_file(&path).unwrap();
    let r = rt().block_on(run::run_scenario(&sc, &RunOptions::default()));
    assert!(r.detail.contains("exited") && r.detail.contains("boom: no config file"), "{}", r.detail);

    // One that cannot start at all.
    std::fs::write(&path, "[target]\ncommand = [\"./no-such-server\", \"{port}\"]\n").unwrap();
    let sc = scenario::load_file(&path).unwrap();
    let r = rt().block_on(run::run_scenario(&sc, &RunOptions::default()));
    assert!(r.detail.contains("cannot start `./no-such-server"), "{}", r.detail);
}

#[cfg(unix)]
#[test]
fn a_client_under_test_past_its_timeout_is_killed_with_its_children() {
    let dir = tempfile::tempdir().unwrap();
    let script = "import os, subprocess, sys, time\nc = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\nopen('pids.txt', 'w').write(f'{os.getpid()} {c.pid}')\ntime.sleep(120)\n";
    std::fs::write(dir.path().join("slow.py"), script).unwrap();
    let path = dir.path().join("slow.toml");
    std::fs::write(
        &path,
        crate::with_python(
            "[server]\nstrategy = \"delimiter\"\n[client-under-test]\ncommand = [\"python3\", \"slow.py\", \"{addr}\"]\ntimeout = \"3s\"\n[expect]\nverdict = \"hang\"\n",
        ),
    )
    .unwrap();
    let sc = scenario::load_file(&path).unwrap();
    let r = rt().block_on(run::run_scenario(&sc, &RunOptions::default()));
    assert_eq!(r.verdict(), Some(Verdict::Hang), "{}", r.detail);
    let pids: Vec<u32> = std::fs::read_to_string(dir.path().join("pids.txt"))
        .unwrap()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    assert_gone(&pids, "after the client's timeout");
}

#[cfg(unix)]
#[test]
fn an_interrupted_run_kills_every_spawned_target() {
    let f = Fixture::new();
    let extra = "timeout = \"60s\"\n[client]\nmessages = [\"hi\"]\nhold = \"60s\"\n";
    let sc = f.scenario("interrupted", "serve", extra);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_framelab"))
        .arg("run")
        .arg(&sc.file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while !f.pidfile().exists() {
        assert!(Instant::now() < deadline, "the target never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pids = f.pids();
    assert!(pids.iter().all(|p| alive(*p)));
    // SAFETY: kill(2) on our own child's pid.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "framelab run did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted: stopped 1 spawned program"), "{err}");
    assert_gone(&pids, "after Ctrl-C");
}

#[test]
fn scenario_files_with_bad_target_proxy_or_client_sections_are_refused() {
    for (text, want) in [
        ("[target]\ncommand = []\n", "target.command"),
        ("[target]\nudp = true\n", "target.addr"),
        ("[target]\naddr = \"10.0.0.1:9\"\ncommand = [\"x\"]\n", "loopback"),
        ("[proxy]\nup = \"scatter\"\n", "schedule"),
        ("[client-under-test]\ncommand = [\"c\"]\nstdout-match = \"(\"\n", "client-under-test.stdout-match"),
        ("[client]\nmessages = [\"a\"]\n[client-under-test]\ncommand = [\"c\"]\n", "client.messages"),
        ("[response]\nmatch = \"[\"\n", "response.match"),
        ("[response]\nreplies = [\"a\"]\nexpect = \"echo\"\n", "response"),
        ("[response]\nbytes = 10\nframing = \"delimiter\"\n", "response.bytes"),
    ] {
        let e = scenario::parse(text, Path::new("x.toml")).unwrap_err();
        assert!(e.to_string().contains(want), "{text:?}: {e}");
    }
    let ok = scenario::parse("[response]\nbytes = \"1KiB\"\nexpect = \"echo\"\n", Path::new("x.toml")).unwrap();
    assert_eq!(ok.response.bytes, Some(1024));
}

#[test]
fn replies_by_list_and_by_pattern_give_the_count_verdicts() {
    // A reference server as "anyone's server": its ack replies judged as a
    // list, then by a pattern.
    let rt = rt();
    let server = rt
        .block_on(framelab::server::Server::start(
            framelab::server::ServerConfig::new("naive".parse().unwrap()).variant(framelab::server::Variant::Seed),
        ))
        .unwrap();
    let opts = RunOptions { target: Some(server.addr()), ..RunOptions::default() };
    let base = "[client]\nframing = \"raw\"\nmessages = [\"hello\", \"world\"]\nschedule = \"coalesce\"\n[response]\nframing = \"raw\"\n";
    for (extra, want) in [
        // One ack for two messages: merged or one skipped, a count cannot
        // tell (issue 34); one for one: intact, or cut short.
        ("replies = [\"Receive your message!\", \"Receive your message!\"]\n", Verdict::Inconclusive),
        ("replies = [\"Receive your message!\"]\n", Verdict::Inconclusive),
        ("match = \"^Receive\"\n", Verdict::Inconclusive),
        ("match = \"^nope\"\n", Verdict::Desync),
    ] {
        let sc = scenario::parse(&format!("{base}{extra}"), Path::new("x.toml")).unwrap();
        let r = rt.block_on(run::run_scenario(&sc, &opts));
        assert_eq!(r.verdict(), Some(want), "{extra}: {}", r.detail);
    }
    rt.block_on(server.stop());
}

#[test]
fn a_proxy_in_front_of_a_reference_server_decides_what_its_reads_see() {
    // framelab's client writes the messages apart; the proxy's up schedule
    // decides what the naive reference server reads, and the server's own
    // record (matched through the proxy's upstream sockets) gives the verdict.
    let base = "[server]\nstrategy = \"naive\"\nvariant = \"seed\"\n[client]\nmessages = [\"hello\", \"world\"]\n";
    let rt = rt();
    for (extra, want) in [
        ("pause = \"300ms\"\n[proxy]\nup = \"each\"\n", Verdict::Intact),
        ("pause = \"300ms\"\n[proxy]\nup = \"coalesce\"\nhold = \"2s\"\n", Verdict::Coalesced),
        ("schedule = \"coalesce\"\n[proxy]\nup = \"chunk:3\"\nup-pause = \"150ms\"\n", Verdict::Split),
    ] {
        let sc = scenario::parse(&format!("{base}{extra}"), Path::new("x.toml")).unwrap();
        let r = rt.block_on(run::run_scenario(&sc, &RunOptions::default()));
        assert_eq!(r.verdict(), Some(want), "{extra}: {}", r.detail);
        assert!(r.detail.contains("the proxy passed 10 bytes up"), "{}", r.detail);
    }
}

#[cfg(target_os = "linux")]
#[test]
fn another_program_on_the_port_is_not_mistaken_for_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let path = dir.path().join("squatter.toml");
    // The command never listens; another program takes its port meanwhile.
    std::fs::write(
        &path,
        format!(
            "[target]\naddr = \"127.0.0.1:{port}\"\ncommand = [\"python3\", \"-c\", \"import time; time.sleep(30)\"]\nstartup-timeout = \"1500ms\"\n"
        ),
    )
    .unwrap();
    let sc = scenario::load_file(&path).unwrap();
    let squatter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        let l = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        std::thread::sleep(Duration::from_secs(3));
        drop(l);
    });
    let r = rt().block_on(run::run_scenario(&sc, &RunOptions::default()));
    assert_eq!(r.verdict(), None, "{}", r.detail);
    assert!(r.detail.contains("did not listen"), "{}", r.detail);
    squatter.join().unwrap();

    // A fixed port taken before the start is refused at once.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    std::fs::write(&path, format!("[target]\naddr = \"127.0.0.1:{port}\"\ncommand = [\"python3\", \"x.py\"]\n"))
        .unwrap();
    let sc = scenario::load_file(&path).unwrap();
    let r = rt().block_on(run::run_scenario(&sc, &RunOptions::default()));
    assert!(r.detail.contains("already in use"), "{}", r.detail);
}
