/*-------------------------------------------------------------------------
 *
 * fitbit_parse.h
 *	  Parse and validate the Fitbit formats Tracker imports: saved Fitbit Web
 *	  API heart-rate responses and the files of a Fitbit account export.
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
	FITBIT_EXPORT_RESTING_HR	/* resting_heart_rate-*.json */
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
