/*-------------------------------------------------------------------------
 *
 * json_check.h
 *	  What Tracker's JSON parsers share: a strict RFC 8259 scanner that
 *	  reports the byte offset of the first problem, the hand-off of the
 *	  input to json-c (one large array in chunks), JSON paths and error
 *	  messages, and the checks of members, numbers, strings and dates.
 *
 * Plain C over json-c with no PostgreSQL dependency, like the parsers that
 * use it (fitbit_parse.c, gh_parse.c, listen_parse.c), so that they can be
 * fuzzed outside the server.  A parser keeps a JsonCheck in its context,
 * reports every problem through jc_fail() (only the first one is kept, in
 * the caller's path and message buffers) and turns the JcKind it ends
 * with into its own error kind.  Nothing here longjmps or prints.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_JSON_CHECK_H
#define TRACKER_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/* Deepest nesting accepted; real documents need at most about eight. */
#define JC_MAX_DEPTH 64

/* Largest input accepted, PostgreSQL's MaxAllocSize. */
#define JC_MAX_INPUT ((size_t) 0x3fffffff)

/* Longest description of a bad value quoted in a message, in bytes. */
#define JC_DESC_MAX 48

/* Size of a buffer for jc_describe(). */
#define JC_DESC_SIZE (JC_DESC_MAX + 8)

/* Member names on the way from the top-level object to the bulk array. */
#define JC_BULK_KEYS_MAX 2

/*
 * Error kinds, in the order of FitbitErrorKind and GhErrorKind;
 * ListenErrorKind has no JC_ERR_TIME.
 */
typedef enum JcKind
{
	JC_OK = 0,
	JC_ERR_NOT_JSON,			/* the bytes are not JSON */
	JC_ERR_SHAPE,				/* missing member or wrong structure */
	JC_ERR_TYPE,				/* a member has the wrong JSON type */
	JC_ERR_RANGE,				/* a value is outside its allowed range */
	JC_ERR_TIME,				/* a date or time that does not parse */
	JC_ERR_NOMEM
} JcKind;

/*
 * Where the parsers differ, as jc_init() flags; each keeps the messages it
 * always gave.
 */
#define JC_DEPTH_AFTER_SCAN 0x01	/* too deep nesting is reported only once
									 * the whole input is known to be JSON */
#define JC_REFUSE_NULL 0x02		/* a required member that is null is a
								 * shape error, "x is null" */
#define JC_PLAIN_INTEGERS 0x04	/* describe integers json-c saturated as
								 * json-c prints them, not as bounds */

/*
 * One step of a JSON path, kept on the C stack while the readers descend,
 * so that a path string is only built when there is an error to report.
 */
typedef struct JcPath
{
	const struct JcPath *up;	/* NULL for the document root */
	const char *key;			/* member name, or NULL for an index */
	size_t		index;
} JcPath;

/* The document root, "$". */
extern const JcPath jc_root;

/*
 * Where the one large ("bulk") array of a document sits, for jc_scan() to
 * cut it into chunks: the top-level array itself (root_array), or the
 * array reached from the top-level object through the member names keys[],
 * each but the last naming an object.  Where a name repeats, the last
 * member counts, as in json-c.
 */
typedef struct JcBulk
{
	bool		root_array;
	int			nkeys;
	const char *keys[JC_BULK_KEYS_MAX];
	size_t		chunk;			/* elements handed to json-c at a time */
} JcBulk;

/* A byte range of the input holding consecutive array elements. */
typedef struct JcChunk
{
	size_t		start;			/* offset of the first element */
	size_t		end;			/* offset just past the last element */
} JcChunk;

/* What jc_scan() learns about the input; read-only for the parsers. */
typedef struct JcScan
{
	const JcBulk *bulk;			/* NULL: nothing is cut out */
	size_t		key_len[JC_BULK_KEYS_MAX];
	size_t		value_start;	/* offset of the top-level value */
	unsigned char root;			/* first byte of the top-level value */
	bool		bulk_found;
	bool		no_elide;		/* an escaped key might alias the bulk */
	size_t		bulk_open;		/* offset just past the bulk's '[' */
	size_t		bulk_close;		/* offset of the bulk's ']' */
	size_t		bulk_count;		/* elements in the bulk */
	JcChunk    *chunks;
	size_t		nchunks;
	size_t		chunks_cap;

	/* scanner state */
	size_t		bulk_depth;		/* depth inside the open bulk, or 0 */
	size_t		level;			/* objects on the way to the bulk now open */
	size_t		pending;		/* the value after the key keys[pending - 1]
								 * comes next, or 0 */
	size_t		last_end;		/* end of the last bulk element */
	bool		oom;
} JcScan;

/* One parse: the input, the first error, json-c's tokener, the scan. */
typedef struct JsonCheck
{
	const char *buf;
	size_t		len;
	int			flags;			/* JC_DEPTH_AFTER_SCAN, ... */
	JcKind		kind;			/* of the first error, or JC_OK */
	char	   *path;			/* the caller's buffers for the first error */
	size_t		path_size;
	char	   *message;
	size_t		message_size;
	json_tokener *tok;			/* made when first needed */
	JcScan		scan;
} JsonCheck;

/* Reads one element of an array; arg is the parser's own context. */
/* Parses the n bytes at s into out; false when they do not parse. */
typedef bool (*JcTextFn) (const char *s, size_t n, void *out);

typedef JcKind (*JcElementFn) (void *arg, json_object *elem,
							   const JcPath *at, size_t index);

/*
 * Reads the n elements of one chunk of the bulk array, buf[start..end),
 * elements first.. of the array, straight from the scanned bytes; false
 * when it cannot, and then the chunk goes to json-c and a JcElementFn.
 */
typedef bool (*JcChunkFn) (void *arg, const char *buf, size_t start,
						   size_t end, size_t first, size_t n);

/* What a string kept by jc_member_string() may contain. */
typedef enum JcStrRule
{
	JC_STR_ENUM,				/* A-Z a-z 0-9 _ */
	JC_STR_TOKEN,				/* visible ASCII, never quoted in errors */
	JC_STR_SCOPE,				/* visible ASCII and spaces */
	JC_STR_NAME,				/* visible ASCII */
	JC_STR_TIME_ZONE,			/* A-Z a-z 0-9 / _ + - */
	JC_STR_TEXT					/* anything but NUL */
} JcStrRule;

/* Set-up, errors and descriptions of values */
extern void jc_init(JsonCheck *jc, const char *buf, size_t len, int flags,
					char *path, size_t path_size,
					char *message, size_t message_size);
extern void jc_done(JsonCheck *jc);
extern JcKind jc_fail(JsonCheck *jc, JcKind kind, const JcPath *at,
					  const char *fmt,...) __attribute__((format(printf, 4, 5)));
extern JcKind jc_fail_nomem(JsonCheck *jc, const JcPath *at);
extern const char *jc_describe(const JsonCheck *jc, json_object *v,
							   char *buf, size_t size);

/* The scanner and json-c */
extern JcKind jc_scan(JsonCheck *jc, const JcBulk *bulk);
extern JcKind jc_require_root(JsonCheck *jc, bool array_ok, const char *what);
extern JcKind jc_parse_skeleton(JsonCheck *jc, json_object **root);
extern JcKind jc_parse_document(JsonCheck *jc, const JcBulk *bulk,
								json_object **root);
extern JcKind jc_parse_object(JsonCheck *jc, const JcBulk *bulk,
							  const char *what, json_object **root);
extern JcKind jc_parse_chunk(JsonCheck *jc, size_t j, json_object **arr);
extern bool jc_bulk_cut(const JsonCheck *jc);
extern JcKind jc_bulk_length(JsonCheck *jc, json_object *arr,
							 const JcPath *at, const char *what, size_t *n);
extern JcKind jc_walk_bulk(JsonCheck *jc, const JcPath *at, JcElementFn fn,
						   void *arg);
extern JcKind jc_walk_bulk_fast(JsonCheck *jc, const JcPath *at,
								JcChunkFn fast, JcElementFn fn, void *arg);
extern JcKind jc_walk_array(json_object *arr, const JcPath *at,
							JcElementFn fn, void *arg);

/* Members and values */
extern JcKind jc_get_member(JsonCheck *jc, json_object *obj,
							const JcPath *at, const char *key, bool required,
							json_object **out);
extern JcKind jc_check_object(JsonCheck *jc, json_object *v,
							  const JcPath *at, const char *name);
extern JcKind jc_check_array(JsonCheck *jc, json_object *v,
							 const JcPath *at, const char *name);
extern JcKind jc_check_string(JsonCheck *jc, json_object *v,
							  const JcPath *at, const char *name,
							  const char **s, size_t *len);
extern JcKind jc_check_int(JsonCheck *jc, json_object *v, const JcPath *at,
						   const char *name, int64_t lo, int64_t hi,
						   int64_t *out);
extern JcKind jc_check_number(JsonCheck *jc, json_object *v,
							  const JcPath *at, const char *name,
							  double lo, double hi, double *out);
extern JcKind jc_check_text(JsonCheck *jc, json_object *v, const JcPath *at,
							const char *name, JcTextFn parse, void *out,
							JcKind kind, const char *what);
extern JcKind jc_member_object(JsonCheck *jc, json_object *obj,
							   const JcPath *at, const char *key,
							   bool required, json_object **out);
extern JcKind jc_member_array(JsonCheck *jc, json_object *obj,
							  const JcPath *at, const char *key,
							  bool required, json_object **out);
extern JcKind jc_member_int(JsonCheck *jc, json_object *obj,
							const JcPath *at, const char *key, bool required,
							int64_t lo, int64_t hi, int64_t *out);
extern JcKind jc_member_number(JsonCheck *jc, json_object *obj,
							   const JcPath *at, const char *key,
							   bool required, double lo, double hi,
							   double *out);
extern JcKind jc_member_string(JsonCheck *jc, json_object *obj,
							   const JcPath *at, const char *key,
							   bool required, JcStrRule rule, size_t maxlen,
							   char **out);
extern JcKind jc_member_chars(JsonCheck *jc, json_object *obj,
							  const JcPath *at, const char *key,
							  json_object **v, const char **s, size_t *len);
extern JcKind jc_member_bool(JsonCheck *jc, json_object *obj,
							 const JcPath *at, const char *key, bool *out);
extern JcKind jc_element_name(JsonCheck *jc, json_object *elem,
							  const JcPath *at, const char *what,
							  const char *key, const char *const *names,
							  int nnames, json_object **v, int *index);


/*
 * Dates, without libc's time functions.  Inline: the timestamp readers call
 * them for every heart-rate sample, and tools that link none of the JSON
 * checks use them too.
 */

/* Value of two ASCII digits, or -1. */
static inline int
jc_two_digits(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Value of the n ASCII digits at s[0..n), or -1 when any is not a digit. */
static inline int
jc_digits(const char *s, int n)
{
	int			v = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * Whether y-m-d is a real date of the proleptic Gregorian calendar within
 * years 1..9999 (google.type.Date's range, and all four digits can say).
 */
static inline bool
jc_valid_date(int y, int m, int d)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return d <= 29;
	return d <= mdays[m - 1];
}

/*
 * Days from 1970-01-01 to y-m-d (Gregorian), after H. Hinnant's
 * days_from_civil.  Used instead of timegm() so that no time zone or libc
 * quirk can shift a timestamp.
 */
static inline int64_t
jc_days_from_civil(int y, int m, int d)
{
	int64_t		yy = (int64_t) y - (m <= 2 ? 1 : 0);
	int64_t		era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t		yoe = yy - era * 400;
	int64_t		doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t		doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

#endif							/* TRACKER_JSON_CHECK_H */
