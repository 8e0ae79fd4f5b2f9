#![no_main]
//! naive frames plus a raw tail, decoded whole and cut at arbitrary points:
//! the same frames and the same error.
//! Raw bytes go through `with_arbitrary`, so `cargo test --lib fuzzing::corpus`
//! replays a saved input exactly as the fuzzer ran it.

use framelab::fuzzing::{ChunkingInput, Strategy, chunking, with_arbitrary};
use libfuzzer_sys::fuzz_target;

include!("../asan_options.rs");

fuzz_target!(|data: &[u8]| with_arbitrary::<ChunkingInput>(data, |i| chunking(Strategy::Naive, i)));
