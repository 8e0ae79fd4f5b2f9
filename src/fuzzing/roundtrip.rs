//! `roundtrip_*`: messages encoded then decoded come back equal.

use std::convert::Infallible;
use std::ops::ControlFlow;

use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::{RoundtripInput, Strategy, codec};
use crate::framing::AnyCodec;
use crate::framing::feed::{self, Event};

/// `roundtrip_*`: messages encoded then decoded come back equal (by the
/// codec's own oracle where it has one: [`crate::framing::Codec::ROUNDTRIP`]). Messages
/// the encoder refuses must be ones the format cannot carry (over the
/// maximum, or containing the delimiter); naive framing, which has no
/// boundaries, must at least give back every byte in order.
///
/// Everything is encoded into one buffer and decoded from it in place, each
/// frame compared with its message as it comes: no copy of a message, no
/// list of frames (allocations are what an ASan build pays most for).
pub fn roundtrip(strategy: Strategy, input: &RoundtripInput) {
    if let Some(own) = strategy.roundtrip_oracle() {
        return own(input.config, &input.messages, super::FUZZ_MAX);
    }
    let mut c = codec(strategy, input.config);
    let max = c.max_message();
    let mut wire = BytesMut::with_capacity(input.messages.iter().map(|m| m.len() + 16).sum());
    let mut accepted: Vec<&[u8]> = Vec::with_capacity(input.messages.len());
    for (i, m) in input.messages.iter().enumerate() {
        let before = wire.len();
        // Every other message goes through `Encoder<Bytes>`: both encoder
        // paths must frame alike.
        let r = if i % 2 == 1 {
            encode_bytes(&mut c, Bytes::copy_from_slice(m), &mut wire)
        } else {
            c.encode(&m[..], &mut wire)
        };
        match r {
            Ok(()) => accepted.push(m),
            Err(e) => {
                assert_eq!(wire.len(), before, "{strategy:?}: a refused message left bytes on the wire: {e}");
                let delim_inside = match &c {
                    AnyCodec::Delimiter(d) => memchr::memmem::find(m, d.delimiter()).is_some(),
                    _ => false,
                };
                let before_field = match &c {
                    AnyCodec::LengthPrefix(l) => m.len() < l.format().offset,
                    _ => false,
                };
                assert!(
                    m.len() > max || delim_inside || before_field,
                    "{strategy:?} refused a valid message of {} bytes: {e}",
                    m.len()
                );
            }
        }
    }
    let config = input.config;
    let mut d = codec(strategy, config);
    if strategy == Strategy::Naive {
        // No boundaries: the frames, joined, are the messages joined, and
        // each is within the maximum.
        let mut sent = accepted.iter().flat_map(|m| m.iter());
        while let Some(f) = d.decode_eof(&mut wire).unwrap_or_else(|e| panic!("naive decode failed: {e}")) {
            // An empty frame would make a FramedRead loop forever.
            assert!(!f.is_empty(), "naive framing returned an empty frame");
            assert!(f.len() <= max, "naive frame of {} bytes over the maximum {max}", f.len());
            assert!(f.iter().all(|b| Some(b) == sent.next()), "naive framing lost or reordered bytes");
        }
        assert!(sent.next().is_none(), "naive framing lost bytes");
        return;
    }
    // As `FramedRead` does: decode until "not yet", then decode_eof.
    let mut i = 0;
    let _ = feed::whole(&mut d, &mut wire, |ev| {
        match ev {
            Event::Frame(f, _) => {
                let Some(m) = accepted.get(i) else {
                    panic!("{strategy:?} config {config}: encoded {} messages, decoded more: {f:?}", accepted.len())
                };
                assert!(f[..] == m[..], "{strategy:?} config {config}: message {i}: encoded {m:?}, decoded {f:?}");
                i += 1;
            }
            Event::Error(e, _) => {
                panic!("{strategy:?} config {config}: decoding failed after {i} of {} messages: {e}", accepted.len())
            }
            Event::Read(_) | Event::Drained(_) => {}
        }
        ControlFlow::<Infallible>::Continue(())
    });
    assert_eq!(i, accepted.len(), "{strategy:?} config {config}: encoded {} messages, decoded {i}", accepted.len());
}

/// `m` through the concrete codec's own `Encoder<Bytes>`.
fn encode_bytes(c: &mut AnyCodec, m: Bytes, dst: &mut BytesMut) -> Result<(), crate::framing::FramingError> {
    c.encode(m, dst)
}
