//! The suite travels with the binary: `framelab run` from a folder with no
//! `scenarios/` runs the embedded suite; a local `scenarios/` wins.

use std::process::Command;

fn framelab(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_framelab")).args(args).current_dir(dir).output().expect("run framelab")
}

fn shipped_scenarios() -> usize {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    framelab::scenario::collect(&[dir]).unwrap().len()
}

#[test]
fn run_without_paths_outside_the_repository_runs_the_embedded_suite() {
    let dir = tempfile::tempdir().unwrap();
    let out = framelab(dir.path(), &["run"]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stderr.contains("from the built-in suite"), "{stderr}");
    let n = shipped_scenarios();
    assert!(
        stdout.contains(&format!("\n{n} passed, 0 failed")),
        "expected all {n} shipped scenarios to run:\n{stdout}"
    );
    // The files handler's root is written outside the current folder.
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "nothing is written to the current folder");
}

#[test]
fn a_local_scenarios_folder_wins_and_replay_paths_find_embedded_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("scenarios")).unwrap();
    std::fs::write(
        dir.path().join("scenarios/mine.toml"),
        "name = \"mine\"\n[server]\nstrategy = \"delimiter\"\n[client]\nmessages = [\"a\", \"b\"]\n",
    )
    .unwrap();
    let out = framelab(dir.path(), &["run"]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stderr.contains("from ./scenarios/"), "{stderr}");
    assert!(stdout.contains("\n1 passed, 0 failed"), "{stdout}");
    // A path printed in a replay line is found in the built-in suite when it
    // is not on disk.
    let out = framelab(dir.path(), &["run", "scenarios/b01-naive-coalesced.toml", "--seed", "7"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("1 passed, 0 failed"), "{stdout}");
}

#[test]
fn list_scenarios_shows_the_embedded_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = framelab(dir.path(), &["list", "scenarios"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("scenarios in the built-in suite"), "{stdout}");
    assert!(stdout.contains("(scenarios/b01-naive-coalesced.toml)"), "{stdout}");
    assert_eq!(stdout.lines().filter(|l| l.contains("(scenarios/")).count(), shipped_scenarios());
}
