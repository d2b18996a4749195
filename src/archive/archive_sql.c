/*-------------------------------------------------------------------------
 *
 * archive_sql.c
 *	  SQL entry points of the archive: tracker.archive(),
 *	  tracker.restore_from_s3(), tracker.apply_s3_lifecycle() and
 *	  tracker.s3_lifecycle_merge().
 *
 * tracker.archive() and tracker.restore_from_s3() run in the caller's
 * transaction (restore must be all or nothing), like tracker.sync().
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "archive/archive.h"
#include "archive/archive_int.h"
#include "common/common.h"
#include "core/core.h"
#include "http/http.h"
#include "store/store.h"


/*
 * archive_manual
 *		A run of tracker.archive(): recorded in tracker.archive_run as it
 *		starts and when it is done.
 */
static void
archive_manual(void *arg)
{
	ArchiveRun *run = (ArchiveRun *) arg;
	Oid			types[1] = {DATEOID};
	Datum		values[1];
	bool		isnull;

	values[0] = DateADTGetDatum(run->through);
	if (spi_exec_limit("INSERT INTO tracker.archive_run (trigger, through, state, "
					   " started_at, worker_pid) "
					   "VALUES ('manual', $1, 'running', now(), pg_backend_pid()) "
					   "RETURNING run_id",
					   1, types, values, NULL, 1,
					   SPI_OK_INSERT_RETURNING, "record the archive run") != 1)
		elog(ERROR, "could not record the archive run");
	run->run_id = DatumGetInt64(spi_datum(0, 1, &isnull));
	archive_execute(run);
	types[0] = INT8OID;
	values[0] = Int64GetDatum(run->run_id);
	spi_exec("UPDATE tracker.archive_run SET state = 'done', "
			 " finished_at = clock_timestamp(), worker_pid = NULL WHERE run_id = $1",
			 1, types, values, NULL, SPI_OK_UPDATE, "finish the archive run");
}

PG_FUNCTION_INFO_V1(tracker_archive);

/*
 * tracker_archive
 *		tracker.archive(through): archive every month up to the month of
 *		"through" now, in the caller's transaction, one row per bundle.  A
 *		failed call is still recorded in tracker.archive_run (autonomously,
 *		since the caller's transaction is lost), so the failure shows in the
 *		pipeline.
 */
Datum
tracker_archive(PG_FUNCTION_ARGS)
{
	ArchiveRun	run;
	MemoryContext callcxt;
	DateADT		through;
	HttpSession *session;
	ErrorData  *edata;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("through must not be null")));
	through = PG_GETARG_DATEADT(0);
	if (DATE_NOT_FINITE(through))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("through must be a finite date")));

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	callcxt = CurrentMemoryContext;
	run_setup(&run, callcxt, false);
	run.through = through;
	run.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(run.cxt);
	s3_config_load(&run.cfg, false);
	archive_lock(false, true);

	session = http_session_begin(run.cxt);
	edata = subxact_run(archive_manual, &run);
	http_session_end(session);
	if (edata != NULL)
	{
		AutonomousArg args[2];
		char	   *error;

		args[0] = autonomous_text(tracker_iso_date(through));
		args[1] = autonomous_text(edata->message);
		if (!autonomous_execute("INSERT INTO tracker.archive_run (trigger, through, state, "
								" started_at, finished_at, last_error) "
								"VALUES ('manual', $1::date, 'failed', now(), clock_timestamp(), $2)",
								2, args, &error))
			ereport(WARNING,
					(errmsg("could not record the failed archive run: %s", error)));
		ReThrowError(edata);
	}

	SPI_finish();
	MemoryContextSwitchTo(callcxt);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(tracker_restore_from_s3);

/*
 * tracker_restore_from_s3
 *		tracker.restore_from_s3(account, days): read the newest manifest of
 *		every archived month (of one account, of the months overlapping
 *		days), download and verify each bundle, put its payloads back in
 *		bronze, and replay them through silver into gold.  Everything runs
 *		in the caller's transaction, so any failure leaves nothing behind.
 *		Bundles still in an archive storage class are reported, with how to
 *		thaw them, and the rest is restored; run it again once they thaw.
 */
Datum
tracker_restore_from_s3(PG_FUNCTION_ARGS)
{
	RestoreWhat what;
	MemoryContext callcxt;
	MemoryContext cxt;

	memset(&what, 0, sizeof(what));
	what.one_account = !PG_ARGISNULL(0);
	what.account = what.one_account ? PG_GETARG_INT32(0) : 0;
	if (what.one_account && what.account <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("account must be a positive account id")));
	if (!PG_ARGISNULL(1))
	{
		DayRange	days;

		if (!tracker_day_range_arg(fcinfo, 1, &days))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("days must not be empty"),
					 errhint("Pass null to restore every archived month.")));
		what.has_lower = days.has_lower;
		what.lower_day = days.lower;
		what.has_upper = days.has_upper;
		what.upper_day = days.upper;
	}

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	callcxt = CurrentMemoryContext;
	cxt = AllocSetContextCreate(callcxt, "tracker restore", ALLOCSET_DEFAULT_SIZES);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(cxt);
	restore_run((ReturnSetInfo *) fcinfo->resultinfo, &what, cxt);
	SPI_finish();
	MemoryContextSwitchTo(callcxt);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(tracker_s3_lifecycle_merge);

/*
 * tracker_s3_lifecycle_merge
 *		The merge of apply_s3_lifecycle without a bucket: for tests, and to
 *		see what would be written.
 */
Datum
tracker_s3_lifecycle_merge(PG_FUNCTION_ARGS)
{
	char	   *current = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *prefix;
	char	   *cls;
	int			kept;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("prefix and after_days must not be null")));
	prefix = text_to_cstring(PG_GETARG_TEXT_PP(1));
	cls = lifecycle_check(PG_GETARG_INT32(2),
						  PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3)));
	PG_RETURN_TEXT_P(cstring_to_text(lifecycle_merge(current, prefix,
													 PG_GETARG_INT32(2), cls,
													 &kept)));
}

PG_FUNCTION_INFO_V1(tracker_apply_s3_lifecycle);

/*
 * tracker_apply_s3_lifecycle
 *		Read the bucket's lifecycle configuration, put Tracker's rule in,
 *		and write it back (with Content-MD5, which S3 requires here).
 */
Datum
tracker_apply_s3_lifecycle(PG_FUNCTION_ARGS)
{
	S3Config	cfg;
	TupleDesc	tupdesc;
	char	   *cls;
	char	   *current;
	char	   *doc;
	int			days;
	int			kept;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	HeapTuple	tuple;
	MemoryContext callcxt = CurrentMemoryContext;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("after_days must not be null")));
	days = PG_GETARG_INT32(0);
	cls = lifecycle_check(days, PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1)));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(callcxt);
	s3_config_load(&cfg, false);
	SPI_finish();
	MemoryContextSwitchTo(callcxt);

	current = s3_get_lifecycle(&cfg);
	doc = lifecycle_merge(current, cfg.prefix, days, cls, &kept);
	s3_put_lifecycle(&cfg, doc);

	values[0] = CStringGetTextDatum(lifecycle_rule_id(cfg.prefix));
	values[1] = CStringGetTextDatum(psprintf("%sbundles/", cfg.prefix));
	values[2] = Int32GetDatum(kept);
	values[3] = CStringGetTextDatum(doc);
	tupdesc = BlessTupleDesc(tupdesc);
	tuple = heap_form_tuple(tupdesc, values, nulls);
	PG_RETURN_DATUM(HeapTupleGetDatum(tuple));
}
