/*-------------------------------------------------------------------------
 *
 * gh_values.c
 *	  Read the values of the proto3 JSON mapping in Google Health answers:
 *	  int64 members as decimal strings, durations such as "3600s", RFC 3339
 *	  timestamps, google.type.Date objects and booleans.
 *
 * The proto3 JSON mapping sends int64 as strings ("72"; a JSON number there
 * is a type error), durations as strings, timestamps in RFC 3339 and enums
 * as their names.  The text is parsed by hand: the timestamp reader runs
 * once per heart-rate sample, and no locale, time zone or libc date
 * function may change the result.
 *
 * src/providers/gh_values.c
 *
 *-------------------------------------------------------------------------
 */
#include "providers/gh_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>


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
bool
gh_parse_timestamp(const char *s, size_t len, int64_t *out)
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
JcKind
gh_member_int64(JsonCheck *jc, json_object *obj, const JcPath *at,
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

/*
 * Fetch a timestamp member as epoch seconds.  Optional and absent: *out is
 * left alone.
 */
JcKind
gh_member_timestamp(JsonCheck *jc, json_object *obj, const JcPath *at,
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
	if (!gh_parse_timestamp(s, slen, out))
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
JcKind
gh_member_duration(JsonCheck *jc, json_object *obj, const JcPath *at,
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
JcKind
gh_member_utc_offset(JsonCheck *jc, json_object *obj, const JcPath *at,
					 const char *key, int *out)
{
	int64_t		secs = 0;
	JcKind		rc;

	rc = gh_member_duration(jc, obj, at, key, -UTC_OFFSET_MAX, UTC_OFFSET_MAX,
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
JcKind
gh_member_date(JsonCheck *jc, json_object *obj, const JcPath *at,
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
char *
gh_dup_cstr(const char *s)
{
	size_t		n = strlen(s) + 1;
	char	   *copy = malloc(n);

	if (copy != NULL)
		memcpy(copy, s, n);
	return copy;
}

/* A malloc'd copy of a literal, for enum defaults. */
JcKind
gh_dup_literal(JsonCheck *jc, const JcPath *at, const char *s, char **out)
{
	*out = gh_dup_cstr(s);
	if (*out == NULL)
		return jc_fail_nomem(jc, at);
	return JC_OK;
}
