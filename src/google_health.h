/*-------------------------------------------------------------------------
 *
 * google_health.h
 *	  The Google Health API v4 provider: windows, requests, validation and
 *	  mapping into bronze, silver and gold.
 *
 * Fetching and writing are separate steps: gh_fetch_window() makes HTTP
 * requests and validates every page with no database access, and
 * gh_write_window() writes a fetched window in the caller's transaction.
 * tracker.sync() runs both in the calling transaction; the background
 * workers fetch with no transaction open and write each window in one
 * short transaction.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_GOOGLE_HEALTH_H
#define TRACKER_GOOGLE_HEALTH_H

#include "fetch.h"
#include "gh_parse.h"
#include "store.h"

/* A span of one data type to fetch: local days [from, to). */
typedef struct GhWindow
{
	GhDataType	type;
	DateADT		from;
	DateADT		to;
	int64		cursor_end;		/* heart-rate/steps: continue below this instant (0 = none) */
} GhWindow;

typedef struct GhFetchedPage
{
	char	   *url;
	char	   *body;
	size_t		len;
	GhPage		page;			/* malloc'd by gh_parse; freed by gh_fetched_free */
	FetchLogEntry *log;
} GhFetchedPage;

typedef struct GhFetched
{
	FetchVerdict verdict;		/* FETCH_OK when every page arrived and validated */
	bool		rejected;		/* a page failed validation */
	char	   *why;
	List	   *pages;			/* GhFetchedPage * */
	char	   *rejected_url;	/* the page that failed validation, kept in bronze */
	char	   *rejected_body;
	size_t		rejected_len;
	int			rejected_status;
	int64		continue_below; /* more pages remain below this instant (0 = done) */
} GhFetched;

#define GH_ALL_TYPES_COUNT GH_DATA_TYPE_COUNT

extern List *gh_plan_windows(GhDataType type, DateADT from, DateADT to);
extern void gh_fetch_window(FetchContext *ctx, const TrackerAccount *acc,
							const GhWindow *w, GhFetched *out);
extern int	gh_write_window(const TrackerAccount *acc, const GhWindow *w,
							GhFetched *f, DaySet *touched);
extern void gh_fetched_free(GhFetched *f);
extern int64 gh_reject_window(const TrackerAccount *acc, const GhWindow *w,
							  GhFetched *f);

#endif							/* TRACKER_GOOGLE_HEALTH_H */
