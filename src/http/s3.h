/*-------------------------------------------------------------------------
 *
 * s3.h
 *	  Requests to Amazon S3 or an S3-compatible store, signed with AWS
 *	  Signature Version 4 through libcurl (http_perform), and the small
 *	  pieces of XML the archive reads and writes.
 *
 * Every request goes through s3_request(), which retries what may pass
 * (timeouts, refused connections, truncated bodies, 429 and 5xx) with the
 * same backoff settings as the sync, and never raises for anything the
 * network or the server does: callers look at the S3Result and decide,
 * usually with s3_raise().  Nothing here touches the database except
 * s3_config_load(), and nothing here holds or needs a transaction, so a
 * background worker can call it with none open.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_S3_H
#define TRACKER_S3_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

#include "http/http.h"

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

/* Pieces usable without a server. */
extern void s3_sha256_hex(const char *data, size_t len, char *hex);
extern void s3_md5(const char *data, size_t len, uint8 *digest);
extern char *s3_hex(const uint8 *data, size_t len);
extern char *s3_base64(const uint8 *data, size_t len);
extern bool s3_xml_element(const char *from, const char *end,
						   const char *tag, const char **outer_start,
						   const char **inner_start, const char **inner_end,
						   const char **outer_end);
extern char *s3_xml_text(const char *start, const char *end);
extern char *s3_xml_child_text(const char *start, const char *end,
							   const char *tag);
extern void s3_xml_escape(StringInfo buf, const char *s);

#endif							/* TRACKER_S3_H */
