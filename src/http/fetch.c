/*-------------------------------------------------------------------------
 *
 * fetch.c
 *	  Requests to a provider's API with authentication, retries, backoff,
 *	  a per-account request rate kept in shared memory (rate_reserve), and
 *	  a log of every attempt.
 *
 * The retry policy follows the Google Health API's guidance: 429, 500,
 * 503 and 504 (and network failures that may pass: timeouts, refused
 * connections, truncated bodies) are retried with exponential backoff and
 * jitter, honouring Retry-After and never immediately; 401 gets one token
 * refresh and one retry; other 4xx fail at once.  Waits sleep on the
 * process latch, so query cancel and shutdown are honoured while waiting.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "common/common.h"
#include "http/http.h"
#include "tracker.h"

/*
 * fetch_sleep_ms
 *		Sleep on the latch, waking for interrupts; never a busy wait.
 */
void
fetch_sleep_ms(long ms)
{
	TimestampTz deadline = GetCurrentTimestamp() + ms * 1000;

	for (;;)
	{
		long		left;

		CHECK_FOR_INTERRUPTS();
		left = (long) ((deadline - GetCurrentTimestamp()) / 1000);
		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/*
 * rate_wait
 *		Space an account's requests at least 60 s / tracker.requests_per_minute
 *		apart (well under the API's 300 requests per minute per user).  The
 *		budget lives in shared memory, so every process that requests for
 *		the account (sync workers, tracker.sync() calls) shares it: each
 *		reserves the next free moment and sleeps until then.
 */
static void
rate_wait(int32 account_id)
{
	long		interval_us = 60L * 1000 * 1000 / Max(tracker_requests_per_minute, 1);
	TimestampTz at = rate_reserve(account_id, interval_us);
	TimestampTz now = GetCurrentTimestamp();

	if (at > now)
		fetch_sleep_ms((long) ((at - now + 999) / 1000));
	ereport(DEBUG1,
			(errmsg_internal("tracker: request for account %d, its turn at %s",
							 account_id, timestamptz_to_str(at))));
}

/*
 * fetch_log
 *		Remember one attempt for tracker.sync_log.
 */
FetchLogEntry *
fetch_log(FetchContext *ctx, const HttpRequest *req, const HttpResponse *resp,
		  const char *outcome, const char *error)
{
	FetchLogEntry *e = palloc0(sizeof(FetchLogEntry));

	e->data_type = ctx->data_type ? pstrdup(ctx->data_type) : NULL;
	e->request = req ? request_display(req) : NULL;
	e->http_status = resp ? (int) resp->status : 0;
	e->outcome = pstrdup(outcome);
	e->bytes = resp ? resp->body_len : 0;
	e->duration_ms = resp ? resp->elapsed_ms : 0;
	e->error = error ? pstrdup(error) : NULL;
	ctx->log = lappend(ctx->log, e);
	return e;
}

/*
 * retry_delay_ms
 *		Exponential backoff with full jitter in [base/2, base), base doubling
 *		per attempt up to tracker.retry_max_delay; a server's Retry-After
 *		wins when it asks for longer (itself held to tracker.retry_max_delay
 *		with cap_retry_after).  Every retry loop of Tracker waits by this.
 */
long
retry_delay_ms(int attempt, double retry_after, bool cap_retry_after)
{
	double		base = (double) tracker_retry_base_delay_ms * pow(2.0, attempt);
	double		ms;

	if (base > tracker_retry_max_delay_ms)
		base = tracker_retry_max_delay_ms;
	ms = base / 2 + pg_prng_double(&pg_global_prng_state) * base / 2;
	if (retry_after >= 0 && retry_after * 1000 > ms)
		ms = retry_after * 1000;
	if (cap_retry_after && ms > tracker_retry_max_delay_ms)
		ms = tracker_retry_max_delay_ms;
	return (long) ceil(ms);
}

static bool
transient_outcome(HttpOutcome o)
{
	return o == HTTP_TIMEOUT || o == HTTP_CONNECT_FAILED ||
		o == HTTP_DNS_FAILED || o == HTTP_TRUNCATED;
}

static bool
transient_status(long status)
{
	return status == 429 || status == 500 || status == 502 ||
		status == 503 || status == 504;
}

static char *
response_reason(const HttpResponse *resp)
{
	if (resp->outcome != HTTP_RESPONSE)
		return psprintf("%s: %s", http_outcome_name(resp->outcome), resp->error);
	return psprintf("HTTP %ld", resp->status);
}

/*
 * fetch_with_retries
 *		Perform req, retrying transient failures; every attempt is logged.
 *		Returns the verdict on the last response, with *why set unless OK.
 */
FetchVerdict
fetch_with_retries(FetchContext *ctx, HttpRequest *req, HttpResponse *resp,
				   char **why)
{
	int			attempt;

	*why = NULL;
	for (attempt = 0;; attempt++)
	{
		bool		transient;

		rate_wait(ctx->account_id);
		ctx->requests++;
		http_perform(req, resp);

		transient = (resp->outcome == HTTP_RESPONSE) ?
			transient_status(resp->status) : transient_outcome(resp->outcome);

		if (resp->outcome == HTTP_RESPONSE && resp->status >= 200 && resp->status < 300)
			return FETCH_OK;

		if (transient && attempt < tracker_max_retries)
		{
			long		wait = retry_delay_ms(attempt, resp->retry_after, false);

			fetch_log(ctx, req, resp, "retry",
					  psprintf("%s; retrying in %ld ms", response_reason(resp), wait));
			fetch_sleep_ms(wait);
			continue;
		}

		*why = response_reason(resp);
		if (transient)
			return FETCH_TRANSIENT;
		if (resp->outcome != HTTP_RESPONSE)
			return FETCH_FAILED;
		if (resp->status == 403)
			return FETCH_SCOPE;
		return FETCH_CLIENT_ERROR;
	}
}

/* Overwrite a palloc'd string holding a credential, then free it. */
static void
forget_secret(char *s)
{
	explicit_bzero(s, strlen(s));
	pfree(s);
}

/*
 * fetch_with_secret
 *		fetch_with_retries for a request that carries a credential: the
 *		header holding it and the credential itself are wiped and freed
 *		whatever happens, a cancel or an error during the request included,
 *		so that freed memory never carries a token into a later message or
 *		a dump of the process.
 */
static FetchVerdict
fetch_with_secret(FetchContext *ctx, HttpRequest *req, HttpResponse *resp,
				  char **why, char *header, char *secret)
{
	FetchVerdict v;

	PG_TRY();
	{
		v = fetch_with_retries(ctx, req, resp, why);
	}
	PG_CATCH();
	{
		forget_secret(header);
		forget_secret(secret);
		PG_RE_THROW();
	}
	PG_END_TRY();
	forget_secret(header);
	forget_secret(secret);
	return v;
}

/*
 * fetch_authorized
 *		fetch_with_retries with a bearer token.  A 401 gets one refresh and
 *		one retry; a second 401, or credentials that cannot be refreshed,
 *		end all requests for the account (ctx->auth).
 */
FetchVerdict
fetch_authorized(FetchContext *ctx, HttpRequest *req, HttpResponse *resp,
				 char **why)
{
	const char *const *given = req->headers;
	const char *headers[16];
	char	   *token;
	char	   *auth_header;
	char	   *auth_why = NULL;
	int			nh = 0;
	int			round;

	/* callers log the response even when no request was made */
	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	resp->body = "";
	if (ctx->auth != AUTH_OK)
	{
		*why = ctx->auth_reason;
		return FETCH_AUTH;
	}

	for (round = 0; round < 2; round++)
	{
		FetchVerdict v;
		AuthState	a = ctx->get_token(ctx, round > 0, &token, &auth_why);

		if (a != AUTH_OK)
		{
			ctx->auth = a;
			ctx->auth_reason = auth_why;
			*why = auth_why;
			return FETCH_AUTH;
		}

		nh = 0;
		while (given && given[nh] && nh < 14)
		{
			headers[nh] = given[nh];
			nh++;
		}
		auth_header = psprintf("Authorization: Bearer %s", token);
		headers[nh++] = auth_header;
		headers[nh] = NULL;
		req->headers = headers;
		v = fetch_with_secret(ctx, req, resp, why, auth_header, token);
		req->headers = given;

		if (!(resp->outcome == HTTP_RESPONSE && resp->status == 401))
			return v;
		fetch_log(ctx, req, resp, round == 0 ? "retry" : "auth",
				  round == 0 ? "HTTP 401; refreshing the access token"
				  : "HTTP 401 after a token refresh");
	}

	ctx->auth = AUTH_NEEDS_REAUTH;
	ctx->auth_reason = pstrdup("the API refused a freshly refreshed access token (HTTP 401)");
	*why = ctx->auth_reason;
	return FETCH_AUTH;
}

/*
 * fetch_log_write
 *		Write remembered attempts to tracker.sync_log in the current
 *		transaction (SPI must be connected).
 */
void
fetch_log_write(List *log, int32 account_id)
{
	ListCell   *lc;
	Oid			types[10] = {INT4OID, TEXTOID, TEXTOID, INT2OID, TEXTOID,
	INT4OID, FLOAT4OID, INT4OID, INT8OID, TEXTOID};

	foreach(lc, log)
	{
		FetchLogEntry *e = (FetchLogEntry *) lfirst(lc);
		Datum		values[10];
		char		nulls[10];

		memset(nulls, ' ', sizeof(nulls));
		values[0] = Int32GetDatum(account_id);
		spi_arg_text(values, nulls, 1, e->data_type);
		spi_arg_text(values, nulls, 2, e->request);
		values[3] = Int16GetDatum((int16) e->http_status);
		nulls[3] = e->http_status ? ' ' : 'n';
		values[4] = CStringGetTextDatum(e->outcome);
		values[5] = Int32GetDatum((int32) Min(e->bytes, PG_INT32_MAX));
		values[6] = Float4GetDatum((float4) e->duration_ms);
		values[7] = Int32GetDatum(e->rows_written);
		values[8] = Int64GetDatum(e->payload_id);
		nulls[8] = e->payload_id ? ' ' : 'n';
		spi_arg_text(values, nulls, 9, e->error);
		spi_exec("INSERT INTO tracker.sync_log "
				 "(account_id, data_type, request, http_status, outcome, "
				 " bytes, duration_ms, rows_written, payload_id, error) "
				 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
				 10, types, values, nulls, SPI_OK_INSERT, "write the sync log");
	}
}

/*
 * fetch_log_write_autonomous
 *		Write remembered attempts to tracker.sync_log in a transaction of
 *		their own, so the log of a tracker.sync() call survives a rollback
 *		of the caller's transaction.  One statement for the whole list.
 */
void
fetch_log_write_autonomous(List *log, int32 account_id)
{
	StringInfoData buf;
	ListCell   *lc;
	AutonomousArg args[2];
	char		account[16];
	char	   *error;
	bool		first = true;

	if (log == NIL)
		return;
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	foreach(lc, log)
	{
		FetchLogEntry *e = (FetchLogEntry *) lfirst(lc);

		appendStringInfo(&buf, "%s{", first ? "" : ",");
		first = false;
		jsondoc_append_member(&buf, "data_type", e->data_type, false);
		jsondoc_append_member(&buf, "request", e->request, true);
		jsondoc_append_member(&buf, "outcome", e->outcome, true);
		jsondoc_append_member(&buf, "error", e->error, true);
		appendStringInfo(&buf, ",\"http_status\":%s,\"bytes\":%zu,\"duration_ms\":%.3f,"
						 "\"rows_written\":%d,\"payload_id\":%s}",
						 e->http_status ? psprintf("%d", e->http_status) : "null",
						 e->bytes, e->duration_ms, e->rows_written,
						 e->payload_id ? psprintf(INT64_FORMAT, e->payload_id) : "null");
	}
	appendStringInfoChar(&buf, ']');

	snprintf(account, sizeof(account), "%d", account_id);
	args[0] = autonomous_text(account);
	args[1] = autonomous_text(buf.data);
	if (!autonomous_execute("INSERT INTO tracker.sync_log (account_id, data_type, request, "
							" http_status, outcome, bytes, duration_ms, rows_written, "
							" payload_id, error) "
							"SELECT $1::int, e.j->>'data_type', e.j->>'request', "
							" (e.j->>'http_status')::smallint, e.j->>'outcome', "
							" (e.j->>'bytes')::integer, (e.j->>'duration_ms')::real, "
							" (e.j->>'rows_written')::integer, (e.j->>'payload_id')::bigint, "
							" e.j->>'error' "
							"FROM json_array_elements($2::json) WITH ORDINALITY AS e(j, n) "
							"ORDER BY e.n",
							2, args, &error))
		ereport(WARNING,
				(errmsg("could not write the sync log: %s", error)));
}
