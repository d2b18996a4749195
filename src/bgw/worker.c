/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  A sync worker: claims one window at a time, fetches it with no
 *	  transaction open, and writes it in one short transaction together with
 *	  its progress.
 *
 * Claiming takes the account's advisory lock, so one account is served by
 * one worker at a time (its request rate stays its own) while other
 * accounts progress in parallel; scheduled syncs are claimed before
 * backfill windows, so a long backfill never starves them.  A window whose
 * fetch fails for a reason that may pass (429, 5xx, network) goes back to
 * the queue and its account backs off; when requests fail to connect at
 * all, the source is marked offline and probed with a growing delay
 * instead of burning retries.  A window whose write meets a lock held by
 * another transaction (lock_timeout), a deadlock or a serialization failure
 * goes back to the queue without counting as an attempt.  A worker exits
 * after a while without work, and does not start while a command keeps its
 * database paused.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "bgw/bgw.h"
#include "common/common.h"
#include "core/core.h"
#include "http/http.h"
#include "providers/provider.h"
#include "store/store.h"
#include "sync/sync.h"
#include "tracker.h"



/*
 * How a window skipped for a missing scope is marked (its last_error starts
 * with this, then the scope); tracker.set_account_state() looks for it.
 */
#define MISSING_SCOPE_MARK "missing scope:"

/* A window failing this many times for passing reasons is given up. */
#define WINDOW_MAX_ATTEMPTS 20

typedef struct ClaimedWindow
{
	int64		job_id;
	int			seq;
	TrackerAccount acc;
	const Provider *p;
	ProviderWindow w;
	int			attempts;
	char	   *missing_scope;	/* the grant lacks the data type's scope */
	LOCKTAG		lock;
} ClaimedWindow;

static MemoryContext window_context = NULL;

/* A worker reaches the database between requests in short transactions. */
static const DbAccess worker_db = {worker_xact_begin, worker_xact_commit, false};

static char *
copy_value(int row, int col)
{
	char	   *v = spi_text(row, col);

	return v ? MemoryContextStrdup(window_context, v) : NULL;
}

/*
 * claim_window
 *		In one short transaction, find the first queued window whose account
 *		is connected, not backing off and not served by another worker, and
 *		mark it running.  Returns false when there is nothing to claim.
 */
static bool
claim_window(ClaimedWindow *cw)
{
	uint64		nrows;
	uint64		i;
	bool		claimed = false;

	worker_xact_begin();
	nrows = spi_exec("SELECT w.job_id, w.seq, w.account_id, w.data_type, lower(w.days), "
					 " upper(w.days), coalesce(w.cursor_end, 0), w.attempts, "
					 " a.name, a.provider, a.time_zone, a.birth_date, "
					 " (SELECT g.scope FROM tracker.google_scope g "
					 "  WHERE a.provider = 'google_health' AND g.data_type = w.data_type "
					 "  AND g.scope = ANY (s.missing_scopes)), "
					 " coalesce(extract(epoch FROM w.since)::bigint, 0), "
					 " w.page_floor "
					 "FROM tracker.job_window w "
					 " JOIN tracker.job j ON j.job_id = w.job_id "
					 " JOIN tracker.account a ON a.account_id = w.account_id "
					 " JOIN tracker.account_auth s ON s.account_id = w.account_id "
					 "WHERE w.state = 'queued' AND j.state IN ('queued', 'running') "
					 " AND s.state = 'connected' "
					 " AND NOT EXISTS (SELECT 1 FROM tracker.account_backoff b "
					 "   WHERE b.account_id = w.account_id AND b.until > now()) "
					 " AND NOT EXISTS (SELECT 1 FROM tracker.source_status o "
					 "   WHERE o.provider = a.provider AND o.state = 'offline' "
					 "   AND o.retry_at > now()) "
					 "ORDER BY (j.kind = 'sync') DESC, w.job_id, w.seq "
					 "LIMIT 50 FOR UPDATE OF w SKIP LOCKED",
					 0, NULL, NULL, NULL, SPI_OK_SELECT, "look for work");

	for (i = 0; i < nrows && !claimed; i++)
	{
		bool		isnull;
		int32		account = DatumGetInt32(spi_datum(i, 3, &isnull));
		Datum		bd;

		SET_LOCKTAG_ADVISORY(cw->lock, MyDatabaseId, TRACKER_LOCK_ACCOUNT,
							 (uint32) account, 2);
		if (LockAcquire(&cw->lock, ExclusiveLock, true, true) == LOCKACQUIRE_NOT_AVAIL)
			continue;

		cw->job_id = DatumGetInt64(spi_datum(i, 1, &isnull));
		cw->seq = DatumGetInt32(spi_datum(i, 2, &isnull));
		memset(&cw->acc, 0, sizeof(cw->acc));
		cw->acc.account_id = account;
		cw->acc.name = copy_value(i, 9);
		cw->acc.provider = copy_value(i, 10);
		cw->acc.time_zone = copy_value(i, 11);
		cw->acc.tz = tracker_time_zone(cw->acc.time_zone);
		bd = spi_datum(i, 12, &isnull);
		cw->acc.has_birth_date = !isnull;
		cw->acc.birth_date = isnull ? 0 : DatumGetDateADT(bd);
		memset(&cw->w, 0, sizeof(cw->w));
		cw->p = provider_get(cw->acc.provider);
		{
			char	   *dt = spi_text(i, 4);

			cw->w.data_type = cw->p ? provider_data_type(cw->p, dt) : -1;
		}
		cw->w.from = DatumGetDateADT(spi_datum(i, 5, &isnull));
		cw->w.to = DatumGetDateADT(spi_datum(i, 6, &isnull));
		cw->w.cursor_end = DatumGetInt64(spi_datum(i, 7, &isnull));
		cw->attempts = DatumGetInt32(spi_datum(i, 8, &isnull));
		cw->missing_scope = copy_value(i, 13);
		cw->w.since = DatumGetInt64(spi_datum(i, 14, &isnull));
		{
			Datum		pf = spi_datum(i, 15, &isnull);

			cw->w.page_floor = isnull ? 0 : DatumGetDateADT(pf);
		}
		if (cw->w.data_type < 0)
		{
			LockRelease(&cw->lock, ExclusiveLock, true);
			continue;
		}
		claimed = true;
	}

	if (claimed)
	{
		Oid			types[3] = {INT8OID, INT4OID, INT4OID};
		Datum		values[3];
		Oid			cbtypes[2] = {INT4OID, TEXTOID};
		Datum		cbvalues[2];

		/*
		 * The day up to which the account's data is complete, read apart
		 * from the claim: on Citus tracker.sync_state is distributed, and a
		 * claim (FOR UPDATE SKIP LOCKED) must join local and reference
		 * tables only.
		 */
		cbvalues[0] = Int32GetDatum(cw->acc.account_id);
		cbvalues[1] = CStringGetTextDatum(cw->acc.time_zone);
		if (spi_exec("SELECT (max(y.newest_at) AT TIME ZONE $2)::date "
					 "FROM tracker.sync_state y WHERE y.account_id = $1 "
					 " AND y.data_type NOT LIKE 'daily-%'",
					 2, cbtypes, cbvalues, NULL, SPI_OK_SELECT,
					 "read how far the account is complete") == 1)
		{
			bool		isnull;
			Datum		cb = spi_datum(0, 1, &isnull);

			cw->w.complete_before = isnull ? 0 : DatumGetDateADT(cb);
		}

		values[0] = Int64GetDatum(cw->job_id);
		values[1] = Int32GetDatum(cw->seq);
		values[2] = Int32GetDatum(MyProcPid);
		spi_exec("UPDATE tracker.job_window SET state = 'running', "
				 " worker_pid = $3, claimed_at = now(), attempts = attempts + 1 "
				 "WHERE job_id = $1 AND seq = $2",
				 3, types, values, NULL, SPI_OK_UPDATE, "claim a window");
		spi_exec("UPDATE tracker.job SET state = 'running', "
				 " started_at = coalesce(started_at, now()) "
				 "WHERE job_id = $1 AND state = 'queued'",
				 1, types, values, NULL, SPI_OK_ANY, "start a job");
	}
	worker_xact_commit();
	MemoryContextSwitchTo(window_context);
	return claimed;
}

/*
 * finish_window
 *		Record how a window ended (in the caller's transaction).
 */
static void
finish_window(ClaimedWindow *cw, const char *state, int64 rows, int requests,
			  int64 cursor_end, const char *error)
{
	Oid			types[7] = {INT8OID, INT4OID, TEXTOID, INT8OID, INT4OID, INT8OID, TEXTOID};
	Datum		values[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};

	values[0] = Int64GetDatum(cw->job_id);
	values[1] = Int32GetDatum(cw->seq);
	values[2] = CStringGetTextDatum(state);
	values[3] = Int64GetDatum(rows);
	values[4] = Int32GetDatum(requests);
	values[5] = Int64GetDatum(cursor_end);
	if (cursor_end <= 0)
		nulls[5] = 'n';
	spi_arg_text(values, nulls, 6, error);
	spi_exec("UPDATE tracker.job_window SET state = $3, "
			 " rows_written = rows_written + $4, requests = requests + $5, "
			 " cursor_end = coalesce($6, cursor_end), last_error = $7, "
			 " worker_pid = NULL, "
			 " attempts = CASE WHEN $6 IS NOT NULL THEN 0 ELSE attempts END, "
			 " finished_at = CASE WHEN $3 IN ('done', 'failed') THEN now() END "
			 "WHERE job_id = $1 AND seq = $2",
			 7, types, values, nulls, SPI_OK_UPDATE, "record a window");
}

/*
 * advance_newest
 *		Keep the newest point a window's pages held, and once every
 *		window of its type in a job is done, move the type's
 *		tracker.sync_state.newest_at (what incremental syncs read on from)
 *		up to it.  It moves only over a range read in full: when the job read
 *		the type from at or before the newest point held so far (the
 *		window's since, or the job's first day), or nothing was held.  An
 *		account back after days offline is read on from its newest point,
 *		never from a full sync's first day.  tracker.sync() leaves it alone.
 */
static void
advance_newest(ClaimedWindow *cw, int64 newest, bool done)
{
	Oid			types[3] = {INT8OID, INT4OID, INT8OID};
	Datum		values[3];

	values[0] = Int64GetDatum(cw->job_id);
	values[1] = Int32GetDatum(cw->seq);
	values[2] = Int64GetDatum(newest);
	if (newest > 0)
		spi_exec("UPDATE tracker.job_window SET newest_at = "
				 " greatest(newest_at, to_timestamp($3)) "
				 "WHERE job_id = $1 AND seq = $2",
				 3, types, values, NULL, SPI_OK_UPDATE, "record the newest point");
	/*
	 * When the data type's last window is done, its newest point becomes the
	 * account's.  Read from the job tables first, then written to
	 * tracker.sync_state by itself: on Citus the job tables are local and
	 * sync_state is distributed, which one statement may not join.
	 */
	if (done &&
		spi_exec("SELECT w.account_id, w.data_type, x.newest_at, "
				 " coalesce(w.since, lower(j.days)::timestamp AT TIME ZONE a.time_zone) "
				 "FROM tracker.job_window w "
				 " JOIN tracker.job j ON j.job_id = w.job_id "
				 " JOIN tracker.account a ON a.account_id = w.account_id, "
				 " LATERAL (SELECT max(o.newest_at) AS newest_at, "
				 "   bool_and(o.state = 'done' OR o.seq = w.seq) AS all_done "
				 "   FROM tracker.job_window o WHERE o.job_id = w.job_id "
				 "   AND o.account_id = w.account_id AND o.data_type = w.data_type) x "
				 "WHERE w.job_id = $1 AND w.seq = $2 "
				 " AND x.all_done AND x.newest_at IS NOT NULL "
				 " AND $3 IS NOT NULL",
				 3, types, values, NULL, SPI_OK_SELECT, "read the newest point held") == 1)
	{
		Oid			stypes[4] = {INT4OID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
		Datum		svalues[4];
		char		snulls[4] = {' ', ' ', ' ', ' '};
		bool		isnull;
		int			i;

		for (i = 0; i < 4; i++)
		{
			svalues[i] = spi_datum(0, i + 1, &isnull);
			if (isnull)
				snulls[i] = 'n';
		}
		svalues[1] = CStringGetTextDatum(spi_text(0, 2));
		spi_exec("UPDATE tracker.sync_state s SET newest_at = $3 "
				 "WHERE s.account_id = $1 AND s.data_type = $2 "
				 " AND (s.newest_at IS NULL OR ($3 > s.newest_at AND $4 <= s.newest_at))",
				 4, stypes, svalues, snulls, SPI_OK_UPDATE, "advance the newest point held");
	}
}

/*
 * pass_cursor_down
 *		A window of a cursor paged down to a floor (see
 *		tracker.plan_windows) is done: its pages went below its first day,
 *		and the window below goes on from cursor_end; or they ended
 *		(cursor_end 0), and the windows below have nothing left to read.
 *		Windows no longer queued (cancelled) are left alone.
 */
static void
pass_cursor_down(ClaimedWindow *cw, int64 cursor_end)
{
	Oid			types[3] = {INT8OID, INT4OID, INT8OID};
	Datum		values[3];

	values[0] = Int64GetDatum(cw->job_id);
	values[1] = Int32GetDatum(cw->seq);
	values[2] = Int64GetDatum(cursor_end);
	if (cursor_end > 0)
		spi_exec("UPDATE tracker.job_window n SET cursor_end = $3 "
				 "FROM tracker.job_window w "
				 "WHERE w.job_id = $1 AND w.seq = $2 AND n.job_id = w.job_id "
				 " AND n.account_id = w.account_id AND n.data_type = w.data_type "
				 " AND n.page_floor IS NOT NULL AND n.state = 'queued' "
				 " AND upper(n.days) = lower(w.days)",
				 3, types, values, NULL, SPI_OK_UPDATE, "pass the cursor down");
	else
		spi_exec("UPDATE tracker.job_window n SET state = 'done', finished_at = now(), "
				 " last_error = NULL "
				 "FROM tracker.job_window w "
				 "WHERE w.job_id = $1 AND w.seq = $2 AND n.job_id = w.job_id "
				 " AND n.account_id = w.account_id AND n.data_type = w.data_type "
				 " AND n.page_floor IS NOT NULL AND n.state = 'queued' "
				 " AND upper(n.days) <= lower(w.days) AND $3 = 0",
				 3, types, values, NULL, SPI_OK_UPDATE, "end the windows below");
}

/*
 * exec_account
 *		Run one of the account's bookkeeping statements ($1 the account, $2
 *		a text or NULL).
 */
static void
exec_account(const char *sql, int32 account_id, const char *text,
			 const char *what)
{
	Oid			types[2] = {INT4OID, TEXTOID};
	Datum		values[2];
	char		nulls[2] = {' ', ' '};

	values[0] = Int32GetDatum(account_id);
	spi_arg_text(values, nulls, 1, text);
	spi_exec(sql, 2, types, values, nulls, SPI_OK_ANY, what);
}

/*
 * source_online
 *		A request reached the provider: it is not offline (any more).
 */
static void
source_online(const char *provider)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];

	values[0] = CStringGetTextDatum(provider);
	spi_exec("UPDATE tracker.source_status SET state = 'online', "
			 " since = now(), failures = 0, retry_at = NULL, reason = NULL "
			 "WHERE provider = $1 AND state = 'offline'",
			 1, types, values, NULL, SPI_OK_ANY, "mark the source online");
}

/*
 * source_offline
 *		Mark a provider offline after a request could not connect.  Only a
 *		failed probe (a failure at or after retry_at) doubles the delay:
 *		the windows in flight when the network went away fail together, and
 *		counting each of them would keep a source that is back waiting for
 *		minutes after a short outage.
 */
static void
source_offline(const char *provider, const char *reason)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];

	values[0] = CStringGetTextDatum(reason);
	values[1] = CStringGetTextDatum(provider);
	spi_exec("INSERT INTO tracker.source_status AS o "
			 " (provider, state, since, retry_at, failures, reason) "
			 "VALUES ($2, 'offline', now(), now() + interval '5 seconds', 1, $1) "
			 "ON CONFLICT (provider) DO UPDATE SET "
			 " state = 'offline', "
			 " since = CASE WHEN o.state = 'offline' THEN o.since ELSE now() END, "
			 " failures = CASE WHEN o.state <> 'offline' THEN 1 "
			 "   WHEN now() >= o.retry_at THEN o.failures + 1 ELSE o.failures END, "
			 " retry_at = CASE WHEN o.state <> 'offline' THEN now() + interval '5 seconds' "
			 "   WHEN now() >= o.retry_at THEN now() + least(interval '5 seconds' * "
			 "     power(2, least(o.failures, 6)), interval '5 minutes') "
			 "   ELSE o.retry_at END, "
			 " reason = $1",
			 2, types, values, NULL, SPI_OK_ANY, "mark the source offline");
}

/*
 * network_down
 *		Whether the last attempts failed without reaching any server.
 */
static bool
network_down(FetchContext *ctx)
{
	FetchLogEntry *e;

	if (ctx->log == NIL)
		return false;
	e = (FetchLogEntry *) llast(ctx->log);
	return e->http_status == 0 && e->error &&
		(strncmp(e->error, "dns_failed", 10) == 0 ||
		 strncmp(e->error, "connect_failed", 14) == 0);
}

/*
 * skip_missing_scope
 *		A window of a data type whose scope the grant lacks: done at once,
 *		with no request, marked so that a grant with the scope queues it
 *		again (tracker.set_account_state()).
 */
static void
skip_missing_scope(ClaimedWindow *cw, FetchContext *ctx, const char *scope)
{
	worker_xact_begin();
	finish_window(cw, "done", 0, 0, 0, psprintf("%s %s", MISSING_SCOPE_MARK, scope));
	ctx->data_type = cw->p->data_types[cw->w.data_type];
	fetch_log(ctx, NULL, NULL, "skipped", "the grant lacks the scope of this data type");
	fetch_log_write(ctx->log, cw->acc.account_id);
	worker_xact_commit();
	MemoryContextSwitchTo(window_context);
}

/*
 * process_window
 *		Fetch a claimed window, then write it (or how it failed) in one
 *		short transaction.
 */
static void
process_window(ClaimedWindow *cw)
{
	FetchContext ctx;
	ProviderFetched f;
	const Provider *p = cw->p;
	const char *dt = p->data_types[cw->w.data_type];
	char	   *activity;

	memset(&ctx, 0, sizeof(ctx));
	ctx.account_id = cw->acc.account_id;
	ctx.get_token = provider_token_source;
	ctx.provider = p;
	ctx.db = &worker_db;

	if (cw->missing_scope != NULL)
	{
		skip_missing_scope(cw, &ctx, cw->missing_scope);
		return;
	}

	activity = psprintf("tracker: syncing account %d %s %s..%s", cw->acc.account_id,
						dt, format_date_text(cw->w.from), format_date_text(cw->w.to));
	pgstat_report_activity(STATE_RUNNING, activity);

	memset(&f, 0, sizeof(f));
	PG_TRY();
	{
		p->fetch_window(&ctx, &cw->acc, &cw->w, &f);
	}
	PG_CATCH();
	{
		provider_fetched_free(p, &f);
		PG_RE_THROW();
	}
	PG_END_TRY();

	worker_xact_begin();
	PG_TRY();
	{
		if (f.verdict == FETCH_OK)
		{
			DaySet		touched = {0};
			int			rows;

			provider_store_pages(p, &cw->acc, &cw->w, &f);
			rows = p->write_window(&cw->acc, &cw->w, &f, &touched);

			figures_recompute_days(&cw->acc, &touched);
			if (ctx.log != NIL)
				((FetchLogEntry *) llast(ctx.log))->rows_written = rows;
			if (f.continue_below > 0 && !f.left_window)
				finish_window(cw, "queued", rows, ctx.requests, f.continue_below, NULL);
			else
			{
				finish_window(cw, "done", rows, ctx.requests, f.continue_below, NULL);
				if (f.left_window || f.floor_reached)
					pass_cursor_down(cw, f.left_window ? f.continue_below : 0);
			}
			sync_state_update(cw->acc.account_id, dt, cw->w.to - 1, NULL);
			advance_newest(cw, f.newest, f.continue_below <= 0 || f.left_window);
			exec_account("DELETE FROM tracker.account_backoff WHERE account_id = $1 AND $2 IS NULL",
						 cw->acc.account_id, NULL, "end the backoff");
			source_online(p->name);
		}
		else
		{
			const char *why = f.why ? f.why : "failed";

			switch (f.verdict)
			{
				case FETCH_AUTH:
					/* The account waits for reconnection; the window stays queued. */
					finish_window(cw, "queued", 0, ctx.requests, 0, why);
					if (ctx.auth == AUTH_NEEDS_REAUTH || ctx.auth == AUTH_NOT_CONNECTED)
						auth_state_record(cw->acc.account_id,
										  ctx.auth == AUTH_NEEDS_REAUTH ? "needs_reauth" : "not_connected",
										  why, NULL, false);
					else
						exec_account("INSERT INTO tracker.account_backoff AS b (account_id, until, reason) "
									 "VALUES ($1, now() + interval '30 seconds', $2) "
									 "ON CONFLICT (account_id) DO UPDATE SET until = excluded.until, "
									 " failures = b.failures + 1, reason = $2",
									 cw->acc.account_id, why, "back off");
					break;
				case FETCH_SCOPE:
					if (f.scope_denied)
					{
						char	   *scope = scope_denied_record(cw->acc.account_id, dt, false);

						if (scope != NULL)
						{
							finish_window(cw, "done", 0, ctx.requests, 0,
										  psprintf("%s %s", MISSING_SCOPE_MARK, scope));
							break;
						}
					}
					finish_window(cw, "done", 0, ctx.requests, 0,
								  psprintf("skipped: %s", why));
					break;
				case FETCH_TRANSIENT:
					if (network_down(&ctx))
						source_offline(p->name, why);
					finish_window(cw, cw->attempts + 1 >= WINDOW_MAX_ATTEMPTS ? "failed" : "queued",
								  0, ctx.requests, 0, why);
					exec_account("INSERT INTO tracker.account_backoff AS b (account_id, until, reason) "
								 "VALUES ($1, now() + interval '2 seconds', $2) "
								 "ON CONFLICT (account_id) DO UPDATE SET "
								 " until = now() + least(interval '2 seconds' * power(2, least(b.failures, 8)), "
								 "   interval '10 minutes'), "
								 " failures = b.failures + 1, reason = $2",
								 cw->acc.account_id, why, "back off");
					break;
				default:
					if (f.rejected)
						provider_reject_window(p, &cw->acc, &cw->w, &f, false);
					finish_window(cw, "failed", 0, ctx.requests, 0, why);
					break;
			}
			if (f.verdict != FETCH_SCOPE && f.verdict != FETCH_AUTH)
				sync_state_update(cw->acc.account_id, dt, cw->w.to - 1, why);
		}
		fetch_log_write(ctx.log, cw->acc.account_id);
		provider_fetched_free(p, &f);
	}
	PG_CATCH();
	{
		provider_fetched_free(p, &f);
		PG_RE_THROW();
	}
	PG_END_TRY();
	worker_xact_commit();
	MemoryContextSwitchTo(window_context);
	pgstat_report_activity(STATE_IDLE, NULL);
}

/*
 * transient_error
 *		Whether an error says nothing about the window itself: it met a lock
 *		held by somebody else's transaction (lock_timeout), a deadlock, or a
 *		serialization failure.  Trying again later will do.
 */
static bool
transient_error(int sqlerrcode)
{
	return sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE ||
		sqlerrcode == ERRCODE_T_R_DEADLOCK_DETECTED ||
		sqlerrcode == ERRCODE_T_R_SERIALIZATION_FAILURE;
}

/*
 * record_window_error
 *		After an unexpected error in a window, put it back (or give it up
 *		after its third error) in a fresh transaction, so that one bad
 *		window never stops the worker.  A transient error (a lock held by a
 *		long import, a deadlock, a serialization failure) is not the
 *		window's fault: the window goes back to the queue without counting
 *		an attempt, and its account waits a growing while (1 s, doubling,
 *		at most a minute) so that the worker does not spin on the lock.
 */
static void
record_window_error(ClaimedWindow *cw, ErrorData *edata)
{
	worker_xact_begin();
	if (transient_error(edata->sqlerrcode))
	{
		Oid			types[3] = {INT8OID, INT4OID, TEXTOID};
		Datum		values[3];

		values[0] = Int64GetDatum(cw->job_id);
		values[1] = Int32GetDatum(cw->seq);
		values[2] = CStringGetTextDatum(edata->message);
		spi_exec("UPDATE tracker.job_window SET state = 'queued', "
				 " worker_pid = NULL, attempts = greatest(attempts - 1, 0), "
				 " last_error = $3 "
				 "WHERE job_id = $1 AND seq = $2",
				 3, types, values, NULL, SPI_OK_UPDATE, "record a window");
		exec_account("INSERT INTO tracker.account_backoff AS b (account_id, until, reason) "
					 "VALUES ($1, now() + interval '1 second', $2) "
					 "ON CONFLICT (account_id) DO UPDATE SET "
					 " until = now() + least(interval '1 second' * power(2, least(b.failures, 6)), "
					 "   interval '1 minute'), "
					 " failures = b.failures + 1, reason = $2",
					 cw->acc.account_id, edata->message, "back off");
	}
	else
		finish_window(cw, cw->attempts + 1 >= 3 ? "failed" : "queued", 0, 0, 0,
					  edata->message);
	worker_xact_commit();
}

/*
 * tracker_worker_main
 *		Entry point of a sync worker.
 */
void
tracker_worker_main(Datum main_arg)
{
	Oid			dboid = DatumGetObjectId(main_arg);
	TimestampTz idle_since = GetCurrentTimestamp();
	MemoryContext loop;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	/* No place: enough workers run already, or a command pauses the database. */
	if (!db_slot_attach(dboid, tracker_max_sync_workers))
		proc_exit(0);
	before_shmem_exit(db_slot_detach, main_arg);
	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);

	/* A database's own search_path must not redirect Tracker's statements. */
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);

	/*
	 * A worker waiting on a lock a user's transaction holds gives up (and
	 * retries the window later) before the deadlock detector could pick the
	 * user's statement as the victim.
	 */
	SetConfigOption("lock_timeout", "500", PGC_SUSET, PGC_S_OVERRIDE);

	loop = AllocSetContextCreate(TopMemoryContext, "tracker worker",
								 ALLOCSET_DEFAULT_SIZES);
	window_context = AllocSetContextCreate(loop, "tracker window",
										   ALLOCSET_DEFAULT_SIZES);

	/* Every window of this worker's life reuses one connection per server. */
	(void) http_session_begin(loop);

	for (;;)
	{
		ClaimedWindow cw;
		bool		present;

		worker_loop_begin(window_context);

		worker_xact_begin();
		present = worker_extension_present() && !worker_restore_in_progress();
		worker_xact_commit();
		MemoryContextSwitchTo(window_context);
		if (!present || !tracker_scheduler_enabled)
			proc_exit(0);

		if (!claim_window(&cw))
		{
			if (TimestampDifferenceExceeds(idle_since, GetCurrentTimestamp(),
										   tracker_worker_idle_timeout_ms))
				proc_exit(0);
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 500, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			continue;
		}

		PG_TRY();
		{
			process_window(&cw);
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			/* Report, clean up, record, and go on with the next window. */
			edata = worker_recover(loop);
			record_window_error(&cw, edata);
			FreeErrorData(edata);
		}
		PG_END_TRY();
		LockRelease(&cw.lock, ExclusiveLock, true);
		idle_since = GetCurrentTimestamp();

		/*
		 * Free the window's memory now, and hand the heap pages it leaves
		 * free back to the system: a worker that once parsed a 16 MB page
		 * would otherwise keep that much resident for the rest of its life,
		 * since malloc returns memory only from the top of the heap.
		 */
		MemoryContextReset(window_context);
#ifdef __GLIBC__
		malloc_trim(0);
#endif
	}
}
