/*-------------------------------------------------------------------------
 *
 * test_series.c
 *	  Unit tests for the heart-rate series codec (src/series.c).
 *
 * Standalone: cc -Wall -Wextra -Werror -Isrc test/unit/test_series.c
 * src/series.c -o test_series && ./test_series
 * Exits non-zero if any check fails; the last line is "N passed, N failed".
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/series.h"
#include "unit_test.h"

/* Largest series the tests build. */
#define MAX_N		6000

static HrSample in_buf[MAX_N];
static HrSample out_buf[MAX_N];
static HrSample ref_buf[MAX_N];
static uint8_t enc_buf[16 + MAX_N * 12 + 64];
static uint8_t enc2_buf[16 + MAX_N * 12 + 64];

/*
 * A small deterministic generator (xorshift64*), so that the random tests
 * do the same thing with every C library.
 */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

/*
 * Uniform-ish integer in [0, n); the bias is irrelevant for tests.
 */
static uint64_t
rng_below(uint64_t n)
{
	return n ? rng() % n : 0;
}

/*
 * Encode, decode and compare; also checks the size against the bound and
 * that the decoded series encodes to the same bytes.  Returns the encoded
 * length (0 on any failure, reported by the caller).
 */
static size_t
round_trip(const HrSample *s, size_t n)
{
	size_t		len;
	size_t		len2;
	size_t		m = (size_t) -1;
	size_t		cnt = (size_t) -1;
	size_t		i;

	len = hr_series_encode(s, n, enc_buf);
	if (len == 0 || len > hr_series_encode_bound(n))
		return 0;
	if (hr_series_count(enc_buf, len, &cnt) != 0 || cnt != n)
		return 0;
	if (hr_series_decode(enc_buf, len, out_buf, MAX_N, &m) != 0 || m != n)
		return 0;
	for (i = 0; i < n; i++)
		if (out_buf[i].t != s[i].t || out_buf[i].bpm != s[i].bpm)
			return 0;
	len2 = hr_series_encode(out_buf, m, enc2_buf);
	if (len2 != len || memcmp(enc_buf, enc2_buf, len) != 0)
		return 0;
	return len;
}

/*
 * The empty series and single samples at the ends of both ranges.
 */
static void
test_small(void)
{
	HrSample	s[3] = {{0, 0}, {0, 0}, {0, 0}};
	size_t		len;
	size_t		m;

	len = round_trip(s, 0);
	CHECK_MSG(len == 2, "empty series encodes to version + count");
	CHECK_MSG(enc_buf[0] == HR_SERIES_VERSION, "first byte is the version");
	CHECK_MSG(hr_series_decode(enc_buf, len, NULL, 0, &m) == 0 && m == 0,
			  "empty series decodes with no output buffer");

	s[0].t = 1493510413;
	s[0].bpm = 63;
	CHECK_MSG(round_trip(s, 1) != 0, "one sample");

	s[0].t = INT64_MIN;
	s[0].bpm = INT16_MIN;
	CHECK_MSG(round_trip(s, 1) != 0, "one sample at INT64_MIN, INT16_MIN");

	s[0].t = INT64_MAX;
	s[0].bpm = INT16_MAX;
	CHECK_MSG(round_trip(s, 1) != 0, "one sample at INT64_MAX, INT16_MAX");

	s[0].t = -1;
	s[0].bpm = -1;
	CHECK_MSG(round_trip(s, 1) != 0, "one negative sample");
}

/*
 * Deltas that need every escape: the whole int64 range in one step and
 * the whole int16 range in one step.
 */
static void
test_extremes(void)
{
	HrSample	s[8];

	s[0].t = INT64_MIN;
	s[0].bpm = INT16_MIN;
	s[1].t = INT64_MAX;
	s[1].bpm = INT16_MAX;
	CHECK_MSG(round_trip(s, 2) != 0, "t delta of 2^64 - 1, bpm delta of 65535");

	s[0].t = INT64_MIN;
	s[0].bpm = INT16_MAX;
	s[1].t = -1;
	s[1].bpm = INT16_MIN;
	s[2].t = 0;
	s[2].bpm = INT16_MAX;
	s[3].t = INT64_MAX - 1;
	s[3].bpm = 0;
	s[4].t = INT64_MAX;
	s[4].bpm = 0;
	CHECK_MSG(round_trip(s, 5) != 0, "mixed extreme deltas");

	/* interval boundaries of the explicit and escaped time codes */
	s[0].t = 0;
	s[0].bpm = 60;
	s[1].t = 16;				/* dt 16: explicit */
	s[1].bpm = 66;				/* +6 */
	s[2].t = 33;				/* dt 17: escaped */
	s[2].bpm = 59;				/* -7 */
	s[3].t = 33 + 4;			/* dt 4: explicit */
	s[3].bpm = 62;				/* +3 */
	s[4].t = 37 + ((int64_t) 1 << 40);	/* huge gap */
	s[4].bpm = 55;
	s[5].t = s[4].t + 16;		/* back in the list? no: pushed out */
	s[5].bpm = 55;
	s[6].t = s[5].t + 17;		/* dt 17 again: in the list */
	s[6].bpm = 56;
	s[7].t = s[6].t + 16;
	s[7].bpm = 54;
	CHECK_MSG(round_trip(s, 8) != 0, "explicit/escape interval boundaries");
}

/*
 * Encode must refuse input that is not strictly increasing in t.
 */
static void
test_not_increasing(void)
{
	HrSample	s[3] = {{10, 60}, {10, 61}, {20, 62}};

	CHECK_MSG(hr_series_encode(s, 3, enc_buf) == 0, "equal t is rejected");
	s[1].t = 9;
	CHECK_MSG(hr_series_encode(s, 3, enc_buf) == 0, "decreasing t is rejected");
	s[0].t = INT64_MAX;
	s[1].t = INT64_MIN;
	CHECK_MSG(hr_series_encode(s, 2, enc_buf) == 0,
			  "wrap-around from INT64_MAX is rejected");
}

/*
 * Random series of several shapes, with a fixed seed: device-like
 * intervals, arbitrary ones, huge gaps and bpm jumps.
 */
static void
test_random(void)
{
	int			iter;
	int			bad = 0;

	for (iter = 0; iter < 400; iter++)
	{
		size_t		n = (size_t) rng_below(iter < 300 ? 200 : MAX_N);
		int			shape = iter % 4;
		int64_t		t = (int64_t) rng() >> (rng_below(64));
		int32_t		bpm = (int32_t) rng_below(200);
		size_t		i;

		for (i = 0; i < n; i++)
		{
			uint64_t	dt;

			if (shape == 0)
			{
				static const int typical[] = {1, 2, 3, 5, 10, 15};

				dt = (uint64_t) typical[rng_below(6)];
			}
			else if (shape == 1)
				dt = 1 + rng_below(40);
			else if (shape == 2)
			{
				dt = rng() >> rng_below(64);
				if (dt == 0)
					dt = 1;
			}
			else
				dt = rng_below(8) == 0 ? 1 + rng_below(100000) : 1 + rng_below(4);

			/* stop before t would overflow */
			if (i > 0 && dt > (uint64_t) INT64_MAX - (uint64_t) t)
				break;
			if (i > 0)
				t = (int64_t) ((uint64_t) t + dt);

			if (rng_below(50) == 0)
				bpm = (int32_t) rng_below(65536) - 32768;
			else
				bpm += (int32_t) rng_below(9) - 4;
			if (bpm > INT16_MAX)
				bpm = INT16_MAX;
			if (bpm < INT16_MIN)
				bpm = INT16_MIN;
			in_buf[i].t = t;
			in_buf[i].bpm = (int16_t) bpm;
		}
		n = i;
		if (round_trip(in_buf, n) == 0)
			bad++;
	}
	CHECK_MSG(bad == 0, "random series round trip");
}

/*
 * A resting-like day (one interval, bpm drifting by at most 1) must take
 * at most 4 bits a sample: that is what the short codes are for.
 */
static void
test_compact(void)
{
	size_t		n = MAX_N;
	size_t		i;
	size_t		len;
	int32_t		bpm = 60;

	for (i = 0; i < n; i++)
	{
		in_buf[i].t = 1500000000 + 5 * (int64_t) i;
		bpm += (int32_t) rng_below(3) - 1;
		in_buf[i].bpm = (int16_t) bpm;
	}
	len = round_trip(in_buf, n);
	CHECK_MSG(len > 0 && len <= 16 + n / 2, "steady series takes <= 4 bits a sample");
}

/*
 * Every strict prefix of a valid encoding is rejected, and so are trailing
 * bytes, a wrong version and non-zero padding.
 */
static void
test_truncated(void)
{
	HrSample	s[50];
	size_t		len;
	size_t		cut;
	size_t		m;
	int			bad = 0;
	int			i;

	for (i = 0; i < 50; i++)
	{
		s[i].t = 1000 + 7 * i + (i % 3);
		s[i].bpm = (int16_t) (60 + (i % 5) - (i % 7 == 0 ? 40 : 0));
	}
	len = hr_series_encode(s, 50, enc_buf);
	CHECK_MSG(len > 0, "encode test series");
	for (cut = 0; cut < len; cut++)
	{
		if (hr_series_decode(enc_buf, cut, out_buf, MAX_N, &m) == 0)
			bad++;
	}
	CHECK_MSG(bad == 0, "every truncation is rejected");

	enc_buf[len] = 0;
	CHECK_MSG(hr_series_decode(enc_buf, len + 1, out_buf, MAX_N, &m) != 0,
			  "a trailing byte is rejected");
	CHECK_MSG(hr_series_decode(enc_buf, len, out_buf, 49, &m) != 0,
			  "a count above capacity is rejected");
	CHECK_MSG(hr_series_decode(enc_buf, len, NULL, MAX_N, &m) != 0,
			  "a NULL output is rejected when samples exist");
	CHECK_MSG(hr_series_decode(NULL, 0, out_buf, MAX_N, &m) != 0,
			  "a NULL buffer is rejected");
	CHECK_MSG(hr_series_count(enc_buf, 1, &m) != 0, "a one-byte header fails");

	enc_buf[0] = HR_SERIES_VERSION + 1;
	CHECK_MSG(hr_series_decode(enc_buf, len, out_buf, MAX_N, &m) != 0,
			  "a wrong version is rejected");
	CHECK_MSG(hr_series_count(enc_buf, len, &m) != 0,
			  "count rejects a wrong version");
}

/*
 * Hand-built buffers for the rules that make each value's encoding unique,
 * and for the range checks of decode.
 */
static void
test_malformed(void)
{
	size_t		m;
	HrSample	s[2];

	/* version, count 2, t 0, bpm 60 (zigzag 120), then codes */
	{
		/* "0" rank 0 (dt 1), "0" d 0, zero padding: valid */
		uint8_t		b[] = {1, 2, 0, 120, 0x00};

		CHECK_MSG(hr_series_decode(b, sizeof(b), s, 2, &m) == 0 && m == 2 &&
				  s[1].t == 1 && s[1].bpm == 60, "hand-built minimal code");
	}
	{
		/* same with a padding bit set */
		uint8_t		b[] = {1, 2, 0, 120, 0x01};

		CHECK_MSG(hr_series_decode(b, sizeof(b), s, 2, &m) != 0,
				  "non-zero padding is rejected");
	}
	{
		/* "1110 0000": explicit dt 1, which the list holds */
		uint8_t		b[] = {1, 2, 0, 120, 0xE0, 0x00};

		CHECK_MSG(hr_series_decode(b, sizeof(b), s, 2, &m) != 0,
				  "an explicit interval the list could name is rejected");
	}
	{
		/* "1110 0011" explicit dt 4, "0" d 0: valid */
		uint8_t		b[] = {1, 2, 0, 120, 0xE3, 0x00};

		CHECK_MSG(hr_series_decode(b, sizeof(b), s, 2, &m) == 0 &&
				  s[1].t == 4, "explicit interval not in the list");
	}
	{
		/* "0", then "1111 0" + 16-bit magnitude 3: too short for escape */
		uint8_t		b[] = {1, 2, 0, 120, 0x78, 0x00, 0x0C};

		CHECK_MSG(hr_series_decode(b, sizeof(b), s, 2, &m) != 0,
				  "an escaped heart-rate difference below 7 is rejected");
	}
	{
		/* "0", then "1111 0" + magnitude 7: valid, bpm 67 */
		uint8_t		b[] = {1, 2, 0, 120, 0x78, 0x00, 0x1C};

		CHECK_MSG(hr_series_decode(b, sizeof(b), s, 2, &m) == 0 &&
				  s[1].bpm == 67, "escaped heart-rate difference of 7");
	}
	{
		/* first t = INT64_MAX (zigzag 2^64 - 2), then dt 1: overflows */
		uint8_t		b[] = {1, 2, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
		0xFF, 0xFF, 0x01, 120, 0x00};

		CHECK_MSG(hr_series_decode(b, sizeof(b), s, 2, &m) != 0,
				  "t overflow is rejected");
		b[1] = 1;
		CHECK_MSG(hr_series_decode(b, sizeof(b) - 1, s, 2, &m) == 0 &&
				  s[0].t == INT64_MAX, "t = INT64_MAX alone is fine");
	}
	{
		/* bpm 32767 (zigzag 65534), then "0" "100": +1 overflows */
		uint8_t		b[] = {1, 2, 0, 0xFE, 0xFF, 0x03, 0x40};

		CHECK_MSG(hr_series_decode(b, sizeof(b), s, 2, &m) != 0,
				  "bpm overflow is rejected");
	}
	{
		/* first bpm zigzag 65536: outside int16 */
		uint8_t		b[] = {1, 1, 0, 0x80, 0x80, 0x04};

		CHECK_MSG(hr_series_decode(b, sizeof(b), s, 2, &m) != 0,
				  "first bpm outside int16 is rejected");
	}
	{
		/* over-long varint for the count (0x81 0x00 = 1) */
		uint8_t		b[] = {1, 0x81, 0x00, 0, 120};

		CHECK_MSG(hr_series_count(b, sizeof(b), &m) != 0,
				  "an over-long varint is rejected");
	}
	{
		/* an 11-byte varint */
		uint8_t		b[] = {1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
		0x80, 0x80, 0x80, 0x00};

		CHECK_MSG(hr_series_count(b, sizeof(b), &m) != 0,
				  "a varint over 10 bytes is rejected");
	}
	{
		/* a count far above what the bytes can hold */
		uint8_t		b[] = {1, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0, 120, 0};

		CHECK_MSG(hr_series_count(b, sizeof(b), &m) != 0,
				  "an implausible count is rejected");
	}
	{
		/* count 0 with trailing bytes */
		uint8_t		b[] = {1, 0, 0};

		CHECK_MSG(hr_series_decode(b, sizeof(b), s, 2, &m) != 0,
				  "bytes after an empty series are rejected");
	}
	{
		/* escaped dt whose 6-bit length asks for 63 bits, then cut */
		uint8_t		b[] = {1, 2, 0, 120, 0xFF, 0xF0};

		CHECK_MSG(hr_series_decode(b, sizeof(b), s, 2, &m) != 0,
				  "a cut escaped interval is rejected");
	}
}

/*
 * Random and mutated buffers: decode must fail cleanly or succeed with a
 * strictly increasing series that encodes back to the same bytes.  (Run
 * under AddressSanitizer for the out-of-bounds part.)
 */
static void
test_garbage(void)
{
	int			iter;
	int			bad = 0;
	int			ok = 0;
	HrSample	s[64];
	size_t		base_len;
	int			i;

	for (i = 0; i < 64; i++)
	{
		s[i].t = 1000 + 5 * i + (i % 4) * 3;
		s[i].bpm = (int16_t) (70 + (i % 6) - 3);
	}
	base_len = hr_series_encode(s, 64, enc2_buf);

	for (iter = 0; iter < 200000; iter++)
	{
		size_t		len;
		size_t		m;
		size_t		j;

		if (iter % 2 == 0)
		{
			len = (size_t) rng_below(40);
			for (j = 0; j < len; j++)
				enc_buf[j] = (uint8_t) rng();
			if (len > 0 && rng_below(2))
				enc_buf[0] = HR_SERIES_VERSION;
			if (len > 1 && rng_below(2))
				enc_buf[1] = (uint8_t) rng_below(12);
		}
		else
		{
			int			flips = 1 + (int) rng_below(3);

			len = base_len;
			memcpy(enc_buf, enc2_buf, len);
			while (flips-- > 0)
				enc_buf[rng_below(len)] ^= (uint8_t) (1u << rng_below(8));
			if (rng_below(4) == 0)
				len = (size_t) rng_below(len + 1);
		}
		if (hr_series_decode(enc_buf, len, out_buf, MAX_N, &m) == 0)
		{
			uint8_t		again[16 + 64 * 12 + 64];
			size_t		len2;

			ok++;
			for (j = 1; j < m; j++)
				if (out_buf[j].t <= out_buf[j - 1].t)
					bad++;
			if (m > 64 || hr_series_encode_bound(m) > sizeof(again))
				continue;
			len2 = hr_series_encode(out_buf, m, again);
			if (len2 != len || memcmp(again, enc_buf, len) != 0)
				bad++;
		}
	}
	CHECK_MSG(bad == 0, "decoded garbage is increasing and re-encodes exactly");
	CHECK_MSG(ok > 0, "some mutated buffers are valid");
}

/*
 * Reference for normalize: for each distinct t, the last input sample with
 * that t, in order of t.  Quadratic, which is fine for a test.
 */
static size_t
normalize_ref(const HrSample *s, size_t n, HrSample *out)
{
	size_t		k = 0;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		size_t		j;
		size_t		pos;
		int			later = 0;

		for (j = i + 1; j < n; j++)
			if (s[j].t == s[i].t)
				later = 1;
		if (later)
			continue;
		/* insert s[i] into out, sorted */
		pos = k;
		while (pos > 0 && out[pos - 1].t > s[i].t)
		{
			out[pos] = out[pos - 1];
			pos--;
		}
		out[pos] = s[i];
		k++;
	}
	return k;
}

/*
 * normalize: order, dedupe, later input wins; on sorted, reversed,
 * all-equal and random input (the random one exercises the merge passes).
 */
static void
test_normalize(void)
{
	HrSample	s[5] = {{5, 1}, {3, 2}, {5, 3}, {1, 4}, {3, 5}};
	size_t		n;
	size_t		i;
	int			iter;
	int			bad = 0;

	n = hr_series_normalize(s, 5);
	CHECK_MSG(n == 3 &&
			  s[0].t == 1 && s[0].bpm == 4 &&
			  s[1].t == 3 && s[1].bpm == 5 &&
			  s[2].t == 5 && s[2].bpm == 3,
			  "normalize sorts, dedupes, later input wins");

	CHECK_MSG(hr_series_normalize(s, 0) == 0, "normalize of nothing");

	for (i = 0; i < 100; i++)
	{
		in_buf[i].t = 7;
		in_buf[i].bpm = (int16_t) i;
	}
	n = hr_series_normalize(in_buf, 100);
	CHECK_MSG(n == 1 && in_buf[0].t == 7 && in_buf[0].bpm == 99,
			  "all-equal t keeps the last sample");

	for (i = 0; i < 1000; i++)
	{
		in_buf[i].t = 1000 - (int64_t) i;
		in_buf[i].bpm = (int16_t) i;
	}
	n = hr_series_normalize(in_buf, 1000);
	for (i = 0; i < n; i++)
		if (in_buf[i].t != (int64_t) i + 1 || in_buf[i].bpm != 999 - (int) i)
			bad++;
	CHECK_MSG(n == 1000 && bad == 0, "reversed input");

	for (i = 0; i < 1000; i++)
	{
		in_buf[i].t = (int64_t) i * 3;
		in_buf[i].bpm = (int16_t) i;
	}
	n = hr_series_normalize(in_buf, 1000);
	CHECK_MSG(n == 1000 && in_buf[999].t == 2997, "sorted input is kept");

	bad = 0;
	for (iter = 0; iter < 60; iter++)
	{
		size_t		len = (size_t) rng_below(iter < 50 ? 300 : MAX_N);
		uint64_t	range = 1 + rng_below(iter % 2 ? 50 : 100000);
		size_t		nref;

		for (i = 0; i < len; i++)
		{
			in_buf[i].t = (int64_t) rng_below(range) - (int64_t) (range / 2);
			in_buf[i].bpm = (int16_t) i;
		}
		/* sometimes nearly sorted, like re-sent data */
		if (iter % 3 == 0)
		{
			for (i = 0; i < len; i++)
				in_buf[i].t = (int64_t) i - (int64_t) rng_below(5);
		}
		nref = normalize_ref(in_buf, len, ref_buf);
		n = hr_series_normalize(in_buf, len);
		if (n != nref)
			bad++;
		else
		{
			for (i = 0; i < n; i++)
				if (in_buf[i].t != ref_buf[i].t || in_buf[i].bpm != ref_buf[i].bpm)
				{
					bad++;
					break;
				}
		}
	}
	CHECK_MSG(bad == 0, "random normalize matches the reference");
}

/*
 * merge: union in order of t, b wins on equal t, either side may be empty.
 */
static void
test_merge(void)
{
	HrSample	a[4] = {{1, 10}, {3, 30}, {5, 50}, {9, 90}};
	HrSample	b[3] = {{2, 21}, {3, 31}, {9, 91}};
	HrSample	o[7];
	size_t		n;

	n = hr_series_merge(a, 4, b, 3, o);
	CHECK_MSG(n == 5 &&
			  o[0].t == 1 && o[0].bpm == 10 &&
			  o[1].t == 2 && o[1].bpm == 21 &&
			  o[2].t == 3 && o[2].bpm == 31 &&
			  o[3].t == 5 && o[3].bpm == 50 &&
			  o[4].t == 9 && o[4].bpm == 91,
			  "merge interleaves and b wins on equal t");

	n = hr_series_merge(a, 4, NULL, 0, o);
	CHECK_MSG(n == 4 && o[3].bpm == 90, "merge with empty b");
	n = hr_series_merge(NULL, 0, b, 3, o);
	CHECK_MSG(n == 3 && o[1].bpm == 31, "merge with empty a");
	n = hr_series_merge(NULL, 0, NULL, 0, o);
	CHECK_MSG(n == 0, "merge of two empty series");
	n = hr_series_merge(b, 3, a, 4, o);
	CHECK_MSG(n == 5 && o[2].bpm == 30 && o[4].bpm == 90,
			  "merge is not symmetric: the second series wins");
}

/*
 * The bound is never below what encode writes (checked in round_trip) and
 * saturates instead of wrapping.
 */
static void
test_bound(void)
{
	CHECK_MSG(hr_series_encode_bound(0) >= 2, "bound for an empty series");
	CHECK_MSG(hr_series_encode_bound(SIZE_MAX) == SIZE_MAX,
			  "bound saturates for absurd counts");
	CHECK_MSG(hr_series_encode_bound(1000) < hr_series_encode_bound(1001),
			  "bound grows with n");
}

int
main(void)
{
	test_small();
	test_extremes();
	test_not_increasing();
	test_random();
	test_compact();
	test_truncated();
	test_malformed();
	test_garbage();
	test_normalize();
	test_merge();
	test_bound();
	return unit_report();
}
