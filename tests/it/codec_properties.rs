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

// ---------------------------------------------------------------------------
// resp and http: the same oracles, with messages shaped like the protocols.

// proptest's `Strategy` trait, for its combinators (the name is taken by
// `fuzzing::Strategy` here).
use proptest::strategy::Strategy as _;

/// A RESP value, nested at most a few levels, as bytes.
fn resp_value() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    let word = proptest::collection::vec(prop_oneof![Just(b'\r'), Just(b'\n'), any::<u8>()], 0..12);
    let leaf = prop_oneof![
        "[a-zA-Z ]{0,10}".prop_map(|s| format!("+{s}\r\n").into_bytes()),
        "[a-zA-Z ]{0,10}".prop_map(|s| format!("-ERR {s}\r\n").into_bytes()),
        any::<i64>().prop_map(|n| format!(":{n}\r\n").into_bytes()),
        word.prop_map(|w| [format!("${}\r\n", w.len()).as_bytes(), &w, b"\r\n"].concat()),
        Just(b"$-1\r\n".to_vec()),
        Just(b"*-1\r\n".to_vec()),
        Just(b"_\r\n".to_vec()),
        Just(b"#f\r\n".to_vec()),
        (-1e9f64..1e9).prop_map(|d| format!(",{d}\r\n").into_bytes()),
        Just(b"=7\r\ntxt:abc\r\n".to_vec()),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        (prop_oneof![Just('*'), Just('~'), Just('>'), Just('%')], proptest::collection::vec(inner, 0..4)).prop_map(
            |(kind, members)| {
                // A map holds pairs: count half its members, rounded down.
                let (n, members) = if kind == '%' {
                    (members.len() / 2, &members[..members.len() / 2 * 2])
                } else {
                    (members.len(), &members[..])
                };
                [format!("{kind}{n}\r\n").into_bytes(), members.concat()].concat()
            },
        )
    })
}

/// RESP messages: values, inline commands, and the odd broken one.
fn resp_messages() -> impl proptest::strategy::Strategy<Value = Vec<Vec<u8>>> {
    let msg = prop_oneof![
        4 => resp_value(),
        2 => "[A-Z]{1,6}( [a-z0-9]{0,8}){0,3}".prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 0..16),
    ];
    proptest::collection::vec(msg, 0..8)
}

/// A whole HTTP/1.1 request or response whose body is framed by its head.
fn http_message() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    let body = proptest::collection::vec(any::<u8>(), 0..40);
    let chunks = proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..12), 0..4);
    prop_oneof![
        (prop_oneof![Just("GET"), Just("DELETE"), Just("OPTIONS")], "/[a-z]{0,6}")
            .prop_map(|(m, p)| format!("{m} {p} HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes()),
        body.clone().prop_map(|b| {
            [format!("POST /u HTTP/1.1\r\nContent-Length: {}\r\n\r\n", b.len()).as_bytes(), &b].concat()
        }),
        (chunks.clone(), any::<bool>()).prop_map(|(cs, trailer)| {
            let mut m = b"PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            for c in cs {
                m.extend_from_slice(format!("{:x};e=1\r\n", c.len()).as_bytes());
                m.extend_from_slice(&c);
                m.extend_from_slice(b"\r\n");
            }
            m.extend_from_slice(if trailer { b"0\r\nX-Sum: 1\r\n\r\n" } else { b"0\r\n\r\n" });
            m
        }),
        body.prop_map(|b| {
            [format!("HTTP/1.1 200 OK\r\nDate: now\r\nContent-Length: {}\r\n\r\n", b.len()).as_bytes(), &b].concat()
        }),
        chunks.prop_map(|cs| {
            let mut m = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            for c in cs {
                m.extend_from_slice(format!("{:X}\r\n", c.len()).as_bytes());
                m.extend_from_slice(&c);
                m.extend_from_slice(b"\r\n");
            }
            m.extend_from_slice(b"0\r\n\r\n");
            m
        }),
        prop_oneof![Just(100), Just(204), Just(304)]
            .prop_map(|code| format!("HTTP/1.1 {code} X\r\nContent-Length: 3\r\n\r\n").into_bytes()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn resp_values_go_out_as_is_and_commands_as_arrays_and_decode_to_that(
        config in any::<u8>(),
        messages in resp_messages(),
    ) {
        fuzzing::roundtrip(Strategy::Resp, &RoundtripInput { config, messages });
    }

    #[test]
    fn resp_and_http_decode_the_same_whole_and_cut_anywhere(
        http in any::<bool>(),
        config in any::<u8>(),
        resp in resp_messages(),
        msgs in proptest::collection::vec(http_message(), 0..5),
        tail in proptest::collection::vec(prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'$'), any::<u8>()], 0..12),
        cuts in proptest::collection::vec(0u16..1200, 0..24),
    ) {
        let (s, messages) = if http { (Strategy::Http, msgs) } else { (Strategy::Resp, resp) };
        fuzzing::chunking(s, &ChunkingInput { config, messages, tail, cuts });
    }

    #[test]
    fn http_messages_decode_to_exactly_the_messages_sent(msgs in proptest::collection::vec(http_message(), 0..6)) {
        use bytes::Bytes;
        use framelab::framing::{AnyCodec, HttpCodec};
        let msgs: Vec<Bytes> = msgs.into_iter().map(Bytes::from).collect();
        framelab::check::round_trip(AnyCodec::Http(HttpCodec::default()), &msgs).unwrap();
    }

    #[test]
    fn hostile_bytes_never_make_resp_or_http_hold_more_than_max_plus_one_read(
        http in any::<bool>(),
        data in proptest::collection::vec(
            prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'*'), Just(b'$'), Just(b'1'), Just(b':'), any::<u8>()],
            2..4096,
        ),
    ) {
        fuzzing::decode(if http { Strategy::Http } else { Strategy::Resp }, &data);
    }
}

#[test]
fn ten_thousand_nested_resp_arrays_and_a_mebibyte_http_head_fail_cleanly_through_any_codec() {
    use bytes::BytesMut;
    use framelab::framing::{FramingError, FramingSpec, HttpError, RespError};
    use tokio_util::codec::Decoder;
    let mut c = "resp".parse::<FramingSpec>().unwrap().codec();
    let mut buf = BytesMut::from(&b"*1\r\n".repeat(10_000)[..]);
    let e = c.decode(&mut buf).unwrap_err();
    assert!(matches!(e, FramingError::Resp(RespError::TooDeep { max: 128 })), "{e}");
    assert_eq!(e.kind(), "too-deep");
    let mut c = "http:request".parse::<FramingSpec>().unwrap().codec();
    let mut buf = BytesMut::from(&b"GET / HTTP/1.1\r\nX: "[..]);
    buf.extend_from_slice(&vec![b'a'; 1 << 20]);
    let e = c.decode(&mut buf).unwrap_err();
    assert!(matches!(e, FramingError::Http(HttpError::HeadTooLarge { max: 65536 })), "{e}");
    assert_eq!(e.kind(), "head-too-large");
}
