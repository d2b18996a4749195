#!/usr/bin/python3
"""Build the seed corpora of Tracker's fuzz targets.

    /usr/bin/python3 fuzz/make_seeds.py OUTDIR [--shared DIR] [--no-fake]

Writes OUTDIR/<target>/<name> for the targets series, fitbit_parse, gh_page,
gh_token, gh_api_error, gh_user and listen_parse, from:

  - the hand-written seeds in fuzz/corpus/<target>/ (copied as they are);
  - the test fixtures: test/fixtures (Fitbit Web API days, an account
    export, bad files), test/fake_data, test/unit/fixtures/gh;
  - the fake Google Health API (test/fakes/google_health.py), started on
    127.0.0.1 with a free port: list, reconcile and dailyRollUp pages of
    every data type, settings and profile, token answers and error bodies,
    including its fault bodies (wrong types, out of range, cut JSON);
  - real Fitbit files in ../shared/data when that folder exists (skipped
    without a word otherwise; --shared names another folder).

Large documents are also written trimmed (every long array cut to its
first elements), since fuzzing runs on inputs of at most 64 KiB.  Standard
library only; nothing but 127.0.0.1 is contacted.
"""

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = ("series", "fitbit_parse", "gh_page", "gh_token", "gh_api_error", "gh_user",
           "listen_parse",
           # vitals and body measurements
           "fitbit_vitals",
           # ingest: the fast point readers, with gh_page's input
           "gh_fastpoints",
           # bronze deltas: the byte delta codec
           "delta")
MAX_SEED = 64 * 1024

# GhDataType order in src/gh_parse.h: the selector byte of fuzz_gh_page.
GH_TYPES = ["heart-rate", "daily-resting-heart-rate", "daily-heart-rate-zones",
            "time-in-heart-rate-zone", "exercise", "sleep", "steps",
            # vitals and body
            "heart-rate-variability", "daily-heart-rate-variability",
            "oxygen-saturation", "daily-oxygen-saturation", "daily-respiratory-rate",
            "respiratory-rate-sleep-summary", "daily-sleep-temperature-derivations",
            "weight", "body-fat", "daily-vo2-max", "vo2-max"]

# File name hints of fuzz_fitbit_parse (index = selector byte).
FITBIT_HINTS = [None, "heart_rate-", "time_in_heart_rate_zones-", "resting_heart_rate-"]


class Out:
    def __init__(self, outdir):
        self.outdir = outdir
        self.count = {t: 0 for t in TARGETS}
        for t in TARGETS:
            os.makedirs(os.path.join(outdir, t), exist_ok=True)

    def add(self, target, data, label):
        if isinstance(data, str):
            data = data.encode()
        if len(data) > MAX_SEED:
            return
        digest = hashlib.sha1(data).hexdigest()[:16]
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in label)[:60]
        path = os.path.join(self.outdir, target, "%s-%s" % (safe, digest))
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data)
            self.count[target] += 1
        if target == "gh_page":
            # the differential target of the fast point readers reads the same input
            self.add("gh_fastpoints", data, label)


def trim(value, keep=12):
    """The same document with every array cut to its first elements."""
    if isinstance(value, list):
        return [trim(v, keep) for v in value[:keep]]
    if isinstance(value, dict):
        return {k: trim(v, keep) for k, v in value.items()}
    return value


def variants(raw):
    """The raw bytes (if small) and trimmed re-serializations of a document."""
    out = []
    if len(raw) <= MAX_SEED:
        out.append(raw)
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        if len(raw) > MAX_SEED:
            out.append(raw[:MAX_SEED // 4])
        return out
    for keep in (1, 3, 12):
        out.append(json.dumps(trim(doc, keep)).encode())
    out.append(json.dumps(trim(doc, 3), indent=1).encode())
    return out


def fitbit_hint(name):
    base = os.path.basename(name)
    for i, prefix in enumerate(FITBIT_HINTS):
        if prefix and base.startswith(prefix):
            return i
    return 0


def json_files(folder):
    for dirpath, _dirs, files in os.walk(folder):
        for f in sorted(files):
            if f.endswith(".json"):
                yield os.path.join(dirpath, f)


def add_fitbit_files(out, folder, tag):
    n = 0
    for path in json_files(folder):
        with open(path, "rb") as f:
            raw = f.read()
        hint = fitbit_hint(path)
        for v in variants(raw):
            out.add("fitbit_parse", bytes([hint]) + v, "%s-%s" % (tag, os.path.basename(path)))
        # the same document with no name hint, and as a Google error body
        out.add("fitbit_parse", b"\x00" + raw[:4096], "%s-head-%s" % (tag, os.path.basename(path)))
        n += 1
    return n


# ------------------------------------------------------------------ series

def zigzag(v):
    return (v << 1) ^ (v >> 63) if v >= 0 else ((v << 1) ^ -1) & ((1 << 64) - 1)


def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def encode_series(samples):
    """src/series.c's format, for mode-0 seeds (decodable encodings)."""
    out = bytearray([1]) + varint(len(samples))
    if not samples:
        return bytes(out)
    out += varint(zigzag(samples[0][0])) + varint(zigzag(samples[0][1]))
    bits = []

    def put(v, n):
        for i in range(n - 1, -1, -1):
            bits.append((v >> i) & 1)

    recent = [1, 2, 3]
    for (t0, b0), (t1, b1) in zip(samples, samples[1:]):
        dt = t1 - t0
        d = b1 - b0
        if dt in recent:
            rank = recent.index(dt)
            put((1 << (rank + 1)) - 2, rank + 1)
            recent.pop(rank)
        elif dt <= 16:
            put(0xE, 4)
            put(dt - 1, 4)
            recent.pop()
        else:
            v = dt - 16
            length = v.bit_length() - 1
            put(0xF, 4)
            put(length, 6)
            put(v, length)
            recent.pop()
        recent.insert(0, dt)
        sign = 1 if d < 0 else 0
        mag = abs(d)
        if mag == 0:
            put(0, 1)
        elif mag == 1:
            put(0x4 | sign, 3)
        elif mag == 2:
            put(0xC | sign, 4)
        elif mag <= 6:
            put(0xE, 4)
            put((sign << 2) | (mag - 3), 3)
        else:
            put(0xF, 4)
            put(sign, 1)
            put(mag, 16)
    while len(bits) % 8:
        bits.append(0)
    for i in range(0, len(bits), 8):
        byte = 0
        for b in bits[i:i + 8]:
            byte = (byte << 1) | b
        out.append(byte)
    return bytes(out)


def series_seeds(out):
    base = 1493596800
    cases = {
        "empty": [],
        "one": [(base, 72)],
        "steady": [(base + i, 70 + (i % 3)) for i in range(40)],
        "intervals": [(base + i * 5, 60 + (i * 7) % 30) for i in range(30)],
        "gaps": [(base, 60), (base + 17, 61), (base + 3600, 90), (base + 90000, 50),
                 (base + 90001, 250), (base + 90002, 20)],
        "extremes": [(-(1 << 63), -32768), (-(1 << 63) + 1, 32767), (0, 0),
                     ((1 << 63) - 2, -1), ((1 << 63) - 1, 1)],
    }
    for name, s in cases.items():
        out.add("series", b"\x00" + encode_series(s), "enc-" + name)
        raw = b"".join(t.to_bytes(8, "little", signed=True) + b.to_bytes(2, "little", signed=True)
                       for t, b in s)
        out.add("series", b"\x01" + raw, "raw-" + name)
        out.add("series", b"\x01" + raw[::-1][:len(raw) // 10 * 10], "raw-rev-" + name)
    # real 1-second data from a fixture day, as small steps (mode 3) and encoded (mode 0)
    path = os.path.join(ROOT, "test/fixtures/korymath/2017-05-01_datadumpHeart.json")
    if os.path.exists(path):
        with open(path) as f:
            doc = json.load(f)
        pts = []
        for p in doc.get("activities-heart-intraday", {}).get("dataset", []):
            h, m, s = (int(x) for x in p["time"].split(":"))
            pts.append((base + h * 3600 + m * 60 + s, p["value"]))
        for start, n in ((0, 50), (1000, 400), (20000, 2000)):
            chunk = pts[start:start + n]
            if len(chunk) < 2:
                continue
            out.add("series", b"\x00" + encode_series(chunk), "enc-kory-%d" % start)
            steps = bytearray([3, 9])
            for (t0, b0), (t1, b1) in zip(chunk, chunk[1:]):
                steps += bytes([min(t1 - t0, 15), (b1 - b0) & 0xFF])
            out.add("series", bytes(steps), "steps-kory-%d" % start)
    # duplicates and unsorted input (mode 2)
    out.add("series", b"\x02\x08" + bytes([5, 0, 70, 3, 0, 71, 5, 0, 72, 1, 0, 0xF3, 3, 0, 69]),
            "dups")
    out.add("series", b"\x02\x03" + bytes(range(90)), "window-max")


# --------------------------------------------------------------------- fake

def http(method, url, body=None, headers=None, form=None):
    data = None
    hdrs = dict(headers or {})
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        hdrs["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, headers=hdrs, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, ConnectionError, OSError) as e:
        return 0, str(e).encode()


def delta_seeds(out):
    """fuzz_delta: near-copies of a page (mode 1) and pieces of a base (mode 2)."""
    def page(first, last):
        pts = ",".join('{"heartRate":{"sampleTime":{"physicalTime":"%d"},"beatsPerMinute":"%d"}}'
                       % (t, 60 + t * 7919 % 61) for t in range(last, first - 1, -1))
        return ('{"dataPoints":[%s],"nextPageToken":""}' % pts).encode()
    for shift in (0, 10, 60):
        base = page(1000, 1200)
        target = page(1000 + shift, 1200 + shift)
        out.add("delta", bytes([1, len(base) & 0xFF, len(base) >> 8]) + base + target,
                "page-shift-%d" % shift)
    base = page(1000, 1100)
    recs = bytes([1, 0, 40, 30, 0, 120, 45, 9, 1, 1, 0, 16, 1, 0, 200, 64])
    out.add("delta", bytes([2, len(base) & 0xFF, len(base) >> 8]) + base + recs, "pieces")
    out.add("delta", bytes([0, 4, 0]) + b"abcd" + bytes([1, 4, 6, 4]) + b"xy" + bytes([9, 0]),
            "decode-good")
    out.add("delta", bytes([0, 4, 0]) + b"abcd" + bytes([1, 4, 4, 9, 1]), "decode-past")


def fake_seeds(out):
    fake = os.path.join(ROOT, "test", "fakes", "google_health.py")
    if not os.path.exists(fake):
        print("make_seeds: no fake API, skipped", file=sys.stderr)
        return
    tmp = tempfile.mkdtemp(prefix="tracker-seeds-")
    config = {
        "users": [
            {"id": "synth", "refresh_token": "rt-synth", "tz": "Europe/Berlin", "age": 41,
             "synthetic": {"start": "2026-07-01", "days": 3, "seed": 11}},
            {"id": "kory", "refresh_token": "rt-kory", "tz": "America/Edmonton",
             "data_dir": os.path.join(ROOT, "test/fixtures/korymath")},
        ]}
    with open(os.path.join(tmp, "users.json"), "w") as f:
        json.dump(config, f)
    portfile = os.path.join(tmp, "port")
    proc = subprocess.Popen(["/usr/bin/python3", fake, "--port", "0", "--port-file", portfile,
                             "--config", os.path.join(tmp, "users.json")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while not (os.path.exists(portfile) and os.path.getsize(portfile) > 0):
            if time.time() > deadline or proc.poll() is not None:
                print("make_seeds: the fake API did not start, skipped", file=sys.stderr)
                return
            time.sleep(0.05)
        with open(portfile) as f:
            base = "http://127.0.0.1:%s" % f.read().strip()

        def token(rt):
            return http("POST", base + "/token", form={
                "grant_type": "refresh_token", "refresh_token": rt,
                "client_id": "test-client", "client_secret": "test-secret"})

        status, body = token("rt-synth")
        out.add("gh_token", body, "fake-refresh-ok")
        access = json.loads(body)["access_token"]
        kstatus, kbody = token("rt-kory")
        kaccess = json.loads(kbody)["access_token"]
        for label, form in (
                ("bad-grant", {"grant_type": "refresh_token", "refresh_token": "nope",
                               "client_id": "test-client", "client_secret": "test-secret"}),
                ("bad-client", {"grant_type": "refresh_token", "refresh_token": "rt-synth",
                                "client_id": "test-client", "client_secret": "wrong"}),
                ("bad-type", {"grant_type": "password", "client_id": "test-client",
                              "client_secret": "test-secret"}),
                ("bad-code", {"grant_type": "authorization_code", "code": "x",
                              "redirect_uri": "http://127.0.0.1/cb", "code_verifier": "v" * 43,
                              "client_id": "test-client", "client_secret": "test-secret"})):
            _s, b = http("POST", base + "/token", form=form)
            out.add("gh_token", b, "fake-" + label)
            out.add("gh_api_error", b, "fake-token-" + label)

        def get(path, tok=access):
            return http("GET", base + path, headers={"Authorization": "Bearer " + tok})

        for who, tok in (("synth", access), ("kory", kaccess)):
            _s, b = get("/v4/users/me/settings", tok)
            out.add("gh_user", b"\x00" + b, "fake-settings-" + who)
            _s, b = get("/v4/users/me/profile", tok)
            out.add("gh_user", b"\x01" + b, "fake-profile-" + who)

        filters = {
            "heart-rate": ('heart_rate.sample_time.physical_time >= "%sT06:00:00Z" AND '
                           'heart_rate.sample_time.physical_time < "%sT07:00:00Z"'),
            "daily-resting-heart-rate": ('daily_resting_heart_rate.date >= "%s" AND '
                                         'daily_resting_heart_rate.date < "%s"'),
            "daily-heart-rate-zones": ('daily_heart_rate_zones.date >= "%s" AND '
                                       'daily_heart_rate_zones.date < "%s"'),
            "exercise": ('exercise.interval.civil_start_time >= "%s" AND '
                         'exercise.interval.civil_start_time < "%s"'),
            "sleep": ('sleep.interval.civil_end_time >= "%s" AND '
                      'sleep.interval.civil_end_time < "%s"'),
            "steps": ('steps.interval.start_time >= "%sT06:00:00Z" AND '
                      'steps.interval.start_time < "%sT07:00:00Z"'),
        }
        days = {"synth": ("2026-07-01", "2026-07-04"), "kory": ("2017-05-01", "2017-05-03")}
        for who, tok in (("synth", access), ("kory", kaccess)):
            d0, d1 = days[who]
            for dt, flt in filters.items():
                sel = bytes([GH_TYPES.index(dt)])
                if "T06" in flt:
                    f = flt % (d0, d0)
                else:
                    f = flt % (d0, d1)
                for verb in ("", ":reconcile"):
                    q = urllib.parse.urlencode({"pageSize": 3, "filter": f})
                    _s, b = get("/v4/users/me/dataTypes/%s/dataPoints%s?%s" % (dt, verb, q), tok)
                    out.add("gh_page", sel + b, "fake-%s-%s%s" % (who, dt, verb.strip(":")))
                    try:
                        nxt = json.loads(b).get("nextPageToken")
                    except ValueError:
                        nxt = None
                    if nxt:
                        q = urllib.parse.urlencode({"pageSize": 3, "filter": f, "pageToken": nxt})
                        _s, b = get("/v4/users/me/dataTypes/%s/dataPoints%s?%s" % (dt, verb, q), tok)
                        out.add("gh_page", sel + b, "fake-%s-%s-p2" % (who, dt))
            y0, m0, dd0 = (int(x) for x in d0.split("-"))
            y1, m1, dd1 = (int(x) for x in d1.split("-"))
            s, b = http("POST", base + "/v4/users/me/dataTypes/time-in-heart-rate-zone/dataPoints:dailyRollUp",
                        body={"range": {"start": {"date": {"year": y0, "month": m0, "day": dd0}},
                                        "end": {"date": {"year": y1, "month": m1, "day": dd1}}},
                              "windowSizeDays": 1},
                        headers={"Authorization": "Bearer " + tok})
            out.add("gh_page", bytes([3]) + b, "fake-%s-rollup" % who)

        # error bodies: no token, bad filter, unknown type, 403/429/500 faults
        for label, path, tok in (
                ("401", "/v4/users/me/dataTypes/heart-rate/dataPoints", "bogus"),
                ("400-filter", "/v4/users/me/dataTypes/heart-rate/dataPoints?filter=x%3E1", access),
                ("400-type", "/v4/users/me/dataTypes/altitude/dataPoints", access),
                ("400-list", "/v4/users/me/dataTypes/floors/dataPoints", access)):
            _s, b = get(path, tok)
            out.add("gh_api_error", b, "fake-" + label)
            out.add("gh_page", bytes([0]) + b, "fake-error-" + label)
        for status in (403, 429, 500, 503):
            http("POST", base + "/_fake/faults", body=[{"status": status, "times": 1}])
            _s, b = get("/v4/users/me/dataTypes/steps/dataPoints?pageSize=2")
            out.add("gh_api_error", b, "fake-%d" % status)
        # fault bodies: valid JSON with wrong values, and cut JSON
        for kind in ("wrong_types", "out_of_range", "cut_json", "malformed"):
            for dt in ("heart-rate", "steps", "daily-resting-heart-rate", "exercise", "sleep"):
                http("POST", base + "/_fake/faults",
                     body=[{"body": kind, "times": 1, "match": {"data_type": dt}}])
                d0, d1 = days["synth"]
                f = filters[dt] % ((d0, d0) if "T06" in filters[dt] else (d0, d1))
                q = urllib.parse.urlencode({"pageSize": 2, "filter": f})
                _s, b = get("/v4/users/me/dataTypes/%s/dataPoints?%s" % (dt, q))
                out.add("gh_page", bytes([GH_TYPES.index(dt)]) + b, "fake-%s-%s" % (kind, dt))
        http("POST", base + "/_fake/faults", body=[{"body": "wrong_types", "times": 1}])
        _s, b = token("rt-synth")
        out.add("gh_token", b, "fake-token-wrong-types")
        http("DELETE", base + "/_fake/faults")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(ROOT), "shared", "data"))
    ap.add_argument("--no-fake", action="store_true")
    args = ap.parse_args()
    out = Out(args.outdir)

    # hand-written seeds
    for t in TARGETS:
        d = os.path.join(ROOT, "fuzz", "corpus", t)
        if os.path.isdir(d):
            for f in sorted(os.listdir(d)):
                with open(os.path.join(d, f), "rb") as fh:
                    out.add(t, fh.read(), "corpus-" + f)

    series_seeds(out)
    delta_seeds(out)
    add_fitbit_files(out, os.path.join(ROOT, "test", "fixtures"), "fixture")
    add_fitbit_files(out, os.path.join(ROOT, "test", "fake_data"), "fakedata")
    ghdir = os.path.join(ROOT, "test", "unit", "fixtures", "gh")
    if os.path.isdir(ghdir):
        for path in json_files(ghdir):
            with open(path, "rb") as f:
                raw = f.read()
            name = os.path.basename(path)
            sel = {"exercise": 4, "sleep": 5, "time_in": 3}.get(name.split("_")[0] if not name.startswith("time_in") else "time_in", 0)
            for v in variants(raw):
                out.add("gh_page", bytes([sel]) + v, "unit-" + name)
            if name.startswith("error"):
                out.add("gh_api_error", raw, "unit-" + name)
                out.add("gh_token", raw, "unit-" + name)
    shared = 0
    if os.path.isdir(args.shared):
        shared = add_fitbit_files(out, args.shared, "shared")
        # the shared samples also hold tokens and API errors of other shapes
        for path in json_files(args.shared):
            base = os.path.basename(path)
            if "Token" in base or "Error" in base:
                with open(path, "rb") as f:
                    raw = f.read()[:MAX_SEED]
                out.add("gh_token", raw, "shared-" + base)
                out.add("gh_api_error", raw, "shared-" + base)
    if not args.no_fake:
        fake_seeds(out)
    print("make_seeds: %s (%d files from %s)" % (
        ", ".join("%s %d" % (t, n) for t, n in out.count.items()), shared,
        args.shared if shared else "no shared data"))


if __name__ == "__main__":
    main()
