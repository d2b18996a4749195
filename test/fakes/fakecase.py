"""The harness the fake Google Health API's tests share: one fake server
per test class (test/fakes/google_health.py, configured by
test/fake_data/users.json), /_fake/reset before each test, and helpers."""

import base64
import hashlib
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from urllib.parse import parse_qs, urlencode, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "google_health.py")
CONFIG = os.path.join(HERE, "..", "fake_data", "users.json")
KORYMATH = os.path.join(HERE, "..", "fixtures", "korymath")

SCOPE = "https://www.googleapis.com/auth/googlehealth."
METRICS = SCOPE + "health_metrics_and_measurements.readonly"
ACTIVITY = SCOPE + "activity_and_fitness.readonly"
SLEEP = SCOPE + "sleep.readonly"
HR = "/v4/users/me/dataTypes/heart-rate/dataPoints"
DT = "/v4/users/me/dataTypes/%s/dataPoints"


class FakeServerCase(unittest.TestCase):
    """One fake server for the whole class; /_fake/reset before each test."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="fake-gh-")
        cls.port_file = os.path.join(cls.tmp.name, "port")
        cls.pid_file = os.path.join(cls.tmp.name, "pid")
        cls.proc = subprocess.Popen(
            [sys.executable, SERVER, "--port", "0", "--port-file", cls.port_file,
             "--pid-file", cls.pid_file, "--config", CONFIG],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 10
        while not os.path.exists(cls.port_file):
            if cls.proc.poll() is not None or time.time() > deadline:
                out, err = cls.proc.communicate(timeout=5)
                raise RuntimeError("the fake did not start: %s" % err.decode())
            time.sleep(0.02)
        with open(cls.port_file) as f:
            cls.port = int(f.read())

    @classmethod
    def tearDownClass(cls):
        with open(cls.pid_file) as f:
            pid = int(f.read())
        os.kill(pid, signal.SIGTERM)
        try:
            cls.proc.wait(timeout=10)
        finally:
            cls.proc.stdout.close()
            cls.proc.stderr.close()
            cls.tmp.cleanup()
        assert cls.proc.returncode == 0, cls.proc.returncode

    def setUp(self):
        self.call("POST", "/_fake/reset")

    # ------------------------------------------------------------ helpers

    def raw(self, method, path, body=None, headers=None, timeout=30):
        """One request on a fresh connection -> (status, headers, bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp, resp.read()
        finally:
            conn.close()

    def call(self, method, path, obj=None, token=None, form=None, headers=None):
        """JSON or form request -> (status, headers, parsed JSON or bytes)."""
        headers = dict(headers or {})
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif obj is not None:
            body = json.dumps(obj)
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = "Bearer " + token
        status, resp, data = self.raw(method, path, body, headers)
        try:
            return status, resp, json.loads(data) if data else None
        except ValueError:
            return status, resp, data

    def get(self, path, token, **params):
        return self.call("GET", path + ("?" + urlencode(params) if params else ""),
                         token=token)

    def refresh(self, refresh_token, client=("test-client", "test-secret")):
        return self.call("POST", "/token", form={
            "grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": client[0], "client_secret": client[1]})

    def token(self, user):
        """An access token for a configured user (its refresh token)."""
        status, _, body = self.refresh("1//test-" + user)
        self.assertEqual(status, 200, body)
        return body["access_token"]

    def authorize(self, scopes, verifier, client_id="test-client",
                  redirect="http://127.0.0.1:9/cb", **extra):
        """GET the auth endpoint like a browser -> (status, Location params)."""
        params = {"response_type": "code", "client_id": client_id,
                  "redirect_uri": redirect, "scope": " ".join(scopes),
                  "state": "xyz-state", "access_type": "offline", "prompt": "consent",
                  "code_challenge_method": "S256",
                  "code_challenge": base64.urlsafe_b64encode(hashlib.sha256(
                      verifier.encode()).digest()).decode().rstrip("=")}
        params.update(extra)
        params = {k: v for k, v in params.items() if v is not None}
        status, resp, _ = self.raw("GET", "/o/oauth2/v2/auth?" + urlencode(params))
        location = resp.getheader("Location") or ""
        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        return status, query

    def exchange(self, code, verifier, client=("test-client", "test-secret"),
                 redirect="http://127.0.0.1:9/cb"):
        return self.call("POST", "/token", form={
            "grant_type": "authorization_code", "code": code, "code_verifier": verifier,
            "redirect_uri": redirect, "client_id": client[0], "client_secret": client[1]})

    def assertRpcError(self, status, body, code, rpc_status, reason=None):
        self.assertEqual(status, code, body)
        self.assertEqual(body["error"]["code"], code)
        self.assertEqual(body["error"]["status"], rpc_status)
        if reason:
            reasons = [d.get("reason") for d in body["error"].get("details", [])]
            self.assertIn(reason, reasons)

    def page_all(self, path, token, **params):
        """Follow nextPageToken to the end -> (points, number of pages)."""
        points, pages, params = [], 0, dict(params)
        while True:
            status, _, body = self.get(path, token, **params)
            self.assertEqual(status, 200, body)
            points += body.get("dataPoints", [])
            pages += 1
            if not body.get("nextPageToken"):
                return points, pages
            params["pageToken"] = body["nextPageToken"]

    # ------------------------------------------------- newer control calls

    def post(self, path, obj, token):
        """POST a JSON body with a bearer token -> (status, parsed JSON)."""
        status, _, body = self.call("POST", path, obj, token=token)
        return status, body

    def add_user(self, **cfg):
        """Add (or replace) a user; refresh token "1//test-<id>"."""
        cfg.setdefault("refresh_token", "1//test-" + cfg["id"])
        status, _, body = self.call("POST", "/_fake/users", cfg)
        self.assertEqual(status, 200, body)
        return body["users"][0]

    def set_clock(self, now):
        status, _, body = self.call("POST", "/_fake/clock", {"now": now})
        self.assertEqual(status, 200, body)
        return body

    def truth(self, user, first, last, **params):
        query = dict(params, user=user, **{"from": first, "to": last})
        status, _, body = self.call("GET", "/_fake/truth?" + urlencode(query))
        self.assertEqual(status, 200, body)
        return body

    def daily_rollup(self, dtype, token, first, last, **extra):
        """dailyRollUp over [first, last) (YYYY-MM-DD) -> (status, body)."""
        def civil(d):
            y, m, dd = (int(x) for x in d.split("-"))
            return {"date": {"year": y, "month": m, "day": dd}}
        body = dict({"range": {"start": civil(first), "end": civil(last)}}, **extra)
        return self.post(DT % dtype + ":dailyRollUp", body, token)

    def rollup(self, dtype, token, start, end, window, **extra):
        body = dict({"range": {"startTime": start, "endTime": end}, "windowSize": window},
                    **extra)
        return self.post(DT % dtype + ":rollUp", body, token)

    def reconcile_all(self, dtype, token, **params):
        return self.page_all(DT % dtype + ":reconcile", token, **params)[0]
