/*-------------------------------------------------------------------------
 *
 * jsondoc.c
 *	  Small JSON documents that Tracker writes and reads back itself:
 *	  archive manifests and bundle lines, the sync log of a tracker.sync()
 *	  call, request bodies.
 *
 * Both directions use PostgreSQL's own JSON code: escape_json() to build,
 * and the parser of common/jsonapi.c to read.  That parser is also the
 * fastest Tracker measured (bench/src/parsebench.c: 2.6 times the speed of
 * the json-c based page parser, 6.6 times a json-c tree), allocates in
 * memory contexts, so an error frees everything, and needs no library.
 * A document is read into a small tree of JsonDoc nodes; the members
 * Tracker needs are then looked up by name.
 *
 * The pages of the providers' APIs are not read here: their parsers (the
 * _parse.c files of src/providers/) are plain C over json-c, so that unit
 * tests and fuzzers build them without PostgreSQL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/jsonapi.h"
#include "mb/pg_wchar.h"
#include "utils/json.h"

#include "common/common.h"

/* A tree being built from the parser's events. */
typedef struct JsonDocBuild
{
	List	   *stack;			/* containers being filled */
	JsonDoc    *root;
	char	   *key;			/* the member name just seen */
} JsonDocBuild;

/*
 * attach and the build_* callbacks
 *		Each value is hung under the object or array being built (with the
 *		member name just seen); containers are pushed while their contents
 *		arrive.
 */
static void
attach(JsonDocBuild *b, JsonDoc *n)
{
	JsonDoc    *parent;

	if (b->stack == NIL)
	{
		b->root = n;
		return;
	}
	parent = (JsonDoc *) llast(b->stack);
	if (parent->type == JSON_TOKEN_OBJECT_START)
		parent->keys = lappend(parent->keys, b->key);
	parent->vals = lappend(parent->vals, n);
}

/* See attach: an object or an array starts. */
static void
build_container(JsonDocBuild *b, JsonTokenType type)
{
	JsonDoc    *n = palloc0(sizeof(JsonDoc));

	n->type = type;
	attach(b, n);
	b->stack = lappend(b->stack, n);
}

/* See attach. */
static void
build_object_start(void *state)
{
	build_container((JsonDocBuild *) state, JSON_TOKEN_OBJECT_START);
}

/* See attach. */
static void
build_array_start(void *state)
{
	build_container((JsonDocBuild *) state, JSON_TOKEN_ARRAY_START);
}

/* See attach. */
static void
build_end(void *state)
{
	JsonDocBuild *b = (JsonDocBuild *) state;

	b->stack = list_delete_last(b->stack);
}

/* See attach. */
static void
build_field(void *state, char *fname, bool isnull)
{
	((JsonDocBuild *) state)->key = fname;
}

/* See attach. */
static void
build_scalar(void *state, char *token, JsonTokenType tokentype)
{
	JsonDocBuild *b = (JsonDocBuild *) state;
	JsonDoc    *n = palloc0(sizeof(JsonDoc));

	n->type = tokentype;
	n->str = token;
	attach(b, n);
}

/*
 * jsondoc_parse
 *		Parse a UTF-8 JSON document into a tree; NULL and *why when it is
 *		not JSON.
 */
JsonDoc *
jsondoc_parse(const char *text, size_t len, char **why)
{
	JsonLexContext *lex;
	JsonSemAction sem;
	JsonDocBuild b;
	JsonParseErrorType rc;

	if (len > (size_t) PG_INT32_MAX)
	{
		*why = pstrdup("document too large");
		return NULL;
	}
	memset(&b, 0, sizeof(b));
	memset(&sem, 0, sizeof(sem));
	sem.semstate = &b;
	sem.object_start = build_object_start;
	sem.object_end = build_end;
	sem.array_start = build_array_start;
	sem.array_end = build_end;
	sem.object_field_start = build_field;
	sem.scalar = build_scalar;
	lex = makeJsonLexContextCstringLen((char *) text, (int) len, PG_UTF8, true);
	rc = pg_parse_json(lex, &sem);
	if (rc != JSON_SUCCESS)
	{
		*why = json_errdetail(rc, lex);
		return NULL;
	}
	return b.root;
}

/*
 * jsondoc_get
 *		A member of an object, or NULL.
 */
JsonDoc *
jsondoc_get(const JsonDoc *obj, const char *key)
{
	ListCell   *k;
	ListCell   *v;

	if (obj == NULL || obj->type != JSON_TOKEN_OBJECT_START)
		return NULL;
	forboth(k, obj->keys, v, obj->vals)
	{
		if (strcmp((char *) lfirst(k), key) == 0)
			return (JsonDoc *) lfirst(v);
	}
	return NULL;
}

/*
 * jsondoc_string
 *		A string member; *ok turns false when it is absent or not a string
 *		(or not null, when nullable).
 */
char *
jsondoc_string(const JsonDoc *obj, const char *key, bool nullable, bool *ok)
{
	JsonDoc    *n = jsondoc_get(obj, key);

	if (n != NULL && n->type == JSON_TOKEN_STRING)
		return n->str;
	if (nullable && (n == NULL || n->type == JSON_TOKEN_NULL))
		return NULL;
	*ok = false;
	return NULL;
}

/*
 * jsondoc_int
 *		An integral number member; *ok turns false otherwise.
 */
int64
jsondoc_int(const JsonDoc *obj, const char *key, bool *ok)
{
	JsonDoc    *n = jsondoc_get(obj, key);
	char	   *end;
	long long	v;

	if (n == NULL || n->type != JSON_TOKEN_NUMBER)
	{
		*ok = false;
		return 0;
	}
	errno = 0;
	v = strtoll(n->str, &end, 10);
	if (errno != 0 || *end != '\0')
	{
		*ok = false;
		return 0;
	}
	return (int64) v;
}

/*
 * jsondoc_append_string
 *		Append a JSON string, or null.
 */
void
jsondoc_append_string(StringInfo buf, const char *s)
{
	if (s == NULL)
		appendStringInfoString(buf, "null");
	else
		escape_json(buf, s);
}

/*
 * jsondoc_append_member
 *		Append "name":value (a string or null), after a comma unless it is
 *		the first member.
 */
void
jsondoc_append_member(StringInfo buf, const char *name, const char *value,
					  bool comma)
{
	if (comma)
		appendStringInfoChar(buf, ',');
	escape_json(buf, name);
	appendStringInfoChar(buf, ':');
	jsondoc_append_string(buf, value);
}
