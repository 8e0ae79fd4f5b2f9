//! framelab makes TCP message-framing bugs happen on demand, fuzzes frame
//! decoders, and measures what each framing strategy costs.
//!
//! TCP carries a byte stream, not messages: two `write()`s may reach the
//! peer in one `read()` ("sticky packets", 粘包), one message may take
//! several reads, and a length header may arrive cut in two (the bugs this
//! causes, B1..B18, are catalogued in `docs/bugs.md`). This crate
//! holds the pieces the `framelab` binary is built from, usable from your
//! own tests:
//!
//! - [`framing`]: codecs for every strategy (`tokio_util::codec`).
//! - [`check`]: round-trip, chunking and bounded-memory checks for any codec.
//!
//! ```
//! use bytes::BytesMut;
//! use framelab::framing::FramingSpec;
//! use tokio_util::codec::{Decoder, Encoder};
//!
//! let spec: FramingSpec = "length-prefix:i32le".parse().unwrap();
//! let mut codec = spec.codec();
//! let mut wire = BytesMut::new();
//! codec.encode(&b"hello"[..], &mut wire).unwrap();
//! codec.encode(&b"world"[..], &mut wire).unwrap();
//! // Two frames in one buffer (coalesced) still decode as two messages.
//! assert_eq!(&codec.decode(&mut wire).unwrap().unwrap()[..], b"hello");
//! assert_eq!(&codec.decode(&mut wire).unwrap().unwrap()[..], b"world");
//! ```
#![deny(missing_docs)]

pub mod bench;
pub mod check;
pub mod cli;
pub mod client;
pub mod explore;
pub mod fault;
pub mod files;
pub mod framing;
pub mod fuzzing;
pub mod judge;
pub mod kernel_queue;
pub mod net;
pub mod pattern;
pub mod proxy;
pub mod report;
pub mod run;
pub mod scenario;
pub mod seed;
pub mod server;
pub mod soak;
pub mod sync;
pub mod target;
pub mod trace;
pub mod units;
