//! `framelab soak`.

use clap::Args;

use super::run::Format;
use crate::soak::{SoakConfig, SoakReport, soak};
use crate::units::{parse_duration, parse_size};

/// Options of `framelab soak`.
#[derive(Debug, Args)]
#[command(after_help = "The server runs as its own process (framelab serve, echo handler) so that its
memory and descriptors are measured alone. Exit status 1 when a good message
was not echoed intact, the server panicked or died, its peak RSS grew past
--rss-bound above idle, or it kept descriptors open after the run.

Hostile kinds, cycled: slowloris, huge-length, negative-length, flood (1 MiB,
no delimiter), garbage, half-close, reset-mid-frame, idle.

Examples:
  framelab soak                                 every TCP strategy, 1000 hostile + 100 good
  framelab soak length-prefix:i32le --hostile 5000 --concurrency 512
  framelab soak delimiter --format json")]
pub struct SoakArgs {
    /// Strategies or framing specs (default: naive, delimiter, length-prefix, json-header, handshake).
    #[arg(value_parser = parse_strategy)]
    pub strategies: Vec<String>,
    /// Server variant.
    #[arg(long, default_value = "correct", value_parser = parse_variant)]
    pub variant: String,
    /// Hostile connections.
    #[arg(long, default_value_t = 1000)]
    pub hostile: usize,
    /// Good clients.
    #[arg(long, default_value_t = 100)]
    pub good: usize,
    /// Messages per good client.
    #[arg(long, default_value_t = 20)]
    pub messages: usize,
    /// Connections at once.
    #[arg(long, default_value_t = 256)]
    pub concurrency: usize,
    /// Server idle timeout.
    #[arg(long, value_parser = parse_duration, default_value = "1s")]
    pub idle_timeout: std::time::Duration,
    /// Server frame timeout.
    #[arg(long, value_parser = parse_duration, default_value = "2s")]
    pub frame_timeout: std::time::Duration,
    /// Largest peak RSS growth above idle that passes.
    #[arg(long, value_parser = parse_size, default_value = "64MiB")]
    pub rss_bound: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

/// Checked when the command line is read, before anything starts.
fn parse_strategy(s: &str) -> anyhow::Result<String> {
    match s.parse::<crate::framing::FramingSpec>() {
        Ok(crate::framing::FramingSpec::Udp(crate::framing::UdpFormat { .. })) => anyhow::bail!("the soak is TCP only"),
        Ok(_) => Ok(s.to_owned()),
        Err(e) => anyhow::bail!("{e} (see `framelab list strategies`)"),
    }
}

fn parse_variant(s: &str) -> Result<String, crate::server::VariantError> {
    s.parse::<crate::server::Variant>().map(|_| s.to_owned())
}

impl SoakArgs {
    /// Soaks each strategy in turn.
    pub fn run(self) -> anyhow::Result<i32> {
        let exe = std::env::current_exe()?;
        let strategies = if self.strategies.is_empty() {
            ["naive", "delimiter", "length-prefix", "json-header", "handshake"].map(String::from).to_vec()
        } else {
            self.strategies.clone()
        };
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        let mut reports: Vec<(SoakReport, Vec<String>)> = Vec::new();
        for s in &strategies {
            let mut cfg = SoakConfig::new(s, exe.clone());
            cfg.variant = self.variant.clone();
            cfg.hostile = self.hostile;
            cfg.good = self.good;
            cfg.messages = self.messages;
            cfg.concurrency = self.concurrency.max(1);
            cfg.idle_timeout = self.idle_timeout;
            if std::env::var_os(super::bench::SMOKE_ENV).is_some() {
                cfg.hostile = cfg.hostile.min(24);
                cfg.good = cfg.good.min(4);
                cfg.messages = cfg.messages.min(3);
            }
            cfg.frame_timeout = self.frame_timeout;
            if self.format == Format::Human {
                eprintln!("soaking {s}: {} hostile + {} good connections...", cfg.hostile, cfg.good);
            }
            let r = match rt.block_on(soak(&cfg)) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: {s}: {e}");
                    return Ok(2);
                }
            };
            let problems = r.problems(self.rss_bound as u64 / 1024);
            if self.format == Format::Human {
                print_human(&r, &problems);
            }
            reports.push((r, problems));
        }
        if self.format == Format::Json {
            let rows: Vec<_> = reports
                .iter()
                .map(|(r, p)| {
                    let mut v = serde_json::to_value(r).unwrap_or_default();
                    v["rss_growth_kib"] = r.rss_growth_kib().into();
                    v["ok"] = p.is_empty().into();
                    v["problems"] = serde_json::to_value(p).unwrap_or_default();
                    v
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "soaks": rows }))?);
        }
        Ok(if reports.iter().all(|(_, p)| p.is_empty()) { 0 } else { 1 })
    }
}

fn print_human(r: &SoakReport, problems: &[String]) {
    let status = if problems.is_empty() { "PASS" } else { "FAIL" };
    println!("{status} {}  ({:.1}s)", r.strategy, r.elapsed_ms as f64 / 1000.0);
    println!("  connections      {} ({} good clients, {} ok)", r.connections, r.good_clients, r.good_clients_ok);
    println!("  good messages    {}/{} intact", r.good_messages_intact, r.good_messages);
    let kinds: Vec<String> = r.hostile_by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!("  hostile          {}", kinds.join(", "));
    let errs: Vec<String> = r.server_errors.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!("  server errors    {}", if errs.is_empty() { "none".into() } else { errs.join(", ") });
    let closes: Vec<String> = r.server_closes.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!("  closes           {}", closes.join(", "));
    println!(
        "  server RSS       idle {} KiB, peak {} KiB (+{} KiB)",
        r.idle_rss_kib,
        r.peak_rss_kib,
        r.rss_growth_kib()
    );
    println!("  descriptors      {} before, {} after", r.fds_before, r.fds_after);
    if r.log_events_skipped > 0 {
        println!("  (the server's log skipped {} events; error counts are a lower bound)", r.log_events_skipped);
    }
    for p in problems {
        println!("  problem: {p}");
    }
}
