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
 * 3: the zones split a day's worn minutes: the minutes below the lowest
 * zone are a figure of their own, and the top zone has no upper end.
 */
#define FIGURES_ALGORITHM_VERSION 3

/*
 * Worn minutes a day needs before its resting estimate enters the smoothed
 * resting heart rate (see resting_day_counts()).
 */
#define RESTING_MIN_WEAR_MINUTES 480

/*
 * The four heart-rate zones, lowest first.  Each source names them its own
 * way (the Google Health API: light, moderate, vigorous, peak; Fitbit's Web
 * API and account exports: out of range, fat burn, cardio, peak); the
 * figures know them by position only, and the names live with the data
 * (gold.daily.zone_scheme, tracker.zone_names()).
 */
typedef enum HrZone
{
	HR_ZONE_1 = 0,
	HR_ZONE_2,
	HR_ZONE_3,
	HR_ZONE_4,
	HR_ZONE_COUNT
} HrZone;

/* The top zone, the one that has no upper end in the figures. */
#define HR_ZONE_TOP (HR_ZONE_COUNT - 1)

/*
 * Zone bounds as the source gave them.  The figures use only the lower
 * bounds: a minute's value v is in the highest zone z with min[z] <= v
 * (with rising bounds: min[z] <= v < min[z + 1], the top zone open above),
 * and below the zones when there is none.  So every worn minute is counted
 * exactly once.  max[] is kept for display (the top zone's max is the
 * source's ceiling, e.g. 220).
 */
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
	int			below_zone_minutes; /* worn minutes below the lowest zone */
	bool		has_resting;	/* false when too little data */
	double		resting_raw;	/* the day's unsmoothed resting estimate */
} DayFigures;

/*
 * Compute the figures for the local day [day_start, day_end) (epoch seconds;
 * a DST day is 23 or 25 hours long).  s must be sorted by t; samples outside
 * the day are ignored.  zb may be NULL.  With zones, below_zone_minutes
 * plus the zone minutes is always wear_minutes.  Returns 0, or -1 if the
 * day is longer than 26 hours or not positive.
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
