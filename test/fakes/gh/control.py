"""The control API (/_fake/..., no auth, not counted in the stats)."""

import json
from datetime import date
from urllib.parse import parse_qs

from .common import full_scope, parse_rfc3339, rfc3339
from .truth import TRUTH_TYPES, truth
from .users import Upload


def control(state, method, path, body, raw_query=""):
    """/_fake/... (no auth): returns (status, JSON object)."""
    try:
        req = json.loads(body) if body.strip() else {}
    except ValueError:
        return 400, {"error": "the body must be JSON"}
    query = {k: v[-1] for k, v in parse_qs(raw_query).items()}
    what = path[len("/_fake/"):].strip("/")
    try:
        if what == "health" and method == "GET":
            return 200, {"status": "ok", "users": sorted(state.users)}
        if what == "reset" and method == "POST":
            state.reset()
            return 200, {"ok": True}
        if what == "users" and method == "GET":
            return 200, {"users": [u.summary() for u in state.users.values()]}
        if what == "users" and method == "POST":
            cfgs = req.get("users", [req]) if isinstance(req, dict) else req
            return 200, {"users": [state.add_user(c, state.base_dir).summary() for c in cfgs]}
        if what == "clients" and method == "POST":
            for c in req if isinstance(req, list) else req.get("clients", [req]):
                state.add_client(c)
            return 200, {"clients": sorted(state.clients)}
        if what == "consent" and method == "POST":
            if req.get("user") not in state.users:
                return 404, {"error": "unknown user %r" % req.get("user")}
            state.consent = req
            return 200, {"ok": True}
        if what in ("revoke", "expire") and method == "POST":
            return 200, revoke_or_expire(state, what, req)
        if what == "faults":
            if method == "POST":
                rules = req if isinstance(req, list) else req.get("faults", [req])
                return 200, {"faults": state.add_faults(rules)}
            if method == "DELETE":
                with state.lock:
                    state.faults = []
                return 200, {"faults": 0}
            if method == "GET":
                with state.lock:
                    return 200, {"faults": json.loads(json.dumps(state.faults))}
        if what == "stats" and method == "GET":
            return 200, state.stats_snapshot()
        if what == "stats" and method == "DELETE":
            state.reset_stats()
            return 200, {"ok": True}
        if what == "clock" and method in ("GET", "POST"):
            return 200, clock(state, req if method == "POST" else None)
        if what == "scopes" and method == "POST":
            return scopes(state, req)
        if what == "upload" and method == "POST":
            return upload(state, req)
        if what == "truth" and method == "GET":
            return ground_truth(state, query)
    except (ValueError, KeyError, TypeError, OSError) as e:
        return 400, {"error": "%s: %s" % (type(e).__name__, e)}
    return 404, {"error": "unknown control call %s /_fake/%s" % (method, what)}


def revoke_or_expire(state, what, req):
    """revoke: a refresh token (or all of a user's); expire: access tokens
    of a user (or one access token)."""
    with state.lock:
        if what == "revoke":
            tokens = [t for t, v in state.refresh.items()
                      if t == req.get("refresh_token") or v["user"] == req.get("user")]
            for t in tokens:
                state.revoke_refresh(t)
            return {"revoked": len(tokens)}
        n = 0
        for t, v in state.access.items():
            if v["user"] == req.get("user") or t == req.get("access_token"):
                v["expires"], n = 0, n + 1
        return {"expired": n}


def clock(state, req):
    """GET the clock, or POST {"now": RFC 3339 | null} / {"advance_seconds": N}."""
    with state.lock:
        if req is not None:
            if "now" in req:
                state.sim_now = None if req["now"] is None else int(parse_rfc3339(req["now"]))
            if "advance_seconds" in req:
                if state.sim_now is None:
                    raise ValueError("set the clock before advancing it")
                state.sim_now += int(req["advance_seconds"])
        return {"now": rfc3339(state.now()), "simulated": state.sim_now is not None}


def scopes(state, req):
    """POST {"user", "revoke": [...]} | {"grant": [...]} | {"scopes": [...]}."""
    with state.lock:
        user = state.users.get(req.get("user"))
        if user is None:
            return 404, {"error": "unknown user %r" % req.get("user")}
        if "scopes" in req:
            user.scopes = [full_scope(s) for s in req["scopes"]]
        for s in req.get("revoke") or []:
            if full_scope(s) in user.scopes:
                user.scopes.remove(full_scope(s))
        for s in req.get("grant") or []:
            if full_scope(s) not in user.scopes:
                user.scopes.append(full_scope(s))
        return 200, {"user": user.id, "scopes": user.scopes}


def upload(state, req):
    """POST {"user", "upload": {every_minutes?, sync_times?, offline?}}."""
    with state.lock:
        user = state.users.get(req.get("user"))
        if user is None:
            return 404, {"error": "unknown user %r" % req.get("user")}
        user.upload = Upload(req.get("upload") or {}, user.tz)
        user.live = True
        h = state.horizon(user)
        return 200, {"user": user.id, "horizon": rfc3339(h) if h is not None else None}


def ground_truth(state, query):
    """GET ?user=U&from=D&to=D[&type=T,T...][&visible=1][&samples=1]."""
    with state.lock:
        user = state.users.get(query.get("user"))
        if user is None:
            return 404, {"error": "unknown user %r" % query.get("user")}
        first = date.fromisoformat(query["from"])
        last = date.fromisoformat(query["to"])
        if last < first or (last - first).days > 400:
            raise ValueError("from <= to, at most 400 days")
        types = [t for t in query.get("type", "").split(",") if t] or TRUTH_TYPES
        bad = [t for t in types if t not in TRUTH_TYPES]
        if bad:
            raise ValueError("unknown data type %s" % ", ".join(bad))
        horizon = state.horizon(user) if query.get("visible") in ("1", "true") else None
        return 200, {"user": user.id, "tz": user.tz_name, "from": first.isoformat(),
                     "to": last.isoformat(),
                     "horizon": rfc3339(horizon) if horizon is not None else None,
                     "days": truth(user, first, last, types, horizon,
                                   query.get("samples") in ("1", "true"))}
