#![no_main]
//! See `framelab::fuzzing::sound::judge_sound`: the reply-only judge against a model of servers
//! that read, merge, skip, cut and answer in every way (issue 34); its verdict must be the model's
//! truth or `inconclusive`. The same body replays the committed seeds and regressions in
//! `cargo test --lib fuzzing::corpus`.

use libfuzzer_sys::fuzz_target;

include!("../asan_options.rs");

fuzz_target!(|data: &[u8]| framelab::fuzzing::sound::judge_sound(data));
