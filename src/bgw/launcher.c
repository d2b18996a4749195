/*-------------------------------------------------------------------------
 *
 * launcher.c
 *	  The launcher: one static background worker that keeps one scheduler
 *	  running in every database where Tracker is installed.
 *
 * The launcher connects to no database (it reads only pg_database).  It
 * does not know where the extension is installed, so a database it has not
 * seen yet gets a scheduler, which exits at once, saying so, when the
 * extension is absent; the launcher then looks again only every few
 * minutes, or at once when CREATE EXTENSION wakes it.  A scheduler that
 * dies is started again with a growing delay, never in a tight loop.
 * Commands that need a database to themselves pause its processes (see
 * pause.c).
 *
 * Which process is alive is known from shared memory, where every process
 * of a database records itself under an LWLock and erases itself when it
 * exits, and from the handles of the background workers a process
 * registered; never from a pid alone.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_database.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "commands/extension.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "bgw/bgw.h"
#include "common/common.h"
#include "tracker.h"

/* How often the launcher looks at pg_database, and re-probes. */
#define LAUNCHER_NAPTIME_MS 2000

/* The launcher's scheduler handles: it started them, so it polls them. */
typedef struct SchedulerHandle
{
	Oid			dboid;
	BackgroundWorkerHandle *handle;
} SchedulerHandle;

static SchedulerHandle scheduler_handles[TRACKER_MAX_DATABASES];

/*
 * workers_init
 *		Called from _PG_init: the utility hook and the launcher.
 */
void
workers_init(void)
{
	BackgroundWorker worker;

	pause_init();

	/* static: restarted by the postmaster, and nobody to notify */
	worker_describe(&worker, "tracker_launcher_main", "tracker launcher",
					InvalidOid);
	worker.bgw_restart_time = 5;
	worker.bgw_notify_pid = 0;
	RegisterBackgroundWorker(&worker);
}

static void
launcher_detach(int code, Datum arg)
{
	LWLockAcquire(tracker_shared->lock, LW_EXCLUSIVE);
	if (tracker_shared->launcher_pid == MyProcPid)
	{
		tracker_shared->launcher_pid = 0;
		tracker_shared->launcher_latch = NULL;
	}
	LWLockRelease(tracker_shared->lock);
}

/*
 * scheduler_handle
 *		The launcher's handle entry of a database's scheduler, with create
 *		a free one.  A handle of a scheduler that has stopped is dropped.
 */
static SchedulerHandle *
scheduler_handle(Oid dboid, bool create)
{
	int			i;
	SchedulerHandle *free_entry = NULL;

	for (i = 0; i < TRACKER_MAX_DATABASES; i++)
	{
		SchedulerHandle *h = &scheduler_handles[i];

		if (h->handle != NULL)
		{
			pid_t		pid;

			if (GetBackgroundWorkerPid(h->handle, &pid) == BGWH_STOPPED)
			{
				pfree(h->handle);
				h->handle = NULL;
				h->dboid = InvalidOid;
			}
		}
		if (h->handle != NULL && h->dboid == dboid)
			return h;
		if (h->handle == NULL && free_entry == NULL)
			free_entry = h;
	}
	return create ? free_entry : NULL;
}

/*
 * start_scheduler
 *		Register a scheduler for a database and keep its handle.  Returns
 *		false when no worker slot is free.
 */
static bool
start_scheduler(Oid dboid)
{
	BackgroundWorker worker;
	SchedulerHandle *h = scheduler_handle(dboid, true);
	MemoryContext old;
	bool		ok;

	if (h == NULL)
		return false;
	worker_describe(&worker, "tracker_scheduler_main", "tracker scheduler", dboid);
	old = MemoryContextSwitchTo(TopMemoryContext);
	ok = RegisterDynamicBackgroundWorker(&worker, &h->handle);
	MemoryContextSwitchTo(old);
	if (ok)
		h->dboid = dboid;
	else
		h->handle = NULL;
	return ok;
}

/*
 * report_pauses
 *		Show in pg_stat_activity which databases a command keeps paused.
 */
static void
report_pauses(TimestampTz now)
{
	static char last[256] = "";
	char		buf[256];
	int			len = 0;
	int			i;

	buf[0] = '\0';
	LWLockAcquire(tracker_shared->lock, LW_SHARED);
	for (i = 0; i < TRACKER_MAX_DATABASES && len < (int) sizeof(buf) - 16; i++)
	{
		TrackerDbSlot *s = &tracker_shared->dbs[i];

		if (s->dboid != InvalidOid && db_slot_paused(s, now))
			len += snprintf(buf + len, sizeof(buf) - len, "%s%u",
							len == 0 ? "tracker launcher: paused databases: " : ", ",
							s->dboid);
	}
	LWLockRelease(tracker_shared->lock);
	if (strcmp(buf, last) != 0)
	{
		strlcpy(last, buf, sizeof(last));
		pgstat_report_activity(STATE_IDLE, buf);	/* "" clears it */
	}
}

/*
 * launcher_scan
 *		Start a scheduler for every database that needs one.
 */
static void
launcher_scan(void)
{
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	Oid			seen[TRACKER_MAX_DATABASES];
	int			nseen = 0;
	int			i;
	TimestampTz now = GetCurrentTimestamp();

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL &&
		   nseen < TRACKER_MAX_DATABASES)
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tup);

		if (!db->datallowconn || db->datistemplate)
			continue;
		seen[nseen++] = db->oid;
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	PopActiveSnapshot();
	CommitTransactionCommand();

	for (i = 0; i < nseen; i++)
	{
		bool		start = false;
		TrackerDbSlot *s;

		/* registered and not stopped yet: its handle says so */
		if (scheduler_handle(seen[i], false) != NULL)
			continue;

		LWLockAcquire(tracker_shared->lock, LW_EXCLUSIVE);
		s = db_slot(seen[i], true);
		if (s && s->scheduler_pid == 0 && !db_slot_paused(s, now))
		{
			if (s->state == DB_UNKNOWN)
				start = true;
			else if (s->state == DB_ACTIVE && s->restart_at <= now)
				start = true;
			else if (s->state == DB_ABSENT && s->next_probe <= now)
				start = true;
		}
		LWLockRelease(tracker_shared->lock);

		if (start && !start_scheduler(seen[i]))
		{
			ereport(LOG,
					(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
					 errmsg("tracker launcher could not start a scheduler: out of background worker slots"),
					 errhint("Raise max_worker_processes.")));
			LWLockAcquire(tracker_shared->lock, LW_EXCLUSIVE);
			s->restart_at = TimestampTzPlusMilliseconds(now, 10000);
			LWLockRelease(tracker_shared->lock);
		}
	}

	/* Forget databases that are gone. */
	LWLockAcquire(tracker_shared->lock, LW_EXCLUSIVE);
	for (i = 0; i < TRACKER_MAX_DATABASES; i++)
	{
		TrackerDbSlot *s = &tracker_shared->dbs[i];
		bool		found = false;
		int			j;

		if (s->dboid == InvalidOid || s->scheduler_pid != 0 ||
			s->archive_pid != 0 || s->pausers > 0)
			continue;
		for (j = 0; j < TRACKER_MAX_WORKERS_PER_DB; j++)
			if (s->worker_pids[j] != 0)
				found = true;
		for (j = 0; j < nseen; j++)
			if (seen[j] == s->dboid)
				found = true;
		if (!found)
			memset(s, 0, sizeof(TrackerDbSlot));
	}
	LWLockRelease(tracker_shared->lock);
}

/*
 * tracker_launcher_main
 *		Entry point of the launcher.
 */
void
tracker_launcher_main(Datum main_arg)
{
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);

	LWLockAcquire(tracker_shared->lock, LW_EXCLUSIVE);
	tracker_shared->launcher_pid = MyProcPid;
	tracker_shared->launcher_latch = &MyProc->procLatch;
	LWLockRelease(tracker_shared->lock);
	before_shmem_exit(launcher_detach, (Datum) 0);

	pgstat_report_activity(STATE_IDLE, NULL);
	for (;;)
	{
		worker_loop_begin(NULL);
		if (tracker_scheduler_enabled)
			launcher_scan();
		report_pauses(GetCurrentTimestamp());

		/* The postmaster sets the latch when a scheduler starts or stops. */
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 LAUNCHER_NAPTIME_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
