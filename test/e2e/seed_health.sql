-- Sleep, vitals and body for the browser tests of the Sleep, Vitals and Body
-- views: an account of Fitbit files ("e2e-health", Europe/Berlin) with 60
-- days of known figures, written straight into silver and gold as the
-- imports and the recomputation would.  No sync touches the account, so
-- what the views show is exactly this.  Its last day is two days ago (UTC).
--   nights: every day, bedtime around 23:00 local, with stage intervals;
--           every 10th night (d % 10 = 3) only its source's summary;
--           a nap every 7th day
--   vitals: HRV, SpO2, breathing rate and skin temperature in
--           gold.daily_vitals, with outliers on days 40, 52 and 55; the skin
--           temperature of the last three days only as the provider's
--           (silver.daily_vitals); resting heart rate in gold.daily
--   body:   a weighing on every other day, body fat on every third
\set ON_ERROR_STOP on
SELECT tracker.add_account('e2e-health', 'Europe/Berlin', 'fitbit_import') AS account \gset

CREATE TEMP TABLE night AS
SELECT d, (current_date - 62 + d) AS day,
       -- bedtime: 22:20 to 00:05 local on the evening before the day
       ((current_date - 62 + d - 1)::timestamp + interval '22 hours 20 minutes'
        + ((d * 37) % 105) * interval '1 minute') AT TIME ZONE 'Europe/Berlin' AS start_at
FROM generate_series(1, 60) d;

-- A night's stages, in order, with their minutes.
CREATE TEMP TABLE night_stage AS
SELECT n.d, n.day, n.start_at, t.seq, t.stage, t.minutes,
       n.start_at + (sum(t.minutes) OVER (PARTITION BY n.d ORDER BY t.seq) - t.minutes) * interval '1 minute' AS s_at,
       n.start_at + sum(t.minutes) OVER (PARTITION BY n.d ORDER BY t.seq) * interval '1 minute' AS e_at
FROM night n, LATERAL (VALUES
  (1, 'LIGHT', 12 + n.d % 9), (2, 'DEEP', 45 + (n.d * 7) % 25), (3, 'LIGHT', 55), (4, 'REM', 20 + n.d % 11),
  (5, 'AWAKE', 3 + n.d % 4), (6, 'LIGHT', 50 + (n.d * 3) % 20), (7, 'DEEP', 25 + n.d % 15), (8, 'LIGHT', 45),
  (9, 'REM', 30 + (n.d * 5) % 14), (10, 'AWAKE', 2 + (n.d * 3) % 7), (11, 'LIGHT', 40 + (n.d * 11) % 35),
  (12, 'REM', 25 + n.d % 20), (13, 'AWAKE', 4)) t(seq, stage, minutes);

INSERT INTO silver.sleep (account_id, sleep_id, sleep_type, start_at, end_at, day, nap, minutes_asleep,
                          minutes_awake, minutes_in_period, stages)
SELECT :account, 'night-' || d, 'stages', min(s_at), max(e_at), day, false,
       sum(minutes) FILTER (WHERE stage <> 'AWAKE'), sum(minutes) FILTER (WHERE stage = 'AWAKE'), sum(minutes),
       jsonb_build_object('DEEP', sum(minutes) FILTER (WHERE stage = 'DEEP'),
                          'LIGHT', sum(minutes) FILTER (WHERE stage = 'LIGHT'),
                          'REM', sum(minutes) FILTER (WHERE stage = 'REM'),
                          'AWAKE', sum(minutes) FILTER (WHERE stage = 'AWAKE'))
FROM night_stage GROUP BY d, day;
INSERT INTO silver.sleep_stage (account_id, sleep_id, start_at, end_at, stage)
SELECT :account, 'night-' || d, s_at, e_at, stage FROM night_stage WHERE d % 10 <> 3;
INSERT INTO silver.sleep (account_id, sleep_id, sleep_type, start_at, end_at, day, nap, minutes_asleep,
                          minutes_awake, minutes_in_period, stages)
SELECT :account, 'nap-' || d, 'classic', (day + time '14:10') AT TIME ZONE 'Europe/Berlin',
       (day + time '14:40') AT TIME ZONE 'Europe/Berlin', day, true, 26, 4, 30, '{"ASLEEP": 26, "AWAKE": 4}'
FROM night WHERE d % 7 = 0;

INSERT INTO gold.daily_vitals (account_id, day, hrv_ms, hrv_samples, spo2_avg, spo2_min, spo2_samples,
                               respiratory_rate, skin_temp_variation_c, weight_kg, body_fat_pct)
SELECT :account, day,
       CASE d WHEN 40 THEN 71.5 WHEN 52 THEN 24.8 ELSE round((46 + 5 * sin(d / 5.0) + (d * 7 % 5) - 2)::numeric, 1) END,
       60,
       CASE WHEN d % 9 = 4 THEN NULL ELSE round((96 + sin(d / 3.0) + (d % 3) * 0.3)::numeric, 1) END,
       CASE WHEN d % 9 = 4 THEN NULL ELSE 91 + d % 4 END, CASE WHEN d % 9 = 4 THEN 0 ELSE 400 END,
       CASE d WHEN 55 THEN 18.6 ELSE round((14.5 + 0.5 * sin(d / 7.0) + (d % 4) * 0.1)::numeric, 1) END,
       CASE WHEN d > 57 THEN NULL WHEN d = 55 THEN 1.45 ELSE round((0.25 * sin(d / 4.0) + (d % 5 - 2) * 0.04)::numeric, 2) END,
       CASE WHEN d % 2 = 0 THEN round((82.4 - d * 0.035 + 0.3 * sin(d))::numeric, 1) END,
       CASE WHEN d % 3 = 0 THEN round((22.8 - d * 0.01 + 0.2 * cos(d))::numeric, 1) END
FROM night;
INSERT INTO silver.daily_vitals (account_id, day, skin_temp_nightly_c, skin_temp_baseline_c, source)
SELECT :account, day, 33.9 + (d - 58) * 0.2, 33.9, 'fitbit_import' FROM night WHERE d > 57;
INSERT INTO silver.weight (account_id, measured_at, day, weight_kg)
SELECT :account, (day + time '07:05') AT TIME ZONE 'Europe/Berlin', day, weight_kg
FROM gold.daily_vitals WHERE account_id = :account AND weight_kg IS NOT NULL;
INSERT INTO silver.body_fat (account_id, measured_at, day, percent)
SELECT :account, (day + time '07:05') AT TIME ZONE 'Europe/Berlin', day, body_fat_pct
FROM gold.daily_vitals WHERE account_id = :account AND body_fat_pct IS NOT NULL;

-- Resting heart rate (and so the account's latest day) in gold.daily.
INSERT INTO gold.daily (account_id, day, samples, wear_minutes, resting_hr, algorithm_version)
SELECT :account, day, 1300, 1250, CASE d WHEN 55 THEN 68 ELSE 57 + round(2.5 * sin(d / 6.0))::int + d % 3 END, 1
FROM night;

SELECT format('e2e-health: %s nights (%s with stages), %s vitals days, %s weighings', 
       (SELECT count(*) FROM silver.sleep WHERE account_id = :account AND NOT nap),
       (SELECT count(DISTINCT sleep_id) FROM silver.sleep_stage WHERE account_id = :account),
       (SELECT count(*) FROM gold.daily_vitals WHERE account_id = :account),
       (SELECT count(*) FROM silver.weight WHERE account_id = :account));
