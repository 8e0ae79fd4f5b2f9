//! What one look at the kernel's queues costs (`framelab::kernel_queue`):
//! the peer's receive queue by sock_diag netlink (an exact 4-tuple lookup)
//! and by scanning `/proc/net/tcp`, and our own send queue (`SIOCOUTQ`),
//! with 0 and 1000 more idle loopback connections open, since the /proc
//! scan reads one line per socket on the host (whatever else the host has
//! open counts too: `wc -l /proc/net/tcp` when you compare figures).
//!
//! ```text
//! cargo bench --bench kernel_queue                  # ~20 s
//! scripts/sync-under-load.sh                        # prints the medians
//! ```

#[cfg(target_os = "linux")]
mod linux {
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};
    use std::time::Duration;

    use criterion::{BenchmarkId, Criterion};
    use framelab::kernel_queue::{own_unsent, peer_unread_netlink, peer_unread_proc};

    /// Idle connections opened beside the measured one.
    const OTHERS: [usize; 2] = [0, 1000];

    pub fn config() -> Criterion {
        Criterion::default()
            .sample_size(30)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(2))
    }

    pub fn queues(c: &mut Criterion) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut client = TcpStream::connect(addr).unwrap();
        let (_server, _) = listener.accept().unwrap();
        client.write_all(&[0u8; 100]).unwrap();
        let (local, peer) = (client.local_addr().unwrap(), client.peer_addr().unwrap());
        let mut others = Vec::new();
        let mut group = c.benchmark_group("kernel_queue");
        for n in OTHERS {
            while others.len() < n {
                let c = TcpStream::connect(addr).unwrap();
                others.push((c, listener.accept().unwrap().0));
            }
            group.bench_function(BenchmarkId::new("peer_unread_netlink", n), |b| {
                b.iter(|| peer_unread_netlink(local, peer).unwrap().unwrap())
            });
            group.bench_function(BenchmarkId::new("peer_unread_proc", n), |b| {
                b.iter(|| peer_unread_proc(local, peer).unwrap().unwrap())
            });
        }
        group.bench_function("own_unsent", |b| b.iter(|| own_unsent(&client).unwrap()));
        group.finish();
    }
}

#[cfg(target_os = "linux")]
criterion::criterion_group! { name = benches; config = linux::config(); targets = linux::queues }
#[cfg(target_os = "linux")]
criterion::criterion_main!(benches);

#[cfg(not(target_os = "linux"))]
fn main() {}
