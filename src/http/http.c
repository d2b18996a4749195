/*-------------------------------------------------------------------------
 *
 * http.c
 *	  One HTTP request through libcurl, safely inside a PostgreSQL process.
 *
 * libcurl runs its callbacks from inside curl_easy_perform(), so nothing
 * that can longjmp (ereport, elog, palloc, CHECK_FOR_INTERRUPTS) may run in
 * them: a longjmp through libcurl would leave the easy handle, its
 * connection and its buffers in an undefined state.  The callbacks only
 * touch plain malloc'd memory owned by an HttpTransfer; everything is copied
 * into palloc'd memory once curl_easy_perform() has returned, and a
 * PG_TRY/PG_FINALLY block frees the curl objects on every path, including
 * an ERROR raised while copying or a query cancel.
 *
 * Query cancel and backend termination are noticed by the progress
 * callback, which asks libcurl to abort; the real interrupt is then
 * serviced with CHECK_FOR_INTERRUPTS() after the handle is gone, so the
 * caller sees the usual error and SQLSTATE (57014, 57P01, ...).
 *
 * A run that makes many requests (a worker's windows of up to a hundred
 * pages, tracker.sync(), an archive or a restore) opens an HttpSession: its
 * requests share one easy handle, and with it libcurl's cache of open
 * connections, TLS sessions and DNS answers, so that a page costs a round
 * trip rather than a TCP and TLS handshake.  Every request still starts
 * from curl_easy_reset() and sets every option again, so no setting (a
 * credential, a method, a callback's pointer) outlives its request, and the
 * handle is reset again as soon as the request ends.  The handle is
 * process-local (a static pointer, never in shared memory) and is freed
 * when the session ends, when the memory context it was opened in goes
 * away (an error included), when the process exits, and at once after a
 * request that was aborted or raised an error.
 *
 * Everything the network or the server does comes back as an HttpOutcome;
 * see http.h for the contract.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <limits.h>
#include <time.h>

#include <curl/curl.h>

#include "miscadmin.h"
#include "portability/instr_time.h"
#include "storage/ipc.h"
#include "utils/memutils.h"
#include "utils/wait_event.h"

#include "http/http.h"
#include "tracker.h"

#if LIBCURL_VERSION_NUM < 0x075500
#error "libcurl 7.85.0 or later is required (CURLOPT_PROTOCOLS_STR)"
#endif

#define HTTP_USER_AGENT "tracker/0.1"
#define HTTP_PROTOCOLS "http,https"
#define HTTP_MAIL_PROTOCOLS "smtp,smtps"

/* The longest Retry-After we honour, in seconds. */
#define HTTP_MAX_RETRY_AFTER 3600.0

/* First allocation of the body buffer; it doubles from there. */
#define HTTP_INITIAL_BUFFER 8192

/* Sizes of the fixed buffers the header callback fills. */
#define HTTP_CONTENT_TYPE_SIZE 256
#define HTTP_ETAG_SIZE 256
#define HTTP_RETRY_AFTER_SIZE 64

/*
 * Everything libcurl's callbacks may touch during one transfer.  It lives in
 * malloc'd memory (not palloc) so that the callbacks never call into the
 * PostgreSQL allocator, and so that it survives independently of memory
 * contexts until the PG_FINALLY block frees it.
 */
typedef struct HttpTransfer
{
	CURL	   *curl;
	HttpSession *session;		/* whose handle this is, or NULL */
	struct curl_slist *headers;
	struct curl_slist *rcpt;	/* mail recipients */

	/* response body, malloc'd and grown by http_write_cb */
	char	   *buf;
	size_t		len;
	size_t		cap;
	size_t		limit;			/* largest decoded body accepted */
	bool		too_large;		/* write callback stopped at the limit */
	bool		out_of_memory;	/* write callback could not grow buf */

	/* request body for PUT uploads, read by http_read_cb */
	const char *upload;
	size_t		upload_len;
	size_t		upload_pos;

	/* response headers of the final response; "" when absent */
	char		content_type[HTTP_CONTENT_TYPE_SIZE];
	char		etag[HTTP_ETAG_SIZE];
	char		retry_after[HTTP_RETRY_AFTER_SIZE];

	char		errbuf[CURL_ERROR_SIZE];
} HttpTransfer;

/*
 * Set one option, remembering the first failure in rc.  A failed option
 * (an old libcurl without CURLOPT_PROTOCOLS_STR, say) fails the request
 * rather than running it with weaker settings.
 */
#define HTTP_SETOPT(xfer, rc, option, value) \
	do { \
		if ((rc) == CURLE_OK) \
			(rc) = curl_easy_setopt((xfer)->curl, (option), (value)); \
	} while (0)

/*
 * A run's shared handle.  curl is NULL until the first request and after a
 * request that had to drop it.
 */
struct HttpSession
{
	CURL	   *curl;
	MemoryContextCallback on_reset;
};

static bool http_initialized = false;

/* The session requests of this process use now, or NULL. */
static HttpSession *http_session = NULL;
static bool http_exit_callback = false;

static size_t http_write_cb(char *ptr, size_t size, size_t nmemb,
							 void *userdata);
static size_t http_read_cb(char *buffer, size_t size, size_t nitems,
						   void *userdata);
static int	http_seek_cb(void *userdata, curl_off_t offset, int origin);
static size_t http_header_cb(char *buffer, size_t size, size_t nitems,
							  void *userdata);
static int	http_progress_cb(void *clientp, curl_off_t dltotal,
							 curl_off_t dlnow, curl_off_t ultotal,
							 curl_off_t ulnow);
static void http_keep_header(char *dst, size_t dstsize, const char *value,
							 size_t len);
static bool http_header_is(const char *line, size_t len, const char *name,
						   const char **value, size_t *value_len);
static double http_parse_retry_after(const char *value);
static void http_set_error(HttpResponse *resp, const char *msg);
static bool http_has_scheme(const char *url);
static HttpOutcome http_map_code(CURLcode code);
static void http_transfer(const HttpRequest *req, HttpResponse *resp,
						  HttpTransfer *xfer);
static void http_transfer_free(HttpTransfer *xfer, bool keep_handle);

/*
 * http_init
 *		libcurl's global setup is not thread-safe and must run before the
 *		first easy handle; doing it once per process, up front, keeps it out
 *		of the request path.
 */
void
http_init(void)
{
	CURLcode	rc;

	if (http_initialized)
		return;

	rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK)
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not initialize libcurl: %s",
						curl_easy_strerror(rc))));
	http_initialized = true;
}

/*
 * http_outcome_name
 *		Outcomes are stored and logged by name, so the names are part of the
 *		interface and must not change.
 */
const char *
http_outcome_name(HttpOutcome outcome)
{
	switch (outcome)
	{
		case HTTP_RESPONSE:
			return "response";
		case HTTP_TIMEOUT:
			return "timeout";
		case HTTP_CONNECT_FAILED:
			return "connect_failed";
		case HTTP_DNS_FAILED:
			return "dns_failed";
		case HTTP_TLS_FAILED:
			return "tls_failed";
		case HTTP_TOO_LARGE:
			return "too_large";
		case HTTP_TRUNCATED:
			return "truncated";
		case HTTP_BAD_URL:
			return "bad_url";
		case HTTP_FAILED:
			return "failed";
	}
	return "failed";
}

/*
 * http_write_cb
 *		Append decoded body bytes to the malloc'd buffer.  Runs inside
 *		libcurl: no ereport, no palloc.  Returning less than asked makes
 *		libcurl stop with CURLE_WRITE_ERROR; the flags say why.
 */
static size_t
http_write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	HttpTransfer *xfer = (HttpTransfer *) userdata;
	size_t		n = size * nmemb;

	if (n == 0)
		return 0;

	/* the limit applies to the decoded body, which is what arrives here */
	if (n > xfer->limit - xfer->len)
	{
		xfer->too_large = true;
		return 0;
	}

	/* keep room for the terminating NUL added when the body is copied */
	if (xfer->len + n + 1 > xfer->cap)
	{
		size_t		newcap = xfer->cap > 0 ? xfer->cap : HTTP_INITIAL_BUFFER;
		char	   *newbuf;

		while (newcap < xfer->len + n + 1)
			newcap *= 2;
		if (newcap > xfer->limit + 1)
			newcap = xfer->limit + 1;

		newbuf = realloc(xfer->buf, newcap);
		if (newbuf == NULL)
		{
			xfer->out_of_memory = true;
			return 0;
		}
		xfer->buf = newbuf;
		xfer->cap = newcap;
	}

	memcpy(xfer->buf + xfer->len, ptr, n);
	xfer->len += n;
	return n;
}

/*
 * http_read_cb
 *		Feed the request body of a PUT upload to libcurl.  Runs inside
 *		libcurl: no ereport, no palloc.
 */
static size_t
http_read_cb(char *buffer, size_t size, size_t nitems, void *userdata)
{
	HttpTransfer *xfer = (HttpTransfer *) userdata;
	size_t		room = size * nitems;
	size_t		left = xfer->upload_len - xfer->upload_pos;
	size_t		n = Min(room, left);

	if (n > 0)
	{
		memcpy(buffer, xfer->upload + xfer->upload_pos, n);
		xfer->upload_pos += n;
	}
	return n;
}

/*
 * http_seek_cb
 *		Let libcurl rewind the upload when it has to send it again (an
 *		authentication round trip, a reused connection that went away).
 */
static int
http_seek_cb(void *userdata, curl_off_t offset, int origin)
{
	HttpTransfer *xfer = (HttpTransfer *) userdata;

	if (origin != SEEK_SET || offset < 0 ||
		(curl_off_t) xfer->upload_len < offset)
		return CURL_SEEKFUNC_CANTSEEK;
	xfer->upload_pos = (size_t) offset;
	return CURL_SEEKFUNC_OK;
}

/*
 * http_header_is
 *		Whether a raw header line is "name: value" for the given name
 *		(case-insensitively); if so, point at the value with surrounding
 *		whitespace and the line ending trimmed.
 */
static bool
http_header_is(const char *line, size_t len, const char *name,
			   const char **value, size_t *value_len)
{
	size_t		nlen = strlen(name);
	const char *v;
	const char *end;

	if (len <= nlen || line[nlen] != ':' ||
		pg_strncasecmp(line, name, nlen) != 0)
		return false;

	v = line + nlen + 1;
	end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
					   end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*value = v;
	*value_len = end - v;
	return true;
}

/*
 * http_keep_header
 *		Store a header value in a fixed buffer.  A value that does not fit is
 *		dropped rather than cut: a truncated ETag would be worse than none.
 */
static void
http_keep_header(char *dst, size_t dstsize, const char *value, size_t len)
{
	if (len >= dstsize)
		len = 0;
	memcpy(dst, value, len);
	dst[len] = '\0';
}

/*
 * http_header_cb
 *		Record the few response headers the callers use.  Runs inside
 *		libcurl: no ereport, no palloc; fixed buffers only.  A status line
 *		starts a new response (after a 100 Continue, say), so it forgets what
 *		an earlier one said.
 */
static size_t
http_header_cb(char *buffer, size_t size, size_t nitems, void *userdata)
{
	HttpTransfer *xfer = (HttpTransfer *) userdata;
	size_t		n = size * nitems;
	const char *value;
	size_t		value_len;

	if (n >= 5 && strncmp(buffer, "HTTP/", 5) == 0)
	{
		xfer->content_type[0] = '\0';
		xfer->etag[0] = '\0';
		xfer->retry_after[0] = '\0';
	}
	else if (http_header_is(buffer, n, "Content-Type", &value, &value_len))
		http_keep_header(xfer->content_type, sizeof(xfer->content_type),
						 value, value_len);
	else if (http_header_is(buffer, n, "ETag", &value, &value_len))
		http_keep_header(xfer->etag, sizeof(xfer->etag), value, value_len);
	else if (http_header_is(buffer, n, "Retry-After", &value, &value_len))
		http_keep_header(xfer->retry_after, sizeof(xfer->retry_after),
						 value, value_len);

	return n;
}

/*
 * http_progress_cb
 *		Ask libcurl to stop when the backend has a query cancel or a
 *		termination request that CHECK_FOR_INTERRUPTS() will act on.  Other
 *		pending interrupts (a config reload, a barrier) do not stop the
 *		transfer, and while interrupts are held off nothing would be raised,
 *		so aborting then would only fail the request for no reason.  Runs
 *		inside libcurl: it only reads flags.
 */
static int
http_progress_cb(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
				 curl_off_t ultotal, curl_off_t ulnow)
{
	if (InterruptHoldoffCount != 0 || CritSectionCount != 0)
		return 0;
	if (ProcDiePending)
		return 1;
	if (QueryCancelPending && QueryCancelHoldoffCount == 0)
		return 1;
	return 0;
}

/*
 * http_parse_retry_after
 *		Retry-After is either delay-seconds or an HTTP date; return seconds
 *		from now, capped so that a hostile or broken server cannot park a
 *		sync for days, or -1 when the value is neither form.
 */
static double
http_parse_retry_after(const char *value)
{
	double		seconds;

	if (value[0] == '\0')
		return -1;

	if (isdigit((unsigned char) value[0]))
	{
		const char *p = value;

		seconds = 0;
		while (isdigit((unsigned char) *p))
		{
			if (seconds <= HTTP_MAX_RETRY_AFTER)
				seconds = seconds * 10 + (*p - '0');
			p++;
		}
		if (*p != '\0')
			return -1;
	}
	else
	{
		time_t		when = curl_getdate(value, NULL);

		if (when == (time_t) -1)
			return -1;
		seconds = difftime(when, time(NULL));
		if (seconds < 0)
			seconds = 0;
	}

	return Min(seconds, HTTP_MAX_RETRY_AFTER);
}

/*
 * http_set_error
 *		Store a failure message the way PostgreSQL writes them: the first
 *		letter lower case unless it starts a name ("SSL", "OpenSSL"), no
 *		trailing period or newline.  libcurl messages sometimes quote the URL,
 *		and a query string may carry an authorization code or a token, so
 *		anything from a '?' inside a word to the end of that word is replaced
 *		by "?[hidden]".  Header values never reach libcurl's messages.
 */
static void
http_set_error(HttpResponse *resp, const char *msg)
{
	size_t		size = sizeof(resp->error);
	size_t		out = 0;
	const char *p = msg;

	while (*p != '\0' && out < size - 1)
	{
		if (*p == '?' && p > msg && !isspace((unsigned char) p[-1]) &&
			p[1] != '\0' && !isspace((unsigned char) p[1]))
		{
			const char *redacted = "?[hidden]";

			while (*redacted != '\0' && out < size - 1)
				resp->error[out++] = *redacted++;
			p++;
			while (*p != '\0' && !isspace((unsigned char) *p) &&
				   *p != '"' && *p != '\'' && *p != ')' && *p != '>')
				p++;
			continue;
		}
		resp->error[out++] = *p++;
	}
	while (out > 0 && (isspace((unsigned char) resp->error[out - 1]) ||
					   resp->error[out - 1] == '.'))
		out--;
	resp->error[out] = '\0';

	/* "Could not ..." becomes "could not ...", "SSL" and "OpenSSL" stay */
	if (isupper((unsigned char) resp->error[0]))
	{
		const char *w = resp->error + 1;

		while (islower((unsigned char) *w))
			w++;
		if (!isupper((unsigned char) *w) && !isdigit((unsigned char) *w))
			resp->error[0] = tolower((unsigned char) resp->error[0]);
	}
}

/*
 * http_has_scheme
 *		Whether the URL starts with "scheme://".  libcurl guesses http for a
 *		URL without one; refusing instead keeps a forgotten "https://" from
 *		quietly becoming a plain-text request.  Which schemes are allowed is
 *		left to CURLOPT_PROTOCOLS_STR.
 */
static bool
http_has_scheme(const char *url)
{
	const char *p = url;

	if (url == NULL || !isalpha((unsigned char) *p))
		return false;
	while (isalnum((unsigned char) *p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	return strncmp(p, "://", 3) == 0;
}

/*
 * http_map_code
 *		Sort libcurl's result codes into the outcomes callers act on.  The
 *		two that depend on our own flags (write-callback stops and aborts by
 *		the progress callback) are handled by the caller.
 */
static HttpOutcome
http_map_code(CURLcode code)
{
	switch (code)
	{
		case CURLE_OK:
			return HTTP_RESPONSE;
		case CURLE_OPERATION_TIMEDOUT:
			return HTTP_TIMEOUT;
		case CURLE_COULDNT_CONNECT:
			return HTTP_CONNECT_FAILED;
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_RESOLVE_PROXY:
			return HTTP_DNS_FAILED;
		case CURLE_SSL_CONNECT_ERROR:
		case CURLE_SSL_ENGINE_NOTFOUND:
		case CURLE_SSL_ENGINE_SETFAILED:
		case CURLE_SSL_CERTPROBLEM:
		case CURLE_SSL_CIPHER:
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_USE_SSL_FAILED:
		case CURLE_SSL_ENGINE_INITFAILED:
		case CURLE_SSL_CACERT_BADFILE:
		case CURLE_SSL_SHUTDOWN_FAILED:
		case CURLE_SSL_CRL_BADFILE:
		case CURLE_SSL_ISSUER_ERROR:
		case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		case CURLE_SSL_INVALIDCERTSTATUS:
		case CURLE_SSL_CLIENTCERT:
			return HTTP_TLS_FAILED;
		case CURLE_PARTIAL_FILE:
		case CURLE_RECV_ERROR:
		case CURLE_GOT_NOTHING:
			return HTTP_TRUNCATED;
		case CURLE_URL_MALFORMAT:
		case CURLE_UNSUPPORTED_PROTOCOL:
			return HTTP_BAD_URL;
		default:
			return HTTP_FAILED;
	}
}

/*
 * http_session_close
 *		Free a session's handle; it no longer serves requests.
 */
static void
http_session_close(HttpSession *session)
{
	if (session->curl != NULL)
	{
		curl_easy_cleanup(session->curl);
		session->curl = NULL;
	}
	if (http_session == session)
		http_session = NULL;
}

/* Memory context callback: the context a session lives in goes away. */
static void
http_session_on_reset(void *arg)
{
	http_session_close((HttpSession *) arg);
}

/* on_proc_exit callback: a worker's session lasts as long as the process. */
static void
http_session_on_exit(int code, Datum arg)
{
	if (http_session != NULL)
		http_session_close(http_session);
}

/*
 * http_session_begin
 *		Let the requests that follow share one handle, until
 *		http_session_end() or until cxt is reset or deleted, whichever comes
 *		first.  Returns NULL when a session is open already: the outer run's
 *		session serves the inner one too (http_session_end(NULL) does
 *		nothing).
 */
HttpSession *
http_session_begin(MemoryContext cxt)
{
	HttpSession *session;

	if (http_session != NULL)
		return NULL;
	if (!http_exit_callback)
	{
		on_proc_exit(http_session_on_exit, (Datum) 0);
		http_exit_callback = true;
	}
	session = MemoryContextAllocZero(cxt, sizeof(HttpSession));
	session->on_reset.func = http_session_on_reset;
	session->on_reset.arg = session;
	MemoryContextRegisterResetCallback(cxt, &session->on_reset);
	http_session = session;
	return session;
}

/* See http_session_begin. */
void
http_session_end(HttpSession *session)
{
	if (session != NULL)
		http_session_close(session);
}

/*
 * http_transfer_free
 *		Release every curl and malloc'd object of a transfer.  Safe to call
 *		twice: the normal path frees early, the error path frees whatever is
 *		left.  With keep_handle, a session's handle stays with the session,
 *		reset so that nothing of this request (options, pointers into the
 *		transfer) outlives it; otherwise the handle is freed.
 */
static void
http_transfer_free(HttpTransfer *xfer, bool keep_handle)
{
	if (xfer->curl != NULL)
	{
		if (keep_handle && xfer->session != NULL &&
			xfer->session->curl == xfer->curl)
			curl_easy_reset(xfer->curl);
		else
		{
			if (xfer->session != NULL && xfer->session->curl == xfer->curl)
				xfer->session->curl = NULL;
			curl_easy_cleanup(xfer->curl);
		}
		xfer->curl = NULL;
	}
	if (xfer->headers != NULL)
	{
		curl_slist_free_all(xfer->headers);
		xfer->headers = NULL;
	}
	if (xfer->rcpt != NULL)
	{
		curl_slist_free_all(xfer->rcpt);
		xfer->rcpt = NULL;
	}
	if (xfer->buf != NULL)
	{
		free(xfer->buf);
		xfer->buf = NULL;
	}
}

/*
 * http_transfer
 *		Set up, run and read back one transfer.  Called inside PG_TRY: any
 *		ERROR here (out of memory while copying, the interrupt serviced after
 *		an abort) leaves the curl objects to http_perform's PG_CATCH.
 */
static void
http_transfer(const HttpRequest *req, HttpResponse *resp, HttpTransfer *xfer)
{
	const char *method = req->method ? req->method : "GET";
	bool		mail = pg_strcasecmp(method, "MAIL") == 0;
	const char *protocols = mail ? HTTP_MAIL_PROTOCOLS : HTTP_PROTOCOLS;
	CURLcode	rc = CURLE_OK;
	long		timeout_ms;
	long		connect_timeout_ms;
	long		status = 0;
	bool		aborted;
	instr_time	start;
	instr_time	duration;

	if (!http_has_scheme(req->url))
	{
		resp->outcome = HTTP_BAD_URL;
		http_set_error(resp,
					   "url has no scheme (expected http:// or https://)");
		return;
	}

	/* the session's handle, or a new one (then the session's from now) */
	if (xfer->session != NULL && xfer->session->curl != NULL)
		xfer->curl = xfer->session->curl;
	else
	{
		xfer->curl = curl_easy_init();
		if (xfer->session != NULL)
			xfer->session->curl = xfer->curl;
	}
	if (xfer->curl == NULL)
	{
		resp->outcome = HTTP_FAILED;
		http_set_error(resp, "could not create a libcurl handle");
		return;
	}

	/* request headers; a line break in one would smuggle in another */
	if (req->headers != NULL)
	{
		int			i;

		for (i = 0; req->headers[i] != NULL; i++)
		{
			struct curl_slist *list;

			if (strpbrk(req->headers[i], "\r\n") != NULL)
			{
				resp->outcome = HTTP_FAILED;
				snprintf(resp->error, sizeof(resp->error),
						 "request header %d contains a line break", i + 1);
				return;
			}
			list = curl_slist_append(xfer->headers, req->headers[i]);
			if (list == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_OUT_OF_MEMORY),
						 errmsg("out of memory"),
						 errdetail("Could not build the request headers.")));
			xfer->headers = list;
		}
	}

	timeout_ms = req->timeout_ms > 0 ? req->timeout_ms :
		(long) tracker_http_timeout_ms;
	connect_timeout_ms = req->connect_timeout_ms > 0 ?
		req->connect_timeout_ms : (long) tracker_http_connect_timeout_ms;

	/* no signals: PostgreSQL owns SIGALRM and the other handlers */
	HTTP_SETOPT(xfer, rc, CURLOPT_NOSIGNAL, 1L);
	HTTP_SETOPT(xfer, rc, CURLOPT_ERRORBUFFER, xfer->errbuf);
	HTTP_SETOPT(xfer, rc, CURLOPT_URL, req->url);
	HTTP_SETOPT(xfer, rc, CURLOPT_PROTOCOLS_STR, protocols);
	HTTP_SETOPT(xfer, rc, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
	/* the APIs do not redirect, and a token request must never be */
	HTTP_SETOPT(xfer, rc, CURLOPT_FOLLOWLOCATION, 0L);
	HTTP_SETOPT(xfer, rc, CURLOPT_SSL_VERIFYPEER, 1L);
	HTTP_SETOPT(xfer, rc, CURLOPT_SSL_VERIFYHOST, 2L);
	HTTP_SETOPT(xfer, rc, CURLOPT_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2);
	HTTP_SETOPT(xfer, rc, CURLOPT_TIMEOUT_MS, timeout_ms);
	HTTP_SETOPT(xfer, rc, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
	HTTP_SETOPT(xfer, rc, CURLOPT_USERAGENT, HTTP_USER_AGENT);
	/* every encoding libcurl decodes; the size limit is on decoded bytes */
	HTTP_SETOPT(xfer, rc, CURLOPT_ACCEPT_ENCODING, "");
	HTTP_SETOPT(xfer, rc, CURLOPT_WRITEFUNCTION, http_write_cb);
	HTTP_SETOPT(xfer, rc, CURLOPT_WRITEDATA, xfer);
	HTTP_SETOPT(xfer, rc, CURLOPT_HEADERFUNCTION, http_header_cb);
	HTTP_SETOPT(xfer, rc, CURLOPT_HEADERDATA, xfer);
	HTTP_SETOPT(xfer, rc, CURLOPT_XFERINFOFUNCTION, http_progress_cb);
	HTTP_SETOPT(xfer, rc, CURLOPT_XFERINFODATA, xfer);
	HTTP_SETOPT(xfer, rc, CURLOPT_NOPROGRESS, 0L);
	if (xfer->headers != NULL)
		HTTP_SETOPT(xfer, rc, CURLOPT_HTTPHEADER, xfer->headers);

	if (req->aws_sigv4 != NULL)
		HTTP_SETOPT(xfer, rc, CURLOPT_AWS_SIGV4, req->aws_sigv4);
	if (req->userpwd != NULL)
		HTTP_SETOPT(xfer, rc, CURLOPT_USERPWD, req->userpwd);
	if (req->ca_file != NULL)
		HTTP_SETOPT(xfer, rc, CURLOPT_CAINFO, req->ca_file);

	if (mail)
	{
		int			i;

		/*
		 * The message is uploaded like a PUT body.  Over smtp:// the
		 * connection must turn to TLS (STARTTLS) before anything else,
		 * credentials included, unless the caller explicitly said not to.
		 */
		for (i = 0; req->mail_rcpt != NULL && req->mail_rcpt[i] != NULL; i++)
		{
			struct curl_slist *list;

			if (strpbrk(req->mail_rcpt[i], "\r\n") != NULL)
			{
				resp->outcome = HTTP_FAILED;
				http_set_error(resp, "mail recipient contains a line break");
				return;
			}
			list = curl_slist_append(xfer->rcpt, req->mail_rcpt[i]);
			if (list == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_OUT_OF_MEMORY),
						 errmsg("out of memory"),
						 errdetail("Could not build the mail recipients.")));
			xfer->rcpt = list;
		}
		if (xfer->rcpt == NULL || req->mail_from == NULL ||
			strpbrk(req->mail_from, "\r\n") != NULL)
		{
			resp->outcome = HTTP_FAILED;
			http_set_error(resp, "mail needs a sender and at least one recipient");
			return;
		}
		xfer->upload = req->body ? req->body : "";
		xfer->upload_len = req->body ? req->body_len : 0;
		xfer->upload_pos = 0;
		HTTP_SETOPT(xfer, rc, CURLOPT_MAIL_FROM, req->mail_from);
		HTTP_SETOPT(xfer, rc, CURLOPT_MAIL_RCPT, xfer->rcpt);
		HTTP_SETOPT(xfer, rc, CURLOPT_USE_SSL,
					req->mail_plain ? (long) CURLUSESSL_NONE : (long) CURLUSESSL_ALL);
		HTTP_SETOPT(xfer, rc, CURLOPT_UPLOAD, 1L);
		HTTP_SETOPT(xfer, rc, CURLOPT_READFUNCTION, http_read_cb);
		HTTP_SETOPT(xfer, rc, CURLOPT_READDATA, xfer);
		HTTP_SETOPT(xfer, rc, CURLOPT_INFILESIZE_LARGE,
					(curl_off_t) xfer->upload_len);
	}
	else if (pg_strcasecmp(method, "GET") == 0)
		HTTP_SETOPT(xfer, rc, CURLOPT_HTTPGET, 1L);
	else if (pg_strcasecmp(method, "HEAD") == 0)
		HTTP_SETOPT(xfer, rc, CURLOPT_NOBODY, 1L);
	else if (pg_strcasecmp(method, "POST") == 0 ||
			 pg_strcasecmp(method, "DELETE") == 0 ||
			 (pg_strcasecmp(method, "PUT") == 0 && req->aws_sigv4 != NULL))
	{
		/*
		 * POST always carries a body, even an empty one.  DELETE carries one
		 * only when given.  A signed PUT goes the same way because libcurl's
		 * SigV4 hashes CURLOPT_POSTFIELDS and would sign an upload's body as
		 * empty.
		 */
		if (pg_strcasecmp(method, "DELETE") != 0 || req->body != NULL)
		{
			HTTP_SETOPT(xfer, rc, CURLOPT_POSTFIELDSIZE_LARGE,
						(curl_off_t) (req->body ? req->body_len : 0));
			HTTP_SETOPT(xfer, rc, CURLOPT_POSTFIELDS,
						req->body ? req->body : "");
		}
		if (pg_strcasecmp(method, "POST") != 0)
			HTTP_SETOPT(xfer, rc, CURLOPT_CUSTOMREQUEST,
						pg_strcasecmp(method, "PUT") == 0 ? "PUT" : "DELETE");
	}
	else if (pg_strcasecmp(method, "PUT") == 0)
	{
		xfer->upload = req->body ? req->body : "";
		xfer->upload_len = req->body ? req->body_len : 0;
		xfer->upload_pos = 0;
		HTTP_SETOPT(xfer, rc, CURLOPT_UPLOAD, 1L);
		HTTP_SETOPT(xfer, rc, CURLOPT_READFUNCTION, http_read_cb);
		HTTP_SETOPT(xfer, rc, CURLOPT_READDATA, xfer);
		HTTP_SETOPT(xfer, rc, CURLOPT_SEEKFUNCTION, http_seek_cb);
		HTTP_SETOPT(xfer, rc, CURLOPT_SEEKDATA, xfer);
		HTTP_SETOPT(xfer, rc, CURLOPT_INFILESIZE_LARGE,
					(curl_off_t) xfer->upload_len);
	}
	else
	{
		resp->outcome = HTTP_FAILED;
		http_set_error(resp, "unsupported http method");
		return;
	}

	if (rc != CURLE_OK)
	{
		char		msg[sizeof(resp->error)];

		resp->outcome = HTTP_FAILED;
		snprintf(msg, sizeof(msg), "could not configure the request: %s",
				 curl_easy_strerror(rc));
		http_set_error(resp, msg);
		return;
	}

	/* the transfer itself; nothing in here may longjmp */
	pgstat_report_wait_start(PG_WAIT_EXTENSION);
	INSTR_TIME_SET_CURRENT(start);
	rc = curl_easy_perform(xfer->curl);
	INSTR_TIME_SET_CURRENT(duration);
	pgstat_report_wait_end();

	INSTR_TIME_SUBTRACT(duration, start);
	resp->elapsed_ms = INSTR_TIME_GET_MILLISEC(duration);
	if (curl_easy_getinfo(xfer->curl, CURLINFO_RESPONSE_CODE,
						  &status) == CURLE_OK)
		resp->status = status;

	/* copy what the callbacks gathered into palloc'd memory */
	if (rc == CURLE_OK && xfer->len > 0)
	{
		resp->body = palloc(xfer->len + 1);
		memcpy(resp->body, xfer->buf, xfer->len);
		resp->body[xfer->len] = '\0';
		resp->body_len = xfer->len;
	}
	if (xfer->content_type[0] != '\0')
		resp->content_type = pstrdup(xfer->content_type);
	if (xfer->etag[0] != '\0')
		resp->etag = pstrdup(xfer->etag);
	resp->retry_after = http_parse_retry_after(xfer->retry_after);

	aborted = (rc == CURLE_ABORTED_BY_CALLBACK);
	if (rc == CURLE_WRITE_ERROR && xfer->out_of_memory)
	{
		http_transfer_free(xfer, false);
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Could not buffer the HTTP response body.")));
	}
	else if (rc == CURLE_WRITE_ERROR && xfer->too_large)
	{
		resp->outcome = HTTP_TOO_LARGE;
		snprintf(resp->error, sizeof(resp->error),
				 "response body exceeds the limit of %zu bytes", xfer->limit);
	}
	else if (aborted)
	{
		resp->outcome = HTTP_FAILED;
		http_set_error(resp, "request canceled");
	}
	else
	{
		resp->outcome = http_map_code(rc);
		if (rc != CURLE_OK)
			http_set_error(resp, xfer->errbuf[0] != '\0' ?
						   xfer->errbuf : curl_easy_strerror(rc));
	}

	/*
	 * The buffers go before any interrupt is serviced, and so does the
	 * handle of an aborted transfer; any other keeps its connections.
	 */
	http_transfer_free(xfer, !aborted);

	if (aborted)
		CHECK_FOR_INTERRUPTS();
}

/*
 * http_perform
 *		Run one request, with the session's handle when one is open.
 *		Network and server failures come back in resp; only query cancel,
 *		termination and out-of-memory raise, and never with a curl object
 *		of the request still allocated (a session's handle included).
 */
void
http_perform(const HttpRequest *req, HttpResponse *resp)
{
	HttpTransfer *xfer;
	size_t		limit;

	http_init();

	memset(resp, 0, sizeof(*resp));
	resp->outcome = HTTP_FAILED;
	resp->status = 0;
	resp->body = palloc0(1);
	resp->body_len = 0;
	resp->content_type = NULL;
	resp->retry_after = -1;
	resp->etag = NULL;
	resp->elapsed_ms = 0;
	resp->error[0] = '\0';

	/* the body is copied into one palloc chunk, so it must fit in one */
	limit = req->max_response_bytes > 0 ? req->max_response_bytes :
		(tracker_max_response_size > 0 ? (size_t) tracker_max_response_size :
		 MaxAllocSize - 1);
	limit = Min(limit, (size_t) (MaxAllocSize - 1));

	xfer = calloc(1, sizeof(HttpTransfer));
	if (xfer == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	xfer->limit = limit;
	xfer->session = http_session;

	PG_TRY();
	{
		http_transfer(req, resp, xfer);
	}
	PG_CATCH();
	{
		pgstat_report_wait_end();
		http_transfer_free(xfer, false);
		free(xfer);
		PG_RE_THROW();
	}
	PG_END_TRY();
	http_transfer_free(xfer, true);
	free(xfer);
}
