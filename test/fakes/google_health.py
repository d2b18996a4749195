#!/usr/bin/python3
"""Fake Google Health API v4 and Google OAuth 2.0 endpoints for Tracker's tests.

Standard library only (Debian's /usr/bin/python3, 3.11).  Run it:

    /usr/bin/python3 test/fakes/google_health.py --port 0 --port-file F
        [--pid-file F] [--config users.json] [--log F] [--user-rate 300]

It listens on 127.0.0.1 only.  With --port 0 it picks a free port and
writes it to --port-file (atomically, once listening).  SIGTERM or SIGINT
stop it cleanly (exit status 0).  It prints nothing unless --log is given.
Point a client at http://127.0.0.1:PORT for the API base (/v4/...), the
token URL (/token), the revoke URL (/revoke) and the authorization URL
(/o/oauth2/v2/auth).  The code is in gh/ next to this file: types (the
table below), synth and dayfull (synthetic data), legacy (Fitbit files),
users (users, uploads), render (JSON), filters, query (list, reconcile,
get, roll-ups), agg (roll-up sums), truth, oauth, state, api, control,
server.  Shapes follow Google's discovery document, revision 20261002.

CONFIGURATION (--config; also the body of POST /_fake/users)
  {"users": [USER...], "clients": [{"client_id", "client_secret",
   "redirect_uris"?}], "consent": "user id"}   (a bare list = users)
  USER: id; refresh_token (valid for any client); scopes (default: the five
  read-only googlehealth scopes; a full URL or a short "sleep.readonly");
  tz (IANA, default UTC); age (default 30); expires_in (access-token
  lifetime, default 3599); rate_limit (requests per minute, default
  --user-rate; 0 = none); devices (one or two of pixel_watch (Pixel Watch
  3, the default), pixel_watch_4, fitbit_charge (Charge 6), fitbit_inspire
  (Inspire 3), fitbit_sense (Sense 2); the first is the main device);
  upload (see CLOCK; its presence makes the user live in real time too);
  and data from data_dir (a folder, or a list, of legacy Fitbit heart-rate
  day files; relative to the config file's folder) and/or synthetic
  {"start": "YYYY-MM-DD", "days": N, "seed": S}.  A legacy day replaces
  the synthetic day of the same date.  The client "test-client" /
  "test-secret" always exists.  A client with redirect_uris accepts only
  those; otherwise any http(s) URI.

API (paths as Google's; every call needs "Authorization: Bearer")
  GET  /v4/users/me/dataTypes/{dt}/dataPoints[:reconcile]   list, reconcile
       Query: filter, pageSize|page_size, pageToken|page_token,
       dataSourceFamily|data_source_family (plus alt, prettyPrint, key);
       any other parameter is a 400.
  GET  /v4/users/me/dataTypes/{dt}/dataPoints/{id}          get
       (identifiable types: the list shape of one point; 404 NOT_FOUND
       when unknown or not uploaded yet)
  POST .../dataPoints:rollUp       {range: {startTime, endTime}, windowSize,
                                    pageSize?, pageToken?, dataSourceFamily?}
  POST .../dataPoints:dailyRollUp  {range: {start: {date}, end: {date}},
                                    windowSizeDays?, pageSize?, pageToken?,
                                    dataSourceFamily?}
  GET  /v4/users/me/settings (timeZone, utcOffset at the clock's now),
       /profile (age as an int32, membershipStartDate = first data day),
       /identity (healthUserId, legacyUserId), /pairedDevices (each device
       as a TRACKER, plus an Aria Air SCALE for synthetic users; lastSyncTime
       = the user's horizon, see CLOCK; scope settings.readonly).
  A method a type lacks is 400 INVALID_ARGUMENT with ErrorInfo reason
  DATA_TYPE_NOT_SUPPORTED_FOR_OPERATION; a Google type this fake does not
  serve (altitude, electrocardiogram, run-vo2-max, ...) is 400
  DATA_TYPE_NOT_SUPPORTED; an unknown one 400 INVALID_DATA_TYPE.
  Errors are google.rpc.Status JSON: 401 UNAUTHENTICATED (reason
  CREDENTIALS_MISSING, ACCESS_TOKEN_EXPIRED, or none for an unknown or
  revoked token), 403 PERMISSION_DENIED with ErrorInfo reason
  ACCESS_TOKEN_SCOPE_INSUFFICIENT (and WWW-Authenticate error=
  "insufficient_scope" scope="<the missing scope>"), 400 INVALID_ARGUMENT
  (bad filter, page token, body or parameter), 404 NOT_FOUND, 429
  RESOURCE_EXHAUSTED with Retry-After (per-user one-minute window, real
  time), and 500 INTERNAL should the fake itself fail (traceback in --log).

DATA TYPES (kind: S sample, I interval, D daily, X session; methods: l list,
r reconcile, u rollUp, d dailyRollUp, g get; scope: A activity_and_fitness,
M health_metrics_and_measurements, Z sleep, all .readonly.  Page cap 10000,
default 1440, except exercise and sleep 25/25.  Roll-up range: 14 days for
heart-rate, active-minutes, total-calories, calories-in-heart-rate-zone,
else 90; it applies to rollUp and dailyRollUp alike.)
  heart-rate                  heartRate                  S lrud  M 14
  daily-resting-heart-rate    dailyRestingHeartRate      D lr d  M
  daily-heart-rate-zones      dailyHeartRateZones        D lr    M
  time-in-heart-rate-zone     timeInHeartRateZone        I lrud  A
  active-zone-minutes         activeZoneMinutes          I lrud  A
  active-minutes              activeMinutes              I lrud  A 14
  sedentary-period            sedentaryPeriod            I lrud  A
  steps                       steps                      I lrud  A
  distance                    distance                   I lrud  A
  floors                      floors                     I  rud  A
  total-calories              totalCalories              I   ud  A 14
  calories-in-heart-rate-zone caloriesInHeartRateZone    I   ud  A 14
  exercise                    exercise                   X lr  g A
  vo2-max                     vo2Max                     S lr    A
  daily-vo2-max               dailyVo2Max                D lr    A
  heart-rate-variability      heartRateVariability       S lr    M
  daily-heart-rate-variability dailyHeartRateVariability D lr d  M
  oxygen-saturation           oxygenSaturation           S lr    M
  daily-oxygen-saturation     dailyOxygenSaturation      D lr    M
  daily-respiratory-rate      dailyRespiratoryRate       D lr    M
  respiratory-rate-sleep-summary respiratoryRateSleepSummary S lr M
  daily-sleep-temperature-derivations dailySleepTemperatureDerivations D lr M
  weight                      weight                     S lrudg M
  body-fat                    bodyFat                    S lrudg M
  sleep                       sleep                      X lr  g Z
  Scopes follow Google's Fitbit-scope mapping: activity and cardio_fitness
  -> A; heartrate, oxygen_saturation, respiratory_rate, temperature,
  weight -> M; sleep -> Z.  profile and settings need profile.readonly and
  settings.readonly; identity needs none.

FILTERS (list and reconcile; AIP-160 subset)
  RESTRICTION {AND RESTRICTION}, a restriction being MEMBER >= "literal" or
  MEMBER < "literal"; parentheses allowed; OR only for sleep (it binds
  tighter than AND, as in AIP-160).  Members, with snake = the URL name
  with "_" for "-":
    sample types    snake.sample_time.physical_time  RFC 3339 ("...Z", +hh:mm)
                    snake.sample_time.civil_time     "YYYY-MM-DD[THH:mm:ss]"
    interval types  snake.interval.start_time        RFC 3339
                    snake.interval.civil_start_time  "YYYY-MM-DD[THH:mm:ss]"
    daily types     snake.date                       "YYYY-MM-DD"
    exercise        exercise.interval.civil_start_time
    sleep           sleep.interval.end_time, sleep.interval.civil_end_time
  ErrorInfo reasons: INVALID_DATA_POINT_FILTER_ + DATA_TYPE_MEMBER (any
  other member, camelCase included), RESTRICTION_COMPARABLE (unquoted or
  malformed literal), UNEXPECTED_TOKEN (>, <=, =, !=, lowercase and, NOT,
  trailing text), EXPRESSION_STRUCTURE (OR outside sleep, a literal
  first), SYNTAX (unreadable text, single quotes), MISSING_TOKEN,
  UNEXPECTED_END_OF_INPUT.

WHAT A CLIENT MUST EXPECT
  - int64 values are JSON strings ("72"); int32 and doubles are numbers;
    durations are "3600s"; timestamps RFC 3339 UTC with "Z".
  - proto3 JSON leaves defaults out: a steps point with no "count" means 0
    (likewise distance "millimeters", floors "count"); local midnight is
    "time": {}; zero hours/minutes/seconds are omitted; false booleans are
    omitted; an empty page is {} (no "dataPoints", no "rollupDataPoints").
  - Points come newest first (by start time; for equal times the main
    device first).  pageSize defaults to 1440, larger values are cut to
    10000 (25 for exercise and sleep), silently; 0 means the default.
  - nextPageToken is opaque.  It encodes the position and a hash of the
    user, data type, method, filter (or roll-up range and window), effective
    page size and dataSourceFamily: change any of them and the token gives
    400.  It also carries the horizon its first page was served at, so a
    paged read is one snapshot even while the clock moves.  The same
    request at the same horizon always gives byte-identical JSON.
  - dataSourceFamily: all-sources (default), google-sources: everything;
    google-wearables: everything but manual weigh-ins (weight with
    recordingMethod MANUAL, which carry no body fat); self-sources: always
    empty (this client wrote nothing).  Other values 400.  list on sleep
    with any explicit dataSourceFamily is 400 (use reconcile).
  - reconcile: "dataPointName" instead of "name", no dataSource, and the
    merged stream (see SOURCES).

POINT SHAPES (inside each point: {"name"?, "dataSource", <JSON key>: ...};
  sampleTime = {physicalTime, utcOffset, civilTime}; interval =
  {startTime, startUtcOffset, endTime, endUtcOffset, civilStartTime,
  civilEndTime}; date = {year, month, day}; S = int64 string)
  heart-rate {sampleTime, beatsPerMinute S, metadata {motionContext
    ACTIVE|SEDENTARY (absent for legacy days), sensorLocation WRIST}}
  steps {interval 1 min, count S}     distance {interval 1 min, millimeters S}
  floors {interval 1 min, count S} (reconcile only)
  time-in-heart-rate-zone {interval 1 min, heartRateZoneType LIGHT|MODERATE|
    VIGOROUS|PEAK}: one per worn minute whose mean bpm reaches LIGHT
  active-zone-minutes {interval 1 min, heartRateZone FAT_BURN|CARDIO|PEAK,
    activeZoneMinutes "1"|"2"}: MODERATE->FAT_BURN 1, VIGOROUS->CARDIO 2,
    PEAK->PEAK 2 per minute
  active-minutes {interval 1 min, activeMinutesByActivityLevel: [{activity
    Level LIGHT|MODERATE|VIGOROUS, activeMinutes "1"}]}
  sedentary-period {interval}: a run of sedentary minutes, cut at local
    midnight
  exercise (name users/<healthUserId>/dataTypes/exercise/dataPoints/<19
    digits>) {exerciseType, displayName, interval, activeDuration,
    createTime, updateTime, metricsSummary {caloriesKcal, distanceMillimeters
    (double), averageSpeedMillimetersPerSecond, steps S,
    averageHeartRateBeatsPerMinute S, activeZoneMinutes S,
    heartRateZoneDurations {lightTime, moderateTime, vigorousTime,
    peakTime}}, exerciseMetadata {hasGps}}
  sleep (name .../sleep/dataPoints/<uuid>) {type STAGES|CLASSIC, interval,
    createTime, updateTime (wake + 10 min), metadata {mainSleep true | nap
    true, processed true, stagesStatus SUCCEEDED | REJECTED_COVERAGE
    (classic main sleep) | REJECTED_NAP}, stages [{type, startTime,
    startUtcOffset, endTime, endUtcOffset}] (contiguous, covering the
    session; STAGES: AWAKE LIGHT DEEP REM; CLASSIC: AWAKE RESTLESS ASLEEP),
    outOfBedSegments [{startTime, startUtcOffset, endTime, endUtcOffset}]
    (only when any), summary {minutesAsleep S (period less AWAKE and
    RESTLESS), minutesInSleepPeriod S, stagesSummary [{type, minutes S,
    count S}], minutesAwake S}}
  daily-resting-heart-rate {date, beatsPerMinute S,
    dailyRestingHeartRateMetadata {calculationMethod WITH_SLEEP}}
  daily-heart-rate-zones {date, heartRateZones [{heartRateZoneType,
    minBeatsPerMinute S, maxBeatsPerMinute S}]}
  heart-rate-variability {sampleTime, rootMeanSquareOfSuccessiveDifferences
    Milliseconds, standardDeviationMilliseconds}: every 5 min of main sleep
    outside AWAKE
  daily-heart-rate-variability {date, averageHeartRateVariabilityMilliseconds
    (mean of the night's samples), nonRemHeartRateBeatsPerMinute S, entropy,
    deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds (mean in DEEP)}
  oxygen-saturation {sampleTime, percentage}: every minute of main sleep
    outside AWAKE
  daily-oxygen-saturation {date, averagePercentage, lowerBoundPercentage
    (the night's minimum), upperBoundPercentage (maximum),
    standardDeviationPercentage (of the 7-30 previous nights' averages;
    absent under 7)}
  respiratory-rate-sleep-summary {sampleTime = the session's end,
    fullSleepStats, deepSleepStats, lightSleepStats, remSleepStats (the last
    three for STAGES main sleeps)}, stats = {breathsPerMinute, signalToNoise,
    standardDeviation}; one per sleep session, naps included
  daily-respiratory-rate {date, breathsPerMinute} (= the main sleep's full)
  daily-sleep-temperature-derivations {date, nightlyTemperatureCelsius,
    baselineTemperatureCelsius (median of the 30 previous nights),
    relativeNightlyStddev30dCelsius} (the last two from 3 nights on)
  weight (name .../weight/dataPoints/<19 digits>) {sampleTime, weightGrams}
  body-fat (name .../body-fat/dataPoints/<19 digits>) {sampleTime, percentage}
  vo2-max {sampleTime = a run's end, vo2Max, measurementMethod FITBIT_RUN}
  daily-vo2-max {date, vo2Max, cardioFitnessLevel POOR|FAIR|AVERAGE|GOOD|
    VERY_GOOD|EXCELLENT (<32, <37, <42, <47, <52), estimated true (no run in
    the last 15 days), vo2MaxCovariance}
  dataSource: {recordingMethod, platform FITBIT, device {displayName,
  formFactor, manufacturer}}: PASSIVELY_MEASURED from the recording device
  (heart rate, steps, distance, sleep, HRV, SpO2), ACTIVELY_MEASURED for
  exercise, DERIVED from the main device for every computed type, the Aria
  Air SCALE (ACTIVELY_MEASURED) or {MANUAL, FITBIT} (no device) for weight.
  Daily points are filed under their date; the date of a sleep-derived
  daily figure is the day the night ended.

ROLL-UPS (both: the merged stream, off-wrist time excluded, newest window
first, windows without data left out, paged like list with pageSize
default 1440 / max 10000 windows)
  rollUp: windowSize "Ns" (whole seconds, >= 1s, else 400
  INVALID_ROLLUP_WINDOW); range startTime/endTime RFC 3339 in whole seconds,
  end > start, end - start <= the type's maximum; windows start at
  startTime, the last one is cut at endTime.  A sample falls in the window
  of its time, an interval in the window of its start.  Window: {startTime,
  endTime, <JSON key>: value}.
  dailyRollUp: civil days of the user's zone; range start and end are dates
  without a time (month/day plain integers), end exclusive; windowSizeDays
  (default 1) >= 1, the last window is cut at the end.  Window:
  {civilStartTime {date}, civilEndTime {date}, <key>: value}.
  Values: heart-rate {beatsPerMinuteAvg, beatsPerMinuteMin,
  beatsPerMinuteMax} (doubles); steps {countSum S}; distance
  {millimetersSum S}; floors {countSum S}; active-zone-minutes
  {sumInFatBurnHeartZone S, sumInCardioHeartZone S, sumInPeakHeartZone S};
  active-minutes {activeMinutesRollupByActivityLevel [{activityLevel,
  activeMinutesSum S}] for LIGHT, MODERATE, VIGOROUS}; sedentary-period
  {durationSum "Ns"}; time-in-heart-rate-zone {timeInHeartRateZones
  [{heartRateZone, duration "Ns"}] for all four zones}; total-calories
  {kcalSum}; calories-in-heart-rate-zone {caloriesInHeartRateZones
  [{heartRateZone, kcal}] for all four zones}; weight {weightGramsAvg};
  body-fat {bodyFatPercentageAvg}; dailyRollUp only:
  daily-resting-heart-rate -> restingHeartRatePersonalRange
  {beatsPerMinuteMin, beatsPerMinuteMax} and daily-heart-rate-variability ->
  heartRateVariabilityPersonalRange {averageHeartRateVariabilityMilliseconds
  Min, ...Max}: the lowest and highest daily value in the window.  Zero
  int64 and double fields are omitted ({"steps": {}} is a worn window with
  no steps); durations stay ("0s").

SOURCES AND RECONCILE
  With "devices": [A, B] the user wears both: A as always, B from 07:30-
  10:00 to 16:00-21:30 local each day (drawn per day), also while A is off
  the wrist.  list returns every device's heart-rate, steps and distance
  points, interleaved newest first, each with its dataSource; B samples
  about every 4-9 s, reading A's rate +-1-2 bpm, and counts 85-110 % of A's
  steps.  The merge rule (reconcile, roll-ups, truth): per type and per
  minute, the first device listed wins every minute it has data for (a
  heart-rate sample, a steps point); a minute without A's data takes B's.
  Every derived type (zones, AZM, active and sedentary minutes, calories,
  distance, floors) comes from the merged minutes.  Other types have one
  source, and list equals reconcile except for name/dataSource.

CLOCK, UPLOADS AND VISIBILITY
  The clock is real time until POST /_fake/clock sets it; with the real
  clock, users without an "upload" setting are archives: everything is
  served, the future included (as this fake always did).  With a set
  clock (or an "upload" setting) each user has a horizon: the time of the
  last upload at or before now.  An upload at instant S brings samples
  taken before S, intervals and sessions that ended at or before S (a
  sleep only once it is over), and the daily points of local days over by
  S (daily figures appear when the day's data is complete, at the next
  local midnight, not before; so do the sleep-derived ones).  Roll-ups,
  get and the truth (visible=1) see the same.  Upload settings, per user:
    {"every_minutes": N}       sync at each multiple of N minutes since
                               the epoch (default 5)
    {"sync_times": ["20:00"]}  sync only at these local clock times
    {"offline": [{"from": RFC 3339, "to": RFC 3339}]}  no sync inside the
                               window (bounds floored to the minute); one
                               at "to" that brings everything recorded then
  Horizons are whole minutes.  The clock does not touch token lifetimes,
  authorization codes or rate limits (real time).

CONTROL API (JSON, no auth; not counted in the stats)
  GET  /_fake/health                  {"status": "ok", "users": [...]}
  POST /_fake/reset                   back to the startup configuration
                                      (clock real again, scopes restored)
  GET|POST /_fake/users               list / add or replace users (a
                                      replaced user loses its tokens)
  POST /_fake/clients                 {client_id, client_secret, redirect_uris?}
  POST /_fake/consent                 {user, scopes?, deny?}: who consents
  POST /_fake/revoke                  {refresh_token} or {user}: refreshes
                                      then fail, their access tokens get 401
  POST /_fake/expire                  {user} or {access_token}
  POST /_fake/scopes                  {user, revoke?: [scope], grant?: [scope],
                                      scopes?: [scope]} -> {user, scopes}: the
                                      user's consent; a revoked scope leaves
                                      every live token at once (403 for its
                                      types) and refreshes no longer grant it
  GET|POST /_fake/clock               -> {now, simulated}; POST {"now":
                                      RFC 3339 | null (real time)} and/or
                                      {"advance_seconds": N}
  POST /_fake/upload                  {user, upload: {...}} -> {user, horizon}:
                                      new upload settings (the user is live)
  GET  /_fake/truth                   see GROUND TRUTH
  POST|GET|DELETE /_fake/faults       add rules (list) / show / clear
  GET|DELETE /_fake/stats             see STATS / clear

GROUND TRUTH: GET /_fake/truth?user=U&from=YYYY-MM-DD&to=YYYY-MM-DD
  [&type=T[,T...]][&visible=1][&samples=1]   (from and to inclusive, local
  days, at most 400; every type by default; visible=1: only what is visible
  at the clock's now, else everything; samples=1 adds the merged heart-rate
  samples as "series": [[epoch seconds, bpm], ...] oldest first)
  -> {"user", "tz", "from", "to", "horizon": RFC 3339|null, "days": {DAY:
  {TYPE: VALUE}}}; a day or type without data is left out.  The merged
  stream, per local day of each point's start (sleep: of its end):
    heart-rate {samples, list_samples (every device), sum, min, max,
      worn_minutes (minutes with a sample), below_light_minutes,
      zone_minutes {LIGHT, MODERATE, VIGOROUS, PEAK}}: below_light +
      the zones = worn_minutes; sum / samples = the day's mean
    steps {steps, minutes}  distance {millimeters, minutes}
    floors {floors, minutes}  total-calories {kcal}
    time-in-heart-rate-zone {ZONE: seconds}  calories-in-heart-rate-zone
      {ZONE: kcal}  active-minutes {LIGHT, MODERATE, VIGOROUS}
    active-zone-minutes {minutes {FAT_BURN, CARDIO, PEAK}, azm {...},
      total}  sedentary-period {minutes, periods}
    daily-resting-heart-rate {beats_per_minute}  daily-heart-rate-zones
      [{zone, min, max}]  daily-heart-rate-variability {average_ms,
      deep_sleep_ms, entropy, non_rem_bpm}  daily-oxygen-saturation
      {average, lower, upper, stddev}  daily-respiratory-rate
      {breaths_per_minute}  daily-sleep-temperature-derivations {nightly,
      baseline, stddev_30d}  daily-vo2-max {vo2_max, level, estimated}
    heart-rate-variability {samples, mean_rmssd_ms}  oxygen-saturation
      {samples, mean}  respiratory-rate-sleep-summary [{time,
      breaths_per_minute}]  weight [{time, grams, manual}]  body-fat
      [{time, percentage, manual}]  vo2-max [{time, vo2_max}]
    exercise [{name, type, start, end, steps, calories_kcal,
      active_zone_minutes}]
    sleep [{name, start, end, type, nap, main, minutes_in_period,
      minutes_asleep, minutes_awake, stages {TYPE: minutes},
      out_of_bed_minutes}] filed under the local day the person woke up
  The sums equal what summing the served reconcile points (or the
  dailyRollUp of that day) gives.

STATS: GET /_fake/stats -> {total, by_data_type, by_status, by_user,
  by_user_type {user: {type: {requests, bytes}}}, by_user_day {user: {DAY:
  {requests, bytes, by_type {type: {requests, bytes}}}}}, requests:
  [{method, path, query, status, bytes, user, data_type, day}] (the last
  10000), duplicate_pages}.  DAY is the clock's local date for the user
  when the request came; type "-" is a request without a data type
  (settings, profile, ...); bytes are the body bytes sent.
  duplicate_pages counts intact 200 answers to a dataPoints request (same
  user, method, path, query, body) beyond the first.  A dropped connection
  has status 0.

OAUTH
  The auth endpoint requires response_type=code, client_id, redirect_uri,
  scope, state, code_challenge (43-128 chars) with code_challenge_method=
  S256, access_type=offline and prompt=consent; it answers 302 to
  redirect_uri?state=..&code=..&scope=.. for the consenting user (POST
  /_fake/consent; the only user when there is one), granting the requested
  scopes that the user has (and that consent allows).  Codes are
  single-use and live 10 minutes.  POST /token (form; client credentials in
  the form or HTTP Basic): authorization_code needs code, redirect_uri and
  code_verifier; it returns access_token, expires_in, refresh_token, scope,
  token_type "Bearer".  refresh_token grants return no new refresh token;
  their scope is the grant less any scope the user took back.  Errors: 400
  invalid_grant "Token has been expired or revoked." (refresh), "Malformed
  auth code.", "Invalid code verifier."; 401 invalid_client; 400
  unsupported_grant_type.

FAULT RULES (POST /_fake/faults with a list; first live match wins)
  {"match": {"path_regex", "data_type", "user", "method"} (all optional),
   "times": N (default 1; -1 = until cleared), and one or more of:
   "status": 401|403|429|500|503|504 (Google's error body; "retry_after"
       seconds sets Retry-After for 429 and 503, default 1),
   "delay_ms": N (answer late),
   "body": "malformed"    200 with an HTML page instead of JSON
           "truncated"    Content-Length of the whole body, half sent, closed
           "cut_json"     the first half of the JSON, correct Content-Length
           "wrong_types"  every int64 string becomes a JSON number
           "out_of_range" the first point's bpm becomes "400" (count "-40")
           "oversized"    the real JSON padded with spaces to "size" bytes
                          (default 64 MiB)
           "close"        the connection is closed without an answer
           "endless_pages" a 200 page whose nextPageToken is always new (a
                          request with such a token gets an empty page that
                          asks for another)
           "same_page_token" a 200 page whose nextPageToken is the token
                          of the request (or "fake-same" on a first page)}
  Faults apply to every path but /_fake/ (the token endpoint included);
  "user" matches the user of the bearer token.

LEGACY FITBIT DAY FILES -> GOOGLE
  Files are GET /1/user/-/activities/heart/date/D/1d/1sec.json answers
  (either shape: zones in "value", or at the top with a string "value").
  The day is the file's dateTime (a file named after the day wins a tie).
  - intraday samples -> heart-rate points: local date + time in the user's
    zone (fold 0 in a repeated hour) -> physicalTime UTC, utcOffset,
    civilTime.  Data source: a Fitbit Charge 2 band.
  - restingHeartRate -> daily-resting-heart-rate (calculationMethod
    WITH_SLEEP); none when absent.
  - heartRateZones (Fitbit [min, max)) -> daily-heart-rate-zones, inclusive:
    Out of Range -> LIGHT, Fat Burn -> MODERATE, Cardio -> VIGOROUS, Peak ->
    PEAK; min = Fitbit min, max = next zone's min - 1, PEAK max = Fitbit max
    (30-94, 95-132, 133-161, 162-220 for 95/133/162).
  - zone "minutes" -> the time-in-heart-rate-zone dailyRollUp (and truth),
    minutes * 60 seconds, with the same zone mapping.  Nothing else: no
    time-in-zone points, steps, exercise, sleep or other types.

SYNTHETIC DATA (deterministic per seed and date, generated per day on
first use; a 365-day user costs nothing until asked)
  Resting HR drifts slowly (52-60 by seed, +-5); zones by Karvonen from
  HRmax = 220 - age: LIGHT/MODERATE/VIGOROUS/PEAK start at 30/40/60/85 % of
  the reserve, PEAK ends at 220.  Main sleep from 22:00-23:40 for 6.5-8.5 h
  in cycles of LIGHT/DEEP/LIGHT/REM with short wakes; 15 % of nights begin
  after midnight (and end by 08:55); 8 % are CLASSIC; 35 % have one
  out-of-bed segment of 2-6 min in a wake (a few steps); naps (CLASSIC,
  20-90 min between 13:00 and 18:00) on about 20 % of days.  Nights across
  a DST change keep each stage's own offset.  A workout (RUNNING, WALKING,
  BIKING, HIIT, WORKOUT) every 2-3 days between 09:00 and 20:15; 0-2
  off-wrist gaps a day (no samples, no steps).  Samples every 1-15 s
  (sleep 5-15 s, exercise 1-3 s).  Steps: one point per worn minute (zeros
  included).  A minute's zone: the highest zone whose min <= the minute's
  mean bpm (none below LIGHT).  Activity level of a worn minute: in a sleep
  session none (LIGHT when out of bed with steps); RUNNING/HIIT VIGOROUS;
  other workouts MODERATE; >= 90 steps MODERATE; >= 1 LIGHT; else
  SEDENTARY.  Distance = steps x stride (1.05 m running, 0.75 m walking,
  0.70 m otherwise); floors 0-1 a minute when stepping (mostly walking);
  calories per worn minute = BMR / 1440 (Mifflin-St Jeor, 172 cm), 92 % of
  it asleep, + 0.045 kcal per step, or the workout's kcal per minute.
  Weigh-ins on 60 % of mornings 10-45 min after waking, 20 % of them
  manual (no body fat); HRV, SpO2 and breathing follow the main sleep;
  VO2 max drifts with age and seed.  Exercise metricsSummary comes from the
  same samples and steps.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gh.common import (ALL_SCOPES, S_ACTIVITY, S_METRICS, S_PROFILE,  # noqa: E402,F401
                       S_SETTINGS, S_SLEEP)
from gh.dayfull import Day, minute_zone  # noqa: E402,F401
from gh.query import decode_token, encode_token, request_hash  # noqa: E402,F401
from gh.render import DS_LEGACY, DS_TRACKER, render_point  # noqa: E402,F401
from gh.server import Handler, Server  # noqa: E402
from gh.state import State  # noqa: E402
from gh.synth import Synthetic  # noqa: E402,F401
from gh.types import TYPES  # noqa: E402,F401
from gh.users import DEVICES, User  # noqa: E402,F401
from serving import arguments, read_config, serve  # noqa: E402

# What scripts importing this file use (bench/lib/gen_*.py).
__all__ = ["ALL_SCOPES", "S_ACTIVITY", "S_METRICS", "S_PROFILE", "S_SETTINGS", "S_SLEEP",
           "Day", "minute_zone", "decode_token", "encode_token", "request_hash",
           "DS_LEGACY", "DS_TRACKER", "render_point", "Handler", "Server", "State",
           "Synthetic", "TYPES", "DEVICES", "User", "main"]


def main(argv=None):
    ap = arguments("Fake Google Health API v4 server.")
    ap.add_argument("--user-rate", type=int, default=300,
                    help="API requests per minute per user (default 300)")
    args = ap.parse_args(argv)
    # files the configuration names are found beside it
    base_dir = os.path.dirname(os.path.abspath(args.config)) if args.config else os.getcwd()
    server = Server(("127.0.0.1", args.port), Handler)
    server.state = State(read_config(args.config), base_dir, args.user_rate)
    server.log_file = open(args.log, "a") if args.log else None
    return serve(server, args.port_file, args.pid_file)


if __name__ == "__main__":
    sys.exit(main())
