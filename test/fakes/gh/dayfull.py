"""One synthetic day with its samples: heart rate and steps of each device,
the merged stream, and every per-minute figure derived from it.

Every listed point is a tuple (t, off, t2, off2, payload): physical start,
its UTC offset, physical end, its offset, and a type-specific payload.
Lists are newest first.  Points of the second device carry its source
index as the payload's last element (see render.py)."""

import bisect
import collections
from datetime import timedelta

from .common import duration, interval_json, rfc3339, stable_digits, utc_offset
from .synth import SLEEP_HR, WORKOUTS
from .types import AZM_ZONES, ZONE_TYPES

# Minute rows of the merged stream (worn minutes, oldest first).
M_T, M_OFF, M_STEPS, M_DIST, M_FLOORS, M_ZONE, M_LEVEL, M_KCAL, M_HRN, M_HRSUM = range(10)
STRIDE_MM = {"RUNNING": 1050, "WALKING": 750, "WALK": 750}
FAST_WORKOUTS = ("RUNNING", "HIIT")


class Day:
    """Everything one user has on one local day (samples included)."""

    def __init__(self):
        self.hr = []          # heart-rate list points (every device), newest first
        self.steps = []       # 1-minute steps list points (every device)
        self.lists = {}       # data type -> list points (list method)
        self.recs = {}        # data type -> merged points (reconcile)
        self.minutes = []     # merged worn-minute rows, oldest first
        self.rest = None      # resting heart rate or None
        self.zones = None     # [(zone type, min, max)] or None
        self.tiz = None       # {zone type: seconds} or None
        self.exercise = []    # exercise points, newest first
        self.steps_total = None
        self.strides = None   # minute -> mm per step (two devices)
        self.pending = None   # computes the figures below the lists

    def figures(self):
        """The day with its minute rows, time in zones and exercise."""
        if self.pending:
            pending, self.pending = self.pending, None
            pending()
        return self

    def points(self, dtype, reconcile):
        """Newest-first points of a type: every device (list) or the merged
        stream (reconcile); built on first use."""
        cache = self.recs if reconcile else self.lists
        pts = cache.get(dtype)
        if pts is None:
            self.figures()
            pts = cache.get(dtype)
            if pts is None:
                pts = cache[dtype] = build_list(self, dtype, reconcile)
        return pts


def minute_zone(mean_bpm, zones):
    """The highest zone whose min is <= the minute's mean bpm, else None."""
    found = None
    for z, lo, _ in zones:
        if mean_bpm >= lo:
            found = z
    return found


def generate(synth, day):
    """The full day: samples, steps, both devices, minute figures."""
    user, p = synth.user, synth.plan(day)
    rec = Day()
    rec.rest, rec.zones = p["rest"], p["zones"]
    t0, t1 = synth.epoch(day, 0), synth.epoch(day + timedelta(1), 0)
    segs = [(a, b, k) for k, a, b in synth.sleep_segments(day)]
    segs += [(a, b, "OFF") for a, b in p["gaps"]]
    if p["workout"]:
        segs.append((p["workout"][1], p["workout"][2], p["workout"][0]))
    segs = sorted(sg for sg in segs if sg[1] > t0 and sg[0] < t1)
    off0, off1 = utc_offset(user.tz, t0), utc_offset(user.tz, t1 - 1)
    rest = p["rest"]
    reserve = 220 - user.age - rest
    r, rs = synth.rng(day, "samples"), synth.rng(day, "steps")
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
    kinds = {}
    k = 0
    for m in range(t0, t1, 60):     # 1-minute steps while worn
        sg = segment(m)
        kind = sg[2] if sg else None
        kinds[m] = kind if kind or (m - t0) // 600 not in walk else "WALK"
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
    oob = out_of_bed_steps(synth, day, steps)
    second = second_device(synth, day, samples, steps, t0, t1) \
        if len(user.devices) > 1 else None
    if second:
        rec.hr = sorted(samples + second[0], key=_src_key, reverse=True)
        rec.steps = sorted(steps + second[1], key=_src_key, reverse=True)
    else:
        rec.hr = samples[::-1]
        rec.steps = steps[::-1]
        rec.recs = {"heart-rate": rec.hr, "steps": rec.steps}
    rec.lists = {"heart-rate": rec.hr, "steps": rec.steps}

    def figures():
        merge(synth, day, rec, samples, steps, minutes, kinds, oob, second)
        if p["workout"]:
            zone_of = {row[M_T] // 60: row[M_ZONE] for row in rec.minutes if row[M_ZONE]}
            rec.exercise = [exercise_point(synth, day, p["workout"], samples, steps, zone_of)]
    rec.pending = figures      # the samples' lists are ready; figures when asked
    return rec


def out_of_bed_steps(synth, day, steps):
    """A few steps in each minute out of bed (their own random stream)."""
    spans = [sp for d in (day - timedelta(1), day)
             for s in synth.plan(d)["sessions"] for sp in s.oob]
    if not spans:
        return set()
    x, found = synth.rng(day, "oob"), set()
    for i, sp in enumerate(steps):
        if any(a <= sp[0] < b for a, b in spans):
            steps[i] = sp[:4] + (x.randint(4, 18),)
            found.add(sp[0])
    return found


def second_device(synth, day, samples, steps, t0, t1):
    """The second device's samples and steps: worn for part of the day,
    over the first device's off-wrist gaps too.  Returns (samples, steps)
    oldest first, each payload ending with source index 1."""
    user, x = synth.user, synth.rng(day, "second")
    rest = synth.plan(day)["rest"]
    ws = synth.epoch(day, x.randint(7 * 60 + 30, 10 * 60))
    we = synth.epoch(day, x.randint(16 * 60, 21 * 60 + 30))
    times = [sp[0] for sp in samples]
    out, t, hr = [], ws + x.randint(0, 6), float(rest + 14)
    while t < we:
        i = bisect.bisect_right(times, t) - 1
        if i >= 0 and t - times[i] <= 30:
            bpm0, motion = samples[i][4]
            bpm = int(round(bpm0 + x.gauss(0, 1.2)))
            hr = float(bpm)
        else:       # the first device is off the wrist
            hr += (rest + 14 - hr) * 0.15 + x.gauss(0, 1.0)
            bpm, motion = int(round(hr)), "SEDENTARY"
        off = utc_offset(user.tz, t)
        out.append((t, off, t, off, (max(38, min(205, bpm)), motion, 1)))
        t += 4 + int(x.random() * 6)
    first = {sp[0]: sp[4] for sp in steps}
    steps2 = []
    for m in range(ws - ws % 60, we - we % 60, 60):
        if not t0 <= m < t1:
            continue
        c = first.get(m)
        count = int(round(c * x.uniform(0.85, 1.1))) if c is not None else (
            x.randint(1, 20) if x.random() < 0.3 else 0)
        off = utc_offset(user.tz, m)
        steps2.append((m, off, m + 60, off, (count, 1)))
    return out, steps2


def merge(synth, day, rec, samples, steps, minutes, kinds, oob, second):
    """The merged stream (the first device wins every minute it has data
    for) and the per-minute figures."""
    p = synth.plan(day)
    zones = p["zones"]
    stream = {sp[0]: sp for sp in steps}
    hr_rec = samples
    if second:
        s_samples, s_steps = second
        s_min = {}
        for sp in s_samples:
            s_min.setdefault(sp[0] // 60, []).append(sp)
        extra = [sp for mk, pts in s_min.items() if mk not in minutes for sp in pts]
        for sp in extra:
            bpm = sp[4][0]
            acc = minutes.setdefault(sp[0] // 60, [0, 0])
            acc[0] += bpm
            acc[1] += 1
        hr_rec = sorted(samples + [sp[:4] + (sp[4][:2],) for sp in extra],
                        key=lambda q: q[0])
        for sp in s_steps:
            if sp[0] not in stream:
                stream[sp[0]] = sp[:4] + (sp[4][0],)
    fl = synth.rng(day, "floors")
    bmr_m = int(synth.bmr_day() * 1000 / 1440)
    rows, tiz, strides = [], collections.Counter(), {}
    for m in sorted(stream):
        sp = stream[m]
        count, kind = sp[4], kinds.get(m)
        if kind == "OFF":
            kind = None      # worn on the second device only
        acc = minutes.get(m // 60)
        zone = minute_zone(acc[0] / acc[1], zones) if acc else None
        asleep = kind in SLEEP_HR
        if asleep:
            level = "LIGHT" if m in oob and count else None
            kcal = int(bmr_m * 0.92) + 45 * count
        elif kind in WORKOUTS:
            level = "VIGOROUS" if kind in FAST_WORKOUTS else "MODERATE"
            kcal = int(WORKOUTS[kind][4] * 1000)
        else:
            level = "MODERATE" if count >= 90 else "LIGHT" if count else "SEDENTARY"
            kcal = bmr_m + 45 * count
        chance = {"WALK": 0.05, "WALKING": 0.06, "RUNNING": 0.03}.get(kind, 0.01 if count else 0)
        floors = 1 if chance and fl.random() < chance else 0
        strides[m] = STRIDE_MM.get(kind, 700)
        dist = count * strides[m]
        if acc:
            tiz[zone] += 60
            rows.append((m, sp[1], count, dist, floors, zone, level, kcal, acc[1], acc[0]))
        else:
            rows.append((m, sp[1], count, dist, floors, zone, level, kcal, 0, 0))
    rec.minutes = rows
    rec.tiz = {z: tiz[z] for z in ZONE_TYPES}
    rec.steps_total = sum(row[M_STEPS] for row in rows)
    derive_lists(rec, hr_rec, second, strides)


def _src_key(q):
    return (q[0], -source_of(q[4]))


def source_of(payload):
    """Source index of a list payload: 1 for the second device, whose
    payloads are tuples ending with 1 ((bpm, motion, 1), (count, 1))."""
    return 1 if type(payload) is tuple and payload[-1] == 1 else 0


def derive_lists(rec, hr_rec, second, strides):
    """Keep what the per-type lists are built from (on first use)."""
    if second:
        rec.recs["heart-rate"] = hr_rec[::-1]
        rec.strides = strides


def minute_points(rows, field, keep=None):
    """Newest-first 1-minute points of a minute-row field."""
    return [(row[M_T], row[M_OFF], row[M_T] + 60, row[M_OFF], row[field])
            for row in reversed(rows) if keep is None or keep(row[field])]


MINUTE_LISTS = {
    "steps": (M_STEPS, None),
    "distance": (M_DIST, None),
    "floors": (M_FLOORS, None),
    "time-in-heart-rate-zone": (M_ZONE, bool),
    "active-zone-minutes": (M_ZONE, lambda z: z in AZM_ZONES),
    "active-minutes": (M_LEVEL, lambda v: v not in (None, "SEDENTARY")),
}


def build_list(rec, dtype, reconcile):
    """A per-type point list of a day, built from its minute rows."""
    if dtype == "sedentary-period":
        return sedentary_periods(rec.minutes)
    if dtype == "distance" and not reconcile and rec.strides:
        strides = rec.strides
        return [sp[:4] + ((sp[4][0] * strides.get(sp[0], 700), 1) if type(sp[4]) is tuple
                          else sp[4] * strides.get(sp[0], 700),) for sp in rec.steps]
    if dtype in MINUTE_LISTS:
        field, keep = MINUTE_LISTS[dtype]
        return minute_points(rec.minutes, field, keep)
    return []


def sedentary_periods(rows):
    """Runs of consecutive sedentary minutes, newest first."""
    out, run = [], None
    for row in rows:
        if row[M_LEVEL] == "SEDENTARY" and run and run[2] == row[M_T]:
            run[2] = row[M_T] + 60
            run[3] = row[M_OFF]
        elif row[M_LEVEL] == "SEDENTARY":
            if run:
                out.append(tuple(run) + (None,))
            run = [row[M_T], row[M_OFF], row[M_T] + 60, row[M_OFF]]
        elif run:
            out.append(tuple(run) + (None,))
            run = None
    if run:
        out.append(tuple(run) + (None,))
    return out[::-1]


def exercise_point(synth, day, workout, samples, steps, zone_of):
    kind, ws, we = workout
    name, _, _, stride, kcal = WORKOUTS[kind]
    bpms = [sp[4][0] for sp in samples if ws <= sp[0] < we]
    nsteps = sum(sp[4] for sp in steps if ws <= sp[0] < we)
    zmin = collections.Counter(z for m, z in zone_of.items() if ws // 60 <= m < we // 60)
    tz, secs = synth.user.tz, we - ws
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
                synth.user.health_id, stable_digits("%s:%s:ex" % (synth.seed, day), 19)),
            "exerciseType": kind, "displayName": name,
            "interval": interval_json(ws, utc_offset(tz, ws), we, utc_offset(tz, we)),
            "activeDuration": duration(secs),
            "createTime": rfc3339(we + 300), "updateTime": rfc3339(we + 300),
            "metricsSummary": summary}
    if kind in ("RUNNING", "WALKING", "BIKING"):
        body["exerciseMetadata"] = {"hasGps": True}
    return (ws, utc_offset(tz, ws), we, utc_offset(tz, we), body)
