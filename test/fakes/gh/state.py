"""All mutable server state: users, clients, tokens, clock, faults, stats."""

import collections
import json
import math
import re
import secrets
import threading
import time

from .common import ApiError, error_info, local_day, rate_error
from .users import LRU, User

FAULT_STATUSES = (400, 401, 403, 404, 429, 500, 502, 503, 504)
FAULT_BODIES = ("malformed", "truncated", "cut_json", "wrong_types",
                "out_of_range", "oversized", "close", "endless_pages",
                "same_page_token")
PAGING_FAULTS = ("endless_pages", "same_page_token")


class State:
    """All mutable server state; every method runs under self.lock."""

    def __init__(self, config, base_dir, user_rate):
        self.config, self.base_dir, self.user_rate = config, base_dir, user_rate
        self.lock = threading.RLock()
        self.cache = LRU(32)   # days with samples (6 users x 5 days fit)
        self.reset()

    def reset(self):
        with self.lock:
            self.users, self.clients = {}, {}
            self.refresh = {}    # refresh token -> {user, scopes, client, revoked}
            self.access = {}     # access token -> {user, scopes, expires, refresh}
            self.codes = {}      # auth code -> details of the authorization
            self.consent = None  # {user, scopes?, deny?} for the auth endpoint
            self.faults = []
            self.windows = {}    # user -> deque of request times (rate limit)
            self.sim_now = None  # simulated clock (epoch) or None: real time
            self.answers = LRU(8)    # the latest data answers (see api.answered)
            self.add_client({"client_id": "test-client",
                             "client_secret": "test-secret"})
            for c in self.config.get("clients", []):
                self.add_client(c)
            for u in self.config.get("users", []):
                self.add_user(u, self.base_dir)
            if self.config.get("consent"):
                self.consent = {"user": self.config["consent"]}
            self.reset_stats()

    # -------------------------------------------------------------- clock

    def now(self):
        """The clock data visibility follows (simulated, or real time)."""
        return self.sim_now if self.sim_now is not None else time.time()

    def horizon(self, user):
        """The user's upload horizon now (None: everything is served)."""
        return user.horizon(self.now(), self.sim_now is not None)

    # ------------------------------------------------------- users, tokens

    def reset_stats(self):
        with self.lock:
            self.stats = {"total": 0, "by_data_type": {}, "by_status": {},
                          "by_user": {}, "by_user_type": {}, "by_user_day": {},
                          "requests": []}
            self.page_counts = {}

    def add_client(self, c):
        if not c.get("client_id") or not c.get("client_secret"):
            raise ValueError("a client needs client_id and client_secret")
        with self.lock:
            self.clients[c["client_id"]] = dict(c)

    def add_user(self, cfg, base_dir):
        user = User(cfg, base_dir, self.cache)
        with self.lock:
            if user.id in self.users:   # a replaced user loses its tokens
                self.refresh = {k: v for k, v in self.refresh.items() if v["user"] != user.id}
                self.access = {k: v for k, v in self.access.items() if v["user"] != user.id}
            self.users[user.id] = user
            if user.refresh_token:
                self.refresh[user.refresh_token] = {
                    "user": user.id, "scopes": list(user.scopes),
                    "client": None, "revoked": False}
        return user

    def new_access_token(self, user_id, scopes, refresh):
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        lifetime = self.users[user_id].expires_in
        self.access[token] = {"user": user_id, "scopes": list(scopes),
                              "expires": time.time() + lifetime,
                              "refresh": refresh}
        return token, lifetime

    def authenticate(self, header):
        """Bearer header -> (user, granted scopes); 401 ApiError otherwise.

        The scopes are the token's, less any the user has taken back since."""
        www = 'Bearer realm="https://accounts.google.com/"'
        if not header or not header.startswith("Bearer "):
            raise ApiError(401, "Request is missing required authentication "
                           "credential. Expected OAuth 2 access token, login "
                           "cookie or other valid authentication credential.",
                           [error_info("CREDENTIALS_MISSING",
                                       service="health.googleapis.com")],
                           {"WWW-Authenticate": www})
        with self.lock:
            grant = self.access.get(header[7:].strip())
            if grant is None or grant["user"] not in self.users:
                raise ApiError(401, headers={
                    "WWW-Authenticate": www + ', error="invalid_token"'})
            if time.time() >= grant["expires"]:
                raise ApiError(401, details=[error_info(
                    "ACCESS_TOKEN_EXPIRED", service="health.googleapis.com")],
                    headers={"WWW-Authenticate": www + ', error="invalid_token"'})
            user = self.users[grant["user"]]
            return user, [s for s in grant["scopes"] if s in user.scopes]

    def user_of(self, header):
        """The user behind a bearer header, or None (no errors)."""
        with self.lock:
            grant = self.access.get((header or "")[7:].strip())
            return grant["user"] if grant else None

    def revoke_refresh(self, token):
        """Revoke a refresh token and every access token minted from it."""
        with self.lock:
            if token in self.refresh:
                self.refresh[token]["revoked"] = True
            self.access = {k: v for k, v in self.access.items() if v["refresh"] != token}

    def rate_check(self, user):
        """Per-user sliding one-minute window (real time); 429 with
        Retry-After when full."""
        limit = user.rate_limit if user.rate_limit is not None else self.user_rate
        now = time.time()
        with self.lock:
            win = self.windows.setdefault(user.id, collections.deque())
            while win and win[0] <= now - 60:
                win.popleft()
            if limit and len(win) >= limit:
                raise rate_error(max(1, math.ceil(win[0] + 60 - now)), limit)
            win.append(now)

    # ------------------------------------------------------------- faults

    def add_faults(self, rules):
        """Validate and append fault rules (see the module docstring)."""
        checked = []
        for rule in rules:
            if not isinstance(rule, dict):
                raise ValueError("a fault rule must be an object")
            match = dict(rule.get("match") or {})
            if "path_regex" in match:
                re.compile(match["path_regex"])
            status, body = rule.get("status"), rule.get("body")
            if status is not None and status not in FAULT_STATUSES:
                raise ValueError("status must be one of %s" % (FAULT_STATUSES,))
            if body is not None and body not in FAULT_BODIES:
                raise ValueError("body must be one of %s" % (FAULT_BODIES,))
            if status is None and body is None and not rule.get("delay_ms"):
                raise ValueError("a fault needs status, body or delay_ms")
            checked.append(dict(rule, match=match, times=int(rule.get("times", 1)), hits=0))
        with self.lock:
            self.faults.extend(checked)
            return len(self.faults)

    def take_fault(self, method, path, dtype, user):
        """The first live rule matching this request (its times is used up)."""
        with self.lock:
            for rule in self.faults:
                m = rule["match"]
                if rule["times"] == 0 \
                        or ("method" in m and m["method"].upper() != method) \
                        or ("data_type" in m and m["data_type"] != dtype) \
                        or ("user" in m and m["user"] != user) \
                        or ("path_regex" in m and not re.search(m["path_regex"], path)):
                    continue
                if rule["times"] > 0:
                    rule["times"] -= 1
                rule["hits"] += 1
                return rule
        return None

    # -------------------------------------------------------------- stats

    def record(self, entry, page_key):
        """Count one answered (or dropped: status 0) non-control request."""
        with self.lock:
            st = self.stats
            st["total"] += 1
            uid = entry["user"]
            user = self.users.get(uid) if uid else None
            entry["day"] = local_day(user.tz, self.now()).isoformat() if user else None
            for field, key in (("by_data_type", entry["data_type"]),
                               ("by_status", str(entry["status"])),
                               ("by_user", uid or "-")):
                if key:
                    st[field][key] = st[field].get(key, 0) + 1
            if uid:
                dtype = entry["data_type"] or "-"
                by_type = st["by_user_type"].setdefault(uid, {})
                by_day = st["by_user_day"].setdefault(uid, {}).setdefault(
                    entry["day"] or "-", {"requests": 0, "bytes": 0, "by_type": {}})
                for acc in (by_type.setdefault(dtype, {"requests": 0, "bytes": 0}), by_day,
                            by_day["by_type"].setdefault(dtype, {"requests": 0, "bytes": 0})):
                    acc["requests"] += 1
                    acc["bytes"] += entry["bytes"]
            st["requests"].append(entry)
            del st["requests"][:-10000]
            if page_key:
                self.page_counts[page_key] = self.page_counts.get(page_key, 0) + 1

    def stats_snapshot(self):
        with self.lock:
            dup = sum(n - 1 for n in self.page_counts.values() if n > 1)
            return dict(json.loads(json.dumps(self.stats)), duplicate_pages=dup)
