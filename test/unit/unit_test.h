/*-------------------------------------------------------------------------
 *
 * unit_test.h
 *	  The small harness Tracker's plain-C unit tests share: counted checks,
 *	  the summary line, and helpers for building documents.
 *
 * Each test program is one file that includes this header once.  Every
 * function here is static inline, so a program pays nothing for the ones
 * it does not use.  Checks count into npassed and nfailed and a failed one
 * prints its source line; main() ends with "return unit_report();", which
 * prints the last line, "N passed, N failed", and gives the exit status
 * (non-zero when anything failed).
 *
 * test/unit/unit_test.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_UNIT_TEST_H
#define TRACKER_UNIT_TEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int	npassed = 0;
static int	nfailed = 0;

/*
 * Count one check and say what failed, with the source line; returns ok,
 * so that a caller can go on only when a check held.
 */
static inline bool
check_impl(bool ok, int line, const char *what)
{
	if (ok)
		npassed++;
	else
	{
		nfailed++;
		printf("FAIL line %d: %s\n", line, what);
	}
	return ok;
}

/* A check that reports its own text, and one that says what it checks. */
#define CHECK(cond) check_impl((cond), __LINE__, #cond)
#define CHECK_MSG(cond, what) check_impl((cond), __LINE__, (what))

/* Print the summary line and return the exit status, for main(). */
static inline int
unit_report(void)
{
	printf("%d passed, %d failed\n", npassed, nfailed);
	return nfailed == 0 ? 0 : 1;
}

/* A string literal and its length, as two arguments. */
#define LIT(s) (s), strlen(s)

/* Whether two C strings are equal, treating NULL as equal only to NULL. */
static inline bool
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Out of memory in a test: nothing sensible is left to do. */
static inline void
unit_oom(void)
{
	fprintf(stderr, "out of memory\n");
	exit(2);
}

/* printf into a fresh malloc'd string; the tests build documents this way. */
static inline char *sfmt(const char *fmt,...) __attribute__((format(printf, 1, 2)));

static inline char *
sfmt(const char *fmt,...)
{
	va_list		ap;
	int			n;
	char	   *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = malloc((size_t) n + 1);
	if (s == NULL)
		unit_oom();
	va_start(ap, fmt);
	vsnprintf(s, (size_t) n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* A growable string, for generated documents too long for sfmt(). */
typedef struct StrBuf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} StrBuf;

/* Append n bytes, doubling the buffer as needed. */
static inline void
sb_append(StrBuf *sb, const char *s, size_t n)
{
	if (sb->len + n + 1 > sb->cap)
	{
		size_t		cap = sb->cap ? sb->cap : 256;

		while (sb->len + n + 1 > cap)
			cap *= 2;
		sb->data = realloc(sb->data, cap);
		if (sb->data == NULL)
			unit_oom();
		sb->cap = cap;
	}
	memcpy(sb->data + sb->len, s, n);
	sb->len += n;
	sb->data[sb->len] = '\0';
}

/* Append a C string. */
static inline void
sb_puts(StrBuf *sb, const char *s)
{
	sb_append(sb, s, strlen(s));
}

/* Append s the given number of times, for nesting and padding. */
static inline void
sb_repeat(StrBuf *sb, const char *s, size_t times)
{
	size_t		i;

	for (i = 0; i < times; i++)
		sb_puts(sb, s);
}

/* Append a formatted line of at most 1023 bytes; a longer one is a bug. */
static inline void sb_printf(StrBuf *sb, const char *fmt,...) __attribute__((format(printf, 2, 3)));

static inline void
sb_printf(StrBuf *sb, const char *fmt,...)
{
	va_list		ap;
	char		tmp[1024];
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t) n >= sizeof(tmp))
	{
		fprintf(stderr, "sb_printf: line too long\n");
		exit(2);
	}
	sb_append(sb, tmp, (size_t) n);
}

/* Monotonic clock in milliseconds, for the timing lines. */
static inline double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#endif							/* TRACKER_UNIT_TEST_H */
