/*-------------------------------------------------------------------------
 *
 * tracker.h
 *	  Settings and entry points shared by Tracker's modules.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_H
#define TRACKER_H

/* Name of the extension, its library and its worker types. */
#define TRACKER_EXTENSION "tracker"

/* Largest file import_fitbit_file reads, in bytes. */
extern int	tracker_max_file_size;

#endif							/* TRACKER_H */
