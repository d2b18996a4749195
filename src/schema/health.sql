/* src/schema/health.sql: sleep stages, vitals and body measurements */

------------------------------------------------------------------------------
-- silver: sleep stages (the hypnogram of each session in silver.sleep)
------------------------------------------------------------------------------

/*
 * One row per stage interval of a sleep session, as the source sent it.  A
 * session is one row of silver.sleep, filed under the local day its sleeper
 * woke up; its stages go with it (a session written again replaces them).
 */
CREATE TABLE silver.sleep_stage (
	account_id integer NOT NULL,
	sleep_id text NOT NULL,
	start_at timestamptz NOT NULL,
	end_at timestamptz NOT NULL,
	stage text NOT NULL CHECK (stage IN ('AWAKE', 'LIGHT', 'DEEP', 'REM',
										 'ASLEEP', 'RESTLESS')),
	PRIMARY KEY (account_id, sleep_id, start_at),
	FOREIGN KEY (account_id, sleep_id) REFERENCES silver.sleep ON DELETE CASCADE,
	CHECK (end_at > start_at)
);

COMMENT ON TABLE silver.sleep_stage IS
	'Stage intervals of each sleep session (a hypnogram), start inclusive, end exclusive';

/*
 * The times a sleeper left the bed during a session (Google Health's
 * outOfBedSegments), replaced with the session like its stages.
 */
CREATE TABLE silver.sleep_out_of_bed (
	account_id integer NOT NULL,
	sleep_id text NOT NULL,
	start_at timestamptz NOT NULL,
	end_at timestamptz NOT NULL,
	PRIMARY KEY (account_id, sleep_id, start_at),
	FOREIGN KEY (account_id, sleep_id) REFERENCES silver.sleep ON DELETE CASCADE,
	CHECK (end_at > start_at)
);

COMMENT ON TABLE silver.sleep_out_of_bed IS
	'Out-of-bed segments of each sleep session, start inclusive, end exclusive';

/*
 * Sleep sessions of a range of local days, by the day they are filed under
 * (the day the sleeper woke up), one row per session.  The stage minutes
 * are Tracker's own, the whole minutes of the time in each stage's
 * intervals (the provider's summary where a session came without them); the
 * minutes asleep, awake and in the sleep period are the provider's, or
 * computed from the intervals where it gave none.  Bedtime and wake time
 * are local clock times at the UTC offsets the source gave (the account's
 * zone where it gave none), so a night across a clock change starts and
 * ends at the times the sleeper's clock showed.
 */
CREATE FUNCTION tracker.sleep(account integer, days daterange)
RETURNS TABLE (day date, sleep_id text, sleep_type text, start_at timestamptz,
			   end_at timestamptz, nap boolean, minutes_in_period integer,
			   minutes_asleep integer, minutes_awake integer,
			   awake_minutes integer, light_minutes integer,
			   deep_minutes integer, rem_minutes integer,
			   asleep_minutes integer, restless_minutes integer,
			   out_of_bed_minutes integer, bedtime time, wake_time time)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT s.day, s.sleep_id, s.sleep_type, s.start_at, s.end_at, s.nap,
		   coalesce(s.minutes_in_period, whole),
		   coalesce(s.minutes_asleep, whole - st.awake - st.restless),
		   coalesce(s.minutes_awake, st.awake),
		   st.awake, st.light, st.deep, st.rem, st.asleep, st.restless,
		   oob.minutes,
		   CASE WHEN s.start_utc_offset_s IS NULL
				THEN (s.start_at AT TIME ZONE a.time_zone)::time
				ELSE ((s.start_at AT TIME ZONE 'UTC') +
					  make_interval(secs => s.start_utc_offset_s))::time END,
		   CASE WHEN s.end_utc_offset_s IS NULL
				THEN (s.end_at AT TIME ZONE a.time_zone)::time
				ELSE ((s.end_at AT TIME ZONE 'UTC') +
					  make_interval(secs => s.end_utc_offset_s))::time END
	FROM silver.sleep s
		JOIN tracker.account a ON a.account_id = s.account_id
		CROSS JOIN LATERAL (
			SELECT floor(extract(epoch FROM s.end_at - s.start_at) / 60)::integer AS whole) w
		CROSS JOIN LATERAL (
			SELECT count(*) AS n,
				   floor(sum(sec) FILTER (WHERE g.stage = 'AWAKE') / 60)::integer AS awake_i,
				   floor(sum(sec) FILTER (WHERE g.stage = 'LIGHT') / 60)::integer AS light_i,
				   floor(sum(sec) FILTER (WHERE g.stage = 'DEEP') / 60)::integer AS deep_i,
				   floor(sum(sec) FILTER (WHERE g.stage = 'REM') / 60)::integer AS rem_i,
				   floor(sum(sec) FILTER (WHERE g.stage = 'ASLEEP') / 60)::integer AS asleep_i,
				   floor(sum(sec) FILTER (WHERE g.stage = 'RESTLESS') / 60)::integer AS restless_i
			FROM silver.sleep_stage g
				CROSS JOIN LATERAL
				(SELECT extract(epoch FROM g.end_at - g.start_at) AS sec) mm
			WHERE g.account_id = s.account_id AND g.sleep_id = s.sleep_id) i
		CROSS JOIN LATERAL (
			SELECT CASE WHEN i.n > 0 THEN coalesce(i.awake_i, 0)
						ELSE coalesce((s.stages ->> 'AWAKE')::integer, 0) END AS awake,
				   CASE WHEN i.n > 0 THEN coalesce(i.light_i, 0)
						ELSE coalesce((s.stages ->> 'LIGHT')::integer, 0) END AS light,
				   CASE WHEN i.n > 0 THEN coalesce(i.deep_i, 0)
						ELSE coalesce((s.stages ->> 'DEEP')::integer, 0) END AS deep,
				   CASE WHEN i.n > 0 THEN coalesce(i.rem_i, 0)
						ELSE coalesce((s.stages ->> 'REM')::integer, 0) END AS rem,
				   CASE WHEN i.n > 0 THEN coalesce(i.asleep_i, 0)
						ELSE coalesce((s.stages ->> 'ASLEEP')::integer, 0) END AS asleep,
				   CASE WHEN i.n > 0 THEN coalesce(i.restless_i, 0)
						ELSE coalesce((s.stages ->> 'RESTLESS')::integer, 0) END AS restless) st
		CROSS JOIN LATERAL (
			SELECT floor(coalesce(sum(extract(epoch FROM o.end_at - o.start_at)), 0) / 60)::integer
				   AS minutes
			FROM silver.sleep_out_of_bed o
			WHERE o.account_id = s.account_id AND o.sleep_id = s.sleep_id) oob
	WHERE s.account_id = $1 AND s.day <@ $2
	ORDER BY s.day, s.start_at
$$;

COMMENT ON FUNCTION tracker.sleep(integer, daterange) IS
	'Sleep sessions per local wake day: minutes, stage minutes, bedtime and wake time';

/*
 * The hypnogram of a local day: the stage intervals of the sessions filed
 * under it (naps included), in time order, each with its length in minutes
 * (Fitbit's stages come in steps of 30 seconds).
 */
CREATE FUNCTION tracker.hypnogram(account integer, day date)
RETURNS TABLE (sleep_id text, nap boolean, start_at timestamptz,
			   end_at timestamptz, stage text, minutes numeric)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT g.sleep_id, s.nap, g.start_at, g.end_at, g.stage,
		   round(extract(epoch FROM g.end_at - g.start_at) / 60, 1)
	FROM silver.sleep s
		JOIN silver.sleep_stage g
			ON g.account_id = s.account_id AND g.sleep_id = s.sleep_id
	WHERE s.account_id = $1 AND s.day = $2
	ORDER BY g.start_at, g.sleep_id
$$;

COMMENT ON FUNCTION tracker.hypnogram(integer, date) IS
	'Stage intervals of the sleep sessions filed under one local day';

------------------------------------------------------------------------------
-- silver: vitals and body measurements, one row per sample
------------------------------------------------------------------------------

/*
 * Samples of the vitals a watch measures at rest or asleep.  They are sparse
 * (HRV every few minutes of sleep, SpO2 about once a minute of sleep), so a
 * row per sample costs little; day is the local day of the sample.
 */
CREATE TABLE silver.hrv_sample (
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	measured_at timestamptz NOT NULL,
	day date NOT NULL,
	rmssd_ms real NOT NULL CHECK (rmssd_ms > 0 AND rmssd_ms < 1000),
	sdnn_ms real CHECK (sdnn_ms > 0 AND sdnn_ms < 1000),
	PRIMARY KEY (account_id, measured_at)
);

CREATE TABLE silver.spo2_sample (
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	measured_at timestamptz NOT NULL,
	day date NOT NULL,
	percent real NOT NULL CHECK (percent >= 50 AND percent <= 100),
	PRIMARY KEY (account_id, measured_at)
);

/* Breathing rate over a night's sleep and over each stage of it. */
CREATE TABLE silver.respiratory_sleep (
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	measured_at timestamptz NOT NULL,
	day date NOT NULL,
	full_sleep_bpm real CHECK (full_sleep_bpm > 0 AND full_sleep_bpm < 100),
	deep_sleep_bpm real CHECK (deep_sleep_bpm > 0 AND deep_sleep_bpm < 100),
	light_sleep_bpm real CHECK (light_sleep_bpm > 0 AND light_sleep_bpm < 100),
	rem_sleep_bpm real CHECK (rem_sleep_bpm > 0 AND rem_sleep_bpm < 100),
	PRIMARY KEY (account_id, measured_at)
);

CREATE TABLE silver.weight (
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	measured_at timestamptz NOT NULL,
	day date NOT NULL,
	weight_kg real NOT NULL CHECK (weight_kg > 0 AND weight_kg < 700),
	manual boolean NOT NULL DEFAULT false,	-- entered by hand, not by a scale
	point_id text,				-- the source's identifier, where it has one
	PRIMARY KEY (account_id, measured_at)
);

CREATE TABLE silver.body_fat (
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	measured_at timestamptz NOT NULL,
	day date NOT NULL,
	percent real NOT NULL CHECK (percent > 0 AND percent < 100),
	manual boolean NOT NULL DEFAULT false,
	point_id text,
	PRIMARY KEY (account_id, measured_at)
);

CREATE TABLE silver.vo2_max (
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	measured_at timestamptz NOT NULL,
	day date NOT NULL,
	vo2_max real NOT NULL CHECK (vo2_max > 0 AND vo2_max < 100),	-- ml/kg/min
	method text,
	PRIMARY KEY (account_id, measured_at)
);

/*
 * The vitals the provider itself reports per day, kept beside Tracker's own
 * (gold.daily_vitals).  Each data type fills its columns; a later payload
 * updates only the columns it carries.
 */
CREATE TABLE silver.daily_vitals (
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	day date NOT NULL,
	hrv_ms real,				-- average RMSSD over the night's sleep
	hrv_deep_sleep_ms real,		-- RMSSD in deep sleep
	hrv_entropy real,
	non_rem_hr real,			-- heart rate in non-REM sleep, bpm
	spo2_avg real CHECK (spo2_avg BETWEEN 50 AND 100),
	spo2_lower real CHECK (spo2_lower BETWEEN 50 AND 100),
	spo2_upper real CHECK (spo2_upper BETWEEN 50 AND 100),
	spo2_stddev real,
	respiratory_rate real CHECK (respiratory_rate > 0 AND respiratory_rate < 100),
	skin_temp_nightly_c real,	-- the night's skin temperature
	skin_temp_baseline_c real,	-- the person's baseline it varies from
	skin_temp_stddev_30d_c real,
	vo2_max real CHECK (vo2_max > 0 AND vo2_max < 100),
	cardio_fitness_level text,
	vo2_max_estimated boolean,
	source text NOT NULL,
	payload_id bigint,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, day)
);

COMMENT ON TABLE silver.daily_vitals IS
	'Daily vitals as the provider reported them (HRV, SpO2, breathing rate, skin temperature, VO2 max)';

------------------------------------------------------------------------------
-- gold: vitals and body per day, computed by Tracker from silver
------------------------------------------------------------------------------

CREATE TABLE gold.daily_vitals (
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	day date NOT NULL,
	hrv_ms real,				-- mean RMSSD of the day's samples
	hrv_samples integer NOT NULL DEFAULT 0,
	spo2_avg real,				-- mean of the day's SpO2 samples
	spo2_min real,
	spo2_samples integer NOT NULL DEFAULT 0,
	respiratory_rate real,		-- full-sleep breathing rate of the night
	skin_temp_variation_c real, -- nightly minus baseline
	vo2_max real,
	weight_kg real,				-- the day's last weight
	body_fat_pct real,			-- the day's last body-fat reading
	computed_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, day)
);

COMMENT ON TABLE gold.daily_vitals IS
	'Daily vitals and body figures computed from silver; recomputed whenever a day changes';

/* The figures of a day read its samples. */
CREATE INDEX hrv_sample_day ON silver.hrv_sample (account_id, day);
CREATE INDEX spo2_sample_day ON silver.spo2_sample (account_id, day);
CREATE INDEX respiratory_sleep_day ON silver.respiratory_sleep (account_id, day);
CREATE INDEX weight_day ON silver.weight (account_id, day);
CREATE INDEX body_fat_day ON silver.body_fat (account_id, day);
CREATE INDEX vo2_max_day ON silver.vo2_max (account_id, day);

SELECT pg_catalog.pg_extension_config_dump('silver.sleep_stage', '');
SELECT pg_catalog.pg_extension_config_dump('silver.sleep_out_of_bed', '');
SELECT pg_catalog.pg_extension_config_dump('silver.hrv_sample', '');
SELECT pg_catalog.pg_extension_config_dump('silver.spo2_sample', '');
SELECT pg_catalog.pg_extension_config_dump('silver.respiratory_sleep', '');
SELECT pg_catalog.pg_extension_config_dump('silver.weight', '');
SELECT pg_catalog.pg_extension_config_dump('silver.body_fat', '');
SELECT pg_catalog.pg_extension_config_dump('silver.vo2_max', '');
SELECT pg_catalog.pg_extension_config_dump('silver.daily_vitals', '');
SELECT pg_catalog.pg_extension_config_dump('gold.daily_vitals', '');
