/*-------------------------------------------------------------------------
 *
 * test_listen_parse.c
 *	  Unit tests for src/providers/listen_parse.c, the Last.fm and
 *	  ListenBrainz page parser.
 *
 * Build and run from the repository root:
 *
 *	  cc -std=gnu11 -Wall -Wextra -Werror -Isrc test/unit/test_listen_parse.c \
 *		  src/providers/listen_parse.c src/providers/json_*.c -ljson-c && ./a.out
 *
 * Every document is built inline.  Besides the checks of each member, two
 * loops feed every prefix of a valid page and every single-byte change of
 * it to the parsers, which must never crash and must say what is wrong
 * whenever they refuse (build with -fsanitize=address,undefined to check
 * memory too).
 *
 * The last line printed is "N passed, N failed"; the exit status is
 * non-zero when anything failed.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>

#include "providers/listen_parse.h"
#include "unit_test.h"

/* Pieces of Last.fm pages, as the API writes them. */
#define MBID_A "5C7D6D4E-8F3B-4A5E-9F1C-2B3A4D5E6F70"
#define MBID_A_LOWER "5c7d6d4e-8f3b-4a5e-9f1c-2b3a4d5e6f70"
#define MBID_B "0383dadf-2a4e-4d10-a46a-e9e041da8eb3"
#define MBID_C "f4fdbb4c-e4b7-47a0-b83b-d91bbfcfa387"

#define LF_ATTR(total, pages) "\"@attr\":{\"user\":\"RJ\",\"totalPages\":\"" pages "\",\"page\":\"1\",\"perPage\":\"200\",\"total\":\"" total "\"}"
#define LF_TRACK(uts, name) "{\"artist\":{\"mbid\":\"" MBID_A "\",\"#text\":\"Björk\"},\"streamable\":\"0\",\"image\":[{\"size\":\"small\",\"#text\":\"https://x/y.png\"}],\"mbid\":\"" MBID_B "\",\"album\":{\"mbid\":\"\",\"#text\":\"Homogenic\"},\"name\":\"" name "\",\"url\":\"https://www.last.fm/music/Bj%C3%B6rk/_/Joga\",\"date\":{\"uts\":\"" uts "\",\"#text\":\"01 Jun 2025, 10:00\"}}"
#define LF_NOW "{\"artist\":{\"mbid\":\"\",\"#text\":\"Now\"},\"mbid\":\"\",\"album\":{\"mbid\":\"\",\"#text\":\"\"},\"name\":\"Playing\",\"@attr\":{\"nowplaying\":\"true\"}}"
#define LF_PAGE(tracks, total, pages) "{\"recenttracks\":{\"track\":[" tracks "]," LF_ATTR(total, pages) "}}"
#define LF_ONE(track) "{\"recenttracks\":{\"track\":" track "," LF_ATTR("1", "1") "}}"

#define T1 "1748772000"
#define T2 "1748771000"

/* ListenBrainz. */
#define LB_LISTEN(at, extra) "{\"inserted_at\":1748772100,\"listened_at\":" at ",\"recording_msid\":\"" MBID_C "\",\"track_metadata\":{\"artist_name\":\"Sigur Rós\",\"track_name\":\"Hoppípolla\",\"release_name\":\"Takk...\"" extra "},\"user_name\":\"bob\"}"
#define LB_PAGE(count, listens) "{\"payload\":{\"count\":" count ",\"latest_listen_ts\":1748772000,\"oldest_listen_ts\":1500000000,\"listens\":[" listens "],\"user_id\":\"bob\"}}"


/* A page parser: lastfm_parse_recent_tracks() or listenbrainz_parse_listens(). */
typedef ListenErrorKind (*PageParser) (const char *buf, size_t len,
									   ListenPage *page, ListenError *err);

/*
 * Parse a page that must fail; check the kind, the path and a message
 * word, and that the page was left empty.  api names the parser in the
 * report.
 */
static void
page_fails(int line, const char *api, PageParser parse, const char *doc,
		   ListenErrorKind kind, const char *path, const char *word)
{
	ListenPage	page;
	ListenError err;
	ListenErrorKind rc = parse(doc, strlen(doc), &page, &err);
	char	   *what = sfmt("%s: kind %d (want %d), path %s (want %s), message %s (want %s)",
							api, (int) rc, (int) kind, err.path, path,
							err.message, word);

	check_impl(rc == kind && str_eq(err.path, path) &&
			   strstr(err.message, word) != NULL &&
			   page.nlistens == 0 && page.listens == NULL, line, what);
	free(what);
	listen_page_free(&page);
}

#define LASTFM_FAILS(doc, kind, path, word) \
	page_fails(__LINE__, "lastfm", lastfm_parse_recent_tracks, doc, kind, path, word)
#define LB_FAILS(doc, kind, path, word) \
	page_fails(__LINE__, "listenbrainz", listenbrainz_parse_listens, doc, kind, path, word)


/* ----------------------------------------------------------------------
 * Last.fm
 * ----------------------------------------------------------------------
 */

static void
test_lastfm_page(void)
{
	const char *doc = LF_PAGE(LF_NOW "," LF_TRACK(T1, "Jóga") "," LF_TRACK(T2, "Hunter"),
							  "2", "1");
	ListenPage	page;
	ListenError err;

	CHECK(lastfm_parse_recent_tracks(LIT(doc), &page, &err) == LISTEN_OK);
	CHECK(err.kind == LISTEN_OK);
	CHECK(page.nlistens == 2);
	CHECK(page.now_playing == 1);
	CHECK(str_eq(page.user, "RJ"));
	CHECK(page.page == 1 && page.per_page == 200 && page.total_pages == 1 && page.total == 2);
	CHECK(page.listens[0].played_at == INT64_C(1748772000));
	CHECK(page.listens[1].played_at == INT64_C(1748771000));
	CHECK(str_eq(page.listens[0].track, "Jóga"));
	CHECK(str_eq(page.listens[0].artist, "Björk"));
	CHECK(str_eq(page.listens[0].album, "Homogenic"));
	CHECK(str_eq(page.listens[0].artist_mbids, MBID_A_LOWER));
	CHECK(str_eq(page.listens[0].recording_mbid, MBID_B));
	CHECK(str_eq(page.listens[0].release_mbid, ""));
	CHECK(str_eq(page.listens[0].recording_msid, ""));
	CHECK(str_eq(page.listens[0].url, "https://www.last.fm/music/Bj%C3%B6rk/_/Joga"));
	listen_page_free(&page);
	CHECK(page.listens == NULL && page.nlistens == 0 && page.user == NULL);
	listen_page_free(&page);	/* again: harmless */
}

static void
test_lastfm_shapes(void)
{
	ListenPage	page;
	ListenError err;
	const char *one = LF_ONE(LF_TRACK(T1, "Bachelorette"));
	const char *one_now = "{\"recenttracks\":{\"track\":" LF_NOW "," LF_ATTR("0", "0") "}}";
	const char *empty = LF_PAGE("", "0", "0");
	const char *absent = "{\"recenttracks\":{" LF_ATTR("0", "0") "}}";
	const char *ext = LF_ONE("{\"artist\":{\"url\":\"u\",\"name\":\"Extended\",\"image\":[],\"mbid\":\"\"},\"loved\":\"0\",\"name\":\"T\",\"date\":{\"uts\":\"" T1 "\"}}");
	const char *no_album = LF_ONE("{\"artist\":{\"#text\":\"A\"},\"name\":\"T\",\"date\":{\"uts\":\"" T1 "\"}}");
	const char *not_playing = LF_ONE("{\"artist\":{\"#text\":\"A\"},\"name\":\"T\",\"@attr\":{\"nowplaying\":\"false\"},\"date\":{\"uts\":\"" T1 "\"}}");

	/* a page of one track gives it as an object */
	CHECK(lastfm_parse_recent_tracks(LIT(one), &page, &err) == LISTEN_OK);
	CHECK(page.nlistens == 1 && str_eq(page.listens[0].track, "Bachelorette"));
	listen_page_free(&page);

	/* ... which may be the track playing now */
	CHECK(lastfm_parse_recent_tracks(LIT(one_now), &page, &err) == LISTEN_OK);
	CHECK(page.nlistens == 0 && page.now_playing == 1);
	listen_page_free(&page);

	CHECK(lastfm_parse_recent_tracks(LIT(empty), &page, &err) == LISTEN_OK);
	CHECK(page.nlistens == 0 && page.total == 0);
	listen_page_free(&page);

	CHECK(lastfm_parse_recent_tracks(LIT(absent), &page, &err) == LISTEN_OK);
	CHECK(page.nlistens == 0);
	listen_page_free(&page);

	/* extended=1: the artist's name is in "name" */
	CHECK(lastfm_parse_recent_tracks(LIT(ext), &page, &err) == LISTEN_OK);
	CHECK(page.nlistens == 1 && str_eq(page.listens[0].artist, "Extended"));
	CHECK(page.listens[0].artist_mbids == NULL && page.listens[0].url == NULL);
	listen_page_free(&page);

	CHECK(lastfm_parse_recent_tracks(LIT(no_album), &page, &err) == LISTEN_OK);
	CHECK(page.nlistens == 1 && page.listens[0].album == NULL);
	listen_page_free(&page);

	CHECK(lastfm_parse_recent_tracks(LIT(not_playing), &page, &err) == LISTEN_OK);
	CHECK(page.nlistens == 1 && page.now_playing == 0);
	listen_page_free(&page);

	/* err may be NULL */
	CHECK(lastfm_parse_recent_tracks(LIT(one), &page, NULL) == LISTEN_OK);
	listen_page_free(&page);
	CHECK(lastfm_parse_recent_tracks(LIT("[]"), &page, NULL) == LISTEN_ERR_SHAPE);
}

static void
test_lastfm_errors(void)
{
	/* types: numbers where Last.fm sends strings */
	LASTFM_FAILS(LF_ONE("{\"artist\":{\"#text\":\"A\"},\"name\":\"T\",\"date\":{\"uts\":1748772000}}"),
				 LISTEN_ERR_TYPE, "$.recenttracks.track.date.uts", "json number");
	LASTFM_FAILS("{\"recenttracks\":{\"track\":[],\"@attr\":{\"user\":\"RJ\",\"totalPages\":\"0\",\"page\":1,\"perPage\":\"200\",\"total\":\"0\"}}}",
				 LISTEN_ERR_TYPE, "$.recenttracks[\"@attr\"].page", "json number");
	LASTFM_FAILS(LF_PAGE(LF_TRACK(T1, "A") "," LF_TRACK("17x", "B"), "2", "1"),
				 LISTEN_ERR_TYPE, "$.recenttracks.track[1].date.uts", "decimal integer");
	LASTFM_FAILS(LF_PAGE(LF_TRACK(T1, "A") "," LF_TRACK("-5", "B"), "2", "1"),
				 LISTEN_ERR_TYPE, "$.recenttracks.track[1].date.uts", "decimal integer");
	LASTFM_FAILS(LF_PAGE(LF_TRACK("0123", "A"), "1", "1"),
				 LISTEN_ERR_TYPE, "$.recenttracks.track[0].date.uts", "decimal integer");
	LASTFM_FAILS(LF_ONE("{\"artist\":{\"#text\":7},\"name\":\"T\",\"date\":{\"uts\":\"" T1 "\"}}"),
				 LISTEN_ERR_TYPE, "$.recenttracks.track.artist[\"#text\"]", "not a string");
	LASTFM_FAILS("{\"recenttracks\":{\"track\":\"x\"," LF_ATTR("1", "1") "}}",
				 LISTEN_ERR_TYPE, "$.recenttracks.track", "neither an array nor an object");
	LASTFM_FAILS(LF_PAGE("42", "1", "1"),
				 LISTEN_ERR_TYPE, "$.recenttracks.track[0]", "not an object");

	/* ranges */
	LASTFM_FAILS(LF_PAGE(LF_TRACK("99999999999", "A"), "1", "1"),
				 LISTEN_ERR_RANGE, "$.recenttracks.track[0].date.uts", "outside");
	LASTFM_FAILS(LF_PAGE(LF_TRACK("0", "A"), "1", "1"),
				 LISTEN_ERR_RANGE, "$.recenttracks.track[0].date.uts", "outside");
	LASTFM_FAILS("{\"recenttracks\":{\"track\":[],\"@attr\":{\"user\":\"RJ\",\"totalPages\":\"0\",\"page\":\"0\",\"perPage\":\"200\",\"total\":\"0\"}}}",
				 LISTEN_ERR_RANGE, "$.recenttracks[\"@attr\"].page", "outside 1..");
	LASTFM_FAILS("{\"recenttracks\":{\"track\":[],\"@attr\":{\"user\":\"RJ\",\"totalPages\":\"0\",\"page\":\"1\",\"perPage\":\"5000\",\"total\":\"0\"}}}",
				 LISTEN_ERR_RANGE, "$.recenttracks[\"@attr\"].perPage", "outside 1..1000");
	LASTFM_FAILS(LF_ONE("{\"artist\":{\"#text\":\"A\",\"mbid\":\"not-a-uuid\"},\"name\":\"T\",\"date\":{\"uts\":\"" T1 "\"}}"),
				 LISTEN_ERR_RANGE, "$.recenttracks.track.artist.mbid", "not a uuid");
	LASTFM_FAILS(LF_ONE("{\"artist\":{\"#text\":\"A\"},\"mbid\":\"5c7d6d4e-8f3b-4a5e-9f1c-2b3a4d5e6f7g\",\"name\":\"T\",\"date\":{\"uts\":\"" T1 "\"}}"),
				 LISTEN_ERR_RANGE, "$.recenttracks.track.mbid", "not a uuid");
	LASTFM_FAILS(LF_ONE("{\"artist\":{\"#text\":\"A\"},\"name\":\"T\",\"@attr\":{\"nowplaying\":\"yes\"},\"date\":{\"uts\":\"" T1 "\"}}"),
				 LISTEN_ERR_RANGE, "$.recenttracks.track[\"@attr\"].nowplaying", "neither");
	LASTFM_FAILS(LF_ONE("{\"artist\":{\"#text\":\"A\"},\"name\":\"Nul\\u0000in it\",\"date\":{\"uts\":\"" T1 "\"}}"),
				 LISTEN_ERR_RANGE, "$.recenttracks.track.name", "nul character");

	/* shapes */
	LASTFM_FAILS(LF_ONE("{\"name\":\"T\",\"date\":{\"uts\":\"" T1 "\"}}"),
				 LISTEN_ERR_SHAPE, "$.recenttracks.track.artist", "artist is missing");
	LASTFM_FAILS(LF_ONE("{\"artist\":null,\"name\":\"T\",\"date\":{\"uts\":\"" T1 "\"}}"),
				 LISTEN_ERR_SHAPE, "$.recenttracks.track.artist", "artist is null");
	LASTFM_FAILS(LF_ONE("{\"artist\":{\"#text\":\"\"},\"name\":\"T\",\"date\":{\"uts\":\"" T1 "\"}}"),
				 LISTEN_ERR_SHAPE, "$.recenttracks.track.artist[\"#text\"]", "is empty");
	LASTFM_FAILS(LF_ONE("{\"artist\":{\"mbid\":\"\"},\"name\":\"T\",\"date\":{\"uts\":\"" T1 "\"}}"),
				 LISTEN_ERR_SHAPE, "$.recenttracks.track.artist[\"#text\"]", "is missing");
	LASTFM_FAILS(LF_ONE("{\"artist\":{\"#text\":\"A\"},\"date\":{\"uts\":\"" T1 "\"}}"),
				 LISTEN_ERR_SHAPE, "$.recenttracks.track.name", "name is missing");
	LASTFM_FAILS(LF_PAGE(LF_TRACK(T1, "A") ",{\"artist\":{\"#text\":\"A\"},\"name\":\"No date\"}", "2", "1"),
				 LISTEN_ERR_SHAPE, "$.recenttracks.track[1].date", "date is missing");
	LASTFM_FAILS(LF_PAGE(LF_TRACK(T1, "A") ",{\"artist\":{\"#text\":\"A\"},\"name\":\"x\",\"date\":{}}", "2", "1"),
				 LISTEN_ERR_SHAPE, "$.recenttracks.track[1].date.uts", "uts is missing");
	LASTFM_FAILS("{\"recenttracks\":{" LF_ATTR("5", "1") "}}",
				 LISTEN_ERR_SHAPE, "$.recenttracks.track", "total is 5");
	LASTFM_FAILS("{\"recenttracks\":{\"track\":[]}}",
				 LISTEN_ERR_SHAPE, "$.recenttracks[\"@attr\"]", "is missing");
	LASTFM_FAILS("{\"error\":6,\"message\":\"User not found\"}",
				 LISTEN_ERR_SHAPE, "$.recenttracks", "recenttracks is missing");
	LASTFM_FAILS("[1,2]", LISTEN_ERR_SHAPE, "$", "an array");
	LASTFM_FAILS("null", LISTEN_ERR_SHAPE, "$", "null");

	/* too long */
	{
		char	   *name = malloc(LISTEN_TEXT_MAX + 2);
		char	   *doc;

		memset(name, 'x', LISTEN_TEXT_MAX + 1);
		name[LISTEN_TEXT_MAX + 1] = '\0';
		doc = sfmt(LF_ONE("{\"artist\":{\"#text\":\"A\"},\"name\":\"%s\",\"date\":{\"uts\":\"" T1 "\"}}"), name);
		LASTFM_FAILS(doc, LISTEN_ERR_RANGE, "$.recenttracks.track.name", "longer than 4096");
		free(doc);
		name[LISTEN_TEXT_MAX] = '\0';
		doc = sfmt(LF_ONE("{\"artist\":{\"#text\":\"A\"},\"name\":\"%s\",\"date\":{\"uts\":\"" T1 "\"}}"), name);
		{
			ListenPage	page;

			CHECK(lastfm_parse_recent_tracks(LIT(doc), &page, NULL) == LISTEN_OK);
			CHECK(page.nlistens == 1 && strlen(page.listens[0].track) == LISTEN_TEXT_MAX);
			listen_page_free(&page);
		}
		free(doc);
		free(name);
	}
}

static void
test_not_json(void)
{
	LASTFM_FAILS("<html><body>busy</body></html>", LISTEN_ERR_NOT_JSON, "$", "byte offset 0");
	LASTFM_FAILS("", LISTEN_ERR_NOT_JSON, "$", "end of input");
	LASTFM_FAILS("{\"recenttracks\":{\"track\":[", LISTEN_ERR_NOT_JSON, "$", "end of input");
	LASTFM_FAILS("{\"a\":NaN}", LISTEN_ERR_NOT_JSON, "$", "byte offset 5");
	LASTFM_FAILS("{\"a\":1.}", LISTEN_ERR_NOT_JSON, "$", "invalid number");
	LASTFM_FAILS("{\"a\":1} x", LISTEN_ERR_NOT_JSON, "$", "trailing data");
	LASTFM_FAILS("{\"a\":\"\\ud800\"}", LISTEN_ERR_NOT_JSON, "$", "surrogate");
	LASTFM_FAILS("{\"a\":\"\xc3\x28\"}", LISTEN_ERR_NOT_JSON, "$", "utf-8");
	LASTFM_FAILS("{\"a\":\"tab\there\"}", LISTEN_ERR_NOT_JSON, "$", "control character");
	LASTFM_FAILS("{\"a\" 1}", LISTEN_ERR_NOT_JSON, "$", "expected ':'");
	LASTFM_FAILS("{1:2}", LISTEN_ERR_NOT_JSON, "$", "member name");
	LASTFM_FAILS("{\"a\":tru}", LISTEN_ERR_NOT_JSON, "$", "invalid literal");
	LB_FAILS("{\"payload\":{\"count\":0,\"listens\":[],}}", LISTEN_ERR_NOT_JSON, "$", "member name");

	/* nesting */
	{
		char		deep[300];
		int			i;

		for (i = 0; i < 100; i++)
			deep[i] = '[';
		for (i = 100; i < 200; i++)
			deep[i] = ']';
		deep[200] = '\0';
		LASTFM_FAILS(deep, LISTEN_ERR_SHAPE, "$", "nested deeper");
	}

	/* a byte order mark is allowed */
	{
		ListenPage	page;

		CHECK(lastfm_parse_recent_tracks(LIT("\xef\xbb\xbf" LF_PAGE("", "0", "0")), &page, NULL) == LISTEN_OK);
		listen_page_free(&page);
	}
}


/* ----------------------------------------------------------------------
 * ListenBrainz
 * ----------------------------------------------------------------------
 */

static void
test_listenbrainz_page(void)
{
	const char *doc = LB_PAGE("3",
							  LB_LISTEN("1748772000", ",\"additional_info\":{\"recording_mbid\":\"" MBID_B "\",\"artist_mbids\":[\"" MBID_A "\",\"" MBID_C "\"],\"release_mbid\":null},\"mbid_mapping\":{\"recording_mbid\":\"" MBID_C "\",\"release_mbid\":\"" MBID_A "\",\"artist_mbids\":[]}") ","
							  LB_LISTEN("1748771000", ",\"additional_info\":null,\"mbid_mapping\":null") ","
							  "{\"listened_at\":1748770000,\"track_metadata\":{\"artist_name\":\"A\",\"track_name\":\"T\",\"release_name\":null}}");
	ListenPage	page;
	ListenError err;

	CHECK(listenbrainz_parse_listens(LIT(doc), &page, &err) == LISTEN_OK);
	CHECK(page.nlistens == 3 && page.count == 3);
	CHECK(str_eq(page.user, "bob"));
	CHECK(page.latest_listen_ts == INT64_C(1748772000));
	CHECK(page.oldest_listen_ts == INT64_C(1500000000));
	CHECK(page.listens[0].played_at == INT64_C(1748772000));
	CHECK(str_eq(page.listens[0].artist, "Sigur Rós"));
	CHECK(str_eq(page.listens[0].track, "Hoppípolla"));
	CHECK(str_eq(page.listens[0].album, "Takk..."));
	/* ListenBrainz's mapping wins over what the submitter sent */
	CHECK(str_eq(page.listens[0].recording_mbid, MBID_C));
	CHECK(str_eq(page.listens[0].release_mbid, MBID_A_LOWER));
	/* an empty mapping list leaves the submitter's */
	CHECK(str_eq(page.listens[0].artist_mbids, MBID_A_LOWER "," MBID_C));
	CHECK(str_eq(page.listens[0].recording_msid, MBID_C));
	CHECK(page.listens[1].artist_mbids == NULL && page.listens[1].recording_mbid[0] == '\0');
	CHECK(page.listens[2].album == NULL && page.listens[2].recording_msid[0] == '\0');
	CHECK(page.listens[0].url == NULL);
	listen_page_free(&page);

	CHECK(listenbrainz_parse_listens(LIT("{\"payload\":{\"count\":0,\"listens\":[],\"latest_listen_ts\":null}}"), &page, &err) == LISTEN_OK);
	CHECK(page.nlistens == 0 && page.latest_listen_ts == -1 && page.user == NULL);
	listen_page_free(&page);
}

static void
test_listenbrainz_errors(void)
{
	LB_FAILS(LB_PAGE("1", LB_LISTEN("\"1748772000\"", "")),
			 LISTEN_ERR_TYPE, "$.payload.listens[0].listened_at", "not an integer");
	LB_FAILS(LB_PAGE("1", LB_LISTEN("1748772000.5", "")),
			 LISTEN_ERR_TYPE, "$.payload.listens[0].listened_at", "not an integer");
	LB_FAILS(LB_PAGE("1", LB_LISTEN("99999999999", "")),
			 LISTEN_ERR_RANGE, "$.payload.listens[0].listened_at", "outside");
	LB_FAILS(LB_PAGE("1", LB_LISTEN("-1", "")),
			 LISTEN_ERR_RANGE, "$.payload.listens[0].listened_at", "outside");
	LB_FAILS(LB_PAGE("2", LB_LISTEN("1748772000", "")),
			 LISTEN_ERR_RANGE, "$.payload.count", "does not match");
	LB_FAILS(LB_PAGE("1001", ""), LISTEN_ERR_RANGE, "$.payload.count", "outside 0..1000");
	LB_FAILS(LB_PAGE("1", "{\"listened_at\":1748772000,\"track_metadata\":{\"track_name\":\"T\"}}"),
			 LISTEN_ERR_SHAPE, "$.payload.listens[0].track_metadata.artist_name", "is missing");
	LB_FAILS(LB_PAGE("1", "{\"listened_at\":1748772000,\"track_metadata\":{\"artist_name\":\"A\",\"track_name\":\"\"}}"),
			 LISTEN_ERR_SHAPE, "$.payload.listens[0].track_metadata.track_name", "is empty");
	LB_FAILS(LB_PAGE("1", "{\"listened_at\":1748772000}"),
			 LISTEN_ERR_SHAPE, "$.payload.listens[0].track_metadata", "is missing");
	LB_FAILS(LB_PAGE("1", "null"),
			 LISTEN_ERR_TYPE, "$.payload.listens[0]", "not an object");
	LB_FAILS(LB_PAGE("1", LB_LISTEN("1748772000", ",\"additional_info\":{\"artist_mbids\":[\"x\"]}")),
			 LISTEN_ERR_RANGE, "$.payload.listens[0].track_metadata.additional_info.artist_mbids[0]", "not a uuid");
	LB_FAILS(LB_PAGE("1", LB_LISTEN("1748772000", ",\"additional_info\":{\"artist_mbids\":[\"\"]}")),
			 LISTEN_ERR_RANGE, "$.payload.listens[0].track_metadata.additional_info.artist_mbids[0]", "not a uuid");
	LB_FAILS(LB_PAGE("1", LB_LISTEN("1748772000", ",\"additional_info\":{\"artist_mbids\":\"" MBID_A "\"}")),
			 LISTEN_ERR_TYPE, "$.payload.listens[0].track_metadata.additional_info.artist_mbids", "not an array");
	LB_FAILS(LB_PAGE("1", LB_LISTEN("1748772000", ",\"mbid_mapping\":[]")),
			 LISTEN_ERR_TYPE, "$.payload.listens[0].track_metadata.mbid_mapping", "not an object");
	LB_FAILS(LB_PAGE("1", LB_LISTEN("1748772000", ",\"release_name\":5")),
			 LISTEN_ERR_TYPE, "$.payload.listens[0].track_metadata.release_name", "not a string");
	LB_FAILS("{\"payload\":{\"count\":0,\"listens\":{}}}",
			 LISTEN_ERR_TYPE, "$.payload.listens", "not an array");
	LB_FAILS("{\"payload\":{\"count\":0}}", LISTEN_ERR_SHAPE, "$.payload.listens", "is missing");
	LB_FAILS("{\"code\":404,\"error\":\"Cannot find user: x\"}",
			 LISTEN_ERR_SHAPE, "$.payload", "payload is missing");
	LB_FAILS("{\"payload\":{\"count\":0,\"listens\":[],\"latest_listen_ts\":\"1\"}}",
			 LISTEN_ERR_TYPE, "$.payload.latest_listen_ts", "not an integer");

	/* too many artist MBIDs */
	{
		char		list[64 * 40];
		char	   *doc;
		size_t		n = 0;
		int			i;

		for (i = 0; i < LISTEN_MAX_ARTIST_MBIDS + 1; i++)
			n += (size_t) snprintf(list + n, sizeof(list) - n, "%s\"%s\"", i ? "," : "", MBID_A);
		doc = sfmt(LB_PAGE("1", LB_LISTEN("1748772000", ",\"additional_info\":{\"artist_mbids\":[%s]}")), list);
		LB_FAILS(doc, LISTEN_ERR_RANGE, "$.payload.listens[0].track_metadata.additional_info.artist_mbids", "more than 32");
		free(doc);
	}
}


/* ----------------------------------------------------------------------
 * Error answers
 * ----------------------------------------------------------------------
 */

static void
test_api_errors(void)
{
	ListenApiError e;
	char		long_message[600];
	char	   *doc;

	CHECK(lastfm_parse_error(LIT("{\"message\":\"Rate Limit Exceeded\",\"error\":29}"), &e));
	CHECK(e.code == 29 && str_eq(e.message, "Rate Limit Exceeded"));
	listen_api_error_free(&e);
	listen_api_error_free(&e);

	CHECK(lastfm_parse_error(LIT("{\"error\":6}"), &e));
	CHECK(e.code == 6 && e.message == NULL);
	listen_api_error_free(&e);

	CHECK(!lastfm_parse_error(LIT(LF_PAGE("", "0", "0")), &e));
	CHECK(e.code == 0 && e.message == NULL);
	CHECK(!lastfm_parse_error(LIT("{\"error\":\"29\"}"), &e));
	CHECK(!lastfm_parse_error(LIT("{\"error\":-1}"), &e));
	CHECK(!lastfm_parse_error(LIT("<html>"), &e));
	CHECK(!lastfm_parse_error(NULL, 0, &e));

	/* control characters become spaces, long messages are cut */
	CHECK(lastfm_parse_error(LIT("{\"error\":8,\"message\":\"line\\nbreak\"}"), &e));
	CHECK(str_eq(e.message, "line break"));
	listen_api_error_free(&e);
	CHECK(listenbrainz_parse_error(LIT("{\"code\":404,\"error\":\"\\u0000y\"}"), &e));
	CHECK(str_eq(e.message, " y"));
	listen_api_error_free(&e);
	memset(long_message, 'm', sizeof(long_message) - 1);
	long_message[sizeof(long_message) - 1] = '\0';
	doc = sfmt("{\"error\":16,\"message\":\"%s\"}", long_message);
	CHECK(lastfm_parse_error(LIT(doc), &e));
	CHECK(e.message != NULL && strlen(e.message) == 200);
	listen_api_error_free(&e);
	free(doc);

	CHECK(listenbrainz_parse_error(LIT("{\"code\":404,\"error\":\"Cannot find user: x\"}"), &e));
	CHECK(e.code == 404 && str_eq(e.message, "Cannot find user: x"));
	listen_api_error_free(&e);
	CHECK(!listenbrainz_parse_error(LIT(LB_PAGE("0", "")), &e));

	CHECK(str_eq(listen_error_kind_name(LISTEN_ERR_NOT_JSON), "not JSON"));
	CHECK(str_eq(listen_error_kind_name(LISTEN_ERR_RANGE), "out of range"));
}


/* ----------------------------------------------------------------------
 * Robustness
 * ----------------------------------------------------------------------
 */

/*
 * Feed every prefix of doc, and doc with each byte replaced by a few
 * others, to parse: a refusal must name a path and a reason, and a
 * success must hold sane listens.
 */
static void
mangle(PageParser parse, const char *doc)
{
	static const char replacements[] = {'"', '{', ']', '0', '\0', '\\', (char) 0xff};
	size_t		len = strlen(doc);
	char	   *buf = malloc(len + 1);
	size_t		i;
	size_t		r;
	int			bad = 0;

	for (i = 0; i < len; i++)
	{
		ListenPage	page;
		ListenError err;
		ListenErrorKind rc = parse(doc, i, &page, &err);

		if (rc == LISTEN_OK || err.path[0] != '$' || err.message[0] == '\0' ||
			page.listens != NULL)
			bad++;
		listen_page_free(&page);
	}
	for (i = 0; i < len; i++)
	{
		for (r = 0; r < sizeof(replacements); r++)
		{
			ListenPage	page;
			ListenError err;
			ListenErrorKind rc;
			size_t		j;

			memcpy(buf, doc, len + 1);
			buf[i] = replacements[r];
			rc = parse(buf, len, &page, &err);
			if (rc != LISTEN_OK && (err.path[0] != '$' || err.message[0] == '\0'))
				bad++;
			for (j = 0; rc == LISTEN_OK && j < page.nlistens; j++)
			{
				Listen	   *l = &page.listens[j];

				if (l->track == NULL || l->track[0] == '\0' || l->artist == NULL ||
					l->artist[0] == '\0' || l->played_at < LISTEN_TS_MIN ||
					l->played_at > LISTEN_TS_MAX)
					bad++;
			}
			listen_page_free(&page);
		}
	}
	CHECK(bad == 0);
	free(buf);
}

static void
test_mangled(void)
{
	mangle(lastfm_parse_recent_tracks,
		   LF_PAGE(LF_NOW "," LF_TRACK(T1, "Jóga") "," LF_TRACK(T2, "Hunter"), "2", "1"));
	mangle(lastfm_parse_recent_tracks, LF_ONE(LF_TRACK(T1, "One")));
	mangle(listenbrainz_parse_listens,
		   LB_PAGE("2", LB_LISTEN("1748772000", ",\"additional_info\":{\"artist_mbids\":[\"" MBID_A "\"]}") ","
				   LB_LISTEN("1748771000", ",\"mbid_mapping\":{\"recording_mbid\":\"" MBID_B "\"}")));
}

int
main(void)
{
	test_lastfm_page();
	test_lastfm_shapes();
	test_lastfm_errors();
	test_not_json();
	test_listenbrainz_page();
	test_listenbrainz_errors();
	test_api_errors();
	test_mangled();

	return unit_report();
}
