//! The length-prefix server. `correct` decodes with
//! [`LengthPrefixCodec`](crate::framing::LengthPrefixCodec), so a header or
//! body cut anywhere is reassembled.
//!
//! `seed` (alias `single-read`) reads the header with one `read()` and the
//! body with one `read()` (a varint as if it were always two bytes: one
//! `recv(2)`, the tutorial MQTT reader's), like the basics and length-as-text tutorials' `conn.recv(4)` then
//! `conn.recv(n)`, or C's `read(fd, &len, 4)` with the count ignored: a
//! header cut in two is read zero-padded (B4), and a short body leaves its
//! rest to be read as the next header (B5). Lengths are still checked
//! against the maximum: no variant allocates what a peer declares.
//!
//! `decimal` is the length-as-text tutorial's first attempt: the length is sent as decimal
//! text with no boundary (`str(len)` then the data); the server parses the
//! leading digits of one `recv(1024)` (the rest of that read is lost) and
//! then gathers `recv(1024)`s until it has at least that many bytes, taking
//! whatever overshoots into the next message (B7).

use bytes::{Bytes, BytesMut};

use super::Variant;
use super::conn::{Conn, SEED_RECV};
use super::observe::CloseReason;
use crate::framing::length_prefix::MAX_OFFSET;
use crate::framing::{ErrorKind, LengthPrefix};

pub(crate) async fn serve(c: Conn, format: LengthPrefix) {
    match c.cfg.variant {
        Variant::Tutorial => single_read(c, format).await,
        Variant::Decimal => decimal(c).await,
        _ => {
            let codec = c.cfg.framing.codec();
            c.serve_framed(codec).await
        }
    }
}

async fn single_read(mut c: Conn, format: LengthPrefix) {
    let mut replier = c.cfg.framing.codec();
    loop {
        c.frame_start = None;
        // A varint is read as if it were always two bytes: `recv(2)`.
        let field = if format.varint { 2 } else { format.header_len() };
        let off = format.offset;
        let head = match c.recv(off + field).await {
            Ok(b) => b,
            Err(end) => return c.end(end),
        };
        // The bug: whatever one read returned is the header, zero-padded.
        let mut padded = [0u8; MAX_OFFSET + 8];
        padded[..head.len()].copy_from_slice(&head);
        let raw = if format.varint {
            i128::from(padded[off] & 0x7f) | i128::from(padded[off + 1] & 0x7f) << 7
        } else {
            format.read_raw(&padded[off..])
        };
        let body_len = match format.body_len(raw) {
            Ok(n) => n,
            Err(e) => {
                c.log.error(c.id, ErrorKind::BadLength, e);
                return c.finish(CloseReason::Error, None);
            }
        };
        let body = if body_len == 0 {
            Bytes::new()
        } else {
            match c.recv(body_len).await {
                Ok(b) => b,
                Err(end) => return c.end(end.mid_frame()),
            }
        };
        // The message: the bytes before the field, then the body.
        let body = if off == 0 { body } else { [&padded[..off.min(head.len())], &body[..]].concat().into() };
        c.understood(body.clone());
        if let Err(r) = c.respond(&body, &mut replier).await {
            return c.finish(r, None);
        }
    }
}

async fn decimal(mut c: Conn) {
    let max = c.cfg.framing.max_message();
    let mut replier = c.cfg.framing.codec();
    loop {
        c.frame_start = None;
        let first = match c.recv(SEED_RECV).await {
            Ok(b) => b,
            Err(end) => return c.end(end),
        };
        let digits = first.iter().take_while(|b| b.is_ascii_digit()).count();
        let len = std::str::from_utf8(&first[..digits]).ok().and_then(|d| d.parse::<usize>().ok());
        let Some(len) = len else {
            c.log.error(
                c.id,
                ErrorKind::BadLength,
                format!("expected a decimal length, got {:?}", String::from_utf8_lossy(&first[..first.len().min(16)])),
            );
            return c.finish(CloseReason::Error, None);
        };
        if len > max {
            c.log.error(c.id, ErrorKind::BadLength, format!("declared length {len} exceeds the maximum of {max}"));
            return c.finish(CloseReason::Error, None);
        }
        let mut body = BytesMut::new();
        while body.len() < len {
            match c.recv(SEED_RECV).await {
                Ok(b) => body.extend_from_slice(&b),
                Err(end) => return c.end(end.mid_frame()),
            }
        }
        let body = body.freeze();
        c.understood(body.clone());
        if let Err(r) = c.respond(&body, &mut replier).await {
            return c.finish(r, None);
        }
    }
}
