//! One text syntax for a framing, shared by the CLI and scenario files.
//!
//! ```text
//! STRATEGY[:ITEM[,ITEM]...]     ITEM = VALUE | KEY=VALUE | FLAG
//! ```
//!
//! Each strategy's keys are its home's ([`Strategy::apply_item`]); `framelab
//! list strategies` shows them all, from [`STRATEGIES`]. Sizes take units
//! (`64KiB`, `1MiB`). Examples:
//!
//! ```
//! use framelab::framing::FramingSpec;
//! let spec: FramingSpec = "length-prefix:i32le,max=1MiB".parse().unwrap();
//! assert_eq!(spec.to_string(), "length-prefix:i32le,max=1MiB");
//! let spec: FramingSpec = r#"delimiter:"\r\n""#.parse().unwrap();
//! assert!("length-prefix:u24be".parse::<FramingSpec>().unwrap_err().to_string().contains("expected"));
//! ```
//!
//! [`Strategy::apply_item`]: super::Strategy::apply_item

use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{FramingSpec, STRATEGIES};
use crate::units::{UnitError, parse_size};

/// A framing spec that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad framing {input:?}: {problem}")]
pub struct SpecError {
    /// The text given.
    pub input: String,
    /// What was wrong with it.
    pub problem: SpecProblem,
}

/// What is wrong with a framing spec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecProblem {
    /// No strategy of that name.
    #[error("expected a strategy ({names} or raw), got {name:?}", names = strategy_names())]
    UnknownStrategy {
        /// The name given.
        name: String,
    },
    /// Two commas with nothing between.
    #[error("expected an item between commas, got nothing")]
    EmptyItem,
    /// An item the strategy does not take, or a value it does not know.
    #[error("expected {expected}, got {got:?}")]
    Unexpected {
        /// The forms the strategy takes there.
        expected: String,
        /// The item or value given.
        got: String,
    },
    /// A key written without its `=SIZE`.
    #[error("expected {0}=SIZE")]
    MissingSize(&'static str),
    /// A size that does not parse.
    #[error(transparent)]
    Size(#[from] UnitError),
    /// A count or size that must be positive given as 0.
    #[error("{0} must be at least 1")]
    Zero(&'static str),
    /// A flag whose value is not a boolean.
    #[error("expected {key}=true or {key}=false, got {got:?}")]
    Bool {
        /// The flag.
        key: &'static str,
        /// The value given.
        got: String,
    },
    /// Quoted or escaped text that does not decode.
    #[error(transparent)]
    Escape(#[from] EscapeError),
    /// An empty delimiter.
    #[error("the delimiter must not be empty")]
    EmptyDelimiter,
    /// A header width other than 1, 2, 4 or 8.
    #[error(transparent)]
    Width(#[from] super::length_prefix::BadWidth),
    /// A json-header item that is neither its own key nor a header one.
    #[error("{0}; json-header also takes body-max, header-max, digest, verify")]
    JsonHeader(Box<SpecProblem>),
}

/// Text with escapes that does not decode ([`unescape`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EscapeError {
    /// An opening `"` with no closing one.
    #[error("unterminated quote")]
    UnterminatedQuote,
    /// `\x` not followed by two hex digits.
    #[error("expected two hex digits after \\x, got {0:?}")]
    Hex(String),
    /// A backslash before a character that is no escape.
    #[error("unknown escape \\{0} (use \\n \\r \\t \\0 \\\\ \\\" \\xNN)")]
    Unknown(char),
    /// A backslash at the very end.
    #[error("a trailing backslash")]
    TrailingBackslash,
}

fn strategy_names() -> String {
    STRATEGIES.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
}

/// [`SpecProblem::Unexpected`].
pub(crate) fn unexpected(expected: impl Into<String>, got: &str) -> SpecProblem {
    SpecProblem::Unexpected { expected: expected.into(), got: got.to_owned() }
}

/// Splits on commas outside double quotes.
fn split_items(s: &str) -> Result<Vec<String>, EscapeError> {
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' => {
                cur.push(c);
                escaped = true;
            }
            '"' => {
                cur.push(c);
                quoted = !quoted;
            }
            ',' if !quoted => items.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    if quoted {
        return Err(EscapeError::UnterminatedQuote);
    }
    items.push(cur);
    Ok(items)
}

/// Decodes `\n`, `\r`, `\t`, `\0`, `\\`, `\"`, `\xNN`; strips surrounding quotes.
pub fn unescape(text: &str) -> Result<Vec<u8>, EscapeError> {
    let t = text.trim();
    let t = match t.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"').ok_or(EscapeError::UnterminatedQuote)?,
        None => t,
    };
    let mut out = Vec::new();
    let mut chars = t.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut b = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            continue;
        }
        match chars.next() {
            Some('n') => out.push(b'\n'),
            Some('r') => out.push(b'\r'),
            Some('t') => out.push(b'\t'),
            Some('0') => out.push(0),
            Some('\\') => out.push(b'\\'),
            Some('"') => out.push(b'"'),
            Some('x') => {
                let h: String = chars.by_ref().take(2).collect();
                let v = u8::from_str_radix(&h, 16).map_err(|_| EscapeError::Hex(h))?;
                out.push(v);
            }
            Some(o) => return Err(EscapeError::Unknown(o)),
            None => return Err(EscapeError::TrailingBackslash),
        }
    }
    Ok(out)
}

/// [`escape`]s a message for a report, cut to `max` bytes (the full length
/// is then given); bytes that are not UTF-8 are shown in hex, as a
/// scenario file writes them: `{ hex = "8a5c 0100" }`.
pub fn show(m: &[u8], max: usize) -> String {
    if std::str::from_utf8(m).is_err_and(|e| e.error_len().is_some()) {
        let cut = spaced_hex(&m[..m.len().min(max)]);
        return if m.len() > max {
            format!("{{ hex = \"{cut} ...\" }} ({} bytes)", m.len())
        } else {
            format!("{{ hex = \"{cut}\" }}")
        };
    }
    let s = escape(&m[..m.len().min(max)]);
    if m.len() > max { format!("{s}... ({} bytes)", m.len()) } else { s }
}

/// Bytes in hex, two bytes to a group: `8a5c 0100 01`.
pub fn spaced_hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 5 / 2);
    for (i, pair) in b.chunks(2).enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&hex::encode(pair));
    }
    s
}

/// Quotes bytes with the escapes [`unescape`] reads.
pub fn escape(bytes: &[u8]) -> String {
    let mut s = String::from("\"");
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' => s.push_str("\\n"),
                '\r' => s.push_str("\\r"),
                '\t' => s.push_str("\\t"),
                '\0' => s.push_str("\\0"),
                '\\' => s.push_str("\\\\"),
                '"' => s.push_str("\\\""),
                ',' => s.push_str("\\x2c"),
                c if c.is_control() => {
                    let mut b = [0u8; 4];
                    for byte in c.encode_utf8(&mut b).bytes() {
                        s.push_str(&format!("\\x{byte:02x}"));
                    }
                }
                c => s.push(c),
            }
        }
        for b in chunk.invalid() {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    s.push('"');
    s
}
pub(crate) fn parse_bool(key: &'static str, v: Option<&str>) -> Result<bool, SpecProblem> {
    match v.map(str::trim) {
        None | Some("true") | Some("yes") | Some("1") => Ok(true),
        Some("false") | Some("no") | Some("0") => Ok(false),
        Some(o) => Err(SpecProblem::Bool { key, got: o.to_owned() }),
    }
}

pub(crate) fn size_value(key: &'static str, v: Option<&str>) -> Result<usize, SpecProblem> {
    let v = v.ok_or(SpecProblem::MissingSize(key))?;
    Ok(parse_size(v)?)
}

pub(crate) fn positive(key: &'static str, v: usize) -> Result<usize, SpecProblem> {
    if v == 0 { Err(SpecProblem::Zero(key)) } else { Ok(v) }
}
fn parse_spec(text: &str) -> Result<FramingSpec, SpecProblem> {
    let text = text.trim();
    let (name, rest) = match text.split_once(':') {
        Some((n, r)) => (n.trim(), Some(r)),
        None => (text, None),
    };
    let mut spec =
        FramingSpec::default_for(name).ok_or_else(|| SpecProblem::UnknownStrategy { name: name.to_owned() })?;
    let items = match rest {
        Some(r) => split_items(r)?,
        None => Vec::new(),
    };
    for (i, item) in items.iter().enumerate() {
        let item_t = item.trim();
        if item_t.is_empty() {
            return Err(SpecProblem::EmptyItem);
        }
        let (key, value) = match item_t.split_once('=') {
            Some((k, v)) if !k.trim_start().starts_with('"') => (k.trim(), Some(v.trim())),
            _ => ("", Some(item_t)),
        };
        spec.apply_item(Item { index: i, key, value, text: item_t })?;
    }
    spec.finish()?;
    Ok(spec)
}

/// One comma-separated item of a spec, as a strategy's
/// [`apply_item`](super::Strategy::apply_item) is given it.
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    /// Its place among the items (a positional value is taken first only).
    pub index: usize,
    /// The key before `=`; empty for a positional value.
    pub key: &'a str,
    /// The value after `=`, or the whole item when positional.
    pub value: Option<&'a str>,
    /// The item as written.
    pub text: &'a str,
}

impl Item<'_> {
    /// Whether it is the first item and has no key.
    pub fn positional_first(&self) -> bool {
        self.key.is_empty() && self.index == 0
    }

    /// The value, or `""`.
    pub fn value_str(&self) -> &str {
        self.value.unwrap_or("")
    }
}

impl FromStr for FramingSpec {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, SpecError> {
        parse_spec(s).map_err(|problem| SpecError { input: s.to_owned(), problem })
    }
}

impl Serialize for FramingSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for FramingSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
