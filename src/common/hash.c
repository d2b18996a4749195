/*-------------------------------------------------------------------------
 *
 * hash.c
 *	  Digests and encodings: SHA-256 and MD5 with PostgreSQL's
 *	  pg_cryptohash, hex with its hex_encode, base64 with its pg_b64.
 *
 * SHA-256 is the key that stores each payload once in bronze, the
 * x-amz-content-sha256 of every S3 request, and the checksum of every
 * archived object; MD5 is what S3 checks a body against (Content-MD5) and
 * the ETag of a simple upload.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/base64.h"
#include "common/cryptohash.h"
#include "common/md5.h"
#include "common/sha2.h"
#include "utils/builtins.h"

#include "common/common.h"

/*
 * digest
 *		One digest of a buffer, in one call.
 */
static void
digest(pg_cryptohash_type type, const char *data, size_t len, uint8 *out,
	   size_t outlen)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(type);

	if (ctx == NULL ||
		pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(ctx, out, outlen) < 0)
	{
		pg_cryptohash_free(ctx);
		elog(ERROR, "could not compute %s digest",
			 type == PG_MD5 ? "MD5" : "SHA-256");
	}
	pg_cryptohash_free(ctx);
}

/*
 * sha256_bytes
 *		SHA-256 of a buffer; out holds SHA256_LEN bytes.
 */
void
sha256_bytes(const char *data, size_t len, uint8 *out)
{
	digest(PG_SHA256, data, len, out, PG_SHA256_DIGEST_LENGTH);
}

/*
 * sha256_hex
 *		Lower-case hex SHA-256 of a buffer; hex holds SHA256_HEX_SIZE bytes.
 */
void
sha256_hex(const char *data, size_t len, char *hex)
{
	uint8		d[PG_SHA256_DIGEST_LENGTH];

	sha256_bytes(data, len, d);
	hex_encode((const char *) d, sizeof(d), hex);
	hex[2 * sizeof(d)] = '\0';
}

/*
 * sha256_begin / sha256_update / sha256_final_hex
 *		An incremental SHA-256, for what is computed as it streams by (the
 *		fingerprint of a month's payloads).  sha256_final_hex frees it.
 */
pg_cryptohash_ctx *
sha256_begin(void)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (ctx == NULL || pg_cryptohash_init(ctx) < 0)
		elog(ERROR, "could not start a SHA-256 digest");
	return ctx;
}

/* See sha256_begin. */
void
sha256_update(pg_cryptohash_ctx *ctx, const uint8 *data, size_t len)
{
	if (pg_cryptohash_update(ctx, data, len) < 0)
		elog(ERROR, "could not compute SHA-256 digest");
}

/* See sha256_begin. */
char *
sha256_final_hex(pg_cryptohash_ctx *ctx)
{
	uint8		d[PG_SHA256_DIGEST_LENGTH];

	if (pg_cryptohash_final(ctx, d, sizeof(d)) < 0)
		elog(ERROR, "could not compute SHA-256 digest");
	pg_cryptohash_free(ctx);
	return hex_string(d, sizeof(d));
}

/*
 * md5_hex
 *		Lower-case hex MD5 of a buffer, palloc'd.
 */
char *
md5_hex(const char *data, size_t len)
{
	uint8		d[MD5_DIGEST_LENGTH];

	digest(PG_MD5, data, len, d, sizeof(d));
	return hex_string(d, sizeof(d));
}

/*
 * hex_string
 *		Lower-case hex of bytes, palloc'd.
 */
char *
hex_string(const uint8 *data, size_t len)
{
	char	   *out = palloc(2 * len + 1);

	hex_encode((const char *) data, len, out);
	out[2 * len] = '\0';
	return out;
}

/*
 * hex_to_bytes
 *		Decode exactly len bytes of lower- or upper-case hex; false when the
 *		text is anything else (hex_decode would raise, and skips blanks).
 */
bool
hex_to_bytes(const char *hex, uint8 *out, size_t len)
{
	if (hex == NULL || strlen(hex) != 2 * len ||
		strspn(hex, "0123456789abcdefABCDEF") != 2 * len)
		return false;
	(void) hex_decode(hex, 2 * len, (char *) out);
	return true;
}

/*
 * base64_string
 *		Base64 of bytes, palloc'd (huge allocations allowed).
 */
char *
base64_string(const char *data, size_t len)
{
	int			cap;
	char	   *out;
	int			n;

	if (len >= (size_t) PG_INT32_MAX / 2)
		elog(ERROR, "could not encode %zu bytes in base64", len);
	cap = pg_b64_enc_len((int) len) + 1;
	out = palloc_extended(cap, MCXT_ALLOC_HUGE);
	n = pg_b64_encode(data, (int) len, out, cap);
	if (n < 0)
		elog(ERROR, "could not encode base64");
	out[n] = '\0';
	return out;
}

/*
 * base64_to_bytes
 *		Decode base64, palloc'd; NULL when the text is not base64.
 */
char *
base64_to_bytes(const char *b64, size_t *len)
{
	size_t		inlen = strlen(b64);
	int			cap;
	char	   *out;
	int			n;

	if (inlen >= (size_t) PG_INT32_MAX)
		return NULL;
	cap = pg_b64_dec_len((int) inlen) + 1;
	out = palloc_extended(cap, MCXT_ALLOC_HUGE);
	n = pg_b64_decode(b64, (int) inlen, out, cap);
	if (n < 0)
		return NULL;
	*len = (size_t) n;
	return out;
}
