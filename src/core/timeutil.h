/*-------------------------------------------------------------------------
 *
 * timeutil.h
 *	  Local days of an account's time zone, and Unix epoch seconds.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_TIMEUTIL_H
#define TRACKER_TIMEUTIL_H

#include "pgtime.h"
#include "utils/date.h"
#include "utils/timestamp.h"

/* Seconds between the Unix epoch and PostgreSQL's epoch (2000-01-01). */
#define TRACKER_EPOCH_SHIFT \
	((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY)

extern pg_tz *tracker_time_zone(const char *name);
extern int64 tracker_local_to_epoch(pg_tz *tz, DateADT day, int secs);
extern void tracker_day_bounds(pg_tz *tz, DateADT day, int64 *start, int64 *end);
extern DateADT tracker_local_date(pg_tz *tz, int64 epoch);
extern bool tracker_epoch_is_valid(int64 epoch);
extern TimestampTz tracker_epoch_to_timestamptz(int64 epoch);
extern int64 tracker_timestamptz_to_epoch(TimestampTz ts);
extern DateADT tracker_make_date(int year, int month, int day);

#endif							/* TRACKER_TIMEUTIL_H */
