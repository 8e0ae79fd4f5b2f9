//! The bodies of the cargo-fuzz targets under `fuzz/`.
//!
//! Each target in `fuzz/fuzz_targets/` is a few lines that call one of
//! these functions, so `cargo test` replays the committed corpus and
//! regressions through exactly the same code on stable, and the property
//! tests drive the same oracles with proptest. Every function panics when
//! its oracle fails: that is what the fuzzer reports.
//!
//! The bodies are always built. What only a fuzz target needs, turning raw
//! fuzzer bytes into a structured input with `arbitrary`
//! (`with_arbitrary`, `targets`, `target`), is behind the `fuzzing`
//! feature, which `fuzz/Cargo.toml` enables; the library's own unit tests
//! (`corpus`, replaying `fuzz/seeds/` and `fuzz/regressions/` in `cargo
//! test`) get it through the `arbitrary` dev-dependency.

#[cfg(any(test, feature = "fuzzing"))]
use arbitrary::Arbitrary;

use crate::framing::AnyCodec;
#[cfg(any(test, feature = "fuzzing"))]
use crate::framing::FuzzBody;

mod decode;
mod diff;
mod input;
mod judge;
mod parse;
mod roundtrip;

#[cfg(test)]
mod corpus;
pub mod sound;

pub use self::decode::{bare, chunking, decode};
#[cfg(any(test, feature = "fuzzing"))]
pub use self::diff::diff_varint;
pub use self::diff::{DIFF_MAXES, diff_length_prefix, diff_lines, diff_slices};
pub use self::input::{ChunkingInput, RoundtripInput};
pub use self::judge::judge_claims;
pub use self::parse::{parse_framing, parse_handshake, parse_scenario, plan_schedule};
pub use self::roundtrip::roundtrip;
/// Which codec a target exercises: the registry's codecs
/// ([`crate::framing::CodecKind`]), each with the knobs its home picks from
/// the input's config byte ([`crate::framing::Codec::for_fuzzing`]).
pub use crate::framing::CodecKind as Strategy;
pub use crate::framing::length_prefix::FUZZ_PRESETS;

/// Small maximum used by fuzz targets, so that limits are reached often.
pub const FUZZ_MAX: usize = 256;

/// A codec of `strategy`, with knobs chosen by `config`, and a small maximum.
pub fn codec(strategy: Strategy, config: u8) -> AnyCodec {
    strategy.for_fuzzing(config, FUZZ_MAX)
}

/// The layout of a `decode_*` and `bare_*` input: config byte, chunk size
/// (1 to 256), stream.
fn decode_input(data: &[u8]) -> Option<(u8, usize, &[u8])> {
    match data {
        [c, k, rest @ ..] => Some((*c, 1 + *k as usize, rest)),
        _ => None,
    }
}

/// How many bytes of a stream the `decode_*`, `bare_*` and `diff_*`
/// targets feed in reads of the input's own chunk size; see [`reads`].
pub const SMALL_SPAN: usize = FUZZ_MAX;

/// The reads a `decode_*`, `bare_*` or `diff_*` target feeds its codec:
/// the first [`SMALL_SPAN`] bytes of `stream` in pieces of `chunk` (1 to
/// 256, from the input), the rest in pieces of [`FUZZ_MAX`] (or `chunk`,
/// if larger).
///
/// The first 256 bytes hold a frame of the fuzz maximum save its last
/// bytes, or many smaller frames, so every state of a decoder (a header cut
/// anywhere, a body cut anywhere, a delimiter split across reads) is
/// reached in small reads. Feeding all of a 3 KiB input one byte at a time
/// only repeated those states thousands of times per input, and (with the
/// comparison tracing of every decode call and of `extend_from_slice`) was
/// what bounded the targets' speed: the fuzzer keeps such inputs because
/// more decode calls reach new hit counts (docs/fuzzing.md).
pub fn reads(stream: &[u8], chunk: usize) -> impl Iterator<Item = &[u8]> {
    let chunk = chunk.max(1);
    let (head, tail) = stream.split_at(stream.len().min(SMALL_SPAN));
    head.chunks(chunk).chain(tail.chunks(chunk.max(FUZZ_MAX)))
}

/// Replays every file under `dir` (recursively) through `body`. Used by
/// `cargo test` to replay the committed corpus and regressions.
pub fn replay_dir(dir: &std::path::Path, body: &dyn Fn(&[u8])) -> usize {
    let mut n = 0;
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            n += replay_dir(&p, body);
        } else if let Ok(data) = std::fs::read(&p) {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(&data)));
            if let Err(e) = r {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                panic!("replaying {} failed: {msg}", p.display());
            }
            n += 1;
        }
    }
    n
}

/// Runs a structured body on raw fuzzer bytes, as `fuzz_target!` with an
/// `Arbitrary` input would.
#[cfg(any(test, feature = "fuzzing"))]
pub fn with_arbitrary<T: for<'a> Arbitrary<'a>>(data: &[u8], body: impl Fn(&T)) {
    if let Ok(input) = T::arbitrary_take_rest(arbitrary::Unstructured::new(data)) {
        body(&input);
    }
}

/// A fuzz target's body, on the raw bytes the fuzzer gives: one of a
/// codec's bodies ([`FuzzBody`]), or a body of its own.
#[cfg(any(test, feature = "fuzzing"))]
#[derive(Debug, Clone, Copy)]
pub enum TargetBody {
    /// `VERB_STRATEGY`: a codec's body.
    Codec(FuzzBody, Strategy),
    /// A target with a body of its own.
    Fn(fn(&[u8])),
}

#[cfg(any(test, feature = "fuzzing"))]
impl TargetBody {
    /// Runs the body on `data`.
    pub fn run(self, data: &[u8]) {
        match self {
            TargetBody::Codec(FuzzBody::Decode, s) => decode(s, data),
            TargetBody::Codec(FuzzBody::Bare, s) => bare(s, data),
            TargetBody::Codec(FuzzBody::Roundtrip, s) => with_arbitrary::<RoundtripInput>(data, |i| roundtrip(s, i)),
            TargetBody::Codec(FuzzBody::Chunking, s) => with_arbitrary::<ChunkingInput>(data, |i| chunking(s, i)),
            TargetBody::Fn(f) => f(data),
        }
    }
}

/// A body on raw fuzzer bytes.
#[cfg(any(test, feature = "fuzzing"))]
type RawBody = fn(&[u8]);

/// The targets that are not one codec's body.
#[cfg(any(test, feature = "fuzzing"))]
const OWN_TARGETS: &[(&str, RawBody)] = &[
    ("diff_length_prefix", diff_length_prefix),
    ("diff_lines", diff_lines),
    ("diff_slices", diff_slices),
    ("diff_varint", diff_varint),
    ("parse_framing", parse_framing),
    ("parse_handshake", parse_handshake),
    ("parse_scenario", parse_scenario),
    ("plan_schedule", plan_schedule),
    ("judge_claims", judge_claims),
    ("judge_sound", sound::judge_sound),
];

/// Every target in `fuzz/fuzz_targets/`, by name, with the body it runs:
/// each codec of the registry through the bodies its home lists
/// ([`crate::framing::Codec::FUZZ`], named `VERB_STRATEGY`), then the
/// targets of their own. The `corpus` unit tests replay
/// `fuzz/seeds/<name>/` and `fuzz/regressions/<name>/` through these, and
/// check that this list and the target files name the same targets.
#[cfg(any(test, feature = "fuzzing"))]
pub fn targets() -> Vec<(String, TargetBody)> {
    let mut all = Vec::new();
    for &kind in Strategy::ALL {
        for &body in kind.fuzz_bodies() {
            let verb: &str = body.into();
            all.push((format!("{verb}_{}", kind.name().replace('-', "_")), TargetBody::Codec(body, kind)));
        }
    }
    all.extend(OWN_TARGETS.iter().map(|(n, f)| (n.to_string(), TargetBody::Fn(*f))));
    all
}

/// The committed inputs a target starts from and replays: `fuzz/seeds/<name>`,
/// except that a `bare_*` yardstick shares the seeds and regressions of its
/// `decode_*` target (same input layout), so both are measured on the same
/// inputs.
pub fn corpus_name(name: &str) -> std::borrow::Cow<'_, str> {
    match name.strip_prefix("bare_") {
        Some(subject) => format!("decode_{subject}").into(),
        None => name.into(),
    }
}

/// The body of the target called `name`, if there is one.
#[cfg(any(test, feature = "fuzzing"))]
pub fn target(name: &str) -> Option<TargetBody> {
    targets().into_iter().find(|(n, _)| n == name).map(|(_, body)| body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_feed_the_first_256_bytes_in_small_pieces_and_the_rest_in_larger_ones() {
        let stream: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
        let sizes: Vec<usize> = reads(&stream, 3).map(<[u8]>::len).collect();
        assert_eq!(reads(&stream, 3).flatten().copied().collect::<Vec<u8>>(), stream);
        // 256 = 85 x 3 + 1, then 2744 = 10 x 256 + 184.
        assert_eq!(SMALL_SPAN, 256);
        assert_eq!(sizes.len(), 86 + 11);
        assert!(sizes[..85].iter().all(|&n| n == 3) && sizes[85] == 1);
        assert!(sizes[86..96].iter().all(|&n| n == FUZZ_MAX) && sizes[96] == 184);
        assert_eq!(reads(&stream[..10], 1).count(), 10);
        assert!(reads(&stream, 256).all(|p| p.len() == 256 || p.len() == 3000 % 256));
    }

    #[test]
    fn every_target_name_is_verb_subject_and_unique() {
        let all = targets();
        let mut names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
        for n in &names {
            assert!(n.contains('_') && n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{n}");
            assert!(target(n).is_some());
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len());
        assert!(target("no_such_target").is_none());
    }
}
