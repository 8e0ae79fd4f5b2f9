//! `framelab bench`: every strategy beside tokio-util's codecs and a raw
//! stream, in one run, as a table of ratios or as JSON.

use std::io::IsTerminal;

use anyhow::Context;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::bench::{self, BenchResult, Ends, Mode, RatioStat, Settings};
use crate::units::Size;

/// Set (to anything), `framelab bench`, `soak` and `explore` shrink their
/// workload to check that a command runs and prints every row, not to
/// measure: bench times 1 round of 1 ms per row, soak caps each strategy at
/// 24 hostile connections and 4 good clients of 3 messages, explore tries at
/// most 20 variations (its replays and shrinking unchanged).
pub const SMOKE_ENV: &str = "FRAMELAB_SMOKE";

/// Options of `framelab bench`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  framelab bench --quick                    codec and loopback tables with ratios, 1-2 min
  framelab bench --quick --format json      {\"results\": [{\"name\", \"mode\", \"size\", ...}]}
  framelab bench --mode loopback --sizes 64,64KiB   end to end over 127.0.0.1 only
  framelab bench --quick --plot bench.svg   also draw bytes/s against message size

Codec mode feeds each decoder 64 KiB reads appended to a BytesMut, decoding
until None after each read, as tokio-util's FramedRead does. `raw` consumes the
same reads with no framing: the ceiling. Loopback mode sends each strategy's
stream over 127.0.0.1 (the client writes ~512 KiB per write_all, the receiver
reads 64 KiB at a time and decodes every frame) beside a `raw` stream of the
same payload, and `raw held`, that stream held until each message is whole
(what holding whole messages costs: the framings' ratio to it is what their
framing costs), twice: `loopback`, both ends on one thread timed with its CPU
clock (the one-core cost), and `loopback-2threads`, a thread per end timed
with the wall clock (two-thread throughput);
`handshake` is the file-transfer tutorial's Ready|N / Start per message and
`sleep-100ms` the end-marker tutorial's sleep between sends. Bytes are message payload bytes.
Rounds go on (from --rounds up to --max-rounds) until the median of each
row's per-round ratio to its baselines moves less than 3% when the last two
rounds are added; `±` is half the interquartile range of those ratios, and `?`
marks a ratio that did not settle. Ratios compare rows of the same run; on a
shared machine trust them more than the absolute numbers. `*slices` rows
decode through the frames-as-slices API (FrameSlices). Exit 2 when a mode
fails to run (a socket error).

On x86-64 Linux with glibc, framelab bench runs itself again with
GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold=4294967295: glibc's
`rep movsb` copies, on some CPUs, run 15 times slower for some distances
between source and destination, and which rows met that distance changed
from run to run (docs/benchmarks.md). FRAMELAB_BENCH_MEMCPY=default keeps
glibc's choice.")]
pub struct BenchArgs {
    /// Fewer, shorter rounds: finishes well under a minute.
    #[arg(long)]
    pub quick: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Which comparisons to run.
    #[arg(long, value_enum, default_value_t = ModeArg::All)]
    pub mode: ModeArg,
    /// Message sizes, comma-separated, units allowed (default
    /// 16,64,1KiB,64KiB,1MiB).
    #[arg(long, value_delimiter = ',', value_parser = parse_size)]
    pub sizes: Option<Vec<usize>>,
    /// Timed rounds per row at least (the median is reported); default 7
    /// with --quick, 11 without.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub rounds: Option<u16>,
    /// Rounds per row at most, while ratios have not settled; default 15
    /// with --quick, 31 without (never below --rounds).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub max_rounds: Option<u16>,
    /// Loopback only one way: 1, both ends on one thread timed with its CPU
    /// clock (the one-core cost, steady on a busy machine); 2, a thread per
    /// end timed with the wall clock (needs two idle cores). Default: both.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=2))]
    pub loopback_threads: Option<u8>,
    /// Also draw bytes/s against message size, one panel per mode, to this
    /// SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<std::path::PathBuf>,
}

fn parse_size(text: &str) -> anyhow::Result<usize> {
    match crate::units::parse_size(text)? {
        0 => anyhow::bail!("a message size must be at least 1 byte"),
        n => Ok(n),
    }
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
    /// Every row's ratio to its baselines: median, quartiles, stability.
    ratios: &'a [RatioStat],
    /// The clock of each mode run, and why.
    clocks: Vec<JsonClock>,
}

#[derive(serde::Serialize)]
struct JsonClock {
    mode: Mode,
    clock: &'static str,
    why: &'static str,
}

impl BenchArgs {
    /// Runs the comparisons and prints them.
    pub fn run(self) -> anyhow::Result<i32> {
        steady_memcpy();
        let mut settings = if self.quick { Settings::quick() } else { Settings::full() };
        if let Some(sizes) = self.sizes {
            settings.sizes = sizes;
        }
        if let Some(r) = self.rounds {
            settings.rounds = usize::from(r);
        }
        if let Some(r) = self.max_rounds {
            settings.max_rounds = usize::from(r);
        }
        settings.max_rounds = settings.max_rounds.max(settings.rounds);
        if std::env::var_os(SMOKE_ENV).is_some() {
            // tests/it/doc_commands.rs runs every documented bench command
            // this way: every row and table, no meaningful figure.
            settings.rounds = 1;
            settings.max_rounds = 1;
            settings.round_time = std::time::Duration::from_millis(1);
            eprintln!("{SMOKE_ENV} is set: 1 round of 1 ms per row; the figures mean nothing");
        }
        let loopback: &[Mode] = match self.loopback_threads {
            Some(1) => &[Mode::Loopback],
            Some(_) => &[Mode::LoopbackTwoThreads],
            None => &[Mode::Loopback, Mode::LoopbackTwoThreads],
        };
        let modes: Vec<Mode> = match self.mode {
            ModeArg::Codec => vec![Mode::Codec],
            ModeArg::Loopback => loopback.to_vec(),
            ModeArg::All => [&[Mode::Codec][..], loopback].concat(),
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
        let mut ratios = Vec::new();
        for &mode in &modes {
            bar.set_prefix(mode.name());
            bar.set_position(0);
            let got = bench::run_report(mode, &settings, &mut |p| {
                bar.set_length(p.total);
                bar.set_position(p.done);
                bar.set_message(p.label.clone());
            });
            match got {
                Ok(r) => {
                    rows.extend(r.rows);
                    ratios.extend(r.ratios);
                }
                Err(e) => {
                    bar.finish_and_clear();
                    return Err(e).context(format!("framelab bench --mode {}", mode.name()));
                }
            }
        }
        bar.finish_and_clear();
        if let Some(path) = &self.plot {
            bench::plot::svg(&rows, path).with_context(|| format!("writing the plot {}", path.display()))?;
        }
        match self.format {
            Format::Json => {
                let clocks = modes
                    .iter()
                    .map(|&mode| {
                        let (clock, why) = bench::clock(mode, settings.ends);
                        JsonClock { mode, clock, why }
                    })
                    .collect();
                let report = JsonReport { results: &rows, ratios: &ratios, clocks };
                println!("{}", serde_json::to_string_pretty(&report)?);
            }
            Format::Human => print!("{}{}", takeaway(&rows), table(&rows, &ratios, &settings)),
        }
        if let Some(path) = &self.plot {
            eprintln!("plot written to {}", path.display());
        }
        Ok(0)
    }
}

/// Whether a row is a framing of framelab's own that keeps message
/// boundaries (not a baseline, a reference or sleep row, nor `naive`,
/// which is the bug): a candidate to pick.
fn pickable(name: &str) -> bool {
    !["tokio-util", "raw", "sleep", "naive"].iter().any(|p| name.starts_with(p))
}

/// "What to pick here": per mode, for the smallest and the largest frames
/// measured, the fastest strategy of framelab's own, with its ratio to the
/// fastest tokio-util codec and to raw of the same size.
fn takeaway(rows: &[BenchResult]) -> String {
    let mut out = String::from(
        "what to pick here (fastest framing that keeps message boundaries, from this run; higher bytes/s is better):\n",
    );
    let mut any = false;
    for mode in Mode::ALL {
        let mine: Vec<&BenchResult> = rows.iter().filter(|r| r.mode == mode).collect();
        let mut sizes: Vec<usize> = mine.iter().map(|r| r.size).collect();
        sizes.sort_unstable();
        sizes.dedup();
        let picks: Vec<(&str, usize)> = match (sizes.first(), sizes.last()) {
            (Some(&a), Some(&b)) if a != b => vec![("small", a), ("large", b)],
            (Some(&a), _) => vec![("", a)],
            _ => continue,
        };
        for (what, size) in picks {
            let at: Vec<&&BenchResult> = mine.iter().filter(|r| r.size == size).collect();
            let best = |keep: &dyn Fn(&str) -> bool| {
                at.iter()
                    .filter(|r| keep(&r.name) && r.bytes_per_sec > 0.0)
                    .max_by(|a, b| a.bytes_per_sec.total_cmp(&b.bytes_per_sec))
            };
            let Some(win) = best(&pickable) else { continue };
            let mut vs = Vec::new();
            if let Some(t) = best(&|n: &str| n.starts_with("tokio-util")) {
                vs.push(format!("{}x {}", ratio_text(win.bytes_per_sec / t.bytes_per_sec), short(&t.name)));
            }
            if let Some(raw) = at.iter().find(|r| r.name == bench::codec::RAW && r.bytes_per_sec > 0.0) {
                vs.push(format!("{}x raw", ratio_text(win.bytes_per_sec / raw.bytes_per_sec)));
            }
            let frames = if what.is_empty() {
                format!("{:#} frames", Size(size))
            } else {
                format!("{what} frames ({:#})", Size(size))
            };
            out += &format!(
                "  {mode}: {frames}: {} ({}{})\n",
                win.name,
                si(win.bytes_per_sec, "B/s"),
                if vs.is_empty() { String::new() } else { format!(", {}", vs.join(", ")) }
            );
            any = true;
        }
    }
    if !any {
        return String::new();
    }
    out += "columns below: size = message payload; frames/s and bytes/s = median throughput; ratio = this row's \
            bytes/s / the baseline's, per round, median (±: half the spread of the middle half of rounds, the IQR; \
            ?: not settled)\n\n";
    out
}

/// The human table: one block per mode, one line per row, sizes grouped.
fn table(rows: &[BenchResult], ratios: &[RatioStat], settings: &Settings) -> String {
    let mut out = String::new();
    for mode in Mode::ALL {
        let mine: Vec<&BenchResult> = rows.iter().filter(|r| r.mode == mode).collect();
        if mine.is_empty() {
            continue;
        }
        let (clock, why) = bench::clock(mode, settings.ends);
        let stats: Vec<&RatioStat> = ratios.iter().filter(|r| r.mode == mode).collect();
        let most = stats.iter().map(|r| r.rounds).max().unwrap_or(settings.rounds);
        out += &format!(
            "{mode} mode: median of {}-{most} rounds of ~{} ms per row; bytes = message payload bytes\n",
            settings.rounds,
            settings.round_time.as_millis(),
        );
        out += &format!("clock: {clock}, because {why}\n");
        match mode {
            Mode::Codec => {
                out += "decode only; 64 KiB reads appended to a BytesMut, decode until None (as FramedRead); \
                        slices: FrameSlices on the same reads\n"
            }
            Mode::Loopback | Mode::LoopbackTwoThreads => {
                out += match (mode, settings.ends) {
                    (Mode::Loopback, Ends::OneThread) => {
                        "ONE-CORE COST: 127.0.0.1, client and receiver on one thread (their CPU, kernel included)"
                    }
                    _ => "TWO-THREAD THROUGHPUT: 127.0.0.1, client and receiver on two threads (wall clock)",
                };
                out += "; ~512 KiB per write_all, 64 KiB reads decoded until None\n";
                out += "raw held: raw's stream kept until each message is whole (the cost of holding whole messages, \
                        framed or not); handshake: Ready|N / Start per message";
                if mode == Mode::Loopback {
                    let n = settings.rounds.clamp(1, bench::SLEEP_ROUNDS);
                    out += &format!(
                        "; sleep-100ms: {n} round{} of {} messages, 100 ms after each (wall clock)",
                        if n == 1 { "" } else { "s" },
                        bench::sleep_messages(settings.round_time)
                    );
                }
                out.push('\n');
            }
        }
        out += &format!(
            "\n{:<8} {:<32} {:>10} {:>10}  {}\n",
            "size", "name", "frames/s", "bytes/s", "ratio to baselines (± half the IQR of per-round ratios)"
        );
        let mut last_size = None;
        for r in mine {
            let size = if last_size == Some(r.size) { String::new() } else { format!("{:#}", Size(r.size)) };
            if last_size.is_some() && last_size != Some(r.size) {
                out.push('\n');
            }
            last_size = Some(r.size);
            let cells: Vec<String> = bench::baselines(r.mode, &r.name)
                .into_iter()
                .filter_map(|b| {
                    let stat = stats.iter().find(|s| s.size == r.size && s.name == r.name && s.baseline == b);
                    match stat {
                        Some(s) => Some(format!(
                            "{}x{} {} ±{:.0}%",
                            ratio_text(s.ratio),
                            if s.stable { "" } else { "?" },
                            short(b),
                            s.spread() * 100.0
                        )),
                        None => bench::ratio(rows, r, b).map(|x| format!("{}x {}", ratio_text(x), short(b))),
                    }
                })
                .collect();
            let frames = if r.name == bench::codec::RAW { "-".to_string() } else { si(r.frames_per_sec, "") };
            out += &format!(
                "{size:<8} {:<32} {frames:>10} {:>10}  {}\n",
                r.name,
                si(r.bytes_per_sec, "B"),
                cells.join("  ")
            );
        }
        let unsettled = stats.iter().filter(|s| !s.stable).count();
        if unsettled == 0 {
            out += &format!(
                "\nevery ratio settled: its median moved < {:.0}% when the last {} rounds were added\n",
                bench::STABLE_WITHIN * 100.0,
                bench::STABLE_LAST
            );
        } else {
            out += &format!(
                "\n{unsettled} ratio(s) marked ? did not settle within {} rounds \
                 (median still moving >= {:.0}%): the machine was too noisy for them\n",
                settings.max_rounds,
                bench::STABLE_WITHIN * 100.0
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

/// `0.93`, or `1.2e-5` for ratios too small for two decimals.
fn ratio_text(x: f64) -> String {
    if x >= 0.01 || x == 0.0 { format!("{x:.2}") } else { format!("{x:.1e}") }
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

/// The glibc tunable that turns `rep movsb` off for every copy size.
pub const MEMCPY_TUNABLE: &str = "glibc.cpu.x86_rep_movsb_threshold=4294967295";

/// Runs this process again with glibc's `rep movsb` copies turned off
/// ([`MEMCPY_TUNABLE`]), unless the tunable is set already or
/// `FRAMELAB_BENCH_MEMCPY=default`. On an AMD EPYC here, `raw` at 16 B
/// (64 KiB reads appended to a buffer: nothing but copies) gave 2 GB/s in
/// some whole runs and 35 GB/s in others, and rows at 64 KiB moved up to
/// 18 times; with the tunable every row held within 1.3 over whole runs.
/// Glibc reads tunables only when a process starts, hence the exec; it
/// does not return when it succeeds, and on failure the bench goes on as
/// it is.
fn steady_memcpy() {
    #[cfg(all(target_os = "linux", target_env = "gnu", target_arch = "x86_64"))]
    {
        use std::os::unix::process::CommandExt;
        let tunables = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
        if tunables.contains("x86_rep_movsb_threshold")
            || std::env::var("FRAMELAB_BENCH_MEMCPY").is_ok_and(|v| v == "default")
        {
            return;
        }
        let Ok(exe) = std::env::current_exe() else { return };
        let value =
            if tunables.is_empty() { MEMCPY_TUNABLE.to_owned() } else { format!("{tunables}:{MEMCPY_TUNABLE}") };
        let err = std::process::Command::new(exe).args(std::env::args_os().skip(1)).env("GLIBC_TUNABLES", value).exec();
        tracing::warn!("could not run again with {MEMCPY_TUNABLE}: {err}; rows may move between runs");
    }
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
        let t = table(&rows, &[], &Settings::quick());
        let lp = t.lines().find(|l| l.contains("length-prefix")).unwrap();
        assert!(lp.contains("2.00x LengthDelimited") && lp.contains("0.13x raw"), "{lp}");
        assert!(t.contains("64 B"), "{t}");
    }

    #[test]
    fn the_takeaway_names_the_fastest_own_strategy_for_small_and_large_frames() {
        let rows = vec![
            row("raw", 64, 30e9),
            row("length-prefix", 64, 4e9),
            row("length-prefix slices", 64, 12e9),
            row("naive slices", 64, 20e9),
            row("tokio-util LengthDelimitedCodec", 64, 2e9),
            row("raw", 1 << 20, 30e9),
            row("length-prefix", 1 << 20, 15e9),
            row("tokio-util LengthDelimitedCodec", 1 << 20, 10e9),
        ];
        let t = takeaway(&rows);
        assert!(t.starts_with("what to pick here"), "{t}");
        let small = t.lines().find(|l| l.contains("small frames")).unwrap();
        assert!(small.contains("length-prefix slices") && small.contains("6.00x LengthDelimited"), "{small}");
        assert!(small.contains("0.40x raw"), "{small}");
        let large = t.lines().find(|l| l.contains("large frames")).unwrap();
        assert!(large.contains(": length-prefix (") && large.contains("1.50x LengthDelimited"), "{large}");
        assert!(t.contains("columns below"), "{t}");
    }

    #[test]
    fn tiny_ratios_keep_two_digits() {
        assert_eq!(ratio_text(0.934), "0.93");
        assert_eq!(ratio_text(0.0000123), "1.2e-5");
    }

    #[test]
    fn si_prefixes() {
        assert_eq!(si(1.71e9, "B"), "1.71GB");
        assert_eq!(si(52_300_000.0, ""), "52.30M");
        assert_eq!(si(12.0, "B"), "12.00B");
    }
}
