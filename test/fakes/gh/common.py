"""Constants, time helpers and error types shared by the fake's modules."""

import calendar
import hashlib
import time
from datetime import date, datetime, timedelta, timezone

# ---------------------------------------------------------------- scopes

SCOPE_PREFIX = "https://www.googleapis.com/auth/googlehealth."
S_ACTIVITY = SCOPE_PREFIX + "activity_and_fitness.readonly"
S_METRICS = SCOPE_PREFIX + "health_metrics_and_measurements.readonly"
S_SLEEP = SCOPE_PREFIX + "sleep.readonly"
S_PROFILE = SCOPE_PREFIX + "profile.readonly"
S_SETTINGS = SCOPE_PREFIX + "settings.readonly"
ALL_SCOPES = [S_ACTIVITY, S_METRICS, S_SLEEP, S_PROFILE, S_SETTINGS]


def full_scope(name):
    """"sleep.readonly", "sleep" or the full URL -> the full scope URL."""
    if name.startswith("https://"):
        return name
    if "." not in name:
        name += ".readonly"
    return SCOPE_PREFIX + name

# ---------------------------------------------------------- time helpers


def rfc3339(t):
    """Epoch seconds -> RFC 3339 UTC timestamp as Google writes it."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def duration(seconds):
    """Seconds -> proto3 JSON Duration ("3600s", "-14400s")."""
    return "%ds" % seconds


def date_json(y, m, d):
    return {"year": y, "month": m, "day": d}


def day_json(day):
    return {"year": day.year, "month": day.month, "day": day.day}


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


def naive_day(naive):
    """The date of a naive local epoch."""
    return date(*time.gmtime(naive)[:3])


def utc_offset(tz, t):
    """UTC offset in seconds of zone tz at epoch t."""
    return int(datetime.fromtimestamp(t, tz).utcoffset().total_seconds())


def local_midnight(tz, day):
    """Epoch of local midnight starting day in zone tz."""
    return int(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp())


def local_day(tz, t):
    """The local date of epoch t in zone tz."""
    return datetime.fromtimestamp(t, tz).date()


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


def parse_rfc3339(text):
    """RFC 3339 ("...Z" or +hh:mm, optional fraction) -> epoch (float)."""
    text = text.strip()
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    stamp = datetime.fromisoformat(text)
    if stamp.tzinfo is None:
        raise ValueError("a time zone offset is required")
    return stamp.timestamp()


def epoch_utc_day(t):
    return datetime.fromtimestamp(t, timezone.utc).date()


def stable_digits(text, n):
    """n decimal digits derived from text (stable across runs)."""
    return str(int(hashlib.sha256(text.encode()).hexdigest(), 16))[-n:]


def stable_uuid(text):
    """A UUID-shaped name derived from text (stable across runs)."""
    h = hashlib.sha256(text.encode()).hexdigest()
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:32])

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


def not_found(message):
    return ApiError(404, message)


class OAuthError(Exception):
    """An error answered in the OAuth 2.0 token-endpoint shape."""

    def __init__(self, code, error, description):
        super().__init__(description)
        self.code, self.error, self.description = code, error, description


def rate_error(retry_after, limit=None):
    return ApiError(429, details=[
        error_info("RATE_LIMIT_EXCEEDED", service="health.googleapis.com",
                   quota_limit="ReadRequestsPerMinutePerUser",
                   quota_limit_value=str(limit or 300)),
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure",
         "violations": [{"subject": "user", "description": "Quota exceeded"}]}],
        headers={"Retry-After": str(retry_after)})
