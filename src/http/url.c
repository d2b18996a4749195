/*-------------------------------------------------------------------------
 *
 * url.c
 *	  URLs: percent-encoding for query strings, forms and S3 keys, and
 *	  requests as logs, bronze and messages show them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "http/http.h"

/*
 * percent_encode
 *		Percent-encode everything but RFC 3986's unreserved characters (and
 *		'/' with keep_slash, as S3 object keys in a SigV4 path want), with
 *		upper-case hex digits.
 */
char *
percent_encode(const char *s, bool keep_slash)
{
	StringInfoData buf;
	const unsigned char *p;

	initStringInfo(&buf);
	for (p = (const unsigned char *) s; *p; p++)
	{
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			(*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
			*p == '_' || *p == '~' || (keep_slash && *p == '/'))
			appendStringInfoChar(&buf, (char) *p);
		else
			appendStringInfo(&buf, "%%%02X", *p);
	}
	return buf.data;
}

/* A query value or form field. */
char *
url_encode(const char *s)
{
	return percent_encode(s, false);
}

PG_FUNCTION_INFO_V1(tracker_url_encode);

/*
 * tracker_url_encode
 *		tracker.url_encode(value): url_encode for SQL (tracker.authorize_url).
 */
Datum
tracker_url_encode(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(url_encode(text_to_cstring(PG_GETARG_TEXT_PP(0)))));
}

/*
 * request_display
 *		Method and URL of a request for logs, bronze and messages.  Tokens
 *		travel in headers and form bodies, but some APIs take a key in the
 *		query string: the values of such parameters are hidden.
 */
char *
request_display(const HttpRequest *req)
{
	static const char *const secret_params[] = {"api_key=", "key=", "token=",
	"access_token=", "client_secret=", "password=", NULL};
	StringInfoData buf;
	const char *p = req->url;
	const char *q = strchr(req->url, '?');

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s ", req->method ? req->method : "GET");
	if (q == NULL)
	{
		appendStringInfoString(&buf, req->url);
		return buf.data;
	}
	appendBinaryStringInfo(&buf, p, q - p + 1);
	p = q + 1;
	while (*p)
	{
		const char *end = strchr(p, '&');
		size_t		len = end ? (size_t) (end - p) : strlen(p);
		bool		secret = false;
		int			i;

		for (i = 0; secret_params[i]; i++)
			if (strncmp(p, secret_params[i], strlen(secret_params[i])) == 0)
				secret = true;
		if (secret)
		{
			const char *eq = strchr(p, '=');

			appendBinaryStringInfo(&buf, p, eq - p + 1);
			appendStringInfoString(&buf, "[hidden]");
		}
		else
			appendBinaryStringInfo(&buf, p, len);
		if (!end)
			break;
		appendStringInfoChar(&buf, '&');
		p = end + 1;
	}
	return buf.data;
}
