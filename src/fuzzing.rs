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
//! (`with_arbitrary`, `TARGETS`, `target`), is behind the `fuzzing`
//! feature, which `fuzz/Cargo.toml` enables; the library's own unit tests
//! (`corpus`, replaying `fuzz/seeds/` and `fuzz/regressions/` in `cargo
//! test`) get it through the `arbitrary` dev-dependency.

#[cfg(any(test, feature = "fuzzing"))]
use arbitrary::Arbitrary;
use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::check;
use crate::framing::{
    AnyCodec, DelimiterCodec, DelimiterError, DigestPolicy, HttpCodec, HttpFormat, HttpMode, JsonHeaderCodec,
    JsonHeaderFormat, LengthPrefix, LengthPrefixCodec, LengthPrefixError, NaiveCodec, RequestMethod, RespCodec,
    RespFormat,
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
    /// [`RespCodec`], depth chosen by the input.
    Resp,
    /// [`HttpCodec`], mode and default method chosen by the input.
    Http,
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
        Strategy::Resp => AnyCodec::Resp(RespCodec::new(resp_format(config))),
        Strategy::Http => {
            let mode = [HttpMode::Auto, HttpMode::Request, HttpMode::Response][config as usize % 3];
            let method = if config & 0x80 != 0 { RequestMethod::Head } else { RequestMethod::Get };
            AnyCodec::Http(HttpCodec::new(HttpFormat { mode, head_max: FUZZ_MAX, max: FUZZ_MAX, method }))
        }
    }
}

/// The RESP knobs config byte `config` picks: depth 1 to 8, [`FUZZ_MAX`].
pub fn resp_format(config: u8) -> RespFormat {
    RespFormat { max: FUZZ_MAX, depth: 1 + config as usize % 8 }
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

/// `decode_*`: arbitrary bytes fed in arbitrary chunks. The first byte
/// picks the codec's knobs, the second the chunk size; the decoder must not
/// panic, must never leave more than maximum + framing + the largest read
/// buffered, every frame must be within the maximum, the frames must not
/// add up to more bytes than were fed, and after an error that puts the
/// stream out of step the codec must stay failed.
///
/// A streaming oracle ([`check::bounded_stream`]): frames are checked and
/// dropped as they come, so the target runs near the speed of a bare
/// decode loop ([`bare`]).
pub fn decode(strategy: Strategy, data: &[u8]) {
    let Some((config, chunk, data)) = decode_input(data) else { return };
    let any = codec(strategy, config);
    let max = any.max_message();
    let slack = max + any.max_overhead();
    // Dispatch once per input, not once per decode call: the enum layer
    // costs as much as the oracle under the fuzzer's comparison tracing,
    // and chunking_* and roundtrip_* exercise it already.
    let check = Stream { strategy, config, chunk, slack, max };
    match any {
        AnyCodec::Naive(c) => check.run(c, data),
        AnyCodec::Delimiter(c) => check.run(c, data),
        AnyCodec::LengthPrefix(c) => check.run(c, data),
        AnyCodec::JsonHeader(c) => check.run(c, data),
        AnyCodec::Resp(c) => check.run(c, data),
        AnyCodec::Http(c) => check.run(c, data),
    }
}

/// The settings of one `decode_*` run.
struct Stream {
    strategy: Strategy,
    config: u8,
    chunk: usize,
    /// What may wait in the buffer besides the largest read so far:
    /// maximum + framing.
    slack: usize,
    max: usize,
}

impl Stream {
    fn run<C>(&self, mut codec: C, data: &[u8])
    where
        C: Decoder,
        C::Item: AsRef<[u8]> + std::fmt::Debug,
        C::Error: Into<crate::framing::FramingError>,
    {
        let Stream { strategy, config, chunk, slack, max } = *self;
        let got = match check::bounded_reads(&mut codec, reads(data, chunk), |largest| slack + largest, max) {
            Err(e) => panic!("{strategy:?} config {config}: {e}"),
            Ok(got) => got,
        };
        let Some(e) = got.error else { return };
        let e: crate::framing::FramingError = e.into();
        // There is no transport here: an error before the end of the
        // stream is the framing's own, and it has a name a report prints.
        let kind = e.kind();
        assert!(
            got.at_eof || kind != crate::framing::ErrorKind::Io,
            "{strategy:?} config {config}: an I/O error from a decoder with no I/O: {e}"
        );
        assert!(!kind.name().is_empty() && kind == kind.name());
        // Before the end, these codecs' errors are clean refusals (what a
        // server records as `rejected`); json-header adds digest verdicts.
        if !got.at_eof && !matches!(strategy, Strategy::JsonHeader | Strategy::Naive) {
            assert!(kind.is_rejection(), "{strategy:?} config {config}: {e} ({}) is not a rejection", kind.name());
        }
        // After an error that puts the stream out of step, the codec stays
        // failed. Naive and delimiter framing keep no failed state (a
        // delimiter codec resynchronises at the next delimiter); an error at
        // the end of the stream ends it anyway.
        if !got.at_eof && !matches!(strategy, Strategy::Naive | Strategy::Delimiter) && !e.is_recoverable() {
            let mut more = BytesMut::from(&b"\x00\x00\x00\x01x\r\n"[..]);
            let again = codec.decode(&mut more);
            assert!(again.is_err(), "{strategy:?} config {config}: decoded {:?} after the error {e}", again.ok());
        }
    }
}

/// `bare_*` (yardsticks, not run in CI): the same codec, input layout and
/// chunking as `decode_*`, in a plain loop written apart from
/// [`check::bounded_stream`], with the concrete codec instead of
/// [`AnyCodec`]: it asserts only the buffer and frame bounds and keeps
/// nothing. `scripts/fuzz-speed.sh` compares each `decode_*` with it.
pub fn bare(strategy: Strategy, data: &[u8]) {
    let Some((config, chunk, data)) = decode_input(data) else { return };
    let any = codec(strategy, config);
    let (max, slack) = (any.max_message(), any.max_message() + any.max_overhead());
    match any {
        AnyCodec::Naive(c) => bare_loop(c, data, chunk, slack, max, |f| f.len()),
        AnyCodec::Delimiter(c) => bare_loop(c, data, chunk, slack, max, |f| f.len()),
        AnyCodec::LengthPrefix(c) => bare_loop(c, data, chunk, slack, max, |f| f.len()),
        AnyCodec::JsonHeader(c) => bare_loop(c, data, chunk, slack, max, |f| f.body.len()),
        AnyCodec::Resp(c) => bare_loop(c, data, chunk, slack, max, |f| f.len()),
        AnyCodec::Http(c) => bare_loop(c, data, chunk, slack, max, |f| f.len()),
    }
}

fn bare_loop<C: Decoder>(mut c: C, data: &[u8], chunk: usize, slack: usize, max: usize, len: fn(&C::Item) -> usize) {
    let mut buf = BytesMut::new();
    let mut largest = 0;
    for piece in reads(data, chunk) {
        buf.extend_from_slice(piece);
        largest = largest.max(piece.len());
        loop {
            let before = buf.len();
            match c.decode(&mut buf) {
                // Every frame consumes at least its framing bytes: one that
                // did not would loop a FramedRead (and this loop) forever.
                Ok(Some(f)) => assert!(len(&f) <= max && buf.len() < before),
                Ok(None) => break,
                Err(_) => return,
            }
        }
        assert!(buf.len() <= slack + largest);
    }
    loop {
        let before = buf.len();
        match c.decode_eof(&mut buf) {
            Ok(Some(f)) => assert!(len(&f) <= max && buf.len() < before),
            _ => break,
        }
    }
}

/// Input of `roundtrip_*` targets.
#[derive(Debug, Clone, PartialEq, Eq)]
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
///
/// Everything is encoded into one buffer and decoded from it in place, each
/// frame compared with its message as it comes: no copy of a message, no
/// list of frames (allocations are what an ASan build pays most for).
pub fn roundtrip(strategy: Strategy, input: &RoundtripInput) {
    if strategy == Strategy::Resp {
        return roundtrip_resp(input);
    }
    let mut c = codec(strategy, input.config);
    let max = c.max_message();
    let mut wire = BytesMut::with_capacity(input.messages.iter().map(|m| m.len() + 16).sum());
    let mut accepted: Vec<&[u8]> = Vec::with_capacity(input.messages.len());
    for (i, m) in input.messages.iter().enumerate() {
        let before = wire.len();
        // Every other message goes through `Encoder<Bytes>`: both encoder
        // paths must frame alike.
        let r = if i % 2 == 1 {
            encode_bytes(&mut c, Bytes::copy_from_slice(m), &mut wire)
        } else {
            c.encode(&m[..], &mut wire)
        };
        match r {
            Ok(()) => accepted.push(m),
            Err(e) => {
                assert_eq!(wire.len(), before, "{strategy:?}: a refused message left bytes on the wire: {e}");
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
    let config = input.config;
    let mut d = codec(strategy, config);
    if strategy == Strategy::Naive {
        // No boundaries: the frames, joined, are the messages joined, and
        // each is within the maximum.
        let mut sent = accepted.iter().flat_map(|m| m.iter());
        while let Some(f) = d.decode_eof(&mut wire).unwrap_or_else(|e| panic!("naive decode failed: {e}")) {
            // An empty frame would make a FramedRead loop forever.
            assert!(!f.is_empty(), "naive framing returned an empty frame");
            assert!(f.len() <= max, "naive frame of {} bytes over the maximum {max}", f.len());
            assert!(f.iter().all(|b| Some(b) == sent.next()), "naive framing lost or reordered bytes");
        }
        assert!(sent.next().is_none(), "naive framing lost bytes");
        return;
    }
    // As `FramedRead` does: decode until "not yet", then decode_eof.
    let mut i = 0;
    let mut eof = false;
    loop {
        let r = if eof { d.decode_eof(&mut wire) } else { d.decode(&mut wire) };
        match r {
            Ok(Some(f)) => {
                let Some(m) = accepted.get(i) else {
                    panic!("{strategy:?} config {config}: encoded {} messages, decoded more: {f:?}", accepted.len())
                };
                assert!(f[..] == m[..], "{strategy:?} config {config}: message {i}: encoded {m:?}, decoded {f:?}");
                i += 1;
            }
            Ok(None) if !eof => eof = true,
            Ok(None) => break,
            Err(e) => {
                panic!("{strategy:?} config {config}: decoding failed after {i} of {} messages: {e}", accepted.len())
            }
        }
    }
    assert_eq!(i, accepted.len(), "{strategy:?} config {config}: encoded {} messages, decoded {i}", accepted.len());
}

/// `m` through the concrete codec's own `Encoder<Bytes>`.
fn encode_bytes(c: &mut AnyCodec, m: Bytes, dst: &mut BytesMut) -> Result<(), crate::framing::FramingError> {
    match c {
        AnyCodec::Naive(x) => x.encode(m, dst)?,
        AnyCodec::Delimiter(x) => x.encode(m, dst)?,
        AnyCodec::LengthPrefix(x) => x.encode(m, dst)?,
        AnyCodec::JsonHeader(x) => x.encode(m, dst)?,
        AnyCodec::Resp(x) => x.encode(m, dst)?,
        AnyCodec::Http(x) => x.encode(m, dst)?,
    }
    Ok(())
}

/// A command's words as an array of bulk strings, written independently of
/// [`RespCodec`]'s encoder (the oracle of `roundtrip_resp`).
pub fn resp_command(message: &[u8]) -> Vec<u8> {
    let words: Vec<&[u8]> = message.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty()).collect();
    let mut out = format!("*{}\r\n", words.len()).into_bytes();
    for w in words {
        out.extend_from_slice(format!("${}\r\n", w.len()).as_bytes());
        out.extend_from_slice(w);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// `roundtrip_resp`: a message that starts with a RESP type byte is sent
/// as is, or refused when it is not exactly one value the decoder takes;
/// any other message is sent as the array of its words ([`resp_command`]),
/// or refused when it has none or that array is over the maximum. The
/// stream then decodes to exactly what was sent, one frame per accepted
/// message, and a decoded frame encodes to itself.
pub fn roundtrip_resp(input: &RoundtripInput) {
    let format = resp_format(input.config);
    let mut enc = RespCodec::new(format);
    let mut wire = BytesMut::new();
    let mut sent: Vec<Vec<u8>> = Vec::new();
    for m in &input.messages {
        let before = wire.len();
        let value = m.first().is_some_and(|b| crate::framing::resp::TYPE_BYTES.contains(b));
        match enc.encode(&m[..], &mut wire) {
            Ok(()) => {
                let frame = wire[before..].to_vec();
                if value {
                    assert_eq!(&frame, m, "a RESP value was not sent as is");
                } else {
                    assert_eq!(frame, resp_command(m), "command {m:?} encoded wrongly");
                }
                sent.push(frame);
            }
            Err(e) => {
                assert_eq!(wire.len(), before, "a refused message left bytes on the wire: {e}");
                if value {
                    let alone = check::decode_chunked(&mut RespCodec::new(format), m, &[]);
                    let one = alone.error.is_none() && alone.frames.len() == 1 && alone.frames[0][..] == m[..];
                    assert!(!one, "refused {m:?}, a value the decoder takes whole: {e}");
                } else {
                    let words = resp_command(m);
                    assert!(words == b"*0\r\n" || words.len() > format.max, "refused command {m:?}: {e}");
                }
            }
        }
    }
    let got = check::decode_chunked(&mut RespCodec::new(format), &wire, &[]);
    assert_eq!(got.error, None, "config {}: the encoded stream does not decode", input.config);
    let frames: Vec<Vec<u8>> = got.frames.iter().map(|f| f.to_vec()).collect();
    assert_eq!(frames, sent, "config {}: decoded frames differ from what was sent", input.config);
    for f in &frames {
        let mut again = BytesMut::new();
        enc.encode(&f[..], &mut again).unwrap_or_else(|e| panic!("a decoded frame {f:?} does not encode: {e}"));
        assert_eq!(&again[..], &f[..], "a decoded frame does not encode to itself");
    }
}

impl RoundtripInput {
    /// The raw fuzzer input that `with_arbitrary` turns back into this
    /// value, so that a case found by a property test, or written by hand,
    /// can be saved as a seed or regression file for `roundtrip_*`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![self.config];
        put_list(&mut out, &self.messages);
        out
    }
}

/// Input of `chunking_*` targets.
#[derive(Debug, Clone, PartialEq, Eq)]
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

impl ChunkingInput {
    /// The raw fuzzer input that `with_arbitrary` turns back into this
    /// value (see [`RoundtripInput::to_bytes`]), for `chunking_*` files.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![self.config];
        put_list(&mut out, &self.messages);
        put_bytes(&mut out, &self.tail);
        for c in &self.cuts {
            out.push(1);
            out.extend_from_slice(&c.to_le_bytes());
        }
        out.push(0);
        out
    }
}

// The encoding `arbitrary` (1.5) reads for these types: a `u8` is one byte,
// a `u16` two bytes little-endian, and every element of a `Vec` (whole or
// taking the rest) is preceded by a byte whose low bit says "one more",
// the list ending at a byte with the low bit clear or at the end of the
// data. A unit test below checks the round trip, so an `arbitrary` upgrade
// that changes the format fails loudly instead of silently turning the
// committed seeds into other inputs.
//
// `arbitrary`'s derived parser reads that byte by byte through generic
// iterators and grows each message's `Vec` a byte at a time: under ASan
// and the comparison tracing that was a sixth of a `chunking_*` target's
// time. `Raw` reads the same format directly, sizing each message before
// it allocates it; `Arbitrary::arbitrary_take_rest` (what `with_arbitrary`
// calls) uses it, and a unit test checks it against `arbitrary`'s own
// field-by-field parse on random bytes.
#[cfg(any(test, feature = "fuzzing"))]
struct Raw<'a>(&'a [u8]);

#[cfg(any(test, feature = "fuzzing"))]
impl Raw<'_> {
    /// The next byte, 0 once the data is used up (as `arbitrary` pads).
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    /// `bool`: the low bit of a byte.
    fn more(&mut self) -> bool {
        self.byte() & 1 == 1
    }
    fn bytes(&mut self) -> Vec<u8> {
        // Pairs (flag, byte) while the flag's low bit is set.
        let n = self.0.chunks(2).take_while(|p| p[0] & 1 == 1).count();
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            self.byte();
            out.push(self.byte());
        }
        self.byte(); // the flag that ended the list
        out
    }
    fn list(&mut self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while self.more() {
            out.push(self.bytes());
        }
        out
    }
}

#[cfg(any(test, feature = "fuzzing"))]
impl<'a> Arbitrary<'a> for RoundtripInput {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(RoundtripInput { config: u.arbitrary()?, messages: u.arbitrary()? })
    }
    fn arbitrary_take_rest(u: arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let mut r = Raw(u.take_rest());
        let config = r.byte();
        Ok(RoundtripInput { config, messages: r.list() })
    }
}

#[cfg(any(test, feature = "fuzzing"))]
impl<'a> Arbitrary<'a> for ChunkingInput {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(ChunkingInput {
            config: u.arbitrary()?,
            messages: u.arbitrary()?,
            tail: u.arbitrary()?,
            cuts: u.arbitrary()?,
        })
    }
    fn arbitrary_take_rest(u: arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let mut r = Raw(u.take_rest());
        let config = r.byte();
        let messages = r.list();
        let tail = r.bytes();
        let mut cuts = Vec::new();
        while r.more() {
            cuts.push(u16::from_le_bytes([r.byte(), r.byte()]));
        }
        Ok(ChunkingInput { config, messages, tail, cuts })
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    for b in bytes {
        out.extend_from_slice(&[1, *b]);
    }
    out.push(0);
}

fn put_list(out: &mut Vec<u8>, list: &[Vec<u8>]) {
    for m in list {
        out.push(1);
        put_bytes(out, m);
    }
    out.push(0);
}

/// `chunking_*`: frames (and a raw tail) decoded whole and cut at
/// arbitrary points give the same frames and the same error. For naive
/// framing, where boundaries are the reads by definition, the bytes must
/// come out the same and in order.
///
/// The two decodes run in step: the whole-stream decoder is asked for its
/// next frame whenever the cut one gives a frame, so no list of frames is
/// kept; cut points are taken in order (a point at or before the previous
/// one adds no cut), as `check::chunking_invariance` does after sorting.
pub fn chunking(strategy: Strategy, input: &ChunkingInput) {
    let config = input.config;
    let mut enc = codec(strategy, config);
    let mut wire =
        BytesMut::with_capacity(input.messages.iter().map(|m| m.len() + 16).sum::<usize>() + input.tail.len());
    for m in &input.messages {
        let _ = enc.encode(&m[..], &mut wire);
    }
    wire.extend_from_slice(&input.tail);
    let wire = wire.freeze();
    let len = wire.len();
    // The end of each read: the cut points in order, then the end.
    let mut start = 0;
    let mut reads = input.cuts.iter().map(|c| *c as usize).chain([len]).filter_map(move |c| {
        let end = c.min(len);
        (end > start).then(|| {
            let r = start..end;
            start = end;
            r
        })
    });
    let mut cut = codec(strategy, config);
    let mut buf = BytesMut::with_capacity(len);
    if strategy == Strategy::Naive {
        let mut at = 0;
        let mut check = |f: BytesMut| {
            // An empty frame would make a FramedRead loop forever.
            assert!(!f.is_empty(), "naive framing returned an empty frame at {at}");
            assert!(wire.get(at..at + f.len()) == Some(&f[..]), "naive framing lost or reordered bytes at {at}");
            at += f.len();
        };
        for r in reads.by_ref() {
            buf.extend_from_slice(&wire[r]);
            while let Some(f) = cut.decode(&mut buf).unwrap_or_else(|e| panic!("naive decode failed: {e}")) {
                check(f);
            }
        }
        while let Some(f) = cut.decode_eof(&mut buf).unwrap_or_else(|e| panic!("naive decode failed: {e}")) {
            check(f);
        }
        assert_eq!(at, len, "naive framing lost bytes");
        return;
    }
    // One dispatch per input: the two decoders are the concrete codec.
    let whole = codec(strategy, config);
    let ctx = InStep { strategy, config, cuts: &input.cuts, wire: &wire };
    match (whole, cut) {
        (AnyCodec::Delimiter(w), AnyCodec::Delimiter(c)) => ctx.run(w, c, reads),
        (AnyCodec::LengthPrefix(w), AnyCodec::LengthPrefix(c)) => ctx.run(w, c, reads),
        (AnyCodec::JsonHeader(w), AnyCodec::JsonHeader(c)) => ctx.run(w, c, reads),
        (AnyCodec::Resp(w), AnyCodec::Resp(c)) => ctx.run(w, c, reads),
        (AnyCodec::Http(w), AnyCodec::Http(c)) => ctx.run(w, c, reads),
        (w, c) => ctx.run(w, c, reads),
    }
}

/// The settings of one `chunking_*` run.
struct InStep<'a> {
    strategy: Strategy,
    config: u8,
    cuts: &'a [u16],
    wire: &'a [u8],
}

impl InStep<'_> {
    fn run<C>(&self, whole: C, mut cut: C, reads: impl Iterator<Item = std::ops::Range<usize>>)
    where
        C: Decoder,
        C::Item: PartialEq + std::fmt::Debug,
        C::Error: std::fmt::Display + std::fmt::Debug,
    {
        let InStep { strategy, config, cuts, wire } = *self;
        let mut whole = Whole { codec: whole, buf: BytesMut::from(wire), done: false };
        let mut buf = BytesMut::with_capacity(wire.len());
        let mut n = 0;
        let mut compare = |got: Result<Option<C::Item>, C::Error>| -> bool {
            let want = whole.next();
            let same = match (&got, &want) {
                (Ok(a), Ok(b)) => a == b,
                (Err(a), Err(b)) => a.to_string() == b.to_string(),
                _ => false,
            };
            assert!(
                same,
                "{strategy:?} config {config}: chunking changed frame {n} (cuts {cuts:?}):\n  whole:   {want:?}\n  chunked: {got:?}"
            );
            n += 1;
            matches!(got, Ok(Some(_)))
        };
        // A decoder that returns frames without consuming would make both
        // sides agree forever: frames in a row that consumed nothing.
        let mut progress = check::Progress::default();
        for r in reads {
            buf.extend_from_slice(&wire[r]);
            loop {
                let before = buf.len();
                match cut.decode(&mut buf) {
                    Ok(None) => break,
                    got => {
                        progress.frame(before, buf.len(), "decode");
                        if !compare(got) {
                            return;
                        }
                    }
                }
            }
        }
        loop {
            let before = buf.len();
            match cut.decode_eof(&mut buf) {
                Ok(None) => break,
                got => {
                    progress.frame(before, buf.len(), "decode_eof");
                    if !compare(got) {
                        return;
                    }
                }
            }
        }
        // The cut stream ended cleanly: so must the whole one.
        compare(Ok(None));
    }
}

/// The whole-stream side of [`chunking`]: every byte is already there, so
/// each call gives the next frame, the error, or the end.
struct Whole<C> {
    codec: C,
    buf: BytesMut,
    done: bool,
}

impl<C: Decoder> Whole<C> {
    fn next(&mut self) -> Result<Option<C::Item>, C::Error> {
        if self.done {
            return Ok(None);
        }
        let r = match self.codec.decode(&mut self.buf) {
            Ok(None) => self.codec.decode_eof(&mut self.buf),
            r => r,
        };
        if !matches!(r, Ok(Some(_))) {
            self.done = true;
        }
        r
    }
}

/// `diff_slices`: the frames-as-slices API ([`crate::framing::FrameSlices`]) against the
/// `Decoder` of the same codec, over the same bytes in the same reads.
/// Input: `[strategy, config, chunk, stream...]`, the first byte picking
/// the strategy (of the six, in [`Strategy`]'s order), the rest laid out
/// as a `decode_*` input.
///
/// Both give the same frames and the same errors in the same order (an
/// error's text included), with a recoverable error (a delimiter line over
/// the maximum, a json-header digest mismatch) followed by the frames
/// after it, and a fatal one ending the stream; each `frames` call returns
/// the number of frames it handed out, and leaves the same bytes
/// buffered as the `Decoder` does after the same reads.
pub fn diff_slices(data: &[u8]) {
    const ALL: [Strategy; 6] = [
        Strategy::Naive,
        Strategy::Delimiter,
        Strategy::LengthPrefix,
        Strategy::JsonHeader,
        Strategy::Resp,
        Strategy::Http,
    ];
    let [which, rest @ ..] = data else { return };
    let Some((config, chunk, stream)) = decode_input(rest) else { return };
    let strategy = ALL[*which as usize % ALL.len()];
    let (mut by_decoder, mut by_slices) = (codec(strategy, config), codec(strategy, config));
    let same = crate::check::slices_match_decoder(
        &mut by_decoder,
        &mut by_slices,
        reads(stream, chunk),
        crate::framing::FramingError::is_recoverable,
    );
    if let Err(e) = same {
        panic!("{strategy:?} config {config}: {e}");
    }
}

/// Maximums the `diff_*` targets pick from: the small edges, and the
/// edges of a `u8` and a `u16` header.
pub const DIFF_MAXES: &[usize] = &[0, 1, 2, 7, 8, 9, 254, 255, 256, 257, 65533, 65534, 65535, 65536];

/// `diff_length_prefix`: framelab's [`LengthPrefixCodec`] against
/// tokio-util's `LengthDelimitedCodec` configured identically (width,
/// endianness, length adjustment `-width` for header-inclusive lengths,
/// maximum), fed the same bytes in the same chunks, decode call by decode
/// call. Both give the same frame, or both need more bytes, or both fail;
/// the first failure ends the stream.
///
/// Input: `[config, max, chunk, stream...]`: `config` picks the preset and
/// `includes-header` as in `decode_length_prefix`, `max` indexes
/// [`DIFF_MAXES`], `chunk` is the size of the first [`SMALL_SPAN`] bytes' reads minus one
/// ([`reads`]).
///
/// The documented differences, each a rule here and in docs/fuzzing.md:
///
/// - **L1 maximum on the body.** framelab bounds the body, tokio the raw
///   length field (before the adjustment): tokio is given
///   `max + width` when the length counts the header, so both bound the
///   body by `max`.
/// - **L2 tokio's clamp.** tokio lowers its maximum to the largest field
///   value plus the adjustment and then compares the *raw field* with it:
///   with a header-inclusive length, the raw values in
///   `(field_max - width, field_max]` are refused although their body is
///   within the maximum (a `u8` field of 255, body 254: tokio's own encoder
///   writes it and its decoder refuses it). framelab takes that frame; the
///   comparison ends there, with tokio's error.
/// - **L3 signed lengths.** tokio reads every field as unsigned. A negative
///   signed field is, unsigned, at least 2^(8 width - 1), over every
///   maximum in [`DIFF_MAXES`]: both fail, framelab with
///   `NegativeLength`, tokio with its frame-too-large error.
/// - **L4 error kinds.** framelab's `FrameTooLarge` and `NegativeLength`
///   are tokio's `InvalidData`, `LengthBelowHeader` its `InvalidInput`
///   ("would overflow after adjustment"); at the end of the stream both
///   report leftover bytes the same way.
/// - **L5 reservation.** tokio reserves the declared length (up to the
///   maximum) as soon as it reads a header; framelab reserves only what is
///   missing of a frame it accepted. Capacity is not compared.
pub fn diff_length_prefix(data: &[u8]) {
    use tokio_util::codec::LengthDelimitedCodec;
    let [config, max, chunk, stream @ ..] = data else { return };
    let (config, chunk) = (*config, 1 + *chunk as usize);
    let max = DIFF_MAXES[*max as usize % DIFF_MAXES.len()];
    let AnyCodec::LengthPrefix(lp) = codec(Strategy::LengthPrefix, config) else { unreachable!() };
    let p = LengthPrefix { max_frame: max, ..*lp.format() };
    let width = p.header_len();
    let mut ours = LengthPrefixCodec::new(p);
    let mut builder = LengthDelimitedCodec::builder();
    builder.length_field_length(width).max_frame_length(if p.includes_header { max + width } else { max });
    if p.endian == crate::framing::Endian::Little {
        builder.little_endian();
    } else {
        builder.big_endian();
    }
    if p.includes_header {
        builder.length_adjustment(-(width as isize));
    }
    let mut theirs = builder.new_codec();
    // L2: the raw values tokio refuses although framelab takes them.
    let field_max = if width == 8 { u64::MAX } else { (1u64 << (8 * width)) - 1 };
    let tokio_clamp = field_max.saturating_sub(width as u64);
    let clamped = |raw: u64| p.includes_header && raw > tokio_clamp && raw <= (max + width) as u64;
    let (mut a, mut b) = (BytesMut::new(), BytesMut::new());
    let mut head = 0; // where the next header starts in `stream`
    let mut fed = 0;
    let mut reads = reads(stream, chunk);
    loop {
        let eof = match reads.next() {
            Some(piece) => {
                a.extend_from_slice(piece);
                b.extend_from_slice(piece);
                fed += piece.len();
                false
            }
            None => true,
        };
        loop {
            let (x, y) = if eof {
                (ours.decode_eof(&mut a), theirs.decode_eof(&mut b))
            } else {
                (ours.decode(&mut a), theirs.decode(&mut b))
            };
            let raw = stream.get(head..head + width).map(|h| p.read_raw(h) as u64);
            let why = || {
                format!(
                    "{p} (tokio: max {}, adjustment {}), chunk {chunk}, {fed} bytes fed, header at {head}: framelab {x:?}, tokio {y:?}",
                    theirs.max_frame_length(),
                    if p.includes_header { -(width as i64) } else { 0 }
                )
            };
            match (&x, &y) {
                (Ok(Some(f)), Ok(Some(g))) => {
                    assert!(f == g, "diff_length_prefix: different frames: {}", why());
                    head += width + f.len();
                }
                (Ok(None), Ok(None)) => break,
                (Err(e), Err(t)) => {
                    use LengthPrefixError as L;
                    let kind_ok = match e {
                        L::FrameTooLarge { .. } | L::NegativeLength { .. } => {
                            t.kind() == std::io::ErrorKind::InvalidData
                        }
                        L::LengthBelowHeader { .. } => t.kind() == std::io::ErrorKind::InvalidInput,
                        L::Io(io) => io.kind() == t.kind() && io.to_string() == t.to_string(),
                        _ => false,
                    };
                    assert!(kind_ok, "diff_length_prefix: different errors: {}", why());
                    return;
                }
                (Ok(_), Err(_)) if raw.is_some_and(clamped) => return, // L2
                _ => panic!("diff_length_prefix: the codecs disagree: {}", why()),
            }
        }
        if eof {
            return;
        }
    }
}

/// `diff_lines`: framelab's [`DelimiterCodec`] with `\n` against
/// tokio-util's `AnyDelimiterCodec` (`\n` to seek, the same maximum) and
/// `LinesCodec` (the same maximum), fed the same bytes in the same chunks,
/// decode call by decode call. All three claim the same maximum (a line of
/// more than `max` bytes before its `\n` is an error, raised as soon as
/// `max + 1` bytes hold no `\n`) and the same discard behaviour (the error
/// once, then the rest of that line up to its `\n` is dropped and decoding
/// resumes after it), so decoding goes on after that error here.
///
/// Input: `[max, chunk, stream...]`, `max` indexing [`DIFF_MAXES`].
///
/// The documented differences, each a rule here and in docs/fuzzing.md:
///
/// - **N1 unterminated tail.** At the end of the stream, bytes with no
///   final `\n` are framelab's `Unterminated { len }` error; both tokio
///   codecs return them as a last line.
/// - **N2 `\r`.** `LinesCodec` strips one `\r` before the `\n` (and a lone
///   `\r` left at the end of the stream is no line); framelab's `\n`
///   codec and `AnyDelimiterCodec` keep it. Both still count it against the
///   maximum.
/// - **N3 UTF-8.** `LinesCodec` returns `String`s: a line that is not
///   UTF-8 is its `InvalidData` error where the others give the bytes; the
///   line is consumed and decoding goes on.
/// - **N4 error kinds.** framelab's `MaxLengthExceeded` is tokio's
///   `MaxChunkLengthExceeded` / `MaxLineLengthExceeded`.
pub fn diff_lines(data: &[u8]) {
    use tokio_util::codec::{AnyDelimiterCodec, AnyDelimiterCodecError, LinesCodec, LinesCodecError};
    let [max, chunk, stream @ ..] = data else { return };
    let (max, chunk) = (DIFF_MAXES[*max as usize % DIFF_MAXES.len()], 1 + *chunk as usize);
    let mut ours = DelimiterCodec::new(&b"\n"[..], max);
    let mut any = AnyDelimiterCodec::new_with_max_length(b"\n".to_vec(), b"\n".to_vec(), max);
    let mut lines = LinesCodec::new_with_max_length(max);
    let (mut a, mut b, mut c) = (BytesMut::new(), BytesMut::new(), BytesMut::new());
    let mut fed = 0;
    let mut reads = reads(stream, chunk);
    loop {
        let eof = match reads.next() {
            Some(piece) => {
                a.extend_from_slice(piece);
                b.extend_from_slice(piece);
                c.extend_from_slice(piece);
                fed += piece.len();
                false
            }
            None => true,
        };
        loop {
            let (x, y, z) = if eof {
                (ours.decode_eof(&mut a), any.decode_eof(&mut b), lines.decode_eof(&mut c))
            } else {
                (ours.decode(&mut a), any.decode(&mut b), lines.decode(&mut c))
            };
            let why = || {
                format!(
                    "max {max}, chunk {chunk}, {fed} bytes fed: framelab {x:?}, AnyDelimiterCodec {y:?}, LinesCodec {z:?}"
                )
            };
            // What the tokio codecs should say, from framelab's answer.
            let (line, done): (Option<&[u8]>, bool) = match &x {
                Ok(Some(f)) => (Some(&f[..]), false),
                Ok(None) => (None, true),
                Err(DelimiterError::MaxLengthExceeded { .. }) => {
                    let ok = matches!(y, Err(AnyDelimiterCodecError::MaxChunkLengthExceeded))
                        && matches!(z, Err(LinesCodecError::MaxLineLengthExceeded));
                    assert!(ok, "diff_lines: different errors: {}", why());
                    continue;
                }
                // N1: the tail is a last line for tokio.
                Err(DelimiterError::Unterminated { len }) if eof => {
                    let Ok(Some(t)) = &y else { panic!("diff_lines: N1: {}", why()) };
                    assert_eq!(t.len(), *len, "diff_lines: N1: {}", why());
                    (Some(&t[..]), true)
                }
                Err(_) => panic!("diff_lines: unexpected framelab error: {}", why()),
            };
            match line {
                None => assert!(
                    matches!((&y, &z), (Ok(None), Ok(None))),
                    "diff_lines: framelab needs more bytes, tokio does not: {}",
                    why()
                ),
                Some(l) => {
                    if x.is_ok() {
                        assert!(
                            matches!(&y, Ok(Some(t)) if t[..] == l[..]),
                            "diff_lines: AnyDelimiterCodec differs: {}",
                            why()
                        );
                    }
                    // N2, N3.
                    let stripped = l.strip_suffix(b"\r").unwrap_or(l);
                    let lone_cr_at_eof = eof && l == b"\r" && x.is_err();
                    match (&z, std::str::from_utf8(stripped)) {
                        (Ok(None), _) if lone_cr_at_eof => {}
                        (Ok(Some(s)), Ok(want)) if s == want => {}
                        (Err(LinesCodecError::Io(e)), Err(_)) if e.kind() == std::io::ErrorKind::InvalidData => {}
                        _ => panic!("diff_lines: LinesCodec differs (rules N2, N3): {}", why()),
                    }
                }
            }
            if done {
                break;
            }
        }
        if eof {
            return;
        }
    }
}

/// `parse_handshake`: arbitrary bytes as a peer's `Ready|N` line and
/// `Start` token (the handshake strategy's peer input). Input:
/// `[max, line...]`, `max` indexing [`DIFF_MAXES`]. No panic; an accepted
/// N is within the maximum, came from a line of at most
/// `MAX_READY_LINE + 1` bytes, and the line framelab writes for N parses
/// back to N; only `Start` itself starts.
pub fn parse_handshake(data: &[u8]) {
    use crate::framing::handshake::{MAX_READY_LINE, START, check_start, parse_ready, ready_line};
    let [m, line @ ..] = data else { return };
    let max = DIFF_MAXES[*m as usize % DIFF_MAXES.len()];
    match parse_ready(line, max) {
        Ok(n) => {
            assert!(n <= max && line.len() <= MAX_READY_LINE + 1, "accepted {n} from {line:?} (max {max})");
            assert_eq!(parse_ready(&ready_line(n), max), Ok(n));
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    assert_eq!(check_start(line).is_ok(), line == START, "{line:?}");
}

/// `parse_framing`: arbitrary text as a framing spec: no panic, and a spec
/// that parses prints as text that parses back to the same spec.
pub fn parse_framing(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(spec) = text.parse::<crate::framing::FramingSpec>() {
        let again: crate::framing::FramingSpec =
            spec.to_string().parse().unwrap_or_else(|e| panic!("{spec} does not reparse: {e}"));
        assert_eq!(spec, again);
        // A parsed spec always builds a codec, of the spec's maximum, and
        // prints under its strategy's name.
        let mut c = spec.codec();
        assert_eq!(c.max_message(), spec.max_message(), "{spec}: the codec's maximum differs");
        assert!(spec.to_string().starts_with(spec.strategy()), "{spec} does not start with {}", spec.strategy());
        if let crate::framing::FramingSpec::LengthPrefix(p) = &spec {
            assert!(p.to_string().starts_with(&p.shape_name()), "{p} does not start with {}", p.shape_name());
        }
        // The CLI's knobs (--read-size, --delimiter, --preset, --max-frame)
        // that restate the spec change nothing; one that does not apply to
        // the strategy is refused.
        use crate::framing::{FramingSpec as F, KnobError, Knobs};
        let restate = match &spec {
            F::Naive { read_size } | F::Udp { read_size } => Knobs { read_size: Some(*read_size), ..Knobs::default() },
            F::Delimiter { delimiter, max_length } => Knobs {
                delimiter: Some(crate::framing::escape(delimiter)),
                max_frame: Some(*max_length),
                ..Knobs::default()
            },
            F::Handshake { max_length } => Knobs { max_frame: Some(*max_length), ..Knobs::default() },
            F::LengthPrefix(p) => {
                Knobs { preset: Some(p.shape_name()), max_frame: Some(p.max_frame), ..Knobs::default() }
            }
            F::JsonHeader(j) => {
                Knobs { preset: Some(j.prefix.shape_name()), max_frame: Some(j.body_max), ..Knobs::default() }
            }
            F::Resp(r) => Knobs { max_frame: Some(r.max), ..Knobs::default() },
            F::Http(h) => Knobs { max_frame: Some(h.max), ..Knobs::default() },
        };
        assert_eq!(restate.apply(spec.clone()).as_ref(), Ok(&spec), "{spec}: knobs {restate:?} changed it");
        if !matches!(spec, F::Naive { .. } | F::Udp { .. }) {
            assert_eq!(Knobs { read_size: Some(1), ..Knobs::default() }.apply(spec.clone()), Err(KnobError::ReadSize));
        }
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
#[cfg(any(test, feature = "fuzzing"))]
pub fn with_arbitrary<T: for<'a> Arbitrary<'a>>(data: &[u8], body: impl Fn(&T)) {
    if let Ok(input) = T::arbitrary_take_rest(arbitrary::Unstructured::new(data)) {
        body(&input);
    }
}

/// A fuzz target's body, on the raw bytes the fuzzer gives.
#[cfg(any(test, feature = "fuzzing"))]
pub type TargetBody = fn(&[u8]);

/// Every target in `fuzz/fuzz_targets/`, by name, with the body it runs.
/// The `corpus` unit tests replay `fuzz/seeds/<name>/` and
/// `fuzz/regressions/<name>/` through these, and checks that this list and
/// the target files name the same targets. A new target is a line here
/// plus a file under `fuzz/fuzz_targets/` that calls the same body.
#[cfg(any(test, feature = "fuzzing"))]
pub const TARGETS: &[(&str, TargetBody)] = &[
    ("decode_naive", |d| decode(Strategy::Naive, d)),
    ("decode_delimiter", |d| decode(Strategy::Delimiter, d)),
    ("decode_length_prefix", |d| decode(Strategy::LengthPrefix, d)),
    ("decode_json_header", |d| decode(Strategy::JsonHeader, d)),
    ("roundtrip_naive", |d| with_arbitrary::<RoundtripInput>(d, |i| roundtrip(Strategy::Naive, i))),
    ("roundtrip_delimiter", |d| with_arbitrary::<RoundtripInput>(d, |i| roundtrip(Strategy::Delimiter, i))),
    ("roundtrip_length_prefix", |d| with_arbitrary::<RoundtripInput>(d, |i| roundtrip(Strategy::LengthPrefix, i))),
    ("roundtrip_json_header", |d| with_arbitrary::<RoundtripInput>(d, |i| roundtrip(Strategy::JsonHeader, i))),
    ("chunking_naive", |d| with_arbitrary::<ChunkingInput>(d, |i| chunking(Strategy::Naive, i))),
    ("chunking_delimiter", |d| with_arbitrary::<ChunkingInput>(d, |i| chunking(Strategy::Delimiter, i))),
    ("chunking_length_prefix", |d| with_arbitrary::<ChunkingInput>(d, |i| chunking(Strategy::LengthPrefix, i))),
    ("chunking_json_header", |d| with_arbitrary::<ChunkingInput>(d, |i| chunking(Strategy::JsonHeader, i))),
    ("decode_resp", |d| decode(Strategy::Resp, d)),
    ("decode_http", |d| decode(Strategy::Http, d)),
    ("roundtrip_resp", |d| with_arbitrary::<RoundtripInput>(d, |i| roundtrip(Strategy::Resp, i))),
    ("chunking_http", |d| with_arbitrary::<ChunkingInput>(d, |i| chunking(Strategy::Http, i))),
    ("bare_naive", |d| bare(Strategy::Naive, d)),
    ("bare_delimiter", |d| bare(Strategy::Delimiter, d)),
    ("bare_length_prefix", |d| bare(Strategy::LengthPrefix, d)),
    ("bare_json_header", |d| bare(Strategy::JsonHeader, d)),
    ("bare_resp", |d| bare(Strategy::Resp, d)),
    ("bare_http", |d| bare(Strategy::Http, d)),
    ("diff_length_prefix", diff_length_prefix),
    ("diff_lines", diff_lines),
    ("diff_slices", diff_slices),
    ("parse_framing", parse_framing),
    ("parse_handshake", parse_handshake),
    ("parse_scenario", parse_scenario),
    ("plan_schedule", plan_schedule),
    ("judge_claims", judge_claims),
    ("judge_sound", sound::judge_sound),
];

/// `judge_claims`: the black-box judge's reading of replies
/// ([`map_claims`](crate::judge::blackbox::map_claims)), the verdict every
/// run against anyone's server rests on, on arbitrary messages read by a
/// model server that cuts the stream anywhere and answers each piece.
///
/// Input: `[mode, n, cut × n, messages split by 0xff]`. `mode` bits 0-1
/// pick the reply (echo, upper-case, digest, length), bit 4 alters one
/// reply, bits 5-7 which one; each cut byte is, when even, the message
/// boundary `cut / 2` (modulo their number), when odd, the offset `cut / 2`
/// 128ths of the stream. With no cuts the server answers each message.
///
/// The oracle, on the naive stream (the messages back to back, where a
/// reply's place is the server's read): with C the read ends and B the
/// message ends,
/// - C = B is `intact`, C ⊊ B `coalesced`, B ⊊ C `split`;
/// - any other C is `coalesced`, `split` or `desync`, never `intact` or
///   `lost`;
/// - an altered reply (one byte, one digest byte, a length one more) is
///   never `intact`.
///
/// On the delimiter and length-prefix streams of the same messages, the
/// messages or their whole frames echoed back are `intact`, and the model
/// server's pieces give a verdict without a panic. Digest replies of the
/// messages parse back; any message read as a digest reply gives a claim
/// or `None`, never a panic.
pub fn judge_claims(data: &[u8]) {
    use crate::judge::blackbox::{Claim, Wire, map_claims};
    use crate::scenario::Verdict;
    use sha2::{Digest, Sha256};

    let [mode, n, rest @ ..] = data else { return };
    let (cut_bytes, body) = rest.split_at((*n as usize % 64).min(rest.len()));
    // At most 24 messages: the judge searches every reading, and a bare
    // length fits almost anywhere.
    let messages: Vec<Bytes> = body.split(|x| *x == 0xff).take(24).map(Bytes::copy_from_slice).collect();
    let claim = |piece: &[u8]| match mode & 3 {
        0 => Claim::Content(Bytes::copy_from_slice(piece)),
        1 => Claim::Upper(Bytes::from(piece.to_ascii_uppercase())),
        2 => Claim::Digest { len: piece.len(), sha256: Sha256::digest(piece).into() },
        _ => Claim::Len(piece.len()),
    };

    // The naive stream: the messages back to back.
    let stream: Vec<u8> = messages.concat();
    let len = stream.len();
    let mut ends: Vec<usize> = messages
        .iter()
        .scan(0, |at, m| {
            *at += m.len();
            Some(*at)
        })
        .collect();
    ends.dedup();
    ends.retain(|e| *e > 0);
    let mut cuts: Vec<usize> = if cut_bytes.is_empty() {
        ends.clone()
    } else {
        let mut c: Vec<usize> = cut_bytes
            .iter()
            .filter_map(|b| match b & 1 {
                0 => (!ends.is_empty()).then(|| ends[(*b as usize / 2) % ends.len()]),
                _ => Some(len * (*b as usize / 2) / 128),
            })
            .filter(|c| *c > 0 && *c < len)
            .collect();
        if len > 0 {
            c.push(len);
        }
        c
    };
    cuts.sort_unstable();
    cuts.dedup();
    // The model server's replies: one per piece of `stream` between cuts.
    let pieces = |stream: &[u8]| -> Vec<Claim> {
        let mut start = 0;
        let mut replies = Vec::with_capacity(cuts.len());
        for &c in &cuts {
            let c = c.min(stream.len());
            if c > start {
                replies.push(claim(&stream[start..c]));
                start = c;
            }
        }
        replies
    };
    let mut claims = pieces(&stream);
    let naive = Wire::new(&crate::framing::FramingSpec::default(), &messages, &messages)
        .expect("a naive stream maps every message");
    let got = map_claims(&naive, &claims).verdict;
    let subset = |a: &[usize], b: &[usize]| a.iter().all(|x| b.binary_search(x).is_ok());
    let want = if cuts == ends {
        Some(Verdict::Intact)
    } else if subset(&cuts, &ends) {
        Some(Verdict::Coalesced)
    } else if subset(&ends, &cuts) {
        Some(Verdict::Split)
    } else {
        None
    };
    match want {
        Some(w) => assert_eq!(got, w, "reads ending at {cuts:?}, messages at {ends:?}"),
        None => assert!(
            matches!(got, Verdict::Coalesced | Verdict::Split | Verdict::Desync),
            "reads ending at {cuts:?} cross message ends {ends:?}, judged {got:?}"
        ),
    }
    if mode & 0x10 != 0 && !claims.is_empty() {
        let i = (*mode as usize >> 5) % claims.len();
        claims[i] = match &claims[i] {
            Claim::Content(b) | Claim::Upper(b) => {
                let mut v = b.to_vec();
                v[0] ^= 1;
                if mode & 3 == 0 { Claim::Content(v.into()) } else { Claim::Upper(v.into()) }
            }
            Claim::Digest { len, sha256 } => {
                let mut sha256 = *sha256;
                sha256[0] ^= 1;
                Claim::Digest { len: *len, sha256 }
            }
            Claim::Len(n) => Claim::Len(n + 1),
        };
        let got = map_claims(&naive, &claims).verdict;
        assert_ne!(got, Verdict::Intact, "reply {} altered, reads ending at {cuts:?}", i + 1);
    }
    assert_eq!(map_claims(&naive, &[Claim::Len(usize::MAX)]).verdict, Verdict::Desync);

    // Framed streams, made by framelab's own encoders: the messages, or
    // their frames, echoed back are intact. A delimiter's frame starts
    // where its payload does; a length-prefix header may read as a payload
    // (a message of one 0 byte is also the start of its header), and then
    // the replies cannot tell: inconclusive.
    let delimited: Vec<Bytes> =
        messages.iter().map(|m| m.iter().copied().filter(|x| *x != b'\n').collect::<Bytes>()).collect();
    for (name, messages) in [("delimiter", &delimited), ("length-prefix", &messages)] {
        let spec: crate::framing::FramingSpec = name.parse().expect("a default spec");
        let mut codec = spec.codec();
        let framed: Result<Vec<Bytes>, _> = messages
            .iter()
            .map(|m| {
                let mut out = BytesMut::new();
                codec.encode(&m[..], &mut out).map(|()| out.freeze())
            })
            .collect();
        // Only a message over the default maximum is refused (a longer
        // input than libFuzzer's default gives).
        let Ok(frames) = framed else { continue };
        let wire = Wire::new(&spec, &frames, messages).expect("frames of the messages");
        // Empty messages in a row may also be a byte reader's reads of
        // delimiters (`a` | `\n` | `\n\n`, each taken off): then the
        // replies cannot tell either.
        let headers = matches!(spec, crate::framing::FramingSpec::LengthPrefix(_));
        let empties = messages.windows(2).any(|w| w[0].is_empty() && w[1].is_empty());
        let right = |v: Verdict| v == Verdict::Intact || (v == Verdict::Inconclusive && (headers || empties));
        // Every message answered, an empty one too (its frame is on the
        // wire: one with no reply was skipped or merged, issue 34).
        let each: Vec<Claim> = messages.iter().map(|m| claim(m)).collect();
        let got = map_claims(&wire, &each);
        assert!(right(got.verdict), "{spec}: each message answered, judged {} ({})", got.verdict, got.detail);
        let whole: Vec<Claim> = frames.iter().map(|f| Claim::Content(f.clone())).collect();
        let got = map_claims(&wire, &whole);
        assert!(right(got.verdict), "{spec}: each frame echoed, judged {} ({})", got.verdict, got.detail);
        // The model server's pieces of the framed stream: any verdict.
        let _ = map_claims(&wire, &pieces(&frames.concat()));
    }

    // Digest replies: those of the messages parse back; anything else
    // parses or not, without a panic.
    for m in messages.iter().take(4) {
        let reply = crate::server::handler::digest_reply(m);
        let want = Claim::Digest { len: m.len(), sha256: Sha256::digest(m).into() };
        assert_eq!(Claim::parse_digest(&reply), Some(want));
        let _ = Claim::parse_digest(m);
    }
}

/// `parse_scenario`: arbitrary text as a scenario file. No panic; an error
/// names the file and a line and column; a scenario that loads, and whose
/// payload is small, prepares its plan without panicking.
pub fn parse_scenario(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let file = std::path::Path::new("fuzz.toml");
    match crate::scenario::parse(text, file) {
        Err(e) => {
            assert_eq!(e.file, "fuzz.toml", "the error must name the file: {e}");
            assert!(e.line >= 1 && e.column >= 1, "the error must name a line and column: {e}");
        }
        Ok(sc) => {
            let generated = sc.client.generate.as_ref().map_or(0, |g| g.count.saturating_mul(g.size.max));
            let given: usize = sc.client.messages.iter().map(String::len).sum();
            if generated <= 64 * 1024 && given <= 64 * 1024 && sc.client.reset_after.is_none_or(|r| r < 1 << 20) {
                let _ = crate::scenario::prepare(&sc, 0, false);
            }
        }
    }
}

/// `plan_schedule`: schedules never lose or reorder bytes unless they are
/// meant to (`reset_after`), and the same seed gives the same plan.
///
/// Input: `[kind, a, b, flags, reset, seed (8 bytes), frames...]`, frames
/// separated by `0xff`. `kind` picks the schedule (each, coalesce,
/// chunk, drip, random, cuts) with `a` and `b` as its sizes; `flags` bit 0
/// is sync, bit 1 a reset after `reset` bytes.
pub fn plan_schedule(data: &[u8]) {
    use crate::fault::{PlanSpec, Schedule, check_plan};
    let [kind, a, b, flags, reset, rest @ ..] = data else { return };
    let (seed_bytes, body) = rest.split_at(rest.len().min(8));
    let mut seed = [0u8; 8];
    seed[..seed_bytes.len()].copy_from_slice(seed_bytes);
    let frames: Vec<Bytes> = body.split(|x| *x == 0xff).take(256).map(Bytes::copy_from_slice).collect();
    let (a, b) = (*a as usize, *b as usize);
    let schedule = match kind % 6 {
        0 => Schedule::Each,
        1 => Schedule::Coalesce((a > 0).then_some(a)),
        2 => Schedule::Chunk(a.max(1)),
        3 => Schedule::Drip,
        4 => Schedule::Random(a.max(1), a.max(1) + b),
        _ => Schedule::Cuts(vec![a, b, a + b, a * 7 % (b + 1)]),
    };
    let spec = PlanSpec {
        schedule,
        pause: std::time::Duration::ZERO,
        sync: flags & 1 != 0,
        reset_after: (flags & 2 != 0).then_some(*reset as usize),
    };
    if let Err(e) = check_plan(&frames, &spec, u64::from_le_bytes(seed)) {
        panic!("{e}");
    }
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
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, body)| *body)
}

#[cfg(test)]
mod corpus;
pub mod sound;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<T: for<'a> Arbitrary<'a> + Clone>(data: &[u8]) -> T {
        let got = std::cell::RefCell::new(None);
        with_arbitrary::<T>(data, |i| *got.borrow_mut() = Some(i.clone()));
        got.into_inner().expect("arbitrary refused the input")
    }

    #[test]
    fn roundtrip_input_bytes_parse_back_to_the_same_input() {
        for input in [
            RoundtripInput { config: 0, messages: vec![] },
            RoundtripInput { config: 7, messages: vec![vec![]] },
            RoundtripInput { config: 0x85, messages: vec![b"hello".to_vec(), vec![], vec![0xff; 300], vec![0, 1]] },
        ] {
            assert_eq!(parse::<RoundtripInput>(&input.to_bytes()), input);
        }
    }

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

    /// `Raw` against `arbitrary`'s generic parse, field by field as the
    /// derive did, on random bytes biased towards odd flags.
    #[test]
    fn raw_parser_reads_what_arbitrary_reads() {
        use arbitrary::Unstructured;
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for case in 0..5000 {
            let len = case % 97;
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    if x.is_multiple_of(3) { x as u8 } else { (x as u8) | 1 }
                })
                .collect();
            let mut u = Unstructured::new(&data);
            let config = u.arbitrary().unwrap();
            let want = RoundtripInput { config, messages: Vec::<Vec<u8>>::arbitrary_take_rest(u).unwrap() };
            assert_eq!(parse::<RoundtripInput>(&data), want, "{data:?}");
            let mut u = Unstructured::new(&data);
            let (config, messages, tail) = (u.arbitrary().unwrap(), u.arbitrary().unwrap(), u.arbitrary().unwrap());
            let want = ChunkingInput { config, messages, tail, cuts: Vec::<u16>::arbitrary_take_rest(u).unwrap() };
            assert_eq!(parse::<ChunkingInput>(&data), want, "{data:?}");
        }
    }

    #[test]
    fn chunking_input_bytes_parse_back_to_the_same_input() {
        for input in [
            ChunkingInput { config: 0, messages: vec![], tail: vec![], cuts: vec![] },
            ChunkingInput {
                config: 200,
                messages: vec![b"a\n".to_vec(), vec![], vec![9; 257]],
                tail: vec![0, 0, 0xff],
                cuts: vec![0, 1, 2, 65535, 300],
            },
        ] {
            assert_eq!(parse::<ChunkingInput>(&input.to_bytes()), input);
        }
    }

    /// Rule L2 of `diff_length_prefix`, shown on tokio-util alone: with a
    /// header-inclusive `u8` length, tokio's encoder writes a 254-byte body
    /// as the field 255, and its decoder refuses that field.
    #[test]
    fn tokio_length_delimited_refuses_its_own_u8_header_inclusive_frame() {
        use tokio_util::codec::LengthDelimitedCodec;
        let mut c = LengthDelimitedCodec::builder()
            .length_field_length(1)
            .length_adjustment(-1)
            .max_frame_length(255)
            .new_codec();
        let mut wire = BytesMut::new();
        c.encode(Bytes::from(vec![b'x'; 254]), &mut wire).unwrap();
        assert_eq!(wire[0], 255);
        assert!(c.decode(&mut wire).is_err(), "tokio-util now takes it: drop rule L2");
        // framelab takes it, and diff_length_prefix accepts the difference.
        let f = LengthPrefix { includes_header: true, max_frame: 254, ..LengthPrefix::preset("u8").unwrap() };
        let mut wire = BytesMut::from(&[255u8][..]);
        wire.extend_from_slice(&[b'x'; 254]);
        assert_eq!(LengthPrefixCodec::new(f).decode(&mut wire).unwrap().unwrap().len(), 254);
        let config = (0..=255u8).find(|c| FUZZ_PRESETS[*c as usize % FUZZ_PRESETS.len()] == "u8" && c & 0x80 != 0);
        let max = DIFF_MAXES.iter().position(|m| *m == 254).unwrap() as u8;
        let mut input = vec![config.unwrap(), max, 63, 255];
        input.extend_from_slice(&[b'x'; 254]);
        diff_length_prefix(&input);
    }

    #[test]
    fn diff_lines_accepts_the_documented_differences() {
        let max = DIFF_MAXES.iter().position(|m| *m == 8).unwrap() as u8;
        // N1 (unterminated tail), N2 (\r), N3 (not UTF-8), an over-long line.
        diff_lines(&[&[max, 2][..], b"a\r\n\xff\n123456789\nok\n\r"].concat());
        diff_lines(&[&[max, 0][..], b"tail"].concat());
    }

    #[test]
    fn every_target_name_is_verb_subject_and_unique() {
        let mut names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
        for n in &names {
            assert!(n.contains('_') && n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{n}");
            assert!(target(n).is_some());
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TARGETS.len());
        assert!(target("no_such_target").is_none());
    }
}
