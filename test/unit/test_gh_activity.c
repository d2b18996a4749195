/*-------------------------------------------------------------------------
 *
 * test_gh_activity.c
 *	  Unit tests for src/providers/gh_activity.c: the intervals and the
 *	  dailyRollUp windows of active-zone-minutes, active-minutes, distance,
 *	  floors, total-calories and sedentary-period.
 *
 * Build and run from the repository root (or: make unit):
 *
 *	  cc -std=gnu11 -Wall -Wextra -Werror -Isrc test/unit/test_gh_activity.c \
 *		  src/providers/gh_*.c src/providers/json_*.c -ljson-c && ./a.out
 *
 * The documents are shaped like the API's (discovery document revision
 * 20261002): int64 members are strings, durations "Ns".
 *
 * test/unit/test_gh_activity.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>

#include "providers/gh_parse.h"
#include "unit_test.h"

#define T_0530 INT64_C(1782883800)	/* 2026-07-01T05:30:00Z */

#define IV(start, end) "\"interval\":{\"startTime\":\"" start "\",\"startUtcOffset\":\"7200s\",\"endTime\":\"" end "\",\"endUtcOffset\":\"7200s\"}"
#define IV_MIN IV("2026-07-01T05:30:00Z", "2026-07-01T05:31:00Z")
#define PT(key, body) "{\"" key "\":{" IV_MIN body "}}"
#define PAGE(points) "{\"dataPoints\":[" points "]}"
#define ROLLUP(points) "{\"rollupDataPoints\":[" points "]}"
#define WIN(value) "{\"civilStartTime\":{\"date\":{\"year\":2026,\"month\":7,\"day\":1}},\"civilEndTime\":{\"date\":{\"year\":2026,\"month\":7,\"day\":2}}" value "}"

static GhErrorKind
parse(GhDataType type, const char *json, GhPage *page, GhError *err)
{
	return gh_parse_page(type, json, strlen(json), page, err);
}

static GhErrorKind
parse_rollup(GhDataType type, const char *json, GhPage *page, GhError *err)
{
	return gh_parse_daily_rollup(type, json, strlen(json), page, err);
}

/* A failed parse: kind at path with msg in the message, the page empty. */
static void
expect_error_impl(int line, bool rollup, GhDataType type, const char *json,
				  GhErrorKind kind, const char *path, const char *msg)
{
	GhPage		page;
	GhError		err;
	GhErrorKind rc;
	bool		ok;

	memset(&page, 0x5a, sizeof(page));
	rc = rollup ? parse_rollup(type, json, &page, &err) : parse(type, json, &page, &err);
	ok = rc == kind && err.kind == kind && strcmp(err.path, path) == 0 &&
		(msg == NULL || strstr(err.message, msg) != NULL) &&
		page.nintervals == 0 && page.intervals == NULL &&
		page.nactivity == 0 && page.activity == NULL;
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
	expect_error_impl(__LINE__, false, (type), (json), (kind), (path), (msg))
#define EXPECT_ROLLUP_ERR(type, json, kind, path, msg) \
	expect_error_impl(__LINE__, true, (type), (json), (kind), (path), (msg))

/* The table of types: methods and levels. */
static void
test_types(void)
{
	CHECK(gh_is_activity_type(GH_DISTANCE) && gh_is_activity_type(GH_SEDENTARY_PERIOD));
	CHECK(!gh_is_activity_type(GH_STEPS) && !gh_is_activity_type(GH_HEART_RATE));
	CHECK(gh_is_rollup_only(GH_TOTAL_CALORIES) && gh_is_rollup_only(GH_TIME_IN_HEART_RATE_ZONE));
	CHECK(!gh_is_rollup_only(GH_FLOORS));
	CHECK(gh_activity_levels(GH_ACTIVE_ZONE_MINUTES) == 3);
	CHECK(gh_activity_levels(GH_DISTANCE) == 1);
	CHECK(str_eq(gh_activity_level_name(GH_ACTIVE_ZONE_MINUTES, 0), "FAT_BURN"));
	CHECK(str_eq(gh_activity_level_name(GH_ACTIVE_MINUTES, 2), "VIGOROUS"));
	CHECK(str_eq(gh_activity_level_name(GH_FLOORS, 0), ""));
	CHECK(gh_activity_level_name(GH_FLOORS, 1) == NULL);
	CHECK(gh_activity_level_name(GH_STEPS, 0) == NULL);
	CHECK(gh_data_type_from_name("sedentary-period") == GH_SEDENTARY_PERIOD);
	CHECK(str_eq(gh_data_type_name(GH_TOTAL_CALORIES), "total-calories"));
}

/* Distance and floors: one int64 string, absent is 0. */
static void
test_counted(void)
{
	GhPage		page;
	GhError		err;

	CHECK(parse(GH_DISTANCE, PAGE(PT("distance", ",\"millimeters\":\"1234\"") ","
								  PT("distance", "")), &page, &err) == GH_OK);
	CHECK(page.nintervals == 2 && page.rollup == false);
	CHECK(page.intervals[0].start == T_0530 && page.intervals[0].end == T_0530 + 60);
	CHECK(page.intervals[0].start_utc_offset == 7200);
	CHECK(page.intervals[0].value[0] == 1234 && page.intervals[0].value[1] == -1);
	CHECK(page.intervals[1].value[0] == 0);
	gh_page_free(&page);

	/* reconcile: dataPointName, no dataSource */
	CHECK(parse(GH_FLOORS, "{\"dataPoints\":[{\"dataPointName\":\"x\",\"floors\":{" IV_MIN
				",\"count\":\"3\"}}],\"nextPageToken\":\"n\"}", &page, &err) == GH_OK);
	CHECK(page.nintervals == 1 && page.intervals[0].value[0] == 3);
	CHECK(str_eq(page.next_page_token, "n"));
	gh_page_free(&page);

	CHECK(parse(GH_DISTANCE, "{}", &page, &err) == GH_OK && page.nintervals == 0);
	gh_page_free(&page);

	EXPECT_ERR(GH_DISTANCE, PAGE(PT("distance", ",\"millimeters\":1234")),
			   GH_ERR_TYPE, "$.dataPoints[0].distance.millimeters", NULL);
	EXPECT_ERR(GH_DISTANCE, PAGE(PT("distance", ",\"millimeters\":\"-1\"")),
			   GH_ERR_RANGE, "$.dataPoints[0].distance.millimeters", NULL);
	EXPECT_ERR(GH_DISTANCE, PAGE(PT("distance", ",\"millimeters\":\"100000001\"")),
			   GH_ERR_RANGE, "$.dataPoints[0].distance.millimeters", NULL);
	EXPECT_ERR(GH_FLOORS, PAGE(PT("floors", ",\"count\":\"1e3\"")),
			   GH_ERR_TYPE, "$.dataPoints[0].floors.count", NULL);
	EXPECT_ERR(GH_FLOORS, PAGE("{\"distance\":{" IV_MIN "}}"),
			   GH_ERR_SHAPE, "$.dataPoints[0].floors", NULL);
	EXPECT_ERR(GH_DISTANCE, PAGE("{\"distance\":{\"millimeters\":\"1\"}}"),
			   GH_ERR_SHAPE, "$.dataPoints[0].distance.interval", NULL);
	EXPECT_ERR(GH_DISTANCE, PAGE("{\"distance\":{" IV("2026-07-01T05:31:00Z", "2026-07-01T05:30:00Z") "}}"),
			   GH_ERR_RANGE, "$.dataPoints[0].distance.interval.endTime", "before");
	EXPECT_ERR(GH_DISTANCE, PAGE("{\"distance\":{" IV("2026-07-01T05:30:00Z", "2026-07-09T05:30:00Z") "}}"),
			   GH_ERR_RANGE, "$.dataPoints[0].distance.interval", "longer");
	EXPECT_ERR(GH_DISTANCE, PAGE("[]"), GH_ERR_TYPE, "$.dataPoints[0]", NULL);
	EXPECT_ERR(GH_DISTANCE, ROLLUP(""), GH_ERR_SHAPE, "$", "rollupDataPoints");
}

/* Active zone minutes: the zone names the level; unknown zones are kept out. */
static void
test_azm(void)
{
	GhPage		page;
	GhError		err;

	CHECK(parse(GH_ACTIVE_ZONE_MINUTES, PAGE(
		PT("activeZoneMinutes", ",\"heartRateZone\":\"CARDIO\",\"activeZoneMinutes\":\"2\"") ","
		PT("activeZoneMinutes", ",\"heartRateZone\":\"FAT_BURN\",\"activeZoneMinutes\":\"1\"") ","
		PT("activeZoneMinutes", ",\"heartRateZone\":\"HEART_RATE_ZONE_UNSPECIFIED\",\"activeZoneMinutes\":\"1\"")),
				&page, &err) == GH_OK);
	CHECK(page.nintervals == 3);
	CHECK(page.intervals[0].value[0] == -1 && page.intervals[0].value[1] == 2 &&
		  page.intervals[0].value[2] == -1);
	CHECK(page.intervals[1].value[0] == 1 && page.intervals[1].value[1] == -1);
	CHECK(page.intervals[2].value[0] == -1 && page.intervals[2].value[1] == -1 &&
		  page.intervals[2].value[2] == -1);
	gh_page_free(&page);

	EXPECT_ERR(GH_ACTIVE_ZONE_MINUTES, PAGE(PT("activeZoneMinutes", ",\"activeZoneMinutes\":\"2\"")),
			   GH_ERR_SHAPE, "$.dataPoints[0].activeZoneMinutes.heartRateZone", NULL);
	EXPECT_ERR(GH_ACTIVE_ZONE_MINUTES, PAGE(PT("activeZoneMinutes", ",\"heartRateZone\":2")),
			   GH_ERR_TYPE, "$.dataPoints[0].activeZoneMinutes.heartRateZone", NULL);
	EXPECT_ERR(GH_ACTIVE_ZONE_MINUTES,
			   PAGE(PT("activeZoneMinutes", ",\"heartRateZone\":\"PEAK\",\"activeZoneMinutes\":\"3001\"")),
			   GH_ERR_RANGE, "$.dataPoints[0].activeZoneMinutes.activeZoneMinutes", NULL);
}

/* Active minutes: an array of levels. */
static void
test_active_minutes(void)
{
	GhPage		page;
	GhError		err;

	CHECK(parse(GH_ACTIVE_MINUTES, PAGE(
		PT("activeMinutes", ",\"activeMinutesByActivityLevel\":[{\"activityLevel\":\"VIGOROUS\",\"activeMinutes\":\"1\"}]") ","
		PT("activeMinutes", ",\"activeMinutesByActivityLevel\":[{\"activityLevel\":\"LIGHT\"},{\"activityLevel\":\"SOMETHING_NEW\",\"activeMinutes\":\"1\"}]") ","
		PT("activeMinutes", "")), &page, &err) == GH_OK);
	CHECK(page.nintervals == 3);
	CHECK(page.intervals[0].value[2] == 1 && page.intervals[0].value[0] == -1);
	CHECK(page.intervals[1].value[0] == 0 && page.intervals[1].value[1] == -1);
	CHECK(page.intervals[2].value[0] == -1 && page.intervals[2].value[2] == -1);
	gh_page_free(&page);

	EXPECT_ERR(GH_ACTIVE_MINUTES,
			   PAGE(PT("activeMinutes", ",\"activeMinutesByActivityLevel\":[{\"activityLevel\":\"LIGHT\",\"activeMinutes\":\"1\"},{\"activityLevel\":\"LIGHT\",\"activeMinutes\":\"1\"}]")),
			   GH_ERR_SHAPE, "$.dataPoints[0].activeMinutes.activeMinutesByActivityLevel[1].activityLevel",
			   "more than once");
	EXPECT_ERR(GH_ACTIVE_MINUTES,
			   PAGE(PT("activeMinutes", ",\"activeMinutesByActivityLevel\":{}")),
			   GH_ERR_TYPE, "$.dataPoints[0].activeMinutes.activeMinutesByActivityLevel", NULL);
	EXPECT_ERR(GH_ACTIVE_MINUTES,
			   PAGE(PT("activeMinutes", ",\"activeMinutesByActivityLevel\":[{\"activityLevel\":\"LIGHT\",\"activeMinutes\":1}]")),
			   GH_ERR_TYPE, "$.dataPoints[0].activeMinutes.activeMinutesByActivityLevel[0].activeMinutes", NULL);
	EXPECT_ERR(GH_ACTIVE_MINUTES,
			   PAGE(PT("activeMinutes", ",\"activeMinutesByActivityLevel\":[3]")),
			   GH_ERR_TYPE, "$.dataPoints[0].activeMinutes.activeMinutesByActivityLevel[0]", NULL);
}

/* Sedentary periods: the value is the length. */
static void
test_sedentary(void)
{
	GhPage		page;
	GhError		err;

	CHECK(parse(GH_SEDENTARY_PERIOD, PAGE("{\"sedentaryPeriod\":{" IV("2026-07-01T05:30:00Z", "2026-07-01T07:00:00Z") "}}"),
				&page, &err) == GH_OK);
	CHECK(page.nintervals == 1 && page.intervals[0].value[0] == 5400);
	gh_page_free(&page);
}

/* Roll-ups: every type's value member, absent windows and members. */
static void
test_rollups(void)
{
	GhPage		page;
	GhError		err;

	CHECK(parse(GH_TOTAL_CALORIES, ROLLUP(WIN(",\"totalCalories\":{\"kcalSum\":2345.678}") ","
										  WIN("") "," WIN(",\"totalCalories\":{}")),
				&page, &err) == GH_OK);
	CHECK(page.rollup && page.nactivity == 3 && page.nintervals == 0);
	CHECK(page.activity[0].has_value && page.activity[0].value[0] == 2345678);
	CHECK(page.activity[0].date.year == 2026 && page.activity[0].date.month == 7 &&
		  page.activity[0].date.day == 1);
	CHECK(!page.activity[1].has_value);
	CHECK(page.activity[2].has_value && page.activity[2].value[0] == 0);
	gh_page_free(&page);

	CHECK(parse_rollup(GH_DISTANCE, ROLLUP(WIN(",\"distance\":{\"millimetersSum\":\"8123456\"}")),
					   &page, &err) == GH_OK);
	CHECK(page.nactivity == 1 && page.activity[0].value[0] == 8123456);
	gh_page_free(&page);

	CHECK(parse_rollup(GH_ACTIVE_ZONE_MINUTES,
					   ROLLUP(WIN(",\"activeZoneMinutes\":{\"sumInFatBurnHeartZone\":\"12\",\"sumInPeakHeartZone\":\"4\"}")),
					   &page, &err) == GH_OK);
	CHECK(page.activity[0].value[0] == 12 && page.activity[0].value[1] == 0 &&
		  page.activity[0].value[2] == 4);
	gh_page_free(&page);

	CHECK(parse_rollup(GH_ACTIVE_MINUTES,
					   ROLLUP(WIN(",\"activeMinutes\":{\"activeMinutesRollupByActivityLevel\":[{\"activityLevel\":\"LIGHT\",\"activeMinutesSum\":\"200\"},{\"activityLevel\":\"MODERATE\"},{\"activityLevel\":\"VIGOROUS\",\"activeMinutesSum\":\"5\"}]}")),
					   &page, &err) == GH_OK);
	CHECK(page.activity[0].value[0] == 200 && page.activity[0].value[1] == 0 &&
		  page.activity[0].value[2] == 5);
	gh_page_free(&page);

	CHECK(parse_rollup(GH_SEDENTARY_PERIOD,
					   ROLLUP(WIN(",\"sedentaryPeriod\":{\"durationSum\":\"36000s\"}")),
					   &page, &err) == GH_OK);
	CHECK(page.activity[0].value[0] == 36000);
	gh_page_free(&page);

	CHECK(parse_rollup(GH_FLOORS, ROLLUP(WIN(",\"floors\":{\"countSum\":\"17\"}")),
					   &page, &err) == GH_OK);
	CHECK(page.activity[0].value[0] == 17);
	gh_page_free(&page);

	EXPECT_ERR(GH_TOTAL_CALORIES, ROLLUP(WIN(",\"totalCalories\":{\"kcalSum\":\"2345\"}")),
			   GH_ERR_TYPE, "$.rollupDataPoints[0].totalCalories.kcalSum", NULL);
	EXPECT_ERR(GH_TOTAL_CALORIES, ROLLUP(WIN(",\"totalCalories\":{\"kcalSum\":-1}")),
			   GH_ERR_RANGE, "$.rollupDataPoints[0].totalCalories.kcalSum", NULL);
	EXPECT_ERR(GH_TOTAL_CALORIES, ROLLUP("{\"totalCalories\":{}}"),
			   GH_ERR_SHAPE, "$.rollupDataPoints[0].civilStartTime", NULL);
	EXPECT_ERR(GH_TOTAL_CALORIES, PAGE(""), GH_ERR_SHAPE, "$", "dataPoints");
	EXPECT_ROLLUP_ERR(GH_SEDENTARY_PERIOD,
					  ROLLUP(WIN(",\"sedentaryPeriod\":{\"durationSum\":\"36000\"}")),
					  GH_ERR_TYPE, "$.rollupDataPoints[0].sedentaryPeriod.durationSum", NULL);
	EXPECT_ROLLUP_ERR(GH_ACTIVE_ZONE_MINUTES,
					  ROLLUP(WIN(",\"activeZoneMinutes\":{\"sumInCardioHeartZone\":\"3001\"}")),
					  GH_ERR_RANGE, "$.rollupDataPoints[0].activeZoneMinutes.sumInCardioHeartZone", NULL);
	EXPECT_ROLLUP_ERR(GH_ACTIVE_MINUTES,
					  ROLLUP(WIN(",\"activeMinutes\":{\"activeMinutesRollupByActivityLevel\":[{\"activeMinutesSum\":\"5\"}]}")),
					  GH_ERR_SHAPE, "$.rollupDataPoints[0].activeMinutes.activeMinutesRollupByActivityLevel[0].activityLevel", NULL);
	EXPECT_ROLLUP_ERR(GH_HEART_RATE, ROLLUP(""), GH_ERR_SHAPE, "$", "no dailyRollUp");
	EXPECT_ROLLUP_ERR(GH_DISTANCE, "[1]", GH_ERR_SHAPE, "$", NULL);
}

int
main(void)
{
	test_types();
	test_counted();
	test_azm();
	test_active_minutes();
	test_sedentary();
	test_rollups();
	return unit_report();
}
