/*-------------------------------------------------------------------------
 *
 * import.c
 *	  Imports of the Fitbit data people already hold: saved Fitbit Web API
 *	  heart-rate responses and the files of a Fitbit account export.
 *
 * Every document goes the same way: its digest is looked up in bronze (a
 * payload already held is not imported twice), it is parsed and validated
 * outside the server's memory (src/fitbit_parse.c), and only then written:
 * bronze, silver and gold in one subtransaction, so a failure leaves
 * nothing half-written.  A document that fails validation is still kept in
 * bronze, marked rejected with the reason, when it is valid JSON.  Only the
 * document's own faults mark it rejected: a write that fails for a lock
 * timeout, a deadlock, a serialization failure or lack of resources leaves
 * no trace, and a payload held as rejected is parsed again when it is
 * imported again, so that a parser that learnt to take it does.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>

#include "catalog/pg_authid.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "common/common.h"
#include "core/core.h"
#include "providers/provider.h"
#include "store/store.h"
#include "tracker.h"

/* Deepest directory nesting an import walks into. */
#define MAX_IMPORT_DEPTH 32

/* How a document was dealt with; one row of the import functions. */
typedef struct ImportResult
{
	int64		payload_id;
	const char *kind;
	const char *status;			/* imported, duplicate, rejected, failed,
								 * skipped */
	int			days;
	int			samples;
	char	   *message;
} ImportResult;

/* A document to import and where it came from. */
typedef struct ImportSource
{
	const char *source;			/* bronze.payload.source */
	const char *origin;			/* file path, or NULL */
	const char *what;			/* how errors name it */
	const char *name_hint;		/* file base name, or NULL */
	const char *body;
	size_t		len;
} ImportSource;

static void import_document(TrackerAccount *acc, const ImportSource *src,
							bool raise, ImportResult *res);

/*
 * parse_errcode
 *		The SQLSTATE of each kind of validation failure.
 */
static int
parse_errcode(FitbitErrorKind kind)
{
	switch (kind)
	{
		case FITBIT_ERR_NOT_JSON:
			return ERRCODE_INVALID_TEXT_REPRESENTATION;
		case FITBIT_ERR_RANGE:
			return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
		case FITBIT_ERR_TIME:
			return ERRCODE_INVALID_DATETIME_FORMAT;
		case FITBIT_ERR_NOMEM:
			return ERRCODE_OUT_OF_MEMORY;
		case FITBIT_ERR_SHAPE:
		case FITBIT_ERR_TYPE:
		default:
			return ERRCODE_INVALID_PARAMETER_VALUE;
	}
}

static const char *
parse_errhint(FitbitErrorKind kind)
{
	switch (kind)
	{
		case FITBIT_ERR_NOT_JSON:
			return "The file must hold one JSON document, as saved from the Fitbit Web API or a Fitbit account export.";
		case FITBIT_ERR_SHAPE:
			return "Tracker imports Fitbit Web API heart-rate and sleep responses and the heart_rate, time_in_heart_rate_zones, resting_heart_rate and sleep files of an account export.";
		default:
			return NULL;
	}
}

/*
 * document_at_fault
 *		Whether an error raised while a parsed document was written says
 *		something about the document (a value that does not fit, say)
 *		rather than about the server at that moment.  Only data exceptions
 *		(SQLSTATE class 22) do: lock timeouts (55P03), deadlocks (40P01),
 *		serialization failures (40001), lack of resources (class 53),
 *		operator intervention (class 57), internal errors (class XX) and
 *		everything else are not the document's fault, and a later import of
 *		the same bytes must be able to succeed.
 */
static bool
document_at_fault(const ErrorData *edata)
{
	return edata->elevel == ERROR &&
		ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_DATA_EXCEPTION;
}

/*
 * transient_failure
 *		Whether an error says the server could not do it at that moment:
 *		lock timeouts, deadlocks, serialization failures, lack of resources,
 *		operator intervention, internal errors.
 */
static bool
transient_failure(const ErrorData *edata)
{
	int			category = ERRCODE_TO_CATEGORY(edata->sqlerrcode);

	return edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE ||
		category == ERRCODE_TRANSACTION_ROLLBACK ||
		category == ERRCODE_INSUFFICIENT_RESOURCES ||
		category == ERRCODE_OPERATOR_INTERVENTION ||
		category == ERRCODE_INTERNAL_ERROR;
}

/*
 * fitbit_doc_store
 *		Write a parsed Fitbit document to silver: the provider's daily
 *		figures, then the samples.  Days written are added to touched; the
 *		caller recomputes their figures (an import at once, a restore once
 *		every payload is in).  Returns the number of samples stored.
 */
size_t
fitbit_doc_store(const TrackerAccount *acc, const FitbitDoc *doc,
				 int64 payload_id, const char *source, DaySet *touched)
{
	HrSample   *s;
	size_t		n = 0;
	size_t		i;

	/* Sleep sessions: their days have no figures to recompute. */
	if (doc->kind == FITBIT_API_SLEEP || doc->kind == FITBIT_EXPORT_SLEEP)
	{
		DaySet		days = {0};

		return (size_t) fitbit_sleep_store(acc, doc, payload_id, &days);
	}

	for (i = 0; i < doc->ndays; i++)
	{
		const FitbitDaySummary *d = &doc->days[i];
		ReportedDay r;
		int			z;

		if (!d->has_resting && !d->has_zone_bounds && !d->has_zone_minutes)
			continue;
		memset(&r, 0, sizeof(r));
		r.day = tracker_make_date(d->date.year, d->date.month, d->date.day);
		r.has_resting = d->has_resting;
		r.resting_hr = d->resting_hr;
		r.has_bounds = d->has_zone_bounds;
		r.has_minutes = d->has_zone_minutes;
		for (z = 0; z < HR_ZONE_COUNT; z++)
		{
			r.zone_min[z] = d->zone_min[z];
			r.zone_max[z] = d->zone_max[z];
			r.minutes[z] = d->zone_minutes[z];
		}
		reported_upsert(acc, &r, source, payload_id);
		dayset_add(touched, r.day);
	}

	if (doc->nsamples == 0)
		return 0;
	s = palloc_extended(sizeof(HrSample) * doc->nsamples, MCXT_ALLOC_HUGE);
	if (doc->kind == FITBIT_API_HEART)
	{
		DateADT		day = tracker_make_date(doc->days[0].date.year,
											doc->days[0].date.month,
											doc->days[0].date.day);
		int64		start;
		int64		end;

		/* Times are local clock times of the day; DST days need care. */
		tracker_day_bounds(acc->tz, day, &start, &end);
		for (i = 0; i < doc->nsamples; i++)
		{
			s[n].t = (end - start == SECS_PER_DAY) ? start + doc->t[i]
				: tracker_local_to_epoch(acc->tz, day, (int) doc->t[i]);
			s[n].bpm = doc->bpm[i];
			n++;
		}
	}
	else
	{
		/* Fitbit's own figures ignore samples of confidence 0. */
		for (i = 0; i < doc->nsamples; i++)
		{
			if (doc->confidence[i] == 0)
				continue;
			s[n].t = doc->t[i];
			s[n].bpm = doc->bpm[i];
			n++;
		}
	}
	if (n > 0)
		heart_rate_store(acc, s, n, touched);
	pfree(s);
	return n;
}

/*
 * apply_document
 *		Write a parsed document and recompute the figures of every day it
 *		touched.
 */
static void
apply_document(TrackerAccount *acc, FitbitDoc *doc, int64 payload_id,
			   const char *source, ImportResult *res)
{
	DaySet		touched = {0};
	size_t		n;

	if (doc->kind == FITBIT_API_SLEEP || doc->kind == FITBIT_EXPORT_SLEEP)
	{
		res->samples = fitbit_sleep_store(acc, doc, payload_id, &touched);
		res->days = touched.n;
		res->message = psprintf("%d day%s, %d sleep session%s", res->days,
								res->days == 1 ? "" : "s", res->samples,
								res->samples == 1 ? "" : "s");
		return;
	}
	n = fitbit_doc_store(acc, doc, payload_id, source, &touched);
	figures_recompute_days(acc, &touched);
	res->days = touched.n;
	res->samples = (int) n;
}

/*
 * record_rejection
 *		Keep a rejected payload in bronze.  When the caller is about to raise
 *		an error its transaction is lost, so the row is written by an
 *		autonomous worker; otherwise it is written here.
 */
static int64
record_rejection(TrackerAccount *acc, const ImportSource *src, const char *kind,
				 const uint8 *sha, const char *reason, bool autonomous)
{
	if (!autonomous)
		return bronze_insert(acc->account_id, src->source, kind, src->origin,
							 src->body, src->len, sha, 0, false, reason);
	autonomous_bronze_reject(acc->account_id, src->source, kind, src->origin,
							 src->body, src->len, sha, 0, reason);
	return 0;
}

/* What write_document() writes, and where it says how it went. */
typedef struct WriteArgs
{
	TrackerAccount *acc;
	const ImportSource *src;
	const uint8 *sha;
	const char *kind;
	FitbitDoc  *doc;
	FitbitActivity *act;		/* an activity file, or kind FA_NONE */
	FitbitVitalsDoc *vdoc;		/* a vitals document instead of doc */
	ImportResult *res;
} WriteArgs;

/*
 * write_document
 *		Keep a parsed document in bronze and write it to silver and gold (in
 *		a subtransaction of import_document()'s, so all of it or none).
 */
static void
write_document(void *arg)
{
	WriteArgs  *wa = (WriteArgs *) arg;
	ImportResult *res = wa->res;
	int64		payload_id;

	payload_id = bronze_insert(wa->acc->account_id, wa->src->source, wa->kind,
							   wa->src->origin, wa->src->body, wa->src->len,
							   wa->sha, 0, true, NULL);
	if (wa->act->kind != FA_NONE)
		activity_import_apply(wa->acc, wa->act, wa->src->source, &res->days,
							  &res->samples);
	else if (wa->vdoc != NULL)
		res->samples = fitbit_vitals_store(wa->acc, wa->vdoc, payload_id,
										   wa->src->source, &res->days);
	else
		apply_document(wa->acc, wa->doc, payload_id, wa->src->source, res);
	res->payload_id = payload_id;
	res->status = "imported";
	if (res->message == NULL)
		res->message = psprintf("%d day%s, %d sample%s", res->days,
								res->days == 1 ? "" : "s", res->samples,
								res->samples == 1 ? "" : "s");
}

/*
 * import_document
 *		Import one document.  With raise, a document that cannot be imported
 *		raises an error (after keeping it in bronze as rejected); without,
 *		the outcome is reported in res and the caller goes on.
 */
static void
import_document(TrackerAccount *acc, const ImportSource *src, bool raise,
				ImportResult *res)
{
	uint8		sha[SHA256_LEN];
	int64		existing = 0;
	char	   *existing_status;
	volatile bool held_rejected = false;
	FitbitDoc	doc;
	FitbitActivity act;
	FitbitActivityKind akind;
	FitbitVitalsDoc vdoc;
	FitbitVitalsKind vkind;
	FitbitError err;
	FitbitErrorKind rc;
	const char *kind;
	WriteArgs	wa;
	ErrorData  *volatile edata = NULL;

	memset(res, 0, sizeof(*res));
	sha256_bytes(src->body, src->len, sha);

	/*
	 * A payload held already is not imported twice, unless it was rejected:
	 * then it is parsed again, and if it validates now it is written and
	 * its bronze row turns accepted.
	 */
	if (bronze_lookup(acc->account_id, sha, &existing, &existing_status))
	{
		if (strcmp(existing_status, "rejected") != 0)
		{
			res->payload_id = existing;
			res->status = "duplicate";
			res->message = psprintf("already held as payload %lld (%s)",
									(long long) existing, existing_status);
			return;
		}
		held_rejected = true;
	}

	memset(&doc, 0, sizeof(doc));
	memset(&act, 0, sizeof(act));
	memset(&vdoc, 0, sizeof(vdoc));
	memset(&err, 0, sizeof(err));
	akind = fitbit_activity_kind(src->name_hint, src->body, src->len);
	vkind = akind != FA_NONE ? FV_DOC_UNKNOWN :
		fitbit_vitals_detect(src->name_hint, src->body, src->len);
	if (akind != FA_NONE)
		rc = fitbit_activity_parse(akind, src->body, src->len, &act, &err);
	else if (vkind != FV_DOC_UNKNOWN)
		rc = fitbit_vitals_parse(vkind, src->body, src->len, &vdoc, &err);
	else
		rc = fitbit_parse(src->body, src->len, src->name_hint, &doc, &err);
	if (rc != FITBIT_OK)
	{
		char	   *reason = psprintf("%s at %s", err.message,
									  err.path[0] ? err.path : "$");

		fitbit_doc_free(&doc);
		fitbit_vitals_free(&vdoc);
		res->status = (rc == FITBIT_ERR_NOMEM) ? "failed" : "rejected";
		res->message = reason;
		if (held_rejected)
			res->payload_id = existing;
		else if (rc != FITBIT_ERR_NOT_JSON && rc != FITBIT_ERR_NOMEM)
			res->payload_id = record_rejection(acc, src, NULL, sha, reason, raise);
		if (raise)
			ereport(ERROR,
					(errcode(parse_errcode(rc)),
					 errmsg("could not import %s", src->what),
					 errdetail("At %s: %s.", err.path[0] ? err.path : "$",
							   err.message),
					 parse_errhint(rc) ? errhint("%s", parse_errhint(rc)) : 0));
		return;
	}
	kind = akind != FA_NONE ? fitbit_activity_kind_name(akind) :
		vkind != FV_DOC_UNKNOWN ? fitbit_vitals_kind_name(vkind) :
		fitbit_doc_kind_name(doc.kind);
	res->kind = kind;

	/* Write everything in a subtransaction: all of the document or none. */
	wa.acc = acc;
	wa.src = src;
	wa.sha = sha;
	wa.kind = kind;
	wa.doc = &doc;
	wa.act = &act;
	wa.vdoc = (vkind != FV_DOC_UNKNOWN) ? &vdoc : NULL;
	wa.res = res;
	PG_TRY();
	{
		edata = subxact_run(write_document, &wa);
	}
	PG_FINALLY();
	{
		fitbit_doc_free(&doc);
		fitbit_activity_free(&act);
		fitbit_vitals_free(&vdoc);
	}
	PG_END_TRY();
	if (edata == NULL)
		return;

	/*
	 * Interrupts, internal failures and the server's state at the moment
	 * (locks, resources) are not the document's fault: the error goes to
	 * the caller, or into this document's result when the caller goes on
	 * with others, and nothing is marked.  (subxact_run() has thrown on a
	 * cancel, a termination or anything worse than an error.)
	 */
	memset(res, 0, sizeof(*res));
	res->kind = kind;
	res->message = pstrdup(edata->message);
	if (!document_at_fault(edata))
	{
		if (raise)
			ReThrowError(edata);
		res->status = "failed";
		res->payload_id = existing;
		return;
	}
	res->status = "rejected";
	res->payload_id = held_rejected ? existing :
		record_rejection(acc, src, kind, sha, edata->message, raise);
	if (raise)
		ReThrowError(edata);
}

PG_FUNCTION_INFO_V1(tracker_import_fitbit_json);

/*
 * tracker_import_fitbit_json
 *		Import one document given as jsonb (the raw text kept in bronze is
 *		jsonb's canonical form of it).
 */
Datum
tracker_import_fitbit_json(PG_FUNCTION_ARGS)
{
	TrackerAccount acc;
	ImportSource src;
	ImportResult res;
	Jsonb	   *doc;
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, false, false};
	char	   *text;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("account and doc must not be null")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	doc = PG_GETARG_JSONB_P(1);
	text = JsonbToCString(NULL, &doc->root, VARSIZE(doc));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	account_load(PG_GETARG_INT32(0), &acc);

	memset(&src, 0, sizeof(src));
	src.source = "fitbit_json";
	src.what = "document";
	src.body = text;
	src.len = strlen(text);
	import_document(&acc, &src, true, &res);

	values[0] = Int64GetDatum(res.payload_id);
	nulls[0] = (res.payload_id == 0);
	values[1] = res.kind ? CStringGetTextDatum(res.kind) : (Datum) 0;
	nulls[1] = (res.kind == NULL);
	values[2] = CStringGetTextDatum(res.status);
	values[3] = Int32GetDatum(res.days);
	values[4] = Int32GetDatum(res.samples);
	values[5] = res.message ? CStringGetTextDatum(res.message) : (Datum) 0;
	nulls[5] = (res.message == NULL);

	/* Copy the result out before SPI_finish frees the memory it lives in. */
	{
		HeapTupleHeader result;

		tupdesc = BlessTupleDesc(tupdesc);
		result = SPI_returntuple(heap_form_tuple(tupdesc, values, nulls), tupdesc);
		SPI_finish();
		PG_RETURN_HEAPTUPLEHEADER(result);
	}
}

/*
 * read_file
 *		Read a whole server-side file, refusing files above the size limit.
 *		With head_only, read at most the first head_only bytes.
 */
static char *
read_file(const char *path, size_t *len, size_t head_only)
{
	FILE	   *f;
	struct stat st;
	size_t		want;
	size_t		got;
	char	   *buf;

	f = AllocateFile(path, PG_BINARY_R);
	if (f == NULL)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\" for reading: %m", path)));
	if (fstat(fileno(f), &st) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not stat file \"%s\": %m", path)));
	if (!head_only && st.st_size > tracker_max_file_size)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("file \"%s\" is too large (%lld bytes)", path,
						(long long) st.st_size),
				 errhint("Raise tracker.max_file_size (now %d bytes) to import it.",
						 tracker_max_file_size)));
	want = (size_t) st.st_size;
	if (head_only && want > head_only)
		want = head_only;
	buf = palloc_extended(want + 1, MCXT_ALLOC_HUGE);
	got = fread(buf, 1, want, f);
	if (got != want && ferror(f))
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read file \"%s\": %m", path)));
	FreeFile(f);
	buf[got] = '\0';
	*len = got;
	return buf;
}

static bool
has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t		ls = strlen(s);
	size_t		lx = strlen(suffix);

	return ls >= lx && pg_strcasecmp(s + ls - lx, suffix) == 0;
}

/*
 * known_file
 *		Whether a file in a directory is one Tracker imports: the export's
 *		heart-rate, sleep, activity and vitals files by name, saved API
 *		responses by their content.
 *		Returns NULL when known, else why the file is skipped.
 */
static const char *
known_file(const char *path, const char *base)
{
	char	   *head;
	size_t		len;
	bool		api;

	if (fitbit_activity_kind(base, NULL, 0) != FA_NONE ||
		fitbit_vitals_detect(base, NULL, 0) != FV_DOC_UNKNOWN)
		return NULL;
	if (!has_suffix(base, ".json"))
		return "not a JSON file";
	if (has_prefix(base, "heart_rate-") ||
		has_prefix(base, "time_in_heart_rate_zones-") ||
		has_prefix(base, "resting_heart_rate-") ||
		has_prefix(base, "sleep-"))
		return NULL;
	head = read_file(path, &len, 4096);
	api = strstr(head, "\"activities-heart\"") != NULL ||
		(strstr(head, "\"sleep\"") != NULL && strstr(head, "\"logId\"") != NULL) ||
		fitbit_activity_kind(NULL, head, len) == FA_API_AZM ||
		fitbit_vitals_detect(NULL, head, strlen(head)) != FV_DOC_UNKNOWN;
	pfree(head);
	return api ? NULL : "not a kind of file Tracker imports";
}

static int
name_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp((char *) lfirst(a), (char *) lfirst(b));
}

/*
 * collect_files
 *		Every regular file below dir, in a stable (sorted) order.
 */
static List *
collect_files(const char *dir, List *files, int depth)
{
	DIR		   *d;
	struct dirent *de;
	List	   *names = NIL;
	ListCell   *lc;

	d = AllocateDir(dir);
	while ((de = ReadDir(d, dir)) != NULL)
	{
		if (de->d_name[0] == '.')
			continue;
		names = lappend(names, pstrdup(de->d_name));
	}
	FreeDir(d);
	list_sort(names, name_cmp);
	foreach(lc, names)
	{
		char	   *path = psprintf("%s/%s", dir, (char *) lfirst(lc));
		struct stat st;

		CHECK_FOR_INTERRUPTS();
		if (lstat(path, &st) < 0)
			continue;

		/*
		 * Symbolic links are followed to files but never to directories, so
		 * a link loop cannot make the walk endless.
		 */
		if (S_ISLNK(st.st_mode))
		{
			if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			{
				ereport(NOTICE,
						(errmsg("skipping \"%s\": a symbolic link to something other than a file",
								path)));
				continue;
			}
		}
		if (S_ISDIR(st.st_mode))
		{
			if (depth >= MAX_IMPORT_DEPTH)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("directory \"%s\" is nested more than %d levels deep",
								path, MAX_IMPORT_DEPTH)));
			files = collect_files(path, files, depth + 1);
		}
		else if (S_ISREG(st.st_mode))
			files = lappend(files, path);
	}
	return files;
}

static void
put_row(ReturnSetInfo *rsinfo, const char *file, const ImportResult *res)
{
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, false, false};

	values[0] = CStringGetTextDatum(file);
	values[1] = res->kind ? CStringGetTextDatum(res->kind) : (Datum) 0;
	nulls[1] = (res->kind == NULL);
	values[2] = CStringGetTextDatum(res->status);
	values[3] = Int32GetDatum(res->days);
	values[4] = Int32GetDatum(res->samples);
	values[5] = res->message ? CStringGetTextDatum(res->message) : (Datum) 0;
	nulls[5] = (res->message == NULL);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * import_one_file
 *		Read and import one file; with raise, any failure is an error.
 */
static void
import_one_file(TrackerAccount *acc, const char *path, bool raise,
				ImportResult *res)
{
	ImportSource src;
	const char *base = strrchr(path, '/');

	memset(&src, 0, sizeof(src));
	src.source = "fitbit_file";
	src.origin = path;
	src.what = psprintf("file \"%s\"", path);
	src.name_hint = base ? base + 1 : path;
	src.body = read_file(path, &src.len, 0);
	import_document(acc, &src, raise, res);
	pfree((char *) src.body);
}

/* A file of a directory import_file_reporting() imports. */
typedef struct FileArgs
{
	TrackerAccount *acc;
	const char *path;
	ImportResult *res;
} FileArgs;

/*
 * import_file_reporting
 *		Import one file of a directory, its outcome reported in the result
 *		(in a subtransaction, so that a file that cannot even be read fails
 *		alone).
 */
static void
import_file_reporting(void *arg)
{
	FileArgs   *fa = (FileArgs *) arg;

	import_one_file(fa->acc, fa->path, false, fa->res);
}

PG_FUNCTION_INFO_V1(tracker_import_fitbit_file);

/*
 * tracker_import_fitbit_file
 *		Import a server-side file, or every file Tracker knows in a
 *		directory.  In a directory one bad file does not stop the others:
 *		each file is imported on its own and reported in its own row.
 */
Datum
tracker_import_fitbit_file(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TrackerAccount acc;
	char	   *path;
	struct stat st;
	MemoryContext callcxt;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("account and path must not be null")));
	if (!superuser() && !has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to import server files"),
				 errdetail("Only superusers and roles with privileges of the \"%s\" role may read server files.",
						   "pg_read_server_files"),
				 errhint("Use tracker.import_fitbit_json() to import a document sent by the client.")));

	path = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (!is_absolute_path(path))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("path \"%s\" is not absolute", path),
				 errhint("Give the full path of a file or directory on the database server.")));
	canonicalize_path(path);

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	callcxt = CurrentMemoryContext;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	account_load(PG_GETARG_INT32(0), &acc);

	if (stat(path, &st) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open \"%s\": %m", path)));

	/*
	 * Only regular files and directories: opening a FIFO would block until a
	 * writer came, and a device is not a document.
	 */
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a regular file or a directory", path)));

	if (!S_ISDIR(st.st_mode))
	{
		ImportResult res;

		import_one_file(&acc, path, true, &res);
		MemoryContextSwitchTo(callcxt);
		put_row(rsinfo, path, &res);
	}
	else
	{
		List	   *files = collect_files(path, NIL, 0);
		ListCell   *lc;

		foreach(lc, files)
		{
			char	   *file = (char *) lfirst(lc);
			const char *rel = file + strlen(path) + 1;	/* for messages */
			const char *why;
			ImportResult res;
			MemoryContext oldcontext = CurrentMemoryContext;

			CHECK_FOR_INTERRUPTS();
			memset(&res, 0, sizeof(res));
			why = known_file(file, strrchr(file, '/') + 1);
			if (why != NULL)
			{
				ereport(NOTICE,
						(errmsg("skipping file \"%s\": %s", rel, why)));
				res.status = "skipped";
				res.message = pstrdup(why);
			}
			else
			{
				/* A file that cannot even be read is reported, not fatal. */
				FileArgs	fa = {&acc, file, &res};
				ErrorData  *edata = subxact_run(import_file_reporting, &fa);

				if (edata != NULL)
				{
					memset(&res, 0, sizeof(res));
					res.status = transient_failure(edata) ? "failed" : "rejected";
					res.message = pstrdup(edata->message);
				}
			}
			if (strcmp(res.status, "rejected") == 0)
				ereport(NOTICE,
						(errmsg("rejected file \"%s\": %s", rel, res.message)));
			else if (strcmp(res.status, "failed") == 0)
				ereport(NOTICE,
						(errmsg("could not import file \"%s\" now: %s", rel, res.message),
						 errhint("Import it again later; nothing of it was kept.")));
			MemoryContextSwitchTo(callcxt);
			put_row(rsinfo, file, &res);
			MemoryContextSwitchTo(oldcontext);
		}
	}

	SPI_finish();
	return (Datum) 0;
}
