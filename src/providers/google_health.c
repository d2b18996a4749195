/*-------------------------------------------------------------------------
 *
 * google_health.c
 *	  The Google Health API v4 provider: windows, requests, validation and
 *	  mapping into silver (see provider.h for what a provider supplies).
 *
 * Facts of the API this follows: data types are kebab-case in paths and
 * snake_case in filters; filters take only >= and < joined by AND; lists
 * come newest first, at most 10,000 points a page (25 for exercise and
 * sleep), following nextPageToken to the end; int64 values are strings.
 * Heart-rate windows are cut by a cursor: a window takes a bounded number
 * of pages, and the next window continues below the oldest sample seen, so
 * no page is fetched twice and memory stays bounded.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"

#include "common/common.h"
#include "core/core.h"
#include "providers/gh_parse.h"
#include "providers/provider.h"
#include "tracker.h"

/* A window in the API's own terms. */
typedef struct GhWindow
{
	GhDataType	type;
	DateADT		from;
	DateADT		to;
	int64		cursor_end;
	int64		since;			/* 0: from the window's first day */
	DateADT		page_floor;		/* 0: the pages stop at from */
} GhWindow;

/* Data types in the order a sync runs them: bounds before the samples they bin. */
static const char *const gh_types[] = {
	"profile",					/* users.getSettings and users.getProfile */
	"daily-heart-rate-zones",
	"daily-resting-heart-rate",
	"time-in-heart-rate-zone",
	"heart-rate",
	"steps",
	"exercise",
	"sleep",
	/* activity */
	"active-zone-minutes",
	"active-minutes",
	"distance",
	"floors",
	"total-calories",
	"sedentary-period",
	/* vitals and body measurements (after sleep: their gold reads it) */
	"heart-rate-variability",
	"daily-heart-rate-variability",
	"oxygen-saturation",
	"daily-oxygen-saturation",
	"daily-respiratory-rate",
	"respiratory-rate-sleep-summary",
	"daily-sleep-temperature-derivations",
	"weight",
	"body-fat",
	"daily-vo2-max",
	"vo2-max"
};

#define GH_PROFILE_TYPE 0		/* index of "profile" in gh_types */

static GhDataType
gh_type_of(int data_type)
{
	return (GhDataType) gh_data_type_from_name(gh_types[data_type]);
}

/* What the user's settings and profile said. */
typedef struct GhProfileParsed
{
	bool		has_settings;
	GhUser		settings;
	bool		has_profile;
	GhUser		profile;
} GhProfileParsed;

/* Window lengths in days, and pages per heart-rate window. */
#define HR_WINDOW_DAYS 7
#define DAILY_WINDOW_DAYS 90
#define ROLLUP_14_WINDOW_DAYS 14	/* the API's longest roll-up of some types */
#define SESSION_WINDOW_DAYS 30
#define VITAL_SAMPLE_WINDOW_DAYS 14	/* SpO2: about 500 samples a night */
#define MAX_PAGES_PER_WINDOW 8

/*
 * No window of the other types comes near this many pages (a 90-day window
 * of daily figures is one page); a server that keeps sending nextPageToken
 * fails the window here instead of keeping the worker fetching for ever.
 */
#define MAX_PAGES_ANY_WINDOW 100

static int
gh_window_days(GhDataType type)
{
	switch (type)
	{
		case GH_HEART_RATE:
		case GH_STEPS:
			return HR_WINDOW_DAYS;
		case GH_EXERCISE:
		case GH_SLEEP:
			return SESSION_WINDOW_DAYS;
		case GH_DISTANCE:
		case GH_FLOORS:
			return HR_WINDOW_DAYS;
		case GH_ACTIVE_ZONE_MINUTES:
		case GH_ACTIVE_MINUTES:
		case GH_TOTAL_CALORIES:
			return ROLLUP_14_WINDOW_DAYS;
		case GH_SEDENTARY_PERIOD:
			return SESSION_WINDOW_DAYS;
		default:
			if (gh_is_vital(type) && !gh_vital_is_daily(type))
				return VITAL_SAMPLE_WINDOW_DAYS;
			return DAILY_WINDOW_DAYS;
	}
}

/*
 * The longest range of one roll-up request: 14 days for active minutes and
 * calories, 90 for the others.
 */
static int
rollup_max_days(GhDataType type)
{
	return (type == GH_ACTIVE_MINUTES || type == GH_TOTAL_CALORIES) ?
		ROLLUP_14_WINDOW_DAYS : DAILY_WINDOW_DAYS;
}

static int
page_size(GhDataType type)
{
	return (type == GH_EXERCISE || type == GH_SLEEP) ? 25 : 10000;
}

static char *
format_date(DateADT day)
{
	int			y,
				m,
				d;

	j2date(day + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	return psprintf("%04d-%02d-%02d", y, m, d);
}

static char *
format_instant(int64 epoch)
{
	int64		days = epoch / SECS_PER_DAY;
	int64		secs = epoch % SECS_PER_DAY;
	int			y,
				m,
				d;

	if (secs < 0)
	{
		secs += SECS_PER_DAY;
		days--;
	}
	j2date((int) (days + UNIX_EPOCH_JDATE), &y, &m, &d);
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
					(int) (secs / 3600), (int) (secs / 60 % 60), (int) (secs % 60));
}

/*
 * vital_filter
 *		The filter of a window of a vitals or body type: the date of a daily
 *		type, the sample time of a sample type; the member is the URL name
 *		in snake case.
 */
static char *
vital_filter(const TrackerAccount *acc, const GhWindow *w)
{
	char	   *snake = pstrdup(gh_data_type_name(w->type));
	char	   *c;
	int64		start;
	int64		end;
	int64		dummy;

	for (c = snake; *c; c++)
		if (*c == '-')
			*c = '_';
	if (gh_vital_is_daily(w->type))
		return psprintf("%s.date >= \"%s\" AND %s.date < \"%s\"",
						snake, format_date(w->from), snake, format_date(w->to));
	tracker_day_bounds(acc->tz, w->from, &start, &dummy);
	tracker_day_bounds(acc->tz, w->to, &end, &dummy);
	if (w->since > start)
		start = w->since;
	return psprintf("%s.sample_time.physical_time >= \"%s\" AND "
					"%s.sample_time.physical_time < \"%s\"",
					snake, format_instant(start), snake, format_instant(end));
}

/*
 * window_filter
 *		The AIP-160 filter of a window, with the member names the API
 *		accepts for each type.
 */
static char *
window_filter(const TrackerAccount *acc, const GhWindow *w)
{
	int64		start;
	int64		end;
	int64		dummy;

	switch (w->type)
	{
		case GH_HEART_RATE:
		case GH_STEPS:
			{
				const char *member = (w->type == GH_HEART_RATE) ?
				"heart_rate.sample_time.physical_time" : "steps.interval.start_time";

				tracker_day_bounds(acc->tz,
								   w->page_floor > 0 ? Min(w->page_floor, w->from) : w->from,
								   &start, &dummy);
				tracker_day_bounds(acc->tz, w->to, &end, &dummy);
				if (w->since > start)
					start = w->since;
				if (w->cursor_end > 0 && w->cursor_end < end)
					end = w->cursor_end;
				return psprintf("%s >= \"%s\" AND %s < \"%s\"", member,
								format_instant(start), member, format_instant(end));
			}
		case GH_DAILY_RESTING_HEART_RATE:
			return psprintf("daily_resting_heart_rate.date >= \"%s\" AND daily_resting_heart_rate.date < \"%s\"",
							format_date(w->from), format_date(w->to));
		case GH_DAILY_HEART_RATE_ZONES:
			return psprintf("daily_heart_rate_zones.date >= \"%s\" AND daily_heart_rate_zones.date < \"%s\"",
							format_date(w->from), format_date(w->to));
		case GH_EXERCISE:
			return psprintf("exercise.interval.civil_start_time >= \"%s\" AND exercise.interval.civil_start_time < \"%s\"",
							format_date(w->from), format_date(w->to));
		case GH_SLEEP:
			return psprintf("sleep.interval.civil_end_time >= \"%s\" AND sleep.interval.civil_end_time < \"%s\"",
							format_date(w->from), format_date(w->to));
		case GH_ACTIVE_ZONE_MINUTES:
		case GH_ACTIVE_MINUTES:
		case GH_DISTANCE:
		case GH_FLOORS:
		case GH_SEDENTARY_PERIOD:
			{
				/* snake_case of the URL name, e.g. active_zone_minutes */
				char	   *member = pstrdup(gh_data_type_name(w->type));
				char	   *c;

				for (c = member; *c; c++)
					if (*c == '-')
						*c = '_';
				tracker_day_bounds(acc->tz, w->from, &start, &dummy);
				tracker_day_bounds(acc->tz, w->to, &end, &dummy);
				if (w->since > start)
					start = w->since;
				return psprintf("%s.interval.start_time >= \"%s\" AND %s.interval.start_time < \"%s\"",
								member, format_instant(start), member, format_instant(end));
			}
		default:
			if (gh_is_vital(w->type))
				return vital_filter(acc, w);
			return NULL;
	}
}

static char *
rollup_body(const GhWindow *w, const char *page_token)
{
	int			y1,
				m1,
				d1,
				y2,
				m2,
				d2;
	StringInfoData body;

	j2date(w->from + POSTGRES_EPOCH_JDATE, &y1, &m1, &d1);
	j2date(w->to + POSTGRES_EPOCH_JDATE, &y2, &m2, &d2);
	initStringInfo(&body);
	appendStringInfo(&body,
					 "{\"range\":{\"start\":{\"date\":{\"year\":%d,\"month\":%d,\"day\":%d}},"
					 "\"end\":{\"date\":{\"year\":%d,\"month\":%d,\"day\":%d}}},"
					 "\"windowSizeDays\":1",
					 y1, m1, d1, y2, m2, d2);
	if (page_token)
	{
		/* the token is the API's: quoted and escaped like any JSON string */
		appendStringInfoString(&body, ",\"pageToken\":");
		escape_json(&body, page_token);
	}
	appendStringInfoChar(&body, '}');
	return body.data;
}

static const char *
gh_error_kind_name(GhErrorKind k)
{
	switch (k)
	{
		case GH_ERR_NOT_JSON:
			return "not JSON";
		case GH_ERR_TYPE:
			return "wrong type";
		case GH_ERR_RANGE:
			return "out of range";
		case GH_ERR_TIME:
			return "bad time";
		case GH_ERR_NOMEM:
			return "out of memory";
		default:
			return "wrong shape";
	}
}

/*
 * gh_scope_insufficient
 *		Whether a 403 says the grant lacks the data type's scope (ErrorInfo
 *		reason ACCESS_TOKEN_SCOPE_INSUFFICIENT), rather than refusing the
 *		request for some other reason.
 */
static bool
gh_scope_insufficient(const HttpResponse *resp)
{
	GhApiError	e;
	bool		insufficient;

	memset(&e, 0, sizeof(e));
	if (resp->outcome != HTTP_RESPONSE || resp->body == NULL ||
		!gh_parse_api_error(resp->body, resp->body_len, &e))
	{
		gh_api_error_free(&e);
		return false;
	}
	insufficient = e.reason != NULL &&
		strcmp(e.reason, "ACCESS_TOKEN_SCOPE_INSUFFICIENT") == 0;
	gh_api_error_free(&e);
	return insufficient;
}

/*
 * gh_fetch_profile
 *		Read the user's settings (time zone) and profile (age).  A scope the
 *		grant lacks skips its half; both pages go to bronze.
 */
static void
gh_fetch_profile(FetchContext *ctx, ProviderFetched *out)
{
	static const char *const parts[] = {"settings", "profile"};
	const char *get_headers[] = {"Accept: application/json", NULL};
	GhProfileParsed *parsed = palloc0(sizeof(GhProfileParsed));
	int			i;

	memset(out, 0, sizeof(*out));
	out->verdict = FETCH_OK;
	ctx->data_type = "profile";

	for (i = 0; i < 2; i++)
	{
		HttpRequest req;
		HttpResponse resp;
		ProviderPage *p;
		GhError		err;
		GhErrorKind rc;
		FetchVerdict v;
		char	   *why;

		memset(&req, 0, sizeof(req));
		req.method = "GET";
		req.url = psprintf("%s/v4/users/me/%s", tracker_google_health_url, parts[i]);
		req.headers = get_headers;
		v = fetch_authorized(ctx, &req, &resp, &why);
		if (v == FETCH_SCOPE)
		{
			fetch_log(ctx, &req, &resp, "skipped", why);
			continue;
		}
		if (v != FETCH_OK)
		{
			provider_fetch_failed(ctx, out, &req, &resp, v, why);
			break;
		}
		p = provider_page_new(&req, &resp);
		memset(&err, 0, sizeof(err));
		rc = (i == 0) ? gh_parse_settings(resp.body, resp.body_len, &parsed->settings, &err)
			: gh_parse_profile(resp.body, resp.body_len, &parsed->profile, &err);
		if (rc != GH_OK)
		{
			provider_page_reject(ctx, out, p, &req, &resp, gh_error_kind_name(rc),
								 err.path, err.message);
			break;
		}
		if (i == 0)
			parsed->has_settings = true;
		else
			parsed->has_profile = true;
		provider_page_accept(ctx, out, p, &req, &resp, NULL);
	}

	/* The parsed results ride on the first page (or are dropped). */
	if (out->pages != NIL)
		((ProviderPage *) linitial(out->pages))->parsed = parsed;
	else
	{
		gh_user_free(&parsed->settings);
		gh_user_free(&parsed->profile);
	}
}

/*
 * page_newest
 *		The instant of a list page's newest point (a daily point: the start
 *		of its local day; a sleep: its end), or 0: what scheduled syncs read
 *		on from (tracker.sync_state.newest_at).
 */
static int64
page_newest(const TrackerAccount *acc, const GhPage *gp)
{
	int64		newest = 0;
	int64		dummy;
	size_t		i;

	for (i = 0; i < gp->nsamples; i++)
		newest = Max(newest, gp->t[i]);
	for (i = 0; i < gp->nsteps; i++)
		newest = Max(newest, gp->steps[i].start);
	for (i = 0; i < gp->nintervals; i++)
		newest = Max(newest, gp->intervals[i].start);
	for (i = 0; i < gp->nexercise; i++)
		newest = Max(newest, gp->exercise[i].start);
	for (i = 0; i < gp->nsleep; i++)
		newest = Max(newest, gp->sleep[i].end);
	for (i = 0; i < gp->ndaily; i++)
	{
		int64		start;

		tracker_day_bounds(acc->tz, tracker_make_date(gp->daily[i].date.year,
													  gp->daily[i].date.month,
													  gp->daily[i].date.day),
						   &start, &dummy);
		newest = Max(newest, start);
	}
	for (i = 0; i < gp->nvitals; i++)
	{
		int64		start = gp->vitals[i].t;

		if (gh_vital_is_daily(gp->type))
			tracker_day_bounds(acc->tz, tracker_make_date(gp->vitals[i].date.year,
														  gp->vitals[i].date.month,
														  gp->vitals[i].date.day),
							   &start, &dummy);
		newest = Max(newest, start);
	}
	return newest;
}

/*
 * gh_fail_paging
 *		End a window whose pages would never end: the window fails like a
 *		page that does not validate (and is retried later), and the page
 *		whose nextPageToken would go on is kept in bronze as rejected.
 */
static void
gh_fail_paging(ProviderFetched *out, const char *why)
{
	ProviderPage *last = (ProviderPage *) llast(out->pages);

	out->verdict = FETCH_FAILED;
	out->why = psprintf("paging_failed: %s", why);
	/* the page that asked for more is kept in bronze, rejected, with why */
	out->pages = list_delete_last(out->pages);
	out->rejected = true;
	out->rejected_page = last;
	if (last->log)
	{
		last->log->outcome = "rejected";
		last->log->error = out->why;
	}
}

/*
 * page_oldest
 *		The instant of the oldest sample (heart rate) or interval start
 *		(steps) of a page, or PG_INT64_MAX when it holds none.
 */
static int64
page_oldest(GhDataType type, const GhPage *gp)
{
	int64		oldest = PG_INT64_MAX;
	size_t		i;

	if (type == GH_HEART_RATE)
	{
		for (i = 0; i < gp->nsamples; i++)
			oldest = Min(oldest, gp->t[i]);
	}
	else if (type == GH_STEPS)
	{
		for (i = 0; i < gp->nsteps; i++)
			oldest = Min(oldest, gp->steps[i].start);
	}
	return oldest;
}

/*
 * gh_fetch_window
 *		Fetch every page of a window (or MAX_PAGES_PER_WINDOW of a cursor
 *		window) and validate each one.  No database access.
 *
 * A cursor window with a page floor (a backfill, see tracker.plan_windows)
 * asks for everything from the floor up, so that its last page is as full
 * as any other; it stops after the first page that reaches below its own
 * first day, and the window below goes on from there.
 */
static void
gh_fetch_window(FetchContext *ctx, const TrackerAccount *acc,
				const ProviderWindow *pw, ProviderFetched *out)
{
	GhWindow	wbuf;
	GhWindow   *w = &wbuf;
	const char *dt;
	char	   *filter;
	char	   *page_token = NULL;
	int			pages = 0;
	const char *json_headers[] = {"Content-Type: application/json",
	"Accept: application/json", NULL};
	const char *get_headers[] = {"Accept: application/json", NULL};
	bool		rollup;
	GhWindow	rw;				/* the days of the roll-up being read */

	if (pw->data_type == GH_PROFILE_TYPE)
	{
		gh_fetch_profile(ctx, out);
		return;
	}
	w->type = gh_type_of(pw->data_type);
	w->from = pw->from;
	w->to = pw->to;
	w->cursor_end = pw->cursor_end;
	w->since = pw->since;
	w->page_floor = (w->type == GH_HEART_RATE || w->type == GH_STEPS) ? pw->page_floor : 0;
	dt = gh_data_type_name(w->type);
	filter = window_filter(acc, w);
	rollup = gh_is_rollup_only(w->type);
	rw = *w;
	rw.to = Min(w->to, w->from + rollup_max_days(w->type));

	memset(out, 0, sizeof(*out));
	out->verdict = FETCH_OK;
	ctx->data_type = dt;

	for (;;)
	{
		HttpRequest req;
		HttpResponse resp;
		ProviderPage *p;
		GhPage	   *gp;
		GhError		err;
		GhErrorKind rc;
		FetchVerdict v;
		char	   *why;

		CHECK_FOR_INTERRUPTS();
		memset(&req, 0, sizeof(req));
		if (rollup)
		{
			req.method = "POST";
			req.url = psprintf("%s/v4/users/me/dataTypes/%s/dataPoints:dailyRollUp",
							   tracker_google_health_url, dt);
			req.body = rollup_body(&rw, page_token);
			req.body_len = strlen(req.body);
			req.headers = json_headers;
		}
		else
		{
			req.method = "GET";
			req.url = gh_points_url(dt, filter, page_size(w->type), page_token);
			req.headers = get_headers;
		}

		v = fetch_authorized(ctx, &req, &resp, &why);
		if (v != FETCH_OK)
		{
			if (v == FETCH_SCOPE)
				out->scope_denied = gh_scope_insufficient(&resp);
			provider_fetch_failed(ctx, out, &req, &resp, v, why);
			return;
		}

		p = provider_page_new(&req, &resp);
		gp = palloc0(sizeof(GhPage));
		memset(&err, 0, sizeof(err));
		rc = (rollup && !gh_is_rollup_only(w->type)) ?
			gh_parse_daily_rollup(w->type, resp.body, resp.body_len, gp, &err) :
			gh_parse_page(w->type, resp.body, resp.body_len, gp, &err);
		if (rc != GH_OK)
		{
			provider_page_reject(ctx, out, p, &req, &resp, gh_error_kind_name(rc),
								 err.path, err.message);
			gh_page_free(gp);
			return;
		}
		provider_page_accept(ctx, out, p, &req, &resp, gp);
		pages++;
		if (!rollup)
			out->newest = Max(out->newest, page_newest(acc, gp));

		if (gp->next_page_token == NULL || gp->next_page_token[0] == '\0')
		{
			/*
			 * An activity type's intervals are followed by the provider's
			 * own daily figures of the window (one dailyRollUp request).
			 */
			if (!rollup && gh_is_activity_type(w->type))
			{
				/*
				 * A window read from an instant on (an incremental sync)
				 * asks for the figures of the days that are over and
				 * uploaded only: those before the day of the account's
				 * newest point.
				 */
				if (w->since > 0)
				{
					if (pw->complete_before <= w->from)
						return;
					w->to = Min(w->to, pw->complete_before);
				}
				rollup = true;
				page_token = NULL;
				rw = *w;
				rw.to = Min(w->to, w->from + rollup_max_days(w->type));
				continue;
			}

			/* A roll-up longer than the API's range goes on in parts. */
			if (rollup && rw.to < w->to)
			{
				rw.from = rw.to;
				rw.to = Min(w->to, rw.from + rollup_max_days(w->type));
				page_token = NULL;
				continue;
			}
			/* nothing is left down to the floor: the windows below are done */
			out->floor_reached = w->page_floor > 0;
			return;
		}
		if (page_token != NULL && strcmp(page_token, gp->next_page_token) == 0)
		{
			gh_fail_paging(out, "the API sent the page token of this page again");
			return;
		}
		page_token = pstrdup(gp->next_page_token);

		/*
		 * Cursor windows: stop here and continue below the oldest sample,
		 * after a bounded number of pages, or once the pages run below the
		 * window's first day towards its floor.
		 */
		if (w->type == GH_HEART_RATE || w->type == GH_STEPS)
		{
			int64		oldest = page_oldest(w->type, gp);
			int64		first = 0;
			int64		dummy;

			if (w->page_floor > 0)
				tracker_day_bounds(acc->tz, w->from, &first, &dummy);
			if (oldest != PG_INT64_MAX &&
				(pages >= MAX_PAGES_PER_WINDOW || (w->page_floor > 0 && oldest < first)))
			{
				/*
				 * Samples in the oldest second may continue on the next page.
				 * The next window must end below this one, or the windows
				 * would follow each other for ever.
				 */
				if (w->cursor_end > 0 && oldest + 1 >= w->cursor_end)
				{
					gh_fail_paging(out, "the API's pages do not move below the previous window's oldest sample");
					return;
				}
				out->continue_below = oldest + 1;
				out->left_window = w->page_floor > 0 && oldest < first;
				return;
			}
		}
		if (pages >= MAX_PAGES_ANY_WINDOW)
		{
			gh_fail_paging(out, psprintf("the API sent more than %d pages for one window",
										 MAX_PAGES_ANY_WINDOW));
			return;
		}
	}
}

static void
gh_free_page(ProviderPage *page)
{
	if (page->parsed == NULL)
		return;
	if (strstr(page->url, "/dataTypes/") == NULL)
	{
		GhProfileParsed *pp = (GhProfileParsed *) page->parsed;

		gh_user_free(&pp->settings);
		gh_user_free(&pp->profile);
	}
	else
		gh_page_free((GhPage *) page->parsed);
	page->parsed = NULL;
}

/*
 * span_args
 *		Set parameters i, i + 1 and i + 2 of a statement to the start and the
 *		end of a session and to the local day it counts for, the day of
 *		day_at (an exercise counts on the day it began, a sleep on the day
 *		it ended).
 */
static void
span_args(Datum *v, int i, const TrackerAccount *acc, int64 start, int64 end,
		  int64 day_at)
{
	v[i] = TimestampTzGetDatum(tracker_epoch_to_timestamptz(start));
	v[i + 1] = TimestampTzGetDatum(tracker_epoch_to_timestamptz(end));
	v[i + 2] = DateADTGetDatum(tracker_local_date(acc->tz, day_at));
}

static void
write_exercise(const TrackerAccount *acc, const GhExercise *e, int64 payload_id)
{
	Oid			types[17] = {INT4OID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID,
		TIMESTAMPTZOID, DATEOID, INT8OID, FLOAT8OID, FLOAT8OID, INT8OID, INT2OID,
	INT8OID, INT8OID, INT8OID, INT8OID, INT8OID};
	Datum		v[17];
	char		n[17];
	int			z;

	memset(n, ' ', sizeof(n));
	v[0] = Int32GetDatum(acc->account_id);
	v[1] = CStringGetTextDatum(e->id ? e->id : "");
	v[2] = CStringGetTextDatum(e->exercise_type ? e->exercise_type : "UNSPECIFIED");
	spi_arg_text(v, n, 3, e->display_name);
	span_args(v, 4, acc, e->start, e->end, e->start);
	spi_arg_count(v, n, 7, INT8OID, e->active_seconds);
	spi_arg_measure(v, n, 8, e->distance_m);
	spi_arg_measure(v, n, 9, e->calories_kcal);
	spi_arg_count(v, n, 10, INT8OID, e->steps);
	spi_arg_count(v, n, 11, INT2OID, e->avg_heart_rate);
	for (z = 0; z < GH_ZONES; z++)
		spi_arg_count(v, n, 12 + z, INT8OID, e->zone_seconds[z]);
	v[16] = Int64GetDatum(payload_id);

	spi_exec("INSERT INTO silver.exercise AS x (account_id, exercise_id, exercise_type, "
			 " display_name, start_at, end_at, day, active_seconds, distance_m, "
			 " calories_kcal, steps, avg_heart_rate, light_seconds, moderate_seconds, "
			 " vigorous_seconds, peak_seconds, payload_id) "
			 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) "
			 "ON CONFLICT (account_id, exercise_id) DO UPDATE SET "
			 " exercise_type = excluded.exercise_type, display_name = excluded.display_name, "
			 " start_at = excluded.start_at, end_at = excluded.end_at, day = excluded.day, "
			 " active_seconds = excluded.active_seconds, distance_m = excluded.distance_m, "
			 " calories_kcal = excluded.calories_kcal, steps = excluded.steps, "
			 " avg_heart_rate = excluded.avg_heart_rate, light_seconds = excluded.light_seconds, "
			 " moderate_seconds = excluded.moderate_seconds, "
			 " vigorous_seconds = excluded.vigorous_seconds, peak_seconds = excluded.peak_seconds, "
			 " payload_id = excluded.payload_id, updated_at = excluded.updated_at "
			 "WHERE (x.*) IS DISTINCT FROM (excluded.*)",
			 17, types, v, n, SPI_OK_INSERT, "write an exercise");
}

/*
 * write_sleep
 *		A session with its stage intervals and out-of-bed segments (see
 *		src/store/sleep.c for how it is filed and rewritten).
 */
static void
write_sleep(const TrackerAccount *acc, const GhSleep *s, int64 payload_id)
{
	SleepSession ss;
	SleepSpan  *spans;
	SleepSpan  *oob;
	StringInfoData stages;
	size_t		i;

	initStringInfo(&stages);
	appendStringInfoChar(&stages, '{');
	for (i = 0; i < s->nstages; i++)
	{
		appendStringInfo(&stages, "%s", i ? "," : "");
		escape_json(&stages, s->stages[i].type ? s->stages[i].type : "UNKNOWN");
		appendStringInfo(&stages, ":%lld", (long long) s->stages[i].minutes);
	}
	appendStringInfoChar(&stages, '}');

	spans = palloc(sizeof(SleepSpan) * (s->nintervals + 1));
	for (i = 0; i < s->nintervals; i++)
	{
		spans[i].stage = s->intervals[i].type;
		spans[i].start = s->intervals[i].start;
		spans[i].end = s->intervals[i].end;
	}
	oob = palloc(sizeof(SleepSpan) * (s->nout_of_bed + 1));
	for (i = 0; i < s->nout_of_bed; i++)
	{
		oob[i].stage = NULL;
		oob[i].start = s->out_of_bed[i].start;
		oob[i].end = s->out_of_bed[i].end;
	}

	memset(&ss, 0, sizeof(ss));
	ss.sleep_id = s->id ? s->id : "";
	ss.sleep_type = s->sleep_type;
	ss.start = s->start;
	ss.end = s->end;
	ss.has_offsets = s->has_end_utc_offset;
	ss.start_offset = s->start_utc_offset;
	ss.end_offset = s->end_utc_offset;
	ss.nap = s->nap;
	ss.minutes_asleep = s->minutes_asleep;
	ss.minutes_awake = s->minutes_awake;
	ss.minutes_in_period = s->minutes_in_period;
	ss.stages_json = stages.data;
	ss.nspans = (int) s->nintervals;
	ss.spans = spans;
	ss.nout_of_bed = (int) s->nout_of_bed;
	ss.out_of_bed = oob;
	sleep_store(acc, &ss, payload_id);
	pfree(spans);
	pfree(oob);
	pfree(stages.data);
}

static void
write_steps(const TrackerAccount *acc, const GhPage *page)
{
	Oid			types[5] = {INT4OID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID,
	DATEARRAYOID, INT4ARRAYOID};
	Datum		v[5];
	Datum	   *starts;
	Datum	   *ends;
	Datum	   *days;
	Datum	   *counts;
	size_t		i;
	int			n = (int) page->nsteps;

	if (n == 0)
		return;
	starts = palloc(sizeof(Datum) * n);
	ends = palloc(sizeof(Datum) * n);
	days = palloc(sizeof(Datum) * n);
	counts = palloc(sizeof(Datum) * n);
	for (i = 0; i < page->nsteps; i++)
	{
		starts[i] = TimestampTzGetDatum(tracker_epoch_to_timestamptz(page->steps[i].start));
		ends[i] = TimestampTzGetDatum(tracker_epoch_to_timestamptz(page->steps[i].end));
		days[i] = DateADTGetDatum(tracker_local_date(acc->tz, page->steps[i].start));
		counts[i] = Int32GetDatum((int32) page->steps[i].count);
	}
	v[0] = Int32GetDatum(acc->account_id);
	v[1] = PointerGetDatum(construct_array(starts, n, TIMESTAMPTZOID, 8, true, TYPALIGN_DOUBLE));
	v[2] = PointerGetDatum(construct_array(ends, n, TIMESTAMPTZOID, 8, true, TYPALIGN_DOUBLE));
	v[3] = PointerGetDatum(construct_array(days, n, DATEOID, 4, true, TYPALIGN_INT));
	v[4] = PointerGetDatum(construct_array(counts, n, INT4OID, 4, true, TYPALIGN_INT));
	spi_exec("INSERT INTO silver.steps AS s (account_id, start_at, end_at, day, steps) "
			 "SELECT DISTINCT ON (t.s) $1, t.s, t.e, t.d, t.c "
			 "FROM unnest($2, $3, $4, $5) AS t(s, e, d, c) ORDER BY t.s "
			 "ON CONFLICT (account_id, start_at) DO UPDATE SET end_at = excluded.end_at, "
			 " day = excluded.day, steps = excluded.steps "
			 "WHERE (s.end_at, s.steps) IS DISTINCT FROM (excluded.end_at, excluded.steps)",
			 5, types, v, NULL, SPI_OK_INSERT, "write steps");
}

/*
 * gh_write_profile
 *		Keep the user's time zone and age.  The age gives default zone
 *		bounds for days the provider reported none for, when the account
 *		has no birth date.
 */
static int
gh_write_profile(const TrackerAccount *acc, ProviderFetched *f)
{
	GhProfileParsed *pp;
	Oid			types[4] = {INT4OID, TEXTOID, INT4OID, INT4OID};
	Datum		values[4];
	char		nulls[4] = {' ', 'n', 'n', 'n'};

	if (f->pages == NIL ||
		(pp = (GhProfileParsed *) ((ProviderPage *) linitial(f->pages))->parsed) == NULL)
		return 0;
	values[0] = Int32GetDatum(acc->account_id);
	if (pp->has_settings && pp->settings.time_zone)
	{
		values[1] = CStringGetTextDatum(pp->settings.time_zone);
		nulls[1] = ' ';
		values[2] = Int32GetDatum(pp->settings.utc_offset);
		nulls[2] = ' ';
	}
	if (pp->has_profile && pp->profile.age >= 0)
	{
		values[3] = Int32GetDatum(pp->profile.age);
		nulls[3] = ' ';
	}
	spi_exec("INSERT INTO tracker.account_profile AS p "
			 "(account_id, time_zone, utc_offset_s, age, fetched_at) "
			 "VALUES ($1, $2, $3, $4, now()) "
			 "ON CONFLICT (account_id) DO UPDATE SET "
			 " time_zone = coalesce(excluded.time_zone, p.time_zone), "
			 " utc_offset_s = coalesce(excluded.utc_offset_s, p.utc_offset_s), "
			 " age = coalesce(excluded.age, p.age), fetched_at = excluded.fetched_at",
			 4, types, values, nulls, SPI_OK_INSERT, "write the profile");
	return 1;
}

/*
 * gh_write_window
 *		Write a fetched window's typed rows to silver in the caller's
 *		transaction (the pages are already in bronze).
 */
static int
gh_write_window(const TrackerAccount *acc, const ProviderWindow *pw,
				ProviderFetched *f, DaySet *touched)
{
	ListCell   *lc;
	int			rows = 0;
	size_t		total = 0;
	HrSample   *s = NULL;
	size_t		n = 0;
	GhDataType	type;
	DaySet		vital_days = {NULL, 0, 0};

	if (pw->data_type == GH_PROFILE_TYPE)
		return gh_write_profile(acc, f);
	type = gh_type_of(pw->data_type);

	foreach(lc, f->pages)
	{
		ProviderPage *p = (ProviderPage *) lfirst(lc);
		GhPage	   *gp = (GhPage *) p->parsed;
		int64		payload_id = p->log ? p->log->payload_id : 0;
		size_t		i;

		switch (type)
		{
			case GH_HEART_RATE:
				total += gp->nsamples;
				break;
			case GH_DAILY_RESTING_HEART_RATE:
			case GH_DAILY_HEART_RATE_ZONES:
			case GH_TIME_IN_HEART_RATE_ZONE:
				for (i = 0; i < gp->ndaily; i++)
				{
					GhDaily    *d = &gp->daily[i];
					ReportedDay r;
					int			z;

					memset(&r, 0, sizeof(r));
					r.day = tracker_make_date(d->date.year, d->date.month, d->date.day);
					r.has_resting = d->has_resting;
					r.resting_hr = d->resting_bpm;
					if (d->has_zones)
					{
						/* LIGHT, MODERATE, VIGOROUS, PEAK lower bounds */
						r.has_bounds = true;
						for (z = 0; z < GH_ZONES; z++)
							r.zone_min[z] = d->zone_min[z];
						r.zone_max[HR_ZONE_TOP] = d->zone_max[GH_ZONES - 1];
					}
					if (d->has_zone_seconds)
					{
						r.has_minutes = true;
						for (z = 0; z < GH_ZONES; z++)
							r.minutes[z] = d->zone_seconds[z] / 60.0;
					}
					reported_upsert(acc, &r, "google_health", payload_id);
					dayset_add(touched, r.day);
					rows++;
				}
				break;
			case GH_EXERCISE:
				for (i = 0; i < gp->nexercise; i++)
					write_exercise(acc, &gp->exercise[i], payload_id);
				rows += (int) gp->nexercise;
				break;
			case GH_SLEEP:
				for (i = 0; i < gp->nsleep; i++)
					write_sleep(acc, &gp->sleep[i], payload_id);
				rows += (int) gp->nsleep;
				break;
			case GH_STEPS:
				write_steps(acc, gp);
				gh_activity_steps_written(acc, gp);
				rows += (int) gp->nsteps;
				break;
			default:
				if (gh_is_vital(type))
					rows += gh_vitals_write(acc, gp, payload_id, &vital_days);
				break;
		}
	}

	/* Activity: the window's pages at once (gh_activity_write.c). */
	if (gh_is_activity_type(type))
		rows += gh_activity_write_pages(acc, type, f->pages);

	if (type == GH_HEART_RATE && total > 0)
	{
		s = palloc_extended(sizeof(HrSample) * total, MCXT_ALLOC_HUGE);
		foreach(lc, f->pages)
		{
			GhPage	   *gp = (GhPage *) ((ProviderPage *) lfirst(lc))->parsed;
			size_t		i;

			for (i = 0; i < gp->nsamples; i++)
			{
				s[n].t = gp->t[i];
				s[n].bpm = gp->bpm[i];
				n++;
			}
		}
		heart_rate_store(acc, s, n, touched);
		rows += (int) n;
		pfree(s);
	}
	/* the vitals' own figures; gold.daily does not read them */
	vitals_recompute_days(acc, &vital_days);
	return rows;
}

static int
gh_window_days_of(int data_type)
{
	/* one profile read per job, however long */
	if (data_type == GH_PROFILE_TYPE)
		return 100000;
	return gh_window_days(gh_type_of(data_type));
}

static AuthState
gh_credentials(FetchContext *ctx, bool force, const DbAccess *db,
			   char **token, char **why)
{
	return oauth_access_token(ctx, force, db, token, why);
}

const Provider google_health_provider = {
	.name = "google_health",
	.ndata_types = lengthof(gh_types),
	.data_types = gh_types,
	.window_days = gh_window_days_of,
	.credentials = gh_credentials,
	.fetch_window = gh_fetch_window,
	.write_window = gh_write_window,
	.free_page = gh_free_page,
};
