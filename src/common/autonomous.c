/*-------------------------------------------------------------------------
 *
 * autonomous.c
 *	  Run one statement in its own transaction, committed whatever happens
 *	  to the caller's.
 *
 * Some facts must outlive an error: a payload rejected by validation is
 * kept in bronze even though the import that read it fails with an ERROR
 * (which rolls back the caller's transaction).  PostgreSQL has no
 * autonomous transactions, so the statement runs in a short-lived dynamic
 * background worker connected to the same database as the extension's
 * owner; the caller waits for it to finish.  The statement text is always
 * one of Tracker's own; values travel as parameters.  When every worker
 * slot is taken, the caller waits for one; if none frees up its statement
 * fails: such a fact is never dropped with a mere warning.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "common/common.h"

/* How long a write waits for a background worker slot, and how often it looks. */
#define AUTONOMOUS_SLOT_WAIT_MS 10000
#define AUTONOMOUS_SLOT_POLL_MS 100

/* Shared between the caller and the worker, followed by the statement. */
typedef struct AutonomousShared
{
	Oid			database;
	Oid			user;
	int			nargs;
	volatile int result;		/* 0 not done, 1 committed, -1 failed */
	char		error[512];
	Size		sql_offset;
	Size		args_offset;
} AutonomousShared;

/* Header of one parameter in the segment, followed by its bytes. */
typedef struct AutonomousArgHeader
{
	bool		isnull;
	bool		is_bytea;
	Size		len;
} AutonomousArgHeader;

AutonomousArg
autonomous_text(const char *s)
{
	AutonomousArg a;

	a.isnull = (s == NULL);
	a.is_bytea = false;
	a.data = s;
	a.len = s ? strlen(s) : 0;
	return a;
}

AutonomousArg
autonomous_bytea(const char *data, size_t len)
{
	AutonomousArg a;

	a.isnull = (data == NULL);
	a.is_bytea = true;
	a.data = data;
	a.len = len;
	return a;
}

/*
 * extension_owner
 *		The role the autonomous worker connects as.  The caller's own role
 *		may be NOLOGIN, which a PostgreSQL 15 worker cannot connect as.
 */
static Oid
extension_owner(void)
{
	Oid			extoid = get_extension_oid("tracker", false);
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			owner = InvalidOid;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(extoid));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		owner = ((Form_pg_extension) GETSTRUCT(tup))->extowner;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return owner;
}

/*
 * statement_target
 *		What one of Tracker's own statements writes, for messages: the
 *		relation after INSERT INTO, or the function a SELECT calls.
 */
static char *
statement_target(const char *sql)
{
	const char *p = sql;
	size_t		len;

	if (pg_strncasecmp(p, "INSERT INTO ", 12) == 0)
		p += 12;
	else if (pg_strncasecmp(p, "SELECT ", 7) == 0)
		p += 7;
	len = strspn(p, "abcdefghijklmnopqrstuvwxyz_.");
	return len > 0 ? pnstrdup(p, len) : pstrdup("the database");
}

/*
 * autonomous_execute
 *		Run sql with args in a worker's own transaction and wait for it.
 *		Returns true when it committed; otherwise false with *error set.
 *		Never raises for the statement's own failure: the caller is usually
 *		about to report a more important error.  But when no background
 *		worker slot frees up within AUTONOMOUS_SLOT_WAIT_MS, it raises an
 *		error rather than let the caller lose the fact with a warning.
 */
bool
autonomous_execute(const char *sql, int nargs, const AutonomousArg *args,
				   char **error)
{
	Size		size;
	Size		off;
	dsm_segment *seg;
	AutonomousShared *sh;
	char	   *base;
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	BgwHandleStatus status;
	bool		ok;
	int			i;
	int			waited_ms;

	Assert(nargs <= AUTONOMOUS_MAX_ARGS);

	size = MAXALIGN(sizeof(AutonomousShared)) + MAXALIGN(strlen(sql) + 1);
	for (i = 0; i < nargs; i++)
		size += MAXALIGN(sizeof(AutonomousArgHeader)) + MAXALIGN(args[i].len);

	seg = dsm_create(size, 0);
	base = dsm_segment_address(seg);
	sh = (AutonomousShared *) base;
	memset(sh, 0, sizeof(AutonomousShared));
	sh->database = MyDatabaseId;
	sh->user = extension_owner();
	sh->nargs = nargs;
	sh->sql_offset = MAXALIGN(sizeof(AutonomousShared));
	strcpy(base + sh->sql_offset, sql);
	sh->args_offset = sh->sql_offset + MAXALIGN(strlen(sql) + 1);
	off = sh->args_offset;
	for (i = 0; i < nargs; i++)
	{
		AutonomousArgHeader *h = (AutonomousArgHeader *) (base + off);

		h->isnull = args[i].isnull;
		h->is_bytea = args[i].is_bytea;
		h->len = args[i].isnull ? 0 : args[i].len;
		off += MAXALIGN(sizeof(AutonomousArgHeader));
		if (h->len > 0)
			memcpy(base + off, args[i].data, h->len);
		off += MAXALIGN(h->len);
	}

	worker_describe(&worker, "tracker_autonomous_main", "tracker autonomous write",
					InvalidOid);
	worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));

	/*
	 * Every background worker slot may be taken for a moment (sync workers,
	 * parallel queries).  Wait for one to free up; a fact that must outlive
	 * the caller's transaction is never dropped for want of a slot: if none
	 * frees up, the caller's statement fails instead.
	 */
	for (waited_ms = 0; !RegisterDynamicBackgroundWorker(&worker, &handle);
		 waited_ms += AUTONOMOUS_SLOT_POLL_MS)
	{
		if (waited_ms >= AUTONOMOUS_SLOT_WAIT_MS)
		{
			dsm_detach(seg);
			ereport(ERROR,
					(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
					 errmsg("could not write to %s in a transaction of its own: no background worker slot is free",
							statement_target(sql)),
					 errdetail("Tracker keeps this record whatever becomes of the current transaction, using a background worker; every slot stayed taken for %d seconds.",
							   AUTONOMOUS_SLOT_WAIT_MS / 1000),
					 errhint("Raise max_worker_processes.")));
		}
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 AUTONOMOUS_SLOT_POLL_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}

	status = WaitForBackgroundWorkerShutdown(handle);
	if (status == BGWH_POSTMASTER_DIED)
		ereport(FATAL,
				(errcode(ERRCODE_ADMIN_SHUTDOWN),
				 errmsg("postmaster exited while tracker was recording a fact")));

	ok = (sh->result == 1);
	if (!ok)
		*error = pstrdup(sh->result == -1 ? sh->error
						 : "the worker ended before it could commit");
	dsm_detach(seg);
	return ok;
}

/*
 * autonomous_bronze_reject
 *		Keep a rejected payload in bronze whatever becomes of the caller's
 *		transaction: the caller is raising an error, or may roll back.
 */
void
autonomous_bronze_reject(int32 account_id, const char *source, const char *kind,
						 const char *origin, const char *body, size_t len,
						 const uint8 *sha, int http_status, const char *reason)
{
	AutonomousArg args[9];
	char		account[16];
	char		size[24];
	char		status[16];
	char	   *error;

	snprintf(account, sizeof(account), "%d", account_id);
	snprintf(size, sizeof(size), "%zu", len);
	snprintf(status, sizeof(status), "%d", http_status);
	args[0] = autonomous_text(account);
	args[1] = autonomous_text(source);
	args[2] = autonomous_text(kind);
	args[3] = autonomous_text(origin);
	args[4] = autonomous_bytea((const char *) sha, 32);
	args[5] = autonomous_text(size);
	args[6] = autonomous_text(reason);
	args[7] = autonomous_bytea(body, len);
	args[8] = autonomous_text(http_status > 0 ? status : NULL);
	if (!autonomous_execute("INSERT INTO bronze.payload "
							"(account_id, source, kind, origin, sha256, byte_size, "
							" status, reason, body, http_status) "
							"VALUES ($1::int, $2, $3, $4, $5, $6::int, "
							" 'rejected', $7, $8, $9::smallint) "
							"ON CONFLICT (account_id, sha256) DO NOTHING",
							9, args, &error))
		ereport(WARNING,
				(errmsg("could not keep the rejected payload in bronze: %s", error)));
}

/*
 * tracker_autonomous_main
 *		Entry point of the worker: run the statement, commit, exit.
 */
void
tracker_autonomous_main(Datum main_arg)
{
	dsm_segment *seg;
	AutonomousShared *sh;
	char	   *base;
	Oid			types[AUTONOMOUS_MAX_ARGS];
	Datum		values[AUTONOMOUS_MAX_ARGS];
	char		nulls[AUTONOMOUS_MAX_ARGS];
	Size		off;
	int			i;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	seg = dsm_attach(DatumGetUInt32(main_arg));
	if (seg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not map the shared memory of an autonomous write")));
	base = dsm_segment_address(seg);
	sh = (AutonomousShared *) base;

	BackgroundWorkerInitializeConnectionByOid(sh->database, sh->user, 0);

	/* A database's own search_path must not redirect Tracker's statements. */
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PG_TRY();
	{
		int			rc;

		/* Never wait long on a row the caller itself might hold. */
		SetConfigOption("lock_timeout", "5000", PGC_SUSET, PGC_S_SESSION);
		SetConfigOption("statement_timeout", "30000", PGC_SUSET, PGC_S_SESSION);

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, "tracker: autonomous write");

		off = sh->args_offset;
		for (i = 0; i < sh->nargs && i < AUTONOMOUS_MAX_ARGS; i++)
		{
			AutonomousArgHeader *h = (AutonomousArgHeader *) (base + off);

			off += MAXALIGN(sizeof(AutonomousArgHeader));
			types[i] = h->is_bytea ? BYTEAOID : TEXTOID;
			nulls[i] = h->isnull ? 'n' : ' ';
			if (h->isnull)
				values[i] = (Datum) 0;
			else if (h->is_bytea)
			{
				bytea	   *b = palloc(VARHDRSZ + h->len);

				SET_VARSIZE(b, VARHDRSZ + h->len);
				memcpy(VARDATA(b), base + off, h->len);
				values[i] = PointerGetDatum(b);
			}
			else
				values[i] = PointerGetDatum(cstring_to_text_with_len(base + off,
																	 h->len));
			off += MAXALIGN(h->len);
		}

		rc = SPI_execute_with_args(base + sh->sql_offset, sh->nargs, types,
								   values, nulls, false, 0);
		if (rc < 0)
			elog(ERROR, "autonomous statement failed: %s",
				 SPI_result_code_string(rc));

		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
		pgstat_report_activity(STATE_IDLE, NULL);
		sh->result = 1;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(TopMemoryContext);
		edata = CopyErrorData();
		strlcpy(sh->error, edata->message ? edata->message : "unknown error",
				sizeof(sh->error));
		sh->result = -1;
		PG_RE_THROW();
	}
	PG_END_TRY();

	dsm_detach(seg);
	proc_exit(0);
}
