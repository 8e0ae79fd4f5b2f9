//! The HTML report (`run --html FILE`, `explore --html FILE`): one
//! self-contained file, inline CSS and SVG, no script and no network.
//! Per scenario: the verdict (colour-coded), the expectation, the seed,
//! the replay command, and a timeline of the first connection:
//!
//! ```text
//! time      |  .   .          .              ticks: when each write() was made
//! write()s  [hello][world              ]     blocks: sized by bytes
//! as sent   [-msg 1-][------msg 2------]     brackets: the frames
//! bytes      h e l l o w o r l d            text where printable, hex otherwise
//! as read   [-----------msg 1----------]     merged / cut / misread marked red
//! read()s   [                          ]     the server's reads
//! time      |    .                           ticks: when each read() returned
//! ```
//!
//! Written with maud, which escapes every `(value)` spliced in: scenario
//! names, details and peer bytes are untrusted. Text is also cleaned of
//! the characters XML forbids, so the file parses as XHTML too.
//!
//! # Limits
//!
//! A lane draws at most [`MAX_DRAWN`] blocks or brackets: past that,
//! neighbours are drawn as one (its `data-count` says how many), so a
//! 1,000-message stress scenario stays small. Events a recording bound
//! dropped are drawn as one last block of their bytes (class `dropped`).
//! The byte text shows at most [`BYTES_SHOWN`] bytes, the middle elided
//! with a count.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{Reporter, RunEvent};
use crate::run::{Chunk, ScenarioResult, Span, WireRecord};

/// Most blocks or brackets drawn per lane.
pub const MAX_DRAWN: usize = 400;
/// Bytes of the stream shown as text; longer streams are elided.
pub const BYTES_SHOWN: usize = 72;

const LEFT: f64 = 120.0;
const PLOT: f64 = 960.0;
const WIDTH: f64 = LEFT + PLOT + 20.0;

const CSS: &str = r#"
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; background: #fff; }
h1 { font-size: 1.4em; margin: 0 0 .3em; }
.summary { margin-bottom: 1em; }
section { border: 1px solid #ccc; border-radius: 6px; padding: .6em 1em 1em; margin: 0 0 1.2em; }
h2 { font-size: 1.1em; margin: .2em 0 .4em; }
.badge { display: inline-block; padding: .1em .5em; border-radius: 4px; color: #fff; font-weight: 600; font-size: .9em; }
.pass { background: #2e7d32; } .fail { background: #c62828; } .skip { background: #757575; }
table.overview { border-collapse: collapse; margin: 0 0 1.5em; font-size: .92em; }
table.overview th, table.overview td { text-align: left; padding: .15em .6em; border-bottom: 1px solid #eee; }
.v-intact { background: #2e7d32; } .v-rejected { background: #00838f; } .v-inconclusive { background: #757575; }
.v-hang { background: #ef6c00; } .v-error { background: #424242; } .v-skipped { background: #757575; }
.v-coalesced, .v-split, .v-desync, .v-truncated, .v-lost, .v-closed { background: #c62828; }
dl { display: grid; grid-template-columns: max-content auto; gap: .15em 1em; margin: .3em 0 .6em; font-size: .92em; }
dt { color: #555; } dd { margin: 0; }
code { background: #f3f3f3; padding: .05em .3em; border-radius: 3px; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-family: ui-monospace, monospace; font-size: 11px; fill: #222; }
svg .lane { fill: #555; font-family: system-ui, sans-serif; font-size: 12px; }
svg .write { fill: #90caf9; stroke: #1565c0; }
svg .read { fill: #a5d6a7; stroke: #2e7d32; }
svg .reply-read { fill: #ffe082; stroke: #ff8f00; }
svg .target-write { fill: #ce93d8; stroke: #6a1b9a; }
svg .dropped { fill: #e0e0e0; stroke: #9e9e9e; stroke-dasharray: 3 2; }
svg .sent path { stroke: #1565c0; fill: none; stroke-width: 1.5; }
svg .understood path, svg .reply path { stroke: #2e7d32; fill: none; stroke-width: 1.5; }
svg .bad path { stroke: #c62828; stroke-width: 2.5; }
svg .bad text { fill: #c62828; font-weight: 700; }
svg .mark { stroke: #c62828; stroke-width: 2; stroke-dasharray: 4 3; }
svg .tick { stroke: #888; stroke-width: 1; }
svg .axis { stroke: #bbb; stroke-width: 1; }
svg .hex { fill: #8e24aa; font-size: 9px; }
svg .note { fill: #666; font-family: system-ui, sans-serif; font-size: 11px; }
"#;

/// Text with the characters XML cannot carry (controls other than tab
/// and newline, U+FFFE, U+FFFF) written as `\xNN` / `\u{..}`; maud then
/// escapes the markup characters.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn fmt_us(us: u64) -> String {
    if us < 1000 {
        format!("{us} µs")
    } else if us < 1_000_000 {
        format!("{:.1} ms", us as f64 / 1000.0)
    } else {
        format!("{:.2} s", us as f64 / 1e6)
    }
}

/// A block or bracket to draw: possibly several neighbours as one.
struct Item {
    offset: u64,
    len: u64,
    count: usize,
    t_us: Option<u64>,
}

/// `list` as at most [`MAX_DRAWN`] items: neighbours grouped evenly.
fn grouped(list: impl ExactSizeIterator<Item = (u64, u64, Option<u64>)>) -> Vec<Item> {
    let per = list.len().div_ceil(MAX_DRAWN).max(1);
    let mut out: Vec<Item> = Vec::new();
    for (i, (offset, len, t_us)) in list.enumerate() {
        match out.last_mut() {
            Some(last) if i % per != 0 => {
                last.len += len;
                last.count += 1;
            }
            _ => out.push(Item { offset, len, count: 1, t_us }),
        }
    }
    out
}

/// The byte axis: offset to x.
struct Axis {
    total: u64,
}

impl Axis {
    fn x(&self, off: u64) -> f64 {
        LEFT + PLOT * (off.min(self.total) as f64) / (self.total.max(1) as f64)
    }
    fn w(&self, off: u64, len: u64) -> f64 {
        (self.x(off + len) - self.x(off)).max(0.5)
    }
}

/// Blocks of a lane (writes or reads) whose bytes add up: the recorded
/// chunks, grouped, plus one block for what the recording dropped.
fn blocks(chunks: &[Chunk], total: u64, dropped: u64) -> (Vec<Item>, Option<Item>) {
    let items = grouped(chunks.iter().map(|c| (c.offset, c.len, c.t_us)));
    let listed: u64 = chunks.iter().map(|c| c.len).sum();
    let rest = total.saturating_sub(listed);
    let end = chunks.last().map_or(0, |c| c.offset + c.len);
    let extra =
        (dropped > 0 || rest > 0).then_some(Item { offset: end, len: rest, count: dropped as usize, t_us: None });
    (items, extra)
}

fn lane_blocks(axis: &Axis, y: f64, class: &str, what: &str, items: &[Item], extra: Option<&Item>) -> Markup {
    html! {
        @for it in items {
            @let (x, w) = (axis.x(it.offset), axis.w(it.offset, it.len));
            rect class=(class) x=(fx(x)) y=(fx(y)) width=(fx(w)) height="20" data-bytes=(it.len) data-count=(it.count) data-offset=(it.offset) {
                title {
                    (if it.count > 1 { format!("{} {what}s, ", it.count) } else { format!("{what}: ") })
                    (it.len) " bytes at offset " (it.offset)
                    @if let Some(t) = it.t_us { ", t = " (fmt_us(t)) }
                }
            }
            @if w > 34.0 {
                text x=(fx(x + 3.0)) y=(fx(y + 14.0)) { (it.len) " B" (if it.count > 1 { format!(" ×{}", it.count) } else { String::new() }) }
            }
        }
        @if let Some(it) = extra {
            rect class={ (class) " dropped" } x=(fx(axis.x(it.offset))) y=(fx(y)) width=(fx(axis.w(it.offset, it.len))) height="20" data-bytes=(it.len) data-count=(it.count) {
                title {
                    @if it.count > 0 { (it.count) " more " (what) "(s) past the recording bound: " } @else { (what) "s not recorded by this client: " }
                    (it.len) " bytes"
                }
            }
        }
    }
}

/// Tick marks on a time lane (from `t.0` to `t.1`, µs since the
/// scenario started) and a thin line from each to its block.
fn time_ticks(axis: &Axis, items: &[Item], t: (u64, u64), y_tick: f64, y_block: f64) -> Markup {
    let (tmin, tmax) = t;
    let tx = |v: u64| LEFT + PLOT * (v.saturating_sub(tmin) as f64) / (tmax.saturating_sub(tmin).max(1) as f64);
    let y_label = if y_tick < y_block { y_tick - 6.0 } else { y_tick + 14.0 };
    html! {
        line class="axis" x1=(fx(LEFT)) y1=(fx(y_tick)) x2=(fx(LEFT + PLOT)) y2=(fx(y_tick)) {}
        @for it in items.iter().filter(|i| i.t_us.is_some()) {
            @let t = it.t_us.unwrap_or(0);
            line class="tick" x1=(fx(tx(t))) y1=(fx(y_tick - 4.0)) x2=(fx(tx(t))) y2=(fx(y_tick + 4.0)) {}
            @if items.len() <= 60 {
                line class="tick" stroke-opacity="0.35" x1=(fx(tx(t))) y1=(fx(y_tick)) x2=(fx(axis.x(it.offset))) y2=(fx(y_block)) {}
            }
        }
        text class="note" x=(fx(LEFT)) y=(fx(y_label)) { "t = " (fmt_us(tmin)) }
        text class="note" x=(fx(LEFT + PLOT)) y=(fx(y_label)) text-anchor="end" { (fmt_us(tmax)) }
    }
}

/// How an understood span disagrees with the messages as sent.
fn disagreement(s: &Span, bounds: &BTreeSet<u64>, total: u64) -> Option<String> {
    let (a, b) = (s.offset, s.offset + s.len);
    let starts_ok = a == 0 || bounds.contains(&a);
    let ends_ok = bounds.contains(&b) || b > total;
    let inside = bounds.range(a + 1..b).count();
    match (starts_ok, ends_ok) {
        (false, _) => Some("starts inside a message".into()),
        (true, true) if inside > 0 => Some(format!("{} messages merged", inside + 1)),
        (true, false) => Some("cut inside a message".into()),
        _ => None,
    }
}

fn brackets(axis: &Axis, y: f64, class: &str, spans: &[Span], bad: impl Fn(&Span) -> Option<String>) -> Markup {
    let per = spans.len().div_ceil(MAX_DRAWN).max(1);
    html! {
        @for group in spans.chunks(per) {
            @let first = &group[0];
            @let last = &group[group.len() - 1];
            @let len = (last.offset + last.len).saturating_sub(first.offset);
            @let why = group.iter().find_map(&bad);
            @let (x, w) = (axis.x(first.offset), axis.w(first.offset, len));
            g class={ (class) @if why.is_some() { " bad" } } data-bytes=(len) data-count=(group.len()) {
                path d=(format!("M{:.1} {:.1} v-6 h{:.1} v6", x + 0.5, y, (w - 1.0).max(0.0))) {}
                title {
                    @if group.len() > 1 { (group.len()) " messages, " (len) " bytes" } @else { (clean(&first.text)) " (" (len) " bytes at offset " (first.offset) ")" }
                    @if let Some(why) = &why { ": " (why) }
                }
                @let label = match (&why, group.len()) {
                    (Some(why), _) => why.clone(),
                    (None, 1) => clean(&first.text),
                    (None, n) => format!("{n} messages"),
                };
                @let fit = ((w / 6.8) as usize).saturating_sub(1);
                @if fit >= 3 {
                    text x=(fx(x + w / 2.0)) y=(fx(y + 12.0)) text-anchor="middle" { (elide(&label, fit)) }
                }
            }
        }
    }
}

fn elide(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(max.saturating_sub(1)).collect::<String>())
    }
}

fn fx(v: f64) -> String {
    format!("{v:.1}")
}

/// The stream's bytes as text: each byte on its axis position when the
/// stream is short, else head and tail with the middle elided.
fn byte_text(axis: &Axis, w: &WireRecord, y: f64) -> Markup {
    let crate::run::KeptBytes { head, left_out: gap, tail } = w.kept_bytes();
    let total = w.plan_bytes;
    let cell =
        |b: u8| if (0x20..0x7f).contains(&b) { ((b as char).to_string(), false) } else { (format!("{b:02x}"), true) };
    if total as usize <= BYTES_SHOWN && gap == 0 && tail.is_empty() {
        return html! {
            @for (i, b) in head.iter().enumerate() {
                @let (t, hex) = cell(*b);
                text class=[hex.then_some("hex")] x=(fx(axis.x(i as u64) + axis.w(i as u64, 1) / 2.0)) y=(fx(y)) text-anchor="middle" { (t) }
            }
        };
    }
    let (shown_head, shown_tail) =
        (&head[..head.len().min(BYTES_SHOWN * 2 / 3)], &tail[tail.len().saturating_sub(BYTES_SHOWN / 3)..]);
    let elided = total - shown_head.len() as u64 - shown_tail.len() as u64;
    // A printable byte takes one character's width, a hex byte two.
    let width = |b: u8| if (0x20..0x7f).contains(&b) { 7.0 } else { 13.0 };
    let place = |bytes: &[u8], from: f64| -> Vec<(f64, String, bool)> {
        let mut x = from;
        bytes
            .iter()
            .map(|b| {
                let (t, hex) = cell(*b);
                let at = x;
                x += width(*b);
                (at, t, hex)
            })
            .collect()
    };
    let head_cells = place(shown_head, LEFT);
    let mid = LEFT + shown_head.iter().map(|b| width(*b)).sum::<f64>() + 6.0;
    let tail_cells = place(shown_tail, LEFT + PLOT - shown_tail.iter().map(|b| width(*b)).sum::<f64>());
    html! {
        @for (x, t, hex) in head_cells.iter().chain(&tail_cells) {
            text class=[hex.then_some("hex")] x=(fx(*x)) y=(fx(y)) { (t) }
        }
        text class="note" x=(fx(mid)) y=(fx(y)) { "… " (elided) " bytes elided …" }
    }
}

/// The SVG timeline of one scenario's first connection.
pub fn timeline(w: &WireRecord) -> Markup {
    let understood_end = w.understood.last().map_or(0, |s| s.offset + s.len);
    let total = w.plan_bytes.max(w.bytes_written).max(w.bytes_read.unwrap_or(0)).max(understood_end);
    let axis = Axis { total };
    let (writes, writes_extra) = blocks(&w.writes, w.bytes_written, w.writes_dropped);
    let reference = w.bytes_read.is_some();
    let (reads, reads_extra) = blocks(&w.reads, w.bytes_read.unwrap_or(0), w.reads_dropped);
    let times = || w.writes.iter().chain(&w.reads).filter_map(|c| c.t_us);
    let t = (times().min().unwrap_or(0), times().max().unwrap_or(0));
    let bounds: BTreeSet<u64> = w.sent.iter().map(|s| s.offset + s.len).collect();
    let cuts: Vec<u64> = w
        .understood
        .iter()
        .map(|s| s.offset + s.len)
        .filter(|e| !bounds.contains(e) && *e < total)
        .take(MAX_DRAWN)
        .collect();
    let replies_total = w.reply_reads.iter().map(|c| c.offset + c.len).max().unwrap_or(0);
    let reply_axis = Axis { total: replies_total };
    let (reply_blocks, reply_extra) = blocks(&w.reply_reads, replies_total, w.reply_reads_dropped);
    let has_replies = replies_total > 0;
    let (peer, peers) = if w.traced { ("target", "the target's") } else { ("server", "the server's") };
    let target_writes_total = w.target_writes.iter().map(|c| c.offset + c.len).max().unwrap_or(0);
    let (tw_blocks, tw_extra) = blocks(&w.target_writes, target_writes_total, 0);
    let has_target_writes = has_replies && !w.target_writes.is_empty();
    let height = if has_target_writes {
        370.0
    } else if has_replies {
        330.0
    } else {
        250.0
    };
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(fx(WIDTH)) height=(fx(height)) viewBox={ "0 0 " (fx(WIDTH)) " " (fx(height)) }
            role="img" data-bytes-written=(w.bytes_written) data-bytes-read=[w.bytes_read] {
            title { "timeline: " (w.bytes_written) " bytes written in " (w.writes.len() as u64 + w.writes_dropped) " write(s)" }
            text class="lane" x="4" y="18" { "time (writes)" }
            (time_ticks(&axis, &writes, t, 14.0, 30.0))
            text class="lane" x="4" y="44" { "client write()s" }
            (lane_blocks(&axis, 30.0, "write", "write", &writes, writes_extra.as_ref()))
            @for s in w.syncs.iter().take(MAX_DRAWN) {
                @let x = axis.x(s.sent);
                path class="tick" d=(format!("M{:.1} 52 l-3 5 h6 z", x)) fill="#555" {
                    title { "sync at " (fmt_us(s.t_us)) ": the peer had read " (s.read.map_or("?".to_string(), |r| r.to_string())) " of " (s.sent) " bytes" }
                }
            }
            text class="lane" x="4" y="74" { "as sent" }
            (brackets(&axis, 74.0, "sent", &w.sent, |_| None))
            text class="lane" x="4" y="104" { "bytes" }
            (byte_text(&axis, w, 104.0))
            @if reference {
                text class="lane" x="4" y="130" { "as understood" }
                (brackets(&axis, 130.0, "understood", &w.understood, |s| disagreement(s, &bounds, total)))
                @for c in &cuts {
                    line class="mark" x1=(fx(axis.x(*c))) y1="26" x2=(fx(axis.x(*c))) y2="176" { title { (peers) " message ends at byte " (c) ", inside a message as sent" } }
                }
                @if understood_end < w.bytes_written {
                    text class="note" x=(fx(axis.x(understood_end) + 3.0)) y="142" { (w.bytes_written - understood_end) " bytes not understood as a message" }
                }
                @if w.traced && w.understood.is_empty() {
                    text class="note" x=(fx(LEFT)) y="134" { "framed messages: the target's reads are not its messages; its writes are below" }
                }
                text class="lane" x="4" y="164" { (peer) " read()s" }
                (lane_blocks(&axis, 150.0, "read", "read", &reads, reads_extra.as_ref()))
                text class="lane" x="4" y="204" { "time (reads)" }
                (time_ticks(&axis, &reads, t, 196.0, 170.0))
            } @else {
                text class="note" x=(fx(LEFT)) y="140" {
                    "a target: its reads are not observed here"
                    @if !w.syncs.is_empty() { "; the sync view's observations are the triangles under the writes" }
                    "; its replies are below"
                }
            }
            text class="note" x=(fx(LEFT)) y="232" {
                (w.bytes_written) " bytes written"
                @if let Some(r) = w.bytes_read { ", " (r) " read by the " (peer) }
                @if w.connections > 1 { "; connection 1 of " (w.connections) " drawn" }
            }
            @if has_replies {
                text class="lane" x="4" y="264" { "reply read()s" }
                (lane_blocks(&reply_axis, 250.0, "reply-read", "reply read", &reply_blocks, reply_extra.as_ref()))
                text class="lane" x="4" y="300" { "replies" }
                (brackets(&reply_axis, 300.0, "reply", &w.replies, |_| None))
                text class="note" x=(fx(LEFT)) y="324" { (replies_total) " reply bytes (their own scale)" }
                @if has_target_writes {
                    text class="lane" x="4" y="354" { "target write()s" }
                    (lane_blocks(&reply_axis, 340.0, "target-write", "target write", &tw_blocks, tw_extra.as_ref()))
                }
            }
        }
    }
}

/// The card's status word and its CSS class.
fn status(r: &ScenarioResult) -> (&'static str, &'static str) {
    match (r.ok(), r.skipped().is_some()) {
        (true, _) => ("PASS", "pass"),
        (false, true) => ("SKIP", "skip"),
        (false, false) => ("FAIL", "fail"),
    }
}

/// Indices of `results`, failures first, then skipped, then passed; each
/// group in run order.
fn failures_first(results: &[ScenarioResult]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..results.len()).collect();
    order.sort_by_key(|&i| match status(&results[i]).1 {
        "fail" => 0,
        "skip" => 1,
        _ => 2,
    });
    order
}

fn scenario(i: usize, r: &ScenarioResult, replay: &str) -> Markup {
    let verdict = r.verdict_text();
    html! {
        section id=(format!("scenario-{}", i + 1)) {
            h2 {
                span class={ "badge " (status(r).1) } { (status(r).0) }
                " "
                span class={ "badge v-" (verdict) } { (verdict) }
                " " (clean(&r.name))
            }
            dl {
                dt { "expected" } dd { (r.expected.to_string()) }
                dt { "seed" } dd { (r.seed) }
                dt { "replay" } dd { code { (clean(replay)) } }
                @if let Some(b) = &r.bug { dt { "bug" } dd { (clean(b)) } }
                dt { "detail" } dd { (clean(&r.detail)) }
            }
            @match &r.wire {
                Some(w) => (timeline(w)),
                None => p class="note" { "no timeline: no client of framelab's own ran (see the detail)" },
            }
        }
    }
}

/// The whole report: `title`, then each result with its timeline and
/// its replay command.
pub fn render(title: &str, results: &[ScenarioResult]) -> String {
    render_with(title, results, |_, r| r.replay_command())
}

/// [`render`] with the replay command of result `i` given by `replay(i, r)`
/// (`explore` replays a case that has no file of its own).
pub fn render_with(
    title: &str,
    results: &[ScenarioResult],
    replay: impl Fn(usize, &ScenarioResult) -> String,
) -> String {
    let passed = results.iter().filter(|r| r.ok()).count();
    let skipped = results.iter().filter(|r| r.skipped().is_some()).count();
    let failed = results.len() - passed - skipped;
    let order = failures_first(results);
    let page = html! {
        (DOCTYPE)
        html xmlns="http://www.w3.org/1999/xhtml" lang="en" {
            head {
                // A constant: XHTML needs the void element closed, maud writes `<meta ...>`.
                (PreEscaped(r#"<meta charset="utf-8"/>"#))
                title { (clean(title)) }
                style { (PreEscaped(CSS)) }
            }
            body {
                h1 { (clean(title)) }
                p class="summary" {
                    (passed) " passed, " (failed) " failed"
                    @if skipped > 0 { ", " (skipped) " skipped" }
                    ". Failures first. Each timeline: the client's write()s above the bytes, the server's read()s below; brackets are the messages as sent and as understood; red marks where they disagree. Hover a block for its offset, size and time."
                }
                table class="overview" {
                    thead { tr { th { "" } th { "verdict" } th { "expected" } th { "scenario" } } }
                    tbody {
                        @for &i in &order {
                            @let r = &results[i];
                            @let verdict = r.verdict_text();
                            tr {
                                td { span class={ "badge " (status(r).1) } { (status(r).0) } }
                                td { span class={ "badge v-" (verdict) } { (verdict) } }
                                td { (r.expected.to_string()) }
                                td { a href=(format!("#scenario-{}", i + 1)) { (clean(&r.name)) } }
                            }
                        }
                    }
                }
                @for &i in &order { (scenario(i, &results[i], &replay(i, &results[i]))) }
            }
        }
    };
    page.into_string()
}

/// Writes the HTML report to a file at the end of the run.
pub struct HtmlReporter {
    path: PathBuf,
    results: Vec<ScenarioResult>,
}

impl HtmlReporter {
    /// A reporter writing to `path`.
    pub fn new(path: PathBuf) -> Self {
        HtmlReporter { path, results: Vec::new() }
    }
}

impl Reporter for HtmlReporter {
    fn event(&mut self, ev: &RunEvent<'_>) -> std::io::Result<()> {
        match ev {
            RunEvent::RunStarted { .. } => {}
            RunEvent::ScenarioFinished { result } => self.results.push((*result).clone()),
            RunEvent::RunFinished { .. } => {
                crate::files::write(&self.path, render("framelab run", &self.results))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_writes_xml_forbidden_characters_as_escapes() {
        assert_eq!(clean("a\u{1}b\u{7f}\u{ffff}\n"), "a\\x01b\\x7f\\u{ffff}\n");
    }

    #[test]
    fn a_merge_and_a_cut_are_found_where_the_streams_disagree() {
        let bounds: BTreeSet<u64> = [5, 10].into_iter().collect();
        let span = |offset, len| Span { offset, len, text: String::new() };
        assert_eq!(disagreement(&span(0, 10), &bounds, 10).as_deref(), Some("2 messages merged"));
        assert_eq!(disagreement(&span(0, 3), &bounds, 10).as_deref(), Some("cut inside a message"));
        assert_eq!(disagreement(&span(3, 2), &bounds, 10).as_deref(), Some("starts inside a message"));
        assert_eq!(disagreement(&span(5, 5), &bounds, 10), None);
    }

    #[test]
    fn grouping_keeps_every_byte() {
        let list: Vec<(u64, u64, Option<u64>)> = (0..1000).map(|i| (i * 3, 3, None)).collect();
        let g = grouped(list.into_iter());
        assert!(g.len() <= MAX_DRAWN);
        assert_eq!(g.iter().map(|i| i.len).sum::<u64>(), 3000);
        assert_eq!(g.iter().map(|i| i.count).sum::<usize>(), 1000);
    }
}
