/*-------------------------------------------------------------------------
 *
 * gh_fastpoints.c
 *	  Read the dense point arrays of Google Health pages (heart-rate
 *	  samples; steps, distance, floors and sedentary-period intervals)
 *	  straight from the bytes, in one pass and without a json-c tree.
 *
 * A heart-rate page holds up to 10,000 points of one shape:
 *
 *	 {"dataSource": {...},
 *	  "heartRate": {"sampleTime": {"physicalTime": "2026-01-01T00:00:00Z",
 *								   "utcOffset": "3600s", "civilTime": {...}},
 *					"beatsPerMinute": "72", "metadata": {...}}}
 *
 * Building a json-c tree for each one (gh_parse.c's general path) costs
 * far more than reading the few members that matter.  The readers here
 * walk a chunk of the array (JcChunk, cut out by jc_scan(), which has
 * already checked every byte against RFC 8259) member by member, read the
 * members they need with the same value parsers as gh_points.c and skip
 * the others.
 *
 * They only ever accept: whatever is unusual (a member missing, null or
 * repeated, of another type, an escape in a name or a value, a value out
 * of range or not in its plainest spelling, such as a fraction in a UTC
 * offset) makes the chunk go to the general path instead, which accepts it
 * or reports the error with its JSON path exactly as it always has.  So
 * the errors, and every value of a page the general path accepts, are the
 * same by construction; fuzz/fuzz_gh_fastpoints.c checks that on every
 * input.
 *
 * src/providers/gh_fastpoints.c
 *
 *-------------------------------------------------------------------------
 */
#include "providers/gh_internal.h"

#include <string.h>

/* Reads the element at *p (ending before end) into slot index of the page. */
typedef bool (*FastElementFn) (GhPage *page, const char **p, const char *end,
							   size_t index);


/* ----------------------------------------------------------------------
 * Moving over checked JSON
 * ----------------------------------------------------------------------
 */

/* Skip RFC 8259 whitespace. */
static inline const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/*
 * The text of the string at p (a quote) when it holds no escape: *s and
 * *n are set and the return value points past the closing quote.  NULL
 * for an escape (the general path decodes those) or a missing quote.
 */
static inline const char *
plain_string(const char *p, const char *end, const char **s, size_t *n)
{
	const char *q;

	if (p >= end || *p != '"')
		return NULL;
	p++;
	q = memchr(p, '"', (size_t) (end - p));
	if (q == NULL || memchr(p, '\\', (size_t) (q - p)) != NULL)
		return NULL;
	*s = p;
	*n = (size_t) (q - p);
	return q + 1;
}

/*
 * Bytes that matter when skipping a value: quotes and backslashes inside a
 * string (STR), brackets outside one (NEST).  Everything else is passed
 * over with one table look-up a byte.
 */
#define STR 1
#define NEST 2
static const unsigned char skip_class[256] = {
	['"'] = STR | NEST, ['\\'] = STR,
	['{'] = NEST, ['['] = NEST, ['}'] = NEST, [']'] = NEST
};

/* Skip the string at p (a quote), escapes and all; NULL if unterminated. */
static inline const char *
skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++)
	{
		while (p < end && (skip_class[(unsigned char) *p] & STR) == 0)
			p++;
		if (p >= end)
			break;
		if (*p == '\\')
			p++;
		else
			return p + 1;
	}
	return NULL;
}

/* Skip the value at p, of any type; NULL when the input ends first. */
static const char *
skip_value(const char *p, const char *end)
{
	size_t		depth = 0;

	if (p >= end)
		return NULL;
	if (*p != '{' && *p != '[')
	{
		if (*p == '"')
			return skip_string(p, end);
		while (p < end && *p != ',' && *p != '}' && *p != ']' &&
			   *p != ' ' && *p != '\n' && *p != '\r' && *p != '\t')
			p++;
		return p;
	}
	while (p < end)
	{
		while (p < end && (skip_class[(unsigned char) *p] & NEST) == 0)
			p++;
		if (p >= end)
			break;
		switch (*p)
		{
			case '"':
				p = skip_string(p, end);
				if (p == NULL)
					return NULL;
				continue;
			case '{':
			case '[':
				depth++;
				break;
			default:			/* '}' or ']' */
				if (--depth == 0)
					return p + 1;
				break;
		}
		p++;
	}
	return NULL;
}

/*
 * Step to the next member of the object being read: p is just past its
 * '{' or just past the previous member's value.  Returns 1 with the name
 * in *k, *kn and *p at the value, 0 past the closing '}', -1 for a name
 * with an escape (or input that ends).
 */
static inline int
next_member(const char **p, const char *end, const char **k, size_t *kn)
{
	const char *q = skip_ws(*p, end);

	if (q < end && *q == ',')
		q = skip_ws(q + 1, end);
	if (q < end && *q == '}')
	{
		*p = q + 1;
		return 0;
	}
	q = plain_string(q, end, k, kn);
	if (q == NULL)
		return -1;
	q = skip_ws(q, end);
	if (q >= end || *q != ':')
		return -1;
	*p = skip_ws(q + 1, end);
	return 1;
}

/* Open the object at *p; false when the value there is not an object. */
static inline bool
open_object(const char **p, const char *end)
{
	if (*p >= end || **p != '{')
		return false;
	(*p)++;
	return true;
}

/* Whether the name k[0..kn) is lit, a string literal. */
#define NAME_IS(k, kn, lit) \
	((kn) == sizeof(lit) - 1 && memcmp((k), (lit), sizeof(lit) - 1) == 0)


/* ----------------------------------------------------------------------
 * Values, in their plainest spelling only
 * ----------------------------------------------------------------------
 */

/* A string holding a timestamp, as gh_member_timestamp() reads it. */
static inline bool
read_timestamp(const char **p, const char *end, int64_t *out)
{
	const char *s;
	size_t		n;

	*p = plain_string(*p, end, &s, &n);
	return *p != NULL && gh_parse_timestamp(s, n, out);
}

/*
 * A string holding an unsigned decimal integer within lo..hi (lo >= 0), as
 * gh_member_int64() reads it; a sign or more than 18 digits go to the
 * general path.
 */
static inline bool
read_int64(const char **p, const char *end, int64_t lo, int64_t hi,
		   int64_t *out)
{
	const char *s;
	size_t		n;
	size_t		i;
	int64_t		v = 0;

	*p = plain_string(*p, end, &s, &n);
	if (*p == NULL || n == 0 || n > 18)
		return false;
	for (i = 0; i < n; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/*
 * A string holding a UTC offset in whole seconds ("3600s", "-18000s"), as
 * gh_member_utc_offset() reads it; a fraction goes to the general path.
 */
static inline bool
read_utc_offset(const char **p, const char *end, int *out)
{
	const char *s;
	size_t		n;
	size_t		i = 0;
	int64_t		v = 0;
	bool		neg = false;

	*p = plain_string(*p, end, &s, &n);
	if (*p == NULL || n < 2 || n > 9 || s[n - 1] != 's')
		return false;
	if (s[0] == '-')
	{
		neg = true;
		i++;
	}
	if (i == n - 1)
		return false;
	for (; i < n - 1; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v > UTC_OFFSET_MAX)
		return false;
	*out = (int) (neg ? -v : v);
	return true;
}


/* ----------------------------------------------------------------------
 * Point readers
 * ----------------------------------------------------------------------
 */

/* heartRate.sampleTime: physicalTime (required) and utcOffset. */
static bool
read_sample_time(const char **p, const char *end, int64_t *t, int *offset)
{
	const char *k;
	size_t		kn;
	bool		has_t = false;
	bool		has_off = false;
	int			r;

	if (!open_object(p, end))
		return false;
	while ((r = next_member(p, end, &k, &kn)) == 1)
	{
		if (NAME_IS(k, kn, "physicalTime"))
		{
			if (has_t || !read_timestamp(p, end, t))
				return false;
			has_t = true;
		}
		else if (NAME_IS(k, kn, "utcOffset"))
		{
			if (has_off || !read_utc_offset(p, end, offset))
				return false;
			has_off = true;
		}
		else if ((*p = skip_value(*p, end)) == NULL)
			return false;
	}
	return r == 0 && has_t;
}

/* The heartRate body: sampleTime and beatsPerMinute, both required. */
static bool
read_heart_rate_body(const char **p, const char *end, int64_t *t,
					 int *offset, int64_t *bpm)
{
	const char *k;
	size_t		kn;
	bool		has_st = false;
	bool		has_bpm = false;
	int			r;

	if (!open_object(p, end))
		return false;
	while ((r = next_member(p, end, &k, &kn)) == 1)
	{
		if (NAME_IS(k, kn, "sampleTime"))
		{
			if (has_st || !read_sample_time(p, end, t, offset))
				return false;
			has_st = true;
		}
		else if (NAME_IS(k, kn, "beatsPerMinute"))
		{
			if (has_bpm || !read_int64(p, end, GH_MIN_BPM, GH_MAX_BPM, bpm))
				return false;
			has_bpm = true;
		}
		else if ((*p = skip_value(*p, end)) == NULL)
			return false;
	}
	return r == 0 && has_st && has_bpm;
}

/* One heart-rate sample, as gh_points.c's read_heart_rate() reads it. */
static bool
fast_heart_rate(GhPage *page, const char **p, const char *end, size_t index)
{
	const char *k;
	size_t		kn;
	bool		has_body = false;
	int64_t		t = 0;
	int64_t		bpm = 0;
	int			offset = 0;
	int			r;

	if (!open_object(p, end))
		return false;
	while ((r = next_member(p, end, &k, &kn)) == 1)
	{
		if (NAME_IS(k, kn, "heartRate"))
		{
			if (has_body || !read_heart_rate_body(p, end, &t, &offset, &bpm))
				return false;
			has_body = true;
		}
		else if ((*p = skip_value(*p, end)) == NULL)
			return false;
	}
	if (r != 0 || !has_body)
		return false;
	page->t[index] = t;
	page->bpm[index] = (int16_t) bpm;
	page->utc_offset[index] = offset;
	return true;
}

/*
 * An interval: startTime and endTime (required, the end not before the
 * start), startUtcOffset and endUtcOffset (checked, only the first kept).
 */
static bool
read_interval(const char **p, const char *end, int64_t *start,
			  int64_t *stop, int *start_offset)
{
	const char *k;
	size_t		kn;
	bool		has_start = false;
	bool		has_end = false;
	bool		has_so = false;
	bool		has_eo = false;
	int			ignored;
	int			r;

	if (!open_object(p, end))
		return false;
	while ((r = next_member(p, end, &k, &kn)) == 1)
	{
		if (NAME_IS(k, kn, "startTime"))
		{
			if (has_start || !read_timestamp(p, end, start))
				return false;
			has_start = true;
		}
		else if (NAME_IS(k, kn, "endTime"))
		{
			if (has_end || !read_timestamp(p, end, stop))
				return false;
			has_end = true;
		}
		else if (NAME_IS(k, kn, "startUtcOffset"))
		{
			if (has_so || !read_utc_offset(p, end, start_offset))
				return false;
			has_so = true;
		}
		else if (NAME_IS(k, kn, "endUtcOffset"))
		{
			if (has_eo || !read_utc_offset(p, end, &ignored))
				return false;
			has_eo = true;
		}
		else if ((*p = skip_value(*p, end)) == NULL)
			return false;
	}
	return r == 0 && has_start && has_end && *stop >= *start;
}

/*
 * What an interval point holds: the union key of its body, the int64
 * member counted in the interval (NULL for none) with its bound, and the
 * longest interval allowed (0 for no limit).
 */
typedef struct IntervalShape
{
	const char *key;
	const char *member;
	int64_t		max;
	int64_t		max_seconds;
} IntervalShape;

/*
 * One interval point {key: {interval: {...}, member: "n"}}: an absent
 * member is a true zero.  *value is the member's value.
 */
static bool
read_counted(const IntervalShape *shape, const char **p, const char *end,
			 int64_t *start, int64_t *stop, int *offset, int64_t *value)
{
	const char *k;
	size_t		kn;
	size_t		keylen = strlen(shape->key);
	size_t		memberlen = shape->member ? strlen(shape->member) : 0;
	bool		has_body = false;
	bool		has_iv = false;
	bool		has_value = false;
	int			r;

	*value = 0;
	*offset = 0;
	if (!open_object(p, end))
		return false;
	while ((r = next_member(p, end, &k, &kn)) == 1)
	{
		if (kn != keylen || memcmp(k, shape->key, kn) != 0)
		{
			if ((*p = skip_value(*p, end)) == NULL)
				return false;
			continue;
		}
		if (has_body || !open_object(p, end))
			return false;
		has_body = true;
		while ((r = next_member(p, end, &k, &kn)) == 1)
		{
			if (NAME_IS(k, kn, "interval"))
			{
				if (has_iv || !read_interval(p, end, start, stop, offset))
					return false;
				has_iv = true;
			}
			else if (shape->member != NULL && kn == memberlen &&
					 memcmp(k, shape->member, kn) == 0)
			{
				if (has_value || !read_int64(p, end, 0, shape->max, value))
					return false;
				has_value = true;
			}
			else if ((*p = skip_value(*p, end)) == NULL)
				return false;
		}
		if (r != 0)
			return false;
	}
	return r == 0 && has_body && has_iv &&
		(shape->max_seconds == 0 || *stop - *start <= shape->max_seconds);
}

/* One steps interval, as gh_points.c's read_steps() reads it. */
static bool
fast_steps(GhPage *page, const char **p, const char *end, size_t index)
{
	static const IntervalShape steps = {"steps", "count", STEPS_PER_POINT_MAX, 0};
	GhSteps    *st = &page->steps[index];
	int64_t		start = 0;
	int64_t		stop = 0;
	int64_t		count = 0;
	int			offset = 0;

	if (!read_counted(&steps, p, end, &start, &stop, &offset, &count))
		return false;
	st->start = start;
	st->end = stop;
	st->start_utc_offset = offset;
	st->count = count;
	return true;
}

/*
 * One interval of distance, floors or sedentary-period, as gh_activity.c's
 * gh_read_activity_interval() reads it: the member's value, or for a type
 * without one the interval's length, at level 0.
 */
static bool
fast_activity(GhPage *page, const char **p, const char *end, size_t index)
{
	GhInterval *iv = &page->intervals[index];
	IntervalShape shape;
	int64_t		start = 0;
	int64_t		stop = 0;
	int64_t		v = 0;
	int			offset = 0;
	int			k;

	if (!gh_activity_simple_interval(page->type, &shape.key, &shape.member,
									 &shape.max, &shape.max_seconds) ||
		!read_counted(&shape, p, end, &start, &stop, &offset, &v))
		return false;
	iv->start = start;
	iv->end = stop;
	iv->start_utc_offset = offset;
	for (k = 0; k < GH_LEVELS; k++)
		iv->value[k] = -1;
	iv->value[0] = shape.member != NULL ? v : stop - start;
	return true;
}


/* ----------------------------------------------------------------------
 * Chunks
 * ----------------------------------------------------------------------
 */

/* The fast reader of a page's points, or NULL when there is none. */
static FastElementFn
fast_reader(const GhPage *page)
{
	if (page->rollup)
		return NULL;
	switch (page->type)
	{
		case GH_HEART_RATE:
			return fast_heart_rate;
		case GH_STEPS:
			return fast_steps;
		case GH_DISTANCE:
		case GH_FLOORS:
		case GH_SEDENTARY_PERIOD:
			return fast_activity;
		default:
			return NULL;
	}
}

/*
 * Read the n elements of one chunk, buf[start..end), into the page's
 * slots from first on; a JcChunkFn, arg is the ParseCtx.  False (with some
 * slots perhaps filled) when any element is unusual or the chunk does not
 * hold exactly n elements: the caller then reads the chunk with the
 * general path, which fills the same slots again.
 */
bool
gh_fast_chunk(void *arg, const char *buf, size_t start, size_t end,
			  size_t first, size_t n)
{
	ParseCtx   *cx = arg;
	GhPage	   *page = cx->page;
	FastElementFn fn = fast_reader(page);
	const char *p = buf + start;
	const char *e = buf + end;
	size_t		i;

	if (fn == NULL)
		return false;
	for (i = 0; i < n; i++)
	{
		if (i > 0)
		{
			p = skip_ws(p, e);
			if (p >= e || *p != ',')
				return false;
			p = skip_ws(p + 1, e);
		}
		if (!fn(page, &p, e, first + i))
			return false;
	}
	return skip_ws(p, e) == e;
}

/* Whether gh_fast_chunk() reads the points of page. */
bool
gh_fast_points(const GhPage *page)
{
	return fast_reader(page) != NULL;
}
