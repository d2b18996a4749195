/*-------------------------------------------------------------------------
 *
 * listen_parse.h
 *	  Parse and validate music-listening pages: Last.fm's
 *	  user.getRecentTracks and ListenBrainz's /1/user/{name}/listens.
 *
 * Plain C over json-c with no PostgreSQL dependency, so that it can be
 * fuzzed outside the server (as gh_parse.c and fitbit_parse.c).  Every
 * member Tracker uses is checked for presence, type and range before
 * anything reaches a table; unknown members are ignored.  All memory is
 * malloc'd and owned by the result; the *_free functions release it on
 * every path and may be called again.  Errors come back in a ListenError
 * with the JSON path of the offending member, such as
 * $.recenttracks.track[3].date.uts.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TRACKER_LISTEN_PARSE_H
#define TRACKER_LISTEN_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ListenErrorKind
{
	LISTEN_OK = 0,
	LISTEN_ERR_NOT_JSON,
	LISTEN_ERR_SHAPE,			/* missing member or wrong structure */
	LISTEN_ERR_TYPE,
	LISTEN_ERR_RANGE,
	LISTEN_ERR_NOMEM
} ListenErrorKind;

typedef struct ListenError
{
	ListenErrorKind kind;
	char		path[256];		/* e.g. $.payload.listens[3].listened_at */
	char		message[256];	/* lower case, no trailing period */
} ListenError;

/* A MusicBrainz identifier: a UUID in its 36-character text form. */
#define LISTEN_MBID_LEN 36

/* Instants accepted, in Unix seconds: after 1970-01-01, before 2100. */
#define LISTEN_TS_MIN INT64_C(1)
#define LISTEN_TS_MAX INT64_C(4102444800)

/* Longest artist, track, album or URL kept, in bytes. */
#define LISTEN_TEXT_MAX 4096

/* Most artist MBIDs kept for one listen. */
#define LISTEN_MAX_ARTIST_MBIDS 32

/* One listen (a Last.fm scrobble or a ListenBrainz listen). */
typedef struct Listen
{
	int64_t		played_at;		/* Unix seconds */
	char	   *track;			/* never NULL or empty */
	char	   *artist;			/* never NULL or empty */
	char	   *album;			/* NULL when absent or empty */
	char	   *url;			/* Last.fm track page; NULL when absent */
	char	   *artist_mbids;	/* comma-separated, lower case; NULL when none */
	char		recording_mbid[LISTEN_MBID_LEN + 1];	/* "" when absent */
	char		release_mbid[LISTEN_MBID_LEN + 1];	/* "" when absent */
	char		recording_msid[LISTEN_MBID_LEN + 1];	/* ListenBrainz; "" */
} Listen;

/* One page of listens, in the order the API sent them (newest first). */
typedef struct ListenPage
{
	size_t		nlistens;
	Listen	   *listens;
	size_t		now_playing;	/* Last.fm items skipped as "now playing" */

	/* Last.fm: recenttracks["@attr"] */
	char	   *user;			/* as the API spells it; NULL for ListenBrainz
								 * pages without user_id */
	int64_t		page;
	int64_t		per_page;
	int64_t		total_pages;
	int64_t		total;

	/* ListenBrainz: payload */
	int64_t		count;			/* listens in the page, as the API counted */
	int64_t		latest_listen_ts;	/* -1 when absent */
	int64_t		oldest_listen_ts;	/* -1 when absent */
} ListenPage;

/* An error answer: Last.fm {"error": N, "message": ...}, ListenBrainz {"code", "error"}. */
typedef struct ListenApiError
{
	int			code;
	char	   *message;		/* printable, at most 200 bytes; may be NULL */
} ListenApiError;

/* Last.fm error codes Tracker tells apart. */
#define LASTFM_ERR_INVALID_PARAMETERS 6 /* also "User not found" */
#define LASTFM_ERR_OPERATION_FAILED 8
#define LASTFM_ERR_INVALID_API_KEY 10
#define LASTFM_ERR_SERVICE_OFFLINE 11
#define LASTFM_ERR_TEMPORARY 16
#define LASTFM_ERR_LOGIN_REQUIRED 17	/* private listening history */
#define LASTFM_ERR_SUSPENDED_API_KEY 26
#define LASTFM_ERR_RATE_LIMIT 29

extern ListenErrorKind lastfm_parse_recent_tracks(const char *buf, size_t len,
												  ListenPage *page,
												  ListenError *err);
extern ListenErrorKind listenbrainz_parse_listens(const char *buf, size_t len,
												  ListenPage *page,
												  ListenError *err);
extern void listen_page_free(ListenPage *page);

/* Best effort: false when buf is not an error answer of that API. */
extern bool lastfm_parse_error(const char *buf, size_t len,
							   ListenApiError *out);
extern bool listenbrainz_parse_error(const char *buf, size_t len,
									 ListenApiError *out);
extern void listen_api_error_free(ListenApiError *e);

extern const char *listen_error_kind_name(ListenErrorKind kind);

#endif							/* TRACKER_LISTEN_PARSE_H */
