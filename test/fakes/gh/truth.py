"""GET /_fake/truth: per local day, what a correct client must store or
compute from the merged stream (see the module docstring of
google_health.py for the format)."""

import collections
from datetime import timedelta

from .common import local_day, rfc3339
from .dayfull import M_DIST, M_FLOORS, M_HRN, M_KCAL, M_LEVEL, M_STEPS, M_T, M_ZONE
from .query import visible_from
from .render import cardio_level
from .types import ACTIVITY_LEVELS, AZM_ZONES, TYPES, ZONE_TYPES

TRUTH_TYPES = sorted(TYPES)


def day_truth(user, day, types, horizon, series=False):
    """{data type: value} for one local day (types without data left out)."""
    out = {}

    def pts(dtype, reconcile=True):
        p = user.points(dtype, day, reconcile)
        return p[visible_from(user, dtype, day, p, horizon):]

    minute_types = {"steps", "distance", "floors", "total-calories", "active-zone-minutes",
                    "active-minutes", "sedentary-period", "calories-in-heart-rate-zone",
                    "heart-rate", "time-in-heart-rate-zone"}
    rows = []
    if types & minute_types and user.synthetic(day):
        rows = [r for r in user.full_day(day).figures().minutes
                if horizon is None or r[M_T] + 60 <= horizon]
    if "heart-rate" in types:
        merged = pts("heart-rate")
        if merged:
            bpm = [p[4][0] for p in merged]
            v = {"samples": len(bpm), "list_samples": len(pts("heart-rate", False)),
                 "sum": sum(bpm), "min": min(bpm), "max": max(bpm)}
            if series:
                v["series"] = [[p[0], p[4][0]] for p in reversed(merged)]
            if rows:
                hr_rows = [r for r in rows if r[M_HRN]]
                zones = collections.Counter(r[M_ZONE] for r in hr_rows)
                v.update(worn_minutes=len(hr_rows), below_light_minutes=zones[None],
                         zone_minutes={z: zones[z] for z in ZONE_TYPES})
            out["heart-rate"] = v
    if rows:
        def total(field):
            return sum(r[field] for r in rows)
        for dtype, key, field in (("steps", "steps", M_STEPS),
                                  ("distance", "millimeters", M_DIST),
                                  ("floors", "floors", M_FLOORS)):
            if dtype in types:
                out[dtype] = {key: total(field), "minutes": len(rows)}
        if "total-calories" in types:
            out["total-calories"] = {"kcal": total(M_KCAL) / 1000.0}
        hr_rows = [r for r in rows if r[M_HRN]]
        if "time-in-heart-rate-zone" in types and hr_rows:
            zones = collections.Counter(r[M_ZONE] for r in hr_rows)
            out["time-in-heart-rate-zone"] = {z: 60 * zones[z] for z in ZONE_TYPES}
        if "calories-in-heart-rate-zone" in types and hr_rows:
            kcal = collections.Counter()
            for r in hr_rows:
                if r[M_ZONE]:
                    kcal[r[M_ZONE]] += r[M_KCAL]
            out["calories-in-heart-rate-zone"] = {z: kcal[z] / 1000.0 for z in ZONE_TYPES}
        if "active-zone-minutes" in types:
            mins = collections.Counter(r[M_ZONE] for r in rows if r[M_ZONE] in AZM_ZONES)
            if mins:
                credits = {AZM_ZONES[z][0]: mins[z] * AZM_ZONES[z][1] for z in AZM_ZONES}
                out["active-zone-minutes"] = {
                    "minutes": {AZM_ZONES[z][0]: mins[z] for z in AZM_ZONES},
                    "azm": credits, "total": sum(credits.values())}
        if "active-minutes" in types:
            levels = collections.Counter(r[M_LEVEL] for r in rows)
            if any(levels[k] for k in ACTIVITY_LEVELS):
                out["active-minutes"] = {k: levels[k] for k in ACTIVITY_LEVELS}
        if "sedentary-period" in types:
            sed = pts("sedentary-period")
            if sed:
                out["sedentary-period"] = {"minutes": sum(p[2] - p[0] for p in sed) // 60,
                                           "periods": len(sed)}
    elif "time-in-heart-rate-zone" in types and day in user.legacy:
        facts = user.light_day(day)
        if facts.tiz and (horizon is None or user.day_end(day) <= horizon):
            out["time-in-heart-rate-zone"] = {z: facts.tiz.get(z, 0) for z in ZONE_TYPES}
    out.update(daily_truth(user, day, types, pts))
    return out


def daily_truth(user, day, types, pts):
    out = {}
    for dtype in types:
        kind = TYPES[dtype].kind
        if kind != "daily":
            continue
        p = pts(dtype)
        if not p:
            continue
        v = p[0][4]
        if dtype == "daily-resting-heart-rate":
            out[dtype] = {"beats_per_minute": v}
        elif dtype == "daily-heart-rate-zones":
            out[dtype] = [{"zone": z, "min": lo, "max": hi} for z, lo, hi in v]
        elif dtype == "daily-heart-rate-variability":
            out[dtype] = {"average_ms": v["avg"], "deep_sleep_ms": v["deep"],
                          "entropy": v["entropy"], "non_rem_bpm": v["non_rem_hr"]}
        elif dtype == "daily-oxygen-saturation":
            out[dtype] = {"average": v[0], "lower": v[1], "upper": v[2], "stddev": v[3]}
        elif dtype == "daily-respiratory-rate":
            out[dtype] = {"breaths_per_minute": v}
        elif dtype == "daily-sleep-temperature-derivations":
            out[dtype] = {"nightly": v[0], "baseline": v[1], "stddev_30d": v[2]}
        elif dtype == "daily-vo2-max":
            out[dtype] = {"vo2_max": v[0], "level": cardio_level(v[0]), "estimated": v[1]}
    if "heart-rate-variability" in types and pts("heart-rate-variability"):
        vals = [p[4][0] for p in pts("heart-rate-variability")]
        out["heart-rate-variability"] = {"samples": len(vals), "mean_rmssd_ms":
                                         round(sum(vals) / len(vals), 3)}
    if "oxygen-saturation" in types and pts("oxygen-saturation"):
        vals = [p[4][0] for p in pts("oxygen-saturation")]
        out["oxygen-saturation"] = {"samples": len(vals),
                                    "mean": round(sum(vals) / len(vals), 3)}
    if "respiratory-rate-sleep-summary" in types and pts("respiratory-rate-sleep-summary"):
        out["respiratory-rate-sleep-summary"] = [
            {"time": rfc3339(p[0]), "breaths_per_minute": p[4]["full"][0]}
            for p in reversed(pts("respiratory-rate-sleep-summary"))]
    for dtype, field in (("weight", "grams"), ("body-fat", "percentage")):
        if dtype in types and pts(dtype):
            out[dtype] = [{"time": rfc3339(p[0]), field: p[4][1], "manual": p[4][2]}
                          for p in reversed(pts(dtype))]
    if "vo2-max" in types and pts("vo2-max"):
        out["vo2-max"] = [{"time": rfc3339(p[0]), "vo2_max": p[4]}
                          for p in reversed(pts("vo2-max"))]
    if "exercise" in types and pts("exercise"):
        out["exercise"] = [exercise_truth(p) for p in reversed(pts("exercise"))]
    return out


def exercise_truth(p):
    body = p[4]
    s = body["metricsSummary"]
    return {"name": body["@name"], "type": body["exerciseType"], "start": rfc3339(p[0]),
            "end": rfc3339(p[2]), "steps": int(s.get("steps", 0)),
            "calories_kcal": s["caloriesKcal"],
            "active_zone_minutes": int(s.get("activeZoneMinutes", 0))}


def sleep_truth(user, days, horizon):
    """Sleep sessions filed under the local day the person woke up."""
    out = collections.defaultdict(list)
    first, last = days[0], days[-1]
    d = first - timedelta(1)
    while d <= last and not user.unseen(d, horizon):
        pts = user.points("sleep", d, True)
        for p in pts[visible_from(user, "sleep", d, pts, horizon):]:
            s = p[4]
            wake_day = local_day(user.tz, s.wake)
            if first <= wake_day <= last:
                out[wake_day].append(session_truth(s))
        d += timedelta(1)
    for v in out.values():
        v.sort(key=lambda x: x["start"])
    return out


def session_truth(s):
    stages = collections.Counter()
    for kind, a, b in s.shown:
        stages[kind] += (b - a) // 60
    whole = (s.wake - s.bed) // 60
    return {"name": s.name, "start": rfc3339(s.bed), "end": rfc3339(s.wake),
            "type": s.type, "nap": s.nap, "main": not s.nap,
            "minutes_in_period": whole,
            "minutes_asleep": whole - stages["AWAKE"] - stages["RESTLESS"],
            "minutes_awake": stages["AWAKE"], "stages": dict(sorted(stages.items())),
            "out_of_bed_minutes": sum((b - a) // 60 for a, b in s.oob)}


def truth(user, first, last, types, horizon, series=False):
    """The whole answer of /_fake/truth."""
    days, d = [], first
    while d <= last:
        days.append(d)
        d += timedelta(1)
    result = {}
    sleep = sleep_truth(user, days, horizon) if "sleep" in types and days else {}
    for d in days:
        v = (day_truth(user, d, set(types) - {"sleep"}, horizon, series)
             if d in user.dayset and not user.unseen(d, horizon) else {})
        if sleep.get(d):
            v["sleep"] = sleep[d]
        if v:
            result[d.isoformat()] = v
    return result
