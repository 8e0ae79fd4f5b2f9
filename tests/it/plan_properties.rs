//! Every schedule that is not meant to drop bytes passes every byte along,
//! in order, and the same seed gives the same plan.

use std::time::Duration;

use bytes::Bytes;
use framelab::fault::{PlanSpec, Schedule, check_plan};
use proptest::prelude::*;

fn schedule() -> impl Strategy<Value = Schedule> {
    prop_oneof![
        Just(Schedule::Each),
        Just(Schedule::Drip),
        Just(Schedule::Coalesce(None)),
        (1usize..5).prop_map(|n| Schedule::Coalesce(Some(n))),
        (1usize..40).prop_map(Schedule::Chunk),
        (1usize..20, 0usize..50).prop_map(|(a, b)| Schedule::Random(a, a + b)),
        proptest::collection::vec(0usize..300, 0..8).prop_map(Schedule::Cuts),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn schedules_never_lose_or_reorder_bytes(
        frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..10),
        schedule in schedule(),
        sync in any::<bool>(),
        pause_ms in 0u64..3,
        seed in any::<u64>(),
    ) {
        let frames: Vec<Bytes> = frames.into_iter().map(Bytes::from).collect();
        let spec = PlanSpec { schedule, pause: Duration::from_millis(pause_ms), sync, reset_after: None };
        if let Err(e) = check_plan(&frames, &spec, seed) {
            panic!("{e}");
        }
    }

    #[test]
    fn reset_after_sends_exactly_the_prefix(
        frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 1..6),
        schedule in schedule(),
        cut in 0usize..200,
        seed in any::<u64>(),
    ) {
        let frames: Vec<Bytes> = frames.into_iter().map(Bytes::from).collect();
        let spec = PlanSpec { schedule, reset_after: Some(cut), ..PlanSpec::default() };
        if let Err(e) = check_plan(&frames, &spec, seed) {
            panic!("{e}");
        }
    }
}

/// Where `schedule` must cut the stream of `frames`: the stream offset at
/// the end of each write, computed from the schedule's definition (`None`
/// for `random`, whose sizes the seed draws).
fn expected_ends(schedule: &Schedule, frames: &[Vec<u8>]) -> Option<Vec<usize>> {
    let total: usize = frames.iter().map(Vec::len).sum();
    let frame_ends: Vec<usize> = frames
        .iter()
        .scan(0, |at, f| {
            *at += f.len();
            Some(*at)
        })
        .collect();
    Some(match schedule {
        Schedule::Each => frame_ends,
        Schedule::Coalesce(None) if frames.is_empty() => vec![],
        Schedule::Coalesce(None) => vec![total],
        Schedule::Coalesce(Some(n)) => frame_ends
            .iter()
            .enumerate()
            .filter(|(i, _)| (i + 1) % n == 0 || i + 1 == frames.len())
            .map(|(_, e)| *e)
            .collect(),
        Schedule::Chunk(n) => (1..=total.div_ceil(*n)).map(|k| (k * n).min(total)).collect(),
        Schedule::Drip => (1..=total).collect(),
        Schedule::Cuts(c) => {
            let mut v: Vec<usize> = c.iter().copied().filter(|&x| x > 0 && x < total).collect();
            v.sort_unstable();
            v.dedup();
            v.push(total);
            v
        }
        Schedule::Random(..) => return None,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn writes_are_cut_exactly_where_the_schedule_says(
        frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..10),
        schedule in schedule(),
        seed in any::<u64>(),
    ) {
        let framed: Vec<Bytes> = frames.iter().cloned().map(Bytes::from).collect();
        let writes = schedule.writes(&framed, &mut framelab::fault::rng(seed));
        let ends: Vec<usize> = writes
            .iter()
            .scan(0, |at, w| {
                *at += w.len();
                Some(*at)
            })
            .collect();
        match (expected_ends(&schedule, &frames), &schedule) {
            (Some(want), _) => prop_assert_eq!(ends, want, "{}", schedule),
            (None, Schedule::Random(min, max)) => {
                let total: usize = frames.iter().map(Vec::len).sum();
                prop_assert_eq!(ends.last().copied().unwrap_or(0), total);
                for (i, w) in writes.iter().enumerate() {
                    let last = i + 1 == writes.len();
                    prop_assert!(
                        w.len() <= *max && (w.len() >= *min || (last && !w.is_empty())),
                        "{}: write {} of {} bytes", schedule, i, w.len()
                    );
                }
            }
            (None, _) => unreachable!(),
        }
    }
}
