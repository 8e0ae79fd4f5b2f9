//! Payload generators: fixed text, Chinese text (multi-byte UTF-8), random
//! bytes, empty messages, and forged length headers (0, max, max+1, the
//! width's largest value, negative).

use std::fmt;
use std::str::FromStr;

use bytes::{Bytes, BytesMut};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

use crate::framing::LengthPrefix;
use crate::units::{UnitError, parse_size};

/// What generated messages are made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum PayloadKind {
    /// ASCII letters and digits (never a delimiter).
    #[default]
    Text,
    /// Chinese characters: 3 bytes each in UTF-8.
    Chinese,
    /// Any bytes.
    Random,
    /// Empty messages.
    Empty,
}

/// A size range `MIN..MAX` (exclusive) or `MIN..=MAX`, or one size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeRange {
    /// Smallest size.
    pub min: usize,
    /// Largest size (inclusive).
    pub max: usize,
}

/// A size range or forged length that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// One of the sizes.
    #[error(transparent)]
    Size(#[from] UnitError),
    /// A range with no size in it.
    #[error("empty size range {0:?}")]
    EmptyRange(String),
    /// Not a forged length.
    #[error("expected a length, max, max+1 or width-max, got {0:?}")]
    ForgedLength(String),
}

impl FromStr for SizeRange {
    type Err = PayloadError;

    fn from_str(s: &str) -> Result<Self, PayloadError> {
        let empty = || PayloadError::EmptyRange(s.to_owned());
        let (min, max) = if let Some((a, b)) = s.split_once("..=") {
            (parse_size(a)?, parse_size(b)?)
        } else if let Some((a, b)) = s.split_once("..") {
            let b = parse_size(b)?;
            (parse_size(a)?, b.checked_sub(1).ok_or_else(empty)?)
        } else {
            let n = parse_size(s)?;
            (n, n)
        };
        if min > max {
            return Err(empty());
        }
        Ok(SizeRange { min, max })
    }
}

impl fmt::Display for SizeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..={}", self.min, self.max)
    }
}

impl<'de> Deserialize<'de> for SizeRange {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(usize),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) => Ok(SizeRange { min: n, max: n }),
            Raw::S(s) => s.parse().map_err(serde::de::Error::custom),
        }
    }
}

const CHINESE: &[char] = &['你', '好', '中', '国', '粘', '包', '半', '消', '息', '数', '据', '流'];
const TEXT: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// One message of `kind` and about `size` bytes (Chinese text is cut to
/// whole characters, at least one when `size > 0`).
pub fn message(kind: PayloadKind, size: usize, rng: &mut ChaCha8Rng) -> Bytes {
    match kind {
        PayloadKind::Empty => Bytes::new(),
        PayloadKind::Text => (0..size).map(|_| TEXT[rng.random_range(0..TEXT.len())]).collect::<Vec<u8>>().into(),
        PayloadKind::Random => {
            let mut v = vec![0u8; size];
            rng.fill(&mut v[..]);
            v.into()
        }
        PayloadKind::Chinese => {
            let chars = if size == 0 { 0 } else { (size / 3).max(1) };
            (0..chars).map(|_| CHINESE[rng.random_range(0..CHINESE.len())]).collect::<String>().into()
        }
    }
}

/// `count` messages with sizes drawn from `size`.
pub fn generate(kind: PayloadKind, count: usize, size: SizeRange, rng: &mut ChaCha8Rng) -> Vec<Bytes> {
    (0..count).map(|_| message(kind, rng.random_range(size.min..=size.max), rng)).collect()
}

/// A forged length-header value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForgedLength {
    /// This exact value (may be negative).
    Value(i128),
    /// The framing's maximum.
    Max,
    /// One over the maximum.
    MaxPlusOne,
    /// The largest value the header width holds (0xFFFFFFFF for u32).
    WidthMax,
}

impl FromStr for ForgedLength {
    type Err = PayloadError;

    fn from_str(s: &str) -> Result<Self, PayloadError> {
        Ok(match s.trim() {
            "max" => ForgedLength::Max,
            "max+1" => ForgedLength::MaxPlusOne,
            "width-max" => ForgedLength::WidthMax,
            n => ForgedLength::Value(n.parse().map_err(|_| PayloadError::ForgedLength(n.to_owned()))?),
        })
    }
}

impl<'de> Deserialize<'de> for ForgedLength {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(i64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) => Ok(ForgedLength::Value(n as i128)),
            Raw::S(s) => s.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// A header of `prefix`'s shape declaring `value` (truncated to the width,
/// two's complement for negative values).
pub fn forge_header(prefix: &LengthPrefix, value: ForgedLength) -> Bytes {
    let raw = match value {
        ForgedLength::Value(v) => v,
        ForgedLength::Max => prefix.max_frame as i128,
        ForgedLength::MaxPlusOne => prefix.max_frame as i128 + 1,
        ForgedLength::WidthMax => prefix.width_max() as i128,
    };
    let mut b = BytesMut::new();
    prefix.write_raw(raw, &mut b);
    b.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn generators_make_what_they_say() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let m = generate(PayloadKind::Chinese, 5, "9..=30".parse().unwrap(), &mut rng);
        assert!(m.iter().all(|m| std::str::from_utf8(m).is_ok() && m.len() % 3 == 0 && m.len() >= 9));
        let m = generate(PayloadKind::Text, 50, "1..4".parse().unwrap(), &mut rng);
        assert!(m.iter().all(|m| (1..=3).contains(&m.len()) && m.iter().all(u8::is_ascii_alphanumeric)));
        assert!(generate(PayloadKind::Empty, 3, "5".parse().unwrap(), &mut rng).iter().all(Bytes::is_empty));
        assert!("5..5".parse::<SizeRange>().is_err());
    }

    #[test]
    fn forged_headers_cover_the_edges() {
        let p = LengthPrefix { max_frame: 100, ..LengthPrefix::preset("i32le").unwrap() };
        assert_eq!(&forge_header(&p, ForgedLength::Value(-1))[..], &[0xff; 4]);
        assert_eq!(&forge_header(&p, ForgedLength::MaxPlusOne)[..], &101i32.to_le_bytes());
        assert_eq!(&forge_header(&p, ForgedLength::WidthMax)[..], &i32::MAX.to_le_bytes());
        let u = LengthPrefix::default();
        assert_eq!(&forge_header(&u, "width-max".parse().unwrap())[..], &[0xff; 4]);
    }
}
