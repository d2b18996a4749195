/*-------------------------------------------------------------------------
 *
 * test_sleep_parse.c
 *	  Unit tests of the sleep parsers: the stage intervals and out-of-bed
 *	  segments of Google Health sleep sessions (src/providers/gh_points.c)
 *	  and Fitbit sleep logs (src/providers/fitbit_sleep.c), with the short
 *	  wakes Fitbit draws over its stages.
 *
 * Build and run from the repository root (or: make unit):
 *
 *	  cc -std=gnu11 -Wall -Wextra -Werror -Isrc test/unit/test_sleep_parse.c \
 *		  src/providers/gh_*.c src/providers/fitbit_parse.c \
 *		  src/providers/fitbit_sleep.c src/providers/json_*.c -ljson-c && ./a.out
 *
 * The fixtures of test/fixtures/sleep are read relative to the repository
 * root or to test/unit.  The last line printed is "N passed, N failed".
 *
 * test/unit/test_sleep_parse.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>

#include "providers/fitbit_parse.h"
#include "providers/gh_parse.h"
#include "providers/json_check.h"
#include "unit_test.h"

/* 2026-07-01T05:30:00Z and the session around it */
#define T0 INT64_C(1782883800)
#define SESSION_IV "\"interval\":{\"startTime\":\"2026-07-01T05:30:00Z\",\"startUtcOffset\":\"7200s\",\"endTime\":\"2026-07-01T06:00:00Z\",\"endUtcOffset\":\"7200s\"}"
#define STAGE(type, a, b) "{\"type\":\"" type "\",\"startTime\":\"2026-07-01T" a "Z\",\"startUtcOffset\":\"7200s\",\"endTime\":\"2026-07-01T" b "Z\",\"endUtcOffset\":\"7200s\"}"
#define SEG(a, b) "{\"startTime\":\"2026-07-01T" a "Z\",\"endTime\":\"2026-07-01T" b "Z\"}"
#define SLEEP_PAGE(body) "{\"dataPoints\":[{\"name\":\"users/u/dataTypes/sleep/dataPoints/1\",\"sleep\":{" body "}}]}"

/* Parse a sleep page; on error check the kind, path and message. */
static void
expect_gh(int line, const char *json, GhErrorKind kind, const char *path,
		  const char *msg)
{
	GhPage		page;
	GhError		err;
	GhErrorKind rc = gh_parse_page(GH_SLEEP, json, strlen(json), &page, &err);
	char		what[600];

	snprintf(what, sizeof(what), "line %d: %d %s: %s", line, (int) rc,
			 err.path, err.message);
	check_impl(rc == kind && (path == NULL || str_eq(err.path, path)) &&
			   (msg == NULL || strstr(err.message, msg) != NULL), line, what);
	if (rc == GH_OK)
		gh_page_free(&page);
}

#define EXPECT_GH(json, kind, path, msg) expect_gh(__LINE__, (json), (kind), (path), (msg))

/* Google Health: stages[] and outOfBedSegments[]. */
static void
test_gh_stages(void)
{
	GhPage		page;
	GhError		err;
	const char *doc = SLEEP_PAGE(SESSION_IV ",\"stages\":["
								 STAGE("LIGHT", "05:40:00", "05:50:00") ","
								 STAGE("AWAKE", "05:30:00", "05:40:00") ","
								 STAGE("STAGE_TYPE_UNSPECIFIED", "05:50:00", "05:51:00") ","
								 STAGE("REM", "05:51:00", "06:00:00") "],"
								 "\"outOfBedSegments\":[" SEG("05:32:00", "05:35:00") "]");

	CHECK(gh_parse_page(GH_SLEEP, doc, strlen(doc), &page, &err) == GH_OK);
	CHECK(page.nsleep == 1);
	if (page.nsleep == 1)
	{
		GhSleep    *s = &page.sleep[0];

		/* sorted by start; the unknown type is left out */
		CHECK(s->nintervals == 3);
		if (s->nintervals == 3)
		{
			CHECK(str_eq(s->intervals[0].type, "AWAKE") && s->intervals[0].start == T0 &&
				  s->intervals[0].end == T0 + 600 && s->intervals[0].index == 1);
			CHECK(str_eq(s->intervals[1].type, "LIGHT") && s->intervals[1].index == 0);
			CHECK(str_eq(s->intervals[2].type, "REM") && s->intervals[2].end == T0 + 1800);
		}
		CHECK(s->nout_of_bed == 1 && s->out_of_bed[0].type == NULL &&
			  s->out_of_bed[0].start == T0 + 120 && s->out_of_bed[0].end == T0 + 300);
		CHECK(s->has_end_utc_offset && s->end_utc_offset == 7200 &&
			  s->start_utc_offset == 7200);
	}
	gh_page_free(&page);

	/* no offset for the end: the account's zone files the session */
	doc = SLEEP_PAGE("\"interval\":{\"startTime\":\"2026-07-01T05:30:00Z\",\"endTime\":\"2026-07-01T06:00:00Z\"}");
	CHECK(gh_parse_page(GH_SLEEP, doc, strlen(doc), &page, &err) == GH_OK);
	CHECK(page.nsleep == 1 && !page.sleep[0].has_end_utc_offset &&
		  page.sleep[0].nintervals == 0 && page.sleep[0].intervals == NULL);
	gh_page_free(&page);

	EXPECT_GH(SLEEP_PAGE(SESSION_IV ",\"stages\":[" STAGE("LIGHT", "05:30:00", "05:45:00") ","
						 STAGE("DEEP", "05:44:00", "06:00:00") "]"),
			  GH_ERR_RANGE, "$.dataPoints[0].sleep.stages[1].startTime",
			  "startTime is before the end of stages[0]");
	EXPECT_GH(SLEEP_PAGE(SESSION_IV ",\"stages\":[" STAGE("DEEP", "05:44:00", "06:00:00") ","
						 STAGE("LIGHT", "05:30:00", "05:45:00") "]"),
			  GH_ERR_RANGE, "$.dataPoints[0].sleep.stages[0].startTime",
			  "startTime is before the end of stages[1]");
	EXPECT_GH(SLEEP_PAGE(SESSION_IV ",\"stages\":[" STAGE("LIGHT", "05:29:59", "05:45:00") "]"),
			  GH_ERR_RANGE, "$.dataPoints[0].sleep.stages[0]",
			  "stage lies outside the session's interval");
	EXPECT_GH(SLEEP_PAGE(SESSION_IV ",\"stages\":[" STAGE("LIGHT", "05:45:00", "06:00:01") "]"),
			  GH_ERR_RANGE, "$.dataPoints[0].sleep.stages[0]", "outside the session");
	EXPECT_GH(SLEEP_PAGE(SESSION_IV ",\"stages\":[" STAGE("LIGHT", "05:45:00", "05:45:00") "]"),
			  GH_ERR_RANGE, "$.dataPoints[0].sleep.stages[0].endTime",
			  "endTime is not after startTime");
	EXPECT_GH(SLEEP_PAGE(SESSION_IV ",\"stages\":[{\"type\":\"LIGHT\",\"startTime\":\"2026-07-01T05:45:00Z\"}]"),
			  GH_ERR_SHAPE, "$.dataPoints[0].sleep.stages[0].endTime", "missing");
	EXPECT_GH(SLEEP_PAGE(SESSION_IV ",\"stages\":[{\"startTime\":\"2026-07-01T05:45:00Z\",\"endTime\":\"2026-07-01T05:46:00Z\"}]"),
			  GH_ERR_SHAPE, "$.dataPoints[0].sleep.stages[0].type", "missing");
	EXPECT_GH(SLEEP_PAGE(SESSION_IV ",\"stages\":[{\"type\":3,\"startTime\":\"2026-07-01T05:45:00Z\",\"endTime\":\"2026-07-01T05:46:00Z\"}]"),
			  GH_ERR_TYPE, "$.dataPoints[0].sleep.stages[0].type", NULL);
	EXPECT_GH(SLEEP_PAGE(SESSION_IV ",\"stages\":[\"LIGHT\"]"),
			  GH_ERR_TYPE, "$.dataPoints[0].sleep.stages[0]", "is not an object");
	EXPECT_GH(SLEEP_PAGE(SESSION_IV ",\"stages\":{}"),
			  GH_ERR_TYPE, "$.dataPoints[0].sleep.stages", NULL);
	EXPECT_GH(SLEEP_PAGE(SESSION_IV ",\"stages\":[" STAGE("LIGHT", "05:45:00", "05:50:00") "],"
						 "\"outOfBedSegments\":[" SEG("05:40:00", "05:44:00") "," SEG("05:43:00", "05:47:00") "]"),
			  GH_ERR_RANGE, "$.dataPoints[0].sleep.outOfBedSegments[1].startTime",
			  "startTime is before the end of outOfBedSegments[0]");
	EXPECT_GH(SLEEP_PAGE(SESSION_IV ",\"outOfBedSegments\":[" SEG("05:40:00", "07:44:00") "]"),
			  GH_ERR_RANGE, "$.dataPoints[0].sleep.outOfBedSegments[0]",
			  "out-of-bed segment lies outside");
	EXPECT_GH(SLEEP_PAGE(SESSION_IV ",\"stages\":[{\"type\":\"LIGHT\",\"startTime\":\"yesterday\",\"endTime\":\"2026-07-01T05:46:00Z\"}]"),
			  GH_ERR_TIME, "$.dataPoints[0].sleep.stages[0].startTime", NULL);
	EXPECT_GH(SLEEP_PAGE(SESSION_IV ",\"stages\":[{\"type\":\"LIGHT\",\"startTime\":\"2026-07-01T05:45:00Z\",\"startUtcOffset\":\"1h\",\"endTime\":\"2026-07-01T05:46:00Z\"}]"),
			  GH_ERR_TYPE, "$.dataPoints[0].sleep.stages[0].startUtcOffset", NULL);
}

/* Read a fixture of test/fixtures/sleep. */
static char *
read_fixture(const char *name, size_t *len)
{
	static const char *const dirs[] = {"test/fixtures/sleep", "../fixtures/sleep"};
	size_t		i;

	for (i = 0; i < 2; i++)
	{
		char		path[512];
		FILE	   *f;
		long		size;
		char	   *buf;

		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		if ((f = fopen(path, "rb")) == NULL)
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

/* Local clock seconds of y-m-d h:m:s. */
static int64_t
local(int y, int mo, int d, int h, int mi, int s)
{
	return jc_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

/* Fitbit: the export file and the Web API response of the fixtures. */
static void
test_fitbit_files(void)
{
	FitbitDoc	doc;
	FitbitError err;
	size_t		len = 0;
	char	   *buf = read_fixture("sleep-2025-03-30.json", &len);

	if (buf != NULL)
	{
		CHECK(fitbit_parse(buf, len, "sleep-2025-03-30.json", &doc, &err) == FITBIT_OK);
		CHECK(doc.kind == FITBIT_EXPORT_SLEEP && doc.nsleep == 2);
		if (doc.nsleep == 2)
		{
			FitbitSleepLog *n = &doc.sleep[0];
			FitbitSleepLog *nap = &doc.sleep[1];

			CHECK(n->log_id == INT64_C(44100000001) && n->main_sleep && !n->classic);
			CHECK(n->start_local == local(2025, 3, 29, 23, 10, 0) &&
				  n->end_local == local(2025, 3, 30, 6, 22, 0) &&
				  n->duration_ms == INT64_C(372) * 60000);
			CHECK(n->time_in_bed == 372 && n->minutes_asleep == 354 && n->minutes_awake == 18);
			CHECK(n->summary[0] == 18 && n->summary[1] == 182 && n->summary[2] == 73 &&
				  n->summary[3] == 98 && n->summary[4] == -1 && n->summary[5] == -1);
			CHECK(n->ndata == 14 && n->nshort == 3);
			CHECK(n->ndata == 14 && n->data[0].stage == 0 && n->data[1].stage == 1 &&
				  n->data[2].stage == 2 && n->data[4].stage == 3 && n->data[0].seconds == 300);
			CHECK(!nap->main_sleep && nap->classic && nap->ndata == 5 && nap->nshort == 0);
			CHECK(nap->ndata == 5 && nap->data[1].stage == 4 && nap->data[2].stage == 5);
		}
		fitbit_doc_free(&doc);
		free(buf);
	}
	buf = read_fixture("fitbit_api_sleep_2025-10-26.json", &len);
	if (buf != NULL)
	{
		CHECK(fitbit_parse(buf, len, NULL, &doc, &err) == FITBIT_OK);
		CHECK(doc.kind == FITBIT_API_SLEEP && doc.nsleep == 1);
		CHECK(doc.nsleep == 1 && doc.sleep[0].ndata == 12 && doc.sleep[0].nshort == 2);
		fitbit_doc_free(&doc);
		free(buf);
	}

	/* the documentation samples: a comment is not JSON */
	buf = read_fixture("fitbitnet/fitbitnet_SleepLogList.json", &len);
	if (buf != NULL)
	{
		CHECK(fitbit_parse(buf, len, NULL, &doc, &err) == FITBIT_ERR_NOT_JSON);
		free(buf);
	}
	buf = read_fixture("fitbitnet/fitbitnet_GetSleep.json", &len);
	if (buf != NULL)
	{
		CHECK(fitbit_parse(buf, len, NULL, &doc, &err) == FITBIT_OK);
		CHECK(doc.nsleep == 1 && doc.sleep[0].ndata == 2 && doc.sleep[0].nshort == 1 &&
			  doc.sleep[0].log_id == INT64_C(15040942043));
		fitbit_doc_free(&doc);
		free(buf);
	}
}

/* Parse a document that must fail; check the kind, path and message. */
static void
expect_fitbit(int line, const char *json, const char *name, FitbitErrorKind kind,
			  const char *path, const char *msg)
{
	FitbitDoc	doc;
	FitbitError err;
	FitbitErrorKind rc = fitbit_parse(json, strlen(json), name, &doc, &err);
	char		what[600];

	snprintf(what, sizeof(what), "line %d: %d %s: %s", line, (int) rc,
			 err.path, err.message);
	check_impl(rc == kind && str_eq(err.path, path) &&
			   (msg == NULL || strstr(err.message, msg) != NULL), line, what);
	check_impl(doc.nsleep == 0 && doc.sleep == NULL, line, "the doc is empty after an error");
	fitbit_doc_free(&doc);
}

#define EXPECT_FB(json, kind, path, msg) expect_fitbit(__LINE__, (json), NULL, (kind), (path), (msg))
#define LOG(members) "{\"sleep\":[{\"logId\":7,\"startTime\":\"2025-01-01T23:00:00.000\"" members "}]}"
#define ENTRY(t, lv, s) "{\"dateTime\":\"" t "\",\"level\":\"" lv "\",\"seconds\":" s "}"

static void
test_fitbit_errors(void)
{
	FitbitDoc	doc;
	FitbitError err;
	const char *ok = "[{\"logId\":1,\"startTime\":\"2025-01-01T23:00:00\",\"duration\":60000,"
		"\"levels\":{\"data\":[{\"datetime\":\"2025-01-01T23:00:00.000\",\"level\":\"asleep\",\"seconds\":60}]}}]";

	/* a time without fraction, the lower-case datetime, duration without endTime */
	CHECK(fitbit_parse(ok, strlen(ok), NULL, &doc, &err) == FITBIT_OK);
	CHECK(doc.kind == FITBIT_EXPORT_SLEEP && doc.nsleep == 1 && doc.sleep[0].end_local == -1 &&
		  doc.sleep[0].ndata == 1 && doc.sleep[0].data[0].stage == 4);
	fitbit_doc_free(&doc);
	/* an empty file named sleep-* is an export file without logs */
	CHECK(fitbit_parse("[]", 2, "sleep-2025-01-01.json", &doc, &err) == FITBIT_OK &&
		  doc.kind == FITBIT_EXPORT_SLEEP && doc.nsleep == 0);
	fitbit_doc_free(&doc);

	EXPECT_FB(LOG(""), FITBIT_ERR_SHAPE, "$.sleep[0].endTime",
			  "endTime is missing, and so is duration");
	EXPECT_FB("{\"sleep\":[{\"startTime\":\"2025-01-01T23:00:00.000\"}]}", FITBIT_ERR_SHAPE,
			  "$.sleep[0].logId", "missing");
	EXPECT_FB("{\"sleep\":{}}", FITBIT_ERR_TYPE, "$.sleep", "not an array");
	EXPECT_FB(LOG(",\"endTime\":\"2025-01-02T07:00\""), FITBIT_ERR_TIME,
			  "$.sleep[0].endTime", "is not a local time");
	EXPECT_FB(LOG(",\"endTime\":\"2025-01-02T07:00:00.\""), FITBIT_ERR_TIME,
			  "$.sleep[0].endTime", "is not a local time");
	EXPECT_FB(LOG(",\"endTime\":\"2025-02-30T07:00:00\""), FITBIT_ERR_TIME,
			  "$.sleep[0].endTime", "is not a local time");
	EXPECT_FB(LOG(",\"endTime\":\"2025-01-05T07:00:00\""), FITBIT_ERR_RANGE,
			  "$.sleep[0].endTime", "not within two days");
	EXPECT_FB(LOG(",\"duration\":-5"), FITBIT_ERR_RANGE, "$.sleep[0].duration", NULL);
	EXPECT_FB(LOG(",\"duration\":\"5\""), FITBIT_ERR_TYPE, "$.sleep[0].duration", NULL);
	EXPECT_FB(LOG(",\"duration\":60000,\"isMainSleep\":\"yes\""), FITBIT_ERR_TYPE,
			  "$.sleep[0].isMainSleep", "is not a boolean");
	EXPECT_FB(LOG(",\"duration\":60000,\"type\":\"deep\""), FITBIT_ERR_RANGE,
			  "$.sleep[0].type", "neither \"stages\" nor \"classic\"");
	EXPECT_FB(LOG(",\"duration\":60000,\"minutesAsleep\":3000"), FITBIT_ERR_RANGE,
			  "$.sleep[0].minutesAsleep", NULL);
	EXPECT_FB(LOG(",\"duration\":60000,\"levels\":{\"data\":[" ENTRY("2025-01-01T23:00:00.000", "dozing", "30") "]}"),
			  FITBIT_ERR_RANGE, "$.sleep[0].levels.data[0].level", "is none of wake");
	EXPECT_FB(LOG(",\"duration\":60000,\"levels\":{\"data\":[" ENTRY("2025-01-01T23:00:00.000", "wake", "30") ","
				  ENTRY("2025-01-01T23:00:30.000", "light", "-1") "]}"),
			  FITBIT_ERR_RANGE, "$.sleep[0].levels.data[1].seconds", NULL);
	EXPECT_FB(LOG(",\"duration\":60000,\"levels\":{\"shortData\":[{\"level\":\"wake\",\"seconds\":30}]}"),
			  FITBIT_ERR_SHAPE, "$.sleep[0].levels.shortData[0].dateTime", "missing");
	EXPECT_FB(LOG(",\"duration\":60000,\"levels\":{\"summary\":{\"deep\":{\"minutes\":\"4\"}}}"),
			  FITBIT_ERR_TYPE, "$.sleep[0].levels.summary.deep.minutes", NULL);
	EXPECT_FB(LOG(",\"duration\":60000,\"levels\":[]"), FITBIT_ERR_TYPE,
			  "$.sleep[0].levels", NULL);
	EXPECT_FB("[{\"logId\":1,\"startTime\":\"2025-01-01T23:00:00\",\"duration\":60000}, 5]",
			  FITBIT_ERR_TYPE, "$[1]", "is not an object");
}

/* The stages of a log once placed in time: short wakes cut into them. */
static void
test_fitbit_spans(void)
{
	FitbitSleepEntry data[3] = {{1, 0, 600, 0}, {2, 600, 600, 1}, {3, 1200, 300, 2}};
	FitbitSleepEntry shorts[2] = {{0, 0, 60, 0}, {0, 0, 90, 1}};
	int64_t		data_at[3] = {1000, 1600, 2200};
	int64_t		short_at[2] = {1300, 1570};
	FitbitSleepLog log;
	FitbitSleepSpan *sp;
	size_t		n;
	char		why[256];

	memset(&log, 0, sizeof(log));
	log.ndata = 3;
	log.data = data;
	log.nshort = 2;
	log.short_data = shorts;
	CHECK(fitbit_sleep_spans(&log, data_at, short_at, 1000, 2500, &sp, &n, why, sizeof(why)) == 0);
	/* light 1000-1300, wake 1300-1360, light 1360-1570, wake 1570-1660 (across), deep 1660-2200, rem */
	CHECK(n == 6);
	if (n == 6)
	{
		CHECK(sp[0].stage == 1 && sp[0].start == 1000 && sp[0].end == 1300);
		CHECK(sp[1].stage == 0 && sp[1].start == 1300 && sp[1].end == 1360);
		CHECK(sp[2].stage == 1 && sp[2].start == 1360 && sp[2].end == 1570);
		CHECK(sp[3].stage == 0 && sp[3].start == 1570 && sp[3].end == 1660);
		CHECK(sp[4].stage == 2 && sp[4].start == 1660 && sp[4].end == 2200);
		CHECK(sp[5].stage == 3 && sp[5].start == 2200 && sp[5].end == 2500);
	}
	free(sp);

	/* a short wake within a wake stage leaves one interval */
	data[0].stage = 0;
	short_at[0] = 1500;
	short_at[1] = 1700;
	CHECK(fitbit_sleep_spans(&log, data_at, short_at, 1000, 2500, &sp, &n, why, sizeof(why)) == 0);
	CHECK(n == 5 && sp[0].stage == 0 && sp[0].end == 1600 && sp[1].stage == 2 &&
		  sp[1].start == 1600 && sp[2].stage == 0 && sp[2].start == 1700 &&
		  sp[2].end == 1790 && sp[3].stage == 2 && sp[3].start == 1790);
	free(sp);

	/* errors name the entry */
	short_at[1] = 1520;
	CHECK(fitbit_sleep_spans(&log, data_at, short_at, 1000, 2500, &sp, &n, why, sizeof(why)) == -1);
	CHECK(str_eq(why, "levels.shortData[1]: the entry begins before levels.shortData[0] ends"));
	short_at[1] = 1700;
	data_at[2] = 2190;
	CHECK(fitbit_sleep_spans(&log, data_at, short_at, 1000, 2500, &sp, &n, why, sizeof(why)) == -1);
	CHECK(str_eq(why, "levels.data[2]: the entry begins before levels.data[1] ends"));
	data_at[2] = 2200;
	CHECK(fitbit_sleep_spans(&log, data_at, short_at, 1000, 2499, &sp, &n, why, sizeof(why)) == -1);
	CHECK(str_eq(why, "levels.data[2]: the entry lies outside the log's startTime and endTime"));
	CHECK(sp == NULL && n == 0);
	/* an entry of no length is left out */
	data[2].seconds = 0;
	CHECK(fitbit_sleep_spans(&log, data_at, short_at, 1000, 2200, &sp, &n, why, sizeof(why)) == 0 &&
		  n == 4);
	free(sp);
}

int
main(void)
{
	test_gh_stages();
	test_fitbit_files();
	test_fitbit_errors();
	test_fitbit_spans();
	return unit_report();
}
