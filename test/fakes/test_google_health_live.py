"""Tests of the fake Google Health API's accounts over time: two devices
and the merged stream, per-type scopes, the simulated clock and late
uploads, the ground truth and the per-user/type/day stats.

Run from the repository root:

    /usr/bin/python3 -m unittest discover -s test -p 'test_*.py'
"""

import collections
import json
import os
import sys
import unittest
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakecase  # noqa: E402
from fakecase import ACTIVITY, DT, HR, METRICS, SLEEP  # noqa: E402
from gh.types import TYPES  # noqa: E402

TWO = {"id": "two", "tz": "America/New_York", "age": 44,
       "devices": ["pixel_watch", "fitbit_charge"],
       "synthetic": {"start": "2026-03-01", "days": 20, "seed": 5}}


def civil_day(dtype, first, last):
    """A list filter for local days [first, last)."""
    t = TYPES[dtype]
    member = {"sample": ".sample_time.civil_time", "interval": ".interval.civil_start_time",
              "daily": ".date"}[t.kind]
    return '%s%s >= "%s" AND %s%s < "%s"' % (t.snake, member, first, t.snake, member, last)


def parse_time(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=timezone.utc).timestamp()


def count(p, key, field="count"):
    return int(p[key].get(field, "0"))


class LiveTest(fakecase.FakeServerCase):
    """Accounts as a client syncing them over time sees them."""

    def newest(self, dtype, token, **params):
        status, _, body = self.get(DT % dtype, token, pageSize=1, **params)
        self.assertEqual(status, 200, body)
        return body.get("dataPoints", [None])[0]

    # ----------------------------------------------------- two devices

    def test_two_devices_and_reconcile(self):
        self.add_user(**TWO)
        access = self.token("two")
        day, flt = "2026-03-08", civil_day("heart-rate", "2026-03-08", "2026-03-09")
        listed = self.page_all(HR, access, filter=flt, pageSize=10000)[0]
        merged = self.reconcile_all("heart-rate", access, filter=flt, pageSize=10000)
        truth = self.truth("two", day, day, samples="1")["days"][day]
        self.assertEqual(len(listed), truth["heart-rate"]["list_samples"])
        self.assertEqual(len(merged), truth["heart-rate"]["samples"])
        self.assertEqual(sum(int(p["heartRate"]["beatsPerMinute"]) for p in merged),
                         truth["heart-rate"]["sum"])
        self.assertEqual([[int(parse_time(p["heartRate"]["sampleTime"]["physicalTime"])),
                           int(p["heartRate"]["beatsPerMinute"])] for p in reversed(merged)],
                         truth["heart-rate"]["series"])
        by_device = collections.defaultdict(lambda: collections.defaultdict(set))
        for p in listed:
            st = p["heartRate"]["sampleTime"]["physicalTime"]
            by_device[p["dataSource"]["device"]["displayName"]][st[:16]].add(
                (st, p["heartRate"]["beatsPerMinute"]))
        self.assertEqual(set(by_device), {"Pixel Watch 3", "Charge 6"})
        times = [p["heartRate"]["sampleTime"]["physicalTime"] for p in listed]
        self.assertEqual(times, sorted(times, reverse=True))
        merged_min = collections.defaultdict(set)
        for p in merged:
            st = p["heartRate"]["sampleTime"]["physicalTime"]
            merged_min[st[:16]].add((st, p["heartRate"]["beatsPerMinute"]))
        first, second = by_device["Pixel Watch 3"], by_device["Charge 6"]
        self.assertTrue(set(first) & set(second))          # they overlap in time
        only_second = set(second) - set(first)
        self.assertTrue(only_second)                        # the watch was off
        for minute, samples in merged_min.items():          # the stated merge rule
            self.assertEqual(samples, first.get(minute) or second[minute], minute)
        # steps: two points in overlapping minutes, one merged point a minute
        sflt = civil_day("steps", day, "2026-03-09")
        steps = self.page_all(DT % "steps", access, filter=sflt, pageSize=10000)[0]
        rsteps = self.reconcile_all("steps", access, filter=sflt, pageSize=10000)
        starts = [p["steps"]["interval"]["startTime"] for p in rsteps]
        self.assertEqual(len(starts), len(set(starts)))
        self.assertEqual(len(starts), 23 * 60)       # spring forward: a 23-hour day
        self.assertGreater(len(steps), len(rsteps))
        self.assertEqual(sum(count(p, "steps") for p in rsteps), truth["steps"]["steps"])
        status, body = self.daily_rollup("steps", access, day, "2026-03-09")
        self.assertEqual(body["rollupDataPoints"][0]["steps"]["countSum"],
                         str(truth["steps"]["steps"]))
        zones = truth["heart-rate"]["zone_minutes"]
        self.assertEqual(truth["heart-rate"]["below_light_minutes"] + sum(zones.values()),
                         truth["heart-rate"]["worn_minutes"])
        self.assertEqual(truth["heart-rate"]["worn_minutes"], len(merged_min))
        dist = self.page_all(DT % "distance", access, filter=civil_day(
            "distance", day, "2026-03-09"), pageSize=10000)[0]
        self.assertEqual(len(dist), len(steps))
        self.assertEqual({p["dataSource"]["device"]["displayName"] for p in dist},
                         {"Pixel Watch 3", "Charge 6"})

    # ------------------------------------------------------------ scopes

    def test_scopes_per_type(self):
        self.add_user(id="few", scopes=[ACTIVITY, METRICS],
                      synthetic={"start": "2026-03-01", "days": 3, "seed": 2})
        access = self.token("few")
        status, _, body = self.get(DT % "sleep", access)
        self.assertRpcError(status, body, 403, "PERMISSION_DENIED",
                            "ACCESS_TOKEN_SCOPE_INSUFFICIENT")
        for dtype in ("steps", "weight", "oxygen-saturation", "daily-vo2-max"):
            self.assertEqual(self.get(DT % dtype, access, pageSize=1)[0], 200, dtype)
        status, _, body = self.call("POST", "/_fake/scopes",
                                    {"user": "few", "revoke": ["health_metrics_and_measurements"]})
        self.assertEqual(body["scopes"], [ACTIVITY])
        for dtype in ("heart-rate", "weight", "daily-respiratory-rate"):  # the same token
            status, _, body = self.get(DT % dtype, access, pageSize=1)
            self.assertRpcError(status, body, 403, "PERMISSION_DENIED",
                                "ACCESS_TOKEN_SCOPE_INSUFFICIENT")
        self.assertEqual(self.get(DT % "steps", access, pageSize=1)[0], 200)
        status, _, body = self.refresh("1//test-few")
        self.assertEqual(body["scope"], ACTIVITY)
        self.call("POST", "/_fake/scopes", {"user": "few", "grant": [METRICS]})
        self.assertEqual(self.get(HR, access, pageSize=1)[0], 200)
        # each type answers to exactly its scope
        self.add_user(id="all", synthetic={"start": "2026-03-01", "days": 3, "seed": 2})
        access = self.token("all")
        for scope in (ACTIVITY, METRICS, SLEEP):
            self.call("POST", "/_fake/scopes", {"user": "all", "scopes": [scope]})
            for dtype, t in TYPES.items():
                if "list" in t.methods:
                    status = self.get(DT % dtype, access, pageSize=1)[0]
                else:
                    status = self.daily_rollup(dtype, access, "2026-03-01", "2026-03-02")[0]
                self.assertEqual(status, 200 if t.scope == scope else 403, (dtype, scope))

    # ------------------------------------------------ clock and uploads

    def test_clock_and_visibility(self):
        access = self.token("synth")
        # real time, no upload settings: everything, the future included
        self.assertEqual(self.call("GET", "/_fake/clock")[2]["simulated"], False)
        self.assertTrue(self.newest("heart-rate", access)["heartRate"]["sampleTime"]
                        ["physicalTime"].startswith("2026-12-31T22:59"))
        clock = self.set_clock("2026-06-15T12:03:30Z")
        self.assertEqual(clock, {"now": "2026-06-15T12:03:30Z", "simulated": True})
        # uploads every 5 minutes: the horizon is 12:00:00
        hr = self.newest("heart-rate", access)["heartRate"]["sampleTime"]["physicalTime"]
        self.assertTrue("2026-06-15T11:55:00Z" <= hr < "2026-06-15T12:00:00Z", hr)
        st = self.newest("steps", access)["steps"]["interval"]
        self.assertEqual(st["endTime"], "2026-06-15T12:00:00Z")
        for dtype in ("daily-resting-heart-rate", "daily-heart-rate-variability",
                      "daily-oxygen-saturation", "daily-vo2-max"):
            self.assertEqual(self.newest(dtype, access)[TYPES[dtype].key]["date"],
                             {"year": 2026, "month": 6, "day": 14}, dtype)
        sleep = self.newest("sleep", access)["sleep"]["interval"]
        self.assertTrue(sleep["endTime"] < "2026-06-15T12:00:00Z")
        self.assertEqual(sleep["civilEndTime"]["date"]["day"], 15)
        status, body = self.daily_rollup("steps", access, "2026-06-14", "2026-06-17")
        windows = body["rollupDataPoints"]
        self.assertEqual([w["civilStartTime"]["date"]["day"] for w in windows], [15, 14])
        seen = self.truth("synth", "2026-06-15", "2026-06-15", visible="1")
        whole = self.truth("synth", "2026-06-15", "2026-06-15")
        self.assertEqual(seen["horizon"], "2026-06-15T12:00:00Z")
        self.assertEqual(int(windows[0]["steps"]["countSum"]),
                         seen["days"]["2026-06-15"]["steps"]["steps"])
        self.assertLess(seen["days"]["2026-06-15"]["steps"]["steps"],
                        whole["days"]["2026-06-15"]["steps"]["steps"])
        # the same request at the same time: the same bytes; later: more
        auth = {"Authorization": "Bearer " + access}
        path = HR + "?pageSize=50"
        first = self.raw("GET", path, headers=auth)[2]
        self.assertEqual(self.raw("GET", path, headers=auth)[2], first)
        self.call("POST", "/_fake/clock", {"advance_seconds": 600})
        self.assertNotEqual(self.raw("GET", path, headers=auth)[2], first)
        # a paged read is one snapshot while the clock moves on
        self.set_clock("2026-06-15T12:03:30Z")
        flt = 'heart_rate.sample_time.civil_time >= "2026-06-15"'
        status, _, page1 = self.get(HR, access, filter=flt, pageSize=1000)
        snapshot = self.page_all(HR, access, filter=flt, pageSize=1000)[0]
        self.call("POST", "/_fake/clock", {"advance_seconds": 7200})
        rest = self.page_all(HR, access, filter=flt, pageSize=1000,
                             pageToken=page1["nextPageToken"])[0]
        self.assertEqual(page1["dataPoints"] + rest, snapshot)
        self.assertGreater(len(self.page_all(HR, access, filter=flt, pageSize=1000)[0]),
                           len(snapshot))
        self.call("POST", "/_fake/clock", {"now": None})
        self.assertEqual(self.call("GET", "/_fake/clock")[2]["simulated"], False)

    def test_late_uploads(self):
        self.add_user(id="evening", tz="Europe/Berlin", upload={"sync_times": ["20:00"]},
                      synthetic={"start": "2026-06-01", "days": 10, "seed": 4})
        self.add_user(id="phone", tz="UTC", upload={"every_minutes": 15, "offline": [
            {"from": "2026-06-03T06:00:00Z", "to": "2026-06-05T06:00:00Z"}]},
            synthetic={"start": "2026-06-01", "days": 10, "seed": 6})
        evening, phone = self.token("evening"), self.token("phone")

        def newest_hr(token):
            return self.newest("heart-rate", token)["heartRate"]["sampleTime"]["physicalTime"]

        self.set_clock("2026-06-05T17:59:00Z")          # 19:59 in Berlin
        self.assertTrue("2026-06-04T17:59" <= newest_hr(evening) < "2026-06-04T18:00")
        self.assertEqual(self.newest("daily-resting-heart-rate", evening)
                         ["dailyRestingHeartRate"]["date"]["day"], 3)
        self.set_clock("2026-06-05T18:00:00Z")          # the evening sync
        self.assertTrue("2026-06-05T17:59" <= newest_hr(evening) < "2026-06-05T18:00")
        self.assertEqual(self.newest("daily-resting-heart-rate", evening)
                         ["dailyRestingHeartRate"]["date"]["day"], 4)
        for now in ("2026-06-03T12:00:00Z", "2026-06-05T05:59:00Z"):   # offline
            self.set_clock(now)
            self.assertTrue("2026-06-03T05:44" <= newest_hr(phone) < "2026-06-03T05:45")
        self.set_clock("2026-06-05T06:00:00Z")          # back online: all of it at once
        self.assertTrue("2026-06-05T05:59:00Z" <= newest_hr(phone) < "2026-06-05T06:00:00Z")
        seen = self.truth("phone", "2026-06-04", "2026-06-04", visible="1", type="steps")
        whole = self.truth("phone", "2026-06-04", "2026-06-04", type="steps")
        self.assertEqual(seen["days"], whole["days"])
        status, _, body = self.call("POST", "/_fake/upload",
                                    {"user": "phone", "upload": {"every_minutes": 60}})
        self.assertEqual(body, {"user": "phone", "horizon": "2026-06-05T06:00:00Z"})
        self.call("POST", "/_fake/clock", {"advance_seconds": 3599})
        self.assertLess(newest_hr(phone), "2026-06-05T06:00:00Z")

    # -------------------------------------------------------------- truth

    def test_truth_equals_served_points(self):
        access, day, nxt = self.token("synth"), "2026-05-22", "2026-05-23"
        truth = self.truth("synth", day, day)["days"][day]

        def served(dtype):
            return self.reconcile_all(dtype, access, filter=civil_day(dtype, day, nxt),
                                      pageSize=10000)

        hr = [int(p["heartRate"]["beatsPerMinute"]) for p in served("heart-rate")]
        self.assertEqual((len(hr), sum(hr), min(hr), max(hr)),
                         tuple(truth["heart-rate"][k] for k in ("samples", "sum", "min", "max")))
        self.assertEqual(sum(count(p, "steps") for p in served("steps")),
                         truth["steps"]["steps"])
        self.assertEqual(sum(count(p, "distance", "millimeters") for p in served("distance")),
                         truth["distance"]["millimeters"])
        self.assertEqual(sum(count(p, "floors") for p in served("floors")),
                         truth["floors"]["floors"])
        tiz = collections.Counter(p["timeInHeartRateZone"]["heartRateZoneType"]
                                  for p in served("time-in-heart-rate-zone"))
        self.assertEqual({z: 60 * tiz[z] for z in truth["time-in-heart-rate-zone"]},
                         truth["time-in-heart-rate-zone"])
        self.assertEqual({z: n // 60 for z, n in truth["time-in-heart-rate-zone"].items()},
                         truth["heart-rate"]["zone_minutes"])
        azm = collections.Counter()
        for p in served("active-zone-minutes"):
            azm[p["activeZoneMinutes"]["heartRateZone"]] += int(
                p["activeZoneMinutes"]["activeZoneMinutes"])
        self.assertEqual(sum(azm.values()), truth["active-zone-minutes"]["total"])
        levels = collections.Counter(
            p["activeMinutes"]["activeMinutesByActivityLevel"][0]["activityLevel"]
            for p in served("active-minutes"))
        self.assertEqual(dict(levels), {k: v for k, v in truth["active-minutes"].items() if v})
        sed = served("sedentary-period")
        self.assertEqual(len(sed), truth["sedentary-period"]["periods"])
        self.assertEqual(sum(parse_time(p["sedentaryPeriod"]["interval"]["endTime"]) -
                             parse_time(p["sedentaryPeriod"]["interval"]["startTime"])
                             for p in sed), 60 * truth["sedentary-period"]["minutes"])
        weights = served("weight")
        self.assertEqual([w["grams"] for w in truth.get("weight", [])],
                         [p["weight"]["weightGrams"] for p in reversed(weights)])
        # sleep is filed under the day the person woke up
        sleep = self.reconcile_all("sleep", access, filter='sleep.interval.civil_end_time >= '
                                   '"%s" AND sleep.interval.civil_end_time < "%s"' % (day, nxt))
        self.assertEqual(sorted(s["name"] for s in truth["sleep"]),
                         sorted(p["dataPointName"].rsplit("/", 1)[1] for p in sleep))
        for s, p in zip(truth["sleep"], sorted(sleep, key=lambda p: p["sleep"]["interval"]
                                               ["startTime"])):
            summary = p["sleep"]["summary"]
            self.assertEqual(s["minutes_asleep"], int(summary["minutesAsleep"]))
            self.assertEqual(s["stages"], {x["type"]: int(x["minutes"])
                                           for x in summary["stagesSummary"]})
        ex = self.reconcile_all("exercise", access, filter='exercise.interval.civil_start_time'
                                ' >= "2026-05-01" AND exercise.interval.civil_start_time < '
                                '"2026-05-31"')
        month = self.truth("synth", "2026-05-01", "2026-05-30", type="exercise")["days"]
        self.assertEqual(len(ex), sum(len(v["exercise"]) for v in month.values()))
        status, _, body = self.call("GET", "/_fake/truth?user=synth&from=2026-05-01&to=x")
        self.assertEqual(status, 400)

    # -------------------------------------------------------------- stats

    def test_stats_per_user_type_and_day(self):
        access, kory = self.token("synth"), self.token("kory")
        self.call("DELETE", "/_fake/stats")
        self.set_clock("2026-06-15T21:30:00Z")     # 23:30 in Berlin, 14:30 in Los Angeles
        self.get(HR, access, pageSize=5)
        self.get(HR, access, pageSize=6)
        self.get(DT % "steps", access, pageSize=5)
        self.get(HR, kory, pageSize=5)
        self.call("POST", "/_fake/clock", {"advance_seconds": 3600})
        self.get(HR, access, pageSize=7)
        self.get(HR, kory, pageSize=7)
        stats = self.call("GET", "/_fake/stats")[2]
        entries = [e for e in stats["requests"] if e["user"] == "synth"]
        self.assertEqual([e["day"] for e in entries], ["2026-06-15"] * 3 + ["2026-06-16"])
        hr_bytes = sum(e["bytes"] for e in entries if e["data_type"] == "heart-rate")
        self.assertEqual(stats["by_user_type"]["synth"]["heart-rate"],
                         {"requests": 3, "bytes": hr_bytes})
        self.assertEqual(stats["by_user_type"]["synth"]["steps"]["requests"], 1)
        days = stats["by_user_day"]["synth"]
        self.assertEqual({d: v["requests"] for d, v in days.items()},
                         {"2026-06-15": 3, "2026-06-16": 1})
        self.assertEqual(days["2026-06-15"]["by_type"]["steps"]["requests"], 1)
        self.assertEqual(sum(v["bytes"] for v in days.values()),
                         sum(e["bytes"] for e in entries))
        self.assertEqual(set(stats["by_user_day"]["kory"]), {"2026-06-15"})
        self.assertEqual(json.loads(json.dumps(stats))["total"], 6)


if __name__ == "__main__":
    unittest.main()
