/*-------------------------------------------------------------------------
 *
 * jobs_sql.c
 *	  SQL functions around jobs: waking the scheduler at commit, and
 *	  waiting for a job to end.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "bgw/bgw.h"
#include "common/common.h"

static bool wake_registered = false;
static bool wake_pending = false;

/*
 * wake_at_commit
 *		Transaction callback: a job queued by a committed transaction wakes
 *		the scheduler now rather than at its next poll; an aborted one does
 *		not wake it at all.
 */
static void
wake_at_commit(XactEvent event, void *arg)
{
	if (!wake_pending)
		return;
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT)
	{
		wake_pending = false;
		wake_scheduler(MyDatabaseId);
	}
	else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		wake_pending = false;
}

PG_FUNCTION_INFO_V1(tracker_wake_scheduler);

Datum
tracker_wake_scheduler(PG_FUNCTION_ARGS)
{
	if (!wake_registered)
	{
		RegisterXactCallback(wake_at_commit, NULL);
		wake_registered = true;
	}
	wake_pending = true;
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(tracker_wait);

/*
 * tracker_wait
 *		Wait until a job ends or the timeout passes, for scripts and tests.
 *		Each look takes a fresh snapshot, so the workers' commits are seen.
 */
Datum
tracker_wait(PG_FUNCTION_ARGS)
{
	int64		job;
	Interval   *timeout;
	TimestampTz deadline;
	char	   *state = NULL;
	MemoryContext callcxt = CurrentMemoryContext;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("job must not be null")));
	job = PG_GETARG_INT64(0);
	timeout = PG_ARGISNULL(1) ? NULL : PG_GETARG_INTERVAL_P(1);
	deadline = timeout ?
		DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
												TimestampTzGetDatum(GetCurrentTimestamp()),
												PointerGetDatum(timeout))) :
		GetCurrentTimestamp() + (int64) 60 * USECS_PER_SEC;

	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("tracker.wait() cannot see progress in a REPEATABLE READ or SERIALIZABLE transaction"),
				 errhint("Call it in a READ COMMITTED transaction.")));

	for (;;)
	{
		Oid			types[1] = {INT8OID};
		Datum		values[1];
		bool		done;

		values[0] = Int64GetDatum(job);
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		spi_exec_limit("SELECT state, xmin FROM tracker.job WHERE job_id = $1",
					   1, types, values, NULL, 1,
					   SPI_OK_SELECT, "read the job");
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_NO_DATA_FOUND),
					 errmsg("job %lld does not exist", (long long) job)));
		{
			bool		isnull;
			TransactionId xmin = DatumGetTransactionId(spi_datum(0, 2, &isnull));

			/* The workers cannot see a job this transaction has not committed. */
			if (TransactionIdIsCurrentTransactionId(xmin))
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("job %lld was queued by this transaction and cannot run before it commits",
								(long long) job),
						 errhint("Commit, then call tracker.wait() in a new transaction.")));
		}
		state = MemoryContextStrdup(callcxt,
									spi_text(0, 1));
		SPI_finish();

		done = strcmp(state, "done") == 0 || strcmp(state, "failed") == 0 ||
			strcmp(state, "cancelled") == 0;
		if (done || GetCurrentTimestamp() >= deadline)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 100, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	PG_RETURN_TEXT_P(cstring_to_text(state));
}
