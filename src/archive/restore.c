/*-------------------------------------------------------------------------
 *
 * archive.c
 *	  The S3 archive of bronze payloads: monthly bundles with a manifest
 *	  each, the lifecycle rule that moves bundles to Deep Archive, restore
 *	  through the normal bronze -> silver -> gold path, and the scheduled
 *	  runs in a background worker of their own.
 *
 * Layout under the configured prefix (say "tracker/"):
 *
 *	tracker/bundles/account-<id>/<data type>/<yyyy-mm>.v<n>.ndjson.gz
 *	tracker/manifests/account-<id>/<data type>/<yyyy-mm>.v<n>.json
 *
 * A payload belongs to the month of the earliest local day it holds data
 * for (a payload without data, or rejected, to the local day it arrived),
 * so a month's bundle holds that month's data and restore can pick months.
 * Deep Archive charges about 40 KB per object and 180 days at least, so
 * there are no per-day objects: one bundle per account, data type and
 * month, gzip'd NDJSON with one line per payload (its metadata and its
 * exact bytes), and one small manifest beside it with the counts and the
 * SHA-256 of every payload and of the bundle.  Manifests live under their
 * own prefix, which the lifecycle rule leaves alone, so restore can always
 * read them and tell which bundles must first be thawed.
 *
 * Objects are never overwritten or deleted by Tracker.  A month whose
 * payloads changed (the SHA-256 over its payloads' SHA-256 in payload
 * order, the "fingerprint", differs from the one archived) gets a new
 * version: the bundle first, verified with a HEAD (ETag = MD5) and its
 * listed size, then the manifest that points at it.  So at every moment
 * the newest manifest names a complete, verified bundle, and a run that
 * dies half-way leaves at worst an unreferenced bundle.  What was archived
 * is remembered in tracker.archive_bundle; when the database does not know
 * (a fresh one, a rolled-back call), the newest manifest in the bucket is
 * read and adopted if its fingerprint matches, so nothing unchanged is
 * uploaded again.
 *
 * tracker.archive() and tracker.restore_from_s3() run in the caller's
 * transaction (restore must be all or nothing), like tracker.sync().  The
 * scheduled archive runs in the archive worker, which opens short
 * transactions only to read payloads and record results, never across a
 * request.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>
#include <zlib.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/base64.h"
#include "common/cryptohash.h"
#include "common/jsonapi.h"
#include "common/md5.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/memutils.h"
#include "utils/rangetypes.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "archive/archive.h"
#include "common/autonomous.h"
#include "providers/fitbit_parse.h"
#include "providers/gh_parse.h"
#include "providers/fitbit_import.h"
#include "providers/provider.h"
#include "http/s3.h"
#include "store/store.h"
#include "core/timeutil.h"
#include "tracker.h"
#include "bgw/bgw.h"

/* What the objects say they are. */
#define ARCHIVE_FORMAT "tracker-archive"
#define ARCHIVE_FORMAT_VERSION 1

/* Advisory lock class of "an archive or a restore is running here". */
#define ARCHIVE_LOCK_CLASS 0x54524B03

/* Payloads given a month per transaction, and rows per cursor fetch. */
#define ARCHIVE_DAY_BATCH 200
#define ARCHIVE_FETCH 8

/* Objects Tracker writes and can read back in one piece. */
#define ARCHIVE_MAX_OBJECT ((size_t) MaxAllocSize - 2)

/* Inflated bytes handled at a time on restore. */
#define ARCHIVE_INFLATE_CHUNK (256 * 1024)

/* Objects under 128 KiB do not transition (AWS's default, made explicit). */
#define LIFECYCLE_MIN_SIZE 131071

/* Settings. */
bool		tracker_archive_enabled = true;
int			tracker_archive_interval_s = 86400;

/* An account as the archive records it (never its credentials). */
typedef struct ArchiveAccount
{
	int32		id;
	char	   *name;
	char	   *provider;
	char	   *time_zone;
	char	   *birth_date;		/* YYYY-MM-DD or NULL */
	char	   *username;		/* or NULL */
	char	   *created_at;		/* UTC, ISO 8601 */
} ArchiveAccount;

/* One account, data type and month: what the database holds and archived. */
typedef struct BundlePlan
{
	int32		account_id;
	char	   *data_type;
	DateADT		month;
	int			payloads;
	int64		payload_bytes;
	char	   *fingerprint;	/* hex */
	int			recorded_version;	/* 0: never archived from here */
	char	   *recorded_fingerprint;
	char	   *recorded_bundle_key;
	char	   *recorded_manifest_key;
	int64		recorded_size;
	ArchiveAccount *account;
} BundlePlan;

/* A bundle built in memory and ready to upload. */
typedef struct BuiltBundle
{
	char	   *data;			/* gzip */
	size_t		len;
	char		sha256[65];
	char	   *md5;			/* hex */
	int			payloads;
	int64		payload_bytes;
	char	   *fingerprint;
	StringInfoData items;		/* the manifest's "items" array content */
} BuiltBundle;

/* One payload named by a manifest. */
typedef struct ManifestItem
{
	int64		payload_id;
	char	   *sha256;
	int64		byte_size;
	char	   *day;
	char	   *status;
} ManifestItem;

/* A parsed manifest. */
typedef struct Manifest
{
	ArchiveAccount account;
	char	   *data_type;
	char	   *month;			/* YYYY-MM */
	int			version;
	char	   *bundle_key;
	int64		bundle_size;
	char	   *bundle_sha256;
	int			count;
	int64		bytes;
	char	   *fingerprint;
	int			nitems;
	ManifestItem *items;
} Manifest;

/* A run of the archive, in the foreground or in the archive worker. */
typedef struct ArchiveRun
{
	bool		worker;			/* open and commit our own transactions */
	MemoryContext cxt;			/* lives for the run */
	MemoryContext bundle_cxt;	/* reset for each bundle */
	MemoryContext work;			/* where to be between database steps */
	ResourceOwner owner;		/* worker: for hashing outside transactions */
	S3Config	cfg;
	int64		run_id;
	DateADT		through;
	List	   *accounts;		/* ArchiveAccount * */
	List	   *plans;			/* BundlePlan * */
	List	   *objects;		/* S3Object * under the prefix */
	ReturnSetInfo *rsinfo;		/* foreground: one row per bundle */
} ArchiveRun;

/* A manifest key taken apart. */
typedef struct ManifestRef
{
	char	   *key;
	int32		account_id;
	char	   *data_type;
	DateADT		month;
	int			version;
} ManifestRef;

/* JSON, as a small tree (PostgreSQL's own parser builds it). */
typedef struct JNode
{
	JsonTokenType type;			/* OBJECT_START, ARRAY_START or a scalar */
	char	   *str;			/* scalar text (strings de-escaped) */
	List	   *keys;			/* objects: member names */
	List	   *vals;			/* objects and arrays: JNode * */
} JNode;

typedef struct JBuild
{
	List	   *stack;
	JNode	   *root;
	char	   *key;
} JBuild;

/* A gzip stream being written into memory. */
typedef struct GzWriter
{
	z_stream	zs;
	MemoryContext cxt;
	char	   *out;
	size_t		len;
	size_t		cap;
} GzWriter;

/* Restore: one account's progress. */
typedef struct RestoreAccount
{
	TrackerAccount acc;
	int64	   *inserted;		/* accepted payloads written to bronze */
	int			ninserted;
	int			cap;
	bool		created;
	MemoryContext cxt;			/* where inserted lives */
} RestoreAccount;

/* Restore: one bundle being read line by line. */
typedef struct RestoreBundle
{
	const Manifest *m;
	const char *key;
	RestoreAccount *ra;
	int			lines;
	int			restored;
	pg_cryptohash_ctx *fp;
} RestoreBundle;

typedef void (*LineCallback) (void *arg, char *line, size_t len);

static void db_enter(ArchiveRun *run);
static void db_leave(ArchiveRun *run);

/* ------------------------------------------------------------------------
 * Settings
 * ------------------------------------------------------------------------
 */

/*
 * archive_init
 *		Define the archive's settings.  Called from _PG_init, before the
 *		"tracker" prefix is reserved, so that postgresql.conf may set them.
 */
void
archive_init(void)
{
	DefineCustomBoolVariable("tracker.archive_enabled",
							 "Whether the background workers archive bronze to S3 on a schedule.",
							 "Scheduled archives also need tracker.set_s3() and tracker.enable_workers.",
							 &tracker_archive_enabled,
							 true,
							 PGC_SIGHUP, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.archive_interval",
							"Time between scheduled archives to S3.",
							"A failed archive is tried again sooner, with a growing delay up to this interval.",
							&tracker_archive_interval_s,
							86400, 1, 30 * 86400,
							PGC_SIGHUP, GUC_UNIT_S,
							NULL, NULL, NULL);
}

/* ------------------------------------------------------------------------
 * Small helpers: dates, keys, hex
 * ------------------------------------------------------------------------
 */

/*
 * format_month
 *		YYYY-MM of a date, as keys and manifests name months.
 */
static char *
format_month(DateADT month)
{
	int			y,
				m,
				d;

	j2date(month + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	return psprintf("%04d-%02d", y, m);
}

/*
 * format_day
 *		YYYY-MM-DD of a date.
 */
static char *
format_day(DateADT day)
{
	int			y,
				m,
				d;

	j2date(day + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	return psprintf("%04d-%02d-%02d", y, m, d);
}

/*
 * month_start
 *		The first day of a date's month.
 */
static DateADT
month_start(DateADT day)
{
	int			y,
				m,
				d;

	j2date(day + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	return date2j(y, m, 1) - POSTGRES_EPOCH_JDATE;
}

/*
 * next_month
 *		The first day of the month after a month.
 */
static DateADT
next_month(DateADT month)
{
	int			y,
				m,
				d;

	j2date(month + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	if (++m > 12)
	{
		m = 1;
		y++;
	}
	return date2j(y, m, 1) - POSTGRES_EPOCH_JDATE;
}

/*
 * parse_month
 *		"YYYY-MM" to the first day of that month; false if malformed.
 */
static bool
parse_month(const char *s, DateADT *month)
{
	int			y,
				m;
	char		tail;

	if (strlen(s) != 7 || sscanf(s, "%4d-%2d%c", &y, &m, &tail) != 2 ||
		y < 1900 || y > 9999 || m < 1 || m > 12)
		return false;
	*month = date2j(y, m, 1) - POSTGRES_EPOCH_JDATE;
	return true;
}

/*
 * format_utc
 *		A timestamp in UTC, ISO 8601 with microseconds: the archive's one
 *		way of writing instants, read back exactly by timestamptz_in.
 */
static char *
format_utc(TimestampTz ts)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
					tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec, (int) fsec);
}

/*
 * safe_data_type
 *		A data type as it appears in keys: only characters that need no
 *		encoding in a URL or a signature.
 */
static char *
safe_data_type(const char *s)
{
	char	   *out = pstrdup(s && s[0] ? s : "unknown");
	char	   *p;

	for (p = out; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			*p = '_';
	return out;
}

/*
 * bundle_key / manifest_key
 *		Keys of version n of a month: bundles and manifests under prefixes
 *		of their own, so the lifecycle rule can leave manifests restorable.
 */
static char *
bundle_key(const S3Config *cfg, int32 account, const char *type,
		   DateADT month, int version)
{
	return psprintf("%sbundles/account-%d/%s/%s.v%d.ndjson.gz", cfg->prefix,
					account, type, format_month(month), version);
}

/* See bundle_key. */
static char *
manifest_key(const S3Config *cfg, int32 account, const char *type,
			 DateADT month, int version)
{
	return psprintf("%smanifests/account-%d/%s/%s.v%d.json", cfg->prefix,
					account, type, format_month(month), version);
}

/*
 * parse_manifest_key
 *		Take a manifest key apart; false for keys that are not one.
 */
static bool
parse_manifest_key(const S3Config *cfg, const char *key, ManifestRef *ref)
{
	const char *p;
	const char *slash;
	char	   *end;
	long		n;
	size_t		len;
	char	   *month;

	p = key + strlen(cfg->prefix);
	if (strncmp(key, cfg->prefix, strlen(cfg->prefix)) != 0 ||
		strncmp(p, "manifests/account-", 18) != 0)
		return false;
	p += 18;
	n = strtol(p, &end, 10);
	if (end == p || *end != '/' || n <= 0 || n > PG_INT32_MAX)
		return false;
	ref->account_id = (int32) n;
	p = end + 1;
	slash = strchr(p, '/');
	if (slash == NULL || slash == p)
		return false;
	ref->data_type = pnstrdup(p, slash - p);
	p = slash + 1;
	len = strlen(p);
	if (len < 7 + 2 + 1 + 5 || strcmp(p + len - 5, ".json") != 0 ||
		strncmp(p + 7, ".v", 2) != 0)
		return false;
	month = pnstrdup(p, 7);
	if (!parse_month(month, &ref->month))
		return false;
	n = strtol(p + 9, &end, 10);
	if (end == p + 9 || strcmp(end, ".json") != 0 || n <= 0 || n > PG_INT32_MAX)
		return false;
	ref->version = (int) n;
	ref->key = pstrdup(key);
	return true;
}

/*
 * sha_hex_decode
 *		Decode exactly len bytes of lower- or upper-case hex; false if the
 *		text is anything else.
 */
static bool
sha_hex_decode(const char *hex, uint8 *out, size_t len)
{
	size_t		i;

	if (hex == NULL || strlen(hex) != 2 * len)
		return false;
	for (i = 0; i < 2 * len; i++)
	{
		char		c = hex[i];
		int			v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return false;
		if (i % 2 == 0)
			out[i / 2] = (uint8) (v << 4);
		else
			out[i / 2] |= (uint8) v;
	}
	return true;
}

/*
 * hash_final_hex
 *		Finish an incremental SHA-256 and free it.
 */
static char *
hash_final_hex(pg_cryptohash_ctx *ctx)
{
	uint8		digest[PG_SHA256_DIGEST_LENGTH];

	if (pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		elog(ERROR, "could not compute SHA-256 digest");
	pg_cryptohash_free(ctx);
	return s3_hex(digest, sizeof(digest));
}

/*
 * hash_begin / hash_update
 *		An incremental SHA-256 for fingerprints, which are computed as the
 *		payloads stream by rather than over one buffer.
 */
static pg_cryptohash_ctx *
hash_begin(void)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (ctx == NULL || pg_cryptohash_init(ctx) < 0)
		elog(ERROR, "could not start a SHA-256 digest");
	return ctx;
}

/* See hash_begin. */
static void
hash_update(pg_cryptohash_ctx *ctx, const uint8 *data, size_t len)
{
	if (pg_cryptohash_update(ctx, data, len) < 0)
		elog(ERROR, "could not compute SHA-256 digest");
}

/*
 * json_text
 *		Append a JSON string, or null.
 */
static void
json_text(StringInfo buf, const char *s)
{
	if (s == NULL)
		appendStringInfoString(buf, "null");
	else
		escape_json(buf, s);
}

/* ------------------------------------------------------------------------
 * JSON reading
 * ------------------------------------------------------------------------
 */

/*
 * jb_attach and the jb_* callbacks
 *		Build a JNode tree from pg_parse_json's events: each value is hung
 *		under the object or array being built (with the member name just
 *		seen), containers are pushed while their contents arrive.
 */
static void
jb_attach(JBuild *b, JNode *n)
{
	JNode	   *parent;

	if (b->stack == NIL)
	{
		b->root = n;
		return;
	}
	parent = (JNode *) llast(b->stack);
	if (parent->type == JSON_TOKEN_OBJECT_START)
		parent->keys = lappend(parent->keys, b->key);
	parent->vals = lappend(parent->vals, n);
}

/* See jb_attach. */
static void
jb_object_start(void *state)
{
	JBuild	   *b = (JBuild *) state;
	JNode	   *n = palloc0(sizeof(JNode));

	n->type = JSON_TOKEN_OBJECT_START;
	jb_attach(b, n);
	b->stack = lappend(b->stack, n);
}

/* See jb_attach. */
static void
jb_array_start(void *state)
{
	JBuild	   *b = (JBuild *) state;
	JNode	   *n = palloc0(sizeof(JNode));

	n->type = JSON_TOKEN_ARRAY_START;
	jb_attach(b, n);
	b->stack = lappend(b->stack, n);
}

/* See jb_attach. */
static void
jb_end(void *state)
{
	JBuild	   *b = (JBuild *) state;

	b->stack = list_delete_last(b->stack);
}

/* See jb_attach. */
static void
jb_field(void *state, char *fname, bool isnull)
{
	((JBuild *) state)->key = fname;
}

/* See jb_attach. */
static void
jb_scalar(void *state, char *token, JsonTokenType tokentype)
{
	JBuild	   *b = (JBuild *) state;
	JNode	   *n = palloc0(sizeof(JNode));

	n->type = tokentype;
	n->str = token;
	jb_attach(b, n);
}

/*
 * json_parse
 *		Parse a JSON document into a tree with PostgreSQL's parser; NULL and
 *		*why when it is not JSON.
 */
static JNode *
json_parse(const char *text, size_t len, char **why)
{
	JsonLexContext *lex;
	JsonSemAction sem;
	JBuild		b;
	JsonParseErrorType rc;

	if (len > (size_t) PG_INT32_MAX)
	{
		*why = pstrdup("document too large");
		return NULL;
	}
	memset(&b, 0, sizeof(b));
	memset(&sem, 0, sizeof(sem));
	sem.semstate = &b;
	sem.object_start = jb_object_start;
	sem.object_end = jb_end;
	sem.array_start = jb_array_start;
	sem.array_end = jb_end;
	sem.object_field_start = jb_field;
	sem.scalar = jb_scalar;
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
 * jn_get
 *		A member of an object, or NULL.
 */
static JNode *
jn_get(const JNode *obj, const char *key)
{
	ListCell   *k;
	ListCell   *v;

	if (obj == NULL || obj->type != JSON_TOKEN_OBJECT_START)
		return NULL;
	forboth(k, obj->keys, v, obj->vals)
	{
		if (strcmp((char *) lfirst(k), key) == 0)
			return (JNode *) lfirst(v);
	}
	return NULL;
}

/*
 * jn_string
 *		A string member; *ok turns false when it is absent or not a string
 *		(or not null, when nullable).
 */
static char *
jn_string(const JNode *obj, const char *key, bool nullable, bool *ok)
{
	JNode	   *n = jn_get(obj, key);

	if (n != NULL && n->type == JSON_TOKEN_STRING)
		return n->str;
	if (nullable && (n == NULL || n->type == JSON_TOKEN_NULL))
		return NULL;
	*ok = false;
	return NULL;
}

/*
 * jn_int
 *		An integral number member; *ok turns false otherwise.
 */
static int64
jn_int(const JNode *obj, const char *key, bool *ok)
{
	JNode	   *n = jn_get(obj, key);
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

/* ------------------------------------------------------------------------
 * gzip
 * ------------------------------------------------------------------------
 */

/*
 * gz_alloc / gz_free
 *		zlib allocates from a memory context, so an error (which never
 *		longjmps through zlib: zlib only calls these) loses nothing.
 */
static void *
gz_alloc(void *opaque, unsigned int items, unsigned int size)
{
	return MemoryContextAllocHuge((MemoryContext) opaque,
								  (Size) items * (Size) size);
}

/* See gz_alloc. */
static void
gz_free(void *opaque, void *address)
{
	pfree(address);
}

/*
 * gz_begin / gz_finish
 *		A gzip stream into memory: bundles are built while their payloads
 *		are read, so only the compressed bytes are ever held whole.
 */
static void
gz_begin(GzWriter *w, MemoryContext cxt)
{
	memset(w, 0, sizeof(*w));
	w->cxt = cxt;
	w->zs.zalloc = gz_alloc;
	w->zs.zfree = gz_free;
	w->zs.opaque = cxt;
	/* 15 + 16: a gzip header and trailer (mtime 0, so output is stable) */
	if (deflateInit2(&w->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
					 Z_DEFAULT_STRATEGY) != Z_OK)
		elog(ERROR, "could not start a gzip stream");
	w->cap = 64 * 1024;
	w->out = MemoryContextAllocHuge(cxt, w->cap);
}

/*
 * gz_run
 *		Compress data (or finish the stream), growing the output buffer.
 */
static void
gz_run(GzWriter *w, const char *data, size_t len, int flush)
{
	w->zs.next_in = (Bytef *) data;
	w->zs.avail_in = (uInt) len;
	for (;;)
	{
		int			rc;

		if (w->cap - w->len < 32 * 1024)
		{
			size_t		newcap = w->cap * 2;

			if (newcap > ARCHIVE_MAX_OBJECT)
				newcap = ARCHIVE_MAX_OBJECT;
			if (newcap - w->len < 32 * 1024)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("bundle would exceed %zu bytes", ARCHIVE_MAX_OBJECT),
						 errhint("A month of one data type of one account must compress to under 1 GB.")));
			w->out = repalloc_huge(w->out, newcap);
			w->cap = newcap;
		}
		w->zs.next_out = (Bytef *) (w->out + w->len);
		w->zs.avail_out = (uInt) (w->cap - w->len);
		rc = deflate(&w->zs, flush);
		w->len = (char *) w->zs.next_out - w->out;
		if (rc == Z_STREAM_END)
			break;
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			elog(ERROR, "gzip compression failed: %s", w->zs.msg ? w->zs.msg : "unknown");
		if (flush == Z_NO_FLUSH && w->zs.avail_in == 0 && w->zs.avail_out > 0)
			break;
	}
}

/* See gz_begin. */
static void
gz_finish(GzWriter *w)
{
	gz_run(w, NULL, 0, Z_FINISH);
	deflateEnd(&w->zs);
}

/*
 * gunzip_lines
 *		Inflate a gzip stream and hand each complete line (without its
 *		newline) to cb.  Anything else than exactly one stream of lines that
 *		all end in a newline is corrupt.
 */
static void
gunzip_lines(const char *key, const char *in, size_t len, LineCallback cb,
			 void *arg)
{
	z_stream	zs;
	char	   *chunk = palloc(ARCHIVE_INFLATE_CHUNK);
	StringInfoData line;
	int			rc;

	memset(&zs, 0, sizeof(zs));
	zs.zalloc = gz_alloc;
	zs.zfree = gz_free;
	zs.opaque = CurrentMemoryContext;
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		elog(ERROR, "could not start a gzip stream");
	zs.next_in = (Bytef *) in;
	zs.avail_in = (uInt) len;
	initStringInfo(&line);

	for (;;)
	{
		size_t		produced;
		char	   *p;
		char	   *end;

		CHECK_FOR_INTERRUPTS();
		zs.next_out = (Bytef *) chunk;
		zs.avail_out = ARCHIVE_INFLATE_CHUNK;
		rc = inflate(&zs, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("archived bundle \"%s\" is corrupt", key),
					 errdetail("It is not a complete gzip stream: %s.",
							   zs.msg ? zs.msg : (rc == Z_BUF_ERROR ? "unexpected end of data" : "inflate failed")),
					 errhint("Nothing was restored.")));
		produced = ARCHIVE_INFLATE_CHUNK - zs.avail_out;
		p = chunk;
		end = chunk + produced;
		while (p < end)
		{
			char	   *nl = memchr(p, '\n', end - p);

			if (nl == NULL)
			{
				appendBinaryStringInfo(&line, p, end - p);
				break;
			}
			appendBinaryStringInfo(&line, p, nl - p);
			cb(arg, line.data, line.len);
			resetStringInfo(&line);
			p = nl + 1;
		}
		if (rc == Z_STREAM_END)
			break;
		if (produced == 0 && zs.avail_in == 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("archived bundle \"%s\" is corrupt", key),
					 errdetail("Its gzip stream ends early."),
					 errhint("Nothing was restored.")));
	}
	if (zs.avail_in != 0 || line.len != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("archived bundle \"%s\" is corrupt", key),
				 errdetail("%s", zs.avail_in != 0 ?
						   "Bytes follow the end of its gzip stream." :
						   "Its last line is incomplete."),
				 errhint("Nothing was restored.")));
	inflateEnd(&zs);
	pfree(chunk);
	pfree(line.data);
}

/* ------------------------------------------------------------------------
 * Database steps
 * ------------------------------------------------------------------------
 */

/*
 * db_enter / db_leave
 *		Around every piece of database work.  In the worker each is a short
 *		transaction of its own, so that none is open during a request; in
 *		the foreground everything runs in the caller's transaction.  Either
 *		way the caller is back in run->work afterwards.
 */
static void
db_enter(ArchiveRun *run)
{
	if (run->worker)
	{
		CurrentResourceOwner = NULL;
		worker_xact_begin();
		SetConfigOption("lock_timeout", "30000", PGC_SUSET, PGC_S_SESSION);
	}
	MemoryContextSwitchTo(run->work);
}

/* See db_enter. */
static void
db_leave(ArchiveRun *run)
{
	if (run->worker)
	{
		worker_xact_commit();
		/* hashing outside a transaction needs a resource owner */
		CurrentResourceOwner = run->owner;
	}
	MemoryContextSwitchTo(run->work);
}

/*
 * spi_query, spi_cursor_open, spi_cursor_fetch
 *		SPI's calls, leaving the caller in its own memory context.  SPI
 *		switches to its procedure context after every call, which a worker
 *		loses at each commit: everything copied out of a result must land in
 *		a context of the run.
 */
static int
spi_query(const char *sql, int nargs, Oid *types, Datum *values,
		  const char *nulls, bool read_only, long count)
{
	MemoryContext old = CurrentMemoryContext;
	int			rc;

	rc = SPI_execute_with_args(sql, nargs, types, values, nulls, read_only, count);
	MemoryContextSwitchTo(old);
	return rc;
}

/* See spi_query. */
static Portal
spi_cursor_open(const char *sql, int nargs, Oid *types, Datum *values,
				const char *nulls)
{
	MemoryContext old = CurrentMemoryContext;
	Portal		portal;

	portal = SPI_cursor_open_with_args(NULL, sql, nargs, types, values, nulls,
									   false, 0);
	MemoryContextSwitchTo(old);
	return portal;
}

/* See spi_query. */
static void
spi_cursor_fetch(Portal portal, long count)
{
	MemoryContext old = CurrentMemoryContext;

	SPI_cursor_fetch(portal, true, count);
	MemoryContextSwitchTo(old);
}

/*
 * spi_exec
 *		Run a statement, insisting on its result code.
 */
static void
spi_exec(const char *sql, int nargs, Oid *types, Datum *values,
		 const char *nulls, int expected)
{
	int			rc = spi_query(sql, nargs, types, values, nulls, false, 0);

	if (rc != expected)
		elog(ERROR, "archive statement failed: %s", SPI_result_code_string(rc));
}

/*
 * archive_lock
 *		One archive or restore at a time per database.  The foreground takes
 *		it for its transaction and waits for a running archive; the worker
 *		takes it for its session and gives up if it is busy.
 */
static bool
archive_lock(bool session, bool wait)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, ARCHIVE_LOCK_CLASS, 0, 2);
	if (LockAcquire(&tag, ExclusiveLock, session, true) != LOCKACQUIRE_NOT_AVAIL)
		return true;
	if (!wait)
		return false;
	ereport(NOTICE,
			(errmsg("waiting for the archive run in progress to finish")));
	(void) LockAcquire(&tag, ExclusiveLock, session, false);
	return true;
}

/* Release the worker's session lock (see archive_lock). */
static void
archive_unlock(void)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, ARCHIVE_LOCK_CLASS, 0, 2);
	LockRelease(&tag, ExclusiveLock, true);
}

/* ------------------------------------------------------------------------
 * Which month a payload belongs to
 * ------------------------------------------------------------------------
 */

/*
 * payload_data_day
 *		The earliest local day a payload holds data for, read with the same
 *		parsers that wrote it to silver.  False when it holds none Tracker
 *		can read.
 */
static bool
payload_data_day(const char *source, const char *kind, const char *origin,
				 pg_tz *tz, const char *body, size_t len, DateADT *day)
{
	bool		have_epoch = false;
	bool		have_date = false;
	int64		min_epoch = PG_INT64_MAX;
	DateADT		min_date = DATEVAL_NOEND;
	size_t		i;

	if (strcmp(source, "google_health") == 0 && kind != NULL &&
		gh_data_type_from_name(kind) >= 0)
	{
		GhPage		page;
		GhError		err;

		memset(&page, 0, sizeof(page));
		memset(&err, 0, sizeof(err));
		if (gh_parse_page((GhDataType) gh_data_type_from_name(kind), body, len,
						  &page, &err) == GH_OK)
		{
			for (i = 0; i < page.nsamples; i++)
				min_epoch = Min(min_epoch, page.t[i]);
			for (i = 0; i < page.nsteps; i++)
				min_epoch = Min(min_epoch, page.steps[i].start);
			for (i = 0; i < page.nexercise; i++)
				min_epoch = Min(min_epoch, page.exercise[i].start);
			for (i = 0; i < page.nsleep; i++)
				min_epoch = Min(min_epoch, page.sleep[i].end);
			for (i = 0; i < page.ndaily; i++)
			{
				DateADT		d = tracker_make_date(page.daily[i].date.year,
												  page.daily[i].date.month,
												  page.daily[i].date.day);

				min_date = Min(min_date, d);
				have_date = true;
			}
			have_epoch = min_epoch != PG_INT64_MAX;
		}
		gh_page_free(&page);
	}
	else if (strcmp(source, "fitbit_file") == 0 ||
			 strcmp(source, "fitbit_json") == 0)
	{
		FitbitDoc	doc;
		FitbitError err;
		const char *base = origin ? strrchr(origin, '/') : NULL;

		memset(&doc, 0, sizeof(doc));
		memset(&err, 0, sizeof(err));
		if (fitbit_parse(body, len, base ? base + 1 : origin, &doc, &err) == FITBIT_OK)
		{
			for (i = 0; i < doc.ndays; i++)
			{
				DateADT		d = tracker_make_date(doc.days[i].date.year,
												  doc.days[i].date.month,
												  doc.days[i].date.day);

				min_date = Min(min_date, d);
				have_date = true;
			}
			if (doc.kind == FITBIT_EXPORT_HEART_RATE)
			{
				for (i = 0; i < doc.nsamples; i++)
					min_epoch = Min(min_epoch, doc.t[i]);
				have_epoch = doc.nsamples > 0;
			}
		}
		fitbit_doc_free(&doc);
	}

	if (have_epoch)
	{
		DateADT		d = tracker_local_date(tz, min_epoch);

		min_date = have_date ? Min(min_date, d) : d;
		have_date = true;
	}
	if (have_date)
		*day = min_date;
	return have_date;
}

/*
 * archive_assign_days
 *		Give every payload not yet placed its month (tracker.archive_payload),
 *		a batch per transaction.  Parsing happens once per payload.
 */
static void
archive_assign_days(ArchiveRun *run)
{
	for (;;)
	{
		int			rc;
		uint64		n;
		uint64		i;
		int32	   *accounts;
		int64	   *ids;

		CHECK_FOR_INTERRUPTS();
		db_enter(run);
		rc = spi_query("SELECT p.account_id, p.payload_id FROM bronze.payload p "
					   "WHERE NOT EXISTS (SELECT 1 FROM tracker.archive_payload x "
					   " WHERE x.account_id = p.account_id AND x.payload_id = p.payload_id) "
					   "ORDER BY p.account_id, p.payload_id "
					   "LIMIT " CppAsString2(ARCHIVE_DAY_BATCH),
					   0, NULL, NULL, NULL, false, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "could not look for payloads to archive: %s",
				 SPI_result_code_string(rc));
		n = SPI_processed;
		accounts = palloc(sizeof(int32) * Max(n, 1));
		ids = palloc(sizeof(int64) * Max(n, 1));
		for (i = 0; i < n; i++)
		{
			bool		isnull;

			accounts[i] = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i],
													  SPI_tuptable->tupdesc, 1, &isnull));
			ids[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
												 SPI_tuptable->tupdesc, 2, &isnull));
		}
		SPI_freetuptable(SPI_tuptable);

		for (i = 0; i < n; i++)
		{
			Oid			types[4] = {INT4OID, INT8OID, TEXTOID, DATEOID};
			Datum		values[4];
			HeapTuple	tup;
			TupleDesc	desc;
			bool		isnull;
			char	   *source;
			char	   *kind;
			char	   *origin;
			char	   *status;
			DateADT		arrived;
			DateADT		day;
			bytea	   *body;
			char	   *text;
			size_t		len;
			MemoryContext tmp;
			MemoryContext old;

			values[0] = Int32GetDatum(accounts[i]);
			values[1] = Int64GetDatum(ids[i]);
			rc = spi_query("SELECT p.source, p.kind, p.origin, p.status, "
									   " (p.received_at AT TIME ZONE a.time_zone)::date, "
									   " a.time_zone, p.body "
									   "FROM bronze.payload p JOIN tracker.account a "
									   " ON a.account_id = p.account_id "
									   "WHERE p.account_id = $1 AND p.payload_id = $2",
									   2, types, values, NULL, false, 1);
			if (rc != SPI_OK_SELECT)
				elog(ERROR, "could not read a payload: %s", SPI_result_code_string(rc));
			if (SPI_processed == 0)
				continue;		/* deleted meanwhile */

			tmp = AllocSetContextCreate(CurrentMemoryContext, "tracker archive payload",
										ALLOCSET_DEFAULT_SIZES);
			old = MemoryContextSwitchTo(tmp);
			tup = SPI_tuptable->vals[0];
			desc = SPI_tuptable->tupdesc;
			source = SPI_getvalue(tup, desc, 1);
			kind = SPI_getvalue(tup, desc, 2);
			origin = SPI_getvalue(tup, desc, 3);
			status = SPI_getvalue(tup, desc, 4);
			arrived = DatumGetDateADT(SPI_getbinval(tup, desc, 5, &isnull));
			day = arrived;
			if (strcmp(status, "accepted") == 0)
			{
				body = DatumGetByteaPP(SPI_getbinval(tup, desc, 7, &isnull));
				len = VARSIZE_ANY_EXHDR(body);
				text = palloc_extended(len + 1, MCXT_ALLOC_HUGE);
				memcpy(text, VARDATA_ANY(body), len);
				text[len] = '\0';
				if (!payload_data_day(source, kind, origin,
									  tracker_time_zone(SPI_getvalue(tup, desc, 6)),
									  text, len, &day))
					day = arrived;
			}
			values[2] = CStringGetTextDatum(safe_data_type(kind ? kind : source));
			values[3] = DateADTGetDatum(day);
			MemoryContextSwitchTo(old);
			SPI_freetuptable(SPI_tuptable);
			spi_exec("INSERT INTO tracker.archive_payload (account_id, payload_id, data_type, day) "
					 "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
					 4, types, values, NULL, SPI_OK_INSERT);
			MemoryContextDelete(tmp);
		}
		db_leave(run);
		if (n < ARCHIVE_DAY_BATCH)
			break;
	}
}

/* ------------------------------------------------------------------------
 * Planning a run
 * ------------------------------------------------------------------------
 */

/*
 * load_accounts
 *		Every account as manifests describe it.
 */
static List *
load_accounts(void)
{
	List	   *out = NIL;
	int			rc;
	uint64		i;

	rc = spi_query("SELECT account_id, name, provider, time_zone, birth_date::text, "
				   " username, created_at FROM tracker.account ORDER BY account_id",
				   0, NULL, NULL, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the accounts: %s", SPI_result_code_string(rc));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		ArchiveAccount *a = palloc0(sizeof(ArchiveAccount));
		bool		isnull;

		a->id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		a->name = SPI_getvalue(tup, desc, 2);
		a->provider = SPI_getvalue(tup, desc, 3);
		a->time_zone = SPI_getvalue(tup, desc, 4);
		a->birth_date = SPI_getvalue(tup, desc, 5);
		a->username = SPI_getvalue(tup, desc, 6);
		a->created_at = format_utc(DatumGetTimestampTz(SPI_getbinval(tup, desc, 7, &isnull)));
		out = lappend(out, a);
	}
	SPI_freetuptable(SPI_tuptable);
	return out;
}

/*
 * archive_plan
 *		Every account, data type and month up to the month of "through",
 *		with the fingerprint of what the database holds and what was
 *		archived from here.
 */
static List *
archive_plan(ArchiveRun *run)
{
	Oid			types[1] = {DATEOID};
	Datum		values[1];
	List	   *out = NIL;
	int			rc;
	uint64		i;

	values[0] = DateADTGetDatum(next_month(month_start(run->through)));
	rc = spi_query(
							   "SELECT x.account_id, x.data_type, date_trunc('month', x.day)::date, "
							   " count(*)::int, sum(p.byte_size)::bigint, "
							   " encode(sha256(string_agg(p.sha256, ''::bytea ORDER BY p.payload_id)), 'hex'), "
							   " b.version, encode(b.fingerprint, 'hex'), b.bundle_key, b.manifest_key, "
							   " b.bundle_size "
							   "FROM tracker.archive_payload x "
							   " JOIN bronze.payload p ON p.account_id = x.account_id "
							   "  AND p.payload_id = x.payload_id "
							   " LEFT JOIN tracker.archive_bundle b ON b.account_id = x.account_id "
							   "  AND b.data_type = x.data_type "
							   "  AND b.month = date_trunc('month', x.day)::date "
							   "WHERE x.day < $1 "
							   "GROUP BY x.account_id, x.data_type, date_trunc('month', x.day), "
							   " b.version, b.fingerprint, b.bundle_key, b.manifest_key, b.bundle_size "
							   "ORDER BY 1, 3, 2",
							   1, types, values, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not plan the archive: %s", SPI_result_code_string(rc));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		BundlePlan *b = palloc0(sizeof(BundlePlan));
		bool		isnull;
		Datum		d;
		ListCell   *lc;

		b->account_id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		b->data_type = SPI_getvalue(tup, desc, 2);
		b->month = DatumGetDateADT(SPI_getbinval(tup, desc, 3, &isnull));
		b->payloads = DatumGetInt32(SPI_getbinval(tup, desc, 4, &isnull));
		b->payload_bytes = DatumGetInt64(SPI_getbinval(tup, desc, 5, &isnull));
		b->fingerprint = SPI_getvalue(tup, desc, 6);
		d = SPI_getbinval(tup, desc, 7, &isnull);
		b->recorded_version = isnull ? 0 : DatumGetInt32(d);
		b->recorded_fingerprint = SPI_getvalue(tup, desc, 8);
		b->recorded_bundle_key = SPI_getvalue(tup, desc, 9);
		b->recorded_manifest_key = SPI_getvalue(tup, desc, 10);
		d = SPI_getbinval(tup, desc, 11, &isnull);
		b->recorded_size = isnull ? -1 : DatumGetInt64(d);
		foreach(lc, run->accounts)
		{
			ArchiveAccount *a = (ArchiveAccount *) lfirst(lc);

			if (a->id == b->account_id)
				b->account = a;
		}
		if (b->account == NULL)
			continue;			/* account deleted meanwhile */
		out = lappend(out, b);
	}
	SPI_freetuptable(SPI_tuptable);
	return out;
}

/*
 * listed_max_bundle_version
 *		The newest bundle version the bucket holds for a month, manifest or
 *		not: a run that died between a bundle and its manifest leaves one,
 *		and the next version must not write over it.
 */
static int
listed_max_bundle_version(ArchiveRun *run, const BundlePlan *b)
{
	char	   *stem = psprintf("%sbundles/account-%d/%s/%s.v", run->cfg.prefix,
								b->account_id, b->data_type, format_month(b->month));
	size_t		stemlen = strlen(stem);
	int			max = 0;
	ListCell   *lc;

	foreach(lc, run->objects)
	{
		S3Object   *o = (S3Object *) lfirst(lc);
		char	   *end;
		long		v;

		if (strncmp(o->key, stem, stemlen) != 0)
			continue;
		v = strtol(o->key + stemlen, &end, 10);
		if (end != o->key + stemlen && strcmp(end, ".ndjson.gz") == 0 &&
			v > max && v <= PG_INT32_MAX)
			max = (int) v;
	}
	return max;
}

/*
 * listed_max_version
 *		The newest manifest version the bucket holds for a bundle (0: none).
 */
static int
listed_max_version(ArchiveRun *run, const BundlePlan *b)
{
	char	   *stem = psprintf("%smanifests/account-%d/%s/%s.v", run->cfg.prefix,
								b->account_id, b->data_type, format_month(b->month));
	size_t		stemlen = strlen(stem);
	int			max = 0;
	ListCell   *lc;

	foreach(lc, run->objects)
	{
		S3Object   *o = (S3Object *) lfirst(lc);
		ManifestRef ref;

		if (strncmp(o->key, stem, stemlen) == 0 &&
			parse_manifest_key(&run->cfg, o->key, &ref) &&
			ref.version > max)
			max = ref.version;
	}
	return max;
}

/* ------------------------------------------------------------------------
 * Manifests
 * ------------------------------------------------------------------------
 */

/*
 * manifest_parse
 *		Read and check a manifest document; false with *why when it is not
 *		one Tracker can trust.
 */
static bool
manifest_parse(const char *text, size_t len, Manifest *m, char **why)
{
	JNode	   *root;
	JNode	   *acc;
	JNode	   *bundle;
	JNode	   *payloads;
	JNode	   *items;
	char	   *format;
	bool		ok = true;
	ListCell   *lc;
	int			i;

	memset(m, 0, sizeof(*m));
	root = json_parse(text, len, why);
	if (root == NULL)
		return false;
	format = jn_string(root, "format", false, &ok);
	if (!ok || strcmp(format, ARCHIVE_FORMAT) != 0)
	{
		*why = pstrdup("it is not a Tracker archive manifest");
		return false;
	}
	if (jn_int(root, "format_version", &ok) != ARCHIVE_FORMAT_VERSION || !ok)
	{
		*why = psprintf("its format version is not %d", ARCHIVE_FORMAT_VERSION);
		return false;
	}
	acc = jn_get(root, "account");
	bundle = jn_get(root, "bundle");
	payloads = jn_get(root, "payloads");
	items = jn_get(root, "items");
	m->account.id = (int32) jn_int(acc, "id", &ok);
	m->account.name = jn_string(acc, "name", false, &ok);
	m->account.provider = jn_string(acc, "provider", false, &ok);
	m->account.time_zone = jn_string(acc, "time_zone", false, &ok);
	m->account.birth_date = jn_string(acc, "birth_date", true, &ok);
	m->account.username = jn_string(acc, "username", true, &ok);
	m->account.created_at = jn_string(acc, "created_at", true, &ok);
	m->data_type = jn_string(root, "data_type", false, &ok);
	m->month = jn_string(root, "month", false, &ok);
	m->version = (int) jn_int(root, "version", &ok);
	m->bundle_key = jn_string(bundle, "key", false, &ok);
	m->bundle_size = jn_int(bundle, "size", &ok);
	m->bundle_sha256 = jn_string(bundle, "sha256", false, &ok);
	m->count = (int) jn_int(payloads, "count", &ok);
	m->bytes = jn_int(payloads, "bytes", &ok);
	m->fingerprint = jn_string(payloads, "fingerprint", false, &ok);
	if (!ok || items == NULL || items->type != JSON_TOKEN_ARRAY_START)
	{
		*why = pstrdup("a member is missing or has the wrong type");
		return false;
	}
	m->nitems = list_length(items->vals);
	m->items = palloc0(sizeof(ManifestItem) * Max(m->nitems, 1));
	i = 0;
	foreach(lc, items->vals)
	{
		JNode	   *it = (JNode *) lfirst(lc);
		ManifestItem *mi = &m->items[i++];

		mi->payload_id = jn_int(it, "payload_id", &ok);
		mi->sha256 = jn_string(it, "sha256", false, &ok);
		mi->byte_size = jn_int(it, "byte_size", &ok);
		mi->day = jn_string(it, "day", false, &ok);
		mi->status = jn_string(it, "status", false, &ok);
	}
	if (!ok)
	{
		*why = pstrdup("an item is missing a member or has one of the wrong type");
		return false;
	}
	if (m->nitems != m->count || m->bundle_size < 0 ||
		strlen(m->bundle_sha256) != 64 || strlen(m->fingerprint) != 64)
	{
		*why = pstrdup("its counts or checksums are inconsistent");
		return false;
	}
	return true;
}

/*
 * manifest_fetch
 *		Download and parse a manifest.  Returns false (with *why) when the
 *		object is missing or not a valid manifest; raises for S3 failures.
 *		*archived is set when the object sits in an archive storage class.
 */
static bool
manifest_fetch(const S3Config *cfg, const char *key, Manifest *m,
			   bool *archived, char **why)
{
	S3Result	res;

	*archived = false;
	s3_request(cfg, "GET", key, NULL, NULL, NULL, 0, 0, &res);
	if (res.http.outcome == HTTP_RESPONSE && res.http.status == 404)
	{
		*why = pstrdup("it does not exist");
		return false;
	}
	if (res.http.outcome == HTTP_RESPONSE && res.http.status == 403 &&
		res.code != NULL && strcmp(res.code, "InvalidObjectState") == 0)
	{
		*archived = true;
		*why = pstrdup("it is in an archive storage class");
		return false;
	}
	if (!s3_ok(&res))
		s3_raise(cfg, psprintf("download \"%s\"", key), &res);
	return manifest_parse(res.http.body, res.http.body_len, m, why);
}

/*
 * manifest_build
 *		The manifest of a built bundle.
 */
static char *
manifest_build(ArchiveRun *run, const BundlePlan *b, const BuiltBundle *bb,
			   const char *bkey, int version)
{
	StringInfoData buf;
	const ArchiveAccount *a = b->account;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"format\":\"%s\",\"format_version\":%d,\n",
					 ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION);
	appendStringInfo(&buf, " \"account\":{\"id\":%d,\"name\":", a->id);
	json_text(&buf, a->name);
	appendStringInfoString(&buf, ",\"provider\":");
	json_text(&buf, a->provider);
	appendStringInfoString(&buf, ",\"time_zone\":");
	json_text(&buf, a->time_zone);
	appendStringInfoString(&buf, ",\"birth_date\":");
	json_text(&buf, a->birth_date);
	appendStringInfoString(&buf, ",\"username\":");
	json_text(&buf, a->username);
	appendStringInfoString(&buf, ",\"created_at\":");
	json_text(&buf, a->created_at);
	appendStringInfoString(&buf, "},\n \"data_type\":");
	json_text(&buf, b->data_type);
	appendStringInfo(&buf, ",\"month\":\"%s\",\"version\":%d,\"created_at\":\"%s\",\n",
					 format_month(b->month), version,
					 format_utc(GetCurrentTimestamp()));
	appendStringInfoString(&buf, " \"bundle\":{\"key\":");
	json_text(&buf, bkey);
	appendStringInfo(&buf, ",\"size\":%zu,\"sha256\":\"%s\",\"md5\":\"%s\","
					 "\"content_type\":\"application/gzip\",\"format\":\"ndjson\"},\n",
					 bb->len, bb->sha256, bb->md5);
	appendStringInfo(&buf, " \"payloads\":{\"count\":%d,\"bytes\":" INT64_FORMAT
					 ",\"fingerprint\":\"%s\"},\n",
					 bb->payloads, bb->payload_bytes, bb->fingerprint);
	appendStringInfo(&buf, " \"items\":[%s\n ]}\n", bb->items.data);
	return buf.data;
}

/* ------------------------------------------------------------------------
 * Archiving one bundle
 * ------------------------------------------------------------------------
 */

/*
 * bundle_build
 *		Read a month's payloads in payload order and write them as gzip'd
 *		NDJSON, one line each: metadata and the exact bytes (as a JSON string
 *		when they are UTF-8 text, else as base64).  Also collects the items
 *		of the manifest and the fingerprint.
 */
static void
bundle_build(ArchiveRun *run, const BundlePlan *b, BuiltBundle *out)
{
	Oid			types[3] = {INT4OID, TEXTOID, DATEOID};
	Datum		values[3];
	Portal		portal;
	GzWriter	gz;
	pg_cryptohash_ctx *fp;
	MemoryContext rowcxt;
	uint8		md5[MD5_DIGEST_LENGTH];
	bool		first = true;

	memset(out, 0, sizeof(*out));
	initStringInfo(&out->items);
	gz_begin(&gz, run->bundle_cxt);
	rowcxt = AllocSetContextCreate(run->bundle_cxt, "tracker archive row",
								   ALLOCSET_DEFAULT_SIZES);

	db_enter(run);
	fp = hash_begin();
	values[0] = Int32GetDatum(b->account_id);
	values[1] = CStringGetTextDatum(b->data_type);
	values[2] = DateADTGetDatum(b->month);
	portal = spi_cursor_open("SELECT p.payload_id, x.day, p.source, p.kind, p.origin, "
							 " p.received_at, encode(p.sha256, 'hex'), p.byte_size, "
							 " p.http_status, p.status, p.reason, p.body, p.sha256 "
							 "FROM tracker.archive_payload x "
							 " JOIN bronze.payload p ON p.account_id = x.account_id "
							 "  AND p.payload_id = x.payload_id "
							 "WHERE x.account_id = $1 AND x.data_type = $2 "
							 " AND x.day >= $3 AND x.day < ($3 + interval '1 month')::date "
							 "ORDER BY p.payload_id",
							 3, types, values, NULL);
	for (;;)
	{
		SPITupleTable *tt;
		uint64		n;
		uint64		i;

		CHECK_FOR_INTERRUPTS();
		spi_cursor_fetch(portal, ARCHIVE_FETCH);
		tt = SPI_tuptable;
		n = SPI_processed;
		if (n == 0)
			break;
		for (i = 0; i < n; i++)
		{
			HeapTuple	tup = tt->vals[i];
			TupleDesc	desc = tt->tupdesc;
			MemoryContext old = MemoryContextSwitchTo(rowcxt);
			StringInfoData line;
			bool		isnull;
			int64		payload_id;
			Datum		d;
			bytea	   *body;
			bytea	   *sha;
			size_t		len;
			char	   *day;
			char	   *sha_hex;
			char	   *status;
			int64		byte_size;

			payload_id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
			day = format_day(DatumGetDateADT(SPI_getbinval(tup, desc, 2, &isnull)));
			sha_hex = SPI_getvalue(tup, desc, 7);
			byte_size = DatumGetInt32(SPI_getbinval(tup, desc, 8, &isnull));
			status = SPI_getvalue(tup, desc, 10);
			body = DatumGetByteaPP(SPI_getbinval(tup, desc, 12, &isnull));
			sha = DatumGetByteaPP(SPI_getbinval(tup, desc, 13, &isnull));
			len = VARSIZE_ANY_EXHDR(body);

			initStringInfo(&line);
			appendStringInfo(&line, "{\"payload_id\":" INT64_FORMAT ",\"day\":\"%s\",\"source\":",
							 payload_id, day);
			json_text(&line, SPI_getvalue(tup, desc, 3));
			appendStringInfoString(&line, ",\"kind\":");
			json_text(&line, SPI_getvalue(tup, desc, 4));
			appendStringInfoString(&line, ",\"origin\":");
			json_text(&line, SPI_getvalue(tup, desc, 5));
			appendStringInfo(&line, ",\"received_at\":\"%s\"",
							 format_utc(DatumGetTimestampTz(SPI_getbinval(tup, desc, 6, &isnull))));
			d = SPI_getbinval(tup, desc, 9, &isnull);
			if (isnull)
				appendStringInfoString(&line, ",\"http_status\":null");
			else
				appendStringInfo(&line, ",\"http_status\":%d", (int) DatumGetInt16(d));
			appendStringInfoString(&line, ",\"status\":");
			json_text(&line, status);
			appendStringInfoString(&line, ",\"reason\":");
			json_text(&line, SPI_getvalue(tup, desc, 11));
			appendStringInfo(&line, ",\"sha256\":\"%s\",\"byte_size\":" INT64_FORMAT,
							 sha_hex, byte_size);
			if (len < (size_t) PG_INT32_MAX &&
				pg_encoding_verifymbstr(PG_UTF8, VARDATA_ANY(body), (int) len) == (int) len)
			{
				char	   *text = palloc_extended(len + 1, MCXT_ALLOC_HUGE);

				memcpy(text, VARDATA_ANY(body), len);
				text[len] = '\0';
				appendStringInfoString(&line, ",\"body\":");
				escape_json(&line, text);
			}
			else
			{
				int			cap = pg_b64_enc_len((int) len) + 1;
				char	   *b64 = palloc_extended(cap, MCXT_ALLOC_HUGE);
				int			n64 = pg_b64_encode(VARDATA_ANY(body), (int) len, b64, cap);

				if (n64 < 0)
					elog(ERROR, "could not encode a payload in base64");
				b64[n64] = '\0';
				appendStringInfo(&line, ",\"body_base64\":\"%s\"", b64);
			}
			appendStringInfoString(&line, "}\n");
			gz_run(&gz, line.data, line.len, Z_NO_FLUSH);

			appendStringInfo(&out->items, "%s\n  {\"payload_id\":" INT64_FORMAT
							 ",\"sha256\":\"%s\",\"byte_size\":" INT64_FORMAT
							 ",\"day\":\"%s\",\"status\":\"%s\"}",
							 first ? "" : ",", payload_id, sha_hex, byte_size,
							 day, status);
			first = false;
			hash_update(fp, (const uint8 *) VARDATA_ANY(sha), VARSIZE_ANY_EXHDR(sha));
			out->payloads++;
			out->payload_bytes += byte_size;

			MemoryContextSwitchTo(old);
			MemoryContextReset(rowcxt);
		}
		SPI_freetuptable(tt);
	}
	SPI_cursor_close(portal);
	out->fingerprint = hash_final_hex(fp);
	db_leave(run);

	gz_finish(&gz);
	out->data = gz.out;
	out->len = gz.len;
	s3_sha256_hex(out->data, out->len, out->sha256);
	s3_md5(out->data, out->len, md5);
	out->md5 = s3_hex(md5, MD5_DIGEST_LENGTH);
	MemoryContextDelete(rowcxt);
}

/*
 * verify_object
 *		Check an uploaded object: HEAD says it exists with the MD5 as ETag,
 *		a listing of its key gives its size.  Stores that do not use the MD5
 *		as ETag (encryption with KMS, say) get a full read-back instead.
 */
static void
verify_object(ArchiveRun *run, const char *key, const char *data, size_t len,
			  const char *sha256, const char *md5)
{
	char	   *etag = NULL;
	List	   *listed;
	S3Object   *o;

	if (!s3_head_etag(&run->cfg, key, &etag))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("uploaded object \"%s\" is missing from %s", key,
						s3_location(&run->cfg)),
				 errdetail("A HEAD request right after the upload answered HTTP 404."),
				 errhint("The archive is retried on the next run.")));
	listed = s3_list(&run->cfg, key);
	o = s3_find(listed, key);
	if (o == NULL || o->size != (int64) len)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("uploaded object \"%s\" has the wrong size", key),
				 errdetail("%zu bytes were uploaded; the bucket lists %s.", len,
						   o ? psprintf(INT64_FORMAT " bytes", o->size) : "no such object"),
				 errhint("The archive is retried on the next run.")));
	if (etag == NULL || strcmp(etag, md5) != 0)
	{
		S3Result	res;
		char		got[65];

		s3_request(&run->cfg, "GET", key, NULL, NULL, NULL, 0, len + 1, &res);
		if (!s3_ok(&res))
			s3_raise(&run->cfg, psprintf("read back \"%s\"", key), &res);
		s3_sha256_hex(res.http.body, res.http.body_len, got);
		if (res.http.body_len != len || strcmp(got, sha256) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("uploaded object \"%s\" does not read back as written", key),
					 errdetail("Its SHA-256 reads %s, %s was uploaded.", got, sha256),
					 errhint("The archive is retried on the next run.")));
	}
}

/*
 * bundle_record
 *		Remember an archived (or adopted) bundle and count it in the run.
 */
static void
bundle_record(ArchiveRun *run, const BundlePlan *b, int version,
			  const char *fingerprint, int payloads, int64 payload_bytes,
			  const char *bkey, int64 bsize, const char *bsha,
			  const char *mkey, bool uploaded)
{
	Oid			types[12] = {INT4OID, TEXTOID, DATEOID, INT4OID, INT4OID, INT8OID,
	TEXTOID, TEXTOID, INT8OID, TEXTOID, TEXTOID, INT8OID};
	Datum		values[12];
	char		nulls[12];
	Oid			rtypes[3] = {INT8OID, BOOLOID, INT8OID};
	Datum		rvalues[3];

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int32GetDatum(b->account_id);
	values[1] = CStringGetTextDatum(b->data_type);
	values[2] = DateADTGetDatum(b->month);
	values[3] = Int32GetDatum(version);
	values[4] = Int32GetDatum(payloads);
	values[5] = Int64GetDatum(payload_bytes);
	values[6] = CStringGetTextDatum(fingerprint);
	values[7] = CStringGetTextDatum(bkey);
	values[8] = Int64GetDatum(bsize);
	values[9] = CStringGetTextDatum(bsha);
	values[10] = CStringGetTextDatum(mkey);
	values[11] = Int64GetDatum(run->run_id);
	if (run->run_id == 0)
		nulls[11] = 'n';

	db_enter(run);
	spi_exec("INSERT INTO tracker.archive_bundle AS b (account_id, data_type, month, version, "
			 " payloads, payload_bytes, fingerprint, bundle_key, bundle_size, bundle_sha256, "
			 " manifest_key, archived_at, verified_at, run_id) "
			 "VALUES ($1, $2, $3, $4, $5, $6, decode($7, 'hex'), $8, $9, decode($10, 'hex'), "
			 " $11, now(), now(), $12) "
			 "ON CONFLICT (account_id, data_type, month) DO UPDATE SET "
			 " version = excluded.version, payloads = excluded.payloads, "
			 " payload_bytes = excluded.payload_bytes, fingerprint = excluded.fingerprint, "
			 " bundle_key = excluded.bundle_key, bundle_size = excluded.bundle_size, "
			 " bundle_sha256 = excluded.bundle_sha256, manifest_key = excluded.manifest_key, "
			 " archived_at = CASE WHEN b.version = excluded.version THEN b.archived_at "
			 "  ELSE excluded.archived_at END, "
			 " verified_at = excluded.verified_at, run_id = excluded.run_id",
			 12, types, values, nulls, SPI_OK_INSERT);
	if (run->run_id != 0)
	{
		rvalues[0] = Int64GetDatum(run->run_id);
		rvalues[1] = BoolGetDatum(uploaded);
		rvalues[2] = Int64GetDatum(uploaded ? bsize : 0);
		spi_exec("UPDATE tracker.archive_run SET bundles_done = bundles_done + 1, "
				 " uploaded = uploaded + CASE WHEN $2 THEN 1 ELSE 0 END, "
				 " unchanged = unchanged + CASE WHEN $2 THEN 0 ELSE 1 END, "
				 " bytes_uploaded = bytes_uploaded + $3 "
				 "WHERE run_id = $1",
				 3, rtypes, rvalues, NULL, SPI_OK_UPDATE);
	}
	db_leave(run);
}

/*
 * count_unchanged
 *		A bundle left as it was still counts as done in the run.
 */
static void
count_unchanged(ArchiveRun *run)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1];

	if (run->run_id == 0)
		return;
	values[0] = Int64GetDatum(run->run_id);
	db_enter(run);
	spi_exec("UPDATE tracker.archive_run SET bundles_done = bundles_done + 1, "
			 " unchanged = unchanged + 1 WHERE run_id = $1",
			 1, types, values, NULL, SPI_OK_UPDATE);
	db_leave(run);
}

/*
 * put_result
 *		One row of tracker.archive()'s result.
 */
static void
put_result(ArchiveRun *run, const BundlePlan *b, int version, int payloads,
		   int64 bytes, const char *status, const char *key)
{
	Datum		values[8];
	bool		nulls[8] = {false, false, false, false, false, false, false, false};

	if (run->rsinfo == NULL)
		return;
	values[0] = Int32GetDatum(b->account_id);
	values[1] = CStringGetTextDatum(b->data_type);
	values[2] = DateADTGetDatum(b->month);
	values[3] = Int32GetDatum(version);
	values[4] = Int32GetDatum(payloads);
	values[5] = Int64GetDatum(bytes);
	values[6] = CStringGetTextDatum(status);
	values[7] = CStringGetTextDatum(key);
	tuplestore_putvalues(run->rsinfo->setResult, run->rsinfo->setDesc,
						 values, nulls);
}

/*
 * archive_one
 *		Bring one bundle up to date: nothing when the bucket already holds
 *		this fingerprint, adopt the newest manifest when it matches, else
 *		upload a new version, verify it, then its manifest.
 */
static void
archive_one(ArchiveRun *run, BundlePlan *b)
{
	int			listed = listed_max_version(run, b);
	int			version;
	BuiltBundle bb;
	char	   *bkey;
	char	   *mkey;
	char	   *manifest;
	uint8		md5[MD5_DIGEST_LENGTH];
	char		msha[65];

	/* Archived from here, unchanged, and still in the bucket. */
	if (b->recorded_version > 0 && b->recorded_version >= listed &&
		strcmp(b->recorded_fingerprint, b->fingerprint) == 0)
	{
		S3Object   *o = s3_find(run->objects, b->recorded_bundle_key);

		if (o != NULL && o->size == b->recorded_size &&
			s3_find(run->objects, b->recorded_manifest_key) != NULL)
		{
			count_unchanged(run);
			put_result(run, b, b->recorded_version, b->payloads, b->recorded_size,
					   "unchanged", b->recorded_bundle_key);
			return;
		}
	}

	/* The bucket knows a version this database does not: adopt it if equal. */
	if (listed > 0 && listed != b->recorded_version)
	{
		Manifest	m;
		bool		archived;
		char	   *why = NULL;
		char	   *key = manifest_key(&run->cfg, b->account_id, b->data_type,
									   b->month, listed);

		if (manifest_fetch(&run->cfg, key, &m, &archived, &why))
		{
			S3Object   *o = s3_find(run->objects, m.bundle_key);

			if (strcmp(m.fingerprint, b->fingerprint) == 0 && o != NULL &&
				o->size == m.bundle_size && m.version == listed)
			{
				bundle_record(run, b, listed, m.fingerprint, m.count, m.bytes,
							  m.bundle_key, m.bundle_size, m.bundle_sha256, key,
							  false);
				put_result(run, b, listed, m.count, m.bundle_size, "adopted",
						   m.bundle_key);
				return;
			}
		}
		else
			ereport(WARNING,
					(errmsg("ignoring archived manifest \"%s\": %s", key, why),
					 errdetail("A new version of the bundle is uploaded instead.")));
	}

	/* Upload a new version: the bundle, then the manifest naming it. */
	version = Max(Max(b->recorded_version, listed),
				  listed_max_bundle_version(run, b)) + 1;
	bkey = bundle_key(&run->cfg, b->account_id, b->data_type, b->month, version);
	mkey = manifest_key(&run->cfg, b->account_id, b->data_type, b->month, version);

	bundle_build(run, b, &bb);
	if (bb.payloads == 0)
		return;					/* deleted since the plan */

	if (run->worker)
		pgstat_report_activity(STATE_RUNNING,
							   psprintf("tracker: archiving account %d %s %s",
										b->account_id, b->data_type,
										format_month(b->month)));
	s3_put_object(&run->cfg, bkey, bb.data, bb.len, "application/gzip",
				  bb.sha256, bb.md5);
	verify_object(run, bkey, bb.data, bb.len, bb.sha256, bb.md5);

	manifest = manifest_build(run, b, &bb, bkey, version);
	s3_sha256_hex(manifest, strlen(manifest), msha);
	s3_md5(manifest, strlen(manifest), md5);
	s3_put_object(&run->cfg, mkey, manifest, strlen(manifest),
				  "application/json", msha, s3_hex(md5, MD5_DIGEST_LENGTH));
	verify_object(run, mkey, manifest, strlen(manifest), msha,
				  s3_hex(md5, MD5_DIGEST_LENGTH));

	bundle_record(run, b, version, bb.fingerprint, bb.payloads, bb.payload_bytes,
				  bkey, (int64) bb.len, bb.sha256, mkey, true);
	put_result(run, b, version, bb.payloads, (int64) bb.len, "uploaded", bkey);
}

/*
 * archive_execute
 *		One archive run: place new payloads in their months, plan, look at
 *		the bucket once, and bring every bundle up to date.
 */
static void
archive_execute(ArchiveRun *run)
{
	ListCell   *lc;

	db_enter(run);
	s3_config_load(&run->cfg, false);
	db_leave(run);

	if (run->worker)
		pgstat_report_activity(STATE_RUNNING, "tracker: archive: reading new payloads");
	archive_assign_days(run);

	db_enter(run);
	run->accounts = load_accounts();
	run->plans = archive_plan(run);
	if (run->run_id != 0)
	{
		Oid			types[2] = {INT8OID, INT4OID};
		Datum		values[2];

		values[0] = Int64GetDatum(run->run_id);
		values[1] = Int32GetDatum(list_length(run->plans));
		spi_exec("UPDATE tracker.archive_run SET bundles_total = $2 WHERE run_id = $1",
				 2, types, values, NULL, SPI_OK_UPDATE);
	}
	db_leave(run);

	if (run->worker)
		pgstat_report_activity(STATE_RUNNING, "tracker: archive: listing the bucket");
	run->objects = s3_list(&run->cfg, run->cfg.prefix);

	foreach(lc, run->plans)
	{
		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(run->bundle_cxt);
		run->work = run->bundle_cxt;
		MemoryContextSwitchTo(run->work);
		archive_one(run, (BundlePlan *) lfirst(lc));
		run->work = run->cxt;
		MemoryContextSwitchTo(run->work);
	}
}

/*
 * run_setup
 *		Memory for a run.
 */
static void
run_setup(ArchiveRun *run, MemoryContext parent, bool worker)
{
	memset(run, 0, sizeof(*run));
	run->worker = worker;
	run->cxt = AllocSetContextCreate(parent, "tracker archive run",
									 ALLOCSET_DEFAULT_SIZES);
	run->bundle_cxt = AllocSetContextCreate(run->cxt, "tracker archive bundle",
											ALLOCSET_DEFAULT_SIZES);
	run->work = run->cxt;
}

PG_FUNCTION_INFO_V1(tracker_archive);

/*
 * tracker_archive
 *		tracker.archive(through): archive every month up to the month of
 *		"through" now, in the caller's transaction, one row per bundle.  A
 *		failed call is still recorded in tracker.archive_run (autonomously,
 *		since the caller's transaction is lost), so the failure shows in the
 *		pipeline.
 */
Datum
tracker_archive(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ArchiveRun	run;
	MemoryContext callcxt;
	ResourceOwner oldowner;
	DateADT		through;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("through must not be null")));
	through = PG_GETARG_DATEADT(0);
	if (DATE_NOT_FINITE(through))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("through must be a finite date")));

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	callcxt = CurrentMemoryContext;
	run_setup(&run, callcxt, false);
	run.through = through;
	run.rsinfo = rsinfo;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(run.cxt);
	s3_config_load(&run.cfg, false);
	archive_lock(false, true);

	oldowner = CurrentResourceOwner;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(run.cxt);
	PG_TRY();
	{
		Oid			types[1] = {DATEOID};
		Datum		values[1];
		int			rc;
		bool		isnull;

		values[0] = DateADTGetDatum(through);
		rc = spi_query("INSERT INTO tracker.archive_run (trigger, through, state, "
								   " started_at, worker_pid) "
								   "VALUES ('manual', $1, 'running', now(), pg_backend_pid()) "
								   "RETURNING run_id",
								   1, types, values, NULL, false, 1);
		if (rc != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "could not record the archive run");
		run.run_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
												 SPI_tuptable->tupdesc, 1, &isnull));
		archive_execute(&run);
		{
			Oid			t[1] = {INT8OID};
			Datum		v[1];

			v[0] = Int64GetDatum(run.run_id);
			spi_exec("UPDATE tracker.archive_run SET state = 'done', "
					 " finished_at = clock_timestamp(), worker_pid = NULL WHERE run_id = $1",
					 1, t, v, NULL, SPI_OK_UPDATE);
		}
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(run.cxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		char	   *error;
		char		date[16];
		AutonomousArg args[2];

		MemoryContextSwitchTo(run.cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(run.cxt);
		CurrentResourceOwner = oldowner;

		if (edata->sqlerrcode != ERRCODE_QUERY_CANCELED &&
			edata->sqlerrcode != ERRCODE_ADMIN_SHUTDOWN &&
			edata->elevel == ERROR)
		{
			snprintf(date, sizeof(date), "%s", format_day(through));
			args[0] = autonomous_text(date);
			args[1] = autonomous_text(edata->message);
			if (!autonomous_execute("INSERT INTO tracker.archive_run (trigger, through, state, "
									" started_at, finished_at, last_error) "
									"VALUES ('manual', $1::date, 'failed', now(), clock_timestamp(), $2)",
									2, args, &error))
				ereport(WARNING,
						(errmsg("could not record the failed archive run: %s", error)));
		}
		ReThrowError(edata);
	}
	PG_END_TRY();

	SPI_finish();
	MemoryContextSwitchTo(callcxt);
	return (Datum) 0;
}

/* ------------------------------------------------------------------------
 * Restore
 * ------------------------------------------------------------------------
 */

/*
 * restore_account
 *		The account a manifest describes: the one in the database with the
 *		same id and name, or a new one with that id, name, provider, time
 *		zone, birth date and user name (and no credentials).
 */
static bool
restore_account(const ArchiveAccount *a)
{
	Oid			types[7] = {INT4OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[7];
	char		nulls[7];
	int			rc;

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int32GetDatum(a->id);
	values[1] = CStringGetTextDatum(a->name);
	rc = spi_query("SELECT account_id, name FROM tracker.account "
							   "WHERE account_id = $1 OR name = $2",
							   2, types, values, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the accounts: %s", SPI_result_code_string(rc));
	if (SPI_processed > 0)
	{
		uint64		i;

		for (i = 0; i < SPI_processed; i++)
		{
			bool		isnull;
			int32		id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i],
														 SPI_tuptable->tupdesc, 1, &isnull));
			char	   *name = SPI_getvalue(SPI_tuptable->vals[i],
											SPI_tuptable->tupdesc, 2);

			if (id != a->id || strcmp(name, a->name) != 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNIQUE_VIOLATION),
						 errmsg("archived account %d \"%s\" conflicts with account %d \"%s\" of this database",
								a->id, a->name, id, name),
						 errdetail("Restore keeps account ids and names as they were archived."),
						 errhint("Restore into a database without that account, or pick accounts with the account argument.")));
		}
		SPI_freetuptable(SPI_tuptable);
		return false;
	}
	SPI_freetuptable(SPI_tuptable);

	values[2] = CStringGetTextDatum(a->provider);
	values[3] = CStringGetTextDatum(a->time_zone);
	if (a->birth_date)
		values[4] = CStringGetTextDatum(a->birth_date);
	else
		nulls[4] = 'n';
	if (a->username)
		values[5] = CStringGetTextDatum(a->username);
	else
		nulls[5] = 'n';
	if (a->created_at)
		values[6] = CStringGetTextDatum(a->created_at);
	else
		nulls[6] = 'n';
	rc = spi_query("SELECT 1 FROM tracker.provider WHERE provider = $1",
							   1, types + 2, values + 2, nulls + 2, false, 1);
	if (rc != SPI_OK_SELECT || SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("archived account %d uses provider \"%s\", which this database does not know",
						a->id, a->provider),
				 errhint("Install the version of Tracker that wrote the archive.")));
	spi_exec("INSERT INTO tracker.account (account_id, name, provider, time_zone, "
			 " birth_date, username, created_at) "
			 "VALUES ($1, $2, $3, $4, $5::date, $6, coalesce($7::timestamptz, now()))",
			 7, types, values, nulls, SPI_OK_INSERT);
	spi_exec("SELECT setval(pg_get_serial_sequence('tracker.account', 'account_id'), "
			 " (SELECT max(account_id) FROM tracker.account))",
			 0, NULL, NULL, NULL, SPI_OK_SELECT);
	ereport(NOTICE,
			(errmsg("account %d \"%s\" was recreated from the archive", a->id, a->name),
			 provider_get(a->provider) != NULL ?
			 errhint("It has no credentials: reconnect it with tracker.connect() or tracker.set_refresh_token().") : 0));
	return true;
}

/*
 * restore_payload
 *		Put one archived payload back in bronze unless this account already
 *		holds it (same SHA-256).  The payload keeps its id when that id is
 *		free, so restored rows equal the archived ones.  Returns the id
 *		written, or 0 when it was already held.
 */
static int64
restore_payload(int32 account_id, int64 payload_id, const char *source,
				const char *kind, const char *origin, const char *received_at,
				int64 http_status, bool has_status, const char *status,
				const char *reason, const uint8 *sha, const char *body, size_t len)
{
	Oid			types[12] = {INT4OID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
	BYTEAOID, INT4OID, INT2OID, TEXTOID, TEXTOID, BYTEAOID};
	Datum		values[12];
	char		nulls[12];
	bytea	   *b;
	bool		isnull;
	bool		id_free;
	int			rc;

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int32GetDatum(account_id);
	values[1] = Int64GetDatum(payload_id);
	b = palloc(VARHDRSZ + SHA256_LEN);
	SET_VARSIZE(b, VARHDRSZ + SHA256_LEN);
	memcpy(VARDATA(b), sha, SHA256_LEN);
	values[6] = PointerGetDatum(b);

	{
		Oid			ltypes[3] = {INT4OID, INT8OID, BYTEAOID};
		Datum		lvalues[3];

		lvalues[0] = values[0];
		lvalues[1] = values[1];
		lvalues[2] = values[6];
		rc = spi_query("SELECT (SELECT count(*) FROM bronze.payload "
								   "         WHERE account_id = $1 AND sha256 = $3), "
								   "       (SELECT count(*) FROM bronze.payload "
								   "         WHERE account_id = $1 AND payload_id = $2)",
								   3, ltypes, lvalues, NULL, false, 1);
	}
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not look up a payload: %s", SPI_result_code_string(rc));
	if (DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) > 0)
		return 0;
	id_free = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull)) == 0;
	SPI_freetuptable(SPI_tuptable);

	values[2] = CStringGetTextDatum(source);
	if (kind)
		values[3] = CStringGetTextDatum(kind);
	else
		nulls[3] = 'n';
	if (origin)
		values[4] = CStringGetTextDatum(origin);
	else
		nulls[4] = 'n';
	values[5] = CStringGetTextDatum(received_at);
	values[7] = Int32GetDatum((int32) len);
	if (has_status)
		values[8] = Int16GetDatum((int16) http_status);
	else
		nulls[8] = 'n';
	values[9] = CStringGetTextDatum(status);
	if (reason)
		values[10] = CStringGetTextDatum(reason);
	else
		nulls[10] = 'n';
	b = palloc_extended(VARHDRSZ + len, MCXT_ALLOC_HUGE);
	SET_VARSIZE(b, VARHDRSZ + len);
	memcpy(VARDATA(b), body, len);
	values[11] = PointerGetDatum(b);

	rc = spi_query(id_free ?
							   "INSERT INTO bronze.payload (account_id, payload_id, source, kind, "
							   " origin, received_at, sha256, byte_size, http_status, status, "
							   " reason, body) OVERRIDING SYSTEM VALUE "
							   "VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7, $8, $9, $10, "
							   " $11, $12) RETURNING payload_id" :
							   "INSERT INTO bronze.payload (account_id, source, kind, "
							   " origin, received_at, sha256, byte_size, http_status, status, "
							   " reason, body) "
							   "VALUES ($1, $3, $4, $5, $6::timestamptz, $7, $8, $9, $10, "
							   " $11, $12) RETURNING payload_id",
							   12, types, values, nulls, false, 1);
	if (rc != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
		elog(ERROR, "could not restore a payload: %s", SPI_result_code_string(rc));
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

static void bundle_corrupt(const char *key, const char *detail) pg_attribute_noreturn();

/*
 * bundle_corrupt
 *		The error of a bundle that does not match its manifest: always the
 *		same SQLSTATE and wording, so scripts and people recognize it.
 */
static void
bundle_corrupt(const char *key, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("archived bundle \"%s\" is corrupt", key),
			 errdetail("%s", detail),
			 errhint("Nothing was restored.")));
	pg_unreachable();
}

/*
 * restore_line
 *		One line of a bundle: check it against the manifest and its own
 *		checksum, then put the payload back in bronze.
 */
static void
restore_line(void *arg, char *line, size_t len)
{
	RestoreBundle *rb = (RestoreBundle *) arg;
	const Manifest *m = rb->m;
	const ManifestItem *item;
	MemoryContext tmp;
	MemoryContext old;
	JNode	   *obj;
	char	   *why = NULL;
	bool		ok = true;
	int64		payload_id;
	char	   *day;
	char	   *source;
	char	   *kind;
	char	   *origin;
	char	   *received_at;
	JNode	   *http_status;
	char	   *status;
	char	   *reason;
	char	   *sha_hex;
	int64		byte_size;
	char	   *body;
	char	   *body64;
	size_t		body_len;
	uint8		sha[SHA256_LEN];
	char		got[65];
	int64		written;
	Oid			types[4] = {INT4OID, INT8OID, TEXTOID, DATEOID};
	Datum		values[4];

	CHECK_FOR_INTERRUPTS();
	if (rb->lines >= m->nitems)
		bundle_corrupt(rb->key, psprintf("It holds more payloads than the %d its manifest names.",
										 m->nitems));
	item = &m->items[rb->lines];

	tmp = AllocSetContextCreate(CurrentMemoryContext, "tracker restore line",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(tmp);
	obj = json_parse(line, len, &why);
	if (obj == NULL)
		bundle_corrupt(rb->key, psprintf("Line %d is not JSON: %s.", rb->lines + 1, why));
	payload_id = jn_int(obj, "payload_id", &ok);
	day = jn_string(obj, "day", false, &ok);
	source = jn_string(obj, "source", false, &ok);
	kind = jn_string(obj, "kind", true, &ok);
	origin = jn_string(obj, "origin", true, &ok);
	received_at = jn_string(obj, "received_at", false, &ok);
	http_status = jn_get(obj, "http_status");
	status = jn_string(obj, "status", false, &ok);
	reason = jn_string(obj, "reason", true, &ok);
	sha_hex = jn_string(obj, "sha256", false, &ok);
	byte_size = jn_int(obj, "byte_size", &ok);
	body = jn_string(obj, "body", true, &ok);
	body64 = jn_string(obj, "body_base64", true, &ok);
	if (!ok || (body == NULL) == (body64 == NULL) ||
		(http_status != NULL && http_status->type != JSON_TOKEN_NUMBER &&
		 http_status->type != JSON_TOKEN_NULL) ||
		(strcmp(status, "accepted") != 0 && strcmp(status, "rejected") != 0) ||
		!sha_hex_decode(sha_hex, sha, SHA256_LEN))
		bundle_corrupt(rb->key, psprintf("Line %d is not a payload record.", rb->lines + 1));

	if (body != NULL)
		body_len = strlen(body);
	else
	{
		int			cap = pg_b64_dec_len((int) strlen(body64)) + 1;
		int			n;

		body = palloc_extended(cap, MCXT_ALLOC_HUGE);
		n = pg_b64_decode(body64, (int) strlen(body64), body, cap);
		if (n < 0)
			bundle_corrupt(rb->key, psprintf("Line %d holds invalid base64.", rb->lines + 1));
		body_len = (size_t) n;
	}

	s3_sha256_hex(body, body_len, got);
	if (strcmp(got, sha_hex) != 0 || (int64) body_len != byte_size)
		bundle_corrupt(rb->key,
					   psprintf("Payload " INT64_FORMAT " fails its checksum: its SHA-256 is %s, it was archived as %s (%zu bytes, " INT64_FORMAT " archived).",
								payload_id, got, sha_hex, body_len, byte_size));
	if (payload_id != item->payload_id || strcmp(sha_hex, item->sha256) != 0 ||
		byte_size != item->byte_size)
		bundle_corrupt(rb->key,
					   psprintf("Line %d holds payload " INT64_FORMAT " (%s) where the manifest names payload " INT64_FORMAT " (%s).",
								rb->lines + 1, payload_id, sha_hex,
								item->payload_id, item->sha256));
	hash_update(rb->fp, sha, SHA256_LEN);

	written = restore_payload(rb->ra->acc.account_id, payload_id, source, kind,
							  origin, received_at,
							  http_status && http_status->type == JSON_TOKEN_NUMBER ?
							  strtoll(http_status->str, NULL, 10) : 0,
							  http_status && http_status->type == JSON_TOKEN_NUMBER,
							  status, reason, sha, body, body_len);
	if (written > 0)
	{
		rb->restored++;
		if (strcmp(status, "accepted") == 0)
		{
			RestoreAccount *ra = rb->ra;

			if (ra->ninserted == ra->cap)
			{
				ra->cap = ra->cap ? ra->cap * 2 : 64;
				ra->inserted = ra->inserted ?
					repalloc_huge(ra->inserted, sizeof(int64) * ra->cap) :
					MemoryContextAllocHuge(ra->cxt, sizeof(int64) * ra->cap);
			}
			ra->inserted[ra->ninserted++] = written;
		}
		values[0] = Int32GetDatum(rb->ra->acc.account_id);
		values[1] = Int64GetDatum(written);
		values[2] = CStringGetTextDatum(m->data_type);
		values[3] = DirectFunctionCall1(date_in, CStringGetDatum(day));
		spi_exec("INSERT INTO tracker.archive_payload (account_id, payload_id, data_type, day) "
				 "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
				 4, types, values, NULL, SPI_OK_INSERT);
	}
	rb->lines++;
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
}

/*
 * replay_fitbit
 *		Write a Fitbit document to silver as tracker.import_fitbit_* does
 *		(fitbit_doc_store), releasing the parsed document (malloc'd by the
 *		parser) whatever happens.  Gold is recomputed by the caller once
 *		every payload is in.
 */
static void
replay_fitbit(const TrackerAccount *acc, FitbitDoc *doc, int64 payload_id,
			  const char *source, DaySet *touched)
{
	PG_TRY();
	{
		(void) fitbit_doc_store(acc, doc, payload_id, source, touched);
	}
	PG_CATCH();
	{
		fitbit_doc_free(doc);
		PG_RE_THROW();
	}
	PG_END_TRY();
	fitbit_doc_free(doc);
}

/*
 * replay_window
 *		Write one parsed page through its provider's write_window, releasing
 *		what the parser allocated whatever happens.
 */
static void
replay_window(const Provider *p, const TrackerAccount *acc,
			  const ProviderWindow *w, ProviderFetched *f, ProviderPage *page,
			  DaySet *touched)
{
	PG_TRY();
	{
		p->write_window(acc, w, f, touched);
	}
	PG_CATCH();
	{
		p->free_page(page);
		PG_RE_THROW();
	}
	PG_END_TRY();
	p->free_page(page);
}

/*
 * replay_payload
 *		Write one accepted payload to silver through the code that wrote it
 *		in the first place: the provider's write_window for synced pages, the
 *		import path for Fitbit files.  False (with *why) when no parser
 *		accepts it any more; the payload stays in bronze.
 */
static bool
replay_payload(const TrackerAccount *acc, int64 payload_id, const char *source,
			   const char *kind, const char *origin, const char *body,
			   size_t len, DaySet *touched, char **why)
{
	const Provider *p = provider_get(source);

	if (p != NULL && strcmp(p->name, "google_health") == 0)
	{
		int			dt = kind ? provider_data_type(p, kind) : -1;
		int			ghtype = kind ? gh_data_type_from_name(kind) : -1;
		GhPage	   *gp;
		GhError		err;
		ProviderWindow w;
		ProviderFetched f;
		ProviderPage page;
		FetchLogEntry log;

		if (dt < 0 || ghtype < 0)
		{
			*why = psprintf("unknown data type \"%s\"", kind ? kind : "");
			return false;
		}
		gp = palloc0(sizeof(GhPage));
		memset(&err, 0, sizeof(err));
		if (gh_parse_page((GhDataType) ghtype, body, len, gp, &err) != GH_OK)
		{
			*why = psprintf("%s at %s", err.message, err.path[0] ? err.path : "$");
			gh_page_free(gp);
			return false;
		}
		memset(&w, 0, sizeof(w));
		w.data_type = dt;
		memset(&log, 0, sizeof(log));
		log.payload_id = payload_id;
		memset(&page, 0, sizeof(page));
		page.url = (char *) origin;
		page.body = (char *) body;
		page.len = len;
		page.parsed = gp;
		page.log = &log;
		memset(&f, 0, sizeof(f));
		f.verdict = FETCH_OK;
		f.pages = list_make1(&page);
		replay_window(p, acc, &w, &f, &page, touched);
		return true;
	}
	if (strcmp(source, "fitbit_file") == 0 || strcmp(source, "fitbit_json") == 0)
	{
		FitbitDoc	doc;
		FitbitError err;
		const char *base = origin ? strrchr(origin, '/') : NULL;

		memset(&doc, 0, sizeof(doc));
		memset(&err, 0, sizeof(err));
		if (fitbit_parse(body, len, base ? base + 1 : origin, &doc, &err) != FITBIT_OK)
		{
			*why = psprintf("%s at %s", err.message, err.path[0] ? err.path : "$");
			fitbit_doc_free(&doc);
			return false;
		}
		replay_fitbit(acc, &doc, payload_id, source, touched);
		return true;
	}
	*why = psprintf("no parser for source \"%s\"", source);
	return false;
}

/*
 * replay_account
 *		Replay the restored payloads of an account, in payload order, into
 *		silver, then recompute gold for every day they touched.  When a
 *		restored payload is older than payloads the database already held
 *		(months thawed after more recent ones were restored), those later
 *		payloads are replayed again after it, so that whatever came later
 *		still wins, as it did originally.
 */
static void
replay_account(RestoreAccount *ra)
{
	Oid			types[2] = {INT4OID, INT8OID};
	Datum		values[2];
	Portal		portal;
	DaySet		touched = {0};
	MemoryContext rowcxt;
	int64		min_id = PG_INT64_MAX;
	int			replayed = 0;
	int			skipped = 0;
	char	   *first_skipped = NULL;
	int			i;

	if (ra->ninserted == 0)
		return;
	for (i = 0; i < ra->ninserted; i++)
		min_id = Min(min_id, ra->inserted[i]);
	touched.cap = 64;
	touched.days = MemoryContextAlloc(ra->cxt, sizeof(DateADT) * touched.cap);
	values[0] = Int32GetDatum(ra->acc.account_id);
	values[1] = Int64GetDatum(min_id);
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "tracker replay",
								   ALLOCSET_DEFAULT_SIZES);
	portal = spi_cursor_open("SELECT payload_id, source, kind, origin, body "
							 "FROM bronze.payload "
							 "WHERE account_id = $1 AND status = 'accepted' "
							 " AND payload_id >= $2 "
							 "ORDER BY payload_id",
							 2, types, values, NULL);
	for (;;)
	{
		SPITupleTable *tt;
		uint64		n;
		uint64		r;

		CHECK_FOR_INTERRUPTS();
		spi_cursor_fetch(portal, ARCHIVE_FETCH);
		tt = SPI_tuptable;
		n = SPI_processed;
		if (n == 0)
			break;
		for (r = 0; r < n; r++)
		{
			HeapTuple	tup = tt->vals[r];
			TupleDesc	desc = tt->tupdesc;
			MemoryContext old = MemoryContextSwitchTo(rowcxt);
			bool		isnull;
			int64		payload_id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
			char	   *source = SPI_getvalue(tup, desc, 2);
			char	   *kind = SPI_getvalue(tup, desc, 3);
			char	   *origin = SPI_getvalue(tup, desc, 4);
			bytea	   *b = DatumGetByteaPP(SPI_getbinval(tup, desc, 5, &isnull));
			size_t		len = VARSIZE_ANY_EXHDR(b);
			char	   *body = palloc_extended(len + 1, MCXT_ALLOC_HUGE);
			char	   *why = NULL;

			memcpy(body, VARDATA_ANY(b), len);
			body[len] = '\0';

			/*
			 * Each payload is written under an SPI connection of its own, so
			 * that what the write path allocates goes away with it; the days
			 * it touched live in ra->cxt.
			 */
			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "SPI_connect failed");
			if (replay_payload(&ra->acc, payload_id, source, kind, origin, body,
							   len, &touched, &why))
				replayed++;
			else if (skipped++ == 0)
				first_skipped = MemoryContextStrdup(ra->cxt,
													psprintf("payload " INT64_FORMAT ": %s",
															 payload_id, why));
			SPI_finish();
			MemoryContextSwitchTo(old);
			MemoryContextReset(rowcxt);
		}
		SPI_freetuptable(tt);
	}
	SPI_cursor_close(portal);
	MemoryContextDelete(rowcxt);
	figures_recompute_days(&ra->acc, &touched);
	if (skipped > 0)
		ereport(WARNING,
				(errmsg("%d payload%s of account %d %s restored to bronze but not written to silver",
						skipped, skipped == 1 ? "" : "s", ra->acc.account_id,
						skipped == 1 ? "was" : "were"),
				 errdetail("The first was %s.", first_skipped),
				 errhint("Their data is kept exactly as archived; a version of Tracker that reads them can write them again with a restore into a fresh database.")));
	elog(DEBUG1, "restore: account %d: %d payloads replayed, %d skipped, %d days recomputed",
		 ra->acc.account_id, replayed, skipped, touched.n);
}

/*
 * manifest_cmp
 *		Restore order: account, month, data type.
 */
static int
manifest_cmp(const ListCell *a, const ListCell *b)
{
	const ManifestRef *x = (const ManifestRef *) lfirst(a);
	const ManifestRef *y = (const ManifestRef *) lfirst(b);
	int			c;

	if (x->account_id != y->account_id)
		return x->account_id < y->account_id ? -1 : 1;
	if (x->month != y->month)
		return x->month < y->month ? -1 : 1;
	c = strcmp(x->data_type, y->data_type);
	if (c != 0)
		return c;
	return x->version - y->version;
}

/*
 * restore_result
 *		One row of tracker.restore_from_s3()'s result.
 */
static void
restore_result(ReturnSetInfo *rsinfo, const ManifestRef *ref, int payloads,
			   int restored, const char *status, const char *detail)
{
	Datum		values[8];
	bool		nulls[8] = {false, false, false, false, false, false, false, false};

	values[0] = Int32GetDatum(ref->account_id);
	values[1] = CStringGetTextDatum(ref->data_type);
	values[2] = DateADTGetDatum(ref->month);
	values[3] = Int32GetDatum(ref->version);
	values[4] = Int32GetDatum(payloads);
	values[5] = Int32GetDatum(restored);
	values[6] = CStringGetTextDatum(status);
	if (detail)
		values[7] = CStringGetTextDatum(detail);
	else
		nulls[7] = true;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * thaw_hint
 *		How to get an archived object back, for people and scripts.
 */
static char *
thaw_hint(const S3Config *cfg, const char *key, const char *storage_class)
{
	return psprintf("the object is in %s; request a temporary copy with "
					"aws s3api restore-object --bucket %s --key %s "
					"--restore-request '{\"Days\":7,\"GlacierJobParameters\":{\"Tier\":\"Bulk\"}}' "
					"(Bulk takes up to 48 hours, Standard up to 12), "
					"then run tracker.restore_from_s3() again",
					storage_class, cfg->bucket, key);
}

/*
 * restore_bundle
 *		Download one bundle, check it whole against its manifest, and put
 *		its payloads back in bronze.  Returns false when the bundle is in an
 *		archive storage class and must be thawed first.
 */
static bool
restore_bundle(const S3Config *cfg, List *objects, const ManifestRef *ref,
			   const Manifest *m, RestoreAccount *ra, int *restored,
			   char **detail)
{
	S3Result	res;
	char		got[65];
	RestoreBundle rb;
	S3Object   *listed = s3_find(objects, m->bundle_key);

	s3_request(cfg, "GET", m->bundle_key, NULL, NULL, NULL, 0,
			   (size_t) Min(m->bundle_size + 1, (int64) ARCHIVE_MAX_OBJECT), &res);
	if (res.http.outcome == HTTP_RESPONSE && res.http.status == 403 &&
		res.code != NULL && strcmp(res.code, "InvalidObjectState") == 0)
	{
		*detail = thaw_hint(cfg, m->bundle_key,
							listed && strcmp(listed->storage_class, "STANDARD") != 0 ?
							listed->storage_class : "an archive storage class");
		return false;
	}
	if (res.http.outcome == HTTP_RESPONSE && res.http.status == 404)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("archived bundle \"%s\" is missing", m->bundle_key),
				 errdetail("Manifest \"%s\" names it, but the bucket has no such object.",
						   ref->key),
				 errhint("Nothing was restored.")));
	if (res.http.outcome == HTTP_TRUNCATED)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("archived bundle \"%s\" arrived truncated", m->bundle_key),
				 errdetail("%s failed after %d attempts: %s.", res.request,
						   res.attempts, res.http.error),
				 errhint("Nothing was restored.")));
	if (res.http.outcome == HTTP_TOO_LARGE)
		bundle_corrupt(m->bundle_key,
					   psprintf("It is larger than the " INT64_FORMAT " bytes its manifest says.",
								m->bundle_size));
	if (!s3_ok(&res))
		s3_raise(cfg, psprintf("download \"%s\"", m->bundle_key), &res);

	s3_sha256_hex(res.http.body, res.http.body_len, got);
	if ((int64) res.http.body_len != m->bundle_size)
		bundle_corrupt(m->bundle_key,
					   psprintf("It has %zu bytes; its manifest says " INT64_FORMAT ".",
								res.http.body_len, m->bundle_size));
	if (strcmp(got, m->bundle_sha256) != 0)
		bundle_corrupt(m->bundle_key,
					   psprintf("Its SHA-256 is %s; its manifest says %s.",
								got, m->bundle_sha256));

	memset(&rb, 0, sizeof(rb));
	rb.m = m;
	rb.key = m->bundle_key;
	rb.ra = ra;
	rb.fp = hash_begin();
	gunzip_lines(m->bundle_key, res.http.body, res.http.body_len, restore_line, &rb);
	if (rb.lines != m->nitems)
		bundle_corrupt(m->bundle_key,
					   psprintf("It holds %d payloads; its manifest names %d.",
								rb.lines, m->nitems));
	if (strcmp(hash_final_hex(rb.fp), m->fingerprint) != 0)
		bundle_corrupt(m->bundle_key, "Its payloads do not match the fingerprint of its manifest.");
	pfree(res.http.body);
	*restored = rb.restored;
	return true;
}

/*
 * restore_record
 *		A restored bundle is what the bucket holds for its month: remember
 *		it, so that the next archive does not upload it again.
 */
static void
restore_record(const ManifestRef *ref, const Manifest *m)
{
	Oid			types[11] = {INT4OID, TEXTOID, DATEOID, INT4OID, INT4OID, INT8OID,
	TEXTOID, TEXTOID, INT8OID, TEXTOID, TEXTOID};
	Datum		values[11];

	values[0] = Int32GetDatum(ref->account_id);
	values[1] = CStringGetTextDatum(ref->data_type);
	values[2] = DateADTGetDatum(ref->month);
	values[3] = Int32GetDatum(ref->version);
	values[4] = Int32GetDatum(m->count);
	values[5] = Int64GetDatum(m->bytes);
	values[6] = CStringGetTextDatum(m->fingerprint);
	values[7] = CStringGetTextDatum(m->bundle_key);
	values[8] = Int64GetDatum(m->bundle_size);
	values[9] = CStringGetTextDatum(m->bundle_sha256);
	values[10] = CStringGetTextDatum(ref->key);
	spi_exec("INSERT INTO tracker.archive_bundle (account_id, data_type, month, version, "
			 " payloads, payload_bytes, fingerprint, bundle_key, bundle_size, bundle_sha256, "
			 " manifest_key, archived_at, verified_at) "
			 "VALUES ($1, $2, $3, $4, $5, $6, decode($7, 'hex'), $8, $9, decode($10, 'hex'), "
			 " $11, now(), now()) "
			 "ON CONFLICT (account_id, data_type, month) DO UPDATE SET "
			 " version = excluded.version, payloads = excluded.payloads, "
			 " payload_bytes = excluded.payload_bytes, fingerprint = excluded.fingerprint, "
			 " bundle_key = excluded.bundle_key, bundle_size = excluded.bundle_size, "
			 " bundle_sha256 = excluded.bundle_sha256, manifest_key = excluded.manifest_key, "
			 " verified_at = excluded.verified_at "
			 "WHERE archive_bundle.version <= excluded.version",
			 11, types, values, NULL, SPI_OK_INSERT);
}

/*
 * bump_identities
 *		Restored rows keep their ids; new rows must come after them.
 */
static void
bump_identities(void)
{
	spi_exec("SELECT setval(q.s, q.m) FROM ("
			 " SELECT pg_get_serial_sequence('bronze.payload', 'payload_id') AS s, "
			 "  (SELECT max(payload_id) FROM bronze.payload) AS m) q "
			 "WHERE q.m IS NOT NULL AND q.m > coalesce((SELECT last_value FROM pg_sequences "
			 " WHERE format('%I.%I', schemaname, sequencename)::regclass = q.s::regclass), 0)",
			 0, NULL, NULL, NULL, SPI_OK_SELECT);
}

PG_FUNCTION_INFO_V1(tracker_restore_from_s3);

/*
 * tracker_restore_from_s3
 *		tracker.restore_from_s3(account, days): read the newest manifest of
 *		every archived month (of one account, of the months overlapping
 *		days), download and verify each bundle, put its payloads back in
 *		bronze, and replay them through silver into gold.  Everything runs
 *		in the caller's transaction, so any failure leaves nothing behind.
 *		Bundles still in an archive storage class are reported, with how to
 *		thaw them, and the rest is restored; run it again once they thaw.
 */
Datum
tracker_restore_from_s3(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		one_account = !PG_ARGISNULL(0);
	int32		account = one_account ? PG_GETARG_INT32(0) : 0;
	bool		has_lower = false;
	bool		has_upper = false;
	DateADT		lower_day = 0;
	DateADT		upper_day = 0;
	MemoryContext callcxt;
	MemoryContext cxt;
	MemoryContext mcxt;
	S3Config	cfg;
	List	   *objects;
	List	   *refs = NIL;
	List	   *latest = NIL;
	ListCell   *lc;
	RestoreAccount *ra = NULL;
	char	   *prefix;
	int			frozen = 0;
	int			restored_total = 0;

	if (one_account && account <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("account must be a positive account id")));
	if (!PG_ARGISNULL(1))
	{
		RangeType  *r = PG_GETARG_RANGE_P(1);
		TypeCacheEntry *typcache = range_get_typcache(fcinfo, RangeTypeGetOid(r));
		RangeBound	lower;
		RangeBound	upper;
		bool		empty;

		range_deserialize(typcache, r, &lower, &upper, &empty);
		if (empty)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("days must not be empty"),
					 errhint("Pass null to restore every archived month.")));
		if (!lower.infinite)
		{
			has_lower = true;
			lower_day = DatumGetDateADT(lower.val);
		}
		if (!upper.infinite)
		{
			has_upper = true;
			upper_day = DatumGetDateADT(upper.val);
		}
	}

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	callcxt = CurrentMemoryContext;
	cxt = AllocSetContextCreate(callcxt, "tracker restore", ALLOCSET_DEFAULT_SIZES);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(cxt);
	archive_lock(false, true);
	s3_config_load(&cfg, false);

	prefix = one_account ? psprintf("%smanifests/account-%d/", cfg.prefix, account)
		: psprintf("%smanifests/", cfg.prefix);
	objects = s3_list(&cfg, cfg.prefix);

	/* The newest manifest of every selected month. */
	foreach(lc, objects)
	{
		S3Object   *o = (S3Object *) lfirst(lc);
		ManifestRef *ref = palloc0(sizeof(ManifestRef));

		if (strncmp(o->key, prefix, strlen(prefix)) != 0 ||
			!parse_manifest_key(&cfg, o->key, ref))
			continue;
		if (one_account && ref->account_id != account)
			continue;
		if (has_lower && next_month(ref->month) <= lower_day)
			continue;
		if (has_upper && ref->month >= upper_day)
			continue;
		refs = lappend(refs, ref);
	}
	list_sort(refs, manifest_cmp);
	foreach(lc, refs)
	{
		ManifestRef *ref = (ManifestRef *) lfirst(lc);
		ManifestRef *last = latest ? (ManifestRef *) llast(latest) : NULL;

		if (last && last->account_id == ref->account_id &&
			last->month == ref->month && strcmp(last->data_type, ref->data_type) == 0)
			llast(latest) = ref;	/* sorted by version: the later wins */
		else
			latest = lappend(latest, ref);
	}
	if (latest == NIL)
		ereport(NOTICE,
				(errmsg("%s holds no archived months%s", s3_location(&cfg),
						one_account || has_lower || has_upper ? " that match" : ""),
				 errhint("Archive with tracker.archive(), or check the bucket and prefix given to tracker.set_s3().")));

	mcxt = AllocSetContextCreate(cxt, "tracker restore manifest",
								 ALLOCSET_DEFAULT_SIZES);
	foreach(lc, latest)
	{
		ManifestRef *ref = (ManifestRef *) lfirst(lc);
		Manifest	m;
		bool		archived;
		char	   *why = NULL;
		char	   *detail = NULL;
		int			restored = 0;

		CHECK_FOR_INTERRUPTS();
		MemoryContextSwitchTo(cxt);
		MemoryContextReset(mcxt);
		MemoryContextSwitchTo(mcxt);
		if (!manifest_fetch(&cfg, ref->key, &m, &archived, &why))
		{
			if (archived)
			{
				frozen++;
				restore_result(rsinfo, ref, 0, 0, "in_deep_archive",
							   thaw_hint(&cfg, ref->key, "an archive storage class"));
				continue;
			}
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("archived manifest \"%s\" is corrupt", ref->key),
					 errdetail("Tracker cannot use it: %s.", why),
					 errhint("Nothing was restored.")));
		}
		if (m.account.id != ref->account_id || m.version != ref->version ||
			strcmp(m.data_type, ref->data_type) != 0 ||
			strcmp(m.month, format_month(ref->month)) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("archived manifest \"%s\" is corrupt", ref->key),
					 errdetail("It describes account %d, %s, %s, version %d, which does not match its name.",
							   m.account.id, m.data_type, m.month, m.version),
					 errhint("Nothing was restored.")));

		/* a new account: replay the previous one first */
		if (ra == NULL || ra->acc.account_id != ref->account_id)
		{
			if (ra != NULL)
				replay_account(ra);
			MemoryContextSwitchTo(cxt);
			ra = palloc0(sizeof(RestoreAccount));
			ra->cxt = cxt;
			ra->created = restore_account(&m.account);
			/* account_load reads with the active snapshot: take one that sees it */
			CommandCounterIncrement();
			PushActiveSnapshot(GetTransactionSnapshot());
			account_load(ref->account_id, &ra->acc);
			PopActiveSnapshot();
			MemoryContextSwitchTo(mcxt);
		}

		if (!restore_bundle(&cfg, objects, ref, &m, ra, &restored, &detail))
		{
			frozen++;
			restore_result(rsinfo, ref, m.count, 0, "in_deep_archive", detail);
			continue;
		}
		restore_record(ref, &m);
		restored_total += restored;
		restore_result(rsinfo, ref, m.count, restored,
					   restored > 0 ? "restored" : "held", NULL);
	}
	MemoryContextSwitchTo(cxt);
	if (ra != NULL)
		replay_account(ra);
	if (restored_total > 0)
		bump_identities();

	if (frozen > 0)
		ereport(WARNING,
				(errmsg("%d archived bundle%s could not be read yet", frozen,
						frozen == 1 ? "" : "s"),
				 errdetail("They are in an archive storage class (Deep Archive or Glacier)."),
				 errhint("Request temporary copies (see the detail column), wait for them (up to 12 hours with the Standard tier, 48 with Bulk), then run tracker.restore_from_s3() again; what is already restored stays.")));

	SPI_finish();
	MemoryContextSwitchTo(callcxt);
	return (Datum) 0;
}

/* ------------------------------------------------------------------------
 * Lifecycle
 * ------------------------------------------------------------------------
 */

static const char *const lifecycle_classes[] = {
	"DEEP_ARCHIVE", "GLACIER", "GLACIER_IR", "STANDARD_IA", "ONEZONE_IA",
	"INTELLIGENT_TIERING", NULL
};

/*
 * lifecycle_check
 *		Validate the rule's arguments; returns the storage class in the
 *		spelling S3 wants.
 */
static char *
lifecycle_check(int days, const char *storage_class)
{
	char	   *cls;
	char	   *p;
	int			i;

	if (storage_class == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("storage_class must not be null")));
	cls = pstrdup(storage_class);
	for (p = cls; *p; p++)
		*p = pg_ascii_toupper((unsigned char) *p);
	for (i = 0; lifecycle_classes[i] != NULL; i++)
		if (strcmp(cls, lifecycle_classes[i]) == 0)
			break;
	if (lifecycle_classes[i] == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("storage class \"%s\" is not one a lifecycle rule can move objects to",
						pnstrdup(storage_class,
								 pg_mbcliplen(storage_class, strlen(storage_class), 64))),
				 errhint("Use DEEP_ARCHIVE (the cheapest), GLACIER, GLACIER_IR, STANDARD_IA, ONEZONE_IA or INTELLIGENT_TIERING.")));
	if (days < 0 || days > 36500)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("after_days must be between 0 and 36500")));
	if ((strcmp(cls, "STANDARD_IA") == 0 || strcmp(cls, "ONEZONE_IA") == 0) && days < 30)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("objects can move to %s only after at least 30 days", cls)));
	return cls;
}

/*
 * lifecycle_rule_id
 *		Tracker's rule is known by the bundles' prefix, so two databases
 *		archiving under different prefixes of one bucket keep a rule each.
 */
static char *
lifecycle_rule_id(const char *prefix)
{
	return psprintf("tracker-archive:%sbundles/", prefix);
}

/*
 * lifecycle_merge
 *		The bucket's lifecycle configuration with Tracker's rule for its
 *		prefix put in: every other rule is kept exactly as it was (PUT
 *		replaces the whole configuration), an earlier version of Tracker's
 *		rule is replaced.  The rule moves bundles (not manifests) to the
 *		storage class after_days days after they were written, and leaves
 *		objects under 128 KiB alone (they would pay more in per-object
 *		overhead than they save).
 */
static char *
lifecycle_merge(const char *current, const char *prefix, int days,
				const char *storage_class, int *kept)
{
	StringInfoData buf;
	char	   *rule_id = lifecycle_rule_id(prefix);

	*kept = 0;
	initStringInfo(&buf);
	appendStringInfoString(&buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
						   "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n");
	if (current != NULL && current[0] != '\0')
	{
		const char *end = current + strlen(current);
		const char *os,
				   *is,
				   *ie,
				   *oe;
		const char *root_end;
		const char *p;

		if (!s3_xml_element(current, end, "LifecycleConfiguration", &os, &is, &ie, &oe))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("current lifecycle configuration is not a LifecycleConfiguration document")));
		root_end = ie;
		p = is;
		while (s3_xml_element(p, root_end, "Rule", &os, &is, &ie, &oe))
		{
			char	   *id = s3_xml_child_text(is, ie, "ID");

			if (id == NULL || strcmp(id, rule_id) != 0)
			{
				appendStringInfoString(&buf, "  ");
				appendBinaryStringInfo(&buf, os, oe - os);
				appendStringInfoChar(&buf, '\n');
				(*kept)++;
			}
			p = oe;
		}
	}
	appendStringInfoString(&buf, "  <Rule><ID>");
	s3_xml_escape(&buf, rule_id);
	appendStringInfoString(&buf, "</ID><Filter><And><Prefix>");
	s3_xml_escape(&buf, psprintf("%sbundles/", prefix));
	appendStringInfo(&buf, "</Prefix><ObjectSizeGreaterThan>%d</ObjectSizeGreaterThan>"
					 "</And></Filter><Status>Enabled</Status>"
					 "<Transition><Days>%d</Days><StorageClass>%s</StorageClass>"
					 "</Transition></Rule>\n",
					 LIFECYCLE_MIN_SIZE, days, storage_class);
	appendStringInfoString(&buf, "</LifecycleConfiguration>\n");
	return buf.data;
}

PG_FUNCTION_INFO_V1(tracker_s3_lifecycle_merge);

/*
 * tracker_s3_lifecycle_merge
 *		The merge of apply_s3_lifecycle without a bucket: for tests, and to
 *		see what would be written.
 */
Datum
tracker_s3_lifecycle_merge(PG_FUNCTION_ARGS)
{
	char	   *current = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *prefix;
	char	   *cls;
	int			kept;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("prefix and after_days must not be null")));
	prefix = text_to_cstring(PG_GETARG_TEXT_PP(1));
	cls = lifecycle_check(PG_GETARG_INT32(2),
						  PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3)));
	PG_RETURN_TEXT_P(cstring_to_text(lifecycle_merge(current, prefix,
													 PG_GETARG_INT32(2), cls,
													 &kept)));
}

PG_FUNCTION_INFO_V1(tracker_apply_s3_lifecycle);

/*
 * tracker_apply_s3_lifecycle
 *		Read the bucket's lifecycle configuration, put Tracker's rule in,
 *		and write it back (with Content-MD5, which S3 requires here).
 */
Datum
tracker_apply_s3_lifecycle(PG_FUNCTION_ARGS)
{
	S3Config	cfg;
	TupleDesc	tupdesc;
	char	   *cls;
	char	   *current;
	char	   *doc;
	int			days;
	int			kept;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	HeapTuple	tuple;
	MemoryContext callcxt = CurrentMemoryContext;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("after_days must not be null")));
	days = PG_GETARG_INT32(0);
	cls = lifecycle_check(days, PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1)));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(callcxt);
	s3_config_load(&cfg, false);
	SPI_finish();
	MemoryContextSwitchTo(callcxt);

	current = s3_get_lifecycle(&cfg);
	doc = lifecycle_merge(current, cfg.prefix, days, cls, &kept);
	s3_put_lifecycle(&cfg, doc);

	values[0] = CStringGetTextDatum(lifecycle_rule_id(cfg.prefix));
	values[1] = CStringGetTextDatum(psprintf("%sbundles/", cfg.prefix));
	values[2] = Int32GetDatum(kept);
	values[3] = CStringGetTextDatum(doc);
	tupdesc = BlessTupleDesc(tupdesc);
	tuple = heap_form_tuple(tupdesc, values, nulls);
	PG_RETURN_DATUM(HeapTupleGetDatum(tuple));
}

/* ------------------------------------------------------------------------
 * Scheduled runs: the scheduler's part and the archive worker
 * ------------------------------------------------------------------------
 */

/*
 * archive_requeue_orphans
 *		Scheduled runs marked running whose archive worker is gone go back
 *		to the queue.  As for sync windows (see the scheduler), the runs are
 *		read first and the live archive worker after, and a run is put back
 *		only if its claim is unchanged: a pid is never taken as proof of
 *		life, since the system may have given it to another process.
 *		Returns whether any run was put back.
 */
static bool
archive_requeue_orphans(void)
{
	SPITupleTable *running;
	uint64		nrunning;
	uint64		i;
	pid_t		live;
	bool		requeued = false;
	int			rc;

	rc = SPI_execute("SELECT run_id, worker_pid FROM tracker.archive_run "
					 "WHERE state = 'running' AND trigger = 'scheduled'", true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not look for archive runs: %s", SPI_result_code_string(rc));
	running = SPI_tuptable;
	nrunning = SPI_processed;
	if (nrunning == 0)
		return false;
	live = db_slot_archive_pid(MyDatabaseId);
	for (i = 0; i < nrunning; i++)
	{
		Oid			types[2] = {INT8OID, INT4OID};
		Datum		values[2];
		char		nulls[2] = {' ', ' '};
		bool		isnull;

		values[0] = SPI_getbinval(running->vals[i], running->tupdesc, 1, &isnull);
		values[1] = SPI_getbinval(running->vals[i], running->tupdesc, 2, &isnull);
		if (isnull)
			nulls[1] = 'n';
		else if (live != 0 && DatumGetInt32(values[1]) == live)
			continue;
		rc = SPI_execute_with_args("UPDATE tracker.archive_run SET state = 'queued', worker_pid = NULL,"
								   " last_error = 'the archive worker stopped before finishing; queued again'"
								   " WHERE run_id = $1 AND state = 'running'"
								   "  AND worker_pid IS NOT DISTINCT FROM $2",
								   2, types, values, nulls, false, 0);
		if (rc != SPI_OK_UPDATE)
			elog(ERROR, "could not requeue an archive run: %s", SPI_result_code_string(rc));
		requeued = requeued || SPI_processed > 0;
	}
	return requeued;
}

/*
 * archive_schedule_look
 *		One short transaction: runs of a worker that died go back to the
 *		queue, a scheduled run is queued when one is due, and the answer is
 *		whether runs wait with no archive worker running them.
 */
static bool
archive_schedule_look(void)
{
	bool		start = false;
	Oid			types[1] = {INT4OID};
	Datum		values[1];

	worker_xact_begin();
	if (worker_extension_present())
	{
		int			rc;
		bool		isnull;

		(void) archive_requeue_orphans();
		values[0] = Int32GetDatum(tracker_archive_interval_s);
		rc = SPI_execute_with_args(
								   "WITH queue AS ("
								   " INSERT INTO tracker.archive_run (trigger, through)"
								   " SELECT 'scheduled', current_date - 1"
								   " WHERE EXISTS (SELECT 1 FROM tracker.s3_config)"
								   "  AND NOT EXISTS (SELECT 1 FROM tracker.archive_run"
								   "   WHERE state IN ('queued', 'running'))"
								   "  AND tracker.archive_next_at(make_interval(secs => $1)) <= now()"
								   " RETURNING run_id)"
								   " SELECT EXISTS (SELECT 1 FROM tracker.archive_run WHERE state = 'queued')"
								   "   OR EXISTS (SELECT 1 FROM queue)",
								   1, types, values, NULL, false, 1);
		if (rc != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "could not schedule the archive: %s", SPI_result_code_string(rc));
		start = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 1, &isnull)) &&
			db_slot_archive_pid(MyDatabaseId) == 0;
	}
	worker_xact_commit();
	return start;
}

/*
 * archive_start_worker
 *		Register the archive worker of this database.  The handle lives in
 *		TopMemoryContext: the scheduler resets its own context every loop.
 */
static void
archive_start_worker(BackgroundWorkerHandle **handle)
{
	BackgroundWorker worker;
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "tracker");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "tracker_archive_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "tracker archive worker %u", MyDatabaseId);
	snprintf(worker.bgw_type, BGW_MAXLEN, "tracker archive worker");
	worker.bgw_main_arg = ObjectIdGetDatum(MyDatabaseId);
	worker.bgw_notify_pid = MyProcPid;
	if (!RegisterDynamicBackgroundWorker(&worker, handle))
	{
		*handle = NULL;
		ereport(LOG,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("tracker scheduler could not start the archive worker: out of background worker slots"),
				 errhint("Raise max_worker_processes.")));
	}
	MemoryContextSwitchTo(old);
}

/*
 * archive_schedule
 *		Called by the scheduler every loop; looks at most once a second.  A
 *		failure here is logged and forgotten: the archive must never stop a
 *		database's syncs.
 */
void
archive_schedule(void)
{
	static TimestampTz last_look = 0;
	static TimestampTz last_start = 0;
	static BackgroundWorkerHandle *handle = NULL;
	TimestampTz now = GetCurrentTimestamp();
	MemoryContext cxt = CurrentMemoryContext;
	volatile bool start = false;

	if (!tracker_archive_enabled || !tracker_scheduler_enabled)
		return;
	if (last_look != 0 && !TimestampDifferenceExceeds(last_look, now, 1000))
		return;
	last_look = now;

	PG_TRY();
	{
		start = archive_schedule_look();
	}
	PG_CATCH();
	{
		FreeErrorData(worker_recover(cxt));
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);

	if (!start)
		return;

	/* A worker that found the archive busy (a restore) is not restarted at once. */
	if (last_start != 0 && !TimestampDifferenceExceeds(last_start, now, 10000))
		return;
	if (handle != NULL)
	{
		pid_t		pid;
		BgwHandleStatus st = GetBackgroundWorkerPid(handle, &pid);

		if (st == BGWH_STARTED || st == BGWH_NOT_YET_STARTED)
			return;
		pfree(handle);
		handle = NULL;
	}
	last_start = now;
	archive_start_worker(&handle);
}

/*
 * archive_claim
 *		In a short transaction: take the session lock and the oldest queued
 *		run.  False when another archive holds the lock or nothing waits.
 */
static bool
archive_claim(ArchiveRun *run)
{
	bool		claimed = false;

	worker_xact_begin();
	MemoryContextSwitchTo(run->cxt);
	if (worker_extension_present() && !worker_restore_in_progress() &&
		archive_lock(true, false))
	{
		Oid			types[1] = {INT4OID};
		Datum		values[1];
		int			rc;

		values[0] = Int32GetDatum(MyProcPid);
		rc = spi_query("UPDATE tracker.archive_run SET state = 'running', "
								   " worker_pid = $1, started_at = coalesce(started_at, now()) "
								   "WHERE run_id = (SELECT run_id FROM tracker.archive_run "
								   " WHERE state = 'queued' ORDER BY run_id LIMIT 1 "
								   " FOR UPDATE SKIP LOCKED) "
								   "RETURNING run_id, through",
								   1, types, values, NULL, false, 1);
		if (rc != SPI_OK_UPDATE_RETURNING)
			elog(ERROR, "could not claim an archive run: %s", SPI_result_code_string(rc));
		if (SPI_processed == 1)
		{
			bool		isnull;

			run->run_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
													  SPI_tuptable->tupdesc, 1, &isnull));
			run->through = DatumGetDateADT(SPI_getbinval(SPI_tuptable->vals[0],
														 SPI_tuptable->tupdesc, 2, &isnull));
			claimed = true;
		}
		else
			archive_unlock();
	}
	worker_xact_commit();
	CurrentResourceOwner = run->owner;
	MemoryContextSwitchTo(run->cxt);
	return claimed;
}

/*
 * archive_finish
 *		Record how a run ended, in a transaction of its own.
 */
static void
archive_finish(ArchiveRun *run, const char *error)
{
	Oid			types[2] = {INT8OID, TEXTOID};
	Datum		values[2];
	char		nulls[2] = {' ', ' '};

	CurrentResourceOwner = NULL;
	worker_xact_begin();
	MemoryContextSwitchTo(run->cxt);
	values[0] = Int64GetDatum(run->run_id);
	if (error)
		values[1] = CStringGetTextDatum(error);
	else
		nulls[1] = 'n';
	spi_exec("UPDATE tracker.archive_run SET state = CASE WHEN $2 IS NULL THEN 'done' ELSE 'failed' END, "
			 " finished_at = now(), worker_pid = NULL, last_error = $2 WHERE run_id = $1",
			 2, types, values, nulls, SPI_OK_UPDATE);
	worker_xact_commit();
	CurrentResourceOwner = run->owner;
}

/*
 * tracker_archive_main
 *		Entry point of the archive worker: run queued archives one after the
 *		other, then exit.  A failed run is recorded with its error and tried
 *		again by the schedule, with a growing delay.
 */
void
tracker_archive_main(Datum main_arg)
{
	Oid			dboid = DatumGetObjectId(main_arg);
	MemoryContext top;
	ResourceOwner owner;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	/* A place of its own: sync workers never keep the archive from running. */
	if (!db_slot_attach_archive(dboid))
		proc_exit(0);
	before_shmem_exit(db_slot_detach, main_arg);
	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);

	/* A database's own search_path must not redirect Tracker's statements. */
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);

	top = AllocSetContextCreate(TopMemoryContext, "tracker archive worker",
								ALLOCSET_DEFAULT_SIZES);
	owner = ResourceOwnerCreate(NULL, "tracker archive worker");

	for (;;)
	{
		ArchiveRun	run;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		MemoryContextReset(top);
		run_setup(&run, top, true);
		run.owner = owner;
		MemoryContextSwitchTo(run.cxt);
		if (!archive_claim(&run))
			break;

		pgstat_report_activity(STATE_RUNNING, "tracker: archiving to S3");
		PG_TRY();
		{
			archive_execute(&run);
			archive_finish(&run, NULL);
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			edata = worker_recover(top);
			archive_finish(&run, edata->message);
			FreeErrorData(edata);
		}
		PG_END_TRY();
		archive_unlock();
		pgstat_report_activity(STATE_IDLE, NULL);
	}
	proc_exit(0);
}
