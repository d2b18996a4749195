/*-------------------------------------------------------------------------
 *
 * s3.c
 *	  Requests to Amazon S3 or an S3-compatible store, signed with AWS
 *	  Signature Version 4 through libcurl, and the XML the archive reads.
 *
 * libcurl signs requests itself (CURLOPT_AWS_SIGV4, credentials in
 * CURLOPT_USERPWD), with three gaps that S3 does not forgive:
 *
 *	- libcurl 7.88 does not add x-amz-content-sha256, which S3 requires
 *	  and which is part of the signature, so every request carries it:
 *	  the SHA-256 of the body, that of the empty string for bodiless ones;
 *	- libcurl signs the query string as written, while S3 recomputes the
 *	  canonical form (parameters sorted, values RFC 3986-encoded, "k="
 *	  for a parameter without a value), so every query string here is
 *	  built already in that form;
 *	- a PUT body passed as an upload would be signed as empty: http.c
 *	  sends signed PUTs through POSTFIELDS with a custom method instead.
 *
 * The XML of S3 answers is read by s3_xml.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "executor/spi.h"
#include "miscadmin.h"

#include "common/common.h"
#include "http/http.h"
#include "tracker.h"

/* The slowest transfer rate a request is given time for, in bytes/s. */
#define S3_MIN_RATE (256 * 1024)

/* SHA-256 of the empty string: the x-amz-content-sha256 of bodiless requests. */
#define S3_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Longest listing page Tracker accepts, and the most pages it follows. */
#define S3_LIST_MAX_PAGES 100000

static char *s3_url(const S3Config *cfg, const char *key, const char *query);
static bool s3_transient(const HttpResponse *resp);
static char *s3_reason(const S3Result *res);
static char *s3_etag_normalize(const char *etag);

/*
 * s3_config_load
 *		Read the archive's settings (SPI must be connected).  The values are
 *		allocated in the current memory context.  Without a configuration,
 *		returns false when missing_ok, else raises an error saying how to
 *		give one.
 */
bool
s3_config_load(S3Config *cfg, bool missing_ok)
{
	int			rc;
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	MemoryContext cxt = CurrentMemoryContext;

	rc = SPI_execute("SELECT endpoint, bucket, region, access_key, secret_key, "
					 " prefix, path_style FROM tracker.s3_config",
					 false, 1);
	/* SPI leaves us in its own context: the values go where the caller was */
	MemoryContextSwitchTo(cxt);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the S3 configuration: %s",
			 SPI_result_code_string(rc));
	if (SPI_processed == 0)
	{
		bool		has_target;

		if (missing_ok)
			return false;

		/* After a restore the bucket is known but its keys are not. */
		rc = SPI_execute("SELECT 1 FROM tracker.s3_target", false, 1);
		MemoryContextSwitchTo(cxt);
		has_target = (rc == SPI_OK_SELECT && SPI_processed > 0);
		if (has_target)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the S3 keys are not set"),
					 errdetail("The archive's bucket is configured, but its keys are not part of a dump and were not set again."),
					 errhint("Call tracker.set_s3_keys() with the access key and the secret key of the archive.")));
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("S3 is not configured"),
				 errhint("Call tracker.set_s3() with the endpoint, bucket, region and keys of the archive.")));
	}
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	cfg->endpoint = SPI_getvalue(tup, desc, 1);
	cfg->bucket = SPI_getvalue(tup, desc, 2);
	cfg->region = SPI_getvalue(tup, desc, 3);
	cfg->access_key = SPI_getvalue(tup, desc, 4);
	cfg->secret_key = SPI_getvalue(tup, desc, 5);
	cfg->prefix = SPI_getvalue(tup, desc, 6);
	cfg->path_style = DatumGetBool(SPI_getbinval(tup, desc, 7, &isnull));
	if (cfg->prefix == NULL)
		cfg->prefix = pstrdup("");
	SPI_freetuptable(SPI_tuptable);
	return true;
}

/*
 * s3_location
 *		How messages name the archive: s3://bucket/prefix.  Never a key.
 */
char *
s3_location(const S3Config *cfg)
{
	return psprintf("s3://%s/%s", cfg->bucket, cfg->prefix);
}

/*
 * s3_url
 *		The URL of a bucket (key NULL) or an object.  Path style puts the
 *		bucket in the path, as MinIO and most test servers want; virtual-
 *		hosted style puts it in the host name, as AWS prefers.  A bucket
 *		request has no trailing slash in path style: the path is part of
 *		the signature and S3 canonicalizes it as "/bucket".
 */
static char *
s3_url(const S3Config *cfg, const char *key, const char *query)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (cfg->path_style)
	{
		appendStringInfo(&buf, "%s/%s", cfg->endpoint, cfg->bucket);
		if (key != NULL)
			appendStringInfo(&buf, "/%s", percent_encode(key, true));
	}
	else
	{
		const char *host = strstr(cfg->endpoint, "://");

		Assert(host != NULL);
		host += 3;
		appendBinaryStringInfo(&buf, cfg->endpoint, host - cfg->endpoint);
		appendStringInfo(&buf, "%s.%s/", cfg->bucket, host);
		if (key != NULL)
			appendStringInfoString(&buf, percent_encode(key, true));
	}
	if (query != NULL)
		appendStringInfo(&buf, "?%s", query);
	return buf.data;
}

/*
 * s3_transient
 *		What may pass if asked again: the network failing part-way, S3
 *		asking to slow down (503 SlowDown, 429), and server errors.
 */
static bool
s3_transient(const HttpResponse *resp)
{
	if (resp->outcome != HTTP_RESPONSE)
		return resp->outcome == HTTP_TIMEOUT ||
			resp->outcome == HTTP_CONNECT_FAILED ||
			resp->outcome == HTTP_DNS_FAILED ||
			resp->outcome == HTTP_TRUNCATED;
	return resp->status == 429 || resp->status == 500 ||
		resp->status == 502 || resp->status == 503 || resp->status == 504;
}

/*
 * s3_reason
 *		One line saying how a request ended, for messages and the log.
 */
static char *
s3_reason(const S3Result *res)
{
	const HttpResponse *h = &res->http;

	if (h->outcome != HTTP_RESPONSE)
		return psprintf("%s: %s", http_outcome_name(h->outcome), h->error);
	if (res->code != NULL)
		return psprintf("HTTP %ld %s", h->status, res->code);
	return psprintf("HTTP %ld", h->status);
}

/*
 * s3_request
 *		Sign and send one request, retrying what may pass.  The query must
 *		already be canonical (sorted keys, encoded values, "k=" for a bare
 *		subresource).  headers are extra "Name: value" lines, signed with
 *		the rest.  max_response of 0 keeps tracker.max_response_size.
 *		Never raises for the network or the server (see s3.h).
 */
void
s3_request(const S3Config *cfg, const char *method, const char *key,
		   const char *query, const char *const *headers, const char *body,
		   size_t body_len, size_t max_response, S3Result *res)
{
	HttpRequest req;
	const char *all[16];
	char		sha[SHA256_HEX_SIZE];
	char	   *userpwd;
	int			n = 0;
	int			attempt;
	int64		bytes;

	memset(res, 0, sizeof(*res));
	if (body != NULL)
		sha256_hex(body, body_len, sha);
	else
		strlcpy(sha, S3_EMPTY_SHA256, sizeof(sha));
	all[n++] = psprintf("x-amz-content-sha256: %s", sha);
	while (headers != NULL && headers[n - 1] != NULL && n < 15)
	{
		all[n] = headers[n - 1];
		n++;
	}
	all[n] = NULL;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = s3_url(cfg, key, query);
	req.headers = all;
	req.body = body;
	req.body_len = body != NULL ? body_len : 0;
	req.max_response_bytes = max_response;
	req.aws_sigv4 = psprintf("aws:amz:%s:s3", cfg->region);

	/* Large bodies get the time they need at a modest rate. */
	bytes = (int64) req.body_len + (int64) max_response;
	req.timeout_ms = (long) Min((int64) tracker_http_timeout_ms +
								bytes * 1000 / S3_MIN_RATE,
								(int64) 24 * 3600 * 1000);
	res->request = request_display(&req);

	userpwd = psprintf("%s:%s", cfg->access_key, cfg->secret_key);
	req.userpwd = userpwd;
	PG_TRY();
	{
		for (attempt = 0;; attempt++)
		{
			long		wait;

			CHECK_FOR_INTERRUPTS();
			http_perform(&req, &res->http);
			res->attempts = attempt + 1;
			elog(DEBUG1, "S3 %s: %s in %.0f ms", res->request,
				 res->http.outcome == HTTP_RESPONSE ?
				 psprintf("HTTP %ld", res->http.status) :
				 http_outcome_name(res->http.outcome),
				 res->http.elapsed_ms);
			if (!s3_transient(&res->http) || attempt >= tracker_max_retries)
				break;
			wait = retry_delay_ms(attempt, res->http.retry_after, true);
			ereport(LOG,
					(errmsg("S3 request %s failed (%s); retrying in %ld ms",
							res->request,
							res->http.outcome == HTTP_RESPONSE ?
							psprintf("HTTP %ld", res->http.status) :
							psprintf("%s: %s", http_outcome_name(res->http.outcome),
									 res->http.error),
							wait)));
			fetch_sleep_ms(wait);
		}
	}
	PG_FINALLY();
	{
		/* the credentials do not outlive the request */
		explicit_bzero(userpwd, strlen(userpwd));
	}
	PG_END_TRY();

	/* S3 explains failures in an <Error> document. */
	if (res->http.outcome == HTTP_RESPONSE && res->http.status >= 300 &&
		res->http.body_len > 0)
	{
		const char *b = res->http.body;
		const char *e = b + res->http.body_len;
		const char *os,
				   *is,
				   *ie,
				   *oe;

		if (s3_xml_element(b, e, "Error", &os, &is, &ie, &oe))
		{
			res->code = s3_xml_child_text(is, ie, "Code");
			res->message = s3_xml_child_text(is, ie, "Message");
		}
	}
}

/*
 * s3_ok
 *		Whether a request ended with a 2xx answer.
 */
bool
s3_ok(const S3Result *res)
{
	return res->http.outcome == HTTP_RESPONSE &&
		res->http.status >= 200 && res->http.status < 300;
}

/*
 * s3_raise
 *		Turn a failed request into the error a person can act on: the
 *		network, the credentials, the bucket, the region, or the store
 *		itself, each with what to check.  what says what Tracker was doing
 *		("list the archive").
 */
void
s3_raise(const S3Config *cfg, const char *what, const S3Result *res)
{
	const HttpResponse *h = &res->http;
	const char *code = res->code ? res->code : "";
	const char *message = res->message ? res->message : "";

	if (h->outcome != HTTP_RESPONSE)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("could not reach S3 at \"%s\"", cfg->endpoint),
				 errdetail("While trying to %s, %s failed after %d attempt%s: %s.",
						   what, res->request, res->attempts,
						   res->attempts == 1 ? "" : "s", s3_reason(res)),
				 errhint("Check the endpoint given to tracker.set_s3() and the network; a scheduled archive tries again later.")));

	if (strcmp(code, "SignatureDoesNotMatch") == 0 ||
		strcmp(code, "InvalidAccessKeyId") == 0 ||
		strcmp(code, "InvalidToken") == 0 ||
		strcmp(code, "ExpiredToken") == 0 ||
		strcmp(code, "InvalidSecurity") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("S3 refused the credentials for bucket \"%s\"", cfg->bucket),
				 errdetail("While trying to %s, %s answered HTTP %ld %s: %s",
						   what, res->request, h->status, code, message),
				 errhint("Check the access key and the secret key given to tracker.set_s3().")));

	if (strcmp(code, "AuthorizationHeaderMalformed") == 0 ||
		strcmp(code, "PermanentRedirect") == 0 ||
		strcmp(code, "IllegalLocationConstraintException") == 0 ||
		h->status == 301)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("S3 bucket \"%s\" is not served in region \"%s\" at \"%s\"",
						cfg->bucket, cfg->region, cfg->endpoint),
				 errdetail("While trying to %s, %s answered HTTP %ld %s: %s",
						   what, res->request, h->status, code, message),
				 errhint("Give the bucket's own region, and its regional endpoint, to tracker.set_s3().")));

	if (strcmp(code, "AccessDenied") == 0 ||
		(h->status == 403 && res->code == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("S3 denied access to bucket \"%s\"", cfg->bucket),
				 errdetail("While trying to %s, %s answered HTTP %ld%s%s.",
						   what, res->request, h->status,
						   res->code ? " " : "", code),
				 errhint("The access key needs s3:ListBucket, s3:GetObject and s3:PutObject on the bucket, and s3:GetLifecycleConfiguration and s3:PutLifecycleConfiguration for tracker.apply_s3_lifecycle().")));

	if (strcmp(code, "NoSuchBucket") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("S3 bucket \"%s\" does not exist at \"%s\"",
						cfg->bucket, cfg->endpoint),
				 errdetail("While trying to %s, %s answered HTTP %ld NoSuchBucket.",
						   what, res->request, h->status),
				 errhint("Create the bucket, or give its name to tracker.set_s3().")));

	if (h->status >= 500 || h->status == 429)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("S3 failed to serve a request at \"%s\"", cfg->endpoint),
				 errdetail("While trying to %s, %s failed after %d attempt%s; the last answer was HTTP %ld%s%s%s%s.",
						   what, res->request, res->attempts,
						   res->attempts == 1 ? "" : "s", h->status,
						   res->code ? " " : "", code,
						   res->message ? ": " : "", message),
				 errhint("The store may be overloaded or down; a scheduled archive tries again later.")));

	ereport(ERROR,
			(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
			 errmsg("S3 refused a request for bucket \"%s\"", cfg->bucket),
			 errdetail("While trying to %s, %s answered HTTP %ld%s%s%s%s.",
					   what, res->request, h->status,
					   res->code ? " " : "", code,
					   res->message ? ": " : "", message)));
	pg_unreachable();
}

/*
 * s3_etag_normalize
 *		An ETag without its quotes, in lower case.
 */
static char *
s3_etag_normalize(const char *etag)
{
	const char *s = etag;
	size_t		len;
	char	   *out;
	size_t		i;

	if (etag == NULL)
		return NULL;
	if (strncmp(s, "W/", 2) == 0)
		s += 2;
	len = strlen(s);
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"')
	{
		s++;
		len -= 2;
	}
	out = pnstrdup(s, len);
	for (i = 0; i < len; i++)
		out[i] = (char) tolower((unsigned char) out[i]);
	return out;
}

/*
 * content_md5_header
 *		The Content-MD5 header of a body whose MD5 is md5_hex: S3 refuses a
 *		body damaged on the way, and requires it on lifecycle writes.
 */
static char *
content_md5_header(const char *md5_hex)
{
	uint8		md5[16];

	if (!hex_to_bytes(md5_hex, md5, sizeof(md5)))
		elog(ERROR, "malformed MD5 digest");
	return psprintf("Content-MD5: %s", base64_string((const char *) md5, sizeof(md5)));
}

/*
 * s3_put_object
 *		Upload one object.  Content-MD5 makes S3 refuse a body damaged on
 *		the way; the object's SHA-256 travels as metadata, so that anyone
 *		can check an object against its manifest with a HEAD.  Raises on
 *		failure; the caller verifies the result.
 */
void
s3_put_object(const S3Config *cfg, const char *key, const char *body,
			  size_t len, const char *content_type, const char *sha256_hex,
			  const char *md5_hex)
{
	const char *headers[4];
	S3Result	res;

	headers[0] = psprintf("Content-Type: %s", content_type);
	headers[1] = content_md5_header(md5_hex);
	headers[2] = psprintf("x-amz-meta-sha256: %s", sha256_hex);
	headers[3] = NULL;
	s3_request(cfg, "PUT", key, NULL, headers, body, len, 0, &res);
	if (!s3_ok(&res))
		s3_raise(cfg, psprintf("upload \"%s\"", key), &res);
}

/*
 * s3_head_etag
 *		Whether an object exists, and its ETag.  Raises on anything but 200
 *		and 404.
 */
bool
s3_head_etag(const S3Config *cfg, const char *key, char **etag)
{
	S3Result	res;

	s3_request(cfg, "HEAD", key, NULL, NULL, NULL, 0, 0, &res);
	if (res.http.outcome == HTTP_RESPONSE && res.http.status == 404)
		return false;
	if (!s3_ok(&res))
		s3_raise(cfg, psprintf("check \"%s\"", key), &res);
	*etag = s3_etag_normalize(res.http.etag);
	return true;
}

/*
 * s3_list
 *		Every object under a prefix (ListObjectsV2, following continuation
 *		tokens), as S3Object *.  Raises on failure.
 */
List *
s3_list(const S3Config *cfg, const char *prefix)
{
	List	   *out = NIL;
	char	   *token = NULL;
	int			pages;

	for (pages = 0; pages < S3_LIST_MAX_PAGES; pages++)
	{
		S3Result	res;
		char	   *query;
		const char *p;
		const char *end;
		const char *list_end;
		const char *os,
				   *is,
				   *ie,
				   *oe;
		char	   *truncated;
		char	   *next;

		CHECK_FOR_INTERRUPTS();
		if (token != NULL)
			query = psprintf("continuation-token=%s&list-type=2&prefix=%s",
							 percent_encode(token, false),
							 percent_encode(prefix, false));
		else
			query = psprintf("list-type=2&prefix=%s",
							 percent_encode(prefix, false));
		s3_request(cfg, "GET", NULL, query, NULL, NULL, 0, 0, &res);
		if (!s3_ok(&res))
			s3_raise(cfg, "list the archive", &res);

		p = res.http.body;
		end = p + res.http.body_len;
		if (!s3_xml_element(p, end, "ListBucketResult", &os, &is, &ie, &oe))
			ereport(ERROR,
					(errcode(ERRCODE_PROTOCOL_VIOLATION),
					 errmsg("S3 answered a listing with something else"),
					 errdetail("%s returned no ListBucketResult document.",
							   res.request)));
		list_end = ie;
		p = is;
		while (s3_xml_element(p, list_end, "Contents", &os, &is, &ie, &oe))
		{
			S3Object   *o = palloc0(sizeof(S3Object));
			char	   *size;

			o->key = s3_xml_child_text(is, ie, "Key");
			size = s3_xml_child_text(is, ie, "Size");
			o->etag = s3_etag_normalize(s3_xml_child_text(is, ie, "ETag"));
			o->storage_class = s3_xml_child_text(is, ie, "StorageClass");
			if (o->storage_class == NULL)
				o->storage_class = pstrdup("STANDARD");
			if (o->key == NULL || size == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_PROTOCOL_VIOLATION),
						 errmsg("S3 answered a listing with an entry without a key or a size")));
			o->size = strtoll(size, NULL, 10);
			out = lappend(out, o);
			p = oe;
		}

		truncated = s3_xml_child_text(res.http.body, end, "IsTruncated");
		if (truncated == NULL || strcmp(truncated, "true") != 0)
			return out;
		next = s3_xml_child_text(res.http.body, end, "NextContinuationToken");
		if (next == NULL || next[0] == '\0' ||
			(token != NULL && strcmp(next, token) == 0))
			ereport(ERROR,
					(errcode(ERRCODE_PROTOCOL_VIOLATION),
					 errmsg("S3 answered a truncated listing without a new continuation token"),
					 errdetail("%s said IsTruncated but gave no usable NextContinuationToken.",
							   res.request)));
		token = next;
	}
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("listing of \"%s\" has more than %d pages", prefix,
					S3_LIST_MAX_PAGES)));
	return NIL;
}

/*
 * s3_find
 *		The listed object with this key, or NULL.
 */
S3Object *
s3_find(List *objects, const char *key)
{
	ListCell   *lc;

	foreach(lc, objects)
	{
		S3Object   *o = (S3Object *) lfirst(lc);

		if (strcmp(o->key, key) == 0)
			return o;
	}
	return NULL;
}

/*
 * s3_get_lifecycle
 *		The bucket's lifecycle configuration document, or NULL when it has
 *		none.  A store without lifecycle support gets a clear error rather
 *		than a merge against nothing.
 */
char *
s3_get_lifecycle(const S3Config *cfg)
{
	S3Result	res;

	s3_request(cfg, "GET", NULL, "lifecycle=", NULL, NULL, 0, 0, &res);
	if (res.http.outcome == HTTP_RESPONSE && res.http.status == 404 &&
		res.code != NULL && strcmp(res.code, "NoSuchLifecycleConfiguration") == 0)
		return NULL;
	if (res.http.outcome == HTTP_RESPONSE && res.http.status == 501)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the S3 store at \"%s\" does not support lifecycle configurations",
						cfg->endpoint),
				 errdetail("%s answered HTTP 501%s%s.", res.request,
						   res.code ? " " : "", res.code ? res.code : ""),
				 errhint("Deep Archive transitions are an AWS feature; on MinIO, configure a remote tier first (mc ilm tier add).")));
	if (!s3_ok(&res))
		s3_raise(cfg, "read the bucket's lifecycle configuration", &res);
	return res.http.body;
}

/*
 * s3_put_lifecycle
 *		Replace the bucket's lifecycle configuration.  S3 requires
 *		Content-MD5 on this request.
 */
void
s3_put_lifecycle(const S3Config *cfg, const char *xml)
{
	const char *headers[3];
	S3Result	res;
	size_t		len = strlen(xml);

	headers[0] = "Content-Type: application/xml";
	headers[1] = content_md5_header(md5_hex(xml, len));
	headers[2] = NULL;
	s3_request(cfg, "PUT", NULL, "lifecycle=", headers, xml, len, 0, &res);
	if (res.http.outcome == HTTP_RESPONSE && res.http.status == 501)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the S3 store at \"%s\" does not support lifecycle configurations",
						cfg->endpoint)));
	if (!s3_ok(&res))
		s3_raise(cfg, "write the bucket's lifecycle configuration", &res);
}
