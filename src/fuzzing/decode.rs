//! `decode_*`, `bare_*` and `chunking_*`: a codec fed a stream in reads.

use std::ops::ControlFlow;

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

use super::{ChunkingInput, Strategy, codec, decode_input, reads};
use crate::check;
use crate::framing::feed::{self, Event};
use crate::framing::{AnyCodec, Codec, CodecVisitor};

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
    any.visit(Stream { strategy, config, chunk, slack, max, data })
}

/// The settings and input of one `decode_*` run.
struct Stream<'a> {
    strategy: Strategy,
    config: u8,
    chunk: usize,
    /// What may wait in the buffer besides the largest read so far:
    /// maximum + framing.
    slack: usize,
    max: usize,
    data: &'a [u8],
}

impl CodecVisitor for Stream<'_> {
    type Output = ();

    fn visit<C: Codec>(self, mut codec: C) {
        let Stream { strategy, config, chunk, slack, max, data } = self;
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
/// chunking as `decode_*`, fed by the same driver as
/// [`check::bounded_stream`] but with none of its oracle, with the concrete codec instead of
/// [`AnyCodec`]: it asserts only the buffer and frame bounds and keeps
/// nothing. `scripts/fuzz-speed.sh` compares each `decode_*` with it.
pub fn bare(strategy: Strategy, data: &[u8]) {
    let Some((config, chunk, data)) = decode_input(data) else { return };
    let any = codec(strategy, config);
    let (max, slack) = (any.max_message(), any.max_message() + any.max_overhead());
    any.visit(Bare { data, chunk, slack, max })
}

/// One `bare_*` run.
struct Bare<'a> {
    data: &'a [u8],
    chunk: usize,
    slack: usize,
    max: usize,
}

impl CodecVisitor for Bare<'_> {
    type Output = ();

    fn visit<C: Codec>(self, c: C) {
        bare_loop(c, self.data, self.chunk, self.slack, self.max, C::message_len)
    }
}

fn bare_loop<C: Decoder>(mut c: C, data: &[u8], chunk: usize, slack: usize, max: usize, len: fn(&C::Item) -> usize) {
    let mut largest = 0;
    let _ = feed::feed(&mut c, &mut BytesMut::new(), reads(data, chunk), true, |ev| {
        match ev {
            Event::Read(piece) => largest = largest.max(piece.len()),
            // Every frame consumes at least its framing bytes: one that
            // did not would loop a FramedRead (and this loop) forever.
            Event::Frame(f, call) => assert!(len(&f) <= max && call.after < call.before),
            Event::Error(..) => return ControlFlow::Break(()),
            Event::Drained(buf) => assert!(buf.len() <= slack + largest),
        }
        ControlFlow::Continue(())
    });
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
    let reads = input.cuts.iter().map(|c| *c as usize).chain([len]).filter_map(move |c| {
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
        let _ = feed::feed(&mut cut, &mut buf, reads.map(|r| &wire[r]), true, |ev| {
            match ev {
                Event::Frame(f, _) => check(f),
                Event::Error(e, _) => panic!("naive decode failed: {e}"),
                Event::Read(_) | Event::Drained(_) => {}
            }
            ControlFlow::<()>::Continue(())
        });
        assert_eq!(at, len, "naive framing lost bytes");
        return;
    }
    // One dispatch per input: the two decoders are the concrete codec.
    let whole = codec(strategy, config);
    whole.visit(InStepRun { ctx: InStep { strategy, config, cuts: &input.cuts, wire: &wire }, cut, reads })
}

/// One `chunking_*` run, given the codec that cuts the stream as read.
struct InStepRun<'a, R> {
    ctx: InStep<'a>,
    cut: AnyCodec,
    reads: R,
}

impl<R: Iterator<Item = std::ops::Range<usize>>> CodecVisitor for InStepRun<'_, R> {
    type Output = ();

    fn visit<C: Codec>(mut self, whole: C) {
        let cut = C::from_any(&mut self.cut).expect("two codecs of one strategy").clone();
        self.ctx.run(whole, cut, self.reads)
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
        let mut buf = BytesMut::with_capacity(wire.len());
        let end = feed::feed(&mut cut, &mut buf, reads.map(|r| &wire[r]), true, |ev| {
            let (got, call) = match ev {
                Event::Frame(f, call) => (Ok(Some(f)), call),
                Event::Error(e, call) => (Err(e), call),
                Event::Read(_) | Event::Drained(_) => return ControlFlow::Continue(()),
            };
            progress.call(call);
            if compare(got) { ControlFlow::Continue(()) } else { ControlFlow::Break(()) }
        });
        if end.is_break() {
            return;
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
