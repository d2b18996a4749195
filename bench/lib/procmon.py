#!/usr/bin/python3
"""Sample the CPU time and memory of a PostgreSQL cluster's processes.

    procmon.py OUT POSTMASTER_PID [EXTRA_PID...]     (until SIGTERM)
    procmon.py summary OUT FROM TO [KIND]           (a time window)

The sampler reads /proc every 0.25 s for every child of the postmaster
(kind from its title: worker = "tracker sync worker", scheduler, launcher,
backend) and for the extra pids (kind "fake"), and appends lines
"time pid kind cpu_ticks rss_kb anon_kb hwm_kb" to OUT.

The summary prints, for the processes of one kind (default worker) over
[FROM, TO] (epoch seconds): the number of processes, their CPU seconds
(ticks at the last sample up to TO, less the ticks at the last sample
before FROM, or 0 for a process started inside the window), the largest
anonymous (private) resident memory seen, the largest peak RSS (VmHWM),
and the anonymous memory of each process at its last sample, as
"nproc cpu_s anon_max_kb hwm_max_kb anon_last_kb[,...]".
"""

import os
import signal
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def kind_of(title):
    if "tracker sync worker" in title:
        return "worker"
    if "tracker scheduler" in title:
        return "scheduler"
    if "tracker launcher" in title:
        return "launcher"
    return "backend"


def read(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
        fields = stat[stat.rindex(")") + 2:].split()
        ppid, ticks = int(fields[1]), int(fields[11]) + int(fields[12])
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            title = f.read().replace(b"\0", b" ").decode(errors="replace")
        mem = {}
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "RssAnon", "VmHWM"):
                    mem[k] = int(v.split()[0])
        return ppid, ticks, title, mem
    except (OSError, ValueError, IndexError):
        return None


def sample(out, postmaster, extra):
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    with open(out, "a") as f:
        while not stop:
            now = time.time()
            for name in os.listdir("/proc"):
                if not name.isdigit():
                    continue
                pid = int(name)
                if pid not in extra and pid != postmaster:
                    r = read(pid)
                    if r is None or r[0] != postmaster:
                        continue
                    kind = kind_of(r[2])
                else:
                    if pid == postmaster:
                        continue
                    r = read(pid)
                    if r is None:
                        continue
                    kind = "fake"
                _, ticks, _, mem = r
                f.write("%.3f %d %s %d %d %d %d\n" % (now, pid, kind, ticks, mem.get("VmRSS", 0),
                                                     mem.get("RssAnon", 0), mem.get("VmHWM", 0)))
            f.flush()
            time.sleep(0.25)


def summary(out, t0, t1, kind):
    by_pid = {}
    with open(out) as f:
        for line in f:
            t, pid, k, ticks, rss, anon, hwm = line.split()
            if k != kind:
                continue
            by_pid.setdefault(int(pid), []).append((float(t), int(ticks), int(anon), int(hwm)))
    nproc, cpu, anon_max, hwm_max, last = 0, 0.0, 0, 0, []
    for pid, rows in sorted(by_pid.items()):
        before = [r for r in rows if r[0] < t0]
        inside = [r for r in rows if t0 <= r[0] <= t1]
        if not inside:
            continue
        nproc += 1
        base = before[-1][1] if before else 0
        cpu += (inside[-1][1] - base) / TICK
        anon_max = max(anon_max, max(r[2] for r in inside))
        hwm_max = max(hwm_max, max(r[3] for r in inside))
        last.append(str(inside[-1][2]))
    print(nproc, "%.2f" % cpu, anon_max, hwm_max, ",".join(last) or "-")


def main():
    if sys.argv[1] == "summary":
        summary(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]),
                sys.argv[5] if len(sys.argv) > 5 else "worker")
    else:
        sample(sys.argv[1], int(sys.argv[2]), {int(p) for p in sys.argv[3:]})


if __name__ == "__main__":
    main()
