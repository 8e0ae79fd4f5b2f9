//! `framelab proxy`.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;

use crate::fault::Schedule;
use crate::proxy::{DirectionConfig, Proxy, ProxyConfig, ProxyEvent};
use crate::units::{format_duration, parse_duration, parse_size};

/// Options of `framelab proxy`.
#[derive(Debug, Args)]
#[command(after_help = "Schedules (for a stream): each (pass reads on as they come), coalesce (hold until the
sender is quiet for --hold or closes), coalesce:N (N reads per write), chunk:N, drip,
random:MIN-MAX (seeded), cuts:A,B (a write boundary at these offsets).

Examples:
  framelab proxy --upstream 127.0.0.1:9000 --listen 127.0.0.1:9001 --down coalesce
      the server's replies reach the client merged
  framelab proxy --upstream 127.0.0.1:9000 --up chunk:3 --up-pause 50ms
      every request reaches the server 3 bytes at a time
  framelab proxy --upstream 127.0.0.1:9000 --up chunk:3 --sync
      the same, each 3-byte write read by the server before the next (no pause)
  framelab proxy --upstream 127.0.0.1:9000 --up random:1-64 --seed 7
  framelab proxy --upstream 127.0.0.1:9000 --up-reset-after 10
      reset both sides after 10 bytes of request")]
pub struct ProxyArgs {
    /// Where clients connect (loopback; port 0 picks a free port, printed).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// The server to forward to (loopback only).
    #[arg(long)]
    pub upstream: SocketAddr,
    /// Schedule of the client-to-server direction.
    #[arg(long, default_value = "each")]
    pub up: Schedule,
    /// Schedule of the server-to-client direction.
    #[arg(long, default_value = "each")]
    pub down: Schedule,
    /// Pause after each write to the server.
    #[arg(long, value_parser = parse_duration, default_value = "0s")]
    pub up_pause: Duration,
    /// Pause after each write to the client.
    #[arg(long, value_parser = parse_duration, default_value = "0s")]
    pub down_pause: Duration,
    /// Bytes held back (coalesce, a short chunk) go out after this much quiet.
    #[arg(long, value_parser = parse_duration, default_value = "50ms")]
    pub hold: Duration,
    /// Seed of the random schedules (default: drawn, and printed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Reset both sides after this many bytes client to server.
    #[arg(long, value_parser = parse_size)]
    pub up_reset_after: Option<usize>,
    /// Reset both sides after this many bytes server to client.
    #[arg(long, value_parser = parse_size)]
    pub down_reset_after: Option<usize>,
    /// Pass only this many bytes client to server, then shut that way down.
    #[arg(long, value_parser = parse_size)]
    pub up_close_after: Option<usize>,
    /// Pass only this many bytes server to client, then shut that way down.
    #[arg(long, value_parser = parse_size)]
    pub down_close_after: Option<usize>,
    /// After each write to the server, wait until the server has read it
    /// (the kernel's queues; loopback servers), so each write the --up
    /// schedule makes reaches a separate read() of the server, with no
    /// pause. Where its reads cannot be seen, only --up-pause applies
    /// (the totals line says how many writes).
    #[arg(long)]
    pub sync: bool,
    /// Most connections at once; more are reset.
    #[arg(long, default_value_t = 512)]
    pub max_connections: usize,
    /// Close a connection quiet both ways for this long.
    #[arg(long, value_parser = parse_duration, default_value = "60s")]
    pub idle_timeout: Duration,
    /// Print only the first lines and the totals, not every connection.
    #[arg(long)]
    pub quiet: bool,
}

fn drawn_seed() -> u64 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    (t.as_nanos() as u64) ^ (u64::from(std::process::id()) << 32)
}

/// A line on stdout; a closed pipe is not an error worth dying for.
fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

fn describe(d: &DirectionConfig) -> String {
    let mut s = d.schedule.to_string();
    if !d.pause.is_zero() {
        s.push_str(&format!(", pause {}", format_duration(d.pause)));
    }
    if let Some(n) = d.reset_after {
        s.push_str(&format!(", reset after {n} B"));
    }
    if let Some(n) = d.close_after {
        s.push_str(&format!(", close after {n} B"));
    }
    if d.sync {
        s.push_str(", sync");
    }
    s
}

impl ProxyArgs {
    /// The proxy configuration the options describe.
    pub fn config(&self, seed: u64) -> ProxyConfig {
        let mut cfg = ProxyConfig::new(self.upstream);
        cfg.listen = self.listen;
        cfg.seed = seed;
        cfg.max_connections = self.max_connections.max(1);
        cfg.idle_timeout = self.idle_timeout;
        cfg.up = DirectionConfig {
            schedule: self.up.clone(),
            pause: self.up_pause,
            hold: self.hold,
            reset_after: self.up_reset_after.map(|n| n as u64),
            close_after: self.up_close_after.map(|n| n as u64),
            sync: self.sync,
        };
        cfg.down = DirectionConfig {
            schedule: self.down.clone(),
            pause: self.down_pause,
            hold: self.hold,
            reset_after: self.down_reset_after.map(|n| n as u64),
            close_after: self.down_close_after.map(|n| n as u64),
            sync: false,
        };
        cfg
    }

    /// Runs the proxy until Ctrl-C.
    pub fn run(self) -> anyhow::Result<i32> {
        for (what, a) in [("--upstream", self.upstream), ("--listen", self.listen)] {
            if !crate::net::is_loopback(&a) {
                eprintln!(
                    "error: {what} {a} is not a loopback address; framelab only proxies traffic on 127.0.0.0/8 and ::1"
                );
                return Ok(2);
            }
        }
        let seed = self.seed.unwrap_or_else(drawn_seed);
        let mut cfg = self.config(seed);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        cfg.events = Some(tx);
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        rt.block_on(async move {
            let (up, down) = (describe(&cfg.up), describe(&cfg.down));
            let proxy = Proxy::start(cfg).await?;
            say(&format!("listening on {}", proxy.addr()));
            say(&format!("upstream {}; up: {up}; down: {down}; seed {seed}", self.upstream));
            let interrupted = crate::target::interrupted();
            tokio::pin!(interrupted);
            loop {
                tokio::select! {
                    _ = &mut interrupted => break,
                    ev = rx.recv() => match ev {
                        Some(ev) if !self.quiet => say(&show(&ev)),
                        Some(_) => {}
                        None => break,
                    },
                }
            }
            let stats = proxy.stop().await;
            while let Ok(ev) = rx.try_recv() {
                if !self.quiet {
                    say(&show(&ev));
                }
            }
            say(&format!(
                "total: {} connection(s) ({} refused: too many open; {} reset: upstream unreachable), {} bytes up, {} bytes down, seed {seed}",
                stats.connections, stats.refused, stats.upstream_failed, stats.bytes_up, stats.bytes_down
            ));
            if stats.unsynced > 0 {
                say(&format!(
                    "note: --sync could not see the server's reads for {} write(s) (not visible to this host's kernel): only --up-pause kept them apart",
                    stats.unsynced
                ));
            }
            Ok(0)
        })
    }
}

fn show(ev: &ProxyEvent) -> String {
    match ev {
        ProxyEvent::Accepted { id, client, upstream_local } => match upstream_local {
            Some(u) => format!("[conn {id}] {client} connected (upstream side {u})"),
            None => format!("[conn {id}] {client} connected"),
        },
        ProxyEvent::Closed { id, up, down, how } => format!("[conn {id}] {up} bytes up, {down} bytes down; {how}"),
        ProxyEvent::Refused { client } => format!("[refused] {client}: too many connections"),
    }
}
