"""What the fake APIs (google_health.py, music.py) share to run as HTTP
servers on 127.0.0.1: a threading server whose tracebacks go to --log only,
the plumbing of a fake's request handler, the --config file, and the
serving loop of main() (SIGTERM and SIGINT stop it cleanly; the port and
pid files are written atomically once it listens).  Standard library only.
"""

import argparse
import json
import os
import signal
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Server(ThreadingHTTPServer):
    daemon_threads = True
    log_file = None

    def handle_error(self, request, client_address):
        """Tracebacks (and clients hanging up) go to --log only: stay quiet."""
        if self.log_file:
            self.log_file.write(traceback.format_exc())
            self.log_file.flush()


class Handler(BaseHTTPRequestHandler):
    """A fake's handler: every method goes to dispatch(method), and answers
    are JSON (encode() makes the bytes, content_type names them) unless the
    caller says otherwise."""

    protocol_version = "HTTP/1.1"
    content_type = "application/json"
    # Headers and body go out in two writes: without TCP_NODELAY the body
    # waits for the client's delayed ACK (40 ms) on a kept-alive connection,
    # which a real API does not do to its clients.
    disable_nagle_algorithm = True

    def log_line(self, line):
        """The line as --log keeps it (a fake hides its secrets here)."""
        return line

    def log_message(self, fmt, *args):
        log = self.server.log_file
        if log:
            log.write("%s %s\n" % (time.strftime("%H:%M:%S"), self.log_line(fmt % args)))
            log.flush()

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def encode(self, obj):
        return json.dumps(obj).encode()

    def send(self, status, payload, headers=None, ctype=None):
        """Send a complete answer; payload is bytes or a JSON-able object.
        Returns the length of the body."""
        if not isinstance(payload, (bytes, bytearray)):
            payload = self.encode(payload)
        self.send_response(status)
        self.send_header("Content-Type", ctype or self.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(payload)
        return len(payload)


def arguments(description):
    """main()'s parser with the options every fake takes."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--pid-file")
    ap.add_argument("--config")
    ap.add_argument("--log")
    return ap


def read_config(path):
    """The --config file: an object, or a bare list of users."""
    if not path:
        return {}
    with open(path) as f:
        cfg = json.load(f)
    if isinstance(cfg, list):
        cfg = {"users": cfg}
    return cfg


def write_atomically(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def serve(server, port_file=None, pid_file=None):
    """Serve until SIGTERM or SIGINT; returns main()'s exit status (0)."""
    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if pid_file:
        write_atomically(pid_file, "%d\n" % os.getpid())
    if port_file:
        write_atomically(port_file, "%d\n" % server.server_address[1])
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        if pid_file and os.path.exists(pid_file):
            os.unlink(pid_file)
    return 0
