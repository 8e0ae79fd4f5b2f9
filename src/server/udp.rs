//! The UDP server: one datagram per message. `correct` reads into a buffer
//! large enough for any datagram; `seed` reads with `recvfrom(read_size)`
//! (1024 by default, as the seeds do), and the kernel silently drops the
//! rest of a bigger datagram (B15). Each peer address is one "connection"
//! in the observation.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use tokio::net::UdpSocket;
use tokio::sync::watch;

use super::handler::Reply;
use super::observe::ObservationLog;
use super::{ServerConfig, Variant};
use crate::framing::udp::MAX_DATAGRAM;
use crate::framing::{ErrorKind, FramingSpec};

pub(crate) async fn serve(
    sock: UdpSocket,
    cfg: Arc<ServerConfig>,
    log: ObservationLog,
    mut shutdown: watch::Receiver<bool>,
) {
    let read_size = match cfg.framing {
        FramingSpec::Udp(crate::framing::UdpFormat { read_size }) if cfg.variant == Variant::Tutorial => read_size,
        _ => MAX_DATAGRAM + 1,
    };
    let mut buf = vec![0u8; read_size];
    let mut peers: HashMap<SocketAddr, u64> = HashMap::new();
    loop {
        let (n, peer) = tokio::select! {
            r = sock.recv_from(&mut buf) => match r {
                Ok(v) => v,
                // ICMP errors from earlier replies surface here on some systems.
                Err(_) => continue,
            },
            _ = shutdown.changed() => return,
        };
        let id = match peers.get(&peer) {
            Some(id) => *id,
            None if peers.len() >= cfg.limits.max_connections => continue,
            None => {
                let id = log.open(peer);
                peers.insert(peer, id);
                id
            }
        };
        log.read(id, n);
        let msg = Bytes::copy_from_slice(&buf[..n]);
        log.message(id, msg.clone());
        if !cfg.delay.is_zero() {
            tokio::time::sleep(cfg.delay).await;
        }
        let reply = match cfg.handler.reply(&msg, cfg.root.as_deref(), MAX_DATAGRAM) {
            Reply::None => continue,
            Reply::Message(b) | Reply::File { body: b, .. } => b,
            Reply::Refused(why) => Bytes::from(format!("ERROR: {why}")),
        };
        let reply = reply.slice(..reply.len().min(MAX_DATAGRAM));
        if let Err(e) = sock.send_to(&reply, peer).await {
            log.error(id, ErrorKind::Io, e);
        } else {
            log.push(id, super::observe::ServerEvent::Reply { len: reply.len() });
        }
    }
}
