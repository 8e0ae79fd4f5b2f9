#![no_main]
//! Differential: each codec's frames-as-slices API (`FrameSlices::frames`)
//! against its own `Decoder`, the same bytes in the same reads: the same
//! frames, errors, counts and buffered bytes.
//! Body: `framelab::fuzzing::diff_slices`, replayed by `cargo test --lib fuzzing::corpus`.

use framelab::fuzzing::diff_slices;
use libfuzzer_sys::fuzz_target;

include!("../asan_options.rs");

fuzz_target!(|data: &[u8]| diff_slices(data));
