-- Importing the Fitbit files of vitals and body measurements: saved Web API
-- responses (HRV, SpO2, breathing rate, cardio score) and the account
-- export's files (weigh-ins and the CSV files of HRV, SpO2, breathing rate
-- and skin temperature).
\i sql/prelude.psql
\getenv fixtures TRACKER_FIXTURES
SELECT tracker.add_account('api files', 'America/New_York', 'fitbit_import');
SELECT tracker.add_account('export files', 'America/New_York', 'fitbit_import');

-- Saved Web API responses (account 1): every file is recognised by its
-- content; the times of the intraday files are local.
SELECT base(file), kind, status, days, samples, message
FROM tracker.import_fitbit_file(1, :'fixtures' || '/vitals/api');
SELECT measured_at, day, rmssd_ms FROM silver.hrv_sample WHERE account_id = 1 ORDER BY 1;
SELECT measured_at, day, percent FROM silver.spo2_sample WHERE account_id = 1 ORDER BY 1;
SELECT day, hrv_ms, hrv_deep_sleep_ms, spo2_avg, spo2_lower, spo2_upper, respiratory_rate,
       vo2_max, vo2_max_estimated, source
FROM silver.daily_vitals WHERE account_id = 1 ORDER BY day;
SELECT day, hrv_ms, hrv_samples, spo2_avg, spo2_min, spo2_samples, reported_hrv_ms,
       reported_spo2_avg, reported_respiratory_rate, reported_vo2_max
FROM tracker.vitals(account => 1, days => '[2021-10-01,2021-11-01)');

-- The account export (account 2): the files Tracker knows by their names,
-- anything else skipped with a row saying so.
SELECT base(file), kind, status, days, samples, message
FROM tracker.import_fitbit_file(2, :'fixtures' || '/vitals/export');
SELECT measured_at, day, weight_kg, manual, point_id FROM silver.weight WHERE account_id = 2 ORDER BY 1;
SELECT measured_at, day, percent, manual FROM silver.body_fat WHERE account_id = 2 ORDER BY 1;
SELECT count(*) AS hrv_samples, min(measured_at), max(measured_at) FROM silver.hrv_sample WHERE account_id = 2;
SELECT measured_at, day, percent FROM silver.spo2_sample WHERE account_id = 2 ORDER BY 1;
SELECT day, hrv_ms, hrv_entropy, non_rem_hr, spo2_avg, spo2_lower, respiratory_rate,
       skin_temp_nightly_c, round(skin_temp_baseline_c::numeric, 2) AS skin_temp_baseline_c
FROM silver.daily_vitals WHERE account_id = 2 ORDER BY day;
SELECT day, hrv_ms, hrv_samples, spo2_avg, spo2_min, spo2_samples,
       round(skin_temp_variation_c::numeric, 2) AS skin_temp_variation_c, respiratory_rate
FROM tracker.vitals(account => 2, days => '(,)');
SELECT * FROM tracker.body(account => 2, days => '(,)');

-- Importing the directory again changes nothing.
CREATE TEMP TABLE snap AS
SELECT 'w' || w::text AS r FROM silver.weight w UNION ALL
SELECT 'd' || d::text FROM silver.daily_vitals d UNION ALL
SELECT 'g' || g::text FROM gold.daily_vitals g;
SELECT base(file), status FROM tracker.import_fitbit_file(2, :'fixtures' || '/vitals/export');
SELECT count(*) AS changed FROM (
    SELECT 'w' || w::text AS r FROM silver.weight w UNION ALL
    SELECT 'd' || d::text FROM silver.daily_vitals d UNION ALL
    SELECT 'g' || g::text FROM gold.daily_vitals g
    EXCEPT SELECT r FROM snap) c;

-- A value out of range rejects its file, which is kept in bronze as such,
-- and writes nothing of it.
SELECT base(file), kind, status, message
FROM tracker.import_fitbit_file(2, :'fixtures' || '/vitals/bad');
SELECT kind, status, reason FROM bronze.payload WHERE account_id = 2 AND status = 'rejected';
SELECT count(*) FROM silver.spo2_sample WHERE account_id = 2 AND day = '2021-10-26';
SELECT * FROM try($$SELECT * FROM tracker.import_fitbit_file(2, '$$ || :'fixtures' ||
                  $$/vitals/bad/Minute SpO2 - 2021-10-26.csv')$$);

-- The same files sent by the client as JSON.
SELECT kind, status, days, samples
FROM tracker.import_fitbit_json(1, '{"br": [{"value": {"breathingRate": 16.1}, "dateTime": "2021-10-27"}]}');
SELECT * FROM try($$SELECT * FROM tracker.import_fitbit_json(1, '{"hrv": [{"value": {"dailyRmssd": "forty"}, "dateTime": "2021-10-27"}]}')$$);
SELECT * FROM try($$SELECT * FROM tracker.import_fitbit_json(1, '{"cardioScore": [{"value": {"vo2Max": "43 to 47"}, "dateTime": "2021-10-27"}]}')$$);
