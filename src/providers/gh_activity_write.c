/*-------------------------------------------------------------------------
 *
 * gh_activity_write.c
 *	  Hand the Google Health activity pages (gh_activity.c) to the store
 *	  (src/store/activity.c): intervals as minutes, dailyRollUp windows as
 *	  the provider's daily figures, and the days of steps pages for their
 *	  daily activity figures.
 *
 * Called by google_health.c's write_window, in the window's transaction.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/common.h"
#include "core/core.h"
#include "providers/gh_parse.h"
#include "providers/provider.h"
#include "store/store.h"

/*
 * write_rollup
 *		The provider's daily figures of a dailyRollUp page.
 */
static int
write_rollup(const TrackerAccount *acc, const GhPage *gp)
{
	int			nlevels = gh_activity_levels(gp->type);
	DateADT    *days = palloc(sizeof(DateADT) * (gp->nactivity + 1));
	const char **v[GH_LEVELS];
	size_t		i;
	int			k;
	int			n = 0;

	for (k = 0; k < GH_LEVELS; k++)
		v[k] = palloc0(sizeof(char *) * (gp->nactivity + 1));
	for (i = 0; i < gp->nactivity; i++)
	{
		const GhActivityDay *d = &gp->activity[i];

		if (!d->has_value)
			continue;
		days[n] = tracker_make_date(d->date.year, d->date.month, d->date.day);
		for (k = 0; k < nlevels; k++)
		{
			int64		x = Max(d->value[k], 0);

			if (gp->type == GH_TOTAL_CALORIES)	/* millikilocalories */
				v[k][n] = psprintf("%lld.%03lld", (long long) (x / 1000),
								   (long long) (x % 1000));
			else if (gp->type == GH_SEDENTARY_PERIOD)	/* seconds */
				v[k][n] = psprintf("%lld", (long long) ((x + 30) / 60));
			else
				v[k][n] = psprintf("%lld", (long long) x);
		}
		n++;
	}
	return activity_store_reported(acc, gh_data_type_name(gp->type), days, v[0],
								   nlevels > 1 ? v[1] : NULL,
								   nlevels > 2 ? v[2] : NULL, n, "google_health");
}

/*
 * gh_activity_write_pages
 *		Hand the pages of a window of an activity type to the store: the
 *		intervals of every list or reconcile page at once, one per level
 *		with a value (so that the first point of a minute wins over the
 *		whole window, whichever page the next one is on), then the
 *		provider's daily figures of its dailyRollUp pages.  Returns the rows
 *		handed over.
 */
int
gh_activity_write_pages(const TrackerAccount *acc, int type, List *pages)
{
	int			nlevels = gh_activity_levels(type);
	size_t		total = 0;
	int64	   *starts;
	int64	   *ends;
	const char **levels;
	int32	   *values;
	ListCell   *lc;
	int			rows = 0;
	int			n = 0;

	foreach(lc, pages)
	{
		GhPage	   *gp = (GhPage *) ((ProviderPage *) lfirst(lc))->parsed;

		if (!gp->rollup)
			total += gp->nintervals * nlevels;
	}
	starts = palloc(sizeof(int64) * (total + 1));
	ends = palloc(sizeof(int64) * (total + 1));
	levels = palloc(sizeof(char *) * (total + 1));
	values = palloc(sizeof(int32) * (total + 1));
	foreach(lc, pages)
	{
		GhPage	   *gp = (GhPage *) ((ProviderPage *) lfirst(lc))->parsed;
		size_t		i;
		int			k;

		if (gp->rollup)
			continue;
		for (i = 0; i < gp->nintervals; i++)
		{
			const GhInterval *iv = &gp->intervals[i];

			for (k = 0; k < nlevels; k++)
			{
				if (iv->value[k] < 0)
					continue;
				starts[n] = iv->start;
				ends[n] = iv->end;
				levels[n] = gh_activity_level_name(type, k);
				values[n] = (int32) Min(iv->value[k], PG_INT32_MAX);
				n++;
			}
		}
	}
	rows += activity_store_minutes(acc, gh_data_type_name(type), starts, ends,
								   levels, values, n);
	foreach(lc, pages)
	{
		GhPage	   *gp = (GhPage *) ((ProviderPage *) lfirst(lc))->parsed;

		if (gp->rollup)
			rows += write_rollup(acc, gp);
	}
	return rows;
}

/*
 * Recompute the activity figures of the days of a page of steps.  A schema
 * older than the library (before ALTER EXTENSION UPDATE, whose upgrade
 * computes them for every day of steps) has no such figures.
 */
void
gh_activity_steps_written(const TrackerAccount *acc, const GhPage *gp)
{
	DateADT    *days;
	size_t		i;
	int			n = 0;

	if (spi_exec("SELECT 1 WHERE to_regprocedure('tracker.refresh_activity(integer, date[])') IS NOT NULL",
				 0, NULL, NULL, NULL, SPI_OK_SELECT, "look for the activity figures") == 0)
		return;
	days = palloc(sizeof(DateADT) * (gp->nsteps + 1));

	for (i = 0; i < gp->nsteps; i++)
	{
		DateADT		d = tracker_local_date(acc->tz, gp->steps[i].start);

		if (n == 0 || days[n - 1] != d)
			days[n++] = d;
	}
	activity_refresh_days(acc, days, n);
}
