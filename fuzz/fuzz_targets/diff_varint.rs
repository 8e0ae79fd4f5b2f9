#![no_main]
//! Differential: framelab's varint length field against prost's (protobuf's
//! encode_length_delimiter and decode_length_delimiter): the same value and
//! width read, the same bytes written (rules for the documented differences
//! in `framelab::fuzzing::diff_varint` and docs/fuzzing.md).
//! Body: `framelab::fuzzing::diff_varint`, replayed by `cargo test --lib fuzzing::corpus`.

use framelab::fuzzing::diff_varint;
use libfuzzer_sys::fuzz_target;

include!("../asan_options.rs");

fuzz_target!(|data: &[u8]| diff_varint(data));
