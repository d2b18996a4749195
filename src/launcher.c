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
 *
 * DROP DATABASE, ALTER DATABASE ... RENAME and CREATE DATABASE ... TEMPLATE
 * refuse to run while anyone is connected to the database, so a utility
 * hook stops that database's workers first and keeps them stopped while
 * the command runs.
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
#include "catalog/pg_database.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
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
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "workers.h"

TrackerShared *tracker_shared = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* How often the launcher looks at pg_database, and re-probes. */
#define LAUNCHER_NAPTIME_MS 2000
#define STARTING_TIMEOUT_S 30

static void
tracker_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(TrackerShared)));
}

static void
tracker_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	tracker_shared = ShmemInitStruct("tracker", sizeof(TrackerShared), &found);
	if (!found)
	{
		memset(tracker_shared, 0, sizeof(TrackerShared));
		SpinLockInit(&tracker_shared->mutex);
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * db_slot
 *		The shared slot of a database; with create, claims a free one.
 *		Caller holds the mutex.
 */
TrackerDbSlot *
db_slot(Oid dboid, bool create)
{
	int			i;
	TrackerDbSlot *free_slot = NULL;

	for (i = 0; i < TRACKER_MAX_DATABASES; i++)
	{
		TrackerDbSlot *s = &tracker_shared->dbs[i];

		if (s->dboid == dboid)
			return s;
		if (s->dboid == InvalidOid && free_slot == NULL)
			free_slot = s;
	}
	if (create && free_slot)
	{
		memset(free_slot, 0, sizeof(TrackerDbSlot));
		free_slot->dboid = dboid;
		return free_slot;
	}
	return NULL;
}

/*
 * db_slot_attach
 *		Take a worker place in a database's slot for this process, so that
 *		DROP DATABASE and DROP EXTENSION find it and stop it.  At most
 *		max_live live processes share the places; with respect_pause none is
 *		taken while a DROP or RENAME DATABASE is in progress.  False when no
 *		place can be taken.  db_slot_detach (a before_shmem_exit callback
 *		whose argument is the database's Oid) gives the place back.
 */
bool
db_slot_attach(Oid dboid, int max_live, bool respect_pause)
{
	TrackerDbSlot *s;
	int			i;
	int			n = 0;
	bool		ok = false;

	SpinLockAcquire(&tracker_shared->mutex);
	s = db_slot(dboid, false);
	if (s && !(respect_pause && s->paused_until > GetCurrentTimestamp()))
	{
		for (i = 0; i < TRACKER_MAX_WORKERS_PER_DB; i++)
			if (s->worker_pids[i] != 0 && kill(s->worker_pids[i], 0) == 0)
				n++;
		for (i = 0; i < TRACKER_MAX_WORKERS_PER_DB && n < max_live; i++)
			if (s->worker_pids[i] == 0 || kill(s->worker_pids[i], 0) != 0)
			{
				s->worker_pids[i] = MyProcPid;
				ok = true;
				break;
			}
	}
	SpinLockRelease(&tracker_shared->mutex);
	return ok;
}

/* See db_slot_attach. */
void
db_slot_detach(int code, Datum arg)
{
	TrackerDbSlot *s;
	int			i;

	SpinLockAcquire(&tracker_shared->mutex);
	s = db_slot(DatumGetObjectId(arg), false);
	if (s)
		for (i = 0; i < TRACKER_MAX_WORKERS_PER_DB; i++)
			if (s->worker_pids[i] == MyProcPid)
				s->worker_pids[i] = 0;
	SpinLockRelease(&tracker_shared->mutex);
}

void
wake_launcher(void)
{
	Latch	   *latch = NULL;

	if (tracker_shared == NULL)
		return;
	SpinLockAcquire(&tracker_shared->mutex);
	if (tracker_shared->launcher_pid != 0)
		latch = tracker_shared->launcher_latch;
	SpinLockRelease(&tracker_shared->mutex);
	if (latch)
		SetLatch(latch);
}

/*
 * wake_scheduler
 *		Wake a database's scheduler, or the launcher to start one.
 */
void
wake_scheduler(Oid dboid)
{
	Latch	   *latch = NULL;
	TrackerDbSlot *s;

	if (tracker_shared == NULL)
		return;
	SpinLockAcquire(&tracker_shared->mutex);
	s = db_slot(dboid, true);
	if (s)
	{
		if (s->scheduler_pid != 0)
			latch = s->scheduler_latch;
		else if (s->state != DB_ACTIVE)
		{
			s->state = DB_UNKNOWN;	/* look again now */
			s->restart_at = 0;
		}
	}
	SpinLockRelease(&tracker_shared->mutex);
	if (latch)
		SetLatch(latch);
	else
		wake_launcher();
}

/*
 * stop_database_workers
 *		Stop a database's scheduler and workers and keep them stopped for a
 *		while, so that a command needing the database to itself can run.
 */
static void
stop_database_workers(Oid dboid, int pause_seconds)
{
	pid_t		pids[TRACKER_MAX_WORKERS_PER_DB + 1];
	int			n = 0;
	int			i;
	int			waited;
	TrackerDbSlot *s;

	if (tracker_shared == NULL || !OidIsValid(dboid))
		return;
	SpinLockAcquire(&tracker_shared->mutex);
	s = db_slot(dboid, false);
	if (s)
	{
		s->paused_until = pause_seconds > 0 ?
			TimestampTzPlusMilliseconds(GetCurrentTimestamp(), pause_seconds * 1000) : 0;
		if (s->scheduler_pid)
			pids[n++] = s->scheduler_pid;
		for (i = 0; i < TRACKER_MAX_WORKERS_PER_DB; i++)
			if (s->worker_pids[i])
				pids[n++] = s->worker_pids[i];
	}
	SpinLockRelease(&tracker_shared->mutex);

	for (i = 0; i < n; i++)
		kill(pids[i], SIGTERM);

	/* Wait (up to 10 s) until they are gone. */
	for (waited = 0; waited < 1000 && n > 0; waited++)
	{
		bool		alive = false;

		for (i = 0; i < n; i++)
			if (BackendPidGetProc(pids[i]) != NULL)
				alive = true;
		if (!alive)
			break;
		pg_usleep(10000);
		CHECK_FOR_INTERRUPTS();
	}
}

static void
resume_database_workers(Oid dboid)
{
	TrackerDbSlot *s;

	if (tracker_shared == NULL || !OidIsValid(dboid))
		return;
	SpinLockAcquire(&tracker_shared->mutex);
	s = db_slot(dboid, false);
	if (s)
		s->paused_until = 0;
	SpinLockRelease(&tracker_shared->mutex);
	wake_launcher();
}

/*
 * tracker_ProcessUtility
 *		Step aside for commands that need a database without connections.
 */
static void
tracker_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
					   bool readOnlyTree, ProcessUtilityContext context,
					   ParamListInfo params, QueryEnvironment *queryEnv,
					   DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	volatile Oid dboid = InvalidOid;

	if (IsA(parsetree, DropdbStmt))
		dboid = get_database_oid(((DropdbStmt *) parsetree)->dbname, true);
	else if (IsA(parsetree, RenameStmt) &&
			 ((RenameStmt *) parsetree)->renameType == OBJECT_DATABASE)
		dboid = get_database_oid(((RenameStmt *) parsetree)->subname, true);
	else if (IsA(parsetree, CreatedbStmt))
	{
		ListCell   *lc;

		foreach(lc, ((CreatedbStmt *) parsetree)->options)
		{
			DefElem    *opt = (DefElem *) lfirst(lc);

			if (strcmp(opt->defname, "template") == 0 && opt->arg)
				dboid = get_database_oid(defGetString(opt), true);
		}
	}

	/*
	 * DROP EXTENSION tracker takes its tables' locks one by one; a worker in
	 * the middle of a write would deadlock with it.  Stop this database's
	 * workers first and leave them paused: when the pause ends the launcher
	 * looks again, and a scheduler that finds no extension exits.
	 */
	if (IsA(parsetree, DropStmt) &&
		((DropStmt *) parsetree)->removeType == OBJECT_EXTENSION)
	{
		ListCell   *lc;

		foreach(lc, ((DropStmt *) parsetree)->objects)
			if (strcmp(strVal(lfirst(lc)), "tracker") == 0)
				stop_database_workers(MyDatabaseId, 10);
	}

	if (OidIsValid(dboid))
		stop_database_workers(dboid, 60);

	PG_TRY();
	{
		if (prev_ProcessUtility)
			prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		if (OidIsValid(dboid))
			resume_database_workers(dboid);
	}
	PG_END_TRY();
}

/*
 * workers_init
 *		Called from _PG_init: shared memory, the utility hook, the launcher.
 */
void
workers_init(void)
{
	BackgroundWorker worker;

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = tracker_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = tracker_shmem_startup;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = tracker_ProcessUtility;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 5;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "tracker");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "tracker_launcher_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "tracker launcher");
	snprintf(worker.bgw_type, BGW_MAXLEN, "tracker launcher");
	RegisterBackgroundWorker(&worker);
}

static void
launcher_detach(int code, Datum arg)
{
	SpinLockAcquire(&tracker_shared->mutex);
	if (tracker_shared->launcher_pid == MyProcPid)
	{
		tracker_shared->launcher_pid = 0;
		tracker_shared->launcher_latch = NULL;
	}
	SpinLockRelease(&tracker_shared->mutex);
}

/*
 * start_scheduler
 *		Register a scheduler for a database.  Returns false when no worker
 *		slot is free.
 */
static bool
start_scheduler(Oid dboid)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "tracker");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "tracker_scheduler_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "tracker scheduler %u", dboid);
	snprintf(worker.bgw_type, BGW_MAXLEN, "tracker scheduler");
	worker.bgw_main_arg = ObjectIdGetDatum(dboid);
	worker.bgw_notify_pid = MyProcPid;
	return RegisterDynamicBackgroundWorker(&worker, &handle);
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

		SpinLockAcquire(&tracker_shared->mutex);
		s = db_slot(seen[i], true);
		if (s && s->scheduler_pid == 0 && s->paused_until <= now)
		{
			if (s->starting_since != 0 &&
				TimestampDifferenceExceeds(s->starting_since, now, STARTING_TIMEOUT_S * 1000))
				s->starting_since = 0;	/* it never came up */
			if (s->starting_since == 0)
			{
				if (s->state == DB_UNKNOWN)
					start = true;
				else if (s->state == DB_ACTIVE && s->restart_at <= now)
					start = true;
				else if (s->state == DB_ABSENT && s->next_probe <= now)
					start = true;
			}
			if (start)
				s->starting_since = now;
		}
		SpinLockRelease(&tracker_shared->mutex);

		if (start && !start_scheduler(seen[i]))
		{
			ereport(LOG,
					(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
					 errmsg("tracker launcher could not start a scheduler: out of background worker slots"),
					 errhint("Raise max_worker_processes.")));
			SpinLockAcquire(&tracker_shared->mutex);
			s->starting_since = 0;
			s->restart_at = TimestampTzPlusMilliseconds(now, 10000);
			SpinLockRelease(&tracker_shared->mutex);
		}
	}

	/* Forget databases that are gone. */
	SpinLockAcquire(&tracker_shared->mutex);
	for (i = 0; i < TRACKER_MAX_DATABASES; i++)
	{
		TrackerDbSlot *s = &tracker_shared->dbs[i];
		bool		found = false;
		int			j;

		if (s->dboid == InvalidOid || s->scheduler_pid != 0)
			continue;
		for (j = 0; j < nseen; j++)
			if (seen[j] == s->dboid)
				found = true;
		if (!found && s->paused_until <= now)
			memset(s, 0, sizeof(TrackerDbSlot));
	}
	SpinLockRelease(&tracker_shared->mutex);
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

	SpinLockAcquire(&tracker_shared->mutex);
	tracker_shared->launcher_pid = MyProcPid;
	tracker_shared->launcher_latch = &MyProc->procLatch;
	SpinLockRelease(&tracker_shared->mutex);
	before_shmem_exit(launcher_detach, (Datum) 0);

	pgstat_report_activity(STATE_IDLE, NULL);
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (tracker_scheduler_enabled)
			launcher_scan();

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 LAUNCHER_NAPTIME_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
