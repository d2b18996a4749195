-- Listening: Last.fm and ListenBrainz accounts, the API key, and the
-- figures, over listens written straight into silver (no network).
\i sql/prelude.psql

-- Everything runs in one transaction that is rolled back at the end, so
-- that the background workers never see these accounts (they would try to
-- reach the real services).
BEGIN;

-- The providers and what they read.
SELECT provider, kind FROM tracker.provider ORDER BY 1;
SELECT provider, data_type, ord, window_days FROM tracker.provider_data_type
WHERE provider IN ('lastfm', 'listenbrainz') ORDER BY 1;

-- A Last.fm account waits for the API key; a ListenBrainz one is ready.
SELECT tracker.add_account(name => 'scrobbler', time_zone => 'Europe/Berlin',
                           provider => 'lastfm', username => 'RJ') AS lastfm_id \gset
SELECT tracker.add_account(name => 'listener', time_zone => 'America/New_York',
                           provider => 'listenbrainz', username => 'some one') AS lb_id \gset
SELECT tracker.add_account(name => 'watch', time_zone => 'UTC') AS gh_id \gset
SELECT s.name, s.provider, a.username, s.state, s.reason
FROM tracker.account_status s JOIN tracker.account a ON a.account_id = s.account
WHERE s.name IN ('scrobbler', 'listener', 'watch') ORDER BY s.name;

-- Bad input gets a clear error.
\x on
SELECT * FROM try($$SELECT tracker.add_account('no name', 'UTC', 'lastfm')$$);
SELECT * FROM try($$SELECT tracker.add_account('empty name', 'UTC', 'listenbrainz', username => '')$$);
SELECT * FROM try($$SELECT tracker.add_account('spaces', 'UTC', 'lastfm', username => 'a b')$$);
SELECT * FROM try($$SELECT tracker.add_account('x', 'UTC', 'lastfm', username => 'x')$$);
SELECT * FROM try($$SELECT tracker.add_account('tab', 'UTC', 'listenbrainz', username => E'tab\there')$$);
SELECT * FROM try($$SELECT tracker.add_account('padded', 'UTC', 'listenbrainz', username => ' bob')$$);
SELECT * FROM try($$UPDATE tracker.account SET username = NULL WHERE name = 'listener'$$);
SELECT * FROM try($$SELECT tracker.set_api_key('lastfm', 'not-a-key')$$);
SELECT * FROM try($$SELECT tracker.set_api_key('lastfm', '0123456789abcdef0123456789abcdeg')$$);
SELECT * FROM try($$SELECT tracker.set_api_key('lastfm', NULL)$$);
SELECT * FROM try($$SELECT tracker.set_api_key('listenbrainz', '0123456789abcdef0123456789abcdef')$$);
SELECT * FROM try($$SELECT tracker.set_api_key('google_health', '0123456789abcdef0123456789abcdef')$$);
SELECT * FROM try($$SELECT tracker.set_api_key('myspace', '0123456789abcdef0123456789abcdef')$$);
SELECT code, regexp_replace(message, '[0-9]+', 'N') AS message, hint
FROM try(format('SELECT tracker.set_username(%s, %L)', :gh_id, 'me'));
SELECT * FROM try($$SELECT tracker.set_username(-1, 'me')$$);
SELECT * FROM try(format('SELECT tracker.set_username(%s, NULL)', :lastfm_id));
\x off
SELECT count(*) AS accounts FROM tracker.account;

-- The key connects the Last.fm account; it is kept in lower case, once.
SELECT tracker.set_api_key('lastfm', '0123456789ABCDEF0123456789abcdef');
SELECT tracker.set_api_key('lastfm', 'fedcba9876543210fedcba9876543210');
SELECT provider, api_key FROM tracker.api_key;
SELECT state, reason FROM tracker.account_status WHERE account = :lastfm_id;

-- A later Last.fm account is connected at once.
SELECT tracker.add_account('second', 'UTC', 'lastfm', username => 'other_user.2') IS NOT NULL AS created;
SELECT state FROM tracker.account_status WHERE name = 'second';

-- An account the provider refused (no such user) connects again with a new name.
SELECT tracker.set_account_state(:lb_id, 'not_connected', 'ListenBrainz user "some one" does not exist');
SELECT tracker.set_username(:lb_id, 'someone');
SELECT username, state, reason FROM tracker.account_status s
	JOIN tracker.account a ON a.account_id = s.account WHERE s.account = :lb_id;
-- ... or with the same name, e.g. after a private profile was made public.
SELECT tracker.set_account_state(:lastfm_id, 'not_connected', 'Last.fm cannot read user "RJ"');
SELECT tracker.set_username(:lastfm_id, 'RJ');

-- Only the extension owner reads keys and listens.
SET ROLE tracker_web;
SELECT code, message FROM try($$SELECT * FROM tracker.api_key$$);
SELECT code, message FROM try($$SELECT * FROM silver.listen$$);
SELECT code, message FROM try($$SELECT * FROM tracker.top_artists(1, '[2025-01-01,2026-01-01)')$$);
RESET ROLE;
SELECT has_table_privilege('public', 'tracker.api_key', 'SELECT') AS public_reads_keys;

-- Listens written straight into silver, then their figures.
INSERT INTO silver.listen (account_id, played_at, track, artist, album, day, source)
SELECT :lastfm_id, t.at, t.track, t.artist, t.album,
       (t.at AT TIME ZONE 'Europe/Berlin')::date, 'lastfm'
FROM (VALUES
	('2025-05-31 21:59:59+00'::timestamptz, 'Before', 'Björk', 'Debut'),	-- May 31, 23:59:59 local
	('2025-05-31 22:00:00+00', 'Midnight', 'Björk', 'Debut'),			-- June 1, 00:00 local
	('2025-06-02 06:15:00+00', 'Jóga', 'Björk', 'Homogenic'),
	('2025-06-02 06:20:00+00', 'Hunter', 'Björk', 'Homogenic'),
	('2025-06-02 18:00:00+00', 'Hoppípolla', 'Sigur Rós', 'Takk...'),
	('2025-06-02 22:30:00+00', 'Jóga', 'Björk', 'Homogenic'),			-- June 3, 00:30 local
	('2025-06-03 12:00:00+00', 'Teardrop', 'Massive Attack', 'Mezzanine'),
	('2025-06-03 12:00:00+00', 'Angel', 'Massive Attack', NULL),		-- same second, another track
	('2025-06-07 21:59:59+00', 'Army of Me', 'Björk', 'Post'),			-- June 7, 23:59:59 local
	('2025-06-07 22:00:00+00', 'After', 'Björk', 'Post'),				-- June 8
	('2025-10-26 00:30:00+00', 'Twice', 'Sigur Rós', NULL),			-- 02:30 summer time
	('2025-10-26 01:30:00+00', 'Twice', 'Sigur Rós', NULL)				-- 02:30 winter time
) AS t(at, track, artist, album);
INSERT INTO silver.listen (account_id, played_at, track, artist, day, source)
VALUES (:lb_id, '2025-06-02 03:00:00+00', 'Elsewhere', 'Other', '2025-06-01', 'listenbrainz');

-- The same listen twice is one row; the same title from another album in
-- the same second is another listen.
SELECT code FROM try(format($$INSERT INTO silver.listen (account_id, played_at, track, artist, album, day, source)
	VALUES (%s, '2025-06-02 06:15:00+00', 'Jóga', 'Björk', 'Homogenic', '2025-06-02', 'lastfm')$$, :lastfm_id));
SELECT code FROM try(format($$INSERT INTO silver.listen (account_id, played_at, track, artist, day, source)
	VALUES (%s, '2025-06-02 06:15:00+00', 'Jóga', 'Björk', '2025-06-02', 'lastfm')$$, :lastfm_id));
SELECT played_at, track, artist, album FROM silver.listen
WHERE account_id = :lastfm_id AND played_at = '2025-06-02 06:15:00+00' ORDER BY album NULLS LAST;
DELETE FROM silver.listen
WHERE account_id = :lastfm_id AND played_at = '2025-06-02 06:15:00+00' AND album IS NULL;
SELECT listen_key FROM silver.listen WHERE account_id = :lastfm_id AND album = 'Homogenic' ORDER BY played_at;
SELECT tracker.listen_key('listenbrainz', 'a', 'b', NULL, '11111111-1111-4111-8111-111111111111') AS lb_key,
       tracker.listen_key('listenbrainz', 'a', 'b', NULL, NULL) =
       tracker.listen_key('lastfm', 'a', 'b', NULL, NULL) AS lb_without_msid_keys_like_lastfm,
       tracker.listen_key('lastfm', 'a:', 'b', NULL, NULL) <>
       tracker.listen_key('lastfm', 'a', ':b', NULL, NULL) AS parts_cannot_run_together;

SELECT tracker.recompute_listening(:lastfm_id) AS days_written;
SELECT tracker.recompute_listening(:lastfm_id) AS days_written_again;
SELECT tracker.recompute_listening(:lb_id) AS days_written;

SELECT * FROM tracker.listening(:lastfm_id, '[2025-06-01,2025-06-08)');
SELECT * FROM tracker.listening(account => :lastfm_id, days => '[2025-10-26,2025-10-27)');
SELECT * FROM tracker.listening(:lb_id, '[2025-06-01,2025-06-08)');
SELECT day, listens, artists, tracks, hours, first_at, last_at
FROM gold.listening_daily WHERE account_id = :lastfm_id ORDER BY day;
SELECT bool_and((SELECT sum(h) FROM unnest(hours) h) = listens) AS hours_add_up
FROM gold.listening_daily;

SELECT * FROM tracker.top_artists(:lastfm_id, '[2025-06-01,2025-06-08)');
SELECT * FROM tracker.top_artists(account => :lastfm_id, days => '[2025-06-01,2025-06-08)', n => 1);
SELECT * FROM tracker.top_tracks(:lastfm_id, '[2025-06-01,2025-06-08)', 3);
SELECT * FROM tracker.listening_heatmap(:lastfm_id, '[2025-06-01,2025-06-08)') WHERE listens > 0;
SELECT count(*) AS cells, sum(listens) AS listens
FROM tracker.listening_heatmap(:lastfm_id, '[2025-06-01,2025-06-08)');
SELECT * FROM tracker.listening_heatmap(:lastfm_id, '[2025-10-26,2025-10-27)') WHERE listens > 0;
SELECT count(*) FROM tracker.listening(:lastfm_id, 'empty');
SELECT count(*) FROM tracker.top_artists(42, '[2025-01-01,2026-01-01)');
\x on
SELECT * FROM try(format($$SELECT * FROM tracker.top_artists(%s, '[2025-06-01,2025-06-08)', 0)$$, :lastfm_id));
SELECT * FROM try(format($$SELECT * FROM tracker.top_tracks(%s, '[2025-06-01,2025-06-08)', NULL)$$, :lastfm_id));
SELECT * FROM try($$SELECT tracker.recompute_listening(-1)$$);
\x off

-- A listen that goes away takes its day's figures with it.
DELETE FROM silver.listen WHERE account_id = :lastfm_id AND track = 'Hoppípolla';
SELECT tracker.recompute_listening(:lastfm_id, '[2025-06-02,2025-06-03)') AS days_written;
DELETE FROM silver.listen WHERE account_id = :lastfm_id AND track = 'Army of Me';
SELECT tracker.recompute_listening(:lastfm_id, '[2025-06-07,2025-06-08)') AS days_written;
SELECT * FROM tracker.listening(:lastfm_id, '[2025-06-01,2025-06-08)');

-- What the dashboard reads, as the dashboard's role.
SET ROLE tracker_web;
SELECT * FROM api.listening(account => :lastfm_id, start_date => '2025-06-01', end_date => '2025-06-07');
SELECT * FROM api.top_artists(account => :lastfm_id, start_date => '2025-06-01', end_date => '2025-06-07');
SELECT * FROM api.top_artists(account => :lastfm_id, start_date => '2025-06-01', end_date => '2025-06-07', n => 1);
SELECT * FROM api.top_tracks(account => :lastfm_id, start_date => '2025-06-01', end_date => '2025-06-07', n => 2);
SELECT * FROM api.listening_heatmap(account => :lastfm_id, start_date => '2025-06-01', end_date => '2025-06-07')
WHERE listens > 0;
SELECT * FROM api.listening_summary(account => :lastfm_id, start_date => '2025-06-01', end_date => '2025-06-07');
SELECT code, message FROM try($$SELECT tracker.recompute_listening(1)$$);
RESET ROLE;

-- The api functions: named arguments, STABLE, run as the owner with a fixed
-- search_path, executable by the dashboard's role and not by PUBLIC.
SELECT p.proname, p.provolatile, p.prosecdef, p.proconfig,
       array_to_string(p.proargnames[1:p.pronargs], ',') AS args,
       has_function_privilege('tracker_web', p.oid, 'EXECUTE') AS web,
       EXISTS (SELECT 1 FROM aclexplode(p.proacl) x
               WHERE x.grantee = 0 AND x.privilege_type = 'EXECUTE') AS public
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'api' AND p.proname IN
  ('listening', 'top_artists', 'top_tracks', 'listening_heatmap', 'listening_summary')
ORDER BY 1;
SELECT p.proname, p.provolatile, array_to_string(p.proargnames[1:p.pronargs], ',') AS args
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'tracker' AND p.proname IN
  ('listening', 'top_artists', 'top_tracks', 'listening_heatmap', 'recompute_listening',
   'set_api_key', 'set_username')
ORDER BY 1;

-- Deleting an account deletes its listens and figures.
DELETE FROM tracker.account WHERE account_id = :lastfm_id;
SELECT count(*) AS listens_left FROM silver.listen WHERE account_id = :lastfm_id;
SELECT count(*) AS days_left FROM gold.listening_daily WHERE account_id = :lastfm_id;

ROLLBACK;

-- Nothing of this stays.
SELECT count(*) AS listening_accounts FROM tracker.account
WHERE provider IN ('lastfm', 'listenbrainz');
SELECT count(*) AS keys FROM tracker.api_key;
