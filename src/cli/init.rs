//! `framelab init`: starting scenario files for the user's own server.
//!
//! One file per schedule that matters (coalesced, split, header cut for
//! length-prefix, drip), each expecting `intact`: a server that reassembles
//! messages passes them, one that takes a `recv()` for a message fails. Every
//! file is checked by the scenario loader before it is written.

use std::path::{Component, Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

use crate::framing::FramingSpec;

/// What the server answers for each message it understood.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Reply {
    /// One line `len=N sha256=HEX` per message (the examples' servers).
    Digest,
    /// The message itself, framed like the requests.
    Echo,
    /// The message upper-cased, framed like the requests.
    Upper,
    /// `Receive your message!` per message, one line each.
    Ack,
    /// Nothing: refused, see the error.
    None,
}

/// Options of `framelab init`.
#[derive(Debug, Args)]
#[command(after_help = "Every file expects `intact`: a server that keeps message boundaries passes, one that
takes each recv() as a message fails. The command is split on spaces (no shell) and
runs in the folder of the scenario files; paths in it that exist are rewritten
relative to that folder. `{port}` becomes the port the server must listen on.

Examples:
  framelab init --command \"python3 my_server.py {port}\" --reply upper
  framelab init --command \"python3 examples/servers/line_server.py {port}\" --framing delimiter --reply digest
  framelab init --addr 127.0.0.1:9000 --framing length-prefix --reply echo --out my-scenarios
  framelab init --addr 127.0.0.1:9000 --framing length-prefix:u16be --reply echo --message hex:8a5c0100000100000000000001610000010001 --out dns-scenarios
  framelab run framelab-scenarios/")]
pub struct InitArgs {
    /// Command that starts your server, e.g. "python3 my_server.py {port}".
    #[arg(long, conflicts_with = "addr", required_unless_present = "addr")]
    pub command: Option<String>,
    /// Address of your already running server (loopback only).
    #[arg(long)]
    pub addr: Option<std::net::SocketAddr>,
    /// How messages go on the wire (see `framelab list strategies`): delimiter, length-prefix, ...;
    /// raw (the default) for a server that takes each recv() as a message, judged by its own reads
    #[arg(long, value_parser = parse_framing, default_value = "raw")]
    pub framing: (String, FramingSpec),
    /// What your server answers for each message.
    #[arg(long, value_enum, default_value = "digest")]
    pub reply: Reply,
    /// A regular expression each reply matches, instead of --reply: e.g.
    /// `'got (?P<len>\d+)'` for a server that answers `got N`. A named group
    /// `len` (the length the server understood) locates each reply; without
    /// it, replies are only counted.
    #[arg(long = "match", value_name = "REGEX", conflicts_with = "reply")]
    pub pattern: Option<String>,
    /// Framing of the replies (default: lines for digest, ack and --match; echo and upper are read unframed unless framed unlike the requests).
    #[arg(long, value_parser = parse_framing)]
    pub reply_framing: Option<(String, FramingSpec)>,
    /// A message to send (repeat for more; default "hello" and "world"):
    /// text, or `hex:8a5c0100...` / `base64:...` for bytes that are not
    /// text, written to the files as `{ hex = "..." }`.
    #[arg(long = "message", value_name = "MESSAGE", value_parser = parse_message)]
    pub messages: Vec<crate::scenario::Message>,
    /// Folder to write the scenario files to.
    #[arg(long, default_value = "framelab-scenarios")]
    pub out: PathBuf,
    /// Overwrite files that exist.
    #[arg(long)]
    pub force: bool,
}

fn parse_message(s: &str) -> anyhow::Result<crate::scenario::Message> {
    crate::scenario::Message::from_arg(s).map_err(|e| anyhow::anyhow!("{e}"))
}

/// The text as given (written to the files as is) and what it means.
fn parse_framing(s: &str) -> anyhow::Result<(String, FramingSpec)> {
    match s.parse::<FramingSpec>() {
        Ok(spec) => Ok((s.to_owned(), spec)),
        Err(e) => bail!("{e} (see `framelab list strategies`)"),
    }
}

/// `target` relative to `base` (both absolute), with `..` where needed.
fn relative_to(target: &Path, base: &Path) -> PathBuf {
    let t: Vec<Component> = target.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    out
}

/// Refuses a program that is neither a file (a path) nor found in `PATH`.
fn check_program(program: &str) -> anyhow::Result<()> {
    let found = if program.contains('/') {
        Path::new(program).is_file()
    } else {
        std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
    };
    if !found {
        let hint = if program.contains('/') { "no such file" } else { "not found in PATH" };
        bail!(
            "--command: the program {program:?} does not exist ({hint}); give the program that starts your server, \
             e.g. --command \"python3 my_server.py {{port}}\""
        );
    }
    Ok(())
}

/// Whether a command argument reads as a file: a path with a `/`, or a
/// name with a script's extension.
fn looks_like_a_path(w: &str) -> bool {
    const SCRIPTS: [&str; 9] = [".py", ".js", ".mjs", ".rb", ".sh", ".pl", ".php", ".lua", ".jar"];
    !w.contains("{port}")
        && !w.starts_with('-')
        && !w.contains('=')
        && (w.contains('/') || SCRIPTS.iter().any(|e| w.ends_with(e)))
}

/// TOML basic string.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

impl InitArgs {
    /// The `[target]` section's body, with paths made relative to `out`.
    fn target(&self, out_abs: &Path) -> anyhow::Result<String> {
        if let Some(a) = self.addr {
            if !crate::net::is_loopback(&a) {
                bail!("--addr {a} is not a loopback address; framelab only sends test traffic to 127.0.0.0/8 and ::1");
            }
            return Ok(format!("addr = \"{a}\""));
        }
        let command = self.command.as_deref().unwrap_or_default();
        let words: Vec<&str> = command.split_whitespace().collect();
        if words.is_empty() {
            bail!(
                "--command is empty: give the program and its arguments, e.g. --command \"python3 my_server.py {{port}}\""
            );
        }
        if !words.iter().any(|w| w.contains("{port}")) {
            bail!(
                "--command {command:?} has no {{port}}: framelab picks a free port and puts it there, e.g. --command \"python3 my_server.py {{port}}\""
            );
        }
        let cwd = std::env::current_dir().context("the current folder")?;
        let args: Vec<String> = words
            .iter()
            .map(|w| match Path::new(w) {
                p if p.is_relative() && p.exists() && !w.contains("{port}") => {
                    let abs = cwd.join(p);
                    relative_to(&abs, out_abs).to_string_lossy().into_owned()
                }
                _ => (*w).to_owned(),
            })
            .collect();
        let list: Vec<String> = args.iter().map(|a| quote(a)).collect();
        Ok(format!("command = [{}]", list.join(", ")))
    }

    /// Refuses a `--command` whose program does not exist, and warns about
    /// an argument that looks like a script and is not there.
    fn check_command(&self) -> anyhow::Result<()> {
        let Some(command) = &self.command else { return Ok(()) };
        let words: Vec<&str> = command.split_whitespace().collect();
        let Some(program) = words.first() else { return Ok(()) };
        check_program(program)?;
        for w in &words[1..] {
            if looks_like_a_path(w) && !Path::new(w).exists() {
                eprintln!(
                    "warning: --command: {w} does not exist (paths are read from the current folder); the server \
                     will not start unless it is there when the scenarios run"
                );
            }
        }
        Ok(())
    }

    /// `[response]` body, and a note to print when the replies cannot
    /// decide: echo or upper replies framed like the requests are the
    /// bytes sent, which a server echoing each `recv()` writes too, so
    /// they are left unframed (the judge then says `inconclusive`, never
    /// a verdict it cannot know).
    fn response(&self) -> anyhow::Result<(String, Option<String>)> {
        if let Some(p) = &self.pattern {
            let re =
                regex::bytes::Regex::new(p).with_context(|| format!("--match {p:?} is not a regular expression"))?;
            let framing = self.reply_framing.as_ref().map_or("delimiter", |f| f.0.as_str());
            if matches!(framing.parse::<FramingSpec>(), Ok(FramingSpec::Naive(crate::framing::NaiveFormat { .. }))) {
                bail!(
                    "--reply-framing {framing}: unframed replies cannot show where one reply ends; give the framing your server answers in (e.g. delimiter)"
                );
            }
            let note = (!re.capture_names().any(|n| n == Some("len"))).then(|| {
                format!(
                    "note: --match {p:?} has no `len` group: replies are only counted. If your server says how many \
                     bytes it understood, name that number, e.g. --match 'got (?P<len>\\d+)'"
                )
            });
            let literal = if p.contains(['\'', '\n']) { quote(p) } else { format!("'{p}'") };
            return Ok((format!("framing = {}\nmatch = {literal}", quote(framing)), note));
        }
        let (expect, default_framing) = match self.reply {
            Reply::Digest => ("digest", "delimiter".to_owned()),
            Reply::Ack => ("ack", "delimiter".to_owned()),
            Reply::Echo => ("echo", self.framing.0.clone()),
            Reply::Upper => ("upper", self.framing.0.clone()),
            Reply::None => bail!(
                "--reply none: without replies framelab cannot see where your server thinks a message ends, so no verdict could be trusted; make the server answer each message (a line `len=N sha256=HEX` is --reply digest, the message itself is --reply echo)"
            ),
        };
        let raw = matches!(self.framing.1, FramingSpec::Naive(crate::framing::NaiveFormat { .. }));
        if raw && self.reply_framing.is_none() && matches!(self.reply, Reply::Echo | Reply::Upper) {
            // Raw requests: the server's own reads decide (traced); its
            // replies are read as the stream they are.
            return Ok((format!("expect = \"{expect}\"                 # replies read as a stream"), None));
        }
        let framing = self.reply_framing.as_ref().map_or(default_framing, |f| f.0.clone());
        if matches!(framing.parse::<FramingSpec>(), Ok(FramingSpec::Naive(crate::framing::NaiveFormat { .. }))) {
            bail!(
                "--reply-framing {framing}: unframed replies cannot show where one reply ends; give the framing your server answers in (e.g. delimiter)"
            );
        }
        let echo = matches!(self.reply, Reply::Echo | Reply::Upper);
        if echo && framing.parse::<FramingSpec>().ok().as_ref() == Some(&self.framing.1) {
            let note = format!(
                "note: --reply {expect} framed like the requests ({framing}) cannot be judged: a server that echoes each \
                 recv() as it came writes the same bytes however it read them. The files read the replies unframed and \
                 will say `inconclusive`; for a verdict, reply with a digest (--reply digest) or frame the replies \
                 unlike the requests (--reply-framing)"
            );
            return Ok((
                format!("expect = \"{expect}\"                 # replies read unframed: see `framelab init` note"),
                Some(note),
            ));
        }
        Ok((format!("framing = {}\nexpect = \"{expect}\"", quote(&framing)), None))
    }

    /// (file name, schedule lines, what it checks) for the framing.
    fn schedules(&self) -> anyhow::Result<Vec<(&'static str, String, &'static str)>> {
        let mut out = vec![
            ("coalesced.toml", "schedule = \"coalesce\"".to_owned(), "both messages in one write (sticky packet, B1)"),
            (
                "split.toml",
                "schedule = { chunk = 3 }\npause = \"150ms\"".to_owned(),
                "every message cut into 3-byte writes (half packet, B3)",
            ),
        ];
        match &self.framing.1 {
            FramingSpec::Naive(crate::framing::NaiveFormat { .. }) if self.command.is_none() => bail!(
                "--framing raw with --addr: a server framelab did not start cannot be traced, and without its own reads \
                 nothing shows where it thinks a message ends; give --command (framelab starts it and traces its reads), \
                 or the framing your server reads (delimiter, length-prefix, ...; see `framelab list strategies`)"
            ),
            FramingSpec::Naive(crate::framing::NaiveFormat { .. }) => {
                // Raw: the split file waits for each read instead of pausing.
                out[1].1 = "schedule = { chunk = 3 }".to_owned();
            }
            FramingSpec::Udp(crate::framing::UdpFormat { .. }) => {
                bail!("--framing udp: init writes TCP scenarios; UDP keeps datagram boundaries")
            }
            FramingSpec::LengthPrefix(p) if p.width >= 2 => {
                // Two frames of "hello" and "world": cut each header in two.
                let w = usize::from(p.width);
                let half = w / 2;
                out.push((
                    "header-cut.toml",
                    format!("schedule = {{ cuts = [{half}, {}] }}\npause = \"150ms\"", w + 5 + half),
                    "each length header cut in two (B4)",
                ));
            }
            _ => {}
        }
        let raw = matches!(self.framing.1, FramingSpec::Naive(crate::framing::NaiveFormat { .. }));
        out.push((
            "drip.toml",
            if raw { "schedule = \"drip\"".to_owned() } else { "schedule = \"drip\"\npause = \"30ms\"".to_owned() },
            "one byte per write: every read boundary a server could rely on is gone",
        ));
        Ok(out)
    }

    /// Writes the files.
    pub fn run(self) -> anyhow::Result<i32> {
        // Every check before anything is created.
        let (response, note) = self.response()?;
        let schedules = self.schedules()?;
        self.target(&std::env::current_dir().context("the current folder")?)?;
        self.check_command()?;
        std::fs::create_dir_all(&self.out)
            .with_context(|| format!("{}: cannot create the folder", self.out.display()))?;
        let out_abs = self.out.canonicalize().with_context(|| self.out.display().to_string())?;
        let target = self.target(&out_abs)?;
        let framing = quote(&self.framing.0);
        let messages = if self.messages.is_empty() {
            vec![crate::scenario::Message::from("hello"), crate::scenario::Message::from("world")]
        } else {
            self.messages.clone()
        };
        let messages = toml::Value::Array(messages.iter().map(crate::scenario::Message::to_toml).collect());
        let mut written = Vec::new();
        for (file, schedule, what) in schedules {
            let path = self.out.join(file);
            let stem = file.trim_end_matches(".toml");
            let text = format!(
                "# Written by `framelab init`. Run: framelab run {out}\n\
                 name = \"my server: {stem}\"\n\
                 description = \"{what}; a server that keeps message boundaries answers intact\"\n\n\
                 [target]\n{target}\n\n\
                 [client]\nframing = {framing}\nmessages = {messages}\n{schedule}\n\
                 sync = true                     # wait until the server has read each write (Linux: its own reads, traced)\n\n\
                 [response]\n{response}\n\n\
                 [expect]\nverdict = \"intact\"\n",
                out = self.out.display(),
            );
            crate::scenario::parse(&text, &path)
                .map_err(|e| anyhow::anyhow!("framelab init wrote a bad scenario: {e}"))?;
            std::fs::write(&path, text).with_context(|| format!("{}: cannot write", path.display()))?;
            written.push(path);
        }
        for p in &written {
            println!("wrote {}", p.display());
        }
        if matches!(self.framing.1, FramingSpec::Naive(crate::framing::NaiveFormat { .. })) {
            println!(
                "note: --framing raw: your server is judged by its own reads (framelab starts it and traces its \
                 read() calls; Linux): each read must be exactly one message"
            );
        }
        if let Some(n) = note {
            println!("{n}");
        }
        println!("next: framelab run {}", self.out.display());
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_like_arguments_are_checked_flags_and_ports_are_not() {
        assert!(looks_like_a_path("server.py"));
        assert!(looks_like_a_path("./bin/serve"));
        assert!(!looks_like_a_path("{port}"));
        assert!(!looks_like_a_path("--bind"));
        assert!(!looks_like_a_path("127.0.0.1"));
        assert!(!looks_like_a_path("--config=a/b.conf"));
    }

    #[test]
    fn relative_paths_climb_out_of_the_output_folder() {
        assert_eq!(relative_to(Path::new("/a/b/s.py"), Path::new("/a/out")), PathBuf::from("../b/s.py"));
        assert_eq!(relative_to(Path::new("/a/out/s.py"), Path::new("/a/out")), PathBuf::from("s.py"));
    }
}
