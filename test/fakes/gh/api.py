"""Routing of /v4/ requests: data points, roll-ups and the user resources."""

import json
import re

from .common import (S_PROFILE, S_SETTINGS, ApiError, bad_request, date_json, duration,
                     error_info, rfc3339, stable_digits, utc_offset)
from .query import daily_rollup, get_point, list_points, rollup
from .types import OTHER_GOOGLE_TYPES, TYPES
from .users import DEVICES

API_RE = re.compile(r"^/v4/users/me/dataTypes/([a-z0-9-]+)/dataPoints(:[A-Za-z]+)?$")
GET_RE = re.compile(r"^/v4/users/me/dataTypes/([a-z0-9-]+)/dataPoints/([A-Za-z0-9-]+)$")
LIST_PARAMS = ("filter", "pageSize", "page_size", "pageToken", "page_token",
               "dataSourceFamily", "data_source_family", "alt", "prettyPrint", "key")
RPC = {"": "ListDataPoints", ":reconcile": "ReconcileDataPoints",
       ":rollUp": "RollUpDataPoints", ":dailyRollUp": "DailyRollUpDataPoints",
       "get": "GetDataPoint"}


def require_scope(scopes, scope, method):
    if scope and scope not in scopes:
        raise ApiError(403, details=[error_info(
            "ACCESS_TOKEN_SCOPE_INSUFFICIENT", service="health.googleapis.com",
            method="google.devicesandservices.health.v4." + method)],
            headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
                     'error="insufficient_scope", scope="%s"' % scope})


def check_data_type(dtype):
    if dtype not in TYPES:
        if dtype in OTHER_GOOGLE_TYPES:
            raise bad_request("Data type %s is not supported by this server."
                              % dtype, "DATA_TYPE_NOT_SUPPORTED")
        raise bad_request("Unknown data type: %s" % dtype, "INVALID_DATA_TYPE")


def user_resource(state, user, what, query):
    """GET users/me/settings | profile | identity | pairedDevices."""
    if what == "settings":
        return {"name": "users/me/settings", "timeZone": user.tz_name,
                "utcOffset": duration(utc_offset(user.tz, state.now()))}
    if what == "profile":
        first = user.days[0] if user.days else None
        out = {"name": "users/me/profile", "age": user.age}
        out["membershipStartDate"] = (date_json(first.year, first.month, first.day)
                                      if first else date_json(2020, 1, 1))
        return out
    if what == "pairedDevices":
        h = state.horizon(user)
        seen = rfc3339(h if h is not None else state.now())
        out = [{"name": "users/me/pairedDevices/" + stable_digits(user.id + dev, 9),
                "deviceType": "TRACKER", "deviceVersion": DEVICES[dev]["displayName"],
                "lastSyncTime": seen, "batteryLevel": 80 - 20 * i, "batteryStatus": "High"}
               for i, dev in enumerate(user.devices)]
        if user.synth:
            out.append({"name": "users/me/pairedDevices/" + stable_digits(user.id + "scale", 9),
                        "deviceType": "SCALE", "deviceVersion": "Aria Air",
                        "lastSyncTime": seen, "batteryLevel": 60, "batteryStatus": "Medium"})
        return {"pairedDevices": out}
    return {"name": "users/me/identity", "healthUserId": user.health_id,
            "legacyUserId": user.legacy_id}


def answered(state, user, key, make):
    """The JSON text of a data answer.  The same request at the same
    horizon always gives the same answer, so the latest few are kept: a
    client that gave up waiting for a big page and asks again (as it does
    after its HTTP timeout) gets it at once instead of making the fake
    build it again (use under state.lock)."""
    key = (user.key, state.horizon(user)) + key
    payload = state.answers.get(key)
    if payload is None:
        payload = json.dumps(make(), separators=(",", ":")).encode()
        state.answers.put(key, payload)
    return payload


def api_request(state, method, path, query, body, auth):
    """Answer one /v4/ request: returns (status, JSON object or its text,
    user id)."""
    user, scopes = state.authenticate(auth)
    m = API_RE.match(path)
    if m:
        dtype, verb = m.group(1), m.group(2) or ""
        check_data_type(dtype)
        scope = TYPES[dtype].scope
        if method == "GET" and verb in ("", ":reconcile"):
            for k in query:
                if k not in LIST_PARAMS:
                    raise bad_request('Invalid JSON payload received. Unknown name "%s": '
                                      "Cannot bind query parameter." % k, field=k)
            require_scope(scopes, scope, "DataPointsService." + RPC[verb])
            state.rate_check(user)
            with state.lock:
                return 200, answered(state, user, (path, tuple(sorted(query.items()))),
                                     lambda: list_points(user, dtype, query, verb == ":reconcile",
                                                         state.horizon(user))), user.id
        if method == "POST" and verb in (":rollUp", ":dailyRollUp"):
            require_scope(scopes, scope, "DataPointsService." + RPC[verb])
            state.rate_check(user)
            func = rollup if verb == ":rollUp" else daily_rollup
            with state.lock:
                return 200, answered(state, user, (path, body),
                                     lambda: func(user, dtype, body, state.horizon(user))), user.id
    m = GET_RE.match(path)
    if m and method == "GET":
        dtype = m.group(1)
        check_data_type(dtype)
        require_scope(scopes, TYPES[dtype].scope, "DataPointsService." + RPC["get"])
        state.rate_check(user)
        with state.lock:
            return 200, get_point(user, dtype, m.group(2), state.horizon(user)), user.id
    m = re.match(r"^/v4/users/me/(settings|profile|identity|pairedDevices)$", path)
    if m and method == "GET":
        what = m.group(1)
        scope = {"settings": S_SETTINGS, "profile": S_PROFILE,
                 "pairedDevices": S_SETTINGS}.get(what)
        require_scope(scopes, scope, "HealthProfileService.Get" + what[0].upper() + what[1:])
        state.rate_check(user)
        with state.lock:
            return 200, user_resource(state, user, what, query), user.id
    raise ApiError(404, "Method not found: %s %s" % (method, path))
