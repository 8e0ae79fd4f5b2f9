//! The hostile-input soak of every TCP reference server: 1,000 hostile
//! connections (slowloris, huge and negative lengths, floods, garbage,
//! half-closes, resets, idlers) plus 100 good clients. Every good message
//! must come back intact, the server must not panic or die, its peak RSS
//! must stay within 64 MiB above idle, and it must hold no descriptor
//! after the run.

use framelab::soak::{SoakConfig, soak};

const RSS_BOUND_KIB: u64 = 64 * 1024;

#[test]
fn every_tcp_reference_server_survives_the_soak() {
    let exe = std::path::PathBuf::from(env!("CARGO_BIN_EXE_framelab"));
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let mut failures = Vec::new();
    for strategy in ["naive", "delimiter", "length-prefix", "length-prefix:i32le", "json-header", "handshake"] {
        let mut cfg = SoakConfig::new(strategy, exe.clone());
        // A good client whose connection is accepted but whose task a loaded
        // machine (this whole test binary at once, on 2 cores) does not run
        // for a second met the server's 1 s idle timeout before its first
        // byte, and got no reply (json-header, 5 of 100 clients, in one CI
        // run). The idlers and slowloris drips are still cut, later.
        cfg.idle_timeout = std::time::Duration::from_secs(5);
        let r = rt.block_on(soak(&cfg)).unwrap();
        assert_eq!(r.connections, 1100, "{strategy}");
        assert_eq!(r.good_messages, 2000, "{strategy}");
        let problems = r.problems(RSS_BOUND_KIB);
        if !problems.is_empty() {
            failures.push(format!("{strategy}: {problems:?}"));
        }
        eprintln!(
            "{strategy}: {} intact, RSS +{} KiB, fds {} -> {}, errors {:?}",
            r.good_messages_intact,
            r.rss_growth_kib(),
            r.fds_before,
            r.fds_after,
            r.server_errors
        );
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
