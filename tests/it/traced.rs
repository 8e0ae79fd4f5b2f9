//! Spawned targets judged from their own reads and writes, seen by the
//! tracer (src/trace/): the tutorials' servers in Python and in C (static,
//! threaded, forking), under every schedule that cuts or merges messages,
//! each run with 10 seeds; short reads forced inside a target; and the
//! tracer's own guarantees (nothing left stopped or orphaned).

use std::path::PathBuf;
use std::sync::OnceLock;

use bytes::Bytes;
use framelab::judge::classify;
use framelab::run::{self, RunOptions, ScenarioResult};
use framelab::scenario::{self, Scenario, Verdict};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A scenario from text, as if it were a file in examples/scenarios/.
fn scenario(text: &str) -> Scenario {
    scenario::parse(text, &root().join("examples/scenarios/inline.toml")).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The C server, built static once per test run.
fn c_server() -> &'static str {
    static BIN: OnceLock<String> = OnceLock::new();
    BIN.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("framelab-traced-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bin = dir.join("upper_server_naive");
        let out = std::process::Command::new("cc")
            .args(["-O2", "-static", "-o"])
            .arg(&bin)
            .arg(root().join("examples/servers/upper_server_naive.c"))
            .arg("-lpthread")
            .output()
            .expect("cc runs");
        assert!(out.status.success(), "cc -static failed: {}", String::from_utf8_lossy(&out.stderr));
        bin.display().to_string()
    })
}

/// The tests run many traced interpreters at once beside the rest of the
/// suite on 2 cores: a start may take longer than the 5 s default.
const SLOW_START: &str = "startup-timeout = \"30s\"\n";

/// `[target]` for an example server: a Python file, or the C one in a mode.
fn target(server: &str) -> String {
    match server.strip_prefix("c:") {
        Some(mode) => format!("[target]\n{SLOW_START}command = [{:?}, \"{{port}}\", \"{mode}\"]\n", c_server()),
        None => {
            format!("[target]\n{SLOW_START}command = [{:?}, \"../servers/{server}\", \"{{port}}\"]\n", crate::python())
        }
    }
}

/// Runs each scenario with seeds 1..=10, 2 at a time (the rest of the
/// suite runs beside them on 2 cores: the soak test's good clients must
/// still get their replies within its 1 s idle timeout).
fn ten_seeds(scenarios: &[Scenario]) -> Vec<(usize, ScenarioResult)> {
    let rt = rt();
    let mut out = Vec::new();
    for seed in 1..=10u64 {
        let opts = RunOptions { seed: Some(seed), ..RunOptions::default() };
        let results = rt.block_on(run::run_suite(scenarios.to_vec(), opts, 2, |_| {}));
        out.extend(results.into_iter().enumerate());
    }
    out
}

const HELLO: &str = "messages = [\"hello\", \"world\"]\n";

/// (label, client and proxy lines) of the schedules every raw server meets.
fn schedules() -> Vec<(&'static str, String)> {
    let big = format!("messages = [\"{}\", \"{}\"]\n", "a".repeat(3000), "b".repeat(3000));
    vec![
        ("coalesce", format!("[client]\nframing = \"raw\"\n{HELLO}schedule = \"coalesce\"\n")),
        ("drip", format!("[client]\nframing = \"raw\"\n{HELLO}schedule = \"drip\"\nsync = true\n")),
        ("random", format!("[client]\nframing = \"raw\"\n{HELLO}schedule = {{ random = [1, 8] }}\nsync = true\n")),
        ("3000 B", format!("[client]\nframing = \"raw\"\n{big}schedule = \"each\"\nsync = true\n")),
        (
            "proxy",
            format!(
                "[client]\nframing = \"raw\"\n{HELLO}schedule = \"coalesce\"\n[proxy]\nup = {{ chunk = 3 }}\nsync = true\n"
            ),
        ),
    ]
}

/// The verdict a server that takes each read as a message deserves, from
/// what reached its reads: with sync each write is a read (through the
/// proxy, each of its 3-byte writes); 3000 B messages are read 1024 at a time.
fn deserved(label: &str, sc: &Scenario, r: &ScenarioResult) -> Verdict {
    let stream: Vec<u8> = sc.client.messages.iter().flat_map(|m| m.as_bytes().to_vec()).collect();
    let cuts: Vec<usize> = match label {
        "coalesce" => vec![stream.len()],
        "proxy" => vec![3; stream.len().div_ceil(3)],
        "3000 B" => vec![1024, 1024, 952, 1024, 1024, 952],
        _ => r.writes.clone(),
    };
    let mut at = 0;
    let reads: Vec<Bytes> = cuts
        .iter()
        .map(|n| {
            let end = (at + n).min(stream.len());
            let b = Bytes::copy_from_slice(&stream[at..end]);
            at = end;
            b
        })
        .collect();
    let sent: Vec<Bytes> = sc.client.messages.iter().map(|m| Bytes::copy_from_slice(m.as_bytes())).collect();
    classify(&sent, &reads)
}

fn check_raw_server(server: &str, response: &str) {
    let cases: Vec<(&str, Scenario)> = schedules()
        .into_iter()
        .map(|(label, client)| {
            (label, scenario(&format!("{}{client}{response}[expect]\nverdict = \"intact\"\n", target(server))))
        })
        .collect();
    let scenarios: Vec<Scenario> = cases.iter().map(|(_, s)| s.clone()).collect();
    let mut wrong = Vec::new();
    for (i, r) in ten_seeds(&scenarios) {
        let (label, sc) = &cases[i];
        let want = deserved(label, sc, &r);
        if r.verdict() != Some(want) || !r.detail.contains("from the target's own reads") {
            wrong.push(format!(
                "{server} {label} seed {}: {} (deserved {want}): {}",
                r.seed,
                r.verdict_text(),
                r.detail
            ));
        }
    }
    assert!(wrong.is_empty(), "{} of 50 runs wrong:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn the_naive_upper_server_in_python_gets_the_verdict_its_reads_deserve_10_of_10() {
    check_raw_server("upper_server_naive.py", "[response]\nexpect = \"upper\"\n");
}

#[test]
fn the_naive_ack_server_gets_the_verdict_its_reads_deserve_10_of_10() {
    check_raw_server("ack_server_naive.py", "[response]\nreplies = [\"Receive your message!\"]\n");
}

#[test]
fn a_sink_that_never_replies_is_judged_from_its_reads_10_of_10() {
    check_raw_server("sink_server_naive.py", "");
}

#[test]
fn the_naive_upper_server_in_static_c_single_threaded_and_forking_gets_the_same_verdicts() {
    for mode in ["c:single", "c:thread", "c:fork"] {
        check_raw_server(mode, "[response]\nexpect = \"upper\"\n");
    }
}

/// The done-when of the sink: `coalesced` under coalesced writes,
/// `intact` under one write per message with sync.
#[test]
fn a_sink_is_coalesced_under_one_write_and_intact_under_synced_writes() {
    let rt = rt();
    for (schedule, want) in [("coalesce", Verdict::Coalesced), ("each", Verdict::Intact)] {
        let sc = scenario(&format!(
            "{}[client]\nframing = \"raw\"\n{HELLO}schedule = \"{schedule}\"\nsync = true\n[expect]\nverdict = \"intact\"\n",
            target("sink_server_naive.py")
        ));
        let r = rt.block_on(run::run_scenario(&sc, &RunOptions::default()));
        assert_eq!(r.verdict(), Some(want), "{schedule}: {}", r.detail);
    }
}

// ---- short reads inside the target ----------------------------------------

const LP: &str = "[client]\nframing = \"length-prefix\"\nmessages = [\"hello\", \"world\"]\nschedule = \"coalesce\"\n\
                  [response]\nframing = \"delimiter\"\nexpect = \"digest\"\n";

/// A server that reads its 4-byte header with one recv(4) takes the 2 bytes
/// `reads = "max:2"` gives it as the whole header: it misreads the length
/// (B4/B5), with no cut, pause or sync on the client's side.
#[test]
fn a_header_read_with_one_recv_misreads_under_reads_max_2() {
    let rt = rt();
    let text = format!("{}reads = \"max:2\"\n{LP}[expect]\nverdict = \"desync\"\n", target("lp_server_naive.py"));
    let sc = scenario(&text);
    for seed in 1..=3 {
        let r = rt.block_on(run::run_scenario(&sc, &RunOptions { seed: Some(seed), ..RunOptions::default() }));
        assert!(matches!(r.verdict(), Some(Verdict::Desync | Verdict::Closed)), "seed {seed}: {}", r.detail);
    }
    // Untouched reads: the same server passes the same schedule.
    let sc = scenario(&format!("{}{LP}[expect]\nverdict = \"intact\"\n", target("lp_server_naive.py")));
    let r = rt.block_on(run::run_scenario(&sc, &RunOptions::default()));
    assert_eq!(r.verdict(), Some(Verdict::Intact), "{}", r.detail);
}

/// A server that loops until it has its bytes stays intact however short
/// its reads are, and the trace shows they were one byte each.
#[test]
fn a_looping_server_stays_intact_under_reads_drip_and_random() {
    let rt = rt();
    for reads in ["\"drip\"", "{ random = [1, 3] }"] {
        let text = format!("{}reads = {reads}\n{LP}[expect]\nverdict = \"intact\"\n", target("lp_server.py"));
        let r = rt.block_on(run::run_scenario(&scenario(&text), &RunOptions::default()));
        assert_eq!(r.verdict(), Some(Verdict::Intact), "reads = {reads}: {}", r.detail);
        let wire = r.wire.expect("a wire record");
        assert!(wire.reads.len() >= 10, "reads = {reads}: {} reads for 18 bytes", wire.reads.len());
        assert!(wire.reads.iter().all(|c| c.len <= 3), "reads = {reads}: {:?}", wire.reads);
    }
}

/// One started target serves run after run from a pool: kept while fit,
/// each run with its own read plan; started again, saying why, when it
/// died between runs; and `fresh = true` starts one every time.
#[test]
fn a_kept_target_serves_runs_with_their_own_reads_and_is_started_again_when_it_died() {
    use framelab::target::{TargetPool, TargetStart};
    let rt = rt();
    let pool = std::sync::Arc::new(TargetPool::default());
    let opts = RunOptions { pool: Some(pool.clone()), ..RunOptions::default() };
    let text = |extra: &str| format!("{}{extra}{LP}[expect]\nverdict = \"intact\"\n", target("lp_server.py"));
    let (whole, drip, fresh) =
        (scenario(&text("")), scenario(&text("reads = \"drip\"\n")), scenario(&text("fresh = true\n")));
    let run = |sc: &Scenario| {
        let r = rt.block_on(run::run_scenario(sc, &opts));
        assert_eq!(r.verdict(), Some(Verdict::Intact), "{}", r.detail);
        r
    };
    let reads =
        |r: &ScenarioResult| r.wire.as_ref().expect("a wire record").reads.iter().map(|c| c.len).collect::<Vec<_>>();
    let first = run(&whole);
    assert_eq!(first.target_start, Some(TargetStart::Started));
    // The same target, now dripping: every read of this run is 1 byte.
    let second = run(&drip);
    assert_eq!(second.target_start, Some(TargetStart::Reused { runs: 1 }));
    let r = reads(&second);
    assert!(r.len() >= 10 && r.iter().all(|n| *n == 1), "{r:?}");
    // And whole again: the drip was that run's alone.
    let third = run(&whole);
    assert_eq!(third.target_start, Some(TargetStart::Reused { runs: 2 }));
    assert!(reads(&third).iter().any(|n| *n > 1), "{:?}", reads(&third));
    // It dies between runs: the next run starts one and says why.
    let pids = pool.idle_pids();
    assert_eq!(pids.len(), 1, "one target kept");
    // SAFETY: kill(2) on the kept target's process group, which this test's pool started.
    assert_eq!(unsafe { libc::kill(-(pids[0] as i32), libc::SIGKILL) }, 0);
    std::thread::sleep(std::time::Duration::from_millis(200));
    let fourth = run(&whole);
    match &fourth.target_start {
        Some(TargetStart::Restarted { why }) => assert!(why.contains("exited"), "{why}"),
        other => panic!("not restarted: {other:?}"),
    }
    assert!(fourth.detail.contains("started again"), "{}", fourth.detail);
    // fresh = true: started for each run and stopped after it, while the
    // kept one waits.
    for _ in 0..2 {
        assert_eq!(run(&fresh).target_start, Some(TargetStart::Started));
    }
    assert_eq!(pool.idle_pids().len(), 1, "fresh targets are not kept");
    let stats = pool.stats();
    assert_eq!((stats.started, stats.reused, stats.restarted), (3, 2, 1), "{stats:?}");
    // Stopped at the end: no process of theirs is left.
    let kept = pool.idle_pids();
    rt.block_on(pool.stop_all());
    for pid in kept {
        // SAFETY: signal 0 only asks whether the process exists.
        assert_ne!(unsafe { libc::kill(pid as i32, 0) }, 0, "target {pid} still runs");
    }
}

/// A run that leaves its target unable to serve (it refused, then serves
/// nobody: `hang`) does not give it back: the next run starts one and says
/// why.
#[test]
fn a_target_left_unserving_by_a_run_is_started_again_for_the_next() {
    use framelab::target::{TargetPool, TargetStart};
    let rt = rt();
    let pool = std::sync::Arc::new(TargetPool::default());
    let opts = RunOptions { pool: Some(pool.clone()), ..RunOptions::default() };
    let sc = scenario(&format!(
        "{}[client]\nframing = \"delimiter\"\nmessages = [\"hello\"]\nreply-timeout = \"500ms\"\n\
         [response]\nframing = \"delimiter\"\nexpect = \"digest\"\n[expect]\nverdict = \"hang\"\n",
        target("refuse_then_stuck.py")
    ));
    let first = rt.block_on(run::run_scenario(&sc, &opts));
    assert_eq!(first.verdict(), Some(Verdict::Hang), "{}", first.detail);
    assert_eq!(first.target_start, Some(TargetStart::Started));
    assert!(pool.idle_pids().is_empty(), "an unserving target is not kept");
    let second = rt.block_on(run::run_scenario(&sc, &opts));
    assert_eq!(second.verdict(), Some(Verdict::Hang), "{}", second.detail);
    match &second.target_start {
        Some(TargetStart::Restarted { why }) => assert!(why.contains("good client"), "{why}"),
        other => panic!("not restarted: {other:?}"),
    }
    rt.block_on(pool.stop_all());
}

/// A server that serves its first connection, then accepts and never
/// reads: what a run that broke it leaves for the next.
const FIRST_ONLY: &str = "import hashlib, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1])))
s.listen(8)
c, _ = s.accept()
buf = b''
while True:
    d = c.recv(4096)
    if not d:
        break
    buf += d
    while b'\\n' in buf:
        m, buf = buf.split(b'\\n', 1)
        c.sendall(b'len=%d sha256=%s\\n' % (len(m), hashlib.sha256(m).hexdigest().encode()))
c.close()
held = []
while True:
    held.append(s.accept()[0])
";

/// A `hang` on a kept target is not the scenario's to give: the run is
/// made again on a target started for it, whose verdict stands.
#[test]
fn a_hang_on_a_kept_target_is_run_again_on_a_fresh_one() {
    use framelab::target::{TargetPool, TargetStart};
    let rt = rt();
    let pool = std::sync::Arc::new(TargetPool::default());
    let opts = RunOptions { pool: Some(pool.clone()), ..RunOptions::default() };
    let code = toml::Value::String(FIRST_ONLY.to_string()).to_string();
    let sc = scenario(&format!(
        "[target]\n{SLOW_START}command = [{:?}, \"-c\", {code}, \"{{port}}\"]\n\
         [client]\nframing = \"delimiter\"\nmessages = [\"hello\", \"world\"]\nreply-timeout = \"300ms\"\n\
         [response]\nframing = \"delimiter\"\nexpect = \"digest\"\n[expect]\nverdict = \"intact\"\n",
        crate::python()
    ));
    let first = rt.block_on(run::run_scenario(&sc, &opts));
    assert_eq!(first.verdict(), Some(Verdict::Intact), "{}", first.detail);
    assert_eq!(pool.idle_pids().len(), 1, "kept after a run that left it fit");
    // The kept target now never reads: on it the run hangs, and is made
    // again on a fresh one, which serves it.
    let second = rt.block_on(run::run_scenario(&sc, &opts));
    assert_eq!(second.verdict(), Some(Verdict::Intact), "{}", second.detail);
    assert_eq!(second.target_start, Some(TargetStart::Started));
    assert!(
        second.detail.contains("run on a target started for it, since on a kept one it gave hang"),
        "{}",
        second.detail
    );
    assert!(pool.idle_pids().is_empty(), "neither the hung one nor the fresh one is kept");
    rt.block_on(pool.stop_all());
}

/// The same sink, untraced (`--no-trace`): its reads are not seen, and
/// no reply can stand for them, so nothing is `intact` or `coalesced`.
#[test]
fn without_the_trace_the_sink_is_never_judged_from_nothing() {
    let rt = rt();
    let sc = scenario(&format!(
        "{}[client]\nframing = \"raw\"\n{HELLO}schedule = \"coalesce\"\n[expect]\nverdict = \"intact\"\n",
        target("sink_server_naive.py")
    ));
    let r = rt.block_on(run::run_scenario(&sc, &RunOptions { no_trace: true, ..RunOptions::default() }));
    assert_ne!(r.verdict(), Some(Verdict::Intact), "{}", r.detail);
    assert_ne!(r.verdict(), Some(Verdict::Coalesced), "{}", r.detail);
}

// ---- a framed server: one recv(4) for the header, one recv(n) for the body --

/// What `lp_server_naive.py` (`json` false) understands when its reads
/// are cut at `cuts` (each a write it reads apart, with sync): a header
/// from one recv(4), a body from one recv(length).
///
/// The same for `json_header_server_naive.py` (`json` true): a 4-byte header
/// length, the JSON header from one recv(), its `total_size` body from one
/// recv(); a header that does not parse ends the connection. The flag: it
/// hung up.
fn naive_understands(stream: &[u8], cuts: &[usize], json: bool) -> (Vec<Bytes>, bool) {
    // The bytes available to each recv: what is left of the current write.
    let mut writes: std::collections::VecDeque<Vec<u8>> = std::collections::VecDeque::new();
    let mut at = 0;
    for n in cuts {
        let end = (at + n).min(stream.len());
        writes.push_back(stream[at..end].to_vec());
        at = end;
    }
    let recv = |n: usize, writes: &mut std::collections::VecDeque<Vec<u8>>| -> Vec<u8> {
        let Some(front) = writes.front_mut() else { return Vec::new() };
        let take = n.min(front.len());
        let got: Vec<u8> = front.drain(..take).collect();
        if front.is_empty() {
            writes.pop_front();
        }
        got
    };
    let mut out = Vec::new();
    loop {
        let header = recv(4, &mut writes);
        if header.is_empty() {
            return (out, false);
        }
        let mut len = header.iter().fold(0usize, |a, b| (a << 8) | usize::from(*b));
        if json {
            let raw = recv(len.min(1 << 20), &mut writes);
            let total = serde_json::from_slice::<serde_json::Value>(&raw)
                .ok()
                .and_then(|v| v.get("total_size").and_then(serde_json::Value::as_u64));
            match total {
                Some(t) => len = t as usize,
                None => return (out, true),
            }
        }
        let body = if len > 0 { recv(len.min(1 << 20), &mut writes) } else { Vec::new() };
        out.push(Bytes::from(body));
    }
}

/// The five schedules for a framed client (`framing`), and the verdict
/// the server's code deserves from what it understands, for 10 seeds.
fn check_framed_server(server: &str, framing: &str, json: bool) {
    let big = format!("messages = [\"{}\", \"{}\"]\n", "a".repeat(3000), "b".repeat(3000));
    let f = format!("[client]\nframing = \"{framing}\"\n");
    let cases: Vec<(&str, String)> = vec![
        ("coalesce", format!("{f}{HELLO}schedule = \"coalesce\"\n")),
        ("drip", format!("{f}{HELLO}schedule = \"drip\"\nsync = true\n")),
        ("random", format!("{f}{HELLO}schedule = {{ random = [1, 8] }}\nsync = true\n")),
        ("3000 B", format!("{f}{big}schedule = \"each\"\nsync = true\n")),
        ("proxy", format!("{f}{HELLO}schedule = \"coalesce\"\n[proxy]\nup = {{ chunk = 3 }}\nsync = true\n")),
    ];
    let response = "[response]\nframing = \"delimiter\"\nexpect = \"digest\"\n[expect]\nverdict = \"intact\"\n";
    let scenarios: Vec<Scenario> =
        cases.iter().map(|(_, c)| scenario(&format!("{}{c}{response}", target(server)))).collect();
    let mut wrong = Vec::new();
    for (i, r) in ten_seeds(&scenarios) {
        let (label, sc) = (&cases[i].0, &scenarios[i]);
        let messages: Vec<Bytes> = sc.client.messages.iter().map(|m| Bytes::copy_from_slice(m.as_bytes())).collect();
        let prep = framelab::scenario::prepare(sc, r.seed, true).unwrap();
        let stream: Vec<u8> = prep.frames.concat();
        let cuts = match *label {
            "coalesce" => vec![stream.len()],
            "proxy" => vec![3; stream.len().div_ceil(3)],
            _ => r.writes.clone(),
        };
        let deserved = |cuts: &[usize]| {
            let (understood, hung_up) = naive_understands(&stream, cuts, json);
            let v = match classify(&messages, &understood) {
                v if hung_up && framelab::judge::is_prefix(&messages, &understood) && v != Verdict::Intact => {
                    Verdict::Closed
                }
                v => v,
            };
            (v, understood, hung_up)
        };
        let (want, understood, hung_up) = deserved(&cuts);
        // The target's own reads, seen by the tracer. Where they are not
        // the plan's (a sync that a loaded machine let pass), what the
        // server understood follows from them: the judge, who sees only
        // the replies, must then give that verdict or say it cannot tell.
        let reads: Vec<usize> =
            r.wire.as_ref().map(|w| w.reads.iter().map(|c| c.len as usize).collect()).unwrap_or_default();
        let (actual, ..) = if reads.is_empty() { (want, Vec::new(), false) } else { deserved(&reads) };
        let sound = actual != want && r.verdict().is_some_and(|v| v == actual || v == Verdict::Inconclusive);
        if r.verdict() != Some(want) && !sound {
            wrong.push(format!(
                "{server} {label} seed {}: {} (deserved {want}, understood {} message(s), hung up: {hung_up}): {}\n  \
                 target: {:?}; timing: {:?}; its reads: {:?}; its writes (bytes, us): {:?}; client writes: {:?}",
                r.seed,
                r.verdict_text(),
                understood.len(),
                r.detail,
                r.target_start,
                r.timing,
                reads,
                r.wire.as_ref().map(|w| w.target_writes.iter().map(|c| (c.len, c.t_us)).collect::<Vec<_>>()),
                r.wire.as_ref().map(|w| w.writes.iter().map(|c| (c.len, c.t_us)).collect::<Vec<_>>()),
            ));
        }
    }
    assert!(wrong.is_empty(), "{} of 50 runs wrong:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn the_single_recv_length_prefix_server_gets_the_verdict_its_code_deserves_10_of_10() {
    check_framed_server("lp_server_naive.py", "length-prefix", false);
}

#[test]
fn the_single_recv_json_header_server_gets_the_verdict_its_code_deserves_10_of_10() {
    check_framed_server("json_header_server_naive.py", "json-header", true);
}

/// A client under test is traced too: its own reads are in the detail
/// (the naive client's one read of both messages).
#[test]
fn a_client_under_test_is_traced_and_its_reads_shown() {
    let sc = crate::load(&root().join("examples/scenarios/client-naive-coalesced.toml"));
    let r = rt().block_on(run::run_scenario(&sc, &RunOptions::default()));
    assert_eq!(r.verdict(), Some(Verdict::Coalesced), "{}", r.detail);
    assert!(r.detail.contains("its own reads (bytes, per connection): [10]"), "{}", r.detail);
    let r = rt().block_on(run::run_scenario(&sc, &RunOptions { no_trace: true, ..RunOptions::default() }));
    assert!(!r.detail.contains("its own reads"), "{}", r.detail);
}
