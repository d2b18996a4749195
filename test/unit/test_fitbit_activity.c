/*-------------------------------------------------------------------------
 *
 * test_fitbit_activity.c
 *	  Unit tests for src/providers/fitbit_activity.c: the Fitbit export's
 *	  activity files and saved Web API active-zone-minutes responses.
 *
 * Build and run from the repository root (or: make unit):
 *
 *	  cc -std=gnu11 -Wall -Wextra -Werror -Isrc test/unit/test_fitbit_activity.c \
 *		  src/providers/fitbit_activity.c src/providers/json_*.c -ljson-c && ./a.out
 *
 * test/unit/test_fitbit_activity.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>

#include "providers/fitbit_parse.h"
#include "unit_test.h"

static FitbitErrorKind
parse(FitbitActivityKind kind, const char *s, FitbitActivity *a, FitbitError *err)
{
	return fitbit_activity_parse(kind, s, strlen(s), a, err);
}

/* A failed parse: kind, path and a piece of the message; nothing left. */
static void
expect_error_impl(int line, FitbitActivityKind kind, const char *s,
				  FitbitErrorKind want, const char *path, const char *msg)
{
	FitbitActivity a;
	FitbitError err;
	FitbitErrorKind rc = parse(kind, s, &a, &err);
	bool		ok = rc == want && err.kind == want && strcmp(err.path, path) == 0 &&
		(msg == NULL || strstr(err.message, msg) != NULL) &&
		a.nentries == 0 && a.entries == NULL;

	if (ok)
		npassed++;
	else
	{
		nfailed++;
		printf("FAIL line %d: expected %d at %s with \"%s\", got %d at %s: %s\n",
			   line, (int) want, path, msg ? msg : "", (int) rc, err.path, err.message);
	}
	fitbit_activity_free(&a);
}

#define EXPECT_ERR(kind, s, want, path, msg) \
	expect_error_impl(__LINE__, (kind), (s), (want), (path), (msg))

static void
test_kinds(void)
{
	CHECK(fitbit_activity_kind("distance-2025-03-26.json", NULL, 0) == FA_EXPORT_DISTANCE);
	CHECK(fitbit_activity_kind("calories-2025-03-26.json", NULL, 0) == FA_EXPORT_CALORIES);
	CHECK(fitbit_activity_kind("very_active_minutes-2025-03-26.json", NULL, 0) == FA_EXPORT_VERY);
	CHECK(fitbit_activity_kind("Active Zone Minutes - 2025-03-26.csv", NULL, 0) == FA_EXPORT_AZM_CSV);
	CHECK(fitbit_activity_kind("distance-2025-03-26.csv", NULL, 0) == FA_NONE);
	CHECK(fitbit_activity_kind("altitude-2025-03-26.json", NULL, 0) == FA_NONE);
	CHECK(fitbit_activity_kind("heart_rate-2025-03-26.json", "[]", 2) == FA_NONE);
	CHECK(fitbit_activity_kind(NULL, LIT("{\"activities-active-zone-minutes\":[]}")) == FA_API_AZM);
	CHECK(fitbit_activity_kind(NULL, LIT("{\"activities-heart\":[]}")) == FA_NONE);
	CHECK(str_eq(fitbit_activity_kind_name(FA_API_AZM), "fitbit_api_active_zone_minutes"));
}

static void
test_export(void)
{
	FitbitActivity a;
	FitbitError err;

	CHECK(parse(FA_EXPORT_DISTANCE, "[{\"dateTime\":\"03/26/25 07:01:00\",\"value\":\"1250\"},"
				"{\"dateTime\":\"03/26/25 07:02:00\",\"value\":\"8030.5\"}]", &a, &err) == FITBIT_OK);
	CHECK(a.nentries == 2 && a.entries[0].date.year == 2025 && a.entries[0].date.month == 3 &&
		  a.entries[0].date.day == 26 && a.entries[0].secs == 7 * 3600 + 60);
	CHECK(a.entries[0].value[0] == 12500 && a.entries[1].value[0] == 80305);
	fitbit_activity_free(&a);

	CHECK(parse(FA_EXPORT_CALORIES, "[{\"dateTime\":\"03/26/25 07:01:00\",\"value\":\"10.005\"}]",
				&a, &err) == FITBIT_OK);
	CHECK(a.entries[0].value[0] == 10005);
	fitbit_activity_free(&a);

	CHECK(parse(FA_EXPORT_SEDENTARY, "[{\"dateTime\":\"03/26/25 00:00:00\",\"value\":\"702\"}]",
				&a, &err) == FITBIT_OK);
	CHECK(a.entries[0].value[0] == 702 && a.entries[0].secs == -1);
	fitbit_activity_free(&a);

	CHECK(parse(FA_EXPORT_SEDENTARY, "[]", &a, &err) == FITBIT_OK && a.nentries == 0);
	fitbit_activity_free(&a);

	EXPECT_ERR(FA_EXPORT_DISTANCE, "[{\"dateTime\":\"03/26/25 07:01:00\",\"value\":1250}]",
			   FITBIT_ERR_TYPE, "$[0].value", NULL);
	EXPECT_ERR(FA_EXPORT_DISTANCE, "[{\"dateTime\":\"03/26/25 07:01:00\",\"value\":\"-1\"}]",
			   FITBIT_ERR_TYPE, "$[0].value", "non-negative");
	EXPECT_ERR(FA_EXPORT_DISTANCE, "[{\"dateTime\":\"03/26/25 07:01:00\",\"value\":\"1e3\"}]",
			   FITBIT_ERR_TYPE, "$[0].value", NULL);
	EXPECT_ERR(FA_EXPORT_DISTANCE, "[{\"dateTime\":\"03/26/25 07:01:00\",\"value\":\"1000001\"}]",
			   FITBIT_ERR_RANGE, "$[0].value", NULL);
	EXPECT_ERR(FA_EXPORT_LIGHTLY, "[{\"dateTime\":\"03/26/25 00:00:00\",\"value\":\"1501\"}]",
			   FITBIT_ERR_RANGE, "$[0].value", NULL);
	EXPECT_ERR(FA_EXPORT_DISTANCE, "[{\"dateTime\":\"02/30/25 07:01:00\",\"value\":\"1\"}]",
			   FITBIT_ERR_TIME, "$[0].dateTime", NULL);
	EXPECT_ERR(FA_EXPORT_DISTANCE, "[{\"dateTime\":\"03/26/25 24:01:00\",\"value\":\"1\"}]",
			   FITBIT_ERR_TIME, "$[0].dateTime", NULL);
	EXPECT_ERR(FA_EXPORT_DISTANCE, "[{\"value\":\"1\"}]", FITBIT_ERR_SHAPE, "$[0].dateTime", NULL);
	EXPECT_ERR(FA_EXPORT_DISTANCE, "[3]", FITBIT_ERR_TYPE, "$[0]", NULL);
	EXPECT_ERR(FA_EXPORT_DISTANCE, "{}", FITBIT_ERR_TYPE, "$", "not an array");
	EXPECT_ERR(FA_EXPORT_DISTANCE, "[", FITBIT_ERR_NOT_JSON, "$", NULL);
}

static void
test_api_azm(void)
{
	FitbitActivity a;
	FitbitError err;

	CHECK(parse(FA_API_AZM, "{\"activities-active-zone-minutes\":[{\"value\":{\"activeZoneMinutes\":10,"
				"\"fatBurnActiveZoneMinutes\":8,\"cardioActiveZoneMinutes\":2},\"dateTime\":\"2025-03-26\"},"
				"{\"value\":{},\"dateTime\":\"2025-03-27\"}]}", &a, &err) == FITBIT_OK);
	CHECK(a.nentries == 2 && a.entries[0].value[0] == 8 && a.entries[0].value[1] == 2 &&
		  a.entries[0].value[2] == 0 && a.entries[0].date.day == 26 && a.entries[0].secs == -1);
	CHECK(a.entries[1].value[0] == 0 && a.entries[1].value[1] == 0);
	fitbit_activity_free(&a);

	EXPECT_ERR(FA_API_AZM, "{\"activities-active-zone-minutes\":[{\"value\":{\"activeZoneMinutes\":11,"
			   "\"fatBurnActiveZoneMinutes\":8},\"dateTime\":\"2025-03-26\"}]}",
			   FITBIT_ERR_RANGE, "$[\"activities-active-zone-minutes\"][0].value.activeZoneMinutes", "sum");
	EXPECT_ERR(FA_API_AZM, "{\"activities-active-zone-minutes\":[{\"value\":{\"fatBurnActiveZoneMinutes\":\"8\"},"
			   "\"dateTime\":\"2025-03-26\"}]}",
			   FITBIT_ERR_TYPE, "$[\"activities-active-zone-minutes\"][0].value.fatBurnActiveZoneMinutes", NULL);
	EXPECT_ERR(FA_API_AZM, "{\"activities-active-zone-minutes\":[{\"value\":{},\"dateTime\":\"2025-13-01\"}]}",
			   FITBIT_ERR_TIME, "$[\"activities-active-zone-minutes\"][0].dateTime", NULL);
	EXPECT_ERR(FA_API_AZM, "{\"activities-active-zone-minutes\":[{\"dateTime\":\"2025-03-01\"}]}",
			   FITBIT_ERR_SHAPE, "$[\"activities-active-zone-minutes\"][0].value", NULL);
	EXPECT_ERR(FA_API_AZM, "[]", FITBIT_ERR_SHAPE, "$", NULL);
}

static void
test_csv(void)
{
	FitbitActivity a;
	FitbitError err;

	CHECK(parse(FA_EXPORT_AZM_CSV, "date_time,heart_zone_id,total_minutes\r\n"
				"2025-03-26T07:41,FAT_BURN,1\r\n2025-03-26T07:43,CARDIO,2\r\n\r\n", &a, &err) == FITBIT_OK);
	CHECK(a.nentries == 2 && a.entries[0].secs == 7 * 3600 + 41 * 60 &&
		  a.entries[0].value[0] == 1 && a.entries[0].value[1] == -1);
	CHECK(a.entries[1].value[1] == 2 && a.entries[1].value[0] == -1);
	fitbit_activity_free(&a);

	EXPECT_ERR(FA_EXPORT_AZM_CSV, "date,zone,minutes\n", FITBIT_ERR_SHAPE, "$", "line 1: the header");
	EXPECT_ERR(FA_EXPORT_AZM_CSV, "", FITBIT_ERR_SHAPE, "$", "empty");
	EXPECT_ERR(FA_EXPORT_AZM_CSV, "date_time,heart_zone_id,total_minutes\n2025-03-26T07:41,OUT_OF_ZONE,1\n",
			   FITBIT_ERR_SHAPE, "$", "line 2: heart_zone_id");
	EXPECT_ERR(FA_EXPORT_AZM_CSV, "date_time,heart_zone_id,total_minutes\n2025-03-26T07:41,PEAK,3\n",
			   FITBIT_ERR_RANGE, "$", "line 2: total_minutes");
	EXPECT_ERR(FA_EXPORT_AZM_CSV, "date_time,heart_zone_id,total_minutes\n2025-03-26 07:41,PEAK,2\n",
			   FITBIT_ERR_TIME, "$", "line 2: date_time");
	EXPECT_ERR(FA_EXPORT_AZM_CSV, "date_time,heart_zone_id,total_minutes\n2025-03-26T07:41,PEAK\n",
			   FITBIT_ERR_SHAPE, "$", "line 2: the line has not three fields");
}

int
main(void)
{
	test_kinds();
	test_export();
	test_api_azm();
	test_csv();
	return unit_report();
}
