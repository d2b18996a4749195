/*-------------------------------------------------------------------------
 *
 * spi.c
 *	  SPI calls that check their result and keep the caller's memory
 *	  context.
 *
 * SPI switches to its procedure context after every call.  In a backend
 * that is harmless, but a background worker commits between steps and
 * loses that context at every commit: whatever it copied out of a result
 * must land in a context of its own.  So every call here leaves the caller
 * where it was.  A result code other than the one expected is an internal
 * error (the statements are Tracker's own), reported as "could not <what>".
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "common/common.h"

/*
 * spi_check
 *		Raise unless rc is the expected result (SPI_OK_ANY: any success).
 */
void
spi_check(int rc, int expected, const char *what)
{
	if (expected == SPI_OK_ANY ? rc < 0 : rc != expected)
		elog(ERROR, "could not %s: %s", what, SPI_result_code_string(rc));
}

/*
 * spi_exec_limit
 *		Run a statement with parameters (nulls as SPI wants them: 'n' for
 *		NULL, ' ' otherwise, or NULL for none), returning at most count rows
 *		(0: all), and insist on its result code.  Returns SPI_processed.
 */
uint64
spi_exec_limit(const char *sql, int nargs, Oid *types, Datum *values,
			   const char *nulls, long count, int expected, const char *what)
{
	MemoryContext old = CurrentMemoryContext;
	int			rc;

	rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, count);
	MemoryContextSwitchTo(old);
	spi_check(rc, expected, what);
	return SPI_processed;
}

/* spi_exec_limit for every row. */
uint64
spi_exec(const char *sql, int nargs, Oid *types, Datum *values,
		 const char *nulls, int expected, const char *what)
{
	return spi_exec_limit(sql, nargs, types, values, nulls, 0, expected, what);
}

/*
 * spi_count
 *		The bigint of a query that returns one row of one column.
 */
int64
spi_count(const char *sql, const char *what)
{
	bool		isnull;
	Datum		d;

	if (spi_exec_limit(sql, 0, NULL, NULL, NULL, 1, SPI_OK_SELECT, what) != 1)
		elog(ERROR, "could not %s: no row", what);
	d = spi_datum(0, 1, &isnull);
	return isnull ? 0 : DatumGetInt64(d);
}

/*
 * spi_cursor_open / spi_cursor_fetch
 *		A cursor over a statement with parameters, read count rows at a time
 *		(into SPI_tuptable; the fetch returns how many arrived).
 */
Portal
spi_cursor_open(const char *sql, int nargs, Oid *types, Datum *values,
				const char *nulls)
{
	MemoryContext old = CurrentMemoryContext;
	Portal		portal;

	portal = SPI_cursor_open_with_args(NULL, sql, nargs, types, values, nulls,
									   false, 0);
	MemoryContextSwitchTo(old);
	return portal;
}

/* See spi_cursor_open. */
uint64
spi_cursor_fetch(Portal portal, long count)
{
	MemoryContext old = CurrentMemoryContext;

	SPI_cursor_fetch(portal, true, count);
	MemoryContextSwitchTo(old);
	return SPI_processed;
}

/*
 * spi_cursor_each
 *		Call fn for every row of a statement with parameters, read count
 *		rows at a time through a cursor, so that a large result is never in
 *		memory whole.  Each call runs in rowcxt, which is reset after it.
 */
void
spi_cursor_each(const char *sql, int nargs, Oid *types, Datum *values,
				const char *nulls, long count, MemoryContext rowcxt,
				SpiRowFn fn, void *arg)
{
	Portal		portal = spi_cursor_open(sql, nargs, types, values, nulls);

	for (;;)
	{
		SPITupleTable *tt;
		uint64		n;
		uint64		i;

		CHECK_FOR_INTERRUPTS();
		n = spi_cursor_fetch(portal, count);
		tt = SPI_tuptable;
		if (n == 0)
			break;
		for (i = 0; i < n; i++)
		{
			MemoryContext old = MemoryContextSwitchTo(rowcxt);

			fn(tt->vals[i], tt->tupdesc, arg);
			MemoryContextSwitchTo(old);
			MemoryContextReset(rowcxt);
		}
		SPI_freetuptable(tt);
	}
	SPI_cursor_close(portal);
}

/*
 * spi_datum / spi_text
 *		A column (1-based) of a row of the last result: as a datum, or as
 *		text (palloc'd in the current context, NULL for NULL).
 */
Datum
spi_datum(uint64 row, int col, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col,
						 isnull);
}

/* See spi_datum. */
char *
spi_text(uint64 row, int col)
{
	return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
}

/*
 * spi_arg_text
 *		Set parameter i of a statement to a text value, or to NULL.
 */
void
spi_arg_text(Datum *values, char *nulls, int i, const char *s)
{
	values[i] = s ? CStringGetTextDatum(s) : (Datum) 0;
	nulls[i] = s ? ' ' : 'n';
}

/*
 * spi_arg_count
 *		Set parameter i of a statement to a whole number of type (int2, int4
 *		or int8), or to NULL when it is negative: the parsers mark a count or
 *		a duration the document did not carry with -1.
 */
void
spi_arg_count(Datum *values, char *nulls, int i, Oid type, int64 x)
{
	switch (type)
	{
		case INT2OID:
			values[i] = Int16GetDatum((int16) x);
			break;
		case INT4OID:
			values[i] = Int32GetDatum((int32) x);
			break;
		case INT8OID:
			values[i] = Int64GetDatum(x);
			break;
		default:
			elog(ERROR, "unexpected type %u for a count", type);
	}
	nulls[i] = x < 0 ? 'n' : ' ';
}

/*
 * spi_arg_measure
 *		Set parameter i of a statement to a float8, or to NULL when it is
 *		negative (a measure the document did not carry).
 */
void
spi_arg_measure(Datum *values, char *nulls, int i, double x)
{
	values[i] = Float8GetDatum(x);
	nulls[i] = x < 0 ? 'n' : ' ';
}

/*
 * bytea_datum
 *		A bytea holding a copy of some bytes, for a statement's parameters.
 */
Datum
bytea_datum(const char *data, size_t len)
{
	bytea	   *b;

	/* a varlena holds at most 1 GB */
	if (len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("payload of %zu bytes is too large", len)));
	b = palloc(VARHDRSZ + len);
	SET_VARSIZE(b, VARHDRSZ + len);
	memcpy(VARDATA(b), data, len);
	return PointerGetDatum(b);
}
