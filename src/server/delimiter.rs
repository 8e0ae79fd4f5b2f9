//! The delimiter server. `correct` decodes with
//! [`DelimiterCodec`](crate::framing::DelimiterCodec). `seed` is the sleep-fix tutorial's
//! "end marker" reader: it appends `recv(1024)` results until a read
//! *ends with* the delimiter, then takes everything gathered as one
//! message, so two messages that arrive together become one message with
//! a delimiter inside (coalesced), and a read that ends mid-message runs
//! into the next one.

use bytes::BytesMut;

use super::Variant;
use super::conn::{Conn, SEED_RECV};
use super::observe::CloseReason;
use crate::framing::ErrorKind;

pub(crate) async fn serve(mut c: Conn, delim: bytes::Bytes, max: usize) {
    let codec = c.cfg.framing.codec();
    if c.cfg.variant != Variant::Tutorial {
        return c.serve_framed(codec).await;
    }
    let mut replier = codec;
    let mut pending = BytesMut::new();
    loop {
        let chunk = match c.recv(SEED_RECV).await {
            Ok(b) => b,
            Err(end) if pending.is_empty() => return c.end(end),
            Err(end) => return c.end(end.mid_frame()),
        };
        pending.extend_from_slice(&chunk);
        if pending.len() > max + delim.len() {
            c.log.error(c.id, ErrorKind::LineTooLong, format!("no end marker within {max} bytes"));
            return c.finish(CloseReason::Error, None);
        }
        if pending.ends_with(&delim) {
            pending.truncate(pending.len() - delim.len());
            let msg = pending.split().freeze();
            c.frame_start = None;
            c.understood(msg.clone());
            if let Err(r) = c.respond(&msg, &mut replier).await {
                return c.finish(r, None);
            }
        }
    }
}
