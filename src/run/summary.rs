//! [`RunSummary`]: the counts of a run and its exit status, in one place
//! for the command line and the library ([`crate::Suite`]).

use super::{Outcome, ScenarioResult};

/// How a run's scenarios came out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Verdict as expected.
    pub passed: usize,
    /// A verdict, not the one expected; or the scenario could not run.
    pub failed: usize,
    /// Not run (what a `--target`'s replies cannot judge), with a reason.
    pub skipped: usize,
    /// Of the failed, those that could not run (no verdict, not skipped).
    pub errors: usize,
}

impl RunSummary {
    /// The counts of `results`.
    pub fn of(results: &[ScenarioResult]) -> RunSummary {
        let mut s = RunSummary::default();
        for r in results {
            match &r.outcome {
                Outcome::Skipped { .. } => s.skipped += 1,
                Outcome::Judged { .. } if r.ok() => s.passed += 1,
                Outcome::Judged { .. } => s.failed += 1,
                Outcome::Error { .. } => {
                    s.failed += 1;
                    s.errors += 1;
                }
            }
        }
        s
    }

    /// `framelab run`'s exit status: 0 when every verdict matched, 2 when
    /// a scenario could not run, else 1.
    pub fn exit_code(&self) -> i32 {
        if self.errors > 0 {
            2
        } else if self.failed > 0 {
            1
        } else {
            0
        }
    }

    /// `N passed, N failed` (`, N skipped` when some were).
    pub fn line(&self) -> String {
        if self.skipped == 0 {
            format!("{} passed, {} failed", self.passed, self.failed)
        } else {
            format!("{} passed, {} failed, {} skipped", self.passed, self.failed, self.skipped)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Verdict;

    fn result(outcome: Outcome) -> ScenarioResult {
        ScenarioResult {
            name: "s".into(),
            file: "s.toml".into(),
            bug: None,
            expected: Verdict::Intact,
            outcome,
            seed: 1,
            detail: String::new(),
            sent: vec![],
            seen: vec![],
            writes: vec![],
            plan: String::new(),
            duration_ms: 0,
            target: None,
            wire: None,
            timing: None,
            target_start: None,
        }
    }

    #[test]
    fn counts_and_exit_status_follow_the_worst_outcome() {
        let pass = result(Outcome::Judged { verdict: Verdict::Intact });
        let fail = result(Outcome::Judged { verdict: Verdict::Coalesced });
        let error = result(Outcome::Error { error: "no server".into() });
        let skip = result(Outcome::Skipped { reason: "cannot judge".into() });
        let s = RunSummary::of(&[pass.clone(), skip.clone()]);
        assert_eq!((s.passed, s.failed, s.skipped, s.errors, s.exit_code()), (1, 0, 1, 0, 0));
        assert_eq!(s.line(), "1 passed, 0 failed, 1 skipped");
        let s = RunSummary::of(&[pass.clone(), fail.clone()]);
        assert_eq!((s.failed, s.exit_code(), s.line().as_str()), (1, 1, "1 passed, 1 failed"));
        let s = RunSummary::of(&[fail, error, skip]);
        assert_eq!((s.passed, s.failed, s.skipped, s.errors, s.exit_code()), (0, 2, 1, 1, 2));
    }
}
