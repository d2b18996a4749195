/*-------------------------------------------------------------------------
 *
 * loadclient.c
 *	  The ingest benchmark's client: one session that loads the same Google
 *	  Health heart-rate pages with Tracker's write path and with three
 *	  baselines, run after run, and prints what each run took.
 *
 *	  loadclient CONNINFO TCP_CONNINFO RUNS INSERT_PAGES ELT_PAGES PAGE_DIR FILE...
 *
 * FILE... are page files (newest first, as the API serves them) inside
 * PAGE_DIR, which the server can read.  Methods, each timed from the client
 * (statement sent to result received), in this order in every run:
 *
 *   tracker   SELECT tracker.bench_ingest(account, ARRAY[pg_read_binary_file(..)])
 *             per window of 8 pages (one transaction per window, as a sync
 *             worker writes a window): parse + validate, bronze, silver, gold.
 *   tracker_pglz  the same with bronze.payload.body set to COMPRESSION pglz
 *             for the run (the schema ships it as lz4), so that both
 *             compressions of the raw pages are measured side by side.
 *   elt       (b) pure SQL per window of 8 pages, one transaction: store each
 *             page as jsonb (INSERT ... pg_read_binary_file(..)::jsonb), then
 *             INSERT INTO rows SELECT .. FROM jsonb_to_recordset(doc->'dataPoints');
 *             on the first ELT_PAGES pages (it is slow).
 *   copy      (c) COPY rows FROM STDIN (FORMAT binary) of rows parsed before
 *             the clock starts: the ceiling.
 *   insert    (a) the first INSERT_PAGES pages: json-c parses each page in
 *             the client, then one INSERT statement per sample with its
 *             values written in (what a Python loader with psycopg2's
 *             cursor.execute() sends), over TCP to 127.0.0.1 (TCP_CONNINFO),
 *             all in one transaction: the row-per-sample loader.
 *   insert_prepared  the same pages with a prepared INSERT over the Unix
 *             socket: the fastest form of a row-per-sample loader.
 *
 * The row baselines write (account_id, ts, bpm) rows with a primary key.
 * Between runs every target is truncated and a CHECKPOINT is taken.
 * Output, one line per method and run (tab-separated):
 *   method run samples bytes ms
 *   [parse_ms bronze_ms silver_ms encode_ms gold_ms bronze_size silver_size]
 *
 *-------------------------------------------------------------------------
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "providers/json_check.h"	/* jc_days_from_civil() */

#define WINDOW_PAGES 8

static PGconn *conn;
static PGconn *tcp;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void
die(const char *what, const char *detail)
{
	fprintf(stderr, "loadclient: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(1);
}

static PGresult *
run(const char *sql, ExecStatusType want)
{
	PGresult   *r = PQexec(conn, sql);

	if (PQresultStatus(r) != want)
		die(sql, PQerrorMessage(conn));
	return r;
}

static void
exec0(const char *sql)
{
	PQclear(run(sql, PGRES_COMMAND_OK));
}

static char *
read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	long		n;
	char	   *buf;

	if (!f)
		die("cannot open", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n + 1);
	*len = fread(buf, 1, n, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* Read page file name of directory dir. */
static char *
read_page_file(const char *dir, const char *name, size_t *len)
{
	char		path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return read_file(path, len);
}

typedef struct Rows
{
	int64_t    *t;
	int16_t    *bpm;
	const char **ts_text;		/* for the INSERT loader: "YYYY-MM-DDTHH:MM:SSZ" */
	char	  **bpm_text;
	size_t		n;
	size_t		cap;
	json_object **trees;		/* kept alive while ts_text points into them */
	size_t		ntrees;
} Rows;

/* json-c tree of a page, then every sample's time and bpm (as text and values). */
static void
parse_page(const char *buf, size_t len, Rows *r)
{
	json_tokener *tok = json_tokener_new_ex(64);
	json_object *root = json_tokener_parse_ex(tok, buf, (int) len);
	json_object *arr;
	size_t		i,
				n;

	json_tokener_free(tok);
	if (root == NULL || !json_object_object_get_ex(root, "dataPoints", &arr))
		die("a page is not a heart-rate page", NULL);
	n = json_object_array_length(arr);
	if (r->n + n > r->cap)
	{
		r->cap = (r->n + n) * 2;
		r->t = realloc(r->t, sizeof(int64_t) * r->cap);
		r->bpm = realloc(r->bpm, sizeof(int16_t) * r->cap);
		r->ts_text = realloc(r->ts_text, sizeof(char *) * r->cap);
		r->bpm_text = realloc(r->bpm_text, sizeof(char *) * r->cap);
	}
	for (i = 0; i < n; i++)
	{
		json_object *e = json_object_array_get_idx(arr, i);
		json_object *hr,
				   *st,
				   *pt,
				   *bp;
		const char *s;
		int			y,
					mo,
					d,
					h,
					mi,
					sec;

		if (!json_object_object_get_ex(e, "heartRate", &hr) ||
			!json_object_object_get_ex(hr, "sampleTime", &st) ||
			!json_object_object_get_ex(st, "physicalTime", &pt) ||
			!json_object_object_get_ex(hr, "beatsPerMinute", &bp))
			die("a point lacks a member", NULL);
		s = json_object_get_string(pt);
		if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &sec) != 6)
			die("bad time", s);
		r->t[r->n] = jc_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
		r->bpm[r->n] = (int16_t) atoi(json_object_get_string(bp));
		r->ts_text[r->n] = s;
		r->bpm_text[r->n] = (char *) json_object_get_string(bp);
		r->n++;
	}
	r->trees = realloc(r->trees, sizeof(json_object *) * (r->ntrees + 1));
	r->trees[r->ntrees++] = root;
}

static void
rows_free(Rows *r)
{
	size_t		i;

	for (i = 0; i < r->ntrees; i++)
		json_object_put(r->trees[i]);
	free(r->trees);
	free(r->t);
	free(r->bpm);
	free(r->ts_text);
	free(r->bpm_text);
	memset(r, 0, sizeof(*r));
}

static void
put_be16(char *p, uint16_t v)
{
	v = htons(v);
	memcpy(p, &v, 2);
}

static void
put_be32(char *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static void
put_be64(char *p, uint64_t v)
{
	put_be32(p, (uint32_t) (v >> 32));
	put_be32(p + 4, (uint32_t) v);
}

/* The whole binary COPY stream for rows (account 1). */
static char *
copy_stream(const Rows *r, size_t *len)
{
	const size_t row = 2 + 4 + 4 + 4 + 8 + 4 + 2;
	char	   *buf = malloc(19 + row * r->n + 2);
	char	   *p = buf;
	size_t		i;

	memcpy(p, "PGCOPY\n\377\r\n\0", 11);
	p += 11;
	put_be32(p, 0);
	put_be32(p + 4, 0);
	p += 8;
	for (i = 0; i < r->n; i++)
	{
		/* PostgreSQL's epoch is 2000-01-01; timestamptz in microseconds */
		int64_t		us = (r->t[i] - INT64_C(946684800)) * INT64_C(1000000);

		put_be16(p, 3);
		put_be32(p + 2, 4);
		put_be32(p + 6, 1);
		put_be32(p + 10, 8);
		put_be64(p + 14, (uint64_t) us);
		put_be32(p + 22, 2);
		put_be16(p + 26, (uint16_t) r->bpm[i]);
		p += row;
	}
	put_be16(p, 0xFFFF);
	p += 2;
	*len = p - buf;
	return buf;
}

static void
checkpoint(void)
{
	exec0("CHECKPOINT");
}

/* Tracker's path over every window: one statement (transaction) per window. */
static void
tracker_run(const char *name, int run_no, const char *dir, char **files, int nfiles,
			int64_t total_samples, size_t total_bytes)
{
	char		sql[65536];
	double		ph[5] = {0, 0, 0, 0, 0};
	double		ms = 0;
	int			w;

	exec0("TRUNCATE bronze.payload, silver.heart_rate_day, gold.daily, tracker.sync_log CASCADE");
	checkpoint();
	for (w = 0; w < nfiles; w += WINDOW_PAGES)
	{
		int			k;
		int			len;
		double		t0;
		PGresult   *r;

		len = snprintf(sql, sizeof(sql), "SELECT parse_ms, bronze_ms, silver_ms, encode_ms, "
					   "gold_ms FROM tracker.bench_ingest(1, ARRAY[");
		for (k = w; k < nfiles && k < w + WINDOW_PAGES; k++)
			len += snprintf(sql + len, sizeof(sql) - len, "%spg_read_binary_file('%s/%s')",
							k > w ? "," : "", dir, files[k]);
		snprintf(sql + len, sizeof(sql) - len, "])");
		t0 = now_ms();
		r = run(sql, PGRES_TUPLES_OK);
		ms += now_ms() - t0;
		for (k = 0; k < 5; k++)
			ph[k] += atof(PQgetvalue(r, 0, k));
		PQclear(r);
	}
	/* the codec measured on the side is not part of the path */
	ms -= ph[3];
	{
		PGresult   *r = run("SELECT pg_total_relation_size('bronze.payload'), "
							"pg_total_relation_size('silver.heart_rate_day')", PGRES_TUPLES_OK);

		printf("%s\t%d\t%lld\t%zu\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%s\t%s\n", name, run_no,
			   (long long) total_samples, total_bytes, ms, ph[0], ph[1], ph[2], ph[3], ph[4],
			   PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
		PQclear(r);
	}
	fflush(stdout);
}

/* The row-per-sample loader: parse in the client, one INSERT per sample. */
static void
insert_run(const char *name, PGconn *c, bool prepared, int run_no, const char *dir,
		   char **files, int npages)
{
	Rows		sub = {0};
	size_t		bytes = 0;
	size_t		k;
	double		t0;
	int			i;
	char		sql[256];
	PGresult   *r;

	exec0("TRUNCATE bench_rows_a");
	checkpoint();
	t0 = now_ms();
	r = PQexec(c, "BEGIN");
	PQclear(r);
	for (i = 0; i < npages; i++)
	{
		size_t		len;
		char	   *buf;

		buf = read_page_file(dir, files[i], &len);
		bytes += len;
		parse_page(buf, len, &sub);
		free(buf);
	}
	for (k = 0; k < sub.n; k++)
	{
		if (prepared)
		{
			const char *params[3] = {"1", sub.ts_text[k], sub.bpm_text[k]};

			r = PQexecPrepared(c, "ins", 3, params, NULL, NULL, 0);
		}
		else
		{
			snprintf(sql, sizeof(sql),
					 "INSERT INTO bench_rows_a (account_id, ts, bpm) VALUES (1, '%s', %s)",
					 sub.ts_text[k], sub.bpm_text[k]);
			r = PQexec(c, sql);
		}
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			die("INSERT failed", PQerrorMessage(c));
		PQclear(r);
	}
	r = PQexec(c, "COMMIT");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die("COMMIT failed", PQerrorMessage(c));
	PQclear(r);
	printf("%s\t%d\t%zu\t%zu\t%.1f\n", name, run_no, sub.n, bytes, now_ms() - t0);
	fflush(stdout);
	rows_free(&sub);
}

int
main(int argc, char **argv)
{
	int			runs,
				insert_pages,
				elt_pages,
				nfiles,
				run_no,
				i;
	const char *dir;
	char		shipped_compression[128];
	char	  **files;
	size_t	   *sizes;
	size_t		total_bytes = 0;
	Rows		all = {0};
	char	   *stream;
	size_t		stream_len;
	int64_t		total_samples;
	int64_t		elt_samples = 0;
	size_t		elt_bytes = 0;
	char		sql[65536];

	if (argc < 8)
		die("usage: loadclient CONNINFO TCP_CONNINFO RUNS INSERT_PAGES ELT_PAGES PAGE_DIR FILE...", NULL);
	conn = PQconnectdb(argv[1]);
	if (PQstatus(conn) != CONNECTION_OK)
		die("cannot connect", PQerrorMessage(conn));
	tcp = PQconnectdb(argv[2]);
	if (PQstatus(tcp) != CONNECTION_OK)
		die("cannot connect over TCP", PQerrorMessage(tcp));
	runs = atoi(argv[3]);
	insert_pages = atoi(argv[4]);
	elt_pages = atoi(argv[5]);
	dir = argv[6];
	files = argv + 7;
	nfiles = argc - 7;
	if (insert_pages > nfiles)
		insert_pages = nfiles;
	if (elt_pages <= 0 || elt_pages > nfiles)
		elt_pages = nfiles;
	sizes = calloc(nfiles, sizeof(size_t));

	/* Parse every page once, before any clock runs, for the COPY ceiling. */
	for (i = 0; i < nfiles; i++)
	{
		size_t		len;
		char	   *buf;

		buf = read_page_file(dir, files[i], &len);
		sizes[i] = len;
		total_bytes += len;
		parse_page(buf, len, &all);
		free(buf);
		if (i + 1 == elt_pages)
		{
			elt_samples = (int64_t) all.n;
			elt_bytes = total_bytes;
		}
	}
	total_samples = (int64_t) all.n;
	stream = copy_stream(&all, &stream_len);
	rows_free(&all);

	PQclear(run("SET client_min_messages = warning", PGRES_COMMAND_OK));
	{
		/* the column's compression as the schema ships it, to put back */
		PGresult   *r = run("SELECT attcompression FROM pg_attribute "
							"WHERE attrelid = 'bronze.payload'::regclass AND attname = 'body'",
							PGRES_TUPLES_OK);
		const char *c = PQgetvalue(r, 0, 0);

		snprintf(shipped_compression, sizeof(shipped_compression),
				 "ALTER TABLE bronze.payload ALTER COLUMN body SET COMPRESSION %s",
				 c[0] == 'l' ? "lz4" : c[0] == 'p' ? "pglz" : "default");
		PQclear(r);
	}
	PQclear(run("PREPARE ins(int, timestamptz, smallint) AS "
				"INSERT INTO bench_rows_a (account_id, ts, bpm) VALUES ($1, $2, $3)",
				PGRES_COMMAND_OK));

	for (run_no = 1; run_no <= runs; run_no++)
	{
		double		t0,
					ms;
		int			w;

		tracker_run("tracker", run_no, dir, files, nfiles, total_samples, total_bytes);
		exec0("ALTER TABLE bronze.payload ALTER COLUMN body SET COMPRESSION pglz");
		tracker_run("tracker_pglz", run_no, dir, files, nfiles, total_samples, total_bytes);
		exec0(shipped_compression);

		/* --- (b) pure-SQL ELT, one transaction per window --- */
		exec0("TRUNCATE bench_doc, bench_rows_b");
		checkpoint();
		ms = 0;
		for (w = 0; w < elt_pages; w += WINDOW_PAGES)
		{
			int			k;
			int			len;

			len = snprintf(sql, sizeof(sql), "BEGIN; INSERT INTO bench_doc (window_no, doc) VALUES ");
			for (k = w; k < elt_pages && k < w + WINDOW_PAGES; k++)
				len += snprintf(sql + len, sizeof(sql) - len,
								"%s(%d, convert_from(pg_read_binary_file('%s/%s'), 'UTF8')::jsonb)",
								k > w ? "," : "", w, dir, files[k]);
			len += snprintf(sql + len, sizeof(sql) - len,
							"; INSERT INTO bench_rows_b (account_id, ts, bpm) "
							"SELECT 1, (p.\"heartRate\"->'sampleTime'->>'physicalTime')::timestamptz, "
							"(p.\"heartRate\"->>'beatsPerMinute')::smallint "
							"FROM bench_doc d, jsonb_to_recordset(d.doc->'dataPoints') AS p(\"heartRate\" jsonb) "
							"WHERE d.window_no = %d; COMMIT", w);
			t0 = now_ms();
			exec0(sql);
			ms += now_ms() - t0;
		}
		printf("elt\t%d\t%lld\t%zu\t%.1f\n", run_no, (long long) elt_samples, elt_bytes, ms);
		fflush(stdout);

		/* --- (c) COPY BINARY of parsed rows: the ceiling --- */
		exec0("TRUNCATE bench_rows_c");
		checkpoint();
		t0 = now_ms();
		exec0("BEGIN");
		PQclear(run("COPY bench_rows_c (account_id, ts, bpm) FROM STDIN (FORMAT binary)", PGRES_COPY_IN));
		{
			size_t		off = 0;

			while (off < stream_len)
			{
				size_t		n = stream_len - off < (1 << 20) ? stream_len - off : (1 << 20);

				if (PQputCopyData(conn, stream + off, (int) n) != 1)
					die("COPY failed", PQerrorMessage(conn));
				off += n;
			}
			if (PQputCopyEnd(conn, NULL) != 1)
				die("COPY failed", PQerrorMessage(conn));
			{
				PGresult   *r;

				while ((r = PQgetResult(conn)) != NULL)
				{
					if (PQresultStatus(r) != PGRES_COMMAND_OK)
						die("COPY failed", PQerrorMessage(conn));
					PQclear(r);
				}
			}
		}
		exec0("COMMIT");
		ms = now_ms() - t0;
		printf("copy\t%d\t%lld\t%zu\t%.1f\n", run_no, (long long) total_samples, total_bytes, ms);
		fflush(stdout);

		/* --- (a) parse in the client, one INSERT per sample --- */
		insert_run("insert", tcp, false, run_no, dir, files, insert_pages);
		insert_run("insert_prepared", conn, true, run_no, dir, files, insert_pages);
	}
	PQfinish(tcp);
	PQfinish(conn);
	return 0;
}
