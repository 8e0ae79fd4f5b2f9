//! `chunk`: the byte stream cut every `n` bytes, wherever frame boundaries
//! fall: headers and bodies arrive in pieces.

use bytes::Bytes;

/// Writes of `n` bytes (the last may be shorter), cut from `stream`
/// without copying.
pub fn writes(stream: &Bytes, n: usize) -> Vec<Bytes> {
    let n = n.max(1);
    (0..stream.len()).step_by(n).map(|i| stream.slice(i..(i + n).min(stream.len()))).collect()
}

/// Writes cut at the given stream offsets (sorted, deduplicated; offsets
/// at 0 or past the end are ignored).
pub fn at(stream: &Bytes, cuts: &[usize]) -> Vec<Bytes> {
    let mut points: Vec<usize> = cuts.iter().copied().filter(|c| *c > 0 && *c < stream.len()).collect();
    points.sort_unstable();
    points.dedup();
    let mut out = Vec::with_capacity(points.len() + 1);
    let mut start = 0;
    for p in points.into_iter().chain(std::iter::once(stream.len())) {
        out.push(stream.slice(start..p));
        start = p;
    }
    out
}
