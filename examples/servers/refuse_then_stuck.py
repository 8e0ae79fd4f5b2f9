#!/usr/bin/env python3
"""A server that refuses its first client cleanly, then never serves
again: it answers the first recv() with "ERROR: no" and closes that
connection, and afterwards accepts connections but never reads them.

A refusal alone looks clean; framelab checks that a good client is
still served afterwards (as it does for its reference servers), so this
server is `hang`, not `rejected`.

    python3 refuse_then_stuck.py PORT
"""

import socket
import socketserver
import sys
import threading
import time

served = threading.Lock()


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if not served.acquire(blocking=False):
            # Stuck: the connection stays open, nothing is read or sent.
            time.sleep(3600)
            return
        if self.request.recv(1024):
            self.request.sendall(b"ERROR: no\n")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
