/*-------------------------------------------------------------------------
 *
 * gzip.c
 *	  gzip streams in memory: written while their content is produced, so
 *	  that only the compressed bytes are ever held whole, and read back one
 *	  line at a time.
 *
 * zlib allocates from a memory context, so an error (which never longjmps
 * through zlib: zlib only calls the allocator) loses nothing.  The output
 * of a writer has a limit; what the limit means is the caller's to say.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <zlib.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "common/common.h"

/* Inflated bytes handled at a time when reading. */
#define GUNZIP_CHUNK (256 * 1024)

/* Room the writer keeps free at the end of its output. */
#define GZIP_SLACK (32 * 1024)

struct GzWriter
{
	z_stream	zs;
	char	   *out;
	size_t		len;
	size_t		cap;
	size_t		limit;
};

/*
 * gz_alloc / gz_free
 *		zlib's allocator: the memory context in opaque.
 */
static void *
gz_alloc(void *opaque, unsigned int items, unsigned int size)
{
	return MemoryContextAllocHuge((MemoryContext) opaque,
								  (Size) items * (Size) size);
}

/* See gz_alloc. */
static void
gz_free(void *opaque, void *address)
{
	pfree(address);
}

/*
 * gzip_begin
 *		A gzip stream into memory of cxt, of at most limit bytes.  The
 *		header has mtime 0, so the same input always gives the same bytes.
 */
GzWriter *
gzip_begin(MemoryContext cxt, size_t limit)
{
	GzWriter   *w = MemoryContextAllocZero(cxt, sizeof(GzWriter));

	w->zs.zalloc = gz_alloc;
	w->zs.zfree = gz_free;
	w->zs.opaque = cxt;
	w->limit = limit;
	/* 15 + 16: a gzip header and trailer */
	if (deflateInit2(&w->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
					 Z_DEFAULT_STRATEGY) != Z_OK)
		elog(ERROR, "could not start a gzip stream");
	w->cap = 64 * 1024;
	w->out = MemoryContextAllocHuge(cxt, w->cap);
	return w;
}

/*
 * gzip_run
 *		Compress data (or finish the stream), growing the output buffer.
 *		False when the output would pass the limit.
 */
static bool
gzip_run(GzWriter *w, const char *data, size_t len, int flush)
{
	w->zs.next_in = (Bytef *) data;
	w->zs.avail_in = (uInt) len;
	for (;;)
	{
		int			rc;

		if (w->cap - w->len < GZIP_SLACK)
		{
			size_t		newcap = Min(w->cap * 2, w->limit);

			if (newcap < w->len + GZIP_SLACK)
				return false;
			w->out = repalloc_huge(w->out, newcap);
			w->cap = newcap;
		}
		w->zs.next_out = (Bytef *) (w->out + w->len);
		w->zs.avail_out = (uInt) (w->cap - w->len);
		rc = deflate(&w->zs, flush);
		w->len = (char *) w->zs.next_out - w->out;
		if (rc == Z_STREAM_END)
			return true;
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			elog(ERROR, "gzip compression failed: %s", w->zs.msg ? w->zs.msg : "unknown");
		if (flush == Z_NO_FLUSH && w->zs.avail_in == 0 && w->zs.avail_out > 0)
			return true;
	}
}

/* See gzip_begin: add data; false when the limit would be passed. */
bool
gzip_write(GzWriter *w, const char *data, size_t len)
{
	return gzip_run(w, data, len, Z_NO_FLUSH);
}

/*
 * gzip_finish
 *		End the stream and hand out its bytes; false when the limit would
 *		be passed.
 */
bool
gzip_finish(GzWriter *w, char **out, size_t *len)
{
	if (!gzip_run(w, NULL, 0, Z_FINISH))
		return false;
	deflateEnd(&w->zs);
	*out = w->out;
	*len = w->len;
	return true;
}

/*
 * gunzip_lines
 *		Inflate a gzip stream and hand each complete line (without its
 *		newline) to fn.  Anything else than exactly one stream of lines that
 *		all end in a newline is corrupt: returns a sentence saying what is
 *		wrong, or NULL when all is well.
 */
char *
gunzip_lines(const char *in, size_t len, GzLineFn fn, void *arg)
{
	z_stream	zs;
	char	   *chunk = palloc(GUNZIP_CHUNK);
	StringInfoData line;
	char	   *why = NULL;
	int			rc;

	memset(&zs, 0, sizeof(zs));
	zs.zalloc = gz_alloc;
	zs.zfree = gz_free;
	zs.opaque = CurrentMemoryContext;
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		elog(ERROR, "could not start a gzip stream");
	zs.next_in = (Bytef *) in;
	zs.avail_in = (uInt) len;
	initStringInfo(&line);

	for (;;)
	{
		size_t		produced;
		char	   *p;
		char	   *end;

		CHECK_FOR_INTERRUPTS();
		zs.next_out = (Bytef *) chunk;
		zs.avail_out = GUNZIP_CHUNK;
		rc = inflate(&zs, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END)
		{
			why = psprintf("It is not a complete gzip stream: %s.",
						   zs.msg ? zs.msg :
						   (rc == Z_BUF_ERROR ? "unexpected end of data" : "inflate failed"));
			break;
		}
		produced = GUNZIP_CHUNK - zs.avail_out;
		p = chunk;
		end = chunk + produced;
		while (p < end)
		{
			char	   *nl = memchr(p, '\n', end - p);

			if (nl == NULL)
			{
				appendBinaryStringInfo(&line, p, end - p);
				break;
			}
			appendBinaryStringInfo(&line, p, nl - p);
			fn(arg, line.data, line.len);
			resetStringInfo(&line);
			p = nl + 1;
		}
		if (rc == Z_STREAM_END)
			break;
		if (produced == 0 && zs.avail_in == 0)
		{
			why = pstrdup("Its gzip stream ends early.");
			break;
		}
	}
	if (why == NULL && zs.avail_in != 0)
		why = pstrdup("Bytes follow the end of its gzip stream.");
	else if (why == NULL && line.len != 0)
		why = pstrdup("Its last line is incomplete.");
	inflateEnd(&zs);
	pfree(chunk);
	pfree(line.data);
	return why;
}
