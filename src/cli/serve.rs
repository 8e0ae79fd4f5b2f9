//! `framelab serve`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, ValueEnum};

use crate::framing::Knobs;
use crate::server::{FeedLine, Handler, Server, ServerConfig, ServerEvent, Variant};
use crate::units::{parse_duration, parse_size};

/// Options of `framelab serve`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  framelab serve naive --variant tutorial --log-messages
      a recv(1024) server; then in another shell:
      python3 -c \"import socket;s=socket.create_connection(('127.0.0.1',PORT));s.send(b'hello');s.send(b'world')\"
  framelab serve length-prefix --preset i32le --handler echo --addr 127.0.0.1:9000
  framelab serve 'delimiter:\"\\r\\n\",max=4KiB' --handler upper
  framelab serve json-header --handler files --root ./public
  framelab serve naive --sequential      one client at a time (B14)
  framelab serve naive --events json     JSON lines: listening, message, error, reply, closed")]
pub struct ServeArgs {
    /// Strategy, or a full framing spec (`length-prefix:i32le,max=1MiB`).
    pub strategy: String,
    /// Address to listen on; port 0 picks a free port (printed). Loopback
    /// only, unless --allow-non-loopback.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: SocketAddr,
    /// Let --addr be an address other machines can reach (a warning is
    /// printed: these servers are test fixtures, some deliberately buggy).
    #[arg(long)]
    pub allow_non_loopback: bool,
    /// correct (default), tutorial (alias seed), utf8 (naive), decimal (length-prefix).
    #[arg(long, default_value = "correct")]
    pub variant: Variant,
    /// Serve one client at a time: the next waits until this one leaves (B14).
    #[arg(long)]
    pub sequential: bool,
    /// echo, upper, ack, digest, files, silent.
    #[arg(long, default_value = "ack")]
    pub handler: String,
    /// Read size of naive and udp servers (recv(N)).
    #[arg(long, value_parser = parse_size)]
    pub read_size: Option<usize>,
    /// Largest frame (body) accepted.
    #[arg(long, value_parser = parse_size)]
    pub max_frame: Option<usize>,
    /// Delimiter of the delimiter strategy (escapes: \n \r \t \xNN).
    #[arg(long)]
    pub delimiter: Option<String>,
    /// Length-prefix preset (u32be, i32le, i64le, u16be, ...), also for json-header.
    #[arg(long)]
    pub preset: Option<String>,
    /// Delay before handling each message (a slow server), e.g. 200ms.
    #[arg(long, value_parser = parse_duration)]
    pub delay: Option<Duration>,
    /// Root directory of the files handler.
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Close a connection idle for this long.
    #[arg(long, value_parser = parse_duration, default_value = "10s")]
    pub idle_timeout: Duration,
    /// Close a connection whose frame takes longer than this to arrive.
    #[arg(long, value_parser = parse_duration, default_value = "30s")]
    pub frame_timeout: Duration,
    /// Most connections served at once.
    #[arg(long, default_value_t = 512)]
    pub max_connections: usize,
    /// Print every message as the server understood it, and every error and close.
    #[arg(long)]
    pub log_messages: bool,
    /// Print events for programs: `json` prints one JSON object per line
    /// (the first `{"event":"listening","addr":...}`), every event after.
    #[arg(long, value_enum, default_value = "human")]
    pub events: Events,
}

/// How `serve` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Events {
    /// `listening on IP:PORT`, then events only with --log-messages.
    Human,
    /// JSON lines ([`FeedLine`]), every event.
    Json,
}

impl ServeArgs {
    /// Builds the server configuration the options describe.
    pub fn config(&self) -> anyhow::Result<ServerConfig> {
        let knobs = Knobs {
            read_size: self.read_size,
            max_frame: self.max_frame,
            delimiter: self.delimiter.clone(),
            preset: self.preset.clone(),
        };
        if !crate::net::is_loopback(&self.addr) && !self.allow_non_loopback {
            anyhow::bail!(
                "--addr {}: not a loopback address, so other machines could reach this test server; use 127.0.0.1, or pass --allow-non-loopback if that is what you want",
                self.addr
            );
        }
        if let Some(root) = &self.root
            && !root.is_dir()
        {
            anyhow::bail!(
                "--root {}: no such folder; give the folder the files handler serves (it refuses paths that leave it)",
                root.display()
            );
        }
        let framing = knobs.apply(self.strategy.parse()?)?;
        let mut cfg = ServerConfig::new(framing).variant(self.variant);
        cfg.sequential = self.sequential;
        cfg.handler = self.handler.parse::<Handler>().map_err(anyhow::Error::msg)?;
        cfg.delay = self.delay.unwrap_or_default();
        cfg.root = self.root.clone();
        cfg.addr = self.addr;
        cfg.limits.idle_timeout = self.idle_timeout;
        cfg.limits.frame_timeout = self.frame_timeout;
        cfg.limits.max_connections = self.max_connections;
        // A long-running server keeps no history; --log-messages reads the live feed.
        cfg.record = false;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Serves until Ctrl-C.
    pub fn run(self) -> anyhow::Result<i32> {
        let cfg = self.config()?;
        if !crate::net::is_loopback(&cfg.addr) {
            eprintln!(
                "warning: listening on {}, reachable from other machines; framelab's servers are test fixtures (some deliberately buggy), not for exposure",
                cfg.addr
            );
        }
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        rt.block_on(async move {
            let server = Server::start(cfg.clone()).await.with_context(|| format!("binding {}", cfg.addr))?;
            let json = self.events == Events::Json;
            if json {
                print_line(&FeedLine::Listening { addr: server.addr() });
            } else {
                println!("listening on {}", server.addr());
            }
            eprintln!(
                "framelab: {} server ({} variant, {} handler){}; Ctrl-C stops",
                cfg.framing,
                if cfg.sequential { format!("{}, sequential", cfg.variant) } else { cfg.variant.to_string() },
                cfg.handler,
                if cfg.delay.is_zero() { String::new() } else { format!(", delay {:?}", cfg.delay) }
            );
            let mut feed = server.log().subscribe();
            let log = self.log_messages;
            let printer = tokio::spawn(async move {
                loop {
                    match feed.recv().await {
                        Ok((id, ev)) if json => print_line(&FeedLine::of(id, &ev)),
                        Ok((id, ev)) if log => print_event(id, &ev),
                        Ok(_) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) if json => {
                            print_line(&FeedLine::Skipped { count: n })
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                            if log {
                                println!("[log] {n} events not shown (printing fell behind)");
                            }
                        }
                        Err(_) => return,
                    }
                }
            });
            tokio::signal::ctrl_c().await?;
            eprintln!("framelab: stopping");
            server.stop().await;
            printer.abort();
            Ok(0)
        })
    }
}

fn print_line(line: &FeedLine) {
    if let Ok(text) = serde_json::to_string(line) {
        println!("{text}");
    }
}

fn print_event(id: u64, ev: &ServerEvent) {
    match ev {
        ServerEvent::Message { len, data, .. } => {
            let shown: String = crate::framing::escape(&data[..data.len().min(200)]);
            let more = if *len > 200 { format!(" (+{} bytes)", len - 200) } else { String::new() };
            println!("[conn {id}] message {len} bytes: {shown}{more}");
        }
        ServerEvent::Error { kind, detail } => println!("[conn {id}] error {kind}: {detail}"),
        ServerEvent::Reply { len } => println!("[conn {id}] reply {len} bytes"),
        ServerEvent::Closed { reason } => println!("[conn {id}] closed: {}", reason.name()),
    }
}
