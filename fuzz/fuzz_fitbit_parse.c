/*-------------------------------------------------------------------------
 *
 * fuzz_fitbit_parse.c
 *	  Fuzz target for fitbit_parse() (src/fitbit_parse.c): saved Fitbit Web
 *	  API heart-rate responses and the files of a Fitbit account export.
 *
 * The first byte chooses the file name hint (none, or one of the export's
 * names, which decide the kind of an empty array); the rest is the
 * document.  Beyond "no crash, no leak, no undefined behaviour":
 *
 *	- the result and the error agree: FITBIT_OK with an empty error, or an
 *	  error kind with a path starting at "$", a message, and an empty doc;
 *	- messages and paths are NUL-terminated, valid UTF-8 (they go into the
 *	  server's error reports);
 *	- json-c and the parser's own scanner never disagree about the bytes;
 *	- everything a successful parse returns is within the documented
 *	  ranges (dates real, heart rates 20..250, times of day 0..86399,
 *	  confidences 0..3, zone bounds ordered, minutes 0..1500);
 *	- a second parse of the same bytes gives the same result.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

#include "providers/fitbit_parse.h"

static const char *const hints[] = {
	NULL,
	"heart_rate-2018-10-04.json",
	"time_in_heart_rate_zones-2018-10-04.json",
	"resting_heart_rate-2018-10-04.json",
	"/data/export/heart_rate-2018-10-05.json",
	"2017-05-01_datadumpHeart.json",
	"",
	"steps-2018-10-04.json"
};

static void
check_doc(const FitbitDoc *doc)
{
	size_t		i;
	int			k;

	FUZZ_CHECK(doc->kind != FITBIT_DOC_UNKNOWN, "success with an unknown kind");
	FUZZ_CHECK(strcmp(fitbit_doc_kind_name(doc->kind), "unknown") != 0,
			   "kind %d has no name", (int) doc->kind);
	FUZZ_CHECK((doc->ndays == 0) == (doc->days == NULL), "ndays and days disagree");
	FUZZ_CHECK((doc->nsamples == 0) == (doc->t == NULL), "nsamples and t disagree");
	FUZZ_CHECK((doc->nsleep == 0) == (doc->sleep == NULL), "nsleep and sleep disagree");
	for (i = 0; i < doc->nsleep; i++)
	{
		const FitbitSleepLog *l = &doc->sleep[i];
		size_t		j;

		FUZZ_CHECK(l->end_local >= 0 || l->duration_ms >= 0, "log %zu has no end", i);
		FUZZ_CHECK((l->ndata == 0) == (l->data == NULL), "ndata and data disagree");
		FUZZ_CHECK((l->nshort == 0) == (l->short_data == NULL), "nshort and short_data disagree");
		for (j = 0; j < l->ndata; j++)
			FUZZ_CHECK(l->data[j].stage >= 0 && l->data[j].stage < FITBIT_SLEEP_STAGES &&
					   l->data[j].seconds >= 0, "log %zu entry %zu", i, j);
	}
	if (doc->kind == FITBIT_API_HEART)
		FUZZ_CHECK(doc->ndays >= 1, "an API document without days");
	if (doc->nsamples > 0 && doc->kind == FITBIT_API_HEART)
		FUZZ_CHECK(doc->ndays == 1, "intraday samples with %zu days", doc->ndays);
	for (i = 0; i < doc->ndays; i++)
	{
		const FitbitDaySummary *d = &doc->days[i];

		if (doc->kind == FITBIT_API_HEART || d->has_resting ||
			d->has_zone_bounds || d->has_zone_minutes)
			FUZZ_CHECK(fuzz_valid_date(d->date.year, d->date.month, d->date.day),
					   "day %zu has date %d-%d-%d", i, d->date.year,
					   d->date.month, d->date.day);
		if (d->has_resting)
			FUZZ_CHECK(d->resting_hr > 0 && d->resting_hr <= 250,
					   "resting heart rate %g", d->resting_hr);
		if (d->has_zone_bounds)
			for (k = 0; k < FITBIT_ZONES; k++)
				FUZZ_CHECK(d->zone_min[k] >= 0 && d->zone_min[k] < d->zone_max[k] &&
						   d->zone_max[k] <= 300, "zone %d bounds %d..%d", k,
						   d->zone_min[k], d->zone_max[k]);
		if (d->has_zone_minutes)
			for (k = 0; k < FITBIT_ZONES; k++)
				FUZZ_CHECK(d->zone_minutes[k] >= 0 && d->zone_minutes[k] <= 1500,
						   "zone %d minutes %g", k, d->zone_minutes[k]);
	}
	for (i = 0; i < doc->nsamples; i++)
	{
		FUZZ_CHECK(doc->bpm[i] >= FITBIT_MIN_BPM && doc->bpm[i] <= FITBIT_MAX_BPM,
				   "sample %zu bpm %d", i, doc->bpm[i]);
		if (doc->kind == FITBIT_API_HEART)
		{
			FUZZ_CHECK(doc->t[i] >= 0 && doc->t[i] < 86400, "sample %zu t %lld", i,
					   (long long) doc->t[i]);
			FUZZ_CHECK(doc->confidence[i] == -1, "API sample with a confidence");
		}
		else
		{
			FUZZ_CHECK(doc->kind == FITBIT_EXPORT_HEART_RATE,
					   "samples in a document of kind %d", (int) doc->kind);
			/* 2000-01-01 .. 2099-12-31 23:59:59 UTC */
			FUZZ_CHECK(doc->t[i] >= 946684800LL && doc->t[i] < 4102444800LL,
					   "export sample %zu t %lld", i, (long long) doc->t[i]);
			FUZZ_CHECK(doc->confidence[i] >= 0 && doc->confidence[i] <= 3,
					   "confidence %d", doc->confidence[i]);
		}
	}
	if (doc->dataset_type[0] != '\0')
		FUZZ_CHECK(strcmp(doc->dataset_type, "second") == 0 ||
				   strcmp(doc->dataset_type, "minute") == 0,
				   "dataset type \"%s\"", doc->dataset_type);
	FUZZ_CHECK(doc->dataset_interval >= 0 && doc->dataset_interval <= 1440,
			   "dataset interval %d", doc->dataset_interval);
}

static bool
zeroed(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t		i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *hint;
	FitbitDoc	doc;
	FitbitDoc	doc2;
	FitbitError err;
	FitbitError err2;
	FitbitErrorKind rc;
	FitbitErrorKind rc2;

	if (size < 1)
		return 0;
	hint = hints[data[0] % (sizeof(hints) / sizeof(hints[0]))];
	data++;
	size--;

	memset(&doc, 0xAB, sizeof(doc));	/* the parser must not rely on a zeroed doc */
	rc = fitbit_parse((const char *) data, size, hint, &doc, &err);
	FUZZ_CHECK_ERROR(rc, err);
	if (rc == FITBIT_OK)
	{
		FUZZ_CHECK(err.message[0] == '\0' && err.path[0] == '\0',
				   "success with an error message \"%s\"", err.message);
		check_doc(&doc);
	}
	else
	{
		FUZZ_CHECK(err.path[0] == '$', "error path \"%s\" does not start at $", err.path);
		FUZZ_CHECK(err.message[0] != '\0', "an error without a message");
		FUZZ_CHECK(zeroed(&doc, sizeof(doc)), "a failed parse left data in the doc");
		FUZZ_CHECK(!fuzz_is_disagreement(err.message),
				   "json-c and the scanner disagree: %s at %s", err.message, err.path);
	}

	/* deterministic: the same bytes give the same answer */
	rc2 = fitbit_parse((const char *) data, size, hint, &doc2, &err2);
	FUZZ_CHECK(rc2 == rc && strcmp(err.message, err2.message) == 0 &&
			   strcmp(err.path, err2.path) == 0 &&
			   doc.kind == doc2.kind && doc.ndays == doc2.ndays &&
			   doc.nsamples == doc2.nsamples,
			   "a second parse gave a different result");
	if (doc.nsamples > 0)
		FUZZ_CHECK(memcmp(doc.t, doc2.t, doc.nsamples * sizeof(int64_t)) == 0 &&
				   memcmp(doc.bpm, doc2.bpm, doc.nsamples * sizeof(int16_t)) == 0,
				   "a second parse gave different samples");
	fitbit_doc_free(&doc);
	fitbit_doc_free(&doc2);
	fitbit_doc_free(&doc2);		/* safe to repeat */
	return 0;
}
