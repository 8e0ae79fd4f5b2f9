#!/usr/bin/env python3
"""A naive length-prefix server: each message is a 4-byte big-endian
length, then that many bytes. It reads the header with one recv(4) and the
body with one recv(n), as if recv() always returned what was asked. When a
header arrives in pieces it reads a wrong length, and the stream is out of
step from then on.

For every message it understood, it answers one line `len=N sha256=HEX`.

    python3 lp_server_naive.py PORT
"""

import hashlib
import socket
import socketserver
import sys

# Only so that this example cannot allocate gigabytes from a misread length.
READ_CAP = 1 << 20


def digest_line(message: bytes) -> bytes:
    return b"len=%d sha256=%s\n" % (len(message), hashlib.sha256(message).hexdigest().encode())


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            header = self.request.recv(4)  # the bug: may return 1, 2 or 3 bytes
            if not header:
                return
            length = int.from_bytes(header, "big")
            body = self.request.recv(min(length, READ_CAP)) if length else b""  # the bug again
            self.request.sendall(digest_line(body))


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
