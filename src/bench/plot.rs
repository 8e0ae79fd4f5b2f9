//! `framelab bench --plot FILE.svg`: payload bytes per second against
//! message size, log-log, one panel per mode and one line per row, so the
//! gap between each strategy and its baselines can be seen at a glance.
//!
//! ```no_run
//! use std::time::Duration;
//! use framelab::bench::{self, Mode, Settings};
//!
//! let sizes = vec![64, 65536];
//! let settings = Settings { rounds: 3, max_rounds: 3, round_time: Duration::from_millis(10), sizes, ..Settings::quick() };
//! let rows = bench::run(Mode::Codec, &settings, &mut |_| {}).unwrap();
//! bench::plot::svg(&rows, std::path::Path::new("codec.svg")).unwrap();
//! ```
//!
//! # Note
//!
//! The SVG backend writes text as `<text>` elements in a generic
//! `sans-serif` font; nothing loads a font file.

use std::path::Path;

use plotters::prelude::*;

use super::{BenchResult, Mode, row_names};

/// Width and height of one panel, in pixels.
const PANEL: (u32, u32) = (960, 540);

/// Draws `rows` to an SVG file at `path`: one panel per mode that has
/// rows, in [`Mode::ALL`] order.
///
/// # Errors
/// The file cannot be written, or `rows` is empty.
pub fn svg(rows: &[BenchResult], path: &Path) -> anyhow::Result<()> {
    let modes: Vec<Mode> = Mode::ALL.into_iter().filter(|m| rows.iter().any(|r| r.mode == *m)).collect();
    anyhow::ensure!(!modes.is_empty(), "nothing to plot");
    let root = SVGBackend::new(path, (PANEL.0, PANEL.1 * modes.len() as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    for (area, mode) in root.split_evenly((modes.len(), 1)).iter().zip(modes) {
        panel(area, rows, mode)?;
    }
    root.present()?;
    Ok(())
}

fn panel(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    rows: &[BenchResult],
    mode: Mode,
) -> anyhow::Result<()> {
    let mine: Vec<&BenchResult> = rows.iter().filter(|r| r.mode == mode && r.bytes_per_sec > 0.0).collect();
    let (lo_x, hi_x) = bounds(mine.iter().map(|r| r.size as f64));
    let (lo_y, hi_y) = bounds(mine.iter().map(|r| r.bytes_per_sec));
    let caption = match mode {
        Mode::Codec => "codec mode: decode, payload bytes/s (in memory, 64 KiB reads)",
        Mode::Loopback => "loopback mode: payload bytes/s end to end over 127.0.0.1, one core (CPU time)",
        Mode::LoopbackTwoThreads => "loopback-2threads mode: payload bytes/s over 127.0.0.1, two threads (wall clock)",
    };
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d((lo_x / 1.5..hi_x * 1.5).log_scale(), (lo_y / 2.0..hi_y * 2.0).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("message size")
        .y_desc("payload bytes/s")
        .x_label_formatter(&|x| decimal_size(*x))
        .y_label_formatter(&|y| si(*y))
        .draw()?;
    for (i, name) in row_names(mode).into_iter().enumerate() {
        let mut points: Vec<(f64, f64)> =
            mine.iter().filter(|r| r.name == name).map(|r| (r.size as f64, r.bytes_per_sec)).collect();
        if points.is_empty() {
            continue;
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let color = Palette99::pick(i).to_rgba();
        let style = if name == super::codec::RAW { color.stroke_width(3) } else { color.stroke_width(2) };
        chart
            .draw_series(LineSeries::new(points.clone(), style))?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
        chart.draw_series(points.into_iter().map(|p| Circle::new(p, 3, color.filled())))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

/// The smallest and largest of `values` (1 and 10 when there are none).
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values
        .fold(None, |acc: Option<(f64, f64)>, v| Some(acc.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v)))))
        .unwrap_or((1.0, 10.0))
}

/// `100 B`, `1 kB`, `10 kB`: the log axis puts its ticks at powers of ten.
fn decimal_size(x: f64) -> String {
    match x {
        x if x >= 1e6 => format!("{:.0} MB", x / 1e6),
        x if x >= 1e3 => format!("{:.0} kB", x / 1e3),
        x => format!("{x:.0} B"),
    }
}

/// `1.5 GB/s`-style labels (decimal prefixes).
fn si(v: f64) -> String {
    match v {
        v if v >= 1e9 => format!("{:.0} GB/s", v / 1e9),
        v if v >= 1e6 => format!("{:.0} MB/s", v / 1e6),
        v if v >= 1e3 => format!("{:.0} kB/s", v / 1e3),
        v => format!("{v:.0} B/s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_one_panel_per_mode_with_a_line_per_row() {
        let mut rows = Vec::new();
        for (mode, name) in [(Mode::Codec, "raw"), (Mode::Codec, "length-prefix"), (Mode::Loopback, "handshake")] {
            for size in [64, 65536] {
                let bps = 1e6 * size as f64;
                rows.push(BenchResult {
                    name: name.into(),
                    mode,
                    size,
                    frames_per_sec: bps / size as f64,
                    bytes_per_sec: bps,
                });
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bench.svg");
        svg(&rows, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("<svg"), "{}", &text[..80]);
        for label in ["codec mode", "loopback mode", "length-prefix", "handshake", "10 kB"] {
            assert!(text.contains(label), "no {label:?} in the plot");
        }
        assert!(svg(&[], &path).is_err());
    }
}
