//! The client-under-test judge: a verdict from what a client does (its
//! exit status and output) against what a correct client does.

use bytes::Bytes;

use super::{Judgement, classify, is_prefix};
use crate::framing::show;
use crate::scenario::Verdict;
use crate::scenario::model::ClientUnderTestSection;
use crate::target::CommandOutcome;

/// The lines of a text, without the empty line after a final newline.
fn lines(text: &str) -> Vec<Bytes> {
    let t = text.strip_suffix('\n').unwrap_or(text);
    if t.is_empty() && text.len() <= 1 {
        return Vec::new();
    }
    t.split('\n').map(|l| Bytes::copy_from_slice(l.strip_suffix('\r').unwrap_or(l).as_bytes())).collect()
}

/// A client under test, judged by its exit status and output against what
/// a correct client does (see scenarios/README.md for the table):
///
/// - still running at its timeout: `hang`;
/// - stdout lines differ from `expect-stdout`: `coalesced`, `split`,
///   `lost`, `truncated` as the lines compare, or `desync` (also when it
///   exited wrongly after printing only the first lines expected);
/// - stdout does not match `stdout-match`, or the exit code differs:
///   `desync` (it misread what it got); killed by a signal: `closed`;
/// - everything as expected: `intact` (expected exit 0) or `rejected`
///   (a non-zero exit expected: it refused bad input cleanly).
///
/// What was seen is the stdout lines.
pub fn judge_client(cut: &ClientUnderTestSection, out: &CommandOutcome) -> Judgement {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let got = lines(&stdout);
    let status = out.status_text(cut.timeout);
    let shown: Vec<String> = got.iter().take(4).map(|l| show(l, 60)).collect();
    let more = if got.len() > 4 { format!(" and {} more", got.len() - 4) } else { String::new() };
    let head = format!("`{}`: {status}, {} line(s) of stdout [{}{more}]", out.command, got.len(), shown.join(", "));
    let stderr = if out.stderr.trim().is_empty() { String::new() } else { crate::target::stderr_note(&out.stderr) };
    let verdict = |v: Verdict, why: &str| Judgement::new(v, format!("{head}: {why}{stderr}")).seeing(got.clone());
    if out.timed_out {
        return verdict(Verdict::Hang, "the client never finished");
    }
    let exit_ok = out.code == Some(cut.expect_exit);
    if let Some(want) = &cut.expect_stdout {
        let want = lines(want);
        if want != got {
            if !exit_ok && is_prefix(&want, &got) {
                return verdict(
                    Verdict::Desync,
                    &format!("it stopped after {} of {} expected line(s)", got.len(), want.len()),
                );
            }
            let v = match classify(&want, &got) {
                Verdict::Intact => Verdict::Desync,
                v => v,
            };
            return verdict(v, &format!("expected {} line(s) of stdout, as the scenario says", want.len()));
        }
    }
    if let Some(p) = &cut.stdout_match {
        match regex::Regex::new(p) {
            Ok(re) if re.is_match(&stdout) => {}
            Ok(_) => return verdict(Verdict::Desync, &format!("stdout does not match /{p}/")),
            Err(e) => return verdict(Verdict::Desync, &format!("bad stdout-match: {e}")),
        }
    }
    if !exit_ok {
        if out.code.is_none() && out.signal.is_some() {
            return verdict(Verdict::Closed, "the client died of a signal");
        }
        return verdict(Verdict::Desync, &format!("a correct client exits {}", cut.expect_exit));
    }
    if cut.expect_exit == 0 {
        verdict(Verdict::Intact, "as a correct client")
    } else {
        verdict(Verdict::Rejected, "it refused the input, as a correct client does")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::tests::cut;

    fn outcome(code: Option<i32>, stdout: &str) -> CommandOutcome {
        crate::judge::tests::outcome(code, None, stdout)
    }

    #[test]
    fn clients_are_judged_by_exit_status_and_output() {
        let c = cut(0, Some("hello\nworld\n"), None);
        assert_eq!(judge_client(&c, &outcome(Some(0), "hello\nworld\n")).verdict, Verdict::Intact);
        assert_eq!(judge_client(&c, &outcome(Some(0), "helloworld\n")).verdict, Verdict::Coalesced);
        assert_eq!(judge_client(&c, &outcome(Some(0), "hel\nlo\nworld\n")).verdict, Verdict::Split);
        assert_eq!(judge_client(&c, &outcome(Some(1), "")).verdict, Verdict::Desync);
        assert_eq!(judge_client(&c, &outcome(Some(1), "hello\nworld\n")).verdict, Verdict::Desync);
        let mut timed_out = outcome(None, "");
        timed_out.timed_out = true;
        assert_eq!(judge_client(&c, &timed_out).verdict, Verdict::Hang);
        let c = cut(1, None, Some("digest mismatch"));
        assert_eq!(judge_client(&c, &outcome(Some(1), "digest mismatch for a.txt\n")).verdict, Verdict::Rejected);
        assert_eq!(judge_client(&c, &outcome(Some(0), "contents\n")).verdict, Verdict::Desync);
    }
}
