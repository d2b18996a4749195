-- The S3 archive without a network: argument checks, the settings and who
-- may read them, and the lifecycle document Tracker writes.
\i sql/prelude.psql

-- Nothing is configured yet.
SELECT * FROM try($$SELECT * FROM tracker.archive()$$);
SELECT * FROM try($$SELECT * FROM tracker.restore_from_s3()$$);
SELECT * FROM try($$SELECT * FROM tracker.apply_s3_lifecycle()$$);
SELECT tracker.archive_next_at() IS NULL AS no_schedule_without_s3;
SELECT tracker.archive_summary()::jsonb - 'enabled' AS summary;

-- Bad settings are refused, naming what is wrong (and never echoing a secret).
SELECT * FROM try($$SELECT tracker.set_s3('ftp://s3.example.com', 'b-1', 'eu-west-1', 'AK', 'SK')$$);
SELECT * FROM try($$SELECT tracker.set_s3('https://s3.example.com/path', 'b-1', 'eu-west-1', 'AK', 'SK')$$);
SELECT * FROM try($$SELECT tracker.set_s3('https://user:pw@s3.example.com', 'b-1', 'eu-west-1', 'AK', 'SK')$$);
SELECT * FROM try($$SELECT tracker.set_s3('https://s3.example.com', 'Bad_Bucket', 'eu-west-1', 'AK', 'SK')$$);
SELECT * FROM try($$SELECT tracker.set_s3('https://s3.example.com', 'ab', 'eu-west-1', 'AK', 'SK')$$);
SELECT * FROM try($$SELECT tracker.set_s3('https://s3.example.com', 'b-1', 'EU West', 'AK', 'SK')$$);
SELECT * FROM try($$SELECT tracker.set_s3('https://s3.example.com', 'b-1', 'eu-west-1', 'A:K', 'SK')$$);
SELECT * FROM try($$SELECT tracker.set_s3('https://s3.example.com', 'b-1', 'eu-west-1', 'AK', '')$$);
SELECT * FROM try($$SELECT tracker.set_s3('https://s3.example.com', 'b-1', 'eu-west-1', 'AK', 'SK', 'tracker')$$);
SELECT * FROM try($$SELECT tracker.set_s3('https://s3.example.com', 'b-1', 'eu-west-1', 'AK', 'SK', '/tracker')$$);
SELECT * FROM try($$SELECT tracker.set_s3('https://s3.example.com', 'b-1', 'eu-west-1', 'AK', 'SK', 'a/../')$$);
SELECT * FROM try($$SELECT tracker.set_s3('https://s3.example.com', 'b-1', 'eu-west-1', 'AK', 'SK', 'a//b/')$$);
SELECT * FROM try($$SELECT tracker.set_s3('https://s3.example.com', 'b-1', 'eu-west-1', 'AK', 'SK', 'a/', NULL)$$);

-- A good one; a trailing slash of the endpoint is dropped.
SELECT tracker.set_s3('https://s3.eu-central-1.amazonaws.com/', 'my-archive', 'eu-central-1',
                      'AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
SELECT tracker.set_s3('http://127.0.0.1:1', 'my-archive', 'us-east-1',
                      'AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
                      prefix => 'home/tracker/', path_style => true);
SELECT endpoint, bucket, region, prefix, path_style, state, reason FROM tracker.s3_settings;
SELECT count(*) AS rows FROM tracker.s3_config;
SELECT tracker.archive_next_at() <= now() AS first_archive_due_now;

-- The keys are the owner's alone: the dashboard's role sees nothing.
SET ROLE tracker_web;
SELECT * FROM try($$SELECT secret_key FROM tracker.s3_config$$);
SELECT * FROM try($$SELECT secret_key FROM tracker.s3_key$$);
SELECT * FROM try($$SELECT * FROM tracker.s3_settings$$);
SELECT * FROM try($$SELECT * FROM tracker.archive()$$);
RESET ROLE;
SELECT has_table_privilege('tracker_web', 'tracker.s3_config', 'SELECT') AS web_reads_keys,
       has_table_privilege('tracker_web', 'tracker.s3_key', 'SELECT') AS web_reads_key_table,
       has_function_privilege('tracker_web', 'tracker.set_s3(text,text,text,text,text,text,boolean)', 'EXECUTE') AS web_sets_s3,
       has_function_privilege('tracker_web', 'tracker.restore_from_s3(integer,daterange)', 'EXECUTE') AS web_restores;
-- ...and dumps leave them out, but keep where the archive lives and what
-- was archived.
SELECT c.relname, c.oid = ANY (e.extconfig) AS dumped
FROM pg_extension e, pg_class c
WHERE e.extname = 'tracker'
  AND c.oid IN ('tracker.s3_config'::regclass, 'tracker.s3_key'::regclass,
                'tracker.s3_target'::regclass, 'tracker.archive_bundle'::regclass,
                'tracker.archive_run'::regclass, 'tracker.archive_payload'::regclass)
ORDER BY 1;

-- A restored database has the bucket but not the keys: the settings say so,
-- nothing is scheduled, and tracker.set_s3_keys() sets the keys alone.
DELETE FROM tracker.s3_key;
SELECT state, reason FROM tracker.s3_settings;
SELECT count(*) AS rows FROM tracker.s3_config;
SELECT tracker.archive_next_at() IS NULL AS no_schedule_without_keys;
SELECT tracker.archive_summary()::jsonb -> 'configured' AS configured,
       tracker.archive_summary()::jsonb -> 'keys_missing' AS keys_missing;
SELECT * FROM try($$SELECT * FROM tracker.archive()$$);
SELECT * FROM try($$SELECT tracker.set_s3_keys('A:K', 'SK')$$);
SELECT * FROM try($$SELECT tracker.set_s3_keys('AK', NULL)$$);
SELECT tracker.set_s3_keys('AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
SELECT state, reason FROM tracker.s3_settings;
SELECT tracker.archive_next_at() <= now() AS archive_due_again;

-- Arguments are checked before any request is made.
SELECT * FROM try($$SELECT * FROM tracker.archive(NULL)$$);
SELECT * FROM try($$SELECT * FROM tracker.archive('infinity')$$);
SELECT * FROM try($$SELECT * FROM tracker.restore_from_s3(days => 'empty')$$);
SELECT * FROM try($$SELECT * FROM tracker.restore_from_s3(account => 0)$$);
SELECT * FROM try($$SELECT * FROM tracker.apply_s3_lifecycle(-1)$$);
SELECT * FROM try($$SELECT * FROM tracker.apply_s3_lifecycle(36501)$$);
SELECT * FROM try($$SELECT * FROM tracker.apply_s3_lifecycle(10, 'STANDARD_IA')$$);
SELECT * FROM try($$SELECT * FROM tracker.apply_s3_lifecycle(180, 'COLD')$$);
SELECT * FROM try($$SELECT * FROM tracker.apply_s3_lifecycle(180, NULL)$$);

-- The rule Tracker writes into an empty configuration: bundles (not
-- manifests) of its prefix, 128 KiB and larger, to Deep Archive after
-- 180 days.
SELECT line FROM regexp_split_to_table(rtrim(tracker.s3_lifecycle_merge(NULL), E'\n'), E'\n') AS line;
SELECT line FROM regexp_split_to_table(rtrim(tracker.s3_lifecycle_merge('', 'home/tracker/', 30, 'glacier'), E'\n'), E'\n') AS line;

-- Merging keeps every other rule exactly, replaces Tracker's own rule for the
-- same prefix, and keeps Tracker's rule of another prefix.
SELECT line FROM regexp_split_to_table(rtrim(tracker.s3_lifecycle_merge($$<?xml version="1.0" encoding="UTF-8"?>
<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ID>logs &amp; traces</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule><Rule><ID>tracker-archive:tracker/bundles/</ID><Filter><Prefix>tracker/bundles/</Prefix></Filter><Status>Enabled</Status><Transition><Days>365</Days><StorageClass>GLACIER</StorageClass></Transition></Rule><Rule>
    <ID>tracker-archive:other/bundles/</ID>
    <Filter><Prefix>other/bundles/</Prefix></Filter>
    <Status>Disabled</Status>
    <Transition><Days>90</Days><StorageClass>DEEP_ARCHIVE</StorageClass></Transition>
  </Rule><Rule><Filter/><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>$$,
  'tracker/', 200, 'DEEP_ARCHIVE'), E'\n'), E'\n') AS line;
SELECT * FROM try($$SELECT tracker.s3_lifecycle_merge('<Error><Code>NoSuchLifecycleConfiguration</Code></Error>')$$);
SELECT * FROM try($$SELECT tracker.s3_lifecycle_merge(NULL, NULL)$$);

-- Nothing was archived, so the status views are empty.
SELECT count(*) AS bundles FROM tracker.archive_bundle;
SELECT count(*) AS runs FROM tracker.archive_run;

DELETE FROM tracker.s3_target;
SELECT * FROM try($$SELECT tracker.set_s3_keys('AK', 'SK')$$);
SELECT count(*) AS key_rows FROM tracker.s3_key;
