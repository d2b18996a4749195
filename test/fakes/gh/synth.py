"""Synthetic data: the cheap per-day plan and everything derived from it
without heart-rate samples (sleep sessions, nightly series, daily sleep
figures, body measurements, VO2 max).  The samples themselves are built by
dayfull.py.  Everything is deterministic per seed and date."""

import math
import random
import statistics
from datetime import datetime, timedelta

from .common import (local_day, naive_midnight, stable_digits, stable_uuid,
                     utc_offset)
from .types import ZONE_TYPES

# Workout kinds: (display name, share of heart-rate reserve, steps per
# minute range, stride in metres (0: no distance), kcal per minute).
WORKOUTS = {"RUNNING": ("Run", 0.72, (150, 176), 1.05, 11.0),
            "WALKING": ("Walk", 0.42, (100, 121), 0.75, 4.5),
            "BIKING": ("Bike", 0.62, (0, 1), 0.0, 8.5),
            "HIIT": ("HIIT", 0.80, (40, 91), 0.0, 10.0),
            "WORKOUT": ("Workout", 0.55, (10, 41), 0.0, 6.5)}
# Heart rate relative to the resting rate in each physiological sleep stage.
SLEEP_HR = {"DEEP": -7, "LIGHT": -4, "REM": 1, "AWAKE": 6}
CLASSIC_OF = {"LIGHT": "ASLEEP", "DEEP": "ASLEEP", "REM": "ASLEEP"}


class Session:
    """One sleep session: main sleep or nap.

    stages are the physiological stages [(kind, start, end)] that drive the
    heart rate; shown are the stages the API reports (CLASSIC sleeps map
    them to ASLEEP/RESTLESS/AWAKE); oob are out-of-bed segments."""

    __slots__ = ("name", "bed", "wake", "stages", "shown", "type", "nap",
                 "oob", "plan_day", "json")

    def __init__(self, name, stages, sleep_type, nap, oob, plan_day):
        self.name, self.stages, self.type = name, stages, sleep_type
        self.bed, self.wake = stages[0][1], stages[-1][2]
        self.nap, self.oob, self.plan_day = nap, oob, plan_day
        self.shown = stages if sleep_type == "STAGES" else classic_stages(stages)
        self.json = None


def classic_stages(stages):
    """Physiological stages -> CLASSIC ones: short wakes are RESTLESS."""
    out = []
    for kind, a, b in stages:
        k = CLASSIC_OF.get(kind) or ("RESTLESS" if b - a <= 180 else "AWAKE")
        if out and out[-1][0] == k:
            out[-1] = (k, out[-1][1], b)
        else:
            out.append((k, a, b))
    return out


class Night:
    """Series recorded during one main sleep, and the next day's figures."""

    __slots__ = ("hrv", "spo2", "hrv_daily", "spo2_daily", "resp", "temp",
                 "non_rem_hr")


class Synthetic:
    """Deterministic generated data for one user, built lazily per day.

    A plan (resting HR, zones, tonight's sleep, a workout every 2-3 days,
    off-wrist gaps, naps, weigh-ins) costs microseconds; samples and steps
    are generated only when a day's samples or sample-derived facts are
    asked for (dayfull.py)."""

    def __init__(self, user, start, days, seed):
        self.user, self.start, self.days, self.seed = user, start, days, seed
        self.plans, self.nights, self.sessions_cache = {}, {}, {}

    def covers(self, day):
        return 0 <= (day - self.start).days < self.days

    def rng(self, day, what):
        return random.Random("%s:%s:%s" % (self.seed, day.isoformat(), what))

    def epoch(self, day, minutes):
        """Epoch of a local wall-clock time, minutes after day's midnight."""
        wall = datetime(day.year, day.month, day.day, tzinfo=self.user.tz)
        return int((wall + timedelta(minutes=minutes)).timestamp())

    def local_minutes(self, t):
        lt = datetime.fromtimestamp(t, self.user.tz)
        return lt.hour * 60 + lt.minute

    # ----------------------------------------------------------- the plan

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
        p = {"rest": rest, "zones": zones, "workout": workout, "gaps": sorted(gaps),
             "i": i}
        self.plan_sleep(day, p, stages)
        self.plans[day] = p
        return p

    def plan_sleep(self, day, p, stages):
        """Tonight's main sleep and today's nap (their own random stream, so
        that the draws above stay as they always were)."""
        x = self.rng(day, "sleep")
        if x.random() < 0.15:     # a late night: asleep after midnight
            shift = 60 * x.randint(40, 110)
            moved = [(k, a + shift, b + shift) for k, a, b in stages]
            if local_day(self.user.tz, moved[0][1]) > day and \
                    self.local_minutes(moved[-1][2]) <= 8 * 60 + 55:
                stages = moved
        sleep_type = "CLASSIC" if x.random() < 0.08 else "STAGES"
        oob = []
        if x.random() < 0.35:     # up once in the night
            awake = [(a, b) for k, a, b in stages if k == "AWAKE" and b - a >= 180]
            if awake:
                a, b = x.choice(awake)
                oob.append((a + 60, min(b, a + 60 * x.randint(3, 7))))
        main = Session(stable_uuid("%s:%s:sleep" % (self.seed, day)), stages,
                       sleep_type, False, oob, day)
        nap = None
        if x.random() < 0.2:
            ns = self.epoch(day, x.randint(13 * 60, 16 * 60 + 30))
            ne = ns + 60 * x.randint(20, 90)
            busy = list(p["gaps"]) + ([p["workout"][1:]] if p["workout"] else [])
            if all(ne + 600 <= a or ns >= b + 600 for a, b in busy):
                fall = 60 * x.randint(1, 4)
                nap = Session(stable_uuid("%s:%s:nap" % (self.seed, day)),
                              [("AWAKE", ns, ns + fall), ("LIGHT", ns + fall, ne)],
                              "CLASSIC", True, [], day)
        p["sleep"], p["nap"] = main, nap
        p["sessions"] = [s for s in (nap, main) if s]

    # ------------------------------------------------ per-day derivations

    def sleep_segments(self, day):
        """Physiological sleep stages of the sessions that can touch day."""
        out = []
        for d in (day - timedelta(1), day):
            for s in self.plan(d)["sessions"]:
                out.extend(s.stages)
        return out

    def sessions_starting(self, day):
        """Sleep sessions that start on local day (newest first)."""
        found = [s for d in (day - timedelta(1), day) for s in self.plan(d)["sessions"]
                 if local_day(self.user.tz, s.bed) == day]
        return sorted(found, key=lambda s: s.bed, reverse=True)

    def night(self, day):
        """The series of the main sleep that starts on the evening of day."""
        n = self.nights.get(day)
        if n:
            return n
        p, x = self.plan(day), self.rng(day, "night")
        s, i, seed = p["sleep"], p["i"], self.seed
        n = Night()
        base = 28 + seed % 7 * 6 + 6 * math.sin(i / 9.0) + x.uniform(-3, 3)
        n.hrv = []
        for t in range(s.bed + 300, s.wake, 300):
            kind = stage_at(s.stages, t)
            if kind in (None, "AWAKE"):
                continue
            f = {"DEEP": 1.25, "LIGHT": 1.0, "REM": 0.85}[kind]
            rmssd = round(max(5.0, base * f * math.exp(x.gauss(0, 0.12))), 1)
            sdnn = round(max(5.0, rmssd * 1.3 + x.gauss(0, 3)), 1)
            n.hrv.append((t, rmssd, sdnn, kind))
        spo2_base = 96.2 + (seed % 5) * 0.3
        n.spo2 = []
        for t in range(s.bed + 60, s.wake, 60):
            kind = stage_at(s.stages, t)
            if kind in (None, "AWAKE"):
                continue
            v = spo2_base + x.gauss(0, 0.8) - (0.6 if kind == "REM" else 0)
            n.spo2.append((t, round(min(100.0, max(88.0, v)), 1)))
        vals = [v[1] for v in n.hrv]
        deep = [v[1] for v in n.hrv if v[3] == "DEEP"]
        n.hrv_daily = {"avg": round(sum(vals) / len(vals), 1) if vals else None,
                       "deep": round(sum(deep) / len(deep), 1) if deep else None,
                       "entropy": round(2.3 + x.random() * 0.8, 2)}
        sp = [v[1] for v in n.spo2]
        n.spo2_daily = ((round(sum(sp) / len(sp), 1), min(sp), max(sp)) if sp else None)
        minutes = {k: sum(b - a for kk, a, b in s.stages if kk == k) for k in SLEEP_HR}
        asleep = minutes["DEEP"] + minutes["LIGHT"]
        shift = (SLEEP_HR["DEEP"] * minutes["DEEP"]
                 + SLEEP_HR["LIGHT"] * minutes["LIGHT"]) / max(1, asleep)
        n.non_rem_hr = int(round(p["rest"] + shift + x.uniform(-1, 1)))
        rr = 13.0 + seed % 4 * 0.8 + x.gauss(0, 0.4)
        n.resp = {"full": stats3(x, rr)}
        if s.type == "STAGES":
            n.resp.update(deep=stats3(x, rr - 0.9), light=stats3(x, rr + 0.1),
                          rem=stats3(x, rr + 1.0))
        n.temp = round(34.0 + (seed % 6) * 0.1 + x.gauss(0, 0.22), 2)
        self.nights[day] = n
        return n

    def nap_resp(self, day):
        x = self.rng(day, "nap-resp")
        return {"full": stats3(x, 13.5 + self.seed % 4 * 0.8 + x.gauss(0, 0.5))}

    def spo2_sd(self, day):
        """Standard deviation of the daily SpO2 averages of the 30 nights
        before the one that ends on day (None under 7 nights)."""
        vals = []
        for k in range(1, 31):
            d = day - timedelta(k)
            if self.covers(d):
                avg = self.night(d - timedelta(1)).spo2_daily
                if avg:
                    vals.append(avg[0])
        return round(statistics.pstdev(vals), 2) if len(vals) >= 7 else None

    def temp_baseline(self, day):
        """(baseline, stddev) of the 30 nights before day's (>= 3 nights)."""
        vals = [self.night(day - timedelta(k + 1)).temp for k in range(1, 31)
                if self.covers(day - timedelta(k))]
        if len(vals) < 3:
            return None, None
        base = statistics.median(vals)
        return round(base, 2), round(statistics.pstdev([v - base for v in vals]), 2)

    def body(self, day):
        """Today's weigh-in: (time, grams, body fat % or None, manual)."""
        x, i = self.rng(day, "body"), (day - self.start).days
        if x.random() >= 0.6:
            return None
        base = self.base_kg() + 1.2 * math.sin(i / 40.0) + 0.4 * math.sin(i / 6.3)
        grams = round((base + x.gauss(0, 0.25)) * 10) * 100.0
        manual = x.random() < 0.2
        fat = None if manual else round(16 + self.seed % 9 + 0.5 * math.sin(i / 30.0)
                                        + x.gauss(0, 0.3), 1)
        t = self.plan(day - timedelta(1))["sleep"].wake + 60 * x.randint(10, 45)
        return (t, grams, fat, manual)

    def base_kg(self):
        return 62 + self.seed % 23 + (self.user.age - 30) * 0.1

    def bmr_day(self):
        """Basal kcal per day (Mifflin-St Jeor, 172 cm)."""
        return 10 * self.base_kg() + 6.25 * 172 - 5 * self.user.age + 5

    def vo2(self, day):
        """(daily VO2 max, estimated) for day."""
        i = (day - self.start).days
        value = 35 + self.seed % 11 + (40 - self.user.age) * 0.25 + 1.5 * math.sin(i / 60.0)
        ran = any((self.plan(day - timedelta(k))["workout"] or ("",))[0] == "RUNNING"
                  for k in range(0, 15))
        return round(value, 1), not ran

    def run_vo2(self, day):
        p = self.plan(day)
        if not p["workout"] or p["workout"][0] != "RUNNING":
            return None
        x = self.rng(day, "vo2")
        return (p["workout"][2], round(self.vo2(day)[0] + x.gauss(0, 0.8), 1))

    def generate(self, day):
        """The full day with its samples (dayfull.generate)."""
        from .dayfull import generate
        return generate(self, day)

    # ------------------------------------------------------ light points

    def light_points(self, day, dtype):
        """Newest-first points of the types that need no samples."""
        tz, hid, mid = self.user.tz, self.user.health_id, naive_midnight(day)
        p = self.plan(day)

        def daily(value):
            return [(mid, 0, mid, 0, value)] if value is not None else []

        if dtype == "sleep":
            return [(s.bed, utc_offset(tz, s.bed), s.wake, utc_offset(tz, s.wake), s)
                    for s in self.sessions_starting(day)]
        if dtype in ("heart-rate-variability", "oxygen-saturation"):
            out = []
            for d in (day - timedelta(1), day):
                series = self.night(d).hrv if dtype == "heart-rate-variability" \
                    else self.night(d).spo2
                for v in series:
                    if local_day(tz, v[0]) == day:
                        off = utc_offset(tz, v[0])
                        out.append((v[0], off, v[0], off, v[1:]))
            out.sort(key=lambda q: q[0], reverse=True)
            return out
        if dtype == "respiratory-rate-sleep-summary":
            out = []
            for d in (day - timedelta(1), day):
                for s in self.plan(d)["sessions"]:
                    if local_day(tz, s.wake) == day:
                        stats = self.nap_resp(d) if s.nap else self.night(d).resp
                        off = utc_offset(tz, s.wake)
                        out.append((s.wake, off, s.wake, off, stats))
            out.sort(key=lambda q: q[0], reverse=True)
            return out
        if dtype == "daily-resting-heart-rate":
            return daily(p["rest"])
        if dtype == "daily-heart-rate-zones":
            return daily(p["zones"])
        night = self.night(day - timedelta(1))     # the night that ends today
        if dtype == "daily-heart-rate-variability":
            return daily(dict(night.hrv_daily, non_rem_hr=night.non_rem_hr)
                         if night.hrv_daily["avg"] is not None else None)
        if dtype == "daily-oxygen-saturation":
            return daily(night.spo2_daily and (night.spo2_daily + (self.spo2_sd(day),)))
        if dtype == "daily-respiratory-rate":
            return daily(night.resp["full"][0])
        if dtype == "daily-sleep-temperature-derivations":
            return daily((night.temp,) + self.temp_baseline(day))
        if dtype in ("weight", "body-fat"):
            b = self.body(day)
            if not b or (dtype == "body-fat" and b[2] is None):
                return []
            t, off = b[0], utc_offset(tz, b[0])
            name = "users/%s/dataTypes/%s/dataPoints/%s" % (
                hid, dtype, stable_digits("%s:%s:%s" % (self.seed, day, dtype), 19))
            return [(t, off, t, off, (name, b[1] if dtype == "weight" else b[2], b[3]))]
        if dtype == "vo2-max":
            v = self.run_vo2(day)
            if not v:
                return []
            off = utc_offset(tz, v[0])
            return [(v[0], off, v[0], off, v[1])]
        if dtype == "daily-vo2-max":
            return daily(self.vo2(day))
        return []


def stage_at(stages, t):
    for kind, a, b in stages:
        if a <= t < b:
            return kind
    return None


def stats3(x, bpm):
    """(breaths per minute, signal to noise, standard deviation)."""
    return (round(bpm, 1), round(1.2 + x.random() * 1.6, 2), round(0.6 + x.random() * 0.9, 2))
