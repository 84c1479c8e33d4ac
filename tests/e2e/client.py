#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Lab clients for the end-to-end tests: real connections, many at once.

  spread URL -n N -p P      N HTTP requests, each on a new connection, P at a
                            time; prints {"be1": n, ..., "errors": k} (and
                            the errors by kind on stderr)
  hold URL --out F --stop S one keep-alive connection, a request every
                            --interval s, until file S exists; each answer
                            is a line "ok NAME" or "err WHAT" in F
  post URL SIZE             one upload of SIZE bytes; prints "<backend> <bytes>"
  udp HOST PORT -n N        N datagrams, each from a new socket; prints counts
  load URL --stop S -p P    new connections, P at a time, one request each,
                            until file S exists; prints counts as spread does
                            (and the first errors, under "error_kinds")
  conns SRC DST FIRST LAST  one connection from each source port FIRST..LAST-1
                            of SRC to DST (--dport 80), one request each;
                            prints "PORT BACKEND" a line
  holds URL -n N --stop S   N keep-alive connections, each asking every
                            --interval s until file S exists (their source
                            ports into --ports F once connected); prints
                            {"connections", "requests", "errors", "moved",
                            "ports", "broken"}: moved counts answers from
                            another backend than the connection's first,
                            broken the connections that failed a request
"""
import argparse
import http.client
import json
import os
import socket
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor


def conn_for(url, timeout, src=None):
    u = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout,
                                      source_address=(src, 0) if src else None), u.path or "/"


def one_request(url, timeout=3.0):
    c, path = conn_for(url, timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        body = r.read().decode().strip()
        return body if r.status == 200 else "status-%d" % r.status
    except Exception as e:  # a failed request is a result, not a crash
        return "error:" + type(e).__name__
    finally:
        c.close()


def spread(a):
    counts, kinds = {}, {}
    with ThreadPoolExecutor(max_workers=a.p) as ex:
        for name in ex.map(lambda _: one_request(a.url), range(a.n)):
            key = name
            if name.startswith(("error:", "status-")):
                key = "errors"
                kinds[name] = kinds.get(name, 0) + 1
            counts[key] = counts.get(key, 0) + 1
    print(json.dumps(counts, sort_keys=True))
    if kinds:  # on stderr: callers sum the counts on stdout
        print("spread: errors by kind: " + json.dumps(kinds, sort_keys=True), file=sys.stderr)


def hold(a):
    c, path = conn_for(a.url, 2.0, a.src)
    with open(a.out, "w", buffering=1) as out:
        while not os.path.exists(a.stop):
            try:
                c.request("GET", path)
                r = c.getresponse()
                out.write("ok %s\n" % r.read().decode().strip())
            except Exception as e:
                out.write("err %s\n" % type(e).__name__)
                c.close()
                c, path = conn_for(a.url, 2.0, a.src)
            time.sleep(a.interval)
    c.close()


def load(a):
    counts, kinds, lock = {}, {}, threading.Lock()

    def worker():
        while not os.path.exists(a.stop):
            name = one_request(a.url)
            if name.startswith(("error:", "status-")):
                key = "errors"
                with lock:
                    kinds[name] = kinds.get(name, 0) + 1
            else:
                key = name
            with lock:
                counts[key] = counts.get(key, 0) + 1

    with ThreadPoolExecutor(max_workers=a.p) as ex:
        for f in [ex.submit(worker) for _ in range(a.p)]:
            f.result()
    if kinds:
        counts["error_kinds"] = kinds
    print(json.dumps(counts, sort_keys=True))


def holds(a):
    conns = []
    for _ in range(a.n):
        c, path = conn_for(a.url, a.timeout)
        c.connect()
        conns.append([c, None, False])
    if a.ports:
        with open(a.ports, "w") as f:
            f.write(" ".join(str(cb[0].sock.getsockname()[1]) for cb in conns) + "\n")
    requests = errors = moved = 0
    while not os.path.exists(a.stop):
        for cb in conns:
            try:
                cb[0].request("GET", path)
                r = cb[0].getresponse()
                name = r.read().decode().strip()
                requests += 1
                if cb[1] is None:
                    cb[1] = name
                elif name != cb[1]:
                    moved += 1
            except Exception:
                errors += 1
                cb[2] = True
        time.sleep(a.interval)
    ports = []
    for cb in conns:
        try:
            ports.append(cb[0].sock.getsockname()[1])
        except (AttributeError, OSError):  # a connection that broke and was not remade
            pass
    for cb in conns:
        cb[0].close()
    print(json.dumps({"connections": len(conns), "requests": requests, "errors": errors,
                      "moved": moved, "ports": ports, "broken": sum(cb[2] for cb in conns)}))


def conns(a):
    """One connection from each source port in [first, last): "PORT BACKEND" a line."""
    for port in range(a.first, a.last):
        s = socket.socket(socket.AF_INET6 if ":" in a.src else socket.AF_INET)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a.src, port))
        s.settimeout(5)
        try:
            s.connect((a.dst, a.dport))
            s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
            data = b""
            while True:
                d = s.recv(4096)
                if not d:
                    break
                data += d
            print(port, data.split(b"\r\n\r\n", 1)[1].decode().strip(), flush=True)
        except Exception as e:  # a failed connection is a result, not a crash
            print(port, "error:" + type(e).__name__, flush=True)
        s.close()


def post(a):
    """One upload of a.size bytes; prints what the server says it received."""
    c, path = conn_for(a.url, 10.0)
    try:
        c.request("POST", path, body=b"x" * a.size,
                  headers={"Content-Type": "application/octet-stream"})
        r = c.getresponse()
        print(r.read().decode().strip())
    except Exception as e:
        print("error:" + type(e).__name__)
    finally:
        c.close()


def udp(a):
    counts = {}
    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    for _ in range(a.n):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.settimeout(1.0)
        try:
            s.sendto(b"who\n", (a.host, a.port))
            key = s.recvfrom(256)[0].decode().strip()
        except Exception:
            key = "errors"
        finally:
            s.close()
        counts[key] = counts.get(key, 0) + 1
    print(json.dumps(counts, sort_keys=True))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("spread")
    s.add_argument("url")
    s.add_argument("-n", type=int, default=100)
    s.add_argument("-p", type=int, default=16)
    h = sub.add_parser("hold")
    h.add_argument("url")
    h.add_argument("--out", required=True)
    h.add_argument("--stop", required=True)
    h.add_argument("--interval", type=float, default=0.1)
    h.add_argument("--src", help="the source address (else the route's)")
    o = sub.add_parser("post")
    o.add_argument("url")
    o.add_argument("size", type=int)
    u = sub.add_parser("udp")
    u.add_argument("host")
    u.add_argument("port", type=int)
    u.add_argument("-n", type=int, default=20)
    hs = sub.add_parser("holds")
    hs.add_argument("url")
    hs.add_argument("-n", type=int, default=50)
    hs.add_argument("--stop", required=True)
    hs.add_argument("--interval", type=float, default=0.1)
    hs.add_argument("--ports", help="write the connections' source ports here once connected")
    hs.add_argument("--timeout", type=float, default=2.0,
                    help="seconds a request may take before it counts as broken")
    cn = sub.add_parser("conns")
    cn.add_argument("src")
    cn.add_argument("dst")
    cn.add_argument("first", type=int)
    cn.add_argument("last", type=int)
    cn.add_argument("--dport", type=int, default=80)
    ld = sub.add_parser("load")
    ld.add_argument("url")
    ld.add_argument("--stop", required=True)
    ld.add_argument("-p", type=int, default=8)
    a = ap.parse_args()
    {"spread": spread, "hold": hold, "post": post, "udp": udp, "load": load, "conns": conns,
     "holds": holds}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
