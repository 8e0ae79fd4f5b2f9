//! The spec syntax, strategy by strategy.

use bytes::Bytes;

use super::*;
use crate::framing::delimiter::DEFAULT_MAX_LENGTH;
use crate::framing::length_prefix::PRESETS;
use crate::framing::{DigestKind, DigestPolicy, Endian, HttpMode, RequestMethod, RespFormat};

#[test]
fn spec_examples_parse_to_the_right_knobs() {
    let s: FramingSpec = "length-prefix:i32le,max=1MiB".parse().unwrap();
    let FramingSpec::LengthPrefix(p) = s else { panic!() };
    assert_eq!((p.width, p.endian, p.signed, p.max_frame), (4, Endian::Little, true, 1 << 20));
    let s: FramingSpec = r#"delimiter:"\r\n",max=4KiB"#.parse().unwrap();
    assert_eq!(
        s,
        FramingSpec::Delimiter(crate::framing::DelimiterFormat {
            delimiter: Bytes::from_static(b"\r\n"),
            max_length: 4096
        })
    );
    let s: FramingSpec = "delimiter:<END>".parse().unwrap();
    assert_eq!(s.codec().max_message(), DEFAULT_MAX_LENGTH);
    let s: FramingSpec = "naive:16".parse().unwrap();
    assert_eq!(s, FramingSpec::Naive(crate::framing::NaiveFormat { read_size: 16 }));
    assert_eq!(
        "raw".parse::<FramingSpec>().unwrap(),
        FramingSpec::Naive(crate::framing::NaiveFormat { read_size: 1024 })
    );
    let s: FramingSpec = "length-prefix:width=2,endian=little,signed,includes-header".parse().unwrap();
    let FramingSpec::LengthPrefix(p) = s else { panic!() };
    assert_eq!((p.width, p.endian, p.signed, p.includes_header), (2, Endian::Little, true, true));
    let s: FramingSpec = "json-header:i32le,digest=md5,verify=ignore,body-max=1KiB".parse().unwrap();
    let FramingSpec::JsonHeader(j) = s else { panic!() };
    assert_eq!((j.prefix.signed, j.digest, j.verify, j.body_max), (true, DigestKind::Md5, DigestPolicy::Ignore, 1024));
    let s: FramingSpec = "resp:max=1MiB,depth=64".parse().unwrap();
    assert_eq!(s, FramingSpec::Resp(RespFormat { max: 1 << 20, depth: 64 }));
    assert_eq!(s.to_string(), "resp:max=1MiB,depth=64");
    let s: FramingSpec = "http:response,max=1KiB,method=HEAD".parse().unwrap();
    let FramingSpec::Http(h) = s else { panic!() };
    assert_eq!((h.mode, h.max, h.head_max, h.method), (HttpMode::Response, 1024, 64 << 10, RequestMethod::Head));
    assert_eq!(s.to_string(), "http:response,head-max=64KiB,max=1KiB,method=HEAD");
}

#[test]
fn spec_errors_say_what_was_expected() {
    for (bad, want) in [
        ("carrier-pigeon", "expected a strategy"),
        ("length-prefix:u24be", "expected a preset"),
        ("length-prefix:width=3", "expected width=1, 2, 4 or 8"),
        ("length-prefix:max=lots", "expected a size"),
        ("delimiter:\"\"", "must not be empty"),
        ("delimiter:\"abc", "unterminated quote"),
        ("delimiter:\\q", "unknown escape"),
        ("naive:0", "at least 1"),
        ("json-header:digest=crc", "expected digest=sha256"),
        ("naive:,", "expected"),
        ("resp:depth=0", "at least 1"),
        ("resp:deep", "expected max=SIZE or depth=N"),
        ("http:client", "expected auto, request, response"),
        ("http:method=POST", "expected method=GET, HEAD or CONNECT"),
    ] {
        let e = bad.parse::<FramingSpec>().unwrap_err().to_string();
        assert!(e.contains(want), "{bad}: {e}");
    }
}

#[test]
fn display_reparses_to_the_same_spec() {
    for s in [
        "naive",
        "udp:1024",
        "delimiter",
        r#"delimiter:"a,b\x01""#,
        "length-prefix:u16le,includes-header,max=100",
        "json-header:i64le,digest=md5,verify=if-present",
        "handshake:max=1KiB",
        "length-prefix:width=1,endian=little,signed=true",
        "json-header:endian=little,width=1",
        "resp",
        "resp:max=1MiB,depth=64",
        "http",
        "http:response,max=1KiB,method=HEAD",
        "http:request,head-max=100,body-max=7",
    ] {
        let spec: FramingSpec = s.parse().unwrap();
        let again: FramingSpec = spec.to_string().parse().unwrap();
        assert_eq!(spec, again, "{s} -> {spec}");
    }
}

#[test]
fn names_quotes_escapes_and_flags_are_exact() {
    // Every strategy knows its name; an unknown one is told them all.
    for info in STRATEGIES {
        assert_eq!(FramingSpec::default_for(info.name).unwrap().strategy(), info.name);
    }
    let e = "pigeon".parse::<FramingSpec>().unwrap_err().to_string();
    let names: Vec<&str> = STRATEGIES.iter().map(|s| s.name).collect();
    assert!(e.contains(&format!("expected a strategy ({} or raw)", names.join(", "))), "{e}");
    // A backslash escapes a quote, which then neither opens nor closes.
    let s: FramingSpec = r#"delimiter:"\"",max=5"#.parse().unwrap();
    assert_eq!(
        s,
        FramingSpec::Delimiter(crate::framing::DelimiterFormat { delimiter: Bytes::from_static(b"\""), max_length: 5 })
    );
    // An `=` inside a quoted delimiter is not a key.
    let s: FramingSpec = r#"delimiter:"a=b""#.parse().unwrap();
    assert_eq!(
        s,
        FramingSpec::Delimiter(crate::framing::DelimiterFormat {
            delimiter: Bytes::from_static(b"a=b"),
            max_length: DEFAULT_MAX_LENGTH
        })
    );
    // Shown bytes: cut only past the maximum; control bytes escaped.
    assert_eq!(show(b"abc", 3), r#""abc""#);
    assert_eq!(show(b"abcd", 3), r#""abc"... (4 bytes)"#);
    assert_eq!(escape(b"\x01\x7f"), r#""\x01\x7f""#);
    // Bytes that are not UTF-8 in hex, as a scenario file writes them; a
    // character cut at the maximum is still text.
    assert_eq!(show(b"\x8a\x5c\x01", 8), r#"{ hex = "8a5c 01" }"#);
    assert_eq!(show(b"\x8a\x5c\x01\x00\x02", 2), r#"{ hex = "8a5c ..." } (5 bytes)"#);
    assert_eq!(show("né".as_bytes(), 2), r#""n\xc3"... (3 bytes)"#);
    // Flags: true and false in every spelling.
    for (v, want) in
        [("", true), ("=true", true), ("=yes", true), ("=1", true), ("=false", false), ("=no", false), ("=0", false)]
    {
        let s: FramingSpec = format!("length-prefix:u16be,signed{v},includes-header{v}").parse().unwrap();
        let FramingSpec::LengthPrefix(p) = s else { panic!() };
        assert_eq!((p.signed, p.includes_header), (want, want), "{v}");
    }
    // A naive spec takes a read size and nothing else.
    let e = "naive:max=5".parse::<FramingSpec>().unwrap_err().to_string();
    assert!(e.contains("expected read-size=N"), "{e}");
    // Every method HTTP responses may answer.
    for (m, want) in [("GET", RequestMethod::Get), ("HEAD", RequestMethod::Head), ("CONNECT", RequestMethod::Connect)] {
        let s: FramingSpec = format!("http:method=HEAD,method={m}").parse().unwrap();
        let FramingSpec::Http(f) = s else { panic!() };
        assert_eq!(f.method, want, "{m}");
    }
    // `unsigned` undoes a signed preset; a key that is none of the
    // prefix's is refused; json-header's two maxima.
    let s: FramingSpec = "length-prefix:i32be,unsigned".parse().unwrap();
    assert!(matches!(s, FramingSpec::LengthPrefix(p) if !p.signed));
    let e = "length-prefix:size=5".parse::<FramingSpec>().unwrap_err().to_string();
    assert!(
        e.contains("expected a preset, width=, endian=, signed=, includes-header=, offset=, adjust= or max="),
        "{e}"
    );
    let s: FramingSpec = "json-header:max=5,header-max=7".parse().unwrap();
    assert!(matches!(s, FramingSpec::JsonHeader(f) if f.body_max == 5 && f.prefix.max_frame == 7), "{s}");
    // A word that is no preset: the presets are listed.
    let e = "length-prefix:bogus".parse::<FramingSpec>().unwrap_err().to_string();
    let presets: Vec<&str> = PRESETS.iter().map(|(n, _)| *n).collect();
    assert!(e.contains(&format!("expected a preset ({}) or KEY=VALUE", presets.join(", "))), "{e}");
}
