/*-------------------------------------------------------------------------
 *
 * bgworker.c
 *	  What every background worker of Tracker shares: how it is described
 *	  to the postmaster, its short transactions, recovery from an error,
 *	  whether the extension (and no restore) is there, and putting back
 *	  work whose process is gone.
 *
 * The scheduler, the sync workers and the archive worker never keep a
 * transaction open while they wait or make a request, so DROP EXTENSION, a
 * restart or SIGTERM stop them at once.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "common/common.h"

/* Where worker_xact_begin was called from. */
static MemoryContext xact_caller_context = NULL;

/*
 * worker_describe
 *		A dynamic background worker of Tracker's library, connected to a
 *		database, never restarted by the postmaster, which tells this process
 *		when it starts and stops.  It is named after its type and its
 *		database (when dboid is valid), and dboid is its argument.
 */
void
worker_describe(BackgroundWorker *worker, const char *function,
				const char *type, Oid dboid)
{
	memset(worker, 0, sizeof(*worker));
	worker->bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker->bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker->bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker->bgw_library_name, BGW_MAXLEN, "tracker");
	snprintf(worker->bgw_function_name, BGW_MAXLEN, "%s", function);
	if (OidIsValid(dboid))
		snprintf(worker->bgw_name, BGW_MAXLEN, "%s %u", type, dboid);
	else
		snprintf(worker->bgw_name, BGW_MAXLEN, "%s", type);
	snprintf(worker->bgw_type, BGW_MAXLEN, "%s", type);
	worker->bgw_main_arg = ObjectIdGetDatum(dboid);
	worker->bgw_notify_pid = MyProcPid;
}

/*
 * worker_start_once
 *		Start the scheduler's helper worker of a kind in this database (the
 *		archive worker, the notify worker) unless the one *handle started is
 *		still starting or running.  The handle lives in TopMemoryContext:
 *		the scheduler empties its own context every loop.  Out of slots, it
 *		says so in the log and leaves *handle NULL, to be tried again.
 */
void
worker_start_once(BackgroundWorkerHandle **handle, const char *function,
				  const char *type)
{
	BackgroundWorker worker;
	MemoryContext old;

	if (*handle != NULL)
	{
		pid_t		pid;
		BgwHandleStatus st = GetBackgroundWorkerPid(*handle, &pid);

		if (st == BGWH_STARTED || st == BGWH_NOT_YET_STARTED)
			return;
		pfree(*handle);
		*handle = NULL;
	}
	old = MemoryContextSwitchTo(TopMemoryContext);
	worker_describe(&worker, function, type, MyDatabaseId);
	if (!RegisterDynamicBackgroundWorker(&worker, handle))
	{
		*handle = NULL;
		ereport(LOG,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("tracker scheduler could not start the %s: out of background worker slots",
						strncmp(type, "tracker ", 8) == 0 ? type + 8 : type),
				 errhint("Raise max_worker_processes.")));
	}
	MemoryContextSwitchTo(old);
}

/*
 * worker_loop_begin
 *		The start of each round of a worker's loop: a pending interrupt is
 *		served, the configuration read again after a SIGHUP, and the round
 *		starts in cxt, emptied of the last round's allocations (when cxt is
 *		not NULL).
 */
void
worker_loop_begin(MemoryContext cxt)
{
	CHECK_FOR_INTERRUPTS();
	if (ConfigReloadPending)
	{
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
	}
	if (cxt != NULL)
	{
		MemoryContextReset(cxt);
		MemoryContextSwitchTo(cxt);
	}
}

/*
 * worker_xact_begin / worker_xact_commit
 *		One short transaction with SPI.  The commit leaves the worker in the
 *		memory context it began in (its loop's or its window's), never in
 *		one the transaction took away.
 */
void
worker_xact_begin(void)
{
	xact_caller_context = CurrentMemoryContext;
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PushActiveSnapshot(GetTransactionSnapshot());
}

/* See worker_xact_begin. */
void
worker_xact_commit(void)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(true);
	MemoryContextSwitchTo(xact_caller_context ? xact_caller_context : TopMemoryContext);
}

/*
 * worker_recover
 *		In a background worker's PG_CATCH: report the error, abort the
 *		transaction and return a copy of the error (made in cxt), so that
 *		the worker can record it and go on.  A shutdown, a cancel or
 *		anything worse than ERROR is thrown on instead: the worker must end.
 */
ErrorData *
worker_recover(MemoryContext cxt)
{
	ErrorData  *edata;

	HOLD_INTERRUPTS();
	MemoryContextSwitchTo(cxt);
	edata = CopyErrorData();
	if (edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN ||
		edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
		edata->elevel > ERROR)
	{
		RESUME_INTERRUPTS();
		PG_RE_THROW();
	}
	EmitErrorReport();
	FlushErrorState();
	AbortCurrentTransaction();
	RESUME_INTERRUPTS();
	return edata;
}

/*
 * worker_extension_present
 *		Whether tracker is installed in this database (and not being
 *		created or dropped by an uncommitted transaction we cannot see).
 */
bool
worker_extension_present(void)
{
	return OidIsValid(get_extension_oid("tracker", true));
}

/*
 * worker_restore_in_progress
 *		Whether pg_restore is connected to this database.  A restore that
 *		does not run in one transaction commits CREATE EXTENSION first and
 *		copies the extension's tables (and sets its sequences) later: a job,
 *		a schedule or a silver row the workers wrote in between would collide
 *		with the rows still to come.  So the scheduler and the workers stand
 *		aside until the restore has disconnected.  Needs SPI.
 */
bool
worker_restore_in_progress(void)
{
	bool		isnull;
	int			rc;

	rc = SPI_execute("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity "
					 " WHERE datid = (SELECT oid FROM pg_catalog.pg_database "
					 "                WHERE datname = pg_catalog.current_database()) "
					 " AND application_name = 'pg_restore')",
					 true, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not look for a restore in progress: %s",
			 SPI_result_code_string(rc));
	return DatumGetBool(spi_datum(0, 1, &isnull));
}

/*
 * worker_requeue_lost
 *		Put back the work whose process is gone, and return how much.
 *
 *		The claims are read first, with the transaction's snapshot (select
 *		returns the nparams parameters of update, column pidcol, 1-based,
 *		being the pid of the claiming process), and the live processes after
 *		(live_pids): a process that made a claim this snapshot shows had
 *		registered in shared memory before it, so a claim whose pid is
 *		missing from the later list has lost its process.  A pid merely
 *		present in pg_stat_activity proves nothing, since the system may have
 *		given it to another process, so update must put a claim back only if
 *		it is still the one read.
 */
uint64
worker_requeue_lost(const char *select, const char *update, int nparams,
					Oid *types, int pidcol, WorkerPidsFn live_pids,
					const char *what)
{
	MemoryContext old = CurrentMemoryContext;
	pid_t		live[TRACKER_MAX_WORKERS_PER_DB];
	int			nlive;
	SPITupleTable *claims;
	uint64		nclaims;
	uint64		requeued = 0;
	uint64		i;
	int			rc;

	Assert(nparams <= 8 && pidcol >= 1 && pidcol <= nparams);
	rc = SPI_execute(select, true, 0);
	MemoryContextSwitchTo(old);
	spi_check(rc, SPI_OK_SELECT, what);
	claims = SPI_tuptable;
	nclaims = SPI_processed;
	if (nclaims == 0)
		return 0;

	nlive = live_pids(MyDatabaseId, live);
	for (i = 0; i < nclaims; i++)
	{
		Datum		values[8];
		char		nulls[8];
		bool		isnull;
		bool		alive = false;
		int			j;

		for (j = 0; j < nparams; j++)
		{
			values[j] = SPI_getbinval(claims->vals[i], claims->tupdesc, j + 1,
									  &isnull);
			nulls[j] = isnull ? 'n' : ' ';
		}
		if (nulls[pidcol - 1] == ' ')
			for (j = 0; j < nlive; j++)
				if (live[j] == DatumGetInt32(values[pidcol - 1]))
					alive = true;
		if (!alive)
			requeued += spi_exec(update, nparams, types, values, nulls,
								 SPI_OK_UPDATE, what);
	}
	return requeued;
}
