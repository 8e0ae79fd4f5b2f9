//! Frames as slices: every complete frame in a buffer handed to a callback
//! as `&[u8]`, and the buffer consumed once per batch.
//!
//! ```text
//!  reads appended            frames(buf, f)                 one advance
//! +--------------------+    f(&buf[a..b]) f(&buf[c..d]) ...  +---------+
//! | hdr frame hdr fr.. | -> (no split, no refcount)      -> | fr..    | partial frame kept
//! +--------------------+                                     +---------+
//! ```
//!
//! A [`Decoder`](tokio_util::codec::Decoder) that returns a `BytesMut` pays,
//! for every frame, `split_to` (an atomic reference count update, and a
//! shared buffer from then on) and later the frame's drop (another). For
//! small frames that is most of the cost: about 16 ns a frame on the
//! benchmark machine, where reading a 4-byte header costs 1-2 ns. The
//! [`FrameSlices`] API skips both: the frames are borrowed from the buffer
//! while the callback runs, and the buffer is advanced once, past all of
//! them, when the batch is done. A frame that must outlive the callback is
//! copied out by the caller (`Bytes::copy_from_slice`), which for small
//! frames is still cheaper than a split.
//!
//! Every strategy's codec implements it ([`AnyCodec`](super::AnyCodec)
//! too), with the same limits, the same errors, in the same order, as its
//! `Decoder`: for the same bytes cut into reads anywhere, the frames and
//! errors are the ones `decode` would give (a property test checks it).
//! length-prefix, delimiter and naive scan the buffer in place;
//! json-header and the request/answer protocols decode through their `Decoder` and hand out
//! the item's bytes (same results, no speed-up).
//!
//! ```
//! use bytes::BytesMut;
//! use framelab::framing::{FrameSlices, LengthPrefixCodec, slices};
//!
//! let mut codec = LengthPrefixCodec::default();
//! let mut buf = BytesMut::new();
//! let mut seen = Vec::new();
//! for read in [&b"\0\0\0\x02hi\0\0"[..], &b"\0\x03you"[..]] {
//!     slices::reserve_read(&mut buf, read.len());
//!     buf.extend_from_slice(read); // or socket.read_buf(&mut buf)
//!     codec.frames(&mut buf, |frame| seen.push(frame.to_vec())).unwrap();
//! }
//! assert_eq!(seen, [b"hi".to_vec(), b"you".to_vec()]);
//! assert!(buf.is_empty());
//! ```
//!
//! # Limits
//!
//! As the codec's `Decoder`: a frame over the maximum is an error before
//! any of its body is awaited, and memory is reserved only for the part
//! still missing of a frame already accepted as within the maximum.
//! [`reserve_read`] keeps the buffer at a few reads' worth, growing only
//! when a partial frame is longer than the bytes already consumed in front
//! of it, so the buffer stays below about twice the largest frame the codec
//! accepts plus [`READS_PER_BUFFER`] reads.

use bytes::BytesMut;

/// Complete frames of a buffer as slices. See the [module docs](self).
pub trait FrameSlices {
    /// The codec's decode error (the same type its `Decoder` returns).
    type Error;

    /// Calls `frame` with every complete frame at the front of `buf`, in
    /// order, then removes them (and their framing bytes) from `buf` with
    /// one `advance`; returns how many frames were handed out. Bytes of a
    /// frame not yet complete stay in `buf` for the next call.
    ///
    /// # Errors
    /// The error `decode` would return at the same point of the stream.
    /// Frames before it have been handed out and consumed; the codec is
    /// left in the state its `Decoder` would be in (failed for good after
    /// a length-prefix error; discarding the rest of an over-long line
    /// after a delimiter error, so a later call goes on).
    fn frames<F: FnMut(&[u8])>(&mut self, buf: &mut BytesMut, frame: F) -> Result<usize, Self::Error>;

    /// The bytes still to come of the frame in progress, when its length is
    /// already known (a length-prefix header read, say) and `buf` holds the
    /// rest of what has come of it; `None` when the codec does not know
    /// (the default), or waits for a header. For [`reserve_read_for`].
    fn missing(&self, buf: &BytesMut) -> Option<usize> {
        let _ = buf;
        None
    }
}

/// Reads' worth of room [`reserve_read`] asks for when it must move or grow
/// the buffer: 4, so that the partial frame left at the end of a batch is
/// moved to the front at most once every three reads or so, instead of
/// once per read as a buffer just one read larger would.
pub const READS_PER_BUFFER: usize = 4;

/// Makes room for a read of `read` bytes at the end of `buf`, the way the
/// [`FrameSlices`] API (and framelab's own receive loops) want it: nothing
/// when there is room; otherwise one `reserve` of [`READS_PER_BUFFER`]
/// reads' worth, which moves a short partial frame to the front of the
/// existing allocation (bytes keeps it when `buf` is its only owner) or,
/// when the partial frame is longer than what was consumed before it,
/// grows the allocation.
///
/// With a plain `reserve(read)` per read (what `FramedRead` and most
/// receive loops do), a buffer about one read large moves its partial frame
/// on almost every read: with 64 KiB frames in 64 KiB reads that is a second
/// copy of nearly every byte. For frames longer than a read, use
/// [`reserve_read_for`].
#[inline]
pub fn reserve_read(buf: &mut BytesMut, read: usize) {
    if buf.capacity() - buf.len() >= read {
        return;
    }
    let want = READS_PER_BUFFER.saturating_mul(read).max(buf.len().saturating_add(read));
    buf.reserve(want - buf.len());
}

/// [`reserve_read`] for a frame whose length the codec already knows:
/// `missing` is [`FrameSlices::missing`], the bytes still to come of a
/// frame whose header has been read. Returns how many bytes to read now:
/// `read`, or, when that frame is longer than a read so far (`buf` holds
/// more than `read` bytes of it) and the room left holds the rest of it
/// but not a whole read, just that room.
///
/// The codec reserved the rest of the frame when it read the header (only
/// after checking it against the maximum). Making room for a whole read at
/// the end of such a frame would move it to the front of the buffer, or
/// grow the allocation under it: a copy of all of it, once more for every
/// byte of a frame larger than a read. Reading into the room already there
/// completes the frame where it is; the next read starts a new frame, and
/// the short partial frame left then is what moves.
///
/// A partial frame no longer than a read is cheaper to move than to read
/// around: the room left behind it can be a few bytes, and reading only
/// those would cut every read short in a buffer the codec keeps just large
/// enough for its frames. So for it this is [`reserve_read`].
///
/// ```
/// use bytes::BytesMut;
/// use framelab::framing::{FrameSlices, LengthPrefixCodec, slices};
///
/// let mut codec = LengthPrefixCodec::default();
/// let mut buf = BytesMut::new();
/// buf.extend_from_slice(&[0, 1, 0, 0]); // a 65,536-byte frame's header
/// codec.frames(&mut buf, |_| {}).unwrap(); // reads it, reserves the body
/// assert_eq!(codec.missing(&buf), Some(65_536));
/// buf.extend_from_slice(&[7; 65_000]);
/// // 536 bytes of the frame to come, fewer than a read: read only those.
/// let missing = codec.missing(&buf);
/// let n = slices::reserve_read_for(&mut buf, 4096, missing);
/// assert!((536..4096).contains(&n));
/// ```
#[inline]
pub fn reserve_read_for(buf: &mut BytesMut, read: usize, missing: Option<usize>) -> usize {
    let room = buf.capacity() - buf.len();
    match missing {
        // The rest of a frame longer than a read fits: no reservation, and
        // a read of at most `read` bytes.
        Some(m) if m > 0 && room >= m && buf.len() > read => room.min(read),
        _ => {
            reserve_read(buf, read);
            read
        }
    }
}

/// [`FrameSlices::frames`] through a `Decoder`, for codecs that do not
/// scan in place: each item's bytes (`bytes(&item)`) handed to `frame`.
pub(crate) fn via_decoder<D, F>(
    codec: &mut D,
    buf: &mut BytesMut,
    mut frame: F,
    bytes: impl Fn(&D::Item) -> &[u8],
) -> Result<usize, D::Error>
where
    D: tokio_util::codec::Decoder,
    F: FnMut(&[u8]),
{
    let mut count = 0;
    let mut left = buf.len();
    while let Some(item) = codec.decode(buf)? {
        // Every frame consumes at least its framing bytes; a decoder that
        // returned one without consuming would loop here forever.
        debug_assert!(buf.len() < left, "the decoder returned a frame without consuming a byte");
        left = buf.len();
        frame(bytes(&item));
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A buffer of exactly `cap` bytes holding `len` bytes.
    fn holding(cap: usize, len: usize) -> BytesMut {
        let mut buf = BytesMut::with_capacity(cap);
        buf.extend_from_slice(&vec![9; len]);
        assert_eq!(buf.capacity(), cap, "the allocator rounded the capacity");
        buf
    }

    #[test]
    fn reserve_read_for_reads_into_the_room_that_holds_the_rest_of_a_frame() {
        // The room holds the 400 missing bytes, not a read: read into it.
        let mut buf = holding(1500, 1001);
        let at = buf.as_ptr();
        assert_eq!(reserve_read_for(&mut buf, 1000, Some(400)), 499);
        assert_eq!((buf.as_ptr(), buf.capacity()), (at, 1500));
        assert_eq!(reserve_read_for(&mut buf, 1000, Some(499)), 499);
        // A partial frame no longer than a read (here exactly a read) is
        // moved rather than read around.
        let mut buf = holding(1500, 1000);
        assert_eq!(reserve_read_for(&mut buf, 1000, Some(400)), 1000);
        assert!(buf.capacity() - buf.len() >= 1000);
        // More missing than the room holds, nothing missing, or no frame
        // known: room for a whole read.
        for missing in [Some(500), Some(0), None] {
            let mut buf = holding(1500, 1001);
            assert_eq!(reserve_read_for(&mut buf, 1000, missing), 1000, "{missing:?}");
            assert!(buf.capacity() - buf.len() >= 1000, "{missing:?}: room {}", buf.capacity() - buf.len());
            assert_eq!(buf.len(), 1001);
        }
        // A whole read fits (exactly): nothing done.
        let mut buf = holding(2000, 1000);
        assert_eq!(reserve_read_for(&mut buf, 1000, Some(10)), 1000);
        assert_eq!(reserve_read_for(&mut buf, 1000, Some(1000)), 1000);
        assert_eq!(buf.capacity(), 2000);
        let mut buf = holding(3000, 1000);
        assert_eq!(reserve_read_for(&mut buf, 1000, Some(10)), 1000, "more room than a read: a read");
    }

    #[test]
    fn codecs_that_do_not_know_a_frames_length_say_none_in_the_middle_of_one() {
        use crate::framing::{DelimiterCodec, JsonHeaderCodec, NaiveCodec};

        let mut buf = BytesMut::from(&b"a line without its end"[..]);
        let mut lines = DelimiterCodec::lines(1024);
        assert_eq!(lines.frames(&mut buf, |_| {}).unwrap(), 0);
        assert_eq!((buf.len(), lines.missing(&buf)), (22, None));
        assert_eq!(NaiveCodec::new(64).missing(&buf), None);
        let mut json = JsonHeaderCodec::default();
        let mut half = BytesMut::from(&b"\0\0\0\x40{\"a\""[..]);
        assert_eq!(json.frames(&mut half, |_| {}).unwrap(), 0);
        assert_eq!(json.missing(&half), None);
    }

    #[test]
    fn any_codec_says_what_the_codec_it_wraps_says() {
        use crate::framing::FramingSpec;

        let mut lp = "length-prefix".parse::<FramingSpec>().unwrap().codec();
        let mut buf = BytesMut::from(&b"\0\0\0\x0aabc"[..]);
        assert_eq!(lp.frames(&mut buf, |_| {}).unwrap(), 0);
        assert_eq!(lp.missing(&buf), Some(7));
        let mut lines = "delimiter".parse::<FramingSpec>().unwrap().codec();
        let mut buf = BytesMut::from(&b"abc"[..]);
        assert_eq!(lines.frames(&mut buf, |_| {}).unwrap(), 0);
        assert_eq!(lines.missing(&buf), None);
    }

    /// Frames of `sizes` through `frames`, read `read` bytes at a time as
    /// [`reserve_read_for`] says; fails when a partial frame longer than a
    /// read moves, or a read does not fit the room made for it.
    fn arrive(sizes: &[usize], read: usize) {
        use tokio_util::codec::Encoder;

        use crate::framing::LengthPrefixCodec;

        let mut codec = LengthPrefixCodec::default();
        let mut wire = BytesMut::new();
        for (i, &n) in sizes.iter().enumerate() {
            codec.encode(&vec![i as u8; n][..], &mut wire).unwrap();
        }
        let largest = sizes.iter().copied().max().unwrap_or(0);
        let (mut buf, mut rest, mut got) = (BytesMut::new(), &wire[..], Vec::new());
        while !rest.is_empty() {
            let before = (buf.as_ptr(), buf.len());
            let missing = codec.missing(&buf);
            let n = reserve_read_for(&mut buf, read, missing).min(rest.len());
            assert!((1..=read).contains(&n), "asked to read {n}");
            if n < read && n < rest.len() {
                assert!(before.1 > read, "a read cut to {n} bytes behind a partial frame of {}", before.1);
            }
            if before.1 > read {
                assert_eq!(buf.as_ptr(), before.0, "a partial frame of {} bytes was moved", before.1);
            }
            let at = buf.as_ptr();
            buf.extend_from_slice(&rest[..n]);
            assert_eq!(buf.as_ptr(), at, "the read did not fit the room made for it");
            rest = &rest[n..];
            codec.frames(&mut buf, |f| got.push((f.len(), f[0]))).unwrap();
            assert!(buf.capacity() <= 2 * (largest + 4) + READS_PER_BUFFER * read, "buffer {}", buf.capacity());
        }
        let want: Vec<(usize, u8)> = sizes.iter().enumerate().map(|(i, &n)| (n, i as u8)).collect();
        assert_eq!(got, want);
        assert!(buf.is_empty());
    }

    #[test]
    fn a_frame_longer_than_a_read_is_not_moved_while_it_arrives() {
        let growing: Vec<usize> = (0..20).map(|i| 10_000 + i * 37).collect();
        arrive(&growing, 1000);
        arrive(&[1 << 20; 6], 64 * 1024);
        arrive(&[3 * 4096 + 5; 30], 4096);
        arrive(&[100, 50_000, 7, 50_000, 3], 1000);
        // Frames shorter than a read, whose reserved bodies leave little
        // room: whole reads all the same.
        arrive(&[1000; 200], 4096);
        arrive(&(1..300).collect::<Vec<_>>(), 4096);
    }

    #[test]
    fn reserve_read_keeps_room_for_a_read_and_reuses_the_allocation() {
        let mut buf = BytesMut::new();
        reserve_read(&mut buf, 1000);
        assert!(buf.capacity() >= READS_PER_BUFFER * 1000);
        let cap = buf.capacity();
        for _ in 0..100 {
            reserve_read(&mut buf, 1000);
            assert!(buf.capacity() <= cap, "grown to {} from {cap}", buf.capacity());
            assert!(buf.capacity() - buf.len() >= 1000);
            buf.extend_from_slice(&[7; 1000]);
            // Consume all but a short partial frame.
            let keep = 10;
            bytes::Buf::advance(&mut buf, 1000 - keep);
            assert!(buf.len() < 2000);
        }
    }
}
