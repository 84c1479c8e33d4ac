#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A lab backend: answers with its own name over HTTP (TCP) and UDP.

HTTP on the given ports (HTTP/1.1, keep-alive): GET /  ->  "<name>\n";
POST / -> "<name> <bytes received>\n". With --tls-port, the same over HTTPS.
GET /healthz answers 200 "ok", or the status written in the file given by
--health-file (e.g. "500"), so tests can make a backend unhealthy without
stopping it. UDP on --udp-port: any datagram is answered with "<name>\n".
"""
import argparse
import os
import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--port", type=int, action="append", default=[])
    ap.add_argument("--udp-port", type=int, default=53)
    ap.add_argument("--health-file")
    ap.add_argument("--pid-file")
    ap.add_argument("--tls-port", type=int)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    a = ap.parse_args()
    if a.pid_file:
        with open(a.pid_file, "w") as f:
            f.write("%d\n" % os.getpid())
    name = a.name.encode() + b"\n"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            status, body = 200, name
            if self.path.startswith("/healthz"):
                body = b"ok\n"
                if a.health_file and os.path.exists(a.health_file):
                    with open(a.health_file) as f:
                        status = int(f.read().strip() or 500)
                    body = b"unhealthy\n"
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            # an upload: read it all, answer with the name and what arrived
            n = int(self.headers.get("Content-Length", 0))
            got = 0
            while got < n:
                chunk = self.rfile.read(min(65536, n - got))
                if not chunk:
                    break
                got += len(chunk)
            body = b"%s %d\n" % (name.strip(), got)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Server6(ThreadingHTTPServer):
        address_family = socket.AF_INET6
        daemon_threads = True
        # socketserver's default backlog is 5: tests open 32 and more
        # connections at once, and a full accept queue drops handshakes
        # that then time out on a busy machine
        request_queue_size = 1024

        def server_bind(self):
            # one socket for IPv4 and IPv6
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            super().server_bind()

    servers = [Server6(("::", p), Handler) for p in (a.port or [80])]
    if a.tls_port:
        # HTTPS with the lab's self-signed certificate (for https checks)
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        tls = Server6(("::", a.tls_port), Handler)
        tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
        servers.append(tls)

    class Udp(socketserver.BaseRequestHandler):
        def handle(self):
            data, sock = self.request
            sock.sendto(name, self.client_address)

    class UdpServer6(socketserver.ThreadingUDPServer):
        address_family = socket.AF_INET6
        daemon_threads = True

        def server_bind(self):
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            super().server_bind()

    udp = UdpServer6(("::", a.udp_port), Udp)
    for s in servers[1:] + [udp]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
