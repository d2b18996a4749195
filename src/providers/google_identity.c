/*-------------------------------------------------------------------------
 *
 * google_identity.c
 *	  Whose Google grant a consent brought: the healthUserId of the person
 *	  (GET users/me/identity, which needs no scope), kept per account so
 *	  that a later consent for the account is accepted only from the same
 *	  person.
 *
 * Connecting an account again (re-consent) replaces its tokens.  Were the
 * consent given by somebody else (another Google account signed in in the
 * browser), the account would go on syncing that person's data under the
 * first person's name.  tracker.connect() therefore asks for the identity
 * with the new access token before it stores anything, and refuses a grant
 * of another person, leaving the stored tokens as they were.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"

#include "common/common.h"
#include "http/http.h"
#include "providers/provider.h"
#include "tracker.h"

/*
 * google_identity_fetch
 *		The healthUserId of the person an access token belongs to, or NULL
 *		(with *why) when the identity endpoint does not say.  One attempt:
 *		the caller decides what an unknown identity means.
 */
char *
google_identity_fetch(FetchContext *ctx, const char *access_token, char **why)
{
	HttpRequest req;
	HttpResponse resp;
	const char *headers[3];
	char	   *volatile auth = NULL;
	char	   *volatile result = NULL;
	const char *saved_type = ctx->data_type;

	*why = NULL;
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.method = "GET";
	req.url = psprintf("%s/v4/users/me/identity", tracker_google_health_url);
	ctx->data_type = "identity";

	PG_TRY();
	{
		auth = psprintf("Authorization: Bearer %s", access_token);
		headers[0] = auth;
		headers[1] = "Accept: application/json";
		headers[2] = NULL;
		req.headers = headers;
		ctx->requests++;
		http_perform(&req, &resp);
	}
	PG_FINALLY();
	{
		if (auth)
		{
			explicit_bzero(auth, strlen(auth));
			pfree(auth);
		}
	}
	PG_END_TRY();

	if (resp.outcome != HTTP_RESPONSE)
		*why = psprintf("%s: %s", http_outcome_name(resp.outcome), resp.error);
	else if (resp.status != 200)
		*why = psprintf("HTTP %ld", resp.status);
	else
	{
		char	   *parse_error = NULL;
		JsonDoc    *root = jsondoc_parse(resp.body, resp.body_len, &parse_error);
		bool		ok = true;
		char	   *id = jsondoc_string(root, "healthUserId", false, &ok);

		if (root != NULL && ok && strlen(id) > 0 && strlen(id) <= 256)
			result = pstrdup(id);
		else
			*why = pstrdup("the answer has no healthUserId");
	}
	fetch_log(ctx, &req, &resp, result ? "ok" : "failed", *why);
	ctx->data_type = saved_type;
	return result;
}

/*
 * google_identity_check
 *		Refuse a grant of another person than the one the account was
 *		connected with; remember the person on the account's first grant.
 *		identity is NULL when it could not be read: an account that has one
 *		is then refused too (a grant that cannot be told apart is not taken),
 *		one that has none is connected without it.  Must run before any
 *		token is stored.
 */
void
google_identity_check(int32 account_id, const char *name, const char *identity,
					  const char *why)
{
	Oid			types[2] = {INT4OID, TEXTOID};
	Datum		values[2];
	char	   *known = NULL;

	values[0] = Int32GetDatum(account_id);
	spi_exec_limit("SELECT health_user_id FROM tracker.account_identity WHERE account_id = $1",
				   1, types, values, NULL, 1, SPI_OK_SELECT, "read the account's Google identity");
	if (SPI_processed == 1)
		known = spi_text(0, 1);

	if (known != NULL && identity == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("could not confirm whose Google account consented for account \"%s\"", name),
				 errdetail("Google's identity endpoint did not answer (%s); the account's stored tokens were left as they were.",
						   why ? why : "no answer"),
				 errhint("Try the consent again in a few minutes.")));
	if (known != NULL && strcmp(known, identity) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("the Google account that consented is not the one of account \"%s\"", name),
				 errdetail("Account \"%s\" was connected with another Google account; the grant was refused and the account's stored tokens were left as they were.",
						   name),
				 errhint("Sign in to Google as the person of account \"%s\" and consent again, or add a new account for the other person.",
						 name)));
	if (known == NULL && identity != NULL)
	{
		char		nulls[2] = {' ', ' '};

		spi_arg_text(values, nulls, 1, identity);
		spi_exec("INSERT INTO tracker.account_identity (account_id, health_user_id) VALUES ($1, $2)",
				 2, types, values, nulls, SPI_OK_INSERT, "remember the account's Google identity");
	}
}
