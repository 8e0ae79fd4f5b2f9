//! Read plans: how the client reads replies. Sizes drawn from a range make
//! partial reads; a pause between reads makes a slow reader whose socket
//! buffer fills, so the server's writes coalesce on the way back.

use std::time::Duration;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// How the client reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadPlan {
    /// Read sizes drawn from `min..=max`; `None` reads up to 64 KiB.
    pub sizes: Option<(usize, usize)>,
    /// Pause before each read.
    pub pause: Duration,
}

impl ReadPlan {
    /// The size of the next read.
    pub fn next_size(&self, rng: &mut ChaCha8Rng) -> usize {
        match self.sizes {
            Some((min, max)) => rng.random_range(min.max(1)..=max.max(min.max(1))),
            None => 64 * 1024,
        }
    }
}
