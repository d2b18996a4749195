/*-------------------------------------------------------------------------
 *
 * gh_parse.h
 *	  Parse and validate Google Health API v4 responses and Google OAuth 2.0
 *	  token responses.
 *
 * Plain C over json-c with no PostgreSQL dependency, so that it can be
 * fuzzed outside the server.  Every field Tracker uses is checked for
 * presence, type and range before anything reaches a table (the proto3
 * JSON mapping sends int64 as strings and durations as "123s").  All memory
 * is malloc'd and owned by the result; the *_free functions release it on
 * every path.  Errors come back in a GhError with the JSON path.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_GH_PARSE_H
#define TRACKER_GH_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum GhDataType
{
	GH_HEART_RATE = 0,			/* heart-rate: samples */
	GH_DAILY_RESTING_HEART_RATE,	/* daily-resting-heart-rate */
	GH_DAILY_HEART_RATE_ZONES,	/* daily-heart-rate-zones */
	GH_TIME_IN_HEART_RATE_ZONE, /* time-in-heart-rate-zone, dailyRollUp */
	GH_EXERCISE,				/* exercise sessions */
	GH_SLEEP,					/* sleep sessions */
	GH_STEPS,					/* steps, 1-minute intervals */
	/* activity: intervals of gh_activity.c */
	GH_ACTIVE_ZONE_MINUTES,		/* active-zone-minutes */
	GH_ACTIVE_MINUTES,			/* active-minutes */
	GH_DISTANCE,				/* distance */
	GH_FLOORS,					/* floors: reconcile and roll-ups only */
	GH_TOTAL_CALORIES,			/* total-calories: roll-ups only */
	GH_SEDENTARY_PERIOD,		/* sedentary-period */
	/* vitals and body measurements: GhVital records (gh_vitals.c) */
	GH_HEART_RATE_VARIABILITY,	/* heart-rate-variability: samples */
	GH_DAILY_HEART_RATE_VARIABILITY,	/* daily-heart-rate-variability */
	GH_OXYGEN_SATURATION,		/* oxygen-saturation: samples */
	GH_DAILY_OXYGEN_SATURATION, /* daily-oxygen-saturation */
	GH_DAILY_RESPIRATORY_RATE,	/* daily-respiratory-rate */
	GH_RESPIRATORY_RATE_SLEEP_SUMMARY,	/* respiratory-rate-sleep-summary */
	GH_DAILY_SLEEP_TEMPERATURE, /* daily-sleep-temperature-derivations */
	GH_WEIGHT,					/* weight: samples */
	GH_BODY_FAT,				/* body-fat: samples */
	GH_DAILY_VO2_MAX,			/* daily-vo2-max */
	GH_VO2_MAX,					/* vo2-max: samples */
	GH_DATA_TYPE_COUNT
} GhDataType;

typedef enum GhErrorKind
{
	GH_OK = 0,
	GH_ERR_NOT_JSON,
	GH_ERR_SHAPE,				/* missing member or wrong structure */
	GH_ERR_TYPE,
	GH_ERR_RANGE,
	GH_ERR_TIME,
	GH_ERR_NOMEM
} GhErrorKind;

typedef struct GhError
{
	GhErrorKind kind;
	char		path[256];		/* e.g. $.dataPoints[3].heartRate.beatsPerMinute */
	char		message[256];	/* lower case, no trailing period */
} GhError;

typedef struct GhDate
{
	int			year;
	int			month;
	int			day;
} GhDate;

/* Zones: LIGHT, MODERATE, VIGOROUS, PEAK (the API's HeartRateZoneType). */
#define GH_ZONES 4

typedef struct GhDaily
{
	GhDate		date;
	bool		has_resting;
	int			resting_bpm;	/* daily-resting-heart-rate */
	bool		has_zones;
	int			zone_min[GH_ZONES]; /* daily-heart-rate-zones, inclusive */
	int			zone_max[GH_ZONES];
	bool		has_zone_seconds;
	int64_t		zone_seconds[GH_ZONES]; /* time-in-heart-rate-zone rollup */
} GhDaily;

typedef struct GhExercise
{
	char	   *id;				/* data point name */
	char	   *exercise_type;	/* open string, e.g. RUNNING */
	char	   *display_name;	/* may be NULL */
	int64_t		start;			/* epoch seconds */
	int64_t		end;
	int			start_utc_offset;	/* seconds */
	int64_t		active_seconds; /* -1 when absent */
	double		distance_m;		/* -1 when absent */
	double		calories_kcal;	/* -1 when absent */
	int64_t		steps;			/* -1 when absent */
	int			avg_heart_rate; /* -1 when absent */
	int64_t		zone_seconds[GH_ZONES]; /* light, moderate, vigorous, peak; -1 when absent */
	int64_t		update_time;	/* epoch seconds, -1 when absent */
} GhExercise;

typedef struct GhSleepStage
{
	char	   *type;			/* AWAKE, LIGHT, DEEP, REM, ASLEEP, RESTLESS */
	int64_t		minutes;
} GhSleepStage;

/*
 * A stretch of a sleep session: a stage interval (type set) or an
 * out-of-bed segment (type NULL).  Start inclusive, end exclusive.
 */
typedef struct GhSleepSpan
{
	const char *type;			/* a static name: AWAKE, LIGHT, ... */
	int64_t		start;			/* epoch seconds */
	int64_t		end;
	size_t		index;			/* position in the JSON array */
} GhSleepSpan;

/* Stage types of sleep.stages[] Tracker keeps; others are skipped. */
#define GH_SLEEP_STAGE_TYPES 6
extern const char *const gh_sleep_stage_names[GH_SLEEP_STAGE_TYPES];

typedef struct GhSleep
{
	char	   *id;
	char	   *sleep_type;		/* STAGES, CLASSIC */
	int64_t		start;
	int64_t		end;
	int			end_utc_offset;
	bool		nap;
	int64_t		minutes_asleep; /* -1 when absent */
	int64_t		minutes_awake;
	int64_t		minutes_in_period;
	size_t		nstages;
	GhSleepStage *stages;		/* stagesSummary */
	int64_t		update_time;
	int			start_utc_offset;
	bool		has_end_utc_offset; /* false: file by the account's zone */
	size_t		nintervals;		/* stages[], sorted by start, disjoint */
	GhSleepSpan *intervals;
	size_t		nout_of_bed;	/* outOfBedSegments[], sorted, disjoint */
	GhSleepSpan *out_of_bed;
} GhSleep;

typedef struct GhSteps
{
	int64_t		start;			/* epoch seconds */
	int64_t		end;
	int			start_utc_offset;
	int64_t		count;
} GhSteps;

/*
 * Activity: the levels an interval or a roll-up window is split by.  Active
 * zone minutes by zone (FAT_BURN, CARDIO, PEAK), active minutes by level
 * (LIGHT, MODERATE, VIGOROUS); the other types have one value, level 0.
 */
#define GH_LEVELS 3

/*
 * One interval of an activity type.  value[k] is the interval's value at
 * level k, -1 where it has none: millimeters (distance), floors, active
 * zone minutes (credits), active minutes, or the length in seconds of a
 * sedentary period.
 */
typedef struct GhInterval
{
	int64_t		start;			/* epoch seconds */
	int64_t		end;
	int			start_utc_offset;
	int64_t		value[GH_LEVELS];
} GhInterval;

/*
 * One dailyRollUp window of an activity type: the provider's own figure of
 * a day.  Same units and levels as GhInterval, except calories, which are
 * millikilocalories (exact for the API's kcal doubles to three places), and
 * sedentary time, which is seconds.  has_value is false for a window
 * without the type's value.
 */
typedef struct GhActivityDay
{
	GhDate		date;
	bool		has_value;
	int64_t		value[GH_LEVELS];
} GhActivityDay;

/*
 * One point of a vitals or body data type.  Sample types fill t and
 * utc_offset, daily types date; the values are the type's members in the
 * order of its row of the table in gh_vitals.c (see gh_vital_member()),
 * NaN when absent.
 */
#define GH_VITAL_VALUES 4

typedef struct GhVital
{
	int64_t		t;				/* epoch seconds of sampleTime.physicalTime */
	int			utc_offset;		/* seconds */
	GhDate		date;			/* daily types */
	double		v[GH_VITAL_VALUES];
	char	   *text;			/* an enum member (method, fitness level), or NULL */
	bool		flag;			/* a boolean member (estimated), false when absent */
	bool		manual;			/* dataSource.recordingMethod is MANUAL */
	char	   *id;				/* the point's name, where it has one, or NULL */
} GhVital;

/* One page of a list (or reconcile, or dailyRollUp) response. */
typedef struct GhPage
{
	GhDataType	type;
	char	   *next_page_token;	/* NULL when the result is complete */
	size_t		nsamples;		/* heart-rate */
	int64_t    *t;				/* epoch seconds of physicalTime */
	int16_t    *bpm;
	int		   *utc_offset;		/* seconds; 0 when absent */
	size_t		ndaily;
	GhDaily    *daily;
	size_t		nexercise;
	GhExercise *exercise;
	size_t		nsleep;
	GhSleep    *sleep;
	size_t		nsteps;
	GhSteps    *steps;
	/* activity */
	bool		rollup;			/* a dailyRollUp page */
	size_t		nintervals;
	GhInterval *intervals;
	size_t		nactivity;
	GhActivityDay *activity;
	size_t		nvitals;		/* the vitals and body types */
	GhVital    *vitals;
} GhPage;

/* users.getSettings and users.getProfile. */
typedef struct GhUser
{
	char	   *time_zone;		/* IANA name, or NULL */
	int			utc_offset;		/* seconds */
	int			age;			/* -1 when absent */
} GhUser;

/* An OAuth token endpoint answer: a token, or an error. */
typedef struct GhToken
{
	char	   *access_token;
	char	   *refresh_token;	/* usually NULL on refresh: Google does not rotate */
	int64_t		expires_in;		/* seconds */
	char	   *scope;			/* space-separated granted scopes */
	char	   *token_type;
	char	   *error;			/* e.g. invalid_grant; NULL on success */
	char	   *error_description;
} GhToken;

/* A google.rpc.Status error body. */
typedef struct GhApiError
{
	int			code;
	char	   *status;			/* e.g. RESOURCE_EXHAUSTED */
	char	   *message;
	char	   *reason;			/* ErrorInfo reason, e.g. ACCESS_TOKEN_SCOPE_INSUFFICIENT */
} GhApiError;

/* Heart rates accepted from the API. */
#define GH_MIN_BPM 20
#define GH_MAX_BPM 250

extern const char *gh_data_type_name(GhDataType type);	/* "heart-rate" */
extern int	gh_data_type_from_name(const char *name);	/* -1 if unknown */

extern GhErrorKind gh_parse_page(GhDataType type, const char *buf, size_t len,
								 GhPage *page, GhError *err);
extern GhErrorKind gh_parse_page_general(GhDataType type, const char *buf,
										 size_t len, GhPage *page,
										 GhError *err);
extern void gh_page_free(GhPage *page);

/* Activity types (gh_activity.c). */
extern bool gh_is_activity_type(GhDataType type);
extern bool gh_is_rollup_only(GhDataType type);
extern int	gh_activity_levels(GhDataType type);
extern const char *gh_activity_level_name(GhDataType type, int level);
extern GhErrorKind gh_parse_daily_rollup(GhDataType type, const char *buf,
										 size_t len, GhPage *page,
										 GhError *err);

/* Vitals and body types (gh_vitals.c). */
extern bool gh_is_vital(GhDataType type);
extern bool gh_vital_is_daily(GhDataType type);
extern const char *gh_vital_member(GhDataType type, int i);	/* or NULL */

extern GhErrorKind gh_parse_settings(const char *buf, size_t len, GhUser *user,
									 GhError *err);
extern GhErrorKind gh_parse_profile(const char *buf, size_t len, GhUser *user,
									GhError *err);
extern void gh_user_free(GhUser *user);

extern GhErrorKind gh_parse_token(const char *buf, size_t len, GhToken *token,
								  GhError *err);
extern void gh_token_free(GhToken *token);

/* Best effort: fills what it finds, returns false when buf is not one. */
extern bool gh_parse_api_error(const char *buf, size_t len, GhApiError *out);
extern void gh_api_error_free(GhApiError *e);

#endif							/* TRACKER_GH_PARSE_H */
