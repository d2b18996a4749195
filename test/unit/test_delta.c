/*
 * Unit tests for the byte delta codec (src/core/delta.c): round trips of
 * near-copies, unrelated and empty buffers, the size limit a caller
 * passes, and the decoder's refusals of malformed input.
 *
 * test/unit/test_delta.c
 */
#include <stdint.h>

#include "unit_test.h"

#include "core/delta.h"

/* Encode target against base with no size limit; returns the delta length. */
static size_t
encode(const uint8_t *base, size_t blen, const uint8_t *target, size_t tlen,
	   uint8_t **out)
{
	uint32_t   *scratch = malloc(delta_scratch_size(blen));
	size_t		cap = delta_encode_bound(tlen);
	size_t		n;

	*out = malloc(cap);
	n = delta_encode(base, blen, target, tlen, scratch, *out, cap);
	free(scratch);
	return n;
}

/* Whether decoding gives back exactly target. */
static bool
round_trip(const uint8_t *base, size_t blen, const uint8_t *target, size_t tlen,
		   size_t *dlen)
{
	uint8_t    *d;
	uint8_t    *back;
	size_t		n = encode(base, blen, target, tlen, &d);
	size_t		sb,
				st;
	bool		ok;

	*dlen = n;
	if (n == 0)
	{
		free(d);
		return false;
	}
	back = malloc(tlen + 1);
	ok = delta_sizes(d, n, &sb, &st) == 0 && sb == blen && st == tlen &&
		delta_decode(base, blen, d, n, back, tlen) == 0 &&
		memcmp(back, target, tlen) == 0;
	free(back);
	free(d);
	return ok;
}

/*
 * A page as a scheduled sync gets it: newest first, one data point per
 * second from first to last.
 */
static size_t
page(char *buf, size_t cap, long first, long last)
{
	size_t		n = 0;
	long		t;

	n += snprintf(buf + n, cap - n, "{\"dataPoints\":[");
	for (t = last; t >= first && n < cap - 200; t--)
		n += snprintf(buf + n, cap - n,
					  "%s{\"heartRate\":{\"sampleTime\":{\"physicalTime\":\"%ld\"},"
					  "\"beatsPerMinute\":\"%ld\"}}",
					  t == last ? "" : ",", t, 60 + (t * 7919) % 61);
	n += snprintf(buf + n, cap - n, "],\"nextPageToken\":\"\"}");
	return n;
}

int
main(void)
{
	static char a[1 << 20];
	static char b[1 << 20];
	size_t		alen,
				blen,
				dlen;
	uint8_t    *d;
	uint8_t		out[64];
	size_t		sb,
				st;

	/* a page and the next one, overlapping by an hour of its 75 minutes */
	alen = page(a, sizeof(a), 1000000, 1000000 + 4500);
	blen = page(b, sizeof(b), 1000000 + 900, 1000000 + 5400);
	CHECK(round_trip((uint8_t *) a, alen, (uint8_t *) b, blen, &dlen));
	printf("near-copy: %zu bytes against a base of %zu: delta of %zu (%.1f %%)\n",
		   blen, alen, dlen, 100.0 * dlen / blen);
	CHECK(dlen < blen / 3);

	/* the same bytes: a single copy */
	CHECK(round_trip((uint8_t *) a, alen, (uint8_t *) a, alen, &dlen));
	CHECK(dlen < 32);

	/* empty base, empty target, both empty, short ones */
	CHECK(round_trip((uint8_t *) "", 0, (uint8_t *) a, 1000, &dlen));
	CHECK(dlen > 1000);
	CHECK(round_trip((uint8_t *) a, alen, (uint8_t *) "", 0, &dlen));
	CHECK(round_trip((uint8_t *) "", 0, (uint8_t *) "", 0, &dlen));
	CHECK(round_trip((uint8_t *) "abc", 3, (uint8_t *) "abcd", 4, &dlen));

	/* unrelated bytes: no larger than the bound */
	CHECK(round_trip((uint8_t *) b + 5000, 3000, (uint8_t *) "0123456789abcdefghij", 20, &dlen));
	CHECK(dlen <= delta_encode_bound(20));

	/* a limit the delta does not fit in gives 0 */
	{
		uint32_t   *scratch = malloc(delta_scratch_size(alen));
		uint8_t    *small = malloc(100);

		CHECK(delta_encode((uint8_t *) "", 0, (uint8_t *) a, 1000, scratch, small, 100) == 0);
		CHECK(delta_encode((uint8_t *) a, alen, (uint8_t *) a, alen, scratch, small, 100) > 0);
		free(small);
		free(scratch);
	}

	/* the decoder refuses a wrong base, a wrong target length, a cut and a tail */
	dlen = encode((uint8_t *) a, alen, (uint8_t *) b, blen, &d);
	CHECK(dlen > 0);
	{
		uint8_t    *back = malloc(blen + 1);
		uint8_t    *longer = malloc(dlen + 1);

		CHECK(delta_decode((uint8_t *) a, alen - 1, d, dlen, back, blen) != 0);
		CHECK(delta_decode((uint8_t *) a, alen, d, dlen, back, blen - 1) != 0);
		CHECK(delta_decode((uint8_t *) a, alen, d, dlen - 1, back, blen) != 0);
		memcpy(longer, d, dlen);
		longer[dlen] = 0;
		CHECK(delta_decode((uint8_t *) a, alen, longer, dlen + 1, back, blen) != 0);
		d[0] = DELTA_VERSION + 1;
		CHECK(delta_decode((uint8_t *) a, alen, d, dlen, back, blen) != 0);
		free(longer);
		free(back);
	}
	free(d);

	/* hand-made deltas: a copy past the base, a zero length, a huge varint */
	{
		const uint8_t past[] = {DELTA_VERSION, 4, 4, (4 << 1) | 1, 1};
		const uint8_t zero[] = {DELTA_VERSION, 4, 0, 0};
		const uint8_t huge[] = {DELTA_VERSION, 4, 4, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
		0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
		const uint8_t good[] = {DELTA_VERSION, 4, 6, (2 << 1), 'x', 'y', (4 << 1) | 1, 0};

		CHECK(delta_decode((uint8_t *) "abcd", 4, past, sizeof(past), out, 4) != 0);
		CHECK(delta_decode((uint8_t *) "abcd", 4, zero, sizeof(zero), out, 0) != 0);
		CHECK(delta_sizes(huge, sizeof(huge), &sb, &st) == 0);
		CHECK(delta_decode((uint8_t *) "abcd", 4, huge, sizeof(huge), out, 4) != 0);
		CHECK(delta_decode((uint8_t *) "abcd", 4, good, sizeof(good), out, 6) == 0 &&
			  memcmp(out, "xyabcd", 6) == 0);
		CHECK(delta_sizes(good, 2, &sb, &st) != 0);
	}
	return unit_report();
}
