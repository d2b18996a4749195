"""Configured users: identity, grants, devices, upload behaviour and data."""

import collections
import os
import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .common import (ALL_SCOPES, full_scope, local_day, local_midnight,
                     naive_midnight, parse_rfc3339, stable_digits)
from .dayfull import Day, generate
from .legacy import legacy_day, scan_legacy_dir
from .synth import Synthetic

# Devices a user can wear: key -> DataSource.device.
DEVICES = {
    "pixel_watch": {"displayName": "Pixel Watch 3", "formFactor": "WATCH",
                    "manufacturer": "Google"},
    "pixel_watch_4": {"displayName": "Pixel Watch 4", "formFactor": "WATCH",
                      "manufacturer": "Google"},
    "fitbit_charge": {"displayName": "Charge 6", "formFactor": "FITNESS_BAND",
                      "manufacturer": "Fitbit"},
    "fitbit_inspire": {"displayName": "Inspire 3", "formFactor": "FITNESS_BAND",
                       "manufacturer": "Fitbit"},
    "fitbit_sense": {"displayName": "Sense 2", "formFactor": "WATCH",
                     "manufacturer": "Fitbit"},
}
# Types whose points need the day's samples.
FULL_TYPES = {"heart-rate", "steps", "distance", "floors", "time-in-heart-rate-zone",
              "active-zone-minutes", "active-minutes", "sedentary-period"}
DEFAULT_SYNC_MINUTES = 5


class Facts:
    """A day's small facts, kept for good: daily figures, exercise, light
    points (by type) and full-day roll-up accumulators."""

    __slots__ = ("rest", "zones", "tiz", "exercise", "complete", "points", "aggs")

    def __init__(self):
        self.rest = self.zones = self.tiz = None
        self.exercise = []
        self.complete = True     # False: exercise and tiz not known yet
        self.points, self.aggs = {}, {}


class Upload:
    """When a user's recorded data reaches the server.

    The device syncs every every_minutes (at multiples of that period since
    the epoch), or only at the local clock times sync_times; no sync happens
    inside an offline window, and one happens at its end."""

    def __init__(self, cfg, tz):
        cfg = cfg or {}
        if not isinstance(cfg, dict):
            raise ValueError("upload must be an object")
        self.tz = tz
        self.every = int(cfg.get("every_minutes", DEFAULT_SYNC_MINUTES)) * 60
        if self.every <= 0:
            raise ValueError("every_minutes must be positive")
        self.times = []
        for hm in cfg.get("sync_times") or []:
            h, m = (int(x) for x in str(hm).split(":"))
            if not (0 <= h < 24 and 0 <= m < 60):
                raise ValueError("sync_times are local HH:MM")
            self.times.append(h * 60 + m)
        self.times.sort()
        self.offline = []
        for w in cfg.get("offline") or []:
            a, b = parse_rfc3339(w["from"]), parse_rfc3339(w["to"])
            if b <= a:
                raise ValueError("an offline window needs from < to")
            self.offline.append((int(a) // 60 * 60, int(b) // 60 * 60))

    def base_last(self, now):
        """The last regular sync at or before now."""
        if not self.times:
            return now - now % self.every
        d = local_day(self.tz, now)
        for k in range(0, 3):
            day = d - timedelta(k)
            mid = local_midnight(self.tz, day)
            for minutes in reversed(self.times):
                wall = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60,
                                tzinfo=self.tz)
                t = int(wall.timestamp())
                if t <= now and t >= mid:
                    return t
        return now - 3 * 86400

    def last_sync(self, now):
        """The horizon: everything recorded at or before it has reached the
        server at time now."""
        now = int(now)
        s = self.base_last(now)
        for _ in range(1000):
            inside = [a for a, b in self.offline if a <= s < b]
            if not inside:
                break
            s = self.base_last(min(inside) - 1)
        ends = [b for a, b in self.offline if b <= now]
        return max([s] + ends)


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


class User:
    """A configured user: identity, grants, time zone, devices and data."""

    def __init__(self, cfg, base_dir, cache):
        if not isinstance(cfg, dict) or not cfg.get("id"):
            raise ValueError("a user needs an \"id\"")
        self.id = str(cfg["id"])
        self.refresh_token = cfg.get("refresh_token")
        self.scopes = [full_scope(s) for s in (cfg.get("scopes") or ALL_SCOPES)]
        self.tz_name = cfg.get("tz", "UTC")
        self.tz = ZoneInfo(self.tz_name)
        self.age = int(cfg.get("age", 30))
        self.expires_in = int(cfg.get("expires_in", 3599))
        self.rate_limit = cfg.get("rate_limit")
        self.health_id = str(cfg.get("health_user_id")
                             or stable_digits("health:" + self.id, 20))
        self.legacy_id = str(cfg.get("legacy_user_id")
                             or "7" + stable_digits("legacy:" + self.id, 5))
        self.devices = list(cfg.get("devices") or ["pixel_watch"])
        if not 1 <= len(self.devices) <= 2 or any(d not in DEVICES for d in self.devices):
            raise ValueError("devices: one or two of %s" % ", ".join(sorted(DEVICES)))
        self.live = "upload" in cfg
        self.upload = Upload(cfg.get("upload"), self.tz)
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
                                   int(syn.get("days", 30)), int(syn.get("seed", 1)))
        days = set(self.legacy)
        if self.synth:
            days.update(self.synth.start + timedelta(i) for i in range(self.synth.days))
        self.days = sorted(days)
        self.dayset = set(days)
        self.light = {}    # day -> Facts (cheap facts, kept for good)

    def summary(self):
        return {"id": self.id, "healthUserId": self.health_id,
                "tz": self.tz_name, "days": len(self.days),
                "first_day": self.days[0].isoformat() if self.days else None,
                "last_day": self.days[-1].isoformat() if self.days else None,
                "devices": self.devices, "scopes": self.scopes, "live": self.live}

    def synthetic(self, day):
        return day not in self.legacy and self.synth is not None and self.synth.covers(day)

    # --------------------------------------------------------- day records

    def full_day(self, day):
        """The day with its samples (kept in a shared LRU cache)."""
        key = (self.key, day)
        rec = self.cache.get(key)
        if rec is None:
            if day in self.legacy:
                rec = legacy_day(self.legacy[day], day, self.tz, True)
            elif self.synthetic(day):
                rec = generate(self.synth, day)
            else:
                rec = Day()
            self.cache.put(key, rec)
        return rec

    def light_day(self, day):
        """The day's facts that need no samples (kept for good)."""
        rec = self.light.get(day)
        if rec is None:
            rec = Facts()
            if day in self.legacy:
                d = legacy_day(self.legacy[day], day, self.tz, False)
                rec.rest, rec.zones, rec.tiz = d.rest, d.zones, d.tiz
            elif self.synthetic(day):
                p = self.synth.plan(day)
                rec.rest, rec.zones, rec.complete = p["rest"], p["zones"], False
            self.light[day] = rec
        return rec

    def facts(self, day):
        """The day's small facts, generating its samples once if needed."""
        rec = self.light_day(day)
        if not rec.complete:
            self.figures(day)
        return rec

    def figures(self, day):
        """The full day with its figures (see Day.figures)."""
        full = self.full_day(day).figures()
        self.keep_facts(day, full)
        return full

    def keep_facts(self, day, full):
        """Keep the small facts of a day whose figures are made, so that a
        later read of its exercise or time in zones needs no samples (the
        full day may leave the cache by then)."""
        rec = self.light_day(day)
        if not rec.complete:
            rec.tiz, rec.exercise, rec.complete = full.tiz, full.exercise, True

    def points(self, dtype, day, reconcile=False):
        """Newest-first points of one data type on one local day (every
        device for list, the merged stream for reconcile)."""
        if day not in self.dayset:
            return []
        if dtype in FULL_TYPES:
            full = self.full_day(day)
            pts = full.points(dtype, reconcile)
            if full.pending is None:    # its figures are made: keep the small ones
                self.keep_facts(day, full)
            return pts
        if dtype == "exercise":
            if self.synthetic(day) and not self.synth.plan(day)["workout"]:
                return []    # no workout planned: no samples to make
            return self.facts(day).exercise
        facts = self.light_day(day)
        pts = facts.points.get(dtype)
        if pts is None:
            if self.synthetic(day):
                pts = self.synth.light_points(day, dtype)
            else:
                mid = naive_midnight(day)
                value = {"daily-resting-heart-rate": facts.rest,
                         "daily-heart-rate-zones": facts.zones}.get(dtype)
                pts = [(mid, 0, mid, 0, value)] if value else []
            facts.points[dtype] = pts
        return pts

    # ---------------------------------------------------------- visibility

    def horizon(self, now, simulated):
        """Everything recorded at or before the horizon is served; None
        means everything (real time, no upload settings: an archive)."""
        if not simulated and not self.live:
            return None
        return self.upload.last_sync(now)

    def unseen(self, day, horizon):
        """Is a whole local day still after the horizon (nothing to serve)?"""
        return horizon is not None and local_midnight(self.tz, day) >= horizon

    def day_end(self, day):
        """Epoch at which a local day is over (its daily figures are due)."""
        return local_midnight(self.tz, day + timedelta(1))
