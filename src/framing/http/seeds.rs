//! The curated seeds of this codec's fuzz targets (`fuzz/seeds/`), written
//! through [`SeedSink`]: `cargo test --lib fuzzing::corpus` compares them
//! with the committed files.

use super::HttpCodec;
use crate::framing::registry::{SeedSink, cat, every_cut, filler, framed};

pub(crate) fn decode(seeds: &mut dyn SeedSink) {
    // Config % 3: 0 auto, 1 request, 2 response; bit 7: answers to HEAD.
    let requests: &[&[u8]] = &[
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        b"POST /f HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
        b"PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nX-T: 1\r\n\r\n",
        b"GET /lf HTTP/1.1\nHost: a\n\n",
    ];
    seeds.decode("requests-chunk1", 1, 1, &requests.concat());
    seeds.decode("requests-auto-chunk13", 0, 13, &requests.concat());
    let responses: &[&[u8]] = &[
        b"HTTP/1.1 100 Continue\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.1 204 No Content\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n",
        b"HTTP/1.0 200 OK\r\n\r\nto the end of the stream",
    ];
    seeds.decode("responses-chunk7", 2, 7, &responses.concat());
    let head_answer = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
    seeds.decode("answers-to-head", 128, 5, &head_answer.repeat(3));
    seeds.decode("switching-protocols", 2, 9, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n\x81\x02hi");
    for (n, c, v) in [
        ("cl-and-te", 1u8, &b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"[..]),
        ("two-equal-cl", 1, b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"),
        ("conflicting-cl", 0, b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 20\r\n\r\nx"),
        ("cl-overflow", 0, b"POST / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n"),
        ("cl-2-pow-63", 0, b"POST / HTTP/1.1\r\nContent-Length: 9223372036854775808\r\n\r\n"),
        ("chunk-size-overflow", 1, b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1FFFFFFFFFFFFFFFF\r\n"),
        ("chunk-not-crlf", 1, b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd0\r\n\r\n"),
        ("te-not-chunked", 1, b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
        ("response-in-request-mode", 1, b"HTTP/1.1 200 OK\r\n\r\n"),
        ("bad-header", 0, b"GET / HTTP/1.1\r\nno colon\r\n\r\n"),
        ("body-cut-at-eof", 0, b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"),
    ] {
        seeds.decode(n, c, 3, v);
    }
    seeds.decode("head-without-end", 0, 64, &cat(&[b"GET / HTTP/1.1\r\nX: ", &filler(600)]));
}
pub(crate) fn chunking(seeds: &mut dyn SeedSink) {
    let requests = vec![
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n".to_vec(),
        b"POST /f HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello".to_vec(),
        b"PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nX-T: 1\r\n\r\n".to_vec(),
        b"HEAD /x".to_vec(),
    ];
    let wire_len = framed::<HttpCodec>(seeds.max(), 0, &requests.iter().map(|m| &m[..]).collect::<Vec<_>>()).len();
    let tail = b"POST /p HTTP/1.1\r\nContent-Length: 9\r\n\r\npart".to_vec();
    let cuts = every_cut(wire_len + tail.len());
    seeds.chunking("requests-partial-tail-every-cut", 0, requests.clone(), tail, cuts);
    let responses = vec![
        b"HTTP/1.1 100 Continue\r\n\r\n".to_vec(),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n".to_vec(),
        b"HTTP/1.1 204 No Content\r\n\r\n".to_vec(),
    ];
    let wire_len = framed::<HttpCodec>(seeds.max(), 2, &responses.iter().map(|m| &m[..]).collect::<Vec<_>>()).len();
    let tail = b"HTTP/1.0 200 OK\r\n\r\nread to the end".to_vec();
    let cuts = every_cut(wire_len + tail.len());
    seeds.chunking("responses-to-eof-every-cut", 2, responses, tail, cuts);
    let tail = b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec();
    seeds.chunking("smuggling-tail", 1, requests, tail, vec![1, 20, 47, 60, 90, 150, 200, 260]);
}
