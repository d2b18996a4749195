/*-------------------------------------------------------------------------
 *
 * test_figures.c
 *	  Unit tests for the daily heart-rate figures (src/figures.c).
 *
 * Standalone: cc -Wall -Wextra -Werror -Isrc test/unit/test_figures.c
 * src/figures.c -o test_figures && ./test_figures
 * Exits non-zero if any check fails; the last line is "N passed, N failed".
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/figures.h"
#include "unit_test.h"

/* A local midnight (2017-05-01 00:00 UTC) used as day_start. */
#define DAY0		((int64_t) 1493596800)
#define HOUR		3600
#define DAY			(24 * HOUR)

/* Enough for a 26-hour day at one sample a second. */
#define MAX_N		(26 * HOUR + 16)

static HrSample s_buf[MAX_N];

/*
 * Close enough for values computed from a few exact operations.
 */
static int
near(double a, double b)
{
	double		d = a - b;

	return d < 1e-9 && d > -1e-9;
}

/*
 * The Fitbit default zones for the bounds seen in real data:
 * 95/133/162 (age 29: maximum 191, 0.85 * 191 = 162.35; age 30 would give
 * 161), 98/137/166 (age 24) and 92/128/156 (age 36, where 0.7 * 184 =
 * 128.8 shows the floor).
 */
static void
test_zone_bounds(void)
{
	ZoneBounds	zb;

	zone_bounds_for_age(29, &zb);
	CHECK_MSG(zb.min[HR_ZONE_1] == 30 && zb.max[HR_ZONE_1] == 95 &&
			  zb.min[HR_ZONE_2] == 95 && zb.max[HR_ZONE_2] == 133 &&
			  zb.min[HR_ZONE_3] == 133 && zb.max[HR_ZONE_3] == 162 &&
			  zb.min[HR_ZONE_4] == 162 && zb.max[HR_ZONE_4] == 220,
			  "age 29 gives 30/95/133/162/220");

	zone_bounds_for_age(30, &zb);
	CHECK_MSG(zb.max[HR_ZONE_1] == 95 && zb.min[HR_ZONE_3] == 133 &&
			  zb.min[HR_ZONE_4] == 161, "age 30 gives 95/133/161 (floor of 161.5)");

	zone_bounds_for_age(24, &zb);
	CHECK_MSG(zb.max[HR_ZONE_1] == 98 && zb.min[HR_ZONE_2] == 98 &&
			  zb.min[HR_ZONE_3] == 137 && zb.min[HR_ZONE_4] == 166,
			  "age 24 gives 98/137/166");

	zone_bounds_for_age(36, &zb);
	CHECK_MSG(zb.max[HR_ZONE_1] == 92 && zb.min[HR_ZONE_3] == 128 &&
			  zb.max[HR_ZONE_3] == 156 && zb.min[HR_ZONE_4] == 156,
			  "age 36 gives 92/128/156 (floor of 128.8)");

	zone_bounds_for_age(250, &zb);
	CHECK_MSG(zb.min[HR_ZONE_1] == 30 && zb.max[HR_ZONE_4] == 220,
			  "an impossible age still fills the bounds");
	zone_bounds_for_age(30, NULL);
	CHECK_MSG(1, "NULL bounds are ignored");
}

/*
 * Put count samples of value bpm into the minute starting at minute_start,
 * spread over its seconds; returns the new sample count.
 */
static size_t
add_minute(HrSample *s, size_t n, int64_t minute_start, const int *bpm,
		   int count)
{
	int			i;

	for (i = 0; i < count; i++)
	{
		s[n].t = minute_start + i * (60 / count);
		s[n].bpm = (int16_t) bpm[i];
		n++;
	}
	return n;
}

/*
 * Binning: from a zone's lower bound to the next zone's, with the mean
 * rounded half up.  A mean of exactly 95 with fat burn [95, 133) is fat
 * burn; 94.5 rounds up into it; a value below every zone is below the
 * zones; one above the top zone's upper bound (220) is in the top zone.
 */
static void
test_zone_binning(void)
{
	ZoneBounds	zb;
	DayFigures	f;
	size_t		n = 0;
	int			v95[] = {95};
	int			v94_5[] = {94, 95};
	int			v94_4[] = {94, 94, 94, 94, 95};	/* 94.2 */
	int			v132_5[] = {132, 133};
	int			v132[] = {132};
	int			v161_5[] = {161, 162};
	int			v219_5[] = {219, 220};
	int			v220[] = {220};
	int			v29_5[] = {29, 30};
	int			v29[] = {29, 29, 30};	/* 29.33 */
	int			v30[] = {30};

	zone_bounds_for_age(29, &zb);
	n = add_minute(s_buf, n, DAY0 + 0 * 60, v95, 1);
	n = add_minute(s_buf, n, DAY0 + 1 * 60, v94_5, 2);
	n = add_minute(s_buf, n, DAY0 + 2 * 60, v94_4, 5);
	n = add_minute(s_buf, n, DAY0 + 3 * 60, v132_5, 2);
	n = add_minute(s_buf, n, DAY0 + 4 * 60, v132, 1);
	n = add_minute(s_buf, n, DAY0 + 5 * 60, v161_5, 2);
	n = add_minute(s_buf, n, DAY0 + 6 * 60, v219_5, 2);
	n = add_minute(s_buf, n, DAY0 + 7 * 60, v220, 1);
	n = add_minute(s_buf, n, DAY0 + 8 * 60, v29_5, 2);
	n = add_minute(s_buf, n, DAY0 + 9 * 60, v29, 3);
	n = add_minute(s_buf, n, DAY0 + 10 * 60, v30, 1);

	CHECK_MSG(day_figures(s_buf, n, DAY0, DAY0 + DAY, &zb, &f) == 0, "day_figures ok");
	CHECK_MSG(f.has_zones, "zones computed when bounds are given");
	CHECK_MSG(f.wear_minutes == 11 && f.samples == (int) n, "11 worn minutes");
	/* out of range: 94.2, 29.5 -> 30, 30 */
	CHECK_MSG(f.zone_minutes[HR_ZONE_1] == 3, "out of range: 94.2, 29.5, 30");
	/* fat burn: 95, 94.5 -> 95, 132 */
	CHECK_MSG(f.zone_minutes[HR_ZONE_2] == 3, "fat burn: 95 exactly, 94.5 rounded up, 132");
	/* cardio: 132.5 -> 133 */
	CHECK_MSG(f.zone_minutes[HR_ZONE_3] == 1, "cardio: 132.5 rounds into it");
	/* peak: 161.5 -> 162; 219.5 -> 220 and 220 are above its upper bound */
	CHECK_MSG(f.zone_minutes[HR_ZONE_4] == 3, "peak: 161.5, and 219.5 and 220 above 220");
	/* below the zones: 29.33 -> 29 */
	CHECK_MSG(f.below_zone_minutes == 1, "below the zones: 29.33");
	CHECK_MSG(f.below_zone_minutes + f.zone_minutes[0] + f.zone_minutes[1] +
			  f.zone_minutes[2] + f.zone_minutes[3] == f.wear_minutes,
			  "the zones and the minutes below them add up to the worn minutes");

	/* a single minute of exactly 95 with bounds [95, 133) */
	CHECK_MSG(day_figures(s_buf, 1, DAY0, DAY0 + DAY, &zb, &f) == 0 &&
			  f.zone_minutes[HR_ZONE_2] == 1 &&
			  f.zone_minutes[HR_ZONE_1] == 0,
			  "a minute mean of exactly 95 is fat burn");

	/* without bounds */
	CHECK_MSG(day_figures(s_buf, n, DAY0, DAY0 + DAY, NULL, &f) == 0 &&
			  !f.has_zones && f.zone_minutes[0] == 0 && f.zone_minutes[1] == 0 &&
			  f.zone_minutes[2] == 0 && f.zone_minutes[3] == 0 &&
			  f.wear_minutes == 11, "no bounds: no zones, same wear");
}

/*
 * Rounding half up also for negative means, where C's truncation and
 * round-half-away-from-zero would both differ.
 */
static void
test_rounding_negative(void)
{
	ZoneBounds	zb;
	DayFigures	f;
	size_t		n = 0;
	int			m1[] = {-1, 0};	/* -0.5 -> 0 */
	int			m2[] = {-2, -1};	/* -1.5 -> -1 */
	int			z;

	for (z = 0; z < HR_ZONE_COUNT; z++)
	{
		zb.min[z] = 1000;
		zb.max[z] = 1000;
	}
	zb.min[0] = -1;
	zb.max[0] = 0;				/* exactly -1 */
	zb.min[1] = 0;
	zb.max[1] = 1;				/* exactly 0 */
	zb.min[2] = 1;
	n = add_minute(s_buf, n, DAY0, m1, 2);
	n = add_minute(s_buf, n, DAY0 + 60, m2, 2);
	CHECK_MSG(day_figures(s_buf, n, DAY0, DAY0 + DAY, &zb, &f) == 0 &&
			  f.zone_minutes[0] == 1 && f.zone_minutes[1] == 1,
			  "-1.5 rounds to -1 and -0.5 to 0");
}

/*
 * Wear minutes count clock minutes with a sample, samples count the
 * day's samples; samples outside [day_start, day_end) do not count.
 */
static void
test_wear(void)
{
	DayFigures	f;
	size_t		n = 0;

	s_buf[n].t = DAY0 - 1;		/* the day before */
	s_buf[n++].bpm = 60;
	s_buf[n].t = DAY0;			/* minute 0 */
	s_buf[n++].bpm = 60;
	s_buf[n].t = DAY0 + 30;		/* minute 0 */
	s_buf[n++].bpm = 62;
	s_buf[n].t = DAY0 + 59;		/* minute 0 */
	s_buf[n++].bpm = 64;
	s_buf[n].t = DAY0 + 60;		/* minute 1 */
	s_buf[n++].bpm = 70;
	s_buf[n].t = DAY0 + 600;	/* minute 10 */
	s_buf[n++].bpm = 80;
	s_buf[n].t = DAY0 + DAY - 1;	/* minute 1439 */
	s_buf[n++].bpm = 50;
	s_buf[n].t = DAY0 + DAY;	/* the next day */
	s_buf[n++].bpm = 60;

	CHECK_MSG(day_figures(s_buf, n, DAY0, DAY0 + DAY, NULL, &f) == 0, "wear day ok");
	CHECK_MSG(f.samples == 6, "samples inside the day only");
	CHECK_MSG(f.wear_minutes == 4, "minutes 0, 1, 10 and 1439");
	CHECK_MSG(f.has_resting, "resting estimate with data");

	CHECK_MSG(day_figures(s_buf, 1, DAY0, DAY0 + DAY, NULL, &f) == 0 &&
			  f.samples == 0 && f.wear_minutes == 0 && !f.has_resting,
			  "no samples in the day: no wear, no resting estimate");
	CHECK_MSG(day_figures(NULL, 0, DAY0, DAY0 + DAY, NULL, &f) == 0 &&
			  f.samples == 0 && !f.has_resting, "empty input");
}

/*
 * DST days are 23 or 25 hours; the minute index runs past 1439 on a
 * 25-hour day.  Over 26 hours, or an empty or inverted day, is an error.
 */
static void
test_dst(void)
{
	DayFigures	f;
	size_t		n = 0;
	int64_t		t;

	/* one sample a second over 25 hours */
	for (t = 0; t < 25 * HOUR; t++)
	{
		s_buf[n].t = DAY0 + t;
		s_buf[n].bpm = 60;
		n++;
	}
	CHECK_MSG(day_figures(s_buf, n, DAY0, DAY0 + 25 * HOUR, NULL, &f) == 0 &&
			  f.samples == 25 * HOUR && f.wear_minutes == 25 * 60,
			  "25-hour day: 1500 minutes");
	CHECK_MSG(day_figures(s_buf, n, DAY0, DAY0 + 23 * HOUR, NULL, &f) == 0 &&
			  f.samples == 23 * HOUR && f.wear_minutes == 23 * 60,
			  "23-hour day: 1380 minutes, the rest ignored");
	CHECK_MSG(day_figures(s_buf, n, DAY0 + HOUR, DAY0 + 25 * HOUR, NULL, &f) == 0 &&
			  f.samples == 24 * HOUR && f.wear_minutes == 24 * 60,
			  "day starting inside the series");
	CHECK_MSG(day_figures(s_buf, n, DAY0, DAY0 + 26 * HOUR, NULL, &f) == 0,
			  "26 hours is allowed");
	CHECK_MSG(day_figures(s_buf, n, DAY0, DAY0 + 26 * HOUR + 1, NULL, &f) == -1,
			  "over 26 hours is rejected");
	CHECK_MSG(day_figures(s_buf, n, DAY0, DAY0, NULL, &f) == -1,
			  "an empty day is rejected");
	CHECK_MSG(day_figures(s_buf, n, DAY0, DAY0 - 60, NULL, &f) == -1,
			  "an inverted day is rejected");
	CHECK_MSG(day_figures(s_buf, n, INT64_MIN, INT64_MAX, NULL, &f) == -1,
			  "a day spanning all of int64 is rejected");
	CHECK_MSG(day_figures(s_buf, n, DAY0, DAY0 + DAY, NULL, NULL) == -1,
			  "a NULL output is rejected");

	/* a day that is not a whole number of minutes keeps its last part */
	s_buf[0].t = DAY0 + 90;
	s_buf[0].bpm = 70;
	CHECK_MSG(day_figures(s_buf, 1, DAY0, DAY0 + 100, NULL, &f) == 0 &&
			  f.wear_minutes == 1 && f.samples == 1,
			  "partial last minute counts");

	/* extreme timestamps do not overflow */
	s_buf[0].t = INT64_MAX - 10;
	s_buf[0].bpm = 70;
	CHECK_MSG(day_figures(s_buf, 1, INT64_MAX - DAY, INT64_MAX, NULL, &f) == 0 &&
			  f.wear_minutes == 1, "day at the end of int64");
	s_buf[0].t = INT64_MIN;
	CHECK_MSG(day_figures(s_buf, 1, INT64_MIN, INT64_MIN + DAY, NULL, &f) == 0 &&
			  f.wear_minutes == 1, "day at the start of int64");
}

/*
 * The resting estimate is the linearly interpolated 25th percentile of the
 * unrounded minute means (numpy's default, PostgreSQL's percentile_cont).
 */
static void
test_percentile(void)
{
	DayFigures	f;
	size_t		n;
	int			i;

	/* minute means 5, 4, 3, 2, 1 (given out of order): p25 = 2 */
	n = 0;
	for (i = 0; i < 5; i++)
	{
		s_buf[n].t = DAY0 + 60 * i;
		s_buf[n++].bpm = (int16_t) (5 - i);
	}
	CHECK_MSG(day_figures(s_buf, n, DAY0, DAY0 + DAY, NULL, &f) == 0 &&
			  f.has_resting && near(f.resting_raw, 2.0), "p25 of 1..5 is 2");

	/* 1, 2, 3, 4: position 0.75 -> 1.75 */
	CHECK_MSG(day_figures(s_buf + 1, 4, DAY0, DAY0 + DAY, NULL, &f) == 0 &&
			  near(f.resting_raw, 1.75), "p25 of 1..4 is 1.75");

	/* 10 and 20: position 0.25 -> 12.5 */
	s_buf[0].t = DAY0;
	s_buf[0].bpm = 20;
	s_buf[1].t = DAY0 + 3600;
	s_buf[1].bpm = 10;
	CHECK_MSG(day_figures(s_buf, 2, DAY0, DAY0 + DAY, NULL, &f) == 0 &&
			  near(f.resting_raw, 12.5), "p25 of 10, 20 is 12.5");

	/* one minute */
	CHECK_MSG(day_figures(s_buf, 1, DAY0, DAY0 + DAY, NULL, &f) == 0 &&
			  f.has_resting && near(f.resting_raw, 20.0), "p25 of one minute");

	/* means are not rounded: minutes of 60.5 and 61.5 -> 60.75 */
	n = 0;
	s_buf[n].t = DAY0;
	s_buf[n++].bpm = 60;
	s_buf[n].t = DAY0 + 10;
	s_buf[n++].bpm = 61;
	s_buf[n].t = DAY0 + 60;
	s_buf[n++].bpm = 61;
	s_buf[n].t = DAY0 + 70;
	s_buf[n++].bpm = 62;
	CHECK_MSG(day_figures(s_buf, n, DAY0, DAY0 + DAY, NULL, &f) == 0 &&
			  near(f.resting_raw, 60.75), "p25 uses unrounded minute means");

	/* 9 minutes 50..58: position 2 -> exactly 52 */
	n = 0;
	for (i = 0; i < 9; i++)
	{
		s_buf[n].t = DAY0 + 60 * (8 - i);
		s_buf[n++].bpm = (int16_t) (50 + i);
	}
	/* input must be sorted by t: reverse into order */
	for (i = 0; i < 4; i++)
	{
		HrSample	tmp = s_buf[i];

		s_buf[i] = s_buf[8 - i];
		s_buf[8 - i] = tmp;
	}
	CHECK_MSG(day_figures(s_buf, n, DAY0, DAY0 + DAY, NULL, &f) == 0 &&
			  near(f.resting_raw, 52.0), "p25 of 50..58 is 52");
}

/*
 * Smoothing across days and the reported integer.
 */
static void
test_smoothing(void)
{
	volatile double zero = 0.0;
	double		nan_value = zero / zero;
	double		s;

	s = resting_smooth(123.0, false, 60.0);
	CHECK_MSG(near(s, 60.0), "the first day takes the raw value");
	s = resting_smooth(s, true, 70.0);
	CHECK_MSG(near(s, 63.0), "60 + 0.3 (70 - 60) = 63");
	s = resting_smooth(s, true, 53.0);
	CHECK_MSG(near(s, 60.0), "63 + 0.3 (53 - 63) = 60");
	s = resting_smooth(s, true, 60.0);
	CHECK_MSG(near(s, 60.0), "a steady raw value keeps the state");

	CHECK_MSG(resting_report(57.5) == 58, "57.5 reports 58");
	CHECK_MSG(resting_report(57.49) == 57, "57.49 reports 57");
	CHECK_MSG(resting_report(57.0) == 57, "57 reports 57");
	CHECK_MSG(resting_report(-0.5) == 0, "-0.5 reports 0");
	CHECK_MSG(resting_report(-1.5) == -1, "-1.5 reports -1");
	CHECK_MSG(resting_report(-1.6) == -2, "-1.6 reports -2");
	CHECK_MSG(resting_report(nan_value) == 0, "NaN reports 0");
	CHECK_MSG(resting_report(1e300) == INT32_MAX, "huge values clamp");
	CHECK_MSG(resting_report(-1e300) == INT32_MIN, "huge negative values clamp");
}

/*
 * A realistic day through the whole chain: figures, smoothing, report.
 */
static void
test_day_chain(void)
{
	ZoneBounds	zb;
	DayFigures	f;
	size_t		n = 0;
	int64_t		t;
	double		state = 0;
	bool		has_state = false;
	int			d;

	zone_bounds_for_age(29, &zb);
	for (d = 0; d < 3; d++)
	{
		n = 0;
		/* 20 hours at 55 + small wobble, one hour at 140, every 5 s */
		for (t = 0; t < 21 * HOUR; t += 5)
		{
			s_buf[n].t = DAY0 + d * DAY + t;
			s_buf[n].bpm = (int16_t) (t < 20 * HOUR ? 55 + (t / 5) % 3 : 140);
			n++;
		}
		CHECK_MSG(day_figures(s_buf, n, DAY0 + d * DAY, DAY0 + (d + 1) * DAY, &zb, &f) == 0,
				  "chain day ok");
		CHECK_MSG(f.wear_minutes == 21 * 60 &&
				  f.zone_minutes[HR_ZONE_1] == 20 * 60 &&
				  f.zone_minutes[HR_ZONE_3] == 60, "chain day zones");
		state = resting_smooth(state, has_state, f.resting_raw);
		has_state = true;
	}
	CHECK_MSG(resting_report(state) == 56, "chain day resting 56");
}

/*
 * A day worn too little does not enter the smoothing: a 30-minute workout
 * between rested days leaves the next days where they were.
 */
static void
test_short_day(void)
{
	DayFigures	f;
	double		with_rule = 0;
	double		without_rule = 0;
	bool		has_state = false;
	int			d;

	CHECK_MSG(RESTING_MIN_WEAR_MINUTES == 480, "the minimum is eight hours of wear");
	CHECK_MSG(!resting_day_counts(0), "no wear does not count");
	CHECK_MSG(!resting_day_counts(479), "479 worn minutes do not count");
	CHECK_MSG(resting_day_counts(480), "480 worn minutes count");
	CHECK_MSG(resting_day_counts(1440), "a whole day counts");

	for (d = 0; d < 5; d++)
	{
		size_t		n = 0;
		int64_t		t;
		bool		workout = (d == 2);

		/* rested days: 20 hours at 55; day 2: 30 minutes at 150 */
		for (t = 0; t < (workout ? 30 * 60 : 20 * HOUR); t += 60)
		{
			s_buf[n].t = DAY0 + d * DAY + (workout ? 17 * HOUR : 0) + t;
			s_buf[n].bpm = (int16_t) (workout ? 150 : 55);
			n++;
		}
		CHECK_MSG(day_figures(s_buf, n, DAY0 + d * DAY, DAY0 + (d + 1) * DAY, NULL, &f) == 0,
				  "short-day chain ok");
		CHECK_MSG(f.has_resting, "every day has its own estimate");
		without_rule = resting_smooth(without_rule, has_state, f.resting_raw);
		if (resting_day_counts(f.wear_minutes))
			with_rule = resting_smooth(with_rule, has_state, f.resting_raw);
		has_state = true;
	}
	CHECK_MSG(resting_report(with_rule) == 55, "the workout day leaves the figure at 55");
	CHECK_MSG(resting_report(without_rule) > 60, "counted, it would have pulled it up");
}

/*
 * Sum of a day's zone minutes and the minutes below the zones.
 */
static int
zones_total(const DayFigures *f)
{
	int			total = f->below_zone_minutes;
	int			z;

	for (z = 0; z < HR_ZONE_COUNT; z++)
		total += f->zone_minutes[z];
	return total;
}

/*
 * The invariant the figures promise: with zones, every worn minute is in
 * exactly one zone or below them, so the zone minutes and the minutes
 * below the zones add up to the worn minutes.  Days of random samples
 * (every bpm the parsers accept, 20..250, and beyond), random gaps,
 * normal and DST lengths, against the default zones of every age, the
 * bounds of a Google Health day (LIGHT from 96), and hand-made bounds that
 * leave gaps, touch or do not rise.  A fixed seed keeps a failure
 * repeatable.
 */
static void
test_zones_add_up(void)
{
	static const int64_t lengths[] = {DAY, 23 * HOUR, 25 * HOUR};
	static const int google[8] = {96, 108, 135, 160, 108, 135, 160, 220};
	static const int odd[3][8] = {
		{40, 41, 42, 43, 41, 42, 43, 44},	/* one bpm each */
		{100, 90, 150, 120, 90, 150, 120, 200},	/* not rising */
		{60, 60, 60, 60, 60, 60, 60, 60}	/* all the same */
	};
	unsigned int seed = 20261207;
	int			failures = 0;
	int			below_seen = 0;
	int			above_seen = 0;
	int			trial;

	for (trial = 0; trial < 400; trial++)
	{
		ZoneBounds	zb;
		DayFigures	f;
		int64_t		len = lengths[trial % 3];
		int64_t		t;
		size_t		n = 0;
		int			kind = trial % 6;
		int			base = 20 + (int) (rand_r(&seed) % 200);
		int			spread = 1 + (int) (rand_r(&seed) % 120);
		int			step = 1 + (int) (rand_r(&seed) % 90);
		int			z;

		if (kind < 3)
			zone_bounds_for_age((int) (rand_r(&seed) % 230), &zb);
		else if (kind == 3)
		{
			for (z = 0; z < HR_ZONE_COUNT; z++)
			{
				zb.min[z] = google[z];
				zb.max[z] = google[HR_ZONE_COUNT + z];
			}
		}
		else
		{
			const int  *b = odd[kind - 4 + (trial / 6) % 2];

			for (z = 0; z < HR_ZONE_COUNT; z++)
			{
				zb.min[z] = b[z];
				zb.max[z] = b[HR_ZONE_COUNT + z];
			}
		}

		for (t = 0; t < len && n < MAX_N; t += step)
		{
			/* leave out random hours: the watch was off */
			if ((t / HOUR + trial) % 5 == 0)
				continue;
			s_buf[n].t = DAY0 + t;
			s_buf[n].bpm = (int16_t) (base - spread / 2 + (int) (rand_r(&seed) % (unsigned) spread));
			n++;
		}
		if (day_figures(s_buf, n, DAY0, DAY0 + len, &zb, &f) != 0 ||
			zones_total(&f) != f.wear_minutes)
			failures++;
		if (f.below_zone_minutes > 0)
			below_seen++;
		if (kind < 4 && f.zone_minutes[HR_ZONE_4] > 0 && base + spread / 2 > zb.max[HR_ZONE_4])
			above_seen++;
	}
	CHECK_MSG(failures == 0,
			  "every day's zone minutes plus the minutes below the zones are its worn minutes");
	CHECK_MSG(below_seen > 0 && above_seen > 0,
			  "the random days reach below the lowest zone and above the top one");
}

int
main(void)
{
	test_zone_bounds();
	test_zone_binning();
	test_rounding_negative();
	test_wear();
	test_dst();
	test_percentile();
	test_smoothing();
	test_day_chain();
	test_short_day();
	test_zones_add_up();
	return unit_report();
}
