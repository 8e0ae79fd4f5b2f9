#!/usr/bin/env python3
"""A correct length-prefix server: each message is a 4-byte big-endian
length, then that many bytes. It reads exactly 4 bytes, then exactly n
bytes, looping over recv() until it has them, so headers and bodies cut
anywhere are reassembled. A length over MAX_MESSAGE is refused before
anything is allocated.

For every message it understood, it answers one line `len=N sha256=HEX`.

    python3 lp_server.py PORT
"""

import hashlib
import socket
import socketserver
import sys

MAX_MESSAGE = 8 << 20


def digest_line(message: bytes) -> bytes:
    return b"len=%d sha256=%s\n" % (len(message), hashlib.sha256(message).hexdigest().encode())


def recv_exact(sock: socket.socket, n: int):
    """Exactly n bytes, or None if the peer closed first."""
    parts, have = [], 0
    while have < n:
        chunk = sock.recv(min(n - have, 65536))
        if not chunk:
            return None
        parts.append(chunk)
        have += len(chunk)
    return b"".join(parts)


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            header = recv_exact(self.request, 4)
            if header is None:
                return
            length = int.from_bytes(header, "big")
            if length > MAX_MESSAGE:
                self.request.sendall(b"ERROR: message too large\n")
                return
            body = recv_exact(self.request, length)
            if body is None:
                return  # the peer closed in the middle of a message
            self.request.sendall(digest_line(body))


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
