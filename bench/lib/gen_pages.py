#!/usr/bin/python3
"""Write Google Health API heart-rate list pages, as the fake serves them, to files.

    bench/lib/gen_pages.py DIR DAYS [--start YYYY-MM-DD] [--seed N]

Days come from the fake's own synthetic generator (test/fakes/google_health.py:
resting rate, sleep, workouts, off-wrist gaps), made dense: the samples the
fake spaces 1-15 s apart are filled in to one per second (linear between two
samples, nothing across an off-wrist gap), so a day holds 80-86 k samples.
The pages are 10,000 points each, newest first, byte for byte what the fake
renders for such points (the first page is checked against the fake's own
render_point + json.dumps), with a nextPageToken on every page but the last.

Writes DIR/p00001.json ... and DIR/manifest.tsv (file, samples, bytes,
first_t, last_t).  The time zone is UTC.
"""

import argparse
import json
import os
import sys
import time
from datetime import date, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "fakes"))
import google_health as fake  # noqa: E402

PAGE = 10000
SOURCE = json.dumps(fake.DS_TRACKER, separators=(",", ":"))


def dense_day(synth, day):
    """(t, bpm, motion) ascending, one per second while worn."""
    rec = synth.generate(day)
    pts = sorted((p[0], p[4][0], p[4][1]) for p in rec.hr)
    out = []
    for (t, b, m), nxt in zip(pts, pts[1:] + [None]):
        out.append((t, b, m))
        if nxt is None:
            continue
        gap = nxt[0] - t
        if gap > 30:            # off wrist: leave the gap
            continue
        for k in range(1, gap):
            out.append((t + k, int(round(b + (nxt[1] - b) * k / gap)), m))
    return out


def civil_time_json(sec):
    h, mi, s = sec // 3600, sec // 60 % 60, sec % 60
    parts = []
    if h:
        parts.append('"hours":%d' % h)
    if mi:
        parts.append('"minutes":%d' % mi)
    if s:
        parts.append('"seconds":%d' % s)
    return "{" + ",".join(parts) + "}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("days", type=int)
    ap.add_argument("--start", default="2026-01-05")
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    state = fake.State({"users": [{"id": "bench", "tz": "UTC", "synthetic": {
        "start": args.start, "days": args.days, "seed": args.seed}}]}, HERE, 0)
    user = state.users["bench"]
    synth = user.synth
    start = date.fromisoformat(args.start)

    # Per second of the day: "HH:MM:SSZ" and the civil time object.
    hms = ["T%02d:%02d:%02dZ" % (s // 3600, s // 60 % 60, s % 60) for s in range(86400)]
    civ = [civil_time_json(s) for s in range(86400)]
    tmpl = ('{"dataSource":' + SOURCE + ',"heartRate":{"sampleTime":{"physicalTime":"%s%s",'
            '"utcOffset":"0s","civilTime":{"date":%s,"time":%s}},"beatsPerMinute":"%d",'
            '"metadata":{"motionContext":"%s","sensorLocation":"WRIST"}}}')

    # Every sample, newest first (pages run newest first across days).
    samples = []
    for i in range(args.days):
        samples.extend(dense_day(synth, start + timedelta(i)))
    samples.reverse()

    h = fake.request_hash("bench", "heart-rate", False, "", PAGE, "")
    date_cache = {}
    manifest = []
    npages = (len(samples) + PAGE - 1) // PAGE
    for p in range(npages):
        chunk = samples[p * PAGE:(p + 1) * PAGE]
        parts = []
        for t, bpm, motion in chunk:
            d, s = divmod(t, 86400)
            dj = date_cache.get(d)
            if dj is None:
                y, mo, dd = time.gmtime(t)[:3]
                dj = date_cache[d] = '{"year":%d,"month":%d,"day":%d}' % (y, mo, dd)
                date_cache[(d, "iso")] = "%04d-%02d-%02d" % (y, mo, dd)
            parts.append(tmpl % (date_cache[(d, "iso")], hms[s], dj, civ[s], bpm, motion))
        body = '{"dataPoints":[' + ",".join(parts) + "]"
        if p + 1 < npages:
            nt = samples[(p + 1) * PAGE]
            token = fake.encode_token(date.fromtimestamp(nt[0] - nt[0] % 86400 + 43200), PAGE, h)
            body += ',"nextPageToken":"%s"' % token
        body += "}"
        data = body.encode()
        if p == 0:
            pts = [(t, 0, t, 0, (bpm, m)) for t, bpm, m in chunk]
            ref = {"dataPoints": [fake.render_point(user, "heart-rate", x, False) for x in pts]}
            if npages > 1:
                ref["nextPageToken"] = token
            if json.dumps(ref, separators=(",", ":")).encode() != data:
                sys.exit("gen_pages: the rendered page differs from the fake's")
        name = "p%05d.json" % (p + 1)
        with open(os.path.join(args.dir, name), "wb") as f:
            f.write(data)
        manifest.append((name, len(chunk), len(data), chunk[-1][0], chunk[0][0]))
    with open(os.path.join(args.dir, "manifest.tsv"), "w") as f:
        for row in manifest:
            f.write("\t".join(str(x) for x in row) + "\n")
    total = sum(r[2] for r in manifest)
    print("gen_pages: %d days, %d samples, %d pages, %.1f MB (%.0f bytes per sample)"
          % (args.days, len(samples), npages, total / 1e6, total / max(1, len(samples))))


if __name__ == "__main__":
    main()
