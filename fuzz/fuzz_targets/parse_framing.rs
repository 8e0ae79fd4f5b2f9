#![no_main]
//! Arbitrary text as a framing spec: no panic, and a spec that parses
//! prints back to text that parses to the same spec.

use libfuzzer_sys::fuzz_target;

include!("../asan_options.rs");

fuzz_target!(|data: &[u8]| framelab::fuzzing::parse_framing(data));
