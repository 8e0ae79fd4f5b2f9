//! Sizes and durations written as text (`64KiB`, `1MiB`, `20ms`, `2s`).

use std::fmt;
use std::time::Duration;

/// A size or duration written as text that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    /// No number where a size was expected.
    #[error("expected a size like 1024, 64KiB or 1MiB, got {0:?}")]
    NotASize(String),
    /// A size with a unit that is not one.
    #[error("unknown size unit {unit:?} in {text:?} (use B, KiB, MiB or GiB)")]
    SizeUnit {
        /// The unit as written.
        unit: String,
        /// The whole text.
        text: String,
    },
    /// A size larger than this machine's `usize`.
    #[error("size {0:?} is too large")]
    SizeTooLarge(String),
    /// Not a duration.
    #[error("expected a duration like 20ms or 2s, got {text:?}: {reason}")]
    NotADuration {
        /// The text given.
        text: String,
        /// humantime's message.
        reason: String,
    },
}

/// Parses a byte size: a number with an optional unit `B`, `KiB`/`K`/`KB`,
/// `MiB`/`M`/`MB`, `GiB`/`G`/`GB` (all binary: 1 KiB = 1024 B).
pub fn parse_size(text: &str) -> Result<usize, UnitError> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit() && c != '_').unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num: u64 = num.replace('_', "").parse().map_err(|_| UnitError::NotASize(text.to_owned()))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(UnitError::SizeUnit { unit: other.to_owned(), text: text.to_owned() }),
    };
    num.checked_mul(mult).and_then(|v| usize::try_from(v).ok()).ok_or_else(|| UnitError::SizeTooLarge(text.to_owned()))
}

/// Parses a duration like `20ms`, `1.5s`, `2m`, `500us` (humantime syntax,
/// plus plain decimal seconds with a unit such as `0.1s`).
pub fn parse_duration(text: &str) -> Result<Duration, UnitError> {
    let t = text.trim();
    if let Some(secs) = t.strip_suffix('s').filter(|s| s.contains('.'))
        && let Ok(v) = secs.parse::<f64>()
        && (0.0..1e9).contains(&v)
    {
        return Ok(Duration::from_secs_f64(v));
    }
    humantime::parse_duration(t).map_err(|e| UnitError::NotADuration { text: text.to_owned(), reason: e.to_string() })
}

/// A byte count shown in the largest binary unit that divides it exactly.
///
/// `{}` gives the text [`parse_size`] reads back (`64KiB`, `1MiB`, `1500`);
/// `{:#}` the spaced form tables use (`64 KiB`, `1500 B`).
///
/// ```
/// use framelab::units::Size;
/// assert_eq!(Size(65536).to_string(), "64KiB");
/// assert_eq!(format!("{:#}", Size(1500)), "1500 B");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size(pub usize);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        let (value, unit) = [(30, "GiB"), (20, "MiB"), (10, "KiB")]
            .into_iter()
            .find(|(shift, _)| n >= 1 << shift && n.is_multiple_of(1 << shift))
            .map_or((n, "B"), |(shift, unit)| (n >> shift, unit));
        match (f.alternate(), unit) {
            (true, _) => write!(f, "{value} {unit}"),
            (false, "B") => write!(f, "{value}"),
            (false, _) => write!(f, "{value}{unit}"),
        }
    }
}

/// Formats a duration compactly (`20ms`, `1.5s`).
pub fn format_duration(d: Duration) -> String {
    if d.as_nanos() == 0 {
        return "0s".into();
    }
    if d.subsec_nanos() == 0 {
        return format!("{}s", d.as_secs());
    }
    if d.as_nanos().is_multiple_of(1_000_000) {
        return format!("{}ms", d.as_millis());
    }
    if d.as_nanos().is_multiple_of(1_000) {
        return format!("{}us", d.as_micros());
    }
    format!("{}ns", d.as_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_parse_with_units() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("64KiB"), Ok(65536));
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size("2 k"), Ok(2048));
        assert!(matches!(parse_size("12 parsecs"), Err(UnitError::SizeUnit { .. })));
        assert!(parse_size("").is_err());
        assert!(parse_size("99999999999999999999GiB").is_err());
        assert_eq!(parse_duration("20ms"), Ok(Duration::from_millis(20)));
        assert_eq!(parse_duration("0.1s"), Ok(Duration::from_millis(100)));
        assert!(parse_duration("soon").is_err());
        assert_eq!(format_duration(Duration::from_millis(20)), "20ms");
        assert_eq!(format_duration(Duration::from_secs(2)), "2s");
    }

    #[test]
    fn sizes_show_in_the_largest_exact_unit() {
        for (n, text, spaced) in [
            (0, "0", "0 B"),
            (1500, "1500", "1500 B"),
            (65536, "64KiB", "64 KiB"),
            (3 << 20, "3MiB", "3 MiB"),
            (1 << 30, "1GiB", "1 GiB"),
            ((1 << 20) + 1024, "1025KiB", "1025 KiB"),
        ] {
            assert_eq!(Size(n).to_string(), text);
            assert_eq!(format!("{:#}", Size(n)), spaced);
            assert_eq!(parse_size(text), Ok(n));
        }
    }

    #[test]
    fn scenario_durations_take_humantime_text_with_decimals() {
        // Scenario files read durations through humantime-serde: the forms
        // scenarios/README.md documents, on a plain and an optional key.
        let text = "timeout = \"1.5s\"\n[server]\nidle-timeout = \"1m 30s\"\n[client]\npause = \"250us\"\n";
        let s = crate::scenario::parse(text, std::path::Path::new("d.toml")).unwrap();
        assert_eq!(s.timeout, Duration::from_millis(1500));
        assert_eq!(s.server.idle_timeout, Some(Duration::from_secs(90)));
        assert_eq!(s.client.pause, Duration::from_micros(250));
        assert_eq!(crate::scenario::parse("", std::path::Path::new("d.toml")).unwrap().server.idle_timeout, None);
    }
}
