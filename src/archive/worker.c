/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  Scheduled archives: queued by the scheduler, run one after the other
 *	  by the archive worker of the database.
 *
 * The archive worker opens short transactions only to read payloads and
 * record results, never across a request.  It has a place of its own in
 * shared memory beside (never instead of) the sync workers, and takes the
 * archive lock for its session, giving up when a restore holds it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "archive/archive.h"
#include "archive/archive_int.h"
#include "common/common.h"
#include "http/http.h"
#include "tracker.h"


/* The archive worker of a database, when one is running. */
static int
archive_live_pid(Oid dboid, pid_t *pids)
{
	pids[0] = db_slot_archive_pid(dboid);
	return pids[0] != 0 ? 1 : 0;
}

/*
 * archive_requeue_orphans
 *		Scheduled runs marked running whose archive worker is gone go back
 *		to the queue (see worker_requeue_lost()): a run is put back only if
 *		its claim is unchanged.  Returns whether any run was put back.
 */
static bool
archive_requeue_orphans(void)
{
	Oid			types[2] = {INT8OID, INT4OID};

	return worker_requeue_lost("SELECT run_id, worker_pid FROM tracker.archive_run "
							   "WHERE state = 'running' AND trigger = 'scheduled'",
							   "UPDATE tracker.archive_run SET state = 'queued', worker_pid = NULL,"
							   " last_error = 'the archive worker stopped before finishing; queued again'"
							   " WHERE run_id = $1 AND state = 'running'"
							   "  AND worker_pid IS NOT DISTINCT FROM $2",
							   2, types, 2, archive_live_pid,
							   "requeue archive runs") > 0;
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
		bool		isnull;

		(void) archive_requeue_orphans();
		values[0] = Int32GetDatum(tracker_archive_interval_s);
		if (spi_exec_limit("WITH queue AS ("
						   " INSERT INTO tracker.archive_run (trigger, through)"
						   " SELECT 'scheduled', current_date - 1"
						   " WHERE EXISTS (SELECT 1 FROM tracker.s3_config)"
						   "  AND NOT EXISTS (SELECT 1 FROM tracker.archive_run"
						   "   WHERE state IN ('queued', 'running'))"
						   "  AND tracker.archive_next_at(make_interval(secs => $1)) <= now()"
						   " RETURNING run_id)"
						   " SELECT EXISTS (SELECT 1 FROM tracker.archive_run WHERE state = 'queued')"
						   "   OR EXISTS (SELECT 1 FROM queue)",
						   1, types, values, NULL, 1,
						   SPI_OK_SELECT, "schedule the archive") != 1)
			elog(ERROR, "could not schedule the archive: no answer");
		start = DatumGetBool(spi_datum(0, 1, &isnull)) &&
			db_slot_archive_pid(MyDatabaseId) == 0;
	}
	worker_xact_commit();
	return start;
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
	}
	last_start = now;
	worker_start_once(&handle, "tracker_archive_main", "tracker archive worker");
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

		values[0] = Int32GetDatum(MyProcPid);
		spi_exec_limit("UPDATE tracker.archive_run SET state = 'running', "
					   " worker_pid = $1, started_at = coalesce(started_at, now()) "
					   "WHERE run_id = (SELECT run_id FROM tracker.archive_run "
					   " WHERE state = 'queued' ORDER BY run_id LIMIT 1 "
					   " FOR UPDATE SKIP LOCKED) "
					   "RETURNING run_id, through",
					   1, types, values, NULL, 1,
					   SPI_OK_UPDATE_RETURNING, "claim an archive run");
		if (SPI_processed == 1)
		{
			bool		isnull;

			run->run_id = DatumGetInt64(spi_datum(0, 1, &isnull));
			run->through = DatumGetDateADT(spi_datum(0, 2, &isnull));
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
			 2, types, values, nulls, SPI_OK_UPDATE, "record how the run ended");
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

		worker_loop_begin(top);
		run_setup(&run, top, true);
		run.owner = owner;
		MemoryContextSwitchTo(run.cxt);
		if (!archive_claim(&run))
			break;

		pgstat_report_activity(STATE_RUNNING, "tracker: archiving to S3");
		(void) http_session_begin(run.cxt);
		PG_TRY();
		{
			archive_execute(&run);
			(void) archive_retire_bronze(&run);
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
