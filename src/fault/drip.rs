//! `drip`: one byte per write, the worst case for a reader that assumes a
//! whole header or message per read.

use bytes::Bytes;

/// One write per byte.
pub fn writes(stream: &Bytes) -> Vec<Bytes> {
    super::chunk::writes(stream, 1)
}
