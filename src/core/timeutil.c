/*-------------------------------------------------------------------------
 *
 * timeutil.c
 *	  Local days of an account's time zone, and Unix epoch seconds.
 *
 * Samples are kept as Unix epoch seconds (the codec's unit) and grouped by
 * the local day of the account's IANA time zone.  A local day is not always
 * 86,400 seconds: on DST changes it is 23 or 25 hours, so day bounds always
 * come from the time zone database rather than from arithmetic.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/datetime.h"
#include "utils/rangetypes.h"

#include "core/core.h"

/*
 * tracker_time_zone
 *		Look up a time zone by name, with a clear error for unknown names.
 */
pg_tz *
tracker_time_zone(const char *name)
{
	pg_tz	   *tz = pg_tzset(name);

	if (tz == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" is not recognized", name),
				 errhint("Use an IANA time zone name such as \"Europe/Berlin\".")));
	return tz;
}

/*
 * tracker_local_to_epoch
 *		The instant at which the local clock of tz shows secs seconds after
 *		midnight on day.  Nonexistent and repeated local times (DST) resolve
 *		the way PostgreSQL resolves them for timestamptz input.
 */
int64
tracker_local_to_epoch(pg_tz *tz, DateADT day, int secs)
{
	struct pg_tm tm;
	int			offset;

	j2date(day + POSTGRES_EPOCH_JDATE, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
	tm.tm_hour = secs / 3600;
	tm.tm_min = (secs / 60) % 60;
	tm.tm_sec = secs % 60;
	tm.tm_isdst = -1;
	offset = DetermineTimeZoneOffset(&tm, tz);

	return (int64) day * SECS_PER_DAY + secs + offset + TRACKER_EPOCH_SHIFT;
}

/*
 * tracker_day_bounds
 *		[start, end) of a local day in epoch seconds.
 */
void
tracker_day_bounds(pg_tz *tz, DateADT day, int64 *start, int64 *end)
{
	*start = tracker_local_to_epoch(tz, day, 0);
	*end = tracker_local_to_epoch(tz, day + 1, 0);
}

/*
 * tracker_local_date
 *		The local date of tz at an instant.
 */
DateADT
tracker_local_date(pg_tz *tz, int64 epoch)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;
	TimestampTz ts = tracker_epoch_to_timestamptz(epoch);

	if (timestamp2tm(ts, &tzoff, &tm, &fsec, NULL, tz) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
}

/*
 * tracker_epoch_is_valid
 *		Whether epoch seconds name an instant timestamptz can hold.  A decoded
 *		series can carry any 64-bit time, and converting one outside this
 *		range would overflow.
 */
bool
tracker_epoch_is_valid(int64 epoch)
{
	return epoch >= MIN_TIMESTAMP / USECS_PER_SEC + TRACKER_EPOCH_SHIFT &&
		epoch < END_TIMESTAMP / USECS_PER_SEC + TRACKER_EPOCH_SHIFT;
}

/* Epoch seconds as a timestamptz; the caller checks tracker_epoch_is_valid. */
TimestampTz
tracker_epoch_to_timestamptz(int64 epoch)
{
	return (epoch - TRACKER_EPOCH_SHIFT) * USECS_PER_SEC;
}

/*
 * tracker_timestamptz_to_epoch
 *		Whole epoch seconds, rounding down (fractions of a second are dropped
 *		the same way for instants before and after the epoch).
 */
int64
tracker_timestamptz_to_epoch(TimestampTz ts)
{
	int64		secs = ts / USECS_PER_SEC;

	if (ts % USECS_PER_SEC < 0)
		secs--;
	return secs + TRACKER_EPOCH_SHIFT;
}

DateADT
tracker_make_date(int year, int month, int day)
{
	return date2j(year, month, day) - POSTGRES_EPOCH_JDATE;
}

/*
 * tracker_iso_date
 *		YYYY-MM-DD of a date, whatever DateStyle says: the form APIs,
 *		object keys and manifests use.
 */
char *
tracker_iso_date(DateADT day)
{
	int			y,
				m,
				d;

	j2date(day + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	return psprintf("%04d-%02d-%02d", y, m, d);
}

/*
 * tracker_day_range_arg
 *		The days of the daterange argument argno (not null): false when the
 *		range is empty, else its bounds, an unbounded side marked absent.
 *		A daterange is always canonical, [lower, upper).
 */
bool
tracker_day_range_arg(FunctionCallInfo fcinfo, int argno, DayRange *days)
{
	RangeType  *r = PG_GETARG_RANGE_P(argno);
	TypeCacheEntry *typcache = range_get_typcache(fcinfo, RangeTypeGetOid(r));
	RangeBound	lower;
	RangeBound	upper;
	bool		empty;

	memset(days, 0, sizeof(*days));
	range_deserialize(typcache, r, &lower, &upper, &empty);
	if (empty)
		return false;
	days->has_lower = !lower.infinite;
	if (days->has_lower)
		days->lower = DatumGetDateADT(lower.val);
	days->has_upper = !upper.infinite;
	if (days->has_upper)
		days->upper = DatumGetDateADT(upper.val);
	return true;
}
