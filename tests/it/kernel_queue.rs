//! The kernel's queue view against a peer in another language: a Python
//! server's reads are seen from its socket's receive queue, and
//! "write A; wait_drained; write B" puts A and B in separate `recv()`s.
//!
//! No timed assertions: every wait has a generous timeout and the
//! assertions are on outcomes and counts.

#![cfg(target_os = "linux")]

use std::process::Stdio;
use std::time::Duration;

use framelab::kernel_queue::{Drained, wait_drained};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::TcpStream;
use tokio::process::{Child, ChildStdout, Command};

/// Longest wait for one line from the Python process.
const LINE_TIMEOUT: Duration = Duration::from_secs(20);

/// Reads the peer's `recv(4)`s only after a line on stdin, then prints the
/// total it read.
const SLOW_READER: &str = r#"
import socket, sys
want = int(sys.argv[1])
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
sys.stdin.readline()
total = 0
while total < want:
    d = c.recv(4)
    if not d:
        break
    total += len(d)
print(total, flush=True)
sys.stdin.readline()
"#;

/// One connection after another: prints the length of each `recv(1024)`,
/// then "end" when the client closes.
const READ_REPORTER: &str = r#"
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
print(s.getsockname()[1], flush=True)
for _ in range(int(sys.argv[1])):
    c, _ = s.accept()
    while True:
        d = c.recv(1024)
        if not d:
            break
        print(len(d), flush=True)
    print("end", flush=True)
    c.close()
"#;

struct Python {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Python {
    fn spawn(code: &str, arg: &str) -> Python {
        let mut child = Command::new("python3")
            .args(["-u", "-c", code, arg])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 is needed for these tests");
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Python { child, lines }
    }

    async fn line(&mut self) -> String {
        match tokio::time::timeout(LINE_TIMEOUT, self.lines.next_line()).await {
            Ok(Ok(Some(l))) => l,
            other => panic!("no line from python: {other:?}"),
        }
    }

    async fn say(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(format!("{line}\n").as_bytes()).await.unwrap();
        stdin.flush().await.unwrap();
    }

    async fn connect(&mut self) -> TcpStream {
        let port: u16 = self.line().await.parse().expect("python prints its port");
        TcpStream::connect(("127.0.0.1", port)).await.unwrap()
    }
}

#[tokio::test]
async fn wait_drained_is_stalled_while_python_does_not_read_and_empty_once_it_has() {
    let mut py = Python::spawn(SLOW_READER, "1000");
    let mut client = py.connect().await;
    client.write_all(&[b'x'; 1000]).await.unwrap();
    // Python waits for a line on stdin before it reads anything.
    match wait_drained(&client, Duration::from_millis(300)).await {
        Drained::Stalled { unread, unsent } => {
            assert_eq!(unread + unsent, 1000, "every byte is in one of the queues");
            assert!(unread > 0);
        }
        other => panic!("expected stalled, got {other:?}"),
    }
    py.say("go").await;
    assert_eq!(wait_drained(&client, Duration::from_secs(20)).await, Drained::Empty);
    // Python read 1000 bytes in recv(4)s before the queue could be empty.
    assert_eq!(py.line().await, "1000");
    py.say("bye").await;
}

/// "write A; wait_drained; write B" against a Python server that reports
/// each `recv(1024)`: how many of `runs` connections saw two separate
/// reads of 5 bytes. Prints "k/N separate reads". Without `sync` (the
/// control) the second write follows the first at once.
async fn two_writes_reach_two_reads(runs: usize, sync: bool) -> usize {
    let mut py = Python::spawn(READ_REPORTER, &runs.to_string());
    let port: u16 = py.line().await.parse().unwrap();
    let mut separate = 0;
    let mut failures = Vec::new();
    for i in 0..runs {
        let mut client = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        client.set_nodelay(true).unwrap();
        client.write_all(b"hello").await.unwrap();
        let drained = if sync { wait_drained(&client, Duration::from_secs(20)).await } else { Drained::Empty };
        client.write_all(b"world").await.unwrap();
        client.shutdown().await.unwrap();
        let mut reads = Vec::new();
        loop {
            let l = py.line().await;
            if l == "end" {
                break;
            }
            reads.push(l.parse::<usize>().unwrap());
            assert!(reads.len() <= 10, "python reported too many reads: {reads:?}");
        }
        if drained == Drained::Empty && reads == [5, 5] {
            separate += 1;
        } else if sync {
            failures.push(format!("run {i}: {drained:?}, reads {reads:?}"));
        }
    }
    let how = if sync { "with wait_drained" } else { "control, no wait" };
    println!("{separate}/{runs} separate reads ({how})");
    for f in &failures {
        println!("  {f}");
    }
    separate
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_after_wait_drained_reaches_a_separate_python_read() {
    let runs = std::env::var("FRAMELAB_SYNC_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
    if std::env::var_os("FRAMELAB_SYNC_CONTROL").is_some() {
        // For comparison only (scripts/sync-under-load.sh): not asserted.
        two_writes_reach_two_reads(runs, false).await;
    }
    assert_eq!(two_writes_reach_two_reads(runs, true).await, runs);
}
