//! Property tests for every codec: round trip, chunking invariance and
//! bounded buffering. They drive the same oracles as the fuzz targets
//! (`framelab::fuzzing`), with proptest's generators and shrinking.

use framelab::fuzzing::{self, ChunkingInput, RoundtripInput, Strategy};
use proptest::prelude::*;

const ALL: [Strategy; 4] = [Strategy::Naive, Strategy::Delimiter, Strategy::LengthPrefix, Strategy::JsonHeader];

/// Messages biased towards the interesting: empty, tiny, near the
/// maximum, and containing delimiter bytes.
fn messages() -> impl proptest::strategy::Strategy<Value = Vec<Vec<u8>>> {
    let msg = prop_oneof![
        Just(Vec::new()),
        proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), Just(b'<'), any::<u8>()], 0..16),
        proptest::collection::vec(any::<u8>(), 240..270),
    ];
    proptest::collection::vec(msg, 0..8)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn encode_then_decode_gives_back_the_messages(s in 0usize..4, config in any::<u8>(), messages in messages()) {
        fuzzing::roundtrip(ALL[s], &RoundtripInput { config, messages });
    }

    #[test]
    fn decoding_whole_and_cut_anywhere_gives_the_same_frames(
        s in 0usize..4,
        config in any::<u8>(),
        messages in messages(),
        tail in proptest::collection::vec(any::<u8>(), 0..12),
        cuts in proptest::collection::vec(0u16..2400, 0..24),
    ) {
        fuzzing::chunking(ALL[s], &ChunkingInput { config, messages, tail, cuts });
    }

    #[test]
    fn hostile_bytes_never_make_a_decoder_hold_more_than_max_plus_one_read(
        s in 0usize..4,
        data in proptest::collection::vec(prop_oneof![Just(0xffu8), Just(0u8), Just(b'\n'), any::<u8>()], 2..4096),
    ) {
        fuzzing::decode(ALL[s], &data);
    }

    #[test]
    fn every_parsed_framing_spec_prints_back_to_itself(text in "[a-z0-9:=,\"\\\\-]{0,40}") {
        fuzzing::parse_framing(text.as_bytes());
    }
}

#[test]
fn one_gibibyte_delimiter_free_stream_is_streamed_in_bounded_memory() {
    use bytes::BytesMut;
    use framelab::framing::DelimiterCodec;
    use tokio_util::codec::Decoder;
    let mut c = DelimiterCodec::lines(64 * 1024);
    let chunk = vec![b'x'; 64 * 1024];
    let mut buf = BytesMut::new();
    let mut errors = 0;
    for _ in 0..(1 << 14) {
        buf.extend_from_slice(&chunk);
        while let Some(r) = c.decode(&mut buf).transpose() {
            assert!(r.is_err());
            errors += 1;
        }
        assert!(buf.len() <= 64 * 1024 + 1);
    }
    assert_eq!(errors, 1);
    assert!(buf.capacity() <= 4 * 64 * 1024, "capacity grew to {}", buf.capacity());
}
