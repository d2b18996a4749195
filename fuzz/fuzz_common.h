/*-------------------------------------------------------------------------
 *
 * fuzz_common.h
 *	  Helpers shared by Tracker's fuzz targets.
 *
 * Every target is an ordinary libFuzzer entry point,
 * LLVMFuzzerTestOneInput().  A property that does not hold calls
 * fuzz_fail(), which prints what was wrong and aborts, so that libFuzzer
 * (or fuzz/standalone_main.c) records the input as a crash.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_FUZZ_COMMON_H
#define TRACKER_FUZZ_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *fmt,...) __attribute__((format(printf, 1, 2), noreturn));

/* Report a broken property and abort. */
static void
fuzz_fail(const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "PROPERTY VIOLATED: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define FUZZ_CHECK(cond, ...) \
	do { if (!(cond)) fuzz_fail(__VA_ARGS__); } while (0)

/*
 * Whether buf[0..size) holds a NUL-terminated string that is valid UTF-8
 * (RFC 3629).  Error messages and paths go into the server's error reports,
 * which must be valid text in the database encoding.
 */
static inline bool
fuzz_valid_utf8_cstring(const char *buf, size_t size)
{
	const unsigned char *s = (const unsigned char *) buf;
	size_t		len = 0;
	size_t		i;

	while (len < size && s[len] != '\0')
		len++;
	if (len == size)
		return false;			/* not terminated inside the buffer */
	for (i = 0; i < len;)
	{
		unsigned char c = s[i];
		size_t		n;
		unsigned char lo = 0x80,
					hi = 0xBF;
		size_t		k;

		if (c < 0x80)
		{
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 2;
		else if (c >= 0xE0 && c <= 0xEF)
		{
			n = 3;
			if (c == 0xE0)
				lo = 0xA0;
			if (c == 0xED)
				hi = 0x9F;
		}
		else if (c >= 0xF0 && c <= 0xF4)
		{
			n = 4;
			if (c == 0xF0)
				lo = 0x90;
			if (c == 0xF4)
				hi = 0x8F;
		}
		else
			return false;
		if (len - i < n || s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (k = 2; k < n; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
		i += n;
	}
	return true;
}

/*
 * What every parser's error report must hold: the kind it returned is the
 * kind recorded, and the message and the path are terminated valid UTF-8.
 * A macro, since each parser has its own error struct with these members.
 */
#define FUZZ_CHECK_ERROR(rc, err) \
	do { \
		FUZZ_CHECK((int) (rc) == (int) (err).kind, \
				   "returned %d but err.kind is %d", (int) (rc), (int) (err).kind); \
		FUZZ_CHECK(fuzz_valid_utf8_cstring((err).message, sizeof((err).message)), \
				   "error message is not terminated valid UTF-8"); \
		FUZZ_CHECK(fuzz_valid_utf8_cstring((err).path, sizeof((err).path)), \
				   "error path is not terminated valid UTF-8"); \
	} while (0)

/* Whether two strings, either of which may be NULL, are the same. */
static inline bool
fuzz_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Whether y-m-d is a real Gregorian date. */
static inline bool
fuzz_valid_date(int y, int m, int d)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool		leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	if (m == 2 && leap)
		return d <= 29;
	return d <= mdays[m - 1];
}

/*
 * Messages produced by the parsers when json-c and the parser's own RFC 8259
 * scanner disagree about the same bytes.  The scanner is meant to decide
 * what is JSON, so such a message is a finding even though nothing crashed.
 * FUZZ_ALLOW_DISAGREEMENT=1 in the environment turns the check off.
 */
static inline bool
fuzz_is_disagreement(const char *message)
{
	static int	allow = -1;

	if (allow < 0)
	{
		const char *e = getenv("FUZZ_ALLOW_DISAGREEMENT");

		allow = (e != NULL && e[0] == '1');
	}
	if (allow)
		return false;
	/* the parsers' own wording, at the start of the message */
	return strncmp(message, "json-c rejected the input", 25) == 0 ||
		strncmp(message, "json-c found ", 13) == 0 ||
		strncmp(message, "json-c and the scanner disagree", 31) == 0;
}

#endif							/* TRACKER_FUZZ_COMMON_H */
