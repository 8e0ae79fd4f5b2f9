//! The json-header server (JSON-header tutorial, version 2). `correct` decodes with
//! [`JsonHeaderCodec`](crate::framing::JsonHeaderCodec), checking every
//! digest, and serves files with a real sha256. `seed` checks no digest and
//! sends the JSON-header tutorial's placeholder digest `1231231231232132131232311` with
//! every file (B16), so a client that verifies sees the mismatch. Neither
//! serves a file outside its root (B17): the files handler refuses.

use super::Variant;
use super::conn::Conn;
use crate::framing::{AnyCodec, DigestPolicy, JsonHeaderCodec, JsonHeaderFormat};

pub(crate) async fn serve(c: Conn, mut format: JsonHeaderFormat) {
    if c.cfg.variant == Variant::Tutorial {
        format.verify = DigestPolicy::Ignore;
    }
    c.serve_framed(AnyCodec::JsonHeader(JsonHeaderCodec::new(format))).await
}
