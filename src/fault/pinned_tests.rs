//! Tests that pin the schedules' exact cut points and plans: each one was
//! written against a mutant that survived `cargo mutants` (issue 19,
//! docs/mutants.md).

use std::time::Duration;

use bytes::Bytes;

use super::*;

fn frames(v: &[&str]) -> Vec<Bytes> {
    v.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect()
}

fn texts(writes: &[Bytes]) -> Vec<String> {
    writes.iter().map(|w| String::from_utf8_lossy(w).into_owned()).collect()
}

fn cut(s: Schedule, f: &[Bytes]) -> Vec<String> {
    texts(&s.writes(f, &mut rng(3)))
}

#[test]
fn each_schedule_cuts_exactly_where_it_says() {
    let f = frames(&["abc", "", "de", "fghi"]);
    assert_eq!(cut(Schedule::Each, &f), ["abc", "", "de", "fghi"]);
    assert_eq!(cut(Schedule::Coalesce(None), &f), ["abcdefghi"]);
    assert_eq!(cut(Schedule::Coalesce(Some(1)), &f), ["abc", "", "de", "fghi"]);
    assert_eq!(cut(Schedule::Coalesce(Some(2)), &f), ["abc", "defghi"]);
    assert_eq!(cut(Schedule::Coalesce(Some(3)), &f), ["abcde", "fghi"]);
    assert_eq!(cut(Schedule::Coalesce(Some(9)), &f), ["abcdefghi"]);
    assert_eq!(cut(Schedule::Chunk(1), &f), ["a", "b", "c", "d", "e", "f", "g", "h", "i"]);
    assert_eq!(cut(Schedule::Chunk(4), &f), ["abcd", "efgh", "i"]);
    assert_eq!(cut(Schedule::Chunk(9), &f), ["abcdefghi"]);
    assert_eq!(cut(Schedule::Chunk(10), &f), ["abcdefghi"]);
    assert_eq!(cut(Schedule::Drip, &f), ["a", "b", "c", "d", "e", "f", "g", "h", "i"]);
    assert_eq!(cut(Schedule::Cuts(vec![]), &f), ["abcdefghi"]);
    assert_eq!(cut(Schedule::Cuts(vec![1]), &f), ["a", "bcdefghi"]);
    assert_eq!(cut(Schedule::Cuts(vec![8]), &f), ["abcdefgh", "i"]);
    assert_eq!(cut(Schedule::Cuts(vec![0, 9, 10]), &f), ["abcdefghi"]);
    assert_eq!(cut(Schedule::Cuts(vec![7, 3, 3, 5]), &f), ["abc", "de", "fg", "hi"]);
    assert_eq!(cut(Schedule::Random(9, 9), &f), ["abcdefghi"]);
    assert_eq!(cut(Schedule::Random(2, 2), &f), ["ab", "cd", "ef", "gh", "i"]);
}

#[test]
fn schedules_of_no_frames_write_nothing() {
    for s in [Schedule::Each, Schedule::Coalesce(Some(2)), Schedule::Chunk(3), Schedule::Drip, Schedule::Random(1, 4)] {
        assert_eq!(cut(s.clone(), &[]), Vec::<String>::new(), "{s}");
    }
    // All frames in one write: one empty write (nothing goes on the wire).
    assert_eq!(cut(Schedule::Coalesce(None), &[]), Vec::<String>::new());
    assert_eq!(cut(Schedule::Cuts(vec![2]), &[]), [""]);
    // A single frame is passed as is, not copied.
    let one = frames(&["xyz"]);
    let w = Schedule::Coalesce(Some(4)).writes(&one, &mut rng(0));
    assert_eq!(w[0].as_ptr(), one[0].as_ptr());
}

#[test]
fn random_sizes_stay_within_their_bounds_and_follow_the_seed() {
    let f = vec![Bytes::from(vec![7u8; 500])];
    let mut seen = std::collections::BTreeSet::new();
    let w = Schedule::Random(3, 5).writes(&f, &mut rng(11));
    for (i, x) in w.iter().enumerate() {
        if i + 1 < w.len() {
            assert!((3..=5).contains(&x.len()), "write {i} is {} bytes", x.len());
        } else {
            assert!((1..=5).contains(&x.len()), "last write is {} bytes", x.len());
        }
        seen.insert(x.len());
    }
    assert!(seen.contains(&3) && seen.contains(&5), "all sizes of 3..=5 drawn: {seen:?}");
    assert_eq!(w.iter().map(Bytes::len).sum::<usize>(), 500);
    let again = Schedule::Random(3, 5).writes(&f, &mut rng(11));
    assert_eq!(w, again);
    let other = Schedule::Random(3, 5).writes(&f, &mut rng(12));
    assert_ne!(w, other);
    // Bounds of 0 are read as 1, and a maximum below the minimum as it.
    assert_eq!(random::writes(&Bytes::from_static(b"abc"), 0, 0, &mut rng(1)).len(), 3);
    let lens: Vec<usize> =
        random::writes(&Bytes::from_static(b"abcdefg"), 3, 1, &mut rng(1)).iter().map(Bytes::len).collect();
    assert_eq!(lens, [3, 3, 1]);
}

#[test]
fn read_plans_draw_sizes_in_their_range() {
    let mut r = rng(5);
    assert_eq!(read::ReadPlan::default().next_size(&mut r), 65_536);
    let p = read::ReadPlan { sizes: Some((2, 4)), pause: Duration::ZERO };
    let sizes: std::collections::BTreeSet<usize> = (0..200).map(|_| p.next_size(&mut r)).collect();
    assert_eq!(sizes.into_iter().collect::<Vec<_>>(), [2, 3, 4]);
    let p = read::ReadPlan { sizes: Some((0, 0)), pause: Duration::ZERO };
    assert_eq!(p.next_size(&mut r), 1);
    let p = read::ReadPlan { sizes: Some((5, 2)), pause: Duration::ZERO };
    assert_eq!(p.next_size(&mut r), 5);
}

#[test]
fn plans_put_syncs_and_pauses_between_writes_only() {
    let f = frames(&["ab", "c"]);
    let spec = PlanSpec { schedule: Schedule::Each, pause: Duration::from_millis(5), sync: true, reset_after: None };
    let p = plan(&f, &spec, &mut rng(0));
    let ms5 = Duration::from_millis(5);
    assert_eq!(
        p,
        [
            Action::Write(Bytes::from_static(b"ab")),
            Action::Sync,
            Action::Sleep(ms5),
            Action::Write(Bytes::from_static(b"c")),
            Action::Shutdown
        ]
    );
    let spec = PlanSpec { schedule: Schedule::Each, reset_after: Some(2), sync: true, ..PlanSpec::default() };
    let p = plan(&f, &spec, &mut rng(0));
    assert_eq!(p, [Action::Write(Bytes::from_static(b"ab")), Action::Sync, Action::Reset]);
    let spec = PlanSpec { schedule: Schedule::Drip, reset_after: Some(0), ..PlanSpec::default() };
    assert_eq!(plan(&f, &spec, &mut rng(0)), [Action::Reset]);
    let spec = PlanSpec { schedule: Schedule::Chunk(2), reset_after: Some(3), ..PlanSpec::default() };
    assert_eq!(
        plan(&f, &spec, &mut rng(0)),
        [Action::Write(Bytes::from_static(b"ab")), Action::Write(Bytes::from_static(b"c")), Action::Reset]
    );
    assert_eq!(&written(&plan(&f, &PlanSpec::default(), &mut rng(0)))[..], b"abc");
}

#[test]
fn check_plan_accepts_good_plans_and_says_what_broke() {
    let f = frames(&["ab", "c"]);
    assert_eq!(check_plan(&f, &PlanSpec::default(), 1), Ok(()));
    let spec = PlanSpec { reset_after: Some(1), ..PlanSpec::default() };
    assert_eq!(check_plan(&f, &spec, 1), Ok(()));
    let spec = PlanSpec { reset_after: Some(10), ..PlanSpec::default() };
    assert_eq!(check_plan(&f, &spec, 1), Ok(()));
    let e = PlanCheckError::Bytes { schedule: "drip".into(), wrote: 2, sent: 3 };
    assert_eq!(e.to_string(), "drip wrote 2 bytes, expected 3 (lost or reordered bytes)");
    assert_eq!(
        PlanCheckError::End("None".into()).to_string(),
        "a plan must end with a shutdown or its reset, not None"
    );
}

#[test]
fn check_actions_names_what_a_broken_plan_got_wrong() {
    let f = frames(&["ab", "c"]);
    let w = |b: &'static [u8]| Action::Write(Bytes::from_static(b));
    let each = PlanSpec::default();
    let good = [w(b"ab"), w(b"c"), Action::Shutdown];
    assert_eq!(check_actions(&f, &each, &good, &good), Ok(()));
    // A lost byte, and bytes out of order.
    let lost = [w(b"ab"), Action::Shutdown];
    assert_eq!(
        check_actions(&f, &each, &lost, &lost),
        Err(PlanCheckError::Bytes { schedule: "each".into(), wrote: 2, sent: 3 })
    );
    let swapped = [w(b"c"), w(b"ab"), Action::Shutdown];
    assert_eq!(
        check_actions(&f, &each, &swapped, &swapped),
        Err(PlanCheckError::Bytes { schedule: "each".into(), wrote: 3, sent: 3 })
    );
    // The same seed, another plan.
    let other = [w(b"a"), w(b"bc"), Action::Shutdown];
    assert_eq!(check_actions(&f, &each, &good, &other), Err(PlanCheckError::NotDeterministic));
    // The end: a shutdown without reset_after, the reset with it.
    let reset = [w(b"ab"), w(b"c"), Action::Reset];
    assert_eq!(check_actions(&f, &each, &reset, &reset), Err(PlanCheckError::End("Some(Reset)".into())));
    let unended = [w(b"ab"), w(b"c")];
    assert!(
        matches!(check_actions(&f, &each, &unended, &unended), Err(PlanCheckError::End(e)) if e.starts_with("Some(Write"))
    );
    let cut = PlanSpec { reset_after: Some(2), ..PlanSpec::default() };
    let cut_good = [w(b"ab"), Action::Reset];
    assert_eq!(check_actions(&f, &cut, &cut_good, &cut_good), Ok(()));
    let cut_shut = [w(b"ab"), Action::Shutdown];
    assert_eq!(check_actions(&f, &cut, &cut_shut, &cut_shut), Err(PlanCheckError::End("Some(Shutdown)".into())));
    let cut_late = [w(b"ab"), w(b"c"), Action::Reset];
    assert_eq!(
        check_actions(&f, &cut, &cut_late, &cut_late),
        Err(PlanCheckError::Bytes { schedule: "each".into(), wrote: 3, sent: 2 })
    );
    assert_eq!(check_actions(&[], &each, &[], &[]), Err(PlanCheckError::End("None".into())));
}

#[test]
fn schedules_print_as_their_text_and_tables_parse() {
    assert_eq!(Schedule::Cuts(vec![]).to_string(), "coalesce");
    assert_eq!(Schedule::Cuts(vec![3, 1]).to_string(), "cuts:3,1");
    assert_eq!(Schedule::Random(2, 9).to_string(), "random:2-9");
    assert_eq!(" coalesce : all ".parse::<Schedule>().unwrap(), Schedule::Coalesce(None));
    assert_eq!("coalesce:2".parse::<Schedule>().unwrap(), Schedule::Coalesce(Some(2)));
    assert_eq!("random: 3 - 3".parse::<Schedule>().unwrap(), Schedule::Random(3, 3));
    assert_eq!("cuts: 4, 2".parse::<Schedule>().unwrap(), Schedule::Cuts(vec![4, 2]));
    let err = |s: &str| s.parse::<Schedule>().unwrap_err();
    assert_eq!(err("each:1"), ScheduleError::Unknown("each:1".into()));
    assert_eq!(err("drip:2"), ScheduleError::Unknown("drip:2".into()));
    assert_eq!(err("coalesce:x"), ScheduleError::Expected { form: "coalesce:N".into(), got: Some("x".into()) });
    assert_eq!(err("coalesce:0"), ScheduleError::Zero("coalesce".into()));
    assert_eq!(err("chunk:x").to_string(), "expected chunk:N, got \"x\"");
    assert_eq!(err("chunk:0").to_string(), "chunk needs a size of at least 1");
    assert_eq!(err("random"), ScheduleError::Expected { form: "random:MIN-MAX".into(), got: None });
    assert_eq!(err("random:3"), ScheduleError::Expected { form: "random:MIN-MAX".into(), got: Some("3".into()) });
    assert_eq!(err("random:a-3"), ScheduleError::Expected { form: "random:MIN-MAX".into(), got: Some("a-3".into()) });
    assert_eq!(err("random:0-3"), ScheduleError::RandomBounds("0-3".into()));
    assert_eq!(err("random:0-3").to_string(), "random:MIN-MAX needs 1 <= MIN <= MAX, got \"0-3\"");
    assert_eq!(err("cuts"), ScheduleError::Expected { form: "cuts:A,B,...".into(), got: None });
    assert_eq!(
        err("x").to_string(),
        "expected a schedule: each, coalesce[:N], chunk:N, drip, random:MIN-MAX or cuts:A,B; got \"x\""
    );

    #[derive(Debug, Deserialize)]
    struct T {
        s: Schedule,
    }
    let t = |s: &str| toml::from_str::<T>(s).map(|t| t.s).map_err(|e| e.message().to_owned());
    assert_eq!(t("s = \"drip\""), Ok(Schedule::Drip));
    assert_eq!(t("s = { coalesce = 2 }"), Ok(Schedule::Coalesce(Some(2))));
    assert_eq!(t("s = { chunk = 3 }"), Ok(Schedule::Chunk(3)));
    assert_eq!(t("s = { random = [1, 4] }"), Ok(Schedule::Random(1, 4)));
    assert_eq!(t("s = { random = [4, 4] }"), Ok(Schedule::Random(4, 4)));
    assert_eq!(t("s = { cuts = [5, 1] }"), Ok(Schedule::Cuts(vec![5, 1])));
    assert_eq!(t("s = { chunk = 0 }"), Err("a schedule size must be at least 1".into()));
    assert_eq!(t("s = { coalesce = 0 }"), Err("a schedule size must be at least 1".into()));
    assert_eq!(t("s = { random = [0, 4] }"), Err("random = [MIN, MAX] needs 1 <= MIN <= MAX".into()));
    assert_eq!(t("s = { random = [5, 4] }"), Err("random = [MIN, MAX] needs 1 <= MIN <= MAX".into()));
    assert_eq!(t("s = { chunk = 2, coalesce = 2 }"), Err("a schedule table has exactly one key".into()));
    assert_eq!(t("s = \"chunk:0\""), Err("chunk needs a size of at least 1".into()));
    assert!(t("s = 5").unwrap_err().starts_with("expected a schedule: \"each\""));
}

#[test]
fn fingerprints_tell_plans_apart() {
    use crate::scenario::plan::fingerprint;
    let w = |s: &'static [u8]| Action::Write(Bytes::from_static(s));
    let base = fingerprint(&[w(b"ab"), w(b"c"), Action::Shutdown]);
    assert_eq!(base.len(), 16);
    assert_eq!(base, fingerprint(&[w(b"ab"), w(b"c"), Action::Shutdown]));
    let others = [
        fingerprint(&[w(b"a"), w(b"bc"), Action::Shutdown]),
        fingerprint(&[w(b"ab"), w(b"c"), Action::Reset]),
        fingerprint(&[w(b"ab"), Action::Sync, w(b"c"), Action::Shutdown]),
        fingerprint(&[w(b"ab"), Action::Sleep(Duration::from_millis(1)), w(b"c"), Action::Shutdown]),
        fingerprint(&[w(b"ab"), Action::Sleep(Duration::from_millis(2)), w(b"c"), Action::Shutdown]),
        fingerprint(&[w(b"ab"), w(b"d"), Action::Shutdown]),
        fingerprint(&[]),
    ];
    let mut all: Vec<&String> = others.iter().collect();
    all.push(&base);
    all.sort();
    all.dedup();
    assert_eq!(all.len(), others.len() + 1, "two plans share a fingerprint");
}

// ---------------------------------------------------------------------------
// scenario::plan: the scenario made concrete.

fn prepared(text: &str, target: bool) -> crate::scenario::Prepared {
    let sc = crate::scenario::parse(text, std::path::Path::new("t.toml")).unwrap_or_else(|e| panic!("{e}"));
    crate::scenario::prepare(&sc, 7, target).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn prepare_frames_the_messages_and_plans_the_writes() {
    let p = prepared(
        r#"
[server]
strategy = "length-prefix:u16be"
max-frame = 100
[client]
messages = ["ab", "", "c"]
schedule = { chunk = 3 }
sync = true
pause = "1ms"
"#,
        false,
    );
    assert_eq!(p.server_framing.as_ref().unwrap().to_string(), "length-prefix:u16be,max=100");
    assert_eq!(p.client_framing, *p.server_framing.as_ref().unwrap());
    assert_eq!(p.messages, frames(&["ab", "", "c"]));
    assert_eq!(p.expected, p.messages);
    assert_eq!(p.frames, [&b"\0\x02ab"[..], b"\0\0", b"\0\x01c"].map(Bytes::from_static));
    assert_eq!(p.write_sizes(), [3, 3, 3]);
    assert_eq!(p.write_count(), 3);
    assert_eq!(p.actions.len(), 3 + 2 * 2 + 1, "{:?}", p.actions);
    assert_eq!(p.actions[1], Action::Sync);
    assert_eq!(p.actions[2], Action::Sleep(Duration::from_millis(1)));
    assert_eq!(p.actions.last(), Some(&Action::Shutdown));
    // Against a target there is no server framing: the client's, or naive.
    let p = prepared("[target]\naddr = \"127.0.0.1:9\"\n[client]\nmessages = [\"x\"]\n", true);
    assert_eq!(p.server_framing, None);
    assert_eq!(p.client_framing.to_string(), "naive:read-size=1024");
    assert_eq!(p.frames, frames(&["x"]));
}

#[test]
fn reset_after_expects_only_the_frames_sent_whole() {
    let text = |n: usize| {
        format!("[server]\nstrategy = \"delimiter\"\n[client]\nmessages = [\"ab\", \"cd\", \"e\"]\nreset-after = {n}\n")
    };
    let expected = |n: usize| prepared(&text(n), false).expected;
    assert_eq!(expected(2), frames(&[]));
    assert_eq!(expected(3), frames(&["ab"]));
    assert_eq!(expected(5), frames(&["ab"]));
    assert_eq!(expected(6), frames(&["ab", "cd"]));
    assert_eq!(expected(8), frames(&["ab", "cd", "e"]));
    let p = prepared(&text(4), false);
    assert_eq!(&written(&p.actions)[..], b"ab\nc");
    assert_eq!(p.actions.last(), Some(&Action::Reset));
}

#[test]
fn forged_headers_and_wrapped_lengths() {
    let p =
        prepared("[server]\nstrategy = \"length-prefix:u8\"\n[client]\nmessages = [\"ab\"]\nforge-header = 5\n", false);
    assert_eq!(p.frames, [&b"\x05"[..], b"ab"].map(Bytes::from_static));
    assert!(p.expected.is_empty());
    let p = prepared(
        "[server]\nstrategy = \"json-header:u16le\"\n[client]\nmessages = [\"ab\"]\nforge-header = 258\n",
        false,
    );
    assert_eq!(p.frames, [&b"\x02\x01"[..], b"ab"].map(Bytes::from_static));
    let sc = crate::scenario::parse(
        "[server]\nstrategy = \"delimiter\"\n[client]\nmessages = [\"ab\"]\nforge-header = 5\n",
        std::path::Path::new("t.toml"),
    );
    if let Ok(sc) = sc {
        let e = crate::scenario::prepare(&sc, 0, false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "forge-header needs a length-prefix or json-header client framing, not delimiter:\"\\n\",max=64KiB"
        );
    }
    // A 300-byte message with a u8 header: refused, or wrapped to 300 - 256.
    let long = "x".repeat(300);
    let text = |wrap: &str| {
        format!(
            "[server]\nstrategy = \"length-prefix:u8\"\nmax-frame = 1000\n[client]\nmessages = [\"{long}\"]\n{wrap}"
        )
    };
    let sc = crate::scenario::parse(&text(""), std::path::Path::new("t.toml")).unwrap();
    let e = crate::scenario::prepare(&sc, 0, false).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the client's encoder refused a 300-byte message: a 300-byte message does not fit a header whose largest value is 255"
    );
    let p = prepared(&text("overflow = \"wrap\"\n"), false);
    assert_eq!(p.frames[0][0], 44);
    assert_eq!(p.frames[0].len(), 301);
}

#[test]
fn expect_messages_replace_what_must_be_understood() {
    let p = prepared(
        "[server]\nstrategy = \"naive\"\n[client]\nmessages = [\"a\", \"b\"]\n[expect]\nverdict = \"coalesced\"\nmessages = [\"ab\"]\n",
        false,
    );
    assert_eq!(p.expected, frames(&["ab"]));
    assert_eq!(p.messages, frames(&["a", "b"]));
}
