#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A service manager's notify socket, for tests: what xlbd sends there.

notify_listen.py SOCKET OUT [--on-ready CMD]

Binds the datagram socket SOCKET (as systemd's NOTIFY_SOCKET) and writes
every line of every message to OUT as "SECONDS LINE" (seconds since start,
monotonic). On the first READY=1, runs CMD at once with the shell and writes
"SECONDS on-ready rc=N OUTPUT", so a test sees what held at that moment.
Runs until killed.
"""
import argparse
import os
import socket
import subprocess
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("out")
    ap.add_argument("--on-ready")
    a = ap.parse_args()
    try:
        os.unlink(a.socket)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(a.socket)
    t0 = time.monotonic()
    ready = False
    with open(a.out, "a", buffering=1) as out:
        out.write("0.000 listening\n")
        while True:
            msg = s.recv(4096).decode(errors="replace")
            t = time.monotonic() - t0
            for line in msg.splitlines():
                out.write("%.3f %s\n" % (t, line))
                if line == "READY=1" and not ready and a.on_ready:
                    ready = True
                    p = subprocess.run(a.on_ready, shell=True, capture_output=True,
                                       text=True)
                    first = (p.stdout.strip().splitlines() or [""])[0]
                    out.write("%.3f on-ready rc=%d %s\n"
                              % (time.monotonic() - t0, p.returncode, first))


if __name__ == "__main__":
    main()
