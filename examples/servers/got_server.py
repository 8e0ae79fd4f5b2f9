#!/usr/bin/env python3
"""A correct line server whose replies are its own: it buffers what it
reads, takes a message only when its "\\n" has arrived, and answers each
line with `got N` (N = the bytes of the line, without the newline).

framelab judges it with a pattern that names the length:
`framelab init --command "python3 got_server.py {port}" --framing delimiter --match 'got (?P<len>\\d+)'`

    python3 got_server.py PORT
"""

import socket
import socketserver
import sys

MAX_LINE = 64 * 1024


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buffer = b""
        while True:
            data = self.request.recv(65536)
            if not data:
                return
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                self.request.sendall(b"got %d\n" % len(line))
            if len(buffer) > MAX_LINE:
                return


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
