/*-------------------------------------------------------------------------
 *
 * tracker.h
 *	  The extension's name and its settings, defined in tracker.c.
 *
 * Every setting is defined in _PG_init (see tracker.c for what each one
 * means); the modules only read them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_H
#define TRACKER_H

/* Name of the extension, its library and its settings' prefix. */
#define TRACKER_EXTENSION "tracker"

/* Where requests go unless a superuser says otherwise. */
#define TRACKER_LASTFM_DEFAULT_URL "https://ws.audioscrobbler.com"
#define TRACKER_LISTENBRAINZ_DEFAULT_URL "https://api.listenbrainz.org"

/* Imports. */
extern int	tracker_max_file_size;

/* Requests. */
extern char *tracker_google_health_url;
extern char *tracker_google_token_url;
extern char *tracker_google_auth_url;
extern char *tracker_lastfm_url;
extern char *tracker_listenbrainz_url;
extern int	tracker_http_timeout_ms;
extern int	tracker_http_connect_timeout_ms;
extern int	tracker_max_response_size;
extern int	tracker_requests_per_minute;
extern int	tracker_max_retries;
extern int	tracker_retry_base_delay_ms;
extern int	tracker_retry_max_delay_ms;

/* Background workers. */
extern int	tracker_sync_interval_s;
extern int	tracker_trailing_days;
extern int	tracker_sync_overlap_s;
extern int	tracker_full_sync_interval_s;
extern char *tracker_clock;
extern int	tracker_max_sync_workers;
extern int	tracker_scheduler_naptime_ms;
extern int	tracker_worker_idle_timeout_ms;
extern bool tracker_scheduler_enabled;

/* The S3 archive. */
extern bool tracker_archive_enabled;
extern int	tracker_archive_interval_s;
extern int	tracker_bronze_retention_s;

#endif							/* TRACKER_H */
