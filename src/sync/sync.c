/*-------------------------------------------------------------------------
 *
 * sync.c
 *	  tracker.sync(): one synchronous sync of an account's days, run in the
 *	  calling transaction (as pgsql-http's functions run), for people and
 *	  tests.  The background workers use the same fetch and write code with
 *	  transactions of their own.
 *
 * A sync does not raise an error for anything the API does: each window is
 * fetched, validated and then written in a subtransaction, and what went
 * wrong is returned in the summary.  What must be remembered whatever the
 * caller does next (the sync log, rejected payloads, a revoked grant) is
 * written autonomously, so a rollback of the caller's transaction keeps
 * it; the data itself commits or rolls back with the caller.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/resowner.h"
#include "storage/lmgr.h"
#include "storage/lock.h"

#include "common/common.h"
#include "core/core.h"
#include "http/http.h"
#include "providers/provider.h"
#include "store/store.h"
#include "sync/sync.h"

/* Longest range one call may sync, in days. */
#define SYNC_MAX_DAYS (20 * 366)

static void
db_noop(void)
{
}

/* tracker.sync() runs in the caller's transaction with SPI connected. */
static const DbAccess sync_db = {db_noop, db_noop, true};

/*
 * sync_state_update
 *		Remember the last good window of a data type, or its last error.
 */
void
sync_state_update(int32 account_id, const char *data_type, DateADT through,
				  const char *error)
{
	Oid			types[4] = {INT4OID, TEXTOID, DATEOID, TEXTOID};
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};

	values[0] = Int32GetDatum(account_id);
	values[1] = CStringGetTextDatum(data_type);
	values[2] = DateADTGetDatum(through);
	if (error)
		values[3] = CStringGetTextDatum(error);
	else
		nulls[3] = 'n';
	spi_exec(error ?
			 "INSERT INTO tracker.sync_state AS s (account_id, data_type, last_error, last_error_at) "
			 "VALUES ($1, $2, $4, now()) ON CONFLICT (account_id, data_type) DO UPDATE "
			 "SET last_error = $4, last_error_at = excluded.last_error_at WHERE $3 IS NOT NULL OR true" :
			 "INSERT INTO tracker.sync_state AS s (account_id, data_type, last_success_at, synced_through) "
			 "VALUES ($1, $2, now(), $3) ON CONFLICT (account_id, data_type) DO UPDATE "
			 "SET last_success_at = excluded.last_success_at, synced_through = greatest(s.synced_through, $3) "
			 "WHERE $4 IS NULL",
			 4, types, values, nulls,
			 SPI_OK_INSERT, "update the sync state");
}

/*
 * account_auth_state
 *		The account's recorded connection state and its missing scopes.
 */
static char *
account_auth_state(int32 account_id, char **reason, List **missing)
{
	Oid			types[1] = {INT4OID};
	Datum		values[1];
	bool		isnull;
	Datum		d;
	char	   *state;

	*missing = NIL;
	*reason = NULL;
	values[0] = Int32GetDatum(account_id);
	spi_exec_limit("SELECT state, reason, missing_scopes "
				   "FROM tracker.account_auth WHERE account_id = $1",
				   1, types, values, NULL, 1,
				   SPI_OK_SELECT, "read the account state");
	if (SPI_processed == 0)
		return pstrdup("not_connected");
	state = spi_text(0, 1);
	*reason = spi_text(0, 2);
	d = spi_datum(0, 3, &isnull);
	if (!isnull)
	{
		Datum	   *elems;
		bool	   *nulls;
		int			n;
		int			i;

		deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &nulls, &n);
		for (i = 0; i < n; i++)
			if (!nulls[i])
				*missing = lappend(*missing, TextDatumGetCString(elems[i]));
	}
	return state;
}

/*
 * scope_missing
 *		Whether the grant lacks the scope a data type needs.
 */
static bool
scope_missing(const char *data_type, List *missing)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	ListCell   *lc;
	char	   *scope;
	int			rc;

	if (missing == NIL)
		return false;
	values[0] = CStringGetTextDatum(data_type);
	rc = SPI_execute_with_args("SELECT scope FROM tracker.google_scope WHERE data_type = $1",
							   1, types, values, NULL, false, 1);
	if (rc != SPI_OK_SELECT || SPI_processed == 0)
		return false;
	scope = spi_text(0, 1);
	foreach(lc, missing)
		if (strcmp((char *) lfirst(lc), scope) == 0)
			return true;
	return false;
}

/* A fetched window to write, and what the write gave. */
typedef struct WriteArgs
{
	const Provider *p;
	const TrackerAccount *acc;
	const ProviderWindow *w;
	ProviderFetched *f;
	int			rows;
} WriteArgs;

/* The write of a fetched window (see write_fetched). */
static void
write_window(void *arg)
{
	WriteArgs  *a = (WriteArgs *) arg;
	DaySet		touched = {0};

	account_write_lock(a->acc->account_id);
	provider_store_pages(a->p, a->acc, a->w, a->f);
	a->rows = a->p->write_window(a->acc, a->w, a->f, &touched);
	figures_recompute_days(a->acc, &touched);
}

/*
 * write_fetched
 *		Write one fetched window in a subtransaction; on failure the window
 *		leaves nothing behind and the reason is returned.
 */
static bool
write_fetched(const Provider *p, const TrackerAccount *acc,
			  const ProviderWindow *w, ProviderFetched *f, int *rows, char **why)
{
	WriteArgs	a = {p, acc, w, f, 0};
	ErrorData  *edata = subxact_run(write_window, &a);

	if (edata != NULL)
	{
		*why = psprintf("could not write the window: %s", edata->message);
		*rows = 0;
		return false;
	}
	*rows = a.rows;
	return true;
}

/*
 * sync_window
 *		Fetch and write one window, following cursor continuations.
 *		Updates the summary; returns false when the window failed.
 */
static bool
sync_window(const Provider *p, FetchContext *ctx, const TrackerAccount *acc,
			ProviderWindow *w, SyncSummary *sum, bool *denied)
{
	const char *dt = p->data_types[w->data_type];

	for (;;)
	{
		ProviderFetched f;
		int			rows = 0;
		char	   *why = NULL;

		ctx->log = NIL;
		memset(&f, 0, sizeof(f));
		PG_TRY();
		{
			p->fetch_window(ctx, acc, w, &f);
		}
		PG_CATCH();
		{
			provider_fetched_free(p, &f);
			PG_RE_THROW();
		}
		PG_END_TRY();
		sum->requests = ctx->requests;

		if (f.verdict == FETCH_OK)
		{
			bool		ok = write_fetched(p, acc, w, &f, &rows, &why);

			provider_fetched_free(p, &f);
			if (ok)
			{
				if (ctx->log != NIL)
					((FetchLogEntry *) llast(ctx->log))->rows_written = rows;
				sum->rows += rows;
				sync_state_update(acc->account_id, dt, w->to - 1, NULL);
			}
			else
			{
				fetch_log(ctx, NULL, NULL, "failed", why);
				sum->errors++;
				appendStringInfo(&sum->detail, "%s %s..%s: %s\n", dt,
								 format_date_text(w->from), format_date_text(w->to), why);
				sync_state_update(acc->account_id, dt, w->to - 1, why);
			}
			sum->log = list_concat(sum->log, ctx->log);
			if (ok && f.continue_below > 0)
			{
				w->cursor_end = f.continue_below;
				continue;
			}
			return ok;
		}

		if (f.rejected)
		{
			provider_reject_window(p, acc, w, &f, true);
			sum->rejected++;
		}
		provider_fetched_free(p, &f);
		if (f.verdict == FETCH_SCOPE && f.scope_denied)
		{
			/* skipped from now on, until a grant with the scope arrives */
			(void) scope_denied_record(acc->account_id, dt, true);
			*denied = true;
		}
		if (f.verdict == FETCH_SCOPE)
			sum->skipped++;
		else if (f.verdict != FETCH_AUTH)
			sum->errors++;
		appendStringInfo(&sum->detail, "%s %s..%s: %s\n", dt,
						 format_date_text(w->from), format_date_text(w->to),
						 f.why ? f.why : "failed");
		sync_state_update(acc->account_id, dt, w->to - 1, f.why ? f.why : "failed");
		sum->log = list_concat(sum->log, ctx->log);
		return false;
	}
}

char *
format_date_text(DateADT day)
{
	return DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(day)));
}

/*
 * sync_account_days
 *		Sync the wanted data types of an account over local days [from, to).
 */
void
sync_account_days(const TrackerAccount *acc, DateADT from, DateADT to,
				  const bool *wanted, SyncSummary *sum)
{
	const Provider *p = provider_get(acc->provider);
	FetchContext ctx;
	char	   *state;
	char	   *reason;
	List	   *missing;
	StringInfoData skipped_types;
	int			i;

	memset(&ctx, 0, sizeof(ctx));
	ctx.account_id = acc->account_id;
	ctx.get_token = provider_token_source;
	ctx.provider = p;
	ctx.db = &sync_db;

	state = account_auth_state(acc->account_id, &reason, &missing);
	if (strcmp(state, "connected") != 0)
	{
		sum->state = state;
		appendStringInfo(&sum->detail, "account %d is %s%s%s\n", acc->account_id,
						 state, reason ? ": " : "", reason ? reason : "");
		return;
	}

	initStringInfo(&skipped_types);
	for (i = 0; i < p->ndata_types && ctx.auth == AUTH_OK; i++)
	{
		const char *dt = p->data_types[i];
		DateADT		d;
		bool		denied = false;

		if (!wanted[i])
			continue;
		if (scope_missing(dt, missing))
		{
			sum->skipped++;
			appendStringInfo(&sum->detail, "%s: skipped, the grant lacks its scope\n", dt);
			appendStringInfo(&skipped_types, "%s%s", skipped_types.len ? ", " : "", dt);
			ctx.data_type = dt;
			ctx.log = NIL;
			fetch_log(&ctx, NULL, NULL, "skipped", "the grant lacks the scope of this data type");
			sum->log = list_concat(sum->log, ctx.log);
			continue;
		}
		for (d = from; d < to && ctx.auth == AUTH_OK && !denied; d += p->window_days(i))
		{
			ProviderWindow w;

			CHECK_FOR_INTERRUPTS();
			memset(&w, 0, sizeof(w));
			w.data_type = i;
			w.from = d;
			w.to = Min(d + p->window_days(i), to);
			(void) sync_window(p, &ctx, acc, &w, sum, &denied);
		}
		if (denied)
		{
			/* the rest of its days, and the types of the same scope, wait */
			appendStringInfo(&skipped_types, "%s%s", skipped_types.len ? ", " : "", dt);
			state = account_auth_state(acc->account_id, &reason, &missing);
		}
	}

	/* How to get the skipped types back. */
	if (skipped_types.len > 0)
		ereport(NOTICE,
				(errmsg("account %d: %s skipped, the grant lacks their scope",
						acc->account_id, skipped_types.data),
				 errdetail("tracker.data_type_status shows each data type's state and the scope it needs."),
				 errhint("Connect the account again with the link from tracker.authorize_url(account => %d, redirect_uri => ...) and grant every scope it asks for; the skipped data types then sync again.",
						 acc->account_id)));

	if (ctx.auth == AUTH_NEEDS_REAUTH)
		sum->state = "needs_reauth";
	else if (ctx.auth == AUTH_NOT_CONNECTED)
		sum->state = "not_connected";
	else if (ctx.auth == AUTH_FAILED)
	{
		sum->state = "connected";
		sum->errors++;
	}
	if (ctx.auth != AUTH_OK)
		appendStringInfo(&sum->detail, "stopped: %s\n",
						 ctx.auth_reason ? ctx.auth_reason : "credentials failed");

	/* The log survives the caller's rollback (see the file header). */
	fetch_log_write_autonomous(sum->log, acc->account_id);
}

/*
 * sync_type_listed
 *		Whether tracker.provider_data_type lists a data type of a provider.
 */
static bool
sync_type_listed(const char *provider, const char *data_type)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];

	values[0] = CStringGetTextDatum(provider);
	values[1] = CStringGetTextDatum(data_type);
	return spi_exec("SELECT 1 FROM tracker.provider_data_type "
					"WHERE provider = $1 AND data_type = $2",
					2, types, values, NULL, SPI_OK_SELECT,
					"read the provider's data types") > 0;
}

PG_FUNCTION_INFO_V1(tracker_sync);

/*
 * tracker_sync
 *		SQL entry point; see the file header.
 */
Datum
tracker_sync(PG_FUNCTION_ARGS)
{
	TrackerAccount acc;
	SyncSummary sum;
	const Provider *p;
	bool	   *wanted;
	ArrayType  *types_arg = PG_ARGISNULL(2) ? NULL : PG_GETARG_ARRAYTYPE_P(2);
	DateADT		from;
	DateADT		to;
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, false, false};
	int			i;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("account and days must not be null")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	{
		DayRange	days;

		if (!tracker_day_range_arg(fcinfo, 1, &days))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("days must not be empty")));
		if (!days.has_lower || !days.has_upper)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("days must have both bounds"),
					 errhint("For example '[2026-01-01,2026-02-01)'.")));
		from = days.lower;
		to = days.upper;
		if (to - from > SYNC_MAX_DAYS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("days span %d days, more than the %d one sync may take",
							to - from, SYNC_MAX_DAYS),
					 errhint("Use tracker.backfill() for long ranges, or sync in parts.")));
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	account_load(PG_GETARG_INT32(0), &acc);
	p = provider_get(acc.provider);
	if (p == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("account %d of provider \"%s\" cannot be synced",
						acc.account_id, acc.provider),
				 errhint("Accounts of this provider are filled by importing files, e.g. with tracker.import_fitbit_file().")));

	wanted = palloc0(sizeof(bool) * p->ndata_types);
	if (types_arg == NULL)
	{
		/*
		 * Every data type the installed schema lists for the provider: a
		 * library newer than the schema (before ALTER EXTENSION UPDATE) does
		 * not sync types the schema has no tables for.
		 */
		for (i = 0; i < p->ndata_types; i++)
			wanted[i] = sync_type_listed(p->name, p->data_types[i]);
	}
	else
	{
		Datum	   *elems;
		bool	   *enulls;
		int			n;

		deconstruct_array(types_arg, TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &enulls, &n);
		for (i = 0; i < n; i++)
		{
			char	   *name;
			int			t;

			if (enulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("data_types must not contain nulls")));
			name = TextDatumGetCString(elems[i]);
			t = provider_data_type(p, name);
			if (t < 0)
			{
				StringInfoData known;
				int			k;

				initStringInfo(&known);
				for (k = 0; k < p->ndata_types; k++)
					appendStringInfo(&known, "%s%s", k ? ", " : "", p->data_types[k]);
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown data type \"%s\" for provider \"%s\"", name, p->name),
						 errhint("Known data types: %s.", known.data)));
			}
			wanted[t] = true;
		}
	}

	memset(&sum, 0, sizeof(sum));
	sum.state = "connected";
	initStringInfo(&sum.detail);

	/*
	 * The account is served by one process at a time: wait for a worker in
	 * the middle of one of its windows, and keep the workers away meanwhile.
	 * Its requests share one connection.
	 */
	{
		LOCKTAG		tag;

		HttpSession *session;

		SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, TRACKER_LOCK_ACCOUNT,
							 (uint32) acc.account_id, 2);
		(void) LockAcquire(&tag, ExclusiveLock, true, false);
		session = http_session_begin(CurrentMemoryContext);
		PG_TRY();
		{
			sync_account_days(&acc, from, to, wanted, &sum);
		}
		PG_FINALLY();
		{
			http_session_end(session);
			LockRelease(&tag, ExclusiveLock, true);
		}
		PG_END_TRY();
	}

	values[0] = Int32GetDatum(sum.requests);
	values[1] = Int64GetDatum(sum.rows);
	values[2] = Int32GetDatum(sum.rejected);
	values[3] = Int32GetDatum(sum.errors);
	values[4] = CStringGetTextDatum(sum.state);
	if (sum.detail.len > 0)
	{
		sum.detail.data[--sum.detail.len] = '\0';	/* drop the last newline */
		values[5] = CStringGetTextDatum(sum.detail.data);
	}
	else
		nulls[5] = true;

	{
		HeapTupleHeader result;

		tupdesc = BlessTupleDesc(tupdesc);
		result = SPI_returntuple(heap_form_tuple(tupdesc, values, nulls), tupdesc);
		SPI_finish();
		PG_RETURN_HEAPTUPLEHEADER(result);
	}
}
