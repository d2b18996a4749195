/* src/schema/activity.sql: part of the tracker install script (see SCHEMA_PARTS in the Makefile) */

------------------------------------------------------------------------------
-- silver: activity minutes (distance, floors, active minutes, active zone
-- minutes, sedentary time), one row per account, day, type and level
------------------------------------------------------------------------------

/*
 * The provider sends these as one interval per minute (distance and floors
 * for every minute of the day, active and active zone minutes for each
 * active minute, sedentary time as periods).  A row per interval would be
 * 1,440 rows a day for distance alone, each carrying about 40 bytes of
 * tuple header and keys for a 4-byte value; a year of one account would be
 * over a million rows.  So a day of one type (and level) is one row, and
 * its minutes an array: minute_values[i] is the value of the i-th minute
 * after the local midnight that starts the day (1380, 1440 or 1500 of them,
 * with the clock changes), NULL where the source sent nothing.  The series
 * codec of heart rate (src/core/series.c) is built for irregular samples
 * with timestamps; these are a fixed grid, where an array needs no times at
 * all and stays readable with unnest() (and is compressed by TOAST).
 *
 * level is the split the type has: the zone of active zone minutes
 * (FAT_BURN, CARDIO, PEAK; the value is the credits of the minute), the
 * activity level of active minutes (LIGHT, MODERATE, VIGOROUS), '' for the
 * others.  Values: millimeters (distance), floors, credits, active minutes,
 * and for sedentary-period the seconds of the minute inside a sedentary
 * period.
 */
CREATE TABLE silver.activity_minutes (
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	day date NOT NULL,
	data_type text NOT NULL CHECK (data_type IN ('active-zone-minutes', 'active-minutes',
												 'distance', 'floors', 'sedentary-period')),
	level text NOT NULL DEFAULT '' CHECK (level IN ('', 'FAT_BURN', 'CARDIO', 'PEAK',
													'LIGHT', 'MODERATE', 'VIGOROUS')),
	minute_values integer[] NOT NULL
		CHECK (array_ndims(minute_values) = 1 AND array_lower(minute_values, 1) = 1
			   AND cardinality(minute_values) BETWEEN 1 AND 1500),
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, day, data_type, level)
);

COMMENT ON TABLE silver.activity_minutes IS
	'Activity minute by minute: one row per day, type and level, minute_values[i] the i-th minute after local midnight';

/*
 * The activity figures the provider itself reports per day (Google's
 * dailyRollUp, Fitbit's daily export files), kept beside Tracker's own
 * (gold.daily_activity).  Each data type fills its columns; a later payload
 * updates only the columns of its type.  Total calories exist only here:
 * the provider computes them from its own model of the person.
 */
CREATE TABLE silver.daily_activity_reported (
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	day date NOT NULL,
	distance_mm bigint CHECK (distance_mm >= 0),
	floors integer CHECK (floors >= 0),
	calories_kcal numeric(10, 3) CHECK (calories_kcal >= 0),
	light_minutes integer CHECK (light_minutes BETWEEN 0 AND 1500),
	moderate_minutes integer CHECK (moderate_minutes BETWEEN 0 AND 1500),
	vigorous_minutes integer CHECK (vigorous_minutes BETWEEN 0 AND 1500),
	fat_burn_azm integer CHECK (fat_burn_azm >= 0),
	cardio_azm integer CHECK (cardio_azm >= 0),
	peak_azm integer CHECK (peak_azm >= 0),
	sedentary_minutes integer CHECK (sedentary_minutes BETWEEN 0 AND 3000),
	source text NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, day)
);

COMMENT ON TABLE silver.daily_activity_reported IS
	'Daily activity as the provider reported it (distance, floors, calories, active and active zone minutes, sedentary minutes)';

------------------------------------------------------------------------------
-- gold: activity per day, computed by Tracker from silver
------------------------------------------------------------------------------

/*
 * Tracker's figures of a day from the minutes in silver (steps from
 * silver.steps), with the provider's own figures of the same day beside
 * them as reported_*.  Active zone minutes: *_minutes are the minutes in
 * each zone, *_azm the credits (a cardio or peak minute counts twice).
 */
CREATE TABLE gold.daily_activity (
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	day date NOT NULL,
	steps integer,
	distance_mm bigint,
	floors integer,
	light_minutes integer,
	moderate_minutes integer,
	vigorous_minutes integer,
	fat_burn_minutes integer,
	cardio_minutes integer,
	peak_minutes integer,
	fat_burn_azm integer,
	cardio_azm integer,
	peak_azm integer,
	azm_total integer,
	sedentary_minutes integer,
	reported_distance_mm bigint,
	reported_floors integer,
	reported_calories_kcal numeric(10, 3),
	reported_light_minutes integer,
	reported_moderate_minutes integer,
	reported_vigorous_minutes integer,
	reported_fat_burn_azm integer,
	reported_cardio_azm integer,
	reported_peak_azm integer,
	reported_sedentary_minutes integer,
	computed_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, day),
	CONSTRAINT daily_activity_azm_adds_up
		CHECK (azm_total = coalesce(fat_burn_azm, 0) + coalesce(cardio_azm, 0) + coalesce(peak_azm, 0))
);

COMMENT ON TABLE gold.daily_activity IS
	'Daily activity computed from silver, with the provider''s own figures beside; recomputed whenever a day changes';

SELECT pg_catalog.pg_extension_config_dump('silver.activity_minutes', '');
SELECT pg_catalog.pg_extension_config_dump('silver.daily_activity_reported', '');
SELECT pg_catalog.pg_extension_config_dump('gold.daily_activity', '');

------------------------------------------------------------------------------
-- Writers
------------------------------------------------------------------------------

/* Two days' minutes as one: a minute the newer array has wins. */
CREATE FUNCTION tracker.merge_minutes(older integer[], newer integer[])
RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT array_agg(coalesce(n, o) ORDER BY i)
	FROM unnest($1, $2) WITH ORDINALITY AS t(o, n, i)
$$;

/*
 * Recompute gold.daily_activity for days of an account from silver: a day
 * with nothing left loses its row.  A day whose figures did not change is
 * not written (a re-run leaves the table as it was).  Returns the days
 * written or removed.
 */
CREATE FUNCTION tracker.refresh_activity(account integer, days date[])
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n integer;
	gone integer;
BEGIN
	PERFORM tracker.require_account(account);
	IF days IS NULL THEN
		RAISE EXCEPTION 'days must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	WITH d AS (
		SELECT DISTINCT x AS day FROM unnest(days) x WHERE x IS NOT NULL),
	m AS (
		SELECT a.day,
			   sum(v.v) FILTER (WHERE a.data_type = 'distance') AS distance_mm,
			   sum(v.v) FILTER (WHERE a.data_type = 'floors') AS floors,
			   sum(v.v) FILTER (WHERE a.level = 'LIGHT') AS light,
			   sum(v.v) FILTER (WHERE a.level = 'MODERATE') AS moderate,
			   sum(v.v) FILTER (WHERE a.level = 'VIGOROUS') AS vigorous,
			   count(v.v) FILTER (WHERE a.level = 'FAT_BURN') AS fat_burn_min,
			   count(v.v) FILTER (WHERE a.level = 'CARDIO') AS cardio_min,
			   count(v.v) FILTER (WHERE a.level = 'PEAK') AS peak_min,
			   sum(v.v) FILTER (WHERE a.level = 'FAT_BURN') AS fat_burn_azm,
			   sum(v.v) FILTER (WHERE a.level = 'CARDIO') AS cardio_azm,
			   sum(v.v) FILTER (WHERE a.level = 'PEAK') AS peak_azm,
			   sum(v.v) FILTER (WHERE a.data_type = 'sedentary-period') AS sedentary_s,
			   bool_or(a.data_type = 'active-minutes') AS has_active,
			   bool_or(a.data_type = 'active-zone-minutes') AS has_azm,
			   bool_or(a.data_type = 'sedentary-period') AS has_sedentary
		FROM silver.activity_minutes a
			CROSS JOIN LATERAL unnest(a.minute_values) AS v(v)
		WHERE a.account_id = refresh_activity.account AND a.day IN (SELECT day FROM d)
		GROUP BY a.day),
	s AS (
		SELECT st.day, sum(st.steps) AS steps
		FROM silver.steps st
		WHERE st.account_id = refresh_activity.account AND st.day IN (SELECT day FROM d)
		GROUP BY st.day),
	r AS (
		SELECT * FROM silver.daily_activity_reported x
		WHERE x.account_id = refresh_activity.account AND x.day IN (SELECT day FROM d)),
	f AS (
		SELECT d.day, s.steps::integer AS steps, m.distance_mm::bigint AS distance_mm,
			   m.floors::integer AS floors,
			   CASE WHEN m.has_active THEN coalesce(m.light, 0)::integer END AS light,
			   CASE WHEN m.has_active THEN coalesce(m.moderate, 0)::integer END AS moderate,
			   CASE WHEN m.has_active THEN coalesce(m.vigorous, 0)::integer END AS vigorous,
			   CASE WHEN m.has_azm THEN m.fat_burn_min::integer END AS fat_burn_min,
			   CASE WHEN m.has_azm THEN m.cardio_min::integer END AS cardio_min,
			   CASE WHEN m.has_azm THEN m.peak_min::integer END AS peak_min,
			   CASE WHEN m.has_azm THEN coalesce(m.fat_burn_azm, 0)::integer END AS fat_burn_azm,
			   CASE WHEN m.has_azm THEN coalesce(m.cardio_azm, 0)::integer END AS cardio_azm,
			   CASE WHEN m.has_azm THEN coalesce(m.peak_azm, 0)::integer END AS peak_azm,
			   CASE WHEN m.has_sedentary THEN (coalesce(m.sedentary_s, 0) / 60)::integer END AS sedentary,
			   r.distance_mm AS r_distance, r.floors AS r_floors, r.calories_kcal AS r_kcal,
			   r.light_minutes AS r_light, r.moderate_minutes AS r_moderate,
			   r.vigorous_minutes AS r_vigorous, r.fat_burn_azm AS r_fat_burn,
			   r.cardio_azm AS r_cardio, r.peak_azm AS r_peak,
			   r.sedentary_minutes AS r_sedentary
		FROM d LEFT JOIN m USING (day) LEFT JOIN s USING (day) LEFT JOIN r USING (day)
		WHERE m.day IS NOT NULL OR s.day IS NOT NULL OR r.day IS NOT NULL),
	w AS (
		INSERT INTO gold.daily_activity AS g (account_id, day, steps, distance_mm, floors,
			light_minutes, moderate_minutes, vigorous_minutes, fat_burn_minutes,
			cardio_minutes, peak_minutes, fat_burn_azm, cardio_azm, peak_azm, azm_total,
			sedentary_minutes, reported_distance_mm, reported_floors, reported_calories_kcal,
			reported_light_minutes, reported_moderate_minutes, reported_vigorous_minutes,
			reported_fat_burn_azm, reported_cardio_azm, reported_peak_azm,
			reported_sedentary_minutes)
		SELECT refresh_activity.account, f.day, f.steps, f.distance_mm, f.floors, f.light,
			   f.moderate, f.vigorous, f.fat_burn_min, f.cardio_min, f.peak_min,
			   f.fat_burn_azm, f.cardio_azm, f.peak_azm,
			   CASE WHEN f.fat_burn_azm IS NOT NULL
					THEN f.fat_burn_azm + f.cardio_azm + f.peak_azm ELSE 0 END,
			   f.sedentary, f.r_distance, f.r_floors, f.r_kcal, f.r_light, f.r_moderate,
			   f.r_vigorous, f.r_fat_burn, f.r_cardio, f.r_peak, f.r_sedentary
		FROM f
		ON CONFLICT (account_id, day) DO UPDATE SET
			steps = excluded.steps, distance_mm = excluded.distance_mm,
			floors = excluded.floors, light_minutes = excluded.light_minutes,
			moderate_minutes = excluded.moderate_minutes,
			vigorous_minutes = excluded.vigorous_minutes,
			fat_burn_minutes = excluded.fat_burn_minutes,
			cardio_minutes = excluded.cardio_minutes, peak_minutes = excluded.peak_minutes,
			fat_burn_azm = excluded.fat_burn_azm, cardio_azm = excluded.cardio_azm,
			peak_azm = excluded.peak_azm, azm_total = excluded.azm_total,
			sedentary_minutes = excluded.sedentary_minutes,
			reported_distance_mm = excluded.reported_distance_mm,
			reported_floors = excluded.reported_floors,
			reported_calories_kcal = excluded.reported_calories_kcal,
			reported_light_minutes = excluded.reported_light_minutes,
			reported_moderate_minutes = excluded.reported_moderate_minutes,
			reported_vigorous_minutes = excluded.reported_vigorous_minutes,
			reported_fat_burn_azm = excluded.reported_fat_burn_azm,
			reported_cardio_azm = excluded.reported_cardio_azm,
			reported_peak_azm = excluded.reported_peak_azm,
			reported_sedentary_minutes = excluded.reported_sedentary_minutes,
			computed_at = excluded.computed_at
		WHERE (g.steps, g.distance_mm, g.floors, g.light_minutes, g.moderate_minutes,
			   g.vigorous_minutes, g.fat_burn_minutes, g.cardio_minutes, g.peak_minutes,
			   g.fat_burn_azm, g.cardio_azm, g.peak_azm, g.azm_total, g.sedentary_minutes,
			   g.reported_distance_mm, g.reported_floors, g.reported_calories_kcal,
			   g.reported_light_minutes, g.reported_moderate_minutes,
			   g.reported_vigorous_minutes, g.reported_fat_burn_azm, g.reported_cardio_azm,
			   g.reported_peak_azm, g.reported_sedentary_minutes)
			IS DISTINCT FROM
			  (excluded.steps, excluded.distance_mm, excluded.floors, excluded.light_minutes,
			   excluded.moderate_minutes, excluded.vigorous_minutes,
			   excluded.fat_burn_minutes, excluded.cardio_minutes, excluded.peak_minutes,
			   excluded.fat_burn_azm, excluded.cardio_azm, excluded.peak_azm,
			   excluded.azm_total, excluded.sedentary_minutes,
			   excluded.reported_distance_mm, excluded.reported_floors,
			   excluded.reported_calories_kcal, excluded.reported_light_minutes,
			   excluded.reported_moderate_minutes, excluded.reported_vigorous_minutes,
			   excluded.reported_fat_burn_azm, excluded.reported_cardio_azm,
			   excluded.reported_peak_azm, excluded.reported_sedentary_minutes)
		RETURNING 1)
	SELECT count(*) INTO n FROM w;

	DELETE FROM gold.daily_activity g
	WHERE g.account_id = refresh_activity.account AND g.day = ANY (days)
	  AND NOT EXISTS (SELECT 1 FROM silver.activity_minutes a
					  WHERE a.account_id = g.account_id AND a.day = g.day)
	  AND NOT EXISTS (SELECT 1 FROM silver.steps st
					  WHERE st.account_id = g.account_id AND st.day = g.day)
	  AND NOT EXISTS (SELECT 1 FROM silver.daily_activity_reported x
					  WHERE x.account_id = g.account_id AND x.day = g.day);
	GET DIAGNOSTICS gone = ROW_COUNT;
	RETURN n + gone;
END
$$;

COMMENT ON FUNCTION tracker.refresh_activity(integer, date[]) IS
	'Recompute gold.daily_activity for these days of an account from silver';

/*
 * Store days of minutes of one activity type: for each (day, level) its
 * minutes, lengths[i] values of vals from the end of the previous day's,
 * as placed by the caller (src/store/activity.c: each interval on the
 * minute it starts in, of the account's local day).  The minutes are
 * merged with those already stored, a minute sent now replacing the one
 * stored, and the gold figures of the days recomputed.  Returns the days
 * touched.
 */
CREATE FUNCTION tracker.store_activity_days(account integer, data_type text, days date[],
											levels text[], lengths integer[], vals integer[])
RETURNS date[]
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	touched date[];
BEGIN
	PERFORM tracker.require_account(account);
	IF data_type IS NULL OR data_type NOT IN ('active-zone-minutes', 'active-minutes',
											  'distance', 'floors', 'sedentary-period') THEN
		RAISE EXCEPTION 'data type "%" is not an activity type with minutes', data_type
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use active-zone-minutes, active-minutes, distance, floors or sedentary-period.';
	END IF;
	IF days IS NULL OR levels IS NULL OR lengths IS NULL OR vals IS NULL THEN
		RAISE EXCEPTION 'days, levels, lengths and values must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF cardinality(days) <> cardinality(levels) OR cardinality(days) <> cardinality(lengths)
	   OR array_ndims(vals) > 1
	   OR (SELECT coalesce(sum(n), 0) FROM unnest(lengths) n) <> cardinality(vals) THEN
		RAISE EXCEPTION 'days, levels and lengths must have the same length, and the lengths must add up to the values'
			USING ERRCODE = 'array_subscript_error';
	END IF;
	IF EXISTS (SELECT 1 FROM unnest(days, levels, lengths) AS t(d, l, n)
			   WHERE d IS NULL OR NOT isfinite(d) OR l IS NULL OR n IS NULL
				  OR n NOT BETWEEN 1 AND 1500)
	   OR EXISTS (SELECT 1 FROM unnest(vals) v WHERE v < 0) THEN
		RAISE EXCEPTION 'a day is null or infinite, a day has not 1 to 1500 minutes, or a value is negative'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF (SELECT count(*) <> count(DISTINCT (d, l)) FROM unnest(days, levels) AS t(d, l)) THEN
		RAISE EXCEPTION 'a day and level appear more than once'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	WITH t AS (
		SELECT u.d, u.l, u.n, sum(u.n) OVER (ORDER BY u.i) - u.n AS off
		FROM unnest(days, levels, lengths) WITH ORDINALITY AS u(d, l, n, i)),
	w AS (
		INSERT INTO silver.activity_minutes AS o (account_id, day, data_type, level, minute_values)
		SELECT store_activity_days.account, t.d, store_activity_days.data_type, t.l,
			   vals[t.off + 1 : t.off + t.n]
		FROM t
		ON CONFLICT ON CONSTRAINT activity_minutes_pkey DO UPDATE
			SET minute_values = tracker.merge_minutes(o.minute_values, excluded.minute_values),
				updated_at = excluded.updated_at
			WHERE tracker.merge_minutes(o.minute_values, excluded.minute_values)
				  IS DISTINCT FROM o.minute_values
		RETURNING 1)
	SELECT array_agg(DISTINCT t.d ORDER BY t.d) INTO touched FROM t;

	PERFORM tracker.refresh_activity(account, coalesce(touched, '{}'));
	RETURN coalesce(touched, '{}');
END
$$;

COMMENT ON FUNCTION tracker.store_activity_days(integer, text, date[], text[], integer[], integer[]) IS
	'Store days of activity minutes, merged with what is stored, and recompute the days'' figures';

/*
 * Store the provider's own daily figures of one activity type: v1..v3 are
 * the values of its levels (one level: v1 only), in the units of
 * silver.daily_activity_reported (kcal for calories, minutes for sedentary
 * time).  Only the columns of the type change, and of those only the ones
 * given (not NULL): an export holds light, moderate and vigorous minutes in
 * files of their own.  Returns the days touched, whose gold figures are
 * recomputed.
 */
CREATE FUNCTION tracker.store_activity_reported(account integer, data_type text, days date[],
												v1 numeric[], v2 numeric[], v3 numeric[],
												source text)
RETURNS date[]
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	touched date[];
	dt text := store_activity_reported.data_type;
BEGIN
	PERFORM tracker.require_account(account);
	IF dt IS NULL OR dt NOT IN ('active-zone-minutes', 'active-minutes', 'distance',
								'floors', 'total-calories', 'sedentary-period') THEN
		RAISE EXCEPTION 'data type "%" is not an activity type', dt
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF days IS NULL OR v1 IS NULL OR coalesce(source, '') = '' THEN
		RAISE EXCEPTION 'days, values and source must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF cardinality(days) <> cardinality(v1)
	   OR (v2 IS NOT NULL AND cardinality(v2) <> cardinality(days))
	   OR (v3 IS NOT NULL AND cardinality(v3) <> cardinality(days)) THEN
		RAISE EXCEPTION 'days and values must have the same length'
			USING ERRCODE = 'array_subscript_error';
	END IF;

	WITH t AS (
		SELECT DISTINCT ON (u.d) u.d, u.a, u.b, u.c
		FROM unnest(days, v1, coalesce(v2, '{}'), coalesce(v3, '{}')) AS u(d, a, b, c)
		WHERE u.d IS NOT NULL
		ORDER BY u.d),
	w AS (
		INSERT INTO silver.daily_activity_reported AS r (account_id, day, distance_mm, floors,
			calories_kcal, light_minutes, moderate_minutes, vigorous_minutes, fat_burn_azm,
			cardio_azm, peak_azm, sedentary_minutes, source)
		SELECT store_activity_reported.account, t.d,
			   CASE WHEN dt = 'distance' THEN t.a END,
			   CASE WHEN dt = 'floors' THEN t.a END,
			   CASE WHEN dt = 'total-calories' THEN t.a END,
			   CASE WHEN dt = 'active-minutes' THEN t.a END,
			   CASE WHEN dt = 'active-minutes' THEN t.b END,
			   CASE WHEN dt = 'active-minutes' THEN t.c END,
			   CASE WHEN dt = 'active-zone-minutes' THEN t.a END,
			   CASE WHEN dt = 'active-zone-minutes' THEN t.b END,
			   CASE WHEN dt = 'active-zone-minutes' THEN t.c END,
			   CASE WHEN dt = 'sedentary-period' THEN round(t.a) END,
			   store_activity_reported.source
		FROM t
		ON CONFLICT (account_id, day) DO UPDATE SET
			distance_mm = coalesce(excluded.distance_mm, r.distance_mm),
			floors = coalesce(excluded.floors, r.floors),
			calories_kcal = coalesce(excluded.calories_kcal, r.calories_kcal),
			light_minutes = coalesce(excluded.light_minutes, r.light_minutes),
			moderate_minutes = coalesce(excluded.moderate_minutes, r.moderate_minutes),
			vigorous_minutes = coalesce(excluded.vigorous_minutes, r.vigorous_minutes),
			fat_burn_azm = coalesce(excluded.fat_burn_azm, r.fat_burn_azm),
			cardio_azm = coalesce(excluded.cardio_azm, r.cardio_azm),
			peak_azm = coalesce(excluded.peak_azm, r.peak_azm),
			sedentary_minutes = coalesce(excluded.sedentary_minutes, r.sedentary_minutes),
			source = excluded.source, updated_at = excluded.updated_at
		WHERE (r.distance_mm, r.floors, r.calories_kcal, r.light_minutes, r.moderate_minutes,
			   r.vigorous_minutes, r.fat_burn_azm, r.cardio_azm, r.peak_azm,
			   r.sedentary_minutes, r.source)
			  IS DISTINCT FROM
			  (coalesce(excluded.distance_mm, r.distance_mm),
			   coalesce(excluded.floors, r.floors),
			   coalesce(excluded.calories_kcal, r.calories_kcal),
			   coalesce(excluded.light_minutes, r.light_minutes),
			   coalesce(excluded.moderate_minutes, r.moderate_minutes),
			   coalesce(excluded.vigorous_minutes, r.vigorous_minutes),
			   coalesce(excluded.fat_burn_azm, r.fat_burn_azm),
			   coalesce(excluded.cardio_azm, r.cardio_azm),
			   coalesce(excluded.peak_azm, r.peak_azm),
			   coalesce(excluded.sedentary_minutes, r.sedentary_minutes), excluded.source)
		RETURNING 1)
	SELECT array_agg(t.d ORDER BY t.d) INTO touched FROM t;

	PERFORM tracker.refresh_activity(account, coalesce(touched, '{}'));
	RETURN coalesce(touched, '{}');
END
$$;

COMMENT ON FUNCTION tracker.store_activity_reported(integer, text, date[], numeric[], numeric[], numeric[], text) IS
	'Store the provider''s daily activity figures of one type and recompute the days'' figures';

------------------------------------------------------------------------------
-- Readers
------------------------------------------------------------------------------

CREATE FUNCTION tracker.activity(account integer, days daterange)
RETURNS TABLE (day date,
			   steps integer,
			   distance_m numeric,
			   distance_mm bigint,
			   floors integer,
			   calories_kcal numeric,
			   light_minutes integer,
			   moderate_minutes integer,
			   vigorous_minutes integer,
			   fat_burn_minutes integer,
			   cardio_minutes integer,
			   peak_minutes integer,
			   fat_burn_azm integer,
			   cardio_azm integer,
			   peak_azm integer,
			   azm_total integer,
			   sedentary_minutes integer,
			   reported_distance_mm bigint,
			   reported_floors integer,
			   reported_light_minutes integer,
			   reported_moderate_minutes integer,
			   reported_vigorous_minutes integer,
			   reported_fat_burn_azm integer,
			   reported_cardio_azm integer,
			   reported_peak_azm integer,
			   reported_azm_total integer,
			   reported_sedentary_minutes integer)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT g.day, g.steps, round(g.distance_mm / 1000.0, 3), g.distance_mm, g.floors,
		   g.reported_calories_kcal, g.light_minutes, g.moderate_minutes, g.vigorous_minutes,
		   g.fat_burn_minutes, g.cardio_minutes, g.peak_minutes, g.fat_burn_azm,
		   g.cardio_azm, g.peak_azm, g.azm_total, g.sedentary_minutes,
		   g.reported_distance_mm, g.reported_floors, g.reported_light_minutes,
		   g.reported_moderate_minutes, g.reported_vigorous_minutes,
		   g.reported_fat_burn_azm, g.reported_cardio_azm, g.reported_peak_azm,
		   g.reported_fat_burn_azm + g.reported_cardio_azm + g.reported_peak_azm,
		   g.reported_sedentary_minutes
	FROM gold.daily_activity g
	WHERE g.account_id = $1 AND g.day <@ $2
	ORDER BY g.day
$$;

COMMENT ON FUNCTION tracker.activity(integer, daterange) IS
	'One row per day: steps, distance, floors, calories (the provider''s), active minutes by level, active zone minutes by zone, sedentary minutes, and the provider''s own figures beside';

/*
 * The dashboard's activity days, both ends inclusive (see api.sql for what
 * the api functions promise; api.sql grants them to tracker_web).
 */
CREATE FUNCTION api.activity(account integer, from_day date, to_day date)
RETURNS TABLE (day date, steps integer, distance_m numeric, floors integer,
			   calories_kcal numeric, light_minutes integer, moderate_minutes integer,
			   vigorous_minutes integer, fat_burn_minutes integer, cardio_minutes integer,
			   peak_minutes integer, azm_total integer, sedentary_minutes integer,
			   reported_distance_m numeric, reported_floors integer,
			   reported_azm_total integer)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT a.day, a.steps, a.distance_m, a.floors, a.calories_kcal, a.light_minutes,
		   a.moderate_minutes, a.vigorous_minutes, a.fat_burn_minutes, a.cardio_minutes,
		   a.peak_minutes, a.azm_total, a.sedentary_minutes,
		   round(a.reported_distance_mm / 1000.0, 3), a.reported_floors, a.reported_azm_total
	FROM tracker.activity($1, daterange($2, $3, '[]')) a
$$;
