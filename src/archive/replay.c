/*-------------------------------------------------------------------------
 *
 * replay.c
 *	  Replay: restored payloads written to silver through the code that
 *	  wrote them in the first place, then gold recomputed.
 *
 * Synced pages go through their provider's write_window, Fitbit files
 * through the import path.  A payload no parser accepts any more stays in
 * bronze exactly as archived, with a warning.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "archive/archive.h"
#include "archive/archive_int.h"
#include "common/common.h"
#include "providers/gh_parse.h"
#include "providers/provider.h"
#include "store/store.h"


/*
 * replay_fitbit
 *		Write a Fitbit document to silver as tracker.import_fitbit_* does
 *		(fitbit_doc_store), releasing the parsed document (malloc'd by the
 *		parser) whatever happens.  Gold is recomputed by the caller once
 *		every payload is in.
 */
static void
replay_fitbit(const TrackerAccount *acc, FitbitDoc *doc, int64 payload_id,
			  const char *source, DaySet *touched)
{
	PG_TRY();
	{
		(void) fitbit_doc_store(acc, doc, payload_id, source, touched);
	}
	PG_CATCH();
	{
		fitbit_doc_free(doc);
		PG_RE_THROW();
	}
	PG_END_TRY();
	fitbit_doc_free(doc);
}

/*
 * replay_window
 *		Write one parsed page through its provider's write_window, releasing
 *		what the parser allocated whatever happens.
 */
static void
replay_window(const Provider *p, const TrackerAccount *acc,
			  const ProviderWindow *w, ProviderFetched *f, ProviderPage *page,
			  DaySet *touched)
{
	PG_TRY();
	{
		p->write_window(acc, w, f, touched);
	}
	PG_CATCH();
	{
		p->free_page(page);
		PG_RE_THROW();
	}
	PG_END_TRY();
	p->free_page(page);
}

/*
 * replay_payload
 *		Write one accepted payload to silver through the code that wrote it
 *		in the first place: the provider's write_window for synced pages, the
 *		import path for Fitbit files.  False (with *why) when no parser
 *		accepts it any more; the payload stays in bronze.
 */
static bool
replay_payload(const TrackerAccount *acc, int64 payload_id, const char *source,
			   const char *kind, const char *origin, const char *body,
			   size_t len, DaySet *touched, char **why)
{
	const Provider *p = provider_get(source);

	if (p != NULL && strcmp(p->name, "google_health") == 0)
	{
		int			dt = kind ? provider_data_type(p, kind) : -1;
		int			ghtype = kind ? gh_data_type_from_name(kind) : -1;
		GhPage	   *gp;
		GhError		err;
		ProviderWindow w;
		ProviderFetched f;
		ProviderPage page;
		FetchLogEntry log;

		if (dt < 0 || ghtype < 0)
		{
			*why = psprintf("unknown data type \"%s\"", kind ? kind : "");
			return false;
		}
		gp = palloc0(sizeof(GhPage));
		memset(&err, 0, sizeof(err));
		if (gh_parse_page((GhDataType) ghtype, body, len, gp, &err) != GH_OK)
		{
			*why = psprintf("%s at %s", err.message, err.path[0] ? err.path : "$");
			gh_page_free(gp);
			return false;
		}
		memset(&w, 0, sizeof(w));
		w.data_type = dt;
		memset(&log, 0, sizeof(log));
		log.payload_id = payload_id;
		memset(&page, 0, sizeof(page));
		page.url = (char *) origin;
		page.body = (char *) body;
		page.len = len;
		page.parsed = gp;
		page.log = &log;
		memset(&f, 0, sizeof(f));
		f.verdict = FETCH_OK;
		f.pages = list_make1(&page);
		replay_window(p, acc, &w, &f, &page, touched);
		return true;
	}
	if (strcmp(source, "fitbit_file") == 0 || strcmp(source, "fitbit_json") == 0)
	{
		FitbitDoc	doc;
		FitbitError err;
		const char *base = origin ? strrchr(origin, '/') : NULL;

		memset(&doc, 0, sizeof(doc));
		memset(&err, 0, sizeof(err));
		if (fitbit_parse(body, len, base ? base + 1 : origin, &doc, &err) != FITBIT_OK)
		{
			*why = psprintf("%s at %s", err.message, err.path[0] ? err.path : "$");
			fitbit_doc_free(&doc);
			return false;
		}
		replay_fitbit(acc, &doc, payload_id, source, touched);
		return true;
	}
	*why = psprintf("no parser for source \"%s\"", source);
	return false;
}

/* An account's replay as replay_row() goes through its payloads. */
typedef struct ReplayRows
{
	RestoreAccount *ra;
	DaySet		touched;
	int			replayed;
	int			skipped;
	char	   *first_skipped;
} ReplayRows;

/*
 * replay_row
 *		Replay one payload.  Each is written under an SPI connection of its
 *		own, so that what the write path allocates goes away with it; the
 *		days it touched live in ra->cxt.
 */
static void
replay_row(HeapTuple tup, TupleDesc desc, void *arg)
{
	ReplayRows *rr = (ReplayRows *) arg;
	bool		isnull;
	int64		payload_id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
	char	   *source = SPI_getvalue(tup, desc, 2);
	char	   *kind = SPI_getvalue(tup, desc, 3);
	char	   *origin = SPI_getvalue(tup, desc, 4);
	size_t		len;
	char	   *body = bronze_body(rr->ra->acc.account_id, payload_id, &len);
	char	   *why = NULL;

	if (body == NULL)
		return;					/* removed meanwhile */
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (replay_payload(&rr->ra->acc, payload_id, source, kind, origin, body,
					   len, &rr->touched, &why))
		rr->replayed++;
	else if (rr->skipped++ == 0)
		rr->first_skipped = MemoryContextStrdup(rr->ra->cxt,
												psprintf("payload " INT64_FORMAT ": %s",
														 payload_id, why));
	SPI_finish();
}

/*
 * replay_account
 *		Replay the restored payloads of an account, in payload order, into
 *		silver, then recompute gold for every day they touched.  When a
 *		restored payload is older than payloads the database already held
 *		(months thawed after more recent ones were restored), those later
 *		payloads are replayed again after it, so that whatever came later
 *		still wins, as it did originally.
 */
void
replay_account(RestoreAccount *ra)
{
	Oid			types[2] = {INT4OID, INT8OID};
	Datum		values[2];
	ReplayRows	rr;
	MemoryContext rowcxt;
	int64		min_id = PG_INT64_MAX;
	int			i;

	if (ra->ninserted == 0)
		return;
	for (i = 0; i < ra->ninserted; i++)
		min_id = Min(min_id, ra->inserted[i]);
	memset(&rr, 0, sizeof(rr));
	rr.ra = ra;
	rr.touched.cap = 64;
	rr.touched.days = MemoryContextAlloc(ra->cxt, sizeof(DateADT) * rr.touched.cap);
	values[0] = Int32GetDatum(ra->acc.account_id);
	values[1] = Int64GetDatum(min_id);
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "tracker replay",
								   ALLOCSET_DEFAULT_SIZES);
	spi_cursor_each("SELECT payload_id, source, kind, origin "
					"FROM bronze.payload "
					"WHERE account_id = $1 AND status = 'accepted' "
					" AND payload_id >= $2 "
					"ORDER BY payload_id",
					2, types, values, NULL, ARCHIVE_FETCH, rowcxt,
					replay_row, &rr);
	MemoryContextDelete(rowcxt);
	figures_recompute_days(&ra->acc, &rr.touched);
	if (rr.skipped > 0)
		ereport(WARNING,
				(errmsg("%d payload%s of account %d %s restored to bronze but not written to silver",
						rr.skipped, rr.skipped == 1 ? "" : "s", ra->acc.account_id,
						rr.skipped == 1 ? "was" : "were"),
				 errdetail("The first was %s.", rr.first_skipped),
				 errhint("Their data is kept exactly as archived; a version of Tracker that reads them can write them again with a restore into a fresh database.")));
	elog(DEBUG1, "restore: account %d: %d payloads replayed, %d skipped, %d days recomputed",
		 ra->acc.account_id, rr.replayed, rr.skipped, rr.touched.n);
}
