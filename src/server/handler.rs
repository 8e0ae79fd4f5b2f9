//! Handlers: what a server does with each message it decoded. Shared by
//! every strategy; the reply is framed by the server's own framing.

use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use bytes::Bytes;

use crate::reply::{ACK, digest_reply};

/// What a server does with each message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Handler {
    /// Reply with the message itself.
    Echo,
    /// Reply with the message upper-cased (ASCII).
    Upper,
    /// Reply `Receive your message!` (the tutorials' text) to every message.
    #[default]
    Ack,
    /// Reply `len=N sha256=HEX` of the message as the server understood
    /// it: reveals the server's view to a black-box client.
    Digest,
    /// `get NAME`: reply with the file NAME from the root directory.
    Files,
    /// No reply.
    Silent,
}

/// Every handler name.
pub const HANDLERS: &[(&str, &str)] = &[
    ("echo", "reply with the message"),
    ("upper", "reply with the message upper-cased"),
    ("ack", "reply \"Receive your message!\" (the tutorials' text)"),
    ("digest", "reply \"len=N sha256=HEX\" of the message as the server understood it"),
    ("files", "\"get NAME\": reply with the file from --root (json-header); paths leaving the root are refused"),
    ("silent", "no reply"),
];

/// A handler name that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown handler {name:?}: expected one of {}", HANDLERS.iter().map(|h| h.0).collect::<Vec<_>>().join(", "))]
pub struct UnknownHandler {
    /// The name given.
    pub name: String,
}

impl FromStr for Handler {
    type Err = UnknownHandler;

    fn from_str(s: &str) -> Result<Self, UnknownHandler> {
        Ok(match s {
            "echo" => Handler::Echo,
            "upper" => Handler::Upper,
            "ack" => Handler::Ack,
            "digest" => Handler::Digest,
            "files" => Handler::Files,
            "silent" | "none" => Handler::Silent,
            o => return Err(UnknownHandler { name: o.to_owned() }),
        })
    }
}

impl fmt::Display for Handler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Handler::Echo => "echo",
            Handler::Upper => "upper",
            Handler::Ack => "ack",
            Handler::Digest => "digest",
            Handler::Files => "files",
            Handler::Silent => "silent",
        })
    }
}

/// A reply to frame and send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Send nothing.
    None,
    /// Send these bytes as one message.
    Message(Bytes),
    /// A file (json-header carries the name).
    File {
        /// The name as requested.
        name: String,
        /// Its contents.
        body: Bytes,
    },
    /// The request was refused; the text says why.
    Refused(String),
}

impl Handler {
    /// The reply to `msg`. `root` is the files handler's directory;
    /// `max_file` bounds the size of a file it serves.
    pub fn reply(&self, msg: &[u8], root: Option<&Path>, max_file: usize) -> Reply {
        match self {
            Handler::Echo => Reply::Message(Bytes::copy_from_slice(msg)),
            Handler::Upper => Reply::Message(Bytes::from(msg.to_ascii_uppercase())),
            Handler::Ack => Reply::Message(Bytes::from_static(ACK)),
            Handler::Digest => Reply::Message(digest_reply(msg)),
            Handler::Silent => Reply::None,
            Handler::Files => serve_file(msg, root, max_file),
        }
    }
}

/// Resolves `name` inside `root`, refusing anything that could leave it:
/// absolute paths, `..`, drive prefixes, empty names, and symlinks that
/// point outside.
pub fn resolve_in_root(root: &Path, name: &str) -> Result<PathBuf, FileRefusal> {
    let named = |why: fn(String) -> FileRefusal| why(name.to_owned());
    if name.is_empty() {
        return Err(FileRefusal::Empty);
    }
    if name.contains('\0') {
        return Err(FileRefusal::Nul);
    }
    let rel = Path::new(name);
    for c in rel.components() {
        match c {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => return Err(named(FileRefusal::ParentDir)),
            Component::RootDir | Component::Prefix(_) => return Err(named(FileRefusal::Absolute)),
        }
    }
    let root = root.canonicalize().map_err(|e| FileRefusal::Root(e.to_string()))?;
    let full = root.join(rel).canonicalize().map_err(|_| named(FileRefusal::NoSuchFile))?;
    if !full.starts_with(&root) {
        return Err(named(FileRefusal::LeavesRoot));
    }
    if !full.is_file() {
        return Err(named(FileRefusal::NotAFile));
    }
    Ok(full)
}

/// Why the files handler refuses a name ([`resolve_in_root`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileRefusal {
    /// No name.
    #[error("empty file name")]
    Empty,
    /// A NUL byte in the name.
    #[error("file name contains a NUL byte")]
    Nul,
    /// A `..` component.
    #[error("{0:?} contains `..`")]
    ParentDir(String),
    /// An absolute path or drive prefix.
    #[error("{0:?} is an absolute path")]
    Absolute(String),
    /// The root directory cannot be resolved.
    #[error("root directory: {0}")]
    Root(String),
    /// Nothing of that name.
    #[error("no such file: {0:?}")]
    NoSuchFile(String),
    /// A symlink or path that resolves outside the root.
    #[error("{0:?} leaves the root directory")]
    LeavesRoot(String),
    /// A directory or other non-file.
    #[error("{0:?} is not a file")]
    NotAFile(String),
}

fn serve_file(msg: &[u8], root: Option<&Path>, max_file: usize) -> Reply {
    let Some(root) = root else {
        return Reply::Refused("the files handler has no root directory".into());
    };
    let text = String::from_utf8_lossy(msg);
    let Some(name) = text.trim().strip_prefix("get ") else {
        return Reply::Refused("expected `get NAME`".into());
    };
    let name = name.trim();
    let path = match resolve_in_root(root, name) {
        Ok(p) => p,
        Err(e) => return Reply::Refused(e.to_string()),
    };
    match std::fs::metadata(&path) {
        Ok(m) if m.len() > max_file as u64 => {
            return Reply::Refused(format!("{name:?} is {} bytes, over the maximum of {max_file}", m.len()));
        }
        Err(e) => return Reply::Refused(format!("{name:?}: {e}")),
        _ => {}
    }
    match std::fs::read(&path) {
        Ok(body) => Reply::File { name: name.to_owned(), body: Bytes::from(body) },
        Err(e) => Reply::Refused(format!("{name:?}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_handler_refuses_paths_that_leave_the_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), b"hello").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/b.txt"), b"bee").unwrap();
        let root = Some(dir.path());
        assert_eq!(
            Handler::Files.reply(b"get a.txt", root, 100),
            Reply::File { name: "a.txt".into(), body: Bytes::from_static(b"hello") }
        );
        assert!(matches!(Handler::Files.reply(b"get sub/b.txt", root, 100), Reply::File { .. }));
        for bad in
            ["get ../x", "get /etc/passwd", "get sub/../../etc/passwd", "get ..", "get ", "get sub", "get a.txt\0"]
        {
            assert!(matches!(Handler::Files.reply(bad.as_bytes(), root, 100), Reply::Refused(_)), "{bad}");
        }
        assert!(matches!(Handler::Files.reply(b"get a.txt", root, 2), Reply::Refused(_)));
        assert!(matches!(Handler::Files.reply(b"rm -rf /", root, 100), Reply::Refused(_)));
    }

    #[cfg(unix)]
    #[test]
    fn files_handler_refuses_a_symlink_out_of_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), b"s").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("link")).unwrap();
        assert!(matches!(Handler::Files.reply(b"get link", Some(dir.path()), 100), Reply::Refused(_)));
    }

    #[test]
    fn handlers_reply_as_documented() {
        assert_eq!(Handler::Upper.reply(b"abc", None, 0), Reply::Message(Bytes::from_static(b"ABC")));
        assert_eq!(Handler::Ack.reply(b"x", None, 0), Reply::Message(Bytes::from_static(ACK)));
        let Reply::Message(d) = Handler::Digest.reply(b"abc", None, 0) else { panic!() };
        assert!(d.starts_with(b"len=3 sha256=ba7816bf"));
        assert_eq!("digest".parse::<Handler>(), Ok(Handler::Digest));
        assert!("shell".parse::<Handler>().is_err());
    }
}
