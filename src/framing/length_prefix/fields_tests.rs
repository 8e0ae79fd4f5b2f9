//! Varint lengths, bytes before the field and adjusted lengths: exact
//! wire bytes, every error, and every cut of a stream.

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

use super::*;
use crate::framing::{FrameSlices, FramingSpec};

fn codec(spec: &str) -> LengthPrefixCodec {
    match spec.parse::<FramingSpec>().unwrap() {
        FramingSpec::LengthPrefix(p) => LengthPrefixCodec::new(p),
        other => panic!("{other}"),
    }
}

fn encode(c: &mut LengthPrefixCodec, m: &[u8]) -> Vec<u8> {
    let mut wire = BytesMut::new();
    c.encode(m, &mut wire).unwrap();
    wire.to_vec()
}

/// Every message of `wire` decoded one byte per read, and through
/// `FrameSlices` in one read: the same messages both ways.
fn decode_every_way(spec: &str, wire: &[u8]) -> Vec<Vec<u8>> {
    let (mut c, mut buf, mut got) = (codec(spec), BytesMut::new(), Vec::new());
    for b in wire {
        buf.extend_from_slice(&[*b]);
        while let Some(m) = c.decode(&mut buf).unwrap() {
            got.push(m.to_vec());
        }
    }
    assert!(buf.is_empty(), "{spec}: {} bytes left", buf.len());
    let (mut s, mut whole, mut sliced) = (codec(spec), BytesMut::from(wire), Vec::new());
    s.frames(&mut whole, |f| sliced.push(f.to_vec())).unwrap();
    assert_eq!(sliced, got, "{spec}: slices and decoder differ");
    got
}

#[test]
fn varints_are_leb128_shortest_and_read_back_at_every_cut() {
    for (n, want) in [
        (0usize, &[0x00u8][..]),
        (1, &[0x01]),
        (127, &[0x7f]),
        (128, &[0x80, 0x01]),
        (300, &[0xac, 0x02]),
        (16_383, &[0xff, 0x7f]),
        (16_384, &[0x80, 0x80, 0x01]),
    ] {
        let mut c = codec("length-prefix:varint,max=1MiB");
        let m = vec![b'x'; n];
        let wire = encode(&mut c, &m);
        assert_eq!(&wire[..want.len()], want, "{n}");
        assert_eq!(wire.len(), want.len() + n);
        assert_eq!(decode_every_way("length-prefix:varint,max=1MiB", &wire), vec![m]);
    }
    let mut v = Vec::new();
    put_varint(u64::MAX, &mut v);
    assert_eq!(v, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    assert_eq!(read_varint(&v).unwrap(), Some((u64::MAX, 10)));
}

#[test]
fn bad_varints_are_refused_and_unfinished_ones_wait() {
    for (bad, why) in [
        (&[0x80u8, 0x00][..], "overlong"),
        (&[0xff, 0x80, 0x00], "overlong"),
        (&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02], "64 bits"),
        (&[0x80; 10], "64 bits"),
        (&[0x80; 11], "64 bits"),
    ] {
        let e = read_varint(bad).unwrap_err();
        assert!(matches!(e, LengthPrefixError::BadVarint { .. }) && e.to_string().contains(why), "{bad:?}: {e}");
    }
    assert_eq!(read_varint(&[0x80; 9]).unwrap(), None);
    assert_eq!(read_varint(&[]).unwrap(), None);
    // In the codec: the first error fails it, as every length error does.
    let mut c = codec("length-prefix:varint");
    let mut buf = BytesMut::from(&[0x80u8, 0x00, b'x'][..]);
    assert!(matches!(c.decode(&mut buf), Err(LengthPrefixError::BadVarint { .. })));
    assert!(matches!(c.decode(&mut buf), Err(LengthPrefixError::Failed)));
    // A declared length over the maximum, before any body byte.
    let mut c = codec("length-prefix:varint,max=100");
    let mut buf = BytesMut::from(&[0xe5u8, 0x01][..]);
    assert!(matches!(c.decode(&mut buf), Err(LengthPrefixError::FrameTooLarge { declared: 229, max: 100 })));
}

#[test]
fn mqtt_frames_keep_their_type_byte_and_lose_their_length() {
    let spec = "length-prefix:varint,offset=1";
    let mut c = codec(spec);
    // PINGREQ, CONNACK, a PUBLISH of 200 bytes (a two-byte remaining length).
    assert_eq!(encode(&mut c, b"\xc0"), b"\xc0\x00");
    assert_eq!(encode(&mut c, b"\x20\x00\x00"), b"\x20\x02\x00\x00");
    let publish = [&[0x32u8][..], &[b'p'; 200]].concat();
    let wire = encode(&mut c, &publish);
    assert_eq!(&wire[..3], &[0x32, 0xc8, 0x01]);
    let stream = [&b"\xc0\x00\x20\x02\x00\x00"[..], &wire].concat();
    assert_eq!(decode_every_way(spec, &stream), vec![b"\xc0".to_vec(), b"\x20\x00\x00".to_vec(), publish]);
    // A message shorter than the bytes before the field cannot be framed.
    let e = c.encode(&b""[..], &mut BytesMut::new()).unwrap_err();
    assert!(matches!(e, LengthPrefixError::ShorterThanOffset { len: 0, offset: 1 }), "{e}");
    assert_eq!(c.format().max_message(), c.format().max_body() + 1);
}

#[test]
fn postgres_lengths_count_themselves() {
    let spec = "length-prefix:i32be,offset=1,adjust=-4";
    let mut c = codec(spec);
    let q = b"Qselect 1\0";
    let wire = encode(&mut c, q);
    assert_eq!(&wire[..5], b"Q\x00\x00\x00\x0d");
    assert_eq!(&wire[5..], b"select 1\0");
    assert_eq!(decode_every_way(spec, &[&wire[..], &wire[..]].concat()), vec![q.to_vec(), q.to_vec()]);
    // A length smaller than itself.
    let mut buf = BytesMut::from(&b"Q\x00\x00\x00\x03"[..]);
    let e = codec(spec).decode(&mut buf).unwrap_err();
    assert!(matches!(e, LengthPrefixError::LengthBelowAdjustment { declared: 3, adjust: -4 }), "{e}");
    // A positive adjustment: the field counts fewer bytes than follow.
    let mut c = codec("length-prefix:u8,adjust=2");
    assert_eq!(encode(&mut c, b"abcd"), b"\x02abcd");
    assert!(matches!(c.encode(&b"a"[..], &mut BytesMut::new()), Err(LengthPrefixError::DoesNotFitHeader { .. })));
}

#[test]
fn the_new_knobs_print_and_parse_back_and_refuse_what_makes_no_sense() {
    for s in [
        "length-prefix:varint,max=1MiB",
        "length-prefix:varint,offset=1,max=8MiB",
        "length-prefix:i32be,offset=1,adjust=-4,max=8MiB",
        "length-prefix:u16be,adjust=+3",
    ] {
        let spec: FramingSpec = s.parse().unwrap();
        assert_eq!(spec.to_string().parse::<FramingSpec>().unwrap(), spec, "{s} -> {spec}");
    }
    assert_eq!(
        "length-prefix:varint,offset=1".parse::<FramingSpec>().unwrap().to_string(),
        "length-prefix:varint,offset=1,max=8MiB"
    );
    for (bad, want) in [
        ("length-prefix:varint,signed", "neither signed nor includes-header"),
        ("length-prefix:varint,includes-header", "neither signed nor includes-header"),
        ("length-prefix:offset=65", "offset=N, 0 to 64"),
        ("length-prefix:adjust=x", "adjust=N"),
        ("json-header:varint", "a fixed-width header length"),
        ("json-header:offset=1", "a fixed-width header length"),
    ] {
        let e = bad.parse::<FramingSpec>().unwrap_err().to_string();
        assert!(e.contains(want), "{bad}: {e}");
    }
    // `width=` after `varint` is a fixed width again.
    let FramingSpec::LengthPrefix(p) = "length-prefix:varint,width=2".parse().unwrap() else { panic!() };
    assert!(!p.varint && p.width == 2);
}
