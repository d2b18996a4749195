/*-------------------------------------------------------------------------
 *
 * bench_hooks.c
 *	  Measurement hooks for bench/, built into the library only with
 *	  `make BENCH=1` (their SQL declarations likewise): Tracker's real
 *	  write path for Google Health heart-rate pages, run on page bodies
 *	  handed in by the caller instead of fetched over HTTP, with the time of
 *	  each phase; and Tracker's HTTP client on its own, with and without a
 *	  session that reuses connections.
 *
 * tracker.bench_ingest(account, bodies bytea[], write) does what a sync
 * worker does with one fetched window, in the caller's transaction:
 * gh_parse_page() validates and maps every page, provider_store_pages()
 * keeps the pages in bronze, the provider's write_window() merges the
 * samples into silver (normalise, merge, encode, write), and
 * figures_recompute_days() recomputes gold.  Only the HTTP transfer is left
 * out.  samples counts the points parsed.  The codec's share of the silver phase is measured separately by
 * running hr_series_normalize() and hr_series_encode() on a copy of the
 * same samples (extra work, not part of the path, and left out of
 * total_ms).  With write = false the pages are only parsed, and then they
 * may be of any data type the parser knows (data_type, a URL name such as
 * "steps"); pages are written for heart-rate only.
 *
 * tracker_bench_http(url, requests, reuse, headers) makes requests GETs of
 * url through http_perform(), one after the other, inside an HttpSession
 * (reuse) or each on a handle of its own as before sessions existed, and
 * returns the requests per second.  bench/http declares it in its own
 * throwaway cluster.
 *
 * Superuser only: they write to any account, and send requests anywhere.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "core/series.h"
#include "http/http.h"
#include "providers/gh_parse.h"
#include "providers/provider.h"
#include "store/store.h"

static double
elapsed_ms(instr_time start)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, start);
	return INSTR_TIME_GET_MILLISEC(now);
}

/*
 * free_parsed
 *		gh_parse_page() allocates with malloc: release every parsed page on
 *		every path.
 */
static void
free_parsed(List *pages)
{
	ListCell   *lc;

	foreach(lc, pages)
	{
		ProviderPage *p = (ProviderPage *) lfirst(lc);

		if (p->parsed)
		{
			gh_page_free((GhPage *) p->parsed);
			p->parsed = NULL;
		}
	}
}

/* What one call measured. */
typedef struct BenchResult
{
	int64		samples;
	int64		bytes;
	double		parse_ms;
	double		bronze_ms;
	double		silver_ms;
	double		encode_ms;
	double		gold_ms;
} BenchResult;

/*
 * bench_window
 *		Parse the pages into f, then (with write) run the write path of one
 *		window, timing each phase into r.
 */
static void
bench_window(int32 account_id, Datum *elems, bool *elem_nulls, int nelems,
			 bool write, GhDataType type, ProviderFetched *f, BenchResult *r)
{
	instr_time	t0;
	int			i;

	/* Parse and validate every page, as gh_fetch_window() does. */
	for (i = 0; i < nelems; i++)
	{
		bytea	   *b;
		ProviderPage *p;
		GhPage	   *gp;
		GhError		err;
		GhErrorKind rc;

		if (elem_nulls[i])
			continue;
		b = DatumGetByteaPP(elems[i]);
		p = palloc0(sizeof(ProviderPage));
		p->url = psprintf("GET bench page %d", i + 1);
		p->body = VARDATA_ANY(b);
		p->len = VARSIZE_ANY_EXHDR(b);
		p->http_status = 200;
		gp = palloc0(sizeof(GhPage));
		memset(&err, 0, sizeof(err));

		INSTR_TIME_SET_CURRENT(t0);
		rc = gh_parse_page(type, p->body, p->len, gp, &err);
		r->parse_ms += elapsed_ms(t0);
		if (rc != GH_OK)
		{
			gh_page_free(gp);
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("page %d does not validate", i + 1),
					 errdetail("At %s: %s.", err.path[0] ? err.path : "$",
							   err.message)));
		}
		p->parsed = gp;
		f->pages = lappend(f->pages, p);
		r->samples += (int64) (gp->nsamples + gp->ndaily + gp->nexercise +
							   gp->nsleep + gp->nsteps);
		r->bytes += (int64) p->len;
	}

	if (write && f->pages != NIL)
	{
		const Provider *prov = &google_health_provider;
		TrackerAccount acc;
		ProviderWindow w;
		DaySet		touched = {0};
		HrSample   *copy;
		uint8	   *buf;
		size_t		n = 0;
		ListCell   *lc;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		account_load(account_id, &acc);
		memset(&w, 0, sizeof(w));
		w.data_type = provider_data_type(prov, "heart-rate");

		/* The codec alone, on a copy of the same samples. */
		copy = palloc_extended(sizeof(HrSample) * Max(r->samples, 1), MCXT_ALLOC_HUGE);
		foreach(lc, f->pages)
		{
			GhPage	   *gp = (GhPage *) ((ProviderPage *) lfirst(lc))->parsed;
			size_t		k;

			for (k = 0; k < gp->nsamples; k++)
			{
				copy[n].t = gp->t[k];
				copy[n].bpm = gp->bpm[k];
				n++;
			}
		}
		INSTR_TIME_SET_CURRENT(t0);
		n = hr_series_normalize(copy, n);
		buf = palloc_extended(hr_series_encode_bound(n), MCXT_ALLOC_HUGE);
		if (n > 0 && hr_series_encode(copy, n, buf) == 0)
			elog(ERROR, "could not encode the samples");
		r->encode_ms = elapsed_ms(t0);
		pfree(buf);
		pfree(copy);

		INSTR_TIME_SET_CURRENT(t0);
		provider_store_pages(prov, &acc, &w, f);
		r->bronze_ms = elapsed_ms(t0);

		INSTR_TIME_SET_CURRENT(t0);
		(void) prov->write_window(&acc, &w, f, &touched);
		r->silver_ms = elapsed_ms(t0);

		INSTR_TIME_SET_CURRENT(t0);
		figures_recompute_days(&acc, &touched);
		r->gold_ms = elapsed_ms(t0);
		SPI_finish();
	}
}

PG_FUNCTION_INFO_V1(tracker_bench_ingest);

Datum
tracker_bench_ingest(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *elem_nulls;
	int			nelems;
	TupleDesc	tupdesc;
	Datum		values[9];
	bool		nulls[9] = {false, false, false, false, false, false, false, false, false};
	ProviderFetched *f = palloc0(sizeof(ProviderFetched));
	int			type_no = GH_HEART_RATE;
	bool		write;
	BenchResult *r = palloc0(sizeof(BenchResult));
	instr_time	start_all;

	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("tracker.bench_ingest is for superusers")));
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("account and bodies must not be null")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (!PG_ARGISNULL(3))
	{
		char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(3));

		type_no = gh_data_type_from_name(name);
		if (type_no < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown data type \"%s\"", name)));
	}
	write = PG_ARGISNULL(2) ? true : PG_GETARG_BOOL(2);
	if (write && type_no != GH_HEART_RATE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("only heart-rate pages can be written"),
				 errhint("Pass write => false to parse other data types.")));
	arr = PG_GETARG_ARRAYTYPE_P(1);
	deconstruct_array(arr, BYTEAOID, -1, false, TYPALIGN_INT,
					  &elems, &elem_nulls, &nelems);

	INSTR_TIME_SET_CURRENT(start_all);
	f->verdict = FETCH_OK;
	PG_TRY();
	{
		bench_window(PG_GETARG_INT32(0), elems, elem_nulls, nelems, write,
					 (GhDataType) type_no, f, r);
	}
	PG_FINALLY();
	{
		free_parsed(f->pages);
	}
	PG_END_TRY();

	values[0] = Int32GetDatum(list_length(f->pages));
	values[1] = Int64GetDatum(r->samples);
	values[2] = Int64GetDatum(r->bytes);
	values[3] = Float8GetDatum(r->parse_ms);
	values[4] = Float8GetDatum(r->bronze_ms);
	values[5] = Float8GetDatum(r->silver_ms);
	values[6] = Float8GetDatum(r->encode_ms);
	values[7] = Float8GetDatum(r->gold_ms);
	values[8] = Float8GetDatum(elapsed_ms(start_all) - r->encode_ms);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(tracker_bench_http);

/*
 * tracker_bench_http
 *		Requests per second of GET url, requests times in a row, with or
 *		without a session; any answer but 200 is an error.  headers are
 *		"Name: value" lines (an Authorization header, say).
 */
Datum
tracker_bench_http(PG_FUNCTION_ARGS)
{
	HttpRequest req;
	HttpResponse resp;
	HttpSession *session = NULL;
	const char **headers = NULL;
	int32		requests;
	instr_time	start;
	double		ms;
	int			i;

	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("tracker.bench_http is for superusers")));
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("url, requests and reuse must not be null")));
	requests = PG_GETARG_INT32(1);
	if (requests < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("requests must be positive")));
	if (!PG_ARGISNULL(3))
	{
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		deconstruct_array(PG_GETARG_ARRAYTYPE_P(3), TEXTOID, -1, false,
						  TYPALIGN_INT, &elems, &nulls, &n);
		headers = palloc0(sizeof(char *) * (n + 1));
		for (i = 0; i < n; i++)
			headers[i] = nulls[i] ? "" : TextDatumGetCString(elems[i]);
	}
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = text_to_cstring(PG_GETARG_TEXT_PP(0));
	req.headers = headers;

	if (PG_GETARG_BOOL(2))
		session = http_session_begin(CurrentMemoryContext);
	INSTR_TIME_SET_CURRENT(start);
	for (i = 0; i < requests; i++)
	{
		CHECK_FOR_INTERRUPTS();
		http_perform(&req, &resp);
		if (resp.outcome != HTTP_RESPONSE || resp.status != 200)
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("request %d of %d failed: %s", i + 1, requests,
							resp.outcome == HTTP_RESPONSE ?
							psprintf("HTTP %ld", resp.status) : resp.error)));
		pfree(resp.body);
	}
	ms = elapsed_ms(start);
	http_session_end(session);
	PG_RETURN_FLOAT8(requests / (ms / 1000.0));
}
