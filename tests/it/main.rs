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
