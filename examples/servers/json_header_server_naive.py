#!/usr/bin/env python3
"""A naive JSON-header server (the tutorials' "version 2"): a 4-byte
big-endian header length, a JSON header {"total_size": N, "filename": ...,
"sha256": ...}, then N body bytes. It reads each part with a single
recv(), as if recv() always returned what was asked: a header cut in
pieces is misread, a body read short is taken whole.

For every body it understood, it answers one line `len=N sha256=HEX`; a
header that does not parse as JSON ends the connection.

    python3 json_header_server_naive.py PORT
"""

import hashlib
import json
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
            size = self.request.recv(4)  # the bug: may return 1, 2 or 3 bytes
            if not size:
                return
            raw = self.request.recv(min(int.from_bytes(size, "big"), READ_CAP))  # the bug again
            try:
                header = json.loads(raw)
                total = int(header["total_size"])
            except (ValueError, KeyError, TypeError):
                return  # a header it cannot read: it hangs up
            body = self.request.recv(min(total, READ_CAP)) if total else b""  # and again
            self.request.sendall(digest_line(body))


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
