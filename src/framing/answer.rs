//! Answers of the request/answer protocols: what a strategy that cuts a
//! real request/answer protocol's replies knows about the answers a
//! scenario writes in `[response] answers`, behind one trait,
//! [`AnswerSyntax`], so that the scenario loader and the protocol judge
//! name no protocol. Each protocol's forms are in its strategy's home
//! (`<strategy>/answer.rs`), which lists them in the registry through
//! [`Strategy::ANSWERS`](super::Strategy::ANSWERS);
//! [`answer_syntaxes`](super::answer_syntaxes) and
//! [`FramingSpec::answer_syntax`](super::FramingSpec::answer_syntax) are
//! generated from it.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

use super::AnyCodec;

/// The answers of one request/answer protocol: how they are written, and
/// what the judge must know about its replies and requests.
pub trait AnswerSyntax: Sync {
    /// The strategy whose replies these answers are.
    fn strategy(&self) -> &'static str;

    /// The protocol's name in messages.
    fn display_name(&self) -> &'static str;

    /// Its answer forms, for an error message (`a ... value (`+OK`, ...)`).
    fn forms(&self) -> &'static str;

    /// Reads one answer: `None` when `text` is in none of this protocol's
    /// forms, an error when it starts like one and is not.
    fn parse(&self, text: &str) -> Option<Result<Arc<dyn ProtocolAnswer>, AnswerFormError>>;

    /// Whether a reply is an error (an error value, a status of 400
    /// and up).
    fn is_error_reply(&self, reply: &[u8]) -> bool;

    /// Whether a reply is what a server answers to a request it cannot
    /// read, such as a piece of one (an error value, a `400`).
    fn is_bad_request_reply(&self, reply: &[u8]) -> bool;

    /// Whether a reply is an interim response, not an answer (a `1xx`
    /// other than `101`); none by default.
    fn is_interim(&self, _reply: &[u8]) -> bool {
        false
    }

    /// Whether a request frame asks for an answer without a body (a
    /// `HEAD`); matching then reads a declared length instead.
    fn is_head_request(&self, _frame: &[u8]) -> bool {
        false
    }

    /// Whether a reply says the server closes the connection after it
    /// (HTTP/1.0, `Connection: close`), and why, in words; none by
    /// default.
    fn announced_close(&self, _reply: &[u8]) -> Option<&'static str> {
        None
    }

    /// Prepares `codec`, this protocol's, to cut the replies to `requests`
    /// (a codec is told each request's method, so that the answers
    /// to `HEAD` have no body); nothing by default.
    fn prepare_reply_codec(&self, _codec: &mut AnyCodec, _requests: &[Bytes]) {}
}

/// One expected reply in a protocol's form.
pub trait ProtocolAnswer: fmt::Debug + Send + Sync {
    /// The protocol it is written for.
    fn syntax(&self) -> &'static dyn AnswerSyntax;

    /// Whether `reply` (one whole value or response, as the framing cut
    /// it) is this answer; `head_request`: the request asked for no body.
    fn matches(&self, reply: &[u8], head_request: bool) -> bool;
}

/// Why a text in a protocol's answer form is not an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerFormError {
    /// It starts like a form and is none.
    #[error("not one of the forms")]
    Unknown,
    /// A number that is not one.
    #[error("{what} must be a number")]
    Number {
        /// Which number.
        what: &'static str,
    },
    /// A text that is not as long as declared.
    #[error("declares {declared} bytes, and the text has {actual}")]
    Length {
        /// The length declared.
        declared: usize,
        /// The text's length.
        actual: usize,
    },
    /// A number outside its range.
    #[error("{what} is {range}")]
    Range {
        /// Which number.
        what: &'static str,
        /// Its range, in words.
        range: &'static str,
    },
}
