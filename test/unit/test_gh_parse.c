/*-------------------------------------------------------------------------
 *
 * test_gh_parse.c
 *	  Unit tests for src/providers/gh_parse.c, the Google Health API v4
 *	  parser.
 *
 * Build and run from the repository root (or: make unit):
 *
 *	  cc -std=gnu11 -Wall -Wextra -Werror -Isrc test/unit/test_gh_parse.c \
 *		  src/providers/gh_*.c src/providers/json_*.c -ljson-c && ./a.out
 *
 * It also runs from test/unit.  Most documents are built inline; a few
 * longer ones, shaped like the API's documented responses, are read from
 * test/unit/fixtures/gh/.  Nothing outside the repository is needed.  The
 * parse time of a 10,000-point heart-rate page is printed at the end
 * (GH_BENCH_RUNS sets the number of runs, 5 by default).
 *
 * The last line printed is "N passed, N failed"; the exit status is
 * non-zero when anything failed.
 *
 * test/unit/test_gh_parse.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>

#include "providers/gh_parse.h"
#include "unit_test.h"

/* Epoch seconds of instants used below. */
#define T_0659_55 INT64_C(1782889195)	/* 2026-07-01T06:59:55Z */
#define T_DAY INT64_C(1782864000)	/* 2026-07-01T00:00:00Z */

/* Pieces of a heart-rate point, as in the API documentation. */
#define SOURCE "\"dataSource\":{\"recordingMethod\":\"PASSIVELY_MEASURED\",\"platform\":\"FITBIT\",\"device\":{\"displayName\":\"Charge 6\",\"formFactor\":\"FITNESS_BAND\",\"manufacturer\":\"Fitbit\"}}"
#define CIVIL "\"civilTime\":{\"date\":{\"year\":2026,\"month\":7,\"day\":1},\"time\":{\"hours\":8,\"minutes\":59,\"seconds\":55}}"
#define HR_META "\"metadata\":{\"motionContext\":\"SEDENTARY\",\"sensorLocation\":\"WRIST\"}"

/* A list point: time is bare text, bpm raw JSON. */
#define HR_PT(time, bpm) "{" SOURCE ",\"heartRate\":{\"sampleTime\":{\"physicalTime\":\"" time "\",\"utcOffset\":\"7200s\"," CIVIL "},\"beatsPerMinute\":" bpm "," HR_META "}}"
/* A point with a raw sampleTime body and raw bpm. */
#define HR_ST(st, bpm) "{\"heartRate\":{\"sampleTime\":{" st "},\"beatsPerMinute\":" bpm "}}"
#define PAGE(points) "{\"dataPoints\":[" points "]}"
#define PAGE_T(points, token) "{\"dataPoints\":[" points "],\"nextPageToken\":\"" token "\"}"

/* Paths used over and over. */
#define P0 "$.dataPoints[0]"
#define HR0 P0 ".heartRate"
#define ST0 HR0 ".sampleTime"

/* Daily points. */
#define RHR(date, bpm) "{\"dailyRestingHeartRate\":{\"date\":" date ",\"beatsPerMinute\":" bpm ",\"dailyRestingHeartRateMetadata\":{\"calculationMethod\":\"WITH_SLEEP\"}}}"
#define DATE_0701 "{\"year\":2026,\"month\":7,\"day\":1}"
#define ZONE(type, lo, hi) "{\"heartRateZoneType\":\"" type "\",\"minBeatsPerMinute\":\"" lo "\",\"maxBeatsPerMinute\":\"" hi "\"}"
#define Z_LIGHT ZONE("LIGHT", "92", "116")
#define Z_MOD ZONE("MODERATE", "117", "140")
#define Z_VIG ZONE("VIGOROUS", "141", "168")
#define Z_PEAK ZONE("PEAK", "169", "220")
#define ZONES_PT(zones) "{\"dailyHeartRateZones\":{\"date\":" DATE_0701 ",\"heartRateZones\":[" zones "]}}"
#define ZP0 P0 ".dailyHeartRateZones.heartRateZones"

/* Rollup windows. */
#define ROLLUP(points) "{\"rollupDataPoints\":[" points "]}"
#define WINDOW(zones) "{\"civilStartTime\":{\"date\":" DATE_0701 "},\"civilEndTime\":{\"date\":{\"year\":2026,\"month\":7,\"day\":2}},\"timeInHeartRateZone\":{\"timeInHeartRateZones\":[" zones "]}}"
#define TZ(zone, dur) "{\"heartRateZone\":\"" zone "\",\"duration\":\"" dur "\"}"

/* Sessions and intervals. */
#define IV_OK "\"interval\":{\"startTime\":\"2026-07-01T05:30:00Z\",\"startUtcOffset\":\"7200s\",\"endTime\":\"2026-07-01T06:00:00Z\",\"endUtcOffset\":\"7200s\"}"
#define EX_PT(body) "{\"name\":\"users/u1/dataTypes/exercise/dataPoints/1\",\"exercise\":{" body "}}"
#define SL_PT(body) "{\"name\":\"users/u1/dataTypes/sleep/dataPoints/1\",\"sleep\":{" body "}}"
#define STEPS_PT(start, end, count) "{\"steps\":{\"interval\":{\"startTime\":\"" start "\",\"startUtcOffset\":\"7200s\",\"endTime\":\"" end "\",\"endUtcOffset\":\"7200s\"}" count "}}"


/* ----------------------------------------------------------------------
 * Harness
 * ----------------------------------------------------------------------
 */

/*
 * Read a fixture from test/unit/fixtures/gh, looking relative to the
 * repository root first and then to test/unit.  Returns NULL (and counts
 * a failure) when it cannot be found.
 */
static char *
read_fixture(const char *name, size_t *len)
{
	static const char *const dirs[] = {"test/unit/fixtures/gh", "fixtures/gh"};
	size_t		i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
	{
		char		path[512];
		FILE	   *f;
		long		size;
		char	   *buf;

		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		f = fopen(path, "rb");
		if (f == NULL)
			continue;
		if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
			fseek(f, 0, SEEK_SET) != 0)
		{
			fclose(f);
			break;
		}
		buf = malloc((size_t) size + 1);
		if (buf == NULL || fread(buf, 1, (size_t) size, f) != (size_t) size)
		{
			free(buf);
			fclose(f);
			break;
		}
		fclose(f);
		buf[size] = '\0';
		*len = (size_t) size;
		return buf;
	}
	printf("FAIL: fixture %s not found (run from the repository root or test/unit)\n",
		   name);
	nfailed++;
	return NULL;
}

/* Whether a page holds nothing, as it must after a failed parse. */
static bool
page_is_empty(const GhPage *p)
{
	return p->next_page_token == NULL && p->nsamples == 0 && p->t == NULL &&
		p->bpm == NULL && p->utc_offset == NULL && p->ndaily == 0 &&
		p->daily == NULL && p->nexercise == 0 && p->exercise == NULL &&
		p->nsleep == 0 && p->sleep == NULL && p->nsteps == 0 &&
		p->steps == NULL;
}

/* Parse a NUL-terminated document as a page of type. */
static GhErrorKind
parse(GhDataType type, const char *json, GhPage *page, GhError *err)
{
	return gh_parse_page(type, json, strlen(json), page, err);
}

/*
 * Parse json, which must fail with kind at path, with a message that
 * contains msg (when not NULL), leaving the page empty.  The page starts
 * out full of garbage to show that the parser does not read it.
 */
static void
expect_error_impl(int line, GhDataType type, const char *json, size_t len,
				  GhErrorKind kind, const char *path, const char *msg)
{
	GhPage		page;
	GhError		err;
	GhErrorKind rc;
	bool		ok;

	memset(&page, 0x5a, sizeof(page));
	rc = gh_parse_page(type, json, len, &page, &err);
	ok = rc == kind && err.kind == kind && strcmp(err.path, path) == 0 &&
		(msg == NULL || strstr(err.message, msg) != NULL) &&
		page_is_empty(&page) &&
		(page.type == type || (int) type >= GH_DATA_TYPE_COUNT);
	if (ok)
		npassed++;
	else
	{
		nfailed++;
		printf("FAIL line %d: expected kind %d at %s with \"%s\"\n"
			   "     got kind %d at %s: %s\n",
			   line, (int) kind, path, msg ? msg : "", (int) rc, err.path,
			   err.message);
	}
	gh_page_free(&page);
}

#define EXPECT_ERR(type, json, kind, path, msg) \
	expect_error_impl(__LINE__, (type), (json), strlen(json), (kind), (path), (msg))
#define EXPECT_ERR_LEN(type, json, len, kind, path, msg) \
	expect_error_impl(__LINE__, (type), (json), (len), (kind), (path), (msg))

/* Parse a one-point heart-rate page; returns the kind, fills t/bpm/offset. */
static GhErrorKind
parse_one_sample(const char *json, int64_t *t, int *bpm, int *offset)
{
	GhPage		page;
	GhError		err;
	GhErrorKind rc;

	rc = parse(GH_HEART_RATE, json, &page, &err);
	if (rc == GH_OK && page.nsamples == 1)
	{
		*t = page.t[0];
		*bpm = page.bpm[0];
		*offset = page.utc_offset[0];
	}
	else if (rc == GH_OK)
		rc = GH_ERR_SHAPE;
	gh_page_free(&page);
	return rc;
}


/* ----------------------------------------------------------------------
 * Names
 * ----------------------------------------------------------------------
 */

/* URL names round-trip; unknown names and values are refused. */
static void
test_type_names(void)
{
	static const char *const names[GH_DATA_TYPE_COUNT] = {
		"heart-rate", "daily-resting-heart-rate", "daily-heart-rate-zones",
		"time-in-heart-rate-zone", "exercise", "sleep", "steps",
		/* activity */
		"active-zone-minutes", "active-minutes", "distance", "floors",
		"total-calories", "sedentary-period",
		/* vitals and body */
		"heart-rate-variability", "daily-heart-rate-variability",
		"oxygen-saturation", "daily-oxygen-saturation", "daily-respiratory-rate",
		"respiratory-rate-sleep-summary", "daily-sleep-temperature-derivations",
		"weight", "body-fat", "daily-vo2-max", "vo2-max"
	};
	int			i;

	for (i = 0; i < GH_DATA_TYPE_COUNT; i++)
	{
		CHECK(strcmp(gh_data_type_name((GhDataType) i), names[i]) == 0);
		CHECK(gh_data_type_from_name(names[i]) == i);
	}
	CHECK(gh_data_type_from_name("heartRate") == -1);
	CHECK(gh_data_type_from_name("heart_rate") == -1);
	CHECK(gh_data_type_from_name("") == -1);
	CHECK(gh_data_type_from_name(NULL) == -1);
	CHECK(strcmp(gh_data_type_name(GH_DATA_TYPE_COUNT), "unknown") == 0);
	CHECK(strcmp(gh_data_type_name((GhDataType) -1), "unknown") == 0);
}


/* ----------------------------------------------------------------------
 * Heart rate
 * ----------------------------------------------------------------------
 */

/* The documented list example and its reconcile form. */
static void
test_heart_rate_basic(void)
{
	const char *list = PAGE_T(HR_PT("2026-07-01T06:59:55Z", "\"72\"") ","
							  HR_PT("2026-07-01T06:59:50Z", "\"71\""),
							  "opaque");
	const char *reconcile = "{\"dataPoints\":[{\"dataPointName\":\"\",\"heartRate\":{\"sampleTime\":{\"physicalTime\":\"2026-07-01T06:59:55Z\",\"utcOffset\":\"-14400s\"},\"beatsPerMinute\":\"250\"}},"
		"{\"heartRate\":{\"sampleTime\":{\"physicalTime\":\"2026-07-01T06:59:54Z\"},\"beatsPerMinute\":\"20\"}}]}";
	GhPage		page;
	GhError		err;

	CHECK(parse(GH_HEART_RATE, list, &page, &err) == GH_OK);
	CHECK(err.kind == GH_OK && err.path[0] == '\0' && err.message[0] == '\0');
	CHECK(page.type == GH_HEART_RATE);
	CHECK(page.nsamples == 2);
	CHECK(page.t[0] == T_0659_55 && page.bpm[0] == 72 && page.utc_offset[0] == 7200);
	CHECK(page.t[1] == T_0659_55 - 5 && page.bpm[1] == 71);
	CHECK(str_eq(page.next_page_token, "opaque"));
	CHECK(page.ndaily == 0 && page.nexercise == 0 && page.nsleep == 0 &&
		  page.nsteps == 0);
	gh_page_free(&page);
	CHECK(page_is_empty(&page));
	gh_page_free(&page);		/* a second free is harmless */

	/* reconcile: no dataSource, empty name, offset absent in the second */
	CHECK(parse(GH_HEART_RATE, reconcile, &page, &err) == GH_OK);
	CHECK(page.nsamples == 2);
	CHECK(page.t[0] == T_0659_55 && page.bpm[0] == 250 &&
		  page.utc_offset[0] == -14400);
	CHECK(page.t[1] == T_0659_55 - 1 && page.bpm[1] == 20 &&
		  page.utc_offset[1] == 0);
	CHECK(page.next_page_token == NULL);
	gh_page_free(&page);

	/* NULL err is allowed */
	CHECK(gh_parse_page(GH_HEART_RATE, list, strlen(list), &page, NULL) == GH_OK);
	CHECK(page.nsamples == 2);
	gh_page_free(&page);
	CHECK(gh_parse_page(GH_HEART_RATE, LIT("{"), &page, NULL) == GH_ERR_NOT_JSON);
	CHECK(page_is_empty(&page));

	/* unknown members everywhere are ignored */
	CHECK(parse(GH_HEART_RATE,
				"{\"kind\":\"new\",\"dataPoints\":[{\"future\":[1,{\"a\":null}],"
				"\"heartRate\":{\"x\":true,\"sampleTime\":{\"physicalTime\":\"2026-07-01T06:59:55Z\","
				"\"precision\":{\"nanos\":5}},\"beatsPerMinute\":\"60\",\"extra\":\"400\"}}],"
				"\"totalSize\":1}", &page, &err) == GH_OK);
	CHECK(page.nsamples == 1 && page.bpm[0] == 60);
	gh_page_free(&page);
}

/*
 * A copy of json for a page of type: dailyRollUp pages (time in zone, total
 * calories) call their array rollupDataPoints.
 */
static char *
dup_renamed(const char *json, int type)
{
	const char *at = strstr(json, "\"dataPoints\"");

	if (!gh_is_rollup_only((GhDataType) type) || at == NULL)
		return sfmt("%s", json);
	return sfmt("%.*s\"rollupDataPoints\"%s", (int) (at - json), json,
				at + strlen("\"dataPoints\""));
}

/* Empty pages, absent or null arrays, and the paging token. */
static void
test_paging(void)
{
	static const struct
	{
		const char *json;
		const char *token;
	}			cases[] = {
		{"{}", NULL},
		{"{\"dataPoints\":[]}", NULL},
		{"{\"dataPoints\":null}", NULL},
		{"{\"dataPoints\":[],\"nextPageToken\":\"\"}", NULL},
		{"{\"nextPageToken\":null}", NULL},
		{"{\"dataPoints\":[],\"nextPageToken\":\"CgsI7+XmwgYQ-_-4\"}", "CgsI7+XmwgYQ-_-4"},
		{"{\"nextPageToken\":\"t2\"}", "t2"},
		{" \n\t{ \"dataPoints\" : [ ] , \"nextPageToken\" : \"t3\" } \r\n", "t3"},
		{"\xEF\xBB\xBF{\"nextPageToken\":\"bom\"}", "bom"},
	};
	size_t		i;
	int			type;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		for (type = 0; type < GH_DATA_TYPE_COUNT; type++)
		{
			GhPage		page;
			GhError		err;
			char	   *json = dup_renamed(cases[i].json, type);
			GhErrorKind rc = parse((GhDataType) type, json, &page, &err);

			if (!CHECK(rc == GH_OK && page.nsamples == 0 && page.ndaily == 0 &&
					   page.nexercise == 0 && page.nsleep == 0 &&
					   page.nsteps == 0 && str_eq(page.next_page_token, cases[i].token)))
				printf("     case %zu, type %d: %s %s\n", i, type, err.path,
					   err.message);
			gh_page_free(&page);
			free(json);
		}
	}

	EXPECT_ERR(GH_HEART_RATE, "{\"nextPageToken\":7}", GH_ERR_TYPE,
			   "$.nextPageToken", "nextPageToken 7 is not a string");
	EXPECT_ERR(GH_HEART_RATE, "{\"nextPageToken\":\"a b\"}", GH_ERR_RANGE,
			   "$.nextPageToken", "outside printable ascii");
	EXPECT_ERR(GH_HEART_RATE, "{\"dataPoints\":{}}", GH_ERR_TYPE,
			   "$.dataPoints", "dataPoints {...} is not an array");
	EXPECT_ERR(GH_HEART_RATE, "{\"dataPoints\":\"[]\"}", GH_ERR_TYPE,
			   "$.dataPoints", "is not an array");
	EXPECT_ERR(GH_HEART_RATE, "[]", GH_ERR_SHAPE, "$",
			   "top-level value is an array");
	EXPECT_ERR(GH_HEART_RATE, "\"dataPoints\"", GH_ERR_SHAPE, "$",
			   "top-level value is a string");
	EXPECT_ERR(GH_HEART_RATE, "42", GH_ERR_SHAPE, "$",
			   "top-level value is a number");
	EXPECT_ERR(GH_HEART_RATE, "null", GH_ERR_SHAPE, "$",
			   "top-level value is null");
	EXPECT_ERR(GH_HEART_RATE, "true", GH_ERR_SHAPE, "$",
			   "top-level value is a boolean");
	EXPECT_ERR(GH_HEART_RATE,
			   "{\"error\":{\"code\":403,\"status\":\"PERMISSION_DENIED\"}}",
			   GH_ERR_SHAPE, "$", "google.rpc.Status error body");
	EXPECT_ERR(GH_HEART_RATE, "{\"rollupDataPoints\":[]}", GH_ERR_SHAPE, "$",
			   "heart-rate pages hold dataPoints");
	EXPECT_ERR(GH_TIME_IN_HEART_RATE_ZONE, "{\"dataPoints\":[]}", GH_ERR_SHAPE,
			   "$", "time-in-heart-rate-zone pages hold rollupDataPoints");
	EXPECT_ERR((GhDataType) GH_DATA_TYPE_COUNT, "{}", GH_ERR_SHAPE, "$",
			   "unknown data type");
}

/* RFC 3339 timestamps: fractions, offsets, calendar checks. */
static void
test_timestamps(void)
{
	static const struct
	{
		const char *text;
		int64_t		epoch;
	}			good[] = {
		{"2026-07-01T06:59:55Z", T_0659_55},
		{"2026-07-01T06:59:55.5Z", T_0659_55},
		{"2026-07-01T06:59:55.999999999Z", T_0659_55},
		{"2026-07-01T06:59:55.000Z", T_0659_55},
		{"2026-07-01t06:59:55z", T_0659_55},
		{"2026-07-01T08:59:55+02:00", T_0659_55},
		{"2026-07-01T08:59:55.75+02:00", T_0659_55},
		{"2026-07-01T01:29:55-05:30", T_0659_55},
		{"2026-07-01T06:59:55-00:00", T_0659_55},
		{"2026-07-01T00:30:00+01:00", T_DAY - 1800},
		{"2026-06-30T23:30:00-01:00", T_DAY + 1800},
		{"1970-01-01T00:00:00Z", 0},
		{"1969-12-31T23:59:59.5Z", -1},
		{"1969-12-31T23:59:59.999Z", -1},
		{"2024-02-29T12:00:00Z", INT64_C(1709208000)},
		{"2000-02-29T00:00:00Z", INT64_C(951782400)},
		{"9999-12-31T23:59:59Z", INT64_C(253402300799)},
		{"0001-01-01T00:00:00Z", INT64_C(-62135596800)},
	};
	static const char *const bad[] = {
		"",
		"2026-07-01",
		"2026-07-01T06:59:55",
		"2026-07-01 06:59:55Z",
		"2026-07-01T06:59Z",
		"2026-07-01T24:00:00Z",
		"2026-07-01T06:60:00Z",
		"2026-07-01T06:59:60Z",
		"2026-02-29T00:00:00Z",
		"1900-02-29T00:00:00Z",
		"2026-13-01T00:00:00Z",
		"2026-00-01T00:00:00Z",
		"2026-04-31T00:00:00Z",
		"0000-01-01T00:00:00Z",
		"2026-7-01T06:59:55Z",
		"2026-07-01T6:59:55Z",
		"2026-07-01T06:59:55.Z",
		"2026-07-01T06:59:55.1234567890Z",
		"2026-07-01T06:59:55,5Z",
		"2026-07-01T06:59:55+0200",
		"2026-07-01T06:59:55+02",
		"2026-07-01T06:59:55+24:00",
		"2026-07-01T06:59:55+02:60",
		"2026-07-01T06:59:55ZZ",
		"2026-07-01T06:59:55Z ",
		" 2026-07-01T06:59:55Z",
		"+2026-07-01T06:59:55Z",
		"20260701T065955Z",
		"2026-07-01T06:59:55UTC",
		"1782889195",
	};
	size_t		i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
	{
		char	   *json = sfmt(PAGE(HR_ST("\"physicalTime\":\"%s\"", "\"60\"")),
								good[i].text);
		int64_t		t = 0;
		int			bpm = 0;
		int			off = -1;

		if (!CHECK(parse_one_sample(json, &t, &bpm, &off) == GH_OK &&
				   t == good[i].epoch && bpm == 60 && off == 0))
			printf("     %s gave %lld\n", good[i].text, (long long) t);
		free(json);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		char	   *json = sfmt(PAGE(HR_ST("\"physicalTime\":\"%s\"", "\"60\"")),
								bad[i]);

		EXPECT_ERR(GH_HEART_RATE, json, GH_ERR_TIME, ST0 ".physicalTime",
				   "is not a valid rfc 3339 timestamp");
		free(json);
	}
	EXPECT_ERR(GH_HEART_RATE,
			   PAGE(HR_ST("\"physicalTime\":\"2026-02-30T00:00:00Z\"", "\"60\"")),
			   GH_ERR_TIME, ST0 ".physicalTime",
			   "physicalTime \"2026-02-30T00:00:00Z\" is not a valid rfc 3339 timestamp");
	EXPECT_ERR(GH_HEART_RATE, PAGE(HR_ST("\"physicalTime\":1782889195", "\"60\"")),
			   GH_ERR_TYPE, ST0 ".physicalTime",
			   "physicalTime 1782889195 is not a string");
	EXPECT_ERR(GH_HEART_RATE, PAGE(HR_ST("\"physicalTime\":null", "\"60\"")),
			   GH_ERR_TYPE, ST0 ".physicalTime", "physicalTime null is not a string");
	EXPECT_ERR(GH_HEART_RATE, PAGE(HR_ST("\"utcOffset\":\"0s\"", "\"60\"")),
			   GH_ERR_SHAPE, ST0 ".physicalTime", "physicalTime is missing");
}

/* utcOffset: a whole-second duration within +-18 hours; absent is 0. */
static void
test_utc_offsets(void)
{
	static const struct
	{
		const char *json;
		int			offset;
	}			good[] = {
		{"\"7200s\"", 7200},
		{"\"-14400s\"", -14400},
		{"\"0s\"", 0},
		{"\"-0s\"", 0},
		{"\"3600.000s\"", 3600},
		{"\"3600.000000000s\"", 3600},
		{"\"64800s\"", 64800},
		{"\"-64800s\"", -64800},
		{"\"020700s\"", 20700},
		{"null", 0},
	};
	static const struct
	{
		const char *json;
		GhErrorKind kind;
	}			bad[] = {
		{"\"7200\"", GH_ERR_TYPE},
		{"7200", GH_ERR_TYPE},
		{"\"7200S\"", GH_ERR_TYPE},
		{"\"s\"", GH_ERR_TYPE},
		{"\"-s\"", GH_ERR_TYPE},
		{"\"1e3s\"", GH_ERR_TYPE},
		{"\"+3600s\"", GH_ERR_TYPE},
		{"\"3600.s\"", GH_ERR_TYPE},
		{"\"3600.0000000001s\"", GH_ERR_TYPE},
		{"\"2h\"", GH_ERR_TYPE},
		{"\"\"", GH_ERR_TYPE},
		{"{}", GH_ERR_TYPE},
		{"\"3600.5s\"", GH_ERR_RANGE},
		{"\"-0.5s\"", GH_ERR_RANGE},
		{"\"64801s\"", GH_ERR_RANGE},
		{"\"-64801s\"", GH_ERR_RANGE},
		{"\"999999999999s\"", GH_ERR_RANGE},
		{"\"9999999999999s\"", GH_ERR_TYPE},
	};
	size_t		i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
	{
		char	   *json = sfmt(PAGE(HR_ST("\"physicalTime\":\"2026-07-01T06:59:55Z\",\"utcOffset\":%s", "\"61\"")),
								good[i].json);
		int64_t		t = 0;
		int			bpm = 0;
		int			off = -1;

		if (!CHECK(parse_one_sample(json, &t, &bpm, &off) == GH_OK &&
				   off == good[i].offset && t == T_0659_55))
			printf("     utcOffset %s gave %d\n", good[i].json, off);
		free(json);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		char	   *json = sfmt(PAGE(HR_ST("\"physicalTime\":\"2026-07-01T06:59:55Z\",\"utcOffset\":%s", "\"61\"")),
								bad[i].json);

		EXPECT_ERR(GH_HEART_RATE, json, bad[i].kind, ST0 ".utcOffset",
				   "utcOffset");
		free(json);
	}
	EXPECT_ERR(GH_HEART_RATE,
			   PAGE(HR_ST("\"physicalTime\":\"2026-07-01T06:59:55Z\",\"utcOffset\":\"7200\"", "\"61\"")),
			   GH_ERR_TYPE, ST0 ".utcOffset",
			   "utcOffset \"7200\" is not a duration string such as \"60s\"");
	EXPECT_ERR(GH_HEART_RATE,
			   PAGE(HR_ST("\"physicalTime\":\"2026-07-01T06:59:55Z\",\"utcOffset\":\"3600.5s\"", "\"61\"")),
			   GH_ERR_RANGE, ST0 ".utcOffset",
			   "utcOffset \"3600.5s\" is not a whole number of seconds");
	EXPECT_ERR(GH_HEART_RATE,
			   PAGE(HR_ST("\"physicalTime\":\"2026-07-01T06:59:55Z\",\"utcOffset\":\"90000s\"", "\"61\"")),
			   GH_ERR_RANGE, ST0 ".utcOffset",
			   "utcOffset \"90000s\" is outside -64800s..64800s");
}

/* beatsPerMinute: an int64 string within 20..250. */
static void
test_bpm_values(void)
{
	static const struct
	{
		const char *json;
		int			bpm;
	}			good[] = {
		{"\"72\"", 72},
		{"\"20\"", 20},
		{"\"250\"", 250},
		{"\"072\"", 72},
		{"\"\\u0037\\u0032\"", 72},
	};
	static const struct
	{
		const char *json;
		GhErrorKind kind;
		const char *msg;
	}			bad[] = {
		{"72", GH_ERR_TYPE, "beatsPerMinute 72 is a json number, not an int64 string"},
		{"72.0", GH_ERR_TYPE, "beatsPerMinute 72.0 is a json number, not an int64 string"},
		{"7.2e1", GH_ERR_TYPE, "is a json number"},
		{"-1", GH_ERR_TYPE, "is a json number"},
		{"\"72.0\"", GH_ERR_TYPE, "beatsPerMinute \"72.0\" is not a decimal integer string"},
		{"\"7e1\"", GH_ERR_TYPE, "is not a decimal integer string"},
		{"\"\"", GH_ERR_TYPE, "is not a decimal integer string"},
		{"\" 72\"", GH_ERR_TYPE, "is not a decimal integer string"},
		{"\"72 \"", GH_ERR_TYPE, "is not a decimal integer string"},
		{"\"+72\"", GH_ERR_TYPE, "is not a decimal integer string"},
		{"\"-\"", GH_ERR_TYPE, "is not a decimal integer string"},
		{"\"0x48\"", GH_ERR_TYPE, "is not a decimal integer string"},
		{"\"seventy\"", GH_ERR_TYPE, "is not a decimal integer string"},
		{"\"99999999999999999999x\"", GH_ERR_TYPE, "is not a decimal integer string"},
		{"true", GH_ERR_TYPE, "beatsPerMinute true is not an int64 string"},
		{"null", GH_ERR_TYPE, "beatsPerMinute null is not an int64 string"},
		{"[\"72\"]", GH_ERR_TYPE, "beatsPerMinute [...] is not an int64 string"},
		{"{\"value\":\"72\"}", GH_ERR_TYPE, "beatsPerMinute {...} is not an int64 string"},
		{"\"400\"", GH_ERR_RANGE, "beatsPerMinute \"400\" is outside 20..250"},
		{"\"19\"", GH_ERR_RANGE, "beatsPerMinute \"19\" is outside 20..250"},
		{"\"251\"", GH_ERR_RANGE, "is outside 20..250"},
		{"\"0\"", GH_ERR_RANGE, "is outside 20..250"},
		{"\"-0\"", GH_ERR_RANGE, "is outside 20..250"},
		{"\"-72\"", GH_ERR_RANGE, "is outside 20..250"},
		{"\"9223372036854775807\"", GH_ERR_RANGE, "is outside 20..250"},
		{"\"9223372036854775808\"", GH_ERR_RANGE, "is outside 20..250"},
		{"\"-9223372036854775808\"", GH_ERR_RANGE, "is outside 20..250"},
		{"\"-9223372036854775809\"", GH_ERR_RANGE, "is outside 20..250"},
		{"\"1234567890123456789012345678901234567890123456789012345678901234567890\"",
		 GH_ERR_RANGE, "beatsPerMinute \"12345678901234567890123456789012345678901234567... is outside"},
	};
	size_t		i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
	{
		char	   *json = sfmt(PAGE(HR_ST("\"physicalTime\":\"2026-07-01T06:59:55Z\"", "%s")),
								good[i].json);
		int64_t		t = 0;
		int			bpm = 0;
		int			off = -1;

		if (!CHECK(parse_one_sample(json, &t, &bpm, &off) == GH_OK &&
				   bpm == good[i].bpm))
			printf("     beatsPerMinute %s gave %d\n", good[i].json, bpm);
		free(json);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		char	   *json = sfmt(PAGE(HR_ST("\"physicalTime\":\"2026-07-01T06:59:55Z\"", "%s")),
								bad[i].json);

		EXPECT_ERR(GH_HEART_RATE, json, bad[i].kind, HR0 ".beatsPerMinute",
				   bad[i].msg);
		free(json);
	}
}

/* Structure errors of heart-rate points, with their paths. */
static void
test_heart_rate_shape(void)
{
	const char *good = HR_PT("2026-07-01T06:59:55Z", "\"72\"");

	EXPECT_ERR(GH_HEART_RATE,
			   "{\"dataPoints\":[{\"heartRate\":{\"sampleTime\":{\"physicalTime\":\"2026-07-01T06:59:55Z\"}}}]}",
			   GH_ERR_SHAPE, HR0 ".beatsPerMinute", "beatsPerMinute is missing");
	EXPECT_ERR(GH_HEART_RATE, "{\"dataPoints\":[{\"steps\":{}}]}", GH_ERR_SHAPE,
			   HR0, "heartRate is missing");
	EXPECT_ERR(GH_HEART_RATE, "{\"dataPoints\":[{\"heartRate\":\"72\"}]}",
			   GH_ERR_TYPE, HR0, "heartRate \"72\" is not an object");
	EXPECT_ERR(GH_HEART_RATE, "{\"dataPoints\":[{\"heartRate\":null}]}",
			   GH_ERR_TYPE, HR0, "heartRate null is not an object");
	EXPECT_ERR(GH_HEART_RATE, "{\"dataPoints\":[{\"heartRate\":{\"beatsPerMinute\":\"72\"}}]}",
			   GH_ERR_SHAPE, ST0, "sampleTime is missing");
	EXPECT_ERR(GH_HEART_RATE, "{\"dataPoints\":[{\"heartRate\":{\"sampleTime\":[],\"beatsPerMinute\":\"72\"}}]}",
			   GH_ERR_TYPE, ST0, "sampleTime [...] is not an object");
	EXPECT_ERR(GH_HEART_RATE, "{\"dataPoints\":[5]}", GH_ERR_TYPE, P0,
			   "data point 5 is not an object");
	EXPECT_ERR(GH_HEART_RATE, "{\"dataPoints\":[null]}", GH_ERR_TYPE, P0,
			   "data point null is not an object");

	/* the index in the path is the failing point's */
	{
		char	   *json = sfmt("{\"dataPoints\":[%s,%s,%s]}", good, good,
								HR_PT("2026-07-01T06:59:55Z", "\"300\""));

		EXPECT_ERR(GH_HEART_RATE, json, GH_ERR_RANGE,
				   "$.dataPoints[2].heartRate.beatsPerMinute",
				   "beatsPerMinute \"300\" is outside 20..250");
		free(json);
	}
	/* the first error wins */
	EXPECT_ERR(GH_HEART_RATE,
			   PAGE(HR_PT("2026-07-01T06:59:55Z", "72") ","
					HR_PT("2026-07-01", "\"72\"")),
			   GH_ERR_TYPE, HR0 ".beatsPerMinute", "json number");
}

/* Bytes that are not one JSON value. */
static void
test_not_json(void)
{
	static const struct
	{
		const char *json;
		const char *msg;
	}			cases[] = {
		{"", "byte offset 0: unexpected end of input"},
		{"  \n ", "unexpected end of input"},
		{"{", "byte offset 1: unexpected end of input"},
		{"{\"dataPoints\":[", "unexpected end of input"},
		{"{\"dataPoints\":[{\"heartRate\":{\"sampleTime\":{\"physicalTime\":\"2026-07-01T06:5",
		"unterminated string"},
		{"{\"dataPoints\":[]}x", "byte offset 17: trailing data after the json value"},
		{"{\"dataPoints\":[]} {}", "trailing data"},
		{"{\"dataPoints\":[]}]", "trailing data"},
		{"{\"a\":NaN}", "byte offset 5: unexpected character 'N'"},
		{"{\"a\":Infinity}", "unexpected character 'I'"},
		{"{\"a\":-Infinity}", "invalid number"},
		{"{\"a\":1.}", "invalid number"},
		{"{\"a\":.5}", "unexpected character '.'"},
		{"{\"a\":01}", "byte offset 6: unexpected character '1'"},
		{"{\"a\":+1}", "unexpected character '+'"},
		{"{\"a\":1e}", "invalid number"},
		{"{'a':1}", "expected a member name in double quotes"},
		{"{a:1}", "expected a member name in double quotes"},
		{"{\"a\" 1}", "expected ':' after a member name"},
		{"{\"a\":1,}", "expected a member name in double quotes"},
		{"{\"a\":[1,]}", "unexpected character ']'"},
		{"{\"a\":[1 2]}", "unexpected character '2'"},
		{"{\"a\":tru}", "invalid literal"},
		{"{\"a\":True}", "unexpected character 'T'"},
		{"{\"a\":nul}", "invalid literal"},
		{"{\"a\":\"x\ty\"}", "control character 0x09 in string"},
		{"{\"a\":\"x\ny\"}", "control character 0x0a in string"},
		{"{\"a\":\"\\ud800\"}", "lone utf-16 surrogate"},
		{"{\"a\":\"\\udc00\"}", "lone utf-16 surrogate"},
		{"{\"a\":\"\\ud800\\u0041\"}", "lone utf-16 surrogate"},
		{"{\"a\":\"\\x41\"}", "invalid escape in string"},
		{"{\"a\":\"\\u12\"}", "invalid \\u escape"},
		{"{\"a\":\"\xff\"}", "invalid utf-8 in string"},
		{"{\"a\":\"\xc3\"}", "invalid utf-8 in string"},
		{"{\"a\":\"\xed\xa0\x80\"}", "invalid utf-8 in string"},
		{"{\"a\":\"\xc0\xaf\"}", "invalid utf-8 in string"},
		{"{\"a\":1]", "unexpected character ']'"},
		{"[1}", "unexpected character '}'"},
		{"<html><body>502 Bad Gateway</body></html>", "unexpected character '<'"},
		{"\xEF\xBB", "unexpected byte 0xef"},
	};
	size_t		i;
	int			type;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		for (type = 0; type < GH_DATA_TYPE_COUNT; type++)
			EXPECT_ERR((GhDataType) type, cases[i].json, GH_ERR_NOT_JSON, "$",
					   cases[i].msg);
	}

	/* a NUL inside the buffer is not the end of the document */
	EXPECT_ERR_LEN(GH_HEART_RATE, "{\"dataPoints\":[]}\0", 18, GH_ERR_NOT_JSON,
				   "$", "byte offset 17: trailing data");
	EXPECT_ERR_LEN(GH_HEART_RATE, "{\"a\":\"x\0y\"}", 11, GH_ERR_NOT_JSON, "$",
				   "control character 0x00");
	/* only len bytes are read: the document is cut short */
	EXPECT_ERR_LEN(GH_HEART_RATE, "{\"dataPoints\":[]}", 16, GH_ERR_NOT_JSON,
				   "$", "unexpected end of input");
	{
		GhPage		page;
		GhError		err;

		CHECK(gh_parse_page(GH_STEPS, NULL, 10, &page, &err) == GH_ERR_NOT_JSON);
		CHECK(page_is_empty(&page));
	}

	/* every truncation of a real page is refused as not json */
	{
		const char *doc = PAGE_T(HR_PT("2026-07-01T06:59:55Z", "\"72\""), "t");
		size_t		n = strlen(doc);
		size_t		cut;
		int			bad = 0;

		for (cut = 0; cut < n; cut++)
		{
			GhPage		page;
			GhError		err;

			if (gh_parse_page(GH_HEART_RATE, doc, cut, &page, &err) != GH_ERR_NOT_JSON ||
				!page_is_empty(&page))
				bad++;
			gh_page_free(&page);
		}
		CHECK(bad == 0);
	}

	/* nesting: 64 levels are fine, 65 are not */
	{
		StrBuf		ok = {0};
		StrBuf		deep = {0};
		int			i2;

		sb_puts(&ok, "{\"x\":");
		for (i2 = 0; i2 < 63; i2++)
			sb_puts(&ok, "[");
		for (i2 = 0; i2 < 63; i2++)
			sb_puts(&ok, "]");
		sb_puts(&ok, "}");
		sb_puts(&deep, "{\"x\":");
		for (i2 = 0; i2 < 64; i2++)
			sb_puts(&deep, "[");
		for (i2 = 0; i2 < 64; i2++)
			sb_puts(&deep, "]");
		sb_puts(&deep, "}");
		{
			GhPage		page;
			GhError		err;

			CHECK(parse(GH_HEART_RATE, ok.data, &page, &err) == GH_OK);
			gh_page_free(&page);
		}
		EXPECT_ERR(GH_HEART_RATE, deep.data, GH_ERR_SHAPE, "$",
				   "json nested deeper than 64 levels at byte offset 68");
		free(ok.data);
		free(deep.data);
	}
}

/*
 * Build a heart-rate page of n points, one every 5 seconds back from
 * 2026-07-01T06:59:55Z, newest first as the API sends them.  With
 * reconcile set the points have no dataSource (the shape of a reconcile
 * response, about 250 bytes a point); otherwise they are list points with
 * one.  bad_index (or -1) gets beatsPerMinute "400".
 */
static char *
build_hr_page(size_t n, bool reconcile, long bad_index, const char *points_key)
{
	StrBuf		sb = {0};
	size_t		i;

	sb_printf(&sb, "{\"%s\":[", points_key);
	for (i = 0; i < n; i++)
	{
		int64_t		t = T_0659_55 - (int64_t) i * 5;
		int64_t		local = t + 7200;
		int64_t		sod = ((local % 86400) + 86400) % 86400;
		int			bpm = 40 + (int) (i % 150);

		if (i > 0)
			sb_puts(&sb, ",");
		sb_puts(&sb, "{");
		if (!reconcile)
			sb_puts(&sb, SOURCE ",");
		{
			time_t		tt = (time_t) t;
			struct tm	tm;
			char		ts[32];

			gmtime_r(&tt, &tm);
			strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
			sb_printf(&sb,
					  "\"heartRate\":{\"sampleTime\":{\"physicalTime\":\"%s\",\"utcOffset\":\"7200s\","
					  "\"civilTime\":{\"date\":{\"year\":2026,\"month\":7,\"day\":1},"
					  "\"time\":{\"hours\":%d,\"minutes\":%d,\"seconds\":%d}}},"
					  "\"beatsPerMinute\":\"%d\"," HR_META "}}",
					  ts, (int) (sod / 3600), (int) (sod / 60 % 60), (int) (sod % 60),
					  (long) i == bad_index ? 400 : bpm);
		}
	}
	sb_puts(&sb, "],\"nextPageToken\":\"Cg0IgICAgICAgICAARIDMTAw\"}");
	return sb.data;
}

/*
 * Large pages go through the scanner's chunks: every value must land at
 * its index, and an error anywhere must name the right point.  Also the
 * cases where the scanner must not cut the array out: a repeated or
 * escaped member name.
 */
static void
test_bulk(void)
{
	static const long bad_at[] = {0, 1, 63, 64, 65, 127, 128, 255, 256, 4999, 9998, 9999};
	char	   *doc = build_hr_page(10000, true, -1, "dataPoints");
	GhPage		page;
	GhError		err;
	size_t		i;
	int			wrong = 0;

	CHECK(parse(GH_HEART_RATE, doc, &page, &err) == GH_OK);
	CHECK(page.nsamples == 10000);
	for (i = 0; i < page.nsamples; i++)
	{
		if (page.t[i] != T_0659_55 - (int64_t) i * 5 ||
			page.bpm[i] != 40 + (int) (i % 150) || page.utc_offset[i] != 7200)
			wrong++;
	}
	CHECK(wrong == 0);
	CHECK(str_eq(page.next_page_token, "Cg0IgICAgICAgICAARIDMTAw"));
	gh_page_free(&page);
	free(doc);

	for (i = 0; i < sizeof(bad_at) / sizeof(bad_at[0]); i++)
	{
		char	   *path = sfmt("$.dataPoints[%ld].heartRate.beatsPerMinute",
								bad_at[i]);

		doc = build_hr_page(10000, false, bad_at[i], "dataPoints");
		EXPECT_ERR(GH_HEART_RATE, doc, GH_ERR_RANGE, path,
				   "beatsPerMinute \"400\" is outside 20..250");
		free(doc);
		free(path);
	}

	/* small pages around the chunk size */
	{
		static const size_t sizes[] = {1, 2, 63, 64, 65, 128, 129, 1000};

		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		{
			doc = build_hr_page(sizes[i], i % 2 == 0, -1, "dataPoints");
			if (!CHECK(parse(GH_HEART_RATE, doc, &page, &err) == GH_OK &&
					   page.nsamples == sizes[i] &&
					   page.t[sizes[i] - 1] == T_0659_55 - (int64_t) (sizes[i] - 1) * 5))
				printf("     %zu points: %s %s\n", sizes[i], err.path, err.message);
			gh_page_free(&page);
			free(doc);
		}
	}

	/* a repeated member: the last one wins, as in json-c */
	CHECK(parse(GH_HEART_RATE,
				"{\"dataPoints\":[" HR_PT("2026-07-01T06:59:55Z", "\"99\"") "],"
				"\"nextPageToken\":\"a\",\"dataPoints\":["
				HR_PT("2026-07-01T06:59:55Z", "\"61\"") ","
				HR_PT("2026-07-01T06:59:56Z", "\"62\"") "],\"nextPageToken\":\"b\"}",
				&page, &err) == GH_OK);
	CHECK(page.nsamples == 2 && page.bpm[0] == 61 && page.bpm[1] == 62 &&
		  str_eq(page.next_page_token, "b"));
	gh_page_free(&page);
	CHECK(parse(GH_HEART_RATE,
				"{\"dataPoints\":[" HR_PT("2026-07-01T06:59:55Z", "\"99\"") "],"
				"\"dataPoints\":null}", &page, &err) == GH_OK);
	CHECK(page.nsamples == 0);
	gh_page_free(&page);
	CHECK(parse(GH_HEART_RATE,
				"{\"dataPoints\":null,\"dataPoints\":["
				HR_PT("2026-07-01T06:59:55Z", "\"61\"") "]}", &page, &err) == GH_OK);
	CHECK(page.nsamples == 1 && page.bpm[0] == 61);
	gh_page_free(&page);
	EXPECT_ERR(GH_HEART_RATE,
			   "{\"dataPoints\":[],\"dataPoints\":{\"a\":[]}}", GH_ERR_TYPE,
			   "$.dataPoints", "is not an array");

	/* an escaped member name: the whole document goes to json-c */
	CHECK(parse(GH_HEART_RATE,
				"{\"data\\u0050oints\":[" HR_PT("2026-07-01T06:59:55Z", "\"61\"") ","
				HR_PT("2026-07-01T06:59:50Z", "\"62\"") "]}", &page, &err) == GH_OK);
	CHECK(page.nsamples == 2 && page.bpm[1] == 62);
	gh_page_free(&page);
	CHECK(parse(GH_HEART_RATE,
				"{\"dataPoints\":[" HR_PT("2026-07-01T06:59:55Z", "\"61\"") "],"
				"\"next\\u0050ageToken\":\"x\"}", &page, &err) == GH_OK);
	CHECK(page.nsamples == 1 && str_eq(page.next_page_token, "x"));
	gh_page_free(&page);
	EXPECT_ERR(GH_HEART_RATE,
			   "{\"dataPoints\":[" HR_PT("2026-07-01T06:59:55Z", "\"61\"") "],"
			   "\"data\\u0050oints\":[" HR_PT("2026-07-01T06:59:55Z", "\"600\"") "]}",
			   GH_ERR_RANGE, "$.dataPoints[0].heartRate.beatsPerMinute",
			   "\"600\"");

	/* an array of the same name deeper down is not the page's */
	CHECK(parse(GH_HEART_RATE,
				"{\"meta\":{\"dataPoints\":[1,2,3]},\"dataPoints\":["
				HR_PT("2026-07-01T06:59:55Z", "\"61\"") "],\"x\":[{\"dataPoints\":[4]}]}",
				&page, &err) == GH_OK);
	CHECK(page.nsamples == 1);
	gh_page_free(&page);
}


/* ----------------------------------------------------------------------
 * Daily types
 * ----------------------------------------------------------------------
 */

/* daily-resting-heart-rate: a real date and an int64 string 20..250. */
static void
test_resting(void)
{
	GhPage		page;
	GhError		err;
	const char *rp = P0 ".dailyRestingHeartRate";

	CHECK(parse(GH_DAILY_RESTING_HEART_RATE,
				PAGE(RHR(DATE_0701, "\"55\"") ","
					 RHR("{\"year\":2024,\"month\":2,\"day\":29}", "\"250\"")),
				&page, &err) == GH_OK);
	CHECK(page.ndaily == 2 && page.nsamples == 0);
	CHECK(page.daily[0].date.year == 2026 && page.daily[0].date.month == 7 &&
		  page.daily[0].date.day == 1);
	CHECK(page.daily[0].has_resting && page.daily[0].resting_bpm == 55);
	CHECK(!page.daily[0].has_zones && !page.daily[0].has_zone_seconds);
	CHECK(page.daily[1].date.year == 2024 && page.daily[1].date.month == 2 &&
		  page.daily[1].date.day == 29 && page.daily[1].resting_bpm == 250);
	gh_page_free(&page);

	EXPECT_ERR(GH_DAILY_RESTING_HEART_RATE,
			   PAGE(RHR("{\"year\":2026,\"month\":2,\"day\":29}", "\"55\"")),
			   GH_ERR_TIME, P0 ".dailyRestingHeartRate.date",
			   "date 2026-02-29 is not a real calendar date");
	EXPECT_ERR(GH_DAILY_RESTING_HEART_RATE,
			   PAGE(RHR("{\"year\":2026,\"month\":13,\"day\":1}", "\"55\"")),
			   GH_ERR_TIME, P0 ".dailyRestingHeartRate.date",
			   "date 2026-13-01 is not a real calendar date");
	EXPECT_ERR(GH_DAILY_RESTING_HEART_RATE,
			   PAGE(RHR("{\"year\":2026,\"month\":4,\"day\":31}", "\"55\"")),
			   GH_ERR_TIME, P0 ".dailyRestingHeartRate.date", "2026-04-31");
	EXPECT_ERR(GH_DAILY_RESTING_HEART_RATE,
			   PAGE(RHR("{\"year\":0,\"month\":7,\"day\":1}", "\"55\"")),
			   GH_ERR_TIME, P0 ".dailyRestingHeartRate.date", "0-07-01");
	EXPECT_ERR(GH_DAILY_RESTING_HEART_RATE,
			   PAGE(RHR("{\"year\":2026,\"month\":7,\"day\":0}", "\"55\"")),
			   GH_ERR_TIME, P0 ".dailyRestingHeartRate.date", "2026-07-00");
	EXPECT_ERR(GH_DAILY_RESTING_HEART_RATE,
			   PAGE(RHR("{\"year\":2026,\"month\":7,\"day\":-1}", "\"55\"")),
			   GH_ERR_TIME, P0 ".dailyRestingHeartRate.date", NULL);
	EXPECT_ERR(GH_DAILY_RESTING_HEART_RATE,
			   PAGE(RHR("{\"year\":2026,\"month\":7,\"day\":10000000000}", "\"55\"")),
			   GH_ERR_RANGE, P0 ".dailyRestingHeartRate.date.day", "outside");
	EXPECT_ERR(GH_DAILY_RESTING_HEART_RATE,
			   PAGE(RHR("{\"year\":2026,\"month\":\"7\",\"day\":1}", "\"55\"")),
			   GH_ERR_TYPE, P0 ".dailyRestingHeartRate.date.month",
			   "month \"7\" is not an integer");
	EXPECT_ERR(GH_DAILY_RESTING_HEART_RATE,
			   PAGE(RHR("{\"year\":2026.0,\"month\":7,\"day\":1}", "\"55\"")),
			   GH_ERR_TYPE, P0 ".dailyRestingHeartRate.date.year",
			   "year 2026.0 is not an integer");
	EXPECT_ERR(GH_DAILY_RESTING_HEART_RATE,
			   PAGE(RHR("{\"year\":2026,\"month\":7}", "\"55\"")),
			   GH_ERR_SHAPE, P0 ".dailyRestingHeartRate.date.day", "day is missing");
	EXPECT_ERR(GH_DAILY_RESTING_HEART_RATE,
			   PAGE(RHR("\"2026-07-01\"", "\"55\"")),
			   GH_ERR_TYPE, P0 ".dailyRestingHeartRate.date",
			   "date \"2026-07-01\" is not an object");
	EXPECT_ERR(GH_DAILY_RESTING_HEART_RATE,
			   PAGE("{\"dailyRestingHeartRate\":{\"beatsPerMinute\":\"55\"}}"),
			   GH_ERR_SHAPE, P0 ".dailyRestingHeartRate.date", "date is missing");
	EXPECT_ERR(GH_DAILY_RESTING_HEART_RATE, PAGE(RHR(DATE_0701, "\"300\"")),
			   GH_ERR_RANGE, P0 ".dailyRestingHeartRate.beatsPerMinute",
			   "beatsPerMinute \"300\" is outside 20..250");
	EXPECT_ERR(GH_DAILY_RESTING_HEART_RATE, PAGE(RHR(DATE_0701, "55")),
			   GH_ERR_TYPE, P0 ".dailyRestingHeartRate.beatsPerMinute",
			   "json number");
	EXPECT_ERR(GH_DAILY_RESTING_HEART_RATE,
			   PAGE("{\"dailyRestingHeartRate\":{\"date\":" DATE_0701 "}}"),
			   GH_ERR_SHAPE, P0 ".dailyRestingHeartRate.beatsPerMinute",
			   "beatsPerMinute is missing");
	EXPECT_ERR(GH_DAILY_RESTING_HEART_RATE, PAGE(HR_PT("2026-07-01T06:59:55Z", "\"72\"")),
			   GH_ERR_SHAPE, rp, "dailyRestingHeartRate is missing");
}

/* daily-heart-rate-zones: the four zone types exactly once each. */
static void
test_zones(void)
{
	GhPage		page;
	GhError		err;

	CHECK(parse(GH_DAILY_HEART_RATE_ZONES,
				PAGE(ZONES_PT(Z_LIGHT "," Z_MOD "," Z_VIG "," Z_PEAK)),
				&page, &err) == GH_OK);
	CHECK(page.ndaily == 1 && page.daily[0].has_zones &&
		  !page.daily[0].has_resting && !page.daily[0].has_zone_seconds);
	CHECK(page.daily[0].date.year == 2026 && page.daily[0].date.month == 7 &&
		  page.daily[0].date.day == 1);
	CHECK(page.daily[0].zone_min[0] == 92 && page.daily[0].zone_max[0] == 116);
	CHECK(page.daily[0].zone_min[1] == 117 && page.daily[0].zone_max[1] == 140);
	CHECK(page.daily[0].zone_min[2] == 141 && page.daily[0].zone_max[2] == 168);
	CHECK(page.daily[0].zone_min[3] == 169 && page.daily[0].zone_max[3] == 220);
	gh_page_free(&page);

	/* any order, unknown types skipped, an absent minimum is 0 */
	CHECK(parse(GH_DAILY_HEART_RATE_ZONES,
				PAGE(ZONES_PT(Z_PEAK ","
							  "{\"heartRateZoneType\":\"HEART_RATE_ZONE_TYPE_UNSPECIFIED\"},"
							  ZONE("SEDENTARY", "500", "x") ","
							  Z_VIG "," Z_MOD ","
							  "{\"heartRateZoneType\":\"LIGHT\",\"maxBeatsPerMinute\":\"116\"}") ","
					 ZONES_PT(Z_LIGHT "," Z_MOD "," Z_VIG "," ZONE("PEAK", "169", "169"))),
				&page, &err) == GH_OK);
	CHECK(page.ndaily == 2);
	CHECK(page.daily[0].zone_min[0] == 0 && page.daily[0].zone_max[0] == 116);
	CHECK(page.daily[0].zone_min[3] == 169 && page.daily[0].zone_max[3] == 220);
	CHECK(page.daily[0].zone_min[2] == 141 && page.daily[0].zone_min[1] == 117);
	CHECK(page.daily[1].zone_min[3] == 169 && page.daily[1].zone_max[3] == 169);
	gh_page_free(&page);

	EXPECT_ERR(GH_DAILY_HEART_RATE_ZONES,
			   PAGE(ZONES_PT(Z_LIGHT "," Z_MOD "," Z_VIG)),
			   GH_ERR_SHAPE, ZP0, "zone type PEAK is missing");
	EXPECT_ERR(GH_DAILY_HEART_RATE_ZONES, PAGE(ZONES_PT("")),
			   GH_ERR_SHAPE, ZP0, "zone type LIGHT is missing");
	EXPECT_ERR(GH_DAILY_HEART_RATE_ZONES,
			   PAGE(ZONES_PT(Z_LIGHT "," Z_MOD "," Z_VIG "," Z_PEAK "," ZONE("LIGHT", "90", "110"))),
			   GH_ERR_SHAPE, ZP0 "[4].heartRateZoneType",
			   "zone type LIGHT appears more than once");
	EXPECT_ERR(GH_DAILY_HEART_RATE_ZONES,
			   PAGE(ZONES_PT(Z_LIGHT "," ZONE("MODERATE", "141", "140") "," Z_VIG "," Z_PEAK)),
			   GH_ERR_RANGE, ZP0 "[1]",
			   "zone MODERATE minBeatsPerMinute 141 is above maxBeatsPerMinute 140");
	EXPECT_ERR(GH_DAILY_HEART_RATE_ZONES,
			   PAGE(ZONES_PT(Z_LIGHT "," Z_MOD "," Z_VIG "," ZONE("PEAK", "169", "301"))),
			   GH_ERR_RANGE, ZP0 "[3].maxBeatsPerMinute",
			   "maxBeatsPerMinute \"301\" is outside 0..300");
	EXPECT_ERR(GH_DAILY_HEART_RATE_ZONES,
			   PAGE(ZONES_PT(ZONE("LIGHT", "-1", "116") "," Z_MOD "," Z_VIG "," Z_PEAK)),
			   GH_ERR_RANGE, ZP0 "[0].minBeatsPerMinute", "outside 0..300");
	EXPECT_ERR(GH_DAILY_HEART_RATE_ZONES,
			   PAGE(ZONES_PT("{\"heartRateZoneType\":\"LIGHT\",\"minBeatsPerMinute\":92,\"maxBeatsPerMinute\":\"116\"}")),
			   GH_ERR_TYPE, ZP0 "[0].minBeatsPerMinute",
			   "minBeatsPerMinute 92 is a json number, not an int64 string");
	EXPECT_ERR(GH_DAILY_HEART_RATE_ZONES,
			   PAGE(ZONES_PT("{\"heartRateZoneType\":\"LIGHT\",\"minBeatsPerMinute\":\"92\"}")),
			   GH_ERR_SHAPE, ZP0 "[0].maxBeatsPerMinute",
			   "maxBeatsPerMinute is missing");
	EXPECT_ERR(GH_DAILY_HEART_RATE_ZONES,
			   PAGE(ZONES_PT("{\"minBeatsPerMinute\":\"92\",\"maxBeatsPerMinute\":\"116\"}")),
			   GH_ERR_SHAPE, ZP0 "[0].heartRateZoneType",
			   "heartRateZoneType is missing");
	EXPECT_ERR(GH_DAILY_HEART_RATE_ZONES,
			   PAGE(ZONES_PT("{\"heartRateZoneType\":1}")),
			   GH_ERR_TYPE, ZP0 "[0].heartRateZoneType",
			   "heartRateZoneType 1 is not a string");
	EXPECT_ERR(GH_DAILY_HEART_RATE_ZONES, PAGE(ZONES_PT("[]")),
			   GH_ERR_TYPE, ZP0 "[0]", "zone [...] is not an object");
	EXPECT_ERR(GH_DAILY_HEART_RATE_ZONES,
			   PAGE("{\"dailyHeartRateZones\":{\"date\":" DATE_0701 "}}"),
			   GH_ERR_SHAPE, ZP0, "heartRateZones is missing");
	EXPECT_ERR(GH_DAILY_HEART_RATE_ZONES,
			   PAGE("{\"dailyHeartRateZones\":{\"date\":" DATE_0701 ",\"heartRateZones\":{}}}"),
			   GH_ERR_TYPE, ZP0, "heartRateZones {...} is not an array");
	EXPECT_ERR(GH_DAILY_HEART_RATE_ZONES,
			   PAGE("{\"dailyHeartRateZones\":{\"date\":{\"year\":2026,\"month\":6,\"day\":31},"
					"\"heartRateZones\":[" Z_LIGHT "," Z_MOD "," Z_VIG "," Z_PEAK "]}}"),
			   GH_ERR_TIME, P0 ".dailyHeartRateZones.date",
			   "date 2026-06-31 is not a real calendar date");
}

/* time-in-heart-rate-zone from dailyRollUp. */
static void
test_time_in_zone(void)
{
	GhPage		page;
	GhError		err;
	size_t		len = 0;
	char	   *doc = read_fixture("time_in_zone_rollup.json", &len);
	const char *r0 = "$.rollupDataPoints[0]";
	const char *z0 = "$.rollupDataPoints[0].timeInHeartRateZone.timeInHeartRateZones";

	if (doc != NULL)
	{
		CHECK(gh_parse_page(GH_TIME_IN_HEART_RATE_ZONE, doc, len, &page, &err) == GH_OK);
		CHECK(page.ndaily == 3 && page.next_page_token == NULL);
		if (page.ndaily == 3)
		{
			GhDaily    *d = page.daily;

			CHECK(d[0].date.year == 2026 && d[0].date.month == 7 && d[0].date.day == 2);
			CHECK(d[0].has_zone_seconds && d[0].zone_seconds[0] == 0 &&
				  d[0].zone_seconds[1] == 0 && d[0].zone_seconds[2] == 0 &&
				  d[0].zone_seconds[3] == 0);
			CHECK(d[1].date.day == 1 && d[1].has_zone_seconds);
			CHECK(d[1].zone_seconds[0] == 2520 && d[1].zone_seconds[1] == 300 &&
				  d[1].zone_seconds[2] == 1200 && d[1].zone_seconds[3] == 270);
			CHECK(!d[1].has_resting && !d[1].has_zones);
			CHECK(d[2].date.month == 6 && d[2].date.day == 30 &&
				  !d[2].has_zone_seconds);
		}
		gh_page_free(&page);
		free(doc);
	}

	/* absent zones had no time; unknown zones are skipped; a token is kept */
	CHECK(parse(GH_TIME_IN_HEART_RATE_ZONE,
				"{\"rollupDataPoints\":[" WINDOW(TZ("MODERATE", "60s") ","
												 TZ("HEART_RATE_ZONE_TYPE_UNSPECIFIED", "5s") ","
												 "{\"heartRateZone\":\"PEAK\"}") "],"
				"\"nextPageToken\":\"r2\"}", &page, &err) == GH_OK);
	CHECK(page.ndaily == 1 && page.daily[0].has_zone_seconds &&
		  page.daily[0].zone_seconds[0] == 0 && page.daily[0].zone_seconds[1] == 60 &&
		  page.daily[0].zone_seconds[2] == 0 && page.daily[0].zone_seconds[3] == 0);
	CHECK(str_eq(page.next_page_token, "r2"));
	gh_page_free(&page);
	CHECK(parse(GH_TIME_IN_HEART_RATE_ZONE,
				ROLLUP(WINDOW(TZ("LIGHT", "172800s") "," TZ("PEAK", "0s"))),
				&page, &err) == GH_OK);
	CHECK(page.ndaily == 1 && page.daily[0].zone_seconds[0] == 172800);
	gh_page_free(&page);

	EXPECT_ERR(GH_TIME_IN_HEART_RATE_ZONE, ROLLUP(WINDOW(TZ("LIGHT", "172801s"))),
			   GH_ERR_RANGE, "$.rollupDataPoints[0].timeInHeartRateZone.timeInHeartRateZones[0].duration",
			   "duration \"172801s\" is outside 0s..172800s");
	EXPECT_ERR(GH_TIME_IN_HEART_RATE_ZONE, ROLLUP(WINDOW(TZ("LIGHT", "-1s"))),
			   GH_ERR_RANGE, "$.rollupDataPoints[0].timeInHeartRateZone.timeInHeartRateZones[0].duration",
			   "outside 0s..172800s");
	EXPECT_ERR(GH_TIME_IN_HEART_RATE_ZONE,
			   ROLLUP(WINDOW("{\"heartRateZone\":\"LIGHT\",\"duration\":2520}")),
			   GH_ERR_TYPE, "$.rollupDataPoints[0].timeInHeartRateZone.timeInHeartRateZones[0].duration",
			   "duration 2520 is not a duration string");
	EXPECT_ERR(GH_TIME_IN_HEART_RATE_ZONE,
			   ROLLUP(WINDOW(TZ("LIGHT", "60s") "," TZ("MODERATE", "60s") "," TZ("LIGHT", "1s"))),
			   GH_ERR_SHAPE, "$.rollupDataPoints[0].timeInHeartRateZone.timeInHeartRateZones[2].heartRateZone",
			   "zone LIGHT appears more than once");
	EXPECT_ERR(GH_TIME_IN_HEART_RATE_ZONE, ROLLUP(WINDOW("{\"duration\":\"5s\"}")),
			   GH_ERR_SHAPE, "$.rollupDataPoints[0].timeInHeartRateZone.timeInHeartRateZones[0].heartRateZone",
			   "heartRateZone is missing");
	EXPECT_ERR(GH_TIME_IN_HEART_RATE_ZONE,
			   ROLLUP("{\"civilEndTime\":{\"date\":" DATE_0701 "},\"timeInHeartRateZone\":{}}"),
			   GH_ERR_SHAPE, "$.rollupDataPoints[0].civilStartTime",
			   "civilStartTime is missing");
	EXPECT_ERR(GH_TIME_IN_HEART_RATE_ZONE,
			   ROLLUP("{\"civilStartTime\":{\"time\":{}},\"timeInHeartRateZone\":{}}"),
			   GH_ERR_SHAPE, "$.rollupDataPoints[0].civilStartTime.date",
			   "date is missing");
	EXPECT_ERR(GH_TIME_IN_HEART_RATE_ZONE,
			   ROLLUP("{\"civilStartTime\":{\"date\":{\"year\":2026,\"month\":2,\"day\":30}}}"),
			   GH_ERR_TIME, "$.rollupDataPoints[0].civilStartTime.date",
			   "date 2026-02-30 is not a real calendar date");
	EXPECT_ERR(GH_TIME_IN_HEART_RATE_ZONE,
			   ROLLUP("{\"civilStartTime\":{\"date\":" DATE_0701 "},\"timeInHeartRateZone\":[]}"),
			   GH_ERR_TYPE, "$.rollupDataPoints[0].timeInHeartRateZone",
			   "timeInHeartRateZone [...] is not an object");
	EXPECT_ERR(GH_TIME_IN_HEART_RATE_ZONE,
			   ROLLUP("{\"civilStartTime\":{\"date\":" DATE_0701 "},\"timeInHeartRateZone\":{\"timeInHeartRateZones\":{}}}"),
			   GH_ERR_TYPE, z0, "timeInHeartRateZones {...} is not an array");
	EXPECT_ERR(GH_TIME_IN_HEART_RATE_ZONE, ROLLUP("[]"), GH_ERR_TYPE, r0,
			   "rollup data point [...] is not an object");
}


/* ----------------------------------------------------------------------
 * Sessions and intervals
 * ----------------------------------------------------------------------
 */

/* exercise: list points with name, reconcile points with dataPointName. */
static void
test_exercise(void)
{
	GhPage		page;
	GhError		err;
	size_t		len = 0;
	char	   *doc = read_fixture("exercise_list.json", &len);
	const char *ep = P0 ".exercise";

	if (doc != NULL)
	{
		CHECK(gh_parse_page(GH_EXERCISE, doc, len, &page, &err) == GH_OK);
		CHECK(page.nexercise == 2);
		CHECK(str_eq(page.next_page_token, "CgwI8uXmwgYQgJTr3AESEGV4ZXJjaXNlLXBhZ2UtMg"));
		if (page.nexercise == 2)
		{
			GhExercise *e = &page.exercise[0];
			GhExercise *y = &page.exercise[1];

			CHECK(str_eq(e->id, "users/7Hk2Qx9LmP/dataTypes/exercise/dataPoints/2026443605080188808"));
			CHECK(str_eq(e->exercise_type, "RUNNING") && str_eq(e->display_name, "Run"));
			CHECK(e->start == INT64_C(1782883800) && e->end == INT64_C(1782885731));
			CHECK(e->start_utc_offset == 7200 && e->active_seconds == 1830);
			CHECK(e->distance_m == 5012.0 && e->calories_kcal == 412.0);
			CHECK(e->steps == 5400 && e->avg_heart_rate == 151);
			CHECK(e->zone_seconds[0] == 60 && e->zone_seconds[1] == 300 &&
				  e->zone_seconds[2] == 1200 && e->zone_seconds[3] == 270);
			CHECK(e->update_time == INT64_C(1782886202));

			CHECK(str_eq(y->exercise_type, "YOGA") && y->display_name == NULL);
			CHECK(y->start == INT64_C(1782838800) && y->end == INT64_C(1782841500));
			CHECK(y->start_utc_offset == 0 && y->active_seconds == -1);
			CHECK(y->distance_m == -1 && y->calories_kcal == -1 && y->steps == -1 &&
				  y->avg_heart_rate == -1 && y->update_time == -1);
			CHECK(y->zone_seconds[0] == -1 && y->zone_seconds[1] == -1 &&
				  y->zone_seconds[2] == -1 && y->zone_seconds[3] == -1);
		}
		gh_page_free(&page);
		free(doc);
	}

	/* reconcile form; an absent type is the enum's zero value; open set */
	CHECK(parse(GH_EXERCISE,
				PAGE("{\"dataPointName\":\"users/u1/dataTypes/exercise/dataPoints/9\",\"exercise\":{" IV_OK ","
					 "\"displayName\":\"\",\"metricsSummary\":{\"heartRateZoneDurations\":{\"peakTime\":\"12.9s\"},"
					 "\"distanceMillimeters\":0,\"caloriesKcal\":0.5}}},"
					 EX_PT("\"exerciseType\":\"PADDLEBOARDING\",\"displayName\":\"Stand-up paddle \xc3\xa9t\xc3\xa9\"," IV_OK)),
				&page, &err) == GH_OK);
	CHECK(page.nexercise == 2);
	if (page.nexercise == 2)
	{
		GhExercise *e = &page.exercise[0];

		CHECK(str_eq(e->id, "users/u1/dataTypes/exercise/dataPoints/9"));
		CHECK(str_eq(e->exercise_type, "EXERCISE_TYPE_UNSPECIFIED"));
		CHECK(e->display_name == NULL);
		CHECK(e->zone_seconds[3] == 12 && e->zone_seconds[0] == -1);
		CHECK(e->distance_m == 0 && e->calories_kcal == 0.5 && e->steps == -1);
		CHECK(e->end - e->start == 1800);
		CHECK(str_eq(page.exercise[1].exercise_type, "PADDLEBOARDING"));
		CHECK(str_eq(page.exercise[1].display_name, "Stand-up paddle \xc3\xa9t\xc3\xa9"));
	}
	gh_page_free(&page);

	EXPECT_ERR(GH_EXERCISE, PAGE("{\"exercise\":{" IV_OK "}}"), GH_ERR_SHAPE,
			   P0 ".name", "name is missing, and so is dataPointName");
	EXPECT_ERR(GH_EXERCISE, PAGE("{\"name\":\"\",\"exercise\":{" IV_OK "}}"),
			   GH_ERR_SHAPE, P0 ".name", "name is missing");
	EXPECT_ERR(GH_EXERCISE, PAGE("{\"name\":\"a\\nb\",\"exercise\":{" IV_OK "}}"),
			   GH_ERR_RANGE, P0 ".name", "contains byte 0x0a at offset 1");
	EXPECT_ERR(GH_EXERCISE, PAGE("{\"name\":7,\"exercise\":{" IV_OK "}}"),
			   GH_ERR_TYPE, P0 ".name", "name 7 is not a string");
	EXPECT_ERR(GH_EXERCISE, PAGE("{\"name\":\"n\"}"), GH_ERR_SHAPE, ep,
			   "exercise is missing");
	EXPECT_ERR(GH_EXERCISE, PAGE(EX_PT("\"exerciseType\":\"RUNNING\"")),
			   GH_ERR_SHAPE, P0 ".exercise.interval", "interval is missing");
	EXPECT_ERR(GH_EXERCISE,
			   PAGE(EX_PT("\"interval\":{\"startTime\":\"2026-07-01T05:30:00Z\"}")),
			   GH_ERR_SHAPE, P0 ".exercise.interval.endTime", "endTime is missing");
	EXPECT_ERR(GH_EXERCISE,
			   PAGE(EX_PT("\"interval\":{\"startTime\":\"2026-07-01T06:00:00Z\",\"endTime\":\"2026-07-01T05:30:00Z\"}")),
			   GH_ERR_RANGE, P0 ".exercise.interval.endTime",
			   "endTime \"2026-07-01T05:30:00Z\" is before startTime \"2026-07-01T06:00:00Z\"");
	EXPECT_ERR(GH_EXERCISE,
			   PAGE(EX_PT("\"interval\":{\"startTime\":\"2026-07-01T06:00:00+02:00\",\"endTime\":\"2026-07-01T03:30:00Z\",\"startUtcOffset\":\"7200s\"}")),
			   GH_ERR_RANGE, P0 ".exercise.interval.endTime", "endTime \"2026-07-01T03:30:00Z\" is before startTime \"2026-07-01T06:00:00+02:00\"");
	EXPECT_ERR(GH_EXERCISE, PAGE(EX_PT("\"exerciseType\":\"RUN NING\"," IV_OK)),
			   GH_ERR_RANGE, P0 ".exercise.exerciseType",
			   "exerciseType \"RUN NING\" is not an enum value name");
	EXPECT_ERR(GH_EXERCISE, PAGE(EX_PT("\"exerciseType\":3," IV_OK)),
			   GH_ERR_TYPE, P0 ".exercise.exerciseType", "is not a string");
	EXPECT_ERR(GH_EXERCISE, PAGE(EX_PT("\"displayName\":\"a\\u0000b\"," IV_OK)),
			   GH_ERR_RANGE, P0 ".exercise.displayName",
			   "displayName contains a nul character");
	EXPECT_ERR(GH_EXERCISE, PAGE(EX_PT(IV_OK ",\"activeDuration\":\"1830\"")),
			   GH_ERR_TYPE, P0 ".exercise.activeDuration",
			   "activeDuration \"1830\" is not a duration string");
	EXPECT_ERR(GH_EXERCISE, PAGE(EX_PT(IV_OK ",\"activeDuration\":\"604801s\"")),
			   GH_ERR_RANGE, P0 ".exercise.activeDuration", "outside 0s..604800s");
	EXPECT_ERR(GH_EXERCISE, PAGE(EX_PT(IV_OK ",\"updateTime\":\"yesterday\"")),
			   GH_ERR_TIME, P0 ".exercise.updateTime",
			   "updateTime \"yesterday\" is not a valid rfc 3339 timestamp");
	EXPECT_ERR(GH_EXERCISE,
			   PAGE(EX_PT(IV_OK ",\"metricsSummary\":{\"distanceMillimeters\":\"5012000\"}")),
			   GH_ERR_TYPE, P0 ".exercise.metricsSummary.distanceMillimeters",
			   "distanceMillimeters \"5012000\" is not a number");
	EXPECT_ERR(GH_EXERCISE,
			   PAGE(EX_PT(IV_OK ",\"metricsSummary\":{\"distanceMillimeters\":-1.5}")),
			   GH_ERR_RANGE, P0 ".exercise.metricsSummary.distanceMillimeters",
			   "distanceMillimeters -1.5 is outside 0..1e+10");
	EXPECT_ERR(GH_EXERCISE,
			   PAGE(EX_PT(IV_OK ",\"metricsSummary\":{\"caloriesKcal\":1e6}")),
			   GH_ERR_RANGE, P0 ".exercise.metricsSummary.caloriesKcal",
			   "caloriesKcal 1e6 is outside 0..100000");
	EXPECT_ERR(GH_EXERCISE,
			   PAGE(EX_PT(IV_OK ",\"metricsSummary\":{\"steps\":5400}")),
			   GH_ERR_TYPE, P0 ".exercise.metricsSummary.steps",
			   "steps 5400 is a json number, not an int64 string");
	EXPECT_ERR(GH_EXERCISE,
			   PAGE(EX_PT(IV_OK ",\"metricsSummary\":{\"averageHeartRateBeatsPerMinute\":\"10\"}")),
			   GH_ERR_RANGE, P0 ".exercise.metricsSummary.averageHeartRateBeatsPerMinute",
			   "averageHeartRateBeatsPerMinute \"10\" is outside 20..250");
	EXPECT_ERR(GH_EXERCISE,
			   PAGE(EX_PT(IV_OK ",\"metricsSummary\":{\"heartRateZoneDurations\":{\"lightTime\":\"60s\",\"peakTime\":\"-5s\"}}")),
			   GH_ERR_RANGE, P0 ".exercise.metricsSummary.heartRateZoneDurations.peakTime",
			   "peakTime \"-5s\" is outside");
	EXPECT_ERR(GH_EXERCISE,
			   PAGE(EX_PT(IV_OK ",\"metricsSummary\":[]")),
			   GH_ERR_TYPE, P0 ".exercise.metricsSummary",
			   "metricsSummary [...] is not an object");
	/* a later point fails after an earlier one allocated strings */
	EXPECT_ERR(GH_EXERCISE,
			   PAGE(EX_PT("\"exerciseType\":\"RUNNING\",\"displayName\":\"Run\"," IV_OK) ","
					EX_PT("\"exerciseType\":\"RUNNING\",\"displayName\":\"Run\"," IV_OK
						  ",\"metricsSummary\":{\"steps\":\"-1\"}")),
			   GH_ERR_RANGE, "$.dataPoints[1].exercise.metricsSummary.steps",
			   "steps \"-1\" is outside 0..1000000");
}

/* sleep: summary and stage summaries. */
static void
test_sleep(void)
{
	GhPage		page;
	GhError		err;
	size_t		len = 0;
	char	   *doc = read_fixture("sleep_reconcile.json", &len);

	if (doc != NULL)
	{
		CHECK(gh_parse_page(GH_SLEEP, doc, len, &page, &err) == GH_OK);
		CHECK(page.nsleep == 2 && page.next_page_token == NULL);
		if (page.nsleep == 2)
		{
			GhSleep    *s = &page.sleep[0];
			GhSleep    *n = &page.sleep[1];

			CHECK(str_eq(s->id, "users/7Hk2Qx9LmP/dataTypes/sleep/dataPoints/5f0c1e9a-3b8d-4c56-9e21-7a4b0d2c8f13"));
			CHECK(str_eq(s->sleep_type, "STAGES") && !s->nap);
			CHECK(s->start == INT64_C(1782853950) && s->end == INT64_C(1782882750));
			CHECK(s->end_utc_offset == 7200 && s->update_time == INT64_C(1782883870));
			CHECK(s->minutes_asleep == 430 && s->minutes_awake == 50 &&
				  s->minutes_in_period == 480);
			CHECK(s->nstages == 4);
			if (s->nstages == 4)
			{
				CHECK(str_eq(s->stages[0].type, "AWAKE") && s->stages[0].minutes == 50);
				CHECK(str_eq(s->stages[1].type, "LIGHT") && s->stages[1].minutes == 250);
				CHECK(str_eq(s->stages[2].type, "DEEP") && s->stages[2].minutes == 80);
				CHECK(str_eq(s->stages[3].type, "REM") && s->stages[3].minutes == 100);
			}
			CHECK(str_eq(n->sleep_type, "CLASSIC") && n->nap);
			CHECK(n->start == INT64_C(1782821100) && n->end == INT64_C(1782823920));
			CHECK(n->minutes_asleep == 41 && n->minutes_awake == 0 &&
				  n->minutes_in_period == 47 && n->update_time == -1);
			CHECK(n->nstages == 3);
			if (n->nstages == 3)
				CHECK(str_eq(n->stages[2].type, "AWAKE") && n->stages[2].minutes == 0);
		}
		gh_page_free(&page);
		free(doc);
	}

	/* no summary, no metadata, no type */
	CHECK(parse(GH_SLEEP, PAGE(SL_PT(IV_OK)), &page, &err) == GH_OK);
	CHECK(page.nsleep == 1);
	if (page.nsleep == 1)
	{
		GhSleep    *s = &page.sleep[0];

		CHECK(str_eq(s->sleep_type, "SLEEP_TYPE_UNSPECIFIED") && !s->nap);
		CHECK(s->minutes_asleep == -1 && s->minutes_awake == -1 &&
			  s->minutes_in_period == -1 && s->nstages == 0 && s->stages == NULL);
		CHECK(s->update_time == -1 && s->end_utc_offset == 7200);
	}
	gh_page_free(&page);

	EXPECT_ERR(GH_SLEEP, PAGE(SL_PT(IV_OK ",\"metadata\":{\"nap\":\"yes\"}")),
			   GH_ERR_TYPE, P0 ".sleep.metadata.nap", "nap \"yes\" is not a boolean");
	EXPECT_ERR(GH_SLEEP, PAGE(SL_PT(IV_OK ",\"metadata\":true")),
			   GH_ERR_TYPE, P0 ".sleep.metadata", "metadata true is not an object");
	EXPECT_ERR(GH_SLEEP,
			   PAGE(SL_PT(IV_OK ",\"summary\":{\"stagesSummary\":[{\"type\":\"DEEP\",\"minutes\":80}]}")),
			   GH_ERR_TYPE, P0 ".sleep.summary.stagesSummary[0].minutes",
			   "minutes 80 is a json number");
	EXPECT_ERR(GH_SLEEP,
			   PAGE(SL_PT(IV_OK ",\"summary\":{\"stagesSummary\":[{\"type\":\"DEEP\",\"minutes\":\"80\"},{\"minutes\":\"5\"}]}")),
			   GH_ERR_SHAPE, P0 ".sleep.summary.stagesSummary[1].type",
			   "type is missing");
	EXPECT_ERR(GH_SLEEP,
			   PAGE(SL_PT(IV_OK ",\"summary\":{\"stagesSummary\":[\"DEEP\"]}")),
			   GH_ERR_TYPE, P0 ".sleep.summary.stagesSummary[0]",
			   "stage summary \"DEEP\" is not an object");
	EXPECT_ERR(GH_SLEEP,
			   PAGE(SL_PT(IV_OK ",\"summary\":{\"minutesAsleep\":\"3000\"}")),
			   GH_ERR_RANGE, P0 ".sleep.summary.minutesAsleep",
			   "minutesAsleep \"3000\" is outside 0..2880");
	EXPECT_ERR(GH_SLEEP,
			   PAGE(SL_PT(IV_OK ",\"type\":\"STAGES!\"")),
			   GH_ERR_RANGE, P0 ".sleep.type", "is not an enum value name");
	EXPECT_ERR(GH_SLEEP,
			   PAGE(SL_PT("\"interval\":{\"startTime\":\"2026-07-01T05:30:00Z\",\"endTime\":\"2026-07-01T05:29:59.999Z\"}")),
			   GH_ERR_RANGE, P0 ".sleep.interval.endTime", "endTime \"2026-07-01T05:29:59.999Z\" is before");
	EXPECT_ERR(GH_SLEEP,
			   PAGE(SL_PT(IV_OK) ",{\"sleep\":{" IV_OK "}}"),
			   GH_ERR_SHAPE, "$.dataPoints[1].name", "name is missing");
	EXPECT_ERR(GH_SLEEP,
			   PAGE(SL_PT("\"interval\":{\"startTime\":\"2026-07-01T05:30:00Z\",\"endTime\":\"2026-07-01T06:00:00Z\",\"endUtcOffset\":\"1h\"}")),
			   GH_ERR_TYPE, P0 ".sleep.interval.endUtcOffset", "endUtcOffset \"1h\"");
}

/* steps: 1-minute intervals; an absent count is a true zero. */
static void
test_steps(void)
{
	GhPage		page;
	GhError		err;

	CHECK(parse(GH_STEPS,
				PAGE_T(STEPS_PT("2026-07-01T06:59:00Z", "2026-07-01T07:00:00Z", ",\"count\":\"12\"") ","
					   STEPS_PT("2026-07-01T06:58:00Z", "2026-07-01T06:59:00Z", "") ","
					   STEPS_PT("2026-07-01T06:57:00Z", "2026-07-01T06:58:00Z", ",\"count\":\"0\"") ","
					   "{\"steps\":{\"interval\":{\"startTime\":\"2026-07-01T02:56:00Z\",\"startUtcOffset\":\"-14400s\","
					   "\"endTime\":\"2026-07-01T02:57:00Z\"},\"count\":\"100000\"}}",
					   "s2"),
				&page, &err) == GH_OK);
	CHECK(page.nsteps == 4 && str_eq(page.next_page_token, "s2"));
	if (page.nsteps == 4)
	{
		CHECK(page.steps[0].start == T_0659_55 - 55 && page.steps[0].end == T_0659_55 + 5);
		CHECK(page.steps[0].count == 12 && page.steps[0].start_utc_offset == 7200);
		CHECK(page.steps[1].count == 0 && page.steps[2].count == 0);
		CHECK(page.steps[3].count == 100000 && page.steps[3].start_utc_offset == -14400);
	}
	gh_page_free(&page);

	EXPECT_ERR(GH_STEPS,
			   PAGE(STEPS_PT("2026-07-01T06:59:00Z", "2026-07-01T07:00:00Z", ",\"count\":\"100001\"")),
			   GH_ERR_RANGE, P0 ".steps.count", "count \"100001\" is outside 0..100000");
	EXPECT_ERR(GH_STEPS,
			   PAGE(STEPS_PT("2026-07-01T06:59:00Z", "2026-07-01T07:00:00Z", ",\"count\":12")),
			   GH_ERR_TYPE, P0 ".steps.count", "count 12 is a json number, not an int64 string");
	EXPECT_ERR(GH_STEPS,
			   PAGE(STEPS_PT("2026-07-01T06:59:00Z", "2026-07-01T07:00:00Z", ",\"count\":\"-3\"")),
			   GH_ERR_RANGE, P0 ".steps.count", "outside 0..100000");
	EXPECT_ERR(GH_STEPS,
			   PAGE("{\"steps\":{\"interval\":{\"startTime\":\"2026-07-01T06:59:00Z\"},\"count\":\"1\"}}"),
			   GH_ERR_SHAPE, P0 ".steps.interval.endTime", "endTime is missing");
	EXPECT_ERR(GH_STEPS,
			   PAGE(STEPS_PT("2026-07-01T06:59:00Z", "2026-07-01T06:58:00Z", "")),
			   GH_ERR_RANGE, P0 ".steps.interval.endTime", "is before startTime \"2026-07-01T06:59:00Z\"");
	EXPECT_ERR(GH_STEPS, PAGE("{\"steps\":{\"count\":\"1\"}}"),
			   GH_ERR_SHAPE, P0 ".steps.interval", "interval is missing");
	EXPECT_ERR(GH_STEPS, PAGE(HR_PT("2026-07-01T06:59:55Z", "\"72\"")),
			   GH_ERR_SHAPE, P0 ".steps", "steps is missing");
}


/* ----------------------------------------------------------------------
 * Settings, profile, tokens, API errors
 * ----------------------------------------------------------------------
 */

/* Expect gh_parse_settings or gh_parse_profile to fail as described. */
static void
expect_user_error_impl(int line, bool settings, const char *json,
					   GhErrorKind kind, const char *path, const char *msg)
{
	GhUser		user;
	GhError		err;
	GhErrorKind rc;

	memset(&user, 0x5a, sizeof(user));
	rc = settings ? gh_parse_settings(json, strlen(json), &user, &err) :
		gh_parse_profile(json, strlen(json), &user, &err);
	if (rc == kind && err.kind == kind && strcmp(err.path, path) == 0 &&
		strstr(err.message, msg) != NULL && user.time_zone == NULL &&
		user.utc_offset == 0 && user.age == -1)
		npassed++;
	else
	{
		nfailed++;
		printf("FAIL line %d: expected kind %d at %s with \"%s\"\n"
			   "     got kind %d at %s: %s\n",
			   line, (int) kind, path, msg, (int) rc, err.path, err.message);
	}
	gh_user_free(&user);
}

#define EXPECT_USER_ERR(settings, json, kind, path, msg) \
	expect_user_error_impl(__LINE__, (settings), (json), (kind), (path), (msg))

/* users.getSettings and users.getProfile. */
static void
test_settings_profile(void)
{
	static const char *const zones[] = {
		"Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5",
		"America/Port-au-Prince", "UTC"
	};
	GhUser		user;
	GhError		err;
	const char *settings = "{\"name\":\"users/me/settings\",\"autoStrideEnabled\":true,"
		"\"distanceUnit\":\"DISTANCE_UNIT_KILOMETERS\",\"glucoseUnit\":\"GLUCOSE_UNIT_MG_DL\","
		"\"languageLocale\":\"de_DE\",\"timeZone\":\"Europe/Berlin\",\"utcOffset\":\"3600s\","
		"\"weightUnit\":\"WEIGHT_UNIT_KILOGRAMS\"}";
	const char *profile = "{\"name\":\"users/me/profile\",\"age\":37,"
		"\"membershipStartDate\":{\"year\":2015,\"month\":3,\"day\":14},"
		"\"autoRunningStrideLengthMm\":1180,\"autoWalkingStrideLengthMm\":760}";
	size_t		i;

	CHECK(gh_parse_settings(settings, strlen(settings), &user, &err) == GH_OK);
	CHECK(str_eq(user.time_zone, "Europe/Berlin") && user.utc_offset == 3600 &&
		  user.age == -1);
	gh_user_free(&user);
	CHECK(user.time_zone == NULL && user.age == -1);
	gh_user_free(&user);

	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
	{
		char	   *json = sfmt("{\"timeZone\":\"%s\",\"utcOffset\":\"-18000s\"}", zones[i]);

		CHECK(gh_parse_settings(json, strlen(json), &user, NULL) == GH_OK &&
			  str_eq(user.time_zone, zones[i]) && user.utc_offset == -18000);
		gh_user_free(&user);
		free(json);
	}
	CHECK(gh_parse_settings(LIT("{}"), &user, &err) == GH_OK);
	CHECK(user.time_zone == NULL && user.utc_offset == 0 && user.age == -1);
	gh_user_free(&user);
	CHECK(gh_parse_settings(LIT("{\"timeZone\":\"\",\"utcOffset\":null}"), &user, &err) == GH_OK);
	CHECK(user.time_zone == NULL && user.utc_offset == 0);
	gh_user_free(&user);

	EXPECT_USER_ERR(true, "{\"timeZone\":\"Europe/Berlin'; drop table x; --\"}",
					GH_ERR_RANGE, "$.timeZone", "is not a time zone name");
	EXPECT_USER_ERR(true, "{\"timeZone\":\"Europe/Berlin\\u0000\"}",
					GH_ERR_RANGE, "$.timeZone", "is not a time zone name");
	EXPECT_USER_ERR(true, "{\"timeZone\":\"America/Argentina/Buenos_Aires/And/Then/Some/More/Characters/To/Pass\"}",
					GH_ERR_RANGE, "$.timeZone", "timeZone is longer than 64 bytes");
	EXPECT_USER_ERR(true, "{\"timeZone\":5}", GH_ERR_TYPE, "$.timeZone",
					"timeZone 5 is not a string");
	EXPECT_USER_ERR(true, "{\"timeZone\":\"UTC\",\"utcOffset\":\"3600\"}",
					GH_ERR_TYPE, "$.utcOffset", "utcOffset \"3600\" is not a duration");
	EXPECT_USER_ERR(true, "{\"utcOffset\":\"86400s\"}", GH_ERR_RANGE,
					"$.utcOffset", "outside -64800s..64800s");
	EXPECT_USER_ERR(true, "[]", GH_ERR_SHAPE, "$",
					"top-level value is an array, not a settings object");
	EXPECT_USER_ERR(true, "{\"timeZone\":", GH_ERR_NOT_JSON, "$",
					"unexpected end of input");

	CHECK(gh_parse_profile(profile, strlen(profile), &user, &err) == GH_OK);
	CHECK(user.age == 37 && user.time_zone == NULL && user.utc_offset == 0);
	gh_user_free(&user);
	CHECK(gh_parse_profile(LIT("{\"name\":\"users/me/profile\"}"), &user, &err) == GH_OK);
	CHECK(user.age == -1);
	gh_user_free(&user);
	CHECK(gh_parse_profile(LIT("{\"age\":0}"), &user, &err) == GH_OK && user.age == 0);
	gh_user_free(&user);
	EXPECT_USER_ERR(false, "{\"age\":\"37\"}", GH_ERR_TYPE, "$.age",
					"age \"37\" is not an integer");
	EXPECT_USER_ERR(false, "{\"age\":37.0}", GH_ERR_TYPE, "$.age",
					"age 37.0 is not an integer");
	EXPECT_USER_ERR(false, "{\"age\":200}", GH_ERR_RANGE, "$.age",
					"age 200 is outside 0..150");
	EXPECT_USER_ERR(false, "{\"age\":-1}", GH_ERR_RANGE, "$.age",
					"age -1 is outside 0..150");
	EXPECT_USER_ERR(false, "{\"age\":99999999999999999999}", GH_ERR_RANGE,
					"$.age", "is outside 0..150");
	EXPECT_USER_ERR(false, "\"37\"", GH_ERR_SHAPE, "$",
					"top-level value is a string, not a profile object");
	EXPECT_USER_ERR(false, "{\"age\":NaN}", GH_ERR_NOT_JSON, "$",
					"unexpected character 'N'");
}

/* Expect gh_parse_token to fail as described, without echoing secrets. */
static void
expect_token_error_impl(int line, const char *json, GhErrorKind kind,
						const char *path, const char *msg)
{
	GhToken		token;
	GhError		err;
	GhErrorKind rc;
	static const GhToken zero;

	memset(&token, 0x5a, sizeof(token));
	rc = gh_parse_token(json, strlen(json), &token, &err);
	if (rc == kind && err.kind == kind && strcmp(err.path, path) == 0 &&
		strstr(err.message, msg) != NULL &&
		strstr(err.message, "SECRET") == NULL &&
		memcmp(&token, &zero, sizeof(token)) == 0)
		npassed++;
	else
	{
		nfailed++;
		printf("FAIL line %d: expected kind %d at %s with \"%s\"\n"
			   "     got kind %d at %s: %s\n",
			   line, (int) kind, path, msg, (int) rc, err.path, err.message);
	}
	gh_token_free(&token);
}

#define EXPECT_TOKEN_ERR(json, kind, path, msg) \
	expect_token_error_impl(__LINE__, (json), (kind), (path), (msg))

/* Token endpoint answers: exchange, refresh, OAuth errors. */
static void
test_token(void)
{
	GhToken		token;
	GhError		err;
	const char *exchange = "{\n  \"access_token\": \"ya29.a0AfB_byC-1x2Y3z_SECRET\",\n"
		"  \"expires_in\": 3599,\n  \"refresh_token\": \"1//0gLx-SECRET_refresh\",\n"
		"  \"scope\": \"https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly "
		"https://www.googleapis.com/auth/googlehealth.sleep.readonly\",\n"
		"  \"token_type\": \"Bearer\",\n  \"id_token\": \"eyJhbGciOiJSUzI1NiJ9.e30.sig\"\n}";
	const char *refresh = "{\"access_token\":\"ya29.fresh\",\"expires_in\":3599,"
		"\"scope\":\"https://www.googleapis.com/auth/googlehealth.sleep.readonly\","
		"\"token_type\":\"bearer\"}";
	const char *grant = "{\n  \"error\": \"invalid_grant\",\n"
		"  \"error_description\": \"Token has been expired or revoked.\"\n}";
	const char *rpc = "{\"error\":{\"code\":401,\"message\":\"Request had invalid authentication credentials.\","
		"\"status\":\"UNAUTHENTICATED\"}}";

	CHECK(gh_parse_token(exchange, strlen(exchange), &token, &err) == GH_OK);
	CHECK(str_eq(token.access_token, "ya29.a0AfB_byC-1x2Y3z_SECRET"));
	CHECK(str_eq(token.refresh_token, "1//0gLx-SECRET_refresh"));
	CHECK(token.expires_in == 3599 && str_eq(token.token_type, "Bearer"));
	CHECK(str_eq(token.scope, "https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly "
				 "https://www.googleapis.com/auth/googlehealth.sleep.readonly"));
	CHECK(token.error == NULL && token.error_description == NULL);
	gh_token_free(&token);
	CHECK(token.access_token == NULL);
	gh_token_free(&token);

	CHECK(gh_parse_token(refresh, strlen(refresh), &token, &err) == GH_OK);
	CHECK(str_eq(token.access_token, "ya29.fresh") && token.refresh_token == NULL);
	CHECK(str_eq(token.token_type, "bearer") && token.error == NULL);
	gh_token_free(&token);

	CHECK(gh_parse_token(grant, strlen(grant), &token, &err) == GH_OK);
	CHECK(str_eq(token.error, "invalid_grant"));
	CHECK(str_eq(token.error_description, "Token has been expired or revoked."));
	CHECK(token.access_token == NULL && token.expires_in == 0);
	gh_token_free(&token);

	CHECK(gh_parse_token(LIT("{\"error\":\"invalid_client\"}"), &token, NULL) == GH_OK);
	CHECK(str_eq(token.error, "invalid_client") && token.error_description == NULL);
	gh_token_free(&token);

	CHECK(gh_parse_token(rpc, strlen(rpc), &token, &err) == GH_OK);
	CHECK(str_eq(token.error, "UNAUTHENTICATED"));
	CHECK(str_eq(token.error_description, "Request had invalid authentication credentials."));
	gh_token_free(&token);
	CHECK(gh_parse_token(LIT("{\"error\":{\"code\":500}}"), &token, &err) == GH_OK);
	CHECK(str_eq(token.error, "unknown_error"));
	gh_token_free(&token);

	/* an error member wins over a token */
	CHECK(gh_parse_token(LIT("{\"access_token\":\"x\",\"error\":\"invalid_scope\"}"), &token, &err) == GH_OK);
	CHECK(str_eq(token.error, "invalid_scope") && token.access_token == NULL);
	gh_token_free(&token);

	EXPECT_TOKEN_ERR("{}", GH_ERR_SHAPE, "$.access_token",
					 "access_token is missing, and there is no error member");
	EXPECT_TOKEN_ERR("{\"token_type\":\"Bearer\",\"expires_in\":3599}", GH_ERR_SHAPE,
					 "$.access_token", "access_token is missing");
	EXPECT_TOKEN_ERR("{\"access_token\":\"SECRET\",\"token_type\":\"Bearer\"}",
					 GH_ERR_SHAPE, "$.expires_in", "expires_in is missing");
	EXPECT_TOKEN_ERR("{\"access_token\":\"SECRET\",\"expires_in\":\"3599\"}",
					 GH_ERR_TYPE, "$.expires_in", "expires_in \"3599\" is not an integer");
	EXPECT_TOKEN_ERR("{\"access_token\":\"SECRET\",\"expires_in\":-5}",
					 GH_ERR_RANGE, "$.expires_in", "outside 0..31622400");
	EXPECT_TOKEN_ERR("{\"access_token\":\"SECRET\\r\\nX-Evil: 1\",\"expires_in\":3599}",
					 GH_ERR_RANGE, "$.access_token",
					 "access_token contains byte 0x0d at offset 6, outside printable ascii");
	EXPECT_TOKEN_ERR("{\"access_token\":\"SECRET token\",\"expires_in\":3599}",
					 GH_ERR_RANGE, "$.access_token", "contains byte 0x20");
	EXPECT_TOKEN_ERR("{\"access_token\":12345,\"expires_in\":3599}",
					 GH_ERR_TYPE, "$.access_token", "access_token is not a string");
	EXPECT_TOKEN_ERR("{\"access_token\":null,\"expires_in\":3599}",
					 GH_ERR_TYPE, "$.access_token", "access_token is not a string");
	EXPECT_TOKEN_ERR("{\"access_token\":\"\",\"expires_in\":3599}",
					 GH_ERR_SHAPE, "$.access_token", "access_token is empty");
	EXPECT_TOKEN_ERR("{\"access_token\":\"ok\",\"expires_in\":3599,\"refresh_token\":[\"SECRET\"]}",
					 GH_ERR_TYPE, "$.refresh_token", "refresh_token is not a string");
	EXPECT_TOKEN_ERR("{\"access_token\":\"ok\",\"expires_in\":3599,\"token_type\":\"mac\"}",
					 GH_ERR_RANGE, "$.token_type", "token_type \"mac\" is not Bearer");
	EXPECT_TOKEN_ERR("{\"access_token\":\"ok\",\"expires_in\":3599,\"scope\":\"a\\tb\"}",
					 GH_ERR_RANGE, "$.scope", "contains byte 0x09");
	EXPECT_TOKEN_ERR("{\"error\":5}", GH_ERR_TYPE, "$.error",
					 "error 5 is neither a string nor an object");
	EXPECT_TOKEN_ERR("{\"error\":\"\"}", GH_ERR_SHAPE, "$.error", "error is empty");
	EXPECT_TOKEN_ERR("[{\"access_token\":\"SECRET\"}]", GH_ERR_SHAPE, "$",
					 "top-level value is an array, not a token response");
	EXPECT_TOKEN_ERR("{\"access_token\":\"SECRET\",", GH_ERR_NOT_JSON, "$",
					 "unexpected end of input");
	EXPECT_TOKEN_ERR("", GH_ERR_NOT_JSON, "$", "unexpected end of input");
}

/* google.rpc.Status error bodies, read best effort. */
static void
test_api_error(void)
{
	GhApiError	e;
	size_t		len = 0;
	char	   *doc = read_fixture("error_429.json", &len);
	const char *scope = "{\"error\":{\"code\":403,\"message\":\"Request had insufficient authentication scopes.\","
		"\"status\":\"PERMISSION_DENIED\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\","
		"\"reason\":\"ACCESS_TOKEN_SCOPE_INSUFFICIENT\",\"domain\":\"googleapis.com\","
		"\"metadata\":{\"method\":\"google.devicesandservices.health.v4.DataPointsService.ListDataPoints\","
		"\"service\":\"health.googleapis.com\"}}]}}";
	const char *linked = "{\"error\":{\"code\":400,\"message\":\"The Google account is not linked to a Fitbit profile.\","
		"\"status\":\"FAILED_PRECONDITION\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\","
		"\"reason\":\"ACCOUNT_NOT_LINKED\",\"domain\":\"health.googleapis.com\"}]}}";
	const char *filter = "{\"error\":{\"code\":400,\"message\":\"Invalid filter\",\"status\":\"INVALID_ARGUMENT\","
		"\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.BadRequest\",\"fieldViolations\":[{\"field\":\"filter\"}]},"
		"{\"reason\":\"INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER\"}]}}";

	if (doc != NULL)
	{
		CHECK(gh_parse_api_error(doc, len, &e));
		CHECK(e.code == 429 && str_eq(e.status, "RESOURCE_EXHAUSTED"));
		CHECK(e.message != NULL && strncmp(e.message, "Quota exceeded for quota metric", 31) == 0);
		CHECK(str_eq(e.reason, "RATE_LIMIT_EXCEEDED"));
		gh_api_error_free(&e);
		CHECK(e.status == NULL && e.code == 0);
		gh_api_error_free(&e);
		free(doc);
	}

	CHECK(gh_parse_api_error(scope, strlen(scope), &e));
	CHECK(e.code == 403 && str_eq(e.status, "PERMISSION_DENIED") &&
		  str_eq(e.message, "Request had insufficient authentication scopes.") &&
		  str_eq(e.reason, "ACCESS_TOKEN_SCOPE_INSUFFICIENT"));
	gh_api_error_free(&e);

	CHECK(gh_parse_api_error(linked, strlen(linked), &e));
	CHECK(e.code == 400 && str_eq(e.status, "FAILED_PRECONDITION") &&
		  str_eq(e.reason, "ACCOUNT_NOT_LINKED"));
	gh_api_error_free(&e);

	/* a reason outside an ErrorInfo is the fallback */
	CHECK(gh_parse_api_error(filter, strlen(filter), &e));
	CHECK(str_eq(e.reason, "INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER") &&
		  str_eq(e.status, "INVALID_ARGUMENT"));
	gh_api_error_free(&e);

	/* partial bodies: whatever is well typed is kept */
	CHECK(gh_parse_api_error(LIT("{\"error\":{\"code\":401,\"status\":\"UNAUTHENTICATED\"}}"), &e));
	CHECK(e.code == 401 && str_eq(e.status, "UNAUTHENTICATED") && e.message == NULL &&
		  e.reason == NULL);
	gh_api_error_free(&e);
	CHECK(gh_parse_api_error(LIT("{\"error\":{\"code\":\"429\",\"status\":7,\"message\":\"m\",\"details\":{}}}"), &e));
	CHECK(e.code == 0 && e.status == NULL && str_eq(e.message, "m") && e.reason == NULL);
	gh_api_error_free(&e);
	CHECK(gh_parse_api_error(LIT("{\"error\":{}}"), &e));
	CHECK(e.code == 0 && e.status == NULL);
	gh_api_error_free(&e);

	/* wrapped in an array, and the OAuth form */
	CHECK(gh_parse_api_error(LIT("[{\"error\":{\"code\":503,\"status\":\"UNAVAILABLE\"}}]"), &e));
	CHECK(e.code == 503 && str_eq(e.status, "UNAVAILABLE"));
	gh_api_error_free(&e);
	CHECK(gh_parse_api_error(LIT("{\"error\":\"invalid_grant\",\"error_description\":\"Bad Request\"}"), &e));
	CHECK(str_eq(e.status, "invalid_grant") && str_eq(e.message, "Bad Request") &&
		  e.code == 0);
	gh_api_error_free(&e);

	/* not error bodies */
	CHECK(!gh_parse_api_error(LIT("{\"dataPoints\":[]}"), &e));
	CHECK(e.code == 0 && e.status == NULL && e.message == NULL && e.reason == NULL);
	CHECK(!gh_parse_api_error(LIT("{\"error\":null}"), &e));
	CHECK(!gh_parse_api_error(LIT("{\"error\":42}"), &e));
	CHECK(!gh_parse_api_error(LIT("<html><title>502 Bad Gateway</title></html>"), &e));
	CHECK(!gh_parse_api_error(LIT("{\"error\":{\"code\":429"), &e));
	CHECK(!gh_parse_api_error(LIT("[]"), &e));
	CHECK(!gh_parse_api_error(LIT(""), &e));
	CHECK(!gh_parse_api_error(NULL, 0, &e));
	CHECK(e.status == NULL);
	gh_api_error_free(&e);
	gh_api_error_free(NULL);
}

/* The free functions accept NULL and zeroed structures. */
static void
test_free_safety(void)
{
	GhPage		page;
	GhUser		user;
	GhToken		token;
	GhApiError	e;

	memset(&page, 0, sizeof(page));
	memset(&user, 0, sizeof(user));
	memset(&token, 0, sizeof(token));
	memset(&e, 0, sizeof(e));
	gh_page_free(NULL);
	gh_user_free(NULL);
	gh_token_free(NULL);
	gh_api_error_free(NULL);
	gh_page_free(&page);
	gh_user_free(&user);
	gh_token_free(&token);
	gh_api_error_free(&e);
	CHECK(page_is_empty(&page) && user.time_zone == NULL && user.age == -1);
}


/* ----------------------------------------------------------------------
 * Speed
 * ----------------------------------------------------------------------
 */

/* Median of n doubles (sorts them). */
static double
median(double *v, int n)
{
	int			i,
				j;

	for (i = 1; i < n; i++)
	{
		double		x = v[i];

		for (j = i - 1; j >= 0 && v[j] > x; j--)
			v[j + 1] = v[j];
		v[j + 1] = x;
	}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Time gh_parse_page on doc; prints and returns the median in ms. */
static double
time_page(const char *label, const char *doc, int runs)
{
	double		ms[64];
	size_t		len = strlen(doc);
	double		med;
	int			i;
	int			ok = 0;

	for (i = 0; i < runs; i++)
	{
		GhPage		page;
		GhError		err;
		double		t0 = now_ms();

		if (gh_parse_page(GH_HEART_RATE, doc, len, &page, &err) == GH_OK &&
			page.nsamples == 10000)
			ok++;
		gh_page_free(&page);
		ms[i] = now_ms() - t0;
	}
	CHECK(ok == runs);
	med = median(ms, runs);
	printf("  %-44s %5.2f MB  %7.2f ms  %6.0f MB/s  %5.2f M samples/s\n",
		   label, len / 1e6, med, len / 1e6 / (med / 1000.0),
		   10000 / 1e6 / (med / 1000.0));
	return med;
}

/*
 * Parse time of a 10,000-point heart-rate page (the API's page cap), in
 * reconcile form (about 2.5 MB) and list form (with dataSource), and the
 * same page forced through a single json-c tree for comparison.
 */
static void
bench(void)
{
	const char *env = getenv("GH_BENCH_RUNS");
	int			runs = env != NULL ? atoi(env) : 5;
	char	   *reconcile = build_hr_page(10000, true, -1, "dataPoints");
	char	   *list = build_hr_page(10000, false, -1, "dataPoints");
	char	   *whole = build_hr_page(10000, true, -1, "data\\u0050oints");

	if (runs < 1)
		runs = 1;
	if (runs > 64)
		runs = 64;
	printf("heart-rate page of 10,000 points, median of %d runs:\n", runs);
	time_page("reconcile form (no dataSource)", reconcile, runs);
	time_page("list form (with dataSource)", list, runs);
	time_page("reconcile form, one json-c tree (escaped key)", whole, runs);
	free(reconcile);
	free(list);
	free(whole);
}


int
main(void)
{
	test_type_names();
	test_heart_rate_basic();
	test_paging();
	test_timestamps();
	test_utc_offsets();
	test_bpm_values();
	test_heart_rate_shape();
	test_not_json();
	test_bulk();
	test_resting();
	test_zones();
	test_time_in_zone();
	test_exercise();
	test_sleep();
	test_steps();
	test_settings_profile();
	test_token();
	test_api_error();
	test_free_safety();
	bench();

	return unit_report();
}
