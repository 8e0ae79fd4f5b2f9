//! What each framing strategy costs, measured without criterion: the
//! comparisons `framelab bench` prints, usable from your own code.
//!
//! A mode is one kind of comparison. [`Mode::Codec`] decodes pre-encoded
//! streams in memory (see [`codec`]); [`Mode::Loopback`] sends them end to
//! end over 127.0.0.1 and decodes every frame on the receiving side, beside
//! a `raw` stream and the tutorials' handshake and sleep-between-sends
//! workarounds (see [`loopback`]). Every row is timed in several rounds,
//! the rows of one size interleaved round by round so that a burst of load
//! elsewhere on the machine hits them all alike, and the median round is
//! reported. Rounds are timed with the thread's CPU clock where there is
//! one ([`clock_name`]), so time the process spends descheduled does not
//! count; loopback mode runs both ends on that one thread for this reason
//! ([`Ends::OneThread`], the default), except its sleep row, timed with the
//! wall clock. Ratios between rows of one run are far more stable than
//! absolute numbers on a shared machine; compare those.
//!
//! ```
//! use std::time::Duration;
//! use framelab::bench::{self, Mode, Settings};
//!
//! let settings = Settings { rounds: 1, max_rounds: 1, round_time: Duration::from_millis(1), sizes: vec![64], ..Settings::quick() };
//! let rows = bench::run(Mode::Codec, &settings, &mut |_| {}).unwrap();
//! let lp = rows.iter().find(|r| r.name == "length-prefix").unwrap();
//! assert!(bench::ratio(&rows, lp, "tokio-util LengthDelimitedCodec").is_some());
//!
//! let rows = bench::run(Mode::Loopback, &settings, &mut |_| {}).unwrap();
//! let lp = rows.iter().find(|r| r.name == "length-prefix").unwrap();
//! assert!(bench::ratio(&rows, lp, "raw").is_some());
//! ```
//!
//! # Note
//!
//! Nothing here asserts timings: a slow machine gives small numbers, never
//! a failure. `frames_per_sec` of the `raw` row is the number of messages
//! of that size its bytes per second amount to; for `naive` it counts the
//! messages sent, not the pieces the reads were cut into.

pub mod codec;
pub mod loopback;
pub mod plot;

use std::fmt;
use std::hint::black_box;
use std::time::{Duration, Instant};

use serde::Serialize;

use self::codec::{Subject, Workload};
pub use self::loopback::Ends;
use self::loopback::{Link, Loopback, Row};
use crate::units::Size;
use strum::VariantArray;

/// A kind of comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Decoders fed in memory, as `FramedRead` feeds them.
    Codec,
    /// End to end over 127.0.0.1, timed as [`Settings::ends`] says (by
    /// default both ends on one thread, its CPU clock: the one-core cost).
    Loopback,
    /// End to end over 127.0.0.1, client and receiver on two threads,
    /// timed with the wall clock: two-thread throughput. No sleep row.
    #[serde(rename = "loopback-2threads")]
    LoopbackTwoThreads,
}

impl Mode {
    /// Every mode, in report order.
    pub const ALL: [Mode; 3] = [Mode::Codec, Mode::Loopback, Mode::LoopbackTwoThreads];

    /// The mode's name in reports and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Codec => "codec",
            Mode::Loopback => "loopback",
            Mode::LoopbackTwoThreads => "loopback-2threads",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One measured row: the JSON shape of `framelab bench --format json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchResult {
    /// A strategy (`length-prefix`, ...) or a baseline
    /// (`tokio-util LinesCodec`, `raw`, ...).
    pub name: String,
    /// Which comparison the row belongs to.
    pub mode: Mode,
    /// Message payload size in bytes.
    pub size: usize,
    /// Messages per second (median round).
    pub frames_per_sec: f64,
    /// Message payload bytes per second (median round).
    pub bytes_per_sec: f64,
}

/// How long and how often to measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Timed rounds per row at least; the median is reported.
    pub rounds: usize,
    /// Rounds per row at most: rounds go on past `rounds` until every
    /// row's ratio to its baselines is stable ([`STABLE_WITHIN`]) or this
    /// many have run.
    pub max_rounds: usize,
    /// Target duration of one round of one row.
    pub round_time: Duration,
    /// Message sizes, in bytes.
    pub sizes: Vec<usize>,
    /// Where loopback mode runs the two ends of its connections.
    pub ends: Ends,
}

impl Settings {
    /// `--quick`: 7 to 15 rounds of 40 ms per row, about 20-40 s for codec
    /// mode and as much for each loopback mode on 2 cores.
    pub fn quick() -> Settings {
        Settings {
            rounds: 7,
            max_rounds: 15,
            round_time: Duration::from_millis(40),
            sizes: codec::SIZES.to_vec(),
            ends: Ends::default(),
        }
    }

    /// The default: 11 to 31 rounds of 100 ms per row, one to three
    /// minutes per mode.
    pub fn full() -> Settings {
        Settings {
            rounds: 11,
            max_rounds: 31,
            round_time: Duration::from_millis(100),
            sizes: codec::SIZES.to_vec(),
            ends: Ends::default(),
        }
    }
}

/// Where a run has got to, for progress bars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The mode running.
    pub mode: Mode,
    /// Steps done so far.
    pub done: u64,
    /// Steps in this mode's run.
    pub total: u64,
    /// What is being measured now (`64 B length-prefix`).
    pub label: String,
}

/// A mode that could not run to the end.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A socket, thread or runtime of loopback mode failed, or a receiving
    /// end decoded other than what was sent.
    #[error("{mode} mode: {what}: {source}")]
    Io {
        /// The mode running.
        mode: Mode,
        /// What was being done (`64 B length-prefix`, ...).
        what: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// Runs one mode and returns its rows, size by size, in [`Subject::all`]
/// (codec) or [`Row::VARIANTS`] (loopback) order within a size. `progress` is
/// called after every timed step.
///
/// # Errors
/// Loopback mode only: see [`BenchError::Io`]. Codec mode cannot fail.
pub fn run(
    mode: Mode,
    settings: &Settings,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Vec<BenchResult>, BenchError> {
    run_report(mode, settings, progress).map(|r| r.rows)
}

/// [`run`], with every row's ratio to each of its baselines over the
/// rounds ([`RatioStat`]).
///
/// # Errors
/// As [`run`].
pub fn run_report(mode: Mode, settings: &Settings, progress: &mut dyn FnMut(&Progress)) -> Result<Report, BenchError> {
    match mode {
        Mode::Codec => Ok(run_codec(settings, progress)),
        Mode::Loopback => run_loopback(mode, settings.ends, settings, progress),
        Mode::LoopbackTwoThreads => run_loopback(mode, Ends::TwoThreads, settings, progress),
    }
}

/// What [`run_report`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// One row per subject and size, as [`run`] returns.
    pub rows: Vec<BenchResult>,
    /// Every row's ratio to each of its baselines, size by size.
    pub ratios: Vec<RatioStat>,
}

/// How far the median of a ratio may move when the last
/// [`STABLE_LAST`] rounds are added for it to count as stable: 3%.
pub const STABLE_WITHIN: f64 = 0.03;

/// Rounds whose addition must not move a ratio's median by more than
/// [`STABLE_WITHIN`].
pub const STABLE_LAST: usize = 2;

/// One row's throughput over one baseline's, round by round: each round
/// times every row of a size once, interleaved, so the two figures of a
/// round share the machine's state, and their ratio is steadier than
/// either. The JSON shape of `"ratios"` in `framelab bench --format json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatioStat {
    /// The mode.
    pub mode: Mode,
    /// Message payload size in bytes.
    pub size: usize,
    /// The row.
    pub name: String,
    /// The baseline row.
    pub baseline: String,
    /// Median over rounds of (row bytes/s ÷ baseline bytes/s).
    pub ratio: f64,
    /// Lower quartile of the per-round ratios.
    pub low: f64,
    /// Upper quartile of the per-round ratios.
    pub high: f64,
    /// Rounds paired.
    pub rounds: usize,
    /// Whether adding the last [`STABLE_LAST`] rounds moved the median by
    /// less than [`STABLE_WITHIN`].
    pub stable: bool,
}

impl RatioStat {
    /// Half the interquartile range, as a fraction of the ratio: the
    /// spread printed as `±`.
    pub fn spread(&self) -> f64 {
        if self.ratio > 0.0 { (self.high - self.low) / 2.0 / self.ratio } else { 0.0 }
    }
}

/// The names of every row a mode reports at each size, in report order.
pub fn row_names(mode: Mode) -> Vec<&'static str> {
    match mode {
        Mode::Codec => Subject::all().iter().map(|s| s.name()).collect(),
        Mode::Loopback => Row::VARIANTS.iter().map(|r| r.name()).collect(),
        Mode::LoopbackTwoThreads => two_thread_rows().map(|r| r.name()).collect(),
    }
}

/// The rows of [`Mode::LoopbackTwoThreads`]: all but the sleep row, which
/// is wall-clock time in either mode and the same figure.
fn two_thread_rows() -> impl Iterator<Item = Row> {
    Row::VARIANTS.iter().copied().filter(|r| *r != Row::Sleep)
}

/// The rows a row is compared with, in a mode: in codec mode its
/// tokio-util counterparts, then `raw`; in loopback mode those of
/// [`Row::baselines`]: `raw`, then `raw held` for the streaming framings
/// that hand out whole messages, with `length-prefix` first for the
/// handshake and `naive` first for the sleep row. Empty for `raw` and for
/// unknown names.
pub fn baselines(mode: Mode, name: &str) -> Vec<&'static str> {
    match mode {
        Mode::Codec => Subject::from_name(name).map(|s| s.baselines().iter().map(|b| b.name()).collect()),
        Mode::Loopback | Mode::LoopbackTwoThreads => {
            Row::from_name(name).map(|r| r.baselines().iter().map(|b| b.name()).collect())
        }
    }
    .unwrap_or_default()
}

/// `row`'s throughput divided by the throughput of the row named
/// `baseline` of the same mode and size, if `rows` holds one.
pub fn ratio(rows: &[BenchResult], row: &BenchResult, baseline: &str) -> Option<f64> {
    rows.iter()
        .find(|b| b.name == baseline && b.mode == row.mode && b.size == row.size)
        .filter(|b| b.bytes_per_sec > 0.0)
        .map(|b| row.bytes_per_sec / b.bytes_per_sec)
}

/// The median of `samples` (the mean of the middle two for an even count).
///
/// # Panics
/// If `samples` is empty.
pub fn median(samples: &[f64]) -> f64 {
    assert!(!samples.is_empty(), "median of nothing");
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    if s.len() % 2 == 1 { s[m] } else { (s[m - 1] + s[m]) / 2.0 }
}

/// The rows of one size, measured round after round, interleaved.
struct Rounds {
    /// Row names, in report order.
    names: Vec<&'static str>,
    /// Seconds per unit, one per round, for each row.
    samples: Vec<Vec<f64>>,
    /// Payload bytes per unit, for each row (the handshake's unit is one
    /// message, a stream row's a whole stream).
    payload: Vec<f64>,
    /// Rows measured in at most this many rounds (the sleep row).
    capped: Vec<Option<usize>>,
}

impl Rounds {
    fn new(names: Vec<&'static str>, payload: Vec<f64>, capped: Vec<Option<usize>>) -> Rounds {
        Rounds { samples: vec![Vec::new(); names.len()], names, payload, capped }
    }

    /// Runs rounds with `measure(row index)` until at least
    /// `settings.rounds` and every ratio is stable, or `max_rounds`.
    /// Each round starts one row further on, so no row always runs right
    /// after the same neighbour (whose leftovers in the caches and the
    /// heap would always fall on it).
    fn run<E>(
        &mut self,
        mode: Mode,
        settings: &Settings,
        mut measure: impl FnMut(usize) -> Result<f64, E>,
    ) -> Result<(), E> {
        let min = settings.rounds.max(1);
        let max = settings.max_rounds.max(min);
        let n = self.names.len();
        for round in 0..max {
            for k in 0..n {
                let i = (k + round) % n;
                if self.capped[i].is_some_and(|c| self.samples[i].len() >= c) {
                    continue;
                }
                let secs = measure(i)?;
                self.samples[i].push(secs);
            }
            if round + 1 >= min && self.stats(mode, 0).iter().all(|r| r.stable) {
                break;
            }
        }
        Ok(())
    }

    /// The ratio statistics of every row to each of its baselines.
    fn stats(&self, mode: Mode, size: usize) -> Vec<RatioStat> {
        let mut out = Vec::new();
        for (i, name) in self.names.iter().enumerate() {
            for b in baselines(mode, name) {
                let Some(j) = self.names.iter().position(|n| *n == b) else { continue };
                let paired = self.samples[i].len().min(self.samples[j].len());
                if paired == 0 {
                    continue;
                }
                let bps = |k: usize, r: usize| self.payload[k] / self.samples[k][r].max(f64::MIN_POSITIVE);
                let per_round: Vec<f64> = (0..paired).map(|r| bps(i, r) / bps(j, r).max(f64::MIN_POSITIVE)).collect();
                let ratio = median(&per_round);
                let capped = self.capped[i].is_some() || self.capped[j].is_some();
                let stable = capped
                    || (paired > STABLE_LAST && {
                        let before = median(&per_round[..paired - STABLE_LAST]);
                        (ratio / before - 1.0).abs() < STABLE_WITHIN
                    });
                out.push(RatioStat {
                    mode,
                    size,
                    name: name.to_string(),
                    baseline: b.to_string(),
                    ratio,
                    low: quantile(&per_round, 0.25),
                    high: quantile(&per_round, 0.75),
                    rounds: paired,
                    stable,
                });
            }
        }
        out
    }
}

/// The `q` quantile of `samples` (linear between closest ranks).
///
/// # Panics
/// If `samples` is empty.
pub fn quantile(samples: &[f64], q: f64) -> f64 {
    assert!(!samples.is_empty(), "quantile of nothing");
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let at = q.clamp(0.0, 1.0) * (s.len() - 1) as f64;
    let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
    s[lo] + (s[hi] - s[lo]) * (at - lo as f64)
}

/// Codec mode: every [`Subject`] at every size, decoding [`Workload`]s.
fn run_codec(settings: &Settings, progress: &mut dyn FnMut(&Progress)) -> Report {
    let mode = Mode::Codec;
    let total = (settings.sizes.len() * Subject::all().len() * (settings.rounds.max(1) + 1)) as u64;
    let mut done = 0;
    let mut step = |label: String, progress: &mut dyn FnMut(&Progress)| {
        done += 1;
        progress(&Progress { mode, done, total: total.max(done), label });
    };
    let mut report = Report { rows: Vec::new(), ratios: Vec::new() };
    for &size in &settings.sizes {
        let mut cells: Vec<(Workload, u64)> = Vec::new();
        for &subject in Subject::all() {
            let w = Workload::new(subject, size);
            let iters = calibrate(|| black_box(w.decode()), settings.round_time);
            cells.push((w, iters));
            step(format!("{:#} {}", Size(size), subject.name()), progress);
        }
        let mut rounds = Rounds::new(
            Subject::all().iter().map(|s| s.name()).collect(),
            cells.iter().map(|(w, _)| w.payload_bytes() as f64).collect(),
            vec![None; cells.len()],
        );
        let _ = rounds.run(mode, settings, |i| {
            let (w, iters) = &cells[i];
            let start = Stopwatch::start();
            for _ in 0..*iters {
                black_box(w.decode());
            }
            let secs = start.elapsed().as_secs_f64() / *iters as f64;
            step(format!("{:#} {}", Size(size), w.subject().name()), progress);
            Ok::<f64, std::convert::Infallible>(secs)
        });
        for ((w, _), samples) in cells.iter().zip(&rounds.samples) {
            let secs = median(samples).max(f64::MIN_POSITIVE);
            report.rows.push(BenchResult {
                name: w.subject().name().to_string(),
                mode,
                size,
                frames_per_sec: w.messages() as f64 / secs,
                bytes_per_sec: w.payload_bytes() as f64 / secs,
            });
        }
        report.ratios.extend(rounds.stats(mode, size));
    }
    report
}

/// Rounds of the sleep row per size, at most: each is whole tenths of a
/// second of sleeping, and what it shows (about 10 messages a second)
/// does not need more.
pub const SLEEP_ROUNDS: usize = 3;

/// Messages per round of the sleep row: a tenth of the round time in
/// milliseconds, from 1 to 10 (4 with `--quick`, 10 by default).
pub fn sleep_messages(round_time: Duration) -> u64 {
    (round_time.as_millis() / 10).clamp(1, 10) as u64
}

/// Loopback mode: every [`Row`] at every size (no sleep row on two
/// threads), each over its own connection, rounds interleaved as in codec
/// mode.
fn run_loopback(
    mode: Mode,
    ends: Ends,
    settings: &Settings,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Report, BenchError> {
    let fail = |what: String| move |source| BenchError::Io { mode, what, source };
    let rows: Vec<Row> =
        if mode == Mode::LoopbackTwoThreads { two_thread_rows().collect() } else { Row::VARIANTS.to_vec() };
    let rounds_min = settings.rounds.max(1);
    let sleep_rounds = rounds_min.min(SLEEP_ROUNDS);
    let per_size = rows.len() * (rounds_min + 1);
    let total = (settings.sizes.len() * per_size) as u64;
    let mut done = 0;
    let mut step = |label: String, progress: &mut dyn FnMut(&Progress)| {
        done += 1;
        progress(&Progress { mode, done, total: total.max(done), label });
    };
    let lb = Loopback::with_ends(ends).map_err(fail("start the client and server ends".into()))?;
    let mut report = Report { rows: Vec::new(), ratios: Vec::new() };
    for &size in &settings.sizes {
        let mut cells: Vec<(Link<'_>, u64)> = Vec::new();
        for &row in &rows {
            let label = format!("{:#} {}", Size(size), row.name());
            let mut link = lb.link(row, size).map_err(fail(label.clone()))?;
            let units = match row {
                Row::Sleep => sleep_messages(settings.round_time),
                _ => calibrate_link(&mut link, settings.round_time).map_err(fail(label.clone()))?,
            };
            cells.push((link, units));
            step(label, progress);
        }
        let capped = rows.iter().map(|r| (*r == Row::Sleep).then_some(sleep_rounds)).collect();
        let payload = cells.iter().map(|(l, _)| l.payload_per_unit() as f64).collect();
        let mut rounds = Rounds::new(rows.iter().map(|r| r.name()).collect(), payload, capped);
        rounds.run(mode, settings, |i| {
            let (link, units) = &mut cells[i];
            let row = link.row();
            let label = format!("{:#} {}", Size(size), row.name());
            if row != Row::Sleep {
                // A fresh connection each round, warmed up by one untimed
                // unit. A connection kept from round to round keeps the
                // TCP state it fell into at its start for the whole run:
                // the same code then measured 0.94x raw in one run and
                // 1.32x in the next at 64 KiB (docs/benchmarks.md). A new
                // connection per round samples that state anew, and the
                // median over rounds no longer depends on one draw.
                *link = lb.link(row, size).map_err(fail(label.clone()))?;
                link.run(1).map_err(fail(label.clone()))?;
            }
            let took = link.run(*units).map_err(fail(label.clone()))?;
            step(label, progress);
            Ok(took.as_secs_f64() / *units as f64)
        })?;
        for ((link, _), samples) in cells.iter().zip(&rounds.samples) {
            let secs = median(samples).max(f64::MIN_POSITIVE);
            report.rows.push(BenchResult {
                name: link.row().name().to_string(),
                mode,
                size,
                frames_per_sec: link.messages_per_unit() as f64 / secs,
                bytes_per_sec: link.payload_per_unit() as f64 / secs,
            });
        }
        report.ratios.extend(rounds.stats(mode, size));
    }
    Ok(report)
}

/// [`calibrate`] for a loopback link, by the wall clock its runs report.
fn calibrate_link(link: &mut Link<'_>, round_time: Duration) -> std::io::Result<u64> {
    link.run(1)?;
    let mut batch = 1u64;
    loop {
        let took = link.run(batch)?;
        if took * 10 >= round_time || batch >= 1 << 16 {
            let per = took.as_secs_f64() / batch as f64;
            return Ok(((round_time.as_secs_f64() / per.max(1e-9)).ceil() as u64).clamp(1, 1 << 20));
        }
        batch *= 2;
    }
}

/// Runs `f` once to warm up, then doubles the batch until it takes a tenth
/// of `round_time`; returns the batch size that fills a round.
fn calibrate<T>(mut f: impl FnMut() -> T, round_time: Duration) -> u64 {
    f();
    let mut batch = 1u64;
    loop {
        let start = Stopwatch::start();
        for _ in 0..batch {
            f();
        }
        let took = start.elapsed();
        if took * 10 >= round_time || batch >= 1 << 20 {
            let per = took.as_secs_f64() / batch as f64;
            return ((round_time.as_secs_f64() / per.max(1e-9)).ceil() as u64).clamp(1, 1 << 24);
        }
        batch *= 2;
    }
}

/// Times a round with this thread's CPU clock where the OS has one
/// (`CLOCK_THREAD_CPUTIME_ID` on Unix), so that time spent descheduled while
/// other processes run is not counted; elsewhere with the wall clock. The
/// benched code is single-threaded and never blocks, so the two agree on an
/// idle machine; on a busy one the CPU clock is far steadier.
pub(crate) struct Stopwatch {
    wall: Instant,
    cpu: Option<Duration>,
}

impl Stopwatch {
    pub(crate) fn start() -> Stopwatch {
        Stopwatch { wall: Instant::now(), cpu: thread_cpu_time() }
    }

    pub(crate) fn elapsed(&self) -> Duration {
        match (self.cpu, thread_cpu_time()) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => self.wall.elapsed(),
        }
    }
}

/// CPU time consumed by the calling thread, if the platform reports it.
fn thread_cpu_time() -> Option<Duration> {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: clock_gettime only writes the timespec it is given, which
        // is a valid, exclusively borrowed local.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        if rc == 0 {
            return Some(Duration::new(u64::try_from(ts.tv_sec).ok()?, u32::try_from(ts.tv_nsec).ok()?));
        }
    }
    None
}

/// The clock [`run`] times rounds with, for reports.
pub fn clock_name() -> &'static str {
    if thread_cpu_time().is_some() { "thread CPU time" } else { "wall-clock time" }
}

/// The clock a mode's rounds are timed with (loopback: where `ends` puts
/// the two ends), and why that one.
pub fn clock(mode: Mode, ends: Ends) -> (&'static str, &'static str) {
    let cpu = thread_cpu_time().is_some();
    match (mode, ends) {
        (Mode::Codec, _) if cpu => (
            "thread CPU time",
            "decoding runs on this one thread and never blocks, so its CPU time is its cost; \
             time spent descheduled while other processes run is not counted",
        ),
        (Mode::Loopback, Ends::OneThread) if cpu => (
            "thread CPU time",
            "client, kernel TCP and receiver all run on this thread: its CPU time is what the whole path \
             costs on one core, whatever else the machine is doing (the sleep row: wall clock)",
        ),
        (Mode::Codec, _) | (Mode::Loopback, Ends::OneThread) => {
            ("wall-clock time", "this platform has no thread CPU clock")
        }
        (Mode::LoopbackTwoThreads, _) | (Mode::Loopback, Ends::TwoThreads) => (
            "wall-clock time",
            "the two ends overlap on two threads, and one thread's CPU time would miss the other's work; \
             means something only with two idle cores",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codec_mode_reports_every_subject_at_every_size() {
        let settings = Settings {
            rounds: 1,
            max_rounds: 1,
            round_time: Duration::from_micros(100),
            sizes: vec![16, 4096],
            ..Settings::quick()
        };
        let mut steps = Vec::new();
        let rows = run(Mode::Codec, &settings, &mut |p| steps.push(p.done)).unwrap();
        assert_eq!(rows.len(), 2 * Subject::all().len());
        assert!(rows.iter().all(|r| r.mode == Mode::Codec && r.bytes_per_sec > 0.0 && r.frames_per_sec > 0.0));
        assert_eq!(steps.last().copied(), Some(2 * Subject::all().len() as u64 * 2));
        for r in &rows {
            for b in baselines(r.mode, &r.name) {
                assert!(ratio(&rows, r, b).is_some(), "{} has no {b} row", r.name);
            }
        }
    }

    #[test]
    fn loopback_mode_reports_every_row_with_its_baselines() {
        let settings = Settings {
            rounds: 2,
            max_rounds: 2,
            round_time: Duration::from_millis(1),
            sizes: vec![64],
            ..Settings::quick()
        };
        let mut steps = Vec::new();
        let rows = run(Mode::Loopback, &settings, &mut |p| steps.push((p.done, p.total))).unwrap();
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, row_names(Mode::Loopback));
        assert!(rows.iter().all(|r| r.mode == Mode::Loopback && r.bytes_per_sec > 0.0 && r.frames_per_sec > 0.0));
        let (last, total) = steps.last().copied().unwrap();
        assert_eq!(last, total);
        for r in &rows {
            for b in baselines(r.mode, &r.name) {
                assert!(ratio(&rows, r, b).is_some(), "{} has no {b} row", r.name);
            }
        }
    }

    #[test]
    fn json_rows_have_the_documented_keys() {
        let r =
            BenchResult { name: "raw".into(), mode: Mode::Codec, size: 64, frames_per_sec: 1.0, bytes_per_sec: 64.0 };
        let v = serde_json::to_value(&r).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        assert_eq!(keys.len(), 5);
        for k in ["name", "mode", "size", "frames_per_sec", "bytes_per_sec"] {
            assert!(keys.contains(&k), "{keys:?}");
        }
        assert_eq!(v["mode"], "codec");
    }

    #[test]
    fn rounds_stop_once_ratios_settle_and_go_on_to_the_maximum_while_they_drift() {
        let settings = Settings { rounds: 3, max_rounds: 20, ..Settings::quick() };
        let steady = |i: usize| Ok::<f64, ()>(if i == 0 { 1.0 } else { 2.0 });
        let mut r = Rounds::new(vec!["raw", "naive"], vec![1.0, 1.0], vec![None, None]);
        r.run(Mode::Codec, &settings, steady).unwrap();
        assert_eq!(r.samples[1].len(), 3);
        let stats = r.stats(Mode::Codec, 64);
        assert_eq!(stats.len(), 1);
        assert!(stats[0].stable && (stats[0].ratio - 0.5).abs() < 1e-9 && stats[0].spread() == 0.0, "{stats:?}");

        // The row gets 10% slower every round: its ratio never settles.
        let mut slower = 1.0;
        let mut r = Rounds::new(vec!["raw", "naive"], vec![1.0, 1.0], vec![None, None]);
        r.run(Mode::Codec, &settings, |i| {
            if i == 1 {
                slower *= 1.1;
            }
            Ok::<f64, ()>(if i == 0 { 1.0 } else { slower })
        })
        .unwrap();
        assert_eq!(r.samples[1].len(), 20);
        let stats = r.stats(Mode::Codec, 64);
        assert!(!stats[0].stable && stats[0].low < stats[0].ratio && stats[0].ratio < stats[0].high, "{stats:?}");
    }

    #[test]
    fn quantiles() {
        assert_eq!(quantile(&[4.0, 1.0, 3.0, 2.0, 5.0], 0.25), 2.0);
        assert_eq!(quantile(&[1.0, 2.0], 0.5), 1.5);
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
