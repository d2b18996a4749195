/*-------------------------------------------------------------------------
 *
 * fitbit_parse.c
 *	  Parse and validate saved Fitbit Web API heart-rate responses and the
 *	  heart-rate files of a Fitbit account export (sleep: fitbit_sleep.c).
 *
 * The work happens in the three steps of json_check.c:
 *
 * 1. jc_scan() checks the bytes against RFC 8259 and reports the byte
 *	  offset of the first problem.  While it scans it also locates the one
 *	  large array of a document (the intraday "dataset" of an API response,
 *	  or the top-level array of an export file) and cuts it into chunks of
 *	  BULK_CHUNK elements.
 *
 * 2. json-c builds trees: one for the document with the large array cut
 *	  out, and one per chunk of the large array.  A 1.28 MB day parses in
 *	  about 18 ms this way; building one tree for the whole day takes about
 *	  48 ms, mostly in glibc's malloc and free consolidating the many small
 *	  blocks json-c allocates, while chunk trees stay small and warm in
 *	  cache.
 *
 * 3. The readers below walk the trees, check every field they use for
 *	  presence, type and range, and fill the FitbitDoc.  Unknown members
 *	  are ignored.  The first problem stops the parse and is reported with
 *	  a JSON path such as $["activities-heart-intraday"].dataset[12].value.
 *
 * Duplicate member names follow json-c: the last one wins.  Nesting deeper
 * than JC_MAX_DEPTH is reported only once the whole input is known to be
 * JSON (JC_DEPTH_AFTER_SCAN).  No locale, time zone or libc date function
 * is used: dates are checked and converted by hand.
 *
 * src/providers/fitbit_parse.c
 *
 *-------------------------------------------------------------------------
 */
#include "providers/fitbit_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/json_check.h"

/* Elements of the large array handed to json-c at a time. */
#define BULK_CHUNK 256

/* Ranges of the checked fields. */
#define ZONE_BOUND_MAX 300
#define ZONE_MINUTES_MAX 1500.0
#define CALORIES_MAX 100000.0
#define API_RESTING_MIN 20
#define API_RESTING_MAX 250
#define EXPORT_RESTING_MAX 250.0
#define LEGACY_VALUE_MAX 250.0
#define CONFIDENCE_MAX 3
#define INTERVAL_MAX 1440

/* Errors come back as JcKinds, which FitbitErrorKind matches one for one. */
_Static_assert((int) FITBIT_ERR_NOT_JSON == (int) JC_ERR_NOT_JSON &&
			   (int) FITBIT_ERR_SHAPE == (int) JC_ERR_SHAPE &&
			   (int) FITBIT_ERR_TYPE == (int) JC_ERR_TYPE &&
			   (int) FITBIT_ERR_RANGE == (int) JC_ERR_RANGE &&
			   (int) FITBIT_ERR_TIME == (int) JC_ERR_TIME &&
			   (int) FITBIT_ERR_NOMEM == (int) JC_ERR_NOMEM,
			   "FitbitErrorKind must match JcKind");

typedef struct ParseCtx
{
	JsonCheck	jc;
	FitbitDoc  *doc;
} ParseCtx;

/* Tracker's zone order, as named by the Web API and by the export. */
static const char *const api_zone_names[FITBIT_ZONES] = {
	"Out of Range", "Fat Burn", "Cardio", "Peak"
};
static const char *const export_zone_keys[FITBIT_ZONES] = {
	"BELOW_DEFAULT_ZONE_1", "IN_DEFAULT_ZONE_1",
	"IN_DEFAULT_ZONE_2", "IN_DEFAULT_ZONE_3"
};

static const char intraday_key[] = "activities-heart-intraday";
static const char dataset_key[] = "dataset";

/*
 * The large array: the top-level array of an export file, or the last
 * "dataset" array of the last "activities-heart-intraday" object of an
 * API response.
 */
static const JcBulk fitbit_bulk = {
	true, 2, {intraday_key, dataset_key}, BULK_CHUNK
};


/* ----------------------------------------------------------------------
 * Dates and times, without libc's time functions
 * ----------------------------------------------------------------------
 */

/* Parse exactly "HH:MM:SS"; returns seconds since midnight or -1. */
static int
parse_clock(const char *s, size_t len)
{
	int			h,
				m,
				sec;

	if (len != 8 || s[2] != ':' || s[5] != ':')
		return -1;
	h = jc_two_digits(s);
	m = jc_two_digits(s + 3);
	sec = jc_two_digits(s + 6);
	if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59)
		return -1;
	return h * 3600 + m * 60 + sec;
}

/* Parse exactly "YYYY-MM-DD" into a real date. */
static bool
parse_iso_date(const char *s, size_t len, FitbitDate *date)
{
	int			c1,
				c2,
				m,
				d;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return false;
	c1 = jc_two_digits(s);
	c2 = jc_two_digits(s + 2);
	m = jc_two_digits(s + 5);
	d = jc_two_digits(s + 8);
	if (c1 < 0 || c2 < 0 || m < 0 || d < 0 ||
		!jc_valid_date(c1 * 100 + c2, m, d))
		return false;
	date->year = c1 * 100 + c2;
	date->month = m;
	date->day = d;
	return true;
}

/*
 * Parse the export's "MM/DD/YY" (len 8) or "MM/DD/YY HH:MM:SS" (len 17);
 * YY is 20YY.  *secs gets the time of day, 0 for a bare date.
 */
static bool
parse_us_datetime(const char *s, size_t len, bool with_time,
				  FitbitDate *date, int *secs)
{
	int			m,
				d,
				y;

	if (len != (with_time ? 17 : 8) || s[2] != '/' || s[5] != '/')
		return false;
	m = jc_two_digits(s);
	d = jc_two_digits(s + 3);
	y = jc_two_digits(s + 6);
	if (m < 0 || d < 0 || y < 0 || !jc_valid_date(2000 + y, m, d))
		return false;
	*secs = 0;
	if (with_time)
	{
		if (s[8] != ' ')
			return false;
		*secs = parse_clock(s + 9, 8);
		if (*secs < 0)
			return false;
	}
	date->year = 2000 + y;
	date->month = m;
	date->day = d;
	return true;
}

/*
 * Parse a plain decimal such as "55.44" (no exponent, at most 32 bytes).
 * Done by hand because strtod() follows LC_NUMERIC.
 */
static bool
parse_decimal(const char *s, size_t len, double *out)
{
	double		v = 0;
	double		scale = 1;
	size_t		i = 0;
	size_t		digits = 0;
	bool		neg = false;

	if (len > 32)
		return false;
	if (i < len && s[i] == '-')
	{
		neg = true;
		i++;
	}
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
		v = v * 10 + (s[i] - '0');
	if (digits == 0)
		return false;
	if (i < len && s[i] == '.')
	{
		size_t		frac = 0;

		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, frac++)
		{
			scale /= 10;
			v += (s[i] - '0') * scale;
		}
		if (frac == 0)
			return false;
	}
	if (i != len)
		return false;
	*out = neg ? -v : v;
	return true;
}


/* ----------------------------------------------------------------------
 * Web API responses
 * ----------------------------------------------------------------------
 */

/*
 * Check one heart-rate zone object ({name, min, max, minutes,
 * caloriesOut}) and return its figures; the name is checked by the
 * caller.
 */
static JcKind
read_zone(JsonCheck *jc, json_object *z, const JcPath *at, const char *label,
		  int *zmin, int *zmax, double *minutes)
{
	JcKind		rc;
	int64_t		lo,
				hi;
	json_object *cal;
	double		ignored;

	if ((rc = jc_member_int(jc, z, at, "min", true, 0, ZONE_BOUND_MAX,
							&lo)) != JC_OK ||
		(rc = jc_member_int(jc, z, at, "max", true, 0, ZONE_BOUND_MAX,
							&hi)) != JC_OK)
		return rc;
	if (lo >= hi)
		return jc_fail(jc, JC_ERR_RANGE, at,
					   "zone %s min %lld is not below max %lld", label,
					   (long long) lo, (long long) hi);
	rc = jc_member_number(jc, z, at, "minutes", true, 0, ZONE_MINUTES_MAX,
						  minutes);
	if (rc != JC_OK)
		return rc;
	rc = jc_get_member(jc, z, at, "caloriesOut", false, &cal);
	if (rc == JC_OK && cal != NULL)
	{
		JcPath		mp = {at, "caloriesOut", 0};

		rc = jc_check_number(jc, cal, &mp, "caloriesOut", 0, CALORIES_MAX,
							 &ignored);
	}
	if (rc != JC_OK)
		return rc;
	*zmin = (int) lo;
	*zmax = (int) hi;
	return JC_OK;
}

/*
 * Read heartRateZones: exactly the four named default zones, in any
 * order, into day's bounds and minutes.
 */
static JcKind
read_default_zones(JsonCheck *jc, json_object *arr, const JcPath *at,
				   FitbitDaySummary *day)
{
	bool		seen[FITBIT_ZONES] = {false, false, false, false};
	size_t		n;
	size_t		i;
	int			k;
	JcKind		rc;

	rc = jc_check_array(jc, arr, at, "heartRateZones");
	if (rc != JC_OK)
		return rc;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++)
	{
		json_object *z = json_object_array_get_idx(arr, i);
		JcPath		zp = {at, NULL, i};
		JcPath		np = {&zp, "name", 0};
		json_object *name;
		char		d[JC_DESC_SIZE];
		char		label[32];

		rc = jc_element_name(jc, z, &zp, "zone", "name", api_zone_names,
							 FITBIT_ZONES, &name, &k);
		if (rc != JC_OK)
			return rc;
		if (k < 0)
			return jc_fail(jc, JC_ERR_SHAPE, &np,
						   "zone name %s is not one of \"Out of Range\", \"Fat Burn\", \"Cardio\", \"Peak\"",
						   jc_describe(jc, name, d, sizeof(d)));
		if (seen[k])
			return jc_fail(jc, JC_ERR_SHAPE, &np,
						   "zone \"%s\" appears more than once",
						   api_zone_names[k]);
		seen[k] = true;
		snprintf(label, sizeof(label), "\"%s\"", api_zone_names[k]);
		rc = read_zone(jc, z, &zp, label, &day->zone_min[k],
					   &day->zone_max[k], &day->zone_minutes[k]);
		if (rc != JC_OK)
			return rc;
	}
	for (k = 0; k < FITBIT_ZONES; k++)
	{
		if (!seen[k])
			return jc_fail(jc, JC_ERR_SHAPE, at, "zone \"%s\" is missing",
						   api_zone_names[k]);
	}
	day->has_zone_bounds = true;
	day->has_zone_minutes = true;
	return JC_OK;
}

/*
 * Check customHeartRateZones.  The header has no place for the user's
 * custom zone, so it is validated and then dropped.
 */
static JcKind
read_custom_zones(JsonCheck *jc, json_object *arr, const JcPath *at)
{
	size_t		n;
	size_t		i;
	JcKind		rc;

	rc = jc_check_array(jc, arr, at, "customHeartRateZones");
	if (rc != JC_OK)
		return rc;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++)
	{
		json_object *z = json_object_array_get_idx(arr, i);
		JcPath		zp = {at, NULL, i};
		json_object *name;
		int			k;
		int			zmin,
					zmax;
		double		minutes;

		/* any name will do: the custom zone has none of its own */
		if ((rc = jc_element_name(jc, z, &zp, "zone", "name", NULL, 0,
								  &name, &k)) != JC_OK ||
			(rc = read_zone(jc, z, &zp, "custom", &zmin, &zmax, &minutes)) != JC_OK)
			return rc;
	}
	return JC_OK;
}

/*
 * Read one element of activities-heart.  Two shapes exist: the current
 * one keeps heartRateZones and restingHeartRate inside a "value" object;
 * responses of the 1.1-era clients put heartRateZones beside dateTime and
 * make "value" a decimal string such as "55.44" (or a number).  What that
 * decimal means is not documented, so it is only checked.
 */
static JcKind
read_api_day(void *arg, json_object *elem, const JcPath *at, size_t index)
{
	ParseCtx   *cx = arg;
	JsonCheck  *jc = &cx->jc;
	FitbitDaySummary *day = &cx->doc->days[index];
	JcPath		dp = {at, "dateTime", 0};
	JcPath		vp = {at, "value", 0};
	const JcPath *hp;
	JcPath		zp,
				cp,
				rp;
	json_object *v;
	json_object *value;
	json_object *holder;
	json_object *zones;
	json_object *beside;
	json_object *custom;
	json_object *resting;
	const char *s;
	size_t		slen;
	int64_t		rhr;
	char		d[JC_DESC_SIZE];
	JcKind		rc;

	if ((rc = jc_check_object(jc, elem, at, "day")) != JC_OK ||
		(rc = jc_member_chars(jc, elem, at, "dateTime", &v, &s, &slen)) != JC_OK)
		return rc;
	if (!parse_iso_date(s, slen, &day->date))
		return jc_fail(jc, JC_ERR_TIME, &dp,
					   "dateTime %s is not a valid yyyy-mm-dd date",
					   jc_describe(jc, v, d, sizeof(d)));

	rc = jc_get_member(jc, elem, at, "value", true, &value);
	if (rc != JC_OK)
		return rc;
	rc = jc_get_member(jc, elem, at, "heartRateZones", false, &beside);
	if (rc != JC_OK)
		return rc;
	if (json_object_is_type(value, json_type_object))
	{
		if (beside != NULL)
		{
			JcPath		bp = {at, "heartRateZones", 0};

			return jc_fail(jc, JC_ERR_SHAPE, &bp,
						   "heartRateZones appears both beside and inside value");
		}
		holder = value;
	}
	else if (json_object_is_type(value, json_type_string))
	{
		double		x;

		if (!parse_decimal(json_object_get_string(value),
						   (size_t) json_object_get_string_len(value), &x))
			return jc_fail(jc, JC_ERR_TYPE, &vp,
						   "value %s is neither an object nor a decimal",
						   jc_describe(jc, value, d, sizeof(d)));
		if (!(x >= 0 && x <= LEGACY_VALUE_MAX))
			return jc_fail(jc, JC_ERR_RANGE, &vp,
						   "value %s is outside 0..%g",
						   jc_describe(jc, value, d, sizeof(d)),
						   LEGACY_VALUE_MAX);
		holder = elem;
	}
	else if (json_object_is_type(value, json_type_int) ||
			 json_object_is_type(value, json_type_double))
	{
		double		ignored;

		rc = jc_check_number(jc, value, &vp, "value", 0, LEGACY_VALUE_MAX,
							 &ignored);
		if (rc != JC_OK)
			return rc;
		holder = elem;
	}
	else
		return jc_fail(jc, JC_ERR_TYPE, &vp, "value %s is not an object",
					   jc_describe(jc, value, d, sizeof(d)));

	/* the zones and resting figure live in whichever object holds them */
	hp = holder == elem ? at : &vp;
	zp = (JcPath) {hp, "heartRateZones", 0};
	cp = (JcPath) {hp, "customHeartRateZones", 0};
	rp = (JcPath) {hp, "restingHeartRate", 0};

	if ((rc = jc_get_member(jc, holder, hp, "heartRateZones", true, &zones)) != JC_OK ||
		(rc = read_default_zones(jc, zones, &zp, day)) != JC_OK)
		return rc;
	rc = jc_get_member(jc, holder, hp, "customHeartRateZones", false, &custom);
	if (rc == JC_OK && custom != NULL)
		rc = read_custom_zones(jc, custom, &cp);
	if (rc != JC_OK)
		return rc;
	rc = jc_get_member(jc, holder, hp, "restingHeartRate", false, &resting);
	if (rc == JC_OK && resting != NULL)
	{
		rc = jc_check_int(jc, resting, &rp, "restingHeartRate",
						  API_RESTING_MIN, API_RESTING_MAX, &rhr);
		if (rc == JC_OK)
		{
			day->has_resting = true;
			day->resting_hr = (double) rhr;
		}
	}
	return rc;
}

/* Read one intraday sample {time, value}; t is seconds since midnight. */
static JcKind
read_api_sample(void *arg, json_object *elem, const JcPath *at,
				size_t index)
{
	ParseCtx   *cx = arg;
	JsonCheck  *jc = &cx->jc;
	FitbitDoc  *doc = cx->doc;
	JcPath		tp = {at, "time", 0};
	json_object *v;
	const char *s;
	size_t		slen;
	int			secs;
	int64_t		bpm;
	char		d[JC_DESC_SIZE];
	JcKind		rc;

	if ((rc = jc_check_object(jc, elem, at, "sample")) != JC_OK ||
		(rc = jc_member_chars(jc, elem, at, "time", &v, &s, &slen)) != JC_OK)
		return rc;
	secs = parse_clock(s, slen);
	if (secs < 0)
		return jc_fail(jc, JC_ERR_TIME, &tp,
					   "time %s is not a valid hh:mm:ss time",
					   jc_describe(jc, v, d, sizeof(d)));
	rc = jc_member_int(jc, elem, at, "value", true, FITBIT_MIN_BPM,
					   FITBIT_MAX_BPM, &bpm);
	if (rc != JC_OK)
		return rc;
	doc->t[index] = secs;
	doc->bpm[index] = (int16_t) bpm;
	doc->confidence[index] = -1;
	return JC_OK;
}

/* Allocate the sample arrays for n samples; nothing is allocated for 0. */
static JcKind
alloc_samples(ParseCtx *cx, size_t n)
{
	FitbitDoc  *doc = cx->doc;

	if (n == 0)
		return JC_OK;
	if (n > SIZE_MAX / sizeof(int64_t))
		return jc_fail_nomem(&cx->jc, &jc_root);
	doc->t = malloc(n * sizeof(int64_t));
	doc->bpm = malloc(n * sizeof(int16_t));
	doc->confidence = malloc(n * sizeof(int8_t));
	if (doc->t == NULL || doc->bpm == NULL || doc->confidence == NULL)
		return jc_fail_nomem(&cx->jc, &jc_root);
	doc->nsamples = n;
	return JC_OK;
}

/* Allocate n zeroed day summaries. */
static JcKind
alloc_days(ParseCtx *cx, size_t n)
{
	if (n == 0)
		return JC_OK;
	cx->doc->days = calloc(n, sizeof(FitbitDaySummary));
	if (cx->doc->days == NULL)
		return jc_fail_nomem(&cx->jc, &jc_root);
	cx->doc->ndays = n;
	return JC_OK;
}

/*
 * Read activities-heart-intraday.  Its dataset is either the bulk array
 * the scanner cut out (then the tree holds an empty placeholder) or, when
 * the scanner could not be sure which member json-c would keep, a plain
 * json-c array.
 */
static JcKind
read_api_intraday(ParseCtx *cx, json_object *intraday, const JcPath *at)
{
	JsonCheck  *jc = &cx->jc;
	FitbitDoc  *doc = cx->doc;
	JcPath		sp = {at, "dataset", 0};
	JcPath		tp = {at, "datasetType", 0};
	JcPath		ip = {at, "datasetInterval", 0};
	json_object *dataset;
	json_object *v;
	char		d[JC_DESC_SIZE];
	size_t		n;
	JcKind		rc;

	rc = jc_check_object(jc, intraday, at, intraday_key);
	if (rc != JC_OK)
		return rc;
	if (doc->ndays != 1)
		return jc_fail(jc, JC_ERR_SHAPE, at,
					   "intraday data needs exactly one day in activities-heart, not %zu",
					   doc->ndays);

	rc = jc_get_member(jc, intraday, at, "datasetType", false, &v);
	if (rc == JC_OK && v != NULL)
	{
		const char *s;
		size_t		slen;

		rc = jc_check_string(jc, v, &tp, "datasetType", &s, &slen);
		if (rc != JC_OK)
			return rc;
		if (!(slen == 6 && (memcmp(s, "second", 6) == 0 ||
							memcmp(s, "minute", 6) == 0)))
			return jc_fail(jc, JC_ERR_RANGE, &tp,
						   "datasetType %s is not \"second\" or \"minute\"",
						   jc_describe(jc, v, d, sizeof(d)));
		memcpy(doc->dataset_type, s, slen + 1);
	}
	if (rc != JC_OK)
		return rc;
	rc = jc_get_member(jc, intraday, at, "datasetInterval", false, &v);
	if (rc == JC_OK && v != NULL)
	{
		int64_t		interval;

		rc = jc_check_int(jc, v, &ip, "datasetInterval", 1, INTERVAL_MAX,
						  &interval);
		if (rc == JC_OK)
			doc->dataset_interval = (int) interval;
	}
	if (rc != JC_OK)
		return rc;

	if ((rc = jc_get_member(jc, intraday, at, "dataset", true, &dataset)) != JC_OK ||
		(rc = jc_check_array(jc, dataset, &sp, "dataset")) != JC_OK)
		return rc;
	if ((rc = jc_bulk_length(jc, dataset, &sp, "the dataset", &n)) != JC_OK ||
		(rc = alloc_samples(cx, n)) != JC_OK)
		return rc;
	if (jc_bulk_cut(jc))
		return jc_walk_bulk(jc, &sp, read_api_sample, cx);
	return jc_walk_array(dataset, &sp, read_api_sample, cx);
}

/*
 * Read a Web API heart-rate response: one or more days of summaries and,
 * for a single day, optional intraday samples.
 */
static JcKind
read_api(ParseCtx *cx)
{
	JsonCheck  *jc = &cx->jc;
	JcPath		ap = {&jc_root, "activities-heart", 0};
	JcPath		ip = {&jc_root, intraday_key, 0};
	json_object *root = NULL;
	json_object *days;
	json_object *intraday;
	JcKind		rc;

	/* parse the document with the bulk array cut out, if there is one */
	rc = jc_parse_skeleton(jc, &root);
	if (rc != JC_OK)
		return rc;

	if (!json_object_object_get_ex(root, "activities-heart", &days) &&
		json_object_object_get_ex(root, "sleep", &days))
	{
		rc = (JcKind) fitbit_sleep_read_api(jc, root, cx->doc);
		goto out;
	}
	if (!json_object_object_get_ex(root, "activities-heart", &days))
	{
		json_object *errors;

		if (json_object_object_get_ex(root, "errors", &errors))
			rc = jc_fail(jc, JC_ERR_SHAPE, &jc_root,
						 "a fitbit api error response, not heart-rate data");
		else
			rc = jc_fail(jc, JC_ERR_SHAPE, &jc_root,
						 "object has no \"activities-heart\" member");
		goto out;
	}
	cx->doc->kind = FITBIT_API_HEART;
	if ((rc = jc_check_array(jc, days, &ap, "activities-heart")) != JC_OK)
		goto out;
	if (json_object_array_length(days) == 0)
	{
		rc = jc_fail(jc, JC_ERR_SHAPE, &ap, "activities-heart is empty");
		goto out;
	}
	if ((rc = alloc_days(cx, json_object_array_length(days))) != JC_OK ||
		(rc = jc_walk_array(days, &ap, read_api_day, cx)) != JC_OK)
		goto out;

	rc = jc_get_member(jc, root, &jc_root, intraday_key, false, &intraday);
	if (rc == JC_OK && intraday != NULL)
		rc = read_api_intraday(cx, intraday, &ip);

out:
	json_object_put(root);
	return rc;
}


/* ----------------------------------------------------------------------
 * Account export files
 * ----------------------------------------------------------------------
 */

/* Fetch element.value and check that it is an object. */
static JcKind
export_value(JsonCheck *jc, json_object *elem, const JcPath *at,
			 json_object **value)
{
	JcPath		vp = {at, "value", 0};
	JcKind		rc;

	if ((rc = jc_check_object(jc, elem, at, "entry")) != JC_OK ||
		(rc = jc_get_member(jc, elem, at, "value", true, value)) != JC_OK)
		return rc;
	return jc_check_object(jc, *value, &vp, "value");
}

/* Fetch and parse element.dateTime, "MM/DD/YY HH:MM:SS". */
static JcKind
export_datetime(JsonCheck *jc, json_object *elem, const JcPath *at,
				FitbitDate *date, int *secs)
{
	JcPath		dp = {at, "dateTime", 0};
	json_object *v;
	const char *s;
	size_t		slen;
	char		d[JC_DESC_SIZE];
	JcKind		rc;

	if ((rc = jc_member_chars(jc, elem, at, "dateTime", &v, &s, &slen)) != JC_OK)
		return rc;
	if (!parse_us_datetime(s, slen, true, date, secs))
		return jc_fail(jc, JC_ERR_TIME, &dp,
					   "dateTime %s is not a valid mm/dd/yy hh:mm:ss time",
					   jc_describe(jc, v, d, sizeof(d)));
	return JC_OK;
}

/* Read one heart_rate-*.json sample; t is Unix epoch seconds (UTC). */
static JcKind
read_export_sample(void *arg, json_object *elem, const JcPath *at,
				   size_t index)
{
	ParseCtx   *cx = arg;
	JsonCheck  *jc = &cx->jc;
	FitbitDoc  *doc = cx->doc;
	JcPath		vp = {at, "value", 0};
	json_object *value;
	FitbitDate	date;
	int			secs;
	int64_t		bpm;
	int64_t		conf;
	JcKind		rc;

	if ((rc = export_value(jc, elem, at, &value)) != JC_OK ||
		(rc = export_datetime(jc, elem, at, &date, &secs)) != JC_OK ||
		(rc = jc_member_int(jc, value, &vp, "bpm", true, FITBIT_MIN_BPM,
							FITBIT_MAX_BPM, &bpm)) != JC_OK ||
		(rc = jc_member_int(jc, value, &vp, "confidence", true, 0,
							CONFIDENCE_MAX, &conf)) != JC_OK)
		return rc;
	doc->t[index] =
		jc_days_from_civil(date.year, date.month, date.day) * 86400 + secs;
	doc->bpm[index] = (int16_t) bpm;
	doc->confidence[index] = (int8_t) conf;
	return JC_OK;
}

/* Read one time_in_heart_rate_zones-*.json day. */
static JcKind
read_export_zones(void *arg, json_object *elem, const JcPath *at,
				  size_t index)
{
	ParseCtx   *cx = arg;
	JsonCheck  *jc = &cx->jc;
	FitbitDaySummary *day = &cx->doc->days[index];
	JcPath		vp = {at, "value", 0};
	JcPath		zp = {&vp, "valuesInZones", 0};
	json_object *value;
	json_object *zones;
	int			secs;
	int			k;
	JcKind		rc;

	if ((rc = export_value(jc, elem, at, &value)) != JC_OK ||
		(rc = export_datetime(jc, elem, at, &day->date, &secs)) != JC_OK ||
		(rc = jc_get_member(jc, value, &vp, "valuesInZones", true, &zones)) != JC_OK ||
		(rc = jc_check_object(jc, zones, &zp, "valuesInZones")) != JC_OK)
		return rc;
	for (k = 0; k < FITBIT_ZONES; k++)
	{
		JcPath		kp = {&zp, export_zone_keys[k], 0};
		json_object *v;
		char		label[48];

		/* messages start with "zone minutes", keeping them lower case */
		snprintf(label, sizeof(label), "zone minutes %s", export_zone_keys[k]);
		if (!json_object_object_get_ex(zones, export_zone_keys[k], &v))
			return jc_fail(jc, JC_ERR_SHAPE, &kp, "%s is missing", label);
		rc = jc_check_number(jc, v, &kp, label, 0, ZONE_MINUTES_MAX,
							 &day->zone_minutes[k]);
		if (rc != JC_OK)
			return rc;
	}
	day->has_zone_minutes = true;
	return JC_OK;
}

/*
 * Read one resting_heart_rate-*.json day.  A day without a figure has
 * "date": null and "value": 0.0; it is kept with has_resting false.
 */
static JcKind
read_export_resting(void *arg, json_object *elem, const JcPath *at,
					size_t index)
{
	ParseCtx   *cx = arg;
	JsonCheck  *jc = &cx->jc;
	FitbitDaySummary *day = &cx->doc->days[index];
	JcPath		vp = {at, "value", 0};
	JcPath		dp = {&vp, "date", 0};
	JcPath		ep = {&vp, "error", 0};
	json_object *value;
	json_object *date;
	json_object *error;
	FitbitDate	inner;
	int			secs;
	double		rhr;
	double		ignored;
	char		d[JC_DESC_SIZE];
	JcKind		rc;

	if ((rc = export_value(jc, elem, at, &value)) != JC_OK ||
		(rc = export_datetime(jc, elem, at, &day->date, &secs)) != JC_OK ||
		(rc = jc_get_member(jc, value, &vp, "date", true, &date)) != JC_OK)
		return rc;
	if (!json_object_is_type(date, json_type_null))
	{
		const char *s;
		size_t		slen;

		rc = jc_check_string(jc, date, &dp, "date", &s, &slen);
		if (rc != JC_OK)
			return rc;
		if (!parse_us_datetime(s, slen, false, &inner, &secs))
			return jc_fail(jc, JC_ERR_TIME, &dp,
						   "date %s is not a valid mm/dd/yy date",
						   jc_describe(jc, date, d, sizeof(d)));
	}
	if ((rc = jc_member_number(jc, value, &vp, "value", true, 0,
							   EXPORT_RESTING_MAX, &rhr)) != JC_OK ||
		(rc = jc_get_member(jc, value, &vp, "error", true, &error)) != JC_OK)
		return rc;
	if (!json_object_is_type(error, json_type_null))
	{
		rc = jc_check_number(jc, error, &ep, "error", 0, EXPORT_RESTING_MAX,
							 &ignored);
		if (rc != JC_OK)
			return rc;
	}
	if (!json_object_is_type(date, json_type_null) && rhr > 0)
	{
		day->has_resting = true;
		day->resting_hr = rhr;
	}
	return JC_OK;
}

/* Tell an export file's kind from its base name. */
static FitbitDocKind
kind_from_name(const char *name)
{
	const char *slash;

	if (name == NULL)
		return FITBIT_DOC_UNKNOWN;
	slash = strrchr(name, '/');
	if (slash != NULL)
		name = slash + 1;
	if (strncmp(name, "heart_rate-", 11) == 0)
		return FITBIT_EXPORT_HEART_RATE;
	if (strncmp(name, "time_in_heart_rate_zones-", 25) == 0)
		return FITBIT_EXPORT_ZONE_MINUTES;
	if (strncmp(name, "resting_heart_rate-", 19) == 0)
		return FITBIT_EXPORT_RESTING_HR;
	if (strncmp(name, "sleep-", 6) == 0)
		return FITBIT_EXPORT_SLEEP;
	return FITBIT_DOC_UNKNOWN;
}

/* Tell an export file's kind from its first element. */
static JcKind
detect_export(JsonCheck *jc, FitbitDocKind *kind)
{
	JcPath		at = {&jc_root, NULL, 0};
	JcPath		vp = {&at, "value", 0};
	json_object *arr;
	json_object *first;
	json_object *value;
	json_object *ignored;
	char		d[JC_DESC_SIZE];
	JcKind		rc;

	rc = jc_parse_chunk(jc, 0, &arr);
	if (rc != JC_OK)
		return rc;
	first = json_object_array_get_idx(arr, 0);
	if (!json_object_is_type(first, json_type_object))
		rc = jc_fail(jc, JC_ERR_SHAPE, &at,
					 "array element %s is not a fitbit export entry",
					 jc_describe(jc, first, d, sizeof(d)));
	else if (json_object_object_get_ex(first, "logId", &ignored))
		*kind = FITBIT_EXPORT_SLEEP;
	else if (!json_object_object_get_ex(first, "value", &value) ||
			 !json_object_is_type(value, json_type_object))
		rc = jc_fail(jc, JC_ERR_SHAPE, &at,
					 "array element has no value object, so it is not a fitbit export entry");
	else if (json_object_object_get_ex(value, "bpm", &ignored))
		*kind = FITBIT_EXPORT_HEART_RATE;
	else if (json_object_object_get_ex(value, "valuesInZones", &ignored))
		*kind = FITBIT_EXPORT_ZONE_MINUTES;
	else if (json_object_object_get_ex(value, "value", &ignored))
		*kind = FITBIT_EXPORT_RESTING_HR;
	else
		rc = jc_fail(jc, JC_ERR_SHAPE, &vp,
					 "value has none of bpm, valuesInZones or value, so it is not a fitbit export entry");
	json_object_put(arr);
	return rc;
}

/* Read an account export file, a top-level array. */
static JcKind
read_export(ParseCtx *cx, const char *name_hint)
{
	JsonCheck  *jc = &cx->jc;
	FitbitDoc  *doc = cx->doc;
	size_t		n = jc->scan.bulk_count;
	FitbitDocKind kind = FITBIT_DOC_UNKNOWN;
	JcKind		rc;

	if (n == 0)
	{
		kind = kind_from_name(name_hint);
		if (kind == FITBIT_DOC_UNKNOWN)
			return jc_fail(jc, JC_ERR_SHAPE, &jc_root,
						   "empty array, and the file name does not tell which export it is");
		doc->kind = kind;
		return JC_OK;
	}
	rc = detect_export(jc, &kind);
	if (rc != JC_OK)
		return rc;
	doc->kind = kind;
	if (kind == FITBIT_EXPORT_SLEEP)
		return (JcKind) fitbit_sleep_read_export(jc, doc);
	if (kind == FITBIT_EXPORT_HEART_RATE)
	{
		rc = alloc_samples(cx, n);
		if (rc != JC_OK)
			return rc;
		return jc_walk_bulk(jc, &jc_root, read_export_sample, cx);
	}
	rc = alloc_days(cx, n);
	if (rc != JC_OK)
		return rc;
	if (kind == FITBIT_EXPORT_ZONE_MINUTES)
		return jc_walk_bulk(jc, &jc_root, read_export_zones, cx);
	return jc_walk_bulk(jc, &jc_root, read_export_resting, cx);
}


/* ----------------------------------------------------------------------
 * Entry points
 * ----------------------------------------------------------------------
 */

/*
 * Detect the format of buf and parse it into doc (see fitbit_parse.h).
 * doc is overwritten, not freed first.
 */
FitbitErrorKind
fitbit_parse(const char *buf, size_t len, const char *name_hint,
			 FitbitDoc *doc, FitbitError *err)
{
	FitbitError local_err;
	ParseCtx	cx;
	JcKind		rc;

	if (err == NULL)
		err = &local_err;
	memset(err, 0, sizeof(*err));
	memset(doc, 0, sizeof(*doc));
	jc_init(&cx.jc, buf, len, JC_DEPTH_AFTER_SCAN, err->path,
			sizeof(err->path), err->message, sizeof(err->message));
	cx.doc = doc;

	rc = jc_scan(&cx.jc, &fitbit_bulk);
	if (rc == JC_OK)
		rc = jc_require_root(&cx.jc, true, "a fitbit document");
	if (rc == JC_OK)
	{
		if (cx.jc.scan.root == '{')
			rc = read_api(&cx);
		else
			rc = read_export(&cx, name_hint);
	}

	jc_done(&cx.jc);
	if (rc != JC_OK)
		fitbit_doc_free(doc);
	err->kind = (FitbitErrorKind) cx.jc.kind;
	return (FitbitErrorKind) rc;
}

/* Release everything doc owns and leave it zeroed, so a second call is safe. */
void
fitbit_doc_free(FitbitDoc *doc)
{
	if (doc == NULL)
		return;
	free(doc->days);
	free(doc->t);
	free(doc->bpm);
	free(doc->confidence);
	fitbit_sleep_free(doc);
	memset(doc, 0, sizeof(*doc));
}

/* Short, stable name of a kind for logs and SQL output. */
const char *
fitbit_doc_kind_name(FitbitDocKind kind)
{
	switch (kind)
	{
		case FITBIT_API_HEART:
			return "fitbit_api_heart";
		case FITBIT_EXPORT_HEART_RATE:
			return "fitbit_export_heart_rate";
		case FITBIT_EXPORT_ZONE_MINUTES:
			return "fitbit_export_zone_minutes";
		case FITBIT_EXPORT_RESTING_HR:
			return "fitbit_export_resting_hr";
		case FITBIT_API_SLEEP:
			return "fitbit_api_sleep";
		case FITBIT_EXPORT_SLEEP:
			return "fitbit_export_sleep";
		case FITBIT_DOC_UNKNOWN:
			break;
	}
	return "unknown";
}
