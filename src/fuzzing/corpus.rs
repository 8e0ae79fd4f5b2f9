//! Replays the committed fuzz inputs on stable, through exactly the bodies
//! the cargo-fuzz targets run (`framelab::fuzzing::TARGETS`):
//!
//! - `fuzz/seeds/<target>/`: the curated seed corpus, written by
//!   [`seed_files`] below (`FRAMELAB_WRITE_SEEDS=1 cargo test --lib
//!   fuzzing::corpus` rewrites it after a change there);
//! - `fuzz/regressions/<target>/`: every input a fuzzer ever failed on.
//!
//! cargo-fuzz's own `fuzz/corpus/` is the working corpus and is not
//! committed; `.ci/fuzz` starts it from a copy of `fuzz/seeds/`.
//!
//! These are unit tests of the library, not integration tests, because
//! structured targets decode their bytes with `arbitrary`, which the
//! library only has under the `fuzzing` feature or in its own tests (a
//! dev-dependency): so plain `cargo test` replays the corpus.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::framing::AnyCodec;
use crate::framing::json_header::{DigestKind, digest_hex};
use crate::fuzzing::{self, ChunkingInput, FUZZ_MAX, FUZZ_PRESETS, RoundtripInput, Strategy, TARGETS};
use bytes::BytesMut;
use tokio_util::codec::Encoder;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The panic message of a caught panic.
fn panic_text(e: Box<dyn std::any::Any + Send>) -> String {
    e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
}

#[test]
fn every_target_replays_its_seeds_and_regressions() {
    let mut failures = Vec::new();
    for (name, body) in TARGETS {
        let corpus = fuzzing::corpus_name(name);
        let seeds = fuzz_dir().join("seeds").join(&*corpus);
        let regressions = fuzz_dir().join("regressions").join(&*corpus);
        let r = std::panic::catch_unwind(|| {
            let n = fuzzing::replay_dir(&seeds, body);
            assert!(n > 0, "no seed inputs in {}", seeds.display());
            assert!(regressions.is_dir(), "{} is missing", regressions.display());
            fuzzing::replay_dir(&regressions, body);
        });
        if let Err(e) = r {
            failures.push(format!("{name}: {}", panic_text(e)));
        }
    }
    assert!(failures.is_empty(), "{} target(s) failed:\n{}", failures.len(), failures.join("\n"));
}

/// The Strategy a target's subject names, as written in the target file.
fn strategy_name(subject: &str) -> Option<&'static str> {
    Some(match subject {
        "naive" => "Strategy::Naive",
        "delimiter" => "Strategy::Delimiter",
        "length_prefix" => "Strategy::LengthPrefix",
        "json_header" => "Strategy::JsonHeader",
        "resp" => "Strategy::Resp",
        "http" => "Strategy::Http",
        _ => return None,
    })
}

#[test]
fn fuzz_targets_and_replay_bodies_name_the_same_targets() {
    let dir = fuzz_dir().join("fuzz_targets");
    let files: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".rs").map(str::to_owned))
        .collect();
    let bodies: BTreeSet<String> = TARGETS.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(files, bodies, "fuzz/fuzz_targets/*.rs and framelab::fuzzing::TARGETS differ");
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for name in &files {
        assert!(manifest.contains(&format!("name = \"{name}\"")), "fuzz/Cargo.toml has no [[bin]] {name}");
        // Guard against a copy-pasted target that runs another body.
        let text = std::fs::read_to_string(dir.join(format!("{name}.rs"))).unwrap();
        assert!(text.contains("include!(\"../asan_options.rs\");"), "{name}.rs does not include asan_options.rs");
        let (verb, subject) = name.split_once('_').unwrap();
        match strategy_name(subject) {
            _ if verb == "diff" => assert!(text.contains(&format!("{name}(")), "{name}.rs does not call {name}"),
            Some(s) => {
                assert!(text.contains(s) && text.contains(&format!("{verb}(")), "{name}.rs does not call {verb}({s}")
            }
            None => assert!(text.contains("framelab::fuzzing"), "{name}.rs does not call framelab::fuzzing"),
        }
    }
}

#[test]
fn length_prefix_and_json_header_seeds_cover_every_preset() {
    for (name, _) in TARGETS.iter().filter(|(n, _)| n.ends_with("length_prefix") || n.ends_with("json_header")) {
        let mut presets = BTreeSet::new();
        for e in std::fs::read_dir(fuzz_dir().join("seeds").join(&*fuzzing::corpus_name(name))).unwrap() {
            let data = std::fs::read(e.unwrap().path()).unwrap();
            // The first byte is the config byte in every input layout.
            if let Some(c) = data.first() {
                presets.insert(*c as usize % FUZZ_PRESETS.len());
            }
        }
        assert_eq!(presets.len(), FUZZ_PRESETS.len(), "{name} seeds cover presets {presets:?} only");
    }
}

#[test]
fn committed_seeds_match_the_generator() {
    let write = std::env::var_os("FRAMELAB_WRITE_SEEDS").is_some();
    let mut stale = Vec::new();
    for (name, _) in TARGETS {
        let dir = fuzz_dir().join("seeds").join(name);
        for (file, data) in seed_files(name) {
            let path = dir.join(&file);
            if write {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &data).unwrap();
            } else if std::fs::read(&path).ok().as_deref() != Some(&data[..]) {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "seed files missing or different from the generator (rewrite them with \
         FRAMELAB_WRITE_SEEDS=1 cargo test --lib fuzzing::corpus):\n{}",
        stale.join("\n")
    );
}

// ---------------------------------------------------------------------------
// The seed generator.

/// A config byte choosing length-prefix preset `preset` (an index into
/// `FUZZ_PRESETS`) with the high bit (`includes-header` for length-prefix,
/// `verify=if-present` for json-header) set or not.
fn config(preset: usize, high_bit: bool) -> u8 {
    (0..=255u8)
        .find(|c| *c as usize % FUZZ_PRESETS.len() == preset && (c & 0x80 != 0) == high_bit)
        .expect("every preset has a config byte")
}

/// The name of a config byte for a file name: `u32be`, `i32le-incl`, ...
fn preset_label(c: u8, high: &str) -> String {
    let p = FUZZ_PRESETS[c as usize % FUZZ_PRESETS.len()];
    if c & 0x80 != 0 { format!("{p}-{high}") } else { p.to_string() }
}

/// `messages` framed by the target's own codec; messages it refuses are skipped.
fn framed(strategy: Strategy, c: u8, messages: &[&[u8]]) -> Vec<u8> {
    let mut codec = fuzzing::codec(strategy, c);
    let mut wire = BytesMut::new();
    for m in messages {
        let _ = codec.encode(*m, &mut wire);
    }
    wire.to_vec()
}

/// A `decode_*` input: config byte, chunk size, stream.
fn decode_input(c: u8, chunk: usize, stream: &[u8]) -> Vec<u8> {
    assert!((1..=256).contains(&chunk));
    let mut v = vec![c, (chunk - 1) as u8];
    v.extend_from_slice(stream);
    v
}

/// A raw length header of `value` in the format config `c` picks.
fn raw_header(strategy: Strategy, c: u8, value: i128) -> Vec<u8> {
    let prefix = match fuzzing::codec(strategy, c) {
        AnyCodec::LengthPrefix(lp) => *lp.format(),
        AnyCodec::JsonHeader(j) => j.format().prefix,
        other => panic!("no length header in {other:?}"),
    };
    let mut out = BytesMut::new();
    prefix.write_raw(value, &mut out);
    out.to_vec()
}

/// The largest message the length-prefix format of config `c` can carry.
fn largest_length_prefix_message(c: u8) -> usize {
    let AnyCodec::LengthPrefix(lp) = fuzzing::codec(Strategy::LengthPrefix, c) else { unreachable!() };
    let f = lp.format();
    let room = f.width_max() - if f.includes_header { f.width as u64 } else { 0 };
    f.max_frame.min(room as usize)
}

/// A json-header frame with `json` as its header, verbatim.
fn json_frame(c: u8, json: &str, body: &[u8]) -> Vec<u8> {
    let mut v = raw_header(Strategy::JsonHeader, c, json.len() as i128);
    v.extend_from_slice(json.as_bytes());
    v.extend_from_slice(body);
    v
}

const DELIMITERS: [(&str, &[u8]); 3] = [("lf", b"\n"), ("crlf", b"\r\n"), ("end", b"<END>")];

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Every cut point of a stream of `len` bytes (capped to what fits a u16).
fn every_cut(len: usize) -> Vec<u16> {
    (1..len.min(u16::MAX as usize) as u16).collect()
}

/// The curated seeds of target `name`: (file name, bytes).
fn seed_files(name: &str) -> Vec<(String, Vec<u8>)> {
    let mut seeds = Seeds::default();
    let add_seeds: fn(&mut Seeds) = match name {
        "decode_naive" => decode_naive_seeds,
        "decode_delimiter" => decode_delimiter_seeds,
        "decode_length_prefix" => decode_length_prefix_seeds,
        "decode_json_header" => decode_json_header_seeds,
        "roundtrip_naive" => roundtrip_naive_seeds,
        "roundtrip_delimiter" => roundtrip_delimiter_seeds,
        "roundtrip_length_prefix" => roundtrip_length_prefix_seeds,
        "roundtrip_json_header" => roundtrip_json_header_seeds,
        "chunking_naive" => chunking_naive_seeds,
        "chunking_delimiter" => chunking_delimiter_seeds,
        "chunking_length_prefix" => chunking_length_prefix_seeds,
        "chunking_json_header" => chunking_json_header_seeds,
        "decode_resp" => decode_resp_seeds,
        "decode_http" => decode_http_seeds,
        "roundtrip_resp" => roundtrip_resp_seeds,
        "chunking_http" => chunking_http_seeds,
        "parse_framing" => parse_framing_seeds,
        "parse_scenario" => parse_scenario_seeds,
        "plan_schedule" => plan_schedule_seeds,
        "diff_length_prefix" => diff_length_prefix_seeds,
        "diff_lines" => diff_lines_seeds,
        "parse_handshake" => parse_handshake_seeds,
        "judge_claims" => judge_claims_seeds,
        "judge_sound" => judge_sound_seeds,
        _ => |_| {},
    };
    add_seeds(&mut seeds);
    seeds.0
}

/// Seed files as they are made: (file name, bytes).
#[derive(Default)]
struct Seeds(Vec<(String, Vec<u8>)>);

impl Seeds {
    fn add(&mut self, file: String, data: Vec<u8>) {
        self.0.push((file, data));
    }
}

/// The index of every fuzz preset.
fn presets() -> std::ops::Range<usize> {
    0..FUZZ_PRESETS.len()
}

/// `n` bytes of `x`.
fn filler(n: usize) -> Vec<u8> {
    vec![b'x'; n]
}

fn decode_naive_seeds(seeds: &mut Seeds) {
    seeds.add("read1-chunk1".into(), decode_input(0, 1, b"hello world"));
    seeds.add("read64-chunk7".into(), decode_input(63, 7, &b"helloworld".repeat(20)));
    seeds.add("read17-chunk256".into(), decode_input(16, 256, &(0..=255u8).cycle().take(600).collect::<Vec<_>>()));
    seeds.add("empty-stream".into(), decode_input(5, 5, b""));
}

fn decode_delimiter_seeds(seeds: &mut Seeds) {
    for (c, (label, d)) in DELIMITERS.iter().enumerate() {
        let c = c as u8;
        seeds.add(
            format!("{label}-two-lines-and-an-empty-one-chunk1"),
            decode_input(c, 1, &cat(&[b"hello", d, d, b"x", d])),
        );
        seeds.add(format!("{label}-delimiter-split-chunk3"), decode_input(c, 3, &cat(&[b"ab", d, b"cd", d])));
        seeds.add(format!("{label}-line-at-max"), decode_input(c, 64, &cat(&[&filler(FUZZ_MAX), d, b"ok", d])));
        seeds.add(
            format!("{label}-line-over-max-then-a-good-one"),
            decode_input(c, 100, &cat(&[&filler(FUZZ_MAX + 1), d, b"next", d])),
        );
        seeds.add(format!("{label}-no-delimiter"), decode_input(c, 256, &filler(1500)));
        seeds.add(format!("{label}-unterminated-tail"), decode_input(c, 2, &cat(&[b"a", d, b"tail"])));
    }
}

fn decode_length_prefix_seeds(seeds: &mut Seeds) {
    let s = Strategy::LengthPrefix;
    for p in presets() {
        for incl in [false, true] {
            let c = config(p, incl);
            let l = preset_label(c, "incl");
            seeds.add(format!("{l}-two-frames-chunk1"), decode_input(c, 1, &framed(s, c, &[b"hello", b""])));
            let big = filler(largest_length_prefix_message(c));
            seeds.add(format!("{l}-frame-at-max-chunk3"), decode_input(c, 3, &framed(s, c, &[&big, b"z"])));
        }
        let c = config(p, false);
        let l = preset_label(c, "incl");
        let over = raw_header(s, c, FUZZ_MAX as i128 + 1);
        seeds.add(format!("{l}-over-max"), decode_input(c, 2, &cat(&[&over, b"body"])));
        let width = raw_header(s, c, 0).len();
        let huge = vec![0x7f; width]; // a huge positive length in either byte order
        seeds.add(format!("{l}-huge-length"), decode_input(c, 256, &cat(&[&huge, &filler(300)])));
        seeds.add(format!("{l}-all-ones-header"), decode_input(c, 1, &vec![0xff; width + 4]));
        let frame = framed(s, c, &[b"hello"]);
        seeds.add(format!("{l}-header-cut-at-eof"), decode_input(c, 1, &frame[..width.div_ceil(2)]));
        seeds.add(format!("{l}-body-cut-at-eof"), decode_input(c, 4, &frame[..frame.len() - 2]));
        if FUZZ_PRESETS[p].starts_with('i') {
            seeds.add(format!("{l}-negative-one"), decode_input(c, 3, &cat(&[&raw_header(s, c, -1), b"abc"])));
            let min = -(1i128 << (width * 8 - 1));
            seeds.add(format!("{l}-most-negative"), decode_input(c, 8, &raw_header(s, c, min)));
        }
        let ci = config(p, true);
        let below = raw_header(s, ci, width as i128 - 1);
        seeds.add(format!("{}-below-header", preset_label(ci, "incl")), decode_input(ci, 1, &cat(&[&below, b"abc"])));
    }
}

fn decode_json_header_seeds(seeds: &mut Seeds) {
    let s = Strategy::JsonHeader;
    for p in presets() {
        for lax in [false, true] {
            let c = config(p, lax);
            let l = preset_label(c, "if-present");
            seeds.add(format!("{l}-two-frames-chunk1"), decode_input(c, 1, &framed(s, c, &[b"hello", b""])));
            seeds.add(format!("{l}-body-at-max-chunk5"), decode_input(c, 5, &framed(s, c, &[&filler(FUZZ_MAX)])));
        }
        let c = config(p, false);
        let l = preset_label(c, "if-present");
        let frame = framed(s, c, &[b"hello"]);
        seeds.add(format!("{l}-header-cut-at-eof"), decode_input(c, 1, &frame[..frame.len() / 2]));
        if FUZZ_PRESETS[p].starts_with('i') {
            seeds.add(format!("{l}-negative-header-length"), decode_input(c, 2, &raw_header(s, c, -1)));
        }
    }
    let (c, lax) = (config(0, false), config(0, true));
    let hello = digest_hex(DigestKind::Sha256, b"hello");
    let hello_md5 = digest_hex(DigestKind::Md5, b"hello");
    let ok = |name: &str| format!(r#"{{"total_size":5,"filename":"{name}","sha256":"{hello}"}}"#);
    let cases: Vec<(&str, u8, Vec<u8>)> = vec![
        ("nested-arrays", c, json_frame(c, &"[".repeat(200), b"")),
        ("nested-objects", c, json_frame(c, &r#"{"a":"#.repeat(50), b"")),
        ("header-not-json", c, json_frame(c, "hello", b"")),
        ("header-over-max", c, cat(&[&raw_header(s, c, FUZZ_MAX as i128 + 1), b"{}"])),
        ("total-size-huge", c, json_frame(c, r#"{"total_size":18446744073709551615,"sha256":"00"}"#, b"")),
        ("total-size-over-max", c, json_frame(c, r#"{"total_size":257,"sha256":"00"}"#, &filler(257))),
        ("total-size-negative", c, json_frame(c, r#"{"total_size":-1}"#, b"")),
        ("total-size-float", c, json_frame(c, r#"{"total_size":5.0}"#, b"hello")),
        ("missing-digest-required", c, json_frame(c, r#"{"total_size":5}"#, b"hello")),
        ("missing-digest-if-present", lax, json_frame(lax, r#"{"total_size":5}"#, b"hello")),
        (
            "wrong-sha256-then-good",
            c,
            cat(&[
                &json_frame(c, &ok("a").replace(&hello[..8], "00000000"), b"hello"),
                &json_frame(c, &ok("b"), b"hello"),
            ]),
        ),
        ("uppercase-sha256", c, json_frame(c, &ok("a").replace(&hello, &hello.to_uppercase()), b"hello")),
        (
            "md5-digest",
            c,
            json_frame(c, &format!(r#"{{"total_size":5,"filename":"a.txt","md5":"{hello_md5}"}}"#), b"hello"),
        ),
        (
            "md5-placeholder",
            c,
            json_frame(c, r#"{"total_size":5,"filename":"a","md5":"1231231231232132131232311"}"#, b"hello"),
        ),
        (
            "unknown-fields-and-escapes",
            c,
            json_frame(
                c,
                &format!(r#"{{"x":[1,{{}}],"filename":"\u00e9\n","total_size":5,"sha256":"{hello}"}}"#),
                b"hello",
            ),
        ),
    ];
    for (n, c, stream) in cases {
        seeds.add(n.to_string(), decode_input(c, 7, &stream));
    }
}

fn roundtrip_naive_seeds(seeds: &mut Seeds) {
    for c in [0u8, 63] {
        let messages = vec![b"hello".to_vec(), vec![], b"world".to_vec(), filler(100)];
        seeds.add(format!("read{}", c + 1), RoundtripInput { config: c, messages }.to_bytes());
    }
}

fn roundtrip_delimiter_seeds(seeds: &mut Seeds) {
    for (c, (label, d)) in DELIMITERS.iter().enumerate() {
        let messages = vec![
            b"hello".to_vec(),
            vec![],
            b"a\rb\n<EN".to_vec(),
            filler(FUZZ_MAX),
            filler(FUZZ_MAX + 1),
            cat(&[b"with", d, b"inside"]),
        ];
        seeds.add(label.to_string(), RoundtripInput { config: c as u8, messages }.to_bytes());
    }
}

fn roundtrip_length_prefix_seeds(seeds: &mut Seeds) {
    for p in presets() {
        for incl in [false, true] {
            let c = config(p, incl);
            let messages =
                vec![b"hello".to_vec(), vec![], filler(FUZZ_MAX - 1), filler(FUZZ_MAX), filler(FUZZ_MAX + 1)];
            seeds.add(preset_label(c, "incl"), RoundtripInput { config: c, messages }.to_bytes());
        }
    }
}

fn roundtrip_json_header_seeds(seeds: &mut Seeds) {
    for p in presets() {
        for lax in [false, true] {
            let c = config(p, lax);
            let messages = vec![b"hello".to_vec(), vec![], filler(FUZZ_MAX), filler(FUZZ_MAX + 1)];
            seeds.add(preset_label(c, "if-present"), RoundtripInput { config: c, messages }.to_bytes());
        }
    }
}

fn chunking_naive_seeds(seeds: &mut Seeds) {
    let input = ChunkingInput {
        config: 3,
        messages: vec![b"hello".to_vec(), b"world".to_vec()],
        tail: b"tail".to_vec(),
        cuts: vec![1, 2, 3, 7, 100],
    };
    seeds.add("read4".into(), input.to_bytes());
}

fn chunking_delimiter_seeds(seeds: &mut Seeds) {
    for (c, (label, d)) in DELIMITERS.iter().enumerate() {
        let messages = vec![b"hello".to_vec(), vec![], filler(FUZZ_MAX)];
        let wire_len = 5 + 256 + 3 * d.len();
        let partial = ChunkingInput {
            config: c as u8,
            messages: messages.clone(),
            tail: b"partial".to_vec(),
            cuts: every_cut(wire_len + 7),
        };
        seeds.add(format!("{label}-unterminated-tail-every-cut"), partial.to_bytes());
        let long = ChunkingInput {
            config: c as u8,
            messages,
            tail: cat(&[&filler(300), d, b"ok", d]),
            cuts: vec![3, 6, 270, 300, 560, 600],
        };
        seeds.add(format!("{label}-over-long-tail"), long.to_bytes());
    }
}

fn chunking_length_prefix_seeds(seeds: &mut Seeds) {
    let s = Strategy::LengthPrefix;
    for p in presets() {
        for incl in [false, true] {
            let c = config(p, incl);
            let l = preset_label(c, "incl");
            let messages = vec![b"hello".to_vec(), vec![]];
            let wire = framed(s, c, &[b"hello", b""]);
            let header = framed(s, c, &[b"abc"]);
            let cut_header = ChunkingInput {
                config: c,
                messages: messages.clone(),
                tail: header[..header.len() - 4].to_vec(),
                cuts: every_cut(wire.len() + header.len()),
            };
            seeds.add(format!("{l}-partial-frame-every-cut"), cut_header.to_bytes());
            let over = raw_header(s, c, FUZZ_MAX as i128 + 1);
            seeds.add(
                format!("{l}-over-max-tail"),
                ChunkingInput {
                    config: c,
                    messages,
                    tail: cat(&[&over, b"xyz"]),
                    cuts: every_cut(wire.len() + over.len() + 3),
                }
                .to_bytes(),
            );
        }
    }
}

fn chunking_json_header_seeds(seeds: &mut Seeds) {
    let s = Strategy::JsonHeader;
    for p in presets() {
        let c = config(p, p % 2 == 1);
        let l = preset_label(c, "if-present");
        let messages = vec![b"a".to_vec(), vec![]];
        let wire = framed(s, c, &[b"a", b""]);
        let next = framed(s, c, &[b"partial"]);
        let partial = ChunkingInput {
            config: c,
            messages: messages.clone(),
            tail: next[..next.len() - 3].to_vec(),
            cuts: every_cut(wire.len() + next.len()),
        };
        seeds.add(format!("{l}-partial-frame-every-cut"), partial.to_bytes());
        let bad = json_frame(c, r#"{"total_size":3,"sha256":"00"}"#, b"abc");
        seeds.add(
            format!("{l}-bad-digest-tail"),
            ChunkingInput { config: c, messages, tail: bad, cuts: vec![1, 2, 5, 40, 90, 200, 230] }.to_bytes(),
        );
    }
}

fn decode_resp_seeds(seeds: &mut Seeds) {
    // Config 7 is depth 8, config 0 depth 1 (see fuzzing::resp_format).
    let commands = framed(Strategy::Resp, 7, &[b"SET k hello", b"GET k", b"*1\r\n$4\r\nPING\r\n"]);
    seeds.add("pipelined-commands-chunk1".into(), decode_input(7, 1, &commands));
    let replies: &[&[u8]] = &[
        b"+OK\r\n",
        b"-ERR wrong type\r\n",
        b":-42\r\n",
        b"$5\r\nhello\r\n",
        b"$-1\r\n",
        b"*-1\r\n",
        b"$4\r\na\r\nb\r\n",
        b"*3\r\n:1\r\n*2\r\n+a\r\n*0\r\n$-1\r\n",
        b"_\r\n#t\r\n,3.14\r\n,-inf\r\n(12345678901234567890\r\n",
        b"!9\r\nERR oops!\r\n=8\r\ntxt:abcd\r\n",
        b"%1\r\n+k\r\n~2\r\n:1\r\n:2\r\n",
        b"|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n>2\r\n+message\r\n+hi\r\n",
    ];
    seeds.add("every-type-chunk3".into(), decode_input(7, 3, &replies.concat()));
    seeds.add("every-type-chunk256".into(), decode_input(7, 256, &replies.concat()));
    let mut deep = b"*1\r\n".repeat(20);
    deep.extend_from_slice(b":1\r\n");
    seeds.add("nested-past-depth".into(), decode_input(7, 5, &deep));
    seeds.add("nested-depth-1".into(), decode_input(0, 4, b"*1\r\n:1\r\n*1\r\n*0\r\n"));
    for (n, v) in [
        ("length-2-pow-63", &b"$9223372036854775808\r\n"[..]),
        ("length-2-pow-64-minus-1", b"$18446744073709551615\r\n"),
        ("count-i64-max", b"*9223372036854775807\r\n"),
        ("map-count-doubles-past-i64", b"%4611686018427387904\r\n"),
        ("negative-length", b"$-2\r\nab\r\n"),
        ("inline-command", b"GET k\r\n"),
        ("bare-lf", b"+OK\n+OK\r\n"),
        ("wrong-declared-length", b"$3\r\nhello\r\n"),
        ("truncated-bulk", b"+OK\r\n$5\r\nhel"),
    ] {
        seeds.add(n.into(), decode_input(7, 2, v));
    }
    let at_max = cat(&[b"$248\r\n", &filler(248), b"\r\n"]);
    assert_eq!(at_max.len(), FUZZ_MAX);
    seeds.add("bulk-at-max".into(), decode_input(7, 64, &cat(&[&at_max, b"+next\r\n"])));
    seeds.add("line-without-end".into(), decode_input(7, 64, &cat(&[b"+", &filler(600)])));
}

fn decode_http_seeds(seeds: &mut Seeds) {
    // Config % 3: 0 auto, 1 request, 2 response; bit 7: answers to HEAD.
    let requests: &[&[u8]] = &[
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        b"POST /f HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
        b"PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nX-T: 1\r\n\r\n",
        b"GET /lf HTTP/1.1\nHost: a\n\n",
    ];
    seeds.add("requests-chunk1".into(), decode_input(1, 1, &requests.concat()));
    seeds.add("requests-auto-chunk13".into(), decode_input(0, 13, &requests.concat()));
    let responses: &[&[u8]] = &[
        b"HTTP/1.1 100 Continue\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.1 204 No Content\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n",
        b"HTTP/1.0 200 OK\r\n\r\nto the end of the stream",
    ];
    seeds.add("responses-chunk7".into(), decode_input(2, 7, &responses.concat()));
    let head_answer = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
    seeds.add("answers-to-head".into(), decode_input(128, 5, &head_answer.repeat(3)));
    seeds.add(
        "switching-protocols".into(),
        decode_input(2, 9, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n\x81\x02hi"),
    );
    for (n, c, v) in [
        ("cl-and-te", 1u8, &b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"[..]),
        ("two-equal-cl", 1, b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"),
        ("conflicting-cl", 0, b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 20\r\n\r\nx"),
        ("cl-overflow", 0, b"POST / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n"),
        ("cl-2-pow-63", 0, b"POST / HTTP/1.1\r\nContent-Length: 9223372036854775808\r\n\r\n"),
        ("chunk-size-overflow", 1, b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1FFFFFFFFFFFFFFFF\r\n"),
        ("chunk-not-crlf", 1, b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd0\r\n\r\n"),
        ("te-not-chunked", 1, b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
        ("response-in-request-mode", 1, b"HTTP/1.1 200 OK\r\n\r\n"),
        ("bad-header", 0, b"GET / HTTP/1.1\r\nno colon\r\n\r\n"),
        ("body-cut-at-eof", 0, b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"),
    ] {
        seeds.add(n.into(), decode_input(c, 3, v));
    }
    seeds.add("head-without-end".into(), decode_input(0, 64, &cat(&[b"GET / HTTP/1.1\r\nX: ", &filler(600)])));
}

fn roundtrip_resp_seeds(seeds: &mut Seeds) {
    for c in [7u8, 0] {
        let messages = vec![
            b"SET k hello".to_vec(),
            b"GET k".to_vec(),
            b" \t ".to_vec(),
            vec![],
            b"$5\r\nhello\r\n".to_vec(),
            b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n".to_vec(),
            b"*1\r\n*1\r\n:1\r\n".to_vec(),
            b"+a\r\n+b\r\n".to_vec(),
            b"$5\r\nhel".to_vec(),
            b"%1\r\n+a\r\n:1\r\n".to_vec(),
            cat(&[b"SET k ", &filler(240)]),
            cat(&[b"SET k ", &filler(250)]),
        ];
        seeds.add(format!("depth{}", 1 + c % 8), RoundtripInput { config: c, messages }.to_bytes());
    }
}

fn chunking_http_seeds(seeds: &mut Seeds) {
    let requests = vec![
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n".to_vec(),
        b"POST /f HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello".to_vec(),
        b"PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nX-T: 1\r\n\r\n".to_vec(),
        b"HEAD /x".to_vec(),
    ];
    let wire_len = framed(Strategy::Http, 0, &requests.iter().map(|m| &m[..]).collect::<Vec<_>>()).len();
    let tail = b"POST /p HTTP/1.1\r\nContent-Length: 9\r\n\r\npart".to_vec();
    let cuts = every_cut(wire_len + tail.len());
    seeds.add(
        "requests-partial-tail-every-cut".into(),
        ChunkingInput { config: 0, messages: requests.clone(), tail, cuts }.to_bytes(),
    );
    let responses = vec![
        b"HTTP/1.1 100 Continue\r\n\r\n".to_vec(),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n".to_vec(),
        b"HTTP/1.1 204 No Content\r\n\r\n".to_vec(),
    ];
    let wire_len = framed(Strategy::Http, 2, &responses.iter().map(|m| &m[..]).collect::<Vec<_>>()).len();
    let tail = b"HTTP/1.0 200 OK\r\n\r\nread to the end".to_vec();
    let cuts = every_cut(wire_len + tail.len());
    seeds.add(
        "responses-to-eof-every-cut".into(),
        ChunkingInput { config: 2, messages: responses, tail, cuts }.to_bytes(),
    );
    let tail = b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec();
    seeds.add(
        "smuggling-tail".into(),
        ChunkingInput { config: 1, messages: requests, tail, cuts: vec![1, 20, 47, 60, 90, 150, 200, 260] }.to_bytes(),
    );
}

fn parse_framing_seeds(seeds: &mut Seeds) {
    let specs = [
        "naive",
        "raw",
        "naive:4096",
        "naive:read-size=1KiB",
        "udp:1024",
        "handshake:max=1KiB",
        "delimiter",
        r#"delimiter:"\r\n",max=4KiB"#,
        r#"delimiter:"<END>""#,
        r#"delimiter:delimiter="\x00\xff\\\"",max=0"#,
        "delimiter:\"a,b\"",
        "length-prefix",
        "length-prefix:i32le,max=1MiB",
        "length-prefix:u64be,includes-header",
        "length-prefix:width=2,endian=little,signed=true,includes-header=false,max=65535",
        "json-header:i32le,verify=ignore,digest=md5",
        "json-header:header-max=1KiB,body-max=64MiB,verify=if-present",
        "length-prefix:u24be",
        "length-prefix:width=3",
        "delimiter:\"\"",
        "delimiter:\"unterminated",
        "naive:0",
        "json-header:verify=maybe",
        "nosuch:1",
        "length-prefix:max=99999999999999999999999TiB",
        "delimiter:\\x4",
        ":",
        "",
        "resp",
        "resp:max=1MiB,depth=64",
        "http",
        "http:response,max=1KiB,method=HEAD",
        "http:request,head-max=8KiB",
        "resp:depth=0",
        "http:method=POST",
    ];
    for (i, spec) in specs.iter().enumerate() {
        seeds.add(format!("spec-{i:02}"), spec.as_bytes().to_vec());
    }
}

fn parse_scenario_seeds(seeds: &mut Seeds) {
    // Representative scenarios (fixed here, so that editing the
    // catalog does not change the seeds), then broken ones.
    let good = [
        "name = \"b1\"\nbug = \"B1\"\n[server]\nstrategy = \"naive\"\nvariant = \"seed\"\n[client]\nmessages = [\"hello\", \"world\"]\nschedule = \"coalesce\"\n[expect]\nverdict = \"coalesced\"\n",
        "[server]\nstrategy = \"length-prefix:i32le,max=1MiB\"\n[client]\nframing = \"length-prefix:u32be\"\nmessages = [\"hello\"]\nschedule = { cuts = [2] }\nsync = true\n[expect]\nverdict = \"rejected\"\n",
        "[server]\nstrategy = \"delimiter\"\ndelay = \"5ms\"\n[client]\ngenerate = { count = 20, size = \"1..64\", kind = \"chinese\" }\nschedule = { random = [1, 9] }\nread = { sizes = [1, 7], pause = \"1ms\" }\n[response]\nexpect = \"echo\"\n",
        "[server]\nstrategy = \"length-prefix:u16be\"\n[client]\noverflow = \"wrap\"\nforge-header = \"width-max\"\nmessages = [\"x\"]\nreset-after = 3\n",
        "[server]\nstrategy = \"handshake\"\nvariant = \"seed\"\n[client]\nmessages = [\"a\", \"b\"]\ncoalesce-start = true\nreply-timeout = \"500ms\"\n[expect]\nverdict = \"lost\"\n",
        "[target]\naddr = \"127.0.0.1:9000\"\n[client]\nframing = \"json-header:i64le\"\nmessages = [\"get a.txt\"]\nconnections = 3\nlockstep = true\n[response]\nexpect = \"digest\"\n",
    ];
    for (i, text) in good.iter().enumerate() {
        seeds.add(format!("good-{i:02}"), text.as_bytes().to_vec());
    }
    let broken = [
        "[client]\nmesages = [\"a\"]\n",
        "[client]\nconnections = \"two\"\n",
        "[client]\npause = \"soon\"\n",
        "[server]\nstrategy = \"pigeon\"\n",
        "[client]\nschedule = { chunk = 0 }\n",
        "[client]\nschedule = { random = [9, 1] }\n",
        "[client]\ngenerate = { count = 3, size = \"5..5\" }\n",
        "[target]\naddr = \"10.0.0.1:80\"\n",
        "[client]\nforge-header = \"max+2\"\n",
        "name = \"unterminated\n",
        "[[client]]\n",
        "",
    ];
    for (i, text) in broken.iter().enumerate() {
        seeds.add(format!("broken-{i:02}"), text.as_bytes().to_vec());
    }
}

fn plan_schedule_seeds(seeds: &mut Seeds) {
    let frames: &[u8] = b"\x00\x00\x00\x05hello\xff\xff\x00\x00\x00\x01x\xffsome longer frame bytes";
    for kind in 0..6u8 {
        for (flags, reset) in [(0u8, 0u8), (1, 0), (2, 7), (3, 0)] {
            let mut d = vec![kind, 3, 11, flags, reset];
            d.extend_from_slice(&42u64.to_le_bytes());
            d.extend_from_slice(frames);
            seeds.add(format!("kind{kind}-flags{flags}"), d);
        }
    }
    seeds.add("empty".into(), Vec::new());
}

fn judge_claims_seeds(seeds: &mut Seeds) {
    // [mode, n, cut x n, messages split by 0xff]: each kind of reply, with
    // the server answering each message, merging at message ends (even
    // cuts), cutting inside messages (odd cuts), both, and one reply
    // altered; messages with an empty one, a delimiter and upper-case bytes.
    let messages: &[u8] = b"hello\xffWorld\xff\xffa\nb\xff\x00\x00\x00\x05xyz";
    let cuts: [(&str, &[u8]); 5] = [
        ("each", &[]),
        ("merged", &[2, 6]),
        ("split", &[0, 2, 4, 6, 8, 21, 65, 129]),
        ("crossing", &[9, 51, 101]),
        ("all-at-once", &[255]),
    ];
    for (kind, label) in ["echo", "upper", "digest", "length"].iter().enumerate() {
        for (name, cut) in cuts {
            for altered in [false, true] {
                let mode = kind as u8 | if altered { 0x10 | 0x20 } else { 0 };
                let mut d = vec![mode, cut.len() as u8];
                d.extend_from_slice(cut);
                d.extend_from_slice(messages);
                let tail = if altered { "-altered" } else { "" };
                seeds.add(format!("{label}-{name}{tail}"), d);
            }
        }
    }
    seeds.add("empty".into(), Vec::new());
    seeds.add("no-messages".into(), vec![0, 0]);
}

fn judge_sound_seeds(seeds: &mut Seeds) {
    // [client framing, oracle, reply framing, ...]: every combination of
    // the three, each with four random rests (messages, server, ending).
    for (k, d) in fuzzing::sound::inputs(0x34, 81 * 4).enumerate() {
        seeds.add(format!("c{}-o{}-r{}-{}", d[0], d[1], d[2], k / 81), d);
    }
    seeds.add("empty".into(), Vec::new());
}

fn diff_length_prefix_seeds(seeds: &mut Seeds) {
    // [config, max index, chunk - 1, stream]: every preset, with and
    // without includes-header, at the maximum, one over it, at the
    // edges of a u8 and u16 header (rule L2), and cut everywhere.
    let max_at = |m: usize| fuzzing::DIFF_MAXES.iter().position(|x| *x == m).unwrap() as u8;
    for p in presets() {
        for incl in [false, true] {
            let c = config(p, incl);
            let l = preset_label(c, "incl");
            for max in [0usize, 8, 254, 255, 65534] {
                let prefix = match fuzzing::codec(Strategy::LengthPrefix, c) {
                    AnyCodec::LengthPrefix(lp) => crate::framing::LengthPrefix { max_frame: max, ..*lp.format() },
                    _ => unreachable!(),
                };
                let hdr = if incl { prefix.width as i128 } else { 0 };
                let mut stream = Vec::new();
                for body in [0usize, 1, max.min(300)] {
                    let mut h = BytesMut::new();
                    prefix.write_raw(body as i128 + hdr, &mut h);
                    stream.extend_from_slice(&h);
                    stream.extend(std::iter::repeat_n(b'b', body));
                }
                let mut over = BytesMut::new();
                prefix.write_raw(max as i128 + hdr + 1, &mut over);
                let mut good = stream.clone();
                good.extend_from_slice(&over);
                seeds.add(format!("{l}-max{max}-then-over"), cat(&[&[c, max_at(max), 2], &good]));
                // The widest field value, and below-header values.
                let mut wide = BytesMut::new();
                prefix.write_raw(prefix.width_max() as i128, &mut wide);
                seeds.add(format!("{l}-max{max}-widest-field"), cat(&[&[c, max_at(max), 0], &stream, &wide, b"tail"]));
            }
            let mut below = BytesMut::new();
            crate::framing::LengthPrefix::preset(FUZZ_PRESETS[p]).unwrap().write_raw(0, &mut below);
            seeds.add(format!("{l}-zero-field"), cat(&[&[c, max_at(256), 255], &below, b"x"]));
        }
    }
}

fn diff_lines_seeds(seeds: &mut Seeds) {
    // [max index, chunk - 1, stream].
    for (i, max) in fuzzing::DIFF_MAXES.iter().enumerate().filter(|(_, m)| **m <= 256) {
        let i = i as u8;
        let at = filler(*max);
        let over = filler(max + 1);
        seeds.add(format!("max{max}-at-and-over-chunk1"), cat(&[&[i, 0], &at, b"\n", &over, b"\nnext\n"]));
        seeds.add(format!("max{max}-over-long-then-tail-chunk7"), cat(&[&[i, 6], &over, &over, b"\nab\ntail"]));
    }
    seeds.add("crlf-and-lone-cr".into(), cat(&[&[8, 2], b"a\r\n\r\n\r\r\nb\n\r"]));
    seeds.add("not-utf8".into(), cat(&[&[8, 3], b"ok\n\xff\xfe\n\xe4\xb8\xad\n\xe4\xb8\n"]));
    seeds.add("empty-lines".into(), cat(&[&[7, 0], b"\n\n\n"]));
    seeds.add("unterminated-utf8-tail".into(), cat(&[&[8, 255], b"line\n\xff"]));
}

fn parse_handshake_seeds(seeds: &mut Seeds) {
    // [max index, line]: 6 is 254, 13 is 65536.
    for (i, line) in [
        &b"Ready|42\n"[..],
        b"Ready|254",
        b"Ready|255\n",
        b" Ready|7 \n",
        b"Ready|-1",
        b"Ready|18446744073709551616",
        b"Ready|",
        b"Ready|0000000000000000000000000000001",
        b"Start",
        b"Start\n",
        b"\xffReady|1",
        b"",
    ]
    .iter()
    .enumerate()
    {
        seeds.add(format!("line-{i:02}"), cat(&[&[if i % 2 == 0 { 6 } else { 13 }], line]));
    }
}
