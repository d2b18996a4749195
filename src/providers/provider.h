/*-------------------------------------------------------------------------
 *
 * provider.h
 *	  What a data source supplies to Tracker's pipeline.
 *
 * A provider is one C file (src/providers/<name>.c), with its parser beside
 * it (<name>_parse.c: plain C over json-c, so that unit tests and fuzzers
 * build it without PostgreSQL), plus its SQL part.  It names its data
 * types, says how long a window of each is, fetches and validates one
 * window (HTTP through http/fetch.c, no database access), and writes a
 * fetched window into silver in the caller's transaction.  Everything else
 * is shared: credentials and the sync log, retries and backoff, bronze,
 * recomputing gold, jobs, backfill, scheduled syncs and the workers,
 * tracker.sync(), and the status views.
 *
 * This header also declares what the providers' files share: the OAuth of
 * Google (google_oauth.c), what both listening providers share
 * (listening.c), and the Fitbit documents imports and restores write
 * (fitbit_import.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_PROVIDER_H
#define TRACKER_PROVIDER_H

#include "http/http.h"
#include "providers/fitbit_parse.h"
#include "providers/listen_parse.h"
#include "store/store.h"

/* A span of one data type to fetch: local days [from, to). */
typedef struct ProviderWindow
{
	int			data_type;		/* index into Provider.data_types */
	DateADT		from;
	DateADT		to;
	int64		cursor_end;		/* continue below this instant (0 = none) */
	int64		since;			/* point types: read from this instant (0 = from) */
	DateADT		complete_before;	/* with since: days before this one are
									 * over and uploaded (0 = none known) */
	DateADT		page_floor;		/* a cursor type's pages run on down to this
								 * day, below from (0 = they stop at from) */
} ProviderWindow;

/* One fetched page: the raw body for bronze and what the provider parsed. */
typedef struct ProviderPage
{
	char	   *url;			/* request as shown in logs (no credential) */
	char	   *body;
	size_t		len;
	int			http_status;
	void	   *parsed;			/* provider-owned; released by free_page */
	FetchLogEntry *log;
} ProviderPage;

typedef struct ProviderFetched
{
	FetchVerdict verdict;		/* FETCH_OK when every page arrived and validated */
	bool		rejected;		/* a page failed validation (kept in bronze) */
	char	   *why;
	List	   *pages;			/* ProviderPage * */
	ProviderPage *rejected_page;
	int64		continue_below; /* more remains below this instant (0 = done) */
	bool		left_window;	/* with page_floor: the pages reached below from,
								 * the window below continues at continue_below */
	bool		floor_reached;	/* with page_floor: the pages ended, nothing is
								 * left down to the floor */
	bool		scope_denied;	/* FETCH_SCOPE: the API said the grant lacks the type's scope */
	int64		newest;			/* the newest point's instant (a daily point: its
								 * day's start; 0 = none or unknown) */
} ProviderFetched;

typedef struct Provider
{
	const char *name;			/* tracker.provider.provider */
	int			ndata_types;
	const char *const *data_types;	/* in the order a sync runs them */

	/* Length of a window of a data type, in days. */
	int			(*window_days) (int data_type);

	/*
	 * Credentials for a request (an access token, an API key, or none:
	 * AUTH_OK with *token NULL).  Reaches the database only through db.
	 */
	AuthState	(*credentials) (FetchContext *ctx, bool force, const DbAccess *db,
								char **token, char **why);

	/* Fetch and validate every page of a window; no database access. */
	void		(*fetch_window) (FetchContext *ctx, const TrackerAccount *acc,
								 const ProviderWindow *w, ProviderFetched *out);

	/*
	 * Write a fetched window's typed rows in the caller's transaction (the
	 * pages are already in bronze: page->log->payload_id).  Adds days whose
	 * figures may change to touched; returns the rows written.
	 */
	int			(*write_window) (const TrackerAccount *acc, const ProviderWindow *w,
								 ProviderFetched *f, DaySet *touched);

	/* Release what fetch_window parsed into a page. */
	void		(*free_page) (ProviderPage *page);
} Provider;

extern const Provider *provider_get(const char *name);
extern int	provider_data_type(const Provider *p, const char *name);
extern void provider_fetch_failed(FetchContext *ctx, ProviderFetched *out,
								  const HttpRequest *req,
								  const HttpResponse *resp,
								  FetchVerdict v, char *why);
extern ProviderPage *provider_page_new(const HttpRequest *req,
									   const HttpResponse *resp);
extern void provider_page_reject(FetchContext *ctx, ProviderFetched *out,
								 ProviderPage *p, const HttpRequest *req,
								 const HttpResponse *resp, const char *kind,
								 const char *path, const char *message);
extern void provider_page_accept(FetchContext *ctx, ProviderFetched *out,
								 ProviderPage *p, const HttpRequest *req,
								 const HttpResponse *resp, void *parsed);
extern void provider_fetched_free(const Provider *p, ProviderFetched *f);
extern void provider_store_pages(const Provider *p, const TrackerAccount *acc,
								 const ProviderWindow *w, ProviderFetched *f);
extern int64 provider_reject_window(const Provider *p, const TrackerAccount *acc,
									const ProviderWindow *w, ProviderFetched *f,
									bool autonomous);
extern AuthState provider_token_source(FetchContext *ctx, bool force,
									   char **token, char **why);
extern void auth_state_record(int32 account_id, const char *state,
							  const char *reason, const char *granted_scopes,
							  bool autonomous);

extern char *scope_denied_record(int32 account_id, const char *data_type,
								 bool autonomous);

/* Google's OAuth 2.0 (google_oauth.c). */
extern AuthState oauth_access_token(FetchContext *ctx, bool force,
									const DbAccess *db,
									char **token, char **why);

/* google_identity.c: whose Google grant a consent brought */
extern char *google_identity_fetch(FetchContext *ctx, const char *access_token,
								   char **why);
extern void google_identity_check(int32 account_id, const char *name,
								  const char *identity, const char *why);

/* Google Health: how a data type's points are read (gh_request.c). */
extern bool gh_reads_reconcile(const char *data_type);
extern char *gh_points_url(const char *data_type, const char *filter,
						   int page_size, const char *page_token);

/* What both listening providers share (listening.c). */
extern const char *listen_base_url(const char *setting, const char *fallback);
extern void listen_account_failed(FetchContext *ctx, const char *reason);
typedef ListenErrorKind (*ListenParseFn) (const char *buf, size_t len,
										  ListenPage *page, ListenError *err);
extern void listen_wipe(char *s);
extern char *listen_window_begin(FetchContext *ctx, const char *data_type,
								 ProviderFetched *out, char **token);
extern ListenPage *listen_page_take(FetchContext *ctx, ProviderFetched *out,
									const HttpRequest *req,
									const HttpResponse *resp,
									FetchVerdict v, char *why,
									ListenParseFn parse);
extern int64 listen_page_oldest(const ListenPage *lp, int64 oldest);
extern void listen_free_page(ProviderPage *page);
extern int	listen_write_window(const TrackerAccount *acc, const ProviderWindow *w,
								ProviderFetched *f, DaySet *touched);

/* Fitbit documents into silver (fitbit_import.c). */
extern size_t fitbit_doc_store(const TrackerAccount *acc, const FitbitDoc *doc,
							   int64 payload_id, const char *source,
							   DaySet *touched);

/* Fitbit sleep logs into silver (import_sleep.c). */
extern int	fitbit_sleep_store(const TrackerAccount *acc, const FitbitDoc *doc,
							   int64 payload_id, DaySet *days);

/* The vitals and body types of Google Health into silver (gh_vitals_store.c). */
struct GhPage;
extern int	gh_vitals_write(const TrackerAccount *acc, const struct GhPage *gp,
							int64 payload_id, DaySet *days);

/* Vitals and body measurements of Fitbit files (fitbit_vitals_import.c). */
extern int	fitbit_vitals_store(const TrackerAccount *acc, const FitbitVitalsDoc *doc,
								int64 payload_id, const char *source, int *ndays);

/* The providers. */
extern const Provider google_health_provider;
extern const Provider lastfm_provider,
			listenbrainz_provider;

/* Google Health activity pages to the store (gh_activity_write.c). */
struct GhPage;
extern int	gh_activity_write_pages(const TrackerAccount *acc, int type,
									List *pages);
extern void gh_activity_steps_written(const TrackerAccount *acc,
									  const struct GhPage *gp);

/* Activity files of a Fitbit export or the Web API (import_activity.c). */
struct FitbitActivity;
extern void activity_import_apply(const TrackerAccount *acc,
								  const struct FitbitActivity *act,
								  const char *source, int *ndays,
								  int *nsamples);

#endif							/* TRACKER_PROVIDER_H */
