"""Points -> JSON (proto3 JSON mapping: int64 as strings, defaults omitted)."""

import collections
import time

from .common import civil_json, date_json, duration, interval_json, rfc3339, utc_offset
from .types import AZM_ZONES, TYPES
from .users import DEVICES

DS_TRACKER = {"recordingMethod": "PASSIVELY_MEASURED", "platform": "FITBIT",
              "device": DEVICES["pixel_watch"]}
DS_LEGACY = {"recordingMethod": "PASSIVELY_MEASURED", "platform": "FITBIT",
             "device": {"displayName": "Charge 2", "formFactor": "FITNESS_BAND",
                        "manufacturer": "Fitbit"}}
DS_SCALE = {"recordingMethod": "ACTIVELY_MEASURED", "platform": "FITBIT",
            "device": {"displayName": "Aria Air", "formFactor": "SCALE",
                       "manufacturer": "Fitbit"}}
DS_MANUAL = {"recordingMethod": "MANUAL", "platform": "FITBIT"}
STAGE_ORDER = {"STAGES": ("AWAKE", "LIGHT", "DEEP", "REM"),
               "CLASSIC": ("AWAKE", "RESTLESS", "ASLEEP")}
CARDIO_LEVELS = ((32, "POOR"), (37, "FAIR"), (42, "AVERAGE"), (47, "GOOD"),
                 (52, "VERY_GOOD"))


def source(user, index=0, method="PASSIVELY_MEASURED"):
    """The DataSource of a user's device (0: the first one)."""
    return {"recordingMethod": method, "platform": "FITBIT",
            "device": DEVICES[user.devices[index]]}


def sample_time(t, off):
    return {"physicalTime": rfc3339(t), "utcOffset": duration(off),
            "civilTime": civil_json(t + off)}


def render_point(user, dtype, p, reconcile):
    """One point -> its JSON object (list shape, or reconcile shape)."""
    body, src, name = RENDER[dtype](user, p)
    out = {}
    if name:
        out["dataPointName" if reconcile else "name"] = name
    if not reconcile:
        out["dataSource"] = src
    out[TYPES[dtype].key] = body
    return out


def _heart_rate(user, p):
    t, off, _, _, data = p
    bpm, motion = data[0], data[1]
    meta = {"motionContext": motion} if motion else {}
    meta["sensorLocation"] = "WRIST"
    body = {"sampleTime": sample_time(t, off), "beatsPerMinute": str(bpm), "metadata": meta}
    if motion is None:
        return body, DS_LEGACY, None
    return body, source(user, 1 if len(data) == 3 else 0), None


def _counted(field):
    def render(user, p):
        data = p[4]
        value, src = (data[0], 1) if type(data) is tuple else (data, 0)
        body = {"interval": interval_json(*p[:4])}
        if value:      # proto3 JSON omits a zero count
            body[field] = str(value)
        return body, source(user, src), None
    return render


def _derived(user):
    return source(user, 0, "DERIVED")


def _tiz(user, p):
    return ({"interval": interval_json(*p[:4]), "heartRateZoneType": p[4]},
            _derived(user), None)


def _azm(user, p):
    zone, value = AZM_ZONES[p[4]]
    return ({"interval": interval_json(*p[:4]), "heartRateZone": zone,
             "activeZoneMinutes": str(value)}, _derived(user), None)


def _active(user, p):
    return ({"interval": interval_json(*p[:4]), "activeMinutesByActivityLevel": [
        {"activityLevel": p[4], "activeMinutes": "1"}]}, _derived(user), None)


def _sedentary(user, p):
    return {"interval": interval_json(*p[:4])}, _derived(user), None


def _exercise(user, p):
    body = dict(p[4])
    name = body.pop("@name")
    return body, source(user, 0, "ACTIVELY_MEASURED"), name


def _sleep(user, p):
    s = p[4]
    if s.json is None:
        s.json = sleep_json(user, s)
    body = dict(s.json)
    return body, source(user), "users/%s/dataTypes/sleep/dataPoints/%s" % (
        user.health_id, s.name)


def sleep_json(user, s):
    tz = user.tz
    order = STAGE_ORDER[s.type]
    totals = collections.OrderedDict((k, [0, 0]) for k in order)
    out = []
    for kind, a, b in s.shown:
        totals[kind][0] += (b - a) // 60
        totals[kind][1] += 1
        out.append({"type": kind, "startTime": rfc3339(a),
                    "startUtcOffset": duration(utc_offset(tz, a)),
                    "endTime": rfc3339(b), "endUtcOffset": duration(utc_offset(tz, b))})
    whole = (s.wake - s.bed) // 60
    asleep = whole - sum(totals[k][0] for k in ("AWAKE", "RESTLESS") if k in totals)
    summary = {"minutesAsleep": str(asleep), "minutesInSleepPeriod": str(whole),
               "stagesSummary": [{"type": k, "minutes": str(v[0]), "count": str(v[1])}
                                 for k, v in totals.items() if v[1]]}
    if totals["AWAKE"][0]:
        summary["minutesAwake"] = str(totals["AWAKE"][0])
    if s.nap:
        meta = {"nap": True, "processed": True, "stagesStatus": "REJECTED_NAP"}
    else:
        meta = {"mainSleep": True, "processed": True,
                "stagesStatus": "SUCCEEDED" if s.type == "STAGES" else "REJECTED_COVERAGE"}
    body = {"type": s.type,
            "interval": interval_json(s.bed, utc_offset(tz, s.bed), s.wake,
                                      utc_offset(tz, s.wake)),
            "createTime": rfc3339(s.wake + 600), "updateTime": rfc3339(s.wake + 600),
            "metadata": meta, "stages": out}
    if s.oob:
        body["outOfBedSegments"] = [
            {"startTime": rfc3339(a), "startUtcOffset": duration(utc_offset(tz, a)),
             "endTime": rfc3339(b), "endUtcOffset": duration(utc_offset(tz, b))}
            for a, b in s.oob]
    body["summary"] = summary
    return body


def _date(p):
    return date_json(*time.gmtime(p[0])[:3])


def _resting(user, p):
    return ({"date": _date(p), "beatsPerMinute": str(p[4]),
             "dailyRestingHeartRateMetadata": {"calculationMethod": "WITH_SLEEP"}},
            _derived(user), None)


def _zones(user, p):
    return ({"date": _date(p), "heartRateZones": [
        {"heartRateZoneType": z, "minBeatsPerMinute": str(lo),
         "maxBeatsPerMinute": str(hi)} for z, lo, hi in p[4]]}, _derived(user), None)


def _hrv(user, p):
    rmssd, sdnn = p[4][0], p[4][1]
    return ({"sampleTime": sample_time(p[0], p[1]),
             "rootMeanSquareOfSuccessiveDifferencesMilliseconds": rmssd,
             "standardDeviationMilliseconds": sdnn}, source(user), None)


def _spo2(user, p):
    return ({"sampleTime": sample_time(p[0], p[1]), "percentage": p[4][0]},
            source(user), None)


def _stats(v):
    return {"breathsPerMinute": v[0], "signalToNoise": v[1], "standardDeviation": v[2]}


def _resp(user, p):
    body = {"sampleTime": sample_time(p[0], p[1]), "fullSleepStats": _stats(p[4]["full"])}
    for k in ("deep", "light", "rem"):
        if k in p[4]:
            body[k + "SleepStats"] = _stats(p[4][k])
    return body, source(user, 0, "DERIVED"), None


def _daily_hrv(user, p):
    v = p[4]
    body = {"date": _date(p), "averageHeartRateVariabilityMilliseconds": v["avg"],
            "nonRemHeartRateBeatsPerMinute": str(v["non_rem_hr"]), "entropy": v["entropy"]}
    if v["deep"] is not None:
        body["deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds"] = v["deep"]
    return body, _derived(user), None


def _daily_spo2(user, p):
    avg, lo, hi, sd = p[4]
    body = {"date": _date(p), "averagePercentage": avg, "lowerBoundPercentage": lo,
            "upperBoundPercentage": hi}
    if sd is not None:
        body["standardDeviationPercentage"] = sd
    return body, _derived(user), None


def _daily_resp(user, p):
    return {"date": _date(p), "breathsPerMinute": p[4]}, _derived(user), None


def _daily_temp(user, p):
    nightly, base, sd = p[4]
    body = {"date": _date(p), "nightlyTemperatureCelsius": nightly}
    if base is not None:
        body["baselineTemperatureCelsius"] = base
        body["relativeNightlyStddev30dCelsius"] = sd
    return body, _derived(user), None


def _body(field):
    def render(user, p):
        name, value, manual = p[4]
        return ({"sampleTime": sample_time(p[0], p[1]), field: value},
                DS_MANUAL if manual else DS_SCALE, name)
    return render


def _vo2(user, p):
    return ({"sampleTime": sample_time(p[0], p[1]), "vo2Max": p[4],
             "measurementMethod": "FITBIT_RUN"}, _derived(user), None)


def cardio_level(value):
    for limit, name in CARDIO_LEVELS:
        if value < limit:
            return name
    return "EXCELLENT"


def _daily_vo2(user, p):
    value, estimated = p[4]
    body = {"date": _date(p), "vo2Max": value, "cardioFitnessLevel": cardio_level(value)}
    if estimated:
        body["estimated"] = True
    body["vo2MaxCovariance"] = 7.5 if estimated else 2.5
    return body, _derived(user), None


RENDER = {
    "heart-rate": _heart_rate,
    "steps": _counted("count"),
    "distance": _counted("millimeters"),
    "floors": _counted("count"),
    "time-in-heart-rate-zone": _tiz,
    "active-zone-minutes": _azm,
    "active-minutes": _active,
    "sedentary-period": _sedentary,
    "exercise": _exercise,
    "sleep": _sleep,
    "daily-resting-heart-rate": _resting,
    "daily-heart-rate-zones": _zones,
    "heart-rate-variability": _hrv,
    "oxygen-saturation": _spo2,
    "respiratory-rate-sleep-summary": _resp,
    "daily-heart-rate-variability": _daily_hrv,
    "daily-oxygen-saturation": _daily_spo2,
    "daily-respiratory-rate": _daily_resp,
    "daily-sleep-temperature-derivations": _daily_temp,
    "weight": _body("weightGrams"),
    "body-fat": _body("percentage"),
    "vo2-max": _vo2,
    "daily-vo2-max": _daily_vo2,
}


def data_source_family_keeps(dtype, p, family):
    """Does a list point belong to a data source family?  Every point comes
    from the user's devices except manual weight entries, which
    google-wearables leaves out; self-sources (data this client wrote) is
    always empty."""
    from .types import FAMILY_SELF, FAMILY_WEARABLES
    if family == FAMILY_SELF:
        return False
    if family == FAMILY_WEARABLES and dtype in ("weight", "body-fat"):
        return not p[4][2]
    return True
