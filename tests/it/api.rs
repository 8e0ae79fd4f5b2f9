//! The Rust API (`framelab::Suite`): scenario files loaded, pointed at a
//! server the test started, run and asserted from `#[tokio::test]`.

use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use framelab::{Suite, Verdict};

/// A Python example server on a free loopback port, killed when dropped.
struct PyServer {
    child: Child,
    addr: SocketAddr,
}

impl PyServer {
    fn start(script: &str) -> PyServer {
        let port = framelab::target::free_port("127.0.0.1".parse().unwrap(), false).unwrap();
        let child = Command::new(super::python())
            .arg(Path::new("examples/servers").join(script))
            .arg(port.to_string())
            .spawn()
            .expect("python3 starts");
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let server = PyServer { child, addr };
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(Instant::now() < deadline, "{script} never listened on {addr}");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }
}

impl Drop for PyServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const NAIVE_LINES: &str = "examples/scenarios/server-line-naive-coalesced.toml";

#[tokio::test]
async fn a_suite_pointed_at_a_tutorial_server_gives_its_bug() {
    let server = PyServer::start("line_server_naive.py");
    let report = Suite::load(NAIVE_LINES).unwrap().target(server.addr).run().await;
    report.assert_passed();
    let r = &report.results()[0];
    assert_eq!(r.verdict(), Some(Verdict::Coalesced), "{}", report.human());
    assert_eq!(r.target.as_deref(), Some(server.addr.to_string().as_str()));
}

#[tokio::test]
async fn a_failing_suite_panics_with_the_verdict_and_the_replay_command() {
    // The correct line server keeps the two lines apart: the file's
    // expectation (coalesced) is not met.
    let server = PyServer::start("line_server.py");
    let report = Suite::load(NAIVE_LINES).unwrap().target(server.addr).seed(7).run().await;
    assert!(!report.passed());
    assert_eq!(report.summary().exit_code(), 1);
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        report.assert_passed();
    }))
    .expect_err("assert_passed panics on a failure");
    let text = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(text.contains("0 passed, 1 failed"), "{text}");
    assert!(text.contains("(expected coalesced)"), "{text}");
    assert!(
        text.contains(&format!("replay:   framelab run {NAIVE_LINES} --seed 7 --target {}", server.addr)),
        "{text}"
    );
}

#[tokio::test]
async fn reference_servers_run_with_no_target() {
    let report = Suite::load("scenarios/b01-naive-coalesced.toml").unwrap().run().await;
    report.assert_passed();
    assert_eq!(report.results()[0].verdict(), Some(Verdict::Coalesced));
}

#[tokio::test]
async fn a_target_off_loopback_is_an_error_and_nothing_is_sent() {
    let report = Suite::load(NAIVE_LINES).unwrap().target("192.0.2.1:9".parse().unwrap()).run().await;
    assert_eq!(report.summary().exit_code(), 2);
    assert!(report.results()[0].detail.contains("not a loopback address"), "{}", report.human());
}

#[test]
fn loading_names_what_is_wrong() {
    let e = Suite::load("no/such/folder").unwrap_err().to_string();
    assert!(e.contains("no/such/folder"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let e = Suite::load(dir.path()).unwrap_err().to_string();
    assert!(e.contains("no scenario file"), "{e}");
    std::fs::write(dir.path().join("bad.toml"), "name = 3\n").unwrap();
    let e = Suite::load(dir.path()).unwrap_err().to_string();
    assert!(e.contains("bad.toml"), "{e}");
}
