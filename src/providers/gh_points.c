/*-------------------------------------------------------------------------
 *
 * gh_points.c
 *	  Read the data points of a Google Health page, one reader per data
 *	  type: heart-rate samples, daily resting heart rate, daily heart-rate
 *	  zones, time-in-zone roll-ups, exercise sessions, sleep sessions (with
 *	  their stage intervals and out-of-bed segments) and steps.
 *
 * gh_parse.c finds the page's point array and hands each element to the
 * reader of the page's type (gh_point_readers), which checks every member
 * it uses for presence, type and range (with gh_values.c and json_check.h)
 * and fills its slot of the GhPage.  Unknown members are ignored, so that
 * new API fields do not break a sync; the defaults of absent members are
 * explained at the top of gh_parse.c.
 *
 * src/providers/gh_points.c
 *
 *-------------------------------------------------------------------------
 */
#include "providers/gh_internal.h"

#include <stdlib.h>

/* JSON union keys of the point bodies, indexed by GhDataType. */
static const char *const type_keys[GH_DATA_TYPE_COUNT] = {
	"heartRate", "dailyRestingHeartRate", "dailyHeartRateZones",
	"timeInHeartRateZone", "exercise", "sleep", "steps",
	/* activity */
	"activeZoneMinutes", "activeMinutes", "distance", "floors",
	"totalCalories", "sedentaryPeriod",
	/* vitals and body: gh_vitals.c reads them, with keys of its own */
	"heartRateVariability", "dailyHeartRateVariability", "oxygenSaturation",
	"dailyOxygenSaturation", "dailyRespiratoryRate",
	"respiratoryRateSleepSummary", "dailySleepTemperatureDerivations",
	"weight", "bodyFat", "dailyVo2Max", "vo2Max"
};

/* HeartRateZoneType in Tracker's order; GhDaily and GhExercise use it. */
static const char *const zone_names[GH_ZONES] = {
	"LIGHT", "MODERATE", "VIGOROUS", "PEAK"
};

/* MetricsSummary.heartRateZoneDurations members, in the same order. */
static const char *const zone_duration_keys[GH_ZONES] = {
	"lightTime", "moderateTime", "vigorousTime", "peakTime"
};

/* ----------------------------------------------------------------------
 * Data points
 * ----------------------------------------------------------------------
 */

/*
 * Check that elem is an object and fetch its union member for the page's
 * data type (heartRate, steps, ...), which must be an object.
 */
static JcKind
point_body(ParseCtx *cx, json_object *elem, const JcPath *at,
		   json_object **body)
{
	JsonCheck  *jc = &cx->jc;
	const char *key = type_keys[cx->page->type];
	JcKind		rc;

	rc = jc_check_object(jc, elem, at, "data point");
	if (rc != JC_OK)
		return rc;
	return jc_member_object(jc, elem, at, key, true, body);
}

/*
 * Fetch the identifier of an identifiable point: "name" in list
 * responses, "dataPointName" in reconcile responses.
 */
static JcKind
point_name(JsonCheck *jc, json_object *elem, const JcPath *at, char **out)
{
	JcKind		rc;

	rc = jc_member_string(jc, elem, at, "name", false, JC_STR_NAME,
						  NAME_LEN_MAX, out);
	if (rc != JC_OK || *out != NULL)
		return rc;
	rc = jc_member_string(jc, elem, at, "dataPointName", false, JC_STR_NAME,
						  NAME_LEN_MAX, out);
	if (rc == JC_OK && *out == NULL)
	{
		JcPath		np = {at, "name", 0};

		return jc_fail(jc, JC_ERR_SHAPE, &np,
					   "name is missing, and so is dataPointName");
	}
	return rc;
}

/*
 * Read an ObservationTimeInterval or SessionTimeInterval: both times are
 * required and the end may not precede the start.  Either offset pointer
 * may be NULL when the caller has no place for it.
 */
static JcKind
read_interval(JsonCheck *jc, json_object *owner, const JcPath *at,
			  int64_t *start, int64_t *end, int *start_offset,
			  int *end_offset)
{
	JcPath		ip = {at, "interval", 0};
	json_object *iv;
	int			ignored = 0;
	JcKind		rc;

	if ((rc = jc_member_object(jc, owner, at, "interval", true, &iv)) != JC_OK ||
		(rc = gh_member_timestamp(jc, iv, &ip, "startTime", true, start)) != JC_OK ||
		(rc = gh_member_timestamp(jc, iv, &ip, "endTime", true, end)) != JC_OK ||
		(rc = gh_member_utc_offset(jc, iv, &ip, "startUtcOffset",
								   start_offset ? start_offset : &ignored)) != JC_OK ||
		(rc = gh_member_utc_offset(jc, iv, &ip, "endUtcOffset",
								   end_offset ? end_offset : &ignored)) != JC_OK)
		return rc;
	if (*end < *start)
	{
		JcPath		ep = {&ip, "endTime", 0};
		json_object *sv = NULL;
		json_object *ev = NULL;
		char		sd[JC_DESC_SIZE];
		char		ed[JC_DESC_SIZE];

		json_object_object_get_ex(iv, "startTime", &sv);
		json_object_object_get_ex(iv, "endTime", &ev);
		return jc_fail(jc, JC_ERR_RANGE, &ep,
					   "endTime %s is before startTime %s",
					   jc_describe(jc, ev, ed, sizeof(ed)),
					   jc_describe(jc, sv, sd, sizeof(sd)));
	}
	return JC_OK;
}

/*
 * One heart-rate sample.  This is the hot path (up to 10,000 per page):
 * no allocation, timestamps and integers parsed by hand.
 */
static JcKind
read_heart_rate(void *arg, json_object *elem, const JcPath *at,
				size_t index)
{
	ParseCtx   *cx = arg;
	JsonCheck  *jc = &cx->jc;
	GhPage	   *page = cx->page;
	JcPath		hp = {at, "heartRate", 0};
	JcPath		sp = {&hp, "sampleTime", 0};
	json_object *hr;
	json_object *st;
	int64_t		t = 0;
	int64_t		bpm = 0;
	int			offset = 0;
	JcKind		rc;

	if ((rc = point_body(cx, elem, at, &hr)) != JC_OK ||
		(rc = jc_member_object(jc, hr, &hp, "sampleTime", true, &st)) != JC_OK ||
		(rc = gh_member_timestamp(jc, st, &sp, "physicalTime", true, &t)) != JC_OK ||
		(rc = gh_member_utc_offset(jc, st, &sp, "utcOffset", &offset)) != JC_OK ||
		(rc = gh_member_int64(jc, hr, &hp, "beatsPerMinute", true, GH_MIN_BPM,
							  GH_MAX_BPM, &bpm)) != JC_OK)
		return rc;
	page->t[index] = t;
	page->bpm[index] = (int16_t) bpm;
	page->utc_offset[index] = offset;
	return JC_OK;
}

/* One daily-resting-heart-rate point. */
static JcKind
read_resting(void *arg, json_object *elem, const JcPath *at,
			 size_t index)
{
	ParseCtx   *cx = arg;
	JsonCheck  *jc = &cx->jc;
	GhDaily    *day = &cx->page->daily[index];
	JcPath		bp = {at, "dailyRestingHeartRate", 0};
	json_object *body;
	int64_t		bpm = 0;
	JcKind		rc;

	if ((rc = point_body(cx, elem, at, &body)) != JC_OK ||
		(rc = gh_member_date(jc, body, &bp, "date", &day->date)) != JC_OK ||
		(rc = gh_member_int64(jc, body, &bp, "beatsPerMinute", true, GH_MIN_BPM,
							  GH_MAX_BPM, &bpm)) != JC_OK)
		return rc;
	day->has_resting = true;
	day->resting_bpm = (int) bpm;
	return JC_OK;
}

/*
 * One daily-heart-rate-zones point: each of the four zone types exactly
 * once, in any order, stored in Tracker's order.  A zone type this module
 * does not know (a later API revision, or HEART_RATE_ZONE_TYPE_UNSPECIFIED)
 * is skipped rather than failing the sync.
 */
static JcKind
read_zones(void *arg, json_object *elem, const JcPath *at, size_t index)
{
	ParseCtx   *cx = arg;
	JsonCheck  *jc = &cx->jc;
	GhDaily    *day = &cx->page->daily[index];
	JcPath		bp = {at, "dailyHeartRateZones", 0};
	JcPath		zsp = {&bp, "heartRateZones", 0};
	bool		seen[GH_ZONES] = {false, false, false, false};
	json_object *body;
	json_object *zones;
	size_t		n;
	size_t		i;
	int			k;
	JcKind		rc;

	if ((rc = point_body(cx, elem, at, &body)) != JC_OK ||
		(rc = gh_member_date(jc, body, &bp, "date", &day->date)) != JC_OK ||
		(rc = jc_member_array(jc, body, &bp, "heartRateZones", true, &zones)) != JC_OK)
		return rc;
	n = json_object_array_length(zones);
	for (i = 0; i < n; i++)
	{
		json_object *z = json_object_array_get_idx(zones, i);
		JcPath		zp = {&zsp, NULL, i};
		JcPath		tp = {&zp, "heartRateZoneType", 0};
		json_object *type;
		int64_t		lo = 0;
		int64_t		hi = 0;

		rc = jc_element_name(jc, z, &zp, "zone", "heartRateZoneType",
							 zone_names, GH_ZONES, &type, &k);
		if (rc != JC_OK)
			return rc;
		if (k < 0)
			continue;
		if (seen[k])
			return jc_fail(jc, JC_ERR_SHAPE, &tp,
						   "zone type %s appears more than once", zone_names[k]);
		seen[k] = true;
		if ((rc = gh_member_int64(jc, z, &zp, "minBeatsPerMinute", false, 0,
								  ZONE_BPM_MAX, &lo)) != JC_OK ||
			(rc = gh_member_int64(jc, z, &zp, "maxBeatsPerMinute", true, 0,
								  ZONE_BPM_MAX, &hi)) != JC_OK)
			return rc;
		if (lo > hi)
			return jc_fail(jc, JC_ERR_RANGE, &zp,
						   "zone %s minBeatsPerMinute %lld is above maxBeatsPerMinute %lld",
						   zone_names[k], (long long) lo, (long long) hi);
		day->zone_min[k] = (int) lo;
		day->zone_max[k] = (int) hi;
	}
	for (k = 0; k < GH_ZONES; k++)
	{
		if (!seen[k])
			return jc_fail(jc, JC_ERR_SHAPE, &zsp, "zone type %s is missing",
						   zone_names[k]);
	}
	day->has_zones = true;
	return JC_OK;
}

/*
 * One dailyRollUp window of time-in-heart-rate-zone.  A window without a
 * timeInHeartRateZone value (no data that day) keeps has_zone_seconds
 * false; zones absent from the value had no time in them.
 */
static JcKind
read_zone_rollup(void *arg, json_object *elem, const JcPath *at,
				 size_t index)
{
	ParseCtx   *cx = arg;
	JsonCheck  *jc = &cx->jc;
	GhDaily    *day = &cx->page->daily[index];
	JcPath		cp = {at, "civilStartTime", 0};
	JcPath		vp = {at, "timeInHeartRateZone", 0};
	JcPath		zsp = {&vp, "timeInHeartRateZones", 0};
	bool		seen[GH_ZONES] = {false, false, false, false};
	json_object *civil;
	json_object *value;
	json_object *zones;
	size_t		n;
	size_t		i;
	JcKind		rc;

	if ((rc = jc_check_object(jc, elem, at, "rollup data point")) != JC_OK ||
		(rc = jc_member_object(jc, elem, at, "civilStartTime", true, &civil)) != JC_OK ||
		(rc = gh_member_date(jc, civil, &cp, "date", &day->date)) != JC_OK ||
		(rc = jc_member_object(jc, elem, at, "timeInHeartRateZone", false, &value)) != JC_OK)
		return rc;
	if (value == NULL)
		return JC_OK;
	rc = jc_member_array(jc, value, &vp, "timeInHeartRateZones", false, &zones);
	if (rc != JC_OK)
		return rc;
	n = zones != NULL ? json_object_array_length(zones) : 0;
	for (i = 0; i < n; i++)
	{
		json_object *z = json_object_array_get_idx(zones, i);
		JcPath		zp = {&zsp, NULL, i};
		JcPath		tp = {&zp, "heartRateZone", 0};
		json_object *type;
		int64_t		secs = 0;
		int			k;

		rc = jc_element_name(jc, z, &zp, "zone", "heartRateZone",
							 zone_names, GH_ZONES, &type, &k);
		if (rc != JC_OK)
			return rc;
		if (k < 0)
			continue;
		if (seen[k])
			return jc_fail(jc, JC_ERR_SHAPE, &tp,
						   "zone %s appears more than once", zone_names[k]);
		seen[k] = true;
		rc = gh_member_duration(jc, z, &zp, "duration", 0,
								ROLLUP_ZONE_SECONDS_MAX, false, &secs);
		if (rc != JC_OK)
			return rc;
		day->zone_seconds[k] = secs;
	}
	day->has_zone_seconds = true;
	return JC_OK;
}

/* Exercise metricsSummary; every figure stays -1 unless present. */
static JcKind
read_metrics(JsonCheck *jc, json_object *ms, const JcPath *mp,
			 GhExercise *ex)
{
	JcPath		zp = {mp, "heartRateZoneDurations", 0};
	json_object *zones;
	double		distance_mm = -1;
	int64_t		avg_hr = -1;
	int			k;
	JcKind		rc;

	if ((rc = jc_member_number(jc, ms, mp, "caloriesKcal", false, 0,
							   CALORIES_MAX, &ex->calories_kcal)) != JC_OK ||
		(rc = jc_member_number(jc, ms, mp, "distanceMillimeters", false, 0,
							   DISTANCE_MM_MAX, &distance_mm)) != JC_OK ||
		(rc = gh_member_int64(jc, ms, mp, "steps", false, 0, EXERCISE_STEPS_MAX,
							  &ex->steps)) != JC_OK ||
		(rc = gh_member_int64(jc, ms, mp, "averageHeartRateBeatsPerMinute", false,
							  GH_MIN_BPM, GH_MAX_BPM, &avg_hr)) != JC_OK ||
		(rc = jc_member_object(jc, ms, mp, "heartRateZoneDurations", false,
							   &zones)) != JC_OK)
		return rc;
	if (distance_mm >= 0)
		ex->distance_m = distance_mm / 1000.0;
	ex->avg_heart_rate = (int) avg_hr;
	if (zones == NULL)
		return JC_OK;
	for (k = 0; k < GH_ZONES; k++)
	{
		rc = gh_member_duration(jc, zones, &zp, zone_duration_keys[k], 0,
								SESSION_SECONDS_MAX, false, &ex->zone_seconds[k]);
		if (rc != JC_OK)
			return rc;
	}
	return JC_OK;
}

/* One exercise session. */
static JcKind
read_exercise(void *arg, json_object *elem, const JcPath *at,
			  size_t index)
{
	ParseCtx   *cx = arg;
	JsonCheck  *jc = &cx->jc;
	GhExercise *ex = &cx->page->exercise[index];
	JcPath		bp = {at, "exercise", 0};
	JcPath		mp = {&bp, "metricsSummary", 0};
	JcPath		tp = {&bp, "exerciseType", 0};
	json_object *body;
	json_object *ms;
	int			k;
	JcKind		rc;

	ex->active_seconds = -1;
	ex->distance_m = -1;
	ex->calories_kcal = -1;
	ex->steps = -1;
	ex->avg_heart_rate = -1;
	for (k = 0; k < GH_ZONES; k++)
		ex->zone_seconds[k] = -1;
	ex->update_time = -1;

	if ((rc = point_body(cx, elem, at, &body)) != JC_OK ||
		(rc = point_name(jc, elem, at, &ex->id)) != JC_OK ||
		(rc = jc_member_string(jc, body, &bp, "exerciseType", false,
							   JC_STR_ENUM, ENUM_LEN_MAX,
							   &ex->exercise_type)) != JC_OK ||
		(ex->exercise_type == NULL &&
		 (rc = gh_dup_literal(jc, &tp, "EXERCISE_TYPE_UNSPECIFIED",
							  &ex->exercise_type)) != JC_OK) ||
		(rc = jc_member_string(jc, body, &bp, "displayName", false,
							   JC_STR_TEXT, TEXT_LEN_MAX,
							   &ex->display_name)) != JC_OK ||
		(rc = read_interval(jc, body, &bp, &ex->start, &ex->end,
							&ex->start_utc_offset, NULL)) != JC_OK ||
		(rc = gh_member_duration(jc, body, &bp, "activeDuration", 0,
								 SESSION_SECONDS_MAX, false,
								 &ex->active_seconds)) != JC_OK ||
		(rc = gh_member_timestamp(jc, body, &bp, "updateTime", false,
								  &ex->update_time)) != JC_OK ||
		(rc = jc_member_object(jc, body, &bp, "metricsSummary", false, &ms)) != JC_OK)
		return rc;
	if (ms != NULL)
		return read_metrics(jc, ms, &mp, ex);
	return JC_OK;
}

/*
 * Sleep summary: within a summary, absent minutes are 0 (the proto3
 * default), since the API computes them for every finished sleep.
 */
static JcKind
read_sleep_summary(JsonCheck *jc, json_object *sm, const JcPath *smp,
				   GhSleep *sl)
{
	JcPath		ssp = {smp, "stagesSummary", 0};
	json_object *stages;
	size_t		n;
	size_t		i;
	JcKind		rc;

	sl->minutes_asleep = 0;
	sl->minutes_awake = 0;
	sl->minutes_in_period = 0;
	if ((rc = gh_member_int64(jc, sm, smp, "minutesAsleep", false, 0,
							  SLEEP_MINUTES_MAX, &sl->minutes_asleep)) != JC_OK ||
		(rc = gh_member_int64(jc, sm, smp, "minutesAwake", false, 0,
							  SLEEP_MINUTES_MAX, &sl->minutes_awake)) != JC_OK ||
		(rc = gh_member_int64(jc, sm, smp, "minutesInSleepPeriod", false, 0,
							  SLEEP_MINUTES_MAX, &sl->minutes_in_period)) != JC_OK ||
		(rc = jc_member_array(jc, sm, smp, "stagesSummary", false, &stages)) != JC_OK)
		return rc;
	n = stages != NULL ? json_object_array_length(stages) : 0;
	if (n == 0)
		return JC_OK;
	sl->stages = calloc(n, sizeof(GhSleepStage));
	if (sl->stages == NULL)
		return jc_fail_nomem(jc, &ssp);
	sl->nstages = n;
	for (i = 0; i < n; i++)
	{
		json_object *st = json_object_array_get_idx(stages, i);
		JcPath		sp = {&ssp, NULL, i};
		GhSleepStage *stage = &sl->stages[i];

		stage->minutes = 0;
		if ((rc = jc_check_object(jc, st, &sp, "stage summary")) != JC_OK ||
			(rc = jc_member_string(jc, st, &sp, "type", true, JC_STR_ENUM,
								   ENUM_LEN_MAX, &stage->type)) != JC_OK ||
			(rc = gh_member_int64(jc, st, &sp, "minutes", false, 0,
								  SLEEP_MINUTES_MAX, &stage->minutes)) != JC_OK)
			return rc;
	}
	return JC_OK;
}

/* Stage types of sleep.stages[] kept in silver.sleep_stage. */
const char *const gh_sleep_stage_names[GH_SLEEP_STAGE_TYPES] = {
	"AWAKE", "LIGHT", "DEEP", "REM", "ASLEEP", "RESTLESS"
};

static int
span_cmp(const void *a, const void *b)
{
	const GhSleepSpan *x = a;
	const GhSleepSpan *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->index < y->index ? -1 : (x->index > y->index ? 1 : 0);
}

/*
 * Read the spans of a session: stages[] (with_type) or outOfBedSegments[].
 * Each needs startTime and endTime, its end after its start, inside the
 * session's interval; sorted by start they may not overlap.  A stage of a
 * type this module does not know (STAGE_TYPE_UNSPECIFIED, a later API
 * revision) is skipped rather than failing the sync.  Paths in messages
 * are those of the JSON array, whatever the order of its elements.
 */
static JcKind
read_sleep_spans(JsonCheck *jc, json_object *body, const JcPath *bp,
				 const char *key, bool with_type, const GhSleep *sl,
				 GhSleepSpan **out, size_t *nout)
{
	JcPath		ap = {bp, key, 0};
	json_object *arr;
	GhSleepSpan *spans;
	size_t		n;
	size_t		m = 0;
	size_t		i;
	JcKind		rc;

	*out = NULL;
	*nout = 0;
	if ((rc = jc_member_array(jc, body, bp, key, false, &arr)) != JC_OK)
		return rc;
	n = arr != NULL ? json_object_array_length(arr) : 0;
	if (n == 0)
		return JC_OK;
	spans = calloc(n, sizeof(GhSleepSpan));
	if (spans == NULL)
		return jc_fail_nomem(jc, &ap);
	*out = spans;
	for (i = 0; i < n; i++)
	{
		json_object *el = json_object_array_get_idx(arr, i);
		JcPath		ep = {&ap, NULL, i};
		JcPath		endp = {&ep, "endTime", 0};
		GhSleepSpan *sp = &spans[m];
		int			k = 0;
		int			ignored = 0;

		if (with_type)
		{
			json_object *tv;

			rc = jc_element_name(jc, el, &ep, "stage", "type",
								 gh_sleep_stage_names, GH_SLEEP_STAGE_TYPES,
								 &tv, &k);
		}
		else
			rc = jc_check_object(jc, el, &ep, "out-of-bed segment");
		if (rc != JC_OK ||
			(rc = gh_member_timestamp(jc, el, &ep, "startTime", true, &sp->start)) != JC_OK ||
			(rc = gh_member_timestamp(jc, el, &ep, "endTime", true, &sp->end)) != JC_OK ||
			(rc = gh_member_utc_offset(jc, el, &ep, "startUtcOffset", &ignored)) != JC_OK ||
			(rc = gh_member_utc_offset(jc, el, &ep, "endUtcOffset", &ignored)) != JC_OK)
			return rc;
		if (sp->end <= sp->start)
			return jc_fail(jc, JC_ERR_RANGE, &endp,
						   "endTime is not after startTime");
		if (sp->start < sl->start || sp->end > sl->end)
			return jc_fail(jc, JC_ERR_RANGE, &ep,
						   "%s lies outside the session's interval",
						   with_type ? "stage" : "out-of-bed segment");
		if (k < 0)
			continue;
		sp->type = with_type ? gh_sleep_stage_names[k] : NULL;
		sp->index = i;
		m++;
	}
	qsort(spans, m, sizeof(GhSleepSpan), span_cmp);
	for (i = 1; i < m; i++)
	{
		if (spans[i].start < spans[i - 1].end)
		{
			JcPath		ep = {&ap, NULL, spans[i].index};
			JcPath		sp = {&ep, "startTime", 0};

			return jc_fail(jc, JC_ERR_RANGE, &sp,
						   "startTime is before the end of %s[%zu]", key,
						   spans[i - 1].index);
		}
	}
	*nout = m;
	return JC_OK;
}

/* One sleep session. */
static JcKind
read_sleep(void *arg, json_object *elem, const JcPath *at, size_t index)
{
	ParseCtx   *cx = arg;
	JsonCheck  *jc = &cx->jc;
	GhSleep    *sl = &cx->page->sleep[index];
	JcPath		bp = {at, "sleep", 0};
	JcPath		tp = {&bp, "type", 0};
	JcPath		mdp = {&bp, "metadata", 0};
	JcPath		smp = {&bp, "summary", 0};
	json_object *body;
	json_object *md;
	json_object *sm;
	json_object *iv = NULL;
	json_object *ov = NULL;
	JcKind		rc;

	sl->minutes_asleep = -1;
	sl->minutes_awake = -1;
	sl->minutes_in_period = -1;
	sl->update_time = -1;

	if ((rc = point_body(cx, elem, at, &body)) != JC_OK ||
		(rc = point_name(jc, elem, at, &sl->id)) != JC_OK ||
		(rc = jc_member_string(jc, body, &bp, "type", false, JC_STR_ENUM,
							   ENUM_LEN_MAX, &sl->sleep_type)) != JC_OK ||
		(sl->sleep_type == NULL &&
		 (rc = gh_dup_literal(jc, &tp, "SLEEP_TYPE_UNSPECIFIED",
							  &sl->sleep_type)) != JC_OK) ||
		(rc = read_interval(jc, body, &bp, &sl->start, &sl->end,
							&sl->start_utc_offset, &sl->end_utc_offset)) != JC_OK ||
		(rc = gh_member_timestamp(jc, body, &bp, "updateTime", false,
								  &sl->update_time)) != JC_OK ||
		(rc = jc_member_object(jc, body, &bp, "metadata", false, &md)) != JC_OK ||
		(md != NULL &&
		 (rc = jc_member_bool(jc, md, &mdp, "nap", &sl->nap)) != JC_OK) ||
		(rc = jc_member_object(jc, body, &bp, "summary", false, &sm)) != JC_OK ||
		(rc = read_sleep_spans(jc, body, &bp, "stages", true, sl,
							   &sl->intervals, &sl->nintervals)) != JC_OK ||
		(rc = read_sleep_spans(jc, body, &bp, "outOfBedSegments", false, sl,
							   &sl->out_of_bed, &sl->nout_of_bed)) != JC_OK)
		return rc;

	/*
	 * The session is filed under the local day of its end, by the offset
	 * the source gave; without one, by the account's zone.
	 */
	sl->has_end_utc_offset =
		json_object_object_get_ex(body, "interval", &iv) &&
		json_object_object_get_ex(iv, "endUtcOffset", &ov) &&
		!json_object_is_type(ov, json_type_null);
	if (sm != NULL)
		return read_sleep_summary(jc, sm, &smp, sl);
	return JC_OK;
}

/* One steps interval; an absent count is a true zero. */
static JcKind
read_steps(void *arg, json_object *elem, const JcPath *at, size_t index)
{
	ParseCtx   *cx = arg;
	JsonCheck  *jc = &cx->jc;
	GhSteps    *st = &cx->page->steps[index];
	JcPath		bp = {at, "steps", 0};
	json_object *body;
	JcKind		rc;

	st->count = 0;
	if ((rc = point_body(cx, elem, at, &body)) != JC_OK ||
		(rc = read_interval(jc, body, &bp, &st->start, &st->end,
							&st->start_utc_offset, NULL)) != JC_OK ||
		(rc = gh_member_int64(jc, body, &bp, "count", false, 0,
							  STEPS_PER_POINT_MAX, &st->count)) != JC_OK)
		return rc;
	return JC_OK;
}

/* An interval with its start offset, for the readers of gh_activity.c. */
JcKind
gh_read_interval(JsonCheck *jc, json_object *owner, const JcPath *at,
				 int64_t *start, int64_t *end, int *start_offset)
{
	return read_interval(jc, owner, at, start, end, start_offset, NULL);
}

/* Element readers, indexed by GhDataType. */
const JcElementFn gh_point_readers[GH_DATA_TYPE_COUNT] = {
	read_heart_rate, read_resting, read_zones, read_zone_rollup,
	read_exercise, read_sleep, read_steps,
	/* activity: total-calories has roll-ups only */
	gh_read_activity_interval, gh_read_activity_interval,
	gh_read_activity_interval, gh_read_activity_interval,
	gh_read_activity_rollup, gh_read_activity_interval,
	/* vitals and body */
	gh_read_vital, gh_read_vital, gh_read_vital, gh_read_vital, gh_read_vital,
	gh_read_vital, gh_read_vital, gh_read_vital, gh_read_vital, gh_read_vital,
	gh_read_vital
};
