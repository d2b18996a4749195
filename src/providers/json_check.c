/*-------------------------------------------------------------------------
 *
 * json_check.c
 *	  The machinery Tracker's JSON parsers share: set-up, JSON paths and
 *	  error messages, and the hand-off of the input to json-c.  The scanner
 *	  is in json_scan.c, the checks of members and values in json_member.c;
 *	  json_check.h is the interface of all three.
 *
 * A parse goes through three steps, the same in fitbit_parse.c, gh_parse.c
 * and listen_parse.c:
 *
 * 1. jc_scan() (json_scan.c) checks the bytes against RFC 8259 in one
 *	  pass.  json-c's strict mode still accepts NaN, Infinity,
 *	  single-quoted strings, "1.", raw control characters in strings and
 *	  lone UTF-16 surrogates, and it cannot say where a problem sits, so
 *	  the scanner is what decides "is this JSON" and reports the byte
 *	  offset of the first problem.  While it scans it also locates the one
 *	  large array of a document, when the parser names one (a JcBulk), and
 *	  cuts it into chunks.
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
 * 3. The parser's readers walk the trees with the checks of
 *	  json_member.c, which report the first problem with a JSON path such
 *	  as $.dataPoints[3].heartRate.beatsPerMinute.
 *
 * Duplicate member names follow json-c, PostgreSQL's jsonb and Python's
 * json module: the last one wins, and the scanner keeps the chunking
 * consistent with that rule.  No locale, time zone or libc date function
 * is used.
 *
 * src/providers/json_check.c
 *
 *-------------------------------------------------------------------------
 */
#include "providers/json_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	return jc_walk_bulk_fast(jc, at, NULL, fn, arg);
}

/*
 * The same, first offering each chunk to fast (when not NULL), which reads
 * it straight from the bytes; a chunk fast declines goes to json-c and fn
 * as in jc_walk_bulk().  fast must accept only what fn would, with the
 * same result: fn alone reports errors.
 */
JcKind
jc_walk_bulk_fast(JsonCheck *jc, const JcPath *at, JcChunkFn fast,
				  JcElementFn fn, void *arg)
{
	JcScan	   *sc = &jc->scan;
	size_t		base = 0;
	size_t		j;

	for (j = 0; j < sc->nchunks; j++)
	{
		const JcChunk *chunk = &sc->chunks[j];
		json_object *arr;
		JcKind		rc;
		size_t		n;
		size_t		i;

		if (fast != NULL && base < sc->bulk_count)
		{
			n = sc->bulk_count - base;
			if (n > sc->bulk->chunk)
				n = sc->bulk->chunk;
			if (fast(arg, jc->buf, chunk->start, chunk->end, base, n))
			{
				base += n;
				continue;
			}
		}
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
