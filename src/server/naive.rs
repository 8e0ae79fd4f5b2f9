//! The naive server: every `recv(read_size)` is taken as one message, as
//! the first server of every seed does (B1, B2, B3, B10). The `utf8`
//! variant also decodes each read as UTF-8 on its own, like the tutorials'
//! `conn.recv(1024).decode('utf-8')`, and drops the connection when a
//! multi-byte character is split between two reads (B11).

use bytes::Bytes;

use super::Variant;
use super::conn::Conn;
use super::observe::CloseReason;
use crate::framing::{AnyCodec, ErrorKind, NaiveCodec};

pub(crate) async fn serve(mut c: Conn, read_size: usize) {
    let mut replier = AnyCodec::Naive(NaiveCodec::new(read_size));
    loop {
        // Each message is exactly one read; there is never a frame in progress.
        c.frame_start = None;
        let msg: Bytes = match c.recv(read_size).await {
            Ok(m) => m,
            Err(end) => return c.end(end),
        };
        if c.cfg.variant == Variant::Utf8
            && let Err(e) = std::str::from_utf8(&msg)
        {
            c.log.error(c.id, ErrorKind::BadUtf8, format!("a read of {} bytes is not valid UTF-8: {e}", msg.len()));
            return c.finish(CloseReason::Error, None);
        }
        c.understood(msg.clone());
        if let Err(r) = c.respond(&msg, &mut replier).await {
            return c.finish(r, None);
        }
    }
}
