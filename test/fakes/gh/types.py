"""The data types the fake serves: JSON key, record kind, methods, scope,
filter members, page cap and roll-up range (see the module docstring of
google_health.py for the contract)."""

from .common import S_ACTIVITY, S_METRICS, S_SLEEP

LIST, RECONCILE, ROLLUP, DAILY_ROLLUP, GET = (
    "list", "reconcile", "rollUp", "dailyRollUp", "get")
ALL_POINTS = (LIST, RECONCILE)
ALL_ROLLUPS = (ROLLUP, DAILY_ROLLUP)
DEFAULT_PAGE_SIZE = 1440
MAX_PAGE_SIZE = 10000


class DataType:
    """One data type: how it is named, read and filtered."""

    def __init__(self, name, key, kind, scope, methods, cap=MAX_PAGE_SIZE,
                 max_days=90, members=None, per_source=False):
        self.name, self.key, self.kind, self.scope = name, key, kind, scope
        self.methods = frozenset(methods)
        self.cap, self.max_days, self.per_source = cap, max_days, per_source
        snake = name.replace("-", "_")
        self.snake = snake
        if members is None:
            members = {
                "sample": {snake + ".sample_time.physical_time": ("start", "rfc3339"),
                           snake + ".sample_time.civil_time": ("cstart", "civil")},
                "interval": {snake + ".interval.start_time": ("start", "rfc3339"),
                             snake + ".interval.civil_start_time": ("cstart", "civil")},
                "daily": {snake + ".date": ("cstart", "date")},
            }[kind]
        # member -> (point time it compares, literal kind); see filters.py
        self.members = members

    @property
    def identifiable(self):
        return GET in self.methods


def _types():
    p, r, ru, dr, g = LIST, RECONCILE, ROLLUP, DAILY_ROLLUP, GET
    return [
        DataType("heart-rate", "heartRate", "sample", S_METRICS, (p, r, ru, dr),
                 max_days=14, per_source=True),
        DataType("daily-resting-heart-rate", "dailyRestingHeartRate", "daily",
                 S_METRICS, (p, r, dr)),
        DataType("daily-heart-rate-zones", "dailyHeartRateZones", "daily",
                 S_METRICS, (p, r)),
        DataType("time-in-heart-rate-zone", "timeInHeartRateZone", "interval",
                 S_ACTIVITY, (p, r, ru, dr)),
        DataType("exercise", "exercise", "session", S_ACTIVITY, (p, r, g), cap=25,
                 members={"exercise.interval.civil_start_time": ("cstart", "civil")}),
        DataType("sleep", "sleep", "session", S_SLEEP, (p, r, g), cap=25,
                 members={"sleep.interval.end_time": ("end", "rfc3339"),
                          "sleep.interval.civil_end_time": ("cend", "civil")}),
        DataType("steps", "steps", "interval", S_ACTIVITY, (p, r, ru, dr),
                 per_source=True),
        DataType("distance", "distance", "interval", S_ACTIVITY, (p, r, ru, dr),
                 per_source=True),
        DataType("floors", "floors", "interval", S_ACTIVITY, (r, ru, dr)),
        DataType("active-zone-minutes", "activeZoneMinutes", "interval", S_ACTIVITY,
                 (p, r, ru, dr)),
        DataType("active-minutes", "activeMinutes", "interval", S_ACTIVITY,
                 (p, r, ru, dr), max_days=14),
        DataType("sedentary-period", "sedentaryPeriod", "interval", S_ACTIVITY,
                 (p, r, ru, dr)),
        DataType("total-calories", "totalCalories", "interval", S_ACTIVITY, (ru, dr),
                 max_days=14),
        DataType("calories-in-heart-rate-zone", "caloriesInHeartRateZone", "interval",
                 S_ACTIVITY, (ru, dr), max_days=14),
        DataType("vo2-max", "vo2Max", "sample", S_ACTIVITY, (p, r)),
        DataType("daily-vo2-max", "dailyVo2Max", "daily", S_ACTIVITY, (p, r)),
        DataType("heart-rate-variability", "heartRateVariability", "sample",
                 S_METRICS, (p, r)),
        DataType("daily-heart-rate-variability", "dailyHeartRateVariability", "daily",
                 S_METRICS, (p, r, dr)),
        DataType("oxygen-saturation", "oxygenSaturation", "sample", S_METRICS, (p, r)),
        DataType("daily-oxygen-saturation", "dailyOxygenSaturation", "daily",
                 S_METRICS, (p, r)),
        DataType("daily-respiratory-rate", "dailyRespiratoryRate", "daily",
                 S_METRICS, (p, r)),
        DataType("respiratory-rate-sleep-summary", "respiratoryRateSleepSummary",
                 "sample", S_METRICS, (p, r)),
        DataType("daily-sleep-temperature-derivations",
                 "dailySleepTemperatureDerivations", "daily", S_METRICS, (p, r)),
        DataType("weight", "weight", "sample", S_METRICS, (p, r, ru, dr, g)),
        DataType("body-fat", "bodyFat", "sample", S_METRICS, (p, r, ru, dr, g)),
    ]


TYPES = {t.name: t for t in _types()}

# Data types Google has but this fake does not serve: 400 "not supported".
OTHER_GOOGLE_TYPES = {
    "altitude", "active-energy-burned", "basal-energy-burned", "activity-level",
    "run-vo2-max", "blood-glucose", "core-body-temperature", "height",
    "hydration-log", "nutrition-log", "swim-lengths-data", "menstrual-period",
    "moods", "symptoms", "ovulation-test", "electrocardiogram",
    "irregular-rhythm-notification", "food", "food-measurement-unit",
    "respiratory-rate"}

DATA_SOURCE_FAMILIES = ("users/me/dataSourceFamilies/all-sources",
                        "users/me/dataSourceFamilies/google-wearables",
                        "users/me/dataSourceFamilies/google-sources",
                        "users/me/dataSourceFamilies/self-sources")
FAMILY_WEARABLES = DATA_SOURCE_FAMILIES[1]
FAMILY_SELF = DATA_SOURCE_FAMILIES[3]

ZONE_TYPES = ("LIGHT", "MODERATE", "VIGOROUS", "PEAK")
AZM_ZONES = {"MODERATE": ("FAT_BURN", 1), "VIGOROUS": ("CARDIO", 2), "PEAK": ("PEAK", 2)}
ACTIVITY_LEVELS = ("LIGHT", "MODERATE", "VIGOROUS")
