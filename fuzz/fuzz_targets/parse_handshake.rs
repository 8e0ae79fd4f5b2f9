#![no_main]
//! Arbitrary bytes as a peer's `Ready|N` line and `Start` token: no panic, an accepted N within
//! the maximum, the line written for N parses back to N, only `Start` starts.
//! Body: `framelab::fuzzing::parse_handshake`, replayed by `cargo test --test fuzz_corpus`.

use framelab::fuzzing::parse_handshake;
use libfuzzer_sys::fuzz_target;

include!("../asan_options.rs");

fuzz_target!(|data: &[u8]| parse_handshake(data));
