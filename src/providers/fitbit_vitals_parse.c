/*-------------------------------------------------------------------------
 *
 * fitbit_vitals_parse.c
 *	  Parse the Fitbit files of vitals and body measurements: saved Fitbit
 *	  Web API responses of heart-rate variability, SpO2, breathing rate and
 *	  cardio score, and the account export's weigh-ins (weight-*.json) and
 *	  CSV files (HRV summary and details, daily and minute SpO2, daily
 *	  respiratory rate, computed temperature).
 *
 * Plain C over json-c, like fitbit_parse.c.  Every document becomes rows
 * of one shape (FitbitVitalRow): a table, a time (local, or UTC where the
 * file says "Z"), up to four values (NaN when absent).  Every value used
 * is checked for type and range, and an error names where it is: a JSON
 * path such as $.hrv[0].value.dailyRmssd, or a CSV line and column.
 * Unknown members and columns are ignored.
 *
 * What the files say, and how it is read:
 * - Web API times ("minute") are local clock times without an offset;
 * - export CSV timestamps are local unless they end in "Z";
 * - weight-*.json has the weight in the unit of the account's settings
 *	 (pounds or kilograms) and no unit; its BMI tells them apart: a weight
 *	 in kilograms over the BMI is the squared height in metres, and a
 *	 height above 2.13 m means the weight was in pounds;
 * - a cardio score given as a range ("42-46") is Fitbit's estimate
 *	 without a run: its middle is kept, marked estimated;
 * - a breathing rate of -1 means none.
 *
 * src/providers/fitbit_vitals_parse.c
 *
 *-------------------------------------------------------------------------
 */
#include "providers/fitbit_parse.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/json_check.h"

#define POUND_KG 0.45359237
#define TALLEST_M 2.13
#define CSV_LINE_MAX 4096

typedef struct VParse
{
	JsonCheck	jc;
	FitbitVitalsDoc *doc;
	size_t		cap;
	FitbitError *err;
} VParse;

/* ----------------------------------------------------------------------
 * Rows
 * ----------------------------------------------------------------------
 */

static FitbitVitalRow *
new_row(VParse *vp, FitbitVitalTable table)
{
	FitbitVitalsDoc *doc = vp->doc;
	FitbitVitalRow *r;
	int			i;

	if (doc->nrows == vp->cap)
	{
		size_t		cap = vp->cap ? vp->cap * 2 : 64;
		FitbitVitalRow *rows = realloc(doc->rows, cap * sizeof(FitbitVitalRow));

		if (rows == NULL)
			return NULL;
		doc->rows = rows;
		vp->cap = cap;
	}
	r = &doc->rows[doc->nrows++];
	memset(r, 0, sizeof(*r));
	r->table = table;
	for (i = 0; i < FITBIT_VITAL_VALUES; i++)
		r->v[i] = NAN;
	return r;
}

/*
 * Parse "YYYY-MM-DD[( |T)HH:MM[:SS[.fff]]][Z]" into a row's time: UTC
 * with "Z", else local.  A date alone is local midnight.
 */
static bool
parse_time(const char *s, size_t len, FitbitVitalRow *r)
{
	int			y,
				mo,
				d,
				h = 0,
				mi = 0,
				sec = 0;
	size_t		p = 10;
	bool		utc = false;

	if (len < 10 || s[4] != '-' || s[7] != '-')
		return false;
	y = jc_digits(s, 4);
	mo = jc_digits(s + 5, 2);
	d = jc_digits(s + 8, 2);
	if (y < 0 || mo < 0 || d < 0 || !jc_valid_date(y, mo, d))
		return false;
	if (len > 10)
	{
		if ((s[10] != 'T' && s[10] != ' ') || len < 16 || s[13] != ':')
			return false;
		h = jc_digits(s + 11, 2);
		mi = jc_digits(s + 14, 2);
		p = 16;
		if (len >= 19 && s[16] == ':')
		{
			sec = jc_digits(s + 17, 2);
			p = 19;
			if (p < len && s[p] == '.')
			{
				for (p++; p < len && s[p] >= '0' && s[p] <= '9'; p++)
					;
			}
		}
		if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
			return false;
		if (p < len && (s[p] == 'Z' || s[p] == 'z'))
		{
			utc = true;
			p++;
		}
		else if (p + 6 == len && strncmp(s + p, "+00:00", 6) == 0)
		{
			utc = true;
			p += 6;
		}
	}
	if (p != len)
		return false;
	r->date.year = y;
	r->date.month = mo;
	r->date.day = d;
	r->utc = utc;
	r->t = (int64_t) h * 3600 + mi * 60 + sec;
	if (utc)
		r->t += jc_days_from_civil(y, mo, d) * 86400;
	return true;
}

/* ----------------------------------------------------------------------
 * JSON: saved Web API responses and weight-*.json
 * ----------------------------------------------------------------------
 */

/* parse_time() in the shape jc_check_text() calls. */
static bool
time_text(const char *s, size_t len, void *out)
{
	return parse_time(s, len, (FitbitVitalRow *) out);
}

/* Read the time member key of obj into r. */
static JcKind
member_time(VParse *vp, json_object *obj, const JcPath *at, const char *key,
			FitbitVitalRow *r)
{
	JcPath		mp = {at, key, 0};
	json_object *v;
	JcKind		rc;

	if ((rc = jc_get_member(&vp->jc, obj, at, key, true, &v)) != JC_OK)
		return rc;
	return jc_check_text(&vp->jc, v, &mp, key, time_text, r, JC_ERR_TIME,
						 "a date or time");
}

/* An optional number in lo..hi; -1 (Fitbit's "none") and absent read NaN. */
static JcKind
member_value(VParse *vp, json_object *obj, const JcPath *at, const char *key,
			 double lo, double hi, double *out)
{
	json_object *v = NULL;
	double		x;
	JcKind		rc;

	*out = NAN;
	if (!json_object_object_get_ex(obj, key, &v) || v == NULL)
		return JC_OK;
	if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) == -1)
		return JC_OK;
	rc = jc_member_number(&vp->jc, obj, at, key, true, lo, hi, &x);
	if (rc == JC_OK)
		*out = x;
	return rc;
}

/* The "value" object of an entry, required. */
static JcKind
value_object(VParse *vp, json_object *e, const JcPath *at, json_object **out)
{
	return jc_member_object(&vp->jc, e, at, "value", true, out);
}

/* One element of "hrv": a daily summary, or the intraday minutes of a day. */
static JcKind
read_hrv(void *arg, json_object *e, const JcPath *at, size_t index)
{
	VParse	   *vp = arg;
	JsonCheck  *jc = &vp->jc;
	json_object *minutes = NULL;
	JcKind		rc;

	if ((rc = jc_check_object(jc, e, at, "hrv entry")) != JC_OK ||
		(rc = jc_member_array(jc, e, at, "minutes", false, &minutes)) != JC_OK)
		return rc;
	if (minutes != NULL)
	{
		JcPath		mp = {at, "minutes", 0};
		size_t		n = json_object_array_length(minutes);
		size_t		i;

		for (i = 0; i < n; i++)
		{
			JcPath		ep = {&mp, NULL, i};
			JcPath		vp2 = {&ep, "value", 0};
			json_object *m = json_object_array_get_idx(minutes, i);
			json_object *val;
			FitbitVitalRow *r = new_row(vp, FV_HRV);

			if (r == NULL)
				return jc_fail_nomem(jc, &ep);
			if ((rc = jc_check_object(jc, m, &ep, "minute")) != JC_OK ||
				(rc = member_time(vp, m, &ep, "minute", r)) != JC_OK ||
				(rc = value_object(vp, m, &ep, &val)) != JC_OK ||
				(rc = jc_member_number(jc, val, &vp2, "rmssd", true, 0.1, 999,
									   &r->v[0])) != JC_OK)
				return rc;
		}
		return JC_OK;
	}
	else
	{
		JcPath		vpath = {at, "value", 0};
		json_object *val;
		FitbitVitalRow *r = new_row(vp, FV_DAILY_HRV);

		if (r == NULL)
			return jc_fail_nomem(jc, at);
		if ((rc = member_time(vp, e, at, "dateTime", r)) != JC_OK ||
			(rc = value_object(vp, e, at, &val)) != JC_OK ||
			(rc = member_value(vp, val, &vpath, "dailyRmssd", 0.1, 999, &r->v[0])) != JC_OK ||
			(rc = member_value(vp, val, &vpath, "deepRmssd", 0.1, 999, &r->v[1])) != JC_OK)
			return rc;
	}
	(void) index;
	return JC_OK;
}

/* One day of SpO2: its summary ("value") or its minutes. */
static JcKind
read_spo2(void *arg, json_object *e, const JcPath *at, size_t index)
{
	VParse	   *vp = arg;
	JsonCheck  *jc = &vp->jc;
	json_object *minutes = NULL;
	JcKind		rc;

	if ((rc = jc_check_object(jc, e, at, "spo2 day")) != JC_OK ||
		(rc = jc_member_array(jc, e, at, "minutes", false, &minutes)) != JC_OK)
		return rc;
	if (minutes != NULL)
	{
		JcPath		mp = {at, "minutes", 0};
		size_t		n = json_object_array_length(minutes);
		size_t		i;

		for (i = 0; i < n; i++)
		{
			JcPath		ep = {&mp, NULL, i};
			json_object *m = json_object_array_get_idx(minutes, i);
			FitbitVitalRow *r = new_row(vp, FV_SPO2);

			if (r == NULL)
				return jc_fail_nomem(jc, &ep);
			if ((rc = jc_check_object(jc, m, &ep, "minute")) != JC_OK ||
				(rc = member_time(vp, m, &ep, "minute", r)) != JC_OK ||
				(rc = jc_member_number(jc, m, &ep, "value", true, 50, 100,
									   &r->v[0])) != JC_OK)
				return rc;
		}
	}
	else
	{
		JcPath		vpath = {at, "value", 0};
		json_object *val;
		FitbitVitalRow *r = new_row(vp, FV_DAILY_SPO2);

		if (r == NULL)
			return jc_fail_nomem(jc, at);
		if ((rc = member_time(vp, e, at, "dateTime", r)) != JC_OK ||
			(rc = value_object(vp, e, at, &val)) != JC_OK ||
			(rc = member_value(vp, val, &vpath, "avg", 50, 100, &r->v[0])) != JC_OK ||
			(rc = member_value(vp, val, &vpath, "min", 50, 100, &r->v[1])) != JC_OK ||
			(rc = member_value(vp, val, &vpath, "max", 50, 100, &r->v[2])) != JC_OK)
			return rc;
	}
	(void) index;
	return JC_OK;
}

/* One element of "br": the day's rate, or its rate per stage of sleep. */
static JcKind
read_breathing(void *arg, json_object *e, const JcPath *at, size_t index)
{
	VParse	   *vp = arg;
	JsonCheck  *jc = &vp->jc;
	JcPath		vpath = {at, "value", 0};
	JcPath		fpath = {&vpath, "fullSleepSummary", 0};
	json_object *val;
	json_object *full = NULL;
	FitbitVitalRow *r = new_row(vp, FV_DAILY_RESPIRATORY);
	JcKind		rc;

	if (r == NULL)
		return jc_fail_nomem(jc, at);
	if ((rc = jc_check_object(jc, e, at, "br entry")) != JC_OK ||
		(rc = member_time(vp, e, at, "dateTime", r)) != JC_OK ||
		(rc = value_object(vp, e, at, &val)) != JC_OK ||
		(rc = jc_member_object(jc, val, &vpath, "fullSleepSummary", false, &full)) != JC_OK)
		return rc;
	if (full != NULL)
		rc = member_value(vp, full, &fpath, "breathingRate", 1, 99, &r->v[0]);
	else
		rc = member_value(vp, val, &vpath, "breathingRate", 1, 99, &r->v[0]);
	/* a night without a rate (-1, or none) says nothing */
	if (rc == JC_OK && isnan(r->v[0]))
		vp->doc->nrows--;
	(void) index;
	return rc;
}

/* One element of "cardioScore": a VO2 max, or the range of an estimate. */
static JcKind
read_cardio(void *arg, json_object *e, const JcPath *at, size_t index)
{
	VParse	   *vp = arg;
	JsonCheck  *jc = &vp->jc;
	JcPath		vpath = {at, "value", 0};
	JcPath		xp = {&vpath, "vo2Max", 0};
	json_object *val;
	json_object *x;
	FitbitVitalRow *r = new_row(vp, FV_DAILY_VO2_MAX);
	char		d[JC_DESC_SIZE];
	JcKind		rc;

	if (r == NULL)
		return jc_fail_nomem(jc, at);
	if ((rc = jc_check_object(jc, e, at, "cardioScore entry")) != JC_OK ||
		(rc = member_time(vp, e, at, "dateTime", r)) != JC_OK ||
		(rc = value_object(vp, e, at, &val)) != JC_OK ||
		(rc = jc_get_member(jc, val, &vpath, "vo2Max", true, &x)) != JC_OK)
		return rc;
	if (json_object_is_type(x, json_type_string))
	{
		const char *s = json_object_get_string(x);
		double		lo,
					hi;
		int			used = 0;

		if (sscanf(s, "%lf-%lf%n", &lo, &hi, &used) == 2 && s[used] == '\0')
		{
			r->v[0] = (lo + hi) / 2;
			r->flag = true;
		}
		else if (sscanf(s, "%lf%n", &lo, &used) == 1 && s[used] == '\0')
			r->v[0] = lo;
		else
			return jc_fail(jc, JC_ERR_TYPE, &xp,
						   "vo2Max %s is not a number or a range such as \"42-46\"",
						   jc_describe(jc, x, d, sizeof(d)));
	}
	else if ((rc = jc_check_number(jc, x, &xp, "vo2Max", 1, 99, &r->v[0])) != JC_OK)
		return rc;
	if (!(r->v[0] >= 1 && r->v[0] <= 99))
		return jc_fail(jc, JC_ERR_RANGE, &xp, "vo2Max %s is outside 1..99",
					   jc_describe(jc, x, d, sizeof(d)));
	(void) index;
	return JC_OK;
}

/*
 * One weigh-in of weight-*.json: {"logId", "weight", "bmi", "fat"?,
 * "date": "MM/DD/YY", "time": "HH:MM:SS", "source"}.  A weigh-in with a
 * body-fat reading gives a row of each.
 */
static JcKind
read_weighin(void *arg, json_object *e, const JcPath *at, size_t index)
{
	VParse	   *vp = arg;
	JsonCheck  *jc = &vp->jc;
	JcPath		dp = {at, "date", 0};
	JcPath		tp = {at, "time", 0};
	json_object *v;
	const char *ds;
	const char *ts;
	size_t		dlen;
	size_t		tlen;
	double		weight;
	double		bmi = NAN;
	double		fat = NAN;
	int64_t		log_id = 0;
	char	   *source = NULL;
	char		d[JC_DESC_SIZE];
	int			mo,
				dd,
				yy,
				h,
				mi,
				s;
	bool		manual;
	FitbitVitalRow *r;
	JcKind		rc;

	if ((rc = jc_check_object(jc, e, at, "weigh-in")) != JC_OK ||
		(rc = jc_member_int(jc, e, at, "logId", false, 0, INT64_MAX, &log_id)) != JC_OK ||
		(rc = jc_member_number(jc, e, at, "weight", true, 1, 1500, &weight)) != JC_OK ||
		(rc = member_value(vp, e, at, "bmi", 1, 200, &bmi)) != JC_OK ||
		(rc = member_value(vp, e, at, "fat", 0.1, 99.9, &fat)) != JC_OK ||
		(rc = jc_member_string(jc, e, at, "source", false, JC_STR_TEXT, 64, &source)) != JC_OK ||
		(rc = jc_member_chars(jc, e, at, "date", &v, &ds, &dlen)) != JC_OK)
	{
		free(source);
		return rc;
	}
	manual = source == NULL || strncmp(source, "Aria", 4) != 0;
	free(source);
	mo = dlen == 8 && ds[2] == '/' && ds[5] == '/' ? jc_digits(ds, 2) : -1;
	dd = mo >= 0 ? jc_digits(ds + 3, 2) : -1;
	yy = mo >= 0 ? jc_digits(ds + 6, 2) : -1;
	if (mo < 0 || dd < 0 || yy < 0 || !jc_valid_date(2000 + yy, mo, dd))
		return jc_fail(jc, JC_ERR_TIME, &dp, "date %s is not a date such as \"01/31/20\"",
					   jc_describe(jc, v, d, sizeof(d)));
	if ((rc = jc_member_chars(jc, e, at, "time", &v, &ts, &tlen)) != JC_OK)
		return rc;
	h = tlen == 8 && ts[2] == ':' && ts[5] == ':' ? jc_digits(ts, 2) : -1;
	mi = h >= 0 ? jc_digits(ts + 3, 2) : -1;
	s = h >= 0 ? jc_digits(ts + 6, 2) : -1;
	if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
		return jc_fail(jc, JC_ERR_TIME, &tp, "time %s is not a time such as \"07:35:12\"",
					   jc_describe(jc, v, d, sizeof(d)));
	if (!isnan(bmi) && weight / bmi > TALLEST_M * TALLEST_M)
		weight *= POUND_KG;
	if (weight >= 700)
		return jc_fail(jc, JC_ERR_RANGE, at, "weight %.1f kg is not a person's", weight);

	r = new_row(vp, FV_WEIGHT);
	if (r == NULL)
		return jc_fail_nomem(jc, at);
	r->date.year = 2000 + yy;
	r->date.month = mo;
	r->date.day = dd;
	r->t = (int64_t) h * 3600 + mi * 60 + s;
	r->v[0] = weight;
	r->manual = manual;
	if (log_id > 0)
		snprintf(r->id, sizeof(r->id), "%lld", (long long) log_id);
	if (!isnan(fat))
	{
		FitbitVitalRow *f = new_row(vp, FV_BODY_FAT);

		if (f == NULL)
			return jc_fail_nomem(jc, at);
		/* new_row() may have moved the rows */
		r = &vp->doc->rows[vp->doc->nrows - 2];
		*f = *r;
		f->table = FV_BODY_FAT;
		f->v[0] = fat;
	}
	(void) index;
	return JC_OK;
}

/* Walk the array member key of root, or root itself when key is NULL. */
static JcKind
walk(VParse *vp, json_object *root, const char *key, JcElementFn fn)
{
	JsonCheck  *jc = &vp->jc;
	JcPath		ap = {&jc_root, key, 0};
	json_object *arr = root;
	JcKind		rc;

	if (key != NULL &&
		(rc = jc_member_array(jc, root, &jc_root, key, true, &arr)) != JC_OK)
		return rc;
	if (key == NULL && (rc = jc_check_array(jc, root, &jc_root, "document")) != JC_OK)
		return rc;
	return jc_walk_array(arr, key ? &ap : &jc_root, fn, vp);
}

static JcKind
parse_json(VParse *vp)
{
	json_object *root = NULL;
	JcKind		rc;

	rc = jc_parse_document(&vp->jc, NULL, &root);
	if (rc != JC_OK)
		return rc;
	switch (vp->doc->kind)
	{
		case FV_API_HRV:
			rc = walk(vp, root, "hrv", read_hrv);
			break;
		case FV_API_BREATHING:
			rc = walk(vp, root, "br", read_breathing);
			break;
		case FV_API_CARDIO:
			rc = walk(vp, root, "cardioScore", read_cardio);
			break;
		case FV_API_SPO2:
			if (json_object_is_type(root, json_type_array))
				rc = walk(vp, root, NULL, read_spo2);
			else
				rc = read_spo2(vp, root, &jc_root, 0);
			break;
		case FV_EXPORT_WEIGHT:
			rc = walk(vp, root, NULL, read_weighin);
			break;
		default:
			rc = jc_fail(&vp->jc, JC_ERR_SHAPE, &jc_root, "not a vitals document");
			break;
	}
	json_object_put(root);
	return rc;
}

/* ----------------------------------------------------------------------
 * CSV: the account export's files
 * ----------------------------------------------------------------------
 */

/* The columns of a CSV kind: the time column, then the values. */
typedef struct CsvSpec
{
	FitbitVitalsKind kind;
	FitbitVitalTable table;
	const char *time_col;
	const char *cols[FITBIT_VITAL_VALUES]; /* into v[i]; NULL: none */
	bool		required[FITBIT_VITAL_VALUES];
	double		lo[FITBIT_VITAL_VALUES];
	double		hi[FITBIT_VITAL_VALUES];
} CsvSpec;

static const CsvSpec csv_specs[] = {
	{FV_CSV_HRV_SUMMARY, FV_DAILY_HRV, "timestamp",
		{"rmssd", NULL, "entropy", "nremhr"}, {true, false, false, false},
	{0.1, 0, 0, 20}, {999, 0, 100, 250}},
	{FV_CSV_HRV_DETAILS, FV_HRV, "timestamp",
		{"rmssd"}, {true}, {0.1}, {999}},
	{FV_CSV_RESPIRATORY, FV_DAILY_RESPIRATORY, "timestamp",
		{"daily_respiratory_rate"}, {true}, {1}, {99}},
	{FV_CSV_SPO2_DAILY, FV_DAILY_SPO2, "timestamp",
		{"average_value", "lower_bound", "upper_bound"}, {true, false, false},
	{50, 50, 50}, {100, 100, 100}},
	{FV_CSV_SPO2_MINUTE, FV_SPO2, "timestamp", {"value"}, {true}, {50}, {100}},
	/* nightly; the baseline is worked out below from the relative sum */
	{FV_CSV_TEMPERATURE, FV_DAILY_TEMPERATURE, "sleep_end",
		{"nightly_temperature", "baseline_relative_sample_sum", "temperature_samples"},
	{true, false, false}, {-10, -1e6, 0}, {50, 1e6, 1e6}},
};

static JcKind csv_fail(VParse *vp, JcKind kind, size_t line, const char *col,
					   const char *fmt,...) __attribute__((format(printf, 5, 6)));

/* Fail at a line (and column) of a CSV file. */
static JcKind
csv_fail(VParse *vp, JcKind kind, size_t line, const char *col, const char *fmt,...)
{
	FitbitError *err = vp->err;
	va_list		ap;

	snprintf(err->path, sizeof(err->path), "line %zu%s%s", line, col ? ", column " : "",
			 col ? col : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	vp->jc.kind = kind;
	return kind;
}

/*
 * Split line (NUL-terminated, modified) into at most max fields at commas,
 * dropping the quotes around a field; returns the number of fields.
 */
static int
csv_split(char *line, char **f, int max)
{
	int			n = 0;
	char	   *p = line;

	while (n < max)
	{
		char	   *end;

		if (*p == '"')
		{
			p++;
			end = strchr(p, '"');
			if (end == NULL)
				end = p + strlen(p);
			f[n++] = p;
			p = end;
			if (*p == '"')
				*p++ = '\0';
			end = strchr(p, ',');
		}
		else
		{
			end = strchr(p, ',');
			f[n++] = p;
		}
		if (end == NULL)
			break;
		*end = '\0';
		p = end + 1;
	}
	return n;
}

#define CSV_FIELDS_MAX 32

static JcKind
parse_csv(VParse *vp)
{
	const CsvSpec *spec = NULL;
	const char *buf = vp->jc.buf;
	size_t		len = vp->jc.len;
	size_t		pos = 0;
	size_t		lineno = 0;
	int			tcol = -1;
	int			vcol[FITBIT_VITAL_VALUES] = {-1, -1, -1, -1};
	int			ncols = 0;
	size_t		i;

	for (i = 0; i < sizeof(csv_specs) / sizeof(csv_specs[0]); i++)
		if (csv_specs[i].kind == vp->doc->kind)
			spec = &csv_specs[i];
	if (spec == NULL)
		return csv_fail(vp, JC_ERR_SHAPE, 0, NULL, "not a vitals csv file");
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;

	while (pos < len)
	{
		char		line[CSV_LINE_MAX];
		char	   *f[CSV_FIELDS_MAX];
		size_t		end = pos;
		size_t		n;
		int			nf;
		int			k;

		while (end < len && buf[end] != '\n')
			end++;
		n = end - pos;
		lineno++;
		if (n > 0 && buf[pos + n - 1] == '\r')
			n--;
		if (n >= sizeof(line))
			return csv_fail(vp, JC_ERR_SHAPE, lineno, NULL, "line is longer than %d bytes",
							CSV_LINE_MAX - 1);
		if (memchr(buf + pos, '\0', n) != NULL)
			return csv_fail(vp, JC_ERR_NOT_JSON, lineno, NULL, "line holds a NUL byte");
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		pos = end + 1;
		if (n == 0)
			continue;
		nf = csv_split(line, f, CSV_FIELDS_MAX);

		if (tcol < 0)
		{
			/* the header: find the columns by name */
			for (k = 0; k < nf; k++)
			{
				int			c;

				if (strcmp(f[k], spec->time_col) == 0)
					tcol = k;
				for (c = 0; c < FITBIT_VITAL_VALUES; c++)
					if (spec->cols[c] && strcmp(f[k], spec->cols[c]) == 0)
						vcol[c] = k;
			}
			if (tcol < 0)
				return csv_fail(vp, JC_ERR_SHAPE, lineno, spec->time_col,
								"the header has no column %s", spec->time_col);
			for (k = 0; k < FITBIT_VITAL_VALUES; k++)
				if (spec->required[k] && vcol[k] < 0)
					return csv_fail(vp, JC_ERR_SHAPE, lineno, spec->cols[k],
									"the header has no column %s", spec->cols[k]);
			ncols = nf;
			continue;
		}
		else
		{
			FitbitVitalRow *r;
			bool		any = false;

			if (nf != ncols)
				return csv_fail(vp, JC_ERR_SHAPE, lineno, NULL,
								"%d fields, and the header has %d", nf, ncols);
			r = new_row(vp, spec->table);
			if (r == NULL)
				return csv_fail(vp, JC_ERR_NOMEM, lineno, NULL, "out of memory");
			if (!parse_time(f[tcol], strlen(f[tcol]), r))
				return csv_fail(vp, JC_ERR_TIME, lineno, spec->time_col,
								"\"%.40s\" is not a date or time", f[tcol]);
			for (k = 0; k < FITBIT_VITAL_VALUES; k++)
			{
				char	   *e;
				double		x;

				if (vcol[k] < 0 || f[vcol[k]][0] == '\0')
					continue;
				x = strtod(f[vcol[k]], &e);
				if (*e != '\0' || e == f[vcol[k]] || isnan(x))
					return csv_fail(vp, JC_ERR_TYPE, lineno, spec->cols[k],
									"\"%.40s\" is not a number", f[vcol[k]]);
				if (x < spec->lo[k] || x > spec->hi[k])
					return csv_fail(vp, JC_ERR_RANGE, lineno, spec->cols[k],
									"%g is outside %g..%g", x, spec->lo[k], spec->hi[k]);
				r->v[k] = x;
				any = true;
			}
			if (spec->kind == FV_CSV_TEMPERATURE)
			{
				/* baseline = nightly - the night's mean relative to it */
				double		sum = r->v[1];
				double		samples = r->v[2];

				r->v[1] = (!isnan(sum) && samples >= 1 && !isnan(r->v[0])) ?
					r->v[0] - sum / samples : NAN;
				r->v[2] = NAN;
				if (!isnan(r->v[1]) && (r->v[1] < -10 || r->v[1] > 50))
					return csv_fail(vp, JC_ERR_RANGE, lineno, spec->cols[1],
									"the baseline it gives, %g, is outside -10..50",
									r->v[1]);
			}
			/* a row without its main value says nothing */
			if (!any || isnan(r->v[0]))
				vp->doc->nrows--;
		}
	}
	if (tcol < 0)
		return csv_fail(vp, JC_ERR_SHAPE, 1, NULL, "the file has no header");
	return JC_OK;
}

/* ----------------------------------------------------------------------
 * Entry points
 * ----------------------------------------------------------------------
 */

static bool
contains(const char *s, const char *word)
{
	return strstr(s, word) != NULL;
}

FitbitVitalsKind
fitbit_vitals_detect(const char *name_hint, const char *head, size_t len)
{
	char		h[513];
	size_t		n = len < 512 ? len : 512;
	size_t		i;

	if (name_hint != NULL)
	{
		size_t		nl = strlen(name_hint);
		bool		csv = nl > 4 && strcmp(name_hint + nl - 4, ".csv") == 0;

		if (csv && contains(name_hint, "Heart Rate Variability Summary"))
			return FV_CSV_HRV_SUMMARY;
		if (csv && contains(name_hint, "Heart Rate Variability Details"))
			return FV_CSV_HRV_DETAILS;
		if (csv && contains(name_hint, "Daily Respiratory Rate Summary"))
			return FV_CSV_RESPIRATORY;
		if (csv && strncmp(name_hint, "Daily SpO2", 10) == 0)
			return FV_CSV_SPO2_DAILY;
		if (csv && strncmp(name_hint, "Minute SpO2", 11) == 0)
			return FV_CSV_SPO2_MINUTE;
		if (csv && strncmp(name_hint, "Computed Temperature", 20) == 0)
			return FV_CSV_TEMPERATURE;
		if (strncmp(name_hint, "weight-", 7) == 0 && nl > 5 &&
			strcmp(name_hint + nl - 5, ".json") == 0)
			return FV_EXPORT_WEIGHT;
	}
	if (head == NULL)
		return FV_DOC_UNKNOWN;
	/* a saved API response, by its first member names */
	for (i = 0; i < n; i++)
		h[i] = head[i] == '\0' ? ' ' : head[i];
	h[n] = '\0';
	if (contains(h, "\"hrv\""))
		return FV_API_HRV;
	if (contains(h, "\"br\""))
		return FV_API_BREATHING;
	if (contains(h, "\"cardioScore\""))
		return FV_API_CARDIO;
	if (contains(h, "\"dateTime\"") && !contains(h, "\"activities-") &&
		(contains(h, "\"avg\"") || (contains(h, "\"minutes\"") && contains(h, "\"minute\""))))
		return FV_API_SPO2;
	return FV_DOC_UNKNOWN;
}

/*
 * Parse a document of the given kind into doc; on error doc is left empty
 * and err says where and why.
 */
FitbitErrorKind
fitbit_vitals_parse(FitbitVitalsKind kind, const char *buf, size_t len,
					FitbitVitalsDoc *doc, FitbitError *err)
{
	FitbitError local_err;
	VParse		vp;
	JcKind		rc;

	if (err == NULL)
		err = &local_err;
	memset(err, 0, sizeof(*err));
	memset(doc, 0, sizeof(*doc));
	memset(&vp, 0, sizeof(vp));
	jc_init(&vp.jc, buf, len, JC_DEPTH_AFTER_SCAN, err->path, sizeof(err->path),
			err->message, sizeof(err->message));
	vp.doc = doc;
	vp.err = err;
	doc->kind = kind;
	if (kind >= FV_CSV_HRV_SUMMARY)
		rc = parse_csv(&vp);
	else
		rc = parse_json(&vp);
	jc_done(&vp.jc);
	if (rc != JC_OK)
	{
		fitbit_vitals_free(doc);
		doc->kind = kind;
	}
	err->kind = (FitbitErrorKind) rc;
	return (FitbitErrorKind) rc;
}

void
fitbit_vitals_free(FitbitVitalsDoc *doc)
{
	if (doc == NULL)
		return;
	free(doc->rows);
	memset(doc, 0, sizeof(*doc));
}

const char *
fitbit_vitals_kind_name(FitbitVitalsKind kind)
{
	switch (kind)
	{
		case FV_API_HRV:
			return "fitbit_api_hrv";
		case FV_API_SPO2:
			return "fitbit_api_spo2";
		case FV_API_BREATHING:
			return "fitbit_api_breathing_rate";
		case FV_API_CARDIO:
			return "fitbit_api_cardio_score";
		case FV_EXPORT_WEIGHT:
			return "fitbit_export_weight";
		case FV_CSV_HRV_SUMMARY:
			return "fitbit_export_hrv_summary";
		case FV_CSV_HRV_DETAILS:
			return "fitbit_export_hrv_details";
		case FV_CSV_RESPIRATORY:
			return "fitbit_export_respiratory_rate";
		case FV_CSV_SPO2_DAILY:
			return "fitbit_export_spo2_daily";
		case FV_CSV_SPO2_MINUTE:
			return "fitbit_export_spo2_minute";
		case FV_CSV_TEMPERATURE:
			return "fitbit_export_temperature";
		case FV_DOC_UNKNOWN:
			break;
	}
	return "unknown";
}
