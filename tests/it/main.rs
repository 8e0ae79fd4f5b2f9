//! The integration and property tests, as one test binary: each file here
//! is a module. One binary links the framelab crate once instead of once
//! per file, which is most of the build time of `cargo test` on 2 cores.
//! Run one file's tests with `cargo test --test it scenarios::`.
//!
//! proptest keeps the failing cases of a module in
//! `tests/proptest-regressions/<module>.txt` (it files them beside the
//! folder holding `main.rs`); commit them with the fix.

mod bench_rows;
mod blackbox_truth;
mod cli_docs;
mod codec_properties;
mod doc_commands;
mod embedded_suite;
mod explore;
mod external;
mod harness_faults;
mod html_report;
mod init;
mod kernel_queue;
mod plan_properties;
mod proxy;
mod real_protocols;
mod scenarios;
mod servers;
mod slices_properties;
mod soak;
mod traced;
mod tracer;

/// The Python interpreter itself, not a shim: pyenv's `python3` is a chain
/// of shell scripts that makes about six times the traced calls of the
/// interpreter at startup, which on a loaded 2-core machine can pass a
/// target's startup timeout. Tests that trace Python servers name it.
pub fn python() -> &'static str {
    static PY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PY.get_or_init(|| {
        let out = std::process::Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .expect("python3 runs");
        let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if path.is_empty() { "python3".to_string() } else { path }
    })
}
