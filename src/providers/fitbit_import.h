/*-------------------------------------------------------------------------
 *
 * import.h
 *	  Fitbit documents into silver, shared by the imports and the archive's
 *	  restore.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_IMPORT_H
#define TRACKER_IMPORT_H

#include "providers/fitbit_parse.h"
#include "store/store.h"

extern size_t fitbit_doc_store(const TrackerAccount *acc, const FitbitDoc *doc,
							   int64 payload_id, const char *source,
							   DaySet *touched);

#endif							/* TRACKER_IMPORT_H */
