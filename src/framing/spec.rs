//! One text syntax for a framing, shared by the CLI and scenario files.
//!
//! ```text
//! STRATEGY[:ITEM[,ITEM]...]     ITEM = VALUE | KEY=VALUE | FLAG
//! ```
//!
//! | strategy | positional | keys |
//! |---|---|---|
//! | `naive` (alias `raw`) | read size | `read-size` |
//! | `delimiter` | the delimiter (quoted or not; `\n`, `\r`, `\t`, `\\`, `\"`, `\xNN` escapes) | `delimiter`, `max` |
//! | `length-prefix` | a preset (`u32be`, `i32le`, `i64le`, `u16be`, ...) | `width`, `endian`, `signed`, `includes-header`, `max` |
//! | `json-header` | a preset for the header length | `header-max`, `body-max`, `digest` (`sha256`/`md5`), `verify` (`require`/`if-present`/`ignore`) |
//! | `handshake` | | `max` (request line and reply size) |
//! | `udp` | read size | `read-size` |
//! | `resp` | | `max` (whole value), `depth` |
//! | `http` | `auto`, `request` or `response` | `head-max`, `max` (body), `method` (`GET`/`HEAD`/`CONNECT`) |
//!
//! Sizes take units (`64KiB`, `1MiB`). Examples:
//!
//! ```
//! use framelab::framing::FramingSpec;
//! let spec: FramingSpec = "length-prefix:i32le,max=1MiB".parse().unwrap();
//! assert_eq!(spec.to_string(), "length-prefix:i32le,max=1MiB");
//! let spec: FramingSpec = r#"delimiter:"\r\n""#.parse().unwrap();
//! assert!("length-prefix:u24be".parse::<FramingSpec>().unwrap_err().to_string().contains("expected"));
//! ```

use std::fmt;
use std::str::FromStr;

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::any::AnyCodec;
use super::delimiter::{DEFAULT_MAX_LENGTH, DelimiterCodec};
use super::http::{HttpCodec, HttpFormat, HttpMode, RequestMethod};
use super::json_header::{DigestKind, DigestPolicy, JsonHeaderCodec, JsonHeaderFormat};
use super::length_prefix::{Endian, LengthPrefix, LengthPrefixCodec, PRESETS};
use super::naive::{DEFAULT_READ_SIZE, NaiveCodec};
use super::resp::{RespCodec, RespFormat};
use crate::units::{Size, UnitError, parse_size};

/// A framing strategy with all its knobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FramingSpec {
    /// No framing: each read of up to `read_size` bytes is a message.
    Naive {
        /// Largest read.
        read_size: usize,
    },
    /// Messages terminated by a delimiter.
    Delimiter {
        /// The delimiter bytes (non-empty).
        delimiter: Bytes,
        /// Largest message, delimiter excluded.
        max_length: usize,
    },
    /// A fixed-width length header, then the body.
    LengthPrefix(LengthPrefix),
    /// A length-prefixed JSON header, then the body it describes.
    JsonHeader(JsonHeaderFormat),
    /// `\n`-terminated requests answered by `Ready|N`, `Start`, N bytes.
    Handshake {
        /// Largest request line and reply.
        max_length: usize,
    },
    /// One datagram per message.
    Udp {
        /// The receiver's buffer size.
        read_size: usize,
    },
    /// Redis RESP2/RESP3 values.
    Resp(RespFormat),
    /// HTTP/1.1 requests and responses.
    Http(HttpFormat),
}

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
fn unexpected(expected: impl Into<String>, got: &str) -> SpecProblem {
    SpecProblem::Unexpected { expected: expected.into(), got: got.to_owned() }
}

/// A strategy's description for `framelab list`.
#[derive(Debug, Clone, Copy)]
pub struct StrategyInfo {
    /// Name as written in specs.
    pub name: &'static str,
    /// One line on the wire format.
    pub wire: &'static str,
    /// Knobs: (key, default, meaning).
    pub knobs: &'static [(&'static str, &'static str, &'static str)],
}

/// Every strategy, in the order `framelab list` shows them.
pub const STRATEGIES: &[StrategyInfo] = &[
    StrategyInfo {
        name: "naive",
        wire: "no framing: each read of up to read-size bytes is taken as one message (recv(1024))",
        knobs: &[("read-size", "1024", "largest read; also accepted positionally: naive:4096")],
    },
    StrategyInfo {
        name: "delimiter",
        wire: "message, then a delimiter byte string",
        knobs: &[
            (
                "delimiter",
                "\"\\n\"",
                "any non-empty bytes, escapes \\r \\n \\t \\xNN; positional: delimiter:\"\\r\\n\"",
            ),
            ("max", "64KiB", "longest message; past it: an error, then the rest of the line is discarded"),
        ],
    },
    StrategyInfo {
        name: "length-prefix",
        wire: "fixed-width length header, then the body",
        knobs: &[
            ("preset", "u32be", "u32be u32le i32le i32be u16be u16le u8 u64be u64le i64le i64be (positional)"),
            ("width", "4", "header bytes: 1, 2, 4 or 8"),
            ("endian", "big", "big or little"),
            ("signed", "false", "two's-complement header (negative lengths are errors)"),
            ("includes-header", "false", "the length counts the header bytes too"),
            ("max", "8MiB", "largest body; a larger declared length is an error before any allocation"),
        ],
    },
    StrategyInfo {
        name: "json-header",
        wire: "length-prefixed JSON header {total_size, filename, sha256|md5}, then total_size body bytes",
        knobs: &[
            ("preset", "u32be", "length-prefix preset of the header length (the JSON-header tutorial uses i32le)"),
            ("header-max", "64KiB", "largest JSON header"),
            ("body-max", "64MiB", "largest body"),
            ("digest", "sha256", "digest the encoder writes: sha256 or md5"),
            ("verify", "require", "require | if-present | ignore (the JSON-header tutorial's behaviour, B16)"),
        ],
    },
    StrategyInfo {
        name: "handshake",
        wire: "request\\n; reply Ready|N\\n; client sends Start; N reply bytes follow (the Ready|N tutorial)",
        knobs: &[("max", "64KiB", "longest request line and largest reply")],
    },
    StrategyInfo {
        name: "udp",
        wire: "one datagram per message; a datagram larger than read-size is cut short",
        knobs: &[(
            "read-size",
            "1024",
            "the tutorial variant's recvfrom buffer; the correct server reads whole datagrams",
        )],
    },
    StrategyInfo {
        name: "resp",
        wire: "Redis RESP2/RESP3 values: +simple -error :int $len bulk *count array, _ # , ( ! = % ~ | > (RESP3)",
        knobs: &[
            ("max", "64MiB", "largest whole value, framing included; checked before any reservation"),
            ("depth", "128", "deepest aggregate nesting"),
        ],
    },
    StrategyInfo {
        name: "http",
        wire: "HTTP/1.1 head (httparse), then a Content-Length or chunked body; HEAD/1xx/204/304 answers have none",
        knobs: &[
            ("mode", "auto", "auto (HTTP/ starts a response), request or response (positional)"),
            ("head-max", "64KiB", "largest head"),
            ("max", "64MiB", "largest body as on the wire (chunk lines and trailers count)"),
            ("method", "GET", "what a response answers when no request went through the codec: GET, HEAD or CONNECT"),
        ],
    },
];

impl FramingSpec {
    /// The strategy name (`naive`, `delimiter`, ...).
    pub fn strategy(&self) -> &'static str {
        match self {
            FramingSpec::Naive { .. } => "naive",
            FramingSpec::Delimiter { .. } => "delimiter",
            FramingSpec::LengthPrefix(_) => "length-prefix",
            FramingSpec::JsonHeader(_) => "json-header",
            FramingSpec::Handshake { .. } => "handshake",
            FramingSpec::Udp { .. } => "udp",
            FramingSpec::Resp(_) => "resp",
            FramingSpec::Http(_) => "http",
        }
    }

    /// The default spec of a strategy, or `None` for an unknown name.
    pub fn default_for(strategy: &str) -> Option<FramingSpec> {
        Some(match strategy {
            "naive" | "raw" => FramingSpec::Naive { read_size: DEFAULT_READ_SIZE },
            "delimiter" => {
                FramingSpec::Delimiter { delimiter: Bytes::from_static(b"\n"), max_length: DEFAULT_MAX_LENGTH }
            }
            "length-prefix" => FramingSpec::LengthPrefix(LengthPrefix::default()),
            "json-header" => FramingSpec::JsonHeader(JsonHeaderFormat::default()),
            "handshake" => FramingSpec::Handshake { max_length: DEFAULT_MAX_LENGTH },
            "udp" => FramingSpec::Udp { read_size: DEFAULT_READ_SIZE },
            "resp" => FramingSpec::Resp(RespFormat::default()),
            "http" => FramingSpec::Http(HttpFormat::default()),
            _ => return None,
        })
    }

    /// The largest message this framing carries.
    pub fn max_message(&self) -> usize {
        match self {
            FramingSpec::Naive { read_size } | FramingSpec::Udp { read_size } => *read_size,
            FramingSpec::Delimiter { max_length, .. } | FramingSpec::Handshake { max_length } => *max_length,
            FramingSpec::LengthPrefix(p) => p.max_body(),
            FramingSpec::JsonHeader(f) => f.body_max,
            FramingSpec::Resp(f) => f.max,
            FramingSpec::Http(f) => f.head_max.saturating_add(f.max),
        }
    }

    /// A fresh message codec for this framing. Handshake requests are
    /// `\n`-delimited; UDP messages are modelled by a naive codec.
    pub fn codec(&self) -> AnyCodec {
        match self {
            FramingSpec::Naive { read_size } | FramingSpec::Udp { read_size } => {
                AnyCodec::Naive(NaiveCodec::new(*read_size))
            }
            FramingSpec::Delimiter { delimiter, max_length } => {
                AnyCodec::Delimiter(DelimiterCodec::new(delimiter.clone(), *max_length))
            }
            FramingSpec::Handshake { max_length } => AnyCodec::Delimiter(DelimiterCodec::lines(*max_length)),
            FramingSpec::LengthPrefix(p) => AnyCodec::LengthPrefix(LengthPrefixCodec::new(*p)),
            FramingSpec::JsonHeader(f) => AnyCodec::JsonHeader(JsonHeaderCodec::new(*f)),
            FramingSpec::Resp(f) => AnyCodec::Resp(RespCodec::new(*f)),
            FramingSpec::Http(f) => AnyCodec::Http(HttpCodec::new(*f)),
        }
    }
}

impl Default for FramingSpec {
    fn default() -> Self {
        FramingSpec::Naive { read_size: DEFAULT_READ_SIZE }
    }
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
/// is then given).
pub fn show(m: &[u8], max: usize) -> String {
    let s = escape(&m[..m.len().min(max)]);
    if m.len() > max { format!("{s}... ({} bytes)", m.len()) } else { s }
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

fn parse_bool(key: &'static str, v: Option<&str>) -> Result<bool, SpecProblem> {
    match v.map(str::trim) {
        None | Some("true") | Some("yes") | Some("1") => Ok(true),
        Some("false") | Some("no") | Some("0") => Ok(false),
        Some(o) => Err(SpecProblem::Bool { key, got: o.to_owned() }),
    }
}

fn size_value(key: &'static str, v: Option<&str>) -> Result<usize, SpecProblem> {
    let v = v.ok_or(SpecProblem::MissingSize(key))?;
    Ok(parse_size(v)?)
}

fn positive(key: &'static str, v: usize) -> Result<usize, SpecProblem> {
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
        apply_item(&mut spec, Item { index: i, key, value, text: item_t })?;
    }
    if let FramingSpec::LengthPrefix(p) = &mut spec {
        p.validate()?;
        one_byte_has_no_byte_order(p);
    }
    if let FramingSpec::JsonHeader(f) = &mut spec {
        f.prefix.validate()?;
        one_byte_has_no_byte_order(&mut f.prefix);
    }
    Ok(spec)
}

/// One comma-separated item of a spec.
#[derive(Clone, Copy)]
struct Item<'a> {
    /// Its place among the items (a positional value is taken first only).
    index: usize,
    /// The key before `=`; empty for a positional value.
    key: &'a str,
    /// The value after `=`, or the whole item when positional.
    value: Option<&'a str>,
    /// The item as written.
    text: &'a str,
}

impl Item<'_> {
    fn positional_first(&self) -> bool {
        self.key.is_empty() && self.index == 0
    }

    fn value_str(&self) -> &str {
        self.value.unwrap_or("")
    }
}

/// Applies one item to the strategy's settings.
fn apply_item(spec: &mut FramingSpec, item: Item<'_>) -> Result<(), SpecProblem> {
    let Item { key, value, text, .. } = item;
    let value_str = item.value_str();
    match spec {
        FramingSpec::Naive { read_size } | FramingSpec::Udp { read_size } => match key {
            _ if item.positional_first() || key == "read-size" => {
                *read_size = positive("read-size", size_value("read-size", value)?)?
            }
            _ => return Err(unexpected("read-size=N", text)),
        },
        FramingSpec::Delimiter { delimiter, max_length } => match key {
            _ if item.positional_first() || key == "delimiter" => {
                let d = unescape(value_str)?;
                if d.is_empty() {
                    return Err(SpecProblem::EmptyDelimiter);
                }
                *delimiter = Bytes::from(d);
            }
            "max" => *max_length = size_value("max", value)?,
            _ => return Err(unexpected("a delimiter or max=SIZE", text)),
        },
        FramingSpec::LengthPrefix(p) => parse_prefix_item(p, item, "max")?,
        FramingSpec::JsonHeader(f) => apply_json_header_item(f, item)?,
        FramingSpec::Handshake { max_length } => match key {
            "max" => *max_length = size_value("max", value)?,
            _ => return Err(unexpected("max=SIZE", text)),
        },
        FramingSpec::Resp(f) => match key {
            "max" => f.max = size_value("max", value)?,
            "depth" => f.depth = positive("depth", size_value("depth", value)?)?,
            _ => return Err(unexpected("max=SIZE or depth=N", text)),
        },
        FramingSpec::Http(f) => match (key, value_str) {
            ("" | "mode", "auto") => f.mode = HttpMode::Auto,
            ("" | "mode", "request") => f.mode = HttpMode::Request,
            ("" | "mode", "response") => f.mode = HttpMode::Response,
            ("head-max", _) => f.head_max = size_value("head-max", value)?,
            ("max", _) => f.max = size_value("max", value)?,
            ("body-max", _) => f.max = size_value("body-max", value)?,
            ("method", "GET") => f.method = RequestMethod::Get,
            ("method", "HEAD") => f.method = RequestMethod::Head,
            ("method", "CONNECT") => f.method = RequestMethod::Connect,
            ("method", o) => return Err(unexpected("method=GET, HEAD or CONNECT", o)),
            _ => return Err(unexpected("auto, request, response, head-max=SIZE, max=SIZE or method=", text)),
        },
    }
    Ok(())
}

fn apply_json_header_item(f: &mut JsonHeaderFormat, item: Item<'_>) -> Result<(), SpecProblem> {
    let value_str = item.value_str();
    match item.key {
        "body-max" => f.body_max = size_value("body-max", item.value)?,
        "max" => f.body_max = size_value("max", item.value)?,
        // `header-max` (the prefix's maximum) falls to parse_prefix_item.
        "digest" => {
            f.digest = match value_str {
                "sha256" => DigestKind::Sha256,
                "md5" => DigestKind::Md5,
                o => return Err(unexpected("digest=sha256 or digest=md5", o)),
            }
        }
        "verify" => {
            f.verify = match value_str {
                "require" => DigestPolicy::Require,
                "if-present" => DigestPolicy::IfPresent,
                "ignore" => DigestPolicy::Ignore,
                o => return Err(unexpected("verify=require, if-present or ignore", o)),
            }
        }
        _ => parse_prefix_item(&mut f.prefix, item, "header-max").map_err(|e| SpecProblem::JsonHeader(Box::new(e)))?,
    }
    Ok(())
}

/// A 1-byte header has no byte order, and its text form (`u8`, `i8`) names
/// none: store it as the `u8`/`i8` presets do, so that `width=1,endian=little`
/// prints as text that parses back to the same spec (found by `parse_framing`).
fn one_byte_has_no_byte_order(p: &mut LengthPrefix) {
    if p.width == 1 {
        p.endian = Endian::Big;
    }
}

fn parse_prefix_item(p: &mut LengthPrefix, item: Item<'_>, max_key: &'static str) -> Result<(), SpecProblem> {
    let Item { index, key, value, text } = item;
    let v = value.unwrap_or("").trim();
    match key {
        "" if index == 0 && LengthPrefix::preset(v).is_some() => {
            // The first item: the header is still the strategy's default,
            // whose maximum (json-header's is 64 KiB) the preset keeps.
            *p = LengthPrefix { max_frame: p.max_frame, ..LengthPrefix::preset(v).unwrap() };
        }
        "" if v == "signed" || v == "includes-header" || v == "unsigned" => match v {
            "signed" => p.signed = true,
            "unsigned" => p.signed = false,
            _ => p.includes_header = true,
        },
        "" => {
            let names: Vec<_> = PRESETS.iter().map(|(n, _)| *n).collect();
            return Err(unexpected(format!("a preset ({}) or KEY=VALUE", names.join(", ")), text));
        }
        "width" => {
            p.width = match v {
                "1" => 1,
                "2" => 2,
                "4" => 4,
                "8" => 8,
                o => return Err(unexpected("width=1, 2, 4 or 8", o)),
            }
        }
        "endian" => {
            p.endian = match v {
                "big" | "be" => Endian::Big,
                "little" | "le" => Endian::Little,
                o => return Err(unexpected("endian=big or endian=little", o)),
            }
        }
        "signed" => p.signed = parse_bool("signed", value)?,
        "includes-header" => p.includes_header = parse_bool("includes-header", value)?,
        k if k == max_key => p.max_frame = size_value(max_key, value)?,
        _ => {
            return Err(unexpected(
                format!("a preset, width=, endian=, signed=, includes-header= or {max_key}="),
                text,
            ));
        }
    }
    Ok(())
}

impl fmt::Display for FramingSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FramingSpec::Naive { read_size } => write!(f, "naive:read-size={read_size}"),
            FramingSpec::Udp { read_size } => write!(f, "udp:read-size={read_size}"),
            FramingSpec::Delimiter { delimiter, max_length } => {
                write!(f, "delimiter:{},max={}", escape(delimiter), Size(*max_length))
            }
            FramingSpec::LengthPrefix(p) => write!(f, "length-prefix:{p}"),
            FramingSpec::JsonHeader(j) => {
                write!(f, "json-header:{},body-max={}", j.prefix.spec_text("header-max"), Size(j.body_max))?;
                if j.digest == DigestKind::Md5 {
                    write!(f, ",digest=md5")?;
                }
                match j.verify {
                    DigestPolicy::Require => Ok(()),
                    DigestPolicy::IfPresent => write!(f, ",verify=if-present"),
                    DigestPolicy::Ignore => write!(f, ",verify=ignore"),
                }
            }
            FramingSpec::Handshake { max_length } => write!(f, "handshake:max={}", Size(*max_length)),
            FramingSpec::Resp(r) => write!(f, "resp:max={},depth={}", Size(r.max), r.depth),
            FramingSpec::Http(h) => {
                let mode = match h.mode {
                    HttpMode::Auto => "auto",
                    HttpMode::Request => "request",
                    HttpMode::Response => "response",
                };
                write!(f, "http:{mode},head-max={},max={}", Size(h.head_max), Size(h.max))?;
                match h.method {
                    RequestMethod::Get => Ok(()),
                    RequestMethod::Head => write!(f, ",method=HEAD"),
                    RequestMethod::Connect => write!(f, ",method=CONNECT"),
                }
            }
        }
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
mod tests {
    use super::*;

    #[test]
    fn spec_examples_parse_to_the_right_knobs() {
        let s: FramingSpec = "length-prefix:i32le,max=1MiB".parse().unwrap();
        let FramingSpec::LengthPrefix(p) = s else { panic!() };
        assert_eq!((p.width, p.endian, p.signed, p.max_frame), (4, Endian::Little, true, 1 << 20));
        let s: FramingSpec = r#"delimiter:"\r\n",max=4KiB"#.parse().unwrap();
        assert_eq!(s, FramingSpec::Delimiter { delimiter: Bytes::from_static(b"\r\n"), max_length: 4096 });
        let s: FramingSpec = "delimiter:<END>".parse().unwrap();
        assert_eq!(s.codec().max_message(), DEFAULT_MAX_LENGTH);
        let s: FramingSpec = "naive:16".parse().unwrap();
        assert_eq!(s, FramingSpec::Naive { read_size: 16 });
        assert_eq!("raw".parse::<FramingSpec>().unwrap(), FramingSpec::Naive { read_size: 1024 });
        let s: FramingSpec = "length-prefix:width=2,endian=little,signed,includes-header".parse().unwrap();
        let FramingSpec::LengthPrefix(p) = s else { panic!() };
        assert_eq!((p.width, p.endian, p.signed, p.includes_header), (2, Endian::Little, true, true));
        let s: FramingSpec = "json-header:i32le,digest=md5,verify=ignore,body-max=1KiB".parse().unwrap();
        let FramingSpec::JsonHeader(j) = s else { panic!() };
        assert_eq!(
            (j.prefix.signed, j.digest, j.verify, j.body_max),
            (true, DigestKind::Md5, DigestPolicy::Ignore, 1024)
        );
        let s: FramingSpec = "resp:max=1MiB,depth=64".parse().unwrap();
        assert_eq!(s, FramingSpec::Resp(RespFormat { max: 1 << 20, depth: 64 }));
        assert_eq!(s.to_string(), "resp:max=1MiB,depth=64");
        let s: FramingSpec = "http:response,max=1KiB,method=HEAD".parse().unwrap();
        let FramingSpec::Http(h) = s else { panic!() };
        assert_eq!((h.mode, h.max, h.head_max, h.method), (HttpMode::Response, 1024, 64 << 10, RequestMethod::Head));
        assert_eq!(s.to_string(), "http:response,head-max=64KiB,max=1KiB,method=HEAD");
    }

    #[test]
    fn spec_errors_say_what_was_expected() {
        for (bad, want) in [
            ("carrier-pigeon", "expected a strategy"),
            ("length-prefix:u24be", "expected a preset"),
            ("length-prefix:width=3", "expected width=1, 2, 4 or 8"),
            ("length-prefix:max=lots", "expected a size"),
            ("delimiter:\"\"", "must not be empty"),
            ("delimiter:\"abc", "unterminated quote"),
            ("delimiter:\\q", "unknown escape"),
            ("naive:0", "at least 1"),
            ("json-header:digest=crc", "expected digest=sha256"),
            ("naive:,", "expected"),
            ("resp:depth=0", "at least 1"),
            ("resp:deep", "expected max=SIZE or depth=N"),
            ("http:client", "expected auto, request, response"),
            ("http:method=POST", "expected method=GET, HEAD or CONNECT"),
        ] {
            let e = bad.parse::<FramingSpec>().unwrap_err().to_string();
            assert!(e.contains(want), "{bad}: {e}");
        }
    }

    #[test]
    fn display_reparses_to_the_same_spec() {
        for s in [
            "naive",
            "udp:1024",
            "delimiter",
            r#"delimiter:"a,b\x01""#,
            "length-prefix:u16le,includes-header,max=100",
            "json-header:i64le,digest=md5,verify=if-present",
            "handshake:max=1KiB",
            "length-prefix:width=1,endian=little,signed=true",
            "json-header:endian=little,width=1",
            "resp",
            "resp:max=1MiB,depth=64",
            "http",
            "http:response,max=1KiB,method=HEAD",
            "http:request,head-max=100,body-max=7",
        ] {
            let spec: FramingSpec = s.parse().unwrap();
            let again: FramingSpec = spec.to_string().parse().unwrap();
            assert_eq!(spec, again, "{s} -> {spec}");
        }
    }

    #[test]
    fn names_quotes_escapes_and_flags_are_exact() {
        // Every strategy knows its name; an unknown one is told them all.
        for info in STRATEGIES {
            assert_eq!(FramingSpec::default_for(info.name).unwrap().strategy(), info.name);
        }
        let e = "pigeon".parse::<FramingSpec>().unwrap_err().to_string();
        let names: Vec<&str> = STRATEGIES.iter().map(|s| s.name).collect();
        assert!(e.contains(&format!("expected a strategy ({} or raw)", names.join(", "))), "{e}");
        // A backslash escapes a quote, which then neither opens nor closes.
        let s: FramingSpec = r#"delimiter:"\"",max=5"#.parse().unwrap();
        assert_eq!(s, FramingSpec::Delimiter { delimiter: Bytes::from_static(b"\""), max_length: 5 });
        // An `=` inside a quoted delimiter is not a key.
        let s: FramingSpec = r#"delimiter:"a=b""#.parse().unwrap();
        assert_eq!(s, FramingSpec::Delimiter { delimiter: Bytes::from_static(b"a=b"), max_length: DEFAULT_MAX_LENGTH });
        // Shown bytes: cut only past the maximum; control bytes escaped.
        assert_eq!(show(b"abc", 3), r#""abc""#);
        assert_eq!(show(b"abcd", 3), r#""abc"... (4 bytes)"#);
        assert_eq!(escape(b"\x01\x7f"), r#""\x01\x7f""#);
        // Flags: true and false in every spelling.
        for (v, want) in [
            ("", true),
            ("=true", true),
            ("=yes", true),
            ("=1", true),
            ("=false", false),
            ("=no", false),
            ("=0", false),
        ] {
            let s: FramingSpec = format!("length-prefix:u16be,signed{v},includes-header{v}").parse().unwrap();
            let FramingSpec::LengthPrefix(p) = s else { panic!() };
            assert_eq!((p.signed, p.includes_header), (want, want), "{v}");
        }
        // A naive spec takes a read size and nothing else.
        let e = "naive:max=5".parse::<FramingSpec>().unwrap_err().to_string();
        assert!(e.contains("expected read-size=N"), "{e}");
        // Every method HTTP responses may answer.
        for (m, want) in
            [("GET", RequestMethod::Get), ("HEAD", RequestMethod::Head), ("CONNECT", RequestMethod::Connect)]
        {
            let s: FramingSpec = format!("http:method=HEAD,method={m}").parse().unwrap();
            let FramingSpec::Http(f) = s else { panic!() };
            assert_eq!(f.method, want, "{m}");
        }
        // `unsigned` undoes a signed preset; a key that is none of the
        // prefix's is refused; json-header's two maxima.
        let s: FramingSpec = "length-prefix:i32be,unsigned".parse().unwrap();
        assert!(matches!(s, FramingSpec::LengthPrefix(p) if !p.signed));
        let e = "length-prefix:size=5".parse::<FramingSpec>().unwrap_err().to_string();
        assert!(e.contains("expected a preset, width=, endian=, signed=, includes-header= or max="), "{e}");
        let s: FramingSpec = "json-header:max=5,header-max=7".parse().unwrap();
        assert!(matches!(s, FramingSpec::JsonHeader(f) if f.body_max == 5 && f.prefix.max_frame == 7), "{s}");
        // A word that is no preset: the presets are listed.
        let e = "length-prefix:bogus".parse::<FramingSpec>().unwrap_err().to_string();
        let presets: Vec<&str> = PRESETS.iter().map(|(n, _)| *n).collect();
        assert!(e.contains(&format!("expected a preset ({}) or KEY=VALUE", presets.join(", "))), "{e}");
    }
}
