/*-------------------------------------------------------------------------
 *
 * google_oauth.c
 *	  Google OAuth 2.0 for the Google Health provider's accounts: code
 *	  exchange (tracker.connect()) and access token refresh.
 *
 * Secrets (the client secret, refresh and access tokens) are read from
 * tables only the extension owner can read, sent only in form bodies and
 * Authorization headers, and never put in a message, a log entry or
 * pg_stat_activity; every copy of a secret made here is overwritten
 * (explicit_bzero) and freed on every way out, errors included.  One
 * refresh per account at a time: a session-level advisory lock (taken and
 * released from C, so an error cannot leak it) serializes refreshers, and
 * the second one finds the fresh token.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "common/common.h"
#include "http/http.h"
#include "providers/gh_parse.h"
#include "providers/provider.h"
#include "tracker.h"

/* A consent link (its state and PKCE verifier) is valid this long. */
#define OAUTH_PENDING_SECONDS 600

/* Refresh an access token this long before it expires. */
#define TOKEN_MARGIN_SECONDS 120

/*
 * wipe
 *		Overwrite a string that held a secret, so that the memory it lived in
 *		does not keep it once freed.
 */
static void
wipe(char *s)
{
	if (s != NULL)
		explicit_bzero(s, strlen(s));
}

/* Wipe and pfree a palloc'd copy of a secret. */
static void
wipe_pfree(char *s)
{
	if (s != NULL)
	{
		wipe(s);
		pfree(s);
	}
}

/*
 * token_discard
 *		Wipe and free what a token answer held (the parser's strings are
 *		malloc'd); safe to repeat, and on a token never filled (zeroed).
 */
static void
token_discard(GhToken *tok)
{
	wipe(tok->access_token);
	wipe(tok->refresh_token);
	gh_token_free(tok);
}

/*
 * spi_value_secret
 *		A palloc'd copy, in cxt, of a column that holds a secret; the copy
 *		SPI_getvalue made is wiped.  NULL for SQL NULL.
 */
static char *
spi_value_secret(int col, MemoryContext cxt)
{
	char	   *v = spi_text(0, col);
	char	   *copy;

	if (v == NULL)
		return NULL;
	copy = MemoryContextStrdup(cxt, v);
	wipe_pfree(v);
	return copy;
}

/*
 * spi_wipe_tuptable
 *		Wipe the rows of the last SPI result (they held secrets) and free
 *		them.
 */
static void
spi_wipe_tuptable(void)
{
	uint64		i;

	if (SPI_tuptable == NULL)
		return;
	for (i = 0; i < SPI_processed; i++)
		explicit_bzero(SPI_tuptable->vals[i]->t_data, SPI_tuptable->vals[i]->t_len);
	SPI_freetuptable(SPI_tuptable);
}

/*
 * oauth_client_load
 *		The OAuth client of a provider, copied into cxt; false when none is
 *		set.  The caller wipes the secret (wipe_pfree).
 */
static bool
oauth_client_load(const char *provider, char **client_id, char **client_secret,
				  MemoryContext cxt)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];

	values[0] = CStringGetTextDatum(provider);
	spi_exec_limit("SELECT client_id, client_secret FROM tracker.oauth_client "
				   "WHERE provider = $1", 1, types, values, NULL, 1,
				   SPI_OK_SELECT, "read the OAuth client");
	if (SPI_processed == 0)
		return false;
	*client_id = spi_value_secret(1, cxt);
	*client_secret = spi_value_secret(2, cxt);
	spi_wipe_tuptable();
	return true;
}

/*
 * token_post
 *		POST a form to the token endpoint (with retries for transient
 *		failures) and parse the answer.  Returns AUTH_OK with tok filled,
 *		or the state and reason of the failure.
 */
static AuthState
token_post(FetchContext *ctx, const char *form, GhToken *tok, char **why)
{
	HttpRequest req;
	HttpResponse resp;
	GhError err;
	FetchVerdict v;
	const char *headers[] = {"Content-Type: application/x-www-form-urlencoded",
	"Accept: application/json", NULL};
	const char *saved_type = ctx->data_type;
	GhErrorKind rc;

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = tracker_google_token_url;
	req.headers = headers;
	req.body = form;
	req.body_len = strlen(form);

	ctx->data_type = "token";
	memset(tok, 0, sizeof(*tok));
	v = fetch_with_retries(ctx, &req, &resp, why);
	/* the form holds secrets: wipe it before anything else */
	explicit_bzero((char *) form, strlen(form));

	memset(&err, 0, sizeof(err));
	if (resp.outcome == HTTP_RESPONSE && resp.body_len > 0)
		rc = gh_parse_token(resp.body, resp.body_len, tok, &err);
	else
		rc = GH_ERR_SHAPE;
	/* the answer held the tokens: only tok keeps them from here on */
	if (resp.body_len > 0)
		explicit_bzero(resp.body, resp.body_len);

	if (v == FETCH_OK && rc == GH_OK && tok->access_token && !tok->error)
	{
		fetch_log(ctx, &req, &resp, "ok", NULL);
		ctx->data_type = saved_type;
		return AUTH_OK;
	}

	if (rc == GH_OK && tok->error)
	{
		bool		grant = strcmp(tok->error, "invalid_grant") == 0;

		*why = psprintf("%s%s%s", tok->error,
						tok->error_description ? ": " : "",
						tok->error_description ? tok->error_description : "");
		fetch_log(ctx, &req, &resp, "auth", *why);
		token_discard(tok);
		ctx->data_type = saved_type;
		return grant ? AUTH_NEEDS_REAUTH : AUTH_FAILED;
	}

	if (*why == NULL)
		*why = psprintf("unexpected answer from the token endpoint (HTTP %ld): %s",
						resp.status, rc == GH_OK ? "no access token" : err.message);
	fetch_log(ctx, &req, &resp, "failed", *why);
	token_discard(tok);
	ctx->data_type = saved_type;
	return AUTH_FAILED;
}

/*
 * store_tokens
 *		Keep a new access token (and a new refresh token, when the endpoint
 *		sent one) for the account.
 */
static void
store_tokens(int32 account_id, const GhToken *tok)
{
	Oid			types[4] = {INT4OID, TEXTOID, INT8OID, TEXTOID};
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};

	values[0] = Int32GetDatum(account_id);
	values[1] = CStringGetTextDatum(tok->access_token);
	values[2] = Int64GetDatum(tok->expires_in > 0 ? tok->expires_in : 3600);
	if (tok->refresh_token)
		values[3] = CStringGetTextDatum(tok->refresh_token);
	else
	{
		values[3] = (Datum) 0;
		nulls[3] = 'n';
	}
	PG_TRY();
	{
		spi_exec("INSERT INTO tracker.credential AS c "
				 "(account_id, access_token, access_expires_at, refresh_token) "
				 "VALUES ($1, $2, now() + make_interval(secs => $3), $4) "
				 "ON CONFLICT (account_id) DO UPDATE SET "
				 " access_token = excluded.access_token, "
				 " access_expires_at = excluded.access_expires_at, "
				 " refresh_token = coalesce(excluded.refresh_token, c.refresh_token), "
				 " updated_at = excluded.updated_at",
				 4, types, values, nulls,
				 SPI_OK_INSERT, "store tokens");
	}
	PG_FINALLY();
	{
		/* the text copies of the tokens, whether the store worked or not */
		explicit_bzero(VARDATA(DatumGetPointer(values[1])),
					   VARSIZE(DatumGetPointer(values[1])) - VARHDRSZ);
		if (values[3] != (Datum) 0)
			explicit_bzero(VARDATA(DatumGetPointer(values[3])),
						   VARSIZE(DatumGetPointer(values[3])) - VARHDRSZ);
	}
	PG_END_TRY();
}

/*
 * oauth_access_token
 *		A valid access token for the account, refreshed when it is about to
 *		expire or when force is set.  On invalid_grant the account is marked
 *		needs_reauth with the reason.  The database is reached only through
 *		db, never while the token endpoint is being asked.
 */
AuthState
oauth_access_token(FetchContext *ctx, bool force, const DbAccess *db,
				   char **token, char **why)
{
	LOCKTAG		tag;
	volatile AuthState result = AUTH_FAILED;
	MemoryContext outcxt = CurrentMemoryContext;

	/* Every copy of a secret made here; all are wiped on every way out. */
	char	   *volatile refresh_token = NULL;
	char	   *volatile access_token = NULL;
	char	   *volatile client_id = NULL;
	char	   *volatile client_secret = NULL;
	char	   *volatile form = NULL;
	GhToken		tok;

	memset(&tok, 0, sizeof(tok));
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, TRACKER_LOCK_TOKEN,
						 (uint32) ctx->account_id, 2);
	(void) LockAcquire(&tag, ExclusiveLock, true, false);
	PG_TRY();
	{
		Oid			types[1] = {INT4OID};
		Datum		values[1];
		bool		isnull;
		bool		fresh = false;
		bool		has_client = false;

		db->enter();
		values[0] = Int32GetDatum(ctx->account_id);
		spi_exec_limit("SELECT refresh_token, access_token, "
					   " coalesce(access_expires_at > now() + make_interval(secs => "
					   CppAsString2(TOKEN_MARGIN_SECONDS) "), false) "
					   "FROM tracker.credential WHERE account_id = $1",
					   1, types, values, NULL, 1,
					   SPI_OK_SELECT, "read credentials");
		if (SPI_processed == 1)
		{
			refresh_token = spi_value_secret(1, outcxt);
			access_token = spi_value_secret(2, outcxt);
			fresh = DatumGetBool(spi_datum(0, 3, &isnull));
			spi_wipe_tuptable();
		}
		if (refresh_token && (!fresh || force))
		{
			char	   *id = NULL;
			char	   *secret = NULL;

			has_client = oauth_client_load("google_health", &id, &secret, outcxt);
			client_id = id;
			client_secret = secret;
		}
		db->leave();
		MemoryContextSwitchTo(outcxt);

		if (refresh_token == NULL)
		{
			*why = pstrdup("the account has no refresh token");
			result = AUTH_NOT_CONNECTED;
		}
		else if (fresh && !force && access_token)
		{
			*token = pstrdup(access_token);
			result = AUTH_OK;
		}
		else if (!has_client)
		{
			*why = pstrdup("no OAuth client is set for provider \"google_health\"");
			result = AUTH_FAILED;
		}
		else
		{
			char	   *e_refresh = url_encode(refresh_token);
			char	   *e_id = url_encode(client_id);
			char	   *e_secret = url_encode(client_secret);

			form = psprintf("grant_type=refresh_token&refresh_token=%s&client_id=%s&client_secret=%s",
							e_refresh, e_id, e_secret);
			wipe_pfree(e_refresh);
			wipe_pfree(e_id);
			wipe_pfree(e_secret);
			result = token_post(ctx, form, &tok, why);
			if (result == AUTH_OK)
			{
				db->enter();
				store_tokens(ctx->account_id, &tok);
				if (tok.scope)
					auth_state_record(ctx->account_id, "connected", NULL,
									  tok.scope, db->autonomous_state);
				db->leave();
				MemoryContextSwitchTo(outcxt);
				*token = pstrdup(tok.access_token);
			}
			else if (result == AUTH_NEEDS_REAUTH)
			{
				db->enter();
				auth_state_record(ctx->account_id, "needs_reauth", *why, NULL,
								  db->autonomous_state);
				db->leave();
				MemoryContextSwitchTo(outcxt);
			}
		}
	}
	PG_FINALLY();
	{
		token_discard(&tok);
		wipe_pfree(form);
		wipe_pfree(refresh_token);
		wipe_pfree(access_token);
		wipe_pfree(client_id);
		wipe_pfree(client_secret);
		LockRelease(&tag, ExclusiveLock, true);
	}
	PG_END_TRY();
	return result;
}

PG_FUNCTION_INFO_V1(tracker_connect);

/*
 * tracker_connect
 *		Exchange the authorization code Google sent to the redirect URI for
 *		tokens, checking the state value and proving the PKCE verifier.
 */
Datum
tracker_connect(PG_FUNCTION_ARGS)
{
	int32		account_id;
	char	   *redirect_uri;
	Oid			types[1] = {INT4OID};
	Datum		values[1];
	char	   *pending_state;
	char	   *pending_uri;
	char	   *provider;
	char	   *name;
	char	   *identity;
	bool		expired;
	bool		isnull;
	char	   *why = NULL;
	FetchContext ctx;
	GhToken		tok;
	AuthState	a;

	/* Every copy of a secret made here; all are wiped on every way out. */
	char	   *volatile code = NULL;
	char	   *volatile verifier = NULL;
	char	   *volatile client_id = NULL;
	char	   *volatile client_secret = NULL;
	char	   *volatile form = NULL;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("account, code and redirect_uri must not be null")));
	account_id = PG_GETARG_INT32(0);
	redirect_uri = text_to_cstring(PG_GETARG_TEXT_PP(2));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	memset(&tok, 0, sizeof(tok));
	PG_TRY();
	{
		char	   *e_code;
		char	   *e_uri;
		char	   *e_id;
		char	   *e_secret;
		char	   *e_verifier;
		char	   *id = NULL;
		char	   *secret = NULL;

		code = text_to_cstring(PG_GETARG_TEXT_PP(1));
		values[0] = Int32GetDatum(account_id);
		spi_exec_limit("SELECT a.provider, p.state, p.code_verifier, p.redirect_uri, a.name, "
					   " p.created_at < now() - make_interval(secs => "
					   CppAsString2(OAUTH_PENDING_SECONDS) ") "
					   "FROM tracker.account a LEFT JOIN tracker.oauth_pending p "
					   "USING (account_id) WHERE a.account_id = $1",
					   1, types, values, NULL, 1,
					   SPI_OK_SELECT, "read the pending authorization");
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_NO_DATA_FOUND),
					 errmsg("account %d does not exist", account_id)));
		provider = spi_text(0, 1);
		pending_state = spi_text(0, 2);
		verifier = spi_value_secret(3, CurrentMemoryContext);
		pending_uri = spi_text(0, 4);
		name = spi_text(0, 5);
		expired = pending_state != NULL && DatumGetBool(spi_datum(0, 6, &isnull));
		spi_wipe_tuptable();

		if (strcmp(provider, "google_health") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("account %d of provider \"%s\" does not use OAuth",
							account_id, provider)));
		if (pending_state == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("no authorization is pending for account %d", account_id),
					 errhint("Open the link from tracker.authorize_url() first.")));
		if (!PG_ARGISNULL(3) &&
			strcmp(text_to_cstring(PG_GETARG_TEXT_PP(3)), pending_state) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("state value does not match the pending authorization of account %d",
							account_id),
					 errdetail("The redirect did not come from the link Tracker made, or the link was replaced by a newer one."),
					 errhint("Open the link from tracker.authorize_url() again.")));
		if (expired)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("the authorization of account %d has expired", account_id),
					 errdetail("A consent link is valid for %d minutes.",
							   OAUTH_PENDING_SECONDS / 60),
					 errhint("Open a new link from tracker.authorize_url().")));
		if (strcmp(redirect_uri, pending_uri) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("redirect URI differs from the one the authorization was made for")));
		if (!oauth_client_load(provider, &id, &secret, CurrentMemoryContext))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("no OAuth client is set for provider \"%s\"", provider),
					 errhint("Call tracker.set_oauth_client() first.")));
		client_id = id;
		client_secret = secret;

		memset(&ctx, 0, sizeof(ctx));
		ctx.account_id = account_id;
		e_code = url_encode(code);
		e_uri = url_encode(redirect_uri);
		e_id = url_encode(client_id);
		e_secret = url_encode(client_secret);
		e_verifier = url_encode(verifier);
		form = psprintf("grant_type=authorization_code&code=%s&redirect_uri=%s"
						"&client_id=%s&client_secret=%s&code_verifier=%s",
						e_code, e_uri, e_id, e_secret, e_verifier);
		wipe_pfree(e_code);
		wipe_pfree(e_id);
		wipe_pfree(e_secret);
		wipe_pfree(e_verifier);
		pfree(e_uri);
		a = token_post(&ctx, form, &tok, &why);
		fetch_log_write(ctx.log, account_id);
		ctx.log = NIL;

		if (a != AUTH_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("could not connect account %d: %s", account_id, why),
					 errhint("Authorization codes are valid once and for a few minutes; open the link from tracker.authorize_url() again.")));
		if (tok.refresh_token == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("Google sent no refresh token for account %d", account_id),
					 errhint("Tracker asks for offline access with prompt=consent; revoke the app's access in the Google account and connect again.")));

		/* whose grant it is, before anything is stored */
		identity = google_identity_fetch(&ctx, tok.access_token, &why);
		fetch_log_write(ctx.log, account_id);
		google_identity_check(account_id, name, identity, why);

		store_tokens(account_id, &tok);
		auth_state_record(account_id, "connected", NULL,
						  tok.scope ? tok.scope : "", false);
		spi_exec("DELETE FROM tracker.oauth_pending WHERE account_id = $1",
				 1, types, values, NULL, SPI_OK_DELETE, "forget the pending authorization");
	}
	PG_FINALLY();
	{
		token_discard(&tok);
		wipe_pfree(form);
		wipe_pfree(code);
		wipe_pfree(verifier);
		wipe_pfree(client_id);
		wipe_pfree(client_secret);
	}
	PG_END_TRY();
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text("connected"));
}
