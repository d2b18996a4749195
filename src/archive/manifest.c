/*-------------------------------------------------------------------------
 *
 * manifest.c
 *	  Manifests: the small JSON document beside each bundle that names its
 *	  account, month, version, size, checksums and every payload in it.
 *
 * Manifests live under a prefix of their own, which the lifecycle rule
 * leaves alone, so restore can always read them and tell which bundles must
 * first be thawed.  Their keys say what they describe; the document says it
 * again, and restore insists that both agree.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/timestamp.h"

#include "archive/archive.h"
#include "archive/archive_int.h"
#include "common/common.h"
#include "http/http.h"


/*
 * bundle_key / manifest_key
 *		Keys of version n of a month: bundles and manifests under prefixes
 *		of their own, so the lifecycle rule can leave manifests restorable.
 */
char *
bundle_key(const S3Config *cfg, int32 account, const char *type,
		   DateADT month, int version)
{
	return psprintf("%sbundles/account-%d/%s/%s.v%d.ndjson.gz", cfg->prefix,
					account, type, format_month(month), version);
}

/* See bundle_key. */
char *
manifest_key(const S3Config *cfg, int32 account, const char *type,
			 DateADT month, int version)
{
	return psprintf("%smanifests/account-%d/%s/%s.v%d.json", cfg->prefix,
					account, type, format_month(month), version);
}

/*
 * parse_manifest_key
 *		Take a manifest key apart; false for keys that are not one.
 */
bool
parse_manifest_key(const S3Config *cfg, const char *key, ManifestRef *ref)
{
	const char *p;
	const char *slash;
	char	   *end;
	long		n;
	size_t		len;
	char	   *month;

	p = key + strlen(cfg->prefix);
	if (strncmp(key, cfg->prefix, strlen(cfg->prefix)) != 0 ||
		strncmp(p, "manifests/account-", 18) != 0)
		return false;
	p += 18;
	n = strtol(p, &end, 10);
	if (end == p || *end != '/' || n <= 0 || n > PG_INT32_MAX)
		return false;
	ref->account_id = (int32) n;
	p = end + 1;
	slash = strchr(p, '/');
	if (slash == NULL || slash == p)
		return false;
	ref->data_type = pnstrdup(p, slash - p);
	p = slash + 1;
	len = strlen(p);
	if (len < 7 + 2 + 1 + 5 || strcmp(p + len - 5, ".json") != 0 ||
		strncmp(p + 7, ".v", 2) != 0)
		return false;
	month = pnstrdup(p, 7);
	if (!parse_month(month, &ref->month))
		return false;
	n = strtol(p + 9, &end, 10);
	if (end == p + 9 || strcmp(end, ".json") != 0 || n <= 0 || n > PG_INT32_MAX)
		return false;
	ref->version = (int) n;
	ref->key = pstrdup(key);
	return true;
}

/*
 * manifest_parse
 *		Read and check a manifest document; false with *why when it is not
 *		one Tracker can trust.
 */
bool
manifest_parse(const char *text, size_t len, Manifest *m, char **why)
{
	JsonDoc	   *root;
	JsonDoc	   *acc;
	JsonDoc	   *bundle;
	JsonDoc	   *payloads;
	JsonDoc	   *items;
	char	   *format;
	bool		ok = true;
	ListCell   *lc;
	int			i;

	memset(m, 0, sizeof(*m));
	root = jsondoc_parse(text, len, why);
	if (root == NULL)
		return false;
	format = jsondoc_string(root, "format", false, &ok);
	if (!ok || strcmp(format, ARCHIVE_FORMAT) != 0)
	{
		*why = pstrdup("it is not a Tracker archive manifest");
		return false;
	}
	if (jsondoc_int(root, "format_version", &ok) != ARCHIVE_FORMAT_VERSION || !ok)
	{
		*why = psprintf("its format version is not %d", ARCHIVE_FORMAT_VERSION);
		return false;
	}
	acc = jsondoc_get(root, "account");
	bundle = jsondoc_get(root, "bundle");
	payloads = jsondoc_get(root, "payloads");
	items = jsondoc_get(root, "items");
	m->account.id = (int32) jsondoc_int(acc, "id", &ok);
	m->account.name = jsondoc_string(acc, "name", false, &ok);
	m->account.provider = jsondoc_string(acc, "provider", false, &ok);
	m->account.time_zone = jsondoc_string(acc, "time_zone", false, &ok);
	m->account.birth_date = jsondoc_string(acc, "birth_date", true, &ok);
	m->account.username = jsondoc_string(acc, "username", true, &ok);
	m->account.created_at = jsondoc_string(acc, "created_at", true, &ok);
	m->data_type = jsondoc_string(root, "data_type", false, &ok);
	m->month = jsondoc_string(root, "month", false, &ok);
	m->version = (int) jsondoc_int(root, "version", &ok);
	m->bundle_key = jsondoc_string(bundle, "key", false, &ok);
	m->bundle_size = jsondoc_int(bundle, "size", &ok);
	m->bundle_sha256 = jsondoc_string(bundle, "sha256", false, &ok);
	m->count = (int) jsondoc_int(payloads, "count", &ok);
	m->bytes = jsondoc_int(payloads, "bytes", &ok);
	m->fingerprint = jsondoc_string(payloads, "fingerprint", false, &ok);
	if (!ok || items == NULL || items->type != JSON_TOKEN_ARRAY_START)
	{
		*why = pstrdup("a member is missing or has the wrong type");
		return false;
	}
	m->nitems = list_length(items->vals);
	m->items = palloc0(sizeof(ManifestItem) * Max(m->nitems, 1));
	i = 0;
	foreach(lc, items->vals)
	{
		JsonDoc	   *it = (JsonDoc *) lfirst(lc);
		ManifestItem *mi = &m->items[i++];

		mi->payload_id = jsondoc_int(it, "payload_id", &ok);
		mi->sha256 = jsondoc_string(it, "sha256", false, &ok);
		mi->byte_size = jsondoc_int(it, "byte_size", &ok);
		mi->day = jsondoc_string(it, "day", false, &ok);
		mi->status = jsondoc_string(it, "status", false, &ok);
	}
	if (!ok)
	{
		*why = pstrdup("an item is missing a member or has one of the wrong type");
		return false;
	}
	if (m->nitems != m->count || m->bundle_size < 0 ||
		strlen(m->bundle_sha256) != 64 || strlen(m->fingerprint) != 64)
	{
		*why = pstrdup("its counts or checksums are inconsistent");
		return false;
	}
	return true;
}

/*
 * manifest_fetch
 *		Download and parse a manifest.  Returns false (with *why) when the
 *		object is missing or not a valid manifest; raises for S3 failures.
 *		*archived is set when the object sits in an archive storage class.
 */
bool
manifest_fetch(const S3Config *cfg, const char *key, Manifest *m,
			   bool *archived, char **why)
{
	S3Result	res;

	*archived = false;
	s3_request(cfg, "GET", key, NULL, NULL, NULL, 0, 0, &res);
	if (res.http.outcome == HTTP_RESPONSE && res.http.status == 404)
	{
		*why = pstrdup("it does not exist");
		return false;
	}
	if (res.http.outcome == HTTP_RESPONSE && res.http.status == 403 &&
		res.code != NULL && strcmp(res.code, "InvalidObjectState") == 0)
	{
		*archived = true;
		*why = pstrdup("it is in an archive storage class");
		return false;
	}
	if (!s3_ok(&res))
		s3_raise(cfg, psprintf("download \"%s\"", key), &res);
	return manifest_parse(res.http.body, res.http.body_len, m, why);
}

/*
 * manifest_build
 *		The manifest of a built bundle.
 */
char *
manifest_build(ArchiveRun *run, const BundlePlan *b, const BuiltBundle *bb,
			   const char *bkey, int version)
{
	StringInfoData buf;
	const ArchiveAccount *a = b->account;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"format\":\"%s\",\"format_version\":%d,\n",
					 ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION);
	appendStringInfo(&buf, " \"account\":{\"id\":%d,\"name\":", a->id);
	jsondoc_append_string(&buf, a->name);
	appendStringInfoString(&buf, ",\"provider\":");
	jsondoc_append_string(&buf, a->provider);
	appendStringInfoString(&buf, ",\"time_zone\":");
	jsondoc_append_string(&buf, a->time_zone);
	appendStringInfoString(&buf, ",\"birth_date\":");
	jsondoc_append_string(&buf, a->birth_date);
	appendStringInfoString(&buf, ",\"username\":");
	jsondoc_append_string(&buf, a->username);
	appendStringInfoString(&buf, ",\"created_at\":");
	jsondoc_append_string(&buf, a->created_at);
	appendStringInfoString(&buf, "},\n \"data_type\":");
	jsondoc_append_string(&buf, b->data_type);
	appendStringInfo(&buf, ",\"month\":\"%s\",\"version\":%d,\"created_at\":\"%s\",\n",
					 format_month(b->month), version,
					 format_utc(GetCurrentTimestamp()));
	appendStringInfoString(&buf, " \"bundle\":{\"key\":");
	jsondoc_append_string(&buf, bkey);
	appendStringInfo(&buf, ",\"size\":%zu,\"sha256\":\"%s\",\"md5\":\"%s\","
					 "\"content_type\":\"application/gzip\",\"format\":\"ndjson\"},\n",
					 bb->len, bb->sha256, bb->md5);
	appendStringInfo(&buf, " \"payloads\":{\"count\":%d,\"bytes\":" INT64_FORMAT
					 ",\"fingerprint\":\"%s\"},\n",
					 bb->payloads, bb->payload_bytes, bb->fingerprint);
	appendStringInfo(&buf, " \"items\":[%s\n ]}\n", bb->items.data);
	return buf.data;
}
