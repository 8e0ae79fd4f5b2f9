#!/usr/bin/env python3
"""A naive client: every recv(1024) is taken as one whole message. It
prints one line per message it thinks it got (a newline inside a message
is shown as \\n), until the server closes.

Messages the server sent apart can arrive together (one line, coalesced)
or in pieces (several lines, split).

    python3 naive_client.py HOST:PORT
"""

import socket
import sys


def connect(addr: str) -> socket.socket:
    host, port = addr.rsplit(":", 1)
    return socket.create_connection((host.strip("[]"), int(port)), timeout=5)


if __name__ == "__main__":
    sock = connect(sys.argv[1])
    while True:
        data = sock.recv(1024)  # the bug: one recv() is not one message
        if not data:
            break
        print(data.decode("utf-8", "replace").replace("\n", "\\n"))
