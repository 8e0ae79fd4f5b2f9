#!/usr/bin/env python3
"""A server that pushes messages to every client that connects, then
closes: a download, a feed of events. It is the other end for testing
clients. Each message is sent with the framing asked for, piece by piece
with a short pause, the way a program that calls send() several times
does:

    raw      the message bytes, no boundary at all
    line     the message, then "\\n"
    decimal  str(len(message)), then the message (the length-as-text tutorial's protocol, B7)
    u32be    a 4-byte big-endian length, then the message

    python3 push_server.py PORT FRAMING MESSAGE...
"""

import socket
import socketserver
import sys
import time

PAUSE = 0.02  # between send() calls


def pieces(framing: str, message: bytes):
    if framing == "raw":
        return [message]
    if framing == "line":
        return [message + b"\n"]
    if framing == "decimal":
        return [str(len(message)).encode(), message]
    if framing == "u32be":
        return [len(message).to_bytes(4, "big"), message]
    raise SystemExit(f"unknown framing {framing!r}: expected raw, line, decimal or u32be")


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for message in self.server.messages:
            for piece in pieces(self.server.framing, message):
                self.request.sendall(piece)
                time.sleep(PAUSE)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    port, framing = int(sys.argv[1]), sys.argv[2]
    pieces(framing, b"")  # check the framing name before listening
    with Server(("127.0.0.1", port), Handler) as server:
        server.framing = framing
        server.messages = [m.encode() for m in sys.argv[3:]]
        server.serve_forever()
