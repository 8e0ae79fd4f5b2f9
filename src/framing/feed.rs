//! The one loop that feeds a stream to a [`Decoder`] as `FramedRead` does:
//! each read appended to the buffer, `decode` called until it returns
//! `Ok(None)`, and at the end of the stream `decode_eof` until it returns
//! `Ok(None)`.
//!
//! What each caller does with what the decoder says (collect the frames,
//! count their bytes, compare them with another decoder, check a bound on
//! the buffer after each read) is a closure that sees every [`Event`] and
//! says whether to go on. The checks in [`crate::check`], the fuzz bodies
//! in [`crate::fuzzing`] and the codec bench in [`crate::bench::codec`]
//! all run this loop.
//!
//! It lives here, under `framing`, because every one of those imports
//! `framing` already and `framing` imports none of them: `check` and
//! `bench` can both use it without one reaching up into the other.
//!
//! Everything is generic and `#[inline]`: a closure that ignores an event
//! costs nothing once inlined, so the bench's hot loop is the loop it
//! would write by hand (no `dyn`, no allocation per frame).

use std::ops::ControlFlow;

use bytes::BytesMut;
use tokio_util::codec::Decoder;

/// One `decode` or `decode_eof` call that gave a frame or an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Call {
    /// Whether it was `decode_eof` (the stream's end) rather than `decode`.
    pub(crate) eof: bool,
    /// Bytes buffered before the call.
    pub(crate) before: usize,
    /// Bytes buffered after it.
    pub(crate) after: usize,
}

impl Call {
    /// The method called: `decode` or `decode_eof`.
    pub(crate) fn name(&self) -> &'static str {
        if self.eof { "decode_eof" } else { "decode" }
    }
}

/// What the driver tells its caller, in stream order.
#[derive(Debug)]
pub(crate) enum Event<'a, T, E> {
    /// A read, just appended to the buffer; decoding it comes next.
    Read(&'a [u8]),
    /// A frame.
    Frame(T, Call),
    /// An error. `Continue` decodes on (a recoverable error), `Break`
    /// ends the stream.
    Error(E, Call),
    /// `decode` returned `Ok(None)` after a read: the buffer, as it waits
    /// for the next read. (Not sent after `decode_eof`.)
    Drained(&'a BytesMut),
}

/// Calls `decode` (or `decode_eof`, if `eof`) on `buf` until it returns
/// `Ok(None)`, handing each frame and error to `on`; stops early when `on`
/// breaks.
#[inline]
pub(crate) fn drain<C, B, F>(codec: &mut C, buf: &mut BytesMut, eof: bool, on: &mut F) -> ControlFlow<B>
where
    C: Decoder,
    F: FnMut(Event<'_, C::Item, C::Error>) -> ControlFlow<B>,
{
    loop {
        let before = buf.len();
        let r = if eof { codec.decode_eof(buf) } else { codec.decode(buf) };
        let call = Call { eof, before, after: buf.len() };
        match r {
            Ok(Some(f)) => on(Event::Frame(f, call))?,
            Ok(None) => return ControlFlow::Continue(()),
            Err(e) => on(Event::Error(e, call))?,
        }
    }
}

/// Feeds `reads` to `codec` through `buf` (which may already hold bytes):
/// for each read, [`Event::Read`], the read appended, [`drain`] with
/// `decode`, then [`Event::Drained`]; after the last read, if `eof`,
/// [`drain`] with `decode_eof`. Returns where `on` broke, if it did.
#[inline]
pub(crate) fn feed<'r, C, I, B, F>(codec: &mut C, buf: &mut BytesMut, reads: I, eof: bool, mut on: F) -> ControlFlow<B>
where
    C: Decoder,
    I: IntoIterator<Item = &'r [u8]>,
    F: FnMut(Event<'_, C::Item, C::Error>) -> ControlFlow<B>,
{
    for read in reads {
        on(Event::Read(read))?;
        buf.extend_from_slice(read);
        drain(codec, buf, false, &mut on)?;
        on(Event::Drained(buf))?;
    }
    if eof {
        drain(codec, buf, true, &mut on)?;
    }
    ControlFlow::Continue(())
}

/// A stream already whole in `buf`: [`drain`] with `decode`, then with
/// `decode_eof`, as `FramedRead` does at the end of its input.
#[inline]
pub(crate) fn whole<C, B, F>(codec: &mut C, buf: &mut BytesMut, mut on: F) -> ControlFlow<B>
where
    C: Decoder,
    F: FnMut(Event<'_, C::Item, C::Error>) -> ControlFlow<B>,
{
    drain(codec, buf, false, &mut on)?;
    drain(codec, buf, true, &mut on)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framing::DelimiterCodec;

    /// The events of a delimiter stream cut in two, an over-long line (a
    /// recoverable error) decoded past, and the unterminated tail at the
    /// end.
    #[test]
    fn feed_reports_every_event_in_stream_order() {
        let mut codec = DelimiterCodec::lines(4);
        let mut buf = BytesMut::new();
        let mut seen = Vec::new();
        let end = feed(&mut codec, &mut buf, [&b"ab\ntoo long"[..], b"\ncd"], true, |ev| {
            seen.push(match ev {
                Event::Read(r) => format!("read {}", r.len()),
                Event::Frame(f, c) => format!("{} {:?} {}->{}", c.name(), f, c.before, c.after),
                Event::Error(e, c) => format!("{} error {e}", c.name()),
                Event::Drained(b) => format!("drained {}", b.len()),
            });
            ControlFlow::<()>::Continue(())
        });
        assert_eq!(end, ControlFlow::Continue(()));
        let want = [
            "read 11",
            "decode b\"ab\" 11->8",
            "decode error no delimiter within the maximum message length of 4 bytes; discarding up to the next delimiter",
            "drained 0",
            "read 3",
            "drained 2",
            "decode_eof error stream ended with 2 bytes and no final delimiter",
        ];
        assert_eq!(seen, want);
    }

    /// A break ends the stream at once: no more reads, no `decode_eof`.
    #[test]
    fn a_break_stops_the_feed() {
        let mut codec = DelimiterCodec::lines(64);
        let mut buf = BytesMut::new();
        let mut frames = 0;
        let end = feed(&mut codec, &mut buf, [&b"a\nb\n"[..], b"c\n"], true, |ev| match ev {
            Event::Frame(..) => {
                frames += 1;
                if frames == 2 { ControlFlow::Break(frames) } else { ControlFlow::Continue(()) }
            }
            _ => ControlFlow::Continue(()),
        });
        assert_eq!((end, &buf[..]), (ControlFlow::Break(2), &b""[..]));
        let end = whole(&mut codec, &mut BytesMut::from(&b"x\ny"[..]), |ev| match ev {
            Event::Error(_, c) => ControlFlow::Break(c.name()),
            _ => ControlFlow::Continue(()),
        });
        assert_eq!(end, ControlFlow::Break("decode_eof"));
    }
}
