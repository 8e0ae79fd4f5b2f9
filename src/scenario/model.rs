//! The scenario file format (TOML, kebab-case keys, a default for every
//! key, durations as text). `scenarios/README.md` documents it for users.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};

use super::message::Message;
use crate::fault::Schedule;
use crate::fault::payload::{ForgedLength, PayloadKind, SizeRange};
use crate::framing::FramingSpec;
use crate::server::{Handler, Variant};

/// What happened to the messages.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    Default,
    strum::Display,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Verdict {
    /// Every message understood as sent.
    #[default]
    Intact,
    /// Messages merged: the receiver took two or more as one.
    Coalesced,
    /// A message taken in pieces, as several.
    Split,
    /// Bytes misread as framing (or a digest that does not match).
    Desync,
    /// Messages cut short (UDP).
    Truncated,
    /// Whole messages missing.
    Lost,
    /// The peer closed or reset the connection.
    Closed,
    /// Nothing within the timeout.
    Hang,
    /// The peer refused bad input cleanly and kept serving.
    Rejected,
    /// What could be observed cannot tell the cases apart (unframed echo
    /// replies: one merged reply and two replies are the same bytes); the
    /// detail says what would make it decidable.
    Inconclusive,
}

/// Every verdict, in documentation order.
pub const VERDICTS: &[Verdict] = <Verdict as strum::VariantArray>::VARIANTS;

fn de_from_str<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    let s = String::deserialize(d)?;
    s.parse().map_err(serde::de::Error::custom)
}

/// A scenario: a server (or target), a client plan, and the verdict the
/// run must give.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Scenario {
    /// Name shown in reports (default: the file name).
    #[serde(default)]
    pub name: String,
    /// The bug of `docs/bugs.md` this reproduces (`B1`...), if any.
    #[serde(default)]
    pub bug: Option<String>,
    /// One or two sentences for the report.
    #[serde(default)]
    pub description: String,
    /// Seed of the scenario's generator (default: derived from the name).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Deadline of the whole scenario (default 10s).
    #[serde(default = "default_timeout", with = "humantime_serde")]
    pub timeout: Duration,
    /// An in-process reference server (the default when no target is given).
    #[serde(default)]
    pub server: ServerSection,
    /// Anyone's server instead of a reference server.
    #[serde(default)]
    pub target: Option<TargetSection>,
    /// A re-chunking proxy between the client and the server.
    #[serde(default)]
    pub proxy: Option<ProxySection>,
    /// A client program to judge, run instead of framelab's client.
    #[serde(default)]
    pub client_under_test: Option<ClientUnderTestSection>,
    /// The client plan.
    #[serde(default)]
    pub client: ClientSection,
    /// How replies are read and checked.
    #[serde(default)]
    pub response: ResponseSection,
    /// The verdict this run must give.
    #[serde(default)]
    pub expect: ExpectSection,
    /// Messages sent to a target before the scenario, on a connection of
    /// their own: a running server's state reset, so that the scenario
    /// repeats.
    #[serde(default)]
    pub setup: Option<SetupSection>,
    /// The file this came from (set by the loader).
    #[serde(skip)]
    pub file: PathBuf,
}

fn default_timeout() -> Duration {
    Duration::from_secs(10)
}

/// `[server]`: an in-process reference server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServerSection {
    /// Strategy or full framing spec (default `naive`).
    #[serde(default = "default_strategy")]
    pub strategy: FramingSpec,
    /// correct, tutorial (alias seed), utf8, decimal: checked on load.
    #[serde(default, deserialize_with = "de_from_str")]
    pub variant: Variant,
    /// Serve one client at a time (B14): the next waits until this one leaves.
    #[serde(default)]
    pub sequential: bool,
    /// echo, upper, ack, digest, files, silent (default ack).
    #[serde(default, deserialize_with = "de_from_str")]
    pub handler: Handler,
    /// Read size of naive and udp servers.
    #[serde(default)]
    pub read_size: Option<usize>,
    /// Largest frame.
    #[serde(default)]
    pub max_frame: Option<usize>,
    /// Delimiter (escapes allowed).
    #[serde(default)]
    pub delimiter: Option<String>,
    /// Length-prefix preset.
    #[serde(default)]
    pub preset: Option<String>,
    /// Handler delay per message.
    #[serde(default, with = "humantime_serde")]
    pub delay: Option<Duration>,
    /// Root of the files handler, relative to the scenario file.
    #[serde(default)]
    pub root: Option<PathBuf>,
    /// Idle timeout (default 5s in scenarios).
    #[serde(default, with = "humantime_serde")]
    pub idle_timeout: Option<Duration>,
    /// Frame timeout.
    #[serde(default, with = "humantime_serde")]
    pub frame_timeout: Option<Duration>,
    /// Most connections at once.
    #[serde(default)]
    pub max_connections: Option<usize>,
}

fn default_strategy() -> FramingSpec {
    FramingSpec::default()
}

impl Default for ServerSection {
    fn default() -> Self {
        ServerSection {
            strategy: default_strategy(),
            variant: Variant::default(),
            sequential: false,
            handler: Handler::default(),
            read_size: None,
            max_frame: None,
            delimiter: None,
            preset: None,
            delay: None,
            root: None,
            idle_timeout: None,
            frame_timeout: None,
            max_connections: None,
        }
    }
}

/// `[target]`: anyone's server, running already (`addr`) or started for
/// the scenario (`command`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TargetSection {
    /// Address of a running server (loopback only). With `command`: where
    /// the command must listen (port 0 or absent: a free port).
    #[serde(default)]
    pub addr: Option<SocketAddr>,
    /// A server to start: program and arguments (no shell), run in the
    /// scenario file's folder; `{port}`, `{host}`, `{addr}` are replaced.
    #[serde(default)]
    pub command: Option<Vec<String>>,
    /// How long the command may take to listen (default 5s).
    #[serde(default = "default_startup_timeout", with = "humantime_serde")]
    pub startup_timeout: Duration,
    /// The target speaks UDP.
    #[serde(default)]
    pub udp: bool,
    /// Trace a spawned target's own reads and writes (default true where
    /// the kernel allows it; `--no-trace` turns it off for a run).
    #[serde(default = "yes")]
    pub trace: bool,
    /// Shorten a traced target's reads on the scenario's connections:
    /// `"max:N"`, `"drip"` (1 byte), or `{ random = [A, B] }`.
    #[serde(default)]
    pub reads: crate::trace::ReadLimit,
    /// Start the command afresh for every run, even where a target started
    /// for an earlier run could be reused (default false: explore's runs
    /// share one, on fresh connections).
    #[serde(default)]
    pub fresh: bool,
}

fn default_startup_timeout() -> Duration {
    Duration::from_secs(5)
}

impl Default for TargetSection {
    fn default() -> Self {
        TargetSection {
            addr: None,
            command: None,
            startup_timeout: default_startup_timeout(),
            udp: false,
            trace: true,
            reads: crate::trace::ReadLimit::Full,
            fresh: false,
        }
    }
}

/// `[proxy]`: a re-chunking proxy ([`crate::proxy`]) between the client
/// and the server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProxySection {
    /// Client-to-server schedule (default `each`).
    #[serde(default)]
    pub up: Schedule,
    /// Server-to-client schedule (default `each`).
    #[serde(default)]
    pub down: Schedule,
    /// Pause after each write to the server.
    #[serde(default, with = "humantime_serde")]
    pub up_pause: Duration,
    /// Pause after each write to the client.
    #[serde(default, with = "humantime_serde")]
    pub down_pause: Duration,
    /// Held bytes go out after this much quiet (default 50ms).
    #[serde(default = "default_hold", with = "humantime_serde")]
    pub hold: Duration,
    /// Reset both sides after this many bytes client to server.
    #[serde(default)]
    pub up_reset_after: Option<u64>,
    /// Reset both sides after this many bytes server to client.
    #[serde(default)]
    pub down_reset_after: Option<u64>,
    /// Pass this many bytes client to server, then shut that way down.
    #[serde(default)]
    pub up_close_after: Option<u64>,
    /// Pass this many bytes server to client, then shut that way down.
    #[serde(default)]
    pub down_close_after: Option<u64>,
    /// After each write to the server, wait until the server has read it
    /// (the kernel's queues), so the `up` schedule's writes reach separate
    /// reads of the server with no pause.
    #[serde(default)]
    pub sync: bool,
}

fn default_hold() -> Duration {
    crate::proxy::DEFAULT_HOLD
}

/// `[client-under-test]`: a client program run against the scenario's
/// server (through the proxy, if there is one), judged by its exit status
/// and its output.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ClientUnderTestSection {
    /// Program and arguments (no shell), run in the scenario file's folder;
    /// `{addr}`, `{host}`, `{port}` are the server's (or the proxy's).
    pub command: Vec<String>,
    /// The exit code a correct client gives (default 0).
    #[serde(default)]
    pub expect_exit: i32,
    /// What a correct client prints, exactly (compared line by line).
    #[serde(default)]
    pub expect_stdout: Option<String>,
    /// A regular expression a correct client's stdout matches.
    #[serde(default)]
    pub stdout_match: Option<String>,
    /// How long it may run before it is killed (default 5s).
    #[serde(default = "default_client_timeout", with = "humantime_serde")]
    pub timeout: Duration,
}

fn default_client_timeout() -> Duration {
    Duration::from_secs(5)
}

/// `generate = { count = 1000, size = "1..65536", kind = "random" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Generate {
    /// How many messages.
    pub count: usize,
    /// Their sizes.
    #[serde(default = "default_size")]
    pub size: SizeRange,
    /// What they are made of.
    #[serde(default)]
    pub kind: PayloadKind,
}

fn default_size() -> SizeRange {
    SizeRange { min: 1, max: 64 }
}

/// `read = { sizes = [1, 7], pause = "10ms" }`: how the client reads replies.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ReadSection {
    /// Read sizes drawn from [MIN, MAX].
    #[serde(default)]
    pub sizes: Option<(usize, usize)>,
    /// Pause before each read.
    #[serde(default, with = "humantime_serde")]
    pub pause: Duration,
}

/// How the client's header encoder treats a length its header cannot hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Overflow {
    /// Refuse the message (framelab's encoder).
    #[default]
    Error,
    /// Wrap the length modulo the width, as `struct.pack` with a too-small
    /// format or a C cast does (B18).
    Wrap,
}

/// `[client]`: what is sent, and how.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ClientSection {
    /// Framing of the messages (default: the server's; `raw` sends them as they are).
    #[serde(default)]
    pub framing: Option<FramingSpec>,
    /// The messages: text (TOML escapes like \u4f60 work), `{ hex = "..." }`
    /// or `{ base64 = "..." }` ([`super::message`]).
    #[serde(default)]
    pub messages: Vec<Message>,
    /// Generated messages, after `messages`.
    #[serde(default)]
    pub generate: Option<Generate>,
    /// How frames become writes.
    #[serde(default)]
    pub schedule: Schedule,
    /// Pause between writes.
    #[serde(default, with = "humantime_serde")]
    pub pause: Duration,
    /// Wait until the server has read each write before the next (makes
    /// write boundaries reach its reads on any machine): a reference
    /// server's read counter, or the kernel's queues for any server on
    /// this host ([`crate::sync`]).
    #[serde(default)]
    pub sync: bool,
    /// TCP_NODELAY (Nagle off); default true.
    #[serde(default = "yes")]
    pub nodelay: bool,
    /// Concurrent connections, each sending the same messages.
    #[serde(default = "one")]
    pub connections: usize,
    /// Wait for one reply after each message before sending the next.
    #[serde(default)]
    pub lockstep: bool,
    /// Keep the connection open this long after the last write.
    #[serde(default, with = "humantime_serde")]
    pub hold: Duration,
    /// Send only this many bytes, then reset the connection.
    #[serde(default)]
    pub reset_after: Option<usize>,
    /// Send a forged length header (in the client framing's shape) before
    /// the messages, which then go raw: 0, max, max+1, width-max, -1, N.
    #[serde(default)]
    pub forge_header: Option<ForgedLength>,
    /// What the encoder does with a length its header cannot hold.
    #[serde(default)]
    pub overflow: Overflow,
    /// Handshake: send `Start` and the next request in one write (B8).
    #[serde(default)]
    pub coalesce_start: bool,
    /// How long to wait for a reply (default 1s).
    #[serde(default = "default_reply_timeout", with = "humantime_serde")]
    pub reply_timeout: Duration,
    /// How replies are read.
    #[serde(default)]
    pub read: ReadSection,
}

fn yes() -> bool {
    true
}

fn one() -> usize {
    1
}

fn default_reply_timeout() -> Duration {
    Duration::from_secs(1)
}

impl Default for ClientSection {
    fn default() -> Self {
        ClientSection {
            framing: None,
            messages: Vec::new(),
            generate: None,
            schedule: Schedule::default(),
            pause: Duration::ZERO,
            sync: false,
            nodelay: true,
            connections: 1,
            lockstep: false,
            hold: Duration::ZERO,
            reset_after: None,
            forge_header: None,
            overflow: Overflow::default(),
            coalesce_start: false,
            reply_timeout: default_reply_timeout(),
            read: ReadSection::default(),
        }
    }
}

/// What replies must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ResponseExpect {
    /// Not checked (default for reference servers, whose observation is
    /// the oracle).
    #[default]
    None,
    /// One reply per message, content not checked.
    Reply,
    /// The message itself.
    Echo,
    /// The message upper-cased.
    Upper,
    /// `Receive your message!`.
    Ack,
    /// `len=N sha256=HEX` of the message.
    Digest,
}

/// `[response]`: how replies are read and checked.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ResponseSection {
    /// Framing of replies (default: the server's framing).
    #[serde(default)]
    pub framing: Option<FramingSpec>,
    /// What each reply must be.
    #[serde(default)]
    pub expect: ResponseExpect,
    /// The replies, exactly, in order (each in a [`Message`] form).
    #[serde(default)]
    pub replies: Option<Vec<Message>>,
    /// A regular expression every reply matches, one reply per message; a
    /// named group `len` is the length of the message the server
    /// understood.
    #[serde(default, rename = "match")]
    pub pattern: Option<String>,
    /// Replies of a request/answer protocol: what each request must be
    /// answered with, one per message, in order ([`super::answer`], judged
    /// by `judge::protocol`).
    #[serde(default)]
    pub answers: Option<Vec<super::answer::Answer>>,
    /// Request IDs: `{ bytes = "A..B" }`, each reply carries its message's
    /// bytes A..B at A..B, and replies are matched to messages by them, in
    /// any order (DNS over TCP, RFC 7766). A reply whose ID is no
    /// message's is `desync`.
    #[serde(default)]
    pub id: Option<IdField>,
    /// Raw replies: the total bytes that must come back.
    #[serde(default, deserialize_with = "de_opt_size")]
    pub bytes: Option<usize>,
    /// After the replies expected have come, how long the peer must stay
    /// quiet before the client stops reading (extra replies are how a
    /// split shows). Default: `[client] reply-timeout`, the time a reply
    /// may take at all; a reply later than that is a `hang` anyway.
    #[serde(default, with = "humantime_serde")]
    pub settle: Option<Duration>,
}

/// `[response] id = { bytes = "A..B" }`: where a request ID stands, in a
/// message and in its reply.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdField {
    /// The byte range `A..B` (B at most [`IdField::MAX_END`]).
    #[serde(deserialize_with = "de_from_str")]
    pub bytes: ByteSpan,
}

impl IdField {
    /// The furthest an ID may end: IDs are in headers.
    pub const MAX_END: usize = 64;
}

/// `A..B`: bytes A to B, B excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSpan {
    /// First byte.
    pub start: usize,
    /// One past the last.
    pub end: usize,
}

impl ByteSpan {
    /// Its bytes in `b`, when `b` is long enough.
    pub fn of<'a>(&self, b: &'a [u8]) -> Option<&'a [u8]> {
        b.get(self.start..self.end)
    }
}

impl FromStr for ByteSpan {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?}: write A..B, e.g. \"0..2\" for the first two bytes");
        let (a, b) = s.split_once("..").ok_or_else(bad)?;
        let start: usize = a.trim().parse().map_err(|_| bad())?;
        let end: usize = b.trim().parse().map_err(|_| bad())?;
        if start >= end || end > IdField::MAX_END {
            return Err(format!("{s:?}: A..B with A < B <= {}", IdField::MAX_END));
        }
        Ok(ByteSpan { start, end })
    }
}

impl fmt::Display for ByteSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

fn de_opt_size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Int(u64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Int(n) => usize::try_from(n).map(Some).map_err(|_| serde::de::Error::custom("size too large")),
        Raw::Text(t) => crate::units::parse_size(&t).map(Some).map_err(serde::de::Error::custom),
    }
}

/// `[setup]`: messages sent to a target on a connection of their own
/// before the scenario, framed as the client's messages; the replies are
/// read until the target is quiet for `quiet`, closes, or 5 s go by, and
/// ignored. Against a long-running server whose answers depend on what
/// earlier runs left (redis: `messages = ["FLUSHALL"]`). The reference
/// server starts afresh for every scenario and gets none.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SetupSection {
    /// The messages (at least one; each in a [`Message`] form).
    pub messages: Vec<Message>,
    /// How long the target may stay silent before the setup is done
    /// (default 300ms).
    #[serde(default = "default_setup_quiet", with = "humantime_serde")]
    pub quiet: Duration,
}

fn default_setup_quiet() -> Duration {
    Duration::from_millis(300)
}

/// `[expect]`: the verdict the run must give.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ExpectSection {
    /// The verdict (default intact).
    #[serde(default)]
    pub verdict: Verdict,
    /// What the server must understand, when it differs from the messages
    /// sent (for example when the client sends length and data as raw
    /// pieces).
    #[serde(default)]
    pub messages: Option<Vec<Message>>,
    /// The server closes the connection after answering this many
    /// messages, by design (HTTP/1.0, `Connection: close`, a one-shot
    /// server): the messages after the close are not expected to be
    /// answered, and the verdict is `closed` when it happens so.
    #[serde(default)]
    pub closes_after: Option<usize>,
}
