//! The curated seeds of this codec's fuzz targets (`fuzz/seeds/`), written
//! through [`SeedSink`]: `cargo test --lib fuzzing::corpus` compares them
//! with the committed files.

use super::RespCodec;
use crate::framing::registry::{SeedSink, cat, filler, framed};

pub(crate) fn decode(seeds: &mut dyn SeedSink) {
    // Config 7 is depth 8, config 0 depth 1 (see fuzz_format).
    let commands = framed::<RespCodec>(seeds.max(), 7, &[b"SET k hello", b"GET k", b"*1\r\n$4\r\nPING\r\n"]);
    seeds.decode("pipelined-commands-chunk1", 7, 1, &commands);
    let replies: &[&[u8]] = &[
        b"+OK\r\n",
        b"-ERR wrong type\r\n",
        b":-42\r\n",
        b"$5\r\nhello\r\n",
        b"$-1\r\n",
        b"*-1\r\n",
        b"$4\r\na\r\nb\r\n",
        b"*3\r\n:1\r\n*2\r\n+a\r\n*0\r\n$-1\r\n",
        b"_\r\n#t\r\n,3.14\r\n,-inf\r\n(12345678901234567890\r\n",
        b"!9\r\nERR oops!\r\n=8\r\ntxt:abcd\r\n",
        b"%1\r\n+k\r\n~2\r\n:1\r\n:2\r\n",
        b"|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n>2\r\n+message\r\n+hi\r\n",
    ];
    seeds.decode("every-type-chunk3", 7, 3, &replies.concat());
    seeds.decode("every-type-chunk256", 7, 256, &replies.concat());
    let mut deep = b"*1\r\n".repeat(20);
    deep.extend_from_slice(b":1\r\n");
    seeds.decode("nested-past-depth", 7, 5, &deep);
    seeds.decode("nested-depth-1", 0, 4, b"*1\r\n:1\r\n*1\r\n*0\r\n");
    for (n, v) in [
        ("length-2-pow-63", &b"$9223372036854775808\r\n"[..]),
        ("length-2-pow-64-minus-1", b"$18446744073709551615\r\n"),
        ("count-i64-max", b"*9223372036854775807\r\n"),
        ("map-count-doubles-past-i64", b"%4611686018427387904\r\n"),
        ("negative-length", b"$-2\r\nab\r\n"),
        ("inline-command", b"GET k\r\n"),
        ("bare-lf", b"+OK\n+OK\r\n"),
        ("wrong-declared-length", b"$3\r\nhello\r\n"),
        ("truncated-bulk", b"+OK\r\n$5\r\nhel"),
    ] {
        seeds.decode(n, 7, 2, v);
    }
    let at_max = cat(&[b"$248\r\n", &filler(248), b"\r\n"]);
    assert_eq!(at_max.len(), seeds.max());
    seeds.decode("bulk-at-max", 7, 64, &cat(&[&at_max, b"+next\r\n"]));
    seeds.decode("line-without-end", 7, 64, &cat(&[b"+", &filler(600)]));
}
pub(crate) fn roundtrip(seeds: &mut dyn SeedSink) {
    for c in [7u8, 0] {
        let messages = vec![
            b"SET k hello".to_vec(),
            b"GET k".to_vec(),
            b" \t ".to_vec(),
            vec![],
            b"$5\r\nhello\r\n".to_vec(),
            b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n".to_vec(),
            b"*1\r\n*1\r\n:1\r\n".to_vec(),
            b"+a\r\n+b\r\n".to_vec(),
            b"$5\r\nhel".to_vec(),
            b"%1\r\n+a\r\n:1\r\n".to_vec(),
            cat(&[b"SET k ", &filler(240)]),
            cat(&[b"SET k ", &filler(250)]),
        ];
        seeds.roundtrip(&format!("depth{}", 1 + c % 8), c, messages);
    }
}
