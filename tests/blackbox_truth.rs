//! Telling the truth about anyone's server (issue 13): kernel-observed
//! sync against servers in other languages, verdicts that depend only on
//! what can be observed, explore without false findings, `--target` with
//! any suite.
//!
//! No timed assertions: every wait has a generous timeout and the
//! assertions are on verdicts, counts and details.

use std::path::{Path, PathBuf};

use framelab::run::{self, RunOptions, ScenarioResult};
use framelab::scenario::{self, Scenario, Verdict};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A scenario from text, as if it were a file in examples/scenarios/ (so
/// `../servers/x.py` names an example server).
fn scenario(text: &str) -> Scenario {
    scenario::parse(text, &root().join("examples/scenarios/inline.toml")).unwrap_or_else(|e| panic!("{e}"))
}

fn run_one(sc: &Scenario) -> ScenarioResult {
    rt().block_on(run::run_scenario(sc, &RunOptions::default()))
}

fn target(server: &str) -> String {
    format!("[target]\ncommand = [\"python3\", \"../servers/{server}\", \"{{port}}\"]\n")
}

// ---- 1. sync for any server on this machine -------------------------------

#[cfg(target_os = "linux")]
#[test]
fn sync_reaches_separate_reads_of_a_python_server_with_no_pause() {
    let sc = scenario(&format!(
        "{}[client]\nframing = \"raw\"\nmessages = [\"hello\", \"world\"]\nschedule = {{ chunk = 3 }}\nsync = true\n\
         [response]\nframing = \"delimiter\"\nexpect = \"digest\"\n[expect]\nverdict = \"split\"\n",
        target("naive_server.py")
    ));
    assert!(sc.client.pause.is_zero());
    for i in 0..5 {
        let r = run_one(&sc);
        assert_eq!(r.verdict, Some(Verdict::Split), "run {i}: {}", r.detail);
        // hel low orl d: every write in its own recv(), so 4 digests.
        assert!(r.detail.contains("4 repl(ies) came back"), "run {i}: {}", r.detail);
        assert!(!r.detail.contains("not applied"), "run {i}: {}", r.detail);
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_target_that_stops_reading_is_named_not_a_silent_pause() {
    // Accepts, reads 4 bytes, then never reads again.
    let sc = scenario(
        "[target]\ncommand = [\"python3\", \"-c\", \"import socket,sys,time\\ns=socket.socket()\\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\\ns.bind(('127.0.0.1', int(sys.argv[1])))\\ns.listen(1)\\nc,_=s.accept()\\nc.recv(4)\\ntime.sleep(30)\", \"{port}\"]\n\
         [client]\nframing = \"raw\"\nmessages = [\"hello\", \"world\"]\nschedule = { chunk = 4 }\nsync = true\nreply-timeout = \"300ms\"\n\
         [response]\nframing = \"delimiter\"\nexpect = \"digest\"\n",
    );
    let r = run_one(&sc);
    assert!(r.detail.contains("target stopped reading after 4 of 8 bytes"), "{}", r.detail);
}

#[cfg(target_os = "linux")]
#[test]
fn sync_that_cannot_apply_says_so() {
    // Through a proxy the client's writes are not the server's reads.
    let sc = scenario(&format!(
        "{}[client]\nframing = \"raw\"\nmessages = [\"hello\"]\nschedule = {{ chunk = 3 }}\nsync = true\n\
         [proxy]\nup = \"each\"\n[response]\nframing = \"delimiter\"\nexpect = \"digest\"\n",
        target("naive_server.py")
    ));
    let r = run_one(&sc);
    assert!(r.detail.contains("sync = true was not applied"), "{}", r.detail);
}

#[cfg(target_os = "linux")]
#[test]
fn a_syncing_proxy_puts_each_of_its_writes_in_a_separate_read_of_a_python_server() {
    // One write from the client; the proxy cuts it in 3-byte writes and
    // waits for the server to read each: no pause anywhere.
    let sc = scenario(&format!(
        "{}[client]\nframing = \"raw\"\nmessages = [\"hello\", \"world\"]\nschedule = \"coalesce\"\n\
         [proxy]\nup = \"chunk:3\"\nsync = true\n[response]\nframing = \"delimiter\"\nexpect = \"digest\"\n",
        target("naive_server.py")
    ));
    for i in 0..5 {
        let r = run_one(&sc);
        assert_eq!(r.verdict, Some(Verdict::Split), "run {i}: {}", r.detail);
        assert!(r.detail.contains("4 repl(ies) came back"), "run {i}: {}", r.detail);
        assert!(!r.detail.contains("could not see"), "run {i}: {}", r.detail);
    }
}

#[allow(dead_code)]
fn file_name(r: &ScenarioResult) -> String {
    Path::new(&r.file).file_name().unwrap().to_string_lossy().into_owned()
}

// ---- 2. verdicts only from what can be observed ---------------------------

/// Read plans for the replies: 1-byte reads, small reads with pauses, the
/// default (up to 64 KiB), and big random ones.
const READ_PLANS: &[&str] = &[
    "",
    "read = { sizes = [1, 1] }\n",
    "read = { sizes = [1, 7], pause = \"2ms\" }\n",
    "read = { sizes = [4096, 65536] }\n",
];

/// A scenario against an example server, with one of [`READ_PLANS`].
fn against(server: &str, client: &str, response: &str, read: &str) -> Scenario {
    scenario(&format!("{}[client]\n{client}{read}[response]\n{response}", target(server)))
}

#[test]
fn raw_echo_or_upper_replies_to_coalesced_messages_are_inconclusive() {
    let client = "framing = \"raw\"\nmessages = [\"hello\", \"world\"]\nschedule = \"coalesce\"\n";
    for (server, expect) in [("upper_server_naive.py", "upper"), ("stream_server.py", "echo")] {
        let sc = against(server, client, &format!("expect = \"{expect}\"\n"), "");
        let r = run_one(&sc);
        assert_eq!(r.verdict, Some(Verdict::Inconclusive), "{server}: {}", r.detail);
        assert!(r.detail.contains("frame your replies"), "{}", r.detail);
    }
    // One 3000-byte message: three recv(1024)s, three raw replies that read
    // back as the bytes sent. Never `intact`.
    let big = "framing = \"raw\"\ngenerate = { count = 1, size = \"3000\" }\n";
    let r = run_one(&against("upper_server_naive.py", big, "expect = \"upper\"\n", ""));
    assert_eq!(r.verdict, Some(Verdict::Inconclusive), "{}", r.detail);
}

#[test]
fn acks_merged_in_one_read_are_counted() {
    // 3000 bytes to a recv(1024) ack server: three acks for one message.
    let big = "framing = \"raw\"\ngenerate = { count = 1, size = \"3000\" }\n";
    for read in READ_PLANS {
        let r = run_one(&against("ack_server_naive.py", big, "expect = \"ack\"\n", read));
        assert_eq!(r.verdict, Some(Verdict::Split), "{read}: {}", r.detail);
        assert!(r.detail.contains("3 x"), "{read}: {}", r.detail);
    }
    // The same acks as a `replies` list of identical items.
    let list = "replies = [\"Receive your message!\"]\n";
    let r = run_one(&against("ack_server_naive.py", big, list, "read = { sizes = [1, 1] }\n"));
    assert_eq!(r.verdict, Some(Verdict::Split), "{}", r.detail);
}

#[test]
fn an_oversized_udp_datagram_is_truncated_whatever_the_reply_oracle() {
    for expect in ["echo", "upper"] {
        let sc = scenario(&format!(
            "[target]\ncommand = [\"python3\", \"../servers/udp_echo_server.py\", \"{{port}}\"]\nudp = true\n\
             [client]\nframing = \"udp\"\ngenerate = {{ count = 1, size = \"2000\" }}\n[response]\nexpect = \"{expect}\"\n"
        ));
        let r = run_one(&sc);
        assert_eq!(r.verdict, Some(Verdict::Truncated), "{expect}: {}", r.detail);
        assert!(r.detail.contains("first 1024 bytes"), "{}", r.detail);
    }
}

#[cfg(target_os = "linux")]
#[test]
fn framelabs_read_sizes_never_change_a_black_box_verdict() {
    let coalesce = "framing = \"raw\"\nmessages = [\"hello\", \"world\"]\nschedule = \"coalesce\"\n";
    let chunked = "framing = \"raw\"\nmessages = [\"hello\", \"world\"]\nschedule = { chunk = 3 }\nsync = true\n";
    let big = "framing = \"raw\"\ngenerate = { count = 1, size = \"3000\" }\n";
    let digest = "framing = \"delimiter\"\nexpect = \"digest\"\n";
    let raw_digest = "expect = \"digest\"\n";
    let cases: &[(&str, &str, &str, Verdict)] = &[
        ("naive_server.py", coalesce, digest, Verdict::Coalesced),
        ("naive_server.py", coalesce, raw_digest, Verdict::Coalesced),
        ("naive_server.py", chunked, raw_digest, Verdict::Split),
        ("naive_server.py", big, raw_digest, Verdict::Split),
        ("ack_server_naive.py", big, "expect = \"ack\"\n", Verdict::Split),
        ("ack_server_naive.py", chunked, "expect = \"ack\"\n", Verdict::Split),
        ("upper_server_naive.py", coalesce, "expect = \"upper\"\n", Verdict::Inconclusive),
        ("upper_server_naive.py", chunked, "expect = \"upper\"\n", Verdict::Inconclusive),
        ("stream_server.py", big, "expect = \"echo\"\n", Verdict::Inconclusive),
    ];
    for (server, client, response, want) in cases {
        for read in READ_PLANS {
            let r = run_one(&against(server, client, response, read));
            assert_eq!(r.verdict, Some(*want), "{server} {client:?} {response:?} {read:?}: {}", r.detail);
        }
    }
}
