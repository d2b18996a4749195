-- The api schema is what PostgREST serves to the dashboard, as its anonymous
-- role tracker_web.  tracker_web may run every api function and nothing
-- else: no table, no bronze payload, no credential, no tracker function.
\i sql/prelude.psql

-- Some data: an account with two days of eight hours of 1-minute samples
-- (eight hours: enough for a resting heart rate).
SELECT tracker.add_account('web', 'Europe/Berlin', 'fitbit_import', birth_date => '1990-01-01') AS account \gset
SELECT tracker.store_heart_rate(:account, array_agg(t ORDER BY t),
       array_agg((CASE WHEN extract(minute FROM t)::int % 30 < 20 THEN 62 ELSE 150 END)::smallint ORDER BY t))
FROM generate_series('2026-03-02 05:00+00'::timestamptz, '2026-03-03 12:59+00', '1 minute') t
WHERE extract(hour FROM t) BETWEEN 5 AND 12;

-- Sleep, vitals and body, as the sync and the imports would write them.  A
-- night with its stage intervals (Berlin is UTC+1 in March), a night with
-- only the summary its source sent, a nap, a session recorded without
-- stages (asleep, restless, awake: no deep, light or REM minutes), and a
-- nap with stages but no REM and no waking (0 minutes of each).
INSERT INTO silver.sleep (account_id, sleep_id, start_at, end_at, day, nap, minutes_asleep,
                          minutes_awake, minutes_in_period, stages) VALUES
  (:account, 'n1', '2026-03-01 21:45+00', '2026-03-02 05:30+00', '2026-03-02', false, 455, 10, 465, NULL),
  (:account, 'nap', '2026-03-02 12:00+00', '2026-03-02 12:40+00', '2026-03-02', true, 35, 5, 40,
   '{"ASLEEP": 35, "AWAKE": 5}'),
  (:account, 'n2', '2026-03-02 23:15+00', '2026-03-03 06:45+00', '2026-03-03', false, 410, 30, 450,
   '{"DEEP": 70, "LIGHT": 250, "REM": 90, "AWAKE": 30}'),
  (:account, 'c1', '2026-03-03 22:00+00', '2026-03-03 23:15+00', '2026-03-04', false, 70, 5, 75, NULL),
  (:account, 'nap2', '2026-03-04 12:00+00', '2026-03-04 12:30+00', '2026-03-04', true, 30, 0, 30, NULL);
INSERT INTO silver.sleep_stage (account_id, sleep_id, start_at, end_at, stage) VALUES
  (:account, 'n1', '2026-03-01 21:45+00', '2026-03-01 22:00+00', 'LIGHT'),
  (:account, 'n1', '2026-03-01 22:00+00', '2026-03-01 23:10+00', 'DEEP'),
  (:account, 'n1', '2026-03-01 23:10+00', '2026-03-01 23:20+00', 'AWAKE'),
  (:account, 'n1', '2026-03-01 23:20+00', '2026-03-02 01:00+00', 'LIGHT'),
  (:account, 'n1', '2026-03-02 01:00+00', '2026-03-02 02:30+00', 'REM'),
  (:account, 'n1', '2026-03-02 02:30+00', '2026-03-02 05:30+00', 'LIGHT'),
  (:account, 'c1', '2026-03-03 22:00+00', '2026-03-03 23:00+00', 'ASLEEP'),
  (:account, 'c1', '2026-03-03 23:00+00', '2026-03-03 23:10+00', 'RESTLESS'),
  (:account, 'c1', '2026-03-03 23:10+00', '2026-03-03 23:15+00', 'AWAKE'),
  (:account, 'nap2', '2026-03-04 12:00+00', '2026-03-04 12:20+00', 'LIGHT'),
  (:account, 'nap2', '2026-03-04 12:20+00', '2026-03-04 12:30+00', 'DEEP');
-- HRV on eight days before March (mean 50, standard deviation 1.51), 55 on
-- March 1st (outside the band), and on March 2nd only the provider's figure.
INSERT INTO gold.daily_vitals (account_id, day, hrv_ms, spo2_avg, respiratory_rate, weight_kg, body_fat_pct)
SELECT :account, '2026-02-20'::date + i::integer, v, CASE WHEN i < 3 THEN 96 END, 15, NULL, NULL
FROM unnest('{50,52,48,50,52,48,50,50,55}'::real[]) WITH ORDINALITY AS t(v, i);
INSERT INTO silver.daily_vitals (account_id, day, hrv_ms, skin_temp_nightly_c, skin_temp_baseline_c,
                                 respiratory_rate, source) VALUES
  (:account, '2026-03-01', 44, 34.1, 33.8, 14, 'google_health'),
  (:account, '2026-03-02', 51, 33.5, 33.8, 15.5, 'google_health');
-- Weight: Tracker's figure on March 1st, only samples (the day's last counts) on the 2nd and 3rd.
UPDATE gold.daily_vitals SET weight_kg = 80.4, body_fat_pct = 21.5
WHERE account_id = :account AND day = '2026-03-01';
INSERT INTO silver.weight (account_id, measured_at, day, weight_kg) VALUES
  (:account, '2026-03-02 06:00+00', '2026-03-02', 80.9),
  (:account, '2026-03-02 20:00+00', '2026-03-02', 81.3),
  (:account, '2026-03-03 06:00+00', '2026-03-03', 80.2);
INSERT INTO silver.body_fat (account_id, measured_at, day, percent) VALUES
  (:account, '2026-03-03 06:00+00', '2026-03-03', 21.1);

-- Every api function: STABLE, every input argument named (PostgREST calls
-- them by name), SECURITY DEFINER with a fixed search_path.
SELECT p.proname AS function, p.provolatile AS volatility, p.prosecdef AS security_definer,
       (SELECT string_agg(a.name, ', ' ORDER BY a.i)
        FROM unnest(p.proargnames, coalesce(p.proargmodes::text[], array_fill('i'::text, ARRAY[p.pronargs])))
             WITH ORDINALITY AS a(name, mode, i)
        WHERE a.mode IN ('i', 'b', 'v')) AS arguments,
       array_to_string(p.proconfig, ' ') AS settings
FROM pg_proc p
WHERE p.pronamespace = 'api'::regnamespace
ORDER BY 1;

-- None that tracker_web may run is volatile, none has an unnamed input argument.
SELECT p.oid::regprocedure AS volatile_or_unnamed
FROM pg_proc p
WHERE p.pronamespace = 'api'::regnamespace
  AND ((p.provolatile = 'v' AND has_function_privilege('tracker_web', p.oid, 'EXECUTE'))
       OR p.pronargs > (SELECT count(*)
                        FROM unnest(p.proargnames, coalesce(p.proargmodes::text[], array_fill('i'::text, ARRAY[p.pronargs])))
                             AS a(name, mode)
                        WHERE a.mode IN ('i', 'b', 'v') AND a.name <> ''));

-- The writers: volatile, for tracker_owner alone (the owner's sign-in).
SELECT p.oid::regprocedure AS writer, p.provolatile AS volatility,
       has_function_privilege('tracker_owner', p.oid, 'EXECUTE') AS tracker_owner,
       has_function_privilege('tracker_web', p.oid, 'EXECUTE') AS tracker_web
FROM pg_proc p
WHERE p.pronamespace = 'api'::regnamespace AND p.provolatile = 'v'
ORDER BY p.oid::regprocedure::text;
-- tracker_owner may run the writers and nothing else of Tracker's.
SELECT p.oid::regprocedure AS tracker_owner_may_run
FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid
WHERE d.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'tracker')
  AND has_function_privilege('tracker_owner', p.oid, 'EXECUTE')
ORDER BY p.oid::regprocedure::text;
SELECT c.oid::regclass AS tracker_owner_relation
FROM pg_class c
WHERE c.relnamespace IN ('tracker'::regnamespace, 'bronze'::regnamespace, 'silver'::regnamespace,
                         'gold'::regnamespace, 'api'::regnamespace)
  AND has_table_privilege('tracker_owner', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER');

-- EXECUTE on api functions: tracker_web and tracker_owner only, never PUBLIC.
SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END AS grantee,
       a.privilege_type
FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
WHERE p.pronamespace = 'api'::regnamespace AND a.grantee <> p.proowner
ORDER BY 1;

-- A function added to api later is not executable by PUBLIC either:
-- default privileges revoke EXECUTE.
CREATE FUNCTION api.added_later() RETURNS integer LANGUAGE sql STABLE AS 'SELECT 1';
SELECT has_function_privilege('tracker_web', 'api.added_later()', 'EXECUTE') AS tracker_web_may_run_it;
DROP FUNCTION api.added_later();

-- What tracker_web holds elsewhere, privileges alone (schema usage aside).
SELECT n.nspname AS schema, has_schema_privilege('tracker_web', n.oid, 'USAGE') AS usage,
       has_schema_privilege('tracker_web', n.oid, 'CREATE') AS "create"
FROM pg_namespace n
WHERE n.nspname IN ('api', 'tracker', 'bronze', 'silver', 'gold', 'public')
ORDER BY 1;
SELECT c.oid::regclass AS relation_with_a_privilege
FROM pg_class c
WHERE c.relnamespace IN ('tracker'::regnamespace, 'bronze'::regnamespace, 'silver'::regnamespace,
                         'gold'::regnamespace, 'api'::regnamespace)
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND has_table_privilege('tracker_web', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER');
SELECT p.oid::regprocedure AS executable_outside_api
FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid
WHERE d.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'tracker')
  AND p.pronamespace <> 'api'::regnamespace
  AND has_function_privilege('tracker_web', p.oid, 'EXECUTE');

-- Now as the dashboard's role.
GRANT EXECUTE ON FUNCTION try(text) TO tracker_web;
SET ROLE tracker_web;
SELECT current_user;

-- Every api function works.
SELECT id = :account AS is_ours, name, provider, state, data_up_to, errors_24h FROM api.accounts();
SELECT day, samples, wear_minutes, zone1_minutes, zone2_minutes, zone3_minutes,
       zone4_minutes, resting_hr, zone_source, active_zone_minutes
FROM api.daily(account => :account, start_date => '2026-03-01', end_date => '2026-03-04');
SELECT * FROM api.resting_hr_trend(account => :account, start_date => '2026-03-01', end_date => '2026-03-04');
SELECT * FROM api.zone_minutes(account => :account, start_date => '2026-03-01', end_date => '2026-03-04');
SELECT * FROM api.weekly_zone_minutes(account => :account, start_date => '2026-03-01', end_date => '2026-03-04');
SELECT * FROM api.wear_time(account => :account, start_date => '2026-03-01', end_date => '2026-03-04');
SELECT d->>'day' AS day, d->>'time_zone' AS time_zone, json_array_length(d->'t') AS t,
       json_array_length(d->'bpm') AS bpm, d->'zone_bounds' AS zone_bounds,
       d->'figures'->>'active_zone_minutes' IS NULL AS figures_without_azm,
       d->'figures'->>'resting_hr' AS resting_hr
FROM api.heart_rate_day(account => :account, day => '2026-03-02') d;
SELECT count(*) AS exercises FROM api.exercises(account => :account, start_date => '2026-03-01', end_date => '2026-03-04');
SELECT count(*) AS sleeps FROM api.sleep(account => :account, start_date => '2026-03-01', end_date => '2026-03-04');
-- Stage minutes from the intervals (n1, c1, nap2) or the source's summary
-- (n2, nap); bedtime and wake time on the Berlin clock.
SELECT * FROM api.sleep_nights(account => :account, from_day => '2026-03-01', to_day => '2026-03-04');
SELECT * FROM api.sleep_stages(account => :account, day => '2026-03-02');
SELECT count(*) AS stages_of_n2 FROM api.sleep_stages(account => :account, day => '2026-03-03');
-- Baselines: the 30 days before each day, from the 7th day with a value on.
\x on
SELECT * FROM api.vitals(account => :account, from_day => '2026-02-27', to_day => '2026-03-03');
\x off
SELECT * FROM api.body(account => :account, from_day => '2026-03-01', to_day => '2026-03-04');
SELECT count(*) AS nothing_for_others FROM (
  SELECT day FROM api.sleep_nights(account => :account + 1, from_day => '2026-01-01', to_day => '2026-12-31')
  UNION ALL SELECT day FROM api.vitals(account => :account + 1, from_day => '2026-01-01', to_day => '2026-12-31')
  UNION ALL SELECT day FROM api.body(account => :account + 1, from_day => '2026-01-01', to_day => '2026-12-31')) x;
SELECT * FROM api.listening(account => :account, start_date => '2026-03-01', end_date => '2026-03-04');
SELECT * FROM api.listening_summary(account => :account, start_date => '2026-03-01', end_date => '2026-03-04');
SELECT count(*) AS top_artists FROM api.top_artists(account => :account, start_date => '2026-03-01', end_date => '2026-03-04');
SELECT count(*) AS top_tracks FROM api.top_tracks(account => :account, start_date => '2026-03-01', end_date => '2026-03-04', n => 5);
SELECT count(*) AS heatmap_cells FROM api.listening_heatmap(account => :account, start_date => '2026-03-01', end_date => '2026-03-04');
SELECT p->'layers'->>'gold_days' AS gold_days, p->'layers'->>'silver_heart_rate_samples' AS samples,
       json_array_length(p->'accounts') AS accounts, json_array_length(p->'jobs') AS jobs
FROM api.pipeline() p;

-- As PostgREST calls them for GET: in a read-only transaction.
BEGIN READ ONLY;
SELECT count(*) FROM api.daily(:account, '2026-03-01', '2026-03-04');
SELECT (api.pipeline())->'layers'->>'gold_days' AS gold_days;
SELECT count(*) AS vitals_days FROM api.vitals(:account, '2026-02-01', '2026-03-04');
SELECT code, message FROM try('CREATE TEMP TABLE scratch (x int)');
COMMIT;

-- No table, view or sequence of tracker, bronze, silver or gold is readable
-- (each one is tried; any that is not refused is listed).
WITH tried AS (
  SELECT c.oid::regclass::text AS relation, t.code, t.message
  FROM pg_class c, LATERAL try(format('SELECT * FROM %s LIMIT 1', c.oid::regclass)) t
  WHERE c.relnamespace IN ('tracker'::regnamespace, 'bronze'::regnamespace,
                           'silver'::regnamespace, 'gold'::regnamespace)
    AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S'))
SELECT count(*) >= 25 AS tried_them_all,
       array_agg(relation) FILTER (WHERE code <> '42501') AS not_refused,
       array_agg(DISTINCT message) AS messages
FROM tried;

-- Credentials in particular, and writes.
SELECT stmt, (try(stmt)).code FROM (VALUES
  ('SELECT refresh_token FROM tracker.credential'),
  ('SELECT client_secret FROM tracker.oauth_client'),
  ('SELECT code_verifier FROM tracker.oauth_pending'),
  ('SELECT body FROM bronze.payload'),
  ('INSERT INTO tracker.account (name, provider, time_zone) VALUES (''x'', ''fitbit_import'', ''UTC'')'),
  ('UPDATE gold.daily SET resting_hr = 1'),
  ('DELETE FROM silver.heart_rate_day'),
  ('TRUNCATE bronze.payload')) s(stmt);

-- No tracker function, writer or reader.
SELECT stmt, (try(stmt)).code FROM (VALUES
  ('SELECT tracker.add_account(''x'', ''UTC'')'),
  ('SELECT tracker.set_oauth_client(''google_health'', ''id'', ''secret'')'),
  ('SELECT tracker.set_refresh_token(1, ''token'')'),
  ('SELECT tracker.authorize_url(1, ''http://localhost/'')'),
  ('SELECT tracker.connect(1, ''code'', ''http://localhost/'', ''state'')'),
  ('SELECT tracker.sync(1, ''[2026-03-01,2026-03-02)'')'),
  ('SELECT tracker.backfill(''[2026-03-01,2026-03-02)'', 1)'),
  ('SELECT tracker.cancel(1)'),
  ('SELECT tracker.store_heart_rate(1, ARRAY[now()], ARRAY[60]::smallint[])'),
  ('SELECT tracker.recompute(1)'),
  ('SELECT tracker.import_fitbit_json(1, ''{}'')'),
  ('SELECT tracker.import_fitbit_file(1, ''/etc/passwd'')'),
  ('SELECT * FROM tracker.daily(1, ''[2026-03-01,2026-03-04)'')'),
  ('SELECT * FROM tracker.heart_rate(1, ''2026-03-02'')'),
  ('SELECT * FROM tracker.series_unnest(''\x00'')')) s(stmt);

-- No new objects anywhere.
SELECT stmt, (try(stmt)).code FROM (VALUES
  ('CREATE TABLE api.t (x int)'),
  ('CREATE VIEW api.v AS SELECT 1 AS x'),
  ('CREATE FUNCTION api.f() RETURNS int LANGUAGE sql AS ''SELECT 1'''),
  ('CREATE TABLE public.t (x int)'),
  ('CREATE TABLE tracker.t (x int)'),
  ('CREATE SCHEMA mine')) s(stmt);

-- None of the owner's writers, and not the owner's token or secret.
SELECT stmt, (try(stmt)).code FROM (VALUES
  ('SELECT api.set_oauth_client(client_id => ''id'', client_secret => ''secret'')'),
  ('SELECT api.add_account(name => ''x'', time_zone => ''UTC'')'),
  ('SELECT api.start_consent(account => 1, redirect_uri => ''http://localhost/'')'),
  ('SELECT api.complete_consent(code => ''c'', state => ''s'')'),
  ('SELECT api.start_backfill(account => 1, start_date => ''2026-03-01'', end_date => ''2026-03-02'')'),
  ('SELECT api.set_username(account => 1, username => ''x'')'),
  ('SELECT api.set_api_key(provider => ''lastfm'', api_key => ''0123456789abcdef0123456789abcdef'')'),
  ('SELECT tracker.owner_token(valid_for => ''1 hour'')'),
  ('SELECT tracker.set_jwt_secret(secret => repeat(''x'', 40))'),
  ('SELECT secret FROM tracker.jwt_secret'),
  ('SELECT * FROM tracker.account_identity')) s(stmt);
-- But the events and a job's progress, without targets or secrets.
SELECT count(*) AS events FROM api.events(latest => 10);
SELECT count(*) AS progress_of_no_job FROM api.job_progress(job => -1);

RESET ROLE;
REVOKE EXECUTE ON FUNCTION try(text) FROM tracker_web;

-- As the owner's role: the writers run (and check what they are given), the
-- readers, the tables and the token do not.
GRANT EXECUTE ON FUNCTION try(text) TO tracker_owner;
SET ROLE tracker_owner;
SELECT stmt, t.code, t.message FROM (VALUES
  ('SELECT api.add_account(name => ''owner-made'', time_zone => ''Europe/Berlin'')'),
  ('SELECT api.add_account(name => ''owner-made'', time_zone => ''Mars/Olympus'')'),
  ('SELECT api.set_oauth_client(client_id => '''', client_secret => ''secret'')'),
  ('SELECT api.start_consent(account => -1, redirect_uri => ''http://localhost/'')'),
  ('SELECT api.complete_consent(code => ''c'', state => ''no-such-state'')'),
  ('SELECT api.start_backfill(account => 1, start_date => ''2026-03-02'', end_date => ''2026-03-01'')'),
  ('SELECT api.set_api_key(provider => ''lastfm'', api_key => ''not-a-key'')'),
  ('SELECT count(*) FROM api.accounts()'),
  ('SELECT count(*) FROM api.events()'),
  ('SELECT tracker.owner_token(valid_for => ''1 hour'')'),
  ('SELECT secret FROM tracker.jwt_secret'),
  ('SELECT refresh_token FROM tracker.credential')) s(stmt), LATERAL try(stmt) t;
RESET ROLE;
REVOKE EXECUTE ON FUNCTION try(text) FROM tracker_owner;

-- The owner's token: only the database owner or a superuser makes one, and
-- it is an HS256 JWT of the role tracker_owner, signed with the secret.
SELECT (try('SELECT tracker.owner_token(valid_for => ''1 hour'')')).message AS without_a_secret;
SET log_statement = 'none';
SELECT tracker.set_jwt_secret(secret => 'regression-secret-of-at-least-32-characters');
RESET log_statement;
SELECT split_part(t, '.', 1) AS header,
       convert_from(decode(translate(split_part(t, '.', 2), '-_', '+/') ||
                           repeat('=', (4 - length(split_part(t, '.', 2)) % 4) % 4), 'base64'), 'UTF8')::json->>'role' AS role,
       (convert_from(decode(translate(split_part(t, '.', 2), '-_', '+/') ||
                            repeat('=', (4 - length(split_part(t, '.', 2)) % 4) % 4), 'base64'), 'UTF8')::json->>'exp')::bigint
         - extract(epoch FROM now())::bigint BETWEEN 3590 AND 3610 AS expires_in_an_hour,
       split_part(t, '.', 3) = tracker.base64url(tracker.hmac_sha256(
           convert_to(split_part(t, '.', 1) || '.' || split_part(t, '.', 2), 'UTF8'),
           convert_to('regression-secret-of-at-least-32-characters', 'UTF8'))) AS signed
FROM tracker.owner_token(valid_for => '1 hour') t;
-- HMAC-SHA256 against RFC 4231's test case 2.
SELECT encode(tracker.hmac_sha256('what do ya want for nothing?', 'Jefe'), 'hex') AS rfc4231_case2;
CREATE ROLE api_not_owner;
GRANT EXECUTE ON FUNCTION tracker.owner_token(interval), tracker.set_jwt_secret(text),
  tracker.require_database_owner(text), try(text) TO api_not_owner;
GRANT USAGE ON SCHEMA tracker TO api_not_owner;
SET ROLE api_not_owner;
SELECT * FROM try('SELECT tracker.owner_token(valid_for => ''1 hour'')');
SELECT * FROM try('SELECT tracker.set_jwt_secret(secret => repeat(''y'', 40))');
RESET ROLE;
DROP OWNED BY api_not_owner;
DROP ROLE api_not_owner;
DELETE FROM tracker.jwt_secret;
