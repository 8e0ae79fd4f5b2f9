#!/usr/bin/env python3
"""A naive MQTT 3.1.1 broker, as tutorials write one: it reads each fixed
header with one recv(2), the packet type and a one-byte remaining length,
then the rest with one recv(n). Two bugs: a remaining length of 128 or more
takes two to four bytes (a varint), and recv() may return fewer bytes than
asked. A PUBLISH with 200 bytes of payload puts it out of step.

It answers CONNECT with CONNACK, PINGREQ with PINGRESP and a QoS 1 PUBLISH
with PUBACK (its packet id); it drops what it publishes.

    python3 mqtt_server_naive.py PORT
"""

import socket
import socketserver
import sys

CONNECT, PUBLISH, PINGREQ, DISCONNECT = 1, 3, 12, 14


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            header = self.request.recv(2)  # the bug: the remaining length may be longer, and recv may return 1
            if not header:
                return
            ptype, flags, remaining = header[0] >> 4, header[0] & 0x0F, header[-1]
            body = self.request.recv(remaining) if remaining else b""  # the bug again
            if ptype == CONNECT:
                self.request.sendall(b"\x20\x02\x00\x00")
            elif ptype == PINGREQ:
                self.request.sendall(b"\xd0\x00")
            elif ptype == PUBLISH and (flags >> 1) & 3 == 1:
                topic_len = int.from_bytes(body[:2], "big")
                packet_id = body[2 + topic_len : 4 + topic_len]
                self.request.sendall(b"\x40\x02" + packet_id)
            elif ptype == DISCONNECT:
                return


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 1883
    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
