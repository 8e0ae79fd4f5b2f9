//! `framelab init` writes scenarios that pass against a correct server and
//! fail against a naive one (the examples' Python servers).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn framelab(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_framelab")).args(args).current_dir(dir).output().expect("run framelab")
}

fn server(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/servers").join(name)
}

/// Writes scenarios for `server` with `framing` into a temp folder, runs
/// them, and returns (files written, exit code, stdout).
fn init_and_run(server_file: &str, framing: &str) -> (usize, Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let command = format!("{} {} {{port}}", crate::python(), server(server_file).display());
    let out = framelab(dir.path(), &["init", "--command", &command, "--framing", framing, "--reply", "digest"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let files = std::fs::read_dir(dir.path().join("framelab-scenarios")).unwrap().count();
    let out = framelab(dir.path(), &["run", "framelab-scenarios"]);
    (files, out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn init_scenarios_fail_on_the_naive_server_and_pass_on_the_line_server() {
    let (files, code, stdout) = init_and_run("naive_server.py", "delimiter");
    assert_eq!(files, 3, "coalesced, split, drip");
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("FAIL") && stdout.contains("coalesced (expected intact)"), "{stdout}");
    let (files, code, stdout) = init_and_run("line_server.py", "delimiter");
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains(&format!("{files} passed, 0 failed")), "{stdout}");
}

#[test]
fn length_prefix_gets_a_header_cut_file_that_only_the_correct_server_passes() {
    let (files, code, stdout) = init_and_run("lp_server.py", "length-prefix");
    assert_eq!(files, 4, "coalesced, split, header-cut, drip");
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("4 passed, 0 failed"), "{stdout}");
    let (_, code, stdout) = init_and_run("lp_server_naive.py", "length-prefix");
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("my server: header-cut") && stdout.contains("FAIL"), "{stdout}");
}

#[test]
fn init_refuses_what_cannot_give_a_trustworthy_verdict_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for (args, says) in [
        (&["init", "--addr", "127.0.0.1:9", "--framing", "raw"][..], "cannot be traced"),
        (&["init", "--addr", "127.0.0.1:9", "--reply", "upper"][..], "cannot be traced"),
        (&["init", "--addr", "127.0.0.1:9", "--framing", "delimiter", "--reply", "none"][..], "without replies"),
        (&["init", "--command", "python3 server.py", "--framing", "delimiter"][..], "has no {port}"),
    ] {
        let out = framelab(dir.path(), args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "a refused init creates nothing");
}

/// Issue 34, class 1: `init --reply echo --framing delimiter` against a
/// server that echoes each recv(1024) verbatim (stream_server.py) never
/// gives `intact` under its generated files: echo replies framed like the
/// requests cannot be judged, so init leaves them unframed and says so.
#[test]
fn init_echo_files_never_call_a_verbatim_echo_server_intact() {
    for reply in ["echo", "upper"] {
        let dir = tempfile::tempdir().unwrap();
        let command = format!("{} {} {{port}}", crate::python(), server("stream_server.py").display());
        let out = framelab(dir.path(), &["init", "--command", &command, "--framing", "delimiter", "--reply", reply]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("cannot be judged"), "{stdout}");
        let files = std::fs::read_dir(dir.path().join("framelab-scenarios")).unwrap().count();
        assert_eq!(files, 3, "coalesced, split, drip");
        // With the target's own reads traced, and judged by replies alone.
        for trace in [&[][..], &["--no-trace"][..]] {
            let mut args = vec!["run", "framelab-scenarios", "--format", "json"];
            args.extend_from_slice(trace);
            let out = framelab(dir.path(), &args);
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            for s in v["scenarios"].as_array().unwrap() {
                assert_ne!(s["verdict"], "intact", "{reply} {trace:?}: {s}");
            }
        }
    }
}

/// The tutorials' first server (each recv(1024) answered upper-cased, raw):
/// `init --reply upper` with no framing writes three raw files, judged by
/// the server's own reads: coalesced, split, split; and the HTML report
/// draws what the server understood.
#[test]
fn init_raw_upper_files_judge_the_tutorial_server_by_its_own_reads() {
    let dir = tempfile::tempdir().unwrap();
    let command = format!("{} {} {{port}}", crate::python(), server("upper_server_naive.py").display());
    let out = framelab(dir.path(), &["init", "--command", &command, "--reply", "upper"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("judged by its own reads"), "{stdout}");
    let files = std::fs::read_dir(dir.path().join("framelab-scenarios")).unwrap().count();
    assert_eq!(files, 3, "coalesced, split, drip");
    let out = framelab(dir.path(), &["run", "framelab-scenarios", "--format", "json", "--html", "report.html"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut got: Vec<(String, String)> = v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap().to_string(), s["verdict"].as_str().unwrap().to_string()))
        .collect();
    got.sort();
    let want = [("my server: coalesced", "coalesced"), ("my server: drip", "split"), ("my server: split", "split")];
    assert_eq!(got, want.map(|(a, b)| (a.to_string(), b.to_string())), "{v}");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("target read()s") && html.contains("2 messages merged"), "the lane is drawn");
    assert!(!html.contains("its reads are not observed here"));
}

/// Issue 31: a correct line server that answers `got N` fails the digest
/// files, and each failure says the reply is not a digest line and gives
/// the `match` that would parse; `init --match` with that pattern passes.
#[test]
fn a_got_n_server_is_told_what_would_parse_and_init_match_passes_it() {
    let dir = tempfile::tempdir().unwrap();
    let command = format!("{} {} {{port}}", crate::python(), server("got_server.py").display());
    let out = framelab(dir.path(), &["init", "--command", &command, "--framing", "delimiter", "--out", "digest"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = framelab(dir.path(), &["run", "digest", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for s in v["scenarios"].as_array().unwrap() {
        let detail = s["detail"].as_str().unwrap();
        assert!(detail.contains(r#""got 5" is not a digest line"#), "{detail}");
        assert!(detail.contains(r"match = '^got (?P<len>\d+)$'") && detail.contains("--reply echo"), "{detail}");
    }
    let pattern = r"^got (?P<len>\d+)$";
    let args = ["init", "--command", &command, "--framing", "delimiter", "--match", pattern, "--out", "got"];
    let out = framelab(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = framelab(dir.path(), &["run", "got"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("3 passed, 0 failed"), "{stdout}");
}
