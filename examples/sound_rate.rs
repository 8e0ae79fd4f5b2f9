//! How often the reply-only judge says `inconclusive` against the model of
//! servers of the `judge_sound` fuzz target (docs/fuzzing.md): over N
//! generated cases, the count of decided and inconclusive verdicts, in all
//! and per reply oracle, and a check that no decided verdict is wrong.
//!
//!     cargo run --release --example sound_rate -- [N] [SEED]

use framelab::fuzzing::sound::{inputs, judged_and_true};
use framelab::scenario::Verdict;

/// The model's reply oracles, in the order of the input's second byte.
const ORACLES: [&str; 9] = ["echo", "upper", "digest", "match len", "ack", "replies", "match", "bytes", "answers"];

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(34);
    // (cases, inconclusive) per oracle.
    let mut per = [(0usize, 0usize); 9];
    let mut wrong = 0usize;
    for d in inputs(seed, n) {
        let Some((got, truth, detail)) = judged_and_true(&d) else { continue };
        let o = &mut per[d[1] as usize % 9];
        o.0 += 1;
        if got == Verdict::Inconclusive {
            o.1 += 1;
        } else if got != truth {
            if wrong < 3 {
                eprintln!(
                    "wrong: {} judged {got}, truth {truth}: {detail}\n  input: {d:?}",
                    ORACLES[d[1] as usize % 9]
                );
            }
            wrong += 1;
        }
    }
    let (cases, inconclusive) = per.iter().fold((0, 0), |a, o| (a.0 + o.0, a.1 + o.1));
    let pct = |i: usize, c: usize| if c == 0 { 0.0 } else { 100.0 * i as f64 / c as f64 };
    println!(
        "{n} inputs, seed {seed}: {cases} cases, {} decided, {inconclusive} inconclusive ({:.1} %), {wrong} wrong",
        cases - inconclusive,
        pct(inconclusive, cases)
    );
    for (name, (c, i)) in ORACLES.iter().zip(per) {
        println!("  {name:<10} {c:>8} cases, {:>5.1} % inconclusive", pct(i, c));
    }
    if wrong > 0 {
        std::process::exit(1);
    }
}
