/*-------------------------------------------------------------------------
 *
 * import_sleep.c
 *	  Write the sleep logs of Fitbit files (Web API sleep responses, the
 *	  sleep-*.json files of an account export or Google Takeout) as sleep
 *	  sessions with their stages.
 *
 * The logs' times are local clock times without an offset; they are placed
 * in time in the account's zone.  Around a clock change a local time can be
 * missing or repeated, so each stage is placed where it follows on from the
 * one before: of the instants that show its local time, the one nearest the
 * end of the previous stage.  The session ends its duration after it began
 * (the local end time where there is no duration), and is filed, like every
 * session, under the local day it ended (src/store/sleep.c).  A log whose
 * stages do not fit in it, or overlap, rejects the document.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "common/common.h"
#include "core/core.h"
#include "providers/provider.h"
#include "store/store.h"

/* The UTC offset of tz at an instant, in seconds east. */
static int
offset_at(pg_tz *tz, int64 epoch)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;

	if (timestamp2tm(tracker_epoch_to_timestamptz(epoch), &tzoff, &tm, &fsec,
					 NULL, tz) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return -tzoff;
}

/*
 * place
 *		The instant at which tz's clock shows local (seconds of the local
 *		clock since 1970): of the instants that do, the one nearest near.
 */
static int64
place(pg_tz *tz, int64 local, int64 near)
{
	int64		days = local >= 0 ? local / SECS_PER_DAY :
		-((-local + SECS_PER_DAY - 1) / SECS_PER_DAY);
	int			secs = (int) (local - days * SECS_PER_DAY);
	DateADT		day = (DateADT) (days + UNIX_EPOCH_JDATE - POSTGRES_EPOCH_JDATE);
	int64		t = tracker_local_to_epoch(tz, day, secs);
	int64		best = t;
	int			d;

	for (d = -1; d <= 1; d += 2)
	{
		int64		alt = t + d * 3600;

		if (alt + offset_at(tz, alt) == local &&
			llabs(alt - near) < llabs(best - near))
			best = alt;
	}
	return best;
}

/*
 * store_log
 *		Place one log in time and write it; returns the day it is filed
 *		under.  at names the log in messages ("$.sleep[0]").
 */
static DateADT
store_log(const TrackerAccount *acc, const FitbitSleepLog *log,
		  const char *at, int64 payload_id)
{
	int64		start = place(acc->tz, log->start_local,
							  log->start_local - offset_at(acc->tz, log->start_local));
	int64		end;
	int64	   *data_at = palloc(sizeof(int64) * (log->ndata + 1));
	int64	   *short_at = palloc(sizeof(int64) * (log->nshort + 1));
	int64		prev;
	FitbitSleepSpan *fs;
	size_t		nfs;
	char		why[256];
	SleepSpan  *spans;
	SleepSession ss;
	StringInfoData stages;
	bool		any = false;
	DateADT		day;
	size_t		i;
	int			k;

	if (log->duration_ms >= 0)
		end = start + log->duration_ms / 1000;
	else
		end = place(acc->tz, log->end_local,
					start + (log->end_local - log->start_local));
	if (end < start)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sleep log %lld ends before it begins", (long long) log->log_id),
				 errdetail("At %s.endTime: the end is before the start in time zone %s.",
						   at, acc->time_zone)));

	prev = start;
	for (i = 0; i < log->ndata; i++)
	{
		data_at[i] = place(acc->tz, log->data[i].local, prev);
		prev = data_at[i] + log->data[i].seconds;
	}
	prev = start;
	for (i = 0; i < log->nshort; i++)
	{
		short_at[i] = place(acc->tz, log->short_data[i].local, prev);
		prev = short_at[i] + log->short_data[i].seconds;
	}
	if (fitbit_sleep_spans(log, data_at, short_at, start, end, &fs, &nfs,
						   why, sizeof(why)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sleep log %lld has stages that do not fit in it",
						(long long) log->log_id),
				 errdetail("At %s.%s.", at, why)));

	spans = palloc(sizeof(SleepSpan) * (nfs + 1));
	for (i = 0; i < nfs; i++)
	{
		spans[i].stage = fitbit_sleep_stage_names[fs[i].stage];
		spans[i].start = fs[i].start;
		spans[i].end = fs[i].end;
	}
	free(fs);

	initStringInfo(&stages);
	appendStringInfoChar(&stages, '{');
	for (k = 0; k < FITBIT_SLEEP_STAGES; k++)
	{
		if (log->summary[k] < 0)
			continue;
		appendStringInfo(&stages, "%s\"%s\":%lld", any ? "," : "",
						 fitbit_sleep_stage_names[k], (long long) log->summary[k]);
		any = true;
	}
	appendStringInfoChar(&stages, '}');

	memset(&ss, 0, sizeof(ss));
	ss.sleep_id = psprintf("fitbit-%lld", (long long) log->log_id);
	ss.sleep_type = log->classic ? "CLASSIC" : "STAGES";
	ss.start = start;
	ss.end = end;
	ss.has_offsets = true;
	ss.start_offset = offset_at(acc->tz, start);
	ss.end_offset = offset_at(acc->tz, end);
	ss.nap = !log->main_sleep;
	ss.minutes_asleep = log->minutes_asleep;
	ss.minutes_awake = log->minutes_awake;
	ss.minutes_in_period = log->time_in_bed;
	ss.stages_json = any ? stages.data : NULL;
	ss.nspans = (int) nfs;
	ss.spans = spans;
	day = sleep_store(acc, &ss, payload_id);
	pfree(spans);
	pfree(data_at);
	pfree(short_at);
	pfree(stages.data);
	return day;
}

/*
 * fitbit_sleep_store
 *		Write the sleep logs of a parsed document; adds the days they are
 *		filed under to days and returns the number of sessions.
 */
int
fitbit_sleep_store(const TrackerAccount *acc, const FitbitDoc *doc,
				   int64 payload_id, DaySet *days)
{
	size_t		i;

	for (i = 0; i < doc->nsleep; i++)
	{
		char	   *at = doc->kind == FITBIT_API_SLEEP ?
			psprintf("$.sleep[%zu]", i) : psprintf("$[%zu]", i);

		dayset_add(days, store_log(acc, &doc->sleep[i], at, payload_id));
		pfree(at);
	}
	return (int) doc->nsleep;
}
