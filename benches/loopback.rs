//! End to end over 127.0.0.1: every framing strategy beside a `raw` stream
//! of the same payload, the `Ready|N` / `Start` handshake's round trips
//! (B8), and a 100 ms `sleep` between sends (B9).
//!
//! The client writes each strategy's pre-encoded stream (about 512 KiB of
//! payload per `write_all`, so 64 B frames go thousands per write); the
//! receiving end reads it 64 KiB at a time and decodes every frame with the
//! same codecs as codec mode. `raw` reads the same way and discards. Each
//! row keeps one connection for all its iterations. Both ends run as tasks
//! on this thread, and each iteration batch is timed with the thread's CPU
//! clock (what the whole path costs on one core; steady on a shared
//! machine), except the sleep group, timed with the wall clock. Throughput
//! counts message payload bytes: frames/s = bytes/s / size. The harness is
//! `framelab::bench::loopback`'s, the same as `framelab bench --mode
//! loopback` measures.
//!
//! `handshake` is one message per iteration (two round trips each);
//! `loopback-sleep` is one message then a 100 ms sleep per iteration, so it
//! runs 10 flat samples of about a second in all: about 10 messages a
//! second is the point.
//!
//! ```text
//! cargo bench --bench loopback                          # ~2 minutes on 2 cores
//! cargo bench --bench loopback -- 'loopback/length'     # a filter
//! ```

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use framelab::bench::loopback::{Loopback, Row};
use strum::VariantArray;

/// Message sizes: small frames (thousands per write), a page, a read's
/// worth, and frames far longer than a read.
const SIZES: [usize; 4] = [64, 1024, 64 * 1024, 1024 * 1024];

/// Modest defaults so the whole file fits a couple of minutes on 2 cores.
fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .configure_from_args()
}

fn streams(c: &mut Criterion) {
    let lb = Loopback::new().expect("client and server threads");
    let mut group = c.benchmark_group("loopback");
    for size in SIZES {
        for row in Row::VARIANTS.iter().copied().filter(|r| *r != Row::Sleep) {
            let mut link = lb.link(row, size).expect("a connection over 127.0.0.1");
            group.throughput(Throughput::Bytes(link.payload_per_unit() as u64));
            group.bench_function(BenchmarkId::new(row.name(), size), |b| {
                b.iter_custom(|units| link.run(units).expect("a loopback run"))
            });
        }
    }
    group.finish();
}

fn sleep(c: &mut Criterion) {
    let lb = Loopback::new().expect("client and server threads");
    let mut group = c.benchmark_group("loopback-sleep");
    // Every iteration sleeps 100 ms: 10 samples of one iteration each.
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_millis(150)).measurement_time(Duration::from_millis(1100));
    let size = 64;
    let mut link = lb.link(Row::Sleep, size).expect("a connection over 127.0.0.1");
    group.throughput(Throughput::Bytes(size as u64));
    group.bench_function(BenchmarkId::new(Row::Sleep.name(), size), |b| {
        b.iter_custom(|units| link.run(units).expect("a loopback run"))
    });
    group.finish();
}

criterion_group! { name = benches; config = config(); targets = streams, sleep }
criterion_main!(benches);
