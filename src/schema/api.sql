/* src/schema/api.sql: part of the tracker install script (see SCHEMA_PARTS in the Makefile) */

------------------------------------------------------------------------------
-- api: what PostgREST serves to the dashboard (role tracker_web)
------------------------------------------------------------------------------

/*
 * PostgREST's contract: every function has named arguments (it calls them
 * as GET /rpc/<name>?arg=value), readers are STABLE (GET runs in a
 * read-only transaction), and the anonymous role can execute these and
 * nothing else.  They run as the extension owner (SECURITY DEFINER) with a
 * fixed search_path, and expose figures only: never bronze, never a
 * credential.  Ranges are given as start_date/end_date, both inclusive.
 */

CREATE FUNCTION api.accounts()
RETURNS TABLE (id integer, name text, provider text, time_zone text, state text, reason text,
			   since timestamptz, last_sync timestamptz, data_up_to date,
			   next_sync timestamptz, errors_24h bigint)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT s.account, s.name, s.provider, a.time_zone, s.state, s.reason, s.since, s.last_sync,
		   s.data_up_to, s.next_sync, s.errors_24h
	FROM tracker.account_status s JOIN tracker.account a ON a.account_id = s.account
	ORDER BY s.account
$$;

/*
 * Zones come lowest first as zone1..zone4, with zone_names naming them as
 * the day's source does (tracker.zone_names()); below_zone_minutes and the
 * four zones add up to wear_minutes.  Active Zone Minutes count the second
 * zone (fat burn, moderate) once and the third and fourth twice.
 */
CREATE FUNCTION api.daily(account integer, start_date date, end_date date)
RETURNS TABLE (day date, samples integer, wear_minutes integer,
			   zone_scheme text, zone_names text[], below_zone_minutes integer,
			   zone1_minutes integer, zone2_minutes integer,
			   zone3_minutes integer, zone4_minutes integer, resting_hr smallint,
			   zone_source text, reported_resting_hr real,
			   reported_zone1_minutes real, reported_zone2_minutes real,
			   reported_zone3_minutes real, reported_zone4_minutes real,
			   active_zone_minutes integer)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT d.day, d.samples, d.wear_minutes, d.zone_scheme, tracker.zone_names(d.zone_scheme),
		   d.below_zone_minutes, d.zone1_minutes, d.zone2_minutes, d.zone3_minutes,
		   d.zone4_minutes, d.resting_hr, d.zone_source,
		   d.reported_resting_hr, d.reported_zone1_minutes,
		   d.reported_zone2_minutes, d.reported_zone3_minutes, d.reported_zone4_minutes,
		   d.zone2_minutes + 2 * (d.zone3_minutes + d.zone4_minutes)
	FROM tracker.daily($1, daterange($2, $3, '[]')) d
$$;

CREATE FUNCTION api.resting_hr_trend(account integer, start_date date, end_date date)
RETURNS TABLE (day date, bpm smallint, avg_7d numeric, reported_bpm real)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT x.day, x.bpm, x.avg_7d, x.reported_bpm
	FROM (SELECT d.day, d.resting_hr AS bpm,
				 round(avg(d.resting_hr) OVER (ORDER BY d.day
					   RANGE BETWEEN '6 days' PRECEDING AND CURRENT ROW), 1) AS avg_7d,
				 d.reported_resting_hr AS reported_bpm
		  FROM tracker.daily($1, daterange($2 - 6, $3, '[]')) d) x
	WHERE x.day >= $2
	ORDER BY x.day
$$;

CREATE FUNCTION api.zone_minutes(account integer, start_date date, end_date date)
RETURNS TABLE (day date, zone_scheme text, zone_names text[], below_zones integer,
			   zone1 integer, zone2 integer, zone3 integer, zone4 integer,
			   active_zone_minutes integer)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT g.day, g.zone_scheme, tracker.zone_names(g.zone_scheme), g.below_zone_minutes,
		   g.zone1_minutes, g.zone2_minutes, g.zone3_minutes, g.zone4_minutes,
		   g.zone2_minutes + 2 * (g.zone3_minutes + g.zone4_minutes)
	FROM gold.daily g
	WHERE g.account_id = $1 AND g.day BETWEEN $2 AND $3 AND g.zone_source IS NOT NULL
	ORDER BY g.day
$$;

-- A week's zones are named as its latest day's.
CREATE FUNCTION api.weekly_zone_minutes(account integer, start_date date, end_date date)
RETURNS TABLE (week_start date, zone_names text[], zone2 bigint, zone3 bigint, zone4 bigint,
			   active_zone_minutes bigint, goal integer)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT date_trunc('week', g.day)::date,
		   tracker.zone_names((array_agg(g.zone_scheme ORDER BY g.day DESC))[1]),
		   sum(g.zone2_minutes), sum(g.zone3_minutes), sum(g.zone4_minutes),
		   sum(g.zone2_minutes + 2 * (g.zone3_minutes + g.zone4_minutes)), 150
	FROM gold.daily g
	WHERE g.account_id = $1 AND g.day BETWEEN $2 AND $3 AND g.zone_source IS NOT NULL
	GROUP BY 1 ORDER BY 1
$$;

CREATE FUNCTION api.wear_time(account integer, start_date date, end_date date)
RETURNS TABLE (day date, minutes integer)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT g.day, g.wear_minutes FROM gold.daily g
	WHERE g.account_id = $1 AND g.day BETWEEN $2 AND $3 ORDER BY g.day
$$;

-- One day's series for a chart: epoch seconds and bpm as two arrays.
-- PL/pgSQL, one statement per table: Citus plans a SQL function's
-- statements without the arguments' values, and cannot route them then.
CREATE FUNCTION api.heart_rate_day(account integer, day date)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	tz text;
	t json;
	b json;
	zb json;
	zn json;
	fig json;
BEGIN
	SELECT a.time_zone INTO tz FROM tracker.account a WHERE a.account_id = $1;
	SELECT to_json(coalesce(array_agg(extract(epoch FROM u.ts)::bigint ORDER BY u.ts), '{}')),
		   to_json(coalesce(array_agg(u.bpm ORDER BY u.ts), '{}'))
	INTO t, b
	FROM silver.heart_rate_day h, tracker.series_unnest(h.series) u
	WHERE h.account_id = $1 AND h.day = $2;
	SELECT to_json(g.zone_bounds), to_json(tracker.zone_names(g.zone_scheme)) INTO zb, zn
	FROM gold.daily g WHERE g.account_id = $1 AND g.day = $2;
	SELECT row_to_json(d) INTO fig FROM tracker.daily($1, daterange($2, $2, '[]')) d;
	RETURN json_build_object('day', $2, 'time_zone', tz, 't', t, 'bpm', b,
							 'zone_bounds', zb, 'zone_names', zn, 'figures', fig);
END
$$;

CREATE FUNCTION api.exercises(account integer, start_date date, end_date date)
RETURNS TABLE (id text, day date, exercise_type text, name text, start_at timestamptz,
			   end_at timestamptz, duration_s bigint, distance_km numeric,
			   pace_min_per_km numeric, calories_kcal numeric, steps bigint,
			   avg_heart_rate smallint, light_min numeric, moderate_min numeric,
			   vigorous_min numeric, peak_min numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT e.exercise_id, e.day, e.exercise_type, e.display_name, e.start_at, e.end_at,
		   coalesce(e.active_seconds, extract(epoch FROM e.end_at - e.start_at)::bigint),
		   round((e.distance_m / 1000)::numeric, 2),
		   CASE WHEN e.distance_m > 0 THEN round((coalesce(e.active_seconds,
				extract(epoch FROM e.end_at - e.start_at)) / 60.0 / (e.distance_m / 1000))::numeric, 2) END,
		   round(e.calories_kcal::numeric), e.steps, e.avg_heart_rate,
		   round(e.light_seconds / 60.0, 1), round(e.moderate_seconds / 60.0, 1),
		   round(e.vigorous_seconds / 60.0, 1), round(e.peak_seconds / 60.0, 1)
	FROM silver.exercise e
	WHERE e.account_id = $1 AND e.day BETWEEN $2 AND $3
	ORDER BY e.start_at DESC
$$;

CREATE FUNCTION api.sleep(account integer, start_date date, end_date date)
RETURNS TABLE (id text, day date, start_at timestamptz, end_at timestamptz, nap boolean,
			   minutes_asleep integer, minutes_awake integer, stages jsonb)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT s.sleep_id, s.day, s.start_at, s.end_at, s.nap, s.minutes_asleep,
		   s.minutes_awake, s.stages
	FROM silver.sleep s
	WHERE s.account_id = $1 AND s.day BETWEEN $2 AND $3
	ORDER BY s.start_at DESC
$$;

-- The pipeline at a glance, as one JSON document.
CREATE FUNCTION api.pipeline()
RETURNS json
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT json_build_object(
		'layers', json_build_object(
			'bronze_payloads', (SELECT count(*) FROM bronze.payload),
			'bronze_rejected', (SELECT count(*) FROM bronze.payload WHERE status = 'rejected'),
			'bronze_bytes', (SELECT coalesce(sum(byte_size), 0) FROM bronze.payload),
			'silver_heart_rate_days', (SELECT count(*) FROM silver.heart_rate_day),
			'silver_heart_rate_samples', (SELECT coalesce(sum(samples), 0) FROM silver.heart_rate_day),
			'silver_exercises', (SELECT count(*) FROM silver.exercise),
			'silver_sleep', (SELECT count(*) FROM silver.sleep),
			'silver_steps', (SELECT count(*) FROM silver.steps),
			'silver_listens', (SELECT count(*) FROM silver.listen),
			'gold_days', (SELECT count(*) FROM gold.daily),
			'gold_listening_days', (SELECT count(*) FROM gold.listening_daily)),
		'accounts', (SELECT coalesce(json_agg(a ORDER BY a.id), '[]') FROM api.accounts() a),
		'sync_state', (SELECT coalesce(json_agg(json_build_object(
							'account', account_id, 'data_type', data_type,
							'last_success_at', last_success_at, 'synced_through', synced_through,
							'last_error', last_error, 'last_error_at', last_error_at)
							ORDER BY account_id, data_type), '[]')
					   FROM tracker.sync_state),
		'jobs', (SELECT coalesce(json_agg(json_build_object(
					'id', id, 'account', account, 'kind', kind, 'days', days::text,
					'state', state, 'windows_done', windows_done,
					'windows_total', windows_total, 'rows_written', rows_written,
					'last_error', last_error, 'eta', eta::text) ORDER BY id DESC), '[]')
				 FROM (SELECT * FROM tracker.jobs
					   WHERE state IN ('queued', 'running')
						  OR finished_at > now() - interval '1 day'
					   ORDER BY id DESC LIMIT 20) j),
		'errors_24h', (SELECT coalesce(json_agg(json_build_object(
							'at', at, 'account', account_id, 'data_type', data_type,
							'http_status', http_status, 'outcome', outcome, 'error', error)
							ORDER BY at DESC), '[]')
					   FROM (SELECT * FROM tracker.sync_log
							 WHERE at > now() - interval '24 hours'
							   AND outcome IN ('failed', 'rejected', 'auth')
							 ORDER BY at DESC LIMIT 50) l),
		'sources', (SELECT coalesce(json_agg(s), '[]') FROM tracker.source_status s),
		'archive', tracker.archive_summary())
$$;

-- Functions created in api later (by anyone) are not executable by PUBLIC:
-- per-schema default privileges cannot revoke what is granted globally, so
-- an event trigger revokes it as each function is created.
CREATE FUNCTION tracker.api_revoke_public()
RETURNS event_trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	f record;
BEGIN
	FOR f IN SELECT object_identity FROM pg_event_trigger_ddl_commands()
			 WHERE object_type IN ('function', 'procedure') AND schema_name = 'api'
	LOOP
		EXECUTE format('REVOKE EXECUTE ON ROUTINE %s FROM PUBLIC', f.object_identity);
	END LOOP;
END
$$;

CREATE EVENT TRIGGER tracker_api_revoke_public ON ddl_command_end
	WHEN TAG IN ('CREATE FUNCTION', 'CREATE PROCEDURE')
	EXECUTE FUNCTION tracker.api_revoke_public();

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA api FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA api TO tracker_web;
