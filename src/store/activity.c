/*-------------------------------------------------------------------------
 *
 * activity.c
 *	  Silver and gold of the activity types (distance, floors, active
 *	  minutes, active zone minutes, sedentary time, and the provider's own
 *	  daily figures with total calories): the C side of the writers in
 *	  src/schema/activity.sql.
 *
 * Each source hands over plain arrays (no parser types reach the store);
 * the SQL functions place every interval on its minute of its local day,
 * merge with what is stored and recompute gold.daily_activity for the days
 * touched, in the caller's transaction.
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

/* A text[] Datum of n C strings; NULL strings become SQL NULLs. */
static Datum
text_array(const char *const *s, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(n, 1));
	int			dims[1] = {n};
	int			lbs[1] = {1};
	int			i;

	for (i = 0; i < n; i++)
	{
		nulls[i] = s[i] == NULL;
		d[i] = s[i] ? CStringGetTextDatum(s[i]) : (Datum) 0;
	}
	return PointerGetDatum(construct_md_array(d, nulls, 1, dims, lbs, TEXTOID,
											  -1, false, TYPALIGN_INT));
}

/* One day and level of minutes being filled. */
typedef struct MinuteDay
{
	DateADT		day;
	const char *level;
	int64		start;			/* epoch of the local midnight that starts it */
	int			n;				/* its minutes: 1380, 1440 or 1500 */
	int32	   *v;
	bool	   *isnull;
} MinuteDay;

typedef struct MinuteDays
{
	const TrackerAccount *acc;
	MinuteDay  *d;
	int			n;
	int			cap;
	int			last;
} MinuteDays;

/* The day and level of the minute starting at epoch t, made if new. */
static MinuteDay *
minute_day(MinuteDays *md, int64 t, const char *level)
{
	DateADT		day = tracker_local_date(md->acc->tz, t);
	MinuteDay  *m;
	int64		end;
	int			i;

	if (md->last >= 0 && md->d[md->last].day == day &&
		strcmp(md->d[md->last].level, level) == 0)
		return &md->d[md->last];
	for (i = 0; i < md->n; i++)
	{
		if (md->d[i].day == day && strcmp(md->d[i].level, level) == 0)
		{
			md->last = i;
			return &md->d[i];
		}
	}
	if (md->n == md->cap)
	{
		md->cap = Max(16, md->cap * 2);
		md->d = md->d ? repalloc(md->d, sizeof(MinuteDay) * md->cap)
			: palloc(sizeof(MinuteDay) * md->cap);
	}
	m = &md->d[md->n];
	m->day = day;
	m->level = level;
	tracker_day_bounds(md->acc->tz, day, &m->start, &end);
	m->n = (int) Min(Max((end - m->start + 59) / 60, 1), 1500);
	m->v = palloc0(sizeof(int32) * m->n);
	m->isnull = palloc(sizeof(bool) * m->n);
	memset(m->isnull, true, sizeof(bool) * m->n);
	md->last = md->n++;
	return m;
}

/* The index in its day of the minute that holds epoch t, or -1. */
static int
minute_index(const MinuteDay *m, int64 t)
{
	int64		i = (t - m->start) / 60;

	return (t >= m->start && i < m->n) ? (int) i : -1;
}

/*
 * activity_store_minutes
 *		Store n intervals of an activity type.  Each interval's value goes
 *		to the minute it starts in, on the local day of that minute; a
 *		sedentary period is spread over every minute it covers, as the
 *		seconds of each minute inside it.  The first interval of a minute
 *		wins (the API lists the main device first); the days are then
 *		merged with what is stored (tracker.store_activity_days()).
 *		Returns n.
 */
int
activity_store_minutes(const TrackerAccount *acc, const char *data_type,
					   const int64 *starts, const int64 *ends,
					   const char *const *levels, const int32 *values, int n)
{
	Oid			types[6] = {INT4OID, TEXTOID, DATEARRAYOID, TEXTARRAYOID,
	INT4ARRAYOID, INT4ARRAYOID};
	Datum		v[6];
	MinuteDays	md;
	bool		spread = strcmp(data_type, "sedentary-period") == 0;
	int			total = 0;
	int			i;
	int			j;
	Datum	   *days;
	Datum	   *lengths;
	const char **lv;
	Datum	   *vals;
	bool	   *vnulls;
	int			dims[1];
	int			lbs[1] = {1};

	if (n == 0)
		return 0;
	memset(&md, 0, sizeof(md));
	md.acc = acc;
	md.last = -1;
	for (i = 0; i < n; i++)
	{
		const char *level = levels[i] ? levels[i] : "";

		if (spread)
		{
			int64		t;

			for (t = starts[i] - ((starts[i] % 60) + 60) % 60; t < ends[i]; t += 60)
			{
				MinuteDay  *m = minute_day(&md, t, level);
				int			k = minute_index(m, t);
				int64		secs = Min(ends[i], t + 60) - Max(starts[i], t);

				if (k < 0 || secs <= 0)
					continue;
				m->v[k] = (int32) Min(60, (m->isnull[k] ? 0 : m->v[k]) + secs);
				m->isnull[k] = false;
			}
		}
		else
		{
			MinuteDay  *m = minute_day(&md, starts[i], level);
			int			k = minute_index(m, starts[i]);

			if (k >= 0 && m->isnull[k])
			{
				m->v[k] = values[i];
				m->isnull[k] = false;
			}
		}
	}
	if (md.n == 0)
		return n;

	days = palloc(sizeof(Datum) * md.n);
	lengths = palloc(sizeof(Datum) * md.n);
	lv = palloc(sizeof(char *) * md.n);
	for (i = 0; i < md.n; i++)
	{
		days[i] = DateADTGetDatum(md.d[i].day);
		lengths[i] = Int32GetDatum(md.d[i].n);
		lv[i] = md.d[i].level;
		total += md.d[i].n;
	}
	vals = palloc(sizeof(Datum) * total);
	vnulls = palloc(sizeof(bool) * total);
	total = 0;
	for (i = 0; i < md.n; i++)
	{
		for (j = 0; j < md.d[i].n; j++)
		{
			vals[total] = Int32GetDatum(md.d[i].v[j]);
			vnulls[total] = md.d[i].isnull[j];
			total++;
		}
	}
	dims[0] = total;
	v[0] = Int32GetDatum(acc->account_id);
	v[1] = CStringGetTextDatum(data_type);
	v[2] = PointerGetDatum(construct_array(days, md.n, DATEOID, 4, true, TYPALIGN_INT));
	v[3] = text_array(lv, md.n);
	v[4] = PointerGetDatum(construct_array(lengths, md.n, INT4OID, 4, true, TYPALIGN_INT));
	v[5] = PointerGetDatum(construct_md_array(vals, vnulls, 1, dims, lbs, INT4OID,
											  4, true, TYPALIGN_INT));
	spi_exec("SELECT tracker.store_activity_days($1, $2, $3, $4, $5, $6)",
			 6, types, v, NULL, SPI_OK_SELECT, "store activity minutes");
	return n;
}

/*
 * activity_store_reported
 *		Store the provider's daily figures of an activity type: per day up
 *		to three values (the type's levels), as decimal text in the units of
 *		silver.daily_activity_reported (see
 *		tracker.store_activity_reported()); returns n.
 */
int
activity_store_reported(const TrackerAccount *acc, const char *data_type,
						const DateADT *days, const char *const *v1,
						const char *const *v2, const char *const *v3, int n,
						const char *source)
{
	Oid			types[7] = {INT4OID, TEXTOID, DATEARRAYOID, TEXTARRAYOID,
	TEXTARRAYOID, TEXTARRAYOID, TEXTOID};
	Datum		v[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', 'n', 'n', ' '};
	Datum	   *d;
	int			i;

	if (n == 0)
		return 0;
	d = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
		d[i] = DateADTGetDatum(days[i]);
	v[0] = Int32GetDatum(acc->account_id);
	v[1] = CStringGetTextDatum(data_type);
	v[2] = PointerGetDatum(construct_array(d, n, DATEOID, 4, true, TYPALIGN_INT));
	v[3] = text_array(v1, n);
	if (v2)
	{
		v[4] = text_array(v2, n);
		nulls[4] = ' ';
	}
	if (v3)
	{
		v[5] = text_array(v3, n);
		nulls[5] = ' ';
	}
	v[6] = CStringGetTextDatum(source);
	spi_exec("SELECT tracker.store_activity_reported($1, $2, $3, $4::numeric[], "
			 "$5::numeric[], $6::numeric[], $7)",
			 7, types, v, nulls, SPI_OK_SELECT, "store reported activity");
	return n;
}

/*
 * activity_refresh_days
 *		Recompute the activity figures of days whose steps changed.
 */
void
activity_refresh_days(const TrackerAccount *acc, const DateADT *days, int n)
{
	Oid			types[2] = {INT4OID, DATEARRAYOID};
	Datum		v[2];
	Datum	   *d;
	int			i;

	if (n == 0)
		return;
	d = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
		d[i] = DateADTGetDatum(days[i]);
	v[0] = Int32GetDatum(acc->account_id);
	v[1] = PointerGetDatum(construct_array(d, n, DATEOID, 4, true, TYPALIGN_INT));
	spi_exec("SELECT tracker.refresh_activity($1, ARRAY(SELECT DISTINCT unnest($2)))",
			 2, types, v, NULL, SPI_OK_SELECT, "refresh activity figures");
}
