/*-------------------------------------------------------------------------
 *
 * json_member.c
 *	  The checks Tracker's JSON parsers run on json-c trees (step 3 of the
 *	  three in json_check.c): members, objects, arrays, integers, numbers,
 *	  strings and calendar dates.
 *
 * Every check reports its first problem through jc_fail() with the JSON
 * path of the value and a description of it, so that a message reads
 * "$.dataPoints[3].heartRate.beatsPerMinute "19" is outside 20..250".
 * No locale, time zone or libc date function is used.
 *
 * src/providers/json_member.c
 *
 *-------------------------------------------------------------------------
 */
#include "providers/json_check.h"

#include <stdlib.h>
#include <string.h>



/* ----------------------------------------------------------------------
 * Members and values
 * ----------------------------------------------------------------------
 */

/*
 * Look up member key of obj, which sits at path at.  A required member
 * that is absent is a shape error; an optional one that is absent or null
 * comes back as NULL.  json-c represents a JSON null as a NULL pointer
 * (its type functions treat NULL as null), so a required null comes back
 * as NULL too, for the caller's type check to reject, unless the parser
 * asked for JC_REFUSE_NULL.
 */
JcKind
jc_get_member(JsonCheck *jc, json_object *obj, const JcPath *at,
			  const char *key, bool required, json_object **out)
{
	JcPath		mp = {at, key, 0};
	bool		present = json_object_object_get_ex(obj, key, out);

	if (!present)
		*out = NULL;
	if (!required)
		return JC_OK;
	if (!present)
		return jc_fail(jc, JC_ERR_SHAPE, &mp, "%s is missing", key);
	if (*out == NULL && (jc->flags & JC_REFUSE_NULL) != 0)
		return jc_fail(jc, JC_ERR_SHAPE, &mp, "%s is null", key);
	return JC_OK;
}

/* Check that v is an object; name is what the message calls it. */
JcKind
jc_check_object(JsonCheck *jc, json_object *v, const JcPath *at,
				const char *name)
{
	char		d[JC_DESC_SIZE];

	if (json_object_is_type(v, json_type_object))
		return JC_OK;
	return jc_fail(jc, JC_ERR_TYPE, at, "%s %s is not an object", name,
				   jc_describe(jc, v, d, sizeof(d)));
}

/* Check that v is an array. */
JcKind
jc_check_array(JsonCheck *jc, json_object *v, const JcPath *at,
			   const char *name)
{
	char		d[JC_DESC_SIZE];

	if (json_object_is_type(v, json_type_array))
		return JC_OK;
	return jc_fail(jc, JC_ERR_TYPE, at, "%s %s is not an array", name,
				   jc_describe(jc, v, d, sizeof(d)));
}

/*
 * Check that v is a string and return its bytes (json-c's copy, which
 * lives as long as v).
 */
JcKind
jc_check_string(JsonCheck *jc, json_object *v, const JcPath *at,
				const char *name, const char **s, size_t *len)
{
	char		d[JC_DESC_SIZE];

	/* set on every path, so that no caller can read garbage */
	*s = "";
	*len = 0;
	if (!json_object_is_type(v, json_type_string))
		return jc_fail(jc, JC_ERR_TYPE, at, "%s %s is not a string", name,
					   jc_describe(jc, v, d, sizeof(d)));
	*s = json_object_get_string(v);
	*len = (size_t) json_object_get_string_len(v);
	return JC_OK;
}

/*
 * Check that v is a JSON integer within lo..hi.  A number with a fraction
 * or an exponent (72.0, 7.2e1) is not an integer, and neither is "72".
 */
JcKind
jc_check_int(JsonCheck *jc, json_object *v, const JcPath *at,
			 const char *name, int64_t lo, int64_t hi, int64_t *out)
{
	char		d[JC_DESC_SIZE];
	int64_t		i;

	if (!json_object_is_type(v, json_type_int))
		return jc_fail(jc, JC_ERR_TYPE, at, "%s %s is not an integer", name,
					   jc_describe(jc, v, d, sizeof(d)));
	i = json_object_get_int64(v);
	if (i < lo || i > hi)
		return jc_fail(jc, JC_ERR_RANGE, at, "%s %s is outside %lld..%lld",
					   name, jc_describe(jc, v, d, sizeof(d)),
					   (long long) lo, (long long) hi);
	*out = i;
	return JC_OK;
}

/*
 * Check that v is a JSON number within lo..hi.  The scanner has already
 * refused NaN and Infinity.
 */
JcKind
jc_check_number(JsonCheck *jc, json_object *v, const JcPath *at,
				const char *name, double lo, double hi, double *out)
{
	char		d[JC_DESC_SIZE];
	double		x;

	if (!json_object_is_type(v, json_type_int) &&
		!json_object_is_type(v, json_type_double))
		return jc_fail(jc, JC_ERR_TYPE, at, "%s %s is not a number", name,
					   jc_describe(jc, v, d, sizeof(d)));
	x = json_object_get_double(v);
	/* written so that a NaN fails too */
	if (!(x >= lo && x <= hi))
		return jc_fail(jc, JC_ERR_RANGE, at, "%s %s is outside %g..%g",
					   name, jc_describe(jc, v, d, sizeof(d)), lo, hi);
	*out = x;
	return JC_OK;
}

/*
 * Fetch an object member; *out is NULL when it is optional and absent (or
 * null).  The readers descend through these.
 */
JcKind
jc_member_object(JsonCheck *jc, json_object *obj, const JcPath *at,
				 const char *key, bool required, json_object **out)
{
	JcPath		mp = {at, key, 0};
	JcKind		rc;

	rc = jc_get_member(jc, obj, at, key, required, out);
	if (rc != JC_OK || (*out == NULL && !required))
		return rc;
	return jc_check_object(jc, *out, &mp, key);
}

/* Fetch an array member; *out is NULL when it is optional and absent. */
JcKind
jc_member_array(JsonCheck *jc, json_object *obj, const JcPath *at,
				const char *key, bool required, json_object **out)
{
	JcPath		mp = {at, key, 0};
	JcKind		rc;

	rc = jc_get_member(jc, obj, at, key, required, out);
	if (rc != JC_OK || (*out == NULL && !required))
		return rc;
	return jc_check_array(jc, *out, &mp, key);
}

/*
 * Fetch an integer member, a JSON integer (not 37.0, not "37"), within
 * lo..hi.  An optional member that is absent or null leaves *out alone.
 */
JcKind
jc_member_int(JsonCheck *jc, json_object *obj, const JcPath *at,
			  const char *key, bool required, int64_t lo, int64_t hi,
			  int64_t *out)
{
	JcPath		mp = {at, key, 0};
	json_object *v;
	JcKind		rc;

	rc = jc_get_member(jc, obj, at, key, required, &v);
	if (rc != JC_OK || (v == NULL && !required))
		return rc;
	return jc_check_int(jc, v, &mp, key, lo, hi, out);
}

/*
 * Fetch a number member, a JSON number, within lo..hi.  An optional member
 * that is absent or null leaves *out alone.
 */
JcKind
jc_member_number(JsonCheck *jc, json_object *obj, const JcPath *at,
				 const char *key, bool required, double lo, double hi,
				 double *out)
{
	JcPath		mp = {at, key, 0};
	json_object *v;
	JcKind		rc;

	rc = jc_get_member(jc, obj, at, key, required, &v);
	if (rc != JC_OK || (v == NULL && !required))
		return rc;
	return jc_check_number(jc, v, &mp, key, lo, hi, out);
}

/* Whether byte c may appear in a string kept under rule. */
static inline bool
char_allowed(JcStrRule rule, unsigned char c)
{
	bool		alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9');

	switch (rule)
	{
		case JC_STR_ENUM:
			return alnum || c == '_';
		case JC_STR_TOKEN:
		case JC_STR_NAME:
			return c > 0x20 && c < 0x7f;
		case JC_STR_SCOPE:
			return c >= 0x20 && c < 0x7f;
		case JC_STR_TIME_ZONE:
			return alnum || c == '/' || c == '_' || c == '+' || c == '-';
		case JC_STR_TEXT:
			return c != '\0';
	}
	return false;
}

/*
 * Fetch a string member into a malloc'd copy, checking its length and its
 * bytes against rule.  Tokens go into HTTP headers, names and page tokens
 * into URLs, enum names and time zone names into SQL text, and any text
 * into PostgreSQL's text, which cannot hold NUL; so each kind is held to
 * what it can safely contain.  An empty string means absent; absent leaves
 * *out NULL, or is a shape error when required.
 */
JcKind
jc_member_string(JsonCheck *jc, json_object *obj, const JcPath *at,
				 const char *key, bool required, JcStrRule rule,
				 size_t maxlen, char **out)
{
	JcPath		mp = {at, key, 0};
	json_object *v;
	const char *s;
	size_t		slen;
	size_t		i;
	char		d[JC_DESC_SIZE];
	JcKind		rc;

	*out = NULL;
	rc = jc_get_member(jc, obj, at, key, required, &v);
	if (rc != JC_OK || (v == NULL && !required))
		return rc;
	if (!json_object_is_type(v, json_type_string))
	{
		if (rule == JC_STR_TOKEN)
			return jc_fail(jc, JC_ERR_TYPE, &mp, "%s is not a string", key);
		return jc_fail(jc, JC_ERR_TYPE, &mp, "%s %s is not a string", key,
					   jc_describe(jc, v, d, sizeof(d)));
	}
	s = json_object_get_string(v);
	slen = (size_t) json_object_get_string_len(v);
	if (slen == 0)
	{
		if (required)
			return jc_fail(jc, JC_ERR_SHAPE, &mp, "%s is empty", key);
		return JC_OK;
	}
	if (slen > maxlen)
		return jc_fail(jc, JC_ERR_RANGE, &mp, "%s is longer than %zu bytes",
					   key, maxlen);
	for (i = 0; i < slen; i++)
	{
		if (!char_allowed(rule, (unsigned char) s[i]))
		{
			switch (rule)
			{
				case JC_STR_ENUM:
					return jc_fail(jc, JC_ERR_RANGE, &mp,
								   "%s %s is not an enum value name", key,
								   jc_describe(jc, v, d, sizeof(d)));
				case JC_STR_TIME_ZONE:
					return jc_fail(jc, JC_ERR_RANGE, &mp,
								   "%s %s is not a time zone name", key,
								   jc_describe(jc, v, d, sizeof(d)));
				case JC_STR_TEXT:
					return jc_fail(jc, JC_ERR_RANGE, &mp,
								   "%s contains a nul character", key);
				default:
					return jc_fail(jc, JC_ERR_RANGE, &mp,
								   "%s contains byte 0x%02x at offset %zu, outside printable ascii",
								   key, (unsigned char) s[i], i);
			}
		}
	}
	*out = malloc(slen + 1);
	if (*out == NULL)
		return jc_fail_nomem(jc, &mp);
	memcpy(*out, s, slen + 1);
	return JC_OK;
}


/* ----------------------------------------------------------------------
 * Dates, without libc's time functions
 * ----------------------------------------------------------------------
 */

/* Gregorian leap year, for checking February 29. */
static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
 * Whether y-m-d is a real date of the proleptic Gregorian calendar within
 * years 1..9999 (google.type.Date's range, and all four digits can say).
 */
bool
jc_valid_date(int y, int m, int d)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	if (m == 2 && is_leap(y))
		return d <= 29;
	return d <= mdays[m - 1];
}

/*
 * Days from 1970-01-01 to y-m-d (Gregorian), after H. Hinnant's
 * days_from_civil.  Used instead of timegm() so that no time zone or libc
 * quirk can shift a timestamp.
 */
int64_t
jc_days_from_civil(int y, int m, int d)
{
	int64_t		yy = (int64_t) y - (m <= 2 ? 1 : 0);
	int64_t		era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t		yoe = yy - era * 400;
	int64_t		doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t		doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}
