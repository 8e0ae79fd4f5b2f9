//! `parse_*` and `plan_schedule`: the text and byte parsers a peer or a
//! user feeds, and the fault planner.

use bytes::{Bytes, BytesMut};
use tokio_util::codec::Decoder;

use super::DIFF_MAXES;

/// `parse_handshake`: arbitrary bytes as a peer's `Ready|N` line and
/// `Start` token (the handshake strategy's peer input). Input:
/// `[max, line...]`, `max` indexing [`DIFF_MAXES`]. No panic; an accepted
/// N is within the maximum, came from a line of at most
/// `MAX_READY_LINE + 1` bytes, and the line framelab writes for N parses
/// back to N; only `Start` itself starts.
pub fn parse_handshake(data: &[u8]) {
    use crate::framing::handshake::{MAX_READY_LINE, START, check_start, parse_ready, ready_line};
    let [m, line @ ..] = data else { return };
    let max = DIFF_MAXES[*m as usize % DIFF_MAXES.len()];
    match parse_ready(line, max) {
        Ok(n) => {
            assert!(n <= max && line.len() <= MAX_READY_LINE + 1, "accepted {n} from {line:?} (max {max})");
            assert_eq!(parse_ready(&ready_line(n), max), Ok(n));
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    assert_eq!(check_start(line).is_ok(), line == START, "{line:?}");
}

/// `parse_framing`: arbitrary text as a framing spec: no panic, and a spec
/// that parses prints as text that parses back to the same spec.
pub fn parse_framing(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(spec) = text.parse::<crate::framing::FramingSpec>() {
        let again: crate::framing::FramingSpec =
            spec.to_string().parse().unwrap_or_else(|e| panic!("{spec} does not reparse: {e}"));
        assert_eq!(spec, again);
        // A parsed spec always builds a codec, of the spec's maximum, and
        // prints under its strategy's name.
        let mut c = spec.codec();
        assert_eq!(c.max_message(), spec.max_message(), "{spec}: the codec's maximum differs");
        assert!(spec.to_string().starts_with(spec.strategy()), "{spec} does not start with {}", spec.strategy());
        if let crate::framing::FramingSpec::LengthPrefix(p) = &spec {
            assert!(p.to_string().starts_with(&p.shape_name()), "{p} does not start with {}", p.shape_name());
        }
        // The CLI's knobs (--read-size, --delimiter, --preset, --max-frame)
        // that restate the spec change nothing; one that does not apply to
        // the strategy is refused.
        use crate::framing::{KnobError, Knobs};
        let restate = spec.restating_knobs();
        assert_eq!(restate.apply(spec.clone()).as_ref(), Ok(&spec), "{spec}: knobs {restate:?} changed it");
        if restate.read_size.is_none() {
            assert_eq!(Knobs { read_size: Some(1), ..Knobs::default() }.apply(spec.clone()), Err(KnobError::ReadSize));
        }
        let _ = c.decode(&mut BytesMut::from(&b"x"[..]));
    }
}

/// `parse_scenario`: arbitrary text as a scenario file. No panic; an error
/// names the file and a line and column; a scenario that loads, and whose
/// payload is small, prepares its plan without panicking.
pub fn parse_scenario(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let file = std::path::Path::new("fuzz.toml");
    match crate::scenario::parse(text, file) {
        Err(e) => {
            assert_eq!(e.file, "fuzz.toml", "the error must name the file: {e}");
            assert!(e.line >= 1 && e.column >= 1, "the error must name a line and column: {e}");
        }
        Ok(sc) => {
            let generated = sc.client.generate.as_ref().map_or(0, |g| g.count.saturating_mul(g.size.max));
            let given: usize = sc.client.messages.iter().map(|m| m.len()).sum();
            if generated <= 64 * 1024 && given <= 64 * 1024 && sc.client.reset_after.is_none_or(|r| r < 1 << 20) {
                let _ = crate::scenario::prepare(&sc, 0, false);
            }
        }
    }
}

/// `plan_schedule`: schedules never lose or reorder bytes unless they are
/// meant to (`reset_after`), and the same seed gives the same plan.
///
/// Input: `[kind, a, b, flags, reset, seed (8 bytes), frames...]`, frames
/// separated by `0xff`. `kind` picks the schedule (each, coalesce,
/// chunk, drip, random, cuts) with `a` and `b` as its sizes; `flags` bit 0
/// is sync, bit 1 a reset after `reset` bytes.
pub fn plan_schedule(data: &[u8]) {
    use crate::fault::{PlanSpec, Schedule, check_plan};
    let [kind, a, b, flags, reset, rest @ ..] = data else { return };
    let (seed_bytes, body) = rest.split_at(rest.len().min(8));
    let mut seed = [0u8; 8];
    seed[..seed_bytes.len()].copy_from_slice(seed_bytes);
    let frames: Vec<Bytes> = body.split(|x| *x == 0xff).take(256).map(Bytes::copy_from_slice).collect();
    let (a, b) = (*a as usize, *b as usize);
    let schedule = match kind % 6 {
        0 => Schedule::Each,
        1 => Schedule::Coalesce((a > 0).then_some(a)),
        2 => Schedule::Chunk(a.max(1)),
        3 => Schedule::Drip,
        4 => Schedule::Random(a.max(1), a.max(1) + b),
        _ => Schedule::Cuts(vec![a, b, a + b, a * 7 % (b + 1)]),
    };
    let spec = PlanSpec {
        schedule,
        pause: std::time::Duration::ZERO,
        sync: flags & 1 != 0,
        reset_after: (flags & 2 != 0).then_some(*reset as usize),
    };
    if let Err(e) = check_plan(&frames, &spec, u64::from_le_bytes(seed)) {
        panic!("{e}");
    }
}
