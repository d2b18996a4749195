/*-------------------------------------------------------------------------
 *
 * fuzz_fitbit_vitals.c
 *	  Fuzz target for fitbit_vitals_parse() (src/providers/
 *	  fitbit_vitals_parse.c): the Fitbit files of vitals and body
 *	  measurements, saved Web API responses and export files.
 *
 * The first byte chooses the kind (byte % 11 + 1, in the order of
 * FitbitVitalsKind); the rest is the document.  Properties:
 *
 *	- the result and the error agree; a failed parse leaves the document
 *	  empty, with a path and a message in the error;
 *	- what a successful parse returns is within range: real dates, local
 *	  times within their day, every value NaN or inside the silver
 *	  tables' checks, rows of the tables the kind fills;
 *	- a second parse of the same bytes gives the same result.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

#include <math.h>

#include "providers/fitbit_parse.h"

static void
check_doc(const FitbitVitalsDoc *doc, FitbitVitalsKind kind)
{
	size_t		i;
	int			k;

	FUZZ_CHECK(doc->kind == kind, "kind %d, asked %d", (int) doc->kind, (int) kind);
	FUZZ_CHECK((doc->nrows == 0) || doc->rows != NULL, "rows missing");
	for (i = 0; i < doc->nrows; i++)
	{
		const FitbitVitalRow *r = &doc->rows[i];

		FUZZ_CHECK((int) r->table >= 0 && r->table <= FV_DAILY_VO2_MAX, "table %d",
				   (int) r->table);
		if (!r->utc)
		{
			FUZZ_CHECK(fuzz_valid_date(r->date.year, r->date.month, r->date.day),
					   "row %zu date %d-%d-%d", i, r->date.year, r->date.month,
					   r->date.day);
			FUZZ_CHECK(r->t >= 0 && r->t < 86400, "row %zu local time %lld", i,
					   (long long) r->t);
		}
		if (r->table == FV_WEIGHT)
			FUZZ_CHECK(r->v[0] > 0 && r->v[0] < 700, "row %zu weight %g kg", i, r->v[0]);
		if (r->table == FV_DAILY_TEMPERATURE)
			FUZZ_CHECK(isnan(r->v[1]) || (r->v[1] >= -10 && r->v[1] <= 50),
					   "row %zu baseline %g", i, r->v[1]);
		for (k = 0; k < FITBIT_VITAL_VALUES; k++)
			FUZZ_CHECK(isnan(r->v[k]) || (r->v[k] >= -10 && r->v[k] <= 999),
					   "row %zu value %d is %g", i, k, r->v[k]);
		if (r->table != FV_DAILY_HRV && r->table != FV_DAILY_SPO2 &&
			r->table != FV_DAILY_TEMPERATURE)
			FUZZ_CHECK(!isnan(r->v[0]), "row %zu without its value", i);
		FUZZ_CHECK(memchr(r->id, '\0', sizeof(r->id)) != NULL, "id not terminated");
	}
}

static bool
same_doc(const FitbitVitalsDoc *a, const FitbitVitalsDoc *b)
{
	size_t		i;
	int			k;

	if (a->kind != b->kind || a->nrows != b->nrows)
		return false;
	for (i = 0; i < a->nrows; i++)
	{
		const FitbitVitalRow *x = &a->rows[i];
		const FitbitVitalRow *y = &b->rows[i];

		if (x->table != y->table || x->utc != y->utc || x->t != y->t ||
			x->manual != y->manual || x->flag != y->flag || strcmp(x->id, y->id) != 0)
			return false;
		for (k = 0; k < FITBIT_VITAL_VALUES; k++)
			if (!(isnan(x->v[k]) ? isnan(y->v[k]) : x->v[k] == y->v[k]))
				return false;
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FitbitVitalsKind kind;
	FitbitVitalsDoc doc;
	FitbitVitalsDoc doc2;
	FitbitError err;
	FitbitError err2;
	FitbitErrorKind rc;
	FitbitErrorKind rc2;

	if (size < 1)
		return 0;
	kind = (FitbitVitalsKind) (data[0] % 11 + 1);
	rc = fitbit_vitals_parse(kind, (const char *) data + 1, size - 1, &doc, &err);
	if (rc == FITBIT_OK)
	{
		FUZZ_CHECK(err.kind == FITBIT_OK, "success with error kind %d", (int) err.kind);
		check_doc(&doc, kind);
	}
	else
	{
		FUZZ_CHECK(err.kind == rc, "error kinds %d and %d", (int) rc, (int) err.kind);
		FUZZ_CHECK(doc.nrows == 0 && doc.rows == NULL, "a failed parse left rows");
		FUZZ_CHECK(err.message[0] != '\0', "an error without a message");
	}
	rc2 = fitbit_vitals_parse(kind, (const char *) data + 1, size - 1, &doc2, &err2);
	FUZZ_CHECK(rc2 == rc, "a second parse gave %d, the first %d", (int) rc2, (int) rc);
	FUZZ_CHECK(rc != FITBIT_OK || same_doc(&doc, &doc2), "a second parse differs");
	fitbit_vitals_free(&doc);
	fitbit_vitals_free(&doc2);
	return 0;
}
