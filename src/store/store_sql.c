/*-------------------------------------------------------------------------
 *
 * store_sql.c
 *	  SQL entry points that write samples and recompute figures.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "common/common.h"
#include "core/core.h"
#include "store/store.h"

PG_FUNCTION_INFO_V1(tracker_store_heart_rate);

/*
 * tracker_store_heart_rate
 *		Merge samples given as arrays into silver and recompute the touched
 *		days; the path other sources take too, open to SQL callers.
 */
Datum
tracker_store_heart_rate(PG_FUNCTION_ARGS)
{
	TrackerAccount acc;
	DaySet		touched = {0};
	HrSample   *s;
	size_t		n;
	int			days = 0;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("account, ts and bpm must not be null")));

	s = series_from_arrays(PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_ARRAYTYPE_P(2), &n);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	account_load(PG_GETARG_INT32(0), &acc);
	if (n > 0)
	{
		days = heart_rate_store(&acc, s, n, &touched);
		figures_recompute_days(&acc, &touched);
	}
	SPI_finish();
	PG_RETURN_INT32(days);
}

PG_FUNCTION_INFO_V1(tracker_recompute);

/*
 * tracker_recompute
 *		Recompute gold from silver for an account's days (all days when the
 *		range is null), e.g. after the account's birth date changed.
 */
Datum
tracker_recompute(PG_FUNCTION_ARGS)
{
	TrackerAccount acc;
	DaySet		days = {0};
	StringInfoData sql;
	Oid			types[3] = {INT4OID, DATEOID, DATEOID};
	Datum		values[3];
	char		nulls[3] = {' ', 'n', 'n'};
	uint64		i;
	uint64		n;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("account must not be null")));
	values[0] = Int32GetDatum(PG_GETARG_INT32(0));

	if (!PG_ARGISNULL(1))
	{
		DayRange	days;

		if (!tracker_day_range_arg(fcinfo, 1, &days))
			PG_RETURN_INT32(0);
		if (days.has_lower)
		{
			values[1] = DateADTGetDatum(days.lower);
			nulls[1] = ' ';
		}
		if (days.has_upper)
		{
			values[2] = DateADTGetDatum(days.upper);
			nulls[2] = ' ';
		}
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	account_load(PG_GETARG_INT32(0), &acc);

	initStringInfo(&sql);
	appendStringInfoString(&sql,
						   "SELECT day FROM silver.heart_rate_day WHERE account_id = $1 "
						   "AND ($2::date IS NULL OR day >= $2) "
						   "AND ($3::date IS NULL OR day < $3) "
						   "UNION SELECT day FROM gold.daily WHERE account_id = $1 "
						   "AND ($2::date IS NULL OR day >= $2) "
						   "AND ($3::date IS NULL OR day < $3) ORDER BY 1");
	n = spi_exec(sql.data, 3, types, values, nulls, SPI_OK_SELECT, "list days");
	for (i = 0; i < n; i++)
	{
		bool		isnull;

		dayset_add(&days, DatumGetDateADT(spi_datum(i, 1, &isnull)));
	}
	figures_recompute_days(&acc, &days);
	SPI_finish();
	PG_RETURN_INT32(days.n);
}

PG_FUNCTION_INFO_V1(tracker_payload_body);

/*
 * tracker_payload_body
 *		tracker.payload_body(account_id, payload_id): exactly the bytes
 *		received of a bronze payload, null when the account holds no such
 *		payload.  SQL readers go through it as the C ones go through
 *		bronze_body(): a body may be a delta against another payload.
 */
Datum
tracker_payload_body(PG_FUNCTION_ARGS)
{
	int32		account_id = PG_GETARG_INT32(0);
	int64		payload_id = PG_GETARG_INT64(1);
	char	   *body;
	size_t		len;

	body = bronze_body_stable(account_id, payload_id, &len);
	if (body == NULL)
		PG_RETURN_NULL();
	PG_RETURN_BYTEA_P(DatumGetByteaPP(bytea_datum(body, len)));
}
