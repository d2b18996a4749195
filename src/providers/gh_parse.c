/*-------------------------------------------------------------------------
 *
 * gh_parse.c
 *	  Parse and validate Google Health API v4 responses and Google OAuth 2.0
 *	  token responses: the pages and their paging, users, tokens and error
 *	  bodies.  The readers of the data points are in gh_points.c, those of
 *	  proto3 JSON values in gh_values.c.
 *
 * The work happens in the three steps of json_check.c:
 *
 * 1. jc_scan() checks the bytes against RFC 8259 and reports the byte
 *	  offset of the first problem.  While it scans it also finds the one
 *	  large array of a page ("dataPoints", or "rollupDataPoints" for
 *	  dailyRollUp) and cuts it into chunks of BULK_CHUNK elements.
 *
 * 2. json-c builds trees: one for the document with the large array cut
 *	  out, and one per chunk of the array.  A single tree for a 10,000-point
 *	  heart-rate page is several times slower to build and free than the
 *	  small chunk trees, which stay warm in cache.
 *
 *	  The dense arrays (heart-rate samples; steps, distance, floors and
 *	  sedentary-period intervals) skip this step:
 *	  gh_fastpoints.c reads their chunks straight from the bytes, and hands
 *	  a chunk back to json-c only when something in it is unusual.
 *
 * 3. The readers of gh_points.c walk the trees, check every member they
 *	  use for presence, type and range, and fill the result.  Unknown
 *	  members are ignored, so that new API fields do not break a sync.  The
 *	  first problem stops the parse and is reported with a JSON path such
 *	  as $.dataPoints[3].heartRate.beatsPerMinute.
 *
 * The proto3 JSON mapping decides the types: int64 members are decimal
 * strings ("72"; a JSON number there is a type error), int32 and double
 * members are numbers, durations are strings such as "3600s", timestamps
 * are RFC 3339 and enums are their names.  A member may be omitted when it
 * has its default value, and null means the same as omitted.  So:
 *
 * - an absent member whose default (0, "", false) is a valid value reads as
 *	 that default: steps count, a zone's minBeatsPerMinute, utc offsets,
 *	 sleep summary minutes, rollup zone durations;
 * - an absent member whose default would be out of range (beatsPerMinute,
 *	 a timestamp, a date) is a shape error;
 * - where the header documents "-1 when absent" (exercise metrics, update
 *	 times, a missing sleep summary) absent reads as -1;
 * - an absent enum reads as its zero value (EXERCISE_TYPE_UNSPECIFIED,
 *	 SLEEP_TYPE_UNSPECIFIED); enum values this module does not know are kept
 *	 as strings, or, for zone types, skipped.
 *
 * Duplicate member names follow json-c: the last one wins.  No locale,
 * time zone or libc date function is used; timestamps are parsed by hand.
 * Error messages never quote token values.
 *
 * src/providers/gh_parse.c
 *
 *-------------------------------------------------------------------------
 */
#include "providers/gh_parse.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "providers/gh_internal.h"

/*
 * Elements of the large array handed to json-c at a time.  On a
 * 10,000-point heart-rate page sizes from 8 to 256 measure within noise of
 * each other (about 4 times faster than one tree); small ones stay in cache.
 */
#define BULK_CHUNK 16

/* Errors come back as JcKinds, which GhErrorKind matches one for one. */
_Static_assert((int) GH_ERR_NOT_JSON == (int) JC_ERR_NOT_JSON &&
			   (int) GH_ERR_SHAPE == (int) JC_ERR_SHAPE &&
			   (int) GH_ERR_TYPE == (int) JC_ERR_TYPE &&
			   (int) GH_ERR_RANGE == (int) JC_ERR_RANGE &&
			   (int) GH_ERR_TIME == (int) JC_ERR_TIME &&
			   (int) GH_ERR_NOMEM == (int) JC_ERR_NOMEM,
			   "GhErrorKind must match JcKind");


/* URL names, indexed by GhDataType. */
static const char *const type_names[GH_DATA_TYPE_COUNT] = {
	"heart-rate", "daily-resting-heart-rate", "daily-heart-rate-zones",
	"time-in-heart-rate-zone", "exercise", "sleep", "steps",
	/* activity */
	"active-zone-minutes", "active-minutes", "distance", "floors",
	"total-calories", "sedentary-period",
	/* vitals and body */
	"heart-rate-variability", "daily-heart-rate-variability",
	"oxygen-saturation", "daily-oxygen-saturation", "daily-respiratory-rate",
	"respiratory-rate-sleep-summary", "daily-sleep-temperature-derivations",
	"weight", "body-fat", "daily-vo2-max", "vo2-max"
};

static const char list_key[] = "dataPoints";
static const char rollup_key[] = "rollupDataPoints";

/* The large array of a page: its points, cut out of the top-level object. */
static const JcBulk list_bulk = {false, 1, {list_key}, BULK_CHUNK};
static const JcBulk rollup_bulk = {false, 1, {rollup_key}, BULK_CHUNK};


/* ----------------------------------------------------------------------
 * Set-up
 * ----------------------------------------------------------------------
 */

/* Set up cx for one parse; err may be NULL, then local_err is used. */
static void
ctx_init(ParseCtx *cx, const char *buf, size_t len, GhError *err,
		 GhError *local_err)
{
	if (err == NULL)
		err = local_err;
	memset(err, 0, sizeof(*err));
	jc_init(&cx->jc, buf, len, 0, err->path, sizeof(err->path),
			err->message, sizeof(err->message));
	cx->err = err;
	cx->page = NULL;
	cx->no_fast = false;
}

/*
 * Release what the parse left in cx and hand back its outcome rc as a
 * GhErrorKind, with the kind of the first error recorded in err.
 */
static GhErrorKind
ctx_done(ParseCtx *cx, JcKind rc)
{
	jc_done(&cx->jc);
	cx->err->kind = (GhErrorKind) cx->jc.kind;
	return (GhErrorKind) rc;
}


/* ----------------------------------------------------------------------
 * Pages
 * ----------------------------------------------------------------------
 */

/*
 * Allocate the page's arrays for n points of its type, setting the counts
 * at once so that gh_page_free() releases whatever a failed parse leaves.
 */
static JcKind
alloc_points(ParseCtx *cx, size_t n, const JcPath *at)
{
	JsonCheck  *jc = &cx->jc;
	GhPage	   *page = cx->page;

	if (n == 0)
		return JC_OK;
	switch (page->type)
	{
		case GH_HEART_RATE:
			if (n > SIZE_MAX / sizeof(int64_t))
				return jc_fail_nomem(jc, at);
			page->t = malloc(n * sizeof(int64_t));
			page->bpm = malloc(n * sizeof(int16_t));
			page->utc_offset = malloc(n * sizeof(int));
			if (page->t == NULL || page->bpm == NULL || page->utc_offset == NULL)
				return jc_fail_nomem(jc, at);
			page->nsamples = n;
			break;
		case GH_DAILY_RESTING_HEART_RATE:
		case GH_DAILY_HEART_RATE_ZONES:
		case GH_TIME_IN_HEART_RATE_ZONE:
			page->daily = calloc(n, sizeof(GhDaily));
			if (page->daily == NULL)
				return jc_fail_nomem(jc, at);
			page->ndaily = n;
			break;
		case GH_EXERCISE:
			page->exercise = calloc(n, sizeof(GhExercise));
			if (page->exercise == NULL)
				return jc_fail_nomem(jc, at);
			page->nexercise = n;
			break;
		case GH_SLEEP:
			page->sleep = calloc(n, sizeof(GhSleep));
			if (page->sleep == NULL)
				return jc_fail_nomem(jc, at);
			page->nsleep = n;
			break;
		case GH_STEPS:
			page->steps = calloc(n, sizeof(GhSteps));
			if (page->steps == NULL)
				return jc_fail_nomem(jc, at);
			page->nsteps = n;
			break;
		case GH_ACTIVE_ZONE_MINUTES:
		case GH_ACTIVE_MINUTES:
		case GH_DISTANCE:
		case GH_FLOORS:
		case GH_TOTAL_CALORIES:
		case GH_SEDENTARY_PERIOD:
			if (page->rollup)
			{
				page->activity = calloc(n, sizeof(GhActivityDay));
				if (page->activity == NULL)
					return jc_fail_nomem(jc, at);
				page->nactivity = n;
			}
			else
			{
				page->intervals = calloc(n, sizeof(GhInterval));
				if (page->intervals == NULL)
					return jc_fail_nomem(jc, at);
				page->nintervals = n;
			}
			break;
		case GH_HEART_RATE_VARIABILITY:
		case GH_DAILY_HEART_RATE_VARIABILITY:
		case GH_OXYGEN_SATURATION:
		case GH_DAILY_OXYGEN_SATURATION:
		case GH_DAILY_RESPIRATORY_RATE:
		case GH_RESPIRATORY_RATE_SLEEP_SUMMARY:
		case GH_DAILY_SLEEP_TEMPERATURE:
		case GH_WEIGHT:
		case GH_BODY_FAT:
		case GH_DAILY_VO2_MAX:
		case GH_VO2_MAX:
			page->vitals = calloc(n, sizeof(GhVital));
			if (page->vitals == NULL)
				return jc_fail_nomem(jc, at);
			page->nvitals = n;
			break;
		case GH_DATA_TYPE_COUNT:
			break;
	}
	return JC_OK;
}

/*
 * Read the page whose skeleton (the document without its point array) is
 * root: the paging token, then every point.
 */
static JcKind
read_page(ParseCtx *cx, json_object *root)
{
	JsonCheck  *jc = &cx->jc;
	GhPage	   *page = cx->page;
	bool		rollup = page->rollup;
	JcElementFn reader = gh_point_readers[page->type];
	const char *key = rollup ? rollup_key : list_key;
	const char *other = rollup ? list_key : rollup_key;
	JcPath		ap = {&jc_root, key, 0};
	json_object *points;
	json_object *v;
	size_t		n;
	JcKind		rc;

	if (!json_object_object_get_ex(root, key, NULL))
	{
		if (json_object_object_get_ex(root, "error", &v) &&
			json_object_is_type(v, json_type_object))
			return jc_fail(jc, JC_ERR_SHAPE, &jc_root,
						   "a google.rpc.Status error body, not a page of data points");
		if (json_object_object_get_ex(root, other, NULL))
			return jc_fail(jc, JC_ERR_SHAPE, &jc_root,
						   "%s pages hold %s, and this one has %s instead",
						   type_names[page->type], key, other);
	}
	rc = jc_member_string(jc, root, &jc_root, "nextPageToken", false,
						  JC_STR_NAME, TOKEN_LEN_MAX, &page->next_page_token);
	if (rc != JC_OK)
		return rc;
	rc = jc_member_array(jc, root, &jc_root, key, false, &points);
	if (rc != JC_OK || points == NULL)
		return rc;

	if ((rc = jc_bulk_length(jc, points, &ap, key, &n)) != JC_OK ||
		(rc = alloc_points(cx, n, &ap)) != JC_OK)
		return rc;
	if (rollup && gh_is_activity_type(page->type))
		reader = gh_read_activity_rollup;
	if (jc_bulk_cut(jc))
		return jc_walk_bulk_fast(jc, &ap,
								 !cx->no_fast && gh_fast_points(page) ?
								 gh_fast_chunk : NULL, reader, cx);
	return jc_walk_array(points, &ap, reader, cx);
}


/* ----------------------------------------------------------------------
 * Entry points
 * ----------------------------------------------------------------------
 */

/* URL name of a data type, e.g. "heart-rate"; "unknown" out of range. */
const char *
gh_data_type_name(GhDataType type)
{
	if ((int) type < 0 || type >= GH_DATA_TYPE_COUNT)
		return "unknown";
	return type_names[type];
}

/* The GhDataType for a URL name, or -1, for settings and SQL arguments. */
int
gh_data_type_from_name(const char *name)
{
	int			i;

	if (name == NULL)
		return -1;
	for (i = 0; i < GH_DATA_TYPE_COUNT; i++)
	{
		if (strcmp(name, type_names[i]) == 0)
			return i;
	}
	return -1;
}

/*
 * Parse one page of type, a dailyRollUp page when rollup is set.  page is
 * overwritten, not freed first; on failure it is left empty (with its type
 * set), so the caller needs no cleanup.
 */
static GhErrorKind
parse_page_as(GhDataType type, bool rollup, const char *buf, size_t len,
			  GhPage *page, GhError *err, bool no_fast)
{
	GhError		local_err;
	ParseCtx	cx;
	json_object *root = NULL;
	JcKind		rc;

	ctx_init(&cx, buf, len, err, &local_err);
	cx.no_fast = no_fast;
	memset(page, 0, sizeof(*page));
	if ((int) type < 0 || type >= GH_DATA_TYPE_COUNT)
		return ctx_done(&cx, jc_fail(&cx.jc, JC_ERR_SHAPE, &jc_root,
									 "unknown data type %d", (int) type));
	if (rollup && !gh_is_activity_type(type) && type != GH_TIME_IN_HEART_RATE_ZONE)
		return ctx_done(&cx, jc_fail(&cx.jc, JC_ERR_SHAPE, &jc_root,
									 "Tracker reads no dailyRollUp of %s",
									 type_names[type]));
	page->type = type;
	page->rollup = rollup;
	cx.page = page;

	rc = jc_parse_object(&cx.jc, rollup ? &rollup_bulk : &list_bulk,
						 "a page of data points", &root);
	if (rc == JC_OK)
		rc = read_page(&cx, root);

	if (root != NULL)
		json_object_put(root);
	if (rc != JC_OK)
	{
		gh_page_free(page);
		page->type = type;
	}
	return ctx_done(&cx, rc);
}

/*
 * Parse one page of a list, reconcile or dailyRollUp response for type:
 * a dailyRollUp page for the types that have roll-ups only.
 */
GhErrorKind
gh_parse_page(GhDataType type, const char *buf, size_t len, GhPage *page,
			  GhError *err)
{
	return parse_page_as(type, (int) type >= 0 && type < GH_DATA_TYPE_COUNT &&
						 gh_is_rollup_only(type), buf, len, page, err, false);
}

/*
 * gh_parse_page() with every point read through json-c trees, never by
 * the fast readers of gh_fastpoints.c: the reference the fast path must
 * agree with, for the differential fuzz target and the parser benchmark.
 */
GhErrorKind
gh_parse_page_general(GhDataType type, const char *buf, size_t len,
					  GhPage *page, GhError *err)
{
	return parse_page_as(type, (int) type >= 0 && type < GH_DATA_TYPE_COUNT &&
						 gh_is_rollup_only(type), buf, len, page, err, true);
}

/*
 * Parse one page of a dailyRollUp response of an activity type: the
 * provider's own daily figures.
 */
GhErrorKind
gh_parse_daily_rollup(GhDataType type, const char *buf, size_t len,
					  GhPage *page, GhError *err)
{
	return parse_page_as(type, true, buf, len, page, err, false);
}

/* Release everything page owns and leave it zeroed; safe to repeat. */
void
gh_page_free(GhPage *page)
{
	size_t		i;
	size_t		j;

	if (page == NULL)
		return;
	for (i = 0; i < page->nexercise; i++)
	{
		free(page->exercise[i].id);
		free(page->exercise[i].exercise_type);
		free(page->exercise[i].display_name);
	}
	for (i = 0; i < page->nsleep; i++)
	{
		free(page->sleep[i].id);
		free(page->sleep[i].sleep_type);
		for (j = 0; j < page->sleep[i].nstages; j++)
			free(page->sleep[i].stages[j].type);
		free(page->sleep[i].stages);
		free(page->sleep[i].intervals);
		free(page->sleep[i].out_of_bed);
	}
	for (i = 0; i < page->nvitals; i++)
	{
		free(page->vitals[i].text);
		free(page->vitals[i].id);
	}
	free(page->vitals);
	free(page->next_page_token);
	free(page->t);
	free(page->bpm);
	free(page->utc_offset);
	free(page->daily);
	free(page->exercise);
	free(page->sleep);
	free(page->steps);
	free(page->intervals);
	free(page->activity);
	memset(page, 0, sizeof(*page));
}

/* Empty user: no time zone, offset 0, age unknown. */
static void
user_reset(GhUser *user)
{
	memset(user, 0, sizeof(*user));
	user->age = -1;
}

/* Reads the top-level object of an answer into the caller's result. */
typedef JcKind (*RootReader) (JsonCheck *jc, json_object *root, void *out);

/*
 * Parse buf, which must hold one JSON object (what says which, for the
 * message if it is not), and hand it to read.  The caller resets its
 * result before and frees it when this fails.
 */
static GhErrorKind
parse_object(const char *buf, size_t len, GhError *err, const char *what,
			 RootReader read, void *out)
{
	GhError		local_err;
	ParseCtx	cx;
	json_object *root = NULL;
	JcKind		rc;

	ctx_init(&cx, buf, len, err, &local_err);
	rc = jc_parse_object(&cx.jc, NULL, what, &root);
	if (rc == JC_OK)
		rc = read(&cx.jc, root, out);
	if (root != NULL)
		json_object_put(root);
	return ctx_done(&cx, rc);
}

/* Read the time zone and UTC offset of users.getSettings. */
static JcKind
read_settings(JsonCheck *jc, json_object *root, void *out)
{
	GhUser	   *user = out;
	JcKind		rc;

	rc = jc_member_string(jc, root, &jc_root, "timeZone", false,
						  JC_STR_TIME_ZONE, TIME_ZONE_LEN_MAX,
						  &user->time_zone);
	if (rc == JC_OK)
		rc = gh_member_utc_offset(jc, root, &jc_root, "utcOffset",
								  &user->utc_offset);
	return rc;
}

/* Read the age of users.getProfile. */
static JcKind
read_profile(JsonCheck *jc, json_object *root, void *out)
{
	GhUser	   *user = out;
	int64_t		age = -1;
	JcKind		rc;

	rc = jc_member_int(jc, root, &jc_root, "age", false, 0, AGE_MAX, &age);
	if (rc == JC_OK)
		user->age = (int) age;
	return rc;
}

/* Parse an answer about the user into user, left empty on failure. */
static GhErrorKind
parse_user(const char *buf, size_t len, GhUser *user, GhError *err,
		   const char *what, RootReader read)
{
	GhErrorKind rc;

	user_reset(user);
	rc = parse_object(buf, len, err, what, read, user);
	if (rc != GH_OK)
		gh_user_free(user);
	return rc;
}

/*
 * Parse users.getSettings: the IANA time zone and the current UTC offset.
 * user is overwritten (age -1); parse the profile into a second GhUser and
 * take its age when both are wanted.
 */
GhErrorKind
gh_parse_settings(const char *buf, size_t len, GhUser *user, GhError *err)
{
	return parse_user(buf, len, user, err, "a settings object", read_settings);
}

/*
 * Parse users.getProfile: only the age (an int32, so a JSON number) is
 * used.  user is overwritten; time_zone stays NULL.
 */
GhErrorKind
gh_parse_profile(const char *buf, size_t len, GhUser *user, GhError *err)
{
	return parse_user(buf, len, user, err, "a profile object", read_profile);
}

/* Release the user's strings and reset it; safe to repeat. */
void
gh_user_free(GhUser *user)
{
	if (user == NULL)
		return;
	free(user->time_zone);
	user_reset(user);
}

/*
 * Read the error member of a token response.  The OAuth form is
 * {"error":"invalid_grant","error_description":"..."}; a google.rpc.Status
 * object in its place is read as its status and message.
 */
static JcKind
read_token_error(JsonCheck *jc, json_object *root, json_object *e,
				 GhToken *token)
{
	JcPath		ep = {&jc_root, "error", 0};
	char		d[JC_DESC_SIZE];
	JcKind		rc;

	if (json_object_is_type(e, json_type_string))
	{
		rc = jc_member_string(jc, root, &jc_root, "error", true, JC_STR_TEXT,
							  TEXT_LEN_MAX, &token->error);
		if (rc != JC_OK)
			return rc;
		return jc_member_string(jc, root, &jc_root, "error_description",
								false, JC_STR_TEXT, TEXT_LEN_MAX,
								&token->error_description);
	}
	if (!json_object_is_type(e, json_type_object))
		return jc_fail(jc, JC_ERR_TYPE, &ep,
					   "error %s is neither a string nor an object",
					   jc_describe(jc, e, d, sizeof(d)));
	rc = jc_member_string(jc, e, &ep, "status", false, JC_STR_TEXT,
						  TEXT_LEN_MAX, &token->error);
	if (rc == JC_OK && token->error == NULL)
		rc = gh_dup_literal(jc, &ep, "unknown_error", &token->error);
	if (rc == JC_OK)
		rc = jc_member_string(jc, e, &ep, "message", false, JC_STR_TEXT,
							  TEXT_LEN_MAX, &token->error_description);
	return rc;
}

/* ASCII case-insensitive equality, independent of the locale. */
static bool
ascii_equal_ci(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
	{
		unsigned char ca = (unsigned char) *a;
		unsigned char cb = (unsigned char) *b;

		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb)
			return false;
	}
	return *a == *b;
}

/* Read a successful token response. */
static JcKind
read_token_success(JsonCheck *jc, json_object *root, GhToken *token)
{
	JcPath		tp = {&jc_root, "token_type", 0};
	int64_t		expires = 0;
	JcKind		rc;

	if (!json_object_object_get_ex(root, "access_token", NULL))
	{
		JcPath		ap = {&jc_root, "access_token", 0};

		return jc_fail(jc, JC_ERR_SHAPE, &ap,
					   "access_token is missing, and there is no error member");
	}
	if ((rc = jc_member_string(jc, root, &jc_root, "access_token", true,
							   JC_STR_TOKEN, TOKEN_LEN_MAX,
							   &token->access_token)) != JC_OK ||
		(rc = jc_member_int(jc, root, &jc_root, "expires_in", true, 0,
							EXPIRES_IN_MAX, &expires)) != JC_OK ||
		(rc = jc_member_string(jc, root, &jc_root, "refresh_token", false,
							   JC_STR_TOKEN, TOKEN_LEN_MAX,
							   &token->refresh_token)) != JC_OK ||
		(rc = jc_member_string(jc, root, &jc_root, "scope", false,
							   JC_STR_SCOPE, TEXT_LEN_MAX,
							   &token->scope)) != JC_OK ||
		(rc = jc_member_string(jc, root, &jc_root, "token_type", false,
							   JC_STR_NAME, ENUM_LEN_MAX,
							   &token->token_type)) != JC_OK)
		return rc;
	token->expires_in = expires;
	if (token->token_type != NULL && !ascii_equal_ci(token->token_type, "Bearer"))
		return jc_fail(jc, JC_ERR_RANGE, &tp,
					   "token_type \"%s\" is not Bearer", token->token_type);
	return JC_OK;
}

/* Read a token response: an OAuth error, or a token. */
static JcKind
read_token(JsonCheck *jc, json_object *root, void *out)
{
	GhToken    *token = out;
	json_object *e = NULL;
	JcKind		rc;

	rc = jc_get_member(jc, root, &jc_root, "error", false, &e);
	if (rc != JC_OK)
		return rc;
	if (e != NULL)
		return read_token_error(jc, root, e, token);
	return read_token_success(jc, root, token);
}

/*
 * Parse an answer of Google's token endpoint (code exchange or refresh).
 * Both a token and an OAuth error come back as GH_OK: token->error says
 * which.  token is overwritten; on failure it is left empty.
 */
GhErrorKind
gh_parse_token(const char *buf, size_t len, GhToken *token, GhError *err)
{
	GhErrorKind rc;

	memset(token, 0, sizeof(*token));
	rc = parse_object(buf, len, err, "a token response", read_token, token);
	if (rc != GH_OK)
		gh_token_free(token);
	return rc;
}

/* Release the token's strings and zero it; safe to repeat. */
void
gh_token_free(GhToken *token)
{
	if (token == NULL)
		return;
	free(token->access_token);
	free(token->refresh_token);
	free(token->scope);
	free(token->token_type);
	free(token->error);
	free(token->error_description);
	memset(token, 0, sizeof(*token));
}

/* A malloc'd copy of v's string, or NULL when v is not a non-empty string. */
static char *
dup_if_string(json_object *v)
{
	const char *s;
	size_t		len;

	if (!json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	len = (size_t) json_object_get_string_len(v);
	/* "\u0000" decodes to a NUL that C strings cannot carry: treat as absent */
	if (len == 0 || strlen(s) != len)
		return NULL;
	return gh_dup_cstr(s);
}

/*
 * Whether an @type names google.rpc.ErrorInfo ("type.googleapis.com/" is
 * the usual prefix, but only the message name is compared).
 */
static bool
is_error_info(json_object *detail)
{
	static const char suffix[] = "google.rpc.ErrorInfo";
	json_object *t;
	const char *s;
	size_t		n;

	if (!json_object_object_get_ex(detail, "@type", &t) ||
		!json_object_is_type(t, json_type_string))
		return false;
	s = json_object_get_string(t);
	n = (size_t) json_object_get_string_len(t);
	return n >= sizeof(suffix) - 1 &&
		strcmp(s + n - (sizeof(suffix) - 1), suffix) == 0;
}

/*
 * Read a google.rpc.Status body, {"error":{code, message, status,
 * details}}, as best it can: whatever is present and well typed is kept,
 * the rest stays empty.  The reason comes from an ErrorInfo detail, or
 * failing that from any detail carrying a reason.  Also accepted: the
 * same wrapped in a one-element array, and the OAuth form {"error":
 * "invalid_grant", "error_description": "..."}.  Returns false, with out
 * zeroed, when buf is not such a body.
 */
bool
gh_parse_api_error(const char *buf, size_t len, GhApiError *out)
{
	GhError		local_err;
	ParseCtx	cx;
	json_object *root = NULL;
	json_object *holder;
	json_object *e;
	json_object *v;
	bool		found = false;

	memset(out, 0, sizeof(*out));
	ctx_init(&cx, buf, len, NULL, &local_err);
	if (jc_parse_document(&cx.jc, NULL, &root) != JC_OK)
	{
		jc_done(&cx.jc);
		return false;
	}
	holder = root;
	if (json_object_is_type(root, json_type_array) &&
		json_object_array_length(root) == 1)
		holder = json_object_array_get_idx(root, 0);
	if (json_object_is_type(holder, json_type_object) &&
		json_object_object_get_ex(holder, "error", &e))
	{
		if (json_object_is_type(e, json_type_object))
		{
			json_object *details;

			found = true;
			if (json_object_object_get_ex(e, "code", &v) &&
				json_object_is_type(v, json_type_int))
			{
				int64_t		code = json_object_get_int64(v);

				if (code >= INT_MIN && code <= INT_MAX)
					out->code = (int) code;
			}
			if (json_object_object_get_ex(e, "status", &v))
				out->status = dup_if_string(v);
			if (json_object_object_get_ex(e, "message", &v))
				out->message = dup_if_string(v);
			if (json_object_object_get_ex(e, "details", &details) &&
				json_object_is_type(details, json_type_array))
			{
				size_t		n = json_object_array_length(details);
				size_t		i;
				int			pass;

				for (pass = 0; pass < 2 && out->reason == NULL; pass++)
				{
					for (i = 0; i < n && out->reason == NULL; i++)
					{
						json_object *detail = json_object_array_get_idx(details, i);

						if (!json_object_is_type(detail, json_type_object) ||
							(pass == 0 && !is_error_info(detail)))
							continue;
						if (json_object_object_get_ex(detail, "reason", &v))
							out->reason = dup_if_string(v);
					}
				}
			}
		}
		else if (json_object_is_type(e, json_type_string))
		{
			found = true;
			out->status = dup_if_string(e);
			if (json_object_object_get_ex(holder, "error_description", &v))
				out->message = dup_if_string(v);
		}
	}
	json_object_put(root);
	jc_done(&cx.jc);
	return found;
}

/* Release the error's strings and zero it; safe to repeat. */
void
gh_api_error_free(GhApiError *e)
{
	if (e == NULL)
		return;
	free(e->status);
	free(e->message);
	free(e->reason);
	memset(e, 0, sizeof(*e));
}
