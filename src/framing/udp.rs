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

/// The largest UDP payload over IPv4.
pub const MAX_DATAGRAM: usize = 65_507;

/// What a `recvfrom(read_size)` returns of `datagram`, and whether the
/// tail was cut off.
pub fn truncate(datagram: &[u8], read_size: usize) -> (&[u8], bool) {
    if datagram.len() > read_size { (&datagram[..read_size], true) } else { (datagram, false) }
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
