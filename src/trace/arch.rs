//! The one place that knows the architecture: which syscall numbers the
//! filter stops, what each of them is, and where a stopped thread keeps
//! its syscall number, arguments and result. x86_64 and aarch64 differ in
//! all three (aarch64 has no `read`-less aliases but other numbers, and
//! returns its result in the register of the first argument).

/// What a traced call does to a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallKind {
    /// Bytes taken from the socket: read, readv, recvfrom, recvmsg, recvmmsg.
    Read,
    /// Bytes given to the socket: write, writev, sendto, sendmsg, sendmmsg, sendfile.
    Write,
    /// `shutdown(fd, how)`.
    Shutdown,
}

/// One syscall the filter stops: its number, its name and what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sys {
    /// The number on this architecture.
    pub nr: i64,
    /// Its name, as strace prints it.
    pub name: &'static str,
    /// What it does to a connection.
    pub kind: CallKind,
    /// Its result counts bytes (not messages, as `recvmmsg`'s does).
    pub counts_bytes: bool,
    /// Its third argument is the byte count of one buffer (`read`,
    /// `recvfrom`, `write`, `sendto`); a read's may be lowered to force a
    /// short read.
    pub len_arg: bool,
}

const fn sys(nr: i64, name: &'static str, kind: CallKind, counts_bytes: bool, len_arg: bool) -> Sys {
    Sys { nr, name, kind, counts_bytes, len_arg }
}

impl Sys {
    /// Whether the tracer may lower its length: a read with one buffer.
    pub fn shortens(&self) -> bool {
        self.len_arg && self.kind == CallKind::Read
    }
}

/// Every call the filter stops, with this architecture's numbers.
pub const TRACED: [Sys; 12] = [
    sys(libc::SYS_read, "read", CallKind::Read, true, true),
    sys(libc::SYS_readv, "readv", CallKind::Read, true, false),
    sys(libc::SYS_recvfrom, "recvfrom", CallKind::Read, true, true),
    sys(libc::SYS_recvmsg, "recvmsg", CallKind::Read, true, false),
    sys(libc::SYS_recvmmsg, "recvmmsg", CallKind::Read, false, false),
    sys(libc::SYS_write, "write", CallKind::Write, true, true),
    sys(libc::SYS_writev, "writev", CallKind::Write, true, false),
    sys(libc::SYS_sendto, "sendto", CallKind::Write, true, true),
    sys(libc::SYS_sendmsg, "sendmsg", CallKind::Write, true, false),
    sys(libc::SYS_sendmmsg, "sendmmsg", CallKind::Write, false, false),
    sys(libc::SYS_sendfile, "sendfile", CallKind::Write, true, false),
    sys(libc::SYS_shutdown, "shutdown", CallKind::Shutdown, false, false),
];

/// The traced call with number `nr`, if the filter stops it.
pub fn lookup(nr: i64) -> Option<&'static Sys> {
    TRACED.iter().find(|s| s.nr == nr)
}

/// The architecture the filter is compiled for.
#[cfg(target_arch = "x86_64")]
pub const SECCOMP_ARCH: seccompiler::TargetArch = seccompiler::TargetArch::x86_64;
/// The architecture the filter is compiled for.
#[cfg(target_arch = "aarch64")]
pub const SECCOMP_ARCH: seccompiler::TargetArch = seccompiler::TargetArch::aarch64;

/// The registers of a stopped thread, as ptrace gives them.
pub type Regs = libc::user_regs_struct;

/// The syscall number of a thread stopped at a syscall.
#[cfg(target_arch = "x86_64")]
pub fn nr(r: &Regs) -> i64 {
    r.orig_rax as i64
}
/// Argument `i` (0..3) of a thread stopped at a syscall's entry.
#[cfg(target_arch = "x86_64")]
pub fn arg(r: &Regs, i: usize) -> u64 {
    match i {
        0 => r.rdi,
        1 => r.rsi,
        _ => r.rdx,
    }
}
/// Sets argument 2 (a buffer's length).
#[cfg(target_arch = "x86_64")]
pub fn set_arg2(r: &mut Regs, v: u64) {
    r.rdx = v;
}
/// The result of a thread stopped at a syscall's exit (negative: -errno).
#[cfg(target_arch = "x86_64")]
pub fn ret(r: &Regs) -> i64 {
    r.rax as i64
}

/// The syscall number of a thread stopped at a syscall.
#[cfg(target_arch = "aarch64")]
pub fn nr(r: &Regs) -> i64 {
    r.regs[8] as i64
}
/// Argument `i` (0..3) of a thread stopped at a syscall's entry.
#[cfg(target_arch = "aarch64")]
pub fn arg(r: &Regs, i: usize) -> u64 {
    r.regs[i.min(2)]
}
/// Sets argument 2 (a buffer's length).
#[cfg(target_arch = "aarch64")]
pub fn set_arg2(r: &mut Regs, v: u64) {
    r.regs[2] = v;
}
/// The result of a thread stopped at a syscall's exit (negative: -errno).
#[cfg(target_arch = "aarch64")]
pub fn ret(r: &Regs) -> i64 {
    r.regs[0] as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_every_call_once_with_this_architectures_numbers() {
        let mut nrs: Vec<i64> = TRACED.iter().map(|s| s.nr).collect();
        nrs.sort_unstable();
        nrs.dedup();
        assert_eq!(nrs.len(), TRACED.len(), "a number twice");
        #[cfg(target_arch = "x86_64")]
        {
            assert_eq!(lookup(0).map(|s| s.name), Some("read"));
            assert_eq!(lookup(1).map(|s| s.name), Some("write"));
            // close is not stopped: a target's start (a shell wrapper, the
            // dynamic loader) closes hundreds of files, and the end of a
            // connection is seen from the client's side.
            assert_eq!(lookup(3), None);
            assert_eq!(lookup(45).map(|s| (s.name, s.len_arg)), Some(("recvfrom", true)));
            assert_eq!(lookup(47).map(|s| (s.name, s.len_arg)), Some(("recvmsg", false)));
            assert_eq!(lookup(48).map(|s| s.kind), Some(CallKind::Shutdown));
            assert_eq!(lookup(40).map(|s| s.name), Some("sendfile"));
            // openat, mmap, accept4, epoll_wait: never stopped.
            for other in [257, 9, 288, 232] {
                assert_eq!(lookup(other), None, "{other}");
            }
        }
        #[cfg(target_arch = "aarch64")]
        {
            assert_eq!(lookup(63).map(|s| s.name), Some("read"));
            assert_eq!(lookup(64).map(|s| s.name), Some("write"));
            assert_eq!(lookup(57), None);
            assert_eq!(lookup(207).map(|s| s.name), Some("recvfrom"));
        }
        // Only reads shorten, and only those with one buffer length.
        let short: Vec<&str> = TRACED.iter().filter(|s| s.shortens()).map(|s| s.name).collect();
        assert_eq!(short, ["read", "recvfrom"]);
    }

    #[test]
    fn registers_are_read_where_the_architecture_keeps_them() {
        // SAFETY: user_regs_struct is plain integers; all zeros is valid.
        let mut r: Regs = unsafe { std::mem::zeroed() };
        set_arg2(&mut r, 7);
        assert_eq!(arg(&r, 2), 7);
        assert_eq!(arg(&r, 0), 0);
    }
}
