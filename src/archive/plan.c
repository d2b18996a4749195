/*-------------------------------------------------------------------------
 *
 * plan.c
 *	  Planning an archive run: which month each payload belongs to, every
 *	  account, data type and month with the fingerprint of what the
 *	  database holds, and what the bucket already holds.
 *
 * A payload belongs to the month of the earliest local day it holds data
 * for (a payload without data, or rejected, to the local day it arrived),
 * so a month's bundle holds that month's data and restore can pick months.
 * The day is found once per payload, with the same parsers that wrote it to
 * silver, and kept in tracker.archive_payload.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "archive/archive.h"
#include "archive/archive_int.h"
#include "common/common.h"
#include "core/core.h"
#include "http/http.h"
#include "providers/fitbit_parse.h"
#include "providers/gh_parse.h"
#include "store/store.h"


/*
 * format_month
 *		YYYY-MM of a date, as keys and manifests name months.
 */
char *
format_month(DateADT month)
{
	int			y,
				m,
				d;

	j2date(month + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	return psprintf("%04d-%02d", y, m);
}

/*
 * month_start
 *		The first day of a date's month.
 */
DateADT
month_start(DateADT day)
{
	int			y,
				m,
				d;

	j2date(day + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	return date2j(y, m, 1) - POSTGRES_EPOCH_JDATE;
}

/*
 * next_month
 *		The first day of the month after a month.
 */
DateADT
next_month(DateADT month)
{
	int			y,
				m,
				d;

	j2date(month + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	if (++m > 12)
	{
		m = 1;
		y++;
	}
	return date2j(y, m, 1) - POSTGRES_EPOCH_JDATE;
}

/*
 * parse_month
 *		"YYYY-MM" to the first day of that month; false if malformed.
 */
bool
parse_month(const char *s, DateADT *month)
{
	int			y,
				m;
	char		tail;

	if (strlen(s) != 7 || sscanf(s, "%4d-%2d%c", &y, &m, &tail) != 2 ||
		y < 1900 || y > 9999 || m < 1 || m > 12)
		return false;
	*month = date2j(y, m, 1) - POSTGRES_EPOCH_JDATE;
	return true;
}

/*
 * format_utc
 *		A timestamp in UTC, ISO 8601 with microseconds: the archive's one
 *		way of writing instants, read back exactly by timestamptz_in.
 */
char *
format_utc(TimestampTz ts)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
					tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec, (int) fsec);
}

/*
 * safe_data_type
 *		A data type as it appears in keys: only characters that need no
 *		encoding in a URL or a signature.
 */
char *
safe_data_type(const char *s)
{
	char	   *out = pstrdup(s && s[0] ? s : "unknown");
	char	   *p;

	for (p = out; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			*p = '_';
	return out;
}

/*
 * db_enter / db_leave
 *		Around every piece of database work.  In the worker each is a short
 *		transaction of its own, so that none is open during a request; in
 *		the foreground everything runs in the caller's transaction.  Either
 *		way the caller is back in run->work afterwards.
 */
void
db_enter(ArchiveRun *run)
{
	if (run->worker)
	{
		CurrentResourceOwner = NULL;
		worker_xact_begin();
		SetConfigOption("lock_timeout", "30000", PGC_SUSET, PGC_S_SESSION);
	}
	MemoryContextSwitchTo(run->work);
}

/* See db_enter. */
void
db_leave(ArchiveRun *run)
{
	if (run->worker)
	{
		worker_xact_commit();
		/* hashing outside a transaction needs a resource owner */
		CurrentResourceOwner = run->owner;
	}
	MemoryContextSwitchTo(run->work);
}

/*
 * archive_lock
 *		One archive or restore at a time per database.  The foreground takes
 *		it for its transaction and waits for a running archive; the worker
 *		takes it for its session and gives up if it is busy.
 */
bool
archive_lock(bool session, bool wait)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, TRACKER_LOCK_ARCHIVE, 0, 2);
	if (LockAcquire(&tag, ExclusiveLock, session, true) != LOCKACQUIRE_NOT_AVAIL)
		return true;
	if (!wait)
		return false;
	ereport(NOTICE,
			(errmsg("waiting for the archive run in progress to finish")));
	(void) LockAcquire(&tag, ExclusiveLock, session, false);
	return true;
}

/* Release the worker's session lock (see archive_lock). */
void
archive_unlock(void)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, TRACKER_LOCK_ARCHIVE, 0, 2);
	LockRelease(&tag, ExclusiveLock, true);
}

/*
 * payload_data_day
 *		The earliest local day a payload holds data for, read with the same
 *		parsers that wrote it to silver.  False when it holds none Tracker
 *		can read.
 */
static bool
payload_data_day(const char *source, const char *kind, const char *origin,
				 pg_tz *tz, const char *body, size_t len, DateADT *day)
{
	bool		have_epoch = false;
	bool		have_date = false;
	int64		min_epoch = PG_INT64_MAX;
	DateADT		min_date = DATEVAL_NOEND;
	size_t		i;

	if (strcmp(source, "google_health") == 0 && kind != NULL &&
		gh_data_type_from_name(kind) >= 0)
	{
		GhPage		page;
		GhError		err;

		memset(&page, 0, sizeof(page));
		memset(&err, 0, sizeof(err));
		if (gh_parse_page((GhDataType) gh_data_type_from_name(kind), body, len,
						  &page, &err) == GH_OK)
		{
			for (i = 0; i < page.nsamples; i++)
				min_epoch = Min(min_epoch, page.t[i]);
			for (i = 0; i < page.nsteps; i++)
				min_epoch = Min(min_epoch, page.steps[i].start);
			for (i = 0; i < page.nexercise; i++)
				min_epoch = Min(min_epoch, page.exercise[i].start);
			for (i = 0; i < page.nsleep; i++)
				min_epoch = Min(min_epoch, page.sleep[i].end);
			for (i = 0; i < page.ndaily; i++)
			{
				DateADT		d = tracker_make_date(page.daily[i].date.year,
												  page.daily[i].date.month,
												  page.daily[i].date.day);

				min_date = Min(min_date, d);
				have_date = true;
			}
			have_epoch = min_epoch != PG_INT64_MAX;
		}
		gh_page_free(&page);
	}
	else if (strcmp(source, "fitbit_file") == 0 ||
			 strcmp(source, "fitbit_json") == 0)
	{
		FitbitDoc	doc;
		FitbitError err;
		const char *base = origin ? strrchr(origin, '/') : NULL;

		memset(&doc, 0, sizeof(doc));
		memset(&err, 0, sizeof(err));
		if (fitbit_parse(body, len, base ? base + 1 : origin, &doc, &err) == FITBIT_OK)
		{
			for (i = 0; i < doc.ndays; i++)
			{
				DateADT		d = tracker_make_date(doc.days[i].date.year,
												  doc.days[i].date.month,
												  doc.days[i].date.day);

				min_date = Min(min_date, d);
				have_date = true;
			}
			if (doc.kind == FITBIT_EXPORT_HEART_RATE)
			{
				for (i = 0; i < doc.nsamples; i++)
					min_epoch = Min(min_epoch, doc.t[i]);
				have_epoch = doc.nsamples > 0;
			}
			/* sleep logs: the local day each one ended (local clock seconds) */
			for (i = 0; i < doc.nsleep; i++)
			{
				const FitbitSleepLog *l = &doc.sleep[i];
				int64		end = l->end_local >= 0 ? l->end_local :
					l->start_local + l->duration_ms / 1000;
				DateADT		d = (DateADT) ((end >= 0 ? end / SECS_PER_DAY :
											-((-end + SECS_PER_DAY - 1) / SECS_PER_DAY)) +
										   UNIX_EPOCH_JDATE - POSTGRES_EPOCH_JDATE);

				min_date = Min(min_date, d);
				have_date = true;
			}
		}
		fitbit_doc_free(&doc);
	}

	if (have_epoch)
	{
		DateADT		d = tracker_local_date(tz, min_epoch);

		min_date = have_date ? Min(min_date, d) : d;
		have_date = true;
	}
	if (have_date)
		*day = min_date;
	return have_date;
}

/*
 * archive_assign_days
 *		Give every payload not yet placed its month (tracker.archive_payload),
 *		a batch per transaction.  Parsing happens once per payload.
 */
void
archive_assign_days(ArchiveRun *run)
{
	for (;;)
	{
		uint64		n;
		uint64		i;
		int32	   *accounts;
		int64	   *ids;

		CHECK_FOR_INTERRUPTS();
		db_enter(run);
		spi_exec("SELECT p.account_id, p.payload_id FROM bronze.payload p "
				 "WHERE NOT EXISTS (SELECT 1 FROM tracker.archive_payload x "
				 " WHERE x.account_id = p.account_id AND x.payload_id = p.payload_id) "
				 "ORDER BY p.account_id, p.payload_id "
				 "LIMIT " CppAsString2(ARCHIVE_DAY_BATCH),
				 0, NULL, NULL, NULL,
				 SPI_OK_SELECT, "look for payloads to archive");
		n = SPI_processed;
		accounts = palloc(sizeof(int32) * Max(n, 1));
		ids = palloc(sizeof(int64) * Max(n, 1));
		for (i = 0; i < n; i++)
		{
			bool		isnull;

			accounts[i] = DatumGetInt32(spi_datum(i, 1, &isnull));
			ids[i] = DatumGetInt64(spi_datum(i, 2, &isnull));
		}
		SPI_freetuptable(SPI_tuptable);

		for (i = 0; i < n; i++)
		{
			Oid			types[4] = {INT4OID, INT8OID, TEXTOID, DATEOID};
			Datum		values[4];
			HeapTuple	tup;
			TupleDesc	desc;
			bool		isnull;
			char	   *source;
			char	   *kind;
			char	   *origin;
			char	   *status;
			DateADT		arrived;
			DateADT		day;
			char	   *text;
			size_t		len;
			MemoryContext tmp;
			MemoryContext old;

			values[0] = Int32GetDatum(accounts[i]);
			values[1] = Int64GetDatum(ids[i]);
			spi_exec_limit("SELECT p.source, p.kind, p.origin, p.status, "
						   " (p.received_at AT TIME ZONE a.time_zone)::date, "
						   " a.time_zone "
						   "FROM bronze.payload p JOIN tracker.account a "
						   " ON a.account_id = p.account_id "
						   "WHERE p.account_id = $1 AND p.payload_id = $2",
						   2, types, values, NULL, 1,
						   SPI_OK_SELECT, "read a payload");
			if (SPI_processed == 0)
				continue;		/* deleted meanwhile */

			tmp = AllocSetContextCreate(CurrentMemoryContext, "tracker archive payload",
										ALLOCSET_DEFAULT_SIZES);
			old = MemoryContextSwitchTo(tmp);
			tup = SPI_tuptable->vals[0];
			desc = SPI_tuptable->tupdesc;
			source = SPI_getvalue(tup, desc, 1);
			kind = SPI_getvalue(tup, desc, 2);
			origin = SPI_getvalue(tup, desc, 3);
			status = SPI_getvalue(tup, desc, 4);
			arrived = DatumGetDateADT(SPI_getbinval(tup, desc, 5, &isnull));
			day = arrived;
			if (strcmp(status, "accepted") == 0)
			{
				text = bronze_body(accounts[i], ids[i], &len);
				if (text == NULL ||
					!payload_data_day(source, kind, origin,
									  tracker_time_zone(SPI_getvalue(tup, desc, 6)),
									  text, len, &day))
					day = arrived;
			}
			values[2] = CStringGetTextDatum(safe_data_type(kind ? kind : source));
			values[3] = DateADTGetDatum(day);
			MemoryContextSwitchTo(old);
			SPI_freetuptable(SPI_tuptable);
			spi_exec("INSERT INTO tracker.archive_payload (account_id, payload_id, data_type, day) "
					 "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
					 4, types, values, NULL, SPI_OK_INSERT, "place a payload in its month");
			MemoryContextDelete(tmp);
		}
		db_leave(run);
		if (n < ARCHIVE_DAY_BATCH)
			break;
	}
}

/*
 * load_accounts
 *		Every account as manifests describe it.
 */
List *
load_accounts(void)
{
	List	   *out = NIL;
	uint64		i;

	spi_exec("SELECT account_id, name, provider, time_zone, birth_date::text, "
			 " username, created_at FROM tracker.account ORDER BY account_id",
			 0, NULL, NULL, NULL,
			 SPI_OK_SELECT, "read the accounts");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		ArchiveAccount *a = palloc0(sizeof(ArchiveAccount));
		bool		isnull;

		a->id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		a->name = SPI_getvalue(tup, desc, 2);
		a->provider = SPI_getvalue(tup, desc, 3);
		a->time_zone = SPI_getvalue(tup, desc, 4);
		a->birth_date = SPI_getvalue(tup, desc, 5);
		a->username = SPI_getvalue(tup, desc, 6);
		a->created_at = format_utc(DatumGetTimestampTz(SPI_getbinval(tup, desc, 7, &isnull)));
		out = lappend(out, a);
	}
	SPI_freetuptable(SPI_tuptable);
	return out;
}

/*
 * archive_has_retired
 *		Whether the database has the tables of bronze retention: a library
 *		newer than the extension's SQL (before ALTER EXTENSION UPDATE) still
 *		archives and restores, without retention.
 */
bool
archive_has_retired(void)
{
	bool		isnull;

	spi_exec_limit("SELECT to_regclass('tracker.archive_retired') IS NOT NULL "
				   " AND to_regclass('tracker.archive_item') IS NOT NULL",
				   0, NULL, NULL, NULL, 1,
				   SPI_OK_SELECT, "look for bronze retention");
	return DatumGetBool(spi_datum(0, 1, &isnull));
}

/*
 * archive_plan
 *		Every account, data type and month up to the month of "through",
 *		with the fingerprint of what the database holds (payloads retired
 *		from bronze included: a bundle carries them over) and what was
 *		archived from here.
 */
List *
archive_plan(ArchiveRun *run)
{
	Oid			types[1] = {DATEOID};
	Datum		values[1];
	List	   *out = NIL;
	uint64		i;

	values[0] = DateADTGetDatum(next_month(month_start(run->through)));
	spi_exec(psprintf(
			 "SELECT x.account_id, x.data_type, date_trunc('month', x.day)::date, "
			 " count(*)::int, sum(x.byte_size)::bigint, "
			 " encode(sha256(string_agg(x.sha256, ''::bytea ORDER BY x.payload_id)), 'hex'), "
			 " b.version, encode(b.fingerprint, 'hex'), b.bundle_key, b.manifest_key, "
			 " b.bundle_size "
			 "FROM %s x "
			 " LEFT JOIN tracker.archive_bundle b ON b.account_id = x.account_id "
			 "  AND b.data_type = x.data_type "
			 "  AND b.month = date_trunc('month', x.day)::date "
			 "WHERE x.day < $1 "
			 "GROUP BY x.account_id, x.data_type, date_trunc('month', x.day), "
			 " b.version, b.fingerprint, b.bundle_key, b.manifest_key, b.bundle_size "
			 "ORDER BY 1, 3, 2",
			 archive_has_retired() ? "tracker.archive_item" :
			 "(SELECT x.account_id, x.payload_id, x.data_type, x.day, p.sha256, p.byte_size "
			 " FROM tracker.archive_payload x JOIN bronze.payload p "
			 "  ON p.account_id = x.account_id AND p.payload_id = x.payload_id)"),
			 1, types, values, NULL,
			 SPI_OK_SELECT, "plan the archive");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		BundlePlan *b = palloc0(sizeof(BundlePlan));
		bool		isnull;
		Datum		d;
		ListCell   *lc;

		b->account_id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		b->data_type = SPI_getvalue(tup, desc, 2);
		b->month = DatumGetDateADT(SPI_getbinval(tup, desc, 3, &isnull));
		b->payloads = DatumGetInt32(SPI_getbinval(tup, desc, 4, &isnull));
		b->payload_bytes = DatumGetInt64(SPI_getbinval(tup, desc, 5, &isnull));
		b->fingerprint = SPI_getvalue(tup, desc, 6);
		d = SPI_getbinval(tup, desc, 7, &isnull);
		b->recorded_version = isnull ? 0 : DatumGetInt32(d);
		b->recorded_fingerprint = SPI_getvalue(tup, desc, 8);
		b->recorded_bundle_key = SPI_getvalue(tup, desc, 9);
		b->recorded_manifest_key = SPI_getvalue(tup, desc, 10);
		d = SPI_getbinval(tup, desc, 11, &isnull);
		b->recorded_size = isnull ? -1 : DatumGetInt64(d);
		foreach(lc, run->accounts)
		{
			ArchiveAccount *a = (ArchiveAccount *) lfirst(lc);

			if (a->id == b->account_id)
				b->account = a;
		}
		if (b->account == NULL)
			continue;			/* account deleted meanwhile */
		out = lappend(out, b);
	}
	SPI_freetuptable(SPI_tuptable);
	return out;
}

/* The version a listed key holds after its stem (0: not a key of that kind). */
typedef int (*KeyVersionFn) (ArchiveRun *run, const char *key, size_t stemlen);

/*
 * listed_max
 *		The newest version of a month's objects in one folder of the bucket
 *		(bundles/ or manifests/), as the keys listed read (0: none).
 */
static int
listed_max(ArchiveRun *run, const BundlePlan *b, const char *folder,
		   KeyVersionFn version)
{
	char	   *stem = psprintf("%s%s/account-%d/%s/%s.v", run->cfg.prefix, folder,
								b->account_id, b->data_type, format_month(b->month));
	size_t		stemlen = strlen(stem);
	int			max = 0;
	ListCell   *lc;

	foreach(lc, run->objects)
	{
		S3Object   *o = (S3Object *) lfirst(lc);

		if (strncmp(o->key, stem, stemlen) == 0)
			max = Max(max, version(run, o->key, stemlen));
	}
	return max;
}

/* The version of a bundle's key: digits, then ".ndjson.gz". */
static int
bundle_key_version(ArchiveRun *run, const char *key, size_t stemlen)
{
	char	   *end;
	long		v = strtol(key + stemlen, &end, 10);

	if (end != key + stemlen && strcmp(end, ".ndjson.gz") == 0 &&
		v > 0 && v <= PG_INT32_MAX)
		return (int) v;
	return 0;
}

/* The version of a manifest's key, when it is one. */
static int
manifest_key_version(ArchiveRun *run, const char *key, size_t stemlen)
{
	ManifestRef ref;

	return parse_manifest_key(&run->cfg, key, &ref) ? ref.version : 0;
}

/*
 * listed_max_bundle_version
 *		The newest bundle version the bucket holds for a month, manifest or
 *		not: a run that died between a bundle and its manifest leaves one,
 *		and the next version must not write over it.
 */
int
listed_max_bundle_version(ArchiveRun *run, const BundlePlan *b)
{
	return listed_max(run, b, "bundles", bundle_key_version);
}

/*
 * listed_max_version
 *		The newest manifest version the bucket holds for a bundle (0: none).
 */
int
listed_max_version(ArchiveRun *run, const BundlePlan *b)
{
	return listed_max(run, b, "manifests", manifest_key_version);
}
