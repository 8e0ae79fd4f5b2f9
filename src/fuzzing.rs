//! The bodies of the cargo-fuzz targets under `fuzz/`.
//!
//! Each target in `fuzz/fuzz_targets/` is a few lines that call one of
//! these functions, so `cargo test` replays the committed corpus and
//! regressions through exactly the same code on stable, and the property
//! tests drive the same oracles with proptest. Every function panics when
//! its oracle fails: that is what the fuzzer reports.

use arbitrary::Arbitrary;
use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::check;
use crate::framing::{
    AnyCodec, DelimiterCodec, DigestPolicy, JsonHeaderCodec, JsonHeaderFormat, LengthPrefix, LengthPrefixCodec,
    NaiveCodec,
};

/// Which codec a target exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// [`NaiveCodec`].
    Naive,
    /// [`DelimiterCodec`].
    Delimiter,
    /// [`LengthPrefixCodec`], preset chosen by the input.
    LengthPrefix,
    /// [`JsonHeaderCodec`], header preset chosen by the input.
    JsonHeader,
}

/// Length-prefix presets the targets rotate through.
pub const FUZZ_PRESETS: &[&str] = &["u32be", "i32le", "i64le", "u16be", "u8", "u64le"];

/// Small maximum used by fuzz targets, so that limits are reached often.
pub const FUZZ_MAX: usize = 256;

/// A codec of `strategy`, with knobs chosen by `config`, and a small maximum.
pub fn codec(strategy: Strategy, config: u8) -> AnyCodec {
    match strategy {
        Strategy::Naive => AnyCodec::Naive(NaiveCodec::new(1 + (config as usize % 64))),
        Strategy::Delimiter => {
            let delim: &'static [u8] = match config % 3 {
                0 => b"\n",
                1 => b"\r\n",
                _ => b"<END>",
            };
            AnyCodec::Delimiter(DelimiterCodec::new(delim, FUZZ_MAX))
        }
        Strategy::LengthPrefix => {
            let preset = FUZZ_PRESETS[config as usize % FUZZ_PRESETS.len()];
            let includes_header = config & 0x80 != 0;
            let p = LengthPrefix { max_frame: FUZZ_MAX, includes_header, ..LengthPrefix::preset(preset).unwrap() };
            AnyCodec::LengthPrefix(LengthPrefixCodec::new(p))
        }
        Strategy::JsonHeader => {
            let preset = FUZZ_PRESETS[config as usize % FUZZ_PRESETS.len()];
            let verify = if config & 0x80 != 0 { DigestPolicy::IfPresent } else { DigestPolicy::Require };
            let f = JsonHeaderFormat {
                prefix: LengthPrefix { max_frame: FUZZ_MAX, ..LengthPrefix::preset(preset).unwrap() },
                body_max: FUZZ_MAX,
                verify,
                ..JsonHeaderFormat::default()
            };
            AnyCodec::JsonHeader(JsonHeaderCodec::new(f))
        }
    }
}

/// `decode_*`: arbitrary bytes fed in arbitrary chunks. The first byte
/// picks the codec's knobs, the second the chunk size; the decoder must not
/// panic, must never leave more than maximum + framing + one chunk
/// buffered, and every frame must be within the maximum.
pub fn decode(strategy: Strategy, data: &[u8]) {
    let (config, chunk, data) = match data {
        [c, k, rest @ ..] => (*c, 1 + *k as usize, rest),
        _ => return,
    };
    let codec = codec(strategy, config);
    let max = codec.max_message();
    let bound = max + codec.max_overhead() + chunk;
    if let Err(e) = check::bounded_buffering(codec, data, chunk, bound, max) {
        panic!("{strategy:?} config {config}: {e}");
    }
}

/// Input of `roundtrip_*` targets.
#[derive(Debug, Arbitrary)]
pub struct RoundtripInput {
    /// Picks the codec's knobs.
    pub config: u8,
    /// Messages to encode.
    pub messages: Vec<Vec<u8>>,
}

/// `roundtrip_*`: messages encoded then decoded come back equal. Messages
/// the encoder refuses must be ones the format cannot carry (over the
/// maximum, or containing the delimiter); naive framing, which has no
/// boundaries, must at least give back every byte in order.
pub fn roundtrip(strategy: Strategy, input: &RoundtripInput) {
    let mut c = codec(strategy, input.config);
    let max = c.max_message();
    let mut accepted: Vec<Bytes> = Vec::new();
    for m in &input.messages {
        let mut scratch = BytesMut::new();
        match c.encode(&m[..], &mut scratch) {
            Ok(()) => accepted.push(Bytes::copy_from_slice(m)),
            Err(e) => {
                let delim_inside = match &c {
                    AnyCodec::Delimiter(d) => memchr::memmem::find(m, d.delimiter()).is_some(),
                    _ => false,
                };
                assert!(
                    m.len() > max || delim_inside,
                    "{strategy:?} refused a valid message of {} bytes: {e}",
                    m.len()
                );
            }
        }
    }
    if strategy == Strategy::Naive {
        let mut wire = BytesMut::new();
        for m in &accepted {
            c.encode(&m[..], &mut wire).unwrap();
        }
        let got = check::decode_chunked(&mut c, &wire, &[]);
        let joined: Vec<u8> = got.frames.iter().flat_map(|f| f.iter().copied()).collect();
        let sent: Vec<u8> = accepted.iter().flat_map(|m| m.iter().copied()).collect();
        assert_eq!(joined, sent, "naive framing lost or reordered bytes");
        assert!(got.frames.iter().all(|f| f.len() <= max));
        return;
    }
    if let Err(e) = check::round_trip(c, &accepted) {
        panic!("{strategy:?} config {}: {e}", input.config);
    }
}

/// Input of `chunking_*` targets.
#[derive(Debug, Arbitrary)]
pub struct ChunkingInput {
    /// Picks the codec's knobs.
    pub config: u8,
    /// Messages, framed by the codec's own encoder.
    pub messages: Vec<Vec<u8>>,
    /// Raw bytes appended after the frames (garbage, a partial frame).
    pub tail: Vec<u8>,
    /// Cut points into the stream.
    pub cuts: Vec<u16>,
}

/// `chunking_*`: frames (and a raw tail) decoded whole and cut at
/// arbitrary points give the same frames and the same error. For naive
/// framing, where boundaries are the reads by definition, the bytes must
/// come out the same and in order.
pub fn chunking(strategy: Strategy, input: &ChunkingInput) {
    let mut enc = codec(strategy, input.config);
    let mut wire = BytesMut::new();
    for m in &input.messages {
        let _ = enc.encode(&m[..], &mut wire);
    }
    wire.extend_from_slice(&input.tail);
    let cuts: Vec<usize> = input.cuts.iter().map(|c| *c as usize).collect();
    if strategy == Strategy::Naive {
        let got = check::decode_chunked(&mut codec(strategy, input.config), &wire, &cuts);
        let joined: Vec<u8> = got.frames.iter().flat_map(|f| f.iter().copied()).collect();
        assert_eq!(&joined[..], &wire[..], "naive framing lost or reordered bytes");
        return;
    }
    if let Err(e) = check::chunking_invariance(|| codec(strategy, input.config), &wire, &cuts) {
        panic!("{strategy:?} config {}: {e}", input.config);
    }
}

/// `parse_framing`: arbitrary text as a framing spec: no panic, and a spec
/// that parses prints as text that parses back to the same spec.
pub fn parse_framing(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(spec) = text.parse::<crate::framing::FramingSpec>() {
        let again: crate::framing::FramingSpec =
            spec.to_string().parse().unwrap_or_else(|e| panic!("{spec} does not reparse: {e}"));
        assert_eq!(spec, again);
        // A parsed spec always builds a codec.
        let mut c = spec.codec();
        let _ = c.decode(&mut BytesMut::from(&b"x"[..]));
    }
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
pub fn with_arbitrary<T: for<'a> Arbitrary<'a>>(data: &[u8], body: impl Fn(&T)) {
    if let Ok(input) = T::arbitrary_take_rest(arbitrary::Unstructured::new(data)) {
        body(&input);
    }
}
