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
