/*-------------------------------------------------------------------------
 *
 * fuzz_gh_page.c
 *	  Fuzz target for gh_parse_page() (src/gh_parse.c): one page of a
 *	  Google Health API v4 list, reconcile or dailyRollUp response.
 *
 * The first byte chooses the data type (byte % GH_DATA_TYPE_COUNT, in the
 * order of GhDataType: heart-rate, daily-resting-heart-rate,
 * daily-heart-rate-zones, time-in-heart-rate-zone, exercise, sleep, steps,
 * then the vitals and body types); the rest is the page.  First bytes
 * from 0xF0 are also read with an out-of-range type, which must be
 * refused.  Properties:
 *
 *	- the result and the error agree; a failed parse leaves the page empty
 *	  (with its type set) and an error with a "$" path and a message, in
 *	  valid UTF-8;
 *	- json-c and the parser's own scanner never disagree about the bytes;
 *	- what a successful parse returns is within range: heart rates
 *	  20..250, UTC offsets within 18 hours, real dates, intervals that do
 *	  not end before they start, zone bounds ordered, strings of the
 *	  allowed characters and lengths (page tokens go into URLs, enum names
 *	  into SQL text);
 *	- a second parse of the same bytes gives the same result.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

#include "providers/gh_parse.h"

#include <math.h>

#define UTC_OFFSET_MAX (18 * 3600)

static void
check_chars(const char *s, const char *what, int rule, size_t maxlen)
{
	size_t		n;
	size_t		i;

	FUZZ_CHECK(s != NULL, "%s is NULL", what);
	n = strlen(s);
	FUZZ_CHECK(n > 0 && n <= maxlen, "%s has length %zu", what, n);
	for (i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (rule == 0)			/* enum */
			FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					   (c >= '0' && c <= '9') || c == '_',
					   "%s contains byte 0x%02x", what, c);
		else if (rule == 1)		/* visible ASCII: names, page tokens */
			FUZZ_CHECK(c > 0x20 && c < 0x7f, "%s contains byte 0x%02x", what, c);
	}
}

static void
check_date(const GhDate *d, const char *what)
{
	FUZZ_CHECK(fuzz_valid_date(d->year, d->month, d->day), "%s %d-%d-%d", what,
			   d->year, d->month, d->day);
}

static void
check_page(const GhPage *p, GhDataType type)
{
	size_t		i;
	size_t		j;
	int			k;

	FUZZ_CHECK(p->type == type, "page type %d, asked %d", (int) p->type, (int) type);
	if (p->next_page_token)
		check_chars(p->next_page_token, "nextPageToken", 1, 4096);
	FUZZ_CHECK(type == GH_HEART_RATE || p->nsamples == 0, "samples in a %s page",
			   gh_data_type_name(type));
	for (i = 0; i < p->nsamples; i++)
	{
		FUZZ_CHECK(p->bpm[i] >= GH_MIN_BPM && p->bpm[i] <= GH_MAX_BPM, "bpm %d", p->bpm[i]);
		FUZZ_CHECK(p->utc_offset[i] >= -UTC_OFFSET_MAX && p->utc_offset[i] <= UTC_OFFSET_MAX,
				   "utc offset %d", p->utc_offset[i]);
		/* 0001-01-01T00:00:00+23:59 .. 9999-12-31T23:59:59-23:59 */
		FUZZ_CHECK(p->t[i] >= -62135596800LL - 86400 && p->t[i] <= 253402300799LL + 86400,
				   "sample time %lld", (long long) p->t[i]);
	}
	FUZZ_CHECK(p->ndaily == 0 || type == GH_DAILY_RESTING_HEART_RATE ||
			   type == GH_DAILY_HEART_RATE_ZONES || type == GH_TIME_IN_HEART_RATE_ZONE,
			   "daily entries in a %s page", gh_data_type_name(type));
	for (i = 0; i < p->ndaily; i++)
	{
		const GhDaily *d = &p->daily[i];

		check_date(&d->date, "daily date");
		if (type == GH_DAILY_RESTING_HEART_RATE)
			FUZZ_CHECK(d->has_resting && d->resting_bpm >= GH_MIN_BPM &&
					   d->resting_bpm <= GH_MAX_BPM, "resting bpm %d", d->resting_bpm);
		if (type == GH_DAILY_HEART_RATE_ZONES)
		{
			FUZZ_CHECK(d->has_zones, "a zones point without zones");
			for (k = 0; k < GH_ZONES; k++)
				FUZZ_CHECK(d->zone_min[k] >= 0 && d->zone_min[k] <= d->zone_max[k] &&
						   d->zone_max[k] <= 300, "zone %d %d..%d", k,
						   d->zone_min[k], d->zone_max[k]);
		}
		if (d->has_zone_seconds)
			for (k = 0; k < GH_ZONES; k++)
				FUZZ_CHECK(d->zone_seconds[k] >= 0 && d->zone_seconds[k] <= 2 * 86400,
						   "zone seconds %lld", (long long) d->zone_seconds[k]);
	}
	FUZZ_CHECK(p->nexercise == 0 || type == GH_EXERCISE, "exercise in a %s page",
			   gh_data_type_name(type));
	for (i = 0; i < p->nexercise; i++)
	{
		const GhExercise *e = &p->exercise[i];

		check_chars(e->id, "exercise id", 1, 1024);
		check_chars(e->exercise_type, "exercise type", 0, 64);
		if (e->display_name)
			FUZZ_CHECK(strlen(e->display_name) > 0 && strlen(e->display_name) <= 4096,
					   "display name length");
		FUZZ_CHECK(e->end >= e->start, "exercise ends before it starts");
		FUZZ_CHECK(e->start_utc_offset >= -UTC_OFFSET_MAX &&
				   e->start_utc_offset <= UTC_OFFSET_MAX, "exercise offset");
		FUZZ_CHECK(e->active_seconds >= -1 && e->active_seconds <= 7 * 86400,
				   "active seconds %lld", (long long) e->active_seconds);
		FUZZ_CHECK(e->distance_m == -1 || (e->distance_m >= 0 && e->distance_m <= 1e7),
				   "distance %g", e->distance_m);
		FUZZ_CHECK(e->calories_kcal == -1 || (e->calories_kcal >= 0 && e->calories_kcal <= 100000),
				   "calories %g", e->calories_kcal);
		FUZZ_CHECK(e->steps >= -1 && e->steps <= 1000000, "steps %lld", (long long) e->steps);
		FUZZ_CHECK(e->avg_heart_rate == -1 ||
				   (e->avg_heart_rate >= GH_MIN_BPM && e->avg_heart_rate <= GH_MAX_BPM),
				   "average heart rate %d", e->avg_heart_rate);
		for (k = 0; k < GH_ZONES; k++)
			FUZZ_CHECK(e->zone_seconds[k] >= -1 && e->zone_seconds[k] <= 7 * 86400,
					   "exercise zone seconds");
	}
	FUZZ_CHECK(p->nsleep == 0 || type == GH_SLEEP, "sleep in a %s page",
			   gh_data_type_name(type));
	for (i = 0; i < p->nsleep; i++)
	{
		const GhSleep *s = &p->sleep[i];

		check_chars(s->id, "sleep id", 1, 1024);
		check_chars(s->sleep_type, "sleep type", 0, 64);
		FUZZ_CHECK(s->end >= s->start, "sleep ends before it starts");
		FUZZ_CHECK(s->end_utc_offset >= -UTC_OFFSET_MAX && s->end_utc_offset <= UTC_OFFSET_MAX,
				   "sleep offset");
		FUZZ_CHECK(s->minutes_asleep >= -1 && s->minutes_asleep <= 2880, "minutes asleep");
		FUZZ_CHECK(s->minutes_awake >= -1 && s->minutes_awake <= 2880, "minutes awake");
		FUZZ_CHECK(s->minutes_in_period >= -1 && s->minutes_in_period <= 2880, "minutes in period");
		FUZZ_CHECK((s->nstages == 0) == (s->stages == NULL), "nstages and stages disagree");
		for (j = 0; j < s->nstages; j++)
		{
			check_chars(s->stages[j].type, "stage type", 0, 64);
			FUZZ_CHECK(s->stages[j].minutes >= 0 && s->stages[j].minutes <= 2880,
					   "stage minutes");
		}
	}
	FUZZ_CHECK(p->nsteps == 0 || type == GH_STEPS, "steps in a %s page",
			   gh_data_type_name(type));
	for (i = 0; i < p->nsteps; i++)
	{
		const GhSteps *s = &p->steps[i];

		FUZZ_CHECK(s->end >= s->start, "steps end before they start");
		FUZZ_CHECK(s->count >= 0 && s->count <= 100000, "step count");
		FUZZ_CHECK(s->start_utc_offset >= -UTC_OFFSET_MAX &&
				   s->start_utc_offset <= UTC_OFFSET_MAX, "steps offset");
	}
	FUZZ_CHECK(p->nvitals == 0 || gh_is_vital(type), "vitals in a %s page",
			   gh_data_type_name(type));
	for (i = 0; i < p->nvitals; i++)
	{
		const GhVital *v = &p->vitals[i];

		if (gh_vital_is_daily(type))
			check_date(&v->date, "vitals date");
		else
			FUZZ_CHECK(v->utc_offset >= -UTC_OFFSET_MAX &&
					   v->utc_offset <= UTC_OFFSET_MAX, "vitals offset");
		/* the first value of every type but two daily ones is required */
		FUZZ_CHECK(!isnan(v->v[0]) || type == GH_DAILY_HEART_RATE_VARIABILITY ||
				   type == GH_DAILY_OXYGEN_SATURATION, "a required value is missing");
		for (k = 0; k < GH_VITAL_VALUES; k++)
			FUZZ_CHECK(isnan(v->v[k]) || (v->v[k] >= -10 && v->v[k] <= 699000),
					   "vitals value %g", v->v[k]);
		if (v->text)
			check_chars(v->text, "vitals enum", 0, 64);
		if (v->id)
			check_chars(v->id, "vitals name", 1, 1024);
	}
}

static bool
page_empty(const GhPage *p, GhDataType type)
{
	GhPage		empty;

	memset(&empty, 0, sizeof(empty));
	empty.type = type;
	return memcmp(p, &empty, sizeof(empty)) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GhDataType	type;
	GhPage		page;
	GhPage		page2;
	GhError		err;
	GhError		err2;
	GhErrorKind rc;
	GhErrorKind rc2;

	if (size < 1)
		return 0;
	type = (GhDataType) (data[0] % GH_DATA_TYPE_COUNT);
	if (data[0] >= 0xF0)
	{
		/* an unknown type is refused, whatever the bytes */
		rc = gh_parse_page((GhDataType) (GH_DATA_TYPE_COUNT + (data[0] & 7)),
						   (const char *) data + 1, size - 1, &page, &err);
		FUZZ_CHECK(rc == GH_ERR_SHAPE, "an unknown data type was accepted");
		gh_page_free(&page);
	}
	data++;
	size--;

	memset(&page, 0xCD, sizeof(page));	/* the parser must not rely on a zeroed page */
	rc = gh_parse_page(type, (const char *) data, size, &page, &err);
	FUZZ_CHECK_ERROR(rc, err);
	if (rc == GH_OK)
	{
		FUZZ_CHECK(err.message[0] == '\0', "success with an error message");
		check_page(&page, type);
	}
	else
	{
		FUZZ_CHECK(err.path[0] == '$', "error path \"%s\"", err.path);
		FUZZ_CHECK(err.message[0] != '\0', "an error without a message");
		FUZZ_CHECK(page_empty(&page, type), "a failed parse left data in the page");
		FUZZ_CHECK(!fuzz_is_disagreement(err.message),
				   "json-c and the scanner disagree: %s at %s", err.message, err.path);
	}

	rc2 = gh_parse_page(type, (const char *) data, size, &page2, &err2);
	FUZZ_CHECK(rc2 == rc && strcmp(err.message, err2.message) == 0 &&
			   strcmp(err.path, err2.path) == 0 &&
			   page.nsamples == page2.nsamples && page.ndaily == page2.ndaily &&
			   page.nexercise == page2.nexercise && page.nsleep == page2.nsleep &&
			   page.nsteps == page2.nsteps,
			   "a second parse gave a different result");
	if (page.nsamples > 0)
		FUZZ_CHECK(memcmp(page.t, page2.t, page.nsamples * sizeof(int64_t)) == 0 &&
				   memcmp(page.bpm, page2.bpm, page.nsamples * sizeof(int16_t)) == 0 &&
				   memcmp(page.utc_offset, page2.utc_offset, page.nsamples * sizeof(int)) == 0,
				   "a second parse gave different samples");
	gh_page_free(&page);
	gh_page_free(&page2);
	gh_page_free(&page2);
	return 0;
}
