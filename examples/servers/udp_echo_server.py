#!/usr/bin/env python3
"""A UDP echo server with recvfrom(1024): a longer datagram is cut to its
first 1024 bytes (the rest is discarded by the kernel), and that is what
comes back. framelab judges it `truncated`.

    python3 udp_echo_server.py PORT
"""

import socket
import sys

if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    while True:
        data, peer = s.recvfrom(1024)  # the bug: a datagram over 1024 bytes is cut
        s.sendto(data, peer)
