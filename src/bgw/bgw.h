/*-------------------------------------------------------------------------
 *
 * bgw.h
 *	  Tracker's background workers: the launcher, one scheduler per
 *	  database where the extension is installed, the sync workers each
 *	  scheduler starts, and the pause of a database's workers for commands
 *	  that need it to themselves.
 *
 * They coordinate through the shared memory of common.h and run their
 * database work in the short transactions of common/bgworker.c; the
 * scheduler also starts the archive worker (archive.h).
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_BGW_H
#define TRACKER_BGW_H

#include "postgres.h"

extern void workers_init(void);
extern void pause_init(void);

extern PGDLLEXPORT void tracker_launcher_main(Datum main_arg);
extern PGDLLEXPORT void tracker_scheduler_main(Datum main_arg);
extern PGDLLEXPORT void tracker_worker_main(Datum main_arg);

/* citus_node.c: a Citus worker node's scheduler stays idle */
extern bool citus_worker_node(void);

#endif							/* TRACKER_BGW_H */
