/*-------------------------------------------------------------------------
 *
 * fuzz_listen_parse.c
 *	  Fuzz target for src/listen_parse.c: Last.fm user.getRecentTracks and
 *	  ListenBrainz /1/user/{name}/listens pages, and both APIs' error
 *	  answers.
 *
 * The first byte chooses the parser (byte % 4: Last.fm page, ListenBrainz
 * page, Last.fm error, ListenBrainz error); the rest is the answer.
 * Properties:
 *
 *	- the result and the error agree; a failed page parse leaves an empty
 *	  page and an error with a "$" path and a message, in valid UTF-8;
 *	- json-c and the parser's own scanner never disagree about the bytes;
 *	- every listen of a successful parse has a time in 1..4102444800, a
 *	  non-empty track and artist, text of at most 4,096 bytes, MBIDs that
 *	  are lower-case UUIDs (at most 32 artist MBIDs), and a ListenBrainz
 *	  page holds as many listens as its count says;
 *	- an error answer has a code in 1..99999 and a message of at most 200
 *	  printable bytes, valid UTF-8;
 *	- a second parse gives the same result.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

#include "providers/listen_parse.h"

static bool
is_uuid(const char *s)
{
	size_t		i;

	if (strlen(s) != LISTEN_MBID_LEN)
		return false;
	for (i = 0; i < LISTEN_MBID_LEN; i++)
	{
		char		c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23)
		{
			if (c != '-')
				return false;
		}
		else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

static void
check_text(const char *s, bool required, const char *what)
{
	if (s == NULL)
	{
		FUZZ_CHECK(!required, "%s is NULL", what);
		return;
	}
	FUZZ_CHECK(strlen(s) > 0 && strlen(s) <= LISTEN_TEXT_MAX, "%s has length %zu",
			   what, strlen(s));
	FUZZ_CHECK(fuzz_valid_utf8_cstring(s, strlen(s) + 1), "%s is not valid UTF-8", what);
}

static void
check_listen(const Listen *l)
{
	FUZZ_CHECK(l->played_at >= LISTEN_TS_MIN && l->played_at <= LISTEN_TS_MAX,
			   "played_at %lld", (long long) l->played_at);
	check_text(l->track, true, "track");
	check_text(l->artist, true, "artist");
	check_text(l->album, false, "album");
	check_text(l->url, false, "url");
	FUZZ_CHECK(l->recording_mbid[0] == '\0' || is_uuid(l->recording_mbid), "recording mbid");
	FUZZ_CHECK(l->release_mbid[0] == '\0' || is_uuid(l->release_mbid), "release mbid");
	FUZZ_CHECK(l->recording_msid[0] == '\0' || is_uuid(l->recording_msid), "recording msid");
	if (l->artist_mbids)
	{
		const char *p = l->artist_mbids;
		int			n = 0;

		for (;;)
		{
			char		one[LISTEN_MBID_LEN + 1];
			const char *comma = strchr(p, ',');
			size_t		len = comma ? (size_t) (comma - p) : strlen(p);

			FUZZ_CHECK(len == LISTEN_MBID_LEN, "an artist mbid of %zu bytes", len);
			memcpy(one, p, len);
			one[len] = '\0';
			FUZZ_CHECK(is_uuid(one), "artist mbid \"%s\"", one);
			n++;
			if (!comma)
				break;
			p = comma + 1;
		}
		FUZZ_CHECK(n >= 1 && n <= LISTEN_MAX_ARTIST_MBIDS, "%d artist mbids", n);
	}
}

static bool
page_empty(const ListenPage *p)
{
	ListenPage	e;

	memset(&e, 0, sizeof(e));
	e.latest_listen_ts = -1;
	e.oldest_listen_ts = -1;
	return memcmp(p, &e, sizeof(e)) == 0;
}

static void
fuzz_page(int which, const char *buf, size_t len)
{
	ListenPage	page;
	ListenPage	page2;
	ListenError err;
	ListenError err2;
	ListenErrorKind rc;
	ListenErrorKind rc2;
	size_t		i;

	memset(&page, 0x6B, sizeof(page));
	rc = which == 0 ? lastfm_parse_recent_tracks(buf, len, &page, &err)
		: listenbrainz_parse_listens(buf, len, &page, &err);
	FUZZ_CHECK_ERROR(rc, err);
	FUZZ_CHECK(listen_error_kind_name(rc) != NULL, "a kind without a name");
	if (rc == LISTEN_OK)
	{
		FUZZ_CHECK(err.message[0] == '\0', "success with an error message");
		FUZZ_CHECK((page.nlistens == 0) || page.listens != NULL, "listens missing");
		for (i = 0; i < page.nlistens; i++)
			check_listen(&page.listens[i]);
		if (page.user)
			FUZZ_CHECK(strlen(page.user) > 0 && strlen(page.user) <= 256, "user length");
		if (which == 0)
		{
			FUZZ_CHECK(page.page >= 1 && page.per_page >= 1 && page.per_page <= 1000 &&
					   page.total_pages >= 0 && page.total >= 0, "paging numbers");
			FUZZ_CHECK(page.nlistens + page.now_playing <= 1001, "too many tracks");
		}
		else
		{
			FUZZ_CHECK(page.count == (int64_t) page.nlistens, "count %lld, %zu listens",
					   (long long) page.count, page.nlistens);
			FUZZ_CHECK(page.latest_listen_ts >= -1 && page.oldest_listen_ts >= -1,
					   "listen ts");
		}
	}
	else
	{
		FUZZ_CHECK(err.path[0] == '$', "error path \"%s\"", err.path);
		FUZZ_CHECK(err.message[0] != '\0', "an error without a message");
		FUZZ_CHECK(page_empty(&page), "a failed parse left data in the page");
		FUZZ_CHECK(!fuzz_is_disagreement(err.message),
				   "json-c and the scanner disagree: %s at %s", err.message, err.path);
	}

	rc2 = which == 0 ? lastfm_parse_recent_tracks(buf, len, &page2, &err2)
		: listenbrainz_parse_listens(buf, len, &page2, &err2);
	FUZZ_CHECK(rc2 == rc && strcmp(err.message, err2.message) == 0 &&
			   page.nlistens == page2.nlistens && page.now_playing == page2.now_playing,
			   "a second parse gave a different result");
	for (i = 0; i < page.nlistens; i++)
		FUZZ_CHECK(page.listens[i].played_at == page2.listens[i].played_at &&
				   fuzz_streq(page.listens[i].track, page2.listens[i].track) &&
				   fuzz_streq(page.listens[i].artist_mbids, page2.listens[i].artist_mbids),
				   "a second parse gave a different listen %zu", i);
	listen_page_free(&page);
	listen_page_free(&page2);
	listen_page_free(&page2);
}

static void
fuzz_error(int which, const char *buf, size_t len)
{
	ListenApiError e;
	bool		found;

	memset(&e, 0x2F, sizeof(e));
	found = which == 2 ? lastfm_parse_error(buf, len, &e)
		: listenbrainz_parse_error(buf, len, &e);
	if (found)
	{
		FUZZ_CHECK(e.code > 0 && e.code < 100000, "code %d", e.code);
		if (e.message)
		{
			size_t		n = strlen(e.message);
			size_t		i;

			FUZZ_CHECK(n > 0 && n <= 200, "message of %zu bytes", n);
			for (i = 0; i < n; i++)
				FUZZ_CHECK((unsigned char) e.message[i] >= 0x20 && e.message[i] != 0x7f,
						   "message byte 0x%02x", (unsigned char) e.message[i]);
			FUZZ_CHECK(fuzz_valid_utf8_cstring(e.message, n + 1), "message is not valid UTF-8");
		}
	}
	else
		FUZZ_CHECK(e.code == 0 && e.message == NULL, "false with data left in the result");
	listen_api_error_free(&e);
	listen_api_error_free(&e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int			which;

	if (size < 1)
		return 0;
	which = data[0] & 3;
	if (which < 2)
		fuzz_page(which, (const char *) data + 1, size - 1);
	else
		fuzz_error(which, (const char *) data + 1, size - 1);
	return 0;
}
