"""The HTTP server: one handler for the API, OAuth and control calls, with
the fault switches applied on the way out."""

import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import serving
from serving import Server  # noqa: F401  (the fake's server, for google_health.py)

from .api import api_request
from .common import ApiError, OAuthError, bad_request, rate_error
from .control import control
from .oauth import authorize, revoke_endpoint, token_endpoint
from .state import PAGING_FAULTS

DTYPE_RE = re.compile(r"/dataTypes/([^/:]+)")


def valid_json(body):
    try:
        json.loads(body)
        return True
    except ValueError:
        return False


TOKEN_TAIL_RE = re.compile(rb'(,?)"nextPageToken":"[^"\\]*"\}$')


def mutate_paging(status, payload, kind, query, counter):
    """A page that never lets paging end: endless_pages answers with a new
    nextPageToken every time, same_page_token with the one it was asked
    for.  A request that carries such a token (which the fake would refuse)
    gets an empty page that asks for more.  The page's own token (always
    its last member) is replaced on the JSON text."""
    asked = query.get("pageToken", query.get("page_token", ""))
    if kind == "endless_pages":
        # a quote and a backslash: a client must escape the token it sends
        # back in a JSON body
        token = 'fake-endless-%d"\\' % counter
    else:
        token = asked or "fake-same"
    member = b'"nextPageToken":' + json.dumps(token).encode()
    if status != 200 or not (payload.startswith(b"{") and payload.endswith(b"}")):
        return b"{" + member + b"}"
    m = TOKEN_TAIL_RE.search(payload)
    if m:
        return payload[:m.start()] + m.group(1) + member + b"}"
    return payload[:-1] + (b"," if payload != b"{}" else b"") + member + b"}"


INT64_VALUE_RE = re.compile(rb':"(-?\d+)"')
FIRST_VALUE_RE = re.compile(rb'"(beatsPerMinute|averageHeartRateBeatsPerMinute|count)":"[^"]*"')


def mutate_json(payload, kind):
    """wrong_types: int64 strings become JSON numbers; out_of_range: the
    first data point gets a bpm of 400 (a steps count of -40).  Done on the
    compact JSON text, so that a big page costs milliseconds."""
    if not payload.startswith(b"{"):      # the fake's own answers are JSON objects
        return payload
    if kind == "wrong_types":
        return INT64_VALUE_RE.sub(rb":\1", payload)

    def bad(m):
        return b'"%s":"%s"' % (m.group(1), b"-40" if m.group(1) == b"count" else b"400")
    return FIRST_VALUE_RE.sub(bad, payload, count=1)


class Handler(serving.Handler):
    timeout = 60
    content_type = "application/json; charset=UTF-8"

    def version_string(self):
        return "ESF"     # the Server header Google's front end sends

    def encode(self, obj):
        return json.dumps(obj, separators=(",", ":")).encode()

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def dispatch(self, method):
        state = self.server.state
        parts = urlsplit(self.path)
        path = parts.path
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        body = self.read_body()
        if path.startswith("/_fake/"):
            try:
                status, obj = control(state, method, path, body, parts.query)
            except Exception:     # a bug in the fake: say so, log the traceback
                self.server.handle_error(self.request, self.client_address)
                status, obj = 500, {"error": "internal error (see --log)"}
            self.send(status, obj)
            return
        auth = self.headers.get("Authorization")
        m = DTYPE_RE.search(path)
        dtype, user = m.group(1) if m else None, state.user_of(auth)
        entry = {"method": method, "path": path, "query": parts.query,
                 "status": 0, "bytes": 0, "user": user, "data_type": dtype}
        fault = state.take_fault(method, path, dtype, user)
        kind = fault.get("body") if fault else None
        paging = False
        if fault and fault.get("delay_ms"):
            time.sleep(fault["delay_ms"] / 1000.0)
        if kind == "close":
            self.close_connection = True
            state.record(entry, None)
            return
        if fault and fault.get("status"):
            err = ApiError(fault["status"])
            if err.code in (429, 503):
                err.headers["Retry-After"] = str(fault.get("retry_after", 1))
            if err.code == 429:
                err = rate_error(fault.get("retry_after", 1))
            status, payload, headers = err.code, err.body(), err.headers
        else:
            status, payload, headers = self.route(state, method, path, query, body, auth)
            uid = headers.pop("X-Fake-User", None)    # internal, never sent
            user = entry["user"] = user or uid
        if not isinstance(payload, bytes):
            payload = json.dumps(payload, separators=(",", ":")).encode()
        if kind in PAGING_FAULTS and method == "POST" and not valid_json(body):
            status, headers, kind = 400, {}, None
            payload = json.dumps(bad_request("Invalid JSON payload received.").body()).encode()
        elif kind in PAGING_FAULTS:
            state.paging_faults = getattr(state, "paging_faults", 0) + 1
            payload = mutate_paging(status, payload, kind, query, state.paging_faults)
            status, headers = 200, {}
            kind, paging = None, True    # an intact answer, as the client sees it
        elif kind in ("wrong_types", "out_of_range"):
            payload = mutate_json(payload, kind)
        elif kind == "malformed":
            payload = b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"
        elif kind == "cut_json":
            payload = payload[:max(1, len(payload) // 2)]
        full = len(payload)
        if kind == "truncated":
            payload = payload[:full // 2]
        elif kind == "oversized":
            full = max(full, int(fault.get("size", 64 << 20)))
        # Counted before sending, so that a client reading /_fake/stats right
        # after its answer sees it.
        page = (status == 200 and not kind and not paging and "/dataPoints" in path
                and (user, method, path, tuple(sorted(query.items())), body))
        entry["status"] = status
        entry["bytes"] = len(payload) if kind == "truncated" else full
        state.record(entry, page or None)
        if kind in ("truncated", "oversized"):
            self.send_partial(status, payload, headers, full, kind == "oversized")
        else:
            self.send(status, payload, headers)

    def route(self, state, method, path, query, body, auth):
        """The real answer: (status, JSON object or bytes, headers)."""
        try:
            if path.startswith("/v4/"):
                status, obj, uid = api_request(state, method, path, query, body, auth)
                return status, obj, {"X-Fake-User": uid}
            if path == "/token" and method == "POST":
                return 200, token_endpoint(state, body, self.headers), {
                    "Cache-Control": "no-cache, no-store, max-age=0, must-revalidate",
                    "Pragma": "no-cache"}
            if path == "/revoke" and method == "POST":
                return 200, revoke_endpoint(state, body, query), {}
            if path == "/o/oauth2/v2/auth" and method == "GET":
                return 302, b"", {"Location": authorize(state, query)}
            raise ApiError(404, "Not found: %s %s" % (method, path))
        except ApiError as e:
            return e.code, e.body(), e.headers
        except OAuthError as e:
            return e.code, {"error": e.error, "error_description": e.description}, {}
        except Exception:     # a bug here: answer like Google's front end would
            self.server.handle_error(self.request, self.client_address)
            return 500, ApiError(500).body(), {}

    def send_partial(self, status, payload, headers, length, pad):
        """Announce length bytes, send payload and close (truncated), or with
        pad, fill up to length with spaces after the opening brace (oversized)."""
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(length))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        try:
            pad = length - len(payload) if pad else 0
            if pad:     # whitespace keeps the JSON valid
                self.wfile.write(payload[:1])
                payload, chunk = payload[1:], b" " * 65536
                while pad > 0:
                    pad -= self.wfile.write(chunk[:min(65536, pad)])
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            pass
        self.close_connection = True
