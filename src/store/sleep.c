/*-------------------------------------------------------------------------
 *
 * sleep.c
 *	  Silver: sleep sessions with their stage intervals and out-of-bed
 *	  segments, from any source (the Google Health API, Fitbit files).
 *
 * A session is one row of silver.sleep however many local midnights or
 * clock changes it spans, filed under the local day its sleeper woke up:
 * the day of its end at the UTC offset the source gave for the end (the
 * zone the person was in), or in the account's zone when the source gave
 * none.  Its stages and out-of-bed segments are written with it, in the
 * caller's transaction; a session written again replaces them, and rows
 * that did not change are left alone (a session that differs only in the
 * payload it came in keeps its first), so a sync that reads the same
 * sessions again writes nothing.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "common/common.h"
#include "core/core.h"
#include "store/store.h"

/*
 * sleep_wake_day
 *		The local day a session is filed under: the date of its end at the
 *		source's UTC offset for the end, else in the account's zone.
 */
DateADT
sleep_wake_day(const TrackerAccount *acc, const SleepSession *s)
{
	int64		local;

	if (!s->has_offsets)
		return tracker_local_date(acc->tz, s->end);
	local = s->end + s->end_offset;
	/* floor division: instants before 1970 have negative epochs */
	return (DateADT) ((local >= 0 ? local / SECS_PER_DAY :
					   -((-local + SECS_PER_DAY - 1) / SECS_PER_DAY)) +
					  UNIX_EPOCH_JDATE - POSTGRES_EPOCH_JDATE);
}

/*
 * store_spans
 *		Make the rows of table for one session equal spans: rows whose start
 *		is not among them go, the others are inserted or updated where they
 *		differ.
 */
static void
store_spans(const char *table, bool with_stage, int32 account_id,
			const char *sleep_id, const SleepSpan *spans, int n)
{
	Oid			types[5] = {INT4OID, TEXTOID, TIMESTAMPTZARRAYOID,
	TIMESTAMPTZARRAYOID, TEXTARRAYOID};
	Datum		v[5];
	Datum	   *starts = palloc(sizeof(Datum) * (n > 0 ? n : 1));
	Datum	   *ends = palloc(sizeof(Datum) * (n > 0 ? n : 1));
	Datum	   *stages = palloc(sizeof(Datum) * (n > 0 ? n : 1));
	int			i;

	for (i = 0; i < n; i++)
	{
		starts[i] = TimestampTzGetDatum(tracker_epoch_to_timestamptz(spans[i].start));
		ends[i] = TimestampTzGetDatum(tracker_epoch_to_timestamptz(spans[i].end));
		stages[i] = CStringGetTextDatum(spans[i].stage ? spans[i].stage : "");
	}
	v[0] = Int32GetDatum(account_id);
	v[1] = CStringGetTextDatum(sleep_id);
	v[2] = PointerGetDatum(construct_array(starts, n, TIMESTAMPTZOID, 8, true, TYPALIGN_DOUBLE));
	v[3] = PointerGetDatum(construct_array(ends, n, TIMESTAMPTZOID, 8, true, TYPALIGN_DOUBLE));
	v[4] = PointerGetDatum(construct_array(stages, n, TEXTOID, -1, false, TYPALIGN_INT));

	spi_exec(psprintf("DELETE FROM %s WHERE account_id = $1 AND sleep_id = $2 "
					  "AND start_at <> ALL ($3)", table),
			 3, types, v, NULL, SPI_OK_DELETE, "replace the spans of a sleep");
	if (n == 0)
		return;
	if (with_stage)
		spi_exec(psprintf("INSERT INTO %s AS x (account_id, sleep_id, start_at, end_at, stage) "
						  "SELECT $1, $2, t.s, t.e, t.k FROM unnest($3, $4, $5) AS t(s, e, k) "
						  "ON CONFLICT (account_id, sleep_id, start_at) DO UPDATE SET "
						  " end_at = excluded.end_at, stage = excluded.stage "
						  "WHERE (x.end_at, x.stage) IS DISTINCT FROM (excluded.end_at, excluded.stage)",
						  table),
				 5, types, v, NULL, SPI_OK_INSERT, "write the stages of a sleep");
	else
		spi_exec(psprintf("INSERT INTO %s AS x (account_id, sleep_id, start_at, end_at) "
						  "SELECT $1, $2, t.s, t.e FROM unnest($3, $4) AS t(s, e) "
						  "ON CONFLICT (account_id, sleep_id, start_at) DO UPDATE SET "
						  " end_at = excluded.end_at "
						  "WHERE x.end_at IS DISTINCT FROM excluded.end_at",
						  table),
				 4, types, v, NULL, SPI_OK_INSERT, "write the out-of-bed segments of a sleep");
}

/*
 * sleep_store
 *		Write one session with its stages and out-of-bed segments.  Returns
 *		the day it is filed under.
 */
DateADT
sleep_store(const TrackerAccount *acc, const SleepSession *s, int64 payload_id)
{
	Oid			types[14] = {INT4OID, TEXTOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID,
		DATEOID, BOOLOID, INT4OID, INT4OID, INT4OID, TEXTOID, INT8OID, INT4OID,
	INT4OID};
	Datum		v[14];
	char		n[14];
	DateADT		day = sleep_wake_day(acc, s);

	account_write_lock(acc->account_id);
	memset(n, ' ', sizeof(n));
	v[0] = Int32GetDatum(acc->account_id);
	v[1] = CStringGetTextDatum(s->sleep_id);
	spi_arg_text(v, n, 2, s->sleep_type);
	v[3] = TimestampTzGetDatum(tracker_epoch_to_timestamptz(s->start));
	v[4] = TimestampTzGetDatum(tracker_epoch_to_timestamptz(s->end));
	v[5] = DateADTGetDatum(day);
	v[6] = BoolGetDatum(s->nap);
	spi_arg_count(v, n, 7, INT4OID, s->minutes_asleep);
	spi_arg_count(v, n, 8, INT4OID, s->minutes_awake);
	spi_arg_count(v, n, 9, INT4OID, s->minutes_in_period);
	spi_arg_text(v, n, 10, s->stages_json);
	if (payload_id > 0)
		v[11] = Int64GetDatum(payload_id);
	else
		n[11] = 'n';
	v[12] = Int32GetDatum(s->start_offset);
	v[13] = Int32GetDatum(s->end_offset);
	if (!s->has_offsets)
		n[12] = n[13] = 'n';

	spi_exec("INSERT INTO silver.sleep AS x (account_id, sleep_id, sleep_type, start_at, "
			 " end_at, day, nap, minutes_asleep, minutes_awake, minutes_in_period, stages, "
			 " payload_id, start_utc_offset_s, end_utc_offset_s) "
			 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14) "
			 "ON CONFLICT (account_id, sleep_id) DO UPDATE SET "
			 " sleep_type = excluded.sleep_type, start_at = excluded.start_at, "
			 " end_at = excluded.end_at, day = excluded.day, nap = excluded.nap, "
			 " minutes_asleep = excluded.minutes_asleep, minutes_awake = excluded.minutes_awake, "
			 " minutes_in_period = excluded.minutes_in_period, stages = excluded.stages, "
			 " payload_id = excluded.payload_id, "
			 " start_utc_offset_s = excluded.start_utc_offset_s, "
			 " end_utc_offset_s = excluded.end_utc_offset_s, updated_at = excluded.updated_at "
			 "WHERE (x.sleep_type, x.start_at, x.end_at, x.day, x.nap, x.minutes_asleep, "
			 " x.minutes_awake, x.minutes_in_period, x.stages, "
			 " x.start_utc_offset_s, x.end_utc_offset_s) IS DISTINCT FROM "
			 " (excluded.sleep_type, excluded.start_at, excluded.end_at, excluded.day, "
			 " excluded.nap, excluded.minutes_asleep, excluded.minutes_awake, "
			 " excluded.minutes_in_period, excluded.stages, "
			 " excluded.start_utc_offset_s, excluded.end_utc_offset_s)",
			 14, types, v, n, SPI_OK_INSERT, "write a sleep");

	store_spans("silver.sleep_stage", true, acc->account_id, s->sleep_id,
				s->spans, s->nspans);
	store_spans("silver.sleep_out_of_bed", false, acc->account_id, s->sleep_id,
				s->out_of_bed, s->nout_of_bed);
	return day;
}
