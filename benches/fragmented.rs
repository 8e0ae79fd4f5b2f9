//! The cost of partial reads: decode throughput when the same stream
//! arrives in 1-byte, 7-byte and random (1 to 1500 bytes, seeded) reads,
//! for every framing strategy beside tokio-util's codecs and `raw`.
//!
//! Each read is appended to a `BytesMut` and decoded until `None`, as
//! `FramedRead` does; a decoder that rescans what it has already seen, or
//! reserves too eagerly, shows up here. Throughput counts message payload
//! bytes of a 64 KiB stream.
//!
//! ```text
//! cargo bench --bench fragmented
//! cargo bench --bench fragmented -- 'fragmented/1-byte'
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use framelab::bench::codec::{Subject, Workload, read_plan_fixed, read_plan_random};

/// Message sizes: small frames (many per read) and frames longer than a read.
const SIZES: [usize; 2] = [64, 1024];

/// Payload bytes per stream: small, since 1-byte reads mean one decode
/// call per byte.
const STREAM_BYTES: usize = 64 * 1024;

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args()
}

fn fragmented(c: &mut Criterion) {
    let plans =
        [("1-byte", read_plan_fixed(1)), ("7-byte", read_plan_fixed(7)), ("random", read_plan_random(8, 1500, 4096))];
    for (label, plan) in &plans {
        let mut group = c.benchmark_group(format!("fragmented/{label}"));
        for size in SIZES {
            for &subject in Subject::all() {
                let w = Workload::with_stream_bytes(subject, size, STREAM_BYTES);
                group.throughput(Throughput::Bytes(w.payload_bytes() as u64));
                group.bench_with_input(BenchmarkId::new(subject.name(), size), &w, |b, w| {
                    b.iter(|| black_box(w.decode_with(plan)))
                });
            }
        }
        group.finish();
    }
}

criterion_group! { name = benches; config = config(); targets = fragmented }
criterion_main!(benches);
