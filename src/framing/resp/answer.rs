//! RESP answers: what a reply cut by `framing = "resp"` must be, one RESP
//! value per command, as written in `[response] answers` (besides the
//! forms every protocol has, `any` and `/REGEX/`, where the regex sees
//! the whole RESP value):
//!
//! | answer | matches |
//! |---|---|
//! | `+TEXT` | the RESP simple string TEXT |
//! | `-TEXT` | a RESP error (`-` or RESP3 `!`) whose message starts with TEXT (`-ERR`, `-WRONGTYPE`) |
//! | `:N` | the RESP integer N |
//! | `$N` | a RESP bulk string of N bytes, any content |
//! | `$N TEXT` | the RESP bulk string TEXT (N must be its length) |
//! | `$-1`, `*-1`, `_` | a RESP null (any of the three) |
//! | `*N` | a RESP array of N elements (elements not checked) |
//!
//! A RESP error (`-ERR`) is what a server answers to a piece of a command.
//!
//! ```toml
//! [client]
//! framing = "resp"
//! messages = ["SET k hello", "GET k", "GET nope"]
//!
//! [response]
//! framing = "resp"
//! answers = ["+OK", "$5 hello", "$-1"]
//! ```

use std::str::FromStr;
use std::sync::Arc;

use crate::framing::answer::{AnswerFormError, AnswerSyntax, ProtocolAnswer};

/// The RESP answer forms.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RespAnswers;

/// A RESP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RespAnswer {
    Simple(String),
    Error(String),
    Integer(i64),
    Bulk { len: usize, text: Option<String> },
    Null,
    Array(usize),
}

fn number<T: FromStr>(v: &str, what: &'static str) -> Result<T, AnswerFormError> {
    v.parse().map_err(|_| AnswerFormError::Number { what })
}

impl RespAnswer {
    /// `None`: not a RESP form.
    fn parse(s: &str) -> Option<Result<RespAnswer, AnswerFormError>> {
        Some(Ok(if let Some(rest) = s.strip_prefix('+') {
            RespAnswer::Simple(rest.to_owned())
        } else if let Some(rest) = s.strip_prefix('-') {
            RespAnswer::Error(rest.to_owned())
        } else if let Some(rest) = s.strip_prefix(':') {
            match number(rest, "an integer") {
                Ok(n) => RespAnswer::Integer(n),
                Err(e) => return Some(Err(e)),
            }
        } else if s == "_" || s == "$-1" || s == "*-1" {
            RespAnswer::Null
        } else if let Some(rest) = s.strip_prefix('$') {
            return Some(Self::bulk(rest));
        } else if let Some(rest) = s.strip_prefix('*') {
            match number(rest, "an array count") {
                Ok(n) => RespAnswer::Array(n),
                Err(e) => return Some(Err(e)),
            }
        } else {
            return None;
        }))
    }

    /// `$N` or `$N TEXT`, `$` taken off.
    fn bulk(rest: &str) -> Result<RespAnswer, AnswerFormError> {
        let (n, body) = match rest.split_once(' ') {
            Some((n, b)) => (n, Some(b.to_owned())),
            None => (rest, None),
        };
        let len: usize = number(n, "a bulk length")?;
        if let Some(b) = &body
            && b.len() != len
        {
            return Err(AnswerFormError::Length { declared: len, actual: b.len() });
        }
        Ok(RespAnswer::Bulk { len, text: body })
    }
}

impl AnswerSyntax for RespAnswers {
    fn strategy(&self) -> &'static str {
        <super::Resp as crate::framing::Strategy>::INFO.name
    }

    fn display_name(&self) -> &'static str {
        "RESP"
    }

    fn forms(&self) -> &'static str {
        "a RESP value (`+OK`, `-ERR`, `:1`, `$5 hello`, `$5`, `$-1`, `*2`, `_`)"
    }

    fn parse(&self, text: &str) -> Option<Result<Arc<dyn ProtocolAnswer>, AnswerFormError>> {
        RespAnswer::parse(text).map(|r| r.map(|a| Arc::new(a) as Arc<dyn ProtocolAnswer>))
    }

    fn is_error_reply(&self, reply: &[u8]) -> bool {
        matches!(reply.first(), Some(b'-' | b'!'))
    }

    fn is_bad_request_reply(&self, reply: &[u8]) -> bool {
        self.is_error_reply(reply)
    }
}

/// A RESP value's type byte, first line and (for bulk types) payload.
type RespParts<'a> = (u8, &'a [u8], Option<&'a [u8]>);

/// Splits a RESP value (already checked by the framing) into its parts.
fn resp_parts(v: &[u8]) -> Option<RespParts<'_>> {
    let (&ty, rest) = v.split_first()?;
    let end = memchr::memmem::find(rest, b"\r\n")?;
    let line = &rest[..end];
    let payload = match ty {
        b'$' | b'!' | b'=' => {
            let len = std::str::from_utf8(line).ok().and_then(|l| l.parse::<usize>().ok());
            len.and_then(|len| rest.get(end + 2..end.checked_add(2)?.checked_add(len)?))
        }
        _ => None,
    };
    Some((ty, line, payload))
}

impl ProtocolAnswer for RespAnswer {
    fn syntax(&self) -> &'static dyn AnswerSyntax {
        &RespAnswers
    }

    fn matches(&self, reply: &[u8], _head_request: bool) -> bool {
        let Some((ty, line, payload)) = resp_parts(reply) else { return false };
        match self {
            RespAnswer::Simple(t) => ty == b'+' && line == t.as_bytes(),
            RespAnswer::Error(p) => {
                (ty == b'-' && line.starts_with(p.as_bytes()))
                    || (ty == b'!' && payload.is_some_and(|x| x.starts_with(p.as_bytes())))
            }
            RespAnswer::Integer(n) => ty == b':' && line == n.to_string().as_bytes(),
            RespAnswer::Bulk { len, text } => {
                ty == b'$'
                    && payload.is_some_and(|x| x.len() == *len && text.as_ref().is_none_or(|t| x == t.as_bytes()))
            }
            RespAnswer::Null => ty == b'_' || (matches!(ty, b'$' | b'*') && line == b"-1"),
            RespAnswer::Array(n) => ty == b'*' && line == n.to_string().as_bytes(),
        }
    }
}
