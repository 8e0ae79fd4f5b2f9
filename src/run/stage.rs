//! What a scenario runs against ([`Stage`]): the reference server, a
//! spawned target or an address, and the proxy in front of it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{RunError, RunOptions, uses_target};
use crate::framing::FramingSpec;
use crate::proxy::{DirectionConfig, Proxy, ProxyConfig};
use crate::scenario::model::ProxySection;
use crate::scenario::{Prepared, Scenario};
use crate::seed::{self, Purpose};
use crate::server::{ConfigError, Server, ServerConfig};
use crate::target::{Lent, SpawnedTarget, TargetCommand, TargetStart};

fn server_config(sc: &Scenario, framing: FramingSpec) -> Result<ServerConfig, ConfigError> {
    let mut cfg = ServerConfig::new(framing).variant(sc.server.variant).handler(sc.server.handler);
    cfg.sequential = sc.server.sequential;
    cfg.delay = sc.server.delay.unwrap_or_default();
    cfg.root = sc.server.root.as_ref().map(|r| sc.file.parent().unwrap_or(Path::new(".")).join(r));
    cfg.limits.idle_timeout = sc.server.idle_timeout.unwrap_or(Duration::from_secs(5));
    cfg.limits.frame_timeout = sc.server.frame_timeout.unwrap_or(Duration::from_secs(10));
    if let Some(m) = sc.server.max_connections {
        cfg.limits.max_connections = m;
    }
    cfg.validate()?;
    Ok(cfg)
}

/// The folder of the scenario file: commands run there.
pub(super) fn scenario_dir(sc: &Scenario) -> PathBuf {
    match sc.file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn proxy_config(sc: &Scenario, p: &ProxySection, upstream: SocketAddr, seed: u64) -> ProxyConfig {
    let mut cfg = ProxyConfig::new(upstream);
    cfg.seed = seed::derive(seed, Purpose::Proxy);
    cfg.idle_timeout = sc.timeout;
    cfg.up = DirectionConfig {
        schedule: p.up.clone(),
        pause: p.up_pause,
        hold: p.hold,
        reset_after: p.up_reset_after,
        close_after: p.up_close_after,
        sync: p.sync,
    };
    cfg.down = DirectionConfig {
        schedule: p.down.clone(),
        pause: p.down_pause,
        hold: p.hold,
        reset_after: p.down_reset_after,
        close_after: p.down_close_after,
        sync: false,
    };
    cfg
}

/// What a scenario runs against: the reference server, a spawned target,
/// or an address; and the proxy in front of it, if any.
pub(super) struct Stage {
    pub(super) server: Option<Server>,
    /// A spawned target lives here: when the scenario ends, fails or is
    /// cancelled at its deadline, dropping it kills its process group.
    /// With a pool, a run that left it fit gives it back instead.
    spawned: Option<Lent>,
    /// The pool it came from, if any.
    pool: Option<std::sync::Arc<crate::target::TargetPool>>,
    /// Why the spawned target must not be kept after this run.
    unfit: std::sync::Mutex<Option<String>>,
    pub(super) proxy: Option<Proxy>,
    /// Where the clients connect (the proxy when there is one).
    pub(super) client_addr: SocketAddr,
    /// The spawned target's own reads and writes, when traced.
    pub(super) trace: Option<crate::trace::TraceLog>,
}

impl Stage {
    pub(super) async fn start(sc: &Scenario, opts: &RunOptions, prep: &Prepared, seed: u64) -> Result<Stage, RunError> {
        let server = match (&prep.server_framing, uses_target(sc, opts)) {
            (Some(f), false) => Some(Server::start(server_config(sc, f.clone())?).await?),
            _ => None,
        };
        let mut spawned = None;
        let addr = match (&server, opts.target, sc.target.as_ref()) {
            (Some(s), _, _) => s.addr(),
            (None, Some(a), _) => a,
            (None, None, Some(t)) if t.command.is_some() => {
                let spec = TargetCommand {
                    argv: t.command.clone().unwrap_or_default(),
                    cwd: scenario_dir(sc),
                    addr: t.addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0))),
                    udp: t.udp,
                    startup_timeout: t.startup_timeout,
                    // UDP targets are not traced yet: the tracer maps calls to
                    // TCP connections only.
                    trace: (t.trace
                        && !opts.no_trace
                        && !t.udp
                        && !matches!(prep.client_framing, FramingSpec::Udp(crate::framing::UdpFormat { .. })))
                    .then_some(crate::target::TraceSpec { reads: t.reads, seed: seed::derive(seed, Purpose::Reads) }),
                };
                // Only a traced target is kept between runs: the trace is
                // what says it has finished with a run's connections.
                let lent = match opts.pool.as_ref().filter(|_| spec.trace.is_some()) {
                    Some(pool) => pool.take(&spec, t.fresh).await,
                    None => SpawnedTarget::start(&spec).await.map(Lent::alone),
                }
                .map_err(RunError::Target)?;
                let a = lent.target.addr();
                spawned = Some(lent);
                a
            }
            (None, None, Some(t)) if t.addr.is_some() => {
                t.addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)))
            }
            _ => return Err(RunError::NoAddress),
        };
        let udp = matches!(prep.client_framing, FramingSpec::Udp(crate::framing::UdpFormat { .. }))
            || sc.target.as_ref().is_some_and(|t| t.udp);
        let proxy = match &sc.proxy {
            Some(_) if udp => return Err(RunError::UdpProxy),
            Some(p) => Some(Proxy::start(proxy_config(sc, p, addr, seed)).await?),
            None => None,
        };
        let client_addr = proxy.as_ref().map_or(addr, Proxy::addr);
        let trace = spawned.as_ref().and_then(|l| l.target.trace());
        let pool = opts.pool.clone().filter(|_| spawned.is_some() && trace.is_some());
        Ok(Stage { server, spawned, pool, unfit: std::sync::Mutex::new(None), proxy, client_addr, trace })
    }

    /// How the spawned target was got, if there is one.
    pub(super) fn target_start(&self) -> Option<&TargetStart> {
        self.spawned.as_ref().map(|l| &l.start)
    }

    /// The spawned target must not serve another run after this one
    /// (the first reason given is kept).
    pub(super) fn unfit(&self, why: impl Into<String>) {
        let mut g = self.unfit.lock().unwrap_or_else(|p| p.into_inner());
        g.get_or_insert_with(|| why.into());
    }

    /// Whether the clients talk straight to a server framelab did not
    /// start (`[target] addr` or `--target`, no proxy).
    pub(super) fn address_only(&self) -> bool {
        self.server.is_none() && self.spawned.is_none() && self.proxy.is_none()
    }

    /// Stops everything, noting in `detail` what the proxy passed and
    /// whether the target died during the scenario.
    pub(super) async fn stop(self, detail: &mut String) {
        if let Some(p) = self.proxy {
            let stats = p.stop().await;
            detail.push_str(&format!(
                "; the proxy passed {} bytes up and {} bytes down",
                stats.bytes_up, stats.bytes_down
            ));
            if stats.unsynced > 0 {
                detail.push_str(&format!(
                    "; [proxy] sync could not see the server's reads for {} write(s): only up-pause kept them apart",
                    stats.unsynced
                ));
            }
        }
        if let Some(mut lent) = self.spawned {
            let t = &mut lent.target;
            if let Some(why) = t.untraced_because() {
                detail.push_str(&format!("; the target ran untraced ({why})"));
            }
            if let Some(failure) = self.trace.as_ref().and_then(crate::trace::TraceLog::failure) {
                detail.push_str(&format!("; tracing the target failed: {failure}"));
            }
            if let Some(status) = t.exited() {
                detail.push_str(&format!(
                    "; the target `{}` exited during the scenario ({status}){}",
                    t.command(),
                    crate::target::stderr_note(&t.stderr_tail())
                ));
            }
            if let TargetStart::Restarted { why } = &lent.start {
                detail.push_str(&format!("; the target was started again for this run: {why}"));
            }
            let mut unfit = self.unfit.into_inner().unwrap_or_else(|p| p.into_inner());
            if let Some(failure) = self.trace.as_ref().and_then(crate::trace::TraceLog::failure) {
                unfit.get_or_insert(format!("tracing it failed: {failure}"));
            }
            match self.pool {
                Some(pool) => pool.give_back(lent, unfit).await,
                None => {
                    lent.target.stop().await;
                }
            }
        }
        if let Some(s) = self.server {
            s.stop().await;
        }
    }
}
