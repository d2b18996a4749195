/*-------------------------------------------------------------------------
 *
 * tracker.c
 *	  Library entry point: the preload check, every setting, shared memory
 *	  and the background workers.
 *
 * Tracker's background workers are registered from _PG_init, which only
 * works while the postmaster loads shared_preload_libraries.  Loading the
 * library any other way (LOAD, or CREATE EXTENSION in a server without the
 * preload) would leave a pipeline without workers, so it is refused with a
 * hint instead.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "bgw/bgw.h"
#include "common/common.h"
#include "notify/notify.h"
#include "tracker.h"

PG_MODULE_MAGIC;

int			tracker_max_file_size = 256 * 1024 * 1024;
char	   *tracker_google_health_url = NULL;
char	   *tracker_google_token_url = NULL;
char	   *tracker_google_auth_url = NULL;
int			tracker_http_timeout_ms = 30000;
int			tracker_http_connect_timeout_ms = 5000;
int			tracker_max_response_size = 64 * 1024 * 1024;
int			tracker_requests_per_minute = 120;
int			tracker_max_retries = 5;
int			tracker_retry_base_delay_ms = 1000;
int			tracker_retry_max_delay_ms = 60000;
int			tracker_sync_interval_s = 900;
int			tracker_trailing_days = 2;
int			tracker_sync_overlap_s = 3600;
int			tracker_full_sync_interval_s = 86400;
char	   *tracker_clock = NULL;
int			tracker_max_sync_workers = 4;
int			tracker_scheduler_naptime_ms = 1000;
int			tracker_worker_idle_timeout_ms = 10000;
bool		tracker_scheduler_enabled = true;
char	   *tracker_lastfm_url = NULL;
char	   *tracker_listenbrainz_url = NULL;
bool		tracker_archive_enabled = true;
int			tracker_archive_interval_s = 86400;
int			tracker_bronze_retention_s = 0;

void		_PG_init(void);

/*
 * check_base_url
 *		A base URL must name an http or https server; anything else would
 *		only fail later, at the first request of every sync.
 */
static bool
check_base_url(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL ||
		(strncmp(*newval, "http://", 7) != 0 &&
		 strncmp(*newval, "https://", 8) != 0))
	{
		GUC_check_errdetail("The URL must start with http:// or https://.");
		return false;
	}
	return true;
}

/*
 * _PG_init
 *		Refuse to load outside shared_preload_libraries; define settings.
 */
void
_PG_init(void)
{
	if (IsBinaryUpgrade)
		return;

	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("tracker must be loaded via shared_preload_libraries"),
				 errhint("Add \"tracker\" to shared_preload_libraries in postgresql.conf and restart the server.")));

	DefineCustomIntVariable("tracker.max_file_size",
							"Largest file tracker.import_fitbit_file reads.",
							NULL,
							&tracker_max_file_size,
							256 * 1024 * 1024,
							1024,
							1024 * 1024 * 1024,
							PGC_SUSET,
							GUC_UNIT_BYTE,
							NULL, NULL, NULL);

	/*
	 * Where requests go.  Only superusers may point Tracker elsewhere: a URL
	 * an ordinary user could set would let them make the server send an
	 * account's tokens to a host of their choosing.
	 */
	DefineCustomStringVariable("tracker.google_health_url",
							   "Base URL of the Google Health API.",
							   NULL,
							   &tracker_google_health_url,
							   "https://health.googleapis.com",
							   PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("tracker.google_token_url",
							   "Google OAuth 2.0 token endpoint.",
							   NULL,
							   &tracker_google_token_url,
							   "https://oauth2.googleapis.com/token",
							   PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("tracker.google_auth_url",
							   "Google OAuth 2.0 authorization endpoint.",
							   NULL,
							   &tracker_google_auth_url,
							   "https://accounts.google.com/o/oauth2/v2/auth",
							   PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.http_timeout",
							"Longest time one HTTP request may take.",
							NULL,
							&tracker_http_timeout_ms,
							30000, 100, 3600 * 1000,
							PGC_SUSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.http_connect_timeout",
							"Longest time to wait for an HTTP connection.",
							NULL,
							&tracker_http_connect_timeout_ms,
							5000, 100, 600 * 1000,
							PGC_SUSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.max_response_size",
							"Largest HTTP response body Tracker accepts.",
							NULL,
							&tracker_max_response_size,
							64 * 1024 * 1024, 1024, 1024 * 1024 * 1024,
							PGC_SUSET, GUC_UNIT_BYTE,
							NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.requests_per_minute",
							"Requests per minute Tracker makes for one account.",
							"The Google Health API allows 300 per minute per user.",
							&tracker_requests_per_minute,
							120, 1, 100000,
							PGC_SUSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.max_retries",
							"Retries of a request after 429, 5xx or a network error.",
							NULL,
							&tracker_max_retries,
							5, 0, 100,
							PGC_SUSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.retry_base_delay",
							"First delay before retrying a request; it doubles each retry.",
							NULL,
							&tracker_retry_base_delay_ms,
							1000, 1, 3600 * 1000,
							PGC_SUSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.retry_max_delay",
							"Longest delay before retrying a request.",
							NULL,
							&tracker_retry_max_delay_ms,
							60000, 1, 3600 * 1000,
							PGC_SUSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("tracker.sync_interval",
							"Time between scheduled syncs of a connected account.",
							NULL,
							&tracker_sync_interval_s,
							900, 1, 7 * 24 * 3600,
							PGC_SIGHUP, GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.trailing_days",
							"Local days a scheduled sync reads again, today included.",
							"Devices sync late, so recent days are read again on every sync.",
							&tracker_trailing_days,
							2, 1, 60,
							PGC_SIGHUP, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.sync_overlap",
							"How far before the newest point held a scheduled sync reads again.",
							"A scheduled sync between full syncs reads each point type from its newest point held less this overlap, up to now.",
							&tracker_sync_overlap_s,
							3600, 0, 7 * 24 * 3600,
							PGC_SIGHUP, GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.full_sync_interval",
							"Time between full syncs of an account's trailing days.",
							"Scheduled syncs in between read only what can be new; 0 makes every scheduled sync a full one.",
							&tracker_full_sync_interval_s,
							86400, 0, 30 * 24 * 3600,
							PGC_SIGHUP, GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomStringVariable("tracker.clock",
							   "The time the scheduler takes for now, for tests and benchmarks.",
							   "Empty (the default) means the real time.  Set it to a timestamp with time zone to run simulated days in minutes.",
							   &tracker_clock,
							   "",
							   PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.max_sync_workers",
							"Sync workers per database, and so concurrent requests per database.",
							NULL,
							&tracker_max_sync_workers,
							4, 1, TRACKER_MAX_WORKERS_PER_DB,
							PGC_SIGHUP, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.scheduler_naptime",
							"How often a scheduler looks for work when nothing wakes it.",
							NULL,
							&tracker_scheduler_naptime_ms,
							1000, 100, 600 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.worker_idle_timeout",
							"How long a sync worker with nothing to claim waits before it exits.",
							"The scheduler starts workers again when work is queued.",
							&tracker_worker_idle_timeout_ms,
							10000, 100, 24 * 3600 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("tracker.enable_workers",
							 "Whether the background workers sync anything.",
							 NULL,
							 &tracker_scheduler_enabled,
							 true,
							 PGC_SIGHUP, 0,
							 NULL, NULL, NULL);


	/*
	 * The listening providers' APIs.  Only superusers may point Tracker
	 * elsewhere: a URL an ordinary user could set would let them make the
	 * server send the Last.fm API key to a host of their choosing.
	 */
	DefineCustomStringVariable("tracker.lastfm_url",
							   "Base URL of the Last.fm API.",
							   NULL,
							   &tracker_lastfm_url,
							   TRACKER_LASTFM_DEFAULT_URL,
							   PGC_SUSET, 0,
							   check_base_url, NULL, NULL);
	DefineCustomStringVariable("tracker.listenbrainz_url",
							   "Base URL of the ListenBrainz API.",
							   NULL,
							   &tracker_listenbrainz_url,
							   TRACKER_LISTENBRAINZ_DEFAULT_URL,
							   PGC_SUSET, 0,
							   check_base_url, NULL, NULL);

	DefineCustomBoolVariable("tracker.archive_enabled",
							 "Whether the background workers archive bronze to S3 on a schedule.",
							 "Scheduled archives also need tracker.set_s3() and tracker.enable_workers.",
							 &tracker_archive_enabled,
							 true,
							 PGC_SIGHUP, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.archive_interval",
							"Time between scheduled archives to S3.",
							"A failed archive is tried again sooner, with a growing delay up to this interval.",
							&tracker_archive_interval_s,
							86400, 1, 30 * 86400,
							PGC_SIGHUP, GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomIntVariable("tracker.bronze_retention",
							"Age after which raw payloads leave bronze, once a verified S3 archive holds them.",
							"0 keeps every payload.  Payloads go only from months whose archived bundle was verified and is up to date.",
							&tracker_bronze_retention_s,
							0, 0, PG_INT32_MAX,
							PGC_SIGHUP, GUC_UNIT_S,
							NULL, NULL, NULL);

	notify_init();

	MarkGUCPrefixReserved(TRACKER_EXTENSION);

	tracker_shmem_init();
	workers_init();
}

PG_FUNCTION_INFO_V1(tracker_is_valid_time_zone);

/*
 * tracker_is_valid_time_zone
 *		Whether a name is a zone of the server's time zone database; used by
 *		the account table's CHECK so that a day boundary is always defined.
 */
Datum
tracker_is_valid_time_zone(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));

	PG_RETURN_BOOL(name[0] != '\0' && pg_tzset(name) != NULL);
}
