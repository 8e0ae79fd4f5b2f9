//! Checks for any `tokio_util::codec` decoder and encoder, yours included.
//!
//! Call these from your own tests, property tests or fuzz targets:
//!
//! - [`round_trip`]: messages encoded then decoded come back equal.
//! - [`chunking_invariance`]: decoding a stream whole and cut at arbitrary
//!   points gives the same frames and the same error.
//! - [`bounded_buffering`]: under hostile input the decoder never leaves
//!   more than a bound of bytes waiting in its buffer, and never returns a
//!   frame over the maximum.
//! - [`bounded_stream`]: the same as a stream, frames dropped as they come
//!   (what framelab's `decode_*` fuzz targets run).
//! - [`slices_match_decoder`]: a codec's [`FrameSlices`] gives the frames,
//!   errors and counts its `Decoder` gives, and leaves the same bytes
//!   buffered, read by read.
//!
//! ```
//! use bytes::Bytes;
//! use framelab::check;
//! use tokio_util::codec::LengthDelimitedCodec;
//!
//! let msgs = vec![Bytes::from_static(b"hello"), Bytes::new()];
//! check::round_trip(LengthDelimitedCodec::new(), &msgs).unwrap();
//! let mut wire = vec![0, 0, 0, 2, b'h', b'i', 0, 0, 0];
//! check::chunking_invariance(LengthDelimitedCodec::new, &wire, &[1, 5, 7]).unwrap();
//! wire.extend_from_slice(&[0xff; 64]);
//! let bound = 8 * 1024 * 1024 + 4 + 64; // max frame + header + one chunk
//! check::bounded_buffering(LengthDelimitedCodec::new(), &wire, 64, bound, 8 << 20).unwrap();
//! ```
//!
//! Decoding follows `FramedRead`: after each chunk is appended, `decode` is
//! called until it returns `Ok(None)` or an error; the first error ends the
//! stream (as it ends a `FramedRead`); at the end `decode_eof` is called
//! until it returns `Ok(None)` or an error. A decoder that returns
//! [`STALL_LIMIT`] frames in a row without consuming a byte would make that
//! loop spin forever (as it would a `FramedRead`): the checks panic with a
//! message saying so instead of hanging.

use std::fmt::{Debug, Display};
use std::ops::ControlFlow;

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

use crate::framing::feed::{self, Call, Event};
use crate::framing::{FrameSlices, slices};

/// A failed check, with what was seen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CheckError(pub String);

/// What a decoder made of a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded<T> {
    /// Frames, in order.
    pub frames: Vec<T>,
    /// The error that ended the stream, if any (its `Display` text).
    pub error: Option<String>,
    /// The most bytes left waiting in the buffer after a decode loop.
    pub max_held: usize,
}

/// Frames in a row that a decoder may return without consuming a byte
/// before [`decode_chunked`] gives up on it: a correct decoder consumes
/// at least a delimiter or a header per frame, so even a stream of empty
/// frames makes progress on every call.
pub const STALL_LIMIT: usize = 1000;

/// Counts frames returned without consuming anything, and panics at
/// [`STALL_LIMIT`] in a row.
#[derive(Default)]
pub(crate) struct Progress {
    stalled: usize,
}

impl Progress {
    pub(crate) fn frame(&mut self, before: usize, after: usize, call: &str) {
        if after < before {
            self.stalled = 0;
            return;
        }
        self.stalled += 1;
        assert!(
            self.stalled < STALL_LIMIT,
            "the decoder made no progress: {STALL_LIMIT} frames in a row from {call} without consuming a byte \
             ({after} bytes buffered); a FramedRead would loop forever"
        );
    }

    /// [`Progress::frame`] of one call the feed driver reported.
    pub(crate) fn call(&mut self, call: Call) {
        self.frame(call.before, call.after, call.name());
    }
}

/// Decodes `stream` cut at `cuts` (offsets into the stream; unsorted and
/// out-of-range cuts are tolerated), the way `FramedRead` would.
///
/// # Panics
/// When the decoder returns [`STALL_LIMIT`] frames in a row without
/// consuming a byte (it would never return `Ok(None)`).
pub fn decode_chunked<C>(codec: &mut C, stream: &[u8], cuts: &[usize]) -> Decoded<C::Item>
where
    C: Decoder,
    C::Error: Display,
{
    let mut points: Vec<usize> = cuts.iter().map(|c| (*c).min(stream.len())).collect();
    points.push(stream.len());
    points.sort_unstable();
    points.dedup();
    let mut start = 0;
    let reads = points.into_iter().map(|end| {
        let read = &stream[start..end];
        start = end;
        read
    });
    let mut out = Decoded { frames: Vec::new(), error: None, max_held: 0 };
    let mut progress = Progress::default();
    // The first error ends the stream, as it ends a `FramedRead`.
    let _ = feed::feed(codec, &mut BytesMut::new(), reads, true, |ev| {
        match ev {
            Event::Frame(f, call) => {
                progress.call(call);
                out.frames.push(f);
            }
            Event::Error(e, _) => {
                out.error = Some(e.to_string());
                return ControlFlow::Break(());
            }
            Event::Drained(buf) => out.max_held = out.max_held.max(buf.len()),
            Event::Read(_) => {}
        }
        ControlFlow::Continue(())
    });
    out
}

/// Decodes `stream` in one piece, the way `FramedRead` would: the frames as
/// bytes, or the first error as the codec's own type (for unit tests that
/// match on the error, where [`decode_chunked`] keeps only its text).
/// Panics, as [`decode_chunked`] does, on a decoder that makes no progress.
#[cfg(test)]
pub(crate) fn decode_whole<C>(codec: &mut C, stream: &[u8]) -> Result<Vec<Vec<u8>>, C::Error>
where
    C: Decoder,
    C::Item: AsRef<[u8]>,
{
    let mut buf = BytesMut::from(stream);
    let mut out = Vec::new();
    // The stall count starts again at the stream's end.
    for eof in [false, true] {
        let mut progress = Progress::default();
        let end = feed::drain(codec, &mut buf, eof, &mut |ev| match ev {
            Event::Frame(f, call) => {
                out.push(f.as_ref().to_vec());
                progress.call(call);
                ControlFlow::Continue(())
            }
            Event::Error(e, _) => ControlFlow::Break(e),
            Event::Read(_) | Event::Drained(_) => ControlFlow::Continue(()),
        });
        if let ControlFlow::Break(e) = end {
            return Err(e);
        }
    }
    Ok(out)
}

/// Encodes `messages` into one buffer, decodes it, and checks that the
/// same messages come back, with no error and nothing left over.
pub fn round_trip<C, M>(mut codec: C, messages: &[M]) -> Result<(), CheckError>
where
    C: Decoder + Encoder<M>,
    M: Clone + Debug,
    C::Item: PartialEq<M> + Debug,
    <C as Decoder>::Error: Display,
    <C as Encoder<M>>::Error: Display,
{
    let mut wire = BytesMut::new();
    for (i, m) in messages.iter().enumerate() {
        codec
            .encode(m.clone(), &mut wire)
            .map_err(|e| CheckError(format!("encoding message {i} ({m:?}) failed: {e}")))?;
    }
    let got = decode_chunked(&mut codec, &wire, &[]);
    if let Some(e) = got.error {
        return Err(CheckError(format!(
            "decoding failed after {} of {} messages: {e}",
            got.frames.len(),
            messages.len()
        )));
    }
    if got.frames.len() != messages.len() {
        return Err(CheckError(format!(
            "encoded {} messages, decoded {}: {:?}",
            messages.len(),
            got.frames.len(),
            got.frames
        )));
    }
    for (i, (f, m)) in got.frames.iter().zip(messages).enumerate() {
        if f != m {
            return Err(CheckError(format!("message {i}: encoded {m:?}, decoded {f:?}")));
        }
    }
    Ok(())
}

/// Decodes `stream` whole with one fresh codec and cut at `cuts` with
/// another, and checks that both give the same frames and the same error.
/// Returns what the whole decode gave.
pub fn chunking_invariance<C, F>(new: F, stream: &[u8], cuts: &[usize]) -> Result<Decoded<C::Item>, CheckError>
where
    F: Fn() -> C,
    C: Decoder,
    C::Item: PartialEq + Debug,
    C::Error: Display,
{
    let whole = decode_chunked(&mut new(), stream, &[]);
    let cut = decode_chunked(&mut new(), stream, cuts);
    if whole.frames != cut.frames || whole.error != cut.error {
        return Err(CheckError(format!(
            "chunking changed the result (cuts {cuts:?}):\n  whole:   {:?} error {:?}\n  chunked: {:?} error {:?}",
            whole.frames, whole.error, cut.frames, cut.error
        )));
    }
    Ok(whole)
}

/// Feeds `input` in chunks of `chunk` bytes and checks that after every
/// decode loop at most `bound` bytes wait in the buffer (typically the
/// maximum frame plus its header: a decoder that buffers an unbounded
/// line, or trusts a huge declared length, fails), and that no frame is
/// longer than `max_frame`.
pub fn bounded_buffering<C>(
    mut codec: C,
    input: &[u8],
    chunk: usize,
    bound: usize,
    max_frame: usize,
) -> Result<Decoded<C::Item>, CheckError>
where
    C: Decoder,
    C::Item: AsRef<[u8]>,
    C::Error: Display,
{
    let chunk = chunk.max(1);
    let cuts: Vec<usize> = (chunk..input.len()).step_by(chunk).collect();
    let got = decode_chunked(&mut codec, input, &cuts);
    if got.max_held > bound {
        return Err(CheckError(format!(
            "decoder left {} bytes buffered, more than the bound of {bound}",
            got.max_held
        )));
    }
    if let Some((i, f)) = got.frames.iter().enumerate().find(|(_, f)| f.as_ref().len() > max_frame) {
        return Err(CheckError(format!("frame {i} is {} bytes, over the maximum of {max_frame}", f.as_ref().len())));
    }
    Ok(got)
}

/// What [`bounded_stream`] saw. Frames are dropped as they come: only
/// their count and total size are kept.
#[derive(Debug)]
pub struct Streamed<E> {
    /// Frames decoded.
    pub frames: usize,
    /// Their total length in bytes.
    pub frame_bytes: usize,
    /// The most bytes left waiting in the buffer after a decode loop.
    pub max_held: usize,
    /// The error that ended the stream, if any.
    pub error: Option<E>,
    /// Whether that error came from `decode_eof` (the stream's end) rather
    /// than from `decode`.
    pub at_eof: bool,
}

/// [`bounded_buffering`] as a stream: feeds `input` in chunks of `chunk`
/// bytes to `codec`, checks after every decode loop that at most `bound`
/// bytes wait in the buffer and as each frame comes that it is at most
/// `max_frame` bytes, then drops it. It keeps no frame and no cut list, so
/// a fuzz target spends its time in the decoder, not in the oracle.
///
/// It also checks that the decoder makes up no bytes: the frames plus what
/// is still buffered never exceed what was fed. That holds for every
/// decoder whose frames are bytes of its input (all of framelab's, and
/// tokio-util's); a decoder that expands its input (a decompressor) should
/// use [`bounded_buffering`] instead.
///
/// The first error ends the stream, as it ends a `FramedRead`, and is
/// returned (not formatted) in [`Streamed::error`].
pub fn bounded_stream<C>(
    codec: &mut C,
    input: &[u8],
    chunk: usize,
    bound: usize,
    max_frame: usize,
) -> Result<Streamed<C::Error>, CheckError>
where
    C: Decoder,
    C::Item: AsRef<[u8]>,
{
    bounded_reads(codec, input.chunks(chunk.max(1)), |_| bound, max_frame)
}

/// [`bounded_stream`] with the reads given one by one (`reads`), and the
/// bound as a function of the largest read so far: `bound(largest)` bytes
/// may wait in the buffer after a decode loop. framelab's `decode_*` fuzz
/// targets feed a stream's first 256 bytes in small reads and the rest in
/// larger ones (`fuzzing::reads`), with `maximum + framing + largest read` as the
/// bound.
///
/// # Panics
/// When the decoder returns [`STALL_LIMIT`] frames in a row without
/// consuming a byte (it would never return `Ok(None)`).
pub fn bounded_reads<'a, C, I, B>(
    codec: &mut C,
    reads: I,
    bound: B,
    max_frame: usize,
) -> Result<Streamed<C::Error>, CheckError>
where
    C: Decoder,
    C::Item: AsRef<[u8]>,
    I: IntoIterator<Item = &'a [u8]>,
    B: Fn(usize) -> usize,
{
    let mut got = Streamed { frames: 0, frame_bytes: 0, max_held: 0, error: None, at_eof: false };
    let mut buf = BytesMut::new();
    let mut fed = 0;
    let mut largest = 0;
    let mut progress = Progress::default();
    // Per frame only the maximum is checked (the loop the fuzzer spends its
    // time in); the bound and the byte count once per read.
    let end = feed::feed(codec, &mut buf, reads, true, |ev| {
        match ev {
            Event::Read(piece) => {
                fed += piece.len();
                largest = largest.max(piece.len());
            }
            Event::Frame(f, call) => {
                progress.call(call);
                let len = f.as_ref().len();
                if len > max_frame {
                    let frame = got.frames;
                    return ControlFlow::Break(Err(CheckError(format!(
                        "frame {frame} is {len} bytes, over the maximum of {max_frame}"
                    ))));
                }
                got.frames += 1;
                got.frame_bytes += len;
            }
            Event::Error(e, call) => {
                // The stream ends here: what is left is dropped with it.
                got.error = Some(e);
                got.at_eof = call.eof;
                return ControlFlow::Break(Ok(()));
            }
            Event::Drained(buf) => {
                if let Err(e) = held_within(&mut got, buf.len(), fed, || bound(largest)) {
                    return ControlFlow::Break(Err(e));
                }
            }
        }
        ControlFlow::Continue(())
    });
    if let ControlFlow::Break(Err(e)) = end {
        return Err(e);
    }
    made_up(&got, buf.len(), fed)?;
    Ok(got)
}

/// After a read's decode loop in [`bounded_reads`]: no bytes made up, and
/// at most `bound` bytes left waiting (the most so far kept in `got`).
fn held_within<E>(
    got: &mut Streamed<E>,
    held: usize,
    fed: usize,
    bound: impl FnOnce() -> usize,
) -> Result<(), CheckError> {
    made_up(got, held, fed)?;
    got.max_held = got.max_held.max(held);
    let bound = bound();
    if held > bound {
        return Err(CheckError(format!(
            "decoder left {held} bytes buffered after {fed} bytes, more than the bound of {bound}"
        )));
    }
    Ok(())
}

/// Feeds the same reads to `by_decoder` through its `Decoder` (decoding
/// until `Ok(None)` after each read, as `FramedRead` does) and to
/// `by_slices`, a fresh copy of the same codec, through
/// [`FrameSlices::frames`] (room made by [`slices::reserve_read`], as
/// framelab's receive loops do). After an error `recoverable` says `true`
/// for, both go on; any other error ends the stream. Returns how many
/// frames were compared.
///
/// # Errors
/// The first difference: a frame's bytes, an error's text, the count
/// `frames` returns against the frames it handed out, a stream one side
/// ended and the other did not, or the bytes left buffered after a read.
///
/// # Panics
/// When the decoder returns [`STALL_LIMIT`] frames or errors in a row
/// without consuming a byte.
pub fn slices_match_decoder<'a, C, I, R>(
    by_decoder: &mut C,
    by_slices: &mut C,
    reads: I,
    recoverable: R,
) -> Result<usize, CheckError>
where
    C: Decoder + FrameSlices<Error = <C as Decoder>::Error>,
    C::Item: AsRef<[u8]>,
    <C as Decoder>::Error: Display,
    I: IntoIterator<Item = &'a [u8]>,
    R: Fn(&<C as Decoder>::Error) -> bool,
{
    let (mut dbuf, mut sbuf) = (BytesMut::new(), BytesMut::new());
    let mut progress = Progress::default();
    // What the Decoder gave for the current read, compared one by one with
    // what `frames` gives for it.
    let mut want: Vec<Result<C::Item, String>> = Vec::new();
    let mut n = 0usize;
    for read in reads {
        dbuf.extend_from_slice(read);
        want.clear();
        let fatal = decoder_events(by_decoder, &mut dbuf, &mut progress, &recoverable, &mut want);
        slices::reserve_read(&mut sbuf, read.len());
        sbuf.extend_from_slice(read);
        if slices_give(by_slices, &mut sbuf, &want, fatal, &mut n)? {
            return Ok(n);
        }
        if sbuf[..] != dbuf[..] {
            return Err(CheckError(format!(
                "after frame {n}: {} bytes left buffered by frames, {} by the decoder",
                sbuf.len(),
                dbuf.len()
            )));
        }
    }
    Ok(n)
}

/// The `Decoder` side of one read of [`slices_match_decoder`]: `decode`
/// until `Ok(None)`, each frame or error's text pushed to `want`, decoding
/// on after an error `recoverable` says `true` for. Returns whether an
/// error ended the stream.
fn decoder_events<C, R>(
    codec: &mut C,
    buf: &mut BytesMut,
    progress: &mut Progress,
    recoverable: &R,
    want: &mut Vec<Result<C::Item, String>>,
) -> bool
where
    C: Decoder,
    C::Error: Display,
    R: Fn(&C::Error) -> bool,
{
    let end = feed::drain(codec, buf, false, &mut |ev| {
        match ev {
            Event::Frame(f, call) => {
                want.push(Ok(f));
                progress.call(call);
            }
            Event::Error(e, call) => {
                let fatal = !recoverable(&e);
                want.push(Err(e.to_string()));
                if fatal {
                    return ControlFlow::Break(());
                }
                progress.call(call);
            }
            Event::Read(_) | Event::Drained(_) => {}
        }
        ControlFlow::Continue(())
    });
    end.is_break()
}

/// The [`FrameSlices`] side of one read of [`slices_match_decoder`]:
/// `frames` called until it has handed out what the decoder gave (`want`),
/// going on after each error; `n` counts the frames compared. Returns
/// `true` when the stream ended at an error both sides gave (`fatal`).
fn slices_give<C>(
    codec: &mut C,
    buf: &mut BytesMut,
    want: &[Result<<C as Decoder>::Item, String>],
    fatal: bool,
    n: &mut usize,
) -> Result<bool, CheckError>
where
    C: Decoder + FrameSlices<Error = <C as Decoder>::Error>,
    C::Item: AsRef<[u8]>,
    <C as Decoder>::Error: Display,
{
    let mut at = 0;
    let mut differs = None;
    loop {
        let mut handed = 0;
        let r = codec.frames(buf, |f| {
            if differs.is_none() {
                match want.get(at) {
                    Some(Ok(w)) if w.as_ref() == f => {}
                    other => {
                        let other = other.map(event);
                        differs = Some(format!("frame {n}: the decoder gave {other:?}, frames gave {f:?}"));
                    }
                }
            }
            at += 1;
            *n += 1;
            handed += 1;
        });
        if let Some(d) = differs {
            return Err(CheckError(d));
        }
        match r {
            Ok(count) if count != handed => {
                return Err(CheckError(format!("frames counted {count}, handed out {handed}")));
            }
            Ok(_) => break,
            Err(e) => {
                let e = e.to_string();
                match want.get(at) {
                    Some(Err(w)) if *w == e => {}
                    other => {
                        let other = other.map(event);
                        return Err(CheckError(format!(
                            "after frame {n} the decoder gave {other:?}, frames failed: {e}"
                        )));
                    }
                }
                at += 1;
                if fatal && at == want.len() {
                    return Ok(true);
                }
            }
        }
    }
    if at != want.len() {
        let rest: Vec<_> = want[at..].iter().map(event).collect();
        return Err(CheckError(format!("frames stopped after frame {n}; the decoder went on: {rest:?}")));
    }
    if fatal {
        return Err(CheckError(format!("the decoder failed after frame {n}, frames did not")));
    }
    Ok(false)
}

/// A frame's bytes or an error's text, for a message.
fn event<T: AsRef<[u8]>>(e: &Result<T, String>) -> Result<&[u8], &str> {
    e.as_ref().map(AsRef::as_ref).map_err(String::as_str)
}

fn made_up<E>(got: &Streamed<E>, held: usize, fed: usize) -> Result<(), CheckError> {
    if got.frame_bytes + held > fed {
        return Err(CheckError(format!(
            "after {} frames the decoder returned {} bytes and holds {held}, but only {fed} were fed",
            got.frames, got.frame_bytes
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framing::{LengthPrefix, LengthPrefixCodec};
    use bytes::Buf;

    /// A length-prefix decoder with an off-by-one: it takes the body one
    /// byte short.
    struct OffByOne;
    impl Decoder for OffByOne {
        type Item = BytesMut;
        type Error = std::io::Error;
        fn decode(&mut self, src: &mut BytesMut) -> std::io::Result<Option<BytesMut>> {
            if src.len() < 4 {
                return Ok(None);
            }
            let n = u32::from_be_bytes([src[0], src[1], src[2], src[3]]) as usize;
            if src.len() < 4 + n {
                return Ok(None);
            }
            src.advance(4);
            Ok(Some(src.split_to(n.saturating_sub(1))))
        }
    }
    impl Encoder<&'static [u8]> for OffByOne {
        type Error = std::io::Error;
        fn encode(&mut self, item: &'static [u8], dst: &mut BytesMut) -> std::io::Result<()> {
            dst.extend_from_slice(&(item.len() as u32).to_be_bytes());
            dst.extend_from_slice(item);
            Ok(())
        }
    }

    /// A decoder that reads a header only once it has a whole read's worth
    /// and drops a trailing partial frame at the end of each chunk.
    struct DropsPartial;
    impl Decoder for DropsPartial {
        type Item = BytesMut;
        type Error = std::io::Error;
        fn decode(&mut self, src: &mut BytesMut) -> std::io::Result<Option<BytesMut>> {
            if src.len() < 4 {
                src.clear();
                return Ok(None);
            }
            let n = u32::from_be_bytes([src[0], src[1], src[2], src[3]]) as usize;
            if src.len() < 4 + n {
                src.clear();
                return Ok(None);
            }
            src.advance(4);
            Ok(Some(src.split_to(n)))
        }
    }

    /// A decoder that trusts the header and buffers whatever it declares.
    struct Trusting;
    impl Decoder for Trusting {
        type Item = BytesMut;
        type Error = std::io::Error;
        fn decode(&mut self, src: &mut BytesMut) -> std::io::Result<Option<BytesMut>> {
            if src.len() < 4 {
                return Ok(None);
            }
            let n = u32::from_be_bytes([src[0], src[1], src[2], src[3]]) as usize;
            if src.len() < 4 + n {
                return Ok(None);
            }
            src.advance(4);
            Ok(Some(src.split_to(n)))
        }
    }

    fn frames(msgs: &[&[u8]]) -> Vec<u8> {
        let mut w = Vec::new();
        for m in msgs {
            w.extend_from_slice(&(m.len() as u32).to_be_bytes());
            w.extend_from_slice(m);
        }
        w
    }

    #[test]
    fn round_trip_catches_an_off_by_one_body_read() {
        let msgs: Vec<&'static [u8]> = vec![b"hello", b"world"];
        // The short body read leaves a byte that desyncs the next header.
        let err = round_trip(OffByOne, &msgs).unwrap_err();
        assert!(err.0.contains("decoding failed after 1 of 2"), "{err}");
        let single: Vec<&'static [u8]> = vec![b"hello"];
        let err = round_trip(OffByOne, &single).unwrap_err();
        assert!(err.0.contains("bytes remaining"), "{err}");
    }

    #[test]
    fn chunking_invariance_catches_a_decoder_that_drops_a_partial_frame() {
        let wire = frames(&[b"abc", b"defg"]);
        assert!(chunking_invariance(|| DropsPartial, &wire, &[]).is_ok());
        let err = chunking_invariance(|| DropsPartial, &wire, &[2, 9]).unwrap_err();
        assert!(err.0.contains("chunking changed"), "{err}");
    }

    #[test]
    fn bounded_buffering_catches_a_decoder_that_trusts_the_header() {
        let mut hostile = vec![0x7f, 0xff, 0xff, 0xff];
        hostile.extend(std::iter::repeat_n(b'x', 100_000));
        let bound = 1024 + 4 + 512;
        assert!(bounded_buffering(Trusting, &hostile, 512, bound, 1024).is_err());
        let ours = LengthPrefixCodec::new(LengthPrefix { max_frame: 1024, ..LengthPrefix::default() });
        let got = bounded_buffering(ours, &hostile, 512, bound, 1024).unwrap();
        assert!(got.error.unwrap().contains("exceeds the maximum"));
    }

    #[test]
    fn bounded_stream_catches_a_decoder_that_trusts_the_header() {
        let mut hostile = vec![0x7f, 0xff, 0xff, 0xff];
        hostile.extend(std::iter::repeat_n(b'x', 100_000));
        let bound = 1024 + 4 + 512;
        let err = bounded_stream(&mut Trusting, &hostile, 512, bound, 1024).unwrap_err();
        assert!(err.0.contains("more than the bound"), "{err}");
        let mut ours = LengthPrefixCodec::new(LengthPrefix { max_frame: 1024, ..LengthPrefix::default() });
        let got = bounded_stream(&mut ours, &hostile, 512, bound, 1024).unwrap();
        assert!(got.error.unwrap().to_string().contains("exceeds the maximum"));
        // A frame over the maximum is caught as it comes.
        let wire = frames(&[&b"abc"[..], &[b'y'; 40][..]]);
        let err = bounded_stream(&mut Trusting, &wire, 7, 1000, 39).unwrap_err();
        assert!(err.0.contains("frame 1 is 40 bytes"), "{err}");
    }

    /// The limits are inclusive: a correct codec that leaves exactly `bound`
    /// bytes buffered and returns a frame of exactly `max_frame` bytes
    /// passes, and one byte less of either fails. The figures are the
    /// codec's own (`max_held`, the longest frame), so the test does not
    /// depend on how the codec reserves.
    #[test]
    fn bounds_are_inclusive_and_one_byte_under_them_fails() {
        let wire = frames(&[b"hello", b"hi", b"abcdefg"]);
        let chunk = 3;
        let free = bounded_buffering(LengthPrefixCodec::default(), &wire, chunk, usize::MAX, usize::MAX).unwrap();
        let (held, longest) = (free.max_held, 7);
        assert!(held > 0, "a 3-byte chunk leaves a partial header or body waiting");
        assert!(bounded_buffering(LengthPrefixCodec::default(), &wire, chunk, held, longest).is_ok());
        let err = bounded_buffering(LengthPrefixCodec::default(), &wire, chunk, held - 1, longest).unwrap_err();
        assert!(err.0.contains("more than the bound"), "{err}");
        let err = bounded_buffering(LengthPrefixCodec::default(), &wire, chunk, held, longest - 1).unwrap_err();
        assert!(err.0.contains("frame 2 is 7 bytes, over the maximum of 6"), "{err}");

        let mut codec = LengthPrefixCodec::default();
        let got = bounded_stream(&mut codec, &wire, chunk, held, longest).unwrap();
        assert_eq!((got.frames, got.frame_bytes, got.max_held), (3, 14, held));
        let err = bounded_stream(&mut LengthPrefixCodec::default(), &wire, chunk, held - 1, longest).unwrap_err();
        assert!(err.0.contains("more than the bound"), "{err}");
        let err = bounded_stream(&mut LengthPrefixCodec::default(), &wire, chunk, held, longest - 1).unwrap_err();
        assert!(err.0.contains("frame 2 is 7 bytes, over the maximum of 6"), "{err}");
        // At the end of the stream too: a frame that only `decode_eof`
        // gives is held to the maximum.
        let got = bounded_stream(&mut AtEof, b"abcde", 2, 5, 5).unwrap();
        assert_eq!((got.frames, got.frame_bytes, got.max_held), (1, 5, 5));
        let err = bounded_stream(&mut AtEof, b"abcde", 2, 5, 4).unwrap_err();
        assert!(err.0.contains("frame 0 is 5 bytes, over the maximum of 4"), "{err}");
    }

    /// A decoder that gives everything it holds as one frame, only at the
    /// end of the stream.
    struct AtEof;
    impl Decoder for AtEof {
        type Item = BytesMut;
        type Error = std::io::Error;
        fn decode(&mut self, _: &mut BytesMut) -> std::io::Result<Option<BytesMut>> {
            Ok(None)
        }
        fn decode_eof(&mut self, src: &mut BytesMut) -> std::io::Result<Option<BytesMut>> {
            Ok((!src.is_empty()).then(|| src.split()))
        }
    }

    /// A decoder's frames plus what it holds may equal what was fed, never
    /// exceed it.
    #[test]
    fn made_up_allows_every_byte_fed_and_not_one_more() {
        let got = Streamed::<()> { frames: 2, frame_bytes: 7, max_held: 0, error: None, at_eof: false };
        assert!(made_up(&got, 3, 10).is_ok());
        let err = made_up(&got, 4, 10).unwrap_err();
        assert!(err.0.contains("returned 7 bytes and holds 4, but only 10 were fed"), "{err}");
    }

    /// The stall count: [`STALL_LIMIT`] - 1 frames in a row without
    /// progress pass, the next one panics, and a frame that consumes
    /// starts the count again. (Broken, the loops that use it would spin
    /// forever instead of failing.)
    #[test]
    fn progress_panics_at_the_stall_limit_and_starts_again_after_progress() {
        let mut p = Progress::default();
        for _ in 0..STALL_LIMIT - 1 {
            p.frame(3, 3, "decode");
        }
        p.frame(3, 2, "decode");
        for _ in 0..STALL_LIMIT - 1 {
            p.frame(2, 2, "decode");
        }
        let hit = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| p.frame(2, 2, "decode")));
        let msg = hit.expect_err("the stall limit must panic");
        let msg = msg.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.contains("1000 frames in a row from decode"), "{msg}");
    }

    /// A decoder that makes up bytes: it returns the body twice.
    struct Inventing;
    impl Decoder for Inventing {
        type Item = Vec<u8>;
        type Error = std::io::Error;
        fn decode(&mut self, src: &mut BytesMut) -> std::io::Result<Option<Vec<u8>>> {
            let Some(f) = Trusting.decode(src)? else { return Ok(None) };
            Ok(Some([&f[..], &f[..]].concat()))
        }
    }

    #[test]
    fn bounded_stream_catches_a_decoder_that_makes_up_bytes() {
        let wire = frames(&[b"abc", b"abcdefgh"]);
        let err = bounded_stream(&mut Inventing, &wire, 3, 1000, 100).unwrap_err();
        assert!(err.0.contains("only 19 were fed"), "{err}");
        let got = bounded_stream(&mut Trusting, &wire, 3, 1000, 100).unwrap();
        assert_eq!((got.frames, got.frame_bytes, got.error.is_none()), (2, 11, true));
    }

    #[test]
    fn checks_pass_on_a_correct_codec() {
        let msgs: Vec<&[u8]> = vec![b"a", b"", b"hello world"];
        round_trip(LengthPrefixCodec::default(), &msgs).unwrap();
        let wire = frames(&msgs);
        let cuts: Vec<usize> = (0..wire.len()).collect();
        let got = chunking_invariance(LengthPrefixCodec::default, &wire, &cuts).unwrap();
        assert_eq!(got.frames.len(), 3);
    }

    /// A decoder that returns an empty frame forever without consuming:
    /// the loop must fail with a message, not hang. It bounds itself too:
    /// were the stall count broken, the test would fail with this
    /// decoder's own message at once, not spin until a timeout.
    #[derive(Default)]
    struct Stuck {
        calls: usize,
    }
    impl Decoder for Stuck {
        type Item = BytesMut;
        type Error = std::io::Error;
        fn decode(&mut self, _: &mut BytesMut) -> std::io::Result<Option<BytesMut>> {
            self.calls += 1;
            assert!(self.calls <= 10 * STALL_LIMIT, "nothing stopped a decoder that never consumes");
            Ok(Some(BytesMut::new()))
        }
    }

    #[test]
    #[should_panic(
        expected = "the decoder made no progress: 1000 frames in a row from decode without consuming a byte (3 bytes buffered)"
    )]
    fn a_decoder_that_never_consumes_fails_instead_of_hanging() {
        decode_chunked(&mut Stuck::default(), b"abc", &[]);
    }

    #[test]
    #[should_panic(
        expected = "the decoder made no progress: 1000 frames in a row from decode without consuming a byte (3 bytes buffered)"
    )]
    fn the_unit_tests_decode_loop_fails_too_instead_of_hanging() {
        let _ = decode_whole(&mut Stuck::default(), b"abc");
    }

    #[test]
    fn many_empty_frames_that_each_consume_a_byte_are_progress() {
        let wire = vec![0u8; 4 * 5000];
        let got = decode_chunked(&mut LengthPrefixCodec::default(), &wire, &[]);
        assert_eq!(got.frames.len(), 5000);
        assert_eq!(got.error, None);
    }

    /// The default length-prefix codec, its `frames` wrong in one way.
    struct BrokenSlices {
        codec: LengthPrefixCodec,
        fault: u8,
    }
    impl Decoder for BrokenSlices {
        type Item = BytesMut;
        type Error = crate::framing::LengthPrefixError;
        fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, Self::Error> {
            self.codec.decode(src)
        }
    }
    impl FrameSlices for BrokenSlices {
        type Error = crate::framing::LengthPrefixError;
        fn frames<F: FnMut(&[u8])>(&mut self, buf: &mut BytesMut, mut frame: F) -> Result<usize, Self::Error> {
            match self.fault {
                0 => self.codec.frames(buf, frame),
                1 => self.codec.frames(buf, |f| frame(&f[..f.len() - 1])),
                2 => self.codec.frames(buf, frame).map(|n| n + 1),
                4 => self
                    .codec
                    .frames(buf, frame)
                    .map_err(|_| crate::framing::LengthPrefixError::NegativeLength { declared: -1 }),
                _ => {
                    let r = self.codec.frames(buf, frame);
                    buf.clear();
                    r
                }
            }
        }
    }

    #[test]
    fn slices_match_decoder_names_each_difference() {
        let wire = b"\0\0\0\x02hi\0\0\0\x03abc";
        // The second frame's header is cut across the reads.
        let reads = [&wire[..8], &wire[8..]];
        let run = |fault| {
            let mut d = BrokenSlices { codec: LengthPrefixCodec::default(), fault };
            let mut s = BrokenSlices { codec: LengthPrefixCodec::default(), fault };
            slices_match_decoder(&mut d, &mut s, reads, |_| false)
        };
        assert_eq!(run(0), Ok(2));
        let e = run(1).unwrap_err().0;
        assert!(e.starts_with("frame 0: the decoder gave Some(Ok([104, 105])), frames gave [104]"), "{e}");
        assert_eq!(run(2).unwrap_err().0, "frames counted 2, handed out 1");
        assert_eq!(run(3).unwrap_err().0, "after frame 1: 0 bytes left buffered by frames, 2 by the decoder");
        // The same error, or another one, at the same frame.
        let over = b"\0\0\0\x02hi\xff\xff\xff\xff";
        let run = |fault| {
            let mut d = BrokenSlices { codec: LengthPrefixCodec::default(), fault };
            let mut s = BrokenSlices { codec: LengthPrefixCodec::default(), fault };
            slices_match_decoder(&mut d, &mut s, [&over[..3], &over[3..]], |_| false)
        };
        assert_eq!(run(0), Ok(1));
        let e = run(4).unwrap_err().0;
        assert!(
            e.contains("after frame 1 the decoder gave Some(Err(")
                && e.ends_with("frames failed: negative length -1 in header"),
            "{e}"
        );
    }

    /// A delimiter codec whose `frames` hands out each line one byte
    /// short, or not.
    struct Lines {
        codec: crate::framing::DelimiterCodec,
        short: bool,
    }
    impl Decoder for Lines {
        type Item = BytesMut;
        type Error = crate::framing::DelimiterError;
        fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, Self::Error> {
            self.codec.decode(src)
        }
    }
    impl FrameSlices for Lines {
        type Error = crate::framing::DelimiterError;
        fn frames<F: FnMut(&[u8])>(&mut self, buf: &mut BytesMut, mut frame: F) -> Result<usize, Self::Error> {
            let short = self.short;
            self.codec.frames(buf, |f| frame(if short { &f[..f.len().saturating_sub(1)] } else { f }))
        }
    }

    /// After an error the caller calls recoverable, the comparison goes on
    /// to the next reads: a difference after it is found.
    #[test]
    fn slices_match_decoder_goes_on_after_a_recoverable_error() {
        let reads: [&[u8]; 2] = [b"far too long\n", b"ok\n"];
        let run = |short| {
            let mk = || Lines { codec: crate::framing::DelimiterCodec::lines(4), short };
            slices_match_decoder(&mut mk(), &mut mk(), reads, |_| true)
        };
        assert_eq!(run(false), Ok(1));
        let e = run(true).unwrap_err().0;
        assert!(e.contains("frames gave [111]"), "{e}");
    }
}
