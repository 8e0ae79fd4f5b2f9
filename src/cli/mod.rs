//! The `framelab` command line: one file per subcommand, each a clap
//! `Parser` struct with a `run()`. `main.rs` only calls [`main`].

mod bench;
mod explore;
mod init;
mod list;
mod proxy;
mod run;
mod serve;
mod soak;

use clap::{Parser, Subcommand};

/// Make TCP message-framing ("sticky packet") bugs happen on demand, fuzz
/// frame decoders, and measure what each framing strategy costs.
#[derive(Debug, Parser)]
#[command(name = "framelab", version, about, long_about = None)]
#[command(
    after_help = "Examples:\n  framelab run                          the built-in scenario suite (or ./scenarios/ if there is one)\n  framelab init --command \"python3 my_server.py {port}\" --framing delimiter   scenarios for your server\n  framelab run --filter B4 --seed 7     one bug, replayed with a seed\n  framelab serve naive --variant tutorial   a recv(1024)-style server on 127.0.0.1\n  framelab explore examples/explore/naive-tutorial.toml --out min.toml   find and shrink a failing plan\n  framelab proxy --listen 127.0.0.1:0 --upstream 127.0.0.1:9000 --down drip\n  framelab soak length-prefix           1,000 hostile + 100 good connections\n  framelab bench --quick                each strategy beside tokio-util and raw loopback\n  framelab list                         strategies, variants, schedules, scenarios"
)]
pub struct Cli {
    /// Log the server's, proxy's and runner's decisions to stderr: -v info,
    /// -vv debug, -vvv trace. Without it, RUST_LOG (tracing-subscriber's
    /// EnvFilter syntax, e.g. RUST_LOG=framelab::server=debug) chooses;
    /// else only warnings are shown.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show strategies, their knobs and defaults, variants, schedules and scenarios.
    List(list::ListArgs),
    /// Compare framing strategies with tokio-util's codecs and a raw stream.
    Bench(bench::BenchArgs),
    /// Search seeded variations of a scenario for a failing plan and shrink it to a minimal reproducer.
    Explore(Box<explore::ExploreArgs>),
    /// Re-chunk a TCP stream between a client and a server; prints `listening on IP:PORT` first.
    Proxy(Box<proxy::ProxyArgs>),
    /// Many good and hostile connections against a reference server process: memory, descriptors, errors.
    Soak(Box<soak::SoakArgs>),
    /// Run scenario files or folders (default scenarios/) and report verdicts.
    Run(Box<run::RunArgs>),
    /// Write starting scenario files for your own server (one per schedule that matters).
    Init(Box<init::InitArgs>),
    /// Run a reference server until Ctrl-C; prints `listening on IP:PORT` first.
    Serve(Box<serve::ServeArgs>),
}

/// Parses the command line, runs the subcommand, and returns the process
/// exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let result = match cli.command {
        Command::List(a) => a.run(),
        Command::Bench(a) => a.run(),
        Command::Serve(a) => a.run(),
        Command::Run(a) => a.run(),
        Command::Proxy(a) => a.run(),
        Command::Explore(a) => a.run(),
        Command::Soak(a) => a.run(),
        Command::Init(a) => a.run(),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            2
        }
    }
}

/// Installs the tracing subscriber: stderr, so that stdout stays the
/// command's output (`listening on ...`, reports, JSON). An explicit `-v`
/// beats RUST_LOG; a RUST_LOG that does not parse falls back to warnings.
fn init_logging(verbose: u8) {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = match verbose {
        0 => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        1 => EnvFilter::new("warn,framelab=info"),
        2 => EnvFilter::new("warn,framelab=debug"),
        _ => EnvFilter::new("warn,framelab=trace"),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
