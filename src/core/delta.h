/*-------------------------------------------------------------------------
 *
 * delta.h
 *	  A byte delta: one buffer (the target) written as pieces copied from
 *	  another (the base) and literal bytes.
 *
 * Bronze keeps a page that repeats much of an earlier page of the same
 * data type as a delta against it (see src/store/bronze.c).  The codec is
 * plain C with no PostgreSQL dependency so that it can be fuzzed and
 * unit-tested outside the server, and it never allocates: callers size the
 * scratch space and the buffers with the functions below.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_DELTA_H
#define TRACKER_DELTA_H

#include <stddef.h>
#include <stdint.h>

/* Format version written in the first byte of every delta. */
#define DELTA_VERSION 1

/* Largest base the encoder indexes (offsets are kept as 32-bit numbers). */
#define DELTA_MAX_BASE ((size_t) UINT32_MAX - 1)

/* Bytes of scratch space delta_encode() needs for a base of base_len bytes. */
extern size_t delta_scratch_size(size_t base_len);

/*
 * Room enough for the delta of any target of target_len bytes: with it,
 * delta_encode() never runs out of room.
 */
extern size_t delta_encode_bound(size_t target_len);

/*
 * Write target as a delta against base into out (out_cap bytes), using
 * scratch (delta_scratch_size(base_len) bytes, any alignment of uint32_t).
 * Returns the length of the delta, or 0 when it does not fit in out_cap
 * (a caller that keeps a delta only when it is small passes that limit) or
 * the base is larger than DELTA_MAX_BASE.
 */
extern size_t delta_encode(const uint8_t *base, size_t base_len,
						   const uint8_t *target, size_t target_len,
						   uint32_t *scratch, uint8_t *out, size_t out_cap);

/*
 * Read the lengths a delta names: the base it applies to and the target it
 * gives.  Returns 0 on success, -1 when the header is malformed.
 */
extern int	delta_sizes(const uint8_t *delta, size_t delta_len,
						size_t *base_len, size_t *target_len);

/*
 * Apply a delta to base, writing the target into out, which must hold
 * exactly the target length the delta names (out_len).  Returns 0 on
 * success, -1 when the delta is malformed or does not belong to a base of
 * base_len bytes or a target of out_len bytes.  Whatever the input, it
 * never reads outside delta, base or writes outside out.
 */
extern int	delta_decode(const uint8_t *base, size_t base_len,
						 const uint8_t *delta, size_t delta_len,
						 uint8_t *out, size_t out_len);

#endif							/* TRACKER_DELTA_H */
