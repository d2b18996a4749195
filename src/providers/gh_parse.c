/*-------------------------------------------------------------------------
 *
 * gh_parse.c
 *	  Parse and validate Google Health API v4 responses and Google OAuth 2.0
 *	  token responses.
 *
 * The work happens in the three steps of json_check.c:
 *
 * 1. jc_scan() checks the bytes against RFC 8259 and reports the byte
 *	  offset of the first problem.  While it scans it also finds the one
 *	  large array of a page ("dataPoints", or "rollupDataPoints" for
 *	  dailyRollUp) and cuts it into chunks of BULK_CHUNK elements.
 *
 * 2. json-c builds trees: one for the document with the large array cut
 *	  out, and one per chunk of the array.  A single tree for a 10,000-point
 *	  heart-rate page is several times slower to build and free than the
 *	  small chunk trees, which stay warm in cache.
 *
 * 3. The readers below walk the trees, check every member they use for
 *	  presence, type and range, and fill the result.  Unknown members are
 *	  ignored, so that new API fields do not break a sync.  The first
 *	  problem stops the parse and is reported with a JSON path such as
 *	  $.dataPoints[3].heartRate.beatsPerMinute.
 *
 * The proto3 JSON mapping decides the types: int64 members are decimal
 * strings ("72"; a JSON number there is a type error), int32 and double
 * members are numbers, durations are strings such as "3600s", timestamps
 * are RFC 3339 and enums are their names.  A member may be omitted when it
 * has its default value, and null means the same as omitted.  So:
 *
 * - an absent member whose default (0, "", false) is a valid value reads as
 *	 that default: steps count, a zone's minBeatsPerMinute, utc offsets,
 *	 sleep summary minutes, rollup zone durations;
 * - an absent member whose default would be out of range (beatsPerMinute,
 *	 a timestamp, a date) is a shape error;
 * - where the header documents "-1 when absent" (exercise metrics, update
 *	 times, a missing sleep summary) absent reads as -1;
 * - an absent enum reads as its zero value (EXERCISE_TYPE_UNSPECIFIED,
 *	 SLEEP_TYPE_UNSPECIFIED); enum values this module does not know are kept
 *	 as strings, or, for zone types, skipped.
 *
 * Duplicate member names follow json-c: the last one wins.  No locale,
 * time zone or libc date function is used; timestamps are parsed by hand.
 * Error messages never quote token values.
 *
 * src/gh_parse.c
 *
 *-------------------------------------------------------------------------
 */
#include "providers/gh_parse.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "providers/json_check.h"

/*
 * Elements of the large array handed to json-c at a time.  On a
 * 10,000-point heart-rate page sizes from 8 to 256 measure within noise of
 * each other (about 4 times faster than one tree); small ones stay in cache.
 */
#define BULK_CHUNK 16

/* Ranges of the checked members. */
#define ZONE_BPM_MAX 300
#define UTC_OFFSET_MAX (18 * 3600)	/* google.type.DateTime's limit */
#define ROLLUP_ZONE_SECONDS_MAX (2 * 86400)
#define STEPS_PER_POINT_MAX 100000
#define SESSION_SECONDS_MAX (7 * 86400)
#define EXERCISE_STEPS_MAX 1000000
#define CALORIES_MAX 100000.0
#define DISTANCE_MM_MAX 1e10
#define SLEEP_MINUTES_MAX (2 * 1440)
#define AGE_MAX 150
#define EXPIRES_IN_MAX (366 * 86400)

/* Longest strings kept, in bytes. */
#define ENUM_LEN_MAX 64
#define NAME_LEN_MAX 1024
#define TEXT_LEN_MAX 4096
#define TOKEN_LEN_MAX 4096
#define TIME_ZONE_LEN_MAX 64

/* Errors come back as JcKinds, which GhErrorKind matches one for one. */
_Static_assert((int) GH_ERR_NOT_JSON == (int) JC_ERR_NOT_JSON &&
			   (int) GH_ERR_SHAPE == (int) JC_ERR_SHAPE &&
			   (int) GH_ERR_TYPE == (int) JC_ERR_TYPE &&
			   (int) GH_ERR_RANGE == (int) JC_ERR_RANGE &&
			   (int) GH_ERR_TIME == (int) JC_ERR_TIME &&
			   (int) GH_ERR_NOMEM == (int) JC_ERR_NOMEM,
			   "GhErrorKind must match JcKind");

typedef struct ParseCtx
{
	JsonCheck	jc;
	GhError    *err;
	GhPage	   *page;			/* gh_parse_page() only */
} ParseCtx;

/* URL names and JSON union keys, indexed by GhDataType. */
static const char *const type_names[GH_DATA_TYPE_COUNT] = {
	"heart-rate", "daily-resting-heart-rate", "daily-heart-rate-zones",
	"time-in-heart-rate-zone", "exercise", "sleep", "steps"
};
static const char *const type_keys[GH_DATA_TYPE_COUNT] = {
	"heartRate", "dailyRestingHeartRate", "dailyHeartRateZones",
	"timeInHeartRateZone", "exercise", "sleep", "steps"
};

/* HeartRateZoneType in Tracker's order; GhDaily and GhExercise use it. */
static const char *const zone_names[GH_ZONES] = {
	"LIGHT", "MODERATE", "VIGOROUS", "PEAK"
};

/* MetricsSummary.heartRateZoneDurations members, in the same order. */
static const char *const zone_duration_keys[GH_ZONES] = {
	"lightTime", "moderateTime", "vigorousTime", "peakTime"
};

static const char list_key[] = "dataPoints";
static const char rollup_key[] = "rollupDataPoints";

/* The large array of a page: its points, cut out of the top-level object. */
static const JcBulk list_bulk = {false, 1, {list_key}, BULK_CHUNK};
static const JcBulk rollup_bulk = {false, 1, {rollup_key}, BULK_CHUNK};


/* ----------------------------------------------------------------------
 * Set-up
 * ----------------------------------------------------------------------
 */

/* Set up cx for one parse; err may be NULL, then local_err is used. */
static void
ctx_init(ParseCtx *cx, const char *buf, size_t len, GhError *err,
		 GhError *local_err)
{
	if (err == NULL)
		err = local_err;
	memset(err, 0, sizeof(*err));
	jc_init(&cx->jc, buf, len, 0, err->path, sizeof(err->path),
			err->message, sizeof(err->message));
	cx->err = err;
	cx->page = NULL;
}

/*
 * Release what the parse left in cx and hand back its outcome rc as a
 * GhErrorKind, with the kind of the first error recorded in err.
 */
static GhErrorKind
ctx_done(ParseCtx *cx, JcKind rc)
{
	jc_done(&cx->jc);
	cx->err->kind = (GhErrorKind) cx->jc.kind;
	return (GhErrorKind) rc;
}


/* ----------------------------------------------------------------------
 * Text: integers, dates, timestamps, durations
 * ----------------------------------------------------------------------
 */

/*
 * Parse an RFC 3339 timestamp, "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)",
 * into epoch seconds.  A fraction (1 to 9 digits) is dropped, which moves
 * the time to the earlier second also before 1970, since the fraction only
 * ever adds to the whole second.  Leap seconds (":60") are rejected, as
 * google.protobuf.Timestamp does.  This runs once per heart-rate sample,
 * hence no sscanf.
 */
static bool
parse_timestamp(const char *s, size_t len, int64_t *out)
{
	int			c1,
				c2,
				mo,
				d,
				h,
				mi,
				sec;
	int64_t		offset = 0;
	size_t		p;

	if (len < 20 || s[4] != '-' || s[7] != '-' ||
		(s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
		return false;
	c1 = jc_two_digits(s);
	c2 = jc_two_digits(s + 2);
	mo = jc_two_digits(s + 5);
	d = jc_two_digits(s + 8);
	h = jc_two_digits(s + 11);
	mi = jc_two_digits(s + 14);
	sec = jc_two_digits(s + 17);
	if (c1 < 0 || c2 < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0 ||
		!jc_valid_date(c1 * 100 + c2, mo, d) || h > 23 || mi > 59 || sec > 59)
		return false;
	p = 19;
	if (s[p] == '.')
	{
		size_t		first = ++p;

		while (p < len && s[p] >= '0' && s[p] <= '9')
			p++;
		if (p == first || p - first > 9)
			return false;
	}
	if (p >= len)
		return false;
	if (s[p] == 'Z' || s[p] == 'z')
		p++;
	else if (s[p] == '+' || s[p] == '-')
	{
		int			oh,
					om;

		if (len - p != 6 || s[p + 3] != ':')
			return false;
		oh = jc_two_digits(s + p + 1);
		om = jc_two_digits(s + p + 4);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return false;
		offset = (int64_t) oh * 3600 + om * 60;
		if (s[p] == '-')
			offset = -offset;
		p += 6;
	}
	else
		return false;
	if (p != len)
		return false;
	*out = jc_days_from_civil(c1 * 100 + c2, mo, d) * 86400 +
		h * 3600 + mi * 60 + sec - offset;
	return true;
}

/*
 * Parse a proto3 JSON duration, "-?digits(.1-9 digits)?s", into whole
 * seconds rounded toward the earlier second; *fraction says whether a
 * non-zero fraction was dropped.  At most 12 integer digits, the range of
 * google.protobuf.Duration.
 */
static bool
parse_duration(const char *s, size_t len, int64_t *secs, bool *fraction)
{
	size_t		p = 0;
	size_t		digits = 0;
	int64_t		v = 0;
	bool		neg = false;

	*fraction = false;
	if (len < 2 || s[len - 1] != 's')
		return false;
	len--;
	if (s[0] == '-')
	{
		neg = true;
		p++;
	}
	for (; p < len && s[p] >= '0' && s[p] <= '9'; p++)
	{
		if (++digits > 12)
			return false;
		v = v * 10 + (s[p] - '0');
	}
	if (digits == 0)
		return false;
	if (p < len && s[p] == '.')
	{
		size_t		first = ++p;

		for (; p < len && s[p] >= '0' && s[p] <= '9'; p++)
		{
			if (s[p] != '0')
				*fraction = true;
		}
		if (p == first || p - first > 9)
			return false;
	}
	if (p != len)
		return false;
	if (neg)
		v = *fraction ? -v - 1 : -v;
	*secs = v;
	return true;
}

/* Outcomes of parse_int64_text(). */
#define INT_OK 0
#define INT_SYNTAX 1
#define INT_OVERFLOW 2

/*
 * Parse an int64 written as a proto3 JSON string: "-?digits", nothing
 * else (no sign "+", no spaces, no fraction or exponent).
 */
static int
parse_int64_text(const char *s, size_t len, int64_t *out)
{
	uint64_t	v = 0;
	uint64_t	limit = (uint64_t) INT64_MAX;
	size_t		p = 0;
	bool		neg = false;

	if (len > 0 && s[0] == '-')
	{
		neg = true;
		limit++;
		p++;
	}
	if (p == len)
		return INT_SYNTAX;
	for (; p < len; p++)
	{
		unsigned	d;

		if (s[p] < '0' || s[p] > '9')
			return INT_SYNTAX;
		d = (unsigned) (s[p] - '0');
		if (v > (limit - d) / 10)
		{
			/* still report text that is not a number as such */
			for (p++; p < len; p++)
			{
				if (s[p] < '0' || s[p] > '9')
					return INT_SYNTAX;
			}
			return INT_OVERFLOW;
		}
		v = v * 10 + d;
	}
	if (neg)
		*out = v == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) v;
	else
		*out = (int64_t) v;
	return INT_OK;
}


/* ----------------------------------------------------------------------
 * Member checks
 * ----------------------------------------------------------------------
 */

/*
 * Fetch an int64 member, a decimal string by the proto3 JSON mapping, and
 * check it is within lo..hi.  A JSON number is a type error: it means the
 * sender does not follow the mapping, and large values would have lost
 * precision.  An optional member that is absent leaves *out alone.
 */
static JcKind
member_int64(JsonCheck *jc, json_object *obj, const JcPath *at,
			 const char *key, bool required, int64_t lo, int64_t hi,
			 int64_t *out)
{
	JcPath		mp = {at, key, 0};
	json_object *v;
	char		d[JC_DESC_SIZE];
	int64_t		i = 0;
	int			r;
	JcKind		rc;

	rc = jc_get_member(jc, obj, at, key, required, &v);
	if (rc != JC_OK || (v == NULL && !required))
		return rc;
	if (json_object_is_type(v, json_type_int) ||
		json_object_is_type(v, json_type_double))
		return jc_fail(jc, JC_ERR_TYPE, &mp,
					   "%s %s is a json number, not an int64 string", key,
					   jc_describe(jc, v, d, sizeof(d)));
	if (!json_object_is_type(v, json_type_string))
		return jc_fail(jc, JC_ERR_TYPE, &mp, "%s %s is not an int64 string",
					   key, jc_describe(jc, v, d, sizeof(d)));
	r = parse_int64_text(json_object_get_string(v),
						 (size_t) json_object_get_string_len(v), &i);
	if (r == INT_SYNTAX)
		return jc_fail(jc, JC_ERR_TYPE, &mp,
					   "%s %s is not a decimal integer string", key,
					   jc_describe(jc, v, d, sizeof(d)));
	if (r == INT_OVERFLOW || i < lo || i > hi)
		return jc_fail(jc, JC_ERR_RANGE, &mp, "%s %s is outside %lld..%lld",
					   key, jc_describe(jc, v, d, sizeof(d)),
					   (long long) lo, (long long) hi);
	*out = i;
	return JC_OK;
}

/* Fetch an optional boolean member; absent leaves *out alone. */
static JcKind
member_bool(JsonCheck *jc, json_object *obj, const JcPath *at,
			const char *key, bool *out)
{
	JcPath		mp = {at, key, 0};
	json_object *v;
	char		d[JC_DESC_SIZE];
	JcKind		rc;

	rc = jc_get_member(jc, obj, at, key, false, &v);
	if (rc != JC_OK || v == NULL)
		return rc;
	if (!json_object_is_type(v, json_type_boolean))
		return jc_fail(jc, JC_ERR_TYPE, &mp, "%s %s is not a boolean", key,
					   jc_describe(jc, v, d, sizeof(d)));
	*out = json_object_get_boolean(v);
	return JC_OK;
}

/*
 * Fetch a timestamp member as epoch seconds.  Optional and absent: *out is
 * left alone.
 */
static JcKind
member_timestamp(JsonCheck *jc, json_object *obj, const JcPath *at,
				 const char *key, bool required, int64_t *out)
{
	JcPath		mp = {at, key, 0};
	json_object *v;
	const char *s = NULL;
	size_t		slen = 0;
	char		d[JC_DESC_SIZE];
	JcKind		rc;

	rc = jc_get_member(jc, obj, at, key, required, &v);
	if (rc != JC_OK || (v == NULL && !required))
		return rc;
	rc = jc_check_string(jc, v, &mp, key, &s, &slen);
	if (rc != JC_OK)
		return rc;
	if (!parse_timestamp(s, slen, out))
		return jc_fail(jc, JC_ERR_TIME, &mp,
					   "%s %s is not a valid rfc 3339 timestamp", key,
					   jc_describe(jc, v, d, sizeof(d)));
	return JC_OK;
}

/*
 * Fetch an optional duration member ("2520s") as seconds within lo..hi.
 * With whole set, a fraction of a second is a range error (UTC offsets are
 * whole seconds); otherwise it is dropped.  Absent: *out is left alone.
 */
static JcKind
member_duration(JsonCheck *jc, json_object *obj, const JcPath *at,
				const char *key, int64_t lo, int64_t hi, bool whole,
				int64_t *out)
{
	JcPath		mp = {at, key, 0};
	json_object *v;
	char		d[JC_DESC_SIZE];
	int64_t		secs;
	bool		fraction;
	JcKind		rc;

	rc = jc_get_member(jc, obj, at, key, false, &v);
	if (rc != JC_OK || v == NULL)
		return rc;
	if (!json_object_is_type(v, json_type_string) ||
		!parse_duration(json_object_get_string(v),
						(size_t) json_object_get_string_len(v),
						&secs, &fraction))
		return jc_fail(jc, JC_ERR_TYPE, &mp,
					   "%s %s is not a duration string such as \"60s\"", key,
					   jc_describe(jc, v, d, sizeof(d)));
	if (whole && fraction)
		return jc_fail(jc, JC_ERR_RANGE, &mp,
					   "%s %s is not a whole number of seconds", key,
					   jc_describe(jc, v, d, sizeof(d)));
	if (secs < lo || secs > hi)
		return jc_fail(jc, JC_ERR_RANGE, &mp, "%s %s is outside %llds..%llds",
					   key, jc_describe(jc, v, d, sizeof(d)),
					   (long long) lo, (long long) hi);
	*out = secs;
	return JC_OK;
}

/* Fetch an optional UTC offset ("7200s"); absent reads as 0. */
static JcKind
member_utc_offset(JsonCheck *jc, json_object *obj, const JcPath *at,
				  const char *key, int *out)
{
	int64_t		secs = 0;
	JcKind		rc;

	rc = member_duration(jc, obj, at, key, -UTC_OFFSET_MAX, UTC_OFFSET_MAX,
						 true, &secs);
	if (rc == JC_OK)
		*out = (int) secs;
	return rc;
}

/*
 * Fetch a required google.type.Date {year, month, day} and check that it
 * is a real calendar date.  Proto3 allows partial dates with zero parts;
 * none of the types Tracker reads uses them, so they are errors here.
 */
static JcKind
member_date(JsonCheck *jc, json_object *obj, const JcPath *at,
			const char *key, GhDate *out)
{
	JcPath		dp = {at, key, 0};
	json_object *date;
	int64_t		y,
				m,
				d;
	JcKind		rc;

	if ((rc = jc_member_object(jc, obj, at, key, true, &date)) != JC_OK ||
		(rc = jc_member_int(jc, date, &dp, "year", true, INT32_MIN, INT32_MAX,
							&y)) != JC_OK ||
		(rc = jc_member_int(jc, date, &dp, "month", true, INT32_MIN, INT32_MAX,
							&m)) != JC_OK ||
		(rc = jc_member_int(jc, date, &dp, "day", true, INT32_MIN, INT32_MAX,
							&d)) != JC_OK)
		return rc;
	if (!jc_valid_date((int) y, (int) m, (int) d))
		return jc_fail(jc, JC_ERR_TIME, &dp,
					   "%s %lld-%02lld-%02lld is not a real calendar date", key,
					   (long long) y, (long long) m, (long long) d);
	out->year = (int) y;
	out->month = (int) m;
	out->day = (int) d;
	return JC_OK;
}

/* A malloc'd copy of a NUL-terminated string, or NULL; strdup() is POSIX. */
static char *
dup_cstr(const char *s)
{
	size_t		n = strlen(s) + 1;
	char	   *copy = malloc(n);

	if (copy != NULL)
		memcpy(copy, s, n);
	return copy;
}

/* A malloc'd copy of a literal, for enum defaults. */
static JcKind
dup_literal(JsonCheck *jc, const JcPath *at, const char *s, char **out)
{
	*out = dup_cstr(s);
	if (*out == NULL)
		return jc_fail_nomem(jc, at);
	return JC_OK;
}

/* ASCII case-insensitive equality, independent of the locale. */
static bool
ascii_equal_ci(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
	{
		unsigned char ca = (unsigned char) *a;
		unsigned char cb = (unsigned char) *b;

		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb)
			return false;
	}
	return *a == *b;
}

/* Index of a HeartRateZoneType name in zone_names, or -1. */
static int
zone_index(const char *s, size_t len)
{
	int			k;

	for (k = 0; k < GH_ZONES; k++)
	{
		if (strlen(zone_names[k]) == len && memcmp(s, zone_names[k], len) == 0)
			return k;
	}
	return -1;
}


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
		(rc = member_timestamp(jc, iv, &ip, "startTime", true, start)) != JC_OK ||
		(rc = member_timestamp(jc, iv, &ip, "endTime", true, end)) != JC_OK ||
		(rc = member_utc_offset(jc, iv, &ip, "startUtcOffset",
								start_offset ? start_offset : &ignored)) != JC_OK ||
		(rc = member_utc_offset(jc, iv, &ip, "endUtcOffset",
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
		(rc = member_timestamp(jc, st, &sp, "physicalTime", true, &t)) != JC_OK ||
		(rc = member_utc_offset(jc, st, &sp, "utcOffset", &offset)) != JC_OK ||
		(rc = member_int64(jc, hr, &hp, "beatsPerMinute", true, GH_MIN_BPM,
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
		(rc = member_date(jc, body, &bp, "date", &day->date)) != JC_OK ||
		(rc = member_int64(jc, body, &bp, "beatsPerMinute", true, GH_MIN_BPM,
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
		(rc = member_date(jc, body, &bp, "date", &day->date)) != JC_OK ||
		(rc = jc_member_array(jc, body, &bp, "heartRateZones", true, &zones)) != JC_OK)
		return rc;
	n = json_object_array_length(zones);
	for (i = 0; i < n; i++)
	{
		json_object *z = json_object_array_get_idx(zones, i);
		JcPath		zp = {&zsp, NULL, i};
		JcPath		tp = {&zp, "heartRateZoneType", 0};
		json_object *type;
		const char *s = NULL;
		size_t		slen = 0;
		int64_t		lo = 0;
		int64_t		hi = 0;

		if ((rc = jc_check_object(jc, z, &zp, "zone")) != JC_OK ||
			(rc = jc_get_member(jc, z, &zp, "heartRateZoneType", true, &type)) != JC_OK ||
			(rc = jc_check_string(jc, type, &tp, "heartRateZoneType", &s, &slen)) != JC_OK)
			return rc;
		k = zone_index(s, slen);
		if (k < 0)
			continue;
		if (seen[k])
			return jc_fail(jc, JC_ERR_SHAPE, &tp,
						   "zone type %s appears more than once", zone_names[k]);
		seen[k] = true;
		if ((rc = member_int64(jc, z, &zp, "minBeatsPerMinute", false, 0,
							   ZONE_BPM_MAX, &lo)) != JC_OK ||
			(rc = member_int64(jc, z, &zp, "maxBeatsPerMinute", true, 0,
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
		(rc = member_date(jc, civil, &cp, "date", &day->date)) != JC_OK ||
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
		const char *s = NULL;
		size_t		slen = 0;
		int64_t		secs = 0;
		int			k;

		if ((rc = jc_check_object(jc, z, &zp, "zone")) != JC_OK ||
			(rc = jc_get_member(jc, z, &zp, "heartRateZone", true, &type)) != JC_OK ||
			(rc = jc_check_string(jc, type, &tp, "heartRateZone", &s, &slen)) != JC_OK)
			return rc;
		k = zone_index(s, slen);
		if (k < 0)
			continue;
		if (seen[k])
			return jc_fail(jc, JC_ERR_SHAPE, &tp,
						   "zone %s appears more than once", zone_names[k]);
		seen[k] = true;
		rc = member_duration(jc, z, &zp, "duration", 0,
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
		(rc = member_int64(jc, ms, mp, "steps", false, 0, EXERCISE_STEPS_MAX,
						   &ex->steps)) != JC_OK ||
		(rc = member_int64(jc, ms, mp, "averageHeartRateBeatsPerMinute", false,
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
		rc = member_duration(jc, zones, &zp, zone_duration_keys[k], 0,
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
		 (rc = dup_literal(jc, &tp, "EXERCISE_TYPE_UNSPECIFIED",
						   &ex->exercise_type)) != JC_OK) ||
		(rc = jc_member_string(jc, body, &bp, "displayName", false,
							   JC_STR_TEXT, TEXT_LEN_MAX,
							   &ex->display_name)) != JC_OK ||
		(rc = read_interval(jc, body, &bp, &ex->start, &ex->end,
							&ex->start_utc_offset, NULL)) != JC_OK ||
		(rc = member_duration(jc, body, &bp, "activeDuration", 0,
							  SESSION_SECONDS_MAX, false,
							  &ex->active_seconds)) != JC_OK ||
		(rc = member_timestamp(jc, body, &bp, "updateTime", false,
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
	if ((rc = member_int64(jc, sm, smp, "minutesAsleep", false, 0,
						   SLEEP_MINUTES_MAX, &sl->minutes_asleep)) != JC_OK ||
		(rc = member_int64(jc, sm, smp, "minutesAwake", false, 0,
						   SLEEP_MINUTES_MAX, &sl->minutes_awake)) != JC_OK ||
		(rc = member_int64(jc, sm, smp, "minutesInSleepPeriod", false, 0,
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
			(rc = member_int64(jc, st, &sp, "minutes", false, 0,
							   SLEEP_MINUTES_MAX, &stage->minutes)) != JC_OK)
			return rc;
	}
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
		 (rc = dup_literal(jc, &tp, "SLEEP_TYPE_UNSPECIFIED",
						   &sl->sleep_type)) != JC_OK) ||
		(rc = read_interval(jc, body, &bp, &sl->start, &sl->end, NULL,
							&sl->end_utc_offset)) != JC_OK ||
		(rc = member_timestamp(jc, body, &bp, "updateTime", false,
							   &sl->update_time)) != JC_OK ||
		(rc = jc_member_object(jc, body, &bp, "metadata", false, &md)) != JC_OK ||
		(md != NULL &&
		 (rc = member_bool(jc, md, &mdp, "nap", &sl->nap)) != JC_OK) ||
		(rc = jc_member_object(jc, body, &bp, "summary", false, &sm)) != JC_OK)
		return rc;
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
		(rc = member_int64(jc, body, &bp, "count", false, 0,
						   STEPS_PER_POINT_MAX, &st->count)) != JC_OK)
		return rc;
	return JC_OK;
}

/* Element readers, indexed by GhDataType. */
static const JcElementFn element_readers[GH_DATA_TYPE_COUNT] = {
	read_heart_rate, read_resting, read_zones, read_zone_rollup,
	read_exercise, read_sleep, read_steps
};

/*
 * Allocate the page's arrays for n points of its type, setting the counts
 * at once so that gh_page_free() releases whatever a failed parse leaves.
 */
static JcKind
alloc_points(ParseCtx *cx, size_t n, const JcPath *at)
{
	JsonCheck  *jc = &cx->jc;
	GhPage	   *page = cx->page;

	if (n == 0)
		return JC_OK;
	switch (page->type)
	{
		case GH_HEART_RATE:
			if (n > SIZE_MAX / sizeof(int64_t))
				return jc_fail_nomem(jc, at);
			page->t = malloc(n * sizeof(int64_t));
			page->bpm = malloc(n * sizeof(int16_t));
			page->utc_offset = malloc(n * sizeof(int));
			if (page->t == NULL || page->bpm == NULL || page->utc_offset == NULL)
				return jc_fail_nomem(jc, at);
			page->nsamples = n;
			break;
		case GH_DAILY_RESTING_HEART_RATE:
		case GH_DAILY_HEART_RATE_ZONES:
		case GH_TIME_IN_HEART_RATE_ZONE:
			page->daily = calloc(n, sizeof(GhDaily));
			if (page->daily == NULL)
				return jc_fail_nomem(jc, at);
			page->ndaily = n;
			break;
		case GH_EXERCISE:
			page->exercise = calloc(n, sizeof(GhExercise));
			if (page->exercise == NULL)
				return jc_fail_nomem(jc, at);
			page->nexercise = n;
			break;
		case GH_SLEEP:
			page->sleep = calloc(n, sizeof(GhSleep));
			if (page->sleep == NULL)
				return jc_fail_nomem(jc, at);
			page->nsleep = n;
			break;
		case GH_STEPS:
			page->steps = calloc(n, sizeof(GhSteps));
			if (page->steps == NULL)
				return jc_fail_nomem(jc, at);
			page->nsteps = n;
			break;
		case GH_DATA_TYPE_COUNT:
			break;
	}
	return JC_OK;
}

/*
 * Read the page whose skeleton (the document without its point array) is
 * root: the paging token, then every point.
 */
static JcKind
read_page(ParseCtx *cx, json_object *root)
{
	JsonCheck  *jc = &cx->jc;
	GhPage	   *page = cx->page;
	bool		rollup = page->type == GH_TIME_IN_HEART_RATE_ZONE;
	const char *key = rollup ? rollup_key : list_key;
	const char *other = rollup ? list_key : rollup_key;
	JcPath		ap = {&jc_root, key, 0};
	json_object *points;
	json_object *v;
	size_t		n;
	JcKind		rc;

	if (!json_object_object_get_ex(root, key, NULL))
	{
		if (json_object_object_get_ex(root, "error", &v) &&
			json_object_is_type(v, json_type_object))
			return jc_fail(jc, JC_ERR_SHAPE, &jc_root,
						   "a google.rpc.Status error body, not a page of data points");
		if (json_object_object_get_ex(root, other, NULL))
			return jc_fail(jc, JC_ERR_SHAPE, &jc_root,
						   "%s pages hold %s, and this one has %s instead",
						   type_names[page->type], key, other);
	}
	rc = jc_member_string(jc, root, &jc_root, "nextPageToken", false,
						  JC_STR_NAME, TOKEN_LEN_MAX, &page->next_page_token);
	if (rc != JC_OK)
		return rc;
	rc = jc_member_array(jc, root, &jc_root, key, false, &points);
	if (rc != JC_OK || points == NULL)
		return rc;

	if ((rc = jc_bulk_length(jc, points, &ap, key, &n)) != JC_OK ||
		(rc = alloc_points(cx, n, &ap)) != JC_OK)
		return rc;
	if (jc_bulk_cut(jc))
		return jc_walk_bulk(jc, &ap, element_readers[page->type], cx);
	return jc_walk_array(points, &ap, element_readers[page->type], cx);
}


/* ----------------------------------------------------------------------
 * Entry points
 * ----------------------------------------------------------------------
 */

/* URL name of a data type, e.g. "heart-rate"; "unknown" out of range. */
const char *
gh_data_type_name(GhDataType type)
{
	if ((int) type < 0 || type >= GH_DATA_TYPE_COUNT)
		return "unknown";
	return type_names[type];
}

/* The GhDataType for a URL name, or -1, for settings and SQL arguments. */
int
gh_data_type_from_name(const char *name)
{
	int			i;

	if (name == NULL)
		return -1;
	for (i = 0; i < GH_DATA_TYPE_COUNT; i++)
	{
		if (strcmp(name, type_names[i]) == 0)
			return i;
	}
	return -1;
}

/*
 * Parse one page of a list, reconcile or dailyRollUp response for type.
 * page is overwritten, not freed first; on failure it is left empty (with
 * its type set), so the caller needs no cleanup.
 */
GhErrorKind
gh_parse_page(GhDataType type, const char *buf, size_t len, GhPage *page,
			  GhError *err)
{
	GhError		local_err;
	ParseCtx	cx;
	json_object *root = NULL;
	JcKind		rc;

	ctx_init(&cx, buf, len, err, &local_err);
	memset(page, 0, sizeof(*page));
	if ((int) type < 0 || type >= GH_DATA_TYPE_COUNT)
		return ctx_done(&cx, jc_fail(&cx.jc, JC_ERR_SHAPE, &jc_root,
									 "unknown data type %d", (int) type));
	page->type = type;
	cx.page = page;

	rc = jc_parse_object(&cx.jc, type == GH_TIME_IN_HEART_RATE_ZONE ?
						 &rollup_bulk : &list_bulk,
						 "a page of data points", &root);
	if (rc == JC_OK)
		rc = read_page(&cx, root);

	if (root != NULL)
		json_object_put(root);
	if (rc != JC_OK)
	{
		gh_page_free(page);
		page->type = type;
	}
	return ctx_done(&cx, rc);
}

/* Release everything page owns and leave it zeroed; safe to repeat. */
void
gh_page_free(GhPage *page)
{
	size_t		i;
	size_t		j;

	if (page == NULL)
		return;
	for (i = 0; i < page->nexercise; i++)
	{
		free(page->exercise[i].id);
		free(page->exercise[i].exercise_type);
		free(page->exercise[i].display_name);
	}
	for (i = 0; i < page->nsleep; i++)
	{
		free(page->sleep[i].id);
		free(page->sleep[i].sleep_type);
		for (j = 0; j < page->sleep[i].nstages; j++)
			free(page->sleep[i].stages[j].type);
		free(page->sleep[i].stages);
	}
	free(page->next_page_token);
	free(page->t);
	free(page->bpm);
	free(page->utc_offset);
	free(page->daily);
	free(page->exercise);
	free(page->sleep);
	free(page->steps);
	memset(page, 0, sizeof(*page));
}

/* Empty user: no time zone, offset 0, age unknown. */
static void
user_reset(GhUser *user)
{
	memset(user, 0, sizeof(*user));
	user->age = -1;
}

/*
 * Parse users.getSettings: the IANA time zone and the current UTC offset.
 * user is overwritten (age -1); parse the profile into a second GhUser and
 * take its age when both are wanted.
 */
GhErrorKind
gh_parse_settings(const char *buf, size_t len, GhUser *user, GhError *err)
{
	GhError		local_err;
	ParseCtx	cx;
	json_object *root = NULL;
	JcKind		rc;

	ctx_init(&cx, buf, len, err, &local_err);
	user_reset(user);
	rc = jc_parse_object(&cx.jc, NULL, "a settings object", &root);
	if (rc == JC_OK)
		rc = jc_member_string(&cx.jc, root, &jc_root, "timeZone", false,
							  JC_STR_TIME_ZONE, TIME_ZONE_LEN_MAX,
							  &user->time_zone);
	if (rc == JC_OK)
		rc = member_utc_offset(&cx.jc, root, &jc_root, "utcOffset",
							   &user->utc_offset);
	if (root != NULL)
		json_object_put(root);
	if (rc != JC_OK)
		gh_user_free(user);
	return ctx_done(&cx, rc);
}

/*
 * Parse users.getProfile: only the age (an int32, so a JSON number) is
 * used.  user is overwritten; time_zone stays NULL.
 */
GhErrorKind
gh_parse_profile(const char *buf, size_t len, GhUser *user, GhError *err)
{
	GhError		local_err;
	ParseCtx	cx;
	json_object *root = NULL;
	int64_t		age = -1;
	JcKind		rc;

	ctx_init(&cx, buf, len, err, &local_err);
	user_reset(user);
	rc = jc_parse_object(&cx.jc, NULL, "a profile object", &root);
	if (rc == JC_OK)
		rc = jc_member_int(&cx.jc, root, &jc_root, "age", false, 0, AGE_MAX,
						   &age);
	if (rc == JC_OK)
		user->age = (int) age;
	if (root != NULL)
		json_object_put(root);
	if (rc != JC_OK)
		gh_user_free(user);
	return ctx_done(&cx, rc);
}

/* Release the user's strings and reset it; safe to repeat. */
void
gh_user_free(GhUser *user)
{
	if (user == NULL)
		return;
	free(user->time_zone);
	user_reset(user);
}

/*
 * Read the error member of a token response.  The OAuth form is
 * {"error":"invalid_grant","error_description":"..."}; a google.rpc.Status
 * object in its place is read as its status and message.
 */
static JcKind
read_token_error(JsonCheck *jc, json_object *root, json_object *e,
				 GhToken *token)
{
	JcPath		ep = {&jc_root, "error", 0};
	char		d[JC_DESC_SIZE];
	JcKind		rc;

	if (json_object_is_type(e, json_type_string))
	{
		rc = jc_member_string(jc, root, &jc_root, "error", true, JC_STR_TEXT,
							  TEXT_LEN_MAX, &token->error);
		if (rc != JC_OK)
			return rc;
		return jc_member_string(jc, root, &jc_root, "error_description",
								false, JC_STR_TEXT, TEXT_LEN_MAX,
								&token->error_description);
	}
	if (!json_object_is_type(e, json_type_object))
		return jc_fail(jc, JC_ERR_TYPE, &ep,
					   "error %s is neither a string nor an object",
					   jc_describe(jc, e, d, sizeof(d)));
	rc = jc_member_string(jc, e, &ep, "status", false, JC_STR_TEXT,
						  TEXT_LEN_MAX, &token->error);
	if (rc == JC_OK && token->error == NULL)
		rc = dup_literal(jc, &ep, "unknown_error", &token->error);
	if (rc == JC_OK)
		rc = jc_member_string(jc, e, &ep, "message", false, JC_STR_TEXT,
							  TEXT_LEN_MAX, &token->error_description);
	return rc;
}

/* Read a successful token response. */
static JcKind
read_token_success(JsonCheck *jc, json_object *root, GhToken *token)
{
	JcPath		tp = {&jc_root, "token_type", 0};
	int64_t		expires = 0;
	JcKind		rc;

	if (!json_object_object_get_ex(root, "access_token", NULL))
	{
		JcPath		ap = {&jc_root, "access_token", 0};

		return jc_fail(jc, JC_ERR_SHAPE, &ap,
					   "access_token is missing, and there is no error member");
	}
	if ((rc = jc_member_string(jc, root, &jc_root, "access_token", true,
							   JC_STR_TOKEN, TOKEN_LEN_MAX,
							   &token->access_token)) != JC_OK ||
		(rc = jc_member_int(jc, root, &jc_root, "expires_in", true, 0,
							EXPIRES_IN_MAX, &expires)) != JC_OK ||
		(rc = jc_member_string(jc, root, &jc_root, "refresh_token", false,
							   JC_STR_TOKEN, TOKEN_LEN_MAX,
							   &token->refresh_token)) != JC_OK ||
		(rc = jc_member_string(jc, root, &jc_root, "scope", false,
							   JC_STR_SCOPE, TEXT_LEN_MAX,
							   &token->scope)) != JC_OK ||
		(rc = jc_member_string(jc, root, &jc_root, "token_type", false,
							   JC_STR_NAME, ENUM_LEN_MAX,
							   &token->token_type)) != JC_OK)
		return rc;
	token->expires_in = expires;
	if (token->token_type != NULL && !ascii_equal_ci(token->token_type, "Bearer"))
		return jc_fail(jc, JC_ERR_RANGE, &tp,
					   "token_type \"%s\" is not Bearer", token->token_type);
	return JC_OK;
}

/*
 * Parse an answer of Google's token endpoint (code exchange or refresh).
 * Both a token and an OAuth error come back as GH_OK: token->error says
 * which.  token is overwritten; on failure it is left empty.
 */
GhErrorKind
gh_parse_token(const char *buf, size_t len, GhToken *token, GhError *err)
{
	GhError		local_err;
	ParseCtx	cx;
	json_object *root = NULL;
	json_object *e = NULL;
	JcKind		rc;

	ctx_init(&cx, buf, len, err, &local_err);
	memset(token, 0, sizeof(*token));
	rc = jc_parse_object(&cx.jc, NULL, "a token response", &root);
	if (rc == JC_OK)
	{
		rc = jc_get_member(&cx.jc, root, &jc_root, "error", false, &e);
		if (rc == JC_OK && e != NULL)
			rc = read_token_error(&cx.jc, root, e, token);
		else if (rc == JC_OK)
			rc = read_token_success(&cx.jc, root, token);
	}
	if (root != NULL)
		json_object_put(root);
	if (rc != JC_OK)
		gh_token_free(token);
	return ctx_done(&cx, rc);
}

/* Release the token's strings and zero it; safe to repeat. */
void
gh_token_free(GhToken *token)
{
	if (token == NULL)
		return;
	free(token->access_token);
	free(token->refresh_token);
	free(token->scope);
	free(token->token_type);
	free(token->error);
	free(token->error_description);
	memset(token, 0, sizeof(*token));
}

/* A malloc'd copy of v's string, or NULL when v is not a non-empty string. */
static char *
dup_if_string(json_object *v)
{
	const char *s;
	size_t		len;

	if (!json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	len = (size_t) json_object_get_string_len(v);
	/* "\u0000" decodes to a NUL that C strings cannot carry: treat as absent */
	if (len == 0 || strlen(s) != len)
		return NULL;
	return dup_cstr(s);
}

/*
 * Whether an @type names google.rpc.ErrorInfo ("type.googleapis.com/" is
 * the usual prefix, but only the message name is compared).
 */
static bool
is_error_info(json_object *detail)
{
	static const char suffix[] = "google.rpc.ErrorInfo";
	json_object *t;
	const char *s;
	size_t		n;

	if (!json_object_object_get_ex(detail, "@type", &t) ||
		!json_object_is_type(t, json_type_string))
		return false;
	s = json_object_get_string(t);
	n = (size_t) json_object_get_string_len(t);
	return n >= sizeof(suffix) - 1 &&
		strcmp(s + n - (sizeof(suffix) - 1), suffix) == 0;
}

/*
 * Read a google.rpc.Status body, {"error":{code, message, status,
 * details}}, as best it can: whatever is present and well typed is kept,
 * the rest stays empty.  The reason comes from an ErrorInfo detail, or
 * failing that from any detail carrying a reason.  Also accepted: the
 * same wrapped in a one-element array, and the OAuth form {"error":
 * "invalid_grant", "error_description": "..."}.  Returns false, with out
 * zeroed, when buf is not such a body.
 */
bool
gh_parse_api_error(const char *buf, size_t len, GhApiError *out)
{
	GhError		local_err;
	ParseCtx	cx;
	json_object *root = NULL;
	json_object *holder;
	json_object *e;
	json_object *v;
	bool		found = false;

	memset(out, 0, sizeof(*out));
	ctx_init(&cx, buf, len, NULL, &local_err);
	if (jc_parse_document(&cx.jc, NULL, &root) != JC_OK)
	{
		jc_done(&cx.jc);
		return false;
	}
	holder = root;
	if (json_object_is_type(root, json_type_array) &&
		json_object_array_length(root) == 1)
		holder = json_object_array_get_idx(root, 0);
	if (json_object_is_type(holder, json_type_object) &&
		json_object_object_get_ex(holder, "error", &e))
	{
		if (json_object_is_type(e, json_type_object))
		{
			json_object *details;

			found = true;
			if (json_object_object_get_ex(e, "code", &v) &&
				json_object_is_type(v, json_type_int))
			{
				int64_t		code = json_object_get_int64(v);

				if (code >= INT_MIN && code <= INT_MAX)
					out->code = (int) code;
			}
			if (json_object_object_get_ex(e, "status", &v))
				out->status = dup_if_string(v);
			if (json_object_object_get_ex(e, "message", &v))
				out->message = dup_if_string(v);
			if (json_object_object_get_ex(e, "details", &details) &&
				json_object_is_type(details, json_type_array))
			{
				size_t		n = json_object_array_length(details);
				size_t		i;
				int			pass;

				for (pass = 0; pass < 2 && out->reason == NULL; pass++)
				{
					for (i = 0; i < n && out->reason == NULL; i++)
					{
						json_object *detail = json_object_array_get_idx(details, i);

						if (!json_object_is_type(detail, json_type_object) ||
							(pass == 0 && !is_error_info(detail)))
							continue;
						if (json_object_object_get_ex(detail, "reason", &v))
							out->reason = dup_if_string(v);
					}
				}
			}
		}
		else if (json_object_is_type(e, json_type_string))
		{
			found = true;
			out->status = dup_if_string(e);
			if (json_object_object_get_ex(holder, "error_description", &v))
				out->message = dup_if_string(v);
		}
	}
	json_object_put(root);
	jc_done(&cx.jc);
	return found;
}

/* Release the error's strings and zero it; safe to repeat. */
void
gh_api_error_free(GhApiError *e)
{
	if (e == NULL)
		return;
	free(e->status);
	free(e->message);
	free(e->reason);
	memset(e, 0, sizeof(*e));
}
