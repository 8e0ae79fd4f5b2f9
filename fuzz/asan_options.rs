// Included by every target (`include!("../asan_options.rs")`): the
// AddressSanitizer defaults of these binaries, so that `cargo fuzz run`,
// `.ci/fuzz` and the scripts all run with them (ASAN_OPTIONS still
// overrides them).
//
// detect_stack_use_after_return=0: since LLVM 15 ASan moves every stack
// frame of an instrumented function to a heap-allocated fake stack, by
// default on Linux, to catch a pointer to a local used after its function
// returned. The decode loops make a few such frames per decode call, and it
// cost about a quarter of decode_length_prefix's time (perf: the
// `__asan_stack_malloc_*`, `__asan_stack_free_*` and `PoisonShadow`
// entries; docs/fuzzing.md has the figures). The bug it catches needs
// unsafe code returning a dangling pointer, and the code the targets run
// (framing, fuzzing, scenario, schedule) has no unsafe block; heap errors,
// leaks and overflows are still caught.
#[unsafe(no_mangle)]
pub extern "C" fn __asan_default_options() -> *const std::ffi::c_char {
    c"detect_stack_use_after_return=0".as_ptr()
}
