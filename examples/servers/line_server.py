#!/usr/bin/env python3
"""A correct line server: it buffers what it reads and takes a message
only when its "\\n" has arrived, so lines survive any cut of the stream.
A line longer than MAX_LINE is refused (and the connection closed) rather
than buffered without end.

For every message it understood, it answers one line `len=N sha256=HEX`.

    python3 line_server.py PORT
"""

import hashlib
import socket
import socketserver
import sys

MAX_LINE = 64 * 1024


def digest_line(message: bytes) -> bytes:
    return b"len=%d sha256=%s\n" % (len(message), hashlib.sha256(message).hexdigest().encode())


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buffer = b""
        while True:
            data = self.request.recv(65536)
            if not data:
                return  # an unfinished line at the end is not a message
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                self.request.sendall(digest_line(line))
            if len(buffer) > MAX_LINE:
                self.request.sendall(b"ERROR: line too long\n")
                return


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
