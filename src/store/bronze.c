/*-------------------------------------------------------------------------
 *
 * bronze.c
 *	  Bronze: every payload exactly as received, once per account.
 *
 * A payload is known by its SHA-256: the same bytes are never stored twice
 * for one account.  A payload that failed validation is kept too, marked
 * rejected with the reason, so that nothing that arrived is ever lost.
 *
 * A scheduled sync reads each data type from the newest point held minus
 * an overlap, so a page repeats much of the page before it.  Such a page
 * is kept as a delta against that earlier payload (src/core/delta.c):
 * body holds the delta and base_payload_id names the base, which may be a
 * delta itself, at most BRONZE_MAX_CHAIN deep.  Every distinct observation
 * is so kept once, and bronze_body() gives back exactly the bytes
 * received; every reader goes through it (tracker.payload_body() in SQL).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "common/common.h"
#include "core/core.h"
#include "core/delta.h"
#include "store/store.h"

/*
 * Longest chain of deltas before a payload is kept whole again: reading a
 * payload decodes at most this many deltas after one full body.
 */
#define BRONZE_MAX_CHAIN 32

/*
 * A page is kept as a delta only when the delta is under this share of the
 * page (in percent): a delta that saves little is not worth its reads.
 */
#define BRONZE_DELTA_MAX_PCT 50

/*
 * Pages (and bases) larger than this are kept whole: the encoder's index
 * grows with the base (delta_scratch_size()), and pages of a scheduled sync
 * are far smaller.
 */
#define BRONZE_DELTA_MAX_BYTES (64 * 1024 * 1024)

/*
 * The end of both INSERTs of bronze_insert(): a payload held as rejected
 * that is now accepted (a parser learnt to take it) is marked accepted.
 */
#define BRONZE_UPSERT \
	"ON CONFLICT (account_id, sha256) DO UPDATE SET " \
	" status = 'accepted', reason = NULL, " \
	" kind = coalesce(excluded.kind, payload.kind), " \
	" http_status = coalesce(excluded.http_status, payload.http_status) " \
	"WHERE payload.status = 'rejected' AND excluded.status = 'accepted' " \
	"RETURNING payload_id"

/* Pages shorter than this are kept whole: nothing to gain. */
#define BRONZE_DELTA_MIN_BYTES 256

/*
 * bronze_has_deltas
 *		Whether bronze.payload has base_payload_id: a library newer than the
 *		extension's SQL (before ALTER EXTENSION UPDATE) keeps every payload
 *		whole and reads bodies as they are.
 */
static bool
bronze_has_deltas(void)
{
	Oid			nsp = get_namespace_oid("bronze", true);
	Oid			rel;

	if (!OidIsValid(nsp))
		return false;
	rel = get_relname_relid("payload", nsp);
	return OidIsValid(rel) && get_attnum(rel, "base_payload_id") != InvalidAttrNumber;
}

/*
 * payload_corrupt
 *		The error of a payload whose bytes cannot be read back: always the
 *		same SQLSTATE and wording.
 */
static void
payload_corrupt(int32 account_id, int64 payload_id, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("payload " INT64_FORMAT " of account %d cannot be read back",
					payload_id, account_id),
			 errdetail("%s", detail)));
}

/*
 * bronze_body_chain
 *		The bytes received of a payload, into the caller's memory context,
 *		or NULL when the account holds no such payload.  *depth is the
 *		number of deltas decoded.  One statement reads the payload and the
 *		chain of bases it rests on; the bodies are applied from the full
 *		one up.  read_only is for callers in a STABLE function (they read
 *		under their statement's snapshot).
 */
static char *
bronze_body_chain(int32 account_id, int64 payload_id, size_t *len, int *depth,
				  bool read_only)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[2] = {INT4OID, INT8OID};
	Datum		values[2];
	char	   *cur = NULL;
	size_t		curlen = 0;
	char	   *result;
	uint64		n;
	uint64		i;
	int			rc;

	values[0] = Int32GetDatum(account_id);
	values[1] = Int64GetDatum(payload_id);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_with_args(!bronze_has_deltas() ?
							   "SELECT payload_id, NULL::bigint, byte_size, body "
							   "FROM bronze.payload WHERE account_id = $1 AND payload_id = $2" :
							   "WITH RECURSIVE chain AS ("
							   " SELECT p.payload_id, p.base_payload_id, p.byte_size, p.body, 0 AS depth "
							   " FROM bronze.payload p "
							   " WHERE p.account_id = $1 AND p.payload_id = $2 "
							   " UNION ALL "
							   " SELECT p.payload_id, p.base_payload_id, p.byte_size, p.body, c.depth + 1 "
							   " FROM chain c JOIN bronze.payload p "
							   "  ON p.account_id = $1 AND p.payload_id = c.base_payload_id "
							   " WHERE c.depth <= " CppAsString2(BRONZE_MAX_CHAIN) ") "
							   "SELECT payload_id, base_payload_id, byte_size, body "
							   "FROM chain ORDER BY depth DESC",
							   2, types, values, NULL, read_only, 0);
	spi_check(rc, SPI_OK_SELECT, "read a payload");
	n = SPI_processed;
	if (n == 0)
	{
		SPI_finish();
		return NULL;
	}
	for (i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		bool		nobase;
		int64		id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		int32		size;
		bytea	   *body;
		size_t		blen;

		(void) SPI_getbinval(tup, desc, 2, &nobase);
		size = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
		body = DatumGetByteaPP(SPI_getbinval(tup, desc, 4, &isnull));
		blen = VARSIZE_ANY_EXHDR(body);
		if (i == 0)
		{
			if (!nobase)
				payload_corrupt(account_id, payload_id,
								psprintf("Its chain of deltas is longer than %d or its base is missing.",
										 BRONZE_MAX_CHAIN));
			cur = VARDATA_ANY(body);
			curlen = blen;
		}
		else
		{
			size_t		sb,
						st;
			char	   *next;

			if (nobase ||
				delta_sizes((const uint8_t *) VARDATA_ANY(body), blen, &sb, &st) != 0 ||
				sb != curlen || st != (size_t) size)
				payload_corrupt(account_id, payload_id,
								psprintf("The delta of payload " INT64_FORMAT " does not fit its base.", id));
			next = palloc_extended(st + 1, MCXT_ALLOC_HUGE);
			if (delta_decode((const uint8_t *) cur, curlen,
							 (const uint8_t *) VARDATA_ANY(body), blen,
							 (uint8_t *) next, st) != 0)
				payload_corrupt(account_id, payload_id,
								psprintf("The delta of payload " INT64_FORMAT " is malformed.", id));
			if (i > 1)
				pfree(cur);
			cur = next;
			curlen = st;
		}
		if (curlen != (size_t) size)
			payload_corrupt(account_id, payload_id,
							psprintf("Payload " INT64_FORMAT " holds %zu bytes, not %d.", id, curlen, size));
	}
	result = MemoryContextAllocHuge(caller, curlen + 1);
	memcpy(result, cur, curlen);
	result[curlen] = '\0';
	*len = curlen;
	*depth = (int) n - 1;
	SPI_finish();
	return result;
}

/*
 * bronze_body
 *		Exactly the bytes received of a payload (NUL-terminated beyond len,
 *		in the caller's memory context), or NULL when the account holds no
 *		such payload.  The one reader of bronze.payload.body: a body may be
 *		a delta against another payload.
 */
char *
bronze_body(int32 account_id, int64 payload_id, size_t *len)
{
	int			depth;

	return bronze_body_chain(account_id, payload_id, len, &depth, false);
}

/*
 * bronze_body_stable
 *		bronze_body() for a STABLE function: reads under the snapshot of the
 *		statement that calls it.
 */
char *
bronze_body_stable(int32 account_id, int64 payload_id, size_t *len)
{
	int			depth;

	return bronze_body_chain(account_id, payload_id, len, &depth, true);
}

/*
 * bronze_delta
 *		The delta to keep for a new page instead of its bytes, or NULL to
 *		keep them whole: against the newest earlier payload of the account
 *		with the same source and kind, when that payload's chain leaves room
 *		for one more delta, the delta is under BRONZE_DELTA_MAX_PCT percent
 *		of the page, and it decodes back to bytes with the page's SHA-256.
 */
static char *
bronze_delta(int32 account_id, const char *source, const char *kind,
			 const char *body, size_t len, const uint8 *sha,
			 int64 *base_id, size_t *delta_len)
{
	Oid			types[3] = {INT4OID, TEXTOID, TEXTOID};
	Datum		values[3];
	bool		isnull;
	char	   *base;
	size_t		base_len;
	int			depth;
	uint32_t   *scratch;
	uint8_t    *delta;
	char	   *back;
	size_t		n;
	uint8		got[SHA256_LEN];

	if (kind == NULL || len < BRONZE_DELTA_MIN_BYTES || len > BRONZE_DELTA_MAX_BYTES ||
		!bronze_has_deltas())
		return NULL;
	values[0] = Int32GetDatum(account_id);
	values[1] = CStringGetTextDatum(source);
	values[2] = CStringGetTextDatum(kind);
	if (spi_exec_limit("SELECT payload_id FROM bronze.payload "
					   "WHERE account_id = $1 AND source = $2 AND kind = $3 "
					   "ORDER BY payload_id DESC",
					   3, types, values, NULL, 1,
					   SPI_OK_SELECT, "find the base of a payload") == 0)
		return NULL;
	*base_id = DatumGetInt64(spi_datum(0, 1, &isnull));
	base = bronze_body_chain(account_id, *base_id, &base_len, &depth, false);
	if (base == NULL || depth >= BRONZE_MAX_CHAIN || base_len > BRONZE_DELTA_MAX_BYTES)
		return NULL;

	scratch = palloc(delta_scratch_size(base_len));
	delta = palloc(len);
	n = delta_encode((const uint8_t *) base, base_len, (const uint8_t *) body, len,
					 scratch, delta, len * BRONZE_DELTA_MAX_PCT / 100);
	pfree(scratch);
	if (n == 0)
	{
		pfree(delta);
		pfree(base);
		return NULL;
	}

	/* what is stored must give back the very bytes received */
	back = palloc(len);
	if (delta_decode((const uint8_t *) base, base_len, delta, n, (uint8_t *) back, len) != 0)
		elog(ERROR, "the delta of a payload does not decode");
	sha256_bytes(back, len, got);
	if (memcmp(got, sha, SHA256_LEN) != 0)
		elog(ERROR, "the delta of a payload decodes to other bytes");
	pfree(back);
	pfree(base);
	*delta_len = n;
	return (char *) delta;
}

/*
 * bronze_lookup
 *		Whether this account already holds a payload with this digest.
 */
bool
bronze_lookup(int32 account_id, const uint8 *sha, int64 *payload_id,
			  char **status)
{
	Oid			types[2] = {INT4OID, BYTEAOID};
	Datum		values[2];
	bool		isnull;

	values[0] = Int32GetDatum(account_id);
	values[1] = bytea_datum((const char *) sha, SHA256_LEN);
	spi_exec_limit("SELECT payload_id, status FROM bronze.payload "
				   "WHERE account_id = $1 AND sha256 = $2",
				   2, types, values, NULL, 1,
				   SPI_OK_SELECT, "look up a payload");
	if (SPI_processed == 0)
		return false;
	*payload_id = DatumGetInt64(spi_datum(0, 1, &isnull));
	*status = spi_text(0, 2);
	return true;
}

/*
 * bronze_insert
 *		Keep a raw payload exactly as received (whole, or as a delta that
 *		gives back exactly its bytes).  Returns its payload_id; a
 *		payload already held (same digest) is not stored again and its
 *		existing id is returned.  A payload held as rejected that is now
 *		accepted (a parser learnt to take it) is marked accepted.
 */
int64
bronze_insert(int32 account_id, const char *source, const char *kind,
			  const char *origin, const char *body, size_t len,
			  const uint8 *sha, int http_status, bool accepted,
			  const char *reason)
{
	Oid			types[11] = {INT4OID, TEXTOID, TEXTOID, TEXTOID, BYTEAOID,
	INT4OID, INT2OID, TEXTOID, TEXTOID, BYTEAOID, INT8OID};
	Datum		values[11];
	char		nulls[11];
	bool		isnull;
	int64		payload_id;
	char	   *status;
	char	   *delta = NULL;
	size_t		delta_len = 0;
	int64		base_id = 0;

	/* a payload held already is not stored again: no delta to make */
	if (!bronze_lookup(account_id, sha, &payload_id, &status))
		delta = bronze_delta(account_id, source, kind, body, len, sha,
							 &base_id, &delta_len);

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int32GetDatum(account_id);
	values[1] = CStringGetTextDatum(source);
	spi_arg_text(values, nulls, 2, kind);
	spi_arg_text(values, nulls, 3, origin);
	values[4] = bytea_datum((const char *) sha, SHA256_LEN);
	values[5] = Int32GetDatum((int32) len);
	if (http_status > 0)
		values[6] = Int16GetDatum((int16) http_status);
	else
		nulls[6] = 'n';
	values[7] = CStringGetTextDatum(accepted ? "accepted" : "rejected");
	spi_arg_text(values, nulls, 8, reason);
	if (delta != NULL)
	{
		values[9] = bytea_datum(delta, delta_len);
		values[10] = Int64GetDatum(base_id);
	}
	else
	{
		values[9] = bytea_datum(body, len);
		nulls[10] = 'n';
	}

	/* before ALTER EXTENSION UPDATE, bronze.payload has no base column */
	spi_exec_limit(delta != NULL ?
				   "INSERT INTO bronze.payload "
				   "(account_id, source, kind, origin, sha256, byte_size, "
				   " http_status, status, reason, body, base_payload_id) "
				   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
				   BRONZE_UPSERT :
				   "INSERT INTO bronze.payload "
				   "(account_id, source, kind, origin, sha256, byte_size, "
				   " http_status, status, reason, body) "
				   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
				   BRONZE_UPSERT,
				   delta != NULL ? 11 : 10, types, values, nulls, 1,
				   SPI_OK_INSERT_RETURNING, "store a payload");
	if (SPI_processed == 1)
		return DatumGetInt64(spi_datum(0, 1, &isnull));
	else
	{
		if (!bronze_lookup(account_id, sha, &payload_id, &status))
			elog(ERROR, "payload vanished while it was being stored");
		return payload_id;
	}
}
