/*-------------------------------------------------------------------------
 *
 * store.c
 *	  Writes to bronze, silver and gold through SPI.
 *
 * The write path of every source ends here: a raw payload goes to bronze,
 * typed samples are merged into the per-day encoded series in silver, and
 * the touched days' figures are recomputed into gold in the same
 * transaction, so gold never disagrees with silver.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "store/store.h"
#include "core/timeutil.h"

/* The longest local day the figures accept (a 25-hour DST day, plus slack). */
#define MAX_DAY_SECONDS (26 * 3600)

static void spi_check(int rc, int expected, const char *what);
static HrSample *series_load(int32 account_id, DateADT day, bool lock,
							 size_t *n);
static bytea *series_to_bytea(const HrSample *s, size_t n);
static bool zone_bounds_for_day(const TrackerAccount *acc, DateADT day,
								ZoneBounds *zb, const char **source);

/*
 * spi_check
 *		SPI failures here are internal errors, not user errors.
 */
static void
spi_check(int rc, int expected, const char *what)
{
	if (rc != expected)
		elog(ERROR, "SPI failed while %s: %s", what, SPI_result_code_string(rc));
}

/*
 * account_write_lock
 *		Take the account's write lock (see TRACKER_LOCK_WRITE in store.h)
 *		until the end of the transaction.  Every function here that writes
 *		silver or gold takes it first, so that imports, syncs, workers,
 *		recomputes and restores of one account write one after the other
 *		whichever way they came in.  Taking it again is cheap.
 */
void
account_write_lock(int32 account_id)
{
	LOCKTAG		tag;

	/* outside a transaction it would be held for the session */
	if (!IsTransactionState() || CurrentResourceOwner == NULL)
		elog(ERROR, "the write lock of account %d was asked for outside a transaction",
			 account_id);
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, TRACKER_LOCK_WRITE,
						 (uint32) account_id, 2);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
}

/*
 * account_load
 *		Read an account, with a clear error when it does not exist.
 */
void
account_load(int32 account_id, TrackerAccount *acc)
{
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(account_id)};
	bool		isnull;
	Datum		d;
	int			rc;

	rc = SPI_execute_with_args("SELECT name, provider, time_zone, birth_date "
							   "FROM tracker.account WHERE account_id = $1",
							   1, types, values, NULL, true, 1);
	spi_check(rc, SPI_OK_SELECT, "reading the account");
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("account %d does not exist", account_id),
				 errhint("Create it with tracker.add_account().")));

	acc->account_id = account_id;
	acc->name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	acc->provider = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	acc->time_zone = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	acc->tz = tracker_time_zone(acc->time_zone);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull);
	acc->has_birth_date = !isnull;
	acc->birth_date = isnull ? 0 : DatumGetDateADT(d);
}

/*
 * sha256_bytes
 *		SHA-256 of a payload, the key that stores each payload once.
 */
void
sha256_bytes(const char *data, size_t len, uint8 *out)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (ctx == NULL ||
		pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(ctx, out, PG_SHA256_DIGEST_LENGTH) < 0)
	{
		pg_cryptohash_free(ctx);
		elog(ERROR, "could not compute SHA-256 digest");
	}
	pg_cryptohash_free(ctx);
}

static bytea *
make_bytea(const char *data, size_t len)
{
	bytea	   *b;

	if (len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("payload of %zu bytes is too large", len)));
	b = palloc(VARHDRSZ + len);
	SET_VARSIZE(b, VARHDRSZ + len);
	memcpy(VARDATA(b), data, len);
	return b;
}

/*
 * bronze_lookup
 *		Whether this account already holds a payload with this digest.
 */
bool
bronze_lookup(int32 account_id, const uint8 *sha, int64 *payload_id,
			  char **status)
{
	Oid			types[2] = {INT4OID, BYTEAOID};
	Datum		values[2];
	bool		isnull;
	int			rc;

	values[0] = Int32GetDatum(account_id);
	values[1] = PointerGetDatum(make_bytea((const char *) sha, SHA256_LEN));
	rc = SPI_execute_with_args("SELECT payload_id, status FROM bronze.payload "
							   "WHERE account_id = $1 AND sha256 = $2",
							   2, types, values, NULL, false, 1);
	spi_check(rc, SPI_OK_SELECT, "looking up a payload");
	if (SPI_processed == 0)
		return false;
	*payload_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
											  SPI_tuptable->tupdesc, 1, &isnull));
	*status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	return true;
}

/*
 * bronze_insert
 *		Keep a raw payload exactly as received.  Returns its payload_id; a
 *		payload already held (same digest) is not stored again and its
 *		existing id is returned.  A payload held as rejected that is now
 *		accepted (a parser learnt to take it) is marked accepted.
 */
int64
bronze_insert(int32 account_id, const char *source, const char *kind,
			  const char *origin, const char *body, size_t len,
			  const uint8 *sha, int http_status, bool accepted,
			  const char *reason)
{
	Oid			types[10] = {INT4OID, TEXTOID, TEXTOID, TEXTOID, BYTEAOID,
	INT4OID, INT2OID, TEXTOID, TEXTOID, BYTEAOID};
	Datum		values[10];
	char		nulls[10];
	bool		isnull;
	int64		payload_id;
	int			rc;

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int32GetDatum(account_id);
	values[1] = CStringGetTextDatum(source);
	if (kind)
		values[2] = CStringGetTextDatum(kind);
	else
		nulls[2] = 'n';
	if (origin)
		values[3] = CStringGetTextDatum(origin);
	else
		nulls[3] = 'n';
	values[4] = PointerGetDatum(make_bytea((const char *) sha, SHA256_LEN));
	values[5] = Int32GetDatum((int32) len);
	if (http_status > 0)
		values[6] = Int16GetDatum((int16) http_status);
	else
		nulls[6] = 'n';
	values[7] = CStringGetTextDatum(accepted ? "accepted" : "rejected");
	if (reason)
		values[8] = CStringGetTextDatum(reason);
	else
		nulls[8] = 'n';
	values[9] = PointerGetDatum(make_bytea(body, len));

	rc = SPI_execute_with_args("INSERT INTO bronze.payload "
							   "(account_id, source, kind, origin, sha256, byte_size, "
							   " http_status, status, reason, body) "
							   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
							   "ON CONFLICT (account_id, sha256) DO UPDATE SET "
							   " status = 'accepted', reason = NULL, "
							   " kind = coalesce(excluded.kind, payload.kind), "
							   " http_status = coalesce(excluded.http_status, payload.http_status) "
							   "WHERE payload.status = 'rejected' AND excluded.status = 'accepted' "
							   "RETURNING payload_id",
							   10, types, values, nulls, false, 1);
	spi_check(rc, SPI_OK_INSERT_RETURNING, "storing a payload");
	if (SPI_processed == 1)
		return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 1, &isnull));
	else
	{
		char	   *status;

		if (!bronze_lookup(account_id, sha, &payload_id, &status))
			elog(ERROR, "payload vanished while it was being stored");
		return payload_id;
	}
}

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
	int			rc;

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
		values[7] = Int16GetDatum((int16) r->zone_max[HR_ZONE_PEAK]);
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

	rc = SPI_execute_with_args(
							   "INSERT INTO silver.daily_reported AS d "
							   "(account_id, day, resting_hr, out_of_range_min, fat_burn_min, "
							   " cardio_min, peak_min, peak_max, out_of_range_minutes, "
							   " fat_burn_minutes, cardio_minutes, peak_minutes, source, payload_id) "
							   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
							   "ON CONFLICT (account_id, day) DO UPDATE SET "
							   " resting_hr = coalesce(excluded.resting_hr, d.resting_hr), "
							   " out_of_range_min = CASE WHEN excluded.peak_max IS NULL THEN d.out_of_range_min ELSE excluded.out_of_range_min END, "
							   " fat_burn_min = CASE WHEN excluded.peak_max IS NULL THEN d.fat_burn_min ELSE excluded.fat_burn_min END, "
							   " cardio_min = CASE WHEN excluded.peak_max IS NULL THEN d.cardio_min ELSE excluded.cardio_min END, "
							   " peak_min = CASE WHEN excluded.peak_max IS NULL THEN d.peak_min ELSE excluded.peak_min END, "
							   " peak_max = coalesce(excluded.peak_max, d.peak_max), "
							   " out_of_range_minutes = CASE WHEN excluded.peak_minutes IS NULL THEN d.out_of_range_minutes ELSE excluded.out_of_range_minutes END, "
							   " fat_burn_minutes = CASE WHEN excluded.peak_minutes IS NULL THEN d.fat_burn_minutes ELSE excluded.fat_burn_minutes END, "
							   " cardio_minutes = CASE WHEN excluded.peak_minutes IS NULL THEN d.cardio_minutes ELSE excluded.cardio_minutes END, "
							   " peak_minutes = coalesce(excluded.peak_minutes, d.peak_minutes), "
							   " source = excluded.source, "
							   " payload_id = coalesce(excluded.payload_id, d.payload_id), "
							   " updated_at = now()",
							   14, types, values, nulls, false, 0);
	spi_check(rc, SPI_OK_INSERT, "storing reported daily figures");
}

/*
 * series_load
 *		Decode the stored series of a day (NULL and *n = 0 when there is
 *		none).  With lock, the row is locked so that concurrent writers of
 *		the same day merge one after the other instead of losing samples.
 */
static HrSample *
series_load(int32 account_id, DateADT day, bool lock, size_t *n)
{
	Oid			types[2] = {INT4OID, DATEOID};
	Datum		values[2];
	bool		isnull;
	Datum		d;
	bytea	   *b;
	HrSample   *s;
	size_t		count;
	int			rc;

	values[0] = Int32GetDatum(account_id);
	values[1] = DateADTGetDatum(day);
	rc = SPI_execute_with_args(lock ?
							   "SELECT series FROM silver.heart_rate_day "
							   "WHERE account_id = $1 AND day = $2 FOR UPDATE" :
							   "SELECT series FROM silver.heart_rate_day "
							   "WHERE account_id = $1 AND day = $2",
							   2, types, values, NULL, false, 1);
	spi_check(rc, SPI_OK_SELECT, "reading a day of heart rate");
	*n = 0;
	if (SPI_processed == 0)
		return NULL;

	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	b = DatumGetByteaPP(d);		/* detoast once, decode many */
	if (hr_series_count((const uint8 *) VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b),
						&count) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("heart-rate series of account %d on %s is corrupt",
						account_id,
						DatumGetCString(DirectFunctionCall1(date_out,
															DateADTGetDatum(day))))));
	s = palloc_extended(sizeof(HrSample) * Max(count, 1), MCXT_ALLOC_HUGE);
	if (hr_series_decode((const uint8 *) VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b),
						 s, count, n) != 0 ||
		(*n > 0 && (!tracker_epoch_is_valid(s[0].t) ||
					!tracker_epoch_is_valid(s[*n - 1].t))))
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
	int			rc;
	bool		written;

	values[0] = Int32GetDatum(account_id);
	values[1] = DateADTGetDatum(day);
	values[2] = Int32GetDatum((int32) n);
	values[3] = TimestampTzGetDatum(tracker_epoch_to_timestamptz(s[0].t));
	values[4] = TimestampTzGetDatum(tracker_epoch_to_timestamptz(s[n - 1].t));
	values[5] = PointerGetDatum(series_to_bytea(s, n));

	if (insert)
	{
		rc = SPI_execute_with_args("INSERT INTO silver.heart_rate_day "
								   "(account_id, day, samples, first_at, last_at, series) "
								   "VALUES ($1, $2, $3, $4, $5, $6) "
								   "ON CONFLICT (account_id, day) DO NOTHING",
								   6, types, values, NULL, false, 0);
		spi_check(rc, SPI_OK_INSERT, "storing a day of heart rate");
	}
	else
	{
		rc = SPI_execute_with_args("UPDATE silver.heart_rate_day SET "
								   " samples = $3, first_at = $4, last_at = $5, "
								   " series = $6, updated_at = now() "
								   "WHERE account_id = $1 AND day = $2",
								   6, types, values, NULL, false, 0);
		spi_check(rc, SPI_OK_UPDATE, "storing a day of heart rate");
	}
	written = (SPI_processed == 1);
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

/*
 * zone_bounds_for_day
 *		The provider's zone bounds for the day when it reported them, else
 *		the default zones for the account's age on that day (from its birth
 *		date, else from the age the provider reported).
 */
static bool
zone_bounds_for_day(const TrackerAccount *acc, DateADT day, ZoneBounds *zb,
					const char **source)
{
	Oid			types[2] = {INT4OID, DATEOID};
	Datum		values[2];
	int			rc;

	values[0] = Int32GetDatum(acc->account_id);
	values[1] = DateADTGetDatum(day);
	rc = SPI_execute_with_args("SELECT out_of_range_min, fat_burn_min, cardio_min, "
							   "peak_min, peak_max FROM silver.daily_reported "
							   "WHERE account_id = $1 AND day = $2 "
							   "AND peak_max IS NOT NULL",
							   2, types, values, NULL, false, 1);
	spi_check(rc, SPI_OK_SELECT, "reading zone bounds");
	if (SPI_processed == 1)
	{
		int			v[5];
		int			i;
		bool		isnull;

		for (i = 0; i < 5; i++)
			v[i] = DatumGetInt16(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, i + 1,
											   &isnull));
		for (i = 0; i < HR_ZONE_COUNT; i++)
		{
			zb->min[i] = v[i];
			zb->max[i] = v[i + 1];
		}
		*source = "provider";
		return true;
	}

	if (acc->has_birth_date)
	{
		int			by,
					bm,
					bd,
					y,
					m,
					d,
					age;

		j2date(acc->birth_date + POSTGRES_EPOCH_JDATE, &by, &bm, &bd);
		j2date(day + POSTGRES_EPOCH_JDATE, &y, &m, &d);
		age = y - by - ((m < bm || (m == bm && d < bd)) ? 1 : 0);
		if (age >= 0 && age <= 150)
		{
			zone_bounds_for_age(age, zb);
			*source = "birth_date";
			return true;
		}
	}

	/* The age the provider reported, when there is no birth date. */
	rc = SPI_execute_with_args("SELECT age FROM tracker.account_profile "
							   "WHERE account_id = $1 AND age IS NOT NULL",
							   1, types, values, NULL, false, 1);
	spi_check(rc, SPI_OK_SELECT, "reading the account's age");
	if (SPI_processed == 1)
	{
		bool		isnull;
		int			age = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
													  SPI_tuptable->tupdesc, 1, &isnull));

		zone_bounds_for_age(age, zb);
		*source = "profile_age";
		return true;
	}
	return false;
}

/*
 * figures_recompute_day
 *		Recompute one day's gold row from silver.  Resting heart rate is
 *		stored unsmoothed here; resting_resmooth() carries the smoothing.
 */
void
figures_recompute_day(const TrackerAccount *acc, DateADT day)
{
	Oid			types[12] = {INT4OID, DATEOID, INT4OID, INT4OID, INT4OID,
		INT4OID, INT4OID, INT4OID, TEXTOID, INT2ARRAYOID, FLOAT8OID,
	INT4OID};
	Datum		values[12];
	char		nulls[12];
	HrSample   *s;
	size_t		n;
	int64		start;
	int64		end;
	ZoneBounds	zb;
	const char *zone_source = NULL;
	bool		has_zones;
	DayFigures	f;
	int			rc;
	int			i;

	account_write_lock(acc->account_id);
	s = series_load(acc->account_id, day, false, &n);
	values[0] = Int32GetDatum(acc->account_id);
	values[1] = DateADTGetDatum(day);
	if (n == 0)
	{
		rc = SPI_execute_with_args("DELETE FROM gold.daily "
								   "WHERE account_id = $1 AND day = $2",
								   2, types, values, NULL, false, 0);
		spi_check(rc, SPI_OK_DELETE, "deleting daily figures");
		return;
	}

	tracker_day_bounds(acc->tz, day, &start, &end);
	if (end - start <= 0 || end - start > MAX_DAY_SECONDS)
		elog(ERROR, "local day of %lld seconds", (long long) (end - start));
	has_zones = zone_bounds_for_day(acc, day, &zb, &zone_source);
	if (day_figures(s, n, start, end, has_zones ? &zb : NULL, &f) != 0)
		elog(ERROR, "could not compute the figures of a day");
	pfree(s);

	memset(nulls, ' ', sizeof(nulls));
	values[2] = Int32GetDatum(f.samples);
	values[3] = Int32GetDatum(f.wear_minutes);
	for (i = 0; i < HR_ZONE_COUNT; i++)
	{
		if (f.has_zones)
			values[4 + i] = Int32GetDatum(f.zone_minutes[i]);
		else
			nulls[4 + i] = 'n';
	}
	if (f.has_zones)
	{
		Datum		b[5];
		ArrayType  *arr;

		for (i = 0; i < HR_ZONE_COUNT; i++)
			b[i] = Int16GetDatum((int16) zb.min[i]);
		b[4] = Int16GetDatum((int16) zb.max[HR_ZONE_PEAK]);
		arr = construct_array(b, 5, INT2OID, sizeof(int16), true, TYPALIGN_SHORT);
		values[8] = CStringGetTextDatum(zone_source);
		values[9] = PointerGetDatum(arr);
	}
	else
	{
		nulls[8] = 'n';
		nulls[9] = 'n';
	}
	if (f.has_resting)
		values[10] = Float8GetDatum(f.resting_raw);
	else
		nulls[10] = 'n';
	values[11] = Int32GetDatum(FIGURES_ALGORITHM_VERSION);

	rc = SPI_execute_with_args("INSERT INTO gold.daily AS g "
							   "(account_id, day, samples, wear_minutes, out_of_range_minutes, "
							   " fat_burn_minutes, cardio_minutes, peak_minutes, zone_source, "
							   " zone_bounds, resting_hr_raw, algorithm_version) "
							   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
							   "ON CONFLICT (account_id, day) DO UPDATE SET "
							   " samples = excluded.samples, wear_minutes = excluded.wear_minutes, "
							   " out_of_range_minutes = excluded.out_of_range_minutes, "
							   " fat_burn_minutes = excluded.fat_burn_minutes, "
							   " cardio_minutes = excluded.cardio_minutes, "
							   " peak_minutes = excluded.peak_minutes, "
							   " zone_source = excluded.zone_source, "
							   " zone_bounds = excluded.zone_bounds, "
							   " resting_hr_raw = excluded.resting_hr_raw, "
							   " algorithm_version = excluded.algorithm_version, "
							   " computed_at = now()",
							   12, types, values, nulls, false, 0);
	spi_check(rc, SPI_OK_INSERT, "storing daily figures");
}

/*
 * figures_recompute_days
 *		Recompute the figures of a set of days, then carry the resting heart
 *		rate smoothing forward from the earliest of them.
 */
void
figures_recompute_days(const TrackerAccount *acc, DaySet *days)
{
	int			i;

	if (days->n == 0)
		return;
	for (i = 0; i < days->n; i++)
		figures_recompute_day(acc, days->days[i]);
	resting_resmooth(acc->account_id, dayset_min(days));
}

/*
 * resting_resmooth
 *		Resting heart rate is smoothed across days, so a change to one day
 *		moves every later day's figure.  Walk forward from "from", starting
 *		from the state of the last earlier day, and update only rows whose
 *		figure or state changed.  A day worn too little to count
 *		(resting_day_counts()) gets no figure and leaves the state as it was.
 */
void
resting_resmooth(int32 account_id, DateADT from)
{
	Oid			types[2] = {INT4OID, DATEOID};
	Datum		values[2];
	Oid			utypes[4] = {INT4OID, DATEOID, INT2OID, FLOAT8OID};
	Datum		uvalues[4];
	char		unulls[4];
	SPITupleTable *rows;
	uint64		nrows;
	uint64		i;
	double		state = 0;
	bool		has_state = false;
	bool		isnull;
	Datum		d;
	int			rc;

	account_write_lock(account_id);
	values[0] = Int32GetDatum(account_id);
	values[1] = DateADTGetDatum(from);
	rc = SPI_execute_with_args("SELECT resting_hr_state FROM gold.daily "
							   "WHERE account_id = $1 AND day < $2 "
							   "AND resting_hr_state IS NOT NULL "
							   "ORDER BY day DESC LIMIT 1",
							   2, types, values, NULL, false, 1);
	spi_check(rc, SPI_OK_SELECT, "reading the resting heart rate state");
	if (SPI_processed == 1)
	{
		state = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0],
											 SPI_tuptable->tupdesc, 1, &isnull));
		has_state = true;
	}

	rc = SPI_execute_with_args("SELECT day, resting_hr_raw, resting_hr, resting_hr_state, "
							   " wear_minutes "
							   "FROM gold.daily WHERE account_id = $1 AND day >= $2 "
							   "ORDER BY day",
							   2, types, values, NULL, false, 0);
	spi_check(rc, SPI_OK_SELECT, "reading resting heart rates");
	rows = SPI_tuptable;
	nrows = SPI_processed;

	for (i = 0; i < nrows; i++)
	{
		HeapTuple	tup = rows->vals[i];
		DateADT		day = DatumGetDateADT(SPI_getbinval(tup, rows->tupdesc, 1, &isnull));
		bool		raw_null;
		double		raw;
		bool		old_hr_null;
		int			old_hr;
		bool		old_state_null;
		double		old_state;
		int			wear;
		bool		new_null;
		int			new_hr = 0;
		double		new_state = 0;

		d = SPI_getbinval(tup, rows->tupdesc, 2, &raw_null);
		raw = raw_null ? 0 : DatumGetFloat8(d);
		d = SPI_getbinval(tup, rows->tupdesc, 3, &old_hr_null);
		old_hr = old_hr_null ? 0 : DatumGetInt16(d);
		d = SPI_getbinval(tup, rows->tupdesc, 4, &old_state_null);
		old_state = old_state_null ? 0 : DatumGetFloat8(d);
		wear = DatumGetInt32(SPI_getbinval(tup, rows->tupdesc, 5, &isnull));

		/* a day with too little wear keeps its own estimate out of it */
		new_null = raw_null || !resting_day_counts(wear);
		if (!new_null)
		{
			state = resting_smooth(state, has_state, raw);
			has_state = true;
			new_state = state;
			new_hr = resting_report(state);
		}

		if (new_null == old_hr_null && new_null == old_state_null &&
			(new_null || (new_hr == old_hr && new_state == old_state)))
			continue;

		uvalues[0] = Int32GetDatum(account_id);
		uvalues[1] = DateADTGetDatum(day);
		uvalues[2] = Int16GetDatum((int16) new_hr);
		uvalues[3] = Float8GetDatum(new_state);
		memset(unulls, new_null ? 'n' : ' ', sizeof(unulls));
		unulls[0] = ' ';
		unulls[1] = ' ';
		rc = SPI_execute_with_args("UPDATE gold.daily SET resting_hr = $3, "
								   "resting_hr_state = $4 "
								   "WHERE account_id = $1 AND day = $2",
								   4, utypes, uvalues, unulls, false, 0);
		spi_check(rc, SPI_OK_UPDATE, "storing a resting heart rate");
	}
	SPI_freetuptable(rows);
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
