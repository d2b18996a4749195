/*-------------------------------------------------------------------------
 *
 * test_gh_vitals.c
 *	  Unit tests of the vitals and body data types of the Google Health
 *	  parser (src/providers/gh_vitals.c): every type's points as the API
 *	  sends them in list and reconcile answers, absent optional values,
 *	  and the errors, each with its JSON path.
 *
 * test/unit/test_gh_vitals.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdint.h>

#include "providers/gh_parse.h"
#include "unit_test.h"

#define T_0659_55 INT64_C(1782889195)	/* 2026-07-01T06:59:55Z */

#define ST "\"sampleTime\":{\"physicalTime\":\"2026-07-01T06:59:55Z\",\"utcOffset\":\"7200s\"}"
#define DATE "\"date\":{\"year\":2026,\"month\":7,\"day\":1}"
#define PAGE(points) "{\"dataPoints\":[" points "]}"
#define P0 "$.dataPoints[0]"

static GhErrorKind
parse(GhDataType type, const char *json, GhPage *page, GhError *err)
{
	return gh_parse_page(type, json, strlen(json), page, err);
}

/* Parse json, which must fail with kind at path with msg in the message. */
static void
expect_error_impl(int line, GhDataType type, const char *json,
				  GhErrorKind kind, const char *path, const char *msg)
{
	GhPage		page;
	GhError		err;
	GhErrorKind rc;

	rc = parse(type, json, &page, &err);
	if (rc == kind && strcmp(err.path, path) == 0 &&
		strstr(err.message, msg) != NULL && page.nvitals == 0 &&
		page.vitals == NULL)
		npassed++;
	else
	{
		nfailed++;
		printf("FAIL line %d: expected kind %d at %s with \"%s\"\n"
			   "     got kind %d at %s: %s\n",
			   line, (int) kind, path, msg, (int) rc, err.path, err.message);
	}
	gh_page_free(&page);
}

#define EXPECT_ERR(type, json, kind, path, msg) \
	expect_error_impl(__LINE__, (type), (json), (kind), (path), (msg))

/* Parse a one-point page that must succeed; the caller frees the page. */
static const GhVital *
parse_one(GhDataType type, const char *json, GhPage *page)
{
	GhError		err;

	if (!CHECK(parse(type, json, page, &err) == GH_OK))
	{
		printf("     %s: %s\n", err.path, err.message);
		return NULL;
	}
	if (!CHECK(page->nvitals == 1))
		return NULL;
	return &page->vitals[0];
}

static bool
near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

/* The sample types: time, values, name, manual entry. */
static void
test_samples(void)
{
	GhPage		page;
	const GhVital *v;

	v = parse_one(GH_HEART_RATE_VARIABILITY,
				  PAGE("{\"dataSource\":{\"recordingMethod\":\"PASSIVELY_MEASURED\"},"
					   "\"heartRateVariability\":{" ST ","
					   "\"rootMeanSquareOfSuccessiveDifferencesMilliseconds\":41.5,"
					   "\"standardDeviationMilliseconds\":55}}"), &page);
	if (v)
	{
		CHECK(v->t == T_0659_55 && v->utc_offset == 7200);
		CHECK(near(v->v[0], 41.5) && near(v->v[1], 55) && isnan(v->v[2]));
		CHECK(!v->manual && v->id == NULL);
	}
	gh_page_free(&page);

	/* standardDeviation is optional */
	v = parse_one(GH_HEART_RATE_VARIABILITY,
				  PAGE("{\"heartRateVariability\":{" ST ","
					   "\"rootMeanSquareOfSuccessiveDifferencesMilliseconds\":41.5}}"), &page);
	if (v)
		CHECK(isnan(v->v[1]));
	gh_page_free(&page);

	v = parse_one(GH_OXYGEN_SATURATION,
				  PAGE("{\"oxygenSaturation\":{" ST ",\"percentage\":96.4}}"), &page);
	if (v)
		CHECK(near(v->v[0], 96.4));
	gh_page_free(&page);

	/* weight: a list point with its name, entered by hand */
	v = parse_one(GH_WEIGHT,
				  PAGE("{\"name\":\"users/1/dataTypes/weight/dataPoints/123\","
					   "\"dataSource\":{\"recordingMethod\":\"MANUAL\",\"platform\":\"FITBIT\"},"
					   "\"weight\":{" ST ",\"weightGrams\":72400.0}}"), &page);
	if (v)
	{
		CHECK(near(v->v[0], 72400) && v->manual);
		CHECK(str_eq(v->id, "users/1/dataTypes/weight/dataPoints/123"));
	}
	gh_page_free(&page);

	/* body-fat in reconcile form: dataPointName, no dataSource */
	v = parse_one(GH_BODY_FAT,
				  PAGE("{\"dataPointName\":\"users/1/dataTypes/body-fat/dataPoints/9\","
					   "\"bodyFat\":{" ST ",\"percentage\":21.3}}"), &page);
	if (v)
		CHECK(near(v->v[0], 21.3) && !v->manual &&
			  str_eq(v->id, "users/1/dataTypes/body-fat/dataPoints/9"));
	gh_page_free(&page);

	v = parse_one(GH_VO2_MAX,
				  PAGE("{\"vo2Max\":{" ST ",\"vo2Max\":44.1,\"measurementMethod\":\"FITBIT_RUN\"}}"),
				  &page);
	if (v)
		CHECK(near(v->v[0], 44.1) && str_eq(v->text, "FITBIT_RUN"));
	gh_page_free(&page);

	/* a nap: only the full sleep's stats */
	v = parse_one(GH_RESPIRATORY_RATE_SLEEP_SUMMARY,
				  PAGE("{\"respiratoryRateSleepSummary\":{" ST ","
					   "\"fullSleepStats\":{\"breathsPerMinute\":14.2,\"signalToNoise\":3.1,"
					   "\"standardDeviation\":0.8}}}"), &page);
	if (v)
		CHECK(near(v->v[0], 14.2) && isnan(v->v[1]) && isnan(v->v[2]) && isnan(v->v[3]));
	gh_page_free(&page);

	v = parse_one(GH_RESPIRATORY_RATE_SLEEP_SUMMARY,
				  PAGE("{\"respiratoryRateSleepSummary\":{" ST ","
					   "\"fullSleepStats\":{\"breathsPerMinute\":14.2},"
					   "\"deepSleepStats\":{\"breathsPerMinute\":13},"
					   "\"lightSleepStats\":{\"breathsPerMinute\":14.5},"
					   "\"remSleepStats\":{\"breathsPerMinute\":15.1}}}"), &page);
	if (v)
		CHECK(near(v->v[1], 13) && near(v->v[2], 14.5) && near(v->v[3], 15.1));
	gh_page_free(&page);
}

/* The daily types: dates, optional values, enum and boolean. */
static void
test_daily(void)
{
	GhPage		page;
	const GhVital *v;

	v = parse_one(GH_DAILY_HEART_RATE_VARIABILITY,
				  PAGE("{\"dailyHeartRateVariability\":{" DATE ","
					   "\"averageHeartRateVariabilityMilliseconds\":38.2,"
					   "\"nonRemHeartRateBeatsPerMinute\":\"54\",\"entropy\":2.4,"
					   "\"deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds\":45.1}}"),
				  &page);
	if (v)
	{
		CHECK(v->date.year == 2026 && v->date.month == 7 && v->date.day == 1);
		CHECK(near(v->v[0], 38.2) && near(v->v[1], 45.1) && near(v->v[2], 2.4) &&
			  near(v->v[3], 54));
	}
	gh_page_free(&page);

	v = parse_one(GH_DAILY_OXYGEN_SATURATION,
				  PAGE("{\"dailyOxygenSaturation\":{" DATE ",\"averagePercentage\":96.1,"
					   "\"lowerBoundPercentage\":92,\"upperBoundPercentage\":99.5}}"), &page);
	if (v)
		CHECK(near(v->v[0], 96.1) && near(v->v[1], 92) && near(v->v[2], 99.5) &&
			  isnan(v->v[3]));
	gh_page_free(&page);

	v = parse_one(GH_DAILY_RESPIRATORY_RATE,
				  PAGE("{\"dailyRespiratoryRate\":{" DATE ",\"breathsPerMinute\":15}}"), &page);
	if (v)
		CHECK(near(v->v[0], 15));
	gh_page_free(&page);

	/* the first nights have no baseline */
	v = parse_one(GH_DAILY_SLEEP_TEMPERATURE,
				  PAGE("{\"dailySleepTemperatureDerivations\":{" DATE ","
					   "\"nightlyTemperatureCelsius\":34.12}}"), &page);
	if (v)
		CHECK(near(v->v[0], 34.12) && isnan(v->v[1]) && isnan(v->v[2]));
	gh_page_free(&page);

	v = parse_one(GH_DAILY_VO2_MAX,
				  PAGE("{\"dailyVo2Max\":{" DATE ",\"vo2Max\":43.5,"
					   "\"cardioFitnessLevel\":\"GOOD\",\"estimated\":true,"
					   "\"vo2MaxCovariance\":7.5}}"), &page);
	if (v)
		CHECK(near(v->v[0], 43.5) && str_eq(v->text, "GOOD") && v->flag);
	gh_page_free(&page);

	/* an empty page */
	{
		GhError		err;

		CHECK(parse(GH_DAILY_VO2_MAX, "{}", &page, &err) == GH_OK && page.nvitals == 0);
	}
	gh_page_free(&page);
}

/* Every error names the member by its JSON path. */
static void
test_errors(void)
{
	EXPECT_ERR(GH_HEART_RATE_VARIABILITY,
			   PAGE("{\"heartRateVariability\":{" ST "}}"), GH_ERR_SHAPE,
			   P0 ".heartRateVariability.rootMeanSquareOfSuccessiveDifferencesMilliseconds",
			   "is missing");
	EXPECT_ERR(GH_HEART_RATE_VARIABILITY,
			   PAGE("{\"heartRateVariability\":{" ST ","
					"\"rootMeanSquareOfSuccessiveDifferencesMilliseconds\":\"41\"}}"),
			   GH_ERR_TYPE,
			   P0 ".heartRateVariability.rootMeanSquareOfSuccessiveDifferencesMilliseconds",
			   "");
	EXPECT_ERR(GH_OXYGEN_SATURATION,
			   PAGE("{\"oxygenSaturation\":{" ST ",\"percentage\":101}}"), GH_ERR_RANGE,
			   P0 ".oxygenSaturation.percentage", "");
	EXPECT_ERR(GH_OXYGEN_SATURATION,
			   PAGE("{\"oxygenSaturation\":{\"percentage\":96}}"), GH_ERR_SHAPE,
			   P0 ".oxygenSaturation.sampleTime", "sampleTime is missing");
	EXPECT_ERR(GH_OXYGEN_SATURATION,
			   PAGE("{\"oxygenSaturation\":{\"sampleTime\":{\"physicalTime\":\"2026-07-01\"},"
					"\"percentage\":96}}"), GH_ERR_TIME,
			   P0 ".oxygenSaturation.sampleTime.physicalTime", "rfc 3339");
	/* int64 members are strings, and in range */
	EXPECT_ERR(GH_DAILY_HEART_RATE_VARIABILITY,
			   PAGE("{\"dailyHeartRateVariability\":{" DATE ",\"nonRemHeartRateBeatsPerMinute\":54}}"),
			   GH_ERR_TYPE, P0 ".dailyHeartRateVariability.nonRemHeartRateBeatsPerMinute",
			   "is a json number, not an int64 string");
	EXPECT_ERR(GH_DAILY_HEART_RATE_VARIABILITY,
			   PAGE("{\"dailyHeartRateVariability\":{" DATE ",\"nonRemHeartRateBeatsPerMinute\":\"900\"}}"),
			   GH_ERR_RANGE, P0 ".dailyHeartRateVariability.nonRemHeartRateBeatsPerMinute",
			   "outside 20..250");
	EXPECT_ERR(GH_DAILY_RESPIRATORY_RATE,
			   PAGE("{\"dailyRespiratoryRate\":{\"date\":{\"year\":2026,\"month\":2,\"day\":30},"
					"\"breathsPerMinute\":15}}"),
			   GH_ERR_TIME, P0 ".dailyRespiratoryRate.date", "not a real calendar date");
	EXPECT_ERR(GH_DAILY_RESPIRATORY_RATE,
			   PAGE("{\"dailyRespiratoryRate\":{\"breathsPerMinute\":15}}"),
			   GH_ERR_SHAPE, P0 ".dailyRespiratoryRate.date", "date is missing");
	EXPECT_ERR(GH_RESPIRATORY_RATE_SLEEP_SUMMARY,
			   PAGE("{\"respiratoryRateSleepSummary\":{" ST "}}"),
			   GH_ERR_SHAPE, P0 ".respiratoryRateSleepSummary.fullSleepStats",
			   "fullSleepStats is missing");
	EXPECT_ERR(GH_RESPIRATORY_RATE_SLEEP_SUMMARY,
			   PAGE("{\"respiratoryRateSleepSummary\":{" ST ",\"fullSleepStats\":{\"breathsPerMinute\":14},"
					"\"remSleepStats\":{\"breathsPerMinute\":0.2}}}"),
			   GH_ERR_RANGE, P0 ".respiratoryRateSleepSummary.remSleepStats.breathsPerMinute", "");
	EXPECT_ERR(GH_WEIGHT,
			   PAGE("{\"weight\":{" ST ",\"weightGrams\":900000}}"),
			   GH_ERR_RANGE, P0 ".weight.weightGrams", "");
	EXPECT_ERR(GH_BODY_FAT,
			   PAGE("{\"bodyFat\":{" ST ",\"percentage\":0}}"),
			   GH_ERR_RANGE, P0 ".bodyFat.percentage", "");
	EXPECT_ERR(GH_DAILY_VO2_MAX,
			   PAGE("{\"dailyVo2Max\":{" DATE ",\"vo2Max\":43.5,\"estimated\":\"yes\"}}"),
			   GH_ERR_TYPE, P0 ".dailyVo2Max.estimated", "is not a boolean");
	EXPECT_ERR(GH_VO2_MAX,
			   PAGE("{\"vo2Max\":{" ST ",\"vo2Max\":43.5,\"measurementMethod\":\"FITBIT RUN\"}}"),
			   GH_ERR_RANGE, P0 ".vo2Max.measurementMethod", "is not an enum value name");
	EXPECT_ERR(GH_WEIGHT,
			   PAGE("{\"bodyFat\":{" ST ",\"percentage\":20}}"),
			   GH_ERR_SHAPE, P0 ".weight", "weight is missing");
	EXPECT_ERR(GH_WEIGHT,
			   PAGE("{\"dataSource\":{\"recordingMethod\":7},\"weight\":{" ST ",\"weightGrams\":70000}}"),
			   GH_ERR_TYPE, P0 ".dataSource.recordingMethod", "");
}

/* The names the table gives each value, and the kinds. */
static void
test_table(void)
{
	int			t;
	int			vitals = 0;

	for (t = 0; t < GH_DATA_TYPE_COUNT; t++)
	{
		if (!gh_is_vital((GhDataType) t))
			continue;
		vitals++;
		CHECK(gh_vital_member((GhDataType) t, 0) != NULL);
	}
	CHECK(vitals == 11);
	CHECK(!gh_is_vital(GH_HEART_RATE) && !gh_is_vital(GH_STEPS));
	CHECK(gh_vital_is_daily(GH_DAILY_VO2_MAX) && !gh_vital_is_daily(GH_VO2_MAX));
	CHECK(str_eq(gh_vital_member(GH_RESPIRATORY_RATE_SLEEP_SUMMARY, 3), "breathsPerMinute"));
	CHECK(gh_vital_member(GH_WEIGHT, 1) == NULL);
	CHECK(gh_vital_member(GH_HEART_RATE, 0) == NULL);
}

int
main(void)
{
	test_samples();
	test_daily();
	test_errors();
	test_table();
	return unit_report();
}
