/* src/schema/archive.sql: part of the tracker install script (see SCHEMA_PARTS in the Makefile) */

------------------------------------------------------------------------------
-- The S3 archive: monthly bundles of bronze payloads, lifecycle, restore
------------------------------------------------------------------------------

/*
 * Where the archive lives, in two tables.  tracker.s3_target holds what is
 * no secret (endpoint, bucket, region, prefix, URL style) and goes into
 * dumps, so that a restored database still knows its archive.
 * tracker.s3_key holds the keys: secrets like the OAuth tokens, readable only
 * by the extension owner, never in a dump, and never put in a message, a log
 * line or pg_stat_activity.  After a restore the keys must be set again
 * (tracker.set_s3_keys()); tracker.s3_settings says so.
 */
CREATE TABLE tracker.s3_target (
	singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	endpoint text NOT NULL,
	bucket text NOT NULL,
	region text NOT NULL,
	prefix text NOT NULL,
	path_style boolean NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE tracker.s3_target IS
	'The S3 bucket of the archive (no keys); kept in dumps';

CREATE TABLE tracker.s3_key (
	singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton)
		REFERENCES tracker.s3_target ON DELETE CASCADE,
	access_key text NOT NULL,
	secret_key text NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now()
);

REVOKE ALL ON tracker.s3_target, tracker.s3_key FROM PUBLIC;

COMMENT ON TABLE tracker.s3_key IS
	'The keys of the archive''s bucket; readable only by the extension owner, never in a dump';

-- Everything a request needs, when both halves are there (what the C code reads).
CREATE VIEW tracker.s3_config AS
SELECT t.endpoint, t.bucket, t.region, k.access_key, k.secret_key, t.prefix, t.path_style,
	   greatest(t.updated_at, k.updated_at) AS updated_at
FROM tracker.s3_target t
	JOIN tracker.s3_key k ON k.singleton = t.singleton;

REVOKE ALL ON tracker.s3_config FROM PUBLIC;

COMMENT ON VIEW tracker.s3_config IS
	'The S3 bucket of the archive and its keys; readable only by the extension owner';

CREATE VIEW tracker.s3_settings AS
SELECT t.endpoint, t.bucket, t.region, t.prefix, t.path_style, t.updated_at,
	   CASE WHEN k.singleton IS NULL THEN 'keys_missing' ELSE 'ready' END AS state,
	   CASE WHEN k.singleton IS NULL
			THEN 'the S3 keys are not part of a dump: set them with tracker.set_s3_keys()'
	   END AS reason
FROM tracker.s3_target t
	LEFT JOIN tracker.s3_key k ON k.singleton = t.singleton;

COMMENT ON VIEW tracker.s3_settings IS
	'Where the archive lives, without the keys, and whether the keys are set';

/*
 * The checks of the bucket's keys, for tracker.set_s3() and
 * tracker.set_s3_keys(): no message quotes a key.
 */
CREATE FUNCTION tracker.s3_check_keys(access_key text, secret_key text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF coalesce(access_key, '') = '' OR access_key ~ '[:\s]' THEN
		RAISE EXCEPTION 'access key must not be empty or contain a colon or white space'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF coalesce(secret_key, '') = '' THEN
		RAISE EXCEPTION 'secret key must not be empty'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
END
$$;

CREATE FUNCTION tracker.set_s3(endpoint text, bucket text, region text,
							   access_key text, secret_key text,
							   prefix text DEFAULT 'tracker/',
							   path_style boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	ep text := rtrim(endpoint, '/');
BEGIN
	IF ep IS NULL OR ep !~ '^https?://[A-Za-z0-9.:\[\]-]+$' THEN
		RAISE EXCEPTION 'endpoint must be an http or https URL of a host, without a path'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'For example ''https://s3.eu-central-1.amazonaws.com'' or ''http://minio:9000''.';
	END IF;
	IF bucket IS NULL OR bucket !~ '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$' OR bucket ~ '\.\.' THEN
		RAISE EXCEPTION 'bucket name "%" is not valid', left(bucket, 64)
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'S3 bucket names have 3 to 63 lower-case letters, digits, dots and hyphens.';
	END IF;
	IF region IS NULL OR region !~ '^[a-z0-9-]{1,64}$' THEN
		RAISE EXCEPTION 'region "%" is not valid', left(region, 64)
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Give the bucket''s region, e.g. ''eu-central-1''; MinIO uses ''us-east-1'' unless configured otherwise.';
	END IF;
	PERFORM tracker.s3_check_keys(access_key, secret_key);
	IF prefix IS NULL OR (prefix <> '' AND (prefix !~ '^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*/$'
											OR prefix ~ '(^|/)\.\.?/')) THEN
		RAISE EXCEPTION 'prefix "%" is not valid', left(prefix, 256)
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A prefix is empty or ends with "/", e.g. ''tracker/''; its parts hold letters, digits, ".", "_" and "-".';
	END IF;
	IF path_style IS NULL THEN
		RAISE EXCEPTION 'path_style must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;

	INSERT INTO tracker.s3_target AS t (endpoint, bucket, region, prefix, path_style)
	VALUES (ep, set_s3.bucket, set_s3.region, set_s3.prefix, set_s3.path_style)
	ON CONFLICT (singleton) DO UPDATE
		SET endpoint = excluded.endpoint, bucket = excluded.bucket, region = excluded.region,
			prefix = excluded.prefix, path_style = excluded.path_style, updated_at = now();
	PERFORM tracker.set_s3_keys(set_s3.access_key, set_s3.secret_key);
	RETURN format('s3://%s/%s at %s', set_s3.bucket, set_s3.prefix, ep);
END
$$;

COMMENT ON FUNCTION tracker.set_s3(text, text, text, text, text, text, boolean) IS
	'Set the S3 bucket of the archive (keep the call out of statement logs: see README)';

/*
 * The keys alone, for a bucket already set: what a database restored from a
 * dump needs, since dumps never hold the keys.
 */
CREATE FUNCTION tracker.set_s3_keys(access_key text, secret_key text)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t tracker.s3_target;
BEGIN
	SELECT * INTO t FROM tracker.s3_target;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'S3 is not configured'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Call tracker.set_s3() with the endpoint, bucket, region and keys of the archive.';
	END IF;
	PERFORM tracker.s3_check_keys(access_key, secret_key);
	INSERT INTO tracker.s3_key AS k (access_key, secret_key)
	VALUES (set_s3_keys.access_key, set_s3_keys.secret_key)
	ON CONFLICT (singleton) DO UPDATE
		SET access_key = excluded.access_key, secret_key = excluded.secret_key,
			updated_at = now();
	PERFORM tracker.wake_scheduler();
	RETURN format('s3://%s/%s at %s', t.bucket, t.prefix, t.endpoint);
END
$$;

COMMENT ON FUNCTION tracker.set_s3_keys(text, text) IS
	'Set the keys of the archive''s bucket again, e.g. after a restore from a dump (keep the call out of statement logs: see README)';

/*
 * Which month each payload belongs to: the earliest local day it holds data
 * for (or the day it arrived, when it holds none).  Filled by the archive,
 * once per payload.
 */
CREATE TABLE tracker.archive_payload (
	account_id integer NOT NULL,
	payload_id bigint NOT NULL,
	data_type text NOT NULL,
	day date NOT NULL,
	PRIMARY KEY (account_id, payload_id),
	FOREIGN KEY (account_id, payload_id) REFERENCES bronze.payload ON DELETE CASCADE
);

CREATE INDEX archive_payload_month ON tracker.archive_payload (account_id, data_type, day);

/*
 * Payloads removed from bronze by tracker.bronze_retention (see
 * tracker.bronze_retire()) once a verified bundle held them.  What the
 * archive still needs of them is kept here: their place in a month and
 * their SHA-256, so that the month's fingerprint stays that of its bundle,
 * and a new version of the bundle (a late payload for the month) carries
 * their lines over from the bundle that held them.
 */
CREATE TABLE tracker.archive_retired (
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	payload_id bigint NOT NULL,
	data_type text NOT NULL,
	day date NOT NULL,
	sha256 bytea NOT NULL,
	byte_size integer NOT NULL,
	status text NOT NULL,
	received_at timestamptz NOT NULL,
	bundle_key text NOT NULL,	-- the verified bundle that holds it
	retired_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, payload_id)
);

CREATE INDEX archive_retired_month ON tracker.archive_retired (account_id, data_type, day);

COMMENT ON TABLE tracker.archive_retired IS
	'Payloads removed from bronze after a verified archive held them: their month and SHA-256, for the archive';

-- What the bucket holds for each account, data type and month.
CREATE TABLE tracker.archive_bundle (
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	data_type text NOT NULL,
	month date NOT NULL CHECK (extract(day FROM month) = 1),
	version integer NOT NULL CHECK (version > 0),
	payloads integer NOT NULL,
	payload_bytes bigint NOT NULL,
	fingerprint bytea NOT NULL,	-- SHA-256 over the payloads' SHA-256, in payload order
	bundle_key text NOT NULL,
	bundle_size bigint NOT NULL,
	bundle_sha256 bytea NOT NULL,
	manifest_key text NOT NULL,
	archived_at timestamptz NOT NULL,
	verified_at timestamptz,
	run_id bigint,
	PRIMARY KEY (account_id, data_type, month)
);

COMMENT ON TABLE tracker.archive_bundle IS
	'The newest archived version of each account''s data type and month, as verified in the bucket';

-- Archive runs, scheduled (by the archive worker) and manual (tracker.archive()).
CREATE TABLE tracker.archive_run (
	run_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	trigger text NOT NULL CHECK (trigger IN ('manual', 'scheduled')),
	through date NOT NULL,
	state text NOT NULL DEFAULT 'queued'
		CHECK (state IN ('queued', 'running', 'done', 'failed')),
	worker_pid integer,
	created_at timestamptz NOT NULL DEFAULT now(),
	started_at timestamptz,
	finished_at timestamptz,
	bundles_total integer NOT NULL DEFAULT 0,
	bundles_done integer NOT NULL DEFAULT 0,
	uploaded integer NOT NULL DEFAULT 0,
	unchanged integer NOT NULL DEFAULT 0,
	bytes_uploaded bigint NOT NULL DEFAULT 0,
	last_error text
);

CREATE INDEX archive_run_active ON tracker.archive_run (state)
	WHERE state IN ('queued', 'running');

COMMENT ON TABLE tracker.archive_run IS
	'Archive runs with their progress (bundles done of total, uploaded, unchanged) and errors';

CREATE FUNCTION tracker.archive(through date DEFAULT current_date - 1)
RETURNS TABLE (account_id integer, data_type text, month date, version integer,
			   payloads integer, bytes bigint, status text, object text)
AS 'MODULE_PATHNAME', 'tracker_archive'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION tracker.archive(date) IS
	'Archive every month up to the month of "through" to S3 now; one row per bundle: uploaded, unchanged or adopted';

CREATE FUNCTION tracker.restore_from_s3(account integer DEFAULT NULL,
										days daterange DEFAULT NULL)
RETURNS TABLE (account_id integer, data_type text, month date, version integer,
			   payloads integer, restored integer, status text, detail text)
AS 'MODULE_PATHNAME', 'tracker_restore_from_s3'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION tracker.restore_from_s3(integer, daterange) IS
	'Restore archived months (of one account, overlapping days) through bronze, silver and gold; all or nothing';

CREATE FUNCTION tracker.apply_s3_lifecycle(after_days integer DEFAULT 180,
										   storage_class text DEFAULT 'DEEP_ARCHIVE',
										   OUT rule_id text, OUT rule_prefix text,
										   OUT other_rules integer, OUT document text)
RETURNS record
AS 'MODULE_PATHNAME', 'tracker_apply_s3_lifecycle'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION tracker.apply_s3_lifecycle(integer, text) IS
	'Merge Tracker''s rule (bundles to a colder storage class after some days) into the bucket''s lifecycle configuration';

CREATE FUNCTION tracker.s3_lifecycle_merge(current text, prefix text DEFAULT 'tracker/',
										   after_days integer DEFAULT 180,
										   storage_class text DEFAULT 'DEEP_ARCHIVE')
RETURNS text
AS 'MODULE_PATHNAME', 'tracker_s3_lifecycle_merge'
LANGUAGE C IMMUTABLE;

COMMENT ON FUNCTION tracker.s3_lifecycle_merge(text, text, integer, text) IS
	'The lifecycle configuration apply_s3_lifecycle would write, given the current one (no request)';

-- When the next scheduled archive is due (null: not configured, or one is under way).
CREATE FUNCTION tracker.archive_next_at(every interval DEFAULT NULL)
RETURNS timestamptz
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE
		WHEN NOT EXISTS (SELECT 1 FROM tracker.s3_config) THEN NULL
		WHEN l.run_id IS NULL THEN now()
		WHEN l.state IN ('queued', 'running') THEN NULL
		WHEN l.state = 'failed'
			THEN l.finished_at + least(e.every,
				interval '1 minute' * power(2, least(f.failures - 1, 12)))
		ELSE l.created_at + e.every
	END
	FROM (SELECT coalesce($1, coalesce(current_setting('tracker.archive_interval', true),
									   '1d')::interval) AS every) e
		LEFT JOIN LATERAL (SELECT * FROM tracker.archive_run
						   ORDER BY run_id DESC LIMIT 1) l ON true
		LEFT JOIN LATERAL (SELECT count(*) AS failures FROM tracker.archive_run r
						   WHERE r.state = 'failed'
							 AND r.run_id > coalesce((SELECT max(run_id) FROM tracker.archive_run
													  WHERE state = 'done'), 0)) f ON true
$$;

/*
 * Every payload the archive places in a month: those in bronze and those
 * retired from it after a verified archive.
 */
CREATE VIEW tracker.archive_item AS
SELECT x.account_id, x.payload_id, x.data_type, x.day, p.sha256, p.byte_size,
	   false AS retired
FROM tracker.archive_payload x
	JOIN bronze.payload p ON p.account_id = x.account_id AND p.payload_id = x.payload_id
UNION ALL
SELECT r.account_id, r.payload_id, r.data_type, r.day, r.sha256, r.byte_size, true
FROM tracker.archive_retired r;

REVOKE ALL ON tracker.archive_item FROM PUBLIC;

COMMENT ON VIEW tracker.archive_item IS
	'Every payload of the archive''s months: held in bronze or retired from it';

-- Per account, data type and month: what the database holds against what is archived.
CREATE VIEW tracker.archive_status AS
WITH held AS (
	SELECT i.account_id, i.data_type, date_trunc('month', i.day)::date AS month,
		   count(*) AS payloads,
		   sha256(string_agg(i.sha256, ''::bytea ORDER BY i.payload_id)) AS fingerprint
	FROM tracker.archive_item i
	GROUP BY 1, 2, 3)
SELECT coalesce(h.account_id, b.account_id) AS account_id,
	   coalesce(h.data_type, b.data_type) AS data_type,
	   coalesce(h.month, b.month) AS month,
	   coalesce(h.payloads, 0) AS payloads,
	   b.version, b.payloads AS archived_payloads, b.bundle_size, b.archived_at,
	   b.bundle_key,
	   CASE WHEN b.account_id IS NULL THEN 'not_archived'
			WHEN h.account_id IS NULL THEN 'archived_only'
			WHEN h.fingerprint = b.fingerprint THEN 'archived'
			ELSE 'changed' END AS state
FROM held h
	FULL JOIN tracker.archive_bundle b
		ON b.account_id = h.account_id AND b.data_type = h.data_type AND b.month = h.month;

COMMENT ON VIEW tracker.archive_status IS
	'Per account, data type and month: archived, changed since, not archived yet, or only in the archive';

-- The archive at a glance, for api.pipeline().
CREATE FUNCTION tracker.archive_summary()
RETURNS json
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT json_build_object(
		'configured', EXISTS (SELECT 1 FROM tracker.s3_config),
		'keys_missing', EXISTS (SELECT 1 FROM tracker.s3_settings WHERE state = 'keys_missing'),
		'enabled', coalesce(current_setting('tracker.archive_enabled', true), 'on')::boolean,
		'next_run_at', tracker.archive_next_at(),
		'bundles', (SELECT count(*) FROM tracker.archive_bundle),
		'payloads', (SELECT coalesce(sum(payloads), 0) FROM tracker.archive_bundle),
		'bytes', (SELECT coalesce(sum(bundle_size), 0) FROM tracker.archive_bundle),
		'last_archived_at', (SELECT max(archived_at) FROM tracker.archive_bundle),
		'months_pending', (SELECT count(*) FROM tracker.archive_status
						   WHERE state IN ('not_archived', 'changed')),
		'runs', (SELECT coalesce(json_agg(json_build_object(
					'id', r.run_id, 'trigger', r.trigger, 'through', r.through,
					'state', r.state, 'created_at', r.created_at,
					'finished_at', r.finished_at, 'bundles_total', r.bundles_total,
					'bundles_done', r.bundles_done, 'uploaded', r.uploaded,
					'unchanged', r.unchanged, 'bytes_uploaded', r.bytes_uploaded,
					'last_error', r.last_error) ORDER BY r.run_id DESC), '[]')
				 FROM (SELECT * FROM tracker.archive_run ORDER BY run_id DESC LIMIT 10) r))
$$;

COMMENT ON FUNCTION tracker.archive_summary() IS
	'The archive as one JSON document: configured, next run, bundles, bytes, recent runs';

/*
 * Retention: raw payloads received longer ago than tracker.bronze_retention
 * (or older_than) leave bronze, but only those of a month whose bundle was
 * verified in the bucket and holds exactly what the database places in that
 * month (its fingerprint matches).  Nothing goes while the archive is not
 * configured, and nothing that no verified bundle holds, rejected payloads
 * included.  At most max_payloads go per call, so that the archive worker
 * can call it in short transactions.  A payload that stays and is kept as a
 * delta against one that goes is rewritten whole in the same transaction.
 */
CREATE FUNCTION tracker.bronze_retire(older_than interval DEFAULT NULL,
									  max_payloads integer DEFAULT 500,
									  OUT payloads integer, OUT bytes bigint)
RETURNS record
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	keep interval := coalesce(older_than,
							  nullif(current_setting('tracker.bronze_retention', true), '')::interval,
							  interval '0');
	gone_accounts integer[];
	gone_ids bigint[];
BEGIN
	payloads := 0;
	bytes := 0;
	IF max_payloads IS NULL OR max_payloads < 1 THEN
		RAISE EXCEPTION 'max_payloads must be at least 1'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF keep < interval '0' THEN
		RAISE EXCEPTION 'older_than must not be negative'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- zero keeps everything (and so does an age beyond any timestamp);
	-- so does an archive that is not configured
	IF keep = interval '0' OR keep > interval '1000 years'
	   OR NOT EXISTS (SELECT 1 FROM tracker.s3_target) THEN
		RETURN;
	END IF;

	WITH candidate AS (
		SELECT DISTINCT x.account_id, x.data_type, date_trunc('month', x.day)::date AS month
		FROM tracker.archive_payload x
			JOIN bronze.payload p ON p.account_id = x.account_id AND p.payload_id = x.payload_id
		WHERE p.received_at < now() - keep),
	verified AS (
		SELECT b.account_id, b.data_type, b.month, b.bundle_key
		FROM candidate c
			JOIN tracker.archive_bundle b
				ON b.account_id = c.account_id AND b.data_type = c.data_type AND b.month = c.month
		WHERE b.verified_at IS NOT NULL
		  AND b.fingerprint = (SELECT sha256(string_agg(i.sha256, ''::bytea ORDER BY i.payload_id))
							   FROM tracker.archive_item i
							   WHERE i.account_id = b.account_id AND i.data_type = b.data_type
								 AND i.day >= b.month AND i.day < (b.month + interval '1 month')::date)),
	victim AS (
		SELECT x.account_id, x.payload_id, x.data_type, x.day, p.sha256, p.byte_size,
			   p.status, p.received_at, v.bundle_key
		FROM verified v
			JOIN tracker.archive_payload x
				ON x.account_id = v.account_id AND x.data_type = v.data_type
				AND x.day >= v.month AND x.day < (v.month + interval '1 month')::date
			JOIN bronze.payload p ON p.account_id = x.account_id AND p.payload_id = x.payload_id
		WHERE p.received_at < now() - keep
		ORDER BY x.account_id, x.payload_id
		LIMIT max_payloads
		FOR UPDATE OF p SKIP LOCKED),
	kept AS (
		INSERT INTO tracker.archive_retired (account_id, payload_id, data_type, day, sha256,
											 byte_size, status, received_at, bundle_key)
		SELECT account_id, payload_id, data_type, day, sha256, byte_size, status,
			   received_at, bundle_key
		FROM victim
		RETURNING account_id, payload_id)
	SELECT coalesce(array_agg(account_id), '{}'), coalesce(array_agg(payload_id), '{}')
	INTO gone_accounts, gone_ids
	FROM kept;

	-- A payload that stays and is a delta against one that goes is kept
	-- whole first (tracker.payload_base_check(): a base that something
	-- still rests on cannot go).
	UPDATE bronze.payload p
	SET body = tracker.payload_body(account_id => p.account_id, payload_id => p.payload_id),
		base_payload_id = NULL
	FROM unnest(gone_accounts, gone_ids) g(account_id, payload_id)
	WHERE p.account_id = g.account_id AND p.base_payload_id = g.payload_id
	  AND NOT EXISTS (SELECT 1 FROM unnest(gone_accounts, gone_ids) k(account_id, payload_id)
					  WHERE k.account_id = p.account_id AND k.payload_id = p.payload_id);

	WITH gone AS (
		DELETE FROM bronze.payload p
		USING unnest(gone_accounts, gone_ids) g(account_id, payload_id)
		WHERE p.account_id = g.account_id AND p.payload_id = g.payload_id
		RETURNING p.byte_size)
	SELECT count(*), coalesce(sum(byte_size), 0) INTO payloads, bytes FROM gone;
END
$$;

COMMENT ON FUNCTION tracker.bronze_retire(interval, integer) IS
	'Remove raw payloads older than tracker.bronze_retention (or older_than) that a verified archive bundle holds; at most max_payloads per call';

-- Where the archive lives, what was archived, and the runs go into dumps;
-- the keys do not.
SELECT pg_catalog.pg_extension_config_dump('tracker.s3_target', '');
SELECT pg_catalog.pg_extension_config_dump('tracker.archive_payload', '');
SELECT pg_catalog.pg_extension_config_dump('tracker.archive_retired', '');
SELECT pg_catalog.pg_extension_config_dump('tracker.archive_bundle', '');
SELECT pg_catalog.pg_extension_config_dump('tracker.archive_run', '');
