/*-------------------------------------------------------------------------
 *
 * common.h
 *	  What every part of Tracker inside the server shares: its advisory
 *	  locks, SPI calls that check their result, a subtransaction runner,
 *	  digests and encodings, gzip, small JSON documents, writes that outlive
 *	  the caller's transaction, the shared memory where Tracker's processes
 *	  register, and the short transactions of its background workers.
 *
 * Nothing here knows about accounts, providers or tables beyond what a
 * statement handed in says; everything above builds on it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_COMMON_H
#define TRACKER_COMMON_H

#include "postgres.h"

#include "common/cryptohash.h"
#include "common/jsonapi.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "postmaster/bgworker.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "utils/timestamp.h"

/* ------------------------------------------------------------------------
 * Advisory locks (first key; the second is an account id or 0).  From SQL
 * they are pg_advisory_lock(class, key), e.g. the write lock of account 7
 * is pg_advisory_xact_lock(1414679300, 7).
 * ------------------------------------------------------------------------
 */

/* One token refresh per account at a time (session level). */
#define TRACKER_LOCK_TOKEN 0x54524B01

/* This account is being synced: one process per account (session level). */
#define TRACKER_LOCK_ACCOUNT 0x54524B02

/* An archive or a restore is running in this database (key 0). */
#define TRACKER_LOCK_ARCHIVE 0x54524B03

/*
 * Silver and gold of this account are being written (transaction level).
 * Every writer of an account's days takes it for the rest of its
 * transaction, so concurrent writers of one day merge one after the other
 * and the resting heart rate, which walks forward over later days, is
 * smoothed by one writer at a time.
 */
#define TRACKER_LOCK_WRITE 0x54524B04

/* ------------------------------------------------------------------------
 * SPI (spi.c).  Every call leaves the caller in the memory context it was
 * in (SPI itself switches to its procedure context after each call, which a
 * background worker loses at every commit), and a result other than the
 * one expected is an internal error: "could not <what>: <SPI's code>".
 * ------------------------------------------------------------------------
 */

/* Any successful result (SPI_OK_* are positive). */
#define SPI_OK_ANY 0

extern uint64 spi_exec(const char *sql, int nargs, Oid *types, Datum *values,
					   const char *nulls, int expected, const char *what);
extern uint64 spi_exec_limit(const char *sql, int nargs, Oid *types,
							 Datum *values, const char *nulls, long count,
							 int expected, const char *what);
extern int64 spi_count(const char *sql, const char *what);
extern void spi_check(int rc, int expected, const char *what);
extern Portal spi_cursor_open(const char *sql, int nargs, Oid *types,
							  Datum *values, const char *nulls);
extern uint64 spi_cursor_fetch(Portal portal, long count);

typedef void (*SpiRowFn) (HeapTuple tup, TupleDesc desc, void *arg);

extern void spi_cursor_each(const char *sql, int nargs, Oid *types,
							Datum *values, const char *nulls, long count,
							MemoryContext rowcxt, SpiRowFn fn, void *arg);
extern Datum spi_datum(uint64 row, int col, bool *isnull);
extern char *spi_text(uint64 row, int col);
extern void spi_arg_text(Datum *values, char *nulls, int i, const char *s);
extern void spi_arg_count(Datum *values, char *nulls, int i, Oid type,
						  int64 x);
extern void spi_arg_measure(Datum *values, char *nulls, int i, double x);
extern Datum bytea_datum(const char *data, size_t len);

/* ------------------------------------------------------------------------
 * Subtransactions (subxact.c)
 * ------------------------------------------------------------------------
 */
typedef void (*SubxactFn) (void *arg);

extern ErrorData *subxact_run(SubxactFn fn, void *arg);

/* ------------------------------------------------------------------------
 * Digests and encodings (hash.c): PostgreSQL's own SHA-256, MD5, hex and
 * base64.  Hex is lower case, as checksums appear in manifests and ETags.
 * ------------------------------------------------------------------------
 */
#define SHA256_LEN 32
#define SHA256_HEX_SIZE (2 * SHA256_LEN + 1)

extern void sha256_bytes(const char *data, size_t len, uint8 *out);
extern void sha256_hex(const char *data, size_t len, char *hex);
extern pg_cryptohash_ctx *sha256_begin(void);
extern void sha256_update(pg_cryptohash_ctx *ctx, const uint8 *data, size_t len);
extern char *sha256_final_hex(pg_cryptohash_ctx *ctx);
extern char *md5_hex(const char *data, size_t len);
extern char *hex_string(const uint8 *data, size_t len);
extern bool hex_to_bytes(const char *hex, uint8 *out, size_t len);
extern char *base64_string(const char *data, size_t len);
extern char *base64_to_bytes(const char *b64, size_t *len);

/* ------------------------------------------------------------------------
 * gzip (gzip.c), in memory contexts
 * ------------------------------------------------------------------------
 */
typedef struct GzWriter GzWriter;
typedef void (*GzLineFn) (void *arg, char *line, size_t len);

extern GzWriter *gzip_begin(MemoryContext cxt, size_t limit);
extern bool gzip_write(GzWriter *w, const char *data, size_t len);
extern bool gzip_finish(GzWriter *w, char **out, size_t *len);
extern char *gunzip_lines(const char *in, size_t len, GzLineFn fn, void *arg);

/* ------------------------------------------------------------------------
 * Small JSON documents (jsondoc.c): built with PostgreSQL's escape_json,
 * read into a small tree with PostgreSQL's own parser.
 * ------------------------------------------------------------------------
 */
typedef struct JsonDoc
{
	JsonTokenType type;			/* OBJECT_START, ARRAY_START or a scalar */
	char	   *str;			/* scalar text (strings de-escaped) */
	List	   *keys;			/* objects: member names */
	List	   *vals;			/* objects and arrays: JsonDoc * */
} JsonDoc;

extern JsonDoc *jsondoc_parse(const char *text, size_t len, char **why);
extern JsonDoc *jsondoc_get(const JsonDoc *obj, const char *key);
extern char *jsondoc_string(const JsonDoc *obj, const char *key,
							bool nullable, bool *ok);
extern int64 jsondoc_int(const JsonDoc *obj, const char *key, bool *ok);
extern void jsondoc_append_string(StringInfo buf, const char *s);
extern void jsondoc_append_member(StringInfo buf, const char *name,
								  const char *value, bool comma);

/* ------------------------------------------------------------------------
 * Writes in a transaction of their own (autonomous.c)
 * ------------------------------------------------------------------------
 */

/* One parameter: text or bytea, or NULL. */
typedef struct AutonomousArg
{
	bool		isnull;
	bool		is_bytea;
	const char *data;
	size_t		len;
} AutonomousArg;

#define AUTONOMOUS_MAX_ARGS 16

extern bool autonomous_execute(const char *sql, int nargs,
							   const AutonomousArg *args, char **error);
extern AutonomousArg autonomous_text(const char *s);
extern AutonomousArg autonomous_bytea(const char *data, size_t len);
extern void autonomous_bronze_reject(int32 account_id, const char *source,
									 const char *kind, const char *origin,
									 const char *body, size_t len,
									 const uint8 *sha, int http_status,
									 const char *reason);

extern PGDLLEXPORT void tracker_autonomous_main(Datum main_arg);

/* ------------------------------------------------------------------------
 * Shared memory (shmem.c): a place per database where each of Tracker's
 * processes registers, and the request budget of each account.
 * ------------------------------------------------------------------------
 */
#define TRACKER_MAX_DATABASES 64
#define TRACKER_MAX_WORKERS_PER_DB 16
#define TRACKER_RATE_SLOTS 1024

/* What the launcher knows of a database. */
typedef enum DbState
{
	DB_UNKNOWN = 0,				/* not probed yet: start a scheduler to look */
	DB_ACTIVE,					/* the extension is installed */
	DB_ABSENT					/* no extension; probe again later */
} DbState;

/*
 * A database's place in shared memory.  Every process of a database
 * (scheduler, sync workers, archive worker) writes its pid here when it
 * starts and clears it in a before_shmem_exit callback, so a pid found
 * here always belongs to a live process of that kind: a crash that skips
 * the callback also resets shared memory.  Liveness is therefore never
 * judged by a pid alone, which the system may have handed to another
 * process since.
 */
typedef struct TrackerDbSlot
{
	Oid			dboid;			/* InvalidOid: free slot */
	DbState		state;
	pid_t		scheduler_pid;
	Latch	   *scheduler_latch;
	int			pausers;		/* commands in progress that need the
								 * database without Tracker's processes */
	TimestampTz paused_until;	/* ... for at most this long */
	TimestampTz next_probe;		/* when DB_ABSENT, probe again then */
	int			restarts;		/* crashes in a row, for the restart delay */
	TimestampTz restart_at;
	pid_t		worker_pids[TRACKER_MAX_WORKERS_PER_DB];	/* sync workers */
	pid_t		archive_pid;	/* the archive worker has a place of its own */
	pid_t		notify_pid;		/* and so has the notify worker */
} TrackerDbSlot;

/*
 * The request budget of one account (of one database): the earliest time
 * its next request may start.  Shared, so that sync workers and
 * tracker.sync() calls of the same account keep one rate together.
 */
typedef struct TrackerRateSlot
{
	Oid			dboid;
	int32		account_id;
	TimestampTz next;
} TrackerRateSlot;

typedef struct TrackerShared
{
	LWLock	   *lock;			/* launcher, dbs */
	LWLock	   *rate_lock;		/* rate */
	pid_t		launcher_pid;
	Latch	   *launcher_latch;
	TrackerDbSlot dbs[TRACKER_MAX_DATABASES];
	TrackerRateSlot rate[TRACKER_RATE_SLOTS];
} TrackerShared;

extern TrackerShared *tracker_shared;

extern void tracker_shmem_init(void);
extern TrackerDbSlot *db_slot(Oid dboid, bool create);
extern bool db_slot_paused(TrackerDbSlot *s, TimestampTz now);
extern bool db_slot_attach(Oid dboid, int max_live);
extern bool db_slot_attach_archive(Oid dboid);
extern bool db_slot_attach_notify(Oid dboid);
extern void db_slot_detach(int code, Datum arg);
extern int	db_slot_workers(Oid dboid, pid_t *pids);
extern pid_t db_slot_archive_pid(Oid dboid);
extern pid_t db_slot_notify_pid(Oid dboid);
extern TimestampTz rate_reserve(int32 account_id, long interval_us);
extern void wake_launcher(void);
extern void wake_scheduler(Oid dboid);

/* ------------------------------------------------------------------------
 * Background workers (bgworker.c)
 * ------------------------------------------------------------------------
 */
extern void worker_describe(BackgroundWorker *worker, const char *function,
							const char *type, Oid dboid);
extern void worker_start_once(BackgroundWorkerHandle **handle,
							  const char *function, const char *type);
extern void worker_loop_begin(MemoryContext cxt);
extern void worker_xact_begin(void);
extern void worker_xact_commit(void);
extern ErrorData *worker_recover(MemoryContext cxt);
extern bool worker_extension_present(void);
extern bool worker_restore_in_progress(void);

/* The pids of the live processes of a kind in a database; returns how many. */
typedef int (*WorkerPidsFn) (Oid dboid, pid_t *pids);

extern uint64 worker_requeue_lost(const char *select, const char *update,
								  int nparams, Oid *types, int pidcol,
								  WorkerPidsFn live_pids, const char *what);

#endif							/* TRACKER_COMMON_H */
