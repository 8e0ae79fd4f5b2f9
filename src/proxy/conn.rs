//! One proxied connection: connect upstream, pump both directions, end
//! both sides the way the first abnormal end says (reset or close).

use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;

use tokio::net::TcpStream;
use tokio::sync::watch;

use super::pump::{Activity, PumpCtx, pump};
use super::{ConnInfo, Counters, ProxyConfig, ProxyEvent};

/// Serves one accepted connection until both directions end.
pub(crate) async fn serve(
    id: u64,
    client: TcpStream,
    peer: SocketAddr,
    cfg: Arc<ProxyConfig>,
    counters: Arc<Counters>,
    mut shutdown: watch::Receiver<bool>,
) {
    let emit = |e: ProxyEvent| {
        if let Some(tx) = &cfg.events {
            let _ = tx.send(e);
        }
    };
    let upstream = match tokio::time::timeout(cfg.connect_timeout, TcpStream::connect(cfg.upstream)).await {
        Ok(Ok(s)) => s,
        failed => {
            crate::net::reset(client);
            counters.upstream_failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let how = match failed {
                Ok(Err(e)) => format!("upstream {} refused: {e}; the client was reset", cfg.upstream),
                _ => format!("upstream {} did not answer within {:?}", cfg.upstream, cfg.connect_timeout),
            };
            emit(ProxyEvent::Closed { id, up: 0, down: 0, how });
            return;
        }
    };
    // No Nagle on either side: each write the schedule makes leaves as it is.
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let upstream_local = upstream.local_addr().ok();
    counters.record(ConnInfo { id, client: peer, upstream_local, up: 0, down: 0, open: true });
    emit(ProxyEvent::Accepted { id, client: peer, upstream_local });

    let (cr, cw) = client.into_split();
    let (ur, uw) = upstream.into_split();
    let (stop_tx, stop_rx) = watch::channel(false);
    let activity = Arc::new(Activity::new());
    let seed = crate::seed::derive(cfg.seed, crate::seed::Purpose::ProxyConn(id));
    let up_ctx = PumpCtx {
        dir: cfg.up.clone(),
        seed,
        idle: cfg.idle_timeout,
        counter: counters.up.clone(),
        unsynced: counters.unsynced.clone(),
        activity: activity.clone(),
    };
    let down_ctx = PumpCtx {
        dir: cfg.down.clone(),
        seed: crate::seed::derive(seed, crate::seed::Purpose::ProxyDown),
        idle: cfg.idle_timeout,
        counter: counters.down.clone(),
        unsynced: counters.unsynced.clone(),
        activity,
    };
    let stop_tx = &stop_tx;
    let up = async {
        let r = pump(cr, uw, up_ctx, stop_rx.clone()).await;
        if r.0.ends_connection() {
            let _ = stop_tx.send(true);
        }
        r
    };
    let down = async {
        let r = pump(ur, cw, down_ctx, stop_rx.clone()).await;
        if r.0.ends_connection() {
            let _ = stop_tx.send(true);
        }
        r
    };
    let mut both = pin!(futures::future::join(up, down));
    let (up, down) = tokio::select! {
        r = &mut both => r,
        _ = async { let _ = shutdown.wait_for(|s| *s).await; } => {
            let _ = stop_tx.send(true);
            both.await
        }
    };
    let (up_end, cr, uw, up_bytes) = up;
    let (down_end, ur, cw, down_bytes) = down;
    let reset = up_end.resets() || down_end.resets();
    if let (Ok(client), Ok(upstream)) = (cr.reunite(cw), ur.reunite(uw))
        && reset
    {
        crate::net::reset(client);
        crate::net::reset(upstream);
    }
    counters.close(id, up_bytes, down_bytes);
    let how = if up_end == down_end {
        up_end.describe()
    } else {
        format!("up {}, down {}", up_end.describe(), down_end.describe())
    };
    emit(ProxyEvent::Closed { id, up: up_bytes, down: down_bytes, how });
}
