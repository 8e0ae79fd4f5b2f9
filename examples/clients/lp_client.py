#!/usr/bin/env python3
"""A correct length-prefix client: each message is a 4-byte big-endian
length, then the message. It reads exactly 4 bytes, then exactly n bytes,
looping over recv(), so any cut of the stream gives the same messages.
Prints one line per message, until the server closes.

    python3 lp_client.py HOST:PORT
"""

import socket
import sys

MAX_MESSAGE = 8 << 20


def connect(addr: str) -> socket.socket:
    host, port = addr.rsplit(":", 1)
    return socket.create_connection((host.strip("[]"), int(port)), timeout=5)


def recv_exact(sock: socket.socket, n: int):
    """Exactly n bytes; None if the peer closed before the first; an error
    if it closed in the middle."""
    parts, have = [], 0
    while have < n:
        chunk = sock.recv(min(n - have, 65536))
        if not chunk:
            if have == 0:
                return None
            sys.exit(f"the server closed after {have} of {n} bytes")
        parts.append(chunk)
        have += len(chunk)
    return b"".join(parts)


if __name__ == "__main__":
    sock = connect(sys.argv[1])
    while True:
        header = recv_exact(sock, 4)
        if header is None:
            break
        length = int.from_bytes(header, "big")
        if length > MAX_MESSAGE:
            sys.exit(f"message of {length} bytes is over the maximum")
        body = recv_exact(sock, length) if length else b""
        if body is None:
            sys.exit("the server closed between a header and its message")
        print(body.decode("utf-8", "replace").replace("\n", "\\n"))
