/*-------------------------------------------------------------------------
 *
 * listen_parse.c
 *	  Parse and validate music-listening pages: Last.fm's
 *	  user.getRecentTracks and ListenBrainz's /1/user/{name}/listens.
 *
 * The approach is that of gh_parse.c (json_check.c's three steps), on
 * pages a thousand times smaller:
 *
 * 1. jc_scan() checks the bytes against RFC 8259 in one pass and reports
 *	  the byte offset of the first problem.
 *
 * 2. json-c builds the tree, in one piece.
 *
 * 3. The readers walk it, check every member they use for presence, type
 *	  and range, and fill the result.  The first problem stops the parse and
 *	  is reported with its JSON path; nothing is kept from a page that fails.
 *
 * What each API sends (and so what is checked):
 *
 * Last.fm (format=json) converts its XML answers: numbers in "@attr" and
 * "date.uts" are decimal strings, text sits in "#text" members, an absent
 * MBID is "", and a page holding exactly one track gives "track" as an
 * object instead of a list.  The track being played right now comes first
 * on page 1 with "@attr": {"nowplaying": "true"} and no "date"; it is not
 * a scrobble yet and is skipped (counted in ListenPage.now_playing).  With
 * extended=1 the artist's name is in "name" instead of "#text"; both are
 * read.
 *
 * ListenBrainz sends plain JSON: "listened_at" is an integer of Unix
 * seconds, optional members may be null, and MBIDs come from the
 * submitter ("additional_info") and from ListenBrainz's own mapping
 * ("mbid_mapping"), which is preferred when present.
 *
 * MBIDs must be UUIDs and are kept in lower case.  Text must not hold NUL
 * (PostgreSQL's text cannot) and is at most LISTEN_TEXT_MAX bytes.
 *
 * src/providers/listen_parse.c
 *
 *-------------------------------------------------------------------------
 */
#include "providers/listen_parse.h"

#include <stdlib.h>
#include <string.h>

#include "providers/json_check.h"

/*
 * What sets these pages' messages apart from the other parsers': a
 * required member that is null is "x is null", and integers json-c
 * saturated are quoted as it prints them.
 */
#define LISTEN_JC_FLAGS (JC_REFUSE_NULL | JC_PLAIN_INTEGERS)

/* Longest API error message kept, in bytes. */
#define API_MESSAGE_MAX 200

/* Ranges of Last.fm's paging numbers. */
#define LASTFM_PAGE_MAX INT64_C(1000000)
#define LASTFM_PER_PAGE_MAX INT64_C(1000)
#define LASTFM_TOTAL_MAX INT64_C(1000000000)

/* ListenBrainz never sends more than this many listens at once. */
#define LISTENBRAINZ_COUNT_MAX INT64_C(1000)

/* Longest user name kept, in bytes. */
#define USER_MAX 256


/* ----------------------------------------------------------------------
 * Errors
 * ----------------------------------------------------------------------
 */

/* Short name of an error kind, for the reason kept in bronze. */
const char *
listen_error_kind_name(ListenErrorKind kind)
{
	switch (kind)
	{
		case LISTEN_OK:
			return "ok";
		case LISTEN_ERR_NOT_JSON:
			return "not JSON";
		case LISTEN_ERR_SHAPE:
			return "wrong shape";
		case LISTEN_ERR_TYPE:
			return "wrong type";
		case LISTEN_ERR_RANGE:
			return "out of range";
		case LISTEN_ERR_NOMEM:
			return "out of memory";
	}
	return "unknown error";
}

/*
 * The ListenErrorKind of a JcKind.  Listening pages hold no dates that
 * could fail to parse, so JC_ERR_TIME never comes up; it would be a range
 * error.
 */
static ListenErrorKind
listen_kind(JcKind kind)
{
	switch (kind)
	{
		case JC_OK:
			return LISTEN_OK;
		case JC_ERR_NOT_JSON:
			return LISTEN_ERR_NOT_JSON;
		case JC_ERR_SHAPE:
			return LISTEN_ERR_SHAPE;
		case JC_ERR_TYPE:
			return LISTEN_ERR_TYPE;
		case JC_ERR_RANGE:
		case JC_ERR_TIME:
			return LISTEN_ERR_RANGE;
		case JC_ERR_NOMEM:
			break;
	}
	return LISTEN_ERR_NOMEM;
}

/*
 * Set up jc for one parse of buf into err (or, when err is NULL, into
 * local_err); returns the error record in use.
 */
static ListenError *
ctx_init(JsonCheck *jc, const char *buf, size_t len, ListenError *err,
		 ListenError *local_err)
{
	if (err == NULL)
		err = local_err;
	memset(err, 0, sizeof(*err));
	jc_init(jc, buf, len, LISTEN_JC_FLAGS, err->path, sizeof(err->path),
			err->message, sizeof(err->message));
	return err;
}

/*
 * Release what the parse left in jc and hand back its outcome rc as a
 * ListenErrorKind, with the kind of the first error recorded in err.
 */
static ListenErrorKind
ctx_done(JsonCheck *jc, ListenError *err, JcKind rc)
{
	jc_done(jc);
	err->kind = listen_kind(jc->kind);
	return listen_kind(rc);
}


/* ----------------------------------------------------------------------
 * Member checks
 * ----------------------------------------------------------------------
 */

/*
 * Parse a non-negative decimal integer written as text: digits only, no
 * sign, no spaces, no leading zeros but "0" itself, at most 18 digits.
 */
static bool
parse_decimal_text(const char *s, size_t len, int64_t *out)
{
	int64_t		v = 0;
	size_t		i;

	if (len == 0 || len > 18 || (len > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/*
 * Fetch a Last.fm number: a decimal string ("1213031819") within lo..hi.
 * A JSON number is a type error, as the API never sends one: a change of
 * the format should be noticed, not guessed around.
 */
static JcKind
member_decimal_string(JsonCheck *jc, json_object *obj, const JcPath *at,
					  const char *key, int64_t lo, int64_t hi, int64_t *out)
{
	JcPath		mp = {at, key, 0};
	json_object *v;
	char		d[JC_DESC_SIZE];
	int64_t		i = 0;
	JcKind		rc;

	rc = jc_get_member(jc, obj, at, key, true, &v);
	if (rc != JC_OK)
		return rc;
	if (json_object_is_type(v, json_type_int) ||
		json_object_is_type(v, json_type_double))
		return jc_fail(jc, JC_ERR_TYPE, &mp,
					   "%s %s is a json number, not a decimal string", key,
					   jc_describe(jc, v, d, sizeof(d)));
	if (!json_object_is_type(v, json_type_string))
		return jc_fail(jc, JC_ERR_TYPE, &mp, "%s %s is not a decimal string",
					   key, jc_describe(jc, v, d, sizeof(d)));
	if (!parse_decimal_text(json_object_get_string(v),
							(size_t) json_object_get_string_len(v), &i))
		return jc_fail(jc, JC_ERR_TYPE, &mp,
					   "%s %s is not a decimal integer string", key,
					   jc_describe(jc, v, d, sizeof(d)));
	if (i < lo || i > hi)
		return jc_fail(jc, JC_ERR_RANGE, &mp, "%s %s is outside %lld..%lld",
					   key, jc_describe(jc, v, d, sizeof(d)), (long long) lo,
					   (long long) hi);
	*out = i;
	return JC_OK;
}

/*
 * Check that s (of len bytes) is a UUID, 8-4-4-4-12 hex digits, and copy
 * it in lower case into out (LISTEN_MBID_LEN + 1 bytes).
 */
static bool
copy_mbid(const char *s, size_t len, char *out)
{
	size_t		i;

	if (len != LISTEN_MBID_LEN)
		return false;
	for (i = 0; i < len; i++)
	{
		char		c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23)
		{
			if (c != '-')
				return false;
		}
		else if (c >= 'A' && c <= 'F')
			c = (char) (c - 'A' + 'a');
		else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		out[i] = c;
	}
	out[len] = '\0';
	return true;
}

/* Check that v (at path at) is an MBID string; "" leaves out empty. */
static JcKind
check_mbid(JsonCheck *jc, json_object *v, const JcPath *at, const char *name,
		   char *out)
{
	char		d[JC_DESC_SIZE];
	const char *s;
	size_t		slen;
	JcKind		rc;

	out[0] = '\0';
	rc = jc_check_string(jc, v, at, name, &s, &slen);
	if (rc != JC_OK || slen == 0)
		return rc;
	if (!copy_mbid(s, slen, out))
		return jc_fail(jc, JC_ERR_RANGE, at, "%s %s is not a uuid", name,
					   jc_describe(jc, v, d, sizeof(d)));
	return JC_OK;
}

/* Fetch an optional MBID member; absent, null or "" leaves out empty. */
static JcKind
member_mbid(JsonCheck *jc, json_object *obj, const JcPath *at,
			const char *key, char *out)
{
	JcPath		mp = {at, key, 0};
	json_object *v;
	JcKind		rc;

	out[0] = '\0';
	rc = jc_get_member(jc, obj, at, key, false, &v);
	if (rc != JC_OK || v == NULL)
		return rc;
	return check_mbid(jc, v, &mp, key, out);
}

/*
 * Fetch an optional array of MBIDs into a malloc'd comma-separated list;
 * an absent, null or empty array leaves *out NULL.
 */
static JcKind
member_mbid_list(JsonCheck *jc, json_object *obj, const JcPath *at,
				 const char *key, char **out)
{
	JcPath		mp = {at, key, 0};
	json_object *arr;
	size_t		n;
	size_t		i;
	char	   *list;
	JcKind		rc;

	*out = NULL;
	rc = jc_member_array(jc, obj, at, key, false, &arr);
	if (rc != JC_OK || arr == NULL)
		return rc;
	n = json_object_array_length(arr);
	if (n == 0)
		return JC_OK;
	if (n > LISTEN_MAX_ARTIST_MBIDS)
		return jc_fail(jc, JC_ERR_RANGE, &mp, "%s holds %zu values, more than %d",
					   key, n, LISTEN_MAX_ARTIST_MBIDS);
	list = malloc(n * (LISTEN_MBID_LEN + 1));
	if (list == NULL)
		return jc_fail_nomem(jc, &mp);
	for (i = 0; i < n; i++)
	{
		JcPath		ip = {&mp, NULL, i};
		char	   *slot = list + i * (LISTEN_MBID_LEN + 1);
		json_object *v = json_object_array_get_idx(arr, i);
		char		d[JC_DESC_SIZE];

		if (v == NULL)
			rc = jc_fail(jc, JC_ERR_TYPE, &ip, "%s null is not a string", key);
		else
			rc = check_mbid(jc, v, &ip, key, slot);
		if (rc == JC_OK && slot[0] == '\0')
			rc = jc_fail(jc, JC_ERR_RANGE, &ip, "%s %s is not a uuid", key,
						 jc_describe(jc, v, d, sizeof(d)));
		if (rc != JC_OK)
		{
			free(list);
			return rc;
		}
		slot[LISTEN_MBID_LEN] = (i + 1 < n) ? ',' : '\0';
	}
	*out = list;
	return JC_OK;
}

/* Release what a listen owns and zero it, so that a page can be freed twice. */
static void
listen_clear(Listen *l)
{
	free(l->track);
	free(l->artist);
	free(l->album);
	free(l->url);
	free(l->artist_mbids);
	memset(l, 0, sizeof(*l));
}

/* Release everything page owns and leave it zeroed; safe to repeat. */
void
listen_page_free(ListenPage *page)
{
	size_t		i;

	if (page == NULL)
		return;
	for (i = 0; i < page->nlistens; i++)
		listen_clear(&page->listens[i]);
	free(page->listens);
	free(page->user);
	memset(page, 0, sizeof(*page));
	page->latest_listen_ts = -1;
	page->oldest_listen_ts = -1;
}

/* An empty page: nothing held, the optional times absent. */
static void
page_reset(ListenPage *page)
{
	memset(page, 0, sizeof(*page));
	page->latest_listen_ts = -1;
	page->oldest_listen_ts = -1;
}

/* Reads a page's top-level object into page: lastfm_read(), lb_read(). */
typedef JcKind (*PageReader) (JsonCheck *jc, json_object *root,
							  ListenPage *page);

/*
 * Parse one page with reader, which gets the top-level object; what says
 * what that should be.  On failure the page is left empty and err says
 * where and why.
 */
static ListenErrorKind
parse_page(const char *buf, size_t len, ListenPage *page, ListenError *err,
		   const char *what, PageReader reader)
{
	ListenError local_err;
	JsonCheck	jc;
	json_object *root = NULL;
	JcKind		rc;

	err = ctx_init(&jc, buf, len, err, &local_err);
	page_reset(page);
	rc = jc_parse_object(&jc, NULL, what, &root);
	if (rc == JC_OK)
		rc = reader(&jc, root, page);
	if (root != NULL)
		json_object_put(root);
	if (rc != JC_OK)
		listen_page_free(page);
	return ctx_done(&jc, err, rc);
}


/* ----------------------------------------------------------------------
 * Last.fm: user.getRecentTracks
 * ----------------------------------------------------------------------
 */

/*
 * Read one of Last.fm's {"#text": ..., "mbid": ...} holders (artist,
 * album).  With extended=1 the artist's name is in "name".
 */
static JcKind
lastfm_holder(JsonCheck *jc, json_object *track, const JcPath *at,
			  const char *key, bool required, char **text, char *mbid,
			  char **mbid_list)
{
	JcPath		hp = {at, key, 0};
	json_object *holder;
	json_object *v;
	JcKind		rc;

	rc = jc_member_object(jc, track, at, key, required, &holder);
	if (rc != JC_OK || holder == NULL)
		return rc;
	if (!json_object_object_get_ex(holder, "#text", &v) &&
		json_object_object_get_ex(holder, "name", &v))
		rc = jc_member_string(jc, holder, &hp, "name", required, JC_STR_TEXT, LISTEN_TEXT_MAX, text);
	else
		rc = jc_member_string(jc, holder, &hp, "#text", required, JC_STR_TEXT, LISTEN_TEXT_MAX, text);
	if (rc != JC_OK)
		return rc;
	rc = member_mbid(jc, holder, &hp, "mbid", mbid);
	if (rc == JC_OK && mbid_list != NULL && mbid[0] != '\0')
	{
		*mbid_list = malloc(LISTEN_MBID_LEN + 1);
		if (*mbid_list == NULL)
			return jc_fail_nomem(jc, &hp);
		memcpy(*mbid_list, mbid, LISTEN_MBID_LEN + 1);
	}
	return rc;
}

/*
 * Read one track into l.  *skip is set for the "now playing" item, which
 * has no date and is not a scrobble yet; it is still checked, as a broken
 * item says the page cannot be trusted.
 */
static JcKind
lastfm_track(JsonCheck *jc, json_object *t, const JcPath *at, Listen *l,
			 bool *skip)
{
	JcPath		dp = {at, "date", 0};
	json_object *attr;
	json_object *date;
	char		artist_mbid[LISTEN_MBID_LEN + 1];
	char		d[JC_DESC_SIZE];
	JcKind		rc;

	*skip = false;
	if (!json_object_is_type(t, json_type_object))
		return jc_fail(jc, JC_ERR_TYPE, at, "track %s is not an object",
					   jc_describe(jc, t, d, sizeof(d)));

	rc = jc_member_object(jc, t, at, "@attr", false, &attr);
	if (rc != JC_OK)
		return rc;
	if (attr != NULL)
	{
		JcPath		ap = {at, "@attr", 0};
		JcPath		np = {&ap, "nowplaying", 0};
		json_object *np_v;

		rc = jc_get_member(jc, attr, &ap, "nowplaying", false, &np_v);
		if (rc != JC_OK)
			return rc;
		if (np_v != NULL)
		{
			const char *s;

			if (!json_object_is_type(np_v, json_type_string))
				return jc_fail(jc, JC_ERR_TYPE, &np,
							   "nowplaying %s is not a string",
							   jc_describe(jc, np_v, d, sizeof(d)));
			s = json_object_get_string(np_v);
			if (strcmp(s, "true") == 0)
				*skip = true;
			else if (strcmp(s, "false") != 0)
				return jc_fail(jc, JC_ERR_RANGE, &np,
							   "nowplaying %s is neither \"true\" nor \"false\"",
							   jc_describe(jc, np_v, d, sizeof(d)));
		}
	}

	if ((rc = jc_member_string(jc, t, at, "name", true, JC_STR_TEXT, LISTEN_TEXT_MAX,
							   &l->track)) != JC_OK ||
		(rc = lastfm_holder(jc, t, at, "artist", true, &l->artist,
							artist_mbid, &l->artist_mbids)) != JC_OK ||
		(rc = lastfm_holder(jc, t, at, "album", false, &l->album,
							l->release_mbid, NULL)) != JC_OK ||
		(rc = member_mbid(jc, t, at, "mbid", l->recording_mbid)) != JC_OK ||
		(rc = jc_member_string(jc, t, at, "url", false, JC_STR_TEXT, LISTEN_TEXT_MAX,
							   &l->url)) != JC_OK)
		return rc;

	rc = jc_member_object(jc, t, at, "date", !*skip, &date);
	if (rc != JC_OK)
		return rc;
	if (date != NULL)
		rc = member_decimal_string(jc, date, &dp, "uts", LISTEN_TS_MIN,
								   LISTEN_TS_MAX, &l->played_at);
	return rc;
}

/* Read one track into the next slot of the page, unless it is skipped. */
static JcKind
lastfm_add_track(JsonCheck *jc, ListenPage *page, json_object *t,
				 const JcPath *at)
{
	Listen	   *l = &page->listens[page->nlistens];
	bool		skip;
	JcKind		rc;

	memset(l, 0, sizeof(*l));
	rc = lastfm_track(jc, t, at, l, &skip);
	if (rc != JC_OK || skip)
	{
		listen_clear(l);
		if (rc == JC_OK)
			page->now_playing++;
		return rc;
	}
	page->nlistens++;
	return JC_OK;
}

/*
 * Read recenttracks: its paging numbers, then its track or tracks (an
 * object for a page of one, a list otherwise, absent when empty).
 */
static JcKind
lastfm_read(JsonCheck *jc, json_object *root, ListenPage *page)
{
	JcPath		rp = {&jc_root, "recenttracks", 0};
	JcPath		ap = {&rp, "@attr", 0};
	JcPath		tp = {&rp, "track", 0};
	json_object *rt;
	json_object *attr;
	json_object *tracks;
	char		d[JC_DESC_SIZE];
	JcKind		rc;

	if ((rc = jc_member_object(jc, root, &jc_root, "recenttracks", true,
							   &rt)) != JC_OK ||
		(rc = jc_member_object(jc, rt, &rp, "@attr", true, &attr)) != JC_OK ||
		(rc = jc_member_string(jc, attr, &ap, "user", true, JC_STR_TEXT, USER_MAX,
							   &page->user)) != JC_OK ||
		(rc = member_decimal_string(jc, attr, &ap, "page", 1, LASTFM_PAGE_MAX,
									&page->page)) != JC_OK ||
		(rc = member_decimal_string(jc, attr, &ap, "perPage", 1,
									LASTFM_PER_PAGE_MAX,
									&page->per_page)) != JC_OK ||
		(rc = member_decimal_string(jc, attr, &ap, "totalPages", 0,
									LASTFM_PAGE_MAX,
									&page->total_pages)) != JC_OK ||
		(rc = member_decimal_string(jc, attr, &ap, "total", 0,
									LASTFM_TOTAL_MAX,
									&page->total)) != JC_OK)
		return rc;

	rc = jc_get_member(jc, rt, &rp, "track", false, &tracks);
	if (rc != JC_OK)
		return rc;
	if (tracks == NULL)
	{
		/* an empty result may leave the member out */
		if (page->total != 0)
			return jc_fail(jc, JC_ERR_SHAPE, &tp,
						   "track is missing while total is %lld",
						   (long long) page->total);
		return JC_OK;
	}
	if (json_object_is_type(tracks, json_type_object))
	{
		/* a page of one track gives it bare */
		page->listens = calloc(1, sizeof(Listen));
		if (page->listens == NULL)
			return jc_fail_nomem(jc, &tp);
		return lastfm_add_track(jc, page, tracks, &tp);
	}
	if (json_object_is_type(tracks, json_type_array))
	{
		size_t		n = json_object_array_length(tracks);
		size_t		i;

		if (n > (size_t) LASTFM_PER_PAGE_MAX + 1)
			return jc_fail(jc, JC_ERR_RANGE, &tp,
						   "track holds %zu items, more than a page of %lld and the track playing now",
						   n, (long long) LASTFM_PER_PAGE_MAX);
		if (n == 0)
			return JC_OK;
		page->listens = calloc(n, sizeof(Listen));
		if (page->listens == NULL)
			return jc_fail_nomem(jc, &tp);
		for (i = 0; i < n; i++)
		{
			JcPath		ip = {&tp, NULL, i};

			rc = lastfm_add_track(jc, page, json_object_array_get_idx(tracks, i),
								  &ip);
			if (rc != JC_OK)
				return rc;
		}
		return JC_OK;
	}
	return jc_fail(jc, JC_ERR_TYPE, &tp,
				   "track %s is neither an array nor an object",
				   jc_describe(jc, tracks, d, sizeof(d)));
}

/*
 * Parse one page of user.getRecentTracks (format=json).  On failure the
 * page is left empty and err says where and why.
 */
ListenErrorKind
lastfm_parse_recent_tracks(const char *buf, size_t len, ListenPage *page,
						   ListenError *err)
{
	return parse_page(buf, len, page, err, "a recenttracks object",
					  lastfm_read);
}


/* ----------------------------------------------------------------------
 * ListenBrainz: /1/user/{name}/listens
 * ----------------------------------------------------------------------
 */

/*
 * Read the MBIDs of one source of them ("mbid_mapping" or
 * "additional_info") into l, filling only what is still empty.
 */
static JcKind
lb_mbids(JsonCheck *jc, json_object *meta, const JcPath *at, const char *key,
		 Listen *l)
{
	JcPath		hp = {at, key, 0};
	json_object *holder;
	char		mbid[LISTEN_MBID_LEN + 1];
	char	   *list = NULL;
	JcKind		rc;

	rc = jc_member_object(jc, meta, at, key, false, &holder);
	if (rc != JC_OK || holder == NULL)
		return rc;

	rc = member_mbid(jc, holder, &hp, "recording_mbid", mbid);
	if (rc != JC_OK)
		return rc;
	if (l->recording_mbid[0] == '\0')
		memcpy(l->recording_mbid, mbid, sizeof(mbid));

	rc = member_mbid(jc, holder, &hp, "release_mbid", mbid);
	if (rc != JC_OK)
		return rc;
	if (l->release_mbid[0] == '\0')
		memcpy(l->release_mbid, mbid, sizeof(mbid));

	rc = member_mbid(jc, holder, &hp, "recording_msid", mbid);
	if (rc != JC_OK)
		return rc;
	if (l->recording_msid[0] == '\0')
		memcpy(l->recording_msid, mbid, sizeof(mbid));

	rc = member_mbid_list(jc, holder, &hp, "artist_mbids", &list);
	if (rc != JC_OK)
		return rc;
	if (l->artist_mbids == NULL)
		l->artist_mbids = list;
	else
		free(list);
	return JC_OK;
}

/* Read one listen: its time, its msid, and its track metadata. */
static JcKind
lb_listen(JsonCheck *jc, json_object *o, const JcPath *at, Listen *l)
{
	JcPath		mp = {at, "track_metadata", 0};
	json_object *meta;
	char		d[JC_DESC_SIZE];
	JcKind		rc;

	if (!json_object_is_type(o, json_type_object))
		return jc_fail(jc, JC_ERR_TYPE, at, "listen %s is not an object",
					   o == NULL ? "null" : jc_describe(jc, o, d, sizeof(d)));
	if ((rc = jc_member_int(jc, o, at, "listened_at", true, LISTEN_TS_MIN,
							LISTEN_TS_MAX, &l->played_at)) != JC_OK ||
		(rc = member_mbid(jc, o, at, "recording_msid",
						  l->recording_msid)) != JC_OK ||
		(rc = jc_member_object(jc, o, at, "track_metadata", true,
							   &meta)) != JC_OK ||
		(rc = jc_member_string(jc, meta, &mp, "artist_name", true, JC_STR_TEXT, LISTEN_TEXT_MAX,
							   &l->artist)) != JC_OK ||
		(rc = jc_member_string(jc, meta, &mp, "track_name", true, JC_STR_TEXT, LISTEN_TEXT_MAX,
							   &l->track)) != JC_OK ||
		(rc = jc_member_string(jc, meta, &mp, "release_name", false, JC_STR_TEXT,
							   LISTEN_TEXT_MAX, &l->album)) != JC_OK ||
		(rc = lb_mbids(jc, meta, &mp, "mbid_mapping", l)) != JC_OK ||
		(rc = lb_mbids(jc, meta, &mp, "additional_info", l)) != JC_OK)
		return rc;
	return JC_OK;
}

/*
 * Read payload: count must match the listens sent, so that a page cut
 * short on the way is not taken for the end of the history.
 */
static JcKind
lb_read(JsonCheck *jc, json_object *root, ListenPage *page)
{
	JcPath		pp = {&jc_root, "payload", 0};
	JcPath		lp = {&pp, "listens", 0};
	JcPath		cp = {&pp, "count", 0};
	json_object *payload;
	json_object *listens;
	size_t		n;
	size_t		i;
	JcKind		rc;

	if ((rc = jc_member_object(jc, root, &jc_root, "payload", true,
							   &payload)) != JC_OK ||
		(rc = jc_member_array(jc, payload, &pp, "listens", true,
							  &listens)) != JC_OK ||
		(rc = jc_member_int(jc, payload, &pp, "count", true, 0,
							LISTENBRAINZ_COUNT_MAX, &page->count)) != JC_OK ||
		(rc = jc_member_string(jc, payload, &pp, "user_id", false, JC_STR_TEXT, USER_MAX,
							   &page->user)) != JC_OK ||
		(rc = jc_member_int(jc, payload, &pp, "latest_listen_ts", false, 0,
							LISTEN_TS_MAX, &page->latest_listen_ts)) != JC_OK ||
		(rc = jc_member_int(jc, payload, &pp, "oldest_listen_ts", false, 0,
							LISTEN_TS_MAX, &page->oldest_listen_ts)) != JC_OK)
		return rc;

	n = json_object_array_length(listens);
	if ((int64_t) n != page->count)
		return jc_fail(jc, JC_ERR_RANGE, &cp,
					   "count %lld does not match the %zu listens of the page",
					   (long long) page->count, n);
	if (n == 0)
		return JC_OK;
	page->listens = calloc(n, sizeof(Listen));
	if (page->listens == NULL)
		return jc_fail_nomem(jc, &lp);
	for (i = 0; i < n; i++)
	{
		JcPath		ip = {&lp, NULL, i};

		rc = lb_listen(jc, json_object_array_get_idx(listens, i), &ip,
					   &page->listens[i]);
		if (rc != JC_OK)
		{
			listen_clear(&page->listens[i]);
			return rc;
		}
		page->nlistens++;
	}
	return JC_OK;
}

/*
 * Parse one page of /1/user/{name}/listens.  On failure the page is left
 * empty and err says where and why.
 */
ListenErrorKind
listenbrainz_parse_listens(const char *buf, size_t len, ListenPage *page,
						   ListenError *err)
{
	return parse_page(buf, len, page, err, "a listens object", lb_read);
}


/* ----------------------------------------------------------------------
 * Error answers
 * ----------------------------------------------------------------------
 */

/*
 * A malloc'd copy of an API's message, cut to API_MESSAGE_MAX bytes (at a
 * UTF-8 boundary, with "...") and with control characters, NUL included,
 * replaced by spaces, so that it can go into a log line; NULL when v is
 * not a non-empty string.
 */
static char *
dup_message(json_object *v)
{
	const char *s;
	size_t		n;
	size_t		i;
	bool		cut;
	char	   *out;

	if (!json_object_is_type(v, json_type_string) ||
		json_object_get_string_len(v) == 0)
		return NULL;
	s = json_object_get_string(v);
	n = (size_t) json_object_get_string_len(v);
	cut = n > API_MESSAGE_MAX;
	if (cut)
	{
		n = API_MESSAGE_MAX - 3;
		while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
			n--;
	}
	out = malloc(n + 4);
	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) s[i];

		out[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char) c;
	}
	if (cut)
	{
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

/*
 * Read an error answer: an object whose integer member code_key holds the
 * code and whose string member message_key the message.
 */
static bool
parse_error_object(const char *buf, size_t len, const char *code_key,
				   const char *message_key, ListenApiError *out)
{
	ListenError local_err;
	JsonCheck	jc;
	json_object *root = NULL;
	json_object *v;
	bool		found = false;

	memset(out, 0, sizeof(*out));
	ctx_init(&jc, buf, len, NULL, &local_err);
	if (jc_parse_document(&jc, NULL, &root) != JC_OK)
	{
		jc_done(&jc);
		return false;
	}
	if (json_object_is_type(root, json_type_object) &&
		json_object_object_get_ex(root, code_key, &v) &&
		json_object_is_type(v, json_type_int))
	{
		int64_t		code = json_object_get_int64(v);

		if (code > 0 && code < 100000)
		{
			found = true;
			out->code = (int) code;
			if (json_object_object_get_ex(root, message_key, &v))
				out->message = dup_message(v);
		}
	}
	if (root != NULL)
		json_object_put(root);
	jc_done(&jc);
	return found;
}

/* Last.fm: {"error": 29, "message": "Rate Limit Exceeded ..."} */
bool
lastfm_parse_error(const char *buf, size_t len, ListenApiError *out)
{
	return parse_error_object(buf, len, "error", "message", out);
}

/* ListenBrainz: {"code": 404, "error": "Cannot find user: ..."} */
bool
listenbrainz_parse_error(const char *buf, size_t len, ListenApiError *out)
{
	return parse_error_object(buf, len, "code", "error", out);
}

/* Release the error's message and zero it; safe to repeat. */
void
listen_api_error_free(ListenApiError *e)
{
	if (e == NULL)
		return;
	free(e->message);
	memset(e, 0, sizeof(*e));
}
