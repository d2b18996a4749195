#!/usr/bin/python3
"""Local receivers of Tracker's notifications, for test/t/015_notify.pl.
Standard library only.

  notify_receivers.py webhook --port 0 --port-file F --log L --record R
      An HTTP server that records every POST (path, headers, body, the
      status it answered) as a JSON line in R.  POST /_status with
      {"status": 500} makes it answer that status from then on.

  notify_receivers.py smtp --port 0 --port-file F --log L --record R
      --cert C --key K --user U --password P
      An SMTP server (EHLO, STARTTLS with the certificate given, AUTH PLAIN
      and LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT) that records every
      message as a JSON line in R, with whether it came over TLS and who
      logged in.  It refuses AUTH and MAIL before STARTTLS.

Both stop cleanly on SIGTERM (serving.serve) and write their port file
once they listen.
"""

import base64
import json
import os
import socketserver
import ssl
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serving  # noqa: E402

lock = threading.Lock()


def record(path, obj):
    with lock:
        with open(path, "a") as f:
            f.write(json.dumps(obj) + "\n")


class WebhookHandler(serving.Handler):
    def dispatch(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if method == "POST" and self.path == "/_status":
            self.server.status = json.loads(body)["status"]
            self.send(200, {"status": self.server.status})
            return
        status = self.server.status
        record(self.server.record, {
            "method": method, "path": self.path,
            "headers": dict(self.headers.items()),
            "body": body.decode("utf-8", "replace"), "status": status})
        self.send(status, {"ok": status < 300})


class SmtpHandler(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def line(self):
        data = self.rfile.readline(65536)
        if not data:
            raise EOFError
        return data.decode("utf-8", "replace").rstrip("\r\n")

    def handle(self):
        self.tls = False
        self.user = None
        self.reset()
        self.reply("220 fake.smtp ESMTP ready")
        try:
            while True:
                if not self.command(self.line()):
                    return
        except (EOFError, ConnectionError, ssl.SSLError, OSError):
            return

    def reset(self):
        self.sender = None
        self.rcpt = []

    def command(self, text):
        verb = text.split(" ", 1)[0].upper()
        arg = text[len(verb):].strip()
        srv = self.server
        if verb in ("EHLO", "HELO"):
            self.reset()
            lines = ["fake.smtp", "8BITMIME"]
            if not self.tls:
                lines.append("STARTTLS")
            lines.append("AUTH PLAIN LOGIN")
            for l in lines[:-1]:
                self.reply("250-" + l)
            self.reply("250 " + lines[-1])
        elif verb == "STARTTLS" and not self.tls:
            self.reply("220 ready to start TLS")
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(srv.cert, srv.key)
            self.connection = ctx.wrap_socket(self.connection, server_side=True)
            self.rfile = self.connection.makefile("rb")
            self.wfile = self.connection.makefile("wb")
            self.tls = True
            self.reset()
        elif verb == "AUTH":
            if not self.tls:
                self.reply("530 5.7.0 must issue a STARTTLS command first")
                return True
            parts = arg.split(" ", 1)
            mech = parts[0].upper()
            if mech == "PLAIN":
                blob = parts[1] if len(parts) > 1 else None
                if blob is None:
                    self.reply("334 ")
                    blob = self.line()
                _, user, password = base64.b64decode(blob).decode().split("\0")
            elif mech == "LOGIN":
                if len(parts) > 1:
                    user = base64.b64decode(parts[1]).decode()
                else:
                    self.reply("334 VXNlcm5hbWU6")
                    user = base64.b64decode(self.line()).decode()
                self.reply("334 UGFzc3dvcmQ6")
                password = base64.b64decode(self.line()).decode()
            else:
                self.reply("504 5.5.4 unrecognized authentication type")
                return True
            if user == srv.user and password == srv.password:
                self.user = user
                self.reply("235 2.7.0 authentication successful")
            else:
                self.reply("535 5.7.8 authentication credentials invalid")
        elif verb == "MAIL":
            if not self.tls or (srv.user and not self.user):
                self.reply("530 5.7.0 authentication required")
                return True
            self.sender = arg.split(":", 1)[1].strip()
            self.reply("250 2.1.0 ok")
        elif verb == "RCPT":
            self.rcpt.append(arg.split(":", 1)[1].strip())
            self.reply("250 2.1.5 ok")
        elif verb == "DATA":
            if not self.sender or not self.rcpt:
                self.reply("503 5.5.1 need MAIL and RCPT first")
                return True
            self.reply("354 end data with <CR><LF>.<CR><LF>")
            lines = []
            while True:
                l = self.line()
                if l == ".":
                    break
                lines.append(l[1:] if l.startswith("..") else l)
            record(srv.record, {"from": self.sender, "to": self.rcpt,
                                "tls": self.tls, "user": self.user,
                                "data": "\n".join(lines)})
            self.reset()
            self.reply("250 2.0.0 queued")
        elif verb == "RSET":
            self.reset()
            self.reply("250 2.0.0 ok")
        elif verb == "NOOP":
            self.reply("250 2.0.0 ok")
        elif verb == "QUIT":
            self.reply("221 2.0.0 bye")
            return False
        else:
            self.reply("502 5.5.2 command not implemented")
        return True


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = serving.arguments("Receivers of Tracker's notifications")
    ap.add_argument("kind", choices=["webhook", "smtp"])
    ap.add_argument("--record", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--user")
    ap.add_argument("--password")
    args = ap.parse_args()
    if args.kind == "webhook":
        server = serving.Server(("127.0.0.1", args.port), WebhookHandler)
        server.status = 200
    else:
        server = SmtpServer(("127.0.0.1", args.port), SmtpHandler)
        server.cert, server.key = args.cert, args.key
        server.user, server.password = args.user, args.password
    server.record = args.record
    if args.log:
        server.log_file = open(args.log, "a")
    return serving.serve(server, args.port_file, args.pid_file)


if __name__ == "__main__":
    sys.exit(main())
