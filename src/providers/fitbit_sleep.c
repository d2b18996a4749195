/*-------------------------------------------------------------------------
 *
 * fitbit_sleep.c
 *	  Parse and validate Fitbit sleep logs: the Web API's sleep responses
 *	  ({"sleep": [...]}, from /1.2/user/-/sleep/date/... and sleep/list)
 *	  and the sleep-YYYY-MM-DD.json files of an account export or Google
 *	  Takeout (a top-level array of the same logs).
 *
 * A log has its times as local clock times without an offset
 * ("2017-04-01T23:58:30.000"); they are kept as seconds of the local clock
 * and placed in time by the caller, who knows the account's zone.  Its
 * stages come as levels.data (wake, light, deep, rem for "stages" logs;
 * awake, restless, asleep for "classic" ones), with levels.shortData
 * holding the short wakes that Fitbit draws over the stages they interrupt;
 * fitbit_sleep_spans() does the same, so that every moment of a night has
 * one stage.  Stage names become the Google Health API's (AWAKE, LIGHT,
 * DEEP, REM, ASLEEP, RESTLESS).
 *
 * fitbit_parse.c scans the bytes and hands a document that is sleep to the
 * readers here.  Plain C over json-c with no PostgreSQL dependency, like
 * the rest of the parser; every field used is checked for presence, type
 * and range, and an error names its JSON path.
 *
 * src/providers/fitbit_sleep.c
 *
 *-------------------------------------------------------------------------
 */
#include "providers/fitbit_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/json_check.h"

/* Ranges of the checked fields. */
#define SLEEP_MINUTES_MAX 2880	/* two days */
#define SLEEP_SECONDS_MAX (2 * 86400)
#define SLEEP_DURATION_MS_MAX (INT64_C(2) * 86400 * 1000)

const char *const fitbit_sleep_stage_names[FITBIT_SLEEP_STAGES] = {
	"AWAKE", "LIGHT", "DEEP", "REM", "ASLEEP", "RESTLESS"
};

/* Fitbit's level names and the stage each one is. */
static const struct
{
	const char *name;
	int			stage;
}			fitbit_levels[] = {
	{"wake", 0}, {"awake", 0}, {"light", 1}, {"deep", 2}, {"rem", 3},
	{"asleep", 4}, {"restless", 5}
};

typedef struct SleepCtx
{
	JsonCheck  *jc;
	FitbitDoc  *doc;
} SleepCtx;

/* The stage of a Fitbit level name of len bytes, or -1. */
static int
level_stage(const char *s, size_t len)
{
	size_t		i;

	for (i = 0; i < sizeof(fitbit_levels) / sizeof(fitbit_levels[0]); i++)
	{
		if (strlen(fitbit_levels[i].name) == len &&
			memcmp(s, fitbit_levels[i].name, len) == 0)
			return fitbit_levels[i].stage;
	}
	return -1;
}

/*
 * Parse "YYYY-MM-DDTHH:MM:SS" with an optional fraction (".000"), a local
 * clock time, into seconds since 1970-01-01 00:00 of that clock.
 */
static bool
parse_local_time(const char *s, size_t len, int64_t *out)
{
	int			c1,
				c2,
				mo,
				d,
				h,
				mi,
				se;
	size_t		i;

	if (len < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
		s[13] != ':' || s[16] != ':')
		return false;
	if (len > 19)
	{
		if (s[19] != '.' || len == 20 || len > 29)
			return false;
		for (i = 20; i < len; i++)
			if (s[i] < '0' || s[i] > '9')
				return false;
	}
	c1 = jc_two_digits(s);
	c2 = jc_two_digits(s + 2);
	mo = jc_two_digits(s + 5);
	d = jc_two_digits(s + 8);
	h = jc_two_digits(s + 11);
	mi = jc_two_digits(s + 14);
	se = jc_two_digits(s + 17);
	if (c1 < 0 || c2 < 0 || mo < 0 || d < 0 || h < 0 || h > 23 ||
		mi < 0 || mi > 59 || se < 0 || se > 59 ||
		!jc_valid_date(c1 * 100 + c2, mo, d))
		return false;
	*out = jc_days_from_civil(c1 * 100 + c2, mo, d) * 86400 +
		h * 3600 + mi * 60 + se;
	return true;
}

/* parse_local_time() in the shape jc_check_text() calls. */
static bool
local_time_text(const char *s, size_t len, void *out)
{
	return parse_local_time(s, len, (int64_t *) out);
}

/* Fetch a local time member; absent leaves *out alone unless required. */
static JcKind
member_local_time(JsonCheck *jc, json_object *obj, const JcPath *at,
				  const char *key, bool required, int64_t *out)
{
	JcPath		mp = {at, key, 0};
	json_object *v;
	JcKind		rc;

	rc = jc_get_member(jc, obj, at, key, required, &v);
	if (rc != JC_OK || v == NULL)
		return rc;
	return jc_check_text(jc, v, &mp, key, local_time_text, out, JC_ERR_TIME,
						 "a local time such as \"2017-04-01T23:58:30.000\"");
}

/*
 * Read levels.data or levels.shortData: entries {dateTime (or datetime),
 * level, seconds}.
 */
static JcKind
read_entries(JsonCheck *jc, json_object *levels, const JcPath *lp,
			 const char *key, FitbitSleepEntry **out, size_t *nout)
{
	JcPath		ap = {lp, key, 0};
	json_object *arr;
	size_t		n;
	size_t		i;
	JcKind		rc;

	if ((rc = jc_member_array(jc, levels, lp, key, false, &arr)) != JC_OK)
		return rc;
	n = arr != NULL ? json_object_array_length(arr) : 0;
	if (n == 0)
		return JC_OK;
	*out = calloc(n, sizeof(FitbitSleepEntry));
	if (*out == NULL)
		return jc_fail_nomem(jc, &ap);
	*nout = n;
	for (i = 0; i < n; i++)
	{
		json_object *el = json_object_array_get_idx(arr, i);
		JcPath		ep = {&ap, NULL, i};
		JcPath		levp = {&ep, "level", 0};
		FitbitSleepEntry *e = &(*out)[i];
		const char *time_key = "dateTime";
		json_object *lv;
		json_object *tv;
		const char *s;
		size_t		len;
		char		d[JC_DESC_SIZE];

		e->index = i;
		if ((rc = jc_check_object(jc, el, &ep, "level entry")) != JC_OK)
			return rc;
		if (!json_object_object_get_ex(el, "dateTime", &tv) &&
			json_object_object_get_ex(el, "datetime", &tv))
			time_key = "datetime";
		if ((rc = member_local_time(jc, el, &ep, time_key, true, &e->local)) != JC_OK ||
			(rc = jc_member_chars(jc, el, &ep, "level", &lv, &s, &len)) != JC_OK ||
			(rc = jc_member_int(jc, el, &ep, "seconds", true, 0,
								SLEEP_SECONDS_MAX, &e->seconds)) != JC_OK)
			return rc;
		e->stage = level_stage(s, len);
		if (e->stage < 0)
			return jc_fail(jc, JC_ERR_RANGE, &levp,
						   "level %s is none of wake, light, deep, rem, awake, restless and asleep",
						   jc_describe(jc, lv, d, sizeof(d)));
	}
	return JC_OK;
}

/* Read levels.summary: {level: {minutes, ...}}; other levels are ignored. */
static JcKind
read_summary(JsonCheck *jc, json_object *levels, const JcPath *lp,
			 FitbitSleepLog *log)
{
	JcPath		sp = {lp, "summary", 0};
	json_object *summary;
	size_t		i;
	JcKind		rc;

	if ((rc = jc_member_object(jc, levels, lp, "summary", false, &summary)) != JC_OK ||
		summary == NULL)
		return rc;
	for (i = 0; i < sizeof(fitbit_levels) / sizeof(fitbit_levels[0]); i++)
	{
		const char *name = fitbit_levels[i].name;
		JcPath		np = {&sp, name, 0};
		json_object *lv;
		int64_t		minutes = -1;

		if ((rc = jc_member_object(jc, summary, &sp, name, false, &lv)) != JC_OK)
			return rc;
		if (lv == NULL)
			continue;
		if ((rc = jc_member_int(jc, lv, &np, "minutes", true, 0,
								SLEEP_MINUTES_MAX, &minutes)) != JC_OK)
			return rc;
		log->summary[fitbit_levels[i].stage] = minutes;
	}
	return JC_OK;
}

/* Read one sleep log. */
static JcKind
read_log(void *arg, json_object *elem, const JcPath *at, size_t index)
{
	SleepCtx   *cx = arg;
	JsonCheck  *jc = cx->jc;
	FitbitSleepLog *log = &cx->doc->sleep[index];
	JcPath		tp = {at, "type", 0};
	JcPath		ep = {at, "endTime", 0};
	JcPath		lp = {at, "levels", 0};
	json_object *type;
	json_object *levels;
	int			k;
	JcKind		rc;

	log->main_sleep = true;
	log->end_local = -1;
	log->duration_ms = -1;
	log->minutes_asleep = -1;
	log->minutes_awake = -1;
	log->time_in_bed = -1;
	for (k = 0; k < FITBIT_SLEEP_STAGES; k++)
		log->summary[k] = -1;

	if ((rc = jc_check_object(jc, elem, at, "sleep log")) != JC_OK ||
		(rc = jc_member_int(jc, elem, at, "logId", true, 0, INT64_MAX,
							&log->log_id)) != JC_OK ||
		(rc = member_local_time(jc, elem, at, "startTime", true,
								&log->start_local)) != JC_OK ||
		(rc = member_local_time(jc, elem, at, "endTime", false,
								&log->end_local)) != JC_OK ||
		(rc = jc_member_int(jc, elem, at, "duration", false, 0,
							SLEEP_DURATION_MS_MAX, &log->duration_ms)) != JC_OK ||
		(rc = jc_member_bool(jc, elem, at, "isMainSleep", &log->main_sleep)) != JC_OK ||
		(rc = jc_member_int(jc, elem, at, "minutesAsleep", false, 0,
							SLEEP_MINUTES_MAX, &log->minutes_asleep)) != JC_OK ||
		(rc = jc_member_int(jc, elem, at, "minutesAwake", false, 0,
							SLEEP_MINUTES_MAX, &log->minutes_awake)) != JC_OK ||
		(rc = jc_member_int(jc, elem, at, "timeInBed", false, 0,
							SLEEP_MINUTES_MAX, &log->time_in_bed)) != JC_OK ||
		(rc = jc_get_member(jc, elem, at, "type", false, &type)) != JC_OK ||
		(rc = jc_member_object(jc, elem, at, "levels", false, &levels)) != JC_OK)
		return rc;
	if (type != NULL)
	{
		const char *s;
		size_t		len;
		char		d[JC_DESC_SIZE];

		if ((rc = jc_check_string(jc, type, &tp, "type", &s, &len)) != JC_OK)
			return rc;
		if (len == 7 && memcmp(s, "classic", 7) == 0)
			log->classic = true;
		else if (!(len == 6 && memcmp(s, "stages", 6) == 0))
			return jc_fail(jc, JC_ERR_RANGE, &tp,
						   "type %s is neither \"stages\" nor \"classic\"",
						   jc_describe(jc, type, d, sizeof(d)));
	}
	if (log->end_local < 0 && log->duration_ms < 0)
		return jc_fail(jc, JC_ERR_SHAPE, &ep,
					   "endTime is missing, and so is duration");
	if (log->end_local >= 0 &&
		(log->end_local < log->start_local - 3600 ||
		 log->end_local - log->start_local > SLEEP_SECONDS_MAX))
		return jc_fail(jc, JC_ERR_RANGE, &ep,
					   "endTime is not within two days after startTime");
	if (levels == NULL)
		return JC_OK;
	if ((rc = read_summary(jc, levels, &lp, log)) != JC_OK ||
		(rc = read_entries(jc, levels, &lp, "data", &log->data,
						   &log->ndata)) != JC_OK ||
		(rc = read_entries(jc, levels, &lp, "shortData", &log->short_data,
						   &log->nshort)) != JC_OK)
		return rc;
	return JC_OK;
}

/* Make room for n logs. */
static JcKind
alloc_logs(JsonCheck *jc, FitbitDoc *doc, size_t n, const JcPath *at)
{
	if (n == 0)
		return JC_OK;
	doc->sleep = calloc(n, sizeof(FitbitSleepLog));
	if (doc->sleep == NULL)
		return jc_fail_nomem(jc, at);
	doc->nsleep = n;
	return JC_OK;
}

/*
 * A Web API sleep response: root is the parsed object, whose "sleep"
 * member holds the logs (summary and pagination are not needed).
 */
int
fitbit_sleep_read_api(struct JsonCheck *jc, struct json_object *root,
					  FitbitDoc *doc)
{
	JcPath		sp = {&jc_root, "sleep", 0};
	json_object *arr;
	SleepCtx	cx = {jc, doc};
	JcKind		rc;

	doc->kind = FITBIT_API_SLEEP;
	if ((rc = jc_member_array(jc, root, &jc_root, "sleep", true, &arr)) != JC_OK ||
		(rc = alloc_logs(jc, doc, json_object_array_length(arr), &sp)) != JC_OK)
		return rc;
	return jc_walk_array(arr, &sp, read_log, &cx);
}

/* An export file: the scanned top-level array of logs. */
int
fitbit_sleep_read_export(struct JsonCheck *jc, FitbitDoc *doc)
{
	SleepCtx	cx = {jc, doc};
	JcKind		rc;

	doc->kind = FITBIT_EXPORT_SLEEP;
	rc = alloc_logs(jc, doc, jc->scan.bulk_count, &jc_root);
	if (rc != JC_OK)
		return rc;
	return jc_walk_bulk(jc, &jc_root, read_log, &cx);
}

void
fitbit_sleep_free(FitbitDoc *doc)
{
	size_t		i;

	for (i = 0; i < doc->nsleep; i++)
	{
		free(doc->sleep[i].data);
		free(doc->sleep[i].short_data);
	}
	free(doc->sleep);
	doc->sleep = NULL;
	doc->nsleep = 0;
}


/* ----------------------------------------------------------------------
 * Stage intervals
 * ----------------------------------------------------------------------
 */

static int
span_cmp(const void *a, const void *b)
{
	const FitbitSleepSpan *x = a;
	const FitbitSleepSpan *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/*
 * Check that entries (placed at at[]) lie in [start, end) and follow each
 * other without overlapping; entries of no length are left out later.
 */
static int
check_entries(const FitbitSleepEntry *e, const int64_t *at, size_t n,
			  const char *key, int64_t start, int64_t end,
			  char *why, size_t why_size)
{
	int64_t		prev_end = start;
	size_t		prev = 0;
	bool		have_prev = false;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		if (e[i].seconds == 0)
			continue;
		if (at[i] < start || at[i] + e[i].seconds > end)
		{
			snprintf(why, why_size,
					 "levels.%s[%zu]: the entry lies outside the log's startTime and endTime",
					 key, e[i].index);
			return -1;
		}
		if (have_prev && at[i] < prev_end)
		{
			snprintf(why, why_size,
					 "levels.%s[%zu]: the entry begins before levels.%s[%zu] ends",
					 key, e[i].index, key, e[prev].index);
			return -1;
		}
		prev_end = at[i] + e[i].seconds;
		prev = i;
		have_prev = true;
	}
	return 0;
}

int
fitbit_sleep_spans(const FitbitSleepLog *log, const int64_t *data_at,
				   const int64_t *short_at, int64_t start, int64_t end,
				   FitbitSleepSpan **spans, size_t *nspans,
				   char *why, size_t why_size)
{
	FitbitSleepSpan *out;
	size_t		n = 0;
	size_t		m = 0;
	size_t		i;

	*spans = NULL;
	*nspans = 0;
	if (check_entries(log->data, data_at, log->ndata, "data", start, end,
					  why, why_size) != 0 ||
		check_entries(log->short_data, short_at, log->nshort, "shortData",
					  start, end, why, why_size) != 0)
		return -1;

	/*
	 * Every short wake splits at most one stage in two (they do not
	 * overlap each other) and is an interval of its own.
	 */
	out = malloc(sizeof(FitbitSleepSpan) * (log->ndata + 2 * log->nshort + 1));
	if (out == NULL)
	{
		snprintf(why, why_size, "levels: out of memory");
		return -1;
	}

	/* each stage, less the short wakes within it */
	for (i = 0; i < log->ndata; i++)
	{
		int64_t		a = data_at[i];
		int64_t		b = a + log->data[i].seconds;
		size_t		j;

		for (j = 0; j < log->nshort && a < b; j++)
		{
			int64_t		sa = short_at[j];
			int64_t		sb = sa + log->short_data[j].seconds;

			if (sb <= a || sa >= b || sa == sb)
				continue;
			if (sa > a)
			{
				out[n].stage = log->data[i].stage;
				out[n].start = a;
				out[n].end = sa;
				n++;
			}
			a = sb;
		}
		if (a < b)
		{
			out[n].stage = log->data[i].stage;
			out[n].start = a;
			out[n].end = b;
			n++;
		}
	}
	for (i = 0; i < log->nshort; i++)
	{
		if (log->short_data[i].seconds == 0)
			continue;
		out[n].stage = log->short_data[i].stage;
		out[n].start = short_at[i];
		out[n].end = short_at[i] + log->short_data[i].seconds;
		n++;
	}
	qsort(out, n, sizeof(FitbitSleepSpan), span_cmp);

	/* pieces of one stage that touch become one interval again */
	for (i = 0; i < n; i++)
	{
		if (m > 0 && out[m - 1].stage == out[i].stage &&
			out[m - 1].end == out[i].start)
			out[m - 1].end = out[i].end;
		else
			out[m++] = out[i];
	}
	*spans = out;
	*nspans = m;
	return 0;
}
