#!/usr/bin/python3
"""Fake Last.fm and ListenBrainz APIs for Tracker's tests.

Standard library only (Debian's /usr/bin/python3, 3.11).  Run it:

    /usr/bin/python3 test/fakes/music.py --port 0 --port-file F
        [--pid-file F] [--config users.json] [--log F]
        [--key-rate N] [--lb-rate N]

It listens on 127.0.0.1 only and serves both APIs on one port: point
tracker.lastfm_url and tracker.listenbrainz_url at http://127.0.0.1:PORT.
With --port 0 it picks a free port and writes it to --port-file
(atomically, once listening).  SIGTERM or SIGINT stop it cleanly (exit
status 0).  It prints nothing unless --log is given.

CONFIGURATION (--config; also the body of POST /_fake/users)
  {"users": [USER...], "api_keys": [KEY...], "suspended_keys": [KEY...]}
  (a bare list = users).  The key 0123456789abcdef0123456789abcdef always
  works; keys are 32 hex digits.
  USER: service ("lastfm" or "listenbrainz"); name; tz (IANA, default UTC:
  the zone whose clock the history follows); private (Last.fm: error 17);
  history {"start": "YYYY-MM-DD", "days": N, "seed": S, "min": 20,
  "max": 60, "edges": true} (min..max listens a day; "edges": false leaves
  out the quiet days and the edge cases below, so that "min": 1, "max": 1
  gives exactly one listen a day).  Last.fm names are matched without regard to case, ListenBrainz
  names exactly.

GENERATED HISTORY (deterministic per seed, user and date)
  A catalogue of 160 artists per seed (Zipf-like popularity; names with
  accents, CJK, Cyrillic, quotes, "&", "/", an emoji, a 300-byte name),
  with albums and tracks; MBIDs for most artists, albums and tracks, ""
  (Last.fm) or absent (ListenBrainz) for the rest; some tracks without
  an album.  Each local day has min..max listens at times weighted toward
  the evening, about one day in 30 has none.  Edge cases on purpose: a
  listen exactly at local midnight every 17th day, one at 23:59:59 every
  29th day, and every 13th day two different tracks in the same second.
  A (time, track) pair is never repeated, so every listen is distinct
  under Tracker's key.  The history is generated on first use.

LAST.FM: GET /2.0/?method=user.getrecenttracks
  Query: user, api_key, format=json (anything else: 400; the fake speaks
  JSON only), limit (default 50, 1..1000; above 1000 it is cut to 1000),
  page (default 1), from (inclusive), to (exclusive) in Unix seconds,
  extended (0|1).  Answer:
    {"recenttracks": {"track": [...], "@attr": {"user", "totalPages",
     "page", "perPage", "total"}}}
  Every number in "@attr" and "date.uts" is a string.  Tracks come newest
  first.  A page holding exactly one track gives "track" as that object.
  While the user is "now playing" (POST /_fake/now_playing) page 1 starts
  with {"@attr": {"nowplaying": "true"}, ...} without "date", on top of
  the page's scrobbles.  A page beyond the last one is empty.
  Errors are {"message": ..., "error": N}: 3 unknown method (400), 6
  missing parameter or bad limit/page (400), 6 "User not found" (404), 10
  invalid API key (403), 17 private profile (403), 26 suspended API key
  (403), 29 rate limit (429; --key-rate requests per second per key).

LISTENBRAINZ: GET /1/user/{name}/listens
  Query: count (default 25, above 1000 cut to 1000), max_ts, min_ts.
  max_ts alone: the newest listens strictly before it.  min_ts (with or
  without max_ts): the *oldest* listens strictly after it (and before
  max_ts); either way the page lists them newest first.  Answer:
    {"payload": {"count", "latest_listen_ts", "oldest_listen_ts",
     "listens": [...], "user_id"}}
  A listen: listened_at and inserted_at (integers), recording_msid,
  user_name, track_metadata {artist_name, track_name, release_name (may be
  null), additional_info {recording_msid, submission_client, duration_ms,
  and MBIDs when known}, mbid_mapping (most listens)}.
  Errors are {"code": N, "error": ...}: 400 bad parameters, 404 "Cannot
  find user: NAME", 429 with X-RateLimit-* headers (--lb-rate requests per
  10 seconds).

CONTROL API (JSON, no auth; not counted in the stats)
  GET  /_fake/health            {"status": "ok", "users": [...]}
  POST /_fake/reset             back to the startup configuration
  GET|POST /_fake/users         list / add or replace users
  POST /_fake/now_playing       {service, user, on}
  POST /_fake/listens           {service, user, listens: [{at, artist,
                                track, album?, msid?}]}: late scrobbles;
                                ListenBrainz's recording_msid follows
                                the artist, track and album given (one
                                msid per submitted recording) unless
                                msid is given
  GET  /_fake/daily?service=&user=&tz=&start=&end=
                                per local day of tz in [start, end):
                                {"days": [{"day", "listens", "artists"}],
                                 "total": N}; days without listens left out
  POST|GET|DELETE /_fake/faults add rules (list) / show / clear
  GET|DELETE /_fake/stats       {total, by_service, by_status, by_user
                                ("service:user"), requests: [{service,
                                method, path, query, status, user}]} /
                                clear (API keys show as [hidden])

FAULT RULES (POST /_fake/faults with a list; first live match wins)
  {"match": {"service", "user", "path_regex"} (all optional),
   "times": N (default 1; -1 = until cleared), and one or more of:
   "status": N             that HTTP status with the API's error body
   "lastfm_error": N       Last.fm's error body for N ("message" to
                           choose the text) with "status" (default 200)
   "retry_after": S        a Retry-After header
   "delay_ms": N           answer late
   "insert_listens": N     first add N late listens at the newest end of
                           the requested range (pages shift)
   "body": "malformed"     200 with an HTML page
           "truncated"     Content-Length of the whole body, half sent
           "cut_json"      the first half of the JSON, right length
           "close"         the connection is closed without an answer
           "wrong_types"   Last.fm: numbers instead of numeric strings;
                           ListenBrainz: listened_at as a string
           "out_of_range"  the first listen's time becomes 99999999999
           "missing_field" the first listen loses its artist
           "bad_mbid"      the first listen's track MBID is not a UUID}
"""

import bisect
import hashlib
import json
import random
import re
import sys
import threading
import time
import traceback
import uuid
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qs, quote, urlsplit, unquote
from zoneinfo import ZoneInfo

import serving

DEFAULT_KEY = "0123456789abcdef0123456789abcdef"
KEY_RE = re.compile(r"^[0-9a-fA-F]{32}$")

# Listens per hour of the local day, relative.
HOUR_WEIGHTS = [1, 0.5, 0.3, 0.2, 0.1, 0.1, 0.3, 1, 2, 2, 1.5, 1.5,
                2, 1.5, 1.5, 2, 2.5, 3, 3.5, 4, 4, 3.5, 3, 2]

TRICKY_ARTISTS = [
    "Sigur Rós", "Motörhead", "Björk", "坂本龍一", "Florence + the Machine",
    "AC/DC", "Simon & Garfunkel", "Guns N' Roses", "!!!", "múm",
    "Мумий Тролль", 'The "Quoted" Band', "Emoji \U0001F3B5 Band",
    "Back\\slash", "Ólafur Arnalds", "L" + "o" * 298 + "ng",
]

SYLLABLES = ["ka", "lo", "mi", "ra", "ne", "su", "to", "vi", "an", "el",
             "or", "un", "da", "fe", "gu", "ho", "ji", "qu", "ze", "by"]

LASTFM_ERRORS = {
    3: (400, "Invalid Method - No method with that name in this package"),
    6: (400, "Invalid parameters - Your request is missing a required parameter"),
    8: (500, "Operation failed - Most likely the backend service failed. Please try again."),
    10: (403, "Invalid API key - You must be granted a valid key by last.fm"),
    11: (503, "Service Offline - This service is temporarily offline. Try again later."),
    16: (503, "There was a temporary error processing your request. Please try again"),
    17: (403, "Login: User required to be logged in"),
    26: (403, "Suspended API key - Access for your account has been suspended, please contact Last.fm"),
    29: (429, "Rate Limit Exceeded - Your IP has made too many requests in a short period"),
}


def stable_uuid(*parts):
    """A deterministic UUID (version 4 layout) from text parts."""
    h = hashlib.sha1("\x1f".join(str(p) for p in parts).encode()).digest()
    return str(uuid.UUID(bytes=h[:16], version=4))


def make_name(rng, words):
    return " ".join(
        "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3))).capitalize()
        for _ in range(words))


class Catalog:
    """Artists, albums and tracks of one seed, with popularity weights."""

    def __init__(self, seed):
        rng = random.Random("catalog:%s" % seed)
        self.artists = []
        names = list(TRICKY_ARTISTS)
        while len(names) < 160:
            n = make_name(rng, rng.randint(1, 3))
            if n not in names:
                names.append(n)
        rng.shuffle(names)
        for i, name in enumerate(names):
            artist = {"name": name,
                      "mbid": stable_uuid(seed, "artist", name) if rng.random() < 0.8 else "",
                      "tracks": []}
            for a in range(rng.randint(1, 3)):
                if rng.random() < 0.1:
                    album, album_mbid = "", ""
                else:
                    album = make_name(rng, rng.randint(1, 3))
                    album_mbid = stable_uuid(seed, "album", name, album) if rng.random() < 0.7 else ""
                for t in range(rng.randint(4, 10)):
                    track = make_name(rng, rng.randint(1, 4))
                    if rng.random() < 0.05:
                        track += " (feat. %s)" % rng.choice(TRICKY_ARTISTS[:12])
                    artist["tracks"].append({
                        "name": track, "album": album, "album_mbid": album_mbid,
                        "mbid": stable_uuid(seed, "track", name, album, track) if rng.random() < 0.6 else "",
                        "duration": rng.randint(90, 420)})
            self.artists.append(artist)
        self.weights = [1.0 / (i + 1) ** 0.9 for i in range(len(self.artists))]


CATALOGS = {}


def catalog(seed):
    if seed not in CATALOGS:
        CATALOGS[seed] = Catalog(seed)
    return CATALOGS[seed]


def local_epoch(tz, d, secs):
    """Unix seconds of local clock time d + secs in tz (fold 0)."""
    h, rem = divmod(secs, 3600)
    m, s = divmod(rem, 60)
    return int(datetime(d.year, d.month, d.day, h, m, s, tzinfo=tz).timestamp())


class User:
    """One user of one service and their listens (ascending by time)."""

    def __init__(self, cfg):
        self.service = cfg["service"]
        if self.service not in ("lastfm", "listenbrainz"):
            raise ValueError("service must be lastfm or listenbrainz")
        self.name = cfg["name"]
        self.tz = ZoneInfo(cfg.get("tz", "UTC"))
        self.private = bool(cfg.get("private", False))
        self.now_playing = bool(cfg.get("now_playing", False))
        h = cfg.get("history") or {}
        self.start = date.fromisoformat(h.get("start", "2025-06-01"))
        self.days = int(h.get("days", 0))
        self.seed = h.get("seed", 1)
        self.lo = int(h.get("min", 20))
        self.hi = int(h.get("max", 60))
        self.edges = bool(h.get("edges", True))
        self.late = 0
        self.cfg = cfg
        self._listens = None

    def key(self):
        return (self.service, self.name.lower() if self.service == "lastfm" else self.name)

    def summary(self):
        return {"service": self.service, "name": self.name, "listens": len(self.listens())}

    def listens(self):
        if self._listens is None:
            out = []
            for k in range(self.days):
                out.extend(self.generate(self.start + timedelta(days=k)))
            out.sort(key=lambda l: (l["at"], l["seq"]))
            self._listens = out
            self._times = [l["at"] for l in out]
        return self._listens

    def times(self):
        self.listens()
        return self._times

    def pick_track(self, rng):
        cat = catalog(self.seed)
        artist = rng.choices(cat.artists, cat.weights)[0]
        return artist, rng.choice(artist["tracks"])

    def make_listen(self, rng, at, seq, artist=None, track=None):
        if artist is None:
            artist, track = self.pick_track(rng)
        return {"at": at, "seq": seq, "artist": artist["name"],
                "artist_mbid": artist["mbid"], "track": track["name"],
                "track_mbid": track["mbid"], "album": track["album"],
                "album_mbid": track["album_mbid"], "duration": track["duration"],
                "msid": stable_uuid(self.name, "msid", at, track["name"]),
                "mapped": rng.random() < 0.6}

    def generate(self, d):
        rng = random.Random("%s:%s:%s:%s" % (self.seed, self.service, self.name, d.isoformat()))
        if self.edges and rng.random() < 0.033:
            return []
        n = rng.randint(self.lo, self.hi)
        seen = set()
        out = []

        def add(at, artist=None, track=None):
            l = self.make_listen(rng, at, len(out), artist, track)
            if (l["at"], l["track"]) in seen:
                return None
            seen.add((l["at"], l["track"]))
            l["seq"] = d.toordinal() * 1000 + len(out)
            out.append(l)
            return l

        tries = 0
        while len(out) < n and tries < n * 10:
            tries += 1
            hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
            add(local_epoch(self.tz, d, hour * 3600 + rng.randrange(3600)))
        o = d.toordinal()
        if not self.edges:
            return out
        if out and o % 17 == 0:
            add(local_epoch(self.tz, d, 0))
        if out and o % 29 == 0:
            add(local_epoch(self.tz, d, 86399))
        if out and o % 13 == 0:
            first = out[rng.randrange(len(out))]
            for _ in range(10):
                if add(first["at"]) is not None:
                    break
        return out

    def add(self, listen):
        self.listens()
        i = bisect.bisect_right(self._times, listen["at"])
        self._listens.insert(i, listen)
        self._times.insert(i, listen["at"])

    def between(self, lo, hi):
        """Listens with lo <= at < hi, ascending."""
        t = self.times()
        return self._listens[bisect.bisect_left(t, lo):bisect.bisect_left(t, hi)]


class ApiError(Exception):
    def __init__(self, status, body, headers=None):
        super().__init__(str(body))
        self.status = status
        self.body = body
        self.headers = headers or {}


def lastfm_error(code, message=None, status=None):
    default_status, default_message = LASTFM_ERRORS.get(code, (400, "Error %d" % code))
    return ApiError(status or default_status,
                    {"message": message or default_message, "error": code})


def lb_error(status, message, headers=None):
    return ApiError(status, {"code": status, "error": message}, headers)


# ---------------------------------------------------------------- rendering

def lastfm_track(user, l, extended):
    t = {
        "artist": ({"url": "https://www.last.fm/music/" + quote(l["artist"]),
                    "name": l["artist"], "image": [], "mbid": l["artist_mbid"]}
                   if extended else {"mbid": l["artist_mbid"], "#text": l["artist"]}),
        "streamable": "0",
        "image": [{"size": s, "#text": "https://lastfm.freetls.fastly.net/i/u/%s/%s.png"
                   % (s, hashlib.md5(l["album"].encode()).hexdigest())}
                  for s in ("small", "medium", "large", "extralarge")],
        "mbid": l["track_mbid"],
        "album": {"mbid": l["album_mbid"], "#text": l["album"]},
        "name": l["track"],
        "url": "https://www.last.fm/music/%s/_/%s" % (quote(l["artist"]), quote(l["track"])),
    }
    if extended:
        t["loved"] = "0"
    if l.get("now_playing"):
        t["@attr"] = {"nowplaying": "true"}
    else:
        t["date"] = {"uts": str(l["at"]),
                     "#text": datetime.fromtimestamp(l["at"], timezone.utc).strftime("%d %b %Y, %H:%M")}
    return t


def lb_listen(user, l):
    info = {"recording_msid": l["msid"], "submission_client": "fake_music",
            "duration_ms": l["duration"] * 1000}
    if l["track_mbid"]:
        info["recording_mbid"] = l["track_mbid"]
    if l["album_mbid"]:
        info["release_mbid"] = l["album_mbid"]
    if l["artist_mbid"]:
        info["artist_mbids"] = [l["artist_mbid"]]
    meta = {"artist_name": l["artist"], "track_name": l["track"],
            "release_name": l["album"] or None, "additional_info": info}
    if l["mapped"] and l["track_mbid"]:
        meta["mbid_mapping"] = {
            "recording_mbid": l["track_mbid"], "recording_name": l["track"],
            "release_mbid": l["album_mbid"] or None,
            "artist_mbids": [l["artist_mbid"]] if l["artist_mbid"] else [],
            "artists": [{"artist_credit_name": l["artist"], "join_phrase": "",
                         "artist_mbid": l["artist_mbid"] or None}]}
    return {"inserted_at": l["at"] + 90, "listened_at": l["at"],
            "recording_msid": l["msid"], "track_metadata": meta,
            "user_name": user.name}


# ---------------------------------------------------------------- the APIs

def int_arg(query, name, default, error):
    v = query.get(name)
    if v is None or v == "":
        return default
    try:
        return int(v)
    except ValueError:
        raise error


def lastfm_request(state, query):
    """GET /2.0/: (user, JSON object, listens answered, range)."""
    method = (query.get("method") or "").lower()
    key = query.get("api_key")
    if not key or not state.key_ok(key):
        raise lastfm_error(10)
    if key.lower() in state.suspended:
        raise lastfm_error(26)
    if not state.rate_ok("lastfm:" + key.lower(), state.key_rate, 1.0):
        raise lastfm_error(29)
    if method != "user.getrecenttracks":
        raise lastfm_error(3)
    if query.get("format") != "json":
        raise ApiError(400, {"message": "this fake answers format=json only", "error": 6})
    if not query.get("user"):
        raise lastfm_error(6)
    user = state.users.get(("lastfm", query["user"].lower()))
    if user is None:
        raise lastfm_error(6, "User not found", 404)
    if user.private:
        raise lastfm_error(17)
    bad = lastfm_error(6, "Invalid parameters - limit, page, from and to must be integers")
    limit = int_arg(query, "limit", 50, bad)
    page = int_arg(query, "page", 1, bad)
    lo = int_arg(query, "from", 0, bad)
    hi = int_arg(query, "to", 1 << 62, bad)
    extended = query.get("extended") in ("1", "true")
    if limit < 1 or page < 1:
        raise bad
    limit = min(limit, 1000)
    return user, limit, page, lo, hi, extended


def lastfm_page(user, limit, page, lo, hi, extended):
    items = user.between(lo, hi)
    total = len(items)
    newest_first = items[::-1]
    chosen = newest_first[(page - 1) * limit:page * limit]
    tracks = [lastfm_track(user, l, extended) for l in chosen]
    if page == 1 and user.now_playing:
        cat = catalog(user.seed)
        a = cat.artists[0]
        tracks.insert(0, lastfm_track(user, {
            "artist": a["name"], "artist_mbid": a["mbid"], "track": a["tracks"][0]["name"],
            "track_mbid": a["tracks"][0]["mbid"], "album": a["tracks"][0]["album"],
            "album_mbid": a["tracks"][0]["album_mbid"], "now_playing": True, "at": 0}, extended))
    body = {"recenttracks": {
        "track": tracks[0] if len(tracks) == 1 else tracks,
        "@attr": {"user": user.name, "totalPages": str((total + limit - 1) // limit),
                  "page": str(page), "perPage": str(limit), "total": str(total)}}}
    return body, chosen


def lb_request(state, name, query):
    if not state.rate_ok("listenbrainz", state.lb_rate, 10.0):
        raise lb_error(429, "Too many requests. Please wait before making more requests.",
                       {"X-RateLimit-Limit": str(state.lb_rate), "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset-In": "10",
                        "X-RateLimit-Reset": str(int(time.time()) + 10)})
    user = state.users.get(("listenbrainz", name))
    if user is None:
        raise lb_error(404, "Cannot find user: %s" % name)
    count = int_arg(query, "count", 25, lb_error(400, "count must be an integer"))
    max_ts = int_arg(query, "max_ts", None, lb_error(400, "max_ts must be an integer"))
    min_ts = int_arg(query, "min_ts", None, lb_error(400, "min_ts must be an integer"))
    if count < 0:
        raise lb_error(400, "count should be a non-negative integer")
    if max_ts is not None and min_ts is not None and min_ts >= max_ts:
        raise lb_error(400, "min_ts should be less than max_ts")
    return user, min(count, 1000), max_ts, min_ts


def lb_page(user, count, max_ts, min_ts):
    lo = min_ts + 1 if min_ts is not None else -(1 << 62)
    hi = max_ts if max_ts is not None else 1 << 62
    items = user.between(lo, hi)
    chosen = items[:count] if min_ts is not None else items[-count:] if count else []
    chosen = chosen[::-1]
    all_times = user.times()
    body = {"payload": {
        "count": len(chosen),
        "latest_listen_ts": all_times[-1] if all_times else None,
        "oldest_listen_ts": all_times[0] if all_times else None,
        "listens": [lb_listen(user, l) for l in chosen],
        "user_id": user.name}}
    return body, chosen


def mutate(service, body, kind):
    """Apply a body fault that keeps the answer JSON."""
    if service == "lastfm":
        rt = body["recenttracks"]
        tracks = rt["track"] if isinstance(rt["track"], list) else [rt["track"]]
        dated = [t for t in tracks if "date" in t]
        if kind == "wrong_types":
            for k in ("page", "perPage", "totalPages", "total"):
                rt["@attr"][k] = int(rt["@attr"][k])
            for t in dated:
                t["date"]["uts"] = int(t["date"]["uts"])
        elif kind == "out_of_range" and dated:
            dated[0]["date"]["uts"] = "99999999999"
        elif kind == "missing_field" and dated:
            del dated[0]["artist"]
        elif kind == "bad_mbid" and dated:
            dated[0]["mbid"] = "not-a-uuid"
    else:
        listens = body["payload"]["listens"]
        if kind == "wrong_types":
            for l in listens:
                l["listened_at"] = str(l["listened_at"])
        elif kind == "out_of_range" and listens:
            listens[0]["listened_at"] = 99999999999
        elif kind == "missing_field" and listens:
            del listens[0]["track_metadata"]["artist_name"]
        elif kind == "bad_mbid" and listens:
            listens[0]["recording_msid"] = "not-a-uuid"
    return body


# ---------------------------------------------------------------- state

class State:
    def __init__(self, config, key_rate, lb_rate):
        self.config = config
        self.key_rate = key_rate
        self.lb_rate = lb_rate
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        with self.lock:
            self.users = {}
            self.keys = {DEFAULT_KEY}
            self.suspended = set()
            for u in self.config.get("users", []):
                self.add_user(u)
            self.add_keys(self.config)
            self.faults = []
            self.rates = {}
            self.reset_stats()

    def reset_stats(self):
        self.stats = {"total": 0, "by_service": {}, "by_status": {}, "by_user": {},
                      "requests": []}

    def add_keys(self, cfg):
        for k in cfg.get("api_keys", []):
            self.keys.add(k.lower())
        for k in cfg.get("suspended_keys", []):
            self.keys.add(k.lower())
            self.suspended.add(k.lower())

    def add_user(self, cfg):
        u = User(cfg)
        self.users[u.key()] = u
        return u

    def key_ok(self, key):
        return bool(KEY_RE.match(key)) and key.lower() in self.keys

    def rate_ok(self, bucket, limit, window):
        if not limit:
            return True
        now = time.monotonic()
        hits = [t for t in self.rates.get(bucket, []) if now - t < window]
        ok = len(hits) < limit
        if ok:
            hits.append(now)
        self.rates[bucket] = hits
        return ok

    def add_faults(self, rules):
        if isinstance(rules, dict):
            rules = [rules]
        for r in rules:
            r = dict(r)
            r.setdefault("times", 1)
            r.setdefault("match", {})
            self.faults.append(r)

    def take_fault(self, service, path, user):
        for r in self.faults:
            m = r["match"]
            if r["times"] == 0:
                continue
            if m.get("service") and m["service"] != service:
                continue
            if m.get("user") and (user is None or m["user"].lower() != user.lower()):
                continue
            if m.get("path_regex") and not re.search(m["path_regex"], path):
                continue
            if r["times"] > 0:
                r["times"] -= 1
            return r
        return None

    def record(self, entry):
        s = self.stats
        s["total"] += 1
        s["by_service"][entry["service"]] = s["by_service"].get(entry["service"], 0) + 1
        st = str(entry["status"])
        s["by_status"][st] = s["by_status"].get(st, 0) + 1
        if entry.get("user"):
            u = "%s:%s" % (entry["service"], entry["user"].lower()
                           if entry["service"] == "lastfm" else entry["user"])
            s["by_user"][u] = s["by_user"].get(u, 0) + 1
        s["requests"].append(entry)
        del s["requests"][:-2000]


def daily_counts(user, tzname, start, end):
    tz = ZoneInfo(tzname)
    lo = int(datetime(start.year, start.month, start.day, tzinfo=tz).timestamp())
    hi = int(datetime(end.year, end.month, end.day, tzinfo=tz).timestamp())
    days = {}
    for l in user.between(lo, hi):
        d = datetime.fromtimestamp(l["at"], tz).date().isoformat()
        e = days.setdefault(d, {"listens": 0, "artists": set()})
        e["listens"] += 1
        e["artists"].add(l["artist"])
    out = [{"day": d, "listens": e["listens"], "artists": len(e["artists"])}
           for d, e in sorted(days.items())]
    return {"days": out, "total": sum(x["listens"] for x in out)}


def control(state, method, path, query, body):
    """/_fake/... : (status, JSON object)."""
    what = path[len("/_fake/"):].strip("/")
    with state.lock:
        if what == "health":
            return 200, {"status": "ok", "users": [u.summary() for u in state.users.values()]}
        if what == "reset" and method == "POST":
            state.reset()
            return 200, {"status": "reset"}
        if what == "users":
            if method == "POST":
                cfg = body if isinstance(body, dict) and "users" in body else {"users": body}
                if isinstance(cfg["users"], dict):
                    cfg["users"] = [cfg["users"]]
                added = [state.add_user(u).summary() for u in cfg["users"]]
                state.add_keys(cfg)
                return 200, {"users": added}
            return 200, {"users": [u.summary() for u in state.users.values()]}
        if what in ("now_playing", "listens") and method == "POST":
            service = body.get("service", "lastfm")
            name = body.get("user", "")
            user = state.users.get((service, name.lower() if service == "lastfm" else name))
            if user is None:
                return 404, {"error": "no such user"}
            if what == "now_playing":
                user.now_playing = bool(body.get("on", True))
                return 200, {"now_playing": user.now_playing}
            for i, x in enumerate(body.get("listens", [])):
                rng = random.Random("late:%s:%s" % (x["at"], i))
                artist, track = user.pick_track(rng)
                l = user.make_listen(rng, int(x["at"]), 10 ** 12 + i, artist, track)
                l.update({k: x[k] for k in ("artist", "track", "album") if k in x})
                if any(k in x for k in ("artist", "track", "album")):
                    # ListenBrainz gives the same submitted recording the same msid
                    l["msid"] = stable_uuid(user.name, "msid", l["artist"], l["track"], l["album"])
                if "msid" in x:
                    l["msid"] = x["msid"]
                user.add(l)
            return 200, {"listens": len(user.listens())}
        if what == "daily":
            service = query.get("service", "lastfm")
            name = query.get("user", "")
            user = state.users.get((service, name.lower() if service == "lastfm" else name))
            if user is None:
                return 404, {"error": "no such user"}
            return 200, daily_counts(user, query.get("tz", "UTC"),
                                     date.fromisoformat(query["start"]),
                                     date.fromisoformat(query["end"]))
        if what == "faults":
            if method == "POST":
                state.add_faults(body)
            elif method == "DELETE":
                state.faults = []
            return 200, {"faults": state.faults}
        if what == "stats":
            if method == "DELETE":
                state.reset_stats()
            return 200, state.stats
    return 404, {"error": "unknown control call %s /_fake/%s" % (method, what)}


def insert_late(user, lo, hi, n):
    """n late listens at the newest end of [lo, hi) (pages shift); each
    call adds listens of its own (a different second, a different track)."""
    top = min(hi, user.times()[-1] + 3600 if user.times() else hi) - 1
    for i in range(n):
        user.late += 1
        at = top - user.late
        if at < lo:
            break
        rng = random.Random("late:%s:%s" % (user.name, user.late))
        artist, track = user.pick_track(rng)
        user.add(user.make_listen(rng, at, 2 * 10 ** 12 + user.late, artist, track))


class Handler(serving.Handler):
    server_version = "fake-music/1"

    def version_string(self):
        return self.server_version

    def log_line(self, line):
        return re.sub(r"api_key=[^& ]*", "api_key=[hidden]", line)

    def encode(self, obj):
        return json.dumps(obj, ensure_ascii=False).encode()

    def dispatch(self, method):
        parts = urlsplit(self.path)
        path = parts.path
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if path.startswith("/_fake/"):
            try:
                body = json.loads(raw) if raw else {}
                status, obj = control(self.server.state, method, path, query, body)
            except Exception as e:     # a bad control call: say so
                status, obj = 400, {"error": "%s: %s" % (type(e).__name__, e)}
            self.send(status, obj)
            return
        self.api(method, path, query)

    def api(self, method, path, query):
        state = self.server.state
        m = re.match(r"^/1/user/([^/]+)/listens$", path)
        if path in ("/2.0", "/2.0/"):
            service, user_name = "lastfm", query.get("user")
        elif m:
            service, user_name = "listenbrainz", unquote(m.group(1))
        else:
            service, user_name = "other", None
        headers = {}
        kind = None
        with state.lock:
            fault = state.take_fault(service, path, user_name)
            entry = {"service": service, "method": method, "path": path,
                     "query": {k: ("[hidden]" if k == "api_key" else v) for k, v in query.items()},
                     "user": user_name}
            try:
                if method != "GET" or service == "other":
                    raise ApiError(404, {"error": "not found: %s %s" % (method, path)})
                if fault and fault.get("status") and not fault.get("lastfm_error"):
                    if service == "lastfm":
                        code = {429: 29, 500: 8, 503: 16, 403: 10, 404: 6}.get(fault["status"], 8)
                        raise lastfm_error(code, status=fault["status"])
                    raise lb_error(fault["status"], "fault %d" % fault["status"])
                if fault and fault.get("lastfm_error") and service == "lastfm":
                    raise lastfm_error(fault["lastfm_error"], fault.get("message"),
                                       fault.get("status", 200))
                if service == "lastfm":
                    user, limit, page, lo, hi, extended = lastfm_request(state, query)
                    if fault and fault.get("insert_listens"):
                        insert_late(user, lo, hi, fault["insert_listens"])
                    obj, _ = lastfm_page(user, limit, page, lo, hi, extended)
                else:
                    user, count, max_ts, min_ts = lb_request(state, user_name, query)
                    if fault and fault.get("insert_listens"):
                        insert_late(user, (min_ts or 0) + 1, max_ts or (1 << 62),
                                    fault["insert_listens"])
                    obj, _ = lb_page(user, count, max_ts, min_ts)
                status = 200
                kind = fault.get("body") if fault else None
                if kind in ("wrong_types", "out_of_range", "missing_field", "bad_mbid"):
                    obj = mutate(service, obj, kind)
            except ApiError as e:
                status, obj, headers = e.status, e.body, dict(e.headers)
            except Exception:
                if self.server.log_file:
                    self.server.log_file.write(traceback.format_exc())
                status, obj = 500, {"error": "internal error of the fake"}
            if fault and fault.get("retry_after") is not None:
                headers["Retry-After"] = str(fault["retry_after"])
            entry["status"] = 0 if kind == "close" else status
            state.record(entry)
        if fault and fault.get("delay_ms"):
            time.sleep(fault["delay_ms"] / 1000.0)
        payload = json.dumps(obj, ensure_ascii=False).encode()
        if kind == "close":
            self.close_connection = True
            return
        if kind == "malformed":
            self.send(200, b"<html><body>Service temporarily busy</body></html>",
                      ctype="text/html")
            return
        if kind == "cut_json":
            self.send(status, payload[:len(payload) // 2], headers)
            return
        if kind == "truncated":
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            try:
                self.wfile.write(payload[:len(payload) // 2])
                self.wfile.flush()
            except OSError:
                pass
            self.close_connection = True
            return
        self.send(status, payload, headers)


def make_server(port=0, config=None, key_rate=0, lb_rate=0, log=None):
    server = serving.Server(("127.0.0.1", port), Handler)
    server.state = State(config or {}, key_rate, lb_rate)
    server.log_file = open(log, "a") if log else None
    return server


def main(argv=None):
    ap = serving.arguments("Fake Last.fm and ListenBrainz API server.")
    ap.add_argument("--key-rate", type=int, default=0,
                    help="Last.fm requests per second per API key (default 0: no limit)")
    ap.add_argument("--lb-rate", type=int, default=0,
                    help="ListenBrainz requests per 10 seconds (default 0: no limit)")
    args = ap.parse_args(argv)
    server = make_server(args.port, serving.read_config(args.config), args.key_rate,
                         args.lb_rate, args.log)
    return serving.serve(server, args.port_file, args.pid_file)


if __name__ == "__main__":
    sys.exit(main())
