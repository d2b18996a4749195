/*-------------------------------------------------------------------------
 *
 * workers.h
 *	  Tracker's background workers: the launcher, one scheduler per
 *	  database where the extension is installed, and the sync workers each
 *	  scheduler starts; the shared memory they coordinate through.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_WORKERS_H
#define TRACKER_WORKERS_H

#include "postgres.h"

#include "storage/latch.h"
#include "storage/lwlock.h"
#include "utils/timestamp.h"

/* Advisory lock class of "this account is being synced" (key 2: account). */
#define TRACKER_LOCK_ACCOUNT 0x54524B02

#define TRACKER_MAX_DATABASES 64
#define TRACKER_MAX_WORKERS_PER_DB 16

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

#define TRACKER_RATE_SLOTS 1024

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

/* Settings. */
extern int	tracker_sync_interval_s;
extern int	tracker_trailing_days;
extern int	tracker_max_sync_workers;
extern int	tracker_scheduler_naptime_ms;
extern int	tracker_worker_idle_timeout_ms;
extern bool tracker_scheduler_enabled;

extern void workers_init(void);
extern TrackerDbSlot *db_slot(Oid dboid, bool create);
extern bool db_slot_paused(TrackerDbSlot *s, TimestampTz now);
extern bool db_slot_attach(Oid dboid, int max_live);
extern bool db_slot_attach_archive(Oid dboid);
extern void db_slot_detach(int code, Datum arg);
extern int	db_slot_workers(Oid dboid, pid_t *pids);
extern pid_t db_slot_archive_pid(Oid dboid);
extern TimestampTz rate_reserve(int32 account_id, long interval_us);
extern void wake_launcher(void);
extern void wake_scheduler(Oid dboid);

extern PGDLLEXPORT void tracker_launcher_main(Datum main_arg);
extern PGDLLEXPORT void tracker_scheduler_main(Datum main_arg);
extern PGDLLEXPORT void tracker_worker_main(Datum main_arg);

/* Helpers shared by the scheduler and the workers (scheduler.c). */
extern void worker_xact_begin(void);
extern void worker_xact_commit(void);
extern bool worker_extension_present(void);
extern bool worker_restore_in_progress(void);
extern ErrorData *worker_recover(MemoryContext cxt);

#endif							/* TRACKER_WORKERS_H */
