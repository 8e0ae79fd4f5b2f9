#!/usr/bin/env python3
"""A naive length-prefix client: each message is a 4-byte big-endian
length, then the message. It reads the header with one recv(4) and the
body with one recv(n), as if recv() returned what it asked for. When the
header arrives in pieces it reads a wrong length. Prints one line per
message, until the server closes.

    python3 lp_client_naive.py HOST:PORT
"""

import socket
import sys

READ_CAP = 1 << 20  # only so that a misread length cannot allocate gigabytes


def connect(addr: str) -> socket.socket:
    host, port = addr.rsplit(":", 1)
    return socket.create_connection((host.strip("[]"), int(port)), timeout=5)


if __name__ == "__main__":
    sock = connect(sys.argv[1])
    while True:
        header = sock.recv(4)  # the bug: may return fewer than 4 bytes
        if not header:
            break
        length = int.from_bytes(header, "big")
        body = sock.recv(min(length, READ_CAP)) if length else b""  # the bug again
        print(body.decode("utf-8", "replace").replace("\n", "\\n"))
