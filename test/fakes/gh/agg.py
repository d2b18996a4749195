"""Roll-up accumulators and the atoms they add up.

An atom is (time, record time, value): time places it in a window (a
sample's time, an interval's start), record time decides whether it is
visible yet (a sample's time, an interval's end, a day's end).  Roll-ups
and the ground truth both add atoms of the merged stream."""

from .common import duration
from .dayfull import M_DIST, M_FLOORS, M_HRN, M_KCAL, M_LEVEL, M_STEPS, M_T, M_ZONE
from .types import ACTIVITY_LEVELS, AZM_ZONES, FAMILY_WEARABLES, ZONE_TYPES

# Roll-up value key per data type where it is not the type's own JSON key.
ROLLUP_KEYS = {"daily-resting-heart-rate": "restingHeartRatePersonalRange",
               "daily-heart-rate-variability": "heartRateVariabilityPersonalRange"}


class Agg:
    """Base: n atoms; value() is None when there were none."""

    def __init__(self):
        self.n = 0

    def value(self):
        return self.json() if self.n else None


class Sum(Agg):
    def __init__(self, field):
        super().__init__()
        self.field, self.total = field, 0

    def add(self, v):
        self.n += 1
        self.total += v

    def merge(self, o):
        self.n += o.n
        self.total += o.total

    def json(self):
        return {self.field: str(self.total)} if self.total else {}


class Kcal(Sum):
    """Millikilocalories summed, written as a double of kilocalories."""

    def json(self):
        return {self.field: self.total / 1000.0} if self.total else {}


class Seconds(Sum):
    def json(self):
        return {self.field: duration(self.total)}


class HeartRate(Agg):
    def __init__(self):
        super().__init__()
        self.s, self.lo, self.hi = 0, None, None

    def add(self, v, n=1, lo=None, hi=None):
        self.n += n
        self.s += v
        lo = v if lo is None else lo
        hi = v if hi is None else hi
        self.lo = lo if self.lo is None else min(self.lo, lo)
        self.hi = hi if self.hi is None else max(self.hi, hi)

    def merge(self, o):
        if o.n:
            self.add(o.s, o.n, o.lo, o.hi)

    def json(self):
        return {"beatsPerMinuteAvg": self.s / self.n, "beatsPerMinuteMin": float(self.lo),
                "beatsPerMinuteMax": float(self.hi)}


class Counter(Agg):
    """Counts (or sums) per key; json() renders them."""

    def __init__(self, render):
        super().__init__()
        self.c, self.render = {}, render

    def add(self, v, amount=1):
        self.n += 1
        if v is not None:
            self.c[v] = self.c.get(v, 0) + amount

    def merge(self, o):
        self.n += o.n
        for k, v in o.c.items():
            self.c[k] = self.c.get(k, 0) + v

    def add_dict(self, d):
        """Legacy time in zones: {zone: seconds} for a whole day."""
        self.n += 1
        for k, v in d.items():
            self.c[k] = self.c.get(k, 0) + v

    def json(self):
        return self.render(self.c)


class Average(Sum):
    def __init__(self, field):
        super().__init__(field)
        self.total = 0.0

    def json(self):
        return {self.field: self.total / self.n}


class Range(Agg):
    def __init__(self, lo_field, hi_field):
        super().__init__()
        self.fields, self.lo, self.hi = (lo_field, hi_field), None, None

    def add(self, v):
        self.n += 1
        self.lo = v if self.lo is None else min(self.lo, v)
        self.hi = v if self.hi is None else max(self.hi, v)

    def merge(self, o):
        if o.n:
            self.n += o.n
            self.lo = o.lo if self.lo is None else min(self.lo, o.lo)
            self.hi = o.hi if self.hi is None else max(self.hi, o.hi)

    def json(self):
        return {self.fields[0]: float(self.lo), self.fields[1]: float(self.hi)}


def _tiz(c):
    return {"timeInHeartRateZones": [{"heartRateZone": z, "duration": duration(c.get(z, 0))}
                                     for z in ZONE_TYPES]}


def _czone(c):
    out = []
    for z in ZONE_TYPES:
        item = {"heartRateZone": z}
        if c.get(z):
            item["kcal"] = c[z] / 1000.0
        out.append(item)
    return {"caloriesInHeartRateZones": out}


def _azm(c):
    out = {}
    for z, field in (("MODERATE", "sumInFatBurnHeartZone"),
                     ("VIGOROUS", "sumInCardioHeartZone"), ("PEAK", "sumInPeakHeartZone")):
        if c.get(z):
            out[field] = str(c[z] * AZM_ZONES[z][1])
    return out


def _active(c):
    out = []
    for level in ACTIVITY_LEVELS:
        item = {"activityLevel": level}
        if c.get(level):
            item["activeMinutesSum"] = str(c[level])
        out.append(item)
    return {"activeMinutesRollupByActivityLevel": out}


def new_agg(dtype):
    return {
        "heart-rate": HeartRate,
        "steps": lambda: Sum("countSum"),
        "distance": lambda: Sum("millimetersSum"),
        "floors": lambda: Sum("countSum"),
        "total-calories": lambda: Kcal("kcalSum"),
        "sedentary-period": lambda: Seconds("durationSum"),
        "time-in-heart-rate-zone": lambda: Counter(_tiz),
        "calories-in-heart-rate-zone": lambda: Counter(_czone),
        "active-zone-minutes": lambda: Counter(_azm),
        "active-minutes": lambda: Counter(_active),
        "weight": lambda: Average("weightGramsAvg"),
        "body-fat": lambda: Average("bodyFatPercentageAvg"),
        "daily-resting-heart-rate": lambda: Range("beatsPerMinuteMin", "beatsPerMinuteMax"),
        "daily-heart-rate-variability": lambda: Range(
            "averageHeartRateVariabilityMillisecondsMin",
            "averageHeartRateVariabilityMillisecondsMax"),
    }[dtype]()


def add_atom(agg, dtype, v):
    """Add one atom's value (see atoms())."""
    if dtype == "time-in-heart-rate-zone":
        agg.add(v, 60)
    elif dtype == "calories-in-heart-rate-zone":
        agg.add(v[0], v[1])
    else:
        agg.add(v)


MINUTE_ATOMS = {
    "steps": lambda row: (True, row[M_STEPS]),
    "distance": lambda row: (True, row[M_DIST]),
    "floors": lambda row: (True, row[M_FLOORS]),
    "total-calories": lambda row: (True, row[M_KCAL]),
    "time-in-heart-rate-zone": lambda row: (row[M_HRN] > 0, row[M_ZONE]),
    "calories-in-heart-rate-zone": lambda row: (row[M_HRN] > 0, (row[M_ZONE], row[M_KCAL])),
    "active-zone-minutes": lambda row: (row[M_ZONE] in AZM_ZONES, row[M_ZONE]),
    "active-minutes": lambda row: (row[M_LEVEL] in ACTIVITY_LEVELS, row[M_LEVEL]),
}


def atoms(user, dtype, day, family=None):
    """Every atom of a type on one local day, oldest first (manual weigh-ins
    left out for the google-wearables family)."""
    if dtype in MINUTE_ATOMS:
        pick, out = MINUTE_ATOMS[dtype], []
        for row in user.figures(day).minutes:
            keep, v = pick(row)
            if keep:
                out.append((row[M_T], row[M_T] + 60, v))
        return out
    if dtype == "heart-rate":
        return [(p[0], p[0] + 1, p[4][0]) for p in reversed(user.points(dtype, day, True))]
    if dtype == "sedentary-period":      # minutes of periods, seen when a period ends
        return [(m, p[2], 60) for p in reversed(user.points(dtype, day, True))
                for m in range(p[0], p[2], 60)]
    if dtype in ("weight", "body-fat"):
        return [(p[0], p[0] + 1, p[4][1]) for p in reversed(user.points(dtype, day, True))
                if not (family == FAMILY_WEARABLES and p[4][2])]
    end = user.day_end(day)
    if dtype == "daily-resting-heart-rate":
        rest = user.light_day(day).rest
        return [(end, end, rest)] if rest else []
    if dtype == "daily-heart-rate-variability":
        return [(end, end, p[4]["avg"]) for p in user.points(dtype, day, True)]
    return []


def day_agg(user, dtype, day, horizon, family=None):
    """One local day's accumulator, with only what is visible at horizon
    (whole visible days are kept in the day's facts)."""
    whole = horizon is None or user.day_end(day) <= horizon
    facts = user.light_day(day)
    if family == FAMILY_WEARABLES and dtype in ("weight", "body-fat"):
        whole, horizon = False, (horizon if horizon is not None else float("inf"))
    elif whole and dtype in facts.aggs:
        return facts.aggs[dtype]
    agg = new_agg(dtype)
    if user.unseen(day, horizon):
        return agg
    if dtype == "time-in-heart-rate-zone" and day in user.legacy:
        if facts.tiz and whole:
            agg.add_dict(facts.tiz)
    else:
        for _, rt, v in atoms(user, dtype, day, family):
            if whole or rt <= horizon:
                add_atom(agg, dtype, v)
    if whole:
        facts.aggs[dtype] = agg
    return agg
