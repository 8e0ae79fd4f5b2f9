//! Decode and encode throughput of every framing strategy beside
//! tokio-util's codecs, at message sizes from 16 B to 1 MiB.
//!
//! Decoding is fed the way `FramedRead` feeds a decoder: 64 KiB reads
//! appended to a `BytesMut`, then `decode` until it returns `None`; the
//! `slices` rows (`length-prefix slices`, ...) hand out every complete
//! frame of a read through `FrameSlices` instead. The
//! `raw` row appends the same reads and consumes them with no framing:
//! the ceiling. Throughput counts message payload bytes. The workloads are
//! `framelab::bench::codec`'s, the same as `framelab bench` measures.
//!
//! ```text
//! cargo bench --bench codec                       # everything, ~5 minutes
//! cargo bench --bench codec -- 'decode/length'    # a filter
//! cargo bench --bench codec -- 'slices'           # the frames-as-slices rows
//! ```

use std::hint::black_box;
use std::time::Duration;

use bytes::BytesMut;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use framelab::bench::codec::{SIZES, Subject, Workload};

/// Modest defaults so the whole suite fits a few minutes on 2 cores.
fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args()
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    for size in SIZES {
        for &subject in Subject::all() {
            let w = Workload::new(subject, size);
            group.throughput(Throughput::Bytes(w.payload_bytes() as u64));
            group.bench_with_input(BenchmarkId::new(subject.name(), size), &w, |b, w| b.iter(|| black_box(w.decode())));
        }
    }
    group.finish();
}

fn encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode");
    for size in SIZES {
        // A `slices` row encodes as its `Decoder` row: no row of its own.
        for subject in Subject::all().iter().copied().filter(|s| !matches!(s, Subject::Slices(_))) {
            let w = Workload::new(subject, size);
            let mut dst = BytesMut::with_capacity(w.wire().len());
            group.throughput(Throughput::Bytes(w.payload_bytes() as u64));
            group.bench_with_input(BenchmarkId::new(subject.name(), size), &w, |b, w| {
                b.iter(|| {
                    dst.clear();
                    black_box(w.encode(&mut dst))
                })
            });
        }
    }
    group.finish();
}

criterion_group! { name = benches; config = config(); targets = decode, encode }
criterion_main!(benches);
