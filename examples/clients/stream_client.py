#!/usr/bin/env python3
"""A correct client for a protocol without message boundaries: it reads
the stream to its end and prints it as one line. It assumes nothing about
how the bytes are cut, so any cut gives the same output. (If you need
messages, the protocol needs framing: see line_client.py, lp_client.py.)

    python3 stream_client.py HOST:PORT
"""

import socket
import sys


def connect(addr: str) -> socket.socket:
    host, port = addr.rsplit(":", 1)
    return socket.create_connection((host.strip("[]"), int(port)), timeout=5)


if __name__ == "__main__":
    sock = connect(sys.argv[1])
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            break
        chunks.append(data)
    print(b"".join(chunks).decode("utf-8", "replace").replace("\n", "\\n"))
