//! Tests that pin values the codecs' own tests left free: each one was
//! written against a mutant that survived `cargo mutants` (issue 19,
//! docs/mutants.md). They assert exact values: the error kind, the bytes
//! kept, the capacity reserved, the text printed.

use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::delimiter::DEFAULT_MAX_LENGTH;
use super::length_prefix::DEFAULT_MAX_FRAME;
use super::*;

/// Calls `decode` until it returns `Ok(None)`, collecting frames and
/// errors; fails (instead of hanging) when `limit` calls go by without
/// that, as a decoder that returns a frame or an error without consuming
/// anything would make it.
pub(super) fn drain<C>(c: &mut C, buf: &mut BytesMut, limit: usize) -> Vec<Result<Vec<u8>, C::Error>>
where
    C: Decoder<Item = BytesMut>,
{
    let mut out = Vec::new();
    for _ in 0..limit {
        match c.decode(buf) {
            Ok(Some(f)) => out.push(Ok(f.to_vec())),
            Ok(None) => return out,
            Err(e) => out.push(Err(e)),
        }
    }
    panic!("decode made no progress: {limit} calls without returning Ok(None), {} bytes left", buf.len());
}

fn kind(e: impl Into<FramingError>) -> ErrorKind {
    e.into().kind()
}

// ---------------------------------------------------------------------------
// Default maxima: compared with literals, not with the constants themselves.

#[test]
fn default_maxima_are_8_mib_and_64_kib() {
    assert_eq!(DEFAULT_MAX_FRAME, 8_388_608);
    assert_eq!(DEFAULT_MAX_LENGTH, 65_536);
    assert_eq!(LengthPrefix::default().max_frame, 8_388_608);
    assert_eq!(DelimiterCodec::default().max_length(), 65_536);
    assert_eq!(FramingSpec::default_for("length-prefix").unwrap().to_string(), "length-prefix:u32be,max=8MiB");
    assert_eq!(FramingSpec::default_for("delimiter").unwrap().to_string(), "delimiter:\"\\n\",max=64KiB");
    assert_eq!(FramingSpec::default_for("handshake").unwrap().to_string(), "handshake:max=64KiB");
}

// ---------------------------------------------------------------------------
// length-prefix

#[test]
fn only_widths_1_2_4_and_8_are_valid() {
    for w in [1u8, 2, 4, 8] {
        assert_eq!(LengthPrefix { width: w, ..LengthPrefix::default() }.validate(), Ok(()), "width {w}");
    }
    for w in [0u8, 3, 5, 16] {
        let e = LengthPrefix { width: w, ..LengthPrefix::default() }.validate().unwrap_err();
        assert_eq!(e, BadWidth(w));
        assert_eq!(e.to_string(), format!("header width must be 1, 2, 4 or 8 bytes, not {w}"));
    }
}

#[test]
#[should_panic(expected = "header width must be 1, 2, 4 or 8 bytes, not 3")]
fn a_codec_of_width_3_is_refused() {
    LengthPrefixCodec::new(LengthPrefix { width: 3, ..LengthPrefix::default() });
}

#[test]
fn length_prefix_displays_as_its_spec_text() {
    assert_eq!(LengthPrefix::default().to_string(), "u32be,max=8MiB");
    let p = LengthPrefix { includes_header: true, max_frame: 100, ..LengthPrefix::preset("i16le").unwrap() };
    assert_eq!(p.to_string(), "i16le,includes-header,max=100");
    assert_eq!(p.spec_text("header-max").to_string(), "i16le,includes-header,header-max=100");
    assert_eq!(LengthPrefix::preset("u8").unwrap().to_string(), "u8,max=8MiB");
}

#[test]
fn the_bytes_encoder_writes_the_same_frame_as_the_slice_encoder() {
    let mut c = LengthPrefixCodec::new(LengthPrefix { max_frame: 10, ..LengthPrefix::preset("u16le").unwrap() });
    let mut wire = BytesMut::new();
    c.encode(Bytes::from_static(b"abc"), &mut wire).unwrap();
    c.encode(Bytes::new(), &mut wire).unwrap();
    assert_eq!(&wire[..], b"\x03\x00abc\x00\x00");
    let e = c.encode(Bytes::from_static(&[0; 11]), &mut wire).unwrap_err();
    assert!(matches!(e, LengthPrefixError::FrameTooLarge { declared: 11, max: 10 }), "{e}");
    assert_eq!(kind(e), ErrorKind::FrameTooLarge);
    assert_eq!(wire.len(), 7, "a refused message writes nothing");
}

#[test]
fn the_length_prefix_encoder_reserves_header_plus_body_once() {
    let mut c = LengthPrefixCodec::default();
    let mut wire = BytesMut::new();
    c.encode(&[7u8; 1000][..], &mut wire).unwrap();
    assert_eq!(wire.len(), 1004);
    // One reservation of exactly header + body: a larger one (or growing
    // in two steps) leaves more capacity.
    assert!((1004..1500).contains(&wire.capacity()), "capacity {}", wire.capacity());
}

#[test]
fn a_partial_body_reserves_exactly_the_missing_bytes() {
    // 400,000 of a 1,000,000-byte body are in: the decoder reserves the
    // 600,000 missing, so the buffer's capacity is the whole body, not
    // more (reserving the body plus what is there) and not less (reserving
    // a fraction of it).
    let n = 1_000_000usize;
    let have = 400_000usize;
    let mut buf = BytesMut::with_capacity(4 + have);
    buf.extend_from_slice(&(n as u32).to_be_bytes());
    buf.extend_from_slice(&vec![1u8; have]);
    let mut c = LengthPrefixCodec::new(LengthPrefix { max_frame: n, ..LengthPrefix::default() });
    assert!(c.decode(&mut buf).unwrap().is_none());
    assert_eq!(buf.len(), have, "the header was consumed");
    assert!((n..n + n / 4).contains(&buf.capacity()), "capacity {} for a {n}-byte body", buf.capacity());
    buf.extend_from_slice(&vec![2u8; n - have]);
    let f = c.decode(&mut buf).unwrap().unwrap();
    assert_eq!(f.len(), n);
    assert!(buf.is_empty());
}

#[test]
fn length_prefix_errors_have_their_kinds_and_texts() {
    let lp = |name: &str, max: usize| LengthPrefix { max_frame: max, ..LengthPrefix::preset(name).unwrap() };
    let cases: Vec<(LengthPrefix, Vec<u8>, ErrorKind, &str)> = vec![
        (lp("i32le", 10), (-5i32).to_le_bytes().to_vec(), ErrorKind::NegativeLength, "negative length -5 in header"),
        (
            lp("u16be", 10),
            vec![0, 11],
            ErrorKind::FrameTooLarge,
            "declared length 11 exceeds the maximum frame of 10 bytes",
        ),
        (
            LengthPrefix { includes_header: true, ..lp("u32be", 10) },
            vec![0, 0, 0, 3],
            ErrorKind::LengthBelowHeader,
            "declared length 3 is smaller than the 4-byte header it includes",
        ),
        (
            lp("u64be", usize::MAX),
            vec![0xff; 8],
            ErrorKind::Overflow,
            "header plus body length overflows (declared 18446744073709551615)",
        ),
    ];
    for (f, bytes, want_kind, text) in cases {
        let mut c = LengthPrefixCodec::new(f);
        let mut buf = BytesMut::from(&bytes[..]);
        let e = c.decode(&mut buf).unwrap_err();
        assert_eq!(e.to_string(), text, "{f}");
        assert_eq!(kind(e), want_kind, "{f}");
        assert_eq!(&buf[..], &bytes[..], "{f}: the bad header stays in the buffer");
        let again = c.decode(&mut buf).unwrap_err();
        assert_eq!(kind(again), ErrorKind::Failed, "{f}: the codec stays failed");
    }
    let mut c = LengthPrefixCodec::new(lp("u8", 1000));
    let e = c.encode(&[0u8; 256][..], &mut BytesMut::new()).unwrap_err();
    assert_eq!(e.to_string(), "a 256-byte message does not fit a header whose largest value is 255");
    assert_eq!(kind(e), ErrorKind::DoesNotFitHeader);
}

#[test]
fn header_values_and_limits_are_exact() {
    let f = LengthPrefix { includes_header: true, max_frame: 300, ..LengthPrefix::preset("u16be").unwrap() };
    assert_eq!(f.header_value(0).unwrap(), 2);
    assert_eq!(f.header_value(300).unwrap(), 302);
    assert!(matches!(f.header_value(301), Err(LengthPrefixError::FrameTooLarge { declared: 301, max: 300 })));
    assert_eq!(f.body_len(2).unwrap(), 0);
    assert_eq!(f.body_len(302).unwrap(), 300);
    assert!(matches!(f.body_len(303), Err(LengthPrefixError::FrameTooLarge { declared: 303, max: 300 })));
    assert!(matches!(f.body_len(1), Err(LengthPrefixError::LengthBelowHeader { declared: 1, header: 2 })));
    let s = LengthPrefix::preset("i8").unwrap();
    assert_eq!(s.width_max(), 127);
    assert_eq!(LengthPrefix::preset("u8").unwrap().width_max(), 255);
    assert_eq!(LengthPrefix::preset("u64le").unwrap().width_max(), u64::MAX);
    assert_eq!(LengthPrefix::preset("i64le").unwrap().width_max(), i64::MAX as u64);
    assert_eq!(s.read_raw(&[0x80]), -128);
    assert_eq!(LengthPrefix::preset("u8").unwrap().read_raw(&[0x80]), 128);
    assert_eq!(LengthPrefix::preset("i32be").unwrap().read_raw(&[0xff, 0xff, 0xff, 0xfe]), -2);
    assert_eq!(LengthPrefix::preset("u32le").unwrap().read_raw(&[1, 2, 3, 4]), 0x0403_0201);
    assert_eq!(LengthPrefix::preset("u64be").unwrap().read_raw(&[0, 0, 0, 0, 0, 0, 1, 2]), 0x0102);
    assert_eq!(LengthPrefix::preset("i64le").unwrap().read_raw(&[0xff; 8]), -1);
}

// ---------------------------------------------------------------------------
// delimiter

#[test]
fn the_bytes_encoder_writes_the_same_line_as_the_slice_encoder() {
    let mut c = DelimiterCodec::new(&b"\r\n"[..], 5);
    let mut wire = BytesMut::new();
    c.encode(Bytes::from_static(b"ab"), &mut wire).unwrap();
    c.encode(Bytes::new(), &mut wire).unwrap();
    assert_eq!(&wire[..], b"ab\r\n\r\n");
    let e = c.encode(Bytes::from_static(b"x\r\ny"), &mut wire).unwrap_err();
    assert!(matches!(e, DelimiterError::ContainsDelimiter { at: 1 }), "{e}");
    assert_eq!(e.to_string(), "message contains the delimiter at byte 1; it would be read as two messages");
    assert_eq!(kind(e), ErrorKind::BadMessage);
    let e = c.encode(Bytes::from_static(b"abcdef"), &mut wire).unwrap_err();
    assert!(matches!(e, DelimiterError::MessageTooLong { len: 6, max: 5 }), "{e}");
    assert_eq!(e.to_string(), "message of 6 bytes exceeds the maximum of 5");
    assert_eq!(&wire[..], b"ab\r\n\r\n", "refused messages write nothing");
}

#[test]
fn the_delimiter_encoder_reserves_message_plus_delimiter_once() {
    let mut c = DelimiterCodec::new(&b"\r\n"[..], 4096);
    let mut wire = BytesMut::new();
    c.encode(&[b'x'; 1000][..], &mut wire).unwrap();
    assert_eq!(wire.len(), 1002);
    assert!((1002..1500).contains(&wire.capacity()), "capacity {}", wire.capacity());
}

#[test]
fn an_over_long_line_keeps_exactly_a_possible_delimiter_start() {
    let mut c = DelimiterCodec::new(&b"\r\n"[..], 4);
    let mut buf = BytesMut::from(&b"abcdefg\r"[..]);
    // max + delimiter = 6 bytes without a delimiter: an error, and the 6
    // bytes go but the last (it could start "\r\n"); the 2 not yet looked
    // at stay.
    let e = c.decode(&mut buf).unwrap_err();
    assert!(matches!(e, DelimiterError::MaxLengthExceeded { max: 4 }), "{e}");
    assert_eq!(
        e.to_string(),
        "no delimiter within the maximum message length of 4 bytes; discarding up to the next delimiter"
    );
    assert_eq!(kind(e), ErrorKind::LineTooLong);
    assert_eq!(&buf[..], b"fg\r");
    // Discarding with no delimiter in sight keeps delimiter.len() - 1
    // bytes: the "\r" that may start one.
    assert!(c.decode(&mut buf).unwrap().is_none());
    assert_eq!(&buf[..], b"\r");
    buf.extend_from_slice(b"\nok\r\n");
    assert_eq!(&c.decode(&mut buf).unwrap().unwrap()[..], b"ok");
    assert!(buf.is_empty());
}

#[test]
fn discarding_with_a_five_byte_delimiter_keeps_four_bytes() {
    let mut c = DelimiterCodec::new(&b"<END>"[..], 2);
    let mut buf = BytesMut::from(&b"0123456789"[..]);
    // limit 7: 7 bytes, no delimiter: the first 3 go, "3456" may start one.
    assert!(matches!(c.decode(&mut buf), Err(DelimiterError::MaxLengthExceeded { max: 2 })));
    assert_eq!(&buf[..], b"3456789");
    assert!(c.decode(&mut buf).unwrap().is_none());
    assert_eq!(&buf[..], b"6789");
    buf.extend_from_slice(b"<EN");
    // Still none: the last 4 bytes stay, whatever they are.
    assert!(c.decode(&mut buf).unwrap().is_none());
    assert_eq!(&buf[..], b"9<EN");
    buf.extend_from_slice(b"D>hi<END>");
    assert_eq!(&c.decode(&mut buf).unwrap().unwrap()[..], b"hi");
}

#[test]
fn a_maximum_of_zero_allows_only_empty_lines() {
    let mut c = DelimiterCodec::lines(0);
    let mut buf = BytesMut::from(&b"\nab\n\n"[..]);
    let got = drain(&mut c, &mut buf, 16);
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[0].as_deref().unwrap(), b"");
    assert!(matches!(got[1], Err(DelimiterError::MaxLengthExceeded { max: 0 })), "{got:?}");
    assert_eq!(got[2].as_deref().unwrap(), b"");
    assert!(buf.is_empty());
    let mut c = DelimiterCodec::lines(0);
    assert!(matches!(
        c.encode(&b"a"[..], &mut BytesMut::new()),
        Err(DelimiterError::MessageTooLong { len: 1, max: 0 })
    ));
    let mut wire = BytesMut::new();
    c.encode(&b""[..], &mut wire).unwrap();
    assert_eq!(&wire[..], b"\n");
}

#[test]
fn the_scan_counter_counts_the_discard_path() {
    let mut c = DelimiterCodec::lines(4);
    let mut buf = BytesMut::from(&b"abcdefgh"[..]);
    // 5 bytes looked at, too long; the 3 left are looked at by the discard.
    let got = drain(&mut c, &mut buf, 8);
    assert!(matches!(got[..], [Err(DelimiterError::MaxLengthExceeded { max: 4 })]), "{got:?}");
    assert_eq!(c.scanned_bytes(), 8);
    assert!(buf.is_empty());
    buf.extend_from_slice(b"ij\nok\n");
    // 6 more by the discard, then 3 for "ok\n", 0 for the empty rest.
    let got = drain(&mut c, &mut buf, 8);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].as_deref().unwrap(), b"ok");
    assert_eq!(c.scanned_bytes(), 17);
}

#[test]
fn unterminated_and_discarded_tails_at_eof() {
    let mut c = DelimiterCodec::new(&b"\r\n"[..], 4);
    let mut buf = BytesMut::from(&b"abc\r"[..]);
    let e = c.decode_eof(&mut buf).unwrap_err();
    assert!(matches!(e, DelimiterError::Unterminated { len: 4 }), "{e}");
    assert_eq!(e.to_string(), "stream ended with 4 bytes and no final delimiter");
    assert_eq!(kind(e), ErrorKind::Unterminated);
    assert!(buf.is_empty());
    // The end of a line being discarded is no error: it was reported.
    let mut buf = BytesMut::from(&b"abcdefgh"[..]);
    assert!(matches!(c.decode(&mut buf), Err(DelimiterError::MaxLengthExceeded { max: 4 })));
    assert!(c.decode_eof(&mut buf).unwrap().is_none());
    assert!(buf.is_empty());
    // ... and decoding starts afresh after it.
    let mut buf = BytesMut::from(&b"xy"[..]);
    assert!(matches!(c.decode_eof(&mut buf), Err(DelimiterError::Unterminated { len: 2 })));
}

#[test]
fn long_and_short_haystacks_find_the_same_delimiters() {
    // Inline search for up to 16 bytes, memchr/memmem past that.
    for delim in [&b"\n"[..], b"\r\n"] {
        for len in [0usize, 1, 15, 16, 17, 40] {
            let mut c = DelimiterCodec::new(delim, 100);
            let mut buf = BytesMut::from(&vec![b'a'; len][..]);
            buf.extend_from_slice(delim);
            buf.extend_from_slice(b"z");
            let f = c.decode(&mut buf).unwrap().unwrap();
            assert_eq!(f.len(), len, "{delim:?} after {len} bytes");
            assert_eq!(&buf[..], b"z");
        }
    }
}

// ---------------------------------------------------------------------------
// knobs

#[test]
fn a_preset_knob_keeps_the_maximum_and_the_header_counting() {
    let knobs = Knobs { preset: Some("i16le".into()), ..Knobs::default() };
    let spec: FramingSpec = "length-prefix:u32be,includes-header,max=100".parse().unwrap();
    assert_eq!(knobs.apply(spec).unwrap().to_string(), "length-prefix:i16le,includes-header,max=100");
    let spec: FramingSpec = "json-header:header-max=100,body-max=1KiB".parse().unwrap();
    let FramingSpec::JsonHeader(j) = knobs.apply(spec).unwrap() else { panic!("not json-header") };
    assert_eq!(j.prefix, LengthPrefix { max_frame: 100, ..LengthPrefix::preset("i16le").unwrap() });
    assert_eq!(j.body_max, 1024);
    // json-header's header counting is kept too (found by the spec property
    // against fuzzing::parse_framing: the preset knob reset it).
    let spec: FramingSpec = "json-header:u32le,includes-header,header-max=100".parse().unwrap();
    let FramingSpec::JsonHeader(j) = knobs.apply(spec).unwrap() else { panic!("not json-header") };
    assert_eq!(
        j.prefix,
        LengthPrefix { max_frame: 100, includes_header: true, ..LengthPrefix::preset("i16le").unwrap() }
    );
}

#[test]
fn knobs_override_the_spec_or_say_why_they_do_not_apply() {
    let apply = |k: Knobs, spec: &str| k.apply(spec.parse().unwrap()).map(|s| s.to_string());
    let max = |m: usize| Knobs { max_frame: Some(m), ..Knobs::default() };
    assert_eq!(apply(max(0), "naive"), Ok("naive:read-size=1".into()));
    assert_eq!(apply(max(7), "udp"), Ok("udp:read-size=7".into()));
    assert_eq!(apply(max(7), "delimiter"), Ok("delimiter:\"\\n\",max=7".into()));
    assert_eq!(apply(max(7), "handshake"), Ok("handshake:max=7".into()));
    assert_eq!(apply(max(7), "length-prefix"), Ok("length-prefix:u32be,max=7".into()));
    assert_eq!(apply(max(7), "json-header"), Ok("json-header:u32be,header-max=64KiB,body-max=7".into()));
    assert_eq!(apply(max(7), "resp"), Ok("resp:max=7,depth=128".into()));
    assert_eq!(apply(max(7), "http"), Ok("http:auto,head-max=64KiB,max=7".into()));
    let read = |r: usize| Knobs { read_size: Some(r), ..Knobs::default() };
    assert_eq!(apply(read(9), "naive"), Ok("naive:read-size=9".into()));
    assert_eq!(apply(read(9), "udp"), Ok("udp:read-size=9".into()));
    assert_eq!(apply(read(0), "naive"), Err(KnobError::ReadSize));
    assert_eq!(apply(read(9), "delimiter"), Err(KnobError::ReadSize));
    let delim = |d: &str| Knobs { delimiter: Some(d.into()), ..Knobs::default() };
    assert_eq!(apply(delim("\\r\\n"), "delimiter"), Ok("delimiter:\"\\r\\n\",max=64KiB".into()));
    assert_eq!(apply(delim("\"\""), "delimiter"), Err(KnobError::EmptyDelimiter));
    assert_eq!(apply(delim("\\q"), "delimiter"), Err(KnobError::DelimiterText(EscapeError::Unknown('q'))));
    assert_eq!(apply(delim("x"), "naive"), Err(KnobError::DelimiterStrategy));
    let preset = |p: &str| Knobs { preset: Some(p.into()), ..Knobs::default() };
    assert_eq!(apply(preset("u24"), "length-prefix"), Err(KnobError::UnknownPreset("u24".into())));
    assert_eq!(apply(preset("u8"), "delimiter"), Err(KnobError::PresetStrategy));
    assert_eq!(KnobError::ReadSize.to_string(), "read-size applies to naive and udp, and must be at least 1");
    assert_eq!(
        KnobError::UnknownPreset("u24".into()).to_string(),
        "unknown preset \"u24\" (see framelab list presets)"
    );
}

// ---------------------------------------------------------------------------
// http

#[test]
fn an_http_codec_of_one_mode_encodes_messages_of_the_other() {
    // A client's codec reads responses and writes requests: the encoder
    // checks a message whatever the decoding mode.
    let req = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    for (mode, msg) in [(HttpMode::Response, &req[..]), (HttpMode::Request, &resp[..])] {
        let mut c = HttpCodec::new(HttpFormat { mode, ..HttpFormat::default() });
        let mut wire = BytesMut::new();
        c.encode(msg, &mut wire).unwrap_or_else(|e| panic!("{mode:?}: {e}"));
        c.encode(Bytes::copy_from_slice(msg), &mut wire).unwrap_or_else(|e| panic!("{mode:?}: {e}"));
        assert_eq!(&wire[..], [msg, msg].concat());
    }
}

// ---------------------------------------------------------------------------
// spec

#[test]
fn a_json_header_preset_keeps_the_64_kib_header_maximum() {
    let FramingSpec::JsonHeader(j) = "json-header:i32le".parse().unwrap() else { panic!("not json-header") };
    assert_eq!(j.prefix, LengthPrefix { max_frame: 65_536, ..LengthPrefix::preset("i32le").unwrap() });
    let FramingSpec::LengthPrefix(p) = "length-prefix:i8,includes-header".parse().unwrap() else { panic!() };
    assert_eq!(p, LengthPrefix { includes_header: true, ..LengthPrefix::preset("i8").unwrap() });
    assert_eq!(p.max_frame, 8_388_608);
}

#[test]
fn a_delimiter_codec_reports_its_settings() {
    let c = DelimiterCodec::new(&b"<END>"[..], 12);
    assert_eq!(c.delimiter(), b"<END>");
    assert_eq!(c.max_length(), 12);
    assert_eq!(c.scanned_bytes(), 0);
    let c = DelimiterCodec::default();
    assert_eq!((c.delimiter(), c.max_length()), (&b"\n"[..], 65_536));
    let c = DelimiterCodec::lines(3);
    assert_eq!((c.delimiter(), c.max_length()), (&b"\n"[..], 3));
    let c = LengthPrefixCodec::new(LengthPrefix::preset("i64le").unwrap());
    assert_eq!(*c.format(), LengthPrefix::preset("i64le").unwrap());
    assert_eq!(*LengthPrefixCodec::default().format(), LengthPrefix::default());
}

// ---------------------------------------------------------------------------
// naive

#[test]
fn naive_codecs_pass_bytes_through_in_reads_of_their_size() {
    let mut c = NaiveCodec::new(3);
    assert_eq!(c.read_size(), 3);
    assert_eq!(NaiveCodec::default().read_size(), 1024);
    let mut wire = BytesMut::new();
    c.encode(Bytes::from_static(b"ab"), &mut wire).unwrap();
    c.encode(&b"cde"[..], &mut wire).unwrap();
    assert_eq!(&wire[..], b"abcde");
    let got = drain(&mut c, &mut wire, 10);
    let got: Vec<Vec<u8>> = got.into_iter().map(Result::unwrap).collect();
    assert_eq!(got, [b"abc".to_vec(), b"de".to_vec()]);
    assert!(c.decode_eof(&mut wire).unwrap().is_none());
}

// ---------------------------------------------------------------------------
// kind and any

#[test]
fn rejections_are_exactly_the_refusals_of_bad_input() {
    use strum::VariantArray;
    let rejections: Vec<&str> = ErrorKind::VARIANTS.iter().filter(|k| k.is_rejection()).map(|k| k.name()).collect();
    assert_eq!(
        rejections,
        [
            "frame-too-large",
            "negative-length",
            "length-below-header",
            "overflow",
            "line-too-long",
            "bad-header",
            "bad-length",
            "too-many-connections",
            "too-deep",
            "bad-type",
            "bad-line",
            "bad-payload",
            "head-too-large",
            "bad-head",
            "bad-content-length",
            "ambiguous-length",
            "bad-chunk",
        ]
    );
    assert!(ErrorKind::BadChunk == "bad-chunk");
    assert!(ErrorKind::BadChunk != "bad-head");
}

#[test]
fn any_codec_maxima_and_overheads() {
    let any = |s: &str| s.parse::<FramingSpec>().unwrap().codec();
    let both = |s: &str| (any(s).max_message(), any(s).max_overhead());
    assert_eq!(both("naive:7"), (7, 0));
    assert_eq!(both("udp:9"), (9, 0));
    assert_eq!(both("delimiter:<END>,max=10"), (10, 5));
    assert_eq!(both("handshake:max=10"), (10, 1));
    assert_eq!(both("length-prefix:u16be,max=1MiB"), (65_535, 2));
    assert_eq!(both("length-prefix:u8,includes-header,max=10"), (10, 1));
    assert_eq!(both("json-header:u16le,header-max=100,body-max=1000"), (1000, 102));
    assert_eq!(both("resp:max=50"), (50, 0));
    assert_eq!(both("http:head-max=10,max=20"), (30, 0));
}

#[test]
fn any_codec_encodes_and_decodes_through_its_strategy() {
    for (spec, msg, wire) in [
        ("naive", &b"ab"[..], &b"ab"[..]),
        ("delimiter", b"ab", b"ab\n"),
        ("length-prefix:u8", b"ab", b"\x02ab"),
        ("resp", b"+OK\r\n", b"+OK\r\n"),
        ("http", b"GET / HTTP/1.1\r\n\r\n", b"GET / HTTP/1.1\r\n\r\n"),
    ] {
        let mut c = spec.parse::<FramingSpec>().unwrap().codec();
        let mut buf = BytesMut::new();
        c.encode(msg, &mut buf).unwrap();
        c.encode(Bytes::copy_from_slice(msg), &mut buf).unwrap();
        assert_eq!(&buf[..], [wire, wire].concat(), "{spec}");
        for _ in 0..2 {
            let f = c.decode_eof(&mut buf).unwrap_or_else(|e| panic!("{spec}: {e}"));
            let want = if spec == "naive" { [msg, msg].concat() } else { msg.to_vec() };
            assert_eq!(f.as_deref(), Some(&want[..]), "{spec}");
            if spec == "naive" {
                break;
            }
        }
        assert!(c.decode_eof(&mut buf).unwrap().is_none(), "{spec}");
    }
    // json-header: the item is the body.
    let mut c = "json-header".parse::<FramingSpec>().unwrap().codec();
    let mut buf = BytesMut::new();
    c.encode(&b"body"[..], &mut buf).unwrap();
    assert_eq!(&c.decode(&mut buf).unwrap().unwrap()[..], b"body");
    assert!(c.decode_eof(&mut buf).unwrap().is_none());
}

#[test]
fn only_line_too_long_and_digest_errors_are_recoverable() {
    let e = FramingError::from(DelimiterError::MaxLengthExceeded { max: 1 });
    assert!(e.is_recoverable());
    assert!(!FramingError::from(DelimiterError::Unterminated { len: 1 }).is_recoverable());
    assert!(!FramingError::from(LengthPrefixError::Failed).is_recoverable());
    assert!(!FramingError::from(LengthPrefixError::FrameTooLarge { declared: 2, max: 1 }).is_recoverable());
}

// ---------------------------------------------------------------------------
// frames as slices: the same frames, errors and counts as the Decoder

/// What a codec made of a stream: each frame, or an error's text.
type Events = Vec<Result<Vec<u8>, String>>;

/// Fixed streams per spec: valid frames, empty frames, a frame over the
/// maximum, hostile headers; each is cut at every offset below.
const SLICE_CASES: &[(&str, &[u8])] = &[
    ("naive:read-size=3", b"abcdefgh"),
    ("delimiter:max=4", b"ab\n\nabcd\nmuch too long\nnext\ntail"),
    ("delimiter:\"\\r\\n\",max=5", b"a\r\n\r\nx\ry\r\n123456789\r\nz\r\n"),
    ("length-prefix:u8,max=4", b"\x02ab\x00\x04abcd\x03xyz\x05abcde"),
    ("length-prefix:u16le,includes-header,max=8", b"\x04\x00hi\x02\x00\x05\x00x\x01\x00"),
    (
        "json-header",
        b"\0\0\0j{\"total_size\":2,\"filename\":\"\",\"sha256\":\"8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4\"}hi\
          \0\0\0j{\"total_size\":0,\"filename\":\"\",\"sha256\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}\
          \0\0\0\x02{}",
    ),
    ("resp", b"+OK\r\n:12\r\n$3\r\nabc\r\n*2\r\n+a\r\n$-1\r\n-ERR x\r\n"),
    ("http", b"GET / HTTP/1.1\r\n\r\nPOST /p HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"),
];

/// What `frames` hands out for `reads`: each frame, or an error's text;
/// fails instead of spinning on a codec that keeps failing.
fn slice_events(spec: &str, reads: &[&[u8]]) -> Events {
    let mut c = spec.parse::<FramingSpec>().unwrap().codec();
    let mut buf = BytesMut::new();
    let mut events = Vec::new();
    for read in reads {
        slices::reserve_read(&mut buf, read.len());
        buf.extend_from_slice(read);
        for steps in 0.. {
            assert!(steps < 1000, "{spec}: frames made no progress");
            match c.frames(&mut buf, |f| events.push(Ok(f.to_vec()))) {
                Ok(_) => break,
                Err(e) if e.is_recoverable() => events.push(Err(e.to_string())),
                Err(e) => {
                    events.push(Err(e.to_string()));
                    return events;
                }
            }
        }
    }
    events
}

/// `check::slices_match_decoder` over `reads` of `spec`'s codec.
fn slices_match(spec: &str, reads: &[&[u8]]) -> Result<usize, crate::check::CheckError> {
    let spec = spec.parse::<FramingSpec>().unwrap();
    let (mut d, mut s) = (spec.codec(), spec.codec());
    crate::check::slices_match_decoder(&mut d, &mut s, reads.iter().copied(), FramingError::is_recoverable)
}

#[test]
fn slices_give_the_decoders_frames_errors_and_counts_wherever_the_stream_is_cut() {
    for &(spec, wire) in SLICE_CASES {
        let whole = slices_match(spec, &[wire]).unwrap();
        assert!(whole >= 2, "{spec}: {whole} frames");
        for at in 0..=wire.len() {
            slices_match(spec, &[&wire[..at], &wire[at..]]).unwrap_or_else(|e| panic!("{spec} cut at {at}: {e}"));
        }
        let bytes: Vec<&[u8]> = wire.chunks(1).collect();
        slices_match(spec, &bytes).unwrap_or_else(|e| panic!("{spec} a byte at a time: {e}"));
    }
}

#[test]
fn slices_hand_out_these_frames() {
    let frames = |spec: &str, wire: &[u8]| -> Events { slice_events(spec, &[wire]) };
    let ok = |s: &[u8]| Ok(s.to_vec());
    assert_eq!(frames("naive:read-size=3", b"abcdefgh"), [ok(b"abc"), ok(b"def"), ok(b"gh")]);
    assert_eq!(
        frames("delimiter:max=4", b"ab\n\nabcd\nmuch too long\nnext\ntail"),
        [
            ok(b"ab"),
            ok(b""),
            ok(b"abcd"),
            Err("no delimiter within the maximum message length of 4 bytes; discarding up to the next delimiter"
                .to_string()),
            ok(b"next")
        ]
    );
    let lp = frames("length-prefix:u8,max=4", b"\x02ab\x00\x04abcd\x03xyz\x05abcde");
    assert_eq!(lp[..4], [ok(b"ab"), ok(b""), ok(b"abcd"), ok(b"xyz")]);
    assert_eq!(lp.len(), 5);
    assert!(lp[4].as_ref().unwrap_err().contains("exceeds the maximum"), "{lp:?}");
    assert_eq!(
        frames("json-header", SLICE_CASES[5].1),
        [ok(b"hi"), ok(b""), Err("invalid JSON header: missing field `total_size` at line 1 column 2".to_string())]
    );
}

#[test]
fn delimiter_slices_scan_count_and_keep_the_bytes_the_decoder_does() {
    // Lines, an over-long line cut across reads (discarded up to its
    // delimiter), a multi-byte delimiter split across reads.
    for (delim, max, wire) in [
        (&b"\n"[..], 4, &b"ab\nabcdefghij\nxy\nlongerthanmax"[..]),
        (b"<END>", 5, b"a<END>0123456789<EN<END>z<END>tail<E"),
    ] {
        for at in 0..=wire.len() {
            let mut d = DelimiterCodec::new(delim, max);
            let mut s = DelimiterCodec::new(delim, max);
            let (mut dbuf, mut sbuf) = (BytesMut::new(), BytesMut::new());
            for read in [&wire[..at], &wire[at..]] {
                dbuf.extend_from_slice(read);
                drain(&mut d, &mut dbuf, 100);
                sbuf.extend_from_slice(read);
                for _ in 0..100 {
                    if s.frames(&mut sbuf, |_| {}).is_ok() {
                        break;
                    }
                }
                assert_eq!(sbuf, dbuf, "{:?} cut at {at}: bytes kept", std::str::from_utf8(delim));
                assert_eq!(
                    s.scanned_bytes(),
                    d.scanned_bytes(),
                    "{:?} cut at {at}: bytes scanned",
                    std::str::from_utf8(delim)
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// http

#[test]
fn http_defaults_methods_and_scan_count_are_exact() {
    assert_eq!(http::DEFAULT_HEAD_MAX, 65_536);
    assert_eq!(http::DEFAULT_MAX, 67_108_864);
    assert_eq!(RequestMethod::of("CONNECT"), RequestMethod::Connect);
    assert_eq!(RequestMethod::of("HEAD"), RequestMethod::Head);
    assert_eq!(RequestMethod::of("connect"), RequestMethod::Get);
    // A head fed whole is scanned once: the 25 bytes of its two lines
    // (the search stops where the blank line starts).
    let head = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut c = HttpCodec::default();
    let mut buf = BytesMut::from(&head[..]);
    assert_eq!(c.decode(&mut buf).unwrap().as_deref(), Some(&head[..]));
    assert_eq!(c.scanned_bytes(), 25);
}
