#![no_main]
//! Yardstick, not run in CI: the decode_http input through a bare decode loop (the concrete
//! codec, frames dropped as they come, only the buffer and frame bounds asserted), to measure
//! what decode_http's oracle costs (`scripts/fuzz-speed.sh`).
//! Body: `framelab::fuzzing::bare`, replayed by `cargo test --test fuzz_corpus`.

use framelab::fuzzing::{Strategy, bare};
use libfuzzer_sys::fuzz_target;

include!("../asan_options.rs");

fuzz_target!(|data: &[u8]| bare(Strategy::Http, data));
