/* src/schema/vitals.sql: part of the tracker install script (see SCHEMA_PARTS in the Makefile) */

------------------------------------------------------------------------------
-- Readers of the vitals and body figures (tables in health.sql)
------------------------------------------------------------------------------

-- PL/pgSQL, not SQL: Citus plans a SQL function's statements without the
-- arguments' values, and cannot route a join to the account's shards then.
CREATE FUNCTION tracker.vitals(account integer, days daterange)
RETURNS TABLE (day date,
			   hrv_ms real,
			   hrv_samples integer,
			   spo2_avg real,
			   spo2_min real,
			   spo2_samples integer,
			   respiratory_rate real,
			   skin_temp_variation_c real,
			   vo2_max real,
			   reported_hrv_ms real,
			   reported_spo2_avg real,
			   reported_spo2_lower real,
			   reported_respiratory_rate real,
			   reported_skin_temp_nightly_c real,
			   reported_skin_temp_baseline_c real,
			   reported_vo2_max real,
			   cardio_fitness_level text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	SELECT coalesce(g.day, r.day), g.hrv_ms, coalesce(g.hrv_samples, 0),
		   g.spo2_avg, g.spo2_min, coalesce(g.spo2_samples, 0),
		   g.respiratory_rate, g.skin_temp_variation_c, g.vo2_max,
		   r.hrv_ms, r.spo2_avg, r.spo2_lower, r.respiratory_rate,
		   r.skin_temp_nightly_c, r.skin_temp_baseline_c, r.vo2_max,
		   r.cardio_fitness_level
	FROM (SELECT * FROM gold.daily_vitals
		  WHERE account_id = $1 AND day <@ $2
			AND (hrv_samples > 0 OR spo2_samples > 0 OR respiratory_rate IS NOT NULL
				 OR skin_temp_variation_c IS NOT NULL OR vo2_max IS NOT NULL)) g
		FULL JOIN
		 (SELECT * FROM silver.daily_vitals
		  WHERE account_id = $1 AND day <@ $2) r
		ON r.account_id = g.account_id AND r.day = g.day
	ORDER BY 1;
END
$$;

COMMENT ON FUNCTION tracker.vitals(integer, daterange) IS
	'One row per day: Tracker''s vitals from the samples, and the provider''s own daily vitals beside them';

-- PL/pgSQL, not SQL: Citus plans a SQL function's statements without the
-- arguments' values, and cannot route a join to the account's shards then.
CREATE FUNCTION tracker.body(account integer, days daterange)
RETURNS TABLE (day date,
			   weight_kg real,
			   body_fat_pct real,
			   weighings integer,
			   manual boolean)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	SELECT g.day, g.weight_kg, g.body_fat_pct,
		   (SELECT count(*)::integer FROM silver.weight w
			WHERE w.account_id = g.account_id AND w.day = g.day),
		   (SELECT w.manual FROM silver.weight w
			WHERE w.account_id = g.account_id AND w.day = g.day
			ORDER BY w.measured_at DESC LIMIT 1)
	FROM gold.daily_vitals g
	WHERE g.account_id = $1 AND g.day <@ $2
	  AND (g.weight_kg IS NOT NULL OR g.body_fat_pct IS NOT NULL)
	ORDER BY g.day;
END
$$;

COMMENT ON FUNCTION tracker.body(integer, daterange) IS
	'One row per day with a weight or body-fat reading: the day''s last of each, the weigh-ins and whether the last was entered by hand';
