/*-------------------------------------------------------------------------
 *
 * import_activity.c
 *	  Write parsed Fitbit activity files (fitbit_activity.c) to silver and
 *	  gold: the export's per-minute distance as Tracker's own minutes, its
 *	  per-minute calories, its daily active and sedentary minutes and the
 *	  Web API's daily active zone minutes as the provider's daily figures,
 *	  and its Active Zone Minutes CSV as minutes.
 *
 * Called by the importer (fitbit_import.c) inside the subtransaction that
 * also keeps the file in bronze, so a file is written whole or not at all.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "common/common.h"
#include "core/core.h"
#include "providers/fitbit_parse.h"
#include "providers/provider.h"
#include "store/store.h"

/* Epoch seconds of secs after midnight UTC of date. */
static int64
utc_epoch(const FitbitDate *d, int secs)
{
	return (int64) (date2j(d->year, d->month, d->day) - UNIX_EPOCH_JDATE) * SECS_PER_DAY + secs;
}

/* Epoch seconds of a local time of the account's zone. */
static int64
local_epoch(const TrackerAccount *acc, const FitbitDate *d, int secs)
{
	struct pg_tm tm;
	Timestamp	ts;
	TimestampTz t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = d->year;
	tm.tm_mon = d->month;
	tm.tm_mday = d->day;
	tm.tm_hour = secs / 3600;
	tm.tm_min = secs / 60 % 60;
	tm.tm_sec = secs % 60;
	if (tm2timestamp(&tm, 0, NULL, &ts) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("time %04d-%02d-%02d is out of range", d->year, d->month, d->day)));
	t = DatumGetTimestampTz(DirectFunctionCall2(timestamp_zone,
												CStringGetTextDatum(acc->time_zone),
												TimestampGetDatum(ts)));
	return (int64) (t / USECS_PER_SEC) +
		(int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
}

/* The index of day in days[0..*n), added if new. */
static int
day_slot(DateADT *days, int *n, DateADT day)
{
	int			i;

	for (i = *n - 1; i >= 0; i--)
		if (days[i] == day)
			return i;
	days[*n] = day;
	return (*n)++;
}

/*
 * activity_import_apply
 *		Write one parsed activity file for acc; *days and *samples say how
 *		many days and entries it held.
 */
void
activity_import_apply(const TrackerAccount *acc, const FitbitActivity *act,
					  const char *source, int *ndays, int *nsamples)
{
	int			n = (int) act->nentries;
	DateADT    *days = palloc(sizeof(DateADT) * (n + 1));
	int			nd = 0;
	int			i;
	int			k;

	*ndays = 0;
	*nsamples = n;
	if (n == 0)
		return;

	switch (act->kind)
	{
		case FA_EXPORT_DISTANCE:
		case FA_EXPORT_AZM_CSV:
			{
				int64	   *starts = palloc(sizeof(int64) * n * 3);
				int64	   *ends = palloc(sizeof(int64) * n * 3);
				const char **levels = palloc(sizeof(char *) * n * 3);
				int32	   *values = palloc(sizeof(int32) * n * 3);
				static const char *const zones[3] = {"FAT_BURN", "CARDIO", "PEAK"};
				int			m = 0;

				for (i = 0; i < n; i++)
				{
					const FitbitActivityEntry *e = &act->entries[i];
					int64		t = act->kind == FA_EXPORT_DISTANCE ?
						utc_epoch(&e->date, e->secs) : local_epoch(acc, &e->date, e->secs);

					(void) day_slot(days, &nd, tracker_local_date(acc->tz, t));
					for (k = 0; k < (act->kind == FA_EXPORT_DISTANCE ? 1 : 3); k++)
					{
						if (e->value[k] < 0)
							continue;
						starts[m] = t;
						ends[m] = t + 60;
						levels[m] = act->kind == FA_EXPORT_DISTANCE ? "" : zones[k];
						values[m] = (int32) e->value[k];
						m++;
					}
				}
				activity_store_minutes(acc, act->kind == FA_EXPORT_DISTANCE ?
									   "distance" : "active-zone-minutes",
									   starts, ends, levels, values, m);
				break;
			}
		case FA_EXPORT_CALORIES:
			{
				/* millikilocalories summed per local day */
				int64	   *sum = palloc0(sizeof(int64) * (n + 1));
				const char **v = palloc(sizeof(char *) * (n + 1));

				for (i = 0; i < n; i++)
				{
					const FitbitActivityEntry *e = &act->entries[i];
					int			s = day_slot(days, &nd,
											 tracker_local_date(acc->tz, utc_epoch(&e->date, e->secs)));

					sum[s] += e->value[0];
				}
				for (i = 0; i < nd; i++)
					v[i] = psprintf("%lld.%03lld", (long long) (sum[i] / 1000),
									(long long) (sum[i] % 1000));
				activity_store_reported(acc, "total-calories", days, v, NULL, NULL, nd, source);
				break;
			}
		case FA_EXPORT_SEDENTARY:
		case FA_EXPORT_LIGHTLY:
		case FA_EXPORT_MODERATELY:
		case FA_EXPORT_VERY:
		case FA_API_AZM:
			{
				/* a figure (or three) per day; the other levels stay as they are */
				const char **v[3];
				int			col = act->kind == FA_EXPORT_MODERATELY ? 1 :
					act->kind == FA_EXPORT_VERY ? 2 : 0;

				for (k = 0; k < 3; k++)
					v[k] = palloc0(sizeof(char *) * (n + 1));
				for (i = 0; i < n; i++)
				{
					const FitbitActivityEntry *e = &act->entries[i];
					int			s = day_slot(days, &nd,
											 tracker_make_date(e->date.year, e->date.month,
															   e->date.day));

					if (act->kind == FA_API_AZM)
					{
						for (k = 0; k < 3; k++)
							v[k][s] = psprintf("%lld", (long long) e->value[k]);
					}
					else
						v[col][s] = psprintf("%lld", (long long) e->value[0]);
				}
				activity_store_reported(acc, act->kind == FA_EXPORT_SEDENTARY ?
										"sedentary-period" :
										act->kind == FA_API_AZM ?
										"active-zone-minutes" : "active-minutes",
										days, v[0], v[1], v[2], nd, source);
				break;
			}
		case FA_NONE:
			break;
	}
	*ndays = nd;
}
