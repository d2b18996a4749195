/* src/schema/owner.sql: part of the tracker install script (see SCHEMA_PARTS in the Makefile) */

------------------------------------------------------------------------------
-- The owner's sign-in and what the owner may do from the dashboard
------------------------------------------------------------------------------

/*
 * PostgREST's own mechanism: a request with a JWT that PostgREST verifies
 * with its jwt-secret runs as the role of the token's "role" claim; one
 * without runs as tracker_web.  tracker_owner is that role for the owner:
 * it can log in nowhere, the authenticator may SET ROLE to it (the Docker
 * init script grants it), and it may execute the write functions of api
 * and nothing more.  A role of that name made earlier is adopted only if
 * it is as weak as the one made here (as tracker_web is, see schemas.sql).
 */
DO $$
DECLARE
	r pg_catalog.pg_roles;
	why text[] := '{}';
	member_of text;
BEGIN
	SELECT * INTO r FROM pg_catalog.pg_roles WHERE rolname = 'tracker_owner';
	IF NOT FOUND THEN
		CREATE ROLE tracker_owner NOLOGIN;
		RETURN;
	END IF;
	IF r.rolcanlogin THEN why := why || 'LOGIN'::text; END IF;
	IF r.rolsuper THEN why := why || 'SUPERUSER'::text; END IF;
	IF r.rolcreaterole THEN why := why || 'CREATEROLE'::text; END IF;
	IF r.rolcreatedb THEN why := why || 'CREATEDB'::text; END IF;
	IF r.rolreplication THEN why := why || 'REPLICATION'::text; END IF;
	IF r.rolbypassrls THEN why := why || 'BYPASSRLS'::text; END IF;
	SELECT string_agg(pg_catalog.quote_ident(g.rolname), ', ' ORDER BY g.rolname)
	INTO member_of
	FROM pg_catalog.pg_auth_members m
		JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
	WHERE m.member = r.oid;
	IF cardinality(why) > 0 OR member_of IS NOT NULL THEN
		RAISE EXCEPTION 'role "tracker_owner" exists and is not safe to adopt'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = concat_ws(' ',
						CASE WHEN cardinality(why) > 0 THEN
							'It has ' || array_to_string(why, ', ') || '.' END,
						CASE WHEN member_of IS NOT NULL THEN
							'It is a member of ' || member_of || '.' END,
						'Tracker grants this role the write functions of the api schema and expects it to hold nothing else.'),
				  HINT = 'Make it a plain role (ALTER ROLE tracker_owner NOLOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS, and REVOKE its memberships) or DROP ROLE tracker_owner, then run CREATE EXTENSION tracker (or ALTER EXTENSION tracker UPDATE) again.';
	END IF;
END
$$;

GRANT USAGE ON SCHEMA api TO tracker_owner;

/*
 * The secret the owner's tokens are signed with: PostgREST's jwt-secret.
 * Readable only by the extension owner (no grant is ever given), never in
 * a dump (not marked for pg_dump: a restored database needs
 * tracker.set_jwt_secret() again), never in a message or a log line.
 */
CREATE TABLE tracker.jwt_secret (
	singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	secret text NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now()
);

REVOKE ALL ON tracker.jwt_secret FROM PUBLIC;

COMMENT ON TABLE tracker.jwt_secret IS
	'PostgREST''s jwt-secret, to sign the owner''s tokens; readable only by the extension owner, never in a dump';

-- The Google person (healthUserId) each account was connected with.
CREATE TABLE tracker.account_identity (
	account_id integer PRIMARY KEY REFERENCES tracker.account ON DELETE CASCADE,
	health_user_id text NOT NULL,
	since timestamptz NOT NULL DEFAULT now()
);

REVOKE ALL ON tracker.account_identity FROM PUBLIC;

COMMENT ON TABLE tracker.account_identity IS
	'The Google account (healthUserId) an account was connected with; a consent from another is refused';

SELECT pg_catalog.pg_extension_config_dump('tracker.account_identity', '');

CREATE FUNCTION tracker.hmac_sha256(data bytea, key bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'tracker_hmac_sha256'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- base64url without padding (RFC 7515), as JWTs write their parts.
CREATE FUNCTION tracker.base64url(data bytea)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT translate(rtrim(replace(encode(data, 'base64'), E'\n', ''), '='), '+/', '-_')
$$;

-- Only the database's owner (and whoever is a member of that role) or a
-- superuser handles the owner's secret and tokens.
CREATE FUNCTION tracker.require_database_owner(what text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user)
	   AND NOT pg_has_role(current_user,
						   (SELECT d.datdba FROM pg_database d WHERE d.datname = current_database()),
						   'MEMBER') THEN
		RAISE EXCEPTION 'only the owner of the database or a superuser may %', what
			USING ERRCODE = 'insufficient_privilege';
	END IF;
END
$$;

/*
 * Store PostgREST's jwt-secret (at least 32 characters, as PostgREST
 * requires).  The value is never quoted in a message; keep the call out of
 * statement logs (SET log_statement = 'none' first, or pass it in a psql
 * variable from a file).
 */
CREATE FUNCTION tracker.set_jwt_secret(secret text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM tracker.require_database_owner('set the secret of the owner''s tokens');
	IF secret IS NULL OR length(secret) < 32 THEN
		RAISE EXCEPTION 'the JWT secret must have at least 32 characters'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'PostgREST refuses a shorter jwt-secret.',
				  HINT = 'Use the value of PGRST_JWT_SECRET, e.g. one made with: openssl rand -base64 36';
	END IF;
	INSERT INTO tracker.jwt_secret AS s (singleton, secret) VALUES (true, set_jwt_secret.secret)
	ON CONFLICT (singleton) DO UPDATE SET secret = excluded.secret, updated_at = now();
END
$$;

COMMENT ON FUNCTION tracker.set_jwt_secret(text) IS
	'Store PostgREST''s jwt-secret, with which tracker.owner_token() signs (keep the call out of statement logs)';

/*
 * A token for the dashboard's sign-in box: an HS256 JWT whose role claim
 * is tracker_owner, valid for valid_for.  PostgREST verifies it with the
 * same secret and runs the request as tracker_owner.
 */
CREATE FUNCTION tracker.owner_token(valid_for interval DEFAULT '30 days')
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	key text;
	now_s bigint := floor(extract(epoch FROM now()));
	head text;
	body text;
BEGIN
	PERFORM tracker.require_database_owner('make an owner token');
	IF valid_for IS NULL OR valid_for < interval '1 minute' OR valid_for > interval '366 days' THEN
		RAISE EXCEPTION 'a token must be valid for between a minute and a year'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT s.secret INTO key FROM tracker.jwt_secret s;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no JWT secret is set'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Call tracker.set_jwt_secret() with the jwt-secret PostgREST is configured with (PGRST_JWT_SECRET).';
	END IF;
	head := tracker.base64url(convert_to('{"alg":"HS256","typ":"JWT"}', 'UTF8'));
	body := tracker.base64url(convert_to(json_build_object(
				'role', 'tracker_owner', 'iat', now_s,
				'exp', now_s + floor(extract(epoch FROM valid_for))::bigint)::text, 'UTF8'));
	RETURN head || '.' || body || '.' ||
		tracker.base64url(tracker.hmac_sha256(convert_to(head || '.' || body, 'UTF8'),
											  convert_to(key, 'UTF8')));
END
$$;

COMMENT ON FUNCTION tracker.owner_token(interval) IS
	'A signed token (HS256 JWT, role tracker_owner) for the dashboard''s sign-in; database owner or superuser only';

------------------------------------------------------------------------------
-- api: the owner's actions (role tracker_owner) and what tracker_web sees of
-- notifications
------------------------------------------------------------------------------

/*
 * Writers are VOLATILE (PostgREST runs them on POST, in a read-write
 * transaction), take named arguments, run as the extension owner with a
 * fixed search_path (they touch tables no caller may read), and are
 * executable by tracker_owner alone: the GRANT at the end of this part.
 * Each is a thin call of the tracker function that psql users call, so the
 * checks and messages are the same either way.
 */
CREATE FUNCTION api.set_oauth_client(client_id text, client_secret text)
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT tracker.set_oauth_client('google_health', client_id, client_secret)
$$;

CREATE FUNCTION api.add_account(name text, time_zone text, provider text DEFAULT 'google_health',
								birth_date date DEFAULT NULL, username text DEFAULT NULL)
RETURNS integer
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT tracker.add_account(name => name, time_zone => time_zone, provider => provider,
							   birth_date => birth_date, username => username)
$$;

-- The Google consent link (state and PKCE; valid 10 minutes, once).
CREATE FUNCTION api.start_consent(account integer, redirect_uri text)
RETURNS text
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT tracker.authorize_url(account, redirect_uri)
$$;

/*
 * Back from Google: the code and the state of the redirect.  The state
 * names the account and the pending authorization (its redirect URI and
 * PKCE verifier); tracker.connect() checks that it is still valid, that
 * the grant is of the account's own Google person, and uses it up.
 */
CREATE FUNCTION api.complete_consent(code text, state text)
RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p record;
BEGIN
	SELECT o.account_id, o.redirect_uri, a.name INTO p
	FROM tracker.oauth_pending o JOIN tracker.account a ON a.account_id = o.account_id
	WHERE o.state = complete_consent.state;
	IF NOT FOUND OR coalesce(code, '') = '' THEN
		RAISE EXCEPTION 'no consent is pending for this link'
			USING ERRCODE = 'invalid_authorization_specification',
				  DETAIL = 'A consent link can be used once; a newer link for the same account replaces it.',
				  HINT = 'Start the consent again from the dashboard.';
	END IF;
	RETURN json_build_object('account', p.account_id, 'name', p.name,
							 'state', tracker.connect(p.account_id, code, p.redirect_uri, state));
END
$$;

-- Queue a backfill of an account's days (both ends included).
CREATE FUNCTION api.start_backfill(account integer, start_date date, end_date date)
RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT tracker.backfill(daterange(start_date, end_date, '[]'), account)
$$;

CREATE FUNCTION api.set_username(account integer, username text)
RETURNS text
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT tracker.set_username(account, username)
$$;

CREATE FUNCTION api.set_api_key(provider text, api_key text)
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT tracker.set_api_key(provider, api_key)
$$;

-- A job's progress (what the Pipeline view shows of every job).
CREATE FUNCTION api.job_progress(job bigint)
RETURNS TABLE (id bigint, account integer, kind text, days text, state text,
			   windows_done bigint, windows_total bigint, windows_failed bigint,
			   rows_written bigint, last_error text, eta text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT j.id, j.account, j.kind, j.days::text, j.state, j.windows_done, j.windows_total,
		   j.windows_failed, j.rows_written, j.last_error, j.eta::text
	FROM tracker.jobs j WHERE j.id = job
$$;

/*
 * Notification events with the state of their deliveries: which kind of
 * channel, delivered, pending or failed, attempts.  Never a channel's
 * target, secret or error text (an error can name the target).
 */
CREATE FUNCTION api.events(latest integer DEFAULT 50)
RETURNS TABLE (id bigint, kind text, account integer, account_name text, message text,
			   hint text, opened_at timestamptz, cleared_at timestamptz, open boolean,
			   deliveries json)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT e.event_id, e.kind, e.account_id, a.name, e.message, e.hint, e.opened_at,
		   e.cleared_at, e.cleared_at IS NULL,
		   (SELECT coalesce(json_agg(json_build_object(
						'channel', c.channel, 'state', d.state, 'attempts', d.attempts,
						'delivered_at', d.delivered_at) ORDER BY c.channel, c.channel_id), '[]')
			FROM tracker.notify_delivery d JOIN tracker.notify_channel c USING (channel_id)
			WHERE d.event_id = e.event_id)
	FROM tracker.notify_event e
		LEFT JOIN tracker.account a ON a.account_id = e.account_id
	ORDER BY e.event_id DESC
	LIMIT greatest(1, least(coalesce(latest, 50), 500))
$$;

/*
 * Who may run what.  api.sql grants every api function to tracker_web (in
 * an upgrade that grant comes after every function is made): the writers
 * are taken back from it here and given to tracker_owner only.
 */
REVOKE ALL ON FUNCTION
	api.set_oauth_client(text, text),
	api.add_account(text, text, text, date, text),
	api.start_consent(integer, text),
	api.complete_consent(text, text),
	api.start_backfill(integer, date, date),
	api.set_username(integer, text),
	api.set_api_key(text, text)
	FROM PUBLIC, tracker_web;
GRANT EXECUTE ON FUNCTION
	api.set_oauth_client(text, text),
	api.add_account(text, text, text, date, text),
	api.start_consent(integer, text),
	api.complete_consent(text, text),
	api.start_backfill(integer, date, date),
	api.set_username(integer, text),
	api.set_api_key(text, text)
	TO tracker_owner;
GRANT EXECUTE ON FUNCTION api.job_progress(bigint), api.events(integer) TO tracker_web;
