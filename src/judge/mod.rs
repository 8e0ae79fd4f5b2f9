//! Judging: what was observed becomes a [`Judgement`] (a [`Verdict`], a
//! detail in words, and what was seen). A verdict follows only from what
//! was observed.
//!
//! - [`reference`](mod@reference): a reference server's own record of what it understood;
//! - [`blackbox`]: a server we cannot look into, by its replies;
//! - [`client`]: a client under test, by its exit status and output;
//! - [`protocol`]: replies of a request/answer protocol, one per request,
//!   against `answers`;
//! - [`policy`]: what an address target can be judged on, and one verdict
//!   from several connections.
//!
//! All of them compare messages with `classify`.

pub mod blackbox;
pub mod claim;
mod classify;
pub mod client;
pub mod closes;
pub mod ids;
pub mod policy;
pub mod protocol;
pub mod reading;
pub mod reference;
#[cfg(test)]
mod tests;
pub mod traced;

use bytes::Bytes;

pub use classify::{classify, is_prefix};

use crate::framing::FramingSpec;
use crate::scenario::{Prepared, Scenario, Verdict};

/// How the replies are framed: `[response] framing`, else the reference
/// server's own framing; `None` for a target whose replies' framing was
/// not given. Every judge that reads replies whole asks here.
pub(crate) fn reply_framing<'a>(sc: &'a Scenario, prep: &'a Prepared) -> Option<&'a FramingSpec> {
    sc.response.framing.as_ref().or(prep.server_framing.as_ref())
}

/// What a judge concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// The verdict.
    pub verdict: Verdict,
    /// What happened, in words.
    pub detail: String,
    /// The messages seen: as the server understood them (reference), the
    /// replies (black box), or the client's stdout lines.
    pub seen: Vec<Bytes>,
}

impl Judgement {
    /// A verdict with its detail, nothing seen.
    pub fn new(verdict: Verdict, detail: impl Into<String>) -> Self {
        Judgement { verdict, detail: detail.into(), seen: Vec::new() }
    }

    /// The same, with what was seen.
    pub fn seeing(mut self, seen: Vec<Bytes>) -> Self {
        self.seen = seen;
        self
    }
}
