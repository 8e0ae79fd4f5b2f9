//! The kernel's view of a TCP connection's queues: how many bytes the peer
//! *process* has read, for any process on this host, in any language.
//!
//! A reference server counts the bytes it reads; any other server does not
//! tell. The kernel does: the peer's end of the connection has a receive
//! queue (bytes its kernel received but its process has not read yet), and
//! our end has a send queue (bytes we wrote that the peer's kernel has not
//! acknowledged yet).
//!
//! ```text
//!  our process          our kernel                  peer's kernel            peer process
//!  write() ──sent──▶ [ send queue: own_unsent ] ──▶ [ receive queue: peer_unread ] ──read()──▶
//!                     (written, not yet acked)      (received, not yet read)
//!
//!  peer_has_read = sent_total - own_unsent - peer_unread
//! ```
//!
//! When both queues are empty, every byte we wrote has been returned by a
//! `read()` of the peer, so the next `write()` reaches a separate `read()`:
//! "write A; [`wait_drained`]; write B" puts A and B in different reads of
//! any server, with no pause.
//!
//! # Sources
//!
//! - `peer_unread` asks sock_diag netlink first: one `SOCK_DIAG_BY_FAMILY`
//!   request with the exact 4-tuple (`inet_diag_req_v2`), answered with the
//!   socket's `idiag_rqueue`. The kernel looks the socket up in its hash
//!   table: O(1) whatever the number of sockets on the host.
//! - If netlink fails (no `inet_diag` module, a sandbox that refuses
//!   `AF_NETLINK`), it reads the `rx_queue` column of `/proc/net/tcp` and
//!   `/proc/net/tcp6`, streamed line by line: O(sockets on the host).
//! - `own_unsent` is the `SIOCOUTQ` ioctl on our own socket.
//!
//! Both sources are read with a few lines of code over `libc`/`socket2`
//! (already dependencies) rather than a crate: the `procfs` crate parses
//! the whole table into a `Vec` on each call, and
//! `netlink-packet-sock-diag` plus `netlink-sys` would add four crates for
//! one fixed-size request and one fixed-size answer.
//!
//! # Limits
//!
//! - Linux only. Elsewhere `peer_unread` is `Ok(None)` and `own_unsent` an
//!   [`io::ErrorKind::Unsupported`] error; [`wait_drained`] says
//!   [`Drained::Unavailable`].
//! - The peer must be on this host, in this network namespace; otherwise
//!   its socket is not visible and the answer is `None` (fall back to
//!   pauses, and say so).
//! - A FIN counts as one byte in both queues until the peer reads the end of
//!   the stream: after `shutdown(Write)`, `peer_has_read` is one short until
//!   then. Use these functions before shutting down.
//! - The two queues are read one after the other, send queue first. A byte
//!   acknowledged by the peer's kernel is in its receive queue or already
//!   read, so reading in this order can count a byte twice (in flight, then
//!   received) but never zero times: `peer_has_read` never overstates.
//! - The kernel updates the receive queue as `recv()` copies bytes out, a
//!   moment before `recv()` returns. A second write that lands in exactly
//!   that moment can still be appended to the same `recv()` (the kernel's
//!   `tcp_recvmsg` drains its backlog before returning). It is a window of a
//!   few instructions; the test under load in `scripts/sync-under-load.sh`
//!   measures it.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

#[cfg(unix)]
use std::os::fd::AsFd as AsSock;
#[cfg(windows)]
use std::os::windows::io::AsSocket as AsSock;

/// Bytes the peer's kernel has received on the connection from `local` to
/// `peer` (our socket's own addresses) but the peer process has not read.
///
/// Finds the peer's socket, the one whose local address is our `peer` and
/// whose remote address is our `local`, with sock_diag netlink, or in
/// `/proc/net/tcp{,6}` when netlink fails. `None` when no such socket is
/// visible (the peer is on another host or in another network namespace,
/// or it has closed the connection). Listening sockets never match.
pub fn peer_unread(local: SocketAddr, peer: SocketAddr) -> io::Result<Option<u64>> {
    #[cfg(target_os = "linux")]
    {
        match linux::netlink_peer_unread(local, peer) {
            Ok(v) => Ok(v),
            Err(_) => linux::proc_peer_unread(local, peer),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (local, peer);
        Ok(None)
    }
}

/// [`peer_unread`] through sock_diag netlink only (no fallback).
pub fn peer_unread_netlink(local: SocketAddr, peer: SocketAddr) -> io::Result<Option<u64>> {
    #[cfg(target_os = "linux")]
    {
        linux::netlink_peer_unread(local, peer)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (local, peer);
        Ok(None)
    }
}

/// [`peer_unread`] through `/proc/net/tcp{,6}` only.
pub fn peer_unread_proc(local: SocketAddr, peer: SocketAddr) -> io::Result<Option<u64>> {
    #[cfg(target_os = "linux")]
    {
        linux::proc_peer_unread(local, peer)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (local, peer);
        Ok(None)
    }
}

/// The local and remote address of the connected TCP socket whose inode is
/// `inode` (as `/proc/PID/fd` shows it: `socket:[N]`), from
/// `/proc/net/tcp{,6}`; `None` when no connected TCP socket has it (a
/// listener, a UDP or Unix socket, one already gone) or off Linux. The
/// tracer maps a target's file descriptors to connections with it.
pub fn tcp_by_inode(inode: u64) -> io::Result<Option<(SocketAddr, SocketAddr)>> {
    #[cfg(target_os = "linux")]
    {
        linux::proc_by_inode(inode)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = inode;
        Ok(None)
    }
}

/// Both queues of one TCP socket on this host, found by its addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Queues {
    /// Bytes received by its kernel and not read by its process.
    pub unread: u64,
    /// Bytes its process wrote that the other end has not acknowledged
    /// (what `SIOCOUTQ` says on that socket).
    pub unsent: u64,
}

/// Both queues of the socket at `local` connected to `remote`, whichever
/// process owns it (ours included): sock_diag netlink, else
/// `/proc/net/tcp{,6}`. `None` when no such socket is visible.
///
/// This is how a source that knows a connection only by its addresses
/// ([`crate::sync::KernelReads`]) reads our own send queue too.
pub fn socket_queues(local: SocketAddr, remote: SocketAddr) -> io::Result<Option<Queues>> {
    #[cfg(target_os = "linux")]
    {
        match linux::netlink_queues(local, remote) {
            Ok(v) => Ok(v),
            Err(_) => linux::proc_queues(local, remote),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (local, remote);
        Ok(None)
    }
}

/// Bytes written on `stream` that the peer's kernel has not acknowledged
/// yet (`SIOCOUTQ`).
pub fn own_unsent<S: AsSock>(stream: &S) -> io::Result<u64> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let mut n: libc::c_int = 0;
        // SAFETY: TIOCOUTQ (== SIOCOUTQ) writes one c_int through the
        // pointer, which points at a live c_int; the fd is borrowed from a
        // live socket for the duration of the call.
        let rc = unsafe { libc::ioctl(stream.as_fd().as_raw_fd(), libc::TIOCOUTQ, &mut n as *mut libc::c_int) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(u64::try_from(n).unwrap_or(0))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = stream;
        Err(io::Error::new(io::ErrorKind::Unsupported, "no send queue view on this platform"))
    }
}

/// The connected socket's own local and peer addresses.
fn addrs<S: AsSock>(stream: &S) -> io::Result<(SocketAddr, SocketAddr)> {
    let sock = socket2::SockRef::from(stream);
    let not_inet = || io::Error::new(io::ErrorKind::InvalidInput, "not an IP socket");
    let local = sock.local_addr()?.as_socket().ok_or_else(not_inet)?;
    let peer = sock.peer_addr()?.as_socket().ok_or_else(not_inet)?;
    Ok((local, peer))
}

/// How many of the `sent_total` bytes written on `stream` the peer process
/// has read: `sent_total - own_unsent - peer_unread`. `None` when the
/// peer's socket is not visible (see [`peer_unread`]).
///
/// Never overstates (see the module's `# Limits`): a byte in flight can be
/// counted in both queues at once, so the difference can come out below
/// zero, which reads as 0.
pub fn peer_has_read<S: AsSock>(stream: &S, sent_total: u64) -> io::Result<Option<u64>> {
    let (local, peer) = addrs(stream)?;
    // Send queue first: see the module docs for why the order matters.
    let unsent = own_unsent(stream)?;
    let Some(unread) = peer_unread(local, peer)? else { return Ok(None) };
    Ok(Some(sent_total.saturating_sub(unsent.saturating_add(unread))))
}

/// What [`wait_drained`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drained {
    /// Both queues were empty: the peer process has read every byte written
    /// so far.
    Empty,
    /// The timeout passed first; the last observation of the queues.
    Stalled {
        /// Bytes in the peer's receive queue, not read by its process.
        unread: u64,
        /// Bytes in our send queue, not acknowledged by the peer's kernel.
        unsent: u64,
    },
    /// The kernel's view cannot answer: fall back to pauses, and say so.
    Unavailable(Unavailable),
}

/// Why [`Drained::Unavailable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// The peer's socket is not visible: another host, another network
    /// namespace, or a platform without the view.
    NotVisible,
    /// The peer's socket was visible and then disappeared: the peer closed
    /// or reset the connection while we waited.
    Closed,
    /// Reading a queue failed with this error.
    Io(io::ErrorKind),
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unavailable::NotVisible => write!(f, "the peer's socket is not visible on this host"),
            Unavailable::Closed => write!(f, "the peer closed the connection while we waited"),
            Unavailable::Io(kind) => write!(f, "cannot read the kernel's queues: {kind}"),
        }
    }
}

/// First pause between two looks at the queues.
const FIRST_DELAY: Duration = Duration::from_micros(20);
/// Longest pause between two looks at the queues.
const MAX_DELAY: Duration = Duration::from_millis(1);

/// Waits until the peer process has read every byte written on `stream`
/// (both queues empty), at most `timeout`.
///
/// Looks at once, then after pauses that start at 20 µs and double up to
/// 1 ms. Pauses under a millisecond (below tokio's timer resolution) yield
/// to the runtime and to the OS scheduler until they pass; longer ones
/// sleep. Never waits past `timeout`: then [`Drained::Stalled`] with the
/// last counts.
pub async fn wait_drained<S: AsSock>(stream: &S, timeout: Duration) -> Drained {
    let start = Instant::now();
    let deadline = start + timeout;
    let (local, peer) = match addrs(stream) {
        Ok(a) => a,
        Err(e) => return Drained::Unavailable(Unavailable::Io(e.kind())),
    };
    let mut delay = FIRST_DELAY;
    let mut seen = false;
    loop {
        let unsent = match unsent_look(own_unsent(stream)) {
            Ok(n) => n,
            Err(why) => return Drained::Unavailable(why),
        };
        let unread = match unread_look(peer_unread(local, peer), seen) {
            Ok(n) => n,
            Err(why) => return Drained::Unavailable(why),
        };
        seen = true;
        if unsent == 0 && unread == 0 {
            return Drained::Empty;
        }
        let now = Instant::now();
        if now >= deadline {
            return Drained::Stalled { unread, unsent };
        }
        pause(&mut delay, deadline - now).await;
    }
}

/// One pause of [`wait_drained`] between two looks: `delay`, at most
/// `left`, then doubles `delay` up to [`MAX_DELAY`]. Under a millisecond
/// (below tokio's timer resolution) it yields to the runtime and to the OS
/// scheduler until the time has passed; longer, it sleeps. Only how often
/// the queues are looked at depends on it, never what a wait returns (its
/// deadline is checked after every look), so no test pins it: its mutants
/// are excluded in `.cargo/mutants.toml`.
async fn pause(delay: &mut Duration, left: Duration) {
    let pause = (*delay).min(left);
    if pause < MAX_DELAY {
        let until = Instant::now() + pause;
        while Instant::now() < until {
            // Let the peer run: on a loaded machine it may share our core.
            std::thread::yield_now();
            tokio::task::yield_now().await;
        }
    } else {
        tokio::time::sleep(pause).await;
    }
    *delay = (*delay * 2).min(MAX_DELAY);
}

/// What one look at our send queue means for [`wait_drained`]: its count,
/// or why the wait cannot go on. A platform without the view
/// (`Unsupported`) cannot see the peer either.
fn unsent_look(look: io::Result<u64>) -> Result<u64, Unavailable> {
    match look {
        Ok(n) => Ok(n),
        Err(e) if e.kind() == io::ErrorKind::Unsupported => Err(Unavailable::NotVisible),
        Err(e) => Err(Unavailable::Io(e.kind())),
    }
}

/// What one look at the peer's receive queue means for [`wait_drained`]:
/// its count, or why the wait cannot go on. A socket that was `seen` on an
/// earlier look and is gone now was closed; one never seen is not visible.
fn unread_look(look: io::Result<Option<u64>>, seen: bool) -> Result<u64, Unavailable> {
    match look {
        Ok(Some(n)) => Ok(n),
        Ok(None) if seen => Err(Unavailable::Closed),
        Ok(None) => Err(Unavailable::NotVisible),
        Err(e) => Err(Unavailable::Io(e.kind())),
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io::{self, BufRead, BufReader, Read};
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
    use std::time::Duration;

    /// `TCP_LISTEN` in `/proc/net/tcp` and `idiag_state`: its queue counts
    /// connections waiting for `accept()`, not bytes.
    const TCP_LISTEN: u8 = 0x0A;
    /// `TCP_TIME_WAIT`: the connection is over; a live socket with the same
    /// 4-tuple is preferred.
    const TCP_TIME_WAIT: u8 = 0x06;

    /// Longest line read from `/proc/net/tcp{,6}` (they are about 150 and
    /// 180 bytes); a longer one is skipped.
    const MAX_LINE: u64 = 512;
    /// Most lines scanned in one file; a larger table is an error, not an
    /// unbounded scan.
    const MAX_LINES: usize = 4_000_000;

    /// One row of `/proc/net/tcp{,6}`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(super) struct Row {
        pub local: SocketAddr,
        pub remote: SocketAddr,
        pub state: u8,
        pub rx_queue: u64,
        pub tx_queue: u64,
        /// The socket's inode (`socket:[N]` in `/proc/PID/fd`); 0 where the
        /// line has none.
        pub inode: u64,
    }

    /// Parses `ADDR:PORT` as `/proc/net/tcp{,6}` prints it: the address as
    /// 32-bit words, each printed as a host-order `%08X` of the network-order
    /// bytes (so `to_ne_bytes` gives them back), and the port in plain hex.
    /// IPv4-mapped IPv6 addresses come back as IPv4.
    fn parse_addr(field: &str) -> Option<SocketAddr> {
        let (addr, port) = field.split_once(':')?;
        let port = u16::from_str_radix(port, 16).ok()?;
        let word = |i: usize| addr.get(i * 8..i * 8 + 8).and_then(|w| u32::from_str_radix(w, 16).ok());
        let ip = match addr.len() {
            8 => IpAddr::V4(Ipv4Addr::from(word(0)?.to_ne_bytes())),
            32 => {
                let mut octets = [0u8; 16];
                for i in 0..4 {
                    octets[i * 4..i * 4 + 4].copy_from_slice(&word(i)?.to_ne_bytes());
                }
                IpAddr::V6(Ipv6Addr::from(octets)).to_canonical()
            }
            _ => return None,
        };
        Some(SocketAddr::new(ip, port))
    }

    /// Parses one line of `/proc/net/tcp{,6}`; `None` for the header and for
    /// anything malformed.
    pub(super) fn parse_row(line: &str) -> Option<Row> {
        let mut fields = line.split_ascii_whitespace();
        let _slot = fields.next().filter(|s| s.ends_with(':'))?;
        let local = parse_addr(fields.next()?)?;
        let remote = parse_addr(fields.next()?)?;
        let state = u8::from_str_radix(fields.next()?, 16).ok()?;
        let (tx, rx) = fields.next()?.split_once(':')?;
        let rx_queue = u64::from_str_radix(rx, 16).ok()?;
        let tx_queue = u64::from_str_radix(tx, 16).ok()?;
        // tr:tm->when, retrnsmt, uid, timeout, then the inode.
        let inode = fields.nth(4).and_then(|f| f.parse().ok()).unwrap_or(0);
        Some(Row { local, remote, state, rx_queue, tx_queue, inode })
    }

    fn canonical(a: SocketAddr) -> SocketAddr {
        SocketAddr::new(a.ip().to_canonical(), a.port())
    }

    /// Scans a `/proc/net/tcp{,6}` table for the socket at `want_local`
    /// connected to `want_remote`: its `rx_queue`. Skips lines that do not
    /// parse and LISTEN rows; prefers a live socket to a TIME_WAIT one.
    #[cfg(test)]
    pub(super) fn scan(reader: impl Read, want_local: SocketAddr, want_remote: SocketAddr) -> io::Result<Option<u64>> {
        Ok(scan_row(reader, want_local, want_remote)?.map(|r| r.rx_queue))
    }

    /// [`scan`], giving the whole row.
    pub(super) fn scan_row(
        reader: impl Read,
        want_local: SocketAddr,
        want_remote: SocketAddr,
    ) -> io::Result<Option<Row>> {
        let (want_local, want_remote) = (canonical(want_local), canonical(want_remote));
        let mut reader = BufReader::new(reader);
        let mut line = Vec::with_capacity(MAX_LINE as usize);
        let mut time_wait = None;
        for _ in 0..MAX_LINES {
            line.clear();
            let n = (&mut reader).take(MAX_LINE).read_until(b'\n', &mut line)?;
            if n == 0 {
                return Ok(time_wait);
            }
            if line.last() != Some(&b'\n') && n as u64 == MAX_LINE {
                // Too long to be a row: skip the rest of it.
                let mut rest = Vec::new();
                loop {
                    rest.clear();
                    let m = (&mut reader).take(MAX_LINE).read_until(b'\n', &mut rest)?;
                    if m == 0 || rest.last() == Some(&b'\n') {
                        break;
                    }
                }
                continue;
            }
            let Some(row) = std::str::from_utf8(&line).ok().and_then(parse_row) else { continue };
            if row.state == TCP_LISTEN || row.local != want_local || row.remote != want_remote {
                continue;
            }
            if row.state == TCP_TIME_WAIT {
                time_wait = Some(row);
                continue;
            }
            return Ok(Some(row));
        }
        Err(io::Error::new(io::ErrorKind::InvalidData, format!("more than {MAX_LINES} sockets in /proc/net/tcp")))
    }

    /// The connected (not listening) socket with this inode in
    /// `/proc/net/tcp` or `/proc/net/tcp6`: its local and remote address.
    pub(super) fn proc_by_inode(inode: u64) -> io::Result<Option<(SocketAddr, SocketAddr)>> {
        for path in ["/proc/net/tcp", "/proc/net/tcp6"] {
            let file = match std::fs::File::open(path) {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            if let Some(row) = scan_inode(file, inode)? {
                return Ok(Some((canonical(row.local), canonical(row.remote))));
            }
        }
        Ok(None)
    }

    /// The row of the socket with this inode in one table, listeners
    /// skipped; lines too long or malformed are skipped, and the scan is
    /// bounded like [`scan_row`]'s.
    pub(super) fn scan_inode(reader: impl Read, inode: u64) -> io::Result<Option<Row>> {
        let mut reader = BufReader::new(reader);
        let mut line = Vec::with_capacity(MAX_LINE as usize);
        for _ in 0..MAX_LINES {
            line.clear();
            let n = (&mut reader).take(MAX_LINE).read_until(b'\n', &mut line)?;
            if n == 0 {
                return Ok(None);
            }
            let Some(row) = std::str::from_utf8(&line).ok().and_then(parse_row) else { continue };
            if row.inode == inode && inode != 0 && row.state != TCP_LISTEN {
                return Ok(Some(row));
            }
        }
        Err(io::Error::new(io::ErrorKind::InvalidData, format!("more than {MAX_LINES} sockets in /proc/net/tcp")))
    }

    /// The peer's receive queue from `/proc/net/tcp` (IPv4 peers, also as
    /// IPv4-mapped rows of IPv6 sockets in `/proc/net/tcp6`) or
    /// `/proc/net/tcp6`.
    pub(super) fn proc_peer_unread(local: SocketAddr, peer: SocketAddr) -> io::Result<Option<u64>> {
        // The peer's socket: local = our peer, remote = our local.
        Ok(proc_queues(peer, local)?.map(|q| q.unread))
    }

    /// Both queues of the socket at `local` connected to `remote`, from
    /// `/proc/net/tcp{,6}`.
    pub(super) fn proc_queues(local: SocketAddr, remote: SocketAddr) -> io::Result<Option<super::Queues>> {
        let v4 = local.ip().to_canonical().is_ipv4();
        let files: &[&str] = if v4 { &["/proc/net/tcp", "/proc/net/tcp6"] } else { &["/proc/net/tcp6"] };
        queues_in(files, local, remote)
    }

    /// [`proc_queues`] over these tables, in order: the first row found. A
    /// table that does not exist is skipped (no IPv6 in this kernel); any
    /// other failure to open one is an error.
    pub(super) fn queues_in(
        files: &[&str],
        local: SocketAddr,
        remote: SocketAddr,
    ) -> io::Result<Option<super::Queues>> {
        for path in files {
            let file = match std::fs::File::open(path) {
                Ok(f) => f,
                // No IPv6 in this kernel: nothing to find there.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            if let Some(row) = scan_row(file, local, remote)? {
                return Ok(Some(super::Queues { unread: row.rx_queue, unsent: row.tx_queue }));
            }
        }
        Ok(None)
    }

    const NETLINK_SOCK_DIAG: i32 = 4;
    const SOCK_DIAG_BY_FAMILY: u16 = 20;
    const NLM_F_REQUEST: u16 = 1;
    const NLMSG_ERROR: u16 = 2;
    const NLMSG_DONE: u16 = 3;
    /// `sizeof(struct nlmsghdr)`.
    const NLMSG_HDR: usize = 16;
    /// `sizeof(struct inet_diag_req_v2)`.
    const REQ_LEN: usize = 56;
    /// `sizeof(struct inet_diag_msg)`.
    const MSG_LEN: usize = 72;
    /// Longest wait for the kernel's answer.
    const NETLINK_TIMEOUT: Duration = Duration::from_secs(1);

    /// Writes `inet_diag_sockid` for the socket at `src` connected to `dst`:
    /// ports and addresses in network byte order, no interface, no cookie.
    fn put_sockid(buf: &mut Vec<u8>, src: SocketAddr, dst: SocketAddr) {
        buf.extend_from_slice(&src.port().to_be_bytes());
        buf.extend_from_slice(&dst.port().to_be_bytes());
        for ip in [src.ip(), dst.ip()] {
            let mut words = [0u8; 16];
            match ip {
                IpAddr::V4(v4) => words[..4].copy_from_slice(&v4.octets()),
                IpAddr::V6(v6) => words.copy_from_slice(&v6.octets()),
            }
            buf.extend_from_slice(&words);
        }
        buf.extend_from_slice(&0u32.to_ne_bytes()); // idiag_if
        buf.extend_from_slice(&u32::MAX.to_ne_bytes()); // INET_DIAG_NOCOOKIE
        buf.extend_from_slice(&u32::MAX.to_ne_bytes());
    }

    /// The request: `nlmsghdr` + `inet_diag_req_v2` with the exact 4-tuple
    /// of the socket at `src` connected to `dst` (no `NLM_F_DUMP`: the kernel
    /// looks one socket up).
    pub(super) fn request(src: SocketAddr, dst: SocketAddr, seq: u32) -> Vec<u8> {
        let (src, dst) = (canonical(src), canonical(dst));
        let family = if src.is_ipv4() { libc::AF_INET } else { libc::AF_INET6 };
        let mut buf = Vec::with_capacity(NLMSG_HDR + REQ_LEN);
        buf.extend_from_slice(&((NLMSG_HDR + REQ_LEN) as u32).to_ne_bytes());
        buf.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
        buf.extend_from_slice(&NLM_F_REQUEST.to_ne_bytes());
        buf.extend_from_slice(&seq.to_ne_bytes());
        buf.extend_from_slice(&0u32.to_ne_bytes()); // nlmsg_pid: the kernel fills it in
        buf.push(family as u8);
        buf.push(libc::IPPROTO_TCP as u8);
        buf.push(0); // idiag_ext: no extensions
        buf.push(0);
        buf.extend_from_slice(&u32::MAX.to_ne_bytes()); // idiag_states: all
        put_sockid(&mut buf, src, dst);
        debug_assert_eq!(buf.len(), NLMSG_HDR + REQ_LEN);
        buf
    }

    fn u16_at(b: &[u8], at: usize) -> Option<u16> {
        Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
    }
    fn u32_at(b: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
    }

    /// Reads the kernel's answer to request `seq`: `Some(rqueue)` for a
    /// connected socket, `None` for "no such socket" (ENOENT) or a LISTEN
    /// socket (the kernel's lookup falls back to the listener on the port).
    #[cfg(test)]
    pub(super) fn parse_answer(buf: &[u8], seq: u32) -> io::Result<Option<Option<u64>>> {
        Ok(parse_answer_queues(buf, seq)?.map(|o| o.map(|q| q.unread)))
    }

    /// [`parse_answer`], giving both queues (`idiag_rqueue`, `idiag_wqueue`).
    pub(super) fn parse_answer_queues(buf: &[u8], seq: u32) -> io::Result<Option<Option<super::Queues>>> {
        let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("sock_diag answer: {what}"));
        let mut at = 0;
        while at + NLMSG_HDR <= buf.len() {
            let len = u32_at(buf, at).ok_or_else(|| bad("short header"))? as usize;
            let kind = u16_at(buf, at + 4).ok_or_else(|| bad("short header"))?;
            let msg_seq = u32_at(buf, at + 8).ok_or_else(|| bad("short header"))?;
            if len < NLMSG_HDR || at + len > buf.len() {
                return Err(bad("length out of bounds"));
            }
            let body = &buf[at + NLMSG_HDR..at + len];
            if msg_seq == seq {
                match kind {
                    NLMSG_ERROR => {
                        let code = body.get(..4).ok_or_else(|| bad("short error"))?;
                        let code = i32::from_ne_bytes(code.try_into().map_err(|_| bad("short error"))?);
                        if code == -libc::ENOENT {
                            return Ok(Some(None));
                        }
                        if code != 0 {
                            return Err(io::Error::from_raw_os_error(-code));
                        }
                    }
                    NLMSG_DONE => return Ok(Some(None)),
                    SOCK_DIAG_BY_FAMILY => {
                        if body.len() < MSG_LEN {
                            return Err(bad("short inet_diag_msg"));
                        }
                        let state = body[1];
                        if state == TCP_LISTEN {
                            return Ok(Some(None));
                        }
                        let rqueue = u32_at(body, 56).ok_or_else(|| bad("short inet_diag_msg"))?;
                        let wqueue = u32_at(body, 60).ok_or_else(|| bad("short inet_diag_msg"))?;
                        let q = super::Queues { unread: u64::from(rqueue), unsent: u64::from(wqueue) };
                        return Ok(Some(Some(q)));
                    }
                    _ => {}
                }
            }
            // nlmsg_len is aligned to 4 bytes in the stream.
            at += (len + 3) & !3;
        }
        Ok(None)
    }

    /// The peer's receive queue by sock_diag netlink.
    pub(super) fn netlink_peer_unread(local: SocketAddr, peer: SocketAddr) -> io::Result<Option<u64>> {
        // The peer's socket: its source is our peer, its destination us.
        Ok(netlink_queues(peer, local)?.map(|q| q.unread))
    }

    /// Both queues of the socket at `src` connected to `dst` by sock_diag.
    pub(super) fn netlink_queues(src: SocketAddr, dst: SocketAddr) -> io::Result<Option<super::Queues>> {
        use socket2::{Domain, Protocol, Socket, Type};
        use std::sync::atomic::{AtomicU32, Ordering};
        static SEQ: AtomicU32 = AtomicU32::new(1);

        let sock = Socket::new(
            Domain::from(libc::AF_NETLINK),
            Type::DGRAM.cloexec(),
            Some(Protocol::from(NETLINK_SOCK_DIAG)),
        )?;
        sock.set_read_timeout(Some(NETLINK_TIMEOUT))?;
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        let req = request(src, dst, seq);
        // An unconnected netlink socket sends to the kernel (pid 0).
        let sent = sock.send(&req)?;
        if sent != req.len() {
            return Err(io::Error::new(io::ErrorKind::WriteZero, "short sock_diag request"));
        }
        let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 8192];
        for _ in 0..8 {
            let n = sock.recv(&mut buf)?;
            // SAFETY: recv initialised the first n bytes.
            let got: &[u8] = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n) };
            if let Some(answer) = parse_answer_queues(got, seq)? {
                return Ok(answer);
            }
        }
        Err(io::Error::new(io::ErrorKind::InvalidData, "no sock_diag answer for our request"))
    }
}

// Two attributes, not `cfg(all(test, ..))`: cargo-mutants knows a test
// module by a plain `#[cfg(test)]`, and would otherwise mutate its helpers.
#[cfg(test)]
#[cfg(target_os = "linux")]
mod tests {
    use super::linux::{Row, parse_answer, parse_answer_queues, parse_row, queues_in, request, scan};
    use super::*;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};

    /// Polls `f` until it gives `want` or 20 s pass; returns the last value.
    /// Generous, and not a timed assertion: the assertion is on the value.
    fn poll<T: PartialEq + Copy>(want: T, mut f: impl FnMut() -> T) -> T {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let v = f();
            if v == want || Instant::now() > deadline {
                return v;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn pair(bind: &str) -> Option<(TcpStream, TcpStream)> {
        let listener = match TcpListener::bind(bind) {
            Ok(l) => l,
            Err(e) => {
                println!("skipped: cannot bind {bind}: {e}");
                return None;
            }
        };
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        Some((client, server))
    }

    type Source = fn(SocketAddr, SocketAddr) -> io::Result<Option<u64>>;

    fn queue_is_full_until_read_then_empty(bind: &str, source: Source) {
        let Some((mut client, mut server)) = pair(bind) else { return };
        let (local, peer) = (client.local_addr().unwrap(), client.peer_addr().unwrap());
        assert_eq!(source(local, peer).unwrap(), Some(0), "nothing sent yet");
        client.write_all(&[7u8; 1000]).unwrap();
        assert_eq!(poll(Some(1000), || source(local, peer).unwrap()), Some(1000));
        let mut buf = [0u8; 1000];
        server.read_exact(&mut buf[..300]).unwrap();
        assert_eq!(poll(Some(700), || source(local, peer).unwrap()), Some(700));
        server.read_exact(&mut buf[300..]).unwrap();
        assert_eq!(poll(Some(0), || source(local, peer).unwrap()), Some(0));
        // The other direction: the server's view of the client's queue.
        server.write_all(b"abc").unwrap();
        let (s_local, s_peer) = (server.local_addr().unwrap(), server.peer_addr().unwrap());
        assert_eq!(poll(Some(3), || source(s_local, s_peer).unwrap()), Some(3));
    }

    #[test]
    fn ipv4_queue_counts_unread_bytes_netlink() {
        queue_is_full_until_read_then_empty("127.0.0.1:0", peer_unread_netlink);
    }

    #[test]
    fn ipv4_queue_counts_unread_bytes_proc() {
        queue_is_full_until_read_then_empty("127.0.0.1:0", peer_unread_proc);
    }

    #[test]
    fn ipv6_queue_counts_unread_bytes_netlink() {
        queue_is_full_until_read_then_empty("[::1]:0", peer_unread_netlink);
    }

    #[test]
    fn ipv6_queue_counts_unread_bytes_proc() {
        queue_is_full_until_read_then_empty("[::1]:0", peer_unread_proc);
    }

    #[test]
    fn ipv4_client_to_a_dual_stack_server_is_found_as_a_mapped_row() {
        // A server on [::] with V6ONLY off accepts IPv4 clients on an IPv6
        // socket, listed in /proc/net/tcp6 as ::ffff:127.0.0.1.
        let sock = socket2::Socket::new(socket2::Domain::IPV6, socket2::Type::STREAM, None).unwrap();
        if sock.set_only_v6(false).is_err() || sock.bind(&"[::]:0".parse::<SocketAddr>().unwrap().into()).is_err() {
            println!("skipped: no dual-stack socket");
            return;
        }
        sock.listen(4).unwrap();
        let port = sock.local_addr().unwrap().as_socket().unwrap().port();
        let listener: TcpListener = sock.into();
        let mut client = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let (_server, _) = listener.accept().unwrap();
        let (local, peer) = (client.local_addr().unwrap(), client.peer_addr().unwrap());
        client.write_all(&[1u8; 42]).unwrap();
        for source in [peer_unread_netlink as Source, peer_unread_proc] {
            assert_eq!(poll(Some(42), || source(local, peer).unwrap()), Some(42));
        }
    }

    #[test]
    fn a_peer_that_is_not_there_is_none_and_a_listener_never_matches() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        // A queued, not yet accepted connection makes the listener's own
        // queue non-zero; looking for a made-up client must still be None.
        let _queued = TcpStream::connect(addr).unwrap();
        let nobody: SocketAddr = "127.0.0.1:9".parse().unwrap();
        for source in [peer_unread_netlink as Source, peer_unread_proc, peer_unread] {
            assert_eq!(source(nobody, addr).unwrap(), None);
        }
    }

    #[test]
    fn own_unsent_grows_when_the_peer_stops_reading() {
        let Some((client, _server)) = pair("127.0.0.1:0") else { return };
        client.set_nonblocking(true).unwrap();
        let chunk = [0u8; 65536];
        let mut sent = 0u64;
        // Fill our send queue: the server never reads, its window closes.
        for _ in 0..10_000 {
            match (&client).write(&chunk) {
                Ok(n) => sent += n as u64,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
        let unsent = own_unsent(&client).unwrap();
        assert!(unsent > 0 && unsent <= sent, "unsent {unsent} of {sent}");
        let read = peer_has_read(&client, sent).unwrap();
        assert_eq!(read, Some(0), "the server never read; {sent} sent, {unsent} unsent");
    }

    #[test]
    fn peer_has_read_counts_what_the_process_read() {
        let Some((mut client, mut server)) = pair("127.0.0.1:0") else { return };
        client.write_all(&[3u8; 1000]).unwrap();
        let mut buf = [0u8; 400];
        server.read_exact(&mut buf).unwrap();
        assert_eq!(poll(Some(400), || peer_has_read(&client, 1000).unwrap()), Some(400));
        server.read_exact(&mut buf).unwrap();
        assert_eq!(poll(Some(800), || peer_has_read(&client, 1000).unwrap()), Some(800));
    }

    #[tokio::test]
    async fn wait_drained_is_stalled_then_empty_once_read() {
        let Some((client, server)) = pair("127.0.0.1:0") else { return };
        let client = tokio::net::TcpStream::from_std({
            client.set_nonblocking(true).unwrap();
            client
        })
        .unwrap();
        use tokio::io::AsyncWriteExt;
        let mut client = client;
        client.write_all(&[9u8; 100]).await.unwrap();
        match wait_drained(&client, Duration::from_millis(200)).await {
            Drained::Stalled { unread, unsent } => assert_eq!(unread + unsent, 100),
            other => panic!("expected stalled, got {other:?}"),
        }
        let reader = std::thread::spawn(move || {
            let mut server = server;
            let mut buf = [0u8; 100];
            server.read_exact(&mut buf).unwrap();
            server
        });
        assert_eq!(wait_drained(&client, Duration::from_secs(20)).await, Drained::Empty);
        let _server = reader.join().unwrap();
    }

    #[tokio::test]
    async fn wait_drained_says_closed_when_the_peer_goes_away_while_it_waits() {
        let Some((client, server)) = pair("127.0.0.1:0") else { return };
        client.set_nonblocking(true).unwrap();
        let mut client = tokio::net::TcpStream::from_std(client).unwrap();
        use tokio::io::AsyncWriteExt;
        client.write_all(&[5u8; 100]).await.unwrap();
        let wait = wait_drained(&client, Duration::from_secs(20));
        tokio::pin!(wait);
        // The first poll looks at both queues once (the server never reads:
        // they are not empty), then pauses.
        assert!(futures::poll!(wait.as_mut()).is_pending());
        // Closing with bytes unread resets the connection: the server's
        // socket is gone at once.
        socket2::SockRef::from(&server).set_linger(Some(Duration::ZERO)).unwrap();
        drop(server);
        assert_eq!(wait.await, Drained::Unavailable(Unavailable::Closed));
    }

    #[test]
    fn each_look_says_why_a_wait_cannot_go_on() {
        fn io_err<T>(k: io::ErrorKind) -> io::Result<T> {
            Err(io::Error::from(k))
        }
        assert_eq!(unsent_look(Ok(7)), Ok(7));
        assert_eq!(unsent_look(io_err(io::ErrorKind::Unsupported)), Err(Unavailable::NotVisible));
        assert_eq!(unsent_look(io_err(io::ErrorKind::NotConnected)), Err(Unavailable::Io(io::ErrorKind::NotConnected)));
        assert_eq!(unread_look(Ok(Some(3)), false), Ok(3));
        assert_eq!(unread_look(Ok(None), false), Err(Unavailable::NotVisible));
        assert_eq!(unread_look(Ok(None), true), Err(Unavailable::Closed));
        assert_eq!(
            unread_look(io_err(io::ErrorKind::PermissionDenied), true),
            Err(Unavailable::Io(io::ErrorKind::PermissionDenied))
        );
        assert_eq!(Unavailable::NotVisible.to_string(), "the peer's socket is not visible on this host");
        assert_eq!(Unavailable::Closed.to_string(), "the peer closed the connection while we waited");
        assert_eq!(
            Unavailable::Io(io::ErrorKind::PermissionDenied).to_string(),
            "cannot read the kernel's queues: permission denied"
        );
    }

    #[test]
    fn own_unsent_of_something_that_is_not_a_socket_is_an_error() {
        let not_a_socket = std::fs::File::open("/dev/null").unwrap();
        assert!(own_unsent(&not_a_socket).is_err());
    }

    #[test]
    fn proc_rows_parse_ipv4_ipv6_and_mapped_addresses() {
        let v4 = "   1: 0100007F:1F90 0100007F:C350 01 00000000:000003E8 00:00000000 00000000  1000        0 12345 1 0000000000000000 20 4 30 10 -1";
        assert_eq!(
            parse_row(v4),
            Some(Row {
                local: "127.0.0.1:8080".parse().unwrap(),
                remote: "127.0.0.1:50000".parse().unwrap(),
                state: 1,
                rx_queue: 1000,
                tx_queue: 0,
                inode: 12345,
            })
        );
        let v6 = "   0: 00000000000000000000000001000000:1F90 00000000000000000000000001000000:C350 01 00000000:00000005 00:00000000 00000000 0 0 1 1 0 20 4 30 10 -1";
        let row = parse_row(v6).unwrap();
        assert_eq!(row.local, "[::1]:8080".parse().unwrap());
        assert_eq!(row.rx_queue, 5);
        let mapped = "   0: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:C350 08 00000000:00000002 00:00000000 00000000 0 0 1 1 0 20 4 30 10 -1";
        let row = parse_row(mapped).unwrap();
        assert_eq!(row.remote, "127.0.0.1:50000".parse().unwrap());
        assert_eq!((row.state, row.rx_queue), (8, 2));
    }

    #[test]
    fn a_socket_is_found_by_its_inode_and_a_listener_is_not() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 777 1 0 20 4 30 10 -1\n\
   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 778 1 0 20 4 30 10 -1\n";
        let row = super::linux::scan_inode(table.as_bytes(), 778).unwrap().unwrap();
        assert_eq!(row.remote, "127.0.0.1:50000".parse().unwrap());
        assert_eq!(super::linux::scan_inode(table.as_bytes(), 777).unwrap(), None, "a listener");
        assert_eq!(super::linux::scan_inode(table.as_bytes(), 0).unwrap(), None);
        // A live pair, found in this host's own tables.
        let server = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(server.local_addr().unwrap()).unwrap();
        let (accepted, _) = server.accept().unwrap();
        use std::os::fd::AsRawFd;
        let link = std::fs::read_link(format!("/proc/self/fd/{}", accepted.as_raw_fd())).unwrap();
        let inode: u64 = link.to_str().unwrap().trim_start_matches("socket:[").trim_end_matches(']').parse().unwrap();
        let got = tcp_by_inode(inode).unwrap();
        assert_eq!(got, Some((accepted.local_addr().unwrap(), client.local_addr().unwrap())));
    }

    #[test]
    fn malformed_and_listen_rows_are_skipped_never_a_panic() {
        let want_local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let want_remote: SocketAddr = "127.0.0.1:50000".parse().unwrap();
        let table = format!(
            "  sl  local_address rem_address   st tx_queue rx_queue\n\
             garbage\n\
             \u{0}\u{0}\n\
             0: 0100007F:1F90 0100007F:C350 0A 00000000:00000009\n\
             1: 0100007F:1F90 0100007F:C350 ZZ 00000000:00000009\n\
             2: 0100007F:1F90 0100007F:C350 01 00000000:FFFFFFFFFFFFFFFFFF\n\
             3: 0100007F:1F90 0100007F:C350 01 00000000\n\
             4: 0100007F:1F9 0100007F:C350 01 00000000:00000001\n\
             {}\n\
             5: 0100007F:1F90 0100007F:C350 06 00000000:00000000\n\
             6: 0100007F:1F90 0100007F:C350 01 00000000:0000002A\n",
            "x".repeat(5000)
        );
        assert_eq!(scan(table.as_bytes(), want_local, want_remote).unwrap(), Some(42));
        // Only the LISTEN row and a TIME_WAIT row: the TIME_WAIT one.
        let only =
            "0: 0100007F:1F90 0100007F:C350 0A 00000000:00000009\n5: 0100007F:1F90 0100007F:C350 06 00000000:00000000";
        assert_eq!(scan(only.as_bytes(), want_local, want_remote).unwrap(), Some(0));
        let listen = "0: 0100007F:1F90 0100007F:C350 0A 00000000:00000009\n";
        assert_eq!(scan(listen.as_bytes(), want_local, want_remote).unwrap(), None);
        // An endless line is bounded, not read into memory.
        let endless = std::io::repeat(b'x').take(10 << 20);
        assert_eq!(scan(endless, want_local, want_remote).unwrap(), None);
        // A line too long to be a row is skipped whole, up to its newline,
        // even where a piece of it read alone would look like a matching
        // row: here its end, from byte 1024 (two of MAX_LINE's reads in).
        let long = format!(
            "{}0: 0100007F:1F90 0100007F:C350 01 00000000:00000063\n6: 0100007F:1F90 0100007F:C350 01 00000000:0000002A\n",
            "x".repeat(1024)
        );
        assert_eq!(scan(long.as_bytes(), want_local, want_remote).unwrap(), Some(42));
    }

    #[test]
    fn a_missing_table_is_skipped_and_one_that_cannot_be_opened_is_an_error() {
        let (local, remote): (SocketAddr, SocketAddr) =
            ("127.0.0.1:8080".parse().unwrap(), "127.0.0.1:50000".parse().unwrap());
        let dir = tempfile::tempdir().unwrap();
        let table = dir.path().join("tcp");
        std::fs::write(&table, "0: 0100007F:1F90 0100007F:C350 01 00000005:00000007\n").unwrap();
        let table = table.to_str().unwrap();
        let missing = dir.path().join("tcp6");
        let missing = missing.to_str().unwrap();
        let want = Some(Queues { unread: 7, unsent: 5 });
        assert_eq!(queues_in(&[missing, table], local, remote).unwrap(), want);
        assert_eq!(queues_in(&[missing], local, remote).unwrap(), None);
        // A path through a file: not "missing" but "not a directory".
        let unopenable = format!("{table}/x");
        assert!(queues_in(&[unopenable.as_str(), table], local, remote).is_err());
    }

    /// A netlink message header (`nlmsghdr`, 16 bytes): its length
    /// (header included), type and sequence number; no flags, port 0.
    fn header(len: u32, kind: u16, seq: u32) -> Vec<u8> {
        let mut h = Vec::with_capacity(len as usize);
        h.extend_from_slice(&len.to_ne_bytes());
        h.extend_from_slice(&kind.to_ne_bytes());
        h.extend_from_slice(&0u16.to_ne_bytes());
        h.extend_from_slice(&seq.to_ne_bytes());
        h.extend_from_slice(&0u32.to_ne_bytes());
        h
    }

    #[test]
    fn netlink_answers_are_bounded_and_checked() {
        let a: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let req = request(a, a, 7);
        assert_eq!(req.len(), 72);
        // ENOENT: no such socket.
        let mut err = header(36, 2, 7);
        err.extend_from_slice(&(-libc::ENOENT).to_ne_bytes());
        err.extend_from_slice(&req[..16]);
        assert_eq!(parse_answer(&err, 7).unwrap(), Some(None));
        // Another request's answer is not ours.
        assert_eq!(parse_answer(&err, 8).unwrap(), None);
        // A length past the buffer is an error, not a panic.
        let mut bad = err.clone();
        bad[..4].copy_from_slice(&1000u32.to_ne_bytes());
        assert!(parse_answer(&bad, 7).is_err());
        // A short diag message is an error.
        let mut short = err.clone();
        short[4..6].copy_from_slice(&20u16.to_ne_bytes());
        assert!(parse_answer(&short, 7).is_err());
        for cut in 0..err.len() {
            let _ = parse_answer(&err[..cut], 7);
        }
        // Less than a header left: no message there, not an error.
        assert_eq!(parse_answer(&err[..10], 7).unwrap(), None);
        assert_eq!(parse_answer(&[], 7).unwrap(), None);
        // A length below the header's own is an error, not a panic.
        let mut tiny = err.clone();
        tiny[..4].copy_from_slice(&8u32.to_ne_bytes());
        assert!(parse_answer(&tiny, 7).is_err());
        // A message that is a header and nothing else (NLMSG_DONE, ours).
        let done = header(16, 3, 7);
        assert_eq!(parse_answer(&done, 7).unwrap(), Some(None));
        // Another error than "no such socket" is that error.
        let mut denied = err.clone();
        denied[16..20].copy_from_slice(&(-libc::EACCES).to_ne_bytes());
        assert_eq!(parse_answer(&denied, 7).unwrap_err().raw_os_error(), Some(libc::EACCES));
        // An acknowledgement (error 0) is not the answer: the one after it is.
        let mut ack = err.clone();
        ack[16..20].copy_from_slice(&0i32.to_ne_bytes());
        ack.extend_from_slice(&done);
        assert_eq!(parse_answer(&ack, 7).unwrap(), Some(None));
        // Messages start at 4-byte boundaries: another request's message of
        // 17 bytes takes 20, and ours comes after it.
        let mut padded = done.clone();
        padded[8..12].copy_from_slice(&8u32.to_ne_bytes());
        padded[..4].copy_from_slice(&17u32.to_ne_bytes());
        padded.extend_from_slice(&[0, 0, 0, 0]);
        padded.extend_from_slice(&done);
        assert_eq!(parse_answer(&padded, 7).unwrap(), Some(None));
        // A socket: its inet_diag_msg (72 bytes) with idiag_rqueue at 56
        // and idiag_wqueue at 60; shorter, it is an error.
        let diag = |body_len: usize| {
            let mut m = header((16 + body_len) as u32, 20, 7);
            let mut body = vec![0u8; body_len];
            body[1] = 1; // TCP_ESTABLISHED
            body[56..60].copy_from_slice(&11u32.to_ne_bytes());
            body[60..64].copy_from_slice(&22u32.to_ne_bytes());
            m.extend_from_slice(&body);
            m
        };
        assert_eq!(parse_answer_queues(&diag(72), 7).unwrap(), Some(Some(Queues { unread: 11, unsent: 22 })));
        assert!(parse_answer_queues(&diag(64), 7).is_err());
    }
}
