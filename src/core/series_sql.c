/*-------------------------------------------------------------------------
 *
 * series_sql.c
 *	  SQL functions over encoded heart-rate series.
 *
 * silver stores a day of samples as one bytea; these functions let SQL
 * users read it as rows or arrays and build one from arrays, so the
 * compact layout never gets in the way of a plain query.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "core/core.h"

/*
 * series_decode_bytes
 *		Decode a whole encoded series.  NULL, with a sentence saying why in
 *		*why, when it is not a series Tracker wrote or a sample's time is
 *		outside the range of timestamp with time zone.
 */
HrSample *
series_decode_bytes(const uint8 *buf, size_t len, size_t *n, const char **why)
{
	size_t		count;
	HrSample   *s;

	if (hr_series_count(buf, len, &count) != 0)
	{
		*why = "The value is not a series written by tracker.series_encode().";
		return NULL;
	}
	s = palloc_extended(sizeof(HrSample) * Max(count, 1), MCXT_ALLOC_HUGE);
	if (hr_series_decode(buf, len, s, count, n) != 0)
	{
		*why = "The series is truncated or malformed.";
		return NULL;
	}
	/* times only grow, so the first and the last bound them all */
	if (*n > 0 &&
		(!tracker_epoch_is_valid(s[0].t) || !tracker_epoch_is_valid(s[*n - 1].t)))
	{
		*why = "A sample's time is outside the range of timestamp with time zone.";
		return NULL;
	}
	return s;
}

/*
 * series_decode_datum
 *		Detoast once and decode the whole series; corrupt input is an error
 *		with its own SQLSTATE rather than garbage rows.
 */
HrSample *
series_decode_datum(bytea *b, size_t *n)
{
	const char *why = NULL;
	HrSample   *s = series_decode_bytes((const uint8 *) VARDATA_ANY(b),
										VARSIZE_ANY_EXHDR(b), n, &why);

	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid heart-rate series"),
				 errdetail("%s", why)));
	return s;
}

/*
 * series_from_arrays
 *		Samples from parallel timestamptz[] and smallint[] arrays, validated
 *		and normalized (sorted, one per second, later wins).
 */
HrSample *
series_from_arrays(ArrayType *ts, ArrayType *bpm, size_t *n)
{
	Datum	   *tsv;
	bool	   *tsnull;
	int			nts;
	Datum	   *bv;
	bool	   *bnull;
	int			nb;
	HrSample   *s;
	int			i;

	if (ARR_NDIM(ts) > 1 || ARR_NDIM(bpm) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("samples must be given as one-dimensional arrays")));
	deconstruct_array(ts, TIMESTAMPTZOID, sizeof(TimestampTz), true,
					  TYPALIGN_DOUBLE, &tsv, &tsnull, &nts);
	deconstruct_array(bpm, INT2OID, sizeof(int16), true, TYPALIGN_SHORT,
					  &bv, &bnull, &nb);
	if (nts != nb)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("ts and bpm arrays have different lengths (%d and %d)",
						nts, nb)));

	s = palloc_extended(sizeof(HrSample) * Max(nts, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < nts; i++)
	{
		int16		v;

		if (tsnull[i] || bnull[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("sample %d has a null timestamp or heart rate", i + 1)));
		if (TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(tsv[i])))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("sample %d has an infinite timestamp", i + 1)));
		v = DatumGetInt16(bv[i]);
		if (v < SERIES_MIN_BPM || v > SERIES_MAX_BPM)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("heart rate %d of sample %d is outside %d..%d",
							v, i + 1, SERIES_MIN_BPM, SERIES_MAX_BPM)));
		s[i].t = tracker_timestamptz_to_epoch(DatumGetTimestampTz(tsv[i]));
		s[i].bpm = v;
	}
	*n = hr_series_normalize(s, nts);
	return s;
}

PG_FUNCTION_INFO_V1(tracker_series_unnest);

Datum
tracker_series_unnest(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	HrSample   *s;
	size_t		n;
	size_t		i;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	s = series_decode_datum(b, &n);
	for (i = 0; i < n; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = TimestampTzGetDatum(tracker_epoch_to_timestamptz(s[i].t));
		values[1] = Int16GetDatum(s[i].bpm);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pfree(s);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(tracker_series_encode);

Datum
tracker_series_encode(PG_FUNCTION_ARGS)
{
	size_t		n;
	HrSample   *s = series_from_arrays(PG_GETARG_ARRAYTYPE_P(0),
									   PG_GETARG_ARRAYTYPE_P(1), &n);
	size_t		bound = hr_series_encode_bound(n);
	bytea	   *b = palloc_extended(VARHDRSZ + bound, MCXT_ALLOC_HUGE);
	size_t		len = hr_series_encode(s, n, (uint8 *) VARDATA(b));

	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("samples cannot be encoded"),
				 errdetail("The time between two samples is too large.")));
	SET_VARSIZE(b, VARHDRSZ + len);
	PG_RETURN_BYTEA_P(b);
}

PG_FUNCTION_INFO_V1(tracker_series_count);

Datum
tracker_series_count(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	size_t		count;

	if (hr_series_count((const uint8 *) VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b),
						&count) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid heart-rate series")));
	PG_RETURN_INT32((int32) count);
}

PG_FUNCTION_INFO_V1(tracker_series_arrays);

Datum
tracker_series_arrays(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	TupleDesc	tupdesc;
	HrSample   *s;
	size_t		n;
	size_t		i;
	Datum	   *tsv;
	Datum	   *bv;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	s = series_decode_datum(b, &n);
	tsv = palloc_extended(sizeof(Datum) * Max(n, 1), MCXT_ALLOC_HUGE);
	bv = palloc_extended(sizeof(Datum) * Max(n, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < n; i++)
	{
		tsv[i] = TimestampTzGetDatum(tracker_epoch_to_timestamptz(s[i].t));
		bv[i] = Int16GetDatum(s[i].bpm);
	}
	values[0] = PointerGetDatum(construct_array(tsv, (int) n, TIMESTAMPTZOID,
												sizeof(TimestampTz), true,
												TYPALIGN_DOUBLE));
	values[1] = PointerGetDatum(construct_array(bv, (int) n, INT2OID,
												sizeof(int16), true,
												TYPALIGN_SHORT));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
