//! Naive framing: no framing at all.
//!
//! ```text
//! write("hello") write("world")  ->  +------------+
//!                                    | helloworld |  one recv(1024)
//!                                    +------------+
//! ```
//!
//! Each decode returns whatever is buffered, up to `read_size` bytes: the
//! model of a server that treats every `recv(1024)` as one message, as the
//! first server of every seed does. Message boundaries are whatever the
//! network and the reader's timing make them, which is exactly the bug.
//! The encoder writes messages as they are.
//!
//! ```
//! use bytes::BytesMut;
//! use framelab::framing::NaiveCodec;
//! use tokio_util::codec::Decoder;
//!
//! let mut codec = NaiveCodec::new(4);
//! let mut buf = BytesMut::from(&b"helloworld"[..]);
//! assert_eq!(&codec.decode(&mut buf).unwrap().unwrap()[..], b"hell");
//! ```
//!
//! # Limits
//!
//! `read_size` (1024 by default, at least 1) bounds every message; the
//! decoder never holds bytes back, so it buffers nothing of its own.

use std::io;

use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::knobs::Accepts;
use super::registry::{Codec, FuzzBody, Strategy, StrategyInfo};
use super::spec::{Item, SpecProblem, positive, size_value, unexpected};
use super::{AnyCodec, KnobError, Knobs};

/// Default read size: Python's `recv(1024)`.
pub const DEFAULT_READ_SIZE: usize = 1024;

/// Decoder and encoder with no framing: one "message" per read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NaiveCodec {
    read_size: usize,
}

impl NaiveCodec {
    /// A naive codec returning at most `read_size` bytes per message.
    ///
    /// # Panics
    /// If `read_size` is 0.
    pub fn new(read_size: usize) -> Self {
        assert!(read_size > 0, "read_size must be at least 1");
        NaiveCodec { read_size }
    }

    /// The largest message one decode returns.
    pub fn read_size(&self) -> usize {
        self.read_size
    }
}

impl Default for NaiveCodec {
    fn default() -> Self {
        NaiveCodec::new(DEFAULT_READ_SIZE)
    }
}

impl Decoder for NaiveCodec {
    type Item = BytesMut;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<BytesMut>> {
        if src.is_empty() {
            return Ok(None);
        }
        let n = src.len().min(self.read_size);
        Ok(Some(src.split_to(n)))
    }
}

impl super::FrameSlices for NaiveCodec {
    type Error = io::Error;

    fn frames<F: FnMut(&[u8])>(&mut self, buf: &mut BytesMut, mut frame: F) -> io::Result<usize> {
        let chunks = buf.chunks(self.read_size);
        let count = chunks.len();
        chunks.for_each(&mut frame);
        buf.clear();
        Ok(count)
    }
}

impl Encoder<&[u8]> for NaiveCodec {
    type Error = io::Error;

    fn encode(&mut self, item: &[u8], dst: &mut BytesMut) -> io::Result<()> {
        dst.put_slice(item);
        Ok(())
    }
}

impl Encoder<Bytes> for NaiveCodec {
    type Error = io::Error;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> io::Result<()> {
        dst.put_slice(&item);
        Ok(())
    }
}

/// The naive strategy's knobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NaiveFormat {
    /// Largest read.
    pub read_size: usize,
}

impl Default for NaiveFormat {
    fn default() -> Self {
        NaiveFormat { read_size: DEFAULT_READ_SIZE }
    }
}

/// The `naive` strategy (alias `raw`).
#[derive(Debug)]
pub struct Naive;

impl Strategy for Naive {
    const INFO: StrategyInfo = StrategyInfo {
        name: "naive",
        aliases: &["raw"],
        wire: "no framing: each read of up to read-size bytes is taken as one message (recv(1024))",
        knobs: &[("read-size", "1024", "largest read; also accepted positionally: naive:4096")],
    };
    type Format = NaiveFormat;
    const SPEC_SEEDS: &'static [&'static str] = &["naive", "raw", "naive:4096", "naive:read-size=1KiB", "naive:0"];

    fn apply_item(f: &mut NaiveFormat, item: Item<'_>) -> Result<(), SpecProblem> {
        read_size_item(&mut f.read_size, item)
    }

    fn write(f: &NaiveFormat, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(out, "naive:read-size={}", f.read_size)
    }

    fn max_message(f: &NaiveFormat) -> usize {
        f.read_size
    }

    fn codec(f: &NaiveFormat) -> AnyCodec {
        NaiveCodec::new(f.read_size).into()
    }

    fn apply_knobs(f: &mut NaiveFormat, knobs: &Knobs) -> Result<(), KnobError> {
        read_size_knobs(&mut f.read_size, knobs)
    }

    fn restating_knobs(f: &NaiveFormat) -> Knobs {
        Knobs { read_size: Some(f.read_size), ..Knobs::default() }
    }
}

/// The one item of `naive` and `udp`: the read size.
pub(crate) fn read_size_item(read_size: &mut usize, item: Item<'_>) -> Result<(), SpecProblem> {
    if item.positional_first() || item.key == "read-size" {
        *read_size = positive("read-size", size_value("read-size", item.value)?)?;
        Ok(())
    } else {
        Err(unexpected("read-size=N", item.text))
    }
}

/// The knobs of `naive` and `udp`: the read size, and `max-frame` as one.
pub(crate) fn read_size_knobs(read_size: &mut usize, knobs: &Knobs) -> Result<(), KnobError> {
    knobs.refuse(Accepts { read_size: true, ..Accepts::default() })?;
    if let Some(rs) = knobs.read_size {
        *read_size = rs;
    }
    if let Some(m) = knobs.max_frame {
        *read_size = m.max(1);
    }
    Ok(())
}

impl Codec for NaiveCodec {
    const STRATEGY: &'static str = <Naive as Strategy>::INFO.name;
    const FUZZ: &'static [FuzzBody] = &[FuzzBody::Decode, FuzzBody::Bare, FuzzBody::Roundtrip, FuzzBody::Chunking];

    fn max_message(&self) -> usize {
        self.read_size
    }

    fn max_overhead(&self) -> usize {
        0
    }

    fn for_fuzzing(config: u8, _max: usize) -> Self {
        NaiveCodec::new(1 + (config as usize % 64))
    }

    const SLICES_ROW: bool = true;

    /// `read_size` the message size (what it returns is cut at read
    /// boundaries too: that is its bug).
    fn for_bench(size: usize, _max: usize) -> Self {
        NaiveCodec::new(size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naive_decoder_merges_back_to_back_messages() {
        let mut c = NaiveCodec::default();
        let mut buf = BytesMut::new();
        c.encode(&b"hello"[..], &mut buf).unwrap();
        c.encode(&b"world"[..], &mut buf).unwrap();
        assert_eq!(&c.decode(&mut buf).unwrap().unwrap()[..], b"helloworld");
        assert!(c.decode(&mut buf).unwrap().is_none());
    }

    #[test]
    fn naive_decoder_splits_a_message_larger_than_read_size() {
        let mut c = NaiveCodec::new(1024);
        let mut buf = BytesMut::from(&[1u8; 2500][..]);
        // At most 10 calls: a decoder that never returns None fails here
        // instead of looping forever.
        let sizes: Vec<usize> = std::iter::from_fn(|| c.decode(&mut buf).unwrap().map(|m| m.len())).take(10).collect();
        assert_eq!(sizes, vec![1024, 1024, 452]);
    }
}
