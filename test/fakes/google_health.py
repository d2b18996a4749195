#!/usr/bin/python3
"""Fake Google Health API v4 and Google OAuth 2.0 endpoints for Tracker's tests.

Standard library only (Debian's /usr/bin/python3, 3.11).  Run it:

    /usr/bin/python3 test/fakes/google_health.py --port 0 --port-file F
        [--pid-file F] [--config users.json] [--log F] [--user-rate 300]

It listens on 127.0.0.1 only.  With --port 0 it picks a free port and
writes it to --port-file (atomically, once listening).  SIGTERM or SIGINT
stop it cleanly (exit status 0).  It prints nothing unless --log is given.
Point a client at http://127.0.0.1:PORT for the API base (/v4/...), the
token URL (/token), the revoke URL (/revoke) and the authorization URL
(/o/oauth2/v2/auth).

CONFIGURATION (--config; also the body of POST /_fake/users)
  {"users": [USER...], "clients": [{"client_id", "client_secret",
   "redirect_uris"?}], "consent": "user id"}   (a bare list = users)
  USER: id; refresh_token (valid for any client); scopes (default: the five
  read-only googlehealth scopes); tz (IANA, default UTC); age (default 30);
  expires_in (access-token lifetime, default 3599); rate_limit (requests per
  minute, default --user-rate; 0 = none); and data from data_dir (a folder,
  or a list, of legacy Fitbit heart-rate day files; relative to the config
  file's folder) and/or synthetic {"start": "YYYY-MM-DD", "days": N,
  "seed": S}.  A legacy day replaces the synthetic day of the same date.
  The client "test-client" / "test-secret" always exists.  A client with
  redirect_uris accepts only those; otherwise any http(s) URI.

API (paths as Google's; every call needs "Authorization: Bearer")
  GET  /v4/users/me/dataTypes/{dt}/dataPoints[:reconcile]
       dt: heart-rate, daily-resting-heart-rate, daily-heart-rate-zones,
       steps, exercise, sleep.  Query: filter, pageSize|page_size,
       pageToken|page_token, dataSourceFamily (all three families give the
       same data).  reconcile: "dataPointName" instead of "name", no
       dataSource.  time-in-heart-rate-zone list: 400 (use dailyRollUp).
  POST .../time-in-heart-rate-zone/dataPoints:dailyRollUp and
       .../steps/dataPoints:dailyRollUp, body {"range": {"start": {"date":
       {year, month, day}}, "end": {...}}, "windowSizeDays": 1}: civil days,
       end exclusive, at most 90 days, newest first, days without data left
       out, no paging (pageSize/pageToken accepted and ignored).  rollUp
       (physical windows) is not served: 400.
  GET  /v4/users/me/settings (timeZone, utcOffset now), /profile (age as an
       int32, membershipStartDate), /identity (healthUserId, legacyUserId).
  Errors are google.rpc.Status JSON: 401 UNAUTHENTICATED (reason
  CREDENTIALS_MISSING, ACCESS_TOKEN_EXPIRED, or none for an unknown or
  revoked token), 403 PERMISSION_DENIED with ErrorInfo reason
  ACCESS_TOKEN_SCOPE_INSUFFICIENT, 400 INVALID_ARGUMENT (unknown data type,
  bad filter, page token or parameter; unknown query parameters too), 429
  RESOURCE_EXHAUSTED with Retry-After (per-user one-minute window), and 500
  INTERNAL should the fake itself fail (traceback in --log).

WHAT A CLIENT MUST EXPECT
  - int64 values are JSON strings ("72"); int32 and doubles are numbers;
    durations are "3600s"; timestamps RFC 3339 UTC with "Z".
  - proto3 JSON leaves defaults out: a steps point with no "count" means 0;
    local midnight is "time": {}; zero hours/minutes/seconds are omitted;
    false booleans are omitted; an empty page is {} (no "dataPoints").
  - Points come newest first (by start time).  pageSize defaults to 1440,
    larger values are cut to 10000 (25 for exercise and sleep), silently.
  - nextPageToken is opaque.  It encodes the position and a hash of the
    user, data type, method, filter, effective page size and
    dataSourceFamily: change any of them and the token gives 400.  The same
    request always gives byte-identical JSON.
  - Filters (AIP-160 subset): RESTRICTION {AND RESTRICTION}, a restriction
    being MEMBER >= "literal" or MEMBER < "literal"; parentheses allowed;
    OR only for sleep (it binds tighter than AND, as in AIP-160).  Members:
      heart_rate.sample_time.physical_time   RFC 3339 ("...Z" or +hh:mm)
      heart_rate.sample_time.civil_time      "YYYY-MM-DD[THH:mm:ss]"
      daily_resting_heart_rate.date          "YYYY-MM-DD"
      daily_heart_rate_zones.date            "YYYY-MM-DD"
      steps.interval.start_time              RFC 3339
      steps.interval.civil_start_time        "YYYY-MM-DD[THH:mm:ss]"
      exercise.interval.civil_start_time     "YYYY-MM-DD[THH:mm:ss]"
      sleep.interval.end_time                RFC 3339
      sleep.interval.civil_end_time          "YYYY-MM-DD[THH:mm:ss]"
    ErrorInfo reasons: INVALID_DATA_POINT_FILTER_ + DATA_TYPE_MEMBER (any
    other member, camelCase included), RESTRICTION_COMPARABLE (unquoted or
    malformed literal), UNEXPECTED_TOKEN (>, <=, =, !=, lowercase and,
    NOT, trailing text), EXPRESSION_STRUCTURE (OR outside sleep, a literal
    first), SYNTAX (unreadable text, single quotes), MISSING_TOKEN,
    UNEXPECTED_END_OF_INPUT.
  - OAuth: the auth endpoint requires response_type=code, client_id,
    redirect_uri, scope, state, code_challenge (43-128 chars) with
    code_challenge_method=S256, access_type=offline and prompt=consent; it
    answers 302 to redirect_uri?state=..&code=..&scope=.. for the consenting
    user (POST /_fake/consent; the only user when there is one), granting
    the requested scopes that the user has (and that consent allows).
    Codes are single-use and live 10 minutes.  POST /token (form; client
    credentials in the form or HTTP Basic): authorization_code needs code,
    redirect_uri and code_verifier; it returns access_token, expires_in,
    refresh_token, scope, token_type "Bearer".  refresh_token grants return
    no new refresh token.  Errors: 400 invalid_grant "Token has been expired
    or revoked." (refresh), "Malformed auth code.", "Invalid code
    verifier."; 401 invalid_client; 400 unsupported_grant_type.

CONTROL API (JSON, no auth; not counted in the stats)
  GET  /_fake/health                  {"status": "ok", "users": [...]}
  POST /_fake/reset                   back to the startup configuration
  GET|POST /_fake/users               list / add or replace users (a
                                      replaced user loses its tokens)
  POST /_fake/clients                 {client_id, client_secret, redirect_uris?}
  POST /_fake/consent                 {user, scopes?, deny?}: who consents
  POST /_fake/revoke                  {refresh_token} or {user}: refreshes
                                      then fail, their access tokens get 401
  POST /_fake/expire                  {user} or {access_token}
  POST|GET|DELETE /_fake/faults       add rules (list) / show / clear
  GET|DELETE /_fake/stats             {total, by_data_type, by_status,
      by_user, requests: [{method, path, query, status, bytes, user,
      data_type}], duplicate_pages} / clear.  duplicate_pages counts intact
      200 answers to a dataPoints request (same user, method, path, query,
      body) beyond the first.  A dropped connection has status 0.

FAULT RULES (POST /_fake/faults with a list; first live match wins)
  {"match": {"path_regex", "data_type", "user", "method"} (all optional),
   "times": N (default 1; -1 = until cleared), and one or more of:
   "status": 401|403|429|500|503|504 (Google's error body; "retry_after"
       seconds sets Retry-After for 429 and 503, default 1),
   "delay_ms": N (answer late),
   "body": "malformed"    200 with an HTML page instead of JSON
           "truncated"    Content-Length of the whole body, half sent, closed
           "cut_json"     the first half of the JSON, correct Content-Length
           "wrong_types"  every int64 string becomes a JSON number
           "out_of_range" the first point's bpm becomes "400" (count "-40")
           "oversized"    the real JSON padded with spaces to "size" bytes
                          (default 64 MiB)
           "close"        the connection is closed without an answer
           "endless_pages" a 200 page whose nextPageToken is always new (a
                          request with such a token gets an empty page that
                          asks for another)
           "same_page_token" a 200 page whose nextPageToken is the token
                          of the request (or "fake-same" on a first page)}
  Faults apply to every path but /_fake/ (the token endpoint included);
  "user" matches the user of the bearer token.

LEGACY FITBIT DAY FILES -> GOOGLE
  Files are GET /1/user/-/activities/heart/date/D/1d/1sec.json answers
  (either shape: zones in "value", or at the top with a string "value").
  The day is the file's dateTime (a file named after the day wins a tie).
  - intraday samples -> heart-rate points: local date + time in the user's
    zone (fold 0 in a repeated hour) -> physicalTime UTC, utcOffset,
    civilTime.  Data source: a Fitbit Charge 2 band.
  - restingHeartRate -> daily-resting-heart-rate (calculationMethod
    WITH_SLEEP); none when absent.
  - heartRateZones (Fitbit [min, max)) -> daily-heart-rate-zones, inclusive:
    Out of Range -> LIGHT, Fat Burn -> MODERATE, Cardio -> VIGOROUS, Peak ->
    PEAK; min = Fitbit min, max = next zone's min - 1, PEAK max = Fitbit max
    (30-94, 95-132, 133-161, 162-220 for 95/133/162).
  - zone "minutes" -> the time-in-heart-rate-zone dailyRollUp, minutes * 60
    seconds, with the same zone mapping.  No steps, exercise or sleep.

SYNTHETIC DATA (deterministic per seed and date, generated per day on
first use; a 365-day user costs nothing until asked)
  Resting HR drifts slowly (52-60 by seed, +-5); zones by Karvonen from
  HRmax = 220 - age: LIGHT/MODERATE/VIGOROUS/PEAK start at 30/40/60/85 % of
  the reserve, PEAK ends at 220.  Sleep 22:00-23:40 for 6.5-8.5 h in STAGES
  cycles; a workout (RUNNING, WALKING, BIKING, HIIT, WORKOUT) every 2-3 days
  between 09:00 and 20:15; 0-2 off-wrist gaps a day (no samples, no steps).
  Samples every 1-15 s.  Steps: one point per worn minute (zeros included).
  Time in zone: each minute with samples counts 60 s in the highest zone
  whose min <= the minute's mean bpm (none below LIGHT).  Exercise
  metricsSummary comes from the same samples and steps.
"""

import argparse
import base64
import calendar
import collections
import hashlib
import json
import math
import os
import random
import re
import secrets
import signal
import sys
import threading
import time
import traceback
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

# ---------------------------------------------------------------- constants

SCOPE_PREFIX = "https://www.googleapis.com/auth/googlehealth."
S_ACTIVITY = SCOPE_PREFIX + "activity_and_fitness.readonly"
S_METRICS = SCOPE_PREFIX + "health_metrics_and_measurements.readonly"
S_SLEEP = SCOPE_PREFIX + "sleep.readonly"
S_PROFILE = SCOPE_PREFIX + "profile.readonly"
S_SETTINGS = SCOPE_PREFIX + "settings.readonly"
ALL_SCOPES = [S_ACTIVITY, S_METRICS, S_SLEEP, S_PROFILE, S_SETTINGS]

# Filter member -> which time of a point it compares and how its literal is
# written.  Point keys: "start" physical start, "cstart" civil start, "end"
# physical end, "cend" civil end.  Literal kinds: "rfc3339", "civil", "date".
HR_MEMBERS = {"heart_rate.sample_time.physical_time": ("start", "rfc3339"),
              "heart_rate.sample_time.civil_time": ("cstart", "civil")}

# URL name -> (JSON key, scope, list supported, filter members, page cap).
DATA_TYPES = {
    "heart-rate": ("heartRate", S_METRICS, True, HR_MEMBERS, 10000),
    "daily-resting-heart-rate": (
        "dailyRestingHeartRate", S_METRICS, True,
        {"daily_resting_heart_rate.date": ("cstart", "date")}, 10000),
    "daily-heart-rate-zones": (
        "dailyHeartRateZones", S_METRICS, True,
        {"daily_heart_rate_zones.date": ("cstart", "date")}, 10000),
    "steps": ("steps", S_ACTIVITY, True,
              {"steps.interval.start_time": ("start", "rfc3339"),
               "steps.interval.civil_start_time": ("cstart", "civil")}, 10000),
    "exercise": ("exercise", S_ACTIVITY, True,
                 {"exercise.interval.civil_start_time": ("cstart", "civil")}, 25),
    "sleep": ("sleep", S_SLEEP, True,
              {"sleep.interval.end_time": ("end", "rfc3339"),
               "sleep.interval.civil_end_time": ("cend", "civil")}, 25),
    # Rollups only: list answers 400 (see the module docstring).
    "time-in-heart-rate-zone": ("timeInHeartRateZone", S_ACTIVITY, False, {}, 0),
}
# Data types Google has but this fake does not serve: 400 "not supported".
OTHER_GOOGLE_TYPES = {
    "active-zone-minutes", "calories-in-heart-rate-zone", "total-calories",
    "distance", "floors", "altitude", "weight", "body-fat", "oxygen-saturation",
    "heart-rate-variability", "respiratory-rate", "electrocardiogram"}
DEFAULT_PAGE_SIZE = 1440
DATA_SOURCE_FAMILIES = ("users/me/dataSourceFamilies/all-sources",
                        "users/me/dataSourceFamilies/google-wearables",
                        "users/me/dataSourceFamilies/google-sources")

# -------------------------------------------------------------- time helpers


def rfc3339(t):
    """Epoch seconds -> RFC 3339 UTC timestamp as Google writes it."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def duration(seconds):
    """Seconds -> proto3 JSON Duration ("3600s", "-14400s")."""
    return "%ds" % seconds


def date_json(y, m, d):
    return {"year": y, "month": m, "day": d}


def civil_json(naive):
    """Naive local epoch (local clock read as UTC) -> CivilDateTime.

    As proto3 JSON does, zero hours/minutes/seconds are omitted, so local
    midnight is written "time": {}."""
    y, mo, d, h, mi, s = time.gmtime(naive)[:6]
    tm = {}
    if h:
        tm["hours"] = h
    if mi:
        tm["minutes"] = mi
    if s:
        tm["seconds"] = s
    return {"date": date_json(y, mo, d), "time": tm}


def naive_midnight(day):
    """Local midnight of a date as a naive epoch (local clock read as UTC)."""
    return calendar.timegm((day.year, day.month, day.day, 0, 0, 0))


def utc_offset(tz, t):
    """UTC offset in seconds of zone tz at epoch t."""
    return int(datetime.fromtimestamp(t, tz).utcoffset().total_seconds())


def local_converter(tz, day):
    """Return f(seconds after local midnight) -> (epoch, utc offset).

    Local clock times are resolved like zoneinfo does (fold=0).  Days
    without a UTC-offset change use one constant offset (fast path)."""
    base = naive_midnight(day)
    midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
    off0 = int(midnight.utcoffset().total_seconds())
    off1 = int((midnight + timedelta(seconds=86399)).utcoffset().total_seconds())
    if off0 == off1:
        return lambda s: (base + s - off0, off0)

    def convert(s):
        off = int((midnight + timedelta(seconds=s)).utcoffset().total_seconds())
        return base + s - off, off
    return convert


def interval_json(t, off, t2, off2):
    """ObservationTimeInterval / SessionTimeInterval for [t, t2)."""
    return {"startTime": rfc3339(t), "startUtcOffset": duration(off),
            "endTime": rfc3339(t2), "endUtcOffset": duration(off2),
            "civilStartTime": civil_json(t + off),
            "civilEndTime": civil_json(t2 + off2)}

# ------------------------------------------------------------------ errors

STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED",
                403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 502: "UNAVAILABLE",
                503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
DEFAULT_MESSAGES = {
    401: "Request had invalid authentication credentials. Expected OAuth 2 "
         "access token, login cookie or other valid authentication credential. "
         "See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    403: "Request had insufficient authentication scopes.",
    429: "Quota exceeded for quota metric 'Read requests' and limit 'Read "
         "requests per minute per user' of service 'health.googleapis.com'.",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
    504: "The request timed out. Please try again.",
}


def error_info(reason, domain="googleapis.com", **metadata):
    info = {"@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": reason, "domain": domain}
    if metadata:
        info["metadata"] = metadata
    return info


class ApiError(Exception):
    """An error answered in the google.rpc.Status JSON shape."""

    def __init__(self, code, message=None, details=(), headers=None):
        super().__init__(message)
        self.code = code
        self.message = message or DEFAULT_MESSAGES.get(code, "Error")
        self.details = list(details)
        self.headers = headers or {}

    def body(self):
        err = {"code": self.code, "message": self.message,
               "status": STATUS_NAMES.get(self.code, "UNKNOWN")}
        if self.details:
            err["details"] = self.details
        return {"error": err}


def bad_request(message, reason=None, field=None):
    """400 INVALID_ARGUMENT, with an ErrorInfo reason and a field violation."""
    details = []
    if reason:
        details.append(error_info(reason, "health.googleapis.com"))
    if field:
        details.append({"@type": "type.googleapis.com/google.rpc.BadRequest",
                        "fieldViolations": [{"field": field,
                                             "description": message}]})
    return ApiError(400, message, details)


class OAuthError(Exception):
    """An error answered in the OAuth 2.0 token-endpoint shape."""

    def __init__(self, code, error, description):
        super().__init__(description)
        self.code, self.error, self.description = code, error, description

# -------------------------------------------------------------- legacy data

LEGACY_DATE_RE = re.compile(rb'"dateTime"\s*:\s*"(\d{4}-\d{2}-\d{2})"')
LEGACY_ZONES = {"out of range": "LIGHT", "fat burn": "MODERATE",
                "cardio": "VIGOROUS", "peak": "PEAK"}
ZONE_TYPES = ("LIGHT", "MODERATE", "VIGOROUS", "PEAK")


def scan_legacy_dir(path):
    """Map date -> file for legacy Fitbit heart-rate day files in a folder.

    The day is the dateTime inside the file, not its name (a file may carry
    another day).  When two files hold one day, the file named after the day
    wins, else the first in name order."""
    found = {}
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        if not name.endswith(".json") or not os.path.isfile(full):
            continue
        with open(full, "rb") as f:
            m = LEGACY_DATE_RE.search(f.read(65536))
        if not m:
            continue
        day = date.fromisoformat(m.group(1).decode())
        if day not in found or name.startswith(day.isoformat()):
            found[day] = full
    return found


def parse_legacy_day(path, day):
    """Read one legacy day file: (activities-heart entry, intraday dataset).

    Both shapes are accepted: zones inside "value" (current) or at the top
    of the entry with a string "value" (1.1-era responses)."""
    try:
        with open(path, "rb") as f:
            doc = json.load(f)
        entry = (doc.get("activities-heart") or [{}])[0]
    except (OSError, ValueError, AttributeError, IndexError):
        return {}, []
    if entry.get("dateTime") != day.isoformat():
        return {}, []
    value = entry.get("value")
    src = value if isinstance(value, dict) else entry
    intraday = doc.get("activities-heart-intraday") or {}
    return src, intraday.get("dataset") or []


def legacy_zones(src):
    """Fitbit heartRateZones -> ([(type, min, max)], {type: seconds}).

    Fitbit zones are [min, max); Google's are inclusive, so a zone's max is
    the next zone's min - 1 and PEAK keeps Fitbit's max.  Zones are named by
    their Fitbit name, or by their rank when the name is unknown."""
    zones = sorted((z for z in src.get("heartRateZones") or []
                    if isinstance(z, dict) and "min" in z),
                   key=lambda z: z["min"])
    bounds, tiz = [], {}
    for i, z in enumerate(zones[:4]):
        name = LEGACY_ZONES.get(str(z.get("name", "")).lower(), ZONE_TYPES[i])
        high = zones[i + 1]["min"] - 1 if i + 1 < len(zones) else z.get("max", 220)
        bounds.append((name, int(z["min"]), int(high)))
        if "minutes" in z:
            tiz[name] = int(z["minutes"]) * 60
    return bounds, tiz

# ----------------------------------------------------------- per-day records
#
# Every listed point is a tuple (t, off, t2, off2, payload): physical start,
# its UTC offset, physical end, its offset, and a type-specific payload.
# Daily points use the naive local midnight with offset 0.  Each day's list
# is kept newest first, and days are served newest first.


class Day:
    """Everything one user has on one local day."""

    __slots__ = ("hr", "steps", "rest", "zones", "tiz", "exercise", "sleep",
                 "steps_total", "complete")

    def __init__(self):
        self.hr = []          # heart-rate points, newest first
        self.steps = []       # 1-minute steps points, newest first
        self.rest = None      # resting heart rate or None
        self.zones = None     # [(zone type, min, max)] or None
        self.tiz = None       # {zone type: seconds} or None
        self.exercise = []    # exercise points, newest first
        self.sleep = []       # sleep points, newest first
        self.steps_total = None   # steps of the day (None: no steps data)
        self.complete = True      # False: exercise/tiz/steps_total not known yet

    def slim(self):
        """A copy without the samples (small enough to keep for good)."""
        rec = Day()
        for k in self.__slots__[2:]:
            setattr(rec, k, getattr(self, k))
        rec.complete = True
        return rec


def legacy_day(path, day, tz, with_samples):
    """Build a Day from a legacy file (samples only when asked: slower)."""
    src, dataset = parse_legacy_day(path, day)
    rec = Day()
    rest = src.get("restingHeartRate")
    if isinstance(rest, (int, float)) and rest > 0:
        rec.rest = int(round(rest))
    zones, tiz = legacy_zones(src)
    rec.zones = zones or None
    rec.tiz = tiz or None
    if with_samples:
        conv = local_converter(tz, day)
        for s in dataset:
            try:
                h, m, sec = (int(x) for x in s["time"].split(":"))
                bpm = int(s["value"])
            except (KeyError, TypeError, ValueError):
                continue
            t, off = conv(h * 3600 + m * 60 + sec)
            rec.hr.append((t, off, t, off, (bpm, None)))
        rec.hr.sort(key=lambda p: p[0], reverse=True)
    return rec

# -------------------------------------------------------------------- users


def stable_digits(text, n):
    """n decimal digits derived from text (stable across runs)."""
    return str(int(hashlib.sha256(text.encode()).hexdigest(), 16))[-n:]


class User:
    """A configured user: identity, grants, time zone and data."""

    def __init__(self, cfg, base_dir, cache):
        if not isinstance(cfg, dict) or not cfg.get("id"):
            raise ValueError("a user needs an \"id\"")
        self.id = str(cfg["id"])
        self.refresh_token = cfg.get("refresh_token")
        self.scopes = list(cfg.get("scopes") or ALL_SCOPES)
        self.tz_name = cfg.get("tz", "UTC")
        self.tz = ZoneInfo(self.tz_name)
        self.age = int(cfg.get("age", 30))
        self.expires_in = int(cfg.get("expires_in", 3599))
        self.rate_limit = cfg.get("rate_limit")
        self.health_id = str(cfg.get("health_user_id")
                             or stable_digits("health:" + self.id, 20))
        self.legacy_id = str(cfg.get("legacy_user_id")
                             or "7" + stable_digits("legacy:" + self.id, 5))
        self.cache = cache
        self.key = (self.id, secrets.token_hex(4))   # cache key per instance
        self.legacy = {}
        dirs = cfg.get("data_dir") or []
        for d in [dirs] if isinstance(dirs, str) else dirs:
            self.legacy.update(scan_legacy_dir(os.path.join(base_dir, d)))
        self.synth = None
        syn = cfg.get("synthetic")
        if syn:
            self.synth = Synthetic(self, date.fromisoformat(syn["start"]),
                                   int(syn.get("days", 30)),
                                   int(syn.get("seed", 1)))
        days = set(self.legacy)
        if self.synth:
            days.update(self.synth.start + timedelta(i)
                        for i in range(self.synth.days))
        self.days = sorted(days)
        self.light = {}    # day -> Day without samples (cheap facts)

    def summary(self):
        return {"id": self.id, "healthUserId": self.health_id,
                "tz": self.tz_name, "days": len(self.days),
                "first_day": self.days[0].isoformat() if self.days else None,
                "last_day": self.days[-1].isoformat() if self.days else None}

    def full_day(self, day):
        """The day with its samples (kept in a shared LRU cache)."""
        key = (self.key, day)
        rec = self.cache.get(key)
        if rec is None:
            if day in self.legacy:
                rec = legacy_day(self.legacy[day], day, self.tz, True)
            elif self.synth and self.synth.covers(day):
                rec = self.synth.generate(day)
            else:
                rec = Day()
            self.cache.put(key, rec)
            self.light[day] = rec.slim()
        return rec

    def light_day(self, day):
        """The day's facts that need no samples (kept for good)."""
        rec = self.light.get(day)
        if rec is None:
            if day in self.legacy:
                rec = legacy_day(self.legacy[day], day, self.tz, False)
            elif self.synth and self.synth.covers(day):
                rec = self.synth.light(day)
            else:
                rec = Day()
            self.light[day] = rec
        return rec

    def facts(self, day):
        """The day's small facts, generating its samples once if needed."""
        rec = self.light_day(day)
        if not rec.complete:
            self.full_day(day)
            rec = self.light[day]
        return rec

    def points(self, dtype, day):
        """Newest-first points of one data type on one day."""
        if dtype == "heart-rate":
            return self.full_day(day).hr
        if dtype == "steps":
            return self.full_day(day).steps
        if dtype == "exercise":
            return self.facts(day).exercise
        rec = self.light_day(day)
        if dtype == "sleep":
            return rec.sleep
        if dtype == "daily-resting-heart-rate" and rec.rest is not None:
            return [(naive_midnight(day), 0, naive_midnight(day), 0, rec.rest)]
        if dtype == "daily-heart-rate-zones" and rec.zones:
            return [(naive_midnight(day), 0, naive_midnight(day), 0, rec.zones)]
        return []


class LRU(collections.OrderedDict):
    """Days with samples, least recently used dropped first (use under a lock)."""

    def __init__(self, size):
        super().__init__()
        self.size = size

    def get(self, key):
        if key in self:
            self.move_to_end(key)
        return super().get(key)

    def put(self, key, value):
        self[key] = value
        while len(self) > self.size:
            self.popitem(last=False)


# Workout kinds: (display name, share of heart-rate reserve, steps per
# minute range, stride in metres (0: no distance), kcal per minute).
WORKOUTS = {"RUNNING": ("Run", 0.72, (150, 176), 1.05, 11.0),
            "WALKING": ("Walk", 0.42, (100, 121), 0.75, 4.5),
            "BIKING": ("Bike", 0.62, (0, 1), 0.0, 8.5),
            "HIIT": ("HIIT", 0.80, (40, 91), 0.0, 10.0),
            "WORKOUT": ("Workout", 0.55, (10, 41), 0.0, 6.5)}
SLEEP_HR = {"DEEP": -7, "LIGHT": -4, "REM": 1, "AWAKE": 6}


class Synthetic:
    """Deterministic generated data for one user, built lazily per day.

    A plan (resting HR, zones, tonight's sleep, a workout every 2-3 days,
    off-wrist gaps) costs microseconds; samples and steps are generated
    only when a day's samples or sample-derived facts are asked for."""

    def __init__(self, user, start, days, seed):
        self.user, self.start, self.days, self.seed = user, start, days, seed
        self.plans = {}

    def covers(self, day):
        return 0 <= (day - self.start).days < self.days

    def rng(self, day, what):
        return random.Random("%s:%s:%s" % (self.seed, day.isoformat(), what))

    def epoch(self, day, minutes):
        """Epoch of a local wall-clock time, minutes after day's midnight."""
        wall = datetime(day.year, day.month, day.day, tzinfo=self.user.tz)
        return int((wall + timedelta(minutes=minutes)).timestamp())

    def plan(self, day):
        p = self.plans.get(day)
        if p:
            return p
        r, i = self.rng(day, "plan"), (day - self.start).days
        rest = int(round(52 + self.seed % 9 + 3 * math.sin(i / 7.5)
                         + 1.5 * math.sin(i / 1.75) + r.uniform(-0.8, 0.8)))
        reserve = 220 - self.user.age - rest
        mins = [int(rest + f * reserve) for f in (0.30, 0.40, 0.60, 0.85)]
        zones = [(z, mins[k], mins[k + 1] - 1 if k < 3 else 220)
                 for k, z in enumerate(ZONE_TYPES)]
        bed = self.epoch(day, 22 * 60 + r.randint(0, 100))
        wake = bed + 60 * r.randint(390, 510)
        stages, t, cycle = [], bed, 0
        while t < wake:
            seq = [("LIGHT", r.randint(10, 30)),
                   ("DEEP", r.randint(max(5, 30 - 6 * cycle), max(10, 45 - 8 * cycle))),
                   ("LIGHT", r.randint(5, 15)),
                   ("REM", r.randint(5 + 5 * cycle, 15 + 8 * cycle))]
            if r.random() < 0.4:
                seq.append(("AWAKE", r.randint(1, 6)))
            for kind, minutes in seq:
                end = min(t + 60 * minutes, wake)
                if end > t:
                    stages.append((kind, t, end))
                    t = end
            cycle += 1
        workout = None
        if i % 5 in (1, 3):    # gaps of 2 and 3 days
            kind = r.choice(["RUNNING", "RUNNING", "WALKING", "BIKING", "HIIT", "WORKOUT"])
            ws = self.epoch(day, r.randint(9 * 60, 19 * 60))
            workout = (kind, ws, ws + 60 * r.randint(25, 75))
        gaps = []
        for _ in range(r.randint(0, 2)):   # charging, showers: off wrist
            gs = self.epoch(day, r.randint(9 * 60, 20 * 60))
            ge = gs + 60 * r.randint(10, 60)
            if (not workout or ge <= workout[1] or gs >= workout[2]) and \
                    all(ge <= a or gs >= b for a, b in gaps):
                gaps.append((gs, ge))
        p = self.plans[day] = {"rest": rest, "zones": zones, "stages": stages,
                               "workout": workout, "gaps": sorted(gaps)}
        return p

    def light(self, day):
        p, rec = self.plan(day), Day()
        rec.rest, rec.zones, rec.complete = p["rest"], p["zones"], False
        rec.sleep = [self.sleep_point(day, p["stages"])]
        return rec

    def generate(self, day):
        """The full day: samples, steps, time in zones, exercise."""
        user, p, prev = self.user, self.plan(day), self.plan(day - timedelta(1))
        rec = self.light(day)
        t0, t1 = self.epoch(day, 0), self.epoch(day + timedelta(1), 0)
        segs = [(a, b, k) for k, a, b in prev["stages"] + p["stages"]]
        segs += [(a, b, "OFF") for a, b in p["gaps"]]
        if p["workout"]:
            segs.append((p["workout"][1], p["workout"][2], p["workout"][0]))
        segs = sorted(sg for sg in segs if sg[1] > t0 and sg[0] < t1)
        off0, off1 = utc_offset(user.tz, t0), utc_offset(user.tz, t1 - 1)
        rest, zones = p["rest"], p["zones"]
        reserve = 220 - user.age - rest
        r, rs = self.rng(day, "samples"), self.rng(day, "steps")
        walk = {b for b in range(160) if r.random() < 0.12}   # 10-minute blocks
        minutes, samples, steps = {}, [], []
        hr, t, k = float(rest + 10), t0 + r.randint(0, 9), 0
        rnd, gauss = r.random, r.gauss

        def segment(t):
            nonlocal k
            while k < len(segs) and segs[k][1] <= t:
                k += 1
            return segs[k] if k < len(segs) and segs[k][0] <= t else None

        while t < t1:
            sg = segment(t)
            kind = sg[2] if sg else None
            if kind == "OFF":
                t = sg[1] + r.randint(1, 15)
                continue
            if kind in SLEEP_HR:
                target, step, motion = rest + SLEEP_HR[kind], 5 + int(rnd() * 11), "SEDENTARY"
            elif kind:
                share = WORKOUTS[kind][1]
                if kind == "HIIT":
                    share = 0.92 if (t - sg[0]) // 120 % 2 else 0.5
                ramp = min(1.0, (t - sg[0]) / 300.0, (sg[1] - t) / 240.0)
                target = rest + 25 + ramp * (share * reserve - 25)
                step, motion = 1 + int(rnd() * 3), "ACTIVE"
            elif (t - t0) // 600 in walk:
                target, step, motion = rest + 0.35 * reserve, 2 + int(rnd() * 5), "ACTIVE"
            else:
                target, step, motion = rest + 14, 3 + int(rnd() * 10), "SEDENTARY"
            hr += (target - hr) * min(0.9, 0.12 * step) + gauss(0, 1.3)
            bpm = int(round(min(205, max(38, hr))))
            off = off0 if off0 == off1 else utc_offset(user.tz, t)
            samples.append((t, off, t, off, (bpm, motion)))
            acc = minutes.setdefault(t // 60, [0, 0])
            acc[0] += bpm
            acc[1] += 1
            t += step
        k = 0
        for m in range(t0, t1, 60):     # 1-minute steps while worn
            sg = segment(m)
            kind = sg[2] if sg else None
            if kind == "OFF":
                continue
            if kind in WORKOUTS:
                count = rs.randrange(*WORKOUTS[kind][2])
            elif kind:
                count = 0
            elif (m - t0) // 600 in walk:
                count = rs.randint(80, 115)
            else:
                count = rs.randint(1, 25) if rs.random() < 0.3 else 0
            off = off0 if off0 == off1 else utc_offset(user.tz, m)
            steps.append((m, off, m + 60, off, count))
        zone_of = {}
        for m, (total, n) in minutes.items():
            z = minute_zone(total / n, zones)
            if z:
                zone_of[m] = z
        rec.tiz = {z: 60 * sum(1 for v in zone_of.values() if v == z) for z in ZONE_TYPES}
        rec.steps_total = sum(sp[4] for sp in steps)
        if p["workout"]:
            rec.exercise = [self.exercise_point(day, p["workout"], samples, steps, zone_of)]
        samples.reverse()
        steps.reverse()
        rec.hr, rec.steps, rec.complete = samples, steps, True
        return rec

    def exercise_point(self, day, workout, samples, steps, zone_of):
        kind, ws, we = workout
        name, _, _, stride, kcal = WORKOUTS[kind]
        bpms = [sp[4][0] for sp in samples if ws <= sp[0] < we]
        nsteps = sum(sp[4] for sp in steps if ws <= sp[0] < we)
        zmin = collections.Counter(z for m, z in zone_of.items() if ws // 60 <= m < we // 60)
        tz, secs = self.user.tz, we - ws
        dist = nsteps * stride * 1000 if stride else (
            secs * 6500.0 if kind == "BIKING" else 0)
        summary = {"caloriesKcal": round(kcal * secs / 60.0, 1)}
        if dist:
            summary["distanceMillimeters"] = float(round(dist))
            summary["averageSpeedMillimetersPerSecond"] = round(dist / secs, 1)
        if nsteps:
            summary["steps"] = str(nsteps)
        summary["averageHeartRateBeatsPerMinute"] = str(round(sum(bpms) / max(1, len(bpms))))
        azm = zmin["MODERATE"] + 2 * (zmin["VIGOROUS"] + zmin["PEAK"])
        if azm:
            summary["activeZoneMinutes"] = str(azm)
        summary["heartRateZoneDurations"] = {
            "lightTime": duration(60 * zmin["LIGHT"]),
            "moderateTime": duration(60 * zmin["MODERATE"]),
            "vigorousTime": duration(60 * zmin["VIGOROUS"]),
            "peakTime": duration(60 * zmin["PEAK"])}
        body = {"@name": "users/%s/dataTypes/exercise/dataPoints/%s" % (
                    self.user.health_id, stable_digits("%s:%s:ex" % (self.seed, day), 19)),
                "exerciseType": kind, "displayName": name,
                "interval": interval_json(ws, utc_offset(tz, ws), we, utc_offset(tz, we)),
                "activeDuration": duration(secs),
                "createTime": rfc3339(we + 300), "updateTime": rfc3339(we + 300),
                "metricsSummary": summary}
        if kind in ("RUNNING", "WALKING", "BIKING"):
            body["exerciseMetadata"] = {"hasGps": True}
        return (ws, utc_offset(tz, ws), we, utc_offset(tz, we), body)

    def sleep_point(self, day, stages):
        tz = self.user.tz
        bed, wake = stages[0][1], stages[-1][2]
        totals = collections.OrderedDict((k, [0, 0]) for k in ("AWAKE", "LIGHT", "DEEP", "REM"))
        out = []
        for kind, a, b in stages:
            totals[kind][0] += (b - a) // 60
            totals[kind][1] += 1
            out.append({"type": kind, "startTime": rfc3339(a),
                        "startUtcOffset": duration(utc_offset(tz, a)),
                        "endTime": rfc3339(b), "endUtcOffset": duration(utc_offset(tz, b))})
        whole = (wake - bed) // 60
        summary = {"minutesAsleep": str(whole - totals["AWAKE"][0]),
                   "minutesInSleepPeriod": str(whole),
                   "stagesSummary": [{"type": k, "minutes": str(v[0]), "count": str(v[1])}
                                     for k, v in totals.items() if v[1]]}
        if totals["AWAKE"][0]:
            summary["minutesAwake"] = str(totals["AWAKE"][0])
        h = hashlib.sha256(("%s:%s:sleep" % (self.seed, day)).encode()).hexdigest()
        body = {"@name": "users/%s/dataTypes/sleep/dataPoints/%s-%s-%s-%s-%s" % (
                    self.user.health_id, h[:8], h[8:12], h[12:16], h[16:20], h[20:32]),
                "type": "STAGES",
                "interval": interval_json(bed, utc_offset(tz, bed), wake, utc_offset(tz, wake)),
                "createTime": rfc3339(wake + 600), "updateTime": rfc3339(wake + 600),
                "metadata": {"processed": True, "stagesStatus": "SUCCEEDED"},
                "stages": out, "summary": summary}
        return (bed, utc_offset(tz, bed), wake, utc_offset(tz, wake), body)


def minute_zone(mean_bpm, zones):
    """The highest zone whose min is <= the minute's mean bpm, else None."""
    found = None
    for z, lo, _ in zones:
        if mean_bpm >= lo:
            found = z
    return found

# ------------------------------------------------------------ JSON rendering

DS_TRACKER = {"recordingMethod": "PASSIVELY_MEASURED", "platform": "FITBIT",
              "device": {"displayName": "Pixel Watch 3", "formFactor": "WATCH",
                         "manufacturer": "Google"}}
DS_LEGACY = {"recordingMethod": "PASSIVELY_MEASURED", "platform": "FITBIT",
             "device": {"displayName": "Charge 2", "formFactor": "FITNESS_BAND",
                        "manufacturer": "Fitbit"}}
DS_ACTIVE = dict(DS_TRACKER, recordingMethod="ACTIVELY_MEASURED")
DS_DERIVED = {"recordingMethod": "DERIVED", "platform": "FITBIT",
              "device": {"displayName": "Pixel Watch 3", "formFactor": "WATCH",
                         "manufacturer": "Google"}}


def render_point(user, dtype, p, reconcile):
    """One point -> its JSON object (list shape, or reconcile shape)."""
    t, off, t2, off2, data = p
    if dtype == "heart-rate":
        bpm, motion = data
        meta = {"motionContext": motion} if motion else {}
        meta["sensorLocation"] = "WRIST"
        body = {"sampleTime": {"physicalTime": rfc3339(t),
                               "utcOffset": duration(off),
                               "civilTime": civil_json(t + off)},
                "beatsPerMinute": str(bpm), "metadata": meta}
        source, name = DS_TRACKER if motion else DS_LEGACY, None
    else:
        body, source, name = render_other(user, dtype, p)
    out = {}
    if name:
        out["dataPointName" if reconcile else "name"] = name
    if not reconcile:
        out["dataSource"] = source
    out[DATA_TYPES[dtype][0]] = body
    return out


def render_other(user, dtype, p):
    """(body, data source, resource name) for types other than heart-rate."""
    t, off, t2, off2, data = p
    if dtype == "steps":
        body = {"interval": interval_json(t, off, t2, off2)}
        if data:     # proto3 JSON omits a zero count
            body["count"] = str(data)
        return body, DS_TRACKER, None
    if dtype in ("exercise", "sleep"):
        body = dict(data)
        name = body.pop("@name")
        return body, DS_TRACKER if dtype == "sleep" else DS_ACTIVE, name
    day = date_json(*time.gmtime(t)[:3])
    if dtype == "daily-resting-heart-rate":
        return {"date": day, "beatsPerMinute": str(data),
                "dailyRestingHeartRateMetadata": {"calculationMethod": "WITH_SLEEP"}
                }, DS_DERIVED, None
    return {"date": day, "heartRateZones": [
        {"heartRateZoneType": z, "minBeatsPerMinute": str(lo),
         "maxBeatsPerMinute": str(hi)} for z, lo, hi in data]}, DS_DERIVED, None

# --------------------------------------------------------------- list paging


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


def encode_token(day, index, h):
    raw = json.dumps([day.isoformat(), index, h], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(token, h):
    """Page token -> (day, index); 400 when garbled or minted for another request."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        day_s, index, th = json.loads(raw)
        day, index = date.fromisoformat(day_s), int(index)
    except (ValueError, TypeError):
        raise bad_request("Invalid page token.", field="page_token")
    if th != h:
        raise bad_request("The page token does not match the request: repeat "
                          "every other request field unchanged.",
                          field="page_token")
    return day, index


def list_points(user, dtype, query, reconcile):
    """dataPoints.list / dataPoints:reconcile for one data type."""
    listable, cap = DATA_TYPES[dtype][2], DATA_TYPES[dtype][4]
    if not listable:
        raise bad_request("Data type %s does not support list or reconcile in "
                          "this server; use dataPoints:dailyRollUp." % dtype,
                          "DATA_TYPE_NOT_SUPPORTED_FOR_OPERATION")
    family = query.get("dataSourceFamily", query.get("data_source_family", ""))
    if family and family not in DATA_SOURCE_FAMILIES:
        raise bad_request("Invalid dataSourceFamily: %s" % family,
                          field="data_source_family")
    size = page_size_param(query, cap)
    flt = query.get("filter", "")
    predicate, lo, hi = parse_filter(flt, dtype)
    h = request_hash(user.id, dtype, reconcile, flt, size, family)
    token = query.get("pageToken", query.get("page_token", ""))
    days = [d for d in user.days if (lo is None or d >= lo) and (hi is None or d <= hi)]
    start_day, start_index = (decode_token(token, h) if token
                              else (days[-1] if days else None, 0))
    out, next_token = [], None
    for day in reversed(days):
        if day > start_day:
            continue
        pts = user.points(dtype, day)
        for i in range(start_index if day == start_day else 0, len(pts)):
            p = pts[i]
            if predicate is not None and not predicate(p):
                continue
            if len(out) == size:
                next_token = encode_token(day, i, h)
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


FILTER_TOKEN_RE = re.compile(r'\s*(?:(?P<str>"[^"\\]*(?:\\.[^"\\]*)*")|(?P<op>>=|<=|!=|[<>=:])'
                             r'|(?P<paren>[()])|(?P<word>[A-Za-z0-9_.+\-]+))')
RFC3339_RE = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d{1,9})?"
                        r"(Z|[+-]\d\d:\d\d)$")
CIVIL_RE = re.compile(r"^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d):(\d\d))?$")


def filter_error(reason, message):
    return bad_request("Invalid filter: " + message,
                       "INVALID_DATA_POINT_FILTER" + (reason and "_" + reason),
                       "filter")


def tokenize_filter(text):
    tokens, pos = [], 0
    while text[pos:].strip():
        m = FILTER_TOKEN_RE.match(text, pos)
        if not m:
            raise filter_error("SYNTAX", "cannot read the filter at %r"
                               % text[pos:].strip()[:20])
        kind = m.lastgroup
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


def filter_literal(value, kind):
    """A literal -> epoch (rfc3339) or naive local epoch (civil, date)."""
    if kind == "rfc3339":
        m = RFC3339_RE.match(value)
        expected = 'an RFC 3339 timestamp such as "2026-07-01T00:00:00Z"'
    else:
        m = CIVIL_RE.match(value)
        if kind == "date" and m and m.group(4):
            m = None
        expected = ('a date "YYYY-MM-DD"' if kind == "date"
                    else 'a civil time "YYYY-MM-DD" or "YYYY-MM-DDTHH:mm:ss"')
    try:
        f = [int(x) for x in m.groups()[:6] if x is not None]
        stamp = datetime(*f)   # validates the calendar
    except (AttributeError, TypeError, ValueError):
        raise filter_error("RESTRICTION_COMPARABLE", "%r is not %s" % (value, expected))
    t = calendar.timegm(stamp.timetuple())
    if kind == "rfc3339":
        t += float(m.group(7) or 0)
        if m.group(8) != "Z":
            sign = -1 if m.group(8)[0] == "+" else 1
            t += sign * (int(m.group(8)[1:3]) * 3600 + int(m.group(8)[4:6]) * 60)
    return t


def parse_filter(text, dtype):
    """Parse a list filter strictly -> (predicate or None, first day, last day).

    Grammar (the AIP-160 subset Google documents):
        expr   := term { "AND" term }
        term   := factor { "OR" factor }        (OR: sleep end time only)
        factor := "(" expr ")" | MEMBER (">=" | "<") "\"literal\""
    Members are the exact snake_case names of DATA_TYPES[dtype]."""
    if not text.strip():
        return None, None, None
    members = DATA_TYPES[dtype][3]
    tokens = tokenize_filter(text)
    pos = [0]

    def peek():
        return tokens[pos[0]] if pos[0] < len(tokens) else (None, None)

    def take():
        tok = peek()
        if tok[0] is None:
            raise filter_error("UNEXPECTED_END_OF_INPUT", "the filter ends too early")
        pos[0] += 1
        return tok

    def restriction():
        kind, member = take()
        if kind == "paren" and member == "(":
            node = expr()
            if take() != ("paren", ")"):
                raise filter_error("MISSING_TOKEN", "missing ')'")
            return node
        if kind == "str":
            raise filter_error("EXPRESSION_STRUCTURE",
                               "a restriction must start with a field name")
        if kind != "word" or member in ("AND", "OR", "NOT"):
            raise filter_error("UNEXPECTED_TOKEN", "unexpected %r" % member)
        if member not in members:
            hint = (" (members are snake_case)" if re.search("[A-Z]", member)
                    else "")
            raise filter_error("DATA_TYPE_MEMBER", "%r is not a filterable member "
                               "of %s%s; use one of: %s" % (
                                   member, dtype, hint, ", ".join(sorted(members))))
        okind, op = peek()
        if okind != "op":
            if okind is None:
                raise filter_error("UNEXPECTED_END_OF_INPUT", "operator expected")
            raise filter_error("MISSING_TOKEN", "operator expected after %s" % member)
        take()
        if op not in (">=", "<"):
            raise filter_error("UNEXPECTED_TOKEN", "operator %r is not supported; "
                               "use >= or <" % op)
        lkind, literal = take()
        if lkind != "str":
            raise filter_error("RESTRICTION_COMPARABLE", "the value %r must be a "
                               "double-quoted literal" % literal)
        key, fmt = members[member]
        return ("cmp", key, op, filter_literal(literal[1:-1], fmt))

    def term():
        nodes = [restriction()]
        while peek() == ("word", "OR"):
            if dtype != "sleep":
                raise filter_error("EXPRESSION_STRUCTURE", "OR is only supported "
                                   "for sleep end times")
            take()
            nodes.append(restriction())
        return nodes[0] if len(nodes) == 1 else ("or", nodes)

    def expr():
        nodes = [term()]
        while peek() == ("word", "AND"):
            take()
            nodes.append(term())
        return nodes[0] if len(nodes) == 1 else ("and", nodes)

    tree = expr()
    if peek()[0] is not None:
        raise filter_error("UNEXPECTED_TOKEN", "unexpected %r" % peek()[1])
    return compile_filter(tree), *filter_days(tree)


def compile_filter(node):
    if node[0] == "cmp":
        _, key, op, v = node
        get = {"start": lambda p: p[0], "cstart": lambda p: p[0] + p[1],
               "end": lambda p: p[2], "cend": lambda p: p[2] + p[3]}[key]
        return (lambda p: get(p) >= v) if op == ">=" else (lambda p: get(p) < v)
    parts = [compile_filter(n) for n in node[1]]
    if node[0] == "and":
        return lambda p: all(f(p) for f in parts)
    return lambda p: any(f(p) for f in parts)


def filter_days(tree):
    """Local days that can hold matches, from the top-level AND restrictions.

    A day's points start on that local day; physical bounds are widened by
    a day for the UTC offset and end bounds by a day for session length."""
    lo = hi = None
    for node in tree[1] if tree[0] == "and" else [tree]:
        if node[0] != "cmp":
            continue
        _, key, op, v = node
        day = datetime.fromtimestamp(v, timezone.utc).date()
        slack = (key in ("start", "end")) + (key in ("end", "cend"))
        if op == ">=":
            d = day - timedelta(slack)
            lo = d if lo is None else max(lo, d)
        else:
            d = day + timedelta(1 if key in ("start", "end") else 0)
            hi = d if hi is None else min(hi, d)
    return lo, hi


# -------------------------------------------------------------------- state


class State:
    """All mutable server state; every method runs under self.lock."""

    def __init__(self, config, base_dir, user_rate):
        self.config, self.base_dir, self.user_rate = config, base_dir, user_rate
        self.lock = threading.RLock()
        self.cache = LRU(24)
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
            self.add_client({"client_id": "test-client",
                             "client_secret": "test-secret"})
            for c in self.config.get("clients", []):
                self.add_client(c)
            for u in self.config.get("users", []):
                self.add_user(u, self.base_dir)
            if self.config.get("consent"):
                self.consent = {"user": self.config["consent"]}
            self.reset_stats()

    def reset_stats(self):
        with self.lock:
            self.stats = {"total": 0, "by_data_type": {}, "by_status": {},
                          "by_user": {}, "requests": []}
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
        """Bearer header -> (user, granted scopes); 401 ApiError otherwise."""
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
            return self.users[grant["user"]], grant["scopes"]

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
        """Per-user sliding one-minute window; 429 with Retry-After when full."""
        limit = user.rate_limit if user.rate_limit is not None else self.user_rate
        now = time.time()
        with self.lock:
            win = self.windows.setdefault(user.id, collections.deque())
            while win and win[0] <= now - 60:
                win.popleft()
            if limit and len(win) >= limit:
                raise rate_error(max(1, math.ceil(win[0] + 60 - now)), limit)
            win.append(now)

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

    def record(self, entry, page_key):
        """Count one answered (or dropped: status 0) non-control request."""
        with self.lock:
            st = self.stats
            st["total"] += 1
            for field, key in (("by_data_type", entry["data_type"]),
                               ("by_status", str(entry["status"])),
                               ("by_user", entry["user"] or "-")):
                if key:
                    st[field][key] = st[field].get(key, 0) + 1
            st["requests"].append(entry)
            del st["requests"][:-10000]
            if page_key:
                self.page_counts[page_key] = self.page_counts.get(page_key, 0) + 1

    def stats_snapshot(self):
        with self.lock:
            dup = sum(n - 1 for n in self.page_counts.values() if n > 1)
            return dict(json.loads(json.dumps(self.stats)), duplicate_pages=dup)


# ---------------------------------------------------------------- API routes

API_RE = re.compile(r"^/v4/users/me/dataTypes/([a-z0-9-]+)/dataPoints(:[A-Za-z]+)?$")


def require_scope(scopes, scope, method):
    if scope and scope not in scopes:
        raise ApiError(403, details=[error_info(
            "ACCESS_TOKEN_SCOPE_INSUFFICIENT", service="health.googleapis.com",
            method="google.devicesandservices.health.v4." + method)],
            headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
                     'error="insufficient_scope", scope="%s"' % scope})


def check_data_type(dtype):
    if dtype not in DATA_TYPES:
        if dtype in OTHER_GOOGLE_TYPES:
            raise bad_request("Data type %s is not supported by this server."
                              % dtype, "DATA_TYPE_NOT_SUPPORTED")
        raise bad_request("Unknown data type: %s" % dtype, "INVALID_DATA_TYPE")


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


def daily_rollup(user, dtype, body):
    """dataPoints:dailyRollUp: civil-day windows, newest first, no paging."""
    req = json_body(body, ("range", "windowSizeDays", "pageSize", "pageToken",
                           "dataSourceFamily"))
    rng = req.get("range") or {}
    start = civil_date_arg(rng.get("start"), "range.start")
    end = civil_date_arg(rng.get("end"), "range.end")
    size = req.get("windowSizeDays", 1)
    if type(size) is not int or size < 1:
        raise bad_request("windowSizeDays must be a positive integer",
                          "INVALID_ROLLUP_WINDOW", "window_size_days")
    if end <= start:
        raise bad_request("range.end must be after range.start", field="range")
    if (end - start).days > 90:
        raise bad_request("The range may span at most 90 days.", field="range")
    out, ws = [], start
    while ws < end:
        we = min(ws + timedelta(size), end)
        facts = [user.facts(d) for d in user.days if ws <= d < we]
        if dtype == "steps":
            vals = [f.steps_total for f in facts if f.steps_total is not None]
            value = vals and ({"countSum": str(sum(vals))} if sum(vals) else {})
        else:
            vals = [f.tiz for f in facts if f.tiz]
            value = vals and {"timeInHeartRateZones": [
                {"heartRateZone": z, "duration": duration(sum(v.get(z, 0) for v in vals))}
                for z in ZONE_TYPES]}
        if vals:
            out.append({"civilStartTime": {"date": date_json(ws.year, ws.month, ws.day)},
                        "civilEndTime": {"date": date_json(we.year, we.month, we.day)},
                        DATA_TYPES[dtype][0]: value})
        ws = we
    out.reverse()
    return {"rollupDataPoints": out} if out else {}


def user_resource(user, what):
    """GET users/me/settings | profile | identity."""
    if what == "settings":
        return {"name": "users/me/settings", "timeZone": user.tz_name,
                "utcOffset": duration(utc_offset(user.tz, time.time()))}
    if what == "profile":
        first = user.days[0] if user.days else date(2020, 1, 1)
        return {"name": "users/me/profile", "age": user.age,
                "membershipStartDate": date_json(first.year, first.month, first.day)}
    return {"name": "users/me/identity", "healthUserId": user.health_id,
            "legacyUserId": user.legacy_id}


LIST_PARAMS = ("filter", "pageSize", "page_size", "pageToken", "page_token",
               "dataSourceFamily", "data_source_family", "alt", "prettyPrint", "key")
ROLLUPS = {":dailyRollUp": (daily_rollup, ("time-in-heart-rate-zone", "steps")),
           ":rollUp": (None, ())}     # physical-window rollUp: not served


def api_request(state, method, path, query, body, auth):
    """Answer one /v4/ request: returns (status, JSON object, user id)."""
    user, scopes = state.authenticate(auth)
    m = API_RE.match(path)
    if m:
        dtype, verb = m.group(1), m.group(2) or ""
        check_data_type(dtype)
        if method == "GET" and verb in ("", ":reconcile"):
            for k in query:
                if k not in LIST_PARAMS:
                    raise bad_request('Invalid JSON payload received. Unknown name "%s": '
                                      "Cannot bind query parameter." % k, field=k)
            require_scope(scopes, DATA_TYPES[dtype][1], "DataPointsService.ListDataPoints")
            state.rate_check(user)
            with state.lock:
                return 200, list_points(user, dtype, query, verb == ":reconcile"), user.id
        if method == "POST" and verb in ROLLUPS:
            func, types = ROLLUPS[verb]
            if dtype not in types:
                raise bad_request("Data type %s does not support %s in this server."
                                  % (dtype, verb[1:]), "DATA_TYPE_NOT_SUPPORTED_FOR_OPERATION")
            require_scope(scopes, DATA_TYPES[dtype][1], "DataPointsService.RollUp")
            state.rate_check(user)
            with state.lock:
                return 200, func(user, dtype, body), user.id
    m = re.match(r"^/v4/users/me/(settings|profile|identity)$", path)
    if m and method == "GET":
        what = m.group(1)
        require_scope(scopes, {"settings": S_SETTINGS, "profile": S_PROFILE}.get(what),
                      "HealthProfileService.Get" + what.capitalize())
        state.rate_check(user)
        return 200, user_resource(user, what), user.id
    raise ApiError(404, "Method not found: %s %s" % (method, path))


# -------------------------------------------------------------------- OAuth

PKCE_RE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
OTHER_SCOPES = ("openid", "email", "profile")


def s256(verifier):
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def authorize(state, query):
    """GET /o/oauth2/v2/auth -> redirect URL with a code (or an error)."""
    def fail(message, error="invalid_request"):
        raise OAuthError(400, error, message)
    with state.lock:
        client_id = query.get("client_id", "")
        client = state.clients.get(client_id)
        if client is None:
            raise OAuthError(401, "invalid_client", "The OAuth client was not found.")
        redirect = query.get("redirect_uri", "")
        allowed = client.get("redirect_uris")
        if not re.match(r"^https?://", redirect) or (allowed and redirect not in allowed):
            fail("redirect_uri is missing or not registered for this client",
                 "redirect_uri_mismatch")
        if query.get("response_type") != "code":
            fail("Invalid response_type: expected code", "unsupported_response_type")
        for name in ("scope", "state", "code_challenge"):
            if not query.get(name):
                fail("Missing required parameter: %s" % name)
        if query.get("code_challenge_method") != "S256":
            fail("code_challenge_method must be S256")
        if not PKCE_RE.match(query["code_challenge"]):
            fail("Invalid code_challenge: 43-128 characters [A-Za-z0-9._~-]")
        if query.get("access_type") != "offline":
            fail("access_type must be offline (a refresh token is needed)")
        if "consent" not in query.get("prompt", "").split():
            fail("prompt must include consent (a refresh token is needed)")
        requested = query["scope"].split()
        bad = [sc for sc in requested
               if not sc.startswith(SCOPE_PREFIX) and sc not in OTHER_SCOPES]
        if bad:
            fail("Some requested scopes were invalid. {invalid=[%s]}" % ", ".join(bad),
                 "invalid_scope")
        consent = state.consent
        if consent is None and len(state.users) == 1:
            consent = {"user": next(iter(state.users))}
        if not consent or consent.get("user") not in state.users:
            fail("No user is set to consent: POST /_fake/consent first")
        sep = "&" if "?" in redirect else "?"
        if consent.get("deny"):
            return redirect + sep + urlencode({"error": "access_denied",
                                               "state": query["state"]})
        user = state.users[consent["user"]]
        only = consent.get("scopes")
        granted = [sc for sc in requested if sc in user.scopes
                   and (only is None or sc in only)]
        code = "4/0fake-" + secrets.token_urlsafe(24)
        state.codes[code] = {"user": user.id, "client": client_id,
                             "redirect_uri": redirect, "scopes": granted,
                             "challenge": query["code_challenge"],
                             "expires": time.time() + 600}
        return redirect + sep + urlencode({"state": query["state"], "code": code,
                                           "scope": " ".join(granted)})


def client_credentials(form, headers):
    """client_id/secret from HTTP Basic auth or the form body."""
    auth = headers.get("Authorization") or ""
    if auth.startswith("Basic "):
        try:
            cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            return cid, secret
        except ValueError:
            raise OAuthError(401, "invalid_client", "Unauthorized")
    return form.get("client_id", ""), form.get("client_secret", "")


def token_endpoint(state, body, headers):
    """POST /token: authorization_code and refresh_token grants."""
    form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace"),
                                          keep_blank_values=True).items()}
    cid, secret = client_credentials(form, headers)
    grant = form.get("grant_type", "")
    expired = "Token has been expired or revoked."
    with state.lock:
        client = state.clients.get(cid)
        if client is None:
            raise OAuthError(401, "invalid_client", "The OAuth client was not found.")
        if not secret:
            raise OAuthError(400, "invalid_request", "client_secret is missing.")
        if secret != client["client_secret"]:
            raise OAuthError(401, "invalid_client", "Unauthorized")
        if grant == "authorization_code":
            code = state.codes.pop(form.get("code", ""), None)   # single use
            if code is None:
                raise OAuthError(400, "invalid_grant", "Malformed auth code.")
            if code["expires"] < time.time() or code["client"] != cid \
                    or code["user"] not in state.users:
                raise OAuthError(400, "invalid_grant", "Bad Request")
            if form.get("redirect_uri") != code["redirect_uri"]:
                raise OAuthError(400, "redirect_uri_mismatch", "Bad Request")
            verifier = form.get("code_verifier", "")
            if not verifier:
                raise OAuthError(400, "invalid_grant", "Missing code verifier.")
            if s256(verifier) != code["challenge"]:
                raise OAuthError(400, "invalid_grant", "Invalid code verifier.")
            refresh = "1//fake-" + secrets.token_urlsafe(32)
            state.refresh[refresh] = {"user": code["user"], "scopes": code["scopes"],
                                      "client": cid, "revoked": False}
            access, life = state.new_access_token(code["user"], code["scopes"], refresh)
            return {"access_token": access, "expires_in": life,
                    "refresh_token": refresh, "scope": " ".join(code["scopes"]),
                    "token_type": "Bearer"}
        if grant == "refresh_token":
            token = form.get("refresh_token", "")
            if not token:
                raise OAuthError(400, "invalid_request",
                                 "Missing required parameter: refresh_token")
            rt = state.refresh.get(token)
            if rt is None or rt["revoked"] or rt["user"] not in state.users \
                    or rt["client"] not in (None, cid):
                raise OAuthError(400, "invalid_grant", expired)
            access, life = state.new_access_token(rt["user"], rt["scopes"], token)
            return {"access_token": access, "expires_in": life,
                    "scope": " ".join(rt["scopes"]), "token_type": "Bearer"}
        raise OAuthError(400, "unsupported_grant_type", "Invalid grant_type: %s" % grant)


def revoke_endpoint(state, body, query):
    """POST /revoke?token=...: revokes a refresh token, or an access token
    together with the refresh token it came from (as Google does)."""
    form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    token = form.get("token") or query.get("token", "")
    with state.lock:
        if token in state.access:
            token = state.access.pop(token)["refresh"] or ""
        elif token not in state.refresh:
            raise OAuthError(400, "invalid_token", "Token expired or revoked")
        state.revoke_refresh(token)
    return {}


# ------------------------------------------------- rate limit, faults, stats

FAULT_STATUSES = (400, 401, 403, 404, 429, 500, 502, 503, 504)
FAULT_BODIES = ("malformed", "truncated", "cut_json", "wrong_types",
                "out_of_range", "oversized", "close", "endless_pages",
                "same_page_token")
PAGING_FAULTS = ("endless_pages", "same_page_token")


def valid_json(body):
    try:
        json.loads(body)
        return True
    except ValueError:
        return False


def mutate_paging(status, payload, kind, query, counter):
    """A page that never lets paging end: endless_pages answers with a new
    nextPageToken every time, same_page_token with the one it was asked
    for.  A request that carries such a token (which the fake would refuse)
    gets an empty page that asks for more."""
    try:
        obj = json.loads(payload) if status == 200 else {}
    except ValueError:
        obj = {}
    if not isinstance(obj, dict):
        obj = {}
    asked = query.get("pageToken", query.get("page_token", ""))
    if kind == "endless_pages":
        # a quote and a backslash: a client must escape the token it sends
        # back in a JSON body
        obj["nextPageToken"] = 'fake-endless-%d"\\' % counter
    else:
        obj["nextPageToken"] = asked or "fake-same"
    return json.dumps(obj, separators=(",", ":")).encode()
DTYPE_RE = re.compile(r"/dataTypes/([^/:]+)")


def rate_error(retry_after, limit=None):
    return ApiError(429, details=[
        error_info("RATE_LIMIT_EXCEEDED", service="health.googleapis.com",
                   quota_limit="ReadRequestsPerMinutePerUser",
                   quota_limit_value=str(limit or 300)),
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure",
         "violations": [{"subject": "user", "description": "Quota exceeded"}]}],
        headers={"Retry-After": str(retry_after)})


def mutate_json(payload, kind):
    """wrong_types: int64 strings become JSON numbers; out_of_range: the
    first data point gets a bpm of 400 (a steps count of -40)."""
    try:
        obj = json.loads(payload)
    except ValueError:
        return payload
    first = [True]

    def walk(node):
        if isinstance(node, list):
            return [walk(x) for x in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for k, v in node.items():
            if kind == "wrong_types" and isinstance(v, str) and re.match(r"^-?\d+$", v):
                v = int(v)
            elif kind == "out_of_range" and first[0] and k in (
                    "beatsPerMinute", "averageHeartRateBeatsPerMinute", "count"):
                v, first[0] = ("-40" if k == "count" else "400"), False
            out[k] = walk(v)
        return out
    return json.dumps(walk(obj), separators=(",", ":")).encode()

# ------------------------------------------------------------- control API


def control(state, method, path, body):
    """/_fake/... (no auth): returns (status, JSON object)."""
    try:
        req = json.loads(body) if body.strip() else {}
    except ValueError:
        return 400, {"error": "the body must be JSON"}
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


# -------------------------------------------------------------- HTTP server


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60

    def version_string(self):
        return "ESF"     # the Server header Google's front end sends

    def log_message(self, fmt, *args):
        log = self.server.log_file
        if log:
            log.write("%s %s\n" % (time.strftime("%H:%M:%S"), fmt % args))
            log.flush()

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send(self, status, payload, headers=None, ctype="application/json; charset=UTF-8"):
        """Send a complete answer; payload is bytes or a JSON-able object."""
        if not isinstance(payload, bytes):
            payload = json.dumps(payload, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(payload)
        return len(payload)

    def dispatch(self, method):
        state = self.server.state
        parts = urlsplit(self.path)
        path = parts.path
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        body = self.read_body()
        if path.startswith("/_fake/"):
            status, obj = control(state, method, path, body)
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


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """Tracebacks (and clients hanging up) go to --log only: stay quiet."""
        if self.log_file:
            self.log_file.write(traceback.format_exc())
            self.log_file.flush()


def load_config(path):
    if not path:
        return {}, os.getcwd()
    with open(path) as f:
        cfg = json.load(f)
    if isinstance(cfg, list):
        cfg = {"users": cfg}
    return cfg, os.path.dirname(os.path.abspath(path))


def write_atomically(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Fake Google Health API v4 server.")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--pid-file")
    ap.add_argument("--config")
    ap.add_argument("--log")
    ap.add_argument("--user-rate", type=int, default=300,
                    help="API requests per minute per user (default 300)")
    args = ap.parse_args(argv)
    config, base_dir = load_config(args.config)
    server = Server(("127.0.0.1", args.port), Handler)
    server.state = State(config, base_dir, args.user_rate)
    server.log_file = open(args.log, "a") if args.log else None
    port = server.server_address[1]

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.pid_file:
        write_atomically(args.pid_file, "%d\n" % os.getpid())
    if args.port_file:
        write_atomically(args.port_file, "%d\n" % port)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        if args.pid_file and os.path.exists(args.pid_file):
            os.unlink(args.pid_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
