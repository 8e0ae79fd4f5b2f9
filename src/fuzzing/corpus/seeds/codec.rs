//! The seeds of the codec targets: `decode_*`, `roundtrip_*`, `chunking_*`.

use super::*;

pub(super) fn decode_naive_seeds(seeds: &mut Seeds) {
    seeds.add("read1-chunk1".into(), decode_input(0, 1, b"hello world"));
    seeds.add("read64-chunk7".into(), decode_input(63, 7, &b"helloworld".repeat(20)));
    seeds.add("read17-chunk256".into(), decode_input(16, 256, &(0..=255u8).cycle().take(600).collect::<Vec<_>>()));
    seeds.add("empty-stream".into(), decode_input(5, 5, b""));
}

pub(super) fn decode_delimiter_seeds(seeds: &mut Seeds) {
    for (c, (label, d)) in DELIMITERS.iter().enumerate() {
        let c = c as u8;
        seeds.add(
            format!("{label}-two-lines-and-an-empty-one-chunk1"),
            decode_input(c, 1, &cat(&[b"hello", d, d, b"x", d])),
        );
        seeds.add(format!("{label}-delimiter-split-chunk3"), decode_input(c, 3, &cat(&[b"ab", d, b"cd", d])));
        seeds.add(format!("{label}-line-at-max"), decode_input(c, 64, &cat(&[&filler(FUZZ_MAX), d, b"ok", d])));
        seeds.add(
            format!("{label}-line-over-max-then-a-good-one"),
            decode_input(c, 100, &cat(&[&filler(FUZZ_MAX + 1), d, b"next", d])),
        );
        seeds.add(format!("{label}-no-delimiter"), decode_input(c, 256, &filler(1500)));
        seeds.add(format!("{label}-unterminated-tail"), decode_input(c, 2, &cat(&[b"a", d, b"tail"])));
    }
}

pub(super) fn decode_length_prefix_seeds(seeds: &mut Seeds) {
    let s = Strategy::LengthPrefix;
    for p in presets() {
        for incl in [false, true] {
            let c = config(p, incl);
            let l = preset_label(c, "incl");
            seeds.add(format!("{l}-two-frames-chunk1"), decode_input(c, 1, &framed(s, c, &[b"hello", b""])));
            let big = filler(largest_length_prefix_message(c));
            seeds.add(format!("{l}-frame-at-max-chunk3"), decode_input(c, 3, &framed(s, c, &[&big, b"z"])));
        }
        let c = config(p, false);
        let l = preset_label(c, "incl");
        let over = raw_header(s, c, FUZZ_MAX as i128 + 1);
        seeds.add(format!("{l}-over-max"), decode_input(c, 2, &cat(&[&over, b"body"])));
        let width = raw_header(s, c, 0).len();
        let huge = vec![0x7f; width]; // a huge positive length in either byte order
        seeds.add(format!("{l}-huge-length"), decode_input(c, 256, &cat(&[&huge, &filler(300)])));
        seeds.add(format!("{l}-all-ones-header"), decode_input(c, 1, &vec![0xff; width + 4]));
        let frame = framed(s, c, &[b"hello"]);
        seeds.add(format!("{l}-header-cut-at-eof"), decode_input(c, 1, &frame[..width.div_ceil(2)]));
        seeds.add(format!("{l}-body-cut-at-eof"), decode_input(c, 4, &frame[..frame.len() - 2]));
        if FUZZ_PRESETS[p].starts_with('i') {
            seeds.add(format!("{l}-negative-one"), decode_input(c, 3, &cat(&[&raw_header(s, c, -1), b"abc"])));
            let min = -(1i128 << (width * 8 - 1));
            seeds.add(format!("{l}-most-negative"), decode_input(c, 8, &raw_header(s, c, min)));
        }
        let ci = config(p, true);
        let below = raw_header(s, ci, width as i128 - 1);
        seeds.add(format!("{}-below-header", preset_label(ci, "incl")), decode_input(ci, 1, &cat(&[&below, b"abc"])));
    }
}

pub(super) fn decode_json_header_seeds(seeds: &mut Seeds) {
    let s = Strategy::JsonHeader;
    for p in presets() {
        for lax in [false, true] {
            let c = config(p, lax);
            let l = preset_label(c, "if-present");
            seeds.add(format!("{l}-two-frames-chunk1"), decode_input(c, 1, &framed(s, c, &[b"hello", b""])));
            seeds.add(format!("{l}-body-at-max-chunk5"), decode_input(c, 5, &framed(s, c, &[&filler(FUZZ_MAX)])));
        }
        let c = config(p, false);
        let l = preset_label(c, "if-present");
        let frame = framed(s, c, &[b"hello"]);
        seeds.add(format!("{l}-header-cut-at-eof"), decode_input(c, 1, &frame[..frame.len() / 2]));
        if FUZZ_PRESETS[p].starts_with('i') {
            seeds.add(format!("{l}-negative-header-length"), decode_input(c, 2, &raw_header(s, c, -1)));
        }
    }
    let (c, lax) = (config(0, false), config(0, true));
    let hello = digest_hex(DigestKind::Sha256, b"hello");
    let hello_md5 = digest_hex(DigestKind::Md5, b"hello");
    let ok = |name: &str| format!(r#"{{"total_size":5,"filename":"{name}","sha256":"{hello}"}}"#);
    let cases: Vec<(&str, u8, Vec<u8>)> = vec![
        ("nested-arrays", c, json_frame(c, &"[".repeat(200), b"")),
        ("nested-objects", c, json_frame(c, &r#"{"a":"#.repeat(50), b"")),
        ("header-not-json", c, json_frame(c, "hello", b"")),
        ("header-over-max", c, cat(&[&raw_header(s, c, FUZZ_MAX as i128 + 1), b"{}"])),
        ("total-size-huge", c, json_frame(c, r#"{"total_size":18446744073709551615,"sha256":"00"}"#, b"")),
        ("total-size-over-max", c, json_frame(c, r#"{"total_size":257,"sha256":"00"}"#, &filler(257))),
        ("total-size-negative", c, json_frame(c, r#"{"total_size":-1}"#, b"")),
        ("total-size-float", c, json_frame(c, r#"{"total_size":5.0}"#, b"hello")),
        ("missing-digest-required", c, json_frame(c, r#"{"total_size":5}"#, b"hello")),
        ("missing-digest-if-present", lax, json_frame(lax, r#"{"total_size":5}"#, b"hello")),
        (
            "wrong-sha256-then-good",
            c,
            cat(&[
                &json_frame(c, &ok("a").replace(&hello[..8], "00000000"), b"hello"),
                &json_frame(c, &ok("b"), b"hello"),
            ]),
        ),
        ("uppercase-sha256", c, json_frame(c, &ok("a").replace(&hello, &hello.to_uppercase()), b"hello")),
        (
            "md5-digest",
            c,
            json_frame(c, &format!(r#"{{"total_size":5,"filename":"a.txt","md5":"{hello_md5}"}}"#), b"hello"),
        ),
        (
            "md5-placeholder",
            c,
            json_frame(c, r#"{"total_size":5,"filename":"a","md5":"1231231231232132131232311"}"#, b"hello"),
        ),
        (
            "unknown-fields-and-escapes",
            c,
            json_frame(
                c,
                &format!(r#"{{"x":[1,{{}}],"filename":"\u00e9\n","total_size":5,"sha256":"{hello}"}}"#),
                b"hello",
            ),
        ),
    ];
    for (n, c, stream) in cases {
        seeds.add(n.to_string(), decode_input(c, 7, &stream));
    }
}

pub(super) fn roundtrip_naive_seeds(seeds: &mut Seeds) {
    for c in [0u8, 63] {
        let messages = vec![b"hello".to_vec(), vec![], b"world".to_vec(), filler(100)];
        seeds.add(format!("read{}", c + 1), RoundtripInput { config: c, messages }.to_bytes());
    }
}

pub(super) fn roundtrip_delimiter_seeds(seeds: &mut Seeds) {
    for (c, (label, d)) in DELIMITERS.iter().enumerate() {
        let messages = vec![
            b"hello".to_vec(),
            vec![],
            b"a\rb\n<EN".to_vec(),
            filler(FUZZ_MAX),
            filler(FUZZ_MAX + 1),
            cat(&[b"with", d, b"inside"]),
        ];
        seeds.add(label.to_string(), RoundtripInput { config: c as u8, messages }.to_bytes());
    }
}

pub(super) fn roundtrip_length_prefix_seeds(seeds: &mut Seeds) {
    for p in presets() {
        for incl in [false, true] {
            let c = config(p, incl);
            let messages =
                vec![b"hello".to_vec(), vec![], filler(FUZZ_MAX - 1), filler(FUZZ_MAX), filler(FUZZ_MAX + 1)];
            seeds.add(preset_label(c, "incl"), RoundtripInput { config: c, messages }.to_bytes());
        }
    }
}

pub(super) fn roundtrip_json_header_seeds(seeds: &mut Seeds) {
    for p in presets() {
        for lax in [false, true] {
            let c = config(p, lax);
            let messages = vec![b"hello".to_vec(), vec![], filler(FUZZ_MAX), filler(FUZZ_MAX + 1)];
            seeds.add(preset_label(c, "if-present"), RoundtripInput { config: c, messages }.to_bytes());
        }
    }
}

pub(super) fn chunking_naive_seeds(seeds: &mut Seeds) {
    let input = ChunkingInput {
        config: 3,
        messages: vec![b"hello".to_vec(), b"world".to_vec()],
        tail: b"tail".to_vec(),
        cuts: vec![1, 2, 3, 7, 100],
    };
    seeds.add("read4".into(), input.to_bytes());
}

pub(super) fn chunking_delimiter_seeds(seeds: &mut Seeds) {
    for (c, (label, d)) in DELIMITERS.iter().enumerate() {
        let messages = vec![b"hello".to_vec(), vec![], filler(FUZZ_MAX)];
        let wire_len = 5 + 256 + 3 * d.len();
        let partial = ChunkingInput {
            config: c as u8,
            messages: messages.clone(),
            tail: b"partial".to_vec(),
            cuts: every_cut(wire_len + 7),
        };
        seeds.add(format!("{label}-unterminated-tail-every-cut"), partial.to_bytes());
        let long = ChunkingInput {
            config: c as u8,
            messages,
            tail: cat(&[&filler(300), d, b"ok", d]),
            cuts: vec![3, 6, 270, 300, 560, 600],
        };
        seeds.add(format!("{label}-over-long-tail"), long.to_bytes());
    }
}

pub(super) fn chunking_length_prefix_seeds(seeds: &mut Seeds) {
    let s = Strategy::LengthPrefix;
    for p in presets() {
        for incl in [false, true] {
            let c = config(p, incl);
            let l = preset_label(c, "incl");
            let messages = vec![b"hello".to_vec(), vec![]];
            let wire = framed(s, c, &[b"hello", b""]);
            let header = framed(s, c, &[b"abc"]);
            let cut_header = ChunkingInput {
                config: c,
                messages: messages.clone(),
                tail: header[..header.len() - 4].to_vec(),
                cuts: every_cut(wire.len() + header.len()),
            };
            seeds.add(format!("{l}-partial-frame-every-cut"), cut_header.to_bytes());
            let over = raw_header(s, c, FUZZ_MAX as i128 + 1);
            seeds.add(
                format!("{l}-over-max-tail"),
                ChunkingInput {
                    config: c,
                    messages,
                    tail: cat(&[&over, b"xyz"]),
                    cuts: every_cut(wire.len() + over.len() + 3),
                }
                .to_bytes(),
            );
        }
    }
}

pub(super) fn chunking_json_header_seeds(seeds: &mut Seeds) {
    let s = Strategy::JsonHeader;
    for p in presets() {
        let c = config(p, p % 2 == 1);
        let l = preset_label(c, "if-present");
        let messages = vec![b"a".to_vec(), vec![]];
        let wire = framed(s, c, &[b"a", b""]);
        let next = framed(s, c, &[b"partial"]);
        let partial = ChunkingInput {
            config: c,
            messages: messages.clone(),
            tail: next[..next.len() - 3].to_vec(),
            cuts: every_cut(wire.len() + next.len()),
        };
        seeds.add(format!("{l}-partial-frame-every-cut"), partial.to_bytes());
        let bad = json_frame(c, r#"{"total_size":3,"sha256":"00"}"#, b"abc");
        seeds.add(
            format!("{l}-bad-digest-tail"),
            ChunkingInput { config: c, messages, tail: bad, cuts: vec![1, 2, 5, 40, 90, 200, 230] }.to_bytes(),
        );
    }
}
