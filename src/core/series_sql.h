/*-------------------------------------------------------------------------
 *
 * series_sql.h
 *	  Conversions between encoded series, arrays and samples.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_SERIES_SQL_H
#define TRACKER_SERIES_SQL_H

#include "utils/array.h"

#include "core/series.h"

/* Heart rates Tracker accepts from any source. */
#define SERIES_MIN_BPM 20
#define SERIES_MAX_BPM 250

extern HrSample *series_decode_datum(bytea *b, size_t *n);
extern HrSample *series_from_arrays(ArrayType *ts, ArrayType *bpm, size_t *n);

#endif							/* TRACKER_SERIES_SQL_H */
