/*-------------------------------------------------------------------------
 *
 * restore.c
 *	  Restore: the newest manifest of every archived month, its bundle
 *	  downloaded and checked whole, and its payloads put back in bronze.
 *
 * Everything runs in the caller's transaction (tracker.restore_from_s3()),
 * so any failure leaves nothing behind.  A bundle that does not match its
 * manifest in any way is corrupt, always with the same SQLSTATE and
 * wording.  The restored payloads are then replayed into silver and gold
 * (replay.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"

#include "archive/archive.h"
#include "archive/archive_int.h"
#include "common/common.h"
#include "http/http.h"
#include "providers/provider.h"
#include "store/store.h"

/* Restore: one bundle being read line by line. */
typedef struct RestoreBundle
{
	const Manifest *m;
	const char *key;
	RestoreAccount *ra;
	int			lines;
	int			restored;
	bool		has_retired;	/* the database has tracker.archive_retired */
	pg_cryptohash_ctx *fp;
} RestoreBundle;

static void bundle_corrupt(const char *key, const char *detail) pg_attribute_noreturn();

/*
 * restore_account
 *		The account a manifest describes: the one in the database with the
 *		same id and name, or a new one with that id, name, provider, time
 *		zone, birth date and user name (and no credentials).
 */
static bool
restore_account(const ArchiveAccount *a)
{
	Oid			types[7] = {INT4OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[7];
	char		nulls[7];
	uint64		n;
	uint64		i;

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int32GetDatum(a->id);
	values[1] = CStringGetTextDatum(a->name);
	n = spi_exec("SELECT account_id, name FROM tracker.account "
				 "WHERE account_id = $1 OR name = $2",
				 2, types, values, NULL, SPI_OK_SELECT, "read the accounts");
	for (i = 0; i < n; i++)
	{
		bool		isnull;
		int32		id = DatumGetInt32(spi_datum(i, 1, &isnull));
		char	   *name = spi_text(i, 2);

		if (id != a->id || strcmp(name, a->name) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("archived account %d \"%s\" conflicts with account %d \"%s\" of this database",
							a->id, a->name, id, name),
					 errdetail("Restore keeps account ids and names as they were archived."),
					 errhint("Restore into a database without that account, or pick accounts with the account argument.")));
	}
	SPI_freetuptable(SPI_tuptable);
	if (n > 0)
		return false;

	values[2] = CStringGetTextDatum(a->provider);
	values[3] = CStringGetTextDatum(a->time_zone);
	spi_arg_text(values, nulls, 4, a->birth_date);
	spi_arg_text(values, nulls, 5, a->username);
	spi_arg_text(values, nulls, 6, a->created_at);
	if (spi_exec_limit("SELECT 1 FROM tracker.provider WHERE provider = $1",
					   1, types + 2, values + 2, nulls + 2, 1,
					   SPI_OK_SELECT, "read the providers") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("archived account %d uses provider \"%s\", which this database does not know",
						a->id, a->provider),
				 errhint("Install the version of Tracker that wrote the archive.")));
	spi_exec("INSERT INTO tracker.account (account_id, name, provider, time_zone, "
			 " birth_date, username, created_at) "
			 "VALUES ($1, $2, $3, $4, $5::date, $6, coalesce($7::timestamptz, now()))",
			 7, types, values, nulls, SPI_OK_INSERT, "recreate an account");
	spi_exec("SELECT setval(pg_get_serial_sequence('tracker.account', 'account_id'), "
			 " (SELECT max(account_id) FROM tracker.account))",
			 0, NULL, NULL, NULL, SPI_OK_SELECT, "bump the account ids");
	ereport(NOTICE,
			(errmsg("account %d \"%s\" was recreated from the archive", a->id, a->name),
			 provider_get(a->provider) != NULL ?
			 errhint("It has no credentials: reconnect it with tracker.connect() or tracker.set_refresh_token().") : 0));
	return true;
}

/*
 * restore_payload
 *		Put one archived payload back in bronze unless this account already
 *		holds it (same SHA-256).  The payload keeps its id when that id is
 *		free, so restored rows equal the archived ones.  Returns the id
 *		written, or 0 when it was already held.
 */
static int64
restore_payload(int32 account_id, int64 payload_id, const char *source,
				const char *kind, const char *origin, const char *received_at,
				int64 http_status, bool has_status, const char *status,
				const char *reason, const uint8 *sha, const char *body, size_t len)
{
	Oid			types[12] = {INT4OID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
	BYTEAOID, INT4OID, INT2OID, TEXTOID, TEXTOID, BYTEAOID};
	Datum		values[12];
	char		nulls[12];
	bool		isnull;
	bool		id_free;

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int32GetDatum(account_id);
	values[1] = Int64GetDatum(payload_id);
	values[6] = bytea_datum((const char *) sha, SHA256_LEN);

	{
		Oid			ltypes[3] = {INT4OID, INT8OID, BYTEAOID};
		Datum		lvalues[3];

		lvalues[0] = values[0];
		lvalues[1] = values[1];
		lvalues[2] = values[6];
		spi_exec_limit("SELECT (SELECT count(*) FROM bronze.payload "
					   "         WHERE account_id = $1 AND sha256 = $3), "
					   "       (SELECT count(*) FROM bronze.payload "
					   "         WHERE account_id = $1 AND payload_id = $2)",
					   3, ltypes, lvalues, NULL, 1, SPI_OK_SELECT, "look up a payload");
	}
	if (DatumGetInt64(spi_datum(0, 1, &isnull)) > 0)
		return 0;
	id_free = DatumGetInt64(spi_datum(0, 2, &isnull)) == 0;
	SPI_freetuptable(SPI_tuptable);

	values[2] = CStringGetTextDatum(source);
	spi_arg_text(values, nulls, 3, kind);
	spi_arg_text(values, nulls, 4, origin);
	values[5] = CStringGetTextDatum(received_at);
	values[7] = Int32GetDatum((int32) len);
	if (has_status)
		values[8] = Int16GetDatum((int16) http_status);
	else
		nulls[8] = 'n';
	values[9] = CStringGetTextDatum(status);
	spi_arg_text(values, nulls, 10, reason);
	values[11] = bytea_datum(body, len);

	if (spi_exec_limit(id_free ?
					   "INSERT INTO bronze.payload (account_id, payload_id, source, kind, "
					   " origin, received_at, sha256, byte_size, http_status, status, "
					   " reason, body) OVERRIDING SYSTEM VALUE "
					   "VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7, $8, $9, $10, "
					   " $11, $12) RETURNING payload_id" :
					   "INSERT INTO bronze.payload (account_id, source, kind, "
					   " origin, received_at, sha256, byte_size, http_status, status, "
					   " reason, body) "
					   "VALUES ($1, $3, $4, $5, $6::timestamptz, $7, $8, $9, $10, "
					   " $11, $12) RETURNING payload_id",
					   12, types, values, nulls, 1,
					   SPI_OK_INSERT_RETURNING, "restore a payload") != 1)
		elog(ERROR, "could not restore a payload: no row");
	return DatumGetInt64(spi_datum(0, 1, &isnull));
}

/*
 * bundle_corrupt
 *		The error of a bundle that does not match its manifest: always the
 *		same SQLSTATE and wording, so scripts and people recognize it.
 */
static void
bundle_corrupt(const char *key, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("archived bundle \"%s\" is corrupt", key),
			 errdetail("%s", detail),
			 errhint("Nothing was restored.")));
	pg_unreachable();
}

/*
 * restore_line
 *		One line of a bundle: check it against the manifest and its own
 *		checksum, then put the payload back in bronze.
 */
static void
restore_line(void *arg, char *line, size_t len)
{
	RestoreBundle *rb = (RestoreBundle *) arg;
	const Manifest *m = rb->m;
	const ManifestItem *item;
	MemoryContext tmp;
	MemoryContext old;
	JsonDoc	   *obj;
	char	   *why = NULL;
	bool		ok = true;
	int64		payload_id;
	char	   *day;
	char	   *source;
	char	   *kind;
	char	   *origin;
	char	   *received_at;
	JsonDoc	   *http_status;
	char	   *status;
	char	   *reason;
	char	   *sha_hex;
	int64		byte_size;
	char	   *body;
	char	   *body64;
	size_t		body_len;
	uint8		sha[SHA256_LEN];
	char		got[SHA256_HEX_SIZE];
	int64		written;
	Oid			types[4] = {INT4OID, INT8OID, TEXTOID, DATEOID};
	Datum		values[4];

	CHECK_FOR_INTERRUPTS();
	if (rb->lines >= m->nitems)
		bundle_corrupt(rb->key, psprintf("It holds more payloads than the %d its manifest names.",
										 m->nitems));
	item = &m->items[rb->lines];

	tmp = AllocSetContextCreate(CurrentMemoryContext, "tracker restore line",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(tmp);
	obj = jsondoc_parse(line, len, &why);
	if (obj == NULL)
		bundle_corrupt(rb->key, psprintf("Line %d is not JSON: %s.", rb->lines + 1, why));
	payload_id = jsondoc_int(obj, "payload_id", &ok);
	day = jsondoc_string(obj, "day", false, &ok);
	source = jsondoc_string(obj, "source", false, &ok);
	kind = jsondoc_string(obj, "kind", true, &ok);
	origin = jsondoc_string(obj, "origin", true, &ok);
	received_at = jsondoc_string(obj, "received_at", false, &ok);
	http_status = jsondoc_get(obj, "http_status");
	status = jsondoc_string(obj, "status", false, &ok);
	reason = jsondoc_string(obj, "reason", true, &ok);
	sha_hex = jsondoc_string(obj, "sha256", false, &ok);
	byte_size = jsondoc_int(obj, "byte_size", &ok);
	body = jsondoc_string(obj, "body", true, &ok);
	body64 = jsondoc_string(obj, "body_base64", true, &ok);
	if (!ok || (body == NULL) == (body64 == NULL) ||
		(http_status != NULL && http_status->type != JSON_TOKEN_NUMBER &&
		 http_status->type != JSON_TOKEN_NULL) ||
		(strcmp(status, "accepted") != 0 && strcmp(status, "rejected") != 0) ||
		!hex_to_bytes(sha_hex, sha, SHA256_LEN))
		bundle_corrupt(rb->key, psprintf("Line %d is not a payload record.", rb->lines + 1));

	if (body != NULL)
		body_len = strlen(body);
	else if ((body = base64_to_bytes(body64, &body_len)) == NULL)
		bundle_corrupt(rb->key, psprintf("Line %d holds invalid base64.", rb->lines + 1));

	sha256_hex(body, body_len, got);
	if (strcmp(got, sha_hex) != 0 || (int64) body_len != byte_size)
		bundle_corrupt(rb->key,
					   psprintf("Payload " INT64_FORMAT " fails its checksum: its SHA-256 is %s, it was archived as %s (%zu bytes, " INT64_FORMAT " archived).",
								payload_id, got, sha_hex, body_len, byte_size));
	if (payload_id != item->payload_id || strcmp(sha_hex, item->sha256) != 0 ||
		byte_size != item->byte_size)
		bundle_corrupt(rb->key,
					   psprintf("Line %d holds payload " INT64_FORMAT " (%s) where the manifest names payload " INT64_FORMAT " (%s).",
								rb->lines + 1, payload_id, sha_hex,
								item->payload_id, item->sha256));
	sha256_update(rb->fp, sha, SHA256_LEN);

	written = restore_payload(rb->ra->acc.account_id, payload_id, source, kind,
							  origin, received_at,
							  http_status && http_status->type == JSON_TOKEN_NUMBER ?
							  strtoll(http_status->str, NULL, 10) : 0,
							  http_status && http_status->type == JSON_TOKEN_NUMBER,
							  status, reason, sha, body, body_len);

	/* back in bronze: no longer a payload the archive must carry over */
	if (rb->has_retired)
	{
		values[0] = Int32GetDatum(rb->ra->acc.account_id);
		values[1] = Int64GetDatum(payload_id);
		spi_exec("DELETE FROM tracker.archive_retired WHERE account_id = $1 AND payload_id = $2",
				 2, types, values, NULL, SPI_OK_DELETE, "forget a retired payload");
	}
	if (written > 0)
	{
		rb->restored++;
		if (strcmp(status, "accepted") == 0)
		{
			RestoreAccount *ra = rb->ra;

			if (ra->ninserted == ra->cap)
			{
				ra->cap = ra->cap ? ra->cap * 2 : 64;
				ra->inserted = ra->inserted ?
					repalloc_huge(ra->inserted, sizeof(int64) * ra->cap) :
					MemoryContextAllocHuge(ra->cxt, sizeof(int64) * ra->cap);
			}
			ra->inserted[ra->ninserted++] = written;
		}
		values[0] = Int32GetDatum(rb->ra->acc.account_id);
		values[1] = Int64GetDatum(written);
		values[2] = CStringGetTextDatum(m->data_type);
		values[3] = DirectFunctionCall1(date_in, CStringGetDatum(day));
		spi_exec("INSERT INTO tracker.archive_payload (account_id, payload_id, data_type, day) "
				 "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
				 4, types, values, NULL, SPI_OK_INSERT, "place a payload in its month");
	}
	rb->lines++;
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
}

/*
 * manifest_cmp
 *		Restore order: account, month, data type.
 */
static int
manifest_cmp(const ListCell *a, const ListCell *b)
{
	const ManifestRef *x = (const ManifestRef *) lfirst(a);
	const ManifestRef *y = (const ManifestRef *) lfirst(b);
	int			c;

	if (x->account_id != y->account_id)
		return x->account_id < y->account_id ? -1 : 1;
	if (x->month != y->month)
		return x->month < y->month ? -1 : 1;
	c = strcmp(x->data_type, y->data_type);
	if (c != 0)
		return c;
	return x->version - y->version;
}

/*
 * restore_result
 *		One row of tracker.restore_from_s3()'s result.
 */
static void
restore_result(ReturnSetInfo *rsinfo, const ManifestRef *ref, int payloads,
			   int restored, const char *status, const char *detail)
{
	Datum		values[8];
	bool		nulls[8] = {false, false, false, false, false, false, false, false};

	values[0] = Int32GetDatum(ref->account_id);
	values[1] = CStringGetTextDatum(ref->data_type);
	values[2] = DateADTGetDatum(ref->month);
	values[3] = Int32GetDatum(ref->version);
	values[4] = Int32GetDatum(payloads);
	values[5] = Int32GetDatum(restored);
	values[6] = CStringGetTextDatum(status);
	if (detail)
		values[7] = CStringGetTextDatum(detail);
	else
		nulls[7] = true;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * thaw_hint
 *		How to get an archived object back, for people and scripts.
 */
static char *
thaw_hint(const S3Config *cfg, const char *key, const char *storage_class)
{
	return psprintf("the object is in %s; request a temporary copy with "
					"aws s3api restore-object --bucket %s --key %s "
					"--restore-request '{\"Days\":7,\"GlacierJobParameters\":{\"Tier\":\"Bulk\"}}' "
					"(Bulk takes up to 48 hours, Standard up to 12), "
					"then run tracker.restore_from_s3() again",
					storage_class, cfg->bucket, key);
}

/*
 * restore_bundle
 *		Download one bundle, check it whole against its manifest, and put
 *		its payloads back in bronze.  Returns false when the bundle is in an
 *		archive storage class and must be thawed first.
 */
static bool
restore_bundle(const S3Config *cfg, List *objects, const ManifestRef *ref,
			   const Manifest *m, RestoreAccount *ra, int *restored,
			   char **detail)
{
	S3Result	res;
	char		got[SHA256_HEX_SIZE];
	RestoreBundle rb;
	S3Object   *listed = s3_find(objects, m->bundle_key);
	char	   *why;

	s3_request(cfg, "GET", m->bundle_key, NULL, NULL, NULL, 0,
			   (size_t) Min(m->bundle_size + 1, (int64) ARCHIVE_MAX_OBJECT), &res);
	if (res.http.outcome == HTTP_RESPONSE && res.http.status == 403 &&
		res.code != NULL && strcmp(res.code, "InvalidObjectState") == 0)
	{
		*detail = thaw_hint(cfg, m->bundle_key,
							listed && strcmp(listed->storage_class, "STANDARD") != 0 ?
							listed->storage_class : "an archive storage class");
		return false;
	}
	if (res.http.outcome == HTTP_RESPONSE && res.http.status == 404)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("archived bundle \"%s\" is missing", m->bundle_key),
				 errdetail("Manifest \"%s\" names it, but the bucket has no such object.",
						   ref->key),
				 errhint("Nothing was restored.")));
	if (res.http.outcome == HTTP_TRUNCATED)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("archived bundle \"%s\" arrived truncated", m->bundle_key),
				 errdetail("%s failed after %d attempts: %s.", res.request,
						   res.attempts, res.http.error),
				 errhint("Nothing was restored.")));
	if (res.http.outcome == HTTP_TOO_LARGE)
		bundle_corrupt(m->bundle_key,
					   psprintf("It is larger than the " INT64_FORMAT " bytes its manifest says.",
								m->bundle_size));
	if (!s3_ok(&res))
		s3_raise(cfg, psprintf("download \"%s\"", m->bundle_key), &res);

	sha256_hex(res.http.body, res.http.body_len, got);
	if ((int64) res.http.body_len != m->bundle_size)
		bundle_corrupt(m->bundle_key,
					   psprintf("It has %zu bytes; its manifest says " INT64_FORMAT ".",
								res.http.body_len, m->bundle_size));
	if (strcmp(got, m->bundle_sha256) != 0)
		bundle_corrupt(m->bundle_key,
					   psprintf("Its SHA-256 is %s; its manifest says %s.",
								got, m->bundle_sha256));

	memset(&rb, 0, sizeof(rb));
	rb.m = m;
	rb.key = m->bundle_key;
	rb.ra = ra;
	rb.has_retired = archive_has_retired();
	rb.fp = sha256_begin();
	why = gunzip_lines(res.http.body, res.http.body_len, restore_line, &rb);
	if (why != NULL)
		bundle_corrupt(m->bundle_key, why);
	if (rb.lines != m->nitems)
		bundle_corrupt(m->bundle_key,
					   psprintf("It holds %d payloads; its manifest names %d.",
								rb.lines, m->nitems));
	if (strcmp(sha256_final_hex(rb.fp), m->fingerprint) != 0)
		bundle_corrupt(m->bundle_key, "Its payloads do not match the fingerprint of its manifest.");
	pfree(res.http.body);
	*restored = rb.restored;
	return true;
}

/*
 * restore_record
 *		A restored bundle is what the bucket holds for its month: remember
 *		it, so that the next archive does not upload it again.
 */
static void
restore_record(const ManifestRef *ref, const Manifest *m)
{
	Oid			types[11] = {INT4OID, TEXTOID, DATEOID, INT4OID, INT4OID, INT8OID,
	TEXTOID, TEXTOID, INT8OID, TEXTOID, TEXTOID};
	Datum		values[11];

	values[0] = Int32GetDatum(ref->account_id);
	values[1] = CStringGetTextDatum(ref->data_type);
	values[2] = DateADTGetDatum(ref->month);
	values[3] = Int32GetDatum(ref->version);
	values[4] = Int32GetDatum(m->count);
	values[5] = Int64GetDatum(m->bytes);
	values[6] = CStringGetTextDatum(m->fingerprint);
	values[7] = CStringGetTextDatum(m->bundle_key);
	values[8] = Int64GetDatum(m->bundle_size);
	values[9] = CStringGetTextDatum(m->bundle_sha256);
	values[10] = CStringGetTextDatum(ref->key);
	spi_exec("INSERT INTO tracker.archive_bundle (account_id, data_type, month, version, "
			 " payloads, payload_bytes, fingerprint, bundle_key, bundle_size, bundle_sha256, "
			 " manifest_key, archived_at, verified_at) "
			 "VALUES ($1, $2, $3, $4, $5, $6, decode($7, 'hex'), $8, $9, decode($10, 'hex'), "
			 " $11, now(), now()) "
			 "ON CONFLICT (account_id, data_type, month) DO UPDATE SET "
			 " version = excluded.version, payloads = excluded.payloads, "
			 " payload_bytes = excluded.payload_bytes, fingerprint = excluded.fingerprint, "
			 " bundle_key = excluded.bundle_key, bundle_size = excluded.bundle_size, "
			 " bundle_sha256 = excluded.bundle_sha256, manifest_key = excluded.manifest_key, "
			 " verified_at = excluded.verified_at "
			 "WHERE archive_bundle.version <= excluded.version",
			 11, types, values, NULL, SPI_OK_INSERT, "record a restored bundle");
}

/*
 * bump_identities
 *		Restored rows keep their ids; new rows must come after them.
 */
static void
bump_identities(void)
{
	spi_exec("SELECT setval(q.s, q.m) FROM ("
			 " SELECT pg_get_serial_sequence('bronze.payload', 'payload_id') AS s, "
			 "  (SELECT max(payload_id) FROM bronze.payload) AS m) q "
			 "WHERE q.m IS NOT NULL AND q.m > coalesce((SELECT last_value FROM pg_sequences "
			 " WHERE format('%I.%I', schemaname, sequencename)::regclass = q.s::regclass), 0)",
			 0, NULL, NULL, NULL, SPI_OK_SELECT, "bump the payload ids");
}

/*
 * restore_latest_manifests
 *		The newest manifest of every archived month that the restore asked
 *		for, in restore order (account, month, data type).
 */
static List *
restore_latest_manifests(const S3Config *cfg, List *objects,
						 const RestoreWhat *what)
{
	char	   *prefix;
	List	   *refs = NIL;
	List	   *latest = NIL;
	ListCell   *lc;

	prefix = what->one_account ?
		psprintf("%smanifests/account-%d/", cfg->prefix, what->account) :
		psprintf("%smanifests/", cfg->prefix);
	foreach(lc, objects)
	{
		S3Object   *o = (S3Object *) lfirst(lc);
		ManifestRef *ref = palloc0(sizeof(ManifestRef));

		if (strncmp(o->key, prefix, strlen(prefix)) != 0 ||
			!parse_manifest_key(cfg, o->key, ref))
			continue;
		if (what->one_account && ref->account_id != what->account)
			continue;
		if (what->has_lower && next_month(ref->month) <= what->lower_day)
			continue;
		if (what->has_upper && ref->month >= what->upper_day)
			continue;
		refs = lappend(refs, ref);
	}
	list_sort(refs, manifest_cmp);
	foreach(lc, refs)
	{
		ManifestRef *ref = (ManifestRef *) lfirst(lc);
		ManifestRef *last = latest ? (ManifestRef *) llast(latest) : NULL;

		if (last && last->account_id == ref->account_id &&
			last->month == ref->month && strcmp(last->data_type, ref->data_type) == 0)
			llast(latest) = ref;	/* sorted by version: the later wins */
		else
			latest = lappend(latest, ref);
	}
	return latest;
}

/*
 * restore_run
 *		Restore every month the restore asked for, one account after the
 *		other: check each manifest, put the bundle's payloads back in bronze
 *		(recreating the account when it is missing), and replay an account's
 *		payloads once all of its months are in.  SPI is connected; cxt lives
 *		for the call.
 */
void
restore_run(ReturnSetInfo *rsinfo, const RestoreWhat *what, MemoryContext cxt)
{
	MemoryContext mcxt;
	S3Config	cfg;
	List	   *objects;
	List	   *latest;
	ListCell   *lc;
	RestoreAccount *ra = NULL;
	HttpSession *session;
	int			frozen = 0;
	int			restored_total = 0;

	archive_lock(false, true);
	s3_config_load(&cfg, false);
	session = http_session_begin(cxt);

	objects = s3_list(&cfg, cfg.prefix);
	latest = restore_latest_manifests(&cfg, objects, what);
	if (latest == NIL)
		ereport(NOTICE,
				(errmsg("%s holds no archived months%s", s3_location(&cfg),
						what->one_account || what->has_lower || what->has_upper ?
						" that match" : ""),
				 errhint("Archive with tracker.archive(), or check the bucket and prefix given to tracker.set_s3().")));

	mcxt = AllocSetContextCreate(cxt, "tracker restore manifest",
								 ALLOCSET_DEFAULT_SIZES);
	foreach(lc, latest)
	{
		ManifestRef *ref = (ManifestRef *) lfirst(lc);
		Manifest	m;
		bool		archived;
		char	   *why = NULL;
		char	   *detail = NULL;
		int			restored = 0;

		CHECK_FOR_INTERRUPTS();
		MemoryContextSwitchTo(cxt);
		MemoryContextReset(mcxt);
		MemoryContextSwitchTo(mcxt);
		if (!manifest_fetch(&cfg, ref->key, &m, &archived, &why))
		{
			if (archived)
			{
				frozen++;
				restore_result(rsinfo, ref, 0, 0, "in_deep_archive",
							   thaw_hint(&cfg, ref->key, "an archive storage class"));
				continue;
			}
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("archived manifest \"%s\" is corrupt", ref->key),
					 errdetail("Tracker cannot use it: %s.", why),
					 errhint("Nothing was restored.")));
		}
		if (m.account.id != ref->account_id || m.version != ref->version ||
			strcmp(m.data_type, ref->data_type) != 0 ||
			strcmp(m.month, format_month(ref->month)) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("archived manifest \"%s\" is corrupt", ref->key),
					 errdetail("It describes account %d, %s, %s, version %d, which does not match its name.",
							   m.account.id, m.data_type, m.month, m.version),
					 errhint("Nothing was restored.")));

		/* a new account: replay the previous one first */
		if (ra == NULL || ra->acc.account_id != ref->account_id)
		{
			if (ra != NULL)
				replay_account(ra);
			MemoryContextSwitchTo(cxt);
			ra = palloc0(sizeof(RestoreAccount));
			ra->cxt = cxt;
			ra->created = restore_account(&m.account);
			/* account_load reads with the active snapshot: take one that sees it */
			CommandCounterIncrement();
			PushActiveSnapshot(GetTransactionSnapshot());
			account_load(ref->account_id, &ra->acc);
			PopActiveSnapshot();
			MemoryContextSwitchTo(mcxt);
		}

		if (!restore_bundle(&cfg, objects, ref, &m, ra, &restored, &detail))
		{
			frozen++;
			restore_result(rsinfo, ref, m.count, 0, "in_deep_archive", detail);
			continue;
		}
		restore_record(ref, &m);
		restored_total += restored;
		restore_result(rsinfo, ref, m.count, restored,
					   restored > 0 ? "restored" : "held", NULL);
	}
	MemoryContextSwitchTo(cxt);
	if (ra != NULL)
		replay_account(ra);
	if (restored_total > 0)
		bump_identities();
	http_session_end(session);

	if (frozen > 0)
		ereport(WARNING,
				(errmsg("%d archived bundle%s could not be read yet", frozen,
						frozen == 1 ? "" : "s"),
				 errdetail("They are in an archive storage class (Deep Archive or Glacier)."),
				 errhint("Request temporary copies (see the detail column), wait for them (up to 12 hours with the Standard tier, 48 with Bulk), then run tracker.restore_from_s3() again; what is already restored stays.")));
}
