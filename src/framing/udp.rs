//! The pure pieces of UDP messaging: one datagram per message.
//!
//! ```text
//! sendto("hello") sendto("world")  ->  recvfrom(1024) = "hello"
//!                                      recvfrom(1024) = "world"
//! sendto(2000 bytes)               ->  recvfrom(1024) = first 1024 bytes;
//!                                      the other 976 are gone (B15)
//! ```
//!
//! Datagrams never coalesce, but a reader whose buffer is smaller than the
//! datagram silently loses the tail. framelab's correct UDP server reads
//! into a buffer of [`MAX_DATAGRAM`] bytes and reports truncation instead.
//!
//! ```
//! use framelab::framing::udp::truncate;
//! let (kept, cut) = truncate(&[0u8; 2000], 1024);
//! assert_eq!((kept.len(), cut), (1024, true));
//! ```

use std::fmt;

use super::naive::{DEFAULT_READ_SIZE, read_size_item, read_size_knobs};
use super::registry::{Strategy, StrategyInfo};
use super::spec::{Item, SpecProblem};
use super::{AnyCodec, KnobError, Knobs, NaiveCodec};

/// The largest UDP payload over IPv4.
pub const MAX_DATAGRAM: usize = 65_507;

/// What a `recvfrom(read_size)` returns of `datagram`, and whether the
/// tail was cut off.
pub fn truncate(datagram: &[u8], read_size: usize) -> (&[u8], bool) {
    if datagram.len() > read_size { (&datagram[..read_size], true) } else { (datagram, false) }
}

/// The udp strategy's knobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpFormat {
    /// The receiver's buffer size.
    pub read_size: usize,
}

impl Default for UdpFormat {
    fn default() -> Self {
        UdpFormat { read_size: DEFAULT_READ_SIZE }
    }
}

/// The `udp` strategy: its messages are modelled by a naive codec.
#[derive(Debug)]
pub struct Udp;

impl Strategy for Udp {
    const INFO: StrategyInfo = StrategyInfo {
        name: "udp",
        aliases: &[],
        wire: "one datagram per message; a datagram larger than read-size is cut short",
        knobs: &[(
            "read-size",
            "1024",
            "the tutorial variant's recvfrom buffer; the correct server reads whole datagrams",
        )],
    };
    type Format = UdpFormat;
    const SPEC_SEEDS: &'static [&'static str] = &["udp:1024"];

    fn apply_item(f: &mut UdpFormat, item: Item<'_>) -> Result<(), SpecProblem> {
        read_size_item(&mut f.read_size, item)
    }

    fn write(f: &UdpFormat, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(out, "udp:read-size={}", f.read_size)
    }

    fn max_message(f: &UdpFormat) -> usize {
        f.read_size
    }

    fn codec(f: &UdpFormat) -> AnyCodec {
        NaiveCodec::new(f.read_size).into()
    }

    fn apply_knobs(f: &mut UdpFormat, knobs: &Knobs) -> Result<(), KnobError> {
        read_size_knobs(&mut f.read_size, knobs)
    }

    fn restating_knobs(f: &UdpFormat) -> Knobs {
        Knobs { read_size: Some(f.read_size), ..Knobs::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datagram_at_read_size_is_kept_whole_and_one_over_is_cut() {
        assert_eq!(truncate(&[1; 1024], 1024), (&[1u8; 1024][..], false));
        assert!(truncate(&[1; 1025], 1024).1);
        assert_eq!(truncate(&[], 1024), (&[][..], false));
    }
}
