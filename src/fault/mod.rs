//! Fault schedules: how frames become `write()` calls. Pure data, computed
//! from the frames, the schedule and a seed; the async client only carries
//! a plan out, so plans are testable, fuzzable and replayable without
//! sockets.
//!
//! | schedule | writes |
//! |---|---|
//! | `each` | one per frame |
//! | `coalesce` / `{ coalesce = N }` | all frames / N frames per write |
//! | `{ chunk = N }` | N bytes per write, wherever frames begin |
//! | `drip` | 1 byte per write |
//! | `{ random = [MIN, MAX] }` | sizes drawn from MIN..=MAX with the seed |
//! | `{ cuts = [A, B] }` | cut at these stream offsets |
//!
//! The same schedules have a one-line text form for the command line:
//! `each`, `coalesce`, `coalesce:2`, `chunk:3`, `drip`, `random:1-64`,
//! `cuts:2,5`.
//!
//! Every schedule passes every byte along, in order: the concatenated
//! writes equal the framed input (a property test checks it). Only
//! `reset_after` drops bytes, by design.

pub mod chunk;
pub mod coalesce;
pub mod drip;
pub mod each;
pub mod payload;
pub mod random;
pub mod read;

#[cfg(test)]
mod pinned_tests;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

/// How frames become writes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Schedule {
    /// One write per frame.
    #[default]
    Each,
    /// `Some(n)` frames per write, or all frames in one (`None`).
    Coalesce(Option<usize>),
    /// Fixed-size writes.
    Chunk(usize),
    /// One byte per write.
    Drip,
    /// Sizes drawn from `min..=max`.
    Random(usize, usize),
    /// Cut at these stream offsets.
    Cuts(Vec<usize>),
}

impl Schedule {
    /// Cuts `frames` into writes.
    pub fn writes(&self, frames: &[Bytes], rng: &mut ChaCha8Rng) -> Vec<Bytes> {
        let stream = || {
            let mut b = BytesMut::with_capacity(frames.iter().map(Bytes::len).sum());
            for f in frames {
                b.extend_from_slice(f);
            }
            b.freeze()
        };
        match self {
            Schedule::Each => each::writes(frames),
            Schedule::Coalesce(n) => coalesce::writes(frames, *n),
            Schedule::Chunk(n) => chunk::writes(&stream(), *n),
            Schedule::Drip => drip::writes(&stream()),
            Schedule::Random(min, max) => random::writes(&stream(), *min, *max, rng),
            Schedule::Cuts(c) => chunk::at(&stream(), c),
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Each => write!(f, "each"),
            Schedule::Coalesce(None) => write!(f, "coalesce"),
            Schedule::Coalesce(Some(n)) => write!(f, "coalesce:{n}"),
            Schedule::Chunk(n) => write!(f, "chunk:{n}"),
            Schedule::Drip => write!(f, "drip"),
            Schedule::Random(a, b) => write!(f, "random:{a}-{b}"),
            Schedule::Cuts(c) if c.is_empty() => write!(f, "coalesce"),
            Schedule::Cuts(c) => {
                let c: Vec<String> = c.iter().map(usize::to_string).collect();
                write!(f, "cuts:{}", c.join(","))
            }
        }
    }
}

/// A schedule written as text that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// A schedule without its argument, or with one that is not a number.
    #[error("expected {form}{}", got_text(.got))]
    Expected {
        /// The form expected (`chunk:N`, `random:MIN-MAX`).
        form: String,
        /// What was given, if anything.
        got: Option<String>,
    },
    /// A size of 0.
    #[error("{0} needs a size of at least 1")]
    Zero(String),
    /// `random:MIN-MAX` with MIN of 0 or above MAX.
    #[error("random:MIN-MAX needs 1 <= MIN <= MAX, got {0:?}")]
    RandomBounds(String),
    /// Not a schedule.
    #[error("expected a schedule: each, coalesce[:N], chunk:N, drip, random:MIN-MAX or cuts:A,B; got {0:?}")]
    Unknown(String),
}

fn got_text(got: &Option<String>) -> String {
    got.as_ref().map(|g| format!(", got {g:?}")).unwrap_or_default()
}

impl FromStr for Schedule {
    type Err = ScheduleError;

    fn from_str(s: &str) -> Result<Self, ScheduleError> {
        let s = s.trim();
        let (kind, arg) = match s.split_once(':') {
            Some((k, a)) => (k.trim(), Some(a.trim())),
            None => (s, None),
        };
        let expected = |form: &str, got: Option<&str>| ScheduleError::Expected {
            form: form.to_owned(),
            got: got.map(str::to_owned),
        };
        let num = |a: Option<&str>| -> Result<usize, ScheduleError> {
            let form = format!("{kind}:N");
            let a = a.ok_or_else(|| expected(&form, None))?;
            let n: usize = a.parse().map_err(|_| expected(&form, Some(a)))?;
            if n == 0 { Err(ScheduleError::Zero(kind.to_owned())) } else { Ok(n) }
        };
        Ok(match kind {
            "each" if arg.is_none() => Schedule::Each,
            "drip" if arg.is_none() => Schedule::Drip,
            "coalesce" if arg.is_none() || arg == Some("all") => Schedule::Coalesce(None),
            "coalesce" => Schedule::Coalesce(Some(num(arg)?)),
            "chunk" => Schedule::Chunk(num(arg)?),
            "random" => {
                let form = "random:MIN-MAX";
                let a = arg.ok_or_else(|| expected(form, None))?;
                let bound = |b: &str| b.trim().parse::<usize>().map_err(|_| expected(form, Some(a)));
                let (lo, hi) = a.split_once('-').ok_or_else(|| expected(form, Some(a)))?;
                let (lo, hi) = (bound(lo)?, bound(hi)?);
                if lo == 0 || lo > hi {
                    return Err(ScheduleError::RandomBounds(a.to_owned()));
                }
                Schedule::Random(lo, hi)
            }
            "cuts" => {
                let a = arg.ok_or_else(|| expected("cuts:A,B,...", None))?;
                let cuts: Result<Vec<usize>, _> = a.split(',').map(|c| c.trim().parse::<usize>()).collect();
                Schedule::Cuts(cuts.map_err(|_| expected("cuts:A,B,... (byte offsets)", Some(a)))?)
            }
            _ => return Err(ScheduleError::Unknown(s.to_owned())),
        })
    }
}

impl<'de> Deserialize<'de> for Schedule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "kebab-case")]
        struct Table {
            coalesce: Option<usize>,
            chunk: Option<usize>,
            random: Option<(usize, usize)>,
            cuts: Option<Vec<usize>>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Table(Table),
        }
        use serde::de::Error;
        let raw = Raw::deserialize(d).map_err(|_| {
            D::Error::custom(
                "expected a schedule: \"each\", \"coalesce\", \"drip\", { coalesce = N }, { chunk = N }, { random = [MIN, MAX] } or { cuts = [A, B] }",
            )
        })?;
        let s = match raw {
            Raw::Text(t) => return t.parse().map_err(D::Error::custom),
            Raw::Table(Table { coalesce: Some(n), chunk: None, random: None, cuts: None }) => {
                Schedule::Coalesce(Some(n))
            }
            Raw::Table(Table { chunk: Some(n), coalesce: None, random: None, cuts: None }) => Schedule::Chunk(n),
            Raw::Table(Table { random: Some((a, b)), coalesce: None, chunk: None, cuts: None }) => {
                Schedule::Random(a, b)
            }
            Raw::Table(Table { cuts: Some(c), coalesce: None, chunk: None, random: None }) => Schedule::Cuts(c),
            Raw::Table(_) => return Err(D::Error::custom("a schedule table has exactly one key")),
        };
        if matches!(s, Schedule::Chunk(0) | Schedule::Coalesce(Some(0))) {
            return Err(D::Error::custom("a schedule size must be at least 1"));
        }
        if let Schedule::Random(a, b) = s
            && (a == 0 || a > b)
        {
            return Err(D::Error::custom("random = [MIN, MAX] needs 1 <= MIN <= MAX"));
        }
        Ok(s)
    }
}

/// One step of a client's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Write these bytes with one `write_all`.
    Write(Bytes),
    /// Sleep.
    Sleep(Duration),
    /// Wait until the (reference) server has read every byte written so
    /// far: makes a write boundary survive to the server's reads whatever
    /// the machine's load. A no-op against external targets.
    Sync,
    /// Shut down the write side (FIN).
    Shutdown,
    /// Close with a reset (SO_LINGER 0).
    Reset,
}

/// Settings of a write plan, apart from the frames.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlanSpec {
    /// How frames become writes.
    pub schedule: Schedule,
    /// Pause between writes.
    pub pause: Duration,
    /// Wait for the server to read each write before the next.
    pub sync: bool,
    /// Send only this many bytes, then reset the connection.
    pub reset_after: Option<usize>,
}

/// The plan for `frames`: writes, pauses and syncs between them, then a
/// shutdown (or a reset after `reset_after` bytes).
pub fn plan(frames: &[Bytes], spec: &PlanSpec, rng: &mut ChaCha8Rng) -> Vec<Action> {
    let mut writes = spec.schedule.writes(frames, rng);
    if let Some(limit) = spec.reset_after {
        let mut left = limit;
        writes = writes
            .into_iter()
            .filter_map(|w| {
                if left == 0 {
                    return None;
                }
                let n = w.len().min(left);
                left -= n;
                Some(w.slice(..n))
            })
            .collect();
    }
    let mut actions = Vec::with_capacity(writes.len() * 2 + 1);
    let n = writes.len();
    for (i, w) in writes.into_iter().enumerate() {
        actions.push(Action::Write(w));
        if i + 1 < n {
            if spec.sync {
                actions.push(Action::Sync);
            }
            if !spec.pause.is_zero() {
                actions.push(Action::Sleep(spec.pause));
            }
        }
    }
    if spec.reset_after.is_some() {
        if spec.sync {
            actions.push(Action::Sync);
        }
        actions.push(Action::Reset);
    } else {
        actions.push(Action::Shutdown);
    }
    actions
}

/// Every byte a plan writes, in order.
pub fn written(actions: &[Action]) -> Bytes {
    let mut b = BytesMut::new();
    for a in actions {
        if let Action::Write(w) = a {
            b.extend_from_slice(w);
        }
    }
    b.freeze()
}

/// A seeded generator: all of a scenario's randomness comes from one.
pub fn rng(seed: u64) -> ChaCha8Rng {
    use rand::SeedableRng;
    ChaCha8Rng::seed_from_u64(seed)
}

/// The schedules' invariant, as a checkable property: a plan that is not
/// meant to drop bytes writes exactly the framed input, in order.
/// Returns what went wrong.
///
/// Plans `frames` twice from `seed` and gives both to [`check_actions`],
/// which holds the checks (and is tested with broken plans: a correct
/// [`plan`] never fails them).
pub fn check_plan(frames: &[Bytes], spec: &PlanSpec, seed: u64) -> Result<(), PlanCheckError> {
    let actions = plan(frames, spec, &mut rng(seed));
    let again = plan(frames, spec, &mut rng(seed));
    check_actions(frames, spec, &actions, &again)
}

/// [`check_plan`]'s checks on a given plan (`actions`) and a second plan
/// made from the same seed (`again`): the bytes written are the framed
/// input (up to `reset_after`, if set), in order; both plans are the same;
/// the plan ends with the shutdown, or the reset `reset_after` asks for.
pub fn check_actions(
    frames: &[Bytes],
    spec: &PlanSpec,
    actions: &[Action],
    again: &[Action],
) -> Result<(), PlanCheckError> {
    let sent: Vec<u8> = frames.iter().flat_map(|f| f.iter().copied()).collect();
    let got = written(actions);
    let want: &[u8] = match spec.reset_after {
        Some(n) => &sent[..n.min(sent.len())],
        None => &sent,
    };
    if &got[..] != want {
        return Err(PlanCheckError::Bytes { schedule: spec.schedule.to_string(), wrote: got.len(), sent: want.len() });
    }
    if again != actions {
        return Err(PlanCheckError::NotDeterministic);
    }
    match actions.last() {
        Some(Action::Shutdown) if spec.reset_after.is_none() => Ok(()),
        Some(Action::Reset) if spec.reset_after.is_some() => Ok(()),
        other => Err(PlanCheckError::End(format!("{other:?}"))),
    }
}

/// A plan that breaks the schedules' invariant ([`check_plan`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanCheckError {
    /// The writes do not add up to the framed input, in order.
    #[error("{schedule} wrote {wrote} bytes, expected {sent} (lost or reordered bytes)")]
    Bytes {
        /// The schedule.
        schedule: String,
        /// Bytes written.
        wrote: usize,
        /// Bytes that should have been.
        sent: usize,
    },
    /// The same seed gave two plans.
    #[error("the same seed gave a different plan")]
    NotDeterministic,
    /// The last action is not the shutdown or reset the plan asks for.
    #[error("a plan must end with a shutdown or its reset, not {0}")]
    End(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames() -> Vec<Bytes> {
        vec![Bytes::from_static(b"\0\0\0\x05hello"), Bytes::new(), Bytes::from_static(b"\0\0\0\x01x")]
    }

    #[test]
    fn schedules_cut_where_they_say() {
        let f = frames();
        let mut r = rng(1);
        let lens = |s: Schedule, r: &mut ChaCha8Rng| s.writes(&f, r).iter().map(Bytes::len).collect::<Vec<_>>();
        assert_eq!(lens(Schedule::Each, &mut r), vec![9, 0, 5]);
        assert_eq!(lens(Schedule::Coalesce(None), &mut r), vec![14]);
        assert_eq!(lens(Schedule::Coalesce(Some(2)), &mut r), vec![9, 5]);
        assert_eq!(lens(Schedule::Chunk(4), &mut r), vec![4, 4, 4, 2]);
        assert_eq!(lens(Schedule::Drip, &mut r).len(), 14);
        assert_eq!(lens(Schedule::Cuts(vec![2, 2, 0, 99, 6]), &mut r), vec![2, 4, 8]);
    }

    #[test]
    fn the_same_seed_gives_the_same_writes() {
        let f = frames();
        let a = Schedule::Random(1, 4).writes(&f, &mut rng(7));
        let b = Schedule::Random(1, 4).writes(&f, &mut rng(7));
        assert_eq!(a, b);
    }

    #[test]
    fn reset_after_truncates_and_ends_with_a_reset() {
        let spec = PlanSpec { schedule: Schedule::Each, reset_after: Some(6), ..PlanSpec::default() };
        let p = plan(&frames(), &spec, &mut rng(0));
        assert_eq!(&written(&p)[..], b"\0\0\0\x05he");
        assert_eq!(p.last(), Some(&Action::Reset));
    }

    #[test]
    fn schedule_text_round_trips_and_errors_say_what_was_expected() {
        for s in ["each", "coalesce", "coalesce:3", "chunk:7", "drip", "random:1-64", "cuts:2,5"] {
            assert_eq!(s.parse::<Schedule>().unwrap().to_string(), s);
        }
        let err = |s: &str| s.parse::<Schedule>().unwrap_err();
        assert_eq!(err("chunk"), ScheduleError::Expected { form: "chunk:N".into(), got: None });
        assert_eq!(err("chunk").to_string(), "expected chunk:N");
        assert_eq!(err("chunk:0"), ScheduleError::Zero("chunk".into()));
        assert_eq!(err("random:5-1"), ScheduleError::RandomBounds("5-1".into()));
        assert_eq!(err("scatter"), ScheduleError::Unknown("scatter".into()));
        assert_eq!(err("cuts:a").to_string(), "expected cuts:A,B,... (byte offsets), got \"a\"");
    }
}
