/*-------------------------------------------------------------------------
 *
 * lastfm.c
 *	  The Last.fm provider: scrobbles from user.getRecentTracks (see
 *	  provider.h for what a provider supplies), and what both listening
 *	  providers share: their settings, the account's user name, and
 *	  writing silver.listen and gold.listening_daily.
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


#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "providers/google_oauth.h"
#include "providers/provider.h"
#include "providers/listen_parse.h"	/* after provider.h, for its server part */
#include "core/timeutil.h"
#include "tracker.h"

#define LASTFM_DEFAULT_URL "https://ws.audioscrobbler.com"
#define LISTENBRAINZ_DEFAULT_URL "https://api.listenbrainz.org"

/* Scrobbles per page: the documented maximum (the API accepts 1,000). */
#define LASTFM_PAGE_SIZE 200

/* Pages one fetch takes before it continues below the oldest scrobble. */
#define MAX_PAGES_PER_FETCH 25

/* Window length in days; tracker.provider_data_type says the same. */
#define LASTFM_WINDOW_DAYS 30

/* Longest 2xx body that is checked for an error answer. */
#define LASTFM_ERROR_MAX_BYTES 4096

/* Settings: where requests go (superuser only, like every URL). */
char	   *tracker_lastfm_url = NULL;
char	   *tracker_listenbrainz_url = NULL;

static const char *const lastfm_types[] = {"scrobbles"};

void		listening_init(void);


/* ----------------------------------------------------------------------
 * Shared by both listening providers
 * ----------------------------------------------------------------------
 */

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
 * listening_init
 *		Define the settings of the listening providers.  Called from
 *		_PG_init (settings can only be defined while the library loads).
 *		Only superusers may point Tracker elsewhere: a URL an ordinary user
 *		could set would let them make the server send the Last.fm API key
 *		to a host of their choosing.
 */
void
listening_init(void)
{
	DefineCustomStringVariable("tracker.lastfm_url",
							   "Base URL of the Last.fm API.",
							   NULL,
							   &tracker_lastfm_url,
							   LASTFM_DEFAULT_URL,
							   PGC_SUSET, 0,
							   check_base_url, NULL, NULL);
	DefineCustomStringVariable("tracker.listenbrainz_url",
							   "Base URL of the ListenBrainz API.",
							   NULL,
							   &tracker_listenbrainz_url,
							   LISTENBRAINZ_DEFAULT_URL,
							   PGC_SUSET, 0,
							   check_base_url, NULL, NULL);
}

/*
 * listen_base_url
 *		The base URL of a setting without a trailing slash, or the default
 *		when the setting is not defined (listening_init() not called).
 */
const char *
listen_base_url(const char *setting, const char *fallback)
{
	const char *url = (setting != NULL && setting[0] != '\0') ? setting : fallback;
	size_t		len = strlen(url);

	while (len > 0 && url[len - 1] == '/')
		len--;
	return pnstrdup(url, len);
}

/*
 * listen_account_failed
 *		The account cannot be read as it is set up (no such user, a private
 *		profile, a refused API key): stop making requests for it and record
 *		it as not_connected with the reason, until a person fixes it.  During
 *		tracker.sync() the state is recorded autonomously, so it survives a
 *		rollback, as a revoked Google grant does.
 */
void
listen_account_failed(FetchContext *ctx, const char *reason)
{
	MemoryContext outcxt = CurrentMemoryContext;

	ctx->auth = AUTH_NOT_CONNECTED;
	ctx->auth_reason = pstrdup(reason);
	ctx->db->enter();
	auth_state_record(ctx->account_id, "not_connected", reason, NULL,
					  ctx->db->autonomous_state);
	ctx->db->leave();
	MemoryContextSwitchTo(outcxt);
}

/*
 * listen_account_user
 *		The account's user name at its service.  TrackerAccount does not
 *		carry it, so it is read here, through the database access the
 *		caller allows (a short transaction in a background worker).
 *		Returns NULL with *why set when the account has none.
 */
char *
listen_account_user(FetchContext *ctx, char **why)
{
	MemoryContext outcxt = CurrentMemoryContext;
	Oid			types[1] = {INT4OID};
	Datum		values[1];
	char	   *user = NULL;
	int			rc;

	values[0] = Int32GetDatum(ctx->account_id);
	ctx->db->enter();
	rc = SPI_execute_with_args("SELECT username FROM tracker.account WHERE account_id = $1",
							   1, types, values, NULL, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the account's user name: %s",
			 SPI_result_code_string(rc));
	if (SPI_processed == 1)
	{
		char	   *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		if (v != NULL && v[0] != '\0')
			user = MemoryContextStrdup(outcxt, v);
	}
	ctx->db->leave();
	MemoryContextSwitchTo(outcxt);
	if (user == NULL)
		*why = psprintf("account %d has no user name", ctx->account_id);
	return user;
}

/*
 * listen_page_new
 *		A page for a response that arrived; the request is shown as logs
 *		show it, with the API key hidden.
 */
ProviderPage *
listen_page_new(const HttpRequest *req, const HttpResponse *resp)
{
	ProviderPage *p = palloc0(sizeof(ProviderPage));

	p->url = request_display(req);
	p->body = resp->body;
	p->len = resp->body_len;
	p->http_status = (int) resp->status;
	return p;
}

/*
 * listen_page_reject
 *		A page failed validation: the window fails, and the page is kept
 *		for bronze with the JSON path and the reason.
 */
void
listen_page_reject(FetchContext *ctx, ProviderFetched *out, ProviderPage *p,
				   const HttpRequest *req, const HttpResponse *resp,
				   ListenErrorKind rc, const ListenError *err)
{
	out->verdict = FETCH_FAILED;
	out->rejected = true;
	out->why = psprintf("%s at %s: %s", listen_error_kind_name(rc),
						err->path[0] ? err->path : "$", err->message);
	out->rejected_page = p;
	p->log = fetch_log(ctx, req, resp, "rejected", out->why);
}

/* Release what a fetch parsed into a page (malloc'd by listen_parse.c). */
void
listen_free_page(ProviderPage *page)
{
	if (page->parsed)
	{
		listen_page_free((ListenPage *) page->parsed);
		page->parsed = NULL;
	}
}

/* Text from the API (UTF-8) as a datum in the server's encoding. */
static Datum
api_text(const char *s)
{
	return CStringGetTextDatum(pg_any_to_server(s, (int) strlen(s), PG_UTF8));
}

/* A text array of n datums with their nulls. */
static Datum
text_array(Datum *d, bool *nulls, int n)
{
	int			dims[1] = {n};
	int			lbs[1] = {1};

	return PointerGetDatum(construct_md_array(d, nulls, 1, dims, lbs, TEXTOID,
											  -1, false, TYPALIGN_INT));
}

/*
 * listen_write_window
 *		Write the listens of a fetched window that fall within its local
 *		days into silver.listen, then recompute gold.listening_daily for the
 *		local days they fall on, in the caller's transaction.  A listen seen
 *		twice (pages shift while scrobbles arrive) is written once; one held
 *		already is updated only if something about it changed.  Returns the
 *		rows inserted or changed, so that a repeated sync reports 0.
 */
int
listen_write_window(const TrackerAccount *acc, const char *source,
					const ProviderWindow *w, ProviderFetched *f)
{
	Oid			types[13] = {INT4OID, TEXTOID, TIMESTAMPTZARRAYOID,
		TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, DATEARRAYOID, TEXTARRAYOID,
		TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
	INT8ARRAYOID};
	Datum		values[13];
	Datum	   *at,
			   *track,
			   *artist,
			   *album,
			   *day,
			   *rmbid,
			   *lmbid,
			   *ambids,
			   *msid,
			   *url,
			   *payload;
	bool	   *album_n,
			   *rmbid_n,
			   *lmbid_n,
			   *ambids_n,
			   *msid_n,
			   *url_n;
	DaySet		days = {0};
	ListCell   *lc;
	int64		from;
	int64		to;
	int64		dummy;
	size_t		total = 0;
	int			n = 0;
	int			rows;
	int			rc;

	account_write_lock(acc->account_id);
	tracker_day_bounds(acc->tz, w->from, &from, &dummy);
	tracker_day_bounds(acc->tz, w->to, &to, &dummy);

	foreach(lc, f->pages)
		total += ((ListenPage *) ((ProviderPage *) lfirst(lc))->parsed)->nlistens;
	if (total == 0)
		return 0;
	if (total > (size_t) (MaxAllocSize / sizeof(Datum)))
		elog(ERROR, "too many listens in one window: %zu", total);

	at = palloc(sizeof(Datum) * total);
	track = palloc(sizeof(Datum) * total);
	artist = palloc(sizeof(Datum) * total);
	album = palloc(sizeof(Datum) * total);
	day = palloc(sizeof(Datum) * total);
	rmbid = palloc(sizeof(Datum) * total);
	lmbid = palloc(sizeof(Datum) * total);
	ambids = palloc(sizeof(Datum) * total);
	msid = palloc(sizeof(Datum) * total);
	url = palloc(sizeof(Datum) * total);
	payload = palloc(sizeof(Datum) * total);
	album_n = palloc0(sizeof(bool) * total);
	rmbid_n = palloc0(sizeof(bool) * total);
	lmbid_n = palloc0(sizeof(bool) * total);
	ambids_n = palloc0(sizeof(bool) * total);
	msid_n = palloc0(sizeof(bool) * total);
	url_n = palloc0(sizeof(bool) * total);

	foreach(lc, f->pages)
	{
		ProviderPage *p = (ProviderPage *) lfirst(lc);
		ListenPage *lp = (ListenPage *) p->parsed;
		int64		payload_id = p->log ? p->log->payload_id : 0;
		size_t		i;

		for (i = 0; i < lp->nlistens; i++)
		{
			Listen	   *l = &lp->listens[i];
			DateADT		d;

			/* listens outside the window's days belong to other windows */
			if (l->played_at < from || l->played_at >= to)
				continue;
			d = tracker_local_date(acc->tz, l->played_at);
			dayset_add(&days, d);
			at[n] = TimestampTzGetDatum(tracker_epoch_to_timestamptz(l->played_at));
			track[n] = api_text(l->track);
			artist[n] = api_text(l->artist);
			album_n[n] = (l->album == NULL);
			album[n] = l->album ? api_text(l->album) : (Datum) 0;
			day[n] = DateADTGetDatum(d);
			rmbid_n[n] = (l->recording_mbid[0] == '\0');
			rmbid[n] = rmbid_n[n] ? (Datum) 0 : CStringGetTextDatum(l->recording_mbid);
			lmbid_n[n] = (l->release_mbid[0] == '\0');
			lmbid[n] = lmbid_n[n] ? (Datum) 0 : CStringGetTextDatum(l->release_mbid);
			ambids_n[n] = (l->artist_mbids == NULL);
			ambids[n] = ambids_n[n] ? (Datum) 0 : CStringGetTextDatum(l->artist_mbids);
			msid_n[n] = (l->recording_msid[0] == '\0');
			msid[n] = msid_n[n] ? (Datum) 0 : CStringGetTextDatum(l->recording_msid);
			url_n[n] = (l->url == NULL);
			url[n] = l->url ? api_text(l->url) : (Datum) 0;
			payload[n] = Int64GetDatum(payload_id);
			n++;
		}
	}
	if (n == 0)
		return 0;

	values[0] = Int32GetDatum(acc->account_id);
	values[1] = CStringGetTextDatum(source);
	values[2] = PointerGetDatum(construct_array(at, n, TIMESTAMPTZOID, 8, true,
												TYPALIGN_DOUBLE));
	values[3] = text_array(track, NULL, n);
	values[4] = text_array(artist, NULL, n);
	values[5] = text_array(album, album_n, n);
	values[6] = PointerGetDatum(construct_array(day, n, DATEOID, 4, true,
												TYPALIGN_INT));
	values[7] = text_array(rmbid, rmbid_n, n);
	values[8] = text_array(lmbid, lmbid_n, n);
	values[9] = text_array(ambids, ambids_n, n);
	values[10] = text_array(msid, msid_n, n);
	values[11] = text_array(url, url_n, n);
	values[12] = PointerGetDatum(construct_array(payload, n, INT8OID, 8, true,
												 TYPALIGN_DOUBLE));

	rc = SPI_execute_with_args("INSERT INTO silver.listen AS x (account_id, played_at, track, "
							   " artist, album, day, recording_mbid, release_mbid, artist_mbids, "
							   " recording_msid, url, source, payload_id) "
							   "SELECT DISTINCT ON (t.p, t.k) $1, t.p, t.tr, t.ar, t.al, t.d, "
							   " t.rm::uuid, t.rl::uuid, string_to_array(t.am, ',')::uuid[], "
							   " t.ms::uuid, t.u, $2, t.pid "
							   "FROM (SELECT v.*, tracker.listen_key($2, v.ar, v.tr, v.al, v.ms::uuid) AS k "
							   "      FROM unnest($3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
							   "      WITH ORDINALITY AS v(p, tr, ar, al, d, rm, rl, am, ms, u, pid, ord)) t "
							   "ORDER BY t.p, t.k, t.ord "
							   "ON CONFLICT (account_id, played_at, listen_key) DO UPDATE SET "
							   " track = excluded.track, artist = excluded.artist, "
							   " album = excluded.album, day = excluded.day, "
							   " recording_mbid = excluded.recording_mbid, "
							   " release_mbid = excluded.release_mbid, "
							   " artist_mbids = excluded.artist_mbids, "
							   " recording_msid = excluded.recording_msid, url = excluded.url, "
							   " source = excluded.source, payload_id = excluded.payload_id, "
							   " updated_at = now() "
							   "WHERE (x.track, x.artist, x.album, x.day, x.recording_mbid, x.release_mbid, "
							   "  x.artist_mbids, x.recording_msid, x.url, x.source) "
							   " IS DISTINCT FROM (excluded.track, excluded.artist, excluded.album, excluded.day, "
							   "  excluded.recording_mbid, excluded.release_mbid, "
							   "  excluded.artist_mbids, excluded.recording_msid, excluded.url, "
							   "  excluded.source)",
							   13, types, values, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "could not write listens: %s", SPI_result_code_string(rc));
	rows = (int) SPI_processed;

	/* the days' figures, in the same transaction */
	{
		Oid			rtypes[2] = {INT4OID, DATEARRAYOID};
		Datum		rvalues[2];
		Datum	   *dd = palloc(sizeof(Datum) * days.n);
		int			i;

		for (i = 0; i < days.n; i++)
			dd[i] = DateADTGetDatum(days.days[i]);
		rvalues[0] = Int32GetDatum(acc->account_id);
		rvalues[1] = PointerGetDatum(construct_array(dd, days.n, DATEOID, 4, true,
													 TYPALIGN_INT));
		rc = SPI_execute_with_args("SELECT tracker.listening_recompute_days($1, $2)",
								   2, rtypes, rvalues, NULL, false, 1);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "could not recompute listening figures: %s",
				 SPI_result_code_string(rc));
	}
	return rows;
}

/* ----------------------------------------------------------------------
 * The Last.fm provider
 * ----------------------------------------------------------------------
 */

/* Wipe a string that held the API key. */
static void
wipe(char *s)
{
	if (s != NULL)
		memset(s, 0, strlen(s));
}

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
	ProviderPage *p;
	ListenPage *lp;
	ListenError err;
	ListenErrorKind rc;
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
		if (v != FETCH_OK)
		{
			out->verdict = v;
			out->why = why;
			fetch_log(ctx, &req, &resp, v == FETCH_AUTH ? "auth" : "failed", why);
			lp = NULL;
		}
		else
		{
			p = listen_page_new(&req, &resp);
			lp = palloc0(sizeof(ListenPage));
			memset(&err, 0, sizeof(err));
			rc = lastfm_parse_recent_tracks(resp.body, resp.body_len, lp, &err);
			if (rc != LISTEN_OK)
			{
				listen_page_reject(ctx, out, p, &req, &resp, rc, &err);
				lp = NULL;
			}
			else
			{
				p->parsed = lp;
				out->pages = lappend(out->pages, p);
				p->log = fetch_log(ctx, &req, &resp, "ok", NULL);
			}
		}
	}
	PG_FINALLY();
	{
		wipe(url);
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
	const char *base = listen_base_url(tracker_lastfm_url, LASTFM_DEFAULT_URL);
	char	   *user_arg = url_encode(user);
	char	   *key_arg = url_encode(key);

	PG_TRY();
	{
		int64		oldest = PG_INT64_MAX;
		int			page;

		for (page = 1;; page++)
		{
			ListenPage *lp;
			size_t		i;

			CHECK_FOR_INTERRUPTS();
			lp = lastfm_fetch_page(ctx, base, user, user_arg, key, key_arg,
								   from, to, page, out);
			if (lp == NULL)
				break;
			for (i = 0; i < lp->nlistens; i++)
				oldest = Min(oldest, lp->listens[i].played_at);
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
		wipe(key_arg);
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
	char	   *key = NULL;
	char	   *user;
	char	   *why = NULL;
	int64		from;
	int64		to;
	int64		dummy;
	AuthState	a;

	memset(out, 0, sizeof(*out));
	out->verdict = FETCH_OK;
	ctx->data_type = lastfm_types[w->data_type];

	if (ctx->auth != AUTH_OK)
	{
		out->verdict = FETCH_AUTH;
		out->why = ctx->auth_reason;
		return;
	}
	a = ctx->get_token(ctx, false, &key, &why);
	if (a != AUTH_OK)
	{
		ctx->auth = a;
		ctx->auth_reason = why;
		out->verdict = FETCH_AUTH;
		out->why = why;
		fetch_log(ctx, NULL, NULL, "auth", why);
		return;
	}
	user = listen_account_user(ctx, &why);
	if (user == NULL)
	{
		wipe(key);
		listen_account_failed(ctx, why);
		out->verdict = FETCH_AUTH;
		out->why = why;
		fetch_log(ctx, NULL, NULL, "auth", why);
		return;
	}

	tracker_day_bounds(acc->tz, w->from, &from, &dummy);
	tracker_day_bounds(acc->tz, w->to, &to, &dummy);
	if (w->cursor_end > 0 && w->cursor_end < to)
		to = w->cursor_end;
	if (to > from)
	{
		PG_TRY();
		{
			lastfm_fetch_pages(ctx, user, key, from, to, out);
		}
		PG_FINALLY();
		{
			wipe(key);
		}
		PG_END_TRY();
	}
	wipe(key);
}

/*
 * lastfm_write_window
 *		The provider's write_window: the shared writer, which also recomputes
 *		gold.listening_daily (touched is for heart-rate figures).
 */
static int
lastfm_write_window(const TrackerAccount *acc, const ProviderWindow *w,
					ProviderFetched *f, DaySet *touched)
{
	return listen_write_window(acc, "lastfm", w, f);
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
		char	   *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		if (v != NULL && v[0] != '\0')
			key = MemoryContextStrdup(outcxt, v);
		wipe(v);
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
	.write_window = lastfm_write_window,
	.free_page = listen_free_page,
};
