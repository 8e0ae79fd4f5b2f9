//! The re-chunking proxy: every byte passes both ways under every schedule
//! that is not meant to drop any, the reads a peer sees follow the
//! schedule, byte limits reset or cut, many connections at once, loopback
//! only, and the command line's first lines.

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use framelab::fault::Schedule;
use framelab::proxy::{DirectionConfig, Proxy, ProxyConfig, ProxyError, rechunk};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// A deterministic stream: byte `p` is `block[p % block.len()]`. The block
/// length is prime, so a lost or repeated piece shifts every later byte.
struct Pattern {
    block: Vec<u8>,
}

impl Pattern {
    fn new(seed: u64) -> Self {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let block = (0..1_048_573)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        Pattern { block }
    }

    /// The bytes at stream positions `pos..pos + n`, at most to the end of
    /// the block.
    fn at(&self, pos: u64, n: usize) -> &[u8] {
        let i = (pos % self.block.len() as u64) as usize;
        &self.block[i..(i + n).min(self.block.len())]
    }
}

async fn write_pattern<W: AsyncWriteExt + Unpin>(w: &mut W, p: &Pattern, total: u64) {
    let mut pos = 0;
    while pos < total {
        let n = (total - pos).min(256 * 1024) as usize;
        let chunk = p.at(pos, n);
        w.write_all(chunk).await.unwrap();
        pos += chunk.len() as u64;
    }
    w.shutdown().await.unwrap();
}

/// Reads to the end, checking every byte against the pattern; returns the
/// byte count.
async fn check_pattern<R: AsyncReadExt + Unpin>(r: &mut R, p: &Pattern) -> u64 {
    let mut buf = vec![0u8; 256 * 1024];
    let mut pos = 0u64;
    loop {
        let n = tokio::time::timeout(Duration::from_secs(30), r.read(&mut buf)).await.expect("read timed out").unwrap();
        if n == 0 {
            return pos;
        }
        let mut off = 0;
        while off < n {
            let want = p.at(pos, n - off);
            assert!(
                buf[off..off + want.len()] == *want,
                "byte mismatch at stream offset {}..{}",
                pos,
                pos + want.len() as u64
            );
            off += want.len();
            pos += want.len() as u64;
        }
    }
}

/// Sends `total` bytes each way through a proxy with `schedule` (and
/// `pause`) on both directions, checking every byte on both ends.
async fn both_ways(schedule: &str, pause: Duration, total: u64) -> Duration {
    let (up, down) = (Pattern::new(1), Pattern::new(2));
    let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut cfg = ProxyConfig::new(server.local_addr().unwrap());
    let dir = DirectionConfig { schedule: schedule.parse().unwrap(), pause, ..DirectionConfig::default() };
    cfg.up = dir.clone();
    cfg.down = dir;
    cfg.seed = 7;
    let proxy = Proxy::start(cfg).await.unwrap();
    let started = Instant::now();
    let (up2, down2) = (&up, &down);
    let server_side = async move {
        let (s, _) = server.accept().await.unwrap();
        let (mut r, mut w) = s.into_split();
        let (got, ()) = tokio::join!(check_pattern(&mut r, up2), write_pattern(&mut w, down2, total));
        got
    };
    let client_side = async {
        let s = TcpStream::connect(proxy.addr()).await.unwrap();
        let (mut r, mut w) = s.into_split();
        let ((), got) = tokio::join!(write_pattern(&mut w, &up, total), check_pattern(&mut r, &down));
        got
    };
    let (at_server, at_client) = tokio::join!(server_side, client_side);
    let elapsed = started.elapsed();
    assert_eq!(at_server, total, "{schedule}: bytes reaching the server");
    assert_eq!(at_client, total, "{schedule}: bytes reaching the client");
    // The connection has ended on both sides; the counters are final.
    let deadline = Instant::now() + Duration::from_secs(5);
    while proxy.stats().active > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let stats = proxy.stop().await;
    assert_eq!((stats.bytes_up, stats.bytes_down), (total, total), "{schedule}: the proxy's counts");
    elapsed
}

const MIB: u64 = 1 << 20;

#[test]
fn every_byte_passes_both_ways_under_every_schedule_that_keeps_bytes() {
    let rt = rt();
    // 100 MiB each way for the schedules that write large pieces.
    for schedule in ["each", "coalesce", "coalesce:3", "chunk:65536", "random:4096-262144", "cuts:1,7,65536,3000000"] {
        let t = rt.block_on(both_ways(schedule, Duration::ZERO, 100 * MIB));
        eprintln!("{schedule}: 2 x 100 MiB in {t:?} ({:.0} MiB/s each way)", 100.0 / t.as_secs_f64());
    }
    // Small writes cost a system call each: a smaller volume, same checks.
    for (schedule, total) in [("chunk:7", 2 * MIB), ("random:1-64", 2 * MIB), ("drip", 128 * 1024)] {
        let t = rt.block_on(both_ways(schedule, Duration::ZERO, total));
        eprintln!("{schedule}: 2 x {total} bytes in {t:?}");
    }
    // With a pause after every write.
    rt.block_on(both_ways("chunk:100000", Duration::from_millis(1), 8 * MIB));
}

/// An upstream server that records the size of each read until the client
/// closes, then returns them.
async fn record_reads(server: TcpListener) -> Vec<usize> {
    let (mut s, _) = server.accept().await.unwrap();
    let mut buf = vec![0u8; 65536];
    let mut sizes = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await.expect("read timed out") {
            Ok(0) | Err(_) => return sizes,
            Ok(n) => sizes.push(n),
        }
    }
}

/// The sizes of the reads the upstream server sees when one write of
/// `len` bytes goes through a proxy whose up direction has `schedule`.
async fn reads_upstream(schedule: &str, pause: Duration, seed: u64, len: usize) -> Vec<usize> {
    let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut cfg = ProxyConfig::new(server.local_addr().unwrap());
    cfg.up = DirectionConfig { schedule: schedule.parse().unwrap(), pause, ..DirectionConfig::default() };
    cfg.seed = seed;
    let proxy = Proxy::start(cfg).await.unwrap();
    let reader = tokio::spawn(record_reads(server));
    let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
    c.write_all(&vec![b'x'; len]).await.unwrap();
    c.shutdown().await.unwrap();
    let sizes = reader.await.unwrap();
    proxy.stop().await;
    sizes
}

#[test]
fn a_peer_reads_what_the_schedule_writes() {
    // A pause of 150ms after each write lets each write reach the reader
    // as one read, even on a loaded machine.
    let pause = Duration::from_millis(150);
    let rt = rt();
    assert_eq!(rt.block_on(reads_upstream("chunk:7", pause, 0, 30)), vec![7, 7, 7, 7, 2]);
    assert_eq!(rt.block_on(reads_upstream("cuts:3,10", pause, 0, 16)), vec![3, 7, 6]);
    // random: the sizes the pure model draws with the same seed.
    let schedule: Schedule = "random:2-9".parse().unwrap();
    let want: Vec<usize> =
        rechunk::simulate(&schedule, 11, &[Bytes::from(vec![b'x'; 40])], false).iter().map(Bytes::len).collect();
    assert_eq!(rt.block_on(reads_upstream("random:2-9", pause, 11, 40)), want);
    assert!(want.iter().all(|n| (2..=9).contains(n) || *n == *want.last().unwrap()));
}

#[test]
fn a_coalescing_downstream_delivers_writes_made_apart_in_one_read() {
    let rt = rt();
    let sizes = rt.block_on(async {
        let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut cfg = ProxyConfig::new(server.local_addr().unwrap());
        cfg.down = DirectionConfig {
            schedule: "coalesce".parse().unwrap(),
            hold: Duration::from_secs(5),
            ..DirectionConfig::default()
        };
        let proxy = Proxy::start(cfg).await.unwrap();
        let pusher = tokio::spawn(async move {
            let (mut s, _) = server.accept().await.unwrap();
            s.set_nodelay(true).unwrap();
            for piece in [&b"5"[..], b"hello", b"5", b"world"] {
                s.write_all(piece).await.unwrap();
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
        });
        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        let mut sizes = Vec::new();
        let mut buf = vec![0u8; 1024];
        loop {
            let n = tokio::time::timeout(Duration::from_secs(10), c.read(&mut buf)).await.unwrap().unwrap();
            if n == 0 {
                break;
            }
            assert_eq!(&buf[..n], b"5hello5world");
            sizes.push(n);
        }
        pusher.await.unwrap();
        proxy.stop().await;
        sizes
    });
    assert_eq!(sizes, vec![12], "four writes 30ms apart, held until the server closed, in one read");
}

#[test]
fn reset_after_resets_both_sides_and_close_after_cuts_one_way() {
    let rt = rt();
    rt.block_on(async {
        let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut cfg = ProxyConfig::new(server.local_addr().unwrap());
        cfg.up.reset_after = Some(5);
        let proxy = Proxy::start(cfg).await.unwrap();
        let upstream = tokio::spawn(async move {
            let (mut s, _) = server.accept().await.unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 64];
            let end = loop {
                match tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await.unwrap() {
                    Ok(0) => break "eof",
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                    Err(_) => break "reset",
                }
            };
            (got, end)
        });
        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        c.write_all(b"0123456789").await.unwrap();
        let mut buf = [0u8; 16];
        let r = tokio::time::timeout(Duration::from_secs(10), c.read(&mut buf)).await.unwrap();
        assert!(r.is_err(), "the client sees a reset, got {r:?}");
        let (got, end) = upstream.await.unwrap();
        assert_eq!((&got[..], end), (&b"01234"[..], "reset"));
        proxy.stop().await;

        let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut cfg = ProxyConfig::new(server.local_addr().unwrap());
        cfg.down.close_after = Some(3);
        let proxy = Proxy::start(cfg).await.unwrap();
        tokio::spawn(async move {
            let (mut s, _) = server.accept().await.unwrap();
            let _ = s.write_all(b"abcdef").await;
            tokio::time::sleep(Duration::from_secs(1)).await;
        });
        let mut c = TcpStream::connect(proxy.addr()).await.unwrap();
        let mut got = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), c.read_to_end(&mut got)).await.unwrap().unwrap();
        assert_eq!(got, b"abc", "three bytes, then an orderly end");
        proxy.stop().await;
    });
}

#[test]
fn many_connections_at_once_each_get_their_own_bytes_back() {
    let rt = rt();
    rt.block_on(async {
        let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let upstream = server.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((s, _)) = server.accept().await else { return };
                tokio::spawn(async move {
                    let (mut r, mut w) = s.into_split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                    let _ = w.shutdown().await;
                });
            }
        });
        let mut cfg = ProxyConfig::new(upstream);
        cfg.up.schedule = "random:1-500".parse().unwrap();
        cfg.down.schedule = "chunk:333".parse().unwrap();
        let proxy = Proxy::start(cfg).await.unwrap();
        let addr = proxy.addr();
        let clients: Vec<_> = (0..100u8)
            .map(|i| {
                tokio::spawn(async move {
                    let data = vec![i; 10_000];
                    let s = TcpStream::connect(addr).await.unwrap();
                    let (mut r, mut w) = s.into_split();
                    let writer = async {
                        w.write_all(&data).await.unwrap();
                        w.shutdown().await.unwrap();
                    };
                    let mut got = Vec::new();
                    let reader = tokio::time::timeout(Duration::from_secs(30), r.read_to_end(&mut got));
                    let ((), read) = tokio::join!(writer, reader);
                    read.unwrap().unwrap();
                    assert_eq!(got, data, "client {i}");
                })
            })
            .collect();
        for c in clients {
            c.await.unwrap();
        }
        let stats = proxy.stop().await;
        assert_eq!(stats.connections, 100);
        assert_eq!((stats.bytes_up, stats.bytes_down), (1_000_000, 1_000_000));
    });
}

#[test]
fn the_proxy_only_talks_to_loopback() {
    let rt = rt();
    let err = rt.block_on(Proxy::start(ProxyConfig::new("10.1.2.3:80".parse().unwrap()))).unwrap_err();
    assert!(matches!(err, ProxyError::NotLoopback { .. }), "{err}");
    assert!(err.to_string().contains("loopback"));
    let out = Command::new(env!("CARGO_BIN_EXE_framelab"))
        .args(["proxy", "--upstream", "192.168.1.1:9000"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("192.168.1.1:9000") && text.contains("loopback"), "{text}");
}

#[cfg(unix)]
#[test]
fn framelab_proxy_prints_its_address_and_seed_then_passes_bytes_until_interrupted() {
    use std::io::{BufRead, BufReader, Read, Write};
    let upstream = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let up_addr = upstream.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in upstream.incoming() {
            let Ok(mut s) = s else { return };
            let mut buf = [0u8; 1024];
            while let Ok(n) = s.read(&mut buf) {
                if n == 0 || s.write_all(&buf[..n].to_ascii_uppercase()).is_err() {
                    break;
                }
            }
        }
    });
    let mut child = Command::new(env!("CARGO_BIN_EXE_framelab"))
        .args(["proxy", "--upstream", &up_addr.to_string(), "--seed", "42", "--down", "chunk:2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr: SocketAddr = first.strip_prefix("listening on ").expect(&first).parse().unwrap();
    let second = lines.next().unwrap().unwrap();
    assert!(second.contains("seed 42") && second.contains("down: chunk:2"), "{second}");
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(b"hello").unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 16];
    while got.len() < 5 {
        let n = c.read(&mut buf).unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, b"HELLO");
    drop(c);
    std::thread::sleep(Duration::from_millis(200));
    // SAFETY: kill(2) on our own child's pid.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let total = rest.last().expect("a totals line");
    assert!(total.contains("5 bytes up, 5 bytes down") && total.contains("seed 42"), "{rest:?}");
}
