#!/usr/bin/env python3
"""A file client for the "version 2" protocol of the JSON-header tutorial (json-header) that
checks the digest in the header against the body it received, and refuses
the file (exit status 1, "digest mismatch") when it does not match or is
missing.

Wire format, both ways: a 4-byte big-endian length, a JSON header
{"total_size": N, "filename": ..., "sha256"|"md5": HEX}, then N bytes.
The request is the text "get NAME".

    python3 json_client.py HOST:PORT NAME
"""

import hashlib
import json
import socket
import sys

MAX_HEADER = 64 * 1024
MAX_BODY = 64 << 20


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
    if length > MAX_HEADER:
        sys.exit(f"header of {length} bytes is over the maximum")
    header = json.loads(recv_exact(sock, length))
    size = int(header["total_size"])
    if not 0 <= size <= MAX_BODY:
        sys.exit(f"body of {size} bytes is out of range")
    return header, recv_exact(sock, size)


def digest_ok(header: dict, body: bytes) -> bool:
    if "sha256" in header:
        return header["sha256"] == hashlib.sha256(body).hexdigest()
    if "md5" in header:
        return header["md5"] == hashlib.md5(body).hexdigest()
    return False  # no digest: nothing vouches for the body


if __name__ == "__main__":
    sock = connect(sys.argv[1])
    send_message(sock, b"get " + sys.argv[2].encode())
    header, body = read_message(sock)
    if body.startswith(b"ERROR:"):
        sys.exit(body.decode("utf-8", "replace"))
    if not digest_ok(header, body):
        print(f"digest mismatch for {header.get('filename') or sys.argv[2]}: refusing the file")
        sys.exit(1)
    print(body.decode("utf-8", "replace").rstrip("\n"))
