/*-------------------------------------------------------------------------
 *
 * shmem.c
 *	  Tracker's shared memory: a place per database where each of its
 *	  processes (scheduler, sync workers, archive worker) registers, the
 *	  launcher's latch, and the request budget of each account.
 *
 * Every process records itself under an LWLock when it starts and erases
 * itself in a before_shmem_exit callback, so a pid found here belongs to a
 * live process of that kind; see TrackerDbSlot in common.h.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/shmem.h"

#include "common/common.h"

TrackerShared *tracker_shared = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

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

/*
 * db_slot_attach_notify
 *		Take the notify worker's place of a database: one per database,
 *		beside the sync workers, so that it never keeps a sync from running.
 */
bool
db_slot_attach_notify(Oid dboid)
{
	TrackerDbSlot *s;
	bool		ok = false;

	LWLockAcquire(tracker_shared->lock, LW_EXCLUSIVE);
	s = db_slot(dboid, false);
	if (s && s->notify_pid == 0 && !db_slot_paused(s, GetCurrentTimestamp()))
	{
		s->notify_pid = MyProcPid;
		ok = true;
	}
	LWLockRelease(tracker_shared->lock);
	return ok;
}

/* The pid of a database's live notify worker, or 0. */
pid_t
db_slot_notify_pid(Oid dboid)
{
	TrackerDbSlot *s;
	pid_t		pid = 0;

	LWLockAcquire(tracker_shared->lock, LW_SHARED);
	s = db_slot(dboid, false);
	if (s)
		pid = s->notify_pid;
	LWLockRelease(tracker_shared->lock);
	return pid;
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
		if (s->notify_pid == MyProcPid)
			s->notify_pid = 0;
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
 * tracker_shmem_init
 *		Called from _PG_init: ask for the shared memory and set it up when
 *		the postmaster creates it.
 */
void
tracker_shmem_init(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = tracker_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = tracker_shmem_startup;
}
