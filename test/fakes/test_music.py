#!/usr/bin/python3
"""Tests of test/fakes/music.py, the fake Last.fm and ListenBrainz APIs.

Standard library only.  Run from the repository root:

    /usr/bin/python3 -m unittest discover -s test -p "test_music.py"
"""

import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import music as fake_music  # noqa: E402

KEY = fake_music.DEFAULT_KEY
SUSPENDED = "deadbeefdeadbeefdeadbeefdeadbeef"

CONFIG = {
    "suspended_keys": [SUSPENDED],
    "users": [
        {"service": "lastfm", "name": "Alice", "tz": "Europe/Berlin",
         "history": {"start": "2025-06-01", "days": 40, "seed": 1}},
        {"service": "lastfm", "name": "solo", "tz": "UTC",
         "history": {"start": "2025-06-01", "days": 10, "seed": 2, "min": 1, "max": 1,
                     "edges": False}},
        {"service": "lastfm", "name": "hidden", "private": True,
         "history": {"start": "2025-06-01", "days": 3, "seed": 3}},
        {"service": "listenbrainz", "name": "bob", "tz": "America/New_York",
         "history": {"start": "2025-06-01", "days": 40, "seed": 4}},
    ],
}


def epoch(y, m, d, tz="UTC"):
    return int(datetime(y, m, d, tzinfo=ZoneInfo(tz)).timestamp())


class FakeTestCase(unittest.TestCase):
    config = CONFIG
    key_rate = 0
    lb_rate = 0

    def setUp(self):
        self.server = fake_music.make_server(0, json.loads(json.dumps(self.config)),
                                             self.key_rate, self.lb_rate)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()

    def request(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None,
                         headers={"Content-Type": "application/json"} if body is not None else {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, data, dict(resp.getheaders())
        finally:
            conn.close()

    def get_json(self, path):
        status, data, headers = self.request("GET", path)
        return status, json.loads(data), headers

    def lastfm(self, **params):
        q = {"method": "user.getrecenttracks", "api_key": KEY, "format": "json"}
        q.update({k: v for k, v in params.items() if v is not None})
        return self.get_json("/2.0/?" + urlencode(q))

    def lb(self, user, **params):
        return self.get_json("/1/user/%s/listens?%s" % (user, urlencode(params)))

    def control(self, method, what, body=None):
        status, data, _ = self.request(method, "/_fake/" + what, body)
        self.assertEqual(status, 200, data)
        return json.loads(data)


class LastfmTest(FakeTestCase):

    def tracks(self, body):
        t = body["recenttracks"]["track"]
        return t if isinstance(t, list) else [t]

    def test_paging_covers_the_range_once_newest_first(self):
        lo, hi = epoch(2025, 6, 3, "Europe/Berlin"), epoch(2025, 6, 13, "Europe/Berlin")
        status, first, _ = self.lastfm(user="alice", limit=50, **{"from": lo, "to": hi})
        self.assertEqual(status, 200)
        attr = first["recenttracks"]["@attr"]
        for k in ("page", "perPage", "totalPages", "total"):
            self.assertIsInstance(attr[k], str)
        self.assertEqual(attr["user"], "Alice")
        total, pages = int(attr["total"]), int(attr["totalPages"])
        self.assertGreater(total, 150)
        self.assertEqual(pages, (total + 49) // 50)
        seen = []
        for page in range(1, pages + 1):
            _, body, _ = self.lastfm(user="alice", limit=50, page=page, **{"from": lo, "to": hi})
            seen.extend(self.tracks(body))
        times = [int(t["date"]["uts"]) for t in seen]
        self.assertEqual(len(times), total)
        self.assertEqual(times, sorted(times, reverse=True))
        self.assertTrue(all(lo <= t < hi for t in times))
        self.assertEqual(len({(t["date"]["uts"], t["name"]) for t in seen}), total)
        # beyond the last page: empty
        _, body, _ = self.lastfm(user="alice", limit=50, page=pages + 1, **{"from": lo, "to": hi})
        self.assertEqual(body["recenttracks"]["track"], [])

    def test_from_inclusive_to_exclusive(self):
        user = self.server.state.users[("lastfm", "alice")]
        at = user.listens()[100]["at"]
        _, body, _ = self.lastfm(user="alice", limit=1000, **{"from": at, "to": at + 1})
        self.assertTrue(all(int(t["date"]["uts"]) == at for t in self.tracks(body)))
        self.assertGreaterEqual(len(self.tracks(body)), 1)
        _, body, _ = self.lastfm(user="alice", limit=1000, **{"from": at + 1, "to": at + 1})
        self.assertEqual(body["recenttracks"]["@attr"]["total"], "0")

    def test_one_track_is_an_object(self):
        lo = epoch(2025, 6, 5)
        _, body, _ = self.lastfm(user="solo", limit=200, **{"from": lo, "to": lo + 86400})
        self.assertIsInstance(body["recenttracks"]["track"], dict)
        self.assertEqual(body["recenttracks"]["@attr"]["total"], "1")
        user = self.server.state.users[("lastfm", "solo")]
        self.assertEqual(len(user.listens()), 10)

    def test_now_playing_on_page_one(self):
        self.control("POST", "now_playing", {"service": "lastfm", "user": "alice", "on": True})
        lo, hi = epoch(2025, 6, 3), epoch(2025, 6, 4)
        _, body, _ = self.lastfm(user="alice", limit=10, **{"from": lo, "to": hi})
        tracks = self.tracks(body)
        self.assertEqual(tracks[0]["@attr"], {"nowplaying": "true"})
        self.assertNotIn("date", tracks[0])
        self.assertEqual(len(tracks), 11)
        _, body, _ = self.lastfm(user="alice", limit=10, page=2, **{"from": lo, "to": hi})
        self.assertTrue(all("date" in t for t in self.tracks(body)))

    def test_limit_is_cut_at_1000(self):
        _, body, _ = self.lastfm(user="alice", limit=5000)
        self.assertEqual(body["recenttracks"]["@attr"]["perPage"], "1000")
        self.assertEqual(len(self.tracks(body)), 1000)

    def test_errors(self):
        cases = [
            ({"user": "alice", "api_key": None}, 403, 10),
            ({"user": "alice", "api_key": "0" * 32}, 403, 10),
            ({"user": "alice", "api_key": SUSPENDED}, 403, 26),
            ({"user": "nobody"}, 404, 6),
            ({"user": "hidden"}, 403, 17),
            ({}, 400, 6),
            ({"user": "alice", "limit": "x"}, 400, 6),
            ({"user": "alice", "method": "user.getinfo"}, 400, 3),
        ]
        for params, status, code in cases:
            q = {"method": "user.getrecenttracks", "api_key": KEY, "format": "json"}
            q.update(params)
            q = {k: v for k, v in q.items() if v is not None}
            got, body, _ = self.get_json("/2.0/?" + urlencode(q))
            self.assertEqual((got, body["error"]), (status, code), params)
            self.assertIsInstance(body["message"], str)
        self.assertEqual(self.lastfm(user="nobody")[1]["message"], "User not found")

    def test_extended(self):
        _, body, _ = self.lastfm(user="alice", limit=3, extended=1)
        t = self.tracks(body)[0]
        self.assertIn("name", t["artist"])
        self.assertNotIn("#text", t["artist"])
        self.assertEqual(t["loved"], "0")

    def test_text_is_utf8_and_mbids_are_uuids_or_empty(self):
        _, body, _ = self.lastfm(user="alice", limit=1000)
        names = {t["artist"]["#text"] for t in self.tracks(body)}
        self.assertTrue(any(ord(c) > 127 for n in names for c in n))
        for t in self.tracks(body):
            for m in (t["mbid"], t["artist"]["mbid"], t["album"]["mbid"]):
                self.assertTrue(m == "" or len(m) == 36, m)


class ListenBrainzTest(FakeTestCase):

    def test_max_ts_pages_downwards(self):
        # the way Tracker reads: read the oldest second again, keep each
        # (time, track) once, stop at a short page
        user = self.server.state.users[("listenbrainz", "bob")]
        everything = {(l["at"], l["track"]) for l in user.listens()}
        max_ts = user.times()[-1] + 1
        seen = set()
        pages = 0
        while True:
            status, body, _ = self.lb("bob", max_ts=max_ts, count=300)
            self.assertEqual(status, 200)
            listens = body["payload"]["listens"]
            self.assertEqual(body["payload"]["count"], len(listens))
            times = [l["listened_at"] for l in listens]
            self.assertEqual(times, sorted(times, reverse=True))
            self.assertTrue(all(t < max_ts for t in times))
            seen.update((l["listened_at"], l["track_metadata"]["track_name"]) for l in listens)
            pages += 1
            if len(listens) < 300:
                break
            max_ts = times[-1] + 1
        self.assertEqual(seen, everything)
        self.assertGreater(pages, 3)

    def test_min_ts_gives_the_oldest(self):
        user = self.server.state.users[("listenbrainz", "bob")]
        times = user.times()
        _, body, _ = self.lb("bob", min_ts=times[0] - 1, count=10)
        got = [l["listened_at"] for l in body["payload"]["listens"]]
        self.assertEqual(got, sorted(times[:10], reverse=True))
        _, body, _ = self.lb("bob", min_ts=times[0] - 1, max_ts=times[-1], count=10)
        self.assertEqual([l["listened_at"] for l in body["payload"]["listens"]], got)
        self.assertEqual(body["payload"]["oldest_listen_ts"], times[0])
        self.assertEqual(body["payload"]["latest_listen_ts"], times[-1])

    def test_count_cap_and_errors(self):
        _, body, _ = self.lb("bob", count=5000)
        self.assertEqual(body["payload"]["count"], 1000)
        status, body, _ = self.lb("nobody")
        self.assertEqual((status, body["code"]), (404, 404))
        self.assertIn("Cannot find user", body["error"])
        status, body, _ = self.lb("bob", min_ts=10, max_ts=5)
        self.assertEqual(status, 400)
        status, body, _ = self.lb("bob", count="many")
        self.assertEqual(status, 400)

    def test_listen_shape(self):
        _, body, _ = self.lb("bob", count=200)
        for l in body["payload"]["listens"]:
            self.assertIsInstance(l["listened_at"], int)
            meta = l["track_metadata"]
            self.assertTrue(meta["artist_name"] and meta["track_name"])
            self.assertEqual(len(l["recording_msid"]), 36)
        self.assertTrue(any("mbid_mapping" in l["track_metadata"]
                            for l in body["payload"]["listens"]))
        self.assertTrue(any(l["track_metadata"]["release_name"] is None
                            for l in self.lb("bob", count=1000)[1]["payload"]["listens"]))


class RateLimitTest(FakeTestCase):
    key_rate = 2
    lb_rate = 2

    def test_rate_limits(self):
        codes = [self.lastfm(user="alice", limit=1)[0] for _ in range(4)]
        self.assertIn(429, codes)
        _, body, _ = self.lastfm(user="alice", limit=1)
        self.assertEqual(body["error"], 29)
        statuses = [self.lb("bob", count=1) for _ in range(4)]
        limited = [s for s in statuses if s[0] == 429]
        self.assertTrue(limited)
        self.assertEqual(limited[0][2]["X-RateLimit-Remaining"], "0")


class ControlTest(FakeTestCase):

    def test_daily_counts_match_the_api(self):
        start, end = date(2025, 6, 1), date(2025, 7, 11)
        daily = self.control("GET", "daily?" + urlencode(
            {"service": "lastfm", "user": "alice", "tz": "Europe/Berlin",
             "start": start.isoformat(), "end": end.isoformat()}))
        _, body, _ = self.lastfm(user="alice", limit=1, **{
            "from": epoch(2025, 6, 1, "Europe/Berlin"), "to": epoch(2025, 7, 11, "Europe/Berlin")})
        self.assertEqual(daily["total"], int(body["recenttracks"]["@attr"]["total"]))
        self.assertTrue(all(20 <= d["listens"] <= 63 for d in daily["days"]), daily["days"])
        self.assertLess(len(daily["days"]), 40)     # some quiet days
        self.assertGreater(len(daily["days"]), 30)

    def test_edge_cases_are_generated(self):
        user = self.server.state.users[("lastfm", "alice")]
        tz = ZoneInfo("Europe/Berlin")
        listens = user.listens()
        local = [datetime.fromtimestamp(l["at"], tz) for l in listens]
        self.assertTrue(any(t.hour == 0 and t.minute == 0 and t.second == 0 for t in local))
        times = [l["at"] for l in listens]
        self.assertGreater(len(times), len(set(times)))     # same-second pairs
        self.assertEqual(len({(l["at"], l["track"]) for l in listens}), len(listens))

    def test_deterministic(self):
        other = fake_music.make_server(0, json.loads(json.dumps(CONFIG)))
        try:
            a = other.state.users[("lastfm", "alice")].listens()
            b = self.server.state.users[("lastfm", "alice")].listens()
            self.assertEqual([(x["at"], x["track"]) for x in a], [(x["at"], x["track"]) for x in b])
        finally:
            other.server_close()

    def test_faults(self):
        self.control("POST", "faults", [
            {"match": {"service": "lastfm"}, "times": 2, "lastfm_error": 29},
            {"match": {"service": "listenbrainz"}, "times": 1, "status": 503, "retry_after": 2}])
        status, body, _ = self.lastfm(user="alice", limit=1)
        self.assertEqual((status, body["error"]), (200, 29))
        self.assertEqual(self.lastfm(user="alice", limit=1)[1]["error"], 29)
        self.assertEqual(self.lastfm(user="alice", limit=1)[0], 200)
        self.assertNotIn("error", self.lastfm(user="alice", limit=1)[1])
        status, body, headers = self.lb("bob")
        self.assertEqual((status, headers.get("Retry-After")), (503, "2"))
        self.assertEqual(self.lb("bob")[0], 200)

        for kind in ("malformed", "cut_json"):
            self.control("POST", "faults", [{"match": {"service": "lastfm"}, "body": kind}])
            status, data, _ = self.request("GET", "/2.0/?" + urlencode(
                {"method": "user.getrecenttracks", "api_key": KEY, "format": "json", "user": "alice"}))
            with self.assertRaises(ValueError):
                json.loads(data)
        self.control("POST", "faults", [{"match": {"service": "lastfm"}, "body": "wrong_types"}])
        _, body, _ = self.lastfm(user="alice", limit=3)
        self.assertIsInstance(body["recenttracks"]["@attr"]["total"], int)
        self.control("POST", "faults", [{"match": {"service": "listenbrainz"}, "body": "missing_field"}])
        _, body, _ = self.lb("bob", count=3)
        self.assertNotIn("artist_name", body["payload"]["listens"][0]["track_metadata"])

    def test_close_and_truncated(self):
        self.control("POST", "faults", [{"match": {"service": "listenbrainz"}, "body": "close"}])
        with self.assertRaises((http.client.HTTPException, ConnectionError)):
            self.lb("bob")
        self.control("POST", "faults", [{"match": {"service": "listenbrainz"}, "body": "truncated"}])
        with self.assertRaises((http.client.HTTPException, ConnectionError)):
            self.lb("bob", count=100)

    def test_insert_listens_shifts_pages(self):
        lo, hi = epoch(2025, 6, 3), epoch(2025, 6, 10)
        _, first, _ = self.lastfm(user="alice", limit=20, **{"from": lo, "to": hi})
        last_of_page_1 = first["recenttracks"]["track"][-1]
        self.control("POST", "faults", [{"match": {"service": "lastfm"}, "insert_listens": 3}])
        _, second, _ = self.lastfm(user="alice", limit=20, page=2, **{"from": lo, "to": hi})
        self.assertIn(last_of_page_1, second["recenttracks"]["track"][:4])
        self.assertEqual(int(second["recenttracks"]["@attr"]["total"]),
                         int(first["recenttracks"]["@attr"]["total"]) + 3)
        # a second shift adds listens of its own
        self.control("POST", "faults", [{"match": {"service": "lastfm"}, "insert_listens": 3}])
        _, third, _ = self.lastfm(user="alice", limit=20, page=3, **{"from": lo, "to": hi})
        self.assertEqual(int(third["recenttracks"]["@attr"]["total"]),
                         int(first["recenttracks"]["@attr"]["total"]) + 6)
        user = self.server.state.users[("lastfm", "alice")]
        self.assertEqual(len({(l["at"], l["track"]) for l in user.listens()}), len(user.listens()))

    def test_late_listens_reset_and_stats(self):
        at = epoch(2025, 6, 20) + 3600
        self.control("POST", "listens", {"service": "listenbrainz", "user": "bob",
                                         "listens": [{"at": at, "artist": "Late", "track": "Song"}]})
        _, body, _ = self.lb("bob", max_ts=at + 1, count=1)
        self.assertEqual(body["payload"]["listens"][0]["track_metadata"]["artist_name"], "Late")
        stats = self.control("GET", "stats")
        self.assertEqual(stats["by_service"], {"listenbrainz": 1})
        self.lastfm(user="alice", limit=1)
        stats = self.control("GET", "stats")
        self.assertEqual(stats["requests"][-1]["query"]["api_key"], "[hidden]")
        self.assertEqual(stats["by_user"], {"listenbrainz:bob": 1, "lastfm:alice": 1})
        self.control("POST", "reset")
        _, body, _ = self.lb("bob", max_ts=at + 1, count=1)
        self.assertNotEqual(body["payload"]["listens"][0]["track_metadata"]["artist_name"], "Late")
        self.assertEqual(self.control("GET", "stats")["total"], 1)


class CommandLineTest(unittest.TestCase):

    def test_port_file_and_sigterm(self):
        with tempfile.TemporaryDirectory() as d:
            port_file = os.path.join(d, "port")
            config = os.path.join(d, "users.json")
            with open(config, "w") as f:
                json.dump(CONFIG["users"], f)
            proc = subprocess.Popen([sys.executable, fake_music.__file__, "--port", "0",
                                     "--port-file", port_file, "--config", config])
            try:
                deadline = time.time() + 20
                while not os.path.exists(port_file) and time.time() < deadline:
                    time.sleep(0.05)
                with open(port_file) as f:
                    port = int(f.read())
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", "/_fake/health")
                health = json.loads(conn.getresponse().read())
                conn.close()
                self.assertEqual(health["status"], "ok")
                self.assertEqual(len(health["users"]), 4)
            finally:
                proc.terminate()
                self.assertEqual(proc.wait(timeout=20), 0)


if __name__ == "__main__":
    unittest.main()
