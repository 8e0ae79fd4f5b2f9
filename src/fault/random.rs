//! `random`: write sizes drawn from a range with the scenario's seeded
//! generator: the same seed gives the same cuts, byte for byte.

use bytes::Bytes;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Writes whose sizes are drawn uniformly from `min..=max`.
pub fn writes(stream: &Bytes, min: usize, max: usize, rng: &mut ChaCha8Rng) -> Vec<Bytes> {
    let min = min.max(1);
    let max = max.max(min);
    let mut out = Vec::new();
    let mut i = 0;
    // At most one write per byte: bounded, so that the loop ends even if
    // `i` stopped moving (a mutated condition would otherwise spin, filling
    // memory with empty writes, until cargo-mutants' timeout).
    for _ in 0..stream.len() {
        if i == stream.len() {
            break;
        }
        let n = rng.random_range(min..=max);
        let end = (i + n).min(stream.len());
        out.push(stream.slice(i..end));
        i = end;
    }
    out
}
