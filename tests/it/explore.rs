//! explore: search, shrink, replay, exhaustive enumeration, determinism.

use std::path::Path;

use framelab::explore::Explorer;
use framelab::run::{self, RunOptions};
use framelab::scenario::{self, Scenario, Verdict};

fn scenario(text: &str) -> Scenario {
    let dir = tempfile::tempdir().unwrap().keep();
    let file = dir.join("base.toml");
    std::fs::write(&file, text).unwrap();
    scenario::load_file(&file).unwrap()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

const NAIVE: &str = "[server]\nstrategy = \"naive\"\nvariant = \"seed\"\n[client]\nmessages = [\"hello\", \"world\", \"again\"]\n[expect]\nverdict = \"intact\"\n";

#[test]
fn naive_server_failure_is_found_and_shrunk_to_two_messages_and_two_writes() {
    let ex = Explorer::new(scenario(NAIVE), RunOptions::default());
    let found = rt().block_on(ex.explore(200, 1, 4, |_| {})).unwrap().found;
    let f = found.expect("a naive server must fail an intact expectation");
    // Two messages in one write reach the naive server's one read: merged.
    assert_eq!(f.verdict, Verdict::Coalesced, "{:?}", f.case);
    assert!(f.case.messages.len() <= 2, "{:?}", f.case);
    assert!(f.case.cuts.len() < 2, "at most 2 writes: {:?}", f.case);
    assert_eq!(f.stable, 10, "the written scenario must reproduce 10 times out of 10");
    // Replay the written file independently, as a user would.
    let sc = scenario::parse(&f.toml, Path::new("explored.toml")).unwrap();
    let rt = rt();
    for _ in 0..10 {
        let r = rt.block_on(run::run_scenario(&sc, &RunOptions::default()));
        assert_eq!(r.verdict(), Some(f.verdict), "{}", r.detail);
        assert!(r.ok());
    }
}

#[test]
fn single_read_length_prefix_desync_shrinks_to_a_cut_inside_a_frame() {
    let text = "[server]\nstrategy = \"length-prefix\"\nvariant = \"seed\"\n[client]\nmessages = [\"hello\", \"world\"]\n[expect]\nverdict = \"intact\"\n";
    let ex = Explorer::new(scenario(text), RunOptions::default());
    let found = rt().block_on(ex.explore(200, 1, 4, |_| {})).unwrap().found;
    let f = found.expect("the single-read server must fail");
    assert_eq!(f.verdict, Verdict::Desync, "{:?}", f.case);
    assert!(!f.case.cuts.is_empty());
    for (frame, offset) in &f.case.cuts {
        let len = 4 + f.case.messages[*frame].len();
        assert!(
            *offset > 0 && *offset < len,
            "cut {offset} of frame {frame} is a frame boundary, not inside: {:?}",
            f.case
        );
    }
    assert_eq!(f.stable, 10);
}

#[test]
fn correct_servers_survive_every_variation() {
    for strategy in ["length-prefix", "delimiter", "length-prefix:i32le"] {
        let text = format!(
            "[server]\nstrategy = \"{strategy}\"\n[client]\nmessages = [\"hello\", \"world\", \"你好中国\"]\n[expect]\nverdict = \"intact\"\n"
        );
        let ex = Explorer::new(scenario(&text), RunOptions::default());
        let framelab::explore::Explored { found, runs, .. } = rt().block_on(ex.explore(60, 9, 4, |_| {})).unwrap();
        assert!(found.is_none(), "{strategy}: {:?}", found.map(|f| (f.verdict, f.case)));
        assert_eq!(runs, 60);
    }
}

#[test]
fn exhaustive_two_frames_of_five_bytes_against_naive_lists_coalesced_and_split() {
    let text = "[server]\nstrategy = \"naive\"\nvariant = \"seed\"\n[client]\nmessages = [\"hello\", \"world\"]\n[expect]\nverdict = \"intact\"\n";
    let ex = Explorer::new(scenario(text), RunOptions::default());
    let framelab::explore::Exhaustive { verdicts, runs: cases } =
        rt().block_on(ex.exhaustive(1, 1000, 1, 4, |_| {})).unwrap();
    let names: Vec<Verdict> = verdicts.iter().map(|v| v.verdict).collect();
    assert!(names.contains(&Verdict::Coalesced) && names.contains(&Verdict::Split), "{names:?}");
    assert!(names.contains(&Verdict::Intact), "the cut at the frame boundary is intact: {names:?}");
    // 2 groupings + 9 single cut points.
    assert_eq!(cases, 11);
    assert_eq!(verdicts.iter().map(|v| v.count).sum::<usize>(), 11);
}

#[test]
fn the_same_seed_tries_the_same_plans() {
    let ex = Explorer::new(scenario(NAIVE), RunOptions::default());
    let base = ex.initial_case(1).unwrap();
    let plans = |seed| {
        let mut rng = framelab::fault::rng(seed);
        (0..50).map(|_| ex.variation(&base, &mut rng)).collect::<Vec<_>>()
    };
    assert_eq!(plans(5), plans(5));
    assert_ne!(plans(5), plans(6));
}

#[test]
fn explore_cli_writes_a_scenario_that_framelab_run_reproduces() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.toml");
    std::fs::write(&base, NAIVE).unwrap();
    let out = dir.path().join("found.toml");
    let bin = env!("CARGO_BIN_EXE_framelab");
    let o = std::process::Command::new(bin)
        .args(["explore"])
        .arg(&base)
        .args(["--runs", "100", "--seed", "4", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "found something: exit 1; {}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("10/10"));
    let o = std::process::Command::new(bin).arg("run").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
}
