#![no_main]
//! Messages encoded then decoded by the naive codec come back equal.
//! Raw bytes go through `with_arbitrary`, so `cargo test --lib fuzzing::corpus`
//! replays a saved input exactly as the fuzzer ran it.

use framelab::fuzzing::{RoundtripInput, Strategy, roundtrip, with_arbitrary};
use libfuzzer_sys::fuzz_target;

include!("../asan_options.rs");

fuzz_target!(|data: &[u8]| with_arbitrary::<RoundtripInput>(data, |i| roundtrip(Strategy::Naive, i)));
