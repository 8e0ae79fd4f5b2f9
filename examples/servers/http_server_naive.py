#!/usr/bin/env python3
"""A naive HTTP/1.1 server: it assumes the whole request (head and body)
arrives in one recv(65536). Two pipelined requests in one read get one
response (the second is dropped); a request cut across reads is answered
`400 Bad Request` once per piece.

It serves GET and HEAD of /hello.txt ("hello\\n") and answers anything
else 404, keeping the connection open like any HTTP/1.1 server.

    python3 http_server_naive.py PORT
"""

import socket
import socketserver
import sys

FILES = {b"/hello.txt": b"hello\n"}


def response(status: bytes, body: bytes, head_only: bool) -> bytes:
    head = b"HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % (status, len(body))
    return head if head_only else head + body


def answer(data: bytes) -> bytes:
    head, sep, _body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    words = lines[0].split(b" ")
    if not sep or len(words) != 3 or not words[2].startswith(b"HTTP/1."):
        return response(b"400 Bad Request", b"bad request\n", False)
    method, path = words[0], words[1]
    if method not in (b"GET", b"HEAD"):
        return response(b"405 Method Not Allowed", b"", False)
    if path not in FILES:
        return response(b"404 Not Found", b"not found\n", method == b"HEAD")
    return response(b"200 OK", FILES[path], method == b"HEAD")


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            data = self.request.recv(65536)  # the bug: one recv() is not one request
            if not data:
                return
            self.request.sendall(answer(data))


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
