//! `roundtrip_*`: messages encoded then decoded come back equal.

use std::convert::Infallible;
use std::ops::ControlFlow;

use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::{RoundtripInput, Strategy, codec, resp_format};
use crate::check;
use crate::framing::feed::{self, Event};
use crate::framing::{AnyCodec, RespCodec};

/// `roundtrip_*`: messages encoded then decoded come back equal. Messages
/// the encoder refuses must be ones the format cannot carry (over the
/// maximum, or containing the delimiter); naive framing, which has no
/// boundaries, must at least give back every byte in order.
///
/// Everything is encoded into one buffer and decoded from it in place, each
/// frame compared with its message as it comes: no copy of a message, no
/// list of frames (allocations are what an ASan build pays most for).
pub fn roundtrip(strategy: Strategy, input: &RoundtripInput) {
    if strategy == Strategy::Resp {
        return roundtrip_resp(input);
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
                assert!(
                    m.len() > max || delim_inside,
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
    match c {
        AnyCodec::Naive(x) => x.encode(m, dst)?,
        AnyCodec::Delimiter(x) => x.encode(m, dst)?,
        AnyCodec::LengthPrefix(x) => x.encode(m, dst)?,
        AnyCodec::JsonHeader(x) => x.encode(m, dst)?,
        AnyCodec::Resp(x) => x.encode(m, dst)?,
        AnyCodec::Http(x) => x.encode(m, dst)?,
    }
    Ok(())
}

/// A command's words as an array of bulk strings, written independently of
/// [`RespCodec`]'s encoder (the oracle of `roundtrip_resp`).
pub fn resp_command(message: &[u8]) -> Vec<u8> {
    let words: Vec<&[u8]> = message.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty()).collect();
    let mut out = format!("*{}\r\n", words.len()).into_bytes();
    for w in words {
        out.extend_from_slice(format!("${}\r\n", w.len()).as_bytes());
        out.extend_from_slice(w);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// `roundtrip_resp`: a message that starts with a RESP type byte is sent
/// as is, or refused when it is not exactly one value the decoder takes;
/// any other message is sent as the array of its words ([`resp_command`]),
/// or refused when it has none or that array is over the maximum. The
/// stream then decodes to exactly what was sent, one frame per accepted
/// message, and a decoded frame encodes to itself.
pub fn roundtrip_resp(input: &RoundtripInput) {
    let format = resp_format(input.config);
    let mut enc = RespCodec::new(format);
    let mut wire = BytesMut::new();
    let mut sent: Vec<Vec<u8>> = Vec::new();
    for m in &input.messages {
        let before = wire.len();
        let value = m.first().is_some_and(|b| crate::framing::resp::TYPE_BYTES.contains(b));
        match enc.encode(&m[..], &mut wire) {
            Ok(()) => {
                let frame = wire[before..].to_vec();
                if value {
                    assert_eq!(&frame, m, "a RESP value was not sent as is");
                } else {
                    assert_eq!(frame, resp_command(m), "command {m:?} encoded wrongly");
                }
                sent.push(frame);
            }
            Err(e) => {
                assert_eq!(wire.len(), before, "a refused message left bytes on the wire: {e}");
                if value {
                    let alone = check::decode_chunked(&mut RespCodec::new(format), m, &[]);
                    let one = alone.error.is_none() && alone.frames.len() == 1 && alone.frames[0][..] == m[..];
                    assert!(!one, "refused {m:?}, a value the decoder takes whole: {e}");
                } else {
                    let words = resp_command(m);
                    assert!(words == b"*0\r\n" || words.len() > format.max, "refused command {m:?}: {e}");
                }
            }
        }
    }
    let got = check::decode_chunked(&mut RespCodec::new(format), &wire, &[]);
    assert_eq!(got.error, None, "config {}: the encoded stream does not decode", input.config);
    let frames: Vec<Vec<u8>> = got.frames.iter().map(|f| f.to_vec()).collect();
    assert_eq!(frames, sent, "config {}: decoded frames differ from what was sent", input.config);
    for f in &frames {
        let mut again = BytesMut::new();
        enc.encode(&f[..], &mut again).unwrap_or_else(|e| panic!("a decoded frame {f:?} does not encode: {e}"));
        assert_eq!(&again[..], &f[..], "a decoded frame does not encode to itself");
    }
}
