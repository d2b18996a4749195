#!/usr/bin/env python3
"""A small loopback HTTP(S) server for exercising src/http.c.

Endpoints (any method unless noted):
  /ok                 200, JSON body, Content-Type and ETag
  /status/<code>      that status with a short body
  /ratelimit          429 with Retry-After: 3
  /ratelimit-date     429 with Retry-After as an HTTP date 120 s ahead
  /retry-after?v=X    503 with Retry-After: X (X taken verbatim, URL-decoded)
  /delay/<ms>         waits, then 200
  /bytes/<n>          200 with n bytes of 'x'
  /gzip/<n>           200, n bytes of JSON-ish text sent gzip-encoded when the
                      client accepts gzip; X-Encoded-Length gives the wire size
  /truncated          Content-Length: 1000, sends 100 bytes and closes
  /nothing            closes the connection without a response
  /echo               200, JSON with method, headers and the request body
  /redirect           302 to /ok
  /query?...          200, echoes nothing (for URLs that carry secrets)

Usage: http_server_for_tests.py --port N [--tls-port M --cert F --key F]
Prints "ready" on stdout once listening.
"""

import argparse
import email.utils
import gzip
import json
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _send(self, code, body=b"", ctype="text/plain", extra=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _handle(self):
        path = self.path.split("?", 1)[0]
        parts = [p for p in path.split("/") if p]
        head = parts[0] if parts else ""
        arg = parts[1] if len(parts) > 1 else None

        if head == "ok":
            self._send(200, b'{"ok": true}', "application/json",
                       {"ETag": '"v1-abc"'})
        elif head == "status":
            code = int(arg)
            self._send(code, ("status %d" % code).encode())
        elif head == "ratelimit":
            self._send(429, b"slow down", extra={"Retry-After": "3"})
        elif head == "ratelimit-date":
            when = email.utils.formatdate(time.time() + 120, usegmt=True)
            self._send(429, b"slow down", extra={"Retry-After": when})
        elif head == "retry-after":
            query = urllib.parse.parse_qs(self.path.partition("?")[2])
            value = query.get("v", [""])[0]
            self._send(503, b"unavailable", extra={"Retry-After": value})
        elif head == "delay":
            deadline = time.time() + int(arg) / 1000.0
            while time.time() < deadline:
                time.sleep(0.05)
            self._send(200, b"late")
        elif head == "bytes":
            self._send(200, b"x" * int(arg))
        elif head == "gzip":
            n = int(arg)
            unit = b'{"time":"00:00:00","value":72},'
            raw = (unit * (n // len(unit) + 1))[:n]
            if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                enc = gzip.compress(raw)
                self._send(200, enc, "application/json",
                           {"Content-Encoding": "gzip",
                            "X-Encoded-Length": str(len(enc))})
            else:
                self._send(200, raw, "application/json")
        elif head == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"y" * 100)
            self.wfile.flush()
            self.close_connection = True
        elif head == "nothing":
            self.close_connection = True
        elif head == "echo":
            body = self._read_body()
            out = {
                "method": self.command,
                "headers": {k: v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
            }
            self._send(200, json.dumps(out, sort_keys=True).encode(),
                       "application/json")
        elif head == "redirect":
            self._send(302, b"", extra={"Location": "/ok"})
        elif head == "query":
            self._send(200, b"query")
        else:
            self._send(404, b"no such endpoint")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle


def serve(server):
    try:
        server.serve_forever()
    except Exception:
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--tls-port", type=int)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    args = ap.parse_args()

    ThreadingHTTPServer.daemon_threads = True
    servers = [ThreadingHTTPServer(("127.0.0.1", args.port), Handler)]
    if args.tls_port:
        tls = ThreadingHTTPServer(("127.0.0.1", args.tls_port), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
        servers.append(tls)

    threads = [threading.Thread(target=serve, args=(s,), daemon=True)
               for s in servers]
    for t in threads:
        t.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        for s in servers:
            s.shutdown()


if __name__ == "__main__":
    sys.exit(main())
