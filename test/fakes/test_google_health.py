"""Tests of the fake Google Health API in test/fakes/google_health.py:
OAuth, paging, filters, legacy days, faults, limits and stats.

Run from the repository root:

    /usr/bin/python3 -m unittest discover -s test -p 'test_*.py'

The fake runs as a subprocess on a free port, configured by
test/fake_data/users.json; the tests need nothing outside test/.
"""

import base64
import http.client
import json
import os
import sys
import time
import unittest
import unittest.mock
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakecase  # noqa: E402
from fakecase import ACTIVITY, DT, HR, KORYMATH, METRICS  # noqa: E402


class FakeGoogleHealthTest(fakecase.FakeServerCase):
    """OAuth, paging, legacy data, faults and stats."""

    # --------------------------------------------------------------- OAuth

    def test_health_and_port_file(self):
        status, _, body = self.call("GET", "/_fake/health")
        self.assertEqual(status, 200)
        self.assertEqual(body["status"], "ok")
        self.assertIn("synth", body["users"])

    def test_pkce_code_exchange(self):
        verifier = "v" * 20 + "-pkce-verifier-0123456789abcdef"
        status, q = self.authorize([METRICS, ACTIVITY], verifier)
        self.assertEqual(status, 302)
        self.assertEqual(q["state"], "xyz-state")
        status, resp, body = self.exchange(q["code"], verifier)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["expires_in"], 3599)
        self.assertTrue(body["refresh_token"])
        self.assertEqual(set(body["scope"].split()), {METRICS, ACTIVITY})
        self.assertIn("no-store", resp.getheader("Cache-Control"))
        status, _, _ = self.get(HR, body["access_token"], pageSize=1)
        self.assertEqual(status, 200)
        # A code is single-use.
        status, _, again = self.exchange(q["code"], verifier)
        self.assertEqual((status, again["error"]), (400, "invalid_grant"))
        # The verifier must match the S256 challenge.
        status, q = self.authorize([METRICS], verifier)
        status, _, bad = self.exchange(q["code"], verifier + "x")
        self.assertEqual((status, bad["error"], bad["error_description"]),
                         (400, "invalid_grant", "Invalid code verifier."))
        # The refresh token from the exchange works; no rotation on refresh.
        status, _, ref = self.refresh(body["refresh_token"])
        self.assertEqual(status, 200, ref)
        self.assertNotIn("refresh_token", ref)
        self.assertEqual(set(ref["scope"].split()), {METRICS, ACTIVITY})

    def test_authorize_validation(self):
        verifier = "w" * 50
        for extra in ({"code_challenge_method": "plain"}, {"code_challenge": None},
                      {"access_type": None}, {"prompt": "none"}, {"state": None},
                      {"response_type": "token"}, {"scope": "bogus.scope"}):
            status, q = self.authorize([METRICS], verifier, **extra)
            self.assertEqual(status, 400, extra)
            self.assertNotIn("code", q)
        status, _ = self.authorize([METRICS], verifier, client_id="nobody")
        self.assertEqual(status, 401)
        # A client with registered redirect URIs accepts only those.
        status, _ = self.authorize([METRICS], verifier, client_id="tracker-test")
        self.assertEqual(status, 400)
        status, q = self.authorize([METRICS], verifier, client_id="tracker-test",
                                   redirect="http://127.0.0.1/callback")
        self.assertEqual(status, 302)
        status, _, body = self.exchange(q["code"], verifier, ("tracker-test", "tracker-secret"),
                                        "http://127.0.0.1/callback")
        self.assertEqual(status, 200, body)
        # The user can decline.
        self.call("POST", "/_fake/consent", {"user": "synth", "deny": True})
        status, q = self.authorize([METRICS], verifier)
        self.assertEqual((status, q.get("error"), q.get("state")),
                         (302, "access_denied", "xyz-state"))

    def test_token_endpoint_errors(self):
        status, _, body = self.refresh("1//test-synth", ("test-client", "wrong"))
        self.assertEqual((status, body["error"]), (401, "invalid_client"))
        status, _, body = self.refresh("1//test-synth", ("who", "test-secret"))
        self.assertEqual((status, body["error"]), (401, "invalid_client"))
        status, _, body = self.refresh("1//never-issued")
        self.assertEqual(status, 400)
        self.assertEqual(body, {"error": "invalid_grant",
                                "error_description": "Token has been expired or revoked."})
        status, _, body = self.call("POST", "/token", form={
            "grant_type": "password", "client_id": "test-client", "client_secret": "test-secret"})
        self.assertEqual((status, body["error"]), (400, "unsupported_grant_type"))
        # HTTP Basic client authentication is accepted too.
        basic = base64.b64encode(b"test-client:test-secret").decode()
        status, _, body = self.call("POST", "/token", form={
            "grant_type": "refresh_token", "refresh_token": "1//test-kory"},
            headers={"Authorization": "Basic " + basic})
        self.assertEqual(status, 200, body)

    def test_revoke_then_invalid_grant_and_401(self):
        access = self.token("synth")
        status, _, body = self.call("POST", "/_fake/revoke", {"refresh_token": "1//test-synth"})
        self.assertEqual(body["revoked"], 1)
        status, _, body = self.refresh("1//test-synth")
        self.assertEqual(status, 400)
        self.assertEqual(body, {"error": "invalid_grant",
                                "error_description": "Token has been expired or revoked."})
        status, _, body = self.get(HR, access, pageSize=1)
        self.assertRpcError(status, body, 401, "UNAUTHENTICATED")
        # Google's own revoke endpoint works as well.
        access = self.token("kory")
        status, _, _ = self.call("POST", "/revoke", form={"token": access})
        self.assertEqual(status, 200)
        self.assertEqual(self.refresh("1//test-kory")[0], 400)

    def test_expired_and_missing_token_401(self):
        access = self.token("synth")
        self.assertEqual(self.get(HR, access, pageSize=1)[0], 200)
        self.call("POST", "/_fake/expire", {"user": "synth"})
        status, resp, body = self.get(HR, access, pageSize=1)
        self.assertRpcError(status, body, 401, "UNAUTHENTICATED", "ACCESS_TOKEN_EXPIRED")
        self.assertIn("invalid_token", resp.getheader("WWW-Authenticate"))
        status, _, body = self.get(HR, None, pageSize=1)
        self.assertRpcError(status, body, 401, "UNAUTHENTICATED", "CREDENTIALS_MISSING")
        status, _, body = self.get(HR, "ya29.not-a-token", pageSize=1)
        self.assertRpcError(status, body, 401, "UNAUTHENTICATED")
        # A refresh gives a working token again.
        self.assertEqual(self.get(HR, self.token("synth"), pageSize=1)[0], 200)

    def test_partial_grant_403(self):
        verifier = "p" * 43
        self.call("POST", "/_fake/consent", {"user": "synth", "scopes": [METRICS]})
        status, q = self.authorize([METRICS, ACTIVITY], verifier)
        self.assertEqual(q["scope"], METRICS)
        status, _, body = self.exchange(q["code"], verifier)
        self.assertEqual(body["scope"], METRICS)
        access = body["access_token"]
        self.assertEqual(self.get(HR, access, pageSize=1)[0], 200)
        status, resp, body = self.get(DT % "steps", access, pageSize=1)
        self.assertRpcError(status, body, 403, "PERMISSION_DENIED",
                            "ACCESS_TOKEN_SCOPE_INSUFFICIENT")
        self.assertIn("insufficient_scope", resp.getheader("WWW-Authenticate"))
        status, _, body = self.get("/v4/users/me/settings", access)
        self.assertRpcError(status, body, 403, "PERMISSION_DENIED",
                            "ACCESS_TOKEN_SCOPE_INSUFFICIENT")


    # ----------------------------------------------------- paging and data

    def test_paging_newest_first_legacy_day(self):
        with open(os.path.join(KORYMATH, "2017-05-01_datadumpHeart.json")) as f:
            dataset = json.load(f)["activities-heart-intraday"]["dataset"]
        access = self.token("kory")
        flt = ('heart_rate.sample_time.civil_time >= "2017-05-01" AND '
               'heart_rate.sample_time.civil_time < "2017-05-02"')
        points, pages = self.page_all(HR, access, filter=flt, pageSize=4000)
        self.assertEqual(len(points), len(dataset))
        self.assertEqual(pages, (len(dataset) + 3999) // 4000)
        times = [p["heartRate"]["sampleTime"]["physicalTime"] for p in points]
        self.assertEqual(times, sorted(times, reverse=True))
        self.assertEqual(len(set(times)), len(times))
        newest, oldest = points[0]["heartRate"], points[-1]["heartRate"]
        self.assertIsInstance(newest["beatsPerMinute"], str)
        self.assertEqual(newest["beatsPerMinute"], str(dataset[-1]["value"]))
        # 00:00:01 local PDT is 07:00:01Z; zero hours/minutes are omitted.
        self.assertEqual(oldest["sampleTime"], {
            "physicalTime": "2017-05-01T07:00:01Z", "utcOffset": "-25200s",
            "civilTime": {"date": {"year": 2017, "month": 5, "day": 1},
                          "time": {"seconds": 1}}})
        self.assertIn("dataSource", points[0])
        # The same window by physical time gives the same points.
        flt = ('heart_rate.sample_time.physical_time >= "2017-05-01T07:00:00Z" AND '
               'heart_rate.sample_time.physical_time < "2017-05-02T07:00:00Z"')
        self.assertEqual(self.page_all(HR, access, filter=flt, pageSize=10000)[0], points)

    def test_repeated_pages_are_byte_identical(self):
        access = self.token("synth")
        flt = 'heart_rate.sample_time.physical_time < "2026-03-02T00:00:00Z"'
        path = HR + "?" + urlencode({"filter": flt, "pageSize": 500})
        auth = {"Authorization": "Bearer " + access}
        first = self.raw("GET", path, headers=auth)[2]
        self.assertEqual(self.raw("GET", path, headers=auth)[2], first)
        token = json.loads(first)["nextPageToken"]
        path2 = path + "&pageToken=" + token
        second = self.raw("GET", path2, headers=auth)[2]
        # A new access token for the same user gives the same bytes too.
        auth = {"Authorization": "Bearer " + self.token("synth")}
        self.assertEqual(self.raw("GET", path2, headers=auth)[2], second)
        status, _, stats = self.call("GET", "/_fake/stats")
        self.assertEqual(stats["duplicate_pages"], 2)
        # An old token with a changed filter (or page size) is refused.
        for changed in ({"filter": flt.replace("02T", "03T")}, {"pageSize": 501}):
            params = {"filter": flt, "pageSize": 500, "pageToken": token}
            params.update(changed)
            status, _, body = self.get(HR, access, **params)
            self.assertRpcError(status, body, 400, "INVALID_ARGUMENT")
        status, _, body = self.get(HR, access, pageToken="garbage!")
        self.assertRpcError(status, body, 400, "INVALID_ARGUMENT")

    def test_filters(self):
        access = self.token("synth")
        good = {
            "heart-rate": 'heart_rate.sample_time.physical_time >= "2026-03-01T10:00:00Z" '
                          'AND heart_rate.sample_time.physical_time < "2026-03-01T10:01:00.5Z"',
            "steps": 'steps.interval.civil_start_time >= "2026-03-01T10:00:00" AND '
                     'steps.interval.start_time < "2026-03-01T11:00:00+01:00"',
            "daily-resting-heart-rate": 'daily_resting_heart_rate.date >= "2026-03-01" '
                                        'AND daily_resting_heart_rate.date < "2026-03-04"',
            "daily-heart-rate-zones": 'daily_heart_rate_zones.date >= "2026-03-01"',
            "exercise": 'exercise.interval.civil_start_time >= "2026-03-01" AND '
                        'exercise.interval.civil_start_time < "2026-03-08"',
            "sleep": '(sleep.interval.end_time < "2026-03-02T00:00:00Z" OR '
                     'sleep.interval.civil_end_time >= "2026-03-05") AND '
                     'sleep.interval.civil_end_time >= "2026-03-01"',
        }
        counts = {}
        for dtype, flt in good.items():
            status, _, body = self.get(DT % dtype, access, filter=flt)
            self.assertEqual(status, 200, (dtype, body))
            counts[dtype] = len(body.get("dataPoints", []))
        self.assertGreater(counts["heart-rate"], 3)
        self.assertEqual(counts["steps"], 60)
        self.assertEqual(counts["daily-resting-heart-rate"], 3)
        self.assertEqual(counts["daily-heart-rate-zones"], 306)   # 03-01 .. 12-31
        self.assertGreaterEqual(counts["exercise"], 2)
        bad = [  # (data type, filter, reason suffix)
            ("heart-rate", 'steps.interval.start_time >= "2026-03-01T00:00:00Z"',
             "DATA_TYPE_MEMBER"),
            ("heart-rate", 'heartRate.sampleTime.physicalTime >= "2026-03-01T00:00:00Z"',
             "DATA_TYPE_MEMBER"),
            ("heart-rate", 'heart_rate.sample_time >= "2026-03-01T00:00:00Z"', "DATA_TYPE_MEMBER"),
            ("exercise", 'exercise.interval.start_time >= "2026-03-01T00:00:00Z"',
             "DATA_TYPE_MEMBER"),
            ("heart-rate", 'heart_rate.sample_time.physical_time >= "2026-03-01"',
             "RESTRICTION_COMPARABLE"),
            ("heart-rate", 'heart_rate.sample_time.physical_time >= 2026',
             "RESTRICTION_COMPARABLE"),
            ("daily-resting-heart-rate", 'daily_resting_heart_rate.date >= "2026-02-30"',
             "RESTRICTION_COMPARABLE"),
            ("heart-rate", "heart_rate.sample_time.physical_time >= '2026-03-01T00:00:00Z'",
             "SYNTAX"),
            ("heart-rate", 'heart_rate.sample_time.physical_time > "2026-03-01T00:00:00Z"',
             "UNEXPECTED_TOKEN"),
            ("heart-rate", 'heart_rate.sample_time.physical_time >= "2026-03-01T00:00:00Z" and '
                           'heart_rate.sample_time.physical_time < "2026-03-02T00:00:00Z"',
             "UNEXPECTED_TOKEN"),
            ("steps", 'steps.interval.start_time >= "2026-03-01T00:00:00Z" OR '
                      'steps.interval.start_time < "2026-02-01T00:00:00Z"',
             "EXPRESSION_STRUCTURE"),
            ("heart-rate", 'heart_rate.sample_time.physical_time >=', "UNEXPECTED_END_OF_INPUT"),
        ]
        for dtype, flt, reason in bad:
            status, _, body = self.get(DT % dtype, access, filter=flt)
            self.assertRpcError(status, body, 400, "INVALID_ARGUMENT",
                                "INVALID_DATA_POINT_FILTER_" + reason)
        status, _, body = self.get(DT % "heart-rate", access, pageSize=1, colour="red")
        self.assertRpcError(status, body, 400, "INVALID_ARGUMENT")

    def test_page_caps(self):
        access = self.token("synth")
        two_days = ('heart_rate.sample_time.civil_time >= "2026-05-01" AND '
                    'heart_rate.sample_time.civil_time < "2026-05-03"')
        for size, expected in (("", 1440), ("0", 1440), ("20000", 10000), ("7", 7)):
            status, _, body = self.get(HR, access, filter=two_days, pageSize=size)
            self.assertEqual(len(body["dataPoints"]), expected, size)
            self.assertIn("nextPageToken", body)
        status, _, body = self.get(HR, access, filter=two_days, page_size=3)
        self.assertEqual(len(body["dataPoints"]), 3)
        status, _, body = self.get(DT % "sleep", access, pageSize=100)
        self.assertEqual(len(body["dataPoints"]), 25)
        status, _, body = self.get(DT % "sleep", access)
        self.assertEqual(len(body["dataPoints"]), 25)
        status, _, body = self.get(HR, access, pageSize=-1)
        self.assertRpcError(status, body, 400, "INVALID_ARGUMENT")

    def test_legacy_mapping(self):
        access = self.token("kory")
        status, _, body = self.get(DT % "daily-heart-rate-zones", access)
        day = body["dataPoints"][-1]["dailyHeartRateZones"]
        self.assertEqual(day["date"], {"year": 2017, "month": 5, "day": 1})
        self.assertEqual([(z["heartRateZoneType"], z["minBeatsPerMinute"], z["maxBeatsPerMinute"])
                          for z in day["heartRateZones"]],
                         [("LIGHT", "30", "94"), ("MODERATE", "95", "132"),
                          ("VIGOROUS", "133", "161"), ("PEAK", "162", "220")])
        status, _, body = self.get(DT % "daily-resting-heart-rate", access)
        rest = [p["dailyRestingHeartRate"]["beatsPerMinute"] for p in body["dataPoints"]]
        self.assertEqual(rest, ["56", "58", "58"])   # 06-29, 05-02, 05-01: newest first
        status, _, body = self.call("POST", DT % "time-in-heart-rate-zone" + ":dailyRollUp", {
            "range": {"start": {"date": {"year": 2017, "month": 5, "day": 1}},
                      "end": {"date": {"year": 2017, "month": 5, "day": 2}}},
            "windowSizeDays": 1}, token=access)
        self.assertEqual(status, 200, body)
        zones = body["rollupDataPoints"][0]["timeInHeartRateZone"]["timeInHeartRateZones"]
        self.assertEqual({z["heartRateZone"]: z["duration"] for z in zones},
                         {"LIGHT": "71940s", "MODERATE": "8640s", "VIGOROUS": "1380s",
                          "PEAK": "60s"})
        # No exercise, sleep or steps in legacy heart-rate files.
        self.assertEqual(self.get(DT % "exercise", access), (200, unittest.mock.ANY, {}))

    def test_legacy_dst_and_old_shape(self):
        access = self.token("dst")
        points, _ = self.page_all(HR, access)
        got = [(p["heartRate"]["sampleTime"]["physicalTime"],
                p["heartRate"]["sampleTime"]["utcOffset"]) for p in points]
        self.assertIn(("2017-03-12T06:59:50Z", "-18000s"), got)   # 01:59:50 EST
        self.assertIn(("2017-03-12T07:00:05Z", "-14400s"), got)   # 03:00:05 EDT
        self.assertIn(("2017-11-05T05:30:00Z", "-14400s"), got)   # 01:30 first (EDT)
        self.assertIn(("2017-11-05T07:15:00Z", "-18000s"), got)   # 02:15 EST
        self.assertEqual(len(points), 10)   # the duplicate file is ignored
        self.assertNotIn("99", [p["heartRate"]["beatsPerMinute"] for p in points])
        status, _, body = self.get(DT % "daily-heart-rate-zones", access)
        zones = body["dataPoints"][0]["dailyHeartRateZones"]["heartRateZones"]
        self.assertEqual([z["maxBeatsPerMinute"] for z in zones], ["91", "127", "155", "220"])
        status, _, body = self.get(DT % "daily-resting-heart-rate", access)
        self.assertEqual(len(body["dataPoints"]), 1)   # 1.1-era day has none

    def test_synthetic_consistency_and_shapes(self):
        access = self.token("synth")
        day = {"year": 2026, "month": 3, "day": 3}
        window = {"range": {"start": {"date": day}, "end": {"date": dict(day, day=4)}}}
        flt = ('heart_rate.sample_time.civil_time >= "2026-03-03" AND '
               'heart_rate.sample_time.civil_time < "2026-03-04"')
        samples, _ = self.page_all(HR, access, filter=flt, pageSize=10000)
        self.assertGreater(len(samples), 4000)
        status, _, body = self.get(DT % "daily-heart-rate-zones", access,
                                   filter='daily_heart_rate_zones.date >= "2026-03-03" AND '
                                          'daily_heart_rate_zones.date < "2026-03-04"')
        zones = [(z["heartRateZoneType"], int(z["minBeatsPerMinute"]))
                 for z in body["dataPoints"][0]["dailyHeartRateZones"]["heartRateZones"]]
        minutes = {}
        for p in samples:
            minute = p["heartRate"]["sampleTime"]["physicalTime"][:16]
            minutes.setdefault(minute, []).append(int(p["heartRate"]["beatsPerMinute"]))
        expected = {z: 0 for z, _ in zones}
        for values in minutes.values():
            inside = [z for z, lo in zones if sum(values) / len(values) >= lo]
            if inside:
                expected[inside[-1]] += 60
        status, _, body = self.call("POST", DT % "time-in-heart-rate-zone" + ":dailyRollUp",
                                    window, token=access)
        got = {z["heartRateZone"]: int(z["duration"][:-1]) for z in
               body["rollupDataPoints"][0]["timeInHeartRateZone"]["timeInHeartRateZones"]}
        self.assertEqual(got, expected)
        steps, _ = self.page_all(DT % "steps", access, pageSize=10000,
                                 filter='steps.interval.civil_start_time >= "2026-03-03" AND '
                                        'steps.interval.civil_start_time < "2026-03-04"')
        status, _, body = self.call("POST", DT % "steps" + ":dailyRollUp", window, token=access)
        self.assertEqual(body["rollupDataPoints"][0]["steps"]["countSum"],
                         str(sum(int(p["steps"].get("count", "0")) for p in steps)))
        status, _, body = self.get(DT % "exercise", access, pageSize=3)
        ex = body["dataPoints"][0]["exercise"]
        summary = ex["metricsSummary"]
        self.assertRegex(ex["activeDuration"], r"^\d+s$")
        self.assertIsInstance(summary["averageHeartRateBeatsPerMinute"], str)
        self.assertIsInstance(summary["caloriesKcal"], float)
        self.assertEqual(set(summary["heartRateZoneDurations"]),
                         {"lightTime", "moderateTime", "vigorousTime", "peakTime"})
        self.assertTrue(body["dataPoints"][0]["name"].startswith("users/"))
        status, _, body = self.get(DT % "sleep" + ":reconcile", access, pageSize=1)
        point = body["dataPoints"][0]
        self.assertNotIn("dataSource", point)
        self.assertIn("dataPointName", point)
        summary = point["sleep"]["summary"]
        self.assertEqual(int(summary["minutesInSleepPeriod"]),
                         sum(int(s["minutes"]) for s in summary["stagesSummary"]))
        for what, key in (("settings", "timeZone"), ("profile", "age"),
                          ("identity", "healthUserId")):
            status, _, body = self.get("/v4/users/me/" + what, access)
            self.assertEqual(status, 200, body)
            self.assertIn(key, body)
        again = self.get("/v4/users/me/identity", access)[2]
        self.assertEqual(body["healthUserId"], again["healthUserId"])

    def test_unsupported_requests(self):
        access = self.token("synth")
        status, _, body = self.get(DT % "heart-rates", access)
        self.assertRpcError(status, body, 400, "INVALID_ARGUMENT", "INVALID_DATA_TYPE")
        status, _, body = self.get(DT % "altitude", access)
        self.assertRpcError(status, body, 400, "INVALID_ARGUMENT", "DATA_TYPE_NOT_SUPPORTED")
        for dtype, verb in (("floors", ""), ("total-calories", ""),
                            ("calories-in-heart-rate-zone", ":reconcile")):
            status, _, body = self.get(DT % dtype + verb, access)
            self.assertRpcError(status, body, 400, "INVALID_ARGUMENT",
                                "DATA_TYPE_NOT_SUPPORTED_FOR_OPERATION")
        status, _, body = self.call("POST", DT % "steps" + ":dailyRollUp", {
            "range": {"start": {"date": {"year": 2026, "month": 1, "day": 1}},
                      "end": {"date": {"year": 2026, "month": 6, "day": 1}}}}, token=access)
        self.assertRpcError(status, body, 400, "INVALID_ARGUMENT")    # over 90 days

    def test_new_synthetic_user_starts_fast(self):
        started = time.time()
        status, _, body = self.call("POST", "/_fake/users", {
            "id": "year", "tz": "Asia/Tokyo", "refresh_token": "1//test-year",
            "synthetic": {"start": "2025-01-01", "days": 365, "seed": 11}})
        self.assertEqual(status, 200, body)
        self.assertLess(time.time() - started, 1.0)
        self.assertEqual(body["users"][0]["days"], 365)
        status, _, body = self.get(HR, self.token("year"), pageSize=2)
        self.assertEqual(body["dataPoints"][0]["heartRate"]["sampleTime"]["utcOffset"], "32400s")
        self.assertEqual(body["dataPoints"][0]["heartRate"]["sampleTime"]["civilTime"]["date"],
                         {"year": 2025, "month": 12, "day": 31})

    # --------------------------------------------- faults, limits, stats

    def fault(self, **rule):
        rule.setdefault("match", {"data_type": "heart-rate"})
        status, _, body = self.call("POST", "/_fake/faults", [rule])
        self.assertEqual(status, 200, body)

    def test_fault_statuses(self):
        access = self.token("synth")
        self.fault(status=503, retry_after=7, times=2)
        for _ in range(2):
            status, resp, body = self.get(HR, access, pageSize=1)
            self.assertRpcError(status, body, 503, "UNAVAILABLE")
            self.assertEqual(resp.getheader("Retry-After"), "7")
        self.assertEqual(self.get(HR, access, pageSize=1)[0], 200)   # used up
        for code, name in ((500, "INTERNAL"), (504, "DEADLINE_EXCEEDED"),
                           (401, "UNAUTHENTICATED"), (403, "PERMISSION_DENIED")):
            self.fault(status=code)
            status, _, body = self.get(HR, access, pageSize=1)
            self.assertRpcError(status, body, code, name)
        self.fault(status=429, retry_after=3, match={"user": "synth", "method": "GET",
                                                     "path_regex": "/steps/"})
        self.assertEqual(self.get(HR, access, pageSize=1)[0], 200)   # no match
        status, resp, body = self.get(DT % "steps", access, pageSize=1)
        self.assertRpcError(status, body, 429, "RESOURCE_EXHAUSTED", "RATE_LIMIT_EXCEEDED")
        self.assertEqual(resp.getheader("Retry-After"), "3")
        # times -1: until the faults are cleared.
        self.fault(status=500, times=-1)
        for _ in range(3):
            self.assertEqual(self.get(HR, access, pageSize=1)[0], 500)
        self.call("DELETE", "/_fake/faults")
        self.assertEqual(self.get(HR, access, pageSize=1)[0], 200)
        status, _, body = self.call("POST", "/_fake/faults", [{"status": 418}])
        self.assertEqual(status, 400)

    def test_fault_bodies(self):
        access = self.token("synth")
        path = HR + "?pageSize=5"
        auth = {"Authorization": "Bearer " + access}
        good = self.raw("GET", path, headers=auth)[2]
        self.fault(delay_ms=300)
        started = time.time()
        self.assertEqual(self.raw("GET", path, headers=auth)[2], good)
        self.assertGreaterEqual(time.time() - started, 0.3)
        self.fault(body="malformed")
        status, _, data = self.raw("GET", path, headers=auth)
        self.assertEqual(status, 200)
        self.assertRaises(ValueError, json.loads, data)
        self.fault(body="cut_json")
        status, resp, data = self.raw("GET", path, headers=auth)
        self.assertEqual(int(resp.getheader("Content-Length")), len(data))
        self.assertTrue(good.startswith(data) and len(data) < len(good))
        self.assertRaises(ValueError, json.loads, data)
        self.fault(body="truncated")
        with self.assertRaises(http.client.IncompleteRead):
            self.raw("GET", path, headers=auth)
        self.fault(body="close")
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            self.raw("GET", path, headers=auth)
        self.fault(body="wrong_types")
        point = json.loads(self.raw("GET", path, headers=auth)[2])["dataPoints"][0]
        self.assertIsInstance(point["heartRate"]["beatsPerMinute"], int)
        self.fault(body="out_of_range")
        points = json.loads(self.raw("GET", path, headers=auth)[2])["dataPoints"]
        self.assertEqual(points[0]["heartRate"]["beatsPerMinute"], "400")
        self.assertNotEqual(points[1]["heartRate"]["beatsPerMinute"], "400")
        self.fault(body="oversized", size=3 << 20)
        status, resp, data = self.raw("GET", path, headers=auth)
        self.assertEqual(len(data), 3 << 20)
        self.assertEqual(json.loads(data), json.loads(good))
        self.assertEqual(self.raw("GET", path, headers=auth)[2], good)   # all used up
        status, _, stats = self.call("GET", "/_fake/stats")
        self.assertEqual(stats["duplicate_pages"], 2)   # damaged answers do not count
        self.assertIn("0", stats["by_status"])          # the closed connection

    def test_rate_limit(self):
        access = self.token("limited")
        for _ in range(5):
            self.assertEqual(self.get(HR, access, pageSize=1)[0], 200)
        status, resp, body = self.get(HR, access, pageSize=1)
        self.assertRpcError(status, body, 429, "RESOURCE_EXHAUSTED", "RATE_LIMIT_EXCEEDED")
        self.assertTrue(1 <= int(resp.getheader("Retry-After")) <= 60)
        # Other users are not affected.
        self.assertEqual(self.get(HR, self.token("synth"), pageSize=1)[0], 200)

    def test_stats(self):
        access = self.token("kory")
        self.get(HR, access, pageSize=2)
        self.get(HR, access, pageSize=2)
        self.get(DT % "daily-resting-heart-rate", access)
        self.get(HR, None)
        status, _, stats = self.call("GET", "/_fake/stats")
        self.assertEqual(stats["total"], 5)     # the /token call included
        self.assertEqual(stats["by_data_type"], {"heart-rate": 3, "daily-resting-heart-rate": 1})
        self.assertEqual(stats["by_status"], {"200": 4, "401": 1})
        self.assertEqual(stats["by_user"]["kory"], 3)
        self.assertEqual(stats["duplicate_pages"], 1)
        last = stats["requests"][-2]
        self.assertEqual(last, {"method": "GET", "path": DT % "daily-resting-heart-rate",
                                "query": "", "status": 200, "bytes": last["bytes"],
                                "user": "kory", "data_type": "daily-resting-heart-rate",
                                "day": last["day"]})
        self.assertRegex(last["day"], r"^\d{4}-\d\d-\d\d$")
        self.assertGreater(last["bytes"], 100)
        self.call("DELETE", "/_fake/stats")
        self.assertEqual(self.call("GET", "/_fake/stats")[2]["total"], 0)

if __name__ == "__main__":
    unittest.main()
