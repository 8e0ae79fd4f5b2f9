#![no_main]
//! Differential: framelab's length-prefix codec (every preset, with and without includes-header, maximums at the edges) against tokio-util's
//! LengthDelimitedCodec configured identically, the same bytes in the same chunks:
//! the same frames, or both fail at the same frame (rules for the documented differences in
//! `framelab::fuzzing::diff_length_prefix` and docs/fuzzing.md).
//! Body: `framelab::fuzzing::diff_length_prefix`, replayed by `cargo test --test fuzz_corpus`.

use framelab::fuzzing::diff_length_prefix;
use libfuzzer_sys::fuzz_target;

include!("../asan_options.rs");

fuzz_target!(|data: &[u8]| diff_length_prefix(data));
