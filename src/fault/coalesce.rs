//! `coalesce`: `n` frames (or all of them) in one write, as a program that
//! batches its sends, or as Nagle's algorithm and a late reader make happen.

use bytes::{Bytes, BytesMut};

/// Groups of `n` consecutive frames per write; `None` puts all in one.
pub fn writes(frames: &[Bytes], n: Option<usize>) -> Vec<Bytes> {
    let n = n.unwrap_or(usize::MAX).max(1);
    frames
        .chunks(n.min(frames.len().max(1)))
        .map(|group| {
            if group.len() == 1 {
                return group[0].clone();
            }
            let mut b = BytesMut::with_capacity(group.iter().map(Bytes::len).sum());
            for f in group {
                b.extend_from_slice(f);
            }
            b.freeze()
        })
        .collect()
}
