//! Reference servers over real loopback sockets: handlers per strategy,
//! each seed-style variant's bug against the correct server, and hostile
//! peers that must end only their own connection.

use std::time::Duration;

use bytes::BytesMut;
use framelab::framing::{FramingSpec, JsonHeaderCodec, LengthPrefix, LengthPrefixCodec};
use framelab::kernel_queue::{Drained, wait_drained};
use framelab::server::{CloseReason, Handler, Observation, Server, ServerConfig, Variant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio_util::codec::{Decoder, Encoder};

const T: Duration = Duration::from_secs(5);

async fn start(spec: &str, variant: Variant, handler: Handler) -> Server {
    let cfg = ServerConfig::new(spec.parse().unwrap()).variant(variant).handler(handler);
    Server::start(cfg).await.unwrap()
}

async fn connect(s: &Server) -> TcpStream {
    let c = TcpStream::connect(s.addr()).await.unwrap();
    c.set_nodelay(true).unwrap();
    c
}

/// Reads replies with `spec`'s codec until `n` arrived (or the timeout).
async fn read_replies(c: &mut TcpStream, spec: &str, n: usize) -> Vec<Vec<u8>> {
    let mut codec = spec.parse::<FramingSpec>().unwrap().codec();
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + T;
    while out.len() < n {
        while let Some(m) = codec.decode(&mut buf).unwrap() {
            out.push(m.to_vec());
        }
        if out.len() >= n {
            break;
        }
        match tokio::time::timeout_at(deadline, c.read_buf(&mut buf)).await {
            Ok(Ok(0)) | Err(_) => break,
            Ok(Ok(_)) => {}
            Ok(Err(e)) => panic!("{e}"),
        }
    }
    out
}

/// Closes the write side and waits until the server recorded `conns`
/// closed connections.
async fn settle(s: &Server, conns: usize) -> Observation {
    let (obs, ok) =
        s.log().wait_until(T, |o| o.connections.iter().filter(|c| c.closed().is_some()).count() >= conns).await;
    assert!(ok, "server did not close {conns} connections: {obs:?}");
    obs
}

/// Waits until the server has read every byte written on `c` so far (the
/// kernel's view of both queues: no sleep), so that the next write reaches
/// a separate `read()` of the server.
async fn read_by_server(c: &TcpStream) {
    assert_eq!(wait_drained(c, T).await, Drained::Empty, "the server did not read what was written");
}

fn frame(spec: &str, msgs: &[&[u8]]) -> Vec<u8> {
    let mut codec = spec.parse::<FramingSpec>().unwrap().codec();
    let mut out = BytesMut::new();
    for m in msgs {
        codec.encode(*m, &mut out).unwrap();
    }
    out.to_vec()
}

async fn good_client_is_served(s: &Server, spec: &str) {
    let mut c = connect(s).await;
    c.write_all(&frame(spec, &[b"still here"])).await.unwrap();
    let r = read_replies(&mut c, spec, 1).await;
    assert_eq!(r, vec![b"still here".to_vec()], "a good client was not served after a hostile one");
}

#[tokio::test]
async fn every_framed_strategy_answers_with_every_handler() {
    for spec in [
        "delimiter",
        r#"delimiter:"\r\n""#,
        "length-prefix",
        "length-prefix:i32le",
        "length-prefix:u16be",
        "json-header",
    ] {
        for (handler, want) in [
            (Handler::Echo, b"hello".to_vec()),
            (Handler::Upper, b"HELLO".to_vec()),
            (Handler::Ack, b"Receive your message!".to_vec()),
            (
                Handler::Digest,
                b"len=5 sha256=2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824".to_vec(),
            ),
        ] {
            let s = start(spec, Variant::Correct, handler).await;
            let mut c = connect(&s).await;
            c.write_all(&frame(spec, &[b"hello", b"hello"])).await.unwrap();
            let r = read_replies(&mut c, spec, 2).await;
            assert_eq!(r, vec![want.clone(), want], "{spec} {handler}");
            drop(c);
            let obs = settle(&s, 1).await;
            assert_eq!(obs.messages(), vec![&b"hello"[..], b"hello"], "{spec}");
            assert_eq!(obs.connections[0].closed(), Some(CloseReason::Eof));
            s.stop().await;
        }
    }
}

#[tokio::test]
async fn naive_server_merges_back_to_back_writes_and_length_prefix_does_not() {
    let s = start("naive", Variant::Seed, Handler::Ack).await;
    let mut c = connect(&s).await;
    c.write_all(b"helloworld").await.unwrap();
    drop(c);
    assert_eq!(settle(&s, 1).await.messages(), vec![&b"helloworld"[..]]);
    let s = start("length-prefix", Variant::Correct, Handler::Ack).await;
    let mut c = connect(&s).await;
    c.write_all(&frame("length-prefix", &[b"hello", b"world"])).await.unwrap();
    drop(c);
    assert_eq!(settle(&s, 1).await.messages(), vec![&b"hello"[..], b"world"]);
}

#[tokio::test]
async fn naive_server_splits_a_message_larger_than_its_read_size() {
    let s = start("naive:read-size=1024", Variant::Seed, Handler::Silent).await;
    let mut c = connect(&s).await;
    c.write_all(&[b'x'; 2000]).await.unwrap();
    drop(c);
    let obs = settle(&s, 1).await;
    assert!(obs.messages().len() >= 2, "{:?}", obs.messages().iter().map(|m| m.len()).collect::<Vec<_>>());
}

#[tokio::test]
async fn utf8_variant_drops_the_connection_on_a_split_character_and_delimiter_keeps_it() {
    let text = "你好中国".as_bytes();
    let s = start("naive", Variant::Utf8, Handler::Ack).await;
    let mut c = connect(&s).await;
    c.write_all(&text[..4]).await.unwrap();
    read_by_server(&c).await;
    let _ = c.write_all(&text[4..]).await;
    let obs = settle(&s, 1).await;
    assert_eq!(obs.connections[0].closed(), Some(CloseReason::Error));
    assert!(obs.connections[0].errors().any(|(k, _)| k == "bad-utf8"));

    let s = start("delimiter", Variant::Correct, Handler::Echo).await;
    let mut c = connect(&s).await;
    let wire = frame("delimiter", &[text]);
    c.write_all(&wire[..4]).await.unwrap();
    read_by_server(&c).await;
    c.write_all(&wire[4..]).await.unwrap();
    assert_eq!(read_replies(&mut c, "delimiter", 1).await, vec![text.to_vec()]);
}

#[tokio::test]
async fn single_read_length_prefix_desyncs_on_a_split_header_and_correct_reassembles() {
    let wire = frame("length-prefix", &[b"hello", b"world"]);
    for (variant, want_intact) in [(Variant::Seed, false), (Variant::Correct, true)] {
        let s = start("length-prefix", variant, Handler::Silent).await;
        let mut c = connect(&s).await;
        c.write_all(&wire[..2]).await.unwrap();
        read_by_server(&c).await;
        c.write_all(&wire[2..]).await.unwrap();
        drop(c);
        let obs = settle(&s, 1).await;
        let intact = obs.messages() == vec![&b"hello"[..], b"world"];
        assert_eq!(intact, want_intact, "{variant}: {:?}", obs.messages());
    }
}

#[tokio::test]
async fn single_read_length_prefix_takes_a_short_body_and_reads_the_rest_as_a_header() {
    let wire = frame("length-prefix", &[b"hello world", b"next"]);
    let s = start("length-prefix", Variant::Seed, Handler::Silent).await;
    let mut c = connect(&s).await;
    c.write_all(&wire[..7]).await.unwrap();
    read_by_server(&c).await;
    c.write_all(&wire[7..]).await.unwrap();
    drop(c);
    let obs = settle(&s, 1).await;
    assert_eq!(obs.messages()[0], &b"hel"[..]);
    assert_ne!(obs.messages(), vec![&b"hello world"[..], b"next"]);
}

#[tokio::test]
async fn decimal_length_server_reads_length_and_data_together_wrongly() {
    let s = start("length-prefix", Variant::Decimal, Handler::Silent).await;
    let mut c = connect(&s).await;
    c.write_all(b"5hello").await.unwrap();
    read_by_server(&c).await;
    c.write_all(b"5world").await.unwrap();
    drop(c);
    let obs = settle(&s, 1).await;
    assert_eq!(obs.messages(), vec![&b"5world"[..]], "the first read's data is lost, the next length is read as data");
}

#[tokio::test]
async fn seed_handshake_loses_a_request_coalesced_with_start_and_correct_keeps_it() {
    for (variant, want) in [(Variant::Seed, 1usize), (Variant::Correct, 2)] {
        let s = start("handshake", variant, Handler::Echo).await;
        let mut c = connect(&s).await;
        c.write_all(b"first\n").await.unwrap();
        let mut ready = [0u8; 8];
        c.read_exact(&mut ready).await.unwrap();
        assert_eq!(&ready, b"Ready|5\n");
        c.write_all(b"Startsecond\n").await.unwrap();
        let mut body = [0u8; 5];
        c.read_exact(&mut body).await.unwrap();
        assert_eq!(&body, b"first");
        read_by_server(&c).await;
        drop(c);
        let obs = settle(&s, 1).await;
        assert_eq!(obs.messages().len(), want, "{variant}: {:?}", obs.messages());
    }
}

#[tokio::test]
async fn sequential_server_starves_the_second_client() {
    let mut cfg = ServerConfig::new("delimiter".parse().unwrap()).handler(Handler::Echo);
    cfg.sequential = true;
    let s = Server::start(cfg).await.unwrap();
    let mut a = connect(&s).await;
    a.write_all(b"a\n").await.unwrap();
    assert_eq!(read_replies(&mut a, "delimiter", 1).await, vec![b"a".to_vec()]);
    let mut b = connect(&s).await;
    b.write_all(b"b\n").await.unwrap();
    let mut buf = [0u8; 2];
    let starved = tokio::time::timeout(Duration::from_millis(300), b.read(&mut buf)).await.is_err();
    assert!(starved, "the second client was served while the first was connected");
    drop(a);
    assert_eq!(read_replies(&mut b, "delimiter", 1).await, vec![b"b".to_vec()]);
}

#[tokio::test]
async fn udp_seed_truncates_a_big_datagram_and_correct_keeps_it() {
    for (variant, want) in [(Variant::Seed, 1024usize), (Variant::Correct, 2000)] {
        let s = start("udp", variant, Handler::Digest).await;
        let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        sock.send_to(&[7u8; 2000], s.addr()).await.unwrap();
        let mut buf = [0u8; 200];
        let (n, _) = tokio::time::timeout(T, sock.recv_from(&mut buf)).await.unwrap().unwrap();
        let text = String::from_utf8_lossy(&buf[..n]).to_string();
        assert!(text.starts_with(&format!("len={want} ")), "{variant}: {text}");
        s.stop().await;
    }
}

#[tokio::test]
async fn json_header_files_are_served_with_a_real_digest_and_the_seed_sends_a_placeholder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), b"file body").unwrap();
    for (variant, ok) in [(Variant::Correct, true), (Variant::Seed, false)] {
        let mut cfg = ServerConfig::new("json-header".parse().unwrap()).variant(variant).handler(Handler::Files);
        cfg.root = Some(dir.path().to_path_buf());
        let s = Server::start(cfg).await.unwrap();
        let mut c = connect(&s).await;
        let mut codec = JsonHeaderCodec::default();
        let mut out = BytesMut::new();
        for req in [&b"get a.txt"[..], b"get ../a.txt", b"get /etc/passwd"] {
            codec.encode_named("", req, &mut out).unwrap();
        }
        c.write_all(&out).await.unwrap();
        let mut buf = BytesMut::new();
        let mut results = Vec::new();
        while results.len() < 3 {
            match codec.decode(&mut buf) {
                Ok(Some(f)) => results.push(Ok((f.header.filename, f.body.to_vec()))),
                Ok(None) => {
                    assert!(tokio::time::timeout(T, c.read_buf(&mut buf)).await.unwrap().unwrap() > 0);
                }
                Err(e) => results.push(Err(e.to_string())),
            }
        }
        assert_eq!(results[0].is_ok(), ok, "{variant}: {:?}", results[0]);
        if !ok {
            assert!(results[0].as_ref().unwrap_err().contains("1231231231232132131232311"));
        } else {
            assert_eq!(results[0], Ok(("a.txt".to_string(), b"file body".to_vec())));
        }
        for r in &results[1..] {
            let body = String::from_utf8_lossy(&r.as_ref().unwrap().1).to_string();
            assert!(body.starts_with("ERROR:"), "{variant}: a path outside the root was served: {body}");
        }
    }
}

#[tokio::test]
async fn hostile_peers_end_only_their_own_connection() {
    let spec = "length-prefix:max=1MiB";
    let mut cfg = ServerConfig::new(spec.parse().unwrap()).handler(Handler::Echo);
    cfg.limits.idle_timeout = Duration::from_millis(300);
    cfg.limits.frame_timeout = Duration::from_millis(600);
    let s = Server::start(cfg).await.unwrap();

    // Reset in the middle of a frame.
    let c = connect(&s).await;
    let mut c = c;
    c.write_all(&frame(spec, &[b"hello world"])[..6]).await.unwrap();
    framelab::net::reset(c);
    good_client_is_served(&s, spec).await;

    // A 0xFFFFFFFF length and a negative i32 (as u32be: 0x80000000 and up).
    for header in [[0xff; 4], [0x80, 0, 0, 0]] {
        let mut c = connect(&s).await;
        c.write_all(&header).await.unwrap();
        let mut b = [0u8; 1];
        assert_eq!(tokio::time::timeout(T, c.read(&mut b)).await.unwrap().unwrap_or(0), 0, "the server must close");
        good_client_is_served(&s, spec).await;
    }

    // A 1-byte-per-100ms drip is cut off by the frame timeout.
    let mut c = connect(&s).await;
    let wire = frame(spec, &[&[b'x'; 100]]);
    let mut cut = false;
    for b in wire.iter() {
        if c.write_all(&[*b]).await.is_err() {
            cut = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut probe = [0u8; 1];
        if let Ok(Ok(0)) = tokio::time::timeout(Duration::from_millis(1), c.read(&mut probe)).await {
            cut = true;
            break;
        }
    }
    assert!(cut, "the drip was never cut off");
    good_client_is_served(&s, spec).await;

    // 200 concurrent connections, all served.
    let mut tasks = Vec::new();
    for i in 0..200u32 {
        let addr = s.addr();
        tasks.push(tokio::spawn(async move {
            let mut c = TcpStream::connect(addr).await.unwrap();
            let msg = format!("client {i}");
            c.write_all(&frame(spec, &[msg.as_bytes()])).await.unwrap();
            let r = read_replies(&mut c, spec, 1).await;
            assert_eq!(r, vec![msg.into_bytes()]);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    good_client_is_served(&s, spec).await;
    let obs = s.observation();
    assert!(obs.connections.iter().any(|c| c.closed() == Some(CloseReason::FrameTimeout)));
    assert!(obs.connections.iter().any(|c| c.errors().any(|(k, _)| k == "frame-too-large")));
}

/// The framed read loop's reads (`Conn::fill_for`, which reads only into
/// the room reserved for the rest of a frame longer than a read) lose and
/// misrecord nothing: frames longer than a read arrive whole and in order
/// between short ones, and the recorded reads, bytes and message ends match
/// the wire. A guard of correctness, not of the copy saved: that a long
/// frame is not moved is tested on `slices::reserve_read_for` itself
/// (`a_frame_longer_than_a_read_is_not_moved_while_it_arrives`).
#[tokio::test]
async fn frames_longer_than_a_read_arrive_whole_between_short_ones() {
    let spec = "length-prefix:max=1MiB";
    let s = start(spec, Variant::Correct, Handler::Echo).await;
    let mut c = connect(&s).await;
    let pattern = |n: usize, k: u8| (0..n).map(|i| (i % 251) as u8 ^ k).collect::<Vec<u8>>();
    let msgs = [pattern(3, 1), pattern(300_000, 2), pattern(7, 3), pattern(200_001, 4), pattern(70_000, 5)];
    let mut ends = Vec::new();
    let mut sent = 0u64;
    for m in &msgs {
        let wire = frame(spec, &[m]);
        sent += wire.len() as u64;
        ends.push(sent);
        c.write_all(&wire).await.unwrap();
        assert_eq!(read_replies(&mut c, spec, 1).await, vec![m.clone()], "a {}-byte frame", m.len());
    }
    drop(c);
    let obs = settle(&s, 1).await;
    let conn = &obs.connections[0];
    let lens: Vec<usize> = conn
        .events
        .iter()
        .filter_map(|e| match e {
            framelab::server::ServerEvent::Message { len, .. } => Some(*len),
            _ => None,
        })
        .collect();
    assert_eq!(lens, msgs.iter().map(Vec::len).collect::<Vec<_>>());
    assert_eq!((conn.bytes_read, &conn.message_ends), (sent, &ends));
    assert_eq!(conn.reads.iter().map(|r| r.len).sum::<u64>(), sent);
}

#[tokio::test]
async fn delimiter_server_survives_a_line_longer_than_its_maximum() {
    let spec = "delimiter:max=1KiB";
    let s = start(spec, Variant::Correct, Handler::Echo).await;
    let mut c = connect(&s).await;
    c.write_all(&vec![b'x'; 100_000]).await.unwrap();
    c.write_all(b"\nafter\n").await.unwrap();
    assert_eq!(read_replies(&mut c, spec, 1).await, vec![b"after".to_vec()]);
    good_client_is_served(&s, spec).await;
    let obs = s.observation();
    assert!(obs.connections[0].errors().any(|(k, _)| k == "line-too-long"));
}

#[tokio::test]
async fn i32le_server_rejects_a_big_endian_peer_cleanly() {
    let s = start("length-prefix:i32le,max=1MiB", Variant::Correct, Handler::Echo).await;
    let mut c = connect(&s).await;
    let mut wire = BytesMut::new();
    LengthPrefixCodec::new(LengthPrefix::default()).encode(&b"hello"[..], &mut wire).unwrap();
    c.write_all(&wire).await.unwrap();
    let obs = settle(&s, 1).await;
    assert_eq!(obs.connections[0].closed(), Some(CloseReason::Error));
    assert!(obs.connections[0].errors().any(|(k, _)| k == "frame-too-large"));
}

#[tokio::test]
async fn naive_and_handshake_servers_answer_with_their_handlers() {
    for (handler, want) in [
        (Handler::Echo, b"hello".to_vec()),
        (Handler::Upper, b"HELLO".to_vec()),
        (Handler::Ack, b"Receive your message!".to_vec()),
        (Handler::Digest, b"len=5 sha256=2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824".to_vec()),
    ] {
        let s = start("naive", Variant::Seed, handler).await;
        let mut c = connect(&s).await;
        c.write_all(b"hello").await.unwrap();
        let mut buf = vec![0u8; want.len()];
        tokio::time::timeout(T, c.read_exact(&mut buf)).await.unwrap().unwrap();
        assert_eq!(buf, want, "naive {handler}");

        let s = start("handshake", Variant::Correct, handler).await;
        let mut c = connect(&s).await;
        c.write_all(b"hello\n").await.unwrap();
        let ready = format!("Ready|{}\n", want.len());
        let mut line = vec![0u8; ready.len()];
        tokio::time::timeout(T, c.read_exact(&mut line)).await.unwrap().unwrap();
        assert_eq!(line, ready.as_bytes());
        c.write_all(b"Start").await.unwrap();
        let mut buf = vec![0u8; want.len()];
        tokio::time::timeout(T, c.read_exact(&mut buf)).await.unwrap().unwrap();
        assert_eq!(buf, want, "handshake {handler}");
    }
}

#[tokio::test]
async fn seed_delimiter_server_takes_two_coalesced_lines_as_one_and_correct_does_not() {
    for (variant, want) in [(Variant::Seed, vec![&b"one\ntwo"[..]]), (Variant::Correct, vec![&b"one"[..], b"two"])] {
        let s = start("delimiter", variant, Handler::Silent).await;
        let mut c = connect(&s).await;
        c.write_all(b"one\ntwo\n").await.unwrap();
        drop(c);
        assert_eq!(settle(&s, 1).await.messages(), want, "{variant}");
    }
}

#[tokio::test]
async fn negative_i32_length_is_refused_and_the_next_client_served() {
    let spec = "length-prefix:i32le";
    let s = start(spec, Variant::Correct, Handler::Echo).await;
    let mut c = connect(&s).await;
    c.write_all(&(-5i32).to_le_bytes()).await.unwrap();
    c.write_all(b"trailing").await.unwrap();
    let obs = settle(&s, 1).await;
    assert!(obs.connections[0].errors().any(|(k, _)| k == "negative-length"));
    good_client_is_served(&s, spec).await;
}

#[tokio::test]
async fn connections_past_the_maximum_are_refused_and_recorded() {
    let mut cfg = ServerConfig::new("delimiter".parse().unwrap()).handler(Handler::Echo);
    cfg.limits.max_connections = 2;
    let s = Server::start(cfg).await.unwrap();
    let mut a = connect(&s).await;
    let mut b = connect(&s).await;
    a.write_all(b"a\n").await.unwrap();
    b.write_all(b"b\n").await.unwrap();
    assert_eq!(read_replies(&mut a, "delimiter", 1).await, vec![b"a".to_vec()]);
    assert_eq!(read_replies(&mut b, "delimiter", 1).await, vec![b"b".to_vec()]);
    let mut c = connect(&s).await;
    let mut buf = [0u8; 1];
    let n = tokio::time::timeout(T, c.read(&mut buf)).await.unwrap().unwrap_or(0);
    assert_eq!(n, 0, "the third connection must be closed");
    let obs = s.observation();
    assert_eq!(obs.connections[2].closed(), Some(CloseReason::Refused));
    drop(a);
    drop(b);
}

/// Regression (found by `framelab soak`): a long-running server kept every
/// message it understood, so `framelab serve` grew without bound under
/// traffic. With `record = false` it keeps nothing, and its live feed
/// carries only copied previews.
#[tokio::test]
async fn a_server_without_history_keeps_no_messages_and_feeds_only_previews() {
    let mut cfg = ServerConfig::new("length-prefix:max=1MiB".parse().unwrap()).handler(Handler::Silent);
    cfg.record = false;
    let s = Server::start(cfg).await.unwrap();
    let mut feed = s.log().subscribe();
    let mut c = connect(&s).await;
    let big = vec![b'x'; 512 * 1024];
    for _ in 0..20 {
        c.write_all(&frame("length-prefix:max=1MiB", &[&big])).await.unwrap();
    }
    drop(c);
    let mut messages = 0;
    while messages < 20 {
        let (_, ev) = tokio::time::timeout(T, feed.recv()).await.unwrap().unwrap();
        if let framelab::server::ServerEvent::Message { len, data, cut } = ev {
            assert_eq!(len, 512 * 1024);
            assert!(data.len() <= framelab::server::observe::FEED_PREVIEW && cut);
            messages += 1;
        }
    }
    assert!(s.observation().connections.is_empty(), "no history is kept");
}
