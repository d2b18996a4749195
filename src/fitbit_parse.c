/*-------------------------------------------------------------------------
 *
 * fitbit_parse.c
 *	  Parse and validate saved Fitbit Web API heart-rate responses and the
 *	  heart-rate files of a Fitbit account export.
 *
 * The work happens in three steps:
 *
 * 1. scan_json() checks the bytes against RFC 8259 in one pass.  json-c's
 *	  strict mode still accepts NaN, Infinity, single-quoted strings, "1."
 *	  and raw control characters in strings, and it cannot say where a
 *	  value sits in the input, so the scanner is what decides "is this
 *	  JSON" and reports the byte offset of the first problem.  While it
 *	  scans it also locates the one large array of a document (the
 *	  intraday "dataset" of an API response, or the top-level array of an
 *	  export file) and cuts it into chunks of BULK_CHUNK elements.
 *
 * 2. json-c builds trees: one for the document with the large array cut
 *	  out (json-c is fed the bytes before and after it), and one per chunk
 *	  of the large array (fed "[", the chunk's bytes, "]").  A 1.28 MB day
 *	  parses in about 18 ms this way; building one tree for the whole day
 *	  takes about 48 ms, mostly in glibc's malloc and free consolidating the
 *	  many small blocks json-c allocates, while chunk trees stay small and
 *	  warm in cache.  If a member name with an escape could alias the large
 *	  array's name, the shortcut is skipped and one tree is built.
 *
 * 3. The readers below walk the trees, check every field they use for
 *	  presence, type and range, and fill the FitbitDoc.  Unknown members
 *	  are ignored.  The first problem stops the parse and is reported with
 *	  a JSON path such as $["activities-heart-intraday"].dataset[12].value.
 *
 * Duplicate member names follow json-c, PostgreSQL's jsonb and Python's
 * json module: the last one wins.  The scanner keeps the chunking
 * consistent with that rule.
 *
 * No locale, time zone or libc date function is used: dates are checked
 * and converted by hand.
 *
 * src/fitbit_parse.c
 *
 *-------------------------------------------------------------------------
 */
#include "fitbit_parse.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

/* Deepest nesting accepted; real documents need five levels. */
#define FITBIT_MAX_DEPTH 64

/* Largest input accepted, PostgreSQL's MaxAllocSize. */
#define FITBIT_MAX_INPUT ((size_t) 0x3fffffff)

/* Elements of the large array handed to json-c at a time. */
#define BULK_CHUNK 256

/* Nesting levels the scanner tracks without allocating. */
#define SCAN_INLINE_DEPTH 256

/* Longest description of a bad value quoted in a message, in bytes. */
#define DESC_MAX 48

/* Ranges of the checked fields. */
#define ZONE_BOUND_MAX 300
#define ZONE_MINUTES_MAX 1500.0
#define CALORIES_MAX 100000.0
#define API_RESTING_MIN 20
#define API_RESTING_MAX 250
#define EXPORT_RESTING_MAX 250.0
#define LEGACY_VALUE_MAX 250.0
#define CONFIDENCE_MAX 3
#define INTERVAL_MAX 1440

/* A byte range of the input holding consecutive array elements. */
typedef struct JsonChunk
{
	size_t		start;			/* offset of the first element */
	size_t		end;			/* offset just past the last element */
} JsonChunk;

/*
 * What scan_json() learns about the input.  The "bulk" array is the
 * top-level array of an export file, or the last "dataset" array of the
 * last "activities-heart-intraday" object of an API response.
 */
typedef struct JsonScan
{
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
	size_t		intraday_depth; /* depth inside the intraday object, or 0 */
	int			pending;		/* role of the value after the current key */
	size_t		last_end;		/* end of the last bulk element */
	bool		oom;
} JsonScan;

#define ROLE_NONE 0
#define ROLE_INTRADAY 1
#define ROLE_DATASET 2

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
	FitbitDoc  *doc;
	FitbitError *err;
	json_tokener *tok;
	JsonScan	scan;
} ParseCtx;

/* Reads one element of an array into the document at position index. */
typedef FitbitErrorKind (*ElementFn) (ParseCtx *cx, json_object *elem,
									  const PathSeg *at, size_t index);

static const PathSeg path_root = {NULL, NULL, 0};

/* Tracker's zone order, as named by the Web API and by the export. */
static const char *const api_zone_names[FITBIT_ZONES] = {
	"Out of Range", "Fat Burn", "Cardio", "Peak"
};
static const char *const export_zone_keys[FITBIT_ZONES] = {
	"BELOW_DEFAULT_ZONE_1", "IN_DEFAULT_ZONE_1",
	"IN_DEFAULT_ZONE_2", "IN_DEFAULT_ZONE_3"
};

static const char intraday_key[] = "activities-heart-intraday";
static const char dataset_key[] = "dataset";


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
 * the depth of the reader that failed, at most a handful of levels.  Keys
 * are the module's own literals, so they need no escaping.
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
static FitbitErrorKind
fail(ParseCtx *cx, FitbitErrorKind kind, const PathSeg *at,
	 const char *fmt,...)
__attribute__((format(printf, 4, 5)));

static FitbitErrorKind
fail(ParseCtx *cx, FitbitErrorKind kind, const PathSeg *at,
	 const char *fmt,...)
{
	va_list		ap;

	if (cx->err->kind != FITBIT_OK)
		return cx->err->kind;
	cx->err->kind = kind;
	path_render(at, cx->err->path, sizeof(cx->err->path));
	va_start(ap, fmt);
	vsnprintf(cx->err->message, sizeof(cx->err->message), fmt, ap);
	va_end(ap);
	return kind;
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
static FitbitErrorKind
syntax_error(ParseCtx *cx, size_t pos, const char *what)
{
	return fail(cx, FITBIT_ERR_NOT_JSON, &path_root,
				"invalid json at byte offset %zu: %s", pos, what);
}

/* Report an unexpected byte (or the end of input) at pos. */
static FitbitErrorKind
unexpected(ParseCtx *cx, const unsigned char *s, size_t len, size_t pos)
{
	char		b[32];
	char		what[64];

	snprintf(what, sizeof(what), "unexpected %s",
			 describe_byte(s, len, pos, b, sizeof(b)));
	return syntax_error(cx, pos, what);
}

/* The four whitespace bytes RFC 8259 allows between tokens. */
static inline bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Value of one hex digit, or -1. */
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
static FitbitErrorKind
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
			return FITBIT_OK;
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
static FitbitErrorKind
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
	return FITBIT_OK;
}

/* Forget a bulk array seen earlier: a later duplicate key replaces it. */
static void
bulk_reset(JsonScan *sc)
{
	sc->bulk_found = false;
	sc->bulk_count = 0;
	sc->nchunks = 0;
}

/* Note a member name at depth (the depth of the object holding it). */
static void
on_key(JsonScan *sc, size_t depth, const unsigned char *k, size_t klen,
	   bool escaped)
{
	sc->pending = ROLE_NONE;
	if (depth == 1 && sc->root == '{')
	{
		if (escaped)
			sc->no_elide = true;
		else if (klen == sizeof(intraday_key) - 1 &&
				 memcmp(k, intraday_key, klen) == 0)
		{
			sc->pending = ROLE_INTRADAY;
			bulk_reset(sc);
		}
	}
	else if (depth == 2 && sc->intraday_depth == 2)
	{
		if (escaped)
			sc->no_elide = true;
		else if (klen == sizeof(dataset_key) - 1 &&
				 memcmp(k, dataset_key, klen) == 0)
		{
			sc->pending = ROLE_DATASET;
			bulk_reset(sc);
		}
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
		if (c == '[')
		{
			sc->bulk_depth = 1;
			sc->bulk_open = pos + 1;
		}
	}
	else if (sc->pending == ROLE_INTRADAY && c == '{')
		sc->intraday_depth = depth + 1;
	else if (sc->pending == ROLE_DATASET && c == '[')
	{
		sc->bulk_depth = depth + 1;
		sc->bulk_open = pos + 1;
	}
	sc->pending = ROLE_NONE;
}

/* Note the end of a value at depth, just before pos. */
static inline void
on_value_end(JsonScan *sc, size_t depth, size_t pos)
{
	if (sc->bulk_depth != 0 && depth == sc->bulk_depth)
		sc->last_end = pos;
}

/* Note the closing bracket at pos of the container at depth. */
static void
on_close(JsonScan *sc, size_t depth, size_t pos)
{
	if (depth == sc->bulk_depth)
	{
		sc->bulk_found = true;
		sc->bulk_close = pos;
		if (sc->nchunks > 0)
			sc->chunks[sc->nchunks - 1].end = sc->last_end;
		sc->bulk_depth = 0;
	}
	if (depth == sc->intraday_depth)
		sc->intraday_depth = 0;
}

/*
 * Check that buf is exactly one JSON value (RFC 8259, UTF-8, an optional
 * leading byte order mark, surrounding whitespace) and fill cx->scan.
 * Nesting deeper than FITBIT_MAX_DEPTH is reported only once the whole
 * input is known to be JSON, as a shape error.
 */
static FitbitErrorKind
scan_json(ParseCtx *cx)
{
	const unsigned char *s = (const unsigned char *) cx->buf;
	size_t		len = cx->len;
	JsonScan   *sc = &cx->scan;
	unsigned char stack_inline[SCAN_INLINE_DEPTH];
	unsigned char *stack = stack_inline;
	size_t		stack_cap = SCAN_INLINE_DEPTH;
	size_t		depth = 0;
	size_t		too_deep_at = 0;
	bool		too_deep = false;
	size_t		pos = 0;
	FitbitErrorKind rc = FITBIT_OK;
	bool		escaped;
	size_t		kstart;
	unsigned char c;

	if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
		pos = 3;

value:
	while (pos < len && is_ws(s[pos]))
		pos++;
	if (pos >= len)
	{
		rc = syntax_error(cx, pos, "unexpected end of input");
		goto done;
	}
	c = s[pos];
	on_value(sc, depth, c, pos);
	if (sc->oom)
		goto oom;
	switch (c)
	{
		case '{':
		case '[':
			if (depth == stack_cap)
			{
				unsigned char *n;

				if (stack == stack_inline)
				{
					n = malloc(stack_cap * 2);
					if (n != NULL)
						memcpy(n, stack_inline, stack_cap);
				}
				else
					n = realloc(stack, stack_cap * 2);
				if (n == NULL)
					goto oom;
				stack = n;
				stack_cap *= 2;
			}
			stack[depth++] = c;
			if (depth > FITBIT_MAX_DEPTH && !too_deep)
			{
				too_deep = true;
				too_deep_at = pos;
			}
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
			if (rc != FITBIT_OK)
				goto done;
			goto after;
		case 't':
			if (len - pos >= 4 && memcmp(s + pos, "true", 4) == 0)
			{
				pos += 4;
				goto after;
			}
			rc = syntax_error(cx, pos, "invalid literal");
			goto done;
		case 'f':
			if (len - pos >= 5 && memcmp(s + pos, "false", 5) == 0)
			{
				pos += 5;
				goto after;
			}
			rc = syntax_error(cx, pos, "invalid literal");
			goto done;
		case 'n':
			if (len - pos >= 4 && memcmp(s + pos, "null", 4) == 0)
			{
				pos += 4;
				goto after;
			}
			rc = syntax_error(cx, pos, "invalid literal");
			goto done;
		default:
			if (c == '-' || (c >= '0' && c <= '9'))
			{
				rc = scan_number(cx, s, len, &pos);
				if (rc != FITBIT_OK)
					goto done;
				goto after;
			}
			rc = unexpected(cx, s, len, pos);
			goto done;
	}

key:
	/* whitespace has been skipped */
	if (pos >= len || s[pos] != '"')
	{
		if (pos >= len)
			rc = syntax_error(cx, pos, "unexpected end of input");
		else
			rc = syntax_error(cx, pos, "expected a member name in double quotes");
		goto done;
	}
	kstart = pos + 1;
	rc = scan_string(cx, s, len, &pos, &escaped);
	if (rc != FITBIT_OK)
		goto done;
	on_key(sc, depth, s + kstart, pos - 1 - kstart, escaped);
	while (pos < len && is_ws(s[pos]))
		pos++;
	if (pos >= len || s[pos] != ':')
	{
		if (pos >= len)
			rc = syntax_error(cx, pos, "unexpected end of input");
		else
			rc = syntax_error(cx, pos, "expected ':' after a member name");
		goto done;
	}
	pos++;
	goto value;

after:
	on_value_end(sc, depth, pos);
	while (pos < len && is_ws(s[pos]))
		pos++;
	if (depth == 0)
	{
		if (pos != len)
			rc = syntax_error(cx, pos, "trailing data after the json value");
		goto done;
	}
	if (pos >= len)
	{
		rc = syntax_error(cx, pos, "unexpected end of input");
		goto done;
	}
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
	rc = unexpected(cx, s, len, pos);
	goto done;

oom:
	rc = fail(cx, FITBIT_ERR_NOMEM, &path_root, "out of memory");

done:
	if (stack != stack_inline)
		free(stack);
	if (rc == FITBIT_OK && too_deep)
		rc = fail(cx, FITBIT_ERR_SHAPE, &path_root,
				  "json nested deeper than %d levels at byte offset %zu",
				  FITBIT_MAX_DEPTH, too_deep_at);
	return rc;
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
static FitbitErrorKind
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
	if (obj != NULL && jerr == json_tokener_success)
	{
		*out = obj;
		return FITBIT_OK;
	}
	if (obj != NULL)
		json_object_put(obj);
	if (jerr == json_tokener_success || jerr == json_tokener_continue)
		return fail(cx, FITBIT_ERR_NOMEM, &path_root, "out of memory");
	return fail(cx, FITBIT_ERR_NOT_JSON, &path_root,
				"json-c rejected the input near byte offset %zu: %s",
				offset + json_tokener_get_parse_end(cx->tok),
				json_tokener_error_desc(jerr));
}

/*
 * Feed each element of the bulk array, chunk by chunk, to fn.  The chunk
 * trees are freed as soon as they have been read.
 */
static FitbitErrorKind
walk_bulk(ParseCtx *cx, const PathSeg *array_path, ElementFn fn)
{
	JsonScan   *sc = &cx->scan;
	size_t		base = 0;
	size_t		j;

	for (j = 0; j < sc->nchunks; j++)
	{
		Piece		pieces[3];
		json_object *arr;
		FitbitErrorKind rc;
		size_t		n;
		size_t		i;

		pieces[0].p = "[";
		pieces[0].n = 1;
		pieces[1].p = cx->buf + sc->chunks[j].start;
		pieces[1].n = sc->chunks[j].end - sc->chunks[j].start;
		pieces[2].p = "]";
		pieces[2].n = 1;
		rc = jc_parse(cx, pieces, 3, &arr);
		if (rc != FITBIT_OK)
			return rc;
		n = json_object_array_length(arr);
		for (i = 0; i < n && base + i < sc->bulk_count; i++)
		{
			PathSeg		at = {array_path, NULL, base + i};

			rc = fn(cx, json_object_array_get_idx(arr, i), &at, base + i);
			if (rc != FITBIT_OK)
				break;
		}
		json_object_put(arr);
		if (rc != FITBIT_OK)
			return rc;
		base += n;
	}
	if (base != sc->bulk_count)
		return fail(cx, FITBIT_ERR_NOT_JSON, array_path,
					"json-c found %zu elements where the scanner found %zu",
					base, sc->bulk_count);
	return FITBIT_OK;
}

/* Feed each element of a json-c array to fn. */
static FitbitErrorKind
walk_array(ParseCtx *cx, json_object *arr, const PathSeg *array_path,
		   ElementFn fn)
{
	size_t		n = json_object_array_length(arr);
	size_t		i;

	for (i = 0; i < n; i++)
	{
		PathSeg		at = {array_path, NULL, i};
		FitbitErrorKind rc;

		rc = fn(cx, json_object_array_get_idx(arr, i), &at, i);
		if (rc != FITBIT_OK)
			return rc;
	}
	return FITBIT_OK;
}


/* ----------------------------------------------------------------------
 * Field checks
 * ----------------------------------------------------------------------
 */

/*
 * Look up member key of obj, which sits at path at.  A required member
 * that is absent is a shape error; an optional one that is absent or null
 * comes back as NULL.  json-c represents a JSON null as a NULL pointer
 * (its type functions treat NULL as null), so a required null comes back
 * as NULL too, for the caller's type check to reject.
 */
static FitbitErrorKind
get_member(ParseCtx *cx, json_object *obj, const PathSeg *at,
		   const char *key, bool required, json_object **out)
{
	*out = NULL;
	if (!json_object_object_get_ex(obj, key, out))
	{
		PathSeg		mp = {at, key, 0};

		*out = NULL;
		if (required)
			return fail(cx, FITBIT_ERR_SHAPE, &mp, "%s is missing", key);
	}
	return FITBIT_OK;
}

/* Check that v is an object. */
static FitbitErrorKind
check_object(ParseCtx *cx, json_object *v, const PathSeg *at,
			 const char *name)
{
	char		d[DESC_MAX + 8];

	if (json_object_is_type(v, json_type_object))
		return FITBIT_OK;
	return fail(cx, FITBIT_ERR_TYPE, at, "%s %s is not an object", name,
				describe(v, d, sizeof(d)));
}

/* Check that v is an array. */
static FitbitErrorKind
check_array(ParseCtx *cx, json_object *v, const PathSeg *at,
			const char *name)
{
	char		d[DESC_MAX + 8];

	if (json_object_is_type(v, json_type_array))
		return FITBIT_OK;
	return fail(cx, FITBIT_ERR_TYPE, at, "%s %s is not an array", name,
				describe(v, d, sizeof(d)));
}

/* Check that v is a string and return its bytes. */
static FitbitErrorKind
check_string(ParseCtx *cx, json_object *v, const PathSeg *at,
			 const char *name, const char **s, size_t *len)
{
	char		d[DESC_MAX + 8];

	/* set on every path, so that no caller can read garbage */
	*s = "";
	*len = 0;
	if (!json_object_is_type(v, json_type_string))
		return fail(cx, FITBIT_ERR_TYPE, at, "%s %s is not a string", name,
					describe(v, d, sizeof(d)));
	*s = json_object_get_string(v);
	*len = (size_t) json_object_get_string_len(v);
	return FITBIT_OK;
}

/*
 * Check that v is a JSON integer within lo..hi.  A number with a fraction
 * or an exponent (72.0, 7.2e1) is not an integer, and neither is "72".
 */
static FitbitErrorKind
check_int(ParseCtx *cx, json_object *v, const PathSeg *at, const char *name,
		  int64_t lo, int64_t hi, int64_t *out)
{
	char		d[DESC_MAX + 8];
	int64_t		i;

	if (!json_object_is_type(v, json_type_int))
		return fail(cx, FITBIT_ERR_TYPE, at, "%s %s is not an integer", name,
					describe(v, d, sizeof(d)));
	i = json_object_get_int64(v);
	if (i < lo || i > hi)
		return fail(cx, FITBIT_ERR_RANGE, at, "%s %s is outside %lld..%lld",
					name, describe(v, d, sizeof(d)),
					(long long) lo, (long long) hi);
	*out = i;
	return FITBIT_OK;
}

/* Check that v is a JSON number within lo..hi. */
static FitbitErrorKind
check_number(ParseCtx *cx, json_object *v, const PathSeg *at,
			 const char *name, double lo, double hi, double *out)
{
	char		d[DESC_MAX + 8];
	double		x;

	if (!json_object_is_type(v, json_type_int) &&
		!json_object_is_type(v, json_type_double))
		return fail(cx, FITBIT_ERR_TYPE, at, "%s %s is not a number", name,
					describe(v, d, sizeof(d)));
	x = json_object_get_double(v);
	/* written so that a NaN fails too */
	if (!(x >= lo && x <= hi))
		return fail(cx, FITBIT_ERR_RANGE, at, "%s %s is outside %g..%g",
					name, describe(v, d, sizeof(d)), lo, hi);
	*out = x;
	return FITBIT_OK;
}

/* Shorthand: fetch a required member and check it is an integer. */
static FitbitErrorKind
member_int(ParseCtx *cx, json_object *obj, const PathSeg *at,
		   const char *key, int64_t lo, int64_t hi, int64_t *out)
{
	json_object *v;
	FitbitErrorKind rc;
	PathSeg		mp = {at, key, 0};

	rc = get_member(cx, obj, at, key, true, &v);
	if (rc != FITBIT_OK)
		return rc;
	return check_int(cx, v, &mp, key, lo, hi, out);
}

/* Shorthand: fetch a required member and check it is a number. */
static FitbitErrorKind
member_number(ParseCtx *cx, json_object *obj, const PathSeg *at,
			  const char *key, double lo, double hi, double *out)
{
	json_object *v;
	FitbitErrorKind rc;
	PathSeg		mp = {at, key, 0};

	rc = get_member(cx, obj, at, key, true, &v);
	if (rc != FITBIT_OK)
		return rc;
	return check_number(cx, v, &mp, key, lo, hi, out);
}


/* ----------------------------------------------------------------------
 * Dates and times, without libc's time functions
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

/* Gregorian leap year, for checking February 29. */
static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Whether y-m-d is a real date of the proleptic Gregorian calendar. */
static bool
valid_date(int y, int m, int d)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (y < 1 || m < 1 || m > 12 || d < 1)
		return false;
	if (m == 2 && is_leap(y))
		return d <= 29;
	return d <= mdays[m - 1];
}

/*
 * Days from 1970-01-01 to y-m-d (Gregorian), after H. Hinnant's
 * days_from_civil.  Used instead of timegm() so that no time zone or
 * libc quirk can shift an export's UTC timestamps.
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

/* Parse exactly "HH:MM:SS"; returns seconds since midnight or -1. */
static int
parse_clock(const char *s, size_t len)
{
	int			h,
				m,
				sec;

	if (len != 8 || s[2] != ':' || s[5] != ':')
		return -1;
	h = two_digits(s);
	m = two_digits(s + 3);
	sec = two_digits(s + 6);
	if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59)
		return -1;
	return h * 3600 + m * 60 + sec;
}

/* Parse exactly "YYYY-MM-DD" into a real date. */
static bool
parse_iso_date(const char *s, size_t len, FitbitDate *date)
{
	int			c1,
				c2,
				m,
				d;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return false;
	c1 = two_digits(s);
	c2 = two_digits(s + 2);
	m = two_digits(s + 5);
	d = two_digits(s + 8);
	if (c1 < 0 || c2 < 0 || m < 0 || d < 0 ||
		!valid_date(c1 * 100 + c2, m, d))
		return false;
	date->year = c1 * 100 + c2;
	date->month = m;
	date->day = d;
	return true;
}

/*
 * Parse the export's "MM/DD/YY" (len 8) or "MM/DD/YY HH:MM:SS" (len 17);
 * YY is 20YY.  *secs gets the time of day, 0 for a bare date.
 */
static bool
parse_us_datetime(const char *s, size_t len, bool with_time,
				  FitbitDate *date, int *secs)
{
	int			m,
				d,
				y;

	if (len != (with_time ? 17 : 8) || s[2] != '/' || s[5] != '/')
		return false;
	m = two_digits(s);
	d = two_digits(s + 3);
	y = two_digits(s + 6);
	if (m < 0 || d < 0 || y < 0 || !valid_date(2000 + y, m, d))
		return false;
	*secs = 0;
	if (with_time)
	{
		if (s[8] != ' ')
			return false;
		*secs = parse_clock(s + 9, 8);
		if (*secs < 0)
			return false;
	}
	date->year = 2000 + y;
	date->month = m;
	date->day = d;
	return true;
}

/*
 * Parse a plain decimal such as "55.44" (no exponent, at most 32 bytes).
 * Done by hand because strtod() follows LC_NUMERIC.
 */
static bool
parse_decimal(const char *s, size_t len, double *out)
{
	double		v = 0;
	double		scale = 1;
	size_t		i = 0;
	size_t		digits = 0;
	bool		neg = false;

	if (len > 32)
		return false;
	if (i < len && s[i] == '-')
	{
		neg = true;
		i++;
	}
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
		v = v * 10 + (s[i] - '0');
	if (digits == 0)
		return false;
	if (i < len && s[i] == '.')
	{
		size_t		frac = 0;

		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, frac++)
		{
			scale /= 10;
			v += (s[i] - '0') * scale;
		}
		if (frac == 0)
			return false;
	}
	if (i != len)
		return false;
	*out = neg ? -v : v;
	return true;
}


/* ----------------------------------------------------------------------
 * Web API responses
 * ----------------------------------------------------------------------
 */

/*
 * Check one heart-rate zone object ({name, min, max, minutes,
 * caloriesOut}) and return its figures; the name is checked by the
 * caller.
 */
static FitbitErrorKind
read_zone(ParseCtx *cx, json_object *z, const PathSeg *at, const char *label,
		  int *zmin, int *zmax, double *minutes)
{
	FitbitErrorKind rc;
	int64_t		lo,
				hi;
	json_object *cal;
	double		ignored;

	if ((rc = member_int(cx, z, at, "min", 0, ZONE_BOUND_MAX, &lo)) != FITBIT_OK ||
		(rc = member_int(cx, z, at, "max", 0, ZONE_BOUND_MAX, &hi)) != FITBIT_OK)
		return rc;
	if (lo >= hi)
		return fail(cx, FITBIT_ERR_RANGE, at,
					"zone %s min %lld is not below max %lld", label,
					(long long) lo, (long long) hi);
	rc = member_number(cx, z, at, "minutes", 0, ZONE_MINUTES_MAX, minutes);
	if (rc != FITBIT_OK)
		return rc;
	rc = get_member(cx, z, at, "caloriesOut", false, &cal);
	if (rc == FITBIT_OK && cal != NULL)
	{
		PathSeg		mp = {at, "caloriesOut", 0};

		rc = check_number(cx, cal, &mp, "caloriesOut", 0, CALORIES_MAX,
						  &ignored);
	}
	if (rc != FITBIT_OK)
		return rc;
	*zmin = (int) lo;
	*zmax = (int) hi;
	return FITBIT_OK;
}

/*
 * Read heartRateZones: exactly the four named default zones, in any
 * order, into day's bounds and minutes.
 */
static FitbitErrorKind
read_default_zones(ParseCtx *cx, json_object *arr, const PathSeg *at,
				   FitbitDaySummary *day)
{
	bool		seen[FITBIT_ZONES] = {false, false, false, false};
	size_t		n;
	size_t		i;
	int			k;
	FitbitErrorKind rc;

	rc = check_array(cx, arr, at, "heartRateZones");
	if (rc != FITBIT_OK)
		return rc;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++)
	{
		json_object *z = json_object_array_get_idx(arr, i);
		PathSeg		zp = {at, NULL, i};
		PathSeg		np = {&zp, "name", 0};
		json_object *name;
		const char *s;
		size_t		slen;
		char		d[DESC_MAX + 8];
		char		label[32];

		if ((rc = check_object(cx, z, &zp, "zone")) != FITBIT_OK ||
			(rc = get_member(cx, z, &zp, "name", true, &name)) != FITBIT_OK ||
			(rc = check_string(cx, name, &np, "name", &s, &slen)) != FITBIT_OK)
			return rc;
		for (k = 0; k < FITBIT_ZONES; k++)
		{
			if (slen == strlen(api_zone_names[k]) &&
				memcmp(s, api_zone_names[k], slen) == 0)
				break;
		}
		if (k == FITBIT_ZONES)
			return fail(cx, FITBIT_ERR_SHAPE, &np,
						"zone name %s is not one of \"Out of Range\", \"Fat Burn\", \"Cardio\", \"Peak\"",
						describe(name, d, sizeof(d)));
		if (seen[k])
			return fail(cx, FITBIT_ERR_SHAPE, &np,
						"zone \"%s\" appears more than once",
						api_zone_names[k]);
		seen[k] = true;
		snprintf(label, sizeof(label), "\"%s\"", api_zone_names[k]);
		rc = read_zone(cx, z, &zp, label, &day->zone_min[k],
					   &day->zone_max[k], &day->zone_minutes[k]);
		if (rc != FITBIT_OK)
			return rc;
	}
	for (k = 0; k < FITBIT_ZONES; k++)
	{
		if (!seen[k])
			return fail(cx, FITBIT_ERR_SHAPE, at, "zone \"%s\" is missing",
						api_zone_names[k]);
	}
	day->has_zone_bounds = true;
	day->has_zone_minutes = true;
	return FITBIT_OK;
}

/*
 * Check customHeartRateZones.  The header has no place for the user's
 * custom zone, so it is validated and then dropped.
 */
static FitbitErrorKind
read_custom_zones(ParseCtx *cx, json_object *arr, const PathSeg *at)
{
	size_t		n;
	size_t		i;
	FitbitErrorKind rc;

	rc = check_array(cx, arr, at, "customHeartRateZones");
	if (rc != FITBIT_OK)
		return rc;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++)
	{
		json_object *z = json_object_array_get_idx(arr, i);
		PathSeg		zp = {at, NULL, i};
		PathSeg		np = {&zp, "name", 0};
		json_object *name;
		const char *s;
		size_t		slen;
		int			zmin,
					zmax;
		double		minutes;

		if ((rc = check_object(cx, z, &zp, "zone")) != FITBIT_OK ||
			(rc = get_member(cx, z, &zp, "name", true, &name)) != FITBIT_OK ||
			(rc = check_string(cx, name, &np, "name", &s, &slen)) != FITBIT_OK ||
			(rc = read_zone(cx, z, &zp, "custom", &zmin, &zmax, &minutes)) != FITBIT_OK)
			return rc;
	}
	return FITBIT_OK;
}

/*
 * Read one element of activities-heart.  Two shapes exist: the current
 * one keeps heartRateZones and restingHeartRate inside a "value" object;
 * responses of the 1.1-era clients put heartRateZones beside dateTime and
 * make "value" a decimal string such as "55.44" (or a number).  What that
 * decimal means is not documented, so it is only checked.
 */
static FitbitErrorKind
read_api_day(ParseCtx *cx, json_object *elem, const PathSeg *at,
			 size_t index)
{
	FitbitDaySummary *day = &cx->doc->days[index];
	PathSeg		dp = {at, "dateTime", 0};
	PathSeg		vp = {at, "value", 0};
	const PathSeg *hp;
	PathSeg		zp,
				cp,
				rp;
	json_object *v;
	json_object *value;
	json_object *holder;
	json_object *zones;
	json_object *beside;
	json_object *custom;
	json_object *resting;
	const char *s;
	size_t		slen;
	int64_t		rhr;
	char		d[DESC_MAX + 8];
	FitbitErrorKind rc;

	if ((rc = check_object(cx, elem, at, "day")) != FITBIT_OK ||
		(rc = get_member(cx, elem, at, "dateTime", true, &v)) != FITBIT_OK ||
		(rc = check_string(cx, v, &dp, "dateTime", &s, &slen)) != FITBIT_OK)
		return rc;
	if (!parse_iso_date(s, slen, &day->date))
		return fail(cx, FITBIT_ERR_TIME, &dp,
					"dateTime %s is not a valid yyyy-mm-dd date",
					describe(v, d, sizeof(d)));

	rc = get_member(cx, elem, at, "value", true, &value);
	if (rc != FITBIT_OK)
		return rc;
	rc = get_member(cx, elem, at, "heartRateZones", false, &beside);
	if (rc != FITBIT_OK)
		return rc;
	if (json_object_is_type(value, json_type_object))
	{
		if (beside != NULL)
		{
			PathSeg		bp = {at, "heartRateZones", 0};

			return fail(cx, FITBIT_ERR_SHAPE, &bp,
						"heartRateZones appears both beside and inside value");
		}
		holder = value;
	}
	else if (json_object_is_type(value, json_type_string))
	{
		double		x;

		if (!parse_decimal(json_object_get_string(value),
						   (size_t) json_object_get_string_len(value), &x))
			return fail(cx, FITBIT_ERR_TYPE, &vp,
						"value %s is neither an object nor a decimal",
						describe(value, d, sizeof(d)));
		if (!(x >= 0 && x <= LEGACY_VALUE_MAX))
			return fail(cx, FITBIT_ERR_RANGE, &vp,
						"value %s is outside 0..%g",
						describe(value, d, sizeof(d)), LEGACY_VALUE_MAX);
		holder = elem;
	}
	else if (json_object_is_type(value, json_type_int) ||
			 json_object_is_type(value, json_type_double))
	{
		double		ignored;

		rc = check_number(cx, value, &vp, "value", 0, LEGACY_VALUE_MAX,
						  &ignored);
		if (rc != FITBIT_OK)
			return rc;
		holder = elem;
	}
	else
		return fail(cx, FITBIT_ERR_TYPE, &vp, "value %s is not an object",
					describe(value, d, sizeof(d)));

	/* the zones and resting figure live in whichever object holds them */
	hp = holder == elem ? at : &vp;
	zp = (PathSeg) {hp, "heartRateZones", 0};
	cp = (PathSeg) {hp, "customHeartRateZones", 0};
	rp = (PathSeg) {hp, "restingHeartRate", 0};

	if ((rc = get_member(cx, holder, hp, "heartRateZones", true, &zones)) != FITBIT_OK ||
		(rc = read_default_zones(cx, zones, &zp, day)) != FITBIT_OK)
		return rc;
	rc = get_member(cx, holder, hp, "customHeartRateZones", false, &custom);
	if (rc == FITBIT_OK && custom != NULL)
		rc = read_custom_zones(cx, custom, &cp);
	if (rc != FITBIT_OK)
		return rc;
	rc = get_member(cx, holder, hp, "restingHeartRate", false, &resting);
	if (rc == FITBIT_OK && resting != NULL)
	{
		rc = check_int(cx, resting, &rp, "restingHeartRate",
					   API_RESTING_MIN, API_RESTING_MAX, &rhr);
		if (rc == FITBIT_OK)
		{
			day->has_resting = true;
			day->resting_hr = (double) rhr;
		}
	}
	return rc;
}

/* Read one intraday sample {time, value}; t is seconds since midnight. */
static FitbitErrorKind
read_api_sample(ParseCtx *cx, json_object *elem, const PathSeg *at,
				size_t index)
{
	FitbitDoc  *doc = cx->doc;
	PathSeg		tp = {at, "time", 0};
	json_object *v;
	const char *s;
	size_t		slen;
	int			secs;
	int64_t		bpm;
	char		d[DESC_MAX + 8];
	FitbitErrorKind rc;

	if ((rc = check_object(cx, elem, at, "sample")) != FITBIT_OK ||
		(rc = get_member(cx, elem, at, "time", true, &v)) != FITBIT_OK ||
		(rc = check_string(cx, v, &tp, "time", &s, &slen)) != FITBIT_OK)
		return rc;
	secs = parse_clock(s, slen);
	if (secs < 0)
		return fail(cx, FITBIT_ERR_TIME, &tp,
					"time %s is not a valid hh:mm:ss time",
					describe(v, d, sizeof(d)));
	rc = member_int(cx, elem, at, "value", FITBIT_MIN_BPM, FITBIT_MAX_BPM,
					&bpm);
	if (rc != FITBIT_OK)
		return rc;
	doc->t[index] = secs;
	doc->bpm[index] = (int16_t) bpm;
	doc->confidence[index] = -1;
	return FITBIT_OK;
}

/* Allocate the sample arrays for n samples; nothing is allocated for 0. */
static FitbitErrorKind
alloc_samples(ParseCtx *cx, size_t n)
{
	FitbitDoc  *doc = cx->doc;

	if (n == 0)
		return FITBIT_OK;
	if (n > SIZE_MAX / sizeof(int64_t))
		return fail(cx, FITBIT_ERR_NOMEM, &path_root, "out of memory");
	doc->t = malloc(n * sizeof(int64_t));
	doc->bpm = malloc(n * sizeof(int16_t));
	doc->confidence = malloc(n * sizeof(int8_t));
	if (doc->t == NULL || doc->bpm == NULL || doc->confidence == NULL)
		return fail(cx, FITBIT_ERR_NOMEM, &path_root, "out of memory");
	doc->nsamples = n;
	return FITBIT_OK;
}

/* Allocate n zeroed day summaries. */
static FitbitErrorKind
alloc_days(ParseCtx *cx, size_t n)
{
	if (n == 0)
		return FITBIT_OK;
	cx->doc->days = calloc(n, sizeof(FitbitDaySummary));
	if (cx->doc->days == NULL)
		return fail(cx, FITBIT_ERR_NOMEM, &path_root, "out of memory");
	cx->doc->ndays = n;
	return FITBIT_OK;
}

/*
 * Read activities-heart-intraday.  Its dataset is either the bulk array
 * the scanner cut out (then the tree holds an empty placeholder) or, when
 * the scanner could not be sure which member json-c would keep, a plain
 * json-c array.
 */
static FitbitErrorKind
read_api_intraday(ParseCtx *cx, json_object *intraday, const PathSeg *at)
{
	FitbitDoc  *doc = cx->doc;
	PathSeg		sp = {at, "dataset", 0};
	PathSeg		tp = {at, "datasetType", 0};
	PathSeg		ip = {at, "datasetInterval", 0};
	json_object *dataset;
	json_object *v;
	char		d[DESC_MAX + 8];
	bool		use_bulk;
	size_t		n;
	FitbitErrorKind rc;

	rc = check_object(cx, intraday, at, intraday_key);
	if (rc != FITBIT_OK)
		return rc;
	if (doc->ndays != 1)
		return fail(cx, FITBIT_ERR_SHAPE, at,
					"intraday data needs exactly one day in activities-heart, not %zu",
					doc->ndays);

	rc = get_member(cx, intraday, at, "datasetType", false, &v);
	if (rc == FITBIT_OK && v != NULL)
	{
		const char *s;
		size_t		slen;

		rc = check_string(cx, v, &tp, "datasetType", &s, &slen);
		if (rc != FITBIT_OK)
			return rc;
		if (!(slen == 6 && (memcmp(s, "second", 6) == 0 ||
							memcmp(s, "minute", 6) == 0)))
			return fail(cx, FITBIT_ERR_RANGE, &tp,
						"datasetType %s is not \"second\" or \"minute\"",
						describe(v, d, sizeof(d)));
		memcpy(doc->dataset_type, s, slen + 1);
	}
	if (rc != FITBIT_OK)
		return rc;
	rc = get_member(cx, intraday, at, "datasetInterval", false, &v);
	if (rc == FITBIT_OK && v != NULL)
	{
		int64_t		interval;

		rc = check_int(cx, v, &ip, "datasetInterval", 1, INTERVAL_MAX,
					   &interval);
		if (rc == FITBIT_OK)
			doc->dataset_interval = (int) interval;
	}
	if (rc != FITBIT_OK)
		return rc;

	if ((rc = get_member(cx, intraday, at, "dataset", true, &dataset)) != FITBIT_OK ||
		(rc = check_array(cx, dataset, &sp, "dataset")) != FITBIT_OK)
		return rc;
	use_bulk = cx->scan.bulk_found && !cx->scan.no_elide;
	if (use_bulk && json_object_array_length(dataset) != 0)
		return fail(cx, FITBIT_ERR_NOT_JSON, &sp,
					"json-c and the scanner disagree about the dataset");
	n = use_bulk ? cx->scan.bulk_count : json_object_array_length(dataset);
	rc = alloc_samples(cx, n);
	if (rc != FITBIT_OK)
		return rc;
	if (use_bulk)
		return walk_bulk(cx, &sp, read_api_sample);
	return walk_array(cx, dataset, &sp, read_api_sample);
}

/*
 * Read a Web API heart-rate response: one or more days of summaries and,
 * for a single day, optional intraday samples.
 */
static FitbitErrorKind
read_api(ParseCtx *cx)
{
	JsonScan   *sc = &cx->scan;
	PathSeg		ap = {&path_root, "activities-heart", 0};
	PathSeg		ip = {&path_root, intraday_key, 0};
	json_object *root = NULL;
	json_object *days;
	json_object *intraday;
	Piece		pieces[2];
	int			npieces;
	FitbitErrorKind rc;

	/* parse the document with the bulk array cut out, if there is one */
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
	rc = jc_parse(cx, pieces, npieces, &root);
	if (rc != FITBIT_OK)
		return rc;

	if (!json_object_object_get_ex(root, "activities-heart", &days))
	{
		json_object *errors;

		if (json_object_object_get_ex(root, "errors", &errors))
			rc = fail(cx, FITBIT_ERR_SHAPE, &path_root,
					  "a fitbit api error response, not heart-rate data");
		else
			rc = fail(cx, FITBIT_ERR_SHAPE, &path_root,
					  "object has no \"activities-heart\" member");
		goto out;
	}
	cx->doc->kind = FITBIT_API_HEART;
	if ((rc = check_array(cx, days, &ap, "activities-heart")) != FITBIT_OK)
		goto out;
	if (json_object_array_length(days) == 0)
	{
		rc = fail(cx, FITBIT_ERR_SHAPE, &ap, "activities-heart is empty");
		goto out;
	}
	if ((rc = alloc_days(cx, json_object_array_length(days))) != FITBIT_OK ||
		(rc = walk_array(cx, days, &ap, read_api_day)) != FITBIT_OK)
		goto out;

	rc = get_member(cx, root, &path_root, intraday_key, false, &intraday);
	if (rc == FITBIT_OK && intraday != NULL)
		rc = read_api_intraday(cx, intraday, &ip);

out:
	json_object_put(root);
	return rc;
}


/* ----------------------------------------------------------------------
 * Account export files
 * ----------------------------------------------------------------------
 */

/* Fetch element.value and check that it is an object. */
static FitbitErrorKind
export_value(ParseCtx *cx, json_object *elem, const PathSeg *at,
			 json_object **value)
{
	PathSeg		vp = {at, "value", 0};
	FitbitErrorKind rc;

	if ((rc = check_object(cx, elem, at, "entry")) != FITBIT_OK ||
		(rc = get_member(cx, elem, at, "value", true, value)) != FITBIT_OK)
		return rc;
	return check_object(cx, *value, &vp, "value");
}

/* Fetch and parse element.dateTime, "MM/DD/YY HH:MM:SS". */
static FitbitErrorKind
export_datetime(ParseCtx *cx, json_object *elem, const PathSeg *at,
				FitbitDate *date, int *secs)
{
	PathSeg		dp = {at, "dateTime", 0};
	json_object *v;
	const char *s;
	size_t		slen;
	char		d[DESC_MAX + 8];
	FitbitErrorKind rc;

	if ((rc = get_member(cx, elem, at, "dateTime", true, &v)) != FITBIT_OK ||
		(rc = check_string(cx, v, &dp, "dateTime", &s, &slen)) != FITBIT_OK)
		return rc;
	if (!parse_us_datetime(s, slen, true, date, secs))
		return fail(cx, FITBIT_ERR_TIME, &dp,
					"dateTime %s is not a valid mm/dd/yy hh:mm:ss time",
					describe(v, d, sizeof(d)));
	return FITBIT_OK;
}

/* Read one heart_rate-*.json sample; t is Unix epoch seconds (UTC). */
static FitbitErrorKind
read_export_sample(ParseCtx *cx, json_object *elem, const PathSeg *at,
				   size_t index)
{
	FitbitDoc  *doc = cx->doc;
	PathSeg		vp = {at, "value", 0};
	json_object *value;
	FitbitDate	date;
	int			secs;
	int64_t		bpm;
	int64_t		conf;
	FitbitErrorKind rc;

	if ((rc = export_value(cx, elem, at, &value)) != FITBIT_OK ||
		(rc = export_datetime(cx, elem, at, &date, &secs)) != FITBIT_OK ||
		(rc = member_int(cx, value, &vp, "bpm", FITBIT_MIN_BPM,
						 FITBIT_MAX_BPM, &bpm)) != FITBIT_OK ||
		(rc = member_int(cx, value, &vp, "confidence", 0, CONFIDENCE_MAX,
						 &conf)) != FITBIT_OK)
		return rc;
	doc->t[index] = days_from_civil(date.year, date.month, date.day) * 86400 +
		secs;
	doc->bpm[index] = (int16_t) bpm;
	doc->confidence[index] = (int8_t) conf;
	return FITBIT_OK;
}

/* Read one time_in_heart_rate_zones-*.json day. */
static FitbitErrorKind
read_export_zones(ParseCtx *cx, json_object *elem, const PathSeg *at,
				  size_t index)
{
	FitbitDaySummary *day = &cx->doc->days[index];
	PathSeg		vp = {at, "value", 0};
	PathSeg		zp = {&vp, "valuesInZones", 0};
	json_object *value;
	json_object *zones;
	int			secs;
	int			k;
	FitbitErrorKind rc;

	if ((rc = export_value(cx, elem, at, &value)) != FITBIT_OK ||
		(rc = export_datetime(cx, elem, at, &day->date, &secs)) != FITBIT_OK ||
		(rc = get_member(cx, value, &vp, "valuesInZones", true, &zones)) != FITBIT_OK ||
		(rc = check_object(cx, zones, &zp, "valuesInZones")) != FITBIT_OK)
		return rc;
	for (k = 0; k < FITBIT_ZONES; k++)
	{
		PathSeg		kp = {&zp, export_zone_keys[k], 0};
		json_object *v;
		char		label[48];

		/* messages start with "zone minutes", keeping them lower case */
		snprintf(label, sizeof(label), "zone minutes %s", export_zone_keys[k]);
		if (!json_object_object_get_ex(zones, export_zone_keys[k], &v))
			return fail(cx, FITBIT_ERR_SHAPE, &kp, "%s is missing", label);
		rc = check_number(cx, v, &kp, label, 0, ZONE_MINUTES_MAX,
						  &day->zone_minutes[k]);
		if (rc != FITBIT_OK)
			return rc;
	}
	day->has_zone_minutes = true;
	return FITBIT_OK;
}

/*
 * Read one resting_heart_rate-*.json day.  A day without a figure has
 * "date": null and "value": 0.0; it is kept with has_resting false.
 */
static FitbitErrorKind
read_export_resting(ParseCtx *cx, json_object *elem, const PathSeg *at,
					size_t index)
{
	FitbitDaySummary *day = &cx->doc->days[index];
	PathSeg		vp = {at, "value", 0};
	PathSeg		dp = {&vp, "date", 0};
	PathSeg		ep = {&vp, "error", 0};
	json_object *value;
	json_object *date;
	json_object *error;
	FitbitDate	inner;
	int			secs;
	double		rhr;
	double		ignored;
	char		d[DESC_MAX + 8];
	FitbitErrorKind rc;

	if ((rc = export_value(cx, elem, at, &value)) != FITBIT_OK ||
		(rc = export_datetime(cx, elem, at, &day->date, &secs)) != FITBIT_OK ||
		(rc = get_member(cx, value, &vp, "date", true, &date)) != FITBIT_OK)
		return rc;
	if (!json_object_is_type(date, json_type_null))
	{
		const char *s;
		size_t		slen;

		rc = check_string(cx, date, &dp, "date", &s, &slen);
		if (rc != FITBIT_OK)
			return rc;
		if (!parse_us_datetime(s, slen, false, &inner, &secs))
			return fail(cx, FITBIT_ERR_TIME, &dp,
						"date %s is not a valid mm/dd/yy date",
						describe(date, d, sizeof(d)));
	}
	if ((rc = member_number(cx, value, &vp, "value", 0, EXPORT_RESTING_MAX,
							&rhr)) != FITBIT_OK ||
		(rc = get_member(cx, value, &vp, "error", true, &error)) != FITBIT_OK)
		return rc;
	if (!json_object_is_type(error, json_type_null))
	{
		rc = check_number(cx, error, &ep, "error", 0, EXPORT_RESTING_MAX,
						  &ignored);
		if (rc != FITBIT_OK)
			return rc;
	}
	if (!json_object_is_type(date, json_type_null) && rhr > 0)
	{
		day->has_resting = true;
		day->resting_hr = rhr;
	}
	return FITBIT_OK;
}

/* Tell an export file's kind from its base name. */
static FitbitDocKind
kind_from_name(const char *name)
{
	const char *slash;

	if (name == NULL)
		return FITBIT_DOC_UNKNOWN;
	slash = strrchr(name, '/');
	if (slash != NULL)
		name = slash + 1;
	if (strncmp(name, "heart_rate-", 11) == 0)
		return FITBIT_EXPORT_HEART_RATE;
	if (strncmp(name, "time_in_heart_rate_zones-", 25) == 0)
		return FITBIT_EXPORT_ZONE_MINUTES;
	if (strncmp(name, "resting_heart_rate-", 19) == 0)
		return FITBIT_EXPORT_RESTING_HR;
	return FITBIT_DOC_UNKNOWN;
}

/* Tell an export file's kind from its first element. */
static FitbitErrorKind
detect_export(ParseCtx *cx, FitbitDocKind *kind)
{
	JsonScan   *sc = &cx->scan;
	PathSeg		at = {&path_root, NULL, 0};
	PathSeg		vp = {&at, "value", 0};
	Piece		pieces[3];
	json_object *arr;
	json_object *first;
	json_object *value;
	json_object *ignored;
	char		d[DESC_MAX + 8];
	FitbitErrorKind rc;

	pieces[0].p = "[";
	pieces[0].n = 1;
	pieces[1].p = cx->buf + sc->chunks[0].start;
	pieces[1].n = sc->chunks[0].end - sc->chunks[0].start;
	pieces[2].p = "]";
	pieces[2].n = 1;
	rc = jc_parse(cx, pieces, 3, &arr);
	if (rc != FITBIT_OK)
		return rc;
	first = json_object_array_get_idx(arr, 0);
	if (!json_object_is_type(first, json_type_object))
		rc = fail(cx, FITBIT_ERR_SHAPE, &at,
				  "array element %s is not a fitbit export entry",
				  describe(first, d, sizeof(d)));
	else if (!json_object_object_get_ex(first, "value", &value) ||
			 !json_object_is_type(value, json_type_object))
		rc = fail(cx, FITBIT_ERR_SHAPE, &at,
				  "array element has no value object, so it is not a fitbit export entry");
	else if (json_object_object_get_ex(value, "bpm", &ignored))
		*kind = FITBIT_EXPORT_HEART_RATE;
	else if (json_object_object_get_ex(value, "valuesInZones", &ignored))
		*kind = FITBIT_EXPORT_ZONE_MINUTES;
	else if (json_object_object_get_ex(value, "value", &ignored))
		*kind = FITBIT_EXPORT_RESTING_HR;
	else
		rc = fail(cx, FITBIT_ERR_SHAPE, &vp,
				  "value has none of bpm, valuesInZones or value, so it is not a fitbit export entry");
	json_object_put(arr);
	return rc;
}

/* Read an account export file, a top-level array. */
static FitbitErrorKind
read_export(ParseCtx *cx, const char *name_hint)
{
	FitbitDoc  *doc = cx->doc;
	FitbitDocKind kind = FITBIT_DOC_UNKNOWN;
	FitbitErrorKind rc;

	if (cx->scan.bulk_count == 0)
	{
		kind = kind_from_name(name_hint);
		if (kind == FITBIT_DOC_UNKNOWN)
			return fail(cx, FITBIT_ERR_SHAPE, &path_root,
						"empty array, and the file name does not tell which export it is");
		doc->kind = kind;
		return FITBIT_OK;
	}
	rc = detect_export(cx, &kind);
	if (rc != FITBIT_OK)
		return rc;
	doc->kind = kind;
	if (kind == FITBIT_EXPORT_HEART_RATE)
	{
		rc = alloc_samples(cx, cx->scan.bulk_count);
		if (rc != FITBIT_OK)
			return rc;
		return walk_bulk(cx, &path_root, read_export_sample);
	}
	rc = alloc_days(cx, cx->scan.bulk_count);
	if (rc != FITBIT_OK)
		return rc;
	if (kind == FITBIT_EXPORT_ZONE_MINUTES)
		return walk_bulk(cx, &path_root, read_export_zones);
	return walk_bulk(cx, &path_root, read_export_resting);
}


/* ----------------------------------------------------------------------
 * Entry points
 * ----------------------------------------------------------------------
 */

/*
 * Detect the format of buf and parse it into doc (see fitbit_parse.h).
 * doc is overwritten, not freed first.
 */
FitbitErrorKind
fitbit_parse(const char *buf, size_t len, const char *name_hint,
			 FitbitDoc *doc, FitbitError *err)
{
	FitbitError local_err;
	ParseCtx	cx;
	FitbitErrorKind rc;

	if (err == NULL)
		err = &local_err;
	memset(err, 0, sizeof(*err));
	memset(doc, 0, sizeof(*doc));
	memset(&cx, 0, sizeof(cx));
	cx.buf = buf != NULL ? buf : "";
	cx.len = buf != NULL ? len : 0;
	cx.doc = doc;
	cx.err = err;

	if (cx.len > FITBIT_MAX_INPUT)
		return fail(&cx, FITBIT_ERR_RANGE, &path_root,
					"input of %zu bytes is larger than the limit of %zu bytes",
					cx.len, FITBIT_MAX_INPUT);

	rc = scan_json(&cx);
	if (rc == FITBIT_OK && cx.scan.root != '{' && cx.scan.root != '[')
	{
		const char *what;

		switch (cx.scan.root)
		{
			case '"':
				what = "a string";
				break;
			case 't':
			case 'f':
				what = "a boolean";
				break;
			case 'n':
				what = "null";
				break;
			default:
				what = "a number";
				break;
		}
		rc = fail(&cx, FITBIT_ERR_SHAPE, &path_root,
				  "top-level value is %s, not a fitbit document", what);
	}
	if (rc == FITBIT_OK)
	{
		cx.tok = json_tokener_new_ex(FITBIT_MAX_DEPTH + 2);
		if (cx.tok == NULL)
			rc = fail(&cx, FITBIT_ERR_NOMEM, &path_root, "out of memory");
		else
			json_tokener_set_flags(cx.tok, JSON_TOKENER_STRICT);
	}
	if (rc == FITBIT_OK)
	{
		if (cx.scan.root == '{')
			rc = read_api(&cx);
		else
			rc = read_export(&cx, name_hint);
	}

	if (cx.tok != NULL)
		json_tokener_free(cx.tok);
	free(cx.scan.chunks);
	if (rc != FITBIT_OK)
		fitbit_doc_free(doc);
	return rc;
}

/* Release everything doc owns and leave it zeroed, so a second call is safe. */
void
fitbit_doc_free(FitbitDoc *doc)
{
	if (doc == NULL)
		return;
	free(doc->days);
	free(doc->t);
	free(doc->bpm);
	free(doc->confidence);
	memset(doc, 0, sizeof(*doc));
}

/* Short, stable name of a kind for logs and SQL output. */
const char *
fitbit_doc_kind_name(FitbitDocKind kind)
{
	switch (kind)
	{
		case FITBIT_API_HEART:
			return "fitbit_api_heart";
		case FITBIT_EXPORT_HEART_RATE:
			return "fitbit_export_heart_rate";
		case FITBIT_EXPORT_ZONE_MINUTES:
			return "fitbit_export_zone_minutes";
		case FITBIT_EXPORT_RESTING_HR:
			return "fitbit_export_resting_hr";
		case FITBIT_DOC_UNKNOWN:
			break;
	}
	return "unknown";
}
