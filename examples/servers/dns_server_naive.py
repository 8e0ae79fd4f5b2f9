#!/usr/bin/env python3
"""A naive DNS-over-TCP server, as tutorials write one: it reads each
query's two-byte length with one recv(2) and the query with one recv(n),
as if recv() always returned what was asked. A length that arrives in two
pieces is read as one byte, the stream is out of step from then on, and
the answers carry IDs no query had.

It answers every query for an A record with 10.0.0.1 (TTL 0),
authoritatively, echoing the query's ID and question.

    python3 dns_server_naive.py PORT
"""

import socket
import socketserver
import sys

ANSWER = bytes.fromhex("c00c 0001 0001 00000000 0004 0a000001".replace(" ", ""))


def answer(query: bytes) -> bytes:
    # ID, flags (response, authoritative, recursion desired and available),
    # one question, one answer; the question as asked.
    return query[:2] + b"\x85\x80\x00\x01\x00\x01\x00\x00\x00\x00" + query[12:] + ANSWER


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            prefix = self.request.recv(2)  # the bug: may return 1 byte
            if not prefix:
                return
            length = int.from_bytes(prefix, "big")
            query = self.request.recv(length) if length else b""  # the bug again
            if len(query) < 12:
                continue  # too short for a header: dropped
            reply = answer(query)
            self.request.sendall(len(reply).to_bytes(2, "big") + reply)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5353
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
