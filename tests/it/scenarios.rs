//! The scenario suite as tests: every file in scenarios/ must give its
//! expected verdict (a scenario that stops reproducing its bug fails
//! `cargo test`), the catalog must cover B1..B18 with correct
//! counterparts, verdicts and plans must repeat exactly, and broken files
//! and misbehaving targets must be handled.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use framelab::run::{self, RunOptions};
use framelab::scenario::{self, Scenario, Verdict};

fn suite() -> Vec<Scenario> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let files = scenario::collect(&[dir]).unwrap();
    files.iter().map(|f| scenario::load_file(f).unwrap_or_else(|e| panic!("{e}"))).collect()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

#[test]
fn every_scenario_file_gives_its_expected_verdict() {
    let results = rt().block_on(run::run_suite(suite(), RunOptions::default(), 8, |_| {}));
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.ok())
        .map(|r| format!("{}: {} (expected {}): {}", r.file, r.verdict_text(), r.expected, r.detail))
        .collect();
    assert!(failed.is_empty(), "scenarios that did not give their verdict:\n{}", failed.join("\n"));
    assert!(results.len() >= 36);
}

#[test]
fn catalog_covers_every_bug_and_each_has_a_correct_counterpart() {
    let all = suite();
    for id in 1..=18 {
        let bug = format!("B{id}");
        let prefix = format!("b{id:02}-");
        let files: Vec<&Scenario> =
            all.iter().filter(|s| s.file.file_name().unwrap().to_string_lossy().starts_with(&prefix)).collect();
        assert!(files.iter().any(|s| s.bug.as_deref() == Some(bug.as_str())), "no scenario reproduces {bug}");
        // The correct strategy under the same kind of schedule: intact, or
        // a clean refusal for hostile input.
        assert!(
            files.iter().any(|s| s.server.variant == framelab::server::Variant::Correct
                && matches!(s.expect.verdict, Verdict::Intact | Verdict::Rejected | Verdict::Closed)),
            "{bug} has no correct counterpart"
        );
    }
}

#[test]
fn catalog_scenarios_give_the_same_verdict_and_plan_ten_times() {
    let catalog: Vec<Scenario> = suite().into_iter().filter(|s| !s.name.starts_with("stress")).collect();
    // Ten rounds of every catalog scenario, run side by side: the same seed
    // must give the same bytes and boundaries (plan) and the same verdict
    // every time, whatever else the machine is doing.
    let rounds: Vec<Scenario> = (0..10).flat_map(|_| catalog.clone()).collect();
    let results = rt().block_on(run::run_suite(rounds, RunOptions::default(), 24, |_| {}));
    let mut seen: BTreeMap<String, (Option<Verdict>, String)> = BTreeMap::new();
    for (n, r) in results.iter().enumerate() {
        let round = n / catalog.len();
        let now = (r.verdict(), r.plan.clone());
        match seen.get(&r.file) {
            None => {
                seen.insert(r.file.clone(), now);
            }
            Some(first) => assert_eq!(first, &now, "{} changed on round {round}: {}", r.file, r.detail),
        }
        assert!(r.ok(), "{} round {round}: {} (expected {}): {}", r.file, r.verdict_text(), r.expected, r.detail);
    }
    assert_eq!(seen.len(), catalog.len());
}

#[test]
fn same_seed_same_bytes_and_other_seed_other_cuts() {
    let sc = scenario::parse(
        "[server]\nstrategy = \"length-prefix\"\n[client]\ngenerate = { count = 20, size = \"1..100\", kind = \"random\" }\nschedule = { random = [1, 9] }\n",
        Path::new("x.toml"),
    )
    .unwrap();
    let a = scenario::prepare(&sc, 42, false).unwrap();
    let b = scenario::prepare(&sc, 42, false).unwrap();
    let c = scenario::prepare(&sc, 43, false).unwrap();
    assert_eq!(a.actions, b.actions);
    assert_ne!(a.actions, c.actions);
}

fn framelab() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_framelab"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

#[test]
fn json_report_has_the_documented_shape() {
    let out = framelab().args(["run", "--filter", "B1", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let scenarios = v["scenarios"].as_array().unwrap();
    assert!(!scenarios.is_empty());
    for s in scenarios {
        for key in ["name", "file", "verdict", "expected", "ok", "seed", "detail"] {
            assert!(s.get(key).is_some(), "missing {key} in {s}");
        }
    }
    assert_eq!(v["passed"].as_u64().unwrap() as usize, scenarios.len());
    assert_eq!(v["failed"].as_u64(), Some(0));
}

#[test]
fn verbose_flag_logs_runner_and_server_decisions_to_stderr_only() {
    let quiet = framelab().args(["run", "--filter", "B5", "--format", "json"]).env_remove("RUST_LOG").output().unwrap();
    let loud =
        framelab().args(["-v", "run", "--filter", "B5", "--format", "json"]).env_remove("RUST_LOG").output().unwrap();
    assert_eq!((quiet.status.code(), loud.status.code()), (Some(0), Some(0)));
    let (quiet_err, loud_err) = (String::from_utf8_lossy(&quiet.stderr), String::from_utf8_lossy(&loud.stderr));
    assert!(!quiet_err.contains("scenario finished"), "no logs without -v or RUST_LOG: {quiet_err}");
    // B5's reference server refuses the misread length: accepted, rejected with its kind, closed.
    for line in ["scenario started", "connection accepted", "rejected", "kind=bad-length", "connection closed"] {
        assert!(loud_err.contains(line), "-v logs {line:?}: {loud_err}");
    }
    assert!(loud_err.contains("scenario finished") && loud_err.contains("verdict=desync"), "{loud_err}");
    // stdout stays the report alone.
    let v: serde_json::Value = serde_json::from_slice(&loud.stdout).expect("stdout is still one JSON object");
    assert_eq!(v["failed"].as_u64(), Some(0));
    assert!(v["passed"].as_u64() >= Some(1));
}

#[test]
fn junit_report_parses_and_has_one_testcase_per_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junit.xml");
    let out = framelab().args(["run", "--filter", "B1", "--format", "json", "--junit"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = v["scenarios"].as_array().unwrap().len();
    let xml = std::fs::read_to_string(&path).unwrap();
    // quick-junit's reader is a separate code path from its writer, built on
    // quick-xml: malformed XML is an error here.
    let report = quick_junit::Report::deserialize_from_str(&xml).expect("the JUnit file must be well-formed JUnit XML");
    let cases: usize = report.test_suites.iter().map(|s| s.test_cases.len()).sum();
    assert_eq!(cases, n);
}

#[test]
fn a_failing_scenario_exits_1_and_prints_seed_and_replay_command() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("wrong.toml");
    std::fs::write(&f, "[server]\nstrategy = \"naive\"\nvariant = \"seed\"\n[client]\nmessages = [\"a\", \"b\"]\nschedule = \"coalesce\"\n[expect]\nverdict = \"intact\"\n").unwrap();
    let out = framelab().arg("run").arg(&f).arg("--seed").arg("99").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("coalesced (expected intact)"), "{text}");
    assert!(text.contains("seed:     99") && text.contains("replay:   framelab run"), "{text}");
    assert!(text.contains("\"ab\""), "the report shows what the server saw: {text}");
}

#[test]
fn broken_scenario_files_exit_2_naming_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, want) in [
        ("unknown-key.toml", "[client]\nmesages = [\"a\"]\n", "mesages"),
        ("wrong-type.toml", "[client]\nconnections = \"many\"\n", "client.connections"),
        ("bad-duration.toml", "[client]\npause = \"a while\"\n", "client.pause"),
        ("bad-strategy.toml", "[server]\nstrategy = \"carrier-pigeon\"\n", "server.strategy"),
    ] {
        let f = dir.path().join(name);
        std::fs::write(&f, text).unwrap();
        let out = framelab().arg("run").arg(&f).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("{name}:2:")), "{name}: {err}");
        assert!(err.contains(want), "{name}: {err}");
    }
}

/// Servers that misbehave: one refuses connections, one closes at once,
/// one accepts and never answers.
async fn misbehaving_targets() -> (SocketAddr, SocketAddr, SocketAddr, tokio::task::JoinHandle<()>) {
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let closer = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (ca, sa) = (closer.local_addr().unwrap(), silent.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            tokio::select! {
                Ok((s, _)) = closer.accept() => drop(s),
                Ok((s, _)) = silent.accept() => held.push(s),
            }
        }
    });
    (refused, ca, sa, task)
}

fn target_scenario(addr: SocketAddr, name: &str) -> Scenario {
    let text = format!(
        "name = \"{name}\"\ntimeout = \"5s\"\n[target]\naddr = \"{addr}\"\n[client]\nframing = \"delimiter\"\nmessages = [\"a\", \"b\"]\nreply-timeout = \"300ms\"\n[response]\nframing = \"delimiter\"\nexpect = \"ack\"\n"
    );
    scenario::parse(&text, &PathBuf::from(format!("{name}.toml"))).unwrap()
}

#[test]
fn targets_that_close_or_hang_get_a_verdict_one_that_refuses_is_a_setup_error_and_the_run_goes_on() {
    let rt = rt();
    let (refused, closer, silent, task) = rt.block_on(misbehaving_targets());
    let scenarios =
        vec![target_scenario(refused, "refuses"), target_scenario(closer, "closes"), target_scenario(silent, "hangs")];
    let results = rt.block_on(run::run_suite(scenarios, RunOptions::default(), 3, |_| {}));
    let verdicts: Vec<_> = results.iter().map(|r| (r.name.as_str(), r.verdict())).collect();
    assert_eq!(
        verdicts,
        vec![("refuses", None), ("closes", Some(Verdict::Closed)), ("hangs", Some(Verdict::Hang))],
        "{:#?}",
        results.iter().map(|r| &r.detail).collect::<Vec<_>>()
    );
    // Issue 31: a refused `[target] addr` is a setup error (no verdict,
    // exit 2), not the server's verdict `closed`.
    let want = format!("is the server running on {refused}?");
    assert!(results[0].detail.contains(&want), "{}", results[0].detail);
    // Each verdict came from the client's own timeouts, not from the
    // scenario's 5s deadline: the silent target's `hang` is its 300ms reply
    // timeout, and the suite went on to judge every scenario.
    for r in &results {
        assert!(!r.detail.contains("deadline"), "{}: {}", r.name, r.detail);
    }
    assert!(results[2].detail.contains("within 300ms"), "{}", results[2].detail);
    task.abort();
}

#[test]
fn target_flag_points_a_scenario_at_another_server() {
    // A reference length-prefix server run as "anyone's server".
    let rt = rt();
    let server = rt
        .block_on(framelab::server::Server::start(
            framelab::server::ServerConfig::new("length-prefix".parse().unwrap())
                .handler(framelab::server::Handler::Digest),
        ))
        .unwrap();
    // Digest replies: an echo framed like the requests could not decide
    // (a server echoing each read gives the same bytes, issue 34).
    let sc = scenario::parse(
        "[client]\nframing = \"length-prefix\"\nmessages = [\"hello\", \"world\"]\nschedule = \"drip\"\n[response]\nframing = \"length-prefix\"\nexpect = \"digest\"\n",
        Path::new("echo.toml"),
    )
    .unwrap();
    let opts = RunOptions { target: Some(server.addr()), ..RunOptions::default() };
    let r = rt.block_on(run::run_scenario(&sc, &opts));
    assert_eq!(r.verdict(), Some(Verdict::Intact), "{}", r.detail);
    rt.block_on(server.stop());
}

#[test]
fn shards_split_the_suite_without_overlap_or_loss() {
    let files = scenario::collect(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")]).unwrap();
    for n in 1..=4 {
        let mut seen = Vec::new();
        for i in 1..=n {
            let share = scenario::shard(files.clone(), |p| p.as_path(), i, n);
            assert!(share.len().abs_diff(files.len() / n) <= 1, "shard {i}/{n} has {} of {}", share.len(), files.len());
            seen.extend(share);
        }
        seen.sort();
        let mut all = files.clone();
        all.sort();
        assert_eq!(seen, all, "with {n} shards every file runs exactly once");
    }
}

/// Issue 31: `--target` runs every scenario judged by replies, `answers`
/// included (redis-server's and nginx's files were skipped), and skips
/// only those judged by a reference server's own record, saying so.
#[test]
fn target_flag_runs_scenarios_judged_by_answers_and_skips_only_own_record_ones() {
    let opts = RunOptions { target: Some("127.0.0.1:9".parse().unwrap()), ..RunOptions::default() };
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scenarios");
    let files = scenario::collect(&[examples]).unwrap();
    let protocol: Vec<Scenario> = files
        .iter()
        .filter(|f| {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with("resp-redis-") || name.starts_with("http-nginx-")
        })
        .map(|f| scenario::load_file(f).unwrap())
        .collect();
    assert!(protocol.len() >= 10, "redis and nginx files: {}", protocol.len());
    for sc in &protocol {
        assert!(sc.response.answers.is_some(), "{}", sc.file.display());
        assert_eq!(run::skip_reason(sc, &opts), None, "{}", sc.file.display());
    }
    let own = suite().into_iter().find(|s| s.file.ends_with("b01-naive-coalesced.toml")).unwrap();
    let why = run::skip_reason(&own, &opts).expect("judged by the reference server's record");
    assert!(why.contains("own record") && why.contains("answers"), "{why}");
}
