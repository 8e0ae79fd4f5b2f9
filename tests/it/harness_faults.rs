//! The harness under faults: targets that never read, never reply, close
//! at once, die mid-run, or reply without end. Each gives a verdict within
//! its timeouts, the run goes on, and nothing leaks: descriptors, tasks,
//! child processes.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use framelab::run::{self, RunOptions};
use framelab::scenario::{self, Scenario, Verdict};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

/// Fake targets on a runtime of their own.
fn fake_targets(rt: &tokio::runtime::Runtime) -> [SocketAddr; 4] {
    rt.block_on(async {
        let never_reads = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let never_replies = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let closes = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endless = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addrs = [&never_reads, &never_replies, &closes, &endless].map(|l| l.local_addr().unwrap());
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((s, _)) = never_reads.accept().await {
                held.push(s);
            }
        });
        tokio::spawn(async move {
            while let Ok((mut s, _)) = never_replies.accept().await {
                tokio::spawn(async move {
                    let mut b = vec![0u8; 65536];
                    while let Ok(n) = s.read(&mut b).await {
                        if n == 0 {
                            // Keep the connection open, silent.
                            tokio::time::sleep(Duration::from_secs(30)).await;
                            return;
                        }
                    }
                });
            }
        });
        tokio::spawn(async move {
            while let Ok((s, _)) = closes.accept().await {
                drop(s);
            }
        });
        tokio::spawn(async move {
            while let Ok((mut s, _)) = endless.accept().await {
                tokio::spawn(async move {
                    let chunk = vec![b'z'; 65536];
                    while s.write_all(&chunk).await.is_ok() {}
                });
            }
        });
        addrs
    })
}

fn target(name: &str, addr: SocketAddr, client: &str, response: &str) -> Scenario {
    let text = format!(
        "name = \"{name}\"\ntimeout = \"8s\"\n[target]\naddr = \"{addr}\"\n[client]\nreply-timeout = \"500ms\"\n{client}\n[response]\n{response}\n"
    );
    scenario::parse(&text, Path::new(&format!("{name}.toml"))).unwrap()
}

/// Set in the child process that runs the test alone.
const ALONE: &str = "FRAMELAB_TEST_ALONE";

/// Runs test `name` of this binary alone in a child process and fails if it
/// fails there; returns false in that child, where the caller runs the
/// body. For a test that counts the process's descriptors: the other tests
/// of this one test binary open and close theirs at the same time.
fn in_a_process_of_its_own(name: &str) -> bool {
    if std::env::var_os(ALONE).is_some() {
        return false;
    }
    let out = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--test-threads=1", "--nocapture"])
        .env(ALONE, "1")
        .stdin(Stdio::null())
        .stdout(out.reopen().unwrap())
        .stderr(out.reopen().unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let log = std::fs::read_to_string(out.path()).unwrap_or_default();
    assert!(status.is_some_and(|s| s.success()), "{name} alone: {status:?}\n{log}");
    assert!(log.contains("1 passed"), "{name} did not run in the child:\n{log}");
    true
}

#[test]
fn misbehaving_targets_each_get_a_verdict_in_time_and_nothing_leaks() {
    if in_a_process_of_its_own("harness_faults::misbehaving_targets_each_get_a_verdict_in_time_and_nothing_leaks") {
        return;
    }
    let fakes = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let [never_reads, never_replies, closes, endless] = fake_targets(&fakes);
    let dir = tempfile::tempdir().unwrap();
    let marker = format!("framelab-dies-{}", std::process::id());
    let script = dir.path().join(format!("{marker}.py"));
    std::fs::write(
        &script,
        "import os, socket, sys\ns = socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(('127.0.0.1', int(sys.argv[1])))\ns.listen()\nc, _ = s.accept()\nc.recv(3)\nos._exit(0)\n",
    )
    .unwrap();
    // Its reply timeout is long: the target's exit (its socket closed by
    // the kernel) must come before it on a loaded machine, where a Python
    // process can take more than half a second to be scheduled.
    let dies = scenario::parse(
        &crate::with_python(&format!(
            "name = \"dies\"\ntimeout = \"8s\"\n[target]\ncommand = [\"python3\", \"{}\", \"{{port}}\"]\n[client]\nframing = \"delimiter\"\nmessages = [\"one\", \"two\", \"three\"]\nlockstep = true\nreply-timeout = \"3s\"\n[response]\nexpect = \"ack\"\n",
            script.display()
        )),
        &dir.path().join("dies.toml"),
    )
    .unwrap();
    let scenarios = vec![
        target(
            "never-reads",
            never_reads,
            "framing = \"length-prefix\"\ngenerate = { count = 1, size = \"8MiB\", kind = \"text\" }",
            "expect = \"ack\"",
        ),
        target(
            "never-replies",
            never_replies,
            "framing = \"delimiter\"\nmessages = [\"a\", \"b\"]",
            "expect = \"ack\"",
        ),
        target("closes", closes, "framing = \"delimiter\"\nmessages = [\"a\", \"b\"]", "expect = \"ack\""),
        dies,
        target(
            "endless",
            endless,
            "framing = \"delimiter\"\nmessages = [\"a\"]",
            "framing = \"raw\"\nexpect = \"echo\"",
        ),
    ];

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let fds_before = open_fds();
    let results = rt.block_on(run::run_suite(scenarios, RunOptions::default(), 5, |_| {}));
    let got: Vec<(&str, Option<Verdict>)> = results.iter().map(|r| (r.name.as_str(), r.verdict())).collect();
    let details: Vec<&str> = results.iter().map(|r| r.detail.as_str()).collect();
    assert_eq!(
        got,
        vec![
            ("never-reads", Some(Verdict::Hang)),
            ("never-replies", Some(Verdict::Hang)),
            ("closes", Some(Verdict::Closed)),
            ("dies", Some(Verdict::Closed)),
            ("endless", Some(Verdict::Desync)),
        ],
        "{details:#?}"
    );
    // In time: each verdict came from the client's own timeouts (500 ms
    // per reply), not from the scenario's 8 s deadline cutting it short.
    for r in &results {
        assert!(!r.detail.contains("did not finish within its deadline"), "{}: {}", r.name, r.detail);
    }
    // Nothing left running on the harness's runtime once the suite is done.
    // (Aborted tasks are dropped by the runtime shortly after the abort.)
    let deadline = Instant::now() + Duration::from_secs(2);
    while rt.metrics().num_alive_tasks() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(rt.metrics().num_alive_tasks(), 0, "tasks still alive 2s after the run");
    drop(rt);
    assert!(open_fds() <= fds_before, "descriptors leaked: {} before, {} after", fds_before, open_fds());
    // The dying target and its process group are gone.
    let ps = std::process::Command::new("pgrep").args(["-f", &marker]).output().unwrap();
    assert!(ps.stdout.is_empty(), "a spawned target outlived the run: {}", String::from_utf8_lossy(&ps.stdout));
    drop(fakes);
}
