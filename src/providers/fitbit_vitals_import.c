/*-------------------------------------------------------------------------
 *
 * fitbit_vitals_import.c
 *	  The vitals and body measurements of Fitbit files into silver: what
 *	  fitbit_vitals_parse.c read from a saved Web API response or an export
 *	  file, handed to src/store/vitals.c, and the figures of the days it
 *	  touched recomputed.  fitbit_import.c finds the files, keeps them in
 *	  bronze and calls this in its transaction.
 *
 * src/providers/fitbit_vitals_import.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/common.h"
#include "core/core.h"
#include "providers/provider.h"

/* The parser's tables are the store's kinds, samples then daily figures. */
StaticAssertDecl((int) FV_VO2_MAX == (int) VITAL_VO2_MAX &&
				 (int) FV_DAILY_HRV == (int) VITAL_SAMPLE_KINDS &&
				 (int) FV_DAILY_VO2_MAX - FV_DAILY_FIRST == (int) VITAL_DAILY_VO2_MAX &&
				 FITBIT_VITAL_VALUES == VITAL_VALUES,
				 "FitbitVitalTable must follow VitalSampleKind and VitalDailyKind");

/*
 * fitbit_vitals_store
 *		Merge a parsed document into silver, table by table, and recompute
 *		the figures of the days it touched.  Returns the rows given; *ndays
 *		is the number of days.
 */
int
fitbit_vitals_store(const TrackerAccount *acc, const FitbitVitalsDoc *doc,
					int64 payload_id, const char *source, int *ndays)
{
	DaySet		days = {NULL, 0, 0};
	int			rows = 0;
	int			table;

	for (table = 0; table <= (int) FV_DAILY_VO2_MAX; table++)
	{
		bool		daily = table >= (int) FV_DAILY_FIRST;
		VitalSample *s = NULL;
		VitalDay   *d = NULL;
		int			n = 0;
		size_t		i;
		int			k;

		for (i = 0; i < doc->nrows; i++)
			if ((int) doc->rows[i].table == table)
				n++;
		if (n == 0)
			continue;
		if (daily)
			d = palloc0(sizeof(VitalDay) * n);
		else
			s = palloc0(sizeof(VitalSample) * n);
		n = 0;
		for (i = 0; i < doc->nrows; i++)
		{
			const FitbitVitalRow *r = &doc->rows[i];
			DateADT		local = 0;

			if ((int) r->table != table)
				continue;
			if (!r->utc)
				local = tracker_make_date(r->date.year, r->date.month, r->date.day);
			if (daily)
			{
				d[n].day = r->utc ? tracker_local_date(acc->tz, r->t) : local;
				for (k = 0; k < VITAL_VALUES; k++)
					d[n].v[k] = r->v[k];
				d[n].flag = r->flag;
			}
			else
			{
				s[n].t = r->utc ? r->t : tracker_local_to_epoch(acc->tz, local, (int) r->t);
				for (k = 0; k < VITAL_VALUES; k++)
					s[n].v[k] = r->v[k];
				s[n].manual = r->manual;
				s[n].text = r->id[0] ? r->id : NULL;
			}
			n++;
		}
		if (daily)
			rows += vitals_store_daily(acc, (VitalDailyKind) (table - FV_DAILY_FIRST),
									   d, n, source, payload_id, &days);
		else
			rows += vitals_store_samples(acc, (VitalSampleKind) table, s, n, &days);
	}
	vitals_recompute_days(acc, &days);
	*ndays = days.n;
	return rows;
}
