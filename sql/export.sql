-- Export: tracker.export(account, days, directory) writes an account's
-- silver and gold rows of some days as CSV files on the server, a file per
-- table, heart rate as a row per sample; only roles that may write server
-- files can call it, and the dashboard's role never.
\i sql/prelude.psql

-- Two accounts of files (no worker syncs them).  The first has heart rate
-- on three days, the provider's figures, an exercise, a sleep, steps and
-- listens (names with commas, quotes and a line break); the second has a
-- day of its own that must not reach the first one's files.
SELECT tracker.add_account('exported', 'Europe/Berlin', 'fitbit_import', birth_date => '1985-06-01') AS acc \gset
SELECT tracker.add_account('other', 'UTC', 'fitbit_import') AS other \gset
SELECT tracker.store_heart_rate(:acc, array_agg(t ORDER BY t),
       array_agg((60 + extract(minute FROM t)::int % 40)::smallint ORDER BY t))
FROM generate_series('2026-03-01 06:00+00'::timestamptz, '2026-03-03 15:59+00', '1 minute') t
WHERE extract(hour FROM t) BETWEEN 6 AND 15;
SELECT tracker.store_heart_rate(:other, ARRAY['2026-03-02 10:00+00'::timestamptz], ARRAY[70::smallint]);
INSERT INTO silver.daily_reported (account_id, day, resting_hr, source)
VALUES (:acc, '2026-03-01', 58.5, 'fitbit_file'), (:acc, '2026-03-02', 57, 'fitbit_file');
INSERT INTO silver.exercise (account_id, exercise_id, exercise_type, display_name, start_at, end_at, day,
                             distance_m, avg_heart_rate)
VALUES (:acc, 'run-1', 'RUNNING', 'Morning run, "easy"', '2026-03-02 07:00+00', '2026-03-02 07:45+00',
        '2026-03-02', 8042.5, 141);
INSERT INTO silver.sleep (account_id, sleep_id, sleep_type, start_at, end_at, day, minutes_asleep, stages,
                          updated_at)
VALUES (:acc, 'night-1', 'stages', '2026-03-01 22:10+00', '2026-03-02 05:40+00', '2026-03-02', 410,
        '{"DEEP": 80, "LIGHT": 230, "REM": 100}', '2026-03-02 06:00+00');
INSERT INTO silver.steps (account_id, start_at, end_at, day, steps)
SELECT :acc, t, t + interval '1 minute', (t AT TIME ZONE 'Europe/Berlin')::date, 90
FROM generate_series('2026-03-02 07:00+00'::timestamptz, '2026-03-02 07:29+00', '1 minute') t;
INSERT INTO silver.listen (account_id, played_at, track, artist, album, day, artist_mbids, source, updated_at)
VALUES (:acc, '2026-03-02 18:00+00', 'Song, with a comma', 'Band "Quoted"', NULL, '2026-03-02',
        '{6d8a4f9e-0c6b-4a0a-9a56-6f8b1b9f4c11}', 'lastfm', '2026-03-03 00:00+00'),
       (:acc, '2026-03-02 18:04+00', E'Two\nlines', 'Band "Quoted"', 'Album', '2026-03-02', NULL, 'lastfm',
        '2026-03-03 00:00+00'),
       (:acc, '2026-03-05 18:00+00', 'Later', 'Someone', NULL, '2026-03-05', NULL, 'lastfm', '2026-03-06 00:00+00');
SELECT tracker.recompute_listening(:acc);

-- A session in another zone and another date style: the files are the same.
SET timezone TO 'America/New_York';
SET datestyle TO 'SQL, DMY';
SELECT current_setting('data_directory') AS dir \gset

-- Days 1 and 2 of March: a file per table, with its rows.
SELECT base(path) AS file, rows, path = :'dir' || '/' || base(path) AS in_directory
FROM tracker.export(account => :acc, days => '[2026-03-01,2026-03-02]', directory => :'dir' || '/');

-- Each file: a header line, then its rows (no value here holds a line
-- break but the one track).
SELECT f AS file, split_part(pg_read_file(:'dir' || '/' || f), E'\n', 1) AS header,
       array_length(regexp_split_to_array(rtrim(pg_read_file(:'dir' || '/' || f), E'\n'), E'\n'), 1) - 1 AS lines
FROM unnest(ARRAY['silver.heart_rate.csv', 'silver.daily_reported.csv', 'silver.exercise.csv',
                  'silver.sleep.csv', 'silver.steps.csv', 'silver.listen.csv', 'gold.daily.csv',
                  'gold.listening_daily.csv']) f;

-- The row counts are those of SQL: every sample of the two days, a
-- gold row per day.
SELECT (SELECT count(*) FROM tracker.heart_rate(:acc, '2026-03-01')) +
       (SELECT count(*) FROM tracker.heart_rate(:acc, '2026-03-02')) AS samples_in_sql,
       (SELECT count(*) FROM tracker.daily(:acc, '[2026-03-01,2026-03-02]')) AS days_in_sql;

-- Read back, the files hold exactly the rows SQL answers: heart rate as
-- (ts, bpm) per sample, and the figures of gold.daily.
CREATE TEMP TABLE hr (account_id integer, day date, ts timestamptz, bpm smallint);
SELECT format('COPY hr FROM %L WITH (FORMAT csv, HEADER true)', :'dir' || '/silver.heart_rate.csv') AS copy_hr \gset
:copy_hr;
SELECT count(*) AS rows_read,
       count(*) FILTER (WHERE account_id <> :acc) AS other_accounts,
       min(day) AS first_day, max(day) AS last_day
FROM hr;
SELECT count(*) AS differing_samples FROM (
    (SELECT ts, bpm FROM hr
     EXCEPT ALL
     SELECT s.ts, s.bpm FROM generate_series('2026-03-01'::date, '2026-03-02', '1 day') d,
                            tracker.heart_rate(:acc, d::date) s)
    UNION ALL
    (SELECT s.ts, s.bpm FROM generate_series('2026-03-01'::date, '2026-03-02', '1 day') d,
                            tracker.heart_rate(:acc, d::date) s
     EXCEPT ALL
     SELECT ts, bpm FROM hr)) x;
CREATE TEMP TABLE gd (LIKE gold.daily);
SELECT format('COPY gd FROM %L WITH (FORMAT csv, HEADER true)', :'dir' || '/gold.daily.csv') AS copy_gd \gset
:copy_gd;
SELECT count(*) AS differing_days FROM (
    (SELECT * FROM gd EXCEPT ALL
     SELECT * FROM gold.daily WHERE account_id = :acc AND day <= '2026-03-02')
    UNION ALL
    (SELECT * FROM gold.daily WHERE account_id = :acc AND day <= '2026-03-02'
     EXCEPT ALL SELECT * FROM gd)) x;

-- Times are written in UTC and dates as ISO, whatever the session says;
-- quotes, commas, line breaks, arrays and JSON as CSV quotes them.
SELECT split_part(pg_read_file(:'dir' || '/silver.heart_rate.csv'), E'\n', 2) AS first_sample;
SELECT pg_read_file(:'dir' || '/silver.listen.csv') AS listens;
SELECT split_part(pg_read_file(:'dir' || '/silver.sleep.csv'), E'\n', 2) AS sleep;
CREATE TEMP TABLE ls (LIKE silver.listen);
ALTER TABLE ls DROP COLUMN listen_key;
SELECT format('COPY ls FROM %L WITH (FORMAT csv, HEADER true)', :'dir' || '/silver.listen.csv') AS copy_ls \gset
:copy_ls;
SELECT count(*) AS listens_differing FROM (
    SELECT played_at, track, artist, album, artist_mbids FROM ls
    EXCEPT SELECT played_at, track, artist, album, artist_mbids FROM silver.listen
    WHERE account_id = :acc) x;

-- Every day: daterange(NULL, NULL).
SELECT base(path) AS file, rows
FROM tracker.export(:acc, daterange(NULL, NULL), :'dir')
WHERE base(path) IN ('silver.heart_rate.csv', 'silver.listen.csv', 'gold.daily.csv');

SET timezone TO 'UTC';
SET datestyle TO 'ISO, YMD';

-- The dashboard's Day view downloads a day's samples as CSV through
-- api.heart_rate, which its role may run: the same samples as
-- tracker.heart_rate, in time order.
SET ROLE tracker_web;
SELECT count(*) AS samples, min(ts) AS first_sample, max(ts) AS last_sample
FROM api.heart_rate(account => :acc, day => '2026-03-02');
RESET ROLE;
SELECT count(*) AS differing_samples FROM (
    SELECT * FROM api.heart_rate(:acc, '2026-03-02')
    EXCEPT ALL SELECT * FROM tracker.heart_rate(:acc, '2026-03-02')) x;
SELECT count(*) AS samples FROM api.heart_rate(:other, '2026-03-01');

-- Bad arguments get clear errors, and write nothing.
\x on
SELECT * FROM try(format('SELECT * FROM tracker.export(NULL, NULL, %L)', :'dir'));
SELECT * FROM try(format('SELECT * FROM tracker.export(%s, ''[2026-03-01,2026-03-02]'', %L)', :acc, 'relative/dir'));
SELECT * FROM try(format('SELECT * FROM tracker.export(2147483647, ''[2026-03-01,2026-03-02]'', %L)', :'dir'));
SELECT * FROM try(format('SELECT * FROM tracker.export(%s, ''[2026-03-01,2026-03-02]'', %L)', :acc, '/nonexistent/tracker-export'));
\x off

-- Privileges.  The function runs as its caller, is not executable by
-- PUBLIC, and the dashboard's role can reach neither it nor its schema.
SELECT p.prosecdef AS security_definer, array_to_string(p.proconfig, ' ') AS settings,
       has_function_privilege('tracker_web', p.oid, 'EXECUTE') AS tracker_web_may_execute,
       (SELECT count(*) FROM aclexplode(p.proacl) a WHERE a.grantee = 0) AS granted_to_public
FROM pg_proc p WHERE p.oid = 'tracker.export(integer, daterange, text)'::regprocedure;
SET ROLE tracker_web;
SELECT code, message FROM try(format('SELECT * FROM tracker.export(%s, ''[2026-03-01,2026-03-02]'', %L)', :acc, :'dir'));
RESET ROLE;

-- A role granted the function and the tables, but not the writing of
-- server files, is refused clearly before anything is written ...
CREATE ROLE export_reader;
GRANT USAGE ON SCHEMA tracker, silver, gold TO export_reader;
GRANT SELECT ON tracker.account, silver.heart_rate_day, silver.daily_reported, silver.exercise,
    silver.sleep, silver.steps, silver.listen, gold.daily, gold.listening_daily TO export_reader;
GRANT EXECUTE ON FUNCTION tracker.export(integer, daterange, text), tracker.series_unnest(bytea) TO export_reader;
SELECT (pg_stat_file(:'dir' || '/gold.daily.csv')).modification AS before_refusal \gset
SET ROLE export_reader;
\x on
SELECT * FROM try(format('SELECT * FROM tracker.export(%s, ''[2026-03-01,2026-03-02]'', %L)', :acc, :'dir'));
\x off
RESET ROLE;
SELECT (pg_stat_file(:'dir' || '/gold.daily.csv')).modification = :'before_refusal' AS file_untouched;

-- ... and exports once it has the privileges of pg_write_server_files.
GRANT pg_write_server_files TO export_reader;
SET ROLE export_reader;
SELECT base(path) AS file, rows
FROM tracker.export(:acc, '[2026-03-02,2026-03-02]', :'dir')
WHERE base(path) IN ('silver.heart_rate.csv', 'gold.daily.csv');
RESET ROLE;

DROP OWNED BY export_reader;
DROP ROLE export_reader;
