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
//! - [`Suite`]: scenario files run against your server from a test, with
//!   the verdicts asserted:
//!
//! ```no_run
//! # async fn f() -> Result<(), framelab::SuiteError> {
//! // In a #[tokio::test], with your server listening on 127.0.0.1:9000:
//! let addr = "127.0.0.1:9000".parse().unwrap();
//! framelab::Suite::load("scenarios")?.target(addr).run().await.assert_passed();
//! # Ok(())
//! # }
//! ```
//!
//! A failing scenario panics with the report `framelab run` prints: the
//! verdict, the one expected, the seed and the command that replays it.
//!
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

// The modules below that are hidden from the documentation are the
// binary's and the project's own tests': their items may change in any
// release. What a user should use is shown: `framing`, `check`, `Suite`.
#[doc(hidden)]
pub mod bench;
pub mod check;
#[doc(hidden)]
pub mod cli;
#[doc(hidden)]
pub mod client;
#[doc(hidden)]
pub mod explore;
#[doc(hidden)]
pub mod fault;
#[doc(hidden)]
pub mod files;
pub mod framing;
#[doc(hidden)]
pub mod fuzzing;
#[doc(hidden)]
pub mod judge;
#[doc(hidden)]
pub mod kernel_queue;
#[doc(hidden)]
pub mod net;
#[doc(hidden)]
pub mod pattern;
#[doc(hidden)]
pub mod proxy;
#[doc(hidden)]
pub mod reply;
#[doc(hidden)]
pub mod report;
#[doc(hidden)]
pub mod run;
#[doc(hidden)]
pub mod scenario;
#[doc(hidden)]
pub mod seed;
#[doc(hidden)]
pub mod server;
#[doc(hidden)]
pub mod soak;
pub mod suite;
#[doc(hidden)]
pub mod sync;
#[doc(hidden)]
pub mod target;
#[doc(hidden)]
pub mod trace;
#[doc(hidden)]
pub mod units;

pub use run::{RunSummary, ScenarioResult};
pub use scenario::Verdict;
pub use suite::{Suite, SuiteError, SuiteReport};

// The README's Rust examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
