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
//! json-header, RESP and HTTP decode through their `Decoder` and hand out
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
/// copy of nearly every byte.
#[inline]
pub fn reserve_read(buf: &mut BytesMut, read: usize) {
    if buf.capacity() - buf.len() >= read {
        return;
    }
    let want = READS_PER_BUFFER.saturating_mul(read).max(buf.len().saturating_add(read));
    buf.reserve(want - buf.len());
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
