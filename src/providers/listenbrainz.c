/*-------------------------------------------------------------------------
 *
 * listenbrainz.c
 *	  The ListenBrainz provider: public listens from
 *	  GET /1/user/{name}/listens (see provider.h for what a provider
 *	  supplies; what it shares with Last.fm lives in listening.c).
 *
 * Facts of the API this follows: listens are public, so no token is sent.
 * max_ts returns the listens strictly before it, newest first, at most
 * count (1,000) of them; min_ts instead returns the *oldest* listens after
 * it, so a window is read downwards with max_ts alone: the first page ends
 * at the window's end, each next page ends just after the oldest listen
 * of the one before (that second is read again, so listens sharing it are
 * not lost; silver.listen's key, the time with the listen's
 * recording_msid, keeps each once), until a page reaches
 * below the window's start or holds fewer than count listens (nothing is
 * older).  Listens of the last page that lie before the window belong to
 * the window before it and are not written with this one.
 *
 * Errors: 429 and 5xx are retried by fetch.c with backoff; 404 (no such
 * user) marks the account not_connected with the reason until the user
 * name is fixed with tracker.set_username(); other 4xx fail the window.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "core/core.h"
#include "providers/provider.h"
#include "tracker.h"

/* Listens per page: the API's maximum. */
#define LISTENBRAINZ_PAGE_SIZE 1000

/* Pages one fetch takes before it continues below the oldest listen. */
#define MAX_PAGES_PER_FETCH 10

/* Window length in days; tracker.provider_data_type says the same. */
#define LISTENBRAINZ_WINDOW_DAYS 30

static const char *const listenbrainz_types[] = {"listens"};

/*
 * lb_request
 *		Perform one page request; HTTP failures are retried by
 *		fetch_with_retries().  Returns the verdict, with *why set unless
 *		FETCH_OK, carrying the API's own message when it sent one.
 */
static FetchVerdict
lb_request(FetchContext *ctx, HttpRequest *req, HttpResponse *resp,
		   const char *user, char **why)
{
	FetchVerdict v = fetch_with_retries(ctx, req, resp, why);
	ListenApiError e;
	char	   *msg = NULL;

	if (v == FETCH_OK || resp->outcome != HTTP_RESPONSE)
		return v;
	if (listenbrainz_parse_error(resp->body, resp->body_len, &e))
	{
		msg = pstrdup(e.message ? e.message : "no message");
		listen_api_error_free(&e);
	}
	if (resp->status == 404)
	{
		char	   *reason = psprintf("ListenBrainz user \"%s\" does not exist: %s (HTTP 404)",
									  user, msg ? msg : "not found");

		listen_account_failed(ctx, reason);
		*why = reason;
		return FETCH_AUTH;
	}
	if (msg)
		*why = psprintf("%s: %s", *why, msg);
	/* a 403 is not about a data type here: fail the window */
	if (v == FETCH_SCOPE)
		v = FETCH_CLIENT_ERROR;
	return v;
}

/*
 * lb_fetch_page
 *		Fetch and validate the page of listens before max_ts; returns it,
 *		or NULL when the window failed (out says why).
 */
static ListenPage *
lb_fetch_page(FetchContext *ctx, const char *base, const char *user,
			  const char *user_arg, int64 max_ts, ProviderFetched *out)
{
	HttpRequest req;
	HttpResponse resp;
	FetchVerdict v;
	char	   *why = NULL;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = psprintf("%s/1/user/%s/listens?max_ts=" INT64_FORMAT "&count=%d",
					   base, user_arg, max_ts, LISTENBRAINZ_PAGE_SIZE);

	v = lb_request(ctx, &req, &resp, user, &why);
	return listen_page_take(ctx, out, &req, &resp, v, why,
							listenbrainz_parse_listens);
}

/*
 * lb_fetch_window
 *		Fetch the listens of a window's local days, page by page downwards
 *		(see the file header), at most MAX_PAGES_PER_FETCH pages at a time.
 *		Reaches the database only through ctx->db, for the user name.
 */
static void
lb_fetch_window(FetchContext *ctx, const TrackerAccount *acc,
				const ProviderWindow *w, ProviderFetched *out)
{
	const char *base;
	char	   *user;
	char	   *user_arg;
	char	   *token;
	int64		from;
	int64		max_ts;
	int64		dummy;
	int			pages;

	/* public listens need no token, but the provider contract is kept */
	user = listen_window_begin(ctx, listenbrainz_types[w->data_type], out,
							   &token);
	if (user == NULL)
		return;

	base = listen_base_url(tracker_listenbrainz_url, TRACKER_LISTENBRAINZ_DEFAULT_URL);
	user_arg = url_encode(user);
	tracker_day_bounds(acc->tz, w->from, &from, &dummy);
	tracker_day_bounds(acc->tz, w->to, &max_ts, &dummy);
	if (w->cursor_end > 0 && w->cursor_end < max_ts)
		max_ts = w->cursor_end;

	for (pages = 1; max_ts > from; pages++)
	{
		ListenPage *lp;
		int64		oldest;
		int64		next;

		CHECK_FOR_INTERRUPTS();
		lp = lb_fetch_page(ctx, base, user, user_arg, max_ts, out);
		if (lp == NULL || lp->nlistens == 0)
			return;
		oldest = listen_page_oldest(lp, PG_INT64_MAX);
		if (oldest < from || lp->nlistens < LISTENBRAINZ_PAGE_SIZE ||
			(lp->oldest_listen_ts >= 0 && oldest <= lp->oldest_listen_ts))
			return;

		/*
		 * Read the oldest second again, unless the whole page is that one
		 * second (then going on below it is the only way forward).
		 */
		next = (oldest + 1 < max_ts) ? oldest + 1 : oldest;
		if (pages >= MAX_PAGES_PER_FETCH)
		{
			out->continue_below = next;
			return;
		}
		max_ts = next;
	}
}

/* Window length: 30 days is a few pages of 1,000 listens. */
static int
lb_window_days(int data_type)
{
	return LISTENBRAINZ_WINDOW_DAYS;
}

/* Public listens: no credentials, and nothing to refresh. */
static AuthState
lb_credentials(FetchContext *ctx, bool force, const DbAccess *db,
			   char **token, char **why)
{
	*token = NULL;
	return AUTH_OK;
}

const Provider listenbrainz_provider = {
	.name = "listenbrainz",
	.ndata_types = lengthof(listenbrainz_types),
	.data_types = listenbrainz_types,
	.window_days = lb_window_days,
	.credentials = lb_credentials,
	.fetch_window = lb_fetch_window,
	.write_window = listen_write_window,
	.free_page = listen_free_page,
};
