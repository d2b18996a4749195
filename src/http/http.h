/*-------------------------------------------------------------------------
 *
 * http.h
 *	  Requests over HTTP: one request through libcurl, safely inside a
 *	  PostgreSQL process (http.c); a provider's requests with credentials,
 *	  retries, backoff, a shared request rate and a log of every attempt
 *	  (fetch.c); URLs as logs show them (url.c); and Amazon S3, signed with
 *	  AWS Signature Version 4 (s3.c, with the XML it reads in s3_xml.c).
 *
 * http_perform() never raises an error for anything the network or the
 * server does: every failure comes back as an HttpOutcome with a message,
 * so that callers can record it and decide (retry, back off, give up).  It
 * raises only for query cancel / terminate (after freeing every curl
 * object) and for out-of-memory.  It never holds or needs a transaction.
 * Between http_session_begin() and http_session_end() the requests of a
 * process share one libcurl handle, so that a run reuses its connections.
 *
 * Fetching never writes to the database: what happened is collected in
 * memory (FetchLogEntry) and written by the caller together with the data,
 * so that a background worker can fetch with no transaction open and then
 * write a window in one short transaction.
 *
 * Every S3 request goes through s3_request(), which retries what may pass
 * (timeouts, refused connections, truncated bodies, 429 and 5xx) with the
 * same backoff settings as the sync, and never raises for anything the
 * network or the server does: callers look at the S3Result and decide,
 * usually with s3_raise().  Nothing in S3 touches the database except
 * s3_config_load(), and nothing holds or needs a transaction, so a
 * background worker can call it with none open.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_HTTP_H
#define TRACKER_HTTP_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

/* ------------------------------------------------------------------------
 * One request (http.c)
 * ------------------------------------------------------------------------
 */
typedef enum HttpOutcome
{
	HTTP_RESPONSE = 0,			/* got a complete response (any status) */
	HTTP_TIMEOUT,				/* connect or total timeout */
	HTTP_CONNECT_FAILED,		/* connection refused, unreachable */
	HTTP_DNS_FAILED,			/* host name did not resolve */
	HTTP_TLS_FAILED,			/* handshake or certificate verification */
	HTTP_TOO_LARGE,				/* body above max_response_bytes */
	HTTP_TRUNCATED,				/* connection closed before the whole body */
	HTTP_BAD_URL,				/* malformed URL or a scheme other than http(s) */
	HTTP_FAILED					/* anything else libcurl reports */
} HttpOutcome;

typedef struct HttpRequest
{
	const char *method;			/* GET, POST, PUT, HEAD, DELETE */
	const char *url;
	const char *const *headers; /* "Name: value" strings, NULL-terminated; may be NULL */
	const char *body;			/* request body or NULL */
	size_t		body_len;
	long		timeout_ms;		/* total; 0 = the tracker.http_timeout setting */
	long		connect_timeout_ms; /* 0 = tracker.http_connect_timeout */
	size_t		max_response_bytes; /* 0 = tracker.max_response_size */
	const char *aws_sigv4;		/* CURLOPT_AWS_SIGV4 value or NULL */
	const char *userpwd;		/* CURLOPT_USERPWD or NULL (never logged) */
	const char *ca_file;		/* trusted certificates, or NULL: the system's */

	/*
	 * Mail: method "MAIL" with an smtp:// or smtps:// URL sends body as the
	 * message to mail_rcpt; over smtp:// STARTTLS is required unless
	 * mail_plain says otherwise.
	 */
	const char *mail_from;
	const char *const *mail_rcpt;	/* NULL-terminated */
	bool		mail_plain;
} HttpRequest;

typedef struct HttpResponse
{
	HttpOutcome outcome;
	long		status;			/* HTTP status, 0 when there was no response */
	char	   *body;			/* palloc'd, NUL-terminated; never NULL */
	size_t		body_len;
	char	   *content_type;	/* palloc'd or NULL */
	double		retry_after;	/* seconds from Retry-After, -1 when absent */
	char	   *etag;			/* palloc'd or NULL */
	double		elapsed_ms;		/* wall time of the transfer */
	char		error[300];		/* why, for outcomes other than HTTP_RESPONSE */
} HttpResponse;

/* Perform one request; see the file header for the error contract. */
extern void http_perform(const HttpRequest *req, HttpResponse *resp);

/* Short name of an outcome, e.g. "timeout". */
extern const char *http_outcome_name(HttpOutcome outcome);

/* Process-wide libcurl setup; call once per process before the first use. */
extern void http_init(void);

/* Reuse one connection for the requests of a run (see http.c). */
typedef struct HttpSession HttpSession;

extern HttpSession *http_session_begin(MemoryContext cxt);
extern void http_session_end(HttpSession *session);

/* ------------------------------------------------------------------------
 * A provider's requests (fetch.c)
 * ------------------------------------------------------------------------
 */
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
extern void fetch_log_write(List *log, int32 account_id);
extern void fetch_log_write_autonomous(List *log, int32 account_id);
extern void fetch_sleep_ms(long ms);
extern long retry_delay_ms(int attempt, double retry_after, bool cap_retry_after);

/* ------------------------------------------------------------------------
 * URLs (url.c)
 * ------------------------------------------------------------------------
 */
extern char *percent_encode(const char *s, bool keep_slash);
extern char *url_encode(const char *s);
extern char *request_display(const HttpRequest *req);

/* ------------------------------------------------------------------------
 * Amazon S3 (s3.c, s3_xml.c)
 * ------------------------------------------------------------------------
 */
/* Where the archive lives (tracker.s3_config). */
typedef struct S3Config
{
	char	   *endpoint;		/* scheme://host[:port], no trailing slash */
	char	   *bucket;
	char	   *region;
	char	   *access_key;
	char	   *secret_key;		/* never logged, never in a message */
	char	   *prefix;			/* "" or ends with '/' */
	bool		path_style;		/* endpoint/bucket/key, else bucket.host/key */
} S3Config;

/* The outcome of one request, after its retries. */
typedef struct S3Result
{
	HttpResponse http;			/* the last attempt */
	int			attempts;
	char	   *request;		/* "METHOD url" for messages; no credential */
	char	   *code;			/* S3 error Code from the XML body, or NULL */
	char	   *message;		/* S3 error Message, or NULL */
} S3Result;

/* One object of a listing. */
typedef struct S3Object
{
	char	   *key;
	int64		size;
	char	   *etag;			/* without quotes, lower case */
	char	   *storage_class;	/* STANDARD, DEEP_ARCHIVE, ... */
} S3Object;

/* Loading the configuration (SPI must be connected). */
extern bool s3_config_load(S3Config *cfg, bool missing_ok);
extern char *s3_location(const S3Config *cfg);

/* Requests. */
extern void s3_request(const S3Config *cfg, const char *method,
					   const char *key, const char *query,
					   const char *const *headers, const char *body,
					   size_t body_len, size_t max_response,
					   S3Result *res);
extern bool s3_ok(const S3Result *res);
extern void s3_raise(const S3Config *cfg, const char *what,
					 const S3Result *res) pg_attribute_noreturn();

extern void s3_put_object(const S3Config *cfg, const char *key,
						  const char *body, size_t len,
						  const char *content_type, const char *sha256_hex,
						  const char *md5_hex);
extern bool s3_head_etag(const S3Config *cfg, const char *key, char **etag);
extern List *s3_list(const S3Config *cfg, const char *prefix);
extern S3Object *s3_find(List *objects, const char *key);
extern char *s3_get_lifecycle(const S3Config *cfg);
extern void s3_put_lifecycle(const S3Config *cfg, const char *xml);

/* The XML of S3 answers and lifecycle rules (s3_xml.c). */
extern bool s3_xml_element(const char *from, const char *end,
						   const char *tag, const char **outer_start,
						   const char **inner_start, const char **inner_end,
						   const char **outer_end);
extern char *s3_xml_text(const char *start, const char *end);
extern char *s3_xml_child_text(const char *start, const char *end,
							   const char *tag);
extern void s3_xml_escape(StringInfo buf, const char *s);

#endif							/* TRACKER_HTTP_H */
