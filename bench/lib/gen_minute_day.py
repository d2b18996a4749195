#!/usr/bin/python3
"""Write one day of 1-minute heart rate as a legacy Fitbit Web API day file.

    bench/lib/gen_minute_day.py OUT_DIR DAY [SEED]

The day is the fake's synthetic day (test/fakes/google_health.py) reduced to
one sample per worn minute (the minute's mean), with its resting heart
rate and Fitbit zones, in the shape of GET
/1/user/-/activities/heart/date/DAY/1d/1min.json.  The fake serves such a
file as that day's heart-rate points, resting heart rate, zones and time in
zones (and no steps, exercise or sleep).
"""

import json
import os
import sys
import time
from datetime import date

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "fakes"))
import google_health as fake  # noqa: E402


def main():
    out_dir, day = sys.argv[1], date.fromisoformat(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    state = fake.State({"users": [{"id": "day", "tz": "UTC", "synthetic": {
        "start": day.isoformat(), "days": 1, "seed": seed}}]}, HERE, 0)
    synth = state.users["day"].synth
    rec = synth.generate(day)
    minutes = {}
    for p in rec.hr:
        acc = minutes.setdefault(p[0] // 60, [0, 0])
        acc[0] += p[4][0]
        acc[1] += 1
    dataset = [{"time": time.strftime("%H:%M:%S", time.gmtime(m * 60)),
                "value": int(round(s / n))} for m, (s, n) in sorted(minutes.items())]
    names = ["Out of Range", "Fat Burn", "Cardio", "Peak"]
    lows = [30] + [lo for _, lo, _ in rec.zones[1:]]
    zones = []
    for k in range(4):
        high = lows[k + 1] if k < 3 else 220
        zones.append({"name": names[k], "min": lows[k], "max": high,
                      "minutes": sum(1 for _, v in minutes.items()
                                     if lows[k] <= round(v[0] / v[1]) < high)})
    doc = {"activities-heart": [{"dateTime": day.isoformat(), "value": {
               "restingHeartRate": rec.rest, "heartRateZones": zones}}],
           "activities-heart-intraday": {"dataset": dataset, "datasetInterval": 1,
                                         "datasetType": "minute"}}
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "%s_heart_1min.json" % day.isoformat()), "w") as f:
        json.dump(doc, f)
    print("gen_minute_day: %s, %d minutes" % (day, len(dataset)))


if __name__ == "__main__":
    main()
