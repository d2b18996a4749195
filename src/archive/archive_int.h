/*-------------------------------------------------------------------------
 *
 * archive_int.h
 *	  What the files of the S3 archive share: its constants, the types of
 *	  a run, a plan, a bundle and a manifest, and the functions one file
 *	  gives the others.  Not for use outside src/archive/.
 *
 * Layout under the configured prefix (say "tracker/"):
 *
 *	tracker/bundles/account-<id>/<data type>/<yyyy-mm>.v<n>.ndjson.gz
 *	tracker/manifests/account-<id>/<data type>/<yyyy-mm>.v<n>.json
 *
 * One bundle per account, data type and month, gzip'd NDJSON with one line
 * per payload (its metadata and its exact bytes), and one small manifest
 * beside it with the counts and the SHA-256 of every payload and of the
 * bundle (see bundle.c and manifest.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_ARCHIVE_INT_H
#define TRACKER_ARCHIVE_INT_H

#include "postgres.h"

#include "funcapi.h"
#include "utils/date.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "http/http.h"
#include "store/store.h"

/* What the objects say they are. */
#define ARCHIVE_FORMAT "tracker-archive"
#define ARCHIVE_FORMAT_VERSION 1

/* Payloads given a month per transaction, and rows per cursor fetch. */
#define ARCHIVE_DAY_BATCH 200
#define ARCHIVE_FETCH 8

/* Objects Tracker writes and can read back in one piece. */
#define ARCHIVE_MAX_OBJECT ((size_t) MaxAllocSize - 2)

/* An account as the archive records it (never its credentials). */
typedef struct ArchiveAccount
{
	int32		id;
	char	   *name;
	char	   *provider;
	char	   *time_zone;
	char	   *birth_date;		/* YYYY-MM-DD or NULL */
	char	   *username;		/* or NULL */
	char	   *created_at;		/* UTC, ISO 8601 */
} ArchiveAccount;

/* One account, data type and month: what the database holds and archived. */
typedef struct BundlePlan
{
	int32		account_id;
	char	   *data_type;
	DateADT		month;
	int			payloads;
	int64		payload_bytes;
	char	   *fingerprint;	/* hex */
	int			recorded_version;	/* 0: never archived from here */
	char	   *recorded_fingerprint;
	char	   *recorded_bundle_key;
	char	   *recorded_manifest_key;
	int64		recorded_size;
	ArchiveAccount *account;
} BundlePlan;

/* A bundle built in memory and ready to upload. */
typedef struct BuiltBundle
{
	char	   *data;			/* gzip */
	size_t		len;
	char		sha256[65];
	char	   *md5;			/* hex */
	int			payloads;
	int64		payload_bytes;
	char	   *fingerprint;
	StringInfoData items;		/* the manifest's "items" array content */
} BuiltBundle;

/* One payload named by a manifest. */
typedef struct ManifestItem
{
	int64		payload_id;
	char	   *sha256;
	int64		byte_size;
	char	   *day;
	char	   *status;
} ManifestItem;

/* A parsed manifest. */
typedef struct Manifest
{
	ArchiveAccount account;
	char	   *data_type;
	char	   *month;			/* YYYY-MM */
	int			version;
	char	   *bundle_key;
	int64		bundle_size;
	char	   *bundle_sha256;
	int			count;
	int64		bytes;
	char	   *fingerprint;
	int			nitems;
	ManifestItem *items;
} Manifest;

/* A run of the archive, in the foreground or in the archive worker. */
typedef struct ArchiveRun
{
	bool		worker;			/* open and commit our own transactions */
	MemoryContext cxt;			/* lives for the run */
	MemoryContext bundle_cxt;	/* reset for each bundle */
	MemoryContext work;			/* where to be between database steps */
	ResourceOwner owner;		/* worker: for hashing outside transactions */
	S3Config	cfg;
	int64		run_id;
	DateADT		through;
	List	   *accounts;		/* ArchiveAccount * */
	List	   *plans;			/* BundlePlan * */
	List	   *objects;		/* S3Object * under the prefix */
	ReturnSetInfo *rsinfo;		/* foreground: one row per bundle */
} ArchiveRun;

/* A manifest key taken apart. */
typedef struct ManifestRef
{
	char	   *key;
	int32		account_id;
	char	   *data_type;
	DateADT		month;
	int			version;
} ManifestRef;

/* Restore: one account's progress. */
typedef struct RestoreAccount
{
	TrackerAccount acc;
	int64	   *inserted;		/* accepted payloads written to bronze */
	int			ninserted;
	int			cap;
	bool		created;
	MemoryContext cxt;			/* where inserted lives */
} RestoreAccount;

/* What a restore asked for: one account or all, the months overlapping days. */
typedef struct RestoreWhat
{
	bool		one_account;
	int32		account;
	bool		has_lower;
	DateADT		lower_day;
	bool		has_upper;
	DateADT		upper_day;
} RestoreWhat;

/* Dates and keys (plan.c, manifest.c). */
extern char *format_month(DateADT month);
extern DateADT month_start(DateADT day);
extern DateADT next_month(DateADT month);
extern bool parse_month(const char *s, DateADT *month);
extern char *format_utc(TimestampTz ts);
extern char *safe_data_type(const char *s);
extern char *bundle_key(const S3Config *cfg, int32 account, const char *type,
						DateADT month, int version);
extern char *manifest_key(const S3Config *cfg, int32 account, const char *type,
						  DateADT month, int version);
extern bool parse_manifest_key(const S3Config *cfg, const char *key,
							   ManifestRef *ref);

/* A run's database steps and its lock (plan.c). */
extern void db_enter(ArchiveRun *run);
extern void db_leave(ArchiveRun *run);
extern bool archive_lock(bool session, bool wait);
extern void archive_unlock(void);

/* Planning (plan.c). */
extern void archive_assign_days(ArchiveRun *run);
extern List *load_accounts(void);
extern List *archive_plan(ArchiveRun *run);
extern bool archive_has_retired(void);
extern int	listed_max_bundle_version(ArchiveRun *run, const BundlePlan *b);
extern int	listed_max_version(ArchiveRun *run, const BundlePlan *b);

/* Manifests (manifest.c). */
extern bool manifest_parse(const char *text, size_t len, Manifest *m, char **why);
extern bool manifest_fetch(const S3Config *cfg, const char *key, Manifest *m,
						   bool *archived, char **why);
extern char *manifest_build(ArchiveRun *run, const BundlePlan *b,
							const BuiltBundle *bb, const char *bkey, int version);

/* Archiving (bundle.c). */
extern void run_setup(ArchiveRun *run, MemoryContext parent, bool worker);
extern void archive_execute(ArchiveRun *run);

/* Bronze retention (retention.c). */
extern int64 archive_retire_bronze(ArchiveRun *run);

/* Restore (restore.c) and replay (replay.c). */
extern void restore_run(ReturnSetInfo *rsinfo, const RestoreWhat *what,
						MemoryContext cxt);
extern void replay_account(RestoreAccount *ra);

/* Lifecycle (lifecycle.c). */
extern char *lifecycle_check(int days, const char *storage_class);
extern char *lifecycle_rule_id(const char *prefix);
extern char *lifecycle_merge(const char *current, const char *prefix, int days,
							 const char *storage_class, int *kept);

#endif							/* TRACKER_ARCHIVE_INT_H */
