//! The integration and property tests, as one test binary: each file here
//! is a module. One binary links the framelab crate once instead of once
//! per file, which is most of the build time of `cargo test` on 2 cores.
//! Run one file's tests with `cargo test --test it scenarios::`.
//!
//! proptest keeps the failing cases of a module in
//! `tests/proptest-regressions/<module>.txt` (it files them beside the
//! folder holding `main.rs`); commit them with the fix.

mod api;
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
/// A scenario file, loaded, with its `python3` commands naming
/// [`python()`]: the examples say `python3`, as their users would; these
/// tests are about the servers, not about the machine's wrapper.
pub fn load(path: &std::path::Path) -> framelab::scenario::Scenario {
    let mut sc = framelab::scenario::load_file(path).unwrap_or_else(|e| panic!("{e}"));
    let name_it = |argv: &mut Vec<String>| {
        if argv.first().is_some_and(|p| p == "python3") {
            argv[0] = python().to_string();
        }
    };
    if let Some(c) = sc.target.as_mut().and_then(|t| t.command.as_mut()) {
        name_it(c);
    }
    if let Some(c) = sc.client_under_test.as_mut() {
        name_it(&mut c.command);
    }
    sc
}

/// `PATH` with a folder first whose `python3` is [`python()`], for the
/// framelab commands the tests run as a user would.
#[cfg(unix)]
pub fn path_with_python() -> std::ffi::OsString {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("framelab-it-python-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let link = dir.join("python3");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(python(), &link).unwrap();
        dir
    });
    let mut paths = vec![dir.clone()];
    paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    std::env::join_paths(paths).unwrap()
}

/// `text` (a scenario) with its `"python3"` commands naming [`python()`].
pub fn with_python(text: &str) -> String {
    text.replace("\"python3\"", &format!("{:?}", python()))
}

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
