/*-------------------------------------------------------------------------
 *
 * fetch.h
 *	  Requests to a provider's API with authentication, retries, backoff,
 *	  a per-account request rate kept in shared memory, and a log of every
 *	  attempt.
 *
 * Fetching never writes to the database: what happened is collected in
 * memory (FetchLogEntry) and written by the caller together with the data,
 * so that a background worker can fetch with no transaction open and then
 * write a window in one short transaction.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_FETCH_H
#define TRACKER_FETCH_H

#include "nodes/pg_list.h"

#include "http/http.h"

/* What became of an account's credentials while fetching. */
typedef enum AuthState
{
	AUTH_OK = 0,
	AUTH_NOT_CONNECTED,			/* no refresh token */
	AUTH_NEEDS_REAUTH,			/* invalid_grant, or 401 after a refresh */
	AUTH_FAILED					/* token endpoint unreachable, client refused */
} AuthState;

/* One attempt, as it will appear in tracker.sync_log. */
typedef struct FetchLogEntry
{
	char	   *data_type;
	char	   *request;		/* method and URL, never a credential */
	int			http_status;
	char	   *outcome;		/* ok, retry, failed, rejected, skipped, auth */
	size_t		bytes;
	double		duration_ms;
	int			rows_written;
	int64		payload_id;
	char	   *error;
} FetchLogEntry;

typedef struct FetchContext FetchContext;

/*
 * How code between HTTP requests reaches the database.  tracker.sync()
 * runs inside the caller's transaction, so enter/leave do nothing; a
 * background worker opens a short transaction (with SPI) in enter and
 * commits it in leave, so that no transaction is open during a request.
 */
typedef struct DbAccess
{
	void		(*enter) (void);
	void		(*leave) (void);
	bool		autonomous_state;	/* record account state autonomously */
} DbAccess;

/*
 * Supplies an access token, refreshing it when asked (force) or when it is
 * about to expire.  Returns AUTH_OK with *token set, or why not in *why.
 */
typedef AuthState (*TokenSource) (FetchContext *ctx, bool force,
								  char **token, char **why);

struct FetchContext
{
	int32		account_id;
	const char *data_type;		/* for the log */
	TokenSource get_token;
	void	   *token_arg;
	const void *provider;		/* the Provider being synced */
	const DbAccess *db;			/* how credentials reach the database */
	List	   *log;			/* FetchLogEntry *, in order */
	int			requests;		/* attempts made */
	AuthState	auth;			/* sticky: once not OK, no more requests */
	char	   *auth_reason;
};

/* Classification of a final response, for the caller's decision. */
typedef enum FetchVerdict
{
	FETCH_OK = 0,				/* 2xx with a body */
	FETCH_SCOPE,				/* 403: scope missing for this data type */
	FETCH_AUTH,					/* credentials are gone (see ctx->auth) */
	FETCH_CLIENT_ERROR,			/* other 4xx: fail the window */
	FETCH_TRANSIENT,			/* 429/5xx/network after every retry */
	FETCH_FAILED				/* oversized, TLS, bad URL, ... */
} FetchVerdict;

extern FetchVerdict fetch_authorized(FetchContext *ctx, HttpRequest *req,
									 HttpResponse *resp, char **why);
extern FetchVerdict fetch_with_retries(FetchContext *ctx, HttpRequest *req,
									   HttpResponse *resp, char **why);
extern FetchLogEntry *fetch_log(FetchContext *ctx, const HttpRequest *req,
								const HttpResponse *resp, const char *outcome,
								const char *error);
extern void fetch_log_write(List *log, int32 account_id, int rows_written,
							int64 payload_id);
extern void fetch_log_write_autonomous(List *log, int32 account_id);
extern char *request_display(const HttpRequest *req);
extern void fetch_sleep_ms(long ms);
extern long retry_delay_ms(int attempt, double retry_after, bool cap_retry_after);

#endif							/* TRACKER_FETCH_H */
