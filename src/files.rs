//! Writing the files a user asks for (`--out`, `--html`, `--junit`): the
//! folders they need are created, and every error names the path.

use std::io;
use std::path::Path;

/// `err` with `path` and what was being done in its message.
pub fn named(path: &Path, what: &str, err: io::Error) -> io::Error {
    io::Error::new(err.kind(), format!("{}: {what}: {err}", path.display()))
}

/// Writes `bytes` to `path`, creating the missing folders above it first.
pub fn write(path: &Path, bytes: impl AsRef<[u8]>) -> io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| named(path, &format!("cannot create the folder {}", parent.display()), e))?;
    }
    std::fs::write(path, bytes).map_err(|e| named(path, "cannot write", e))
}

#[cfg(test)]
mod tests {
    #[test]
    fn missing_folders_are_created_and_errors_name_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b/found.toml");
        super::write(&deep, "x").unwrap();
        assert_eq!(std::fs::read_to_string(&deep).unwrap(), "x");
        // A file where a folder should be.
        let blocked = dir.path().join("a/b/found.toml/inner.toml");
        let e = super::write(&blocked, "x").unwrap_err().to_string();
        assert!(e.contains(&blocked.display().to_string()), "{e}");
    }
}
