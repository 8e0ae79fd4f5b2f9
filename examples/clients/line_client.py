#!/usr/bin/env python3
"""A correct line client: it buffers what it reads and takes a message
only when its "\\n" has arrived. It prints one line per message, until
the server closes.

    python3 line_client.py HOST:PORT
"""

import socket
import sys

MAX_LINE = 64 * 1024


def connect(addr: str) -> socket.socket:
    host, port = addr.rsplit(":", 1)
    return socket.create_connection((host.strip("[]"), int(port)), timeout=5)


if __name__ == "__main__":
    sock = connect(sys.argv[1])
    buffer = b""
    while True:
        data = sock.recv(65536)
        if not data:
            break
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            print(line.decode("utf-8", "replace"))
        if len(buffer) > MAX_LINE:
            sys.exit("line too long")
    if buffer:
        sys.exit(f"the server closed in the middle of a line ({len(buffer)} bytes)")
