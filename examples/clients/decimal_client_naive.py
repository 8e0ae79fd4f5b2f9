#!/usr/bin/env python3
"""A naive client for the length-as-text tutorial's first protocol (bug B7): the server sends
str(len(data)) and then the data, with nothing between them. This client
reads the length with one recv(1024) and the data with one recv(n). On a
quiet machine the length arrives alone and it works; when the length and
the data arrive together, int() fails on "5hello".

There is no correct client for this protocol in general (where does
"12" end if the data starts with "3"?): the fix is a fixed-width header,
as lp_client.py reads.

    python3 decimal_client_naive.py HOST:PORT
"""

import socket
import sys

READ_CAP = 1 << 20  # only so that a misread length cannot allocate gigabytes


def connect(addr: str) -> socket.socket:
    host, port = addr.rsplit(":", 1)
    return socket.create_connection((host.strip("[]"), int(port)), timeout=5)


if __name__ == "__main__":
    sock = connect(sys.argv[1])
    while True:
        head = sock.recv(1024)  # the bug: the length may come with the data
        if not head:
            break
        length = int(head)  # ValueError: invalid literal for int() with base 10: b'5hello'
        data = sock.recv(min(length, READ_CAP))  # and may be short
        print(data.decode("utf-8", "replace"))
