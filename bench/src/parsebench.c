/*-------------------------------------------------------------------------
 *
 * parsebench.c
 *	  Parse Google Health heart-rate pages with several JSON parsers and
 *	  report how fast each one is, outside the server.
 *
 *	  parsebench RUNS FILE...
 *
 * Every method does the same job as Tracker's page parser for a heart-rate
 * page: check that the bytes are JSON, find every
 * dataPoints[i].heartRate.sampleTime.physicalTime (RFC 3339),
 * .sampleTime.utcOffset (a duration) and .heartRate.beatsPerMinute (an
 * int64 string, 20..250), and fill arrays of seconds and bpm.  The methods:
 *
 *   tracker      src/gh_parse.c's gh_parse_page(): a validating scanner, then
 *                gh_fastpoints.c's reader of the point array straight from
 *                the bytes (json-c only for chunks with anything unusual)
 *   tracker_general  gh_parse_page_general(): the same without the fast
 *                reader: a validating scanner, then
 *                json-c trees of 16-element chunks, then the readers
 *   jsonc_tree   json-c's json_tokener_parse_ex() on the whole page, then a walk
 *   jsonc_incr   json-c's incremental tokener fed 64 KiB at a time (it still
 *                builds the whole tree), then the same walk
 *   pg_lexer     PostgreSQL's own JSON parser (common/jsonapi.c,
 *                pg_parse_json) with semantic-action callbacks, no tree
 *   scanner      a hand-written single-pass validating scanner (below)
 *   memchr       touch every byte once (counts quotes): the floor
 *
 * Each method runs RUNS times over all files; the median run is reported
 * as one line per method: method, ms per run, MB/s, M samples/s, and a
 * checksum that must equal the one of "tracker".
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <time.h>

#include "common/jsonapi.h"
#include "mb/pg_wchar.h"

#undef printf
#undef fprintf
#undef snprintf
#undef vsnprintf
#undef sprintf

#include <json-c/json.h>

#include "providers/gh_internal.h"

typedef struct Buf
{
	char	   *p;
	size_t		n;
} Buf;

typedef struct Out
{
	int64_t    *t;
	int16_t    *bpm;
	int		   *off;
	size_t		n;
	size_t		cap;
} Out;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void
die(const char *what)
{
	fprintf(stderr, "parsebench: %s\n", what);
	exit(1);
}

static void
out_push(Out *o, int64_t t, int bpm, int off)
{
	if (o->n == o->cap)
		die("more than 10,000 points on a page");
	o->t[o->n] = t;
	o->bpm[o->n] = (int16_t) bpm;
	o->off[o->n] = off;
	o->n++;
}

/* ---------------------------------------------------------------- fields */

/*
 * Every method reads timestamps with Tracker's own reader,
 * gh_parse_timestamp(), so that the methods differ only in how they walk
 * the JSON.
 */

/* "-?digits s", whole seconds, |value| <= 18 h. */
static bool
parse_offset(const char *s, size_t len, int *out)
{
	size_t		p = 0;
	long		v = 0;
	bool		neg = false;

	if (len >= 1 && s[0] == '-')
	{
		neg = true;
		p = 1;
	}
	if (p >= len || s[len - 1] != 's' || len - 1 - p > 6 || len - 1 == p)
		return false;
	for (; p < len - 1; p++)
	{
		if (s[p] < '0' || s[p] > '9')
			return false;
		v = v * 10 + (s[p] - '0');
	}
	if (v > 18 * 3600)
		return false;
	*out = (int) (neg ? -v : v);
	return true;
}

/* An int64 string in 20..250. */
static bool
parse_bpm(const char *s, size_t len, int *out)
{
	int			v = 0;
	size_t		p;

	if (len == 0 || len > 3)
		return false;
	for (p = 0; p < len; p++)
	{
		if (s[p] < '0' || s[p] > '9')
			return false;
		v = v * 10 + (s[p] - '0');
	}
	if (v < 20 || v > 250)
		return false;
	*out = v;
	return true;
}

/* ---------------------------------------------------------------- json-c */

static json_object *
get(json_object *o, const char *key, json_type type)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

static bool
jsonc_walk(json_object *root, Out *o)
{
	json_object *arr = get(root, "dataPoints", json_type_array);
	size_t		n,
				i;

	if (root == NULL || !json_object_is_type(root, json_type_object))
		return false;
	if (arr == NULL)
		return true;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++)
	{
		json_object *hr = get(json_object_array_get_idx(arr, i), "heartRate", json_type_object);
		json_object *st = get(hr, "sampleTime", json_type_object);
		json_object *pt = get(st, "physicalTime", json_type_string);
		json_object *uo = get(st, "utcOffset", json_type_string);
		json_object *bp = get(hr, "beatsPerMinute", json_type_string);
		int64_t		t;
		int			bpm,
					off = 0;

		if (pt == NULL || bp == NULL ||
			!gh_parse_timestamp(json_object_get_string(pt), json_object_get_string_len(pt), &t) ||
			(uo && !parse_offset(json_object_get_string(uo), json_object_get_string_len(uo), &off)) ||
			!parse_bpm(json_object_get_string(bp), json_object_get_string_len(bp), &bpm))
			return false;
		out_push(o, t, bpm, off);
	}
	return true;
}

static bool
m_jsonc_tree(const Buf *b, Out *o)
{
	json_tokener *tok = json_tokener_new_ex(66);
	json_object *root;
	bool		ok;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, b->p, (int) b->n);
	ok = root && json_tokener_get_error(tok) == json_tokener_success && jsonc_walk(root, o);
	json_object_put(root);
	json_tokener_free(tok);
	return ok;
}

static bool
m_jsonc_incr(const Buf *b, Out *o)
{
	json_tokener *tok = json_tokener_new_ex(66);
	json_object *root = NULL;
	size_t		pos = 0;
	bool		ok;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	while (pos < b->n)
	{
		size_t		n = b->n - pos < 65536 ? b->n - pos : 65536;

		root = json_tokener_parse_ex(tok, b->p + pos, (int) n);
		pos += n;
		if (root || json_tokener_get_error(tok) != json_tokener_continue)
			break;
	}
	ok = root && pos == b->n && jsonc_walk(root, o);
	json_object_put(root);
	json_tokener_free(tok);
	return ok;
}

/* ---------------------------------------------------------------- gh_parse */

/* Run one of Tracker's page parsers, with or without its fast readers. */
static bool
run_tracker(const Buf *b, Out *o, bool general)
{
	GhPage		page;
	GhError		err;
	GhErrorKind rc;
	size_t		i;

	memset(&page, 0, sizeof(page));
	memset(&err, 0, sizeof(err));
	if (general)
		rc = gh_parse_page_general(GH_HEART_RATE, b->p, b->n, &page, &err);
	else
		rc = gh_parse_page(GH_HEART_RATE, b->p, b->n, &page, &err);
	if (rc != GH_OK)
	{
		fprintf(stderr, "gh_parse_page: %s: %s\n", err.path, err.message);
		return false;
	}
	for (i = 0; i < page.nsamples; i++)
		out_push(o, page.t[i], page.bpm[i], page.utc_offset ? page.utc_offset[i] : 0);
	gh_page_free(&page);
	return true;
}

static bool
m_tracker(const Buf *b, Out *o)
{
	return run_tracker(b, o, false);
}

static bool
m_tracker_general(const Buf *b, Out *o)
{
	return run_tracker(b, o, true);
}

/* ---------------------------------------------------------------- pg_lexer */

/*
 * The path is followed with a small state machine: depth 1 is the page
 * object, "dataPoints" at depth 1 is the array, its objects are depth 2,
 * "heartRate" inside them depth 3, "sampleTime" inside that depth 4.
 */
typedef struct PgState
{
	Out		   *o;
	int			depth;			/* object nesting */
	int			in_points;		/* 1 while inside dataPoints */
	int			points_depth;
	int			want;			/* field whose scalar comes next */
	bool		hr_open;
	bool		st_open;
	bool		have_t,
				have_bpm;
	int64_t		t;
	int			bpm;
	int			off;
	bool		bad;
} PgState;

enum
{
	W_NONE, W_POINTS, W_HR, W_ST, W_TIME, W_OFFSET, W_BPM
};

static void
pg_ostart(void *st)
{
	PgState    *s = st;

	s->depth++;
	if (s->want == W_HR)
		s->hr_open = true;
	else if (s->want == W_ST)
		s->st_open = true;
	else if (s->in_points && s->depth == 2)
	{
		s->have_t = s->have_bpm = false;
		s->off = 0;
	}
	s->want = W_NONE;
}

static void
pg_oend(void *st)
{
	PgState    *s = st;

	if (s->in_points)
	{
		if (s->st_open && s->depth == 4)
			s->st_open = false;
		else if (s->hr_open && s->depth == 3)
			s->hr_open = false;
		else if (s->depth == 2)
		{
			if (!s->have_t || !s->have_bpm)
				s->bad = true;
			else
				out_push(s->o, s->t, s->bpm, s->off);
		}
	}
	s->depth--;
}

static void
pg_astart(void *st)
{
	PgState    *s = st;

	if (s->want == W_POINTS)
		s->in_points = 1;
	s->want = W_NONE;
}

static void
pg_aend(void *st)
{
	PgState    *s = st;

	if (s->in_points && s->depth == 1)
		s->in_points = 0;
}

static void
pg_fstart(void *st, char *fname, bool isnull)
{
	PgState    *s = st;

	s->want = W_NONE;
	if (s->depth == 1 && strcmp(fname, "dataPoints") == 0)
		s->want = W_POINTS;
	else if (s->in_points && s->depth == 2 && strcmp(fname, "heartRate") == 0)
		s->want = W_HR;
	else if (s->hr_open && s->depth == 3)
	{
		if (strcmp(fname, "sampleTime") == 0)
			s->want = W_ST;
		else if (strcmp(fname, "beatsPerMinute") == 0)
			s->want = W_BPM;
	}
	else if (s->st_open && s->depth == 4)
	{
		if (strcmp(fname, "physicalTime") == 0)
			s->want = W_TIME;
		else if (strcmp(fname, "utcOffset") == 0)
			s->want = W_OFFSET;
	}
	free(fname);
}

static void
pg_scalar(void *st, char *token, JsonTokenType type)
{
	PgState    *s = st;

	if (s->want != W_NONE)
	{
		size_t		len = token ? strlen(token) : 0;

		if (type != JSON_TOKEN_STRING)
			s->bad = true;
		else if (s->want == W_TIME)
			s->have_t = gh_parse_timestamp(token, len, &s->t) || (s->bad = true, false);
		else if (s->want == W_OFFSET)
		{
			if (!parse_offset(token, len, &s->off))
				s->bad = true;
		}
		else if (s->want == W_BPM)
			s->have_bpm = parse_bpm(token, len, &s->bpm) || (s->bad = true, false);
		s->want = W_NONE;
	}
	free(token);
}

static bool
m_pg_lexer(const Buf *b, Out *o)
{
	PgState		s;
	JsonSemAction sem;
	JsonLexContext *lex;
	JsonParseErrorType rc;

	memset(&s, 0, sizeof(s));
	s.o = o;
	memset(&sem, 0, sizeof(sem));
	sem.semstate = &s;
	sem.object_start = pg_ostart;
	sem.object_end = pg_oend;
	sem.array_start = pg_astart;
	sem.array_end = pg_aend;
	sem.object_field_start = pg_fstart;
	sem.scalar = pg_scalar;
	lex = makeJsonLexContextCstringLen(b->p, (int) b->n, PG_UTF8, true);
	rc = pg_parse_json(lex, &sem);
	if (lex->strval)
	{
		free(lex->strval->data);
		free(lex->strval);
	}
	free(lex);
	return rc == JSON_SUCCESS && !s.bad;
}

/* ---------------------------------------------------------------- scanner */

/*
 * A single-pass validating JSON scanner (RFC 8259: strict numbers, string
 * escapes, UTF-8) that follows the same path as the state machine above
 * and reads the three fields from the raw bytes.  Keys are compared as raw
 * bytes (a key written with escapes is not recognised, which is the
 * documented limit of such a scanner).
 */
typedef struct Sc
{
	const unsigned char *s;
	size_t		n;
	size_t		p;
} Sc;

static inline void
ws(Sc *c)
{
	while (c->p < c->n && (c->s[c->p] == ' ' || c->s[c->p] == '\n' ||
						   c->s[c->p] == '\r' || c->s[c->p] == '\t'))
		c->p++;
}

/* Scan a string at c->p (the opening quote); a and len give the raw body. */
static bool
sc_string(Sc *c, const char **a, size_t *len)
{
	size_t		p = c->p + 1;
	const unsigned char *s = c->s;

	for (;;)
	{
		unsigned char ch;

		if (p >= c->n)
			return false;
		ch = s[p];
		if (ch == '"')
			break;
		if (ch < 0x20)
			return false;
		if (ch == '\\')
		{
			if (p + 1 >= c->n)
				return false;
			ch = s[p + 1];
			if (ch == 'u')
			{
				int			k;

				if (p + 5 >= c->n)
					return false;
				for (k = 2; k < 6; k++)
					if (!isxdigit(s[p + k]))
						return false;
				p += 6;
			}
			else if (strchr("\"\\/bfnrt", ch) && ch)
				p += 2;
			else
				return false;
			continue;
		}
		if (ch < 0x80)
		{
			p++;
			continue;
		}
		/* UTF-8: lead byte and continuation bytes, no overlong forms */
		{
			int			need = ch >= 0xF0 ? 3 : ch >= 0xE0 ? 2 : ch >= 0xC2 ? 1 : -1;
			int			k;

			if (need < 0 || ch > 0xF4 || p + need >= c->n)
				return false;
			for (k = 1; k <= need; k++)
				if ((s[p + k] & 0xC0) != 0x80)
					return false;
			if ((ch == 0xE0 && s[p + 1] < 0xA0) || (ch == 0xED && s[p + 1] > 0x9F) ||
				(ch == 0xF0 && s[p + 1] < 0x90) || (ch == 0xF4 && s[p + 1] > 0x8F))
				return false;
			p += need + 1;
		}
	}
	*a = (const char *) s + c->p + 1;
	*len = p - c->p - 1;
	c->p = p + 1;
	return true;
}

static bool
sc_number(Sc *c)
{
	size_t		p = c->p;
	const unsigned char *s = c->s;

	if (p < c->n && s[p] == '-')
		p++;
	if (p >= c->n)
		return false;
	if (s[p] == '0')
		p++;
	else if (s[p] >= '1' && s[p] <= '9')
		while (p < c->n && s[p] >= '0' && s[p] <= '9')
			p++;
	else
		return false;
	if (p < c->n && s[p] == '.')
	{
		size_t		f = ++p;

		while (p < c->n && s[p] >= '0' && s[p] <= '9')
			p++;
		if (p == f)
			return false;
	}
	if (p < c->n && (s[p] == 'e' || s[p] == 'E'))
	{
		size_t		f;

		p++;
		if (p < c->n && (s[p] == '+' || s[p] == '-'))
			p++;
		f = p;
		while (p < c->n && s[p] >= '0' && s[p] <= '9')
			p++;
		if (p == f)
			return false;
	}
	c->p = p;
	return true;
}

typedef struct Want
{
	const char *a;
	size_t		len;
	bool		is_string;
} Want;

/*
 * Scan one value.  role says what the value is on the path: 0 other,
 * 1 the page, 2 dataPoints, 3 a point, 4 heartRate, 5 sampleTime.  String
 * values of interesting members are reported through *w.
 */
static bool sc_value(Sc *c, int role, int depth, Out *o, Want *w);

/*
 * After a member or an element: 0 when a comma follows (it is consumed),
 * 1 when the container ends with close (consumed too), -1 otherwise.
 */
static int
sc_after(Sc *c, char close)
{
	ws(c);
	if (c->p >= c->n)
		return -1;
	if (c->s[c->p] == ',')
	{
		c->p++;
		return 0;
	}
	if (c->s[c->p] != close)
		return -1;
	c->p++;
	return 1;
}

#define KEY_IS(a, len, lit) ((len) == sizeof(lit) - 1 && memcmp((a), (lit), sizeof(lit) - 1) == 0)

static bool
sc_object(Sc *c, int role, int depth, Out *o)
{
	bool		first = true;
	bool		seen_sub = false;
	Want		t = {0},
				off = {0},
				bpm = {0},
				dummy;

	if (depth > 64)
		return false;
	c->p++;
	for (;;)
	{
		const char *k;
		size_t		klen;
		int			sub = 0;
		int			after;
		Want	   *w = &dummy;

		ws(c);
		if (c->p >= c->n)
			return false;
		if (c->s[c->p] == '}' && first)
		{
			c->p++;
			break;
		}
		if (c->s[c->p] != '"' || !sc_string(c, &k, &klen))
			return false;
		ws(c);
		if (c->p >= c->n || c->s[c->p] != ':')
			return false;
		c->p++;
		if (role == 1 && KEY_IS(k, klen, "dataPoints"))
			sub = 2;
		else if (role == 3 && KEY_IS(k, klen, "heartRate"))
			sub = 4;
		else if (role == 4 && KEY_IS(k, klen, "sampleTime"))
			sub = 5;
		else if (role == 4 && KEY_IS(k, klen, "beatsPerMinute"))
			w = &bpm;
		else if (role == 5 && KEY_IS(k, klen, "physicalTime"))
			w = &t;
		else if (role == 5 && KEY_IS(k, klen, "utcOffset"))
			w = &off;
		if (sub)
			seen_sub = true;
		if (!sc_value(c, sub, depth + 1, o, w))
			return false;
		first = false;
		after = sc_after(c, '}');
		if (after < 0)
			return false;
		if (after == 0)
			continue;
		break;
	}
	/* Fields of a point are checked when its heartRate/sampleTime close. */
	if ((role == 3 || role == 4) && !seen_sub)
		return false;
	if (role == 5)
	{
		int64_t		ts;
		int			ofs = 0;

		if (!t.a || !t.is_string || !gh_parse_timestamp(t.a, t.len, &ts) ||
			(off.a && (!off.is_string || !parse_offset(off.a, off.len, &ofs))))
			return false;
		o->t[o->n] = ts;
		o->off[o->n] = ofs;
	}
	else if (role == 4)
	{
		int			b;

		if (!bpm.a || !bpm.is_string || !parse_bpm(bpm.a, bpm.len, &b))
			return false;
		if (o->n == o->cap)
			die("more than 10,000 points on a page");
		o->bpm[o->n] = (int16_t) b;
		o->n++;
	}
	return true;
}

static bool
sc_array(Sc *c, int role, int depth, Out *o)
{
	bool		first = true;
	int			after;
	Want		dummy;

	if (depth > 64)
		return false;
	c->p++;
	for (;;)
	{
		ws(c);
		if (c->p >= c->n)
			return false;
		if (c->s[c->p] == ']' && first)
		{
			c->p++;
			return true;
		}
		if (!sc_value(c, role == 2 ? 3 : 0, depth + 1, o, &dummy))
			return false;
		first = false;
		after = sc_after(c, ']');
		if (after == 0)
			continue;
		return after > 0;
	}
}

static bool
sc_value(Sc *c, int role, int depth, Out *o, Want *w)
{
	unsigned char ch;

	ws(c);
	if (c->p >= c->n)
		return false;
	ch = c->s[c->p];
	w->a = NULL;
	switch (ch)
	{
		case '{':
			return role != 2 && sc_object(c, role, depth, o);
		case '[':
			return (role == 0 || role == 2) && sc_array(c, role, depth, o);
		case '"':
			{
				const char *a;
				size_t		len;

				if (!sc_string(c, &a, &len))
					return false;
				w->a = a;
				w->len = len;
				w->is_string = true;
				return true;
			}
		case 't':
			if (c->n - c->p >= 4 && memcmp(c->s + c->p, "true", 4) == 0)
				return (c->p += 4, true);
			return false;
		case 'f':
			if (c->n - c->p >= 5 && memcmp(c->s + c->p, "false", 5) == 0)
				return (c->p += 5, true);
			return false;
		case 'n':
			if (c->n - c->p >= 4 && memcmp(c->s + c->p, "null", 4) == 0)
				return (c->p += 4, true);
			return false;
		default:
			if (ch == '-' || (ch >= '0' && ch <= '9'))
			{
				w->a = (const char *) c->s + c->p;
				w->is_string = false;
				return sc_number(c);
			}
			return false;
	}
}

static bool
m_scanner(const Buf *b, Out *o)
{
	Sc			c = {(const unsigned char *) b->p, b->n, 0};
	Want		w;

	if (!sc_value(&c, 1, 0, o, &w))
		return false;
	ws(&c);
	return c.p == c.n;
}

/* ---------------------------------------------------------------- floor */

static bool
m_memchr(const Buf *b, Out *o)
{
	const char *p = b->p;
	const char *end = b->p + b->n;
	size_t		quotes = 0;

	while ((p = memchr(p, '"', end - p)) != NULL)
	{
		quotes++;
		p++;
	}
	o->n = quotes / 40;			/* about 40 quotes per point */
	return true;
}

/* ---------------------------------------------------------------- driver */

typedef struct Method
{
	const char *name;
	bool		(*fn) (const Buf *b, Out *o);
} Method;

static const Method methods[] = {
	{"tracker", m_tracker},
	{"tracker_general", m_tracker_general},
	{"jsonc_tree", m_jsonc_tree},
	{"jsonc_incr", m_jsonc_incr},
	{"pg_lexer", m_pg_lexer},
	{"scanner", m_scanner},
	{"memchr", m_memchr},
};

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int			runs;
	int			nfiles = argc - 2;
	Buf		   *bufs;
	size_t		total = 0;
	Out			o;
	size_t		m;
	int			i;

	if (argc < 3)
		die("usage: parsebench RUNS FILE...");
	runs = atoi(argv[1]);
	bufs = calloc(nfiles, sizeof(Buf));
	for (i = 0; i < nfiles; i++)
	{
		FILE	   *f = fopen(argv[i + 2], "rb");
		long		len;

		if (!f)
			die("cannot open a page file");
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fseek(f, 0, SEEK_SET);
		bufs[i].p = malloc(len + 1);
		bufs[i].n = fread(bufs[i].p, 1, len, f);
		bufs[i].p[bufs[i].n] = '\0';
		fclose(f);
		total += bufs[i].n;
	}
	o.cap = 10000;
	o.t = malloc(sizeof(int64_t) * o.cap);
	o.bpm = malloc(sizeof(int16_t) * o.cap);
	o.off = malloc(sizeof(int) * o.cap);

	for (m = 0; m < sizeof(methods) / sizeof(methods[0]); m++)
	{
		double	   *times = calloc(runs, sizeof(double));
		uint64_t	check = 0;
		size_t		samples = 0;
		int			r;

		for (r = 0; r < runs; r++)
		{
			double		t0 = now_ms();

			check = 0;
			samples = 0;
			for (i = 0; i < nfiles; i++)
			{
				size_t		k;

				o.n = 0;
				if (!methods[m].fn(&bufs[i], &o))
				{
					fprintf(stderr, "parsebench: %s failed on %s\n", methods[m].name, argv[i + 2]);
					exit(1);
				}
				samples += o.n;
				if (strcmp(methods[m].name, "memchr") != 0)
					for (k = 0; k < o.n; k++)
						check += (uint64_t) o.t[k] * 31 + (uint64_t) o.bpm[k] * 7 + (uint64_t) o.off[k];
			}
			times[r] = now_ms() - t0;
		}
		qsort(times, runs, sizeof(double), cmp_double);
		printf("%s\t%.2f\t%.1f\t%.3f\t%llu\t%zu\n", methods[m].name, times[runs / 2],
			   total / 1e6 / (times[runs / 2] / 1000.0),
			   samples / 1e6 / (times[runs / 2] / 1000.0),
			   (unsigned long long) check, samples);
		fflush(stdout);
		free(times);
	}
	return 0;
}
