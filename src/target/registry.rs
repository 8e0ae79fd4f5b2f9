//! The process groups of every live spawned target and client under test,
//! so that an interrupted run (Ctrl-C) can kill them all before it exits.
//!
//! Each spawned command leads its own process group (`setpgid(0, 0)`), so
//! killing the group with `kill(-pgid, SIGKILL)` also kills whatever the
//! command started itself (a shell script's children, a server's worker
//! processes).

use std::sync::Mutex;

/// Process group ids of live spawned commands.
static LIVE: Mutex<Vec<u32>> = Mutex::new(Vec::new());

fn live_groups() -> std::sync::MutexGuard<'static, Vec<u32>> {
    LIVE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Records a live process group.
pub(crate) fn register(pgid: u32) {
    live_groups().push(pgid);
}

/// Forgets a process group (it has been killed). Returns whether it was
/// still registered.
pub(crate) fn unregister(pgid: u32) -> bool {
    let mut g = live_groups();
    match g.iter().position(|p| *p == pgid) {
        Some(i) => {
            g.swap_remove(i);
            true
        }
        None => false,
    }
}

/// The process groups of the commands spawned and not yet killed.
pub fn live() -> Vec<u32> {
    live_groups().clone()
}

/// Kills every live spawned process group (SIGKILL) and forgets them;
/// returns how many there were. For signal handlers: `framelab run` calls
/// it on Ctrl-C before exiting.
pub fn kill_all() -> usize {
    let groups = std::mem::take(&mut *live_groups());
    for g in &groups {
        kill_group(*g);
    }
    groups.len()
}

/// Sends SIGKILL to process group `pgid`. Ignores 0 and 1, which would
/// mean "our own group" and "every process".
pub(crate) fn kill_group(pgid: u32) {
    #[cfg(unix)]
    {
        let Ok(id) = i32::try_from(pgid) else { return };
        if id <= 1 {
            return;
        }
        // SAFETY: kill(2) has no memory-safety preconditions; a negative
        // pid names the process group. ESRCH (already gone) is fine.
        unsafe {
            libc::kill(-id, libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    let _ = pgid;
}
