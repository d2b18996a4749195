/*-------------------------------------------------------------------------
 *
 * scheduler.c
 *	  The per-database scheduler: queues scheduled syncs, recovers windows
 *	  left by crashed workers, closes finished jobs, and keeps enough sync
 *	  workers running for the work that is queued.
 *
 * The scheduler itself makes no HTTP request; it only runs short
 * transactions, so DROP EXTENSION, a restart or SIGTERM stop it at once.
 * Everything it knows lives in tables (tracker.job, tracker.job_window), so
 * a crash at any point loses nothing: the next scheduler picks up where the
 * tables say.  It keeps the handles of the sync workers it registers and
 * counts them by those; a window's worker is alive when it is attached to
 * the database in shared memory (see requeue_orphans), never because a
 * process with its pid exists.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "archive/archive.h"
#include "bgw/bgw.h"
#include "common/common.h"
#include "notify/notify.h"
#include "tracker.h"

/*
 * scheduler_detach
 *		Give up the database's scheduler place.  A scheduler that died is
 *		started again after a growing delay; one stopped by a command that
 *		pauses the database (DROP DATABASE and the like) did not fail, and
 *		comes back as soon as the pause ends.
 */
static void
scheduler_detach(int code, Datum arg)
{
	TrackerDbSlot *s;

	LWLockAcquire(tracker_shared->lock, LW_EXCLUSIVE);
	s = db_slot(MyDatabaseId != InvalidOid ? MyDatabaseId : DatumGetObjectId(arg), false);
	if (s && s->scheduler_pid == MyProcPid)
	{
		TimestampTz now = GetCurrentTimestamp();

		s->scheduler_pid = 0;
		s->scheduler_latch = NULL;
		if (s->state == DB_ACTIVE && code != 0 && !db_slot_paused(s, now))
		{
			/* died: restart after a growing delay */
			s->restarts = Min(s->restarts + 1, 6);
			s->restart_at = TimestampTzPlusMilliseconds(now, 1000 << s->restarts);
		}
	}
	LWLockRelease(tracker_shared->lock);
	wake_launcher();
}

static void
set_db_state(Oid dboid, DbState state)
{
	TrackerDbSlot *s;

	LWLockAcquire(tracker_shared->lock, LW_EXCLUSIVE);
	s = db_slot(dboid, false);
	if (s)
	{
		s->state = state;
		if (state == DB_ABSENT)
			s->next_probe = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
														300 * 1000);
		if (state == DB_ACTIVE)
			s->restarts = 0;
	}
	LWLockRelease(tracker_shared->lock);
}

/*
 * The sync workers this scheduler registered.  The scheduler polls their
 * handles; the postmaster wakes it (bgw_notify_pid) when one starts or
 * stops.
 */
static BackgroundWorkerHandle *worker_handles[TRACKER_MAX_WORKERS_PER_DB];

/*
 * running_workers
 *		How many sync workers this database has: those this scheduler
 *		registered that have not stopped (started or about to), and live
 *		ones that an earlier scheduler started.  Handles of workers that
 *		stopped are dropped.
 */
static int
running_workers(Oid dboid)
{
	pid_t		attached[TRACKER_MAX_WORKERS_PER_DB];
	pid_t		mine[TRACKER_MAX_WORKERS_PER_DB];
	int			nattached;
	int			nmine = 0;
	int			n = 0;
	int			i;
	int			j;

	for (i = 0; i < TRACKER_MAX_WORKERS_PER_DB; i++)
	{
		pid_t		pid = 0;
		BgwHandleStatus st;

		if (worker_handles[i] == NULL)
			continue;
		st = GetBackgroundWorkerPid(worker_handles[i], &pid);
		if (st == BGWH_STOPPED || st == BGWH_POSTMASTER_DIED)
		{
			pfree(worker_handles[i]);
			worker_handles[i] = NULL;
			continue;
		}
		n++;
		if (st == BGWH_STARTED)
			mine[nmine++] = pid;
	}

	nattached = db_slot_workers(dboid, attached);
	for (i = 0; i < nattached; i++)
	{
		bool		known = false;

		for (j = 0; j < nmine; j++)
			if (mine[j] == attached[i])
				known = true;
		if (!known)
			n++;
	}
	return n;
}

static void
start_workers(Oid dboid, int n)
{
	int			i;

	for (i = 0; i < TRACKER_MAX_WORKERS_PER_DB && n > 0; i++)
	{
		BackgroundWorker worker;
		MemoryContext old;
		bool		ok;

		if (worker_handles[i] != NULL)
			continue;
		worker_describe(&worker, "tracker_worker_main", "tracker sync worker", dboid);
		old = MemoryContextSwitchTo(TopMemoryContext);
		ok = RegisterDynamicBackgroundWorker(&worker, &worker_handles[i]);
		MemoryContextSwitchTo(old);
		if (!ok)
		{
			worker_handles[i] = NULL;
			ereport(LOG,
					(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
					 errmsg("tracker scheduler could not start a sync worker: out of background worker slots"),
					 errhint("Raise max_worker_processes.")));
			break;
		}
		n--;
	}
}

/*
 * requeue_orphans
 *		Put back in the queue the running windows whose worker is gone.
 *
 *		A window's worker is alive exactly when its pid is among the sync
 *		workers attached to this database in shared memory: a worker
 *		attaches before it claims anything and detaches when it exits (see
 *		worker_requeue_lost()).  Each window is put back only if its claim
 *		(pid and time) is still the one read.
 */
static void
requeue_orphans(void)
{
	Oid			types[4] = {INT8OID, INT4OID, INT4OID, TIMESTAMPTZOID};

	(void) worker_requeue_lost("SELECT job_id, seq, worker_pid, claimed_at "
							   "FROM tracker.job_window WHERE state = 'running'",
							   "UPDATE tracker.job_window SET state = 'queued', worker_pid = NULL "
							   "WHERE job_id = $1 AND seq = $2 AND state = 'running' "
							   " AND worker_pid IS NOT DISTINCT FROM $3 "
							   " AND claimed_at IS NOT DISTINCT FROM $4",
							   4, types, 3, db_slot_workers,
							   "requeue running windows");
}

/*
 * scheduler_cycle
 *		One round of bookkeeping in one short transaction.  Returns the
 *		number of accounts with claimable work.
 */
static int64
scheduler_cycle(bool first)
{
	int64		ready;

	/* Windows of workers that are gone go back to the queue. */
	requeue_orphans();
	if (first)
		spi_exec("UPDATE tracker.job SET last_error = 'resumed after a restart' "
				 "WHERE state = 'running'",
				 0, NULL, NULL, NULL, SPI_OK_ANY, "mark running jobs resumed");

	/*
	 * Scheduled syncs: each connected account, every sync_interval; a full
	 * one (every trailing day) every full_sync_interval, incremental ones in
	 * between (see tracker.plan_windows).  Now is tracker.clock when set.
	 */
	spi_exec("WITH clock AS ("
			 " SELECT coalesce(nullif(current_setting('tracker.clock'), '')::timestamptz, now()) AS now),"
			 " due AS ("
			 " SELECT a.account_id, a.time_zone,"
			 "  c.last_full_at IS NOT NULL AND c.last_full_at <= k.now"
			 "  AND current_setting('tracker.full_sync_interval')::interval > interval '0'"
			 "  AND c.last_full_at + current_setting('tracker.full_sync_interval')::interval > k.now"
			 "  AS incremental"
			 " FROM clock k, tracker.account a"
			 " JOIN tracker.account_auth s ON s.account_id = a.account_id AND s.state = 'connected'"
			 " LEFT JOIN tracker.account_schedule c ON c.account_id = a.account_id"
			 " WHERE a.provider IN (SELECT provider FROM tracker.provider_data_type)"
			 "  AND (c.last_queued_at IS NULL OR c.last_queued_at > k.now OR c.last_queued_at + "
			 "       current_setting('tracker.sync_interval')::interval <= k.now)"
			 "  AND NOT EXISTS (SELECT 1 FROM tracker.job j WHERE j.account_id = a.account_id"
			 "                  AND j.kind = 'sync' AND j.state IN ('queued', 'running'))),"
			 " jobs AS ("
			 " INSERT INTO tracker.job (account_id, kind, days, incremental)"
			 " SELECT account_id, 'sync', daterange((k.now AT TIME ZONE time_zone)::date"
			 "   - current_setting('tracker.trailing_days')::int + 1,"
			 "   (k.now AT TIME ZONE time_zone)::date + 1), incremental FROM due, clock k"
			 " RETURNING job_id, account_id, incremental),"
			 " marks AS ("
			 " INSERT INTO tracker.account_schedule AS m (account_id, last_queued_at, last_full_at)"
			 " SELECT account_id, k.now, CASE WHEN incremental THEN NULL ELSE k.now END"
			 " FROM jobs, clock k"
			 " ON CONFLICT (account_id) DO UPDATE SET last_queued_at = excluded.last_queued_at,"
			 "  last_full_at = coalesce(excluded.last_full_at, m.last_full_at))"
			 " SELECT tracker.plan_windows(job_id) FROM jobs",
			 0, NULL, NULL, NULL, SPI_OK_ANY, "queue scheduled syncs");

	/* Close jobs with nothing left to do. */
	spi_exec("UPDATE tracker.job j SET state = CASE WHEN w.failed > 0 THEN 'failed' ELSE 'done' END,"
			 " finished_at = now(), started_at = coalesce(j.started_at, now()),"
			 " last_error = CASE WHEN w.failed > 0 THEN w.err ELSE NULL END"
			 " FROM (SELECT job_id, count(*) FILTER (WHERE state = 'failed') AS failed,"
			 "        count(*) FILTER (WHERE state IN ('queued', 'running')) AS open,"
			 "        (array_agg(last_error ORDER BY finished_at DESC NULLS LAST)"
			 "          FILTER (WHERE state = 'failed'))[1] AS err"
			 "       FROM tracker.job_window GROUP BY job_id) w"
			 " WHERE w.job_id = j.job_id AND w.open = 0 AND j.state IN ('queued', 'running')",
			 0, NULL, NULL, NULL, SPI_OK_ANY, "close finished jobs");
	spi_exec("UPDATE tracker.job j SET state = 'done', finished_at = now()"
			 " WHERE j.state IN ('queued', 'running')"
			 " AND NOT EXISTS (SELECT 1 FROM tracker.job_window w WHERE w.job_id = j.job_id)",
			 0, NULL, NULL, NULL, SPI_OK_ANY, "close jobs without windows");

	/* Accounts with work a worker may claim now. */
	ready = spi_count("SELECT count(DISTINCT w.account_id) FROM tracker.job_window w"
					  " JOIN tracker.job j ON j.job_id = w.job_id"
					  " JOIN tracker.account_auth s ON s.account_id = w.account_id"
					  " JOIN tracker.account a ON a.account_id = w.account_id"
					  " WHERE w.state = 'queued' AND j.state IN ('queued', 'running')"
					  " AND s.state = 'connected'"
					  " AND NOT EXISTS (SELECT 1 FROM tracker.account_backoff b"
					  "   WHERE b.account_id = w.account_id AND b.until > now())"
					  " AND NOT EXISTS (SELECT 1 FROM tracker.source_status o"
					  "   WHERE o.provider = a.provider AND o.state = 'offline'"
					  "   AND o.retry_at > now())",
					  "count the accounts with work");
	return ready;
}

/*
 * tracker_scheduler_main
 *		Entry point of a database's scheduler.
 */
void
tracker_scheduler_main(Datum main_arg)
{
	Oid			dboid = DatumGetObjectId(main_arg);
	TrackerDbSlot *s;
	MemoryContext loop;
	bool		first = true;
	bool		idle_logged = false;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	/*
	 * One scheduler per database, and none while a command keeps the
	 * database paused (the launcher starts one when the pause ends).
	 */
	LWLockAcquire(tracker_shared->lock, LW_EXCLUSIVE);
	s = db_slot(dboid, true);
	if (s == NULL || s->scheduler_pid != 0 ||
		db_slot_paused(s, GetCurrentTimestamp()))
	{
		LWLockRelease(tracker_shared->lock);
		proc_exit(0);
	}
	s->scheduler_pid = MyProcPid;
	s->scheduler_latch = &MyProc->procLatch;
	LWLockRelease(tracker_shared->lock);
	before_shmem_exit(scheduler_detach, main_arg);

	/* A database that stops allowing connections must not crash-loop us. */
	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid,
											  BGWORKER_BYPASS_ALLOWCONN);

	/* A database's own search_path must not redirect Tracker's statements. */
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);

	loop = AllocSetContextCreate(TopMemoryContext, "tracker scheduler",
								 ALLOCSET_DEFAULT_SIZES);

	for (;;)
	{
		int64		ready = 0;
		int			running;
		bool		present;
		bool		restoring = false;
		bool		citus_worker = false;

		worker_loop_begin(loop);

		pgstat_report_activity(STATE_RUNNING, "tracker scheduler: checking jobs");
		worker_xact_begin();
		present = worker_extension_present();
		if (present)
			restoring = worker_restore_in_progress();
		if (present && !restoring)
			citus_worker = citus_worker_node();
		if (present && !restoring && !citus_worker)
		{
			/* Tables may be locked by a DROP EXTENSION in progress. */
			SetConfigOption("lock_timeout", "2000", PGC_SUSET, PGC_S_SESSION);
			ready = scheduler_cycle(first);
		}
		worker_xact_commit();

		if (!present)
		{
			pgstat_report_activity(STATE_IDLE, NULL);
			set_db_state(dboid, DB_ABSENT);
			proc_exit(0);
		}
		set_db_state(dboid, DB_ACTIVE);
		if (restoring)
		{
			pgstat_report_activity(STATE_IDLE,
								   "tracker scheduler: waiting for pg_restore to finish");
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 tracker_scheduler_naptime_ms, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			continue;
		}
		if (citus_worker)
		{
			/* the coordinator syncs every account: see citus_node.c */
			if (!idle_logged)
				ereport(LOG,
						(errmsg("tracker scheduler stays idle: this database is a Citus worker node"),
						 errdetail("Syncs, archive runs and notifications run on the coordinator.")));
			idle_logged = true;
			pgstat_report_activity(STATE_IDLE, "tracker scheduler: idle on a Citus worker node");
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 Max(tracker_scheduler_naptime_ms, 10000), PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			continue;
		}
		idle_logged = false;
		pgstat_report_activity(STATE_IDLE, NULL);
		first = false;

		/* Queue and start the scheduled archive when it is due. */
		archive_schedule();

		/* Look for events; start the notify worker when deliveries are due. */
		notify_schedule();

		running = running_workers(dboid);
		if (tracker_scheduler_enabled && ready > running)
			start_workers(dboid, (int) Min(ready, tracker_max_sync_workers) - running);

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 tracker_scheduler_naptime_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
