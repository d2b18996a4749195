/*-------------------------------------------------------------------------
 *
 * test_fitbit_parse.c
 *	  Unit tests for src/providers/fitbit_parse.c.
 *
 * Build and run from the repository root:
 *
 *	  cc -Wall -Wextra -Werror -Isrc test/unit/test_fitbit_parse.c \
 *		  src/providers/fitbit_parse.c src/providers/json_*.c -ljson-c && ./a.out
 *
 * Every document is built inline, so the tests need nothing outside the
 * repository.  When the shared Fitbit samples are present (directory
 * $TRACKER_FITBIT_DATA, by default ../shared/data/fitbit-legacy-api beside
 * the project, as for the other tests) they are parsed as well, and the
 * parse time of the largest day file is printed; when absent, that part is
 * skipped with a message.
 *
 * The last line printed is "N passed, N failed"; the exit status is
 * non-zero when anything failed.
 *
 * test/unit/test_fitbit_parse.c
 *
 *-------------------------------------------------------------------------
 */
#include <dirent.h>

#include "providers/fitbit_parse.h"
#include "unit_test.h"

/* Paths used over and over. */
#define AH0 "$[\"activities-heart\"][0]"
#define ZP AH0 ".value.heartRateZones"
#define INTRA "$[\"activities-heart-intraday\"]"
#define DS INTRA ".dataset"

/* The four default zones of the documentation's example response. */
#define Z_OOR "{\"name\":\"Out of Range\",\"min\":30,\"max\":95,\"minutes\":1199,\"caloriesOut\":2170.70997}"
#define Z_FB "{\"name\":\"Fat Burn\",\"min\":95,\"max\":133,\"minutes\":144,\"caloriesOut\":1209.55}"
#define Z_CA "{\"name\":\"Cardio\",\"min\":133,\"max\":162,\"minutes\":23,\"caloriesOut\":308.36}"
#define Z_PK "{\"name\":\"Peak\",\"min\":162,\"max\":220,\"minutes\":1,\"caloriesOut\":16.07}"
#define ZONES "[" Z_OOR "," Z_FB "," Z_CA "," Z_PK "]"

/* One day around a "value" object body, and a document around one day. */
#define DAY(body) "{\"dateTime\":\"2017-05-01\",\"value\":{" body "}}"
#define DOC1(day) "{\"activities-heart\":[" day "]}"
#define STD_DAY DAY("\"customHeartRateZones\":[],\"heartRateZones\":" ZONES ",\"restingHeartRate\":58")
#define INTRADAY(ds) ",\"activities-heart-intraday\":{\"dataset\":[" ds "],\"datasetInterval\":1,\"datasetType\":\"second\"}"
#define DOC_I(ds) "{\"activities-heart\":[" STD_DAY "]" INTRADAY(ds) "}"

/* An export heart-rate sample. */
#define HR(dt, bpm, conf) "{\"dateTime\":\"" dt "\",\"value\":{\"bpm\":" bpm ",\"confidence\":" conf "}}"
#define ZM(dt, a, b, c, d) "{\"dateTime\":\"" dt "\",\"value\":{\"valuesInZones\":{\"BELOW_DEFAULT_ZONE_1\":" a ",\"IN_DEFAULT_ZONE_1\":" b ",\"IN_DEFAULT_ZONE_2\":" c ",\"IN_DEFAULT_ZONE_3\":" d "}}}"
#define RHR(dt, date, v, e) "{\"dateTime\":\"" dt "\",\"value\":{\"date\":" date ",\"value\":" v ",\"error\":" e "}}"


/* ----------------------------------------------------------------------
 * Harness
 * ----------------------------------------------------------------------
 */

/* Whether s is well-formed UTF-8; messages must be, for the server. */
static bool
utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *) s;

	while (*p)
	{
		int			n;
		int			i;

		if (*p < 0x80)
			n = 1;
		else if (*p >= 0xC2 && *p <= 0xDF)
			n = 2;
		else if (*p >= 0xE0 && *p <= 0xEF)
			n = 3;
		else if (*p >= 0xF0 && *p <= 0xF4)
			n = 4;
		else
			return false;
		for (i = 1; i < n; i++)
		{
			if ((p[i] & 0xC0) != 0x80)
				return false;
		}
		p += n;
	}
	return true;
}

/* Whether every field of doc is zero, as after an error. */
static bool
doc_is_empty(const FitbitDoc *doc)
{
	static const FitbitDoc zero;

	return memcmp(doc, &zero, sizeof(zero)) == 0;
}

/* The rules every error report follows, whatever the input. */
static bool
error_well_formed(const FitbitError *err)
{
	size_t		n = strlen(err->message);

	return err->kind != FITBIT_OK &&
		err->path[0] == '$' &&
		strlen(err->path) < sizeof(err->path) &&
		n > 0 && n < sizeof(err->message) &&
		!(err->message[0] >= 'A' && err->message[0] <= 'Z') &&
		err->message[n - 1] != '.' &&
		strchr(err->message, '\n') == NULL &&
		utf8_ok(err->message) && utf8_ok(err->path);
}

/* Name of an error kind for failure reports. */
static const char *
kind_label(FitbitErrorKind k)
{
	static const char *const names[] = {
		"OK", "NOT_JSON", "SHAPE", "TYPE", "RANGE", "TIME", "NOMEM"
	};

	if ((int) k >= 0 && (int) k <= (int) FITBIT_ERR_NOMEM)
		return names[k];
	return "?";
}

/*
 * Parse len bytes and expect the given error kind, path (exactly, unless
 * NULL) and a message containing part (unless NULL).  Also checks the
 * message style and that doc was left empty.
 */
static void
expect_error_len(int line, const char *json, size_t len, const char *hint,
				 FitbitErrorKind kind, const char *path, const char *part)
{
	FitbitDoc	doc;
	FitbitError err;
	FitbitErrorKind rc;
	bool		ok;

	memset(&doc, 0x5a, sizeof(doc));
	rc = fitbit_parse(json, len, hint, &doc, &err);
	ok = rc == kind && err.kind == kind &&
		(path == NULL || strcmp(err.path, path) == 0) &&
		(part == NULL || strstr(err.message, part) != NULL) &&
		error_well_formed(&err) && doc_is_empty(&doc);
	if (ok)
		npassed++;
	else
	{
		nfailed++;
		printf("FAIL line %d: input %.80s%s\n"
			   "  expected %s at %s containing \"%s\"\n"
			   "  got      %s at %s: \"%s\"%s\n",
			   line, json ? json : "(null)", len > 80 ? "..." : "",
			   kind_label(kind), path ? path : "*", part ? part : "",
			   kind_label(rc), err.path, err.message,
			   doc_is_empty(&doc) ? "" : " (doc not empty)");
	}
	fitbit_doc_free(&doc);
}

#define EXPECT_ERR(json, kind, path, part) \
	expect_error_len(__LINE__, (json), strlen(json), NULL, (kind), (path), (part))
#define EXPECT_ERR_HINT(json, hint, kind, path, part) \
	expect_error_len(__LINE__, (json), strlen(json), (hint), (kind), (path), (part))

/* Same, for a malloc'd document, which is freed. */
static void
expect_error_owned(int line, char *json, FitbitErrorKind kind,
				   const char *path, const char *part)
{
	expect_error_len(line, json, strlen(json), NULL, kind, path, part);
	free(json);
}

#define EXPECT_ERR_F(json, kind, path, part) \
	expect_error_owned(__LINE__, (json), (kind), (path), (part))

/* Parse and expect success; on failure print the error. */
static bool
parse_ok_len(int line, const char *json, size_t len, const char *hint,
			 FitbitDoc *doc)
{
	FitbitError err;
	FitbitErrorKind rc;

	rc = fitbit_parse(json, len, hint, doc, &err);
	if (rc == FITBIT_OK && err.kind == FITBIT_OK)
	{
		npassed++;
		return true;
	}
	nfailed++;
	printf("FAIL line %d: input %.80s%s\n  expected success, got %s at %s: \"%s\"\n",
		   line, json, len > 80 ? "..." : "", kind_label(rc), err.path,
		   err.message);
	return false;
}

#define PARSE_OK(json, hint, doc) \
	parse_ok_len(__LINE__, (json), strlen(json), (hint), (doc))


/* ----------------------------------------------------------------------
 * Web API documents
 * ----------------------------------------------------------------------
 */

/* The documented response shape: one day, zones, resting, intraday. */
static void
test_api_basic(void)
{
	FitbitDoc	doc;
	const char *json = DOC_I("{\"time\":\"00:00:01\",\"value\":56},"
							 "{\"time\":\"00:00:16\",\"value\":57},"
							 "{\"time\":\"23:59:59\",\"value\":250},"
							 "{\"time\":\"12:00:00\",\"value\":20}");

	if (!PARSE_OK(json, "whatever.json", &doc))
		return;
	CHECK(doc.kind == FITBIT_API_HEART);
	CHECK(doc.ndays == 1);
	CHECK(doc.days[0].date.year == 2017 && doc.days[0].date.month == 5 &&
		  doc.days[0].date.day == 1);
	CHECK(doc.days[0].has_resting && doc.days[0].resting_hr == 58);
	CHECK(doc.days[0].has_zone_bounds && doc.days[0].has_zone_minutes);
	CHECK(doc.days[0].zone_min[0] == 30 && doc.days[0].zone_max[0] == 95);
	CHECK(doc.days[0].zone_min[1] == 95 && doc.days[0].zone_max[1] == 133);
	CHECK(doc.days[0].zone_min[2] == 133 && doc.days[0].zone_max[2] == 162);
	CHECK(doc.days[0].zone_min[3] == 162 && doc.days[0].zone_max[3] == 220);
	CHECK(doc.days[0].zone_minutes[0] == 1199 &&
		  doc.days[0].zone_minutes[1] == 144 &&
		  doc.days[0].zone_minutes[2] == 23 &&
		  doc.days[0].zone_minutes[3] == 1);
	CHECK(doc.nsamples == 4);
	CHECK(doc.t[0] == 1 && doc.t[1] == 16 && doc.t[2] == 86399 &&
		  doc.t[3] == 43200);
	CHECK(doc.bpm[0] == 56 && doc.bpm[1] == 57 && doc.bpm[2] == 250 &&
		  doc.bpm[3] == 20);
	CHECK(doc.confidence[0] == -1 && doc.confidence[3] == -1);
	CHECK(doc.dataset_interval == 1);
	CHECK(strcmp(doc.dataset_type, "second") == 0);
	fitbit_doc_free(&doc);
	CHECK(doc_is_empty(&doc));
	fitbit_doc_free(&doc);		/* a second free is harmless */
	CHECK(doc_is_empty(&doc));
}

/* Zones are matched by name, so their order in the file does not matter. */
static void
test_api_zone_order(void)
{
	FitbitDoc	doc;
	const char *json = DOC1("{\"value\":{\"heartRateZones\":[" Z_PK "," Z_CA ","
							Z_OOR "," Z_FB "]},\"dateTime\":\"2016-02-29\"}");

	if (!PARSE_OK(json, NULL, &doc))
		return;
	CHECK(doc.days[0].date.year == 2016 && doc.days[0].date.month == 2 &&
		  doc.days[0].date.day == 29);
	CHECK(doc.days[0].zone_min[0] == 30 && doc.days[0].zone_min[1] == 95 &&
		  doc.days[0].zone_min[2] == 133 && doc.days[0].zone_min[3] == 162);
	CHECK(doc.days[0].zone_minutes[0] == 1199 &&
		  doc.days[0].zone_minutes[3] == 1);
	CHECK(!doc.days[0].has_resting);
	CHECK(doc.nsamples == 0 && doc.t == NULL && doc.bpm == NULL &&
		  doc.confidence == NULL);
	CHECK(doc.dataset_interval == 0 && doc.dataset_type[0] == '\0');
	fitbit_doc_free(&doc);
}

/*
 * The 1.1-era form: heartRateZones beside dateTime and a string (or
 * numeric) "value".
 */
static void
test_api_legacy_form(void)
{
	FitbitDoc	doc;
	const char *json =
	"{\"activities-heart\":[{\"customHeartRateZones\":[],\"dateTime\":\"2017-08-21\","
	"\"heartRateZones\":" ZONES ",\"value\":\"55.44\"}],"
	"\"activities-heart-intraday\":{\"dataset\":[{\"time\":\"00:00:00\",\"value\":57},"
	"{\"time\":\"00:15:00\",\"value\":55}],\"datasetInterval\":15,\"datasetType\":\"minute\"}}";

	if (PARSE_OK(json, NULL, &doc))
	{
		CHECK(doc.kind == FITBIT_API_HEART && doc.ndays == 1);
		CHECK(doc.days[0].has_zone_bounds && doc.days[0].zone_max[3] == 220);
		CHECK(!doc.days[0].has_resting);
		CHECK(doc.nsamples == 2 && doc.t[1] == 900 && doc.bpm[1] == 55);
		CHECK(doc.dataset_interval == 15 &&
			  strcmp(doc.dataset_type, "minute") == 0);
		fitbit_doc_free(&doc);
	}

	/* a number instead of the string, and a resting figure beside it */
	if (PARSE_OK(DOC1("{\"dateTime\":\"2017-08-21\",\"heartRateZones\":" ZONES
					  ",\"value\":55.44,\"restingHeartRate\":55}"), NULL, &doc))
	{
		CHECK(doc.days[0].has_resting && doc.days[0].resting_hr == 55);
		fitbit_doc_free(&doc);
	}

	EXPECT_ERR(DOC1("{\"dateTime\":\"2017-08-21\",\"heartRateZones\":" ZONES
					",\"value\":\"abc\"}"),
			   FITBIT_ERR_TYPE, AH0 ".value",
			   "value \"abc\" is neither an object nor a decimal");
	EXPECT_ERR(DOC1("{\"dateTime\":\"2017-08-21\",\"heartRateZones\":" ZONES
					",\"value\":\"\"}"),
			   FITBIT_ERR_TYPE, AH0 ".value", "value \"\"");
	EXPECT_ERR(DOC1("{\"dateTime\":\"2017-08-21\",\"heartRateZones\":" ZONES
					",\"value\":\"1e2\"}"),
			   FITBIT_ERR_TYPE, AH0 ".value", NULL);
	EXPECT_ERR(DOC1("{\"dateTime\":\"2017-08-21\",\"heartRateZones\":" ZONES
					",\"value\":\"300.5\"}"),
			   FITBIT_ERR_RANGE, AH0 ".value", "value \"300.5\" is outside 0..250");
	EXPECT_ERR(DOC1("{\"dateTime\":\"2017-08-21\",\"heartRateZones\":" ZONES
					",\"value\":-1}"),
			   FITBIT_ERR_RANGE, AH0 ".value", "value -1 is outside 0..250");
	EXPECT_ERR(DOC1("{\"dateTime\":\"2017-08-21\",\"value\":\"55.44\"}"),
			   FITBIT_ERR_SHAPE, AH0 ".heartRateZones", "heartRateZones is missing");
	EXPECT_ERR(DOC1("{\"dateTime\":\"2017-08-21\",\"heartRateZones\":" ZONES
					",\"value\":{\"heartRateZones\":" ZONES "}}"),
			   FITBIT_ERR_SHAPE, AH0 ".heartRateZones",
			   "heartRateZones appears both beside and inside value");
	EXPECT_ERR(DOC1("{\"dateTime\":\"2017-08-21\",\"heartRateZones\":" ZONES
					",\"value\":\"55\",\"restingHeartRate\":\"55\"}"),
			   FITBIT_ERR_TYPE, AH0 ".restingHeartRate",
			   "restingHeartRate \"55\" is not an integer");
}

/* A summary over several days, without intraday data. */
static void
test_api_multi_day(void)
{
	FitbitDoc	doc;
	const char *json =
	"{\"activities-heart\":["
	"{\"dateTime\":\"2017-08-15\",\"value\":{\"customHeartRateZones\":[],\"heartRateZones\":" ZONES ",\"restingHeartRate\":51}},"
	"{\"dateTime\":\"2017-08-16\",\"value\":{\"heartRateZones\":" ZONES "}},"
	"{\"dateTime\":\"2017-08-17\",\"value\":{\"heartRateZones\":" ZONES ",\"restingHeartRate\":null}},"
	"{\"dateTime\":\"2017-12-31\",\"value\":{\"heartRateZones\":" ZONES ",\"restingHeartRate\":250}}]}";

	if (!PARSE_OK(json, NULL, &doc))
		return;
	CHECK(doc.kind == FITBIT_API_HEART);
	CHECK(doc.ndays == 4);
	CHECK(doc.days[0].has_resting && doc.days[0].resting_hr == 51);
	CHECK(!doc.days[1].has_resting);
	CHECK(!doc.days[2].has_resting);
	CHECK(doc.days[3].has_resting && doc.days[3].resting_hr == 250);
	CHECK(doc.days[1].date.day == 16 && doc.days[3].date.month == 12);
	CHECK(doc.days[2].has_zone_minutes && doc.days[2].zone_minutes[1] == 144);
	CHECK(doc.nsamples == 0);
	fitbit_doc_free(&doc);

	EXPECT_ERR("{\"activities-heart\":[" STD_DAY "," STD_DAY "]" INTRADAY("") "}",
			   FITBIT_ERR_SHAPE, INTRA,
			   "intraday data needs exactly one day in activities-heart, not 2");
}

/* Day-level and summary errors. */
static void
test_api_day_errors(void)
{
	EXPECT_ERR("{\"activities-heart\":[]}", FITBIT_ERR_SHAPE,
			   "$[\"activities-heart\"]", "activities-heart is empty");
	EXPECT_ERR("{\"activities-heart\":{}}", FITBIT_ERR_TYPE,
			   "$[\"activities-heart\"]", "activities-heart {...} is not an array");
	EXPECT_ERR("{\"activities-heart\":null}", FITBIT_ERR_TYPE,
			   "$[\"activities-heart\"]", "activities-heart null is not an array");
	EXPECT_ERR("{\"activities-heart\":[5]}", FITBIT_ERR_TYPE, AH0,
			   "day 5 is not an object");
	EXPECT_ERR("{\"activities-heart\":[" STD_DAY ",[]]}", FITBIT_ERR_TYPE,
			   "$[\"activities-heart\"][1]", "day [...] is not an object");
	EXPECT_ERR(DOC1("{\"value\":{\"heartRateZones\":" ZONES "}}"),
			   FITBIT_ERR_SHAPE, AH0 ".dateTime", "dateTime is missing");
	EXPECT_ERR(DOC1("{\"dateTime\":20170501,\"value\":{\"heartRateZones\":" ZONES "}}"),
			   FITBIT_ERR_TYPE, AH0 ".dateTime", "dateTime 20170501 is not a string");

	{
		static const char *const bad_dates[] = {
			"2017-5-01", "2017-02-29", "2017-04-31", "2017-13-01", "2017-00-10",
			"2017-05-00", "2017-05-01T00:00:00", "17-05-01", "2017/05/01",
			"0000-01-01", "2017-05-0a", " 2017-05-01", "2017-05-32"
		};
		size_t		i;

		for (i = 0; i < sizeof(bad_dates) / sizeof(bad_dates[0]); i++)
			EXPECT_ERR_F(sfmt(DOC1("{\"dateTime\":\"%s\",\"value\":{\"heartRateZones\":" ZONES "}}"),
							  bad_dates[i]),
						 FITBIT_ERR_TIME, AH0 ".dateTime",
						 "is not a valid yyyy-mm-dd date");
	}
	{
		FitbitDoc	doc;

		/* leap years by the Gregorian rules */
		if (PARSE_OK(DOC1("{\"dateTime\":\"2000-02-29\",\"value\":{\"heartRateZones\":" ZONES "}}"), NULL, &doc))
			fitbit_doc_free(&doc);
		EXPECT_ERR(DOC1("{\"dateTime\":\"2100-02-29\",\"value\":{\"heartRateZones\":" ZONES "}}"),
				   FITBIT_ERR_TIME, AH0 ".dateTime", "\"2100-02-29\"");
	}

	EXPECT_ERR(DOC1("{\"dateTime\":\"2017-05-01\"}"), FITBIT_ERR_SHAPE,
			   AH0 ".value", "value is missing");
	EXPECT_ERR(DOC1("{\"dateTime\":\"2017-05-01\",\"value\":null}"),
			   FITBIT_ERR_TYPE, AH0 ".value", "value null is not an object");
	EXPECT_ERR(DOC1("{\"dateTime\":\"2017-05-01\",\"value\":[]}"),
			   FITBIT_ERR_TYPE, AH0 ".value", "value [...] is not an object");
	EXPECT_ERR(DOC1("{\"dateTime\":\"2017-05-01\",\"value\":true}"),
			   FITBIT_ERR_TYPE, AH0 ".value", "value true is not an object");
	EXPECT_ERR(DOC1(DAY("\"restingHeartRate\":58")), FITBIT_ERR_SHAPE,
			   ZP, "heartRateZones is missing");
	EXPECT_ERR(DOC1(DAY("\"heartRateZones\":{}")), FITBIT_ERR_TYPE, ZP,
			   "heartRateZones {...} is not an array");

	/* restingHeartRate: optional whole bpm in 20..250 */
	EXPECT_ERR(DOC1(DAY("\"heartRateZones\":" ZONES ",\"restingHeartRate\":58.0")),
			   FITBIT_ERR_TYPE, AH0 ".value.restingHeartRate",
			   "restingHeartRate 58.0 is not an integer");
	EXPECT_ERR(DOC1(DAY("\"heartRateZones\":" ZONES ",\"restingHeartRate\":\"58\"")),
			   FITBIT_ERR_TYPE, AH0 ".value.restingHeartRate",
			   "restingHeartRate \"58\" is not an integer");
	EXPECT_ERR(DOC1(DAY("\"heartRateZones\":" ZONES ",\"restingHeartRate\":19")),
			   FITBIT_ERR_RANGE, AH0 ".value.restingHeartRate",
			   "restingHeartRate 19 is outside 20..250");
	EXPECT_ERR(DOC1(DAY("\"heartRateZones\":" ZONES ",\"restingHeartRate\":251")),
			   FITBIT_ERR_RANGE, AH0 ".value.restingHeartRate",
			   "restingHeartRate 251 is outside 20..250");

	/* customHeartRateZones: checked, then dropped */
	{
		FitbitDoc	doc;

		if (PARSE_OK(DOC1(DAY("\"heartRateZones\":" ZONES ",\"customHeartRateZones\":"
							  "[{\"name\":\"Mine\",\"min\":100,\"max\":140,\"minutes\":12.5}]")),
					 NULL, &doc))
			fitbit_doc_free(&doc);
	}
	EXPECT_ERR(DOC1(DAY("\"heartRateZones\":" ZONES ",\"customHeartRateZones\":"
						"[{\"name\":\"Mine\",\"min\":140,\"max\":100,\"minutes\":0}]")),
			   FITBIT_ERR_RANGE, AH0 ".value.customHeartRateZones[0]",
			   "zone custom min 140 is not below max 100");
	EXPECT_ERR(DOC1(DAY("\"heartRateZones\":" ZONES ",\"customHeartRateZones\":"
						"[{\"min\":100,\"max\":140,\"minutes\":0}]")),
			   FITBIT_ERR_SHAPE, AH0 ".value.customHeartRateZones[0].name",
			   "name is missing");
	EXPECT_ERR(DOC1(DAY("\"heartRateZones\":" ZONES ",\"customHeartRateZones\":{}")),
			   FITBIT_ERR_TYPE, AH0 ".value.customHeartRateZones",
			   "customHeartRateZones {...} is not an array");

	/* not a heart-rate response at all */
	EXPECT_ERR("{}", FITBIT_ERR_SHAPE, "$", "object has no \"activities-heart\" member");
	EXPECT_ERR("{\"activities-steps\":[{\"dateTime\":\"2017-05-01\",\"value\":\"2504\"}]}",
			   FITBIT_ERR_SHAPE, "$", "activities-heart");
	EXPECT_ERR("{\"errors\":[{\"errorType\":\"expired_token\",\"message\":\"Access token expired\"}],\"success\":false}",
			   FITBIT_ERR_SHAPE, "$", "a fitbit api error response");
	EXPECT_ERR("{\"activities-heart-intraday\":{\"dataset\":[]}}",
			   FITBIT_ERR_SHAPE, "$", "activities-heart");
}

/* Zone-level errors, each with the path of the offending field. */
static void
test_api_zone_errors(void)
{
#define ZDOC(a, b, c, d) DOC1(DAY("\"heartRateZones\":[" a "," b "," c "," d "]"))
	EXPECT_ERR(DOC1(DAY("\"heartRateZones\":[" Z_OOR "," Z_FB "," Z_CA "]")),
			   FITBIT_ERR_SHAPE, ZP, "zone \"Peak\" is missing");
	EXPECT_ERR(DOC1(DAY("\"heartRateZones\":[]")),
			   FITBIT_ERR_SHAPE, ZP, "zone \"Out of Range\" is missing");
	EXPECT_ERR(ZDOC(Z_OOR, "{\"name\":\"Fat burn\",\"min\":95,\"max\":133,\"minutes\":1}", Z_CA, Z_PK),
			   FITBIT_ERR_SHAPE, ZP "[1].name",
			   "zone name \"Fat burn\" is not one of \"Out of Range\", \"Fat Burn\", \"Cardio\", \"Peak\"");
	EXPECT_ERR(DOC1(DAY("\"heartRateZones\":[" Z_OOR "," Z_FB "," Z_CA "," Z_PK ","
						"{\"name\":\"Extra\",\"min\":1,\"max\":2,\"minutes\":0}]")),
			   FITBIT_ERR_SHAPE, ZP "[4].name", "zone name \"Extra\"");
	EXPECT_ERR(ZDOC(Z_OOR, Z_CA, Z_FB, Z_CA),
			   FITBIT_ERR_SHAPE, ZP "[3].name", "zone \"Cardio\" appears more than once");
	EXPECT_ERR(ZDOC(Z_OOR, "{\"name\":5,\"min\":95,\"max\":133,\"minutes\":1}", Z_CA, Z_PK),
			   FITBIT_ERR_TYPE, ZP "[1].name", "name 5 is not a string");
	EXPECT_ERR(ZDOC(Z_OOR, "{\"min\":95,\"max\":133,\"minutes\":1}", Z_CA, Z_PK),
			   FITBIT_ERR_SHAPE, ZP "[1].name", "name is missing");
	EXPECT_ERR(ZDOC(Z_OOR, Z_FB, "\"Cardio\"", Z_PK),
			   FITBIT_ERR_TYPE, ZP "[2]", "zone \"Cardio\" is not an object");
	EXPECT_ERR(ZDOC(Z_OOR, Z_FB, "null", Z_PK),
			   FITBIT_ERR_TYPE, ZP "[2]", "zone null is not an object");
	EXPECT_ERR(ZDOC("{\"name\":\"Out of Range\",\"min\":\"30\",\"max\":95,\"minutes\":1}", Z_FB, Z_CA, Z_PK),
			   FITBIT_ERR_TYPE, ZP "[0].min", "min \"30\" is not an integer");
	EXPECT_ERR(ZDOC("{\"name\":\"Out of Range\",\"min\":30.0,\"max\":95,\"minutes\":1}", Z_FB, Z_CA, Z_PK),
			   FITBIT_ERR_TYPE, ZP "[0].min", "min 30.0 is not an integer");
	EXPECT_ERR(ZDOC("{\"name\":\"Out of Range\",\"max\":95,\"minutes\":1}", Z_FB, Z_CA, Z_PK),
			   FITBIT_ERR_SHAPE, ZP "[0].min", "min is missing");
	EXPECT_ERR(ZDOC(Z_OOR, Z_FB, Z_CA, "{\"name\":\"Peak\",\"min\":162,\"max\":301,\"minutes\":1}"),
			   FITBIT_ERR_RANGE, ZP "[3].max", "max 301 is outside 0..300");
	EXPECT_ERR(ZDOC("{\"name\":\"Out of Range\",\"min\":-1,\"max\":95,\"minutes\":1}", Z_FB, Z_CA, Z_PK),
			   FITBIT_ERR_RANGE, ZP "[0].min", "min -1 is outside 0..300");
	EXPECT_ERR(ZDOC(Z_OOR, "{\"name\":\"Fat Burn\",\"min\":133,\"max\":95,\"minutes\":1}", Z_CA, Z_PK),
			   FITBIT_ERR_RANGE, ZP "[1]", "zone \"Fat Burn\" min 133 is not below max 95");
	EXPECT_ERR(ZDOC(Z_OOR, "{\"name\":\"Fat Burn\",\"min\":95,\"max\":95,\"minutes\":1}", Z_CA, Z_PK),
			   FITBIT_ERR_RANGE, ZP "[1]", "min 95 is not below max 95");
	EXPECT_ERR(ZDOC("{\"name\":\"Out of Range\",\"min\":30,\"max\":95,\"minutes\":1501}", Z_FB, Z_CA, Z_PK),
			   FITBIT_ERR_RANGE, ZP "[0].minutes", "minutes 1501 is outside 0..1500");
	EXPECT_ERR(ZDOC("{\"name\":\"Out of Range\",\"min\":30,\"max\":95,\"minutes\":-0.5}", Z_FB, Z_CA, Z_PK),
			   FITBIT_ERR_RANGE, ZP "[0].minutes", "minutes -0.5 is outside 0..1500");
	EXPECT_ERR(ZDOC("{\"name\":\"Out of Range\",\"min\":30,\"max\":95,\"minutes\":\"5\"}", Z_FB, Z_CA, Z_PK),
			   FITBIT_ERR_TYPE, ZP "[0].minutes", "minutes \"5\" is not a number");
	EXPECT_ERR(ZDOC("{\"name\":\"Out of Range\",\"min\":30,\"max\":95}", Z_FB, Z_CA, Z_PK),
			   FITBIT_ERR_SHAPE, ZP "[0].minutes", "minutes is missing");
	EXPECT_ERR(ZDOC("{\"name\":\"Out of Range\",\"min\":30,\"max\":95,\"minutes\":1,\"caloriesOut\":\"x\"}", Z_FB, Z_CA, Z_PK),
			   FITBIT_ERR_TYPE, ZP "[0].caloriesOut", "caloriesOut \"x\" is not a number");
	EXPECT_ERR(ZDOC("{\"name\":\"Out of Range\",\"min\":30,\"max\":95,\"minutes\":1,\"caloriesOut\":-3}", Z_FB, Z_CA, Z_PK),
			   FITBIT_ERR_RANGE, ZP "[0].caloriesOut", "caloriesOut -3 is outside 0..100000");
	{
		FitbitDoc	doc;

		/* fractional minutes, absent and null calories are fine */
		if (PARSE_OK(ZDOC("{\"name\":\"Out of Range\",\"min\":30,\"max\":95,\"minutes\":0.5}",
						  "{\"name\":\"Fat Burn\",\"min\":95,\"max\":133,\"minutes\":1440,\"caloriesOut\":null}",
						  Z_CA, Z_PK), NULL, &doc))
		{
			CHECK(doc.days[0].zone_minutes[0] == 0.5 &&
				  doc.days[0].zone_minutes[1] == 1440);
			fitbit_doc_free(&doc);
		}
	}
#undef ZDOC
}

/* Intraday errors. */
static void
test_api_intraday_errors(void)
{
	static const char *const bad_times[] = {
		"24:00:00", "12:60:00", "12:00:60", "1:00:00", "12:00", "12:00:00Z",
		"12-00-00", "", "ab:cd:ef", "12:00:00.5", "-1:00:00"
	};
	size_t		i;

	EXPECT_ERR(DOC_I("{\"time\":\"00:00:01\",\"value\":56},{\"time\":\"00:00:02\",\"value\":57},"
					 "{\"time\":\"00:00:03\",\"value\":300}"),
			   FITBIT_ERR_RANGE, DS "[2].value", "value 300 is outside 20..250");
	EXPECT_ERR(DOC_I("{\"time\":\"00:00:01\",\"value\":19}"),
			   FITBIT_ERR_RANGE, DS "[0].value", "value 19 is outside 20..250");
	EXPECT_ERR(DOC_I("{\"time\":\"00:00:01\",\"value\":-0}"),
			   FITBIT_ERR_RANGE, DS "[0].value", "value 0 is outside 20..250");
	EXPECT_ERR(DOC_I("{\"time\":\"00:00:01\",\"value\":72.0}"),
			   FITBIT_ERR_TYPE, DS "[0].value", "value 72.0 is not an integer");
	EXPECT_ERR(DOC_I("{\"time\":\"00:00:01\",\"value\":72.5}"),
			   FITBIT_ERR_TYPE, DS "[0].value", "value 72.5 is not an integer");
	EXPECT_ERR(DOC_I("{\"time\":\"00:00:01\",\"value\":7.2e1}"),
			   FITBIT_ERR_TYPE, DS "[0].value", "value 7.2e1 is not an integer");
	EXPECT_ERR(DOC_I("{\"time\":\"00:00:01\",\"value\":\"72\"}"),
			   FITBIT_ERR_TYPE, DS "[0].value", "value \"72\" is not an integer");
	EXPECT_ERR(DOC_I("{\"time\":\"00:00:01\",\"value\":null}"),
			   FITBIT_ERR_TYPE, DS "[0].value", "value null is not an integer");
	EXPECT_ERR(DOC_I("{\"time\":\"00:00:01\",\"value\":false}"),
			   FITBIT_ERR_TYPE, DS "[0].value", "value false is not an integer");
	EXPECT_ERR(DOC_I("{\"time\":\"00:00:01\",\"value\":56},{\"time\":\"00:00:02\"}"),
			   FITBIT_ERR_SHAPE, DS "[1].value", "value is missing");
	EXPECT_ERR(DOC_I("{\"value\":56}"),
			   FITBIT_ERR_SHAPE, DS "[0].time", "time is missing");
	EXPECT_ERR(DOC_I("{\"time\":120000,\"value\":56}"),
			   FITBIT_ERR_TYPE, DS "[0].time", "time 120000 is not a string");
	EXPECT_ERR(DOC_I("{\"time\":\"00:00:01\",\"value\":56},56"),
			   FITBIT_ERR_TYPE, DS "[1]", "sample 56 is not an object");
	for (i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++)
		EXPECT_ERR_F(sfmt(DOC_I("{\"time\":\"%s\",\"value\":56}"), bad_times[i]),
					 FITBIT_ERR_TIME, DS "[0].time", "is not a valid hh:mm:ss time");

	EXPECT_ERR("{\"activities-heart\":[" STD_DAY "],\"activities-heart-intraday\":[]}",
			   FITBIT_ERR_TYPE, INTRA, "activities-heart-intraday [...] is not an object");
	EXPECT_ERR("{\"activities-heart\":[" STD_DAY "],\"activities-heart-intraday\":{}}",
			   FITBIT_ERR_SHAPE, DS, "dataset is missing");
	EXPECT_ERR("{\"activities-heart\":[" STD_DAY "],\"activities-heart-intraday\":{\"dataset\":{}}}",
			   FITBIT_ERR_TYPE, DS, "dataset {...} is not an array");
	EXPECT_ERR("{\"activities-heart\":[" STD_DAY "],\"activities-heart-intraday\":{\"dataset\":[],\"datasetType\":\"hour\"}}",
			   FITBIT_ERR_RANGE, INTRA ".datasetType",
			   "datasetType \"hour\" is not \"second\" or \"minute\"");
	EXPECT_ERR("{\"activities-heart\":[" STD_DAY "],\"activities-heart-intraday\":{\"dataset\":[],\"datasetType\":\"secondsecondsecond\"}}",
			   FITBIT_ERR_RANGE, INTRA ".datasetType", NULL);
	EXPECT_ERR("{\"activities-heart\":[" STD_DAY "],\"activities-heart-intraday\":{\"dataset\":[],\"datasetType\":1}}",
			   FITBIT_ERR_TYPE, INTRA ".datasetType", "datasetType 1 is not a string");
	EXPECT_ERR("{\"activities-heart\":[" STD_DAY "],\"activities-heart-intraday\":{\"dataset\":[],\"datasetInterval\":0}}",
			   FITBIT_ERR_RANGE, INTRA ".datasetInterval", "datasetInterval 0 is outside 1..1440");
	EXPECT_ERR("{\"activities-heart\":[" STD_DAY "],\"activities-heart-intraday\":{\"dataset\":[],\"datasetInterval\":\"1\"}}",
			   FITBIT_ERR_TYPE, INTRA ".datasetInterval", "datasetInterval \"1\" is not an integer");

	{
		FitbitDoc	doc;

		/* an empty dataset, no type or interval, extra members ignored */
		if (PARSE_OK("{\"activities-heart\":[" STD_DAY "],\"activities-heart-intraday\":"
					 "{\"dataset\":[],\"note\":{\"x\":[1,2,3]}},\"extra\":true}", NULL, &doc))
		{
			CHECK(doc.nsamples == 0 && doc.t == NULL);
			CHECK(doc.dataset_interval == 0 && doc.dataset_type[0] == '\0');
			fitbit_doc_free(&doc);
		}
		/* a null intraday member counts as absent */
		if (PARSE_OK("{\"activities-heart\":[" STD_DAY "," STD_DAY "],"
					 "\"activities-heart-intraday\":null}", NULL, &doc))
		{
			CHECK(doc.ndays == 2 && doc.nsamples == 0);
			fitbit_doc_free(&doc);
		}
		/* escapes in strings are decoded before the checks */
		if (PARSE_OK("{\"activities-heart\":[{\"dateTime\":\"2017\\u002d05\\u002d01\",\"value\":"
					 "{\"heartRateZones\":" ZONES "}}]" INTRADAY("{\"time\":\"12\\u003a00:00\",\"value\":60}") "}",
					 NULL, &doc))
		{
			CHECK(doc.days[0].date.month == 5 && doc.t[0] == 43200);
			fitbit_doc_free(&doc);
		}
	}
}

/*
 * A generated day of n samples, one every 2 s from midnight, with bpm
 * 40 + i % 100; bad_index (if < n) gets bad_value instead.  With alias, a
 * member with an escaped name is added to the top level, which makes the
 * parser read the dataset from a single json-c tree instead of chunks;
 * both ways must give the same results.
 */
static char *
gen_api_day(size_t n, size_t bad_index, const char *bad_value, bool alias)
{
	StrBuf		sb = {NULL, 0, 0};
	size_t		i;

	sb_puts(&sb, "{\"activities-heart\":[" STD_DAY "],");
	if (alias)
		sb_puts(&sb, "\"x\\u0041\":1,");
	sb_puts(&sb, "\"activities-heart-intraday\":{\"datasetInterval\":1,\"dataset\":[");
	for (i = 0; i < n; i++)
	{
		unsigned	s = (unsigned) (i * 2);

		if (i == bad_index)
			sb_printf(&sb, "%s{\"time\":\"%02u:%02u:%02u\",\"value\":%s}",
					  i ? ", " : "", s / 3600, s / 60 % 60, s % 60, bad_value);
		else
			sb_printf(&sb, "%s{\"value\": %u, \"time\": \"%02u:%02u:%02u\"}",
					  i ? ",\n " : "", (unsigned) (40 + i % 100),
					  s / 3600, s / 60 % 60, s % 60);
	}
	sb_puts(&sb, "],\"datasetType\":\"second\"}}");
	return sb.data;
}

/* Large datasets cross the parser's chunk boundaries. */
static void
test_api_chunks(void)
{
	static const size_t sizes[] = {1, 255, 256, 257, 512, 1000, 43199};
	static const size_t bad[] = {0, 255, 256, 257, 700, 999};
	size_t		k;
	int			alias;

	for (alias = 0; alias <= 1; alias++)
	{
		for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
		{
			char	   *json = gen_api_day(sizes[k], SIZE_MAX, NULL, alias);
			FitbitDoc	doc;

			if (PARSE_OK(json, NULL, &doc))
			{
				size_t		i;
				bool		all = doc.nsamples == sizes[k];

				for (i = 0; all && i < doc.nsamples; i++)
					all = doc.t[i] == (int64_t) (i * 2) &&
						doc.bpm[i] == (int16_t) (40 + i % 100) &&
						doc.confidence[i] == -1;
				CHECK(all);
				fitbit_doc_free(&doc);
			}
			free(json);
		}
		for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		{
			char	   *json = gen_api_day(1000, bad[k], "251", alias);
			char		path[64];

			snprintf(path, sizeof(path), DS "[%zu].value", bad[k]);
			EXPECT_ERR_F(json, FITBIT_ERR_RANGE, path, "value 251 is outside 20..250");
		}
	}
}


/* ----------------------------------------------------------------------
 * Account export documents
 * ----------------------------------------------------------------------
 */

/* heart_rate-*.json: UTC times become Unix epoch seconds. */
static void
test_export_heart_rate(void)
{
	FitbitDoc	doc;
	const char *json = "[" HR("10/04/18 00:00:07", "62", "2") ","
	HR("10/04/18 00:00:12", "20", "0") ","
	HR("02/29/20 23:59:59", "250", "3") ","
	HR("01/01/00 00:00:00", "61", "1") ","
	HR("12/31/99 23:59:59", "60", "2") ","
	HR("03/01/00 12:34:56", "59", "2") "]";

	if (PARSE_OK(json, "resting_heart_rate-2018-10-04.json", &doc))
	{
		/* the hint does not override a non-empty array's content */
		CHECK(doc.kind == FITBIT_EXPORT_HEART_RATE);
		CHECK(doc.nsamples == 6 && doc.ndays == 0 && doc.days == NULL);
		CHECK(doc.t[0] == 1538611207);	/* 2018-10-04 00:00:07 UTC */
		CHECK(doc.t[1] == 1538611212);
		CHECK(doc.t[2] == 1583020799);	/* 2020-02-29 23:59:59 UTC */
		CHECK(doc.t[3] == 946684800);	/* 2000-01-01 00:00:00 UTC */
		CHECK(doc.t[4] == 4102444799);	/* 2099-12-31 23:59:59 UTC */
		CHECK(doc.t[5] == 951914096);	/* 2000-03-01 12:34:56 UTC */
		CHECK(doc.bpm[0] == 62 && doc.bpm[1] == 20 && doc.bpm[2] == 250);
		CHECK(doc.confidence[0] == 2 && doc.confidence[1] == 0 &&
			  doc.confidence[2] == 3 && doc.confidence[3] == 1);
		CHECK(doc.dataset_interval == 0 && doc.dataset_type[0] == '\0');
		fitbit_doc_free(&doc);
	}

	/* the example of the specification, at element 3 */
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "62", "2") "," HR("10/04/18 00:00:08", "62", "2") ","
			   HR("10/04/18 00:00:09", "62", "2") "," HR("10/04/18 00:00:10", "300", "2") "]",
			   FITBIT_ERR_RANGE, "$[3].value.bpm", "bpm 300 is outside 20..250");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "19", "2") "]",
			   FITBIT_ERR_RANGE, "$[0].value.bpm", "bpm 19 is outside 20..250");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "72.0", "2") "]",
			   FITBIT_ERR_TYPE, "$[0].value.bpm", "bpm 72.0 is not an integer");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "72.5", "2") "]",
			   FITBIT_ERR_TYPE, "$[0].value.bpm", "bpm 72.5 is not an integer");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "\"72\"", "2") "]",
			   FITBIT_ERR_TYPE, "$[0].value.bpm", "bpm \"72\" is not an integer");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "[72]", "2") "]",
			   FITBIT_ERR_TYPE, "$[0].value.bpm", "bpm [...] is not an integer");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "62", "4") "]",
			   FITBIT_ERR_RANGE, "$[0].value.confidence", "confidence 4 is outside 0..3");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "62", "-1") "]",
			   FITBIT_ERR_RANGE, "$[0].value.confidence", "confidence -1 is outside 0..3");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "62", "2.0") "]",
			   FITBIT_ERR_TYPE, "$[0].value.confidence", "confidence 2.0 is not an integer");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "62", "2") ",{\"dateTime\":\"10/04/18 00:00:08\",\"value\":{\"bpm\":62}}]",
			   FITBIT_ERR_SHAPE, "$[1].value.confidence", "confidence is missing");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "62", "2") ",{\"dateTime\":\"10/04/18 00:00:08\",\"value\":{\"confidence\":2}}]",
			   FITBIT_ERR_SHAPE, "$[1].value.bpm", "bpm is missing");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "62", "2") ",{\"dateTime\":\"10/04/18 00:00:08\",\"value\":62}]",
			   FITBIT_ERR_TYPE, "$[1].value", "value 62 is not an object");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "62", "2") ",{\"dateTime\":\"10/04/18 00:00:08\"}]",
			   FITBIT_ERR_SHAPE, "$[1].value", "value is missing");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "62", "2") ",7]",
			   FITBIT_ERR_TYPE, "$[1]", "entry 7 is not an object");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "62", "2") ",{\"value\":{\"bpm\":62,\"confidence\":2}}]",
			   FITBIT_ERR_SHAPE, "$[1].dateTime", "dateTime is missing");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "62", "2") ",{\"dateTime\":1538611207,\"value\":{\"bpm\":62,\"confidence\":2}}]",
			   FITBIT_ERR_TYPE, "$[1].dateTime", "dateTime 1538611207 is not a string");
	{
		static const char *const bad_times[] = {
			"13/04/18 00:00:07", "00/04/18 00:00:07", "02/29/19 00:00:00",
			"04/31/18 00:00:00", "10/04/2018 00:00:07", "10/04/18T00:00:07",
			"10/04/18 24:00:00", "10/04/18 00:60:00", "10/04/18 00:00:60",
			"10/04/18", "10-04-18 00:00:07", "2018-10-04 00:00:07",
			"10/04/18 00:00:07 ", "1/04/18 00:00:07"
		};
		size_t		i;

		for (i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++)
			EXPECT_ERR_F(sfmt("[" HR("%s", "62", "2") "]", bad_times[i]),
						 FITBIT_ERR_TIME, "$[0].dateTime",
						 "is not a valid mm/dd/yy hh:mm:ss time");
	}

	/* huge numbers: json-c saturates them, the message says so */
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "99999999999999999999999", "2") "]",
			   FITBIT_ERR_RANGE, "$[0].value.bpm",
			   "bpm 18446744073709551615 or more is outside 20..250");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "-99999999999999999999999", "2") "]",
			   FITBIT_ERR_RANGE, "$[0].value.bpm",
			   "bpm -9223372036854775808 or less is outside 20..250");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "9223372036854775807", "2") "]",
			   FITBIT_ERR_RANGE, "$[0].value.bpm",
			   "bpm 9223372036854775807 is outside 20..250");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "9223372036854775808", "2") "]",
			   FITBIT_ERR_RANGE, "$[0].value.bpm",
			   "bpm 9223372036854775808 is outside 20..250");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "1e400", "2") "]",
			   FITBIT_ERR_TYPE, "$[0].value.bpm", "bpm 1e400 is not an integer");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "65536", "2") "]",
			   FITBIT_ERR_RANGE, "$[0].value.bpm", "bpm 65536 is outside 20..250");
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "62", "4294967298") "]",
			   FITBIT_ERR_RANGE, "$[0].value.confidence", "confidence 4294967298 is outside 0..3");
}

/* A generated heart_rate export of n samples, 1 s apart. */
static char *
gen_export(size_t n, size_t bad_index)
{
	StrBuf		sb = {NULL, 0, 0};
	size_t		i;

	sb_puts(&sb, "[");
	for (i = 0; i < n; i++)
		sb_printf(&sb, "%s{\"dateTime\":\"10/04/18 %02zu:%02zu:%02zu\",\"value\":{\"bpm\":%s,\"confidence\":%zu}}",
				  i ? "," : "", i / 3600, i / 60 % 60, i % 60,
				  i == bad_index ? "12" : "70", i % 4);
	sb_puts(&sb, "]");
	return sb.data;
}

/* Long export arrays cross the chunk boundaries too. */
static void
test_export_chunks(void)
{
	FitbitDoc	doc;
	char	   *json = gen_export(3000, SIZE_MAX);

	if (PARSE_OK(json, NULL, &doc))
	{
		size_t		i;
		bool		all = doc.nsamples == 3000;

		for (i = 0; all && i < doc.nsamples; i++)
			all = doc.t[i] == 1538611200 + (int64_t) i && doc.bpm[i] == 70 &&
				doc.confidence[i] == (int8_t) (i % 4);
		CHECK(all);
		fitbit_doc_free(&doc);
	}
	free(json);
	EXPECT_ERR_F(gen_export(3000, 513), FITBIT_ERR_RANGE, "$[513].value.bpm",
				 "bpm 12 is outside 20..250");
	EXPECT_ERR_F(gen_export(3000, 2999), FITBIT_ERR_RANGE, "$[2999].value.bpm",
				 "bpm 12 is outside 20..250");
}

/* time_in_heart_rate_zones-*.json */
static void
test_export_zone_minutes(void)
{
	FitbitDoc	doc;
	const char *json = "[" ZM("10/04/18 00:00:00", "1203.0", "130.0", "10.0", "0.0") ","
	ZM("10/05/18 00:00:00", "0", "1440", "0.5", "1") "]";

	if (PARSE_OK(json, NULL, &doc))
	{
		CHECK(doc.kind == FITBIT_EXPORT_ZONE_MINUTES);
		CHECK(doc.ndays == 2 && doc.nsamples == 0 && doc.t == NULL);
		CHECK(doc.days[0].date.year == 2018 && doc.days[0].date.month == 10 &&
			  doc.days[0].date.day == 4);
		CHECK(doc.days[0].has_zone_minutes && !doc.days[0].has_zone_bounds &&
			  !doc.days[0].has_resting);
		CHECK(doc.days[0].zone_minutes[0] == 1203.0 &&
			  doc.days[0].zone_minutes[1] == 130.0 &&
			  doc.days[0].zone_minutes[2] == 10.0 &&
			  doc.days[0].zone_minutes[3] == 0.0);
		CHECK(doc.days[1].zone_minutes[1] == 1440 &&
			  doc.days[1].zone_minutes[2] == 0.5);
		fitbit_doc_free(&doc);
	}
	EXPECT_ERR("[{\"dateTime\":\"10/04/18 00:00:00\",\"value\":{\"valuesInZones\":"
			   "{\"BELOW_DEFAULT_ZONE_1\":1203.0,\"IN_DEFAULT_ZONE_1\":130.0,\"IN_DEFAULT_ZONE_2\":10.0}}}]",
			   FITBIT_ERR_SHAPE, "$[0].value.valuesInZones.IN_DEFAULT_ZONE_3",
			   "zone minutes IN_DEFAULT_ZONE_3 is missing");
	EXPECT_ERR("[" ZM("10/04/18 00:00:00", "\"12\"", "130.0", "10.0", "0.0") "]",
			   FITBIT_ERR_TYPE, "$[0].value.valuesInZones.BELOW_DEFAULT_ZONE_1",
			   "zone minutes BELOW_DEFAULT_ZONE_1 \"12\" is not a number");
	EXPECT_ERR("[" ZM("10/04/18 00:00:00", "1203.0", "1501.5", "10.0", "0.0") "]",
			   FITBIT_ERR_RANGE, "$[0].value.valuesInZones.IN_DEFAULT_ZONE_1",
			   "zone minutes IN_DEFAULT_ZONE_1 1501.5 is outside 0..1500");
	EXPECT_ERR("[" ZM("10/04/18 00:00:00", "1203.0", "130.0", "-0.5", "0.0") "]",
			   FITBIT_ERR_RANGE, "$[0].value.valuesInZones.IN_DEFAULT_ZONE_2",
			   "-0.5 is outside 0..1500");
	EXPECT_ERR("[" ZM("10/04/18 00:00:00", "1203.0", "130.0", "10.0", "1e400") "]",
			   FITBIT_ERR_RANGE, "$[0].value.valuesInZones.IN_DEFAULT_ZONE_3",
			   "1e400 is outside 0..1500");
	EXPECT_ERR("[" ZM("10/04/18 00:00:00", "1203.0", "130.0", "10.0", "-1e400") "]",
			   FITBIT_ERR_RANGE, "$[0].value.valuesInZones.IN_DEFAULT_ZONE_3",
			   "-1e400 is outside 0..1500");
	EXPECT_ERR("[" ZM("10/04/18 00:00:00", "1203.0", "130.0", "10.0", "0.0") ","
			   "{\"dateTime\":\"10/05/18 00:00:00\",\"value\":{\"valuesInZones\":[]}}]",
			   FITBIT_ERR_TYPE, "$[1].value.valuesInZones", "valuesInZones [...] is not an object");
	EXPECT_ERR("[" ZM("10/04/18 00:00:00", "1203.0", "130.0", "10.0", "0.0") ","
			   "{\"dateTime\":\"10/05/18 00:00:00\",\"value\":{}}]",
			   FITBIT_ERR_SHAPE, "$[1].value.valuesInZones", "valuesInZones is missing");
	EXPECT_ERR("[" ZM("10/32/18 00:00:00", "1203.0", "130.0", "10.0", "0.0") "]",
			   FITBIT_ERR_TIME, "$[0].dateTime", "\"10/32/18 00:00:00\"");
}

/* resting_heart_rate-*.json */
static void
test_export_resting(void)
{
	FitbitDoc	doc;
	const char *json = "[" RHR("07/07/18 00:00:00", "\"07/07/18\"", "57.83", "6.9") ","
	RHR("07/08/18 00:00:00", "null", "0.0", "0.0") ","
	RHR("07/09/18 00:00:00", "\"07/09/18\"", "0", "null") ","
	RHR("07/10/18 00:00:00", "\"07/10/18\"", "58", "100") "]";

	if (PARSE_OK(json, NULL, &doc))
	{
		CHECK(doc.kind == FITBIT_EXPORT_RESTING_HR);
		CHECK(doc.ndays == 4 && doc.nsamples == 0);
		CHECK(doc.days[0].has_resting && doc.days[0].resting_hr == 57.83);
		CHECK(doc.days[0].date.year == 2018 && doc.days[0].date.month == 7 &&
			  doc.days[0].date.day == 7);
		CHECK(!doc.days[1].has_resting && doc.days[1].date.day == 8);
		CHECK(!doc.days[2].has_resting);
		CHECK(doc.days[3].has_resting && doc.days[3].resting_hr == 58);
		CHECK(!doc.days[0].has_zone_minutes && !doc.days[0].has_zone_bounds);
		fitbit_doc_free(&doc);
	}
	EXPECT_ERR("[" RHR("07/07/18 00:00:00", "\"13/01/18\"", "57.83", "6.9") "]",
			   FITBIT_ERR_TIME, "$[0].value.date",
			   "date \"13/01/18\" is not a valid mm/dd/yy date");
	EXPECT_ERR("[" RHR("07/07/18 00:00:00", "\"07/07/18 00:00:00\"", "57.83", "6.9") "]",
			   FITBIT_ERR_TIME, "$[0].value.date", NULL);
	EXPECT_ERR("[" RHR("07/07/18 00:00:00", "20180707", "57.83", "6.9") "]",
			   FITBIT_ERR_TYPE, "$[0].value.date", "date 20180707 is not a string");
	EXPECT_ERR("[" RHR("07/07/18 00:00:00", "\"07/07/18\"", "300", "6.9") "]",
			   FITBIT_ERR_RANGE, "$[0].value.value", "value 300 is outside 0..250");
	EXPECT_ERR("[" RHR("07/07/18 00:00:00", "\"07/07/18\"", "-1", "6.9") "]",
			   FITBIT_ERR_RANGE, "$[0].value.value", "value -1 is outside 0..250");
	EXPECT_ERR("[" RHR("07/07/18 00:00:00", "\"07/07/18\"", "\"57\"", "6.9") "]",
			   FITBIT_ERR_TYPE, "$[0].value.value", "value \"57\" is not a number");
	EXPECT_ERR("[" RHR("07/07/18 00:00:00", "\"07/07/18\"", "57.83", "\"x\"") "]",
			   FITBIT_ERR_TYPE, "$[0].value.error", "error \"x\" is not a number");
	EXPECT_ERR("[" RHR("07/07/18 00:00:00", "\"07/07/18\"", "57.83", "-2") "]",
			   FITBIT_ERR_RANGE, "$[0].value.error", "error -2 is outside 0..250");
	EXPECT_ERR("[{\"dateTime\":\"07/07/18 00:00:00\",\"value\":{\"date\":\"07/07/18\",\"value\":57.8}}]",
			   FITBIT_ERR_SHAPE, "$[0].value.error", "error is missing");
	EXPECT_ERR("[{\"dateTime\":\"07/07/18 00:00:00\",\"value\":{\"value\":57.8,\"error\":1}}]",
			   FITBIT_ERR_SHAPE, "$[0].value.date", "date is missing");
	EXPECT_ERR("[" RHR("07/07/18 00:00:00", "\"07/07/18\"", "57.83", "6.9") ","
			   "{\"dateTime\":\"07/08/18 00:00:00\",\"value\":{\"date\":\"07/08/18\",\"error\":1}}]",
			   FITBIT_ERR_SHAPE, "$[1].value.value", "value is missing");
	EXPECT_ERR("[" RHR("07/07/18", "\"07/07/18\"", "57.83", "6.9") "]",
			   FITBIT_ERR_TIME, "$[0].dateTime", NULL);
}

/* Telling the export kinds apart, and empty arrays. */
static void
test_export_detection(void)
{
	static const struct
	{
		const char *hint;
		FitbitDocKind kind;
	}			hints[] = {
		{"heart_rate-2018-10-04.json", FITBIT_EXPORT_HEART_RATE},
		{"time_in_heart_rate_zones-2018-10-04.json", FITBIT_EXPORT_ZONE_MINUTES},
		{"resting_heart_rate-2018-07-07.json", FITBIT_EXPORT_RESTING_HR},
		{"/export/user-site-export/heart_rate-2018-10-04.json", FITBIT_EXPORT_HEART_RATE},
		{"resting_heart_rate-", FITBIT_EXPORT_RESTING_HR},
	};
	size_t		i;

	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
	{
		FitbitDoc	doc;

		if (PARSE_OK(" [ \n ] ", hints[i].hint, &doc))
		{
			CHECK(doc.kind == hints[i].kind);
			CHECK(doc.ndays == 0 && doc.nsamples == 0 && doc.days == NULL &&
				  doc.t == NULL);
			fitbit_doc_free(&doc);
		}
	}
	EXPECT_ERR("[]", FITBIT_ERR_SHAPE, "$", "empty array");
	EXPECT_ERR_HINT("[]", "steps-2018-10-04.json", FITBIT_ERR_SHAPE, "$", "empty array");
	EXPECT_ERR_HINT("[]", "Heart_rate-2018-10-04.json", FITBIT_ERR_SHAPE, "$", "empty array");
	EXPECT_ERR_HINT("[]", "my_heart_rate-2018.json", FITBIT_ERR_SHAPE, "$", "empty array");
	EXPECT_ERR_HINT("[]", "heart_rate-/x.json", FITBIT_ERR_SHAPE, "$", "empty array");
	EXPECT_ERR_HINT("[]", "", FITBIT_ERR_SHAPE, "$", "empty array");

	EXPECT_ERR("[1,2]", FITBIT_ERR_SHAPE, "$[0]", "array element 1 is not a fitbit export entry");
	EXPECT_ERR("[null]", FITBIT_ERR_SHAPE, "$[0]", "array element null");
	EXPECT_ERR("[[]]", FITBIT_ERR_SHAPE, "$[0]", "array element [...]");
	EXPECT_ERR("[{\"dateTime\":\"10/04/18 00:00:07\"}]", FITBIT_ERR_SHAPE, "$[0]",
			   "array element has no value object");
	EXPECT_ERR("[{\"dateTime\":\"10/04/18 00:00:07\",\"value\":62}]", FITBIT_ERR_SHAPE, "$[0]",
			   "array element has no value object");
	EXPECT_ERR("[{\"dateTime\":\"10/04/18 00:00:07\",\"value\":{\"steps\":62}}]", FITBIT_ERR_SHAPE,
			   "$[0].value", "value has none of bpm, valuesInZones or value");
	/* the API's own shape inside an array is not an export */
	EXPECT_ERR("[" STD_DAY "]", FITBIT_ERR_SHAPE, "$[0].value", "value has none of");
	/* once the kind is known, other shapes are errors at their own path */
	EXPECT_ERR("[" HR("10/04/18 00:00:07", "62", "2") ","
			   ZM("10/04/18 00:00:00", "1203.0", "130.0", "10.0", "0.0") "]",
			   FITBIT_ERR_SHAPE, "$[1].value.bpm", "bpm is missing");
	EXPECT_ERR("[" ZM("10/04/18 00:00:00", "1203.0", "130.0", "10.0", "0.0") ","
			   HR("10/04/18 00:00:07", "62", "2") "]",
			   FITBIT_ERR_SHAPE, "$[1].value.valuesInZones", "valuesInZones is missing");
}


/* ----------------------------------------------------------------------
 * JSON syntax, nesting, duplicates
 * ----------------------------------------------------------------------
 */

/* Bytes that are not JSON, each with the offset the scanner must report. */
static void
test_not_json(void)
{
	static const struct
	{
		const char *json;
		const char *part;
	}			cases[] = {
		{"", "byte offset 0: unexpected end of input"},
		{"   ", "byte offset 3: unexpected end of input"},
		{"\xef\xbb\xbf", "byte offset 3: unexpected end of input"},
		{"{", "byte offset 1: unexpected end of input"},
		{"[1,2", "byte offset 4: unexpected end of input"},
		{"[1,]", "byte offset 3: unexpected character ']'"},
		{"{'a':1}", "byte offset 1: expected a member name in double quotes"},
		{"{\"a\" 1}", "byte offset 5: expected ':' after a member name"},
		{"{\"a\":1,}", "byte offset 7: expected a member name"},
		{"{a:1}", "byte offset 1"},
		{"[NaN]", "byte offset 1: unexpected character 'N'"},
		{"[Infinity]", "byte offset 1: unexpected character 'I'"},
		{"[-Infinity]", "byte offset 2: invalid number"},
		{"[1.]", "byte offset 3: invalid number"},
		{"[.5]", "byte offset 1: unexpected character '.'"},
		{"[+1]", "byte offset 1: unexpected character '+'"},
		{"[01]", "byte offset 2: unexpected character '1'"},
		{"[1e]", "byte offset 3: invalid number"},
		{"[1e+]", "byte offset 4: invalid number"},
		{"[0x10]", "byte offset 2: unexpected character 'x'"},
		{"[1 2]", "byte offset 3: unexpected character '2'"},
		{"[tru]", "byte offset 1: invalid literal"},
		{"[True]", "byte offset 1: unexpected character 'T'"},
		{"[nul", "byte offset 1: invalid literal"},
		{"/* c */ []", "byte offset 0: unexpected character '/'"},
		{"[] // c", "byte offset 3: trailing data after the json value"},
		{"{} x", "byte offset 3: trailing data after the json value"},
		{"[]]", "byte offset 2: trailing data"},
		{"{}{}", "byte offset 2: trailing data"},
		{"[]\n\n,", "byte offset 4: trailing data"},
		{"[\"a\tb\"]", "byte offset 3: control character 0x09 in string"},
		{"[\"a\nb\"]", "byte offset 3: control character 0x0a in string"},
		{"[\"\xff\"]", "byte offset 2: invalid utf-8 in string"},
		{"[\"\xc0\xaf\"]", "byte offset 2: invalid utf-8"},
		{"[\"\xe0\x80\xaf\"]", "byte offset 2: invalid utf-8"},
		{"[\"\xed\xa0\x80\"]", "byte offset 2: invalid utf-8"},
		{"[\"\xf4\x90\x80\x80\"]", "byte offset 2: invalid utf-8"},
		{"[\"\xc3\"]", "byte offset 2: invalid utf-8"},
		{"[\"\\ud800\"]", "byte offset 2: lone utf-16 surrogate"},
		{"[\"\\udc00\\ud800\"]", "byte offset 2: lone utf-16 surrogate"},
		{"[\"\\ud800\\u0041\"]", "byte offset 2: lone utf-16 surrogate"},
		{"[\"\\x41\"]", "byte offset 2: invalid escape in string"},
		{"[\"\\u12G4\"]", "byte offset 2: invalid \\u escape"},
		{"[\"abc", "byte offset 5: unterminated string"},
		{"[\"abc\\", "byte offset 6: unterminated string"},
		{"\xff[]", "byte offset 0: unexpected byte 0xff"},
		{"\xef\xbb[]", "byte offset 0: unexpected byte 0xef"},
	};
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error_len(__LINE__, cases[i].json, strlen(cases[i].json), NULL,
						 FITBIT_ERR_NOT_JSON, "$", cases[i].part);
	EXPECT_ERR("{\"activities-heart\":[" STD_DAY "],}", FITBIT_ERR_NOT_JSON, "$",
			   "expected a member name");

	/* bytes with NULs in them */
	expect_error_len(__LINE__, "[1]\0", 4, NULL, FITBIT_ERR_NOT_JSON, "$",
					 "byte offset 3: trailing data");
	expect_error_len(__LINE__, "[\"a\0b\"]", 7, NULL, FITBIT_ERR_NOT_JSON, "$",
					 "byte offset 3: control character 0x00 in string");
	expect_error_len(__LINE__, "\0", 1, NULL, FITBIT_ERR_NOT_JSON, "$",
					 "byte offset 0: unexpected byte 0x00");
	/* a length shorter than the text: only len bytes count */
	expect_error_len(__LINE__, "[1,2]", 4, NULL, FITBIT_ERR_NOT_JSON, "$",
					 "byte offset 4: unexpected end of input");
	expect_error_len(__LINE__, NULL, 0, NULL, FITBIT_ERR_NOT_JSON, "$",
					 "byte offset 0: unexpected end of input");

	/* a JSON document whose top level is not an object or array */
	EXPECT_ERR("42", FITBIT_ERR_SHAPE, "$", "top-level value is a number");
	EXPECT_ERR(" -1.5e3 ", FITBIT_ERR_SHAPE, "$", "top-level value is a number");
	EXPECT_ERR("\"x\"", FITBIT_ERR_SHAPE, "$", "top-level value is a string");
	EXPECT_ERR("null", FITBIT_ERR_SHAPE, "$", "top-level value is null");
	EXPECT_ERR("true", FITBIT_ERR_SHAPE, "$", "top-level value is a boolean");

	{
		FitbitDoc	doc;

		/* a byte order mark, surrogate pairs and UTF-8 are fine */
		if (PARSE_OK("\xef\xbb\xbf{\"note\":\"\\ud834\\udd1e \xf0\x9d\x84\x9e \xc3\xa9\","
					 "\"activities-heart\":[" STD_DAY "]}\r\n", NULL, &doc))
		{
			CHECK(doc.kind == FITBIT_API_HEART);
			fitbit_doc_free(&doc);
		}
	}
}

/* A document nested depth levels deep: [[[...]]] or unclosed. */
static char *
gen_nested(size_t depth, bool closed)
{
	char	   *s = malloc(2 * depth + 1);

	memset(s, '[', depth);
	if (closed)
		memset(s + depth, ']', depth);
	s[closed ? 2 * depth : depth] = '\0';
	return s;
}

/* Nesting limits: valid but too deep is a shape error, unclosed is not JSON. */
static void
test_nesting(void)
{
	FitbitDoc	doc;
	StrBuf		sb = {NULL, 0, 0};

	/* 64 levels are accepted (the error is about the shape of [[...]]) */
	EXPECT_ERR_F(gen_nested(64, true), FITBIT_ERR_SHAPE, "$[0]", "array element [...]");
	EXPECT_ERR_F(gen_nested(65, true), FITBIT_ERR_SHAPE, "$",
				 "json nested deeper than 64 levels at byte offset 64");
	/* deeper than the scanner's inline stack */
	EXPECT_ERR_F(gen_nested(100000, true), FITBIT_ERR_SHAPE, "$",
				 "json nested deeper than 64 levels at byte offset 64");
	/* not JSON at all wins over too deep */
	EXPECT_ERR_F(gen_nested(100000, false), FITBIT_ERR_NOT_JSON, "$",
				 "byte offset 100000: unexpected end of input");

	/* an ignored member 60 levels deep inside a real document */
	sb_puts(&sb, "{\"activities-heart\":[" STD_DAY "],\"junk\":");
	sb_repeat(&sb, "[", 62);
	sb_repeat(&sb, "]", 62);
	sb_puts(&sb, "}");
	if (PARSE_OK(sb.data, NULL, &doc))
		fitbit_doc_free(&doc);
	sb.len = 0;
	sb_puts(&sb, "{\"activities-heart\":[" STD_DAY "],\"junk\":");
	sb_repeat(&sb, "{\"a\":", 70);
	sb_puts(&sb, "1");
	sb_repeat(&sb, "}", 70);
	sb_puts(&sb, "}");
	EXPECT_ERR(sb.data, FITBIT_ERR_SHAPE, "$", "json nested deeper than 64 levels");
	/* deep inside an intraday sample */
	sb.len = 0;
	sb_puts(&sb, "{\"activities-heart\":[" STD_DAY "]" ",\"activities-heart-intraday\":{\"dataset\":["
			"{\"time\":\"00:00:01\",\"value\":60,\"x\":");
	sb_repeat(&sb, "[", 80);
	sb_repeat(&sb, "]", 80);
	sb_puts(&sb, "}]}}");
	EXPECT_ERR(sb.data, FITBIT_ERR_SHAPE, "$", "json nested deeper than 64 levels");
	free(sb.data);
}

/*
 * Duplicate member names: the last one wins, as in json-c, jsonb and
 * Python; the large-array shortcut must agree with that.
 */
static void
test_duplicates(void)
{
	FitbitDoc	doc;
	char	   *big = gen_api_day(600, SIZE_MAX, NULL, false);
	char	   *json;

	if (PARSE_OK("[{\"dateTime\":\"10/04/18 00:00:07\",\"value\":{\"bpm\":300,\"confidence\":2,\"bpm\":70}}]",
				 NULL, &doc))
	{
		CHECK(doc.bpm[0] == 70);
		fitbit_doc_free(&doc);
	}
	EXPECT_ERR("[{\"dateTime\":\"10/04/18 00:00:07\",\"value\":{\"bpm\":70,\"confidence\":2,\"bpm\":300}}]",
			   FITBIT_ERR_RANGE, "$[0].value.bpm", "bpm 300 is outside 20..250");
	if (PARSE_OK("{\"activities-heart\":[],\"activities-heart\":[" STD_DAY "]}", NULL, &doc))
	{
		CHECK(doc.ndays == 1);
		fitbit_doc_free(&doc);
	}

	/* big[] ends with "}}"; splice more members into its intraday object */
	big[strlen(big) - 2] = '\0';

	/* a second dataset replaces the first */
	json = sfmt("%s,\"dataset\":[{\"time\":\"01:00:00\",\"value\":99}]}}", big);
	if (PARSE_OK(json, NULL, &doc))
	{
		CHECK(doc.nsamples == 1 && doc.t[0] == 3600 && doc.bpm[0] == 99);
		fitbit_doc_free(&doc);
	}
	free(json);
	/* ... even when it is not an array */
	EXPECT_ERR_F(sfmt("%s,\"dataset\":5}}", big), FITBIT_ERR_TYPE, DS,
				 "dataset 5 is not an array");
	/* ... or its name is written with an escape */
	json = sfmt("%s,\"d\\u0061taset\":[{\"time\":\"01:00:00\",\"value\":98}]}}", big);
	if (PARSE_OK(json, NULL, &doc))
	{
		CHECK(doc.nsamples == 1 && doc.bpm[0] == 98);
		fitbit_doc_free(&doc);
	}
	free(json);
	/* a second intraday object replaces the first */
	json = sfmt("%s},\"activities-heart-intraday\":{\"dataset\":[{\"time\":\"02:00:00\",\"value\":97},"
				"{\"time\":\"02:00:01\",\"value\":96}]}}", big);
	if (PARSE_OK(json, NULL, &doc))
	{
		CHECK(doc.nsamples == 2 && doc.t[0] == 7200 && doc.bpm[1] == 96);
		fitbit_doc_free(&doc);
	}
	free(json);
	json = sfmt("%s},\"activities-heart-intraday\":{\"datasetType\":\"minute\"}}", big);
	EXPECT_ERR(json, FITBIT_ERR_SHAPE, DS, "dataset is missing");
	free(json);
	json = sfmt("%s},\"activities-heart-intraday\":null}", big);
	if (PARSE_OK(json, NULL, &doc))
	{
		CHECK(doc.nsamples == 0);
		fitbit_doc_free(&doc);
	}
	free(json);
	json = sfmt("%s},\"activities-heart-intr\\u0061day\":{\"dataset\":[]}}", big);
	if (PARSE_OK(json, NULL, &doc))
	{
		CHECK(doc.nsamples == 0);
		fitbit_doc_free(&doc);
	}
	free(json);
	/* a "dataset" member elsewhere is not the intraday dataset */
	json = sfmt("%s},\"other\":{\"dataset\":[1,2,3]}}", big);
	if (PARSE_OK(json, NULL, &doc))
	{
		CHECK(doc.nsamples == 600);
		fitbit_doc_free(&doc);
	}
	free(json);
	free(big);
}

/* Long and non-ASCII values are cut short in messages, on a character boundary. */
static void
test_messages(void)
{
	StrBuf		sb = {NULL, 0, 0};
	FitbitDoc	doc;
	FitbitError err;
	size_t		i;

	sb_puts(&sb, "{\"activities-heart\":[" STD_DAY "],"
			"\"activities-heart-intraday\":{\"dataset\":[{\"time\":\"");
	for (i = 0; i < 400; i++)
		sb_puts(&sb, "\xc3\xa9");	/* e acute, two bytes */
	sb_puts(&sb, "\",\"value\":60}],\"datasetType\":\"second\"}}");
	CHECK(fitbit_parse(sb.data, sb.len, NULL, &doc, &err) == FITBIT_ERR_TIME);
	CHECK(strstr(err.message, "...") != NULL);
	CHECK(strlen(err.message) < 120);
	CHECK(error_well_formed(&err));
	CHECK(strcmp(err.path, DS "[0].time") == 0);
	free(sb.data);

	/* control characters come back escaped */
	CHECK(fitbit_parse(DOC_I("{\"time\":\"\\u0001\\n\",\"value\":60}"),
					   strlen(DOC_I("{\"time\":\"\\u0001\\n\",\"value\":60}")),
					   NULL, &doc, &err) == FITBIT_ERR_TIME);
	CHECK(strstr(err.message, "\"\\u0001\\n\"") != NULL);
	/* an embedded NUL cannot sneak past the time check */
	CHECK(fitbit_parse(DOC_I("{\"time\":\"12:00:00\\u0000\",\"value\":60}"),
					   strlen(DOC_I("{\"time\":\"12:00:00\\u0000\",\"value\":60}")),
					   NULL, &doc, &err) == FITBIT_ERR_TIME);

	/* the size limit is checked before a single byte is read */
	CHECK(fitbit_parse("[]", (size_t) 1 << 31, NULL, &doc, &err) == FITBIT_ERR_RANGE);
	CHECK(strstr(err.message, "larger than the limit") != NULL && error_well_formed(&err));
	CHECK(doc_is_empty(&doc));

	/* err may be NULL */
	CHECK(fitbit_parse("[1,]", 4, NULL, &doc, NULL) == FITBIT_ERR_NOT_JSON);
	CHECK(doc_is_empty(&doc));

	CHECK(strcmp(fitbit_doc_kind_name(FITBIT_DOC_UNKNOWN), "unknown") == 0);
	CHECK(strcmp(fitbit_doc_kind_name(FITBIT_API_HEART), "fitbit_api_heart") == 0);
	CHECK(strcmp(fitbit_doc_kind_name(FITBIT_EXPORT_HEART_RATE), "fitbit_export_heart_rate") == 0);
	CHECK(strcmp(fitbit_doc_kind_name(FITBIT_EXPORT_ZONE_MINUTES), "fitbit_export_zone_minutes") == 0);
	CHECK(strcmp(fitbit_doc_kind_name(FITBIT_EXPORT_RESTING_HR), "fitbit_export_resting_hr") == 0);
	CHECK(strcmp(fitbit_doc_kind_name((FitbitDocKind) 99), "unknown") == 0);

	memset(&doc, 0, sizeof(doc));
	fitbit_doc_free(&doc);
	fitbit_doc_free(NULL);
	CHECK(doc_is_empty(&doc));
}

/*
 * Every truncation and many one-byte corruptions of a valid document must
 * give either a clean success or a well-formed error with an empty doc.
 * Run under valgrind this also shows that no path leaks.
 */
static void
test_corruption(void)
{
	static const char base[] =
	"{\"activities-heart\":[{\"dateTime\":\"2017-05-01\",\"value\":{\"customHeartRateZones\":[],"
	"\"heartRateZones\":[{\"name\":\"Out of Range\",\"min\":30,\"max\":95,\"minutes\":1199},"
	"{\"name\":\"Fat Burn\",\"min\":95,\"max\":133,\"minutes\":144},{\"name\":\"Cardio\",\"min\":133,"
	"\"max\":162,\"minutes\":23},{\"name\":\"Peak\",\"min\":162,\"max\":220,\"minutes\":1}],"
	"\"restingHeartRate\":58}}],\"activities-heart-intraday\":{\"dataset\":[{\"time\":\"00:00:01\","
	"\"value\":56},{\"time\":\"00:00:16\",\"value\":57}],\"datasetInterval\":1,\"datasetType\":\"second\"}}";
	static const char export_base[] =
	"[{\"dateTime\":\"10/04/18 00:00:07\",\"value\":{\"bpm\":62,\"confidence\":2}},"
	"{\"dateTime\":\"10/04/18 00:00:12\",\"value\":{\"bpm\":61,\"confidence\":3}}]";
	static const char subst[] = {'"', '{', '}', '[', ']', ',', ':', '0', '9', '\\', ' ', '\xff', 'x', '\0'};
	const char *const docs[] = {base, export_base};
	size_t		len[] = {sizeof(base) - 1, sizeof(export_base) - 1};
	int			bad = 0;
	int			runs = 0;
	int			d;

	for (d = 0; d < 2; d++)
	{
		char	   *copy = malloc(len[d]);
		size_t		i;
		size_t		k;

		for (i = 0; i <= len[d]; i++)
		{
			FitbitDoc	doc;
			FitbitError err;
			FitbitErrorKind rc;

			rc = fitbit_parse(docs[d], i, NULL, &doc, &err);
			runs++;
			if (i < len[d] ? rc != FITBIT_ERR_NOT_JSON || !error_well_formed(&err) ||
				!doc_is_empty(&doc) : rc != FITBIT_OK)
			{
				if (bad++ < 5)
					printf("FAIL: truncation at %zu gave %s: %s\n", i,
						   kind_label(rc), err.message);
			}
			fitbit_doc_free(&doc);
		}
		for (i = 0; i < len[d]; i++)
		{
			for (k = 0; k < sizeof(subst); k++)
			{
				FitbitDoc	doc;
				FitbitError err;
				FitbitErrorKind rc;

				memcpy(copy, docs[d], len[d]);
				copy[i] = subst[k];
				rc = fitbit_parse(copy, len[d], NULL, &doc, &err);
				runs++;
				if (rc == FITBIT_OK)
				{
					bool		sane = doc.kind != FITBIT_DOC_UNKNOWN &&
					(doc.nsamples == 0 ||
					 (doc.t != NULL && doc.bpm != NULL && doc.confidence != NULL));

					if (!sane && bad++ < 5)
						printf("FAIL: corruption at %zu gave an inconsistent doc\n", i);
				}
				else if (!error_well_formed(&err) || !doc_is_empty(&doc))
				{
					if (bad++ < 5)
						printf("FAIL: corruption at %zu gave %s at %s: %s\n", i,
							   kind_label(rc), err.path, err.message);
				}
				fitbit_doc_free(&doc);
			}
		}
		free(copy);
	}
	CHECK(bad == 0);
	CHECK(runs > 5000);
}


/* ----------------------------------------------------------------------
 * The shared real-world samples, when present
 * ----------------------------------------------------------------------
 */

/* Read a whole file into a malloc'd buffer, or return NULL. */
static char *
read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	char	   *buf;
	long		n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
		fseek(f, 0, SEEK_SET) != 0)
	{
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t) n + 1);
	if (buf != NULL && fread(buf, 1, (size_t) n, f) != (size_t) n)
	{
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t) n;
	return buf;
}

/* Check one korymath day file: one day, 1-second samples in order. */
static void
check_korymath_file(const char *dir, const char *name, char *largest,
					size_t largest_size, size_t *largest_len)
{
	char		path[1024 + 512];
	char	   *buf;
	size_t		len;
	FitbitDoc	doc;
	char		date[16];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf = read_file(path, &len);
	if (!CHECK(buf != NULL))
		return;
	if (parse_ok_len(__LINE__, buf, len, name, &doc))
	{
		size_t		i;
		bool		ordered = true;

		CHECK(doc.kind == FITBIT_API_HEART && doc.ndays == 1);
		CHECK(doc.nsamples > 1000 && doc.dataset_interval == 1 &&
			  strcmp(doc.dataset_type, "second") == 0);
		CHECK(doc.days[0].has_resting && doc.days[0].has_zone_bounds);
		for (i = 0; i < doc.nsamples; i++)
		{
			if (doc.t[i] < 0 || doc.t[i] > 86399 ||
				(i > 0 && doc.t[i] <= doc.t[i - 1]) ||
				doc.bpm[i] < FITBIT_MIN_BPM || doc.bpm[i] > FITBIT_MAX_BPM)
				ordered = false;
		}
		CHECK(ordered);
		snprintf(date, sizeof(date), "%04d-%02d-%02d", doc.days[0].date.year,
				 doc.days[0].date.month, doc.days[0].date.day);
		/* SOURCES.md: the 2017-04-29 file really holds 2017-05-12 */
		if (strncmp(name, "2017-04-29", 10) == 0)
			CHECK(strcmp(date, "2017-05-12") == 0);
		else
			CHECK(strncmp(name, date, 10) == 0);
		fitbit_doc_free(&doc);
	}
	if (len > *largest_len && strlen(path) < largest_size)
	{
		*largest_len = len;
		strcpy(largest, path);
	}
	free(buf);
}

/* Parse every real sample file that is present; skip when absent. */
static void
test_shared_data(void)
{
	const char *root = getenv("TRACKER_FITBIT_DATA");
	char		dir[1024];
	char		largest[1024 + 512] = "";
	size_t		largest_len = 0;
	DIR		   *d;
	struct dirent *de;
	int			nfiles = 0;

	/*
	 * By default the samples sit beside the project: find the project from
	 * where this runs (its root, or test/unit as "make unit" runs it).
	 */
	if (root == NULL)
	{
		FILE	   *f = fopen("test/unit/test_fitbit_parse.c", "r");

		if (f != NULL)
			root = "../shared/data/fitbit-legacy-api";
		else if ((f = fopen("../../test/unit/test_fitbit_parse.c", "r")) != NULL)
			root = "../../../shared/data/fitbit-legacy-api";
		else
		{
			printf("skipping the shared sample files: the project directory was not found\n");
			return;
		}
		fclose(f);
	}
	snprintf(dir, sizeof(dir), "%s/korymath", root);
	d = opendir(dir);
	if (d == NULL)
	{
		printf("skipping the shared sample files: %s not found\n", dir);
		return;
	}
	while ((de = readdir(d)) != NULL)
	{
		size_t		n = strlen(de->d_name);

		if (n > 5 && strcmp(de->d_name + n - 5, ".json") == 0)
		{
			check_korymath_file(dir, de->d_name, largest, sizeof(largest),
								&largest_len);
			nfiles++;
		}
	}
	closedir(d);
	CHECK(nfiles > 0);
	printf("parsed %d korymath day files\n", nfiles);

	/* time the largest day, best of 10 */
	if (largest_len > 0)
	{
		size_t		len;
		char	   *buf = read_file(largest, &len);
		double		best = 1e9;
		int			i;

		for (i = 0; buf != NULL && i < 10; i++)
		{
			FitbitDoc	doc;
			FitbitError err;
			double		t0 = now_ms();
			double		t1;

			if (fitbit_parse(buf, len, NULL, &doc, &err) != FITBIT_OK)
				break;
			fitbit_doc_free(&doc);
			t1 = now_ms();
			if (t1 - t0 < best)
				best = t1 - t0;
		}
		printf("largest day %s (%zu bytes): best of 10 parses %.2f ms\n",
			   largest, len, best);
		free(buf);
	}

	/* the Fitbit.NET samples */
	{
		static const char *const names[] = {
			"fitbitnet_GetHeartRateIntradayTimeSeries.json",
			"fitbitnet_GetHeartRateIntradayTimeSeries1.1.json",
			"fitbitnet_GetHeartRateTimeSeries.json",
			"fitbitnet_SleepLogList.json",
			"fitbitnet_ApiError.json",
		};
		char	   *bufs[5];
		size_t		lens[5];
		FitbitDoc	doc;
		FitbitError err;
		int			i;

		for (i = 0; i < 5; i++)
		{
			char		path[1024];

			snprintf(path, sizeof(path), "%s/fitbit-net-samples/%s", root, names[i]);
			bufs[i] = read_file(path, &lens[i]);
		}
		if (bufs[0] != NULL && parse_ok_len(__LINE__, bufs[0], lens[0], names[0], &doc))
		{
			/* documented: 1-minute data, zones 1122/35/0/0, resting 59 */
			CHECK(doc.ndays == 1 && doc.nsamples == 1157);
			CHECK(doc.dataset_interval == 1 && strcmp(doc.dataset_type, "minute") == 0);
			CHECK(doc.days[0].zone_minutes[0] == 1122 && doc.days[0].zone_minutes[1] == 35 &&
				  doc.days[0].zone_minutes[2] == 0 && doc.days[0].zone_minutes[3] == 0);
			CHECK(doc.days[0].has_resting && doc.days[0].resting_hr == 59);
			CHECK(doc.t[0] == 0 && doc.t[1] == 60);
			fitbit_doc_free(&doc);
		}
		if (bufs[1] != NULL && parse_ok_len(__LINE__, bufs[1], lens[1], names[1], &doc))
		{
			/* the 1.1 form: zones beside dateTime, "value": "55.44" */
			CHECK(doc.ndays == 1 && doc.nsamples == 96);
			CHECK(doc.dataset_interval == 15 && strcmp(doc.dataset_type, "minute") == 0);
			CHECK(doc.days[0].zone_min[1] == 92 && doc.days[0].zone_max[3] == 220);
			CHECK(doc.days[0].zone_minutes[0] == 1387 && !doc.days[0].has_resting);
			CHECK(doc.t[95] == 23 * 3600 + 45 * 60);
			fitbit_doc_free(&doc);
		}
		if (bufs[2] != NULL && parse_ok_len(__LINE__, bufs[2], lens[2], names[2], &doc))
		{
			/* several days of summaries, no intraday */
			CHECK(doc.ndays == 7 && doc.nsamples == 0);
			CHECK(doc.days[0].date.day == 15 && doc.days[0].resting_hr == 51);
			fitbit_doc_free(&doc);
		}
		if (bufs[3] != NULL)
		{
			/* this sample has a // comment in it, at byte 2038 */
			expect_error_len(__LINE__, bufs[3], lens[3], names[3],
							 FITBIT_ERR_NOT_JSON, "$", "byte offset 2038");
		}
		if (bufs[4] != NULL)
		{
			CHECK(fitbit_parse(bufs[4], lens[4], names[4], &doc, &err) == FITBIT_ERR_SHAPE);
			CHECK(strstr(err.message, "api error") != NULL);
		}
		for (i = 0; i < 5; i++)
			free(bufs[i]);
	}
}

/* Run every test; the last line is the tally, the exit status its verdict. */
int
main(void)
{
	test_api_basic();
	test_api_zone_order();
	test_api_legacy_form();
	test_api_multi_day();
	test_api_day_errors();
	test_api_zone_errors();
	test_api_intraday_errors();
	test_api_chunks();
	test_export_heart_rate();
	test_export_chunks();
	test_export_zone_minutes();
	test_export_resting();
	test_export_detection();
	test_not_json();
	test_nesting();
	test_duplicates();
	test_messages();
	test_corruption();
	test_shared_data();

	return unit_report();
}
