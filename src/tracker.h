/*-------------------------------------------------------------------------
 *
 * tracker.h
 *	  Settings and entry points shared by Tracker's modules.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_H
#define TRACKER_H

/* Name of the extension, its library and its worker types. */
#define TRACKER_EXTENSION "tracker"

/* Settings; see _PG_init() for what each one means. */
extern int	tracker_max_file_size;
extern char *tracker_google_health_url;
extern char *tracker_google_token_url;
extern char *tracker_google_auth_url;
extern int	tracker_requests_per_minute;
extern int	tracker_max_retries;
extern int	tracker_retry_base_delay_ms;
extern int	tracker_retry_max_delay_ms;
extern char *tracker_lastfm_url;
extern char *tracker_listenbrainz_url;

/* Settings of the listening providers (src/providers/lastfm.c). */
extern void listening_init(void);

#endif							/* TRACKER_H */
