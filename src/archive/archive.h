/*-------------------------------------------------------------------------
 *
 * archive.h
 *	  The S3 archive of bronze payloads: monthly bundles with manifests, a
 *	  lifecycle rule for Deep Archive, restore through the normal path, and
 *	  the scheduled runs in a background worker of their own.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_ARCHIVE_H
#define TRACKER_ARCHIVE_H

#include "postgres.h"

/* Settings (defined by archive_init()). */
extern bool tracker_archive_enabled;
extern int	tracker_archive_interval_s;

/* Define the settings; called from _PG_init before the prefix is reserved. */
extern void archive_init(void);

/*
 * Called from a database's scheduler loop: queues a scheduled archive when
 * one is due and starts the archive worker for queued runs.  Runs its own
 * short transactions and never makes an HTTP request.
 */
extern void archive_schedule(void);

extern PGDLLEXPORT void tracker_archive_main(Datum main_arg);

#endif							/* TRACKER_ARCHIVE_H */
