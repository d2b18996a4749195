/*-------------------------------------------------------------------------
 *
 * fitbit_parse.h
 *	  Parse and validate the Fitbit formats Tracker imports: saved Fitbit Web
 *	  API heart-rate and sleep responses and the files of a Fitbit account
 *	  export.
 *
 * Plain C over json-c with no PostgreSQL dependency, so that it can be
 * fuzzed outside the server.  All memory is malloc'd and owned by the
 * FitbitDoc; fitbit_doc_free() releases it on every path.  The parser never
 * longjmps and never prints: errors come back in a FitbitError.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_FITBIT_PARSE_H
#define TRACKER_FITBIT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum FitbitDocKind
{
	FITBIT_DOC_UNKNOWN = 0,
	FITBIT_API_HEART,			/* {"activities-heart": [...], ...} */
	FITBIT_EXPORT_HEART_RATE,	/* heart_rate-YYYY-MM-DD.json */
	FITBIT_EXPORT_ZONE_MINUTES, /* time_in_heart_rate_zones-*.json */
	FITBIT_EXPORT_RESTING_HR,	/* resting_heart_rate-*.json */
	/* sleep (fitbit_sleep.c) */
	FITBIT_API_SLEEP,			/* {"sleep": [...], ...} */
	FITBIT_EXPORT_SLEEP			/* sleep-YYYY-MM-DD.json */
} FitbitDocKind;

typedef enum FitbitErrorKind
{
	FITBIT_OK = 0,
	FITBIT_ERR_NOT_JSON,		/* the bytes are not JSON */
	FITBIT_ERR_SHAPE,			/* valid JSON of an unknown or wrong shape */
	FITBIT_ERR_TYPE,			/* a field has the wrong JSON type */
	FITBIT_ERR_RANGE,			/* a value is outside its allowed range */
	FITBIT_ERR_TIME,			/* a date or time that does not parse */
	FITBIT_ERR_NOMEM
} FitbitErrorKind;

typedef struct FitbitError
{
	FitbitErrorKind kind;
	char		path[256];		/* JSON path, e.g. $.dataset[12].value */
	char		message[256];	/* lower case, no trailing period */
} FitbitError;

typedef struct FitbitDate
{
	int			year;
	int			month;
	int			day;
} FitbitDate;

/* Zones in Tracker's order: out of range, fat burn, cardio, peak. */
#define FITBIT_ZONES 4

/* What a document says about one day, beside any samples. */
typedef struct FitbitDaySummary
{
	FitbitDate	date;
	bool		has_resting;
	double		resting_hr;		/* API: whole bpm; export: a float */
	bool		has_zone_bounds;
	int			zone_min[FITBIT_ZONES];
	int			zone_max[FITBIT_ZONES];
	bool		has_zone_minutes;
	double		zone_minutes[FITBIT_ZONES];
} FitbitDaySummary;

/*
 * Sleep stages in the Google Health API's names, which Tracker keeps:
 * Fitbit's wake and awake are AWAKE, light LIGHT, deep DEEP, rem REM,
 * asleep ASLEEP, restless RESTLESS.
 */
#define FITBIT_SLEEP_STAGES 6
extern const char *const fitbit_sleep_stage_names[FITBIT_SLEEP_STAGES];

/*
 * One entry of a sleep log's levels.data or levels.shortData: the local
 * clock time it starts (seconds since 1970-01-01 00:00 of the local clock,
 * the account's zone being unknown here), its length, and its position in
 * the JSON array.
 */
typedef struct FitbitSleepEntry
{
	int			stage;			/* index into fitbit_sleep_stage_names */
	int64_t		local;
	int64_t		seconds;
	size_t		index;
} FitbitSleepEntry;

/* One sleep log of the Web API or of an export file. */
typedef struct FitbitSleepLog
{
	int64_t		log_id;
	bool		main_sleep;		/* isMainSleep; true when absent */
	bool		classic;		/* type "classic" (else "stages") */
	int64_t		start_local;	/* startTime, local clock seconds */
	int64_t		end_local;		/* endTime, or -1 when absent */
	int64_t		duration_ms;	/* duration, or -1 when absent */
	int64_t		minutes_asleep; /* -1 when absent */
	int64_t		minutes_awake;
	int64_t		time_in_bed;
	int64_t		summary[FITBIT_SLEEP_STAGES];	/* levels.summary minutes, -1 */
	size_t		ndata;
	FitbitSleepEntry *data;		/* levels.data, in document order */
	size_t		nshort;
	FitbitSleepEntry *short_data;	/* levels.shortData: short wakes */
} FitbitSleepLog;

/* A stage interval of a sleep log in epoch seconds. */
typedef struct FitbitSleepSpan
{
	int			stage;
	int64_t		start;
	int64_t		end;
} FitbitSleepSpan;

typedef struct FitbitDoc
{
	FitbitDocKind kind;
	size_t		ndays;
	FitbitDaySummary *days;		/* API days; export zone/resting entries */

	/*
	 * Samples.  FITBIT_API_HEART: t is seconds since local midnight of
	 * days[0] (0..86399), in document order.  FITBIT_EXPORT_HEART_RATE: t is
	 * Unix epoch seconds (the export's times are UTC).
	 */
	size_t		nsamples;
	int64_t    *t;
	int16_t    *bpm;
	int8_t	   *confidence;		/* export only; -1 where absent */
	int			dataset_interval;	/* API intraday; 0 when absent */
	char		dataset_type[16];	/* API intraday: "second", "minute" */

	/* FITBIT_API_SLEEP, FITBIT_EXPORT_SLEEP */
	size_t		nsleep;
	FitbitSleepLog *sleep;
} FitbitDoc;

/* Valid heart rates; anything else rejects the document. */
#define FITBIT_MIN_BPM 20
#define FITBIT_MAX_BPM 250

/*
 * Detect the format of buf and parse it into doc.  name_hint is the file's
 * base name or NULL; it is used only to tell the kind of an empty export
 * array.  Returns FITBIT_OK, or an error kind with err filled in; doc is
 * left empty (freed) on error.
 */
extern FitbitErrorKind fitbit_parse(const char *buf, size_t len,
									const char *name_hint,
									FitbitDoc *doc, FitbitError *err);

/* Release everything doc owns; safe on a zeroed or already freed doc. */
extern void fitbit_doc_free(FitbitDoc *doc);

/* Short name of a kind, e.g. "fitbit_api_heart". */
extern const char *fitbit_doc_kind_name(FitbitDocKind kind);

/*
 * Sleep (fitbit_sleep.c).  fitbit_sleep_spans() turns a log's entries into
 * stage intervals once the caller has placed each entry's start in time
 * (data_at[i] for data[i], short_at[i] for short_data[i]): the short wakes
 * are cut out of the stages they lie in, every interval must lie within
 * [start, end), and no two may overlap.  Returns 0, or -1 with what went
 * wrong in why (a path below the log, then a message).  *spans is
 * malloc'd.  The readers are fitbit_parse()'s, for FITBIT_*_SLEEP.
 */
extern int	fitbit_sleep_spans(const FitbitSleepLog *log, const int64_t *data_at,
							   const int64_t *short_at, int64_t start, int64_t end,
							   FitbitSleepSpan **spans, size_t *nspans,
							   char *why, size_t why_size);
extern void fitbit_sleep_free(FitbitDoc *doc);
struct JsonCheck;
struct json_object;
extern int	fitbit_sleep_read_api(struct JsonCheck *jc, struct json_object *root,
								  FitbitDoc *doc);
extern int	fitbit_sleep_read_export(struct JsonCheck *jc, FitbitDoc *doc);

/* Activity files (fitbit_activity.c). */
typedef enum FitbitActivityKind
{
	FA_NONE = 0,
	FA_EXPORT_DISTANCE,			/* distance-YYYY-MM-DD.json, per minute, cm */
	FA_EXPORT_CALORIES,			/* calories-YYYY-MM-DD.json, per minute, kcal */
	FA_EXPORT_SEDENTARY,		/* sedentary_minutes-*.json, per day */
	FA_EXPORT_LIGHTLY,			/* lightly_active_minutes-*.json, per day */
	FA_EXPORT_MODERATELY,		/* moderately_active_minutes-*.json, per day */
	FA_EXPORT_VERY,				/* very_active_minutes-*.json, per day */
	FA_EXPORT_AZM_CSV,			/* Active Zone Minutes - YYYY-MM-DD.csv */
	FA_API_AZM					/* {"activities-active-zone-minutes": [...]} */
} FitbitActivityKind;

/*
 * One entry: a minute (secs = seconds after midnight of date: UTC for the
 * export's JSON files, local for its CSV) or a day (secs = -1).  value[0]
 * is millimeters, millikilocalories or minutes; AZM entries have a value
 * per zone (fat burn, cardio, peak), -1 where the entry has none.
 */
typedef struct FitbitActivityEntry
{
	FitbitDate	date;
	int			secs;
	int64_t		value[3];
} FitbitActivityEntry;

typedef struct FitbitActivity
{
	FitbitActivityKind kind;
	size_t		nentries;
	FitbitActivityEntry *entries;
} FitbitActivity;

extern FitbitActivityKind fitbit_activity_kind(const char *name,
											   const char *buf, size_t len);
extern const char *fitbit_activity_kind_name(FitbitActivityKind kind);
extern FitbitErrorKind fitbit_activity_parse(FitbitActivityKind kind,
											 const char *buf, size_t len,
											 FitbitActivity *act,
											 FitbitError *err);
extern void fitbit_activity_free(FitbitActivity *act);

/* ----------------------------------------------------------------------
 * Vitals and body measurements (fitbit_vitals_parse.c): saved Web API
 * responses (HRV, SpO2, breathing rate, cardio score) and the account
 * export's files (weight-*.json and the CSV files of HRV, SpO2, breathing
 * rate and skin temperature).
 * ----------------------------------------------------------------------
 */
typedef enum FitbitVitalsKind
{
	FV_DOC_UNKNOWN = 0,
	FV_API_HRV,					/* {"hrv": [...]}: summary or intraday */
	FV_API_SPO2,				/* {"dateTime", "value"|"minutes"}, or a list */
	FV_API_BREATHING,			/* {"br": [...]} */
	FV_API_CARDIO,				/* {"cardioScore": [...]} */
	FV_EXPORT_WEIGHT,			/* weight-YYYY-MM-DD.json */
	FV_CSV_HRV_SUMMARY,			/* Daily Heart Rate Variability Summary - *.csv */
	FV_CSV_HRV_DETAILS,			/* Heart Rate Variability Details - *.csv */
	FV_CSV_RESPIRATORY,			/* Daily Respiratory Rate Summary - *.csv */
	FV_CSV_SPO2_DAILY,			/* Daily SpO2 - *.csv */
	FV_CSV_SPO2_MINUTE,			/* Minute SpO2 - *.csv */
	FV_CSV_TEMPERATURE			/* Computed Temperature - *.csv */
} FitbitVitalsKind;

/* Where a row goes: the samples first, then the daily figures. */
typedef enum FitbitVitalTable
{
	FV_HRV,						/* rmssd */
	FV_SPO2,					/* percent */
	FV_RESPIRATORY,				/* full, deep, light, rem sleep bpm */
	FV_WEIGHT,					/* kg */
	FV_BODY_FAT,				/* percent */
	FV_VO2_MAX,
	FV_DAILY_HRV,				/* rmssd, deep sleep rmssd, entropy, non-REM bpm */
	FV_DAILY_SPO2,				/* average, lower, upper */
	FV_DAILY_RESPIRATORY,		/* breaths per minute */
	FV_DAILY_TEMPERATURE,		/* nightly, baseline (Celsius) */
	FV_DAILY_VO2_MAX			/* vo2 max; flag = estimated */
} FitbitVitalTable;

#define FV_DAILY_FIRST FV_DAILY_HRV
#define FITBIT_VITAL_VALUES 4

typedef struct FitbitVitalRow
{
	FitbitVitalTable table;
	bool		utc;			/* t is epoch seconds; else date + local t */
	FitbitDate	date;			/* local date (when not utc) */
	int64_t		t;				/* utc: epoch seconds; else seconds since
								 * local midnight of date */
	double		v[FITBIT_VITAL_VALUES]; /* NaN when absent */
	bool		manual;			/* a weigh-in entered by hand */
	bool		flag;			/* a VO2 max estimated (a range) */
	char		id[24];			/* a weigh-in's logId, or "" */
} FitbitVitalRow;

typedef struct FitbitVitalsDoc
{
	FitbitVitalsKind kind;
	size_t		nrows;
	FitbitVitalRow *rows;
} FitbitVitalsDoc;

/*
 * The kind of a document by its file name (the export's files) or its
 * first bytes (saved API responses); FV_DOC_UNKNOWN when neither says.
 */
extern FitbitVitalsKind fitbit_vitals_detect(const char *name_hint,
											 const char *head, size_t len);
extern FitbitErrorKind fitbit_vitals_parse(FitbitVitalsKind kind,
										   const char *buf, size_t len,
										   FitbitVitalsDoc *doc,
										   FitbitError *err);
extern void fitbit_vitals_free(FitbitVitalsDoc *doc);
extern const char *fitbit_vitals_kind_name(FitbitVitalsKind kind);

#endif							/* TRACKER_FITBIT_PARSE_H */
