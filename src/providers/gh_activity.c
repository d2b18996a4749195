/*-------------------------------------------------------------------------
 *
 * gh_activity.c
 *	  Read the activity data types of the Google Health API: active zone
 *	  minutes, active minutes, distance, floors, total calories and
 *	  sedentary periods, as list or reconcile intervals and as dailyRollUp
 *	  windows.
 *
 * These types share one record kind, the interval, and differ only in the
 * member that holds the value and in whether (and how) the value is split
 * by a level: active zone minutes carry one heart-rate zone per interval,
 * active minutes an array of activity levels.  So one table, activity_specs,
 * says per type which members to read, with their ranges, and two readers
 * follow it: one for intervals, one for roll-up windows.  Like gh_points.c,
 * every member used is checked for presence, type and range, with the JSON
 * path in the error, and unknown members are ignored.  Int64 members are
 * strings (proto3), so an absent one is 0.
 *
 * src/providers/gh_activity.c
 *
 *-------------------------------------------------------------------------
 */
#include "providers/gh_internal.h"

#include <string.h>

/* Ranges of one interval (the API sends one per minute) and of one day. */
#define ACTIVITY_INTERVAL_SECONDS_MAX (7 * 86400)
#define DISTANCE_MM_PER_INTERVAL_MAX INT64_C(100000000) /* 100 km */
#define FLOORS_PER_INTERVAL_MAX 10000
#define AZM_PER_INTERVAL_MAX (2 * 1500)
#define ACTIVE_MINUTES_PER_INTERVAL_MAX 1500
#define DAY_MINUTES_MAX 1500	/* a 25-hour day */
#define DAY_AZM_MAX (2 * DAY_MINUTES_MAX)
#define DAY_FLOORS_MAX 100000
#define DAY_SECONDS_MAX (2 * 86400)

/* How an interval holds its value. */
typedef enum IntervalValue
{
	IV_MEMBER,					/* one int64 member, level 0 */
	IV_ZONE,					/* an enum member names the level, an int64 the value */
	IV_LEVELS,					/* an array of {level, value} */
	IV_LENGTH					/* no value: the interval's length in seconds */
} IntervalValue;

/* How a roll-up window holds its value. */
typedef enum RollupValue
{
	RV_INT64,					/* one int64 member, level 0 */
	RV_FIELDS,					/* one int64 member per level */
	RV_LEVELS,					/* an array of {level, value} */
	RV_KCAL,					/* a double of kilocalories */
	RV_DURATION					/* a duration, in seconds */
} RollupValue;

typedef struct ActivitySpec
{
	GhDataType	type;
	const char *key;			/* JSON union key, e.g. "distance" */
	IntervalValue iv;
	const char *member;			/* value member of an interval */
	int64_t		max;			/* per interval */
	const char *level_key;		/* IV_ZONE, IV_LEVELS, RV_LEVELS: the enum member */
	const char *levels_array;	/* IV_LEVELS: the array member */
	RollupValue rv;
	const char *rollup_member;	/* the value (or array) of a window */
	const char *rollup_item;	/* RV_LEVELS: the value member of an item */
	int64_t		rollup_max;		/* per day and level */
	int			nlevels;
	const char *levels[GH_LEVELS];
	const char *rollup_fields[GH_LEVELS];	/* RV_FIELDS */
} ActivitySpec;

static const ActivitySpec activity_specs[] = {
	{GH_ACTIVE_ZONE_MINUTES, "activeZoneMinutes", IV_ZONE, "activeZoneMinutes",
		AZM_PER_INTERVAL_MAX, "heartRateZone", NULL,
		RV_FIELDS, "activeZoneMinutes", NULL, DAY_AZM_MAX,
		3, {"FAT_BURN", "CARDIO", "PEAK"},
	{"sumInFatBurnHeartZone", "sumInCardioHeartZone", "sumInPeakHeartZone"}},
	{GH_ACTIVE_MINUTES, "activeMinutes", IV_LEVELS, "activeMinutes",
		ACTIVE_MINUTES_PER_INTERVAL_MAX, "activityLevel", "activeMinutesByActivityLevel",
		RV_LEVELS, "activeMinutesRollupByActivityLevel", "activeMinutesSum", DAY_MINUTES_MAX,
	3, {"LIGHT", "MODERATE", "VIGOROUS"}, {NULL, NULL, NULL}},
	{GH_DISTANCE, "distance", IV_MEMBER, "millimeters", DISTANCE_MM_PER_INTERVAL_MAX,
		NULL, NULL, RV_INT64, "millimetersSum", NULL, (int64_t) DISTANCE_MM_MAX,
	1, {NULL, NULL, NULL}, {NULL, NULL, NULL}},
	{GH_FLOORS, "floors", IV_MEMBER, "count", FLOORS_PER_INTERVAL_MAX,
		NULL, NULL, RV_INT64, "countSum", NULL, DAY_FLOORS_MAX,
	1, {NULL, NULL, NULL}, {NULL, NULL, NULL}},
	{GH_TOTAL_CALORIES, "totalCalories", IV_MEMBER, NULL, 0,
		NULL, NULL, RV_KCAL, "kcalSum", NULL, 0,
	1, {NULL, NULL, NULL}, {NULL, NULL, NULL}},
	{GH_SEDENTARY_PERIOD, "sedentaryPeriod", IV_LENGTH, NULL, 0,
		NULL, NULL, RV_DURATION, "durationSum", NULL, DAY_SECONDS_MAX,
	1, {NULL, NULL, NULL}, {NULL, NULL, NULL}},
};

static const ActivitySpec *
spec_of(GhDataType type)
{
	size_t		i;

	for (i = 0; i < sizeof(activity_specs) / sizeof(activity_specs[0]); i++)
	{
		if (activity_specs[i].type == type)
			return &activity_specs[i];
	}
	return NULL;
}

/* Whether type is one of this file's. */
bool
gh_is_activity_type(GhDataType type)
{
	return spec_of(type) != NULL;
}

/* Types the API serves only as roll-ups (no list, no reconcile). */
bool
gh_is_rollup_only(GhDataType type)
{
	return type == GH_TIME_IN_HEART_RATE_ZONE || type == GH_TOTAL_CALORIES;
}

/* Number of levels the type's values are split by (1 for none). */
int
gh_activity_levels(GhDataType type)
{
	const ActivitySpec *sp = spec_of(type);

	return sp ? sp->nlevels : 0;
}

/* The API's name of a level ("FAT_BURN"), or "" for a type without levels. */
const char *
gh_activity_level_name(GhDataType type, int level)
{
	const ActivitySpec *sp = spec_of(type);

	if (sp == NULL || level < 0 || level >= sp->nlevels)
		return NULL;
	return sp->levels[level] ? sp->levels[level] : "";
}

/*
 * Read the levels of an interval's array member (active minutes): each
 * item names a level and its value; a level the module does not know is
 * skipped, one seen twice is a shape error.
 */
static JcKind
read_level_array(JsonCheck *jc, const ActivitySpec *sp, json_object *arr,
				 const JcPath *ap, const char *item_key, int64_t max,
				 int64_t *value)
{
	size_t		n = json_object_array_length(arr);
	size_t		i;
	JcKind		rc;

	for (i = 0; i < n; i++)
	{
		json_object *item = json_object_array_get_idx(arr, i);
		JcPath		ip = {ap, NULL, i};
		JcPath		lp = {&ip, sp->level_key, 0};
		json_object *name;
		int64_t		v = 0;
		int			k;

		rc = jc_element_name(jc, item, &ip, "level", sp->level_key,
							 sp->levels, sp->nlevels, &name, &k);
		if (rc != JC_OK)
			return rc;
		if (k < 0)
			continue;
		if (value[k] >= 0)
			return jc_fail(jc, JC_ERR_SHAPE, &lp, "level %s appears more than once",
						   sp->levels[k]);
		rc = gh_member_int64(jc, item, &ip, item_key, false, 0, max, &v);
		if (rc != JC_OK)
			return rc;
		value[k] = v;
	}
	return JC_OK;
}

/*
 * One interval of an activity type.  An interval whose level this module
 * does not know (HEART_RATE_ZONE_UNSPECIFIED, a later zone) keeps every
 * value at -1 and is left out by the writer.
 */
JcKind
gh_read_activity_interval(void *arg, json_object *elem, const JcPath *at,
						  size_t index)
{
	ParseCtx   *cx = arg;
	JsonCheck  *jc = &cx->jc;
	const ActivitySpec *sp = spec_of(cx->page->type);
	GhInterval *iv = &cx->page->intervals[index];
	JcPath		bp = {at, sp->key, 0};
	json_object *body;
	int64_t		v = 0;
	int			k;
	JcKind		rc;

	for (k = 0; k < GH_LEVELS; k++)
		iv->value[k] = -1;
	if ((rc = jc_check_object(jc, elem, at, "data point")) != JC_OK ||
		(rc = jc_member_object(jc, elem, at, sp->key, true, &body)) != JC_OK ||
		(rc = gh_read_interval(jc, body, &bp, &iv->start, &iv->end,
							   &iv->start_utc_offset)) != JC_OK)
		return rc;
	if (iv->end - iv->start > ACTIVITY_INTERVAL_SECONDS_MAX)
	{
		JcPath		ip = {&bp, "interval", 0};

		return jc_fail(jc, JC_ERR_RANGE, &ip,
					   "interval of %lld s is longer than %d s",
					   (long long) (iv->end - iv->start),
					   ACTIVITY_INTERVAL_SECONDS_MAX);
	}

	switch (sp->iv)
	{
		case IV_MEMBER:
			if ((rc = gh_member_int64(jc, body, &bp, sp->member, false, 0,
									  sp->max, &v)) != JC_OK)
				return rc;
			iv->value[0] = v;
			break;
		case IV_ZONE:
			{
				json_object *name;

				if ((rc = jc_element_name(jc, body, &bp, "interval", sp->level_key,
										  sp->levels, sp->nlevels, &name, &k)) != JC_OK ||
					(rc = gh_member_int64(jc, body, &bp, sp->member, false, 0,
										  sp->max, &v)) != JC_OK)
					return rc;
				if (k >= 0)
					iv->value[k] = v;
				break;
			}
		case IV_LEVELS:
			{
				JcPath		ap = {&bp, sp->levels_array, 0};
				json_object *arr;

				if ((rc = jc_member_array(jc, body, &bp, sp->levels_array, false,
										  &arr)) != JC_OK)
					return rc;
				if (arr != NULL &&
					(rc = read_level_array(jc, sp, arr, &ap, sp->member, sp->max,
										   iv->value)) != JC_OK)
					return rc;
				break;
			}
		case IV_LENGTH:
			iv->value[0] = iv->end - iv->start;
			break;
	}
	return JC_OK;
}

/*
 * For the fast readers of gh_fastpoints.c: the union key of an activity
 * type whose intervals carry one int64 member (*member, within 0..*max)
 * or no value at all (*member NULL: the value is the interval's length),
 * and the longest interval allowed.  False for the types of other shapes.
 */
bool
gh_activity_simple_interval(GhDataType type, const char **key,
							const char **member, int64_t *max,
							int64_t *max_seconds)
{
	const ActivitySpec *sp = spec_of(type);

	if (sp == NULL || (sp->iv != IV_MEMBER && sp->iv != IV_LENGTH) ||
		(sp->iv == IV_MEMBER && sp->member == NULL))
		return false;
	*key = sp->key;
	*member = sp->iv == IV_MEMBER ? sp->member : NULL;
	*max = sp->max;
	*max_seconds = ACTIVITY_INTERVAL_SECONDS_MAX;
	return true;
}

/*
 * One dailyRollUp window of an activity type.  A window without the type's
 * value (no data that day) keeps has_value false; inside a value, absent
 * members are 0, the proto3 default.
 */
JcKind
gh_read_activity_rollup(void *arg, json_object *elem, const JcPath *at,
						size_t index)
{
	ParseCtx   *cx = arg;
	JsonCheck  *jc = &cx->jc;
	const ActivitySpec *sp = spec_of(cx->page->type);
	GhActivityDay *day = &cx->page->activity[index];
	JcPath		cp = {at, "civilStartTime", 0};
	JcPath		vp = {at, sp->key, 0};
	json_object *civil;
	json_object *value;
	int			k;
	JcKind		rc;

	for (k = 0; k < GH_LEVELS; k++)
		day->value[k] = -1;
	if ((rc = jc_check_object(jc, elem, at, "rollup data point")) != JC_OK ||
		(rc = jc_member_object(jc, elem, at, "civilStartTime", true, &civil)) != JC_OK ||
		(rc = gh_member_date(jc, civil, &cp, "date", &day->date)) != JC_OK ||
		(rc = jc_member_object(jc, elem, at, sp->key, false, &value)) != JC_OK)
		return rc;
	if (value == NULL)
		return JC_OK;
	day->has_value = true;

	switch (sp->rv)
	{
		case RV_INT64:
			day->value[0] = 0;
			return gh_member_int64(jc, value, &vp, sp->rollup_member, false, 0,
								   sp->rollup_max, &day->value[0]);
		case RV_FIELDS:
			for (k = 0; k < sp->nlevels; k++)
			{
				day->value[k] = 0;
				rc = gh_member_int64(jc, value, &vp, sp->rollup_fields[k], false, 0,
									 sp->rollup_max, &day->value[k]);
				if (rc != JC_OK)
					return rc;
			}
			return JC_OK;
		case RV_LEVELS:
			{
				JcPath		ap = {&vp, sp->rollup_member, 0};
				json_object *arr;

				rc = jc_member_array(jc, value, &vp, sp->rollup_member, false, &arr);
				if (rc == JC_OK && arr != NULL)
					rc = read_level_array(jc, sp, arr, &ap, sp->rollup_item,
										  sp->rollup_max, day->value);
				/* levels the window leaves out had no minutes */
				for (k = 0; k < sp->nlevels; k++)
				{
					if (day->value[k] < 0)
						day->value[k] = 0;
				}
				return rc;
			}
		case RV_KCAL:
			{
				double		kcal = 0;

				rc = jc_member_number(jc, value, &vp, sp->rollup_member, false, 0,
									  CALORIES_MAX, &kcal);
				if (rc == JC_OK)
					day->value[0] = (int64_t) (kcal * 1000.0 + 0.5);
				return rc;
			}
		case RV_DURATION:
			day->value[0] = 0;
			return gh_member_duration(jc, value, &vp, sp->rollup_member, 0,
									  sp->rollup_max, false, &day->value[0]);
	}
	return JC_OK;
}
