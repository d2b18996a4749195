#!/usr/bin/python3
"""Write the fake's synthetic heart rate for a run of days as COPY text.

    bench/lib/gen_year.py OUT START DAYS TZ [SEED]

One line per sample, "epoch_seconds<TAB>bpm", oldest first, from the fake's
own generator (test/fakes/google_health.py, class Synthetic): samples 1-15 s
apart, sleep, workouts every 2-3 days, off-wrist gaps; the same data the
fake serves for a synthetic user with that start, time zone and seed.
"""

import os
import sys
from datetime import date, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "fakes"))
import google_health as fake  # noqa: E402


def main():
    out, start, days, tz = sys.argv[1], date.fromisoformat(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    state = fake.State({"users": [{"id": "bench", "tz": tz, "synthetic": {
        "start": start.isoformat(), "days": days, "seed": seed}}]}, HERE, 0)
    synth = state.users["bench"].synth
    n = 0
    with open(out, "w") as f:
        for i in range(days):
            rec = synth.generate(start + timedelta(i))
            f.write("".join("%d\t%d\n" % (p[0], p[4][0]) for p in reversed(rec.hr)))
            n += len(rec.hr)
    print("gen_year: %d days from %s (%s), %d samples" % (days, start, tz, n))


if __name__ == "__main__":
    main()
