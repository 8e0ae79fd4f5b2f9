#!/usr/bin/env python3
"""A naive upper-casing server: it answers every recv(1024) with the same
bytes upper-cased, raw, with nothing to mark where a reply ends.

Its replies cannot tell a merged message from two: "HELLOWORLD" is one
reply to a merged read or two replies run together. framelab judges such
replies `inconclusive` and says what would decide (framed replies, or a
digest per message).

    python3 upper_server_naive.py PORT
"""

import socket
import socketserver
import sys


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            data = self.request.recv(1024)  # the bug: one recv() is not one message
            if not data:
                return
            self.request.sendall(data.upper())


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
