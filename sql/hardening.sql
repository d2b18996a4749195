-- Hardening: every public function called with bad input (NULLs, empty,
-- inverted and huge ranges, unknown accounts, wrong kinds of document), and
-- by roles that should not have access.  What must hold: a clear error with
-- its own SQLSTATE (never an internal error, never a crash), no partial
-- writes, no secret in any message, and privileges as documented in
-- SECURITY.md.
\i sql/prelude.psql
SET client_min_messages TO warning;
CREATE SCHEMA hardening;

-- Accounts with fixed ids, so that messages do not depend on earlier tests.
INSERT INTO tracker.account (account_id, name, provider, time_zone, birth_date)
VALUES (900001, 'hardening import', 'fitbit_import', 'Europe/Berlin', '1980-05-05'),
       (900002, 'hardening google', 'google_health', 'America/New_York', NULL);

-- Run one statement in a subtransaction that is always rolled back, and
-- report its outcome: 'ok', or the SQLSTATE and message of its error.  A
-- probe therefore leaves nothing behind, except what Tracker writes on
-- purpose in a transaction of its own (a rejected payload).  File paths are
-- shortened, since they depend on where the tests run.
CREATE FUNCTION hardening.try(stmt text, OUT code text, OUT message text)
LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE stmt;
        RAISE EXCEPTION 'hardening: probe done' USING ERRCODE = 'HD000';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
        IF code = 'HD000' THEN
            code := 'ok';
            message := NULL;
        END IF;
    END;
    message := regexp_replace(message, '"/[^"]*/', '".../', 'g');
END
$$;

-- Rows in every table of Tracker's schemas, to show that failed calls write
-- nothing.
CREATE FUNCTION hardening.row_counts()
RETURNS TABLE (table_name text, n bigint)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT c.oid::regclass AS t FROM pg_class c
             JOIN pg_namespace s ON s.oid = c.relnamespace
             WHERE s.nspname IN ('tracker', 'bronze', 'silver', 'gold')
               AND c.relkind IN ('r', 'p') ORDER BY 1::text
    LOOP
        table_name := r.t::text;
        EXECUTE format('SELECT count(*) FROM %s', r.t) INTO n;
        RETURN NEXT;
    END LOOP;
END
$$;

-- An archive configured by an earlier test is put aside while this one
-- runs (so that no probe can reach a bucket), and put back at the end.
CREATE TABLE hardening.s3_target AS SELECT * FROM tracker.s3_target;
CREATE TABLE hardening.s3_key AS SELECT * FROM tracker.s3_key;
DELETE FROM tracker.s3_target;

CREATE TABLE hardening.before AS SELECT * FROM hardening.row_counts();

-- The calls.  {imp} is an import account, {gh} a Google Health account that
-- is not connected, and 2147483647 an account that does not exist.
CREATE TABLE hardening.probe (n serial, stmt text);
INSERT INTO hardening.probe (stmt) VALUES
-- accounts
($$SELECT tracker.add_account(NULL, NULL)$$),
($$SELECT tracker.add_account('hardening x', NULL)$$),
($$SELECT tracker.add_account(NULL, 'UTC')$$),
($$SELECT tracker.add_account('hardening x', 'UTC', NULL)$$),
($$SELECT tracker.add_account('hardening x', 'UTC', 'fitbit_import', '5874897-12-31')$$),
($$SELECT tracker.add_account(repeat('x', 100000), 'UTC', 'fitbit_import')$$),
($$SELECT tracker.add_account('hardening x', repeat('Europe/', 2000))$$),
($$SELECT tracker.is_valid_time_zone(NULL)$$),
($$SELECT tracker.is_valid_time_zone(repeat('A', 100000))$$),
-- imports: documents of the wrong kind
($$SELECT * FROM tracker.import_fitbit_json(NULL, NULL)$$),
($$SELECT * FROM tracker.import_fitbit_json({imp}, NULL)$$),
($$SELECT * FROM tracker.import_fitbit_json(2147483647, '{}')$$),
($$SELECT * FROM tracker.import_fitbit_json(-1, '{}')$$),
($$SELECT * FROM tracker.import_fitbit_json({imp}, '{}')$$),
($$SELECT * FROM tracker.import_fitbit_json({imp}, '[]')$$),
($$SELECT * FROM tracker.import_fitbit_json({imp}, 'null')$$),
($$SELECT * FROM tracker.import_fitbit_json({imp}, '"text"')$$),
($$SELECT * FROM tracker.import_fitbit_json({imp}, '1e400')$$),
($$SELECT * FROM tracker.import_fitbit_json({imp}, (repeat('[', 100) || repeat(']', 100))::jsonb)$$),
($$SELECT * FROM tracker.import_fitbit_json({imp}, '{"dataPoints": []}')$$),
($$SELECT * FROM tracker.import_fitbit_json({imp}, '{"errors": [{"errorType": "expired_token"}]}')$$),
($$SELECT * FROM tracker.import_fitbit_json({imp}, '{"activities-heart": []}')$$),
($$SELECT * FROM tracker.import_fitbit_json({imp}, '{"activities-heart": [{"dateTime": "2017-02-30", "value": {}}]}')$$),
($$SELECT * FROM tracker.import_fitbit_json({imp}, '[{"dateTime": "13/01/18 00:00:00", "value": {"bpm": 60, "confidence": 2}}]')$$),
($$SELECT * FROM tracker.import_fitbit_json({imp}, '[{"dateTime": "01/01/18 00:00:00", "value": {"bpm": 60, "confidence": 9}}]')$$),
($$SELECT * FROM tracker.import_fitbit_json({imp}, '[{"dateTime": "01/01/18 00:00:00", "value": {"bpm": 60.5, "confidence": 2}}]')$$),
($$SELECT * FROM tracker.import_fitbit_json({imp}, '[{"dateTime": "01/01/18 00:00:00", "value": {"bpm": 60, "confidence": 2}}, {"dateTime": "01/01/18 00:00:01", "value": {"bpm": 300, "confidence": 2}}]')$$),
($$SELECT * FROM tracker.import_fitbit_file(NULL, NULL)$$),
($$SELECT * FROM tracker.import_fitbit_file({imp}, NULL)$$),
($$SELECT * FROM tracker.import_fitbit_file({imp}, 'relative/heart_rate-2018-10-04.json')$$),
($$SELECT * FROM tracker.import_fitbit_file({imp}, '/nonexistent/heart_rate-2018-10-04.json')$$),
($$SELECT * FROM tracker.import_fitbit_file({imp}, '/dev/null')$$),
($$SELECT * FROM tracker.import_fitbit_file(2147483647, '/dev/null')$$),
-- export: NULLs, a relative or missing directory, an unknown account
($$SELECT * FROM tracker.export(NULL, NULL, NULL)$$),
($$SELECT * FROM tracker.export({imp}, NULL, '/tmp')$$),
($$SELECT * FROM tracker.export({imp}, '(,)', 'relative/dir')$$),
($$SELECT * FROM tracker.export({imp}, '(,)', '/nonexistent/dir')$$),
($$SELECT * FROM tracker.export(2147483647, '(,)', '/nonexistent/dir')$$),
-- readers: NULLs, empty, inverted and huge ranges, unknown accounts
($$SELECT * FROM tracker.daily(NULL, NULL)$$),
($$SELECT * FROM tracker.daily({imp}, 'empty')$$),
($$SELECT * FROM tracker.daily({imp}, '[2020-02-01,2020-01-01)')$$),
($$SELECT * FROM tracker.daily({imp}, '(,)')$$),
($$SELECT * FROM tracker.daily({imp}, '[4713-01-01 BC,5874897-12-31]')$$),
($$SELECT * FROM tracker.daily(2147483647, '(,)')$$),
($$SELECT * FROM tracker.resting_hr(NULL, 'empty')$$),
($$SELECT * FROM tracker.resting_hr({imp}, '(,)')$$),
($$SELECT * FROM tracker.zone_minutes(2147483647, '[-infinity,infinity]')$$),
($$SELECT tracker.zone_names(NULL)$$),
($$SELECT tracker.zone_names('no such scheme')$$),
($$SELECT * FROM tracker.wear_time({imp}, NULL)$$),
($$SELECT * FROM tracker.heart_rate(NULL, NULL)$$),
($$SELECT * FROM tracker.heart_rate({imp}, '5874897-12-31')$$),
($$SELECT * FROM tracker.heart_rate({imp}, 'infinity')$$),
-- sleep readers
($$SELECT * FROM tracker.sleep(NULL, NULL)$$),
($$SELECT * FROM tracker.sleep({imp}, 'empty')$$),
($$SELECT * FROM tracker.sleep({imp}, '[2020-02-01,2020-01-01)')$$),
($$SELECT * FROM tracker.sleep({imp}, '[4713-01-01 BC,5874897-12-31]')$$),
($$SELECT * FROM tracker.sleep(2147483647, '(,)')$$),
($$SELECT * FROM tracker.hypnogram(NULL, NULL)$$),
($$SELECT * FROM tracker.hypnogram({imp}, 'infinity')$$),
($$SELECT * FROM tracker.hypnogram(2147483647, '2020-01-01')$$),
-- writes of samples and figures
($$SELECT tracker.store_heart_rate(NULL, NULL, NULL)$$),
($$SELECT tracker.store_heart_rate({imp}, NULL, '{60}')$$),
($$SELECT tracker.store_heart_rate(2147483647, '{2020-01-01}', '{60}')$$),
($$SELECT tracker.store_heart_rate({imp}, '{}', '{}')$$),
($$SELECT tracker.store_heart_rate({imp}, '{2020-01-01,2020-01-02}', '{60}')$$),
($$SELECT tracker.store_heart_rate({imp}, '{{2020-01-01}}', '{{60}}')$$),
($$SELECT tracker.store_heart_rate({imp}, '{2020-01-01,NULL}', '{60,61}')$$),
($$SELECT tracker.store_heart_rate({imp}, '{2020-01-01,infinity}', '{60,61}')$$),
($$SELECT tracker.store_heart_rate({imp}, '{2020-01-01,-infinity}', '{60,61}')$$),
($$SELECT tracker.store_heart_rate({imp}, '{2020-01-01,2020-01-02}', '{60,32767}')$$),
($$SELECT tracker.store_heart_rate({imp}, '{2020-01-01,2020-01-02}', '{60,-32768}')$$),
($$SELECT tracker.store_heart_rate({imp}, '{"4713-11-24 00:00:00+00 BC","294276-12-31 23:59:59+00"}', '{60,61}')$$),
($$SELECT tracker.store_heart_rate({imp}, ARRAY(SELECT t FROM generate_series(timestamptz '2019-01-01', '2020-12-31', '12 hours') t), ARRAY(SELECT 60::smallint FROM generate_series(timestamptz '2019-01-01', '2020-12-31', '12 hours')))$$),
($$SELECT tracker.recompute(NULL)$$),
($$SELECT tracker.recompute(2147483647)$$),
($$SELECT tracker.recompute({imp}, 'empty')$$),
($$SELECT tracker.recompute({imp}, '(,)')$$),
($$SELECT tracker.recompute({imp}, '[2020-02-01,2020-01-01)')$$),
($$SELECT tracker.require_provider(NULL)$$),
($$SELECT tracker.require_provider('myspace')$$),
($$SELECT tracker.require_provider('lastfm')$$),
($$SELECT tracker.require_account(NULL)$$),
($$SELECT tracker.require_account(2147483647)$$),
($$SELECT tracker.require_account({imp})$$),
-- the codec: NULLs, garbage, extremes
($$SELECT tracker.series_encode(NULL, NULL)$$),
($$SELECT tracker.series_encode('{}', '{}')$$),
($$SELECT tracker.series_encode('{2020-01-01}', '{}')$$),
($$SELECT tracker.series_encode('{2020-01-01,2020-01-01,2019-12-31}', '{60,61,62}')$$),
($$SELECT tracker.series_encode('{"4713-11-24 00:00:00+00 BC","294276-12-31 23:59:59+00"}', '{250,20}')$$),
($$SELECT tracker.series_count(NULL)$$),
($$SELECT tracker.series_count('')$$),
($$SELECT tracker.series_count('\x02')$$),
($$SELECT tracker.series_count('\x01ffffffffffffffffff7f')$$),
($$SELECT tracker.series_count('\x01ffffffffffffffff7f00')$$),
($$SELECT * FROM tracker.series_unnest('\x01')$$),
($$SELECT * FROM tracker.series_unnest('\x010200')$$),
($$SELECT * FROM tracker.series_unnest('\x0100ff')$$),
($$SELECT * FROM tracker.series_unnest('\x01028080808080808080800100ff')$$),
($$SELECT * FROM tracker.series_arrays('\x0101')$$),
-- well-formed series whose times lie beyond timestamptz (year 294276)
($$SELECT * FROM tracker.series_unnest('\x0101feffffffffffffffff0100')$$),
($$SELECT * FROM tracker.series_arrays('\x0101fdffffffffffffffff0100')$$),
($$SELECT * FROM tracker.series_arrays(tracker.series_encode('{}', '{}'))$$),
-- OAuth and credentials
($$SELECT tracker.set_oauth_client(NULL, NULL, NULL)$$),
($$SELECT tracker.set_oauth_client('myspace', 'id', 'secret')$$),
($$SELECT tracker.set_oauth_client('google_health', '', 'secret')$$),
($$SELECT tracker.set_oauth_client('google_health', 'id', NULL)$$),
($$SELECT tracker.authorize_url(NULL, NULL)$$),
($$SELECT tracker.authorize_url(2147483647, 'http://127.0.0.1/cb')$$),
($$SELECT tracker.authorize_url({imp}, 'http://127.0.0.1/cb')$$),
($$SELECT tracker.url_encode(NULL)$$),
($$SELECT tracker.url_encode('')$$),
($$SELECT tracker.url_encode(repeat('é/?&=', 10000))$$),
($$SELECT tracker.connect(NULL, NULL, NULL)$$),
($$SELECT tracker.connect(2147483647, 'code', 'http://127.0.0.1/cb')$$),
($$SELECT tracker.connect({imp}, 'code', 'http://127.0.0.1/cb')$$),
($$SELECT tracker.connect({gh}, 'code', 'http://127.0.0.1/cb')$$),
($$SELECT tracker.set_refresh_token(NULL, NULL)$$),
($$SELECT tracker.set_refresh_token(2147483647, 'token')$$),
($$SELECT tracker.set_refresh_token({gh}, '')$$),
($$SELECT tracker.set_account_state(NULL, NULL, NULL)$$),
($$SELECT tracker.set_account_state(2147483647, 'connected', NULL)$$),
($$SELECT tracker.set_account_state({gh}, 'hacked', NULL)$$),
-- sync
($$SELECT * FROM tracker.sync(NULL, NULL)$$),
($$SELECT * FROM tracker.sync({gh}, 'empty')$$),
($$SELECT * FROM tracker.sync({gh}, '[2020-02-01,2020-01-01)')$$),
($$SELECT * FROM tracker.sync({gh}, '(,)')$$),
($$SELECT * FROM tracker.sync({gh}, '[2000-01-01,2030-01-01)')$$),
($$SELECT * FROM tracker.sync(2147483647, '[2020-01-01,2020-01-02)')$$),
($$SELECT * FROM tracker.sync({imp}, '[2020-01-01,2020-01-02)')$$),
($$SELECT * FROM tracker.sync({gh}, '[2020-01-01,2020-01-02)', '{blood-glucose}')$$),
($$SELECT * FROM tracker.sync({gh}, '[2020-01-01,2020-01-02)', '{NULL}')$$),
($$SELECT * FROM tracker.sync({gh}, '[2020-01-01,2020-01-02)', '{}')$$),
($$SELECT * FROM tracker.sync({gh}, '[2020-01-01,2020-01-02)')$$),
-- jobs
($$SELECT tracker.backfill(NULL)$$),
($$SELECT tracker.backfill('empty', {gh})$$),
($$SELECT tracker.backfill('[2020-02-01,2020-01-01)', {gh})$$),
($$SELECT tracker.backfill('(,)', {gh})$$),
($$SELECT tracker.backfill('[2000-01-01,2030-01-01)', {gh})$$),
($$SELECT tracker.backfill('[2020-01-01,2020-02-01)', 2147483647)$$),
($$SELECT tracker.backfill('[2020-01-01,2020-02-01)', {imp})$$),
($$SELECT tracker.backfill('[2020-01-01,2020-02-01)', {gh}, '{blood-glucose}')$$),
($$SELECT tracker.backfill('[2020-01-01,2020-02-01)', {gh}, '{NULL}')$$),
($$SELECT tracker.backfill('[2020-01-01,2020-02-01)', {gh})$$),
($$SELECT tracker.plan_windows(NULL)$$),
($$SELECT tracker.plan_windows(9223372036854775807)$$),
($$SELECT tracker.cancel(NULL)$$),
($$SELECT tracker.cancel(-1)$$),
($$SELECT tracker.wait(NULL)$$),
($$SELECT tracker.wait(9223372036854775807, '-1 hour')$$),
($$SELECT tracker.wake_scheduler()$$),
-- the api schema
($$SELECT * FROM api.accounts()$$),
($$SELECT * FROM api.daily(NULL, NULL, NULL)$$),
($$SELECT * FROM api.daily({imp}, '2020-02-01', '2020-01-01')$$),
($$SELECT * FROM api.daily({imp}, '4713-01-01 BC', '5874897-12-30')$$),
($$SELECT * FROM api.daily({imp}, '-infinity', 'infinity')$$),
($$SELECT * FROM api.daily(2147483647, '2020-01-01', '2020-12-31')$$),
($$SELECT * FROM api.resting_hr_trend({imp}, '2020-02-01', '2020-01-01')$$),
($$SELECT * FROM api.resting_hr_trend({imp}, '4713-01-01 BC', '2020-01-01')$$),
($$SELECT * FROM api.zone_minutes({imp}, '2020-02-01', '2020-01-01')$$),
($$SELECT * FROM api.weekly_zone_minutes({imp}, '-infinity', 'infinity')$$),
($$SELECT * FROM api.wear_time(NULL, '2020-01-01', '2020-12-31')$$),
($$SELECT api.heart_rate_day(NULL, NULL)$$),
($$SELECT api.heart_rate_day(2147483647, '2020-01-01')$$),
($$SELECT api.heart_rate_day({imp}, 'infinity')$$),
($$SELECT * FROM api.heart_rate(NULL, NULL)$$),
($$SELECT * FROM api.heart_rate(2147483647, '2020-01-01')$$),
($$SELECT * FROM api.heart_rate({imp}, 'infinity')$$),
($$SELECT * FROM api.exercises({imp}, '2020-02-01', '2020-01-01')$$),
($$SELECT * FROM api.sleep(2147483647, '-infinity', 'infinity')$$),
($$SELECT api.pipeline()$$);

-- activity: writers, readers and the api
INSERT INTO hardening.probe (stmt) VALUES
($$SELECT tracker.store_activity_days(NULL, NULL, NULL, NULL, NULL, NULL)$$),
($$SELECT tracker.store_activity_days(2147483647, 'distance', '{2020-01-01}', '{""}', '{1}', '{5}')$$),
($$SELECT tracker.store_activity_days({imp}, 'steps', '{2020-01-01}', '{""}', '{1}', '{5}')$$),
($$SELECT tracker.store_activity_days({imp}, 'distance', '{2020-01-01}', '{""}', '{2}', '{5}')$$),
($$SELECT tracker.store_activity_days({imp}, 'distance', '{2020-01-01}', '{""}', '{1}', '{-5}')$$),
($$SELECT tracker.store_activity_days({imp}, 'distance', '{infinity}', '{""}', '{1}', '{5}')$$),
($$SELECT tracker.store_activity_days({imp}, 'distance', '{2020-01-01}', '{""}', '{1501}', ARRAY(SELECT 1 FROM generate_series(1, 1501)))$$),
($$SELECT tracker.store_activity_days({imp}, 'floors', '{2020-01-01}', '{NOPE}', '{1}', '{5}')$$),
($$SELECT tracker.store_activity_days({imp}, 'floors', '{2020-01-01,2020-01-01}', '{"",""}', '{1,1}', '{5,6}')$$),
($$SELECT tracker.store_activity_days({imp}, 'floors', '{}', '{}', '{}', '{}')$$),
($$SELECT tracker.store_activity_reported(NULL, NULL, NULL, NULL, NULL, NULL, NULL)$$),
($$SELECT tracker.store_activity_reported({imp}, 'heart-rate', '{2020-01-01}', '{1}', NULL, NULL, 'x')$$),
($$SELECT tracker.store_activity_reported({imp}, 'distance', '{2020-01-01}', '{1,2}', NULL, NULL, 'x')$$),
($$SELECT tracker.store_activity_reported({imp}, 'distance', '{2020-01-01}', '{-1}', NULL, NULL, 'x')$$),
($$SELECT tracker.store_activity_reported({imp}, 'total-calories', '{2020-01-01}', '{1e10}', NULL, NULL, 'x')$$),
($$SELECT tracker.store_activity_reported({imp}, 'distance', '{2020-01-01}', '{1}', NULL, NULL, '')$$),
($$SELECT tracker.store_activity_reported(2147483647, 'distance', '{2020-01-01}', '{1}', NULL, NULL, 'x')$$),
($$SELECT tracker.refresh_activity(NULL, NULL)$$),
($$SELECT tracker.refresh_activity({imp}, NULL)$$),
($$SELECT tracker.refresh_activity(2147483647, '{2020-01-01}')$$),
($$SELECT tracker.refresh_activity({imp}, '{infinity,-infinity,NULL}')$$),
($$SELECT tracker.merge_minutes(NULL, '{1}')$$),
($$SELECT tracker.merge_minutes('{1,NULL,3}', '{NULL,2}')$$),
($$SELECT * FROM tracker.activity(NULL, NULL)$$),
($$SELECT * FROM tracker.activity({imp}, 'empty')$$),
($$SELECT * FROM tracker.activity({imp}, '[2020-02-01,2020-01-01)')$$),
($$SELECT * FROM tracker.activity({imp}, '[4713-01-01 BC,5874897-12-31]')$$),
($$SELECT * FROM tracker.activity(2147483647, '(,)')$$),
($$SELECT * FROM api.activity(NULL, NULL, NULL)$$),
($$SELECT * FROM api.activity({imp}, '2020-02-01', '2020-01-01')$$),
($$SELECT * FROM api.activity({imp}, '-infinity', 'infinity')$$),
($$SELECT * FROM api.activity(2147483647, '2020-01-01', '2020-12-31')$$);

-- vitals and body measurements: NULLs, empty, inverted and huge ranges, unknown accounts
INSERT INTO hardening.probe (stmt) VALUES
($$SELECT * FROM tracker.vitals(NULL, NULL)$$),
($$SELECT * FROM tracker.vitals({imp}, 'empty')$$),
($$SELECT * FROM tracker.vitals({imp}, '[2020-02-01,2020-01-01)')$$),
($$SELECT * FROM tracker.vitals({imp}, '(,)')$$),
($$SELECT * FROM tracker.vitals({imp}, '[4713-01-01 BC,5874897-12-31]')$$),
($$SELECT * FROM tracker.vitals(2147483647, '(,)')$$),
($$SELECT * FROM tracker.body(NULL, NULL)$$),
($$SELECT * FROM tracker.body({imp}, 'empty')$$),
($$SELECT * FROM tracker.body({imp}, '(,)')$$),
($$SELECT * FROM tracker.body(2147483647, '[2020-01-01,2020-02-01)')$$);

-- Citus: without it installed, distribute() says so and changes nothing
INSERT INTO hardening.probe (stmt) VALUES
($$SELECT * FROM tracker.distribute()$$),
($$SELECT * FROM tracker.distribute(NULL)$$),
($$SELECT * FROM tracker.distribute(0)$$),
($$SELECT tracker.citus_table_kind(NULL)$$),
($$SELECT tracker.citus_table_kind('tracker.account')$$),
($$SELECT tracker.citus_table_kind('tracker.job_window')$$),
($$SELECT tracker.citus_table_kind('silver.steps')$$);

-- Listening functions, when this build has them.
INSERT INTO hardening.probe (stmt)
SELECT s FROM unnest(ARRAY[
$$SELECT tracker.set_api_key(NULL, NULL)$$,
$$SELECT tracker.set_api_key('lastfm', 'not a key')$$,
$$SELECT tracker.set_api_key('listenbrainz', '0123456789abcdef0123456789abcdef')$$,
$$SELECT tracker.set_username(NULL, NULL)$$,
$$SELECT tracker.set_username({imp}, 'rj')$$,
$$SELECT tracker.set_username(2147483647, 'rj')$$,
$$SELECT tracker.listening_connect(NULL)$$,
$$SELECT tracker.listening_connect(2147483647)$$,
$$SELECT tracker.listening_account_check()$$,
$$SELECT tracker.account_auth_check()$$,
$$SELECT tracker.listening_account_connect()$$,
$$SELECT tracker.listening_recompute_days(NULL, NULL)$$,
$$SELECT tracker.listening_recompute_days(2147483647, '{2020-01-01}')$$,
$$SELECT tracker.recompute_listening(NULL, NULL)$$,
$$SELECT tracker.recompute_listening({imp}, '[2020-02-01,2020-01-01)')$$,
$$SELECT tracker.listen_key(NULL, NULL, NULL, NULL, NULL)$$,
$$SELECT length(tracker.listen_key('lastfm', repeat('ä', 100000), '', NULL, NULL))$$,
$$SELECT * FROM tracker.listening(NULL, '(,)')$$,
$$SELECT * FROM tracker.top_artists({imp}, '(,)', NULL)$$,
$$SELECT * FROM tracker.top_artists({imp}, '(,)', 0)$$,
$$SELECT * FROM tracker.top_tracks({imp}, '(,)', 1001)$$,
$$SELECT * FROM tracker.top_listens({imp}, '(,)', -1, true)$$,
$$SELECT * FROM tracker.top_listens(NULL, NULL, 1, NULL)$$,
$$SELECT * FROM tracker.listening_heatmap(2147483647, 'empty')$$,
$$SELECT * FROM api.listening({imp}, '2020-02-01', '2020-01-01')$$,
$$SELECT * FROM api.top_artists({imp}, '2020-01-01', '2020-12-31', -1)$$,
$$SELECT * FROM api.top_tracks(NULL, NULL, NULL, NULL)$$,
$$SELECT * FROM api.listening_heatmap({imp}, '-infinity', 'infinity')$$,
$$SELECT * FROM api.listening_summary(2147483647, '2020-01-01', '2020-01-01')$$,
$$SELECT * FROM tracker.bench_ingest(NULL, NULL)$$,
$$SELECT * FROM tracker.bench_ingest({imp}, '{}')$$,
$$SELECT * FROM tracker.bench_ingest(2147483647, ARRAY['{"dataPoints": []}'::bytea])$$,
$$SELECT * FROM tracker.bench_ingest({gh}, ARRAY['not json'::bytea])$$,
-- the archive: nothing is configured here, so nothing is sent (the guard
-- keeps it so should an earlier test leave a configuration behind)
$$SELECT tracker.set_s3(NULL, NULL, NULL, NULL, NULL)$$,
$$SELECT tracker.set_s3('gopher://127.0.0.1:1', 'hardening-bucket', 'us-east-1', 'AKHARDENING', 'Hardening-S3-Secret')$$,
$$SELECT tracker.set_s3('http://127.0.0.1:1', 'hardening-bucket', 'us-east-1', 'AKHARDENING', 'Hardening-S3-Secret')$$,
$$SELECT tracker.set_s3_keys(NULL, NULL)$$,
$$SELECT tracker.set_s3_keys('AKHARDENING', 'Hardening-S3-Secret')$$,
$$SELECT tracker.s3_check_keys(NULL, NULL)$$,
$$SELECT tracker.s3_check_keys('AK', E'S\tK')$$,
$$SELECT CASE WHEN EXISTS (SELECT 1 FROM tracker.s3_config) THEN -1 ELSE (SELECT count(*) FROM tracker.archive(NULL)) END$$,
$$SELECT CASE WHEN EXISTS (SELECT 1 FROM tracker.s3_config) THEN -1 ELSE (SELECT count(*) FROM tracker.archive('infinity')) END$$,
$$SELECT CASE WHEN EXISTS (SELECT 1 FROM tracker.s3_config) THEN -1 ELSE (SELECT count(*) FROM tracker.restore_from_s3(2147483647, '(,)')) END$$,
$$SELECT * FROM tracker.restore_from_s3({imp}, '[2020-02-01,2020-01-01)')$$,
$$SELECT CASE WHEN EXISTS (SELECT 1 FROM tracker.s3_config) THEN -1 ELSE (SELECT count(*) FROM tracker.restore_from_s3(NULL, NULL)) END$$,
$$SELECT CASE WHEN EXISTS (SELECT 1 FROM tracker.s3_config) THEN NULL ELSE tracker.apply_s3_lifecycle(-1) END$$,
$$SELECT CASE WHEN EXISTS (SELECT 1 FROM tracker.s3_config) THEN NULL ELSE tracker.apply_s3_lifecycle(NULL) END$$,
$$SELECT tracker.s3_lifecycle_merge(NULL)$$,
$$SELECT tracker.s3_lifecycle_merge('<not xml')$$,
$$SELECT tracker.s3_lifecycle_merge(repeat('<Rule><ID>x</ID>', 10000))$$,
$$SELECT tracker.archive_next_at(NULL)$$,
$$SELECT tracker.archive_next_at('-1 day')$$,
$$SELECT tracker.archive_summary()$$,
$$SELECT * FROM tracker.bronze_retire(NULL, NULL)$$,
$$SELECT * FROM tracker.bronze_retire('-1 day')$$,
$$SELECT * FROM tracker.bronze_retire('1 day', 0)$$,
$$SELECT * FROM tracker.bronze_retire('1 day', 2147483647)$$,
$$SELECT * FROM tracker.bronze_retire(older_than => '1000000 years')$$,
$$SELECT tracker.payload_body(NULL, NULL)$$,
$$SELECT tracker.payload_body(2147483647, 1)$$,
$$SELECT tracker.payload_body(account_id => {imp}, payload_id => -1)$$,
$$SELECT tracker.payload_body(account_id => {imp}, payload_id => 9223372036854775807)$$,
$$SELECT tracker.payload_base_check()$$,
$$SELECT tracker.api_revoke_public()$$
]) s
WHERE to_regproc(substring(s FROM '(?:tracker|api)\.[a-z_0-9]+(?=\()')) IS NOT NULL;

-- The api functions of the Sleep, Vitals and Body views.
INSERT INTO hardening.probe (stmt) VALUES
($$SELECT * FROM api.sleep_nights(NULL, NULL, NULL)$$),
($$SELECT * FROM api.sleep_nights({imp}, '2020-02-01', '2020-01-01')$$),
($$SELECT * FROM api.sleep_nights(2147483647, '-infinity', 'infinity')$$),
($$SELECT * FROM api.sleep_stages(NULL, NULL)$$),
($$SELECT * FROM api.sleep_stages({imp}, 'infinity')$$),
($$SELECT * FROM api.vitals(NULL, NULL, NULL)$$),
($$SELECT * FROM api.vitals({imp}, '2020-02-01', '2020-01-01')$$),
($$SELECT * FROM api.vitals({imp}, '4713-01-01 BC', '2020-01-01')$$),
($$SELECT * FROM api.vitals({imp}, '-infinity', 'infinity')$$),
($$SELECT * FROM api.body(NULL, NULL, NULL)$$),
($$SELECT * FROM api.body({imp}, '4713-01-01 BC', '5874897-12-30')$$),
($$SELECT * FROM api.body(2147483647, '-infinity', 'infinity')$$);

-- Notifications, when this build has them: bad channels are refused
-- before anything is stored, and no message quotes a secret.
INSERT INTO hardening.probe (stmt)
SELECT s FROM unnest(ARRAY[
$$SELECT tracker.set_notify(NULL)$$,
$$SELECT tracker.set_notify('pager', 'x')$$,
$$SELECT tracker.set_notify('webhook', 'ftp://127.0.0.1:1/hook')$$,
$$SELECT tracker.set_notify('webhook', 'http://127.0.0.1:1/hook', header => E'X-Token: Hardening-Webhook-Secret\r\nX-Other: b')$$,
$$SELECT tracker.set_notify('webhook', 'http://127.0.0.1:1/hook', header => 'Authorization: Bearer Hardening-Webhook-Secret')$$,
$$SELECT tracker.set_notify('webhook', 'http://127.0.0.1:1/hook', password => 'Hardening-Smtp-Secret')$$,
$$SELECT tracker.set_notify('email', 'not an address', server => 'smtp://127.0.0.1:1', mail_from => 'a@example.org')$$,
$$SELECT tracker.set_notify('email', 'ops@example.org', server => 'http://127.0.0.1:1', mail_from => 'a@example.org')$$,
$$SELECT tracker.set_notify('email', 'ops@example.org', server => 'smtp://127.0.0.1:1', mail_from => 'a@example.org', username => 'u')$$,
$$SELECT tracker.set_notify('email', 'ops@example.org', server => 'smtp://127.0.0.1:1', mail_from => 'a@example.org', username => 'u', password => '')$$,
$$SELECT tracker.set_notify('email', 'ops@example.org, dev@example.org', server => 'smtps://127.0.0.1:1', mail_from => 'a@example.org', username => 'u', password => 'Hardening-Smtp-Secret')$$,
$$SELECT tracker.set_notify('notify', 'Not A Channel')$$,
$$SELECT tracker.set_notify('notify', events => ARRAY['no_such_event'])$$,
$$SELECT tracker.set_notify('notify', starttls => NULL)$$,
$$SELECT tracker.set_notify('notify', events => ARRAY['needs_reauth', 'spo2_low'])$$,
$$SELECT tracker.remove_notify(NULL, NULL)$$,
$$SELECT tracker.remove_notify('webhook', 'http://127.0.0.1:1/none')$$,
$$SELECT tracker.notify_document(NULL)$$,
$$SELECT count(*) >= 0 FROM tracker.notify_conditions()$$,
$$SELECT tracker.notify_check() >= 0$$
]) s
WHERE to_regproc(substring(s FROM '(?:tracker|api)\.[a-z_0-9]+(?=\()')) IS NOT NULL;

-- The owner's sign-in and actions (the secret is not set here, so no token
-- can be made; the writers run as the extension owner and check their input).
INSERT INTO hardening.probe (stmt)
SELECT s FROM unnest(ARRAY[
$$SELECT tracker.set_jwt_secret(NULL)$$,
$$SELECT tracker.set_jwt_secret('too-short-Hardening-Jwt-Secret')$$,
$$SELECT tracker.owner_token(NULL)$$,
$$SELECT tracker.owner_token('-1 day')$$,
$$SELECT tracker.owner_token('10 years')$$,
$$SELECT tracker.owner_token('1 hour')$$,
$$SELECT tracker.hmac_sha256(NULL, NULL)$$,
$$SELECT length(tracker.hmac_sha256('', ''))$$,
$$SELECT length(tracker.hmac_sha256(repeat('x', 100000)::bytea, repeat('k', 1000)::bytea))$$,
$$SELECT tracker.base64url(NULL)$$,
$$SELECT tracker.base64url('\xfbff')$$,
$$SELECT tracker.require_database_owner(NULL)$$,
$$SELECT api.set_oauth_client(client_id => NULL, client_secret => NULL)$$,
$$SELECT api.set_oauth_client(client_id => 'id', client_secret => '')$$,
$$SELECT api.add_account(name => NULL, time_zone => NULL)$$,
$$SELECT api.add_account(name => 'x', time_zone => 'UTC', provider => 'myspace')$$,
$$SELECT api.add_account(name => 'x', time_zone => 'UTC', birth_date => '1800-01-01')$$,
$$SELECT api.start_consent(account => NULL, redirect_uri => NULL)$$,
$$SELECT api.start_consent(account => 2147483647, redirect_uri => 'http://127.0.0.1/cb')$$,
$$SELECT api.start_consent(account => {imp}, redirect_uri => 'http://127.0.0.1/cb')$$,
$$SELECT api.complete_consent(code => NULL, state => NULL)$$,
$$SELECT api.complete_consent(code => 'code', state => 'no-such-state')$$,
$$SELECT api.start_backfill(account => NULL, start_date => NULL, end_date => NULL)$$,
$$SELECT api.start_backfill(account => 2147483647, start_date => '2020-01-01', end_date => '2020-01-02')$$,
$$SELECT api.start_backfill(account => {imp}, start_date => '2020-02-01', end_date => '2020-01-01')$$,
$$SELECT api.set_username(account => NULL, username => NULL)$$,
$$SELECT api.set_username(account => {gh}, username => 'someone')$$,
$$SELECT api.set_api_key(provider => NULL, api_key => NULL)$$,
$$SELECT api.set_api_key(provider => 'lastfm', api_key => 'Hardening-Not-A-Key')$$,
$$SELECT count(*) FROM api.job_progress(job => NULL)$$,
$$SELECT count(*) FROM api.job_progress(job => -1)$$,
$$SELECT count(*) FROM api.events(latest => NULL)$$,
$$SELECT count(*) FROM api.events(latest => -5)$$,
$$SELECT count(*) FROM api.events(latest => 2147483647)$$
]) s;

-- Run them all: a crash would end this test here.
CREATE TABLE hardening.result AS
SELECT p.n, p.stmt, r.code, r.message
FROM hardening.probe p,
     LATERAL hardening.try(replace(replace(p.stmt, '{imp}', '900001'), '{gh}', '900002')) r
ORDER BY p.n;

\pset format unaligned
\pset fieldsep ' | '
-- The benchmark hook is there only in a BENCH=1 build: its probes run then
-- and are held to every check below, but are not listed, so that this list
-- is the same for both builds.
SELECT stmt, code, left(message, 160) AS message FROM hardening.result
WHERE stmt !~ '\mtracker\.bench_' ORDER BY n;
\pset format aligned

-- No call ended in an internal error (XX000, what elog() raises): every
-- error has a SQLSTATE that says what was wrong.
SELECT count(*) AS internal_errors FROM hardening.result WHERE code = 'XX000';

-- Every function of the tracker and api schemas was called above (a new
-- function needs its line in this test).
SELECT p.oid::regprocedure AS not_exercised
FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace
WHERE s.nspname IN ('tracker', 'api')
  AND NOT EXISTS (SELECT 1 FROM hardening.probe h
                  WHERE h.stmt ~ ('\m' || s.nspname || '\.' || p.proname || '\('))
ORDER BY 1;

-- No partial writes: the failed calls left every table as it was, except
-- the rejected documents, which Tracker keeps in bronze on purpose (written
-- by a worker in a transaction of its own).
SELECT a.table_name, b.n AS before, a.n AS after
FROM hardening.row_counts() a JOIN hardening.before b USING (table_name)
WHERE a.n <> b.n ORDER BY 1;
SELECT kind, status, reason FROM bronze.payload
WHERE account_id = 900001 ORDER BY payload_id;

-- A document is written whole or not at all: the last sample is bad, so
-- the good one before it is not kept either.
SELECT code, message FROM hardening.try($$
    SELECT tracker.store_heart_rate(900001, '{2020-03-01 10:00,2020-03-01 10:01}', '{60,400}')$$);
SELECT count(*) AS days_written FROM silver.heart_rate_day WHERE account_id = 900001;

------------------------------------------------------------------------------
-- Privileges
------------------------------------------------------------------------------

CREATE ROLE hardening_plain LOGIN;
CREATE ROLE hardening_files LOGIN IN ROLE pg_read_server_files;
GRANT USAGE ON SCHEMA hardening TO hardening_plain, hardening_files, tracker_web, tracker_owner;
GRANT EXECUTE ON FUNCTION hardening.try(text) TO hardening_plain, hardening_files, tracker_web, tracker_owner;

-- What each role may use.  tracker_web: the api schema and nothing else;
-- a plain user: nothing at all.
SELECT r.rolname, s.nspname
FROM pg_roles r CROSS JOIN pg_namespace s
WHERE r.rolname IN ('tracker_web', 'tracker_owner', 'hardening_plain', 'hardening_files')
  AND s.nspname IN ('tracker', 'bronze', 'silver', 'gold', 'api')
  AND has_schema_privilege(r.oid, s.oid, 'USAGE')
ORDER BY 1, 2;
SELECT r.rolname, c.oid::regclass AS relation
FROM pg_roles r CROSS JOIN pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
WHERE r.rolname IN ('tracker_web', 'tracker_owner', 'hardening_plain', 'hardening_files')
  AND s.nspname IN ('tracker', 'bronze', 'silver', 'gold', 'api')
  AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  AND has_table_privilege(r.oid, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
ORDER BY 1, 2;
-- functions a role may execute (EXECUTE alone; schema usage is checked above)
SELECT r.rolname,
       count(*) FILTER (WHERE s.nspname = 'api' AND p.provolatile <> 'v') =
         (SELECT count(*) FROM pg_proc q WHERE q.pronamespace = 'api'::regnamespace
          AND q.provolatile <> 'v') AS every_api_reader,
       count(*) FILTER (WHERE s.nspname = 'api' AND p.provolatile = 'v') AS api_writers,
       count(*) FILTER (WHERE s.nspname <> 'api') AS other_functions
FROM pg_roles r CROSS JOIN pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace
WHERE r.rolname IN ('tracker_web', 'tracker_owner', 'hardening_plain', 'hardening_files')
  AND s.nspname IN ('tracker', 'bronze', 'silver', 'gold', 'api')
  AND has_function_privilege(r.oid, p.oid, 'EXECUTE')
GROUP BY 1 ORDER BY 1;
-- api readers the dashboard's role cannot execute, and writers it can (the
-- writers are the owner's: tracker_owner alone runs them)
SELECT p.oid::regprocedure AS api_function_not_granted
FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace
WHERE s.nspname = 'api' AND p.provolatile <> 'v' AND NOT has_function_privilege('tracker_web', p.oid, 'EXECUTE')
ORDER BY 1;
SELECT p.oid::regprocedure AS api_writer_granted_to_the_dashboard
FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace
WHERE s.nspname = 'api' AND p.provolatile = 'v' AND has_function_privilege('tracker_web', p.oid, 'EXECUTE')
ORDER BY 1;
-- Every api function runs as the owner with a fixed search_path; no other
-- function is SECURITY DEFINER; every SQL and PL/pgSQL function of
-- Tracker's schemas fixes its search_path.
SELECT p.oid::regprocedure AS api_function_without_definer_and_search_path
FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace
WHERE s.nspname = 'api'
  AND NOT (p.prosecdef AND coalesce(array_to_string(p.proconfig, ','), '') LIKE '%search_path=pg_catalog, pg_temp%')
ORDER BY 1;
SELECT p.oid::regprocedure AS security_definer_outside_api
FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace
WHERE s.nspname IN ('tracker', 'bronze', 'silver', 'gold') AND p.prosecdef
ORDER BY 1;
SELECT p.oid::regprocedure AS function_without_search_path
FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE s.nspname IN ('tracker', 'api') AND l.lanname IN ('sql', 'plpgsql')
  AND coalesce(array_to_string(p.proconfig, ','), '') NOT LIKE '%search_path=%'
ORDER BY 1;

-- The same, tried.  What only the owner may read, tried by each role below:
-- raw payloads, typed rows, figures, secrets and status.
CREATE TABLE hardening.owner_only (n serial, stmt text);
INSERT INTO hardening.owner_only (stmt) VALUES
    ($$SELECT count(*) FROM bronze.payload$$),
    ($$SELECT tracker.payload_body(account_id => 900001, payload_id => 1)$$),
    ($$SELECT count(*) FROM silver.heart_rate$$),
    ($$SELECT count(*) FROM silver.heart_rate_day$$),
    ($$SELECT count(*) FROM gold.daily$$),
    ($$SELECT * FROM tracker.credential$$),
    ($$SELECT * FROM tracker.oauth_client$$),
    ($$SELECT * FROM tracker.oauth_pending$$),
    ($$SELECT * FROM tracker.account_status$$),
    ($$SELECT * FROM tracker.export(900001, '(,)', '/nonexistent/dir')$$),
    -- vitals and body measurements
    ($$SELECT * FROM tracker.vitals(900001, '(,)')$$),
    ($$SELECT * FROM tracker.body(900001, '(,)')$$);
GRANT SELECT ON hardening.owner_only TO hardening_plain, tracker_web;

-- A plain user is refused everything.
SET ROLE hardening_plain;
SELECT v.stmt, r.code, r.message FROM (VALUES
    ($$SELECT * FROM tracker.daily(900001, '(,)')$$),
    ($$SELECT tracker.add_account('mine', 'UTC')$$),
    ($$SELECT * FROM tracker.import_fitbit_json(900001, '{}')$$),
    ($$SELECT * FROM tracker.sync(900002, '[2020-01-01,2020-01-02)')$$),
    ($$SELECT tracker.set_refresh_token(900002, 'stolen')$$),
    ($$SELECT * FROM api.daily(900001, '2020-01-01', '2020-12-31')$$),
    ($$SELECT api.pipeline()$$)
    UNION ALL SELECT stmt FROM hardening.owner_only) v(stmt),
    LATERAL hardening.try(v.stmt) r;
RESET ROLE;

-- tracker_web (the dashboard) reaches the api functions and nothing else.
SET ROLE tracker_web;
SELECT v.stmt, r.code, r.message FROM (VALUES
    ($$SELECT * FROM api.daily(900001, '2020-01-01', '2020-12-31')$$),
    ($$SELECT * FROM api.accounts()$$),
    ($$SELECT api.pipeline()$$),
    ($$SELECT * FROM tracker.daily(900001, '(,)')$$),
    ($$SELECT * FROM tracker.heart_rate(900001, '2020-01-01')$$),
    ($$SELECT tracker.add_account('mine', 'UTC')$$),
    ($$SELECT * FROM tracker.sync(900002, '[2020-01-01,2020-01-02)')$$),
    -- none of the owner's writers, nor the owner's token
    ($$SELECT api.set_oauth_client(client_id => 'id', client_secret => 'secret')$$),
    ($$SELECT api.add_account(name => 'mine', time_zone => 'UTC')$$),
    ($$SELECT api.start_consent(account => 900002, redirect_uri => 'http://127.0.0.1/cb')$$),
    ($$SELECT api.complete_consent(code => 'code', state => 'state')$$),
    ($$SELECT api.start_backfill(account => 900002, start_date => '2020-01-01', end_date => '2020-01-02')$$),
    ($$SELECT api.set_username(account => 900002, username => 'someone')$$),
    ($$SELECT api.set_api_key(provider => 'lastfm', api_key => '0123456789abcdef0123456789abcdef')$$),
    ($$SELECT tracker.owner_token('1 hour')$$),
    ($$SELECT tracker.set_jwt_secret(repeat('x', 40))$$)
    UNION ALL SELECT stmt FROM hardening.owner_only) v(stmt),
    LATERAL hardening.try(v.stmt) r;
RESET ROLE;

-- Nor can tracker_owner (the owner's sign-in) read anything, or make a
-- token: it runs the writers of api and nothing else.
SET ROLE tracker_owner;
SELECT v.stmt, r.code, r.message FROM (VALUES
    ($$SELECT * FROM api.accounts()$$),
    ($$SELECT * FROM api.events()$$),
    ($$SELECT * FROM tracker.daily(900001, '(,)')$$),
    ($$SELECT tracker.owner_token('1 hour')$$),
    ($$SELECT tracker.set_jwt_secret(repeat('x', 40))$$),
    ($$SELECT secret FROM tracker.jwt_secret$$),
    ($$SELECT refresh_token FROM tracker.credential$$)) v(stmt),
    LATERAL hardening.try(v.stmt) r;
RESET ROLE;

-- A member of pg_read_server_files is refused too: it has no usage on the
-- tracker schema (see SECURITY.md).
SET ROLE hardening_files;
SELECT v.stmt, r.code, r.message FROM (VALUES
    ($$SELECT * FROM tracker.import_fitbit_file(900001, '/dev/null')$$),
    ($$SELECT * FROM tracker.import_fitbit_json(900001, '{}')$$),
    ($$SELECT * FROM tracker.export(900001, '(,)', '/nonexistent/dir')$$)) v(stmt),
    LATERAL hardening.try(v.stmt) r;
RESET ROLE;

------------------------------------------------------------------------------
-- Settings: only a superuser may point Tracker elsewhere (no server-side
-- request forgery by an ordinary user) or change its limits.
------------------------------------------------------------------------------

-- Every URL setting is for superusers, and no setting may be changed by
-- an ordinary session (superuser, or the configuration file).
SELECT count(*) >= 3 AS url_settings,
       count(*) FILTER (WHERE context <> 'superuser') AS url_settings_not_superuser_only
FROM pg_settings WHERE name LIKE 'tracker.%url%';
SELECT name, context FROM pg_settings
WHERE name LIKE 'tracker.%' AND context NOT IN ('superuser', 'sighup', 'postmaster');
-- no grant of SET on any of them
SELECT count(*) AS parameter_grants FROM pg_parameter_acl WHERE parname LIKE 'tracker.%';
GRANT CREATE ON SCHEMA hardening TO hardening_plain;
SET ROLE hardening_plain;
CREATE TABLE hardening.set_tries AS
SELECT g.name, r.code, r.message
FROM pg_settings g,
     LATERAL hardening.try(format('SET %s = %L', g.name,
         CASE WHEN g.vartype = 'string' THEN 'http://127.0.0.1:1/'
              WHEN g.vartype = 'bool' THEN 'off' ELSE '1000' END)) r
WHERE g.name LIKE 'tracker.%';
SELECT * FROM hardening.set_tries WHERE name LIKE 'tracker.google_%url' ORDER BY 1;
SELECT count(*) >= 16 AS settings_tried,
       count(*) FILTER (WHERE code NOT IN ('42501', '55P02')) AS settable_by_a_plain_user
FROM hardening.set_tries;
SELECT v.stmt, r.code, r.message FROM (VALUES
    ($$SELECT set_config('tracker.google_health_url', 'http://127.0.0.1:1/', false)$$),
    ($$SELECT set_config('tracker.google_token_url', 'http://127.0.0.1:1/', true)$$),
    ($$ALTER ROLE hardening_plain SET tracker.google_token_url = 'http://127.0.0.1:1/'$$),
    ($$ALTER ROLE hardening_plain SET tracker.max_response_size = '1GB'$$),
    ($$ALTER DATABASE current SET tracker.google_health_url = 'http://127.0.0.1:1/'$$),
    ($$ALTER SYSTEM SET tracker.google_health_url = 'http://127.0.0.1:1/'$$)) v(stmt),
    LATERAL hardening.try(replace(v.stmt, 'DATABASE current', 'DATABASE ' || quote_ident(current_database()))) r;
SELECT current_setting('tracker.google_health_url') AS still;
RESET ROLE;

------------------------------------------------------------------------------
-- search_path: the SQL that Tracker's C code runs must not call functions
-- of whoever controls the search_path.  A database owner may set the
-- database's search_path; Tracker's background workers connect as the
-- bootstrap superuser and take it, and so does a superuser's session.
------------------------------------------------------------------------------

-- Functions that run SQL fix their search_path (C functions included: the
-- ones that are not IMMUTABLE run SQL through SPI).
SELECT p.oid::regprocedure AS c_function_without_search_path
FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE s.nspname IN ('tracker', 'api') AND l.lanname = 'c' AND p.provolatile <> 'i'
  AND coalesce(array_to_string(p.proconfig, ','), '') NOT LIKE '%search_path=%'
  AND p.proname NOT IN ('is_valid_time_zone', 'wake_scheduler')
ORDER BY 1;

-- A schema of a database owner who is not a superuser, with a now() that
-- records who called it.
CREATE ROLE hardening_dbowner LOGIN;
CREATE SCHEMA hardening_evil AUTHORIZATION hardening_dbowner;
CREATE TABLE hardening_evil.called (who text, backend text);
GRANT INSERT ON hardening_evil.called TO PUBLIC;
SET ROLE hardening_dbowner;
CREATE FUNCTION hardening_evil.now() RETURNS timestamptz LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hardening_evil.called
    SELECT current_user, backend_type FROM pg_catalog.pg_stat_activity
    WHERE pid = pg_catalog.pg_backend_pid();
    RETURN pg_catalog.now();
END
$$;
RESET ROLE;

-- In a session whose search_path puts that schema first (which the
-- database's default can do), Tracker's writes must not call it.
INSERT INTO tracker.account (account_id, name, provider, time_zone)
VALUES (900003, 'hardening search_path', 'fitbit_import', 'UTC');
SET search_path = hardening_evil, pg_catalog;
SELECT tracker.store_heart_rate(900003, '{2020-01-01 10:00}', '{60}');
SELECT tracker.store_heart_rate(900003, '{2020-01-01 10:01}', '{61}');
SELECT tracker.recompute(900003);
RESET search_path;
SELECT who, backend, count(*) AS calls FROM hardening_evil.called GROUP BY 1, 2;

-- The background workers: with the database's search_path set by its
-- owner, the scheduler (restarted so that it takes the setting) queues a
-- sync for a connected account; it must not call the owner's now() as the
-- superuser it runs as.  The workers are pointed at 127.0.0.1 first.
ALTER SYSTEM SET tracker.google_token_url = 'http://127.0.0.1:1/token';
ALTER SYSTEM SET tracker.google_health_url = 'http://127.0.0.1:1';
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
CREATE TABLE hardening.owner AS
SELECT pg_get_userbyid(datdba) AS name FROM pg_database WHERE datname = current_database();
DO $$ BEGIN
    EXECUTE format('ALTER DATABASE %I OWNER TO hardening_dbowner', current_database());
END $$;
SET ROLE hardening_dbowner;
DO $$ BEGIN
    EXECUTE format('ALTER DATABASE %I SET search_path = hardening_evil, pg_catalog',
                   current_database());
END $$;
RESET ROLE;
-- Poll a condition (a query that gives a boolean) every 0.1 s, for a
-- minute at most.
CREATE FUNCTION hardening.wait_until(condition text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    met boolean;
BEGIN
    FOR i IN 1 .. 600 LOOP
        PERFORM pg_stat_clear_snapshot();
        EXECUTE condition INTO met;
        IF met THEN
            RETURN true;
        END IF;
        PERFORM pg_sleep(0.1);
    END LOOP;
    RETURN false;
END
$$;
-- a new scheduler, which takes the database's settings
CREATE FUNCTION hardening.restart_scheduler() RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    old integer[] := ARRAY(SELECT pid FROM pg_stat_activity
                           WHERE backend_type = 'tracker scheduler' AND datname = current_database());
BEGIN
    PERFORM pg_terminate_backend(p) FROM unnest(old) p;
    RETURN hardening.wait_until(format(
        $q$SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                          WHERE backend_type = 'tracker scheduler' AND datname = current_database()
                            AND pid <> ALL (%L))$q$, old));
END
$$;
SELECT hardening.restart_scheduler() AS scheduler_restarted;
INSERT INTO tracker.account (account_id, name, provider, time_zone)
VALUES (900004, 'hardening worker', 'google_health', 'UTC');
SELECT tracker.set_refresh_token(900004, 'hardening-worker-token');
CREATE FUNCTION hardening.wait_for_sync_job(account integer) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF hardening.wait_until(format(
        $q$SELECT EXISTS (SELECT 1 FROM tracker.job j WHERE j.account_id = %s AND j.kind = 'sync')$q$,
        account)) THEN
        PERFORM pg_sleep(2);    -- let the workers claim its windows too
        RETURN true;
    END IF;
    RETURN false;
END
$$;
SELECT hardening.wait_for_sync_job(900004) AS scheduler_queued_a_sync;
SELECT who, backend, count(*) > 0 AS called FROM hardening_evil.called
WHERE backend LIKE 'tracker%' GROUP BY 1, 2 ORDER BY 1, 2;
-- put everything back
DELETE FROM tracker.account WHERE account_id IN (900003, 900004);
DO $$ BEGIN
    EXECUTE format('ALTER DATABASE %I RESET search_path', current_database());
    EXECUTE format('ALTER DATABASE %I OWNER TO %I', current_database(),
                   (SELECT name FROM hardening.owner));
END $$;
ALTER SYSTEM RESET tracker.google_token_url;
ALTER SYSTEM RESET tracker.google_health_url;
SELECT pg_reload_conf();
DROP SCHEMA hardening_evil CASCADE;
DROP ROLE hardening_dbowner;

------------------------------------------------------------------------------
-- Secrets: never in a message, the sync log, bronze or a dump.
------------------------------------------------------------------------------

-- Credentials are not dumped with the extension's data.
SELECT c.relname AS dumped_table
FROM pg_extension e, unnest(e.extconfig) t(oid) JOIN pg_class c ON c.oid = t.oid
WHERE e.extname = 'tracker' AND c.relname IN ('credential', 'oauth_client', 'oauth_pending', 'api_key', 's3_config', 's3_key', 'jwt_secret');

-- Nor are the secrets of the notification channels.
SELECT c.relname AS dumped_table
FROM pg_extension e, unnest(e.extconfig) t(oid) JOIN pg_class c ON c.oid = t.oid
WHERE e.extname = 'tracker' AND c.relname = 'notify_secret';

-- Tokens meet a token endpoint that refuses connections (127.0.0.1, port 1).
-- All of it happens in a transaction that is rolled back, so that the
-- background workers never see a connected account (they would use the
-- server's own URLs).
BEGIN;
SET LOCAL tracker.google_token_url = 'http://127.0.0.1:1/token';
SET LOCAL tracker.max_retries = 0;
SELECT tracker.set_oauth_client('google_health', 'hardening-client-id', 'Hardening-Client-Secret-7f3a9c');
SELECT tracker.set_refresh_token(900002, 'Hardening-Refresh-Token-5e1d2b');
SELECT count(*) AS s3_set FROM (
    SELECT tracker.set_s3('http://127.0.0.1:1', 'hardening-bucket', 'us-east-1', 'AKHARDENING',
                          'Hardening-S3-Secret-9d4')
    WHERE to_regproc('tracker.set_s3') IS NOT NULL) x;
SELECT requests, rows_written, rejected, errors, state,
       regexp_replace(detail, 'connect_failed: [^\n]*', 'connect_failed: ...', 'g') AS detail
FROM tracker.sync(900002, '[2020-01-01,2020-01-02)', '{heart-rate}');
-- what the sync logged: the refused token request, then the window it
-- could not fetch (no request was made: no status, no bytes)
SELECT data_type, outcome, http_status, bytes,
       regexp_replace(error, 'connect_failed: .*', 'connect_failed: ...') AS error
FROM tracker.sync_log WHERE account_id = 900002 ORDER BY log_id;
SELECT length(tracker.authorize_url(900002, 'http://127.0.0.1/cb')) > 0 AS link_made;
SELECT state AS pending_state FROM tracker.oauth_pending WHERE account_id = 900002 \gset
SELECT code, regexp_replace(message, ': .*', ': ...') AS message,
       strpos(message, 'Hardening-Client-Secret') = 0 AND strpos(message, 'Code-4711') = 0 AS no_secret
FROM hardening.try(format($$SELECT tracker.connect(900002, 'Code-4711', 'http://127.0.0.1/cb', %L)$$, :'pending_state'));
SELECT code, message FROM hardening.try($$SELECT tracker.connect(900002, 'Code-4711', 'http://127.0.0.1/cb', 'not-the-state')$$);
-- nothing Tracker wrote holds a secret
SELECT count(*) AS secrets_in_sync_log FROM tracker.sync_log
WHERE concat_ws(' ', request, error) ~ '(Hardening-Client-Secret|Hardening-Refresh-Token|Code-4711|Hardening-S3-Secret)';
SELECT count(*) AS secrets_in_bronze FROM bronze.payload
WHERE concat_ws(' ', origin, reason, convert_from(body, 'UTF8')) ~ '(Hardening-Client-Secret|Hardening-Refresh-Token|Code-4711|Hardening-S3-Secret)';
SELECT count(*) AS secrets_in_state FROM tracker.account_auth
WHERE coalesce(reason, '') ~ '(Hardening-Client-Secret|Hardening-Refresh-Token|Code-4711|Hardening-S3-Secret)';
SELECT count(*) AS secrets_in_api FROM (SELECT api.pipeline()::text AS t UNION ALL
    SELECT string_agg(a::text, ' ') FROM api.accounts() a UNION ALL
    SELECT string_agg(s::text, ' ') FROM tracker.s3_settings s) x
WHERE t ~ '(Hardening-Client-Secret|Hardening-Refresh-Token|Code-4711|Hardening-S3-Secret)';
ROLLBACK;

-- Clean up.
DELETE FROM tracker.account WHERE account_id IN (900001, 900002);
INSERT INTO tracker.s3_target SELECT * FROM hardening.s3_target;
INSERT INTO tracker.s3_key SELECT * FROM hardening.s3_key;
DROP SCHEMA hardening CASCADE;
DROP ROLE hardening_plain, hardening_files;
