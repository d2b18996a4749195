/*-------------------------------------------------------------------------
 *
 * store.h
 *	  Writes to bronze, silver and gold through SPI: every payload as it
 *	  arrived (bronze.c), typed rows (silver.c), and the daily figures
 *	  recomputed from them (gold.c), for the accounts of account.c.
 *
 * Every function here expects an SPI connection opened by its caller and
 * runs in the caller's transaction: a window or a document is written by one
 * caller in one transaction, so a failure anywhere leaves nothing behind.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_STORE_H
#define TRACKER_STORE_H

#include "pgtime.h"
#include "utils/date.h"

#include "core/core.h"

typedef struct TrackerAccount
{
	int32		account_id;
	char	   *name;
	char	   *provider;
	char	   *time_zone;
	pg_tz	   *tz;
	bool		has_birth_date;
	DateADT		birth_date;
} TrackerAccount;

/* A provider's own figures for one day; each part may be absent. */
typedef struct ReportedDay
{
	DateADT		day;
	bool		has_resting;
	double		resting_hr;
	bool		has_bounds;
	int			zone_min[HR_ZONE_COUNT];
	int			zone_max[HR_ZONE_COUNT];
	bool		has_minutes;
	double		minutes[HR_ZONE_COUNT];
} ReportedDay;

/* The local days a write touched, to recompute their figures. */
typedef struct DaySet
{
	DateADT    *days;
	int			n;
	int			cap;
} DaySet;

/* A stage interval (stage set) or an out-of-bed segment of a sleep. */
typedef struct SleepSpan
{
	const char *stage;			/* AWAKE, LIGHT, DEEP, REM, ASLEEP, RESTLESS */
	int64		start;			/* epoch seconds, inclusive */
	int64		end;			/* exclusive */
} SleepSpan;

/* One sleep session as sleep.c stores it, whatever its source. */
typedef struct SleepSession
{
	const char *sleep_id;
	const char *sleep_type;		/* STAGES, CLASSIC, or NULL */
	int64		start;			/* epoch seconds */
	int64		end;
	bool		has_offsets;	/* the source gave the UTC offsets below */
	int			start_offset;	/* seconds east of UTC at the start */
	int			end_offset;		/* and at the end */
	bool		nap;
	int64		minutes_asleep; /* the source's figures; -1 when absent */
	int64		minutes_awake;
	int64		minutes_in_period;
	const char *stages_json;	/* {"DEEP": 80, ...} minutes, or NULL */
	int			nspans;
	const SleepSpan *spans;		/* sorted by start, disjoint */
	int			nout_of_bed;
	const SleepSpan *out_of_bed;
} SleepSession;

/* Accounts (account.c); see TRACKER_LOCK_WRITE in common.h. */
extern void account_write_lock(int32 account_id);
extern void account_load(int32 account_id, TrackerAccount *acc);

/* Bronze (bronze.c). */
extern bool bronze_lookup(int32 account_id, const uint8 *sha,
						  int64 *payload_id, char **status);
extern int64 bronze_insert(int32 account_id, const char *source,
						   const char *kind, const char *origin,
						   const char *body, size_t len, const uint8 *sha,
						   int http_status, bool accepted, const char *reason);
extern char *bronze_body(int32 account_id, int64 payload_id, size_t *len);
extern char *bronze_body_stable(int32 account_id, int64 payload_id, size_t *len);

/* Silver (silver.c). */
extern void reported_upsert(const TrackerAccount *acc, const ReportedDay *r,
							const char *source, int64 payload_id);
extern int	heart_rate_store(const TrackerAccount *acc, HrSample *s, size_t n,
							 DaySet *touched);
extern HrSample *series_load(int32 account_id, DateADT day, bool lock,
							 size_t *n);
extern void dayset_add(DaySet *set, DateADT day);
extern DateADT dayset_min(const DaySet *set);

/* Sleep sessions (sleep.c). */
extern DateADT sleep_wake_day(const TrackerAccount *acc, const SleepSession *s);
extern DateADT sleep_store(const TrackerAccount *acc, const SleepSession *s,
						   int64 payload_id);

/* Vitals and body measurements (vitals.c). */
#define VITAL_VALUES 4

typedef enum VitalSampleKind
{
	VITAL_HRV,					/* rmssd_ms, sdnn_ms */
	VITAL_SPO2,					/* percent */
	VITAL_RESPIRATORY,			/* full, deep, light, rem sleep bpm */
	VITAL_WEIGHT,				/* kg; manual; text = point id */
	VITAL_BODY_FAT,				/* percent; manual; text = point id */
	VITAL_VO2_MAX,				/* ml/kg/min; text = method */
	VITAL_SAMPLE_KINDS
} VitalSampleKind;

typedef enum VitalDailyKind
{
	VITAL_DAILY_HRV,			/* hrv_ms, deep sleep ms, entropy, non-REM bpm */
	VITAL_DAILY_SPO2,			/* average, lower, upper, stddev */
	VITAL_DAILY_RESPIRATORY,	/* breaths per minute */
	VITAL_DAILY_TEMPERATURE,	/* nightly, baseline, 30-day stddev (Celsius) */
	VITAL_DAILY_VO2_MAX,		/* vo2 max; text = fitness level; flag = estimated */
	VITAL_DAILY_KINDS
} VitalDailyKind;

/* Values absent are NaN. */
typedef struct VitalSample
{
	int64		t;				/* epoch seconds */
	double		v[VITAL_VALUES];
	bool		manual;
	const char *text;
} VitalSample;

typedef struct VitalDay
{
	DateADT		day;
	double		v[VITAL_VALUES];
	const char *text;
	bool		flag;
} VitalDay;

extern int	vitals_store_samples(const TrackerAccount *acc, VitalSampleKind kind,
								 const VitalSample *s, int n, DaySet *touched);
extern int	vitals_store_daily(const TrackerAccount *acc, VitalDailyKind kind,
							   const VitalDay *d, int n, const char *source,
							   int64 payload_id, DaySet *touched);
extern void vitals_recompute_days(const TrackerAccount *acc, const DaySet *days);

/* Gold (gold.c). */
extern void figures_recompute_days(const TrackerAccount *acc, DaySet *days);
extern void figures_recompute_day(const TrackerAccount *acc, DateADT day);
extern void resting_resmooth(int32 account_id, DateADT from);

/* Activity (activity.c). */
extern int	activity_store_minutes(const TrackerAccount *acc, const char *data_type,
								   const int64 *starts, const int64 *ends,
								   const char *const *levels, const int32 *values,
								   int n);
extern int	activity_store_reported(const TrackerAccount *acc, const char *data_type,
									const DateADT *days, const char *const *v1,
									const char *const *v2, const char *const *v3,
									int n, const char *source);
extern void activity_refresh_days(const TrackerAccount *acc, const DateADT *days,
								  int n);

#endif							/* TRACKER_STORE_H */
