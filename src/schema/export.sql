/* src/schema/export.sql: part of the tracker install script (see SCHEMA_PARTS in the Makefile) */

------------------------------------------------------------------------------
-- Export: one account's silver and gold rows as CSV files on the server
------------------------------------------------------------------------------

/*
 * tracker.export(account, days, directory) writes a CSV file (with a header
 * line) per silver and gold table into a directory of the database server
 * and returns a row per file: its path and how many rows it holds.  Heart
 * rate is written as a row per sample, not as the encoded day series silver
 * keeps.  Only typed rows and figures are written: no bronze payload, no
 * token or key (those live in tables of the tracker schema this never
 * reads).
 *
 * Writing server files is what COPY ... TO 'file' allows superusers and
 * roles with the privileges of pg_write_server_files only, so the function
 * runs as its caller (SECURITY INVOKER) and says so clearly before COPY
 * would.  Times are written in UTC and dates in ISO form, whatever the
 * session's settings.
 */
CREATE FUNCTION tracker.export(account integer, days daterange, directory text)
RETURNS TABLE (path text, rows bigint)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
	dir text;
	cond text;
	f record;
	n bigint;
BEGIN
	IF account IS NULL OR days IS NULL OR directory IS NULL THEN
		RAISE EXCEPTION 'account, days and directory must not be null'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Give every day with daterange(NULL, NULL).';
	END IF;
	IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
	   AND NOT pg_catalog.pg_has_role(current_user, 'pg_write_server_files', 'USAGE') THEN
		RAISE EXCEPTION 'must be superuser or have the privileges of pg_write_server_files to export files'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'tracker.export() writes files on the database server as the role that calls it.',
				  HINT = 'Call it as a superuser, or as a role a superuser granted pg_write_server_files to (GRANT pg_write_server_files TO ...).';
	END IF;
	IF left(directory, 1) <> '/' THEN
		RAISE EXCEPTION 'directory "%" is not absolute', directory
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Give the absolute path of a directory on the database server.';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM tracker.account a WHERE a.account_id = export.account) THEN
		RAISE EXCEPTION 'account % does not exist', account
			USING ERRCODE = 'no_data_found';
	END IF;

	dir := rtrim(directory, '/');
	cond := format('account_id = %s AND day <@ %L::daterange', account, days);
	FOR f IN
		SELECT x.file, x.query
		FROM (VALUES
			(1, 'silver.heart_rate.csv',
			 'SELECT d.account_id, d.day, s.ts, s.bpm
			  FROM silver.heart_rate_day d CROSS JOIN LATERAL tracker.series_unnest(d.series) s
			  WHERE d.' || cond || ' ORDER BY d.day, s.ts'),
			(2, 'silver.daily_reported.csv',
			 'SELECT account_id, day, resting_hr, zone1_min, zone2_min, zone3_min, zone4_min,
					 zone4_max, zone1_minutes, zone2_minutes, zone3_minutes, zone4_minutes,
					 source, payload_id, updated_at
			  FROM silver.daily_reported WHERE ' || cond || ' ORDER BY day'),
			(3, 'silver.exercise.csv',
			 'SELECT account_id, exercise_id, exercise_type, display_name, start_at, end_at, day,
					 active_seconds, distance_m, calories_kcal, steps, avg_heart_rate, light_seconds,
					 moderate_seconds, vigorous_seconds, peak_seconds, payload_id, updated_at
			  FROM silver.exercise WHERE ' || cond || ' ORDER BY start_at, exercise_id'),
			(4, 'silver.sleep.csv',
			 'SELECT account_id, sleep_id, sleep_type, start_at, end_at, day, nap, minutes_asleep,
					 minutes_awake, minutes_in_period, stages, payload_id, updated_at
			  FROM silver.sleep WHERE ' || cond || ' ORDER BY start_at, sleep_id'),
			(5, 'silver.steps.csv',
			 'SELECT account_id, start_at, end_at, day, steps
			  FROM silver.steps WHERE ' || cond || ' ORDER BY start_at'),
			(6, 'silver.listen.csv',
			 'SELECT account_id, played_at, track, artist, album, day, recording_mbid, release_mbid,
					 artist_mbids, recording_msid, url, source, payload_id, updated_at
			  FROM silver.listen WHERE ' || cond || ' ORDER BY played_at, listen_key'),
			(7, 'gold.daily.csv',
			 'SELECT account_id, day, samples, wear_minutes, zone1_minutes, zone2_minutes,
					 zone3_minutes, zone4_minutes, zone_source, zone_bounds, resting_hr, resting_hr_raw,
					 resting_hr_state, algorithm_version, computed_at, zone_scheme, below_zone_minutes
			  FROM gold.daily WHERE ' || cond || ' ORDER BY day'),
			(8, 'gold.listening_daily.csv',
			 'SELECT account_id, day, listens, artists, tracks, hours, first_at, last_at, computed_at
			  FROM gold.listening_daily WHERE ' || cond || ' ORDER BY day'))
			AS x(ord, file, query)
		ORDER BY x.ord
	LOOP
		path := dir || '/' || f.file;
		BEGIN
			EXECUTE format('COPY (%s) TO %L WITH (FORMAT csv, HEADER true, ENCODING ''UTF8'')', f.query, path);
			GET DIAGNOSTICS n = ROW_COUNT;
		EXCEPTION WHEN undefined_file THEN
			RAISE EXCEPTION 'could not write "%"', path
				USING ERRCODE = 'undefined_file',
					  DETAIL = format('Directory "%s" does not exist on the database server.', dir),
					  HINT = 'Create the directory first; it must be writable by the operating-system user the server runs as.';
		END;
		rows := n;
		RETURN NEXT;
	END LOOP;
END
$$;

COMMENT ON FUNCTION tracker.export(integer, daterange, text) IS
	'Write an account''s silver and gold rows of some days as CSV files (one per table, heart rate a row per sample) into a server directory; a row per file';

REVOKE ALL ON FUNCTION tracker.export(integer, daterange, text) FROM PUBLIC;

/*
 * One local day's heart-rate samples as rows, for the dashboard's "Download
 * CSV" of the Day view (api.heart_rate_day gives the chart its two arrays in
 * one JSON document, which PostgREST cannot answer as CSV).  The api
 * schema's contract: named arguments, STABLE, the owner's rights with a
 * fixed search_path, executable by the dashboard's role alone (the grants
 * of api.sql are made before this part).
 */
-- PL/pgSQL, not SQL: Citus plans a SQL function's statements without the
-- arguments' values, and cannot route a join to the account's shards then.
CREATE FUNCTION api.heart_rate(account integer, day date)
RETURNS TABLE (ts timestamptz, bpm smallint)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	SELECT s.ts, s.bpm FROM tracker.heart_rate($1, $2) s ORDER BY s.ts;
END
$$;

COMMENT ON FUNCTION api.heart_rate(integer, date) IS
	'One local day of heart-rate samples of an account, a row per sample (the Day view''s CSV)';

REVOKE ALL ON FUNCTION api.heart_rate(integer, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.heart_rate(integer, date) TO tracker_web;
