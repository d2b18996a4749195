/*-------------------------------------------------------------------------
 *
 * http.h
 *	  One HTTP request through libcurl, safely inside a PostgreSQL process.
 *
 * http_perform() never raises an error for anything the network or the
 * server does: every failure comes back as an HttpOutcome with a message,
 * so that callers can record it and decide (retry, back off, give up).  It
 * raises only for query cancel / terminate (after freeing every curl
 * object) and for out-of-memory.  It never holds or needs a transaction.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_HTTP_H
#define TRACKER_HTTP_H

#include "postgres.h"

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

/* Settings (defined in tracker.c). */
extern int	tracker_http_timeout_ms;
extern int	tracker_http_connect_timeout_ms;
extern int	tracker_max_response_size;

#endif							/* TRACKER_HTTP_H */
