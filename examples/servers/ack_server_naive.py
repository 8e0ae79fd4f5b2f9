#!/usr/bin/env python3
"""A naive ack server, as in the tutorials: it answers every recv(1024)
with "Receive your message!", raw.

Acks are fixed text: framelab counts them in the reply stream, however its
own reads cut it. A 3000-byte message takes three recv(1024)s here, so
three acks come back for one message: `split`.

    python3 ack_server_naive.py PORT
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
            self.request.sendall(b"Receive your message!")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
