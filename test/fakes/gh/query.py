"""dataPoints.list, :reconcile, get, :rollUp and :dailyRollUp."""

import base64
import hashlib
import json
import re
from datetime import date, timedelta

from .agg import ROLLUP_KEYS, add_atom, atoms, day_agg, new_agg
from .common import (bad_request, day_json, local_day, not_found, parse_rfc3339,
                     rfc3339, stable_digits)
from .filters import parse_filter
from .render import data_source_family_keeps, render_point
from .types import (DAILY_ROLLUP, DATA_SOURCE_FAMILIES, DEFAULT_PAGE_SIZE, FAMILY_SELF,
                    GET, LIST, MAX_PAGE_SIZE, RECONCILE, ROLLUP, TYPES)

# ------------------------------------------------------------------ paging


def page_size_param(query, cap):
    raw = query.get("pageSize", query.get("page_size", ""))
    if raw == "":
        return min(DEFAULT_PAGE_SIZE, cap)
    try:
        size = int(raw)
    except ValueError:
        raise bad_request('Invalid value at \'page_size\' (TYPE_INT32), "%s"'
                          % raw, field="page_size")
    if size < 0:
        raise bad_request("page_size must not be negative", field="page_size")
    return min(size or DEFAULT_PAGE_SIZE, cap)


def request_hash(*parts):
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


def encode_token(day, index, h, horizon=None):
    """A list page token: where the next page starts, the request hash and,
    when data is held back, the horizon the first page was served at."""
    parts = [day.isoformat() if isinstance(day, date) else day, index, h]
    if horizon is not None:
        parts.append(horizon)
    raw = json.dumps(parts, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(token, h):
    """Page token -> (position, index, horizon); 400 when garbled or minted
    for another request."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        parts = json.loads(raw)
        pos, index, th = parts[:3]
        horizon = parts[3] if len(parts) > 3 else None
        index = int(index)
        if horizon is not None:
            horizon = int(horizon)
    except (ValueError, TypeError, IndexError):
        raise bad_request("Invalid page token.", field="page_token")
    if th != h:
        raise bad_request("The page token does not match the request: repeat "
                          "every other request field unchanged.",
                          field="page_token")
    return pos, index, horizon


def unsupported(dtype, method):
    return bad_request("Data type %s does not support %s." % (dtype, method),
                       "DATA_TYPE_NOT_SUPPORTED_FOR_OPERATION")


def family_param(value, dtype, method):
    if value and value not in DATA_SOURCE_FAMILIES:
        raise bad_request("Invalid dataSourceFamily: %s" % value,
                          field="data_source_family")
    if value and dtype == "sleep" and method == LIST:
        raise bad_request("Filtering by data source family is not supported for sleep; "
                          "use dataPoints:reconcile.", field="data_source_family")
    return value


def visible_from(user, dtype, day, pts, horizon):
    """Index of the first visible point of a newest-first day list: a sync
    at the horizon brought samples taken before it, intervals and sessions
    that ended by it, and the daily figures of days over by then."""
    if horizon is None:
        return 0
    kind = TYPES[dtype].kind
    if kind == "daily":
        return 0 if user.day_end(day) <= horizon else len(pts)
    end = 0 if kind == "sample" else 2
    bias = 1 if kind == "sample" else 0
    k = 0
    while k < len(pts) and pts[k][end] + bias > horizon:
        k += 1
    return k

# ------------------------------------------------------- list, reconcile


def list_points(user, dtype, query, reconcile, horizon):
    """dataPoints.list / dataPoints:reconcile for one data type."""
    t = TYPES[dtype]
    method = RECONCILE if reconcile else LIST
    if method not in t.methods:
        raise unsupported(dtype, method)
    family = family_param(query.get("dataSourceFamily", query.get("data_source_family", "")),
                          dtype, method)
    size = page_size_param(query, t.cap)
    flt = query.get("filter", "")
    predicate, lo, hi = parse_filter(flt, dtype)
    h = request_hash(user.id, dtype, reconcile, flt, size, family)
    token = query.get("pageToken", query.get("page_token", ""))
    days = [d for d in user.days if (lo is None or d >= lo) and (hi is None or d <= hi)]
    if token:
        pos, start_index, horizon = decode_token(token, h)
        try:
            start_day = date.fromisoformat(pos)
        except (TypeError, ValueError):
            raise bad_request("Invalid page token.", field="page_token")
    else:
        start_day, start_index = (days[-1] if days else None), 0
    out, next_token = [], None
    for day in reversed(days):
        if day > start_day or user.unseen(day, horizon):
            continue
        pts = user.points(dtype, day, reconcile)
        first = max(visible_from(user, dtype, day, pts, horizon),
                    start_index if day == start_day else 0)
        for i in range(first, len(pts)):
            p = pts[i]
            if predicate is not None and not predicate(p):
                continue
            if family and not data_source_family_keeps(dtype, p, family):
                continue
            if len(out) == size:
                next_token = encode_token(day, i, h, horizon)
                break
            out.append(p)
        if next_token:
            break
    body = {}
    if out:    # proto3 JSON omits an empty repeated field
        body["dataPoints"] = [render_point(user, dtype, p, reconcile) for p in out]
    if next_token:
        body["nextPageToken"] = next_token
    return body

# -------------------------------------------------------------------- get


def name_index(user, dtype):
    """{data point id: day} of an identifiable type (synthetic days)."""
    idx = getattr(user, "names", None)
    if idx is None:
        idx = user.names = {}
    if dtype in idx:
        return idx[dtype]
    found = {}
    s = user.synth
    for day in user.days:
        if not user.synthetic(day):
            continue
        if dtype == "exercise" and s.plan(day)["workout"]:
            found[stable_digits("%s:%s:ex" % (s.seed, day), 19)] = day
        elif dtype == "sleep":
            for sess in s.sessions_starting(day):
                found[sess.name] = day
        elif dtype in ("weight", "body-fat"):
            found[stable_digits("%s:%s:%s" % (s.seed, day, dtype), 19)] = day
    idx[dtype] = found
    return found


def get_point(user, dtype, point_id, horizon):
    """dataPoints.get for the identifiable types."""
    if GET not in TYPES[dtype].methods:
        raise unsupported(dtype, GET)
    day = name_index(user, dtype).get(point_id)
    if day is not None:
        pts = user.points(dtype, day, False)
        for p in pts[visible_from(user, dtype, day, pts, horizon):]:
            body = render_point(user, dtype, p, False)
            if body.get("name", "").endswith("/" + point_id):
                return body
    raise not_found("Data point users/me/dataTypes/%s/dataPoints/%s was not found."
                    % (dtype, point_id))

# ---------------------------------------------------------------- roll-ups


def json_body(body, allowed):
    """Parse a JSON request body, rejecting unknown field names like Google."""
    try:
        req = json.loads(body or b"{}")
        if not isinstance(req, dict):
            raise ValueError
    except ValueError:
        raise bad_request("Invalid JSON payload received.")
    for k in req:
        if k not in allowed:
            raise bad_request('Invalid JSON payload received. Unknown name "%s": '
                              "Cannot find field." % k)
    return req


def civil_date_arg(obj, field):
    """A CivilDateTime request field -> date (month/day plain integers)."""
    try:
        y, m, d = (obj["date"][k] for k in ("year", "month", "day"))
        if not all(type(v) is int for v in (y, m, d)) or any(obj.get("time") or {}):
            raise TypeError
        return date(y, m, d)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise bad_request("Invalid %s: expected {\"date\": {\"year\", \"month\", "
                          "\"day\"}} aligned to a day" % field, field=field)


def rollup_page(req, windows, h, horizon):
    """Cut newest-first windows into a page -> response body."""
    size = req.get("pageSize", 0)
    if type(size) is not int or size < 0:
        raise bad_request("pageSize must be a non-negative integer", field="page_size")
    size = min(size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    start = 0
    if req.get("pageToken"):
        if type(req["pageToken"]) is not str:
            raise bad_request("Invalid page token.", field="page_token")
        _, start, horizon = decode_token(req["pageToken"], h)
    page = windows[start:start + size]
    body = {"rollupDataPoints": page} if page else {}
    if start + size < len(windows):
        body["nextPageToken"] = encode_token("w", start + size, h, horizon)
    return body, horizon


def token_horizon(req, h, horizon):
    """A page token carries the horizon its first page was served at."""
    if req.get("pageToken") and type(req["pageToken"]) is str:
        return decode_token(req["pageToken"], h)[2]
    return horizon


def rollup_request(dtype, body, method, name, window_field):
    """What both roll-ups check first: that the data type has the method,
    and that the body holds only their fields.  Returns the type, the body
    and the data source family asked for."""
    t = TYPES[dtype]
    if method not in t.methods:
        raise unsupported(dtype, name)
    req = json_body(body, ("range", window_field, "pageSize", "pageToken", "dataSourceFamily"))
    return t, req, family_param(req.get("dataSourceFamily", ""), dtype, method)


def daily_rollup(user, dtype, body, horizon):
    """dataPoints:dailyRollUp: civil-day windows, newest first, paged."""
    t, req, family = rollup_request(dtype, body, DAILY_ROLLUP, "dailyRollUp", "windowSizeDays")
    rng = req.get("range") or {}
    start = civil_date_arg(rng.get("start"), "range.start")
    end = civil_date_arg(rng.get("end"), "range.end")
    size = req.get("windowSizeDays", 1)
    if type(size) is not int or size < 1:
        raise bad_request("windowSizeDays must be a positive integer",
                          "INVALID_ROLLUP_WINDOW", "window_size_days")
    if end <= start:
        raise bad_request("range.end must be after range.start", field="range")
    if (end - start).days > t.max_days:
        raise bad_request("The range may span at most %d days." % t.max_days, field="range")
    h = request_hash(user.id, dtype, DAILY_ROLLUP, rng, size, req.get("pageSize", 0), family)
    horizon = token_horizon(req, h, horizon)
    key = ROLLUP_KEYS.get(dtype, t.key)
    out, ws = [], start
    while ws < end:
        we = min(ws + timedelta(size), end)
        agg = new_agg(dtype)
        if family != FAMILY_SELF:
            for d in user.days:
                if ws <= d < we:
                    agg.merge(day_agg(user, dtype, d, horizon, family))
        value = agg.value()
        if value is not None:
            out.append({"civilStartTime": {"date": day_json(ws)},
                        "civilEndTime": {"date": day_json(we)}, key: value})
        ws = we
    out.reverse()
    return rollup_page(req, out, h, horizon)[0]


DURATION_RE = re.compile(r"^(\d+)(\.\d+)?s$")


def whole_seconds(text, field):
    try:
        t = parse_rfc3339(text)
    except (TypeError, ValueError, AttributeError):
        raise bad_request("Invalid %s: expected an RFC 3339 timestamp" % field, field=field)
    if t != int(t):
        raise bad_request("Invalid %s: this server takes whole seconds" % field, field=field)
    return int(t)


def rollup(user, dtype, body, horizon):
    """dataPoints:rollUp: physical windows of windowSize from range.startTime."""
    t, req, family = rollup_request(dtype, body, ROLLUP, "rollUp", "windowSize")
    m = DURATION_RE.match(str(req.get("windowSize", "")))
    if not m or int(m.group(1)) < 1 or (m.group(2) and float(m.group(2))):
        raise bad_request("windowSize is required: a whole number of seconds, at least "
                          "\"1s\"", "INVALID_ROLLUP_WINDOW", "window_size")
    ws = int(m.group(1))
    rng = req.get("range")
    if not isinstance(rng, dict):
        raise bad_request("range is required", field="range")
    start = whole_seconds(rng.get("startTime"), "range.start_time")
    end = whole_seconds(rng.get("endTime"), "range.end_time")
    if end <= start:
        raise bad_request("range.endTime must be after range.startTime", field="range")
    if end - start > t.max_days * 86400:
        raise bad_request("The range may span at most %d days." % t.max_days, field="range")
    h = request_hash(user.id, dtype, ROLLUP, rng, ws, req.get("pageSize", 0), family)
    horizon = token_horizon(req, h, horizon)
    aggs = {}
    if family != FAMILY_SELF:
        first, last = local_day(user.tz, start), local_day(user.tz, end - 1)
        for d in user.days:
            if first <= d <= last and not user.unseen(d, horizon):
                for at, rt, v in atoms(user, dtype, d, family):
                    if start <= at < end and (horizon is None or rt <= horizon):
                        i = (at - start) // ws
                        agg = aggs.get(i)
                        if agg is None:
                            agg = aggs[i] = new_agg(dtype)
                        add_atom(agg, dtype, v)
    key, out = t.key, []
    for i in sorted(aggs, reverse=True):
        out.append({"startTime": rfc3339(start + i * ws),
                    "endTime": rfc3339(min(end, start + (i + 1) * ws)),
                    key: aggs[i].value()})
    return rollup_page(req, out, h, horizon)[0]

