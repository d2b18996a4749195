/*-------------------------------------------------------------------------
 *
 * delta.c
 *	  A byte delta: the target as pieces of the base and literal bytes.
 *
 * Format (version 1):
 *
 *	byte	DELTA_VERSION
 *	varint	length of the base the delta applies to
 *	varint	length of the target it gives
 *	ops		until the end of the buffer, each a varint v:
 *				v & 1 == 0: a literal of v >> 1 bytes, which follow;
 *				v & 1 == 1: a copy of v >> 1 bytes of the base, from the
 *							offset given by the varint that follows.
 *
 * Varints are little-endian base-128 (7 bits a byte, high bit = more), at
 * most 10 bytes.  Every op has a length of at least 1; the ops' lengths
 * add up to exactly the target length.  The decoder checks each of these
 * before it touches memory, so any input either decodes or fails cleanly.
 *
 * The encoder indexes the base by a hash of each aligned block of
 * DELTA_BLOCK bytes, runs a rolling hash of the same width over the
 * target, and at each block that matches extends the match both ways.
 * A page of a scheduled sync repeats the hour of samples the page before
 * it carried, at some other place in the page; so matches are long and
 * found wherever they sit.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <string.h>

#include "core/delta.h"

/* Width of the hashed blocks. */
#define DELTA_BLOCK		16

/*
 * Shortest copy kept: a copy op with the literal op after it takes at most
 * 30 bytes, so every copy kept makes the delta shorter than the literal,
 * and delta_encode_bound() holds.
 */
#define DELTA_MIN_MATCH	32

/* Longest varint for a 64-bit value. */
#define VARINT_MAX_BYTES 10

/* Multiplier of the rolling hash. */
#define ROLL_MUL		0x01000193u

/* Hash table size (a power of two) for a base of base_len bytes. */
static size_t
table_size(size_t base_len)
{
	size_t		want = base_len / DELTA_BLOCK * 2;
	size_t		n = 64;

	while (n < want && n < ((size_t) 1 << 30))
		n <<= 1;
	return n;
}

size_t
delta_scratch_size(size_t base_len)
{
	return table_size(base_len) * sizeof(uint32_t);
}

size_t
delta_encode_bound(size_t target_len)
{
	/* header, one literal op of the whole target */
	return 1 + 3 * VARINT_MAX_BYTES + target_len;
}

/* Output with a hard limit: every write checks the room left. */
typedef struct DeltaOut
{
	uint8_t    *buf;
	size_t		cap;
	size_t		pos;
	int			full;			/* a write did not fit */
} DeltaOut;

static void
put_varint(DeltaOut *o, uint64_t v)
{
	do
	{
		uint8_t		b = v & 0x7F;

		v >>= 7;
		if (v)
			b |= 0x80;
		if (o->pos >= o->cap)
		{
			o->full = 1;
			return;
		}
		o->buf[o->pos++] = b;
	} while (v);
}

static void
put_bytes(DeltaOut *o, const uint8_t *p, size_t n)
{
	if (o->full || n > o->cap - o->pos)
	{
		o->full = 1;
		return;
	}
	memcpy(o->buf + o->pos, p, n);
	o->pos += n;
}

static void
put_literal(DeltaOut *o, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	put_varint(o, (uint64_t) n << 1);
	put_bytes(o, p, n);
}

static void
put_copy(DeltaOut *o, size_t off, size_t n)
{
	put_varint(o, ((uint64_t) n << 1) | 1);
	put_varint(o, off);
}

/* Hash of DELTA_BLOCK bytes, as the rolling hash computes it. */
static uint32_t
block_hash(const uint8_t *p)
{
	uint32_t	h = 0;
	int			i;

	for (i = 0; i < DELTA_BLOCK; i++)
		h = h * ROLL_MUL + p[i];
	return h;
}

/* Bucket of a hash in a table of mask + 1 entries. */
static size_t
bucket(uint32_t h, size_t mask)
{
	return (size_t) ((h * 2654435761u) ^ (h >> 15)) & mask;
}

size_t
delta_encode(const uint8_t *base, size_t base_len,
			 const uint8_t *target, size_t target_len,
			 uint32_t *scratch, uint8_t *out, size_t out_cap)
{
	DeltaOut	o = {out, out_cap, 0, 0};
	size_t		nbuckets = table_size(base_len);
	size_t		mask = nbuckets - 1;
	uint32_t	pow = 1;		/* ROLL_MUL ^ (DELTA_BLOCK - 1) */
	uint32_t	h = 0;
	size_t		lit = 0;		/* start of the pending literal */
	size_t		pos = 0;
	size_t		i;

	if (base_len > DELTA_MAX_BASE)
		return 0;
	for (i = 1; i < DELTA_BLOCK; i++)
		pow *= ROLL_MUL;

	/* index the base: the first aligned block of each hash wins */
	memset(scratch, 0, nbuckets * sizeof(uint32_t));
	for (i = 0; base_len >= DELTA_BLOCK && i <= base_len - DELTA_BLOCK; i += DELTA_BLOCK)
	{
		size_t		b = bucket(block_hash(base + i), mask);

		if (scratch[b] == 0)
			scratch[b] = (uint32_t) (i + 1);
	}

	if (o.cap < 1)
		return 0;
	o.buf[o.pos++] = DELTA_VERSION;
	put_varint(&o, base_len);
	put_varint(&o, target_len);

	if (target_len >= DELTA_BLOCK && base_len >= DELTA_BLOCK)
		h = block_hash(target);
	while (target_len >= DELTA_BLOCK && base_len >= DELTA_BLOCK &&
		   pos <= target_len - DELTA_BLOCK && !o.full)
	{
		uint32_t	cand = scratch[bucket(h, mask)];

		if (cand != 0 && memcmp(base + cand - 1, target + pos, DELTA_BLOCK) == 0)
		{
			size_t		bpos = cand - 1;
			size_t		tpos = pos;
			size_t		len = DELTA_BLOCK;

			/* extend backwards into the pending literal, then forwards */
			while (tpos > lit && bpos > 0 && target[tpos - 1] == base[bpos - 1])
			{
				tpos--;
				bpos--;
				len++;
			}
			while (tpos + len < target_len && bpos + len < base_len &&
				   target[tpos + len] == base[bpos + len])
				len++;
			if (len >= DELTA_MIN_MATCH)
			{
				put_literal(&o, target + lit, tpos - lit);
				put_copy(&o, bpos, len);
				pos = tpos + len;
				lit = pos;
				if (pos <= target_len - DELTA_BLOCK)
					h = block_hash(target + pos);
				continue;
			}
		}
		/* roll the hash one byte on */
		if (pos + DELTA_BLOCK < target_len)
			h = (h - target[pos] * pow) * ROLL_MUL + target[pos + DELTA_BLOCK];
		pos++;
	}
	put_literal(&o, target + lit, target_len - lit);
	return o.full ? 0 : o.pos;
}

/* Read a varint, never past end; returns 0 on success. */
static int
get_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
	uint64_t	x = 0;
	int			shift = 0;

	for (;;)
	{
		uint8_t		b;

		if (*pos >= len || shift >= 7 * VARINT_MAX_BYTES)
			return -1;
		b = p[(*pos)++];
		if (shift == 63 && (b & 0x7E) != 0)
			return -1;			/* more than 64 bits */
		x |= (uint64_t) (b & 0x7F) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	*v = x;
	return 0;
}

/* The header: version and both lengths; *pos is left after it. */
static int
read_header(const uint8_t *delta, size_t delta_len, size_t *pos,
			size_t *base_len, size_t *target_len)
{
	uint64_t	b,
				t;

	if (delta_len < 1 || delta[0] != DELTA_VERSION)
		return -1;
	*pos = 1;
	if (get_varint(delta, delta_len, pos, &b) != 0 ||
		get_varint(delta, delta_len, pos, &t) != 0)
		return -1;
	if (b > SIZE_MAX || t > SIZE_MAX)
		return -1;
	*base_len = (size_t) b;
	*target_len = (size_t) t;
	return 0;
}

int
delta_sizes(const uint8_t *delta, size_t delta_len,
			size_t *base_len, size_t *target_len)
{
	size_t		pos;

	return read_header(delta, delta_len, &pos, base_len, target_len);
}

int
delta_decode(const uint8_t *base, size_t base_len,
			 const uint8_t *delta, size_t delta_len,
			 uint8_t *out, size_t out_len)
{
	size_t		pos;
	size_t		hb,
				ht;
	size_t		done = 0;

	if (read_header(delta, delta_len, &pos, &hb, &ht) != 0)
		return -1;
	if (hb != base_len || ht != out_len)
		return -1;
	while (pos < delta_len)
	{
		uint64_t	v;
		uint64_t	n;

		if (get_varint(delta, delta_len, &pos, &v) != 0)
			return -1;
		n = v >> 1;
		if (n == 0 || n > out_len - done)
			return -1;
		if (v & 1)
		{
			uint64_t	off;

			if (get_varint(delta, delta_len, &pos, &off) != 0)
				return -1;
			if (off > base_len || n > base_len - off)
				return -1;
			memcpy(out + done, base + off, (size_t) n);
		}
		else
		{
			if (n > delta_len - pos)
				return -1;
			memcpy(out + done, delta + pos, (size_t) n);
			pos += (size_t) n;
		}
		done += (size_t) n;
	}
	return done == out_len ? 0 : -1;
}
