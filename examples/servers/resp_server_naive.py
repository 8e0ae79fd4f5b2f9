#!/usr/bin/env python3
"""A naive RESP (Redis protocol) server: it takes what one recv(1024)
returns as one whole command. Two pipelined commands in one read get one
answer (the second is dropped); a command cut across reads is answered
`-ERR Protocol error` once per piece.

It knows PING, ECHO, SET, GET, DEL, INCR and STRLEN, on an in-memory dict
per server, and answers in RESP2 like redis-server does.

    python3 resp_server_naive.py PORT
"""

import socket
import socketserver
import sys
import threading

STORE = {}
LOCK = threading.Lock()


def parse_command(data: bytes):
    """One command (an array of bulk strings) from the start of `data`."""
    if not data.startswith(b"*"):
        raise ValueError("expected '*'")
    end = data.index(b"\r\n")
    count = int(data[1:end])
    at = end + 2
    words = []
    for _ in range(count):
        if data[at : at + 1] != b"$":
            raise ValueError("expected '$'")
        end = data.index(b"\r\n", at)
        n = int(data[at + 1 : end])
        word = data[end + 2 : end + 2 + n]
        if len(word) != n or data[end + 2 + n : end + 4 + n] != b"\r\n":
            raise ValueError("short bulk string")
        words.append(word)
        at = end + 4 + n
    return words


def bulk(value):
    if value is None:
        return b"$-1\r\n"
    return b"$%d\r\n%s\r\n" % (len(value), value)


def execute(words):
    name = words[0].upper() if words else b""
    args = words[1:]
    with LOCK:
        if name == b"PING":
            return b"+PONG\r\n" if not args else bulk(args[0])
        if name == b"ECHO" and len(args) == 1:
            return bulk(args[0])
        if name == b"SET" and len(args) == 2:
            STORE[args[0]] = args[1]
            return b"+OK\r\n"
        if name == b"GET" and len(args) == 1:
            return bulk(STORE.get(args[0]))
        if name == b"DEL" and args:
            return b":%d\r\n" % sum(STORE.pop(k, None) is not None for k in args)
        if name == b"INCR" and len(args) == 1:
            n = int(STORE.get(args[0], b"0")) + 1
            STORE[args[0]] = b"%d" % n
            return b":%d\r\n" % n
        if name == b"STRLEN" and len(args) == 1:
            return b":%d\r\n" % len(STORE.get(args[0], b""))
    return b"-ERR unknown command or wrong number of arguments\r\n"


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            data = self.request.recv(1024)  # the bug: one recv() is not one command
            if not data:
                return
            try:
                reply = execute(parse_command(data))
            except (ValueError, IndexError):
                reply = b"-ERR Protocol error\r\n"
            self.request.sendall(reply)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 6379
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
