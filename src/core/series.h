/*-------------------------------------------------------------------------
 *
 * series.h
 *	  Compact encoding of one account-day of heart-rate samples.
 *
 * The codec is plain C with no PostgreSQL dependency so that it can be
 * fuzzed and unit-tested outside the server.  It never allocates: callers
 * size buffers with hr_series_encode_bound() / hr_series_count().
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_SERIES_H
#define TRACKER_SERIES_H

#include <stddef.h>
#include <stdint.h>

/* One heart-rate sample: Unix epoch seconds and beats per minute. */
typedef struct HrSample
{
	int64_t		t;
	int16_t		bpm;
} HrSample;

/* Format version written in the first byte of every encoded series. */
#define HR_SERIES_VERSION 1

/* Worst-case encoded size for n samples. */
extern size_t hr_series_encode_bound(size_t n);

/*
 * Encode n samples (strictly increasing t) into out, which must hold
 * hr_series_encode_bound(n) bytes.  Returns the number of bytes written, or
 * 0 if the input is not strictly increasing in t.
 */
extern size_t hr_series_encode(const HrSample *s, size_t n, uint8_t *out);

/*
 * Read the sample count from an encoded series.  Returns 0 on success, -1
 * if the header is malformed.
 */
extern int	hr_series_count(const uint8_t *buf, size_t len, size_t *n);

/*
 * Decode into out (capacity cap samples).  Returns 0 on success, -1 if the
 * buffer is malformed or truncated, or holds more than cap samples.  Never
 * reads outside [buf, buf + len).
 */
extern int	hr_series_decode(const uint8_t *buf, size_t len,
							 HrSample *out, size_t cap, size_t *n);

/*
 * Sort samples by t and keep one sample per second; on equal t the sample
 * that came later in the input wins.  Returns the new count.
 */
extern size_t hr_series_normalize(HrSample *s, size_t n);

/*
 * Merge two normalized series into out (capacity na + nb); on equal t the
 * sample from b wins.  Returns the merged count.
 */
extern size_t hr_series_merge(const HrSample *a, size_t na,
							  const HrSample *b, size_t nb, HrSample *out);

#endif							/* TRACKER_SERIES_H */
