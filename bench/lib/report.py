#!/usr/bin/python3
"""Turn the figures bench/run collected into the results table.

    bench/lib/report.py RESULTS_TSV OUT_MD

RESULTS_TSV holds "key<TAB>value" lines; a key written several times holds
the runs of one figure and the median is used.  Prints the report
(Markdown) and writes the same text to OUT_MD.  Missing parts are shown as
not measured.
"""

import statistics
import sys


def load(path):
    vals = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or "\t" not in line:
                continue
            k, v = line.split("\t", 1)
            vals.setdefault(k, []).append(v)
    return vals


class Figures:
    def __init__(self, raw):
        self.raw = raw

    def has(self, k):
        return k in self.raw

    def runs(self, k):
        return len(self.raw.get(k, []))

    def num(self, k, default=None):
        v = self.raw.get(k)
        if not v:
            return default
        try:
            return statistics.median(float(x) for x in v)
        except ValueError:
            return default

    def text(self, k, default=""):
        v = self.raw.get(k)
        return v[-1] if v else default


def scaled(v, steps, last):
    """v in the format of the first (at least, format, divisor) step it
    reaches, else in the last format; "-" when not measured."""
    if v is None:
        return "-"
    for least, fmt, div in steps:
        if v >= least:
            return fmt % (v / div)
    return last % v


def rate(v):
    return scaled(v, ((1e6, "%.2f M/s", 1e6), (1e3, "%.1f k/s", 1e3)), "%.0f /s")


def ms(v):
    return scaled(v, ((1000, "%.2f s", 1000), (10, "%.1f ms", 1)), "%.2f ms")


def times(v):
    return scaled(v, ((100, "%.0fx", 1), (10, "%.1fx", 1)), "%.2fx")


def verdict(ok, how):
    if ok is None:
        return "not measured"
    return "**met**" if ok else "**missed**: " + how


def main():
    f = Figures(load(sys.argv[1]))
    out = []
    w = out.append
    rows = []   # (id, measure, tracker, baseline, ratio, goal, verdict)

    # ------------------------------------------------------------ ingest
    n_days = f.num("ingest.days")
    t_rate = f.num("ingest.tracker.rate")
    a_rate = f.num("ingest.insert.rate")
    ap_rate = f.num("ingest.insert_prepared.rate")
    b_rate = f.num("ingest.elt.rate")
    c_rate = f.num("ingest.copy.rate")
    # bronze's other compression, measured beside the shipped one: pglz since
    # the column is lz4 (older results: lz4 beside a pglz column)
    alt = "tracker_pglz" if f.has("ingest.tracker_pglz.rate") else "tracker_lz4"
    alt_name = "pglz" if alt == "tracker_pglz" else "lz4"
    lz_rate = f.num("ingest.%s.rate" % alt)
    if t_rate:
        ra = t_rate / a_rate if a_rate else None
        rows.append(("1a", "ingest, samples/s (Tracker: parse + validate, bronze, silver, gold)",
                     rate(t_rate), "(a) INSERT per sample: " + rate(a_rate), times(ra),
                     ">= 30x", verdict(ra and ra >= 30, "%s of 30x (%.1fx short)" % (times(ra), 30 / ra) if ra else "")))
        rb = t_rate / b_rate if b_rate else None
        rows.append(("1b", "", "", "(b) jsonb ELT: " + rate(b_rate), times(rb), "> 1x",
                     verdict(rb and rb > 1, "%s" % times(rb))))
        rc = t_rate / c_rate if c_rate else None
        rows.append(("1c", "", "", "(c) COPY binary of parsed rows: " + rate(c_rate), times(rc),
                     ">= 0.5x (within 2x)",
                     verdict(rc and rc >= 0.5, "COPY is %.1fx faster (goal 2x)" % (1 / rc) if rc else "")))
    if lz_rate:
        rows.append(("1d", "ingest with bronze compressed by %s instead of %s" % (
                         alt_name, "lz4" if alt_name == "pglz" else "pglz"), rate(lz_rate),
                     "(a) %s; (c) %s" % (rate(a_rate), rate(c_rate)),
                     "%s; %s" % (times(lz_rate / a_rate) if a_rate else "-", times(lz_rate / c_rate) if c_rate else "-"),
                     "as 1a, 1c", "informative"))
    proj = None
    # the projection starts from the lz4 run: the shipped one once lz4 is shipped
    lz4_run = "tracker" if alt == "tracker_pglz" else "tracker_lz4"
    lz4_rate = t_rate if alt == "tracker_pglz" else lz_rate
    if lz4_rate and f.num("parse.scanner.ms") and f.num("parse.tracker.ms"):
        samples = f.num("ingest.%s.samples" % lz4_run)
        total = samples / lz4_rate * 1000
        parse = f.num("ingest.%s.parse_ms" % lz4_run)
        scale = f.num("parse.scanner.ms") / f.num("parse.tracker.ms")
        proj = samples / (total - parse + parse * scale) * 1000
        rows.append(("1e", "projection: lz4 bronze and a hand-written scanner as the parser", rate(proj),
                     "(a) %s; (b) %s; (c) %s" % (rate(a_rate), rate(b_rate), rate(c_rate)),
                     "%s; %s; %s" % (times(proj / a_rate) if a_rate else "-", times(proj / b_rate) if b_rate else "-",
                                     times(proj / c_rate) if c_rate else "-"),
                     "1a-1c", "projection, not a measurement"))

    # ------------------------------------------------------------ storage
    for key, label, idn in (("korymath", "real days (korymath)", "2a"), ("year", "a synthetic year", "2b")):
        s = f.num("storage.%s.samples" % key)
        if not s:
            rows.append((idn, "storage, bytes per sample: " + label, "-", "-", "-",
                         "<= 1 byte" if key == "korymath" else "", "not measured"))
            continue
        tb = f.num("storage.%s.series_bytes" % key) / s
        rb = f.num("storage.%s.rows_bytes" % key) / s
        rows.append((idn, "storage on disk (table + TOAST + indexes), bytes per sample: " + label,
                     "%.2f" % tb, "rows (account_id, ts, bpm) + key: %.1f" % rb, times(rb / tb) + " smaller",
                     "<= 1 byte" if key == "korymath" else "-",
                     verdict(tb <= 1, "%.2f bytes" % tb) if key == "korymath" else "informative"))

    # ------------------------------------------------------------ queries
    qrows = [("3a", "a year of daily figures: tracker.daily()", "tracker_daily_1y", "plain_daily_1y", 10),
             ("3b", "a year of resting heart rate: tracker.resting_hr()", "tracker_resting_1y", "plain_resting_1y", 10),
             ("3c", "a year of zone minutes: tracker.zone_minutes()", "tracker_zones_1y", "plain_zones_1y", 10),
             ("3d", "5 years of daily figures: tracker.daily()", "tracker_daily_5y", "plain_daily_5y", None),
             ("3e", "5 years of resting heart rate", "tracker_resting_5y", "plain_daily_5y", None),
             ("3f", "5 years of zone minutes", "tracker_zones_5y", "plain_daily_5y", None),
             ("3g", "one day's chart series: api.heart_rate_day()", "tracker_chart_day", "plain_chart_day", 20),
             ("3h", "the same document from one series_arrays() call and the gold row (a rewrite)",
              "tracker_chart_day_arrays", "plain_chart_day", None)]
    for idn, label, tk, pk, goal in qrows:
        tv = f.num("query.%s.ms" % tk)
        pv = f.num("query.%s.ms" % pk)
        if tv is None:
            rows.append((idn, label, "-", "-", "-", "< %d ms" % goal if goal else "-", "not measured"))
            continue
        blabel = ("plain SQL daily figures over rows (these included): " if pk == "plain_daily_5y"
                  and tk != "tracker_daily_5y" else "plain SQL over rows: ")
        rows.append((idn, label, ms(tv), blabel + ms(pv), times(pv / tv) if pv else "-",
                     "< %d ms" % goal if goal else "-",
                     verdict(tv < goal, "%s, %.0f %% over" % (ms(tv), (tv / goal - 1) * 100)) if goal else "informative"))

    # ------------------------------------------------------------ backfill
    req = f.num("backfill.requests")
    mn = f.num("backfill.minimum")
    if req:
        dup = f.num("backfill.duplicate_pages")
        rows.append(("4", "backfill of %d days: requests" % f.num("backfill.days"), "%d" % req,
                     "minimum the API allows: %d" % mn, "%.3f" % (req / mn),
                     "<= 1.05, no page twice",
                     verdict(req / mn <= 1.05 and dup == 0,
                             "%+.1f %% over the minimum, %d pages twice" % ((req / mn - 1) * 100, dup))))
        wall = f.num("backfill.wall_s")
        smp = f.num("backfill.samples")
        if wall and f.has("backfill.parse_s"):
            rows.append(("6", "end to end: tracker.backfill() of %d days, samples/s" % f.num("backfill.days"),
                         rate(smp / wall) if wall else "-",
                         "HTTP %.0f %%, parse %.0f %%, database and the rest %.0f %% of %.0f s" % (
                             100 * f.num("backfill.http_s") / wall, 100 * f.num("backfill.parse_s") / wall,
                             100 * f.num("backfill.rest_s") / wall, wall),
                         "-", "-", "informative"))
    else:
        rows.append(("4", "backfill requests", "-", "-", "-", "<= 1.05", "not measured"))

    # ------------------------------------------------------------ steady state
    sreq = f.num("steady.requests")
    if sreq:
        smin = f.num("steady.minimum")
        sold = f.num("steady.old_requests")
        rows.append(("7a", "scheduled syncs, a simulated day at 15 min: requests per account-day",
                     "%d" % f.num("steady.requests_per_day"),
                     "minimum to pick up the new data: %d; full syncs every interval: %d" % (smin, sold),
                     "%.2f" % (sreq / smin), "<= 1.2x the minimum",
                     verdict(sreq <= 1.2 * smin, "%.2fx the minimum (%.1fx fewer than full syncs)"
                             % (sreq / smin, sold / sreq))))
        sb = f.num("steady.bronze_bytes")
        sk = f.num("steady.bronze_kept_bytes")
        sf = f.num("steady.final_bytes")
        if sk:
            rows.append(("7b", "scheduled syncs: bronze bytes kept per account-day (deltas included)",
                         "%.1f MB" % (sk / 1e6), "one copy of the day's final pages: %.1f MB" % (sf / 1e6),
                         "%.2f" % (sk / sf) if sf else "-", "<= 1.5x",
                         verdict(sk <= 1.5 * sf, "%.2fx one copy" % (sk / sf))))
        rows.append(("7b'", "scheduled syncs: bytes received per account-day",
                     "%.1f MB" % (sb / 1e6), "one copy of the day's final pages: %.1f MB" % (sf / 1e6),
                     "%.2f" % (sb / sf) if sf else "-", "informative", "informative"))
        miss = f.num("steady.missing")
        rows.append(("7c", "scheduled syncs: accounts per project within 86.4 M requests/day",
                     "%d" % f.num("steady.accounts_per_project"),
                     "samples missing at the end: %d of %d" % (miss, f.num("steady.samples")),
                     "-", "no sample missing",
                     verdict(miss == 0, "%d samples missing" % miss)))
    else:
        rows.append(("7a", "scheduled syncs in the steady state", "-", "-", "-", "-", "not measured"))

    # ------------------------------------------------------------ scale
    cycles = int(f.num("scale.cycles", 0) or 0)
    if cycles:
        acc = int(f.num("scale.accounts"))
        walls = [f.num("scale.wall_s.%d" % k) for k in range(1, cycles + 1)]
        done = [f.num("scale.jobs_done.%d" % k) for k in range(1, cycles + 1)]
        anon = [f.num("scale.worker_anon_kb.%d" % k) for k in range(1, cycles + 1)]
        rps = [f.num("scale.rps.%d" % k) for k in range(1, cycles + 1)]
        cpu = [f.num("scale.worker_cpu_s.%d" % k) for k in range(1, cycles + 1)]
        all_done = all(d == acc for d in done)
        growth = (anon[-1] / anon[0] - 1) * 100 if anon[0] else 0
        rows.append(("5", "%d accounts, a day each: wall time per round (%d rounds)" % (acc, cycles),
                     " / ".join("%.0f s" % x for x in walls),
                     "%s requests/s; worker CPU %.0f ms per account" % (
                         "/".join("%.0f" % x for x in rps), 1000 * statistics.median(cpu) / acc),
                     "-", "every account done; memory flat",
                     verdict(all_done and growth <= 20,
                             "%s; worker memory %+.0f %%" % ("not every account finished" if not all_done
                                                             else "all finished", growth))))
    else:
        rows.append(("5", "scheduling at scale", "-", "-", "-", "", "not measured"))

    # ------------------------------------------------------------ retention
    rs = f.num("retention.off.samples")
    if rs:
        off = f.num("retention.off.total") / rs
        on = f.num("retention.on.total") / rs
        onv = f.num("retention.on_vacuum.total") / rs
        days = f.num("retention.days")
        keep = f.num("retention.keep_days")
        rows.append(("8a", "whole disk per sample after %d days of 1-second heart rate, "
                     "tracker.bronze_retention off (bronze + silver + gold + indexes)" % days,
                     "%.2f" % off,
                     "bronze %.2f, silver %.2f, gold %.3f" % (
                         f.num("retention.off.bronze", 0) / rs, f.num("retention.off.silver", 0) / rs,
                         f.num("retention.off.gold", 0) / rs),
                     "-", "-", "informative"))
        rows.append(("8b", "the same with retention on (%d days) after a verified archive to S3" % keep,
                     "%.2f" % on,
                     "bronze %.2f, silver %.2f, gold %.3f; %.2f before bronze's freed space is reused" % (
                         f.num("retention.on.bronze", 0) / rs, f.num("retention.on.silver", 0) / rs,
                         f.num("retention.on.gold", 0) / rs, onv),
                     times(off / on) + " smaller", "<= 2 bytes",
                     verdict(on <= 2, "%.2f bytes" % on)))
    else:
        rows.append(("8a", "whole disk per sample, bronze retention off", "-", "-", "-", "", "not measured"))
        rows.append(("8b", "whole disk per sample, bronze retention on", "-", "-", "-", "<= 2 bytes",
                     "not measured"))

    # ------------------------------------------------------------ text
    w("# Tracker benchmark results")
    w("")
    started = f.text("bench.started")
    w("Measured by `make bench` (bench/run) on %s: %s cores, %s; the whole run took %.1f minutes. "
      "Load average (1 min) %s at the start and %s at the end: other work shares this machine, "
      "so read the ratios, which compare figures measured in the same run, more than the absolute "
      "numbers. See bench/README.md for how each figure is measured." % (
          started or "?", f.text("bench.cpus", "?"), f.text("bench.cpu_model", "?"),
          (f.num("bench.duration_s", 0) or 0) / 60, f.text("bench.load_start", "?"),
          f.text("bench.load_end", "?")))
    failed = f.text("bench.failed")
    if failed:
        w("")
        w("**Parts that failed in this run: %s.**" % failed)
    w("")
    w("Ratio: how many times faster (or smaller) Tracker is than the baseline; below 1, slower.")
    w("")
    w("| # | measure | Tracker | baseline, same run | ratio | goal | verdict |")
    w("|---|---|---|---|---|---|---|")
    for r in sorted(rows, key=lambda r: r[0]):
        w("| " + " | ".join(r) + " |")

    # ingest details
    if t_rate:
        w("")
        w("## 1. Ingest")
        w("")
        w("%d days of dense 1-second synthetic heart rate (%d samples) as Google Health `heart-rate` "
          "list pages of 10,000 points, rendered exactly as the fake API renders them "
          "(%.1f MB, %.0f bytes of JSON per sample). Medians of %d runs. The slow baselines load "
          "the first pages only: (a) and its prepared variant %d pages (%d samples), (b) %d pages "
          "(%d samples); Tracker and (c) load every page. Rates are per sample." % (
              n_days, f.num("ingest.samples"), f.num("ingest.bytes") / 1e6,
              f.num("ingest.bytes") / f.num("ingest.samples"), f.runs("ingest.tracker.ms"),
              f.num("ingest.insert_pages"), f.num("ingest.insert.samples"),
              f.num("ingest.elt_pages", 0), f.num("ingest.elt.samples")))
        w("")
        w("| method | samples | time | samples/s | Tracker's speed relative to it |")
        w("|---|---|---|---|---|")
        names = [("tracker", "Tracker: tracker.bench_ingest() per window of 8 pages (the sync worker's write path)"),
                 ("tracker_lz4", "Tracker, bronze compressed with lz4"),
                 ("tracker_pglz", "Tracker, bronze compressed with pglz"),
                 ("elt", "(b) store each page as jsonb, INSERT ... SELECT from jsonb_to_recordset()"),
                 ("copy", "(c) COPY ... (FORMAT binary) of rows parsed beforehand"),
                 ("insert", "(a) json-c in the client, one INSERT statement per sample over TCP"),
                 ("insert_prepared", "(a') the same with a prepared INSERT over the Unix socket")]
        for k, label in names:
            r = f.num("ingest.%s.rate" % k)
            if r is None:
                continue
            w("| %s | %d | %s | %s | %s |" % (label, f.num("ingest.%s.samples" % k),
                                             ms(f.num("ingest.%s.ms" % k)), rate(r),
                                             times(t_rate / r)))
        w("")
        w("Where Tracker's time goes (sums over all windows, medians of the runs):")
        w("")
        w("| phase | %s bronze (as shipped) | share | %s bronze | share |" % (
            "lz4" if alt_name == "pglz" else "pglz", alt_name))
        w("|---|---|---|---|---|")
        tot = {k: f.num("ingest.%s.ms" % k) for k in ("tracker", alt)}
        phases = [("parse + validate + map (gh_parse_page)", "parse_ms"),
                  ("bronze: SHA-256 and the raw page (TOASTed, compressed)", "bronze_ms"),
                  ("silver: normalise, merge, encode, write the day rows", "silver_ms"),
                  ("of which the codec alone (normalise + encode, measured apart)", "encode_ms"),
                  ("gold: recompute the touched days", "gold_ms")]
        for label, k in phases:
            a = f.num("ingest.tracker.%s" % k)
            b = f.num("ingest.%s.%s" % (alt, k))
            w("| %s | %s | %.0f %% | %s | %.0f %% |" % (label, ms(a), 100 * a / tot["tracker"], ms(b),
                                                      100 * b / tot[alt]))
        rest = tot["tracker"] - sum(f.num("ingest.tracker.%s" % k) for k in
                                     ("parse_ms", "bronze_ms", "silver_ms", "gold_ms"))
        rest2 = tot[alt] - sum(f.num("ingest.%s.%s" % (alt, k)) for k in
                               ("parse_ms", "bronze_ms", "silver_ms", "gold_ms"))
        w("| the rest: reading the page files, statements, commits | %s | %.0f %% | %s | %.0f %% |" % (
            ms(rest), 100 * rest / tot["tracker"], ms(rest2), 100 * rest2 / tot[alt]))
        if f.has("ingest.tracker.bronze_bytes") and f.has("ingest.%s.bronze_bytes" % alt):
            smp = f.num("ingest.samples")
            w("| bronze on disk afterwards (raw pages), bytes per sample | %.1f | | %.1f | |" % (
                f.num("ingest.tracker.bronze_bytes") / smp, f.num("ingest.%s.bronze_bytes" % alt) / smp))
            w("| silver on disk afterwards, bytes per sample | %.2f | | %.2f | |" % (
                f.num("ingest.tracker.silver_bytes") / smp, f.num("ingest.%s.silver_bytes" % alt) / smp))
        if f.has("parse.tracker.mbs"):
            w("")
            w("The page parsers side by side, outside the server (bench/src/parsebench.c), on the "
              "first %d pages; each one checks the JSON and reads every sample's time, UTC offset and "
              "bpm with the same checks, and all agree on the result:" % f.num("ingest.parse_pages", 9))
            w("")
            w("| parser | MB/s | M samples/s | relative to gh_parse_page |")
            w("|---|---|---|---|")
            plabels = [("tracker", "gh_parse_page (scanner + fast point reader, json-c only for unusual chunks): Tracker today"),
                       ("tracker_general", "gh_parse_page_general (scanner + json-c trees of 16 points + readers): the general path alone, Tracker before"),
                       ("jsonc_tree", "json-c tree of the whole page, then a walk"),
                       ("jsonc_incr", "json-c incremental tokener, 64 KiB at a time (still a tree)"),
                       ("pg_lexer", "PostgreSQL's JSON parser (pg_parse_json) with semantic callbacks"),
                       ("scanner", "hand-written single-pass validating scanner"),
                       ("memchr", "memchr over every quote: the floor")]
            base = f.num("parse.tracker.mbs")
            for k, label in plabels:
                v = f.num("parse.%s.mbs" % k)
                if v is None:
                    continue
                w("| %s | %.0f | %s | %s |" % (label, v,
                                               "%.2f" % f.num("parse.%s.msps" % k) if k != "memchr" else "-",
                                               times(v / base)))

    # storage details
    if f.has("storage.year.samples") or f.has("storage.korymath.samples"):
        w("")
        w("## 2. Storage")
        w("")
        w("| data | samples | days | silver.heart_rate_day, bytes per sample | encoded series alone | rows + primary key |")
        w("|---|---|---|---|---|---|")
        for key, label in (("korymath", "korymath (real, 1-second Fitbit days)"),
                           ("year", "a synthetic year (the fake's generator, samples 1-15 s apart)")):
            s = f.num("storage.%s.samples" % key)
            if not s:
                continue
            w("| %s | %d | %d | %.3f | %.3f | %.1f |" % (
                label, s, f.num("storage.%s.days" % key), f.num("storage.%s.series_bytes" % key) / s,
                f.num("storage.%s.encoded_bytes" % key) / s, f.num("storage.%s.rows_bytes" % key) / s))

    # query details
    if f.has("query.tracker_daily_1y.ms"):
        w("")
        w("## 3. Queries")
        w("")
        w("One account, the fake's synthetic heart rate (%s samples over 5 years); the plain-SQL "
          "figures follow Tracker's rules and gave Tracker's figures on every day of the first year: %s. "
          "Times in the server, every row turned into text; medians." % (
              "%d" % f.num("query.samples_5y") if f.has("query.samples_5y") else "?",
              {"t": "yes", "f": "NO"}.get(f.text("query.plain_equals_tracker"), "?")))
        w("")
        w("| query | Tracker | runs | plain SQL over rows | runs | ratio |")
        w("|---|---|---|---|---|---|")
        for idn, label, tk, pk, goal in qrows:
            tv = f.num("query.%s.ms" % tk)
            pv = f.num("query.%s.ms" % pk)
            if tv is None:
                continue
            w("| %s | %s | %d | %s | %d | %s |" % (label, ms(tv), f.runs("query.%s.ms" % tk), ms(pv),
                                                  f.runs("query.%s.ms" % pk), times(pv / tv) if pv else "-"))

    # backfill details
    if req:
        w("")
        w("## 4 and 6. Backfill of one account")
        w("")
        w("| data type | requests | minimum | points |")
        w("|---|---|---|---|")
        for t in ("heart-rate", "steps", "exercise", "sleep", "daily-heart-rate-zones",
                  "daily-resting-heart-rate", "time-in-heart-rate-zone", "token"):
            if f.has("backfill.requests.%s" % t):
                w("| %s | %d | %s | %s |" % (
                    "other: token, settings, profile" if t == "token" else t,
                    f.num("backfill.requests.%s" % t),
                    "-" if t == "token" else "%d" % f.num("backfill.minimum.%s" % t),
                                            "%d" % f.num("backfill.points.%s" % t)
                                            if f.has("backfill.points.%s" % t) else ""))
        w("")
        w("Pages fetched twice: %d. Answers by HTTP status: %s." % (
            f.num("backfill.duplicate_pages"), f.text("backfill.by_status")))
        wall = f.num("backfill.wall_s")
        if wall and f.has("backfill.parse_s"):
            w("")
            w("End to end: %.1f s from `SELECT tracker.backfill()` to the job done, %d samples "
              "(%.1f MB in %d requests): HTTP %.1f s, parsing %.1f s (every stored page parsed again in "
              "the server), database and the rest %.1f s. The fake used %.1f s of CPU meanwhile; the sync "
              "worker %.1f s of CPU, at most %.0f MiB of private memory." % (
                  wall, f.num("backfill.samples"), f.num("backfill.bytes") / 1e6,
                  f.num("backfill.log_requests"), f.num("backfill.http_s"), f.num("backfill.parse_s"),
                  f.num("backfill.rest_s"), f.num("backfill.fake_cpu_s"), f.num("backfill.worker_cpu_s"),
                  f.num("backfill.worker_anon_kb") / 1024))

    if cycles:
        w("")
        w("## 5. Scheduling at scale")
        w("")
        w("%d accounts, a day of 1-minute heart rate each, %d sync workers, %d rounds back to back." % (
            acc, f.num("scale.sync_workers"), cycles))
        w("")
        w("| round | wall | requests | requests/s | jobs done | failed windows | worker CPU | "
          "scheduler CPU | fake CPU | worker private memory, max / at the end |")
        w("|---|---|---|---|---|---|---|---|---|---|")
        for k in range(1, cycles + 1):
            last = f.text("scale.worker_anon_last_kb.%d" % k)
            w("| %d | %.1f s | %d | %d | %d/%d | %d | %.1f s | %.1f s | %.1f s | %.1f MiB / %s |" % (
                k, f.num("scale.wall_s.%d" % k), f.num("scale.requests.%d" % k),
                f.num("scale.rps.%d" % k), f.num("scale.jobs_done.%d" % k), acc,
                f.num("scale.windows_failed.%d" % k), f.num("scale.worker_cpu_s.%d" % k),
                f.num("scale.scheduler_cpu_s.%d" % k), f.num("scale.fake_cpu_s.%d" % k),
                f.num("scale.worker_anon_kb.%d" % k) / 1024,
                ", ".join("%.1f" % (int(x) / 1024) for x in last.split(",") if x.isdigit()) + " MiB"))

        if f.has("scale.stmt.claim.calls"):
            w("")
            w("In the server, over all rounds (pg_stat_statements): the workers' claim query ran %d times "
              "for %.1f s in all, %.1f ms each on average; it reads and sorts every queued window, so "
              "its cost grows with the queue. The scheduler's statements (queue syncs, count ready "
              "accounts, close jobs) took %.1f s." % (
                  f.num("scale.stmt.claim.calls"), f.num("scale.stmt.claim.total_ms") / 1000,
                  f.num("scale.stmt.claim.mean_ms"),
                  sum(f.num("scale.stmt.%s.total_ms" % k, 0) for k in ("schedule", "ready", "close_jobs")) / 1000))

    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    with open(sys.argv[2], "w") as fo:
        fo.write(text)


if __name__ == "__main__":
    main()
