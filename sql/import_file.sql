-- Importing server-side files and directories.
\i sql/prelude.psql
\getenv fixtures TRACKER_FIXTURES
SELECT tracker.add_account('kory', 'America/Edmonton', 'fitbit_import',
                           birth_date => '1987-01-01');
SELECT tracker.add_account(name => 'export person', time_zone => 'Asia/Singapore',
                           provider => 'fitbit_import');

-- Three real days of saved Fitbit Web API responses (account 1, Edmonton).
SELECT base(file), kind, status, days, samples, message
FROM tracker.import_fitbit_file(1, :'fixtures' || '/korymath');
-- Importing the directory again changes nothing.
CREATE TEMP TABLE snap AS
SELECT account_id, day, samples, wear_minutes, resting_hr, updated_at
FROM gold.daily JOIN silver.heart_rate_day USING (account_id, day, samples);
SELECT base(file), status FROM tracker.import_fitbit_file(1, :'fixtures' || '/korymath');
SELECT base(file), status
FROM tracker.import_fitbit_file(1, :'fixtures' || '/korymath/2017-05-02_datadumpHeart.json');
SELECT count(*) AS changed FROM (
    SELECT account_id, day, samples, wear_minutes, resting_hr, updated_at
    FROM gold.daily JOIN silver.heart_rate_day USING (account_id, day, samples)
    EXCEPT SELECT * FROM snap) c;
SELECT count(*) AS payloads, sum(byte_size) AS bytes FROM bronze.payload WHERE account_id = 1;

-- An account export (account 2, Asia/Singapore: UTC+8).  Times in the
-- export are UTC; samples with confidence 0 are left out of silver.
SELECT base(file), kind, status, days, samples, message
FROM tracker.import_fitbit_file(2, :'fixtures' || '/export');
SELECT day, samples, wear_minutes, zone1_minutes, zone2_minutes,
       zone3_minutes, zone4_minutes, zone_source, resting_hr,
       reported_resting_hr, reported_zone1_minutes, reported_zone2_minutes,
       reported_zone3_minutes, reported_zone4_minutes
FROM tracker.daily(2, '[2018-10-01,2018-10-10)');
SELECT min(ts) AT TIME ZONE 'Asia/Singapore' AS first_local, count(*) AS samples
FROM silver.heart_rate WHERE account_id = 2;

-- A directory with bad files: each is reported, none stops the others.
SELECT base(file), kind, status, days, samples,
       regexp_replace(message, '"/[^"]*/', '".../', 'g') AS message
FROM tracker.import_fitbit_file(2, :'fixtures' || '/bad');
SELECT kind, status, reason FROM bronze.payload
WHERE account_id = 2 AND status = 'rejected' ORDER BY reason;

-- A single bad file is an error that names the file and the field.
\x on
SELECT * FROM try(format('SELECT tracker.import_fitbit_file(1, %L)', :'fixtures' || '/bad/heart_rate-2018-11-02.json'));
SELECT * FROM try(format('SELECT tracker.import_fitbit_file(1, %L)', :'fixtures' || '/bad/heart_rate-2018-11-01.json'));
SELECT * FROM try(format('SELECT tracker.import_fitbit_file(1, %L)', :'fixtures' || '/bad/unknown_shape.json'));
SELECT * FROM try(format('SELECT tracker.import_fitbit_file(1, %L)', :'fixtures' || '/no/such/file.json'));
SELECT * FROM try($$SELECT tracker.import_fitbit_file(1, 'relative/path.json')$$);
SELECT * FROM try($$SELECT tracker.import_fitbit_file(1, NULL)$$);
\x off
-- Rejected JSON documents are kept; bytes that are not JSON are not.
SELECT kind, status, reason FROM bronze.payload
WHERE account_id = 1 AND status = 'rejected' ORDER BY payload_id;

-- Reading server files needs superuser or pg_read_server_files, even when
-- the function itself has been granted.
CREATE ROLE tracker_reader;
SET ROLE tracker_reader;
SELECT code, message FROM try(format('SELECT tracker.import_fitbit_file(1, %L)', :'fixtures' || '/export'));
RESET ROLE;
GRANT USAGE ON SCHEMA tracker TO tracker_reader;
SET ROLE tracker_reader;
SELECT code, message FROM try(format('SELECT tracker.import_fitbit_file(1, %L)', :'fixtures' || '/export'));
RESET ROLE;
GRANT EXECUTE ON FUNCTION tracker.import_fitbit_file(integer, text) TO tracker_reader;
SET ROLE tracker_reader;
\x on
SELECT * FROM try(format('SELECT tracker.import_fitbit_file(1, %L)', :'fixtures' || '/export'));
\x off
RESET ROLE;
REVOKE ALL ON FUNCTION tracker.import_fitbit_file(integer, text) FROM tracker_reader;
REVOKE ALL ON SCHEMA tracker FROM tracker_reader;
DROP ROLE tracker_reader;
