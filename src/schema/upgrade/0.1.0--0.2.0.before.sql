/* src/schema/upgrade/0.1.0--0.2.0.before.sql: the first step from 0.1.0 to 0.2.0 (see build.sh) */

/*
 * The benchmark hook: 0.1.0 created tracker.bench_ingest() in every
 * installation, 0.2.0 only in a build with make BENCH=1 (whose functions,
 * below, create it again).  The 0.1.0 script as shipped leaves it out, so a
 * database may or may not have it.
 */
DROP FUNCTION IF EXISTS tracker.bench_ingest(integer, bytea[], boolean, text);

/*
 * The heart-rate zones are named as each source names them: the readers of
 * the daily figures return the zones lowest first (zone1 .. zone4) with
 * the name scheme and the minutes below the zones, so their result types
 * change and they are created again below.
 */
DROP FUNCTION tracker.daily(integer, daterange);
DROP FUNCTION tracker.zone_minutes(integer, daterange);
DROP FUNCTION api.daily(integer, date, date);
DROP FUNCTION api.zone_minutes(integer, date, date);
DROP FUNCTION api.weekly_zone_minutes(integer, date, date);

/*
 * A backfill's own window lengths and cursors (see tracker.plan_windows):
 * the columns come before the install script's rows are written again,
 * which name them; step 4 sets them on the rows of 0.1.0.  (Added without
 * a default first, so that the table is as a fresh install's.)
 */
ALTER TABLE tracker.provider_data_type
	ADD COLUMN backfill_window_days integer CHECK (backfill_window_days > 0),
	ADD COLUMN cursor_across boolean;
UPDATE tracker.provider_data_type SET cursor_across = false;
ALTER TABLE tracker.provider_data_type
	ALTER COLUMN cursor_across SET DEFAULT false,
	ALTER COLUMN cursor_across SET NOT NULL;

/*
 * A payload may be kept as a delta against an earlier payload of the same
 * account: the column goes first, so that its index is made with the
 * tables; its check follows in 0.1.0--0.2.0.sql.
 */
ALTER TABLE bronze.payload ADD COLUMN base_payload_id bigint;
