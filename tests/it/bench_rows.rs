//! `framelab bench` reports a row for every strategy and every baseline,
//! in codec and loopback modes, in the JSON shape of DESIGN.md. Structure
//! only: no timing is asserted (a slow machine gives small numbers, never a
//! failure).

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use framelab::bench::{self, Mode, Settings};

/// The codecs in the registry's order (`framing/mod.rs`), each followed by
/// its `slices` row and its tokio-util counterparts where it has some.
const CODEC_ROWS: [&str; 14] = [
    "raw",
    "naive",
    "naive slices",
    "delimiter",
    "delimiter slices",
    "tokio-util LinesCodec",
    "tokio-util AnyDelimiterCodec",
    "length-prefix",
    "length-prefix slices",
    "length-prefix varint",
    "tokio-util LengthDelimitedCodec",
    "json-header",
    "resp",
    "http",
];

const LOOPBACK_ROWS: [&str; 10] = [
    "raw",
    "raw held",
    "length-prefix",
    "length-prefix slices",
    "delimiter",
    "delimiter slices",
    "naive",
    "json-header",
    "handshake",
    "sleep-100ms",
];

/// Two-thread loopback: the same rows but the sleep row (wall clock in
/// either mode).
const LOOPBACK_2THREADS_ROWS: [&str; 9] = [
    "raw",
    "raw held",
    "length-prefix",
    "length-prefix slices",
    "delimiter",
    "delimiter slices",
    "naive",
    "json-header",
    "handshake",
];

fn expected(mode: &str) -> &'static [&'static str] {
    match mode {
        "codec" => &CODEC_ROWS,
        "loopback" => &LOOPBACK_ROWS,
        "loopback-2threads" => &LOOPBACK_2THREADS_ROWS,
        other => panic!("unexpected mode {other:?}"),
    }
}

#[test]
fn library_run_gives_every_row_and_baseline_at_every_size_in_both_modes() {
    let settings = Settings {
        rounds: 1,
        max_rounds: 1,
        round_time: Duration::from_millis(1),
        sizes: vec![16, 4096],
        ..Settings::quick()
    };
    for mode in Mode::ALL {
        let rows = bench::run(mode, &settings, &mut |_| {}).unwrap();
        assert_eq!(bench::row_names(mode), expected(mode.name()));
        for size in [16, 4096] {
            let names: Vec<&str> = rows.iter().filter(|r| r.size == size).map(|r| r.name.as_str()).collect();
            assert_eq!(names, expected(mode.name()), "{mode} at {size} B");
        }
        for r in &rows {
            assert_eq!(r.mode, mode);
            assert!(r.frames_per_sec.is_finite() && r.frames_per_sec > 0.0, "{r:?}");
            assert!(r.bytes_per_sec.is_finite() && r.bytes_per_sec > 0.0, "{r:?}");
            // Both come from the same median time: bytes are frames times
            // the message size.
            let per_frame = r.bytes_per_sec / r.frames_per_sec;
            assert!((per_frame - r.size as f64).abs() < 1e-6 * r.size as f64, "{per_frame} B per frame: {r:?}");
            let baselines = bench::baselines(mode, &r.name);
            assert_eq!(baselines.is_empty(), r.name == "raw", "{} in {mode}", r.name);
            for b in baselines {
                assert!(bench::ratio(&rows, r, b).is_some(), "{} has no {b} row in {mode} mode", r.name);
            }
        }
    }
}

#[test]
fn bench_quick_json_has_every_row_of_both_modes_with_the_documented_keys() {
    let out = Command::new(env!("CARGO_BIN_EXE_framelab"))
        .args(["bench", "--quick", "--format", "json", "--sizes", "64", "--rounds", "1", "--max-rounds", "1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = v["results"].as_array().expect("a results array");
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for r in results {
        let obj = r.as_object().unwrap();
        let keys: BTreeSet<&str> = obj.keys().map(|k| k.as_str()).collect();
        assert_eq!(keys, BTreeSet::from(["name", "mode", "size", "frames_per_sec", "bytes_per_sec"]), "{r}");
        assert_eq!(r["size"], 64);
        assert!(r["frames_per_sec"].as_f64().unwrap() > 0.0 && r["bytes_per_sec"].as_f64().unwrap() > 0.0, "{r}");
        let mode = r["mode"].as_str().unwrap().to_string();
        let name = r["name"].as_str().unwrap().to_string();
        assert!(expected(&mode).contains(&name.as_str()), "unexpected row {name:?} in {mode}");
        assert!(seen.insert((mode, name)), "duplicate row {r}");
    }
    assert_eq!(seen.len(), CODEC_ROWS.len() + LOOPBACK_ROWS.len() + LOOPBACK_2THREADS_ROWS.len(), "{seen:?}");
    // Every ratio of every row to each of its baselines, with its spread.
    let ratios = v["ratios"].as_array().expect("a ratios array");
    for (mode, name) in &seen {
        for b in framelab::bench::baselines(mode_of(mode), name) {
            let found = ratios.iter().any(|r| {
                r["mode"] == mode.as_str()
                    && r["name"] == name.as_str()
                    && r["baseline"] == b
                    && r["low"].as_f64().unwrap() <= r["ratio"].as_f64().unwrap()
                    && r["ratio"].as_f64().unwrap() <= r["high"].as_f64().unwrap()
                    && r["stable"].is_boolean()
            });
            assert!(found, "no ratio of {name} to {b} in {mode}: {ratios:?}");
        }
    }
    assert_eq!(v["clocks"].as_array().map(|c| c.len()), Some(3), "{}", v["clocks"]);
}

fn mode_of(name: &str) -> Mode {
    Mode::ALL.into_iter().find(|m| m.name() == name).unwrap()
}

#[test]
fn bench_rejects_a_zero_size() {
    let out = Command::new(env!("CARGO_BIN_EXE_framelab")).args(["bench", "--sizes", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
