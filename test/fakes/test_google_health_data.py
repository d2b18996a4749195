"""Tests of the fake Google Health API's data types: shapes, filters,
paging, roll-ups and their limits, sleep, get and data source families.

Run from the repository root:

    /usr/bin/python3 -m unittest discover -s test -p 'test_*.py'
"""

import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakecase  # noqa: E402
from fakecase import DT  # noqa: E402
from gh.types import TYPES  # noqa: E402

INT64 = {"beatsPerMinute", "count", "millimeters", "activeZoneMinutes", "activeMinutes",
         "minutesAsleep", "minutesAwake", "minutesInSleepPeriod", "minutes",
         "nonRemHeartRateBeatsPerMinute", "minBeatsPerMinute", "maxBeatsPerMinute",
         "countSum", "millimetersSum", "sumInFatBurnHeartZone", "sumInCardioHeartZone",
         "sumInPeakHeartZone", "activeMinutesSum", "steps",
         "averageHeartRateBeatsPerMinute"}
DOUBLES = {"rootMeanSquareOfSuccessiveDifferencesMilliseconds", "percentage",
           "standardDeviationMilliseconds", "averageHeartRateVariabilityMilliseconds",
           "averagePercentage", "breathsPerMinute", "nightlyTemperatureCelsius",
           "weightGrams", "vo2Max", "kcalSum", "beatsPerMinuteAvg", "weightGramsAvg",
           "bodyFatPercentageAvg", "caloriesKcal"}
# Members each data type's payload must have (beyond interval/sampleTime/date).
REQUIRED = {
    "heart-rate": {"sampleTime", "beatsPerMinute", "metadata"},
    "daily-resting-heart-rate": {"date", "beatsPerMinute"},
    "daily-heart-rate-zones": {"date", "heartRateZones"},
    "time-in-heart-rate-zone": {"interval", "heartRateZoneType"},
    "active-zone-minutes": {"interval", "heartRateZone", "activeZoneMinutes"},
    "active-minutes": {"interval", "activeMinutesByActivityLevel"},
    "sedentary-period": {"interval"},
    "steps": {"interval"},
    "distance": {"interval"},
    "floors": {"interval"},
    "exercise": {"interval", "exerciseType", "metricsSummary", "activeDuration"},
    "sleep": {"interval", "type", "stages", "summary", "metadata"},
    "vo2-max": {"sampleTime", "vo2Max", "measurementMethod"},
    "daily-vo2-max": {"date", "vo2Max", "cardioFitnessLevel"},
    "heart-rate-variability": {"sampleTime",
                               "rootMeanSquareOfSuccessiveDifferencesMilliseconds"},
    "daily-heart-rate-variability": {"date", "averageHeartRateVariabilityMilliseconds",
                                     "nonRemHeartRateBeatsPerMinute", "entropy"},
    "oxygen-saturation": {"sampleTime", "percentage"},
    "daily-oxygen-saturation": {"date", "averagePercentage", "lowerBoundPercentage",
                                "upperBoundPercentage"},
    "daily-respiratory-rate": {"date", "breathsPerMinute"},
    "respiratory-rate-sleep-summary": {"sampleTime", "fullSleepStats"},
    "daily-sleep-temperature-derivations": {"date", "nightlyTemperatureCelsius"},
    "weight": {"sampleTime", "weightGrams"},
    "body-fat": {"sampleTime", "percentage"},
}
MARCH = {"sample": ('%s.sample_time.civil_time >= "2026-03-10" AND '
                    '%s.sample_time.civil_time < "2026-03-17"'),
         "interval": ('%s.interval.civil_start_time >= "2026-03-10" AND '
                      '%s.interval.civil_start_time < "2026-03-17"'),
         "daily": '%s.date >= "2026-03-10" AND %s.date < "2026-03-17"',
         "exercise": ('%s.interval.civil_start_time >= "2026-03-10" AND '
                      '%s.interval.civil_start_time < "2026-03-17"'),
         "sleep": ('%s.interval.civil_end_time >= "2026-03-10" AND '
                   '%s.interval.civil_end_time < "2026-03-17"')}


def walk_types(test, node, path=""):
    """int64 fields are strings of digits, doubles are numbers."""
    if isinstance(node, list):
        for i, x in enumerate(node):
            walk_types(test, x, "%s[%d]" % (path, i))
    elif isinstance(node, dict):
        for k, v in node.items():
            if k in ("time", "date"):     # int32 TimeOfDay and Date members
                continue
            if k in INT64 and not isinstance(v, dict):
                test.assertIsInstance(v, str, path + "." + k)
                test.assertRegex(v, r"^-?\d+$", path + "." + k)
            elif k in DOUBLES and not isinstance(v, dict):
                test.assertIsInstance(v, (int, float), path + "." + k)
            walk_types(test, v, path + "." + k)


def month_filter(dtype):
    t = TYPES[dtype]
    kind = dtype if dtype in ("exercise", "sleep") else t.kind
    return MARCH[kind] % (t.snake, t.snake)


class DataTypesTest(fakecase.FakeServerCase):
    """Every data type of a Fitbit or Pixel Watch account."""

    def test_every_type_shape(self):
        access = self.token("synth")
        for dtype, t in sorted(TYPES.items()):
            for verb in ("", ":reconcile"):
                method = "reconcile" if verb else "list"
                status, _, body = self.get(DT % dtype + verb, access, pageSize=5,
                                           filter=month_filter(dtype))
                if method not in t.methods:
                    self.assertRpcError(status, body, 400, "INVALID_ARGUMENT",
                                        "DATA_TYPE_NOT_SUPPORTED_FOR_OPERATION")
                    continue
                self.assertEqual(status, 200, (dtype, verb, body))
                points = body.get("dataPoints", [])
                self.assertTrue(points, (dtype, verb))
                self.assertLessEqual(len(points), 5)
                for p in points:
                    self.assertEqual(set(p) - {"name", "dataPointName", "dataSource"},
                                     {t.key}, dtype)
                    self.assertEqual("dataSource" in p, not verb, dtype)
                    if t.identifiable:
                        name = p["dataPointName" if verb else "name"]
                        self.assertRegex(name, r"^users/\d+/dataTypes/%s/dataPoints/[a-z0-9-]+$"
                                         % dtype)
                    else:
                        self.assertNotIn("name", p)
                    self.assertLessEqual(REQUIRED[dtype], set(p[t.key]), dtype)
                    walk_types(self, p, dtype)
                starts = [json.dumps(p[t.key].get("interval", p[t.key].get(
                    "sampleTime", p[t.key].get("date")))) for p in points]
                self.assertEqual(len(starts), len(points))

    def test_order_caps_and_paging(self):
        access = self.token("synth")
        flt = ('distance.interval.civil_start_time >= "2026-05-01" AND '
               'distance.interval.civil_start_time < "2026-05-03"')
        status, _, body = self.get(DT % "distance", access, filter=flt, pageSize=20000)
        self.assertEqual(status, 200)
        points = body["dataPoints"]
        self.assertLessEqual(len(points), 10000)
        self.assertNotIn("nextPageToken", body)     # two days of minutes fit
        starts = [p["distance"]["interval"]["startTime"] for p in points]
        self.assertEqual(starts, sorted(starts, reverse=True))
        paged, pages = self.page_all(DT % "distance", access, filter=flt, pageSize=700)
        self.assertEqual(paged, points)
        self.assertEqual(pages, (len(points) + 699) // 700)
        status, _, first = self.get(DT % "active-minutes", access, pageSize=3)
        status, _, body = self.get(DT % "active-minutes", access, pageSize=4,
                                   pageToken=first["nextPageToken"])
        self.assertRpcError(status, body, 400, "INVALID_ARGUMENT")
        for dtype in ("exercise", "sleep"):
            status, _, body = self.get(DT % dtype + ":reconcile", access, pageSize=500)
            self.assertEqual(len(body["dataPoints"]), 25)

    def test_filters_of_each_kind(self):
        access = self.token("synth")
        good = {
            "weight": ('weight.sample_time.physical_time >= "2026-03-01T00:00:00Z" AND '
                       'weight.sample_time.physical_time < "2026-04-01T00:00:00Z"'),
            "oxygen-saturation": ('oxygen_saturation.sample_time.civil_time >= '
                                  '"2026-03-05T02:00:00" AND oxygen_saturation.sample_time.'
                                  'civil_time < "2026-03-05T03:00:00"'),
            "daily-oxygen-saturation": ('daily_oxygen_saturation.date >= "2026-03-01" AND '
                                        'daily_oxygen_saturation.date < "2026-03-08"'),
            "sedentary-period": ('sedentary_period.interval.start_time >= '
                                 '"2026-03-05T10:00:00Z" AND sedentary_period.interval.'
                                 'start_time < "2026-03-05T14:00:00+02:00"'),
        }
        for dtype, flt in good.items():
            points = self.reconcile_all(dtype, access, filter=flt)
            self.assertTrue(points, dtype)
        self.assertTrue(all(p["oxygenSaturation"]["sampleTime"]["civilTime"]["time"]["hours"] == 2
                            for p in self.reconcile_all("oxygen-saturation", access,
                                                        filter=good["oxygen-saturation"])))
        self.assertEqual(len(self.reconcile_all("daily-oxygen-saturation", access,
                                                filter=good["daily-oxygen-saturation"])), 7)
        # 11:00 and 12:00 UTC: an interval's start, not its end, is compared
        sed = self.reconcile_all("sedentary-period", access, filter=good["sedentary-period"])
        self.assertTrue(all("2026-03-05T10:00:00Z" <= p["sedentaryPeriod"]["interval"]
                            ["startTime"] < "2026-03-05T12:00:00Z" for p in sed))
        bad = [("weight", 'weight.interval.start_time >= "2026-03-01T00:00:00Z"'),
               ("distance", 'distance.sample_time.physical_time >= "2026-03-01T00:00:00Z"'),
               ("daily-vo2-max", 'dailyVo2Max.date >= "2026-03-01"'),
               ("daily-vo2-max", 'daily_vo2_max.civil_time >= "2026-03-01"'),
               ("active-zone-minutes", 'active_zone_minutes.interval.end_time >= '
                                       '"2026-03-01T00:00:00Z"')]
        for dtype, flt in bad:
            status, _, body = self.get(DT % dtype, access, filter=flt)
            self.assertRpcError(status, body, 400, "INVALID_ARGUMENT",
                                "INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER")
        status, _, body = self.get(DT % "daily-vo2-max", access,
                                   filter='daily_vo2_max.date >= "2026-03-01T00:00:00"')
        self.assertRpcError(status, body, 400, "INVALID_ARGUMENT",
                            "INVALID_DATA_POINT_FILTER_RESTRICTION_COMPARABLE")

    # ------------------------------------------------------------ roll-ups

    def test_rollup_limits(self):
        access = self.token("synth")
        for dtype in ("heart-rate", "active-minutes", "total-calories",
                      "calories-in-heart-rate-zone"):
            status, body = self.rollup(dtype, access, "2026-03-01T00:00:00Z",
                                       "2026-03-15T00:00:01Z", "86400s")
            self.assertRpcError(status, body, 400, "INVALID_ARGUMENT")
            status, body = self.daily_rollup(dtype, access, "2026-03-01", "2026-03-16")
            self.assertRpcError(status, body, 400, "INVALID_ARGUMENT")
            status, body = self.daily_rollup(dtype, access, "2026-03-01", "2026-03-15")
            self.assertEqual(status, 200, (dtype, body))
            self.assertEqual(len(body["rollupDataPoints"]), 14)
        status, body = self.rollup("steps", access, "2026-01-01T00:00:00Z",
                                   "2026-04-01T00:00:01Z", "86400s")
        self.assertRpcError(status, body, 400, "INVALID_ARGUMENT")      # 90 days + 1 s
        status, body = self.daily_rollup("steps", access, "2026-01-01", "2026-04-02")
        self.assertRpcError(status, body, 400, "INVALID_ARGUMENT")      # 91 days
        status, body = self.rollup("steps", self.token("limited"), "2026-04-02T00:00:00Z",
                                   "2026-07-01T00:00:00Z", "86400s")
        self.assertEqual(status, 200, body)                   # 90 days (3 with data)
        self.assertEqual(len(body["rollupDataPoints"]), 3)
        for window in ("0s", "0.5s", "1.5s", "60", "", None):
            status, body = self.rollup("steps", access, "2026-03-01T00:00:00Z",
                                       "2026-03-02T00:00:00Z", window)
            self.assertRpcError(status, body, 400, "INVALID_ARGUMENT", "INVALID_ROLLUP_WINDOW")
        for dtype in ("daily-resting-heart-rate", "exercise", "sleep", "floors-x"):
            status, body = self.rollup(dtype, access, "2026-03-01T00:00:00Z",
                                       "2026-03-02T00:00:00Z", "3600s")
            self.assertEqual(status, 400, dtype)
        status, body = self.daily_rollup("daily-heart-rate-zones", access, "2026-03-01",
                                         "2026-03-02")
        self.assertRpcError(status, body, 400, "INVALID_ARGUMENT",
                            "DATA_TYPE_NOT_SUPPORTED_FOR_OPERATION")

    def test_rollup_matches_points(self):
        access = self.token("synth")
        start, end = "2026-06-10T00:00:00Z", "2026-06-11T00:00:00Z"
        flt = ('steps.interval.start_time >= "%s" AND steps.interval.start_time < "%s"'
               % (start, end))
        steps = self.reconcile_all("steps", access, filter=flt, pageSize=10000)
        status, body = self.rollup("steps", access, start, end, "3600s")
        windows = body["rollupDataPoints"]
        self.assertLessEqual(len(windows), 24)
        self.assertEqual([w["startTime"] for w in windows],
                         sorted((w["startTime"] for w in windows), reverse=True))
        self.assertEqual(sum(int(w["steps"].get("countSum", 0)) for w in windows),
                         sum(int(p["steps"].get("count", 0)) for p in steps))
        by_hour = {}
        for p in steps:
            hour = p["steps"]["interval"]["startTime"][:13]
            by_hour[hour] = by_hour.get(hour, 0) + int(p["steps"].get("count", 0))
        self.assertEqual({w["startTime"][:13]: int(w["steps"].get("countSum", 0))
                          for w in windows}, by_hour)
        # heart rate: a 7-minute window (the last one cut at the range's end)
        flt = ('heart_rate.sample_time.physical_time >= "2026-06-10T06:00:00Z" AND '
               'heart_rate.sample_time.physical_time < "2026-06-10T07:00:00Z"')
        samples = self.reconcile_all("heart-rate", access, filter=flt, pageSize=10000)
        status, body = self.rollup("heart-rate", access, "2026-06-10T06:00:00Z",
                                   "2026-06-10T07:00:00Z", "420s")
        windows = body["rollupDataPoints"]
        self.assertEqual(windows[0]["endTime"], "2026-06-10T07:00:00Z")
        self.assertEqual(windows[0]["startTime"], "2026-06-10T06:56:00Z")
        for w in windows:
            bpm = [int(p["heartRate"]["beatsPerMinute"]) for p in samples
                   if w["startTime"] <= p["heartRate"]["sampleTime"]["physicalTime"]
                   < w["endTime"]]
            self.assertEqual(w["heartRate"], {"beatsPerMinuteAvg": sum(bpm) / len(bpm),
                                              "beatsPerMinuteMin": float(min(bpm)),
                                              "beatsPerMinuteMax": float(max(bpm))})

    def test_daily_rollups_equal_truth(self):
        access = self.token("synth")
        truth = self.truth("synth", "2026-04-01", "2026-04-10")["days"]
        checks = {
            "steps": lambda v, t: int(v.get("countSum", 0)) == t["steps"]["steps"],
            "distance": lambda v, t: int(v.get("millimetersSum", 0)) ==
            t["distance"]["millimeters"],
            "floors": lambda v, t: int(v.get("countSum", 0)) == t["floors"]["floors"],
            "total-calories": lambda v, t: v["kcalSum"] == t["total-calories"]["kcal"],
            "sedentary-period": lambda v, t: v["durationSum"] ==
            "%ds" % (60 * t["sedentary-period"]["minutes"]),
            "time-in-heart-rate-zone": lambda v, t: {
                z["heartRateZone"]: int(z["duration"][:-1])
                for z in v["timeInHeartRateZones"]} == t["time-in-heart-rate-zone"],
            "calories-in-heart-rate-zone": lambda v, t: {
                z["heartRateZone"]: z.get("kcal", 0.0) for z in v["caloriesInHeartRateZones"]}
            == t["calories-in-heart-rate-zone"],
            "active-minutes": lambda v, t: {
                a["activityLevel"]: int(a.get("activeMinutesSum", 0))
                for a in v["activeMinutesRollupByActivityLevel"]} == t["active-minutes"],
            "heart-rate": lambda v, t: v["beatsPerMinuteAvg"] ==
            t["heart-rate"]["sum"] / t["heart-rate"]["samples"]
            and v["beatsPerMinuteMax"] == t["heart-rate"]["max"],
            "weight": lambda v, t: v["weightGramsAvg"] ==
            sum(w["grams"] for w in t["weight"]) / len(t["weight"]),
        }
        for dtype, check in checks.items():
            status, body = self.daily_rollup(dtype, access, "2026-04-01", "2026-04-11")
            self.assertEqual(status, 200, body)
            windows = body["rollupDataPoints"]
            for w in windows:
                d = w["civilStartTime"]["date"]
                day = "%04d-%02d-%02d" % (d["year"], d["month"], d["day"])
                value = w[TYPES[dtype].key]
                self.assertTrue(check(value, truth[day]), (dtype, day, value, truth[day]))
            days = [w["civilStartTime"]["date"]["day"] for w in windows]
            self.assertEqual(days, sorted(days, reverse=True), dtype)
        azm = self.daily_rollup("active-zone-minutes", access, "2026-04-01", "2026-04-11")[1]
        for w in azm["rollupDataPoints"]:
            day = "2026-04-%02d" % w["civilStartTime"]["date"]["day"]
            got = w["activeZoneMinutes"]
            self.assertEqual(sum(int(v) for v in got.values()),
                             truth[day]["active-zone-minutes"]["total"])

    def test_daily_rollup_paging_and_ranges(self):
        access = self.token("synth")
        status, whole = self.daily_rollup("steps", access, "2026-04-01", "2026-04-11")
        self.assertNotIn("nextPageToken", whole)
        windows, body, pages = [], {"nextPageToken": None}, 0
        while "nextPageToken" in body:
            extra = {"pageSize": 3}
            if body["nextPageToken"]:
                extra["pageToken"] = body["nextPageToken"]
            status, body = self.daily_rollup("steps", access, "2026-04-01", "2026-04-11",
                                             **extra)
            self.assertEqual(status, 200, body)
            windows += body["rollupDataPoints"]
            pages += 1
        self.assertEqual((pages, windows), (4, whole["rollupDataPoints"]))
        status, first = self.daily_rollup("steps", access, "2026-04-01", "2026-04-11",
                                          pageSize=3)
        status, body = self.daily_rollup("steps", access, "2026-04-01", "2026-04-12",
                                         pageSize=3, pageToken=first["nextPageToken"])
        self.assertRpcError(status, body, 400, "INVALID_ARGUMENT")
        status, body = self.daily_rollup("steps", access, "2026-04-01", "2026-04-11",
                                         windowSizeDays=7)
        spans = [(w["civilStartTime"]["date"]["day"], w["civilEndTime"]["date"]["day"])
                 for w in body["rollupDataPoints"]]
        self.assertEqual(spans, [(8, 11), (1, 8)])   # the last window is cut at the end
        status, body = self.daily_rollup("daily-resting-heart-rate", access, "2026-04-01",
                                         "2026-04-08", windowSizeDays=7)
        rng = body["rollupDataPoints"][0]["restingHeartRatePersonalRange"]
        rest = [int(p["dailyRestingHeartRate"]["beatsPerMinute"]) for p in self.reconcile_all(
            "daily-resting-heart-rate", access,
            filter='daily_resting_heart_rate.date >= "2026-04-01" AND '
                   'daily_resting_heart_rate.date < "2026-04-08"')]
        self.assertEqual(rng, {"beatsPerMinuteMin": float(min(rest)),
                               "beatsPerMinuteMax": float(max(rest))})
        status, body = self.daily_rollup("daily-heart-rate-variability", access,
                                         "2026-04-01", "2026-04-08", windowSizeDays=7)
        self.assertIn("averageHeartRateVariabilityMillisecondsMin",
                      body["rollupDataPoints"][0]["heartRateVariabilityPersonalRange"])
        status, body = self.daily_rollup("steps", access, "2026-04-01", "2026-04-11",
                                         windowSizeDays=0)
        self.assertRpcError(status, body, 400, "INVALID_ARGUMENT", "INVALID_ROLLUP_WINDOW")

    # --------------------------------------------------------------- sleep

    def test_sleep_sessions(self):
        access = self.token("synth")
        flt = ('sleep.interval.civil_end_time >= "2026-03-01" AND '
               'sleep.interval.civil_end_time < "2026-05-01"')
        sessions = [p["sleep"] for p in self.reconcile_all("sleep", access, filter=flt)]
        self.assertGreater(len(sessions), 61)            # 61 nights and some naps
        seen = set()
        for s in sessions:
            iv, stages = s["interval"], s["stages"]
            self.assertEqual(stages[0]["startTime"], iv["startTime"])
            self.assertEqual(stages[-1]["endTime"], iv["endTime"])
            for a, b in zip(stages, stages[1:]):
                self.assertEqual(a["endTime"], b["startTime"])
                self.assertNotEqual(a["type"], b["type"])
            allowed = ({"AWAKE", "LIGHT", "DEEP", "REM"} if s["type"] == "STAGES"
                       else {"AWAKE", "RESTLESS", "ASLEEP"})
            self.assertLessEqual({x["type"] for x in stages}, allowed)
            summary = s["summary"]
            minutes = {x["type"]: int(x["minutes"]) for x in summary["stagesSummary"]}
            self.assertEqual(int(summary["minutesInSleepPeriod"]), sum(minutes.values()))
            self.assertEqual(int(summary["minutesAsleep"]), sum(
                v for k, v in minutes.items() if k not in ("AWAKE", "RESTLESS")))
            self.assertEqual(int(summary.get("minutesAwake", 0)), minutes.get("AWAKE", 0))
            counts = {x["type"]: int(x["count"]) for x in summary["stagesSummary"]}
            self.assertEqual(sum(counts.values()), len(stages))
            meta = s["metadata"]
            if meta.get("nap"):
                seen.add("nap")
                self.assertEqual((s["type"], meta["stagesStatus"]), ("CLASSIC", "REJECTED_NAP"))
                self.assertNotIn("mainSleep", meta)
                self.assertLess(int(summary["minutesInSleepPeriod"]), 120)
            else:
                self.assertTrue(meta["mainSleep"])
                seen.add(s["type"])
                hours = iv["civilStartTime"]["time"].get("hours", 0)
                seen.add("before midnight" if hours >= 20 else "after midnight")
            for seg in s.get("outOfBedSegments", []):
                seen.add("out of bed")
                self.assertTrue(iv["startTime"] < seg["startTime"] < seg["endTime"]
                                <= iv["endTime"])
            if iv["startUtcOffset"] != iv["endUtcOffset"]:
                seen.add("DST")
                self.assertEqual((iv["startUtcOffset"], iv["endUtcOffset"]), ("3600s", "7200s"))
                self.assertEqual({x["startUtcOffset"] for x in stages}, {"3600s", "7200s"})
        self.assertEqual(seen, {"nap", "STAGES", "CLASSIC", "before midnight",
                                "after midnight", "out of bed", "DST"})
        # sleep keeps its OR filter; reconcile and list agree
        flt = ('(sleep.interval.end_time < "2026-03-03T00:00:00Z" OR '
               'sleep.interval.civil_end_time >= "2026-03-29") AND '
               'sleep.interval.civil_end_time >= "2026-03-01" AND '
               'sleep.interval.civil_end_time < "2026-03-31"')
        listed = self.page_all(DT % "sleep", access, filter=flt)[0]
        ends = sorted(p["sleep"]["interval"]["endTime"][:10] for p in listed)
        self.assertTrue(ends and all(e < "2026-03-03" or e >= "2026-03-28" for e in ends), ends)

    def test_get_identifiable_points(self):
        access = self.token("synth")
        for dtype in ("weight", "body-fat", "exercise", "sleep"):
            status, _, body = self.get(DT % dtype, access, pageSize=2)
            point = body["dataPoints"][1]
            point_id = point["name"].rsplit("/", 1)[1]
            status, _, got = self.get(DT % dtype + "/" + point_id, access)
            self.assertEqual((status, got), (200, point), dtype)
            status, _, got = self.get(DT % dtype + "/" + "1234567890", access)
            self.assertRpcError(status, got, 404, "NOT_FOUND")
        status, _, body = self.get(DT % "steps" + "/1234567890", access)
        self.assertRpcError(status, body, 400, "INVALID_ARGUMENT",
                            "DATA_TYPE_NOT_SUPPORTED_FOR_OPERATION")

    def test_data_source_families(self):
        access = self.token("synth")
        fam = "users/me/dataSourceFamilies/"
        status, _, body = self.get(DT % "sleep", access, dataSourceFamily=fam + "all-sources")
        self.assertRpcError(status, body, 400, "INVALID_ARGUMENT")
        status, _, body = self.get(DT % "sleep" + ":reconcile", access, pageSize=1,
                                   dataSourceFamily=fam + "google-wearables")
        self.assertEqual(len(body["dataPoints"]), 1)
        flt = ('weight.sample_time.civil_time >= "2026-01-01" AND '
               'weight.sample_time.civil_time < "2026-03-01"')
        every = self.page_all(DT % "weight", access, filter=flt)[0]
        devices = self.page_all(DT % "weight", access, filter=flt,
                                dataSourceFamily=fam + "google-wearables")[0]
        manual = [p for p in every if p["dataSource"]["recordingMethod"] == "MANUAL"]
        self.assertTrue(manual)
        self.assertEqual(len(devices), len(every) - len(manual))
        self.assertTrue(all(p["dataSource"]["device"]["formFactor"] == "SCALE" for p in devices))
        status, _, body = self.get(DT % "weight", access, dataSourceFamily=fam + "self-sources")
        self.assertEqual((status, body), (200, {}))
        status, _, body = self.get(DT % "weight", access, dataSourceFamily=fam + "mine")
        self.assertRpcError(status, body, 400, "INVALID_ARGUMENT")

    def test_same_seed_same_data(self):
        access = self.token("synth")
        path = DT % "oxygen-saturation" + ":reconcile"
        first = self.raw("GET", path + "?pageSize=300", headers={
            "Authorization": "Bearer " + access})[2]
        self.add_user(id="synth", tz="Europe/Berlin", age=35,
                      synthetic={"start": "2026-01-01", "days": 365, "seed": 7})
        again = self.raw("GET", path + "?pageSize=300", headers={
            "Authorization": "Bearer " + self.token("synth")})[2]
        self.assertEqual(first, again)
        self.add_user(id="synth", tz="Europe/Berlin", age=35,
                      synthetic={"start": "2026-01-01", "days": 365, "seed": 8})
        other = self.raw("GET", path + "?pageSize=300", headers={
            "Authorization": "Bearer " + self.token("synth")})[2]
        self.assertNotEqual(first, other)
        self.assertTrue(re.search(rb'"percentage":9\d\.\d', other))


if __name__ == "__main__":
    unittest.main()
