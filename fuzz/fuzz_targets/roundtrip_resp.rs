#![no_main]
//! Messages encoded by the RESP codec (values as is, commands as arrays of their words) decode
//! to exactly what was sent, and each decoded frame encodes to itself.
//! Raw bytes go through `with_arbitrary`, so `cargo test --lib fuzzing::corpus`
//! replays a saved input exactly as the fuzzer ran it.

use framelab::fuzzing::{RoundtripInput, Strategy, roundtrip, with_arbitrary};
use libfuzzer_sys::fuzz_target;

include!("../asan_options.rs");

fuzz_target!(|data: &[u8]| with_arbitrary::<RoundtripInput>(data, |i| roundtrip(Strategy::Resp, i)));
