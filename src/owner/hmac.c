/*-------------------------------------------------------------------------
 *
 * hmac.c
 *	  HMAC-SHA256 for signing the owner's sign-in tokens (HS256 JWTs that
 *	  PostgREST verifies with its jwt-secret; see src/schema/owner.sql).
 *
 * PostgreSQL's own HMAC (src/common/hmac.c) does the work, so Tracker
 * needs no cryptographic library of its own.  The key is wiped from the
 * copy made here once the digest is computed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/cryptohash.h"
#include "common/hmac.h"
#include "common/sha2.h"
#include "fmgr.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(tracker_hmac_sha256);

/*
 * tracker_hmac_sha256
 *		HMAC-SHA256 of data under key, as bytea (32 bytes).
 */
Datum
tracker_hmac_sha256(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	bytea	   *key = PG_GETARG_BYTEA_PP(1);
	bytea	   *result = (bytea *) palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	pg_hmac_ctx *ctx;
	bool		ok;

	ctx = pg_hmac_create(PG_SHA256);
	if (ctx == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	ok = pg_hmac_init(ctx, (const uint8 *) VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key)) >= 0 &&
		pg_hmac_update(ctx, (const uint8 *) VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data)) >= 0 &&
		pg_hmac_final(ctx, (uint8 *) VARDATA(result), PG_SHA256_DIGEST_LENGTH) >= 0;
	if (!ok)
	{
		const char *why = pg_hmac_error(ctx);

		pg_hmac_free(ctx);
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute an HMAC-SHA256: %s", why)));
	}
	pg_hmac_free(ctx);

	/* the key: wipe a detoasted copy (never the caller's datum) */
	if ((Pointer) key != DatumGetPointer(PG_GETARG_DATUM(1)))
		explicit_bzero(VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key));

	SET_VARSIZE(result, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	PG_RETURN_BYTEA_P(result);
}
