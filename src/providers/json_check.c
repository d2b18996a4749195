/*-------------------------------------------------------------------------
 *
 * json_check.c
 *	  The machinery Tracker's JSON parsers share: a strict RFC 8259
 *	  scanner, the hand-off to json-c, JSON paths, error messages and the
 *	  checks of members, numbers, strings and dates.
 *
 * A parse goes through three steps, the same in fitbit_parse.c, gh_parse.c
 * and listen_parse.c:
 *
 * 1. jc_scan() checks the bytes against RFC 8259 in one pass.  json-c's
 *	  strict mode still accepts NaN, Infinity, single-quoted strings, "1.",
 *	  raw control characters in strings and lone UTF-16 surrogates, and it
 *	  cannot say where a problem sits, so the scanner is what decides "is
 *	  this JSON" and reports the byte offset of the first problem.  While
 *	  it scans it also locates the one large array of a document, when the
 *	  parser names one (a JcBulk), and cuts it into chunks.
 *
 * 2. json-c builds trees: one for the document with the large array cut
 *	  out (json-c is fed the bytes before and after it), and one per chunk
 *	  of the large array (fed "[", the chunk's bytes, "]").  Building one
 *	  tree for a whole day of samples is several times slower, mostly in
 *	  malloc and free of the many small blocks json-c allocates, while
 *	  chunk trees stay small and warm in cache.  If a member name with an
 *	  escape could alias a name on the way to the large array, the
 *	  shortcut is skipped and one tree is built.
 *
 * 3. The parser's readers walk the trees with the checks below, which
 *	  report the first problem with a JSON path such as
 *	  $.dataPoints[3].heartRate.beatsPerMinute.
 *
 * Duplicate member names follow json-c, PostgreSQL's jsonb and Python's
 * json module: the last one wins, and the scanner keeps the chunking
 * consistent with that rule.  No locale, time zone or libc date function
 * is used.
 *
 * src/json_check.c
 *
 *-------------------------------------------------------------------------
 */
#include "providers/json_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nesting levels the scanner tracks without allocating. */
#define SCAN_INLINE_DEPTH 256

/* A slice of bytes handed to json-c. */
typedef struct JcPiece
{
	const char *p;
	size_t		n;
} JcPiece;

const JcPath jc_root = {NULL, NULL, 0};


/* ----------------------------------------------------------------------
 * Set-up, errors and paths
 * ----------------------------------------------------------------------
 */

/*
 * Set up jc for one parse of buf (NULL reads as empty).  The first error
 * goes into the caller's path and message buffers, which are expected to
 * start out empty; flags are the JC_* options of the calling parser.
 */
void
jc_init(JsonCheck *jc, const char *buf, size_t len, int flags,
		char *path, size_t path_size, char *message, size_t message_size)
{
	memset(jc, 0, sizeof(*jc));
	jc->buf = buf != NULL ? buf : "";
	jc->len = buf != NULL ? len : 0;
	jc->flags = flags;
	jc->path = path;
	jc->path_size = path_size;
	jc->message = message;
	jc->message_size = message_size;
}

/* Release what a parse left in jc (the tokener and the chunks); idempotent. */
void
jc_done(JsonCheck *jc)
{
	if (jc->tok != NULL)
		json_tokener_free(jc->tok);
	jc->tok = NULL;
	free(jc->scan.chunks);
	jc->scan.chunks = NULL;
	jc->scan.nchunks = 0;
	jc->scan.chunks_cap = 0;
}

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
 * as "activities-heart" or Last.fm's "@attr") are written as ["name"].
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
 * parsers' own literals, so they need no escaping.
 */
static size_t
path_render(const JcPath *seg, char *buf, size_t size)
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
 * "return jc_fail(...)".  Only the first error of a parse is kept: a later
 * call returns the kind already recorded.
 */
JcKind
jc_fail(JsonCheck *jc, JcKind kind, const JcPath *at, const char *fmt,...)
{
	va_list		ap;

	if (jc->kind != JC_OK)
		return jc->kind;
	jc->kind = kind;
	path_render(at, jc->path, jc->path_size);
	va_start(ap, fmt);
	vsnprintf(jc->message, jc->message_size, fmt, ap);
	va_end(ap);
	return kind;
}

/* Report an allocation failure; the path says what was being read. */
JcKind
jc_fail_nomem(JsonCheck *jc, const JcPath *at)
{
	return jc_fail(jc, JC_ERR_NOMEM, at, "out of memory");
}

/*
 * Copy at most JC_DESC_MAX bytes of text into buf, marking a cut with
 * "...".  The cut never splits a UTF-8 sequence, so that messages stay
 * valid text for the server's error reporting.
 */
static const char *
copy_truncated(char *buf, size_t size, const char *text)
{
	size_t		n = strlen(text);
	size_t		limit = JC_DESC_MAX;

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
 * input, strings quoted and escaped (cut short), containers as {...} or
 * [...].  Integers json-c had to saturate are shown as bounds, since
 * their text is gone, unless the parser asked for JC_PLAIN_INTEGERS.
 * buf should have JC_DESC_SIZE bytes.
 */
const char *
jc_describe(const JsonCheck *jc, json_object *v, char *buf, size_t size)
{
	json_type	type = json_object_get_type(v);

	if (type == json_type_int && (jc->flags & JC_PLAIN_INTEGERS) == 0)
	{
		int64_t		i = json_object_get_int64(v);

		if (i == INT64_MIN)
		{
			snprintf(buf, size, "%lld or less", (long long) i);
			return buf;
		}
		if (i == INT64_MAX && json_object_get_uint64(v) == UINT64_MAX)
		{
			snprintf(buf, size, "%llu or more",
					 (unsigned long long) UINT64_MAX);
			return buf;
		}
	}
	switch (type)
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
static JcKind
syntax_error(JsonCheck *jc, size_t pos, const char *what)
{
	return jc_fail(jc, JC_ERR_NOT_JSON, &jc_root,
				   "invalid json at byte offset %zu: %s", pos, what);
}

/* Report an unexpected byte (or the end of input) at pos. */
static JcKind
unexpected(JsonCheck *jc, const unsigned char *s, size_t len, size_t pos)
{
	char		b[32];
	char		what[64];

	snprintf(what, sizeof(what), "unexpected %s",
			 describe_byte(s, len, pos, b, sizeof(b)));
	return syntax_error(jc, pos, what);
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
static JcKind
scan_string(JsonCheck *jc, const unsigned char *s, size_t len, size_t *pos,
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
			return syntax_error(jc, p, "unterminated string");
		c = s[p];
		if (c == '"')
		{
			*pos = p + 1;
			return JC_OK;
		}
		if (c == '\\')
		{
			long		cp;

			*escaped = true;
			if (p + 1 >= len)
				return syntax_error(jc, p + 1, "unterminated string");
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
						return syntax_error(jc, p, "invalid \\u escape");
					if (cp >= 0xDC00 && cp <= 0xDFFF)
						return syntax_error(jc, p, "lone utf-16 surrogate in \\u escape");
					if (cp >= 0xD800 && cp <= 0xDBFF)
					{
						long		lo = -1;

						if (len - p >= 12 && s[p + 6] == '\\' && s[p + 7] == 'u')
							lo = read_hex4(s, len, p + 8);
						if (lo < 0xDC00 || lo > 0xDFFF)
							return syntax_error(jc, p, "lone utf-16 surrogate in \\u escape");
						p += 12;
					}
					else
						p += 6;
					break;
				default:
					return syntax_error(jc, p, "invalid escape in string");
			}
		}
		else if (c < 0x20)
		{
			char		what[64];

			snprintf(what, sizeof(what),
					 "control character 0x%02x in string", c);
			return syntax_error(jc, p, what);
		}
		else
		{
			size_t		n = utf8_length(s, len, p);

			if (n == 0)
				return syntax_error(jc, p, "invalid utf-8 in string");
			p += n;
		}
	}
}

/* Scan the literal word (true, false, null) expected at s[*pos]. */
static JcKind
scan_literal(JsonCheck *jc, const unsigned char *s, size_t len, size_t *pos,
			 const char *word)
{
	size_t		n = strlen(word);

	if (len - *pos < n || memcmp(s + *pos, word, n) != 0)
		return syntax_error(jc, *pos, "invalid literal");
	*pos += n;
	return JC_OK;
}

/* Scan a number at s[*pos] by the RFC 8259 grammar. */
static JcKind
scan_number(JsonCheck *jc, const unsigned char *s, size_t len, size_t *pos)
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
		return syntax_error(jc, p, "invalid number");
	if (p < len && s[p] == '.')
	{
		p++;
		if (p >= len || s[p] < '0' || s[p] > '9')
			return syntax_error(jc, p, "invalid number");
		while (p < len && s[p] >= '0' && s[p] <= '9')
			p++;
	}
	if (p < len && (s[p] == 'e' || s[p] == 'E'))
	{
		p++;
		if (p < len && (s[p] == '+' || s[p] == '-'))
			p++;
		if (p >= len || s[p] < '0' || s[p] > '9')
			return syntax_error(jc, p, "invalid number");
		while (p < len && s[p] >= '0' && s[p] <= '9')
			p++;
	}
	*pos = p;
	return JC_OK;
}

/* Forget a bulk array seen earlier: a later duplicate key replaces it. */
static void
bulk_reset(JcScan *sc)
{
	sc->bulk_found = false;
	sc->bulk_count = 0;
	sc->nchunks = 0;
}

/*
 * Note a member name at depth (the depth of the object holding it).  Only
 * the names of the objects on the way to the bulk matter: keys[i] sits at
 * depth i + 1.  A repeated name replaces the bulk seen before it, as
 * json-c keeps the last member; an escaped name might spell one of the
 * keys, so it disables the cutting.
 */
static void
on_key(JcScan *sc, size_t depth, const unsigned char *k, size_t klen,
	   bool escaped)
{
	sc->pending = 0;
	if (sc->bulk == NULL || depth != sc->level ||
		depth > (size_t) sc->bulk->nkeys)
		return;
	if (escaped)
		sc->no_elide = true;
	else if (klen == sc->key_len[depth - 1] &&
			 memcmp(k, sc->bulk->keys[depth - 1], klen) == 0)
	{
		sc->pending = depth;
		bulk_reset(sc);
	}
}

/*
 * Note the start of a value at depth (the depth of its container, 0 for
 * the top level).  Elements of the bulk array are counted and every
 * chunk-th one starts a new chunk.
 */
static void
on_value(JcScan *sc, size_t depth, unsigned char c, size_t pos)
{
	if (sc->bulk_depth != 0 && depth == sc->bulk_depth)
	{
		if (sc->bulk_count % sc->bulk->chunk == 0)
		{
			if (sc->nchunks == sc->chunks_cap)
			{
				size_t		cap = sc->chunks_cap ? sc->chunks_cap * 2 : 16;
				JcChunk    *n = realloc(sc->chunks, cap * sizeof(JcChunk));

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
		if (c == '{')
			sc->level = 1;
		else if (c == '[' && sc->bulk != NULL && sc->bulk->root_array)
		{
			sc->bulk_depth = 1;
			sc->bulk_open = pos + 1;
		}
	}
	else if (sc->pending != 0 && sc->pending < (size_t) sc->bulk->nkeys)
	{
		if (c == '{')
			sc->level = depth + 1;
	}
	else if (sc->pending != 0 && c == '[')
	{
		sc->bulk_depth = depth + 1;
		sc->bulk_open = pos + 1;
	}
	sc->pending = 0;
}

/* Note the end of a value at depth, just before pos. */
static inline void
on_value_end(JcScan *sc, size_t depth, size_t pos)
{
	if (sc->bulk_depth != 0 && depth == sc->bulk_depth)
		sc->last_end = pos;
}

/* Note the closing bracket at pos of a container whose contents are at depth. */
static void
on_close(JcScan *sc, size_t depth, size_t pos)
{
	if (sc->bulk_depth != 0 && depth == sc->bulk_depth)
	{
		sc->bulk_found = true;
		sc->bulk_close = pos;
		if (sc->nchunks > 0)
			sc->chunks[sc->nchunks - 1].end = sc->last_end;
		sc->bulk_depth = 0;
	}
	if (depth == sc->level)
		sc->level--;
}

/*
 * Check that jc's input is exactly one JSON value (RFC 8259, UTF-8, an
 * optional leading byte order mark, surrounding whitespace) of at most
 * JC_MAX_INPUT bytes, and fill jc->scan, cutting the array bulk describes
 * (if not NULL) into chunks.  Nesting deeper than JC_MAX_DEPTH is a shape
 * error: at once, as json-c would refuse it, or with JC_DEPTH_AFTER_SCAN
 * only once the whole input is known to be JSON.
 */
JcKind
jc_scan(JsonCheck *jc, const JcBulk *bulk)
{
	const unsigned char *s = (const unsigned char *) jc->buf;
	size_t		len = jc->len;
	JcScan	   *sc = &jc->scan;
	unsigned char stack_inline[SCAN_INLINE_DEPTH];
	unsigned char *stack = stack_inline;
	size_t		stack_cap = SCAN_INLINE_DEPTH;
	size_t		depth = 0;
	size_t		too_deep_at = 0;
	bool		too_deep = false;
	size_t		pos = 0;
	JcKind		rc = JC_OK;
	bool		escaped;
	size_t		kstart;
	unsigned char c;
	int			i;

	if (len > JC_MAX_INPUT)
		return jc_fail(jc, JC_ERR_RANGE, &jc_root,
					   "input of %zu bytes is larger than the limit of %zu bytes",
					   len, JC_MAX_INPUT);
	sc->bulk = bulk;
	for (i = 0; bulk != NULL && i < bulk->nkeys; i++)
		sc->key_len[i] = strlen(bulk->keys[i]);

	if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
		pos = 3;

value:
	while (pos < len && is_ws(s[pos]))
		pos++;
	if (pos >= len)
	{
		rc = syntax_error(jc, pos, "unexpected end of input");
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
			if (depth > JC_MAX_DEPTH && !too_deep)
			{
				too_deep = true;
				too_deep_at = pos;
				if ((jc->flags & JC_DEPTH_AFTER_SCAN) == 0)
					goto done;
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
			rc = scan_string(jc, s, len, &pos, &escaped);
			break;
		case 't':
			rc = scan_literal(jc, s, len, &pos, "true");
			break;
		case 'f':
			rc = scan_literal(jc, s, len, &pos, "false");
			break;
		case 'n':
			rc = scan_literal(jc, s, len, &pos, "null");
			break;
		default:
			if (c == '-' || (c >= '0' && c <= '9'))
				rc = scan_number(jc, s, len, &pos);
			else
				rc = unexpected(jc, s, len, pos);
			break;
	}
	if (rc != JC_OK)
		goto done;
	goto after;

key:
	/* whitespace has been skipped */
	if (pos >= len || s[pos] != '"')
	{
		if (pos >= len)
			rc = syntax_error(jc, pos, "unexpected end of input");
		else
			rc = syntax_error(jc, pos, "expected a member name in double quotes");
		goto done;
	}
	kstart = pos + 1;
	rc = scan_string(jc, s, len, &pos, &escaped);
	if (rc != JC_OK)
		goto done;
	on_key(sc, depth, s + kstart, pos - 1 - kstart, escaped);
	while (pos < len && is_ws(s[pos]))
		pos++;
	if (pos >= len || s[pos] != ':')
	{
		if (pos >= len)
			rc = syntax_error(jc, pos, "unexpected end of input");
		else
			rc = syntax_error(jc, pos, "expected ':' after a member name");
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
			rc = syntax_error(jc, pos, "trailing data after the json value");
		goto done;
	}
	if (pos >= len)
	{
		rc = syntax_error(jc, pos, "unexpected end of input");
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
	rc = unexpected(jc, s, len, pos);
	goto done;

oom:
	rc = jc_fail_nomem(jc, &jc_root);

done:
	if (stack != stack_inline)
		free(stack);
	if (rc == JC_OK && too_deep)
		rc = jc_fail(jc, JC_ERR_SHAPE, &jc_root,
					 "json nested deeper than %d levels at byte offset %zu",
					 JC_MAX_DEPTH, too_deep_at);
	return rc;
}

/*
 * Check that the top-level value is an object (or, with array_ok, an
 * array), naming what it is if not; what says what it should have been,
 * e.g. "a page of data points".
 */
JcKind
jc_require_root(JsonCheck *jc, bool array_ok, const char *what)
{
	const char *is;

	switch (jc->scan.root)
	{
		case '{':
			return JC_OK;
		case '[':
			if (array_ok)
				return JC_OK;
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
	return jc_fail(jc, JC_ERR_SHAPE, &jc_root,
				   "top-level value is %s, not %s", is, what);
}


/* ----------------------------------------------------------------------
 * json-c
 * ----------------------------------------------------------------------
 */

/*
 * Build a json-c tree from consecutive pieces of text.  The scanner has
 * already accepted the bytes, so a failure here means json-c ran out of
 * memory or disagrees with the scanner; both are reported, not hidden.
 * *out is NULL for a JSON null.  The tokener is made on first use and
 * kept until jc_done().
 */
static JcKind
parse_pieces(JsonCheck *jc, const JcPiece *pieces, int npieces,
			 json_object **out)
{
	json_object *obj = NULL;
	enum json_tokener_error jerr = json_tokener_continue;
	size_t		offset = 0;
	int			i;

	*out = NULL;
	if (jc->tok == NULL)
	{
		jc->tok = json_tokener_new_ex(JC_MAX_DEPTH + 2);
		if (jc->tok == NULL)
			return jc_fail_nomem(jc, &jc_root);
		json_tokener_set_flags(jc->tok, JSON_TOKENER_STRICT);
	}
	json_tokener_reset(jc->tok);
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
		if (pieces[i].p >= jc->buf && pieces[i].p < jc->buf + jc->len)
			offset = (size_t) (pieces[i].p - jc->buf);
		obj = json_tokener_parse_ex(jc->tok, pieces[i].p, (int) pieces[i].n);
		jerr = json_tokener_get_error(jc->tok);
		if (jerr != json_tokener_continue && jerr != json_tokener_success)
			break;
		if (jerr == json_tokener_success &&
			json_tokener_get_parse_end(jc->tok) != pieces[i].n)
		{
			jerr = json_tokener_error_parse_unexpected;
			break;
		}
	}
	if (obj == NULL && jerr == json_tokener_continue)
	{
		/* a bare top-level number only ends at a NUL */
		obj = json_tokener_parse_ex(jc->tok, "", 1);
		jerr = json_tokener_get_error(jc->tok);
	}
	if (jerr == json_tokener_success)
	{
		*out = obj;
		return JC_OK;
	}
	if (obj != NULL)
		json_object_put(obj);
	if (jerr == json_tokener_continue)
		return jc_fail_nomem(jc, &jc_root);
	return jc_fail(jc, JC_ERR_NOT_JSON, &jc_root,
				   "json-c rejected the input near byte offset %zu: %s",
				   offset + json_tokener_get_parse_end(jc->tok),
				   json_tokener_error_desc(jerr));
}

/*
 * Build the tree of the scanned document.  When the scanner cut out the
 * bulk array, json-c is fed the bytes before and after it, so an empty
 * array stands in its place; the caller reads the bulk with
 * jc_walk_bulk().  *root is NULL for a top-level null; the caller frees it.
 */
JcKind
jc_parse_skeleton(JsonCheck *jc, json_object **root)
{
	JcScan	   *sc = &jc->scan;
	JcPiece		pieces[2];
	int			npieces;

	pieces[0].p = jc->buf + sc->value_start;
	if (jc_bulk_cut(jc))
	{
		pieces[0].n = sc->bulk_open - sc->value_start;
		pieces[1].p = jc->buf + sc->bulk_close;
		pieces[1].n = jc->len - sc->bulk_close;
		npieces = 2;
	}
	else
	{
		pieces[0].n = jc->len - sc->value_start;
		npieces = 1;
	}
	return parse_pieces(jc, pieces, npieces, root);
}

/* Scan the input (see jc_scan()) and build its tree (jc_parse_skeleton()). */
JcKind
jc_parse_document(JsonCheck *jc, const JcBulk *bulk, json_object **root)
{
	JcKind		rc;

	*root = NULL;
	rc = jc_scan(jc, bulk);
	if (rc != JC_OK)
		return rc;
	return jc_parse_skeleton(jc, root);
}

/*
 * The same for a document that must be a JSON object, the shape of every
 * API answer; what names it for the message when it is something else.
 */
JcKind
jc_parse_object(JsonCheck *jc, const JcBulk *bulk, const char *what,
				json_object **root)
{
	JcKind		rc;

	rc = jc_parse_document(jc, bulk, root);
	if (rc == JC_OK)
		rc = jc_require_root(jc, false, what);
	return rc;
}

/*
 * Build the tree of chunk j of the bulk array, an array of its elements;
 * the caller frees it.
 */
JcKind
jc_parse_chunk(JsonCheck *jc, size_t j, json_object **arr)
{
	const JcChunk *chunk = &jc->scan.chunks[j];
	JcPiece		pieces[3];

	pieces[0].p = "[";
	pieces[0].n = 1;
	pieces[1].p = jc->buf + chunk->start;
	pieces[1].n = chunk->end - chunk->start;
	pieces[2].p = "]";
	pieces[2].n = 1;
	return parse_pieces(jc, pieces, 3, arr);
}

/*
 * Whether the bulk array was left out of the document's tree: found, and
 * no escaped member name could make json-c keep another member instead.
 */
bool
jc_bulk_cut(const JsonCheck *jc)
{
	return jc->scan.bulk_found && !jc->scan.no_elide;
}

/*
 * The number of elements of arr, the array found under the bulk's name
 * (at path at): when the scanner cut the bulk out, arr is the empty array
 * json-c saw in its place and the count is the scanner's.  A non-empty arr
 * then means json-c and the scanner disagree about which member is the
 * bulk; what names it in that message ("the dataset", "dataPoints").
 */
JcKind
jc_bulk_length(JsonCheck *jc, json_object *arr, const JcPath *at,
			   const char *what, size_t *n)
{
	bool		cut = jc_bulk_cut(jc);

	*n = 0;
	if (cut && json_object_array_length(arr) != 0)
		return jc_fail(jc, JC_ERR_NOT_JSON, at,
					   "json-c and the scanner disagree about %s", what);
	*n = cut ? jc->scan.bulk_count : json_object_array_length(arr);
	return JC_OK;
}

/*
 * Feed each element of the bulk array, chunk by chunk, to fn; at is the
 * path of the array.  The chunk trees are freed as soon as they have been
 * read.
 */
JcKind
jc_walk_bulk(JsonCheck *jc, const JcPath *at, JcElementFn fn, void *arg)
{
	JcScan	   *sc = &jc->scan;
	size_t		base = 0;
	size_t		j;

	for (j = 0; j < sc->nchunks; j++)
	{
		json_object *arr;
		JcKind		rc;
		size_t		n;
		size_t		i;

		rc = jc_parse_chunk(jc, j, &arr);
		if (rc != JC_OK)
			return rc;
		n = json_object_array_length(arr);
		for (i = 0; i < n && base + i < sc->bulk_count; i++)
		{
			JcPath		ep = {at, NULL, base + i};

			rc = fn(arg, json_object_array_get_idx(arr, i), &ep, base + i);
			if (rc != JC_OK)
				break;
		}
		json_object_put(arr);
		if (rc != JC_OK)
			return rc;
		base += n;
	}
	if (base != sc->bulk_count)
		return jc_fail(jc, JC_ERR_NOT_JSON, at,
					   "json-c found %zu elements where the scanner found %zu",
					   base, sc->bulk_count);
	return JC_OK;
}

/* Feed each element of a json-c array to fn; at is the path of the array. */
JcKind
jc_walk_array(json_object *arr, const JcPath *at, JcElementFn fn, void *arg)
{
	size_t		n = json_object_array_length(arr);
	size_t		i;

	for (i = 0; i < n; i++)
	{
		JcPath		ep = {at, NULL, i};
		JcKind		rc;

		rc = fn(arg, json_object_array_get_idx(arr, i), &ep, i);
		if (rc != JC_OK)
			return rc;
	}
	return JC_OK;
}


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
