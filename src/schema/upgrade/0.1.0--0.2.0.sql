/* src/schema/upgrade/0.1.0--0.2.0.sql: tables and data from 0.1.0 to 0.2.0 (see build.sh) */

/*
 * A backfill of every account names the accounts it left out (not
 * connected when it was queued).  Jobs of 0.1.0 left none out.
 */
ALTER TABLE tracker.job ADD COLUMN accounts_left_out integer[];

/*
 * A listen is keyed by what its provider counts as one listen
 * (tracker.listen_key()), no longer by its track alone.  The new key tells
 * apart every pair of listens the old one did (two listens of one second
 * with different tracks have different keys), so the rows of 0.1.0 stay as
 * they are, and so do their daily figures.
 */
ALTER TABLE silver.listen
	DROP CONSTRAINT listen_pkey,
	ADD COLUMN listen_key text NOT NULL
		GENERATED ALWAYS AS (tracker.listen_key(source, artist, track, album, recording_msid)) STORED,
	ADD CONSTRAINT listen_pkey PRIMARY KEY (account_id, played_at, listen_key);

/*
 * The S3 settings are split: where the archive lives (tracker.s3_target,
 * kept in dumps) apart from its keys (tracker.s3_key, never in a dump).
 * tracker.s3_config becomes the view of both that the C code reads.
 */
INSERT INTO tracker.s3_target (singleton, endpoint, bucket, region, prefix, path_style, updated_at)
SELECT singleton, endpoint, bucket, region, prefix, path_style, updated_at
FROM tracker.s3_config;
INSERT INTO tracker.s3_key (singleton, access_key, secret_key, updated_at)
SELECT singleton, access_key, secret_key, updated_at
FROM tracker.s3_config;
DROP VIEW tracker.s3_settings;
DROP TABLE tracker.s3_config;

/*
 * A Google Health account is connected only while it holds a refresh token
 * (tracker.account_auth_check()).  A 0.1.0 database restored from a dump
 * has its accounts 'connected' without the tokens no dump holds: the
 * trigger, made here already rather than below, turns them not_connected
 * with the reason.
 */
CREATE TRIGGER account_auth_check
	BEFORE INSERT OR UPDATE OF state ON tracker.account_auth
	FOR EACH ROW EXECUTE FUNCTION tracker.account_auth_check();
UPDATE tracker.account_auth SET state = state WHERE state = 'connected';

/*
 * Heart-rate zones by position, named as each source names them: the
 * columns named after Fitbit's zones (which held Google's light, moderate,
 * vigorous and peak as well) become zone1 .. zone4, lowest first, in silver
 * and gold; gold says whose names they have (zone_scheme) and keeps the
 * minutes below the lowest zone.  The reported figures keep their values.
 */
ALTER TABLE silver.daily_reported RENAME COLUMN out_of_range_min TO zone1_min;
ALTER TABLE silver.daily_reported RENAME COLUMN fat_burn_min TO zone2_min;
ALTER TABLE silver.daily_reported RENAME COLUMN cardio_min TO zone3_min;
ALTER TABLE silver.daily_reported RENAME COLUMN peak_min TO zone4_min;
ALTER TABLE silver.daily_reported RENAME COLUMN peak_max TO zone4_max;
ALTER TABLE silver.daily_reported RENAME COLUMN out_of_range_minutes TO zone1_minutes;
ALTER TABLE silver.daily_reported RENAME COLUMN fat_burn_minutes TO zone2_minutes;
ALTER TABLE silver.daily_reported RENAME COLUMN cardio_minutes TO zone3_minutes;
ALTER TABLE silver.daily_reported RENAME COLUMN peak_minutes TO zone4_minutes;
ALTER TABLE silver.daily_reported
	RENAME CONSTRAINT daily_reported_out_of_range_minutes_check TO daily_reported_zone1_minutes_check;
ALTER TABLE silver.daily_reported
	RENAME CONSTRAINT daily_reported_fat_burn_minutes_check TO daily_reported_zone2_minutes_check;
ALTER TABLE silver.daily_reported
	RENAME CONSTRAINT daily_reported_cardio_minutes_check TO daily_reported_zone3_minutes_check;
ALTER TABLE silver.daily_reported
	RENAME CONSTRAINT daily_reported_peak_minutes_check TO daily_reported_zone4_minutes_check;

ALTER TABLE gold.daily RENAME COLUMN out_of_range_minutes TO zone1_minutes;
ALTER TABLE gold.daily RENAME COLUMN fat_burn_minutes TO zone2_minutes;
ALTER TABLE gold.daily RENAME COLUMN cardio_minutes TO zone3_minutes;
ALTER TABLE gold.daily RENAME COLUMN peak_minutes TO zone4_minutes;
ALTER TABLE gold.daily
	ADD COLUMN zone_scheme text CHECK (zone_scheme IN ('google_health', 'fitbit')),
	ADD COLUMN below_zone_minutes integer;

/*
 * Daily heart-rate figures of algorithm version 3.  Version 2: a day enters
 * the smoothed resting heart rate only with 480 worn minutes
 * (RESTING_MIN_WEAR_MINUTES), so a short day no longer pulls the following
 * week.  Version 3: the zones and the minutes below them split the worn
 * minutes, each zone named as its source names it.  The figures of 0.1.0
 * (version 1) are computed again from silver, which is kept as it is; then
 * every day's zones add up, and the table says so.
 */
SELECT tracker.recompute(a.account_id)
FROM tracker.account a
WHERE EXISTS (SELECT 1 FROM gold.daily g
			  WHERE g.account_id = a.account_id AND g.algorithm_version < 3)
ORDER BY a.account_id;

ALTER TABLE gold.daily ADD CONSTRAINT daily_zones_add_up CHECK
	((zone_source IS NULL) = (zone_scheme IS NULL) AND
	 (zone_scheme IS NULL OR
	  below_zone_minutes + zone1_minutes + zone2_minutes + zone3_minutes +
	  zone4_minutes = wear_minutes));

/*
 * Sleep sessions keep the UTC offsets their source gave for their start and
 * end; a session is filed under the local day of its end at that offset.
 */
ALTER TABLE silver.sleep
	ADD COLUMN start_utc_offset_s integer,
	ADD COLUMN end_utc_offset_s integer;

/*
 * Daily activity figures (gold.daily_activity, new in 0.2.0) for every day
 * of the steps 0.1.0 holds.
 */
SELECT tracker.refresh_activity(s.account_id, array_agg(DISTINCT s.day))
FROM silver.steps s
GROUP BY s.account_id
ORDER BY s.account_id;

/*
 * Raw pages are compressed with lz4, not pglz (see bronze.payload in
 * core.sql).  Pages already stored keep pglz until they are rewritten;
 * both read back the same.
 */
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_settings
				   WHERE name = 'default_toast_compression'
					 AND 'lz4' = ANY (enumvals)) THEN
		RAISE EXCEPTION 'this PostgreSQL server was built without lz4 support'
			USING ERRCODE = 'feature_not_supported',
				  DETAIL = 'Tracker 0.2.0 compresses the raw pages of bronze.payload with lz4.',
				  HINT = 'Use a PostgreSQL server built with --with-lz4, as the Debian and PGDG packages are.';
	END IF;
END
$$;

ALTER TABLE bronze.payload ALTER COLUMN body SET COMPRESSION lz4;

/*
 * Incremental scheduled syncs: each type's newest point held, the instant a
 * window reads from, and when an account last had a full scheduled sync.
 */
-- (added without a default first, so that the table is as a fresh install's:
-- no stored "missing value" for rows that existed)
ALTER TABLE tracker.job
	ADD COLUMN incremental boolean,
	ADD COLUMN seen_newest timestamptz;
UPDATE tracker.job SET incremental = false;
ALTER TABLE tracker.job
	ALTER COLUMN incremental SET DEFAULT false,
	ALTER COLUMN incremental SET NOT NULL;
ALTER TABLE tracker.job_window
	ADD COLUMN since timestamptz,
	ADD COLUMN newest_at timestamptz;
ALTER TABLE tracker.account_schedule ADD COLUMN last_full_at timestamptz;
ALTER TABLE tracker.sync_state ADD COLUMN newest_at timestamptz;

/*
 * Backfills at the minimum of requests: longer windows for sessions and
 * daily types, and one cursor down the whole range for heart rate and
 * steps (see tracker.plan_windows).  The columns of
 * tracker.provider_data_type come in the first step.
 */
UPDATE tracker.provider_data_type SET cursor_across = true
WHERE provider = 'google_health' AND data_type IN ('heart-rate', 'steps');
UPDATE tracker.provider_data_type SET backfill_window_days = 366
WHERE provider = 'google_health'
  AND data_type IN ('exercise', 'sleep', 'daily-heart-rate-zones', 'daily-resting-heart-rate',
					'daily-heart-rate-variability', 'daily-oxygen-saturation',
					'daily-respiratory-rate', 'daily-sleep-temperature-derivations',
					'daily-vo2-max');
ALTER TABLE tracker.job_window ADD COLUMN page_floor date;

/*
 * A payload may be kept as a delta against an earlier payload of the same
 * account (src/store/bronze.c); the payloads of 0.1.0 stay whole.  The
 * column came in the first step (its index is made with the tables, its
 * triggers with the rest).
 */
ALTER TABLE bronze.payload
	ADD CONSTRAINT payload_base_check CHECK (base_payload_id <> payload_id);
