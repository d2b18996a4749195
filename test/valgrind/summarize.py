#!/usr/bin/python3
"""Summarize Valgrind memcheck logs written by test/valgrind/run.sh.

    summarize.py LOGDIR ROOT

Reads every *.log in LOGDIR (one per process), groups the errors by kind
and their first frames, and prints them: first those with a frame in
Tracker (tracker.so, or a source file of ROOT/src), in full, then the
others in short.  The suppressions Valgrind generated for the others are
written to LOGDIR/../other-errors.supp, to review before any is added to
test/valgrind/valgrind.supp.  Exit status 1 when Tracker has an error.
"""

import collections
import glob
import os
import re
import sys

logdir, root = sys.argv[1], sys.argv[2]
ours = set()
for path in glob.glob(os.path.join(root, "src", "**", "*.c"), recursive=True):
    ours.add(os.path.basename(path))
for path in glob.glob(os.path.join(root, "fuzz", "*.c")):
    ours.add(os.path.basename(path))
for path in glob.glob(os.path.join(root, "test", "unit", "*.c")):
    ours.add(os.path.basename(path))

prefix = re.compile(r"^==(\d+)== ?(.*)$")
frame = re.compile(r"^\s+(?:at|by) 0x[0-9A-F]+: (.*)$")


# Frames of PostgreSQL's own start-up and I/O: an error under them is
# PostgreSQL's even when a Tracker function called into them.
SERVER_OWN = re.compile(r"\b(InitPostgres|RelationCacheInitialize\w*|StartupXLOG|XLog\w+|"
                        r"pgstat_\w+|RE_compile_and_cache|BackgroundWorkerInitialize\w*)\b")


def is_ours(fr):
    if "tracker.so" in fr:
        return True
    m = re.search(r"\(([^():]+\.c):\d+\)", fr)
    return bool(m and m.group(1) in ours)


errors = []
files = sorted(glob.glob(os.path.join(logdir, "*.log")))
processes = len(files)
for path in files:
    with open(path, errors="replace") as f:
        lines = f.read().split("\n")
    cur = None          # the error being read
    between = True      # a blank line (or the start) came last
    aux = False         # past the main stack (origin, address lines)
    in_supp = False
    supp = []
    last = None
    for line in lines:
        if in_supp:
            supp.append(line)
            if line.startswith("}"):
                in_supp = False
                if last is not None:
                    last["supp"] = "\n".join(supp)
            continue
        if line.startswith("{"):
            in_supp = True
            supp = [line]
            continue
        m = prefix.match(line)
        if not m:
            continue
        text = m.group(2)
        if text.strip() == "":
            between = True
            cur = None
            continue
        if between and not text.startswith(" "):
            cur = {"kind": text, "frames": [], "origin": [], "all": [text],
                   "file": os.path.basename(path)}
            errors.append(cur)
            last = cur
            between = False
            aux = False
            continue
        if cur is None:
            continue
        cur["all"].append(text)
        fm = frame.match(text)
        if fm:
            cur["origin" if aux else "frames"].append(fm.group(1))
        else:
            aux = True

def blame(e):
    """Whether an error is Tracker's: a Tracker frame comes before any frame
    of the server's own start-up and I/O in the stack, or the memory it is
    about was allocated (or left uninitialised) by Tracker."""
    for f in e["frames"]:
        if SERVER_OWN.search(f):
            break
        if is_ours(f):
            return True
    for f in e["origin"][:8]:
        if SERVER_OWN.search(f):
            break
        if is_ours(f):
            return True
    return False


agg = collections.OrderedDict()
for e in errors:
    if e["kind"].startswith(("HEAP SUMMARY", "LEAK SUMMARY", "ERROR SUMMARY", "For lists",
                             "For counts", "More than", "Warning: ")):
        continue
    if blame(e):
        # Tracker's errors: grouped by the first Tracker frame of the stack
        # and of the origin, which is where a fix goes
        first = next((f for f in e["frames"] if is_ours(f)), "")
        origin = next((f for f in e["origin"] if is_ours(f)), "")
        key = (re.sub(r"\(.*", "", e["kind"]), first, origin)
    else:
        key = (e["kind"], tuple(re.sub(r"0x[0-9A-F]+", "", f) for f in e["frames"][:4]))
    a = agg.setdefault(key, {"count": 0, "files": set(), "example": e, "ours": blame(e)})
    a["count"] += 1
    a["files"].add(e["file"])

ours_n = sum(a["count"] for a in agg.values() if a["ours"])
other_n = sum(a["count"] for a in agg.values() if not a["ours"])
print("processes logged: %d" % processes)
print("errors with a Tracker frame: %d (%d distinct)" % (
    ours_n, sum(1 for a in agg.values() if a["ours"])))
print("other errors: %d (%d distinct)" % (other_n, sum(1 for a in agg.values() if not a["ours"])))
for a in agg.values():
    if a["ours"]:
        e = a["example"]
        print("\n--- Tracker: %s  (x%d, in %s)" % (e["kind"], a["count"], ", ".join(sorted(a["files"])[:3])))
        for l in e["all"][:40]:
            print("    " + l)
for a in agg.values():
    if not a["ours"]:
        e = a["example"]
        print("\n--- other: %s  (x%d)" % (e["kind"], a["count"]))
        for f in e["frames"][:6]:
            print("    " + f)
with open(os.path.join(os.path.dirname(os.path.abspath(logdir)), "other-errors.supp"), "w") as f:
    for a in agg.values():
        if not a["ours"] and a["example"].get("supp"):
            f.write(a["example"]["supp"] + "\n")
sys.exit(1 if ours_n else 0)
