"""Helpers for the plugin's own tests: the repository, pytest in a
subprocess, and example servers on free loopback ports."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run_pytest(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """pytest in a subprocess, as a user would run it (the plugin loaded by
    its entry point), bounded in time."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(script: str):
    """An example server of examples/servers/ on a free port: (process,
    "127.0.0.1:PORT"), once it accepts connections (10 s at most)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(REPO / "examples" / "servers" / script), str(port)])
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"127.0.0.1:{port}"
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                proc.wait(timeout=5)
                pytest.fail(f"{script} did not listen on port {port} within 10 s")
            time.sleep(0.05)


@pytest.fixture
def server_of():
    """Starts example servers by script name; stops them all at the end."""
    procs = []

    def start(script: str) -> str:
        proc, addr = start_server(script)
        procs.append(proc)
        return addr

    yield start
    for p in procs:
        p.kill()
        p.wait(timeout=5)
