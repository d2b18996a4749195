/*-------------------------------------------------------------------------
 *
 * gh_parse.c
 *	  Parse and validate Google Health API v4 responses and Google OAuth 2.0
 *	  token responses.
 *
 * The work happens in three steps, as in fitbit_parse.c:
 *
 * 1. scan_json() checks the bytes against RFC 8259 in one pass.  json-c's
 *	  strict mode still accepts NaN, Infinity, "1.", raw control characters
 *	  and lone UTF-16 surrogates, and it cannot say where a problem sits, so
 *	  the scanner decides "is this JSON" and reports the byte offset of the
 *	  first problem.  While it scans it also finds the one large array of a
 *	  page ("dataPoints", or "rollupDataPoints" for dailyRollUp) and cuts it
 *	  into chunks of BULK_CHUNK elements.
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
#include "gh_parse.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

/* Deepest nesting accepted; real documents need about eight levels. */
#define GH_MAX_DEPTH 64

/* Largest input accepted, PostgreSQL's MaxAllocSize. */
#define GH_MAX_INPUT ((size_t) 0x3fffffff)

/*
 * Elements of the large array handed to json-c at a time.  On a
 * 10,000-point heart-rate page sizes from 8 to 256 measure within noise of
 * each other (about 4 times faster than one tree); small ones stay in cache.
 */
#define BULK_CHUNK 16

/* Longest description of a bad value quoted in a message, in bytes. */
#define DESC_MAX 48

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

/* A byte range of the input holding consecutive array elements. */
typedef struct JsonChunk
{
	size_t		start;			/* offset of the first element */
	size_t		end;			/* offset just past the last element */
} JsonChunk;

/*
 * What scan_json() learns about the input.  The "bulk" array is the value
 * of the member bulk_key of the top-level object (the last one, if the
 * name repeats).
 */
typedef struct JsonScan
{
	const char *bulk_key;		/* NULL: nothing is cut out */
	size_t		bulk_key_len;
	size_t		value_start;	/* offset of the top-level value */
	unsigned char root;			/* first byte of the top-level value */
	bool		bulk_found;
	bool		no_elide;		/* an escaped key might alias the bulk */
	size_t		bulk_open;		/* offset just past the bulk's '[' */
	size_t		bulk_close;		/* offset of the bulk's ']' */
	size_t		bulk_count;		/* elements in the bulk */
	JsonChunk  *chunks;
	size_t		nchunks;
	size_t		chunks_cap;

	/* scanner state */
	size_t		bulk_depth;		/* depth inside the open bulk, or 0 */
	bool		pending;		/* the next value belongs to bulk_key */
	size_t		last_end;		/* end of the last bulk element */
	bool		oom;
} JsonScan;

/*
 * One step of a JSON path, kept on the C stack while the readers descend,
 * so that a path string is only built when there is an error to report.
 */
typedef struct PathSeg
{
	const struct PathSeg *up;	/* NULL for the document root */
	const char *key;			/* member name, or NULL for an index */
	size_t		index;
} PathSeg;

/* A slice of bytes handed to json-c. */
typedef struct Piece
{
	const char *p;
	size_t		n;
} Piece;

typedef struct ParseCtx
{
	const char *buf;
	size_t		len;
	GhError    *err;
	json_tokener *tok;
	JsonScan	scan;
	GhPage	   *page;
} ParseCtx;

/* Reads one element of the page's array into position index. */
typedef GhErrorKind (*ElementFn) (ParseCtx *cx, json_object *elem,
								  const PathSeg *at, size_t index);

/* What a string member may contain; see check_chars(). */
typedef enum StrRule
{
	STR_ENUM,					/* A-Z a-z 0-9 _ */
	STR_TOKEN,					/* visible ASCII, never quoted in errors */
	STR_SCOPE,					/* visible ASCII and spaces */
	STR_NAME,					/* visible ASCII */
	STR_TIME_ZONE,				/* A-Z a-z 0-9 / _ + - */
	STR_TEXT					/* anything but NUL */
} StrRule;

static const PathSeg path_root = {NULL, NULL, 0};

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


/* ----------------------------------------------------------------------
 * Errors and paths
 * ----------------------------------------------------------------------
 */

/*
 * Clamp an snprintf() result to what was really stored, so that callers
 * can keep appending after a truncation.
 */
static size_t
clamp_written(int rc, size_t used, size_t size)
{
	if (rc < 0)
		return used;
	if (used + (size_t) rc >= size)
		return size - 1;
	return used + (size_t) rc;
}

/*
 * Whether a member name can be written as .name in a path; other names
 * are written as ["name"].
 */
static bool
is_identifier(const char *key)
{
	const char *p;

	if (!((*key >= 'a' && *key <= 'z') || (*key >= 'A' && *key <= 'Z') ||
		  *key == '_'))
		return false;
	for (p = key + 1; *p; p++)
	{
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	}
	return true;
}

/*
 * Render a path into buf; returns the length written.  Recursion depth is
 * the depth of the reader that failed, a handful of levels.  Keys are the
 * module's own literals, so they need no escaping.
 */
static size_t
path_render(const PathSeg *seg, char *buf, size_t size)
{
	size_t		n;

	if (seg == NULL || seg->up == NULL)
		return clamp_written(snprintf(buf, size, "$"), 0, size);
	n = path_render(seg->up, buf, size);
	if (seg->key == NULL)
		return clamp_written(snprintf(buf + n, size - n, "[%zu]", seg->index),
							 n, size);
	if (is_identifier(seg->key))
		return clamp_written(snprintf(buf + n, size - n, ".%s", seg->key),
							 n, size);
	return clamp_written(snprintf(buf + n, size - n, "[\"%s\"]", seg->key),
						 n, size);
}

/*
 * Record an error and return its kind, so that readers can write
 * "return fail(...)".  Only the first error of a parse is kept.
 */
static GhErrorKind
fail(ParseCtx *cx, GhErrorKind kind, const PathSeg *at, const char *fmt,...)
__attribute__((format(printf, 4, 5)));

static GhErrorKind
fail(ParseCtx *cx, GhErrorKind kind, const PathSeg *at, const char *fmt,...)
{
	va_list		ap;

	if (cx->err->kind != GH_OK)
		return cx->err->kind;
	cx->err->kind = kind;
	path_render(at, cx->err->path, sizeof(cx->err->path));
	va_start(ap, fmt);
	vsnprintf(cx->err->message, sizeof(cx->err->message), fmt, ap);
	va_end(ap);
	return kind;
}

/* Report an allocation failure; the path says what was being read. */
static GhErrorKind
fail_nomem(ParseCtx *cx, const PathSeg *at)
{
	return fail(cx, GH_ERR_NOMEM, at, "out of memory");
}

/*
 * Copy at most DESC_MAX bytes of text into buf, marking a cut with "...".
 * The cut never splits a UTF-8 sequence, so that messages stay valid text
 * for the server's error reporting.
 */
static const char *
copy_truncated(char *buf, size_t size, const char *text)
{
	size_t		n = strlen(text);
	size_t		limit = DESC_MAX;

	if (limit > size - 4)
		limit = size - 4;
	if (n <= limit)
	{
		memcpy(buf, text, n + 1);
		return buf;
	}
	n = limit;
	while (n > 0 && ((unsigned char) text[n] & 0xC0) == 0x80)
		n--;
	memcpy(buf, text, n);
	memcpy(buf + n, "...", 4);
	return buf;
}

/*
 * Describe a JSON value for an error message: numbers as written in the
 * input, strings quoted and escaped, containers as {...} or [...].
 * Integers json-c had to saturate are shown as bounds, since their text is
 * gone.
 */
static const char *
describe(json_object *v, char *buf, size_t size)
{
	switch (json_object_get_type(v))
	{
		case json_type_null:
			return "null";
		case json_type_boolean:
			return json_object_get_boolean(v) ? "true" : "false";
		case json_type_object:
			return "{...}";
		case json_type_array:
			return "[...]";
		case json_type_int:
			{
				int64_t		i = json_object_get_int64(v);

				if (i == INT64_MIN)
					snprintf(buf, size, "%lld or less", (long long) i);
				else if (i == INT64_MAX &&
						 json_object_get_uint64(v) == UINT64_MAX)
					snprintf(buf, size, "%llu or more",
							 (unsigned long long) UINT64_MAX);
				else
					copy_truncated(buf, size,
								   json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
				return buf;
			}
		case json_type_double:
		case json_type_string:
			return copy_truncated(buf, size,
								  json_object_to_json_string_ext(v,
																 JSON_C_TO_STRING_PLAIN |
																 JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	return "?";
}


/* ----------------------------------------------------------------------
 * The scanner
 * ----------------------------------------------------------------------
 */

/*
 * Describe the byte at pos for a syntax error: a printable character in
 * quotes, anything else as hex.
 */
static const char *
describe_byte(const unsigned char *s, size_t len, size_t pos, char *buf,
			  size_t size)
{
	if (pos >= len)
		return "end of input";
	if (s[pos] > 0x20 && s[pos] < 0x7f)
		snprintf(buf, size, "character '%c'", s[pos]);
	else
		snprintf(buf, size, "byte 0x%02x", s[pos]);
	return buf;
}

/* Report a syntax error at a byte offset. */
static GhErrorKind
syntax_error(ParseCtx *cx, size_t pos, const char *what)
{
	return fail(cx, GH_ERR_NOT_JSON, &path_root,
				"invalid json at byte offset %zu: %s", pos, what);
}

/* Report an unexpected byte (or the end of input) at pos. */
static GhErrorKind
unexpected(ParseCtx *cx, const unsigned char *s, size_t len, size_t pos)
{
	char		b[32];
	char		what[64];

	snprintf(what, sizeof(what), "unexpected %s",
			 describe_byte(s, len, pos, b, sizeof(b)));
	return syntax_error(cx, pos, what);
}

static inline bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static inline int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Read the four hex digits of a \u escape at s[pos]; -1 if malformed. */
static long
read_hex4(const unsigned char *s, size_t len, size_t pos)
{
	long		v = 0;
	int			i;

	if (len - pos < 4)
		return -1;
	for (i = 0; i < 4; i++)
	{
		int			h = hex_value(s[pos + i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/*
 * Length of the well-formed UTF-8 sequence starting at s[pos] (RFC 3629:
 * no overlong forms, no encoded surrogates, nothing above U+10FFFF), or 0.
 */
static size_t
utf8_length(const unsigned char *s, size_t len, size_t pos)
{
	unsigned char c = s[pos];
	unsigned char lo = 0x80;
	unsigned char hi = 0xBF;
	size_t		n;
	size_t		i;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
	{
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	}
	else if (c >= 0xF0 && c <= 0xF4)
	{
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	}
	else
		return 0;
	if (len - pos < n)
		return 0;
	if (s[pos + 1] < lo || s[pos + 1] > hi)
		return 0;
	for (i = 2; i < n; i++)
	{
		if ((s[pos + i] & 0xC0) != 0x80)
			return 0;
	}
	return n;
}

/*
 * Scan the string starting at the quote s[*pos]; on success *pos is just
 * past the closing quote and *escaped says whether it held an escape.
 * Lone UTF-16 surrogates in \u escapes are rejected, as PostgreSQL's jsonb
 * does, because they cannot become valid UTF-8.
 */
static GhErrorKind
scan_string(ParseCtx *cx, const unsigned char *s, size_t len, size_t *pos,
			bool *escaped)
{
	size_t		p = *pos + 1;

	*escaped = false;
	for (;;)
	{
		unsigned char c;

		/* plain printable ASCII is by far the common case */
		while (p < len && s[p] >= 0x20 && s[p] < 0x80 && s[p] != '"' &&
			   s[p] != '\\')
			p++;
		if (p >= len)
			return syntax_error(cx, p, "unterminated string");
		c = s[p];
		if (c == '"')
		{
			*pos = p + 1;
			return GH_OK;
		}
		if (c == '\\')
		{
			long		cp;

			*escaped = true;
			if (p + 1 >= len)
				return syntax_error(cx, p + 1, "unterminated string");
			switch (s[p + 1])
			{
				case '"':
				case '\\':
				case '/':
				case 'b':
				case 'f':
				case 'n':
				case 'r':
				case 't':
					p += 2;
					break;
				case 'u':
					cp = read_hex4(s, len, p + 2);
					if (cp < 0)
						return syntax_error(cx, p, "invalid \\u escape");
					if (cp >= 0xDC00 && cp <= 0xDFFF)
						return syntax_error(cx, p, "lone utf-16 surrogate in \\u escape");
					if (cp >= 0xD800 && cp <= 0xDBFF)
					{
						long		lo = -1;

						if (len - p >= 12 && s[p + 6] == '\\' && s[p + 7] == 'u')
							lo = read_hex4(s, len, p + 8);
						if (lo < 0xDC00 || lo > 0xDFFF)
							return syntax_error(cx, p, "lone utf-16 surrogate in \\u escape");
						p += 12;
					}
					else
						p += 6;
					break;
				default:
					return syntax_error(cx, p, "invalid escape in string");
			}
		}
		else if (c < 0x20)
		{
			char		what[64];

			snprintf(what, sizeof(what),
					 "control character 0x%02x in string", c);
			return syntax_error(cx, p, what);
		}
		else
		{
			size_t		n = utf8_length(s, len, p);

			if (n == 0)
				return syntax_error(cx, p, "invalid utf-8 in string");
			p += n;
		}
	}
}

/* Scan a number at s[*pos] by the RFC 8259 grammar. */
static GhErrorKind
scan_number(ParseCtx *cx, const unsigned char *s, size_t len, size_t *pos)
{
	size_t		p = *pos;

	if (s[p] == '-')
		p++;
	if (p < len && s[p] == '0')
		p++;
	else if (p < len && s[p] >= '1' && s[p] <= '9')
	{
		while (p < len && s[p] >= '0' && s[p] <= '9')
			p++;
	}
	else
		return syntax_error(cx, p, "invalid number");
	if (p < len && s[p] == '.')
	{
		p++;
		if (p >= len || s[p] < '0' || s[p] > '9')
			return syntax_error(cx, p, "invalid number");
		while (p < len && s[p] >= '0' && s[p] <= '9')
			p++;
	}
	if (p < len && (s[p] == 'e' || s[p] == 'E'))
	{
		p++;
		if (p < len && (s[p] == '+' || s[p] == '-'))
			p++;
		if (p >= len || s[p] < '0' || s[p] > '9')
			return syntax_error(cx, p, "invalid number");
		while (p < len && s[p] >= '0' && s[p] <= '9')
			p++;
	}
	*pos = p;
	return GH_OK;
}

/*
 * Note a member name of the top-level object.  A repeated bulk key
 * replaces the bulk seen before it, as json-c keeps the last member; an
 * escaped name might spell the bulk key, so it disables the cutting.
 */
static void
on_key(JsonScan *sc, size_t depth, const unsigned char *k, size_t klen,
	   bool escaped)
{
	sc->pending = false;
	if (sc->bulk_key == NULL || depth != 1 || sc->root != '{')
		return;
	if (escaped)
		sc->no_elide = true;
	else if (klen == sc->bulk_key_len && memcmp(k, sc->bulk_key, klen) == 0)
	{
		sc->pending = true;
		sc->bulk_found = false;
		sc->bulk_count = 0;
		sc->nchunks = 0;
	}
}

/*
 * Note the start of a value at depth (the depth of its container, 0 for
 * the top level).  Elements of the bulk array are counted and every
 * BULK_CHUNK-th one starts a new chunk.
 */
static void
on_value(JsonScan *sc, size_t depth, unsigned char c, size_t pos)
{
	if (sc->bulk_depth != 0 && depth == sc->bulk_depth)
	{
		if (sc->bulk_count % BULK_CHUNK == 0)
		{
			if (sc->nchunks == sc->chunks_cap)
			{
				size_t		cap = sc->chunks_cap ? sc->chunks_cap * 2 : 16;
				JsonChunk  *n = realloc(sc->chunks, cap * sizeof(JsonChunk));

				if (n == NULL)
				{
					sc->oom = true;
					return;
				}
				sc->chunks = n;
				sc->chunks_cap = cap;
			}
			if (sc->nchunks > 0)
				sc->chunks[sc->nchunks - 1].end = sc->last_end;
			sc->chunks[sc->nchunks].start = pos;
			sc->chunks[sc->nchunks].end = pos;
			sc->nchunks++;
		}
		sc->bulk_count++;
	}
	if (depth == 0)
	{
		sc->value_start = pos;
		sc->root = c;
	}
	else if (sc->pending && c == '[')
	{
		sc->bulk_depth = depth + 1;
		sc->bulk_open = pos + 1;
	}
	sc->pending = false;
}

/* Note the end of a value at depth, just before pos. */
static inline void
on_value_end(JsonScan *sc, size_t depth, size_t pos)
{
	if (sc->bulk_depth != 0 && depth == sc->bulk_depth)
		sc->last_end = pos;
}

/* Note the closing bracket at pos of a container whose contents are at depth. */
static void
on_close(JsonScan *sc, size_t depth, size_t pos)
{
	if (sc->bulk_depth != 0 && depth == sc->bulk_depth)
	{
		sc->bulk_found = true;
		sc->bulk_close = pos;
		if (sc->nchunks > 0)
			sc->chunks[sc->nchunks - 1].end = sc->last_end;
		sc->bulk_depth = 0;
	}
}

/*
 * Check that buf is exactly one JSON value (RFC 8259, UTF-8, an optional
 * leading byte order mark, surrounding whitespace) and fill cx->scan.
 * Nesting deeper than GH_MAX_DEPTH stops the scan with a shape error: the
 * API never nests that deep, and json-c would refuse it.
 */
static GhErrorKind
scan_json(ParseCtx *cx)
{
	const unsigned char *s = (const unsigned char *) cx->buf;
	size_t		len = cx->len;
	JsonScan   *sc = &cx->scan;
	unsigned char stack[GH_MAX_DEPTH];
	size_t		depth = 0;
	size_t		pos = 0;
	GhErrorKind rc = GH_OK;
	bool		escaped;
	size_t		kstart;
	unsigned char c;

	if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
		pos = 3;

value:
	while (pos < len && is_ws(s[pos]))
		pos++;
	if (pos >= len)
		return syntax_error(cx, pos, "unexpected end of input");
	c = s[pos];
	on_value(sc, depth, c, pos);
	if (sc->oom)
		return fail_nomem(cx, &path_root);
	switch (c)
	{
		case '{':
		case '[':
			if (depth == GH_MAX_DEPTH)
				return fail(cx, GH_ERR_SHAPE, &path_root,
							"json nested deeper than %d levels at byte offset %zu",
							GH_MAX_DEPTH, pos);
			stack[depth++] = c;
			pos++;
			while (pos < len && is_ws(s[pos]))
				pos++;
			if (pos < len && s[pos] == (c == '{' ? '}' : ']'))
			{
				on_close(sc, depth, pos);
				depth--;
				pos++;
				goto after;
			}
			if (c == '{')
				goto key;
			goto value;
		case '"':
			rc = scan_string(cx, s, len, &pos, &escaped);
			if (rc != GH_OK)
				return rc;
			goto after;
		case 't':
			if (len - pos >= 4 && memcmp(s + pos, "true", 4) == 0)
			{
				pos += 4;
				goto after;
			}
			return syntax_error(cx, pos, "invalid literal");
		case 'f':
			if (len - pos >= 5 && memcmp(s + pos, "false", 5) == 0)
			{
				pos += 5;
				goto after;
			}
			return syntax_error(cx, pos, "invalid literal");
		case 'n':
			if (len - pos >= 4 && memcmp(s + pos, "null", 4) == 0)
			{
				pos += 4;
				goto after;
			}
			return syntax_error(cx, pos, "invalid literal");
		default:
			if (c == '-' || (c >= '0' && c <= '9'))
			{
				rc = scan_number(cx, s, len, &pos);
				if (rc != GH_OK)
					return rc;
				goto after;
			}
			return unexpected(cx, s, len, pos);
	}

key:
	/* whitespace has been skipped */
	if (pos >= len)
		return syntax_error(cx, pos, "unexpected end of input");
	if (s[pos] != '"')
		return syntax_error(cx, pos, "expected a member name in double quotes");
	kstart = pos + 1;
	rc = scan_string(cx, s, len, &pos, &escaped);
	if (rc != GH_OK)
		return rc;
	on_key(sc, depth, s + kstart, pos - 1 - kstart, escaped);
	while (pos < len && is_ws(s[pos]))
		pos++;
	if (pos >= len)
		return syntax_error(cx, pos, "unexpected end of input");
	if (s[pos] != ':')
		return syntax_error(cx, pos, "expected ':' after a member name");
	pos++;
	goto value;

after:
	on_value_end(sc, depth, pos);
	while (pos < len && is_ws(s[pos]))
		pos++;
	if (depth == 0)
	{
		if (pos != len)
			return syntax_error(cx, pos, "trailing data after the json value");
		return GH_OK;
	}
	if (pos >= len)
		return syntax_error(cx, pos, "unexpected end of input");
	c = s[pos];
	if (c == ',')
	{
		pos++;
		while (pos < len && is_ws(s[pos]))
			pos++;
		if (stack[depth - 1] == '{')
			goto key;
		goto value;
	}
	if ((c == '}' && stack[depth - 1] == '{') ||
		(c == ']' && stack[depth - 1] == '['))
	{
		on_close(sc, depth, pos);
		depth--;
		pos++;
		goto after;
	}
	return unexpected(cx, s, len, pos);
}


/* ----------------------------------------------------------------------
 * json-c
 * ----------------------------------------------------------------------
 */

/*
 * Build a json-c tree from consecutive pieces of text.  The scanner has
 * already accepted the bytes, so a failure here means json-c ran out of
 * memory or disagrees with the scanner; both are reported, not hidden.
 */
static GhErrorKind
jc_parse(ParseCtx *cx, const Piece *pieces, int npieces, json_object **out)
{
	json_object *obj = NULL;
	enum json_tokener_error jerr = json_tokener_continue;
	size_t		offset = 0;
	int			i;

	*out = NULL;
	json_tokener_reset(cx->tok);
	for (i = 0; i < npieces; i++)
	{
		if (pieces[i].n == 0)
			continue;
		if (jerr != json_tokener_continue)
		{
			/* a value completed before the last piece */
			jerr = json_tokener_error_parse_unexpected;
			break;
		}
		if (pieces[i].p >= cx->buf && pieces[i].p < cx->buf + cx->len)
			offset = (size_t) (pieces[i].p - cx->buf);
		obj = json_tokener_parse_ex(cx->tok, pieces[i].p, (int) pieces[i].n);
		jerr = json_tokener_get_error(cx->tok);
		if (jerr != json_tokener_continue && jerr != json_tokener_success)
			break;
		if (jerr == json_tokener_success &&
			json_tokener_get_parse_end(cx->tok) != pieces[i].n)
		{
			jerr = json_tokener_error_parse_unexpected;
			break;
		}
	}
	if (obj == NULL && jerr == json_tokener_continue)
	{
		/* a bare top-level number only ends at a NUL */
		obj = json_tokener_parse_ex(cx->tok, "", 1);
		jerr = json_tokener_get_error(cx->tok);
	}
	if (jerr == json_tokener_success)
	{
		/* obj is NULL for a top-level null, which callers then refuse */
		*out = obj;
		return GH_OK;
	}
	if (obj != NULL)
		json_object_put(obj);
	if (jerr == json_tokener_continue)
		return fail_nomem(cx, &path_root);
	return fail(cx, GH_ERR_NOT_JSON, &path_root,
				"json-c rejected the input near byte offset %zu: %s",
				offset + json_tokener_get_parse_end(cx->tok),
				json_tokener_error_desc(jerr));
}

/*
 * Check and parse the whole input.  With bulk_key set, the array under
 * that member of the top-level object is left out of *root (an empty
 * array stands in its place) and cut into chunks for walk_bulk().  The
 * caller frees *root and calls ctx_done().
 */
static GhErrorKind
parse_document(ParseCtx *cx, const char *bulk_key, json_object **root)
{
	JsonScan   *sc = &cx->scan;
	Piece		pieces[2];
	int			npieces;
	GhErrorKind rc;

	*root = NULL;
	if (cx->len > GH_MAX_INPUT)
		return fail(cx, GH_ERR_RANGE, &path_root,
					"input of %zu bytes is larger than the limit of %zu bytes",
					cx->len, GH_MAX_INPUT);
	sc->bulk_key = bulk_key;
	sc->bulk_key_len = bulk_key != NULL ? strlen(bulk_key) : 0;
	rc = scan_json(cx);
	if (rc != GH_OK)
		return rc;

	cx->tok = json_tokener_new_ex(GH_MAX_DEPTH + 2);
	if (cx->tok == NULL)
		return fail_nomem(cx, &path_root);
	json_tokener_set_flags(cx->tok, JSON_TOKENER_STRICT);

	pieces[0].p = cx->buf + sc->value_start;
	if (sc->bulk_found && !sc->no_elide)
	{
		pieces[0].n = sc->bulk_open - sc->value_start;
		pieces[1].p = cx->buf + sc->bulk_close;
		pieces[1].n = cx->len - sc->bulk_close;
		npieces = 2;
	}
	else
	{
		pieces[0].n = cx->len - sc->value_start;
		npieces = 1;
	}
	return jc_parse(cx, pieces, npieces, root);
}

/* Release what parse_document() left in cx. */
static void
ctx_done(ParseCtx *cx)
{
	if (cx->tok != NULL)
		json_tokener_free(cx->tok);
	cx->tok = NULL;
	free(cx->scan.chunks);
	cx->scan.chunks = NULL;
}

/* Set up cx for one parse; err may be NULL, then local_err is used. */
static void
ctx_init(ParseCtx *cx, const char *buf, size_t len, GhError *err,
		 GhError *local_err)
{
	if (err == NULL)
		err = local_err;
	memset(err, 0, sizeof(*err));
	memset(cx, 0, sizeof(*cx));
	cx->buf = buf != NULL ? buf : "";
	cx->len = buf != NULL ? len : 0;
	cx->err = err;
}

/* Check that the top-level value is an object, naming what it is if not. */
static GhErrorKind
require_root_object(ParseCtx *cx, const char *what)
{
	const char *is;

	switch (cx->scan.root)
	{
		case '{':
			return GH_OK;
		case '[':
			is = "an array";
			break;
		case '"':
			is = "a string";
			break;
		case 't':
		case 'f':
			is = "a boolean";
			break;
		case 'n':
			is = "null";
			break;
		default:
			is = "a number";
			break;
	}
	return fail(cx, GH_ERR_SHAPE, &path_root,
				"top-level value is %s, not %s", is, what);
}

/*
 * Feed each element of the bulk array, chunk by chunk, to fn.  The chunk
 * trees are freed as soon as they have been read.
 */
static GhErrorKind
walk_bulk(ParseCtx *cx, const PathSeg *array_path, ElementFn fn)
{
	JsonScan   *sc = &cx->scan;
	size_t		base = 0;
	size_t		j;

	for (j = 0; j < sc->nchunks; j++)
	{
		Piece		pieces[3];
		json_object *arr;
		GhErrorKind rc;
		size_t		n;
		size_t		i;

		pieces[0].p = "[";
		pieces[0].n = 1;
		pieces[1].p = cx->buf + sc->chunks[j].start;
		pieces[1].n = sc->chunks[j].end - sc->chunks[j].start;
		pieces[2].p = "]";
		pieces[2].n = 1;
		rc = jc_parse(cx, pieces, 3, &arr);
		if (rc != GH_OK)
			return rc;
		n = json_object_array_length(arr);
		for (i = 0; i < n && base + i < sc->bulk_count; i++)
		{
			PathSeg		at = {array_path, NULL, base + i};

			rc = fn(cx, json_object_array_get_idx(arr, i), &at, base + i);
			if (rc != GH_OK)
				break;
		}
		json_object_put(arr);
		if (rc != GH_OK)
			return rc;
		base += n;
	}
	if (base != sc->bulk_count)
		return fail(cx, GH_ERR_NOT_JSON, array_path,
					"json-c found %zu elements where the scanner found %zu",
					base, sc->bulk_count);
	return GH_OK;
}

/* Feed each element of a json-c array to fn. */
static GhErrorKind
walk_array(ParseCtx *cx, json_object *arr, const PathSeg *array_path,
		   ElementFn fn)
{
	size_t		n = json_object_array_length(arr);
	size_t		i;

	for (i = 0; i < n; i++)
	{
		PathSeg		at = {array_path, NULL, i};
		GhErrorKind rc;

		rc = fn(cx, json_object_array_get_idx(arr, i), &at, i);
		if (rc != GH_OK)
			return rc;
	}
	return GH_OK;
}


/* ----------------------------------------------------------------------
 * Text: integers, dates, timestamps, durations
 * ----------------------------------------------------------------------
 */

/* Value of two ASCII digits, or -1. */
static inline int
two_digits(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
 * Whether y-m-d is a real date of the proleptic Gregorian calendar within
 * google.type.Date's years 1..9999.
 */
static bool
valid_date(int y, int m, int d)
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
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t		yy = (int64_t) y - (m <= 2 ? 1 : 0);
	int64_t		era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t		yoe = yy - era * 400;
	int64_t		doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t		doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

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
	c1 = two_digits(s);
	c2 = two_digits(s + 2);
	mo = two_digits(s + 5);
	d = two_digits(s + 8);
	h = two_digits(s + 11);
	mi = two_digits(s + 14);
	sec = two_digits(s + 17);
	if (c1 < 0 || c2 < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0 ||
		!valid_date(c1 * 100 + c2, mo, d) || h > 23 || mi > 59 || sec > 59)
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
		oh = two_digits(s + p + 1);
		om = two_digits(s + p + 4);
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
	*out = days_from_civil(c1 * 100 + c2, mo, d) * 86400 +
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
 * Look up member key of obj, which sits at path at.  A required member
 * that is absent is a shape error; an optional one that is absent or null
 * comes back as NULL (proto3 treats null as the default value).  json-c
 * represents a JSON null as a NULL pointer, so a required null comes back
 * as NULL too, for the caller's type check to reject.
 */
static GhErrorKind
get_member(ParseCtx *cx, json_object *obj, const PathSeg *at,
		   const char *key, bool required, json_object **out)
{
	*out = NULL;
	if (!json_object_object_get_ex(obj, key, out))
	{
		PathSeg		mp = {at, key, 0};

		*out = NULL;
		if (required)
			return fail(cx, GH_ERR_SHAPE, &mp, "%s is missing", key);
	}
	return GH_OK;
}

/* Check that v is an object. */
static GhErrorKind
check_object(ParseCtx *cx, json_object *v, const PathSeg *at,
			 const char *name)
{
	char		d[DESC_MAX + 8];

	if (json_object_is_type(v, json_type_object))
		return GH_OK;
	return fail(cx, GH_ERR_TYPE, at, "%s %s is not an object", name,
				describe(v, d, sizeof(d)));
}

/* Check that v is an array. */
static GhErrorKind
check_array(ParseCtx *cx, json_object *v, const PathSeg *at,
			const char *name)
{
	char		d[DESC_MAX + 8];

	if (json_object_is_type(v, json_type_array))
		return GH_OK;
	return fail(cx, GH_ERR_TYPE, at, "%s %s is not an array", name,
				describe(v, d, sizeof(d)));
}

/* Check that v is a string and return its bytes. */
static GhErrorKind
check_string(ParseCtx *cx, json_object *v, const PathSeg *at,
			 const char *name, const char **s, size_t *len)
{
	char		d[DESC_MAX + 8];

	if (!json_object_is_type(v, json_type_string))
		return fail(cx, GH_ERR_TYPE, at, "%s %s is not a string", name,
					describe(v, d, sizeof(d)));
	*s = json_object_get_string(v);
	*len = (size_t) json_object_get_string_len(v);
	return GH_OK;
}

/*
 * Fetch an object member; *out is NULL when it is optional and absent.
 * The readers descend through these.
 */
static GhErrorKind
member_object(ParseCtx *cx, json_object *obj, const PathSeg *at,
			  const char *key, bool required, json_object **out)
{
	PathSeg		mp = {at, key, 0};
	GhErrorKind rc;

	rc = get_member(cx, obj, at, key, required, out);
	if (rc != GH_OK || (*out == NULL && !required))
		return rc;
	return check_object(cx, *out, &mp, key);
}

/* Fetch an array member; *out is NULL when it is optional and absent. */
static GhErrorKind
member_array(ParseCtx *cx, json_object *obj, const PathSeg *at,
			 const char *key, bool required, json_object **out)
{
	PathSeg		mp = {at, key, 0};
	GhErrorKind rc;

	rc = get_member(cx, obj, at, key, required, out);
	if (rc != GH_OK || (*out == NULL && !required))
		return rc;
	return check_array(cx, *out, &mp, key);
}

/*
 * Fetch an int64 member, a decimal string by the proto3 JSON mapping, and
 * check it is within lo..hi.  A JSON number is a type error: it means the
 * sender does not follow the mapping, and large values would have lost
 * precision.  An optional member that is absent leaves *out alone and sets
 * *found (if given) to false.
 */
static GhErrorKind
member_int64(ParseCtx *cx, json_object *obj, const PathSeg *at,
			 const char *key, bool required, int64_t lo, int64_t hi,
			 int64_t *out, bool *found)
{
	PathSeg		mp = {at, key, 0};
	json_object *v;
	char		d[DESC_MAX + 8];
	int64_t		i = 0;
	int			r;
	GhErrorKind rc;

	if (found != NULL)
		*found = false;
	rc = get_member(cx, obj, at, key, required, &v);
	if (rc != GH_OK || (v == NULL && !required))
		return rc;
	if (json_object_is_type(v, json_type_int) ||
		json_object_is_type(v, json_type_double))
		return fail(cx, GH_ERR_TYPE, &mp,
					"%s %s is a json number, not an int64 string", key,
					describe(v, d, sizeof(d)));
	if (!json_object_is_type(v, json_type_string))
		return fail(cx, GH_ERR_TYPE, &mp, "%s %s is not an int64 string",
					key, describe(v, d, sizeof(d)));
	r = parse_int64_text(json_object_get_string(v),
						 (size_t) json_object_get_string_len(v), &i);
	if (r == INT_SYNTAX)
		return fail(cx, GH_ERR_TYPE, &mp,
					"%s %s is not a decimal integer string", key,
					describe(v, d, sizeof(d)));
	if (r == INT_OVERFLOW || i < lo || i > hi)
		return fail(cx, GH_ERR_RANGE, &mp, "%s %s is outside %lld..%lld",
					key, describe(v, d, sizeof(d)),
					(long long) lo, (long long) hi);
	*out = i;
	if (found != NULL)
		*found = true;
	return GH_OK;
}

/*
 * Fetch an int32 member, a JSON integer (not 37.0, not "37"), within
 * lo..hi.  Absent and optional: *out is left alone, *found false.
 */
static GhErrorKind
member_int(ParseCtx *cx, json_object *obj, const PathSeg *at,
		   const char *key, bool required, int64_t lo, int64_t hi,
		   int64_t *out, bool *found)
{
	PathSeg		mp = {at, key, 0};
	json_object *v;
	char		d[DESC_MAX + 8];
	int64_t		i;
	GhErrorKind rc;

	if (found != NULL)
		*found = false;
	rc = get_member(cx, obj, at, key, required, &v);
	if (rc != GH_OK || (v == NULL && !required))
		return rc;
	if (!json_object_is_type(v, json_type_int))
		return fail(cx, GH_ERR_TYPE, &mp, "%s %s is not an integer", key,
					describe(v, d, sizeof(d)));
	i = json_object_get_int64(v);
	if (i < lo || i > hi)
		return fail(cx, GH_ERR_RANGE, &mp, "%s %s is outside %lld..%lld",
					key, describe(v, d, sizeof(d)),
					(long long) lo, (long long) hi);
	*out = i;
	if (found != NULL)
		*found = true;
	return GH_OK;
}

/*
 * Fetch an optional double member, a JSON number, within lo..hi.  The
 * scanner has already refused NaN and Infinity.  Absent: *out is left
 * alone.
 */
static GhErrorKind
member_double(ParseCtx *cx, json_object *obj, const PathSeg *at,
			  const char *key, double lo, double hi, double *out)
{
	PathSeg		mp = {at, key, 0};
	json_object *v;
	char		d[DESC_MAX + 8];
	double		x;
	GhErrorKind rc;

	rc = get_member(cx, obj, at, key, false, &v);
	if (rc != GH_OK || v == NULL)
		return rc;
	if (!json_object_is_type(v, json_type_int) &&
		!json_object_is_type(v, json_type_double))
		return fail(cx, GH_ERR_TYPE, &mp, "%s %s is not a number", key,
					describe(v, d, sizeof(d)));
	x = json_object_get_double(v);
	/* written so that a NaN fails too */
	if (!(x >= lo && x <= hi))
		return fail(cx, GH_ERR_RANGE, &mp, "%s %s is outside %g..%g", key,
					describe(v, d, sizeof(d)), lo, hi);
	*out = x;
	return GH_OK;
}

/* Fetch an optional boolean member; absent leaves *out alone. */
static GhErrorKind
member_bool(ParseCtx *cx, json_object *obj, const PathSeg *at,
			const char *key, bool *out)
{
	PathSeg		mp = {at, key, 0};
	json_object *v;
	char		d[DESC_MAX + 8];
	GhErrorKind rc;

	rc = get_member(cx, obj, at, key, false, &v);
	if (rc != GH_OK || v == NULL)
		return rc;
	if (!json_object_is_type(v, json_type_boolean))
		return fail(cx, GH_ERR_TYPE, &mp, "%s %s is not a boolean", key,
					describe(v, d, sizeof(d)));
	*out = json_object_get_boolean(v);
	return GH_OK;
}

/*
 * Fetch a timestamp member as epoch seconds.  Optional and absent: *out is
 * left alone.
 */
static GhErrorKind
member_timestamp(ParseCtx *cx, json_object *obj, const PathSeg *at,
				 const char *key, bool required, int64_t *out)
{
	PathSeg		mp = {at, key, 0};
	json_object *v;
	const char *s = NULL;
	size_t		slen = 0;
	char		d[DESC_MAX + 8];
	GhErrorKind rc;

	rc = get_member(cx, obj, at, key, required, &v);
	if (rc != GH_OK || (v == NULL && !required))
		return rc;
	rc = check_string(cx, v, &mp, key, &s, &slen);
	if (rc != GH_OK)
		return rc;
	if (!parse_timestamp(s, slen, out))
		return fail(cx, GH_ERR_TIME, &mp,
					"%s %s is not a valid rfc 3339 timestamp", key,
					describe(v, d, sizeof(d)));
	return GH_OK;
}

/*
 * Fetch an optional duration member ("2520s") as seconds within lo..hi.
 * With whole set, a fraction of a second is a range error (UTC offsets are
 * whole seconds); otherwise it is dropped.  Absent: *out is left alone.
 */
static GhErrorKind
member_duration(ParseCtx *cx, json_object *obj, const PathSeg *at,
				const char *key, int64_t lo, int64_t hi, bool whole,
				int64_t *out)
{
	PathSeg		mp = {at, key, 0};
	json_object *v;
	char		d[DESC_MAX + 8];
	int64_t		secs;
	bool		fraction;
	GhErrorKind rc;

	rc = get_member(cx, obj, at, key, false, &v);
	if (rc != GH_OK || v == NULL)
		return rc;
	if (!json_object_is_type(v, json_type_string) ||
		!parse_duration(json_object_get_string(v),
						(size_t) json_object_get_string_len(v),
						&secs, &fraction))
		return fail(cx, GH_ERR_TYPE, &mp,
					"%s %s is not a duration string such as \"60s\"", key,
					describe(v, d, sizeof(d)));
	if (whole && fraction)
		return fail(cx, GH_ERR_RANGE, &mp,
					"%s %s is not a whole number of seconds", key,
					describe(v, d, sizeof(d)));
	if (secs < lo || secs > hi)
		return fail(cx, GH_ERR_RANGE, &mp, "%s %s is outside %llds..%llds",
					key, describe(v, d, sizeof(d)),
					(long long) lo, (long long) hi);
	*out = secs;
	return GH_OK;
}

/* Fetch an optional UTC offset ("7200s"); absent reads as 0. */
static GhErrorKind
member_utc_offset(ParseCtx *cx, json_object *obj, const PathSeg *at,
				  const char *key, int *out)
{
	int64_t		secs = 0;
	GhErrorKind rc;

	rc = member_duration(cx, obj, at, key, -UTC_OFFSET_MAX, UTC_OFFSET_MAX,
						 true, &secs);
	if (rc == GH_OK)
		*out = (int) secs;
	return rc;
}

/*
 * Fetch a required google.type.Date {year, month, day} and check that it
 * is a real calendar date.  Proto3 allows partial dates with zero parts;
 * none of the types Tracker reads uses them, so they are errors here.
 */
static GhErrorKind
member_date(ParseCtx *cx, json_object *obj, const PathSeg *at,
			const char *key, GhDate *out)
{
	PathSeg		dp = {at, key, 0};
	json_object *date;
	int64_t		y,
				m,
				d;
	GhErrorKind rc;

	if ((rc = member_object(cx, obj, at, key, true, &date)) != GH_OK ||
		(rc = member_int(cx, date, &dp, "year", true, INT32_MIN, INT32_MAX,
						 &y, NULL)) != GH_OK ||
		(rc = member_int(cx, date, &dp, "month", true, INT32_MIN, INT32_MAX,
						 &m, NULL)) != GH_OK ||
		(rc = member_int(cx, date, &dp, "day", true, INT32_MIN, INT32_MAX,
						 &d, NULL)) != GH_OK)
		return rc;
	if (!valid_date((int) y, (int) m, (int) d))
		return fail(cx, GH_ERR_TIME, &dp,
					"%s %lld-%02lld-%02lld is not a real calendar date", key,
					(long long) y, (long long) m, (long long) d);
	out->year = (int) y;
	out->month = (int) m;
	out->day = (int) d;
	return GH_OK;
}

/* Whether byte c may appear in a string kept under rule. */
static inline bool
char_allowed(StrRule rule, unsigned char c)
{
	bool		alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9');

	switch (rule)
	{
		case STR_ENUM:
			return alnum || c == '_';
		case STR_TOKEN:
		case STR_NAME:
			return c > 0x20 && c < 0x7f;
		case STR_SCOPE:
			return c >= 0x20 && c < 0x7f;
		case STR_TIME_ZONE:
			return alnum || c == '/' || c == '_' || c == '+' || c == '-';
		case STR_TEXT:
			return c != '\0';
	}
	return false;
}

/*
 * Fetch a string member into a malloc'd copy, checking its length and its
 * bytes against rule.  Tokens go into HTTP headers, names and page tokens
 * into URLs, enum names and time zone names into SQL text, so each kind is
 * held to what it can safely contain.  An empty string means absent, as in
 * proto3; absent leaves *out NULL, or is a shape error when required.
 */
static GhErrorKind
member_dup(ParseCtx *cx, json_object *obj, const PathSeg *at,
		   const char *key, bool required, StrRule rule, size_t maxlen,
		   char **out)
{
	PathSeg		mp = {at, key, 0};
	json_object *v;
	const char *s;
	size_t		slen;
	size_t		i;
	char		d[DESC_MAX + 8];
	GhErrorKind rc;

	*out = NULL;
	rc = get_member(cx, obj, at, key, required, &v);
	if (rc != GH_OK || (v == NULL && !required))
		return rc;
	if (!json_object_is_type(v, json_type_string))
	{
		if (rule == STR_TOKEN)
			return fail(cx, GH_ERR_TYPE, &mp, "%s is not a string", key);
		return fail(cx, GH_ERR_TYPE, &mp, "%s %s is not a string", key,
					describe(v, d, sizeof(d)));
	}
	s = json_object_get_string(v);
	slen = (size_t) json_object_get_string_len(v);
	if (slen == 0)
	{
		if (required)
			return fail(cx, GH_ERR_SHAPE, &mp, "%s is empty", key);
		return GH_OK;
	}
	if (slen > maxlen)
		return fail(cx, GH_ERR_RANGE, &mp, "%s is longer than %zu bytes",
					key, maxlen);
	for (i = 0; i < slen; i++)
	{
		if (!char_allowed(rule, (unsigned char) s[i]))
		{
			switch (rule)
			{
				case STR_ENUM:
					return fail(cx, GH_ERR_RANGE, &mp,
								"%s %s is not an enum value name", key,
								describe(v, d, sizeof(d)));
				case STR_TIME_ZONE:
					return fail(cx, GH_ERR_RANGE, &mp,
								"%s %s is not a time zone name", key,
								describe(v, d, sizeof(d)));
				case STR_TEXT:
					return fail(cx, GH_ERR_RANGE, &mp,
								"%s contains a nul character", key);
				default:
					return fail(cx, GH_ERR_RANGE, &mp,
								"%s contains byte 0x%02x at offset %zu, outside printable ascii",
								key, (unsigned char) s[i], i);
			}
		}
	}
	*out = malloc(slen + 1);
	if (*out == NULL)
		return fail_nomem(cx, &mp);
	memcpy(*out, s, slen + 1);
	return GH_OK;
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
static GhErrorKind
dup_literal(ParseCtx *cx, const PathSeg *at, const char *s, char **out)
{
	*out = dup_cstr(s);
	if (*out == NULL)
		return fail_nomem(cx, at);
	return GH_OK;
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
static GhErrorKind
point_body(ParseCtx *cx, json_object *elem, const PathSeg *at,
		   json_object **body)
{
	const char *key = type_keys[cx->page->type];
	GhErrorKind rc;

	rc = check_object(cx, elem, at, "data point");
	if (rc != GH_OK)
		return rc;
	return member_object(cx, elem, at, key, true, body);
}

/*
 * Fetch the identifier of an identifiable point: "name" in list
 * responses, "dataPointName" in reconcile responses.
 */
static GhErrorKind
point_name(ParseCtx *cx, json_object *elem, const PathSeg *at, char **out)
{
	GhErrorKind rc;

	rc = member_dup(cx, elem, at, "name", false, STR_NAME, NAME_LEN_MAX, out);
	if (rc != GH_OK || *out != NULL)
		return rc;
	rc = member_dup(cx, elem, at, "dataPointName", false, STR_NAME,
					NAME_LEN_MAX, out);
	if (rc == GH_OK && *out == NULL)
	{
		PathSeg		np = {at, "name", 0};

		return fail(cx, GH_ERR_SHAPE, &np,
					"name is missing, and so is dataPointName");
	}
	return rc;
}

/*
 * Read an ObservationTimeInterval or SessionTimeInterval: both times are
 * required and the end may not precede the start.  Either offset pointer
 * may be NULL when the caller has no place for it.
 */
static GhErrorKind
read_interval(ParseCtx *cx, json_object *owner, const PathSeg *at,
			  int64_t *start, int64_t *end, int *start_offset,
			  int *end_offset)
{
	PathSeg		ip = {at, "interval", 0};
	json_object *iv;
	int			ignored = 0;
	GhErrorKind rc;

	if ((rc = member_object(cx, owner, at, "interval", true, &iv)) != GH_OK ||
		(rc = member_timestamp(cx, iv, &ip, "startTime", true, start)) != GH_OK ||
		(rc = member_timestamp(cx, iv, &ip, "endTime", true, end)) != GH_OK ||
		(rc = member_utc_offset(cx, iv, &ip, "startUtcOffset",
								start_offset ? start_offset : &ignored)) != GH_OK ||
		(rc = member_utc_offset(cx, iv, &ip, "endUtcOffset",
								end_offset ? end_offset : &ignored)) != GH_OK)
		return rc;
	if (*end < *start)
	{
		PathSeg		ep = {&ip, "endTime", 0};
		json_object *sv = NULL;
		json_object *ev = NULL;
		char		sd[DESC_MAX + 8];
		char		ed[DESC_MAX + 8];

		json_object_object_get_ex(iv, "startTime", &sv);
		json_object_object_get_ex(iv, "endTime", &ev);
		return fail(cx, GH_ERR_RANGE, &ep, "endTime %s is before startTime %s",
					describe(ev, ed, sizeof(ed)), describe(sv, sd, sizeof(sd)));
	}
	return GH_OK;
}

/*
 * One heart-rate sample.  This is the hot path (up to 10,000 per page):
 * no allocation, timestamps and integers parsed by hand.
 */
static GhErrorKind
read_heart_rate(ParseCtx *cx, json_object *elem, const PathSeg *at,
				size_t index)
{
	GhPage	   *page = cx->page;
	PathSeg		hp = {at, "heartRate", 0};
	PathSeg		sp = {&hp, "sampleTime", 0};
	json_object *hr;
	json_object *st;
	int64_t		t = 0;
	int64_t		bpm = 0;
	int			offset = 0;
	GhErrorKind rc;

	if ((rc = point_body(cx, elem, at, &hr)) != GH_OK ||
		(rc = member_object(cx, hr, &hp, "sampleTime", true, &st)) != GH_OK ||
		(rc = member_timestamp(cx, st, &sp, "physicalTime", true, &t)) != GH_OK ||
		(rc = member_utc_offset(cx, st, &sp, "utcOffset", &offset)) != GH_OK ||
		(rc = member_int64(cx, hr, &hp, "beatsPerMinute", true, GH_MIN_BPM,
						   GH_MAX_BPM, &bpm, NULL)) != GH_OK)
		return rc;
	page->t[index] = t;
	page->bpm[index] = (int16_t) bpm;
	page->utc_offset[index] = offset;
	return GH_OK;
}

/* One daily-resting-heart-rate point. */
static GhErrorKind
read_resting(ParseCtx *cx, json_object *elem, const PathSeg *at,
			 size_t index)
{
	GhDaily    *day = &cx->page->daily[index];
	PathSeg		bp = {at, "dailyRestingHeartRate", 0};
	json_object *body;
	int64_t		bpm = 0;
	GhErrorKind rc;

	if ((rc = point_body(cx, elem, at, &body)) != GH_OK ||
		(rc = member_date(cx, body, &bp, "date", &day->date)) != GH_OK ||
		(rc = member_int64(cx, body, &bp, "beatsPerMinute", true, GH_MIN_BPM,
						   GH_MAX_BPM, &bpm, NULL)) != GH_OK)
		return rc;
	day->has_resting = true;
	day->resting_bpm = (int) bpm;
	return GH_OK;
}

/*
 * One daily-heart-rate-zones point: each of the four zone types exactly
 * once, in any order, stored in Tracker's order.  A zone type this module
 * does not know (a later API revision, or HEART_RATE_ZONE_TYPE_UNSPECIFIED)
 * is skipped rather than failing the sync.
 */
static GhErrorKind
read_zones(ParseCtx *cx, json_object *elem, const PathSeg *at, size_t index)
{
	GhDaily    *day = &cx->page->daily[index];
	PathSeg		bp = {at, "dailyHeartRateZones", 0};
	PathSeg		zsp = {&bp, "heartRateZones", 0};
	bool		seen[GH_ZONES] = {false, false, false, false};
	json_object *body;
	json_object *zones;
	size_t		n;
	size_t		i;
	int			k;
	GhErrorKind rc;

	if ((rc = point_body(cx, elem, at, &body)) != GH_OK ||
		(rc = member_date(cx, body, &bp, "date", &day->date)) != GH_OK ||
		(rc = member_array(cx, body, &bp, "heartRateZones", true, &zones)) != GH_OK)
		return rc;
	n = json_object_array_length(zones);
	for (i = 0; i < n; i++)
	{
		json_object *z = json_object_array_get_idx(zones, i);
		PathSeg		zp = {&zsp, NULL, i};
		PathSeg		tp = {&zp, "heartRateZoneType", 0};
		json_object *type;
		const char *s = NULL;
		size_t		slen = 0;
		int64_t		lo = 0;
		int64_t		hi = 0;

		if ((rc = check_object(cx, z, &zp, "zone")) != GH_OK ||
			(rc = get_member(cx, z, &zp, "heartRateZoneType", true, &type)) != GH_OK ||
			(rc = check_string(cx, type, &tp, "heartRateZoneType", &s, &slen)) != GH_OK)
			return rc;
		k = zone_index(s, slen);
		if (k < 0)
			continue;
		if (seen[k])
			return fail(cx, GH_ERR_SHAPE, &tp,
						"zone type %s appears more than once", zone_names[k]);
		seen[k] = true;
		if ((rc = member_int64(cx, z, &zp, "minBeatsPerMinute", false, 0,
							   ZONE_BPM_MAX, &lo, NULL)) != GH_OK ||
			(rc = member_int64(cx, z, &zp, "maxBeatsPerMinute", true, 0,
							   ZONE_BPM_MAX, &hi, NULL)) != GH_OK)
			return rc;
		if (lo > hi)
			return fail(cx, GH_ERR_RANGE, &zp,
						"zone %s minBeatsPerMinute %lld is above maxBeatsPerMinute %lld",
						zone_names[k], (long long) lo, (long long) hi);
		day->zone_min[k] = (int) lo;
		day->zone_max[k] = (int) hi;
	}
	for (k = 0; k < GH_ZONES; k++)
	{
		if (!seen[k])
			return fail(cx, GH_ERR_SHAPE, &zsp, "zone type %s is missing",
						zone_names[k]);
	}
	day->has_zones = true;
	return GH_OK;
}

/*
 * One dailyRollUp window of time-in-heart-rate-zone.  A window without a
 * timeInHeartRateZone value (no data that day) keeps has_zone_seconds
 * false; zones absent from the value had no time in them.
 */
static GhErrorKind
read_zone_rollup(ParseCtx *cx, json_object *elem, const PathSeg *at,
				 size_t index)
{
	GhDaily    *day = &cx->page->daily[index];
	PathSeg		cp = {at, "civilStartTime", 0};
	PathSeg		vp = {at, "timeInHeartRateZone", 0};
	PathSeg		zsp = {&vp, "timeInHeartRateZones", 0};
	bool		seen[GH_ZONES] = {false, false, false, false};
	json_object *civil;
	json_object *value;
	json_object *zones;
	size_t		n;
	size_t		i;
	GhErrorKind rc;

	if ((rc = check_object(cx, elem, at, "rollup data point")) != GH_OK ||
		(rc = member_object(cx, elem, at, "civilStartTime", true, &civil)) != GH_OK ||
		(rc = member_date(cx, civil, &cp, "date", &day->date)) != GH_OK ||
		(rc = member_object(cx, elem, at, "timeInHeartRateZone", false, &value)) != GH_OK)
		return rc;
	if (value == NULL)
		return GH_OK;
	rc = member_array(cx, value, &vp, "timeInHeartRateZones", false, &zones);
	if (rc != GH_OK)
		return rc;
	n = zones != NULL ? json_object_array_length(zones) : 0;
	for (i = 0; i < n; i++)
	{
		json_object *z = json_object_array_get_idx(zones, i);
		PathSeg		zp = {&zsp, NULL, i};
		PathSeg		tp = {&zp, "heartRateZone", 0};
		json_object *type;
		const char *s = NULL;
		size_t		slen = 0;
		int64_t		secs = 0;
		int			k;

		if ((rc = check_object(cx, z, &zp, "zone")) != GH_OK ||
			(rc = get_member(cx, z, &zp, "heartRateZone", true, &type)) != GH_OK ||
			(rc = check_string(cx, type, &tp, "heartRateZone", &s, &slen)) != GH_OK)
			return rc;
		k = zone_index(s, slen);
		if (k < 0)
			continue;
		if (seen[k])
			return fail(cx, GH_ERR_SHAPE, &tp,
						"zone %s appears more than once", zone_names[k]);
		seen[k] = true;
		rc = member_duration(cx, z, &zp, "duration", 0,
							 ROLLUP_ZONE_SECONDS_MAX, false, &secs);
		if (rc != GH_OK)
			return rc;
		day->zone_seconds[k] = secs;
	}
	day->has_zone_seconds = true;
	return GH_OK;
}

/* Exercise metricsSummary; every figure stays -1 unless present. */
static GhErrorKind
read_metrics(ParseCtx *cx, json_object *ms, const PathSeg *mp,
			 GhExercise *ex)
{
	PathSeg		zp = {mp, "heartRateZoneDurations", 0};
	json_object *zones;
	double		distance_mm = -1;
	int64_t		avg_hr = -1;
	int			k;
	GhErrorKind rc;

	if ((rc = member_double(cx, ms, mp, "caloriesKcal", 0, CALORIES_MAX,
							&ex->calories_kcal)) != GH_OK ||
		(rc = member_double(cx, ms, mp, "distanceMillimeters", 0,
							DISTANCE_MM_MAX, &distance_mm)) != GH_OK ||
		(rc = member_int64(cx, ms, mp, "steps", false, 0, EXERCISE_STEPS_MAX,
						   &ex->steps, NULL)) != GH_OK ||
		(rc = member_int64(cx, ms, mp, "averageHeartRateBeatsPerMinute", false,
						   GH_MIN_BPM, GH_MAX_BPM, &avg_hr, NULL)) != GH_OK ||
		(rc = member_object(cx, ms, mp, "heartRateZoneDurations", false,
							&zones)) != GH_OK)
		return rc;
	if (distance_mm >= 0)
		ex->distance_m = distance_mm / 1000.0;
	ex->avg_heart_rate = (int) avg_hr;
	if (zones == NULL)
		return GH_OK;
	for (k = 0; k < GH_ZONES; k++)
	{
		rc = member_duration(cx, zones, &zp, zone_duration_keys[k], 0,
							 SESSION_SECONDS_MAX, false, &ex->zone_seconds[k]);
		if (rc != GH_OK)
			return rc;
	}
	return GH_OK;
}

/* One exercise session. */
static GhErrorKind
read_exercise(ParseCtx *cx, json_object *elem, const PathSeg *at,
			  size_t index)
{
	GhExercise *ex = &cx->page->exercise[index];
	PathSeg		bp = {at, "exercise", 0};
	PathSeg		mp = {&bp, "metricsSummary", 0};
	PathSeg		tp = {&bp, "exerciseType", 0};
	json_object *body;
	json_object *ms;
	int			k;
	GhErrorKind rc;

	ex->active_seconds = -1;
	ex->distance_m = -1;
	ex->calories_kcal = -1;
	ex->steps = -1;
	ex->avg_heart_rate = -1;
	for (k = 0; k < GH_ZONES; k++)
		ex->zone_seconds[k] = -1;
	ex->update_time = -1;

	if ((rc = point_body(cx, elem, at, &body)) != GH_OK ||
		(rc = point_name(cx, elem, at, &ex->id)) != GH_OK ||
		(rc = member_dup(cx, body, &bp, "exerciseType", false, STR_ENUM,
						 ENUM_LEN_MAX, &ex->exercise_type)) != GH_OK ||
		(ex->exercise_type == NULL &&
		 (rc = dup_literal(cx, &tp, "EXERCISE_TYPE_UNSPECIFIED",
						   &ex->exercise_type)) != GH_OK) ||
		(rc = member_dup(cx, body, &bp, "displayName", false, STR_TEXT,
						 TEXT_LEN_MAX, &ex->display_name)) != GH_OK ||
		(rc = read_interval(cx, body, &bp, &ex->start, &ex->end,
							&ex->start_utc_offset, NULL)) != GH_OK ||
		(rc = member_duration(cx, body, &bp, "activeDuration", 0,
							  SESSION_SECONDS_MAX, false,
							  &ex->active_seconds)) != GH_OK ||
		(rc = member_timestamp(cx, body, &bp, "updateTime", false,
							   &ex->update_time)) != GH_OK ||
		(rc = member_object(cx, body, &bp, "metricsSummary", false, &ms)) != GH_OK)
		return rc;
	if (ms != NULL)
		return read_metrics(cx, ms, &mp, ex);
	return GH_OK;
}

/*
 * Sleep summary: within a summary, absent minutes are 0 (the proto3
 * default), since the API computes them for every finished sleep.
 */
static GhErrorKind
read_sleep_summary(ParseCtx *cx, json_object *sm, const PathSeg *smp,
				   GhSleep *sl)
{
	PathSeg		ssp = {smp, "stagesSummary", 0};
	json_object *stages;
	size_t		n;
	size_t		i;
	GhErrorKind rc;

	sl->minutes_asleep = 0;
	sl->minutes_awake = 0;
	sl->minutes_in_period = 0;
	if ((rc = member_int64(cx, sm, smp, "minutesAsleep", false, 0,
						   SLEEP_MINUTES_MAX, &sl->minutes_asleep, NULL)) != GH_OK ||
		(rc = member_int64(cx, sm, smp, "minutesAwake", false, 0,
						   SLEEP_MINUTES_MAX, &sl->minutes_awake, NULL)) != GH_OK ||
		(rc = member_int64(cx, sm, smp, "minutesInSleepPeriod", false, 0,
						   SLEEP_MINUTES_MAX, &sl->minutes_in_period, NULL)) != GH_OK ||
		(rc = member_array(cx, sm, smp, "stagesSummary", false, &stages)) != GH_OK)
		return rc;
	n = stages != NULL ? json_object_array_length(stages) : 0;
	if (n == 0)
		return GH_OK;
	sl->stages = calloc(n, sizeof(GhSleepStage));
	if (sl->stages == NULL)
		return fail_nomem(cx, &ssp);
	sl->nstages = n;
	for (i = 0; i < n; i++)
	{
		json_object *st = json_object_array_get_idx(stages, i);
		PathSeg		sp = {&ssp, NULL, i};
		GhSleepStage *stage = &sl->stages[i];

		stage->minutes = 0;
		if ((rc = check_object(cx, st, &sp, "stage summary")) != GH_OK ||
			(rc = member_dup(cx, st, &sp, "type", true, STR_ENUM, ENUM_LEN_MAX,
							 &stage->type)) != GH_OK ||
			(rc = member_int64(cx, st, &sp, "minutes", false, 0,
							   SLEEP_MINUTES_MAX, &stage->minutes, NULL)) != GH_OK)
			return rc;
	}
	return GH_OK;
}

/* One sleep session. */
static GhErrorKind
read_sleep(ParseCtx *cx, json_object *elem, const PathSeg *at, size_t index)
{
	GhSleep    *sl = &cx->page->sleep[index];
	PathSeg		bp = {at, "sleep", 0};
	PathSeg		tp = {&bp, "type", 0};
	PathSeg		mdp = {&bp, "metadata", 0};
	PathSeg		smp = {&bp, "summary", 0};
	json_object *body;
	json_object *md;
	json_object *sm;
	GhErrorKind rc;

	sl->minutes_asleep = -1;
	sl->minutes_awake = -1;
	sl->minutes_in_period = -1;
	sl->update_time = -1;

	if ((rc = point_body(cx, elem, at, &body)) != GH_OK ||
		(rc = point_name(cx, elem, at, &sl->id)) != GH_OK ||
		(rc = member_dup(cx, body, &bp, "type", false, STR_ENUM,
						 ENUM_LEN_MAX, &sl->sleep_type)) != GH_OK ||
		(sl->sleep_type == NULL &&
		 (rc = dup_literal(cx, &tp, "SLEEP_TYPE_UNSPECIFIED",
						   &sl->sleep_type)) != GH_OK) ||
		(rc = read_interval(cx, body, &bp, &sl->start, &sl->end, NULL,
							&sl->end_utc_offset)) != GH_OK ||
		(rc = member_timestamp(cx, body, &bp, "updateTime", false,
							   &sl->update_time)) != GH_OK ||
		(rc = member_object(cx, body, &bp, "metadata", false, &md)) != GH_OK ||
		(md != NULL &&
		 (rc = member_bool(cx, md, &mdp, "nap", &sl->nap)) != GH_OK) ||
		(rc = member_object(cx, body, &bp, "summary", false, &sm)) != GH_OK)
		return rc;
	if (sm != NULL)
		return read_sleep_summary(cx, sm, &smp, sl);
	return GH_OK;
}

/* One steps interval; an absent count is a true zero. */
static GhErrorKind
read_steps(ParseCtx *cx, json_object *elem, const PathSeg *at, size_t index)
{
	GhSteps    *st = &cx->page->steps[index];
	PathSeg		bp = {at, "steps", 0};
	json_object *body;
	GhErrorKind rc;

	st->count = 0;
	if ((rc = point_body(cx, elem, at, &body)) != GH_OK ||
		(rc = read_interval(cx, body, &bp, &st->start, &st->end,
							&st->start_utc_offset, NULL)) != GH_OK ||
		(rc = member_int64(cx, body, &bp, "count", false, 0,
						   STEPS_PER_POINT_MAX, &st->count, NULL)) != GH_OK)
		return rc;
	return GH_OK;
}

/* Element readers, indexed by GhDataType. */
static const ElementFn element_readers[GH_DATA_TYPE_COUNT] = {
	read_heart_rate, read_resting, read_zones, read_zone_rollup,
	read_exercise, read_sleep, read_steps
};

/*
 * Allocate the page's arrays for n points of its type, setting the counts
 * at once so that gh_page_free() releases whatever a failed parse leaves.
 */
static GhErrorKind
alloc_points(ParseCtx *cx, size_t n, const PathSeg *at)
{
	GhPage	   *page = cx->page;

	if (n == 0)
		return GH_OK;
	switch (page->type)
	{
		case GH_HEART_RATE:
			if (n > SIZE_MAX / sizeof(int64_t))
				return fail_nomem(cx, at);
			page->t = malloc(n * sizeof(int64_t));
			page->bpm = malloc(n * sizeof(int16_t));
			page->utc_offset = malloc(n * sizeof(int));
			if (page->t == NULL || page->bpm == NULL || page->utc_offset == NULL)
				return fail_nomem(cx, at);
			page->nsamples = n;
			break;
		case GH_DAILY_RESTING_HEART_RATE:
		case GH_DAILY_HEART_RATE_ZONES:
		case GH_TIME_IN_HEART_RATE_ZONE:
			page->daily = calloc(n, sizeof(GhDaily));
			if (page->daily == NULL)
				return fail_nomem(cx, at);
			page->ndaily = n;
			break;
		case GH_EXERCISE:
			page->exercise = calloc(n, sizeof(GhExercise));
			if (page->exercise == NULL)
				return fail_nomem(cx, at);
			page->nexercise = n;
			break;
		case GH_SLEEP:
			page->sleep = calloc(n, sizeof(GhSleep));
			if (page->sleep == NULL)
				return fail_nomem(cx, at);
			page->nsleep = n;
			break;
		case GH_STEPS:
			page->steps = calloc(n, sizeof(GhSteps));
			if (page->steps == NULL)
				return fail_nomem(cx, at);
			page->nsteps = n;
			break;
		case GH_DATA_TYPE_COUNT:
			break;
	}
	return GH_OK;
}

/*
 * Read the page whose skeleton (the document without its point array) is
 * root: the paging token, then every point.
 */
static GhErrorKind
read_page(ParseCtx *cx, json_object *root)
{
	GhPage	   *page = cx->page;
	bool		rollup = page->type == GH_TIME_IN_HEART_RATE_ZONE;
	const char *key = rollup ? rollup_key : list_key;
	const char *other = rollup ? list_key : rollup_key;
	PathSeg		ap = {&path_root, key, 0};
	json_object *points;
	json_object *v;
	bool		use_bulk;
	size_t		n;
	GhErrorKind rc;

	if (!json_object_object_get_ex(root, key, NULL))
	{
		if (json_object_object_get_ex(root, "error", &v) &&
			json_object_is_type(v, json_type_object))
			return fail(cx, GH_ERR_SHAPE, &path_root,
						"a google.rpc.Status error body, not a page of data points");
		if (json_object_object_get_ex(root, other, NULL))
			return fail(cx, GH_ERR_SHAPE, &path_root,
						"%s pages hold %s, and this one has %s instead",
						type_names[page->type], key, other);
	}
	rc = member_dup(cx, root, &path_root, "nextPageToken", false, STR_NAME,
					TOKEN_LEN_MAX, &page->next_page_token);
	if (rc != GH_OK)
		return rc;
	rc = member_array(cx, root, &path_root, key, false, &points);
	if (rc != GH_OK || points == NULL)
		return rc;

	use_bulk = cx->scan.bulk_found && !cx->scan.no_elide;
	if (use_bulk && json_object_array_length(points) != 0)
		return fail(cx, GH_ERR_NOT_JSON, &ap,
					"json-c and the scanner disagree about %s", key);
	n = use_bulk ? cx->scan.bulk_count : json_object_array_length(points);
	rc = alloc_points(cx, n, &ap);
	if (rc != GH_OK)
		return rc;
	if (use_bulk)
		return walk_bulk(cx, &ap, element_readers[page->type]);
	return walk_array(cx, points, &ap, element_readers[page->type]);
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
	GhErrorKind rc;

	ctx_init(&cx, buf, len, err, &local_err);
	memset(page, 0, sizeof(*page));
	if ((int) type < 0 || type >= GH_DATA_TYPE_COUNT)
		return fail(&cx, GH_ERR_SHAPE, &path_root, "unknown data type %d",
					(int) type);
	page->type = type;
	cx.page = page;

	rc = parse_document(&cx, type == GH_TIME_IN_HEART_RATE_ZONE ?
						rollup_key : list_key, &root);
	if (rc == GH_OK)
		rc = require_root_object(&cx, "a page of data points");
	if (rc == GH_OK)
		rc = read_page(&cx, root);

	if (root != NULL)
		json_object_put(root);
	ctx_done(&cx);
	if (rc != GH_OK)
	{
		gh_page_free(page);
		page->type = type;
	}
	return rc;
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

/* Parse a document that must be a JSON object; frees nothing on failure. */
static GhErrorKind
parse_object(ParseCtx *cx, const char *what, json_object **root)
{
	GhErrorKind rc;

	rc = parse_document(cx, NULL, root);
	if (rc == GH_OK)
		rc = require_root_object(cx, what);
	return rc;
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
	GhErrorKind rc;

	ctx_init(&cx, buf, len, err, &local_err);
	user_reset(user);
	rc = parse_object(&cx, "a settings object", &root);
	if (rc == GH_OK)
		rc = member_dup(&cx, root, &path_root, "timeZone", false,
						STR_TIME_ZONE, TIME_ZONE_LEN_MAX, &user->time_zone);
	if (rc == GH_OK)
		rc = member_utc_offset(&cx, root, &path_root, "utcOffset",
							   &user->utc_offset);
	if (root != NULL)
		json_object_put(root);
	ctx_done(&cx);
	if (rc != GH_OK)
		gh_user_free(user);
	return rc;
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
	GhErrorKind rc;

	ctx_init(&cx, buf, len, err, &local_err);
	user_reset(user);
	rc = parse_object(&cx, "a profile object", &root);
	if (rc == GH_OK)
		rc = member_int(&cx, root, &path_root, "age", false, 0, AGE_MAX,
						&age, NULL);
	if (rc == GH_OK)
		user->age = (int) age;
	if (root != NULL)
		json_object_put(root);
	ctx_done(&cx);
	if (rc != GH_OK)
		gh_user_free(user);
	return rc;
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
static GhErrorKind
read_token_error(ParseCtx *cx, json_object *root, json_object *e,
				 GhToken *token)
{
	PathSeg		ep = {&path_root, "error", 0};
	char		d[DESC_MAX + 8];
	GhErrorKind rc;

	if (json_object_is_type(e, json_type_string))
	{
		rc = member_dup(cx, root, &path_root, "error", true, STR_TEXT,
						TEXT_LEN_MAX, &token->error);
		if (rc != GH_OK)
			return rc;
		return member_dup(cx, root, &path_root, "error_description", false,
						  STR_TEXT, TEXT_LEN_MAX, &token->error_description);
	}
	if (!json_object_is_type(e, json_type_object))
		return fail(cx, GH_ERR_TYPE, &ep,
					"error %s is neither a string nor an object",
					describe(e, d, sizeof(d)));
	rc = member_dup(cx, e, &ep, "status", false, STR_TEXT, TEXT_LEN_MAX,
					&token->error);
	if (rc == GH_OK && token->error == NULL)
		rc = dup_literal(cx, &ep, "unknown_error", &token->error);
	if (rc == GH_OK)
		rc = member_dup(cx, e, &ep, "message", false, STR_TEXT, TEXT_LEN_MAX,
						&token->error_description);
	return rc;
}

/* Read a successful token response. */
static GhErrorKind
read_token_success(ParseCtx *cx, json_object *root, GhToken *token)
{
	PathSeg		tp = {&path_root, "token_type", 0};
	int64_t		expires = 0;
	GhErrorKind rc;

	if (!json_object_object_get_ex(root, "access_token", NULL))
	{
		PathSeg		ap = {&path_root, "access_token", 0};

		return fail(cx, GH_ERR_SHAPE, &ap,
					"access_token is missing, and there is no error member");
	}
	if ((rc = member_dup(cx, root, &path_root, "access_token", true,
						 STR_TOKEN, TOKEN_LEN_MAX, &token->access_token)) != GH_OK ||
		(rc = member_int(cx, root, &path_root, "expires_in", true, 0,
						 EXPIRES_IN_MAX, &expires, NULL)) != GH_OK ||
		(rc = member_dup(cx, root, &path_root, "refresh_token", false,
						 STR_TOKEN, TOKEN_LEN_MAX, &token->refresh_token)) != GH_OK ||
		(rc = member_dup(cx, root, &path_root, "scope", false, STR_SCOPE,
						 TEXT_LEN_MAX, &token->scope)) != GH_OK ||
		(rc = member_dup(cx, root, &path_root, "token_type", false, STR_NAME,
						 ENUM_LEN_MAX, &token->token_type)) != GH_OK)
		return rc;
	token->expires_in = expires;
	if (token->token_type != NULL && !ascii_equal_ci(token->token_type, "Bearer"))
		return fail(cx, GH_ERR_RANGE, &tp,
					"token_type \"%s\" is not Bearer", token->token_type);
	return GH_OK;
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
	GhErrorKind rc;

	ctx_init(&cx, buf, len, err, &local_err);
	memset(token, 0, sizeof(*token));
	rc = parse_object(&cx, "a token response", &root);
	if (rc == GH_OK)
	{
		rc = get_member(&cx, root, &path_root, "error", false, &e);
		if (rc == GH_OK && e != NULL)
			rc = read_token_error(&cx, root, e, token);
		else if (rc == GH_OK)
			rc = read_token_success(&cx, root, token);
	}
	if (root != NULL)
		json_object_put(root);
	ctx_done(&cx);
	if (rc != GH_OK)
		gh_token_free(token);
	return rc;
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
	if (!json_object_is_type(v, json_type_string) ||
		json_object_get_string_len(v) == 0)
		return NULL;
	return dup_cstr(json_object_get_string(v));
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
	if (parse_document(&cx, NULL, &root) != GH_OK)
	{
		ctx_done(&cx);
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
	ctx_done(&cx);
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
