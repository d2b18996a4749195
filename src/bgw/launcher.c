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
 * hook stops that database's workers first and keeps them stopped until
 * the command's transaction ends (DROP EXTENSION tracker likewise, for its
 * own database).  It does so only for a role that PostgreSQL will let run
 * the command, checked the way PostgreSQL checks it: a refused command
 * must not disturb anybody's work.
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

#include "tracker.h"
#include "bgw/bgw.h"

TrackerShared *tracker_shared = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* How often the launcher looks at pg_database, and re-probes. */
#define LAUNCHER_NAPTIME_MS 2000

/* Longest pause a command may impose (a safety net: pauses end with it). */
#define PAUSE_MAX_S 60

/* How long a command waits for the processes it stopped to be gone. */
#define STOP_WAIT_MS 10000

/* The launcher's scheduler handles: it started them, so it polls them. */
typedef struct SchedulerHandle
{
	Oid			dboid;
	BackgroundWorkerHandle *handle;
} SchedulerHandle;

static SchedulerHandle scheduler_handles[TRACKER_MAX_DATABASES];

/* Pauses this backend holds, lifted when its transaction ends. */
static Oid	held_pauses[4];
static int	nheld_pauses = 0;
static bool pause_callback_registered = false;

static void
tracker_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(TrackerShared)));
	RequestNamedLWLockTranche("tracker", 2);
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
		LWLockPadded *locks = GetNamedLWLockTranche("tracker");

		memset(tracker_shared, 0, sizeof(TrackerShared));
		tracker_shared->lock = &locks[0].lock;
		tracker_shared->rate_lock = &locks[1].lock;
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * db_slot
 *		The shared slot of a database; with create, claims a free one.
 *		Caller holds tracker_shared->lock (exclusively to create).
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
 * db_slot_paused
 *		Whether a command keeps the database's processes stopped.  Caller
 *		holds the lock.
 */
bool
db_slot_paused(TrackerDbSlot *s, TimestampTz now)
{
	return s->pausers > 0 && s->paused_until > now;
}

/*
 * db_slot_attach
 *		Take a sync worker's place in a database's slot, so that DROP
 *		DATABASE and DROP EXTENSION find the process and stop it, and the
 *		scheduler knows which windows have a live worker.  At most max_live
 *		sync workers hold places, and none is taken while a command pauses
 *		the database.  False when no place can be taken.  db_slot_detach (a
 *		before_shmem_exit callback whose argument is the database's Oid)
 *		gives the place back.
 */
bool
db_slot_attach(Oid dboid, int max_live)
{
	TrackerDbSlot *s;
	int			i;
	int			n = 0;
	int			free_place = -1;
	bool		ok = false;

	LWLockAcquire(tracker_shared->lock, LW_EXCLUSIVE);
	s = db_slot(dboid, false);
	if (s && !db_slot_paused(s, GetCurrentTimestamp()))
	{
		for (i = 0; i < TRACKER_MAX_WORKERS_PER_DB; i++)
		{
			if (s->worker_pids[i] != 0)
				n++;
			else if (free_place < 0)
				free_place = i;
		}
		if (n < max_live && free_place >= 0)
		{
			s->worker_pids[free_place] = MyProcPid;
			ok = true;
		}
	}
	LWLockRelease(tracker_shared->lock);
	return ok;
}

/*
 * db_slot_attach_archive
 *		Take the archive worker's place of a database: one archive worker
 *		per database, beside (never instead of) its sync workers.
 */
bool
db_slot_attach_archive(Oid dboid)
{
	TrackerDbSlot *s;
	bool		ok = false;

	LWLockAcquire(tracker_shared->lock, LW_EXCLUSIVE);
	s = db_slot(dboid, false);
	if (s && s->archive_pid == 0 && !db_slot_paused(s, GetCurrentTimestamp()))
	{
		s->archive_pid = MyProcPid;
		ok = true;
	}
	LWLockRelease(tracker_shared->lock);
	return ok;
}

/* See db_slot_attach. */
void
db_slot_detach(int code, Datum arg)
{
	TrackerDbSlot *s;
	int			i;

	LWLockAcquire(tracker_shared->lock, LW_EXCLUSIVE);
	s = db_slot(DatumGetObjectId(arg), false);
	if (s)
	{
		for (i = 0; i < TRACKER_MAX_WORKERS_PER_DB; i++)
			if (s->worker_pids[i] == MyProcPid)
				s->worker_pids[i] = 0;
		if (s->archive_pid == MyProcPid)
			s->archive_pid = 0;
	}
	LWLockRelease(tracker_shared->lock);
}

/*
 * db_slot_workers
 *		The pids of a database's live sync workers, into pids (room for
 *		TRACKER_MAX_WORKERS_PER_DB); returns how many.
 */
int
db_slot_workers(Oid dboid, pid_t *pids)
{
	TrackerDbSlot *s;
	int			i;
	int			n = 0;

	LWLockAcquire(tracker_shared->lock, LW_SHARED);
	s = db_slot(dboid, false);
	if (s)
		for (i = 0; i < TRACKER_MAX_WORKERS_PER_DB; i++)
			if (s->worker_pids[i] != 0)
				pids[n++] = s->worker_pids[i];
	LWLockRelease(tracker_shared->lock);
	return n;
}

/* The pid of a database's live archive worker, or 0. */
pid_t
db_slot_archive_pid(Oid dboid)
{
	TrackerDbSlot *s;
	pid_t		pid = 0;

	LWLockAcquire(tracker_shared->lock, LW_SHARED);
	s = db_slot(dboid, false);
	if (s)
		pid = s->archive_pid;
	LWLockRelease(tracker_shared->lock);
	return pid;
}

/*
 * rate_reserve
 *		Reserve the start time of an account's next request, at least
 *		interval_us after the previous one that any process of the server
 *		reserved for it, and return it: the caller sleeps until then.
 *		Reserving (rather than recording after the request) keeps the
 *		spacing between processes that wait at the same time.
 *
 *		The table is open-addressed with a short probe.  An entry whose
 *		time has passed constrains nothing and is reused; if every entry
 *		on the probe is still in the future (more accounts requesting at
 *		once than the table holds), the one that frees soonest is taken
 *		over, which can only let that other account go early.
 */
TimestampTz
rate_reserve(int32 account_id, long interval_us)
{
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz at = now;
	uint32		h = hash_combine((uint32) MyDatabaseId, (uint32) account_id);
	TrackerRateSlot *found = NULL;
	TrackerRateSlot *victim = NULL;
	int			i;

	LWLockAcquire(tracker_shared->rate_lock, LW_EXCLUSIVE);
	for (i = 0; i < 16; i++)
	{
		TrackerRateSlot *r = &tracker_shared->rate[(h + i) % TRACKER_RATE_SLOTS];

		if (r->dboid == MyDatabaseId && r->account_id == account_id && r->next != 0)
		{
			found = r;
			break;
		}
		if (victim == NULL || r->next < victim->next)
			victim = r;
	}
	if (found)
		at = Max(now, found->next);
	else
	{
		found = victim;
		found->dboid = MyDatabaseId;
		found->account_id = account_id;
	}
	found->next = at + interval_us;
	LWLockRelease(tracker_shared->rate_lock);
	return at;
}

void
wake_launcher(void)
{
	Latch	   *latch = NULL;

	if (tracker_shared == NULL)
		return;
	LWLockAcquire(tracker_shared->lock, LW_SHARED);
	if (tracker_shared->launcher_pid != 0)
		latch = tracker_shared->launcher_latch;
	LWLockRelease(tracker_shared->lock);
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
	LWLockAcquire(tracker_shared->lock, LW_EXCLUSIVE);
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
	LWLockRelease(tracker_shared->lock);
	if (latch)
		SetLatch(latch);
	else
		wake_launcher();
}

/*
 * lift_pause
 *		End one pause of a database that this backend holds.
 */
static void
lift_pause(Oid dboid)
{
	TrackerDbSlot *s;
	int			i;

	for (i = 0; i < nheld_pauses; i++)
		if (held_pauses[i] == dboid)
			break;
	if (i == nheld_pauses)
		return;
	held_pauses[i] = held_pauses[--nheld_pauses];

	LWLockAcquire(tracker_shared->lock, LW_EXCLUSIVE);
	s = db_slot(dboid, false);
	if (s && s->pausers > 0 && --s->pausers == 0)
		s->paused_until = 0;
	LWLockRelease(tracker_shared->lock);
	wake_launcher();
}

/*
 * lift_pauses_at_end
 *		Transaction callback: a pause lasts as long as the command's
 *		transaction, whether it commits or fails.
 */
static void
lift_pauses_at_end(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			while (nheld_pauses > 0)
				lift_pause(held_pauses[0]);
			break;
		default:
			break;
	}
}

/*
 * stop_database_workers
 *		Stop a database's scheduler and workers and keep them stopped until
 *		this transaction ends, so that a command needing the database to
 *		itself can run.  No lock is held while signalling.
 */
static void
stop_database_workers(Oid dboid)
{
	pid_t		pids[TRACKER_MAX_WORKERS_PER_DB + 2];
	int			n = 0;
	int			i;
	int			waited;
	TrackerDbSlot *s;

	if (tracker_shared == NULL || !OidIsValid(dboid))
		return;
	for (i = 0; i < nheld_pauses; i++)
		if (held_pauses[i] == dboid)
			return;				/* paused already, in this transaction */
	if (nheld_pauses == lengthof(held_pauses))
		return;
	if (!pause_callback_registered)
	{
		RegisterXactCallback(lift_pauses_at_end, NULL);
		pause_callback_registered = true;
	}

	LWLockAcquire(tracker_shared->lock, LW_EXCLUSIVE);
	s = db_slot(dboid, true);
	if (s)
	{
		held_pauses[nheld_pauses++] = dboid;
		s->pausers++;
		s->paused_until = Max(s->paused_until,
							  TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
														  PAUSE_MAX_S * 1000));
		if (s->scheduler_pid)
			pids[n++] = s->scheduler_pid;
		for (i = 0; i < TRACKER_MAX_WORKERS_PER_DB; i++)
			if (s->worker_pids[i])
				pids[n++] = s->worker_pids[i];
		if (s->archive_pid)
			pids[n++] = s->archive_pid;
	}
	LWLockRelease(tracker_shared->lock);

	/*
	 * The pids were read under the lock and each process clears its own
	 * before it exits, so they still name Tracker's processes.
	 */
	for (i = 0; i < n; i++)
		kill(pids[i], SIGTERM);

	/* Wait (up to 10 s) until they are gone. */
	for (waited = 0; waited < STOP_WAIT_MS && n > 0; waited += 10)
	{
		bool		alive = false;

		LWLockAcquire(tracker_shared->lock, LW_SHARED);
		s = db_slot(dboid, false);
		if (s)
		{
			alive = s->scheduler_pid != 0 || s->archive_pid != 0;
			for (i = 0; i < TRACKER_MAX_WORKERS_PER_DB; i++)
				if (s->worker_pids[i] != 0)
					alive = true;
		}
		LWLockRelease(tracker_shared->lock);
		/* then until they have left the proc array too */
		for (i = 0; i < n && !alive; i++)
			if (BackendPidGetProc(pids[i]) != NULL)
				alive = true;
		if (!alive)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 10, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * may_create_databases
 *		Whether the current role has CREATEDB (as dbcommands.c decides).
 */
static bool
may_create_databases(void)
{
	HeapTuple	tup;
	bool		result = false;

	if (superuser())
		return true;
	tup = SearchSysCache1(AUTHOID, ObjectIdGetDatum(GetUserId()));
	if (HeapTupleIsValid(tup))
	{
		result = ((Form_pg_authid) GETSTRUCT(tup))->rolcreatedb;
		ReleaseSysCache(tup);
	}
	return result;
}

/*
 * may_copy_database
 *		Whether the current role may use a database as a template: any role
 *		with CREATEDB for a template database, else its owner with CREATEDB.
 */
static bool
may_copy_database(Oid dboid)
{
	HeapTuple	tup;
	bool		is_template = false;

	if (!may_create_databases())
		return false;
	tup = SearchSysCache1(DATABASEOID, ObjectIdGetDatum(dboid));
	if (HeapTupleIsValid(tup))
	{
		is_template = ((Form_pg_database) GETSTRUCT(tup))->datistemplate;
		ReleaseSysCache(tup);
	}
	return is_template || pg_database_ownercheck(dboid, GetUserId());
}

/*
 * database_to_stop
 *		The database a command needs without connections, when the current
 *		role is allowed to run that command; InvalidOid otherwise.  The
 *		checks are PostgreSQL's own, made before PostgreSQL makes them: a
 *		command that will be refused must not disturb anybody's workers.
 */
static Oid
database_to_stop(Node *parsetree)
{
	Oid			dboid = InvalidOid;

	if (IsA(parsetree, DropdbStmt))
	{
		dboid = get_database_oid(((DropdbStmt *) parsetree)->dbname, true);
		if (OidIsValid(dboid) &&
			(dboid == MyDatabaseId || !pg_database_ownercheck(dboid, GetUserId())))
			dboid = InvalidOid;
	}
	else if (IsA(parsetree, RenameStmt) &&
			 ((RenameStmt *) parsetree)->renameType == OBJECT_DATABASE)
	{
		dboid = get_database_oid(((RenameStmt *) parsetree)->subname, true);
		if (OidIsValid(dboid) &&
			(dboid == MyDatabaseId || !pg_database_ownercheck(dboid, GetUserId()) ||
			 !may_create_databases()))
			dboid = InvalidOid;
	}
	else if (IsA(parsetree, CreatedbStmt))
	{
		ListCell   *lc;

		foreach(lc, ((CreatedbStmt *) parsetree)->options)
		{
			DefElem    *opt = (DefElem *) lfirst(lc);

			if (strcmp(opt->defname, "template") == 0 && opt->arg)
				dboid = get_database_oid(defGetString(opt), true);
		}
		if (OidIsValid(dboid) && !may_copy_database(dboid))
			dboid = InvalidOid;
	}
	return dboid;
}

/*
 * drops_tracker
 *		Whether a statement is a DROP EXTENSION of Tracker that the current
 *		role may run (the extension's owner, or a superuser).
 */
static bool
drops_tracker(Node *parsetree)
{
	ListCell   *lc;
	Oid			extoid;

	if (!IsA(parsetree, DropStmt) ||
		((DropStmt *) parsetree)->removeType != OBJECT_EXTENSION)
		return false;
	foreach(lc, ((DropStmt *) parsetree)->objects)
	{
		if (strcmp(strVal(lfirst(lc)), TRACKER_EXTENSION) != 0)
			continue;
		extoid = get_extension_oid(TRACKER_EXTENSION, true);
		return OidIsValid(extoid) && pg_extension_ownercheck(extoid, GetUserId());
	}
	return false;
}

/*
 * tracker_ProcessUtility
 *		Step aside for commands that need a database without connections,
 *		when the role running them may run them.  The pause ends with the
 *		command's transaction, or at once when the command fails.
 */
static void
tracker_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
					   bool readOnlyTree, ProcessUtilityContext context,
					   ParamListInfo params, QueryEnvironment *queryEnv,
					   DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	Oid			dboid = InvalidOid;
	int			held_before = nheld_pauses;

	/* DROP and CREATE DATABASE refuse to run in a transaction block. */
	if (IsA(parsetree, RenameStmt) ||
		(context == PROCESS_UTILITY_TOPLEVEL && !IsTransactionBlock()))
		dboid = database_to_stop(parsetree);

	/*
	 * DROP EXTENSION tracker takes its tables' locks one by one; a worker in
	 * the middle of a write would deadlock with it.  Stop this database's
	 * workers first and keep them stopped until the transaction ends: then
	 * the launcher looks again, and a scheduler that finds no extension
	 * exits.
	 */
	if (drops_tracker(parsetree))
		stop_database_workers(MyDatabaseId);
	if (OidIsValid(dboid))
		stop_database_workers(dboid);

	PG_TRY();
	{
		if (prev_ProcessUtility)
			prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									params, queryEnv, dest, qc);
	}
	PG_CATCH();
	{
		/* the command failed: whatever catches the error, resume now */
		while (nheld_pauses > held_before)
			lift_pause(held_pauses[nheld_pauses - 1]);
		PG_RE_THROW();
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
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (tracker_scheduler_enabled)
			launcher_scan();
		report_pauses(GetCurrentTimestamp());

		/* The postmaster sets the latch when a scheduler starts or stops. */
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 LAUNCHER_NAPTIME_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
