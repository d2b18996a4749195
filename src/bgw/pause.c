/*-------------------------------------------------------------------------
 *
 * pause.c
 *	  Stepping aside for commands that need a database to themselves.
 *
 * DROP DATABASE, ALTER DATABASE ... RENAME and CREATE DATABASE ... TEMPLATE
 * refuse to run while anyone is connected to the database, so a utility
 * hook stops that database's workers first and keeps them stopped until
 * the command's transaction ends (DROP EXTENSION tracker likewise, for its
 * own database).  It does so only for a role that PostgreSQL will let run
 * the command, checked the way PostgreSQL checks it: a refused command
 * must not disturb anybody's work.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_database.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/latch.h"
#include "storage/procarray.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "bgw/bgw.h"
#include "common/common.h"
#include "tracker.h"

/* Longest pause a command may impose (a safety net: pauses end with it). */
#define PAUSE_MAX_S 60

/* How long a command waits for the processes it stopped to be gone. */
#define STOP_WAIT_MS 10000

static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* Pauses this backend holds, lifted when its transaction ends. */
static Oid	held_pauses[4];
static int	nheld_pauses = 0;
static bool pause_callback_registered = false;

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
	pid_t		pids[TRACKER_MAX_WORKERS_PER_DB + 3];
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
		if (s->notify_pid)
			pids[n++] = s->notify_pid;
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
			alive = s->scheduler_pid != 0 || s->archive_pid != 0 ||
				s->notify_pid != 0;
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
 * pause_init
 *		Called from _PG_init (through workers_init): install the hook.
 */
void
pause_init(void)
{
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = tracker_ProcessUtility;
}
