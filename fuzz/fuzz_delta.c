/*-------------------------------------------------------------------------
 *
 * fuzz_delta.c
 *	  Fuzz target for the byte delta codec (src/core/delta.c).
 *
 * The first byte selects what the rest of the input is:
 *
 *	mode 0	a base (its length in the next two bytes) and bytes handed to
 *			the decoder as a delta.  Whatever they are, sizes and decode
 *			must not crash or read or write outside the buffers; when they
 *			decode, encoding the target against the base again and
 *			decoding that gives the same target.
 *	mode 1	a base and a target, split at a point the next two bytes give:
 *			decode(base, encode(base, target)) == target, the delta fits
 *			delta_encode_bound(), names both lengths, and the delta with its
 *			last byte cut off or a byte added is refused.
 *	mode 2	a base, and a target made of pieces of it and literal bytes
 *			as the input describes: near-copies, as bronze stores them;
 *			same properties as mode 1.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

#include "core/delta.h"

/* Round trip of target against base, with the properties of mode 1. */
static void
check_round_trip(const uint8_t *base, size_t blen, const uint8_t *target, size_t tlen)
{
	size_t		cap = delta_encode_bound(tlen);
	uint32_t   *scratch = malloc(delta_scratch_size(blen));
	uint8_t    *d = malloc(cap + 1);
	uint8_t    *back = malloc(tlen + 1);
	size_t		n,
				sb,
				st;

	n = delta_encode(base, blen, target, tlen, scratch, d, cap);
	FUZZ_CHECK(n > 0 && n <= cap, "encode gave %zu bytes, bound %zu", n, cap);
	FUZZ_CHECK(delta_sizes(d, n, &sb, &st) == 0 && sb == blen && st == tlen,
			   "the delta does not name its lengths");
	FUZZ_CHECK(delta_decode(base, blen, d, n, back, tlen) == 0,
			   "decode refused an encoding (%zu bytes, base %zu, target %zu)", n, blen, tlen);
	FUZZ_CHECK(memcmp(back, target, tlen) == 0, "decode(encode(x)) != x");
	FUZZ_CHECK(delta_decode(base, blen, d, n - 1, back, tlen) != 0,
			   "decode accepted a delta cut by one byte");
	d[n] = 0;
	FUZZ_CHECK(delta_decode(base, blen, d, n + 1, back, tlen) != 0,
			   "decode accepted a trailing byte");
	/* a limit one byte short refuses, the exact length fits */
	FUZZ_CHECK(delta_encode(base, blen, target, tlen, scratch, d, n - 1) == 0,
			   "encode wrote %zu bytes into room for %zu", n, n - 1);
	FUZZ_CHECK(delta_encode(base, blen, target, tlen, scratch, d, n) == n,
			   "encode refused room of exactly its length");
	free(back);
	free(d);
	free(scratch);
}

/* Mode 0: arbitrary bytes as a delta. */
static void
check_decode(const uint8_t *base, size_t blen, const uint8_t *delta, size_t dlen)
{
	size_t		sb,
				st;
	uint8_t    *out;

	if (delta_sizes(delta, dlen, &sb, &st) != 0)
	{
		uint8_t		one;

		FUZZ_CHECK(delta_decode(base, blen, delta, dlen, &one, 0) != 0,
				   "decode accepted a delta whose header sizes refused");
		return;
	}
	if (sb != blen || st > 4 * dlen + 65536)
		return;					/* a target that large cannot come from these ops */
	out = malloc(st + 1);
	if (delta_decode(base, blen, delta, dlen, out, st) == 0)
		check_round_trip(base, blen, out, st);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int			mode;
	size_t		split;

	if (size < 3)
		return 0;
	mode = data[0] % 3;
	split = (size_t) data[1] | ((size_t) data[2] << 8);
	data += 3;
	size -= 3;
	if (split > size)
		split = size;

	if (mode == 0)
		check_decode(data, split, data + split, size - split);
	else if (mode == 1)
		check_round_trip(data, split, data + split, size - split);
	else
	{
		/* records of 4 bytes: a piece of the base (offset, length) or a literal */
		const uint8_t *base = data;
		size_t		blen = split;
		uint8_t    *target = malloc(((size - split) / 4 + 1) * 255);
		size_t		tlen = 0;
		size_t		i;

		for (i = split; i + 4 <= size; i += 4)
		{
			size_t		off = ((size_t) data[i + 1] << 8) | data[i + 2];
			size_t		len = (size_t) data[i + 3];

			if ((data[i] & 1) && blen > 0)
			{
				off %= blen;
				if (len > blen - off)
					len = blen - off;
				memcpy(target + tlen, base + off, len);
				tlen += len;
			}
			else
			{
				memcpy(target + tlen, data + i + 1, 3);
				tlen += 3;
			}
		}
		check_round_trip(base, blen, target, tlen);
		free(target);
	}
	return 0;
}
