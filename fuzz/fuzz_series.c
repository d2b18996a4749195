/*-------------------------------------------------------------------------
 *
 * fuzz_series.c
 *	  Fuzz target for the heart-rate series codec (src/series.c).
 *
 * The first byte selects what the rest of the input is:
 *
 *	mode 0	bytes handed to the decoder as an encoded series.  Whatever they
 *			are, count and decode must not crash or read outside the
 *			buffer; when they decode, the samples are strictly increasing
 *			in time, and encoding them gives back exactly the same bytes
 *			(the format has one encoding per series).
 *	mode 1	raw samples, 10 bytes each (int64 t, int16 bpm, little endian):
 *			extremes of both fields, any order.
 *	mode 2	samples in a window of 65,536 seconds around a base taken from
 *			the input: many duplicates and unsorted input.
 *	mode 3	samples as small steps of time and heart rate, as devices send
 *			them, with occasional large jumps.
 *
 * For modes 1 to 3 the properties are those of the storage path:
 *
 *	normalize(x) is sorted, one sample per second, later input wins
 *		(checked against a plain reference implementation);
 *	decode(encode(normalize(x))) == normalize(x), for any x, including
 *		empty, one sample, duplicates, unsorted input and extremes;
 *	the encoding fits hr_series_encode_bound(), hr_series_count() agrees,
 *		and the encoding with its last byte cut off, or with a byte added,
 *		is refused;
 *	encode() refuses input that is not strictly increasing and accepts
 *		input that is;
 *	merge(normalize(a), normalize(b)) == normalize(a ++ b).
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

#include "core/series.h"

/* Largest number of samples one input may describe. */
#define MAX_SAMPLES 65536

typedef struct RefSample
{
	int64_t		t;
	int16_t		bpm;
	size_t		index;			/* position in the input */
} RefSample;

static uint64_t
read_le(const uint8_t *p, int n)
{
	uint64_t	v = 0;
	int			i;

	for (i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static int
ref_cmp(const void *a, const void *b)
{
	const RefSample *x = a;
	const RefSample *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->index < y->index ? -1 : (x->index > y->index ? 1 : 0);
}

/* The reference normalize: sort by (t, input position), keep the last of each t. */
static size_t
ref_normalize(const HrSample *s, size_t n, HrSample *out)
{
	RefSample  *r = malloc(sizeof(RefSample) * (n ? n : 1));
	size_t		i;
	size_t		k = 0;

	for (i = 0; i < n; i++)
	{
		r[i].t = s[i].t;
		r[i].bpm = s[i].bpm;
		r[i].index = i;
	}
	qsort(r, n, sizeof(RefSample), ref_cmp);
	for (i = 0; i < n; i++)
	{
		if (i + 1 < n && r[i + 1].t == r[i].t)
			continue;
		out[k].t = r[i].t;
		out[k].bpm = r[i].bpm;
		k++;
	}
	free(r);
	return k;
}

static bool
strictly_increasing(const HrSample *s, size_t n)
{
	size_t		i;

	for (i = 1; i < n; i++)
		if (s[i].t <= s[i - 1].t)
			return false;
	return true;
}

static void
same_samples(const HrSample *a, const HrSample *b, size_t n, const char *what)
{
	size_t		i;

	for (i = 0; i < n; i++)
		FUZZ_CHECK(a[i].t == b[i].t && a[i].bpm == b[i].bpm,
				   "%s: sample %zu differs: (%lld, %d) vs (%lld, %d)", what, i,
				   (long long) a[i].t, a[i].bpm, (long long) b[i].t, b[i].bpm);
}

/* Mode 0: arbitrary bytes through count and decode. */
static void
check_decode(const uint8_t *buf, size_t len)
{
	size_t		count = 0;
	size_t		n = 0;
	HrSample   *out;
	int			rc_count = hr_series_count(buf, len, &count);
	int			rc;

	if (rc_count != 0)
	{
		HrSample	one;

		FUZZ_CHECK(hr_series_decode(buf, len, &one, 1, &n) != 0,
				   "decode accepted a buffer whose header count refused");
		return;
	}
	FUZZ_CHECK(count <= 4 * len + 1, "count %zu is implausible for %zu bytes",
			   count, len);
	out = malloc(sizeof(HrSample) * (count ? count : 1));
	rc = hr_series_decode(buf, len, out, count, &n);
	if (rc == 0)
	{
		size_t		bound;
		uint8_t    *again;
		size_t		len2;

		FUZZ_CHECK(n == count, "decode gave %zu samples, count said %zu", n, count);
		FUZZ_CHECK(strictly_increasing(out, n), "decoded samples are not strictly increasing");
		/* one encoding per series: re-encoding gives the same bytes */
		bound = hr_series_encode_bound(n);
		again = malloc(bound);
		len2 = hr_series_encode(out, n, again);
		FUZZ_CHECK(len2 == len && memcmp(again, buf, len) == 0,
				   "a decoded buffer of %zu bytes re-encodes to %zu different bytes",
				   len, len2);
		free(again);
		if (count > 0)
		{
			HrSample   *small = malloc(sizeof(HrSample) * count);

			FUZZ_CHECK(hr_series_decode(buf, len, small, count - 1, &n) != 0,
					   "decode wrote %zu samples into room for %zu", count, count - 1);
			free(small);
		}
	}
	free(out);
}

/* Modes 1-3: the round trip of the storage path. */
static void
check_round_trip(HrSample *s, size_t n, size_t split)
{
	HrSample   *norm = malloc(sizeof(HrSample) * (n ? n : 1));
	HrSample   *ref = malloc(sizeof(HrSample) * (n ? n : 1));
	HrSample   *dec;
	HrSample   *a,
			   *b,
			   *merged;
	size_t		m,
				mref,
				na,
				nb,
				nm,
				count,
				ndec,
				bound,
				len;
	uint8_t    *buf;
	uint8_t    *longer;

	/* encode() takes strictly increasing input and nothing else */
	bound = hr_series_encode_bound(n);
	FUZZ_CHECK(bound < SIZE_MAX, "encode bound saturated for %zu samples", n);
	buf = malloc(bound);
	len = hr_series_encode(s, n, buf);
	if (strictly_increasing(s, n))
		FUZZ_CHECK(len > 0 && len <= bound, "encode refused increasing input (len %zu)", len);
	else
		FUZZ_CHECK(len == 0, "encode accepted input that is not strictly increasing");
	free(buf);

	memcpy(norm, s, sizeof(HrSample) * n);
	m = hr_series_normalize(norm, n);
	mref = ref_normalize(s, n, ref);
	FUZZ_CHECK(m == mref, "normalize kept %zu samples, the reference %zu", m, mref);
	same_samples(norm, ref, m, "normalize vs reference");
	FUZZ_CHECK(strictly_increasing(norm, m), "normalize output is not strictly increasing");

	/* decode(encode(normalize(x))) == normalize(x) */
	bound = hr_series_encode_bound(m);
	buf = malloc(bound);
	len = hr_series_encode(norm, m, buf);
	FUZZ_CHECK(len >= 2 && len <= bound, "encoded length %zu outside 2..%zu", len, bound);
	FUZZ_CHECK(hr_series_count(buf, len, &count) == 0 && count == m,
			   "count of an encoded series of %zu samples is wrong", m);
	dec = malloc(sizeof(HrSample) * (m ? m : 1));
	FUZZ_CHECK(hr_series_decode(buf, len, dec, m, &ndec) == 0,
			   "decode refused the encoding of %zu samples", m);
	FUZZ_CHECK(ndec == m, "decode gave %zu samples, encoded %zu", ndec, m);
	same_samples(dec, norm, m, "decode(encode(x))");

	/* a byte less or a byte more is malformed */
	FUZZ_CHECK(hr_series_decode(buf, len - 1, dec, m, &ndec) != 0,
			   "decode accepted an encoding cut by one byte");
	longer = malloc(len + 1);
	memcpy(longer, buf, len);
	longer[len] = 0;
	FUZZ_CHECK(hr_series_decode(longer, len + 1, dec, m, &ndec) != 0,
			   "decode accepted a trailing byte");
	free(longer);
	if (m > 0)
		FUZZ_CHECK(hr_series_decode(buf, len, dec, m - 1, &ndec) != 0,
				   "decode exceeded its capacity");

	/* merge(normalize(a), normalize(b)) == normalize(a ++ b) */
	if (split > n)
		split = n;
	a = malloc(sizeof(HrSample) * (split ? split : 1));
	b = malloc(sizeof(HrSample) * ((n - split) ? (n - split) : 1));
	memcpy(a, s, sizeof(HrSample) * split);
	memcpy(b, s + split, sizeof(HrSample) * (n - split));
	na = hr_series_normalize(a, split);
	nb = hr_series_normalize(b, n - split);
	merged = malloc(sizeof(HrSample) * ((na + nb) ? (na + nb) : 1));
	nm = hr_series_merge(a, na, b, nb, merged);
	FUZZ_CHECK(nm == m, "merge gave %zu samples, normalize %zu", nm, m);
	same_samples(merged, norm, m, "merge vs normalize");

	free(a);
	free(b);
	free(merged);
	free(dec);
	free(buf);
	free(norm);
	free(ref);
}

static const int64_t t_extremes[] = {
	0, 1, -1, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
	INT64_MAX / 2, INT64_MIN / 2, 1500000000, -62135596800LL, 253402300799LL,
	(int64_t) 1 << 32, -((int64_t) 1 << 32), (int64_t) 1 << 62
};
static const int16_t bpm_extremes[] = {
	0, 1, -1, INT16_MAX, INT16_MIN, 20, 250, 72, 255, 256, -256, 30000
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	HrSample   *s;
	size_t		n = 0;
	size_t		i;
	int			mode;

	if (size < 1)
		return 0;
	mode = data[0] & 3;
	data++;
	size--;

	if (mode == 0)
	{
		check_decode(data, size);
		return 0;
	}

	/* at most one sample per two input bytes, whatever the mode */
	s = malloc(sizeof(HrSample) * (size / 2 + 1));
	if (mode == 1)
	{
		/* raw 10-byte records */
		for (i = 0; i + 10 <= size && n < MAX_SAMPLES; i += 10, n++)
		{
			s[n].t = (int64_t) read_le(data + i, 8);
			s[n].bpm = (int16_t) read_le(data + i + 8, 2);
		}
	}
	else if (mode == 2)
	{
		/* a base, then 3-byte records: 16-bit offset, bpm or an extreme */
		int64_t		base = 0;

		if (size >= 1)
			base = t_extremes[data[0] % (sizeof(t_extremes) / sizeof(t_extremes[0]))];
		for (i = 1; i + 3 <= size && n < MAX_SAMPLES; i += 3, n++)
		{
			uint16_t	off = (uint16_t) read_le(data + i, 2);
			uint8_t		b = data[i + 2];

			/* keep the window inside int64 whatever the base */
			if (base > INT64_MAX - 65535)
				s[n].t = base - off;
			else
				s[n].t = base + off;
			s[n].bpm = (b >= 0xF0) ?
				bpm_extremes[b % (sizeof(bpm_extremes) / sizeof(bpm_extremes[0]))] :
				(int16_t) b;
		}
	}
	else
	{
		/* 2-byte records of small steps, realistic series */
		int64_t		t = 1500000000;
		int32_t		bpm = 70;

		if (size >= 1)
			t = t_extremes[data[0] % (sizeof(t_extremes) / sizeof(t_extremes[0]))];
		for (i = 1; i + 2 <= size && n < MAX_SAMPLES; i += 2, n++)
		{
			uint8_t		dt = data[i];
			int8_t		d = (int8_t) data[i + 1];
			uint64_t	step;

			if (dt >= 0xF8)
				step = (uint64_t) 1 << (dt - 0xF8 + 20);	/* big gaps */
			else if (dt >= 0xF0)
				step = 0;		/* a duplicate second */
			else
				step = dt % 16;
			if ((uint64_t) t + step < (uint64_t) t || t > INT64_MAX - (int64_t) step)
				t = INT64_MIN + (int64_t) (step & 0xFFFF);	/* wrap: unsorted */
			else
				t += (int64_t) step;
			bpm += d;
			if (bpm > INT16_MAX || bpm < INT16_MIN)
				bpm = 70;
			s[n].t = t;
			s[n].bpm = (int16_t) bpm;
		}
	}
	check_round_trip(s, n, size > 0 ? (size_t) data[size - 1] * n / 255 : 0);
	free(s);
	return 0;
}
