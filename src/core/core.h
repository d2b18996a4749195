/*-------------------------------------------------------------------------
 *
 * core.h
 *	  The core inside the server: local days of an account's time zone and
 *	  Unix epoch seconds (timeutil.c), and encoded heart-rate series as SQL
 *	  sees them (series_sql.c).
 *
 * The codec (series.h) and the daily figures (figures.h) are plain C with
 * headers of their own, so that unit tests and fuzzers build them without
 * PostgreSQL.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_CORE_H
#define TRACKER_CORE_H

#include "fmgr.h"
#include "pgtime.h"
#include "utils/array.h"
#include "utils/date.h"
#include "utils/timestamp.h"

#include "core/figures.h"
#include "core/series.h"

/* Seconds between the Unix epoch and PostgreSQL's epoch (2000-01-01). */
#define TRACKER_EPOCH_SHIFT \
	((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY)

/* Heart rates Tracker accepts from any source. */
#define SERIES_MIN_BPM 20
#define SERIES_MAX_BPM 250

/* Time (timeutil.c). */
extern pg_tz *tracker_time_zone(const char *name);
extern int64 tracker_local_to_epoch(pg_tz *tz, DateADT day, int secs);
extern void tracker_day_bounds(pg_tz *tz, DateADT day, int64 *start, int64 *end);
extern DateADT tracker_local_date(pg_tz *tz, int64 epoch);
extern bool tracker_epoch_is_valid(int64 epoch);
extern TimestampTz tracker_epoch_to_timestamptz(int64 epoch);
extern int64 tracker_timestamptz_to_epoch(TimestampTz ts);
extern DateADT tracker_make_date(int year, int month, int day);
extern char *tracker_iso_date(DateADT day);

/* The days of a daterange argument: [lower, upper), either bound absent. */
typedef struct DayRange
{
	bool		has_lower;
	bool		has_upper;
	DateADT		lower;
	DateADT		upper;
} DayRange;

extern bool tracker_day_range_arg(FunctionCallInfo fcinfo, int argno,
								  DayRange *days);

/* Series (series_sql.c). */
extern HrSample *series_decode_bytes(const uint8 *buf, size_t len, size_t *n,
									 const char **why);
extern HrSample *series_decode_datum(bytea *b, size_t *n);
extern HrSample *series_from_arrays(ArrayType *ts, ArrayType *bpm, size_t *n);

#endif							/* TRACKER_CORE_H */
