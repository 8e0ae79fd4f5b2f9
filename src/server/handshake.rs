//! The handshake server of the Ready|N tutorial: a request, then `Ready|N`, then the
//! client's `Start`, then N reply bytes.
//!
//! `correct` frames requests with `\n` and reads exactly the five bytes of
//! `Start`, so a request that arrives together with `Start` is kept for the
//! next round. `seed` reads the request and the `Start` with one
//! `recv(1024)` each, as the seed does: whatever came with `Start` is
//! silently lost (B8).

use bytes::{Bytes, BytesMut};
use tokio_util::codec::Decoder;

use super::Variant;
use super::conn::{Conn, Fill, SEED_RECV};
use super::handler::Reply;
use super::observe::CloseReason;
use crate::framing::handshake::{START, check_start, ready_line};
use crate::framing::{DelimiterCodec, ErrorKind};

fn reply_body(c: &Conn, msg: &[u8]) -> Bytes {
    match c.cfg.handler.reply(msg, c.cfg.root.as_deref(), c.cfg.framing.max_message()) {
        Reply::None => Bytes::new(),
        Reply::Message(b) => b,
        Reply::File { body, .. } => body,
        Reply::Refused(why) => Bytes::from(format!("ERROR: {why}")),
    }
}

/// Answers one request: `Ready|N`, wait for `Start`, send the body.
/// Returns `Err` with the close reason when the connection must end.
async fn answer(c: &mut Conn, msg: &[u8], exact_start: bool) -> Result<(), CloseReason> {
    if !c.cfg.delay.is_zero() {
        tokio::time::sleep(c.cfg.delay).await;
    }
    let body = reply_body(c, msg);
    c.send(&ready_line(body.len())).await?;
    let token: Bytes = if exact_start {
        while c.buf.len() < START.len() {
            if c.frame_start.is_none() {
                c.frame_start = Some(tokio::time::Instant::now());
            }
            match c.fill(START.len() - c.buf.len()).await {
                Fill::Data => {}
                Fill::Eof => return Err(CloseReason::EofMidFrame),
                Fill::Closed(r, e) => {
                    c.finish_error(e);
                    return Err(r);
                }
            }
        }
        c.buf.split_to(START.len()).freeze()
    } else {
        match c.recv(SEED_RECV).await {
            // The bug: anything after "Start" in this read is dropped.
            Ok(b) => b.slice(..b.len().min(START.len())),
            Err(end) => {
                let end = end.mid_frame();
                c.finish_error(end.1);
                return Err(end.0);
            }
        }
    };
    if let Err(e) = check_start(&token) {
        c.log.error(c.id, ErrorKind::BadStart, e);
        return Err(CloseReason::Error);
    }
    c.send(&body).await
}

pub(crate) async fn serve(mut c: Conn, max: usize) {
    if c.cfg.variant == Variant::Tutorial {
        loop {
            c.frame_start = None;
            let msg = match c.recv(SEED_RECV).await {
                // Like the Ready|N tutorial's `.strip()`: a trailing newline is not part of the request.
                Ok(b) => {
                    let keep = b.len() - usize::from(b.ends_with(b"\n")) - usize::from(b.ends_with(b"\r\n"));
                    b.slice(..keep)
                }
                Err(end) => return c.end(end),
            };
            c.understood(msg.clone());
            if let Err(r) = answer(&mut c, &msg, false).await {
                return c.finish(r, None);
            }
        }
    }
    let mut codec = DelimiterCodec::lines(max);
    loop {
        loop {
            match codec.decode(&mut c.buf) {
                Ok(Some(m)) => {
                    let m: Bytes = BytesMut::freeze(m);
                    c.understood(m.clone());
                    if let Err(r) = answer(&mut c, &m, true).await {
                        return c.finish(r, None);
                    }
                    c.frame_start = if c.buf.is_empty() { None } else { Some(tokio::time::Instant::now()) };
                }
                Ok(None) => break,
                Err(e) => {
                    c.log.error(c.id, ErrorKind::LineTooLong, e);
                }
            }
        }
        match c.fill(super::conn::READ_CHUNK).await {
            Fill::Data => {}
            Fill::Eof => {
                let reason = if c.buf.is_empty() { CloseReason::Eof } else { CloseReason::EofMidFrame };
                return c.finish(reason, None);
            }
            Fill::Closed(r, e) => return c.finish(r, e),
        }
    }
}
