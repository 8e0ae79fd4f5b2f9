//! Bytes in a scenario file: a message, a `replies` entry, a `[setup]`
//! message or an exact answer, written in one of three forms:
//!
//! ```toml
//! messages = [
//!   "PING",                                  # UTF-8 text (TOML escapes work)
//!   { hex = "8a5c 0100 0001 0000 0000 0000" }, # any bytes; whitespace ignored
//!   { base64 = "3q2+7w==" },                  # any bytes, standard alphabet
//! ]
//! ```
//!
//! [`Message`] is what they read to: bytes, shown back as the text when they
//! are UTF-8 and as `{ hex = "..." }` when not ([`Message::to_toml`], the
//! reports' [`crate::framing::show`]).

use std::fmt;
use std::ops::Deref;

use base64::Engine as _;
use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::framing::spaced_hex;

/// Bytes written in a scenario file as text, `{ hex = ... }` or
/// `{ base64 = ... }`.
#[derive(Clone, PartialEq, Eq, Default, Hash)]
pub struct Message(Bytes);

/// Why a `{ hex }` or `{ base64 }` form is not bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// Not hex digits in pairs.
    #[error("{{ hex = {0:?} }}: {1}")]
    Hex(String, String),
    /// Not base64.
    #[error("{{ base64 = {0:?} }}: {1}")]
    Base64(String, String),
    /// A table with neither key, or both.
    #[error("write a string, {{ hex = \"8a5c 0100\" }} or {{ base64 = \"ilwBAA==\" }}")]
    Form,
}

impl Message {
    /// The bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.0
    }

    /// The bytes, borrowed.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, owned.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// The text, when the bytes are UTF-8.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// Reads `{ hex }`: pairs of hex digits, whitespace anywhere ignored.
    pub fn from_hex(s: &str) -> Result<Message, MessageError> {
        let digits: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        hex::decode(&digits).map(Message::from).map_err(|e| MessageError::Hex(s.to_owned(), e.to_string()))
    }

    /// Reads `{ base64 }` (standard alphabet, padded; whitespace ignored).
    pub fn from_base64(s: &str) -> Result<Message, MessageError> {
        let text: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map(Message::from)
            .map_err(|e| MessageError::Base64(s.to_owned(), e.to_string()))
    }

    /// Reads the command line's form: `hex:8a5c...`, `base64:...`, or text.
    pub fn from_arg(s: &str) -> Result<Message, MessageError> {
        if let Some(h) = s.strip_prefix("hex:") {
            Message::from_hex(h)
        } else if let Some(b) = s.strip_prefix("base64:") {
            Message::from_base64(b)
        } else {
            Ok(Message::from(s))
        }
    }

    /// Whether the bytes are shown as text: UTF-8 with no control
    /// character but tab, newline and carriage return (TOML escapes say
    /// the rest, but a hex form is plainer for binary).
    pub fn is_text(&self) -> bool {
        self.text().is_some_and(|t| !t.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')))
    }

    /// The bytes in hex, in groups of two bytes: `8a5c 0100 0001`.
    pub fn hex(&self) -> String {
        spaced_hex(&self.0)
    }

    /// The TOML value that reads back to these bytes: the text, or
    /// `{ hex = "..." }`.
    pub fn to_toml(&self) -> toml::Value {
        match self.text().filter(|_| self.is_text()) {
            Some(t) => toml::Value::from(t),
            None => {
                let mut t = toml::Table::new();
                t.insert("hex".into(), self.hex().into());
                toml::Value::Table(t)
            }
        }
    }

    /// Its first `n` units: characters of a text, else bytes
    /// (explore's shrinking keeps a text a text).
    pub fn keep(&self, n: usize) -> Message {
        match self.text() {
            Some(t) => Message::from(t.chars().take(n).collect::<String>()),
            None => Message(self.0.slice(..n.min(self.0.len()))),
        }
    }

    /// Its units repeated to `len` of them (an empty message repeats
    /// `x`): explore's messages of other sizes.
    pub fn cycled(&self, len: usize) -> Message {
        match self.text() {
            Some("") => Message::from("x".repeat(len)),
            Some(t) => Message::from(t.chars().cycle().take(len).collect::<String>()),
            None => Message::from(self.0.iter().copied().cycle().take(len).collect::<Vec<u8>>()),
        }
    }

    /// How many units [`Message::keep`] counts.
    pub fn units(&self) -> usize {
        self.text().map_or(self.0.len(), |t| t.chars().count())
    }
}

impl Deref for Message {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for Message {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<&str> for Message {
    fn from(s: &str) -> Self {
        Message(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl From<String> for Message {
    fn from(s: String) -> Self {
        Message(Bytes::from(s))
    }
}

impl From<Vec<u8>> for Message {
    fn from(b: Vec<u8>) -> Self {
        Message(Bytes::from(b))
    }
}

impl From<Bytes> for Message {
    fn from(b: Bytes) -> Self {
        Message(b)
    }
}

impl From<&[u8]> for Message {
    fn from(b: &[u8]) -> Self {
        Message(Bytes::copy_from_slice(b))
    }
}

impl PartialEq<str> for Message {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for Message {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

/// The text, or `{ hex = "..." }`.
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.text().filter(|_| self.is_text()) {
            Some(t) => f.write_str(t),
            None => write!(f, "{{ hex = \"{}\" }}", self.hex()),
        }
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.text() {
            Some(t) => fmt::Debug::fmt(t, f),
            None => write!(f, "{{ hex = \"{}\" }}", self.hex()),
        }
    }
}

/// A table form as written: one of the two keys.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    #[serde(default)]
    hex: Option<String>,
    #[serde(default)]
    base64: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Written {
    Text(String),
    Table(Table),
}

impl Written {
    fn read(self) -> Result<Message, MessageError> {
        match self {
            Written::Text(s) => Ok(Message::from(s)),
            Written::Table(Table { hex: Some(h), base64: None }) => Message::from_hex(&h),
            Written::Table(Table { hex: None, base64: Some(b) }) => Message::from_base64(&b),
            Written::Table(_) => Err(MessageError::Form),
        }
    }
}

impl<'de> Deserialize<'de> for Message {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = Written::deserialize(d).map_err(|_| serde::de::Error::custom(MessageError::Form))?;
        w.read().map_err(serde::de::Error::custom)
    }
}

/// As read: the text, or `{ "hex": "..." }` (JSON reports, `explore`'s
/// cases).
impl Serialize for Message {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.text().filter(|_| self.is_text()) {
            Some(t) => s.serialize_str(t),
            None => {
                use serde::ser::SerializeMap;
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("hex", &self.hex())?;
                m.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Doc {
        m: Vec<Message>,
    }

    fn read(toml_text: &str) -> Result<Vec<Message>, String> {
        toml::from_str::<Doc>(toml_text).map(|d| d.m).map_err(|e| e.to_string())
    }

    #[test]
    fn the_three_forms_read_to_bytes() {
        let m = read(r#"m = ["PING", { hex = "8a5c 01\n00" }, { base64 = "ilwBAA==" }]"#).unwrap();
        assert_eq!(&m[0][..], b"PING");
        assert_eq!(&m[1][..], [0x8a, 0x5c, 0x01, 0x00]);
        assert_eq!(m[1], m[2]);
    }

    #[test]
    fn bad_forms_say_what_to_write() {
        for bad in [r#"m = [{ hex = "8a5" }]"#, r#"m = [{ hex = "zz" }]"#, r#"m = [{ base64 = "!!" }]"#] {
            let e = read(bad).unwrap_err();
            assert!(e.contains("hex") || e.contains("base64"), "{bad}: {e}");
        }
        for bad in [r#"m = [{ hex = "00", base64 = "AA==" }]"#, r#"m = [{ text = "a" }]"#, "m = [3]"] {
            let e = read(bad).unwrap_err();
            assert!(e.contains("write a string"), "{bad}: {e}");
        }
    }

    #[test]
    fn binary_is_written_back_as_hex_and_reads_the_same() {
        for m in [Message::from(&[0x8a, 0x5c, 0xff][..]), Message::from("héllo"), Message::from("a\u{1}b")] {
            let mut t = toml::Table::new();
            t.insert("m".into(), vec![m.to_toml()].into());
            let text = toml::to_string(&t).unwrap();
            assert_eq!(read(&text).unwrap(), vec![m.clone()], "{text}");
        }
        assert_eq!(Message::from(&[0x8a, 0x5c, 0xff][..]).to_string(), r#"{ hex = "8a5c ff" }"#);
        assert_eq!(Message::from("héllo").to_string(), "héllo");
    }

    #[test]
    fn the_command_line_form_takes_prefixes() {
        assert_eq!(Message::from_arg("hex:8a5c").unwrap(), Message::from(&[0x8a, 0x5c][..]));
        assert_eq!(Message::from_arg("base64:ilw=").unwrap(), Message::from(&[0x8a, 0x5c][..]));
        assert_eq!(Message::from_arg("plain").unwrap(), "plain");
        assert!(Message::from_arg("hex:8").is_err());
    }

    #[test]
    fn keep_cuts_text_by_characters_and_binary_by_bytes() {
        assert_eq!(Message::from("héllo").keep(2), "hé");
        assert_eq!(Message::from(&[0xff, 1, 2][..]).keep(2), Message::from(&[0xff, 1][..]));
        assert_eq!(Message::from(&[0xff, 1, 2][..]).units(), 3);
    }
}
