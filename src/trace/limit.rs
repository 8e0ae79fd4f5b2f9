//! `[target] reads`: how the tracer shortens a target's reads on the
//! scenario's connections, partial-io's `PartialOp::Limited` for a process
//! in any language.

use std::fmt;
use std::str::FromStr;

use rand::RngExt;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// How long a target's reads may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadLimit {
    /// As long as the target asks (the default).
    #[default]
    Full,
    /// At most `n` bytes per read (`"max:N"`; `"drip"` is `max:1`).
    Max(u64),
    /// A seeded size between `lo` and `hi` bytes per read (`{ random = [A, B] }`).
    Random {
        /// Fewest bytes (at least 1).
        lo: u64,
        /// Most bytes.
        hi: u64,
    },
}

/// A `reads` value that is not one of the forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("reads = {given:?}: {why}; write \"max:N\", \"drip\" or {{ random = [A, B] }} (sizes of 1 or more)")]
pub struct ReadLimitError {
    given: String,
    why: &'static str,
}

impl ReadLimit {
    /// `{ random = [lo, hi] }`, checked.
    pub fn random(lo: u64, hi: u64) -> Result<ReadLimit, ReadLimitError> {
        let given = format!("{{ random = [{lo}, {hi}] }}");
        if lo == 0 {
            return Err(ReadLimitError { given, why: "a read of 0 bytes means the end of the stream" });
        }
        if hi < lo {
            return Err(ReadLimitError { given, why: "the upper bound is below the lower one" });
        }
        Ok(ReadLimit::Random { lo, hi })
    }

    /// Whether reads are left as the target asks.
    pub fn is_full(&self) -> bool {
        *self == ReadLimit::Full
    }

    /// The length a read of `asked` bytes is given: never 0, never more
    /// than asked.
    pub fn apply(&self, asked: u64, rng: &mut ChaCha8Rng) -> u64 {
        if asked <= 1 {
            return asked;
        }
        let cap = match *self {
            ReadLimit::Full => asked,
            ReadLimit::Max(n) => n,
            ReadLimit::Random { lo, hi } => rng.random_range(lo..=hi),
        };
        cap.clamp(1, asked)
    }

    /// The generator of `Random` sizes for a run with this seed.
    pub fn rng(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }
}

impl FromStr for ReadLimit {
    type Err = ReadLimitError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |why| ReadLimitError { given: s.to_string(), why };
        match s.trim() {
            "full" => Ok(ReadLimit::Full),
            "drip" => Ok(ReadLimit::Max(1)),
            t => {
                let n = t.strip_prefix("max:").ok_or_else(|| err("not a form of reads"))?;
                match n.trim().parse::<u64>() {
                    Ok(0) => Err(err("a read of 0 bytes means the end of the stream")),
                    Ok(n) => Ok(ReadLimit::Max(n)),
                    Err(_) => Err(err("N is not a number of bytes")),
                }
            }
        }
    }
}

impl fmt::Display for ReadLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadLimit::Full => f.write_str("full"),
            ReadLimit::Max(1) => f.write_str("drip"),
            ReadLimit::Max(n) => write!(f, "max:{n}"),
            ReadLimit::Random { lo, hi } => write!(f, "{{ random = [{lo}, {hi}] }}"),
        }
    }
}

impl<'de> serde::Deserialize<'de> for ReadLimit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Form {
            Text(String),
            Table { random: [u64; 2] },
        }
        let form = Form::deserialize(d)
            .map_err(|_| serde::de::Error::custom("reads must be \"max:N\", \"drip\" or { random = [A, B] }"))?;
        match form {
            Form::Text(t) => t.parse().map_err(serde::de::Error::custom),
            Form::Table { random: [lo, hi] } => ReadLimit::random(lo, hi).map_err(serde::de::Error::custom),
        }
    }
}

impl serde::Serialize for ReadLimit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ReadLimit::Random { lo, hi } => {
                use serde::ser::SerializeMap;
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("random", &[lo, hi])?;
                m.end()
            }
            other => s.serialize_str(&other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_parse_and_print_back() {
        assert_eq!("max:2".parse::<ReadLimit>(), Ok(ReadLimit::Max(2)));
        assert_eq!("drip".parse::<ReadLimit>(), Ok(ReadLimit::Max(1)));
        assert_eq!("full".parse::<ReadLimit>(), Ok(ReadLimit::Full));
        for bad in ["max:0", "max:x", "max", "slow", ""] {
            let e = bad.parse::<ReadLimit>().unwrap_err().to_string();
            assert!(e.contains("max:N"), "{bad}: {e}");
        }
        assert_eq!(ReadLimit::Max(1).to_string(), "drip");
        assert_eq!(ReadLimit::Max(7).to_string(), "max:7");
        assert!(ReadLimit::random(0, 3).is_err());
        assert!(ReadLimit::random(4, 3).is_err());
        let t: toml::Value = toml::from_str("r = { random = [2, 5] }").unwrap();
        let r: ReadLimit = t["r"].clone().try_into().unwrap();
        assert_eq!(r, ReadLimit::Random { lo: 2, hi: 5 });
    }

    #[test]
    fn a_limited_read_is_never_empty_nor_longer_than_asked() {
        let mut rng = ReadLimit::rng(1);
        assert_eq!(ReadLimit::Max(2).apply(1024, &mut rng), 2);
        assert_eq!(ReadLimit::Max(2).apply(1, &mut rng), 1);
        assert_eq!(ReadLimit::Max(4096).apply(1024, &mut rng), 1024);
        assert_eq!(ReadLimit::Full.apply(1024, &mut rng), 1024);
        assert_eq!(ReadLimit::Max(3).apply(0, &mut rng), 0, "a zero-length read stays one");
        let r = ReadLimit::Random { lo: 2, hi: 5 };
        let sizes: Vec<u64> = (0..200).map(|_| r.apply(1024, &mut rng)).collect();
        assert!(sizes.iter().all(|s| (2..=5).contains(s)), "{sizes:?}");
        assert!((2..=5).all(|n| sizes.contains(&n)), "every size drawn: {sizes:?}");
        // Seeded: the same sizes again.
        let mut a = ReadLimit::rng(9);
        let mut b = ReadLimit::rng(9);
        let x: Vec<u64> = (0..20).map(|_| r.apply(100, &mut a)).collect();
        let y: Vec<u64> = (0..20).map(|_| r.apply(100, &mut b)).collect();
        assert_eq!(x, y);
    }
}
