//! Bounded capture of a child's stdout or stderr: the head (a client's
//! output, judged against the scenario) or the tail (a server's stderr,
//! shown when it fails to start). A child that writes without end never
//! makes framelab hold more than the limit, and its pipe is always drained
//! so it never blocks on a full pipe.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::task::JoinHandle;

/// Which end of the output to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// The first `limit` bytes.
    Head,
    /// The last `limit` bytes.
    Tail,
}

#[derive(Debug)]
struct Inner {
    data: Vec<u8>,
    total: u64,
    done: bool,
}

/// Output captured from a pipe, shared with the task that drains it.
#[derive(Debug, Clone)]
pub struct Capture {
    inner: Arc<Mutex<Inner>>,
    limit: usize,
    keep: Keep,
}

impl Capture {
    /// An empty capture keeping `limit` bytes of one end.
    pub fn new(limit: usize, keep: Keep) -> Self {
        Capture { inner: Arc::new(Mutex::new(Inner { data: Vec::new(), total: 0, done: false })), limit, keep }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn push(&self, bytes: &[u8]) {
        let mut g = self.lock();
        g.total += bytes.len() as u64;
        match self.keep {
            Keep::Head => {
                let room = self.limit.saturating_sub(g.data.len());
                g.data.extend_from_slice(&bytes[..bytes.len().min(room)]);
            }
            Keep::Tail => {
                g.data.extend_from_slice(bytes);
                if g.data.len() > self.limit {
                    let cut = g.data.len() - self.limit;
                    g.data.drain(..cut);
                }
            }
        }
    }

    /// Drains `pipe` into this capture on a task, until end of file or an
    /// error.
    pub fn drain<R: AsyncRead + Unpin + Send + 'static>(&self, mut pipe: R) -> JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 8192];
            loop {
                match pipe.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => me.push(&buf[..n]),
                }
            }
            me.lock().done = true;
        })
    }

    /// The bytes kept so far.
    pub fn bytes(&self) -> Vec<u8> {
        self.lock().data.clone()
    }

    /// Bytes written in all (kept or not).
    pub fn total(&self) -> u64 {
        self.lock().total
    }

    /// Whether more was written than kept.
    pub fn truncated(&self) -> bool {
        let g = self.lock();
        g.total > g.data.len() as u64
    }

    /// The kept text, lossily decoded, with a note when some was dropped.
    pub fn text(&self) -> String {
        let g = self.lock();
        let text = String::from_utf8_lossy(&g.data).into_owned();
        let dropped = g.total - g.data.len() as u64;
        match (dropped, self.keep) {
            (0, _) => text,
            (n, Keep::Tail) => format!("[... {n} earlier bytes]\n{text}"),
            (n, Keep::Head) => format!("{text}\n[... {n} more bytes]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_keeps_the_start_and_tail_keeps_the_end() {
        let h = Capture::new(4, Keep::Head);
        h.push(b"abc");
        h.push(b"defg");
        assert_eq!(h.bytes(), b"abcd");
        assert!(h.truncated());
        assert_eq!(h.total(), 7);
        let t = Capture::new(4, Keep::Tail);
        t.push(b"abc");
        t.push(b"defg");
        assert_eq!(t.bytes(), b"defg");
        assert!(t.text().starts_with("[... 3 earlier bytes]"));
    }
}
