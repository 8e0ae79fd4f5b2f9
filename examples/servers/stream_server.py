#!/usr/bin/env python3
"""A correct server for a protocol without message boundaries: it treats
its input as the byte stream it is, and echoes every byte back as it
comes, whatever the reads look like. No recv() is assumed to be a message.

A black-box test checks it by the bytes that come back
(framelab's `[response] bytes = N` with `expect = "echo"`).

    python3 stream_server.py PORT
"""

import socket
import socketserver
import sys


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            data = self.request.recv(65536)
            if not data:
                return
            self.request.sendall(data)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
