"""Legacy Fitbit Web API heart-rate day files served as Google Health data."""

import json
import os
import re
from datetime import date

from .common import local_converter
from .dayfull import Day
from .types import ZONE_TYPES

LEGACY_DATE_RE = re.compile(rb'"dateTime"\s*:\s*"(\d{4}-\d{2}-\d{2})"')
LEGACY_ZONES = {"out of range": "LIGHT", "fat burn": "MODERATE",
                "cardio": "VIGOROUS", "peak": "PEAK"}


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


def legacy_day(path, day, tz, with_samples):
    """Build a Day from a legacy file (samples only when asked: slower).

    Only heart rate, resting heart rate, zones and time in zones exist on
    such a day."""
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
        rec.lists = {"heart-rate": rec.hr}
        rec.recs = {"heart-rate": rec.hr}
    return rec
