/*-------------------------------------------------------------------------
 *
 * gh_vitals_store.c
 *	  Hand the vitals and body points of a Google Health page (read by
 *	  gh_vitals.c) to silver (src/store/vitals.c).
 *
 * src/providers/gh_vitals_store.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/common.h"
#include "core/core.h"
#include "providers/gh_parse.h"
#include "providers/provider.h"

/* Where each type goes: a sample kind, or a daily kind (-1 for neither). */
typedef struct GhVitalTarget
{
	GhDataType	type;
	int			sample_kind;
	int			daily_kind;
	double		scale;			/* of the first value: grams to kg */
} GhVitalTarget;

static const GhVitalTarget targets[] = {
	{GH_HEART_RATE_VARIABILITY, VITAL_HRV, -1, 1},
	{GH_DAILY_HEART_RATE_VARIABILITY, -1, VITAL_DAILY_HRV, 1},
	{GH_OXYGEN_SATURATION, VITAL_SPO2, -1, 1},
	{GH_DAILY_OXYGEN_SATURATION, -1, VITAL_DAILY_SPO2, 1},
	{GH_DAILY_RESPIRATORY_RATE, -1, VITAL_DAILY_RESPIRATORY, 1},
	{GH_RESPIRATORY_RATE_SLEEP_SUMMARY, VITAL_RESPIRATORY, -1, 1},
	{GH_DAILY_SLEEP_TEMPERATURE, -1, VITAL_DAILY_TEMPERATURE, 1},
	{GH_WEIGHT, VITAL_WEIGHT, -1, 0.001},
	{GH_BODY_FAT, VITAL_BODY_FAT, -1, 1},
	{GH_DAILY_VO2_MAX, -1, VITAL_DAILY_VO2_MAX, 1},
	{GH_VO2_MAX, VITAL_VO2_MAX, -1, 1},
};

/*
 * gh_vitals_write
 *		Merge the points of one page of a vitals or body type into silver,
 *		adding the days they fall on to days.  Returns the rows given.
 */
int
gh_vitals_write(const TrackerAccount *acc, const GhPage *gp, int64 payload_id,
				DaySet *days)
{
	const GhVitalTarget *tg = NULL;
	int			n = (int) gp->nvitals;
	int			i;
	int			k;

	for (i = 0; i < (int) lengthof(targets); i++)
		if (targets[i].type == gp->type)
			tg = &targets[i];
	if (tg == NULL || n == 0)
		return 0;

	if (tg->sample_kind >= 0)
	{
		VitalSample *s = palloc0(sizeof(VitalSample) * n);

		for (i = 0; i < n; i++)
		{
			const GhVital *g = &gp->vitals[i];

			s[i].t = g->t;
			for (k = 0; k < VITAL_VALUES; k++)
				s[i].v[k] = g->v[k];
			s[i].v[0] *= tg->scale;
			s[i].manual = g->manual;
			s[i].text = (tg->sample_kind == VITAL_VO2_MAX) ? g->text : g->id;
		}
		return vitals_store_samples(acc, (VitalSampleKind) tg->sample_kind, s, n, days);
	}
	else
	{
		VitalDay   *d = palloc0(sizeof(VitalDay) * n);

		for (i = 0; i < n; i++)
		{
			const GhVital *g = &gp->vitals[i];

			d[i].day = tracker_make_date(g->date.year, g->date.month, g->date.day);
			for (k = 0; k < VITAL_VALUES; k++)
				d[i].v[k] = g->v[k];
			d[i].text = g->text;
			d[i].flag = g->flag;
		}
		return vitals_store_daily(acc, (VitalDailyKind) tg->daily_kind, d, n,
								  "google_health", payload_id, days);
	}
}
