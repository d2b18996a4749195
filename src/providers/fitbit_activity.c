/*-------------------------------------------------------------------------
 *
 * fitbit_activity.c
 *	  Parse and validate the Fitbit activity files Tracker imports: the
 *	  account export's per-minute distance and calories, its per-day
 *	  sedentary, lightly, moderately and very active minutes, its Active
 *	  Zone Minutes CSV files, and saved Fitbit Web API active-zone-minutes
 *	  responses.
 *
 * Plain C over json-c (and a small CSV reader), no PostgreSQL, like
 * fitbit_parse.c.  Every entry is checked for presence, type and range; the
 * first problem stops the parse with its JSON path ($[12].value) or its
 * CSV line ("line 12").  The export writes numbers as strings ("value":
 * "1234"), and its times as "MM/DD/YY HH:MM:SS"; as for heart rate, the
 * per-minute times are UTC.  Distances of the export are centimeters.
 *
 *-------------------------------------------------------------------------
 */
#include "providers/fitbit_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/json_check.h"

/* Ranges. */
#define MINUTE_DISTANCE_CM_MAX 1000000	/* 10 km in a minute */
#define MINUTE_KCAL_MAX 1000.0
#define DAY_MINUTES_MAX 1500
#define DAY_AZM_MAX 3000
#define CSV_LINE_MAX 256
#define ENTRIES_MAX 1000000

typedef struct ActCtx
{
	JsonCheck	jc;
	FitbitActivity *act;
} ActCtx;

/* File name prefixes of the export, and the kind each holds. */
static const struct
{
	const char *prefix;
	const char *suffix;
	FitbitActivityKind kind;
}			activity_files[] = {
	{"distance-", ".json", FA_EXPORT_DISTANCE},
	{"calories-", ".json", FA_EXPORT_CALORIES},
	{"sedentary_minutes-", ".json", FA_EXPORT_SEDENTARY},
	{"lightly_active_minutes-", ".json", FA_EXPORT_LIGHTLY},
	{"moderately_active_minutes-", ".json", FA_EXPORT_MODERATELY},
	{"very_active_minutes-", ".json", FA_EXPORT_VERY},
	{"Active Zone Minutes - ", ".csv", FA_EXPORT_AZM_CSV},
};

static const char api_azm_key[] = "activities-active-zone-minutes";

/* AZM zones in Tracker's order, as the CSV names them. */
static const char *const azm_zones[3] = {"FAT_BURN", "CARDIO", "PEAK"};
static const char *const api_azm_fields[3] = {
	"fatBurnActiveZoneMinutes", "cardioActiveZoneMinutes", "peakActiveZoneMinutes"
};

static bool
ends_with(const char *s, const char *suffix)
{
	size_t		ls = strlen(s);
	size_t		lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/*
 * The kind of a file: by its name for the export's files, by its content
 * (buf may be NULL) for a saved API response.  FA_NONE: not one of these.
 */
FitbitActivityKind
fitbit_activity_kind(const char *name, const char *buf, size_t len)
{
	size_t		i;

	if (name != NULL)
	{
		for (i = 0; i < sizeof(activity_files) / sizeof(activity_files[0]); i++)
		{
			if (strncmp(name, activity_files[i].prefix,
						strlen(activity_files[i].prefix)) == 0 &&
				ends_with(name, activity_files[i].suffix))
				return activity_files[i].kind;
		}
	}
	if (buf != NULL)
	{
		size_t		n = len < 4096 ? len : 4096;
		size_t		k = strlen(api_azm_key);
		size_t		j;

		for (j = 0; j + k + 2 <= n; j++)
		{
			if (buf[j] == '"' && memcmp(buf + j + 1, api_azm_key, k) == 0 &&
				buf[j + k + 1] == '"')
				return FA_API_AZM;
		}
	}
	return FA_NONE;
}

/* Short, stable name of a kind for bronze and the import's rows. */
const char *
fitbit_activity_kind_name(FitbitActivityKind kind)
{
	switch (kind)
	{
		case FA_EXPORT_DISTANCE:
			return "fitbit_export_distance";
		case FA_EXPORT_CALORIES:
			return "fitbit_export_calories";
		case FA_EXPORT_SEDENTARY:
			return "fitbit_export_sedentary_minutes";
		case FA_EXPORT_LIGHTLY:
			return "fitbit_export_lightly_active_minutes";
		case FA_EXPORT_MODERATELY:
			return "fitbit_export_moderately_active_minutes";
		case FA_EXPORT_VERY:
			return "fitbit_export_very_active_minutes";
		case FA_EXPORT_AZM_CSV:
			return "fitbit_export_active_zone_minutes";
		case FA_API_AZM:
			return "fitbit_api_active_zone_minutes";
		case FA_NONE:
			break;
	}
	return "unknown";
}

/* "HH:MM" or "HH:MM:SS" as seconds of the day, or -1. */
static int
parse_clock(const char *s, size_t len)
{
	int			h,
				m,
				sec = 0;

	if ((len != 5 && len != 8) || s[2] != ':' || (len == 8 && s[5] != ':'))
		return -1;
	h = jc_digits(s, 2);
	m = jc_digits(s + 3, 2);
	if (len == 8)
		sec = jc_digits(s + 6, 2);
	if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59)
		return -1;
	return h * 3600 + m * 60 + sec;
}

/* A non-negative decimal ("12", "1.25"), without exponent or locale. */
static bool
parse_amount(const char *s, size_t len, double *out)
{
	double		v = 0;
	double		scale = 1;
	size_t		i = 0;
	size_t		n = 0;

	if (len == 0 || len > 32)
		return false;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, n++)
		v = v * 10 + (s[i] - '0');
	if (n == 0)
		return false;
	if (i < len && s[i] == '.')
	{
		for (i++, n = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++, n++)
		{
			scale /= 10;
			v += (s[i] - '0') * scale;
		}
		if (n == 0)
			return false;
	}
	if (i != len)
		return false;
	*out = v;
	return true;
}

/* Room for n entries, counted at once so that a failed parse frees them. */
static JcKind
alloc_entries(ActCtx *cx, size_t n, const JcPath *at)
{
	if (n == 0)
		return JC_OK;
	if (n > ENTRIES_MAX)
		return jc_fail(&cx->jc, JC_ERR_RANGE, at, "more than %d entries",
					   ENTRIES_MAX);
	cx->act->entries = calloc(n, sizeof(FitbitActivityEntry));
	if (cx->act->entries == NULL)
		return jc_fail_nomem(&cx->jc, at);
	cx->act->nentries = n;
	return JC_OK;
}

/*
 * One entry of an export file: {"dateTime": "MM/DD/YY HH:MM:SS", "value":
 * "N"}; per-minute files keep the time, per-day files the date.
 */
static JcKind
read_export_entry(void *arg, json_object *elem, const JcPath *at, size_t index)
{
	ActCtx	   *cx = arg;
	JsonCheck  *jc = &cx->jc;
	FitbitActivityEntry *e = &cx->act->entries[index];
	FitbitActivityKind kind = cx->act->kind;
	JcPath		dp = {at, "dateTime", 0};
	JcPath		vp = {at, "value", 0};
	json_object *v;
	const char *s;
	size_t		slen;
	char		d[JC_DESC_SIZE];
	double		x;
	double		hi;
	JcKind		rc;

	if ((rc = jc_check_object(jc, elem, at, "entry")) != JC_OK ||
		(rc = jc_member_chars(jc, elem, at, "dateTime", &v, &s, &slen)) != JC_OK)
		return rc;
	if (slen != 17 || s[2] != '/' || s[5] != '/' || s[8] != ' ' ||
		(e->date.month = jc_digits(s, 2)) < 0 || (e->date.day = jc_digits(s + 3, 2)) < 0 ||
		(e->date.year = jc_digits(s + 6, 2)) < 0 ||
		!jc_valid_date(2000 + e->date.year, e->date.month, e->date.day) ||
		(e->secs = parse_clock(s + 9, 8)) < 0)
		return jc_fail(jc, JC_ERR_TIME, &dp,
					   "dateTime %s is not a valid mm/dd/yy hh:mm:ss time",
					   jc_describe(jc, v, d, sizeof(d)));
	e->date.year += 2000;
	if ((rc = jc_member_chars(jc, elem, at, "value", &v, &s, &slen)) != JC_OK)
		return rc;
	if (!parse_amount(s, slen, &x))
		return jc_fail(jc, JC_ERR_TYPE, &vp,
					   "value %s is not a non-negative decimal string",
					   jc_describe(jc, v, d, sizeof(d)));
	hi = kind == FA_EXPORT_DISTANCE ? MINUTE_DISTANCE_CM_MAX :
		kind == FA_EXPORT_CALORIES ? MINUTE_KCAL_MAX : DAY_MINUTES_MAX;
	if (x > hi)
		return jc_fail(jc, JC_ERR_RANGE, &vp, "value %s is above %g",
					   jc_describe(jc, v, d, sizeof(d)), hi);
	if (kind == FA_EXPORT_DISTANCE)
		e->value[0] = (int64_t) (x * 10.0 + 0.5);	/* cm to mm */
	else if (kind == FA_EXPORT_CALORIES)
		e->value[0] = (int64_t) (x * 1000.0 + 0.5); /* kcal to millikcal */
	else
	{
		e->value[0] = (int64_t) (x + 0.5);
		e->secs = -1;			/* a day's figure */
	}
	return JC_OK;
}

/*
 * One day of a saved Web API active-zone-minutes response:
 * {"dateTime": "YYYY-MM-DD", "value": {"activeZoneMinutes",
 * "fatBurnActiveZoneMinutes", "cardioActiveZoneMinutes",
 * "peakActiveZoneMinutes"}}; absent zones had none, and the total must be
 * their sum.
 */
static JcKind
read_api_azm_day(void *arg, json_object *elem, const JcPath *at, size_t index)
{
	ActCtx	   *cx = arg;
	JsonCheck  *jc = &cx->jc;
	FitbitActivityEntry *e = &cx->act->entries[index];
	JcPath		dp = {at, "dateTime", 0};
	JcPath		vp = {at, "value", 0};
	json_object *v;
	json_object *value;
	const char *s;
	size_t		slen;
	char		d[JC_DESC_SIZE];
	int64_t		total = -1;
	int			k;
	JcKind		rc;

	if ((rc = jc_check_object(jc, elem, at, "day")) != JC_OK ||
		(rc = jc_member_chars(jc, elem, at, "dateTime", &v, &s, &slen)) != JC_OK)
		return rc;
	if (slen != 10 || s[4] != '-' || s[7] != '-' ||
		(e->date.year = jc_digits(s, 4)) < 0 || (e->date.month = jc_digits(s + 5, 2)) < 0 ||
		(e->date.day = jc_digits(s + 8, 2)) < 0 ||
		!jc_valid_date(e->date.year, e->date.month, e->date.day))
		return jc_fail(jc, JC_ERR_TIME, &dp, "dateTime %s is not a valid yyyy-mm-dd date",
					   jc_describe(jc, v, d, sizeof(d)));
	e->secs = -1;
	if ((rc = jc_member_object(jc, elem, at, "value", true, &value)) != JC_OK)
		return rc;
	for (k = 0; k < 3; k++)
	{
		e->value[k] = 0;
		rc = jc_member_int(jc, value, &vp, api_azm_fields[k], false, 0, DAY_AZM_MAX,
						   &e->value[k]);
		if (rc != JC_OK)
			return rc;
	}
	if ((rc = jc_member_int(jc, value, &vp, "activeZoneMinutes", false, 0,
							3 * DAY_AZM_MAX, &total)) != JC_OK)
		return rc;
	if (total >= 0 && total != e->value[0] + e->value[1] + e->value[2])
	{
		JcPath		tp = {&vp, "activeZoneMinutes", 0};

		return jc_fail(jc, JC_ERR_RANGE, &tp,
					   "activeZoneMinutes %lld is not the sum of its zones, %lld",
					   (long long) total,
					   (long long) (e->value[0] + e->value[1] + e->value[2]));
	}
	return JC_OK;
}

/* A JSON file: the export's array, or the API's object. */
static JcKind
read_json(ActCtx *cx)
{
	JsonCheck  *jc = &cx->jc;
	json_object *root = NULL;
	json_object *arr;
	JcPath		ap = {&jc_root, api_azm_key, 0};
	JcKind		rc;

	if ((rc = jc_scan(jc, NULL)) != JC_OK ||
		(rc = jc_require_root(jc, cx->act->kind != FA_API_AZM,
							  "a fitbit activity document")) != JC_OK ||
		(rc = jc_parse_document(jc, NULL, &root)) != JC_OK)
		goto done;
	if (cx->act->kind == FA_API_AZM)
	{
		if ((rc = jc_member_array(jc, root, &jc_root, api_azm_key, true, &arr)) == JC_OK &&
			(rc = alloc_entries(cx, json_object_array_length(arr), &ap)) == JC_OK)
			rc = jc_walk_array(arr, &ap, read_api_azm_day, cx);
	}
	else if ((rc = jc_check_array(jc, root, &jc_root, "document")) == JC_OK &&
			 (rc = alloc_entries(cx, json_object_array_length(root), &jc_root)) == JC_OK)
		rc = jc_walk_array(root, &jc_root, read_export_entry, cx);
done:
	if (root != NULL)
		json_object_put(root);
	return rc;
}

/*
 * The export's Active Zone Minutes CSV: a header
 * "date_time,heart_zone_id,total_minutes", then one line per minute such as
 * "2025-03-26T07:41,FAT_BURN,1" (local time).  Empty lines are skipped.
 */
static JcKind
read_csv(ActCtx *cx, const char *buf, size_t len)
{
	JsonCheck  *jc = &cx->jc;
	static const char header[] = "date_time,heart_zone_id,total_minutes";
	size_t		lines = 0;
	size_t		pos = 0;
	size_t		n = 0;
	size_t		lineno = 0;
	size_t		i;

	for (i = 0; i < len; i++)
		if (buf[i] == '\n')
			lines++;
	if (lines + 1 > ENTRIES_MAX)
		return jc_fail(jc, JC_ERR_RANGE, &jc_root, "more than %d lines", ENTRIES_MAX);
	cx->act->entries = calloc(lines + 1, sizeof(FitbitActivityEntry));
	if (cx->act->entries == NULL)
		return jc_fail_nomem(jc, &jc_root);

	while (pos < len)
	{
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t		ll = nl ? (size_t) (nl - line) : len - pos;
		FitbitActivityEntry *e;
		const char *c1;
		const char *c2;
		int			k;
		int			z = -1;
		int			minutes;

		pos += ll + (nl ? 1 : 0);
		lineno++;
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (lineno == 1 && ll >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
		{
			line += 3;
			ll -= 3;
		}
		if (lineno == 1)
		{
			if (ll != strlen(header) || memcmp(line, header, ll) != 0)
				return jc_fail(jc, JC_ERR_SHAPE, &jc_root, "line %zu: the header is not \"%s\"", lineno, header);
			continue;
		}
		if (ll == 0)
			continue;
		if (ll > CSV_LINE_MAX)
			return jc_fail(jc, JC_ERR_SHAPE, &jc_root, "line %zu: the line is longer than %d bytes", lineno,
						   CSV_LINE_MAX);
		c1 = memchr(line, ',', ll);
		c2 = c1 ? memchr(c1 + 1, ',', ll - (size_t) (c1 + 1 - line)) : NULL;
		if (c2 == NULL || memchr(c2 + 1, ',', ll - (size_t) (c2 + 1 - line)) != NULL)
			return jc_fail(jc, JC_ERR_SHAPE, &jc_root, "line %zu: the line has not three fields", lineno);
		e = &cx->act->entries[n];
		if (c1 - line != 16 || line[4] != '-' || line[7] != '-' || line[10] != 'T' ||
			(e->date.year = jc_digits(line, 4)) < 0 ||
			(e->date.month = jc_digits(line + 5, 2)) < 0 ||
			(e->date.day = jc_digits(line + 8, 2)) < 0 ||
			!jc_valid_date(e->date.year, e->date.month, e->date.day) ||
			(e->secs = parse_clock(line + 11, 5)) < 0)
			return jc_fail(jc, JC_ERR_TIME, &jc_root, "line %zu: date_time is not a valid yyyy-mm-ddThh:mm time", lineno);
		for (k = 0; k < 3; k++)
			if ((size_t) (c2 - c1 - 1) == strlen(azm_zones[k]) &&
				memcmp(c1 + 1, azm_zones[k], strlen(azm_zones[k])) == 0)
				z = k;
		if (z < 0)
			return jc_fail(jc, JC_ERR_SHAPE, &jc_root, "line %zu: heart_zone_id is not FAT_BURN, CARDIO or PEAK", lineno);
		minutes = (ll - (size_t) (c2 + 1 - line) >= 1 && ll - (size_t) (c2 + 1 - line) <= 2) ?
			jc_digits(c2 + 1, (int) (ll - (size_t) (c2 + 1 - line))) : -1;
		if (minutes < 0 || minutes > 2)
			return jc_fail(jc, JC_ERR_RANGE, &jc_root, "line %zu: total_minutes is not 0, 1 or 2", lineno);
		for (k = 0; k < 3; k++)
			e->value[k] = -1;
		e->value[z] = minutes;
		n++;
		cx->act->nentries = n;
	}
	if (lineno == 0)
		return jc_fail(jc, JC_ERR_SHAPE, &jc_root, "the file is empty");
	return JC_OK;
}

/*
 * Parse a file of kind into act.  Returns FITBIT_OK, or an error kind with
 * err filled in; act is left empty on error.
 */
FitbitErrorKind
fitbit_activity_parse(FitbitActivityKind kind, const char *buf, size_t len,
					  FitbitActivity *act, FitbitError *err)
{
	FitbitError local_err;
	ActCtx		cx;
	JcKind		rc;

	if (err == NULL)
		err = &local_err;
	memset(err, 0, sizeof(*err));
	memset(act, 0, sizeof(*act));
	jc_init(&cx.jc, buf, len, JC_DEPTH_AFTER_SCAN, err->path,
			sizeof(err->path), err->message, sizeof(err->message));
	cx.act = act;
	act->kind = kind;
	if (kind == FA_NONE)
		rc = jc_fail(&cx.jc, JC_ERR_SHAPE, &jc_root, "not a fitbit activity file");
	else if (kind == FA_EXPORT_AZM_CSV)
		rc = read_csv(&cx, buf, len);
	else
		rc = read_json(&cx);
	jc_done(&cx.jc);
	if (rc != JC_OK)
		fitbit_activity_free(act);
	err->kind = (FitbitErrorKind) cx.jc.kind;
	return (FitbitErrorKind) rc;
}

/* Release everything act owns; safe to repeat. */
void
fitbit_activity_free(FitbitActivity *act)
{
	if (act == NULL)
		return;
	free(act->entries);
	memset(act, 0, sizeof(*act));
}
