/*-------------------------------------------------------------------------
 *
 * listening.c
 *	  What both listening providers (Last.fm and ListenBrainz) share: the
 *	  base URL of their API, the start of a window's fetch (credential,
 *	  the account's user name and what to do when the account cannot be
 *	  read), what becomes of each page request, and writing silver.listen
 *	  and gold.listening_daily.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "common/common.h"
#include "core/core.h"
#include "providers/provider.h"

/*
 * listen_base_url
 *		The base URL of a setting without a trailing slash, or the default
 *		when the setting is not defined (the library was not preloaded).
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
static char *
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
	spi_check(rc, SPI_OK_SELECT, "read the account's user name");
	if (SPI_processed == 1)
	{
		char	   *v = spi_text(0, 1);

		if (v != NULL && v[0] != '\0')
			user = MemoryContextStrdup(outcxt, v);
	}
	ctx->db->leave();
	MemoryContextSwitchTo(outcxt);
	if (user == NULL)
		*why = psprintf("account %d has no user name", ctx->account_id);
	return user;
}

/* Wipe a string that held a credential. */
void
listen_wipe(char *s)
{
	if (s != NULL)
		memset(s, 0, strlen(s));
}

/*
 * listen_window_begin
 *		How both providers start fetching a window: out is reset, the data
 *		type is named for the fetch log, and the credential and the
 *		account's user name are read.  Returns the user name, with *token
 *		set to the credential (NULL when the service needs none), or NULL
 *		when the window cannot be fetched: then out says why, the refusal
 *		is logged and any credential already read is wiped.
 */
char *
listen_window_begin(FetchContext *ctx, const char *data_type,
					ProviderFetched *out, char **token)
{
	char	   *user;
	char	   *why = NULL;
	AuthState	a;

	memset(out, 0, sizeof(*out));
	out->verdict = FETCH_OK;
	ctx->data_type = data_type;
	*token = NULL;

	if (ctx->auth != AUTH_OK)
	{
		out->verdict = FETCH_AUTH;
		out->why = ctx->auth_reason;
		return NULL;
	}
	a = ctx->get_token(ctx, false, token, &why);
	if (a != AUTH_OK)
	{
		ctx->auth = a;
		ctx->auth_reason = why;
		out->verdict = FETCH_AUTH;
		out->why = why;
		fetch_log(ctx, NULL, NULL, "auth", why);
		return NULL;
	}
	user = listen_account_user(ctx, &why);
	if (user == NULL)
	{
		listen_wipe(*token);
		listen_account_failed(ctx, why);
		out->verdict = FETCH_AUTH;
		out->why = why;
		fetch_log(ctx, NULL, NULL, "auth", why);
	}
	return user;
}

/*
 * listen_page_take
 *		What becomes of one page request of either provider, whose verdict
 *		is v (with why unless FETCH_OK): a failed request fails the window;
 *		a page that arrived is parsed with parse and kept, or, when it does
 *		not validate, fails the window and is kept for bronze with the JSON
 *		path and the reason.  Returns the parsed page, or NULL when the
 *		window failed (out says why).
 */
ListenPage *
listen_page_take(FetchContext *ctx, ProviderFetched *out,
				 const HttpRequest *req, const HttpResponse *resp,
				 FetchVerdict v, char *why, ListenParseFn parse)
{
	ProviderPage *p;
	ListenPage *lp;
	ListenError err;
	ListenErrorKind rc;

	if (v != FETCH_OK)
	{
		provider_fetch_failed(ctx, out, req, resp, v, why);
		return NULL;
	}

	p = provider_page_new(req, resp);
	lp = palloc0(sizeof(ListenPage));
	memset(&err, 0, sizeof(err));
	rc = parse(resp->body, resp->body_len, lp, &err);
	if (rc != LISTEN_OK)
	{
		provider_page_reject(ctx, out, p, req, resp, listen_error_kind_name(rc),
							 err.path, err.message);
		return NULL;
	}
	provider_page_accept(ctx, out, p, req, resp, lp);
	return lp;
}

/* The earlier of oldest and the time of the page's oldest listen. */
int64
listen_page_oldest(const ListenPage *lp, int64 oldest)
{
	size_t		i;

	for (i = 0; i < lp->nlistens; i++)
		oldest = Min(oldest, lp->listens[i].played_at);
	return oldest;
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
 *		Both providers' write_window: write the listens of a fetched window
 *		that fall within its local days into silver.listen, their source
 *		being the account's provider, then recompute gold.listening_daily
 *		for the local days they fall on, in the caller's transaction
 *		(touched is for heart-rate figures).  A listen seen twice (pages
 *		shift while scrobbles arrive) is written once; one held already is
 *		updated only if something about it changed.  Returns the rows
 *		inserted or changed, so that a repeated sync reports 0.
 */
int
listen_write_window(const TrackerAccount *acc, const ProviderWindow *w,
					ProviderFetched *f, DaySet *touched)
{
	const char *source = acc->provider;

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

	spi_exec("INSERT INTO silver.listen AS x (account_id, played_at, track, "
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
			 " updated_at = excluded.updated_at "
			 "WHERE (x.track, x.artist, x.album, x.day, x.recording_mbid, x.release_mbid, "
			 "  x.artist_mbids, x.recording_msid, x.url, x.source) "
			 " IS DISTINCT FROM (excluded.track, excluded.artist, excluded.album, excluded.day, "
			 "  excluded.recording_mbid, excluded.release_mbid, "
			 "  excluded.artist_mbids, excluded.recording_msid, excluded.url, "
			 "  excluded.source)",
			 13, types, values, NULL,
			 SPI_OK_INSERT, "write listens");
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
		spi_exec_limit("SELECT tracker.listening_recompute_days($1, $2)",
					   2, rtypes, rvalues, NULL, 1,
					   SPI_OK_SELECT, "recompute listening figures");
	}
	return rows;
}
