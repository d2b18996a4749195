/*-------------------------------------------------------------------------
 *
 * gold.c
 *	  Gold: the daily figures, recomputed from silver.
 *
 * Every write of silver recomputes the figures of the days it touched in
 * the same transaction, so gold never disagrees with silver.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"

#include "common/common.h"
#include "core/core.h"
#include "store/store.h"

/* The longest local day the figures accept (a 25-hour DST day, plus slack). */
#define MAX_DAY_SECONDS (26 * 3600)

/*
 * zone_bounds_for_day
 *		The provider's zone bounds for the day when it reported them, else
 *		the default zones for the account's age on that day (from its birth
 *		date, else from the age the provider reported).  *scheme says whose
 *		names the zones have: the Google Health API's for bounds it
 *		reported, Fitbit's for bounds from Fitbit files and for the
 *		defaults, which are Fitbit's zones.
 */
static bool
zone_bounds_for_day(const TrackerAccount *acc, DateADT day, ZoneBounds *zb,
					const char **source, const char **scheme)
{
	Oid			types[2] = {INT4OID, DATEOID};
	Datum		values[2];

	values[0] = Int32GetDatum(acc->account_id);
	values[1] = DateADTGetDatum(day);
	spi_exec_limit("SELECT zone1_min, zone2_min, zone3_min, "
				   "zone4_min, zone4_max, source = 'google_health' "
				   "FROM silver.daily_reported "
				   "WHERE account_id = $1 AND day = $2 "
				   "AND zone4_max IS NOT NULL",
				   2, types, values, NULL, 1,
				   SPI_OK_SELECT, "read zone bounds");
	if (SPI_processed == 1)
	{
		int			v[5];
		int			i;
		bool		isnull;

		for (i = 0; i < 5; i++)
			v[i] = DatumGetInt16(spi_datum(0, i + 1, &isnull));
		for (i = 0; i < HR_ZONE_COUNT; i++)
		{
			zb->min[i] = v[i];
			zb->max[i] = v[i + 1];
		}
		*source = "provider";
		/* the zones are named as their source names them */
		*scheme = DatumGetBool(spi_datum(0, 6, &isnull)) ? "google_health" : "fitbit";
		return true;
	}

	/* The defaults below are Fitbit's zones, and have its names. */
	*scheme = "fitbit";

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
	spi_exec_limit("SELECT age FROM tracker.account_profile "
				   "WHERE account_id = $1 AND age IS NOT NULL",
				   1, types, values, NULL, 1,
				   SPI_OK_SELECT, "read the account's age");
	if (SPI_processed == 1)
	{
		bool		isnull;
		int			age = DatumGetInt32(spi_datum(0, 1, &isnull));

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
	Oid			types[14] = {INT4OID, DATEOID, INT4OID, INT4OID, INT4OID,
		INT4OID, INT4OID, INT4OID, TEXTOID, INT2ARRAYOID, FLOAT8OID,
	INT4OID, TEXTOID, INT4OID};
	Datum		values[14];
	char		nulls[14];
	HrSample   *s;
	size_t		n;
	int64		start;
	int64		end;
	ZoneBounds	zb;
	const char *zone_source = NULL;
	const char *zone_scheme = NULL;
	bool		has_zones;
	DayFigures	f;
	int			i;

	account_write_lock(acc->account_id);
	s = series_load(acc->account_id, day, false, &n);
	values[0] = Int32GetDatum(acc->account_id);
	values[1] = DateADTGetDatum(day);
	if (n == 0)
	{
		spi_exec("DELETE FROM gold.daily "
				 "WHERE account_id = $1 AND day = $2",
				 2, types, values, NULL,
				 SPI_OK_DELETE, "delete daily figures");
		return;
	}

	tracker_day_bounds(acc->tz, day, &start, &end);
	if (end - start <= 0 || end - start > MAX_DAY_SECONDS)
		elog(ERROR, "local day of %lld seconds", (long long) (end - start));
	has_zones = zone_bounds_for_day(acc, day, &zb, &zone_source, &zone_scheme);
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
		b[4] = Int16GetDatum((int16) zb.max[HR_ZONE_TOP]);
		arr = construct_array(b, 5, INT2OID, sizeof(int16), true, TYPALIGN_SHORT);
		values[8] = CStringGetTextDatum(zone_source);
		values[9] = PointerGetDatum(arr);
		values[12] = CStringGetTextDatum(zone_scheme);
		values[13] = Int32GetDatum(f.below_zone_minutes);
	}
	else
	{
		nulls[8] = 'n';
		nulls[9] = 'n';
		nulls[12] = 'n';
		nulls[13] = 'n';
	}
	if (f.has_resting)
		values[10] = Float8GetDatum(f.resting_raw);
	else
		nulls[10] = 'n';
	values[11] = Int32GetDatum(FIGURES_ALGORITHM_VERSION);

	spi_exec("INSERT INTO gold.daily AS g "
			 "(account_id, day, samples, wear_minutes, zone1_minutes, "
			 " zone2_minutes, zone3_minutes, zone4_minutes, zone_source, "
			 " zone_bounds, resting_hr_raw, algorithm_version, zone_scheme, "
			 " below_zone_minutes) "
			 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
			 "ON CONFLICT (account_id, day) DO UPDATE SET "
			 " samples = excluded.samples, wear_minutes = excluded.wear_minutes, "
			 " zone1_minutes = excluded.zone1_minutes, "
			 " zone2_minutes = excluded.zone2_minutes, "
			 " zone3_minutes = excluded.zone3_minutes, "
			 " zone4_minutes = excluded.zone4_minutes, "
			 " zone_source = excluded.zone_source, "
			 " zone_bounds = excluded.zone_bounds, "
			 " zone_scheme = excluded.zone_scheme, "
			 " below_zone_minutes = excluded.below_zone_minutes, "
			 " resting_hr_raw = excluded.resting_hr_raw, "
			 " algorithm_version = excluded.algorithm_version, "
			 " computed_at = excluded.computed_at",
			 14, types, values, nulls, SPI_OK_INSERT, "store daily figures");
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

	account_write_lock(account_id);
	values[0] = Int32GetDatum(account_id);
	values[1] = DateADTGetDatum(from);
	spi_exec_limit("SELECT resting_hr_state FROM gold.daily "
				   "WHERE account_id = $1 AND day < $2 "
				   "AND resting_hr_state IS NOT NULL "
				   "ORDER BY day DESC LIMIT 1",
				   2, types, values, NULL, 1,
				   SPI_OK_SELECT, "read the resting heart rate state");
	if (SPI_processed == 1)
	{
		state = DatumGetFloat8(spi_datum(0, 1, &isnull));
		has_state = true;
	}

	spi_exec("SELECT day, resting_hr_raw, resting_hr, resting_hr_state, "
			 " wear_minutes "
			 "FROM gold.daily WHERE account_id = $1 AND day >= $2 "
			 "ORDER BY day",
			 2, types, values, NULL,
			 SPI_OK_SELECT, "read resting heart rates");
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
		spi_exec("UPDATE gold.daily SET resting_hr = $3, "
				 "resting_hr_state = $4 "
				 "WHERE account_id = $1 AND day = $2",
				 4, utypes, uvalues, unulls,
				 SPI_OK_UPDATE, "store a resting heart rate");
	}
	SPI_freetuptable(rows);
}
