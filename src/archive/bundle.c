/*-------------------------------------------------------------------------
 *
 * bundle.c
 *	  Archiving: one bundle per account, data type and month, uploaded,
 *	  verified, then named by a new manifest; and the run over them all.
 *
 * Payloads retired from bronze after a verified archive (retention.c) are
 * carried over into a new version, line for line, from the newest bundle.
 *
 * Objects are never overwritten or deleted by Tracker.  A month whose
 * payloads changed (the SHA-256 over its payloads' SHA-256 in payload
 * order, the "fingerprint", differs from the one archived) gets a new
 * version: the bundle first, verified with a HEAD (ETag = MD5) and its
 * listed size, then the manifest that points at it.  So at every moment
 * the newest manifest names a complete, verified bundle, and a run that
 * dies half-way leaves at worst an unreferenced bundle.  What was archived
 * is remembered in tracker.archive_bundle; when the database does not know
 * (a fresh one, a rolled-back call), the newest manifest in the bucket is
 * read and adopted if its fingerprint matches, so nothing unchanged is
 * uploaded again.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "archive/archive.h"
#include "archive/archive_int.h"
#include "common/common.h"
#include "core/core.h"
#include "http/http.h"
#include "store/store.h"


/*
 * bundle_too_large
 *		A bundle is one object that Tracker must be able to read back whole.
 */
static void
bundle_too_large(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("bundle would exceed %zu bytes", ARCHIVE_MAX_OBJECT),
			 errhint("A month of one data type of one account must compress to under 1 GB.")));
}

/*
 * A payload retired from bronze (tracker.archive_retired) that a new version
 * of its month's bundle carries over, line for line, from the bundle that
 * held it.
 */
typedef struct CarriedItem
{
	int64		payload_id;
	char	   *sha256;			/* hex */
	uint8		sha[SHA256_LEN];
	int64		byte_size;
	char	   *day;
	char	   *status;
	char	   *line;			/* its line in the previous bundle */
	size_t		len;
} CarriedItem;

/* Where bundle_row() writes a month's payloads. */
typedef struct BundleRows
{
	BuiltBundle *out;
	int32		account_id;
	GzWriter   *gz;
	pg_cryptohash_ctx *fp;
	bool		first;
	CarriedItem *carried;		/* in payload order */
	int			ncarried;
	int			next_carried;
} BundleRows;

/* Reading the previous bundle for its retired payloads' lines. */
typedef struct CarryRead
{
	const char *key;
	CarriedItem *items;
	int			nitems;
	int			found;
} CarryRead;

/*
 * carry_line
 *		One line of the previous bundle: kept when it is a retired payload's,
 *		after checking its bytes against the SHA-256 recorded at retirement.
 */
static void
carry_line(void *arg, char *line, size_t len)
{
	CarryRead  *cr = (CarryRead *) arg;
	MemoryContext tmp;
	MemoryContext old;
	JsonDoc    *obj;
	char	   *why = NULL;
	bool		ok = true;
	int64		payload_id;
	char	   *body;
	char	   *body64;
	size_t		body_len;
	char		got[SHA256_HEX_SIZE];
	int			lo;
	int			hi;
	int			i;

	CHECK_FOR_INTERRUPTS();
	tmp = AllocSetContextCreate(CurrentMemoryContext, "tracker archive carried line",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(tmp);
	obj = jsondoc_parse(line, len, &why);
	if (obj == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("archived bundle \"%s\" is corrupt", cr->key),
				 errdetail("A line is not JSON: %s.", why),
				 errhint("Payloads retired from bronze are carried over from it; nothing was uploaded.")));
	payload_id = jsondoc_int(obj, "payload_id", &ok);
	/* the items are in payload order */
	lo = 0;
	hi = cr->nitems;
	while (ok && lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (cr->items[mid].payload_id < payload_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	i = lo;
	if (!ok || i == cr->nitems || cr->items[i].payload_id != payload_id ||
		cr->items[i].line != NULL)
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(tmp);
		return;
	}
	body = jsondoc_string(obj, "body", true, &ok);
	body64 = jsondoc_string(obj, "body_base64", true, &ok);
	if (body != NULL)
		body_len = strlen(body);
	else if (body64 == NULL || (body = base64_to_bytes(body64, &body_len)) == NULL)
		body_len = 0;
	if (body != NULL)
		sha256_hex(body, body_len, got);
	if (!ok || body == NULL || strcmp(got, cr->items[i].sha256) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("archived bundle \"%s\" is corrupt", cr->key),
				 errdetail("Payload " INT64_FORMAT " does not match the SHA-256 it had when it left bronze.",
						   payload_id),
				 errhint("Payloads retired from bronze are carried over from it; nothing was uploaded.")));
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	cr->items[i].line = pnstrdup(line, len);
	cr->items[i].len = len;
	cr->found++;
}

/*
 * carry_list
 *		The payloads of a month retired from bronze.  Called in a
 *		transaction.
 */
static void
carry_list(const BundlePlan *b, BundleRows *br)
{
	Oid			types[3] = {INT4OID, TEXTOID, DATEOID};
	Datum		values[3];
	uint64		n;
	uint64		i;

	br->ncarried = 0;
	br->next_carried = 0;
	if (!archive_has_retired())
		return;
	values[0] = Int32GetDatum(b->account_id);
	values[1] = CStringGetTextDatum(b->data_type);
	values[2] = DateADTGetDatum(b->month);
	n = spi_exec("SELECT payload_id, encode(sha256, 'hex'), byte_size, day, status "
				 "FROM tracker.archive_retired "
				 "WHERE account_id = $1 AND data_type = $2 "
				 " AND day >= $3 AND day < ($3 + interval '1 month')::date "
				 "ORDER BY payload_id",
				 3, types, values, NULL, SPI_OK_SELECT, "read the retired payloads");
	br->ncarried = (int) n;
	br->next_carried = 0;
	if (n == 0)
		return;
	br->carried = palloc0(sizeof(CarriedItem) * n);
	for (i = 0; i < n; i++)
	{
		CarriedItem *c = &br->carried[i];
		bool		isnull;

		c->payload_id = DatumGetInt64(spi_datum(i, 1, &isnull));
		c->sha256 = spi_text(i, 2);
		(void) hex_to_bytes(c->sha256, c->sha, SHA256_LEN);
		c->byte_size = DatumGetInt32(spi_datum(i, 3, &isnull));
		c->day = tracker_iso_date(DatumGetDateADT(spi_datum(i, 4, &isnull)));
		c->status = spi_text(i, 5);
	}
	SPI_freetuptable(SPI_tuptable);
}

/*
 * carry_fetch
 *		The lines of a month's retired payloads, read from the newest bundle
 *		of the month (which holds them all: a month's payloads leave bronze
 *		only while its bundle's fingerprint matches, and every later version
 *		carries them).  Called outside a transaction in the worker.
 */
static void
carry_fetch(ArchiveRun *run, const BundlePlan *b, BundleRows *br)
{
	S3Result	res;
	CarryRead	cr;
	char	   *why;

	if (br->ncarried == 0)
		return;
	if (b->recorded_version == 0 || b->recorded_bundle_key == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%d payloads of account %d, %s, %s left bronze but no bundle of the month is recorded",
						br->ncarried, b->account_id, b->data_type, format_month(b->month)),
				 errhint("Restore the month with tracker.restore_from_s3() before archiving it again.")));
	s3_request(&run->cfg, "GET", b->recorded_bundle_key, NULL, NULL, NULL, 0,
			   (size_t) Min(b->recorded_size + 1, (int64) ARCHIVE_MAX_OBJECT), &res);
	if (!s3_ok(&res))
		s3_raise(&run->cfg, psprintf("read back \"%s\"", b->recorded_bundle_key), &res);
	memset(&cr, 0, sizeof(cr));
	cr.key = b->recorded_bundle_key;
	cr.items = br->carried;
	cr.nitems = br->ncarried;
	why = gunzip_lines(res.http.body, res.http.body_len, carry_line, &cr);
	if (why != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("archived bundle \"%s\" is corrupt", cr.key),
				 errdetail("%s", why),
				 errhint("Payloads retired from bronze are carried over from it; nothing was uploaded.")));
	if (cr.found != cr.nitems)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("archived bundle \"%s\" lacks payloads that left bronze", cr.key),
				 errdetail("%d of the %d payloads retired from the month are in it.",
						   cr.found, cr.nitems),
				 errhint("Nothing was uploaded; the month's bundle stays as it is.")));
	pfree(res.http.body);
}

/*
 * carry_flush
 *		Write the carried payloads that come before payload "upto" (all of
 *		them for PG_INT64_MAX), keeping payload order.
 */
static void
carry_flush(BundleRows *br, int64 upto)
{
	BuiltBundle *out = br->out;

	while (br->next_carried < br->ncarried &&
		   br->carried[br->next_carried].payload_id < upto)
	{
		CarriedItem *c = &br->carried[br->next_carried++];

		if (!gzip_write(br->gz, c->line, c->len) || !gzip_write(br->gz, "\n", 1))
			bundle_too_large();
		appendStringInfo(&out->items, "%s\n  {\"payload_id\":" INT64_FORMAT
						 ",\"sha256\":\"%s\",\"byte_size\":" INT64_FORMAT
						 ",\"day\":\"%s\",\"status\":\"%s\"}",
						 br->first ? "" : ",", c->payload_id, c->sha256, c->byte_size,
						 c->day, c->status);
		br->first = false;
		sha256_update(br->fp, c->sha, SHA256_LEN);
		out->payloads++;
		out->payload_bytes += c->byte_size;
	}
}

/*
 * bundle_row
 *		One payload of a bundle: its NDJSON line, its item in the manifest
 *		and its part of the fingerprint.
 */
static void
bundle_row(HeapTuple tup, TupleDesc desc, void *arg)
{
	BundleRows *br = (BundleRows *) arg;
	BuiltBundle *out = br->out;
	bool		isnull;
	int64		payload_id;
	Datum		d;
	char	   *body;
	bytea	   *sha;
	size_t		len;
	char	   *day;
	char	   *sha_hex;
	char	   *status;
	int64		byte_size;
	StringInfoData line;

	payload_id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
	day = tracker_iso_date(DatumGetDateADT(SPI_getbinval(tup, desc, 2, &isnull)));
	sha_hex = SPI_getvalue(tup, desc, 7);
	byte_size = DatumGetInt32(SPI_getbinval(tup, desc, 8, &isnull));
	status = SPI_getvalue(tup, desc, 10);
	sha = DatumGetByteaPP(SPI_getbinval(tup, desc, 12, &isnull));
	/* the exact bytes received, whatever form bronze keeps them in */
	body = bronze_body(br->account_id, payload_id, &len);
	if (body == NULL)
		elog(ERROR, "payload " INT64_FORMAT " of account %d vanished while it was archived",
			 payload_id, br->account_id);

	carry_flush(br, payload_id);
	initStringInfo(&line);
	appendStringInfo(&line, "{\"payload_id\":" INT64_FORMAT ",\"day\":\"%s\"",
					 payload_id, day);
	jsondoc_append_member(&line, "source", SPI_getvalue(tup, desc, 3), true);
	jsondoc_append_member(&line, "kind", SPI_getvalue(tup, desc, 4), true);
	jsondoc_append_member(&line, "origin", SPI_getvalue(tup, desc, 5), true);
	appendStringInfo(&line, ",\"received_at\":\"%s\"",
					 format_utc(DatumGetTimestampTz(SPI_getbinval(tup, desc, 6, &isnull))));
	d = SPI_getbinval(tup, desc, 9, &isnull);
	if (isnull)
		appendStringInfoString(&line, ",\"http_status\":null");
	else
		appendStringInfo(&line, ",\"http_status\":%d", (int) DatumGetInt16(d));
	jsondoc_append_member(&line, "status", status, true);
	jsondoc_append_member(&line, "reason", SPI_getvalue(tup, desc, 11), true);
	appendStringInfo(&line, ",\"sha256\":\"%s\",\"byte_size\":" INT64_FORMAT,
					 sha_hex, byte_size);
	if (len < (size_t) PG_INT32_MAX &&
		pg_encoding_verifymbstr(PG_UTF8, body, (int) len) == (int) len)
		jsondoc_append_member(&line, "body", body, true);
	else
		appendStringInfo(&line, ",\"body_base64\":\"%s\"",
						 base64_string(body, len));
	appendStringInfoString(&line, "}\n");
	if (!gzip_write(br->gz, line.data, line.len))
		bundle_too_large();

	appendStringInfo(&out->items, "%s\n  {\"payload_id\":" INT64_FORMAT
					 ",\"sha256\":\"%s\",\"byte_size\":" INT64_FORMAT
					 ",\"day\":\"%s\",\"status\":\"%s\"}",
					 br->first ? "" : ",", payload_id, sha_hex, byte_size,
					 day, status);
	br->first = false;
	sha256_update(br->fp, (const uint8 *) VARDATA_ANY(sha), VARSIZE_ANY_EXHDR(sha));
	out->payloads++;
	out->payload_bytes += byte_size;
}

/*
 * bundle_build
 *		Read a month's payloads in payload order and write them as gzip'd
 *		NDJSON, one line each: metadata and the exact bytes (as a JSON string
 *		when they are UTF-8 text, else as base64).  Also collects the items
 *		of the manifest and the fingerprint.
 */
static void
bundle_build(ArchiveRun *run, const BundlePlan *b, BuiltBundle *out)
{
	Oid			types[3] = {INT4OID, TEXTOID, DATEOID};
	Datum		values[3];
	BundleRows	br;
	MemoryContext rowcxt;

	memset(out, 0, sizeof(*out));
	initStringInfo(&out->items);
	br.out = out;
	br.account_id = b->account_id;
	br.gz = gzip_begin(run->bundle_cxt, ARCHIVE_MAX_OBJECT);
	br.first = true;
	br.carried = NULL;
	br.ncarried = 0;
	br.next_carried = 0;
	rowcxt = AllocSetContextCreate(run->bundle_cxt, "tracker archive row",
								   ALLOCSET_DEFAULT_SIZES);

	db_enter(run);
	carry_list(b, &br);
	db_leave(run);
	carry_fetch(run, b, &br);

	db_enter(run);
	br.fp = sha256_begin();
	values[0] = Int32GetDatum(b->account_id);
	values[1] = CStringGetTextDatum(b->data_type);
	values[2] = DateADTGetDatum(b->month);
	spi_cursor_each("SELECT p.payload_id, x.day, p.source, p.kind, p.origin, "
					" p.received_at, encode(p.sha256, 'hex'), p.byte_size, "
					" p.http_status, p.status, p.reason, p.sha256 "
					"FROM tracker.archive_payload x "
					" JOIN bronze.payload p ON p.account_id = x.account_id "
					"  AND p.payload_id = x.payload_id "
					"WHERE x.account_id = $1 AND x.data_type = $2 "
					" AND x.day >= $3 AND x.day < ($3 + interval '1 month')::date "
					"ORDER BY p.payload_id",
					3, types, values, NULL, ARCHIVE_FETCH, rowcxt,
					bundle_row, &br);
	carry_flush(&br, PG_INT64_MAX);
	out->fingerprint = sha256_final_hex(br.fp);
	db_leave(run);

	if (!gzip_finish(br.gz, &out->data, &out->len))
		bundle_too_large();
	sha256_hex(out->data, out->len, out->sha256);
	out->md5 = md5_hex(out->data, out->len);
	MemoryContextDelete(rowcxt);
}

/*
 * verify_object
 *		Check an uploaded object: HEAD says it exists with the MD5 as ETag,
 *		a listing of its key gives its size.  Stores that do not use the MD5
 *		as ETag (encryption with KMS, say) get a full read-back instead.
 */
static void
verify_object(ArchiveRun *run, const char *key, const char *data, size_t len,
			  const char *sha256, const char *md5)
{
	char	   *etag = NULL;
	List	   *listed;
	S3Object   *o;

	if (!s3_head_etag(&run->cfg, key, &etag))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("uploaded object \"%s\" is missing from %s", key,
						s3_location(&run->cfg)),
				 errdetail("A HEAD request right after the upload answered HTTP 404."),
				 errhint("The archive is retried on the next run.")));
	listed = s3_list(&run->cfg, key);
	o = s3_find(listed, key);
	if (o == NULL || o->size != (int64) len)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("uploaded object \"%s\" has the wrong size", key),
				 errdetail("%zu bytes were uploaded; the bucket lists %s.", len,
						   o ? psprintf(INT64_FORMAT " bytes", o->size) : "no such object"),
				 errhint("The archive is retried on the next run.")));
	if (etag == NULL || strcmp(etag, md5) != 0)
	{
		S3Result	res;
		char		got[SHA256_HEX_SIZE];

		s3_request(&run->cfg, "GET", key, NULL, NULL, NULL, 0, len + 1, &res);
		if (!s3_ok(&res))
			s3_raise(&run->cfg, psprintf("read back \"%s\"", key), &res);
		sha256_hex(res.http.body, res.http.body_len, got);
		if (res.http.body_len != len || strcmp(got, sha256) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("uploaded object \"%s\" does not read back as written", key),
					 errdetail("Its SHA-256 reads %s, %s was uploaded.", got, sha256),
					 errhint("The archive is retried on the next run.")));
	}
}

/*
 * bundle_record
 *		Remember an archived (or adopted) bundle and count it in the run.
 */
static void
bundle_record(ArchiveRun *run, const BundlePlan *b, int version,
			  const char *fingerprint, int payloads, int64 payload_bytes,
			  const char *bkey, int64 bsize, const char *bsha,
			  const char *mkey, bool uploaded)
{
	Oid			types[12] = {INT4OID, TEXTOID, DATEOID, INT4OID, INT4OID, INT8OID,
	TEXTOID, TEXTOID, INT8OID, TEXTOID, TEXTOID, INT8OID};
	Datum		values[12];
	char		nulls[12];
	Oid			rtypes[3] = {INT8OID, BOOLOID, INT8OID};
	Datum		rvalues[3];

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int32GetDatum(b->account_id);
	values[1] = CStringGetTextDatum(b->data_type);
	values[2] = DateADTGetDatum(b->month);
	values[3] = Int32GetDatum(version);
	values[4] = Int32GetDatum(payloads);
	values[5] = Int64GetDatum(payload_bytes);
	values[6] = CStringGetTextDatum(fingerprint);
	values[7] = CStringGetTextDatum(bkey);
	values[8] = Int64GetDatum(bsize);
	values[9] = CStringGetTextDatum(bsha);
	values[10] = CStringGetTextDatum(mkey);
	values[11] = Int64GetDatum(run->run_id);
	if (run->run_id == 0)
		nulls[11] = 'n';

	db_enter(run);
	spi_exec("INSERT INTO tracker.archive_bundle AS b (account_id, data_type, month, version, "
			 " payloads, payload_bytes, fingerprint, bundle_key, bundle_size, bundle_sha256, "
			 " manifest_key, archived_at, verified_at, run_id) "
			 "VALUES ($1, $2, $3, $4, $5, $6, decode($7, 'hex'), $8, $9, decode($10, 'hex'), "
			 " $11, now(), now(), $12) "
			 "ON CONFLICT (account_id, data_type, month) DO UPDATE SET "
			 " version = excluded.version, payloads = excluded.payloads, "
			 " payload_bytes = excluded.payload_bytes, fingerprint = excluded.fingerprint, "
			 " bundle_key = excluded.bundle_key, bundle_size = excluded.bundle_size, "
			 " bundle_sha256 = excluded.bundle_sha256, manifest_key = excluded.manifest_key, "
			 " archived_at = CASE WHEN b.version = excluded.version THEN b.archived_at "
			 "  ELSE excluded.archived_at END, "
			 " verified_at = excluded.verified_at, run_id = excluded.run_id",
			 12, types, values, nulls, SPI_OK_INSERT, "record a bundle");
	if (run->run_id != 0)
	{
		rvalues[0] = Int64GetDatum(run->run_id);
		rvalues[1] = BoolGetDatum(uploaded);
		rvalues[2] = Int64GetDatum(uploaded ? bsize : 0);
		spi_exec("UPDATE tracker.archive_run SET bundles_done = bundles_done + 1, "
				 " uploaded = uploaded + CASE WHEN $2 THEN 1 ELSE 0 END, "
				 " unchanged = unchanged + CASE WHEN $2 THEN 0 ELSE 1 END, "
				 " bytes_uploaded = bytes_uploaded + $3 "
				 "WHERE run_id = $1",
				 3, rtypes, rvalues, NULL, SPI_OK_UPDATE, "count a bundle");
	}
	db_leave(run);
}

/*
 * count_unchanged
 *		A bundle left as it was still counts as done in the run.
 */
static void
count_unchanged(ArchiveRun *run)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1];

	if (run->run_id == 0)
		return;
	values[0] = Int64GetDatum(run->run_id);
	db_enter(run);
	spi_exec("UPDATE tracker.archive_run SET bundles_done = bundles_done + 1, "
			 " unchanged = unchanged + 1 WHERE run_id = $1",
			 1, types, values, NULL, SPI_OK_UPDATE, "count an unchanged bundle");
	db_leave(run);
}

/*
 * put_result
 *		One row of tracker.archive()'s result.
 */
static void
put_result(ArchiveRun *run, const BundlePlan *b, int version, int payloads,
		   int64 bytes, const char *status, const char *key)
{
	Datum		values[8];
	bool		nulls[8] = {false, false, false, false, false, false, false, false};

	if (run->rsinfo == NULL)
		return;
	values[0] = Int32GetDatum(b->account_id);
	values[1] = CStringGetTextDatum(b->data_type);
	values[2] = DateADTGetDatum(b->month);
	values[3] = Int32GetDatum(version);
	values[4] = Int32GetDatum(payloads);
	values[5] = Int64GetDatum(bytes);
	values[6] = CStringGetTextDatum(status);
	values[7] = CStringGetTextDatum(key);
	tuplestore_putvalues(run->rsinfo->setResult, run->rsinfo->setDesc,
						 values, nulls);
}

/*
 * archive_one
 *		Bring one bundle up to date: nothing when the bucket already holds
 *		this fingerprint, adopt the newest manifest when it matches, else
 *		upload a new version, verify it, then its manifest.
 */
static void
archive_one(ArchiveRun *run, BundlePlan *b)
{
	int			listed = listed_max_version(run, b);
	int			version;
	BuiltBundle bb;
	char	   *bkey;
	char	   *mkey;
	char	   *manifest;
	char	   *mmd5;
	char		msha[SHA256_HEX_SIZE];

	/* Archived from here, unchanged, and still in the bucket. */
	if (b->recorded_version > 0 && b->recorded_version >= listed &&
		strcmp(b->recorded_fingerprint, b->fingerprint) == 0)
	{
		S3Object   *o = s3_find(run->objects, b->recorded_bundle_key);

		if (o != NULL && o->size == b->recorded_size &&
			s3_find(run->objects, b->recorded_manifest_key) != NULL)
		{
			count_unchanged(run);
			put_result(run, b, b->recorded_version, b->payloads, b->recorded_size,
					   "unchanged", b->recorded_bundle_key);
			return;
		}
	}

	/* The bucket knows a version this database does not: adopt it if equal. */
	if (listed > 0 && listed != b->recorded_version)
	{
		Manifest	m;
		bool		archived;
		char	   *why = NULL;
		char	   *key = manifest_key(&run->cfg, b->account_id, b->data_type,
									   b->month, listed);

		if (manifest_fetch(&run->cfg, key, &m, &archived, &why))
		{
			S3Object   *o = s3_find(run->objects, m.bundle_key);

			if (strcmp(m.fingerprint, b->fingerprint) == 0 && o != NULL &&
				o->size == m.bundle_size && m.version == listed)
			{
				bundle_record(run, b, listed, m.fingerprint, m.count, m.bytes,
							  m.bundle_key, m.bundle_size, m.bundle_sha256, key,
							  false);
				put_result(run, b, listed, m.count, m.bundle_size, "adopted",
						   m.bundle_key);
				return;
			}
		}
		else
			ereport(WARNING,
					(errmsg("ignoring archived manifest \"%s\": %s", key, why),
					 errdetail("A new version of the bundle is uploaded instead.")));
	}

	/* Upload a new version: the bundle, then the manifest naming it. */
	version = Max(Max(b->recorded_version, listed),
				  listed_max_bundle_version(run, b)) + 1;
	bkey = bundle_key(&run->cfg, b->account_id, b->data_type, b->month, version);
	mkey = manifest_key(&run->cfg, b->account_id, b->data_type, b->month, version);

	bundle_build(run, b, &bb);
	if (bb.payloads == 0)
		return;					/* deleted since the plan */

	if (run->worker)
		pgstat_report_activity(STATE_RUNNING,
							   psprintf("tracker: archiving account %d %s %s",
										b->account_id, b->data_type,
										format_month(b->month)));
	s3_put_object(&run->cfg, bkey, bb.data, bb.len, "application/gzip",
				  bb.sha256, bb.md5);
	verify_object(run, bkey, bb.data, bb.len, bb.sha256, bb.md5);

	manifest = manifest_build(run, b, &bb, bkey, version);
	sha256_hex(manifest, strlen(manifest), msha);
	mmd5 = md5_hex(manifest, strlen(manifest));
	s3_put_object(&run->cfg, mkey, manifest, strlen(manifest),
				  "application/json", msha, mmd5);
	verify_object(run, mkey, manifest, strlen(manifest), msha, mmd5);

	bundle_record(run, b, version, bb.fingerprint, bb.payloads, bb.payload_bytes,
				  bkey, (int64) bb.len, bb.sha256, mkey, true);
	put_result(run, b, version, bb.payloads, (int64) bb.len, "uploaded", bkey);
}

/*
 * archive_execute
 *		One archive run: place new payloads in their months, plan, look at
 *		the bucket once, and bring every bundle up to date.
 */
void
archive_execute(ArchiveRun *run)
{
	ListCell   *lc;

	db_enter(run);
	s3_config_load(&run->cfg, false);
	db_leave(run);

	if (run->worker)
		pgstat_report_activity(STATE_RUNNING, "tracker: archive: reading new payloads");
	archive_assign_days(run);

	db_enter(run);
	run->accounts = load_accounts();
	run->plans = archive_plan(run);
	if (run->run_id != 0)
	{
		Oid			types[2] = {INT8OID, INT4OID};
		Datum		values[2];

		values[0] = Int64GetDatum(run->run_id);
		values[1] = Int32GetDatum(list_length(run->plans));
		spi_exec("UPDATE tracker.archive_run SET bundles_total = $2 WHERE run_id = $1",
				 2, types, values, NULL, SPI_OK_UPDATE, "record the bundles of the run");
	}
	db_leave(run);

	if (run->worker)
		pgstat_report_activity(STATE_RUNNING, "tracker: archive: listing the bucket");
	run->objects = s3_list(&run->cfg, run->cfg.prefix);

	foreach(lc, run->plans)
	{
		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(run->bundle_cxt);
		run->work = run->bundle_cxt;
		MemoryContextSwitchTo(run->work);
		archive_one(run, (BundlePlan *) lfirst(lc));
		run->work = run->cxt;
		MemoryContextSwitchTo(run->work);
	}
}

/*
 * run_setup
 *		Memory for a run.
 */
void
run_setup(ArchiveRun *run, MemoryContext parent, bool worker)
{
	memset(run, 0, sizeof(*run));
	run->worker = worker;
	run->cxt = AllocSetContextCreate(parent, "tracker archive run",
									 ALLOCSET_DEFAULT_SIZES);
	run->bundle_cxt = AllocSetContextCreate(run->cxt, "tracker archive bundle",
											ALLOCSET_DEFAULT_SIZES);
	run->work = run->cxt;
}
