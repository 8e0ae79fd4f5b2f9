#!/usr/bin/env python3
"""Starts nginx for framelab's examples: ../nginx/nginx.conf with the port
filled in, a temporary prefix under the system's temp folder, and as root
a copy of ../http-root plus big.txt (100 KiB, generated). nginx replaces
this process (exec), so killing it kills nginx. Prefixes left by nginx
processes that are gone are removed at the next start.

    python3 nginx_server.py PORT
"""

import glob
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TAG = "framelab-nginx-"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale():
    for d in glob.glob(os.path.join(tempfile.gettempdir(), TAG + "*")):
        try:
            pid = int(d.rsplit("-", 1)[1])
        except ValueError:
            continue
        if not alive(pid):
            shutil.rmtree(d, ignore_errors=True)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    clean_stale()
    prefix = os.path.join(tempfile.gettempdir(), "%s%d" % (TAG, os.getpid()))
    os.makedirs(prefix, exist_ok=True)
    root = os.path.join(prefix, "root")
    shutil.copytree(os.path.join(HERE, "..", "http-root"), root, dirs_exist_ok=True)
    line = b"framelab big value 0123456789abcdefghijklmnopqrstuvwxyz\n"  # 56 bytes
    big = (line * (102400 // len(line) + 1))[:102400]
    with open(os.path.join(root, "big.txt"), "wb") as f:
        f.write(big)
    with open(os.path.join(HERE, "..", "nginx", "nginx.conf")) as f:
        conf = f.read()
    conf = conf.replace("{port}", str(port)).replace("{prefix}", prefix).replace("{root}", root)
    path = os.path.join(prefix, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    os.execv(nginx, [nginx, "-p", prefix, "-c", path, "-e", "stderr"])


if __name__ == "__main__":
    main()
