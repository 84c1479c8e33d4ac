#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
What a careless or hostile client does to xlbd's metrics endpoint, each case
as one command that prints one JSON object (tests/e2e/observe.sh):

  metrics_abuse.py HOST PORT long-header   a 1 MiB header line, no line end
  metrics_abuse.py HOST PORT huge-body     Content-Length: 4 GiB, 1 MiB sent
  metrics_abuse.py HOST PORT slow N        N connections, one byte a second each
  metrics_abuse.py HOST PORT idle N        N connections that send nothing
  metrics_abuse.py HOST PORT hold N SECS   N connections held open, idle, SECS

"closed_after" is how long the server took to close, "status" its answer.
"""
import json
import socket
import sys
import time

host, port, case = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def connect():
    s = socket.create_connection((host, port), timeout=30)
    return s


def until_closed(s, t0, limit=30.0):
    """Read until the server closes (or limit): (seconds, first line)."""
    data = b""
    s.settimeout(limit)
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except (ConnectionResetError, BrokenPipeError):
        pass
    except socket.timeout:
        return None, data.split(b"\r\n", 1)[0].decode(errors="replace")
    return round(time.monotonic() - t0, 2), data.split(b"\r\n", 1)[0].decode(errors="replace")


def send_all(s, data):
    try:
        s.sendall(data)
        return True
    except (ConnectionResetError, BrokenPipeError):
        return False


if case == "long-header":
    s = connect()
    t0 = time.monotonic()
    sent = 0
    chunk = b"GET /metrics HTTP/1.1\r\nX-Long: " + b"a" * 65536
    while sent < (1 << 20) and send_all(s, chunk):
        sent += len(chunk)
        chunk = b"a" * 65536
    closed, status = until_closed(s, t0)
    print(json.dumps({"sent": sent, "closed_after": closed, "status": status}))
elif case == "huge-body":
    s = connect()
    t0 = time.monotonic()
    send_all(s, b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 4294967296\r\n\r\n")
    sent = 0
    while sent < (1 << 20) and send_all(s, b"b" * 65536):
        sent += 65536
    closed, status = until_closed(s, t0)
    print(json.dumps({"sent": sent, "closed_after": closed, "status": status}))
elif case in ("slow", "idle"):
    n = int(sys.argv[4])
    socks = [connect() for _ in range(n)]
    t0 = time.monotonic()
    req = b"GET /metrics HTTP/1.1\r\nHost: x\r\n"
    open_ = set(range(n))
    closed_at = {}
    for s in socks:
        s.setblocking(False)
    i = 0
    while open_ and time.monotonic() - t0 < 30:
        for k in list(open_):
            s = socks[k]
            try:
                if s.recv(4096) == b"":
                    open_.discard(k)
                    closed_at[k] = time.monotonic() - t0
                    continue
            except BlockingIOError:
                pass
            except ConnectionResetError:
                open_.discard(k)
                closed_at[k] = time.monotonic() - t0
                continue
            if case == "slow" and i < len(req):
                try:
                    s.send(req[i:i + 1])
                except OSError:
                    pass
        i += 1
        time.sleep(1 if case == "slow" else 0.2)
    print(json.dumps({"connections": n, "still_open": len(open_),
                      "closed_after_max": round(max(closed_at.values()), 2) if closed_at else None}))
elif case == "hold":
    n, secs = int(sys.argv[4]), float(sys.argv[5])
    socks = [connect() for _ in range(n)]
    print(json.dumps({"held": n}), flush=True)
    time.sleep(secs)
else:
    sys.exit("unknown case " + case)
