/*-------------------------------------------------------------------------
 *
 * subxact.c
 *	  Run a piece of work in a subtransaction and get its error back
 *	  instead of losing the caller's transaction.
 *
 * tracker.sync() writes each window, the imports each document, and
 * tracker.archive() its whole run this way: a failure rolls back only what
 * that piece wrote, and the caller decides what to record.  A query cancel,
 * a termination or anything worse than ERROR is never swallowed: it is
 * thrown on as soon as the subtransaction is rolled back.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/resowner.h"

#include "common/common.h"

/*
 * subxact_run
 *		Run fn(arg) in a subtransaction.  Returns NULL when it committed, or
 *		a copy of its error (in the caller's memory context) after rolling
 *		it back.  The caller is back in its memory context and resource
 *		owner either way.
 */
ErrorData *
subxact_run(SubxactFn fn, void *arg)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	ErrorData  *volatile edata = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_END_TRY();

	if (edata != NULL &&
		(edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
		 edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN ||
		 edata->elevel > ERROR))
		ReThrowError(edata);
	return edata;
}
