//! Seeds of this codec's fuzz targets for its varint length and the bytes
//! before the field (`config` bits 6 and 4-5, see
//! [`Codec::for_fuzzing`](crate::framing::Codec::for_fuzzing)); the
//! fixed-width seeds are the generator's in `fuzzing::corpus`.

use super::LengthPrefixCodec;
use crate::framing::FuzzBody;
use crate::framing::registry::{SeedSink, cat, every_cut, filler, framed};

/// Varint, no offset.
const VARINT: u8 = 0x40;
/// Varint, one byte before it (MQTT).
const MQTT: u8 = 0x50;
/// `u16be` (preset 3), two bytes before it, the length adjusted by -2.
const OFFSET2: u8 = 0x23;

/// MQTT control packets: PINGREQ, CONNACK, a PUBLISH of 200 bytes (its
/// remaining length two varint bytes), PUBACK.
fn mqtt() -> Vec<Vec<u8>> {
    vec![b"\xc0".to_vec(), b"\x20\x00\x00".to_vec(), cat(&[b"\x32", &filler(200)]), b"\x40\x00\x01".to_vec()]
}

pub(crate) fn seeds(body: FuzzBody, seeds: &mut dyn SeedSink) {
    let max = seeds.max();
    let m = mqtt();
    let refs: Vec<&[u8]> = m.iter().map(|x| &x[..]).collect();
    match body {
        FuzzBody::Decode => {
            let wire = framed::<LengthPrefixCodec>(max, MQTT, &refs);
            seeds.decode("mqtt-chunk1", MQTT, 1, &wire);
            seeds.decode("mqtt-chunk2", MQTT, 2, &wire);
            let wire = framed::<LengthPrefixCodec>(max, VARINT, &[b"", b"a", &filler(127), &filler(128)]);
            seeds.decode("varint-127-128-chunk3", VARINT, 3, &wire);
            seeds.decode("varint-overlong", VARINT, 2, b"\x80\x00x");
            seeds.decode("varint-past-64-bits", VARINT, 4, &[0xff; 12]);
            seeds.decode("varint-over-max", VARINT, 1, b"\x81\x02xx");
            let wire = framed::<LengthPrefixCodec>(max, OFFSET2, &[b"ab", b"abcd", &filler(100)]);
            seeds.decode("offset2-chunk1", OFFSET2, 1, &wire);
            seeds.decode("offset2-below-adjustment", OFFSET2, 3, b"ab\x00\x01xyz");
        }
        FuzzBody::Roundtrip => {
            seeds.roundtrip("mqtt", MQTT, m.clone());
            seeds.roundtrip("varint", VARINT, vec![vec![], filler(127), filler(128), filler(300)]);
            seeds.roundtrip("offset2-short-messages", OFFSET2, vec![vec![], b"a".to_vec(), b"ab".to_vec(), filler(50)]);
        }
        FuzzBody::Chunking => {
            let len = framed::<LengthPrefixCodec>(max, MQTT, &refs).len();
            seeds.chunking("mqtt-every-cut", MQTT, m, b"\x30\x05ab".to_vec(), every_cut(len + 4));
        }
        FuzzBody::Bare => {}
    }
}
