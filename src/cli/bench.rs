//! `framelab bench`: every strategy beside tokio-util's codecs and a raw
//! stream, in one run, as a table of ratios or as JSON.

use std::io::IsTerminal;

use anyhow::Context;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::bench::{self, BenchError, BenchResult, Mode, Settings};

/// Options of `framelab bench`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  framelab bench --quick                    codec mode table with ratios, in about 15 s
  framelab bench --quick --format json      {\"results\": [{\"name\", \"mode\", \"size\", ...}]}
  framelab bench --mode codec               longer rounds, steadier medians

Codec mode feeds each decoder 64 KiB reads appended to a BytesMut, decoding
until None after each read, as tokio-util's FramedRead does. `raw` consumes the
same reads with no framing: the ceiling. Bytes are message payload bytes.
Ratios compare rows of the same run; on a shared machine trust them more
than the absolute numbers. Exit 2 when a mode asked for cannot run.")]
pub struct BenchArgs {
    /// Fewer, shorter rounds: finishes well under a minute.
    #[arg(long)]
    pub quick: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Which comparisons to run; `all` skips, with a note, a mode that is
    /// not available yet.
    #[arg(long, value_enum, default_value_t = ModeArg::All)]
    pub mode: ModeArg,
}

/// Output format of `framelab bench`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table with each row's ratio to its baselines.
    Human,
    /// `{"results": [{"name", "mode", "size", "frames_per_sec", "bytes_per_sec"}]}`.
    Json,
}

/// `--mode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Decoders in memory, beside tokio-util's codecs and raw.
    Codec,
    /// End to end over 127.0.0.1, beside a raw stream.
    Loopback,
    /// Every mode available.
    All,
}

#[derive(serde::Serialize)]
struct JsonReport<'a> {
    results: &'a [BenchResult],
}

impl BenchArgs {
    /// Runs the comparisons and prints them.
    pub fn run(self) -> anyhow::Result<i32> {
        let settings = if self.quick { Settings::quick() } else { Settings::full() };
        let modes: &[Mode] = match self.mode {
            ModeArg::Codec => &[Mode::Codec],
            ModeArg::Loopback => &[Mode::Loopback],
            ModeArg::All => &Mode::ALL,
        };
        let bar = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix} [{bar:30}] {pos}/{len} {wide_msg}")
                    .expect("a valid template")
                    .progress_chars("=> "),
            );
            bar
        } else {
            ProgressBar::hidden()
        };
        let mut rows = Vec::new();
        let mut skipped = Vec::new();
        for &mode in modes {
            bar.set_prefix(mode.name());
            bar.set_position(0);
            let got = bench::run(mode, &settings, &mut |p| {
                bar.set_length(p.total);
                bar.set_position(p.done);
                bar.set_message(p.label.clone());
            });
            match got {
                Ok(r) => rows.extend(r),
                Err(e @ BenchError::Unavailable { .. }) if self.mode == ModeArg::All => skipped.push(e.to_string()),
                Err(e) => {
                    bar.finish_and_clear();
                    return Err(e).context(format!("framelab bench --mode {}", mode.name()));
                }
            }
        }
        bar.finish_and_clear();
        match self.format {
            Format::Json => {
                println!("{}", serde_json::to_string_pretty(&JsonReport { results: &rows })?);
            }
            Format::Human => print!("{}", table(&rows, &settings)),
        }
        for s in skipped {
            eprintln!("note: {s}");
        }
        Ok(0)
    }
}

/// The human table: one block per mode, one line per row, sizes grouped.
fn table(rows: &[BenchResult], settings: &Settings) -> String {
    let mut out = String::new();
    for mode in Mode::ALL {
        let mine: Vec<&BenchResult> = rows.iter().filter(|r| r.mode == mode).collect();
        if mine.is_empty() {
            continue;
        }
        out += &format!(
            "{mode} mode: median of {} rounds of ~{} ms per row ({}); bytes = message payload bytes\n",
            settings.rounds,
            settings.round_time.as_millis(),
            bench::clock_name()
        );
        if mode == Mode::Codec {
            out += "decode only; 64 KiB reads appended to a BytesMut, decode until None (as FramedRead)\n";
        }
        out +=
            &format!("\n{:<8} {:<32} {:>10} {:>10}  {}\n", "size", "name", "frames/s", "bytes/s", "ratio to baselines");
        let mut last_size = None;
        for r in mine {
            let size = if last_size == Some(r.size) { String::new() } else { bench::size_label(r.size) };
            if last_size.is_some() && last_size != Some(r.size) {
                out.push('\n');
            }
            last_size = Some(r.size);
            let ratios: Vec<String> = bench::baselines(r.mode, &r.name)
                .into_iter()
                .filter_map(|b| bench::ratio(rows, r, b).map(|x| format!("{x:.2}x {}", short(b))))
                .collect();
            let frames = if r.name == bench::codec::RAW { "-".to_string() } else { si(r.frames_per_sec, "") };
            out += &format!(
                "{size:<8} {:<32} {frames:>10} {:>10}  {}\n",
                r.name,
                si(r.bytes_per_sec, "B"),
                ratios.join("  ")
            );
        }
        out.push('\n');
    }
    out
}

/// `tokio-util LinesCodec` -> `Lines`; `raw` stays.
fn short(name: &str) -> &str {
    name.strip_prefix("tokio-util ").map(|n| n.strip_suffix("Codec").unwrap_or(n)).unwrap_or(name)
}

/// `52.3M`, `1.71G` (decimal prefixes, as throughput is usually quoted).
fn si(v: f64, unit: &str) -> String {
    let (x, p) = match v {
        v if v >= 1e9 => (v / 1e9, "G"),
        v if v >= 1e6 => (v / 1e6, "M"),
        v if v >= 1e3 => (v / 1e3, "k"),
        v => (v, ""),
    };
    format!("{x:.2}{p}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, size: usize, bps: f64) -> BenchResult {
        BenchResult {
            name: name.into(),
            mode: Mode::Codec,
            size,
            frames_per_sec: bps / size as f64,
            bytes_per_sec: bps,
        }
    }

    #[test]
    fn table_shows_each_rows_ratio_to_its_baselines() {
        let rows =
            vec![row("raw", 64, 30e9), row("length-prefix", 64, 4e9), row("tokio-util LengthDelimitedCodec", 64, 2e9)];
        let t = table(&rows, &Settings::quick());
        let lp = t.lines().find(|l| l.contains("length-prefix")).unwrap();
        assert!(lp.contains("2.00x LengthDelimited") && lp.contains("0.13x raw"), "{lp}");
        assert!(t.contains("64 B"), "{t}");
    }

    #[test]
    fn si_prefixes() {
        assert_eq!(si(1.71e9, "B"), "1.71GB");
        assert_eq!(si(52_300_000.0, ""), "52.30M");
        assert_eq!(si(12.0, "B"), "12.00B");
    }
}
