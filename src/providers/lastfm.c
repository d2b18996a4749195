/*-------------------------------------------------------------------------
 *
 * lastfm.c
 *	  The Last.fm provider: scrobbles from user.getRecentTracks (see
 *	  provider.h for what a provider supplies; what it shares with
 *	  ListenBrainz lives in listening.c).
 *
 * Facts of the API this follows: one GET to /2.0/ with method, user,
 * api_key (in the query string: request_display() hides it), format=json,
 * from (inclusive) and to (exclusive) in Unix seconds, limit and page.
 * Pages come newest first; page 1 may start with the track playing now,
 * which has no date and is skipped.  Errors come as {"error": N,
 * "message": ...}, with HTTP 200 as often as with 4xx:
 *
 *	 29 (rate limit), 8 (operation failed), 11 (service offline) and 16
 *	 (temporary error) are retried with backoff, then fail the window as
 *	 FETCH_TRANSIENT, which a background worker queues again after the
 *	 account's backoff;
 *	 6 (user not found) and 17 (the profile hides its listening history)
 *	 and 10/26 (invalid or suspended API key) mark the account
 *	 not_connected with the reason: no request can succeed until a person
 *	 fixes the user name (tracker.set_username()) or the key
 *	 (tracker.set_api_key()), which connect it again;
 *	 anything else fails the window with the reason.
 *
 * A window is fetched page by page; after MAX_PAGES_PER_FETCH pages it
 * stops and the next fetch continues below the oldest scrobble seen, so
 * memory stays bounded for heavy listeners.  Pages shift while new
 * scrobbles arrive, so a scrobble may be seen twice; silver.listen's key
 * (account, played_at and tracker.listen_key(): artist, track and album)
 * keeps it once, and keeps two scrobbles of one second that differ in any
 * of them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "common/common.h"
#include "core/core.h"
#include "providers/provider.h"
#include "tracker.h"

/* Scrobbles per page: the documented maximum (the API accepts 1,000). */
#define LASTFM_PAGE_SIZE 200

/* Pages one fetch takes before it continues below the oldest scrobble. */
#define MAX_PAGES_PER_FETCH 25

/* Window length in days; tracker.provider_data_type says the same. */
#define LASTFM_WINDOW_DAYS 30

/* Longest 2xx body that is checked for an error answer. */
#define LASTFM_ERROR_MAX_BYTES 4096

static const char *const lastfm_types[] = {"scrobbles"};


/*
 * lastfm_request
 *		Perform one page request: HTTP failures are retried by
 *		fetch_with_retries(), errors Last.fm reports in the body are
 *		classified here (see the file header).  Returns the verdict, with
 *		*why set unless FETCH_OK.
 */
static FetchVerdict
lastfm_request(FetchContext *ctx, HttpRequest *req, HttpResponse *resp,
			   const char *user, const char *key, char **why)
{
	int			attempt;

	for (attempt = 0;; attempt++)
	{
		FetchVerdict v = fetch_with_retries(ctx, req, resp, why);
		ListenApiError e;
		char	   *msg;
		char	   *reason;
		int			code;

		if (resp->outcome != HTTP_RESPONSE)
			return v;
		/* error answers are a few hundred bytes: pages are not parsed twice */
		if ((v == FETCH_OK && resp->body_len > LASTFM_ERROR_MAX_BYTES) ||
			!lastfm_parse_error(resp->body, resp->body_len, &e))
		{
			/* a 403 without Last.fm's answer is not about a data type */
			if (v == FETCH_SCOPE)
				v = FETCH_CLIENT_ERROR;
			return v;
		}
		code = e.code;
		msg = pstrdup(e.message ? e.message : "no message");
		listen_api_error_free(&e);
		/* a message never repeats the key, but make sure */
		if (key[0] != '\0' && strstr(msg, key) != NULL)
			msg = pstrdup("(message withheld)");

		switch (code)
		{
			case LASTFM_ERR_RATE_LIMIT:
			case LASTFM_ERR_OPERATION_FAILED:
			case LASTFM_ERR_SERVICE_OFFLINE:
			case LASTFM_ERR_TEMPORARY:
				reason = psprintf("Last.fm error %d: %s", code, msg);
				if (v == FETCH_TRANSIENT)
				{
					/* HTTP 429/5xx: fetch_with_retries() has retried already */
					*why = psprintf("%s (%s)", reason, *why);
					return FETCH_TRANSIENT;
				}
				if (attempt < tracker_max_retries)
				{
					long		wait = retry_delay_ms(attempt, resp->retry_after, false);

					fetch_log(ctx, req, resp, "retry",
							  psprintf("%s; retrying in %ld ms", reason, wait));
					fetch_sleep_ms(wait);
					continue;
				}
				*why = reason;
				return FETCH_TRANSIENT;

			case LASTFM_ERR_INVALID_PARAMETERS:
			case LASTFM_ERR_LOGIN_REQUIRED:
				reason = psprintf("Last.fm cannot read user \"%s\": %s (error %d)%s",
								  user, msg, code,
								  code == LASTFM_ERR_LOGIN_REQUIRED ?
								  "; the profile hides its listening history" : "");
				listen_account_failed(ctx, reason);
				*why = reason;
				return FETCH_AUTH;

			case LASTFM_ERR_INVALID_API_KEY:
			case LASTFM_ERR_SUSPENDED_API_KEY:
				reason = psprintf("Last.fm refused the API key: %s (error %d); set a valid key with tracker.set_api_key()",
								  msg, code);
				listen_account_failed(ctx, reason);
				*why = reason;
				return FETCH_AUTH;

			default:
				*why = psprintf("Last.fm error %d: %s", code, msg);
				return FETCH_CLIENT_ERROR;
		}
	}
}

/*
 * lastfm_fetch_page
 *		Fetch and validate one page; returns it, or NULL when the window
 *		failed (out says why).
 */
static ListenPage *
lastfm_fetch_page(FetchContext *ctx, const char *base, const char *user,
				  const char *user_arg, const char *key, const char *key_arg,
				  int64 from, int64 to, int page, ProviderFetched *out)
{
	HttpRequest req;
	HttpResponse resp;
	ListenPage *volatile lp = NULL;
	FetchVerdict v;
	char	   *why = NULL;
	char	   *url;

	url = psprintf("%s/2.0/?method=user.getrecenttracks&user=%s"
				   "&from=" INT64_FORMAT "&to=" INT64_FORMAT
				   "&limit=%d&page=%d&format=json&api_key=%s",
				   base, user_arg, from, to, LASTFM_PAGE_SIZE, page, key_arg);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;

	PG_TRY();
	{
		v = lastfm_request(ctx, &req, &resp, user, key, &why);
		lp = listen_page_take(ctx, out, &req, &resp, v, why,
							  lastfm_parse_recent_tracks);
	}
	PG_FINALLY();
	{
		listen_wipe(url);
	}
	PG_END_TRY();
	return lp;
}

/*
 * lastfm_fetch_pages
 *		Fetch and validate the pages of the range [from, to) of user's
 *		scrobbles, newest first, until the last page, or until
 *		MAX_PAGES_PER_FETCH pages have been taken: then out->continue_below
 *		says where the next fetch goes on.
 */
static void
lastfm_fetch_pages(FetchContext *ctx, const char *user, const char *key,
				   int64 from, int64 to, ProviderFetched *out)
{
	const char *base = listen_base_url(tracker_lastfm_url, TRACKER_LASTFM_DEFAULT_URL);
	char	   *user_arg = url_encode(user);
	char	   *key_arg = url_encode(key);

	PG_TRY();
	{
		int64		oldest = PG_INT64_MAX;
		int			page;

		for (page = 1;; page++)
		{
			ListenPage *lp;

			CHECK_FOR_INTERRUPTS();
			lp = lastfm_fetch_page(ctx, base, user, user_arg, key, key_arg,
								   from, to, page, out);
			if (lp == NULL)
				break;
			oldest = listen_page_oldest(lp, oldest);
			if (page >= lp->total_pages || lp->nlistens == 0)
				break;
			if (page >= MAX_PAGES_PER_FETCH && oldest != PG_INT64_MAX &&
				oldest + 1 < to)
			{
				out->continue_below = oldest + 1;
				break;
			}
		}
	}
	PG_FINALLY();
	{
		listen_wipe(key_arg);
	}
	PG_END_TRY();
}

/*
 * lastfm_fetch_window
 *		Fetch every page of a window (or MAX_PAGES_PER_FETCH of them, then
 *		continue below) and validate each one.  Reaches the database only
 *		through ctx->db, for the key and the user name.
 */
static void
lastfm_fetch_window(FetchContext *ctx, const TrackerAccount *acc,
					const ProviderWindow *w, ProviderFetched *out)
{
	char	   *key;
	char	   *user;
	int64		from;
	int64		to;
	int64		dummy;

	user = listen_window_begin(ctx, lastfm_types[w->data_type], out, &key);
	if (user == NULL)
		return;

	tracker_day_bounds(acc->tz, w->from, &from, &dummy);
	tracker_day_bounds(acc->tz, w->to, &to, &dummy);
	if (w->cursor_end > 0 && w->cursor_end < to)
		to = w->cursor_end;
	PG_TRY();
	{
		if (to > from)
			lastfm_fetch_pages(ctx, user, key, from, to, out);
	}
	PG_FINALLY();
	{
		listen_wipe(key);
	}
	PG_END_TRY();
}

/* Window length: 30 days is at most a few thousand scrobbles. */
static int
lastfm_window_days(int data_type)
{
	return LASTFM_WINDOW_DAYS;
}

/*
 * lastfm_credentials
 *		The Last.fm API key (tracker.set_api_key()), or AUTH_NOT_CONNECTED
 *		with the reason when none is set, recorded for the account.
 */
static AuthState
lastfm_credentials(FetchContext *ctx, bool force, const DbAccess *db,
				   char **token, char **why)
{
	MemoryContext outcxt = CurrentMemoryContext;
	char	   *key = NULL;
	int			rc;

	db->enter();
	rc = SPI_execute("SELECT api_key FROM tracker.api_key WHERE provider = 'lastfm'",
					 true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the Last.fm API key: %s",
			 SPI_result_code_string(rc));
	if (SPI_processed == 1)
	{
		char	   *v = spi_text(0, 1);

		if (v != NULL && v[0] != '\0')
			key = MemoryContextStrdup(outcxt, v);
		listen_wipe(v);
	}
	if (key == NULL)
	{
		*why = MemoryContextStrdup(outcxt,
								   "no Last.fm API key is set; call tracker.set_api_key('lastfm', ...)");
		auth_state_record(ctx->account_id, "not_connected", *why, NULL,
						  db->autonomous_state);
	}
	db->leave();
	MemoryContextSwitchTo(outcxt);
	if (key == NULL)
		return AUTH_NOT_CONNECTED;
	*token = key;
	return AUTH_OK;
}

const Provider lastfm_provider = {
	.name = "lastfm",
	.ndata_types = lengthof(lastfm_types),
	.data_types = lastfm_types,
	.window_days = lastfm_window_days,
	.credentials = lastfm_credentials,
	.fetch_window = lastfm_fetch_window,
	.write_window = listen_write_window,
	.free_page = listen_free_page,
};
