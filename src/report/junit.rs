//! The JUnit XML report, through `quick-junit`: one testsuite, one
//! testcase per scenario, a failure for every mismatch.

use std::path::PathBuf;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::{Reporter, RunEvent};

/// Writes a JUnit XML file at the end of the run.
pub struct JunitReporter {
    path: PathBuf,
    suite: TestSuite,
}

impl JunitReporter {
    /// A reporter writing to `path`.
    pub fn new(path: PathBuf) -> Self {
        JunitReporter { path, suite: TestSuite::new("framelab") }
    }
}

impl Reporter for JunitReporter {
    fn event(&mut self, ev: &RunEvent<'_>) -> std::io::Result<()> {
        match ev {
            RunEvent::RunStarted { .. } => {}
            RunEvent::ScenarioFinished { result: r } => {
                let status = if let Some(why) = r.skipped() {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(why.to_owned());
                    s
                } else if r.ok() {
                    TestCaseStatus::success()
                } else {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(format!("verdict {} (expected {})", r.verdict_text(), r.expected));
                    s.set_description(format!(
                        "{}\nsent: [{}]\nseen: [{}]\nseed: {}\nreplay: {}",
                        r.detail,
                        r.sent.join(", "),
                        r.seen.join(", "),
                        r.seed,
                        r.replay_command()
                    ));
                    s
                };
                let mut case = TestCase::new(r.name.clone(), status);
                case.set_classname(r.file.clone());
                case.set_time(Duration::from_millis(r.duration_ms));
                self.suite.add_test_case(case);
            }
            RunEvent::RunFinished { elapsed, .. } => {
                let mut report = Report::new("framelab");
                let mut suite = std::mem::replace(&mut self.suite, TestSuite::new("framelab"));
                suite.set_time(*elapsed);
                report.add_test_suite(suite);
                let xml = report.to_string().map_err(std::io::Error::other)?;
                crate::files::write(&self.path, xml)?;
            }
        }
        Ok(())
    }
}
