/*-------------------------------------------------------------------------
 *
 * tracker.c
 *	  Library entry point: the preload check and the settings.
 *
 * Tracker's background workers are registered from _PG_init, which only
 * works while the postmaster loads shared_preload_libraries.  Loading the
 * library any other way (LOAD, or CREATE EXTENSION in a server without the
 * preload) would leave a pipeline without workers, so it is refused with a
 * hint instead.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "tracker.h"

PG_MODULE_MAGIC;

int			tracker_max_file_size = 256 * 1024 * 1024;

void		_PG_init(void);

/*
 * _PG_init
 *		Refuse to load outside shared_preload_libraries; define settings.
 */
void
_PG_init(void)
{
	if (IsBinaryUpgrade)
		return;

	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("tracker must be loaded via shared_preload_libraries"),
				 errhint("Add \"tracker\" to shared_preload_libraries in postgresql.conf and restart the server.")));

	DefineCustomIntVariable("tracker.max_file_size",
							"Largest file tracker.import_fitbit_file reads.",
							NULL,
							&tracker_max_file_size,
							256 * 1024 * 1024,
							1024,
							1024 * 1024 * 1024,
							PGC_SUSET,
							GUC_UNIT_BYTE,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved(TRACKER_EXTENSION);
}

PG_FUNCTION_INFO_V1(tracker_is_valid_time_zone);

/*
 * tracker_is_valid_time_zone
 *		Whether a name is a zone of the server's time zone database; used by
 *		the account table's CHECK so that a day boundary is always defined.
 */
Datum
tracker_is_valid_time_zone(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));

	PG_RETURN_BOOL(name[0] != '\0' && pg_tzset(name) != NULL);
}
