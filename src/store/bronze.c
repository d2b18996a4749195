/*-------------------------------------------------------------------------
 *
 * bronze.c
 *	  Bronze: every payload exactly as received, once per account.
 *
 * A payload is known by its SHA-256: the same bytes are never stored twice
 * for one account.  A payload that failed validation is kept too, marked
 * rejected with the reason, so that nothing that arrived is ever lost.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"

#include "common/common.h"
#include "core/core.h"
#include "store/store.h"

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
 *		Keep a raw payload exactly as received.  Returns its payload_id; a
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
	Oid			types[10] = {INT4OID, TEXTOID, TEXTOID, TEXTOID, BYTEAOID,
	INT4OID, INT2OID, TEXTOID, TEXTOID, BYTEAOID};
	Datum		values[10];
	char		nulls[10];
	bool		isnull;
	int64		payload_id;

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
	values[9] = bytea_datum(body, len);

	spi_exec_limit("INSERT INTO bronze.payload "
				   "(account_id, source, kind, origin, sha256, byte_size, "
				   " http_status, status, reason, body) "
				   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
				   "ON CONFLICT (account_id, sha256) DO UPDATE SET "
				   " status = 'accepted', reason = NULL, "
				   " kind = coalesce(excluded.kind, payload.kind), "
				   " http_status = coalesce(excluded.http_status, payload.http_status) "
				   "WHERE payload.status = 'rejected' AND excluded.status = 'accepted' "
				   "RETURNING payload_id",
				   10, types, values, nulls, 1,
				   SPI_OK_INSERT_RETURNING, "store a payload");
	if (SPI_processed == 1)
		return DatumGetInt64(spi_datum(0, 1, &isnull));
	else
	{
		char	   *status;

		if (!bronze_lookup(account_id, sha, &payload_id, &status))
			elog(ERROR, "payload vanished while it was being stored");
		return payload_id;
	}
}
