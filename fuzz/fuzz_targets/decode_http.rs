#![no_main]
//! Arbitrary bytes fed to the HTTP/1.1 decoder (auto, request and response modes) in arbitrary
//! chunks: no panic, bounded buffering, every frame within the maximum.
//! Body: `framelab::fuzzing::decode`, replayed by `cargo test --lib fuzzing::corpus`.

use framelab::fuzzing::{Strategy, decode};
use libfuzzer_sys::fuzz_target;

include!("../asan_options.rs");

fuzz_target!(|data: &[u8]| decode(Strategy::Http, data));
