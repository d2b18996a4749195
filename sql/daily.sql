-- The functions people call read gold.
\i sql/prelude.psql
\getenv fixtures TRACKER_FIXTURES
-- Account 1 holds three real days of saved Fitbit Web API responses
-- (Edmonton); account 2 holds nothing.
SELECT tracker.add_account('kory', 'America/Edmonton', 'fitbit_import',
                           birth_date => '1987-01-01');
SELECT tracker.add_account('nothing yet', 'UTC', 'fitbit_import');
SELECT base(file), status FROM tracker.import_fitbit_file(1, :'fixtures' || '/korymath');
SELECT * FROM tracker.daily(account => 1, days => '[2017-04-01,2017-08-01)');
SELECT * FROM tracker.resting_hr(account => 1, days => '[2017-05-01,2017-05-03)');
SELECT * FROM tracker.zone_minutes(account => 1, days => '[2017-05-01,2017-05-02]');
SELECT * FROM tracker.wear_time(account => 1, days => daterange('2017-06-29', NULL));
SELECT count(*), min(ts), max(ts) FROM tracker.heart_rate(account => 1, day => '2017-05-01');

-- Empty and unknown ranges return no rows.
SELECT count(*) FROM tracker.daily(1, 'empty');
SELECT count(*) FROM tracker.daily(42, '[2017-01-01,2018-01-01)');

-- Status view.
SELECT name, first_day, last_day, days, payloads_accepted, payloads_rejected
FROM tracker.data_status ORDER BY account_id;

-- Storage: bytes per sample of the encoded series (the raw JSON is ~35).
SELECT sum(samples) AS samples,
       round(sum(octet_length(series))::numeric / sum(samples), 2) AS bytes_per_sample_max_1_5
FROM silver.heart_rate_day WHERE account_id = 1
HAVING sum(octet_length(series))::numeric / sum(samples) < 1.5;

-- Every function people call has named arguments (PostgREST calls them by
-- name) and the readers are STABLE.
SELECT p.proname, p.provolatile, array_to_string(p.proargnames[1:p.pronargs], ',') AS args
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'tracker' AND p.proname IN
  ('daily', 'resting_hr', 'zone_minutes', 'wear_time', 'heart_rate', 'add_account',
   'import_fitbit_json', 'import_fitbit_file', 'store_heart_rate', 'recompute')
ORDER BY 1;

-- Dropping the extension removes its schemas; creating it again works.
DROP EXTENSION tracker;
SELECT count(*) FROM pg_namespace WHERE nspname IN ('bronze', 'silver', 'gold', 'api');
CREATE EXTENSION tracker;
SELECT count(*) FROM tracker.account;
