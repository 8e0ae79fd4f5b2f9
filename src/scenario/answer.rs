//! `[response] answers`: one expected reply per request of a
//! request/answer protocol, read and checked when the scenario file
//! loads, and whether a reply is its answer. Besides `any` and `/REGEX/`,
//! an answer is in the form of a protocol's [`AnswerSyntax`] (each
//! protocol's forms are in its framing's docs); the verdicts built on them
//! are described in `judge::protocol`.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use bytes::Bytes;
use serde::{Deserialize, Deserializer};

use super::Message;

use crate::framing::{AnswerFormError, AnswerSyntax, ProtocolAnswer, answer_syntaxes};

/// One expected reply, as written in `[response] answers`.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The text as written (shown in verdict details).
    text: String,
    /// What it matches.
    kind: AnswerKind,
}

#[derive(Debug, Clone)]
enum AnswerKind {
    Any,
    /// `{ hex }` or `{ base64 }`: these bytes exactly (the whole reply as
    /// the framing cut it).
    Exact(Bytes),
    Match(regex::bytes::Regex),
    Protocol(Arc<dyn ProtocolAnswer>),
}

/// An answer that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    /// Not one of the forms.
    #[error("{0:?} is not an answer: write {forms}", forms = answer_forms())]
    Unknown(String),
    /// A regex that does not compile.
    #[error("{text:?}: not a regular expression: {reason}")]
    Regex {
        /// The answer.
        text: String,
        /// The regex crate's message.
        reason: String,
    },
    /// A number that is not one.
    #[error("{text:?}: {what} must be a number")]
    Number {
        /// The answer.
        text: String,
        /// Which number.
        what: &'static str,
    },
    /// `$N TEXT` where TEXT is not N bytes long.
    #[error("{text:?}: declares {declared} bytes, and the text has {actual}")]
    Length {
        /// The answer.
        text: String,
        /// N.
        declared: usize,
        /// The text's length.
        actual: usize,
    },
    /// A number outside its range (a status code outside 100..=599).
    #[error("{text:?}: {what} is {range}")]
    Range {
        /// The answer.
        text: String,
        /// Which number.
        what: &'static str,
        /// Its range, in words.
        range: &'static str,
    },
}

/// The forms an answer may take: `any`, `/REGEX/`, then each protocol's,
/// the last after "or".
fn answer_forms() -> String {
    let mut forms = vec!["`any`", "`/REGEX/`"];
    forms.extend(answer_syntaxes().iter().map(|s| s.forms()));
    let last = forms.pop().unwrap_or_default();
    format!("{} or {last}", forms.join(", "))
}

impl AnswerError {
    fn of_form(text: String, e: AnswerFormError) -> AnswerError {
        match e {
            AnswerFormError::Unknown => AnswerError::Unknown(text),
            AnswerFormError::Number { what } => AnswerError::Number { text, what },
            AnswerFormError::Length { declared, actual } => AnswerError::Length { text, declared, actual },
            AnswerFormError::Range { what, range } => AnswerError::Range { text, what, range },
        }
    }
}

impl FromStr for Answer {
    type Err = AnswerError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.to_owned();
        let kind = if s == "any" {
            AnswerKind::Any
        } else if s.len() >= 2 && s.starts_with('/') && s.ends_with('/') {
            let re = regex::bytes::Regex::new(&s[1..s.len() - 1])
                .map_err(|e| AnswerError::Regex { text: text.clone(), reason: e.to_string() })?;
            AnswerKind::Match(re)
        } else {
            match answer_syntaxes().iter().find_map(|syntax| syntax.parse(s)) {
                Some(Ok(a)) => AnswerKind::Protocol(a),
                Some(Err(e)) => return Err(AnswerError::of_form(text, e)),
                None => return Err(AnswerError::Unknown(text)),
            }
        };
        Ok(Answer { text, kind })
    }
}

/// A string in one of the forms, or bytes exactly: `{ hex = "..." }`,
/// `{ base64 = "..." }` ([`Message`]).
impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Text(String),
            Bytes(Message),
        }
        match Written::deserialize(d).map_err(|_| {
            serde::de::Error::custom("write an answer as a string, { hex = \"...\" } or { base64 = \"...\" }")
        })? {
            Written::Text(s) => s.parse().map_err(serde::de::Error::custom),
            Written::Bytes(m) => Ok(Answer::exact(m)),
        }
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Answer {
    /// These bytes exactly.
    pub fn exact(m: Message) -> Answer {
        Answer { text: m.to_string(), kind: AnswerKind::Exact(m.into_bytes()) }
    }

    /// The protocol the answer is written for: `None` for `any` and a
    /// regex (any protocol).
    pub fn syntax(&self) -> Option<&'static dyn AnswerSyntax> {
        match &self.kind {
            AnswerKind::Any | AnswerKind::Match(_) | AnswerKind::Exact(_) => None,
            AnswerKind::Protocol(a) => Some(a.syntax()),
        }
    }

    /// The strategy of the protocol the answer is written for (`None`:
    /// any protocol).
    pub fn protocol(&self) -> Option<&'static str> {
        self.syntax().map(|s| s.strategy())
    }

    /// Whether `reply` (one whole value or response, as the framing cut
    /// it) is this answer; `head_request`: the request asked for an
    /// answer without a body.
    pub fn matches(&self, reply: &[u8], head_request: bool) -> bool {
        match &self.kind {
            AnswerKind::Any => true,
            AnswerKind::Match(re) => re.is_match(reply),
            AnswerKind::Exact(b) => reply == &b[..],
            AnswerKind::Protocol(a) => a.matches(reply, head_request),
        }
    }
}
