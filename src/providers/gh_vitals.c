/*-------------------------------------------------------------------------
 *
 * gh_vitals.c
 *	  Read the points of the vitals and body data types of the Google Health
 *	  API: heart-rate variability, oxygen saturation, breathing rate, skin
 *	  temperature, weight, body fat and VO2 max, as samples and as daily
 *	  figures.
 *
 * These eleven types have the same two shapes: a sample ({sampleTime,
 * values...}) or a daily figure ({date, values...}), with at most four
 * numbers, one enum and one boolean worth keeping.  So they share one
 * reader driven by the table below instead of a reader each: a row names
 * the type's JSON key, its shape and, for each value, where it sits, how
 * the proto3 JSON mapping sends it (a double as a number, an int64 as a
 * string) and the range it must be in.  The ranges are those of the silver
 * tables (src/schema/health.sql), so that a point that passes here is one
 * the database accepts.
 *
 * src/providers/gh_vitals.c
 *
 *-------------------------------------------------------------------------
 */
#include "providers/gh_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Where one value of a point sits and what it may be. */
typedef struct VitalMember
{
	const char *object;			/* NULL: a member of the body; else of this
								 * object of the body */
	const char *key;
	bool		int64;			/* an int64 string, not a number */
	bool		required;
	double		lo;				/* inclusive */
	double		hi;
} VitalMember;

typedef struct VitalSpec
{
	GhDataType	type;
	const char *key;			/* the JSON union key of the point body */
	bool		daily;			/* {date} rather than {sampleTime} */
	VitalMember m[GH_VITAL_VALUES];
	const char *text_key;		/* an enum member kept as text, or NULL */
	const char *flag_key;		/* a boolean member, or NULL */
} VitalSpec;

/* Ranges, inside the silver tables' checks. */
#define HRV_MS_LO 0.1
#define HRV_MS_HI 999.0
#define BREATHS_LO 1.0
#define BREATHS_HI 99.0
#define TEMP_C_LO -10.0
#define TEMP_C_HI 50.0

static const VitalSpec vital_specs[] = {
	{GH_HEART_RATE_VARIABILITY, "heartRateVariability", false, {
			{NULL, "rootMeanSquareOfSuccessiveDifferencesMilliseconds", false, true,
			HRV_MS_LO, HRV_MS_HI},
			{NULL, "standardDeviationMilliseconds", false, false, HRV_MS_LO, HRV_MS_HI}},
	NULL, NULL},
	{GH_DAILY_HEART_RATE_VARIABILITY, "dailyHeartRateVariability", true, {
			{NULL, "averageHeartRateVariabilityMilliseconds", false, false,
			HRV_MS_LO, HRV_MS_HI},
			{NULL, "deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds", false,
			false, HRV_MS_LO, HRV_MS_HI},
			{NULL, "entropy", false, false, 0, 100},
			{NULL, "nonRemHeartRateBeatsPerMinute", true, false, GH_MIN_BPM, GH_MAX_BPM}},
	NULL, NULL},
	{GH_OXYGEN_SATURATION, "oxygenSaturation", false, {
			{NULL, "percentage", false, true, 50, 100}},
	NULL, NULL},
	{GH_DAILY_OXYGEN_SATURATION, "dailyOxygenSaturation", true, {
			{NULL, "averagePercentage", false, false, 50, 100},
			{NULL, "lowerBoundPercentage", false, false, 50, 100},
			{NULL, "upperBoundPercentage", false, false, 50, 100},
			{NULL, "standardDeviationPercentage", false, false, 0, 50}},
	NULL, NULL},
	{GH_DAILY_RESPIRATORY_RATE, "dailyRespiratoryRate", true, {
			{NULL, "breathsPerMinute", false, true, BREATHS_LO, BREATHS_HI}},
	NULL, NULL},
	{GH_RESPIRATORY_RATE_SLEEP_SUMMARY, "respiratoryRateSleepSummary", false, {
			{"fullSleepStats", "breathsPerMinute", false, true, BREATHS_LO, BREATHS_HI},
			{"deepSleepStats", "breathsPerMinute", false, false, BREATHS_LO, BREATHS_HI},
			{"lightSleepStats", "breathsPerMinute", false, false, BREATHS_LO, BREATHS_HI},
			{"remSleepStats", "breathsPerMinute", false, false, BREATHS_LO, BREATHS_HI}},
	NULL, NULL},
	{GH_DAILY_SLEEP_TEMPERATURE, "dailySleepTemperatureDerivations", true, {
			{NULL, "nightlyTemperatureCelsius", false, true, TEMP_C_LO, TEMP_C_HI},
			{NULL, "baselineTemperatureCelsius", false, false, TEMP_C_LO, TEMP_C_HI},
			{NULL, "relativeNightlyStddev30dCelsius", false, false, 0, 10}},
	NULL, NULL},
	{GH_WEIGHT, "weight", false, {
			{NULL, "weightGrams", false, true, 1, 699000}},
	NULL, NULL},
	{GH_BODY_FAT, "bodyFat", false, {
			{NULL, "percentage", false, true, 0.1, 99.9}},
	NULL, NULL},
	{GH_DAILY_VO2_MAX, "dailyVo2Max", true, {
			{NULL, "vo2Max", false, true, 1, 99}},
	"cardioFitnessLevel", "estimated"},
	{GH_VO2_MAX, "vo2Max", false, {
			{NULL, "vo2Max", false, true, 1, 99}},
	"measurementMethod", NULL},
};

static const VitalSpec *
vital_spec(GhDataType type)
{
	size_t		i;

	for (i = 0; i < sizeof(vital_specs) / sizeof(vital_specs[0]); i++)
	{
		if (vital_specs[i].type == type)
			return &vital_specs[i];
	}
	return NULL;
}

/* Is type one of the types this file reads? */
bool
gh_is_vital(GhDataType type)
{
	return vital_spec(type) != NULL;
}

/* Is type a daily figure ({date}) rather than a sample? */
bool
gh_vital_is_daily(GhDataType type)
{
	const VitalSpec *spec = vital_spec(type);

	return spec != NULL && spec->daily;
}

/* The member name of value i of type's points, or NULL (for tests and docs). */
const char *
gh_vital_member(GhDataType type, int i)
{
	const VitalSpec *spec = vital_spec(type);

	if (spec == NULL || i < 0 || i >= GH_VITAL_VALUES)
		return NULL;
	return spec->m[i].key;
}

/*
 * Read value m of body into *out; NaN when it is absent (or its object
 * is), which for a required value is a shape error.
 */
static JcKind
read_value(JsonCheck *jc, json_object *body, const JcPath *bp,
		   const VitalMember *m, double *out)
{
	JcPath		op = {bp, m->object, 0};
	const JcPath *at = bp;
	json_object *owner = body;
	JcKind		rc;

	*out = NAN;
	if (m->object != NULL)
	{
		rc = jc_member_object(jc, body, bp, m->object, m->required, &owner);
		if (rc != JC_OK || owner == NULL)
			return rc;
		at = &op;
	}
	if (m->int64)
	{
		int64_t		i = 0;
		json_object *v = NULL;
		bool		present = json_object_object_get_ex(owner, m->key, &v) &&
			v != NULL;

		rc = gh_member_int64(jc, owner, at, m->key, m->required,
							 (int64_t) m->lo, (int64_t) m->hi, &i);
		if (rc == JC_OK && present)
			*out = (double) i;
		return rc;
	}
	return jc_member_number(jc, owner, at, m->key, m->required, m->lo, m->hi,
							out);
}

/*
 * Whether the point's dataSource says it was entered by hand.  Reconcile
 * points carry no dataSource: they read as measured.
 */
static JcKind
read_manual(JsonCheck *jc, json_object *elem, const JcPath *at, bool *manual)
{
	JcPath		dp = {at, "dataSource", 0};
	json_object *ds;
	char	   *method = NULL;
	JcKind		rc;

	*manual = false;
	rc = jc_member_object(jc, elem, at, "dataSource", false, &ds);
	if (rc != JC_OK || ds == NULL)
		return rc;
	rc = jc_member_string(jc, ds, &dp, "recordingMethod", false, JC_STR_ENUM,
						  ENUM_LEN_MAX, &method);
	if (rc == JC_OK && method != NULL)
		*manual = strcmp(method, "MANUAL") == 0;
	free(method);
	return rc;
}

/*
 * One point of a vitals or body type, read as the table says.  The name
 * ("name" in list answers, "dataPointName" in reconcile answers) is kept
 * where there is one; only identifiable types have it.
 */
JcKind
gh_read_vital(void *arg, json_object *elem, const JcPath *at, size_t index)
{
	ParseCtx   *cx = arg;
	JsonCheck  *jc = &cx->jc;
	GhVital    *vt = &cx->page->vitals[index];
	const VitalSpec *spec = vital_spec(cx->page->type);
	JcPath		bp;
	json_object *body;
	int			i;
	JcKind		rc;

	for (i = 0; i < GH_VITAL_VALUES; i++)
		vt->v[i] = NAN;
	if (spec == NULL)
		return jc_fail(jc, JC_ERR_SHAPE, at, "not a vitals data type");
	bp.up = at;
	bp.key = spec->key;
	bp.index = 0;

	if ((rc = jc_check_object(jc, elem, at, "data point")) != JC_OK ||
		(rc = jc_member_object(jc, elem, at, spec->key, true, &body)) != JC_OK)
		return rc;
	if (spec->daily)
		rc = gh_member_date(jc, body, &bp, "date", &vt->date);
	else
	{
		JcPath		sp = {&bp, "sampleTime", 0};
		json_object *st;

		if ((rc = jc_member_object(jc, body, &bp, "sampleTime", true, &st)) == JC_OK &&
			(rc = gh_member_timestamp(jc, st, &sp, "physicalTime", true,
									  &vt->t)) == JC_OK)
			rc = gh_member_utc_offset(jc, st, &sp, "utcOffset", &vt->utc_offset);
	}
	if (rc != JC_OK)
		return rc;
	for (i = 0; i < GH_VITAL_VALUES && spec->m[i].key != NULL; i++)
	{
		if ((rc = read_value(jc, body, &bp, &spec->m[i], &vt->v[i])) != JC_OK)
			return rc;
	}
	if (spec->text_key != NULL &&
		(rc = jc_member_string(jc, body, &bp, spec->text_key, false,
							   JC_STR_ENUM, ENUM_LEN_MAX, &vt->text)) != JC_OK)
		return rc;
	if (spec->flag_key != NULL &&
		(rc = jc_member_bool(jc, body, &bp, spec->flag_key, &vt->flag)) != JC_OK)
		return rc;
	if ((rc = jc_member_string(jc, elem, at, "name", false, JC_STR_NAME,
							   NAME_LEN_MAX, &vt->id)) != JC_OK ||
		(vt->id == NULL &&
		 (rc = jc_member_string(jc, elem, at, "dataPointName", false,
								JC_STR_NAME, NAME_LEN_MAX, &vt->id)) != JC_OK))
		return rc;
	return read_manual(jc, elem, at, &vt->manual);
}
