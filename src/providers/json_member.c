/*-------------------------------------------------------------------------
 *
 * json_member.c
 *	  The checks Tracker's JSON parsers run on json-c trees (step 3 of the
 *	  three in json_check.c): members, objects, arrays, integers, numbers,
 *	  strings and the names of listed entries.
 *
 * Every check reports its first problem through jc_fail() with the JSON
 * path of the value and a description of it, so that a message reads
 * "$.dataPoints[3].heartRate.beatsPerMinute "19" is outside 20..250".
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

/*
 * Check that v has JSON type type; name is what the message calls v, what
 * the type ("an object").
 */
static JcKind
check_type(JsonCheck *jc, json_object *v, const JcPath *at, const char *name,
		   json_type type, const char *what)
{
	char		d[JC_DESC_SIZE];

	if (json_object_is_type(v, type))
		return JC_OK;
	return jc_fail(jc, JC_ERR_TYPE, at, "%s %s is not %s", name,
				   jc_describe(jc, v, d, sizeof(d)), what);
}

/* Check that v is an object; name is what the message calls it. */
JcKind
jc_check_object(JsonCheck *jc, json_object *v, const JcPath *at,
				const char *name)
{
	return check_type(jc, v, at, name, json_type_object, "an object");
}

/* Check that v is an array. */
JcKind
jc_check_array(JsonCheck *jc, json_object *v, const JcPath *at,
			   const char *name)
{
	return check_type(jc, v, at, name, json_type_array, "an array");
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

/* A check of a value's JSON type, jc_check_object() or jc_check_array(). */
typedef JcKind (*JcTypeCheck) (JsonCheck *jc, json_object *v,
							   const JcPath *at, const char *name);

/*
 * Fetch a member that check says is of the right type; *out is NULL when
 * it is optional and absent (or null).
 */
static JcKind
member_typed(JsonCheck *jc, json_object *obj, const JcPath *at,
			 const char *key, bool required, JcTypeCheck check,
			 json_object **out)
{
	JcPath		mp = {at, key, 0};
	JcKind		rc;

	rc = jc_get_member(jc, obj, at, key, required, out);
	if (rc != JC_OK || (*out == NULL && !required))
		return rc;
	return check(jc, *out, &mp, key);
}

/*
 * Fetch an object member; *out is NULL when it is optional and absent (or
 * null).  The readers descend through these.
 */
JcKind
jc_member_object(JsonCheck *jc, json_object *obj, const JcPath *at,
				 const char *key, bool required, json_object **out)
{
	return member_typed(jc, obj, at, key, required, jc_check_object, out);
}

/* Fetch an array member; *out is NULL when it is optional and absent. */
JcKind
jc_member_array(JsonCheck *jc, json_object *obj, const JcPath *at,
				const char *key, bool required, json_object **out)
{
	return member_typed(jc, obj, at, key, required, jc_check_array, out);
}

/*
 * Check that v (called name in messages) is a string that parse accepts,
 * filling out; one it refuses fails with kind and "NAME VALUE is not WHAT",
 * for formats such as dates that several parsers read from strings.
 */
JcKind
jc_check_text(JsonCheck *jc, json_object *v, const JcPath *at,
			  const char *name, JcTextFn parse, void *out, JcKind kind,
			  const char *what)
{
	const char *s;
	size_t		len;
	char		d[JC_DESC_SIZE];
	JcKind		rc;

	if ((rc = jc_check_string(jc, v, at, name, &s, &len)) != JC_OK)
		return rc;
	if (!parse(s, len, out))
		return jc_fail(jc, kind, at, "%s %s is not %s", name,
					   jc_describe(jc, v, d, sizeof(d)), what);
	return JC_OK;
}

/*
 * Fetch a required string member without copying it: *s and *len are
 * json-c's bytes, which live as long as obj, and *v is the member, for the
 * caller's messages about what the string holds.
 */
JcKind
jc_member_chars(JsonCheck *jc, json_object *obj, const JcPath *at,
				const char *key, json_object **v, const char **s,
				size_t *len)
{
	JcPath		mp = {at, key, 0};
	JcKind		rc;

	*s = "";
	*len = 0;
	rc = jc_get_member(jc, obj, at, key, true, v);
	if (rc != JC_OK)
		return rc;
	return jc_check_string(jc, *v, &mp, key, s, len);
}

/* Fetch an optional boolean member; absent leaves *out alone. */
JcKind
jc_member_bool(JsonCheck *jc, json_object *obj, const JcPath *at,
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
 * Read the name of an element of a list of named entries, such as the
 * heart-rate zones of Google Health and of Fitbit: check that elem is an
 * object (what names it in messages) with a required string member key,
 * and set *index to the position of that string in names[0..nnames), or
 * to -1 when it is none of them.  *v gets the member, for the caller's
 * messages.  Comparison is exact, byte for byte.
 */
JcKind
jc_element_name(JsonCheck *jc, json_object *elem, const JcPath *at,
				const char *what, const char *key,
				const char *const *names, int nnames,
				json_object **v, int *index)
{
	const char *s;
	size_t		len;
	int			k;
	JcKind		rc;

	*index = -1;
	if ((rc = jc_check_object(jc, elem, at, what)) != JC_OK ||
		(rc = jc_member_chars(jc, elem, at, key, v, &s, &len)) != JC_OK)
		return rc;
	for (k = 0; k < nnames; k++)
	{
		if (strlen(names[k]) == len && memcmp(s, names[k], len) == 0)
		{
			*index = k;
			break;
		}
	}
	return JC_OK;
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
