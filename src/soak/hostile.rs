//! Hostile clients: each kind misbehaves in one way, within a bounded time.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::BytesMut;
use rand::Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::codec::Encoder;

use crate::fault::payload::{ForgedLength, forge_header};
use crate::framing::{FramingSpec, LengthPrefix};

/// A way to misbehave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hostile {
    /// One byte of a header per second (cut off by the frame timeout).
    Slowloris,
    /// The largest length the header can declare (a flood for unframed strategies).
    HugeLength,
    /// A negative length (0x80000000...: negative as i32, huge as u32).
    NegativeLength,
    /// 1 MiB without a delimiter.
    Flood,
    /// 4 KiB of random bytes.
    Garbage,
    /// Half a frame, then shutdown of the write side.
    HalfClose,
    /// Half a frame, then a reset.
    ResetMidFrame,
    /// Connect and send nothing.
    Idle,
}

/// Every kind, in the order a soak cycles through them.
pub const HOSTILE_KINDS: &[Hostile] = &[
    Hostile::Slowloris,
    Hostile::HugeLength,
    Hostile::NegativeLength,
    Hostile::Flood,
    Hostile::Garbage,
    Hostile::HalfClose,
    Hostile::ResetMidFrame,
    Hostile::Idle,
];

impl Hostile {
    /// Kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Hostile::Slowloris => "slowloris",
            Hostile::HugeLength => "huge-length",
            Hostile::NegativeLength => "negative-length",
            Hostile::Flood => "flood",
            Hostile::Garbage => "garbage",
            Hostile::HalfClose => "half-close",
            Hostile::ResetMidFrame => "reset-mid-frame",
            Hostile::Idle => "idle",
        }
    }
}

fn prefix_of(spec: &FramingSpec) -> Option<LengthPrefix> {
    match spec {
        FramingSpec::LengthPrefix(p) => Some(*p),
        FramingSpec::JsonHeader(j) => Some(j.prefix),
        _ => None,
    }
}

/// Reads and discards until EOF, an error or `limit`.
async fn drain(s: &mut TcpStream, limit: Duration) {
    let mut buf = vec![0u8; 64 * 1024];
    let _ = tokio::time::timeout(limit, async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
}

/// Misbehaves against `addr` in the way `kind` says; returns within about
/// ten seconds whatever the server does.
pub async fn run(addr: SocketAddr, spec: &FramingSpec, kind: Hostile, seed: u64) {
    let Ok(Ok(mut s)) = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(addr)).await else {
        return;
    };
    let _ = s.set_nodelay(true);
    let mut rng = crate::fault::rng(seed);
    let mut frame = BytesMut::new();
    let _ = spec.codec().encode(&b"a perfectly good message, cut in half"[..], &mut frame);
    let half = frame.len() / 2;
    let limit = Duration::from_secs(8);
    match kind {
        Hostile::Slowloris => {
            let header = match prefix_of(spec) {
                Some(p) => forge_header(&p, ForgedLength::Value(16)).to_vec(),
                None => b"slow".to_vec(),
            };
            for b in header.iter().cycle().take(8) {
                if s.write_all(&[*b]).await.is_err() {
                    return;
                }
                let mut probe = [0u8; 256];
                match tokio::time::timeout(Duration::from_secs(1), s.read(&mut probe)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => return,
                    _ => {}
                }
            }
        }
        Hostile::HugeLength | Hostile::NegativeLength => {
            let bytes = match (prefix_of(spec), kind) {
                (Some(p), Hostile::HugeLength) => forge_header(&p, ForgedLength::WidthMax).to_vec(),
                (Some(p), _) => {
                    let mut v = vec![0u8; p.header_len()];
                    let msb = if p.endian == crate::framing::Endian::Big { 0 } else { v.len() - 1 };
                    v[msb] = 0x80;
                    v
                }
                (None, _) => vec![b'9'; 200_000],
            };
            let _ = s.write_all(&bytes).await;
            let _ = s.write_all(b"and then some body bytes").await;
            drain(&mut s, limit).await;
        }
        Hostile::Flood => {
            let chunk = vec![b'x'; 64 * 1024];
            for _ in 0..16 {
                if s.write_all(&chunk).await.is_err() {
                    break;
                }
            }
            drain(&mut s, limit).await;
        }
        Hostile::Garbage => {
            let mut g = vec![0u8; 4096];
            rng.fill_bytes(&mut g);
            let _ = s.write_all(&g).await;
            let _ = s.shutdown().await;
            drain(&mut s, limit).await;
        }
        Hostile::HalfClose => {
            let _ = s.write_all(&frame[..half]).await;
            let _ = s.shutdown().await;
            drain(&mut s, limit).await;
        }
        Hostile::ResetMidFrame => {
            let _ = s.write_all(&frame[..half]).await;
            tokio::time::sleep(Duration::from_millis(5)).await;
            crate::net::reset(s);
        }
        Hostile::Idle => drain(&mut s, limit).await,
    }
}
