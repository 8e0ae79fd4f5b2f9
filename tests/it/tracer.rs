//! The tracer against real processes: a Python server, and its reads and
//! writes seen from outside.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use framelab::trace::{self, CallKind, ReadLimit, TraceConfig};

fn free_port() -> u16 {
    framelab::target::free_port("127.0.0.1".parse().unwrap(), false).unwrap()
}

fn connect(port: u16) -> TcpStream {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => return s,
            Err(e) if Instant::now() > deadline => panic!("the server never listened: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn upper_server(port: u16, reads: ReadLimit) -> trace::TracedChild {
    let mut cmd = Command::new("python3");
    cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/servers/upper_server_naive.py"))
        .arg(port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    trace::spawn(cmd, TraceConfig { port, reads, seed: 1, max_tasks: trace::MAX_TASKS }).unwrap()
}

#[test]
fn a_python_servers_reads_and_writes_are_seen_per_connection() {
    let port = free_port();
    let child = upper_server(port, ReadLimit::Full);
    let mut s = connect(port);
    s.write_all(b"helloworld").unwrap();
    let mut buf = [0u8; 10];
    s.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"HELLOWORLD");
    let local = s.local_addr().unwrap();
    drop(s);
    let deadline = Instant::now() + Duration::from_secs(10);
    let conn = loop {
        let c = child.log().connection(local);
        if c.as_ref().is_some_and(|c| c.saw_eof) || Instant::now() > deadline {
            break c.expect("the connection was traced");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let reads: Vec<u64> = conn.reads().map(|c| c.bytes()).collect();
    let writes: Vec<u64> = conn.writes().map(|c| c.bytes()).collect();
    assert_eq!(reads, [10], "{:?}", conn.calls);
    assert_eq!(writes, [10], "{:?}", conn.calls);
    assert!(conn.saw_eof);
    assert!(conn.calls.iter().any(|c| c.kind == CallKind::Read && c.sys == "recvfrom"), "{:?}", conn.calls);
    child.kill_all();
}
