/*-------------------------------------------------------------------------
 *
 * figures.h
 *	  Daily heart-rate figures computed from one local day of samples:
 *	  minutes in each zone, wear minutes, and resting heart rate.
 *
 * Plain C, no PostgreSQL dependency (see series.h for why).
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_FIGURES_H
#define TRACKER_FIGURES_H

#include <stdbool.h>
#include "core/series.h"

/*
 * Bumped whenever a change to the algorithms can change a stored figure.
 * 2: a day's resting estimate enters the smoothing only with at least
 * RESTING_MIN_WEAR_MINUTES worn minutes.
 */
#define FIGURES_ALGORITHM_VERSION 2

/*
 * Worn minutes a day needs before its resting estimate enters the smoothed
 * resting heart rate (see resting_day_counts()).
 */
#define RESTING_MIN_WEAR_MINUTES 480

/* Zones in the order Tracker reports them. */
typedef enum HrZone
{
	HR_ZONE_OUT_OF_RANGE = 0,
	HR_ZONE_FAT_BURN,
	HR_ZONE_CARDIO,
	HR_ZONE_PEAK,
	HR_ZONE_COUNT
} HrZone;

/* Zone bounds; a minute's value v falls in zone z when min[z] <= v < max[z]. */
typedef struct ZoneBounds
{
	int			min[HR_ZONE_COUNT];
	int			max[HR_ZONE_COUNT];
} ZoneBounds;

typedef struct DayFigures
{
	int			samples;		/* samples inside [day_start, day_end) */
	int			wear_minutes;	/* clock minutes holding at least one sample */
	bool		has_zones;		/* false when no bounds were given */
	int			zone_minutes[HR_ZONE_COUNT];
	bool		has_resting;	/* false when too little data */
	double		resting_raw;	/* the day's unsmoothed resting estimate */
} DayFigures;

/*
 * Compute the figures for the local day [day_start, day_end) (epoch seconds;
 * a DST day is 23 or 25 hours long).  s must be sorted by t; samples outside
 * the day are ignored.  zb may be NULL.  Returns 0, or -1 if the day is
 * longer than 26 hours or not positive.
 */
extern int	day_figures(const HrSample *s, size_t n,
						int64_t day_start, int64_t day_end,
						const ZoneBounds *zb, DayFigures *out);

/*
 * One step of the resting-heart-rate smoothing across days.  state is the
 * smoothed value after the previous day with data (has_state false on the
 * first such day).  Returns the new state; the reported figure is
 * resting_report(new state).
 */
extern double resting_smooth(double state, bool has_state, double raw);
extern int	resting_report(double state);

/*
 * Whether a day with this many worn minutes has enough data for its resting
 * estimate to enter the smoothing.  A day that does not gets no resting
 * figure, and the smoothing carries on from the day before it.
 */
extern bool resting_day_counts(int wear_minutes);

/* Default Fitbit zones for an age: floor of 50/70/85 % of 220 - age. */
extern void zone_bounds_for_age(int age, ZoneBounds *zb);

#endif							/* TRACKER_FIGURES_H */
