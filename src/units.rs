//! Sizes and durations written as text (`64KiB`, `1MiB`, `20ms`, `2s`).

use std::time::Duration;

/// Parses a byte size: a number with an optional unit `B`, `KiB`/`K`/`KB`,
/// `MiB`/`M`/`MB`, `GiB`/`G`/`GB` (all binary: 1 KiB = 1024 B).
pub fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit() && c != '_').unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num: u64 =
        num.replace('_', "").parse().map_err(|_| format!("expected a size like 1024, 64KiB or 1MiB, got {text:?}"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("unknown size unit {other:?} in {text:?} (use B, KiB, MiB or GiB)")),
    };
    num.checked_mul(mult).and_then(|v| usize::try_from(v).ok()).ok_or_else(|| format!("size {text:?} is too large"))
}

/// Parses a duration like `20ms`, `1.5s`, `2m`, `500us` (humantime syntax,
/// plus plain decimal seconds with a unit such as `0.1s`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if let Some(secs) = t.strip_suffix('s').filter(|s| s.contains('.'))
        && let Ok(v) = secs.parse::<f64>()
        && (0.0..1e9).contains(&v)
    {
        return Ok(Duration::from_secs_f64(v));
    }
    humantime::parse_duration(t).map_err(|e| format!("expected a duration like 20ms or 2s, got {text:?}: {e}"))
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
        assert!(parse_size("12 parsecs").unwrap_err().contains("unit"));
        assert!(parse_size("").is_err());
        assert!(parse_size("99999999999999999999GiB").is_err());
        assert_eq!(parse_duration("20ms"), Ok(Duration::from_millis(20)));
        assert_eq!(parse_duration("0.1s"), Ok(Duration::from_millis(100)));
        assert!(parse_duration("soon").is_err());
        assert_eq!(format_duration(Duration::from_millis(20)), "20ms");
        assert_eq!(format_duration(Duration::from_secs(2)), "2s");
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
