/*-------------------------------------------------------------------------
 *
 * retention.c
 *	  Bronze retention: after a scheduled archive run, raw payloads older
 *	  than tracker.bronze_retention leave bronze, but only those that a
 *	  verified bundle in the bucket holds (tracker.bronze_retire()).
 *
 * The archive worker calls it right after a run that succeeded, so every
 * bundle it relies on was just found in the bucket (or uploaded and
 * verified).  It works in batches, one short transaction each, and logs
 * what it removed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "archive/archive.h"
#include "archive/archive_int.h"
#include "common/common.h"
#include "tracker.h"

/* Payloads removed per transaction. */
#define RETIRE_BATCH 500

/*
 * archive_retire_bronze
 *		Remove old archived payloads from bronze in batches, each in a short
 *		transaction of its own (run->worker) or in the caller's.  Returns
 *		how many went.
 */
int64
archive_retire_bronze(ArchiveRun *run)
{
	int64		total = 0;
	int64		total_bytes = 0;
	int			batches = 0;

	if (tracker_bronze_retention_s <= 0)
		return 0;
	db_enter(run);
	if (!archive_has_retired())
	{
		db_leave(run);
		return 0;				/* the extension's SQL predates retention */
	}
	db_leave(run);
	if (run->worker)
		pgstat_report_activity(STATE_RUNNING, "tracker: archive: bronze retention");
	for (;;)
	{
		Oid			types[2] = {INT4OID, INT4OID};
		Datum		values[2];
		bool		isnull;
		int32		n;

		CHECK_FOR_INTERRUPTS();
		values[0] = Int32GetDatum(tracker_bronze_retention_s);
		values[1] = Int32GetDatum(RETIRE_BATCH);
		db_enter(run);
		if (spi_exec_limit("SELECT payloads, bytes FROM tracker.bronze_retire("
						   " older_than => make_interval(secs => $1), max_payloads => $2)",
						   2, types, values, NULL, 1,
						   SPI_OK_SELECT, "remove archived payloads from bronze") != 1)
			elog(ERROR, "bronze retention gave no answer");
		n = DatumGetInt32(spi_datum(0, 1, &isnull));
		total_bytes += DatumGetInt64(spi_datum(0, 2, &isnull));
		db_leave(run);
		total += n;
		batches++;
		if (n < RETIRE_BATCH)
			break;
	}
	ereport(LOG,
			(errmsg("bronze retention removed " INT64_FORMAT " archived payload%s (" INT64_FORMAT " bytes) received more than %d seconds ago, in %d transaction%s",
					total, total == 1 ? "" : "s", total_bytes,
					tracker_bronze_retention_s, batches, batches == 1 ? "" : "s")));
	return total;
}
