#![no_main]
//! See `framelab::fuzzing::judge_claims`: the black-box judge's verdict on replies of a model server
//! that reads the stream anywhere. The same body replays the committed seeds and regressions in
//! `cargo test --lib fuzzing::corpus`.

use libfuzzer_sys::fuzz_target;

include!("../asan_options.rs");

fuzz_target!(|data: &[u8]| framelab::fuzzing::judge_claims(data));
