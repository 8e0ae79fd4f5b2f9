#!/usr/bin/env python3
"""A naive server: it takes every recv(1024) as one whole message.

This is the classic sticky-packet bug (粘包): two messages written back to
back can arrive in one recv() and are taken as one; a message written in
pieces arrives in several recv()s and is taken as several.

For every message it understood, it answers one line

    len=N sha256=HEX

so that a black-box test (framelab's `expect = "digest"`) can see where
the server thinks each message begins and ends.

    python3 naive_server.py PORT
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
            data = self.request.recv(1024)  # the bug: one recv() is not one message
            if not data:
                return
            self.request.sendall(digest_line(data))


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
