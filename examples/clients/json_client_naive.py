#!/usr/bin/env python3
"""A file client for the "version 2" protocol of the JSON-header tutorial (json-header) that
never checks the digest in the header (bug B16): whatever the server
sends is accepted as the file.

Wire format, both ways: a 4-byte big-endian length, a JSON header
{"total_size": N, "filename": ..., "sha256"|"md5": HEX}, then N bytes.
The request is the text "get NAME".

    python3 json_client_naive.py HOST:PORT NAME
"""

import hashlib
import json
import socket
import sys


def connect(addr: str) -> socket.socket:
    host, port = addr.rsplit(":", 1)
    return socket.create_connection((host.strip("[]"), int(port)), timeout=5)


def recv_exact(sock: socket.socket, n: int) -> bytes:
    parts, have = [], 0
    while have < n:
        chunk = sock.recv(min(n - have, 65536))
        if not chunk:
            sys.exit(f"the server closed after {have} of {n} bytes")
        parts.append(chunk)
        have += len(chunk)
    return b"".join(parts)


def send_message(sock: socket.socket, body: bytes):
    header = json.dumps({"total_size": len(body), "filename": "", "sha256": hashlib.sha256(body).hexdigest()})
    header = header.encode()
    sock.sendall(len(header).to_bytes(4, "big") + header + body)


def read_message(sock: socket.socket):
    length = int.from_bytes(recv_exact(sock, 4), "big")
    header = json.loads(recv_exact(sock, length))
    return header, recv_exact(sock, int(header["total_size"]))


if __name__ == "__main__":
    sock = connect(sys.argv[1])
    send_message(sock, b"get " + sys.argv[2].encode())
    header, body = read_message(sock)
    # the bug: header["sha256"] / header["md5"] is never compared with the body
    print(body.decode("utf-8", "replace").rstrip("\n"))
