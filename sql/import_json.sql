-- Importing Fitbit documents given as jsonb.
\i sql/prelude.psql
-- Account 1 is in America/Edmonton.
SELECT tracker.add_account('json person', 'America/Edmonton', 'fitbit_import');

-- A Web API day response: zones inside "value", 1-second intraday data.
CREATE TEMP TABLE day_doc AS SELECT $${
  "activities-heart": [{"dateTime": "2017-05-01", "value": {
     "customHeartRateZones": [], "restingHeartRate": 58,
     "heartRateZones": [
       {"name": "Out of Range", "min": 30, "max": 95, "minutes": 2, "caloriesOut": 1.5},
       {"name": "Fat Burn", "min": 95, "max": 133, "minutes": 1, "caloriesOut": 1.5},
       {"name": "Cardio", "min": 133, "max": 162, "minutes": 0, "caloriesOut": 0},
       {"name": "Peak", "min": 162, "max": 220, "minutes": 0, "caloriesOut": 0}]}}],
  "activities-heart-intraday": {"datasetInterval": 1, "datasetType": "second",
     "dataset": [{"time": "00:00:01", "value": 56}, {"time": "00:00:16", "value": 57},
                 {"time": "00:01:01", "value": 100}, {"time": "00:01:31", "value": 94},
                 {"time": "07:30:00", "value": 60}]}}$$::jsonb AS doc;
SELECT i.* FROM day_doc, tracker.import_fitbit_json(1, doc) i;
SELECT day, samples, wear_minutes, zone1_minutes, zone2_minutes,
       zone3_minutes, zone4_minutes, zone_source, zone_bounds
FROM gold.daily WHERE account_id = 1;
SELECT ts, bpm FROM silver.heart_rate WHERE account_id = 1 ORDER BY ts;
SELECT day, resting_hr, zone1_min, zone2_min, zone3_min, zone4_min, zone4_max,
       zone1_minutes, zone2_minutes, zone3_minutes, zone4_minutes, source
FROM silver.daily_reported WHERE account_id = 1;

-- The same document again is stored once.
SELECT status, message ~ 'already held' AS already_held
FROM day_doc, tracker.import_fitbit_json(1, doc);
SELECT count(*) AS payloads FROM bronze.payload WHERE account_id = 1;

-- The older form: zones beside dateTime, "value" a string.
SELECT kind, status, days, samples FROM tracker.import_fitbit_json(1, $${
  "activities-heart": [{"dateTime": "2017-05-02", "value": "55.44",
     "customHeartRateZones": [],
     "heartRateZones": [
       {"name": "Out of Range", "min": 30, "max": 92, "minutes": 1387},
       {"name": "Fat Burn", "min": 92, "max": 128, "minutes": 19},
       {"name": "Cardio", "min": 128, "max": 156, "minutes": 3},
       {"name": "Peak", "min": 156, "max": 220, "minutes": 0}]}],
  "activities-heart-intraday": {"datasetInterval": 1, "datasetType": "minute",
     "dataset": [{"time": "08:00:00", "value": 92}, {"time": "08:01:00", "value": 91}]}}$$);

-- A summary of several days, no intraday data: only reported figures.
SELECT kind, status, days, samples FROM tracker.import_fitbit_json(1, $${
  "activities-heart": [
    {"dateTime": "2017-05-03", "value": {"customHeartRateZones": [], "restingHeartRate": 57,
      "heartRateZones": [{"name": "Out of Range", "min": 30, "max": 95, "minutes": 1300},
        {"name": "Fat Burn", "min": 95, "max": 133, "minutes": 40},
        {"name": "Cardio", "min": 133, "max": 162, "minutes": 5},
        {"name": "Peak", "min": 162, "max": 220, "minutes": 0}]}},
    {"dateTime": "2017-05-04", "value": {"customHeartRateZones": [],
      "heartRateZones": [{"name": "Out of Range", "min": 30, "max": 95, "minutes": 1290},
        {"name": "Fat Burn", "min": 95, "max": 133, "minutes": 42},
        {"name": "Cardio", "min": 133, "max": 162, "minutes": 6},
        {"name": "Peak", "min": 162, "max": 220, "minutes": 1}]}}]}$$);
SELECT day, samples, resting_hr, reported_resting_hr, reported_zone1_minutes,
       reported_zone4_minutes
FROM tracker.daily(1, '[2017-05-01,2017-05-05)');

-- Bad documents: a clear error naming the field, nothing half-written,
-- and the document kept in bronze as rejected.
CREATE TEMP TABLE counts_before AS
SELECT (SELECT count(*) FROM silver.heart_rate_day) AS days,
       (SELECT count(*) FROM silver.daily_reported) AS reported,
       (SELECT count(*) FROM gold.daily) AS gold;
\x on
SELECT * FROM try($$SELECT tracker.import_fitbit_json(1, '{"activities-heart": [{"dateTime": "2017-05-09", "value": {"heartRateZones": []}}], "activities-heart-intraday": {"dataset": [{"time": "00:00:01", "value": 300}]}}')$$);
SELECT * FROM try($$SELECT tracker.import_fitbit_json(1, '{"activities-heart": [{"dateTime": "2017-05-09", "value": {"heartRateZones": [{"name": "Out of Range", "min": 30, "max": 95, "minutes": 1}, {"name": "Fat Burn", "min": 95, "max": 133, "minutes": 1}, {"name": "Cardio", "min": 133, "max": 162, "minutes": 0}, {"name": "Peak", "min": 162, "max": 220, "minutes": 0}]}}], "activities-heart-intraday": {"dataset": [{"time": "00:00:01", "value": 60}, {"time": "00:00:02", "value": "61"}]}}')$$);
SELECT * FROM try($$SELECT tracker.import_fitbit_json(1, '{"activities-heart": [{"dateTime": "2017-05-09", "value": {"heartRateZones": [{"name": "Out of Range", "min": 30, "max": 95, "minutes": 1}, {"name": "Fat Burn", "min": 95, "max": 133, "minutes": 1}, {"name": "Cardio", "min": 133, "max": 162, "minutes": 0}, {"name": "Peak", "min": 162, "max": 220, "minutes": 0}]}}], "activities-heart-intraday": {"dataset": [{"time": "25:00:01", "value": 60}]}}')$$);
SELECT * FROM try($$SELECT tracker.import_fitbit_json(1, '{"activities-heart": [{"dateTime": "2017-02-30", "value": {}}]}')$$);
SELECT * FROM try($$SELECT tracker.import_fitbit_json(1, '{"sleep": []}')$$);
SELECT * FROM try($$SELECT tracker.import_fitbit_json(1, '[1, 2, 3]')$$);
SELECT * FROM try($$SELECT tracker.import_fitbit_json(99, '{"activities-heart": []}')$$);
SELECT * FROM try($$SELECT tracker.import_fitbit_json(1, NULL)$$);
\x off
SELECT (SELECT count(*) FROM silver.heart_rate_day) AS days,
       (SELECT count(*) FROM silver.daily_reported) AS reported,
       (SELECT count(*) FROM gold.daily) AS gold
FROM counts_before
EXCEPT SELECT * FROM counts_before;
SELECT payload_id, source, kind, status, reason, byte_size = octet_length(body) AS size_ok
FROM bronze.payload WHERE account_id = 1 ORDER BY payload_id;

-- A rejected payload is kept even when the caller's transaction rolls back.
BEGIN;
SELECT * FROM try($$SELECT tracker.import_fitbit_json(1, '{"activities-heart": [{"dateTime": "2017-05-10", "value": {"restingHeartRate": 500}}]}')$$);
ROLLBACK;
SELECT status, reason FROM bronze.payload WHERE account_id = 1 AND status = 'rejected'
ORDER BY payload_id DESC LIMIT 1;
