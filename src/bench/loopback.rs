//! Loopback mode: every strategy end to end over 127.0.0.1, beside a `raw`
//! stream of the same payload with no framing (and `raw held`, the same
//! stream held a whole message at a time, as a receiver of whole messages
//! must), plus the two workarounds of the seeds that cost round trips or
//! time: the `Ready|N` / `Start` handshake (B8) and a `sleep` between
//! sends (B9).
//!
//! ```text
//!  client task                                  receiving task
//! +-------------------------------------+     +---------------------------------------+
//! | wire = 512 KiB of payload, encoded  |     | 64 KiB read_buf into a BytesMut,      |
//! | once; write_all(wire) per unit      |---->| decode until None, count and drop     |
//! +-------------------------------------+ TCP +---------------------------------------+
//! ```
//!
//! A [`Loopback`] runs the two ends of its connections as [`Ends`] says:
//! by default both on the caller's thread (one current-thread tokio
//! runtime, the client and the receiving end as two tasks), timed with
//! that thread's CPU clock. The figure is then what the whole path costs
//! on one core: the client's writes, the kernel's TCP over loopback, the
//! receiver's reads and decoding. On a shared machine that is the number
//! that holds still: time spent descheduled is not counted, and no row
//! depends on whether a second core happened to be free. With
//! [`Ends::TwoThreads`] the receiving ends run on a server thread with its
//! own runtime, timed with the wall clock (the ends then overlap, and each
//! handshake round trip waits for the other thread to wake), which means
//! something on two idle cores. A [`Link`] is one connection carrying one
//! [`Row`]'s traffic, kept open from round to round like a real
//! connection, with fixed socket buffers ([`SOCKET_BUFFER`]).
//!
//! The receiving side is a lean loop over the same codecs as codec mode
//! (`framelab::framing`'s, with the same settings), not a reference
//! server: a reference server records every message in its observation
//! log (a mutex and a wake-up per message) and runs its handler, which is
//! what it is for, but that would measure the bookkeeping instead of the
//! framing. Every streaming row reads the same way: room made by
//! [`slices::reserve_read_for`], one `read_buf` of at most 64 KiB, then
//! `decode` until `None` (`raw` counts the bytes and clears the buffer;
//! `raw held` hands out each message once all of it has come). So the
//! rows differ only by what framing costs the receiver, and by the framing
//! bytes on the wire; `raw held` tells apart what holding whole messages
//! costs, which every framing pays and no framing can avoid (at 1 MiB,
//! on a 2 MiB-L2 Intel machine, about half of raw: docs/receive-path.md).
//!
//! The unit of [`Link::run`]:
//!
//! - streaming rows (`raw`, `raw held`, `length-prefix` and its `slices`
//!   row, `delimiter` and its `slices` row, `naive`, `json-header`): one `write_all` of the row's pre-encoded stream
//!   ([`Workload::wire`]: about 512 KiB of payload, thousands of 64 B
//!   frames), and the server decoding all of it;
//! - `handshake`: one message of the Ready|N tutorial's protocol: the client sends
//!   `m\n`, reads `Ready|N\n`, sends `Start`, reads the N-byte body. Two
//!   round trips per message, however small;
//! - `sleep-100ms`: one message written raw, then a 100 ms sleep, as seed
//!   001's "fix" does between sends: about 10 messages a second, whatever
//!   the network could carry.
//!
//! Nothing here asserts a timing.
//!
//! ```
//! use framelab::bench::loopback::{Loopback, Row};
//!
//! let lb = Loopback::new().unwrap();
//! let mut link = lb.link(Row::LengthPrefix, 64).unwrap();
//! let took = link.run(2).unwrap();
//! let frames_per_sec = 2.0 * link.messages_per_unit() as f64 / took.as_secs_f64();
//! assert!(frames_per_sec > 0.0);
//! ```
//!
//! # Limits
//!
//! Traffic goes only to 127.0.0.1. Every [`Link::run`] is bounded by
//! [`RUN_LIMIT`] (plus the sleeps of the sleep row); a stalled or failed
//! end gives an error, never a hang. Connections close when their `Link`
//! is dropped, and the server thread (if any) ends when the `Loopback` is
//! dropped.

use std::future::Future;
use std::hint::black_box;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::runtime::{Builder, Handle, Runtime};
use tokio::sync::{mpsc, oneshot};
use tokio_util::codec::Decoder;

use super::codec::{INITIAL_CAPACITY, MAX_MESSAGE, READ_SIZE, Subject, Workload};
use crate::framing::handshake::{MAX_READY_LINE, START, check_start, parse_ready, ready_line};
use crate::framing::{AnyCodec, Codec, CodecKind, CodecVisitor, DelimiterCodec, FrameSlices, slices};

/// The pause of the sleep row, as in the sleep-fix tutorial (`time.sleep(0.1)`).
pub const SLEEP: Duration = Duration::from_millis(100);

/// Longest one [`Link::run`] may take (beyond the sleep row's own sleeps)
/// before it fails: a guard against a stalled end, far above any round.
pub const RUN_LIMIT: Duration = Duration::from_secs(30);

/// `SO_SNDBUF` and `SO_RCVBUF` asked for on both ends of every
/// connection (Linux doubles it, and caps it at `net.core.[rw]mem_max`).
///
/// Fixed, because with the kernel's autotuning each connection's buffers
/// grow on their own schedule: on the 2-core machine of the README, two
/// connections doing the same work differed by 2x for their whole life,
/// which no median over rounds fixes. With fixed buffers every row gets
/// the same conditions.
pub const SOCKET_BUFFER: u32 = 256 * 1024;

/// Longest a connection may take to be set up.
pub const CONNECT_LIMIT: Duration = Duration::from_secs(5);

/// The request line the handshake client sends for each message.
const HANDSHAKE_REQUEST: &[u8] = b"m\n";

/// One row of the loopback comparison; `Row::VARIANTS` ([`strum::VariantArray`]) lists every
/// row in table order (the ceiling, `raw held`, the framings, then the
/// two workarounds), and the strum names are the row names in reports and JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::VariantArray, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "kebab-case")]
pub enum Row {
    /// The payload with no framing, read and discarded: the ceiling
    /// ([`RAW`](super::codec::RAW)).
    Raw,
    /// raw's stream and reads, but each message's bytes are kept in the
    /// buffer until the whole message has come, as a receiver that hands
    /// out whole messages must (its room reserved when it starts, as the
    /// length-prefix codec does at a frame's header), then dropped. No
    /// framing bytes, nothing parsed: what holding whole messages costs.
    /// Beside `raw` it shows what the message size costs, whatever the
    /// framing (at 1 MiB, a buffer that no longer stays in the cache); the
    /// framed rows' ratio to it is what their framing costs.
    #[strum(serialize = "raw held")]
    RawHeld,
    /// framelab's length-prefix codec, `u32be`.
    LengthPrefix,
    /// The same codec through [`FrameSlices`].
    #[strum(serialize = "length-prefix slices")]
    LengthPrefixSlices,
    /// framelab's delimiter codec, `\n`.
    Delimiter,
    /// The same codec through [`FrameSlices`].
    #[strum(serialize = "delimiter slices")]
    DelimiterSlices,
    /// framelab's naive codec (`read_size` = the message size): frames
    /// nothing, so it is raw plus one split per piece.
    Naive,
    /// framelab's json-header codec with its defaults (sha256, verified).
    JsonHeader,
    /// The Ready|N tutorial's `Ready|N` / `Start` handshake, one message at a time.
    Handshake,
    /// The sleep-fix tutorial's `sleep(0.1)` between sends (B9), over a naive stream.
    #[strum(serialize = "sleep-100ms")]
    Sleep,
}

impl Row {
    /// The row name in reports and JSON.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The row named `name`, if any.
    pub fn from_name(name: &str) -> Option<Row> {
        name.parse().ok()
    }

    /// The rows this one is compared with: `raw` for every row but `raw`
    /// itself; the streaming framings that hand out whole messages also
    /// with `raw held` (the same bytes held the same way, unframed); the
    /// handshake first with length-prefix (the same messages, streamed),
    /// the sleep row first with naive (the same stream without the sleeps).
    pub fn baselines(self) -> &'static [Row] {
        match self {
            Row::Raw => &[],
            Row::RawHeld | Row::Naive => &[Row::Raw],
            Row::Handshake => &[Row::LengthPrefix, Row::Raw],
            Row::Sleep => &[Row::Naive, Row::Raw],
            Row::LengthPrefix | Row::LengthPrefixSlices | Row::Delimiter | Row::DelimiterSlices | Row::JsonHeader => {
                &[Row::Raw, Row::RawHeld]
            }
        }
    }

    /// The codec-mode subject whose stream and decoder a streaming row
    /// uses; `None` for the handshake and sleep rows.
    pub fn subject(self) -> Option<Subject> {
        match self {
            Row::Raw | Row::RawHeld => Some(Subject::Raw),
            Row::LengthPrefix => Some(Subject::Codec(CodecKind::LengthPrefix)),
            Row::LengthPrefixSlices => Some(Subject::Slices(CodecKind::LengthPrefix)),
            Row::Delimiter => Some(Subject::Codec(CodecKind::Delimiter)),
            Row::DelimiterSlices => Some(Subject::Slices(CodecKind::Delimiter)),
            Row::Naive => Some(Subject::Codec(CodecKind::Naive)),
            Row::JsonHeader => Some(Subject::Codec(CodecKind::JsonHeader)),
            Row::Handshake | Row::Sleep => None,
        }
    }
}

type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Where the two ends of every connection run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ends {
    /// Both ends on the caller's thread (one tokio current-thread runtime,
    /// the client and the receiving end as two tasks), timed with the
    /// thread's CPU clock: what moving the bytes costs, client, kernel and
    /// receiver together, on one core. Steady on a loaded machine: time
    /// spent descheduled does not count. The sleep row is still timed with
    /// the wall clock (a sleep costs no CPU).
    #[default]
    OneThread,
    /// The caller's thread is the client, a server thread the receiver,
    /// each with its own current-thread runtime, timed with the wall
    /// clock: the two ends overlap, as two processes would, and every
    /// round trip of the handshake waits for the other thread to wake.
    /// Needs two idle cores to mean anything.
    TwoThreads,
}

impl Ends {
    /// `1` or `2`: threads used.
    pub fn threads(self) -> usize {
        match self {
            Ends::OneThread => 1,
            Ends::TwoThreads => 2,
        }
    }
}

/// The runtime(s) both ends of every [`Link`] run on.
#[derive(Debug)]
pub struct Loopback {
    ends: Ends,
    client: Runtime,
    server: Handle,
    /// Dropped to stop the server thread.
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Loopback {
    /// Both ends on the caller's thread ([`Ends::OneThread`]).
    pub fn new() -> io::Result<Loopback> {
        Loopback::with_ends(Ends::OneThread)
    }

    /// Starts the ends as `ends` says.
    pub fn with_ends(ends: Ends) -> io::Result<Loopback> {
        let client = Builder::new_current_thread().enable_all().build()?;
        if ends == Ends::OneThread {
            let server = client.handle().clone();
            return Ok(Loopback { ends, client, server, stop: None, thread: None });
        }
        let server_rt = Builder::new_current_thread().enable_all().build()?;
        let server = server_rt.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new().name("framelab-bench-server".into()).spawn(move || {
            // Runs the spawned receiving ends until the Loopback is dropped;
            // dropping the runtime then cancels whatever is left.
            let _ = server_rt.block_on(stopped);
        })?;
        Ok(Loopback { ends, client, server, stop: Some(stop), thread: Some(thread) })
    }

    /// Opens one connection over 127.0.0.1 for `row` with `size`-byte
    /// messages, its receiving end spawned where [`Ends`] says.
    ///
    /// # Panics
    /// If `size` is 0.
    pub fn link(&self, row: Row, size: usize) -> io::Result<Link<'_>> {
        assert!(size > 0, "message size must be at least 1");
        let (addr_tx, addr_rx) = oneshot::channel::<io::Result<SocketAddr>>();
        let (conn_tx, conn_rx) = oneshot::channel::<TcpStream>();
        // The listener is bound on the server thread, so that the accepted
        // stream belongs to that thread's runtime.
        self.spawn_server(Box::pin(async move {
            let listener = match listen() {
                Ok(l) => l,
                Err(e) => {
                    let _ = addr_tx.send(Err(e));
                    return;
                }
            };
            let _ = addr_tx.send(listener.local_addr());
            if let Ok(Ok((s, _))) = tokio::time::timeout(CONNECT_LIMIT, listener.accept()).await {
                let _ = s.set_nodelay(true);
                let _ = conn_tx.send(s);
            }
        }))?;
        let client = self.client.block_on(async {
            let addr = addr_rx.await.map_err(|_| ended("the server thread"))??;
            let s = tokio::time::timeout(CONNECT_LIMIT, sized_socket()?.connect(addr))
                .await
                .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, format!("connect to {addr}")))??;
            s.set_nodelay(true)?;
            Ok::<_, io::Error>(s)
        })?;
        let server_end = self.client.block_on(async {
            tokio::time::timeout(CONNECT_LIMIT, conn_rx)
                .await
                .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "accept on 127.0.0.1"))?
                .map_err(|_| ended("the accepting end"))
        })?;
        let (kind, messages, payload) = match row.subject() {
            Some(subject) => {
                let w = Workload::new(subject, size);
                let (cmds, rx) = mpsc::unbounded_channel();
                let job = if row == Row::RawHeld {
                    Box::pin(held_sink(server_end, size, rx)) as Job
                } else {
                    Box::pin(sink(server_end, subject, size, rx))
                };
                self.spawn_server(job)?;
                (Kind::Stream { wire: Bytes::copy_from_slice(w.wire()), cmds }, w.messages(), w.payload_bytes())
            }
            None if row == Row::Handshake => {
                self.spawn_server(Box::pin(handshake_server(server_end, size)))?;
                (Kind::Handshake { buf: BytesMut::with_capacity(INITIAL_CAPACITY) }, 1, size)
            }
            None => {
                let (cmds, rx) = mpsc::unbounded_channel();
                self.spawn_server(Box::pin(sink(server_end, Subject::Codec(CodecKind::Naive), size, rx)))?;
                (Kind::Sleep { message: Bytes::from(vec![b's'; size]), cmds }, 1, size)
            }
        };
        Ok(Link { lb: self, row, size, client, kind, messages, payload })
    }

    fn spawn_server(&self, job: Job) -> io::Result<()> {
        if self.thread.as_ref().is_some_and(|t| t.is_finished()) {
            return Err(ended("the server thread"));
        }
        drop(self.server.spawn(job));
        Ok(())
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A socket with [`SOCKET_BUFFER`] asked for both ways.
fn sized_socket() -> io::Result<TcpSocket> {
    let s = TcpSocket::new_v4()?;
    s.set_send_buffer_size(SOCKET_BUFFER)?;
    s.set_recv_buffer_size(SOCKET_BUFFER)?;
    Ok(s)
}

/// A listener on 127.0.0.1:0 whose accepted sockets inherit the buffer
/// sizes.
fn listen() -> io::Result<TcpListener> {
    let s = sized_socket()?;
    s.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    s.listen(1)
}

fn ended(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, format!("{what} ended early"))
}

/// What a streaming receiver is asked to do: read and decode until
/// `bytes` payload bytes have come, then answer with what it counted.
struct Cmd {
    bytes: u64,
    done: oneshot::Sender<io::Result<Counts>>,
}

/// What a receiver decoded in one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Counts {
    /// Items the decoder returned (pieces of reads for naive and raw).
    frames: u64,
    /// Payload bytes in them.
    bytes: u64,
}

enum Kind {
    Stream { wire: Bytes, cmds: mpsc::UnboundedSender<Cmd> },
    Handshake { buf: BytesMut },
    Sleep { message: Bytes, cmds: mpsc::UnboundedSender<Cmd> },
}

/// One connection over 127.0.0.1 carrying one row's traffic.
pub struct Link<'a> {
    lb: &'a Loopback,
    row: Row,
    size: usize,
    client: TcpStream,
    kind: Kind,
    messages: usize,
    payload: usize,
}

impl std::fmt::Debug for Link<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link").field("row", &self.row).field("size", &self.size).finish_non_exhaustive()
    }
}

impl Link<'_> {
    /// The row.
    pub fn row(&self) -> Row {
        self.row
    }

    /// Payload bytes per message.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Messages carried by one unit of [`Link::run`].
    pub fn messages_per_unit(&self) -> usize {
        self.messages
    }

    /// Payload bytes carried by one unit of [`Link::run`].
    pub fn payload_per_unit(&self) -> usize {
        self.payload
    }

    /// Sends `units` units (see the module docs) and waits until the
    /// receiving end has decoded all of them; returns the time from the
    /// first write to the last byte decoded (for the handshake, to the last
    /// body read): the thread's CPU time with [`Ends::OneThread`], except
    /// for the sleep row, otherwise wall-clock time.
    ///
    /// # Errors
    /// An I/O error of either end, a decoder error, a count that does not
    /// add up, or [`RUN_LIMIT`] passed.
    pub fn run(&mut self, units: u64) -> io::Result<Duration> {
        let (exact, expect_frames) = match self.row {
            // naive returns whatever each read brought, raw counts pieces.
            Row::Raw | Row::Naive | Row::Sleep => (false, 0),
            _ => (true, self.messages as u64 * units),
        };
        let expect_bytes = self.payload as u64 * units;
        let limit = RUN_LIMIT + if self.row == Row::Sleep { SLEEP * units as u32 } else { Duration::ZERO };
        let (row, size) = (self.row, self.size);
        let Link { lb, client, kind, .. } = self;
        // One thread: the CPU clock, except for the sleeps.
        let one = lb.ends == Ends::OneThread && row != Row::Sleep;
        let fut = async {
            let r: io::Result<(Duration, Counts)> = match kind {
                Kind::Stream { wire, cmds } => {
                    let done = ask(cmds, expect_bytes)?;
                    let start = Clock::start(one);
                    for _ in 0..units {
                        client.write_all(wire).await?;
                    }
                    let counts = done.await.map_err(|_| ended("the receiving end"))??;
                    Ok((start.elapsed(), counts))
                }
                Kind::Sleep { message, cmds } => {
                    let done = ask(cmds, expect_bytes)?;
                    let start = Clock::start(one);
                    for _ in 0..units {
                        client.write_all(message).await?;
                        tokio::time::sleep(SLEEP).await;
                    }
                    let counts = done.await.map_err(|_| ended("the receiving end"))??;
                    Ok((start.elapsed(), counts))
                }
                Kind::Handshake { buf } => {
                    let start = Clock::start(one);
                    let mut counts = Counts::default();
                    for _ in 0..units {
                        let body = handshake_once(client, buf, size).await?;
                        counts.frames += 1;
                        counts.bytes += body as u64;
                    }
                    Ok((start.elapsed(), counts))
                }
            };
            r
        };
        let (took, counts) = lb
            .client
            .block_on(async { tokio::time::timeout(limit, fut).await })
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, format!("{} took over {limit:?}", row.name())))??;
        if counts.bytes != expect_bytes || (exact && counts.frames != expect_frames) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{}: decoded {} frames and {} bytes, expected {expect_frames} frames and {expect_bytes} bytes",
                    row.name(),
                    counts.frames,
                    counts.bytes
                ),
            ));
        }
        Ok(took)
    }
}

enum Clock {
    Wall(Instant),
    Cpu(super::Stopwatch),
}

impl Clock {
    fn start(cpu: bool) -> Clock {
        if cpu { Clock::Cpu(super::Stopwatch::start()) } else { Clock::Wall(Instant::now()) }
    }

    fn elapsed(&self) -> Duration {
        match self {
            Clock::Wall(t) => t.elapsed(),
            Clock::Cpu(s) => s.elapsed(),
        }
    }
}

fn ask(cmds: &mpsc::UnboundedSender<Cmd>, bytes: u64) -> io::Result<oneshot::Receiver<io::Result<Counts>>> {
    let (done, rx) = oneshot::channel();
    cmds.send(Cmd { bytes, done }).map_err(|_| ended("the receiving end"))?;
    Ok(rx)
}

/// The receiving end of a streaming row: on each command, read and decode
/// until the asked payload has come. Ends when the `Link` is dropped.
async fn sink(stream: TcpStream, subject: Subject, size: usize, cmds: mpsc::UnboundedReceiver<Cmd>) {
    match subject {
        Subject::Raw => raw_sink(stream, cmds).await,
        Subject::Codec(kind) => {
            let (codec, step) = kind.for_bench(size, MAX_MESSAGE).visit(Step { slices: false });
            codec_sink(stream, codec, step, cmds).await
        }
        Subject::Slices(kind) => {
            let (codec, step) = kind.for_bench(size, MAX_MESSAGE).visit(Step { slices: true });
            codec_sink(stream, codec, step, cmds).await
        }
        other => unreachable!("{} is not a loopback row", other.name()),
    }
}

/// Decodes every complete frame in the buffer with the concrete codec
/// inside an [`AnyCodec`], adding them to the counts.
type DecodeStep = fn(&mut AnyCodec, &mut BytesMut, &mut Counts) -> io::Result<()>;

/// Picks a codec's [`DecodeStep`]: [`decode_frames`] or [`slice_frames`]
/// for its concrete type, so that the receiving loop (not generic, and so
/// `Send` whatever the codec) dispatches once per read, never per frame.
struct Step {
    slices: bool,
}

impl CodecVisitor for Step {
    type Output = (AnyCodec, DecodeStep);

    fn visit<C: Codec>(self, codec: C) -> (AnyCodec, DecodeStep) {
        let step: DecodeStep = if self.slices { slice_frames::<C> } else { decode_frames::<C> };
        (codec.into_any(), step)
    }
}

/// The concrete codec inside `any`, which [`Step`] picked it for.
fn concrete<C: Codec>(any: &mut AnyCodec) -> &mut C {
    C::from_any(any).expect("a decode step runs on the codec it was picked for")
}

/// `decode` until `None`, each item's message counted
/// ([`Codec::message_len`]).
fn decode_frames<C: Codec>(any: &mut AnyCodec, buf: &mut BytesMut, counts: &mut Counts) -> io::Result<()> {
    let codec = concrete::<C>(any);
    while let Some(item) = codec.decode(buf).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))? {
        counts.frames += 1;
        counts.bytes += C::message_len(&item) as u64;
        black_box(item);
    }
    Ok(())
}

/// Every complete frame handed out as a slice through [`FrameSlices`], the
/// buffer advanced once.
fn slice_frames<C: Codec>(any: &mut AnyCodec, buf: &mut BytesMut, counts: &mut Counts) -> io::Result<()> {
    concrete::<C>(any)
        .frames(buf, |m| {
            counts.frames += 1;
            counts.bytes += m.len() as u64;
            black_box(m);
        })
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    Ok(())
}

/// One read of at most [`READ_SIZE`] bytes appended to `buf`, room made
/// by [`slices::reserve_read_for`]: a few reads' worth, so that a partial
/// frame is not moved to the front on every read, or, when more than a
/// read of a frame of known length (`missing` bytes to come, from
/// [`FrameSlices::missing`]) has come and its rest fits the room already
/// reserved for it, a read into that room; an
/// error at EOF (the client never closes in the middle of a run).
async fn read_some(stream: &mut TcpStream, buf: &mut BytesMut, missing: Option<usize>) -> io::Result<usize> {
    let n = slices::reserve_read_for(buf, READ_SIZE, missing);
    match stream.read_buf(&mut (&mut *buf).limit(n)).await? {
        0 => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the peer closed in the middle of a run")),
        n => Ok(n),
    }
}

/// Answers `cmd` with what its run counted; whether the receiving end
/// goes on (not after a failure).
fn answer(cmd: Cmd, got: io::Result<Counts>) -> bool {
    let ok = got.is_ok();
    let _ = cmd.done.send(got);
    ok
}

async fn raw_sink(mut stream: TcpStream, mut cmds: mpsc::UnboundedReceiver<Cmd>) {
    let mut buf = BytesMut::with_capacity(INITIAL_CAPACITY);
    while let Some(cmd) = cmds.recv().await {
        let mut counts = Counts::default();
        let got = async {
            while counts.bytes < cmd.bytes {
                let n = read_some(&mut stream, &mut buf, None).await?;
                counts.frames += 1;
                counts.bytes += n as u64;
                black_box(&buf[..]);
                buf.clear();
            }
            Ok(counts)
        }
        .await;
        if !answer(cmd, got) {
            return;
        }
    }
}

/// The receiving end of the `raw held` row: [`raw_sink`]'s reads, but a
/// message's `size` bytes stay in the buffer until all of them have come.
async fn held_sink(mut stream: TcpStream, size: usize, mut cmds: mpsc::UnboundedReceiver<Cmd>) {
    let mut buf = BytesMut::with_capacity(INITIAL_CAPACITY);
    while let Some(cmd) = cmds.recv().await {
        let mut counts = Counts::default();
        let got = async {
            while counts.bytes < cmd.bytes {
                // Room for the rest of the message in progress, reserved
                // as the length-prefix codec reserves a frame's body, and
                // read into as its loop reads (`read_some`).
                let missing = size - buf.len();
                buf.reserve(missing);
                read_some(&mut stream, &mut buf, Some(missing)).await?;
                // Every whole message handed out as a slice, the buffer
                // advanced once per read, as `FrameSlices` does.
                let whole = buf.len() / size * size;
                for m in buf[..whole].chunks_exact(size) {
                    black_box(m);
                }
                counts.frames += (whole / size) as u64;
                counts.bytes += whole as u64;
                buf.advance(whole);
            }
            Ok(counts)
        }
        .await;
        if !answer(cmd, got) {
            return;
        }
    }
}

/// A framelab codec's receiving end: each read made as
/// [`FrameSlices::missing`] says, then `step` on what has come.
async fn codec_sink(
    mut stream: TcpStream,
    mut codec: AnyCodec,
    step: DecodeStep,
    mut cmds: mpsc::UnboundedReceiver<Cmd>,
) {
    let mut buf = BytesMut::with_capacity(INITIAL_CAPACITY);
    while let Some(cmd) = cmds.recv().await {
        let mut counts = Counts::default();
        let got = async {
            while counts.bytes < cmd.bytes {
                let missing = codec.missing(&buf);
                read_some(&mut stream, &mut buf, missing).await?;
                step(&mut codec, &mut buf, &mut counts)?;
            }
            Ok(counts)
        }
        .await;
        if !answer(cmd, got) {
            return;
        }
    }
}

/// The client side of one handshake message; returns the body's length.
async fn handshake_once(s: &mut TcpStream, buf: &mut BytesMut, max: usize) -> io::Result<usize> {
    s.write_all(HANDSHAKE_REQUEST).await?;
    let line = loop {
        if let Some(pos) = memchr::memchr(b'\n', buf) {
            break buf.split_to(pos + 1);
        }
        if buf.len() > MAX_READY_LINE {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "a Ready line longer than 32 bytes"));
        }
        read_some(s, buf, None).await?;
    };
    let n = parse_ready(&line, max).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    s.write_all(START).await?;
    // Room for the whole body at once (n is at most `max`), so that it is
    // not moved while it arrives: see `slices::reserve_read_for`.
    buf.reserve(n.saturating_sub(buf.len()));
    while buf.len() < n {
        read_some(s, buf, Some(n - buf.len())).await?;
    }
    black_box(buf.split_to(n));
    Ok(n)
}

/// The correct handshake server of the Ready|N tutorial's protocol, lean: requests
/// framed with `\n`, `Ready|N\n`, exactly five bytes of `Start`, then the
/// N-byte body. Ends at EOF or on any error (the client then times out or
/// sees EOF).
async fn handshake_server(mut s: TcpStream, size: usize) {
    let body = Bytes::from(vec![b'h'; size]);
    let ready = ready_line(size);
    let mut codec = DelimiterCodec::lines(MAX_READY_LINE);
    let mut buf = BytesMut::with_capacity(INITIAL_CAPACITY);
    let served: io::Result<()> = async {
        loop {
            let request = loop {
                match codec.decode(&mut buf) {
                    Ok(Some(r)) => break r,
                    Ok(None) => {}
                    Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
                }
                read_some(&mut s, &mut buf, None).await?;
            };
            black_box(request);
            s.write_all(&ready).await?;
            while buf.len() < START.len() {
                read_some(&mut s, &mut buf, None).await?;
            }
            check_start(&buf.split_to(START.len())).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            s.write_all(&body).await?;
        }
    }
    .await;
    drop(served);
}

#[cfg(test)]
mod tests {
    use strum::VariantArray;

    use super::*;
    use crate::bench::codec::RAW;

    #[test]
    fn every_row_carries_its_messages_at_small_and_large_sizes_on_one_or_two_threads() {
        for ends in [Ends::OneThread, Ends::TwoThreads] {
            let lb = Loopback::with_ends(ends).unwrap();
            for size in [64, 70_000] {
                for row in Row::VARIANTS.iter().copied() {
                    if row == Row::Sleep && size != 64 {
                        continue;
                    }
                    let mut link = lb.link(row, size).unwrap();
                    assert!(link.messages_per_unit() >= 1);
                    assert_eq!(link.payload_per_unit(), link.messages_per_unit() * size);
                    link.run(1).unwrap();
                    link.run(2).unwrap();
                }
            }
        }
    }

    #[test]
    fn sleep_row_waits_a_tenth_of_a_second_per_message() {
        let lb = Loopback::new().unwrap();
        let mut link = lb.link(Row::Sleep, 16).unwrap();
        assert!(link.run(2).unwrap() >= SLEEP * 2);
    }

    #[test]
    fn row_names_round_trip_and_baselines_are_other_rows() {
        for r in Row::VARIANTS.iter().copied() {
            assert_eq!(Row::from_name(r.name()), Some(r));
            assert!(!r.baselines().contains(&r));
        }
        assert_eq!(Row::Raw.name(), RAW);
    }
}
