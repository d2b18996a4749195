/* src/schema/listening.sql: part of the tracker install script (see SCHEMA_PARTS in the Makefile) */

------------------------------------------------------------------------------
-- Listening: Last.fm scrobbles and ListenBrainz listens
------------------------------------------------------------------------------

/*
 * Two providers of the kind 'listening' (src/providers/lastfm.c and
 * listenbrainz.c).  An account names the person's user name at the
 * service; Last.fm also needs an API key, one for all accounts
 * (tracker.set_api_key()); ListenBrainz listens are public.  Windows are
 * 30 local days, as the providers' window_days() say.
 */
INSERT INTO tracker.provider VALUES
	('lastfm', 'listening', 'Last.fm scrobbles (user.getRecentTracks; an API key and the user name)'),
	('listenbrainz', 'listening', 'ListenBrainz listens (public; the user name)');

INSERT INTO tracker.provider_data_type VALUES
	('lastfm', 'scrobbles', 1, 30),
	('listenbrainz', 'listens', 1, 30);

/*
 * API keys of providers that identify the caller with one (Last.fm).  A
 * secret like the OAuth client: only the extension owner can read it, it is
 * left out of pg_dump's extension data, and Tracker never writes it into a
 * message, a log line, bronze or the sync log (requests are shown with
 * api_key=[hidden]).
 */
CREATE TABLE tracker.api_key (
	provider text PRIMARY KEY REFERENCES tracker.provider,
	api_key text NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now()
);

REVOKE ALL ON tracker.api_key FROM PUBLIC;

COMMENT ON TABLE tracker.api_key IS
	'API keys of providers (Last.fm); readable only by the extension owner';

------------------------------------------------------------------------------
-- silver and gold
------------------------------------------------------------------------------

/*
 * What makes a listen one listen, as its provider sees it: for ListenBrainz
 * the recording_msid it gave the listen (with the time, in the table's
 * key); for Last.fm, and for a ListenBrainz listen without an msid, the
 * artist, track and album.  Two listens in one second that differ in any
 * of these are two listens; a listen read twice (pages shift while
 * scrobbles arrive) is one.  The key is a digest, so that long names fit
 * in the index; each part is prefixed with its length, so that no two
 * different listens give the same text to digest.
 */
CREATE FUNCTION tracker.listen_key(source text, artist text, track text, album text,
								   recording_msid uuid)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE
		WHEN source = 'listenbrainz' AND recording_msid IS NOT NULL
			THEN 'msid:' || recording_msid::text
		ELSE 'md5:' || pg_catalog.md5(
			pg_catalog.length(artist)::text || ':' || artist || '/' ||
			pg_catalog.length(track)::text || ':' || track || '/' ||
			coalesce(pg_catalog.length(album)::text || ':' || album, '-'))
	END
$$;

COMMENT ON FUNCTION tracker.listen_key(text, text, text, text, uuid) IS
	'The key of a listen within its second: ListenBrainz''s recording_msid, else a digest of artist, track and album';

/*
 * One row per listen, keyed by (account, played_at, listen_key): see
 * tracker.listen_key().
 */
CREATE TABLE silver.listen (
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	played_at timestamptz NOT NULL,
	track text NOT NULL CHECK (track <> ''),
	artist text NOT NULL CHECK (artist <> ''),
	album text CHECK (album <> ''),
	day date NOT NULL,			-- local day of played_at in the account's time zone
	recording_mbid uuid,		-- MusicBrainz ids, when the service knows them
	release_mbid uuid,
	artist_mbids uuid[],
	recording_msid uuid,		-- ListenBrainz's id of the submitted recording
	url text,					-- Last.fm's page of the track
	source text NOT NULL,		-- the provider
	payload_id bigint,			-- the bronze.payload it was read from
	updated_at timestamptz NOT NULL DEFAULT now(),
	listen_key text NOT NULL
		GENERATED ALWAYS AS (tracker.listen_key(source, artist, track, album, recording_msid)) STORED,
	PRIMARY KEY (account_id, played_at, listen_key)
);

CREATE INDEX listen_day ON silver.listen (account_id, day);

COMMENT ON TABLE silver.listen IS
	'Listens (Last.fm scrobbles, ListenBrainz listens), one row per listen as its provider counts them';

-- Daily listening figures by the account's local day, recomputed with every write.
CREATE TABLE gold.listening_daily (
	account_id integer NOT NULL REFERENCES tracker.account ON DELETE CASCADE,
	day date NOT NULL,
	listens integer NOT NULL CHECK (listens > 0),
	artists integer NOT NULL CHECK (artists > 0),	-- distinct artists
	tracks integer NOT NULL CHECK (tracks > 0),	-- distinct (artist, track)
	hours integer[] NOT NULL CHECK (cardinality(hours) = 24),	-- listens per local clock hour 0..23
	first_at timestamptz NOT NULL,
	last_at timestamptz NOT NULL,
	computed_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, day)
);

COMMENT ON TABLE gold.listening_daily IS
	'Listens, distinct artists and tracks, and listens per hour of each local day';

SELECT pg_catalog.pg_extension_config_dump('silver.listen', '');
SELECT pg_catalog.pg_extension_config_dump('gold.listening_daily', '');

/*
 * Recompute the figures of some local days of an account from silver.
 * Rows whose figures did not change are left alone, so syncing the same
 * listens again changes nothing.  Returns the days written or removed.
 */
CREATE FUNCTION tracker.listening_recompute_days(account integer, days date[])
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	tz text;
	n integer;
BEGIN
	SELECT a.time_zone INTO tz FROM tracker.account a
	WHERE a.account_id = listening_recompute_days.account;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'account % does not exist', account USING ERRCODE = 'no_data_found';
	END IF;
	-- the account's write lock (TRACKER_LOCK_WRITE in store.h): one writer
	-- of its days at a time
	PERFORM pg_catalog.pg_advisory_xact_lock(1414679300, account);

	WITH l AS (
		SELECT s.day, s.played_at, s.artist, s.track,
			   extract(hour FROM s.played_at AT TIME ZONE tz)::integer AS hour
		FROM silver.listen s
		WHERE s.account_id = listening_recompute_days.account
		  AND s.day = ANY (listening_recompute_days.days)),
	f AS (
		SELECT l.day, count(*)::integer AS listens,
			   count(DISTINCT l.artist)::integer AS artists,
			   count(DISTINCT (l.artist, l.track))::integer AS tracks,
			   min(l.played_at) AS first_at, max(l.played_at) AS last_at,
			   array_agg(l.hour) AS hour_list
		FROM l GROUP BY l.day),
	up AS (
		INSERT INTO gold.listening_daily AS g
			(account_id, day, listens, artists, tracks, hours, first_at, last_at)
		SELECT listening_recompute_days.account, f.day, f.listens, f.artists, f.tracks,
			   ARRAY(SELECT count(*) FILTER (WHERE x = h)::integer
					 FROM generate_series(0, 23) h
						  LEFT JOIN unnest(f.hour_list) x ON x = h
					 GROUP BY h ORDER BY h),
			   f.first_at, f.last_at
		FROM f
		ON CONFLICT (account_id, day) DO UPDATE
			SET listens = excluded.listens, artists = excluded.artists,
				tracks = excluded.tracks, hours = excluded.hours,
				first_at = excluded.first_at, last_at = excluded.last_at,
				computed_at = excluded.computed_at
			WHERE (g.listens, g.artists, g.tracks, g.hours, g.first_at, g.last_at)
				IS DISTINCT FROM (excluded.listens, excluded.artists, excluded.tracks,
								  excluded.hours, excluded.first_at, excluded.last_at)
		RETURNING 1),
	gone AS (
		DELETE FROM gold.listening_daily g
		WHERE g.account_id = listening_recompute_days.account
		  AND g.day = ANY (listening_recompute_days.days)
		  AND NOT EXISTS (SELECT 1 FROM f WHERE f.day = g.day)
		RETURNING 1)
	SELECT (SELECT count(*) FROM up) + (SELECT count(*) FROM gone) INTO n;
	RETURN n;
END
$$;

COMMENT ON FUNCTION tracker.listening_recompute_days(integer, date[]) IS
	'Recompute gold.listening_daily for some local days of an account; returns the days written or removed';

CREATE FUNCTION tracker.recompute_listening(account integer, days daterange DEFAULT NULL)
RETURNS integer
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT tracker.listening_recompute_days($1, ARRAY(
		SELECT s.day FROM silver.listen s
		WHERE s.account_id = $1 AND ($2 IS NULL OR s.day <@ $2)
		UNION
		SELECT g.day FROM gold.listening_daily g
		WHERE g.account_id = $1 AND ($2 IS NULL OR g.day <@ $2)))
$$;

COMMENT ON FUNCTION tracker.recompute_listening(integer, daterange) IS
	'Recompute the listening figures of an account (all days, or a range) from silver; returns the days written';

------------------------------------------------------------------------------
-- Accounts: user names, the API key, connection state
------------------------------------------------------------------------------

/*
 * The state a listening account gets when it is created or its user name
 * or key is set: connected, unless it needs an API key that is not set.
 */
CREATE FUNCTION tracker.listening_connect(account integer)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p text;
BEGIN
	SELECT a.provider INTO p FROM tracker.account a WHERE a.account_id = listening_connect.account;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'account % does not exist', coalesce(account::text, '<NULL>')
			USING ERRCODE = 'no_data_found';
	END IF;
	IF p = 'lastfm' AND NOT EXISTS (SELECT 1 FROM tracker.api_key k WHERE k.provider = 'lastfm') THEN
		PERFORM tracker.set_account_state(account, 'not_connected',
			'no Last.fm API key is set; call tracker.set_api_key(''lastfm'', ...)');
		RETURN 'not_connected';
	END IF;
	PERFORM tracker.set_account_state(account, 'connected', NULL);
	RETURN 'connected';
END
$$;

-- A listening account needs its user name at the service, in a form the service accepts.
CREATE FUNCTION tracker.listening_account_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM tracker.provider p
				   WHERE p.provider = NEW.provider AND p.kind = 'listening') THEN
		RETURN NEW;
	END IF;
	IF NEW.username IS NULL OR NEW.username = '' THEN
		RAISE EXCEPTION 'a % account needs a user name', NEW.provider
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = format('Pass the user name at %s, e.g. tracker.add_account(name => ''me'', time_zone => ''Europe/Berlin'', provider => %L, username => ''rj'').',
								CASE NEW.provider WHEN 'lastfm' THEN 'Last.fm' ELSE 'ListenBrainz' END,
								NEW.provider);
	END IF;
	IF NEW.provider = 'lastfm' AND NEW.username !~ '^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$' THEN
		RAISE EXCEPTION 'user name "%" is not a Last.fm user name', NEW.username
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'Last.fm user names are 2 to 64 letters, digits, "-", "_" or ".", starting with a letter or digit.';
	END IF;
	IF NEW.provider = 'listenbrainz' AND
		(length(NEW.username) > 255 OR NEW.username ~ '[[:cntrl:]]' OR NEW.username <> btrim(NEW.username)) THEN
		RAISE EXCEPTION 'user name "%" is not a ListenBrainz user name', NEW.username
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'ListenBrainz user names are at most 255 characters, with no control characters and no leading or trailing spaces.';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER listening_account_check
	BEFORE INSERT OR UPDATE OF provider, username ON tracker.account
	FOR EACH ROW EXECUTE FUNCTION tracker.listening_account_check();

-- A new listening account, or one whose user name changed, is ready to sync.
CREATE FUNCTION tracker.listening_account_connect()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM tracker.provider p
			   WHERE p.provider = NEW.provider AND p.kind = 'listening') AND
		(TG_OP = 'INSERT' OR NEW.username IS DISTINCT FROM OLD.username OR
		 NEW.provider IS DISTINCT FROM OLD.provider) THEN
		PERFORM tracker.listening_connect(NEW.account_id);
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER listening_account_connect
	AFTER INSERT OR UPDATE OF provider, username ON tracker.account
	FOR EACH ROW EXECUTE FUNCTION tracker.listening_account_connect();

CREATE FUNCTION tracker.set_api_key(provider text, api_key text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM tracker.require_provider(provider);
	IF provider <> 'lastfm' THEN
		RAISE EXCEPTION 'provider "%" does not use an API key', provider
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = CASE provider
							 WHEN 'listenbrainz' THEN 'ListenBrainz listens are public: an account needs only the user name.'
							 WHEN 'google_health' THEN 'Google Health uses OAuth: see tracker.set_oauth_client().'
						 END;
	END IF;
	-- never quote the value: messages reach the server log
	IF api_key IS NULL OR api_key !~ '^[0-9A-Fa-f]{32}$' THEN
		RAISE EXCEPTION 'the API key is not a Last.fm API key'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'A Last.fm API key is 32 hexadecimal characters.',
				  HINT = 'Create one at https://www.last.fm/api/account/create.';
	END IF;
	INSERT INTO tracker.api_key AS k (provider, api_key)
	VALUES (set_api_key.provider, lower(set_api_key.api_key))
	ON CONFLICT ON CONSTRAINT api_key_pkey DO UPDATE
		SET api_key = excluded.api_key, updated_at = now();
	-- Accounts that waited for a key, or were refused the old one, try again.
	PERFORM tracker.listening_connect(a.account_id)
	FROM tracker.account a
		LEFT JOIN tracker.account_auth s ON s.account_id = a.account_id
	WHERE a.provider = set_api_key.provider AND s.state IS DISTINCT FROM 'connected';
END
$$;

COMMENT ON FUNCTION tracker.set_api_key(text, text) IS
	'Store the API key of a provider (Last.fm) and connect its accounts again (keep the call out of statement logs: see README)';

CREATE FUNCTION tracker.set_username(account integer, username text)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM tracker.require_account(account);
	IF NOT EXISTS (SELECT 1 FROM tracker.account a JOIN tracker.provider p USING (provider)
				   WHERE a.account_id = set_username.account AND p.kind = 'listening') THEN
		RAISE EXCEPTION 'account % is not a listening account', account
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'User names are for Last.fm and ListenBrainz accounts.';
	END IF;
	UPDATE tracker.account a SET username = set_username.username
	WHERE a.account_id = set_username.account;
	-- the same name again: e.g. a profile that was private is public now
	RETURN tracker.listening_connect(account);
END
$$;

COMMENT ON FUNCTION tracker.set_username(integer, text) IS
	'Set the user name of a Last.fm or ListenBrainz account and connect it again; returns its state';

------------------------------------------------------------------------------
-- Reading the figures
------------------------------------------------------------------------------

CREATE FUNCTION tracker.listening(account integer, days daterange)
RETURNS TABLE (day date, listens integer, artists integer)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT g.day, g.listens, g.artists
	FROM gold.listening_daily g
	WHERE g.account_id = $1 AND g.day <@ $2
	ORDER BY g.day
$$;

COMMENT ON FUNCTION tracker.listening(integer, daterange) IS
	'Listens and distinct artists per local day (days without listens are left out)';

/*
 * The n most listened artists (by_track false: track is NULL) or artists
 * and tracks of a range of local days, most listens first: what
 * top_artists() and top_tracks() return.
 */
CREATE FUNCTION tracker.top_listens(account integer, days daterange, n integer,
									by_track boolean)
RETURNS TABLE (artist text, track text, listens integer)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF n IS NULL OR n < 1 OR n > 1000 THEN
		RAISE EXCEPTION 'n must be between 1 and 1000' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN QUERY
		SELECT l.artist, CASE WHEN top_listens.by_track THEN l.track END, count(*)::integer
		FROM silver.listen l
		WHERE l.account_id = top_listens.account AND l.day <@ top_listens.days
		GROUP BY 1, 2
		ORDER BY count(*) DESC, 1, 2
		LIMIT top_listens.n;
END
$$;

CREATE FUNCTION tracker.top_artists(account integer, days daterange, n integer DEFAULT 10)
RETURNS TABLE (artist text, listens integer)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT t.artist, t.listens FROM tracker.top_listens($1, $2, $3, false) t
$$;

COMMENT ON FUNCTION tracker.top_artists(integer, daterange, integer) IS
	'The n most listened artists of a range of local days, most listens first';

CREATE FUNCTION tracker.top_tracks(account integer, days daterange, n integer DEFAULT 10)
RETURNS TABLE (artist text, track text, listens integer)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT t.artist, t.track, t.listens FROM tracker.top_listens($1, $2, $3, true) t
$$;

COMMENT ON FUNCTION tracker.top_tracks(integer, daterange, integer) IS
	'The n most listened tracks of a range of local days, most listens first';

-- PL/pgSQL, not SQL: Citus plans a SQL function's statements without the
-- arguments' values, and cannot route a join to the account's shards then.
CREATE FUNCTION tracker.listening_heatmap(account integer, days daterange)
RETURNS TABLE (dow integer, hour integer, listens integer)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	WITH c AS (
		SELECT extract(isodow FROM g.day)::integer AS dow, (u.ord - 1)::integer AS hour,
			   sum(u.n)::integer AS n
		FROM gold.listening_daily g
			CROSS JOIN LATERAL unnest(g.hours) WITH ORDINALITY AS u(n, ord)
		WHERE g.account_id = $1 AND g.day <@ $2
		GROUP BY 1, 2)
	SELECT d.d, h.h, coalesce(c.n, 0)
	FROM generate_series(1, 7) AS d(d)
		CROSS JOIN generate_series(0, 23) AS h(h)
		LEFT JOIN c ON c.dow = d.d AND c.hour = h.h
	ORDER BY 1, 2;
END
$$;

COMMENT ON FUNCTION tracker.listening_heatmap(integer, daterange) IS
	'Listens by local day of the week (ISO: 1 = Monday) and clock hour, all 168 cells';

------------------------------------------------------------------------------
-- api: what the dashboard's Listening view reads
------------------------------------------------------------------------------

-- Ranges are start_date/end_date, both inclusive, as elsewhere in api.
CREATE FUNCTION api.listening(account integer, start_date date, end_date date)
RETURNS TABLE (day date, listens integer, artists integer)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT l.day, l.listens, l.artists
	FROM tracker.listening($1, daterange($2, $3, '[]')) l
$$;

CREATE FUNCTION api.top_artists(account integer, start_date date, end_date date,
								n integer DEFAULT 10)
RETURNS TABLE (artist text, listens integer)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT t.artist, t.listens
	FROM tracker.top_artists($1, daterange($2, $3, '[]'), $4) t
$$;

CREATE FUNCTION api.top_tracks(account integer, start_date date, end_date date,
							   n integer DEFAULT 10)
RETURNS TABLE (artist text, track text, listens integer)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT t.artist, t.track, t.listens
	FROM tracker.top_tracks($1, daterange($2, $3, '[]'), $4) t
$$;

CREATE FUNCTION api.listening_heatmap(account integer, start_date date, end_date date)
RETURNS TABLE (dow integer, hour integer, listens integer)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT h.dow, h.hour, h.listens
	FROM tracker.listening_heatmap($1, daterange($2, $3, '[]')) h
$$;

-- Headline numbers of a range: totals over the range, not sums of days.
CREATE FUNCTION api.listening_summary(account integer, start_date date, end_date date)
RETURNS TABLE (listens integer, artists integer, tracks integer, days_with_listens integer,
			   first_day date, last_day date)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT count(*)::integer, count(DISTINCT l.artist)::integer,
		   count(DISTINCT (l.artist, l.track))::integer, count(DISTINCT l.day)::integer,
		   min(l.day), max(l.day)
	FROM silver.listen l
	WHERE l.account_id = $1 AND l.day BETWEEN $2 AND $3
$$;

REVOKE ALL ON FUNCTION api.listening(integer, date, date),
	api.top_artists(integer, date, date, integer),
	api.top_tracks(integer, date, date, integer),
	api.listening_heatmap(integer, date, date),
	api.listening_summary(integer, date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.listening(integer, date, date),
	api.top_artists(integer, date, date, integer),
	api.top_tracks(integer, date, date, integer),
	api.listening_heatmap(integer, date, date),
	api.listening_summary(integer, date, date) TO tracker_web;
