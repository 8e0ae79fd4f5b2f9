//! The frames-as-slices API ([`FrameSlices`]) gives exactly the frames and
//! errors the `Decoder` of the same codec gives, for the same bytes cut
//! into reads anywhere: valid streams, over-long frames, hostile headers.

use bytes::BytesMut;
use framelab::check;
use framelab::framing::{FrameSlices, FramingError, FramingSpec};
use proptest::prelude::*;
use tokio_util::codec::Encoder;

/// Specs with small maxima, so that limits are hit often.
const SPECS: [&str; 10] = [
    "length-prefix:u32be,max=64",
    "length-prefix:u8",
    "length-prefix:i32le,includes-header,max=40",
    "length-prefix:u16le,max=300",
    "delimiter",
    "delimiter:max=8",
    "delimiter:\"\\r\\n\",max=5",
    "naive:read-size=3",
    "json-header",
    "resp",
];

/// `check::slices_match_decoder` over `wire` cut at `cuts`.
fn slices_match(spec: &FramingSpec, wire: &[u8], cuts: &[usize]) -> Result<usize, check::CheckError> {
    let (mut d, mut s) = (spec.codec(), spec.codec());
    check::slices_match_decoder(&mut d, &mut s, reads(wire, cuts), FramingError::is_recoverable)
}

fn reads<'a>(wire: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
    at.push(0);
    at.push(wire.len());
    at.sort_unstable();
    at.dedup();
    at.windows(2).map(|w| &wire[w[0]..w[1]]).collect()
}

/// A stream of messages encoded by the spec's codec (those it refuses are
/// left out), with hostile bytes spliced in at some offsets.
fn wire(spec: &FramingSpec, messages: &[Vec<u8>], junk: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut codec = spec.codec();
    let mut out = BytesMut::new();
    for m in messages {
        let mut one = BytesMut::new();
        if codec.encode(&m[..], &mut one).is_ok() {
            out.extend_from_slice(&one);
        }
    }
    let mut wire = out.to_vec();
    for (at, bytes) in junk {
        let at = usize::from(*at) % (wire.len() + 1);
        wire.splice(at..at, bytes.iter().copied());
    }
    wire
}

fn message() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), Just(b'a'), any::<u8>()], 0..12),
        proptest::collection::vec(b'a'..=b'z', 30..80),
        proptest::collection::vec(b'a'..=b'z', 250..320),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn slices_give_the_decoders_frames_and_errors_however_the_stream_is_cut(
        s in 0usize..SPECS.len(),
        messages in proptest::collection::vec(message(), 0..10),
        junk in proptest::collection::vec(
            (any::<u16>(), proptest::collection::vec(prop_oneof![Just(0xffu8), Just(0u8), Just(b'\n'), any::<u8>()], 1..6)),
            0..3,
        ),
        cuts in proptest::collection::vec(any::<usize>(), 0..20),
    ) {
        let spec: FramingSpec = SPECS[s].parse().unwrap();
        let wire = wire(&spec, &messages, &junk);
        if let Err(e) = slices_match(&spec, &wire, &cuts) {
            prop_assert!(false, "{} over {} bytes cut at {:?}: {}", SPECS[s], wire.len(), cuts, e);
        }
        if let Err(e) = slices_match(&spec, &wire, &[]) {
            prop_assert!(false, "{} over {} bytes whole: {}", SPECS[s], wire.len(), e);
        }
    }
}

#[test]
fn a_frame_over_the_maximum_is_refused_before_its_body_arrives_and_the_codec_stays_failed() {
    let spec: FramingSpec = "length-prefix:u32be,max=64".parse().unwrap();
    let mut c = spec.codec();
    let mut buf = BytesMut::from(&b"\0\0\0\x02hi\0\0\x10\0"[..]);
    let mut seen = Vec::new();
    let err = c.frames(&mut buf, |f| seen.push(f.to_vec())).unwrap_err();
    assert_eq!(seen, [b"hi".to_vec()]);
    assert!(err.to_string().contains("exceeds the maximum"), "{err}");
    assert!(buf.capacity() < 4096, "reserved {} for a refused frame", buf.capacity());
    assert!(c.frames(&mut buf, |_| panic!("a frame after a failure")).is_err());
}

#[test]
fn an_over_long_line_is_reported_once_and_the_next_line_still_arrives() {
    let spec: FramingSpec = "delimiter:max=4".parse().unwrap();
    let mut c = spec.codec();
    let mut buf = BytesMut::from(&b"ok\nmuch too long\nnext\n"[..]);
    let mut seen = Vec::new();
    assert!(c.frames(&mut buf, |f| seen.push(f.to_vec())).is_err());
    assert_eq!(c.frames(&mut buf, |f| seen.push(f.to_vec())).unwrap(), 1);
    assert_eq!(seen, [b"ok".to_vec(), b"next".to_vec()]);
    assert!(buf.is_empty());
}
