#![no_main]
//! Differential: framelab's delimiter codec with `\n` against tokio-util's AnyDelimiterCodec and
//! LinesCodec with the same maximum, the same bytes in the same chunks:
//! the same frames, or both fail at the same frame (rules for the documented differences in
//! `framelab::fuzzing::diff_lines` and docs/fuzzing.md).
//! Body: `framelab::fuzzing::diff_lines`, replayed by `cargo test --test fuzz_corpus`.

use framelab::fuzzing::diff_lines;
use libfuzzer_sys::fuzz_target;

include!("../asan_options.rs");

fuzz_target!(|data: &[u8]| diff_lines(data));
