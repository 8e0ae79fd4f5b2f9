//! Every command the docs show outside a ```console block, executed.
//!
//! trycmd (cli_docs.rs) checks the ```console blocks, whose output is
//! printed in the docs. This test takes the rest from where a reader finds
//! them, so a command added there is picked up without touching this file:
//!
//! - each line of a ```sh block of README.md, docs/*.md, scenarios/README.md
//!   and examples/README.md (a trailing `# comment` and `&` dropped,
//!   `cargo run --release -- ` read as `framelab `, run with the test build);
//! - each example of `framelab --help` and `framelab SUBCOMMAND --help`
//!   (a line `  framelab ...` after `Examples:`, up to two spaces; a
//!   description `then: framelab ...` is a command too, and an indented
//!   `python3 -c ...` a client of the server above it).
//!
//! A command that is also a `$ ` line of a console block is trycmd's. The
//! others run here, per source in order, in a fresh folder where
//! `scenarios/`, `examples/` and `fuzz/seeds/` are links to the
//! repository's, and an empty `public/` is there for the files handler:
//!
//! - `framelab serve`/`proxy` start in the background; the first line must
//!   be `listening on 127.0.0.1:PORT` (`{"event":"listening"...}` with
//!   `--events json`). A fixed port (9000) is read as port 0 and later
//!   commands of the same source get the real one. A proxy's `--upstream`
//!   with no server of the source behind it gets a `framelab serve
//!   delimiter --handler upper`; `hello\n` through the proxy must come back
//!   as it does from the upstream directly. Servers are killed at the end.
//! - `python3 -c` clients run against the last server started, its port
//!   (9000 or PORT) replaced; exit 0, and the server must log a message.
//! - `framelab soak`/`bench`/`explore` run with FRAMELAB_SMOKE=1, which
//!   shrinks the workload (bench: 1 round of 1 ms per row; soak: 24 hostile
//!   and 4 good connections per strategy; explore: at most 20 variations)
//!   but keeps every strategy, row, table, shrink and replay: exit 0, a
//!   `PASS` line (or a JSON entry) per strategy, a table (or JSON rows) per
//!   mode.
//! - everything else runs to the end (at most 120 s): exit 0 unless listed
//!   in EXIT_1; `run` must print `N passed, 0 failed`, JSON must parse, a
//!   file named by `--out`/`--html`/`--junit`/`--plot` must be written.
//!
//! A command none of this handles must be in EXCLUDED, with its reason;
//! else the test fails, and it fails when an EXCLUDED entry matches nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Commands not run, with the reason. A pattern ending in `*` is a prefix.
const EXCLUDED: &[(&str, &str)] = &[
    ("cargo install --path .", "installs into ~/.cargo; embedded_suite.rs runs the binary from an empty folder"),
    ("cargo install cargo-fuzz --locked", "installs a tool from crates.io into ~/.cargo"),
    ("cargo test", "the command running this test"),
    ("rustup component add *", "installs a toolchain component"),
    (
        "framelab run examples/scenarios/",
        "external.rs (every_example_scenario_gives_its_expected_verdict) runs every example scenario; \
         two more copies of the 40 at once, beside it, overload a 2-core CI machine into deadline hangs",
    ),
    (
        "FRAMELAB_SCREENSHOTS=docs cargo test *",
        "a test of this suite (html_report.rs) that also writes PNGs into docs/",
    ),
    ("cargo install cargo-mutants --locked", "installs a tool from crates.io into ~/.cargo"),
    (
        "scripts/mutants.sh*",
        "cargo-mutants over whole files: a rebuild and a test run per mutant, hours; CI runs .ci/mutants on the change",
    ),
    (
        "nice -n 19 cargo mutants *",
        "cargo-mutants over every file: about 1,240 mutants, 50 minutes on two idle cores; CI runs .ci/mutants on the change",
    ),
    ("cargo bench*", "criterion timing, minutes per bench; the same bodies run in `framelab bench` here"),
    ("cargo build --profile profiling", "a second optimised build of everything: minutes and a large target/"),
    ("perf record *", "needs perf and the profiling build; the same `bench --quick --mode codec` runs here"),
    ("open *", "opens a browser"),
    (
        "scripts/bench-ratios.sh*",
        "three full `framelab bench --quick` runs, minutes; bench_rows.rs checks the JSON it reads",
    ),
    ("cargo +nightly fuzz *", "needs a nightly toolchain and cargo-fuzz; CI runs .ci/fuzz"),
    ("cargo fuzz *", "needs cargo-fuzz (not a dependency); CI runs .ci/fuzz"),
    ("FUZZ_*", "runs .ci/fuzz: nightly and cargo-fuzz, minutes; it is CI's fuzz job"),
    ("framelab run", "the whole suite, about 2 min: embedded_suite.rs runs exactly this, scenarios.rs every file"),
    ("framelab run --html report.html", "the whole suite, about 2 min; html_report.rs checks --html on scenarios"),
    ("framelab run --target localhost:9000", "the whole suite against the reader's own server"),
    ("framelab run my-scenarios/ --target 127.0.0.1:9000", "the reader's own folder and server"),
    ("framelab explore my.toml --target 127.0.0.1:9000 --format json", "the reader's own file and server"),
    (
        "framelab list scenarios --scenarios my-scenarios/",
        "the reader's own folder; `list scenarios` is in tests/cmd/examples.md",
    ),
];

/// Commands whose documented outcome is exit status 1 (a plan was found).
const EXIT_1: &[&str] = &[
    "framelab explore examples/explore/resp-naive.toml",
    "framelab explore examples/explore/naive-tutorial.toml --seed 1 --out found.toml",
    "framelab explore examples/explore/naive-tutorial.toml --out min.toml",
];

const SMOKE_ENV: &str = "FRAMELAB_SMOKE";
const RUN_TIMEOUT: Duration = Duration::from_secs(120);
const LINE_TIMEOUT: Duration = Duration::from_secs(20);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_framelab"))
}

/// One documented command and where it was found.
#[derive(Debug, Clone)]
struct Doc {
    source: String,
    line: String,
}

/// Text with a trailing ` # comment` (outside quotes) removed.
fn strip_comment(line: &str) -> &str {
    let (mut quote, mut prev_space) = (None, true);
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if prev_space => return line[..i].trim_end(),
            _ => {}
        }
        prev_space = c.is_whitespace();
    }
    line.trim_end()
}

fn normalise(line: &str) -> String {
    let line = strip_comment(line).trim();
    let line = line.strip_suffix('&').unwrap_or(line).trim();
    match line.strip_prefix("cargo run --release -- ") {
        Some(rest) => format!("framelab {rest}"),
        None => line.to_owned(),
    }
}

/// The lines of each fenced block of `lang` in a markdown file.
fn fenced(text: &str, lang: &str) -> Vec<String> {
    let (mut out, mut inside, mut any_fence) = (Vec::new(), false, false);
    for line in text.lines() {
        if let Some(info) = line.strip_prefix("```") {
            if any_fence {
                any_fence = false;
                inside = false;
            } else {
                any_fence = true;
                inside = info.trim() == lang;
            }
        } else if inside {
            out.push(line.to_owned());
        }
    }
    out
}

fn markdown_files() -> Vec<PathBuf> {
    let mut files =
        vec![repo().join("README.md"), repo().join("scenarios/README.md"), repo().join("examples/README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

fn rel(path: &Path) -> String {
    path.strip_prefix(repo()).unwrap_or(path).display().to_string()
}

fn sh_commands() -> Vec<Doc> {
    let mut out = Vec::new();
    for f in markdown_files() {
        let text = std::fs::read_to_string(&f).unwrap();
        for line in fenced(&text, "sh") {
            let line = normalise(&line);
            if !line.is_empty() {
                out.push(Doc { source: rel(&f), line });
            }
        }
    }
    out
}

/// The `$ ` lines of every console block trycmd runs (cli_docs.rs).
fn trycmd_commands() -> BTreeSet<String> {
    let mut files = markdown_files();
    for e in std::fs::read_dir(repo().join("tests/cmd")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|e| e == "md") {
            files.push(p);
        }
    }
    let mut out = BTreeSet::new();
    for f in files {
        for line in fenced(&std::fs::read_to_string(&f).unwrap(), "console") {
            if let Some(cmd) = line.strip_prefix("$ ") {
                out.insert(cmd.trim().to_owned());
            }
        }
    }
    out
}

fn help(args: &[&str]) -> String {
    let out = Command::new(exe()).args(args).arg("--help").output().unwrap();
    assert!(out.status.success(), "framelab {args:?} --help failed");
    String::from_utf8(out.stdout).unwrap()
}

/// The examples of one --help text.
fn help_examples(source: &str, text: &str) -> Vec<Doc> {
    let mut out = Vec::new();
    let mut lines = text.lines().skip_while(|l| !l.trim_end().ends_with("Examples:"));
    lines.next();
    for line in lines.take_while(|l| !l.trim().is_empty()) {
        let indent = line.len() - line.trim_start().len();
        let body = line.trim();
        let push =
            |out: &mut Vec<Doc>, cmd: &str| out.push(Doc { source: source.to_owned(), line: cmd.trim().to_owned() });
        if indent == 2 && body.starts_with("framelab ") {
            let (cmd, rest) = body.split_once("  ").unwrap_or((body, ""));
            push(&mut out, cmd);
            if let Some(then) = rest.trim().strip_prefix("then: ") {
                push(&mut out, then);
            }
        } else if indent > 2 && body.starts_with("python3 ") {
            push(&mut out, body);
        }
    }
    out
}

fn help_commands() -> Vec<Doc> {
    let top = help(&[]);
    let mut out = help_examples("framelab --help", &top);
    let subcommands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|s| s != "help")
        .collect();
    assert!(subcommands.len() >= 8, "subcommands read from framelab --help: {subcommands:?}");
    for sub in subcommands {
        let text = help(&[&sub]);
        let found = help_examples(&format!("framelab {sub} --help"), &text);
        assert!(!found.is_empty(), "framelab {sub} --help shows no example");
        out.extend(found);
    }
    out
}

fn excluded(cmd: &str) -> Option<&'static str> {
    EXCLUDED.iter().find(|(pat, _)| matches(pat, cmd)).map(|(_, why)| *why)
}

fn matches(pattern: &str, cmd: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => cmd.starts_with(prefix),
        None => cmd == pattern,
    }
}

/// What this test does with a command.
#[derive(Debug, PartialEq)]
enum Plan {
    Trycmd,
    Excluded,
    Serve,
    Proxy,
    Smoke,
    Client,
    Run,
}

fn plan(cmd: &str, trycmd: &BTreeSet<String>) -> Option<Plan> {
    if trycmd.contains(cmd) {
        return Some(Plan::Trycmd);
    }
    if excluded(cmd).is_some() {
        return Some(Plan::Excluded);
    }
    let args = shell_words::split(cmd).ok()?;
    match (args.first().map(String::as_str), args.get(1).map(String::as_str)) {
        (Some("framelab"), Some("serve")) => Some(Plan::Serve),
        (Some("framelab"), Some("proxy")) => Some(Plan::Proxy),
        (Some("framelab"), Some("soak" | "bench" | "explore")) => Some(Plan::Smoke),
        (Some("framelab"), Some("run" | "init" | "list")) => Some(Plan::Run),
        (Some("python3"), Some("-c")) => Some(Plan::Client),
        // Plain file commands, run by sh in the session folder.
        (Some("mkdir" | "cp"), _) => Some(Plan::Run),
        _ => None,
    }
}

/// A process started in the background, its stdout read line by line.
struct Background {
    child: Child,
    lines: mpsc::Receiver<String>,
    port: u16,
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(args: &[String], dir: &Path) -> Result<Background, String> {
    let mut child = Command::new(exe())
        .args(&args[1..])
        .current_dir(dir)
        .env("PATH", crate::path_with_python())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("spawn: {e}"))?;
    let (tx, lines) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut bg = Background { child, lines, port: 0 };
    let first = bg.lines.recv_timeout(LINE_TIMEOUT).map_err(|_| "no first line within 20 s".to_owned())?;
    let addr = if let Some(a) = first.strip_prefix("listening on ") {
        a.to_owned()
    } else if first.starts_with("{\"event\":\"listening\"") {
        let v: serde_json::Value = serde_json::from_str(&first).map_err(|e| format!("{first}: {e}"))?;
        v["addr"].as_str().unwrap_or_default().to_owned()
    } else {
        return Err(format!("first line {first:?}, expected `listening on 127.0.0.1:PORT`"));
    };
    let port = addr.strip_prefix("127.0.0.1:").and_then(|p| p.parse().ok());
    bg.port = port.filter(|&p| p != 0).ok_or_else(|| format!("first line {first:?}: not 127.0.0.1:PORT"))?;
    Ok(bg)
}

/// `hello\n` sent, what comes back within 5 s (until EOF or 6 bytes).
fn exchange(port: u16) -> Result<Vec<u8>, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect {port}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"hello\n").map_err(|e| e.to_string())?;
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    while got.len() < 6 {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    Ok(got)
}

/// A session: the commands of one source, in one folder, in order.
struct Session {
    dir: tempfile::TempDir,
    /// Port written in the docs -> port of the server started for it.
    ports: BTreeMap<u16, u16>,
    servers: Vec<Background>,
    /// Index in `servers` of the last `framelab serve`.
    last_serve: Option<usize>,
}

impl Session {
    fn new() -> Session {
        let dir = tempfile::tempdir().unwrap();
        for name in ["scenarios", "examples"] {
            std::os::unix::fs::symlink(repo().join(name), dir.path().join(name)).unwrap();
        }
        std::fs::create_dir_all(dir.path().join("fuzz")).unwrap();
        std::os::unix::fs::symlink(repo().join("fuzz/seeds"), dir.path().join("fuzz/seeds")).unwrap();
        std::fs::create_dir(dir.path().join("public")).unwrap();
        Session { dir, ports: BTreeMap::new(), servers: Vec::new(), last_serve: None }
    }

    /// `127.0.0.1:P` with P fixed becomes `127.0.0.1:0` when `listen`, or
    /// the port started for P.
    fn addr_arg(&self, value: &str, listen: bool) -> (String, Option<u16>) {
        match value.strip_prefix("127.0.0.1:").and_then(|p| p.parse::<u16>().ok()) {
            Some(p) if p != 0 && listen => ("127.0.0.1:0".into(), Some(p)),
            Some(p) if !listen => (format!("127.0.0.1:{}", self.ports.get(&p).copied().unwrap_or(p)), None),
            _ => (value.to_owned(), None),
        }
    }

    fn serve(&mut self, cmd: &str) -> Result<(), String> {
        let mut args = shell_words::split(cmd).ok().ok_or("unbalanced quotes")?;
        let mut fixed = None;
        if let Some(i) = args.iter().position(|a| a == "--addr") {
            let (v, p) = self.addr_arg(&args[i + 1], true);
            (args[i + 1], fixed) = (v, p);
        }
        let bg = spawn(&args, self.dir.path())?;
        if let Some(p) = fixed {
            self.ports.insert(p, bg.port);
        }
        self.servers.push(bg);
        self.last_serve = Some(self.servers.len() - 1);
        Ok(())
    }

    fn proxy(&mut self, cmd: &str) -> Result<(), String> {
        let mut args = shell_words::split(cmd).ok().ok_or("unbalanced quotes")?;
        let up = args.iter().position(|a| a == "--upstream").ok_or("no --upstream")?;
        let doc_up = args[up + 1].strip_prefix("127.0.0.1:").and_then(|p| p.parse::<u16>().ok());
        let upstream = match doc_up.and_then(|p| self.ports.get(&p)) {
            Some(&p) => p,
            None => {
                let helper = ["framelab", "serve", "delimiter", "--handler", "upper"].map(String::from);
                let bg = spawn(&helper, self.dir.path()).map_err(|e| format!("helper upstream: {e}"))?;
                let p = bg.port;
                self.servers.push(bg);
                p
            }
        };
        args[up + 1] = format!("127.0.0.1:{upstream}");
        let mut fixed = None;
        if let Some(i) = args.iter().position(|a| a == "--listen") {
            let (v, p) = self.addr_arg(&args[i + 1], true);
            (args[i + 1], fixed) = (v, p);
        }
        let bg = spawn(&args, self.dir.path())?;
        let port = bg.port;
        self.servers.push(bg);
        if let Some(p) = fixed {
            self.ports.insert(p, port);
        }
        let direct = exchange(upstream)?;
        let proxied = exchange(port)?;
        if direct.is_empty() || proxied != direct {
            return Err(format!(
                "hello\\n: upstream answered {:?}, through the proxy {:?}",
                String::from_utf8_lossy(&direct),
                String::from_utf8_lossy(&proxied)
            ));
        }
        Ok(())
    }

    fn client(&mut self, cmd: &str) -> Result<String, String> {
        let i = self.last_serve.ok_or("a client with no `framelab serve` before it")?;
        let port = self.servers[i].port.to_string();
        let mut args = shell_words::split(cmd).ok().ok_or("unbalanced quotes")?;
        let fixed: Vec<u16> = self.ports.keys().copied().collect();
        for a in &mut args {
            *a = a.replace("PORT", &port);
            for p in &fixed {
                *a = a.replace(&format!("'127.0.0.1',{p}"), &format!("'127.0.0.1',{port}"));
            }
        }
        let out = run_bounded(
            Command::new(&args[0]).args(&args[1..]).current_dir(self.dir.path()).env("PATH", crate::path_with_python()),
        )?;
        if out.0 != Some(0) {
            return Err(format!("exit {:?}\n{}{}", out.0, out.1, out.2));
        }
        let server = &self.servers[i];
        let logged = std::iter::from_fn(|| server.lines.recv_timeout(Duration::from_secs(5)).ok())
            .find(|l| l.contains("] message "));
        logged.ok_or_else(|| "the server logged no `[conn N] message` line".to_owned())
    }

    fn run(&mut self, cmd: &str, smoke: bool) -> Result<String, String> {
        let args = shell_words::split(cmd).ok().ok_or("unbalanced quotes")?;
        let mut c = if args[0] == "framelab" {
            let mut c = Command::new(exe());
            c.args(&args[1..]);
            c
        } else {
            let mut c = Command::new("sh");
            c.args(["-c", cmd]);
            c
        };
        c.current_dir(self.dir.path()).env("PATH", crate::path_with_python());
        if smoke {
            c.env(SMOKE_ENV, "1");
        }
        let (code, stdout, stderr) = run_bounded(&mut c)?;
        let want = if EXIT_1.contains(&cmd) { 1 } else { 0 };
        let fail = |why: String| Err(format!("{why}\nstdout:\n{stdout}\nstderr:\n{stderr}"));
        if code != Some(want) {
            return fail(format!("exit {code:?}, expected {want}"));
        }
        for flag in ["--out", "--html", "--junit", "--plot"] {
            if let Some(i) = args.iter().position(|a| a == flag) {
                let written = std::fs::metadata(self.dir.path().join(&args[i + 1])).map(|m| m.len()).unwrap_or(0);
                if written == 0 {
                    return fail(format!("{flag} {}: not written", args[i + 1]));
                }
            }
        }
        let json = args.windows(2).any(|w| w[0] == "--format" && w[1] == "json");
        let value = if json {
            match serde_json::from_str::<serde_json::Value>(&stdout) {
                Ok(v) => Some(v),
                Err(e) => return fail(format!("--format json: {e}")),
            }
        } else {
            None
        };
        let check = match args.get(1).map(String::as_str) {
            Some("run") if !json && !stdout.contains(" passed, 0 failed") => Err("no `N passed, 0 failed`".to_owned()),
            Some("soak") => check_soak(&args, value.as_ref(), &stdout),
            Some("bench") => check_bench(&args, value.as_ref(), &stdout),
            _ => Ok(()),
        };
        match check {
            Ok(()) => Ok(stdout.lines().last().unwrap_or_default().to_owned()),
            Err(why) => fail(why),
        }
    }
}

/// Runs to the end, killed after RUN_TIMEOUT: (exit code, stdout, stderr).
fn run_bounded(c: &mut Command) -> Result<(Option<i32>, String, String), String> {
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn: {e}"))?;
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let mut stderr = String::new();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = err.read_to_string(&mut stderr);
        let _ = tx.send(stderr);
    });
    let stderr = match rx.recv_timeout(RUN_TIMEOUT) {
        Ok(s) => s,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("still running after {} s; killed", RUN_TIMEOUT.as_secs()));
        }
    };
    let status = child.wait().map_err(|e| e.to_string())?;
    Ok((status.code(), reader.join().unwrap(), stderr))
}

/// The strategies a soak command names (its default when none).
fn soak_strategies(args: &[String]) -> Vec<String> {
    let mut named = Vec::new();
    let mut i = 2;
    while i < args.len() {
        if args[i].starts_with("--") {
            i += 2; // every soak option takes a value
        } else {
            named.push(args[i].clone());
            i += 1;
        }
    }
    if named.is_empty() {
        named = ["naive", "delimiter", "length-prefix", "json-header", "handshake"].map(String::from).to_vec();
    }
    named
}

fn check_soak(args: &[String], json: Option<&serde_json::Value>, stdout: &str) -> Result<(), String> {
    let strategies = soak_strategies(args);
    match json {
        Some(v) => {
            let rows = v["soaks"].as_array().ok_or("no `soaks` array")?;
            let got: Vec<&str> = rows.iter().map(|r| r["strategy"].as_str().unwrap_or("?")).collect();
            if got != strategies || rows.iter().any(|r| r["ok"] != true) {
                return Err(format!("expected an ok entry for each of {strategies:?}, got {got:?}"));
            }
        }
        None => {
            let got: Vec<&str> = stdout
                .lines()
                .filter_map(|l| l.strip_prefix("PASS "))
                .filter_map(|l| l.split_whitespace().next())
                .collect();
            if got != strategies {
                return Err(format!("expected a PASS line for each of {strategies:?}, got {got:?}"));
            }
        }
    }
    Ok(())
}

fn check_bench(args: &[String], json: Option<&serde_json::Value>, stdout: &str) -> Result<(), String> {
    let flag = |name: &str| args.windows(2).find(|w| w[0] == name).map(|w| w[1].as_str());
    let loopback: &[&str] = match flag("--loopback-threads") {
        Some("1") => &["loopback"],
        Some(_) => &["loopback-2threads"],
        None => &["loopback", "loopback-2threads"],
    };
    let modes: Vec<&str> = match flag("--mode").unwrap_or("all") {
        "all" => [&["codec"][..], loopback].concat(),
        "codec" => vec!["codec"],
        _ => loopback.to_vec(),
    };
    let names = ["naive", "delimiter", "length-prefix", "json-header", "raw"];
    match json {
        Some(v) => {
            let rows = v["results"].as_array().ok_or("no `results` array")?;
            for m in &modes {
                for n in names {
                    let found =
                        rows.iter().any(|r| r["mode"] == *m && r["name"] == n && r["bytes_per_sec"].is_number());
                    if !found {
                        return Err(format!("no {m} row for {n}"));
                    }
                }
            }
        }
        None => {
            for m in &modes {
                // From `codec mode: ...` to the next `... mode: ` line.
                let mut current = None;
                let block: Vec<&str> = stdout
                    .lines()
                    .filter(|l| {
                        if let Some((name, _)) = l.split_once(" mode: ") {
                            current = Some(name.to_owned());
                        }
                        current.as_deref() == Some(*m)
                    })
                    .collect();
                let block = block.join("\n");
                if block.is_empty() {
                    return Err(format!("no {m} table"));
                }
                // `64 B     naive  ...` or `         naive  ...`: the name
                // follows the size, when there is one.
                let name = |l: &str| {
                    let t: Vec<&str> = l.split_whitespace().collect();
                    let skip = if l.starts_with(|c: char| c.is_ascii_digit()) { 2 } else { 0 };
                    t.get(skip).map(|n| n.to_string())
                };
                if let Some(n) = names.iter().find(|n| !block.lines().any(|l| name(l).as_deref() == Some(**n))) {
                    return Err(format!("{m} table has no {n} row"));
                }
            }
        }
    }
    Ok(())
}

/// Whether `cmd` gives the same result in any session: a `framelab` bench,
/// soak, explore or run that writes no file and reads only the repository's
/// linked folders. Such a command documented in several places runs once.
fn stateless(cmd: &str) -> bool {
    let Ok(args) = shell_words::split(cmd) else { return false };
    let writes = ["--out", "--html", "--junit", "--plot", "-o"];
    args.first().map(String::as_str) == Some("framelab")
        && matches!(args.get(1).map(String::as_str), Some("bench" | "soak" | "explore" | "run"))
        && !args.iter().any(|a| writes.contains(&a.as_str()) || a.contains("9000") || a.contains("PORT"))
        && args[2..]
            .iter()
            .filter(|a| !a.starts_with('-') && a.contains('/'))
            .all(|a| a.starts_with("scenarios/") || a.starts_with("examples/") || a.starts_with("fuzz/seeds/"))
}

fn run_session(cmds: &[(Doc, Plan)], once: &std::sync::Mutex<BTreeSet<String>>) -> Vec<String> {
    let mut s = Session::new();
    let mut failures = Vec::new();
    for (doc, plan) in cmds {
        if matches!(plan, Plan::Run | Plan::Smoke)
            && stateless(&doc.line)
            && !once.lock().unwrap().insert(doc.line.clone())
        {
            eprintln!("once  {}: {}  (run where another doc shows it)", doc.source, doc.line);
            continue;
        }
        let started = std::time::Instant::now();
        let got = match plan {
            Plan::Serve => s.serve(&doc.line).map(|()| "listening".to_owned()),
            Plan::Proxy => s.proxy(&doc.line).map(|()| "listening, hello\\n through".to_owned()),
            Plan::Client => s.client(&doc.line),
            Plan::Smoke => s.run(&doc.line, true),
            Plan::Run => s.run(&doc.line, false),
            Plan::Trycmd | Plan::Excluded => continue,
        };
        let secs = started.elapsed().as_secs_f64();
        match got {
            Ok(last) => eprintln!("ok {:.1}s  {}: {}  ->  {last}", secs, doc.source, doc.line),
            Err(e) => failures.push(format!("{}: `{}`: {e}", doc.source, doc.line)),
        }
    }
    failures
}

#[test]
fn every_documented_command_runs_or_is_excluded_with_a_reason() {
    let trycmd = trycmd_commands();
    let mut docs = sh_commands();
    docs.extend(help_commands());
    let mut sessions: BTreeMap<String, Vec<(Doc, Plan)>> = BTreeMap::new();
    let mut unhandled = Vec::new();
    for doc in docs {
        match plan(&doc.line, &trycmd) {
            Some(p) => sessions.entry(doc.source.clone()).or_default().push((doc, p)),
            None => unhandled.push(format!("{}: `{}`", doc.source, doc.line)),
        }
    }
    assert!(
        unhandled.is_empty(),
        "commands neither run by this test nor by trycmd nor in EXCLUDED (add them there with a reason):\n{}",
        unhandled.join("\n")
    );
    let all: Vec<&Doc> = sessions.values().flatten().map(|(d, _)| d).collect();
    let stale: Vec<&str> =
        EXCLUDED.iter().map(|(p, _)| *p).filter(|p| !all.iter().any(|d| matches(p, &d.line))).collect();
    assert!(stale.is_empty(), "EXCLUDED entries that match no documented command: {stale:?}");
    let stale: Vec<&&str> = EXIT_1.iter().filter(|c| !all.iter().any(|d| d.line == **c)).collect();
    assert!(stale.is_empty(), "EXIT_1 entries that match no documented command: {stale:?}");
    for (doc, p) in sessions.values().flatten() {
        if *p == Plan::Excluded {
            eprintln!("excluded  {}: {}  ({})", doc.source, doc.line, excluded(&doc.line).unwrap());
        }
    }
    // Two sessions at a time: the scenarios they run have deadlines, and
    // the machine (2 cores in CI) runs other tests beside this one.
    let queue = std::sync::Mutex::new(sessions.values().collect::<Vec<_>>());
    let once = std::sync::Mutex::new(BTreeSet::new());
    let failures: Vec<String> = std::thread::scope(|scope| {
        let worker = || {
            let mut failed = Vec::new();
            while let Some(cmds) = { queue.lock().unwrap().pop() } {
                failed.extend(run_session(cmds, &once));
            }
            failed
        };
        let handles: Vec<_> = (0..2).map(|_| scope.spawn(worker)).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert!(failures.is_empty(), "{} documented command(s) failed:\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn help_examples_are_read_up_to_two_spaces_with_then_and_clients() {
    let text = "Usage\n\nExamples:\n  framelab a --x \"b c\"   what it does\n      python3 -c \"x\"\n  framelab b  then: framelab c\n\nMore text\n  framelab not-an-example\n";
    let got: Vec<String> = help_examples("t", text).into_iter().map(|d| d.line).collect();
    assert_eq!(got, ["framelab a --x \"b c\"", "python3 -c \"x\"", "framelab b", "framelab c"]);
    assert_eq!(normalise("cargo run --release -- bench --quick   # about 30 s"), "framelab bench --quick");
    assert_eq!(normalise("framelab serve x --addr 127.0.0.1:9000 &"), "framelab serve x --addr 127.0.0.1:9000");
    assert_eq!(normalise("python3 -c \"a # b\""), "python3 -c \"a # b\"");
    assert!(plan("framelab frobnicate", &BTreeSet::new()).is_none(), "an unknown command is not handled");
}

#[test]
fn only_commands_that_write_nothing_and_read_the_repository_run_once() {
    assert!(stateless("framelab bench --quick --format json"));
    assert!(stateless("framelab soak length-prefix:i32le --hostile 5000"));
    assert!(stateless("framelab explore examples/explore/resp-naive.toml"));
    assert!(!stateless("framelab bench --quick --plot bench.svg"), "writes a file");
    assert!(!stateless("framelab explore examples/explore/naive-tutorial.toml --out min.toml"), "writes a file");
    assert!(!stateless("framelab run framelab-scenarios/"), "reads what an earlier command of its session made");
    assert!(!stateless("framelab run --target 127.0.0.1:9000"), "needs its session's server");
    assert!(!stateless("framelab serve delimiter"), "a server");
}
