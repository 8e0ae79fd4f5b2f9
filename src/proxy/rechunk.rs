//! Re-chunking a byte stream with a [`Schedule`]: pure state, no I/O, so
//! the cuts are testable without sockets. The proxy's pump (`proxy::pump`, private) asks
//! [`Rechunker::next_write`] how many of the bytes it holds to write next.
//!
//! A stream has no frames, so the schedules mean:
//!
//! | schedule | writes |
//! |---|---|
//! | `each` | whatever has arrived, as soon as it arrives (one write per read, or per batch read during a pause) |
//! | `coalesce` | everything until the sender has been quiet for `hold`, or closes, or [`COALESCE_MAX`] is held |
//! | `coalesce:N` | N reads together (or less, after `hold` of quiet or at the end) |
//! | `chunk:N` | N bytes per write; a shorter rest after `hold` of quiet or at the end |
//! | `drip` | `chunk:1` |
//! | `random:MIN-MAX` | sizes drawn from MIN..=MAX with the seed; a shorter rest after `hold` or at the end |
//! | `cuts:A,B` | a write boundary at these offsets of the stream; bytes in between pass as they arrive |
//!
//! Every schedule passes every byte, in order.

use bytes::Bytes;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::fault::Schedule;

/// Most bytes one `coalesce` write holds back.
pub const COALESCE_MAX: usize = 4 << 20;

/// The state of one direction's schedule.
#[derive(Debug, Clone)]
pub struct Rechunker {
    schedule: Schedule,
    rng: ChaCha8Rng,
    /// Reads gathered since the last write (`coalesce:N`).
    reads: usize,
    /// The drawn size of the next `random` write.
    next: Option<usize>,
    /// Bytes written so far (`cuts`).
    offset: u64,
    /// Sorted cut offsets still ahead.
    cuts: Vec<u64>,
}

impl Rechunker {
    /// A rechunker for `schedule`, its random sizes drawn from `seed`.
    pub fn new(schedule: Schedule, seed: u64) -> Self {
        let mut cuts: Vec<u64> = match &schedule {
            Schedule::Cuts(c) => c.iter().map(|c| *c as u64).filter(|c| *c > 0).collect(),
            _ => Vec::new(),
        };
        cuts.sort_unstable();
        cuts.dedup();
        cuts.reverse();
        Rechunker { schedule, rng: crate::fault::rng(seed), reads: 0, next: None, offset: 0, cuts }
    }

    /// A read has added bytes.
    pub fn on_read(&mut self) {
        self.reads = self.reads.saturating_add(1);
    }

    /// Whether bytes may be held back waiting for more (then the pump
    /// writes them after `hold` of quiet).
    pub fn holds(&self) -> bool {
        !matches!(self.schedule, Schedule::Each | Schedule::Cuts(_))
    }

    /// The size of the next write out of `pending` held bytes, or `None`
    /// to wait for more. `flush`: the sender has been quiet for `hold` or
    /// has closed, so whatever is held goes out.
    pub fn next_write(&mut self, pending: usize, flush: bool) -> Option<usize> {
        if pending == 0 {
            return None;
        }
        let n = match self.schedule {
            Schedule::Each => pending,
            Schedule::Coalesce(k) => {
                let enough = k.is_some_and(|k| self.reads >= k.max(1));
                if !(enough || flush || pending >= COALESCE_MAX) {
                    return None;
                }
                self.reads = 0;
                pending.min(COALESCE_MAX)
            }
            Schedule::Chunk(size) => Self::sized(pending, size.max(1), flush)?,
            Schedule::Drip => 1,
            Schedule::Random(min, max) => {
                let (min, max) = (min.max(1), max.max(min.max(1)));
                let rng = &mut self.rng;
                let size = *self.next.get_or_insert_with(|| rng.random_range(min..=max));
                let n = Self::sized(pending, size, flush)?;
                self.next = None;
                n
            }
            Schedule::Cuts(_) => {
                while self.cuts.last().is_some_and(|c| *c <= self.offset) {
                    self.cuts.pop();
                }
                match self.cuts.last() {
                    Some(c) => pending.min(usize::try_from(c - self.offset).unwrap_or(usize::MAX)),
                    None => pending,
                }
            }
        };
        self.offset += n as u64;
        Some(n)
    }

    fn sized(pending: usize, size: usize, flush: bool) -> Option<usize> {
        if pending >= size {
            Some(size)
        } else if flush {
            Some(pending)
        } else {
            None
        }
    }
}

/// The writes a rechunker makes of `reads` arriving one after another,
/// each followed by `hold` of quiet when `quiet_after_each`, and the end
/// of the stream after the last: a model of the pump for tests.
pub fn simulate(schedule: &Schedule, seed: u64, reads: &[Bytes], quiet_after_each: bool) -> Vec<Bytes> {
    let mut r = Rechunker::new(schedule.clone(), seed);
    let mut pending = bytes::BytesMut::new();
    let mut out = Vec::new();
    let last = reads.len().saturating_sub(1);
    for (i, chunk) in reads.iter().enumerate() {
        pending.extend_from_slice(chunk);
        r.on_read();
        while let Some(n) = r.next_write(pending.len(), false) {
            out.push(pending.split_to(n).freeze());
        }
        if quiet_after_each || i == last {
            while let Some(n) = r.next_write(pending.len(), true) {
                out.push(pending.split_to(n).freeze());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(s: &str, reads: &[usize], quiet: bool) -> Vec<usize> {
        let data: Vec<Bytes> = reads.iter().map(|n| Bytes::from(vec![7u8; *n])).collect();
        let out = simulate(&s.parse().unwrap(), 1, &data, quiet);
        let total: usize = out.iter().map(Bytes::len).sum();
        assert_eq!(total, reads.iter().sum::<usize>(), "{s} lost or invented bytes");
        out.iter().map(Bytes::len).collect()
    }

    #[test]
    fn stream_schedules_cut_where_they_say() {
        assert_eq!(sizes("each", &[3, 5, 2], false), vec![3, 5, 2]);
        assert_eq!(sizes("coalesce", &[3, 5, 2], false), vec![10]);
        assert_eq!(sizes("coalesce", &[3, 5, 2], true), vec![3, 5, 2]);
        assert_eq!(sizes("coalesce:2", &[3, 5, 2], false), vec![8, 2]);
        assert_eq!(sizes("chunk:4", &[3, 5, 2], false), vec![4, 4, 2]);
        assert_eq!(sizes("chunk:4", &[3, 5, 2], true), vec![3, 4, 1, 2]);
        assert_eq!(sizes("drip", &[2, 1], false), vec![1, 1, 1]);
        assert_eq!(sizes("cuts:2,7", &[3, 5, 2], false), vec![2, 1, 4, 1, 2]);
    }

    #[test]
    fn random_sizes_repeat_with_the_seed_and_stay_in_range() {
        let data = [Bytes::from(vec![1u8; 1000])];
        let a = simulate(&"random:3-9".parse().unwrap(), 5, &data, false);
        let b = simulate(&"random:3-9".parse().unwrap(), 5, &data, false);
        assert_eq!(a, b);
        assert!(a[..a.len() - 1].iter().all(|w| (3..=9).contains(&w.len())));
        assert_eq!(a.iter().map(Bytes::len).sum::<usize>(), 1000);
    }

    #[test]
    fn coalesce_never_holds_more_than_its_maximum() {
        let mut r = Rechunker::new(Schedule::Coalesce(None), 0);
        assert_eq!(r.next_write(COALESCE_MAX + 5, false), Some(COALESCE_MAX));
        assert_eq!(r.next_write(5, false), None);
        assert_eq!(r.next_write(5, true), Some(5));
    }
}
