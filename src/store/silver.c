/*-------------------------------------------------------------------------
 *
 * silver.c
 *	  Silver: typed rows.  Heart rate is merged into one encoded series per
 *	  account and local day; the provider's own daily figures are kept
 *	  beside it.
 *
 * The write path of every source ends in store/: a raw payload goes to
 * bronze (bronze.c), typed samples are merged here, and the touched days'
 * figures are recomputed into gold (gold.c) in the same transaction, so
 * gold never disagrees with silver.  Every function expects an SPI
 * connection opened by its caller and runs in the caller's transaction.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"

#include "common/common.h"
#include "core/core.h"
#include "store/store.h"

/*
 * reported_upsert
 *		Record what the provider reported for a day.  Only the parts present
 *		in this payload overwrite stored values, so separate files for zone
 *		minutes and resting heart rate (as in an account export) combine.
 */
void
reported_upsert(const TrackerAccount *acc, const ReportedDay *r,
				const char *source, int64 payload_id)
{
	Oid			types[14] = {INT4OID, DATEOID, FLOAT4OID, INT2OID, INT2OID,
		INT2OID, INT2OID, INT2OID, FLOAT4OID, FLOAT4OID, FLOAT4OID, FLOAT4OID,
	TEXTOID, INT8OID};
	Datum		values[14];
	char		nulls[14];
	int			i;

	account_write_lock(acc->account_id);
	memset(nulls, 'n', sizeof(nulls));
	values[0] = Int32GetDatum(acc->account_id);
	nulls[0] = ' ';
	values[1] = DateADTGetDatum(r->day);
	nulls[1] = ' ';
	if (r->has_resting)
	{
		values[2] = Float4GetDatum((float4) r->resting_hr);
		nulls[2] = ' ';
	}
	if (r->has_bounds)
	{
		for (i = 0; i < HR_ZONE_COUNT; i++)
		{
			values[3 + i] = Int16GetDatum((int16) r->zone_min[i]);
			nulls[3 + i] = ' ';
		}
		values[7] = Int16GetDatum((int16) r->zone_max[HR_ZONE_TOP]);
		nulls[7] = ' ';
	}
	if (r->has_minutes)
	{
		for (i = 0; i < HR_ZONE_COUNT; i++)
		{
			values[8 + i] = Float4GetDatum((float4) r->minutes[i]);
			nulls[8 + i] = ' ';
		}
	}
	values[12] = CStringGetTextDatum(source);
	nulls[12] = ' ';
	if (payload_id > 0)
	{
		values[13] = Int64GetDatum(payload_id);
		nulls[13] = ' ';
	}

	spi_exec(
			 "INSERT INTO silver.daily_reported AS d "
			 "(account_id, day, resting_hr, zone1_min, zone2_min, "
			 " zone3_min, zone4_min, zone4_max, zone1_minutes, "
			 " zone2_minutes, zone3_minutes, zone4_minutes, source, payload_id) "
			 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
			 "ON CONFLICT (account_id, day) DO UPDATE SET "
			 " resting_hr = coalesce(excluded.resting_hr, d.resting_hr), "
			 " zone1_min = CASE WHEN excluded.zone4_max IS NULL THEN d.zone1_min ELSE excluded.zone1_min END, "
			 " zone2_min = CASE WHEN excluded.zone4_max IS NULL THEN d.zone2_min ELSE excluded.zone2_min END, "
			 " zone3_min = CASE WHEN excluded.zone4_max IS NULL THEN d.zone3_min ELSE excluded.zone3_min END, "
			 " zone4_min = CASE WHEN excluded.zone4_max IS NULL THEN d.zone4_min ELSE excluded.zone4_min END, "
			 " zone4_max = coalesce(excluded.zone4_max, d.zone4_max), "
			 " zone1_minutes = CASE WHEN excluded.zone4_minutes IS NULL THEN d.zone1_minutes ELSE excluded.zone1_minutes END, "
			 " zone2_minutes = CASE WHEN excluded.zone4_minutes IS NULL THEN d.zone2_minutes ELSE excluded.zone2_minutes END, "
			 " zone3_minutes = CASE WHEN excluded.zone4_minutes IS NULL THEN d.zone3_minutes ELSE excluded.zone3_minutes END, "
			 " zone4_minutes = coalesce(excluded.zone4_minutes, d.zone4_minutes), "
			 " source = excluded.source, "
			 " payload_id = coalesce(excluded.payload_id, d.payload_id), "
			 " updated_at = excluded.updated_at",
			 14, types, values, nulls,
			 SPI_OK_INSERT, "store reported daily figures");
}

/*
 * series_load
 *		Decode the stored series of a day (NULL and *n = 0 when there is
 *		none).  With lock, the row is locked so that concurrent writers of
 *		the same day merge one after the other instead of losing samples.
 */
HrSample *
series_load(int32 account_id, DateADT day, bool lock, size_t *n)
{
	Oid			types[2] = {INT4OID, DATEOID};
	Datum		values[2];
	bool		isnull;
	bytea	   *b;
	HrSample   *s;
	const char *why;

	values[0] = Int32GetDatum(account_id);
	values[1] = DateADTGetDatum(day);
	*n = 0;
	if (spi_exec_limit(lock ?
					   "SELECT series FROM silver.heart_rate_day "
					   "WHERE account_id = $1 AND day = $2 FOR UPDATE" :
					   "SELECT series FROM silver.heart_rate_day "
					   "WHERE account_id = $1 AND day = $2",
					   2, types, values, NULL, 1, SPI_OK_SELECT,
					   "read a day of heart rate") == 0)
		return NULL;

	b = DatumGetByteaPP(spi_datum(0, 1, &isnull));	/* detoast once, decode many */
	s = series_decode_bytes((const uint8 *) VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b),
							n, &why);
	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("heart-rate series of account %d on %s is corrupt",
						account_id,
						DatumGetCString(DirectFunctionCall1(date_out,
															DateADTGetDatum(day))))));
	SPI_freetuptable(SPI_tuptable);
	return s;
}

static bytea *
series_to_bytea(const HrSample *s, size_t n)
{
	size_t		bound = hr_series_encode_bound(n);
	bytea	   *b = palloc_extended(VARHDRSZ + bound, MCXT_ALLOC_HUGE);
	size_t		len;

	len = hr_series_encode(s, n, (uint8 *) VARDATA(b));
	if (len == 0 && n > 0)
		elog(ERROR, "could not encode a heart-rate series");
	SET_VARSIZE(b, VARHDRSZ + len);
	return b;
}

/*
 * series_write
 *		Write a day's series.  With insert, only when the day has no row
 *		yet: returns false, writing nothing, when another writer's row is
 *		there (committed or committing meanwhile), so that the caller merges
 *		into it instead of overwriting it.
 */
static bool
series_write(int32 account_id, DateADT day, const HrSample *s, size_t n,
			 bool insert)
{
	Oid			types[6] = {INT4OID, DATEOID, INT4OID, TIMESTAMPTZOID,
	TIMESTAMPTZOID, BYTEAOID};
	Datum		values[6];
	bool		written;

	values[0] = Int32GetDatum(account_id);
	values[1] = DateADTGetDatum(day);
	values[2] = Int32GetDatum((int32) n);
	values[3] = TimestampTzGetDatum(tracker_epoch_to_timestamptz(s[0].t));
	values[4] = TimestampTzGetDatum(tracker_epoch_to_timestamptz(s[n - 1].t));
	values[5] = PointerGetDatum(series_to_bytea(s, n));

	written = spi_exec(insert ?
					   "INSERT INTO silver.heart_rate_day "
					   "(account_id, day, samples, first_at, last_at, series) "
					   "VALUES ($1, $2, $3, $4, $5, $6) "
					   "ON CONFLICT (account_id, day) DO NOTHING" :
					   "UPDATE silver.heart_rate_day SET "
					   " samples = $3, first_at = $4, last_at = $5, "
					   " series = $6, updated_at = now() "
					   "WHERE account_id = $1 AND day = $2",
					   6, types, values, NULL,
					   insert ? SPI_OK_INSERT : SPI_OK_UPDATE,
					   "store a day of heart rate") == 1;
	pfree(DatumGetPointer(values[5]));
	return written;
}

/*
 * heart_rate_store_day
 *		Merge normalized samples of one local day into its stored series.
 *
 *		The stored row is read FOR UPDATE and merged; a day without a row
 *		gets one only if nobody else inserted it meanwhile (INSERT ... DO
 *		NOTHING), else that row is read again, locked, and merged into.  So
 *		two writers of a new day never overwrite each other, even without
 *		the account's write lock that the caller holds as well.
 */
static void
heart_rate_store_day(const TrackerAccount *acc, DateADT day,
					 const HrSample *s, size_t n)
{
	HrSample   *old;
	HrSample   *merged;
	size_t		nold;
	size_t		nmerged;

	old = series_load(acc->account_id, day, true, &nold);
	if (old == NULL)
	{
		if (series_write(acc->account_id, day, s, n, true))
			return;
		old = series_load(acc->account_id, day, true, &nold);
		if (old == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not serialize access due to a concurrent write of the same day")));
	}
	if (nold > 0)
	{
		merged = palloc_extended(sizeof(HrSample) * (nold + n), MCXT_ALLOC_HUGE);
		nmerged = hr_series_merge(old, nold, s, n, merged);
	}
	else
	{
		merged = (HrSample *) s;
		nmerged = n;
	}
	if (!series_write(acc->account_id, day, merged, nmerged, false))
		elog(ERROR, "heart-rate day vanished while it was being merged");
	if (merged != s)
		pfree(merged);
	pfree(old);
}

/*
 * heart_rate_store
 *		Split samples into the account's local days and merge each day into
 *		silver.  s is sorted and deduplicated in place.  Returns the number
 *		of days written and adds them to touched.
 */
int
heart_rate_store(const TrackerAccount *acc, HrSample *s, size_t n,
				 DaySet *touched)
{
	size_t		i = 0;
	int			days = 0;

	account_write_lock(acc->account_id);
	n = hr_series_normalize(s, n);
	while (i < n)
	{
		DateADT		day = tracker_local_date(acc->tz, s[i].t);
		int64		start;
		int64		end;
		size_t		j = i;

		tracker_day_bounds(acc->tz, day, &start, &end);
		while (j < n && s[j].t < end)
			j++;
		heart_rate_store_day(acc, day, s + i, j - i);
		dayset_add(touched, day);
		days++;
		i = j;
	}
	return days;
}

void
dayset_add(DaySet *set, DateADT day)
{
	int			i;

	for (i = 0; i < set->n; i++)
		if (set->days[i] == day)
			return;
	if (set->n == set->cap)
	{
		set->cap = set->cap ? set->cap * 2 : 16;
		set->days = set->days ? repalloc(set->days, sizeof(DateADT) * set->cap)
			: palloc(sizeof(DateADT) * set->cap);
	}
	set->days[set->n++] = day;
}

DateADT
dayset_min(const DaySet *set)
{
	DateADT		m = set->days[0];
	int			i;

	for (i = 1; i < set->n; i++)
		if (set->days[i] < m)
			m = set->days[i];
	return m;
}
