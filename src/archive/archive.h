/*-------------------------------------------------------------------------
 *
 * archive.h
 *	  The S3 archive of bronze payloads: monthly bundles with manifests, a
 *	  lifecycle rule for Deep Archive, restore through the normal path, and
 *	  the scheduled runs in a background worker of their own.
 *
 * This is all the rest of Tracker sees of it: the scheduler calls
 * archive_schedule(), and the postmaster starts tracker_archive_main().  The
 * archive's own types live in archive_int.h; its settings in tracker.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_ARCHIVE_H
#define TRACKER_ARCHIVE_H

#include "postgres.h"

/*
 * Called from a database's scheduler loop: queues a scheduled archive when
 * one is due and starts the archive worker for queued runs.  Runs its own
 * short transactions and never makes an HTTP request.
 */
extern void archive_schedule(void);

extern PGDLLEXPORT void tracker_archive_main(Datum main_arg);

#endif							/* TRACKER_ARCHIVE_H */
