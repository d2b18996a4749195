/*-------------------------------------------------------------------------
 *
 * series.c
 *	  Compact encoding of one account-day of heart-rate samples.
 *
 * Layout of an encoded series (all multi-byte integers are unsigned LEB128
 * varints in their shortest form; "zigzag" maps signed to unsigned as
 * 0, -1, 1, -2, ... -> 0, 1, 2, 3, ...):
 *
 *	byte 0			HR_SERIES_VERSION
 *	varint			n, the number of samples
 *	if n >= 1:
 *	  varint		zigzag(t[0])
 *	  varint		zigzag(bpm[0])
 *	  bit stream	n - 1 sample codes, most significant bit first, padded
 *					with zero bits to a whole byte; nothing follows it
 *
 * Each sample code is a time code followed by a heart-rate code.  The time
 * code names dt = t[i] - t[i-1] (always >= 1) through a three-entry list of
 * the most recently used distinct intervals, kept in move-to-front order
 * (devices sample on a few fixed intervals, so the next interval is almost
 * always one of the last three):
 *
 *	0					dt = recent[0]
 *	10					dt = recent[1]
 *	110					dt = recent[2]
 *	1110 dddd			dt = dddd + 1 (1..16), not in the list
 *	1111 LLLLLL v...	dt = 16 + (1 << L | v), v being L bits; not in
 *						the list
 *
 * after which dt moves to the front of the list (a new interval pushes the
 * oldest out).  The list starts as {1, 2, 3}.  The heart-rate code names
 * d = bpm[i] - bpm[i-1]; s is the sign bit (1 = negative):
 *
 *	0					d = 0
 *	10 s				|d| = 1
 *	110 s				|d| = 2
 *	1110 s mm			|d| = 3 + mm (3..6)
 *	1111 s m{16}		|d| = m (7..65535)
 *
 * On the reference data (Fitbit 1-second heart rate) this averages about
 * 4.4 bits a sample, well under what pglz or lz4 make of a byte-aligned
 * delta code (which they compress little, and pglz mostly not at all), so
 * the size on disk does not depend on the TOAST compressor.
 *
 * Every value has exactly one encoding: the decoder rejects over-long
 * varints, explicit intervals that the list could have named, heart-rate
 * escapes for small differences, non-zero padding and trailing bytes.  So
 * a buffer that decodes re-encodes to the same bytes.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/series.h"

/* Longest varint for a 64-bit value. */
#define VARINT_MAX_BYTES	10

/* Bytes before the bit stream: version, count, first t, first bpm. */
#define HEADER_MAX_BYTES	(1 + VARINT_MAX_BYTES + VARINT_MAX_BYTES + 3)

/*
 * Longest sample code in bits: a 4 + 6 + 63 bit time escape and a
 * 4 + 1 + 16 bit heart-rate escape.  94 bits fit in 12 bytes.
 */
#define SAMPLE_MAX_BYTES	12

/* Shortest sample code in bits (both "0"): bounds a plausible count. */
#define SAMPLE_MIN_BITS		2

/* Explicit 4-bit intervals cover 1..16; larger ones use the escape. */
#define DT_SHORT_MAX		16

/* Number of recent intervals the time code can name. */
#define RECENT_DT			3

/* State of the move-to-front list of recent intervals. */
typedef struct RecentDt
{
	uint64_t	dt[RECENT_DT];
} RecentDt;

/* Bit writer over a buffer the caller sized with the encode bound. */
typedef struct BitWriter
{
	uint8_t    *out;
	size_t		pos;			/* next byte to write */
	uint64_t	acc;			/* pending bits, right-aligned */
	int			nbits;			/* number of pending bits (< 8 between
								 * calls) */
} BitWriter;

/* Bit reader that never looks outside [buf, buf + len). */
typedef struct BitReader
{
	const uint8_t *buf;
	size_t		len;
	size_t		pos;			/* next byte to load */
	uint64_t	acc;			/* loaded bits, left-aligned */
	int			nbits;			/* number of valid bits in acc */
} BitReader;


/*
 * Zigzag keeps small negative numbers small as unsigned varints.
 */
static uint64_t
zigzag64(int64_t v)
{
	return ((uint64_t) v << 1) ^ (uint64_t) (v < 0 ? UINT64_MAX : 0);
}

/*
 * Inverse of zigzag64.
 */
static int64_t
unzigzag64(uint64_t u)
{
	uint64_t	mag = u >> 1;

	/* odd codes are negative: -(mag + 1), computed without overflow */
	if (u & 1)
		return (int64_t) (~mag);
	return (int64_t) mag;
}

/*
 * Append an unsigned varint; returns the bytes written.
 */
static size_t
put_varint(uint8_t *out, uint64_t v)
{
	size_t		i = 0;

	while (v >= 0x80)
	{
		out[i++] = (uint8_t) (v | 0x80);
		v >>= 7;
	}
	out[i++] = (uint8_t) v;
	return i;
}

/*
 * Read an unsigned varint at *pos.  Rejects truncation, values over 64 bits
 * and over-long forms (a final zero byte after the first), so that each
 * value has one encoding.  Returns 0 or -1.
 */
static int
get_varint(const uint8_t *buf, size_t len, size_t *pos, uint64_t *v)
{
	uint64_t	result = 0;
	size_t		p = *pos;
	int			i;

	for (i = 0; i < VARINT_MAX_BYTES; i++)
	{
		uint8_t		b;

		if (p >= len)
			return -1;
		b = buf[p++];
		if (i == VARINT_MAX_BYTES - 1 && b > 1)
			return -1;			/* more than 64 bits */
		result |= (uint64_t) (b & 0x7F) << (7 * i);
		if ((b & 0x80) == 0)
		{
			if (b == 0 && i > 0)
				return -1;		/* over-long */
			*pos = p;
			*v = result;
			return 0;
		}
	}
	return -1;
}

/*
 * Read the version and count; on success *pos is just past the count.
 * Shared by hr_series_count and hr_series_decode so both apply the same
 * checks.
 */
static int
read_header(const uint8_t *buf, size_t len, size_t *pos, size_t *n)
{
	uint64_t	count;
	size_t		p = 0;

	if (buf == NULL || len < 2 || buf[0] != HR_SERIES_VERSION)
		return -1;
	p = 1;
	if (get_varint(buf, len, &p, &count) != 0)
		return -1;

	/*
	 * A count the remaining bytes cannot possibly hold is malformed; this
	 * keeps callers from sizing huge buffers off a corrupt header.  The
	 * first sample needs two bytes, every other one at least
	 * SAMPLE_MIN_BITS.
	 */
	if (count > 0)
	{
		size_t		rest = len - p;

		if (rest < 2)
			return -1;
		if ((count - 1) / (8 / SAMPLE_MIN_BITS) > rest - 2)
			return -1;
	}
	if ((uint64_t) (size_t) count != count)
		return -1;				/* cannot be indexed on this platform */
	*pos = p;
	*n = (size_t) count;
	return 0;
}

/*
 * Append the low nbits (at most 32) of v.
 */
static void
bw_put(BitWriter *w, uint32_t v, int nbits)
{
	if (nbits == 0)
		return;
	w->acc = (w->acc << nbits) | (v & (((uint64_t) 1 << nbits) - 1));
	w->nbits += nbits;
	while (w->nbits >= 8)
	{
		w->nbits -= 8;
		w->out[w->pos++] = (uint8_t) (w->acc >> w->nbits);
	}
}

/*
 * Append the low nbits (at most 64) of v, most significant first.
 */
static void
bw_put64(BitWriter *w, uint64_t v, int nbits)
{
	if (nbits > 32)
	{
		bw_put(w, (uint32_t) (v >> 32), nbits - 32);
		nbits = 32;
	}
	bw_put(w, (uint32_t) v, nbits);
}

/*
 * Write the last partial byte, zero-padded.
 */
static void
bw_flush(BitWriter *w)
{
	if (w->nbits > 0)
		w->out[w->pos++] = (uint8_t) (w->acc << (8 - w->nbits));
	w->nbits = 0;
}

/*
 * Make at least need (<= 57) bits available; -1 if the buffer ends first.
 */
static int
br_fill(BitReader *r, int need)
{
	while (r->nbits <= 56 && r->pos < r->len)
	{
		r->acc |= (uint64_t) r->buf[r->pos++] << (56 - r->nbits);
		r->nbits += 8;
	}
	return r->nbits >= need ? 0 : -1;
}

/*
 * Read nbits (1..32) as an unsigned number.
 */
static int
br_get(BitReader *r, int nbits, uint32_t *v)
{
	if (r->nbits < nbits && br_fill(r, nbits) != 0)
		return -1;
	*v = (uint32_t) (r->acc >> (64 - nbits));
	r->acc <<= nbits;
	r->nbits -= nbits;
	return 0;
}

/*
 * Read nbits (0..64).
 */
static int
br_get64(BitReader *r, int nbits, uint64_t *v)
{
	uint32_t	hi = 0,
				lo = 0;

	if (nbits == 0)
	{
		*v = 0;
		return 0;
	}
	if (nbits > 32)
	{
		if (br_get(r, nbits - 32, &hi) != 0)
			return -1;
		nbits = 32;
	}
	if (br_get(r, nbits, &lo) != 0)
		return -1;
	*v = ((uint64_t) hi << 32) | lo;
	return 0;
}

/*
 * Count leading one bits, at most four; the terminating zero, if any, is
 * consumed.  Both codes start with such a prefix, so this is the hot path
 * of decoding: it looks at four bits at once when it can.
 */
static int
br_ones(BitReader *r, int *ones)
{
	static const uint8_t lead[16] = {
		0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 4
	};
	int			k;

	if (r->nbits < 4)
		(void) br_fill(r, 4);
	if (r->nbits >= 4)
	{
		int			used;

		k = lead[r->acc >> 60];
		used = k < 4 ? k + 1 : 4;
		r->acc <<= used;
		r->nbits -= used;
		*ones = k;
		return 0;
	}
	/* near the end of the buffer: bit by bit */
	for (k = 0; k < 4; k++)
	{
		uint32_t	bit;

		if (br_get(r, 1, &bit) != 0)
			return -1;
		if (bit == 0)
			break;
	}
	*ones = k;
	return 0;
}

/*
 * Start of every series: the list must hold distinct values.
 */
static void
recent_init(RecentDt *rd)
{
	rd->dt[0] = 1;
	rd->dt[1] = 2;
	rd->dt[2] = 3;
}

/*
 * Rank of dt in the list, or RECENT_DT if absent.
 */
static int
recent_find(const RecentDt *rd, uint64_t dt)
{
	int			i;

	for (i = 0; i < RECENT_DT; i++)
		if (rd->dt[i] == dt)
			return i;
	return RECENT_DT;
}

/*
 * Move the interval at rank to the front (rank RECENT_DT inserts dt and
 * drops the oldest).
 */
static void
recent_use(RecentDt *rd, int rank, uint64_t dt)
{
	int			i;

	if (rank >= RECENT_DT)
		rank = RECENT_DT - 1;
	for (i = rank; i > 0; i--)
		rd->dt[i] = rd->dt[i - 1];
	rd->dt[0] = dt;
}

/*
 * Number of significant bits in v (v >= 1), minus one.
 */
static int
top_bit(uint64_t v)
{
	int			b = 0;

	while (v >>= 1)
		b++;
	return b;
}

/*
 * Worst case: the full header plus the longest code for every sample.
 * Saturates at SIZE_MAX, which no caller can allocate.
 */
size_t
hr_series_encode_bound(size_t n)
{
	if (n > (SIZE_MAX - HEADER_MAX_BYTES) / SAMPLE_MAX_BYTES)
		return SIZE_MAX;
	return HEADER_MAX_BYTES + n * SAMPLE_MAX_BYTES;
}

/*
 * Encode as described at the top of the file.  Intervals are computed in
 * unsigned arithmetic: for t[i] > t[i-1] the difference always fits in
 * uint64, so every strictly increasing series is encodable.
 */
size_t
hr_series_encode(const HrSample *s, size_t n, uint8_t *out)
{
	BitWriter	w;
	RecentDt	rd;
	size_t		i;

	for (i = 1; i < n; i++)
		if (s[i].t <= s[i - 1].t)
			return 0;

	w.out = out;
	w.pos = 0;
	w.acc = 0;
	w.nbits = 0;
	out[w.pos++] = HR_SERIES_VERSION;
	w.pos += put_varint(out + w.pos, (uint64_t) n);
	if (n == 0)
		return w.pos;
	w.pos += put_varint(out + w.pos, zigzag64(s[0].t));
	w.pos += put_varint(out + w.pos, zigzag64(s[0].bpm));

	recent_init(&rd);
	for (i = 1; i < n; i++)
	{
		uint64_t	dt = (uint64_t) s[i].t - (uint64_t) s[i - 1].t;
		int32_t		d = (int32_t) s[i].bpm - (int32_t) s[i - 1].bpm;
		uint32_t	sign = d < 0 ? 1 : 0;
		uint32_t	mag = (uint32_t) (d < 0 ? -d : d);
		int			rank = recent_find(&rd, dt);

		/* time code */
		if (rank < RECENT_DT)
			bw_put(&w, (1u << (rank + 1)) - 2, rank + 1);	/* 0, 10, 110 */
		else if (dt <= DT_SHORT_MAX)
		{
			bw_put(&w, 0xE, 4);
			bw_put(&w, (uint32_t) (dt - 1), 4);
		}
		else
		{
			uint64_t	v = dt - DT_SHORT_MAX;	/* >= 1 */
			int			len = top_bit(v);

			bw_put(&w, 0xF, 4);
			bw_put(&w, (uint32_t) len, 6);
			bw_put64(&w, v, len);	/* the bits below the top one */
		}
		recent_use(&rd, rank, dt);

		/* heart-rate code */
		if (mag == 0)
			bw_put(&w, 0, 1);
		else if (mag == 1)
			bw_put(&w, 0x4 | sign, 3);
		else if (mag == 2)
			bw_put(&w, 0xC | sign, 4);
		else if (mag <= 6)
		{
			bw_put(&w, 0xE, 4);
			bw_put(&w, (sign << 2) | (mag - 3), 3);
		}
		else
		{
			bw_put(&w, 0xF, 4);
			bw_put(&w, sign, 1);
			bw_put(&w, mag, 16);
		}
	}
	bw_flush(&w);
	return w.pos;
}

/*
 * Header checks only, so that callers can size the output of decode.
 */
int
hr_series_count(const uint8_t *buf, size_t len, size_t *n)
{
	size_t		pos;
	size_t		count;

	if (n == NULL || read_header(buf, len, &pos, &count) != 0)
		return -1;
	*n = count;
	return 0;
}

/*
 * Decode one sample code the long way: any code, with every check.  The
 * decoder's fast path handles only the common short codes and falls back
 * to this.  On success *rank is the list rank of dt (RECENT_DT if it was
 * explicit) and *d the heart-rate difference.
 */
static int
decode_code(BitReader *r, const RecentDt *rd, uint64_t *dt, int *rank,
			int32_t *d)
{
	uint32_t	v;
	uint32_t	sign = 0;
	int32_t		mag;
	int			ones;

	/* time code */
	if (br_ones(r, &ones) != 0)
		return -1;
	if (ones < RECENT_DT)
	{
		*rank = ones;
		*dt = rd->dt[ones];
	}
	else
	{
		uint64_t	x;

		if (ones == RECENT_DT)
		{
			if (br_get(r, 4, &v) != 0)
				return -1;
			x = (uint64_t) v + 1;
		}
		else
		{
			uint64_t	low;

			if (br_get(r, 6, &v) != 0 || br_get64(r, (int) v, &low) != 0)
				return -1;
			x = ((uint64_t) 1 << v) | low;
			if (x > UINT64_MAX - DT_SHORT_MAX)
				return -1;
			x += DT_SHORT_MAX;
		}
		if (recent_find(rd, x) != RECENT_DT)
			return -1;			/* the list should have named it */
		*rank = RECENT_DT;
		*dt = x;
	}

	/* heart-rate code */
	if (br_ones(r, &ones) != 0)
		return -1;
	if (ones == 0)
		mag = 0;
	else if (ones <= 2)
	{
		if (br_get(r, 1, &sign) != 0)
			return -1;
		mag = ones;
	}
	else if (ones == 3)
	{
		if (br_get(r, 1, &sign) != 0 || br_get(r, 2, &v) != 0)
			return -1;
		mag = 3 + (int32_t) v;
	}
	else
	{
		if (br_get(r, 1, &sign) != 0 || br_get(r, 16, &v) != 0)
			return -1;
		if (v <= 6)
			return -1;			/* a shorter code exists */
		mag = (int32_t) v;
	}
	*d = sign ? -mag : mag;
	return 0;
}

/*
 * Decode, validating everything: see the top of the file for what counts
 * as malformed.  out is written only below cap; on failure its contents are
 * unspecified.
 *
 * Most samples use a list interval and a difference of at most 2, which
 * take at most 7 bits; those are decoded without data-dependent branches
 * (which the CPU would mispredict about half the time), everything else
 * goes through decode_code().
 */
int
hr_series_decode(const uint8_t *buf, size_t len,
				 HrSample *out, size_t cap, size_t *n)
{
	static const uint8_t lead[16] = {
		0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 4
	};
	BitReader	r;
	RecentDt	rd;
	size_t		pos;
	size_t		count;
	size_t		i;
	uint64_t	u;
	int64_t		t;
	int32_t		bpm;

	if (n == NULL || read_header(buf, len, &pos, &count) != 0)
		return -1;
	if (count > cap)
		return -1;
	if (count == 0)
	{
		if (pos != len)
			return -1;
		*n = 0;
		return 0;
	}
	if (out == NULL)
		return -1;

	if (get_varint(buf, len, &pos, &u) != 0)
		return -1;
	t = unzigzag64(u);
	if (get_varint(buf, len, &pos, &u) != 0 || u > 0xFFFF)
		return -1;
	bpm = (int32_t) unzigzag64(u);
	out[0].t = t;
	out[0].bpm = (int16_t) bpm;

	r.buf = buf;
	r.len = len;
	r.pos = pos;
	r.acc = 0;
	r.nbits = 0;
	recent_init(&rd);

	for (i = 1; i < count; i++)
	{
		uint64_t	dt = 0;
		uint64_t	d0,
					d1;
		int32_t		d = 0;
		int			rank = RECENT_DT;

		if (r.nbits < 8)
			(void) br_fill(&r, 8);
		if (r.nbits >= 8)
		{
			int			k = lead[r.acc >> 60];

			if (k < RECENT_DT)
			{
				uint64_t	a = r.acc << (k + 1);
				int			k2 = lead[a >> 60];

				if (k2 < 3)
				{
					/* "0", "10s" or "110s": 1, 3 or 4 bits */
					int			hl = k2 + 1 + (k2 > 0);
					int32_t		sign = (int32_t) ((a >> (64 - hl)) & 1);

					d = k2 - 2 * k2 * sign;
					rank = k;
					r.acc <<= k + 1 + hl;
					r.nbits -= k + 1 + hl;
				}
			}
		}
		if (rank == RECENT_DT &&
			decode_code(&r, &rd, &dt, &rank, &d) != 0)
			return -1;

		/* move to front; written so that it compiles to conditional moves */
		d0 = rd.dt[0];
		d1 = rd.dt[1];
		dt = rank == 0 ? d0 : rank == 1 ? d1 : rank == 2 ? rd.dt[2] : dt;
		rd.dt[2] = rank >= 2 ? d1 : rd.dt[2];
		rd.dt[1] = rank >= 1 ? d0 : d1;
		rd.dt[0] = dt;

		/* t + dt must stay within int64 */
		if (dt > (uint64_t) INT64_MAX - (uint64_t) t)
			return -1;
		t = (int64_t) ((uint64_t) t + dt);
		bpm += d;
		if (bpm < INT16_MIN || bpm > INT16_MAX)
			return -1;
		out[i].t = t;
		out[i].bpm = (int16_t) bpm;
	}

	/*
	 * Only zero padding may remain: fewer than 8 bits, all zero, and no
	 * unread byte.
	 */
	if (r.pos != r.len || r.nbits >= 8)
		return -1;
	if (r.nbits > 0 && (r.acc >> (64 - r.nbits)) != 0)
		return -1;
	*n = count;
	return 0;
}

/*
 * Exchange the n elements at a with the n elements at b; a building block
 * of rotate(), which the allocation-free merge needs.
 */
static void
swap_range(HrSample *s, size_t a, size_t b, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
	{
		HrSample	tmp = s[a + i];

		s[a + i] = s[b + i];
		s[b + i] = tmp;
	}
}

/*
 * Exchange the blocks [a, m) and [m, b) in place, so that sym_merge() can
 * move a run past another without a scratch buffer.
 */
static void
rotate(HrSample *s, size_t a, size_t m, size_t b)
{
	size_t		i = m - a;
	size_t		j = b - m;

	while (i != j)
	{
		if (i > j)
		{
			swap_range(s, m - i, m, j);
			i -= j;
		}
		else
		{
			swap_range(s, m - i, m + j - i, i);
			j -= i;
		}
	}
	swap_range(s, m - i, m, i);
}

/*
 * Stable in-place merge of the sorted runs [a, m) and [m, b), without
 * allocating (the codec must not): SymMerge of Kim and Kutzner, as used by
 * Go's sort.Stable.  Over a whole sort, O(n log n) comparisons and
 * O(n log^2 n) moves; recursion depth O(log n).
 */
static void
sym_merge(HrSample *s, size_t a, size_t m, size_t b)
{
	size_t		mid;
	size_t		nn;
	size_t		start;
	size_t		r;
	size_t		end;

	if (m - a == 1)
	{
		/* insert s[a] before the first element of [m, b) that is >= it */
		size_t		i = m,
					j = b,
					k;

		while (i < j)
		{
			size_t		h = i + (j - i) / 2;

			if (s[h].t < s[a].t)
				i = h + 1;
			else
				j = h;
		}
		for (k = a; k + 1 < i; k++)
		{
			HrSample	tmp = s[k];

			s[k] = s[k + 1];
			s[k + 1] = tmp;
		}
		return;
	}
	if (b - m == 1)
	{
		/* insert s[m] after the last element of [a, m) that is <= it */
		size_t		i = a,
					j = m,
					k;

		while (i < j)
		{
			size_t		h = i + (j - i) / 2;

			if (!(s[m].t < s[h].t))
				i = h + 1;
			else
				j = h;
		}
		for (k = m; k > i; k--)
		{
			HrSample	tmp = s[k];

			s[k] = s[k - 1];
			s[k - 1] = tmp;
		}
		return;
	}

	mid = a + (b - a) / 2;
	nn = mid + m;
	if (m > mid)
	{
		start = nn - b;
		r = mid;
	}
	else
	{
		start = a;
		r = m;
	}
	while (start < r)
	{
		size_t		c = start + (r - start) / 2;

		if (!(s[nn - 1 - c].t < s[c].t))
			start = c + 1;
		else
			r = c;
	}
	end = nn - start;
	if (start < m && m < end)
		rotate(s, start, m, end);
	if (a < start && start < mid)
		sym_merge(s, a, start, mid);
	if (mid < end && end < b)
		sym_merge(s, mid, end, b);
}

/*
 * Stable insertion sort of [a, b); used on short blocks.
 */
static void
insertion_sort(HrSample *s, size_t a, size_t b)
{
	size_t		i;

	for (i = a + 1; i < b; i++)
	{
		HrSample	x = s[i];
		size_t		j = i;

		while (j > a && x.t < s[j - 1].t)
		{
			s[j] = s[j - 1];
			j--;
		}
		s[j] = x;
	}
}

/*
 * Stable sort by t, in place and without allocation.  Input that is already
 * sorted (the usual case) costs one pass.
 */
static void
stable_sort(HrSample *s, size_t n)
{
	const size_t block = 20;
	size_t		bs;
	size_t		a,
				b,
				i;

	for (i = 1; i < n; i++)
		if (s[i].t < s[i - 1].t)
			break;
	if (i >= n)
		return;

	for (a = 0; a < n; a += block)
		insertion_sort(s, a, (n - a > block) ? a + block : n);
	for (bs = block; bs < n; bs *= 2)
	{
		for (a = 0; n - a > 2 * bs; a = b)
		{
			b = a + 2 * bs;
			sym_merge(s, a, a + bs, b);
		}
		if (n - a > bs)
			sym_merge(s, a, a + bs, n);
	}
}

/*
 * Sort, then keep the last of each run of equal t: since the sort is
 * stable, that is the sample that came latest in the input, which is what a
 * re-sent or corrected reading should do.
 */
size_t
hr_series_normalize(HrSample *s, size_t n)
{
	size_t		i;
	size_t		k = 0;

	if (n == 0)
		return 0;
	stable_sort(s, n);
	for (i = 0; i < n; i++)
	{
		if (i + 1 < n && s[i + 1].t == s[i].t)
			continue;			/* a later sample has the same t */
		s[k++] = s[i];
	}
	return k;
}

/*
 * Ordinary merge of two sorted, duplicate-free series; b replaces a on
 * equal t because b holds the newer data.  out must not overlap a or b.
 */
size_t
hr_series_merge(const HrSample *a, size_t na,
				const HrSample *b, size_t nb, HrSample *out)
{
	size_t		i = 0,
				j = 0,
				k = 0;

	while (i < na && j < nb)
	{
		if (a[i].t < b[j].t)
			out[k++] = a[i++];
		else if (b[j].t < a[i].t)
			out[k++] = b[j++];
		else
		{
			out[k++] = b[j++];
			i++;
		}
	}
	while (i < na)
		out[k++] = a[i++];
	while (j < nb)
		out[k++] = b[j++];
	return k;
}
