/*-------------------------------------------------------------------------
 *
 * test_fitbit_vitals.c
 *	  Unit tests of the parser of the Fitbit vitals and body files
 *	  (src/providers/fitbit_vitals_parse.c): recognising each kind by its
 *	  name or content, the fixtures in test/fixtures/vitals, the units and
 *	  times, and the errors with where they are.
 *
 * test/unit/test_fitbit_vitals.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdint.h>

#include "providers/fitbit_parse.h"
#include "unit_test.h"

/* Read a fixture below test/fixtures/vitals (from the repository root or test/unit). */
static char *
read_fixture(const char *name, size_t *len)
{
	static const char *const dirs[] = {"test/fixtures/vitals/", "../fixtures/vitals/"};
	size_t		d;

	for (d = 0; d < 2; d++)
	{
		char		path[512];
		FILE	   *f;
		long		size;
		char	   *buf;

		snprintf(path, sizeof(path), "%s%s", dirs[d], name);
		f = fopen(path, "rb");
		if (f == NULL)
			continue;
		fseek(f, 0, SEEK_END);
		size = ftell(f);
		fseek(f, 0, SEEK_SET);
		buf = malloc((size_t) size + 1);
		if (buf == NULL || fread(buf, 1, (size_t) size, f) != (size_t) size)
			unit_oom();
		fclose(f);
		buf[size] = '\0';
		*len = (size_t) size;
		return buf;
	}
	printf("FAIL: fixture %s not found\n", name);
	nfailed++;
	return NULL;
}

static bool
near(double a, double b)
{
	return fabs(a - b) < 1e-6;
}

/* Parse a fixture as its name and content say; the caller frees doc. */
static FitbitErrorKind
parse_fixture(const char *name, FitbitVitalsDoc *doc, FitbitVitalsKind *kind)
{
	size_t		len = 0;
	char	   *buf = read_fixture(name, &len);
	const char *base = strrchr(name, '/');
	FitbitError err;
	FitbitErrorKind rc;

	memset(doc, 0, sizeof(*doc));
	if (buf == NULL)
		return FITBIT_ERR_SHAPE;
	*kind = fitbit_vitals_detect(base ? base + 1 : name, buf, len);
	rc = fitbit_vitals_parse(*kind, buf, len, doc, &err);
	if (rc != FITBIT_OK)
		printf("     %s: %s: %s\n", name, err.path, err.message);
	free(buf);
	return rc;
}

static void
test_api(void)
{
	FitbitVitalsDoc doc;
	FitbitVitalsKind kind;

	CHECK(parse_fixture("api/hrv_summary.json", &doc, &kind) == FITBIT_OK);
	CHECK(kind == FV_API_HRV && doc.nrows == 2);
	if (doc.nrows == 2)
	{
		CHECK(doc.rows[0].table == FV_DAILY_HRV && !doc.rows[0].utc);
		CHECK(doc.rows[0].date.day == 25 && near(doc.rows[0].v[0], 41.372) &&
			  near(doc.rows[0].v[1], 46.105));
	}
	fitbit_vitals_free(&doc);

	CHECK(parse_fixture("api/hrv_intraday.json", &doc, &kind) == FITBIT_OK);
	CHECK(kind == FV_API_HRV && doc.nrows == 3);
	if (doc.nrows == 3)
		CHECK(doc.rows[1].table == FV_HRV && !doc.rows[1].utc &&
			  doc.rows[1].t == 2 * 3600 + 15 * 60 && near(doc.rows[1].v[0], 44.75));
	fitbit_vitals_free(&doc);

	CHECK(parse_fixture("api/spo2_summary.json", &doc, &kind) == FITBIT_OK);
	CHECK(kind == FV_API_SPO2 && doc.nrows == 2);
	if (doc.nrows == 2)
		CHECK(doc.rows[1].table == FV_DAILY_SPO2 && near(doc.rows[1].v[0], 95.8) &&
			  near(doc.rows[1].v[1], 92.5) && near(doc.rows[1].v[2], 98.9));
	fitbit_vitals_free(&doc);

	CHECK(parse_fixture("api/spo2_intraday.json", &doc, &kind) == FITBIT_OK);
	CHECK(kind == FV_API_SPO2 && doc.nrows == 3);
	if (doc.nrows == 3)
		CHECK(doc.rows[1].table == FV_SPO2 && near(doc.rows[1].v[0], 97) &&
			  doc.rows[1].t == 3 * 3600 + 2 * 60 + 12);
	fitbit_vitals_free(&doc);

	CHECK(parse_fixture("api/breathing_intraday.json", &doc, &kind) == FITBIT_OK);
	CHECK(kind == FV_API_BREATHING && doc.nrows == 1);
	if (doc.nrows == 1)
		CHECK(doc.rows[0].table == FV_DAILY_RESPIRATORY && near(doc.rows[0].v[0], 15.6));
	fitbit_vitals_free(&doc);

	CHECK(parse_fixture("api/cardio_score.json", &doc, &kind) == FITBIT_OK);
	CHECK(kind == FV_API_CARDIO && doc.nrows == 2);
	if (doc.nrows == 2)
	{
		CHECK(near(doc.rows[0].v[0], 45) && doc.rows[0].flag);
		CHECK(near(doc.rows[1].v[0], 45.2) && !doc.rows[1].flag);
	}
	fitbit_vitals_free(&doc);
}

static void
test_export(void)
{
	FitbitVitalsDoc doc;
	FitbitVitalsKind kind;

	/* pounds, told apart by the BMI; the fat reading gives a second row */
	CHECK(parse_fixture("export/weight-2021-10-25.json", &doc, &kind) == FITBIT_OK);
	CHECK(kind == FV_EXPORT_WEIGHT && doc.nrows == 3);
	if (doc.nrows == 3)
	{
		CHECK(doc.rows[0].table == FV_WEIGHT && near(doc.rows[0].v[0], 172.4 * 0.45359237));
		CHECK(!doc.rows[0].manual && strcmp(doc.rows[0].id, "1635150912000") == 0);
		CHECK(doc.rows[1].table == FV_BODY_FAT && near(doc.rows[1].v[0], 21.5) &&
			  doc.rows[1].t == doc.rows[0].t);
		CHECK(doc.rows[2].table == FV_WEIGHT && doc.rows[2].manual &&
			  doc.rows[2].date.month == 10 && doc.rows[2].date.day == 26 &&
			  doc.rows[2].t == 7 * 3600 + 20 * 60);
	}
	fitbit_vitals_free(&doc);

	/* the empty rmssd of the last row leaves it out */
	CHECK(parse_fixture("export/Heart Rate Variability Details - 2021-10-25.csv", &doc,
						&kind) == FITBIT_OK);
	CHECK(kind == FV_CSV_HRV_DETAILS && doc.nrows == 3);
	fitbit_vitals_free(&doc);

	CHECK(parse_fixture("export/Daily Heart Rate Variability Summary - 2021-10-25.csv",
						&doc, &kind) == FITBIT_OK);
	CHECK(kind == FV_CSV_HRV_SUMMARY && doc.nrows == 2);
	if (doc.nrows == 2)
		CHECK(near(doc.rows[0].v[0], 41.372) && isnan(doc.rows[0].v[1]) &&
			  near(doc.rows[0].v[2], 2.31) && near(doc.rows[0].v[3], 54.1));
	fitbit_vitals_free(&doc);

	/* UTC times with "Z" */
	CHECK(parse_fixture("export/Minute SpO2 - 2021-10-25.csv", &doc, &kind) == FITBIT_OK);
	CHECK(kind == FV_CSV_SPO2_MINUTE && doc.nrows == 3);
	if (doc.nrows == 3)
		CHECK(doc.rows[0].utc && doc.rows[0].t == INT64_C(1635145272));
	fitbit_vitals_free(&doc);

	/* the baseline: nightly less the night's mean relative to it */
	CHECK(parse_fixture("export/Computed Temperature - 2021-10-25.csv", &doc, &kind) ==
		  FITBIT_OK);
	CHECK(kind == FV_CSV_TEMPERATURE && doc.nrows == 2);
	if (doc.nrows == 2)
		CHECK(near(doc.rows[0].v[0], 34.12) && near(doc.rows[0].v[1], 34.12 + 0.3) &&
			  doc.rows[0].date.day == 25);
	fitbit_vitals_free(&doc);

	CHECK(fitbit_vitals_detect("notes.txt", "some notes", 10) == FV_DOC_UNKNOWN);
	CHECK(fitbit_vitals_detect("heart_rate-2021-10-25.json",
							   "[{\"dateTime\":\"10/25/21 00:00:00\",\"value\":{\"bpm\":60}}]",
							   57) == FV_DOC_UNKNOWN);
	CHECK(fitbit_vitals_detect(NULL, "{\"activities-heart\":[{\"dateTime\":\"2021-10-25\","
							   "\"value\":{\"heartRateZones\":[{\"minutes\":3}]}}]}", 80) ==
		  FV_DOC_UNKNOWN);
}

/* Parse text as kind, which must fail with kind ek at path. */
static void
expect_error(int line, FitbitVitalsKind kind, const char *text, FitbitErrorKind ek,
			 const char *path, const char *msg)
{
	FitbitVitalsDoc doc;
	FitbitError err;
	FitbitErrorKind rc = fitbit_vitals_parse(kind, text, strlen(text), &doc, &err);

	if (rc == ek && strcmp(err.path, path) == 0 && strstr(err.message, msg) != NULL &&
		doc.nrows == 0 && doc.rows == NULL)
		npassed++;
	else
	{
		nfailed++;
		printf("FAIL line %d: expected %d at %s (%s), got %d at %s: %s\n", line, (int) ek,
			   path, msg, (int) rc, err.path, err.message);
	}
	fitbit_vitals_free(&doc);
}

#define EXPECT_ERR(k, t, e, p, m) expect_error(__LINE__, (k), (t), (e), (p), (m))

static void
test_errors(void)
{
	EXPECT_ERR(FV_API_HRV, "{\"hrv\":[{\"value\":{\"dailyRmssd\":\"forty\"},\"dateTime\":\"2021-10-25\"}]}",
			   FITBIT_ERR_TYPE, "$.hrv[0].value.dailyRmssd", "");
	EXPECT_ERR(FV_API_HRV, "{\"hrv\":[{\"value\":{\"dailyRmssd\":40},\"dateTime\":\"2021-02-30\"}]}",
			   FITBIT_ERR_TIME, "$.hrv[0].dateTime", "is not a date or time");
	EXPECT_ERR(FV_API_HRV, "{\"hrv\":{}}", FITBIT_ERR_TYPE, "$.hrv", "");
	EXPECT_ERR(FV_API_SPO2, "{\"dateTime\":\"2021-10-25\",\"minutes\":[{\"value\":101,\"minute\":\"2021-10-25T03:01:12\"}]}",
			   FITBIT_ERR_RANGE, "$.minutes[0].value", "");
	EXPECT_ERR(FV_API_CARDIO, "{\"cardioScore\":[{\"dateTime\":\"2021-10-25\",\"value\":{\"vo2Max\":\"43 to 47\"}}]}",
			   FITBIT_ERR_TYPE, "$.cardioScore[0].value.vo2Max", "not a number or a range");
	EXPECT_ERR(FV_API_CARDIO, "{\"cardioScore\":[{\"dateTime\":\"2021-10-25\",\"value\":{\"vo2Max\":\"143-147\"}}]}",
			   FITBIT_ERR_RANGE, "$.cardioScore[0].value.vo2Max", "outside 1..99");
	EXPECT_ERR(FV_EXPORT_WEIGHT, "[{\"weight\":80,\"date\":\"2021-10-25\",\"time\":\"07:00:00\"}]",
			   FITBIT_ERR_TIME, "$[0].date", "not a date such as");
	EXPECT_ERR(FV_EXPORT_WEIGHT, "[{\"weight\":\"80\",\"date\":\"10/25/21\",\"time\":\"07:00:00\"}]",
			   FITBIT_ERR_TYPE, "$[0].weight", "");
	EXPECT_ERR(FV_CSV_SPO2_MINUTE, "timestamp,value\n2021-10-25T07:01:12Z,101\n",
			   FITBIT_ERR_RANGE, "line 2, column value", "outside 50..100");
	EXPECT_ERR(FV_CSV_SPO2_MINUTE, "timestamp,value\n2021-10-25T07:01:12Z,ninety\n",
			   FITBIT_ERR_TYPE, "line 2, column value", "is not a number");
	EXPECT_ERR(FV_CSV_SPO2_MINUTE, "time,value\n2021-10-25T07:01:12Z,96\n",
			   FITBIT_ERR_SHAPE, "line 1, column timestamp", "no column timestamp");
	EXPECT_ERR(FV_CSV_SPO2_MINUTE, "timestamp,value\n25/10/2021 07:01,96\n",
			   FITBIT_ERR_TIME, "line 2, column timestamp", "not a date or time");
	EXPECT_ERR(FV_CSV_SPO2_MINUTE, "timestamp,value\n2021-10-25T07:01:12Z,96,1\n",
			   FITBIT_ERR_SHAPE, "line 2", "3 fields, and the header has 2");
	EXPECT_ERR(FV_CSV_RESPIRATORY, "", FITBIT_ERR_SHAPE, "line 1", "no header");
}

int
main(void)
{
	test_api();
	test_export();
	test_errors();
	return unit_report();
}
