//! Spawned targets kept between runs ([`TargetPool`]): explore's runs (and
//! any caller's that passes a pool in [`RunOptions`](crate::run::RunOptions))
//! share a started target, each run on fresh connections, instead of
//! starting it again every time.
//!
//! A target goes back to the pool only when the run that used it left it
//! well: it is still running, every connection of the run ended as the
//! trace saw it (or the run's clients saw the target close it), and it
//! accepted and answered within the run's bounds. Anything else, and it is
//! killed; the next run that needs one starts it again and says why. A
//! scenario with `[target] fresh = true` always gets a new one.
//!
//! Every pooled target is still a [`SpawnedTarget`]: its process group
//! dies when it is dropped, when the pool is stopped, and with framelab.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::{SpawnedTarget, TargetCommand, TargetError};

/// What makes two starts the same target.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    argv: Vec<String>,
    cwd: PathBuf,
    addr: SocketAddr,
    udp: bool,
    traced: bool,
}

impl Key {
    fn of(spec: &TargetCommand) -> Key {
        Key {
            argv: spec.argv.clone(),
            cwd: spec.cwd.clone(),
            addr: spec.addr,
            udp: spec.udp,
            traced: spec.trace.is_some(),
        }
    }
}

/// How a run got its target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "how", rename_all = "kebab-case")]
pub enum TargetStart {
    /// Started for this run: the first of its kind, or `fresh = true`.
    Started,
    /// Kept from an earlier run (`runs` is how many runs it has served
    /// before this one).
    Reused {
        /// Runs it served before.
        runs: u64,
    },
    /// Started again, because the last run that used one left it unfit.
    Restarted {
        /// Why the last one was not kept.
        why: String,
    },
}

impl std::fmt::Display for TargetStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetStart::Started => write!(f, "started"),
            TargetStart::Reused { runs } => write!(f, "reused (it served {runs} run(s) before)"),
            TargetStart::Restarted { why } => write!(f, "restarted: {why}"),
        }
    }
}

/// A pooled target, lent to one run.
#[derive(Debug)]
pub struct Lent {
    /// The target.
    pub target: SpawnedTarget,
    /// How it was got.
    pub start: TargetStart,
    /// Its kind, when it may be kept after the run (`None`: started for
    /// this run alone, outside a pool or with `fresh = true`).
    key: Option<Key>,
    runs: u64,
}

impl Lent {
    /// A target started for one run, outside any pool.
    pub fn alone(target: SpawnedTarget) -> Lent {
        Lent { target, start: TargetStart::Started, key: None, runs: 0 }
    }
}

/// Counts of a pool's starts, for reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PoolStats {
    /// Targets started (the first ones and `fresh = true`).
    pub started: u64,
    /// Runs that reused a kept target.
    pub reused: u64,
    /// Targets started again after one was not kept.
    pub restarted: u64,
}

#[derive(Debug, Default)]
struct Inner {
    idle: Vec<(Key, SpawnedTarget, u64)>,
    /// Why the last target of a kind was not kept (told by the next start).
    dropped: HashMap<Key, String>,
    stats: PoolStats,
    /// The first reasons targets were not kept, for the run's summary.
    reasons: Vec<String>,
}

/// Targets kept between runs. Shared by the runs of one
/// `framelab explore`, and stopped at its end ([`TargetPool::stop_all`]).
#[derive(Debug, Default)]
pub struct TargetPool {
    inner: Mutex<Inner>,
}

/// Most reasons kept for the summary.
const MAX_REASONS: usize = 8;

impl TargetPool {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A target for `spec`: a kept one that is still running, else a new
    /// one (started as [`SpawnedTarget::start`] does). `fresh` never
    /// reuses.
    pub async fn take(&self, spec: &TargetCommand, fresh: bool) -> Result<Lent, TargetError> {
        let key = Key::of(spec);
        if !fresh {
            loop {
                let found = {
                    let mut g = self.lock();
                    g.idle.iter().position(|(k, _, _)| *k == key).map(|i| g.idle.swap_remove(i))
                };
                let Some((key, mut target, runs)) = found else { break };
                if let Some(status) = target.exited() {
                    // It died between runs: say so at the next start.
                    self.not_kept(&key, format!("the kept target had exited ({status}) before this run"));
                    target.stop().await;
                    continue;
                }
                if let Some(log) = target.trace() {
                    let t = spec.trace.unwrap_or_default();
                    log.begin_run(t.reads, t.seed);
                }
                self.lock().stats.reused += 1;
                return Ok(Lent { target, start: TargetStart::Reused { runs }, key: Some(key), runs });
            }
        }
        // A fixed port is held by a kept target of another command: that
        // one goes, so that this one can listen there.
        if spec.addr.port() != 0 {
            let holders: Vec<SpawnedTarget> = {
                let mut g = self.lock();
                let (same, rest): (Vec<_>, Vec<_>) = g.idle.drain(..).partition(|(k, _, _)| k.addr == spec.addr);
                g.idle = rest;
                same.into_iter().map(|(_, t, _)| t).collect()
            };
            for t in holders {
                t.stop().await;
            }
        }
        let target = SpawnedTarget::start(spec).await?;
        let mut g = self.lock();
        // A fresh one serves its run alone, and tells no earlier reason.
        let start = match (fresh, g.dropped.remove(&key)) {
            (false, Some(why)) => {
                g.stats.restarted += 1;
                TargetStart::Restarted { why }
            }
            (true, Some(why)) => {
                g.dropped.insert(key.clone(), why);
                g.stats.started += 1;
                TargetStart::Started
            }
            (_, None) => {
                g.stats.started += 1;
                TargetStart::Started
            }
        };
        Ok(Lent { target, start, key: (!fresh).then_some(key), runs: 0 })
    }

    /// Gives `lent` back after its run: kept when it may be (not started
    /// fresh), `unfit` is `None` and it is still running, else stopped
    /// (`unfit` says why, for the next start).
    pub async fn give_back(&self, mut lent: Lent, unfit: Option<String>) {
        let Some(key) = lent.key.take() else {
            lent.target.stop().await;
            return;
        };
        let why = match (unfit, lent.target.exited()) {
            (_, Some(status)) => Some(format!("the target exited ({status}) during the previous run")),
            (Some(why), None) => Some(why),
            (None, None) => None,
        };
        match why {
            Some(why) => {
                self.not_kept(&key, why);
                lent.target.stop().await;
            }
            None => self.lock().idle.push((key, lent.target, lent.runs + 1)),
        }
    }

    fn not_kept(&self, key: &Key, why: String) {
        let mut g = self.lock();
        if g.reasons.len() < MAX_REASONS {
            g.reasons.push(why.clone());
        }
        g.dropped.insert(key.clone(), why);
    }

    /// How many targets were started, reused and restarted so far.
    pub fn stats(&self) -> PoolStats {
        self.lock().stats
    }

    /// The first reasons targets were not kept.
    pub fn reasons(&self) -> Vec<String> {
        self.lock().reasons.clone()
    }

    /// Stops every kept target (each within 2 s).
    pub async fn stop_all(&self) {
        let idle: Vec<_> = std::mem::take(&mut self.lock().idle);
        for (_, t, _) in idle {
            t.stop().await;
        }
    }

    /// The process ids of the targets kept now (each leads its process
    /// group).
    pub fn idle_pids(&self) -> Vec<u32> {
        self.lock().idle.iter().filter_map(|(_, t, _)| t.pid()).collect()
    }
}
