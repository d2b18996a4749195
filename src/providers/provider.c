/*-------------------------------------------------------------------------
 *
 * provider.c
 *	  The registry of providers and what every provider shares: what
 *	  becomes of each page request, keeping fetched pages in bronze,
 *	  rejecting a window, credentials, and the account's connection state.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"

#include "common/common.h"
#include "providers/provider.h"

static const Provider *const providers[] = {
	&google_health_provider,
	&lastfm_provider,
	&listenbrainz_provider,
};

/*
 * provider_get
 *		The provider of that name, or NULL for sources that do not sync
 *		(file imports).
 */
const Provider *
provider_get(const char *name)
{
	int			i;

	for (i = 0; i < (int) lengthof(providers); i++)
		if (strcmp(providers[i]->name, name) == 0)
			return providers[i];
	return NULL;
}

int
provider_data_type(const Provider *p, const char *name)
{
	int			i;

	for (i = 0; i < p->ndata_types; i++)
		if (strcmp(p->data_types[i], name) == 0)
			return i;
	return -1;
}

/*
 * provider_fetch_failed
 *		A page request failed with verdict v (why says how): the window
 *		fails with it.  A data type the grant does not cover is logged as
 *		skipped, a refused credential as auth.
 */
void
provider_fetch_failed(FetchContext *ctx, ProviderFetched *out,
					  const HttpRequest *req, const HttpResponse *resp,
					  FetchVerdict v, char *why)
{
	out->verdict = v;
	out->why = why;
	fetch_log(ctx, req, resp, v == FETCH_SCOPE ? "skipped" :
			  v == FETCH_AUTH ? "auth" : "failed", why);
}

/*
 * provider_page_new
 *		A page for a response that arrived; the request is shown as logs
 *		show it, with any credential hidden.
 */
ProviderPage *
provider_page_new(const HttpRequest *req, const HttpResponse *resp)
{
	ProviderPage *p = palloc0(sizeof(ProviderPage));

	p->url = request_display(req);
	p->body = resp->body;
	p->len = resp->body_len;
	p->http_status = (int) resp->status;
	return p;
}

/*
 * provider_page_reject
 *		Page p failed validation (the parser's kind of error, the JSON path
 *		and its message): the window fails, and the page is kept for bronze
 *		with the path and the reason.
 */
void
provider_page_reject(FetchContext *ctx, ProviderFetched *out, ProviderPage *p,
					 const HttpRequest *req, const HttpResponse *resp,
					 const char *kind, const char *path, const char *message)
{
	out->verdict = FETCH_FAILED;
	out->rejected = true;
	out->why = psprintf("%s at %s: %s", kind, path[0] ? path : "$", message);
	out->rejected_page = p;
	p->log = fetch_log(ctx, req, resp, "rejected", out->why);
}

/*
 * provider_page_accept
 *		Page p validated: it joins the window's pages with what was parsed
 *		from it.
 */
void
provider_page_accept(FetchContext *ctx, ProviderFetched *out, ProviderPage *p,
					 const HttpRequest *req, const HttpResponse *resp,
					 void *parsed)
{
	p->parsed = parsed;
	p->log = fetch_log(ctx, req, resp, "ok", NULL);
	out->pages = lappend(out->pages, p);
}

void
provider_fetched_free(const Provider *p, ProviderFetched *f)
{
	ListCell   *lc;

	foreach(lc, f->pages)
		p->free_page((ProviderPage *) lfirst(lc));
	list_free(f->pages);
	f->pages = NIL;
	if (f->rejected_page && f->rejected_page->parsed)
		p->free_page(f->rejected_page);
}

/*
 * provider_store_pages
 *		Keep every page of a fetched window in bronze, exactly as received,
 *		before its rows are written (same transaction).
 */
void
provider_store_pages(const Provider *p, const TrackerAccount *acc,
					 const ProviderWindow *w, ProviderFetched *f)
{
	ListCell   *lc;

	foreach(lc, f->pages)
	{
		ProviderPage *page = (ProviderPage *) lfirst(lc);
		uint8		sha[SHA256_LEN];
		int64		payload_id;

		sha256_bytes(page->body, page->len, sha);
		payload_id = bronze_insert(acc->account_id, p->name,
								   p->data_types[w->data_type], page->url,
								   page->body, page->len, sha,
								   page->http_status ? page->http_status : 200,
								   true, NULL);
		if (page->log)
			page->log->payload_id = payload_id;
	}
}

/*
 * provider_reject_window
 *		Keep the page that failed validation in bronze, marked rejected with
 *		the reason (the JSON path and what was wrong); with autonomous, in a
 *		transaction of its own that the caller's rollback cannot undo.
 */
int64
provider_reject_window(const Provider *p, const TrackerAccount *acc,
					   const ProviderWindow *w, ProviderFetched *f,
					   bool autonomous)
{
	ProviderPage *page = f->rejected_page;
	uint8		sha[SHA256_LEN];
	int64		payload_id;

	if (!f->rejected || page == NULL || page->body == NULL)
		return 0;
	sha256_bytes(page->body, page->len, sha);
	if (autonomous)
	{
		autonomous_bronze_reject(acc->account_id, p->name, p->data_types[w->data_type],
								 page->url, page->body, page->len, sha,
								 page->http_status, f->why);
		return 0;
	}
	payload_id = bronze_insert(acc->account_id, p->name, p->data_types[w->data_type],
							   page->url, page->body, page->len, sha,
							   page->http_status, false, f->why);
	if (page->log)
		page->log->payload_id = payload_id;
	return payload_id;
}

/*
 * provider_token_source
 *		The TokenSource of every fetch: the provider's own credentials,
 *		reaching the database the way the caller allows.
 */
AuthState
provider_token_source(FetchContext *ctx, bool force, char **token, char **why)
{
	const Provider *p = (const Provider *) ctx->provider;

	*token = NULL;
	return p->credentials(ctx, force, ctx->db, token, why);
}

/*
 * auth_state_record
 *		Record an account's connection state.  During tracker.sync() the
 *		caller's transaction may still roll back, and a revoked grant must
 *		be remembered regardless, so there it is written autonomously.
 */
void
auth_state_record(int32 account_id, const char *state, const char *reason,
				  const char *granted_scopes, bool autonomous)
{
	const char *sql =
	"SELECT tracker.set_account_state($1::int, $2, $3, "
	"  CASE WHEN $4::text IS NULL THEN NULL ELSE string_to_array($4, ' ') END, "
	"  CASE WHEN $4::text IS NULL THEN NULL ELSE "
	"    ARRAY(SELECT DISTINCT scope FROM tracker.google_scope "
	"          WHERE scope <> ALL (string_to_array($4, ' ')) ORDER BY 1) END)";
	char		account[16];

	snprintf(account, sizeof(account), "%d", account_id);
	if (autonomous)
	{
		AutonomousArg args[4];
		char	   *error;

		args[0] = autonomous_text(account);
		args[1] = autonomous_text(state);
		args[2] = autonomous_text(reason);
		args[3] = autonomous_text(granted_scopes);
		if (!autonomous_execute(sql, 4, args, &error))
			ereport(WARNING,
					(errmsg("could not record the state of account %d: %s",
							account_id, error)));
	}
	else
	{
		Oid			types[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
		Datum		values[4];
		char		nulls[4] = {' ', ' ', ' ', ' '};

		values[0] = CStringGetTextDatum(account);
		values[1] = CStringGetTextDatum(state);
		spi_arg_text(values, nulls, 2, reason);
		spi_arg_text(values, nulls, 3, granted_scopes);
		spi_exec(sql, 4, types, values, nulls, SPI_OK_SELECT,
				 "record the account state");
	}
}

/*
 * scope_denied_record
 *		The API refused a data type because the grant lacks its scope: keep
 *		that scope among the account's missing scopes (and out of its
 *		granted ones), so that the type is skipped without requests until a
 *		grant with the scope arrives (see tracker.set_account_state()).
 *		Returns the scope, or NULL when the data type needs none Tracker
 *		knows of.  Written autonomously during tracker.sync(), which the
 *		caller may roll back.
 */
char *
scope_denied_record(int32 account_id, const char *data_type, bool autonomous)
{
	const char *sql =
	"UPDATE tracker.account_auth a "
	"SET missing_scopes = ARRAY(SELECT DISTINCT m FROM unnest(coalesce(a.missing_scopes, '{}') "
	"                             || g.scope) m ORDER BY 1), "
	"    scopes = array_remove(a.scopes, g.scope) "
	"FROM tracker.google_scope g "
	"WHERE a.account_id = $1::int AND g.data_type = $2 "
	"  AND g.scope <> ALL (coalesce(a.missing_scopes, '{}')) "
	"RETURNING g.scope";
	const char *scope_sql =
	"SELECT scope FROM tracker.google_scope WHERE data_type = $1";
	char		account[16];
	char	   *scope = NULL;

	snprintf(account, sizeof(account), "%d", account_id);
	if (autonomous)
	{
		AutonomousArg args[2];
		char	   *error;

		args[0] = autonomous_text(account);
		args[1] = autonomous_text(data_type);
		if (!autonomous_execute(sql, 2, args, &error))
			ereport(WARNING,
					(errmsg("could not record the missing scope of account %d: %s",
							account_id, error)));
	}
	else
	{
		Oid			types[2] = {TEXTOID, TEXTOID};
		Datum		values[2];

		values[0] = CStringGetTextDatum(account);
		values[1] = CStringGetTextDatum(data_type);
		spi_exec(sql, 2, types, values, NULL, SPI_OK_UPDATE_RETURNING,
				 "record a missing scope");
	}

	{
		Oid			types[1] = {TEXTOID};
		Datum		values[1];

		values[0] = CStringGetTextDatum(data_type);
		if (spi_exec_limit(scope_sql, 1, types, values, NULL, 1, SPI_OK_SELECT,
						   "read a data type's scope") > 0)
			scope = spi_text(0, 1);
	}
	return scope;
}
