-- Daily figures from samples written through tracker.store_heart_rate().
\i sql/prelude.psql
-- Account 1 is in UTC and was born on 1987-01-01: on 2024-01-10 it is 37,
-- so its zones are [30,91) [91,128) [128,155) [155,220).  Account 2 is in
-- Europe/Berlin.
SELECT tracker.add_account(name => 'synthetic', time_zone => 'UTC',
                           provider => 'fitbit_import', birth_date => '1987-01-01');
SELECT tracker.add_account(name => 'berlin', time_zone => 'Europe/Berlin',
                           provider => 'fitbit_import', birth_date => '1990-06-15');

-- Per clock minute: mean of the samples, rounded half up, binned with
-- min <= v < max.
SELECT tracker.store_heart_rate(1, array_agg(ts ORDER BY ts), array_agg(bpm ORDER BY ts)::smallint[])
FROM (VALUES ('2024-01-10 00:00:10+00'::timestamptz, 90::smallint),
             ('2024-01-10 00:00:40+00', 91),   -- minute 0: mean 90.5 -> 91, fat burn
             ('2024-01-10 00:01:00+00', 90),   -- minute 1: 90, out of range
             ('2024-01-10 00:02:30+00', 128),  -- minute 2: 128, cardio
             ('2024-01-10 00:03:01+00', 127),
             ('2024-01-10 00:03:59+00', 128),  -- minute 3: 127.5 -> 128, cardio
             ('2024-01-10 00:04:00+00', 155),  -- minute 4: 155, peak
             ('2024-01-10 00:05:00+00', 29)    -- minute 5: 29, in no zone
     ) AS v(ts, bpm);
SELECT day, samples, wear_minutes, zone1_minutes, zone2_minutes,
       zone3_minutes, zone4_minutes, zone_source, zone_bounds, algorithm_version
FROM gold.daily WHERE account_id = 1 ORDER BY day;

-- Six minutes are too few for a resting heart rate (a day needs 480 worn
-- minutes); six hundred more minutes at 60 bpm make one of 60.
SELECT day, wear_minutes, resting_hr, round(resting_hr_raw::numeric, 2) AS raw
FROM gold.daily WHERE account_id = 1 ORDER BY day;
SELECT tracker.store_heart_rate(1, array_agg(ts), array_agg(60::smallint))
FROM generate_series('2024-01-10 00:10:00+00'::timestamptz, '2024-01-10 10:09:00+00', '1 minute') ts;
-- Next days: 50 bpm, then 70 bpm; the figure is smoothed across days.
SELECT tracker.store_heart_rate(1, array_agg(ts), array_agg(50::smallint))
FROM generate_series('2024-01-11 00:00:00+00'::timestamptz, '2024-01-11 09:59:00+00', '1 minute') ts;
SELECT tracker.store_heart_rate(1, array_agg(ts), array_agg(70::smallint))
FROM generate_series('2024-01-12 00:00:00+00'::timestamptz, '2024-01-12 09:59:00+00', '1 minute') ts;
SELECT day, samples, wear_minutes, zone1_minutes, zone2_minutes,
       zone3_minutes, zone4_minutes, resting_hr, round(resting_hr_raw::numeric, 2) AS raw
FROM gold.daily WHERE account_id = 1 ORDER BY day;

-- Late samples for 2024-01-11 change that day and, through the smoothing,
-- the next one; nothing is duplicated.
SELECT tracker.store_heart_rate(1, array_agg(ts), array_agg(40::smallint))
FROM generate_series('2024-01-11 10:00:00+00'::timestamptz, '2024-01-11 16:39:00+00', '1 minute') ts;
SELECT tracker.store_heart_rate(1, array_agg(ts), array_agg(50::smallint))
FROM generate_series('2024-01-11 00:00:00+00'::timestamptz, '2024-01-11 09:59:00+00', '1 minute') ts;
SELECT day, samples, wear_minutes, resting_hr, round(resting_hr_raw::numeric, 2) AS raw
FROM gold.daily WHERE account_id = 1 ORDER BY day;
SELECT day, samples FROM silver.heart_rate_day WHERE account_id = 1 ORDER BY day;

-- A day worn only for a 30-minute workout keeps its own estimate but gets no
-- resting heart rate, and the next day is smoothed from the day before it.
SELECT tracker.store_heart_rate(1, array_agg(ts), array_agg(150::smallint))
FROM generate_series('2024-01-13 17:00:00+00'::timestamptz, '2024-01-13 17:29:00+00', '1 minute') ts;
SELECT tracker.store_heart_rate(1, array_agg(ts), array_agg(60::smallint))
FROM generate_series('2024-01-14 00:00:00+00'::timestamptz, '2024-01-14 09:59:00+00', '1 minute') ts;
SELECT day, wear_minutes, resting_hr, round(resting_hr_raw::numeric, 2) AS raw,
       round(resting_hr_state::numeric, 2) AS state
FROM gold.daily WHERE account_id = 1 AND day >= '2024-01-12' ORDER BY day;
-- Eight hours of wear are enough: the same day worn from 16:00 counts.
SELECT tracker.store_heart_rate(1, array_agg(ts), array_agg(62::smallint))
FROM generate_series('2024-01-13 16:00:00+00'::timestamptz, '2024-01-13 23:59:00+00', '1 minute') ts;
SELECT day, wear_minutes, resting_hr, round(resting_hr_raw::numeric, 2) AS raw,
       round(resting_hr_state::numeric, 2) AS state
FROM gold.daily WHERE account_id = 1 AND day >= '2024-01-12' ORDER BY day;

-- A later sample at the same second replaces the earlier one.
SELECT tracker.store_heart_rate(1, ARRAY['2024-01-10 00:01:00+00']::timestamptz[], ARRAY[100]::smallint[]);
SELECT ts, bpm FROM silver.heart_rate
WHERE account_id = 1 AND ts < '2024-01-10 00:02:00+00' ORDER BY ts;
SELECT zone1_minutes, zone2_minutes FROM gold.daily
WHERE account_id = 1 AND day = '2024-01-10';

-- Account 2 is in Europe/Berlin, where 2024-03-31 has 23 hours.  One sample
-- a minute for two days: the local days hold 660, 1380 and 841 minutes.
SELECT tracker.store_heart_rate(2, array_agg(ts), array_agg(65::smallint))
FROM generate_series('2024-03-30 12:00:00+00'::timestamptz, '2024-04-01 12:00:00+00', '1 minute') ts;
SELECT day, samples, wear_minutes, zone1_minutes, zone_source, zone_bounds
FROM gold.daily WHERE account_id = 2 ORDER BY day;
SELECT d.day, h.first_at AT TIME ZONE 'Europe/Berlin' AS first_local,
       h.last_at AT TIME ZONE 'Europe/Berlin' AS last_local
FROM gold.daily d JOIN silver.heart_rate_day h USING (account_id, day)
WHERE account_id = 2 ORDER BY day;
SELECT count(*) AS samples FROM silver.heart_rate WHERE account_id = 2;

-- Recomputing from silver gives the same figures.
CREATE TEMP TABLE before AS SELECT * FROM gold.daily;
SELECT tracker.recompute(1);
SELECT tracker.recompute(2, '[2024-03-31,2024-04-01)');
SELECT count(*) AS changed FROM (
    SELECT account_id, day, samples, wear_minutes, zone1_minutes, zone2_minutes,
           zone3_minutes, zone4_minutes, resting_hr, resting_hr_raw FROM before
    EXCEPT
    SELECT account_id, day, samples, wear_minutes, zone1_minutes, zone2_minutes,
           zone3_minutes, zone4_minutes, resting_hr, resting_hr_raw FROM gold.daily) c;

-- Bad input.
\x on
SELECT * FROM try($$SELECT tracker.store_heart_rate(99, ARRAY[now()], ARRAY[60::smallint])$$);
SELECT * FROM try($$SELECT tracker.store_heart_rate(NULL, ARRAY[now()], ARRAY[60::smallint])$$);
SELECT * FROM try($$SELECT tracker.store_heart_rate(1, ARRAY[now()], ARRAY[19::smallint])$$);
SELECT * FROM try($$SELECT tracker.recompute(99)$$);
\x off
