#![no_main]
//! See `framelab::fuzzing::plan_schedule`: the same body replays the committed
//! seeds and regressions in `cargo test --lib fuzzing::corpus`.

use libfuzzer_sys::fuzz_target;

include!("../asan_options.rs");

fuzz_target!(|data: &[u8]| framelab::fuzzing::plan_schedule(data));
