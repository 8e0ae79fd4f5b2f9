#!/usr/bin/env python3
"""A naive line server: messages end with "\\n", but it assumes every
recv(1024) holds exactly one line. Two lines in one read are taken as one
message (with a "\\n" inside); a line cut across reads is taken as several.

For every message it understood, it answers one line `len=N sha256=HEX`.

    python3 line_server_naive.py PORT
"""

import hashlib
import socket
import socketserver
import sys


def digest_line(message: bytes) -> bytes:
    return b"len=%d sha256=%s\n" % (len(message), hashlib.sha256(message).hexdigest().encode())


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            data = self.request.recv(1024)  # the bug: one recv() is not one line
            if not data:
                return
            self.request.sendall(digest_line(data.rstrip(b"\n")))


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
