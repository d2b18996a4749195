/*-------------------------------------------------------------------------
 *
 * sync.h
 *	  Syncing an account's days from its provider.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_SYNC_H
#define TRACKER_SYNC_H

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/date.h"

#include "store/store.h"

typedef struct SyncSummary
{
	int			requests;
	int64		rows;
	int			rejected;
	int			errors;
	int			skipped;
	const char *state;			/* the account's state after the sync */
	StringInfoData detail;		/* one line per problem */
	List	   *log;			/* FetchLogEntry *, written at the end */
} SyncSummary;

extern void sync_account_days(const TrackerAccount *acc, DateADT from,
							  DateADT to, const bool *wanted, SyncSummary *sum);
extern void sync_state_update(int32 account_id, const char *data_type,
							  DateADT through, const char *error);
extern char *format_date_text(DateADT day);

#endif							/* TRACKER_SYNC_H */
