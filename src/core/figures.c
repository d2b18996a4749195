/*-------------------------------------------------------------------------
 *
 * figures.c
 *	  Daily heart-rate figures computed from one local day of samples:
 *	  minutes in each zone, wear minutes, and resting heart rate.
 *
 * The rules follow what reproduces Fitbit's own daily figures from its
 * 1-second data (see the legacy Fitbit notes, sections A6 and A8):
 *
 * - a day is cut into clock minutes counted from the local midnight, and
 *	 each minute that holds at least one sample gets the arithmetic mean of
 *	 its samples;
 * - zone minutes bin each minute mean, rounded half up to an integer, into
 *	 the highest zone whose lower bound it reaches; a zone ends where the
 *	 next one starts and the top zone has no upper end, so the zones and
 *	 the minutes below the lowest zone split the worn minutes exactly;
 * - wear minutes are the minutes holding at least one sample;
 * - the day's raw resting estimate is the 25th percentile, linearly
 *	 interpolated, of the unrounded minute means, and it is smoothed across
 *	 days by an exponential moving average;
 * - only a day with at least RESTING_MIN_WEAR_MINUTES worn minutes enters
 *	 the smoothing: the 25th percentile of a few hours is no resting
 *	 figure (a day worn only for a workout would pull the next week up).
 *
 * Nothing here is fitted to one person: the only constants are the zone
 * percentages Fitbit documents, the percentile, the smoothing factor and
 * the minimum of worn minutes (chosen on the reference data: see
 * "Accuracy" in docs/measurements.md).
 *
 * Plain C, no PostgreSQL dependency and no heap allocation: a day has at
 * most 26 hours, so the per-minute work arrays live on the stack.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/figures.h"

/* Longest local day accepted: 25 hours of a DST day plus slack. */
#define MAX_DAY_SECONDS		(26 * 60 * 60)
#define MAX_DAY_MINUTES		(MAX_DAY_SECONDS / 60)

/* Resting estimate: this percentile of the day's minute means ... */
#define RESTING_PERCENTILE_NUM	1
#define RESTING_PERCENTILE_DEN	4

/* ... smoothed across days with this weight for the new day. */
#define RESTING_SMOOTH_WEIGHT	0.3

/* Fixed ends of the default zones (Fitbit's API reports these). */
#define ZONE_FLOOR_BPM		30
#define ZONE_CEILING_BPM	220


/*
 * Floor division for a positive divisor; C's "/" truncates toward zero,
 * which is wrong for the negative values a corrupt or synthetic series can
 * hold.
 */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t		q = a / b;

	if (a % b != 0 && a < 0)
		q--;
	return q;
}

/*
 * qsort comparator for the minute means; the means are finite, so a plain
 * three-way comparison is a total order.
 */
static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * Index of the first sample with t >= day_start.  s is sorted, so a binary
 * search lets a caller pass a longer series (say, a day with its
 * neighbours) without paying for the samples before the day.
 */
static size_t
first_in_day(const HrSample *s, size_t n, int64_t day_start)
{
	size_t		lo = 0,
				hi = n;

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (s[mid].t < day_start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The zone of a rounded minute mean: the highest zone whose lower bound it
 * reaches, or -1 below the lowest.  Searching from the top gives every
 * value exactly one answer whatever the bounds (even ones that do not rise,
 * as an impossible age gives), which is what makes the zone minutes and the
 * minutes below the zones add up to the worn minutes.  A minute above the
 * top zone's upper bound (220 for Fitbit's defaults) is still in the top
 * zone: the source's ceiling is a label, not a place to lose minutes.
 */
static int
zone_of(const ZoneBounds *zb, int64_t v)
{
	int			z;

	for (z = HR_ZONE_TOP; z >= 0; z--)
		if (v >= zb->min[z])
			return z;
	return -1;
}

/*
 * Figures for one local day; see figures.h for the contract and the top of
 * this file for the rules.
 *
 * has_resting is set whenever the day has a minute with samples, so the
 * day's own estimate is always there to see; whether it enters the
 * smoothed figure is resting_day_counts()'s decision, made by the caller
 * that smooths.
 */
int
day_figures(const HrSample *s, size_t n,
			int64_t day_start, int64_t day_end,
			const ZoneBounds *zb, DayFigures *out)
{
	int64_t		sum[MAX_DAY_MINUTES];
	int64_t		cnt[MAX_DAY_MINUTES];
	double		means[MAX_DAY_MINUTES];
	uint64_t	span;
	size_t		nminutes;
	size_t		nworn = 0;
	size_t		i;
	int64_t		samples = 0;

	if (out == NULL || (s == NULL && n > 0))
		return -1;
	if (day_end <= day_start)
		return -1;
	span = (uint64_t) day_end - (uint64_t) day_start;
	if (span > MAX_DAY_SECONDS)
		return -1;

	memset(out, 0, sizeof(*out));
	nminutes = (size_t) ((span + 59) / 60);
	memset(sum, 0, nminutes * sizeof(sum[0]));
	memset(cnt, 0, nminutes * sizeof(cnt[0]));

	for (i = first_in_day(s, n, day_start); i < n; i++)
	{
		size_t		m;

		if (s[i].t >= day_end)
			break;
		if (s[i].t < day_start)
			continue;			/* only if the input is not sorted */
		m = (size_t) ((uint64_t) (s[i].t - day_start) / 60);
		sum[m] += s[i].bpm;
		cnt[m]++;
		samples++;
	}
	out->samples = samples > INT32_MAX ? INT32_MAX : (int) samples;

	out->has_zones = (zb != NULL);
	for (i = 0; i < nminutes; i++)
	{
		if (cnt[i] == 0)
			continue;
		means[nworn++] = (double) sum[i] / (double) cnt[i];
		if (zb != NULL)
		{
			/* mean rounded half up, exactly: floor((2 sum + c) / 2c) */
			int64_t		v = floor_div(2 * sum[i] + cnt[i], 2 * cnt[i]);
			int			z = zone_of(zb, v);

			if (z >= 0)
				out->zone_minutes[z]++;
			else
				out->below_zone_minutes++;
		}
	}
	out->wear_minutes = (int) nworn;

	if (nworn > 0)
	{
		/*
		 * Linear interpolation between order statistics, as numpy's default
		 * and PostgreSQL's percentile_cont: position p (n - 1), computed in
		 * integers so that it is exact.
		 */
		size_t		num = (nworn - 1) * RESTING_PERCENTILE_NUM;
		size_t		lo = num / RESTING_PERCENTILE_DEN;
		double		frac = (double) (num % RESTING_PERCENTILE_DEN) /
			RESTING_PERCENTILE_DEN;

		qsort(means, nworn, sizeof(double), cmp_double);
		out->resting_raw = means[lo];
		if (frac > 0)
			out->resting_raw += frac * (means[lo + 1] - means[lo]);
		out->has_resting = true;
	}
	return 0;
}

/*
 * Exponential smoothing: Fitbit's resting figure moves slowly from day to
 * day, and a day's raw estimate alone is 1.5 to 4 bpm off where the
 * smoothed one is within about 1.
 */
double
resting_smooth(double state, bool has_state, double raw)
{
	if (!has_state)
		return raw;
	return state + RESTING_SMOOTH_WEIGHT * (raw - state);
}

/*
 * A day's raw estimate is the 25th percentile of its minute means; from a
 * short stretch of wear it says more about what the person was doing than
 * about rest.  bench/accuracy measures it on the reference data: with every
 * 7th day cut to its busiest 30 worn minutes, the resting MAE of the other
 * days is 6.54 bpm when every day counts and 0.67 from a minimum of 60
 * minutes on; cut to its busiest 4 hours, 1.59 up to a minimum of 240 and
 * 0.67 from 360 on; the real days (none below 814 worn minutes) keep 0.73
 * up to 720.  Eight hours keep a day worn from the afternoon on, or taken
 * off at night, and leave out workouts and partial mornings.
 */
bool
resting_day_counts(int wear_minutes)
{
	return wear_minutes >= RESTING_MIN_WEAR_MINUTES;
}

/*
 * Round half up to the integer Fitbit reports, without libm so that the
 * unit tests link without -lm.  NaN reports 0; values beyond int are
 * clamped.
 */
int
resting_report(double state)
{
	double		x = state + 0.5;
	int64_t		i;

	if (x != x)
		return 0;
	if (x >= (double) INT32_MAX)
		return INT32_MAX;
	if (x <= (double) INT32_MIN)
		return INT32_MIN;
	i = (int64_t) x;			/* truncates toward zero */
	if ((double) i > x)
		i--;
	return (int) i;
}

/*
 * Fitbit's legacy default zones for an age.  Integer arithmetic gives the
 * floor exactly, where 0.7 * 190 in floating point might not be 133.  An
 * age that leaves no room (220 or more) gives bounds that do not rise
 * rather than an error; day_figures() still counts every minute once.
 */
void
zone_bounds_for_age(int age, ZoneBounds *zb)
{
	int64_t		max;
	int64_t		fat,
				cardio,
				peak;

	if (zb == NULL)
		return;
	max = (int64_t) ZONE_CEILING_BPM - age;
	fat = floor_div(max * 50, 100);
	cardio = floor_div(max * 70, 100);
	peak = floor_div(max * 85, 100);

	/* out of range, fat burn, cardio, peak */
	zb->min[HR_ZONE_1] = ZONE_FLOOR_BPM;
	zb->max[HR_ZONE_1] = (int) fat;
	zb->min[HR_ZONE_2] = (int) fat;
	zb->max[HR_ZONE_2] = (int) cardio;
	zb->min[HR_ZONE_3] = (int) cardio;
	zb->max[HR_ZONE_3] = (int) peak;
	zb->min[HR_ZONE_4] = (int) peak;
	zb->max[HR_ZONE_4] = ZONE_CEILING_BPM;
}
