//! The seed generator: the curated inputs of every target, which
//! `committed_seeds_match_the_generator` compares with `fuzz/seeds/`.
//! The codec targets' seeds are in [`codec`].

use crate::framing::AnyCodec;
use crate::framing::json_header::{DigestKind, digest_hex};
use crate::fuzzing::{self, ChunkingInput, FUZZ_MAX, FUZZ_PRESETS, RoundtripInput, Strategy};
use bytes::BytesMut;
use tokio_util::codec::Encoder;

mod codec;

use self::codec::*;

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
pub(super) fn seed_files(name: &str) -> Vec<(String, Vec<u8>)> {
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
        "parse_framing" => parse_framing_seeds,
        "parse_scenario" => parse_scenario_seeds,
        "plan_schedule" => plan_schedule_seeds,
        "diff_length_prefix" => diff_length_prefix_seeds,
        "diff_lines" => diff_lines_seeds,
        "diff_varint" => diff_varint_seeds,
        "parse_handshake" => parse_handshake_seeds,
        "judge_claims" => judge_claims_seeds,
        "judge_sound" => judge_sound_seeds,
        _ => |_| {},
    };
    add_seeds(&mut seeds);
    // A codec whose home writes its own seeds.
    if let Some((_, fuzzing::TargetBody::Codec(body, kind))) = fuzzing::targets().into_iter().find(|(n, _)| n == name) {
        kind.fuzz_seeds(body, &mut seeds);
    }
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

impl crate::framing::registry::SeedSink for Seeds {
    fn max(&self) -> usize {
        FUZZ_MAX
    }

    fn decode(&mut self, file: &str, config: u8, chunk: usize, stream: &[u8]) {
        self.add(file.into(), decode_input(config, chunk, stream));
    }

    fn roundtrip(&mut self, file: &str, config: u8, messages: Vec<Vec<u8>>) {
        self.add(file.into(), RoundtripInput { config, messages }.to_bytes());
    }

    fn chunking(&mut self, file: &str, config: u8, messages: Vec<Vec<u8>>, tail: Vec<u8>, cuts: Vec<u16>) {
        self.add(file.into(), ChunkingInput { config, messages, tail, cuts }.to_bytes());
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

fn parse_framing_seeds(seeds: &mut Seeds) {
    // No strategy, an empty one, nothing; then each strategy's own.
    let specs = ["nosuch:1", ":", ""].into_iter().chain(crate::framing::spec_seeds());
    for (i, spec) in specs.enumerate() {
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
    // Bytes before the field (bits 4 and 5: 1 to 3, the length adjusted
    // by minus as many; rule L6), with and without includes-header.
    for p in [0, 3, 4] {
        for off in 1..=3u8 {
            for incl in [false, true] {
                let c = config(p, incl) | off << 4;
                let wire = framed(Strategy::LengthPrefix, c, &[b"abc", b"abcdefgh", &filler(40)]);
                let l = format!("{}-offset{off}", preset_label(c, "incl"));
                seeds.add(format!("{l}-chunk1"), cat(&[&[c, max_at(256), 0], &wire]));
                seeds.add(format!("{l}-zero-field"), cat(&[&[c, max_at(256), 2], &filler(usize::from(off)), &[0; 8]]));
            }
        }
    }
}

fn diff_varint_seeds(seeds: &mut Seeds) {
    for (name, bytes) in [
        ("zero", &b"\x00"[..]),
        ("one-byte-max", b"\x7f"),
        ("two-bytes", b"\xac\x02"),
        ("mqtt-max", b"\xff\xff\xff\x7f"),
        ("u64-max", b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"),
        ("past-64-bits", b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02"),
        ("overlong-zero", b"\x80\x00"),
        ("overlong-one", b"\x81\x80\x00"),
        ("unfinished", b"\x80\x80\x80"),
        ("eleven-bytes", b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00"),
        ("then-a-body", b"\x05hello"),
    ] {
        seeds.add(name.into(), bytes.to_vec());
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
