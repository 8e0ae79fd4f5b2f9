//! The `roundtrip` fuzz body's oracle for this codec, whose encoder does
//! more than frame a message as it is: a message that is a value is sent
//! as is, any other as a command (the array of its words).

use std::ops::ControlFlow;

use bytes::BytesMut;
use tokio_util::codec::Encoder;

use super::{RespCodec, RespFormat, TYPE_BYTES, fuzz_format};
use crate::framing::feed::{self, Event};

/// A command's words as an array of bulk strings, written independently of
/// [`RespCodec`]'s encoder (the oracle of `roundtrip_resp`).
pub fn command(message: &[u8]) -> Vec<u8> {
    let words: Vec<&[u8]> = message.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty()).collect();
    let mut out = format!("*{}\r\n", words.len()).into_bytes();
    for w in words {
        out.extend_from_slice(format!("${}\r\n", w.len()).as_bytes());
        out.extend_from_slice(w);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The frames `stream` decodes to, whole, and the first error.
fn decode_all(format: RespFormat, stream: &[u8]) -> (Vec<Vec<u8>>, Option<String>) {
    let (mut frames, mut error) = (Vec::new(), None);
    let mut codec = RespCodec::new(format);
    let _ = feed::feed(&mut codec, &mut BytesMut::new(), [stream], true, |ev| {
        match ev {
            Event::Frame(f, _) => frames.push(f.to_vec()),
            Event::Error(e, _) => {
                error = Some(e.to_string());
                return ControlFlow::Break(());
            }
            Event::Read(_) | Event::Drained(_) => {}
        }
        ControlFlow::Continue(())
    });
    (frames, error)
}

/// `roundtrip_resp`: a message that starts with a type byte is sent as
/// is, or refused when it is not exactly one value the decoder takes; any
/// other message is sent as the array of its words ([`command`]), or
/// refused when it has none or that array is over the maximum. The stream
/// then decodes to exactly what was sent, one frame per accepted message,
/// and a decoded frame encodes to itself.
pub fn roundtrip(config: u8, messages: &[Vec<u8>], max: usize) {
    let format = fuzz_format(config, max);
    let mut enc = RespCodec::new(format);
    let mut wire = BytesMut::new();
    let mut sent: Vec<Vec<u8>> = Vec::new();
    for m in messages {
        let before = wire.len();
        let value = m.first().is_some_and(|b| TYPE_BYTES.contains(b));
        match enc.encode(&m[..], &mut wire) {
            Ok(()) => {
                let frame = wire[before..].to_vec();
                if value {
                    assert_eq!(&frame, m, "a value was not sent as is");
                } else {
                    assert_eq!(frame, command(m), "command {m:?} encoded wrongly");
                }
                sent.push(frame);
            }
            Err(e) => {
                assert_eq!(wire.len(), before, "a refused message left bytes on the wire: {e}");
                if value {
                    let (frames, error) = decode_all(format, m);
                    let one = error.is_none() && frames.len() == 1 && frames[0][..] == m[..];
                    assert!(!one, "refused {m:?}, a value the decoder takes whole: {e}");
                } else {
                    let words = command(m);
                    assert!(words == b"*0\r\n" || words.len() > format.max, "refused command {m:?}: {e}");
                }
            }
        }
    }
    let (frames, error) = decode_all(format, &wire);
    assert_eq!(error, None, "config {config}: the encoded stream does not decode");
    assert_eq!(frames, sent, "config {config}: decoded frames differ from what was sent");
    for f in &frames {
        let mut again = BytesMut::new();
        enc.encode(&f[..], &mut again).unwrap_or_else(|e| panic!("a decoded frame {f:?} does not encode: {e}"));
        assert_eq!(&again[..], &f[..], "a decoded frame does not encode to itself");
    }
}
