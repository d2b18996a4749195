/* src/schema/api_health.sql: part of the tracker install script (see SCHEMA_PARTS in the Makefile) */

------------------------------------------------------------------------------
-- api: sleep, vitals and body, for the dashboard's Sleep, Vitals and Body views
------------------------------------------------------------------------------

/*
 * The same contract as the functions in api.sql: named arguments, STABLE,
 * SECURITY DEFINER with a fixed search_path, executable by tracker_web only
 * (the event trigger of api.sql revokes PUBLIC as each one is created; the
 * GRANT at the end of this file gives them to tracker_web).  Ranges are
 * from_day and to_day, both inclusive.
 */

/*
 * A session's stage minutes come from its stage intervals
 * (silver.sleep_stage) when it has any, otherwise from the summary the
 * source sent with it (silver.sleep.stages).  A session recorded without
 * stages (asleep, restless, awake) has no deep, light or REM minutes: null,
 * not zero.  Bedtime and wake time are the local clock times in the
 * account's time zone.
 */
-- PL/pgSQL, not SQL: Citus plans a SQL function's statements without the
-- arguments' values, and cannot route a join to the account's shards then.
CREATE FUNCTION api.sleep_nights(account integer, from_day date, to_day date)
RETURNS TABLE (day date, sleep_id text, start_at timestamptz, end_at timestamptz, nap boolean,
			   minutes_asleep integer, minutes_awake integer, minutes_in_period integer,
			   deep_minutes integer, light_minutes integer, rem_minutes integer,
			   awake_minutes integer, bedtime time, wake_time time)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	SELECT s.day, s.sleep_id, s.start_at, s.end_at, s.nap, s.minutes_asleep, s.minutes_awake,
		   s.minutes_in_period,
		   CASE WHEN st.staged > 0 THEN coalesce(st.deep, 0)
				WHEN st.n = 0 THEN (s.stages->>'DEEP')::numeric::integer END,
		   CASE WHEN st.staged > 0 THEN coalesce(st.light, 0)
				WHEN st.n = 0 THEN (s.stages->>'LIGHT')::numeric::integer END,
		   CASE WHEN st.staged > 0 THEN coalesce(st.rem, 0)
				WHEN st.n = 0 THEN (s.stages->>'REM')::numeric::integer END,
		   CASE WHEN st.n > 0 THEN coalesce(st.awake, 0)
				ELSE (s.stages->>'AWAKE')::numeric::integer END,
		   (s.start_at AT TIME ZONE a.time_zone)::time(0),
		   (s.end_at AT TIME ZONE a.time_zone)::time(0)
	FROM silver.sleep s
		JOIN tracker.account a ON a.account_id = s.account_id
		CROSS JOIN LATERAL (
			SELECT count(*) AS n,
				   count(*) FILTER (WHERE x.stage IN ('DEEP', 'LIGHT', 'REM')) AS staged,
				   round(sum(extract(epoch FROM x.end_at - x.start_at) / 60)
						 FILTER (WHERE x.stage = 'DEEP'))::integer AS deep,
				   round(sum(extract(epoch FROM x.end_at - x.start_at) / 60)
						 FILTER (WHERE x.stage = 'LIGHT'))::integer AS light,
				   round(sum(extract(epoch FROM x.end_at - x.start_at) / 60)
						 FILTER (WHERE x.stage = 'REM'))::integer AS rem,
				   round(sum(extract(epoch FROM x.end_at - x.start_at) / 60)
						 FILTER (WHERE x.stage = 'AWAKE'))::integer AS awake
			FROM silver.sleep_stage x
			WHERE x.account_id = s.account_id AND x.sleep_id = s.sleep_id) st
	WHERE s.account_id = $1 AND s.day BETWEEN $2 AND $3
	ORDER BY s.day, s.start_at;
END
$$;

-- The hypnogram of the sessions filed on a day (naps included).
-- PL/pgSQL, not SQL: Citus plans a SQL function's statements without the
-- arguments' values, and cannot route a join to the account's shards then.
CREATE FUNCTION api.sleep_stages(account integer, day date)
RETURNS TABLE (sleep_id text, start_at timestamptz, end_at timestamptz, stage text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	SELECT x.sleep_id, x.start_at, x.end_at, x.stage
	FROM silver.sleep s
		JOIN silver.sleep_stage x ON x.account_id = s.account_id AND x.sleep_id = s.sleep_id
	WHERE s.account_id = $1 AND s.day = $2
	ORDER BY x.start_at, x.sleep_id;
END
$$;

/*
 * Each vital of a day with its baseline: the mean and the sample standard
 * deviation of the days among the 30 before it that have a value.  The
 * band is the mean ± one standard deviation; a baseline needs 7 such days
 * (before that, the baseline, the band and outside are null).  outside is
 * true when the day's value lies outside the band.  A value is Tracker's
 * own (gold.daily_vitals), or where Tracker has none, the provider's daily
 * figure (silver.daily_vitals; the skin temperature's variation is the
 * night's temperature minus the provider's baseline).  Resting heart rate
 * is Tracker's (gold.daily).
 */
-- PL/pgSQL, not SQL: Citus plans a SQL function's statements without the
-- arguments' values, and cannot route a join to the account's shards then.
CREATE FUNCTION api.vitals(account integer, from_day date, to_day date)
RETURNS TABLE (day date,
			   hrv_ms real, hrv_ms_baseline numeric, hrv_ms_low numeric,
			   hrv_ms_high numeric, hrv_ms_outside boolean,
			   spo2_avg real, spo2_avg_baseline numeric, spo2_avg_low numeric,
			   spo2_avg_high numeric, spo2_avg_outside boolean,
			   respiratory_rate real, respiratory_rate_baseline numeric,
			   respiratory_rate_low numeric, respiratory_rate_high numeric,
			   respiratory_rate_outside boolean,
			   skin_temp_variation_c real, skin_temp_variation_c_baseline numeric,
			   skin_temp_variation_c_low numeric, skin_temp_variation_c_high numeric,
			   skin_temp_variation_c_outside boolean,
			   resting_hr smallint, resting_hr_baseline numeric, resting_hr_low numeric,
			   resting_hr_high numeric, resting_hr_outside boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	WITH v AS (
		SELECT coalesce(g.day, s.day, d.day) AS day,
			   coalesce(g.hrv_ms, s.hrv_ms) AS hrv,
			   coalesce(g.spo2_avg, s.spo2_avg) AS spo2,
			   coalesce(g.respiratory_rate, s.respiratory_rate) AS resp,
			   coalesce(g.skin_temp_variation_c,
						(s.skin_temp_nightly_c::numeric - s.skin_temp_baseline_c::numeric)::real) AS skin,
			   d.resting_hr AS rhr
		FROM (SELECT * FROM gold.daily_vitals
			  WHERE account_id = $1 AND day BETWEEN $2 - 30 AND $3) g
			FULL JOIN (SELECT * FROM silver.daily_vitals
					   WHERE account_id = $1 AND day BETWEEN $2 - 30 AND $3) s USING (day)
			FULL JOIN (SELECT day, resting_hr FROM gold.daily
					   WHERE account_id = $1 AND day BETWEEN $2 - 30 AND $3) d
				ON d.day = coalesce(g.day, s.day)),
	b AS (
		SELECT v.*,
			   avg(hrv) OVER w AS hrv_m, stddev_samp(hrv) OVER w AS hrv_sd, count(hrv) OVER w AS hrv_n,
			   avg(spo2) OVER w AS spo2_m, stddev_samp(spo2) OVER w AS spo2_sd, count(spo2) OVER w AS spo2_n,
			   avg(resp) OVER w AS resp_m, stddev_samp(resp) OVER w AS resp_sd, count(resp) OVER w AS resp_n,
			   avg(skin) OVER w AS skin_m, stddev_samp(skin) OVER w AS skin_sd, count(skin) OVER w AS skin_n,
			   avg(rhr) OVER w AS rhr_m, stddev_samp(rhr) OVER w AS rhr_sd, count(rhr) OVER w AS rhr_n
		FROM v
		WHERE hrv IS NOT NULL OR spo2 IS NOT NULL OR resp IS NOT NULL OR skin IS NOT NULL
		   OR rhr IS NOT NULL
		WINDOW w AS (ORDER BY day RANGE BETWEEN '30 days' PRECEDING AND '1 day' PRECEDING))
	SELECT day,
		   hrv::real,
		   CASE WHEN hrv_n >= 7 THEN round(hrv_m::numeric, 2) END,
		   CASE WHEN hrv_n >= 7 THEN round((hrv_m - hrv_sd)::numeric, 2) END,
		   CASE WHEN hrv_n >= 7 THEN round((hrv_m + hrv_sd)::numeric, 2) END,
		   CASE WHEN hrv_n >= 7 AND hrv IS NOT NULL
				THEN hrv < hrv_m - hrv_sd OR hrv > hrv_m + hrv_sd END,
		   spo2::real,
		   CASE WHEN spo2_n >= 7 THEN round(spo2_m::numeric, 2) END,
		   CASE WHEN spo2_n >= 7 THEN round((spo2_m - spo2_sd)::numeric, 2) END,
		   CASE WHEN spo2_n >= 7 THEN round((spo2_m + spo2_sd)::numeric, 2) END,
		   CASE WHEN spo2_n >= 7 AND spo2 IS NOT NULL
				THEN spo2 < spo2_m - spo2_sd OR spo2 > spo2_m + spo2_sd END,
		   resp::real,
		   CASE WHEN resp_n >= 7 THEN round(resp_m::numeric, 2) END,
		   CASE WHEN resp_n >= 7 THEN round((resp_m - resp_sd)::numeric, 2) END,
		   CASE WHEN resp_n >= 7 THEN round((resp_m + resp_sd)::numeric, 2) END,
		   CASE WHEN resp_n >= 7 AND resp IS NOT NULL
				THEN resp < resp_m - resp_sd OR resp > resp_m + resp_sd END,
		   skin::real,
		   CASE WHEN skin_n >= 7 THEN round(skin_m::numeric, 2) END,
		   CASE WHEN skin_n >= 7 THEN round((skin_m - skin_sd)::numeric, 2) END,
		   CASE WHEN skin_n >= 7 THEN round((skin_m + skin_sd)::numeric, 2) END,
		   CASE WHEN skin_n >= 7 AND skin IS NOT NULL
				THEN skin < skin_m - skin_sd OR skin > skin_m + skin_sd END,
		   rhr,
		   CASE WHEN rhr_n >= 7 THEN round(rhr_m::numeric, 2) END,
		   CASE WHEN rhr_n >= 7 THEN round((rhr_m - rhr_sd)::numeric, 2) END,
		   CASE WHEN rhr_n >= 7 THEN round((rhr_m + rhr_sd)::numeric, 2) END,
		   CASE WHEN rhr_n >= 7 AND rhr IS NOT NULL
				THEN rhr < rhr_m - rhr_sd OR rhr > rhr_m + rhr_sd END
	FROM b
	WHERE day BETWEEN $2 AND $3
	ORDER BY day;
END
$$;

/*
 * Weight and body fat per day with a measurement: the day's last reading,
 * Tracker's (gold.daily_vitals) or, for a day Tracker has not computed yet,
 * the last sample in silver.  weight_kg_7d is the mean weight of the days
 * with one among the 7 ending on the day.
 */
-- PL/pgSQL, not SQL: Citus plans a SQL function's statements without the
-- arguments' values, and cannot route a join to the account's shards then.
CREATE FUNCTION api.body(account integer, from_day date, to_day date)
RETURNS TABLE (day date, weight_kg real, body_fat_pct real, weight_kg_7d numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	WITH d AS (
		SELECT x.day,
			   coalesce(g.weight_kg,
						(SELECT w.weight_kg FROM silver.weight w
						 WHERE w.account_id = $1 AND w.day = x.day
						 ORDER BY w.measured_at DESC LIMIT 1)) AS weight_kg,
			   coalesce(g.body_fat_pct,
						(SELECT f.percent FROM silver.body_fat f
						 WHERE f.account_id = $1 AND f.day = x.day
						 ORDER BY f.measured_at DESC LIMIT 1)) AS body_fat_pct
		FROM (SELECT day FROM gold.daily_vitals
			  WHERE account_id = $1 AND day BETWEEN $2 - 6 AND $3
				AND (weight_kg IS NOT NULL OR body_fat_pct IS NOT NULL)
			  UNION
			  SELECT day FROM silver.weight WHERE account_id = $1 AND day BETWEEN $2 - 6 AND $3
			  UNION
			  SELECT day FROM silver.body_fat WHERE account_id = $1 AND day BETWEEN $2 - 6 AND $3) x
			LEFT JOIN gold.daily_vitals g ON g.account_id = $1 AND g.day = x.day)
	SELECT y.day, y.weight_kg, y.body_fat_pct, y.avg_7d
	FROM (SELECT d.*, round(avg(d.weight_kg) OVER (ORDER BY d.day
						RANGE BETWEEN '6 days' PRECEDING AND CURRENT ROW)::numeric, 2) AS avg_7d
		  FROM d) y
	WHERE y.day BETWEEN $2 AND $3
	ORDER BY y.day;
END
$$;

GRANT EXECUTE ON FUNCTION api.sleep_nights(integer, date, date),
	api.sleep_stages(integer, date), api.vitals(integer, date, date),
	api.body(integer, date, date) TO tracker_web;
