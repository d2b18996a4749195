/*-------------------------------------------------------------------------
 *
 * listen_parse.c
 *	  Parse and validate music-listening pages: Last.fm's
 *	  user.getRecentTracks and ListenBrainz's /1/user/{name}/listens.
 *
 * The approach is that of gh_parse.c, on pages a thousand times smaller:
 *
 * 1. scan_json() checks the bytes against RFC 8259 in one pass and reports
 *	  the byte offset of the first problem.  json-c's strict mode still
 *	  accepts NaN, Infinity, raw control characters and lone UTF-16
 *	  surrogates, so the scanner decides what is JSON.
 *
 * 2. json-c builds the tree.
 *
 * 3. The readers walk it, check every member they use for presence, type
 *	  and range, and fill the result.  The first problem stops the parse and
 *	  is reported with its JSON path; nothing is kept from a page that fails.
 *
 * What each API sends (and so what is checked):
 *
 * Last.fm (format=json) converts its XML answers: numbers in "@attr" and
 * "date.uts" are decimal strings, text sits in "#text" members, an absent
 * MBID is "", and a page holding exactly one track gives "track" as an
 * object instead of a list.  The track being played right now comes first
 * on page 1 with "@attr": {"nowplaying": "true"} and no "date"; it is not
 * a scrobble yet and is skipped (counted in ListenPage.now_playing).  With
 * extended=1 the artist's name is in "name" instead of "#text"; both are
 * read.
 *
 * ListenBrainz sends plain JSON: "listened_at" is an integer of Unix
 * seconds, optional members may be null, and MBIDs come from the
 * submitter ("additional_info") and from ListenBrainz's own mapping
 * ("mbid_mapping"), which is preferred when present.
 *
 * MBIDs must be UUIDs and are kept in lower case.  Text must not hold NUL
 * (PostgreSQL's text cannot) and is at most LISTEN_TEXT_MAX bytes.
 *
 * src/listen_parse.c
 *
 *-------------------------------------------------------------------------
 */
#include "listen_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

/* Deepest nesting accepted; real pages need about five levels. */
#define MAX_DEPTH 64

/* Largest input accepted, PostgreSQL's MaxAllocSize. */
#define MAX_INPUT ((size_t) 0x3fffffff)

/* Longest description of a bad value quoted in a message, in bytes. */
#define DESC_MAX 48

/* Longest API error message kept, in bytes. */
#define API_MESSAGE_MAX 200

/* Ranges of Last.fm's paging numbers. */
#define LASTFM_PAGE_MAX INT64_C(1000000)
#define LASTFM_PER_PAGE_MAX INT64_C(1000)
#define LASTFM_TOTAL_MAX INT64_C(1000000000)

/* ListenBrainz never sends more than this many listens at once. */
#define LISTENBRAINZ_COUNT_MAX INT64_C(1000)

/* Longest user name kept, in bytes. */
#define USER_MAX 256

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

typedef struct ParseCtx
{
	const char *buf;
	size_t		len;
	ListenError *err;
	unsigned char root;			/* first byte of the top-level value */
} ParseCtx;

static const PathSeg path_root = {NULL, NULL, 0};


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
 * Whether a member name can be written as .name in a path; others (such
 * as Last.fm's "@attr" and "#text") are written as ["name"].
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
 * Render a path into buf; returns the length written.  Keys are the
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
static ListenErrorKind
fail(ParseCtx *cx, ListenErrorKind kind, const PathSeg *at, const char *fmt,...)
__attribute__((format(printf, 4, 5)));

static ListenErrorKind
fail(ParseCtx *cx, ListenErrorKind kind, const PathSeg *at, const char *fmt,...)
{
	va_list		ap;

	if (cx->err->kind != LISTEN_OK)
		return cx->err->kind;
	cx->err->kind = kind;
	path_render(at, cx->err->path, sizeof(cx->err->path));
	va_start(ap, fmt);
	vsnprintf(cx->err->message, sizeof(cx->err->message), fmt, ap);
	va_end(ap);
	return kind;
}

/* Report an allocation failure; the path says what was being read. */
static ListenErrorKind
fail_nomem(ParseCtx *cx, const PathSeg *at)
{
	return fail(cx, LISTEN_ERR_NOMEM, at, "out of memory");
}

/*
 * Copy at most limit bytes of text into buf (of size > limit + 3), marking
 * a cut with "...".  The cut never splits a UTF-8 sequence, so that
 * messages stay valid text for the server's error reporting.
 */
static const char *
copy_truncated(char *buf, size_t size, const char *text, size_t limit)
{
	size_t		n = strlen(text);

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
 * Describe a JSON value for an error message: numbers and strings as
 * JSON text (cut short), containers as {...} or [...].
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
		case json_type_double:
		case json_type_string:
			return copy_truncated(buf, size,
								  json_object_to_json_string_ext(v,
																 JSON_C_TO_STRING_PLAIN |
																 JSON_C_TO_STRING_NOSLASHESCAPE),
								  DESC_MAX);
	}
	return "?";
}

/* Short name of an error kind, for the reason kept in bronze. */
const char *
listen_error_kind_name(ListenErrorKind kind)
{
	switch (kind)
	{
		case LISTEN_OK:
			return "ok";
		case LISTEN_ERR_NOT_JSON:
			return "not JSON";
		case LISTEN_ERR_SHAPE:
			return "wrong shape";
		case LISTEN_ERR_TYPE:
			return "wrong type";
		case LISTEN_ERR_RANGE:
			return "out of range";
		case LISTEN_ERR_NOMEM:
			return "out of memory";
	}
	return "unknown error";
}


/* ----------------------------------------------------------------------
 * The scanner (RFC 8259)
 * ----------------------------------------------------------------------
 */

/* Report a syntax error at a byte offset. */
static ListenErrorKind
syntax_error(ParseCtx *cx, size_t pos, const char *what)
{
	return fail(cx, LISTEN_ERR_NOT_JSON, &path_root,
				"invalid json at byte offset %zu: %s", pos, what);
}

/* Report an unexpected byte (or the end of input) at pos. */
static ListenErrorKind
unexpected(ParseCtx *cx, const unsigned char *s, size_t len, size_t pos)
{
	char		what[64];

	if (pos >= len)
		snprintf(what, sizeof(what), "unexpected end of input");
	else if (s[pos] > 0x20 && s[pos] < 0x7f)
		snprintf(what, sizeof(what), "unexpected character '%c'", s[pos]);
	else
		snprintf(what, sizeof(what), "unexpected byte 0x%02x", s[pos]);
	return syntax_error(cx, pos, what);
}

/* JSON's four whitespace bytes. */
static inline bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Value of a hex digit, or -1. */
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

	if (len < pos || len - pos < 4)
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
 * past the closing quote.  Lone UTF-16 surrogates in \u escapes are
 * rejected, as PostgreSQL's jsonb does.
 */
static ListenErrorKind
scan_string(ParseCtx *cx, const unsigned char *s, size_t len, size_t *pos)
{
	size_t		p = *pos + 1;

	for (;;)
	{
		unsigned char c;

		while (p < len && s[p] >= 0x20 && s[p] < 0x80 && s[p] != '"' &&
			   s[p] != '\\')
			p++;
		if (p >= len)
			return syntax_error(cx, p, "unterminated string");
		c = s[p];
		if (c == '"')
		{
			*pos = p + 1;
			return LISTEN_OK;
		}
		if (c == '\\')
		{
			long		cp;

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
static ListenErrorKind
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
	return LISTEN_OK;
}

/* Scan a literal (true, false, null) at s[*pos]. */
static ListenErrorKind
scan_literal(ParseCtx *cx, const unsigned char *s, size_t len, size_t *pos,
			 const char *word)
{
	size_t		n = strlen(word);

	if (len - *pos < n || memcmp(s + *pos, word, n) != 0)
		return syntax_error(cx, *pos, "invalid literal");
	*pos += n;
	return LISTEN_OK;
}

/*
 * Check that buf is exactly one JSON value (RFC 8259, UTF-8, an optional
 * leading byte order mark, surrounding whitespace); note the first byte of
 * the top-level value and where it starts.  Nesting deeper than MAX_DEPTH
 * is a shape error: the APIs never nest that deep, and json-c would refuse
 * it.
 */
static ListenErrorKind
scan_json(ParseCtx *cx, size_t *value_start)
{
	const unsigned char *s = (const unsigned char *) cx->buf;
	size_t		len = cx->len;
	unsigned char stack[MAX_DEPTH];
	size_t		depth = 0;
	size_t		pos = 0;
	ListenErrorKind rc = LISTEN_OK;
	unsigned char c;

	if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
		pos = 3;

value:
	while (pos < len && is_ws(s[pos]))
		pos++;
	if (pos >= len)
		return syntax_error(cx, pos, "unexpected end of input");
	c = s[pos];
	if (depth == 0)
	{
		*value_start = pos;
		cx->root = c;
	}
	switch (c)
	{
		case '{':
		case '[':
			if (depth == MAX_DEPTH)
				return fail(cx, LISTEN_ERR_SHAPE, &path_root,
							"json nested deeper than %d levels at byte offset %zu",
							MAX_DEPTH, pos);
			stack[depth++] = c;
			pos++;
			while (pos < len && is_ws(s[pos]))
				pos++;
			if (pos < len && s[pos] == (c == '{' ? '}' : ']'))
			{
				depth--;
				pos++;
				goto after;
			}
			if (c == '{')
				goto key;
			goto value;
		case '"':
			rc = scan_string(cx, s, len, &pos);
			break;
		case 't':
			rc = scan_literal(cx, s, len, &pos, "true");
			break;
		case 'f':
			rc = scan_literal(cx, s, len, &pos, "false");
			break;
		case 'n':
			rc = scan_literal(cx, s, len, &pos, "null");
			break;
		default:
			if (c == '-' || (c >= '0' && c <= '9'))
				rc = scan_number(cx, s, len, &pos);
			else
				return unexpected(cx, s, len, pos);
			break;
	}
	if (rc != LISTEN_OK)
		return rc;
	goto after;

key:
	/* whitespace has been skipped */
	if (pos >= len)
		return syntax_error(cx, pos, "unexpected end of input");
	if (s[pos] != '"')
		return syntax_error(cx, pos, "expected a member name in double quotes");
	rc = scan_string(cx, s, len, &pos);
	if (rc != LISTEN_OK)
		return rc;
	while (pos < len && is_ws(s[pos]))
		pos++;
	if (pos >= len)
		return syntax_error(cx, pos, "unexpected end of input");
	if (s[pos] != ':')
		return syntax_error(cx, pos, "expected ':' after a member name");
	pos++;
	goto value;

after:
	while (pos < len && is_ws(s[pos]))
		pos++;
	if (depth == 0)
	{
		if (pos != len)
			return syntax_error(cx, pos, "trailing data after the json value");
		return LISTEN_OK;
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
		depth--;
		pos++;
		goto after;
	}
	return unexpected(cx, s, len, pos);
}

/*
 * Check the whole input and build its json-c tree.  The scanner has
 * already accepted the bytes, so a json-c failure means it ran out of
 * memory or disagrees with the scanner; both are reported, not hidden.
 * *root is NULL for a top-level null.
 */
static ListenErrorKind
parse_document(ParseCtx *cx, json_object **root)
{
	json_tokener *tok;
	enum json_tokener_error jerr;
	size_t		start = 0;
	json_object *obj;
	ListenErrorKind rc;

	*root = NULL;
	if (cx->len > MAX_INPUT)
		return fail(cx, LISTEN_ERR_RANGE, &path_root,
					"input of %zu bytes is larger than the limit of %zu bytes",
					cx->len, MAX_INPUT);
	rc = scan_json(cx, &start);
	if (rc != LISTEN_OK)
		return rc;

	tok = json_tokener_new_ex(MAX_DEPTH + 2);
	if (tok == NULL)
		return fail_nomem(cx, &path_root);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, cx->buf + start, (int) (cx->len - start));
	jerr = json_tokener_get_error(tok);
	if (obj == NULL && jerr == json_tokener_continue)
	{
		/* a bare top-level number only ends at a NUL */
		obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
	}
	if (jerr == json_tokener_success)
	{
		json_tokener_free(tok);
		*root = obj;
		return LISTEN_OK;
	}
	if (obj != NULL)
		json_object_put(obj);
	rc = fail(cx, jerr == json_tokener_continue ? LISTEN_ERR_NOMEM : LISTEN_ERR_NOT_JSON,
			  &path_root, "json-c rejected the input near byte offset %zu: %s",
			  start + json_tokener_get_parse_end(tok),
			  json_tokener_error_desc(jerr));
	json_tokener_free(tok);
	return rc;
}

/* Set up cx for one parse; err may be NULL, then local_err is used. */
static void
ctx_init(ParseCtx *cx, const char *buf, size_t len, ListenError *err,
		 ListenError *local_err)
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
static ListenErrorKind
require_root_object(ParseCtx *cx, const char *what)
{
	const char *is;

	switch (cx->root)
	{
		case '{':
			return LISTEN_OK;
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
	return fail(cx, LISTEN_ERR_SHAPE, &path_root,
				"top-level value is %s, not %s", is, what);
}


/* ----------------------------------------------------------------------
 * Member checks
 * ----------------------------------------------------------------------
 */

/*
 * Look up member key of obj.  A required member that is absent (or null)
 * is a shape error; an optional one that is absent or null comes back as
 * NULL.  json-c represents a JSON null as a NULL pointer.
 */
static ListenErrorKind
get_member(ParseCtx *cx, json_object *obj, const PathSeg *at,
		   const char *key, bool required, json_object **out)
{
	PathSeg		mp = {at, key, 0};
	bool		present = json_object_object_get_ex(obj, key, out);

	if (!present)
		*out = NULL;
	if (*out == NULL && required)
		return fail(cx, LISTEN_ERR_SHAPE, &mp, present ? "%s is null" : "%s is missing",
					key);
	return LISTEN_OK;
}

/* Fetch an object member; *out is NULL when it is optional and absent. */
static ListenErrorKind
member_object(ParseCtx *cx, json_object *obj, const PathSeg *at,
			  const char *key, bool required, json_object **out)
{
	PathSeg		mp = {at, key, 0};
	char		d[DESC_MAX + 8];
	ListenErrorKind rc;

	rc = get_member(cx, obj, at, key, required, out);
	if (rc != LISTEN_OK || *out == NULL)
		return rc;
	if (!json_object_is_type(*out, json_type_object))
		return fail(cx, LISTEN_ERR_TYPE, &mp, "%s %s is not an object", key,
					describe(*out, d, sizeof(d)));
	return LISTEN_OK;
}

/* Fetch an array member; *out is NULL when it is optional and absent. */
static ListenErrorKind
member_array(ParseCtx *cx, json_object *obj, const PathSeg *at,
			 const char *key, bool required, json_object **out)
{
	PathSeg		mp = {at, key, 0};
	char		d[DESC_MAX + 8];
	ListenErrorKind rc;

	rc = get_member(cx, obj, at, key, required, out);
	if (rc != LISTEN_OK || *out == NULL)
		return rc;
	if (!json_object_is_type(*out, json_type_array))
		return fail(cx, LISTEN_ERR_TYPE, &mp, "%s %s is not an array", key,
					describe(*out, d, sizeof(d)));
	return LISTEN_OK;
}

/*
 * Parse a non-negative decimal integer written as text: digits only, no
 * sign, no spaces, no leading zeros but "0" itself, at most 18 digits.
 */
static bool
parse_decimal_text(const char *s, size_t len, int64_t *out)
{
	int64_t		v = 0;
	size_t		i;

	if (len == 0 || len > 18 || (len > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/*
 * Fetch a Last.fm number: a decimal string ("1213031819") within lo..hi.
 * A JSON number is a type error, as the API never sends one: a change of
 * the format should be noticed, not guessed around.
 */
static ListenErrorKind
member_decimal_string(ParseCtx *cx, json_object *obj, const PathSeg *at,
					  const char *key, int64_t lo, int64_t hi, int64_t *out)
{
	PathSeg		mp = {at, key, 0};
	json_object *v;
	char		d[DESC_MAX + 8];
	int64_t		i = 0;
	ListenErrorKind rc;

	rc = get_member(cx, obj, at, key, true, &v);
	if (rc != LISTEN_OK)
		return rc;
	if (json_object_is_type(v, json_type_int) ||
		json_object_is_type(v, json_type_double))
		return fail(cx, LISTEN_ERR_TYPE, &mp,
					"%s %s is a json number, not a decimal string", key,
					describe(v, d, sizeof(d)));
	if (!json_object_is_type(v, json_type_string))
		return fail(cx, LISTEN_ERR_TYPE, &mp, "%s %s is not a decimal string",
					key, describe(v, d, sizeof(d)));
	if (!parse_decimal_text(json_object_get_string(v),
							(size_t) json_object_get_string_len(v), &i))
		return fail(cx, LISTEN_ERR_TYPE, &mp,
					"%s %s is not a decimal integer string", key,
					describe(v, d, sizeof(d)));
	if (i < lo || i > hi)
		return fail(cx, LISTEN_ERR_RANGE, &mp, "%s %s is outside %lld..%lld",
					key, describe(v, d, sizeof(d)), (long long) lo,
					(long long) hi);
	*out = i;
	return LISTEN_OK;
}

/*
 * Fetch a JSON integer member (not 37.0, not "37") within lo..hi.  An
 * optional member that is absent or null leaves *out alone.
 */
static ListenErrorKind
member_int(ParseCtx *cx, json_object *obj, const PathSeg *at,
		   const char *key, bool required, int64_t lo, int64_t hi,
		   int64_t *out)
{
	PathSeg		mp = {at, key, 0};
	json_object *v;
	char		d[DESC_MAX + 8];
	int64_t		i;
	ListenErrorKind rc;

	rc = get_member(cx, obj, at, key, required, &v);
	if (rc != LISTEN_OK || v == NULL)
		return rc;
	if (!json_object_is_type(v, json_type_int))
		return fail(cx, LISTEN_ERR_TYPE, &mp, "%s %s is not an integer", key,
					describe(v, d, sizeof(d)));
	i = json_object_get_int64(v);
	if (i < lo || i > hi)
		return fail(cx, LISTEN_ERR_RANGE, &mp, "%s %s is outside %lld..%lld",
					key, describe(v, d, sizeof(d)), (long long) lo,
					(long long) hi);
	*out = i;
	return LISTEN_OK;
}

/*
 * Check a string value v (at path at, named name) and return a malloc'd
 * copy, or NULL in *out when it is empty and allowed to be.  Text may hold
 * anything but NUL and must fit in maxlen bytes.
 */
static ListenErrorKind
check_text(ParseCtx *cx, json_object *v, const PathSeg *at, const char *name,
		   bool required, size_t maxlen, char **out)
{
	char		d[DESC_MAX + 8];
	const char *s;
	size_t		slen;

	*out = NULL;
	if (!json_object_is_type(v, json_type_string))
		return fail(cx, LISTEN_ERR_TYPE, at, "%s %s is not a string", name,
					describe(v, d, sizeof(d)));
	s = json_object_get_string(v);
	slen = (size_t) json_object_get_string_len(v);
	if (slen == 0)
	{
		if (required)
			return fail(cx, LISTEN_ERR_SHAPE, at, "%s is empty", name);
		return LISTEN_OK;
	}
	if (slen > maxlen)
		return fail(cx, LISTEN_ERR_RANGE, at, "%s is longer than %zu bytes",
					name, maxlen);
	if (memchr(s, '\0', slen) != NULL)
		return fail(cx, LISTEN_ERR_RANGE, at, "%s contains a nul character",
					name);
	*out = malloc(slen + 1);
	if (*out == NULL)
		return fail_nomem(cx, at);
	memcpy(*out, s, slen + 1);
	return LISTEN_OK;
}

/*
 * Fetch a text member.  Required: absent, null or "" is a shape error.
 * Optional: absent, null or "" leaves *out NULL.
 */
static ListenErrorKind
member_text(ParseCtx *cx, json_object *obj, const PathSeg *at,
			const char *key, bool required, size_t maxlen, char **out)
{
	PathSeg		mp = {at, key, 0};
	json_object *v;
	ListenErrorKind rc;

	*out = NULL;
	rc = get_member(cx, obj, at, key, required, &v);
	if (rc != LISTEN_OK || v == NULL)
		return rc;
	return check_text(cx, v, &mp, key, required, maxlen, out);
}

/*
 * Check that s (of len bytes) is a UUID, 8-4-4-4-12 hex digits, and copy
 * it in lower case into out (LISTEN_MBID_LEN + 1 bytes).
 */
static bool
copy_mbid(const char *s, size_t len, char *out)
{
	size_t		i;

	if (len != LISTEN_MBID_LEN)
		return false;
	for (i = 0; i < len; i++)
	{
		char		c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23)
		{
			if (c != '-')
				return false;
		}
		else if (c >= 'A' && c <= 'F')
			c = (char) (c - 'A' + 'a');
		else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		out[i] = c;
	}
	out[len] = '\0';
	return true;
}

/* Check that v (at path at) is an MBID string; "" leaves out empty. */
static ListenErrorKind
check_mbid(ParseCtx *cx, json_object *v, const PathSeg *at, const char *name,
		   char *out)
{
	char		d[DESC_MAX + 8];

	out[0] = '\0';
	if (!json_object_is_type(v, json_type_string))
		return fail(cx, LISTEN_ERR_TYPE, at, "%s %s is not a string", name,
					describe(v, d, sizeof(d)));
	if (json_object_get_string_len(v) == 0)
		return LISTEN_OK;
	if (!copy_mbid(json_object_get_string(v),
				   (size_t) json_object_get_string_len(v), out))
		return fail(cx, LISTEN_ERR_RANGE, at, "%s %s is not a uuid", name,
					describe(v, d, sizeof(d)));
	return LISTEN_OK;
}

/* Fetch an optional MBID member; absent, null or "" leaves out empty. */
static ListenErrorKind
member_mbid(ParseCtx *cx, json_object *obj, const PathSeg *at,
			const char *key, char *out)
{
	PathSeg		mp = {at, key, 0};
	json_object *v;
	ListenErrorKind rc;

	out[0] = '\0';
	rc = get_member(cx, obj, at, key, false, &v);
	if (rc != LISTEN_OK || v == NULL)
		return rc;
	return check_mbid(cx, v, &mp, key, out);
}

/*
 * Fetch an optional array of MBIDs into a malloc'd comma-separated list;
 * an absent, null or empty array leaves *out NULL.
 */
static ListenErrorKind
member_mbid_list(ParseCtx *cx, json_object *obj, const PathSeg *at,
				 const char *key, char **out)
{
	PathSeg		mp = {at, key, 0};
	json_object *arr;
	size_t		n;
	size_t		i;
	char	   *list;
	ListenErrorKind rc;

	*out = NULL;
	rc = member_array(cx, obj, at, key, false, &arr);
	if (rc != LISTEN_OK || arr == NULL)
		return rc;
	n = json_object_array_length(arr);
	if (n == 0)
		return LISTEN_OK;
	if (n > LISTEN_MAX_ARTIST_MBIDS)
		return fail(cx, LISTEN_ERR_RANGE, &mp, "%s holds %zu values, more than %d",
					key, n, LISTEN_MAX_ARTIST_MBIDS);
	list = malloc(n * (LISTEN_MBID_LEN + 1));
	if (list == NULL)
		return fail_nomem(cx, &mp);
	for (i = 0; i < n; i++)
	{
		PathSeg		ip = {&mp, NULL, i};
		char	   *slot = list + i * (LISTEN_MBID_LEN + 1);
		json_object *v = json_object_array_get_idx(arr, i);
		char		d[DESC_MAX + 8];

		if (v == NULL)
			rc = fail(cx, LISTEN_ERR_TYPE, &ip, "%s null is not a string", key);
		else
			rc = check_mbid(cx, v, &ip, key, slot);
		if (rc == LISTEN_OK && slot[0] == '\0')
			rc = fail(cx, LISTEN_ERR_RANGE, &ip, "%s %s is not a uuid", key,
					  describe(v, d, sizeof(d)));
		if (rc != LISTEN_OK)
		{
			free(list);
			return rc;
		}
		slot[LISTEN_MBID_LEN] = (i + 1 < n) ? ',' : '\0';
	}
	*out = list;
	return LISTEN_OK;
}

/* Release what a listen owns and zero it, so that a page can be freed twice. */
static void
listen_clear(Listen *l)
{
	free(l->track);
	free(l->artist);
	free(l->album);
	free(l->url);
	free(l->artist_mbids);
	memset(l, 0, sizeof(*l));
}

/* Release everything page owns and leave it zeroed; safe to repeat. */
void
listen_page_free(ListenPage *page)
{
	size_t		i;

	if (page == NULL)
		return;
	for (i = 0; i < page->nlistens; i++)
		listen_clear(&page->listens[i]);
	free(page->listens);
	free(page->user);
	memset(page, 0, sizeof(*page));
	page->latest_listen_ts = -1;
	page->oldest_listen_ts = -1;
}

/* An empty page: nothing held, the optional times absent. */
static void
page_reset(ListenPage *page)
{
	memset(page, 0, sizeof(*page));
	page->latest_listen_ts = -1;
	page->oldest_listen_ts = -1;
}


/* ----------------------------------------------------------------------
 * Last.fm: user.getRecentTracks
 * ----------------------------------------------------------------------
 */

/*
 * Read one of Last.fm's {"#text": ..., "mbid": ...} holders (artist,
 * album).  With extended=1 the artist's name is in "name".
 */
static ListenErrorKind
lastfm_holder(ParseCtx *cx, json_object *track, const PathSeg *at,
			  const char *key, bool required, char **text, char *mbid,
			  char **mbid_list)
{
	PathSeg		hp = {at, key, 0};
	json_object *holder;
	json_object *v;
	ListenErrorKind rc;

	rc = member_object(cx, track, at, key, required, &holder);
	if (rc != LISTEN_OK || holder == NULL)
		return rc;
	if (!json_object_object_get_ex(holder, "#text", &v) &&
		json_object_object_get_ex(holder, "name", &v))
		rc = member_text(cx, holder, &hp, "name", required, LISTEN_TEXT_MAX, text);
	else
		rc = member_text(cx, holder, &hp, "#text", required, LISTEN_TEXT_MAX, text);
	if (rc != LISTEN_OK)
		return rc;
	rc = member_mbid(cx, holder, &hp, "mbid", mbid);
	if (rc == LISTEN_OK && mbid_list != NULL && mbid[0] != '\0')
	{
		*mbid_list = malloc(LISTEN_MBID_LEN + 1);
		if (*mbid_list == NULL)
			return fail_nomem(cx, &hp);
		memcpy(*mbid_list, mbid, LISTEN_MBID_LEN + 1);
	}
	return rc;
}

/*
 * Read one track into l.  *skip is set for the "now playing" item, which
 * has no date and is not a scrobble yet; it is still checked, as a broken
 * item says the page cannot be trusted.
 */
static ListenErrorKind
lastfm_track(ParseCtx *cx, json_object *t, const PathSeg *at, Listen *l,
			 bool *skip)
{
	PathSeg		dp = {at, "date", 0};
	json_object *attr;
	json_object *date;
	char		artist_mbid[LISTEN_MBID_LEN + 1];
	char		d[DESC_MAX + 8];
	ListenErrorKind rc;

	*skip = false;
	if (!json_object_is_type(t, json_type_object))
		return fail(cx, LISTEN_ERR_TYPE, at, "track %s is not an object",
					describe(t, d, sizeof(d)));

	rc = member_object(cx, t, at, "@attr", false, &attr);
	if (rc != LISTEN_OK)
		return rc;
	if (attr != NULL)
	{
		PathSeg		ap = {at, "@attr", 0};
		PathSeg		np = {&ap, "nowplaying", 0};
		json_object *np_v;

		rc = get_member(cx, attr, &ap, "nowplaying", false, &np_v);
		if (rc != LISTEN_OK)
			return rc;
		if (np_v != NULL)
		{
			const char *s;

			if (!json_object_is_type(np_v, json_type_string))
				return fail(cx, LISTEN_ERR_TYPE, &np,
							"nowplaying %s is not a string",
							describe(np_v, d, sizeof(d)));
			s = json_object_get_string(np_v);
			if (strcmp(s, "true") == 0)
				*skip = true;
			else if (strcmp(s, "false") != 0)
				return fail(cx, LISTEN_ERR_RANGE, &np,
							"nowplaying %s is neither \"true\" nor \"false\"",
							describe(np_v, d, sizeof(d)));
		}
	}

	if ((rc = member_text(cx, t, at, "name", true, LISTEN_TEXT_MAX,
						  &l->track)) != LISTEN_OK ||
		(rc = lastfm_holder(cx, t, at, "artist", true, &l->artist,
							artist_mbid, &l->artist_mbids)) != LISTEN_OK ||
		(rc = lastfm_holder(cx, t, at, "album", false, &l->album,
							l->release_mbid, NULL)) != LISTEN_OK ||
		(rc = member_mbid(cx, t, at, "mbid", l->recording_mbid)) != LISTEN_OK ||
		(rc = member_text(cx, t, at, "url", false, LISTEN_TEXT_MAX,
						  &l->url)) != LISTEN_OK)
		return rc;

	rc = member_object(cx, t, at, "date", !*skip, &date);
	if (rc != LISTEN_OK)
		return rc;
	if (date != NULL)
		rc = member_decimal_string(cx, date, &dp, "uts", LISTEN_TS_MIN,
								   LISTEN_TS_MAX, &l->played_at);
	return rc;
}

/* Read one track into the next slot of the page, unless it is skipped. */
static ListenErrorKind
lastfm_add_track(ParseCtx *cx, ListenPage *page, json_object *t,
				 const PathSeg *at)
{
	Listen	   *l = &page->listens[page->nlistens];
	bool		skip;
	ListenErrorKind rc;

	memset(l, 0, sizeof(*l));
	rc = lastfm_track(cx, t, at, l, &skip);
	if (rc != LISTEN_OK || skip)
	{
		listen_clear(l);
		if (rc == LISTEN_OK)
			page->now_playing++;
		return rc;
	}
	page->nlistens++;
	return LISTEN_OK;
}

/*
 * Read recenttracks: its paging numbers, then its track or tracks (an
 * object for a page of one, a list otherwise, absent when empty).
 */
static ListenErrorKind
lastfm_read(ParseCtx *cx, json_object *root, ListenPage *page)
{
	PathSeg		rp = {&path_root, "recenttracks", 0};
	PathSeg		ap = {&rp, "@attr", 0};
	PathSeg		tp = {&rp, "track", 0};
	json_object *rt;
	json_object *attr;
	json_object *tracks;
	char		d[DESC_MAX + 8];
	ListenErrorKind rc;

	if ((rc = member_object(cx, root, &path_root, "recenttracks", true,
							&rt)) != LISTEN_OK ||
		(rc = member_object(cx, rt, &rp, "@attr", true, &attr)) != LISTEN_OK ||
		(rc = member_text(cx, attr, &ap, "user", true, USER_MAX,
						  &page->user)) != LISTEN_OK ||
		(rc = member_decimal_string(cx, attr, &ap, "page", 1, LASTFM_PAGE_MAX,
									&page->page)) != LISTEN_OK ||
		(rc = member_decimal_string(cx, attr, &ap, "perPage", 1,
									LASTFM_PER_PAGE_MAX,
									&page->per_page)) != LISTEN_OK ||
		(rc = member_decimal_string(cx, attr, &ap, "totalPages", 0,
									LASTFM_PAGE_MAX,
									&page->total_pages)) != LISTEN_OK ||
		(rc = member_decimal_string(cx, attr, &ap, "total", 0,
									LASTFM_TOTAL_MAX,
									&page->total)) != LISTEN_OK)
		return rc;

	rc = get_member(cx, rt, &rp, "track", false, &tracks);
	if (rc != LISTEN_OK)
		return rc;
	if (tracks == NULL)
	{
		/* an empty result may leave the member out */
		if (page->total != 0)
			return fail(cx, LISTEN_ERR_SHAPE, &tp,
						"track is missing while total is %lld",
						(long long) page->total);
		return LISTEN_OK;
	}
	if (json_object_is_type(tracks, json_type_object))
	{
		/* a page of one track gives it bare */
		page->listens = calloc(1, sizeof(Listen));
		if (page->listens == NULL)
			return fail_nomem(cx, &tp);
		return lastfm_add_track(cx, page, tracks, &tp);
	}
	if (json_object_is_type(tracks, json_type_array))
	{
		size_t		n = json_object_array_length(tracks);
		size_t		i;

		if (n > (size_t) LASTFM_PER_PAGE_MAX + 1)
			return fail(cx, LISTEN_ERR_RANGE, &tp,
						"track holds %zu items, more than a page of %lld and the track playing now",
						n, (long long) LASTFM_PER_PAGE_MAX);
		if (n == 0)
			return LISTEN_OK;
		page->listens = calloc(n, sizeof(Listen));
		if (page->listens == NULL)
			return fail_nomem(cx, &tp);
		for (i = 0; i < n; i++)
		{
			PathSeg		ip = {&tp, NULL, i};

			rc = lastfm_add_track(cx, page, json_object_array_get_idx(tracks, i),
								  &ip);
			if (rc != LISTEN_OK)
				return rc;
		}
		return LISTEN_OK;
	}
	return fail(cx, LISTEN_ERR_TYPE, &tp,
				"track %s is neither an array nor an object",
				describe(tracks, d, sizeof(d)));
}

/*
 * Parse one page of user.getRecentTracks (format=json).  On failure the
 * page is left empty and err says where and why.
 */
ListenErrorKind
lastfm_parse_recent_tracks(const char *buf, size_t len, ListenPage *page,
						   ListenError *err)
{
	ListenError local_err;
	ParseCtx	cx;
	json_object *root = NULL;
	ListenErrorKind rc;

	ctx_init(&cx, buf, len, err, &local_err);
	page_reset(page);
	rc = parse_document(&cx, &root);
	if (rc == LISTEN_OK)
		rc = require_root_object(&cx, "a recenttracks object");
	if (rc == LISTEN_OK)
		rc = lastfm_read(&cx, root, page);
	if (root != NULL)
		json_object_put(root);
	if (rc != LISTEN_OK)
		listen_page_free(page);
	return rc;
}


/* ----------------------------------------------------------------------
 * ListenBrainz: /1/user/{name}/listens
 * ----------------------------------------------------------------------
 */

/*
 * Read the MBIDs of one source of them ("mbid_mapping" or
 * "additional_info") into l, filling only what is still empty.
 */
static ListenErrorKind
lb_mbids(ParseCtx *cx, json_object *meta, const PathSeg *at, const char *key,
		 Listen *l)
{
	PathSeg		hp = {at, key, 0};
	json_object *holder;
	char		mbid[LISTEN_MBID_LEN + 1];
	char	   *list = NULL;
	ListenErrorKind rc;

	rc = member_object(cx, meta, at, key, false, &holder);
	if (rc != LISTEN_OK || holder == NULL)
		return rc;

	rc = member_mbid(cx, holder, &hp, "recording_mbid", mbid);
	if (rc != LISTEN_OK)
		return rc;
	if (l->recording_mbid[0] == '\0')
		memcpy(l->recording_mbid, mbid, sizeof(mbid));

	rc = member_mbid(cx, holder, &hp, "release_mbid", mbid);
	if (rc != LISTEN_OK)
		return rc;
	if (l->release_mbid[0] == '\0')
		memcpy(l->release_mbid, mbid, sizeof(mbid));

	rc = member_mbid(cx, holder, &hp, "recording_msid", mbid);
	if (rc != LISTEN_OK)
		return rc;
	if (l->recording_msid[0] == '\0')
		memcpy(l->recording_msid, mbid, sizeof(mbid));

	rc = member_mbid_list(cx, holder, &hp, "artist_mbids", &list);
	if (rc != LISTEN_OK)
		return rc;
	if (l->artist_mbids == NULL)
		l->artist_mbids = list;
	else
		free(list);
	return LISTEN_OK;
}

/* Read one listen: its time, its msid, and its track metadata. */
static ListenErrorKind
lb_listen(ParseCtx *cx, json_object *o, const PathSeg *at, Listen *l)
{
	PathSeg		mp = {at, "track_metadata", 0};
	json_object *meta;
	char		d[DESC_MAX + 8];
	ListenErrorKind rc;

	if (!json_object_is_type(o, json_type_object))
		return fail(cx, LISTEN_ERR_TYPE, at, "listen %s is not an object",
					o == NULL ? "null" : describe(o, d, sizeof(d)));
	if ((rc = member_int(cx, o, at, "listened_at", true, LISTEN_TS_MIN,
						 LISTEN_TS_MAX, &l->played_at)) != LISTEN_OK ||
		(rc = member_mbid(cx, o, at, "recording_msid",
						  l->recording_msid)) != LISTEN_OK ||
		(rc = member_object(cx, o, at, "track_metadata", true,
							&meta)) != LISTEN_OK ||
		(rc = member_text(cx, meta, &mp, "artist_name", true, LISTEN_TEXT_MAX,
						  &l->artist)) != LISTEN_OK ||
		(rc = member_text(cx, meta, &mp, "track_name", true, LISTEN_TEXT_MAX,
						  &l->track)) != LISTEN_OK ||
		(rc = member_text(cx, meta, &mp, "release_name", false,
						  LISTEN_TEXT_MAX, &l->album)) != LISTEN_OK ||
		(rc = lb_mbids(cx, meta, &mp, "mbid_mapping", l)) != LISTEN_OK ||
		(rc = lb_mbids(cx, meta, &mp, "additional_info", l)) != LISTEN_OK)
		return rc;
	return LISTEN_OK;
}

/*
 * Read payload: count must match the listens sent, so that a page cut
 * short on the way is not taken for the end of the history.
 */
static ListenErrorKind
lb_read(ParseCtx *cx, json_object *root, ListenPage *page)
{
	PathSeg		pp = {&path_root, "payload", 0};
	PathSeg		lp = {&pp, "listens", 0};
	PathSeg		cp = {&pp, "count", 0};
	json_object *payload;
	json_object *listens;
	size_t		n;
	size_t		i;
	ListenErrorKind rc;

	if ((rc = member_object(cx, root, &path_root, "payload", true,
							&payload)) != LISTEN_OK ||
		(rc = member_array(cx, payload, &pp, "listens", true,
						   &listens)) != LISTEN_OK ||
		(rc = member_int(cx, payload, &pp, "count", true, 0,
						 LISTENBRAINZ_COUNT_MAX, &page->count)) != LISTEN_OK ||
		(rc = member_text(cx, payload, &pp, "user_id", false, USER_MAX,
						  &page->user)) != LISTEN_OK ||
		(rc = member_int(cx, payload, &pp, "latest_listen_ts", false, 0,
						 LISTEN_TS_MAX, &page->latest_listen_ts)) != LISTEN_OK ||
		(rc = member_int(cx, payload, &pp, "oldest_listen_ts", false, 0,
						 LISTEN_TS_MAX, &page->oldest_listen_ts)) != LISTEN_OK)
		return rc;

	n = json_object_array_length(listens);
	if ((int64_t) n != page->count)
		return fail(cx, LISTEN_ERR_RANGE, &cp,
					"count %lld does not match the %zu listens of the page",
					(long long) page->count, n);
	if (n == 0)
		return LISTEN_OK;
	page->listens = calloc(n, sizeof(Listen));
	if (page->listens == NULL)
		return fail_nomem(cx, &lp);
	for (i = 0; i < n; i++)
	{
		PathSeg		ip = {&lp, NULL, i};

		rc = lb_listen(cx, json_object_array_get_idx(listens, i), &ip,
					   &page->listens[i]);
		if (rc != LISTEN_OK)
		{
			listen_clear(&page->listens[i]);
			return rc;
		}
		page->nlistens++;
	}
	return LISTEN_OK;
}

/*
 * Parse one page of /1/user/{name}/listens.  On failure the page is left
 * empty and err says where and why.
 */
ListenErrorKind
listenbrainz_parse_listens(const char *buf, size_t len, ListenPage *page,
						   ListenError *err)
{
	ListenError local_err;
	ParseCtx	cx;
	json_object *root = NULL;
	ListenErrorKind rc;

	ctx_init(&cx, buf, len, err, &local_err);
	page_reset(page);
	rc = parse_document(&cx, &root);
	if (rc == LISTEN_OK)
		rc = require_root_object(&cx, "a listens object");
	if (rc == LISTEN_OK)
		rc = lb_read(&cx, root, page);
	if (root != NULL)
		json_object_put(root);
	if (rc != LISTEN_OK)
		listen_page_free(page);
	return rc;
}


/* ----------------------------------------------------------------------
 * Error answers
 * ----------------------------------------------------------------------
 */

/*
 * A malloc'd copy of an API's message, cut to API_MESSAGE_MAX bytes (at a
 * UTF-8 boundary, with "...") and with control characters, NUL included,
 * replaced by spaces, so that it can go into a log line; NULL when v is
 * not a non-empty string.
 */
static char *
dup_message(json_object *v)
{
	const char *s;
	size_t		n;
	size_t		i;
	bool		cut;
	char	   *out;

	if (!json_object_is_type(v, json_type_string) ||
		json_object_get_string_len(v) == 0)
		return NULL;
	s = json_object_get_string(v);
	n = (size_t) json_object_get_string_len(v);
	cut = n > API_MESSAGE_MAX;
	if (cut)
	{
		n = API_MESSAGE_MAX - 3;
		while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
			n--;
	}
	out = malloc(n + 4);
	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) s[i];

		out[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char) c;
	}
	if (cut)
	{
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

/*
 * Read an error answer: an object whose integer member code_key holds the
 * code and whose string member message_key the message.
 */
static bool
parse_error_object(const char *buf, size_t len, const char *code_key,
				   const char *message_key, ListenApiError *out)
{
	ListenError local_err;
	ParseCtx	cx;
	json_object *root = NULL;
	json_object *v;
	bool		found = false;

	memset(out, 0, sizeof(*out));
	ctx_init(&cx, buf, len, NULL, &local_err);
	if (parse_document(&cx, &root) != LISTEN_OK)
		return false;
	if (json_object_is_type(root, json_type_object) &&
		json_object_object_get_ex(root, code_key, &v) &&
		json_object_is_type(v, json_type_int))
	{
		int64_t		code = json_object_get_int64(v);

		if (code > 0 && code < 100000)
		{
			found = true;
			out->code = (int) code;
			if (json_object_object_get_ex(root, message_key, &v))
				out->message = dup_message(v);
		}
	}
	if (root != NULL)
		json_object_put(root);
	return found;
}

/* Last.fm: {"error": 29, "message": "Rate Limit Exceeded ..."} */
bool
lastfm_parse_error(const char *buf, size_t len, ListenApiError *out)
{
	return parse_error_object(buf, len, "error", "message", out);
}

/* ListenBrainz: {"code": 404, "error": "Cannot find user: ..."} */
bool
listenbrainz_parse_error(const char *buf, size_t len, ListenApiError *out)
{
	return parse_error_object(buf, len, "code", "error", out);
}

/* Release the error's message and zero it; safe to repeat. */
void
listen_api_error_free(ListenApiError *e)
{
	if (e == NULL)
		return;
	free(e->message);
	memset(e, 0, sizeof(*e));
}
