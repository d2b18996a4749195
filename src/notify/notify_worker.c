/*-------------------------------------------------------------------------
 *
 * notify_worker.c
 *	  The settings of the notifications, the scheduler's pass over them,
 *	  and the notify worker that sends webhook and email deliveries.
 *
 * Every notify_interval the scheduler runs tracker.notify_check() in a
 * short transaction of its own: events open and clear, deliveries are
 * queued, NOTIFY deliveries go out at its commit.  When webhook or email
 * deliveries are due and no notify worker runs, it starts one.  The worker
 * claims one delivery at a time in a short transaction (the claim is a
 * lease: attempts + 1 and the next attempt pushed past the longest a send
 * can take, so a worker that dies leaves nothing stuck), sends it with no
 * transaction open, and records the outcome in another: delivered, or the
 * next attempt after an exponential backoff with a cap, or failed after
 * tracker.notify_max_attempts.  It exits when nothing is due soon.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
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
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "common/common.h"
#include "http/http.h"
#include "notify/notify.h"
#include "tracker.h"

bool		tracker_notify_enabled = true;
int			tracker_notify_interval_ms = 60000;
int			tracker_notify_timeout_ms = 10000;
int			tracker_notify_retry_base_delay_ms = 30000;
int			tracker_notify_retry_max_delay_ms = 3600000;
int			tracker_notify_max_attempts = 20;
char	   *tracker_notify_ca_file = NULL;

/* Read by tracker.notify_conditions() with current_setting(). */
static int	notify_no_data_after_s = 86400;
static int	notify_resting_hr_margin = 5;
static int	notify_resting_hr_days = 3;
static double notify_hrv_drop = 0.2;
static double notify_spo2_below = 92.0;
static bool google_consent_testing = false;

/*
 * notify_init
 *		Define the settings.  They are read by the scheduler's process, the
 *		notify worker and, for the thresholds, by tracker.notify_check(),
 *		so all of them take effect on a reload.
 */
void
notify_init(void)
{
	DefineCustomBoolVariable("tracker.notify_enabled",
							 "Whether events are detected and notifications sent.",
							 NULL, &tracker_notify_enabled, true,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.notify_interval",
							"Time between the scheduler's checks for events.",
							NULL, &tracker_notify_interval_ms,
							60000, 100, 86400 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.notify_timeout",
							"Longest time one webhook or email delivery may take.",
							NULL, &tracker_notify_timeout_ms,
							10000, 100, 300000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.notify_retry_base_delay",
							"Delay before the second attempt of a delivery; it doubles with every attempt.",
							NULL, &tracker_notify_retry_base_delay_ms,
							30000, 10, 86400 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.notify_retry_max_delay",
							"Longest delay between two attempts of a delivery.",
							NULL, &tracker_notify_retry_max_delay_ms,
							3600000, 10, 86400 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.notify_max_attempts",
							"Attempts of a delivery before it is given up.",
							NULL, &tracker_notify_max_attempts,
							20, 1, 1000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("tracker.notify_ca_file",
							   "Certificates trusted for webhooks and mail servers, in place of the system's.",
							   "Empty: the system's certificate store.",
							   &tracker_notify_ca_file, "",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.notify_no_data_after",
							"Time without new data from a connected account before it is an event.",
							NULL, &notify_no_data_after_s,
							86400, 60, 365 * 86400,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.notify_resting_hr_margin",
							"Beats per minute above the 30-day baseline that count as a raised resting heart rate.",
							NULL, &notify_resting_hr_margin,
							5, 1, 100,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.notify_resting_hr_days",
							"Days in a row of raised resting heart rate before it is an event.",
							NULL, &notify_resting_hr_days,
							3, 1, 30,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("tracker.notify_hrv_drop",
							 "Fraction below the 30-day HRV baseline that is an event.",
							 NULL, &notify_hrv_drop,
							 0.2, 0.01, 0.99,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("tracker.notify_spo2_below",
							 "Average SpO2 of a night, in percent, below which it is an event.",
							 NULL, &notify_spo2_below,
							 92.0, 50.0, 100.0,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("tracker.google_consent_testing",
							 "Whether the Google OAuth consent screen is in Testing, so that grants expire after 7 days.",
							 "When on, a warning is sent a day before each Google account's grant expires.",
							 &google_consent_testing, false,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
}

/*
 * notify_look
 *		The scheduler's pass, in a short transaction of its own; returns how
 *		many webhook and email deliveries are due.  A database whose
 *		extension predates the notifications has nothing to look at.
 */
static int64
notify_look(void)
{
	int64		due = 0;

	worker_xact_begin();
	if (worker_extension_present() && !worker_restore_in_progress())
	{
		SetConfigOption("lock_timeout", "2000", PGC_SUSET, PGC_S_SESSION);
		if (spi_count("SELECT count(*) FROM pg_catalog.pg_proc p"
					  " JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
					  " WHERE n.nspname = 'tracker' AND p.proname = 'notify_check'",
					  "look for the notifications") > 0)
			due = spi_count("SELECT tracker.notify_check()", "check for events");
	}
	worker_xact_commit();
	return due;
}

/*
 * notify_schedule
 *		Called by the scheduler every loop.  A failure is logged and
 *		forgotten: notifications must never stop a database's syncs.
 */
void
notify_schedule(void)
{
	static TimestampTz last_look = 0;
	static BackgroundWorkerHandle *handle = NULL;
	TimestampTz now = GetCurrentTimestamp();
	MemoryContext cxt = CurrentMemoryContext;
	volatile int64 due = 0;

	if (!tracker_notify_enabled || !tracker_scheduler_enabled)
		return;
	if (last_look != 0 &&
		!TimestampDifferenceExceeds(last_look, now, tracker_notify_interval_ms))
		return;
	last_look = now;

	pgstat_report_activity(STATE_RUNNING, "tracker scheduler: checking for events");
	PG_TRY();
	{
		due = notify_look();
	}
	PG_CATCH();
	{
		FreeErrorData(worker_recover(cxt));
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	pgstat_report_activity(STATE_IDLE, NULL);

	if (due <= 0 || db_slot_notify_pid(MyDatabaseId) != 0)
		return;
	worker_start_once(&handle, "tracker_notify_main", "tracker notify worker");
}

/* A copy of column col of row 0, or NULL. */
static char *
copy_text(int col)
{
	bool		isnull;
	Datum		d = spi_datum(0, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/*
 * notify_claim
 *		In a short transaction: take the most overdue delivery as a lease.
 *		Without one, *wait_ms says when the next is due (-1: none).
 */
static bool
notify_claim(NotifyDelivery *d, long *wait_ms)
{
	MemoryContext cxt = CurrentMemoryContext;
	Oid			types[1] = {FLOAT8OID};
	Datum		values[1];
	bool		claimed = false;
	bool		isnull;

	*wait_ms = -1;
	worker_xact_begin();
	if (!worker_extension_present() || worker_restore_in_progress())
	{
		worker_xact_commit();
		return false;
	}
	/* what is copied out must outlive SPI's memory: the loop's context */
	MemoryContextSwitchTo(cxt);
	SetConfigOption("lock_timeout", "2000", PGC_SUSET, PGC_S_SESSION);
	values[0] = Float8GetDatum((2.0 * tracker_notify_timeout_ms) / 1000.0 + 60.0);
	spi_exec("WITH claimed AS ("
			 " UPDATE tracker.notify_delivery x SET attempts = x.attempts + 1,"
			 "  last_attempt_at = now(), next_attempt_at = now() + make_interval(secs => $1)"
			 " WHERE (x.event_id, x.channel_id) = ("
			 "  SELECT y.event_id, y.channel_id FROM tracker.notify_delivery y"
			 "   JOIN tracker.notify_channel c ON c.channel_id = y.channel_id"
			 "  WHERE y.state = 'pending' AND y.next_attempt_at <= now() AND c.enabled"
			 "   AND c.channel IN ('webhook', 'email')"
			 "  ORDER BY y.next_attempt_at, y.event_id LIMIT 1"
			 "  FOR UPDATE OF y SKIP LOCKED)"
			 " RETURNING x.event_id, x.channel_id, x.attempts)"
			 " SELECT k.event_id, k.channel_id, k.attempts, c.channel, c.target, c.server,"
			 "  c.mail_from, c.username, c.starttls, c.secret_kind, s.secret,"
			 "  tracker.notify_document(e.event_id)::text, e.kind, a.name, e.message, e.hint,"
			 "  e.occurrence_key,"
			 "  to_char(e.opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
			 " FROM claimed k JOIN tracker.notify_channel c ON c.channel_id = k.channel_id"
			 "  JOIN tracker.notify_event e ON e.event_id = k.event_id"
			 "  LEFT JOIN tracker.notify_secret s ON s.channel_id = k.channel_id"
			 "  LEFT JOIN tracker.account a ON a.account_id = e.account_id",
			 1, types, values, NULL, SPI_OK_SELECT, "claim a delivery");
	if (SPI_processed == 1)
	{
		d->event_id = DatumGetInt64(spi_datum(0, 1, &isnull));
		d->channel_id = DatumGetInt32(spi_datum(0, 2, &isnull));
		d->attempts = DatumGetInt32(spi_datum(0, 3, &isnull));
		d->channel = copy_text(4);
		d->target = copy_text(5);
		d->server = copy_text(6);
		d->mail_from = copy_text(7);
		d->username = copy_text(8);
		d->starttls = DatumGetBool(spi_datum(0, 9, &isnull));
		d->secret_kind = copy_text(10);
		d->secret = copy_text(11);
		d->document = copy_text(12);
		d->kind = copy_text(13);
		d->account = copy_text(14);
		d->message = copy_text(15);
		d->hint = copy_text(16);
		d->occurrence = copy_text(17);
		d->opened_at = copy_text(18);
		claimed = true;
	}
	else
	{
		spi_exec("SELECT ceil(extract(epoch FROM min(x.next_attempt_at) - now()) * 1000)::int8"
				 " FROM tracker.notify_delivery x"
				 " JOIN tracker.notify_channel c ON c.channel_id = x.channel_id"
				 " WHERE x.state = 'pending' AND c.enabled"
				 " AND c.channel IN ('webhook', 'email')",
				 0, NULL, NULL, NULL, SPI_OK_SELECT, "look for the next delivery");
		if (SPI_processed == 1)
		{
			Datum		next = spi_datum(0, 1, &isnull);

			if (!isnull)
				*wait_ms = (long) Max(DatumGetInt64(next), 1);
		}
	}
	worker_xact_commit();
	return claimed;
}

/* The delay before the next attempt after the attempts made so far. */
static double
notify_backoff_s(int attempts)
{
	double		ms = tracker_notify_retry_base_delay_ms *
		pow(2.0, (double) Min(Max(attempts - 1, 0), 30));

	return Min(ms, (double) tracker_notify_retry_max_delay_ms) / 1000.0;
}

/*
 * notify_record
 *		In a transaction of its own: what became of the attempt, if the
 *		lease is still this worker's (the same number of attempts).
 */
static void
notify_record(const NotifyDelivery *d, const char *error)
{
	Oid			types[6] = {INT8OID, INT4OID, INT4OID, TEXTOID, INT4OID, FLOAT8OID};
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};

	values[0] = Int64GetDatum(d->event_id);
	values[1] = Int32GetDatum(d->channel_id);
	values[2] = Int32GetDatum(d->attempts);
	spi_arg_text(values, nulls, 3, error);
	values[4] = Int32GetDatum(tracker_notify_max_attempts);
	values[5] = Float8GetDatum(notify_backoff_s(d->attempts));

	worker_xact_begin();
	if (worker_extension_present())
	{
		SetConfigOption("lock_timeout", "2000", PGC_SUSET, PGC_S_SESSION);
		spi_exec("UPDATE tracker.notify_delivery SET"
				 " state = CASE WHEN $4 IS NULL THEN 'delivered'"
				 "  WHEN attempts >= $5 THEN 'failed' ELSE 'pending' END,"
				 " delivered_at = CASE WHEN $4 IS NULL THEN now() END,"
				 " error = $4,"
				 " next_attempt_at = CASE WHEN $4 IS NULL THEN next_attempt_at"
				 "  ELSE now() + make_interval(secs => $6) END"
				 " WHERE event_id = $1 AND channel_id = $2 AND attempts = $3"
				 " AND state = 'pending'",
				 6, types, values, nulls, SPI_OK_UPDATE, "record a delivery");
	}
	worker_xact_commit();
}

/* Wipe the secret of a delivery once its attempt is over. */
static void
notify_forget_secret(NotifyDelivery *d)
{
	if (d->secret != NULL)
	{
		explicit_bzero(d->secret, strlen(d->secret));
		pfree(d->secret);
		d->secret = NULL;
	}
}

/*
 * notify_send_once
 *		Send a claimed delivery; the secret is wiped whatever happens.
 */
static char *
notify_send_once(NotifyDelivery *d)
{
	char	   *volatile error = NULL;

	PG_TRY();
	{
		error = notify_send(d);
	}
	PG_CATCH();
	{
		notify_forget_secret(d);
		PG_RE_THROW();
	}
	PG_END_TRY();
	notify_forget_secret(d);
	return error;
}

/*
 * tracker_notify_main
 *		Entry point of the notify worker: send due deliveries one by one;
 *		wait for one due soon (within tracker.worker_idle_timeout), else
 *		exit.  The scheduler starts it again when deliveries are due.
 */
void
tracker_notify_main(Datum main_arg)
{
	Oid			dboid = DatumGetObjectId(main_arg);
	MemoryContext loop;
	HttpSession *session;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	/* A place of its own: DROP DATABASE and the like stop it too. */
	if (!db_slot_attach_notify(dboid))
		proc_exit(0);
	before_shmem_exit(db_slot_detach, main_arg);
	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);

	/* A database's own search_path must not redirect Tracker's statements. */
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);

	http_init();
	loop = AllocSetContextCreate(TopMemoryContext, "tracker notify worker",
								 ALLOCSET_DEFAULT_SIZES);
	session = http_session_begin(TopMemoryContext);

	for (;;)
	{
		NotifyDelivery d;
		long		wait_ms;
		char	   *error;

		worker_loop_begin(loop);
		memset(&d, 0, sizeof(d));

		pgstat_report_activity(STATE_RUNNING, "tracker notify worker: claiming");
		if (!notify_claim(&d, &wait_ms))
		{
			pgstat_report_activity(STATE_IDLE, NULL);
			if (!tracker_notify_enabled || wait_ms < 0 ||
				wait_ms > tracker_worker_idle_timeout_ms)
				break;
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 wait_ms, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			continue;
		}

		pgstat_report_activity(STATE_RUNNING, "tracker notify worker: sending");
		error = notify_send_once(&d);
		notify_record(&d, error);
		if (error != NULL)
			ereport(DEBUG1,
					(errmsg("tracker notification of event %lld to channel %d failed: %s",
							(long long) d.event_id, d.channel_id, error)));
	}
	http_session_end(session);
	proc_exit(0);
}
