//! Embeds `scenarios/` in the binary, so that `framelab run` with no path
//! runs the built-in suite from any folder (also after `cargo install`).
//!
//! Why a build script and not the `include_dir` crate: no dependency and no
//! proc macro, and `cargo:rerun-if-changed` on every folder makes a scenario
//! *added* to `scenarios/` rebuild the binary (include_dir only tracks
//! files that existed at the last build, unless on nightly). The generated
//! file is a table of `(relative path, include_str!(absolute path))`.

use std::path::{Path, PathBuf};

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            println!("cargo:rerun-if-changed={}", p.display());
            out.push(p.strip_prefix(root).expect("under root").to_path_buf());
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest.join("scenarios");
    let mut files = Vec::new();
    walk(&root, &root, &mut files);
    let mut code = String::from("/// Every file under `scenarios/` at build time: (path relative to it, text).\n");
    code.push_str("pub static FILES: &[(&str, &str)] = &[\n");
    for rel in &files {
        let rel_text = rel.to_string_lossy().replace('\\', "/");
        code.push_str(&format!("    ({:?}, include_str!({:?})),\n", rel_text, root.join(rel).display().to_string()));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_scenarios.rs");
    std::fs::write(out, code).expect("write embedded_scenarios.rs");
}
