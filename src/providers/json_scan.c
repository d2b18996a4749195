/*-------------------------------------------------------------------------
 *
 * json_scan.c
 *	  The strict RFC 8259 scanner of Tracker's JSON parsers (step 1 of the
 *	  three in json_check.c).
 *
 * jc_scan() reads the input once, byte by byte, and decides whether it is
 * JSON: json-c's strict mode still accepts NaN, Infinity, single-quoted
 * strings, "1.", raw control characters in strings and lone UTF-16
 * surrogates, and cannot say where a problem sits, so the scanner reports
 * the byte offset of the first problem itself.  While it scans it also
 * finds the one large array a parser names (its JcBulk) and cuts it into
 * chunks for json_check.c to hand to json-c.  Duplicate member names
 * follow json-c's rule, the last one wins, and the chunking stays
 * consistent with it.
 *
 * src/providers/json_scan.c
 *
 *-------------------------------------------------------------------------
 */
#include "providers/json_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nesting levels the scanner tracks without allocating. */
#define SCAN_INLINE_DEPTH 256

/*
 * The bytes a string may hold as they are, with nothing to check: printable
 * ASCII but the quote and the backslash.  One look-up a byte instead of
 * four comparisons, in the loop that sees most of a document's bytes
 * (0x80 and above start UTF-8 sequences, checked apart).
 */
static const unsigned char plain_string_byte[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x10 */
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x30 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,	/* 0x50 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x70 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x80 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x90 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xa0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xb0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xc0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xd0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xe0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xf0 */
};



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
		while (p < len && plain_string_byte[s[p]])
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
