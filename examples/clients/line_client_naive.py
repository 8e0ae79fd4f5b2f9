#!/usr/bin/env python3
"""A naive line client: messages end with "\\n", but it takes every
recv(1024) as exactly one line. It prints one line per message it thinks
it got (a newline left inside is shown as \\n), until the server closes.

    python3 line_client_naive.py HOST:PORT
"""

import socket
import sys


def connect(addr: str) -> socket.socket:
    host, port = addr.rsplit(":", 1)
    return socket.create_connection((host.strip("[]"), int(port)), timeout=5)


if __name__ == "__main__":
    sock = connect(sys.argv[1])
    while True:
        data = sock.recv(1024)  # the bug: one recv() is not one line
        if not data:
            break
        print(data.rstrip(b"\n").decode("utf-8", "replace").replace("\n", "\\n"))
