#!/usr/bin/env python3
"""A naive sink: it prints every recv(1024) as one message and never
answers.

Replies cannot show anything here: there are none. framelab judges it by
its own reads, seen by the tracer (a spawned target, on Linux): two
messages in one recv() are `coalesced`, one message over several `split`.
Without the trace (an address target, or --no-trace) the verdict is
`inconclusive`, never `intact`.

    python3 sink_server_naive.py PORT
"""

import socketserver
import sys


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(1024)  # the bug: one recv() is not one message
            if not data:
                return
            print("message:", data, flush=True)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
